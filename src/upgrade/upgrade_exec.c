/*
 * upgrade_exec.c: the agent's side of an upgrade job on one machine: pre-checks (disk
 * space, dpkg healthy and unlocked, the versions the plan expects, the old versions
 * still to be had, the plan's compatibility tests), apt-get with the exact versions,
 * post-checks, and on failure a rollback to the old versions. Every step is reported.
 * With a root other than "/" every command runs chrooted there.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "core/conn.h"
#include "core/err.h"
#include "core/fs.h"
#include "core/httpc.h"
#include "core/proc.h"
#include "core/timeutil.h"
#include "inventory/inventory.h"
#include "upgrade/upgrade.h"

#define ARGV_MAX (UPGRADE_PACKAGES_MAX + 16)

struct exec {
	const char *root;
	const json_t *packages; /* [{"name", "from", "to"}] */
	json_t *steps;
	bool chroot;
};

static double now_s(void)
{
	return (double)time_mono_us() / 1e6;
}

/* The last UPGRADE_OUTPUT_MAX bytes of out, as a JSON string. */
static json_t *excerpt(const char *out)
{
	size_t n = out ? strlen(out) : 0;
	const char *p = out ? out : "";
	if (n > UPGRADE_OUTPUT_MAX) {
		p += n - UPGRADE_OUTPUT_MAX;
		while ((*p & 0xC0) == 0x80)
			p++;
	}
	return inv_string(p);
}

static bool step(struct exec *x, const char *name, const char *phase, bool ok, const char *output, double t0)
{
	json_array_append_new(x->steps,
			      json_pack("{s:s, s:s, s:s, s:o, s:f}", "name", name, "phase", phase, "status",
					ok ? "passed" : "failed", "output", excerpt(output), "seconds", now_s() - t0));
	return ok;
}

/* Runs argv in the machine (chrooted when the root is not "/"). */
static int run(struct exec *x, char *const argv[], int timeout_s, struct proc_result *res)
{
	char *full[ARGV_MAX + 3];
	size_t n = 0;
	if (x->chroot) {
		full[n++] = "/usr/sbin/chroot";
		full[n++] = (char *)x->root;
	}
	for (size_t i = 0; argv[i] && n < ARGV_MAX + 2; i++)
		full[n++] = argv[i];
	full[n] = NULL;
	return proc_run(full, 256 * 1024, timeout_s * 1000, true, res);
}

/* Runs a shell command in the machine: ok when it exits 0. */
static bool run_ok(struct exec *x, char *const argv[], int timeout_s, char **ret_out)
{
	struct proc_result res = {0};
	int r = run(x, argv, timeout_s, &res);
	if (r < 0) {
		*ret_out = strdup(err_msg(r));
		return false;
	}
	if (res.timed_out) {
		char *m = NULL;
		if (asprintf(&m, "%s\n(timed out after %d s)", res.output ? res.output : "", timeout_s) < 0)
			m = NULL;
		free(res.output);
		*ret_out = m;
		return false;
	}
	if (res.exit_code != 0 && (!res.output || !*res.output)) {
		/* a silent failure still says how it failed */
		free(res.output);
		if (asprintf(ret_out, "exit status %d", res.exit_code) < 0)
			*ret_out = NULL;
		return false;
	}
	*ret_out = res.output;
	return res.exit_code == 0;
}

/* --- versions --- */

/* The installed version of each plan package: {"name": "version" | null}. */
static json_t *installed(struct exec *x)
{
	json_t *out = json_object(), *p;
	size_t i;
	json_array_foreach(x->packages, i, p)
	{
		const char *name = json_string_value(json_object_get(p, "name"));
		char *argv[] = {"/usr/bin/dpkg-query", "-W", "-f=${db:Status-Abbrev}${Version}", (char *)name, NULL},
		     *o = NULL;
		bool ok = run_ok(x, argv, 30, &o);
		/* "ii " then the version when installed; "un " or an error otherwise */
		if (ok && o && strncmp(o, "ii", 2) == 0 && strlen(o) > 3)
			json_object_set_new(out, name, json_string(o + 3));
		else
			json_object_set_new(out, name, json_null());
		free(o);
	}
	return out;
}

/* --- pre-checks --- */

static bool check_disk(struct exec *x, int64_t min_mb)
{
	static const char *const dirs[] = {"var/cache/apt/archives", "."};
	char path[4200], msg[1024] = "";
	size_t used = 0;
	bool ok = true;
	double t0 = now_s();
	for (size_t i = 0; i < 2; i++) {
		struct statvfs v;
		if (fs_join(path, sizeof(path), x->root, dirs[i]) < 0 || statvfs(path, &v) < 0) {
			used += (size_t)snprintf(msg + used, sizeof(msg) - used, "cannot read free space of /%s\n",
						 dirs[i]);
			ok = false;
			continue;
		}
		int64_t mb = (int64_t)((unsigned long long)v.f_bavail * v.f_frsize / (1024 * 1024));
		if (mb < min_mb)
			ok = false;
		used += (size_t)snprintf(msg + used, sizeof(msg) - used, "/%s: %lld MiB free (%lld needed)\n",
					 i ? "" : dirs[i], (long long)mb, (long long)min_mb);
		if (used >= sizeof(msg))
			break;
	}
	return step(x, "disk space", "pre", ok, msg, t0);
}

static bool check_dpkg(struct exec *x)
{
	double t0 = now_s();
	char *argv[] = {"/usr/bin/dpkg", "--audit", NULL}, *o = NULL;
	bool ok = run_ok(x, argv, 60, &o);
	if (ok && o && *o)
		ok = false; /* dpkg --audit lists half-installed or unconfigured packages */
	bool r = step(x, "dpkg audit", "pre", ok, ok ? "no broken packages" : o, t0);
	free(o);
	if (!r)
		return false;
	/* The locks apt and dpkg take: someone holding one means an upgrade is under way. */
	static const char *const locks[] = {"var/lib/dpkg/lock-frontend", "var/lib/dpkg/lock"};
	char path[4200], msg[512] = "dpkg is not locked";
	t0 = now_s();
	ok = true;
	for (size_t i = 0; i < 2 && ok; i++) {
		if (fs_join(path, sizeof(path), x->root, locks[i]) < 0)
			continue;
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
		if (fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK) {
			snprintf(msg, sizeof(msg), "/%s is held by process %d: another apt or dpkg is running",
				 locks[i], (int)fl.l_pid);
			ok = false;
		}
		close(fd);
	}
	return step(x, "dpkg lock", "pre", ok, msg, t0);
}

/* The installed versions are those the plan was made for. */
static bool check_versions(struct exec *x, const json_t *before)
{
	char msg[2048] = "";
	size_t used = 0, i;
	bool ok = true;
	double t0 = now_s();
	json_t *p;
	json_array_foreach(x->packages, i, p)
	{
		const char *name = json_string_value(json_object_get(p, "name"));
		const char *from = json_string_value(json_object_get(p, "from"));
		const char *have = json_string_value(json_object_get(before, name));
		bool same = have && from && strcmp(have, from) == 0;
		ok = ok && same;
		if (used < sizeof(msg))
			used += (size_t)snprintf(msg + used, sizeof(msg) - used, "%s: %s installed, plan expects %s\n",
						 name, have ? have : "not", from ? from : "?");
	}
	return step(x, "installed versions", "pre", ok, msg, t0);
}

/* Each old version can be had again: an archive offers it (apt-cache show), or apt's
 * cache holds its .deb. */
static bool check_rollback(struct exec *x, bool allow_missing)
{
	char msg[4096] = "";
	size_t used = 0, i;
	bool ok = true;
	double t0 = now_s();
	json_t *p;
	json_array_foreach(x->packages, i, p)
	{
		const char *name = json_string_value(json_object_get(p, "name"));
		const char *from = json_string_value(json_object_get(p, "from"));
		char spec[600], *o = NULL;
		snprintf(spec, sizeof(spec), "%s=%s", name, from ? from : "");
		char *argv[] = {"/usr/bin/apt-cache", "show", "-q", spec, NULL};
		bool have = run_ok(x, argv, 60, &o);
		free(o);
		ok = ok && have;
		if (used < sizeof(msg))
			used += (size_t)snprintf(msg + used, sizeof(msg) - used, "%s %s: %s\n", name, from ? from : "?",
						 have ? "can be reinstalled" : "can no longer be had");
	}
	if (!ok && allow_missing && used < sizeof(msg))
		snprintf(msg + used, sizeof(msg) - used, "the plan allows running without a rollback\n");
	return step(x, "rollback available", "pre", ok || allow_missing, msg, t0);
}

/* --- compatibility tests --- */

static bool http_probe(const char *url, int want, char *msg, size_t size)
{
	const char *rest;
	bool tls = false;
	if (strncmp(url, "http://", 7) == 0) {
		rest = url + 7;
	} else if (strncmp(url, "https://", 8) == 0) {
		rest = url + 8;
		tls = true;
	} else {
		snprintf(msg, size, "'%s' is not an http:// or https:// URL", url);
		return false;
	}
	char host[256], port[8], path[1024];
	size_t hl = strcspn(rest, ":/");
	if (hl == 0 || hl >= sizeof(host)) {
		snprintf(msg, size, "'%s' has no valid host", url);
		return false;
	}
	memcpy(host, rest, hl);
	host[hl] = '\0';
	rest += hl;
	snprintf(port, sizeof(port), "%s", tls ? "443" : "80");
	if (*rest == ':') {
		size_t pl = strcspn(rest + 1, "/");
		if (pl == 0 || pl >= sizeof(port)) {
			snprintf(msg, size, "'%s' has no valid port", url);
			return false;
		}
		memcpy(port, rest + 1, pl);
		port[pl] = '\0';
		rest += 1 + pl;
	}
	snprintf(path, sizeof(path), "%s", *rest ? rest : "/");
	int64_t deadline = time_mono_us() + (int64_t)UPGRADE_TEST_TIMEOUT * 1000000;
	struct conn_tls t = {0};
	struct conn *c = NULL;
	char req[1400], *buf = NULL;
	size_t len = 0, cap = 0;
	bool ok = false;
	int r = conn_open(host, port, tls ? &t : NULL, deadline, &c);
	if (r < 0) {
		snprintf(msg, size, "%s", err_msg(r));
		return false;
	}
	int n =
	    snprintf(req, sizeof(req),
		     "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: ward-agent\r\nConnection: close\r\n\r\n", path, host);
	if ((r = conn_write(c, req, (size_t)n, deadline)) < 0) {
		snprintf(msg, size, "%s", err_msg(r));
		goto out;
	}
	for (;;) {
		if (len + 4096 > cap) {
			if (cap >= 1024 * 1024)
				break;
			char *nb = realloc(buf, cap = cap ? cap * 2 : 8192);
			if (!nb)
				break;
			buf = nb;
		}
		ssize_t got = conn_read(c, buf + len, cap - len, deadline);
		if (got <= 0) {
			if (got < 0 && len == 0) {
				snprintf(msg, size, "%s", err_msg((int)got));
				goto out;
			}
			break;
		}
		len += (size_t)got;
	}
	struct httpc_response resp;
	if (!buf || (r = httpc_response_parse(buf, len, true, 1024 * 1024, &resp)) < 0) {
		snprintf(msg, size, "no valid HTTP answer from %s", url);
		goto out;
	}
	ok = resp.status == want;
	snprintf(msg, size, "%s answered %d (%d expected)", url, resp.status, want);
	httpc_response_free(&resp);
out:
	free(buf);
	conn_close(c);
	return ok;
}

static bool tcp_probe(const char *host, int64_t port, char *msg, size_t size)
{
	char p[16];
	struct conn *c = NULL;
	snprintf(p, sizeof(p), "%lld", (long long)port);
	int r = conn_open(host, p, NULL, time_mono_us() + 10 * 1000000LL, &c);
	if (r < 0) {
		snprintf(msg, size, "%s", err_msg(r));
		return false;
	}
	conn_close(c);
	snprintf(msg, size, "connected to %s port %lld", host, (long long)port);
	return true;
}

/* One test, named "<phase>: <name>". */
static bool run_test(struct exec *x, const json_t *t, const char *phase)
{
	const char *kind = json_string_value(json_object_get(t, "kind"));
	const char *tname = json_string_value(json_object_get(t, "name"));
	const char *cmd = json_string_value(json_object_get(t, "command"));
	char name[300], msg[1024] = "", *o = NULL;
	double t0 = now_s();
	bool ok = false;
	snprintf(name, sizeof(name), "test %s", tname ? tname : kind ? kind : "?");
	if (kind && strcmp(kind, "command") == 0) {
		char *argv[] = {"/bin/sh", "-c", (char *)(cmd ? cmd : "false"), NULL};
		ok = run_ok(x, argv, UPGRADE_TEST_TIMEOUT, &o);
	} else if (kind && strcmp(kind, "service") == 0) {
		const char *unit = json_string_value(json_object_get(t, "unit"));
		char sd[4200];
		struct stat st;
		bool systemd = fs_join(sd, sizeof(sd), x->root, "run/systemd/system") == 0 && stat(sd, &st) == 0;
		if (systemd) {
			char *argv[] = {"/usr/bin/systemctl", "is-active", "--quiet", (char *)(unit ? unit : ""), NULL};
			ok = run_ok(x, argv, UPGRADE_TEST_TIMEOUT, &o);
			if (!o || !*o) {
				free(o);
				o = NULL;
				snprintf(msg, sizeof(msg), "%s is %s", unit ? unit : "?", ok ? "active" : "not active");
			}
		} else if (cmd) {
			char *argv[] = {"/bin/sh", "-c", (char *)cmd, NULL};
			ok = run_ok(x, argv, UPGRADE_TEST_TIMEOUT, &o);
		} else {
			snprintf(msg, sizeof(msg),
				 "systemd does not run here and the test has no command to ask instead");
		}
	} else if (kind && strcmp(kind, "http") == 0) {
		json_t *w = json_object_get(t, "status");
		ok = http_probe(json_string_value(json_object_get(t, "url")), w ? (int)json_integer_value(w) : 200, msg,
				sizeof(msg));
	} else if (kind && strcmp(kind, "tcp") == 0) {
		ok = tcp_probe(json_string_value(json_object_get(t, "host")),
			       json_integer_value(json_object_get(t, "port")), msg, sizeof(msg));
	} else {
		snprintf(msg, sizeof(msg), "unknown test kind '%s'", kind ? kind : "");
	}
	bool r = step(x, name, phase, ok, o ? o : msg, t0);
	free(o);
	return r;
}

static bool run_tests(struct exec *x, const json_t *tests, const char *phase, char *failed, size_t size)
{
	size_t i;
	json_t *t;
	bool all = true;
	json_array_foreach(tests, i, t) if (!run_test(x, t, phase) && all)
	{
		all = false;
		json_t *last = json_array_get(x->steps, json_array_size(x->steps) - 1);
		snprintf(failed, size, "%s-check '%s' failed", phase,
			 json_string_value(json_object_get(last, "name")) + 5 /* "test " */);
	}
	return all;
}

/* --- apt-get --- */

/* apt-get install, non-interactive, keeping changed configuration files, with
 * name=version for each package (key: "to" or "from"). */
static bool apt_install(struct exec *x, const char *key, const char *name, const char *phase)
{
	char *argv[ARGV_MAX], *specs[UPGRADE_PACKAGES_MAX] = {0}, *o = NULL;
	size_t n = 0, ns = 0, i;
	json_t *p;
	double t0 = now_s();
	argv[n++] = "/usr/bin/env";
	argv[n++] = "DEBIAN_FRONTEND=noninteractive";
	argv[n++] = "/usr/bin/apt-get";
	argv[n++] = "install";
	argv[n++] = "-y";
	argv[n++] = "-q";
	argv[n++] = "--no-install-recommends";
	argv[n++] = "-o";
	argv[n++] = "Dpkg::Options::=--force-confold";
	if (strcmp(key, "from") == 0)
		argv[n++] = "--allow-downgrades";
	json_array_foreach(x->packages, i, p)
	{
		if (ns >= UPGRADE_PACKAGES_MAX)
			break;
		if (asprintf(&specs[ns], "%s=%s", json_string_value(json_object_get(p, "name")),
			     json_string_value(json_object_get(p, key))) < 0) {
			specs[ns] = NULL;
			break;
		}
		argv[n++] = specs[ns++];
	}
	argv[n] = NULL;
	bool ok = run_ok(x, argv, UPGRADE_APT_TIMEOUT, &o);
	step(x, name, phase, ok, o, t0);
	free(o);
	for (i = 0; i < ns; i++)
		free(specs[i]);
	return ok;
}

/* Every package is at its "key" version. */
static bool versions_are(const json_t *packages, const json_t *have, const char *key)
{
	size_t i;
	json_t *p;
	json_array_foreach(packages, i, p)
	{
		const char *v = json_string_value(json_object_get(have, json_string_value(json_object_get(p, "name"))));
		const char *want = json_string_value(json_object_get(p, key));
		if (!v || !want || strcmp(v, want) != 0)
			return false;
	}
	return true;
}

/* A job queued in a maintenance window runs only until the window's end (not_after,
 * Unix time; absent: any time). */
static bool check_window(struct exec *x, const json_t *not_after)
{
	char msg[128], end[TIME_ISO_LEN];
	double t0 = now_s();
	if (!json_is_integer(not_after))
		return true;
	time_iso(json_integer_value(not_after), end);
	bool ok = time_now() < json_integer_value(not_after);
	snprintf(msg, sizeof(msg), "the maintenance window %s at %s", ok ? "is open until" : "closed", end);
	return step(x, "maintenance window", "pre", ok, msg, t0);
}

int upgrade_exec(const json_t *params, const char *root, json_t **ret)
{
	int r = upgrade_params_check(params);
	if (r < 0)
		return r;
	struct exec x = {
	    .root = root && *root ? root : "/", .packages = json_object_get(params, "packages"), .steps = json_array()};
	x.chroot = strcmp(x.root, "/") != 0;
	const json_t *tests = json_object_get(params, "tests");
	json_t *mf = json_object_get(params, "min_free_mb");
	bool allow = json_is_true(json_object_get(params, "allow_no_rollback"));
	char reason[600] = "";
	const char *status = "passed", *phase = "post";
	json_t *before = installed(&x), *after = NULL;

	/* pre-checks: stop at the first that fails; nothing has changed yet */
	phase = "pre";
	if (!check_window(&x, json_object_get(params, "not_after")))
		snprintf(reason, sizeof(reason), "the maintenance window closed before the job started");
	else if (!check_disk(&x, mf ? json_integer_value(mf) : UPGRADE_MIN_FREE_DEFAULT))
		snprintf(reason, sizeof(reason), "not enough disk space");
	else if (!check_dpkg(&x))
		snprintf(reason, sizeof(reason), "the package manager is not healthy");
	else if (!check_versions(&x, before))
		snprintf(reason, sizeof(reason), "the installed versions are not those the plan was made for");
	else if (!check_rollback(&x, allow))
		snprintf(reason, sizeof(reason), "an old version can no longer be had for a rollback");
	else
		run_tests(&x, tests, "pre", reason, sizeof(reason));
	if (*reason) {
		status = "failed";
		goto out;
	}
	phase = "install";
	if (!apt_install(&x, "to", "install", "install")) {
		snprintf(reason, sizeof(reason), "apt-get install failed");
	} else {
		phase = "post";
		json_t *now = installed(&x);
		bool at = versions_are(x.packages, now, "to");
		json_decref(now);
		double t0 = now_s();
		if (!step(&x, "new versions installed", "post", at,
			  at ? "every package is at its planned version"
			     : "a package is not at its planned version after apt-get",
			  t0))
			snprintf(reason, sizeof(reason), "a package is not at its planned version after apt-get");
		else
			run_tests(&x, tests, "post", reason, sizeof(reason));
	}
	if (!*reason)
		goto out;
	/* rollback to the versions before */
	status = "rolled-back";
	apt_install(&x, "from", "rollback", "rollback");
	json_t *now = installed(&x);
	bool back = versions_are(x.packages, now, "from");
	json_decref(now);
	double t0 = now_s();
	if (!step(&x, "old versions back", "rollback", back,
		  back ? "every package is back at its version before the run"
		       : "a package is not back at its old version",
		  t0))
		status = "rollback-failed";
	else
		run_tests(&x, tests, "rollback", (char[600]){0}, 600);
out:
	after = installed(&x);
	json_t *versions = json_array(), *p;
	size_t i;
	json_array_foreach(x.packages, i, p)
	{
		const char *name = json_string_value(json_object_get(p, "name"));
		json_array_append_new(versions, json_pack("{s:s, s:O, s:O, s:O, s:O}", "name", name, "from",
							  json_object_get(p, "from"), "to", json_object_get(p, "to"),
							  "before", json_object_get(before, name) ?: json_null(),
							  "after", json_object_get(after, name) ?: json_null()));
	}
	*ret = json_pack("{s:s, s:s, s:s, s:o, s:o}", "status", status, "phase", phase, "reason", reason, "steps",
			 x.steps, "versions", versions);
	json_decref(before);
	json_decref(after);
	return *ret ? 0 : -ENOMEM;
}
