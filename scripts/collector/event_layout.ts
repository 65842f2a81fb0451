/**
 * Offsets of `struct event`, `struct kstats` and `struct knobs` from
 * bpf/exec.h (little-endian, as the BPF target of this host). Pinned against
 * the C header by event_layout_test.ts.
 *
 * @module
 */

import { FLAGS } from "../lib/log_codec.ts";

/** `struct event` field offsets (bytes). */
export const EV = {
  boot_ns: 0,
  start_ns: 8,
  pstart_ns: 16,
  cgroup_id: 24,
  seq: 32,
  cpu: 40,
  pid: 44,
  tid: 48,
  ppid: 52,
  uid: 56,
  gid: 60,
  euid: 64,
  egid: 68,
  auid: 72,
  sessionid: 76,
  ret: 80,
  argc: 84,
  args_size: 88,
  filename_len: 92,
  cwd_len: 94,
  args_len: 96,
  kind: 98,
  flags: 99,
  comm: 100,
  pcomm: 116,
  tty: 132,
  /** sizeof(struct event): the variable data starts here */
  size: 168,
} as const;

export const TASK_COMM_LEN = 16;
export const TTY_NAME_LEN = 32;
export const FILENAME_CAP = 4096;
export const CWD_CAP = 4096;
export const ARGS_CAP = 16384;
export const FAILED_ARGS_CAP = 128;
export const COUNT_UNKNOWN = 0xffffffff;

export const KIND_UNKNOWN = 0;
export const KIND_EXECVE = 1;
export const KIND_EXECVEAT = 2;

/* event.flags: the bits the log's `flags` field carries (one definition, in the codec) */
export const EF_ARGV_CALLER = FLAGS.argv_from_caller;
export const EF_ARGV_FAULT = FLAGS.argv_fault;
export const EF_FILENAME_CUT = FLAGS.filename_cut;
export const EF_CWD = FLAGS.cwd;
export const EF_CWD_CUT = FLAGS.cwd_cut;
export const EF_NO_ENTER = FLAGS.no_enter;

/** `struct kstats` (one per CPU). */
export const KSTATS = { seq: 0, rb_lost: 8, enter_lost: 16, argv_faults: 24, size: 32 } as const;

/** `struct knobs` (offset 0 of the object's .rodata). */
export const KNOBS = {
  max_args: 0,
  max_args_bytes: 4,
  wakeup_bytes: 8,
  wakeup_interval_ns: 16,
  capture_cwd: 24,
  size: 32,
} as const;
