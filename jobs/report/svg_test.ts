import assert from "node:assert/strict";
import { barList, cut, grid, hourChart, stackBar } from "./svg.ts";

const count = (s: string, re: RegExp) => (s.match(re) ?? []).length;

Deno.test("hourChart() draws one mark per hour and shades the silent spans", () => {
  const events = Array.from({ length: 24 }, (_, h) => (h < 12 ? 100 + h : 0));
  const svg = hourChart({
    events,
    silences: [{ start: 720, end: 1440 }],
    label: "host",
    width: 480 + 50,
    axes: true,
  });
  assert.equal(count(svg, /class="bar"/g), 12);
  assert.equal(count(svg, /class="hole"/g), 12);
  const shade = /<rect class="silent" x="([\d.]+)" y="4" width="([\d.]+)"/.exec(svg);
  assert(shade, svg);
  // the plot is 480 px wide from x = 48: noon to midnight is its right half
  assert.equal(Number(shade[1]), 48 + 240);
  assert.equal(Number(shade[2]), 240);
  assert.match(svg, /<title>silent 12:00-24:00 UTC<\/title>/);
});

Deno.test("hourChart() scales bars to the busiest hour", () => {
  const events = new Array(24).fill(0);
  events[3] = 50;
  events[4] = 100;
  const svg = hourChart({ events, label: "x", height: 104 + 18, axes: true });
  const heights = [
    ...svg.matchAll(/class="bar" x="[\d.]+" y="[\d.]+" width="[\d.]+" height="([\d.]+)"/g),
  ]
    .map((m) => Number(m[1]));
  assert.deepEqual(heights, [50, 100]);
});

Deno.test("barList() escapes labels and tooltips", () => {
  const svg = barList([{ label: `<script>x</script>"'`, value: 3 }, { label: "b", value: 0 }], {
    label: `<img src=x>`,
  });
  assert(!svg.includes("<script"), svg);
  assert(!svg.includes("<img"), svg);
  assert(svg.includes("&lt;script&gt;"));
  assert.equal(count(svg, /<rect /g), 2);
});

Deno.test("barList() drops class names that are not the report's own", () => {
  const svg = barList([{ label: "a", value: 1, cls: `x" onload="alert(1)` }], { label: "l" });
  assert(!svg.includes("onload"), svg);
  assert.match(svg, /class="bar"/);
});

Deno.test("stackBar() splits the width by value and grid() draws one cell per item", () => {
  const s = stackBar([
    { label: "a", value: 1, cls: "verdict-0" },
    { label: "b", value: 3, cls: "verdict-5" },
    { label: "none", value: 0, cls: "verdict-1" },
  ], { label: "v", width: 400 });
  assert.deepEqual(
    [...s.matchAll(/<rect [^>]*width="([\d.]+)" height="22"/g)].map((m) => Number(m[1])),
    [100, 300],
  );
  const g = grid(Array.from({ length: 7 }, (_, i) => ({ cls: "verdict-0", title: `h${i}<` })), {
    label: "g",
    width: 42,
    size: 12,
  });
  assert.equal(count(g, /<rect /g), 7);
  assert(g.includes("h6&lt;"));
});

Deno.test("cut() cuts by code points with an ellipsis", () => {
  assert.equal(cut("abcdef", 4), "abc…");
  assert.equal(cut("ab", 4), "ab");
  assert.equal(cut("\u{1f600}\u{1f600}\u{1f600}", 2), "\u{1f600}…");
});
