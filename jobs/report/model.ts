/**
 * The report's view of the job tables: typed records built once from the
 * rows ({@link buildModel}), shared by the sections. A table that is absent
 * is `null` here (its job did not run); a column that is absent or of the
 * wrong type is null in its record.
 *
 * @module
 */

import { VERDICTS } from "../coverage/row.ts";
import { LOSS_COUNTERS } from "../coverage/summary.ts";
import { dayStartNs } from "./format.ts";
import { bool, ns, num, type ReportInput, type Row, str, strs } from "./input.ts";

export { VERDICTS };

/** Sigma levels, most severe first. */
export const LEVELS = ["critical", "high", "medium", "low", "informational"] as const;
/** Novelty findings, most notable first. */
export const NOVELTY_FINDINGS = ["first_in_fleet", "first_on_host", "rare"] as const;
/** Novelty kinds (what is new). */
export const NOVELTY_KINDS = ["image", "parent_image", "image_user"] as const;
/** Coverage columns counting events lost (never written, or missing from the seq numbering). */
export const LOST_EVENT_COLUMNS = [...LOSS_COUNTERS, "crash_lost", "e2_lost", "seq_gaps"] as const;
/** Coverage columns counting damaged input (lines or files not read as records). */
export const BAD_INPUT_COLUMNS = [
  "torn_lines",
  "malformed_lines",
  "lines_too_long",
  "unknown_versions",
  "unknown_kinds",
  "corrupt_files",
] as const;
/** What the lineage `chain_end` values mean. */
export const CHAIN_ENDS: Record<string, string> = {
  not_in_data: "the next parent's exec is not in the data (started before the previous day?)",
  root: "reached pid 1 / no parent",
  max_depth: "cut at the lineage job's maximum depth",
  cycle: "a cycle in the parent links (pid reuse?)",
};

/** Position of `v` in `order` (unknown values and null after every known one). */
export function rank(order: readonly string[], v: string | null): number {
  const i = v === null ? -1 : order.indexOf(v);
  return i < 0 ? order.length : i;
}

/** Minutes [start, end) of the day. */
export interface Span {
  start: number;
  end: number;
}

/** One host's coverage row. */
export interface HostDay {
  host: string;
  verdict: string | null;
  reason: string | null;
  inInventory: boolean | null;
  reporting: boolean | null;
  lastSeen: string | null;
  records: number | null;
  execRecords: number | null;
  firstEvent: bigint | null;
  lastEvent: bigint | null;
  /** LOST_EVENT_COLUMNS present in the row */
  lost: Partial<Record<string, number>>;
  lostTotal: number;
  /** BAD_INPUT_COLUMNS present in the row */
  bad: Partial<Record<string, number>>;
  badTotal: number;
  silentSpans: number | null;
  longestSilenceS: number | null;
  silences: Span[];
  /** the `silences` column as given */
  silencesText: string | null;
  chainBroken: number | null;
}

/** Events per UTC hour of the day (index 0..23). */
export interface Hours {
  events: number[];
  failed: number[];
}

/** One `sigma_matches` row. */
export interface Finding {
  ruleId: string | null;
  title: string | null;
  level: string | null;
  status: string | null;
  tags: string[];
  author: string | null;
  host: string | null;
  time: bigint | null;
  execId: string | null;
  pid: number | null;
  user: string | null;
  image: string | null;
  commandLine: string | null;
  cwd: string | null;
  parentExecId: string | null;
  parentImage: string | null;
  parentCommandLine: string | null;
  /** images, parent first */
  ancestors: string[];
  ancestorExecIds: string[];
  chainEnd: string | null;
  failed: boolean | null;
}

/** One `sigma_rules` row. */
export interface RuleRow {
  ruleId: string | null;
  title: string | null;
  level: string | null;
  status: string | null;
  file: string | null;
  category: string | null;
  evaluated: boolean | null;
  reason: string | null;
  matches: number | null;
}

/** One `novelty` row. */
export interface NoveltyRow {
  kind: string | null;
  finding: string | null;
  host: string | null;
  key: string | null;
  image: string | null;
  parentImage: string | null;
  user: string | null;
  firstSeen: string | null;
  firstSeenOnHost: string | null;
  hostsToday: number | null;
  hostsSeen: number | null;
  daysSeen: number | null;
  execsToday: number | null;
  exampleExecId: string | null;
  exampleTime: bigint | null;
  exampleCommandLine: string | null;
  ancestors: string[];
  building: boolean | null;
}

/** An exec of the lineage table (the findings' ancestors, with their command lines). */
export interface LineageExec {
  image: string | null;
  commandLine: string | null;
  time: bigint | null;
  pid: number | null;
}

/** What the page is made of. */
export interface Model {
  day: string;
  /** ns of the day's start, null when `day` is not a date */
  dayStart: bigint | null;
  /** the input has the table (its job ran) */
  has(table: string): boolean;
  /** rows of the table dropped by the engine's cap */
  dropped(table: string): number;
  hosts: HostDay[] | null;
  /** events per hour by host (table activity) */
  activity: Map<string, Hours> | null;
  findings: Finding[] | null;
  rules: RuleRow[] | null;
  novelty: NoveltyRow[] | null;
  lineage: Map<string, LineageExec> | null;
  counters: [string, number][];
  notes: string[];
}

/** "HH:MM-HH:MM,HH:MM-HH:MM" -> spans (malformed parts skipped). */
export function parseSilences(s: string | null): Span[] {
  if (!s) return [];
  const out: Span[] = [];
  for (const part of s.split(",")) {
    const m = /^\s*(\d{2}):(\d{2})-(\d{2}):(\d{2})\s*$/.exec(part);
    if (!m) continue;
    const start = Number(m[1]) * 60 + Number(m[2]);
    const end = Number(m[3]) * 60 + Number(m[4]);
    if (start < end && end <= 1440) out.push({ start, end });
  }
  return out;
}

function sumOf(row: Row, cols: readonly string[]): [Partial<Record<string, number>>, number] {
  const got: Partial<Record<string, number>> = {};
  let total = 0;
  for (const c of cols) {
    const n = num(row, c);
    if (n === null) continue;
    got[c] = n;
    total += n;
  }
  return [got, total];
}

function hostDay(r: Row): HostDay {
  const [lost, lostTotal] = sumOf(r, LOST_EVENT_COLUMNS);
  const [bad, badTotal] = sumOf(r, BAD_INPUT_COLUMNS);
  const silencesText = str(r, "silences");
  return {
    host: str(r, "host") ?? "",
    verdict: str(r, "verdict"),
    reason: str(r, "reason"),
    inInventory: bool(r, "in_inventory"),
    reporting: bool(r, "reporting"),
    lastSeen: str(r, "last_seen"),
    records: num(r, "records"),
    execRecords: num(r, "exec_records"),
    firstEvent: ns(r, "first_event"),
    lastEvent: ns(r, "last_event"),
    lost,
    lostTotal,
    bad,
    badTotal,
    silentSpans: num(r, "silent_spans"),
    longestSilenceS: num(r, "longest_silence_s"),
    silences: parseSilences(silencesText),
    silencesText,
    chainBroken: num(r, "chain_broken"),
  };
}

function activity(rows: Row[], dayStart: bigint | null): Map<string, Hours> {
  const out = new Map<string, Hours>();
  for (const r of rows) {
    const host = str(r, "host") ?? "";
    const t = ns(r, "hour");
    if (t === null || dayStart === null) continue;
    const h = Number((t - dayStart) / 3_600_000_000_000n);
    if (t < dayStart || h > 23) continue;
    let hs = out.get(host);
    if (!hs) out.set(host, hs = { events: new Array(24).fill(0), failed: new Array(24).fill(0) });
    hs.events[h] += num(r, "events") ?? 0;
    hs.failed[h] += num(r, "failed") ?? 0;
  }
  return out;
}

const finding = (r: Row): Finding => ({
  ruleId: str(r, "rule_id"),
  title: str(r, "title"),
  level: str(r, "level"),
  status: str(r, "status"),
  tags: strs(r, "tags"),
  author: str(r, "author"),
  host: str(r, "host"),
  time: ns(r, "time"),
  execId: str(r, "exec_id"),
  pid: num(r, "pid"),
  user: str(r, "user"),
  image: str(r, "image"),
  commandLine: str(r, "command_line"),
  cwd: str(r, "current_directory"),
  parentExecId: str(r, "parent_exec_id"),
  parentImage: str(r, "parent_image"),
  parentCommandLine: str(r, "parent_command_line"),
  ancestors: strs(r, "ancestors"),
  ancestorExecIds: strs(r, "ancestor_exec_ids"),
  chainEnd: str(r, "chain_end"),
  failed: bool(r, "failed"),
});

const ruleRow = (r: Row): RuleRow => ({
  ruleId: str(r, "rule_id"),
  title: str(r, "title"),
  level: str(r, "level"),
  status: str(r, "status"),
  file: str(r, "file"),
  category: str(r, "category"),
  evaluated: bool(r, "evaluated"),
  reason: str(r, "reason"),
  matches: num(r, "matches"),
});

const noveltyRow = (r: Row): NoveltyRow => ({
  kind: str(r, "kind"),
  finding: str(r, "finding"),
  host: str(r, "host"),
  key: str(r, "key"),
  image: str(r, "image"),
  parentImage: str(r, "parent_image"),
  user: str(r, "user"),
  firstSeen: str(r, "first_seen"),
  firstSeenOnHost: str(r, "first_seen_on_host"),
  hostsToday: num(r, "hosts_today"),
  hostsSeen: num(r, "hosts_seen"),
  daysSeen: num(r, "days_seen"),
  execsToday: num(r, "execs_today"),
  exampleExecId: str(r, "example_exec_id"),
  exampleTime: ns(r, "example_time"),
  exampleCommandLine: str(r, "example_command_line"),
  ancestors: strs(r, "ancestors"),
  building: bool(r, "building"),
});

function lineage(rows: Row[]): Map<string, LineageExec> {
  const out = new Map<string, LineageExec>();
  for (const r of rows) {
    const id = str(r, "exec_id");
    if (id === null || out.has(id)) continue;
    out.set(id, {
      image: str(r, "image"),
      commandLine: str(r, "command_line"),
      time: ns(r, "time"),
      pid: num(r, "pid"),
    });
  }
  return out;
}

/** The typed view of `input`. */
export function buildModel(input: ReportInput): Model {
  const t = input.tables;
  const dayStart = dayStartNs(input.day);
  const rows = (name: string) => Array.isArray(t[name]) ? t[name] : null;
  const map = <T>(name: string, f: (r: Row) => T) => rows(name)?.map(f) ?? null;
  return {
    day: input.day,
    dayStart,
    has: (name) => rows(name) !== null,
    dropped: (name) => input.dropped?.[name] ?? 0,
    hosts: map("coverage", hostDay),
    activity: rows("activity") ? activity(rows("activity")!, dayStart) : null,
    findings: map("sigma_matches", finding),
    rules: map("sigma_rules", ruleRow),
    novelty: map("novelty", noveltyRow),
    lineage: rows("lineage") ? lineage(rows("lineage")!) : null,
    counters: input.counters ?? [],
    notes: input.notes ?? [],
  };
}
