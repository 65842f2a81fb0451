/**
 * The `events` job: one row per exec record of the day (E1, E2 and the
 * seed's version 0), every field the record has, plus what a reader needs
 * without re-deriving it (the resolved image, the command line, the exec
 * ids). Map-only. Table `events`, the base other jobs and the next day's
 * `lineage` (a side input) read.
 *
 * A column a record's version does not have is null (E1: the E2-only
 * fields; version 0: everything but time, pid, ppid, comm, pcomm,
 * filename and the lossy argv, and no exec ids: a pid alone is no id).
 *
 * @module
 */

import { Buffer } from "node:buffer";
import type { Job, JobSpec, Json, Table } from "./job.ts";
import {
  type ExecEvent,
  execId,
  FLAGS,
  parentExecId,
  processId,
} from "../scripts/logformat/mod.ts";
import { textToBytes } from "../scripts/lib/text_bytes.ts";
import type { HostedRecord, Origin } from "./job.ts";

/** A decoded exec record with its origin. */
export type ExecRecord = ExecEvent & Origin;

/** Where a row's record comes from (`source` column). */
export const EBPF_SOURCE = "ebpf";

export const EVENTS_TABLE: Table = {
  name: "events",
  description: "every exec record of the day (E1, E2, v0), one row each",
  clusterBy: ["host", "time"],
  columns: [
    { name: "host", type: "string", description: "host (the layout's host= directory)" },
    { name: "source", type: "string", description: '"ebpf": this project\'s collector' },
    { name: "version", type: "int", description: "record format version (0 seed, 1 E1, 2 E2)" },
    { name: "time", type: "timestamp", description: "wall-clock time of the exec" },
    { name: "time_ns", type: "long", description: "the same, ns since the epoch (exact)" },
    { name: "boot_id", type: "string", description: "boot id, 32 hex digits" },
    { name: "cpu", type: "int", description: "CPU that made the event" },
    { name: "seq", type: "long", description: "per-CPU event number (a gap is a loss)" },
    { name: "lost", type: "long", description: "E2: events this CPU lost before this one" },
    { name: "pid", type: "int", description: "process id (tgid)" },
    { name: "tid", type: "int", description: "thread that called exec" },
    { name: "start_ns", type: "long", description: "process start, ns since boot" },
    { name: "xid", type: "long", description: "E2: the process's image counter after the exec" },
    { name: "ppid", type: "int", description: "real parent's tgid" },
    { name: "pstart_ns", type: "long", description: "parent's start, ns since boot" },
    { name: "pxid", type: "long", description: "E2: the parent's image counter" },
    { name: "pcomm", type: "string", description: "parent's command name (a label)" },
    { name: "uid", type: "long", description: "uid after the exec" },
    { name: "gid", type: "long", description: "gid after the exec" },
    { name: "euid", type: "long", description: "effective uid after the exec" },
    { name: "egid", type: "long", description: "effective gid after the exec" },
    { name: "auid", type: "long", description: "login uid, null when unset" },
    { name: "ses", type: "long", description: "audit session id, null when unset" },
    { name: "tty", type: "string", description: 'controlling tty, "" when none' },
    { name: "cgroup_id", type: "long", description: "cgroup v2 id" },
    { name: "mntns", type: "long", description: "E2: mount namespace id" },
    { name: "pidns", type: "long", description: "E2: pid namespace id (4026531836: initial)" },
    { name: "userns", type: "long", description: "E2: user namespace id (4026531837: initial)" },
    {
      name: "syscall",
      type: "string",
      description: "execve, execveat, execve32, execveat32; null when unknown",
    },
    { name: "ret", type: "int", description: "0, or -errno of a failed exec" },
    { name: "failed", type: "boolean", description: "ret < 0" },
    { name: "flags", type: "long", description: "record flags (docs/log-format.md)" },
    { name: "comm", type: "string", description: "command name after the exec" },
    { name: "filename", type: "string", description: "the filename as passed to exec" },
    {
      name: "cwd",
      type: "string",
      description: "working directory, recorded only for a relative filename; null when not",
    },
    {
      name: "image",
      type: "string",
      description: "filename resolved against cwd, lexically normalised (no symlinks followed); " +
        "a relative filename as given when the cwd is unknown or cut",
    },
    { name: "exe", type: "string", description: "E2: the executed file as the kernel resolved it" },
    { name: "dev", type: "string", description: "E2: the executed file's device major:minor" },
    { name: "ino", type: "long", description: "E2: the executed file's inode" },
    { name: "argc", type: "long", description: "original argc, null when unknown" },
    { name: "arg_bytes", type: "long", description: "original argv bytes, null when unknown" },
    { name: "argv_captured", type: "int", description: "argv elements captured" },
    { name: "argv_captured_bytes", type: "long", description: "argv bytes captured" },
    {
      name: "argv",
      type: "array<string>",
      description: "argv as captured, the real characters (a tab is a tab)",
    },
    {
      name: "argv_raw",
      type: "array<binary>",
      description: "each argv element's exact bytes, only when one is not valid UTF-8; else null",
    },
    {
      name: "command_line",
      type: "string",
      description: "argv joined by single spaces, no quoting (Sigma's CommandLine): " +
        "lossy, argv holds the elements",
    },
    { name: "redact", type: "string", description: "E2: where secrets were hidden" },
    { name: "exec_id", type: "string", description: "image id (E2), process id (E1)" },
    { name: "parent_exec_id", type: "string", description: "the parent's exec id" },
    { name: "process_id", type: "string", description: "boot-start-pid" },
    { name: "file", type: "string", description: "the log file the record came from" },
    { name: "line", type: "long", description: "its 1-based line number" },
  ],
};

/**
 * The normalised path: "." and empty components dropped, ".." removes the
 * component before it (never above "/" of an absolute path; kept at the
 * start of a relative one), no trailing "/".
 */
function normalise(path: string): string {
  const abs = path.startsWith("/");
  const out: string[] = [];
  for (const c of path.split("/")) {
    if (c === "" || c === ".") continue;
    if (c === "..") {
      if (out.length && out[out.length - 1] !== "..") out.pop();
      else if (!abs) out.push(c);
    } else out.push(c);
  }
  return abs ? "/" + out.join("/") : out.join("/");
}

/**
 * The program a filename names: an absolute filename normalised, a relative
 * one resolved against `cwd` then normalised ("./x" in "/tmp" ->
 * "/tmp/x"); lexical only (a symlink is not followed, so ".." is the
 * path's, which the kernel may see otherwise). A relative filename with an
 * unknown (empty or relative) cwd comes back as given, as does "".
 */
export function resolveImage(filename: string, cwd: string): string {
  if (filename.startsWith("/")) return normalise(filename);
  if (filename === "" || !cwd.startsWith("/")) return filename;
  return normalise(`${cwd}/${filename}`);
}

/** The `image` of a record: its filename resolved against its cwd when that is known and whole. */
export function imageOf(r: ExecEvent): string {
  const cwdKnown = r.version > 0 && r.cwd !== "" && (r.flags & FLAGS.cwd_cut) === 0;
  return resolveImage(r.filename, cwdKnown ? r.cwd : "");
}

/** True when `s` holds a raw byte (a lone U+DC80..U+DCFF, text_bytes.ts). */
export function hasRawBytes(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xdc80 && c <= 0xdcff) {
      const prev = i > 0 ? s.charCodeAt(i - 1) : 0;
      if (!(prev >= 0xd800 && prev <= 0xdbff)) return true;
    }
  }
  return false;
}

/** argv joined by single spaces: what Sigma rules match as CommandLine. */
export function commandLine(argv: readonly string[]): string {
  return argv.join(" ");
}

/** The `events` row of an exec record (column order of {@link EVENTS_TABLE}). */
export function eventRow(r: ExecRecord): Record<string, Json> {
  const v0 = r.version === 0;
  const e2 = r.version >= 2;
  /** a field the record's version has (v1 and later) */
  const v1 = <T extends Json>(x: T): T | null => (v0 ? null : x);
  /** an E2-only field */
  const only2 = <T extends Json>(x: T | undefined): T | null => (e2 && x !== undefined ? x : null);
  const raw = r.argv.some(hasRawBytes);
  return {
    host: r.host,
    source: EBPF_SOURCE,
    version: r.version,
    time: r.time_ns,
    time_ns: r.time_ns,
    boot_id: v1(r.boot_id),
    cpu: v1(r.cpu),
    seq: v1(r.seq),
    lost: only2(r.lost),
    pid: r.pid,
    tid: v1(r.tid),
    start_ns: v1(r.start_ns),
    xid: only2(r.xid),
    ppid: r.ppid,
    pstart_ns: v1(r.pstart_ns),
    pxid: only2(r.pxid),
    pcomm: r.pcomm,
    uid: v1(r.uid),
    gid: v1(r.gid),
    euid: v1(r.euid),
    egid: v1(r.egid),
    auid: r.auid,
    ses: r.ses,
    tty: v1(r.tty),
    cgroup_id: v1(r.cgroup_id),
    mntns: only2(r.mntns),
    pidns: only2(r.pidns),
    userns: only2(r.userns),
    syscall: v0 || r.syscall === "" ? null : r.syscall,
    ret: v1(r.ret),
    failed: v1(r.ret < 0),
    flags: v1(r.flags),
    comm: r.comm,
    filename: r.filename,
    cwd: v0 || r.cwd === "" ? null : r.cwd,
    image: imageOf(r),
    exe: e2 && r.exe ? r.exe : null,
    dev: only2(r.dev),
    ino: only2(r.ino),
    argc: r.argc,
    arg_bytes: r.arg_bytes,
    argv_captured: r.argv_captured,
    argv_captured_bytes: r.argv_captured_bytes,
    argv: r.argv,
    argv_raw: raw ? r.argv.map((a) => Buffer.from(textToBytes(a)).toString("base64")) : null,
    command_line: commandLine(r.argv),
    redact: only2(r.redact),
    exec_id: v0 ? null : execId(r),
    parent_exec_id: v0 ? null : parentExecId(r),
    process_id: v0 ? null : processId(r),
    file: r.file,
    line: r.line,
  };
}

/** True for an exec record (the records `events` and `lineage` read). */
export function isExec(r: HostedRecord): r is ExecRecord {
  return r.type === "exec";
}

/** The job. */
export function events(): Job {
  return {
    name: "events",
    description: "every exec record of the day, one row each",
    tables: [EVENTS_TABLE],
    steps: [],
    map(r, out, ctx) {
      if (!isExec(r)) return;
      ctx.counters.inc("events", `v${r.version}`);
      out.row("events", eventRow(r));
    },
  };
}

/** The job's spec (no parameters). */
export const spec: JobSpec = {
  name: "events",
  description: "every exec record of the day as a row (table events)",
  params: {},
  create: () => events(),
};
