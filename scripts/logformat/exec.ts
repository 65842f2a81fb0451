/**
 * The exec record kind: `E2` (written), `E1` (its predecessor, read) and the
 * seed prototype's untyped 7-field lines (read as version 0). See
 * docs/log-format.md.
 *
 * @module
 */

import { escapeField, unescapeField } from "./field_escape.ts";
import {
  type BadLine,
  badLine,
  decimal,
  END_MARK,
  hex,
  isoFromNs,
  num,
  optNum,
  timeNs,
  utf8Length,
} from "./fields.ts";

/** Version of the exec records this code writes (E2; E1 is still read). */
export const FORMAT_VERSION = 2;

/** Positions of the fixed fields of an `E1` line; argv follows, then END_MARK. */
export const E1 = {
  type: 0,
  time: 1,
  boot: 2,
  cpu: 3,
  seq: 4,
  pid: 5,
  tid: 6,
  start: 7,
  // the context block: the same for every exec of one parent, so the collector writes it once
  ppid: 8,
  pstart: 9,
  pcomm: 10,
  uid: 11,
  gid: 12,
  euid: 13,
  egid: 14,
  auid: 15,
  ses: 16,
  tty: 17,
  cgroup: 18,
  syscall: 19,
  ret: 20,
  flags: 21,
  comm: 22,
  filename: 23,
  cwd: 24,
  argc: 25,
  argbytes: 26,
  cargc: 27,
  cbytes: 28,
  /** first argv field */
  argv: 29,
} as const;

/** Positions of the fixed fields of an `E2` line; argv follows, then END_MARK. */
export const E2 = {
  type: 0,
  time: 1,
  boot: 2,
  cpu: 3,
  seq: 4,
  lost: 5,
  pid: 6,
  tid: 7,
  start: 8,
  xid: 9,
  // the context block (ppid .. userns)
  ppid: 10,
  pstart: 11,
  pxid: 12,
  pcomm: 13,
  uid: 14,
  gid: 15,
  euid: 16,
  egid: 17,
  auid: 18,
  ses: 19,
  tty: 20,
  cgroup: 21,
  mntns: 22,
  pidns: 23,
  userns: 24,
  syscall: 25,
  ret: 26,
  flags: 27,
  comm: 28,
  filename: 29,
  cwd: 30,
  exe: 31,
  dev: 32,
  ino: 33,
  argc: 34,
  argbytes: 35,
  cargc: 36,
  cbytes: 37,
  redact: 38,
  /** first argv field */
  argv: 39,
} as const;

/**
 * Inode numbers of the initial pid and user namespaces (fixed since Linux 3.8:
 * PROC_PID_INIT_INO, PROC_USER_INIT_INO): `E2` writes them as empty fields.
 */
export const INIT_NS = { pid: 0xeffffffc, user: 0xeffffffd } as const;

/** Flag bits of the `flags` field (hex), as set by the kernel program. */
export const FLAGS = {
  argv_from_caller: 0x01,
  argv_fault: 0x02,
  filename_cut: 0x04,
  cwd: 0x08,
  cwd_cut: 0x10,
  no_enter: 0x20,
  /** set by the collector: secrets in argv hidden (E2: see `redact`; E1: replaced by `<redacted>`) */
  redacted: 0x40,
  /** E2: a 32-bit syscall (ia32, int $0x80) */
  compat: 0x80,
  /** E2: exe path cut */
  exe_cut: 0x100,
  /** E2: the executed file has no name (memfd, deleted) */
  exe_noname: 0x200,
  /** E2: the process root is not the mount namespace's root (chroot) */
  chroot: 0x400,
} as const;

/** Syscall codes of the `syscall` field. */
export const SYSCALL_CODES: Record<string, string> = {
  e: "execve",
  a: "execveat",
  e32: "execve32",
  a32: "execveat32",
  "-": "",
};

/** One exec attempt. Strings may carry surrogate-escaped bytes (text_bytes.ts). */
export interface ExecEvent {
  type: "exec";
  /** 0: the seed prototype's line (lossy); 1: E1; 2: E2 */
  version: number;
  /** wall-clock time, ns since the Unix epoch (decimal string: exceeds 2^53) */
  time_ns: string;
  /** ISO-8601 UTC time with ns */
  time: string;
  /** /proc/sys/kernel/random/boot_id without dashes ("" for v0) */
  boot_id: string;
  cpu: number;
  /** per-CPU event number: a gap means lost events */
  seq: number;
  pid: number;
  ppid: number;
  tid: number;
  /** process start, ns since boot (decimal string) */
  start_ns: string;
  pstart_ns: string;
  uid: number;
  gid: number;
  euid: number;
  egid: number;
  /** loginuid, null when unset */
  auid: number | null;
  /** audit session id, null when unset */
  ses: number | null;
  tty: string;
  cgroup_id: string;
  /** "execve", "execveat", "execve32", "execveat32" or "" (unknown) */
  syscall: string;
  /** 0, or -errno of a failed exec */
  ret: number;
  flags: number;
  comm: string;
  pcomm: string;
  /** the filename as passed to exec */
  filename: string;
  /** the cwd at exec, only when the filename is relative */
  cwd: string;
  /** original argc, null when not known */
  argc: number | null;
  /** original argv bytes (NULs included), null when not known */
  arg_bytes: number | null;
  /** argv elements and bytes captured */
  argv_captured: number;
  argv_captured_bytes: number;
  argv: string[];
  // E2 only (absent on E1 and v0 records)
  /** events this CPU lost to a full ring since its previous record */
  lost?: number;
  /** the process's image counter after the exec (decimal string) */
  xid?: string;
  /** the parent's image counter (decimal string) */
  pxid?: string;
  mntns?: number;
  pidns?: number;
  userns?: number;
  /** the executed file's path as the kernel resolved it; "" when none */
  exe?: string;
  /** the executed file's device "major:minor", null when none */
  dev?: string | null;
  /** the executed file's inode (decimal string), null when none */
  ino?: string | null;
  /** where secrets were hidden: "" or "elem:off:len:hash;..." */
  redact?: string;
}

/** Decodes the fields of an `E1` or `E2` line (end mark checked by the caller). */
export function decodeExec(f: string[], version: number): ExecEvent | BadLine {
  const X = version === 1 ? E1 : E2;
  if (f.length < X.argv + 1) {
    return badLine("malformed", `exec record has ${f.length} fields`);
  }
  const argv = f.slice(X.argv, f.length - 1).map(unescapeField);
  const ev: ExecEvent = {
    type: "exec",
    version,
    time_ns: timeNs(f[X.time]),
    time: isoFromNs(f[X.time]),
    boot_id: f[X.boot],
    cpu: num(f[X.cpu], "cpu"),
    seq: num(f[X.seq], "seq"),
    pid: num(f[X.pid], "pid"),
    ppid: num(f[X.ppid], "ppid"),
    tid: num(f[X.tid], "tid"),
    start_ns: decimal(f[X.start], "start"),
    pstart_ns: decimal(f[X.pstart], "pstart"),
    uid: num(f[X.uid], "uid"),
    gid: num(f[X.gid], "gid"),
    euid: num(f[X.euid], "euid"),
    egid: num(f[X.egid], "egid"),
    auid: optNum(f[X.auid], "auid"),
    ses: optNum(f[X.ses], "ses"),
    tty: unescapeField(f[X.tty]),
    cgroup_id: decimal(f[X.cgroup], "cgroup"),
    syscall: SYSCALL_CODES[f[X.syscall]] ?? f[X.syscall],
    ret: num(f[X.ret], "ret"),
    flags: hex(f[X.flags], "flags", 8),
    comm: unescapeField(f[X.comm]),
    pcomm: unescapeField(f[X.pcomm]),
    filename: unescapeField(f[X.filename]),
    cwd: unescapeField(f[X.cwd]),
    argc: optNum(f[X.argc], "argc"),
    arg_bytes: optNum(f[X.argbytes], "argbytes"),
    argv_captured: num(f[X.cargc], "cargc"),
    argv_captured_bytes: num(f[X.cbytes], "cbytes"),
    argv,
  };
  if (version === 2) {
    const dev = f[E2.dev];
    if (dev !== "-" && !/^(0|[1-9]\d{0,9}):(0|[1-9]\d{0,9})$/.test(dev)) {
      throw new SyntaxError(`dev is not major:minor: "${dev.slice(0, 40)}"`);
    }
    ev.lost = num(f[E2.lost], "lost");
    ev.xid = decimal(f[E2.xid], "xid");
    ev.pxid = decimal(f[E2.pxid], "pxid");
    ev.mntns = num(f[E2.mntns], "mntns");
    ev.pidns = f[E2.pidns] === "" ? INIT_NS.pid : num(f[E2.pidns], "pidns");
    ev.userns = f[E2.userns] === "" ? INIT_NS.user : num(f[E2.userns], "userns");
    ev.exe = f[E2.exe] === "" && dev !== "-" ? ev.filename : unescapeField(f[E2.exe]);
    ev.dev = dev === "-" ? null : dev;
    ev.ino = f[E2.ino] === "-" ? null : decimal(f[E2.ino], "ino");
    ev.redact = unescapeField(f[E2.redact]);
  }
  if (ev.argc !== null && ev.argv_captured > ev.argc) {
    return badLine("malformed", `cargc ${ev.argv_captured} exceeds argc ${ev.argc}`);
  }
  // (E1 wrote `<redacted>` in place of a secret and counted what it wrote: it may be longer)
  const e1Redacted = version === 1 && (ev.flags & FLAGS.redacted) !== 0;
  if (ev.arg_bytes !== null && ev.argv_captured_bytes > ev.arg_bytes && !e1Redacted) {
    return badLine(
      "malformed",
      `cbytes ${ev.argv_captured_bytes} exceeds argbytes ${ev.arg_bytes}`,
    );
  }
  // integrity: the argv fields must add up to what the line says it captured
  if (argv.length !== ev.argv_captured) {
    return {
      type: "bad",
      reason: "malformed",
      detail: `argv has ${argv.length} elements, the record says ${ev.argv_captured}`,
    };
  }
  let total = 0;
  for (const a of argv) total += utf8Length(a) + 1;
  const slack = total - ev.argv_captured_bytes;
  if (slack !== 0 && !(slack === 1 && argv.length > 0)) {
    return {
      type: "bad",
      reason: "malformed",
      detail: `argv holds ${total} bytes, the record says ${ev.argv_captured_bytes}`,
    };
  }
  return ev;
}

/** The seed prototype's line: time(s) pid ppid comm pcomm filename "args joined by spaces". */
export function decodeSeed(f: string[]): ExecEvent | BadLine {
  const q = f[6];
  if (q.length < 2 || q[0] !== '"' || q[q.length - 1] !== '"') {
    return { type: "bad", reason: "malformed", detail: "seed-format args are not quoted" };
  }
  const args = q.slice(1, -1);
  const argv = args === "" ? [] : args.split(" ");
  // seconds: with 9 more digits at most the 19 of a time field
  const sec = decimal(f[0], "time", 10);
  return {
    type: "exec",
    version: 0,
    time_ns: sec + "000000000",
    time: isoFromNs(sec + "000000000"),
    boot_id: "",
    cpu: 0,
    seq: 0,
    pid: num(f[1], "pid"),
    ppid: num(f[2], "ppid"),
    tid: num(f[1], "pid"),
    start_ns: "0",
    pstart_ns: "0",
    uid: -1,
    gid: -1,
    euid: -1,
    egid: -1,
    auid: null,
    ses: null,
    tty: "",
    cgroup_id: "0",
    syscall: "",
    ret: 0,
    flags: 0,
    comm: f[3],
    pcomm: f[4],
    filename: f[5],
    cwd: "",
    argc: null,
    arg_bytes: null,
    argv_captured: argv.length,
    argv_captured_bytes: argv.reduce((n, a) => n + utf8Length(a) + 1, 0),
    argv,
  };
}

function optOut(v: number | null): string {
  return v === null ? "-" : String(v);
}

const SYSCALL_LETTER: Record<string, string> = {
  execve: "e",
  execveat: "a",
  execve32: "e32",
  execveat32: "a32",
  "": "-",
};

/**
 * Encodes an exec event as a line (no "\n"): E1 for a version-1 event, else
 * E2 (what the collector writes; its faster twin is event_encoder.ts).
 */
export function encodeExec(ev: ExecEvent): string {
  const f: string[] = [];
  const X = ev.version === 1 ? E1 : E2;
  f[X.type] = ev.version === 1 ? "E1" : "E2";
  f[X.time] = ev.time_ns;
  f[X.boot] = ev.boot_id;
  f[X.cpu] = String(ev.cpu);
  f[X.seq] = String(ev.seq);
  f[X.pid] = String(ev.pid);
  f[X.ppid] = String(ev.ppid);
  f[X.tid] = String(ev.tid);
  f[X.start] = ev.start_ns;
  f[X.pstart] = ev.pstart_ns;
  f[X.uid] = String(ev.uid);
  f[X.gid] = String(ev.gid);
  f[X.euid] = String(ev.euid);
  f[X.egid] = String(ev.egid);
  f[X.auid] = optOut(ev.auid);
  f[X.ses] = optOut(ev.ses);
  f[X.tty] = escapeField(ev.tty);
  f[X.cgroup] = ev.cgroup_id;
  f[X.syscall] = SYSCALL_LETTER[ev.syscall] ?? "-";
  f[X.ret] = String(ev.ret);
  f[X.flags] = ev.flags.toString(16);
  f[X.comm] = escapeField(ev.comm);
  f[X.pcomm] = escapeField(ev.pcomm);
  f[X.filename] = escapeField(ev.filename);
  f[X.cwd] = escapeField(ev.cwd);
  f[X.argc] = optOut(ev.argc);
  f[X.argbytes] = optOut(ev.arg_bytes);
  f[X.cargc] = String(ev.argv.length);
  f[X.cbytes] = String(ev.argv_captured_bytes);
  if (X === E2) {
    f[E2.lost] = String(ev.lost ?? 0);
    f[E2.xid] = ev.xid ?? "0";
    f[E2.pxid] = ev.pxid ?? "0";
    f[E2.mntns] = String(ev.mntns ?? 0);
    f[E2.pidns] = ev.pidns === INIT_NS.pid ? "" : String(ev.pidns ?? 0);
    f[E2.userns] = ev.userns === INIT_NS.user ? "" : String(ev.userns ?? 0);
    f[E2.exe] = ev.dev != null && ev.exe === ev.filename ? "" : escapeField(ev.exe ?? "");
    f[E2.dev] = ev.dev ?? "-";
    f[E2.ino] = ev.ino ?? "-";
    f[E2.redact] = escapeField(ev.redact ?? "");
  }
  for (const a of ev.argv) f.push(escapeField(a));
  f.push(END_MARK);
  return f.join("\t");
}

/**
 * The exec id (docs/log-format.md "Exec ids"): for an E2 record the image id
 * `boot-start-pid-xid`, for E1 (which has no xid) the process id.
 */
export function execId(
  ev: Pick<ExecEvent, "boot_id" | "start_ns" | "pid" | "version" | "xid">,
): string {
  return ev.version >= 2 ? `${processId(ev)}-${ev.xid}` : processId(ev);
}

/** The parent's exec id: `boot-pstart-ppid-pxid` for E2, `boot-pstart-ppid` for E1. */
export function parentExecId(
  ev: Pick<ExecEvent, "boot_id" | "pstart_ns" | "ppid" | "version" | "pxid">,
): string {
  const p = `${ev.boot_id}-${ev.pstart_ns}-${ev.ppid}`;
  return ev.version >= 2 ? `${p}-${ev.pxid}` : p;
}

/** The process id `boot-start-pid`: the same for every image of one process. */
export function processId(ev: Pick<ExecEvent, "boot_id" | "start_ns" | "pid">): string {
  return `${ev.boot_id}-${ev.start_ns}-${ev.pid}`;
}
