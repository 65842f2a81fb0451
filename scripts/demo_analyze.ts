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

import { generateDay, hostNames } from "../tests/support/gen_day.ts";
import { noveltyState } from "../tests/support/novelty_state.ts";
import { writeTableParquet } from "../tests/support/write_parquet.ts";
import { NOVELTY_STATE_TABLE } from "../jobs/novelty.ts";
import { hostOfDir, sanitizeHost } from "./layout/mod.ts";
import { analyze } from "./analyze/run.ts";

const root = new URL("..", import.meta.url).pathname;
const day = "2026-11-27";
const raw = `${root}build/demo/raw`;
const out = `${root}build/demo/results`;

/** Bumped when the generated day changes: an older day is generated again. */
const DEMO_DATA_VERSION = "3";
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
// the novelty job's 30-day baseline as of the day before (as 30 daily runs would have left it):
// the story's programs are new against it
const before = new Date(Date.parse(`${day}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
try {
  await Deno.stat(`${out}/novelty_state/dt=${before}`);
} catch {
  const hosts = hostNames(300).map((h) => hostOfDir(sanitizeHost(h)));
  const n = await writeTableParquet(
    NOVELTY_STATE_TABLE,
    noveltyState({ hosts, day: before, sampleEvents: 20_000 }),
    out,
    before,
  );
  console.error(`demo: a 30-day novelty baseline for ${before} (${n} state rows)`);
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
