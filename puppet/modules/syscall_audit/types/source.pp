# @summary Where releases are: a `puppet:///`, `file:///` or `http(s)://` URL (no trailing slash needed).
type Syscall_audit::Source = Pattern[/\A(puppet|file|https?):\/\//]
