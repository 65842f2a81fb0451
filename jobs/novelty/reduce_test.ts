import assert from "node:assert/strict";
import { CounterMap, type Json, type ReduceOut } from "../job.ts";
import { prng } from "../../tests/support/synth_log.ts";
import { dayNumber } from "./days.ts";
import type { Example } from "./host_keys.ts";
import { type Candidate, type KeyValue, reduceBaseline, reduceKey } from "./reduce.ts";

const DAY = "2026-11-27";
const D = dayNumber(DAY)!;
const P = { days: 30, maxHosts: 3 };

const example = (h: string): Example => ({
  exec_id: `id-${h}`,
  time_ns: "1",
  image: "/bin/x",
  parent_image: "/bin/sh",
  user: "0",
  command_line: "x",
  command_line_cut: false,
  ancestors: ["/bin/sh"],
  chain_end: "root",
});

function collect(run: (out: ReduceOut) => void) {
  const emitted: [Json, Json][] = [];
  const rows: [string, Record<string, Json>][] = [];
  run({ emit: (k, v) => emitted.push([k, v]), row: (t, r) => rows.push([t, r]) });
  return { emitted, rows };
}

function shuffled<T>(xs: T[], r: () => number): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

Deno.test("reduceKey() finds the same candidates in any order of its values, as a reference does", () => {
  const r = prng(7);
  for (let round = 0; round < 200; round++) {
    const hosts = Array.from({ length: 1 + Math.floor(r() * 8) }, (_, i) => `h${i}`);
    const values: KeyValue[] = [];
    const today = new Set<string>(), state = new Set<string>();
    for (const h of hosts) {
      const t = r() < 0.6, s = r() < 0.5;
      if (t) {
        today.add(h);
        values.push({ t: [{ h, n: 1, ex: example(h) }] });
      }
      if (s) {
        state.add(h);
        values.push({ s: [{ h, f: D - 5, l: D - 1, b: "3" }] });
      }
    }
    // the reference: who can be a finding
    const rare = today.size < P.maxHosts;
    const want = [...today].filter((h) => state.size === 0 || !state.has(h) || rare).sort();
    let first: string | null = null;
    for (let k = 0; k < 4; k++) {
      const ctx = { counters: new CounterMap(), day: DAY };
      const { emitted, rows } = collect((out) =>
        reduceKey(["image", "/bin/x"], shuffled(values, r) as unknown as Json[], out, ctx, P)
      );
      const got = emitted.map(([h]) => h as string).sort();
      assert.deepEqual(got, want, `round ${round}`);
      for (const [, v] of emitted) {
        const c = v as unknown as Candidate;
        assert.equal(c.ex.exec_id, `id-${c.ex.exec_id!.slice(3)}`);
        assert.equal(c.rare, rare);
        assert.equal(c.hosts_seen, state.size);
      }
      assert.equal(rows.length, new Set([...today, ...state]).size);
      const text = JSON.stringify([emitted.sort(), rows.map((x) => JSON.stringify(x)).sort()]);
      if (first === null) first = text;
      else assert.equal(text, first);
    }
  }
});

Deno.test("reduceKey() ignores previous rows out of the window or from today", () => {
  const ctx = { counters: new CounterMap(), day: DAY };
  const { emitted, rows } = collect((out) =>
    reduceKey(
      ["image", "/bin/x"],
      [
        { t: [{ h: "a", n: 2, ex: example("a") }] },
        { s: [{ h: "a", f: D - 40, l: D - 31, b: "1" }] }, // last seen before the window
        { s: [{ h: "b", f: D, l: D, b: "1" }] }, // today's own: not a previous day's
      ] as unknown as Json[],
      out,
      ctx,
      P,
    )
  );
  assert.equal(ctx.counters.values.get("novelty/previous_rows_out_of_window"), 2);
  assert.equal((emitted[0][1] as unknown as Candidate).fleet_new, true);
  assert.deepEqual(rows.map(([, r]) => [r.host, r.first_seen, r.last_seen, r.days]), [
    ["a", DAY, DAY, 1],
  ]);
});

Deno.test("reduceBaseline() carries the start of a chained baseline and counts day k", () => {
  const ctx = { counters: new CounterMap(), day: DAY };
  const { emitted, rows } = collect((out) => {
    const b = reduceBaseline(
      [{ hosts: ["b", "a"] }, { prev: { f: D - 40, l: D - 1, b: "5" } }, { hosts: ["a"] }],
      out,
      ctx,
      P,
    );
    assert.deepEqual(b, { since: D - 40, k: 41, building: false });
  });
  assert.deepEqual(emitted, [["a", { k: "m", since: D - 40 }], ["b", { k: "m", since: D - 40 }]]);
  assert.equal(rows.length, 1); // no status row: built
  assert.equal(rows[0][1].days, 0b1011);
  assert.equal(ctx.counters.values.get("novelty/baseline_day"), 41);
});
