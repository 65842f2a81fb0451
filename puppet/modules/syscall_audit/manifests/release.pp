# @summary One release on disk: `<releases>/<version>/` holding the named files copied from
#   `<source>/<version>/`, in a releases directory purged of every other version (a version
#   change removes the previous one once the new one is in place).
# @api private
# @param releases
#   The releases directory (with the file-system root prefixed).
# @param version
#   The release.
# @param source
#   Where releases are (`puppet:///...`, `file:///...`, `https://...`).
# @param files
#   File name => mode.
define syscall_audit::release (
  String[1]                     $releases,
  Syscall_audit::Version        $version,
  Syscall_audit::Source         $source,
  Hash[String[1], Pattern[/\A0[0-7]{3}\z/]] $files,
) {
  if $caller_module_name != $module_name {
    fail("${name} is private to ${module_name}")
  }
  file { $releases:
    ensure       => directory,
    owner        => 'root',
    group        => 'root',
    mode         => '0755',
    recurse      => true,
    recurselimit => 1,
    purge        => true,
    force        => true,
    backup       => false,
  }
  file { "${releases}/${version}":
    ensure => directory,
    owner  => 'root',
    group  => 'root',
    mode   => '0755',
  }
  $files.each |$f, $mode| {
    file { "${releases}/${version}/${f}":
      ensure => file,
      owner  => 'root',
      group  => 'root',
      mode   => $mode,
      source => "${source}/${version}/${f}",
      backup => false,
    }
  }
}
