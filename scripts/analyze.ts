/**
 * `deno task analyze --date 2026-11-27 --input hdfs://nn:8020/audit/raw --output hdfs://nn:8020/audit/results`
 * runs the audit jobs for one UTC day on Spark (cron runs it daily for D-1).
 *
 * @module
 */

import { parseFlags } from "./lib/flags.ts";

const USAGE = `usage: analyze --input ROOT [--date D] [--output DIR] [options]

  --date D           UTC day to analyse (default: yesterday)
  --input ROOT       the shipper's layout root: a path, hdfs://..., or webhdfs://...
  --output DIR       results: Parquet per job (partitioned by dt) and <job>.csv
                     (default build/analyze/results)
  --master M         local[*] (default), spark://host:7077, yarn
  --jobs A,B         jobs to run (default: all)
  --param NAME=V     a job parameter (repeatable), e.g. threshold=20, commands=nc,curl
  --partitions N     reduce partitions (default: Spark's parallelism)
  --conf K=V         extra spark-submit --conf (repeatable)
  --hive-prefix P    also save each job as the Hive table P<job> (metastore configured)
  --private-key PEM  opens the escrowed keys of the tamper-evidence chains, counted as
                     chain/verified, chain/broken, chain/unverifiable (local and webhdfs:// input)
  --no-chains        do not count the chains`;

let parsed;
try {
  parsed = parseFlags(Deno.args, {
    string: [
      "date",
      "input",
      "output",
      "master",
      "jobs",
      "param",
      "partitions",
      "conf",
      "hive-prefix",
      "private-key",
    ],
    boolean: ["help", "no-chains"],
    alias: { h: "help" },
    repeat: ["param", "conf"],
  });
} catch (e) {
  console.error(`analyze: ${(e as Error).message}\n${USAGE}`);
  Deno.exit(64);
}
const v = parsed.values;
if (v.help) {
  console.log(USAGE);
  Deno.exit(0);
}
const s = (k: string) => (typeof v[k] === "string" ? v[k] as string : undefined);
if (!s("input")) {
  console.error(`analyze: --input is required\n${USAGE}`);
  Deno.exit(64);
}
const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
const { analyze } = await import("./analyze/run.ts");
const root = new URL("..", import.meta.url).pathname;
try {
  const results = await analyze({
    date: s("date") ?? yesterday,
    input: s("input")!,
    output: s("output") ?? `${root}build/analyze/results`,
    master: s("master"),
    jobs: s("jobs")?.split(",").filter(Boolean),
    params: parsed.repeated.param,
    conf: parsed.repeated.conf,
    partitions: s("partitions") ? Number(s("partitions")) : undefined,
    hiveTablePrefix: s("hive-prefix"),
    chains: !v["no-chains"],
    chainPrivateKey: s("private-key"),
  });
  let empty = false;
  for (const r of results) {
    if (!r.counters["input/files"]) {
      console.error(`analyze: no input files in ${s("input")}/dt=${r.day} for ${r.job}`);
      empty = true;
    }
    const counters = Object.entries(r.counters).map(([k, n]) => `${k}=${n}`).join(" ");
    console.log(
      `${r.job} ${r.day}: ${r.rows} rows in ${
        r.seconds.toFixed(1)
      } s -> ${r.csv} and ${r.parquet}/dt=${r.day}`,
    );
    console.log(`  counters: ${counters}`);
  }
  if (empty) Deno.exit(1);
} catch (e) {
  console.error(`analyze: ${(e as Error).message}`);
  Deno.exit(e instanceof RangeError || e instanceof TypeError ? 64 : 1);
}
