/*
 * dump_test.h: what the real-server dump tests share: finding a server's programs,
 * running them as an unprivileged user (servers refuse root) in a private folder, a
 * background server, and reading their output.
 */
#ifndef WARD_TEST_DUMP_H
#define WARD_TEST_DUMP_H

#include <glob.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>

#include "backup_test.h"
#include "core/fs.h"
#include "core/timeutil.h"

/* Where a server lives and who runs it. */
struct srv {
	char dir[512]; /* test_dir/srv, owned by the user */
	char user[64]; /* the user its programs run as */
	uid_t uid;
	gid_t gid;
	bool switch_user; /* we are root: become uid/gid in children */
	pid_t pid;	  /* the server, once started */
};

/* name in PATH, /usr/sbin, /usr/lib/postgresql/N/bin (the newest); false when absent. */
TEST_HELPER bool srv_find(const char *name, char out[PATH_MAX])
{
	const char *path = getenv("PATH");
	char dirs[4096];
	snprintf(dirs, sizeof(dirs), "%s:/usr/sbin:/usr/local/sbin", path ? path : "/usr/bin:/bin");
	for (char *save = NULL, *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		snprintf(out, PATH_MAX, "%s/%s", d, name);
		if (access(out, X_OK) == 0)
			return true;
	}
	char pattern[256];
	glob_t g;
	int best = -1;
	snprintf(pattern, sizeof(pattern), "/usr/lib/postgresql/*/bin/%s", name);
	if (glob(pattern, 0, NULL, &g) == 0) {
		for (size_t i = 0; i < g.gl_pathc; i++) {
			int v = 0;
			for (const char *p = g.gl_pathv[i] + 20; *p >= '0' && *p <= '9'; p++)
				v = v * 10 + (*p - '0');
			if (v > best) {
				best = v;
				snprintf(out, PATH_MAX, "%s", g.gl_pathv[i]);
			}
		}
		globfree(&g);
	}
	return best >= 0;
}

/* A private folder for the server, owned by user (when we are root) or by us. */
TEST_HELPER int srv_init(struct srv *s, const char *user)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->dir, sizeof(s->dir), "%s/srv", test_dir);
	if (mkdir(s->dir, 0755) < 0)
		return -1;
	struct passwd *pw = getpwuid(geteuid());
	if (geteuid() == 0) {
		pw = getpwnam(user);
		if (!pw)
			pw = getpwnam("nobody");
		if (!pw)
			return -1;
		s->switch_user = true;
		/* the test folder is 0700: let the user through to its own */
		if (chmod(test_dir, 0755) < 0 || chown(s->dir, pw->pw_uid, pw->pw_gid) < 0)
			return -1;
	}
	if (!pw)
		return -1;
	snprintf(s->user, sizeof(s->user), "%s", pw->pw_name);
	s->uid = pw->pw_uid;
	s->gid = pw->pw_gid;
	return 0;
}

/* The child's side: fds in place, become the user, exec. */
TEST_HELPER void srv_child(const struct srv *s, char *const argv[], int in_fd, int out_fd)
{
	if (dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(out_fd, 2) < 0)
		_exit(126);
	if (s->switch_user && (setgroups(0, NULL) < 0 || setgid(s->gid) < 0 || setuid(s->uid) < 0))
		_exit(126);
	prctl(PR_SET_PDEATHSIG,
	      SIGTERM);		    /* a test that dies takes its server along (set after setuid, which clears it) */
	setenv("USER", s->user, 1); /* what the tools take for "who am I" */
	setenv("LOGNAME", s->user, 1);
	setenv("HOME", s->dir, 1);
	unsetenv("MALLOC_PERTURB_"); /* meson's, which slows a server tenfold; it is not under test */
	if (chdir(s->dir) < 0)
		_exit(126);
	execv(argv[0], argv);
	_exit(127);
}

/* Runs argv as the user, stdin from stdin_path (opened by us, so it may be ours alone)
 * or /dev/null; stdout and stderr into *out (the caller frees; trailing newlines cut).
 * Its exit status. */
TEST_HELPER int srv_run(const struct srv *s, char *const argv[], const char *stdin_path, char **out)
{
	int p[2], status;
	int in_fd = open(stdin_path ? stdin_path : "/dev/null", O_RDONLY | O_CLOEXEC);
	if (in_fd < 0 || pipe2(p, O_CLOEXEC) < 0)
		fail_msg("cannot prepare to run %s", argv[0]);
	pid_t pid = fork();
	if (pid == 0)
		srv_child(s, argv, in_fd, p[1]);
	close(p[1]);
	close(in_fd);
	size_t len = 0, cap = 1 << 16;
	char *buf = malloc(cap + 1);
	ssize_t n;
	while ((n = read(p[0], buf + len, cap - len)) > 0 || (n < 0 && errno == EINTR)) {
		if (n > 0)
			len += (size_t)n;
		if (len == cap && cap < (64u << 20)) {
			cap *= 2;
			buf = realloc(buf, cap + 1);
		}
	}
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	while (len && buf[len - 1] == '\n')
		len--;
	buf[len] = '\0';
	if (out)
		*out = buf;
	else
		free(buf);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Starts argv as the user in the background, its output into log_path. */
TEST_HELPER pid_t srv_spawn(const struct srv *s, char *const argv[], const char *log_path)
{
	int in_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int log_fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (in_fd < 0 || log_fd < 0)
		fail_msg("cannot open '%s'", log_path);
	pid_t pid = fork();
	if (pid == 0)
		srv_child(s, argv, in_fd, log_fd);
	close(in_fd);
	close(log_fd);
	return pid;
}

/* Stops a child with sig, SIGKILL after 30 s. */
TEST_HELPER void srv_stop(pid_t pid, int sig)
{
	int status;
	if (pid <= 0)
		return;
	kill(pid, sig);
	for (int i = 0; i < 3000; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
}

/* True once the child has exited (reaped). */
TEST_HELPER bool srv_exited(pid_t pid)
{
	int status;
	return waitpid(pid, &status, WNOHANG) == pid;
}

/* Prints the end of a file (a server's log) to stderr, for a failure's context. */
TEST_HELPER void srv_show(const char *path)
{
	char *text = NULL;
	size_t len;
	if (fs_read_file(path, 16 << 20, &text, &len) == 0)
		fprintf(stderr, "--- the end of %s\n%s\n---\n", path, len > 3000 ? text + len - 3000 : text);
	free(text);
}

#endif
