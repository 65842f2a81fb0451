/**
 * The daily report: `renderReport(input)` -> one self-contained HTML page
 * (summary, Sigma findings with lineage and novelty context, novelty
 * findings, coverage, rules not evaluated, counters; inline SVG charts;
 * sorting, filtering and paging by an inline script under a nonce CSP).
 *
 * @module
 */

export { contentSecurityPolicy, type RenderOptions, renderReport } from "./render.ts";
export type { Json, ReportInput, Row } from "./input.ts";
export { attr, escapeHtml, jsonForScript, text, visible } from "./escape.ts";
export { LEVELS, NOVELTY_FINDINGS, NOVELTY_KINDS, VERDICTS } from "./model.ts";
