/*
 * Ways to start a program that a filename-based audit would miss or
 * misname. Each mode execs at most once; on a failed exec it exits 127.
 *   memfd SRC MARKER      copy SRC into a memfd, execveat(fd, "", AT_EMPTY_PATH)
 *   dirfd DIR REL MARKER  execveat(open(DIR), REL)
 *   thread PATH MARKER    execve from a second thread (not the group leader)
 *   rename NAME PATH MARKER  prctl(PR_SET_NAME, NAME), then fork + execve(PATH), wait
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;
static char *targv[3];

static void *thread_exec(void *path)
{
	execve((char *)path, targv, environ);
	_exit(127);
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "memfd")) {
		int src = open(argv[2], O_RDONLY), fd = memfd_create("sa-evade", MFD_CLOEXEC);
		char buf[65536];
		ssize_t n;
		if (src < 0 || fd < 0)
			return 126;
		while ((n = read(src, buf, sizeof(buf))) > 0)
			if (write(fd, buf, n) != n)
				return 126;
		char *a[] = { "sa-evade", argv[3], 0 };
		syscall(SYS_execveat, fd, "", a, environ, AT_EMPTY_PATH);
		return 127;
	}
	if (argc == 5 && !strcmp(argv[1], "dirfd")) {
		int d = open(argv[2], O_PATH | O_DIRECTORY);
		char *a[] = { argv[3], argv[4], 0 };
		syscall(SYS_execveat, d, argv[3], a, environ, 0);
		return 127;
	}
	if (argc == 4 && !strcmp(argv[1], "thread")) {
		pthread_t t;
		targv[0] = argv[2];
		targv[1] = argv[3];
		pthread_create(&t, 0, thread_exec, argv[2]);
		pthread_join(t, 0);
		return 127;
	}
	if (argc == 5 && !strcmp(argv[1], "rename")) {
		int st;
		prctl(PR_SET_NAME, argv[2]);
		pid_t p = fork();
		if (p == 0) {
			char *a[] = { argv[3], argv[4], 0 };
			execve(argv[3], a, environ);
			_exit(127);
		}
		waitpid(p, &st, 0);
		return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
	}
	fprintf(stderr, "usage: evasion memfd|dirfd|thread|rename ...\n");
	return 2;
}
