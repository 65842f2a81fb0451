/**
 * The collector's hot path: one ring-buffer record (`struct event`) -> one E1
 * line, written as bytes straight into the output buffer (no strings, no
 * allocation). Same output as log_codec.ts's encodeExec(), which the tests check.
 *
 * @module
 */

import { escapedMax, escapeInto } from "../lib/field_escape.ts";
import { EF_REDACTED, REDACTED, type Redactor } from "./redact.ts";
import {
  COUNT_UNKNOWN,
  EF_CWD,
  EV,
  KIND_EXECVE,
  KIND_EXECVEAT,
  TASK_COMM_LEN,
  TTY_NAME_LEN,
} from "./event_layout.ts";

const TAB = 0x09;
const NL = 0x0a;
const DASH = 0x2d;
const SLASH = 0x2f;
const HEX = new TextEncoder().encode("0123456789abcdef");
/** Fixed fields of a line (numbers and separators), generously. */
const FIXED_MAX = 512;

/** Worst-case line size for a record of `len` bytes. */
export function lineMax(len: number): number {
  return FIXED_MAX + escapedMax(len + 2 * TASK_COMM_LEN + TTY_NAME_LEN) + len;
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
  readonly #redactor: Redactor | null;
  /** per argv element: hidden range [cut[2i], cut[2i+1]), or -1 */
  readonly #cut: Int32Array;

  /**
   * @param bootId the 32 hex digits of the boot id
   * @param maxArgs argv elements kept per event; more are cut and counted
   * @param capacity output buffer bytes
   * @param redactor hides secrets in argv; null keeps argv as it is
   */
  constructor(
    bootId: string,
    maxArgs: number,
    capacity = 1 << 20,
    redactor: Redactor | null = null,
  ) {
    this.#boot = new TextEncoder().encode(bootId);
    this.#maxArgs = maxArgs;
    this.buf = new Uint8Array(capacity);
    this.#redactor = redactor;
    this.#cut = new Int32Array(2 * maxArgs);
  }

  /** Room for a record of `len` bytes? */
  fits(len: number): boolean {
    return this.pos + lineMax(len) <= this.buf.length;
  }

  #uint(n: number): void {
    // n: integer, 0 <= n < 2^53
    const b = this.buf;
    if (n < 10) {
      b[this.pos++] = 48 + n;
      return;
    }
    let digits = 1;
    for (let t = n; t >= 10; t = Math.floor(t / 10)) digits++;
    let p = this.pos + digits;
    this.pos = p;
    while (n >= 10) {
      const q = Math.floor(n / 10);
      b[--p] = 48 + (n - q * 10);
      n = q;
    }
    b[--p] = 48 + n;
  }

  #pad9(n: number): void {
    const b = this.buf;
    let p = this.pos + 9;
    this.pos = p;
    for (let i = 0; i < 9; i++) {
      const q = Math.floor(n / 10);
      b[--p] = 48 + (n - q * 10);
      n = q;
    }
  }

  /** A u64 at `off` in decimal. */
  #u64(dv: DataView, off: number): void {
    const lo = dv.getUint32(off, true);
    const hi = dv.getUint32(off + 4, true);
    if (hi < 0x200000) {
      this.#uint(hi * 4294967296 + lo);
      return;
    }
    divmod1e9(hi, lo, this.#qr);
    this.#uint(this.#qr[0]);
    this.#pad9(this.#qr[1]);
  }

  /** NUL-terminated fixed char array, escaped. */
  #cstr(u8: Uint8Array, off: number, cap: number): void {
    let end = off;
    const lim = off + cap;
    while (end < lim && u8[end] !== 0) end++;
    this.pos = escapeInto(u8, off, end, this.buf, this.pos);
  }

  /**
   * Appends the E1 line of the record at u8[off, off + len). The caller checks
   * fits(len) first.
   */
  encode(u8: Uint8Array, dv: DataView, off: number, len: number): void {
    const b = this.buf;
    b[this.pos++] = 0x45; // E
    b[this.pos++] = 0x31; // 1
    b[this.pos++] = TAB;
    // time: boot ns + offset
    divmod1e9(
      dv.getUint32(off + EV.boot_ns + 4, true),
      dv.getUint32(off + EV.boot_ns, true),
      this.#qr,
    );
    let sec = this.#qr[0] + this.offSec;
    let ns = this.#qr[1] + this.offNs;
    if (ns >= 1e9) {
      ns -= 1e9;
      sec += 1;
    }
    this.#uint(sec);
    this.#pad9(ns);
    b[this.pos++] = TAB;
    b.set(this.#boot, this.pos);
    this.pos += this.#boot.length;
    b[this.pos++] = TAB;
    this.#uint(dv.getUint32(off + EV.cpu, true));
    b[this.pos++] = TAB;
    this.#u64(dv, off + EV.seq);
    b[this.pos++] = TAB;
    this.#uint(dv.getUint32(off + EV.pid, true));
    b[this.pos++] = TAB;
    this.#uint(dv.getUint32(off + EV.ppid, true));
    b[this.pos++] = TAB;
    this.#uint(dv.getUint32(off + EV.tid, true));
    b[this.pos++] = TAB;
    this.#u64(dv, off + EV.start_ns);
    b[this.pos++] = TAB;
    this.#u64(dv, off + EV.pstart_ns);
    b[this.pos++] = TAB;
    this.#uint(dv.getUint32(off + EV.uid, true));
    b[this.pos++] = TAB;
    this.#uint(dv.getUint32(off + EV.gid, true));
    b[this.pos++] = TAB;
    this.#uint(dv.getUint32(off + EV.euid, true));
    b[this.pos++] = TAB;
    this.#uint(dv.getUint32(off + EV.egid, true));
    b[this.pos++] = TAB;
    this.#optU32(dv.getUint32(off + EV.auid, true));
    b[this.pos++] = TAB;
    this.#optU32(dv.getUint32(off + EV.sessionid, true));
    b[this.pos++] = TAB;
    this.#cstr(u8, off + EV.tty, TTY_NAME_LEN);
    b[this.pos++] = TAB;
    this.#u64(dv, off + EV.cgroup_id);
    b[this.pos++] = TAB;
    const kind = u8[off + EV.kind];
    b[this.pos++] = kind === KIND_EXECVE ? 0x65 : kind === KIND_EXECVEAT ? 0x61 : DASH;
    b[this.pos++] = TAB;
    const ret = dv.getInt32(off + EV.ret, true);
    if (ret < 0) {
      b[this.pos++] = DASH;
      this.#uint(-ret);
    } else {
      this.#uint(ret);
    }
    b[this.pos++] = TAB;
    // argv first: what is kept, what is hidden (the counts and flags come before the elements)
    const cwdLen = dv.getUint16(off + EV.cwd_len, true);
    const fnLen = dv.getUint16(off + EV.filename_len, true);
    let argsLen = dv.getUint16(off + EV.args_len, true);
    const data = off + EV.size;
    const fnStart = data + cwdLen;
    const argsStart = fnStart + fnLen;
    // never read past the record, whatever the lengths claim
    const recEnd = off + len;
    if (argsStart + argsLen > recEnd) argsLen = Math.max(0, recEnd - argsStart);
    const maxArgs = this.#maxArgs;
    const end = argsStart + argsLen;
    const red = this.#redactor;
    const cut = this.#cut;
    red?.reset();
    let n = 0;
    let bytes = 0;
    let redacted = 0;
    for (let i = argsStart; i < end && n < maxArgs;) {
      let j = i;
      while (j < end && u8[j] !== 0) j++;
      let size = j - i;
      cut[2 * n] = -1;
      if (red !== null && red.plan(u8, i, j)) {
        cut[2 * n] = red.cutStart;
        cut[2 * n + 1] = red.cutEnd;
        size += REDACTED.length - (red.cutEnd - red.cutStart);
        redacted = EF_REDACTED;
      }
      n++;
      bytes += j < end ? size + 1 : size;
      i = j + 1;
    }
    const flags = u8[off + EV.flags] | redacted;
    if (flags >= 16) b[this.pos++] = HEX[flags >> 4];
    b[this.pos++] = HEX[flags & 15];
    b[this.pos++] = TAB;
    this.#cstr(u8, off + EV.comm, TASK_COMM_LEN);
    b[this.pos++] = TAB;
    this.#cstr(u8, off + EV.pcomm, TASK_COMM_LEN);
    b[this.pos++] = TAB;

    // variable data: cwd components (leaf first), filename, args
    this.pos = escapeInto(u8, fnStart, Math.min(argsStart, recEnd), b, this.pos);
    b[this.pos++] = TAB;
    if (flags & EF_CWD) this.#cwd(u8, data, Math.min(data + cwdLen, recEnd));
    b[this.pos++] = TAB;
    this.#optU32(dv.getUint32(off + EV.argc, true));
    b[this.pos++] = TAB;
    this.#optU32(dv.getUint32(off + EV.args_size, true));
    b[this.pos++] = TAB;
    this.#uint(n);
    b[this.pos++] = TAB;
    this.#uint(bytes);
    let k = 0;
    for (let i = argsStart; i < end && k < n; k++) {
      let j = i;
      while (j < end && u8[j] !== 0) j++;
      b[this.pos++] = TAB;
      const c0 = cut[2 * k];
      if (c0 < 0) {
        this.pos = escapeInto(u8, i, j, b, this.pos);
      } else {
        this.pos = escapeInto(u8, i, c0, b, this.pos);
        b.set(REDACTED, this.pos);
        this.pos += REDACTED.length;
        this.pos = escapeInto(u8, cut[2 * k + 1], j, b, this.pos);
      }
      i = j + 1;
    }
    b[this.pos++] = TAB;
    b[this.pos++] = 0x2e; // .
    b[this.pos++] = NL;
    this.lines++;
  }

  #optU32(v: number): void {
    if (v === COUNT_UNKNOWN) this.buf[this.pos++] = DASH;
    else this.#uint(v);
  }

  /** cwd: NUL-terminated components leaf first -> "/a/b/c" ("/" when none). */
  #cwd(u8: Uint8Array, start: number, end: number): void {
    // collect component boundaries, then write them root first
    const bounds: number[] = [];
    for (let i = start; i < end;) {
      let j = i;
      while (j < end && u8[j] !== 0) j++;
      bounds.push(i, j);
      i = j + 1;
    }
    if (bounds.length === 0) {
      this.buf[this.pos++] = SLASH;
      return;
    }
    for (let c = bounds.length - 2; c >= 0; c -= 2) {
      this.buf[this.pos++] = SLASH;
      this.pos = escapeInto(u8, bounds[c], bounds[c + 1], this.buf, this.pos);
    }
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
