# @summary Audits every exec on this host: the eBPF collector as a systemd service, its log
#   rotation and the shipper that moves closed logs to HDFS.
#
# Hosts the collector cannot run on (kernel older than 5.8, no BTF, no BPF ring buffer, or the
# installed collector's own `--check` failing) are gated by the `syscall_audit_status` fact: they
# get nothing, or a stopped service when the collector was installed and its check now fails, and
# the Puppet run succeeds. `ensure => absent` removes everything the module added; the audit logs
# themselves are data and stay.
#
# Every default is in the module's data/common.yaml.
#
# @example A host shipping to an HA pair of NameNodes
#   class { 'syscall_audit':
#     ship_to   => 'webhdfs://nn1.example:9870,nn2.example:9870/audit/raw',
#     ship_user => 'audit',
#   }
#
# @param ensure
#   `present` installs and runs; `absent` stops and removes everything the module added.
# @param root
#   File-system root all managed paths are placed under (`/`; tests use a temporary tree). The
#   contents of the files still name the real paths. The service is managed only when it is `/`.
# @param force
#   Install and run even when the `syscall_audit_status` fact says unsupported.
# @param version
#   The release to install, a directory `<release_source>/<version>/` made by
#   `scripts/build_release.sh`. Changing it restarts the collector with SIGTERM (it drains the
#   ring buffer and flushes before exiting).
# @param release_source
#   Where releases are: `puppet:///modules/syscall_audit/releases`, `file:///...` or `https://...`.
# @param install_dir
#   Releases go to `<install_dir>/releases/<version>`, `<install_dir>/current` points at the one in
#   use, wrappers go to `<install_dir>/bin`. The `syscall_audit` fact runs
#   `/opt/syscall-audit/bin/check`: keep the default unless you also set SYSCALL_AUDIT_CHECK.
# @param config_dir
#   The logrotate rule and its state.
# @param state_dir
#   The shipper's lock and journal, the chain's state and `keys/` (each collector run's escrowed
#   first key, until the shipper has stored it in HDFS).
# @param manage_package
#   Install libbpf with the OS package manager. Removal leaves it (other software links it).
# @param libbpf_package
#   Its package name (per OS family in data/os/).
# @param libbpf_path
#   The library the collector opens (`--libbpf`).
# @param manage_service
#   Manage the systemd service (enable, run, restart on change). Forced off when `root` is not `/`.
# @param service_name
#   Name of the systemd unit, without `.service`.
# @param log_file
#   The collector's log; rotated files are `<log_file>-YYYYMMDD-<epoch>[.gz]` in the same directory.
# @param redact
#   Hide secrets in argv (`key=value`, the value after `--password`, URL passwords).
# @param redact_keys
#   Words whose values are hidden, instead of the collector's list (empty: its list).
# @param ia32
#   Record 32-bit execs (ia32 binaries, `int $0x80`) with their syscall, failed ones too. Its two
#   programs run on every system call of the host (bench/results/syscall_tax.md); `false`
#   (`--no-ia32`) is for syscall-heavy hosts that accept seeing 32-bit execs as successes only.
# @param redact_site_key
#   The site key of the redacted values' hashes (hex, 32 digits or more), the same on every host
#   so that one secret hashes alike fleet-wide (two uses of one secret tell from two secrets); give
#   it as `Sensitive` (eyaml). Written root-only to `<config_dir>/redact.key`; unset: hashes `-`.
# @param escrow_public_key
#   The audit team's RSA public key (PEM): each collector run's first chain key is sealed to it
#   before it is escrowed (docs/tamper-evidence.md); unset: escrowed in clear until shipped.
# @param ring_mib
#   The collector's BPF ring buffer, MiB (`--ring-mb`), a power of two; unset: chosen from
#   `ring_mib_by_cpus`. A full ring loses events (counted, see docs/flooding.md); the ring's
#   memory counts against `memory_max`.
# @param ring_mib_by_cpus
#   Ring size by host class when `ring_mib` is unset: `{cpus => MiB}`, the entry with the largest
#   key not above the host's `processors.count` wins (each value a power of two).
# @param collector_args
#   Further collector options, e.g. `['--max-arg-bytes', '4096']` (a `--ring-mb` here wins over
#   `ring_mib`).
# @param cpu_quota
#   systemd CPUQuota= of the collector.
# @param memory_max
#   systemd MemoryMax= of the collector.
# @param nice
#   systemd Nice= of the collector.
# @param io_scheduling_class
#   systemd IOSchedulingClass= of the collector.
# @param rotate_max_size
#   Rotate before the day ends once the log is this big (checked hourly).
# @param rotate_keep
#   Rotated files kept at most (shipped files are deleted by the shipper before that).
# @param rotate_minute
#   Minute of the hourly logrotate run (default: a stable per-host minute).
# @param ship_to
#   HDFS root to ship to, `webhdfs://nn1:9870[,nn2:9870]/path` or `swebhdfs://...`; unset: no
#   shipping (the cron entry is not written).
# @param ship_user
#   HDFS user for simple authentication.
# @param ship_token_file
#   File holding a delegation token (instead of `ship_user`).
# @param ship_ca_file
#   PEM CA certificates for `swebhdfs://`.
# @param ship_gateway
#   `ship_to` is an HttpFS gateway.
# @param ship_splay
#   Each run first waits a stable per-host delay up to this, so the fleet spreads over time.
# @param ship_max_rate
#   Upload bandwidth cap, e.g. `20M` (per second).
# @param ship_keep_days
#   Keep shipped files this many days before deleting them.
# @param ship_min_age
#   Ship only files unmodified for this long.
# @param ship_args
#   Further shipper options.
class syscall_audit (
  Syscall_audit::Ensure           $ensure,
  Syscall_audit::Path             $root,
  Boolean                         $force,
  Syscall_audit::Version          $version,
  Syscall_audit::Source           $release_source,
  Syscall_audit::Path             $install_dir,
  Syscall_audit::Path             $config_dir,
  Syscall_audit::Path             $state_dir,
  Boolean                         $manage_package,
  String[1]                       $libbpf_package,
  String[1]                       $libbpf_path,
  Boolean                         $manage_service,
  Pattern[/\A[a-zA-Z0-9@_.-]+\z/] $service_name,
  Syscall_audit::Path             $log_file,
  Boolean                         $redact,
  Array[Pattern[/\A[A-Za-z0-9_-]+\z/]] $redact_keys,
  Boolean                         $ia32,
  Optional[Variant[Sensitive[Pattern[/\A[0-9a-fA-F]{32,}\z/]], Pattern[/\A[0-9a-fA-F]{32,}\z/]]] $redact_site_key,
  Optional[Pattern[/\A-----BEGIN PUBLIC KEY-----\n[A-Za-z0-9+\/=\n]+-----END PUBLIC KEY-----\n?\z/]] $escrow_public_key,
  Optional[Integer[1, 1024]]      $ring_mib,
  Hash[Integer[1], Integer[1, 1024], 1] $ring_mib_by_cpus,
  Array[String[1]]                $collector_args,
  Pattern[/\A[1-9][0-9]*%\z/]     $cpu_quota,
  Syscall_audit::Size             $memory_max,
  Integer[-20, 19]                $nice,
  Enum['idle', 'best-effort', 'realtime'] $io_scheduling_class,
  Syscall_audit::Size             $rotate_max_size,
  Integer[1, 10000]               $rotate_keep,
  Optional[Integer[0, 59]]        $rotate_minute,
  Optional[Pattern[/\As?webhdfs:\/\/[^\s'"]+\z/, /\Ahttps?:\/\/[^\s'"]+\z/]] $ship_to,
  Optional[Pattern[/\A[A-Za-z0-9._@-]+\z/]] $ship_user,
  Optional[Syscall_audit::Path]   $ship_token_file,
  Optional[Syscall_audit::Path]   $ship_ca_file,
  Boolean                         $ship_gateway,
  Syscall_audit::Duration         $ship_splay,
  Optional[Syscall_audit::Size]   $ship_max_rate,
  Integer[0, 3650]                $ship_keep_days,
  Syscall_audit::Duration         $ship_min_age,
  Array[String[1]]                $ship_args,
) {
  $prefix = syscall_audit::prefix($root)

  $log_parent = regsubst($log_file, '/[^/]*\z', '')
  $log_dir = $log_parent ? {
    ''      => '/',
    default => $log_parent,
  }
  $log_name = regsubst($log_file, '\A.*/', '')
  $rotate_at = $rotate_minute.lest || { Integer(fqdn_rand(60, 'syscall_audit rotate')) }

  # the ring: given, or by host class (the largest `ring_mib_by_cpus` key not above this host's
  # CPU count; a host with fewer CPUs than every key gets the smallest key's size)
  $cpus = $facts.dig('processors', 'count') ? {
    Integer => $facts['processors']['count'],
    default => 1,
  }
  $ring_keys = $ring_mib_by_cpus.keys.sort
  $ring_key = $ring_keys.filter |$k| { $k <= $cpus }.reduce($ring_keys[0]) |$m, $k| { max($m, $k) }
  $ring_size = $ring_mib.lest || { $ring_mib_by_cpus[$ring_key] }
  $powers_of_two = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]
  unless $ring_size in $powers_of_two {
    fail("syscall_audit: ring_mib must be a power of two from 1 to 1024: got ${ring_size}")
  }
  $ring_mib_by_cpus.each |$k, $v| {
    unless $v in $powers_of_two {
      fail("syscall_audit: ring_mib_by_cpus[${k}] must be a power of two from 1 to 1024: got ${v}")
    }
  }

  $audit = $facts['syscall_audit'] ? {
    Hash    => $facts['syscall_audit'],
    default => {},
  }
  $fact_status = $facts['syscall_audit_status'] ? {
    String  => $facts['syscall_audit_status'],
    default => 'unsupported: the syscall_audit facts are missing (is pluginsync on?)',
  }
  # the collector runs as a systemd service: a host booted with another init is not supported
  $no_systemd = $manage_service and $prefix == '' and $audit['systemd'] == false
  $status = ($fact_status == 'supported' and $no_systemd) ? {
    true    => 'unsupported: this host does not run systemd (no /run/systemd/system)',
    default => $fact_status,
  }
  $supported = $force or $status == 'supported'

  # what this run does: install + run, install + stop (installed, but its own check fails here),
  # remove, or leave the host alone
  if $ensure == 'absent' {
    $mode = 'absent'
  } elsif $supported {
    $mode = 'running'
  } elsif $audit['installed'] == true and $audit['gate'] == 'check' {
    $mode = 'stopped'
  } elsif $audit['installed'] == true {
    $mode = 'absent'
  } else {
    $mode = 'none'
  }
  if $ensure == 'present' and !$supported {
    warning("syscall_audit: ${status}: the collector is not run on this host")
  }

  if $mode != 'none' {
    contain syscall_audit::install
    contain syscall_audit::collector
    contain syscall_audit::rotate
    contain syscall_audit::ship

    if $mode == 'absent' {
      # stop the service before its files go
      Class['syscall_audit::collector'] -> Class['syscall_audit::rotate']
      -> Class['syscall_audit::ship'] -> Class['syscall_audit::install']
    } else {
      Class['syscall_audit::install'] -> Class['syscall_audit::rotate']
      -> Class['syscall_audit::ship'] -> Class['syscall_audit::collector']
    }
  }
}
