/**
 * The page's tables: a {@link TableSpec} (columns, display cells, optional
 * per-row details) becomes the table's HTML with its first page of rows
 * (readable without the script) and a JSON block the page's script sorts,
 * filters, pages and expands from (client.ts). Strings go to the JSON once,
 * in a pool (rows hold indices), already {@link visible}.
 *
 * @module
 */

import { escapeHtml, jsonForScript, text, visible } from "./escape.ts";
import { int } from "./format.ts";
import { cut } from "./svg.ts";

/** A display cell: text, a number, or null (nothing there). */
export type Cell = string | number | null;

/** One column. */
export interface Column {
  /** header text */
  label: string;
  /** text; num (formatted, sorted as numbers); rank (ordered values, coloured). @default "text" */
  kind?: "text" | "num" | "rank";
  /** rank: the values in order, most severe first */
  ranks?: readonly string[];
  /** rank: cells of known values get the class `<palette>-<index>` */
  palette?: string;
  /** a select filter over the column's values (at most 60 distinct). @default false */
  facet?: boolean;
  /** text: cut cells to this many characters (the detail shows all). @default none */
  max?: number;
  /** class of the column's cells (the report's own names). @default none */
  cls?: string;
  /** header tooltip. @default none */
  title?: string;
}

/** What a row shows when expanded. */
export interface Detail {
  /** label, value (null: not shown) */
  facts?: [string, string | null][];
  /** a chain, root first: [main text, second line or null] */
  tree?: { title: string; nodes: [string, string | null][] };
  notes?: string[];
}

/** A table of the page. */
export interface TableSpec {
  /** lower-case id, unique on the page */
  id: string;
  columns: Column[];
  /** rows in their default order */
  rows: Cell[][];
  /** details by row (null: none) */
  details?: (Detail | null)[];
  /** rows per page. @default 50 */
  pageSize?: number;
  /** shown when there are no rows */
  empty: string;
}

const PAGE_SIZE = 50;

function cellHtml(c: Column, v: Cell): string {
  const extra = c.cls ? ` ${c.cls}` : "";
  if (v === null || (c.kind === "num" && typeof v !== "number")) {
    return `<td class="null${extra}">–</td>`;
  }
  if (c.kind === "num") return `<td class="num${extra}">${int(v as number)}</td>`;
  const s = String(v);
  if (c.kind === "rank") {
    const i = c.ranks?.indexOf(s) ?? -1;
    const k = i >= 0 && c.palette
      ? ` class="${c.palette}-${i}${extra}"`
      : extra
      ? ` class="${c.cls}"`
      : "";
    return `<td${k}>${text(s)}</td>`;
  }
  return `<td${extra ? ` class="${c.cls}"` : ""}>${text(c.max ? cut(s, c.max) : s)}</td>`;
}

/** The table's HTML (first page) and its JSON data block. */
export function renderTable(t: TableSpec): { html: string; data: string } {
  if (!/^[a-z][a-z0-9_-]*$/.test(t.id)) throw new Error(`table id "${t.id}" is not lower-case`);
  const size = t.pageSize ?? PAGE_SIZE;
  const hasDetails = !!t.details?.some((d) => d);
  const head = (hasDetails ? `<th class="exp"></th>` : "") +
    t.columns.map((c, j) =>
      `<th data-col="${j}"${c.kind === "num" ? ` class="num"` : ""}${
        c.title ? ` title="${escapeHtml(c.title)}"` : ""
      }>${escapeHtml(c.label)}</th>`
    ).join("");
  let body = "";
  for (let i = 0; i < Math.min(size, t.rows.length); i++) {
    const exp = hasDetails
      ? t.details?.[i]
        ? `<td class="exp"><button type="button" class="exp" aria-expanded="false" title="details">+</button></td>`
        : `<td class="exp"></td>`
      : "";
    body += `<tr data-i="${i}">${exp}${
      t.columns.map((c, j) => cellHtml(c, t.rows[i][j])).join("")
    }</tr>`;
  }
  const shown = Math.min(size, t.rows.length);
  const html = `<div class="tbl" data-table="${t.id}" id="t-${t.id}">` +
    `<div class="controls"></div>` +
    (t.rows.length === 0
      ? `<p class="empty">${escapeHtml(t.empty)}</p>`
      : `<div class="scroll"><table><thead><tr>${head}</tr></thead><tbody id="rows-${t.id}">${body}</tbody></table></div>`) +
    `<div class="pager">${
      t.rows.length ? `rows 1–${int(shown)} of ${int(t.rows.length)}` : ""
    }</div></div>`;
  return { html, data: dataBlock(t, size) };
}

function dataBlock(t: TableSpec, size: number): string {
  const pool: string[] = [];
  const ids = new Map<string, number>();
  const ref = (s: string | null): number => {
    if (s === null) return -1;
    const v = visible(s);
    let i = ids.get(v);
    if (i === undefined) {
      i = pool.length;
      pool.push(v);
      ids.set(v, i);
    }
    return i;
  };
  const rows = t.rows.map((r) =>
    t.columns.map((c, j) => {
      const v = r[j];
      if (v === null || v === undefined) return null;
      if (c.kind === "num") return typeof v === "number" ? v : null;
      const s = String(v);
      return ref(c.max && c.kind !== "rank" ? cut(s, c.max) : s);
    })
  );
  const details = t.details?.some((d) => d)
    ? t.details.map((d) => {
      if (!d) return 0;
      const facts = (d.facts ?? []).filter((f) => f[1] !== null).flatMap((f) => [
        ref(f[0]),
        ref(f[1]),
      ]);
      const tree = d.tree ? d.tree.nodes.flatMap((n) => [ref(n[0]), ref(n[1])]) : [];
      return [facts, d.tree ? ref(d.tree.title) : -1, tree, (d.notes ?? []).map(ref)];
    })
    : null;
  const columns = t.columns.map((c) => ({
    l: c.label,
    k: c.kind ?? "text",
    ...(c.ranks ? { r: c.ranks } : {}),
    ...(c.palette ? { p: c.palette } : {}),
    ...(c.facet ? { f: 1 } : {}),
    ...(c.cls ? { x: c.cls } : {}),
  }));
  const json = jsonForScript({ c: columns, s: pool, r: rows, d: details, p: size });
  return `<script type="application/json" id="data-${t.id}">${json}</script>`;
}
