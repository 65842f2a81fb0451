# @summary A size as logrotate and systemd write it: `512M`, `1G`, `100k`, or bytes.
type Syscall_audit::Size = Pattern[/\A[1-9][0-9]*[kKMG]?\z/]
