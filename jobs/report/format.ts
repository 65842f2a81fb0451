/**
 * Number and time formats of the page (the page's script formats numbers
 * the same way: `Intl.NumberFormat("en-US")`).
 *
 * @module
 */

const NUMBER = new Intl.NumberFormat("en-US");

/** 12345 -> "12,345". */
export function int(n: number): string {
  return NUMBER.format(n);
}

/** "n things" with the plural `s` when n != 1. */
export function plural(n: number, thing: string, things = thing + "s"): string {
  return `${int(n)} ${n === 1 ? thing : things}`;
}

/** ns since the epoch -> "2026-11-27 12:34:56.789" (UTC). */
export function dateTime(t: bigint): string {
  const ms = Number(t / 1_000_000n);
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return String(t);
  return d.toISOString().replace("T", " ").replace("Z", "");
}

/** ns since the epoch -> "12:34:56" when on `day`, else the full {@link dateTime} (UTC). */
export function timeOfDay(t: bigint, day: string): string {
  const full = dateTime(t);
  return full.startsWith(day + " ") ? full.slice(day.length + 1, day.length + 9) : full;
}

/** The start of a UTC day ("2026-11-27") in ns since the epoch, or null for a bad day. */
export function dayStartNs(day: string): bigint | null {
  const ms = Date.parse(day + "T00:00:00Z");
  return /^\d{4}-\d{2}-\d{2}$/.test(day) && Number.isFinite(ms) ? BigInt(ms) * 1_000_000n : null;
}

/** Seconds -> "3 h 05 min", "12 min", "45 s". */
export function duration(s: number): string {
  if (s < 60) return `${Math.round(s)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, "0")} min`;
}

/** Bytes -> "1.2 MiB". */
export function bytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB"];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(1)} ${units[u]}`;
}
