/**
 * The novelty job's reduce side (docs/novelty.md).
 *
 * Step 0, one group per key (`[kind, image]` or `[kind, image, other]`):
 * today's entries (one per host that ran it, from the map side) and the
 * previous state's rows of the key (one per host, from the side input) in,
 * held as at most one small record per host; out: the key's new state rows
 * and, for each host where the key could be a finding (new on the host, new
 * in the fleet, or rare), a candidate to that host's step-1 group. An
 * example is held only while its host can still be a candidate.
 *
 * Step 0, the `baseline` group: the previous baseline row and the hosts
 * that reported today in; out: the new baseline row (when it started, day k
 * of N), the counter `novelty/baseline_day`, a status row while building,
 * and the baseline's start to each reporting host's step-1 group.
 *
 * Step 1, one group per host: the baseline's start, the host's previous
 * row and its candidates in; out: the host's new row, and the findings
 * (none while the fleet's baseline is building; no first_on_host while the
 * host's own baseline is).
 *
 * @module
 */

import type { JobContext, Json, ReduceOut } from "../job.ts";
import { bitsValue, dayNumber, dayText, parseBits, popcount, shiftBits } from "./days.ts";
import { earlier, type Example, keyText, type Kind, KINDS } from "./host_keys.ts";
import { BASELINE_KIND, HOST_KIND, NOVELTY, NOVELTY_STATE, NOVELTY_TABLE } from "./tables.ts";

/** The step-0 key of the baseline group (key groups have array keys). */
export const BASELINE_KEY = "baseline";

/** A host's entry of today (map side). */
export interface TodayValue {
  h: string;
  n: number;
  ex: Example;
}

/** A host's previous state row of a key: first and last day seen (day numbers), bitmap. */
export interface StateValue {
  h: string;
  f: number;
  l: number;
  /** bitmap, decimal text */
  b: string;
}

/** Step-0 value of a key group (packed: several hosts per value). */
export interface KeyValue {
  t?: TodayValue[];
  s?: StateValue[];
}

/** Step-0 value of the baseline group. */
export interface BaselineValue {
  hosts?: string[];
  prev?: { f: number; l: number; b: string };
}

/** A possible finding, sent to its host's step-1 group. */
export interface Candidate {
  k: "c";
  kind: Kind;
  key: string;
  fleet_new: boolean;
  host_new: boolean;
  rare: boolean;
  /** first day seen in the fleet, on the host */
  first: number;
  host_first: number;
  hosts_today: number;
  hosts_seen: number;
  days_seen: number;
  host_days: number;
  n: number;
  ex: Example;
}

/** Step-1 values. */
export type HostValue =
  | { k: "m"; since: number }
  | { k: "h"; f: number; l: number; b: string }
  | Candidate;

/** What the reduces need besides the data. */
export interface NoveltyParams {
  /** the window (and the building period), days */
  days: number;
  /** rare: seen today on fewer hosts than this */
  maxHosts: number;
}

/** The analysed day's number, or an error naming the problem. */
export function today(ctx: JobContext): number {
  const d = dayNumber(ctx.day);
  if (d === null) {
    throw new RangeError(`novelty needs the analysed day (the engine's day): got ${ctx.day}`);
  }
  return d;
}

const mask = (days: number) => (1n << BigInt(days)) - 1n;

/** Trailing zero bits of a non-zero bitmap. */
function ctz(b: bigint): number {
  let n = 0;
  while ((b & 1n) === 0n) {
    b >>= 1n;
    n++;
  }
  return n;
}

/**
 * A state row's bitmap re-anchored at today with the window's days only
 * (bits 1..days: today is bit 0, not set); null for a row that is out of
 * the window, from today or later, or malformed.
 */
function windowBits(f: number, l: number, b: string, day: number, days: number): bigint | null {
  const bits = parseBits(b);
  if (bits === null || !(f <= l) || l >= day || l < day - days) return null;
  return shiftBits(bits, l, day, days + 1);
}

/** The new state row's days and last day: today's bit with the window's; null when empty. */
function nextBits(window: bigint, seenToday: boolean, day: number, days: number) {
  const next = (window | (seenToday ? 1n : 0n)) & mask(days);
  if (next === 0n) return null;
  const back = ctz(next);
  return { last: day - back, bits: next >> BigInt(back) };
}

/** A state row (column order of the table). */
export function stateRow(
  kind: string,
  host: string | null,
  image: string | null,
  other: string | null,
  first: number,
  last: number,
  bits: bigint,
): Record<string, Json> {
  return {
    kind,
    host,
    image,
    parent_image: kind === "parent_image" ? other : null,
    user: kind === "image_user" ? other : null,
    first_seen: dayText(first),
    last_seen: dayText(last),
    days: bitsValue(bits),
  };
}

interface HostFold {
  today?: { n: number; ex: Example | null };
  state?: { f: number; bits: bigint };
}

/** Step 0's reduce of one key. */
export function reduceKey(
  key: Json,
  values: Iterable<Json>,
  out: ReduceOut,
  ctx: JobContext,
  p: NoveltyParams,
): void {
  const [kind, image, other = null] = key as [Kind, string, string | null];
  const day = today(ctx);
  const hosts = new Map<string, HostFold>();
  let hostsToday = 0;
  const fold = (h: string) => {
    let r = hosts.get(h);
    if (!r) hosts.set(h, r = {});
    return r;
  };
  for (const raw of values) {
    const v = raw as KeyValue;
    for (const t of v.t ?? []) {
      const r = fold(t.h);
      if (!r.today) {
        r.today = { n: t.n, ex: t.ex };
        if (++hostsToday === p.maxHosts) {
          // no longer rare: only hosts new to the key can be findings
          for (const x of hosts.values()) if (x.state && x.today) x.today.ex = null;
        }
      } else {
        r.today.n += t.n;
        if (r.today.ex && earlier(t.ex.time_ns, r.today.ex.time_ns)) r.today.ex = t.ex;
      }
      if (r.state && hostsToday >= p.maxHosts) r.today.ex = null;
    }
    for (const s of v.s ?? []) {
      const bits = windowBits(s.f, s.l, s.b, day, p.days);
      if (bits === null) {
        ctx.counters.inc("novelty", "previous_rows_out_of_window");
        continue;
      }
      const r = fold(s.h);
      if (r.state) { // a duplicate row: both count
        r.state.f = Math.min(r.state.f, s.f);
        r.state.bits |= bits;
      } else r.state = { f: s.f, bits };
      if (r.today && hostsToday >= p.maxHosts) r.today.ex = null;
    }
  }
  let first = day, hostsSeen = 0, fleetBits = 0n;
  for (const r of hosts.values()) {
    if (!r.state) continue;
    hostsSeen++;
    first = Math.min(first, r.state.f);
    fleetBits |= r.state.bits;
  }
  const rare = hostsToday < p.maxHosts;
  const fleetNew = hostsSeen === 0;
  const text = keyText(kind, image, other);
  for (const [h, r] of hosts) {
    const window = r.state?.bits ?? 0n;
    const next = nextBits(window, r.today !== undefined, day, p.days);
    if (next) {
      out.row(
        NOVELTY_STATE,
        stateRow(kind, h, image, other, r.state?.f ?? day, next.last, next.bits),
      );
      ctx.counters.inc("novelty", "state_rows");
    } else ctx.counters.inc("novelty", "state_rows_expired");
    const ex = r.today?.ex;
    if (!ex || !(fleetNew || !r.state || rare)) continue;
    const c: Candidate = {
      k: "c",
      kind,
      key: text,
      fleet_new: fleetNew,
      host_new: !r.state,
      rare,
      first,
      host_first: r.state?.f ?? day,
      hosts_today: hostsToday,
      hosts_seen: hostsSeen,
      days_seen: popcount(fleetBits),
      host_days: popcount(window),
      n: r.today!.n,
      ex,
    };
    out.emit(h, c as unknown as Json);
  }
}

/** The baseline's start and where today is in it. */
export interface Baseline {
  since: number;
  /** today is day k of the baseline (1: its first) */
  k: number;
  building: boolean;
}

/** Step 0's reduce of the baseline group. */
export function reduceBaseline(
  values: Iterable<Json>,
  out: ReduceOut,
  ctx: JobContext,
  p: NoveltyParams,
): Baseline {
  const day = today(ctx);
  const hosts = new Set<string>();
  let prev: BaselineValue["prev"] | undefined;
  for (const raw of values) {
    const v = raw as BaselineValue;
    for (const h of v.hosts ?? []) hosts.add(h);
    if (v.prev && (!prev || v.prev.l > prev.l)) prev = v.prev;
  }
  const carried = prev !== undefined && prev.l === day - 1 && prev.f <= prev.l;
  if (!carried) ctx.counters.inc("novelty", prev ? "stale_previous_baseline" : "new_baseline");
  const since = carried ? prev!.f : day;
  const k = day - since + 1;
  const building = k <= p.days;
  ctx.counters.inc("novelty", "baseline_day", k);
  ctx.counters.inc("novelty", "window_days", p.days);
  ctx.counters.inc("novelty", "hosts_today", hosts.size);
  if (building) ctx.counters.inc("novelty", "building");
  const window = carried ? windowBits(prev!.f, prev!.l, prev!.b, day, p.days) ?? 0n : 0n;
  // last_seen is the state's day, data or not (the next day checks the chain by it);
  // bit i: hosts reported on day last_seen - i
  const bits = (window | (hosts.size > 0 ? 1n : 0n)) & mask(p.days);
  out.row(NOVELTY_STATE, stateRow(BASELINE_KIND, null, null, null, since, day, bits));
  if (building) out.row(NOVELTY, statusRow(since, k, p.days, hosts.size));
  for (const h of [...hosts].sort()) out.emit(h, { k: "m", since });
  return { since, k, building };
}

/** The findings table's row while the baseline is building (the only row then). */
export function statusRow(since: number, k: number, days: number, hosts: number) {
  const row: Record<string, Json> = Object.fromEntries(
    NOVELTY_TABLE.columns.map((c) => [c.name, null]),
  );
  return {
    ...row,
    key: `baseline building: day ${k} of ${days}, findings from ${dayText(since + days)}`,
    first_seen: dayText(since),
    days_seen: k,
    hosts_today: hosts,
    building: true,
  };
}

/** Step 1's reduce of one host. */
export function reduceHost(
  host: string,
  values: Iterable<Json>,
  out: ReduceOut,
  ctx: JobContext,
  p: NoveltyParams,
): void {
  const day = today(ctx);
  let since: number | null = null;
  let prev: { f: number; bits: bigint } | null = null;
  const candidates: Candidate[] = [];
  for (const raw of values) {
    const v = raw as HostValue;
    if (v.k === "m") since = v.since;
    else if (v.k === "h") {
      const bits = windowBits(v.f, v.l, v.b, day, p.days);
      if (bits === null) ctx.counters.inc("novelty", "previous_rows_out_of_window");
      else if (!prev) prev = { f: v.f, bits };
      else prev = { f: Math.min(prev.f, v.f), bits: prev.bits | bits }; // a duplicate: both count
    } else candidates.push(v);
  }
  const reporting = since !== null;
  const hostSince = prev?.f ?? day;
  const next = nextBits(prev?.bits ?? 0n, reporting, day, p.days);
  if (next) {
    out.row(NOVELTY_STATE, stateRow(HOST_KIND, host, null, null, hostSince, next.last, next.bits));
  }
  if (!candidates.length) return;
  if (since === null) { // cannot happen: a host's keys and its baseline marker leave one flush
    ctx.counters.inc("novelty", "candidates_without_baseline", candidates.length);
    return;
  }
  if (day - since + 1 <= p.days) {
    ctx.counters.inc("novelty", "suppressed_building", candidates.length);
    return;
  }
  const hostBuilding = day - hostSince + 1 <= p.days;
  const order = (c: Candidate) => KINDS.indexOf(c.kind);
  candidates.sort((a, b) => order(a) - order(b) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (const c of candidates) {
    const finding = c.fleet_new
      ? "first_in_fleet"
      : c.host_new && !hostBuilding
      ? "first_on_host"
      : c.rare
      ? "rare"
      : null;
    if (finding === null) {
      ctx.counters.inc("novelty", "suppressed_host_building");
      continue;
    }
    ctx.counters.inc("novelty", finding);
    out.row(NOVELTY, {
      kind: c.kind,
      finding,
      host,
      key: c.key,
      image: c.ex.image,
      parent_image: c.ex.parent_image,
      user: c.ex.user,
      first_seen: dayText(c.first),
      first_seen_on_host: dayText(c.host_first),
      hosts_today: c.hosts_today,
      hosts_seen: c.hosts_seen,
      days_seen: c.days_seen,
      days_seen_on_host: c.host_days,
      execs_today: c.n,
      rare: c.rare,
      example_exec_id: c.ex.exec_id,
      example_time: c.ex.time_ns,
      example_command_line: c.ex.command_line,
      example_command_line_cut: c.ex.command_line_cut,
      ancestors: c.ex.ancestors,
      chain_end: c.ex.chain_end,
      building: false,
    });
  }
}
