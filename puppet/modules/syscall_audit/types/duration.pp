# @summary A duration as the shipper reads it: `90s`, `30m`, `2h`, `1d`, or `0`.
type Syscall_audit::Duration = Pattern[/\A(0|[1-9][0-9]*(ms|s|m|h|d))\z/]
