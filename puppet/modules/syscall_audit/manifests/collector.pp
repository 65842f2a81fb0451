# @summary The collector's systemd unit and service: resource limits, only the capabilities BPF
#   needs, hardening that keeps BPF working, restart on failure; restarted (SIGTERM: drain,
#   flush, exit) when the release or the unit changes.
# @api private
class syscall_audit::collector {
  if $caller_module_name != $module_name {
    fail("${name} is private to ${module_name}: declare class syscall_audit instead")
  }

  $p = $syscall_audit::prefix
  $service = $syscall_audit::service_name
  $unit = "${p}/etc/systemd/system/${service}.service"
  $dir = $syscall_audit::install_dir
  $release = "${dir}/releases/${syscall_audit::version}"
  # systemd is only ours to drive on the real root
  $manage = $syscall_audit::manage_service and $p == ''

  if $syscall_audit::mode == 'absent' {
    if $manage {
      service { $service:
        ensure => stopped,
        enable => false,
        before => File[$unit],
      }
    }
    file { $unit:
      ensure => absent,
      backup => false,
    }
  } else {
    # kernels with CAP_BPF (5.8+, and backports) need no CAP_SYS_ADMIN
    $caps = $facts.dig('syscall_audit', 'cap_bpf') ? {
      false   => ['CAP_SYS_ADMIN', 'CAP_SYS_RESOURCE'],
      default => ['CAP_BPF', 'CAP_PERFMON', 'CAP_SYS_RESOURCE'],
    }
    $redact_args = $syscall_audit::redact ? {
      false   => ['--no-redact'],
      default => $syscall_audit::redact_keys ? {
        []      => [],
        default => ['--redact-keys', $syscall_audit::redact_keys.join(',')],
      },
    }
    $exec_start = [
      "${dir}/current/deno", 'run', '--allow-all',
      '--v8-flags=--max-old-space-size=32,--max-semi-space-size=1',
      "${dir}/current/collect.js",
      '--log', $syscall_audit::log_file,
      '--object', "${dir}/current/exec.bpf.o",
      '--libbpf', $syscall_audit::libbpf_path,
      '--ring-mb', String($syscall_audit::ring_size),
      '--key-dir', "${syscall_audit::state_dir}/keys",
      '--escrow-public-key', "${syscall_audit::config_dir}/escrow.pub",
      '--redact-key-file', "${syscall_audit::config_dir}/redact.key",
    ] + $redact_args + ($syscall_audit::ia32 ? { true => [], default => ['--no-ia32'] }) +
      $syscall_audit::collector_args

    file { $unit:
      ensure  => file,
      owner   => 'root',
      group   => 'root',
      mode    => '0644',
      backup  => false,
      content => epp('syscall_audit/collector.service.epp', {
          'version'             => $syscall_audit::version,
          'exec_start'          => $exec_start.map |$a| { syscall_audit::systemd_quote($a) }.join(' '),
          'log_dir'             => $syscall_audit::log_dir,
          'state_dir'           => $syscall_audit::state_dir,
          'caps'                => $caps,
          'cpu_quota'           => $syscall_audit::cpu_quota,
          'memory_max'          => $syscall_audit::memory_max,
          'nice'                => $syscall_audit::nice,
          'io_scheduling_class' => $syscall_audit::io_scheduling_class,
      }),
    }

    if $manage {
      exec { "${service} daemon-reload":
        command     => 'systemctl daemon-reload',
        path        => ['/usr/bin', '/bin', '/usr/sbin', '/sbin'],
        refreshonly => true,
        subscribe   => File[$unit],
      }
      $running = $syscall_audit::mode == 'running'
      service { $service:
        ensure    => $running,
        enable    => $running,
        require   => Exec["${service} daemon-reload"],
        # a new release or unit restarts it: systemd sends SIGTERM, the collector drains the
        # ring buffer, flushes the log and exits, then the new release starts
        subscribe => [
          File[$unit],
          File["${p}${dir}/current"],
          File["${p}${release}/deno"],
          File["${p}${release}/collect.js"],
          File["${p}${release}/exec.bpf.o"],
          File["${p}${syscall_audit::config_dir}/redact.key"],
          File["${p}${syscall_audit::config_dir}/escrow.pub"],
        ],
      }
    }
  }
}
