/*
 * hosts_diff.c: what changed on a machine between two reports, section by section:
 * packages installed, removed and upgraded; ports opened and closed; users and groups
 * added and removed; interfaces and addresses changed; disks nearly full; upgrades
 * that became available; a reboot that became needed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hosts/hosts.h"

#define DISK_FULL_PERCENT 90

static int change(json_t *out, const char *kind, const char *subject, const char *old, const char *cur)
{
	json_t *c = json_pack("{s:s, s:s, s:o, s:o}", "kind", kind, "subject", subject, "old",
			      old ? json_string(old) : json_null(), "new", cur ? json_string(cur) : json_null());
	return c && json_array_append_new(out, c) == 0 ? 0 : -ENOMEM;
}

static const char *str(const json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));
	return v ? v : "";
}

/* An index from a key built by keyfn to the item, over an array. */
typedef void (*key_fn)(const json_t *item, char *out, size_t size);

static json_t *index_by(const json_t *arr, key_fn keyfn)
{
	json_t *idx = json_object();
	size_t i;
	json_t *item;
	char key[512];
	json_array_foreach(arr, i, item) {
		keyfn(item, key, sizeof(key));
		if (key[0])
			json_object_set(idx, key, item);
	}
	return idx;
}

static void package_key(const json_t *p, char *out, size_t size)
{
	snprintf(out, size, "%s:%s", str(p, "name"), str(p, "architecture"));
}

static void socket_key(const json_t *p, char *out, size_t size)
{
	json_int_t port = json_integer_value(json_object_get(p, "port"));
	snprintf(out, size, "%s/%lld %s", str(p, "protocol"), (long long)port, str(p, "address"));
}

static void name_key(const json_t *p, char *out, size_t size)
{
	snprintf(out, size, "%s", str(p, "name"));
}

static void mount_key(const json_t *p, char *out, size_t size)
{
	snprintf(out, size, "%s", str(p, "mount_point"));
}

static const json_t *items(const json_t *section, const char *key)
{
	if (!section)
		return NULL;
	if (json_is_array(section))
		return section;
	return json_object_get(section, key);
}

/* Added / removed / changed between two indexed sets. */
static int diff_sets(const json_t *old_arr, const json_t *cur_arr, key_fn keyfn, const char *added,
		     const char *removed, const char *changed, const char *field, json_t *out)
{
	json_t *a = index_by(old_arr, keyfn), *b = index_by(cur_arr, keyfn);
	const char *key;
	json_t *v;
	int r = (a && b) ? 0 : -ENOMEM;
	json_object_foreach(b, key, v) {
		if (r < 0)
			break;
		json_t *o = json_object_get(a, key);
		if (!o)
			r = change(out, added, key, NULL, field ? str(v, field) : NULL);
		else if (changed && field && strcmp(str(o, field), str(v, field)) != 0)
			r = change(out, changed, key, str(o, field), str(v, field));
	}
	json_object_foreach(a, key, v) {
		if (r < 0)
			break;
		if (!json_object_get(b, key))
			r = change(out, removed, key, field ? str(v, field) : NULL, NULL);
	}
	json_decref(a);
	json_decref(b);
	return r;
}

static char *addresses_text(const json_t *iface)
{
	return json_dumps(json_object_get(iface, "addresses"), JSON_COMPACT | JSON_ENCODE_ANY);
}

static int diff_interfaces(const json_t *old_arr, const json_t *cur_arr, json_t *out)
{
	int r = diff_sets(old_arr, cur_arr, name_key, "interface.added", "interface.removed", "interface.mac_changed",
			  "mac", out);
	json_t *a = index_by(old_arr, name_key), *b = index_by(cur_arr, name_key);
	const char *key;
	json_t *v;
	json_object_foreach(b, key, v) {
		json_t *o = json_object_get(a, key);
		if (r < 0 || !o)
			continue;
		char *x = addresses_text(o), *y = addresses_text(v);
		if (x && y && strcmp(x, y) != 0)
			r = change(out, "interface.addresses_changed", key, x, y);
		free(x);
		free(y);
	}
	json_decref(a);
	json_decref(b);
	return r;
}

static int diff_disks(const json_t *old_arr, const json_t *cur_arr, json_t *out)
{
	json_t *a = index_by(old_arr, mount_key), *b = index_by(cur_arr, mount_key);
	const char *key;
	json_t *v;
	int r = 0;
	json_object_foreach(b, key, v) {
		json_t *pct = json_object_get(v, "used_percent");
		if (!json_is_number(pct) || json_number_value(pct) < DISK_FULL_PERCENT)
			continue;
		json_t *o = json_object_get(a, key), *opct = o ? json_object_get(o, "used_percent") : NULL;
		if (opct && json_is_number(opct) && json_number_value(opct) >= DISK_FULL_PERCENT)
			continue; /* already reported */
		char now[32];
		snprintf(now, sizeof(now), "%.0f%%", json_number_value(pct));
		if ((r = change(out, "disk.nearly_full", key, NULL, now)) < 0)
			break;
	}
	json_decref(a);
	json_decref(b);
	return r;
}

/* A reboot that became needed (once, until it is no longer needed). */
static int diff_reboot(const json_t *old, const json_t *cur, json_t *out)
{
	if (!json_is_true(json_object_get(cur, "reboot_required")) || json_is_true(json_object_get(old, "reboot_required")))
		return 0;
	char why[512] = "";
	size_t i, n = 0;
	json_t *r;
	json_array_foreach(json_object_get(cur, "reasons"), i, r) {
		int k = snprintf(why + n, sizeof(why) - n, "%s%s", n ? "; " : "", json_string_value(r) ?: "");
		if (k < 0 || (size_t)k >= sizeof(why) - n)
			break;
		n += (size_t)k;
	}
	return change(out, "reboot.required", "reboot", NULL, why);
}

int hosts_diff(const char *section, const json_t *old, const json_t *cur, json_t *out)
{
	if (strcmp(section, "packages") == 0)
		return diff_sets(items(old, "items"), items(cur, "items"), package_key, "package.installed",
				 "package.removed", "package.upgraded", "version", out);
	if (strcmp(section, "sockets") == 0)
		return diff_sets(items(old, NULL), items(cur, NULL), socket_key, "port.opened", "port.closed", NULL,
				 "process", out);
	if (strcmp(section, "accounts") == 0) {
		int r = diff_sets(items(old, "users"), items(cur, "users"), name_key, "user.added", "user.removed", NULL,
				  NULL, out);
		if (r == 0)
			r = diff_sets(items(old, "groups"), items(cur, "groups"), name_key, "group.added",
				      "group.removed", NULL, NULL, out);
		return r;
	}
	if (strcmp(section, "network") == 0)
		return diff_interfaces(items(old, "interfaces"), items(cur, "interfaces"), out);
	if (strcmp(section, "filesystems") == 0)
		return diff_disks(items(old, NULL), items(cur, NULL), out);
	if (strcmp(section, "upgrades") == 0) /* a newer candidate is news too; one gone was installed */
		return diff_sets(items(old, "upgrades"), items(cur, "upgrades"), package_key, "upgrade.available",
				 "upgrade.gone", "upgrade.available", "candidate", out);
	if (strcmp(section, "reboot") == 0)
		return diff_reboot(old, cur, out);
	return 0;
}
