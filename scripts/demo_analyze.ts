/**
 * The embedded default (`deno task demo`): a realistic synthetic day of a
 * fleet of 300 hosts in the shipper's layout (build/demo/raw) with the
 * demo's story in it (tests/support/attack_day.ts: an attack chain from a
 * web server, a binary run from /tmp, a host silent from noon, a host
 * losing events), analysed on local Spark end to end by every job; prints
 * where the results are, the top rows and the path of the day's report.
 *
 * @module
 */

import { generateDay } from "../tests/support/gen_day.ts";
import { analyze } from "./analyze/run.ts";

const root = new URL("..", import.meta.url).pathname;
const day = "2026-11-27";
const raw = `${root}build/demo/raw`;
const out = `${root}build/demo/results`;

/** Bumped when the generated day changes: an older day is generated again. */
const DEMO_DATA_VERSION = "2";
const stamp = `${root}build/demo/raw.version`;
let have = false;
try {
  have = (await Deno.stat(`${raw}/dt=${day}`)).isDirectory &&
    (await Deno.readTextFile(stamp)).trim() === DEMO_DATA_VERSION;
} catch {
  have = false;
}
if (!have) {
  await Deno.remove(raw, { recursive: true }).catch(() => {});
  console.error(`demo: generating a synthetic day of 300 hosts in ${raw}`);
  const g = await generateDay({ root: raw, day, hosts: 300, eventsPerHost: 1000, scenario: true });
  await Deno.writeTextFile(stamp, DEMO_DATA_VERSION + "\n");
  console.error(
    `demo: ${g.files} files, ${g.records} records, ${(g.rawBytes / 1e6).toFixed(0)} MB (${
      (g.gzBytes / 1e6).toFixed(0)
    } MB gzip), with a torn line, a future-version record, an empty file, a truncated gzip ` +
      `and the story (an attack chain on web-000, db-009 silent from noon, loss on cache-005)`,
  );
}
const r = await analyze({ date: day, input: raw, output: out, master: "local[*]" });
console.log(
  `\n${r.day}: ${r.jobs.join(", ")} in ${r.seconds.toFixed(1)} s (one Spark application)`,
);
console.log(`  counters: ${Object.entries(r.counters).map(([k, n]) => `${k}=${n}`).join(" ")}`);
for (const [name, t] of Object.entries(r.tables)) {
  console.log(
    `\n${name}: ${t.rows} rows   Parquet: ${t.parquet}${t.csv ? `   CSV: ${t.csv}` : ""}`,
  );
  if (!t.csv) continue;
  const lines = (await Deno.readTextFile(t.csv)).trim().split("\n");
  console.log(lines.slice(0, 12).map((l) => `  ${l.slice(0, 160)}`).join("\n"));
  if (lines.length > 12) console.log(`  ... ${lines.length - 12} more`);
}
console.log(`\nreport: ${r.report ?? "(none: no job of the report ran)"}`);
