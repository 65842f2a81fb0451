/**
 * The coverage job: one row per host and day saying whether the day's audit
 * record of the host is whole, table `coverage` (also CSV): reporting or not
 * against an inventory (`coverage.inventory`, one host a line; without it
 * the hosts seen in the last 7 days, carried from the previous day's table),
 * records and their time span, collector runs and versions, every loss the
 * logs show (S1 counter deltas per run, E2 `lost`, per-CPU `seq` gaps, torn,
 * unknown, malformed and over-long lines, corrupt files, records outside the
 * day), clock problems, silent spans over `coverage.max_gap`, the hash
 * chain verified on the map side, and a `verdict` with its `reason`s.
 *
 * Map side: per host (its files reach one task in order) a bounded
 * {@link HostState}, emitted as one summary keyed by host when the host
 * changes and at the task's end; inventory hosts are emitted as markers by
 * every task, previous-day hosts by `side()`; the reducer merges (the merge
 * is associative, so any split of the input into tasks gives the same row).
 *
 * @module
 */

import type { Job, JobSpec, Json, MapOut, Table } from "./job.ts";
import { parseDuration } from "../scripts/lib/units.ts";
import { readParamFile } from "./param_files.ts";
import { HostState } from "./coverage/host_state.ts";
import { emptySummary, LOSS_COUNTERS, mergeSummaries, type Summary } from "./coverage/summary.ts";
import { coverageRow, SEEN_WINDOW_DAYS, VERDICTS } from "./coverage/row.ts";

export { VERDICTS };
export const DEFAULT_MAX_GAP = "2h";

const count = (name: string, description: string) => ({
  name,
  type: "long" as const,
  description,
});

export const COVERAGE_TABLE: Table = {
  name: "coverage",
  description: "one row per host and day: is its audit record whole? (verdict and reasons)",
  csv: true,
  clusterBy: ["host"],
  columns: [
    { name: "host", type: "string", description: "host (layout directory name)" },
    { name: "day", type: "string", description: "the UTC day (YYYY-MM-DD)" },
    {
      name: "verdict",
      type: "string",
      description: `${VERDICTS.join(" > ")}: the most severe problem found`,
    },
    { name: "reason", type: "string", description: "every problem found, `; `-separated" },
    {
      name: "in_inventory",
      type: "boolean",
      description: "the host is in coverage.inventory; null without an inventory",
    },
    { name: "reporting", type: "boolean", description: "files of the host were read for the day" },
    {
      name: "last_seen",
      type: "string",
      description: "last day with data (carried from the previous day's table when missing)",
    },
    count("files", "files read (conflict copies included)"),
    count("conflict_files", "shipper .conflict- copies whose bytes differ (not counted further)"),
    count("corrupt_files", "files cut by a read error (corrupt gzip)"),
    count("records", "records of the day (E1, E2, S1)"),
    count("exec_records", "exec records (E1, E2)"),
    count("stats_records", "S1 records"),
    { name: "first_event", type: "timestamp", description: "time of the first record" },
    { name: "last_event", type: "timestamp", description: "time of the last record" },
    count("collector_runs", "collector starts (S1 open)"),
    count("collector_exits", "collector stops (S1 exit)"),
    {
      name: "collector_versions",
      type: "string",
      description: "collector versions of the open records, comma-separated",
    },
    ...LOSS_COUNTERS.map((c) =>
      count(c, `S1 \`${c}\` over the day: per collector run, last value minus first, summed`)
    ),
    count("crash_lost", "S1 open `crash_lost`: events of killed runs never written"),
    count("e2_lost", "E2 `lost` fields summed (ring buffer full)"),
    count("seq_gaps", "events missing from the per-CPU seq numbering"),
    count("torn_lines", "lines without their end mark"),
    count("unknown_versions", "lines of an unknown record version"),
    count("unknown_kinds", "lines of an unknown record kind"),
    count("malformed_lines", "lines that are not records"),
    count("lines_too_long", "lines over the reader's cap (not read)"),
    count("outside_day", "records whose time is not in the day"),
    count("clock_backwards", "records earlier than the previous one of their (boot, cpu)"),
    count("silent_spans", "spans without any record longer than coverage.max_gap"),
    count("longest_silence_s", "longest span without a record, whole minutes, in seconds"),
    {
      name: "silences",
      type: "string",
      description: "the silent spans over max_gap, HH:MM-HH:MM (UTC), comma-separated",
    },
    count("chain_verified", "hash-chain segments that verified"),
    count("chain_broken", "hash-chain breaks (edited, missing, reordered, run links)"),
    count("chain_unverifiable", "segments or stretches that could not be checked"),
  ],
};

/** Options of {@link coverage}. */
export interface CoverageOptions {
  /** the expected hosts. @default none: hosts seen in the last 7 days (previous day's table) */
  inventory?: readonly string[];
  /** silent spans longer than this (ms) make a host gappy. @default 2 h */
  maxGapMs?: number;
  /** PEM private key that opens sealed escrow keys. @default none (sealed keys unusable) */
  privateKeyPem?: string;
}

/** The job. */
export function coverage(o: CoverageOptions = {}): Job {
  const inventory = o.inventory ? [...new Set(o.inventory)] : null;
  const maxGapMs = o.maxGapMs ?? parseDuration(DEFAULT_MAX_GAP);
  let cur: HostState | null = null;
  const flush = (out: MapOut) => {
    if (cur) out.emit(cur.host, cur.summary() as unknown as Json);
    cur = null;
  };
  const hostState = (host: string, out: MapOut, day: string | undefined) => {
    if (cur?.host !== host) {
      flush(out);
      cur = new HostState(host, { day, privateKeyPem: o.privateKeyPem });
    }
    return cur;
  };
  const merge = (values: Iterable<Json>) => {
    let m = emptySummary();
    for (const v of values) m = mergeSummaries(m, v as unknown as Summary);
    return m;
  };
  return {
    name: "coverage",
    description: `coverage per host and day against ${
      inventory ? `an inventory of ${inventory.length} hosts` : "the hosts seen in 7 days"
    }, silent spans over ${maxGapMs / 60_000} min`,
    tables: [COVERAGE_TABLE],
    sideInputs: inventory ? [] : [{
      name: "previous",
      table: "coverage",
      daysBack: 1,
      columns: ["host", "last_seen"],
    }],
    file(ev, out, ctx) {
      const h = hostState(ev.host, out, ctx.day);
      if (ev.kind === "key") h.key(ev.text, ev.file);
      else if (ev.kind === "start") h.startFile(ev.file, ev.conflict !== undefined);
      else h.endFile(ev.error);
    },
    line(text, origin, out, ctx) {
      hostState(origin.host, out, ctx.day).rawLine(text, origin.line);
    },
    map(r, out, ctx) {
      hostState(r.host, out, ctx.day).record(r);
    },
    bad(b, out, ctx) {
      hostState(b.host, out, ctx.day).bad(b);
    },
    side(input, row, out, ctx) {
      if (input !== "previous" || inventory) return;
      const host = row.host;
      const seen = row.last_seen;
      if (typeof host !== "string" || typeof seen !== "string" || !/^\d{4}-\d\d-\d\d$/.test(seen)) {
        ctx.counters.inc("coverage", "bad_previous_rows");
        return;
      }
      out.emit(host, { ...emptySummary(), prev_last_seen: seen } as unknown as Json);
    },
    mapEnd(out) {
      flush(out);
      for (const host of inventory ?? []) {
        out.emit(host, { ...emptySummary(), expected: true } as unknown as Json);
      }
    },
    steps: [{
      combine(key, values, emit) {
        emit(key, merge(values) as unknown as Json);
      },
      reduce(key, values, out, ctx) {
        const row = coverageRow(key as string, merge(values), {
          day: ctx.day,
          inventory: inventory !== null,
          maxGapMs,
        });
        if (!row) {
          ctx.counters.inc("coverage", `dropped_after_${SEEN_WINDOW_DAYS}_days`);
          return;
        }
        ctx.counters.inc("coverage", String(row.verdict));
        out.row("coverage", row);
      },
    }],
  };
}

/** Host names of an inventory file: one a line, blank lines and `#` comments skipped. */
export function parseInventory(text: string): string[] {
  return text.split("\n").map((l) => l.replace(/\r$/, "").trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
}

/** The job's spec: `--param coverage.inventory=FILE`, `coverage.max_gap=2h`, `coverage.private_key=FILE`. */
export const spec: JobSpec = {
  name: "coverage",
  description: "per host and day: reporting, losses, gaps, chain, verdict (the auditor's table)",
  params: {
    inventory: {
      description:
        "file of expected host names, one a line (default: hosts seen in the last 7 days)",
    },
    max_gap: {
      description: "silent spans longer than this make a host gappy (90m, 2h)",
      default: DEFAULT_MAX_GAP,
    },
    private_key: { description: "PEM private key that opens sealed escrowed chain keys" },
  },
  create(params) {
    const maxGapMs = parseDuration(params.max_gap ?? DEFAULT_MAX_GAP, "coverage.max_gap");
    if (!(maxGapMs > 0)) {
      throw new RangeError(`coverage.max_gap must be more than 0: got "${params.max_gap}"`);
    }
    return coverage({
      inventory: params.inventory === undefined
        ? undefined
        : parseInventory(readParamFile("coverage", "inventory", params.inventory)),
      maxGapMs,
      privateKeyPem: params.private_key === undefined
        ? undefined
        : readParamFile("coverage", "private_key", params.private_key),
    });
  },
};
