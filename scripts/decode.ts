/**
 * `deno task decode <file>...`: one JSON object per record (plain or gzip
 * files). A line that is not a valid record (torn by a crash, unknown
 * version, corrupt) is reported on stderr as `file:line: reason` and skipped.
 *
 * @module
 */

import { parseFlags } from "./lib/flags.ts";
import { kindNames } from "./logformat/mod.ts";

const USAGE = `usage: decode [--type ${kindNames().join("|")}] [--strict] FILE...
  prints one JSON object per record; bad lines go to stderr as FILE:LINE: reason
  exec records (E1, E2) carry exec_id, parent_exec_id (image ids for E2) and
  process_id; E2 adds exe, dev, ino, xid, pxid, mntns, pidns, userns, lost, redact
  --type T    only records of type T (${kindNames().join(", ")})
  --strict    exit 3 when any line was bad`;

let args;
try {
  args = parseFlags(Deno.args, {
    string: ["type"],
    boolean: ["strict", "help"],
    alias: { h: "help" },
  });
} catch (e) {
  console.error(`decode: ${(e as Error).message}\n${USAGE}`);
  Deno.exit(2);
}
if (args.values.help || args.positionals.length === 0) {
  console.error(USAGE);
  Deno.exit(args.values.help ? 0 : 2);
}
const type = typeof args.values.type === "string" ? args.values.type : undefined;
if (type !== undefined && !kindNames().includes(type)) {
  console.error(`decode: unknown --type "${type}": the known types are ${kindNames().join(", ")}`);
  Deno.exit(2);
}
const { decodeFiles } = await import("./lib/decode_files.ts");
const report = await decodeFiles(args.positionals, {
  type,
  out: (s) => Deno.stdout.writeSync(s),
  err: (line) => console.error(line),
});
console.error(
  `decode: ${report.records} records from ${report.files} files; ${report.bad} bad lines skipped` +
    (report.failedFiles ? `; ${report.failedFiles} files unreadable` : ""),
);
Deno.exit(report.failedFiles > 0 ? 1 : args.values.strict && report.bad > 0 ? 3 : 0);
