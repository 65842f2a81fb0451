import assert from "node:assert/strict";
import { encodeExec } from "../scripts/logformat/mod.ts";
import { execEvent } from "../tests/support/exec_event.ts";
import { runInMemory } from "./engine/memory.ts";
import { activity, hourOf } from "./activity.ts";

const T0 = 1795737600; // 2026-11-27T00:00:00Z

Deno.test("hourOf() gives the start of the UTC hour in ns", () => {
  assert.equal(hourOf(`${T0 + 3599}123456789`), `${T0}000000000`);
  assert.equal(hourOf(`${T0 + 3600}000000000`), `${T0 + 3600}000000000`);
  assert.equal(hourOf("5"), "0");
});

Deno.test("activity() counts execs and failed execs per host and hour across files", () => {
  const line = (s: number, ret = 0, pid = 100) =>
    encodeExec(execEvent({ time_ns: `${T0 + s}000000000`, ret, pid }));
  const { tables } = runInMemory([activity()], [
    { host: "a", file: "a1.log", lines: [line(10), line(20, -2), line(3700)] },
    { host: "a", file: "a2.log", lines: [line(30)] },
    { host: "b", lines: [line(7200)] },
  ]);
  const rows = tables.get("activity")!.map((r) => `${r.host} ${r.hour} ${r.events} ${r.failed}`)
    .sort();
  assert.deepEqual(rows, [
    `a ${T0}000000000 3 1`,
    `a ${T0 + 3600}000000000 1 0`,
    `b ${T0 + 7200}000000000 1 0`,
  ]);
});
