import assert from "node:assert/strict";
import { encodeExec, type ExecEvent } from "../scripts/logformat/mod.ts";
import { execEvent } from "../tests/support/exec_event.ts";
import { noveltyState } from "../tests/support/novelty_state.ts";
import type { Json } from "./job.ts";
import { type Input, runInMemory } from "./engine/memory.ts";
import { describe, JOBS, makeJobs } from "./mod.ts";
import { novelty, type NoveltyOptions, spec, STATE_COLUMNS } from "./novelty.ts";
import { NOVELTY_STATE_TABLE, NOVELTY_TABLE } from "./novelty/tables.ts";
import { parsePasswd } from "./process/users.ts";
import { dayNumber, dayText } from "./novelty/days.ts";

const D0 = dayNumber("2026-11-01")!;
const day = (i: number) => dayText(D0 + i);
const bootOf = (host: string) => host.replace(/[^0-9a-f]/g, "").padEnd(32, "0").slice(0, 32);

/** A process image: pid, start (ns since boot), image counter. */
interface Proc {
  pid: number;
  start: string;
  xid: string;
}
let nextPid = 1000;
const proc = (): Proc => ({ pid: ++nextPid, start: String(nextPid * 1000), xid: "1" });

/** The exec line of `p` (child of `parent`; null: not in the data, pcomm "bash") on day `d`. */
function exec(
  host: string,
  d: number,
  s: number,
  filename: string,
  o: { p?: Proc; parent?: Proc | null; uid?: number; over?: Partial<ExecEvent> } = {},
): string {
  const p = o.p ?? proc();
  const parent = o.parent ?? { pid: 7, start: "7", xid: "1" };
  return encodeExec(execEvent({
    time_ns: String(
      (BigInt(Date.parse(`${day(d)}T00:00:00Z`) / 1000) + BigInt(s)) * 1_000_000_000n,
    ),
    boot_id: bootOf(host),
    pid: p.pid,
    tid: p.pid,
    start_ns: p.start,
    xid: p.xid,
    ppid: parent.pid,
    pstart_ns: parent.start,
    pxid: parent.xid,
    pcomm: "bash",
    filename,
    comm: filename.split("/").pop()!,
    argv: [filename.split("/").pop()!, "-x"],
    uid: o.uid ?? 1000,
    ...o.over,
  }));
}

/** Rows as a side input hands them over: longs as decimal text, nulls left out. */
function asSide(rows: Record<string, Json>[]): Record<string, Json>[] {
  return rows.map((r) =>
    Object.fromEntries(
      STATE_COLUMNS.filter((c) => r[c] !== null && r[c] !== undefined)
        .map((c) => [c, typeof r[c] === "number" ? String(r[c]) : r[c]]),
    )
  );
}

interface DayResult {
  findings: Record<string, Json>[];
  state: Record<string, Json>[];
  counters: Map<string, number>;
}

/** Day `d` of `inputs` with the previous day's state rows. */
function runDay(
  d: number,
  inputs: Input[],
  previous: Record<string, Json>[] | null,
  o: NoveltyOptions = { days: 3 },
): DayResult {
  const r = runInMemory([novelty(o)], inputs, {
    day: day(d),
    sides: previous ? { "novelty.previous": asSide(previous) } : undefined,
  });
  return {
    findings: r.tables.get("novelty")!,
    state: r.tables.get("novelty_state")!,
    counters: r.counters.values,
  };
}

/** Days 0.. chained: each day reads the previous day's state. */
function chain(days: Input[][], o?: NoveltyOptions): DayResult[] {
  const out: DayResult[] = [];
  days.forEach((inputs, d) => out.push(runDay(d, inputs, d ? out[d - 1].state : null, o)));
  return out;
}

const findingsOf = (r: DayResult) =>
  r.findings.filter((f) => !f.building).map((f) => [f.finding, f.host, f.kind, f.key]);

/** A plain day of `hosts`: each runs ls and cat. */
const plain = (d: number, hosts: string[], extra: Record<string, string[]> = {}): Input[] =>
  hosts.map((h) => ({
    host: h,
    lines: [
      exec(h, d, 10, "/usr/bin/ls"),
      exec(h, d, 20, "/usr/bin/cat"),
      ...(extra[h] ?? []).map((f, i) => exec(h, d, 100 + i, f)),
    ],
  }));

Deno.test("novelty() only builds the baseline in its first days, and says so", () => {
  const days = chain([0, 1, 2].map((d) => plain(d, ["h1", "h2"], { h1: [`/opt/new${d}`] })));
  days.forEach((r, d) => {
    assert.deepEqual(findingsOf(r), [], `day ${d}`);
    assert.equal(r.findings.length, 1);
    const status = r.findings[0];
    assert.equal(status.building, true);
    assert.equal(status.finding, null);
    assert.equal(status.key, `baseline building: day ${d + 1} of 3, findings from ${day(3)}`);
    assert.equal(status.first_seen, day(0));
    assert.equal(r.counters.get("novelty/baseline_day"), d + 1);
    assert.equal(r.counters.get("novelty/window_days"), 3);
    assert.equal(r.counters.get("novelty/new_baseline"), d === 0 ? 1 : undefined);
    assert.ok((r.counters.get("novelty/suppressed_building") ?? 0) > 0, `day ${d}`);
  });
  const baseline = days[2].state.filter((r) => r.kind === "baseline");
  assert.deepEqual(baseline, [{
    kind: "baseline",
    host: null,
    image: null,
    parent_image: null,
    user: null,
    first_seen: day(0),
    last_seen: day(2),
    days: 0b111,
  }]);
});

Deno.test("novelty() finds first_in_fleet, first_on_host and rare after the baseline", () => {
  const hosts = ["h1", "h2", "h3", "h4"];
  const days = chain([
    plain(0, hosts, { h2: ["/usr/bin/htop"] }),
    plain(1, hosts, { h2: ["/usr/bin/htop"], h3: ["/usr/bin/htop"] }),
    plain(2, hosts),
    plain(3, hosts, { h1: ["/usr/bin/htop", "/tmp/evil"], h4: ["/usr/bin/cat"] }),
  ]);
  const d3 = days[3];
  assert.equal(d3.counters.get("novelty/building"), undefined);
  const images = d3.findings.filter((f) => f.kind === "image");
  assert.deepEqual(images.map((f) => [f.finding, f.host, f.key, f.rare]), [
    ["first_in_fleet", "h1", "/tmp/evil", true],
    ["first_on_host", "h1", "/usr/bin/htop", true],
  ]);
  const htop = images[1];
  assert.equal(htop.first_seen, day(0));
  assert.equal(htop.first_seen_on_host, day(3));
  assert.equal(htop.hosts_today, 1);
  assert.equal(htop.hosts_seen, 2); // h2 and h3 in the window
  assert.equal(htop.days_seen, 2); // days 0 and 1
  assert.equal(htop.days_seen_on_host, 0);
  assert.equal(htop.execs_today, 1);
  assert.equal(htop.building, false);
  const evil = images[0];
  assert.deepEqual([evil.first_seen, evil.hosts_seen, evil.days_seen], [day(3), 0, 0]);
  assert.equal(evil.example_command_line, "evil -x");
  assert.match(String(evil.example_exec_id), /^[0-9a-f]{32}-\d+-\d+-1$/);
  assert.equal(
    evil.example_time,
    String(BigInt(Date.parse(`${day(3)}T00:00:00Z`) / 1000 + 101) * 1_000_000_000n),
  );
  // the same program as a pair and with its user
  const keys = findingsOf(d3);
  assert.ok(keys.some((k) => k[0] === "first_in_fleet" && k[3] === "/tmp/evil as 1000"));
  assert.ok(
    keys.some((k) =>
      k[0] === "first_in_fleet" && k[3] === "[not in data: pcomm bash] -> /tmp/evil"
    ),
  );
  // cat on h4 is known there: nothing
  assert.ok(!keys.some((k) => k[1] === "h4"));
  assert.equal(d3.counters.get("novelty/first_in_fleet"), 3);
});

Deno.test("novelty() drops what the window no longer holds", () => {
  const hosts = ["h1", "h2", "h3"];
  const days = chain([
    plain(0, hosts, { h1: ["/opt/once"] }),
    plain(1, hosts),
    plain(2, hosts),
    plain(3, hosts),
    plain(4, hosts, { h1: ["/opt/once"] }),
  ]);
  const once = (r: DayResult) =>
    r.state.filter((s) => s.image === "/opt/once" && s.kind === "image");
  assert.deepEqual(once(days[0]).map((s) => [s.first_seen, s.last_seen, s.days]), [
    [day(0), day(0), 1],
  ]);
  assert.deepEqual(once(days[2]).map((s) => [s.last_seen, s.days]), [[day(0), 1]]);
  assert.deepEqual(once(days[3]), []); // day 0 is out of the 3 days 1..3
  assert.ok((days[3].counters.get("novelty/state_rows_expired") ?? 0) >= 3);
  assert.deepEqual(
    findingsOf(days[4]).filter((f) => f[2] === "image"),
    [["first_in_fleet", "h1", "image", "/opt/once"]],
  );
  // ls, seen every day, has every day's bit
  const ls = days[4].state.find((s) => s.kind === "image" && s.image === "/usr/bin/ls");
  assert.deepEqual([ls?.first_seen, ls?.last_seen, ls?.days], [day(0), day(4), 0b111]);
});

Deno.test("novelty() keys a deploy tool's random temp dir by its normalised path", () => {
  const hosts = ["h1", "h2", "h3"];
  const tmp = (d: number) => `/tmp/tmp.${["Ab12Cd", "Xy34Zw", "Qq56Rr", "Mn78Op"][d]}/deploy`;
  const days = chain([0, 1, 2, 3].map((d) => plain(d, hosts, { h1: [tmp(d)], h2: [tmp(d)] })));
  const state = days[2].state.filter((s) => s.kind === "image" && s.host === "h1");
  assert.ok(state.some((s) => s.image === "/tmp/tmp.*/deploy" && s.days === 0b111));
  // day 3: known, but run by 2 hosts (< 3): rare, with the raw example kept
  const found = days[3].findings.filter((f) => f.kind === "image");
  assert.deepEqual(found.map((f) => [f.finding, f.host, f.key, f.image]), [
    ["rare", "h1", "/tmp/tmp.*/deploy", tmp(3)],
    ["rare", "h2", "/tmp/tmp.*/deploy", tmp(3)],
  ]);
  assert.equal(found[0].days_seen_on_host, 3);
});

Deno.test("novelty() names a parent from the day's records, else by its pcomm", () => {
  const sshd = proc(), bash = proc();
  const lines = (d: number, h: string) => [
    exec(h, d, 1, "/usr/sbin/sshd", { p: sshd, parent: { pid: 1, start: "1", xid: "1" } }),
    exec(h, d, 2, "/usr/bin/bash", { p: bash, parent: sshd }),
    exec(h, d, 3, "/usr/bin/curl", { parent: bash }),
    exec(h, d, 4, "/usr/bin/wget", { over: { pcomm: "cron" } }),
    exec(h, d, 5, "/sbin/init", { parent: { pid: 0, start: "0", xid: "0" }, over: { ppid: 0 } }),
  ];
  const [d0] = chain([[{ host: "h1", lines: lines(0, "h1") }]]);
  const pairs = d0.state.filter((s) => s.kind === "parent_image").map((s) => [
    s.parent_image,
    s.image,
  ]);
  assert.deepEqual(pairs.sort(), [
    ["/usr/bin/bash", "/usr/bin/curl"],
    ["/usr/sbin/sshd", "/usr/bin/bash"],
    ["[no parent]", "/sbin/init"],
    ["[not in data: pcomm bash]", "/usr/sbin/sshd"],
    ["[not in data: pcomm cron]", "/usr/bin/wget"],
  ]);
  assert.equal(d0.counters.get("novelty/parents_not_in_data"), 2);
  // after the baseline, on a new host: curl's example has its ancestors
  const days = chain([
    [{ host: "h1", lines: lines(0, "h1") }],
    [{ host: "h1", lines: lines(1, "h1") }],
    [{ host: "h1", lines: lines(2, "h1") }],
    [{ host: "h1", lines: lines(3, "h1") }, { host: "h9", lines: lines(3, "h9") }],
  ]);
  const curl = days[3].findings.find((f) => f.host === "h9" && f.key === "/usr/bin/curl");
  assert.equal(curl?.finding, "rare"); // known in the fleet; h9's own baseline is building
  assert.deepEqual(curl?.ancestors, ["/usr/bin/bash", "/usr/sbin/sshd"]);
  assert.equal(curl?.parent_image, "/usr/bin/bash");
  assert.equal(curl?.chain_end, "not_in_data");
  const wget = days[3].findings.find((f) => f.host === "h9" && f.key === "/usr/bin/wget");
  assert.deepEqual([wget?.parent_image, wget?.ancestors], [
    "[not in data: pcomm cron]",
    ["[not in data: pcomm cron]"],
  ]);
});

Deno.test("novelty() gives a new host no first_on_host until its own baseline is built", () => {
  const fleet = ["h1", "h2", "h3", "h4"];
  const days = chain([
    plain(0, fleet),
    plain(1, fleet),
    plain(2, fleet),
    [...plain(3, fleet), ...plain(3, ["new"], { new: ["/opt/only-here"] })],
    [...plain(4, fleet), ...plain(4, ["new"])],
    [...plain(5, fleet), ...plain(5, ["new"])],
    [...plain(6, fleet, { h1: ["/usr/bin/zip"] }), ...plain(6, ["new"], { new: ["/usr/bin/zip"] })],
  ]);
  // day 3: ls and cat are known in the fleet: nothing for them; its own program: first_in_fleet
  assert.deepEqual(findingsOf(days[3]).filter((f) => f[2] === "image"), [
    ["first_in_fleet", "new", "image", "/opt/only-here"],
  ]);
  assert.ok((days[3].counters.get("novelty/suppressed_host_building") ?? 0) >= 6);
  const host = days[5].state.find((s) => s.kind === "host" && s.host === "new");
  assert.deepEqual([host?.first_seen, host?.last_seen, host?.days], [day(3), day(5), 0b111]);
  // day 6: the new host's baseline is built (days 3..5)
  assert.deepEqual(findingsOf(days[6]).filter((f) => f[2] === "image"), [
    ["first_in_fleet", "h1", "image", "/usr/bin/zip"],
    ["first_in_fleet", "new", "image", "/usr/bin/zip"],
  ]);
});

Deno.test("novelty() starts a new baseline when the previous state is missing", () => {
  const hosts = ["h1", "h2", "h3"];
  const [, , , d3] = chain([0, 1, 2, 3].map((d) => plain(d, hosts)));
  assert.equal(d3.counters.get("novelty/building"), undefined);
  const gap = runDay(5, plain(5, hosts, { h1: ["/opt/new"] }), null);
  assert.deepEqual(findingsOf(gap), []);
  assert.equal(gap.findings[0].building, true);
  assert.equal(gap.counters.get("novelty/new_baseline"), 1);
  assert.equal(gap.counters.get("novelty/baseline_day"), 1);
  // a state of another day than the previous one (the table of a copied day) is no chain either
  const stale = runDay(5, plain(5, hosts), d3.state);
  assert.equal(stale.counters.get("novelty/stale_previous_baseline"), 1);
  assert.equal(stale.findings[0].building, true);
});

Deno.test("novelty() ignores failed execs and names users from a passwd snapshot", () => {
  const users = parsePasswd("root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/home/a:/bin/sh\n");
  const [d0] = chain([[{
    host: "h1",
    lines: [
      exec("h1", 0, 1, "/usr/bin/ls"),
      exec("h1", 0, 2, "/usr/bin/id", { uid: 0 }),
      exec("h1", 0, 3, "/usr/bin/id", { uid: 4242 }),
      exec("h1", 0, 4, "/usr/local/bin/ls", { over: { ret: -2, flags: 1 } }),
    ],
  }]], { days: 3, users });
  const keys = d0.state.filter((s) => s.kind === "image_user").map((s) => [s.image, s.user]);
  assert.deepEqual(keys.sort(), [
    ["/usr/bin/id", "4242"],
    ["/usr/bin/id", "root"],
    ["/usr/bin/ls", "alice"],
  ]);
  assert.ok(!d0.state.some((s) => s.image === "/usr/local/bin/ls"));
  assert.equal(d0.counters.get("novelty/execs"), 3);
});

Deno.test("novelty() gives each of many hosts its finding, and rare only under max_hosts", () => {
  const hosts = Array.from({ length: 12 }, (_, i) => `host-${String(i).padStart(2, "0")}`);
  const days = chain([
    ...[0, 1, 2].map((d) => plain(d, hosts, { "host-00": ["/usr/bin/nmap"] })),
    plain(3, hosts, Object.fromEntries(hosts.map((h) => [h, ["/opt/agent-v2/bin/agent"]]))),
  ]);
  const agent = days[3].findings.filter((f) => f.kind === "image");
  assert.equal(agent.length, 12);
  assert.ok(agent.every((f) => f.finding === "first_in_fleet" && f.rare === false));
  assert.ok(agent.every((f) => f.hosts_today === 12 && f.key === "/opt/agent-v2/bin/agent"));
  assert.deepEqual(agent.map((f) => f.host), hosts);
  // nmap on day 3: not run; its rows carry on
  const nmap = days[3].state.find((s) => s.kind === "image" && s.image === "/usr/bin/nmap");
  assert.deepEqual([nmap?.last_seen, nmap?.days], [day(2), 0b11]);
  // rare for a key seen before: max_hosts 3, run by 2 hosts
  const d4 = runDay(
    4,
    plain(4, hosts, { "host-00": ["/usr/bin/nmap"], "host-01": ["/usr/bin/nmap"] }),
    days[3].state,
  );
  assert.deepEqual(
    findingsOf(d4).filter((f) => f[2] === "image"),
    [
      ["first_on_host", "host-01", "image", "/usr/bin/nmap"],
      ["rare", "host-00", "image", "/usr/bin/nmap"],
    ].sort((a, b) => (a[1] < b[1] ? -1 : 1)),
  );
  const d4b = runDay(4, plain(4, hosts), days[3].state, { days: 3, maxHosts: 13 });
  assert.equal(d4b.counters.get("novelty/rare"), 12 * 2 * 3); // ls and cat, 3 kinds, every host
});

Deno.test("novelty() gives the same tables whatever the split of hosts into tasks", () => {
  const hosts = ["a", "b", "c", "d"];
  const base = chain([0, 1, 2].map((d) => plain(d, hosts, { a: ["/usr/bin/x"] })));
  const inputs = plain(3, hosts, { b: ["/usr/bin/x"], c: ["/usr/bin/y"] });
  const one = runDay(3, inputs, base[2].state);
  // the same host's lines in two files: still one map task (files of a host are read in order)
  const split = inputs.flatMap((i) => [
    { host: i.host, file: `${i.host}.1.log`, lines: [...i.lines].slice(0, 1) },
    { host: i.host, file: `${i.host}.2.log`, lines: [...i.lines].slice(1) },
  ]);
  const two = runDay(3, split, base[2].state);
  const sorted = (rows: Record<string, Json>[]) => rows.map((r) => JSON.stringify(r)).sort();
  assert.deepEqual(sorted(two.findings), sorted(one.findings));
  assert.deepEqual(sorted(two.state), sorted(one.state));
  assert.ok(one.findings.length > 0);
});

Deno.test("novelty() reads a generated 30-day state as an established baseline", () => {
  const hosts = ["web-000", "db-001", "api-002"];
  const rows = noveltyState({ hosts, day: day(29), days: 30, seed: 3 });
  assert.ok(rows.length > hosts.length * 50);
  for (const r of rows) {
    assert.deepEqual(
      Object.keys(r),
      NOVELTY_STATE_TABLE.columns.map((c) => c.name),
    );
  }
  const r = runDay(30, plain(30, hosts), rows, { days: 30 });
  assert.equal(r.counters.get("novelty/building"), undefined);
  assert.equal(r.counters.get("novelty/bad_previous_rows"), undefined);
  assert.ok((r.counters.get("novelty/baseline_day") ?? 0) > 30);
  // ls and cat are in every generated host's baseline: no finding for them
  assert.deepEqual(findingsOf(r).filter((f) => f[2] === "image"), []);
});

Deno.test("novelty() rows have exactly the tables' columns", () => {
  const days = chain([0, 1, 2, 3].map((d) => plain(d, ["h1"], { h1: [`/opt/x${d}`] })));
  const names = (t: typeof NOVELTY_TABLE) => t.columns.map((c) => c.name);
  for (const r of days.flatMap((d) => d.findings)) {
    assert.deepEqual(Object.keys(r), names(NOVELTY_TABLE));
  }
  for (const r of days.flatMap((d) => d.state)) {
    assert.deepEqual(Object.keys(r), names(NOVELTY_STATE_TABLE));
  }
  assert.ok(days[3].findings.some((f) => f.finding === "first_in_fleet"));
});

Deno.test("spec.create() checks days, max_hosts and passwd in one line each", () => {
  for (
    const [p, msg] of [
      [{ days: "0" }, /novelty\.days must be 1\.\.62: got 0/],
      [{ days: "63" }, /novelty\.days must be 1\.\.62/],
      [{ days: "x" }, /novelty\.days must be a whole number: got "x"/],
      [{ max_hosts: "0" }, /novelty\.max_hosts must be a whole number of 1 or more/],
      [
        { passwd: "/nonexistent/passwd" },
        /^novelty\.passwd: cannot read "\/nonexistent\/passwd": /,
      ],
    ] as const
  ) {
    assert.throws(() => spec.create(p), (e: Error) => {
      assert.ok(e instanceof RangeError);
      assert.match(e.message, msg);
      assert.ok(!e.message.includes("\n"));
      return true;
    });
  }
  assert.equal(spec.create({ days: "7" }).description.includes("over 7 days"), true);
});

Deno.test("JOBS lists novelty, reading its own state a day later", () => {
  assert.ok(JOBS.some((j) => j.name === "novelty"));
  const d = describe(makeJobs(["novelty"]));
  assert.deepEqual(d.jobs[0].sideInputs.map((s) => [s.name, s.table, s.daysBack]), [
    ["previous", "novelty_state", 1],
  ]);
  const state = d.tables.find((t) => t.name === "novelty_state")!;
  assert.deepEqual(d.jobs[0].sideInputs[0].columns, state.columns.map((c) => c.name));
  assert.equal(d.tables.find((t) => t.name === "novelty")?.csv, true);
});
