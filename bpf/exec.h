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
/* Capacity of the exe path (after the argv in data). */
#define EXE_CAP 4096
/* Deepest cwd walked (path components) before the cwd is marked cut. */
#define CWD_MAX_DEPTH 32
/* Deepest exe path walked (path components and mount crossings) before it is marked cut. */
#define EXE_MAX_DEPTH 64
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
#define EF_COMPAT 0x80         /* 32-bit syscall (ia32 binary or int $0x80) */
#define EF_EXE_CUT 0x100       /* exe path deeper than EXE_MAX_DEPTH or larger than EXE_CAP */
#define EF_EXE_NONAME 0x200    /* the executed file has no name (memfd, deleted file) */
#define EF_CHROOT 0x400        /* the exe path runs on above the process root (chroot) */
#define EF_PAST_ROOT 0x80000000 /* scratch bit of the exe walk, never in an event */

/* Kernel dev_t: major << 20 | minor. */
#define KDEV_MINORBITS 20

struct event {
	__u64 boot_ns;    /* bpf_ktime_get_boot_ns() when the event was made */
	__u64 start_ns;   /* process (thread group leader) start, ns since boot */
	__u64 xid;        /* self_exec_id of the process after the exec (of the caller for a failed one) */
	__u64 ino;        /* inode number of the executed file, 0 when none */
	__u64 seq;        /* per-CPU event number, counted before the ring reserve */
	/* the context block (pstart_ns .. cgroup_id, ppid .. userns, pcomm .. tty) */
	__u64 pstart_ns;  /* parent's start, ns since boot */
	__u64 pxid;       /* parent's self_exec_id */
	__u64 cgroup_id;  /* cgroup v2 id of the task */
	__u32 cpu;
	__u32 pid;        /* tgid */
	__u32 tid;        /* thread that called exec (before de_thread) */
	__u32 lost;       /* ring output failures on this CPU since its previous record that fit */
	__u32 dev;        /* kernel dev_t of the executed file (major << 20 | minor), 0 when none */
	__s32 ret;        /* 0, or -errno of a failed exec */
	__u32 argc;       /* original argc, COUNT_UNKNOWN if not known */
	__u32 args_size;  /* original argv bytes (NULs included), COUNT_UNKNOWN if not known */
	__u32 flags;      /* EF_* */
	__u32 ppid;       /* real parent's tgid */
	__u32 uid;
	__u32 gid;
	__u32 euid;
	__u32 egid;
	__u32 auid;       /* loginuid, COUNT_UNKNOWN when unset */
	__u32 sessionid;  /* audit session id, COUNT_UNKNOWN when unset */
	__u32 mntns;      /* mount namespace inode number */
	__u32 pidns;      /* pid namespace inode number (the task's own) */
	__u32 userns;     /* user namespace inode number */
	__u16 filename_len; /* bytes of filename in data, no NUL */
	__u16 cwd_len;    /* bytes of cwd in data: NUL-terminated components, leaf first */
	__u16 args_len;   /* bytes of argv captured in data: NUL-terminated elements, the last maybe cut */
	__u16 exe_len;    /* bytes of exe in data: NUL-terminated components, leaf first */
	__u8 kind;        /* KIND_* */
	__u8 _pad[3];
	char comm[TASK_COMM_LEN];
	char pcomm[TASK_COMM_LEN];
	char tty[TTY_NAME_LEN];
	/* then data: cwd (only with EF_CWD), filename, args, exe (lengths above) */
};

/* Per-CPU counters, read by user space for the stats record. */
struct kstats {
	__u64 seq;          /* events numbered on this CPU */
	__u64 rb_lost;      /* ring buffer output failures (ring full) */
	__u64 enter_lost;   /* sys_enter records that did not fit the pending map */
	__u64 argv_faults;  /* events whose argv could not be read completely */
	__u64 lost_pending; /* ring output failures since the last record that fit (written into event.lost) */
};

/* What user space has written so far in this boot (pinned; updated after each flush). */
struct ustats {
	__u64 written;      /* exec lines handed to the writer (S1 `events`, summed over the runs) */
	__u64 rb_lost;      /* the kernel's rb_lost at the last update */
	__u64 queue_lost;
	__u64 write_lost;   /* already in written (lines attempted): kept for the record */
	__u64 disk_dropped; /* likewise */
	__u64 crash_lost;   /* summed crash_lost found at the opens so far */
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
