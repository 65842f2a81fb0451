import assert from "node:assert/strict";
import {
  fixtureHosts,
  hostileStrings,
  longCommandLine,
  reportFixture,
} from "../../tests/support/report_fixture.ts";
import { CLIENT_JS } from "./client.ts";
import { text, visible } from "./escape.ts";
import { LEVELS, VERDICTS } from "./model.ts";
import { renderReport } from "./render.ts";

const NONCE = "dGVzdC1ub25jZS0xMjM0NTY=";

/** The JSON of a table's data block. */
// deno-lint-ignore no-explicit-any
function tableData(html: string, id: string): any {
  const m = new RegExp(`<script type="application/json" id="data-${id}">(.*?)</script>`, "s")
    .exec(html);
  assert(m, `no data block ${id}`);
  return JSON.parse(m[1]);
}

/** The page without its data blocks, script and style: what the HTML parser builds elements from. */
function markup(html: string): string {
  return html
    .replace(/<script type="application\/json" id="data-[a-z_-]+">.*?<\/script>/gs, "")
    .replace(`<script nonce="${NONCE}">${CLIENT_JS}</script>`, "")
    .replace(/<style nonce="[^"]+">.*?<\/style>/s, "");
}

const TAGS = new Set(
  ("html head meta title style body header h1 h2 h3 p span code noscript nav a main section div " +
    "ul li figure figcaption svg rect g text line table thead tbody tr th td button strong script")
    .split(" "),
);

Deno.test("renderReport() escapes every hostile host string: only the page's own elements", () => {
  const html = renderReport(reportFixture({ port: 4321 }), { nonce: NONCE });
  const rest = markup(html);
  for (const m of rest.matchAll(/<\/?([a-zA-Z][a-zA-Z0-9-]*)/g)) {
    assert(TAGS.has(m[1].toLowerCase()), `unexpected element <${m[1]}>`);
  }
  assert(!/<script/i.test(rest), "a script element outside the page's own");
  for (const tag of rest.matchAll(/<[a-zA-Z][^>]*>/g)) {
    const names = tag[0].replace(/"[^"]*"/g, '""');
    assert(!/\son[a-z]+=/i.test(names), `an event handler attribute: ${tag[0]}`);
    // no URL but the page's own anchors
    assert(!/\s(src|srcset|action|formaction|data|poster)=/i.test(names), tag[0]);
    assert(!/\shref="(?!#[a-z]+")/i.test(tag[0]), tag[0]);
    assert(!/\sid="injected/.test(tag[0]), tag[0]);
  }
  for (const [name, s] of Object.entries(hostileStrings(4321))) {
    assert(html.includes(text(s)), `${name} not shown as text`);
  }
  // C0 controls and raw bytes never reach the page as characters
  // deno-lint-ignore no-control-regex
  assert(!/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\udc80-\udcff]/.test(html));
});

Deno.test("renderReport() keeps </script> inside the JSON data blocks from ending them", () => {
  const input = reportFixture({ port: 4321 });
  const html = renderReport(input, { nonce: NONCE });
  const blocks = [
    ...html.matchAll(/<script type="application\/json" id="data-([a-z_-]+)">(.*?)<\/script>/gs),
  ];
  assert(blocks.length >= 5);
  for (const b of blocks) {
    assert(!b[2].includes("<"), `data-${b[1]} has a <`);
    JSON.parse(b[2]);
  }
  const d = tableData(html, "sigma");
  assert(d.s.includes(visible(hostileStrings(4321).closeScript)));
  assert(d.s.includes(visible(longCommandLine(4321))));
});

Deno.test("renderReport() puts a nonce CSP first and the nonce on its only script and style", () => {
  const html = renderReport(reportFixture(), { nonce: NONCE });
  const head = html.slice(0, html.indexOf("</head>"));
  assert.match(
    head,
    /^<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">\n<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'nonce-dGVzdC1ub25jZS0xMjM0NTY='; style-src 'nonce-dGVzdC1ub25jZS0xMjM0NTY='; /,
  );
  const scripts = [...html.matchAll(/<script([^>]*)>/g)].map((m) => m[1]);
  assert.equal(scripts.filter((a) => a === ` nonce="${NONCE}"`).length, 1);
  assert(
    scripts.every((a) => a === ` nonce="${NONCE}"` || a.startsWith(` type="application/json"`)),
  );
  assert(!/\sstyle="/.test(markup(html)), "a style attribute (blocked by the CSP)");
  assert.notEqual(
    /nonce-([^']+)'/.exec(renderReport(reportFixture()))![1],
    /nonce-([^']+)'/.exec(renderReport(reportFixture()))![1],
  );
});

Deno.test("renderReport() is the same page for the same input and nonce", () => {
  assert.equal(
    renderReport(reportFixture(), { nonce: NONCE }),
    renderReport(reportFixture(), { nonce: NONCE }),
  );
});

Deno.test("renderReport() lists Sigma findings most severe first, with lineage and novelty", () => {
  const input = reportFixture({ sigmaMatches: 300, port: 4321 });
  const d = tableData(renderReport(input, { nonce: NONCE }), "sigma");
  const levels = d.r.map((r: number[]) => d.s[r[0]]);
  const ranks = levels.map((l: string) => LEVELS.indexOf(l as typeof LEVELS[number]));
  assert.equal(d.r.length, 300);
  assert(ranks.every((r: number, i: number) => i === 0 || ranks[i - 1] <= r), "not by level");
  assert.deepEqual(
    LEVELS.map((l) => levels.filter((x: string) => x === l).length),
    LEVELS.map((l) => input.tables.sigma_matches.filter((m) => m.level === l).length),
  );
  // the first finding's tree: its ancestors root first, then itself
  const first = input.tables.sigma_matches[0];
  const [, , tree, notes] = d.d[0];
  const nodes = tree.filter((_: number, i: number) => i % 2 === 0).map((i: number) => d.s[i]);
  const ancestors = (first.ancestors as string[]).map(visible).reverse();
  assert.deepEqual(nodes.slice(0, -1), ancestors);
  assert(nodes.at(-1).startsWith(visible(first.image as string)));
  assert(notes.map((i: number) => d.s[i]).some((n: string) => n.includes("first seen")));
});

Deno.test("renderReport() lists hosts worst verdict first", () => {
  const input = reportFixture({ hosts: 40 });
  const d = tableData(renderReport(input, { nonce: NONCE }), "coverage");
  const ranks = d.r.map((r: number[]) => VERDICTS.indexOf(d.s[r[0]]));
  assert(ranks.every((r: number, i: number) => i === 0 || ranks[i - 1] <= r), "not by verdict");
  assert.equal(d.r.length, 40);
  assert.deepEqual(
    new Set(d.r.map((r: number[]) => d.s[r[1]])),
    new Set(fixtureHosts(40).map(visible)),
  );
});

Deno.test("renderReport() says which tables the run lacks and how many rows were dropped", () => {
  const input = reportFixture({ dropped: { sigma_matches: 1234 } });
  delete input.tables.novelty;
  delete input.tables.activity;
  const html = renderReport(input, { nonce: NONCE });
  assert.match(html, /No table <code>novelty<\/code> in this run: the novelty job did not run/);
  assert.match(html, /No table <code>activity<\/code> in this run/);
  assert.match(html, /novelty: the novelty job did not run/);
  assert.match(html, /1,234 more dropped by the engine's cap/);
  const empty = renderReport({ day: "2026-11-27", tables: {}, counters: [], notes: [] });
  for (const t of ["coverage", "sigma_matches", "sigma_rules", "novelty"]) {
    assert(empty.includes(`No table <code>${t}</code>`), t);
  }
});

Deno.test("renderReport() renders one page of rows of 10,000 findings", () => {
  const html = renderReport(reportFixture({ sigmaMatches: 10_000, hosts: 300 }), { nonce: NONCE });
  const body = /<tbody id="rows-sigma">(.*?)<\/tbody>/s.exec(html)![1];
  assert.equal((body.match(/<tr data-i=/g) ?? []).length, 50);
  assert.equal(tableData(html, "sigma").r.length, 10_000);
});

Deno.test("renderReport() lists the rules not evaluated with their reasons", () => {
  const input = reportFixture();
  const d = tableData(renderReport(input, { nonce: NONCE }), "rules_not_evaluated");
  const want = input.tables.sigma_rules.filter((r) => r.evaluated === false);
  assert.equal(d.r.length, want.length);
  assert.deepEqual(
    new Set(d.r.map((r: number[]) => d.s[r[0]])),
    new Set(want.map((r) => visible(r.reason as string))),
  );
});

Deno.test("renderReport() links the CSV files beside the page when told which", () => {
  const html = renderReport(reportFixture(), { nonce: NONCE, csv: ["sigma_matches", 'x" y'] });
  assert(html.includes(`<a href="sigma_matches-2026-11-27.csv">sigma_matches</a>`));
  assert.equal((html.match(/\.csv"/g) ?? []).length, 1);
  assert(!renderReport(reportFixture(), { nonce: NONCE }).includes(".csv"));
});
