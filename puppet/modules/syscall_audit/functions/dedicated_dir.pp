# @summary Fails unless a directory is safe to remove whole on `ensure => absent`: at least two
#   levels deep (`/opt/syscall-audit`, not `/opt`).
# @param name The parameter's name, for the message.
# @param dir The directory.
# @return [Syscall_audit::Path] The directory.
function syscall_audit::dedicated_dir(String $name, Syscall_audit::Path $dir) >> Syscall_audit::Path {
  unless $dir =~ /\A\/[^\/]+\/[^\/]/ {
    fail(@("MSG"/L))
      syscall_audit: ${name} must be a directory of its own, two levels deep at least \
      (it is removed whole by ensure => absent): got '${dir}'
      | MSG

  }
  $dir
}
