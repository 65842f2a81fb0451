// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * syscall-audit exec capture (CO-RE, tracepoints only).
 *
 *  sys_enter_execve[at]  remember the caller's pointers, keyed by thread id
 *  sched_process_exec    a successful exec: argv from the new image's
 *                        mm->arg_start..arg_end (always resident there)
 *  sys_exit_execve[at]   a failed exec: argv from the caller's pointers,
 *                        best effort, marked EF_ARGV_CALLER
 *  sys_enter/sys_exit    (x86, raw) the same for the 32-bit execs (ia32
 *                        binaries, int $0x80), which the syscalls:
 *                        tracepoints do not see; filtered at once on the id
 *
 * The syscall of a successful exec comes from the in-flight record: on x86
 * the kernel rewrites pt_regs->orig_ax and TS_COMPAT to the NEW image's ABI
 * (SET_PERSONALITY, before sched_process_exec), so they cannot tell it.
 *
 * Each exec attempt yields exactly one event in the ring buffer `rb`.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "exec.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Knobs: user space writes them into .rodata before load. */
const volatile struct knobs knobs = {
	.max_args = 128,
	.max_args_bytes = 8192,
	.wakeup_bytes = 1 << 20,
	.wakeup_interval_ns = 900000000,
	.capture_cwd = 1,
};

#define HDR_SIZE (sizeof(struct event))
/* The scratch event: header, then sections at variable offsets. */

struct scratch {
	struct event ev;
	/* cwd + filename < 8 KiB, args < 16 KiB, then the exe (or a failed exec's last read) and a slack
	 * of one path component, so every masked offset below fits */
	char data[FILENAME_CAP + CWD_CAP + ARGS_CAP + EXE_CAP + 256];
};

struct pending {
	const char *filename;
	const char *const *argv;
	__s32 dirfd;
	__u16 kind;
	__u16 compat; /* argv holds 32-bit pointers */
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20); /* user space resizes before load */
} rb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} heap SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct kstats);
} stats SEC(".maps"); /* pinned by user space: survives collector restarts within a boot */

/* Set by user space: 1 once the sys_enter programs are detached (shutdown). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} control SEC(".maps");

/* Written by user space only (its cumulative counters, pinned beside stats). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ustats);
} ustats SEC(".maps");

/*
 * Exec attempts in flight, by thread id: written at sys_enter, removed at
 * sched_process_exec or sys_exit. A plain hash (an LRU update costs ~4x more);
 * an update that does not fit is counted in kstats.enter_lost.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct pending);
} inflight SEC(".maps");

static __always_inline int remember(const char *filename, const char *const *argv, int dirfd, __u32 kind,
				    __u32 compat)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct pending p = { .filename = filename, .argv = argv, .dirfd = dirfd, .kind = kind, .compat = compat };

	if (bpf_map_update_elem(&inflight, &tid, &p, BPF_ANY)) {
		__u32 zero = 0;
		struct kstats *st = bpf_map_lookup_elem(&stats, &zero);
		if (st)
			st->enter_lost++;
	}
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_execve")
int enter_execve(struct trace_event_raw_sys_enter *ctx)
{
	return remember((const char *)ctx->args[0], (const char *const *)ctx->args[1], -100, KIND_EXECVE, 0);
}

SEC("tracepoint/syscalls/sys_enter_execveat")
int enter_execveat(struct trace_event_raw_sys_enter *ctx)
{
	return remember((const char *)ctx->args[1], (const char *const *)ctx->args[2], (int)ctx->args[0],
			KIND_EXECVEAT, 0);
}

#if defined(__TARGET_ARCH_x86)
/* ia32 syscall numbers, and thread_info.status's "in a 32-bit syscall" bit */
#define NR_IA32_EXECVE 11
#define NR_IA32_EXECVEAT 358
#define TS_COMPAT 0x0002

static __always_inline int in_compat_syscall(void)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	__u32 status = 0;

	if (!bpf_core_field_exists(t->thread_info.status))
		return 0;
	bpf_core_read(&status, sizeof(status), &t->thread_info.status);
	return status & TS_COMPAT;
}

/* Every syscall of the host passes here: the id test comes first and is all most of them cost. */
SEC("tp_btf/sys_enter")
int BPF_PROG(enter_compat, struct pt_regs *regs, long id)
{
	__u32 bx, cx, dx;

	if (id != NR_IA32_EXECVE && id != NR_IA32_EXECVEAT)
		return 0;
	if (!in_compat_syscall())
		return 0;
	bx = BPF_CORE_READ(regs, bx);
	cx = BPF_CORE_READ(regs, cx);
	dx = BPF_CORE_READ(regs, dx);
	if (id == NR_IA32_EXECVE)
		return remember((const char *)(unsigned long)bx, (const char *const *)(unsigned long)cx, -100,
				KIND_EXECVE, 1);
	return remember((const char *)(unsigned long)cx, (const char *const *)(unsigned long)dx, (int)bx,
			KIND_EXECVEAT, 1);
}
#endif

/* The per-CPU scratch event, numbered. */
static __always_inline struct scratch *begin(void)
{
	__u32 zero = 0;
	struct scratch *s = bpf_map_lookup_elem(&heap, &zero);
	struct kstats *st = bpf_map_lookup_elem(&stats, &zero);
	struct event *e;

	if (!s || !st)
		return 0;
	e = &s->ev;
	e->seq = st->seq++;
	e->lost = st->lost_pending;
	e->cpu = bpf_get_smp_processor_id();
	e->boot_ns = bpf_ktime_get_boot_ns();
	e->cgroup_id = bpf_get_current_cgroup_id();
	e->tty[0] = 0;
	e->flags = 0;
	e->kind = KIND_UNKNOWN;
	e->filename_len = 0;
	e->cwd_len = 0;
	e->args_len = 0;
	e->exe_len = 0;
	e->dev = 0;
	e->ino = 0;
	e->_pad[0] = 0;
	e->_pad[1] = 0;
	e->_pad[2] = 0;
	return s;
}

/* self_exec_id: u32 before 5.7, u64 since; read at the target's size (little-endian) */
static __always_inline __u64 exec_id(struct task_struct *t)
{
	__u64 v = 0;

	bpf_core_read(&v, bpf_core_field_size(t->self_exec_id) & 15, &t->self_exec_id);
	return v;
}

/* Image counters and namespaces (probe reads: the same on every kind of program). */
static __always_inline void fill_ids(struct event *e, struct task_struct *task)
{
	struct pid *pid = BPF_CORE_READ(task, thread_pid);
	unsigned int level = BPF_CORE_READ(pid, level);
	struct pid_namespace *pns = 0;

	e->xid = exec_id(task);
	e->pxid = exec_id(BPF_CORE_READ(task, real_parent));
	e->mntns = BPF_CORE_READ(task, nsproxy, mnt_ns, ns.inum);
	e->userns = BPF_CORE_READ(task, cred, user_ns, ns.inum);
	level &= 31; /* MAX_PID_NS_LEVEL is 32 */
	bpf_core_read(&pns, sizeof(pns), &pid->numbers[level].ns);
	e->pidns = BPF_CORE_READ(pns, ns.inum);
}

/*
 * The task's fields, by direct loads from a BTF pointer (tp_btf programs): no
 * helper call per field (a helper call costs 0.1-0.25 µs on the VMs measured).
 */
static __always_inline void fill_task_btf(struct event *e, struct task_struct *task)
{
	struct task_struct *parent = task->real_parent;
	const struct cred *cred = task->cred;
	struct tty_struct *tty;

	__builtin_memcpy(e->comm, task->comm, TASK_COMM_LEN);
	__builtin_memcpy(e->pcomm, parent->comm, TASK_COMM_LEN);
	e->tid = task->pid;
	e->pid = task->tgid;
	e->uid = cred->uid.val;
	e->gid = cred->gid.val;
	e->start_ns = task->group_leader->start_boottime;
	e->ppid = parent->tgid;
	e->pstart_ns = parent->group_leader->start_boottime;
	e->euid = cred->euid.val;
	e->egid = cred->egid.val;
	if (bpf_core_field_exists(task->loginuid)) {
		e->auid = task->loginuid.val;
		e->sessionid = task->sessionid;
	} else {
		e->auid = COUNT_UNKNOWN;
		e->sessionid = COUNT_UNKNOWN;
	}
	tty = task->signal->tty;
	if (tty)
		__builtin_memcpy(e->tty, tty->name, TTY_NAME_LEN);
}

/* The same through bpf_probe_read_kernel (plain tracepoints, kernels without task BTF pointers). */
static __always_inline void fill_task_core(struct event *e, struct task_struct *task)
{
	struct task_struct *parent = BPF_CORE_READ(task, real_parent);
	struct tty_struct *tty;
	__u64 ugid = bpf_get_current_uid_gid();

	e->tid = (__u32)bpf_get_current_pid_tgid();
	e->uid = (__u32)ugid;
	e->gid = ugid >> 32;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	e->pid = BPF_CORE_READ(task, tgid);
	e->start_ns = BPF_CORE_READ(task, group_leader, start_boottime);
	e->ppid = BPF_CORE_READ(parent, tgid);
	e->pstart_ns = BPF_CORE_READ(parent, group_leader, start_boottime);
	e->euid = BPF_CORE_READ(task, cred, euid.val);
	e->egid = BPF_CORE_READ(task, cred, egid.val);
	if (bpf_core_field_exists(task->loginuid)) {
		e->auid = BPF_CORE_READ(task, loginuid.val);
		e->sessionid = BPF_CORE_READ(task, sessionid);
	} else {
		e->auid = COUNT_UNKNOWN;
		e->sessionid = COUNT_UNKNOWN;
	}
	BPF_CORE_READ_STR_INTO(&e->pcomm, parent, comm);
	tty = BPF_CORE_READ(task, signal, tty);
	if (tty)
		bpf_probe_read_kernel_str(e->tty, sizeof(e->tty), &tty->name);
}

/*
 * Walk the cwd up to the process root, writing each component NUL-terminated,
 * leaf first, at data[0..]. Returns the bytes written.
 */
static __always_inline __u32 put_cwd(struct scratch *s, struct task_struct *task)
{
	struct fs_struct *fs = BPF_CORE_READ(task, fs);
	struct dentry *d = BPF_CORE_READ(fs, pwd.dentry);
	struct vfsmount *vm = BPF_CORE_READ(fs, pwd.mnt);
	struct dentry *root_d = BPF_CORE_READ(fs, root.dentry);
	struct vfsmount *root_vm = BPF_CORE_READ(fs, root.mnt);
	struct mount *mnt = container_of(vm, struct mount, mnt);
	__u32 pos = 0;
	int i;

	for (i = 0; i < CWD_MAX_DEPTH; i++) {
		struct dentry *parent;
		long n;

		/* a no-op mask: keeps every state at the loop head alike, so the verifier prunes */
		asm volatile("" : "+r"(pos));
		pos &= CWD_CAP - 1;
		if (d == root_d && vm == root_vm)
			return pos;
		parent = BPF_CORE_READ(d, d_parent);
		if (d == BPF_CORE_READ(vm, mnt_root)) {
			/* root of a mount (a bind mount's root need not be its own parent): on from its mount point */
			struct mount *up = BPF_CORE_READ(mnt, mnt_parent);
			if (up == mnt)
				return pos;
			d = BPF_CORE_READ(mnt, mnt_mountpoint);
			mnt = up;
			vm = &up->mnt;
			continue;
		}
		if (d == parent)
			return pos; /* a disconnected dentry: nothing above it */
		if (pos > CWD_CAP - 257)
			break;
		n = bpf_probe_read_kernel_str(&s->data[pos], 256, BPF_CORE_READ(d, d_name.name));
		if (n > 0)
			pos += n;
		d = parent;
	}
	s->ev.flags |= EF_CWD_CUT;
	return pos;
}

static __always_inline void walk_exe(struct scratch *s, struct task_struct *task, struct file *file, __u32 base)
{
	struct dentry *d = BPF_CORE_READ(file, f_path.dentry);
	struct vfsmount *vm = BPF_CORE_READ(file, f_path.mnt);
	struct fs_struct *fs = BPF_CORE_READ(task, fs);
	struct dentry *root_d = BPF_CORE_READ(fs, root.dentry);
	struct vfsmount *root_vm = BPF_CORE_READ(fs, root.mnt);
	struct mount *ns_root = BPF_CORE_READ(task, nsproxy, mnt_ns, root);
	struct mount *mnt = container_of(vm, struct mount, mnt);
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	int i;

	s->ev.ino = BPF_CORE_READ(inode, i_ino);
	s->ev.dev = BPF_CORE_READ(inode, i_sb, s_dev);
	if (!BPF_CORE_READ(d, d_hash.pprev) && d != BPF_CORE_READ(vm, mnt_root))
		s->ev.flags |= EF_EXE_NONAME;
	/* base = cwd + filename (< 8 KiB) + args (< 16 KiB), both masked by the caller */
	for (i = 0; i < EXE_MAX_DEPTH; i++) {
		struct dentry *parent;
		__u32 idx, pos;
		long n;

		/* the position lives in the event (memory): every loop-head state is alike, so the verifier prunes */
		pos = s->ev.exe_len & (EXE_CAP - 1);
		if (d == root_d && vm == root_vm)
			s->ev.flags |= EF_PAST_ROOT;
		if (d == BPF_CORE_READ(vm, mnt_root)) {
			/* root of a mount (a bind mount's root need not be its own parent): on from its mount point */
			struct mount *up = BPF_CORE_READ(mnt, mnt_parent);
			if (mnt == ns_root || up == mnt)
				return;
			d = BPF_CORE_READ(mnt, mnt_mountpoint);
			mnt = up;
			vm = &up->mnt;
			continue;
		}
		/* a component above the process root: the chroot's prefix (a root stacked on the namespace's
		 * root, as after an initramfs, adds none) */
		if (s->ev.flags & EF_PAST_ROOT)
			s->ev.flags |= EF_CHROOT;
		if (pos > EXE_CAP - 257)
			break;
		parent = BPF_CORE_READ(d, d_parent);
		idx = base + pos;
		n = bpf_probe_read_kernel_str(&s->data[idx], 256, BPF_CORE_READ(d, d_name.name));
		if (n > 0)
			s->ev.exe_len = pos + n;
		if (d == parent)
			return; /* a pseudo or disconnected dentry (memfd): its name is all there is */
		d = parent;
	}
	s->ev.flags |= EF_EXE_CUT;
}

/*
 * The executed file: device, inode, and its path up to the root of the mount
 * namespace, each component NUL-terminated, leaf first, at data[base..].
 * Sets EF_CHROOT when the path runs on above the process root, EF_EXE_NONAME
 * for an unhashed dentry that is not a mount root (memfd, deleted), EF_EXE_CUT
 * when the path does not fit. Returns the bytes written.
 */
static __always_inline __u32 put_exe(struct scratch *s, struct task_struct *task, struct file *file, __u32 base)
{
	s->ev.exe_len = 0;
	if (!file)
		return 0;
	walk_exe(s, task, file, base);
	s->ev.flags &= ~EF_PAST_ROOT;
	return s->ev.exe_len & (EXE_CAP - 1);
}

/* Boot time of the last wakeup of user space (racy across CPUs; a race costs one extra wakeup). */
__u64 last_wake_ns = 0;

/*
 * Copy the filled scratch event into the ring (reserve, copy, commit in one
 * helper) without waking user space, except when data piles up or when the
 * last wakeup is older than knobs.wakeup_interval_ns. User space drains again
 * one interval after each wakeup while data keeps coming, and sleeps when it
 * stops: an idle host costs no wakeups, a busy one about one per interval.
 */
static __always_inline void submit(void *ctx, struct scratch *s, __u32 size)
{
	__u32 zero = 0;
	struct kstats *st;
	__u64 flags = BPF_RB_NO_WAKEUP;
	__u64 now = s->ev.boot_ns;

	if (now - last_wake_ns >= knobs.wakeup_interval_ns ||
	    bpf_ringbuf_query(&rb, BPF_RB_AVAIL_DATA) >= knobs.wakeup_bytes) {
		flags = BPF_RB_FORCE_WAKEUP;
		last_wake_ns = now;
	}
	if (size > sizeof(*s))
		size = sizeof(*s);
	st = bpf_map_lookup_elem(&stats, &zero);
	if (bpf_ringbuf_output(&rb, s, size, flags)) {
		if (st) {
			st->rb_lost++;
			st->lost_pending++;
		}
	} else if (st) {
		st->lost_pending = 0;
	}
}

static __always_inline void count_fault(void)
{
	__u32 zero = 0;
	struct kstats *st = bpf_map_lookup_elem(&stats, &zero);
	if (st)
		st->argv_faults++;
}

/*
 * data[] starts with the cwd (only for a relative filename), then the
 * filename. Returns the bytes used.
 */
static __always_inline __u32 put_cwd_and_filename(struct scratch *s, struct task_struct *task,
						  const char *fname, int user)
{
	__u32 pos = 0;
	char c = 0;
	long n;

	if (user)
		bpf_probe_read_user(&c, 1, fname);
	else
		bpf_probe_read_kernel(&c, 1, fname);
	if (knobs.capture_cwd && c && c != '/') {
		pos = put_cwd(s, task);
		s->ev.cwd_len = pos;
		s->ev.flags |= EF_CWD;
	}
	asm volatile("" : "+r"(pos));
	pos &= CWD_CAP - 1;
	if (user)
		n = bpf_probe_read_user_str(&s->data[pos], FILENAME_CAP, fname);
	else
		n = bpf_probe_read_kernel_str(&s->data[pos], FILENAME_CAP, fname);
	if (n <= 0) {
		s->ev.flags |= EF_FILENAME_CUT;
		n = 1;
	} else if (n == FILENAME_CAP) {
		s->ev.flags |= EF_FILENAME_CUT;
	}
	s->ev.filename_len = n - 1;
	return pos + n - 1;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(on_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	struct scratch *s;
	struct pending *p;
	struct mm_struct *mm;
	unsigned long arg_start, arg_end;
	__u32 off, len, max, exe;
	__u32 key = old_pid, zero = 0;
	const char *fname;
	__u32 *stopping;

	p = bpf_map_lookup_elem(&inflight, &key);
	if (!p) {
		/* after the stop point (sys_enter detached) only the attempts already in flight are ours */
		stopping = bpf_map_lookup_elem(&control, &zero);
		if (stopping && *stopping)
			return 0;
	}
	s = begin();
	if (!s)
		return 0;
	fill_task_btf(&s->ev, task);
	fill_ids(&s->ev, task);
	s->ev.tid = old_pid;
	s->ev.ret = 0;
	if (p) {
		s->ev.kind = p->kind;
		if (p->compat)
			s->ev.flags |= EF_COMPAT;
		bpf_map_delete_elem(&inflight, &key);
	} else {
		s->ev.flags |= EF_NO_ENTER;
	}

	/* filename as passed (bprm->filename: "/dev/fd/N/..." for execveat with a dirfd) */
	fname = BPF_CORE_READ(bprm, filename);
	off = put_cwd_and_filename(s, task, fname, 0);

	/* argv from the new image: written by the kernel during exec, so resident */
	mm = BPF_CORE_READ(task, mm);
	arg_start = BPF_CORE_READ(mm, arg_start);
	arg_end = BPF_CORE_READ(mm, arg_end);
	s->ev.argc = BPF_CORE_READ(bprm, argc);
	s->ev.args_size = arg_end - arg_start;
	len = arg_end - arg_start;
	max = knobs.max_args_bytes;
	if (len > max)
		len = max;
	if (len > ARGS_CAP - 1)
		len = ARGS_CAP - 1;
	/* the mask is a no-op, but it gives the verifier its bound; the barrier keeps clang from dropping it */
	asm volatile("" : "+r"(len));
	len &= ARGS_CAP - 1;
	off &= (FILENAME_CAP + CWD_CAP - 1);
	if (bpf_probe_read_user(&s->data[off], len, (void *)arg_start)) {
		s->ev.flags |= EF_ARGV_FAULT;
		count_fault();
		len = 0;
	}
	s->ev.args_len = len;
	exe = put_exe(s, task, BPF_CORE_READ(bprm, file), off + len);
	s->ev.exe_len = exe;
	submit(ctx, s, HDR_SIZE + off + len + exe);
	return 0;
}

static __always_inline int on_exit(void *ctx, long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct pending *p = bpf_map_lookup_elem(&inflight, &tid);
	struct task_struct *task;
	struct scratch *s;
	const char *const *argv;
	__u32 off, i, maxn, psz;
	long n;

	if (!p)
		return 0; /* success (handled at sched_process_exec) or not ours */
	if (ret >= 0) {
		bpf_map_delete_elem(&inflight, &tid);
		return 0;
	}
	task = (struct task_struct *)bpf_get_current_task();
	s = begin();
	if (!s) {
		bpf_map_delete_elem(&inflight, &tid);
		return 0;
	}
	fill_task_core(&s->ev, task);
	fill_ids(&s->ev, task);
	s->ev.ret = ret;
	s->ev.kind = p->kind;
	s->ev.flags |= EF_ARGV_CALLER;
	if (p->compat)
		s->ev.flags |= EF_COMPAT;
	psz = p->compat ? 4 : 8;
	argv = p->argv;

	/* filename from the caller; getname() already faulted it in */
	off = put_cwd_and_filename(s, task, p->filename, 1);
	bpf_map_delete_elem(&inflight, &tid);
	off &= (FILENAME_CAP + CWD_CAP - 1);

	/* argv through the caller's pointers: best effort, pages may not be resident */
	{
		__u32 base = off, used = 0, idx;
		maxn = knobs.max_args;
		s->ev.argc = COUNT_UNKNOWN;
		s->ev.args_size = 0; /* COUNT_UNKNOWN once an element may be cut */
		for (i = 0; i < FAILED_ARGS_CAP; i++) {
			unsigned long arg = 0;
			/* a no-op mask: keeps the loop-head states alike, so the verifier prunes */
			asm volatile("" : "+r"(used));
			used &= 2 * ARGS_CAP - 1;
			if (i >= maxn)
				break;
			if (bpf_probe_read_user(&arg, psz, (const char *)argv + i * psz)) {
				s->ev.flags |= EF_ARGV_FAULT;
				break;
			}
			if (!arg) {
				s->ev.argc = i;
				break;
			}
			if (used >= knobs.max_args_bytes || used >= ARGS_CAP)
				break;
			/* base < FILENAME_CAP + CWD_CAP and used < ARGS_CAP: fits the scratch */
			idx = used;
			asm volatile("" : "+r"(idx));
			idx = (idx & (ARGS_CAP - 1)) + (base & (FILENAME_CAP + CWD_CAP - 1));
			n = bpf_probe_read_user_str(&s->data[idx], FAILED_ARG_CAP, (const char *)arg);
			if (n <= 0) {
				s->ev.flags |= EF_ARGV_FAULT;
				break;
			}
			if (n == FAILED_ARG_CAP)
				s->ev.args_size = COUNT_UNKNOWN; /* this element may be longer than what was read */
			used += n;
		}
		if (s->ev.flags & EF_ARGV_FAULT)
			count_fault();
		if (used > knobs.max_args_bytes) {
			used = knobs.max_args_bytes;
			s->ev.args_size = COUNT_UNKNOWN;
		}
		if (used > ARGS_CAP - 1) {
			used = ARGS_CAP - 1;
			s->ev.args_size = COUNT_UNKNOWN;
		}
		asm volatile("" : "+r"(used));
		used &= ARGS_CAP - 1;
		if (s->ev.argc == COUNT_UNKNOWN || (s->ev.flags & EF_ARGV_FAULT))
			s->ev.args_size = COUNT_UNKNOWN;
		else if (s->ev.args_size != COUNT_UNKNOWN)
			s->ev.args_size = used;
		s->ev.args_len = used;
		submit(ctx, s, HDR_SIZE + off + used);
	}
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_execve")
int exit_execve(struct trace_event_raw_sys_exit *ctx)
{
	return on_exit(ctx, ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_execveat")
int exit_execveat(struct trace_event_raw_sys_exit *ctx)
{
	return on_exit(ctx, ctx->ret);
}

#if defined(__TARGET_ARCH_x86)
/* Every syscall of the host passes here: orig_ax first; a failed 32-bit exec is still TS_COMPAT. */
SEC("tp_btf/sys_exit")
int BPF_PROG(exit_compat, struct pt_regs *regs, long ret)
{
	long id = BPF_CORE_READ(regs, orig_ax);

	if (id != NR_IA32_EXECVE && id != NR_IA32_EXECVEAT)
		return 0;
	if (!in_compat_syscall())
		return 0;
	return on_exit(ctx, ret);
}
#endif
