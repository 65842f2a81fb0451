/**
 * The map side's index of one host's program images: exec id -> node
 * (jobs/lineage/chain.ts), filled in the order records are read. A host's
 * files are one map task, read in name order (time order), so a child's
 * parent is usually already in the index when the child's exec is read:
 * jobs resolve the parent (Sigma's ParentImage, novelty's parent image) and
 * walk the ancestors without a shuffle. The index holds at most `cap`
 * nodes; the oldest goes first (`onEvict` sees it, so a job can send it
 * where a late child can still find it).
 *
 * @module
 */

import type { LineageNode, NodeIndex } from "../lineage/chain.ts";

/** Nodes an index holds by default (about 300 B each with a typical command line). */
export const DEFAULT_INDEX_CAP = 200_000;

/** Options of {@link HostIndex}. */
export interface HostIndexOptions {
  /** nodes held at most. @default DEFAULT_INDEX_CAP */
  cap?: number;
  /** called with each node dropped to make room (not with nodes dropped by a host change) */
  onEvict?: (node: LineageNode) => void;
}

/** One host's nodes (the map task's current host). */
export class HostIndex implements NodeIndex {
  #host: string | null = null;
  #nodes = new Map<string, LineageNode>();
  readonly #cap: number;
  readonly #onEvict?: (node: LineageNode) => void;
  /** nodes dropped to make room, over the index's life */
  evicted = 0;

  constructor(o: HostIndexOptions = {}) {
    this.#cap = Math.max(1, o.cap ?? DEFAULT_INDEX_CAP);
    this.#onEvict = o.onEvict;
  }

  /** The host whose nodes are held (null before the first). */
  get host(): string | null {
    return this.#host;
  }

  get size(): number {
    return this.#nodes.size;
  }

  /** Makes `host` current: a different host empties the index. */
  enter(host: string): void {
    if (host === this.#host) return;
    this.#host = host;
    this.#nodes.clear();
  }

  /**
   * Adds the node of a successful exec (a failed exec's id is the image
   * that attempted it: not a node of its own). A second node of one id
   * (E1: a process that exec'd twice) replaces the first and counts as new.
   */
  add(node: LineageNode): void {
    if (!node.exec_ok) return;
    this.#nodes.delete(node.exec_id);
    if (this.#nodes.size >= this.#cap) {
      const [id, oldest] = this.#nodes.entries().next().value as [string, LineageNode];
      this.#nodes.delete(id);
      this.evicted++;
      this.#onEvict?.(oldest);
    }
    this.#nodes.set(node.exec_id, node);
  }

  get(execId: string): LineageNode | undefined {
    return this.#nodes.get(execId);
  }
}
