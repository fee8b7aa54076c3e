/*
 * proc.h: running a program without a shell in between: argv, a timeout, bounded
 * output capture, and its exit status.
 */
#ifndef WARD_PROC_H
#define WARD_PROC_H

#include <stdbool.h>
#include <stddef.h>

struct proc_result {
	char *output;     /* stdout (and stderr when merged), NUL-terminated; caller frees */
	size_t len;
	bool truncated;   /* output past max was dropped */
	bool timed_out;   /* killed after timeout_ms */
	int exit_code;    /* the exit status, or 128 + signal */
};

/* Runs argv (argv[0] an absolute path), stdin from /dev/null, capturing at most max bytes
 * of output (stderr too when merge_stderr, else discarded). 0 once it ran (whatever its
 * exit status); -ENOENT when the program is absent; -errno when it cannot start. */
int proc_run(char *const argv[], size_t max, int timeout_ms, bool merge_stderr, struct proc_result *ret);

#endif
