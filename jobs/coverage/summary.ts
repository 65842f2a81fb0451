/**
 * The coverage job's shuffle value: what one map task knows of one host's
 * day, small and independent of the number of events, and an associative
 * merge (the reducer folds the values of a host in any order; markers of
 * inventory and previous-day hosts are summaries too).
 *
 * @module
 */

/** The S1 loss counters, cumulative per collector run (docs/log-format.md). */
export const LOSS_COUNTERS = [
  "rb_lost",
  "enter_lost",
  "queue_lost",
  "write_lost",
  "disk_dropped",
] as const;
export type LossCounter = typeof LOSS_COUNTERS[number];

/** Minutes in a day: the resolution of silent spans. */
export const MINUTES = 1440;

/** One collector run's S1 counters seen on the day: at its first record and at its last. */
export interface RunCounters {
  /** time of the first and last record of the run seen (ns, decimal) */
  f: string;
  l: string;
  /** counters at the first record (0 when that record is the run's `open`), in LOSS_COUNTERS order */
  base: number[];
  /** counters at the last record */
  last: number[];
}

/** Per (boot, cpu, seq epoch): the lowest and highest seq seen and how many records. */
export type SeqRange = [min: number, max: number, count: number];

/** What is known of one host's day. */
export interface Summary {
  /** the host is in the inventory */
  expected: boolean;
  /** latest `last_seen` of the host in the previous day's table, null when none */
  prev_last_seen: string | null;
  /** files of the host were read today */
  seen: boolean;
  /** the UTC day of the data (ctx.day, else the first record's), null when unknown */
  day: string | null;
  files: number;
  conflict_files: number;
  corrupt_files: number;
  records: number;
  exec_records: number;
  stats_records: number;
  first_ns: string | null;
  last_ns: string | null;
  /** S1 open and exit records */
  opens: number;
  exits: number;
  /** collector versions named by open records, sorted */
  versions: string[];
  /** S1 counters per collector run (nonce, else boot and open time) */
  runs: Record<string, RunCounters>;
  /** `crash_lost` of open records, summed */
  crash_lost: number;
  /** E2 `lost` fields, summed */
  e2_lost: number;
  /** seq ranges by "boot/cpu/epoch" */
  seq: Record<string, SeqRange>;
  torn: number;
  unknown_version: number;
  unknown_kind: number;
  malformed: number;
  line_too_long: number;
  outside_day: number;
  /** records whose time is before the previous one of the same (boot, cpu) */
  backwards: number;
  /** minutes of the day with a record: MINUTES bits, base64 ("" = none) */
  minutes: string;
  chain_verified: number;
  chain_broken: number;
  chain_unverifiable: number;
  /** runs whose chain has no usable escrowed key */
  chain_no_key: number;
  /** escrow files that could not be read or opened */
  keys_unusable: number;
  /** kinds of chain breaks seen, sorted */
  break_kinds: string[];
}

/** A summary that knows nothing. */
export function emptySummary(): Summary {
  return {
    expected: false,
    prev_last_seen: null,
    seen: false,
    day: null,
    files: 0,
    conflict_files: 0,
    corrupt_files: 0,
    records: 0,
    exec_records: 0,
    stats_records: 0,
    first_ns: null,
    last_ns: null,
    opens: 0,
    exits: 0,
    versions: [],
    runs: {},
    crash_lost: 0,
    e2_lost: 0,
    seq: {},
    torn: 0,
    unknown_version: 0,
    unknown_kind: 0,
    malformed: 0,
    line_too_long: 0,
    outside_day: 0,
    backwards: 0,
    minutes: "",
    chain_verified: 0,
    chain_broken: 0,
    chain_unverifiable: 0,
    chain_no_key: 0,
    keys_unusable: 0,
    break_kinds: [],
  };
}

/** Compares decimal strings of non-negative whole numbers. */
export function cmpNs(a: string, b: string): number {
  return a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;
}

const minNs = (a: string | null, b: string | null) =>
  a === null ? b : b === null ? a : cmpNs(a, b) <= 0 ? a : b;
const maxNs = (a: string | null, b: string | null) =>
  a === null ? b : b === null ? a : cmpNs(a, b) >= 0 ? a : b;
const union = (a: string[], b: string[]) => [...new Set([...a, ...b])].sort();
const maxText = (a: string | null, b: string | null) =>
  a === null ? b : b === null ? a : a >= b ? a : b;

/** The minute bitmap of a summary. */
export function decodeMinutes(b64: string): Uint8Array {
  const out = new Uint8Array(MINUTES / 8);
  if (b64) out.set(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)).subarray(0, out.length));
  return out;
}

/** A minute bitmap as summary text ("" when empty). */
export function encodeMinutes(bits: Uint8Array): string {
  return bits.some((x) => x !== 0) ? btoa(String.fromCharCode(...bits)) : "";
}

/** The numeric fields merged by sum. */
const SUMS = [
  "files",
  "conflict_files",
  "corrupt_files",
  "records",
  "exec_records",
  "stats_records",
  "opens",
  "exits",
  "crash_lost",
  "e2_lost",
  "torn",
  "unknown_version",
  "unknown_kind",
  "malformed",
  "line_too_long",
  "outside_day",
  "backwards",
  "chain_verified",
  "chain_broken",
  "chain_unverifiable",
  "chain_no_key",
  "keys_unusable",
] as const satisfies readonly (keyof Summary)[];

/** `a` and `b` merged (associative and commutative); neither is changed. */
export function mergeSummaries(a: Summary, b: Summary): Summary {
  const m: Summary = { ...a };
  for (const k of SUMS) m[k] = a[k] + b[k];
  m.expected = a.expected || b.expected;
  m.seen = a.seen || b.seen;
  m.prev_last_seen = maxText(a.prev_last_seen, b.prev_last_seen);
  m.day = minText(a.day, b.day);
  m.first_ns = minNs(a.first_ns, b.first_ns);
  m.last_ns = maxNs(a.last_ns, b.last_ns);
  m.versions = union(a.versions, b.versions);
  m.break_kinds = union(a.break_kinds, b.break_kinds);
  m.runs = { ...a.runs };
  for (const [k, r] of Object.entries(b.runs)) {
    const o = m.runs[k];
    if (!o) m.runs[k] = r;
    else {
      const firstA = cmpNs(o.f, r.f) <= 0;
      const lastA = cmpNs(o.l, r.l) >= 0;
      m.runs[k] = {
        f: firstA ? o.f : r.f,
        base: firstA ? o.base : r.base,
        l: lastA ? o.l : r.l,
        last: lastA ? o.last : r.last,
      };
    }
  }
  m.seq = { ...a.seq };
  for (const [k, s] of Object.entries(b.seq)) {
    const o = m.seq[k];
    m.seq[k] = o ? [Math.min(o[0], s[0]), Math.max(o[1], s[1]), o[2] + s[2]] : s;
  }
  if (!a.minutes) m.minutes = b.minutes;
  else if (b.minutes) {
    const x = decodeMinutes(a.minutes);
    const y = decodeMinutes(b.minutes);
    for (let i = 0; i < x.length; i++) x[i] |= y[i];
    m.minutes = encodeMinutes(x);
  }
  return m;
}

function minText(a: string | null, b: string | null): string | null {
  return a === null ? b : b === null ? a : a <= b ? a : b;
}

/** Events missing by seq: over every (boot, cpu, epoch), numbers in its range not seen. */
export function seqGaps(seq: Record<string, SeqRange>): number {
  let n = 0;
  for (const [min, max, count] of Object.values(seq)) n += Math.max(0, max - min + 1 - count);
  return n;
}

/** Loss per S1 counter over the day: per run, last minus first value seen, summed. */
export function counterLoss(runs: Record<string, RunCounters>): Record<LossCounter, number> {
  const out = Object.fromEntries(LOSS_COUNTERS.map((c) => [c, 0])) as Record<LossCounter, number>;
  for (const r of Object.values(runs)) {
    LOSS_COUNTERS.forEach((c, i) => out[c] += Math.max(0, (r.last[i] ?? 0) - (r.base[i] ?? 0)));
  }
  return out;
}
