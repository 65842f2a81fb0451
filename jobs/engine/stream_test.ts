import assert from "node:assert/strict";
import { synthLines } from "../../tests/support/synth_log.ts";
import type { Job } from "../job.ts";
import { suspiciousExec } from "../suspicious_exec.ts";
import { runInMemory } from "./memory.ts";
import { COUNTERS_PREFIX, END, FILE, LONG } from "./protocol.ts";
import { compareText } from "./reduce_runner.ts";
import { runMapSide, runReduceSide, syncLines } from "./stream.ts";

const root = new URL("../..", import.meta.url).pathname;
const DAY = "2026-11-27";

/** a few hosts' days, small */
function day(hosts: number) {
  return Array.from({ length: hosts }, (_, h) => ({
    host: `web-${h}/x\t`, // hostile: "/" and a tab survive the percent-encoding
    file: `f.${h}.log.gz`,
    lines: [...synthLines({
      startNs: String(BigInt(Date.parse(`${DAY}T00:00:00Z`)) * 1_000_000n),
      count: 3000,
      meanGapMs: 20_000,
      seed: h + 1,
      suspiciousShare: 0.2,
    })],
  }));
}

/** The map side's protocol input for some inputs, as the driver writes it. */
function protocolInput(inputs: ReturnType<typeof day>): string[] {
  return inputs.flatMap((i) => [
    `${FILE}${encodeURIComponent(i.host)}\t${encodeURIComponent(i.file)}\t0\t-`,
    ...i.lines,
    `${END}${encodeURIComponent(i.host)}\t${encodeURIComponent(i.file)}\t${i.lines.length}\t-`,
  ]);
}

/** Runs the stream sides as Spark would: map partitions, a sort by shuffle key, reduce partitions. */
function onStreams(jobs: Job[], parts: ReturnType<typeof day>[], reducers = 2) {
  const kv: string[] = [];
  const rows: string[] = [];
  const counters: Record<string, number> = {};
  const take = (l: string) => {
    if (l.startsWith(COUNTERS_PREFIX)) {
      for (const [k, n] of Object.entries(JSON.parse(l.slice(COUNTERS_PREFIX.length)))) {
        counters[k] = (counters[k] ?? 0) + (n as number);
      }
    } else if (l.startsWith("K")) kv.push(l);
    else rows.push(l);
  };
  for (const p of parts) runMapSide(jobs, protocolInput(p), take, DAY);
  const keyOf = (l: string) => l.slice(1, l.indexOf("\t"));
  // hash partitions, each sorted by key
  const buckets: string[][] = Array.from({ length: reducers }, () => []);
  for (const l of kv) {
    buckets[[...keyOf(l)].reduce((h, c) => h * 31 + c.charCodeAt(0) | 0, 0) & (reducers - 1)].push(
      l,
    );
  }
  for (const b of buckets) {
    b.sort((x, y) => compareText(keyOf(x), keyOf(y)));
    runReduceSide(jobs, b, take, DAY);
  }
  return { rows: rows.map((l) => JSON.parse(l.slice(l.indexOf("\t") + 1))), counters };
}

Deno.test("runMapSide() then a sort then runReduceSide() give the in-memory engine's rows", () => {
  const inputs = day(4);
  const job = suspiciousExec({ threshold: 3 });
  const mem = runInMemory([job], inputs, { day: DAY });
  const s = onStreams([job], [inputs.slice(0, 1), inputs.slice(1)]);
  const want = mem.tables.get("suspicious_exec")!;
  assert.ok(want.length > 3, `${want.length} rows`);
  const key = (r: unknown) => JSON.stringify(r);
  assert.deepStrictEqual(s.rows.map(key).sort(), want.map(key).sort());
  for (const k of ["input/records", "suspicious_exec/matched", "input/files"]) {
    assert.equal(s.counters[k], mem.counters.values.get(k), k);
  }
});

Deno.test("runMapSide() counts a line over the cap and hands it to the jobs' bad()", () => {
  const seen: string[] = [];
  const job: Job = {
    name: "probe",
    description: "",
    tables: [],
    steps: [],
    map() {},
    bad(l) {
      seen.push(`${l.reason}@${l.file}:${l.line}`);
    },
  };
  const out: string[] = [];
  runMapSide(
    [job],
    [`${FILE}h\tf\t0\t-`, "torn line", `${LONG}999999999`, `${END}h\tf\t3\t-`],
    (l) => out.push(l),
  );
  assert.deepStrictEqual(seen, ["malformed@f:1", "line_too_long@f:2"]);
  const counters = JSON.parse(out.at(-1)!.slice(COUNTERS_PREFIX.length));
  assert.equal(counters["input/line_too_long"], 1);
});

Deno.test("syncLines() splits chunks linearly and keeps a last line without LF", () => {
  const text = "a\nbb\n\nccc" + "x".repeat(200_000) + "\nlast";
  const bytes = new TextEncoder().encode(text);
  let off = 0;
  const reader = {
    readSync(p: Uint8Array) {
      if (off >= bytes.length) return null;
      const n = Math.min(p.length, 7_000, bytes.length - off);
      p.set(bytes.subarray(off, off + n));
      off += n;
      return n;
    },
  };
  assert.deepStrictEqual([...syncLines(reader, 4096)], text.split("\n"));
});

Deno.test("runReduceSide() streams a group of 50 million values in a small heap", async () => {
  // a child process with a 48 MB heap: values of one key generated on its stdin
  const script = `
import { runReduceSide } from "${root}jobs/engine/stream.ts";
const job = { name: "big", description: "", tables: [{ name: "t", description: "", columns: [] }],
  map() {}, steps: [{ reduce(key, values, out) { let n = 0; for (const v of values) n += v; out.row("t", { key, n }); } }] };
const N = 50_000_000;
function* lines() { const k = 'K0:big:["busy-parent"]\\t1'; for (let i = 0; i < N; i++) yield k; yield 'K0:big:["z"]\\t2'; }
let got = [];
runReduceSide([job], lines(), (l) => got.push(l));
console.log(JSON.stringify({ rows: got.slice(0, 2), heap: Deno.memoryUsage().heapUsed }));
`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--v8-flags=--max-old-space-size=48", script],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr).slice(-500));
  const r = JSON.parse(new TextDecoder().decode(out.stdout));
  assert.deepStrictEqual(r.rows, [
    'Rt\t{"key":["busy-parent"],"n":50000000}',
    'Rt\t{"key":["z"],"n":2}',
  ]);
});
