/**
 * Does a corpus event satisfy a selection / a rule? The generator's own check of what it built
 * (a candidate is a positive or a near miss only when this agrees with its intent), over the
 * model of rule.ts. Sigma semantics as the spec states them: strings case-insensitive (ASCII
 * folding; no rule value has other letters) unless `|cased`; `*` `?` wildcards with `\*` `\?`
 * `\\` escapes; `|re` unanchored, case-sensitive unless `|re|i`, with PCRE's ASCII `\s` `\d`
 * `\w`; lists OR (`|all`: AND); a missing field fails every value test.
 *
 * @module
 */

import type { Cond, Item, ParsedRule, Scalar, Selection } from "./rule.ts";

export type Fields = Readonly<Record<string, string | number | null>>;

/** A Sigma string value as tokens: literal text, `*`, `?`. */
export type Tok = { lit: string } | { star: true } | { one: true };

/** Split a Sigma string into wildcard tokens (spec "Escape Character"). */
export function sigmaTokens(value: string): Tok[] {
  const out: Tok[] = [];
  let lit = "";
  const flush = () => {
    if (lit) out.push({ lit });
    lit = "";
  };
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    const next = value[i + 1];
    if (c === "\\" && (next === "*" || next === "?" || next === "\\")) {
      lit += next;
      i++;
    } else if (c === "*") {
      flush();
      out.push({ star: true });
    } else if (c === "?") {
      flush();
      out.push({ one: true });
    } else {
      lit += c;
    }
  }
  flush();
  return out;
}

/** The tokens an item's string value stands for, with contains/startswith/endswith applied. */
export function itemTokens(item: Item, value: string): Tok[] {
  const toks = sigmaTokens(value);
  const star: Tok = { star: true };
  if (item.field === null || item.mods.includes("contains")) return [star, ...toks, star];
  if (item.mods.includes("startswith")) return [...toks, star];
  if (item.mods.includes("endswith")) return [star, ...toks];
  return toks;
}

function globRegExp(toks: readonly Tok[], cased: boolean): RegExp {
  const body = toks.map((t) =>
    "lit" in t
      ? t.lit.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")
      : "star" in t
      ? "[\\s\\S]*"
      : "[\\s\\S]"
  ).join("");
  return new RegExp(`^${body}$`, cased ? "" : "i");
}

/** A Sigma regex as a JS RegExp source with PCRE's ASCII classes for `\s` (JS `\s` is Unicode). */
export function pcreSource(pattern: string): string {
  let out = "";
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "\\") {
      const e = pattern[++i];
      if (e === "s") out += inClass ? "\\t\\n\\v\\f\\r " : "[\\t\\n\\v\\f\\r ]";
      else if (e === "S" && !inClass) out += "[^\\t\\n\\v\\f\\r ]";
      else out += "\\" + (e ?? "\\");
      continue;
    }
    if (c === "[" && !inClass) {
      inClass = true;
      out += c;
      if (pattern[i + 1] === "^") out += pattern[++i];
      if (pattern[i + 1] === "]") out += "\\" + pattern[++i];
      continue;
    }
    if (c === "]" && inClass) inClass = false;
    out += c;
  }
  return out;
}

const regexCache = new Map<string, RegExp>();

function sigmaRegExp(pattern: string, mods: readonly string[]): RegExp {
  const flags = ["i", "m", "s"].filter((f) => mods.includes(f)).join("");
  const key = flags + "/" + pattern;
  let re = regexCache.get(key);
  if (!re) regexCache.set(key, re = new RegExp(pcreSource(pattern), flags));
  return re;
}

function valueMatches(item: Item, v: Scalar, have: string | number | null | undefined): boolean {
  if (item.mods.includes("exists")) return (have !== undefined) === (v === true || v === "true");
  if (v === null) return have === undefined || have === null;
  if (have === undefined || have === null) return false;
  const text = String(have);
  if (item.mods.includes("re")) return sigmaRegExp(String(v), item.mods).test(text);
  if (typeof v === "number" && item.mods.length === 0) {
    return typeof have === "number" ? have === v : text === String(v);
  }
  return globRegExp(itemTokens(item, String(v)), item.mods.includes("cased")).test(text);
}

/** Does `fields` satisfy one item (a keyword item: any field of the event)? */
export function itemMatches(item: Item, fields: Fields): boolean {
  const test = (v: Scalar) =>
    item.field === null
      ? Object.values(fields).some((have) => valueMatches(item, v, have))
      : valueMatches(item, v, fields[item.field]);
  return item.mods.includes("all") ? item.values.every(test) : item.values.some(test);
}

export function selectionMatches(sel: Selection, fields: Fields): boolean {
  return sel.alternatives.some((items) => items.every((item) => itemMatches(item, fields)));
}

export function condMatches(
  cond: Cond,
  sels: ReadonlyMap<string, Selection>,
  fields: Fields,
): boolean {
  switch (cond.op) {
    case "id":
      return selectionMatches(sels.get(cond.name)!, fields);
    case "not":
      return !condMatches(cond.arg, sels, fields);
    case "and":
      return cond.args.every((a) => condMatches(a, sels, fields));
    case "or":
      return cond.args.some((a) => condMatches(a, sels, fields));
  }
}

/** Does the event match the rule? */
export function ruleMatches(rule: ParsedRule, fields: Fields): boolean {
  return condMatches(rule.condition, rule.selections, fields);
}
