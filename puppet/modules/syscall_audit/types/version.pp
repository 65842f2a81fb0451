# @summary A release name, as `scripts/build_release.sh --version` accepts it: `0.1.0`, `0.2.0+rc1`.
type Syscall_audit::Version = Pattern[/\A[0-9A-Za-z][0-9A-Za-z._+-]*\z/]
