import assert from "node:assert/strict";
import {
  decodeLine,
  E2,
  encodeExec,
  encodeStats,
  type ExecEvent,
  execId,
  isoFromNs,
  MAX_LINE_BYTES,
  parentExecId,
  processId,
} from "./mod.ts";

function sample(over: Partial<ExecEvent> = {}): ExecEvent {
  const ev: ExecEvent = {
    type: "exec",
    version: 1,
    time_ns: "1795879313215897025",
    time: isoFromNs("1795879313215897025"),
    boot_id: "47221d24f9ec4ff78079a4d106324583",
    cpu: 1,
    seq: 7,
    pid: 3395,
    ppid: 3366,
    tid: 3395,
    start_ns: "682676141202",
    pstart_ns: "18446744073709551615",
    uid: 1000,
    gid: 1000,
    euid: 0,
    egid: 0,
    auid: 1000,
    ses: null,
    tty: "pts0",
    cgroup_id: "1234",
    syscall: "execve",
    ret: 0,
    flags: 0x08,
    comm: "echo",
    pcomm: "ba\tsh",
    filename: "./echo",
    cwd: "/home/a b",
    argc: 4,
    arg_bytes: 0,
    argv_captured: 4,
    argv_captured_bytes: 0,
    argv: ["echo", "a\tb\nc", "", ".", "<script>\udcff"],
    ...over,
  };
  ev.argv_captured = ev.argv.length;
  ev.argv_captured_bytes = ev.argv.reduce((n, a) => n + new TextEncoder().encode(a).length + 1, 0) -
    // lone surrogates encode to 3 bytes with TextEncoder but stand for one raw byte
    ev.argv.reduce((n, a) => n + 2 * (a.match(/[\udc80-\udcff]/g)?.length ?? 0), 0);
  ev.arg_bytes = ev.argv_captured_bytes;
  ev.argc = ev.argv.length;
  return ev;
}

Deno.test("encodeExec() and decodeLine() round-trip an exec event", () => {
  const ev = sample();
  const line = encodeExec(ev);
  assert.ok(!line.includes("\n"));
  assert.ok(line.endsWith("\t."));
  assert.deepEqual(decodeLine(line), ev);
});

Deno.test("decodeLine() keeps empty and tab-holding argv elements distinct", () => {
  for (const argv of [[], [""], ["", ""], ["a b"], ["a", "b"], ["\t"], ["\\", "\\t"]]) {
    const ev = sample({ argv });
    const back = decodeLine(encodeExec(ev));
    assert.equal(back.type, "exec");
    assert.deepEqual((back as ExecEvent).argv, argv);
  }
});

Deno.test("decodeLine() reports a line cut anywhere as bad, never as a record", () => {
  const line = encodeExec(sample());
  for (let cut = 1; cut < line.length - 1; cut++) {
    const rec = decodeLine(line.slice(0, cut));
    assert.equal(rec.type, "bad", `cut at ${cut} decoded as a record`);
  }
});

Deno.test("decodeLine() names unknown versions and types", () => {
  const line = encodeExec(sample()).replace(/^E1/, "E3");
  const rec = decodeLine(line);
  assert.equal(rec.type, "bad");
  assert.equal(rec.type === "bad" && rec.reason, "unknown-version");
  const x = decodeLine("X1\tfoo\t.");
  assert.equal(x.type === "bad" && x.reason, "unknown-kind");
  const junk = decodeLine("hello world");
  assert.equal(junk.type === "bad" && junk.reason, "malformed");
});

Deno.test("decodeLine() rejects argv that does not add up to the recorded counts", () => {
  const line = encodeExec(sample({ argv: ["a", "b"] }));
  const f = line.split("\t");
  f.splice(f.length - 2, 1); // drop one argv element
  const rec = decodeLine(f.join("\t"));
  assert.equal(rec.type, "bad");
});

Deno.test("decodeLine() reads the seed prototype's lines as version 0", () => {
  const rec = decodeLine('1698393600\t42\t1\tbash\tsshd\t/usr/bin/curl\t"curl -s http://x"');
  assert.equal(rec.type, "exec");
  const ev = rec as ExecEvent;
  assert.equal(ev.version, 0);
  assert.equal(ev.pid, 42);
  assert.equal(ev.pcomm, "sshd");
  assert.equal(ev.filename, "/usr/bin/curl");
  assert.deepEqual(ev.argv, ["curl", "-s", "http://x"]);
  assert.equal(ev.time, "2023-10-27T08:00:00.000000000Z");
});

Deno.test("encodeStats() round-trips through decodeLine()", () => {
  const line = encodeStats("1795879311127761629", "ab", "exit", {
    events: 5,
    host: "h\tx",
    lost: 0n,
  });
  const rec = decodeLine(line);
  assert.deepEqual(rec, {
    type: "stats",
    version: 1,
    time_ns: "1795879311127761629",
    time: "2026-11-28T15:21:51.127761629Z",
    boot_id: "ab",
    reason: "exit",
    values: { events: "5", host: "h\tx", lost: "0" },
  });
});

function sample2(over: Partial<ExecEvent> = {}): ExecEvent {
  return sample({
    version: 2,
    lost: 3,
    xid: "12",
    pxid: "18446744073709551615",
    mntns: 4026531841,
    pidns: 4026531836,
    userns: 4026531837,
    syscall: "execveat32",
    flags: 0x688,
    exe: "/srv/root/usr/bin/e\tcho",
    dev: "259:1",
    ino: "1234567",
    redact: "2:11:7:0123456789ab",
    ...over,
  });
}

Deno.test("encodeExec() and decodeLine() round-trip an E2 exec event", () => {
  const ev = sample2();
  const line = encodeExec(ev);
  const f = line.split("\t");
  assert.equal(f[0], "E2");
  assert.equal(f[E2.syscall], "a32");
  assert.equal(f[E2.flags], "688");
  assert.equal(f[E2.exe], "/srv/root/usr/bin/e\\tcho");
  assert.equal(f[E2.dev], "259:1");
  assert.equal(f[E2.redact], "2:11:7:0123456789ab");
  assert.equal(f.length, E2.argv + ev.argv.length + 1);
  assert.deepEqual(decodeLine(line), ev);
  const none = sample2({ dev: null, ino: null, exe: "", syscall: "", redact: "" });
  const back = decodeLine(encodeExec(none)) as ExecEvent;
  assert.equal(encodeExec(none).split("\t")[E2.dev], "-");
  assert.deepEqual(back, none);
});

Deno.test("decodeLine() rejects an E2 dev that is not major:minor", () => {
  const f = encodeExec(sample2()).split("\t");
  f[E2.dev] = "8/1";
  const rec = decodeLine(f.join("\t"));
  assert.equal(rec.type === "bad" && rec.reason, "malformed");
});

Deno.test("execId() names the image for E2 and the process for E1", () => {
  const e2 = sample2();
  assert.equal(execId(e2), `${e2.boot_id}-682676141202-3395-12`);
  assert.equal(parentExecId(e2), `${e2.boot_id}-18446744073709551615-3366-18446744073709551615`);
  assert.equal(processId(e2), `${e2.boot_id}-682676141202-3395`);
  const e1 = sample();
  assert.equal(execId(e1), `${e1.boot_id}-682676141202-3395`);
  assert.equal(parentExecId(e1), `${e1.boot_id}-18446744073709551615-3366`);
});

Deno.test("encodeExec() writes the initial pid/user namespaces and an exe equal to the filename as empty fields; decodeLine() restores them", async () => {
  const { execEvent } = await import("../../tests/support/exec_event.ts");
  const { INIT_NS } = await import("./mod.ts");
  const ev = execEvent({
    time_ns: "1795879313215897025",
    filename: "/usr/bin/ls",
    exe: "/usr/bin/ls",
    dev: "254:0",
    ino: "1234",
    mntns: 4026531840,
    pidns: INIT_NS.pid,
    userns: INIT_NS.user,
    argv: ["ls"],
  });
  const f = encodeExec(ev).split("\t");
  assert.deepEqual([f[E2.mntns], f[E2.pidns], f[E2.userns], f[E2.exe]], ["4026531840", "", "", ""]);
  const back = decodeLine(encodeExec(ev)) as ExecEvent;
  assert.equal(back.exe, "/usr/bin/ls");
  assert.equal(back.pidns, INIT_NS.pid);
  assert.equal(back.userns, INIT_NS.user);
  // another exe, other namespaces, or no file: written out
  const other = decodeLine(
    encodeExec({ ...ev, exe: "/usr/bin/busybox", pidns: 4026532300, userns: 4026532301 }),
  ) as ExecEvent;
  assert.deepEqual([other.exe, other.pidns, other.userns], [
    "/usr/bin/busybox",
    4026532300,
    4026532301,
  ]);
  const failed = decodeLine(
    encodeExec({ ...ev, ret: -2, exe: "", dev: null, ino: null }),
  ) as ExecEvent;
  assert.equal(failed.exe, "");
});

/** The fields of an E2 line of sample2(), `edit` applied, joined again. */
function editedE2(edit: (f: string[]) => void): string {
  const f = encodeExec(sample2()).split("\t");
  edit(f);
  return f.join("\t");
}

function reasonOf(line: string): string {
  const rec = decodeLine(line);
  return rec.type === "bad" ? `${rec.reason}: ${rec.detail}` : rec.type;
}

Deno.test("decodeLine() reads the type field only as a letter and a version without leading zero", () => {
  assert.equal(reasonOf(editedE2(() => {})), "exec");
  const e01 = reasonOf(editedE2((f) => (f[0] = "E02")));
  assert.match(e01, /^malformed: .*"E02".*leading zero/);
  assert.match(reasonOf(encodeExec(sample()).replace(/^E1/, "E01")), /^malformed:/);
  assert.match(reasonOf(editedE2((f) => (f[0] = "E0"))), /^unknown-version:/);
  assert.match(reasonOf(editedE2((f) => (f[0] = "N1"))), /^unknown-kind: .*"N1"/);
});

Deno.test("decodeLine() takes flags as hex of at most 8 digits only", () => {
  assert.match(reasonOf(editedE2((f) => (f[E2.flags] = "1zz"))), /^malformed: flags/);
  assert.match(reasonOf(editedE2((f) => (f[E2.flags] = "0x8"))), /^malformed: flags/);
  assert.match(reasonOf(editedE2((f) => (f[E2.flags] = ""))), /^malformed: flags/);
  assert.match(reasonOf(editedE2((f) => (f[E2.flags] = "100000000"))), /^malformed: flags/);
  const ok = decodeLine(editedE2((f) => (f[E2.flags] = "FFFFFFFF")));
  assert.equal(ok.type === "exec" && ok.flags, 0xffffffff);
});

Deno.test("decodeLine() rejects captured argv counts above the original ones", () => {
  const ev = sample2();
  const more = (f: string[], k: number, by: number) => (f[k] = String(Number(f[k]) - by));
  assert.match(
    reasonOf(editedE2((f) => more(f, E2.argc, 1))),
    /^malformed: cargc 5 exceeds argc 4/,
  );
  assert.match(
    reasonOf(editedE2((f) => more(f, E2.argbytes, 1))),
    new RegExp(`^malformed: cbytes ${ev.argv_captured_bytes} exceeds argbytes`),
  );
  // unknown originals ("-") bound nothing; a cut argv (fewer captured) is fine
  assert.equal(reasonOf(editedE2((f) => (f[E2.argc] = f[E2.argbytes] = "-"))), "exec");
  assert.equal(reasonOf(editedE2((f) => more(f, E2.argc, -3))), "exec");
});

Deno.test("decodeLine() rejects a time field longer than 19 digits", () => {
  assert.match(reasonOf(editedE2((f) => (f[E2.time] = "1".repeat(29)))), /^malformed: time/);
  assert.match(reasonOf(editedE2((f) => (f[E2.time] = "1".repeat(20)))), /^malformed: time/);
  const max = decodeLine(editedE2((f) => (f[E2.time] = "9".repeat(19))));
  assert.equal(max.type === "exec" && max.time, "2286-11-20T17:46:39.999999999Z");
  const stats = encodeStats("1".repeat(29), "ab", "open", {});
  assert.match(reasonOf(stats), /^malformed: time/);
});

Deno.test("decodeLine() rejects numeric fields that are not plain decimals", () => {
  for (const k of [E2.pid, E2.uid, E2.cpu, E2.ret, E2.cargc, E2.mntns]) {
    for (const bad of ["+1", "01", "-0", "1e3", " 1", "1 ", "0x1", "1.0", "", "-"]) {
      assert.match(reasonOf(editedE2((f) => (f[k] = bad))), /^malformed:/, `field ${k} "${bad}"`);
    }
  }
  for (const k of [E2.start, E2.xid, E2.cgroup, E2.ino]) {
    for (const bad of ["-1", "01", "1a", "1".repeat(21)]) {
      assert.match(reasonOf(editedE2((f) => (f[k] = bad))), /^malformed:/, `field ${k} "${bad}"`);
    }
  }
  assert.match(reasonOf(editedE2((f) => (f[E2.dev] = "08:1"))), /^malformed: dev/);
  const failed = decodeLine(editedE2((f) => (f[E2.ret] = "-13")));
  assert.equal(failed.type === "exec" && failed.ret, -13);
});

Deno.test("decodeLine() reports a line over MAX_LINE_BYTES as line_too_long without reading it", () => {
  const long = `E2\t${"x".repeat(MAX_LINE_BYTES)}\t.`;
  assert.match(reasonOf(long), /^line_too_long: /);
  // multi-byte text counts in bytes: 1.5 M three-byte characters are 4.5 MB
  assert.match(reasonOf("\u20ac".repeat(1_500_000)), /^line_too_long: line of 4500000 bytes/);
  assert.match(reasonOf("\u20ac".repeat(1_000_000)), /^malformed: /);
});
