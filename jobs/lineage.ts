/**
 * The `lineage` job: for every finding of the selected finders
 * (jobs/lineage/finders.ts), its ancestor chain, up to the first ancestor
 * not in the data, built from the day's exec records and the previous
 * day's `events` table (long-lived parents). Table `lineage`, one row per
 * (finding, ancestor).
 *
 * A finding is an exec id: a failed exec's is the image that attempted it
 * (docs/log-format.md), so its depth-0 row is that image and the finder's
 * answer (`finding_details`) says what was attempted.
 *
 * Steps: the map emits, per exec record, its node keyed by its exec id, a
 * child marker keyed by its parent's, and a finding marker when a finder
 * says so (previous-day rows: node and child marker). Step 0 (per exec id, combined on
 * the map side) folds them in constant memory and passes on the nodes
 * that are someone's parent or a finding, keyed by host. Step 1 (per host)
 * indexes those nodes (the host's parents of the day, not its every exec)
 * and walks each finding's chain ({@link ancestorChain}).
 *
 * Parameters: `lineage.of` (finder names, comma-separated, default all),
 * `lineage.max_depth` (ancestors listed at most, default 64).
 *
 * @module
 */

import type { Job, JobContext, JobSpec, Json, ReduceOut, Table } from "./job.ts";
import { commandLine, isExec } from "./events.ts";
import { FINDERS } from "./lineage/finders.ts";
import { ancestorChain, betterNode, type LineageNode, nodeOf, nodeOfRow } from "./lineage/chain.ts";

export const DEFAULT_MAX_DEPTH = 64;
/** Distinct finder answers kept per finding (the smallest, in text order). */
export const MAX_DETAILS = 8;

/** The columns of `events` the previous day is read with. */
export const PREVIOUS_COLUMNS = [
  "exec_id",
  "parent_exec_id",
  "host",
  "time_ns",
  "pid",
  "ppid",
  "uid",
  "auid",
  "image",
  "command_line",
  "failed",
] as const;

export const LINEAGE_TABLE: Table = {
  name: "lineage",
  description: "ancestor chains of the run's findings, one row per (finding, ancestor)",
  clusterBy: ["host", "finding_exec_id"],
  columns: [
    { name: "finding_exec_id", type: "string", description: "the finding's exec id" },
    { name: "finding_jobs", type: "array<string>", description: "finders that found it" },
    {
      name: "finding_details",
      type: "array<string>",
      description: `what the finders said (at most ${MAX_DETAILS})`,
    },
    { name: "finding_time", type: "timestamp", description: "its first matching record" },
    { name: "host", type: "string", description: "host (ancestors are on the same host)" },
    { name: "depth", type: "int", description: "0: the finding itself, 1: its parent, ..." },
    { name: "exec_id", type: "string", description: "this ancestor's exec id" },
    { name: "parent_exec_id", type: "string", description: "its parent's; null: none" },
    {
      name: "time",
      type: "timestamp",
      description: "its exec; null when only failed execs of the image were seen",
    },
    { name: "pid", type: "int", description: "process id" },
    { name: "ppid", type: "int", description: "parent's process id" },
    { name: "uid", type: "long", description: "uid" },
    { name: "auid", type: "long", description: "login uid, null when unset" },
    { name: "image", type: "string", description: "the program (events.image)" },
    {
      name: "command_line",
      type: "string",
      description: "argv joined by spaces (events.command_line), at most 4096 characters",
    },
    { name: "command_line_cut", type: "boolean", description: "command_line is cut" },
    { name: "from_previous_day", type: "boolean", description: "read from the previous day" },
    {
      name: "chain_end",
      type: "string",
      description: "why the chain stops: not_in_data, root (pid 1, no parent), max_depth, cycle",
    },
  ],
};

/** Step 0 values. */
export type NodeValue =
  | { k: "n"; n: LineageNode }
  | { k: "c" }
  | { k: "f"; jobs: string[]; details: string[]; t: string };

/** Step 1 values. */
export type HostValue =
  | { k: "n"; n: LineageNode }
  | { k: "f"; id: string; jobs: string[]; details: string[]; t: string };

const earlier = (a: string, b: string) => a.length < b.length || (a.length === b.length && a < b);

/** What step 0 holds of one exec id: constant size, whatever the group's. */
export interface NodeFold {
  node?: LineageNode;
  child: boolean;
  finding?: { jobs: string[]; details: string[]; t: string };
}

/** Folds one exec id's values (read once). */
export function foldNode(values: Iterable<Json>): NodeFold {
  const s: NodeFold = { child: false };
  for (const raw of values) {
    const v = raw as NodeValue;
    if (v.k === "n") s.node = s.node ? betterNode(s.node, v.n) : v.n;
    else if (v.k === "c") s.child = true;
    else {
      const f = s.finding;
      if (!f) s.finding = { jobs: [...v.jobs].sort(), details: [...v.details].sort(), t: v.t };
      else {
        f.jobs = [...new Set([...f.jobs, ...v.jobs])].sort();
        f.details = [...new Set([...f.details, ...v.details])].sort().slice(0, MAX_DETAILS);
        if (earlier(v.t, f.t)) f.t = v.t;
      }
    }
  }
  return s;
}

/** Step 0's reduce: a node that is a parent or a finding goes on to its host. */
export function reduceNode(values: Iterable<Json>, out: ReduceOut, ctx: JobContext): void {
  const { node, child, finding } = foldNode(values);
  if (!node) {
    ctx.counters.inc("lineage", "ids_without_node"); // a parent id, the parent not in the data
    return;
  }
  if (!child && !finding) return;
  ctx.counters.inc("lineage", "nodes_kept");
  out.emit(node.host, { k: "n", n: node });
  if (finding) out.emit(node.host, { k: "f", id: node.exec_id, ...finding });
}

/** Step 1's reduce: one host's parents and findings in, the findings' chains out. */
export function reduceHost(
  host: string,
  values: Iterable<Json>,
  out: ReduceOut,
  ctx: JobContext,
  maxDepth: number,
): void {
  const index = new Map<string, LineageNode>();
  const findings: Extract<HostValue, { k: "f" }>[] = [];
  for (const raw of values) {
    const v = raw as HostValue;
    if (v.k === "n") index.set(v.n.exec_id, v.n);
    else findings.push(v);
  }
  findings.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const f of findings) {
    const { nodes, end } = ancestorChain(index, f.id, maxDepth);
    ctx.counters.inc("lineage", "findings");
    ctx.counters.inc("lineage_end", end);
    nodes.forEach((n, depth) =>
      out.row("lineage", {
        finding_exec_id: f.id,
        finding_jobs: f.jobs,
        finding_details: f.details,
        finding_time: f.t,
        host,
        depth,
        exec_id: n.exec_id,
        parent_exec_id: n.parent_exec_id,
        time: n.time_ns,
        pid: n.pid,
        ppid: n.ppid,
        uid: n.uid,
        auid: n.auid,
        image: n.image,
        command_line: n.command_line,
        command_line_cut: n.command_line_cut,
        from_previous_day: n.from_previous_day,
        chain_end: end,
      })
    );
  }
}

/** Options of {@link lineage}. */
export interface LineageOptions {
  /** finder names (FINDERS keys). @default every finder */
  of?: readonly string[];
  /** ancestors listed at most per finding. @default 64 */
  maxDepth?: number;
}

/** The job. */
export function lineage(o: LineageOptions = {}): Job {
  const names = o.of ?? Object.keys(FINDERS);
  for (const n of names) {
    if (!Object.hasOwn(FINDERS, n)) {
      throw new RangeError(
        `lineage.of: no finder "${n}" (finders: ${Object.keys(FINDERS).join(", ")})`,
      );
    }
  }
  const finders = names.map((n) => [n, FINDERS[n]] as const);
  const maxDepth = o.maxDepth ?? DEFAULT_MAX_DEPTH;
  return {
    name: "lineage",
    description: `ancestor chains of the findings of ${names.join(", ")} (max depth ${maxDepth})`,
    tables: [LINEAGE_TABLE],
    sideInputs: [{ name: "previous", table: "events", daysBack: 1, columns: PREVIOUS_COLUMNS }],
    map(r, out) {
      if (!isExec(r) || r.version < 1) return; // v0 has no exec id
      const node = nodeOf(r, commandLine(r.argv));
      out.emit(node.exec_id, { k: "n", n: node });
      if (node.parent_exec_id !== null) out.emit(node.parent_exec_id, { k: "c" });
      const jobs: string[] = [];
      const details: string[] = [];
      for (const [name, find] of finders) {
        const said = find(r);
        if (said === false || said === "") continue;
        jobs.push(name);
        if (typeof said === "string") details.push(said);
      }
      if (jobs.length) out.emit(node.exec_id, { k: "f", jobs, details, t: r.time_ns });
    },
    side(input, row, out, ctx) {
      if (input !== "previous") return;
      const node = nodeOfRow(row, true);
      if (!node) return;
      ctx.counters.inc("lineage", "previous_nodes");
      out.emit(node.exec_id, { k: "n", n: node });
      // a previous-day image is its parent's child too: the chain goes on through both days
      if (node.parent_exec_id !== null) out.emit(node.parent_exec_id, { k: "c" });
    },
    steps: [
      {
        combine(key, values, emit) {
          const { node, child, finding } = foldNode(values);
          if (node) emit(key, { k: "n", n: node });
          if (child) emit(key, { k: "c" });
          if (finding) emit(key, { k: "f", ...finding });
        },
        reduce: (_key, values, out, ctx) => reduceNode(values, out, ctx),
      },
      { reduce: (key, values, out, ctx) => reduceHost(key as string, values, out, ctx, maxDepth) },
    ],
  };
}

/** The job's spec: `--param lineage.of=a,b --param lineage.max_depth=N`. */
export const spec: JobSpec = {
  name: "lineage",
  description: "ancestor chains of the findings of other jobs (table lineage)",
  params: {
    of: {
      description: `finders whose findings to trace, comma-separated (${
        Object.keys(FINDERS).join(", ")
      })`,
      default: Object.keys(FINDERS).join(","),
    },
    max_depth: {
      description: "ancestors listed at most per finding",
      default: String(DEFAULT_MAX_DEPTH),
    },
  },
  create(params) {
    const d = params.max_depth;
    if (d !== undefined && !/^\d+$/.test(d)) {
      throw new RangeError(`lineage.max_depth must be a whole number: got "${d}"`);
    }
    return lineage({
      of: params.of?.split(",").map((s) => s.trim()).filter(Boolean),
      maxDepth: d === undefined ? undefined : Number(d),
    });
  },
};
