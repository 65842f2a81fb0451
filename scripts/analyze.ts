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
  --output DIR       results: <DIR>/<table>/dt=D/*.parquet for every table, and
                     <DIR>/<table>-D.csv for the small ones (default build/analyze/results)
  --master M         local[*] (default), spark://host:7077, yarn
  --jobs A,B         jobs to run, in one Spark application (default: all)
  --param J.N=V      parameter N of job J (repeatable), e.g. suspicious_exec.threshold=20,
                     coverage.inventory=hosts.txt; unknown names are refused
  --partitions N     reduce partitions (default: Spark's parallelism)
  --conf K=V         extra spark-submit --conf (repeatable)
  --hive-prefix P    also register each table as the Hive table P<table> (metastore configured)
  --list-jobs        print the jobs, their tables and parameters`;

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
    ],
    boolean: ["help", "list-jobs"],
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
if (v["list-jobs"]) {
  const { JOBS, makeJobs } = await import("../jobs/mod.ts");
  for (const spec of JOBS) {
    console.log(`${spec.name}: ${spec.description}`);
    for (const [n, p] of Object.entries(spec.params)) {
      console.log(
        `  --param ${spec.name}.${n}=...  ${p.description}${
          p.default ? ` (default ${p.default})` : ""
        }`,
      );
    }
    for (const t of makeJobs([spec.name])[0].tables) {
      console.log(`  table ${t.name}${t.csv ? " (+ CSV)" : ""}: ${t.description}`);
    }
  }
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
  const r = await analyze({
    date: s("date") ?? yesterday,
    input: s("input")!,
    output: s("output") ?? `${root}build/analyze/results`,
    master: s("master"),
    jobs: s("jobs")?.split(",").filter(Boolean),
    params: parsed.repeated.param,
    conf: parsed.repeated.conf,
    partitions: s("partitions") ? Number(s("partitions")) : undefined,
    hiveTablePrefix: s("hive-prefix"),
  });
  console.log(`${r.day}: ${r.jobs.join(", ")} in ${r.seconds.toFixed(1)} s`);
  for (const [name, t] of Object.entries(r.tables)) {
    console.log(`  ${name}: ${t.rows} rows -> ${t.parquet}${t.csv ? ` and ${t.csv}` : ""}`);
  }
  console.log(
    `  counters: ${Object.entries(r.counters).map(([k, n]) => `${k}=${n}`).join(" ")}`,
  );
  if (r.report) console.log(`  report: ${r.report}`);
  if (!r.counters["input/listed_files"]) {
    console.error(`analyze: no input files in ${s("input")}/dt=${r.day}`);
    Deno.exit(1);
  }
} catch (e) {
  console.error(`analyze: ${(e as Error).message}`);
  Deno.exit(e instanceof RangeError || e instanceof TypeError ? 64 : 1);
}
