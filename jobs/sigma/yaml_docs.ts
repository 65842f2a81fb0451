/**
 * A rule file's YAML (1.2, core schema: dates stay text) -> its rule
 * documents. A file may hold several documents; the legacy collection
 * actions are applied as pySigma applies them: `action: global` is merged
 * into every later document, `action: reset` drops it, `action: repeat`
 * is the previous document with this one merged in.
 *
 * @module
 */

import { parseAllDocuments } from "yaml";

/** A parsed document (a YAML map). */
export type Doc = Record<string, unknown>;

/** The file's documents, or the one-line reason it has none. */
export type ParsedFile = { docs: Doc[] } | { error: string };

function isMap(x: unknown): x is Doc {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

/** `base` with `over` merged in (maps recursively; other values replaced). */
export function deepMerge(base: Doc, over: Doc): Doc {
  const out: Doc = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isMap(b) && isMap(v) ? deepMerge(b, v) : v;
  }
  return out;
}

function firstLine(s: string): string {
  return s.split("\n")[0].replace(/:\s*$/, "").trim();
}

/** Parses a rule file's text. */
export function parseRuleYaml(text: string): ParsedFile {
  let raw: unknown[];
  try {
    const docs = parseAllDocuments(text, { uniqueKeys: true, prettyErrors: true });
    if (!Array.isArray(docs)) return { error: "YAML: not a document stream" };
    raw = [];
    for (const d of docs) {
      if (d.errors.length > 0) return { error: `YAML: ${firstLine(d.errors[0].message)}` };
      raw.push(d.toJS({ maxAliasCount: 100 }));
    }
  } catch (e) {
    return { error: `YAML: ${firstLine(e instanceof Error ? e.message : String(e))}` };
  }
  raw = raw.filter((d) => d !== null && d !== undefined);
  if (raw.length === 0) return { error: "empty file" };
  const out: Doc[] = [];
  let global: Doc | null = null;
  let previous: Doc | null = null;
  for (const d of raw) {
    if (!isMap(d)) return { error: "a document is not a YAML map" };
    const action = d.action;
    const { action: _, ...rest } = d;
    if (action === "global") {
      global = global === null ? rest : deepMerge(global, rest);
      continue;
    }
    if (action === "reset") {
      global = null;
      continue;
    }
    let doc: Doc;
    if (action === "repeat") {
      if (previous === null) return { error: "action: repeat without a previous document" };
      doc = deepMerge(previous, rest);
    } else if (action === undefined) {
      doc = global === null ? d : deepMerge(global, d);
    } else {
      return { error: `unknown action "${String(action)}"` };
    }
    out.push(doc);
    previous = doc;
  }
  if (out.length === 0) return { error: "no rule in the file (only action documents)" };
  return { docs: out };
}
