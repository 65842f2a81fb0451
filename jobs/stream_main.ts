/**
 * The process Spark pipes each partition through (bundled with `deno bundle`
 * and shipped with the deno binary, so executors need no Deno of their own):
 *
 *   deno run stream.js --job suspicious_exec --side map|reduce [--day D] [--param k=v]...
 *   deno run stream.js --job suspicious_exec --describe     # the job's schema as JSON
 *   deno run stream.js --list                                # the jobs' names as JSON
 *
 * stdin and stdout follow `jobs/engine/stream.ts`.
 *
 * @module
 */

import { jobByName, JOBS } from "./mod.ts";
import { mapSide, reduceSide } from "./engine/stream.ts";
import { readLines } from "../scripts/lib/line_reader.ts";

function fail(msg: string): never {
  console.error(`stream: ${msg}`);
  Deno.exit(2);
}

const params: Record<string, string> = {};
let jobName: string | undefined;
let side: string | undefined;
let day: string | undefined;
let describe = false;
if (Deno.args[0] === "--list") {
  console.log(JSON.stringify(Object.keys(JOBS)));
  Deno.exit(0);
}
const a = Deno.args;
for (let i = 0; i < a.length; i++) {
  const v = () => a[++i] ?? fail(`${a[i - 1]} needs a value`);
  switch (a[i]) {
    case "--job":
      jobName = v();
      break;
    case "--side":
      side = v();
      break;
    case "--day":
      day = v();
      if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) fail(`--day must be YYYY-MM-DD: got "${day}"`);
      break;
    case "--param": {
      const p = v();
      const eq = p.indexOf("=");
      if (eq < 1) fail(`--param must be name=value: got "${p}"`);
      params[p.slice(0, eq)] = p.slice(eq + 1);
      break;
    }
    case "--describe":
      describe = true;
      break;
    default:
      fail(`unknown argument "${a[i]}"`);
  }
}
if (!jobName) fail("--job is required");
let job;
try {
  job = jobByName(jobName, params);
} catch (e) {
  fail((e as Error).message);
}
if (describe) {
  console.log(JSON.stringify({ name: job.name, description: job.description, schema: job.schema }));
  Deno.exit(0);
}
if (side !== "map" && side !== "reduce") fail(`--side must be map or reduce`);

async function* stdinLines(): AsyncGenerator<string> {
  for await (const line of readLines(Deno.stdin.readable)) yield line.text;
}

const enc = new TextEncoder();
const out: string[] = [];
let size = 0;
const w = Deno.stdout.writable.getWriter();
const gen = side === "map" ? mapSide(job, stdinLines(), { day }) : reduceSide(job, stdinLines());
for await (const line of gen) {
  out.push(line);
  size += line.length + 1;
  if (size > 256 * 1024) {
    out.push("");
    await w.write(enc.encode(out.join("\n")));
    out.length = 0;
    size = 0;
  }
}
if (out.length) {
  out.push("");
  await w.write(enc.encode(out.join("\n")));
}
await w.close();
