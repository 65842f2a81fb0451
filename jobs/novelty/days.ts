/**
 * Days of the novelty state: UTC days as numbers (days since 1970-01-01),
 * and the days-seen bitmap of a state row, a long whose bit i says "seen on
 * the row's last_seen day minus i" (bit 0 is last_seen itself). Windows are
 * at most 62 days, so a bitmap fits a signed 64-bit long.
 *
 * @module
 */

import type { Json } from "../job.ts";

/** The longest window a bitmap holds. */
export const MAX_WINDOW_DAYS = 62;

const MS_PER_DAY = 86_400_000;

/** The day number of "YYYY-MM-DD"; null when it is not a calendar day. */
export function dayNumber(day: unknown): number | null {
  if (typeof day !== "string" || !/^\d{4}-\d\d-\d\d$/.test(day)) return null;
  const ms = Date.parse(`${day}T00:00:00Z`);
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== day) return null;
  return ms / MS_PER_DAY;
}

/** "YYYY-MM-DD" of a day number. */
export function dayText(n: number): string {
  return new Date(n * MS_PER_DAY).toISOString().slice(0, 10);
}

/** A bitmap of a row (a number, or a decimal string as side inputs hand longs); null when not one. */
export function parseBits(v: Json | undefined): bigint | null {
  if (typeof v === "number" && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  if (typeof v === "string" && /^\d{1,19}$/.test(v)) return BigInt(v);
  return null;
}

/** A bitmap as a row value: a number when exact, else its decimal text. */
export function bitsValue(b: bigint): number | string {
  return b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b.toString();
}

/**
 * A bitmap anchored at day `from` re-anchored at the later day `to`, keeping
 * only the `window` days up to `to` (bits of earlier days are dropped).
 */
export function shiftBits(bits: bigint, from: number, to: number, window: number): bigint {
  const moved = bits << BigInt(to - from);
  return moved & ((1n << BigInt(window)) - 1n);
}

/** Days set in a bitmap. */
export function popcount(b: bigint): number {
  let n = 0;
  for (let x = b; x > 0n; x >>= 32n) {
    let w = Number(x & 0xffffffffn);
    w -= (w >>> 1) & 0x55555555;
    w = (w & 0x33333333) + ((w >>> 2) & 0x33333333);
    n += (((w + (w >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
  }
  return n;
}
