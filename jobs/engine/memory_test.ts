import assert from "node:assert/strict";
import { execLine } from "../testing.ts";
import type { Job } from "../job.ts";
import { runInMemory } from "./memory.ts";

/** counts records per host, through a combiner that records its calls */
function perHost(calls: string[]): Job<string, number, { host: string; n: number }> {
  return {
    name: "per_host",
    description: "records per host",
    schema: [{ name: "host", type: "string" }, { name: "n", type: "long" }],
    map: (r, emit) => emit(r.host, 1),
    combine: (k, vs, emit) => {
      calls.push(`${k}:${vs.length}`);
      emit(k, vs.length);
    },
    reduce: (host, vs, emit) => emit({ host, n: vs.reduce((a, b) => a + b, 0) }),
  };
}

Deno.test("runInMemory() combines per input, sorts keys by their JSON text", () => {
  const calls: string[] = [];
  const { rows } = runInMemory(perHost(calls), [
    { host: "b", lines: [execLine("sh", "/bin/ls", 1), execLine("sh", "/bin/ls", 2)] },
    { host: "a", lines: [execLine("sh", "/bin/ls", 3)] },
    { host: "b", lines: [execLine("sh", "/bin/ls", 4)] },
  ]);
  assert.deepStrictEqual(rows, [{ host: "a", n: 1 }, { host: "b", n: 3 }]);
  assert.deepStrictEqual(calls, ["b:2", "a:1", "b:1"]);
});

Deno.test("runInMemory() counts torn, unknown-version, malformed and other-day lines and goes on", () => {
  const good = execLine("sh", "/bin/ls", 5);
  const { rows, counters } = runInMemory(perHost([]), [{
    host: "h",
    lines: [
      good,
      good.slice(0, 40), // torn
      "E9\t1\tfuture\t.", // a version from the future
      "hello world", // not a record
      "", // an empty line is nothing
      execLine("sh", "/bin/ls", -10), // 2026-11-26
    ],
  }], { day: "2026-11-27" });
  assert.deepStrictEqual(rows, [{ host: "h", n: 1 }]);
  assert.deepStrictEqual(Object.fromEntries(counters.entries()), {
    "input/malformed": 1,
    "input/outside_day": 1,
    "input/records": 1,
    "input/torn": 1,
    "input/unknown-version": 1,
  });
});
