/**
 * Map-only job: one row per S1 record (collector statistics) of the day,
 * table `collector_stats`: the known counters as long columns (null when the
 * record has none), the collector's version label (`open` records), and the
 * record's whole `key=value` map as JSON so nothing is lost.
 *
 * @module
 */

import type { Job, JobSpec, Json, Table } from "./job.ts";
import type { StatsEvent } from "../scripts/logformat/mod.ts";

/** The S1 counters of docs/log-format.md, each a long column of the same name. */
export const STATS_COUNTERS = [
  "events",
  "kernel_events",
  "rb_lost",
  "enter_lost",
  "argv_faults",
  "queue_lost",
  "write_lost",
  "disk_dropped",
  "torn_closed",
  "reopens",
  "reopen_failures",
  "crash_lost",
  "stats_reset",
  "ia32",
  "seg",
  "seg_lines",
  "seg_bytes",
] as const;

export const COLLECTOR_STATS_TABLE: Table = {
  name: "collector_stats",
  description: "one row per S1 (collector statistics) record of the day",
  clusterBy: ["host", "time"],
  columns: [
    { name: "host", type: "string", description: "host (layout directory)" },
    { name: "time", type: "timestamp", description: "time of the record" },
    { name: "time_ns", type: "long", description: "time of the record, ns since the epoch" },
    { name: "boot_id", type: "string", description: "boot id" },
    { name: "reason", type: "string", description: "open, periodic, close, reopen, resume, ..." },
    { name: "version", type: "int", description: "record format version (S1: 1)" },
    {
      name: "collector_version",
      type: "string",
      description: "the collector's version label (`version=`, open records), null when absent",
    },
    { name: "nonce", type: "string", description: "the run's chain nonce, null when unchained" },
    ...STATS_COUNTERS.map((c) => ({
      name: c,
      type: "long" as const,
      description: `counter \`${c}\` (docs/log-format.md), null when absent or not a number`,
    })),
    { name: "pin_error", type: "string", description: "why pinning failed (open), else null" },
    {
      name: "values",
      type: "string",
      description: "every key=value of the record as a JSON object, keys sorted",
    },
    { name: "file", type: "string", description: "file the record was read from" },
    { name: "line", type: "long", description: "1-based line in that file" },
  ],
};

/** A counter's value as a long (decimal string), null when absent or not a whole number. */
export function counterValue(v: string | undefined): string | null {
  return v !== undefined && /^-?\d{1,20}$/.test(v) ? v.replace(/^(-?)0+(?=\d)/, "$1") : null;
}

/** The record's values as JSON with sorted keys. */
export function sortedValuesJson(values: Record<string, string>): string {
  const sorted: Record<string, string> = {};
  for (const k of Object.keys(values).sort()) sorted[k] = values[k];
  return JSON.stringify(sorted);
}

/** The row of one S1 record. */
export function statsRow(
  r: StatsEvent & { host: string; file: string; line: number },
): Record<string, Json> {
  const v = r.values;
  const row: Record<string, Json> = {
    host: r.host,
    time: r.time_ns,
    time_ns: r.time_ns,
    boot_id: r.boot_id,
    reason: r.reason,
    version: r.version,
    collector_version: Object.hasOwn(v, "version") ? v.version : null,
    nonce: Object.hasOwn(v, "nonce") ? v.nonce : null,
  };
  for (const c of STATS_COUNTERS) row[c] = counterValue(Object.hasOwn(v, c) ? v[c] : undefined);
  row.pin_error = Object.hasOwn(v, "pin_error") ? v.pin_error : null;
  row.values = sortedValuesJson(v);
  row.file = r.file;
  row.line = r.line;
  return row;
}

/** The job. */
export function collectorStats(): Job {
  return {
    name: "collector_stats",
    description: "one row per S1 collector statistics record",
    tables: [COLLECTOR_STATS_TABLE],
    steps: [],
    map(r, out, ctx) {
      if (r.type !== "stats") return;
      ctx.counters.inc("collector_stats", "rows");
      out.row("collector_stats", statsRow(r));
    },
  };
}

/** The job's spec (no parameters). */
export const spec: JobSpec = {
  name: "collector_stats",
  description: "one row per S1 collector statistics record (counters, version, all values)",
  params: {},
  create: () => collectorStats(),
};
