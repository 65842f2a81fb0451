/**
 * A Sigma rule file read into the plain model the corpus generator works on: search identifiers
 * (selections), their items, and the condition in disjunctive normal form. Deliberately its own
 * small reading of the spec (../shared/sigma/spec/), independent of jobs/sigma (the engine the
 * corpus tests). Plain YAML through npm:yaml.
 *
 * @module
 */

import { parse } from "yaml";

export type Scalar = string | number | boolean | null;

/** One `field|mod|mod: value(s)` of a selection (field null: a keyword). */
export interface Item {
  readonly field: string | null;
  /** the modifiers in rule order, e.g. ["contains", "all"] */
  readonly mods: readonly string[];
  readonly values: readonly Scalar[];
}

/** A search identifier: OR of alternatives, each an AND of items. */
export interface Selection {
  readonly name: string;
  readonly alternatives: readonly (readonly Item[])[];
}

export type Cond =
  | { op: "id"; name: string }
  | { op: "not"; arg: Cond }
  | { op: "and" | "or"; args: Cond[] };

/** One conjunction of the condition's DNF: these selections true, those false. */
export interface Term {
  readonly pos: readonly string[];
  readonly neg: readonly string[];
}

export interface ParsedRule {
  readonly id: string;
  readonly title: string;
  readonly category: string | null;
  readonly selections: ReadonlyMap<string, Selection>;
  readonly condition: Cond;
}

/** Modifiers the corpus knows how to satisfy (the rest make a rule uncovered). */
export const KNOWN_MODIFIERS: ReadonlySet<string> = new Set([
  "contains",
  "startswith",
  "endswith",
  "all",
  "re",
  "i",
  "m",
  "s",
  "cased",
  "exists",
]);

/** Read one rule file; throws a one-line Error for what the corpus cannot use. */
export function parseRule(file: string, text: string): ParsedRule {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new Error(`YAML: ${String((e as Error).message).split("\n")[0]}`);
  }
  if (!isRecord(doc)) throw new Error("not a YAML map");
  const id = typeof doc.id === "string" ? doc.id : `file:${file}`;
  const detection = doc.detection;
  if (!isRecord(detection)) throw new Error("no detection");
  const logsource = isRecord(doc.logsource) ? doc.logsource : {};
  const selections = new Map<string, Selection>();
  for (const [name, body] of Object.entries(detection)) {
    if (name !== "condition") selections.set(name, selection(name, body));
  }
  const cond = detection.condition;
  if (Array.isArray(cond)) throw new Error("a list of conditions");
  if (typeof cond !== "string") throw new Error("no condition");
  return {
    id,
    title: typeof doc.title === "string" ? doc.title : id,
    category: typeof logsource.category === "string" ? logsource.category : null,
    selections,
    condition: parseCondition(cond, [...selections.keys()]),
  };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function selection(name: string, body: unknown): Selection {
  if (isRecord(body)) return { name, alternatives: [items(body)] };
  if (Array.isArray(body) && body.length > 0 && body.every(isRecord)) {
    return { name, alternatives: body.map(items) };
  }
  if (Array.isArray(body) && body.every(isScalar)) {
    return { name, alternatives: body.map((v) => [{ field: null, mods: [], values: [v] }]) };
  }
  throw new Error(`selection ${name}: neither a map, a list of maps nor a list of values`);
}

function isScalar(v: unknown): v is Scalar {
  return v === null || ["string", "number", "boolean"].includes(typeof v);
}

function items(map: Record<string, unknown>): Item[] {
  return Object.entries(map).map(([key, raw]) => {
    const [field, ...mods] = key.split("|");
    for (const m of mods) {
      if (!KNOWN_MODIFIERS.has(m)) throw new Error(`modifier ${m} not handled by the corpus`);
    }
    const values = Array.isArray(raw) ? raw : [raw];
    if (!values.every(isScalar) || values.length === 0) {
      throw new Error(`field ${field}: values must be scalars`);
    }
    return { field, mods, values };
  });
}

/** The condition string as a tree; `1 of x*` / `all of them` expand over `names`. */
export function parseCondition(src: string, names: readonly string[]): Cond {
  const tokens = src.match(/\(|\)|[^\s()]+/g) ?? [];
  let pos = 0;
  const peek = () => tokens[pos]?.toLowerCase();
  const fail = (what: string): never => {
    throw new Error(`condition ${JSON.stringify(src)}: ${what}`);
  };
  const or = (): Cond => {
    const args = [and()];
    while (peek() === "or") {
      pos++;
      args.push(and());
    }
    return args.length === 1 ? args[0] : { op: "or", args };
  };
  const and = (): Cond => {
    const args = [not()];
    while (peek() === "and") {
      pos++;
      args.push(not());
    }
    return args.length === 1 ? args[0] : { op: "and", args };
  };
  const not = (): Cond => {
    if (peek() === "not") {
      pos++;
      return { op: "not", arg: not() };
    }
    return atom();
  };
  const atom = (): Cond => {
    const t = tokens[pos++];
    if (t === undefined) return fail("ends early");
    if (t === "(") {
      const inner = or();
      if (tokens[pos++] !== ")") fail("missing )");
      return inner;
    }
    const quant = t.toLowerCase();
    if ((quant === "1" || quant === "all" || quant === "any") && peek() === "of") {
      pos++;
      const pattern = tokens[pos++] ?? fail("`of` without a pattern");
      const matched = pattern === "them"
        ? names.filter((n) => !n.startsWith("_"))
        : names.filter((n) => globToRegExp(pattern).test(n));
      if (matched.length === 0) fail(`no search identifier matches ${pattern}`);
      const args: Cond[] = matched.map((name) => ({ op: "id", name }));
      return args.length === 1 ? args[0] : { op: quant === "all" ? "and" : "or", args };
    }
    if (!names.includes(t)) fail(`unknown search identifier ${t}`);
    return { op: "id", name: t };
  };
  const tree = or();
  if (pos < tokens.length) fail(`unexpected ${tokens[pos]}`);
  return tree;
}

function globToRegExp(pattern: string): RegExp {
  const body = pattern.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*");
  return new RegExp(`^${body}$`);
}

/** The condition's DNF (contradictory conjunctions dropped), at most `cap` terms. */
export function dnf(cond: Cond, cap = 256): Term[] {
  const go = (c: Cond, negated: boolean): Term[] => {
    switch (c.op) {
      case "id":
        return [negated ? { pos: [], neg: [c.name] } : { pos: [c.name], neg: [] }];
      case "not":
        return go(c.arg, !negated);
      case "and":
      case "or": {
        const parts = c.args.map((a) => go(a, negated));
        if ((c.op === "or") !== negated) return parts.flat().slice(0, cap);
        let acc: Term[] = [{ pos: [], neg: [] }];
        for (const part of parts) {
          const next: Term[] = [];
          for (const a of acc) {
            for (const b of part) {
              if (next.length < cap) {
                next.push({ pos: [...a.pos, ...b.pos], neg: [...a.neg, ...b.neg] });
              }
            }
          }
          acc = next;
        }
        return acc;
      }
    }
  };
  return go(cond, false)
    .map((t) => ({ pos: [...new Set(t.pos)], neg: [...new Set(t.neg)] }))
    .filter((t) => !t.pos.some((p) => t.neg.includes(p)));
}
