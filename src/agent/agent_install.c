/*
 * agent_install.c: the "install" job kind: a software request's packages installed
 * with apt-get (DEBIAN_FRONTEND=noninteractive, existing configuration files kept),
 * and the versions dpkg then has, reported back to the server.
 */
#include "agent/agent_install.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog.h"
#include "core/err.h"
#include "core/proc.h"
#include "jobs/jobs.h"

#define ARGV_MAX (CATALOG_PACKAGES_MAX + 24)
#define UPDATE_OUTPUT_MAX (8 * 1024) /* of apt-get update's output kept */

/* Appends "$ what\n" and text to out (size JOBS_OUTPUT_MAX + 1), keeping text's end
 * when it does not fit. */
static void out_add(char *out, size_t *len, const char *what, const char *text, size_t max)
{
	size_t room = JOBS_OUTPUT_MAX - *len, n = text ? strlen(text) : 0;
	int k = snprintf(out + *len, room + 1, "$ %s\n", what);
	if (k < 0 || (size_t)k > room)
		return;
	*len += (size_t)k;
	room -= (size_t)k;
	if (max > room)
		max = room;
	if (n > max) {
		text += n - max;
		n = max;
	}
	memcpy(out + *len, text, n);
	*len += n;
	if (*len && out[*len - 1] != '\n' && *len < JOBS_OUTPUT_MAX)
		out[(*len)++] = '\n';
	out[*len] = '\0';
}

/* argv for a program under root: chroot ROOT when root is not "/", with a fixed
 * environment (dpkg wants the sbin directories in PATH). Returns the next index. */
static int argv_prefix(char *argv[], const char *root)
{
	int n = 0;
	if (root && strcmp(root, "/") != 0) {
		argv[n++] = "/usr/sbin/chroot";
		argv[n++] = (char *)root;
	}
	argv[n++] = "/usr/bin/env";
	argv[n++] = "-i";
	argv[n++] = "DEBIAN_FRONTEND=noninteractive";
	argv[n++] = "LC_ALL=C";
	argv[n++] = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	return n;
}

int agent_install(const char *root, const json_t *params, struct agent_install_result *ret)
{
	json_t *pk = json_object_get(params, "packages"), *v, *installed = NULL, *missing = NULL;
	char *argv[ARGV_MAX], *specs[CATALOG_PACKAGES_MAX] = {0}, *out = NULL;
	const char *names[CATALOG_PACKAGES_MAX] = {0}, *versions[CATALOG_PACKAGES_MAX] = {0};
	json_int_t timeout = json_integer_value(json_object_get(params, "timeout"));
	struct proc_result res = {0};
	size_t i, npk = json_array_size(pk), len = 0;
	bool timed_out = false;
	int r = 0, n, exit_code = 0;
	if (!json_is_array(pk) || npk < 1 || npk > CATALOG_PACKAGES_MAX)
		return err_set(-EINVAL, "an install job needs 1 to %d packages", CATALOG_PACKAGES_MAX);
	if (timeout < 1 || timeout > JOBS_TIMEOUT_MAX)
		timeout = CATALOG_INSTALL_TIMEOUT;
	json_array_foreach(pk, i, v)
	{
		names[i] = json_string_value(json_object_get(v, "name"));
		versions[i] = json_string_value(json_object_get(v, "version"));
		/* Signed by the server, and still checked: a name must never read as an option. */
		if ((r = catalog_check_package(names[i], versions[i])) < 0)
			goto out;
		if (asprintf(&specs[i], "%s%s%s", names[i], versions[i] ? "=" : "", versions[i] ? versions[i] : "") <
		    0) {
			specs[i] = NULL;
			r = -ENOMEM;
			goto out;
		}
	}
	if (!(out = malloc(JOBS_OUTPUT_MAX + 1)) || !(installed = json_array()) || !(missing = json_array())) {
		r = -ENOMEM;
		goto out;
	}
	out[0] = '\0';
	/* Fresh lists first; a failure here is reported, and the install tried anyway
	 * with the lists there are. */
	n = argv_prefix(argv, root);
	argv[n++] = "/usr/bin/apt-get";
	argv[n++] = "-q";
	argv[n++] = "update";
	argv[n] = NULL;
	if ((r = proc_run(argv, UPDATE_OUTPUT_MAX * 4, (int)timeout * 1000, true, &res)) < 0)
		goto out;
	out_add(out, &len, "apt-get update", res.output, UPDATE_OUTPUT_MAX);
	timed_out = res.timed_out;
	free(res.output);
	res.output = NULL;
	n = argv_prefix(argv, root);
	argv[n++] = "/usr/bin/apt-get";
	argv[n++] = "-q";
	argv[n++] = "-y";
	argv[n++] = "-o";
	argv[n++] = "Dpkg::Options::=--force-confdef";
	argv[n++] = "-o";
	argv[n++] = "Dpkg::Options::=--force-confold";
	argv[n++] = "install";
	for (i = 0; i < npk; i++)
		argv[n++] = specs[i];
	argv[n] = NULL;
	if ((r = proc_run(argv, JOBS_OUTPUT_MAX, (int)timeout * 1000, true, &res)) < 0)
		goto out;
	exit_code = res.exit_code;
	timed_out = timed_out || res.timed_out;
	out_add(out, &len, "apt-get install", res.output, JOBS_OUTPUT_MAX);
	free(res.output);
	res.output = NULL;
	/* What dpkg has now, whatever apt-get said. */
	n = argv_prefix(argv, root);
	argv[n++] = "/usr/bin/dpkg-query";
	argv[n++] = "-W";
	argv[n++] = "-f=${Package}\\t${Version}\\t${db:Status-Status}\\n";
	for (i = 0; i < npk; i++)
		argv[n++] = (char *)names[i];
	argv[n] = NULL;
	if ((r = proc_run(argv, 64 * 1024, 60 * 1000, false, &res)) < 0)
		goto out;
	/* "name\tversion\tstatus" lines: the installed ones by name. */
	json_t *have = json_object();
	for (char *line = res.output, *next; have && line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		char *t1 = strchr(line, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
		if (!t2 || strcmp(t2 + 1, "installed") != 0)
			continue;
		*t1 = *t2 = '\0';
		json_object_set_new(have, line, json_string(t1 + 1));
	}
	for (i = 0; i < npk; i++) {
		const char *ver = json_string_value(json_object_get(have, names[i]));
		if (ver)
			json_array_append_new(installed, json_pack("{s:s, s:s}", "name", names[i], "version", ver));
		if (!ver || (versions[i] && strcmp(ver, versions[i]) != 0))
			json_array_append_new(missing, json_string(names[i]));
	}
	json_decref(have);
	ret->output = out;
	ret->exit_code = exit_code;
	ret->failed = exit_code != 0 || timed_out || json_array_size(missing) > 0;
	ret->result = json_pack("{s:o, s:o, s:b}", "installed", installed, "missing", missing, "timed_out", timed_out);
	out = NULL;
	installed = missing = NULL;
	r = ret->result ? 0 : -ENOMEM;
out:
	free(res.output);
	for (i = 0; i < CATALOG_PACKAGES_MAX; i++)
		free(specs[i]);
	free(out);
	json_decref(installed);
	json_decref(missing);
	return r;
}
