# @summary An absolute POSIX path without `..` segments, empty segments or control characters.
type Syscall_audit::Path = Pattern[/\A\/(?!.*\/\.\.?(\/|\z))(?!.*\/\/)[^\x00-\x1f\x7f]*\z/]
