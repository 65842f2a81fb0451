/**
 * A deterministic corpus of Sigma events built from the rules themselves, to exercise every rule
 * of a set: for each conjunction of the rule's condition in DNF (a top-level alternative) and
 * each value of its value lists, a positive event; variants of one positive per conjunction (the
 * case of every constrained field swapped: a positive where the rule is case-insensitive, a near
 * miss for `|re` / `|cased`; a number as text; raw bytes and non-ASCII text around the values);
 * and near misses: each item of each selection off by one char, each negated selection (filter)
 * satisfied. The generator keeps a candidate only when its own check (sigma_corpus/check.ts)
 * agrees with the intent, so `targets` and `nearMisses` are what it believes; pySigma confirms
 * them in tests/sigma_pysigma_test.ts. Independent of jobs/sigma, the engine under test.
 *
 * Events carry the process_creation fields (Image, CommandLine, ParentImage, ParentCommandLine,
 * CurrentDirectory, User, LogonId, ProcessId, ParentProcessId) from a benign base plus whatever a
 * rule constrains; a field a rule needs absent is left out. exec_ids are `<prefix><n>`, n = 1...
 *
 * @module
 */

import {
  type Fields,
  itemTokens,
  ruleMatches,
  selectionMatches,
  type Tok,
} from "./sigma_corpus/check.ts";
import { regexBranches, regexExample } from "./sigma_corpus/regex_example.ts";
import { dnf, type Item, type ParsedRule, parseRule, type Selection } from "./sigma_corpus/rule.ts";

export interface CorpusEvent {
  exec_id: string;
  fields: Record<string, string | number | null>;
  /** how the event was made, e.g. `<rule id> term 0 variant 2` (for failure messages) */
  about: string;
}

export interface CorpusOptions {
  /** exec_id prefix (default "corp-") */
  prefix?: string;
  /** only rules of this logsource category (default "process_creation"; null: every rule) */
  category?: string | null;
  /** at most this many value variants per DNF conjunction (default 32) */
  maxVariants?: number;
}

export interface SigmaCorpus {
  events: CorpusEvent[];
  /** rule_id -> the events built to match it (in event order) */
  targets: Map<string, string[]>;
  /** rule_id -> the events built close to a match that must not match it */
  nearMisses: Map<string, string[]>;
  /** rule_id -> why no positive event could be built (unsupported syntax, other category...) */
  uncovered: Map<string, string>;
}

const BASE: Readonly<Record<string, string | number>> = {
  Image: "/opt/corpus/bin/benign",
  CommandLine: "benign --run",
  ParentImage: "/opt/corpus/bin/parent",
  ParentCommandLine: "parent --serve",
  CurrentDirectory: "/home/corpus",
  User: "corpus",
  LogonId: 1000,
};
/** around the values, in the "noisy" variant: a raw byte (U+DCFF), non-ASCII text, a tab */
const NOISE = "\udcff\u00e9\u4e2d\tx";

function isPathField(field: string): boolean {
  return /Image$|Directory$|Path$|Filename$|^TargetFile/i.test(field);
}

type Constraint =
  | { kind: "glob"; toks: Tok[] }
  | { kind: "re"; example: string }
  | { kind: "num"; n: number }
  | { kind: "absent" }
  | { kind: "present" };

/** What one event's construction chose: per positive selection (alternative, variant). */
type Choice = ReadonlyMap<string, number>;

/** Edits applied to the constraints of a base construction (variants and near misses). */
interface Edit {
  /** replace the constraint of this item (selection name, alternative index, item index) */
  item?: { sel: string; alt: number; idx: number; with: Constraint[] };
  /** the number constraints as text */
  numAsText?: boolean;
  /** extra text inside the CommandLine */
  noise?: boolean;
}

/** Variants of a selection: (alternative, j) over each alternative's widest value list. */
function variants(sel: Selection): { alt: number; j: number }[] {
  const out: { alt: number; j: number }[] = [];
  sel.alternatives.forEach((items, alt) => {
    let n = 1;
    for (const item of items) {
      const own = item.mods.includes("all") ? 1 : item.values.length;
      const re = item.mods.includes("re")
        ? Math.max(...item.values.map((v) => regexBranches(String(v))))
        : 1;
      n = Math.max(n, own * re);
    }
    for (let j = 0; j < n; j++) out.push({ alt, j });
  });
  return out;
}

/** The constraints of one item at variant j (all values with |all, else value j). */
function itemConstraints(item: Item, j: number): Constraint[] {
  const picked = item.mods.includes("all") ? item.values : [item.values[j % item.values.length]];
  const choice = Math.floor(j / item.values.length);
  return picked.map((v): Constraint => {
    if (item.mods.includes("exists")) {
      return v === true || v === "true" ? { kind: "present" } : { kind: "absent" };
    }
    if (v === null) return { kind: "absent" };
    if (item.mods.includes("re")) {
      return { kind: "re", example: regexExample(String(v), choice + j) };
    }
    if (typeof v === "number" && item.mods.length === 0) return { kind: "num", n: v };
    return { kind: "glob", toks: itemTokens(item, String(v)) };
  });
}

function fill(toks: readonly Tok[]): string {
  return toks.map((t) => ("lit" in t ? t.lit : "one" in t ? "x" : "")).join("");
}

function joinParts(field: string, parts: string[]): string {
  let out = "";
  for (const p of parts) {
    if (p === "") continue;
    if (out === "") out = p;
    else if (isPathField(field)) out += out.endsWith("/") || p.startsWith("/") ? p : "/" + p;
    else out += " " + p;
  }
  return out;
}

/** A field value meeting every constraint where that is simple (checked by the caller). */
function synthesize(
  field: string,
  cs: readonly Constraint[],
  noise: boolean,
): string | number | undefined {
  if (cs.some((c) => c.kind === "absent")) return undefined;
  const num = cs.find((c) => c.kind === "num");
  if (num && num.kind === "num") return num.n;
  const globs = cs.flatMap((c) => (c.kind === "glob" ? [c.toks] : []));
  const res = cs.flatMap((c) => (c.kind === "re" ? [c.example] : []));
  if (globs.length === 0 && res.length === 0 && !noise) return BASE[field] ?? "corpus";
  const open = (t: Tok | undefined) => t !== undefined && "star" in t;
  const exact = globs.find((t) => !open(t[0]) && !open(t.at(-1)));
  if (exact) return fill(exact);
  const starts = globs.filter((t) => !open(t[0])).map(fill);
  const ends = globs.filter((t) => !open(t.at(-1))).map(fill);
  const mids = [...globs.filter((t) => open(t[0]) && open(t.at(-1))).map(fill), ...res];
  if (noise) mids.push(NOISE);
  const longest = (xs: string[]) => xs.reduce((a, b) => (b.length > a.length ? b : a), "");
  const start = starts.length > 0
    ? longest(starts)
    : isPathField(field)
    ? "/opt/corpus/bin"
    : "corpus";
  const value = joinParts(field, [start, ...mids, longest(ends)]);
  // an open-ended path names a file in its directory, as a program's path does ("/tmp/" -> a
  // file in /tmp: an exec's image never ends with "/")
  return isPathField(field) && ends.length === 0 && value.endsWith("/") ? value + "corpus" : value;
}

/** The base event with the constraints of the chosen alternatives of `pos` (after `edit`). */
function construct(
  rule: ParsedRule,
  pos: readonly string[],
  choice: Choice,
  edit: Edit = {},
): Record<string, string | number | null> {
  const byField = new Map<string, Constraint[]>();
  const add = (field: string, cs: Constraint[]) =>
    byField.set(field, [...(byField.get(field) ?? []), ...cs]);
  for (const name of pos) {
    const sel = rule.selections.get(name)!;
    const { alt, j } = variants(sel)[choice.get(name)!];
    sel.alternatives[alt].forEach((item, idx) => {
      const replaced = edit.item && edit.item.sel === name && edit.item.alt === alt &&
        edit.item.idx === idx;
      add(item.field ?? "CommandLine", replaced ? edit.item!.with : itemConstraints(item, j));
    });
  }
  const fields: Record<string, string | number | null> = { ...BASE };
  if (edit.noise && !byField.has("CommandLine")) byField.set("CommandLine", []);
  for (const [field, cs] of byField) {
    let v = synthesize(field, cs, edit.noise === true && field === "CommandLine");
    if (edit.numAsText && typeof v === "number" && cs.some((c) => c.kind === "num")) v = String(v);
    if (v === undefined) delete fields[field];
    else fields[field] = v;
  }
  return fields;
}

/** One char changed: the alnum char nearest the middle moves to the next letter/digit. */
export function offByOne(s: string): string {
  if (s === "") return "q";
  const mid = Math.floor((s.length - 1) / 2);
  const order = Array.from(s, (_, k) => k).sort((a, b) =>
    Math.abs(a - mid) - Math.abs(b - mid) || a - b
  );
  const i = order.find((k) => /[A-Za-z0-9]/.test(s[k])) ?? mid;
  const c = s[i];
  const next = /[0-8a-yA-Y]/.test(c)
    ? String.fromCharCode(c.charCodeAt(0) + 1)
    : c === "9"
    ? "0"
    : c === "z"
    ? "a"
    : c === "Z"
    ? "A"
    : "q";
  return s.slice(0, i) + next + s.slice(i + 1);
}

function mutated(cs: readonly Constraint[]): Constraint[] | null {
  const c = cs[0];
  const rest = cs.slice(1);
  switch (c.kind) {
    case "absent":
      return [{ kind: "glob", toks: [{ lit: "corpus" }] }, ...rest];
    case "present":
      return [{ kind: "absent" }, ...rest];
    case "num":
      return [{ kind: "num", n: c.n + 1 }, ...rest];
    case "re":
      return [{ kind: "re", example: offByOne(c.example) }, ...rest];
    case "glob": {
      const lits = c.toks.flatMap((t, k) => ("lit" in t ? [k] : []));
      if (lits.length === 0) return null;
      const k = lits[Math.floor((lits.length - 1) / 2)];
      const toks = c.toks.map((t, n) => (n === k && "lit" in t ? { lit: offByOne(t.lit) } : t));
      return [{ kind: "glob", toks }, ...rest];
    }
  }
}

/** Do the chosen alternatives include a `|re` or `|cased` item? */
function caseSensitive(rule: ParsedRule, pos: readonly string[], choice: Choice): boolean {
  return pos.some((name) => {
    const sel = rule.selections.get(name)!;
    const { alt } = variants(sel)[choice.get(name)!];
    return sel.alternatives[alt].some((i) => i.mods.includes("re") || i.mods.includes("cased"));
  });
}

function swapCase(s: string): string {
  return s.replace(/[A-Za-z]/g, (c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()));
}

/** Build the corpus for `files` (see the module doc). */
export function sigmaCorpus(
  files: readonly { file: string; text: string }[],
  opts: CorpusOptions = {},
): SigmaCorpus {
  const prefix = opts.prefix ?? "corp-";
  const category = opts.category === undefined ? "process_creation" : opts.category;
  const maxVariants = opts.maxVariants ?? 32;
  const events: CorpusEvent[] = [];
  const byKey = new Map<string, string>();
  const targets = new Map<string, string[]>();
  const nearMisses = new Map<string, string[]>();
  const uncovered = new Map<string, string>();

  const emit = (fields: Record<string, string | number | null>, about: string): string => {
    const key = JSON.stringify(Object.entries(fields).sort(([a], [b]) => (a < b ? -1 : 1)));
    const known = byKey.get(key);
    if (known) return known;
    const n = events.length + 1;
    const exec_id = `${prefix}${n}`;
    byKey.set(key, exec_id);
    events.push({
      exec_id,
      fields: { ...fields, ProcessId: 20000 + n, ParentProcessId: 10000 + n },
      about,
    });
    return exec_id;
  };
  const record = (into: Map<string, string[]>, rule: string, id: string) => {
    const list = into.get(rule) ?? [];
    if (!list.includes(id)) list.push(id);
    into.set(rule, list);
  };

  for (const { file, text } of files) {
    let rule: ParsedRule;
    try {
      rule = parseRule(file, text);
    } catch (e) {
      const id = /^id:\s*(\S+)/m.exec(text)?.[1] ?? `file:${file}`;
      uncovered.set(id, (e as Error).message);
      continue;
    }
    if (category !== null && rule.category !== category) {
      uncovered.set(rule.id, `category ${JSON.stringify(rule.category)} is not ${category}`);
      continue;
    }
    try {
      coverRule(rule);
    } catch (e) {
      uncovered.set(rule.id, (e as Error).message);
      targets.delete(rule.id);
      nearMisses.delete(rule.id);
      continue;
    }
    if (!targets.has(rule.id)) uncovered.set(rule.id, "no candidate event satisfies the condition");
  }
  return { events, targets, nearMisses, uncovered };

  function coverRule(rule: ParsedRule): void {
    const matches = (f: Fields) => ruleMatches(rule, f);
    const terms = dnf(rule.condition);
    terms.forEach((term, t) => {
      const counts = new Map(term.pos.map((s) => [s, variants(rule.selections.get(s)!).length]));
      const n = Math.min(maxVariants, Math.max(1, ...counts.values()));
      const choiceAt = (j: number): Choice => new Map(term.pos.map((s) => [s, j % counts.get(s)!]));
      /** a target if it matches; else a near miss when `missOk`, else dropped */
      const keep = (
        fields: Record<string, string | number | null>,
        about: string,
        missOk: boolean,
      ) => {
        if (matches(fields)) record(targets, rule.id, emit(fields, about));
        else if (missOk) record(nearMisses, rule.id, emit(fields, about));
      };
      const positive = (fields: Record<string, string | number | null>, about: string) =>
        keep(fields, about, false);
      const nearMiss = (fields: Record<string, string | number | null>, about: string) => {
        if (!matches(fields)) record(nearMisses, rule.id, emit(fields, about));
      };
      const label = `${rule.id} term ${t}`;
      /** every field the construction changed, case swapped */
      const swapped = (fields: Record<string, string | number | null>) => {
        const out = { ...fields };
        for (const [k, v] of Object.entries(fields)) {
          if (typeof v === "string" && v !== BASE[k]) out[k] = swapCase(v);
        }
        return out;
      };
      let first: Choice | null = null;
      for (let j = 0; j < n; j++) {
        const fields = construct(rule, term.pos, choiceAt(j));
        if (!matches(fields)) continue;
        positive(fields, `${label} variant ${j}`);
        // the case swapped: of the first variant, and of each one whose items are case-sensitive
        if (first === null || caseSensitive(rule, term.pos, choiceAt(j))) {
          keep(swapped(fields), `${label} variant ${j} case swapped`, true);
        }
        first ??= choiceAt(j);
      }
      if (first === null) return;
      positive(construct(rule, term.pos, first, { numAsText: true }), `${label} number as text`);
      positive(construct(rule, term.pos, first, { noise: true }), `${label} raw bytes around`);
      // each item off by one
      for (const name of term.pos) {
        const sel = rule.selections.get(name)!;
        const { alt, j } = variants(sel)[first.get(name)!];
        sel.alternatives[alt].forEach((item, idx) => {
          const cs = mutated(itemConstraints(item, j));
          if (cs === null) return;
          const fields = construct(rule, term.pos, first!, {
            item: { sel: name, alt, idx, with: cs },
          });
          const field = item.field ?? "keyword";
          nearMiss(fields, `${label} ${name}.${field} off by one`);
        });
      }
      // each negated selection satisfied (with the positive part still true)
      for (const name of term.neg) {
        const sel = rule.selections.get(name)!;
        const nv = Math.min(maxVariants, variants(sel).length);
        for (let v = 0; v < nv; v++) {
          for (let j = 0; j < n; j++) {
            const choice = new Map(choiceAt(j)).set(name, v);
            const fields = construct(rule, [...term.pos, name], choice);
            const posTrue = term.pos.every((p) =>
              selectionMatches(rule.selections.get(p)!, fields)
            );
            if (posTrue && selectionMatches(sel, fields)) {
              nearMiss(fields, `${label} ${name} satisfied`);
              break;
            }
          }
        }
      }
    });
  }
}
