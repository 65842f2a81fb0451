/**
 * A rule's detection as an expression tree (the compiler's output, before
 * it becomes closures): and / or / not over tests of one field's value or
 * keyword searches. Also the error a rule that cannot be evaluated raises.
 *
 * @module
 */

import type { Cidr } from "./cidr.ts";
import type { SigmaString } from "./sigma_string.ts";

/** Why a rule cannot be evaluated: its message is the inventory's one-line reason. */
export class RuleError extends Error {
  constructor(reason: string) {
    super(reason.replace(/\s*\n\s*/g, " "));
    this.name = "RuleError";
  }
}

/** Numeric comparisons of the `lt`, `lte`, `gt`, `gte` modifiers. */
export type CompareOp = "lt" | "lte" | "gt" | "gte";

/** A test of one value. */
export type Test =
  /** a Sigma string (wildcards); case-insensitive unless cased */
  | { k: "pattern"; s: SigmaString; cased: boolean }
  /** a number: equal as numbers, or as text */
  | { k: "number"; n: number }
  | { k: "bool"; b: boolean }
  /** the field is null or absent */
  | { k: "null" }
  /** the field is (b = true) or is not (false) in the event */
  | { k: "exists"; b: boolean }
  /** a regular expression (search: unanchored) */
  | { k: "re"; re: RegExp }
  | { k: "cidr"; net: Cidr; text: string }
  | { k: "cmp"; op: CompareOp; n: number }
  /** compares with another field's value (whole, or as prefix, suffix, substring) */
  | { k: "fieldref"; field: string; starts: boolean; ends: boolean; cased: boolean };

/** An expression node. */
export type Node =
  | { k: "and"; args: Node[] }
  | { k: "or"; args: Node[] }
  | { k: "not"; arg: Node }
  /** a test of `field`'s value */
  | { k: "field"; field: string; test: Test }
  /** a keyword: the test holds for some string field of the event */
  | { k: "keyword"; test: Test };

/** An `and` of `args` (one argument: itself). */
export function and(args: Node[]): Node {
  return args.length === 1 ? args[0] : { k: "and", args };
}

/** An `or` of `args` (one argument: itself). */
export function or(args: Node[]): Node {
  return args.length === 1 ? args[0] : { k: "or", args };
}

/** The fields a node reads (keywords: none here; the rule adds its category's fields). */
export function nodeFields(n: Node, out: Set<string> = new Set()): Set<string> {
  switch (n.k) {
    case "and":
    case "or":
      for (const a of n.args) nodeFields(a, out);
      break;
    case "not":
      nodeFields(n.arg, out);
      break;
    case "field":
      out.add(n.field);
      if (n.test.k === "fieldref") out.add(n.test.field);
      break;
    case "keyword":
      break;
  }
  return out;
}

/** Whether a node has a keyword search. */
export function hasKeyword(n: Node): boolean {
  switch (n.k) {
    case "and":
    case "or":
      return n.args.some(hasKeyword);
    case "not":
      return hasKeyword(n.arg);
    case "field":
      return false;
    case "keyword":
      return true;
  }
}
