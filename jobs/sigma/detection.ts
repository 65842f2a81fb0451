/**
 * Search identifiers: one detection definition (a map, a list of maps, a
 * list of values, or a plain value) -> an expression node.
 *
 * - a map: its items are and-linked; a field's list of values is or-linked
 *   (`|all`: and-linked); an empty list means the field is null (pySigma)
 * - a list of maps (or of lists): or-linked
 * - a list of plain values, or one plain value: keywords (or-linked)
 * - a key that is empty or only modifiers (`'|all'`): keywords with modifiers
 *
 * @module
 */

import { and, type Node, or, RuleError } from "./expr.ts";
import { itemNode, type Scalar } from "./modifiers.ts";

function isScalar(x: unknown): x is Scalar {
  return x === null || typeof x === "string" || typeof x === "number" || typeof x === "boolean";
}

function isMap(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

function mapNode(def: Record<string, unknown>, name: string): Node {
  const keys = Object.keys(def);
  if (keys.length === 0) throw new RuleError(`detection "${name}" is empty`);
  return and(keys.map((key) => {
    const [field, ...mods] = key.split("|");
    const raw = def[key];
    let values: Scalar[];
    if (Array.isArray(raw)) {
      if (!raw.every(isScalar)) {
        throw new RuleError(`detection "${name}": the values of "${key}" must be plain values`);
      }
      values = raw;
    } else if (isScalar(raw)) {
      values = [raw];
    } else {
      throw new RuleError(`detection "${name}": the value of "${key}" is a map`);
    }
    return itemNode(field === "" ? null : field, mods, values);
  }));
}

/** One search identifier's definition -> node (`name` for the reasons). */
export function detectionNode(def: unknown, name: string): Node {
  if (isMap(def)) return mapNode(def, name);
  if (Array.isArray(def)) {
    if (def.length === 0) throw new RuleError(`detection "${name}" is empty`);
    if (def.every(isScalar)) return itemNode(null, [], def);
    return or(def.map((d) => {
      if (isMap(d)) return mapNode(d, name);
      if (Array.isArray(d) || isScalar(d)) return detectionNode(d, name);
      throw new RuleError(`detection "${name}" has an item of an unsupported type`);
    }));
  }
  if (def === null) throw new RuleError(`detection "${name}" is null`);
  if (isScalar(def)) return itemNode(null, [], [def]);
  throw new RuleError(`detection "${name}" has an unsupported type`);
}
