/**
 * Prefilters for the field index: for a rule, literal atoms on field
 * values such that the rule can only be true (or unknown) when one of them
 * holds, the fields being known. Derived from the expression tree:
 *
 * - a string pattern on a field: no wildcard -> the text equals it; else
 *   it ends with its trailing literal, else starts with its leading
 *   literal, else contains its longest literal (folded, unless cased);
 *   other tests have none
 * - and: the best prefilter of its arguments (one of them must hold)
 * - or: the union of its arguments' (all must have one)
 * - not, keywords: none (the rule is always evaluated)
 *
 * A test's answer depends on its field alone, so with the field known and
 * no atom of the field holding, the test is false whatever else is
 * unknown; the index (field_index.ts) evaluates every rule with an atom on
 * an unknown field.
 *
 * @module
 */

import type { Node } from "./expr.ts";
import { fold } from "./fold.ts";
import { mapLiterals, MULTI, SINGLE } from "./sigma_string.ts";

/** One literal condition on a field's (folded unless cased) text. */
export interface Atom {
  field: string;
  kind: "eq" | "prefix" | "suffix" | "contains";
  cased: boolean;
  lit: string;
}

function cost(atoms: readonly Atom[]): number {
  let c = 0;
  for (const a of atoms) {
    c += (a.kind === "eq" ? 1 : a.kind === "contains" ? 4 : 2) + (a.lit.length < 3 ? 8 : 0);
  }
  return c;
}

/** The rule's prefilter; null when it has none. */
export function prefilter(node: Node): Atom[] | null {
  switch (node.k) {
    case "field": {
      const t = node.test;
      if (t.k !== "pattern") return null;
      const p = t.cased ? t.s : mapLiterals(t.s, fold);
      const wild = (x: unknown) => x === MULTI || x === SINGLE;
      const base = { field: node.field, cased: t.cased };
      if (!p.some(wild)) return [{ ...base, kind: "eq", lit: (p[0] as string | undefined) ?? "" }];
      const last = p[p.length - 1];
      if (typeof last === "string") return [{ ...base, kind: "suffix", lit: last }];
      const first = p[0];
      if (typeof first === "string") return [{ ...base, kind: "prefix", lit: first }];
      let longest = "";
      for (const x of p) if (typeof x === "string" && x.length > longest.length) longest = x;
      return longest === "" ? null : [{ ...base, kind: "contains", lit: longest }];
    }
    case "and": {
      let best: Atom[] | null = null;
      for (const a of node.args) {
        const p = prefilter(a);
        if (p !== null && (best === null || cost(p) < cost(best))) best = p;
      }
      return best;
    }
    case "or": {
      const out: Atom[] = [];
      for (const a of node.args) {
        const p = prefilter(a);
        if (p === null) return null;
        out.push(...p);
      }
      return out;
    }
    case "not":
    case "keyword":
      return null;
  }
}
