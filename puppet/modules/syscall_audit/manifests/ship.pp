# @summary The shipper: a wrapper with the HDFS settings from Hiera, run hourly by cron after the
#   rotation, each host waiting its own stable delay (`ship_splay`) first. Nothing when `ship_to`
#   is unset.
# @api private
class syscall_audit::ship {
  if $caller_module_name != $module_name {
    fail("${name} is private to ${module_name}: declare class syscall_audit instead")
  }

  $p = $syscall_audit::prefix
  $dir = $syscall_audit::install_dir
  $wrapper = "${p}${dir}/bin/ship"
  $cron = "${p}/etc/cron.d/syscall-audit-ship"

  if $syscall_audit::mode == 'absent' {
    # the wrapper goes with install_dir
    file { $cron:
      ensure => absent,
      backup => false,
    }
  } elsif $syscall_audit::ship_to =~ Undef {
    file { [$wrapper, $cron]:
      ensure => absent,
      backup => false,
    }
  } else {
    # optional settings: a flag and its value, or nothing
    $optional = {
      '--user'       => $syscall_audit::ship_user,
      '--token-file' => $syscall_audit::ship_token_file,
      '--ca-file'    => $syscall_audit::ship_ca_file,
      '--max-rate'   => $syscall_audit::ship_max_rate,
    }.filter |$flag, $value| { $value =~ NotUndef }.map |$flag, $value| { [$flag, $value] }.flatten
    $gateway = $syscall_audit::ship_gateway ? {
      true    => ['--gateway'],
      default => [],
    }
    $args = [
      '--from', $syscall_audit::log_dir,
      '--log-name', $syscall_audit::log_name,
      '--to', $syscall_audit::ship_to,
      '--state-dir', $syscall_audit::state_dir,
      '--min-age', $syscall_audit::ship_min_age,
      '--keep-days', String($syscall_audit::ship_keep_days),
    ] + $optional + $gateway + $syscall_audit::ship_args

    file { $wrapper:
      ensure  => file,
      owner   => 'root',
      group   => 'root',
      mode    => '0700',
      backup  => false,
      content => epp('syscall_audit/ship.sh.epp', { 'dir' => $dir, 'args' => $args }),
    }
    file { $cron:
      ensure  => file,
      owner   => 'root',
      group   => 'root',
      mode    => '0644',
      backup  => false,
      content => epp('syscall_audit/ship.cron.epp', {
          # after the rotation's minute, so a day's file is closed when the shipper looks
          'minute'  => ($syscall_audit::rotate_at + 5) % 60,
          'wrapper' => "${dir}/bin/ship",
          'splay'   => $syscall_audit::ship_splay,
      }),
    }
  }
}
