/**
 * The stats record kind `S1`: collector counters at a point in time, then
 * `key=value` fields (values escaped). See docs/log-format.md.
 *
 * @module
 */

import { escapeField, unescapeField } from "./field_escape.ts";
import { type BadLine, badLine, END_MARK, isoFromNs, timeNs } from "./fields.ts";

/** Version of the stats records. */
export const STATS_VERSION = 1;

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

/** Decodes the fields of an `S1` line (end mark checked by the caller). */
export function decodeStats(f: string[], version: number): StatsEvent | BadLine {
  if (f.length < 5) return badLine("malformed", `stats record has ${f.length} fields`);
  const values: Record<string, string> = {};
  for (const kv of f.slice(4, f.length - 1)) {
    const eq = kv.indexOf("=");
    if (eq <= 0) return badLine("malformed", `stats field "${kv}"`);
    values[kv.slice(0, eq)] = unescapeField(kv.slice(eq + 1));
  }
  return {
    type: "stats",
    version,
    time_ns: timeNs(f[1]),
    time: isoFromNs(f[1]),
    boot_id: f[2],
    reason: f[3],
    values,
  };
}

/** Encodes a stats record as an S1 line (no "\n"). */
export function encodeStats(
  timeNs: string,
  bootId: string,
  reason: string,
  values: Record<string, string | number | bigint>,
): string {
  const f = [`S${STATS_VERSION}`, timeNs, bootId, reason];
  for (const [k, v] of Object.entries(values)) f.push(`${k}=${escapeField(String(v))}`);
  f.push(END_MARK);
  return f.join("\t");
}
