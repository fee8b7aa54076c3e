/*
 * dr.c: recovery plans: their schedules, validation, create / edit / remove with the
 * activity log, the status rules, the scheduler's sweep (RPO findings, due runs) and
 * the default plan that backs up Ward's own database.
 */
#include "dr/dr.h"

#include <ctype.h>
#include <limits.h>
#include <sodium.h>
#include <stdarg.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "actlog/actlog.h"
#include "backup/backup.h"
#include "backup/dump.h"
#include "core/crypto.h"
#include "core/err.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/text.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "dr/dr_store.h"
#include "findings/findings.h"
#include "hosts/hosts.h"

/* --- schedules --- */

#define DR_EVERY_MIN (5 * 60)

int dr_schedule_parse(const char *text, struct dr_schedule *ret)
{
	struct dr_schedule sc = {0};
	int64_t v;
	if (!text)
		return err_set(-EINVAL, "a schedule is required");
	if (strcmp(text, "manual") == 0) {
		sc.kind = DR_SCHED_MANUAL;
	} else if (strncmp(text, "every ", 6) == 0) {
		if (time_parse_duration(text + 6, &v) < 0 || v < DR_EVERY_MIN || v > WARD_DR_OBJECTIVE_MAX)
			return err_set(-EINVAL, "schedule '%s': give 'every DURATION' from 5m to 366d", text);
		sc.kind = DR_SCHED_EVERY;
		sc.every = v;
	} else if (strncmp(text, "daily ", 6) == 0) {
		const char *t = text + 6;
		if (strlen(t) != 5 || !isdigit((unsigned char)t[0]) || !isdigit((unsigned char)t[1]) || t[2] != ':' ||
		    !isdigit((unsigned char)t[3]) || !isdigit((unsigned char)t[4]))
			return err_set(-EINVAL, "schedule '%s': give 'daily HH:MM'", text);
		int h = (t[0] - '0') * 10 + (t[1] - '0'), m = (t[3] - '0') * 10 + (t[4] - '0');
		if (h > 23 || m > 59)
			return err_set(-EINVAL, "schedule '%s': no such time of day", text);
		sc.kind = DR_SCHED_DAILY;
		sc.minute = h * 60 + m;
	} else {
		return err_set(-EINVAL, "schedule '%s': give 'every DURATION' (every 6h), 'daily HH:MM' or 'manual'",
			       text);
	}
	*ret = sc;
	return 0;
}

/* The first local HH:MM strictly after t. */
static int64_t daily_after(int minute, int64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;
	localtime_r(&tt, &tm);
	for (int day = 0; day < 3; day++) {
		struct tm c = tm;
		c.tm_mday += day;
		c.tm_hour = minute / 60;
		c.tm_min = minute % 60;
		c.tm_sec = 0;
		c.tm_isdst = -1;
		time_t at = mktime(&c);
		if (at != (time_t)-1 && (int64_t)at > t)
			return (int64_t)at;
	}
	return t + 86400;
}

int64_t dr_schedule_next(const struct dr_schedule *sc, int64_t created, int64_t last, bool last_failed)
{
	int64_t next;
	switch (sc->kind) {
	case DR_SCHED_EVERY: next = last ? last + sc->every : created; break;
	case DR_SCHED_DAILY: next = daily_after(sc->minute, last ? last : created - 1); break;
	default: return INT64_MAX;
	}
	if (last && last_failed && last + DR_RETRY_AFTER < next)
		next = last + DR_RETRY_AFTER;
	return next;
}

int64_t dr_schedule_period(const struct dr_schedule *sc)
{
	return sc->kind == DR_SCHED_EVERY ? sc->every : sc->kind == DR_SCHED_DAILY ? 86400 : 0;
}

/* --- status --- */

const char *dr_color_name(enum dr_color c)
{
	return c == DR_GREEN ? "green" : c == DR_AMBER ? "amber" : "red";
}

static void age_text(int64_t s, char *out, size_t size)
{
	if (s >= 2 * 86400)
		snprintf(out, size, "%lldd %lldh", (long long)(s / 86400), (long long)(s % 86400 / 3600));
	else if (s >= 3600)
		snprintf(out, size, "%lldh %lldm", (long long)(s / 3600), (long long)(s % 3600 / 60));
	else if (s >= 60)
		snprintf(out, size, "%lldm", (long long)(s / 60));
	else
		snprintf(out, size, "%llds", (long long)s);
}

static void reason(json_t *reasons, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void reason(json_t *reasons, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	if (!reasons)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	json_array_append_new(reasons, json_string(buf));
}

enum dr_color dr_status_eval(const struct dr_status_in *in, json_t *reasons)
{
	json_t *amber = json_array();
	enum dr_color c = DR_GREEN;
	char a[32], b[32];
	int64_t age = in->good_backup_time ? in->now - in->good_backup_time : 0;
	/* Red first, so the reasons read worst first. */
	if (!in->good_backup_time && in->now - in->created_at > in->rpo) {
		age_text(in->now - in->created_at, a, sizeof(a));
		reason(reasons, "RPO missed: no good backup in the %s since the plan was made", a);
		c = DR_RED;
	} else if (in->good_backup_time && age > in->rpo) {
		age_text(age, a, sizeof(a));
		age_text(in->rpo, b, sizeof(b));
		reason(reasons, "RPO missed: the newest good backup is %s old (RPO %s)", a, b);
		c = DR_RED;
	}
	if (in->last_backup_failed) {
		reason(reasons, "the last backup failed");
		c = DR_RED;
	}
	if (in->last_drill && strcmp(in->last_drill, "failed") == 0) {
		reason(reasons, "the last restore drill failed");
		c = DR_RED;
	}
	/* Amber: objectives at risk, or not proven. */
	if (!in->good_backup_time && in->now - in->created_at <= in->rpo) {
		reason(amber, "no backup yet");
	} else if (in->good_backup_time && age <= in->rpo && age * 100 > in->rpo * DR_AMBER_PERCENT) {
		age_text(age, a, sizeof(a));
		age_text(in->rpo, b, sizeof(b));
		reason(amber, "the newest good backup is %s old, over %d%% of the RPO (%s)", a, DR_AMBER_PERCENT, b);
	}
	if (!in->last_drill) {
		reason(amber, "no restore drill yet");
	} else if (strcmp(in->last_drill, "slow") == 0) {
		age_text((int64_t)(in->last_drill_seconds + 0.5), a, sizeof(a));
		age_text(in->rto, b, sizeof(b));
		reason(amber, "the last restore drill took %s, over the RTO (%s)", a, b);
	}
	if (in->last_drill && in->drill_period &&
	    in->now - in->last_drill_time > DR_DRILL_STALE_FACTOR * in->drill_period) {
		age_text(in->now - in->last_drill_time, a, sizeof(a));
		reason(amber, "the last restore drill is %s old", a);
	}
	if (json_array_size(amber) && c == DR_GREEN)
		c = DR_AMBER;
	if (reasons)
		json_array_extend(reasons, amber);
	json_decref(amber);
	return c;
}

/* --- validation --- */

static int check_text(const char *field, const json_t *v, size_t max, bool one_line)
{
	const char *t = json_string_value(v);
	if (!json_is_string(v))
		return err_set(-EINVAL, "field '%s' must be a string", field);
	if (strlen(t) > max)
		return err_set(-EINVAL, "field '%s' is longer than %zu bytes", field, max);
	for (const unsigned char *p = (const unsigned char *)t; *p; p++)
		if ((*p < 0x20 && (one_line || (*p != '\n' && *p != '\t'))) || *p == 0x7f)
			return err_set(-EINVAL, "field '%s' holds a control character", field);
	return 0;
}

static int check_name(const json_t *v)
{
	int r = check_text("name", v, WARD_DR_NAME_MAX, true);
	if (r < 0)
		return r;
	const char *n = json_string_value(v);
	if (!*n)
		return err_set(-EINVAL, "a recovery plan needs a name");
	if (!text_is_name(n, WARD_DR_NAME_MAX))
		return err_set(-EINVAL,
			       "plan name '%s': use lower-case letters, digits, '.', '_' and '-', "
			       "starting with a letter or digit",
			       n);
	if (strspn(n, "0123456789") == strlen(n))
		return err_set(-EINVAL, "plan name '%s' is all digits (it would be taken for an id)", n);
	return 0;
}

static int check_abs_path(const char *field, const json_t *v)
{
	int r = check_text(field, v, WARD_DR_PATH_MAX, true);
	if (r < 0)
		return r;
	if (json_string_value(v)[0] != '/')
		return err_set(-EINVAL, "field '%s' must be an absolute path, not '%s'", field, json_string_value(v));
	return 0;
}

/* An array of at most max strings, each checked by kind: 'p' absolute path, 'e'
 * pattern, 'd' dump spec, 's' step. */
static int check_list(const char *field, const json_t *v, size_t max, char kind)
{
	size_t i;
	json_t *e;
	if (!json_is_array(v))
		return err_set(-EINVAL, "field '%s' must be an array of strings", field);
	if (json_array_size(v) > max)
		return err_set(-EINVAL, "field '%s' holds more than %zu entries", field, max);
	json_array_foreach(v, i, e)
	{
		int r;
		if (kind == 'p')
			r = check_abs_path(field, e);
		else
			r = check_text(field, e, kind == 's' ? WARD_DR_STEP_MAX : WARD_DR_PATH_MAX, kind != 's');
		if (r < 0)
			return r;
		if (!*json_string_value(e))
			return err_set(-EINVAL, "field '%s' holds an empty entry", field);
		if (kind == 'd') {
			struct dump_spec spec;
			if ((r = dump_parse(json_string_value(e), &spec)) < 0)
				return err_set(r, "field 'dumps': %s", err_msg(r));
		}
	}
	return 0;
}

/* A duration given as text ("26h") or as seconds, into an integer in place. */
static int check_duration(json_t *plan, const char *field)
{
	json_t *v = json_object_get(plan, field);
	int64_t secs;
	if (json_is_integer(v)) {
		secs = json_integer_value(v);
	} else if (json_is_string(v)) {
		if (time_parse_duration(json_string_value(v), &secs) < 0)
			return err_set(-EINVAL, "field '%s': '%s' is not a duration (use e.g. 30m, 4h, 26h, 2d)", field,
				       json_string_value(v));
	} else {
		return err_set(-EINVAL, "field '%s' must be a duration such as \"26h\"", field);
	}
	if (secs < 60 || secs > WARD_DR_OBJECTIVE_MAX)
		return err_set(-EINVAL, "field '%s' must be between 1m and 366d", field);
	json_object_set_new(plan, field, json_integer(secs));
	return 0;
}

static int check_retention(const json_t *v)
{
	static const char *const keys[] = {"last", "hourly", "daily", "weekly", "monthly", "yearly", NULL};
	const char *k;
	json_t *n;
	if (!json_is_object(v))
		return err_set(-EINVAL, "field 'retention' must be an object such as {\"daily\": 7, \"weekly\": 4}");
	json_object_foreach((json_t *)v, k, n)
	{
		bool known = false;
		for (int i = 0; keys[i]; i++)
			known = known || strcmp(k, keys[i]) == 0;
		if (!known)
			return err_set(-EINVAL,
				       "retention: unknown key '%s' (last, hourly, daily, weekly, monthly, yearly)", k);
		if (!json_is_integer(n) || json_integer_value(n) < 0 || json_integer_value(n) > 100000)
			return err_set(-EINVAL, "retention: '%s' must be a count from 0", k);
	}
	return 0;
}

static int check_password_file(const char *path)
{
	char *data = NULL;
	size_t len = 0;
	int r = fs_read_file(path, 4096, &data, &len);
	if (r < 0)
		return err_set(r, "cannot read the password file '%s': %s", path, strerror(-r));
	bool empty = len == 0 || data[0] == '\n';
	sodium_memzero(data, len);
	free(data);
	if (empty)
		return err_set(-EINVAL, "the password file '%s' is empty", path);
	return 0;
}

/* The fields a plan may be given, and which need a value at creation. */
static const char *const plan_fields[] = {
    "name",	     "description", "machine", "paths",		  "excludes",	    "dumps",	 "repo",
    "password_file", "rpo",	    "rto",     "backup_schedule", "drill_schedule", "retention", "steps",
    "owner",	     "contacts",    NULL};

/* Checks the whole plan (fields merged over the defaults or the old plan). */
static int plan_check(struct store *s, json_t *p)
{
	struct dr_schedule bs, ds;
	int r;
	if ((r = check_name(json_object_get(p, "name"))) < 0 ||
	    (r = check_text("description", json_object_get(p, "description"), WARD_DR_TEXT_MAX, false)) < 0 ||
	    (r = check_text("owner", json_object_get(p, "owner"), WARD_DR_TEXT_MAX, true)) < 0 ||
	    (r = check_text("contacts", json_object_get(p, "contacts"), WARD_DR_TEXT_MAX, false)) < 0 ||
	    (r = check_text("machine", json_object_get(p, "machine"), WARD_DR_NAME_MAX, true)) < 0 ||
	    (r = check_list("paths", json_object_get(p, "paths"), WARD_DR_PATHS_MAX, 'p')) < 0 ||
	    (r = check_list("excludes", json_object_get(p, "excludes"), WARD_DR_PATHS_MAX, 'e')) < 0 ||
	    (r = check_list("dumps", json_object_get(p, "dumps"), WARD_DR_PATHS_MAX, 'd')) < 0 ||
	    (r = check_list("steps", json_object_get(p, "steps"), WARD_DR_STEPS_MAX, 's')) < 0 ||
	    (r = check_retention(json_object_get(p, "retention"))) < 0)
		return r;
	const char *machine = json_string_value(json_object_get(p, "machine"));
	bool local = strcmp(machine, DR_LOCAL) == 0;
	if (!local) {
		struct host h;
		if (hosts_get(s, machine, &h) < 0)
			return err_set(-EINVAL,
				       "machine '%s' is neither 'local' nor an enrolled host ('ward host list')",
				       machine);
	}
	if (json_array_size(json_object_get(p, "paths")) + json_array_size(json_object_get(p, "dumps")) == 0)
		return err_set(-EINVAL, "a recovery plan needs something to back up: 'paths' or 'dumps'");
	if (!json_is_string(json_object_get(p, "repo")) || !*json_string_value(json_object_get(p, "repo")))
		return err_set(-EINVAL, "a recovery plan needs 'repo', the repository's path");
	if (!json_is_string(json_object_get(p, "password_file")) ||
	    !*json_string_value(json_object_get(p, "password_file")))
		return err_set(-EINVAL, "a recovery plan needs 'password_file', a file with the repository's password");
	if ((r = check_abs_path("repo", json_object_get(p, "repo"))) < 0 ||
	    (r = check_abs_path("password_file", json_object_get(p, "password_file"))) < 0)
		return r;
	if (!json_object_get(p, "rpo") || json_is_null(json_object_get(p, "rpo")))
		return err_set(-EINVAL, "a recovery plan needs 'rpo', its recovery point objective (e.g. 26h)");
	if (!json_object_get(p, "rto") || json_is_null(json_object_get(p, "rto")))
		return err_set(-EINVAL, "a recovery plan needs 'rto', its recovery time objective (e.g. 4h)");
	if ((r = check_duration(p, "rpo")) < 0 || (r = check_duration(p, "rto")) < 0)
		return r;
	if (!json_is_string(json_object_get(p, "backup_schedule")) ||
	    !json_is_string(json_object_get(p, "drill_schedule")))
		return err_set(-EINVAL, "schedules must be strings such as \"daily 02:00\" or \"every 6h\"");
	if ((r = dr_schedule_parse(json_string_value(json_object_get(p, "backup_schedule")), &bs)) < 0 ||
	    (r = dr_schedule_parse(json_string_value(json_object_get(p, "drill_schedule")), &ds)) < 0)
		return r;
	int64_t rpo = json_integer_value(json_object_get(p, "rpo"));
	if (bs.kind != DR_SCHED_MANUAL && dr_schedule_period(&bs) > rpo)
		return err_set(-EINVAL,
			       "backup schedule '%s' leaves gaps longer than the RPO (%lld s): back up more often "
			       "or raise the RPO",
			       json_string_value(json_object_get(p, "backup_schedule")), (long long)rpo);
	/* On a host, its agent reads the file when a run starts. */
	return local ? check_password_file(json_string_value(json_object_get(p, "password_file"))) : 0;
}

/* Copies the known fields of f over p; -EINVAL for an unknown one. */
static int merge(json_t *p, const json_t *f, bool create)
{
	const char *k;
	json_t *v;
	int r = json_check_fields(f, plan_fields);
	if (r < 0)
		return r;
	if (!create && json_object_get(f, "name") &&
	    !json_equal(json_object_get(f, "name"), json_object_get(p, "name")))
		return err_set(-EINVAL, "a plan's name cannot change (remove it and add it again)");
	json_object_foreach((json_t *)f, k, v)
	{
		if (json_is_null(v) &&
		    (strcmp(k, "description") == 0 || strcmp(k, "owner") == 0 || strcmp(k, "contacts") == 0))
			v = json_string("");
		else
			json_incref(v);
		json_object_set_new(p, k, v);
	}
	return 0;
}

static json_t *plan_defaults(void)
{
	return json_pack("{s:s, s:s, s:[], s:[], s:[], s:s, s:s, s:{}, s:[], s:s, s:s}", "description", "", "machine",
			 DR_LOCAL, "paths", "excludes", "dumps", "backup_schedule", "daily 02:00", "drill_schedule",
			 "every 7d", "retention", "steps", "owner", "", "contacts", "");
}

int dr_plan_create(struct store *s, const char *actor, const json_t *fields, int64_t *ret_id)
{
	json_t *p = plan_defaults(), *old = NULL;
	int64_t id = 0;
	int r;
	if (!p)
		return -ENOMEM;
	if (!json_is_object(fields)) {
		r = err_set(-EINVAL, "a plan is a JSON object");
		goto out;
	}
	if (!json_object_get(fields, "name")) {
		r = err_set(-EINVAL, "a recovery plan needs a name");
		goto out;
	}
	if ((r = merge(p, fields, true)) < 0 || (r = plan_check(s, p)) < 0 || (r = store_tx_begin(s)) < 0)
		goto out;
	r = dr_store_plan_get_name(s, json_string_value(json_object_get(p, "name")), &old);
	if (r == 0)
		r = err_set(-EEXIST, "recovery plan '%s' exists already",
			    json_string_value(json_object_get(p, "name")));
	else if (r == -ENOENT)
		r = dr_store_plan_insert(s, p, actor, time_now(), &id);
	if (r == 0) {
		char object[WARD_DR_NAME_MAX + 16];
		snprintf(object, sizeof(object), "dr-plan:%s", json_string_value(json_object_get(p, "name")));
		r = actlog_appendf(s, actor, "dr.plan.create", object, "{s:I, s:O, s:O, s:O, s:O, s:O, s:O}", "id",
				   (json_int_t)id, "repo", json_object_get(p, "repo"), "rpo", json_object_get(p, "rpo"),
				   "rto", json_object_get(p, "rto"), "paths", json_object_get(p, "paths"), "dumps",
				   json_object_get(p, "dumps"), "backup_schedule",
				   json_object_get(p, "backup_schedule"));
	}
	if ((r = store_tx_end(s, r)) == 0) {
		if (ret_id)
			*ret_id = id;
		dr_changed();
	}
out:
	json_decref(old);
	json_decref(p);
	return r;
}

int dr_plan_edit(struct store *s, const char *actor, int64_t id, const json_t *fields)
{
	json_t *old = NULL, *p = NULL, *changed = NULL;
	const char *k;
	json_t *v;
	int r;
	if (!json_is_object(fields) || json_object_size(fields) == 0)
		return err_set(-EINVAL, "nothing to change: give the fields to change");
	if ((r = store_tx_begin(s)) < 0)
		return r;
	if ((r = dr_store_plan_get_id(s, id, &old)) < 0)
		goto out;
	if (!(p = json_deep_copy(old)) || !(changed = json_object())) {
		r = -ENOMEM;
		goto out;
	}
	if ((r = merge(p, fields, false)) < 0 || (r = plan_check(s, p)) < 0)
		goto out;
	json_object_foreach(p, k, v) if (!json_equal(v, json_object_get(old, k))) json_object_set(changed, k, v);
	if (json_object_size(changed) == 0)
		goto out;
	if ((r = dr_store_plan_update(s, id, p, time_now())) == 0) {
		char object[WARD_DR_NAME_MAX + 16];
		snprintf(object, sizeof(object), "dr-plan:%s", json_string_value(json_object_get(p, "name")));
		r = actlog_appendf(s, actor, "dr.plan.edit", object, "{s:I, s:O}", "id", (json_int_t)id, "changed",
				   changed);
	}
out:
	r = store_tx_end(s, r);
	if (r == 0 && changed && json_object_size(changed))
		dr_changed();
	json_decref(old);
	json_decref(p);
	json_decref(changed);
	return r;
}

int dr_plan_remove(struct store *s, const char *actor, int64_t id)
{
	json_t *p = NULL, *running = NULL;
	int r = store_tx_begin(s);
	if (r < 0)
		return r;
	if ((r = dr_store_plan_get_id(s, id, &p)) < 0 ||
	    (r = dr_store_run_last(s, id, "backup", "running", &running)) < 0)
		goto out;
	if (!running && (r = dr_store_run_last(s, id, "drill", "running", &running)) < 0)
		goto out;
	if (running) {
		r = err_set(-EEXIST, "recovery plan '%s' has a %s running; remove it when that ends",
			    json_string_value(json_object_get(p, "name")),
			    json_string_value(json_object_get(running, "kind")));
		goto out;
	}
	if ((r = dr_store_plan_delete(s, id)) == 0) {
		char object[WARD_DR_NAME_MAX + 16];
		snprintf(object, sizeof(object), "dr-plan:%s", json_string_value(json_object_get(p, "name")));
		r = actlog_appendf(s, actor, "dr.plan.remove", object, "{s:I, s:O}", "id", (json_int_t)id, "repo",
				   json_object_get(p, "repo"));
	}
	if (r == 0) {
		char key[WARD_DR_NAME_MAX + 16];
		snprintf(key, sizeof(key), "rpo:%s", json_string_value(json_object_get(p, "name")));
		r = findings_close(s, actor, "dr", key, "the plan was removed", time_now(), NULL);
	}
	if (r == 0) {
		char key[WARD_DR_NAME_MAX + 16];
		snprintf(key, sizeof(key), "drill:%s", json_string_value(json_object_get(p, "name")));
		r = findings_close(s, actor, "dr", key, "the plan was removed", time_now(), NULL);
	}
out:
	json_decref(p);
	json_decref(running);
	return store_tx_end(s, r);
}

/* --- reading plans with their status --- */

static int64_t jint(const json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

/* Strips the raw fields the store adds to runs for the rules. */
static json_t *run_public(json_t *run)
{
	if (run) {
		json_object_del(run, "started");
		json_object_del(run, "finished");
		json_object_del(run, "snapshot_at");
		json_object_del(run, "pid");
		json_object_del(run, "plan_id");
	}
	return run ? run : json_null();
}

/* When the plan's next runs are due, for the sweep. */
struct due {
	int64_t backup, drill; /* INT64_MAX: not scheduled */
	bool running;
};

/* Adds "status" to p; due (may be NULL) gets when its runs are due. */
static int plan_status(struct store *s, json_t *p, int64_t now, struct due *due)
{
	json_t *lb = NULL, *good = NULL, *ld = NULL, *rb = NULL, *rd = NULL, *reasons = json_array();
	int64_t id = jint(p, "id");
	struct dr_schedule bs, ds;
	int r;
	if (!reasons)
		return -ENOMEM;
	if ((r = dr_store_run_last(s, id, "backup", "finished", &lb)) < 0 ||
	    (r = dr_store_run_last(s, id, "backup", "ok", &good)) < 0 ||
	    (r = dr_store_run_last(s, id, "drill", "finished", &ld)) < 0 ||
	    (r = dr_store_run_last(s, id, "backup", "running", &rb)) < 0 ||
	    (r = dr_store_run_last(s, id, "drill", "running", &rd)) < 0)
		goto out;
	if (dr_schedule_parse(json_string_value(json_object_get(p, "backup_schedule")), &bs) < 0)
		bs.kind = DR_SCHED_MANUAL;
	if (dr_schedule_parse(json_string_value(json_object_get(p, "drill_schedule")), &ds) < 0)
		ds.kind = DR_SCHED_MANUAL;
	struct dr_status_in in = {
	    .now = now,
	    .created_at = jint(p, "created_at"),
	    .rpo = jint(p, "rpo"),
	    .rto = jint(p, "rto"),
	    .drill_period = dr_schedule_period(&ds),
	    .good_backup_time = good ? jint(good, "snapshot_at") : 0,
	    .last_backup_failed = lb && strcmp(json_string_value(json_object_get(lb, "status")), "failed") == 0,
	    .last_drill = ld ? json_string_value(json_object_get(ld, "status")) : NULL,
	    .last_drill_time = ld ? jint(ld, "finished") : 0,
	    .last_drill_seconds = ld ? json_real_value(json_object_get(ld, "seconds")) : 0,
	};
	enum dr_color c = dr_status_eval(&in, reasons);
	int64_t next_b = dr_schedule_next(&bs, in.created_at, lb ? jint(lb, "started") : 0, in.last_backup_failed);
	int64_t next_d = good ? dr_schedule_next(&ds, in.created_at, ld ? jint(ld, "started") : 0,
						 in.last_drill && strcmp(in.last_drill, "failed") == 0)
			      : INT64_MAX;
	json_t *running = rb ? rb : rd;
	if (due)
		*due = (struct due){.backup = next_b, .drill = next_d, .running = running != NULL};
	json_t *st =
	    json_pack("{s:s, s:O, s:O, s:O, s:O, s:O, s:o, s:o, s:o}", "color", dr_color_name(c), "reasons", reasons,
		      "last_backup", run_public(lb), "last_good_backup", run_public(good), "last_drill", run_public(ld),
		      "running", run_public(running), "backup_age",
		      in.good_backup_time ? json_integer(now - in.good_backup_time) : json_null(), "next_backup",
		      next_b == INT64_MAX ? json_null() : json_time(next_b > now ? next_b : now), "next_drill",
		      next_d == INT64_MAX ? json_null() : json_time(next_d > now ? next_d : now));
	if (!st || json_object_set_new(p, "status", st) < 0)
		r = -ENOMEM;
out:
	json_decref(lb);
	json_decref(good);
	json_decref(ld);
	json_decref(rb);
	json_decref(rd);
	json_decref(reasons);
	return r;
}

static void plan_times(json_t *p)
{
	json_object_set_new(p, "created_at", json_time(jint(p, "created_at")));
	json_object_set_new(p, "updated_at", json_time(jint(p, "updated_at")));
}

static int plan_lookup(struct store *s, const char *id_or_name, json_t **ret)
{
	int64_t id;
	if (!id_or_name || !*id_or_name)
		return err_set(-EINVAL, "name a recovery plan");
	if (parse_int64(id_or_name, 1, INT64_MAX, &id) == 0)
		return dr_store_plan_get_id(s, id, ret);
	err_clear();
	return dr_store_plan_get_name(s, id_or_name, ret);
}

int dr_plan_get(struct store *s, const char *id_or_name, int64_t now, json_t **ret)
{
	json_t *p;
	int r = plan_lookup(s, id_or_name, &p);
	if (r < 0)
		return r;
	if ((r = plan_status(s, p, now, NULL)) < 0) {
		json_decref(p);
		return r;
	}
	plan_times(p);
	*ret = p;
	return 0;
}

int dr_plan_list(struct store *s, int64_t now, json_t **ret)
{
	json_t *all = json_array(), *p;
	size_t i;
	int r;
	if (!all)
		return -ENOMEM;
	if ((r = dr_store_plan_list(s, all)) < 0)
		goto fail;
	json_array_foreach(all, i, p)
	{
		if ((r = plan_status(s, p, now, NULL)) < 0)
			goto fail;
		plan_times(p);
	}
	*ret = all;
	return 0;
fail:
	json_decref(all);
	return r;
}

int dr_runs(struct store *s, int64_t plan_id, const char *kind, int limit, json_t **ret)
{
	json_t *out = json_array(), *run;
	size_t i;
	if (!out)
		return -ENOMEM;
	if (kind && strcmp(kind, "backup") != 0 && strcmp(kind, "drill") != 0) {
		json_decref(out);
		return err_set(-EINVAL, "kind must be 'backup' or 'drill'");
	}
	int r =
	    dr_store_runs(s, plan_id, kind, limit < 1 || limit > WARD_DR_RUNS_MAX ? WARD_DR_RUNS_DEFAULT : limit, out);
	if (r < 0) {
		json_decref(out);
		return r;
	}
	json_array_foreach(out, i, run) run_public(run);
	*ret = out;
	return 0;
}

int dr_run_get(struct store *s, int64_t run_id, json_t **ret)
{
	json_t *run;
	int r = dr_store_run_get(s, run_id, &run);
	if (r < 0)
		return r;
	*ret = run_public(run);
	return 0;
}

/* --- the scheduler's sweep --- */

/* An alert for dr_alert_send: what it is about, why, and who to tell. */
static json_t *alert_new(const json_t *p, const char *about, const char *msg)
{
	return json_pack("{s:O, s:s, s:s, s:O, s:O}", "plan", json_object_get(p, "name"), "about", about, "message",
			 msg, "owner", json_object_get(p, "owner"), "contacts", json_object_get(p, "contacts"));
}

/* Opens the plan's drill finding when its last drill failed, closes it when the last
 * one restored; a finding that opens is an alert. The finding is the memory of the
 * transition: a plan whose drills keep failing is mailed once, not every round. */
static int sweep_drill(struct store *s, const char *actor, const json_t *p, struct dr_sweep_result *res, int64_t now)
{
	const json_t *ld = json_object_get(json_object_get(p, "status"), "last_drill");
	const char *name = json_string_value(json_object_get(p, "name"));
	const char *status = json_string_value(json_object_get(ld, "status"));
	char key[WARD_DR_NAME_MAX + 8], subject[WARD_DR_NAME_MAX + 16], msg[512];
	bool changed = false;
	int r;
	if (!status)
		return 0;
	snprintf(key, sizeof(key), "drill:%s", name);
	snprintf(subject, sizeof(subject), "dr-plan:%s", name);
	if (strcmp(status, "failed") == 0) {
		const char *why = json_string_value(json_object_get(ld, "error"));
		const char *when = json_string_value(json_object_get(ld, "finished_at"));
		snprintf(msg, sizeof(msg), "recovery plan '%s': the restore drill (run %lld, %s) failed: %.300s", name,
			 (long long)jint(ld, "id"), when ? when : "just now", why && *why ? why : "no reason recorded");
		if ((r = findings_open(s, actor, "dr", key, "high", subject, msg, now, &changed)) < 0)
			return r;
		if (changed) {
			res->opened++;
			json_array_append_new(res->alerts, alert_new(p, "drill", msg));
		}
	} else {
		if ((r = findings_close(s, actor, "dr", key, "a restore drill restored the plan's backup again", now,
					&changed)) < 0)
			return r;
		if (changed)
			res->closed++;
	}
	return 0;
}

/* Opens or closes the plan's RPO finding by its status. */
static int sweep_rpo(struct store *s, const char *actor, const json_t *p, struct dr_sweep_result *res, int64_t now)
{
	const json_t *st = json_object_get(p, "status");
	const char *name = json_string_value(json_object_get(p, "name"));
	int64_t age = json_is_integer(json_object_get(st, "backup_age")) ? jint(st, "backup_age") : -1;
	bool missed = age > jint(p, "rpo") || (age < 0 && now - jint(p, "created_at") > jint(p, "rpo"));
	char key[WARD_DR_NAME_MAX + 8], subject[WARD_DR_NAME_MAX + 16], msg[512], a[32], b[32];
	bool changed = false;
	int r;
	snprintf(key, sizeof(key), "rpo:%s", name);
	snprintf(subject, sizeof(subject), "dr-plan:%s", name);
	if (missed) {
		age_text(jint(p, "rpo"), b, sizeof(b));
		if (age >= 0) {
			age_text(age, a, sizeof(a));
			snprintf(msg, sizeof(msg),
				 "recovery plan '%s' missed its RPO: the newest good backup is %s old (RPO %s)", name,
				 a, b);
		} else {
			snprintf(msg, sizeof(msg), "recovery plan '%s' missed its RPO: it has no good backup (RPO %s)",
				 name, b);
		}
		if ((r = findings_open(s, actor, "dr", key, "high", subject, msg, now, &changed)) < 0)
			return r;
		if (changed) {
			res->opened++;
			json_array_append_new(res->alerts, alert_new(p, "rpo", msg));
		}
	} else {
		if ((r = findings_close(s, actor, "dr", key, "a good backup is within the RPO again", now, &changed)) <
		    0)
			return r;
		if (changed)
			res->closed++;
	}
	return 0;
}

int dr_sweep(struct store *s, const char *actor, int64_t now, bool start_due, struct dr_sweep_result *ret)
{
	struct dr_sweep_result res = {.alerts = json_array()};
	json_t *all = json_array(), *p;
	bool full = false;
	size_t i;
	int r;
	if (!all || !res.alerts) {
		json_decref(all);
		json_decref(res.alerts);
		return -ENOMEM;
	}
	if ((r = dr_reap(s, now)) < 0 || (r = dr_store_plan_list(s, all)) < 0)
		goto out;
	json_array_foreach(all, i, p)
	{
		struct due due;
		int64_t run;
		if ((r = plan_status(s, p, now, &due)) < 0 || (r = sweep_rpo(s, actor, p, &res, now)) < 0 ||
		    (r = sweep_drill(s, actor, p, &res, now)) < 0)
			goto out;
		if (!start_due || full || due.running)
			continue;
		enum dr_kind kind = due.backup <= now ? DR_BACKUP : DR_DRILL;
		if (kind == DR_DRILL && due.drill > now)
			continue;
		int e = dr_run_start(s, actor, jint(p, "id"), kind, &run);
		if (e == -EAGAIN)
			full = true;
		else if (e < 0)
			res.failed++;
		else
			res.started++;
	}
out:
	json_decref(all);
	if (r == 0 && ret)
		*ret = res;
	else
		json_decref(res.alerts);
	return r;
}

/* --- the default plan --- */

#define DR_META_DEFAULT "default_plan_created"

int dr_default_plan(struct store *s, const char *actor, bool *ret_created)
{
	char data[PATH_MAX], dir[PATH_MAX], pwfile[PATH_MAX], repo[PATH_MAX], dump[PATH_MAX + 8];
	char *done = NULL;
	json_t *f = NULL;
	bool created = false;
	int r;
	if ((r = dr_store_meta_get(s, DR_META_DEFAULT, &done)) < 0)
		return r;
	if (done) {
		free(done);
		goto out;
	}
	if (!realpath(store_data_dir(), data))
		return err_set(-errno, "cannot resolve the data directory '%s': %s", store_data_dir(), strerror(errno));
	if (fs_join(dir, sizeof(dir), data, "backups") < 0 ||
	    fs_join(pwfile, sizeof(pwfile), dir, "ward.password") < 0 || fs_join(repo, sizeof(repo), dir, "ward") < 0 ||
	    snprintf(dump, sizeof(dump), "sqlite:%s/ward.db", data) >= (int)sizeof(dump))
		return err_set(-ENAMETOOLONG, "the data directory's path is too long");
	if ((r = fs_mkdir_p(dir, 0700)) < 0)
		return err_set(r, "cannot create '%s': %s", dir, strerror(-r));
	if (access(pwfile, F_OK) < 0) {
		/* A password for the repository, kept beside it: copy it somewhere safe too. */
		char pw[49];
		crypto_random_password(pw, sizeof(pw) - 1);
		pw[sizeof(pw) - 2] = '\n';
		pw[sizeof(pw) - 1] = '\0';
		r = fs_write_atomic(pwfile, pw, strlen(pw), 0600);
		sodium_memzero(pw, sizeof(pw));
		if (r < 0)
			return err_set(r, "cannot write '%s': %s", pwfile, strerror(-r));
	}
	char step0[PATH_MAX + 200], step1[PATH_MAX + 200], step2[3 * PATH_MAX + 200], step3[2 * PATH_MAX + 200];
	snprintf(step0, sizeof(step0),
		 "Beforehand: keep a copy of %s away from this machine (a password manager, a safe); without it the "
		 "backups cannot be read.",
		 pwfile);
	snprintf(step1, sizeof(step1), "Stop Ward (systemctl stop ward) and keep the damaged %s/ward.db aside.", data);
	snprintf(step2, sizeof(step2),
		 "Restore the newest snapshot: ward backup restore latest --repo %s --password-file %s --target "
		 "/var/tmp/ward-restore",
		 repo, pwfile);
	snprintf(step3, sizeof(step3),
		 "Copy /var/tmp/ward-restore%s/dr-dumps/ward/sqlite-ward.db to %s/ward.db, remove ward.db-wal and "
		 "ward.db-shm beside it, and give it to the user Ward runs as.",
		 data, data);
	f = json_pack("{s:s, s:s, s:[s], s:s, s:s, s:s, s:s, s:s, s:s, s:{s:i, s:i, s:i}, s:[s, s, s, s, s], s:s}",
		      "name", DR_DEFAULT_PLAN, "description",
		      "Ward's own database: users, tickets, plans and the activity log, dumped consistently through "
		      "SQLite's online backup API.",
		      "dumps", dump, "repo", repo, "password_file", pwfile, "rpo", "26h", "rto", "1h",
		      "backup_schedule", "daily 02:00", "drill_schedule", "every 7d", "retention", "daily", 7, "weekly",
		      4, "monthly", 6, "steps", step0, step1, step2, step3,
		      "Start Ward and check the activity log with 'ward log verify'.", "owner", "admin");
	if (!f)
		return -ENOMEM;
	if ((r = store_tx_begin(s)) < 0)
		goto out;
	r = dr_plan_create(s, actor, f, NULL);
	if (r == -EEXIST) {
		err_clear();
		r = 0;
	} else if (r == 0) {
		created = true;
	}
	if (r == 0)
		r = dr_store_meta_set(s, DR_META_DEFAULT, "1");
	r = store_tx_end(s, r);
out:
	json_decref(f);
	if (r == 0 && ret_created)
		*ret_created = created;
	return r;
}
