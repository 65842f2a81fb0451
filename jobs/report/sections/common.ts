/**
 * What every section uses: the section record, notices for absent tables
 * and dropped rows, cards, legends.
 *
 * @module
 */

import { escapeHtml, text } from "../escape.ts";
import { int } from "../format.ts";
import type { Model } from "../model.ts";

/** One section of the page. */
export interface Section {
  /** anchor id (lower-case) */
  id: string;
  /** heading and navigation text */
  title: string;
  html: string;
  /** JSON data blocks of the section's tables */
  data: string[];
}

/** Jobs that write the tables the report reads. */
const JOB_OF: Record<string, string> = {
  coverage: "coverage",
  activity: "activity",
  sigma_matches: "sigma",
  sigma_rules: "sigma",
  novelty: "novelty",
  lineage: "lineage",
};

/** Notice for a table the run does not have. */
export function absent(table: string, what: string): string {
  const job = JOB_OF[table] ?? table;
  return `<p class="absent">No table <code>${escapeHtml(table)}</code> in this run: the ${
    escapeHtml(job)
  } job did not run, so ${escapeHtml(what)} cannot be shown.</p>`;
}

/** Notice for rows the engine dropped ("" when none). */
export function droppedNote(m: Model, table: string, shown: number): string {
  const d = m.dropped(table);
  if (d <= 0) return "";
  return `<p class="warn">Table <code>${escapeHtml(table)}</code>: ${int(shown)} rows shown, ${
    int(d)
  } more dropped by the engine's cap (the Parquet table has them all).</p>`;
}

/** A summary card. `value` and `sub` are HTML. */
export function card(label: string, value: string, sub = "", bad = false): string {
  return `<div class="card${bad ? " bad" : ""}"><div class="sub">${escapeHtml(label)}</div>` +
    `<div class="big">${value}</div>${sub ? `<div class="sub">${sub}</div>` : ""}</div>`;
}

/** A colour legend with counts. */
export function legend(items: { label: string; cls: string; count?: number }[]): string {
  return `<div class="legend">${
    items.map((i) =>
      `<span class="${i.cls}">${text(i.label)}${
        i.count === undefined ? "" : ` ${int(i.count)}`
      }</span>`
    ).join("")
  }</div>`;
}

/** Counts of `values` in `order`, then the unknown values in first-seen order. */
export function countBy(
  values: Iterable<string | null>,
  order: readonly string[],
): [string, number][] {
  const counts = new Map<string, number>(order.map((o) => [o, 0]));
  for (const v of values) {
    const k = v ?? "(none)";
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return [...counts];
}
