/**
 * The Sigma rule engine (contract A of issue 12): rules loaded, compiled
 * once into matchers, and matched against Sigma events in three-valued
 * logic through a field index. See docs/sigma.md.
 *
 * @module
 */

export type {
  CompiledRule,
  FieldCatalog,
  RuleFile,
  RuleInfo,
  RuleSet,
  RuleSetMatch,
  SigmaEvent,
  SigmaValue,
} from "./types.ts";
export { compileRuleSet, type IndexedRuleSet } from "./rule_set.ts";
