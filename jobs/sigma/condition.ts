/**
 * Sigma conditions: the text -> a tree, then resolved against a rule's
 * search identifiers.
 *
 * Grammar (operators in lower case, as pySigma reads them; precedence from
 * least to most binding: or, and, not, `x of`, parentheses):
 *
 *   expr    := and ("or" and)*
 *   and     := not ("and" not)*
 *   not     := "not" not | primary
 *   primary := "(" expr ")" | ("1" | "any" | "all") "of" (pattern | "them") | identifier
 *
 * `them` is every identifier not starting with `_`; a pattern's `*` matches
 * any run of characters and the pattern must match the whole identifier
 * (identifiers starting with `_` only when the pattern does). A pattern that
 * matches no identifier drops out of the condition, as in pySigma
 * (`selection and not 1 of filter_*` without filters is `selection`).
 *
 * @module
 */

import { RuleError } from "./expr.ts";

/** A parsed condition. */
export type Cond =
  | { k: "id"; name: string }
  | { k: "of"; all: boolean; pattern: string }
  | { k: "and"; args: Cond[] }
  | { k: "or"; args: Cond[] }
  | { k: "not"; arg: Cond };

const TOKEN = /\s*(?:(\()|(\))|([A-Za-z0-9_*-]+)|(\S))/y;
const KEYWORDS = new Set(["and", "or", "not", "of"]);

/** Parses a condition text; a RuleError naming the problem when it is not one. */
export function parseCondition(text: string): Cond {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  for (;;) {
    const start = TOKEN.lastIndex;
    const m = TOKEN.exec(text);
    if (!m) {
      if (text.slice(start).trim() !== "") throw new RuleError(`condition: cannot read "${text}"`);
      break;
    }
    if (m[4] !== undefined) {
      if (m[4] === "|") throw new RuleError(`condition: aggregation ("|") not supported`);
      throw new RuleError(`condition: unexpected "${m[4]}" in "${text}"`);
    }
    tokens.push(m[1] ?? m[2] ?? m[3]);
  }
  let pos = 0;
  const peek = (): string | undefined => tokens[pos];
  const fail = (what: string): never => {
    const tok = tokens[pos];
    throw new RuleError(
      tok !== undefined
        ? `condition: ${what}, found "${tok}" in "${text}"`
        : `condition: ${what} at the end of "${text}"`,
    );
  };
  const expr = (): Cond => {
    const args = [andExpr()];
    while (peek() === "or") {
      pos++;
      args.push(andExpr());
    }
    return args.length === 1 ? args[0] : { k: "or", args };
  };
  const andExpr = (): Cond => {
    const args = [notExpr()];
    while (peek() === "and") {
      pos++;
      args.push(notExpr());
    }
    return args.length === 1 ? args[0] : { k: "and", args };
  };
  const notExpr = (): Cond => {
    if (peek() === "not") {
      pos++;
      return { k: "not", arg: notExpr() };
    }
    return primary();
  };
  const primary = (): Cond => {
    const t = peek();
    if (t === undefined) return fail("expected a search identifier");
    if (t === "(") {
      pos++;
      const e = expr();
      if (peek() !== ")") fail(`expected ")"`);
      pos++;
      return e;
    }
    if ((t === "1" || t === "any" || t === "all") && tokens[pos + 1] === "of") {
      pos += 2;
      const p = peek();
      if (p === undefined || p === "(" || p === ")" || KEYWORDS.has(p)) {
        fail(`expected a pattern or "them" after "${t} of"`);
      }
      pos++;
      return { k: "of", all: t === "all", pattern: p as string };
    }
    if (t === ")" || KEYWORDS.has(t)) return fail("expected a search identifier");
    if (t.includes("*")) {
      return fail(`expected a search identifier (a pattern needs "1 of" or "all of")`);
    }
    pos++;
    return { k: "id", name: t };
  };
  const e = expr();
  if (pos < tokens.length) fail("expected the end");
  return e;
}

function globRegex(pattern: string): RegExp {
  const body = pattern.split("*").map((s) => s.replace(/[-\\^$.+?()[\]{}|]/g, "\\$&")).join(".*");
  return new RegExp(`^${body}$`);
}

/** The identifiers `x of pattern` selects, in the order the rule defines them. */
export function selectIdentifiers(pattern: string, names: readonly string[]): string[] {
  if (pattern === "them") return names.filter((n) => !n.startsWith("_"));
  const re = globRegex(pattern);
  const underscore = pattern.startsWith("_");
  return names.filter((n) => re.test(n) && (underscore || !n.startsWith("_")));
}

/**
 * Resolves a condition with `leaf(name)` for each identifier it uses and
 * `and` / `or` / `not` builders; null when it selects nothing at all.
 */
export function resolveCondition<N>(
  c: Cond,
  names: readonly string[],
  leaf: (name: string) => N,
  ops: { and(args: N[]): N; or(args: N[]): N; not(arg: N): N },
): N | null {
  const go = (c: Cond): N | null => {
    switch (c.k) {
      case "id":
        if (!names.includes(c.name)) {
          throw new RuleError(`condition: search identifier "${c.name}" not defined`);
        }
        return leaf(c.name);
      case "of": {
        const ids = selectIdentifiers(c.pattern, names);
        if (ids.length === 0) return null;
        const args = ids.map(leaf);
        return args.length === 1 ? args[0] : c.all ? ops.and(args) : ops.or(args);
      }
      case "and":
      case "or": {
        const args = c.args.map(go).filter((a): a is N => a !== null);
        if (args.length === 0) return null;
        if (args.length === 1) return args[0];
        return c.k === "and" ? ops.and(args) : ops.or(args);
      }
      case "not": {
        const a = go(c.arg);
        return a === null ? null : ops.not(a);
      }
    }
  };
  return go(c);
}
