/**
 * Section "Summary": hosts reporting against the expected hosts, events,
 * losses, verdicts, findings, rules, events per hour fleet-wide (and hosts
 * silent per hour), the run's notes.
 *
 * @module
 */

import { escapeHtml, text } from "../escape.ts";
import { int, plural } from "../format.ts";
import { LEVELS, type Model, NOVELTY_FINDINGS, rank, VERDICTS } from "../model.ts";
import { hourChart, stackBar } from "../svg.ts";
import { absent, card, countBy, legend, type Section } from "./common.ts";
import { FINDING_LABELS } from "./novelty_context.ts";

function hostCards(m: Model): string {
  const hosts = m.hosts;
  if (!hosts) return "";
  const inventory = hosts.some((h) => h.inInventory !== null);
  const expected = inventory ? hosts.filter((h) => h.inInventory).length : hosts.length;
  const reporting = hosts.filter((h) => h.reporting && (!inventory || h.inInventory)).length;
  const unlisted = inventory
    ? hosts.filter((h) => h.reporting && h.inInventory === false).length
    : 0;
  const lost = hosts.reduce((n, h) => n + h.lostTotal, 0);
  const bad = hosts.reduce((n, h) => n + h.badTotal, 0);
  const breaks = hosts.reduce((n, h) => n + (h.chainBroken ?? 0), 0);
  const missing = hosts.filter((h) => h.verdict === "missing" || h.verdict === "silent").length;
  return card(
    "hosts reporting",
    `${int(reporting)} <span class="sub">of ${int(expected)}</span>`,
    (inventory ? "expected: the inventory" : "expected: hosts seen in the last 7 days") +
      (unlisted ? `; ${plural(unlisted, "more host")} reporting, not in it` : ""),
    reporting < expected,
  ) +
    card("missing or silent hosts", int(missing), "verdict missing or silent", missing > 0) +
    card(
      "lost events",
      int(lost),
      `on ${plural(hosts.filter((h) => h.lostTotal > 0).length, "host")}`,
      lost > 0,
    ) +
    card(
      "damaged input",
      int(bad),
      `lines or files, on ${plural(hosts.filter((h) => h.badTotal > 0).length, "host")}`,
      bad > 0,
    ) +
    card("hash-chain breaks", int(breaks), "edited, missing or reordered records", breaks > 0);
}

function eventCards(m: Model): string {
  if (m.activity) {
    let events = 0;
    let failed = 0;
    for (const h of m.activity.values()) {
      events += h.events.reduce((a, b) => a + b, 0);
      failed += h.failed.reduce((a, b) => a + b, 0);
    }
    return card("events", int(events), `${int(failed)} failed execs`);
  }
  if (m.hosts) {
    return card(
      "exec records",
      int(m.hosts.reduce((n, h) => n + (h.execRecords ?? 0), 0)),
      "from the coverage table",
    );
  }
  return "";
}

function findingCards(m: Model): string {
  let s = "";
  if (m.findings) {
    const levels = countBy(m.findings.map((f) => f.level), LEVELS).filter(([, n]) => n > 0);
    const severe = m.findings.filter((f) => rank(LEVELS, f.level) <= 1).length;
    s += card(
      "Sigma findings",
      `<a href="#sigma">${int(m.findings.length + m.dropped("sigma_matches"))}</a>`,
      escapeHtml(levels.map(([l, n]) => `${int(n)} ${l}`).join(", ")),
      severe > 0,
    );
  }
  if (m.novelty) {
    const n = countBy(m.novelty.map((r) => r.finding), NOVELTY_FINDINGS).filter(([, c]) => c > 0);
    s += card(
      "novelty findings",
      `<a href="#novelty">${int(m.novelty.length + m.dropped("novelty"))}</a>`,
      escapeHtml(n.map(([f, c]) => `${int(c)} ${FINDING_LABELS[f] ?? f}`).join(", ")),
    );
  }
  if (m.rules) {
    const ev = m.rules.filter((r) => r.evaluated === true).length;
    s += card(
      "Sigma rules evaluated",
      `${int(ev)} <span class="sub">of ${int(m.rules.length)}</span>`,
      `<a href="#rules">${int(m.rules.length - ev)} not evaluated</a>`,
    );
  }
  return s;
}

function fleetCharts(m: Model): string {
  if (!m.activity) return absent("activity", "events per hour");
  const events = new Array(24).fill(0);
  const failed = new Array(24).fill(0);
  for (const h of m.activity.values()) {
    for (let i = 0; i < 24; i++) {
      events[i] += h.events[i];
      failed[i] += h.failed[i];
    }
  }
  let s =
    `<figure><figcaption>Events per hour (UTC), fleet-wide; failed execs in orange</figcaption>${
      hourChart({ events, failed, label: "events per hour, fleet-wide", width: 900 })
    }</figure>`;
  if (m.hosts) {
    const silent = new Array(24).fill(0);
    for (const h of m.hosts) {
      for (let i = 0; i < 24; i++) {
        if (h.silences.some((sp) => sp.start < (i + 1) * 60 && sp.end > i * 60)) silent[i]++;
      }
    }
    s += `<figure><figcaption>Hosts with a silent span, per hour (UTC)</figcaption>${
      hourChart({
        events: silent,
        label: "hosts with a silent span per hour",
        width: 900,
        height: 90,
        unit: "hosts silent",
      })
    }</figure>`;
  }
  return s;
}

/** The section. */
export function summarySection(m: Model): Section {
  const verdicts = m.hosts ? countBy(m.hosts.map((h) => h.verdict), VERDICTS) : [];
  const dropped = ["coverage", "activity", "sigma_matches", "sigma_rules", "novelty", "lineage"]
    .filter((t) => m.dropped(t) > 0);
  const html =
    (m.notes.length
      ? `<div class="warn"><strong>Notes of the run</strong><ul class="plain">${
        m.notes.map((n) => `<li>${text(n)}</li>`).join("")
      }</ul></div>`
      : "") +
    (dropped.length
      ? `<p class="warn">Rows dropped by the engine's cap: ${
        dropped.map((t) => `${escapeHtml(t)} ${int(m.dropped(t))}`).join(", ")
      } (the Parquet tables have them all).</p>`
      : "") +
    `<div class="cards">${hostCards(m)}${eventCards(m)}${findingCards(m)}</div>` +
    (m.hosts
      ? `<h3>Verdicts</h3>${
        stackBar(
          verdicts.filter(([, n]) => n > 0).map(([v, n]) => ({
            label: v,
            value: n,
            cls: rank(VERDICTS, v) < VERDICTS.length ? `verdict-${rank(VERDICTS, v)}` : "hole",
          })),
          { label: "hosts per verdict", width: 900 },
        )
      }${
        legend(verdicts.map(([v, n]) => ({
          label: v,
          cls: rank(VERDICTS, v) < VERDICTS.length ? `verdict-${rank(VERDICTS, v)}` : "hole",
          count: n,
        })))
      }`
      : absent("coverage", "hosts, losses and verdicts")) +
    `<div class="charts">${fleetCharts(m)}</div>`;
  return { id: "summary", title: "Summary", html, data: [] };
}
