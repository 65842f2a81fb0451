/**
 * Section "Rules not evaluated": every Sigma rule file the sigma job could
 * not evaluate, with its reason; reasons grouped (quoted parts elided).
 *
 * @module
 */

import { int, plural } from "../format.ts";
import { LEVELS, type Model } from "../model.ts";
import { barList } from "../svg.ts";
import { renderTable } from "../table.ts";
import { absent, droppedNote, type Section } from "./common.ts";

/** Reason groups drawn. */
export const TOP_REASONS = 15;

/** A reason without its quoted specifics: `field "Hashes" not in ...` -> `field "…" not in ...`. */
export function reasonGroup(reason: string | null): string {
  if (reason === null) return "(no reason given)";
  const g = reason.replace(/"[^"]*"/g, '"…"');
  return g.startsWith("YAML:") ? "YAML: …" : g;
}

/** The section. */
export function rulesSection(m: Model): Section {
  const id = "rules";
  const title = "Rules not evaluated";
  if (!m.rules) return { id, title, html: absent("sigma_rules", "the rule inventory"), data: [] };
  const notEvaluated = m.rules.filter((r) => r.evaluated !== true);
  const groups = new Map<string, number>();
  for (const r of notEvaluated) {
    const g = reasonGroup(r.reason);
    groups.set(g, (groups.get(g) ?? 0) + 1);
  }
  const top = [...groups].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const rows = notEvaluated.map((r) => ({ r, g: reasonGroup(r.reason) }))
    .sort((a, b) =>
      (groups.get(b.g)! - groups.get(a.g)!) || (a.g < b.g ? -1 : a.g > b.g ? 1 : 0) ||
      ((a.r.file ?? "") < (b.r.file ?? "") ? -1 : 1)
    );
  const table = renderTable({
    id: "rules_not_evaluated",
    columns: [
      { label: "reason", max: 200 },
      { label: "rule" },
      { label: "rule id", cls: "mono" },
      { label: "level", kind: "rank", ranks: LEVELS, palette: "level", facet: true },
      { label: "file", cls: "mono" },
      { label: "category", facet: true },
    ],
    rows: rows.map(({ r }) => [r.reason, r.title, r.ruleId, r.level, r.file, r.category]),
    pageSize: 25,
    empty: "Every rule was evaluated.",
  });
  const total = m.rules.length;
  const evaluated = total - notEvaluated.length;
  const html =
    `<p>${int(evaluated)} of ${plural(total, "rule file")} evaluated${
      total ? ` (${((evaluated / total) * 100).toFixed(1)}%)` : ""
    }; ${int(notEvaluated.length)} not, each with its reason below.</p>` +
    droppedNote(m, "sigma_rules", total) +
    (top.length
      ? `<figure><figcaption>Reasons (top ${TOP_REASONS})</figcaption>${
        barList(
          top.slice(0, TOP_REASONS).map(([g, n]) => ({ label: g, value: n })),
          { label: "rules not evaluated per reason", width: 900, labelWidth: 480 },
        )
      }</figure>`
      : "") +
    table.html;
  return { id, title, html, data: [table.data] };
}
