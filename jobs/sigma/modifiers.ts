/**
 * Value modifiers (the specification's modifier appendix, applied in the
 * order written, as pySigma applies them): one detection item
 * (`Field|mod1|mod2: value or list`) -> an expression node.
 *
 * Supported: contains, startswith, endswith, all, neq, cased, exists, re
 * with i / m / s (also ignorecase / multiline / dotall), windash, base64,
 * base64offset, wide / utf16le, utf16be, utf16, cidr, lt / lte / gt / gte,
 * fieldref. Not supported (the rule gets a reason): expand (placeholders
 * need a pipeline that defines them) and the time-part modifiers minute /
 * hour / day / week / month / year (no date fields in the catalog).
 *
 * @module
 */

import { base64, base64Input, base64Offsets, type Utf16Order, utf16Text } from "./encode.ts";
import { parseCidr } from "./cidr.ts";
import { and, type CompareOp, type Node, or, RuleError, type Test } from "./expr.ts";
import { compileRegex } from "./regex.ts";
import {
  concat,
  hasWildcard,
  mapLiterals,
  MULTI,
  parseSigmaString,
  plainString,
  plainText,
  type SigmaString,
} from "./sigma_string.ts";

/** A value while modifiers apply. */
type V =
  | { t: "str"; s: SigmaString; cased: boolean }
  | { t: "num"; n: number }
  | { t: "bool"; b: boolean }
  | { t: "null" }
  | { t: "re"; src: string; flags: string }
  | { t: "test"; test: Test }
  | { t: "fieldref"; field: string; starts: boolean; ends: boolean; cased: boolean }
  /** values a modifier expanded one value into: always or-linked */
  | { t: "exp"; vs: V[] };

/** A scalar YAML value of a detection. */
export type Scalar = string | number | boolean | null;

/** Modifiers that only work on the value as written (first in the chain). */
const FIRST_ONLY = new Set(["re", "cidr", "exists"]);
const TIME_PARTS = new Set(["minute", "hour", "day", "week", "month", "year"]);
const WINDASH = ["-", "/", "\u2013", "\u2014", "\u2015"];
/** A windash value expands to at most this many (5 dashes per position). */
export const MAX_WINDASH_VALUES = 5 ** 6;
const WINDASH_AT = /(?<![\p{L}\p{N}_])[-/](?=[\p{L}\p{N}_])/gu;

function typeName(v: V): string {
  switch (v.t) {
    case "str":
      return "a string";
    case "num":
      return "a number";
    case "bool":
      return "a boolean";
    case "null":
      return "null";
    case "re":
      return "a regular expression";
    case "test":
      return `a ${v.test.k} value`;
    case "fieldref":
      return "a field reference";
    case "exp":
      return "an expansion";
  }
}

function wrong(mod: string, v: V): never {
  throw new RuleError(`modifier "${mod}" does not apply to ${typeName(v)}`);
}

/** Numbers are strings to the string modifiers ("all values are treated as strings"). */
function asStr(mod: string, v: V): { t: "str"; s: SigmaString; cased: boolean } {
  if (v.t === "str") return v;
  if (v.t === "num") return { t: "str", s: plainString(String(v.n)), cased: false };
  return wrong(mod, v);
}

function plainOf(mod: string, v: V): string {
  const s = asStr(mod, v);
  if (hasWildcard(s.s)) {
    throw new RuleError(`modifier "${mod}" does not apply to a value with wildcards`);
  }
  return plainText(s.s);
}

function windash(s: SigmaString): SigmaString[] {
  // every literal part: the dash positions (a flag's dash or slash, as pySigma finds them)
  let variants: SigmaString[] = [[]];
  for (const p of s) {
    if (typeof p !== "string") {
      variants = variants.map((v) => concat(v, [p]));
      continue;
    }
    const pieces: string[] = [];
    let last = 0;
    for (const m of p.matchAll(WINDASH_AT)) {
      pieces.push(p.slice(last, m.index));
      last = m.index + 1;
    }
    pieces.push(p.slice(last));
    const n = pieces.length - 1;
    if (variants.length * 5 ** n > MAX_WINDASH_VALUES) {
      throw new RuleError(`modifier "windash" expands to more than ${MAX_WINDASH_VALUES} values`);
    }
    const next: SigmaString[] = [];
    for (const v of variants) {
      let texts = [pieces[0]];
      for (let i = 1; i <= n; i++) {
        texts = texts.flatMap((t) => WINDASH.map((d) => t + d + pieces[i]));
      }
      for (const t of texts) next.push(concat(v, plainString(t)));
    }
    variants = next;
  }
  return variants;
}

function utf16(mod: string, v: V, order: Utf16Order, bom: boolean): V {
  const s = asStr(mod, v);
  let bad = false;
  const out = mapLiterals(s.s, (lit) => {
    const t = utf16Text(lit, order);
    if (t === null) bad = true;
    return t ?? "";
  });
  if (bad) throw new RuleError(`modifier "${mod}" only applies to ASCII-range text`);
  return { t: "str", s: bom ? concat(plainString("\uFEFF"), out) : out, cased: s.cased };
}

/** Applies modifier `mod` to one value (expansions: to each of their values). */
function applyOne(mod: string, v: V, applied: readonly string[], field: string | null): V {
  if (v.t === "exp") return { t: "exp", vs: v.vs.map((x) => applyOne(mod, x, applied, field)) };
  switch (mod) {
    case "contains":
    case "startswith":
    case "endswith": {
      const front = mod !== "startswith";
      const back = mod !== "endswith";
      if (v.t === "re") return v; // a search already matches anywhere
      if (v.t === "fieldref") {
        return { ...v, starts: v.starts || back, ends: v.ends || front };
      }
      const s = asStr(mod, v);
      let out = s.s;
      if (front && out[0] !== MULTI) out = concat([MULTI], out);
      if (back && out[out.length - 1] !== MULTI) out = concat(out, [MULTI]);
      return { t: "str", s: out, cased: s.cased };
    }
    case "base64":
    case "base64offset": {
      // the encoded text is matched like any value: case-insensitively unless cased
      const cased = v.t === "str" && v.cased;
      const data = base64Input(plainOf(mod, v), applied.includes("utf16"));
      if (mod === "base64") return { t: "str", s: plainString(base64(data)), cased };
      return {
        t: "exp",
        vs: base64Offsets(data).map((e) => ({ t: "str", s: plainString(e), cased })),
      };
    }
    case "wide":
    case "utf16le":
      return utf16(mod, v, "le", false);
    case "utf16be":
      return utf16(mod, v, "be", false);
    case "utf16":
      return utf16(mod, v, "le", true);
    case "windash": {
      const s = asStr(mod, v);
      return { t: "exp", vs: windash(s.s).map((x) => ({ t: "str", s: x, cased: s.cased })) };
    }
    case "cased": {
      if (v.t === "fieldref") return { ...v, cased: true };
      const s = asStr(mod, v);
      return { t: "str", s: s.s, cased: true };
    }
    case "i":
    case "ignorecase":
    case "m":
    case "multiline":
    case "s":
    case "dotall": {
      if (v.t !== "re") throw new RuleError(`modifier "${mod}" needs "re" before it`);
      const flag = mod[0] === "d" ? "s" : mod[0];
      return v.flags.includes(flag) ? v : { ...v, flags: v.flags + flag };
    }
    case "cidr": {
      if (v.t !== "str") wrong(mod, v);
      const text = plainText(v.s);
      const net = parseCidr(text);
      if (!net) throw new RuleError(`cidr "${text}" is not an IPv4 or IPv6 network`);
      return { t: "test", test: { k: "cidr", net, text } };
    }
    case "lt":
    case "lte":
    case "gt":
    case "gte":
      if (v.t !== "num") throw new RuleError(`modifier "${mod}" needs a number`);
      return { t: "test", test: { k: "cmp", op: mod as CompareOp, n: v.n } };
    case "fieldref":
      return {
        t: "fieldref",
        field: plainOf(mod, v),
        starts: false,
        ends: false,
        cased: v.t === "str" && v.cased,
      };
    case "exists":
      if (field === null) throw new RuleError(`modifier "exists" needs a field`);
      if (v.t !== "bool") throw new RuleError(`modifier "exists" needs true or false`);
      return { t: "test", test: { k: "exists", b: v.b } };
  }
  throw new RuleError(`unknown modifier "${mod}"`);
}

function scalarValue(x: Scalar, re: boolean): V {
  if (re) {
    if (typeof x === "string" || typeof x === "number") {
      return { t: "re", src: String(x), flags: "" };
    }
    throw new RuleError(`modifier "re" needs a string`);
  }
  if (typeof x === "string") return { t: "str", s: parseSigmaString(x), cased: false };
  if (typeof x === "number") return { t: "num", n: x };
  if (typeof x === "boolean") return { t: "bool", b: x };
  return { t: "null" };
}

function testOf(v: Exclude<V, { t: "exp" }>): Test {
  switch (v.t) {
    case "str":
      return { k: "pattern", s: v.s, cased: v.cased };
    case "num":
      return { k: "number", n: v.n };
    case "bool":
      return { k: "bool", b: v.b };
    case "null":
      return { k: "null" };
    case "re":
      return { k: "re", re: compileRegex(v.src, v.flags) };
    case "test":
      return v.test;
    case "fieldref":
      return { k: "fieldref", field: v.field, starts: v.starts, ends: v.ends, cased: v.cased };
  }
}

/**
 * One detection item -> node. `field` null: a keyword search (the key was
 * empty or only modifiers, e.g. `'|all'`). `values` empty: the field is null.
 */
export function itemNode(field: string | null, mods: readonly string[], values: Scalar[]): Node {
  for (const m of mods) {
    if (m === "expand") throw new RuleError(`modifier "expand" not supported (placeholders)`);
    if (TIME_PARTS.has(m)) throw new RuleError(`modifier "${m}" not supported`);
  }
  mods.forEach((m, i) => {
    if (i > 0 && FIRST_ONLY.has(m)) throw new RuleError(`modifier "${m}" must come first`);
  });
  const re = mods[0] === "re";
  let vs: V[] = values.length === 0 ? [{ t: "null" }] : values.map((x) => scalarValue(x, re));
  let all = false;
  let negate = false;
  const applied: string[] = [];
  for (const m of mods) {
    if (m === "all") all = true;
    else if (m === "neq") negate = true;
    else if (m !== "re") vs = vs.map((v) => applyOne(m, v, applied, field));
    applied.push(m);
  }
  const node = (v: V): Node => {
    if (v.t === "exp") return or(v.vs.map(node));
    const test = testOf(v);
    if (field !== null) return { k: "field", field, test };
    if (test.k === "null") throw new RuleError("a keyword cannot be null");
    if (test.k === "fieldref") throw new RuleError(`modifier "fieldref" needs a field`);
    return { k: "keyword", test };
  };
  const nodes = vs.map(node);
  const n = all ? and(nodes) : or(nodes);
  return negate ? { k: "not", arg: n } : n;
}
