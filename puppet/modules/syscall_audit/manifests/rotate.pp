# @summary Rotation of the collector's log: logrotate in create mode (a new file, then SIGHUP;
#   the collector also notices the rename itself), never copytruncate, which loses lines. Daily,
#   earlier at the size cap, dated names the shipper recognises (`<log>-YYYYMMDD-<epoch>`),
#   compressed a run later (delaycompress), at most `rotate_keep` files. Its own config and state
#   file, run hourly from /etc/cron.d, so the size cap holds between daily rotations.
# @api private
class syscall_audit::rotate {
  if $caller_module_name != $module_name {
    fail("${name} is private to ${module_name}: declare class syscall_audit instead")
  }

  $p = $syscall_audit::prefix
  $conf = "${syscall_audit::config_dir}/logrotate.conf"
  $cron = "${p}/etc/cron.d/syscall-audit-rotate"

  if $syscall_audit::mode == 'absent' {
    # the rule goes with config_dir
    file { $cron:
      ensure => absent,
      backup => false,
    }
  } else {
    file { "${p}${conf}":
      ensure  => file,
      owner   => 'root',
      group   => 'root',
      mode    => '0644',
      backup  => false,
      content => epp('syscall_audit/logrotate.conf.epp', {
          'log_file' => $syscall_audit::log_file,
          'max_size' => $syscall_audit::rotate_max_size,
          'keep'     => $syscall_audit::rotate_keep,
          'reopen'   => "systemctl kill --signal=HUP ${syscall_audit::service_name}.service >/dev/null 2>&1 || true",
      }),
    }
    file { $cron:
      ensure  => file,
      owner   => 'root',
      group   => 'root',
      mode    => '0644',
      backup  => false,
      content => epp('syscall_audit/rotate.cron.epp', {
          'minute' => $syscall_audit::rotate_at,
          'conf'   => $conf,
          'state'  => "${syscall_audit::state_dir}/logrotate.status",
      }),
    }
  }
}
