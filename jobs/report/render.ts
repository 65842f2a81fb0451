/**
 * The page: one self-contained HTML document per day (inline style sheet
 * and script, nothing fetched: `default-src 'none'`, the script and style
 * allowed by a per-page nonce), opening from a file:// URL.
 *
 * @module
 */

import { CLIENT_JS } from "./client.ts";
import { escapeHtml, text } from "./escape.ts";
import type { ReportInput } from "./input.ts";
import { buildModel } from "./model.ts";
import { countersSection } from "./sections/counters.ts";
import { coverageSection } from "./sections/coverage.ts";
import { noveltySection } from "./sections/novelty.ts";
import { rulesSection } from "./sections/rules.ts";
import { sigmaSection } from "./sections/sigma.ts";
import { summarySection } from "./sections/summary.ts";
import { CSS } from "./style.ts";

/** Options of {@link renderReport}. */
export interface RenderOptions {
  /** the CSP nonce of the page's script and style sheet. @default 128 random bits, base64 */
  nonce?: string;
  /**
   * tables with a CSV file beside the page (`<table>-<day>.csv`, as the engines write them):
   * the page links them. @default none
   */
  csv?: readonly string[];
}

function randomNonce(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...b));
}

/** Links to the CSV files beside the page ("" without any, or for a day that is not a date). */
function csvLinks(day: string, tables: readonly string[]): string {
  const ok = tables.filter((t) => /^[a-z][a-z0-9_]*$/.test(t));
  if (!ok.length || !/^\d{4}-\d{2}-\d{2}$/.test(day)) return "";
  return `<span class="sub">CSV:</span> ${
    ok.map((t) => `<a href="${t}-${day}.csv">${t}</a>`).join(" ")
  }`;
}

/** The Content-Security-Policy of a page with `nonce`. */
export function contentSecurityPolicy(nonce: string): string {
  return `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; ` +
    `img-src 'none'; base-uri 'none'; form-action 'none'`;
}

/** The day's report page. */
export function renderReport(input: ReportInput, o: RenderOptions = {}): string {
  const nonce = o.nonce ?? randomNonce();
  if (!/^[A-Za-z0-9+/_=-]{16,}$/.test(nonce)) throw new Error("nonce: 16+ base64 characters");
  const m = buildModel(input);
  const sections = [
    summarySection(m),
    sigmaSection(m),
    noveltySection(m),
    coverageSection(m),
    rulesSection(m),
    countersSection(m),
  ];
  const tables = Object.keys(input.tables).sort();
  const title = `Audit report ${input.day}`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(nonce)}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${text(title)}</title>
<style nonce="${nonce}">${CSS}</style>
</head><body>
<header><h1>${text(title)}</h1>
<p class="sub">syscall-audit, the UTC day ${
    text(input.day)
  }. Times are UTC. Text from hosts is shown as text;
<span class="x">\\xNN</span> is a raw byte (invalid UTF-8) or a control character, <span class="x">\\uNNNN</span>
an invisible or direction-changing character. Tables of this run: ${
    tables.length ? tables.map((t) => `<code>${text(t)}</code>`).join(", ") : "none"
  }.</p>
<noscript><p class="warn">Scripts are off: each table shows its first page only (no sorting, filtering or details).</p></noscript>
<nav>${sections.map((s) => `<a href="#${s.id}">${escapeHtml(s.title)}</a>`).join("")}${
    csvLinks(input.day, o.csv ?? [])
  }</nav></header>
<main>
${
    sections.map((s) => `<section id="${s.id}"><h2>${escapeHtml(s.title)}</h2>${s.html}</section>`)
      .join("\n")
  }
</main>
${sections.flatMap((s) => s.data).join("\n")}
<script nonce="${nonce}">${CLIENT_JS}</script>
</body></html>
`;
}
