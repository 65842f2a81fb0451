/**
 * Section "Counters": the run's counters (group/name, value).
 *
 * @module
 */

import type { Model } from "../model.ts";
import { renderTable } from "../table.ts";
import type { Section } from "./common.ts";

/** The section. */
export function countersSection(m: Model): Section {
  const rows = [...m.counters].map(([k, v]) => {
    const i = k.indexOf("/");
    return [i < 0 ? "" : k.slice(0, i), i < 0 ? k : k.slice(i + 1), v] as [string, string, number];
  }).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  const table = renderTable({
    id: "counters",
    columns: [
      { label: "group", facet: true },
      { label: "counter", cls: "mono" },
      { label: "value", kind: "num" },
    ],
    rows,
    pageSize: 50,
    empty: "The run reported no counters.",
  });
  return { id: "counters", title: "Counters", html: table.html, data: [table.data] };
}
