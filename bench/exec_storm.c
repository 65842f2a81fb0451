// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * exec_storm: the benchmark's workload. Forks children that execve a small
 * target with the argv `<argv0> --bench <i>`, keeping up to K children in
 * flight per worker process, and prints one JSON line with the wall time and
 * the counts.
 *
 *   exec_storm -n N [-k K] [-w W] [-r RATE] [-v] [-t TARGET] [-a ARGV0]
 *
 *   -n N       exec attempts in all (default 20000)
 *   -k K       children in flight per worker (default 2)
 *   -w W       worker processes sharing the N execs (default 1)
 *   -r RATE    pace the starts at RATE exec/s in all (default 0: as fast as possible)
 *   -v         vfork() instead of fork()
 *   -t TARGET  the program to execve (default /bin/true)
 *   -a ARGV0   its argv[0] (default "true")
 *   -T SECS    give up after SECS seconds (default 600)
 *
 * Built with -DEXEC_STORM_TARGET -static -nostdlib, this file is instead a
 * minimal static target that exits 0 at once (no dynamic loader, no libc):
 * the cheapest possible exec, for the rate test.
 */
#ifdef EXEC_STORM_TARGET

void _start(void)
{
#if defined(__x86_64__)
	__asm__ volatile("mov $60, %eax\n\txor %edi, %edi\n\tsyscall");
#elif defined(__aarch64__)
	__asm__ volatile("mov x8, #93\n\tmov x0, #0\n\tsvc #0");
#else
#error "EXEC_STORM_TARGET: unsupported architecture"
#endif
	for (;;) {
	}
}

#else

#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct shared {
	volatile uint64_t ok;
	volatile uint64_t failed;
	volatile uint64_t spawn_errors;
	volatile uint64_t late_ns; /* sum of how far behind the schedule a paced start was */
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void sleep_until(uint64_t t)
{
	struct timespec ts = { .tv_sec = (time_t)(t / 1000000000ull), .tv_nsec = (long)(t % 1000000000ull) };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
	}
}

static long num(const char *s, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 0) {
		fprintf(stderr, "exec_storm: bad %s: %s\n", what, s);
		exit(2);
	}
	return v;
}

static int reap(struct shared *sh, int flags)
{
	int status;
	pid_t p = waitpid(-1, &status, flags);

	if (p <= 0)
		return 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		__atomic_add_fetch(&sh->ok, 1, __ATOMIC_RELAXED);
	else
		__atomic_add_fetch(&sh->failed, 1, __ATOMIC_RELAXED);
	return 1;
}

/* Kept apart so that no local of the caller lives across vfork(). */
static __attribute__((noinline)) pid_t spawn(const char *target, char **argv, char **envp, int use_vfork)
{
	pid_t pid = use_vfork ? vfork() : fork();

	if (pid == 0) {
		execve(target, argv, envp);
		_exit(127);
	}
	return pid;
}

/* Worker w runs the execs i = w, w + W, w + 2W, ... < n. */
static void worker(struct shared *sh, long w, long nw, long n, long k, double rate, int use_vfork,
		   const char *target, const char *argv0, uint64_t start, uint64_t deadline)
{
	char idx[24];
	char *argv[4] = { (char *)argv0, "--bench", idx, NULL };
	char *envp[] = { "PATH=/usr/bin:/bin", NULL };
	long inflight = 0;

	for (long i = w; i < n; i += nw) {
		pid_t pid;

		while (inflight >= k) {
			if (reap(sh, 0))
				inflight--;
			else if (errno != EINTR) {
				inflight = 0;
				break;
			}
		}
		if (now_ns() > deadline)
			break;
		if (rate > 0) {
			uint64_t due = start + (uint64_t)((double)i * 1e9 / rate);
			uint64_t t = now_ns();

			if (t < due)
				sleep_until(due);
			else
				__atomic_add_fetch(&sh->late_ns, t - due, __ATOMIC_RELAXED);
		}
		snprintf(idx, sizeof(idx), "%ld", i);
		pid = spawn(target, argv, envp, use_vfork);
		if (pid < 0) {
			__atomic_add_fetch(&sh->spawn_errors, 1, __ATOMIC_RELAXED);
			continue;
		}
		inflight++;
	}
	while (inflight > 0 && reap(sh, 0))
		inflight--;
}

int main(int argc, char **argv)
{
	long n = 20000, k = 2, nw = 1, timeout_s = 600;
	double rate = 0;
	int use_vfork = 0, opt;
	const char *target = "/bin/true", *argv0 = "true";
	struct shared *sh;
	uint64_t start, end, deadline;
	pid_t *pids;

	while ((opt = getopt(argc, argv, "n:k:w:r:vt:a:T:")) != -1) {
		switch (opt) {
		case 'n': n = num(optarg, "-n"); break;
		case 'k': k = num(optarg, "-k"); break;
		case 'w': nw = num(optarg, "-w"); break;
		case 'r': rate = (double)num(optarg, "-r"); break;
		case 'v': use_vfork = 1; break;
		case 't': target = optarg; break;
		case 'a': argv0 = optarg; break;
		case 'T': timeout_s = num(optarg, "-T"); break;
		default:
			fprintf(stderr, "usage: exec_storm -n N [-k K] [-w W] [-r RATE] [-v] [-t TARGET] [-a ARGV0] [-T SECS]\n");
			return 2;
		}
	}
	if (k < 1 || nw < 1 || nw > 64) {
		fprintf(stderr, "exec_storm: need -k >= 1 and 1 <= -w <= 64\n");
		return 2;
	}
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pids = calloc((size_t)nw, sizeof(*pids));
	if (sh == MAP_FAILED || !pids) {
		perror("exec_storm: mmap");
		return 1;
	}
	memset((void *)sh, 0, sizeof(*sh));
	start = now_ns();
	deadline = start + (uint64_t)timeout_s * 1000000000ull;
	if (nw == 1) {
		worker(sh, 0, 1, n, k, rate, use_vfork, target, argv0, start, deadline);
	} else {
		for (long w = 0; w < nw; w++) {
			pids[w] = fork();
			if (pids[w] == 0) {
				prctl(PR_SET_PDEATHSIG, SIGKILL); /* die with the parent */
				if (getppid() == 1)
					_exit(1);
				worker(sh, w, nw, n, k, rate, use_vfork, target, argv0, start, deadline);
				_exit(0);
			}
			if (pids[w] < 0) {
				perror("exec_storm: fork worker");
				return 1;
			}
		}
		for (long w = 0; w < nw; w++) {
			while (waitpid(pids[w], NULL, 0) < 0 && errno == EINTR) {
			}
		}
	}
	end = now_ns();
	{
		double wall = (double)(end - start) / 1e9;
		uint64_t done = sh->ok + sh->failed;

		printf("{\"execs\":%ld,\"ok\":%llu,\"failed\":%llu,\"spawn_errors\":%llu,\"wall_ns\":%llu,"
		       "\"rate\":%.1f,\"late_ns\":%llu,\"workers\":%ld,\"inflight\":%ld,\"vfork\":%s,"
		       "\"paced\":%.0f,\"target\":\"%s\"}\n",
		       n, (unsigned long long)sh->ok, (unsigned long long)sh->failed,
		       (unsigned long long)sh->spawn_errors, (unsigned long long)(end - start),
		       wall > 0 ? (double)done / wall : 0.0, (unsigned long long)sh->late_ns, nw, k,
		       use_vfork ? "true" : "false", rate, target);
	}
	return sh->ok == (uint64_t)n ? 0 : 1;
}

#endif
