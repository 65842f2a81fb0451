/**
 * Section "Coverage": is each host's record whole? Verdicts per host (a
 * grid, worst first), lost events per host, events per hour of the hosts
 * with problems (silent spans shaded), and the coverage table, worst
 * verdicts first.
 *
 * @module
 */

import { attr, text } from "../escape.ts";
import { duration, int, plural, timeOfDay } from "../format.ts";
import {
  BAD_INPUT_COLUMNS,
  type HostDay,
  LOST_EVENT_COLUMNS,
  type Model,
  rank,
  VERDICTS,
} from "../model.ts";
import { barList, grid, hourChart } from "../svg.ts";
import { type Cell, type Detail, renderTable } from "../table.ts";
import { absent, droppedNote, legend, type Section } from "./common.ts";

/** Hosts drawn in the per-host charts. */
export const CHART_HOSTS = 36;
/** Hosts drawn in the verdict grid. */
export const GRID_HOSTS = 5000;
/** Hosts drawn in the lost-events chart. */
export const LOSS_HOSTS = 25;

const verdictCls = (v: string | null) => {
  const i = rank(VERDICTS, v);
  return i < VERDICTS.length ? `verdict-${i}` : "hole";
};

/** Worst verdict first, then most lost events, then host. */
export function compareHosts(a: HostDay, b: HostDay): number {
  return rank(VERDICTS, a.verdict) - rank(VERDICTS, b.verdict) ||
    b.lostTotal - a.lostTotal || b.badTotal - a.badTotal ||
    (a.host < b.host ? -1 : a.host > b.host ? 1 : 0);
}

const yesNo = (b: boolean | null) => (b === null ? null : b ? "yes" : "no");

function detailOf(h: HostDay): Detail {
  return {
    facts: [
      ["host", h.host],
      ["verdict", h.verdict],
      ["reasons", h.reason],
      ["last seen", h.lastSeen],
      ...LOST_EVENT_COLUMNS.filter((c) => h.lost[c] !== undefined).map((c) =>
        [c, int(h.lost[c]!)] as [string, string]
      ),
      ...BAD_INPUT_COLUMNS.filter((c) => h.bad[c] !== undefined).map((c) =>
        [c, int(h.bad[c]!)] as [string, string]
      ),
      ["silent spans (UTC)", h.silencesText || null],
      ["hash-chain breaks", h.chainBroken !== null ? int(h.chainBroken) : null],
    ],
  };
}

function hostCharts(m: Model, hosts: HostDay[]): string {
  if (!m.activity) return absent("activity", "events per hour per host");
  const problem = hosts.filter((h) =>
    h.verdict !== "complete" || h.silences.length > 0 || h.lostTotal > 0
  );
  const pick = (problem.length ? problem : hosts).slice(0, CHART_HOSTS);
  const empty = new Array(24).fill(0);
  const figs = pick.map((h) => {
    const a = m.activity!.get(h.host);
    const label = `${h.host}: ${h.verdict ?? "no verdict"}`;
    return `<figure><figcaption title="${attr(label)}"><span class="${verdictCls(h.verdict)}">${
      text(h.verdict ?? "?")
    }</span> ${text(h.host)}</figcaption>${
      hourChart({
        events: a?.events ?? empty,
        failed: a?.failed,
        silences: h.silences,
        label: `events per hour on ${h.host}`,
        width: 220,
        height: 60,
        axes: false,
      })
    }</figure>`;
  }).join("");
  const more = (problem.length || hosts.length) - pick.length;
  return `<h3>Events per hour, ${problem.length ? "hosts with problems" : "hosts"}</h3>` +
    `<p class="sub">Red shade: silent spans (no record longer than the coverage job's max gap); grey marks: hours without events.${
      more > 0 ? ` ${plural(more, "more host")} not drawn (see the table).` : ""
    }</p><div class="small-multiples">${figs}</div>`;
}

/** The section. */
export function coverageSection(m: Model): Section {
  const id = "coverage";
  const title = "Coverage";
  if (!m.hosts) return { id, title, html: absent("coverage", "host coverage"), data: [] };
  const hosts = [...m.hosts].sort(compareHosts);
  const counts = VERDICTS.map((v) => hosts.filter((h) => h.verdict === v).length);
  const lossy = hosts.filter((h) => h.lostTotal > 0).sort((a, b) => b.lostTotal - a.lostTotal);
  const rows: Cell[][] = hosts.map((h) => [
    h.verdict,
    h.host,
    h.reason,
    yesNo(h.reporting),
    yesNo(h.inInventory),
    h.records,
    h.execRecords,
    h.firstEvent !== null ? timeOfDay(h.firstEvent, m.day) : null,
    h.lastEvent !== null ? timeOfDay(h.lastEvent, m.day) : null,
    h.lostTotal,
    h.badTotal,
    h.silentSpans,
    h.longestSilenceS !== null ? duration(h.longestSilenceS) : null,
    h.silencesText || null,
    h.chainBroken,
  ]);
  const table = renderTable({
    id: "coverage",
    columns: [
      { label: "verdict", kind: "rank", ranks: VERDICTS, palette: "verdict", facet: true },
      { label: "host" },
      { label: "reasons", max: 200 },
      { label: "reporting", facet: true },
      { label: "in inventory", facet: true },
      { label: "records", kind: "num" },
      { label: "exec records", kind: "num" },
      { label: "first record" },
      { label: "last record" },
      { label: "lost events", kind: "num", title: LOST_EVENT_COLUMNS.join(" + ") },
      { label: "damaged input", kind: "num", title: BAD_INPUT_COLUMNS.join(" + ") },
      { label: "silent spans", kind: "num" },
      { label: "longest silence" },
      { label: "silences (UTC)", max: 80 },
      { label: "chain breaks", kind: "num" },
    ],
    rows,
    details: hosts.map(detailOf),
    empty: "No host in the coverage table.",
  });
  const gridHosts = hosts.slice(0, GRID_HOSTS);
  const html = droppedNote(m, "coverage", hosts.length) +
    `<h3>Verdicts per host, worst first</h3>` +
    legend(VERDICTS.map((v, i) => ({ label: v, cls: `verdict-${i}`, count: counts[i] }))) +
    grid(
      gridHosts.map((h) => ({
        cls: verdictCls(h.verdict),
        title: `${h.host}: ${h.verdict ?? "no verdict"}${h.reason ? ` (${h.reason})` : ""}`,
      })),
      { label: "verdict per host", width: 1100 },
    ) +
    (hosts.length > gridHosts.length
      ? `<p class="sub">${plural(hosts.length - gridHosts.length, "more host")} not drawn.</p>`
      : "") +
    `<h3>Lost events per host</h3>` +
    (lossy.length
      ? barList(
        lossy.slice(0, LOSS_HOSTS).map((h) => ({
          label: h.host,
          value: h.lostTotal,
          cls: "bar-lost",
          title: `${h.host}: ${
            LOST_EVENT_COLUMNS.filter((c) => h.lost[c]).map((c) => `${c} ${int(h.lost[c]!)}`)
              .join(", ")
          }`,
        })),
        { label: "lost events per host", width: 760, labelWidth: 260 },
      ) +
        (lossy.length > LOSS_HOSTS
          ? `<p class="sub">${plural(lossy.length - LOSS_HOSTS, "more host")} with losses.</p>`
          : "")
      : `<p class="sub">No host lost events.</p>`) +
    hostCharts(m, hosts) +
    `<h3>Every host, worst verdict first</h3>${table.html}`;
  return { id, title, html, data: [table.data] };
}
