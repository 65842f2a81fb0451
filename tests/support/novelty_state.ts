/**
 * A realistic `novelty_state` (the novelty job's baseline) of a fleet, as
 * the table holds it, so a benchmark or a test can run the job on a day with
 * an established 30-day baseline without 30 days of logs. Per host: the
 * keys its synthetic log (synth_log.ts) makes, found by the job's own map
 * side over a sample of it, seen every day of the window (the programs a
 * host runs daily); plus extra keys seen on a few days only (tools from a
 * fleet-wide pool, so some are shared, others rare), some already out of
 * use for days; its host row; and the fleet's baseline row, started well
 * before the window. Deterministic for a seed.
 *
 * @module
 */

import type { Json } from "../../jobs/job.ts";
import { decodeLine } from "../../scripts/logformat/mod.ts";
import type { ExecRecord } from "../../jobs/events.ts";
import { HostKeys } from "../../jobs/novelty/host_keys.ts";
import { stateRow } from "../../jobs/novelty/reduce.ts";
import { BASELINE_KIND, HOST_KIND } from "../../jobs/novelty/tables.ts";
import { dayNumber } from "../../jobs/novelty/days.ts";
import { prng, synthLines } from "./synth_log.ts";

/** Options of {@link noveltyState}. */
export interface NoveltyStateOptions {
  /** host names (e.g. gen_day.ts hostNames()) */
  hosts: readonly string[];
  /** the state's day: the day before the one the job is run for ("2026-11-26") */
  day: string;
  /** the window, days. @default 30 */
  days?: number;
  /** events of a host's synthetic log read to find its daily keys. @default 3000 */
  sampleEvents?: number;
  /** extra keys per host, seen on some days only. @default 300 */
  extraKeys?: number;
  /** @default 1 */
  seed?: number;
}

const TOOLS = ["backup", "report", "sync", "probe", "migrate", "export", "index", "scan"];

/** The state rows, in no particular order. */
export function noveltyState(o: NoveltyStateOptions): Record<string, Json>[] {
  const day = dayNumber(o.day);
  if (day === null) throw new RangeError(`noveltyState: not a day: ${o.day}`);
  const days = o.days ?? 30;
  const seed = o.seed ?? 1;
  const r = prng(seed);
  const all = (1n << BigInt(days)) - 1n;
  const since = day - days - 10; // the baseline started 10 days before the window
  const startNs = String(BigInt(day) * 86_400_000_000_000n);
  const rows: Record<string, Json>[] = [];
  o.hosts.forEach((host, h) => {
    const keys = new HostKeys();
    keys.enter(host);
    let line = 0;
    for (
      const l of synthLines({
        startNs,
        count: o.sampleEvents ?? 3000,
        seed: seed * 100_003 + h,
        suspiciousShare: 0.02,
      })
    ) {
      const ev = decodeLine(l);
      if (ev.type !== "exec") continue;
      keys.add({ ...ev, host, file: "sample.log", line: ++line } as ExecRecord);
    }
    for (const e of keys.drain()) {
      // common keys daily; the ones seen a few times in the sample on some days
      const bits = e.n >= 5 ? all : sparse(r, days);
      rows.push(stateRow(e.kind, host, e.image, e.other, since, day, bits));
    }
    for (let i = 0; i < (o.extraKeys ?? 300); i++) {
      const tool = `/opt/tools/${TOOLS[i % TOOLS.length]}-${Math.floor(r() * 400)}/bin/run`;
      const back = Math.floor(r() * days); // last seen this many days before the state's day
      const last = day - back;
      const first = last - Math.floor(r() * (last - since + 1)); // kept from before the window too
      const bits = sparse(r, Math.min(days - back, last - first + 1));
      const kind = (["image", "parent_image", "image_user"] as const)[i % 3];
      const other = kind === "image"
        ? null
        : kind === "parent_image"
        ? pickParent(r)
        : String(1000 + Math.floor(r() * 10));
      rows.push(stateRow(kind, host, tool, other, first, last, bits));
    }
    rows.push(stateRow(HOST_KIND, host, null, null, since, day, all));
  });
  rows.push(stateRow(BASELINE_KIND, null, null, null, since, day, all));
  return dedupe(rows);
}

/** A bitmap anchored at its last day (bit 0 set), with a few of the `span` - 1 days before it. */
function sparse(r: () => number, span: number): bigint {
  let bits = 1n;
  for (let i = 1; i < span; i++) if (r() < 0.15) bits |= 1n << BigInt(i);
  return bits;
}

const PARENTS = ["/usr/bin/bash", "/usr/sbin/cron", "[not in data: pcomm systemd]"];
const pickParent = (r: () => number) => PARENTS[Math.floor(r() * PARENTS.length)];

/** One row per (kind, host, key): an extra key may repeat. */
function dedupe(rows: Record<string, Json>[]): Record<string, Json>[] {
  const seen = new Map<string, Record<string, Json>>();
  for (const row of rows) {
    const k = JSON.stringify([row.kind, row.host, row.image, row.parent_image, row.user]);
    if (!seen.has(k)) seen.set(k, row);
  }
  return [...seen.values()];
}
