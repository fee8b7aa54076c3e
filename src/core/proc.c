/*
 * proc.c: see proc.h. posix_spawn, a pipe, poll with a deadline, SIGKILL on timeout.
 */
#include "core/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/err.h"
#include "core/timeutil.h"

extern char **environ;

int proc_run(char *const argv[], size_t max, int timeout_ms, bool merge_stderr, struct proc_result *ret)
{
	int pipefd[2], status = 0, r = 0;
	pid_t pid;
	posix_spawn_file_actions_t fa;
	struct proc_result res = {0};
	if (access(argv[0], X_OK) < 0)
		return err_set(-ENOENT, "'%s' is not installed", argv[0]);
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return err_set(-errno, "cannot make a pipe: %s", strerror(errno));
	res.output = malloc(max + 1);
	if (!res.output) {
		close(pipefd[0]);
		close(pipefd[1]);
		return -ENOMEM;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
	if (merge_stderr)
		posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDERR_FILENO);
	else
		posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	posix_spawnattr_t attr;
	posix_spawnattr_init(&attr);
	sigset_t none;
	sigemptyset(&none);
	posix_spawnattr_setsigmask(&attr, &none); /* the child must not inherit blocked signals */
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP);
	int e = posix_spawn(&pid, argv[0], &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	close(pipefd[1]);
	if (e != 0) {
		close(pipefd[0]);
		free(res.output);
		return err_set(-e, "cannot run '%s': %s", argv[0], strerror(e));
	}
	int64_t deadline = time_mono_us() + (int64_t)timeout_ms * 1000;
	for (;;) {
		int64_t left = (deadline - time_mono_us()) / 1000;
		if (left <= 0) {
			res.timed_out = true;
			break;
		}
		struct pollfd p = {.fd = pipefd[0], .events = POLLIN};
		int pr = poll(&p, 1, (int)left);
		if (pr < 0 && errno != EINTR)
			break;
		if (pr <= 0)
			continue; /* the deadline is checked at the top */
		char buf[4096];
		ssize_t n = read(pipefd[0], buf, sizeof(buf));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			break;
		size_t take = (size_t)n < max - res.len ? (size_t)n : max - res.len;
		if (take < (size_t)n)
			res.truncated = true;
		memcpy(res.output + res.len, buf, take);
		res.len += take;
	}
	close(pipefd[0]);
	if (res.timed_out)
		kill(-pid, SIGKILL); /* the whole process group: a shell's children too */
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	res.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 255;
	res.output[res.len] = '\0';
	*ret = res;
	return r;
}
