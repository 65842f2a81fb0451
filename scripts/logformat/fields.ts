/**
 * What every record kind of the audit log shares (docs/log-format.md): a line
 * is TAB-separated fields, the first names the kind and its version, the last
 * is the end mark `.`; numbers are plain decimals; times are ns since the
 * epoch. The kinds (exec.ts, stats.ts) parse their fields with these.
 *
 * @module
 */

/** The last field of every typed line: a line without it was cut short (torn). */
export const END_MARK = ".";

/**
 * The longest line a reader takes, in bytes without its LF (4 MiB): far above
 * what the collector writes (argv is capped well below), low enough that a
 * corrupt or hostile file cannot make a reader hold gigabytes.
 */
export const MAX_LINE_BYTES = 4 * 1024 * 1024;

/** Why a line could not be decoded. */
export interface BadLine {
  type: "bad";
  /**
   * "torn" (no end mark: cut by a crash or full disk), "unknown-kind" (a record
   * type letter this reader has no entry for), "unknown-version" (a known kind
   * of a version this reader does not read), "malformed"
   */
  reason: "torn" | "unknown-kind" | "unknown-version" | "malformed" | "line_too_long";
  detail: string;
}

/** A BadLine of `reason` saying `detail`. */
export function badLine(reason: BadLine["reason"], detail: string): BadLine {
  return { type: "bad", reason, detail };
}

/** A line's fields (a trailing CR dropped). */
export function splitFields(line: string): string[] {
  if (line.endsWith("\r")) line = line.slice(0, -1);
  return line.split("\t");
}

/** true when the fields end with the end mark (the line is whole). */
export function hasEndMark(f: string[]): boolean {
  return f.length >= 2 && f[f.length - 1] === END_MARK;
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

/**
 * true for a plain decimal: "0" or 1..maxDigits digits without a leading zero,
 * with `signed` an optional "-" before a non-zero one (no regex: this runs per field)
 */
function isPlainDecimal(f: string, maxDigits: number, signed: boolean): boolean {
  const n = f.length;
  const i = signed && f.charCodeAt(0) === 45 ? 1 : 0;
  if (i === n || n - i > maxDigits) return false;
  if (f.charCodeAt(i) === 48) return n === 1; // "0"; never "00", "07" or "-0"
  for (let k = i; k < n; k++) {
    const c = f.charCodeAt(k);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** Most digits of a decimal field kept as a string: a u64 (18446744073709551615). */
export const U64_DIGITS = 20;
/**
 * Most digits of a time field, ns since the epoch: 19 reach the year 2286; more
 * have no ISO-8601 form.
 */
export const TIME_DIGITS = 19;

/**
 * A number field: a plain decimal, maybe negative ("-" then a non-zero one:
 * `ret` is -errno; the other fields are never negative when the collector
 * writes them, but test fixtures use negative `seq`); throws a SyntaxError
 * naming `what` for anything else ("+1", "01", "-0", "1e3", " 1", "").
 */
export function num(f: string, what: string): number {
  if (!isPlainDecimal(f, U64_DIGITS, true)) {
    throw new SyntaxError(`${what} is not a plain decimal: "${f.slice(0, 40)}"`);
  }
  return Number(f);
}

/** A number field, or null for "-". */
export function optNum(f: string, what: string): number | null {
  return f === "-" ? null : num(f, what);
}

/**
 * An unsigned decimal field kept as a string (values past 2^53), of at most
 * `maxDigits` digits; throws a SyntaxError for anything else.
 */
export function decimal(f: string, what: string, maxDigits: number = U64_DIGITS): string {
  if (!isPlainDecimal(f, maxDigits, false)) {
    throw new SyntaxError(
      `${what} is not a plain decimal of at most ${maxDigits} digits: "${f.slice(0, 40)}"`,
    );
  }
  return f;
}

/** A time field: ns since the epoch, a plain decimal of at most TIME_DIGITS digits. */
export function timeNs(f: string): string {
  return decimal(f, "time", TIME_DIGITS);
}

/** A hex field of at most `maxDigits` digits (either case); throws a SyntaxError otherwise. */
export function hex(f: string, what: string, maxDigits: number): number {
  if (f.length === 0 || f.length > maxDigits) {
    throw new SyntaxError(`${what} is not hex of 1..${maxDigits} digits: "${f.slice(0, 40)}"`);
  }
  for (let i = 0; i < f.length; i++) {
    const c = f.charCodeAt(i) | 0x20;
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) {
      throw new SyntaxError(`${what} is not hex: "${f.slice(0, 40)}"`);
    }
  }
  return parseInt(f, 16);
}

/** Byte length of a string once UTF-8 encoded (surrogate-escaped bytes count one). */
export function utf8Length(s: string): number {
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
