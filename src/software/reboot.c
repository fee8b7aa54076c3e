/*
 * reboot.c: what a machine needs after upgrades: a reboot (run/reboot-required, a
 * kernel newer than the running one) and services still mapping shared libraries that
 * an upgrade deleted (see upgrades.h).
 */
#include "software/upgrades.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "core/err.h"
#include "core/fs.h"
#include "core/limits.h"
#include "software/vercmp.h"

#define RB_LIBS_PER_UNIT 20 /* deleted libraries listed per unit */
#define RB_PIDS_PER_UNIT 50 /* pids listed per unit */
#define RB_PKGS_MAX 200	    /* names read from reboot-required.pkgs */

static void rb_warn(json_t *warnings, const char *msg)
{
	json_array_append_new(warnings, json_pack("{s:s, s:s}", "section", "reboot", "message", msg));
}

static void rb_path(char *out, size_t size, const char *root, const char *rel)
{
	snprintf(out, size, "%s/%s", strcmp(root, "/") == 0 ? "" : root, rel);
}

/* The running kernel: uname on a live machine, else proc/sys/kernel/osrelease. */
static void rb_running(const char *root, int live, char *out, size_t size)
{
	struct utsname u;
	char path[4200], *text;
	size_t len;
	out[0] = '\0';
	if (live && uname(&u) == 0) {
		snprintf(out, size, "%s", u.release);
		return;
	}
	rb_path(path, sizeof(path), root, "proc/sys/kernel/osrelease");
	if (fs_read_file(path, 256, &text, &len) == 0) {
		while (len > 0 && isspace((unsigned char)text[len - 1]))
			text[--len] = '\0';
		snprintf(out, size, "%s", text);
		free(text);
	}
}

/* The newest boot/vmlinuz-VERSION, and whether the running one is among them. */
static void rb_kernels(const char *root, const char *running, char *newest, size_t size, bool *ret_running_there)
{
	char path[4200];
	DIR *d;
	struct dirent *e;
	newest[0] = '\0';
	*ret_running_there = false;
	rb_path(path, sizeof(path), root, "boot");
	if (!(d = opendir(path)))
		return;
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, "vmlinuz-", 8) != 0 || !e->d_name[8] || strlen(e->d_name + 8) >= size)
			continue;
		const char *v = e->d_name + 8;
		if (strcmp(v, running) == 0)
			*ret_running_there = true;
		if (!newest[0] || vercmp(v, newest) > 0)
			snprintf(newest, size, "%s", v);
	}
	closedir(d);
}

/* The systemd unit a process belongs to, from its cgroup: the last path component
 * that is a unit (nginx.service, session-2.scope); "" when none. */
static void rb_unit(const char *root, const char *pid, char *out, size_t size)
{
	char path[4200], line[1024];
	out[0] = '\0';
	snprintf(path, sizeof(path), "%s/proc/%s/cgroup", strcmp(root, "/") == 0 ? "" : root, pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		/* cgroup v2 ("0::/path") or v1's name=systemd hierarchy. */
		char *p = strstr(line, "::/");
		if (!p) {
			p = strstr(line, ":name=systemd:/");
			if (p)
				p += 13;
		} else {
			p += 2;
		}
		if (!p)
			continue;
		p[strcspn(p, "\n")] = '\0';
		char *best = NULL;
		char *save = NULL;
		for (char *tok = strtok_r(p, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
			size_t n = strlen(tok);
			if ((n > 8 && strcmp(tok + n - 8, ".service") == 0) || (n > 6 && strcmp(tok + n - 6, ".scope") == 0))
				best = tok;
		}
		if (best) {
			snprintf(out, size, "%s", best);
			break;
		}
	}
	fclose(f);
}

/* Appends s to the array a unless it is there or a holds max already. */
static void rb_add_unique(json_t *a, const char *s, size_t max)
{
	size_t i;
	json_t *x;
	json_array_foreach(a, i, x) if (strcmp(json_string_value(x), s) == 0) return;
	if (json_array_size(a) < max)
		json_array_append_new(a, json_string(s));
}

/* The deleted shared libraries process pid maps, added to libs; 0, or -errno when its
 * maps cannot be read. */
static int rb_deleted_libs(const char *root, const char *pid, json_t *libs)
{
	char path[4200], line[4096 + 64];
	size_t read_bytes = 0;
	snprintf(path, sizeof(path), "%s/proc/%s/maps", strcmp(root, "/") == 0 ? "" : root, pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f) && read_bytes < WARD_REBOOT_MAPS_MAX) {
		size_t n = strlen(line);
		read_bytes += n;
		while (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		if (n < 11 || strcmp(line + n - 10, " (deleted)") != 0)
			continue;
		line[n - 10] = '\0';
		char *file = strchr(line, '/');
		if (!file || !strstr(file, ".so") || strncmp(file, "/memfd:", 7) == 0 || strncmp(file, "/dev/", 5) == 0 ||
		    strncmp(file, "/SYSV", 5) == 0)
			continue;
		/* A library replaced by dpkg shows as deleted (dpkg renames the new file over it). */
		rb_add_unique(libs, file, RB_LIBS_PER_UNIT);
	}
	fclose(f);
	return 0;
}

/* A /proc entry's name, all digits, as a number. */
static json_int_t rb_pid(const char *s)
{
	json_int_t v = 0;
	for (; *s >= '0' && *s <= '9' && v < ((json_int_t)1 << 40); s++)
		v = v * 10 + (*s - '0');
	return v;
}

static int rb_services(const char *root, json_t *warnings, json_t *services)
{
	char dir[4200];
	DIR *d;
	struct dirent *e;
	size_t n = 0, unreadable = 0;
	json_t *by_unit = json_object();
	if (!by_unit)
		return -ENOMEM;
	rb_path(dir, sizeof(dir), root, "proc");
	if (!(d = opendir(dir))) {
		json_decref(by_unit);
		return 0;
	}
	while ((e = readdir(d)) && n < WARD_REBOOT_PROCS_MAX) {
		if (!isdigit((unsigned char)e->d_name[0]) || strspn(e->d_name, "0123456789") != strlen(e->d_name))
			continue;
		n++;
		json_t *libs = json_array();
		if (!libs)
			break;
		int lr = rb_deleted_libs(root, e->d_name, libs);
		if (lr == -EACCES || lr == -EPERM)
			unreadable++;
		if (json_array_size(libs) > 0) {
			char unit[256];
			rb_unit(root, e->d_name, unit, sizeof(unit));
			if (!unit[0])
				snprintf(unit, sizeof(unit), "pid:%.200s", e->d_name); /* all digits */
			json_t *u = json_object_get(by_unit, unit);
			if (!u) {
				u = json_pack("{s:s, s:[], s:[]}", "unit", unit, "pids", "libraries");
				json_object_set_new(by_unit, unit, u);
			}
			json_t *pids = json_object_get(u, "pids"), *ul = json_object_get(u, "libraries");
			if (json_array_size(pids) < RB_PIDS_PER_UNIT)
				json_array_append_new(pids, json_integer(rb_pid(e->d_name)));
			size_t i;
			json_t *l;
			json_array_foreach(libs, i, l) rb_add_unique(ul, json_string_value(l), RB_LIBS_PER_UNIT);
		}
		json_decref(libs);
	}
	closedir(d);
	if (unreadable > 0 && unreadable == n)
		rb_warn(warnings, "no process's memory maps could be read (run as root to see services using deleted "
				  "libraries)");
	/* By unit name, pids ascending: the same machine gives the same text. */
	const char **keys = calloc(json_object_size(by_unit) + 1, sizeof(*keys));
	size_t k = 0;
	const char *key;
	json_t *v;
	json_object_foreach(by_unit, key, v) if (keys) keys[k++] = key;
	for (size_t i = 1; keys && i < k; i++)
		for (size_t j = i; j > 0 && strcmp(keys[j - 1], keys[j]) > 0; j--) {
			const char *t = keys[j];
			keys[j] = keys[j - 1];
			keys[j - 1] = t;
		}
	for (size_t i = 0; keys && i < k; i++) {
		json_t *u = json_object_get(by_unit, keys[i]);
		json_t *pids = json_object_get(u, "pids");
		size_t np = json_array_size(pids);
		for (size_t a = 1; a < np; a++)
			for (size_t b = a; b > 0 && json_integer_value(json_array_get(pids, b - 1)) >
							 json_integer_value(json_array_get(pids, b));
			     b--) {
				json_t *t = json_incref(json_array_get(pids, b));
				json_array_set(pids, b, json_array_get(pids, b - 1));
				json_array_set_new(pids, b - 1, t);
			}
		json_array_append(services, u);
	}
	free(keys);
	json_decref(by_unit);
	return 0;
}

int reboot_needs(const char *root, int live, json_t *warnings, json_t **ret)
{
	char path[4200], running[256], newest[256], msg[600];
	struct stat st;
	bool running_there;
	json_t *reasons = json_array(), *pkgs = json_array(), *services = json_array();
	int r = 0;
	if (!reasons || !pkgs || !services) {
		r = -ENOMEM;
		goto out;
	}
	rb_path(path, sizeof(path), root, "run/reboot-required");
	if (stat(path, &st) == 0) {
		char *text;
		size_t len;
		json_array_append_new(reasons, json_string("/run/reboot-required exists"));
		rb_path(path, sizeof(path), root, "run/reboot-required.pkgs");
		if (fs_read_file(path, 64 * 1024, &text, &len) == 0) {
			char *save = NULL;
			for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
				if (*line)
					rb_add_unique(pkgs, line, RB_PKGS_MAX);
			free(text);
		}
	}
	rb_running(root, live, running, sizeof(running));
	rb_kernels(root, running, newest, sizeof(newest), &running_there);
	/* Only when the running kernel booted from this /boot: a container's /boot says
	 * nothing about its host's kernel. */
	if (running[0] && newest[0] && running_there && vercmp(newest, running) > 0) {
		snprintf(msg, sizeof(msg), "kernel %s is installed, %s is running", newest, running);
		json_array_append_new(reasons, json_string(msg));
	}
	if ((r = rb_services(root, warnings, services)) < 0)
		goto out;
	*ret = json_pack("{s:b, s:O, s:O, s:{s:o, s:o}, s:O}", "reboot_required", json_array_size(reasons) > 0,
			 "reasons", reasons, "packages", pkgs, "kernel", "running",
			 running[0] ? json_string(running) : json_null(), "newest_installed",
			 newest[0] ? json_string(newest) : json_null(), "services", services);
	if (!*ret)
		r = -ENOMEM;
out:
	json_decref(reasons);
	json_decref(pkgs);
	json_decref(services);
	return r;
}
