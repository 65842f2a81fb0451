/**
 * The audit log codec, shared by the collector, the decoder, the shipper and
 * the jobs. See docs/log-format.md for the format.
 *
 * A line is tab-separated fields; the first names the record type and its
 * format version (`E1` exec, `S1` stats); every v1 line ends with the field
 * `.`, so a torn line (host crash, full disk) can never pass as whole. Lines of
 * the seed's prototype (7 fields, no type) are read as version 0.
 *
 * @module
 */

import { escapeField, unescapeField } from "./field_escape.ts";

/** Version of the records this code writes. */
export const FORMAT_VERSION = 1;
/** The last field of every v1 line. */
export const END_MARK = ".";

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

/** Flag bits of the `flags` field (hex), as set by the kernel program. */
export const FLAGS = {
  argv_from_caller: 0x01,
  argv_fault: 0x02,
  filename_cut: 0x04,
  cwd: 0x08,
  cwd_cut: 0x10,
  no_enter: 0x20,
  /** set by the collector: secrets in argv were replaced by `<redacted>` */
  redacted: 0x40,
} as const;

/** Syscall letters of the `syscall` field. */
export const SYSCALL_CODES: Record<string, string> = { e: "execve", a: "execveat", "-": "" };

/** One exec attempt. Strings may carry surrogate-escaped bytes (text_bytes.ts). */
export interface ExecEvent {
  type: "exec";
  /** 0: the seed prototype's line (lossy); 1: this format */
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
  /** "execve", "execveat" or "" (unknown) */
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
}

/** A collector statistics record: counters at a point in time. */
export interface StatsEvent {
  type: "stats";
  version: number;
  time_ns: string;
  time: string;
  boot_id: string;
  /** "open", "periodic", "exit", ... */
  reason: string;
  /** counter or label name -> value (numbers as decimal strings) */
  values: Record<string, string>;
}

export type AuditRecord = ExecEvent | StatsEvent;

/** Why a line could not be decoded. */
export interface BadLine {
  type: "bad";
  /** "torn" (no end mark: cut by a crash or full disk), "unknown-version", "malformed" */
  reason: "torn" | "unknown-version" | "malformed";
  detail: string;
}

// records of a file share their day: format the date once, the time by hand
let lastDay = NaN;
let lastDayPrefix = "";
const pad2 = (n: number) => (n < 10 ? "0" + n : String(n));

/** ns since the epoch (decimal string) -> ISO-8601 with 9 fraction digits. */
export function isoFromNs(ns: string): string {
  const s = ns.padStart(10, "0");
  const sec = Number(s.slice(0, -9) || "0");
  const frac = s.slice(-9);
  const day = Math.floor(sec / 86_400);
  if (day !== lastDay) {
    const d = new Date(day * 86_400_000);
    if (Number.isNaN(d.getTime())) return "";
    lastDayPrefix = d.toISOString().slice(0, 11);
    lastDay = day;
  }
  const rem = sec - day * 86_400;
  return lastDayPrefix + pad2(Math.floor(rem / 3600)) + ":" + pad2(Math.floor(rem / 60) % 60) +
    ":" + pad2(rem % 60) + "." + frac + "Z";
}

/** true for an optional "-" then 1..16 decimal digits (no regex: this runs per field) */
function isInt(f: string): boolean {
  const n = f.length;
  let i = f.charCodeAt(0) === 45 ? 1 : 0;
  if (i === n || n - i > 16) return false;
  for (; i < n; i++) {
    const c = f.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function num(f: string, what: string): number {
  if (!isInt(f)) {
    if (/^-?\d+$/.test(f)) return Number(f); // long: still a number, maybe inexact
    throw new SyntaxError(`${what} is not a number: "${f.slice(0, 40)}"`);
  }
  return Number(f);
}

function optNum(f: string, what: string): number | null {
  return f === "-" ? null : num(f, what);
}

function decimal(f: string, what: string): string {
  let ok = f.length > 0;
  for (let i = 0; ok && i < f.length; i++) {
    const c = f.charCodeAt(i);
    ok = c >= 48 && c <= 57;
  }
  if (!ok) throw new SyntaxError(`${what} is not a decimal: "${f.slice(0, 40)}"`);
  return f;
}

function bytesOf(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xdc80 && c <= 0xdcff) n += 1; // an escaped raw byte
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

function decodeExec1(f: string[]): ExecEvent | BadLine {
  if (f.length < E1.argv + 1) {
    return { type: "bad", reason: "malformed", detail: `exec record has ${f.length} fields` };
  }
  const argv = f.slice(E1.argv, f.length - 1).map(unescapeField);
  const ev: ExecEvent = {
    type: "exec",
    version: 1,
    time_ns: decimal(f[E1.time], "time"),
    time: isoFromNs(f[E1.time]),
    boot_id: f[E1.boot],
    cpu: num(f[E1.cpu], "cpu"),
    seq: num(f[E1.seq], "seq"),
    pid: num(f[E1.pid], "pid"),
    ppid: num(f[E1.ppid], "ppid"),
    tid: num(f[E1.tid], "tid"),
    start_ns: decimal(f[E1.start], "start"),
    pstart_ns: decimal(f[E1.pstart], "pstart"),
    uid: num(f[E1.uid], "uid"),
    gid: num(f[E1.gid], "gid"),
    euid: num(f[E1.euid], "euid"),
    egid: num(f[E1.egid], "egid"),
    auid: optNum(f[E1.auid], "auid"),
    ses: optNum(f[E1.ses], "ses"),
    tty: unescapeField(f[E1.tty]),
    cgroup_id: decimal(f[E1.cgroup], "cgroup"),
    syscall: SYSCALL_CODES[f[E1.syscall]] ?? f[E1.syscall],
    ret: num(f[E1.ret], "ret"),
    flags: parseInt(f[E1.flags], 16),
    comm: unescapeField(f[E1.comm]),
    pcomm: unescapeField(f[E1.pcomm]),
    filename: unescapeField(f[E1.filename]),
    cwd: unescapeField(f[E1.cwd]),
    argc: optNum(f[E1.argc], "argc"),
    arg_bytes: optNum(f[E1.argbytes], "argbytes"),
    argv_captured: num(f[E1.cargc], "cargc"),
    argv_captured_bytes: num(f[E1.cbytes], "cbytes"),
    argv,
  };
  if (Number.isNaN(ev.flags)) throw new SyntaxError(`flags is not hex: "${f[E1.flags]}"`);
  // integrity: the argv fields must add up to what the line says it captured
  if (argv.length !== ev.argv_captured) {
    return {
      type: "bad",
      reason: "malformed",
      detail: `argv has ${argv.length} elements, the record says ${ev.argv_captured}`,
    };
  }
  let total = 0;
  for (const a of argv) total += bytesOf(a) + 1;
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

function decodeStats1(f: string[]): StatsEvent | BadLine {
  if (f.length < 5) {
    return { type: "bad", reason: "malformed", detail: `stats record has ${f.length} fields` };
  }
  const values: Record<string, string> = {};
  for (const kv of f.slice(4, f.length - 1)) {
    const eq = kv.indexOf("=");
    if (eq <= 0) return { type: "bad", reason: "malformed", detail: `stats field "${kv}"` };
    values[kv.slice(0, eq)] = unescapeField(kv.slice(eq + 1));
  }
  return {
    type: "stats",
    version: 1,
    time_ns: decimal(f[1], "time"),
    time: isoFromNs(f[1]),
    boot_id: f[2],
    reason: f[3],
    values,
  };
}

/** The seed prototype's line: time(s) pid ppid comm pcomm filename "args joined by spaces". */
function decodeSeed(f: string[]): ExecEvent | BadLine {
  const q = f[6];
  if (q.length < 2 || q[0] !== '"' || q[q.length - 1] !== '"') {
    return { type: "bad", reason: "malformed", detail: "seed-format args are not quoted" };
  }
  const args = q.slice(1, -1);
  const argv = args === "" ? [] : args.split(" ");
  const sec = decimal(f[0], "time");
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
    argv_captured_bytes: argv.reduce((n, a) => n + bytesOf(a) + 1, 0),
    argv,
  };
}

/**
 * Decodes one line (without its "\n"). Never throws: a line that is not a
 * valid record comes back as a BadLine saying why.
 */
export function decodeLine(line: string): AuditRecord | BadLine {
  if (line.endsWith("\r")) line = line.slice(0, -1);
  const f = line.split("\t");
  const t = f[0];
  try {
    if (t.length >= 2 && (t[0] === "E" || t[0] === "S") && /^\d+$/.test(t.slice(1))) {
      const version = Number(t.slice(1));
      if (version !== 1) {
        return {
          type: "bad",
          reason: "unknown-version",
          detail: `record type ${
            t[0]
          } version ${version} is newer than this reader (${FORMAT_VERSION})`,
        };
      }
      if (f[f.length - 1] !== END_MARK || f.length < 2) {
        return { type: "bad", reason: "torn", detail: "line has no end mark (cut short)" };
      }
      return t[0] === "E" ? decodeExec1(f) : decodeStats1(f);
    }
    if (/^[A-Z]\d+$/.test(t)) {
      return { type: "bad", reason: "unknown-version", detail: `unknown record type "${t}"` };
    }
    if (f.length === 7 && /^\d+$/.test(t)) return decodeSeed(f);
    return {
      type: "bad",
      reason: "malformed",
      detail: `not an audit record: "${line.slice(0, 40)}"`,
    };
  } catch (e) {
    return { type: "bad", reason: "malformed", detail: (e as Error).message };
  }
}

function optOut(v: number | null): string {
  return v === null ? "-" : String(v);
}

const SYSCALL_LETTER: Record<string, string> = { execve: "e", execveat: "a", "": "-" };

/** Encodes an exec event as an E1 line (no "\n"). The collector has a faster twin for its hot path. */
export function encodeExec(ev: ExecEvent): string {
  const f: string[] = [];
  f[E1.type] = "E1";
  f[E1.time] = ev.time_ns;
  f[E1.boot] = ev.boot_id;
  f[E1.cpu] = String(ev.cpu);
  f[E1.seq] = String(ev.seq);
  f[E1.pid] = String(ev.pid);
  f[E1.ppid] = String(ev.ppid);
  f[E1.tid] = String(ev.tid);
  f[E1.start] = ev.start_ns;
  f[E1.pstart] = ev.pstart_ns;
  f[E1.uid] = String(ev.uid);
  f[E1.gid] = String(ev.gid);
  f[E1.euid] = String(ev.euid);
  f[E1.egid] = String(ev.egid);
  f[E1.auid] = optOut(ev.auid);
  f[E1.ses] = optOut(ev.ses);
  f[E1.tty] = escapeField(ev.tty);
  f[E1.cgroup] = ev.cgroup_id;
  f[E1.syscall] = SYSCALL_LETTER[ev.syscall] ?? "-";
  f[E1.ret] = String(ev.ret);
  f[E1.flags] = ev.flags.toString(16);
  f[E1.comm] = escapeField(ev.comm);
  f[E1.pcomm] = escapeField(ev.pcomm);
  f[E1.filename] = escapeField(ev.filename);
  f[E1.cwd] = escapeField(ev.cwd);
  f[E1.argc] = optOut(ev.argc);
  f[E1.argbytes] = optOut(ev.arg_bytes);
  f[E1.cargc] = String(ev.argv.length);
  f[E1.cbytes] = String(ev.argv_captured_bytes);
  for (const a of ev.argv) f.push(escapeField(a));
  f.push(END_MARK);
  return f.join("\t");
}

/** Encodes a stats record as an S1 line (no "\n"). */
export function encodeStats(
  timeNs: string,
  bootId: string,
  reason: string,
  values: Record<string, string | number | bigint>,
): string {
  const f = ["S1", timeNs, bootId, reason];
  for (const [k, v] of Object.entries(values)) f.push(`${k}=${escapeField(String(v))}`);
  f.push(END_MARK);
  return f.join("\t");
}

/** Byte length of a string once UTF-8 encoded (surrogate-escaped bytes count one). */
export const utf8Length = bytesOf;

/** The process's exec id: boot id, start time and pid, collision-free across hosts and reboots. */
export function execId(ev: Pick<ExecEvent, "boot_id" | "start_ns" | "pid">): string {
  return `${ev.boot_id}-${ev.start_ns}-${ev.pid}`;
}

/** The parent's exec id. */
export function parentExecId(ev: Pick<ExecEvent, "boot_id" | "pstart_ns" | "ppid">): string {
  return `${ev.boot_id}-${ev.pstart_ns}-${ev.ppid}`;
}
