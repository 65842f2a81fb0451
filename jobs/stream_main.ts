/**
 * The process Spark pipes each partition through (bundled with `deno bundle`
 * and shipped with the deno binary, so executors need no Deno of their own):
 *
 *   deno run stream.js --side map|reduce [--jobs a,b] [--day D] [--param job.name=v]...
 *   deno run stream.js --describe [--jobs a,b] [--param ...]   # tables and side inputs as JSON
 *   deno run stream.js --side report --day D [--tables a,b] [--csv a,b]  # the day's page (report_side.ts)
 *
 * stdin and stdout follow `jobs/engine/protocol.ts`.
 *
 * @module
 */

import { describe, makeJobs } from "./mod.ts";
import { LineWriter, runMapSide, runReduceSide, syncLines } from "./engine/stream.ts";
import { runReportSide } from "./engine/report_side.ts";

function fail(msg: string): never {
  console.error(`stream: ${msg}`);
  Deno.exit(2);
}

const params: string[] = [];
let names: string[] | undefined;
let side: string | undefined;
let day: string | undefined;
let wantDescribe = false;
let tablesRun: string[] = [];
let csvTables: string[] = [];
const a = Deno.args;
for (let i = 0; i < a.length; i++) {
  const v = () => a[++i] ?? fail(`${a[i - 1]} needs a value`);
  switch (a[i]) {
    case "--jobs":
      names = v().split(",").map((s) => s.trim()).filter(Boolean);
      break;
    case "--side":
      side = v();
      break;
    case "--day":
      day = v();
      if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) fail(`--day must be YYYY-MM-DD: got "${day}"`);
      break;
    case "--param":
      params.push(v());
      break;
    case "--tables":
      tablesRun = v().split(",").filter(Boolean);
      break;
    case "--csv":
      csvTables = v().split(",").filter(Boolean);
      break;
    case "--describe":
      wantDescribe = true;
      break;
    default:
      fail(`unknown argument "${a[i]}"`);
  }
}
if (side === "report") {
  if (!day) fail("--side report needs --day");
  const w = new LineWriter(Deno.stdout);
  runReportSide(syncLines(Deno.stdin), w.write, day, tablesRun, csvTables);
  w.flush();
  Deno.exit(0);
}
let jobs;
try {
  jobs = makeJobs(names, params);
} catch (e) {
  fail((e as Error).message);
}
if (wantDescribe) {
  console.log(JSON.stringify(describe(jobs)));
  Deno.exit(0);
}
if (side !== "map" && side !== "reduce") fail(`--side must be map, reduce or report`);
const w = new LineWriter(Deno.stdout);
const lines = syncLines(Deno.stdin);
if (side === "map") runMapSide(jobs, lines, w.write, day);
else runReduceSide(jobs, lines, w.write, day);
w.flush();
