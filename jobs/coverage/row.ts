/**
 * The coverage row of one host: a merged {@link Summary} becomes the
 * columns, the silent spans, the verdict and its reasons.
 *
 * @module
 */

import type { Json } from "../job.ts";
import {
  counterLoss,
  decodeMinutes,
  LOSS_COUNTERS,
  MINUTES,
  seqGaps,
  type Summary,
} from "./summary.ts";

/** Verdicts, most severe first: a row's verdict is the first with a problem. */
export const VERDICTS = ["missing", "silent", "tampered", "lossy", "gappy", "complete"] as const;
export type Verdict = typeof VERDICTS[number];

/** Hosts seen within this many days before the analysed day are expected (without an inventory). */
export const SEEN_WINDOW_DAYS = 7;

/** Options of {@link coverageRow}. */
export interface RowOptions {
  /** the analysed day, when the engine has one */
  day?: string;
  /** an inventory was given: it alone says which hosts are expected */
  inventory: boolean;
  /** silent spans longer than this count (ms) */
  maxGapMs: number;
}

/** A silent span of the day: minutes [start, end). */
export interface Silence {
  start: number;
  end: number;
}

/** Maximal runs of minutes without a record, day start and end included. */
export function silences(minutes: Uint8Array): Silence[] {
  const out: Silence[] = [];
  let start = -1;
  for (let m = 0; m <= MINUTES; m++) {
    const on = m === MINUTES || (minutes[m >> 3] & (1 << (m & 7))) !== 0;
    if (!on && start < 0) start = m;
    else if (on && start >= 0) {
      out.push({ start, end: m });
      start = -1;
    }
  }
  return out;
}

const hhmm = (m: number) =>
  `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;

/** Whole days from `a` to `b` ("2026-11-20" -> "2026-11-27" = 7). */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
}

/** The row of a host, or null when the host is not to be reported (not expected any more). */
export function coverageRow(
  host: string,
  s: Summary,
  o: RowOptions,
): Record<string, Json> | null {
  const day = o.day ?? s.day;
  if (!s.seen) {
    if (o.inventory ? !s.expected : s.prev_last_seen === null) return null;
    if (
      !o.inventory && day && s.prev_last_seen &&
      !(daysBetween(s.prev_last_seen, day) <= SEEN_WINDOW_DAYS)
    ) return null;
  }
  const loss = counterLoss(s.runs);
  const gaps = seqGaps(s.seq);
  const spans = s.seen ? silences(decodeMinutes(s.minutes)) : [];
  const long = spans.filter((x) => (x.end - x.start) * 60_000 > o.maxGapMs);
  const longest = spans.reduce((n, x) => Math.max(n, x.end - x.start), 0);
  const problems: Record<Verdict, string[]> = {
    missing: [],
    silent: [],
    tampered: [],
    lossy: [],
    gappy: [],
    complete: [],
  };
  const add = (v: Verdict, n: number, what: string) => {
    if (n > 0) problems[v].push(`${what} ${n}`);
  };
  if (!s.seen) {
    problems.missing.push(
      `no data${s.prev_last_seen ? ` (last seen ${s.prev_last_seen})` : ""}`,
    );
  } else {
    if (s.exec_records === 0) problems.silent.push("no exec records");
    if (s.chain_broken > 0) {
      problems.tampered.push(`chain broken ${s.chain_broken} (${s.break_kinds.join(",")})`);
    }
    add("tampered", s.conflict_files, "conflicting copies");
    for (const c of LOSS_COUNTERS) add("lossy", loss[c], c);
    add("lossy", s.crash_lost, "crash_lost");
    add("lossy", s.e2_lost, "E2 lost");
    add("lossy", gaps, "seq gaps");
    add("lossy", s.torn, "torn lines");
    add("lossy", s.unknown_version, "unknown versions");
    add("lossy", s.unknown_kind, "unknown kinds");
    add("lossy", s.malformed, "malformed lines");
    add("lossy", s.line_too_long, "lines too long");
    add("lossy", s.corrupt_files, "corrupt files");
    add("lossy", s.outside_day, "records outside the day");
    if (long.length) {
      problems.gappy.push(
        `silent ${long.map((x) => `${hhmm(x.start)}-${hhmm(x.end)}`).join(",")}`,
      );
    }
    add("gappy", s.backwards, "clock backwards");
  }
  const verdict = VERDICTS.find((v) => problems[v].length > 0) ?? "complete";
  const notes: string[] = [];
  if (o.inventory && !s.expected) notes.push("not in inventory");
  if (s.chain_no_key > 0) notes.push(`runs without key ${s.chain_no_key}`);
  if (s.keys_unusable > 0) notes.push(`unusable escrow keys ${s.keys_unusable}`);
  const reason = [...VERDICTS.flatMap((v) => problems[v]), ...notes].join("; ");
  return {
    host,
    day: day ?? null,
    verdict,
    reason,
    in_inventory: o.inventory ? s.expected : null,
    reporting: s.seen,
    last_seen: s.seen ? day ?? null : s.prev_last_seen,
    files: s.files,
    conflict_files: s.conflict_files,
    corrupt_files: s.corrupt_files,
    records: s.records,
    exec_records: s.exec_records,
    stats_records: s.stats_records,
    first_event: s.first_ns,
    last_event: s.last_ns,
    collector_runs: s.opens,
    collector_exits: s.exits,
    collector_versions: s.versions.join(","),
    ...loss,
    crash_lost: s.crash_lost,
    e2_lost: s.e2_lost,
    seq_gaps: gaps,
    torn_lines: s.torn,
    unknown_versions: s.unknown_version,
    unknown_kinds: s.unknown_kind,
    malformed_lines: s.malformed,
    lines_too_long: s.line_too_long,
    outside_day: s.outside_day,
    clock_backwards: s.backwards,
    silent_spans: long.length,
    longest_silence_s: s.seen ? longest * 60 : null,
    silences: long.map((x) => `${hhmm(x.start)}-${hhmm(x.end)}`).join(","),
    chain_verified: s.chain_verified,
    chain_broken: s.chain_broken,
    chain_unverifiable: s.chain_unverifiable,
  };
}
