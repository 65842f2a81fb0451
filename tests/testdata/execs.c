// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Test helper: exec with exact (hostile) bytes, and exec storms.
//   execs raw [-u UID] HEXPATH [HEXARG...]   setuid(UID) if given, then execv(path, argv)
//   execs storm N MARKER [PARALLEL]          N fork+execv("/bin/true", {"true", MARKER, i})
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char *unhex(const char *h)
{
	size_t n = strlen(h) / 2;
	char *out = malloc(n + 1);
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		sscanf(h + 2 * i, "%2x", &v);
		out[i] = (char)v;
	}
	out[n] = 0;
	return out;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "raw")) {
		int i = 2;
		if (!strcmp(argv[i], "-u")) {
			if (setgid(atoi(argv[i + 1])) || setuid(atoi(argv[i + 1]))) {
				perror("setuid");
				return 126;
			}
			i += 2;
		}
		char *path = unhex(argv[i++]);
		char **args = calloc(argc - i + 1, sizeof(char *));
		for (int k = 0; i < argc; i++, k++)
			args[k] = unhex(argv[i]);
		execv(path, args);
		fprintf(stderr, "execv: %s\n", strerror(errno));
		return 127;
	}
	if (argc >= 4 && !strcmp(argv[1], "storm")) {
		long n = atol(argv[2]), par = argc > 4 ? atol(argv[4]) : 1, running = 0, done = 0;
		struct timespec a, b;
		clock_gettime(CLOCK_MONOTONIC, &a);
		for (long i = 0; i < n; i++) {
			char num[32];
			snprintf(num, sizeof(num), "%ld", i);
			if (running >= par) {
				if (wait(NULL) > 0)
					done++;
				running--;
			}
			pid_t p = fork();
			if (p == 0) {
				char *args[] = { "true", argv[3], num, NULL };
				execv("/bin/true", args);
				_exit(127);
			}
			if (p > 0)
				running++;
		}
		while (running-- > 0)
			if (wait(NULL) > 0)
				done++;
		clock_gettime(CLOCK_MONOTONIC, &b);
		printf("%ld %.6f\n", done, (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9);
		return 0;
	}
	fprintf(stderr, "usage: execs raw [-u UID] HEXPATH [HEXARG...] | execs storm N MARKER [PARALLEL]\n");
	return 2;
}
