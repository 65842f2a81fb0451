/**
 * A complete exec event (E2) from the few fields a test or a generator cares
 * about: the rest are those of a plain, successful execve by root, and the
 * argv counts are derived from `argv`.
 *
 * @module
 */

import { type ExecEvent, isoFromNs, utf8Length } from "../../scripts/logformat/mod.ts";

/** An exec event at `time_ns` with `over` applied. */
export function execEvent(over: Partial<ExecEvent> & { time_ns: string }): ExecEvent {
  const argv = over.argv ?? [];
  const bytes = argv.reduce((n, a) => n + utf8Length(a) + 1, 0);
  const pid = over.pid ?? 100;
  return {
    type: "exec",
    version: 2,
    time: isoFromNs(over.time_ns),
    boot_id: "0123456789abcdef0123456789abcdef",
    cpu: 0,
    seq: 0,
    pid,
    ppid: 1,
    tid: pid,
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
    comm: "",
    pcomm: "",
    filename: "",
    cwd: "",
    argc: argv.length,
    arg_bytes: bytes,
    argv_captured: argv.length,
    argv_captured_bytes: bytes,
    argv,
    lost: 0,
    xid: "1",
    pxid: "0",
    mntns: 4026531841,
    pidns: 4026531836,
    userns: 4026531837,
    exe: "",
    dev: null,
    ino: null,
    redact: "",
    ...over,
  };
}
