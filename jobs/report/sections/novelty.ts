/**
 * Section "Novelty": what is new or rare today (first seen on a host, first
 * seen in the fleet, seen on few hosts), per kind, with counts, first-seen
 * dates and the example exec's lineage.
 *
 * @module
 */

import { dateTime, plural } from "../format.ts";
import { type Model, NOVELTY_FINDINGS, NOVELTY_KINDS, type NoveltyRow, rank } from "../model.ts";
import { barList } from "../svg.ts";
import { type Cell, type Detail, renderTable } from "../table.ts";
import { absent, droppedNote, type Section } from "./common.ts";
import { lineageTree } from "./lineage_tree.ts";
import { FINDING_LABELS, KIND_LABELS } from "./novelty_context.ts";

const cmp = (a: string | null, b: string | null) =>
  a === b ? 0 : a === null ? 1 : b === null ? -1 : a < b ? -1 : 1;

/** Most notable first: the finding, then the fewest hosts today, host, key. */
export function compareNovelty(a: NoveltyRow, b: NoveltyRow): number {
  return rank(NOVELTY_FINDINGS, a.finding) - rank(NOVELTY_FINDINGS, b.finding) ||
    rank(NOVELTY_KINDS, a.kind) - rank(NOVELTY_KINDS, b.kind) ||
    (a.hostsToday ?? Infinity) - (b.hostsToday ?? Infinity) ||
    cmp(a.host, b.host) || cmp(a.key, b.key);
}

function detailOf(r: NoveltyRow, m: Model): Detail {
  return {
    facts: [
      ["kind", r.kind],
      ["finding", r.finding],
      ["host", r.host],
      ["key (normalised)", r.key],
      ["image", r.image],
      ["parent image", r.parentImage],
      ["user", r.user],
      ["first seen in the fleet", r.firstSeen],
      ["first seen on the host", r.firstSeenOnHost],
      ["example exec id", r.exampleExecId],
      ["example time (UTC)", r.exampleTime !== null ? dateTime(r.exampleTime) : null],
      ["example command line", r.exampleCommandLine],
      ["baseline", r.building === null ? null : r.building ? "still building" : "complete"],
    ],
    tree: lineageTree({ ancestors: r.ancestors, self: [r.image, r.exampleCommandLine] }, m.lineage),
  };
}

/** The section. */
export function noveltySection(m: Model): Section {
  const id = "novelty";
  const title = "Novelty";
  if (!m.novelty) return { id, title, html: absent("novelty", "new and rare programs"), data: [] };
  const sorted = [...m.novelty].sort(compareNovelty);
  const rows: Cell[][] = sorted.map((r) => [
    r.finding === null ? null : FINDING_LABELS[r.finding] ?? r.finding,
    r.kind === null ? null : KIND_LABELS[r.kind] ?? r.kind,
    r.host,
    r.key,
    r.hostsToday,
    r.hostsSeen,
    r.daysSeen,
    r.execsToday,
    r.firstSeen,
    r.firstSeenOnHost,
  ]);
  const table = renderTable({
    id: "novelty",
    columns: [
      {
        label: "finding",
        kind: "rank",
        ranks: NOVELTY_FINDINGS.map((f) => FINDING_LABELS[f]),
        palette: "finding",
        facet: true,
      },
      { label: "kind", facet: true },
      { label: "host", facet: true },
      { label: "what (normalised)", cls: "mono", max: 160 },
      { label: "hosts today", kind: "num" },
      { label: "hosts in baseline", kind: "num" },
      { label: "days seen", kind: "num" },
      { label: "execs today", kind: "num" },
      { label: "first seen (fleet)" },
      { label: "first seen (host)" },
    ],
    rows,
    details: sorted.map((r) => detailOf(r, m)),
    empty: "Nothing new or rare today.",
  });
  const building = m.novelty.some((r) => r.building === true);
  const bars = NOVELTY_FINDINGS.flatMap((f, fi) =>
    NOVELTY_KINDS.map((k) => ({
      label: `${KIND_LABELS[k]} ${FINDING_LABELS[f]}`,
      value: m.novelty!.filter((r) => r.finding === f && r.kind === k).length,
      cls: `finding-${fi}`,
    }))
  ).filter((b) => b.value > 0);
  const html =
    (building
      ? `<p class="warn">The baseline is still building (its first days): findings below are what is new against the days seen so far, not against a full baseline.</p>`
      : "") +
    `<p>${plural(m.novelty.length + m.dropped("novelty"), "finding")}.</p>` +
    droppedNote(m, "novelty", m.novelty.length) +
    (bars.length
      ? `<figure><figcaption>Findings per kind</figcaption>${
        barList(bars, { label: "novelty findings per kind", width: 560, labelWidth: 220 })
      }</figure>`
      : "") +
    table.html;
  return { id, title, html, data: [table.data] };
}
