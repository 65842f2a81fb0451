/**
 * Evaluation: an expression tree compiled into closures over an event
 * context (no YAML or RegExp work per event), answering in Kleene's
 * three-valued logic: a test of a field in `unknown` is unknown; `and` is
 * false when any argument is false, else unknown when any is unknown;
 * `or` is true when any argument is true, else unknown when any is;
 * `not` keeps unknown.
 *
 * Field tests (the field known):
 * - a string pattern: on the value's text (numbers and booleans as JSON
 *   text), folded (fold.ts) unless cased; absent or null: false
 * - a number: a number value equal to it, or a text equal to its decimal
 *   text or to a decimal number of the same value
 * - a boolean: a boolean value, or the text "true" / "false" (any case)
 * - null: the value is null or the field is absent
 * - exists: the field is (or is not) in the event, whatever its value
 * - re: a search in the value's text; cidr: the text is an address in
 *   the network; lt/lte/gt/gte: a number or decimal text compared
 * - fieldref: the other field's text equals (starts, ends, is contained
 *   in) this field's text, folded unless cased; either absent: false
 * - keyword: the test holds for any string-valued field of the rule's
 *   category (its catalog fields); a pattern is searched as a substring
 *
 * @module
 */

import { inCidr, parseIp } from "./cidr.ts";
import { fold, valueText } from "./fold.ts";
import type { Node, Test } from "./expr.ts";
import { concat, mapLiterals, MULTI, type SigmaString, SINGLE } from "./sigma_string.ts";
import type { SigmaEvent, SigmaValue } from "./types.ts";

/** A three-valued answer: false, true, unknown. */
export type Tri = 0 | 1 | 2;
export const FALSE: Tri = 0;
export const TRUE: Tri = 1;
export const UNKNOWN: Tri = 2;

/** Field names -> small integer slots, shared by the rules of one rule set. */
export class FieldTable {
  readonly names: string[] = [];
  readonly #slots = new Map<string, number>();

  /** The slot of `name` (a new one the first time). */
  slot(name: string): number {
    let s = this.#slots.get(name);
    if (s === undefined) {
      s = this.names.length;
      this.names.push(name);
      this.#slots.set(name, s);
    }
    return s;
  }
}

const NOT_READ = Symbol("not read");

/** One event as the closures see it: values, texts and folded texts read once per field. */
export class EvalCtx {
  readonly #ev: SigmaEvent;
  readonly #unknown: ReadonlySet<string> | undefined;
  readonly #names: readonly string[];
  readonly #values: (SigmaValue | undefined | typeof NOT_READ)[];
  readonly #folded: (string | null | typeof NOT_READ)[];

  constructor(ev: SigmaEvent, unknown: ReadonlySet<string> | undefined, table: FieldTable) {
    this.#ev = ev;
    this.#unknown = unknown !== undefined && unknown.size > 0 ? unknown : undefined;
    this.#names = table.names;
    this.#values = new Array(table.names.length).fill(NOT_READ);
    this.#folded = new Array(table.names.length).fill(NOT_READ);
  }

  /** The field's value; undefined when absent. */
  value(slot: number): SigmaValue | undefined {
    let v = this.#values[slot];
    if (v === NOT_READ) {
      const name = this.#names[slot];
      v = Object.hasOwn(this.#ev, name) ? this.#ev[name] : undefined;
      this.#values[slot] = v;
    }
    return v;
  }

  /** The field's text (fold.ts valueText). */
  text(slot: number): string | null {
    return valueText(this.value(slot));
  }

  /** The field's folded text. */
  folded(slot: number): string | null {
    let f = this.#folded[slot];
    if (f === NOT_READ) {
      const t = this.text(slot);
      f = t === null ? null : fold(t);
      this.#folded[slot] = f;
    }
    return f;
  }

  /** Whether the field is in the `unknown` set. */
  isUnknown(slot: number): boolean {
    return this.#unknown !== undefined && this.#unknown.has(this.#names[slot]);
  }
}

/** A compiled node. */
export type Eval = (c: EvalCtx) => Tri;

const DECIMAL = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;

function numberOf(v: SigmaValue | undefined): number | null {
  if (typeof v === "number") return v;
  if (typeof v === "string" && DECIMAL.test(v)) return Number(v);
  return null;
}

const REGEX_SPECIAL = /[\\^$.*+?()[\]{}|/]/g;

/** A Sigma string -> a predicate on (folded, unless cased) text. */
export function stringMatcher(s: SigmaString, cased: boolean): (t: string) => boolean {
  const p = cased ? s : mapLiterals(s, fold);
  const lit = (i: number) => p[i] as string;
  const isLit = (i: number) => typeof p[i] === "string";
  if (p.length === 0) return (t) => t === "";
  if (p.length === 1 && isLit(0)) return (t) => t === lit(0);
  if (p.length === 1 && p[0] === MULTI) return () => true;
  if (p.length === 2 && p[0] === MULTI && isLit(1)) return (t) => t.endsWith(lit(1));
  if (p.length === 2 && isLit(0) && p[1] === MULTI) return (t) => t.startsWith(lit(0));
  if (p.length === 3 && p[0] === MULTI && isLit(1) && p[2] === MULTI) {
    return (t) => t.includes(lit(1));
  }
  const body = p.map((x) =>
    x === MULTI ? ".*" : x === SINGLE ? "." : x.replace(REGEX_SPECIAL, "\\$&")
  ).join("");
  const re = new RegExp(`^${body}$`, "su");
  return (t) => re.test(t);
}

/** A test -> a predicate on a known field's value (slot `slot`). */
function valueTest(
  test: Test,
  slot: number,
  table: FieldTable,
  stringsOnly: boolean,
): (c: EvalCtx) => Tri {
  const str = (f: (t: string) => boolean, folded: boolean) => (c: EvalCtx): Tri => {
    if (stringsOnly && typeof c.value(slot) !== "string") return FALSE;
    const t = folded ? c.folded(slot) : c.text(slot);
    return t !== null && f(t) ? TRUE : FALSE;
  };
  switch (test.k) {
    case "pattern":
      return str(stringMatcher(test.s, test.cased), !test.cased);
    case "re": {
      const re = test.re;
      return str((t) => re.test(t), false);
    }
    case "cidr": {
      const net = test.net;
      return str((t) => {
        const ip = parseIp(t);
        return ip !== null && inCidr(ip, net);
      }, false);
    }
    case "number": {
      const n = test.n;
      const text = String(n);
      return (c) => {
        const v = c.value(slot);
        if (typeof v === "number") return !stringsOnly && v === n ? TRUE : FALSE;
        if (typeof v !== "string") return FALSE;
        return v === text || (DECIMAL.test(v) && Number(v) === n) ? TRUE : FALSE;
      };
    }
    case "bool": {
      const b = test.b;
      const text = String(b);
      return (c) => {
        const v = c.value(slot);
        if (typeof v === "boolean") return !stringsOnly && v === b ? TRUE : FALSE;
        return typeof v === "string" && fold(v) === text ? TRUE : FALSE;
      };
    }
    case "null":
      return (c) => {
        const v = c.value(slot);
        return v === null || v === undefined ? TRUE : FALSE;
      };
    case "exists": {
      const b = test.b;
      return (c) => (c.value(slot) !== undefined) === b ? TRUE : FALSE;
    }
    case "cmp": {
      const { op, n } = test;
      return (c) => {
        const v = c.value(slot);
        if (stringsOnly && typeof v !== "string") return FALSE;
        const x = numberOf(v);
        if (x === null) return FALSE;
        const r = op === "lt" ? x < n : op === "lte" ? x <= n : op === "gt" ? x > n : x >= n;
        return r ? TRUE : FALSE;
      };
    }
    case "fieldref": {
      const other = table.slot(test.field);
      const { starts, ends, cased } = test;
      return (c) => {
        if (c.isUnknown(other)) return UNKNOWN;
        const a = cased ? c.text(slot) : c.folded(slot);
        const b = cased ? c.text(other) : c.folded(other);
        if (a === null || b === null) return FALSE;
        const r = starts && ends
          ? a.includes(b)
          : starts
          ? a.startsWith(b)
          : ends
          ? a.endsWith(b)
          : a === b;
        return r ? TRUE : FALSE;
      };
    }
  }
}

function fieldEval(test: Test, slot: number, table: FieldTable): Eval {
  const f = valueTest(test, slot, table, false);
  return (c) => c.isUnknown(slot) ? UNKNOWN : f(c);
}

function keywordEval(test: Test, slots: readonly number[], table: FieldTable): Eval {
  const t: Test = test.k === "pattern" ? { ...test, s: concat([MULTI], test.s, [MULTI]) } : test;
  const fs = slots.map((s) => valueTest(t, s, table, true));
  return (c) => {
    let r: Tri = FALSE;
    for (let i = 0; i < fs.length; i++) {
      if (c.isUnknown(slots[i])) r = UNKNOWN;
      else if (fs[i](c) === TRUE) return TRUE;
    }
    return r;
  };
}

/**
 * Compiles `node`; `keywordSlots` are the fields a keyword searches (the
 * rule's category's catalog fields).
 */
export function compileNode(node: Node, table: FieldTable, keywordSlots: readonly number[]): Eval {
  const go = (n: Node): Eval => {
    switch (n.k) {
      case "and": {
        const fs = n.args.map(go);
        return (c) => {
          let r: Tri = TRUE;
          for (let i = 0; i < fs.length; i++) {
            const v = fs[i](c);
            if (v === FALSE) return FALSE;
            if (v === UNKNOWN) r = UNKNOWN;
          }
          return r;
        };
      }
      case "or": {
        const fs = n.args.map(go);
        return (c) => {
          let r: Tri = FALSE;
          for (let i = 0; i < fs.length; i++) {
            const v = fs[i](c);
            if (v === TRUE) return TRUE;
            if (v === UNKNOWN) r = UNKNOWN;
          }
          return r;
        };
      }
      case "not": {
        const f = go(n.arg);
        return (c) => {
          const v = f(c);
          return v === UNKNOWN ? UNKNOWN : v === TRUE ? FALSE : TRUE;
        };
      }
      case "field":
        return fieldEval(n.test, table.slot(n.field), table);
      case "keyword":
        return keywordEval(n.test, keywordSlots, table);
    }
  };
  return go(node);
}
