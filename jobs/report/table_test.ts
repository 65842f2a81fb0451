import assert from "node:assert/strict";
import { renderTable, type TableSpec } from "./table.ts";

/** The JSON of a page's data block. */
// deno-lint-ignore no-explicit-any
function dataOf(block: string): any {
  const m = /^<script type="application\/json" id="data-[a-z_-]+">(.*)<\/script>$/s.exec(block);
  assert(m, block.slice(0, 200));
  return JSON.parse(m[1]);
}

const spec = (n: number, over: Partial<TableSpec> = {}): TableSpec => ({
  id: "t",
  columns: [{ label: "name" }, { label: "n", kind: "num" }, {
    label: "level",
    kind: "rank",
    ranks: ["high", "low"],
    palette: "level",
  }],
  rows: Array.from({ length: n }, (_, i) => [`row ${i}`, i, i % 2 ? "low" : "high"]),
  empty: "none",
  ...over,
});

Deno.test("renderTable() renders the first page of rows only and keeps every row as data", () => {
  const { html, data } = renderTable(spec(1000, { pageSize: 50 }));
  assert.equal((html.match(/<tr data-i=/g) ?? []).length, 50);
  assert(html.includes("rows 1–50 of 1,000"));
  const d = dataOf(data);
  assert.equal(d.r.length, 1000);
  assert.equal(d.s[d.r[999][0]], "row 999");
  assert.equal(d.r[999][1], 999);
  assert.equal(d.p, 50);
});

Deno.test("renderTable() pools strings, already visible, in the data block", () => {
  const { data } = renderTable(spec(0, {
    rows: [["a\x1bb", 1, "high"], ["a\x1bb", 2, "weird</script>"]],
  }));
  const d = dataOf(data);
  assert.equal(d.r[0][0], d.r[1][0]);
  assert.equal(d.s[d.r[0][0]], "a\\x1bb");
  assert.equal(d.s[d.r[1][2]], "weird</script>");
  assert(!data.slice(0, -"</script>".length).includes("</script>"), data);
});

Deno.test("renderTable() colours known rank values only and escapes cells", () => {
  const { html } = renderTable(spec(0, { rows: [["<b>", 1, "low"], ["x", null, "<i>"]] }));
  assert(html.includes(`<td class="level-1">low</td>`), html);
  assert(html.includes(`<td>&lt;i&gt;</td>`), html);
  assert(html.includes(`<td>&lt;b&gt;</td>`), html);
  assert(html.includes(`<td class="null">–</td>`), html);
});

Deno.test("renderTable() cuts long text cells and keeps the whole text in details", () => {
  const long = "x".repeat(500);
  const { html, data } = renderTable({
    id: "cut",
    columns: [{ label: "cmd", max: 20 }],
    rows: [[long]],
    details: [{
      facts: [["command line", long], ["none", null]],
      tree: { title: "t", nodes: [["a", null], ["b", "c"]] },
      notes: ["n"],
    }],
    empty: "",
  });
  assert(html.includes(`<td>${"x".repeat(19)}…</td>`), html);
  const d = dataOf(data);
  assert.equal(d.s[d.r[0][0]].length, 20);
  const [facts, title, tree, notes] = d.d[0];
  assert.deepEqual(facts.map((i: number) => d.s[i]), ["command line", long]);
  assert.equal(d.s[title], "t");
  assert.deepEqual(tree.map((i: number) => (i < 0 ? null : d.s[i])), ["a", null, "b", "c"]);
  assert.deepEqual(notes.map((i: number) => d.s[i]), ["n"]);
  assert(html.includes(`<button type="button" class="exp"`));
});

Deno.test("renderTable() shows its empty text and rejects an id that is not lower-case", () => {
  const { html } = renderTable(spec(0, { empty: "nothing <here>" }));
  assert(html.includes(`<p class="empty">nothing &lt;here&gt;</p>`));
  assert.throws(() => renderTable(spec(1, { id: `x" onclick="` })), /table id/);
});
