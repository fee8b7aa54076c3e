/*
 * upgrade.c: upgrade plans on the server: fixing versions per machine from the hosts'
 * reported upgrades, checking the old versions can be had again, running ring after
 * ring through "upgrade" jobs, recording each machine's steps from its job result,
 * stopping at the first failed ring, and the activity log entries for all of it.
 */
#include "upgrade/upgrade.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actlog/actlog.h"
#include "core/err.h"
#include "core/json.h"
#include "core/text.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "hosts/hosts.h"
#include "maint/maint.h"
#include "hosts/hosts_store.h"
#include "jobs/jobs.h"
#include "software/vercmp.h"
#include "training/training.h"
#include "upgrade/upgrade_store.h"

#define HOST_TEXT_MAX 255
#define NOTICE_DUE_S (14 * 86400) /* a "what changed" notice is due in two weeks */

/* --- checking fields --- */

static int check_name(const json_t *v)
{
	const char *n = json_string_value(v);
	if (!n || !*n)
		return err_set(-EINVAL, "an upgrade plan needs a name");
	if (strlen(n) > UPGRADE_NAME_MAX)
		return err_set(-EINVAL, "plan name is longer than %d bytes", UPGRADE_NAME_MAX);
	if (!text_is_name(n, UPGRADE_NAME_MAX))
		return err_set(-EINVAL,
			       "plan name '%s': use lower-case letters, digits, '.', '_' and '-', starting with a "
			       "letter or digit",
			       n);
	return strspn(n, "0123456789") == strlen(n)
		   ? err_set(-EINVAL, "plan name '%s' must not be all digits (ids are)", n)
		   : 0;
}

/* An absent field, or an array of at most max non-empty one-line strings. */
static int check_strings(const json_t *obj, const char *field, size_t max)
{
	json_t *v = json_object_get(obj, field), *e;
	size_t i;
	if (!v)
		return 0;
	if (!json_is_array(v))
		return err_set(-EINVAL, "field '%s' must be an array of names", field);
	if (json_array_size(v) > max)
		return err_set(-EINVAL, "field '%s' has more than %zu entries", field, max);
	json_array_foreach(v, i, e)
	{
		const char *t = json_string_value(e);
		if (!t || !*t || strlen(t) > HOST_TEXT_MAX || strpbrk(t, "\n\r"))
			return err_set(-EINVAL, "field '%s' must be an array of names", field);
	}
	return 0;
}

static int check_test_text(const json_t *t, const char *key, bool required, size_t n)
{
	json_t *v = json_object_get(t, key);
	if (!v && !required)
		return 0;
	const char *s = json_string_value(v);
	if (!s || !*s || strlen(s) > UPGRADE_TEST_TEXT_MAX)
		return err_set(-EINVAL, "test %zu: field '%s' must be a non-empty string of at most %d bytes", n + 1,
			       key, UPGRADE_TEST_TEXT_MAX);
	return 0;
}

static int check_tests(const json_t *tests)
{
	static const char *const fields[] = {"name", "kind", "command", "unit", "url", "status", "host", "port", NULL};
	size_t i;
	json_t *t;
	if (!tests)
		return 0;
	if (!json_is_array(tests) || json_array_size(tests) > UPGRADE_TESTS_MAX)
		return err_set(-EINVAL, "tests must be an array of at most %d tests", UPGRADE_TESTS_MAX);
	json_array_foreach(tests, i, t)
	{
		int r;
		if (!json_is_object(t))
			return err_set(-EINVAL, "test %zu must be an object", i + 1);
		if ((r = json_check_fields(t, fields)) < 0 || (r = check_test_text(t, "name", false, i)) < 0)
			return r;
		const char *kind = json_string_value(json_object_get(t, "kind"));
		if (!kind)
			return err_set(-EINVAL, "test %zu needs a kind: command, service, http or tcp", i + 1);
		if (strcmp(kind, "command") == 0)
			r = check_test_text(t, "command", true, i);
		else if (strcmp(kind, "service") == 0) {
			if ((r = check_test_text(t, "unit", true, i)) == 0)
				r = check_test_text(t, "command", false, i);
		} else if (strcmp(kind, "http") == 0) {
			const char *url = json_string_value(json_object_get(t, "url"));
			json_t *st = json_object_get(t, "status");
			if ((r = check_test_text(t, "url", true, i)) == 0 && strncmp(url, "http://", 7) != 0 &&
			    strncmp(url, "https://", 8) != 0)
				r = err_set(-EINVAL, "test %zu: url '%.200s' must start with http:// or https://",
					    i + 1, url);
			if (r == 0 && st &&
			    (!json_is_integer(st) || json_integer_value(st) < 100 || json_integer_value(st) > 599))
				r = err_set(-EINVAL, "test %zu: status must be an HTTP status (100..599)", i + 1);
		} else if (strcmp(kind, "tcp") == 0) {
			json_t *p = json_object_get(t, "port");
			if ((r = check_test_text(t, "host", true, i)) == 0 &&
			    (!json_is_integer(p) || json_integer_value(p) < 1 || json_integer_value(p) > 65535))
				r = err_set(-EINVAL, "test %zu: port must be 1..65535", i + 1);
		} else
			r = err_set(-EINVAL, "test %zu: kind '%.32s' is not known: use command, service, http or tcp",
				    i + 1, kind);
		if (r < 0)
			return r;
	}
	return 0;
}

static bool package_name_ok(const char *n)
{
	if (!n || !*n || strlen(n) > 200 || !isalnum((unsigned char)*n))
		return false;
	for (const char *p = n; *p; p++)
		if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || strchr("+-.:", *p)))
			return false;
	return true;
}

int upgrade_params_check(const json_t *p)
{
	static const char *const fields[] = {"plan",	     "packages",	  "tests", "min_free_mb",
					     "allow_no_rollback", "not_after", NULL};
	json_t *pk = json_object_get(p, "packages"), *e;
	size_t i;
	int r;
	if (!json_is_object(p))
		return err_set(-EINVAL, "job parameters must be an object");
	if ((r = json_check_fields(p, fields)) < 0 || (r = check_tests(json_object_get(p, "tests"))) < 0)
		return r;
	if (!json_is_array(pk) || !json_array_size(pk) || json_array_size(pk) > UPGRADE_PACKAGES_MAX)
		return err_set(-EINVAL, "an upgrade job needs 1 to %d packages", UPGRADE_PACKAGES_MAX);
	json_array_foreach(pk, i, e)
	{
		const char *n = json_string_value(json_object_get(e, "name"));
		const char *from = json_string_value(json_object_get(e, "from"));
		const char *to = json_string_value(json_object_get(e, "to"));
		if (!package_name_ok(n) || !from || !to || vercmp_check(from) < 0 || vercmp_check(to) < 0)
			return err_set(-EINVAL, "package %zu of the upgrade job is not a valid {name, from, to}",
				       i + 1);
	}
	json_t *mf = json_object_get(p, "min_free_mb");
	if (mf && (!json_is_integer(mf) || json_integer_value(mf) < 0 || json_integer_value(mf) > 1024 * 1024))
		return err_set(-EINVAL, "min_free_mb must be 0 to 1048576");
	json_t *na = json_object_get(p, "not_after");
	if (na && (!json_is_integer(na) || json_integer_value(na) < 0))
		return err_set(-EINVAL, "not_after must be a Unix time");
	return 0;
}

/* "all", "security" or ["name", "name=version"...] as {"mode", "names": [{"name", "version"?}]}. */
static int parse_packages(const json_t *v, json_t **ret)
{
	const char *mode = json_string_value(v);
	if (!v || (mode && (strcmp(mode, "all") == 0 || strcmp(mode, "security") == 0))) {
		*ret = json_pack("{s:s, s:[]}", "mode", mode ? mode : "all", "names");
		return *ret ? 0 : -ENOMEM;
	}
	if (!json_is_array(v) || !json_array_size(v) || json_array_size(v) > UPGRADE_PACKAGES_MAX)
		return err_set(-EINVAL,
			       "packages must be \"all\", \"security\" or an array of 1 to %d \"name\" or "
			       "\"name=version\"",
			       UPGRADE_PACKAGES_MAX);
	json_t *names = json_array(), *e;
	size_t i;
	json_array_foreach(v, i, e)
	{
		const char *t = json_string_value(e);
		char name[256];
		const char *eq = t ? strchr(t, '=') : NULL;
		size_t nl = eq ? (size_t)(eq - t) : t ? strlen(t) : 0;
		if (!t || nl >= sizeof(name)) {
			json_decref(names);
			return err_set(-EINVAL, "package %zu must be \"name\" or \"name=version\"", i + 1);
		}
		memcpy(name, t, nl);
		name[nl] = '\0';
		if (!package_name_ok(name) || (eq && vercmp_check(eq + 1) < 0)) {
			json_decref(names);
			return err_set(-EINVAL,
				       "package '%.200s' is not \"name\" or \"name=version\" with a valid version", t);
		}
		json_t *o = json_pack("{s:s}", "name", name);
		if (eq)
			json_object_set_new(o, "version", json_string(eq + 1));
		json_array_append_new(names, o);
	}
	*ret = json_pack("{s:s, s:o}", "mode", "named", "names", names);
	return *ret ? 0 : -ENOMEM;
}

/* Whether the array of strings arr holds s. */
static bool in_strings(const json_t *arr, const char *s)
{
	size_t i;
	json_t *e;
	json_array_foreach(arr, i, e)
	{
		if (s && json_string_value(e) && strcmp(json_string_value(e), s) == 0)
			return true;
	}
	return false;
}

/* Whether any string of arr is in of. */
static bool any_in(const json_t *arr, const json_t *of)
{
	size_t i;
	json_t *e;
	json_array_foreach(arr, i, e)
	{
		if (in_strings(of, json_string_value(e)))
			return true;
	}
	return false;
}

/* How many of a machine's packages have an old version that can no longer be had. */
static int missing_rollbacks(const json_t *packages)
{
	size_t i;
	json_t *p;
	int n = 0;
	json_array_foreach(packages, i, p)
	{
		n += !json_is_string(json_object_get(p, "rollback"));
	}
	return n;
}

/* Whether an object of arr has key equal to value. */
static bool has_member(const json_t *arr, const char *key, const char *value)
{
	size_t i;
	json_t *e;
	json_array_foreach(arr, i, e)
	{
		const char *v = json_string_value(json_object_get(e, key));
		if (v && value && strcmp(v, value) == 0)
			return true;
	}
	return false;
}

/* The packages of one host for the plan, from its reported upgrades: [{"name",
 * "architecture", "from", "to", "rollback"}]; warnings get a sentence per problem. */
static int host_packages(struct store *s, const struct host *h, const json_t *spec, json_t **ret, json_t *warnings)
{
	char *text = NULL, msg[600];
	json_t *sec = NULL, *out = json_array(), *u, *n;
	const char *mode = json_string_value(json_object_get(spec, "mode"));
	size_t i, k;
	int r = hosts_store_section_get(s, h->id, "upgrades", &text);
	if (r < 0 && r != -ENOENT)
		goto fail;
	sec = text ? json_loads(text, 0, NULL) : NULL;
	free(text);
	if (!json_is_object(sec)) {
		json_array_append_new(warnings, json_string("the host has not reported its upgrades yet"));
		goto done;
	}
	json_t *ups = json_object_get(sec, "upgrades");
	json_array_foreach(ups, i, u)
	{
		const char *name = json_string_value(json_object_get(u, "name"));
		const char *inst = json_string_value(json_object_get(u, "installed"));
		const char *cand = json_string_value(json_object_get(u, "candidate"));
		const char *to = cand;
		if (!package_name_ok(name) || !inst || !cand || vercmp_check(inst) < 0 || vercmp_check(cand) < 0)
			continue;
		bool want = strcmp(mode, "all") == 0 ||
			    (strcmp(mode, "security") == 0 && json_is_true(json_object_get(u, "security")));
		json_array_foreach(json_object_get(spec, "names"), k, n)
		{
			if (strcmp(json_string_value(json_object_get(n, "name")), name) != 0)
				continue;
			want = true;
			const char *v = json_string_value(json_object_get(n, "version"));
			if (v && vercmp(v, inst) <= 0) {
				snprintf(msg, sizeof(msg), "%s: %s is not newer than the installed %s; left out", name,
					 v, inst);
				json_array_append_new(warnings, json_string(msg));
				want = false;
			} else if (v) {
				to = v;
			}
		}
		/* one entry per name (a package of two architectures goes as one name=version) */
		if (!want || has_member(out, "name", name))
			continue;
		/* An agent from before upgrade runs does not say: its own pre-check will. */
		json_t *rb = json_object_get(u, "rollback");
		json_array_append_new(out,
				      json_pack("{s:s, s:O, s:s, s:s, s:o}", "name", name, "architecture",
						json_object_get(u, "architecture") ?: json_null(), "from", inst, "to",
						to, "rollback", rb ? json_incref(rb) : json_string("unknown")));
		if (!rb) {
			snprintf(
			    msg, sizeof(msg),
			    "%s: the host's report does not say whether %s can be had again; its agent checks before "
			    "upgrading",
			    name, inst);
			json_array_append_new(warnings, json_string(msg));
		} else if (!json_is_string(rb)) {
			snprintf(msg, sizeof(msg), "%s: the installed %s can no longer be had for a rollback", name,
				 inst);
			json_array_append_new(warnings, json_string(msg));
		}
	}
	/* named packages this host has no upgrade for */
	json_array_foreach(json_object_get(spec, "names"), k, n)
	{
		const char *name = json_string_value(json_object_get(n, "name"));
		if (!has_member(out, "name", name) && !has_member(ups, "name", name)) {
			snprintf(msg, sizeof(msg), "%s: no upgrade reported", name);
			json_array_append_new(warnings, json_string(msg));
		}
	}
done:
	json_decref(sec);
	*ret = out;
	return 0;
fail:
	json_decref(out);
	return r;
}

/* --- plans --- */

static int check_note(const json_t *note, const json_t *spec)
{
	static const char *const fields[] = {"title", "text", "package", NULL};
	const char *title, *text, *pkg;
	int r;
	if (!note || json_is_null(note))
		return 0;
	if (!json_is_object(note))
		return err_set(-EINVAL, "note must be an object {title, text, package}");
	if ((r = json_check_fields(note, fields)) < 0 || (r = json_get_string(note, "title", true, 800, &title)) < 0 ||
	    (r = json_get_string(note, "text", true, UPGRADE_NOTE_MAX, &text)) < 0 ||
	    (r = json_get_string(note, "package", false, 200, &pkg)) < 0)
		return r;
	if (!*title || !*text)
		return err_set(-EINVAL, "a \"what changed\" note needs a title and a text");
	if (!pkg) {
		json_t *first = json_array_get(json_object_get(spec, "names"), 0);
		if (!first)
			return err_set(-EINVAL, "a \"what changed\" note needs its package when the plan names none");
		pkg = json_string_value(json_object_get(first, "name"));
		json_object_set_new((json_t *)note, "package", json_string(pkg));
	}
	return training_check_package(pkg);
}

int upgrade_plan_create(struct store *s, const char *actor, const json_t *f, int64_t now, int64_t *ret_id)
{
	static const char *const fields[] = {"name",
					     "hosts",
					     "tags",
					     "all",
					     "pilot",
					     "pilot_tags",
					     "packages",
					     "tests",
					     "start_at",
					     "min_free_mb",
					     "allow_no_rollback",
					     "note",
					     "in_window",
					     NULL};
	json_t *spec = NULL, *hosts = NULL, *plan = NULL, *machines = json_array(), *note = NULL, *h;
	struct maint_set *windows = NULL;
	int64_t start = 0, id = 0;
	size_t i;
	int r, selected = 0, with_work = 0, missing = 0;
	if (!machines)
		return -ENOMEM;
	if (!json_is_object(f)) {
		r = err_set(-EINVAL, "an upgrade plan must be a JSON object");
		goto out;
	}
	if ((r = json_check_fields(f, fields)) < 0 || (r = check_name(json_object_get(f, "name"))) < 0 ||
	    (r = check_strings(f, "hosts", UPGRADE_MACHINES_MAX)) < 0 ||
	    (r = check_strings(f, "tags", UPGRADE_MACHINES_MAX)) < 0 ||
	    (r = check_strings(f, "pilot", UPGRADE_MACHINES_MAX)) < 0 ||
	    (r = check_strings(f, "pilot_tags", UPGRADE_MACHINES_MAX)) < 0 ||
	    (r = check_tests(json_object_get(f, "tests"))) < 0 ||
	    (r = parse_packages(json_object_get(f, "packages"), &spec)) < 0)
		goto out;
	json_t *all = json_object_get(f, "all"), *mf = json_object_get(f, "min_free_mb"),
	       *anr = json_object_get(f, "allow_no_rollback"), *st = json_object_get(f, "start_at");
	const json_t *sel_hosts = json_object_get(f, "hosts"), *sel_tags = json_object_get(f, "tags"),
		     *pilot = json_object_get(f, "pilot"), *pilot_tags = json_object_get(f, "pilot_tags");
	json_t *iw = json_object_get(f, "in_window");
	if ((all && !json_is_boolean(all)) || (anr && !json_is_boolean(anr)) || (iw && !json_is_boolean(iw))) {
		r = err_set(-EINVAL, "fields 'all', 'allow_no_rollback' and 'in_window' must be true or false");
		goto out;
	}
	if (!json_is_true(all) && !json_array_size(sel_hosts) && !json_array_size(sel_tags)) {
		r = err_set(-EINVAL, "say which machines: hosts, tags, or all");
		goto out;
	}
	if (mf && (!json_is_integer(mf) || json_integer_value(mf) < 0 || json_integer_value(mf) > 1024 * 1024)) {
		r = err_set(-EINVAL, "min_free_mb must be 0 to 1048576");
		goto out;
	}
	if (st && !json_is_null(st)) {
		/* a date or time, not an age ("2h" would count back from now) */
		const char *t = json_string_value(st);
		if (!t || strlen(t) < 10 || t[4] != '-' || time_parse_since(t, now, &start) < 0) {
			r = err_set(-EINVAL, "start_at must be an ISO time such as 2026-11-28T22:00:00Z");
			goto out;
		}
	}
	if (json_is_true(iw) && !start)
		start = now; /* in the windows: the scheduler starts it, each machine waits for its window */
	if (json_object_get(f, "note") && !json_is_null(json_object_get(f, "note")))
		note = json_deep_copy(json_object_get(f, "note"));
	if ((r = check_note(note, spec)) < 0)
		goto out;
	/* the machines: every host named must exist */
	json_array_foreach(sel_hosts, i, h)
	{
		struct host x;
		if ((r = hosts_get(s, json_string_value(h), &x)) < 0)
			goto out;
	}
	struct hosts_filter hf = {0};
	if ((r = hosts_list(s, &hf, &hosts)) < 0)
		goto out;
	bool two_rings = json_array_size(pilot) || json_array_size(pilot_tags);
	int pilots = 0;
	json_array_foreach(hosts, i, h)
	{
		const char *name = json_string_value(json_object_get(h, "name"));
		json_t *tags = json_object_get(h, "tags");
		if (!json_is_true(all) && !in_strings(sel_hosts, name) && !any_in(tags, sel_tags))
			continue;
		if (++selected > UPGRADE_MACHINES_MAX) {
			r = err_set(-EINVAL, "a plan takes at most %d machines", UPGRADE_MACHINES_MAX);
			goto out;
		}
		struct host x;
		json_t *pk = NULL, *warnings = json_array();
		if ((r = hosts_get(s, json_string_value(json_object_get(h, "id")), &x)) < 0 ||
		    (r = host_packages(s, &x, spec, &pk, warnings)) < 0) {
			json_decref(warnings);
			goto out;
		}
		struct maint_slot slot;
		if (json_is_true(iw) && json_array_size(pk) && (r = windows ? 0 : maint_set_load(s, &windows)) == 0 &&
		    (r = maint_set_find(windows, name, tags, now, false, &slot)) == -ENOENT)
			r = err_set(-EINVAL,
				    "host '%s' has no maintenance window: add one ('ward window add') or plan the run "
				    "without in_window",
				    name);
		if (r < 0) {
			json_decref(pk);
			json_decref(warnings);
			goto out;
		}
		bool is_pilot = in_strings(pilot, name) || any_in(tags, pilot_tags);
		pilots += is_pilot;
		missing += missing_rollbacks(pk);
		with_work += json_array_size(pk) > 0;
		json_array_append_new(machines, json_pack("{s:I, s:s, s:i, s:o, s:o}", "host_id", (json_int_t)x.id,
							  "host", name, "ring", two_rings && !is_pilot ? 2 : 1,
							  "packages", pk, "warnings", warnings));
	}
	json_array_foreach(pilot, i, h)
	{
		if (!has_member(machines, "host", json_string_value(h))) {
			r = err_set(-EINVAL, "pilot host '%s' is not one of the plan's machines", json_string_value(h));
			goto out;
		}
	}
	if (!selected) {
		r = err_set(-EINVAL, "no enrolled host matches the plan's machines");
		goto out;
	}
	if (!with_work) {
		r = err_set(-EINVAL, "none of the plan's %d machine%s has an upgrade for its packages", selected,
			    selected == 1 ? "" : "s");
		goto out;
	}
	if (two_rings && !pilots) {
		r = err_set(-EINVAL, "no machine of the plan is in the pilot");
		goto out;
	}
	plan = json_pack("{s:O, s:s, s:{s:b, s:O, s:O, s:O, s:O}, s:O, s:O, s:o, s:I, s:b, s:i, s:s, s:I}", "name",
			 json_object_get(f, "name"), "status", start ? "scheduled" : "planned", "selection", "all",
			 json_is_true(all), "hosts", sel_hosts ? sel_hosts : json_null(), "tags",
			 sel_tags ? sel_tags : json_null(), "pilot", pilot ? pilot : json_null(), "pilot_tags",
			 pilot_tags ? pilot_tags : json_null(), "packages", spec, "tests",
			 json_object_get(f, "tests") ?: json_null(), "note", note ? json_incref(note) : json_null(),
			 "min_free_mb", (json_int_t)(mf ? json_integer_value(mf) : UPGRADE_MIN_FREE_DEFAULT),
			 "allow_no_rollback", json_is_true(anr), "rings", two_rings && pilots < selected ? 2 : 1,
			 "created_by", actor, "created_at", (json_int_t)now);
	if (!plan) {
		r = -ENOMEM;
		goto out;
	}
	if (!json_is_array(json_object_get(plan, "tests")))
		json_object_set_new(plan, "tests", json_array());
	if (start)
		json_object_set_new(plan, "start_at", json_integer(start));
	json_object_set_new(plan, "in_window", json_boolean(json_is_true(iw)));
	if ((r = store_tx_begin(s)) < 0)
		goto out;
	if ((r = upgrade_store_plan_insert(s, plan, &id)) < 0)
		goto end;
	json_t *m;
	json_array_foreach(machines, i, m)
	{
		json_t *pk = json_object_get(m, "packages");
		if ((r = upgrade_store_machine_insert(s, id, json_integer_value(json_object_get(m, "host_id")),
						      json_integer_value(json_object_get(m, "ring")), pk,
						      json_object_get(m, "warnings"),
						      json_array_size(pk) ? "pending" : "skipped")) < 0)
			goto end;
		json_object_del(m, "host_id");
	}
	char object[96];
	snprintf(object, sizeof(object), "upgrade:%lld", (long long)id);
	r = actlog_appendf(s, actor, "upgrade.plan", object, "{s:O, s:O, s:O, s:i, s:o, s:O, s:b}", "name",
			   json_object_get(f, "name"), "packages", spec, "machines", machines, "rollback_missing",
			   missing, "start_at", json_time(start), "tests", json_object_get(plan, "tests"), "in_window",
			   json_is_true(iw));
end:
	r = store_tx_end(s, r);
	if (r == 0 && ret_id)
		*ret_id = id;
out:
	json_decref(spec);
	json_decref(hosts);
	json_decref(plan);
	json_decref(machines);
	json_decref(note);
	maint_set_free(windows);
	return r;
}

/* The maintenance window of a plan's machine that is open at now (0), or -ENOENT while
 * none is (*ret then the next, if one applies at all: ret->start 0 when none does). */
static int machine_window(struct store *s, const struct maint_set *windows, const json_t *m, int64_t now,
			  struct maint_slot *ret)
{
	json_t *tags = NULL;
	int r = maint_host_tags(s, json_integer_value(json_object_get(m, "host_id")), &tags);
	if (r < 0)
		return r;
	memset(ret, 0, sizeof(*ret));
	r = maint_set_find(windows, json_string_value(json_object_get(m, "host")), tags, now, false, ret);
	json_decref(tags);
	if (r == -ENOENT)
		memset(ret, 0, sizeof(*ret));
	return r == 0 && ret->start > now ? -ENOENT : r;
}

/* --- reading --- */

static void times(json_t *o, const char *const keys[])
{
	for (size_t i = 0; keys[i]; i++) {
		json_t *v = json_object_get(o, keys[i]);
		json_object_set_new(o, keys[i], json_time(json_is_integer(v) ? json_integer_value(v) : 0));
	}
}

static int plan_row(struct store *s, const char *id_or_name, json_t **ret)
{
	int64_t id = 0;
	if (id_or_name && *id_or_name && strspn(id_or_name, "0123456789") == strlen(id_or_name) &&
	    parse_int64(id_or_name, 1, INT64_MAX, &id) < 0)
		return err_set(-ENOENT, "upgrade plan '%s' does not exist", id_or_name);
	return upgrade_store_plan_get(s, id, id_or_name, ret);
}

static const char *const plan_times[] = {"created_at", "started_at", "finished_at", "start_at", NULL};
static const char *const machine_times[] = {"started_at", "finished_at", NULL};

int upgrade_plan_get(struct store *s, const char *id_or_name, bool with_steps, json_t **ret)
{
	json_t *p = NULL, *machines = json_array(), *m;
	struct maint_set *windows = NULL;
	size_t i;
	int r, missing = 0;
	if (!machines)
		return -ENOMEM;
	if ((r = plan_row(s, id_or_name, &p)) < 0 ||
	    (r = upgrade_store_machines(s, json_integer_value(json_object_get(p, "id")), machines)) < 0)
		goto fail;
	bool in_window = json_integer_value(json_object_get(p, "in_window")) != 0;
	if (in_window && (r = maint_set_load(s, &windows)) < 0)
		goto fail;
	json_array_foreach(machines, i, m)
	{
		size_t k;
		missing += missing_rollbacks(json_object_get(m, "packages"));
		if (in_window && strcmp(json_string_value(json_object_get(m, "status")), "pending") == 0) {
			/* when it may start: its window now or next (null: none applies) */
			struct maint_slot slot;
			int e = machine_window(s, windows, m, time_now(), &slot);
			if (e < 0 && e != -ENOENT) {
				r = e;
				goto fail;
			}
			json_object_set_new(m, "window",
					    slot.start ? json_pack("{s:s, s:o, s:o}", "name", slot.window, "start",
								   json_time(slot.start), "end", json_time(slot.end))
						       : json_null());
		}
		json_object_del(m, "plan_id");
		json_object_del(m, "host_id");
		times(m, machine_times);
		if (with_steps) {
			json_t *steps = json_array(), *stp;
			if (!steps ||
			    (r = upgrade_store_steps(s, json_integer_value(json_object_get(m, "id")), steps)) < 0) {
				json_decref(steps);
				r = r < 0 ? r : -ENOMEM;
				goto fail;
			}
			json_array_foreach(steps, k, stp)
			    json_object_set_new(stp, "at", json_time(json_integer_value(json_object_get(stp, "at"))));
			json_object_set_new(m, "steps", steps);
		}
	}
	times(p, plan_times);
	json_object_set_new(p, "allow_no_rollback",
			    json_boolean(json_integer_value(json_object_get(p, "allow_no_rollback"))));
	json_object_set_new(p, "in_window", json_boolean(json_integer_value(json_object_get(p, "in_window"))));
	json_object_set_new(p, "rollback_missing", json_integer(missing));
	json_object_set_new(p, "machines", machines);
	maint_set_free(windows);
	*ret = p;
	return 0;
fail:
	json_decref(p);
	json_decref(machines);
	maint_set_free(windows);
	return r;
}

int upgrade_plan_list(struct store *s, json_t **ret)
{
	json_t *plans = json_array(), *p;
	size_t i;
	int r;
	if (!plans)
		return -ENOMEM;
	if ((r = upgrade_store_plan_list(s, plans)) < 0)
		goto fail;
	json_array_foreach(plans, i, p)
	{
		json_t *machines = json_array(), *m, *counts = json_object();
		size_t k;
		if (!machines || !counts ||
		    (r = upgrade_store_machines(s, json_integer_value(json_object_get(p, "id")), machines)) < 0) {
			json_decref(machines);
			json_decref(counts);
			r = r < 0 ? r : -ENOMEM;
			goto fail;
		}
		json_array_foreach(machines, k, m)
		{
			const char *st = json_string_value(json_object_get(m, "status"));
			json_object_set_new(counts, st,
					    json_integer(json_integer_value(json_object_get(counts, st)) + 1));
		}
		json_object_set_new(p, "machines", json_integer((json_int_t)json_array_size(machines)));
		json_object_set_new(p, "counts", counts);
		json_object_set_new(p, "allow_no_rollback",
				    json_boolean(json_integer_value(json_object_get(p, "allow_no_rollback"))));
		json_object_del(p, "tests");
		times(p, plan_times);
		json_decref(machines);
	}
	*ret = plans;
	return 0;
fail:
	json_decref(plans);
	return r;
}

/* --- running --- */

static void plan_object(int64_t id, char out[64])
{
	snprintf(out, 64, "upgrade:%lld", (long long)id);
}

/*
 * Queues the jobs of ring's pending machines (inside the caller's transaction). A plan
 * in the windows queues only the machines whose maintenance window is open, each job
 * valid until the window's end; the others wait (*ret_waiting) for the scheduler's next
 * rounds. Logged as upgrade.ring when the ring starts (starting) or a machine's job is
 * queued.
 */
static int queue_ring(struct store *s, const char *actor, const json_t *plan, int64_t ring, bool starting,
		      int64_t now, int *ret_n, int *ret_waiting)
{
	int64_t id = json_integer_value(json_object_get(plan, "id"));
	bool in_window = json_integer_value(json_object_get(plan, "in_window")) != 0;
	json_t *machines = json_array(), *m, *queued = json_array();
	struct maint_set *windows = NULL;
	char object[64];
	size_t i;
	int r, n = 0, waiting = 0;
	if (!machines || !queued) {
		r = -ENOMEM;
		goto out;
	}
	plan_object(id, object);
	if ((r = upgrade_store_machines(s, id, machines)) < 0 || (in_window && (r = maint_set_load(s, &windows)) < 0))
		goto out;
	json_array_foreach(machines, i, m)
	{
		if (json_integer_value(json_object_get(m, "ring")) != ring ||
		    strcmp(json_string_value(json_object_get(m, "status")), "pending") != 0)
			continue;
		struct maint_slot slot = {0};
		if (in_window && (r = machine_window(s, windows, m, now, &slot)) < 0) {
			if (r != -ENOENT)
				goto out;
			waiting++;
			r = 0;
			continue;
		}
		struct host h;
		int64_t job;
		json_t *params =
		    json_pack("{s:I, s:[], s:O, s:O, s:O}", "plan", (json_int_t)id, "packages", "tests",
			      json_object_get(plan, "tests"), "min_free_mb", json_object_get(plan, "min_free_mb"),
			      "allow_no_rollback", json_object_get(plan, "allow_no_rollback"));
		json_t *pk;
		size_t k;
		json_array_foreach(json_object_get(m, "packages"), k, pk)
		    json_array_append_new(json_object_get(params, "packages"),
					  json_pack("{s:O, s:O, s:O}", "name", json_object_get(pk, "name"), "from",
						    json_object_get(pk, "from"), "to", json_object_get(pk, "to")));
		if (!params) {
			r = -ENOMEM;
			goto out;
		}
		if (in_window)
			json_object_set_new(params, "not_after", json_integer(slot.end));
		r = hosts_get_id(s, json_integer_value(json_object_get(m, "host_id")), &h);
		if (r == 0)
			r = jobs_queue(s, actor, &h, "upgrade", params, &job);
		json_decref(params);
		if (r < 0 || (r = upgrade_store_machine_set(s, json_integer_value(json_object_get(m, "id")), "running",
							    job, NULL, NULL, now, 0)) < 0)
			goto out;
		n++;
		json_array_append_new(queued, json_pack("{s:O, s:s?}", "host", json_object_get(m, "host"), "window",
							in_window ? slot.window : NULL));
	}
	if (starting || n)
		r = actlog_appendf(s, actor, "upgrade.ring", object, "{s:I, s:I, s:i, s:O, s:i}", "plan",
				   (json_int_t)id, "ring", (json_int_t)ring, "machines", n, "queued", queued,
				   "waiting_for_window", waiting);
	if (r == 0 && (starting || n))
		r = upgrade_store_plan_set(s, id, "running", NULL, ring, NULL, 0, 0);
	if (r == 0) {
		*ret_n = n;
		*ret_waiting = waiting;
	}
out:
	json_decref(machines);
	json_decref(queued);
	maint_set_free(windows);
	return r;
}

/* Starts the first ring that has work, or ends the plan passed when none is left. */
static int next_ring(struct store *s, const char *actor, int64_t id, int64_t from_ring, int64_t now)
{
	json_t *plan = NULL;
	char object[64];
	int r = upgrade_store_plan_get(s, id, NULL, &plan);
	if (r < 0)
		return r;
	plan_object(id, object);
	int64_t rings = json_integer_value(json_object_get(plan, "rings"));
	for (int64_t ring = from_ring; ring <= rings; ring++) {
		int n = 0, waiting = 0;
		if ((r = queue_ring(s, actor, plan, ring, true, now, &n, &waiting)) < 0 || n > 0 || waiting > 0)
			goto out;
	}
	r = upgrade_store_plan_set(s, id, "passed", NULL, -1, NULL, 0, now);
	if (r == 0)
		r = actlog_appendf(s, actor, "upgrade.passed", object, "{s:I, s:O}", "plan", (json_int_t)id, "name",
				   json_object_get(plan, "name"));
out:
	json_decref(plan);
	return r;
}

int upgrade_run(struct store *s, const char *actor, int64_t id, bool allow_no_rollback, int64_t now)
{
	json_t *plan = NULL;
	char object[64], key[24];
	int r;
	snprintf(key, sizeof(key), "%lld", (long long)id);
	plan_object(id, object);
	if ((r = store_tx_begin(s)) < 0)
		return r;
	if ((r = upgrade_plan_get(s, key, false, &plan)) < 0)
		goto end;
	const char *status = json_string_value(json_object_get(plan, "status"));
	if (strcmp(status, "planned") != 0 && strcmp(status, "scheduled") != 0) {
		r = err_set(-EEXIST, "upgrade plan '%s' is %s: only a planned or scheduled plan can run",
			    json_string_value(json_object_get(plan, "name")), status);
		goto end;
	}
	json_int_t missing = json_integer_value(json_object_get(plan, "rollback_missing"));
	if (missing && !allow_no_rollback && !json_is_true(json_object_get(plan, "allow_no_rollback"))) {
		/* Say which, before anything runs. */
		char list[600] = "";
		size_t used = 0, i, k;
		json_t *m, *pk;
		json_array_foreach(json_object_get(plan, "machines"), i, m)
		    json_array_foreach(json_object_get(m, "packages"), k, pk)
		{
			if (json_is_string(json_object_get(pk, "rollback")) || used >= sizeof(list) - 1)
				continue;
			used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s %s on %s", used ? ", " : "",
						 json_string_value(json_object_get(pk, "name")),
						 json_string_value(json_object_get(pk, "from")),
						 json_string_value(json_object_get(m, "host")));
		}
		r = err_set(-EPERM,
			    "cannot roll back %lld package%s: the old version can no longer be had (%s); run with "
			    "--allow-no-rollback to upgrade anyway",
			    (long long)missing, missing == 1 ? "" : "s", list);
		goto end;
	}
	if ((r = upgrade_store_plan_set(s, id, "running", NULL, -1, actor, now, 0)) < 0 ||
	    (r = actlog_appendf(s, actor, "upgrade.run", object, "{s:I, s:O, s:b}", "plan", (json_int_t)id, "name",
				json_object_get(plan, "name"), "allow_no_rollback", allow_no_rollback)) < 0)
		goto end;
	r = next_ring(s, actor, id, 1, now);
end:
	json_decref(plan);
	return store_tx_end(s, r);
}

int upgrade_cancel(struct store *s, const char *actor, int64_t id, const char *reason, int64_t now)
{
	json_t *plan = NULL, *m;
	char object[64], key[24], why[512];
	size_t i;
	int r, cancelled = 0;
	snprintf(key, sizeof(key), "%lld", (long long)id);
	snprintf(why, sizeof(why), "cancelled by %s%s%.400s", actor, reason && *reason ? ": " : "",
		 reason ? reason : "");
	plan_object(id, object);
	if ((r = store_tx_begin(s)) < 0)
		return r;
	if ((r = upgrade_plan_get(s, key, false, &plan)) < 0)
		goto end;
	const char *status = json_string_value(json_object_get(plan, "status"));
	if (strcmp(status, "planned") != 0 && strcmp(status, "scheduled") != 0 && strcmp(status, "running") != 0) {
		r = err_set(-EEXIST, "upgrade plan '%s' is %s already",
			    json_string_value(json_object_get(plan, "name")), status);
		goto end;
	}
	json_array_foreach(json_object_get(plan, "machines"), i, m)
	{
		if (strcmp(json_string_value(json_object_get(m, "status")), "pending") != 0)
			continue;
		if ((r = upgrade_store_machine_set(s, json_integer_value(json_object_get(m, "id")), "cancelled", 0, why,
						   NULL, 0, now)) < 0)
			goto end;
		cancelled++;
	}
	if ((r = upgrade_store_plan_set(s, id, "cancelled", why, -1, NULL, 0, now)) == 0)
		r = actlog_appendf(s, actor, "upgrade.cancel", object, "{s:I, s:O, s:s, s:i}", "plan", (json_int_t)id,
				   "name", json_object_get(plan, "name"), "reason", why, "machines_cancelled",
				   cancelled);
end:
	json_decref(plan);
	return store_tx_end(s, r);
}

/* Ends the plan failed: machines not started are skipped, with the reason. */
static int plan_fail(struct store *s, const char *actor, int64_t id, const char *reason, int64_t now)
{
	json_t *machines = json_array(), *m;
	char object[64], skip[700];
	size_t i;
	int r;
	if (!machines)
		return -ENOMEM;
	plan_object(id, object);
	snprintf(skip, sizeof(skip), "not run: %s", reason);
	if ((r = upgrade_store_machines(s, id, machines)) < 0)
		goto out;
	json_array_foreach(machines, i, m)
	{
		if (strcmp(json_string_value(json_object_get(m, "status")), "pending") != 0)
			continue;
		if ((r = upgrade_store_machine_set(s, json_integer_value(json_object_get(m, "id")), "skipped", 0, skip,
						   NULL, 0, now)) < 0)
			goto out;
	}
	if ((r = upgrade_store_plan_set(s, id, "failed", reason, -1, NULL, 0, now)) == 0)
		r = actlog_appendf(s, actor, "upgrade.failed", object, "{s:I, s:s}", "plan", (json_int_t)id, "reason",
				   reason);
out:
	json_decref(machines);
	return r;
}

/* After a machine finished: when its ring is done, the next ring or the plan's end. */
static int ring_check(struct store *s, const char *actor, int64_t id, int64_t ring, int64_t now)
{
	json_t *plan = NULL, *machines = json_array(), *m;
	char reason[600] = "";
	size_t i;
	int r, open = 0;
	if (!machines)
		return -ENOMEM;
	if ((r = upgrade_store_plan_get(s, id, NULL, &plan)) < 0 || (r = upgrade_store_machines(s, id, machines)) < 0)
		goto out;
	if (strcmp(json_string_value(json_object_get(plan, "status")), "running") != 0)
		goto out; /* cancelled or failed already: record, do not move on */
	json_array_foreach(machines, i, m)
	{
		if (json_integer_value(json_object_get(m, "ring")) != ring)
			continue;
		const char *st = json_string_value(json_object_get(m, "status"));
		if (strcmp(st, "running") == 0 || strcmp(st, "pending") == 0)
			open++;
		else if (strcmp(st, "passed") != 0 && strcmp(st, "skipped") != 0 && !*reason)
			snprintf(reason, sizeof(reason), "ring %lld failed on %s: %s", (long long)ring,
				 json_string_value(json_object_get(m, "host")),
				 json_string_value(json_object_get(m, "reason")) ?: st);
	}
	if (*reason)
		r = plan_fail(s, actor, id, reason, now);
	else if (!open)
		r = next_ring(s, actor, id, ring + 1, now);
out:
	json_decref(plan);
	json_decref(machines);
	return r;
}

int upgrade_job_result(struct store *s, int64_t job_id, const char *status, const json_t *result, const char *output)
{
	json_t *m = NULL, *step, *v;
	char object[64], reason[700];
	size_t i;
	int64_t now = time_now();
	int r = upgrade_store_machine_by_job(s, job_id, &m);
	if (r < 0 || !m)
		return r;
	int64_t mid = json_integer_value(json_object_get(m, "id")),
		pid = json_integer_value(json_object_get(m, "plan_id"));
	const char *host = json_string_value(json_object_get(m, "host"));
	char actor[300];
	snprintf(actor, sizeof(actor), "host:%s", host);
	plan_object(pid, object);
	if (strcmp(json_string_value(json_object_get(m, "status")), "running") != 0)
		goto out; /* given up on already */
	const char *outcome = json_string_value(json_object_get(result, "status"));
	const json_t *steps = json_object_get(result, "steps"), *versions = json_object_get(result, "versions");
	/* The agent's report is untrusted: its shape and sizes are checked before use. */
	if (!outcome || !json_is_array(steps) || !json_is_array(versions) ||
	    json_array_size(versions) > UPGRADE_PACKAGES_MAX ||
	    (strcmp(outcome, "passed") != 0 && strcmp(outcome, "failed") != 0 && strcmp(outcome, "rolled-back") != 0 &&
	     strcmp(outcome, "rollback-failed") != 0)) {
		snprintf(reason, sizeof(reason), "the host's agent did not run the upgrade (%s)%s%.500s",
			 status ? status : "?", output && *output ? ": " : "", output ? output : "");
		if ((r = upgrade_store_machine_set(s, mid, "failed", 0, reason, NULL, 0, now)) == 0)
			r = actlog_appendf(s, actor, "upgrade.machine", object, "{s:I, s:s, s:s, s:s}", "plan",
					   (json_int_t)pid, "host", host, "status", "failed", "reason", reason);
		goto ring;
	}
	json_t *passed = json_array(), *failed = json_array();
	bool rollback = false;
	json_array_foreach(steps, i, step)
	{
		if (i >= UPGRADE_STEPS_MAX)
			break;
		const char *name = json_string_value(json_object_get(step, "name"));
		const char *phase = json_string_value(json_object_get(step, "phase"));
		const char *st = json_string_value(json_object_get(step, "status"));
		if (!name || !phase || !st || strlen(name) > 300 ||
		    (strcmp(phase, "pre") != 0 && strcmp(phase, "install") != 0 && strcmp(phase, "post") != 0 &&
		     strcmp(phase, "rollback") != 0) ||
		    (strcmp(st, "passed") != 0 && strcmp(st, "failed") != 0 && strcmp(st, "skipped") != 0))
			continue;
		json_t *o = json_object_get(step, "output");
		char *cut = NULL;
		if (json_is_string(o) && json_string_length(o) > UPGRADE_OUTPUT_MAX)
			cut = strndup(json_string_value(o) + json_string_length(o) - UPGRADE_OUTPUT_MAX,
				      UPGRADE_OUTPUT_MAX);
		json_t *row = json_pack(
		    "{s:s, s:s, s:s, s:s, s:O}", "name", name, "phase", phase, "status", st, "output",
		    cut			? cut
		    : json_is_string(o) ? json_string_value(o)
					: "",
		    "seconds",
		    json_is_number(json_object_get(step, "seconds")) ? json_object_get(step, "seconds") : json_real(0));
		free(cut);
		if (!row) /* a cut in the middle of a character */
			row = json_pack("{s:s, s:s, s:s, s:s, s:f}", "name", name, "phase", phase, "status", st,
					"output", "", "seconds", 0.0);
		r = row ? upgrade_store_step_insert(s, mid, (int64_t)i + 1, row, now) : -ENOMEM;
		json_decref(row);
		if (r < 0) {
			json_decref(passed);
			json_decref(failed);
			goto out;
		}
		if (strncmp(name, "test ", 5) == 0) {
			char t[400];
			snprintf(t, sizeof(t), "%s: %s", phase, name + 5);
			json_array_append_new(strcmp(st, "passed") == 0 ? passed : failed, json_string(t));
		}
		rollback = rollback || strcmp(name, "rollback") == 0;
	}
	const char *why = json_string_value(json_object_get(result, "reason"));
	const char *mstatus = strcmp(outcome, "passed") == 0 ? "passed" : outcome;
	snprintf(reason, sizeof(reason), "%.600s", why && *why ? why : strcmp(mstatus, "passed") == 0 ? "" : mstatus);
	if ((r = upgrade_store_machine_set(s, mid, mstatus, 0, *reason ? reason : NULL, versions, 0, now)) < 0 ||
	    (r = actlog_appendf(s, actor, "upgrade.machine", object, "{s:I, s:s, s:s, s:s, s:O, s:o, s:o, s:b}", "plan",
				(json_int_t)pid, "host", host, "status", mstatus, "reason", reason, "versions",
				versions, "tests_passed", passed, "tests_failed", failed, "rollback", rollback)) < 0)
		goto out;
	/* what version changed to what, one entry each */
	json_array_foreach(versions, i, v)
	{
		const char *before = json_string_value(json_object_get(v, "before"));
		const char *after = json_string_value(json_object_get(v, "after"));
		if (before && after && strcmp(before, after) == 0)
			continue;
		if ((r = actlog_appendf(s, actor, "upgrade.package", object, "{s:I, s:s, s:O, s:O, s:O}", "plan",
					(json_int_t)pid, "host", host, "package", json_object_get(v, "name"), "from",
					json_object_get(v, "before"), "to", json_object_get(v, "after"))) < 0)
			goto out;
	}
	if (rollback &&
	    (r = actlog_appendf(s, actor, "upgrade.rollback", object, "{s:I, s:s, s:s, s:O}", "plan", (json_int_t)pid,
				"host", host, "status", strcmp(mstatus, "rolled-back") == 0 ? "done" : "failed",
				"versions", versions)) < 0)
		goto out;
ring:
	if (r == 0)
		r = ring_check(s, "system", pid, json_integer_value(json_object_get(m, "ring")), now);
out:
	json_decref(m);
	return r;
}

/* Publishes the "what changed" note of a plan that passed, in its own transaction. */
static int publish_note(struct store *s, const json_t *plan, int64_t now)
{
	const json_t *note = json_object_get(plan, "note");
	int64_t course = 0;
	struct training_notice n = {.package = json_string_value(json_object_get(note, "package")),
				    .title = json_string_value(json_object_get(note, "title")),
				    .text = json_string_value(json_object_get(note, "text")),
				    .due_s = NOTICE_DUE_S};
	int r = store_tx_begin(s);
	if (r < 0)
		return r;
	r = training_notice_publish(s, json_string_value(json_object_get(plan, "created_by")), &n, now, &course, NULL);
	if (r == 0)
		r = upgrade_store_plan_notice(s, json_integer_value(json_object_get(plan, "id")), course);
	return store_tx_end(s, r);
}

int upgrade_sweep(struct store *s, int64_t now, int *ret_started)
{
	json_t *due = json_array(), *stuck = json_array(), *plans = json_array(), *p;
	size_t i;
	int r, started = 0;
	if (!due || !stuck || !plans) {
		r = -ENOMEM;
		goto out;
	}
	if ((r = upgrade_store_plans_due(s, now, due)) < 0)
		goto out;
	json_array_foreach(due, i, p)
	{
		int64_t id = json_integer_value(json_object_get(p, "id"));
		int e = upgrade_run(s, json_string_value(json_object_get(p, "created_by")), id, false, now);
		if (e == -EPERM) {
			/* Said before the start: the plan fails with the reason, nothing runs. */
			char reason[1024];
			snprintf(reason, sizeof(reason), "not started: %s", err_msg(e));
			if ((e = store_tx_begin(s)) == 0)
				e = store_tx_end(s, plan_fail(s, "scheduler", id, reason, now));
		} else if (e == 0) {
			started++;
		}
		if (e < 0)
			log_warnx("upgrade plan %lld: %s", (long long)id, err_msg(e));
	}
	/* plans in the windows: machines whose window opened */
	if ((r = upgrade_store_plan_list(s, plans)) < 0)
		goto out;
	json_array_foreach(plans, i, p)
	{
		if (strcmp(json_string_value(json_object_get(p, "status")), "running") != 0 ||
		    !json_integer_value(json_object_get(p, "in_window")))
			continue;
		int n = 0, waiting = 0;
		if ((r = store_tx_begin(s)) < 0)
			goto out;
		r = queue_ring(s, "scheduler", p, json_integer_value(json_object_get(p, "current_ring")), false, now, &n,
			       &waiting);
		if ((r = store_tx_end(s, r)) < 0)
			goto out;
	}
	json_array_clear(plans);
	/* machines whose agent never answered */
	if ((r = upgrade_store_machines_stuck(s, now - UPGRADE_REMOTE_TIMEOUT, stuck)) < 0)
		goto out;
	json_array_foreach(stuck, i, p)
	{
		char reason[300];
		snprintf(reason, sizeof(reason),
			 "no result from the host within %d hours (job %lld): is its agent running?",
			 UPGRADE_REMOTE_TIMEOUT / 3600, (long long)json_integer_value(json_object_get(p, "job")));
		if ((r = store_tx_begin(s)) < 0)
			goto out;
		r = upgrade_store_machine_set(s, json_integer_value(json_object_get(p, "id")), "failed", 0, reason,
					      NULL, 0, now);
		if (r == 0)
			r = ring_check(s, "scheduler", json_integer_value(json_object_get(p, "plan_id")),
				       json_integer_value(json_object_get(p, "ring")), now);
		if ((r = store_tx_end(s, r)) < 0)
			goto out;
	}
	/* notes of plans that passed */
	if ((r = upgrade_store_plan_list(s, plans)) < 0)
		goto out;
	json_array_foreach(plans, i, p)
	{
		if (strcmp(json_string_value(json_object_get(p, "status")), "passed") != 0 ||
		    !json_is_object(json_object_get(p, "note")) || json_is_integer(json_object_get(p, "notice_course")))
			continue;
		int e = publish_note(s, p, now);
		if (e < 0) {
			log_warnx("upgrade plan %lld: cannot publish its note: %s",
				  (long long)json_integer_value(json_object_get(p, "id")), err_msg(e));
			/* not again every round: mark it with course 0 */
			if (store_tx_begin(s) == 0)
				store_tx_end(
				    s, upgrade_store_plan_notice(s, json_integer_value(json_object_get(p, "id")), 0));
		}
	}
	if (ret_started)
		*ret_started = started;
out:
	json_decref(due);
	json_decref(stuck);
	json_decref(plans);
	return r;
}
