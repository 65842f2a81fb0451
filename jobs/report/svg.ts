/**
 * Inline SVG charts, drawn as text: bars per hour of the day (silent spans
 * shaded), horizontal bar lists, one stacked bar, a grid of cells. Colours
 * come from CSS classes (the page's style sheet), every label goes through
 * {@link attr}; `cls` values are the report's own class names.
 *
 * @module
 */

import { attr } from "./escape.ts";
import { int } from "./format.ts";
import type { Span } from "./model.ts";

const r1 = (n: number) => Math.round(n * 10) / 10;
const cls = (c: string | undefined) => (c && /^[a-z0-9 -]+$/.test(c) ? c : "");
const hhmm = (m: number) =>
  `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;

/** `s` cut to `max` characters (code points) with an ellipsis. */
export function cut(s: string, max: number): string {
  const cps = Array.from(s);
  return cps.length <= max ? s : cps.slice(0, max - 1).join("") + "…";
}

function svgOpen(w: number, h: number, label: string, klass: string): string {
  return `<svg class="${klass}" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img" ` +
    `aria-label="${attr(label)}" xmlns="http://www.w3.org/2000/svg"><title>${attr(label)}</title>`;
}

/** Options of {@link hourChart}. */
export interface HourChartOptions {
  /** events per hour, 24 values */
  events: readonly number[];
  /** failed execs per hour (drawn over the bars). @default none */
  failed?: readonly number[];
  /** silent spans (minutes), shaded across the chart. @default none */
  silences?: readonly Span[];
  /** the chart's accessible name and tooltip */
  label: string;
  /** @default 720 */
  width?: number;
  /** @default 160 */
  height?: number;
  /** hour and count axes. @default true */
  axes?: boolean;
  /** what the values count, in tooltips. @default "events" */
  unit?: string;
}

/** Events per hour of a day as bars; silent spans shaded (class `silent`). */
export function hourChart(o: HourChartOptions): string {
  const w = o.width ?? 720;
  const h = o.height ?? 160;
  const axes = o.axes ?? true;
  const left = axes ? 48 : 1;
  const bottom = axes ? 18 : 1;
  const pw = w - left - 2;
  const ph = h - bottom - 4;
  const max = Math.max(1, ...o.events);
  const x = (hour: number) => r1(left + (hour / 24) * pw);
  const y = (v: number) => r1(4 + ph - (v / max) * ph);
  let s = svgOpen(w, h, o.label, "chart hours");
  for (const sp of o.silences ?? []) {
    s += `<rect class="silent" x="${x(sp.start / 60)}" y="4" width="${
      r1(((sp.end - sp.start) / 1440) * pw)
    }" height="${ph}"><title>silent ${hhmm(sp.start)}-${hhmm(sp.end)} UTC</title></rect>`;
  }
  const bw = r1(pw / 24 - 1);
  for (let i = 0; i < 24; i++) {
    const v = o.events[i] ?? 0;
    const f = o.failed?.[i] ?? 0;
    const tip = `${String(i).padStart(2, "0")}:00-${String(i + 1).padStart(2, "0")}:00 UTC: ${
      int(v)
    } ${attr(o.unit ?? "events")}${f ? `, ${int(f)} failed` : ""}`;
    s += `<g><title>${tip}</title>`;
    if (v > 0) {
      s += `<rect class="bar" x="${x(i)}" y="${y(v)}" width="${bw}" height="${
        r1(4 + ph - y(v))
      }"/>`;
    } else s += `<rect class="hole" x="${x(i)}" y="${r1(ph + 2)}" width="${bw}" height="2"/>`;
    if (f > 0) {
      const fy = y(Math.min(f, v || f));
      s += `<rect class="bar-failed" x="${x(i)}" y="${fy}" width="${bw}" height="${
        r1(4 + ph - fy)
      }"/>`;
    }
    s += `</g>`;
  }
  if (axes) {
    s += `<line class="axis" x1="${left}" y1="${4 + ph}" x2="${left + pw}" y2="${4 + ph}"/>`;
    for (const hr of [0, 3, 6, 9, 12, 15, 18, 21, 24]) {
      s += `<text class="tick" x="${x(hr)}" y="${h - 4}" text-anchor="middle">${
        String(hr).padStart(2, "0")
      }</text>`;
    }
    s += `<text class="tick" x="${left - 4}" y="12" text-anchor="end">${int(max)}</text>` +
      `<text class="tick" x="${left - 4}" y="${4 + ph}" text-anchor="end">0</text>`;
  }
  return s + `</svg>`;
}

/** One bar of {@link barList}. */
export interface Bar {
  label: string;
  value: number;
  /** CSS class of the bar. @default "bar" */
  cls?: string;
  /** tooltip. @default "label: value" */
  title?: string;
}

/** Options of {@link barList}. */
export interface BarListOptions {
  /** accessible name */
  label: string;
  /** @default 720 */
  width?: number;
  /** width of the label column. @default 260 */
  labelWidth?: number;
  /** @default 18 */
  barHeight?: number;
}

/** Horizontal bars, one per item, labelled left and valued right. */
export function barList(items: readonly Bar[], o: BarListOptions): string {
  const w = o.width ?? 720;
  const lw = o.labelWidth ?? 260;
  const bh = o.barHeight ?? 18;
  const h = Math.max(1, items.length) * (bh + 4);
  const max = Math.max(1, ...items.map((b) => b.value));
  const pw = w - lw - 70;
  const maxChars = Math.floor(lw / 7);
  let s = svgOpen(w, h, o.label, "chart bars");
  items.forEach((b, i) => {
    const y = i * (bh + 4);
    const bw = b.value > 0 ? Math.max(1, r1((b.value / max) * pw)) : 0;
    s += `<g><title>${attr(b.title ?? `${b.label}: ${int(b.value)}`)}</title>` +
      `<text class="label" x="${lw - 6}" y="${y + bh - 5}" text-anchor="end">${
        attr(cut(b.label, maxChars))
      }</text>` +
      `<rect class="${cls(b.cls) || "bar"}" x="${lw}" y="${y}" width="${bw}" height="${bh}"/>` +
      `<text class="value" x="${lw + bw + 4}" y="${y + bh - 5}">${int(b.value)}</text></g>`;
  });
  return s + `</svg>`;
}

/** One part of {@link stackBar}. */
export interface Part {
  label: string;
  value: number;
  cls: string;
}

/** One bar split into parts proportional to their values (a legend is the caller's). */
export function stackBar(parts: readonly Part[], o: { label: string; width?: number }): string {
  const w = o.width ?? 720;
  const h = 22;
  const total = parts.reduce((n, p) => n + Math.max(0, p.value), 0);
  let s = svgOpen(w, h, o.label, "chart stack");
  let x = 0;
  for (const p of parts) {
    if (p.value <= 0 || total === 0) continue;
    const pw = (p.value / total) * w;
    s += `<rect class="${cls(p.cls)}" x="${r1(x)}" y="0" width="${r1(pw)}" height="${h}"><title>${
      attr(`${p.label}: ${int(p.value)}`)
    }</title></rect>`;
    x += pw;
  }
  return s + `</svg>`;
}

/** One cell of {@link grid}. */
export interface Cell {
  cls: string;
  title: string;
}

/** Square cells in rows (e.g. one per host, coloured by verdict). */
export function grid(
  cells: readonly Cell[],
  o: { label: string; width?: number; size?: number },
): string {
  const w = o.width ?? 720;
  const size = o.size ?? 12;
  const cols = Math.max(1, Math.floor(w / (size + 2)));
  const h = Math.max(1, Math.ceil(cells.length / cols)) * (size + 2);
  let s = svgOpen(w, h, o.label, "chart grid");
  cells.forEach((c, i) => {
    s += `<rect class="${cls(c.cls)}" x="${(i % cols) * (size + 2)}" y="${
      Math.floor(i / cols) * (size + 2)
    }" width="${size}" height="${size}"><title>${attr(c.title)}</title></rect>`;
  });
  return s + `</svg>`;
}
