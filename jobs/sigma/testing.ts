/**
 * Test helpers for the Sigma engine: one-rule sets from a detection written
 * in YAML, the process_creation catalog of the issue.
 *
 * @module
 */

import { compileRuleSet } from "./rule_set.ts";
import type { CompiledRule, FieldCatalog, RuleInfo, SigmaEvent } from "./types.ts";

import { PROCESS_CREATION_FIELDS } from "../sigma.ts";

export { PROCESS_CREATION_FIELDS };

/** The catalog of the issue, plus a network category for `|cidr` tests. */
export const CATALOG: FieldCatalog = {
  process_creation: PROCESS_CREATION_FIELDS,
  network_connection: ["DestinationIp", "DestinationPort", "Image", "Initiated"],
};

/** Options of {@link ruleYaml}. */
export interface RuleYamlOptions {
  /** default "00000000-0000-4000-8000-000000000001" */
  id?: string;
  /** default "process_creation" */
  category?: string;
  /** default "linux" */
  product?: string;
}

/** A complete rule file around `detection` (YAML lines, indented as under `detection:`). */
export function ruleYaml(detection: string, opts: RuleYamlOptions = {}): string {
  const lines = detection.replace(/^\n+/, "").replace(/\s+$/, "").split("\n");
  const indent = Math.min(...lines.filter((l) => l.trim() !== "").map((l) => l.search(/\S/)));
  return [
    "title: Test rule",
    `id: ${opts.id ?? "00000000-0000-4000-8000-000000000001"}`,
    "status: test",
    "author: Tester",
    "logsource:",
    `    category: ${opts.category ?? "process_creation"}`,
    `    product: ${opts.product ?? "linux"}`,
    "detection:",
    ...lines.map((l) => "    " + l.slice(indent)),
    "level: high",
    "",
  ].join("\n");
}

/** The inventory entry of the one rule of `detection`. */
export function infoOf(detection: string, opts: RuleYamlOptions = {}): RuleInfo {
  const rs = compileRuleSet([{ file: "t.yml", text: ruleYaml(detection, opts) }], CATALOG);
  return rs.inventory[0];
}

/** The compiled rule of `detection`; throws with the reason when it is not evaluated. */
export function ruleOf(detection: string, opts: RuleYamlOptions = {}): CompiledRule {
  const rs = compileRuleSet([{ file: "t.yml", text: ruleYaml(detection, opts) }], CATALOG);
  if (rs.rules.length !== 1) throw new Error(`not evaluated: ${rs.inventory[0]?.reason}`);
  return rs.rules[0];
}

/** A matcher of `detection`: event (and unknown fields) -> the rule's answer. */
export function matcher(
  detection: string,
  opts: RuleYamlOptions = {},
): (ev: SigmaEvent, unknown?: Iterable<string>) => boolean | null {
  const r = ruleOf(detection, opts);
  return (ev, unknown) => r.match(ev, unknown === undefined ? undefined : new Set(unknown));
}
