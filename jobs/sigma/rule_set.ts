/**
 * compileRuleSet(): rule files -> the inventory of every rule (evaluated or
 * not, with its reason) and the evaluated rules compiled, matched by
 * category through the field index.
 *
 * - every document of every file gets an inventory entry; a file that does
 *   not parse gets one (its id and title read from the text when possible)
 * - a rule id seen in an earlier file (or document) is not evaluated again
 * - global filters (sigma-filters-specification.md) are applied as pySigma
 *   applies them: a rule they select (by id or name, or `rules: any`, and
 *   whose logsource is within the filter's) gets `(condition) and
 *   (filter condition)`; the filter's own entry says how many rules
 * - never throws for a bad rule
 *
 * @module
 */

import { EvalCtx, FieldTable, TRUE, UNKNOWN } from "./evaluate.ts";
import { and, RuleError } from "./expr.ts";
import { FieldIndex } from "./field_index.ts";
import { prefilter } from "./prefilter.ts";
import { checkFields, type LogSource, type ParsedDoc, parseRuleDoc } from "./rule.ts";
import { Rule } from "./compiled_rule.ts";
import { parseRuleYaml } from "./yaml_docs.ts";
import type {
  FieldCatalog,
  RuleFile,
  RuleInfo,
  RuleSet,
  RuleSetMatch,
  SigmaEvent,
} from "./types.ts";

/** A rule set that also tells what its field index does (for tests and benchmarks). */
export interface IndexedRuleSet extends RuleSet {
  /** the rules (indices, ascending) the index picks for the event: a superset of the answers */
  candidates(category: string, ev: SigmaEvent, unknown?: ReadonlySet<string>): number[];
  /** per category: its rules, and how many have no prefilter (always evaluated) */
  indexStats(): Record<string, { rules: number; unindexed: number }>;
}

function salvage(text: string, key: string): string | null {
  const m = new RegExp(`^${key}:[ \\t]*['"]?([^'"\\r\\n#]*?)['"]?[ \\t]*(?:#.*)?$`, "m").exec(text);
  return m && m[1] !== "" ? m[1] : null;
}

function unreadable(f: RuleFile, reason: string): RuleInfo {
  return {
    rule_id: salvage(f.text, "id") ?? `file:${f.file}`,
    title: salvage(f.text, "title") ?? "",
    status: salvage(f.text, "status"),
    level: salvage(f.text, "level"),
    tags: [],
    author: salvage(f.text, "author"),
    file: f.file,
    category: null,
    evaluated: false,
    reason,
  };
}

function notEvaluated(p: ParsedDoc, reason: string): ParsedDoc {
  return { kind: "bad", info: { ...p.info, evaluated: false, reason } };
}

function messageOf(e: unknown): string {
  if (e instanceof RuleError) return e.message;
  return `cannot compile: ${(e instanceof Error ? e.message : String(e)).split("\n")[0]}`;
}

function within(rule: LogSource, filter: LogSource): boolean {
  return (filter.category === null || filter.category === rule.category) &&
    (filter.product === null || filter.product === rule.product) &&
    (filter.service === null || filter.service === rule.service);
}

/** Applies the filters to the rules they select (in place); filters get their reason. */
function applyFilters(parsed: ParsedDoc[], catalog: FieldCatalog): void {
  for (let i = 0; i < parsed.length; i++) {
    const f = parsed[i];
    if (f.kind !== "filter") continue;
    const targets: number[] = [];
    for (let j = 0; j < parsed.length; j++) {
      const r = parsed[j];
      if (r.kind !== "rule" || !within(r.logsource, f.logsource)) continue;
      if (
        f.rules === "any" || f.rules.includes(r.info.rule_id) ||
        (r.name !== null && f.rules.includes(r.name))
      ) targets.push(j);
    }
    try {
      for (const j of targets) {
        const r = parsed[j] as Extract<ParsedDoc, { kind: "rule" }>;
        checkFields(f.node, r.logsource.category!, catalog);
      }
    } catch (e) {
      parsed[i] = notEvaluated(f, `filter: ${messageOf(e)}`);
      continue;
    }
    for (const j of targets) {
      const r = parsed[j] as Extract<ParsedDoc, { kind: "rule" }>;
      parsed[j] = { ...r, node: and([r.node, f.node]) };
    }
    const n = targets.length;
    parsed[i] = notEvaluated(
      f,
      n === 0 ? "filter applies to no rule" : `filter applied to ${n} rule${n === 1 ? "" : "s"}`,
    );
  }
}

function byRuleId(a: RuleInfo, b: RuleInfo): number {
  if (a.rule_id !== b.rule_id) return a.rule_id < b.rule_id ? -1 : 1;
  return a.file < b.file ? -1 : a.file > b.file ? 1 : 0;
}

/**
 * Parse + compile rule texts ({file, text}[]) -> RuleSet. Never throws for a bad rule: it goes
 * to the inventory with evaluated=false and a reason.
 */
export function compileRuleSet(
  files: readonly RuleFile[],
  catalog: FieldCatalog,
): IndexedRuleSet {
  const parsed: ParsedDoc[] = [];
  for (const f of files) {
    const y = parseRuleYaml(f.text);
    if ("error" in y) {
      parsed.push({ kind: "bad", info: unreadable(f, y.error) });
      continue;
    }
    y.docs.forEach((doc, k) => {
      const fallback = `file:${f.file}${y.docs.length > 1 ? `#${k + 1}` : ""}`;
      try {
        parsed.push(parseRuleDoc(doc, f.file, fallback, catalog));
      } catch (e) {
        parsed.push({ kind: "bad", info: { ...unreadable(f, messageOf(e)), rule_id: fallback } });
      }
    });
  }
  const firstFile = new Map<string, string>();
  for (let i = 0; i < parsed.length; i++) {
    const p = parsed[i];
    if (p.kind === "bad") continue;
    const seen = firstFile.get(p.info.rule_id);
    if (seen !== undefined) parsed[i] = notEvaluated(p, `duplicate id (also in ${seen})`);
    else firstFile.set(p.info.rule_id, p.info.file);
  }
  applyFilters(parsed, catalog);

  const table = new FieldTable();
  const compiled: Rule[] = [];
  const inventory: RuleInfo[] = [];
  for (const p of parsed) {
    if (p.kind !== "rule") {
      inventory.push(p.info);
      continue;
    }
    try {
      compiled.push(new Rule(p.info, p.logsource.category!, p.node, table, catalog));
      inventory.push(p.info);
    } catch (e) {
      inventory.push({ ...p.info, evaluated: false, reason: messageOf(e) });
    }
  }
  inventory.sort(byRuleId);
  compiled.sort((a, b) => byRuleId(a.info, b.info));
  return new CompiledRuleSet(compiled, inventory, table);
}

/** The rule set (contract: RuleSet). */
class CompiledRuleSet implements IndexedRuleSet {
  readonly rules: readonly Rule[];
  readonly inventory: readonly RuleInfo[];
  readonly #table: FieldTable;
  readonly #indexes = new Map<string, FieldIndex>();

  constructor(rules: Rule[], inventory: RuleInfo[], table: FieldTable) {
    this.rules = rules;
    this.inventory = inventory;
    this.#table = table;
    const byCategory = new Map<string, [number, ReturnType<typeof prefilter>][]>();
    rules.forEach((r, i) => {
      let l = byCategory.get(r.category);
      if (l === undefined) byCategory.set(r.category, l = []);
      l.push([i, prefilter(r.node)]);
    });
    for (const [cat, l] of byCategory) {
      this.#indexes.set(cat, new FieldIndex(table, l, rules.length));
    }
  }

  candidates(category: string, ev: SigmaEvent, unknown?: ReadonlySet<string>): number[] {
    const index = this.#indexes.get(category);
    return index === undefined ? [] : index.candidates(new EvalCtx(ev, unknown, this.#table));
  }

  indexStats(): Record<string, { rules: number; unindexed: number }> {
    const out: Record<string, { rules: number; unindexed: number }> = {};
    for (const r of this.rules) {
      out[r.category] ??= { rules: 0, unindexed: this.#indexes.get(r.category)!.unindexed };
      out[r.category].rules++;
    }
    return out;
  }

  match(category: string, ev: SigmaEvent, unknown?: ReadonlySet<string>): RuleSetMatch {
    const matched: number[] = [];
    const undecided: number[] = [];
    const index = this.#indexes.get(category);
    if (index === undefined) return { matched, undecided };
    const c = new EvalCtx(ev, unknown, this.#table);
    for (const i of index.candidates(c)) {
      const r = this.rules[i].evaluate(c);
      if (r === TRUE) matched.push(i);
      else if (r === UNKNOWN) undecided.push(i);
    }
    return { matched, undecided };
  }
}
