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
    file { ["${p}${state_dir}", "${p}${state_dir}/keys"]:
      ensure => directory,
      mode   => '0700',
    }
    # the redaction hashes' site key: root-only, never in a catalog diff or a report
    $site_key = $syscall_audit::redact_site_key
    $site_key_text = $site_key ? {
      undef     => undef,
      Sensitive => Sensitive("${site_key.unwrap}\n"),
      default   => Sensitive("${site_key}\n"),
    }
    $site_key_ensure = $site_key ? {
      undef   => absent,
      default => file,
    }
    file { "${p}${config_dir}/redact.key":
      ensure    => $site_key_ensure,
      mode      => '0600',
      show_diff => false,
      content   => $site_key_text,
    }
    $escrow_ensure = $syscall_audit::escrow_public_key ? {
      undef   => absent,
      default => file,
    }
    file { "${p}${config_dir}/escrow.pub":
      ensure  => $escrow_ensure,
      mode    => '0644',
      content => $syscall_audit::escrow_public_key,
    }
    syscall_audit::release { 'collector':
      releases => "${p}${dir}/releases",
      version  => $version,
      source   => $syscall_audit::release_source,
      files    => { 'deno' => '0755', 'collect.js' => '0644', 'exec.bpf.o' => '0644', 'ship.js' => '0644' },
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
