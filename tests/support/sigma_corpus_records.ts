/**
 * The Sigma corpus (sigma_corpus.ts) as exec log lines: each event becomes the E2 records an
 * exec auditor would have written for it, so the `sigma` job (jobs/sigma.ts) can run over the
 * same events pySigma runs over, and the field mapping of the job is tested end to end.
 *
 * Per event, in time order on one host (every record has its own start time, so exec ids never
 * collide whatever the pids):
 * - when ParentImage / ParentCommandLine are set, the parent's own record: filename ParentImage,
 *   argv = ParentCommandLine split at single spaces, pid ParentProcessId;
 * - the event's own record, whose parent exec id is the parent record's exec id: argv =
 *   CommandLine split at single spaces (joined by spaces it gives CommandLine back exactly);
 *   without CurrentDirectory the filename is Image; with it, the filename is Image relative to
 *   CurrentDirectory (`./rest` under it, else `../` up to the common ancestor and down: the
 *   collector records the cwd only for a relative filename) with cwd = CurrentDirectory and the
 *   cwd-present flag; uid from User (a name: an entry of the passwd snapshot `passwd`; a
 *   number: that uid without an entry), auid = LogonId, pid = ProcessId, ppid = ParentProcessId.
 *
 * An event no record can carry faithfully is skipped with its reason (see {@link skipReason}).
 *
 * @module
 */

import { type CorpusEvent } from "./sigma_corpus.ts";
import { execEvent } from "./exec_event.ts";
import {
  encodeExec,
  type ExecEvent,
  execId,
  MAX_LINE_BYTES,
  utf8Length,
} from "../../scripts/logformat/mod.ts";
import { FLAGS } from "../../scripts/logformat/exec.ts";
import { escapeField, unescapeField } from "../../scripts/logformat/field_escape.ts";
import { MAX_COMMAND_LINE } from "../../jobs/lineage/chain.ts";
import { PROCESS_CREATION_FIELDS } from "../../jobs/sigma.ts";

/** Options of {@link corpusRecords}. */
export interface CorpusRecordsOptions {
  /** the host of every record. @default "sigma-corpus" */
  host?: string;
  /** boot id of every record. @default "5ab1c0de5ab1c0de5ab1c0de5ab1c0de" */
  bootId?: string;
  /** time of the first record, ns since the epoch. @default 2026-01-01T00:00:00Z */
  startNs?: bigint;
}

/** The records of a corpus. */
export interface CorpusRecords {
  host: string;
  /** E2 lines (no "\n"), in time order */
  lines: string[];
  /** passwd snapshot text: a line per user name of the corpus */
  passwd: string;
  /** corpus exec_id -> the exec id of the event's own record (representable events only) */
  execIds: Map<string, string>;
  /** exec ids of the parent records (not corpus events: their matches are not compared) */
  parentExecIds: Set<string>;
  /** events not represented, with why */
  skipped: { exec_id: string; reason: string }[];
}

/** Fields an event may carry (Sigma's, not this project's `Failed`): any other makes it unrepresentable. */
export const RECORD_FIELDS: readonly string[] = PROCESS_CREATION_FIELDS.filter((f) =>
  f !== "Failed"
);

/** Deepest cwd the collector records whole (deeper ones are cut: docs/log-format.md). */
const MAX_CWD_DEPTH = 32;
/** Largest uid / auid (4294967295 is "unset"). */
const MAX_ID = 4294967294;
/** Largest pid (PID_MAX_LIMIT). */
const MAX_PID = 4194304;
/** First uid given to a user name other than root. */
const FIRST_UID = 1000;

/** A string a log field carries exactly (no NUL: argv elements and paths are C strings). */
function loggable(s: string): boolean {
  return !s.includes("\0") && unescapeField(escapeField(s)) === s;
}

/** A path as the kernel reports a cwd: absolute, no empty, "." or ".." component, no trailing "/". */
function canonical(p: string): boolean {
  if (p === "/") return true;
  return p.startsWith("/") &&
    p.slice(1).split("/").every((c) => c !== "" && c !== "." && c !== "..");
}

const isId = (v: unknown, max: number): v is number =>
  typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= max;

/** A User that is a uid: its canonical decimal text. */
function numericUser(u: string): number | null {
  if (!/^(0|[1-9]\d{0,9})$/.test(u)) return null;
  const n = Number(u);
  return n <= MAX_ID ? n : null;
}

/** Why `ev` cannot be carried by exec records faithfully; null when it can. */
export function skipReason(ev: CorpusEvent): string | null {
  const f = ev.fields;
  const known = new Set<string>(RECORD_FIELDS);
  const other = Object.keys(f).filter((k) => !known.has(k));
  if (other.length) return `fields an exec record has not: ${other.join(", ")}`;
  const str = (k: string, v: unknown): string | null => {
    if (typeof v !== "string") return `${k} is ${v === null ? "null" : typeof v}, not text`;
    if (!loggable(v)) return `${k} has a NUL or a character the log cannot carry`;
    return null;
  };
  const { Image, CommandLine, CurrentDirectory: cwd, User, LogonId } = f;
  if (Image === undefined) return "Image absent (an exec always has a filename)";
  const bad = str("Image", Image) ??
    (CommandLine === undefined
      ? 'CommandLine absent (argv [] gives CommandLine "")'
      : str("CommandLine", CommandLine));
  if (bad) return bad;
  if (!(Image as string).startsWith("/") && cwd === undefined) {
    return "Image relative without CurrentDirectory";
  }
  if (!canonical(Image as string)) {
    return "Image is not a normalised absolute path (the job resolves and normalises it)";
  }
  if (cwd !== undefined) {
    const b = str("CurrentDirectory", cwd);
    if (b) return b;
    if (!canonical(cwd as string)) return "CurrentDirectory is not a canonical absolute path";
    if ((cwd as string).split("/").length - 1 > MAX_CWD_DEPTH) {
      return `CurrentDirectory deeper than ${MAX_CWD_DEPTH} (the collector cuts it)`;
    }
  }
  const { ParentImage: pImage, ParentCommandLine: pCmd } = f;
  if (pImage !== undefined || pCmd !== undefined) {
    if (pImage === undefined) return "ParentCommandLine without ParentImage";
    if (pCmd === undefined) return 'ParentImage without ParentCommandLine (argv [] gives "")';
    const b = str("ParentImage", pImage) ?? str("ParentCommandLine", pCmd);
    if (b) return b;
    if (!canonical(pImage as string)) return "ParentImage is not a normalised absolute path";
    if ((pCmd as string).length > MAX_COMMAND_LINE) {
      return `ParentCommandLine longer than ${MAX_COMMAND_LINE} (a lineage node cuts it)`;
    }
  }
  if (User === undefined) return "User absent (an exec record always has a uid)";
  const bu = str("User", User);
  if (bu) return bu;
  const u = User as string;
  if (
    numericUser(u) === null && (u === "" || u.includes(":") || u.includes("\n") || u[0] === "#")
  ) {
    return "User is no passwd name";
  }
  if (LogonId !== undefined && !isId(LogonId, MAX_ID)) return "LogonId is not a whole auid";
  if (!isId(f.ProcessId, MAX_PID)) return "ProcessId is not a pid";
  if (!isId(f.ParentProcessId, MAX_PID) || f.ParentProcessId === 0) {
    return "ParentProcessId is not a pid";
  }
  return null;
}

/** The filename that, run in `cwd`, names `image` (both canonical absolute paths). */
export function relativeTo(image: string, cwd: string): string {
  const parts = (p: string) => (p === "/" ? [] : p.slice(1).split("/"));
  const a = parts(image), b = parts(cwd);
  let common = 0;
  while (common < a.length && common < b.length && a[common] === b[common]) common++;
  const down = a.slice(common).join("/");
  if (common === b.length) return down === "" ? "." : `./${down}`;
  return "../".repeat(b.length - common) + down;
}

/** The records of `events` (see the module doc). Deterministic. */
export function corpusRecords(
  events: readonly CorpusEvent[],
  o: CorpusRecordsOptions = {},
): CorpusRecords {
  const host = o.host ?? "sigma-corpus";
  const boot = o.bootId ?? "5ab1c0de5ab1c0de5ab1c0de5ab1c0de";
  let t = o.startNs ?? 1767225600000000000n;
  const lines: string[] = [];
  const execIds = new Map<string, string>();
  const parentExecIds = new Set<string>();
  const skipped: { exec_id: string; reason: string }[] = [];
  const ok: CorpusEvent[] = [];
  for (const ev of events) {
    const why = skipReason(ev);
    if (why) skipped.push({ exec_id: ev.exec_id, reason: why });
    else ok.push(ev);
  }
  // uids: numeric Users are theirs; names get root = 0, others FIRST_UID... (skipping those)
  const taken = new Set<number>();
  for (const ev of ok) {
    const n = numericUser(ev.fields.User as string);
    if (n !== null) taken.add(n);
  }
  const uids = new Map<string, number>();
  let next = FIRST_UID;
  for (const ev of ok) {
    const u = ev.fields.User as string;
    if (numericUser(u) !== null || uids.has(u)) continue;
    if (u === "root" && !taken.has(0)) uids.set(u, 0);
    else {
      while (taken.has(next)) next++;
      uids.set(u, next++);
    }
  }
  const uidOf = (u: string) => numericUser(u) ?? uids.get(u)!;
  let start = 1000n;
  const record = (over: Partial<ExecEvent>): ExecEvent => {
    t += 1000n;
    start += 1000n;
    return execEvent({
      boot_id: boot,
      time_ns: String(t),
      start_ns: String(start),
      xid: "1",
      ...over,
    });
  };
  for (const ev of ok) {
    const f = ev.fields;
    const uid = uidOf(f.User as string);
    const auid = f.LogonId === undefined ? null : f.LogonId as number;
    const ids = { uid, euid: uid, gid: uid, egid: uid, auid, ses: auid === null ? null : 1 };
    const ppid = f.ParentProcessId as number;
    // the parent: its own record, or (without one) a start time no record has
    const parent = f.ParentImage === undefined ? null : record({
      pid: ppid,
      tid: ppid,
      ppid: 1,
      pstart_ns: "1",
      pxid: "1",
      filename: f.ParentImage as string,
      argv: (f.ParentCommandLine as string).split(" "),
      ...ids,
    });
    const image = f.Image as string, cwd = f.CurrentDirectory as string | undefined;
    const pid = f.ProcessId as number;
    const own = record({
      pid,
      tid: pid,
      ppid,
      pstart_ns: parent?.start_ns ?? String(start + 500n),
      pxid: parent?.xid ?? "1",
      filename: cwd === undefined ? image : relativeTo(image, cwd),
      cwd: cwd ?? "",
      flags: cwd === undefined ? 0 : FLAGS.cwd,
      argv: (f.CommandLine as string).split(" "),
      ...ids,
    });
    const out = [...(parent ? [parent] : []), own].map(encodeExec);
    if (out.some((l) => utf8Length(l) > MAX_LINE_BYTES)) {
      skipped.push({ exec_id: ev.exec_id, reason: `a record over ${MAX_LINE_BYTES} bytes` });
      continue;
    }
    lines.push(...out);
    if (parent) parentExecIds.add(execId(parent));
    execIds.set(ev.exec_id, execId(own));
  }
  const passwd = [...uids].map(([name, uid]) => `${name}:x:${uid}:${uid}::/home/${name}:/bin/sh\n`)
    .join("");
  return { host, lines, passwd, execIds, parentExecIds, skipped };
}
