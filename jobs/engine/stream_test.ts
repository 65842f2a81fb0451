import assert from "node:assert/strict";
import { synthLines } from "../../tests/support/synth_log.ts";
import { suspiciousExec } from "../suspicious_exec.ts";
import { runInMemory } from "./memory.ts";
import { COUNTERS_PREFIX, mapSide, reduceSide } from "./stream.ts";
import { compareText } from "./memory.ts";

const root = new URL("../..", import.meta.url).pathname;

/** a few hosts' days, small */
function day(hosts: number) {
  return Array.from({ length: hosts }, (_, h) => ({
    host: `web-${h}/x\t`, // hostile: "/" and a tab survive the percent-encoding
    lines: [...synthLines({
      startNs: String(BigInt(Date.parse("2026-11-27T00:00:00Z")) * 1_000_000n),
      count: 3000,
      meanGapMs: 20_000,
      seed: h + 1,
      suspiciousShare: 0.2,
    })],
  }));
}

async function collect(g: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const l of g) out.push(l);
  return out;
}

Deno.test("mapSide() then a sort then reduceSide() gives the in-memory engine's rows", async () => {
  const inputs = day(4);
  const job = suspiciousExec({ threshold: 3 });
  const mem = runInMemory(job, inputs, { day: "2026-11-27" });
  // two map partitions, as Spark would run them
  const mapped: string[] = [];
  const counters: Record<string, number>[] = [];
  for (const part of [inputs.slice(0, 2), inputs.slice(2)]) {
    const lines = part.flatMap((i) => i.lines.map((l) => `${encodeURIComponent(i.host)}\t${l}`));
    for (const l of await collect(mapSide(job, lines, { day: "2026-11-27" }))) {
      if (l.startsWith(COUNTERS_PREFIX)) counters.push(JSON.parse(l.slice(COUNTERS_PREFIX.length)));
      else mapped.push(l);
    }
  }
  mapped.sort((a, b) => compareText(a.slice(0, a.indexOf("\t")), b.slice(0, b.indexOf("\t"))));
  const out = await collect(reduceSide(job, mapped));
  assert.ok(out.pop()!.startsWith(COUNTERS_PREFIX));
  const rows = out.map((l) => JSON.parse(l));
  assert.ok(rows.length > 3, `${rows.length} rows`);
  assert.deepStrictEqual(rows, mem.rows);
  const summed: Record<string, number> = {};
  for (const c of counters) {
    for (const [k, v] of Object.entries(c)) summed[k] = (summed[k] ?? 0) + v;
  }
  assert.deepStrictEqual(summed, Object.fromEntries(mem.counters.entries()));
});

Deno.test("reduceSide() refuses unsorted input", async () => {
  const job = suspiciousExec();
  await assert.rejects(collect(reduceSide(job, ['["b","x"]\t1', '["a","x"]\t1'])), /not sorted/);
});

Deno.test("stream_main.ts runs the map side as a process (the Spark pipe contract)", async () => {
  const [input] = day(1);
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      `${root}jobs/stream_main.ts`,
      "--job",
      "suspicious_exec",
      "--side",
      "map",
      "--param",
      "threshold=0",
    ],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const w = child.stdin.getWriter();
  await w.write(new TextEncoder().encode(input.lines.map((l) => `h\t${l}\n`).join("")));
  await w.close();
  const out = await child.output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const lines = new TextDecoder().decode(out.stdout).trimEnd().split("\n");
  assert.ok(lines.pop()!.startsWith(COUNTERS_PREFIX));
  const total = lines.reduce((n, l) => n + Number(l.slice(l.indexOf("\t") + 1)), 0);
  const want = runInMemory(suspiciousExec({ threshold: 0 }), [input]).rows.reduce(
    (n, r) => n + r.count,
    0,
  );
  assert.equal(total, want);
  const bad = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", `${root}jobs/stream_main.ts`, "--job", "nope", "--side", "map"],
  }).output();
  assert.equal(bad.code, 2);
  assert.match(
    new TextDecoder().decode(bad.stderr),
    /Unknown job "nope": known jobs are suspicious_exec/,
  );
});
