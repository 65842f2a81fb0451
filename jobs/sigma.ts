/**
 * The `sigma` job: Sigma rules (jobs/sigma/, the engine) over the day's
 * exec records, as `process_creation` events (field mapping:
 * docs/sigma.md, {@link processCreationEvent}). Tables `sigma_matches`
 * (one row per rule and exec record that matches) and `sigma_rules` (every
 * rule file, evaluated or not, with the reason and its match count).
 *
 * The parent (ParentImage, ParentCommandLine) comes from the parent's own
 * exec record by `parent_exec_id`: on the map side from the host's index
 * (jobs/process/host_index.ts: a host's files are one map task, read in
 * time order), else from the previous day's `events` (a side input) in
 * step 0. A record whose parent is not in the index is evaluated with the
 * parent fields unknown (3-valued): rules that cannot match are settled
 * there, the others go to step 0 keyed by the parent's exec id. Step 1
 * sums the match counts per rule.
 *
 * Failed execs are not process creations: only rules that use the field
 * `Failed` (this project's, true for a failed exec) see them, so the
 * ENOENT probes of a PATH search match nothing else.
 *
 * Parameters: `sigma.rules` (directories, default the project's rules in
 * jobs/sigma/rules/), `sigma.passwd` (a passwd snapshot for User),
 * `sigma.max_depth` (ancestors listed per match, default 64).
 *
 * @module
 */

import type { Column, Job, JobSpec, Json, MapOut, Table } from "./job.ts";
import { commandLine, type ExecRecord, imageOf, isExec } from "./events.ts";
import { ancestorChain, betterNode, type LineageNode, nodeOf, nodeOfRow } from "./lineage/chain.ts";
import { DEFAULT_MAX_DEPTH, PREVIOUS_COLUMNS } from "./lineage.ts";
import { HostIndex } from "./process/host_index.ts";
import { parsePasswd, userName, type UserNames } from "./process/users.ts";
import { readDirsParam, readParamFile } from "./param_files.ts";
import { compileRuleSet, type RuleInfo, type RuleSet, type SigmaEvent } from "./sigma/mod.ts";

/** The Sigma fields a `process_creation` event of this project carries. */
export const PROCESS_CREATION_FIELDS = [
  "Image",
  "CommandLine",
  "ParentImage",
  "ParentCommandLine",
  "CurrentDirectory",
  "User",
  "LogonId",
  "ProcessId",
  "ParentProcessId",
  "Failed",
] as const;

/** The fields that come from the parent's exec record. */
export const PARENT_FIELDS: ReadonlySet<string> = new Set(["ParentImage", "ParentCommandLine"]);

/** The logsource categories the data feeds, and their fields. */
export const SIGMA_CATALOG = { process_creation: PROCESS_CREATION_FIELDS } as const;

/** The project's own rules (the default of `sigma.rules`). */
export const OWN_RULES = new URL("./sigma/rules", import.meta.url).pathname;

/** Rule file names read from a rules directory. */
export const RULE_EXTENSIONS = [".yml", ".yaml"] as const;

/** Longest command line kept in a match row (UTF-16 code units); longer ones are cut and flagged. */
export const MAX_ROW_COMMAND_LINE = 32768;

/** Where a match's parent fields came from (`parent_source`). */
export type ParentSource = "same_day" | "previous_day" | "not_in_data" | "none";

const PROCESS_CREATION = "process_creation";

/** What both tables say of a rule. */
const RULE_COLUMNS: Column[] = [
  { name: "rule_id", type: "string", description: "the rule's id (file:<path> without one)" },
  { name: "title", type: "string", description: "the rule's title" },
  { name: "level", type: "string", description: "informational, low, medium, high, critical" },
  { name: "status", type: "string", description: "the rule's status (stable, test, ...)" },
  { name: "tags", type: "array<string>", description: "the rule's tags (ATT&CK: attack.*)" },
  { name: "author", type: "string", description: "the rule's author (keep the attribution)" },
];

/** The rule columns' values of a rule. */
function ruleValues(info: RuleInfo): Record<string, Json> {
  return {
    rule_id: info.rule_id,
    title: info.title,
    level: info.level,
    status: info.status,
    tags: info.tags,
    author: info.author,
  };
}

export const SIGMA_MATCHES_TABLE: Table = {
  name: "sigma_matches",
  description: "exec records that match a Sigma rule, one row per (rule, record)",
  csv: true,
  clusterBy: ["host", "time"],
  columns: [
    ...RULE_COLUMNS,
    { name: "host", type: "string", description: "host" },
    { name: "time", type: "timestamp", description: "the exec" },
    { name: "exec_id", type: "string", description: "events.exec_id of the record" },
    { name: "pid", type: "int", description: "process id" },
    { name: "uid", type: "long", description: "uid after the exec" },
    { name: "user", type: "string", description: "User: the passwd name, else the uid as text" },
    { name: "auid", type: "long", description: "login uid (LogonId), null when unset" },
    { name: "image", type: "string", description: "Image (events.image)" },
    { name: "command_line", type: "string", description: "CommandLine (argv joined by spaces)" },
    { name: "command_line_cut", type: "boolean", description: "command_line cut at 32768" },
    { name: "current_directory", type: "string", description: "CurrentDirectory, when recorded" },
    { name: "failed", type: "boolean", description: "a failed exec (rules using Failed only)" },
    { name: "parent_exec_id", type: "string", description: "the parent's exec id" },
    { name: "ppid", type: "int", description: "ParentProcessId" },
    { name: "parent_image", type: "string", description: "ParentImage; null: not in the data" },
    {
      name: "parent_command_line",
      type: "string",
      description: "ParentCommandLine (at most 4096 characters); null: not in the data",
    },
    {
      name: "parent_source",
      type: "string",
      description:
        "same_day, previous_day (events of the day before), not_in_data, none (no parent)",
    },
    {
      name: "ancestors",
      type: "array<string>",
      description: "images of the parent, grandparent, ... (the lineage, parent first)",
    },
    { name: "ancestor_exec_ids", type: "array<string>", description: "their exec ids" },
    {
      name: "chain_end",
      type: "string",
      description: "why the ancestors stop (jobs/lineage/chain.ts ChainEnd, or previous_day)",
    },
    { name: "file", type: "string", description: "the log file of the record" },
    { name: "line", type: "long", description: "its line" },
  ],
};

export const SIGMA_RULES_TABLE: Table = {
  name: "sigma_rules",
  description: "every rule file loaded: evaluated or not (and why), matches of the day",
  csv: true,
  columns: [
    ...RULE_COLUMNS,
    { name: "file", type: "string", description: "the rule file, relative to its directory" },
    { name: "category", type: "string", description: "logsource category" },
    { name: "evaluated", type: "boolean", description: "the rule ran over the day's events" },
    { name: "reason", type: "string", description: "why not, one line; null when evaluated" },
    { name: "matches", type: "long", description: "rows of sigma_matches it gave" },
  ],
};

/** The `process_creation` Sigma event of an exec record. */
export function processCreationEvent(
  r: ExecRecord,
  parent: LineageNode | null | undefined,
  users?: UserNames,
  cl: string = commandLine(r.argv),
): Record<string, string | number | boolean | null | undefined> {
  const cwd = r.version > 0 && r.cwd !== "" ? r.cwd : undefined;
  return {
    Image: imageOf(r),
    CommandLine: cl,
    // parent: its own exec record; absent (not null) when it is not in the data
    ParentImage: parent ? parent.image ?? undefined : undefined,
    ParentCommandLine: parent ? parent.command_line ?? undefined : undefined,
    CurrentDirectory: cwd,
    User: r.version > 0 ? userName(r.uid, users) ?? undefined : undefined,
    LogonId: r.auid === null ? undefined : r.auid,
    ProcessId: r.pid,
    ParentProcessId: r.ppid,
    Failed: r.version > 0 && r.ret < 0,
  };
}

/** A match waiting for its parent (step 0 value). */
interface Candidate {
  [k: string]: Json;
  k: "c";
  /** rules true whatever the parent */
  yes: number[];
  /** rules that depend on the parent fields */
  maybe: number[];
  ev: { [k: string]: Json };
  row: { [k: string]: Json };
}

type Step0Value = { k: "n"; n: LineageNode } | Candidate;

/** Options of {@link sigma}. */
export interface SigmaOptions {
  /** rule files ({file, text}). @default the project's rules (jobs/sigma/rules/) */
  files?: readonly { file: string; text: string }[];
  /** user names (passwd snapshot). @default none: User is the uid as text */
  users?: UserNames;
  /** ancestors listed per match. @default 64 */
  maxDepth?: number;
  /** nodes the map side's host index holds. @default DEFAULT_INDEX_CAP */
  indexCap?: number;
}

/** The job. */
export function sigma(o: SigmaOptions = {}): Job {
  const files = o.files ??
    readDirsParam("sigma", "rules", OWN_RULES, RULE_EXTENSIONS);
  const set: RuleSet = compileRuleSet(files, SIGMA_CATALOG);
  const maxDepth = o.maxDepth ?? DEFAULT_MAX_DEPTH;
  const counts = new Map<number, number>();
  let out0: MapOut | null = null;
  const index = new HostIndex({
    cap: o.indexCap,
    // an evicted image can still be a late child's parent: it meets it in step 0
    onEvict: (n) => out0?.emit(n.exec_id, { k: "n", n }),
  });
  const evaluated = set.inventory.filter((r) => r.evaluated).length;

  const matchRow = (
    ruleIdx: number,
    row: { [k: string]: Json },
  ): Record<string, Json> => {
    return { ...ruleValues(set.rules[ruleIdx].info), ...row };
  };
  /** rules of `matched` that see this record (failed execs: rules using Failed only) */
  const applicable = (idx: number[], failed: boolean) =>
    failed ? idx.filter((i) => set.rules[i].fields.has("Failed")) : idx;

  const baseRow = (r: ExecRecord, ev: SigmaEvent, node: LineageNode): { [k: string]: Json } => {
    const cl = ev.CommandLine as string;
    const cut = cl.length > MAX_ROW_COMMAND_LINE;
    return {
      host: r.host,
      time: r.time_ns,
      exec_id: node.exec_id,
      pid: r.pid,
      uid: r.version > 0 ? r.uid : null,
      user: (ev.User as string | undefined) ?? null,
      auid: r.auid,
      image: ev.Image as string,
      command_line: cut ? cl.slice(0, MAX_ROW_COMMAND_LINE) : cl,
      command_line_cut: cut,
      current_directory: (ev.CurrentDirectory as string | undefined) ?? null,
      failed: ev.Failed as boolean,
      parent_exec_id: node.parent_exec_id,
      ppid: r.ppid,
      file: r.file,
      line: r.line,
    };
  };
  const withParent = (
    row: { [k: string]: Json },
    parent: LineageNode | undefined,
    source: ParentSource,
    chain: { nodes: LineageNode[]; end: string },
  ) => ({
    ...row,
    parent_image: parent?.image ?? null,
    parent_command_line: parent?.command_line ?? null,
    parent_source: source,
    ancestors: chain.nodes.map((n) => n.image ?? "?"),
    ancestor_exec_ids: chain.nodes.map((n) => n.exec_id),
    chain_end: chain.end,
  });
  const count = (i: number, by = 1) => counts.set(i, (counts.get(i) ?? 0) + by);

  return {
    name: "sigma",
    description: `Sigma rules over exec records: ${evaluated} of ${set.inventory.length} evaluated`,
    tables: [SIGMA_MATCHES_TABLE, SIGMA_RULES_TABLE],
    sideInputs: [{ name: "previous", table: "events", daysBack: 1, columns: PREVIOUS_COLUMNS }],
    map(rec, out, ctx) {
      if (!isExec(rec)) return;
      const r = rec;
      out0 = out;
      index.enter(r.host);
      const cl = commandLine(r.argv);
      const node = nodeOf(r, cl);
      const failed = r.version > 0 && r.ret < 0;
      const pid = r.version > 0 ? node.parent_exec_id : null;
      const parent = pid === null ? undefined : index.get(pid);
      // v0 has no exec ids: its parent is never in the data
      const known = parent !== undefined || pid === null && r.version > 0;
      const ev = processCreationEvent(r, parent, o.users, cl);
      if (!failed && r.version > 0) index.add(node);
      if (known) {
        const { matched } = set.match(PROCESS_CREATION, ev);
        const hits = applicable(matched, failed);
        if (!hits.length) return;
        const chain = parent
          ? ancestorChain(index, parent.exec_id, maxDepth)
          : { nodes: [], end: "root" };
        const row = withParent(baseRow(r, ev, node), parent, parent ? "same_day" : "none", chain);
        for (const i of hits) {
          count(i);
          out.row("sigma_matches", matchRow(i, row));
        }
        return;
      }
      const { matched, undecided } = set.match(PROCESS_CREATION, ev, PARENT_FIELDS);
      const yes = applicable(matched, failed), maybe = applicable(undecided, failed);
      if (!yes.length && !maybe.length) return;
      if (pid === null) {
        // v0: no parent to look for; the parent fields stay absent
        const { matched: final } = set.match(PROCESS_CREATION, ev);
        const row = withParent(baseRow(r, ev, node), undefined, "not_in_data", {
          nodes: [],
          end: "not_in_data",
        });
        for (const i of applicable(final, failed)) {
          count(i);
          out.row("sigma_matches", matchRow(i, row));
        }
        return;
      }
      ctx.counters.inc("sigma", "parent_lookups");
      out.emit(
        pid,
        {
          k: "c",
          yes,
          maybe,
          ev: ev as { [k: string]: Json },
          row: baseRow(r, ev, node),
        } satisfies Candidate,
      );
    },
    side(input, row, out, ctx) {
      if (input !== "previous") return;
      const node = nodeOfRow(row, true);
      if (!node) return;
      ctx.counters.inc("sigma", "previous_nodes");
      out.emit(node.exec_id, { k: "n", n: node });
    },
    mapEnd(out) {
      // every rule's count (0 too), so step 1 writes each inventory row once
      set.inventory.forEach((_, i) => out.emit(["rule", i], counts.get(i) ?? 0, 1));
      counts.clear();
    },
    steps: [
      {
        // per parent exec id: its node (previous day, or evicted) and the children waiting for it
        reduce(_key, values, out, ctx) {
          let node: LineageNode | undefined;
          const waiting: Candidate[] = [];
          for (const raw of values) {
            const v = raw as Step0Value;
            if (v.k === "n") node = node ? betterNode(node, v.n) : v.n;
            else waiting.push(v);
          }
          for (const c of waiting) {
            const ev: Record<string, string | number | boolean | null | undefined> = {
              ...(c.ev as Record<string, string | number | boolean | null>),
              ParentImage: node?.image ?? undefined,
              ParentCommandLine: node?.command_line ?? undefined,
            };
            const hits = new Set(c.yes);
            if (c.maybe.length) {
              const { matched } = set.match(PROCESS_CREATION, ev);
              for (const i of matched) if (c.maybe.includes(i)) hits.add(i);
            }
            ctx.counters.inc("sigma", node ? "parent_found_late" : "parent_not_in_data");
            if (!hits.size) continue;
            const source: ParentSource = !node
              ? "not_in_data"
              : node.from_previous_day
              ? "previous_day"
              : "same_day";
            const chain = node
              ? { nodes: [node], end: node.from_previous_day ? "previous_day" : "not_in_data" }
              : { nodes: [], end: "not_in_data" };
            const row = withParent(c.row, node, source, chain);
            for (const i of [...hits].sort((a, b) => a - b)) {
              out.emit(["rule", i], 1);
              out.row("sigma_matches", matchRow(i, row));
            }
          }
        },
      },
      {
        reduce(key, values, out, ctx) {
          const [, i] = key as ["rule", number];
          let n = 0;
          for (const v of values) n += v as number;
          const info = set.inventory[i];
          ctx.counters.inc("sigma", info.evaluated ? "rules_evaluated" : "rules_not_evaluated");
          if (info.evaluated) ctx.counters.inc("sigma", "matches", n);
          out.row("sigma_rules", {
            ...ruleValues(info),
            file: info.file,
            category: info.category,
            evaluated: info.evaluated,
            reason: info.reason,
            matches: n,
          });
        },
      },
    ],
  };
}

/** The job's spec: `--param sigma.rules=DIR[,DIR] --param sigma.passwd=FILE`. */
export const spec: JobSpec = {
  name: "sigma",
  description: "Sigma process_creation rules over exec records (tables sigma_matches, sigma_rules)",
  params: {
    rules: {
      description: "rule directories, comma-separated (*.yml, *.yaml, recursive)",
      default: OWN_RULES,
      dirs: { exts: RULE_EXTENSIONS },
    },
    passwd: { description: "passwd snapshot: User is the name of the uid", file: true },
    max_depth: { description: "ancestors listed per match", default: String(DEFAULT_MAX_DEPTH) },
  },
  create(params) {
    const d = params.max_depth;
    if (d !== undefined && !/^\d+$/.test(d)) {
      throw new RangeError(`sigma.max_depth must be a whole number: got "${d}"`);
    }
    return sigma({
      files: params.rules === undefined
        ? undefined
        : readDirsParam("sigma", "rules", params.rules, RULE_EXTENSIONS),
      users: params.passwd === undefined
        ? undefined
        : parsePasswd(readParamFile("sigma", "passwd", params.passwd), `sigma.passwd`),
      maxDepth: d === undefined ? undefined : Number(d),
    });
  },
};
