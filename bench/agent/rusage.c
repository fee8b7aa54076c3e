/*
 * bench/agent/rusage.c - run a command and write its resource usage to a file.
 *
 *   rusage OUT COMMAND [ARG...]
 *
 * Runs COMMAND (stdin, stdout and stderr inherited), waits for it with wait4() and
 * writes one line to OUT:
 *
 *   status=0 wall_us=12345 user_us=6000 sys_us=3000 maxrss_kb=9876
 *
 * These are the numbers GNU time prints ("Maximum resident set size" is ru_maxrss
 * from the same wait4() call), with microseconds instead of GNU time's centiseconds:
 * a 5 ms agent run reads 0.00 or 0.01 s there. The exit status is the command's
 * (128 + signal when it was killed, 127 when it could not be started).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long us_of(struct timeval tv)
{
	return (long long)tv.tv_sec * 1000000 + tv.tv_usec;
}

int main(int argc, char **argv)
{
	struct timespec t0, t1;
	struct rusage ru;
	int status, code;
	pid_t pid;
	FILE *out;

	if (argc < 3) {
		fprintf(stderr, "usage: rusage OUT COMMAND [ARG...]\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	if (pid < 0) {
		perror("rusage: fork");
		return 127;
	}
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		fprintf(stderr, "rusage: cannot run %s: %s\n", argv[2], strerror(errno));
		_exit(127);
	}
	while (wait4(pid, &status, 0, &ru) < 0) {
		if (errno != EINTR) {
			perror("rusage: wait4");
			return 127;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	out = fopen(argv[1], "w");
	if (!out) {
		perror("rusage: cannot write the result");
		return 127;
	}
	fprintf(out, "status=%d wall_us=%lld user_us=%lld sys_us=%lld maxrss_kb=%ld\n", code,
		(long long)(t1.tv_sec - t0.tv_sec) * 1000000 + (t1.tv_nsec - t0.tv_nsec) / 1000, us_of(ru.ru_utime),
		us_of(ru.ru_stime), ru.ru_maxrss);
	if (fclose(out) != 0) {
		perror("rusage: cannot write the result");
		return 127;
	}
	return code;
}
