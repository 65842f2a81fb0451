/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The one event record shared by the kernel program (exec.bpf.c) and user
 * space (scripts/collector/event_layout.ts). A TS test pins every offset
 * below against this header, compiled by the host C compiler.
 */
#ifndef SYSCALL_AUDIT_EXEC_H
#define SYSCALL_AUDIT_EXEC_H

#define TASK_COMM_LEN 16
#define TTY_NAME_LEN 32
/* Capacity of each variable section of an event (powers of two; the per-CPU
 * scratch event must stay under the 32 KiB per-CPU value limit). */
#define FILENAME_CAP 4096
#define CWD_CAP 4096
#define ARGS_CAP 16384
/* Deepest cwd walked (path components) before the cwd is marked cut. */
#define CWD_MAX_DEPTH 32
/* Most argv pointers followed for a failed exec (caller's memory). */
#define FAILED_ARGS_CAP 128
/* Most bytes read per argv element of a failed exec. */
#define FAILED_ARG_CAP 4096

/* Written where a count is not known (e.g. argc of a failed exec whose argv was cut). */
#define COUNT_UNKNOWN 0xffffffffu

/* event.kind: which system call asked for the exec. */
#define KIND_UNKNOWN 0
#define KIND_EXECVE 1
#define KIND_EXECVEAT 2

/* event.flags */
#define EF_ARGV_CALLER 0x01    /* argv read from the caller's pointers (failed exec, best effort) */
#define EF_ARGV_FAULT 0x02     /* some argv could not be read (page not resident, bad pointer) */
#define EF_FILENAME_CUT 0x04   /* filename longer than FILENAME_CAP or unreadable */
#define EF_CWD 0x08            /* data holds the cwd (filename was relative) */
#define EF_CWD_CUT 0x10        /* cwd deeper than CWD_MAX_DEPTH or larger than CWD_CAP */
#define EF_NO_ENTER 0x20       /* no sys_enter seen (exec started before the collector, or kernel exec) */

struct event {
	__u64 boot_ns;    /* bpf_ktime_get_boot_ns() when the event was made */
	__u64 start_ns;   /* process (thread group leader) start, ns since boot */
	__u64 pstart_ns;  /* parent's start, ns since boot */
	__u64 cgroup_id;  /* cgroup v2 id of the task */
	__u64 seq;        /* per-CPU event number, counted before the ring reserve */
	__u32 cpu;
	__u32 pid;        /* tgid */
	__u32 tid;        /* thread that called exec (before de_thread) */
	__u32 ppid;       /* real parent's tgid */
	__u32 uid;
	__u32 gid;
	__u32 euid;
	__u32 egid;
	__u32 auid;       /* loginuid, COUNT_UNKNOWN when unset */
	__u32 sessionid;  /* audit session id, COUNT_UNKNOWN when unset */
	__s32 ret;        /* 0, or -errno of a failed exec */
	__u32 argc;       /* original argc, COUNT_UNKNOWN if not known */
	__u32 args_size;  /* original argv bytes (NULs included), COUNT_UNKNOWN if not known */
	__u16 filename_len; /* bytes of filename in data, no NUL */
	__u16 cwd_len;    /* bytes of cwd in data: NUL-terminated components, leaf first */
	__u16 args_len;   /* bytes of argv captured in data: NUL-terminated elements, the last maybe cut */
	__u8 kind;        /* KIND_* */
	__u8 flags;       /* EF_* */
	char comm[TASK_COMM_LEN];
	char pcomm[TASK_COMM_LEN];
	char tty[TTY_NAME_LEN];
	__u32 _pad;
	/* then data: cwd (only with EF_CWD), filename, args (lengths above) */
};

/* Per-CPU counters, read by user space for the stats record. */
struct kstats {
	__u64 seq;          /* events numbered on this CPU */
	__u64 rb_lost;      /* ring buffer output failures (ring full) */
	__u64 enter_lost;   /* sys_enter records that did not fit the pending map */
	__u64 argv_faults;  /* events whose argv could not be read completely */
};

/* Knobs, set by user space before load (one struct at offset 0 of .rodata). */
struct knobs {
	__u32 max_args;       /* argv elements kept for a failed exec (<= FAILED_ARGS_CAP) */
	__u32 max_args_bytes; /* argv bytes captured per event (<= ARGS_CAP) */
	__u64 wakeup_bytes;   /* wake user space at once when this much data is waiting */
	__u64 wakeup_interval_ns; /* else wake it at most once per interval */
	__u32 capture_cwd;    /* resolve relative filenames with the cwd */
	__u32 _pad;
};

#endif /* SYSCALL_AUDIT_EXEC_H */
