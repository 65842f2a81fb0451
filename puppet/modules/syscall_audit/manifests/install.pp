# @summary Installs the pinned release (Deno, the collector and shipper bundles, the BPF object),
#   the check wrapper the `syscall_audit` fact runs, the module's directories and libbpf.
# @api private
class syscall_audit::install {
  if $caller_module_name != $module_name {
    fail("${name} is private to ${module_name}: declare class syscall_audit instead")
  }

  $p = $syscall_audit::prefix
  $dir = syscall_audit::dedicated_dir('install_dir', $syscall_audit::install_dir)
  $config_dir = syscall_audit::dedicated_dir('config_dir', $syscall_audit::config_dir)
  $state_dir = syscall_audit::dedicated_dir('state_dir', $syscall_audit::state_dir)
  $version = $syscall_audit::version
  $release = "${dir}/releases/${version}"
  $source = "${syscall_audit::release_source}/${version}"

  File {
    owner  => 'root',
    group  => 'root',
    backup => false,
  }

  if $syscall_audit::mode == 'absent' {
    file { ["${p}${dir}", "${p}${config_dir}", "${p}${state_dir}"]:
      ensure => absent,
      force  => true,
    }
  } else {
    if $syscall_audit::manage_package {
      package { $syscall_audit::libbpf_package:
        ensure => installed,
      }
    }

    file { ["${p}${dir}", "${p}${dir}/bin", "${p}${config_dir}"]:
      ensure => directory,
      mode   => '0755',
    }
    file { "${p}${state_dir}":
      ensure => directory,
      mode   => '0700',
    }
    # one release kept: a version change removes the previous one
    file { "${p}${dir}/releases":
      ensure       => directory,
      mode         => '0755',
      recurse      => true,
      recurselimit => 1,
      purge        => true,
      force        => true,
    }
    file { "${p}${release}":
      ensure => directory,
      mode   => '0755',
    }
    file { "${p}${release}/deno":
      ensure => file,
      source => "${source}/deno",
      mode   => '0755',
    }
    ['collect.js', 'exec.bpf.o', 'ship.js'].each |$f| {
      file { "${p}${release}/${f}":
        ensure => file,
        source => "${source}/${f}",
        mode   => '0644',
      }
    }
    # relative, so the tree is whole under any root
    file { "${p}${dir}/current":
      ensure => link,
      target => "releases/${version}",
    }
    file { "${p}${dir}/bin/check":
      ensure  => file,
      mode    => '0755',
      content => epp('syscall_audit/check.sh.epp', {
          'dir'         => $dir,
          'libbpf_path' => $syscall_audit::libbpf_path,
      }),
    }
  }
}
