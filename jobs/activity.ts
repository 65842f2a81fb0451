/**
 * The `activity` job: exec records per host and UTC hour (successful and
 * failed), the report's "events per hour" charts and a table anyone can
 * query for a host's rhythm. An hour without a row had no exec record.
 * Counted on the map side per host (a host's files are one map task), one
 * shuffle of at most 24 values per host and hour.
 *
 * @module
 */

import type { Job, JobSpec, Json, MapOut, Table } from "./job.ts";
import { isExec } from "./events.ts";

export const ACTIVITY_TABLE: Table = {
  name: "activity",
  description: "exec records per host and UTC hour of the day",
  clusterBy: ["host", "hour"],
  columns: [
    { name: "host", type: "string", description: "host (layout directory)" },
    { name: "hour", type: "timestamp", description: "start of the UTC hour" },
    { name: "events", type: "long", description: "exec records in the hour (failed ones too)" },
    { name: "failed", type: "long", description: "failed execs among them" },
  ],
};

const HOUR_S = 3600;

/** The start of the UTC hour of `timeNs` (ns since the epoch, decimal), in ns. */
export function hourOf(timeNs: string): string {
  const s = timeNs.length > 9 ? Number(timeNs.slice(0, -9)) : 0;
  const h = s - (s % HOUR_S);
  return h === 0 ? "0" : `${h}000000000`;
}

/** The job. */
export function activity(): Job {
  let host: string | null = null;
  let hours = new Map<string, [number, number]>();
  const flush = (out: MapOut) => {
    for (const [hour, [events, failed]] of hours) out.emit([host!, hour], [events, failed]);
    hours = new Map();
  };
  const sum = (values: Iterable<Json>): [number, number] => {
    let e = 0, f = 0;
    for (const v of values) {
      const [a, b] = v as [number, number];
      e += a;
      f += b;
    }
    return [e, f];
  };
  return {
    name: "activity",
    description: "exec records per host and hour",
    tables: [ACTIVITY_TABLE],
    map(r, out) {
      if (!isExec(r)) return;
      if (r.host !== host) {
        flush(out);
        host = r.host;
      }
      const h = hourOf(r.time_ns);
      const c = hours.get(h);
      const failed = r.version > 0 && r.ret < 0 ? 1 : 0;
      if (c) {
        c[0]++;
        c[1] += failed;
      } else hours.set(h, [1, failed]);
    },
    mapEnd(out) {
      flush(out);
      host = null;
    },
    steps: [{
      reduce(key, values, out) {
        const [h, hour] = key as [string, string];
        const [events, failed] = sum(values);
        out.row("activity", { host: h, hour, events, failed });
      },
    }],
  };
}

/** The job's spec (no parameters). */
export const spec: JobSpec = {
  name: "activity",
  description: "exec records per host and UTC hour (table activity)",
  params: {},
  create: () => activity(),
};
