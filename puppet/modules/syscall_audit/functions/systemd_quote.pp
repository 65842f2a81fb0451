# @summary Quotes one argument for a systemd `ExecStart=` line when it needs it: plain words stay
#   as they are; others get double quotes, with `\` and `"` escaped. `%` and `$` are always doubled
#   so systemd expands neither specifiers nor variables.
# @param arg The argument.
# @return [String] The argument as ExecStart= reads it back.
function syscall_audit::systemd_quote(String $arg) >> String {
  $escaped = $arg.regsubst('%', '%%', 'G').regsubst('\$', '$$', 'G')
  if $arg =~ /\A[A-Za-z0-9_.,:\/=+@%$-]+\z/ {
    $escaped
  } else {
    $quoted = $escaped.regsubst('\\\\', '\\\\\\\\', 'G').regsubst('"', '\\\\"', 'G')
    "\"${quoted}\""
  }
}
