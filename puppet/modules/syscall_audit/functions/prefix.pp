# @summary The prefix of every managed path under a file-system root: `/` gives `''`, `/tmp/t/`
#   gives `/tmp/t`.
# @param root The file-system root.
# @return [String] The prefix to put before an absolute path.
function syscall_audit::prefix(Syscall_audit::Path $root) >> String {
  $root ? {
    '/'     => '',
    default => regsubst($root, '/+\z', ''),
  }
}
