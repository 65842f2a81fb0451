/**
 * A compiled rule: its expression tree as closures, with the fields it reads.
 *
 * @module
 */

import { compileNode, type Eval, EvalCtx, type FieldTable, TRUE, UNKNOWN } from "./evaluate.ts";
import { hasKeyword, type Node, nodeFields } from "./expr.ts";
import type { CompiledRule, FieldCatalog, RuleInfo, SigmaEvent } from "./types.ts";

/** A rule of a rule set (contract: CompiledRule). */
export class Rule implements CompiledRule {
  readonly info: RuleInfo;
  readonly category: string;
  readonly fields: ReadonlySet<string>;
  /** the expression tree (for the index's prefilter) */
  readonly node: Node;
  readonly #eval: Eval;
  readonly #table: FieldTable;

  constructor(
    info: RuleInfo,
    category: string,
    node: Node,
    table: FieldTable,
    catalog: FieldCatalog,
  ) {
    this.info = info;
    this.category = category;
    this.node = node;
    this.#table = table;
    const keywordFields = catalog[category] ?? [];
    const fields = nodeFields(node);
    if (hasKeyword(node)) { for (const f of keywordFields) fields.add(f); }
    this.fields = fields;
    this.#eval = compileNode(node, table, keywordFields.map((f) => table.slot(f)));
  }

  /** The three-valued answer in an event context (the rule set's shared one). */
  evaluate(c: EvalCtx): 0 | 1 | 2 {
    return this.#eval(c);
  }

  match(ev: SigmaEvent, unknown?: ReadonlySet<string>): boolean | null {
    const r = this.#eval(new EvalCtx(ev, unknown, this.#table));
    return r === UNKNOWN ? null : r === TRUE;
  }
}
