import assert from "node:assert/strict";
import { decodeLine, encodeExec, type ExecEvent } from "../logformat/mod.ts";
import { bytesToText, concatBytes } from "../lib/text_bytes.ts";
import { divmod1e9, ExecLineEncoder } from "./event_encoder.ts";
import type { ArgvRedactor } from "./argv_redactor.ts";
import {
  COUNT_UNKNOWN,
  EF_ARGV_CALLER,
  EF_CHROOT,
  EF_COMPAT,
  EF_CWD,
  EF_EXE_NONAME,
  EV,
  KIND_EXECVE,
  KIND_EXECVEAT,
} from "./event_layout.ts";

const te = new TextEncoder();
const BOOT = "0123456789abcdef0123456789abcdef";

interface Raw {
  boot_ns: bigint;
  start_ns: bigint;
  pstart_ns: bigint;
  cgroup_id: bigint;
  seq: bigint;
  cpu: number;
  pid: number;
  tid: number;
  ppid: number;
  uid: number;
  auid: number;
  ret: number;
  argc: number;
  args_size: number;
  kind: number;
  flags: number;
  comm: Uint8Array;
  pcomm: Uint8Array;
  tty: Uint8Array;
  cwd: Uint8Array[]; // leaf first
  filename: Uint8Array;
  args: Uint8Array; // NUL-separated, as the kernel writes
  lost?: number;
  xid?: bigint;
  pxid?: bigint;
  ino?: bigint;
  dev?: number;
  mntns?: number;
  pidns?: number;
  userns?: number;
  exe?: Uint8Array[]; // leaf first
}

/** Lays out a `struct event` record the way the kernel program does. */
function record(r: Raw): Uint8Array {
  const cwd = r.cwd.length
    ? concatBytes(r.cwd.map((c) => concatBytes([c, new Uint8Array([0])])))
    : new Uint8Array();
  const exe = r.exe?.length
    ? concatBytes(r.exe.map((c) => concatBytes([c, new Uint8Array([0])])))
    : new Uint8Array();
  const buf = new Uint8Array(
    EV.size + cwd.length + r.filename.length + r.args.length + exe.length,
  );
  const dv = new DataView(buf.buffer);
  dv.setBigUint64(EV.boot_ns, r.boot_ns, true);
  dv.setBigUint64(EV.start_ns, r.start_ns, true);
  dv.setBigUint64(EV.pstart_ns, r.pstart_ns, true);
  dv.setBigUint64(EV.cgroup_id, r.cgroup_id, true);
  dv.setBigUint64(EV.seq, r.seq, true);
  dv.setUint32(EV.cpu, r.cpu, true);
  dv.setUint32(EV.pid, r.pid, true);
  dv.setUint32(EV.tid, r.tid, true);
  dv.setUint32(EV.ppid, r.ppid, true);
  dv.setUint32(EV.uid, r.uid, true);
  dv.setUint32(EV.gid, r.uid + 1, true);
  dv.setUint32(EV.euid, r.uid + 2, true);
  dv.setUint32(EV.egid, r.uid + 3, true);
  dv.setUint32(EV.auid, r.auid, true);
  dv.setUint32(EV.sessionid, COUNT_UNKNOWN, true);
  dv.setInt32(EV.ret, r.ret, true);
  dv.setUint32(EV.argc, r.argc, true);
  dv.setUint32(EV.args_size, r.args_size, true);
  dv.setUint16(EV.filename_len, r.filename.length, true);
  dv.setUint16(EV.cwd_len, cwd.length, true);
  dv.setUint16(EV.args_len, r.args.length, true);
  dv.setUint16(EV.exe_len, exe.length, true);
  dv.setUint32(EV.lost, r.lost ?? 0, true);
  dv.setBigUint64(EV.xid, r.xid ?? 1n, true);
  dv.setBigUint64(EV.pxid, r.pxid ?? 7n, true);
  dv.setBigUint64(EV.ino, r.ino ?? 0n, true);
  dv.setUint32(EV.dev, r.dev ?? 0, true);
  dv.setUint32(EV.mntns, r.mntns ?? 4026531841, true);
  dv.setUint32(EV.pidns, r.pidns ?? 4026531836, true);
  dv.setUint32(EV.userns, r.userns ?? 4026531837, true);
  buf[EV.kind] = r.kind;
  dv.setUint32(EV.flags, r.flags | (r.cwd.length ? EF_CWD : 0), true);
  buf.set(r.comm.subarray(0, 15), EV.comm);
  buf.set(r.pcomm.subarray(0, 15), EV.pcomm);
  buf.set(r.tty.subarray(0, 31), EV.tty);
  buf.set(cwd, EV.size);
  buf.set(r.filename, EV.size + cwd.length);
  buf.set(r.args, EV.size + cwd.length + r.filename.length);
  buf.set(exe, EV.size + cwd.length + r.filename.length + r.args.length);
  return buf;
}

function encodeOne(
  rec: Uint8Array,
  maxArgs = 128,
  off: [number, number] = [1_700_000_000, 999_999_999],
  redactor: ArgvRedactor | null = null,
) {
  const enc = new ExecLineEncoder(BOOT, maxArgs, 1 << 20, redactor);
  [enc.offSec, enc.offNs] = off;
  // place the record at an odd offset inside a bigger buffer, as in the ring
  const ring = new Uint8Array(rec.length + 64);
  ring.set(rec, 24);
  enc.encode(ring, new DataView(ring.buffer), 24, rec.length);
  return new TextDecoder().decode(enc.buf.subarray(0, enc.pos));
}

const base: Raw = {
  boot_ns: 1_000_000_001n,
  start_ns: 900_000_000_000_000_123n,
  pstart_ns: 5n,
  cgroup_id: 18446744073709551615n,
  seq: 42n,
  cpu: 1,
  pid: 100,
  tid: 101,
  ppid: 1,
  uid: 1000,
  auid: COUNT_UNKNOWN,
  ret: 0,
  argc: 3,
  args_size: 10,
  kind: KIND_EXECVE,
  flags: 0,
  comm: te.encode("true"),
  pcomm: te.encode("bash"),
  tty: te.encode("pts0"),
  cwd: [],
  filename: te.encode("/bin/true"),
  args: te.encode("true\0a\tb\0\0"),
};

Deno.test("ExecLineEncoder.encode() writes what encodeExec() writes", () => {
  const line = encodeOne(record({ ...base, args_size: 10 }));
  assert.ok(line.endsWith("\t.\n"));
  const ev = decodeLine(line.slice(0, -1)) as ExecEvent;
  assert.equal(ev.type, "exec", JSON.stringify(ev));
  assert.equal(encodeExec(ev) + "\n", line);
  assert.equal(ev.time_ns, "1700000002000000000"); // 1.000000001 s + offset, carried
  assert.equal(ev.start_ns, "900000000000000123");
  assert.equal(ev.cgroup_id, "18446744073709551615");
  assert.equal(ev.seq, 42);
  assert.deepEqual(ev.argv, ["true", "a\tb", ""]);
  assert.equal(ev.argv_captured_bytes, 10);
  assert.equal(ev.auid, null);
  assert.equal(ev.euid, 1002);
  assert.equal(ev.tty, "pts0");
  assert.equal(ev.syscall, "execve");
});

Deno.test("ExecLineEncoder.encode() rebuilds the cwd root first", () => {
  const ev = decodeLine(
    encodeOne(
      record({
        ...base,
        filename: te.encode("./x"),
        cwd: [te.encode("c"), te.encode("b b"), te.encode("a")],
      }),
    )
      .trimEnd(),
  ) as ExecEvent;
  assert.equal(ev.cwd, "/a/b b/c");
  assert.equal(ev.filename, "./x");
  const root = decodeLine(
    encodeOne(record({ ...base, filename: te.encode("x"), cwd: [] })).trimEnd(),
  ) as ExecEvent;
  assert.equal(root.cwd, "");
});

Deno.test("ExecLineEncoder.encode() marks a cut last element and the max-args cut", () => {
  // the kernel cut the argv inside its last element (no NUL)
  const cut = decodeLine(
    encodeOne(record({ ...base, argc: 5, args_size: 100, args: te.encode("a\0bb\0cc") })).trimEnd(),
  ) as ExecEvent;
  assert.equal(cut.type, "exec");
  assert.deepEqual(cut.argv, ["a", "bb", "cc"]);
  assert.equal(cut.argv_captured_bytes, 7);
  assert.equal(cut.argc, 5);
  // user space keeps maxArgs elements
  const many = decodeLine(
    encodeOne(record({ ...base, args: te.encode("a\0b\0c\0d\0") }), 2).trimEnd(),
  ) as ExecEvent;
  assert.deepEqual(many.argv, ["a", "b"]);
  assert.equal(many.argv_captured_bytes, 4);
});

Deno.test("ExecLineEncoder.encode() escapes hostile bytes in every string field", () => {
  const hostile = new Uint8Array([0x3c, 0x09, 0x0a, 0x5c, 0xff, 0xc3, 0x00]);
  const ev = decodeLine(
    encodeOne(record({
      ...base,
      ret: -2,
      kind: KIND_EXECVEAT,
      flags: EF_ARGV_CALLER,
      comm: hostile.subarray(0, 6),
      pcomm: te.encode("p\tq"),
      filename: hostile,
      args: concatBytes([hostile, new Uint8Array([0])]),
    })).trimEnd(),
  ) as ExecEvent;
  assert.equal(ev.type, "exec");
  assert.equal(ev.comm, bytesToText(hostile.subarray(0, 6)));
  assert.equal(ev.pcomm, "p\tq");
  assert.equal(ev.filename, bytesToText(hostile));
  assert.deepEqual(ev.argv, [bytesToText(hostile.subarray(0, 6)), ""]); // the NUL ends an element
  assert.equal(ev.ret, -2);
  assert.equal(ev.syscall, "execveat");
  assert.equal(ev.flags, EF_ARGV_CALLER);
});

Deno.test("ExecLineEncoder.encode() never reads past a record whose lengths lie", () => {
  const rec = record({ ...base });
  new DataView(rec.buffer).setUint16(EV.args_len, 60000, true);
  const line = encodeOne(rec);
  assert.ok(line.endsWith("\t.\n"));
});

Deno.test("divmod1e9() splits any u64 exactly", () => {
  const out = new Float64Array(2);
  let x = 0x9e3779b97f4a7c15n;
  for (let i = 0; i < 20000; i++) {
    x = (x * 6364136223846793005n + 1442695040888963407n) & 0xffffffffffffffffn;
    const v = i % 3 === 0 ? x >> BigInt(i % 64) : x;
    divmod1e9(Number(v >> 32n), Number(v & 0xffffffffn), out);
    assert.equal(BigInt(out[0]) * 1_000_000_000n + BigInt(out[1]), v);
    assert.ok(out[1] < 1e9 && out[1] >= 0);
  }
});

/**
 * The interface's smallest implementation: hides what follows "--password="
 * in an element, and the element after "-p" (the real one is redact.ts).
 */
class PasswordRedactor implements ArgvRedactor {
  plan(u8: Uint8Array, start: number, end: number, maxArgs: number, cuts: Int32Array): number {
    const key = te.encode("--password=");
    let n = 0;
    let hideNext = false;
    for (let i = start, e = 0; i < end && e < maxArgs; e++) {
      let j = i;
      while (j < end && u8[j] !== 0) j++;
      const el = u8.subarray(i, j);
      if (hideNext && j > i) cuts.set([e, i, j], 3 * n++);
      hideNext = el.length === 2 && el[0] === 0x2d && el[1] === 0x70;
      if (el.length > key.length && key.every((c, x) => el[x] === c)) {
        cuts.set([e, i + key.length, j], 3 * n++);
      }
      i = j + 1;
    }
    return n;
  }
  note(u8: Uint8Array, cuts: Int32Array, n: number, b: Uint8Array, p: number): number {
    const parts: string[] = [];
    for (let c = 0; c < n; c++) {
      let s = cuts[3 * c + 1];
      while (s > 0 && u8[s - 1] !== 0 && s > cuts[3 * c + 1] - 64) s--;
      parts.push(`${cuts[3 * c]}:${cuts[3 * c + 1] - s}:${cuts[3 * c + 2] - cuts[3 * c + 1]}:-`);
    }
    const t = te.encode(parts.join(";"));
    b.set(t, p);
    return p + t.length;
  }
}

Deno.test("ExecLineEncoder.encode() hides secrets as *, notes them and keeps the counts true", () => {
  const args = te.encode("mysql\0--password=hunter2\0-p\0pw\0db\0");
  const line = encodeOne(
    record({ ...base, argc: 5, args_size: args.length, args }),
    128,
    undefined,
    new PasswordRedactor(),
  );
  assert.ok(!line.includes("hunter2"));
  const ev = decodeLine(line.trimEnd()) as ExecEvent;
  assert.equal(ev.type, "exec", JSON.stringify(ev));
  assert.deepEqual(ev.argv, ["mysql", "--password=*******", "-p", "**", "db"]);
  assert.equal(ev.redact, "1:11:7:-;3:0:2:-");
  assert.equal(ev.argv_captured_bytes, args.length);
  assert.equal(ev.flags & 0x40, 0x40);
  assert.equal(encodeExec(ev) + "\n", line);
  const plain = decodeLine(
    encodeOne(
      record({ ...base, args: te.encode("a\0b\0") }),
      128,
      undefined,
      new PasswordRedactor(),
    ).trimEnd(),
  ) as ExecEvent;
  assert.equal(plain.redact, "");
  assert.equal(plain.flags & 0x40, 0);
});

Deno.test("ExecLineEncoder.encode() writes the E2 facts: ids, namespaces, exe, dev:ino, ABI", () => {
  const line = encodeOne(record({
    ...base,
    kind: KIND_EXECVEAT,
    flags: EF_COMPAT | EF_CHROOT | EF_EXE_NONAME,
    lost: 4,
    xid: 18446744073709551615n,
    pxid: 9n,
    ino: 1n << 40n,
    dev: (259 << 20) | 3,
    mntns: 4026532000,
    pidns: 1,
    userns: 2,
    exe: [te.encode("memfd:x\ty")],
  }));
  const ev = decodeLine(line.trimEnd()) as ExecEvent;
  assert.equal(ev.type, "exec", JSON.stringify(ev));
  assert.equal(encodeExec(ev) + "\n", line);
  assert.equal(ev.version, 2);
  assert.equal(ev.syscall, "execveat32");
  assert.equal(ev.flags, EF_COMPAT | EF_CHROOT | EF_EXE_NONAME);
  assert.equal(ev.lost, 4);
  assert.equal(ev.xid, "18446744073709551615");
  assert.equal(ev.pxid, "9");
  assert.equal(ev.ino, String(1n << 40n));
  assert.equal(ev.dev, "259:3");
  assert.deepEqual([ev.mntns, ev.pidns, ev.userns], [4026532000, 1, 2]);
  assert.equal(ev.exe, "/memfd:x\ty");
  const none = decodeLine(encodeOne(record({ ...base, kind: 0 })).trimEnd()) as ExecEvent;
  assert.deepEqual([none.exe, none.dev, none.ino, none.syscall], ["", null, null, ""]);
  const deep = decodeLine(
    encodeOne(
      record({
        ...base,
        ino: 5n,
        dev: 8 << 20,
        exe: ["ls", "bin", "usr"].map((x) => te.encode(x)),
      }),
    )
      .trimEnd(),
  ) as ExecEvent;
  assert.deepEqual([deep.exe, deep.dev, deep.ino], ["/usr/bin/ls", "8:0", "5"]);
});

Deno.test("ExecLineEncoder.encode() reuses the context block only while its raw bytes repeat", () => {
  const enc = new ExecLineEncoder(BOOT, 128, 1 << 20);
  const recs = [
    record({ ...base, pid: 1 }),
    record({ ...base, pid: 2 }), // same parent: copied
    record({ ...base, pid: 3, ppid: 7 }),
    record({ ...base, pid: 4, ppid: 7, tty: te.encode("pts9") }),
    record({ ...base, pid: 5, ppid: 7, tty: te.encode("pts9"), pcomm: te.encode("make") }),
    record({ ...base, pid: 6, ppid: 7, tty: te.encode("pts9"), pcomm: te.encode("make"), uid: 0 }),
    record({ ...base, pid: 7, pstart_ns: 6n, cgroup_id: 9n }),
    record({ ...base, pid: 8 }),
    record({ ...base, pid: 9, mntns: 77, pxid: 3n }), // a namespace or parent image of its own
    record({ ...base, pid: 10 }),
  ];
  for (const r of recs) {
    const ring = new Uint8Array(r.length + 64);
    ring.set(r, 16);
    enc.encode(ring, new DataView(ring.buffer), 16, r.length);
  }
  const lines = new TextDecoder().decode(enc.buf.subarray(0, enc.pos)).trimEnd().split("\n");
  const got = lines.map((l) => decodeLine(l) as ExecEvent).map((
    e,
  ) => [e.pid, e.ppid, e.tty, e.pcomm, e.uid, e.pstart_ns, e.cgroup_id, e.mntns, e.pxid]);
  assert.deepEqual(got, [
    [1, 1, "pts0", "bash", 1000, "5", "18446744073709551615", 4026531841, "7"],
    [2, 1, "pts0", "bash", 1000, "5", "18446744073709551615", 4026531841, "7"],
    [3, 7, "pts0", "bash", 1000, "5", "18446744073709551615", 4026531841, "7"],
    [4, 7, "pts9", "bash", 1000, "5", "18446744073709551615", 4026531841, "7"],
    [5, 7, "pts9", "make", 1000, "5", "18446744073709551615", 4026531841, "7"],
    [6, 7, "pts9", "make", 0, "5", "18446744073709551615", 4026531841, "7"],
    [7, 1, "pts0", "bash", 1000, "6", "9", 4026531841, "7"],
    [8, 1, "pts0", "bash", 1000, "5", "18446744073709551615", 4026531841, "7"],
    [9, 1, "pts0", "bash", 1000, "5", "18446744073709551615", 77, "3"],
    [10, 1, "pts0", "bash", 1000, "5", "18446744073709551615", 4026531841, "7"],
  ]);
});
