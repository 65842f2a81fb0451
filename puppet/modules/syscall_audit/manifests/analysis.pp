# @summary The daily analysis on an edge node of the Hadoop cluster: installs a release of the
#   project (with Deno) and a cron entry running `deno task analyze` for yesterday (UTC) on Spark.
#
# The node needs Spark (`spark_home`, or `spark-submit` on PATH) and a JDK; it needs no
# collector. Declare it on its own (`include syscall_audit::analysis`); it shares nothing with
# the class `syscall_audit`, so a node may have both.
#
# @example
#   class { 'syscall_audit::analysis':
#     input  => 'hdfs://nn1.example:8020/audit/raw',
#     output => 'hdfs://nn1.example:8020/audit/results',
#     master => 'yarn',
#   }
#
# @param ensure
#   `present`, or `absent` to remove everything this class added (results stay in HDFS).
# @param root
#   File-system root all managed paths are placed under (`/`; tests use a temporary tree).
# @param version
#   Release to install (default: the same as `syscall_audit::version`).
# @param release_source
#   Where releases are (default: the same as `syscall_audit::release_source`).
# @param install_dir
#   The release is unpacked into `<install_dir>/releases/<version>/src`; `<install_dir>/bin/analyze`
#   runs it.
# @param input
#   The shipper's layout root: `hdfs://...`, `webhdfs://...` or a path.
# @param output
#   Results: `<output>/<table>/dt=D/` Parquet and `<table>-D.csv` for the small tables (unset: the project's `build/analyze/results`).
# @param master
#   Spark master: `local[*]`, `spark://host:7077`, `yarn`.
# @param spark_home
#   Spark installation (unset: `spark-submit` on PATH, then the project's own).
# @param jobs
#   Jobs to run (empty: all).
# @param job_params
#   Job parameters `<job>.<name>` => value, e.g. `{ 'suspicious_exec.threshold' => '20', 'coverage.inventory' => '/etc/hosts.list' }`.
# @param spark_conf
#   Extra `spark-submit --conf` settings.
# @param hive_prefix
#   Also save each job as the Hive table `<hive_prefix><job>`.
# @param hour
#   Hour of the daily run (local time of the node).
# @param minute
#   Minute of the daily run.
# @param user
#   User the daily run runs as.
# @param log_file
#   Where the daily run's output is appended.
class syscall_audit::analysis (
  String[1]                     $input,
  Syscall_audit::Ensure         $ensure,
  Syscall_audit::Path           $root,
  Syscall_audit::Version        $version,
  Syscall_audit::Source         $release_source,
  Syscall_audit::Path           $install_dir,
  Optional[String[1]]           $output,
  String[1]                     $master,
  Optional[Syscall_audit::Path] $spark_home,
  Array[Pattern[/\A[a-z0-9_]+\z/]] $jobs,
  Hash[Pattern[/\A[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*\z/], Scalar] $job_params,
  Hash[String[1], Scalar]       $spark_conf,
  Optional[Pattern[/\A[A-Za-z0-9_.]+\z/]] $hive_prefix,
  Integer[0, 23]                $hour,
  Integer[0, 59]                $minute,
  Pattern[/\A[a-z_][a-z0-9_-]*\z/] $user,
  Syscall_audit::Path           $log_file,
) {
  $p = syscall_audit::prefix($root)
  $dir = syscall_audit::dedicated_dir('install_dir', $install_dir)
  $release = "${dir}/releases/${version}"
  $cron = "${p}/etc/cron.d/syscall-audit-analyze"

  File {
    owner  => 'root',
    group  => 'root',
    backup => false,
  }

  if $ensure == 'absent' {
    file { ["${p}${dir}", $cron]:
      ensure => absent,
      force  => true,
    }
  } else {
    $args = ['--input', $input] + ($output ? {
        Undef   => [],
        default => ['--output', $output],
    }) + ['--master', $master] + ($jobs ? {
        []      => [],
        default => ['--jobs', $jobs.join(',')],
    }) + $job_params.keys.sort.map |$k| { ['--param', "${k}=${job_params[$k]}"] }.flatten
    + $spark_conf.keys.sort.map |$k| { ['--conf', "${k}=${spark_conf[$k]}"] }.flatten
    + ($hive_prefix ? {
        Undef   => [],
        default => ['--hive-prefix', $hive_prefix],
    })

    file { ["${p}${dir}", "${p}${dir}/bin"]:
      ensure => directory,
      mode   => '0755',
    }
    syscall_audit::release { 'analysis':
      releases => "${p}${dir}/releases",
      version  => $version,
      source   => $release_source,
      files    => { 'deno' => '0755', 'src.tar.gz' => '0644' },
    }
    # unpacked again whenever the archive's content changes (tar keeps the mtimes: the prebuilt
    # analysis bundle and driver stay newer than their sources, so the node rebuilds nothing);
    # the run writes its logs and default results under src/, so it is the user's
    exec { "syscall_audit analysis unpack ${version}":
      command   => join([
          'rm -rf src.new', 'mkdir src.new', 'tar -xzf src.tar.gz -C src.new --no-same-owner',
          'sha256sum src.tar.gz >src.new/.release', "chown -R ${user} src.new", 'rm -rf src', 'mv src.new src',
      ], ' && '),
      unless    => 'sha256sum --check --status src/.release',
      cwd       => "${p}${release}",
      path      => ['/usr/bin', '/bin'],
      subscribe => File["${p}${release}/src.tar.gz"],
    }
    file { "${p}${dir}/current":
      ensure  => link,
      target  => "releases/${version}",
      require => Exec["syscall_audit analysis unpack ${version}"],
    }
    file { "${p}${dir}/bin/analyze":
      ensure  => file,
      mode    => '0755',
      content => epp('syscall_audit/analyze.sh.epp', {
          'dir'        => $dir,
          'spark_home' => $spark_home,
          'args'       => $args,
      }),
    }
    file { $cron:
      ensure  => file,
      mode    => '0644',
      content => epp('syscall_audit/analyze.cron.epp', {
          'hour'     => $hour,
          'minute'   => $minute,
          'user'     => $user,
          'wrapper'  => "${dir}/bin/analyze",
          'log_file' => $log_file,
      }),
    }
  }
}
