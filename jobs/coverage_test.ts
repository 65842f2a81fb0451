import assert from "node:assert/strict";
import { encodeExec } from "../scripts/logformat/mod.ts";
import { execEvent } from "../tests/support/exec_event.ts";
import { type Input, runInMemory } from "./engine/memory.ts";
import { MapRunner } from "./engine/map_runner.ts";
import { compareText, reduceLines } from "./engine/reduce_runner.ts";
import { KV, ROW } from "./engine/protocol.ts";
import type { Job, Json } from "./job.ts";
import { coverage, parseInventory, spec } from "./coverage.ts";
import { atSec, BOOT, DAY, hostDay, type HostDayOptions } from "./coverage/testing.ts";
import { LOSS_COUNTERS } from "./coverage/summary.ts";

type Row = Record<string, Json>;

/** Hosts' days through the in-memory engine: rows by host. */
function run(
  job: Job,
  days: ReturnType<typeof hostDay>[],
  o: { sides?: Record<string, Row[]>; maxLineBytes?: number; edit?: (i: Input[]) => void } = {},
) {
  const inputs = days.flatMap((d) => d.inputs);
  o.edit?.(inputs);
  const keys = Object.fromEntries(days.map((d) => [d.inputs[0].host, d.keys]));
  const r = runInMemory([job], inputs, {
    day: DAY,
    keys,
    sides: o.sides,
    maxLineBytes: o.maxLineBytes,
  });
  return new Map(r.tables.get("coverage")!.map((row) => [row.host as string, row]));
}

const one = (o: HostDayOptions = {}, extra: Parameters<typeof run>[2] = {}) =>
  run(coverage(), [hostDay("h1", o)], extra).get("h1")!;

Deno.test("coverage() says complete for a whole day with a verified chain", () => {
  const row = one();
  assert.equal(row.verdict, "complete", String(row.reason));
  assert.equal(row.reason, "");
  assert.equal(row.reporting, true);
  assert.equal(row.last_seen, DAY);
  assert.equal(row.in_inventory, null);
  assert.equal(row.files, 2);
  assert.equal(row.collector_runs, 1);
  assert.equal(row.collector_exits, 1);
  assert.equal(row.collector_versions, "0.3.0");
  assert.equal(row.first_event, atSec(5));
  assert.equal(row.last_event, atSec(86_390));
  assert.ok((row.chain_verified as number) > 100, `${row.chain_verified}`);
  assert.equal(row.chain_broken, 0);
  assert.equal(row.chain_unverifiable, 0);
  assert.equal(row.seq_gaps, 0);
  assert.equal(row.longest_silence_s, 0);
  assert.equal(
    row.records,
    (row.exec_records as number) + (row.stats_records as number),
  );
});

for (const c of LOSS_COUNTERS) {
  Deno.test(`coverage() says lossy when S1 ${c} grows during a run`, () => {
    const row = one({ counters: { [c]: 4 } });
    assert.equal(row.verdict, "lossy");
    assert.equal(row[c], 4);
    assert.match(String(row.reason), new RegExp(`${c} 4`));
    assert.equal(row.chain_broken, 0);
  });
}

Deno.test("coverage() says lossy for crash_lost, E2 lost and seq gaps", () => {
  const a = one({ crashLost: 3 });
  assert.equal(a.verdict, "lossy");
  assert.equal(a.crash_lost, 3);
  const b = one({ e2Lost: 2 });
  assert.equal(b.verdict, "lossy");
  assert.equal(b.e2_lost, 2);
  const c = one({ seqJump: 5 });
  assert.equal(c.verdict, "lossy");
  assert.equal(c.seq_gaps, 5);
  assert.match(String(c.reason), /seq gaps 5/);
});

Deno.test("coverage() says lossy for torn, unknown-version and over-long lines, not tampered", () => {
  const torn = one({ extra: ["E2\t" + atSec(32_431) + "\t" + BOOT + "\t0\t9"] });
  assert.equal(torn.verdict, "lossy", String(torn.reason));
  assert.equal(torn.torn_lines, 1);
  const unknown = one({ extra: ["E9\tsomething new\t."] });
  assert.equal(unknown.verdict, "lossy");
  assert.equal(unknown.unknown_versions, 1);
  const big = encodeExec(execEvent({
    time_ns: atSec(32_432),
    cpu: 1,
    seq: 100_000,
    argv: ["x".repeat(5000)],
  }));
  const long = one({ extra: [big] }, { maxLineBytes: 4096 });
  assert.equal(long.verdict, "lossy", String(long.reason));
  assert.equal(long.lines_too_long, 1);
  assert.equal(long.chain_broken, 0);
});

Deno.test("coverage() says lossy, not tampered, for a corrupt file cut short", () => {
  const row = one({}, {
    edit: (inputs) => {
      inputs[0].lines = [...inputs[0].lines].slice(0, -30);
      inputs[0].error = "corrupt gzip: unexpected end of file";
    },
  });
  assert.equal(row.verdict, "lossy", String(row.reason));
  assert.equal(row.corrupt_files, 1);
  assert.equal(row.chain_broken, 0);
  assert.match(String(row.reason), /corrupt files 1/);
});

Deno.test("coverage() says gappy for 3 h without records at noon", () => {
  const row = one({ skip: [43_200, 54_000] });
  assert.equal(row.verdict, "gappy", String(row.reason));
  assert.equal(row.silent_spans, 1);
  assert.equal(row.silences, "12:00-15:00");
  assert.equal(row.longest_silence_s, 3 * 3600);
  // the same span under a 4 h max_gap is not a problem
  const lenient = run(coverage({ maxGapMs: 4 * 3600_000 }), [
    hostDay("h1", { skip: [43_200, 54_000] }),
  ]);
  assert.equal(lenient.get("h1")!.verdict, "complete");
});

Deno.test("coverage() counts the day's start and end as silent spans", () => {
  const late = one({ start: 4 * 3600 });
  assert.equal(late.verdict, "gappy", String(late.reason));
  assert.equal(late.silences, "00:00-04:00");
  const early = one({ end: 20 * 3600 + 10 }); // its exit at 20:01:00
  assert.equal(early.verdict, "gappy", String(early.reason));
  assert.equal(early.silences, "20:02-24:00");
});

Deno.test("coverage() says tampered when a chained line is edited", () => {
  const row = one({}, {
    edit: (inputs) => {
      const lines = [...inputs[1].lines];
      const i = lines.findIndex((l) => l.startsWith("E2\t"));
      lines[i] = lines[i].replace("/bin/ls", "/bin/sh");
      inputs[1].lines = lines;
    },
  });
  assert.equal(row.verdict, "tampered", String(row.reason));
  assert.equal(row.chain_broken, 1);
  assert.match(String(row.reason), /chain broken 1 \(edited\)/);
});

Deno.test("coverage() says tampered for a conflicting copy and leaves the copy out of the counts", () => {
  const plain = one();
  const row = one({}, {
    edit: (inputs) => {
      inputs.push({
        ...inputs[1],
        file: "audit.1764201600.1.conflict-abc.log.gz",
        conflict: "abc",
      });
    },
  });
  assert.equal(row.verdict, "tampered");
  assert.equal(row.conflict_files, 1);
  assert.equal(row.records, plain.records);
  assert.equal(row.seq_gaps, 0);
});

Deno.test("coverage() says silent for a host with S1 records only", () => {
  const row = one({ noExecs: true });
  assert.equal(row.verdict, "silent");
  assert.equal(row.exec_records, 0);
  assert.match(String(row.reason), /no exec records/);
});

Deno.test("coverage() reports missing hosts against an inventory, and hosts outside it", () => {
  const dir = Deno.makeTempDirSync();
  try {
    Deno.writeTextFileSync(`${dir}/inv`, "# from PuppetDB\nh1\n\nh2\r\n");
    const job = spec.create({ inventory: `${dir}/inv` });
    const rows = run(job, [hostDay("h1"), hostDay("h3")]);
    assert.deepStrictEqual([...rows.keys()].sort(), ["h1", "h2", "h3"]);
    assert.equal(rows.get("h1")!.verdict, "complete");
    assert.equal(rows.get("h1")!.in_inventory, true);
    assert.equal(rows.get("h2")!.verdict, "missing");
    assert.equal(rows.get("h2")!.reporting, false);
    assert.equal(rows.get("h2")!.in_inventory, true);
    assert.equal(rows.get("h3")!.verdict, "complete");
    assert.equal(rows.get("h3")!.in_inventory, false);
    assert.match(String(rows.get("h3")!.reason), /not in inventory/);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("spec.create() names an unreadable inventory in one line", () => {
  assert.throws(
    () => spec.create({ inventory: "/nonexistent/inv.txt" }),
    (e: Error) =>
      e instanceof RangeError && !e.message.includes("\n") &&
      e.message.startsWith('coverage.inventory: cannot read "/nonexistent/inv.txt": '),
  );
  assert.throws(() => spec.create({ max_gap: "soon" }), /coverage.max_gap must be a duration/);
  assert.deepStrictEqual(parseInventory("a\n # c\n b \n"), ["a", "b"]);
});

Deno.test("spec.create() takes max_gap as a duration", () => {
  const job = spec.create({ max_gap: "90m" });
  const rows = run(job, [hostDay("h1", { skip: [43_200, 43_200 + 100 * 60] })]);
  assert.equal(rows.get("h1")!.verdict, "gappy");
  assert.equal(
    run(spec.create({}), [hostDay("h1", { skip: [43_200, 43_200 + 100 * 60] })])
      .get("h1")!.verdict,
    "complete",
  );
});

Deno.test("coverage() carries hosts seen in the last 7 days from the previous day's rows", () => {
  const previous = [
    { host: "h1", last_seen: "2026-11-26" },
    { host: "gone", last_seen: "2026-11-26" },
    { host: "week", last_seen: "2026-11-20" },
    { host: "old", last_seen: "2026-11-19" },
  ];
  const rows = run(coverage(), [hostDay("h1")], { sides: { "coverage.previous": previous } });
  assert.deepStrictEqual([...rows.keys()].sort(), ["gone", "h1", "week"]);
  assert.equal(rows.get("h1")!.verdict, "complete");
  assert.equal(rows.get("h1")!.last_seen, DAY);
  assert.equal(rows.get("gone")!.verdict, "missing");
  assert.equal(rows.get("gone")!.last_seen, "2026-11-26");
  assert.match(String(rows.get("gone")!.reason), /last seen 2026-11-26/);
  assert.equal(rows.get("week")!.last_seen, "2026-11-20");
  const job = coverage();
  assert.deepStrictEqual(job.sideInputs?.map((s) => [s.table, s.daysBack]), [["coverage", 1]]);
  for (const c of job.sideInputs![0].columns) {
    assert.ok(job.tables[0].columns.some((x) => x.name === c), c);
  }
});

Deno.test("coverage() keeps a hostile host name as it is", () => {
  const name = 'ev"il,\thost;\u00e9\n../x';
  const rows = run(coverage(), [hostDay(name), hostDay("h1")]);
  assert.equal(rows.get(name)!.verdict, "complete");
  assert.equal(rows.get(name)!.host, name);
});

/** Runs `job` with the hosts split into map tasks as `groups` says, as an engine would. */
function runTasks(job: Job, groups: ReturnType<typeof hostDay>[][]): Row[] {
  const rows: Row[] = [];
  const kv: string[] = [];
  const take = (l: string) => {
    if (l.startsWith(KV)) kv.push(l.slice(1));
    else if (l.startsWith(ROW)) rows.push(JSON.parse(l.slice(l.indexOf("\t") + 1)));
  };
  for (const g of groups) {
    const m = new MapRunner([job], DAY, take);
    for (const d of g) {
      const host = d.inputs[0].host;
      for (const [file, text] of d.keys) m.file({ kind: "key", host, file, text });
      for (const f of d.inputs) {
        m.file({ kind: "start", host, file: f.file!, bytes: 0 });
        let n = 0;
        for (const l of f.lines) {
          n++;
          m.line(l);
        }
        m.file({ kind: "end", host, file: f.file!, lines: n });
      }
    }
    m.end();
  }
  kv.sort((a, b) => compareText(a.slice(0, a.indexOf("\t")), b.slice(0, b.indexOf("\t"))));
  reduceLines([job], kv[Symbol.iterator](), take, undefined, DAY);
  return rows;
}

/** A small seeded generator (mulberry32). */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

Deno.test("coverage() gives the same rows under any split of the hosts into map tasks", () => {
  const dir = Deno.makeTempDirSync();
  try {
    Deno.writeTextFileSync(`${dir}/inv`, "a\nb\nc\nnodata1\nnodata2\n");
    const job = spec.create({ inventory: `${dir}/inv` });
    const days = [
      hostDay("a"),
      hostDay("b", { seqJump: 2 }),
      hostDay("c", { skip: [0, 10_000] }),
      hostDay("extra", { noExecs: true }),
    ];
    const sorted = (rows: Row[]) =>
      rows.map((r) => JSON.stringify(r)).sort((x, y) => compareText(x, y));
    const whole = sorted(runTasks(job, [days]));
    assert.equal(whole.length, 6);
    assert.deepStrictEqual(sorted(runTasks(job, days.map((d) => [d]))), whole);
    assert.deepStrictEqual(sorted(runTasks(job, [[days[3], days[0]], [days[2], days[1]]])), whole);
    const mem = [...run(job, days).values()];
    assert.deepStrictEqual(sorted(mem), whole);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("coverage() never says complete when a loss is in the logs (random combinations)", () => {
  const rnd = random(20261127);
  const big = (s: number) =>
    encodeExec(execEvent({ time_ns: atSec(s), cpu: 1, seq: 1e6, argv: ["y".repeat(5000)] }));
  const losses: [string, (o: HostDayOptions) => void][] = [
    ...LOSS_COUNTERS.map((c) =>
      [c, (o: HostDayOptions) => o.counters = { ...o.counters, [c]: 1 }] as [
        string,
        (o: HostDayOptions) => void,
      ]
    ),
    ["crash_lost", (o) => o.crashLost = 1],
    ["e2_lost", (o) => o.e2Lost = 1],
    ["seq", (o) => o.seqJump = 1],
    ["torn", (o) => o.extra = [...o.extra ?? [], `E2\t${atSec(32_431)}\tcut`]],
    ["unknown", (o) => o.extra = [...o.extra ?? [], "E7\tx\t."]],
    ["too_long", (o) => o.extra = [...o.extra ?? [], big(32_433)]],
  ];
  let lossy = 0;
  for (let i = 0; i < 40; i++) {
    const o: HostDayOptions = {};
    const chosen = losses.filter(() => rnd() < 0.15);
    for (const [, f] of chosen) f(o);
    const row = run(coverage(), [hostDay("h", o)], { maxLineBytes: 4096 }).get("h")!;
    const names = chosen.map(([n]) => n).join(",");
    if (chosen.length === 0) assert.equal(row.verdict, "complete", String(row.reason));
    else {
      lossy++;
      assert.equal(row.verdict, "lossy", `${names}: ${row.reason}`);
      // every loss put in is listed
      assert.ok(String(row.reason).split("; ").length >= chosen.length, `${names}: ${row.reason}`);
    }
  }
  assert.ok(lossy > 10, `${lossy} lossy cases`);
});
