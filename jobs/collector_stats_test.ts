import assert from "node:assert/strict";
import { encodeStats } from "../scripts/logformat/mod.ts";
import { runInMemory } from "./engine/memory.ts";
import { execLine } from "./testing.ts";
import { collectorStats, counterValue, STATS_COUNTERS } from "./collector_stats.ts";
import { makeJobs } from "./mod.ts";

const BOOT = "0123456789abcdef0123456789abcdef";
const at = (s: number) =>
  String(BigInt(Date.parse("2026-11-27T00:00:00Z") / 1000 + s) * 1_000_000_000n);

Deno.test("collectorStats() writes one row per S1 record with its counters and values", () => {
  const open = encodeStats(at(1), BOOT, "open", {
    host: "h1",
    version: "0.3.1",
    pid: 42,
    events: 0,
    rb_lost: 0,
    crash_lost: 7,
    "odd key": "a\tb",
  });
  const periodic = encodeStats(at(61), BOOT, "periodic", { events: 12, rb_lost: 3, queue_lost: 2 });
  const lines = [open, execLine("bash", "/bin/ls", 5), periodic];
  const r = runInMemory([collectorStats()], [{ host: "h1", file: "a.log", lines }], {
    day: "2026-11-27",
  });
  const rows = r.tables.get("collector_stats")!;
  assert.equal(rows.length, 2);
  const [o, p] = rows;
  assert.equal(o.host, "h1");
  assert.equal(o.time, at(1));
  assert.equal(o.time_ns, at(1));
  assert.equal(o.reason, "open");
  assert.equal(o.version, 1);
  assert.equal(o.collector_version, "0.3.1");
  assert.equal(o.crash_lost, "7");
  assert.equal(o.queue_lost, null);
  assert.equal(o.line, 1);
  const values = JSON.parse(o.values as string);
  assert.deepStrictEqual(Object.keys(values), Object.keys(values).sort());
  assert.equal(values["odd key"], "a\tb");
  assert.equal(values.pid, "42");
  assert.equal(p.reason, "periodic");
  assert.equal(p.collector_version, null);
  assert.equal(p.events, "12");
  assert.equal(p.rb_lost, "3");
  assert.equal(p.queue_lost, "2");
  assert.equal(p.crash_lost, null);
  assert.equal(p.line, 3);
  for (const c of STATS_COUNTERS) assert.ok(Object.hasOwn(p, c), c);
});

Deno.test("counterValue() takes whole numbers only", () => {
  assert.equal(counterValue("12"), "12");
  assert.equal(counterValue("007"), "7");
  assert.equal(counterValue("0"), "0");
  assert.equal(counterValue("18446744073709551615"), "18446744073709551615");
  assert.equal(counterValue("1.5"), null);
  assert.equal(counterValue("x"), null);
  assert.equal(counterValue(undefined), null);
});

Deno.test("collectorStats() columns cover every value it writes", () => {
  const [job] = makeJobs(["collector_stats"]);
  const line = encodeStats(at(1), BOOT, "exit", { events: 1 });
  const rows = runInMemory([job], [{ host: "h", lines: [line] }]).tables.get("collector_stats")!;
  const cols = job.tables[0].columns.map((c) => c.name).sort();
  assert.deepStrictEqual(Object.keys(rows[0]).sort(), cols);
});
