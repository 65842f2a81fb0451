/**
 * Process lineage, the library part: a node per program image (one exec
 * id), made from an exec record or an `events` row, and the walk up its
 * parents by exec id. Parents are linked by exec ids (`boot-start-pid-xid`,
 * E1: `boot-start-pid`), never by pid, so a reused pid never links the
 * wrong parent; ids name their boot, so ancestors are on the node's host.
 *
 * @module
 */

import type { Json } from "../job.ts";
import { type ExecRecord, imageOf } from "../events.ts";
import { execId, parentExecId } from "../../scripts/logformat/mod.ts";

/** The longest command line a node keeps (UTF-16 code units). */
export const MAX_COMMAND_LINE = 4096;

/** One program image, as far as lineage needs it. */
export interface LineageNode {
  [k: string]: Json;
  exec_id: string;
  /** null when the process has no parent (ppid 0: started by the kernel) */
  parent_exec_id: string | null;
  host: string;
  /**
   * when the image was exec'd (ns since the epoch), and its image and
   * command line: null when only failed execs of the image were seen (a
   * failed exec's id is the image that attempted it, whose own exec is
   * not in the data)
   */
  time_ns: string | null;
  image: string | null;
  command_line: string | null;
  /** the command line was longer than {@link MAX_COMMAND_LINE} and is cut */
  command_line_cut: boolean;
  pid: number;
  ppid: number;
  uid: number | null;
  auid: number | null;
  /** read from the previous day's `events` table */
  from_previous_day: boolean;
  /** made from a successful exec (the image's own record) */
  exec_ok: boolean;
}

/** Why a walk stopped. */
export type ChainEnd = "not_in_data" | "root" | "max_depth" | "cycle";

/** A chain: the node itself first (depth 0), then its parent, ... */
export interface Chain {
  nodes: LineageNode[];
  end: ChainEnd;
}

/** What a walk looks nodes up in: a Map, or anything with `get`. */
export interface NodeIndex {
  get(execId: string): LineageNode | undefined;
}

function capped(s: string): [string, boolean] {
  if (s.length <= MAX_COMMAND_LINE) return [s, false];
  let n = MAX_COMMAND_LINE;
  const c = s.charCodeAt(n - 1);
  if (c >= 0xd800 && c <= 0xdbff) n--; // never split a surrogate pair
  return [s.slice(0, n), true];
}

/** The node of an exec record (version 1 and later: v0 has no exec id). */
export function nodeOf(r: ExecRecord, commandLine: string): LineageNode {
  const ok = r.ret >= 0;
  const [cl, cut] = ok ? capped(commandLine) : [null, false];
  return {
    exec_id: execId(r),
    parent_exec_id: r.ppid === 0 ? null : parentExecId(r),
    host: r.host,
    time_ns: ok ? r.time_ns : null,
    image: ok ? imageOf(r) : null,
    command_line: cl,
    command_line_cut: cut,
    pid: r.pid,
    ppid: r.ppid,
    uid: r.uid,
    auid: r.auid,
    from_previous_day: false,
    exec_ok: ok,
  };
}

const optNumber = (v: Json | undefined): number | null =>
  v === null || v === undefined ? null : Number(v);

/**
 * The node of an `events` row (a side input: longs may be decimal strings);
 * null for a row with no exec id (v0) or of a failed exec.
 */
export function nodeOfRow(row: Record<string, Json>, fromPreviousDay: boolean): LineageNode | null {
  if (typeof row.exec_id !== "string" || row.failed === true) return null;
  const [cl, cut] = capped(String(row.command_line ?? ""));
  return {
    exec_id: row.exec_id,
    parent_exec_id: Number(row.ppid) === 0 || typeof row.parent_exec_id !== "string"
      ? null
      : row.parent_exec_id,
    host: String(row.host),
    time_ns: row.time_ns === null || row.time_ns === undefined ? null : String(row.time_ns),
    image: typeof row.image === "string" ? row.image : null,
    command_line: cl,
    command_line_cut: cut,
    pid: Number(row.pid),
    ppid: Number(row.ppid),
    uid: optNumber(row.uid),
    auid: optNumber(row.auid),
    from_previous_day: fromPreviousDay,
    exec_ok: true,
  };
}

/**
 * The ancestor chain of `execId`: its node, its parent's, ... until the
 * process has no parent or is pid 1 (`root`), a parent id is not in
 * `index` (`not_in_data`), an id comes again (`cycle`: garbled data), or
 * `maxDepth` ancestors are listed (`max_depth`). An `execId` not in
 * `index` gives no nodes and `not_in_data`.
 */
export function ancestorChain(index: NodeIndex, execId: string, maxDepth: number): Chain {
  const nodes: LineageNode[] = [];
  const seen = new Set<string>();
  let node = index.get(execId);
  if (!node) return { nodes, end: "not_in_data" };
  for (;;) {
    nodes.push(node);
    seen.add(node.exec_id);
    const next = node.parent_exec_id;
    if (next === null || node.pid === 1) return { nodes, end: "root" };
    if (seen.has(next)) return { nodes, end: "cycle" };
    const parent = index.get(next);
    if (!parent) return { nodes, end: "not_in_data" };
    if (nodes.length > maxDepth) return { nodes, end: "max_depth" };
    node = parent;
  }
}

/**
 * The node to keep of two for one exec id: the image's own (successful)
 * exec over failed ones; of two successful ones (E1: a process that
 * exec'd twice) the later; else the smaller JSON text, so the choice never
 * depends on the order values arrive in.
 */
export function betterNode(a: LineageNode, b: LineageNode): LineageNode {
  if (a.exec_ok !== b.exec_ok) return a.exec_ok ? a : b;
  const ta = a.time_ns ?? "", tb = b.time_ns ?? "";
  if (ta !== tb) {
    const later = ta.length !== tb.length ? ta.length > tb.length : ta > tb;
    return later ? a : b;
  }
  return JSON.stringify(a) <= JSON.stringify(b) ? a : b;
}
