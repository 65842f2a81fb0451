/**
 * The field index: the rules of one category looked up by literal atoms of
 * their prefilters (prefilter.ts), so that an event's cost grows with the
 * rules it may match, not with all rules. Per field (and cased or not):
 * a map from each exact text, prefix and suffix to the rules needing it.
 * An event's text is looked up whole and by its prefixes and suffixes of
 * the lengths the rules use; a "contains" atom is filed under one of its
 * substrings of {@link GRAM} characters (the whole literal when shorter),
 * found through the text's substrings of those lengths (a text longer than
 * {@link MAX_GRAM_TEXT} makes every such rule a candidate instead). Rules
 * without a prefilter, and rules with an atom on a field in `unknown`, are
 * always candidates. The index only
 * picks candidates: every candidate is evaluated in full, so it never
 * changes an answer.
 *
 * @module
 */

import type { Atom } from "./prefilter.ts";
import type { EvalCtx, FieldTable } from "./evaluate.ts";

/** The length of the substrings "contains" atoms are filed under. */
export const GRAM = 3;
/** Texts longer than this are not split into substrings for "contains" atoms. */
export const MAX_GRAM_TEXT = 512;

/** Hash filters: 2^16 one-byte slots per kind and group (a hit is then looked up exactly). */
const MASK = 0xffff;

/** Polynomial hash of s[from, to), forwards. */
function hashFwd(s: string, from: number, to: number): number {
  let h = 0;
  for (let i = from; i < to; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h & MASK;
}

/** Polynomial hash of s[from, to), from its last character back. */
function hashBwd(s: string, from: number, to: number): number {
  let h = 0;
  for (let i = to - 1; i >= from; i--) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h & MASK;
}

/** Literals of one kind (prefix, suffix or gram) of a group: exact map and hash filter. */
class Literals {
  readonly map = new Map<string, number[]>();
  readonly bits = new Uint8Array(MASK + 1);
  /** hasLen[n] = 1 when a literal is n characters long */
  hasLen = new Uint8Array(1);
  lens: number[] = [];
  maxLen = 0;

  add(lit: string, rule: number): void {
    add(this.map, lit, rule);
  }

  /** Builds the filter (`backwards`: suffixes, hashed from their end). */
  seal(backwards: boolean): void {
    this.lens = [...new Set([...this.map.keys()].map((k) => k.length))].sort((a, b) => a - b);
    this.maxLen = this.lens.length === 0 ? 0 : this.lens[this.lens.length - 1];
    this.hasLen = new Uint8Array(this.maxLen + 1);
    for (const n of this.lens) this.hasLen[n] = 1;
    for (const k of this.map.keys()) {
      this.bits[backwards ? hashBwd(k, 0, k.length) : hashFwd(k, 0, k.length)] = 1;
    }
  }
}

interface Group {
  slot: number;
  cased: boolean;
  eq: Map<string, number[]>;
  prefix: Literals;
  suffix: Literals;
  grams: Literals;
  /** the rules with a "contains" atom in this group */
  gramRules: number[];
  /** every rule with an atom in this group */
  rules: number[];
}

function add(m: Map<string, number[]>, k: string, rule: number): void {
  const l = m.get(k);
  if (l === undefined) m.set(k, [rule]);
  else if (l[l.length - 1] !== rule) l.push(rule);
}

/** The substring a "contains" literal is filed under: its least used gram so far. */
function gramOf(lit: string, grams: Map<string, number[]>): string {
  if (lit.length <= GRAM) return lit;
  let best = lit.slice(0, GRAM);
  let bestCount = grams.get(best)?.length ?? 0;
  for (let i = 1; i + GRAM <= lit.length; i++) {
    const g = lit.slice(i, i + GRAM);
    const n = grams.get(g)?.length ?? 0;
    if (n < bestCount) {
      best = g;
      bestCount = n;
    }
  }
  return best;
}

/** The candidates of one category's rules. */
export class FieldIndex {
  readonly #groups: Group[] = [];
  readonly #always: number[] = [];
  readonly #seen: Uint32Array;
  #epoch = 0;

  /** `rules`: [rule index, its prefilter or null] for the category's rules. */
  constructor(table: FieldTable, rules: readonly [number, Atom[] | null][], size: number) {
    this.#seen = new Uint32Array(size);
    const byKey = new Map<string, Group>();
    for (const [rule, atoms] of rules) {
      if (atoms === null) {
        this.#always.push(rule);
        continue;
      }
      for (const a of atoms) {
        const slot = table.slot(a.field);
        const key = `${slot}:${a.cased}`;
        let g = byKey.get(key);
        if (g === undefined) {
          g = {
            slot,
            cased: a.cased,
            eq: new Map(),
            prefix: new Literals(),
            suffix: new Literals(),
            grams: new Literals(),
            gramRules: [],
            rules: [],
          };
          byKey.set(key, g);
          this.#groups.push(g);
        }
        if (g.rules[g.rules.length - 1] !== rule) g.rules.push(rule);
        if (a.kind === "eq") add(g.eq, a.lit, rule);
        else if (a.kind === "prefix") g.prefix.add(a.lit, rule);
        else if (a.kind === "suffix") g.suffix.add(a.lit, rule);
        else {
          g.grams.add(gramOf(a.lit, g.grams.map), rule);
          if (g.gramRules[g.gramRules.length - 1] !== rule) g.gramRules.push(rule);
        }
      }
    }
    for (const g of this.#groups) {
      g.prefix.seal(false);
      g.suffix.seal(true);
      g.grams.seal(false);
    }
  }

  /** How many rules are always candidates (no prefilter). */
  get unindexed(): number {
    return this.#always.length;
  }

  /** The candidate rules for the event, ascending, each once. */
  candidates(c: EvalCtx): number[] {
    if (++this.#epoch === 0xffffffff) {
      this.#seen.fill(0);
      this.#epoch = 1;
    }
    const epoch = this.#epoch;
    const seen = this.#seen;
    const out: number[] = [];
    const take = (l: readonly number[] | undefined) => {
      if (l === undefined) return;
      for (const r of l) {
        if (seen[r] !== epoch) {
          seen[r] = epoch;
          out.push(r);
        }
      }
    };
    take(this.#always);
    for (const g of this.#groups) {
      if (c.isUnknown(g.slot)) {
        take(g.rules);
        continue;
      }
      const t = g.cased ? c.text(g.slot) : c.folded(g.slot);
      if (t === null) continue;
      take(g.eq.get(t));
      const n = t.length;
      const { prefix, suffix, grams } = g;
      // prefixes and suffixes: one hash carried along, an exact lookup on a filter hit
      for (let i = 0, h = 0, end = Math.min(prefix.maxLen, n); i < end; i++) {
        h = (Math.imul(h, 31) + t.charCodeAt(i)) | 0;
        if (prefix.hasLen[i + 1] === 1 && prefix.bits[h & MASK] === 1) {
          take(prefix.map.get(t.slice(0, i + 1)));
        }
      }
      for (let k = 1, h = 0, end = Math.min(suffix.maxLen, n); k <= end; k++) {
        h = (Math.imul(h, 31) + t.charCodeAt(n - k)) | 0;
        if (suffix.hasLen[k] === 1 && suffix.bits[h & MASK] === 1) {
          take(suffix.map.get(t.slice(n - k)));
        }
      }
      if (grams.maxLen === 0) continue;
      if (n > MAX_GRAM_TEXT) {
        take(g.gramRules);
        continue;
      }
      for (const len of grams.lens) {
        for (let i = 0; i + len <= n; i++) {
          if (grams.bits[hashFwd(t, i, i + len)] === 1) take(grams.map.get(t.slice(i, i + len)));
        }
      }
    }
    return out.sort((a, b) => a - b);
  }
}
