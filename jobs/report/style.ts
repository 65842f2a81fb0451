/**
 * The page's style sheet (inline, under the page's CSP nonce). Palettes:
 * `level-N` (Sigma levels, LEVELS order), `verdict-N` (VERDICTS order),
 * `finding-N` (NOVELTY_FINDINGS order), colouring table cells (background)
 * and SVG shapes (fill) alike.
 *
 * @module
 */

const LEVEL_COLOURS = ["#7a0019", "#d7301f", "#f08c00", "#e8c547", "#9aa5b1"];
const VERDICT_COLOURS = ["#3b3b3b", "#6f3fbf", "#a4000f", "#e8590c", "#f2c230", "#2f9e44"];
const FINDING_COLOURS = ["#c2255c", "#e8590c", "#f2c230"];
// text on the darker colours is white
const DARK = new Set(["#7a0019", "#d7301f", "#3b3b3b", "#6f3fbf", "#a4000f", "#c2255c", "#2f9e44"]);

const palette = (name: string, colours: string[]) =>
  colours.map((c, i) =>
    `.${name}-${i}{background:${c};fill:${c};color:${DARK.has(c) ? "#fff" : "#111"}}`
  ).join("\n");

/** The style sheet. */
export const CSS = `
:root{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1f24;background:#fff}
body{margin:0 auto;max-width:1400px;padding:0 20px 60px}
header{border-bottom:2px solid #1b1f24;margin-bottom:8px}
h1{font-size:22px;margin:16px 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
h3{font-size:15px;margin:18px 0 6px}
nav a{margin-right:14px;color:#0b5cad}
.sub{color:#57606a}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:8px 0}
.card{border:1px solid #d0d7de;border-radius:6px;padding:8px 12px;min-width:150px}
.card .big{font-size:22px;font-weight:600}
.card.bad{border-color:#a4000f;background:#fff5f5}
.warn{border-left:4px solid #e8590c;background:#fff8f0;padding:6px 10px;margin:8px 0}
.absent{border-left:4px solid #9aa5b1;background:#f6f8fa;padding:6px 10px;margin:8px 0;color:#57606a}
ul.plain{margin:4px 0;padding-left:20px}
.legend span{display:inline-block;padding:1px 8px;margin:2px 6px 2px 0;border-radius:3px;font-size:12px}
.charts{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start}
.small-multiples{display:grid;grid-template-columns:repeat(auto-fill,minmax(230px,1fr));gap:8px}
.small-multiples figure{margin:0;border:1px solid #eaeef2;padding:4px}
figcaption{font-size:12px;color:#57606a;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
svg.chart{display:block;max-width:100%;height:auto}
svg text{font:11px system-ui,sans-serif;fill:#1b1f24}
svg .tick{fill:#57606a}
svg .axis{stroke:#8c959f}
.bar{fill:#2f6fb0}.bar-failed{fill:#f08c00}.hole{fill:#d0d7de}.silent{fill:#d7301f;fill-opacity:.18}
.bar-lost{fill:#e8590c}
.tbl{margin:8px 0 18px}
.controls{display:flex;flex-wrap:wrap;gap:8px;margin:4px 0}
.controls input.filter{min-width:280px;padding:3px 6px}
.controls select{max-width:240px}
.pager{display:flex;gap:10px;align-items:center;margin:4px 0;color:#57606a;font-size:13px}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{border-bottom:1px solid #eaeef2;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#f6f8fa;position:sticky;top:0;cursor:pointer;user-select:none;white-space:nowrap}
th[aria-sort=ascending]::after{content:" ▲"}th[aria-sort=descending]::after{content:" ▼"}
th.exp,td.exp{width:22px;padding:2px}
button.exp{width:20px;height:20px;padding:0;line-height:1;cursor:pointer}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
td.mono,dd{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px;word-break:break-all}
td.null{color:#8c959f}
td[class^=level-],td[class^=verdict-],td[class^=finding-]{white-space:nowrap;font-weight:600}
.x{background:#ffe3e3;color:#a4000f;border-radius:2px;font-family:ui-monospace,monospace}
tr.detail>td{background:#fbfcfd;padding:8px 12px}
div.detail dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:0 0 8px}
div.detail dt{color:#57606a}div.detail dd{margin:0;white-space:pre-wrap}
.tree-title{font-weight:600;margin:6px 0 2px}
.tree ul{list-style:none;margin:0;padding-left:14px;border-left:1px dotted #8c959f}
.tree .node{font-family:ui-monospace,monospace;font-size:12px;word-break:break-all}
.tree .sub{font-family:ui-monospace,monospace;font-size:11px;color:#57606a;word-break:break-all;white-space:pre-wrap}
ul.notes{margin:6px 0 0;padding-left:18px}
p.empty{color:#57606a;font-style:italic}
${palette("level", LEVEL_COLOURS)}
${palette("verdict", VERDICT_COLOURS)}
${palette("finding", FINDING_COLOURS)}
@media print{nav,.controls,.pager button,.pager select{display:none}th{position:static}}
`;
