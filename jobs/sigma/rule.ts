/**
 * One rule document -> its inventory entry and, when it can be evaluated,
 * its detection as an expression tree (or a global filter, or the reason
 * it cannot be evaluated).
 *
 * A rule is evaluated when: it is not a correlation rule; it has a title,
 * a logsource and a detection with a condition; its logsource product is
 * `linux`, its category a key of the catalog and it names no service; its
 * status is not `unsupported`; every modifier and condition is supported;
 * and every field its condition reads is in the catalog's fields of its
 * category (keyword searches read them all).
 *
 * @module
 */

import { parseCondition, resolveCondition } from "./condition.ts";
import { detectionNode } from "./detection.ts";
import { and, hasKeyword, type Node, nodeFields, or, RuleError } from "./expr.ts";
import type { Doc } from "./yaml_docs.ts";
import type { FieldCatalog, RuleInfo } from "./types.ts";

/** The logsource attributes rules and filters are matched on. */
export interface LogSource {
  category: string | null;
  product: string | null;
  service: string | null;
}

/** A rule document, parsed. */
export type ParsedDoc =
  | { kind: "rule"; info: RuleInfo; name: string | null; logsource: LogSource; node: Node }
  | {
    kind: "filter";
    info: RuleInfo;
    logsource: LogSource;
    /** rule ids or names; "any": every rule of the logsource */
    rules: string[] | "any";
    node: Node;
  }
  | { kind: "bad"; info: RuleInfo };

function str(x: unknown): string | null {
  return typeof x === "string" ? x : null;
}

function isMap(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

function logSourceOf(doc: Doc): LogSource | null {
  const ls = doc.logsource;
  if (!isMap(ls)) return null;
  return { category: str(ls.category), product: str(ls.product), service: str(ls.service) };
}

/** The inventory entry of a document (evaluated until a reason is found). */
export function ruleInfo(doc: Doc, file: string, fallbackId: string): RuleInfo {
  const author = Array.isArray(doc.author)
    ? doc.author.filter((a) => typeof a === "string").join(", ")
    : str(doc.author);
  return {
    rule_id: typeof doc.id === "string" && doc.id.trim() !== "" ? doc.id.trim() : fallbackId,
    title: str(doc.title) ?? "",
    status: str(doc.status),
    level: str(doc.level),
    tags: Array.isArray(doc.tags) ? doc.tags.filter((t): t is string => typeof t === "string") : [],
    author: author === "" ? null : author,
    file,
    category: logSourceOf(doc)?.category ?? null,
    evaluated: true,
    reason: null,
  };
}

/** Search identifiers of a detection section -> nodes (every one, referenced or not). */
function detectionNodes(det: Record<string, unknown>, skip: readonly string[]): Map<string, Node> {
  const out = new Map<string, Node>();
  for (const [name, def] of Object.entries(det)) {
    if (skip.includes(name)) continue;
    out.set(name, detectionNode(def, name));
  }
  return out;
}

/** A condition (a text, or a list of texts: or-linked) over `dets` -> node. */
function conditionNode(cond: unknown, dets: Map<string, Node>): Node {
  const texts = typeof cond === "string"
    ? [cond]
    : Array.isArray(cond) && cond.length > 0 && cond.every((c) => typeof c === "string")
    ? cond as string[]
    : null;
  if (texts === null) throw new RuleError("condition must be a text or a list of texts");
  const names = [...dets.keys()];
  const nodes: Node[] = [];
  for (const t of texts) {
    const n = resolveCondition(parseCondition(t), names, (id) => dets.get(id)!, {
      and,
      or,
      not: (arg): Node => ({ k: "not", arg }),
    });
    if (n === null) throw new RuleError(`condition "${t}" selects no search identifier`);
    nodes.push(n);
  }
  return or(nodes);
}

/** Checks the fields a node reads against the catalog's fields of `category`. */
export function checkFields(node: Node, category: string, catalog: FieldCatalog): void {
  const known = new Set(catalog[category] ?? []);
  for (const f of nodeFields(node)) {
    if (!known.has(f)) throw new RuleError(`field "${f}" not in ${category}`);
  }
  if (hasKeyword(node) && known.size === 0) {
    throw new RuleError(`keywords need fields, ${category} has none`);
  }
}

function logsourceReason(ls: LogSource, catalog: FieldCatalog): string | null {
  if (ls.product !== "linux") {
    return ls.product === null
      ? "logsource has no product (only linux is evaluated)"
      : `logsource product "${ls.product}" is not linux`;
  }
  if (ls.category === null) {
    return ls.service === null
      ? "logsource has no category"
      : `logsource service "${ls.service}" (no category) has no data`;
  }
  if (!Object.hasOwn(catalog, ls.category)) return `category "${ls.category}" has no data`;
  if (ls.service !== null) return `logsource service "${ls.service}" has no data`;
  return null;
}

function parseFilter(doc: Doc, info: RuleInfo): ParsedDoc {
  const bad = (reason: string): ParsedDoc => ({
    kind: "bad",
    info: { ...info, evaluated: false, reason },
  });
  const logsource = logSourceOf(doc);
  if (logsource === null) return bad("filter has no logsource");
  const f = doc.filter;
  if (!isMap(f)) return bad("filter is not a map");
  let rules: string[] | "any";
  if (typeof f.rules === "string") {
    rules = ["any", "all"].includes(f.rules.toLowerCase()) ? "any" : [f.rules];
  } else if (Array.isArray(f.rules) && f.rules.every((r) => typeof r === "string")) {
    rules = f.rules.length === 0 ? "any" : f.rules as string[];
  } else {
    return bad(`filter needs "rules": "any" or rule ids / names`);
  }
  if (typeof f.condition !== "string") return bad("filter condition must be one text");
  try {
    const dets = detectionNodes(f, ["condition", "rules"]);
    const node = conditionNode(f.condition, dets);
    return { kind: "filter", info: { ...info, evaluated: false }, logsource, rules, node };
  } catch (e) {
    if (e instanceof RuleError) return bad(`filter: ${e.message}`);
    throw e;
  }
}

/** Parses one document of `file`; `fallbackId` is its id when it has none. */
export function parseRuleDoc(
  doc: Doc,
  file: string,
  fallbackId: string,
  catalog: FieldCatalog,
): ParsedDoc {
  const info = ruleInfo(doc, file, fallbackId);
  const bad = (reason: string): ParsedDoc => ({
    kind: "bad",
    info: { ...info, evaluated: false, reason },
  });
  if (doc.correlation !== undefined) return bad("correlation rule");
  if (doc.filter !== undefined && doc.detection === undefined) return parseFilter(doc, info);
  if (info.title === "") return bad("title missing");
  const logsource = logSourceOf(doc);
  if (logsource === null) return bad("logsource missing");
  const lsReason = logsourceReason(logsource, catalog);
  if (lsReason !== null) return bad(lsReason);
  if (info.status === "unsupported") return bad(`status "unsupported"`);
  const det = doc.detection;
  if (!isMap(det)) return bad("detection missing");
  if (det.condition === undefined) return bad("condition missing");
  if (det.timeframe !== undefined) return bad("timeframe not supported (a correlation rule's)");
  try {
    const dets = detectionNodes(det, ["condition"]);
    const node = conditionNode(det.condition, dets);
    checkFields(node, logsource.category!, catalog);
    return { kind: "rule", info, name: str(doc.name), logsource, node };
  } catch (e) {
    if (e instanceof RuleError) return bad(e.message);
    throw e;
  }
}
