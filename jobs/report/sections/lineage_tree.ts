/**
 * A finding's lineage as a tree for the row details: its ancestors root
 * first (command lines from the lineage table when the run has it), then the
 * finding itself.
 *
 * @module
 */

import { CHAIN_ENDS, type LineageExec } from "../model.ts";
import type { Detail } from "../table.ts";

/** What {@link lineageTree} draws. */
export interface Chain {
  /** ancestor images, parent first */
  ancestors: readonly string[];
  /** their exec ids, same order (may be shorter or empty) */
  ancestorExecIds?: readonly string[];
  /** why the chain stops (lineage `chain_end`) */
  chainEnd?: string | null;
  /** the exec itself: image, command line */
  self: [string | null, string | null];
}

/** The tree of a chain (null: nothing known). */
export function lineageTree(
  c: Chain,
  lineage: ReadonlyMap<string, LineageExec> | null,
): Detail["tree"] | undefined {
  if (c.ancestors.length === 0 && !c.chainEnd && c.self[0] === null) return undefined;
  const end = c.chainEnd
    ? `; the chain stops: ${c.chainEnd}${
      CHAIN_ENDS[c.chainEnd] ? ` (${CHAIN_ENDS[c.chainEnd]})` : ""
    }`
    : "";
  const nodes: [string, string | null][] = [];
  for (let i = c.ancestors.length - 1; i >= 0; i--) {
    const id = c.ancestorExecIds?.[i];
    const known = id !== undefined ? lineage?.get(id) : undefined;
    nodes.push([c.ancestors[i], known?.commandLine ?? null]);
  }
  nodes.push([`${c.self[0] ?? "(image unknown)"}   ◀ this exec`, c.self[1]]);
  return {
    title: `Lineage, root first: ${c.ancestors.length} ancestor${
      c.ancestors.length === 1 ? "" : "s"
    }${end}`,
    nodes,
  };
}
