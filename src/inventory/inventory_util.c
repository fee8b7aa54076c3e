/*
 * inventory_util.c: what every collector needs: paths below the root, bounded reads,
 * warnings, running a system tool without a shell, and strings safe for JSON.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/err.h"
#include "core/fs.h"
#include "core/timeutil.h"
#include "inventory/inventory.h"

extern char **environ;

int inv_path(const struct inv_ctx *ctx, const char *rel, char *out, size_t size)
{
	while (*rel == '/')
		rel++;
	int n = strcmp(ctx->root, "/") == 0 ? snprintf(out, size, "/%s", rel) : snprintf(out, size, "%s/%s", ctx->root, rel);
	if (n < 0 || (size_t)n >= size)
		return err_set(-ENAMETOOLONG, "path '%s/%s' is too long", ctx->root, rel);
	return 0;
}

int inv_read(const struct inv_ctx *ctx, const char *rel, size_t max, char **ret, size_t *ret_len)
{
	char path[4096];
	int r = inv_path(ctx, rel, path, sizeof(path));
	if (r < 0)
		return r;
	return fs_read_file(path, max, ret, ret_len);
}

void inv_warn(struct inv_ctx *ctx, const char *section, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	json_array_append_new(ctx->warnings, json_pack("{s:s, s:o}", "section", section, "message", inv_string(msg)));
}

json_t *inv_stringn(const char *s, size_t len)
{
	json_t *j = json_stringn(s, len);
	if (j)
		return j;
	/* Not UTF-8: keep ASCII, replace every other byte. */
	char *clean = malloc(len * 3 + 1);
	if (!clean)
		return json_null();
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x80 && c != 0) {
			clean[o++] = (char)c;
		} else {
			memcpy(clean + o, "\xef\xbf\xbd", 3);
			o += 3;
		}
	}
	j = json_stringn(clean, o);
	free(clean);
	return j ? j : json_null();
}

json_t *inv_string(const char *s)
{
	return s ? inv_stringn(s, strlen(s)) : json_null();
}

int inv_run(const struct inv_ctx *ctx, char *const argv[], size_t max, int timeout_ms, char **ret)
{
	int pipefd[2] = {-1, -1}, r = 0, status;
	pid_t pid = -1;
	char *out = NULL;
	size_t len = 0;
	posix_spawn_file_actions_t fa;
	if (!ctx->live)
		return err_set(-ENOENT, "'%s' is not asked on a fixture tree", argv[0]);
	if (access(argv[0], X_OK) < 0)
		return err_set(-ENOENT, "'%s' is not installed", argv[0]);
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return err_set(-errno, "cannot make a pipe: %s", strerror(errno));
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
	int e = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	if (e != 0) {
		r = err_set(-e, "cannot run '%s': %s", argv[0], strerror(e));
		goto out;
	}
	out = malloc(max + 1);
	if (!out) {
		r = -ENOMEM;
		goto out;
	}
	int64_t deadline = time_mono_us() + (int64_t)timeout_ms * 1000;
	for (;;) {
		int64_t left = (deadline - time_mono_us()) / 1000;
		if (left <= 0) {
			r = err_set(-ETIMEDOUT, "'%s' took longer than %d ms", argv[0], timeout_ms);
			break;
		}
		struct pollfd p = {.fd = pipefd[0], .events = POLLIN};
		if (poll(&p, 1, (int)left) < 0 && errno != EINTR) {
			r = -errno;
			break;
		}
		char buf[4096];
		ssize_t n = read(pipefd[0], buf, sizeof(buf));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			break;
		size_t take = (size_t)n < max - len ? (size_t)n : max - len;
		memcpy(out + len, buf, take);
		len += take; /* output past max is read and dropped */
	}
out:
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	if (pid > 0) {
		if (r == -ETIMEDOUT)
			kill(pid, SIGKILL);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		if (r == 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
			r = err_set(-ECHILD, "'%s' failed", argv[0]);
	}
	if (r < 0) {
		free(out);
		return r;
	}
	out[len] = '\0';
	*ret = out;
	return 0;
}
