/**
 * Offsets of `struct event`, `struct kstats` and `struct knobs` from
 * bpf/exec.h (little-endian, as the BPF target of this host). Pinned against
 * the C header by event_layout_test.ts.
 *
 * @module
 */

import { FLAGS } from "../logformat/mod.ts";

/** `struct event` field offsets (bytes). */
export const EV = {
  boot_ns: 0,
  start_ns: 8,
  xid: 16,
  ino: 24,
  seq: 32,
  pstart_ns: 40,
  pxid: 48,
  cgroup_id: 56,
  cpu: 64,
  pid: 68,
  tid: 72,
  lost: 76,
  dev: 80,
  ret: 84,
  argc: 88,
  args_size: 92,
  flags: 96,
  ppid: 100,
  uid: 104,
  gid: 108,
  euid: 112,
  egid: 116,
  auid: 120,
  sessionid: 124,
  mntns: 128,
  pidns: 132,
  userns: 136,
  filename_len: 140,
  cwd_len: 142,
  args_len: 144,
  exe_len: 146,
  kind: 148,
  comm: 152,
  pcomm: 168,
  tty: 184,
  /** sizeof(struct event): the variable data starts here */
  size: 216,
} as const;

export const TASK_COMM_LEN = 16;
export const TTY_NAME_LEN = 32;
export const FILENAME_CAP = 4096;
export const CWD_CAP = 4096;
export const ARGS_CAP = 16384;
export const EXE_CAP = 4096;
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
export const EF_COMPAT = FLAGS.compat;
export const EF_EXE_CUT = FLAGS.exe_cut;
export const EF_EXE_NONAME = FLAGS.exe_noname;
export const EF_CHROOT = FLAGS.chroot;
/** Kernel dev_t: major << KDEV_MINORBITS | minor. */
export const KDEV_MINORBITS = 20;

/** `struct kstats` (one per CPU). */
export const KSTATS = {
  seq: 0,
  rb_lost: 8,
  enter_lost: 16,
  argv_faults: 24,
  lost_pending: 32,
  size: 40,
} as const;

/** `struct ustats` (the pinned single-entry array user space writes). */
export const USTATS = {
  written: 0,
  rb_lost: 8,
  queue_lost: 16,
  write_lost: 24,
  disk_dropped: 32,
  crash_lost: 40,
  size: 48,
} as const;

/** `struct knobs` (offset 0 of the object's .rodata). */
export const KNOBS = {
  max_args: 0,
  max_args_bytes: 4,
  wakeup_bytes: 8,
  wakeup_interval_ns: 16,
  capture_cwd: 24,
  size: 32,
} as const;
