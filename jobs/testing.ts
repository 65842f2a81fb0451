/**
 * Test helpers for jobs: audit lines built with the shared codec.
 *
 * @module
 */

import { encodeExec, type ExecEvent, isoFromNs } from "../scripts/lib/log_codec.ts";
import { basename } from "./suspicious_exec.ts";

/** An exec line of `pcomm` running `filename` at second `s` of 2026-11-27. */
export function execLine(pcomm: string, filename: string, s = 0, over: Partial<ExecEvent> = {}) {
  const ns = String(BigInt(Date.parse("2026-11-27T00:00:00Z") / 1000 + s) * 1_000_000_000n);
  const argv = [basename(filename)];
  return encodeExec({
    type: "exec",
    version: 1,
    time_ns: ns,
    time: isoFromNs(ns),
    boot_id: "0123456789abcdef0123456789abcdef",
    cpu: 0,
    seq: s,
    pid: 100 + s,
    ppid: 99,
    tid: 100 + s,
    start_ns: "1",
    pstart_ns: "0",
    uid: 0,
    gid: 0,
    euid: 0,
    egid: 0,
    auid: null,
    ses: null,
    tty: "",
    cgroup_id: "1",
    syscall: "execve",
    ret: 0,
    flags: 0,
    comm: argv[0],
    pcomm,
    filename,
    cwd: "",
    argc: 1,
    arg_bytes: argv[0].length + 1,
    argv_captured: 1,
    argv_captured_bytes: argv[0].length + 1,
    argv,
    ...over,
  });
}
