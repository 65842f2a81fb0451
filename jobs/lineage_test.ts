import assert from "node:assert/strict";
import { encodeExec, type ExecEvent } from "../scripts/logformat/mod.ts";
import { execEvent } from "../tests/support/exec_event.ts";
import { decodeLine } from "../scripts/logformat/mod.ts";
import { CounterMap, type Json, type ReduceOut } from "./job.ts";
import { runInMemory } from "./engine/memory.ts";
import { describe, JOBS, makeJobs } from "./mod.ts";
import { eventRow, type ExecRecord } from "./events.ts";
import {
  type HostValue,
  lineage,
  type NodeValue,
  PREVIOUS_COLUMNS,
  reduceHost,
  reduceNode,
  spec,
} from "./lineage.ts";
import { ancestorChain, type LineageNode, MAX_COMMAND_LINE, nodeOf } from "./lineage/chain.ts";

const DAY0 = 1795737600n; // 2026-11-27T00:00:00Z, s
const bootOf = (host: string) => host.replace(/[^0-9a-f]/g, "").padEnd(32, "0");

/** A process image: pid, start (ns since boot), image counter. */
interface Proc {
  pid: number;
  start: string;
  xid: string;
}

/** The exec line of `p` (a child of `parent`, null: none) on `host` at second `s` of the day. */
function exec(
  host: string,
  p: Proc,
  parent: Proc | null,
  filename: string,
  argv: string[],
  s: number,
  over: Partial<ExecEvent> = {},
): string {
  return encodeExec(execEvent({
    time_ns: String((DAY0 + BigInt(s)) * 1_000_000_000n),
    boot_id: bootOf(host),
    pid: p.pid,
    tid: p.pid,
    start_ns: p.start,
    xid: p.xid,
    ppid: parent?.pid ?? 0,
    pstart_ns: parent?.start ?? "0",
    pxid: parent?.xid ?? "0",
    filename,
    comm: filename.split("/").pop()!,
    argv,
    uid: 1000,
    auid: 1000,
    ...over,
  }));
}

const id = (host: string, p: Proc) => `${bootOf(host)}-${p.start}-${p.pid}-${p.xid}`;
const SYSTEMD: Proc = { pid: 1, start: "1", xid: "1" };
const SSHD: Proc = { pid: 500, start: "1000", xid: "1" };
const BASH: Proc = { pid: 600, start: "2000", xid: "2" };
const CURL: Proc = { pid: 700, start: "3000", xid: "1" };

/** The four-level chain systemd -> sshd -> bash -> curl on `host`. */
function chainLines(host: string, s0 = 0): string[] {
  return [
    exec(host, SYSTEMD, null, "/sbin/init", ["/sbin/init"], s0, { uid: 0, auid: null }),
    exec(host, SSHD, SYSTEMD, "/usr/sbin/sshd", ["sshd", "-D"], s0 + 1, { uid: 0, auid: null }),
    exec(host, BASH, SSHD, "/bin/bash", ["-bash"], s0 + 2),
    exec(host, CURL, BASH, "./curl", ["curl", "-s", "http://x/a b"], s0 + 3, {
      cwd: "/usr/bin",
    }),
  ];
}

const run = (
  inputs: { host: string; file?: string; lines: string[] }[],
  o: Parameters<typeof runInMemory>[2] = {},
  job = lineage(),
) => runInMemory([job], inputs, o);
const rowsOf = (r: ReturnType<typeof run>) => r.tables.get("lineage")!;
const brief = (rows: Record<string, Json>[]) =>
  rows.map((r) => [r.depth, r.pid, r.image, r.chain_end]);

Deno.test("lineage() lists a four-level chain up to the root", () => {
  const r = run([{ host: "h1", lines: chainLines("h1") }]);
  const rows = rowsOf(r);
  assert.deepStrictEqual(rows.map((x) => [x.depth, x.exec_id, x.parent_exec_id]), [
    [0, id("h1", CURL), id("h1", BASH)],
    [1, id("h1", BASH), id("h1", SSHD)],
    [2, id("h1", SSHD), id("h1", SYSTEMD)],
    [3, id("h1", SYSTEMD), null],
  ]);
  assert.deepStrictEqual(rows[0], {
    finding_exec_id: id("h1", CURL),
    finding_jobs: ["suspicious_exec"],
    finding_details: ["curl"],
    finding_time: String((DAY0 + 3n) * 1_000_000_000n),
    host: "h1",
    depth: 0,
    exec_id: id("h1", CURL),
    parent_exec_id: id("h1", BASH),
    time: String((DAY0 + 3n) * 1_000_000_000n),
    pid: 700,
    ppid: 600,
    uid: 1000,
    auid: 1000,
    image: "/usr/bin/curl",
    command_line: "curl -s http://x/a b",
    command_line_cut: false,
    from_previous_day: false,
    chain_end: "root",
  });
  assert.deepStrictEqual(rows.map((x) => [x.image, x.command_line, x.uid, x.auid]), [
    ["/usr/bin/curl", "curl -s http://x/a b", 1000, 1000],
    ["/bin/bash", "-bash", 1000, 1000],
    ["/usr/sbin/sshd", "sshd -D", 0, null],
    ["/sbin/init", "/sbin/init", 0, null],
  ]);
  assert.ok(rows.every((x) => x.finding_exec_id === id("h1", CURL) && x.chain_end === "root"));
  assert.equal(r.counters.values.get("lineage/findings"), 1);
});

Deno.test("lineage() takes long-lived parents from the previous day's events", () => {
  const [, sshd, bash, curl] = chainLines("h1");
  const previous = [sshd, bash].map((l, i) => {
    const row = eventRow({ ...(decodeLine(l) as ExecEvent), host: "h1", file: "y.log", line: i });
    // the side input hands over only its columns, longs as decimal strings
    return Object.fromEntries(
      PREVIOUS_COLUMNS.map((c) => [c, typeof row[c] === "number" ? String(row[c]) : row[c]]),
    );
  });
  const rows = rowsOf(
    run([{ host: "h1", lines: [curl] }], { sides: { "lineage.previous": previous } }),
  );
  assert.deepStrictEqual(rows.map((x) => [x.depth, x.image, x.from_previous_day, x.uid]), [
    [0, "/usr/bin/curl", false, 1000],
    [1, "/bin/bash", true, 1000],
    [2, "/usr/sbin/sshd", true, 0],
  ]);
  assert.ok(rows.every((x) => x.chain_end === "not_in_data")); // systemd is in neither day
  assert.equal(rows[1].time, String((DAY0 + 2n) * 1_000_000_000n));
});

Deno.test("lineage() ends a chain at a parent not in the data", () => {
  const rows = rowsOf(run([{ host: "h1", lines: [chainLines("h1")[3]] }]));
  assert.deepStrictEqual(brief(rows), [[0, 700, "/usr/bin/curl", "not_in_data"]]);
  assert.equal(rows[0].parent_exec_id, id("h1", BASH));
});

Deno.test("lineage() links a reused pid to the right parent by exec id", () => {
  const h = "h1";
  const cron: Proc = { pid: 300, start: "500", xid: "1" };
  const shA: Proc = { pid: 600, start: "2000", xid: "1" }; // pid 600, first life: sshd's
  const shB: Proc = { pid: 600, start: "9000", xid: "1" }; // pid 600 again: cron's
  const nc1: Proc = { pid: 700, start: "3000", xid: "1" };
  const nc2: Proc = { pid: 701, start: "9500", xid: "1" };
  const lines = [
    exec(h, SSHD, null, "/usr/sbin/sshd", ["sshd"], 0),
    exec(h, cron, null, "/usr/sbin/cron", ["cron"], 0),
    exec(h, shA, SSHD, "/bin/sh", ["sh", "-i"], 10),
    exec(h, nc1, shA, "/usr/bin/nc", ["nc", "a"], 11),
    exec(h, shB, cron, "/bin/sh", ["sh", "-c", "job"], 20),
    exec(h, nc2, shB, "/usr/bin/nc", ["nc", "b"], 21),
  ];
  // the order of the lines must not matter: children before their parents too
  for (const order of [lines, [...lines].reverse()]) {
    const rows = rowsOf(run([{ host: h, lines: order }]));
    const chains = new Map<Json, Json[]>();
    for (const x of rows) {
      chains.set(x.finding_exec_id, [...(chains.get(x.finding_exec_id) ?? []), x.command_line]);
    }
    assert.deepStrictEqual(Object.fromEntries(chains), {
      [id(h, nc1)]: ["nc a", "sh -i", "sshd"],
      [id(h, nc2)]: ["nc b", "sh -c job", "cron"],
    });
  }
});

Deno.test("lineage() answers a finding with no ancestors, and a failed exec's", () => {
  const h = "h2";
  const kernelRun: Proc = { pid: 90, start: "50", xid: "1" };
  const sh: Proc = { pid: 800, start: "7000", xid: "3" };
  const lines = [
    exec(h, kernelRun, null, "/usr/bin/wget", ["wget", "x"], 5), // ppid 0: no parent
    exec(h, sh, SSHD, "/bin/sh", ["sh"], 6),
    exec(h, SSHD, null, "/usr/sbin/sshd", ["sshd"], 1),
    // sh tries nc twice and fails: the finding is sh's image, which attempted it
    exec(h, sh, SSHD, "/usr/bin/ncat", ["ncat", "-e"], 8, { ret: -2, flags: 1 }),
    exec(h, sh, SSHD, "/usr/bin/nc", ["nc"], 7, { ret: -2, flags: 1 }),
  ];
  const rows = rowsOf(run([{ host: h, lines }]));
  assert.deepStrictEqual(rows.map((x) => [x.finding_exec_id, x.depth, x.image, x.chain_end]), [
    [id(h, kernelRun), 0, "/usr/bin/wget", "root"],
    [id(h, sh), 0, "/bin/sh", "root"],
    [id(h, sh), 1, "/usr/sbin/sshd", "root"],
  ]);
  assert.equal(rows[0].parent_exec_id, null);
  assert.deepStrictEqual(rows[1].finding_details, ["nc", "ncat"]);
  assert.equal(rows[1].finding_time, String((DAY0 + 7n) * 1_000_000_000n)); // the first attempt
  assert.equal(rows[1].time, String((DAY0 + 6n) * 1_000_000_000n)); // sh's own exec
  // without sh's own exec only the failed attempts know it: no image, time or command line
  const alone = rowsOf(run([{ host: h, lines: lines.slice(3) }]));
  assert.deepStrictEqual(alone.map((x) => [x.depth, x.image, x.time, x.command_line, x.pid]), [
    [0, null, null, null, 800],
  ]);
});

Deno.test("lineage() gives the same answers split across hosts, files and tasks", () => {
  const hosts = ["a1", "b2", "c3"];
  const perHost = (h: string, k: number) => [
    ...chainLines(h, k),
    exec(h, { pid: 710 + k, start: "3100", xid: "1" }, BASH, "/usr/bin/base64", ["base64"], k + 9),
    exec(h, { pid: 720, start: "3200", xid: "1" }, CURL, "/bin/true", ["true"], k + 10),
  ];
  const alone = hosts.flatMap((h, k) => rowsOf(run([{ host: h, lines: perHost(h, k) }])));
  assert.equal(alone.length, 3 * (4 + 4)); // curl's chain and base64's, per host
  // every host split in three files, lines shuffled in each
  const split = hosts.flatMap((h, k) => {
    const l = perHost(h, k);
    const files = [[l[5], l[0]], [l[3], l[2], l[4]], [l[1]]];
    return files.map((lines, i) => ({ host: h, file: `f${i}.log`, lines }));
  });
  const key = (x: Record<string, Json>) => JSON.stringify(x);
  assert.deepStrictEqual(rowsOf(run(split)).map(key).sort(), alone.map(key).sort());
  assert.deepStrictEqual(new Set(alone.map((x) => x.host)), new Set(hosts));
  // ancestors never cross hosts, though the processes have the same pids and starts
  assert.ok(alone.every((x) => (x.exec_id as string).startsWith(bootOf(x.host as string))));
});

Deno.test("lineage() links E1 records by process id", () => {
  const lines = chainLines("d4").map((l) => {
    const ev = decodeLine(l) as ExecEvent;
    return encodeExec({ ...ev, version: 1 });
  });
  const rows = rowsOf(run([{ host: "d4", lines }]));
  assert.deepStrictEqual(rows.map((x) => x.exec_id), [
    `${bootOf("d4")}-3000-700`,
    `${bootOf("d4")}-2000-600`,
    `${bootOf("d4")}-1000-500`,
    `${bootOf("d4")}-1-1`,
  ]);
});

Deno.test("lineage() stops at max_depth and at a cycle", () => {
  const h = "e5";
  const procs = Array.from({ length: 10 }, (_, i) => ({ pid: 100 + i, start: `${i}`, xid: "1" }));
  const lines = procs.map((p, i) =>
    exec(h, p, i ? procs[i - 1] : null, i === 9 ? "/usr/bin/curl" : `/bin/p${i}`, [`p${i}`], i)
  );
  const deep = rowsOf(run([{ host: h, lines }], {}, spec.create({ max_depth: "3" })));
  assert.deepStrictEqual(brief(deep), [
    [0, 109, "/usr/bin/curl", "max_depth"],
    [1, 108, "/bin/p8", "max_depth"],
    [2, 107, "/bin/p7", "max_depth"],
    [3, 106, "/bin/p6", "max_depth"],
  ]);
  assert.equal(rowsOf(run([{ host: h, lines }])).length, 10); // the default 64: to the root
  // garbled data: two images each other's parent
  const a: Proc = { pid: 50, start: "5", xid: "1" }, b: Proc = { pid: 51, start: "6", xid: "1" };
  const cyc = rowsOf(run([{
    host: h,
    lines: [exec(h, a, b, "/usr/bin/nc", ["nc"], 1), exec(h, b, a, "/bin/x", ["x"], 2)],
  }]));
  assert.deepStrictEqual(brief(cyc), [[0, 50, "/usr/bin/nc", "cycle"], [1, 51, "/bin/x", "cycle"]]);
});

Deno.test("nodeOf() cuts a long command line at a character", () => {
  const long = "é".repeat(MAX_COMMAND_LINE - 1) + "😀" + "x";
  const line = exec("h", CURL, BASH, "/usr/bin/curl", [long], 1);
  const r = { ...(decodeLine(line) as ExecEvent), host: "h", file: "f", line: 1 };
  const n = nodeOf(r as ExecRecord, long);
  assert.equal(n.command_line_cut, true);
  assert.equal(n.command_line, "é".repeat(MAX_COMMAND_LINE - 1)); // not half a surrogate pair
  assert.equal(nodeOf(r as ExecRecord, "short").command_line_cut, false);
});

Deno.test("spec.create() checks lineage.of and lineage.max_depth", () => {
  assert.throws(() => spec.create({ of: "nope" }), /lineage.of: no finder "nope"/);
  assert.throws(() => spec.create({ max_depth: "-1" }), /max_depth must be a whole number/);
  // no finders: no findings
  assert.equal(
    rowsOf(run([{ host: "h", lines: chainLines("h") }], {}, spec.create({ of: "" })))
      .length,
    0,
  );
});

/** A one-pass iterable of `n` values: it throws when read a second time. */
function onePass<T>(n: number, make: (i: number) => T): Iterable<T> {
  let used = false;
  return {
    [Symbol.iterator]() {
      if (used) throw new Error("read twice");
      used = true;
      let i = 0;
      return {
        next: () => (i < n ? { done: false, value: make(i++) } : { done: true, value: undefined }),
      };
    },
  };
}

function collect() {
  const emitted: [Json, Json][] = [];
  const rows: Record<string, Json>[] = [];
  const out: ReduceOut = { emit: (k, v) => emitted.push([k, v]), row: (_t, r) => rows.push(r) };
  return { emitted, rows, out, ctx: { counters: new CounterMap() } };
}

const node = (i: number, parent: number | null): LineageNode => ({
  exec_id: `n${i}`,
  parent_exec_id: parent === null ? null : `n${parent}`,
  host: "h",
  time_ns: String(i),
  image: `/bin/p${i}`,
  command_line: `p${i}`,
  command_line_cut: false,
  pid: 10 + i,
  ppid: parent === null ? 0 : 10 + parent,
  uid: 0,
  auid: null,
  from_previous_day: false,
  exec_ok: true,
});

Deno.test("reduceNode() folds a million values of one parent in one pass", () => {
  const n = 1_000_000;
  const c = collect();
  const values = onePass<NodeValue>(
    n + 2,
    (i) =>
      i === 500_000
        ? { k: "n", n: node(1, null) }
        : i === 700_000
        ? { k: "f", jobs: ["x"], details: ["d"], t: "5" }
        : { k: "c" },
  );
  reduceNode(values, c.out, c.ctx);
  assert.deepStrictEqual(c.emitted, [
    ["h", { k: "n", n: node(1, null) }],
    ["h", { k: "f", id: "n1", jobs: ["x"], details: ["d"], t: "5" }],
  ]);
});

Deno.test("reduceHost() and ancestorChain() walk a host of many nodes read once", () => {
  const n = 200_000; // one long line of descent, and a finding at its end
  const c = collect();
  const values = onePass<HostValue>(
    n + 1,
    (i) =>
      i === n
        ? { k: "f", id: `n${n - 1}`, jobs: ["x"], details: [], t: "1" }
        : { k: "n", n: node(i, i ? i - 1 : null) },
  );
  reduceHost("h", values, c.out, c.ctx, 64);
  assert.equal(c.rows.length, 65);
  assert.deepStrictEqual([c.rows[0].exec_id, c.rows[64].exec_id], [`n${n - 1}`, `n${n - 65}`]);
  assert.ok(c.rows.every((r) => r.chain_end === "max_depth"));
  const index = new Map(Array.from({ length: n }, (_, i) => [`n${i}`, node(i, i ? i - 1 : null)]));
  const full = ancestorChain(index, `n${n - 1}`, n);
  assert.equal(full.nodes.length, n);
  assert.equal(full.end, "root");
  assert.deepStrictEqual(ancestorChain(index, "missing", 5), { nodes: [], end: "not_in_data" });
});

Deno.test("lineage() keeps one node for a parent of many children through the engine", () => {
  const h = "f6";
  const kids = Array.from(
    { length: 3000 },
    (_, i) =>
      exec(h, { pid: 2000 + i, start: `${5000 + i}`, xid: "1" }, BASH, "/bin/ls", ["ls"], 10),
  );
  const lines = [...chainLines(h), ...kids];
  const r = run([{ host: h, lines }]);
  assert.deepStrictEqual(brief(rowsOf(r)), [
    [0, 700, "/usr/bin/curl", "root"],
    [1, 600, "/bin/bash", "root"],
    [2, 500, "/usr/sbin/sshd", "root"],
    [3, 1, "/sbin/init", "root"],
  ]);
  // the leaves (3000 ls and curl) are not kept: the parents and the finding are
  assert.equal(r.counters.values.get("lineage/nodes_kept"), 4);
});

Deno.test("JOBS lists events before lineage, which reads it a day later", () => {
  const names = JOBS.map((j) => j.name);
  assert.ok(names.indexOf("events") >= 0 && names.indexOf("events") < names.indexOf("lineage"));
  const { sideInputs } = describe(makeJobs(["lineage"])).jobs[0];
  assert.deepStrictEqual(sideInputs.map((s) => [s.name, s.table, s.daysBack]), [
    ["previous", "events", 1],
  ]);
  const events = makeJobs(["events"])[0].tables[0].columns.map((c) => c.name);
  for (const c of PREVIOUS_COLUMNS) assert.ok(events.includes(c), c);
});
