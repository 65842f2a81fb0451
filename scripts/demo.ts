/**
 * The embedded default: runs the real collector on this host for a few
 * seconds while a handful of commands run (some with hostile argv), then
 * prints what was captured, decoded. Needs root.
 *
 * @module
 */

import { run } from "./collector/run.ts";
import { decodeLine, type ExecEvent } from "./logformat/mod.ts";
import { openStream, readLines } from "./lib/line_reader.ts";

const dir = await Deno.makeTempDir({ prefix: "syscall-audit-demo-" });
const log = `${dir}/syscall_audit.log`;
const stop = new AbortController();
let ready!: () => void;
const attached = new Promise<void>((r) => (ready = r));
const collector = run({ log, signal: stop.signal, onReady: ready, wakeupMs: 100 });
await Promise.race([attached, collector]);

const commands: string[][] = [
  ["sh", "-c", "echo hello | wc -c"],
  ["ls", "-l", "/tmp"],
  ["printf", "%s\\n", "tab\there", "new\nline", "<script>alert(1)</script>"],
  ["sh", "-c", "exec /nonexistent/tool --flag"],
  ["env", "curl-not-really=1", "true", ""],
];
for (const argv of commands) {
  await new Deno.Command(argv[0], { args: argv.slice(1), stdout: "null", stderr: "null" }).output()
    .catch(() => {});
}
await new Promise((r) => setTimeout(r, 500));
stop.abort();
const report = await collector;

const events: ExecEvent[] = [];
let stats = 0;
for await (const l of readLines(await openStream(log))) {
  const r = decodeLine(l.text);
  if (r.type === "exec") events.push(r);
  else if (r.type === "stats") stats++;
}
const raw = (await Deno.stat(log)).size;
console.log(`captured ${events.length} execs (${stats} stats records, ${raw} bytes) in ${log}`);
console.log(
  `lost: ring ${report.rb_lost}, queue ${report.queue_lost}, writer ${report.write_lost}\n`,
);
// the demo's own commands and their descendants (the host may be busy with other things)
const ours = new Set([Deno.pid]);
const mine = events.filter((e) => ours.has(e.ppid) && ours.add(e.pid));
console.log(`the demo's own execs (${mine.length}):`);
for (const e of mine) {
  const res = e.ret === 0 ? "ok" : `ret ${e.ret}`;
  console.log(
    `${e.time}  ${e.pcomm}(${e.ppid}) -> ${e.filename} ${JSON.stringify(e.argv)}  ${res}`,
  );
}
console.log(`\ndecode it yourself: deno task decode ${log}`);
