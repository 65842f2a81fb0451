/**
 * The report side: the run's tables (rows as jobs emit them), counters and
 * notes in, the day's HTML page (jobs/report/) out. The Spark driver runs
 * it once after the tables are written, with the rows of
 * {@link REPORT_TABLES} (at most each table's limit; the rest counted as
 * dropped), so the page shows what the Parquet tables hold.
 *
 * @module
 */

import type { Json } from "../job.ts";
import { REPORT_COUNTERS, REPORT_DROPPED, REPORT_NOTE, REPORT_ROW } from "./protocol.ts";
import { renderReport, type ReportInput } from "../report/mod.ts";

/** The tables the report reads, and the rows it takes of each at most. */
export const REPORT_TABLES: Readonly<Record<string, number>> = {
  coverage: 1_000_000,
  activity: 2_000_000,
  sigma_matches: 100_000,
  sigma_rules: 100_000,
  novelty: 100_000,
  suspicious_exec: 10_000,
  lineage: 200_000,
};

/** The report's input from protocol lines (unknown lines are skipped). */
export function readReportInput(lines: Iterable<string>, day: string): ReportInput {
  const tables: Record<string, Record<string, Json>[]> = {};
  const dropped: Record<string, number> = {};
  const counters: [string, number][] = [];
  const notes: string[] = [];
  for (const l of lines) {
    const tag = l[0], rest = l.slice(1);
    if (tag === REPORT_ROW) {
      const t = rest.indexOf("\t");
      (tables[rest.slice(0, t)] ??= []).push(JSON.parse(rest.slice(t + 1)));
    } else if (tag === REPORT_DROPPED) {
      const t = rest.indexOf("\t");
      dropped[rest.slice(0, t)] = Number(rest.slice(t + 1));
    } else if (tag === REPORT_COUNTERS) {
      for (const [k, v] of Object.entries(JSON.parse(rest) as Record<string, number>)) {
        counters.push([k, Number(v)]);
      }
    } else if (tag === REPORT_NOTE) notes.push(JSON.parse(rest) as string);
  }
  return { day, tables, dropped, counters, notes };
}

/** Renders the page of the input lines to `out` (the whole document, one call). */
export function runReportSide(
  lines: Iterable<string>,
  out: (text: string) => void,
  day: string,
  tablesRun: readonly string[] = [],
  csv: readonly string[] = [],
): void {
  const input = readReportInput(lines, day);
  // a table that ran but has no rows is empty, not absent
  for (const t of tablesRun) input.tables[t] ??= [];
  out(renderReport(input, { csv }));
}
