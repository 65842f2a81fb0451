/**
 * Section "Sigma findings": findings per level and per rule (charts), every
 * finding (critical first) with its lineage tree and novelty context in its
 * details, and the rules that matched.
 *
 * @module
 */

import { dateTime, int, plural, timeOfDay } from "../format.ts";
import { type Finding, LEVELS, type Model, rank, type RuleRow } from "../model.ts";
import { barList } from "../svg.ts";
import { type Cell, type Detail, renderTable } from "../table.ts";
import { absent, countBy, droppedNote, legend, type Section } from "./common.ts";
import { lineageTree } from "./lineage_tree.ts";
import { noveltyIndex, noveltyLong, type NoveltyLookup, noveltyShort } from "./novelty_context.ts";

/** Rules drawn in the per-rule chart. */
export const TOP_RULES = 25;
/** Characters of a command line in the table (the details show it whole). */
export const COMMAND_LINE_CHARS = 160;

const levelCls = (l: string | null) => {
  const i = rank(LEVELS, l);
  return i < LEVELS.length ? `level-${i}` : "bar";
};

const cmp = (a: string | null, b: string | null) =>
  a === b ? 0 : a === null ? 1 : b === null ? -1 : a < b ? -1 : 1;

/** Most severe first, then by time, host and rule. */
export function compareFindings(a: Finding, b: Finding): number {
  const l = rank(LEVELS, a.level) - rank(LEVELS, b.level);
  if (l !== 0) return l;
  if (a.time !== b.time) {
    if (a.time === null) return 1;
    if (b.time === null) return -1;
    return a.time < b.time ? -1 : 1;
  }
  return cmp(a.host, b.host) || cmp(a.ruleId, b.ruleId) || cmp(a.execId, b.execId);
}

function detailOf(f: Finding, m: Model, novelty: NoveltyLookup | null): Detail {
  const notes = novelty
    ? (() => {
      const found = novelty(f);
      return found.length
        ? found.map(noveltyLong)
        : ["novelty: image, parent → image and image + user are neither new nor rare on this host"];
    })()
    : ["novelty: the novelty job did not run (is this image new on the host? unknown)"];
  return {
    facts: [
      ["rule", f.title],
      ["rule id", f.ruleId],
      ["level", f.level],
      ["status", f.status],
      ["ATT&CK tags", f.tags.length ? f.tags.join(", ") : null],
      ["rule author", f.author],
      ["host", f.host],
      ["time (UTC)", f.time !== null ? dateTime(f.time) : null],
      ["exec id", f.execId],
      ["pid", f.pid !== null ? String(f.pid) : null],
      ["user", f.user],
      ["failed exec", f.failed === null ? null : f.failed ? "yes" : "no"],
      ["image", f.image],
      ["command line", f.commandLine],
      ["current directory", f.cwd],
      ["parent exec id", f.parentExecId],
      ["parent image", f.parentImage],
      ["parent command line", f.parentCommandLine],
    ],
    tree: lineageTree({
      ancestors: f.ancestors,
      ancestorExecIds: f.ancestorExecIds,
      chainEnd: f.chainEnd,
      self: [f.image, f.commandLine],
    }, m.lineage),
    notes,
  };
}

function findingsTable(m: Model, findings: Finding[]) {
  const novelty = m.novelty ? noveltyIndex(m.novelty) : null;
  const sorted = [...findings].sort(compareFindings);
  const rows: Cell[][] = [];
  const details: Detail[] = [];
  for (const f of sorted) {
    rows.push([
      f.level,
      f.time !== null ? timeOfDay(f.time, m.day) : null,
      f.host,
      f.title ?? f.ruleId,
      f.image,
      f.user,
      f.commandLine,
      novelty ? noveltyShort(novelty(f)) ?? "known" : null,
      f.parentImage,
    ]);
    details.push(detailOf(f, m, novelty));
  }
  return renderTable({
    id: "sigma",
    columns: [
      { label: "level", kind: "rank", ranks: LEVELS, palette: "level", facet: true },
      { label: "time (UTC)" },
      { label: "host", facet: true, max: 64 },
      { label: "rule", facet: true, max: 80 },
      { label: "image", cls: "mono", max: 100 },
      { label: "user", facet: true, max: 40 },
      { label: "command line", cls: "mono", max: COMMAND_LINE_CHARS },
      {
        label: "novelty",
        facet: true,
        title: "is the image (or parent → image, image + user) new or rare on this host?",
      },
      { label: "parent image", cls: "mono", max: 100 },
    ],
    rows,
    details,
    empty: "No Sigma rule matched today.",
  });
}

interface RuleCount {
  ruleId: string;
  title: string | null;
  level: string | null;
  status: string | null;
  findings: number;
  hosts: Set<string>;
}

function ruleCounts(findings: Finding[], rules: RuleRow[] | null): RuleCount[] {
  const by = new Map<string, RuleCount>();
  for (const f of findings) {
    const id = f.ruleId ?? "(no rule id)";
    let r = by.get(id);
    if (!r) {
      by.set(
        id,
        r = {
          ruleId: id,
          title: f.title,
          level: f.level,
          status: f.status,
          findings: 0,
          hosts: new Set(),
        },
      );
    }
    r.findings++;
    if (f.host !== null) r.hosts.add(f.host);
  }
  // sigma_rules.matches counts rows the engine may have dropped
  for (const rr of rules ?? []) {
    if (rr.ruleId === null || !rr.matches) continue;
    const r = by.get(rr.ruleId);
    if (r) r.findings = Math.max(r.findings, rr.matches);
    else {
      by.set(rr.ruleId, {
        ruleId: rr.ruleId,
        title: rr.title,
        level: rr.level,
        status: rr.status,
        findings: rr.matches,
        hosts: new Set(),
      });
    }
  }
  return [...by.values()].sort((a, b) =>
    b.findings - a.findings || rank(LEVELS, a.level) - rank(LEVELS, b.level) ||
    (a.ruleId < b.ruleId ? -1 : 1)
  );
}

/** The section. */
export function sigmaSection(m: Model): Section {
  const id = "sigma";
  const title = "Sigma findings";
  if (!m.findings) {
    return { id, title, html: absent("sigma_matches", "Sigma findings"), data: [] };
  }
  const findings = m.findings;
  const levels = countBy(findings.map((f) => f.level), LEVELS);
  const rules = ruleCounts(findings, m.rules);
  const table = findingsTable(m, findings);
  const ruleTable = renderTable({
    id: "sigma_rules_matched",
    columns: [
      { label: "rule" },
      { label: "rule id", cls: "mono" },
      { label: "level", kind: "rank", ranks: LEVELS, palette: "level", facet: true },
      { label: "status", facet: true },
      { label: "findings", kind: "num" },
      { label: "hosts", kind: "num", title: "hosts among the findings shown" },
    ],
    rows: rules.map((r) => [r.title, r.ruleId, r.level, r.status, r.findings, r.hosts.size]),
    pageSize: 25,
    empty: "No rule matched.",
  });
  const total = findings.length + m.dropped("sigma_matches");
  const html =
    `<p>${plural(total, "finding")} of ${plural(rules.length, "rule")} on ${
      plural(new Set(findings.map((f) => f.host)).size, "host")
    }. Expand a finding (+) for its lineage tree and novelty context.</p>` +
    droppedNote(m, "sigma_matches", findings.length) +
    legend(levels.map(([l, n]) => ({ label: l, cls: levelCls(l), count: n }))) +
    `<div class="charts"><figure><figcaption>Findings per level</figcaption>${
      barList(levels.map(([l, n]) => ({ label: l, value: n, cls: levelCls(l) })), {
        label: "Sigma findings per level",
        width: 460,
        labelWidth: 110,
      })
    }</figure><figure><figcaption>Findings per rule (top ${TOP_RULES})</figcaption>${
      barList(
        rules.slice(0, TOP_RULES).map((r) => ({
          label: r.title ?? r.ruleId,
          value: r.findings,
          cls: levelCls(r.level),
          title: `${r.title ?? ""} (${r.ruleId}, ${r.level ?? "no level"}): ${int(r.findings)}`,
        })),
        { label: "Sigma findings per rule", width: 760, labelWidth: 330 },
      )
    }</figure></div>` +
    `<h3>Every finding, most severe first</h3>${table.html}` +
    `<h3>Rules that matched</h3>${ruleTable.html}`;
  return { id, title, html, data: [table.data, ruleTable.data] };
}
