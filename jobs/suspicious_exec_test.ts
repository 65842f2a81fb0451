import assert from "node:assert/strict";
import { execLine } from "./testing.ts";
import { synthLines } from "../tests/support/synth_log.ts";
import { runInMemory } from "./engine/memory.ts";
import { basename, spec, suspiciousCommand, suspiciousExec } from "./suspicious_exec.ts";
import { FINDERS } from "./lineage/finders.ts";
import type { ExecRecord } from "./events.ts";

const rowsOf = (r: ReturnType<typeof runInMemory>) => r.tables.get("suspicious_exec");

Deno.test("basename() takes the last path element", () => {
  assert.equal(basename("/usr/bin/nc"), "nc");
  assert.equal(basename("./curl"), "curl");
  assert.equal(basename("wget"), "wget");
  assert.equal(basename("/opt/x/"), "x");
});

Deno.test("suspiciousExec() counts (parent, command) over the threshold", () => {
  const lines = [
    ...Array.from({ length: 11 }, (_, i) => execLine("bash", "/usr/bin/curl", i)),
    ...Array.from({ length: 10 }, (_, i) => execLine("bash", "/usr/bin/wget", i)), // not > 10
    ...Array.from({ length: 12 }, (_, i) => execLine("python3", "./nc", i)),
    ...Array.from({ length: 50 }, (_, i) => execLine("bash", "/usr/bin/ls", i)),
  ];
  const r = runInMemory([suspiciousExec()], [{ host: "h1", lines }]);
  const { counters } = r;
  const rows = rowsOf(r);
  assert.deepStrictEqual(rows, [
    { parent: "bash", command: "curl", count: 11 },
    { parent: "python3", command: "nc", count: 12 },
  ]);
  assert.equal(counters.values.get("suspicious_exec/matched"), 33);
  assert.equal(counters.values.get("input/records"), 83);
});

Deno.test("spec.create() takes the command set and threshold as parameters", () => {
  const job = spec.create({ commands: "ls, cat", threshold: "2" });
  const lines = [1, 2, 3].map((s) => execLine("bash", "/bin/ls", s));
  assert.deepStrictEqual(rowsOf(runInMemory([job], [{ host: "h", lines }])), [
    { parent: "bash", command: "ls", count: 3 },
  ]);
  assert.throws(
    () => spec.create({ threshold: "many" }),
    /threshold must be a whole number: got "many"/,
  );
});

Deno.test("suspiciousExec() on a generated day equals a straightforward count of the raw lines", () => {
  const start = String(BigInt(Date.parse("2026-11-27T00:00:00Z")) * 1_000_000n);
  const inputs = Array.from({ length: 20 }, (_, h) => ({
    host: `host-${h}`,
    lines: [...synthLines({ startNs: start, count: 2000, meanGapMs: 40_000, seed: h + 7 })],
  }));
  const rows = rowsOf(runInMemory([suspiciousExec()], inputs, { day: "2026-11-27" }));
  // by hand, from docs/log-format.md: E1 field 10 is the parent's comm, 23 the filename
  const counts = new Map<string, number>();
  for (const { lines } of inputs) {
    for (const line of lines) {
      const f = line.split("\t");
      if (f[0] !== "E1" || f[f.length - 1] !== ".") continue;
      const t = new Date(Number(f[1].slice(0, -9)) * 1000).toISOString();
      if (!t.startsWith("2026-11-27")) continue;
      const cmd = f[23].split("/").pop()!;
      if (!["ncat", "nc", "wget", "curl", "base64", "socat"].includes(cmd)) continue;
      const k = `${f[10]}\u0000${cmd}`;
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
  }
  const want = [...counts].filter(([, n]) => n > 10).map(([k, count]) => {
    const [parent, command] = k.split("\u0000");
    return { parent, command, count };
  }).sort((a, b) =>
    JSON.stringify([a.parent, a.command]) < JSON.stringify([b.parent, b.command]) ? -1 : 1
  );
  assert.ok(want.length >= 3, `${want.length} rows`);
  assert.deepStrictEqual(rows, want);
});

Deno.test("suspiciousCommand() names the matched program, as the job counts it", () => {
  assert.equal(suspiciousCommand({ filename: "/usr/bin/nc" }), "nc");
  assert.equal(suspiciousCommand({ filename: "/bin/ls" }), null);
  assert.equal(suspiciousCommand({ filename: "/bin/ls" }, new Set(["ls"])), "ls");
  assert.equal(FINDERS.suspicious_exec({ filename: "./curl" } as ExecRecord), "curl");
  assert.equal(FINDERS.suspicious_exec({ filename: "/bin/cat" } as ExecRecord), false);
});
