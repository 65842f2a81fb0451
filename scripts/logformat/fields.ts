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

/** Why a line could not be decoded. */
export interface BadLine {
  type: "bad";
  /**
   * "torn" (no end mark: cut by a crash or full disk), "unknown-kind" (a record
   * type letter this reader has no entry for), "unknown-version" (a known kind
   * of a version this reader does not read), "malformed"
   */
  reason: "torn" | "unknown-kind" | "unknown-version" | "malformed";
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

/** A number field; throws a SyntaxError naming `what` for anything else. */
export function num(f: string, what: string): number {
  if (!isInt(f)) {
    if (/^-?\d+$/.test(f)) return Number(f); // long: still a number, maybe inexact
    throw new SyntaxError(`${what} is not a number: "${f.slice(0, 40)}"`);
  }
  return Number(f);
}

/** A number field, or null for "-". */
export function optNum(f: string, what: string): number | null {
  return f === "-" ? null : num(f, what);
}

/** A decimal field kept as a string (values past 2^53); throws a SyntaxError for anything else. */
export function decimal(f: string, what: string): string {
  let ok = f.length > 0;
  for (let i = 0; ok && i < f.length; i++) {
    const c = f.charCodeAt(i);
    ok = c >= 48 && c <= 57;
  }
  if (!ok) throw new SyntaxError(`${what} is not a decimal: "${f.slice(0, 40)}"`);
  return f;
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
