/**
 * The collector's hot path: one ring-buffer record (`struct event`) -> one E2
 * line, written as bytes straight into the output buffer (no strings, no
 * allocation). Same output as logformat/mod.ts encodeExec(), which the tests check.
 *
 * @module
 */

import { escapedMax, escapeInto, INIT_NS } from "../logformat/mod.ts";
import { type ArgvRedactor, MAX_CUTS, NOTE_BYTES_PER_CUT } from "./argv_redactor.ts";
import {
  COUNT_UNKNOWN,
  EF_COMPAT,
  EF_CWD,
  EV,
  KDEV_MINORBITS,
  KIND_EXECVE,
  KIND_EXECVEAT,
  TASK_COMM_LEN,
  TTY_NAME_LEN,
} from "./event_layout.ts";

const TAB = 0x09;
const NL = 0x0a;
const DASH = 0x2d;
const SLASH = 0x2f;
const STAR = 0x2a;
const COLON = 0x3a;
const HEX = new TextEncoder().encode("0123456789abcdef");
/** The flag the encoder adds when the redactor hid something (FLAGS.redacted). */
const EF_REDACTED = 0x40;
/** Fixed fields of a line (numbers and separators), generously. */
const FIXED_MAX = 512;

/** Byte ranges of `struct event` that decide the context block (ppid .. userns). */
const CTX_RANGES = [
  EV.pstart_ns,
  EV.cgroup_id + 8, // pstart_ns, pxid, cgroup_id
  EV.ppid,
  EV.userns + 4, // ppid, uid, gid, euid, egid, auid, sessionid, mntns, pidns, userns
  EV.pcomm,
  EV.tty + TTY_NAME_LEN, // pcomm, tty
] as const;
const CTX_KEY_LEN = (EV.cgroup_id + 8 - EV.pstart_ns) + (EV.userns + 4 - EV.ppid) +
  (EV.tty + TTY_NAME_LEN - EV.pcomm);
const CTX_TEXT_MAX = 512;

/** Worst-case line size for a record of `len` bytes. */
export function lineMax(len: number): number {
  return FIXED_MAX + escapedMax(len + 2 * TASK_COMM_LEN + TTY_NAME_LEN) + len +
    MAX_CUTS * NOTE_BYTES_PER_CUT;
}

/*
 * Writers: each takes the output, a position, a value, and returns the new
 * position, so the hot loop keeps its position in a register.
 */

/** "00".."99": two digits per division. */
const PAIRS = new TextEncoder().encode(
  Array.from({ length: 100 }, (_, i) => String(i).padStart(2, "0")).join(""),
);

/** 0 <= n < 2^31 in decimal (int32 division by a constant compiles to a multiply). */
function putU31(b: Uint8Array, p: number, n: number): number {
  const d = n < 10
    ? 1
    : n < 100
    ? 2
    : n < 1000
    ? 3
    : n < 10000
    ? 4
    : n < 100000
    ? 5
    : n < 1000000
    ? 6
    : n < 10000000
    ? 7
    : n < 100000000
    ? 8
    : n < 1000000000
    ? 9
    : 10;
  let q = p + d;
  while (n >= 100) {
    const m = (n / 100) | 0;
    const r = (n - m * 100) << 1;
    b[--q] = PAIRS[r + 1];
    b[--q] = PAIRS[r];
    n = m;
  }
  if (n >= 10) {
    b[--q] = PAIRS[(n << 1) + 1];
    b[--q] = PAIRS[n << 1];
  } else {
    b[--q] = 48 + n;
  }
  return p + d;
}

/** 0 <= n < 1e9, zero-padded to 9 digits. */
function putPad9(b: Uint8Array, p: number, n: number): number {
  let q = p + 9;
  for (let i = 0; i < 4; i++) {
    const m = (n / 100) | 0;
    const r = (n - m * 100) << 1;
    b[--q] = PAIRS[r + 1];
    b[--q] = PAIRS[r];
    n = m;
  }
  b[--q] = 48 + n;
  return p + 9;
}

/** 0 <= n < 2^53 in decimal. */
function putUint(b: Uint8Array, p: number, n: number): number {
  if (n < 2147483648) return putU31(b, p, n | 0);
  const hi = Math.floor(n / 1e9);
  return putPad9(b, putUint(b, p, hi), (n - hi * 1e9) | 0);
}

/** A u32 that may be COUNT_UNKNOWN ("-"). */
function putOptU32(b: Uint8Array, p: number, v: number): number {
  if (v === COUNT_UNKNOWN) {
    b[p] = DASH;
    return p + 1;
  }
  return putUint(b, p, v);
}

/** A NUL-terminated fixed char array, escaped. */
function putCstr(u8: Uint8Array, off: number, cap: number, b: Uint8Array, p: number): number {
  let end = off;
  const lim = off + cap;
  while (end < lim && u8[end] !== 0) end++;
  return escapeInto(u8, off, end, b, p);
}

/**
 * Splits a u64 (hi, lo) into (q, r) with value = q * 1e9 + r, exactly (long
 * division by 1e9 in base 2^16; every step stays below 2^53).
 */
export function divmod1e9(hi: number, lo: number, out: Float64Array): void {
  const n1 = hi * 65536 + (lo >>> 16);
  const q1 = Math.floor(n1 / 1e9);
  const r1 = n1 - q1 * 1e9;
  const n2 = r1 * 65536 + (lo & 0xffff);
  const q2 = Math.floor(n2 / 1e9);
  out[0] = q1 * 65536 + q2;
  out[1] = n2 - q2 * 1e9;
}

/** Encodes ring records into a byte buffer. */
export class ExecLineEncoder {
  buf: Uint8Array;
  pos = 0;
  /** lines in the buffer */
  lines = 0;
  /** (seconds, ns) from boot clock to wall clock */
  offSec = 0;
  offNs = 0;
  readonly #boot: Uint8Array;
  readonly #maxArgs: number;
  readonly #qr = new Float64Array(2);
  readonly #redactor: ArgvRedactor | null;
  /** the cuts of the argv being encoded: (element, start, end) triples */
  readonly #cuts = new Int32Array(3 * MAX_CUTS);
  /** the raw bytes behind the last context block, and its text */
  readonly #ctxKey = new Uint8Array(CTX_KEY_LEN);
  readonly #ctxText = new Uint8Array(CTX_TEXT_MAX);
  #ctxLen = -1;

  /**
   * @param bootId the 32 hex digits of the boot id
   * @param maxArgs argv elements kept per event; more are cut and counted
   * @param capacity output buffer bytes
   * @param redactor finds the secrets in argv (written as `*`); null keeps argv as it is
   */
  constructor(
    bootId: string,
    maxArgs: number,
    capacity = 1 << 20,
    redactor: ArgvRedactor | null = null,
  ) {
    this.#boot = new TextEncoder().encode(bootId);
    this.#maxArgs = maxArgs;
    this.buf = new Uint8Array(capacity);
    this.#redactor = redactor;
  }

  /** Room for a record of `len` bytes? */
  fits(len: number): boolean {
    return this.pos + lineMax(len) <= this.buf.length;
  }

  /**
   * Fields ppid .. cgroup: copied from the last event when its raw bytes are
   * the same (the usual case: a parent starting many children), else written.
   */
  #context(u8: Uint8Array, dv: DataView, off: number, b: Uint8Array, p: number): number {
    const key = this.#ctxKey;
    let same = this.#ctxLen >= 0;
    for (let r = 0, k = 0; same && r < CTX_RANGES.length; r += 2) {
      for (let i = off + CTX_RANGES[r], end = off + CTX_RANGES[r + 1]; i < end; i++, k++) {
        if (u8[i] !== key[k]) {
          same = false;
          break;
        }
      }
    }
    if (same) {
      const t = this.#ctxText;
      const n = this.#ctxLen;
      for (let i = 0; i < n; i++) b[p + i] = t[i];
      return p + n;
    }
    const start = p;
    p = putUint(b, p, dv.getUint32(off + EV.ppid, true));
    b[p++] = TAB;
    p = this.#u64(dv, off + EV.pstart_ns, b, p);
    b[p++] = TAB;
    p = this.#u64(dv, off + EV.pxid, b, p);
    b[p++] = TAB;
    p = putCstr(u8, off + EV.pcomm, TASK_COMM_LEN, b, p);
    b[p++] = TAB;
    p = putUint(b, p, dv.getUint32(off + EV.uid, true));
    b[p++] = TAB;
    p = putUint(b, p, dv.getUint32(off + EV.gid, true));
    b[p++] = TAB;
    p = putUint(b, p, dv.getUint32(off + EV.euid, true));
    b[p++] = TAB;
    p = putUint(b, p, dv.getUint32(off + EV.egid, true));
    b[p++] = TAB;
    p = putOptU32(b, p, dv.getUint32(off + EV.auid, true));
    b[p++] = TAB;
    p = putOptU32(b, p, dv.getUint32(off + EV.sessionid, true));
    b[p++] = TAB;
    p = putCstr(u8, off + EV.tty, TTY_NAME_LEN, b, p);
    b[p++] = TAB;
    p = this.#u64(dv, off + EV.cgroup_id, b, p);
    b[p++] = TAB;
    p = putUint(b, p, dv.getUint32(off + EV.mntns, true));
    b[p++] = TAB;
    // the initial pid and user namespaces (fixed inode numbers) are written as empty fields
    const pidns = dv.getUint32(off + EV.pidns, true);
    if (pidns !== INIT_NS.pid) p = putUint(b, p, pidns);
    b[p++] = TAB;
    const userns = dv.getUint32(off + EV.userns, true);
    if (userns !== INIT_NS.user) p = putUint(b, p, userns);
    if (p - start <= CTX_TEXT_MAX) {
      this.#ctxText.set(b.subarray(start, p));
      this.#ctxLen = p - start;
      for (let r = 0, k = 0; r < CTX_RANGES.length; r += 2) {
        for (let i = off + CTX_RANGES[r], end = off + CTX_RANGES[r + 1]; i < end; i++, k++) {
          key[k] = u8[i];
        }
      }
    } else {
      this.#ctxLen = -1;
    }
    return p;
  }

  /** A u64 at `off` in decimal. */
  #u64(dv: DataView, off: number, b: Uint8Array, p: number): number {
    const lo = dv.getUint32(off, true);
    const hi = dv.getUint32(off + 4, true);
    if (hi < 0x200000) return putUint(b, p, hi * 4294967296 + lo);
    const qr = this.#qr;
    divmod1e9(hi, lo, qr);
    return putPad9(b, putUint(b, p, qr[0]), qr[1] | 0);
  }

  /**
   * Appends the E2 line of the record at u8[off, off + len). The caller checks
   * fits(len) first.
   */
  encode(u8: Uint8Array, dv: DataView, off: number, len: number): void {
    const b = this.buf;
    let p = this.pos;
    b[p] = 0x45; // E
    b[p + 1] = 0x32; // 2
    b[p + 2] = TAB;
    p += 3;
    // time: boot ns + offset
    const qr = this.#qr;
    divmod1e9(dv.getUint32(off + EV.boot_ns + 4, true), dv.getUint32(off + EV.boot_ns, true), qr);
    let sec = qr[0] + this.offSec;
    let ns = qr[1] + this.offNs;
    if (ns >= 1e9) {
      ns -= 1e9;
      sec += 1;
    }
    p = putPad9(b, putUint(b, p, sec), ns | 0);
    b[p++] = TAB;
    const boot = this.#boot; // a loop: TypedArray#set costs more than 32 byte copies
    for (let i = 0; i < boot.length; i++) b[p + i] = boot[i];
    p += boot.length;
    b[p++] = TAB;
    p = putU31(b, p, dv.getUint32(off + EV.cpu, true) | 0);
    b[p++] = TAB;
    p = this.#u64(dv, off + EV.seq, b, p);
    b[p++] = TAB;
    p = putUint(b, p, dv.getUint32(off + EV.lost, true));
    b[p++] = TAB;
    p = putUint(b, p, dv.getUint32(off + EV.pid, true));
    b[p++] = TAB;
    p = putUint(b, p, dv.getUint32(off + EV.tid, true));
    b[p++] = TAB;
    p = this.#u64(dv, off + EV.start_ns, b, p);
    b[p++] = TAB;
    p = this.#u64(dv, off + EV.xid, b, p);
    b[p++] = TAB;
    p = this.#context(u8, dv, off, b, p);
    b[p++] = TAB;
    const kind = u8[off + EV.kind];
    let flags = dv.getUint32(off + EV.flags, true);
    if (kind === KIND_EXECVE || kind === KIND_EXECVEAT) {
      b[p++] = kind === KIND_EXECVE ? 0x65 : 0x61;
      if (flags & EF_COMPAT) {
        b[p++] = 0x33; // 3
        b[p++] = 0x32; // 2
      }
    } else {
      b[p++] = DASH;
    }
    b[p++] = TAB;
    const ret = dv.getInt32(off + EV.ret, true);
    if (ret < 0) {
      b[p++] = DASH;
      p = putUint(b, p, -ret);
    } else {
      p = putUint(b, p, ret);
    }
    b[p++] = TAB;
    // argv first: what is kept, what is hidden (the counts and flags come before the elements)
    const cwdLen = dv.getUint16(off + EV.cwd_len, true);
    const fnLen = dv.getUint16(off + EV.filename_len, true);
    const argsLenRaw = dv.getUint16(off + EV.args_len, true);
    let exeLen = dv.getUint16(off + EV.exe_len, true);
    let argsLen = argsLenRaw;
    const data = off + EV.size;
    const fnStart = data + cwdLen;
    const argsStart = fnStart + fnLen;
    // never read past the record, whatever the lengths claim
    const recEnd = off + len;
    if (argsStart + argsLen > recEnd) argsLen = Math.max(0, recEnd - argsStart);
    const exeStart = argsStart + argsLenRaw;
    if (exeStart + exeLen > recEnd) exeLen = Math.max(0, recEnd - exeStart);
    const maxArgs = this.#maxArgs;
    const end = argsStart + argsLen;
    let n = 0;
    let bytes = 0;
    for (let i = argsStart; i < end && n < maxArgs;) {
      let j = i;
      while (j < end && u8[j] !== 0) j++;
      n++;
      bytes += j < end ? j - i + 1 : j - i;
      i = j + 1;
    }
    const red = this.#redactor;
    const cuts = this.#cuts;
    const ncuts = red === null || argsLen === 0 ? 0 : red.plan(u8, argsStart, end, maxArgs, cuts);
    if (ncuts > 0) flags |= EF_REDACTED;
    p = putHex(b, p, flags);
    b[p++] = TAB;
    p = putCstr(u8, off + EV.comm, TASK_COMM_LEN, b, p);
    b[p++] = TAB;

    // variable data: cwd components (leaf first), filename, args, exe components (leaf first)
    const fnPos = p;
    p = escapeInto(u8, fnStart, Math.min(argsStart, recEnd), b, p);
    const fnEnd = p;
    b[p++] = TAB;
    if (flags & EF_CWD) p = putCwd(u8, data, Math.min(data + cwdLen, recEnd), b, p);
    b[p++] = TAB;
    const dev = dv.getUint32(off + EV.dev, true);
    const inoLo = dv.getUint32(off + EV.ino, true);
    const inoHi = dv.getUint32(off + EV.ino + 4, true);
    const hasFile = dev !== 0 || inoLo !== 0 || inoHi !== 0;
    if (hasFile) {
      // an exe the same as the filename (the usual case) is written as an empty field
      const exePos = p;
      p = putCwd(u8, exeStart, exeStart + exeLen, b, p);
      if (p - exePos === fnEnd - fnPos) {
        let same = true;
        for (let i = 0; same && i < p - exePos; i++) same = b[exePos + i] === b[fnPos + i];
        if (same) p = exePos;
      }
    } else if (exeLen > 0) {
      p = putCwd(u8, exeStart, exeStart + exeLen, b, p);
    }
    b[p++] = TAB;
    if (!hasFile) {
      b[p++] = DASH;
      b[p++] = TAB;
      b[p++] = DASH;
    } else {
      p = putUint(b, p, dev >>> KDEV_MINORBITS);
      b[p++] = COLON;
      p = putUint(b, p, dev & ((1 << KDEV_MINORBITS) - 1));
      b[p++] = TAB;
      p = this.#u64(dv, off + EV.ino, b, p);
    }
    b[p++] = TAB;
    p = putOptU32(b, p, dv.getUint32(off + EV.argc, true));
    b[p++] = TAB;
    p = putOptU32(b, p, dv.getUint32(off + EV.args_size, true));
    b[p++] = TAB;
    p = putUint(b, p, n);
    b[p++] = TAB;
    p = putUint(b, p, bytes);
    b[p++] = TAB;
    if (ncuts > 0) p = red!.note(u8, cuts, ncuts, b, p);
    let c = 0; // the next cut
    let k = 0;
    for (let i = argsStart; i < end && k < n; k++) {
      let j = i;
      while (j < end && u8[j] !== 0) j++;
      b[p++] = TAB;
      let q = i;
      while (c < ncuts && cuts[3 * c + 1] < j) {
        const cs = Math.max(cuts[3 * c + 1], q);
        const ce = Math.min(cuts[3 * c + 2], j);
        p = escapeInto(u8, q, cs, b, p);
        for (let x = cs; x < ce; x++) b[p++] = STAR;
        q = Math.max(q, ce);
        if (cuts[3 * c + 2] > j) break; // runs into the next element
        c++;
      }
      p = escapeInto(u8, q, j, b, p);
      i = j + 1;
    }
    b[p] = TAB;
    b[p + 1] = 0x2e; // .
    b[p + 2] = NL;
    this.pos = p + 3;
    this.lines++;
  }

  /** Appends an already-encoded line (with its "\n"). */
  appendLine(line: Uint8Array): boolean {
    if (this.pos + line.length > this.buf.length) return false;
    this.buf.set(line, this.pos);
    this.pos += line.length;
    this.lines++;
    return true;
  }

  /** Empties the buffer (after a write). */
  reset(): void {
    this.pos = 0;
    this.lines = 0;
  }
}

/** cwd: NUL-terminated components leaf first -> "/a/b/c" ("/" when none). */
function putCwd(u8: Uint8Array, start: number, end: number, b: Uint8Array, p: number): number {
  // collect component boundaries, then write them root first
  const bounds: number[] = [];
  for (let i = start; i < end;) {
    let j = i;
    while (j < end && u8[j] !== 0) j++;
    bounds.push(i, j);
    i = j + 1;
  }
  if (bounds.length === 0) {
    b[p] = SLASH;
    return p + 1;
  }
  for (let c = bounds.length - 2; c >= 0; c -= 2) {
    b[p++] = SLASH;
    p = escapeInto(u8, bounds[c], bounds[c + 1], b, p);
  }
  return p;
}

/** A u32 in lowercase hex, no leading zeros. */
function putHex(b: Uint8Array, p: number, v: number): number {
  let d = 1;
  while (d < 8 && v >>> (4 * d) !== 0) d++;
  for (let i = d - 1; i >= 0; i--) b[p++] = HEX[(v >>> (4 * i)) & 15];
  return p;
}
