import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { encodeExec, FLAGS } from "../scripts/logformat/mod.ts";
import { execEvent } from "../tests/support/exec_event.ts";
import { bytesToText, textToBytes } from "../scripts/lib/text_bytes.ts";
import { runInMemory } from "./engine/memory.ts";
import { commandLine, events, EVENTS_TABLE, hasRawBytes, resolveImage } from "./events.ts";

const T = "1795737600123456789"; // 2026-11-27T00:00:00.123456789Z
const rowsOf = (lines: string[], host = "h1", file = "a.log") =>
  runInMemory([events()], [{ host, file, lines }]).tables.get("events")!;

const E2_EVENT = execEvent({
  time_ns: T,
  boot_id: "b".repeat(32),
  cpu: 3,
  seq: 41,
  lost: 2,
  pid: 4242,
  tid: 4243,
  start_ns: "987654321",
  xid: "2",
  ppid: 4000,
  pstart_ns: "123",
  pxid: "1",
  pcomm: "bash",
  uid: 1000,
  gid: 1001,
  euid: 0,
  egid: 1002,
  auid: 1000,
  ses: 7,
  tty: "pts0",
  cgroup_id: "9007199254740993", // beyond 2^53: stays a decimal string
  mntns: 4026531841,
  pidns: 4026532000,
  userns: 4026531837,
  syscall: "execveat",
  ret: 0,
  flags: FLAGS.cwd | FLAGS.redacted,
  comm: "bash",
  filename: "../bin/./tool",
  cwd: "/home/u/src",
  exe: "/opt/real/tool",
  dev: "8:1",
  ino: "131073",
  redact: "1:0:4:abcdefabcdef",
  argv: ["tool", "****"],
});

Deno.test("eventRow() fills every column of an E2 record", () => {
  const [row] = rowsOf([encodeExec(E2_EVENT)]);
  assert.deepStrictEqual(Object.keys(row), EVENTS_TABLE.columns.map((c) => c.name));
  assert.deepStrictEqual(row, {
    host: "h1",
    source: "ebpf",
    version: 2,
    time: T,
    time_ns: T,
    boot_id: "b".repeat(32),
    cpu: 3,
    seq: 41,
    lost: 2,
    pid: 4242,
    tid: 4243,
    start_ns: "987654321",
    xid: "2",
    ppid: 4000,
    pstart_ns: "123",
    pxid: "1",
    pcomm: "bash",
    uid: 1000,
    gid: 1001,
    euid: 0,
    egid: 1002,
    auid: 1000,
    ses: 7,
    tty: "pts0",
    cgroup_id: "9007199254740993",
    mntns: 4026531841,
    pidns: 4026532000,
    userns: 4026531837,
    syscall: "execveat",
    ret: 0,
    failed: false,
    flags: 0x48,
    comm: "bash",
    filename: "../bin/./tool",
    cwd: "/home/u/src",
    image: "/home/u/bin/tool",
    exe: "/opt/real/tool",
    dev: "8:1",
    ino: "131073",
    argc: 2,
    arg_bytes: 10,
    argv_captured: 2,
    argv_captured_bytes: 10,
    argv: ["tool", "****"],
    argv_raw: null,
    command_line: "tool ****",
    redact: "1:0:4:abcdefabcdef",
    exec_id: `${"b".repeat(32)}-987654321-4242-2`,
    parent_exec_id: `${"b".repeat(32)}-123-4000-1`,
    process_id: `${"b".repeat(32)}-987654321-4242`,
    file: "a.log",
    line: 1,
  });
});

Deno.test("eventRow() nulls the E2-only columns of an E1 record", () => {
  const e1 = encodeExec({
    ...E2_EVENT,
    version: 1,
    ret: -2,
    flags: 0,
    filename: "/usr/bin/curl",
    cwd: "",
    auid: null,
    ses: null,
    syscall: "",
    argv: ["curl", "-s"],
    argv_captured_bytes: 8,
  });
  const [row] = rowsOf(["junk", e1]);
  assert.deepStrictEqual(Object.keys(row), EVENTS_TABLE.columns.map((c) => c.name));
  const e2Only = ["lost", "xid", "pxid", "mntns", "pidns", "userns", "exe", "dev", "ino", "redact"];
  for (const c of e2Only) assert.equal(row[c], null, c);
  assert.deepStrictEqual(
    [row.version, row.line, row.ret, row.failed, row.auid, row.ses, row.syscall, row.cwd],
    [1, 2, -2, true, null, null, null, null],
  );
  assert.equal(row.image, "/usr/bin/curl");
  assert.equal(row.command_line, "curl -s");
  // E1 has no image counter: its exec ids are process ids
  assert.equal(row.exec_id, `${"b".repeat(32)}-987654321-4242`);
  assert.equal(row.exec_id, row.process_id);
  assert.equal(row.parent_exec_id, `${"b".repeat(32)}-123-4000`);
  assert.equal(row.argc, 2);
  assert.equal(row.cgroup_id, "9007199254740993");
});

Deno.test("eventRow() of a seed (v0) line keeps only what the seed had", () => {
  const [row] = rowsOf(['1795737601\t77\t1\tls\tbash\tls\t"ls -l  /tmp"']);
  const kept = {
    host: "h1",
    source: "ebpf",
    version: 0,
    time: "1795737601000000000",
    time_ns: "1795737601000000000",
    pid: 77,
    ppid: 1,
    pcomm: "bash",
    comm: "ls",
    filename: "ls",
    image: "ls", // relative, no cwd: as given
    argv_captured: 4,
    argv_captured_bytes: 12,
    argv: ["ls", "-l", "", "/tmp"], // the seed's split on spaces (lossy)
    argv_raw: null,
    command_line: "ls -l  /tmp",
    file: "a.log",
    line: 1,
  };
  for (const c of EVENTS_TABLE.columns) {
    assert.deepStrictEqual(
      row[c.name],
      c.name in kept ? kept[c.name as keyof typeof kept] : null,
      c.name,
    );
  }
});

Deno.test("eventRow() keeps hostile argv exactly, raw bytes in argv_raw", () => {
  const bad = bytesToText(new Uint8Array([0x61, 0xff, 0xc3, 0x28, 0x80])); // a, invalid bytes
  const argv = ["sh", "a\tb", "line1\nline2", "\"q'", "<script>alert(1)</script>", "", bad, "é😀"];
  const [hostile, plain] = rowsOf([
    encodeExec(execEvent({ time_ns: T, filename: "/bin/sh", argv })),
    encodeExec(execEvent({ time_ns: T, filename: "/bin/sh", argv: ["sh", "é😀", "\t"] })),
  ]);
  assert.deepStrictEqual(hostile.argv, argv);
  assert.equal(hostile.command_line, argv.join(" "));
  assert.ok((hostile.command_line as string).includes("a\tb line1\nline2"));
  const raw = hostile.argv_raw as string[];
  assert.equal(raw.length, argv.length);
  raw.forEach((b64, i) => {
    assert.deepStrictEqual(new Uint8Array(Buffer.from(b64, "base64")), textToBytes(argv[i]));
  });
  assert.deepStrictEqual([...Buffer.from(raw[6], "base64")], [0x61, 0xff, 0xc3, 0x28, 0x80]);
  assert.equal(Buffer.from(raw[7], "base64").toString("utf8"), "é😀");
  // all valid UTF-8 (an astral character's low surrogate is no raw byte): no argv_raw
  assert.equal(plain.argv_raw, null);
  assert.deepStrictEqual(plain.argv, ["sh", "é😀", "\t"]);
});

Deno.test("hasRawBytes() tells raw bytes from surrogate pairs", () => {
  assert.equal(hasRawBytes("\udcff"), true);
  assert.equal(hasRawBytes("x\udc80"), true);
  assert.equal(hasRawBytes("\ud800\udc80"), false); // U+10080, valid
  assert.equal(hasRawBytes("plain"), false);
  assert.equal(commandLine([]), "");
});

Deno.test("resolveImage() resolves against cwd and normalises lexically", () => {
  const cases: [string, string, string][] = [
    ["./x", "/tmp", "/tmp/x"],
    ["x", "/tmp/", "/tmp/x"],
    ["../bin/ls", "/home/u", "/home/bin/ls"],
    ["../../../../x", "/a", "/x"], // never above the root
    ["a/./b//c/..", "/w", "/w/a/b"],
    ["/usr/bin/../lib/./x", "", "/usr/lib/x"],
    ["/usr/bin/ls", "/ignored", "/usr/bin/ls"],
    ["//bin///ls/", "", "/bin/ls"],
    ["./x", "", "./x"], // cwd unknown: as given
    ["../x", "relative", "../x"],
    ["", "/tmp", ""],
    ["/", "", "/"],
    ["/dev/fd/3/prog", "", "/dev/fd/3/prog"],
  ];
  for (const [f, cwd, want] of cases) assert.equal(resolveImage(f, cwd), want, `${f} in ${cwd}`);
});

Deno.test("eventRow() does not resolve against a cut cwd", () => {
  const ev = (flags: number) =>
    encodeExec(execEvent({ time_ns: T, filename: "./run", cwd: "/deep/end", flags }));
  const [whole, cut] = rowsOf([ev(FLAGS.cwd), ev(FLAGS.cwd | FLAGS.cwd_cut)]);
  assert.equal(whole.image, "/deep/end/run");
  assert.equal(cut.image, "./run");
  assert.equal(cut.cwd, "/deep/end");
});

Deno.test("events() writes one row per exec record and none for stats", () => {
  const lines = [
    encodeExec(execEvent({ time_ns: T, filename: "/bin/a" })),
    "S1\t" + T + "\t" + "b".repeat(32) + "\tperiodic\tevents=1\t.",
    encodeExec(
      execEvent({ time_ns: T, filename: "/bin/b", ret: -2, flags: FLAGS.argv_from_caller }),
    ),
  ];
  const r = runInMemory([events()], [{ host: "h", lines }]);
  assert.deepStrictEqual(r.tables.get("events")!.map((x) => [x.image, x.line]), [
    ["/bin/a", 1],
    ["/bin/b", 3],
  ]);
  assert.equal(r.counters.values.get("events/v2"), 2);
  // a failed E2 exec: no file, so no exe, dev, ino
  const failed = r.tables.get("events")![1];
  assert.deepStrictEqual([failed.failed, failed.exe, failed.dev, failed.ino], [
    true,
    null,
    null,
    null,
  ]);
});
