/*
 * compliance.c: due dates of the upgrades on hand, overdue lists, patch compliance per
 * machine and for the fleet, daily snapshots for trends, and the findings they raise.
 */
#include "compliance/compliance.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "actlog/actlog.h"
#include "compliance/compliance_store.h"
#include "core/err.h"
#include "core/timeutil.h"
#include "findings/findings.h"
#include "hosts/hosts.h"
#include "hosts/hosts_store.h"
#include "maint/maint.h"
#include "vuln/vuln.h"

#define SETTING_SYNCED "synced_through"
#define SYNC_ONE_BY_ONE_MAX 4	    /* machines with new upgrades matched one at a time, at most */
#define SETTING_FEEDS "feeds_stamp" /* the feeds' imports the stored urgencies come from */

/* --- the policy and the arithmetic --- */

const char *compliance_class_name(enum compliance_class c)
{
	return c == COMPLIANCE_SECURITY_HIGH ? "security-high" : c == COMPLIANCE_SECURITY ? "security" : "other";
}

void compliance_policy_default(struct compliance_policy *p)
{
	p->security_high = 7 * COMPLIANCE_DAY;
	p->security = 30 * COMPLIANCE_DAY;
	p->other = 90 * COMPLIANCE_DAY;
}

int compliance_urgency_rank(const char *urgency)
{
	static const struct {
		const char *word;
		int rank;
	} words[] = {{"critical", 5}, {"high", 4}, {"medium", 3}, {"low", 2}, {"negligible", 1}, {"unimportant", 1}};
	if (!urgency)
		return 0;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		size_t n = strlen(words[i].word);
		/* the tracker marks guessed urgencies with asterisks: "medium**" */
		if (strncmp(urgency, words[i].word, n) == 0 && (urgency[n] == '\0' || urgency[n] == '*'))
			return words[i].rank;
	}
	return 0;
}

enum compliance_class compliance_classify(bool security, const char *urgency)
{
	if (!security)
		return COMPLIANCE_OTHER;
	return compliance_urgency_rank(urgency) >= 4 ? COMPLIANCE_SECURITY_HIGH : COMPLIANCE_SECURITY;
}

int64_t compliance_due(const struct compliance_policy *p, enum compliance_class c, int64_t first_seen)
{
	int64_t period = c == COMPLIANCE_SECURITY_HIGH ? p->security_high
			 : c == COMPLIANCE_SECURITY    ? p->security
						       : p->other;
	return first_seen + period;
}

static const char *const policy_keys[] = {"due.security-high", "due.security", "due.other"};

int compliance_policy_get(struct store *s, struct compliance_policy *ret)
{
	struct compliance_policy p;
	int64_t *v[] = {&p.security_high, &p.security, &p.other};
	compliance_policy_default(&p);
	for (size_t i = 0; i < 3; i++) {
		bool found;
		int r = compliance_store_setting_get(s, policy_keys[i], v[i], &found);
		if (r < 0)
			return r;
	}
	*ret = p;
	return 0;
}

int compliance_policy_set(struct store *s, const char *actor, const struct compliance_policy *p)
{
	const int64_t v[] = {p->security_high, p->security, p->other};
	int r;
	for (size_t i = 0; i < 3; i++)
		if (v[i] && (v[i] < 3600 || v[i] > COMPLIANCE_DUE_MAX))
			return err_set(-EINVAL, "a due period must be between 1 hour and %lld days",
				       (long long)(COMPLIANCE_DUE_MAX / COMPLIANCE_DAY));
	if ((r = store_tx_begin(s)) < 0)
		return r;
	for (size_t i = 0; r == 0 && i < 3; i++)
		if (v[i])
			r = compliance_store_setting_set(s, policy_keys[i], v[i]);
	struct compliance_policy now;
	if (r == 0 && (r = compliance_policy_get(s, &now)) == 0)
		r = actlog_appendf(s, actor, "compliance.policy", "compliance", "{s:I, s:I, s:I}", "security-high",
				   (json_int_t)now.security_high, "security", (json_int_t)now.security, "other",
				   (json_int_t)now.other);
	return store_tx_end(s, r);
}

/* --- first seen --- */

struct sync_state {
	struct store *s;
	int64_t through;
	json_t *fresh; /* {host id: true} for machines with new upgrades: their urgencies are due */
};

static int sync_section(void *arg, int64_t host_id, const char *data, int64_t updated_at)
{
	struct sync_state *st = arg;
	json_t *sec = json_loads(data, 0, NULL), *open = json_object(), *u;
	const char *key;
	size_t i;
	int r = sec && open ? compliance_store_open_keys(st->s, host_id, open) : -ENOMEM;
	json_array_foreach(json_object_get(sec, "upgrades"), i, u)
	{
		const char *name = json_string_value(json_object_get(u, "name"));
		const char *arch = json_string_value(json_object_get(u, "architecture"));
		const char *cand = json_string_value(json_object_get(u, "candidate"));
		char k[1024];
		if (r < 0)
			break;
		if (!name || !cand)
			continue;
		if (!arch)
			arch = "";
		snprintf(k, sizeof(k), "%s\t%s\t%s", name, arch, cand);
		if (json_object_get(open, k)) {
			json_object_del(open, k); /* pending already: its clock runs on */
			continue;
		}
		r = compliance_store_observe(st->s, host_id, name, arch,
					     json_string_value(json_object_get(u, "installed")), cand,
					     json_is_true(json_object_get(u, "security")), updated_at);
		if (r == 0) {
			char id[24];
			snprintf(id, sizeof(id), "%lld", (long long)host_id);
			json_object_set_new(st->fresh, id, json_true());
		}
	}
	/* what is no longer offered was installed (or superseded, its clock passed on) */
	void *tmp;
	json_object_foreach_safe(open, tmp, key, u)
	{
		char k[1024], *pkg, *arch, *cand;
		if (r < 0)
			break;
		snprintf(k, sizeof(k), "%s", key);
		pkg = k;
		arch = strchr(pkg, '\t');
		cand = arch ? strchr(arch + 1, '\t') : NULL;
		if (!cand)
			continue;
		*arch++ = '\0';
		*cand++ = '\0';
		r = compliance_store_resolve(st->s, host_id, pkg, arch, cand, updated_at);
	}
	if (updated_at > st->through)
		st->through = updated_at;
	json_decref(sec);
	json_decref(open);
	return r;
}

/* What the vulnerability data says about each machine's upgrades:
 * {host: {"bins": {binary: {"urgency", "cves"}}}}. */
static int vuln_collect(void *arg, json_t *res)
{
	json_t *map = arg, *h = json_object(), *bins = json_object(), *f;
	size_t i;
	if (!h || !bins) {
		json_decref(h);
		json_decref(bins);
		return -ENOMEM;
	}
	json_object_set_new(h, "bins", bins);
	json_array_foreach(json_object_get(res, "findings"), i, f)
	{
		json_t *b;
		size_t k;
		if (!json_is_true(json_object_get(f, "upgrade_fixes")))
			continue;
		const char *urg = json_string_value(json_object_get(f, "urgency"));
		json_array_foreach(json_object_get(f, "binaries"), k, b)
		{
			const char *name = json_string_value(b);
			json_t *e = json_object_get(bins, name);
			if (!e) {
				e = json_pack("{s:n, s:[]}", "urgency", "cves");
				json_object_set_new(bins, name, e);
			}
			const char *cur = json_string_value(json_object_get(e, "urgency"));
			if (urg && compliance_urgency_rank(urg) > compliance_urgency_rank(cur))
				json_object_set_new(e, "urgency", json_string(urg));
			json_array_append(json_object_get(e, "cves"), json_object_get(f, "cve"));
		}
	}
	json_object_set_new(map, json_string_value(json_object_get(res, "host")), h);
	return 0;
}

/*
 * Stores, on each pending upgrade of one machine (host_id, uid) or of all (0, NULL),
 * the issues it fixes and the most urgent one's urgency, from matching the machines'
 * packages against the feeds now: the class of an upgrade depends on it. Matching is
 * the expensive part of compliance (tens of ms a machine), so it runs when a machine
 * reports new upgrades and after a feed import, not on every read.
 */
static int refresh_urgency(struct store *s, int64_t host_id, const char *uid, int64_t now)
{
	json_t *vmap = json_object(), *pending = json_array(), *hosts = json_array(), *byid = json_object(), *row, *hv;
	size_t i;
	int r = vmap && pending && hosts && byid ? 0 : -ENOMEM;
	if (r == 0)
		r = vuln_match_fleet(s, uid, NULL, now, false, vuln_collect, vmap);
	if (r == -ENOENT && uid) { /* no packages section */
		err_clear();
		r = 0;
	}
	if (r == 0 && (r = compliance_store_hosts(s, host_id, hosts)) == 0)
		r = compliance_store_pending(s, host_id, pending);
	json_array_foreach(hosts, i, hv)
	{
		char id[24];
		snprintf(id, sizeof(id), "%lld", (long long)json_integer_value(json_object_get(hv, "id")));
		json_object_set(byid, id, json_object_get(hv, "host"));
	}
	json_array_foreach(pending, i, row)
	{
		char id[24];
		if (r < 0)
			break;
		snprintf(id, sizeof(id), "%lld", (long long)json_integer_value(json_object_get(row, "host_id")));
		const char *name = json_string_value(json_object_get(byid, id));
		const char *pkg = json_string_value(json_object_get(row, "package"));
		json_t *vb = json_object_get(json_object_get(json_object_get(vmap, name ? name : ""), "bins"), pkg);
		const char *urg = json_string_value(json_object_get(vb, "urgency"));
		const char *had = json_string_value(json_object_get(row, "urgency"));
		json_t *cves = vb ? json_object_get(vb, "cves") : NULL;
		if ((urg ? had && strcmp(urg, had) == 0 : !had) &&
		    json_array_size(cves) == json_array_size(json_object_get(row, "cves")) &&
		    (!cves || json_equal(cves, json_object_get(row, "cves"))))
			continue; /* unchanged */
		char *text = cves && json_array_size(cves) ? json_dumps(cves, JSON_COMPACT) : NULL;
		r = compliance_store_set_urgency(s, json_integer_value(json_object_get(row, "host_id")), pkg,
						 json_string_value(json_object_get(row, "architecture")),
						 json_string_value(json_object_get(row, "candidate")), urg, text);
		free(text);
	}
	json_decref(vmap);
	json_decref(pending);
	json_decref(hosts);
	json_decref(byid);
	return r;
}

int compliance_sync(struct store *s)
{
	struct sync_state st = {.s = s, .fresh = json_object()};
	const char *key;
	json_t *v;
	bool found;
	int r = st.fresh ? store_tx_begin(s) : -ENOMEM;
	if (r < 0) {
		json_decref(st.fresh);
		return r;
	}
	if ((r = compliance_store_setting_get(s, SETTING_SYNCED, &st.through, &found)) == 0)
		/* >=: a section stored later in the same second is not missed (seeing one
		 * again changes nothing) */
		r = compliance_store_sections_since(s, st.through, sync_section, &st);
	if (r == 0)
		r = compliance_store_setting_set(s, SETTING_SYNCED, st.through);
	/* Feeds imported since the last look: every pending upgrade's urgency anew. */
	uint64_t stamp = 0; /* unsigned: it wraps, by design */
	int64_t had = 0;
	json_t *feeds = NULL, *f;
	size_t i;
	if (r == 0 && (r = vuln_feeds(s, &feeds)) == 0) {
		/* each part folded in on its own: a sum of the two would not change when a
		 * re-import k seconds later has k entries fewer */
		json_array_foreach(feeds, i, f)
		{
			stamp = stamp * 31 + (uint64_t)json_integer_value(json_object_get(f, "imported_at"));
			stamp = stamp * 31 + (uint64_t)json_integer_value(json_object_get(f, "entries"));
		}
		json_decref(feeds);
		r = compliance_store_setting_get(s, SETTING_FEEDS, &had, &found);
	}
	/* Matching machines one by one loads their release's entries each time: past a
	 * few, one walk of the fleet is cheaper. */
	if (r == 0 && ((int64_t)stamp != had || json_object_size(st.fresh) > SYNC_ONE_BY_ONE_MAX)) {
		json_object_clear(st.fresh); /* all of them now */
		if ((r = refresh_urgency(s, 0, NULL, time_now())) == 0)
			r = compliance_store_setting_set(s, SETTING_FEEDS, (int64_t)stamp);
	}
	json_object_foreach(st.fresh, key, v)
	{
		struct host h;
		int64_t id;
		if (r < 0)
			break;
		if (parse_int64(key, 1, INT64_MAX, &id) < 0 || hosts_get_id(s, id, &h) < 0) {
			err_clear();
			continue;
		}
		r = refresh_urgency(s, h.id, h.uid, time_now());
	}
	json_decref(st.fresh);
	return store_tx_end(s, r);
}

/* --- evaluation --- */

static void iso(int64_t t, json_t *obj, const char *key)
{
	char buf[TIME_ISO_LEN];
	time_iso(t, buf);
	json_object_set_new(obj, key, json_string(buf));
}

struct due_row {
	int64_t due;
	json_t *j;
};

static int due_cmp(const void *a, const void *b)
{
	const struct due_row *x = a, *y = b;
	if (x->due != y->due)
		return x->due < y->due ? -1 : 1;
	int c =
	    strcmp(json_string_value(json_object_get(x->j, "host")), json_string_value(json_object_get(y->j, "host")));
	return c ? c
		 : strcmp(json_string_value(json_object_get(x->j, "package")),
			  json_string_value(json_object_get(y->j, "package")));
}

static double percent_of(int64_t tracked, int64_t overdue)
{
	return tracked ? 100.0 * (double)(tracked - overdue) / (double)tracked : 100.0;
}

/* Sets "eol" (the support status of the machine's release) and "eol_message" on hv,
 * from its system section and distro-info (null without either); cache holds each
 * release's answer for the other machines on it. */
static int host_eol(struct store *s, json_t *hv, const char *dir, int64_t now, json_t *cache)
{
	char *text = NULL, key[800];
	json_t *sys = NULL, *eol = NULL;
	json_object_set_new(hv, "eol", json_null());
	json_object_set_new(hv, "eol_message", json_null());
	if (!dir || hosts_store_section_get(s, json_integer_value(json_object_get(hv, "id")), "system", &text) < 0 ||
	    !text) {
		err_clear();
		return 0;
	}
	sys = json_loads(text, 0, NULL);
	free(text);
	json_t *os = json_object_get(sys, "os");
	const char *id = json_string_value(json_object_get(os, "id"));
	const char *ver = json_string_value(json_object_get(os, "version_id"));
	const char *cn = json_string_value(json_object_get(os, "codename"));
	snprintf(key, sizeof(key), "%.250s|%.250s|%.250s", id ? id : "", ver ? ver : "", cn ? cn : "");
	if (!(eol = json_object_get(cache, key))) {
		if (vuln_eol(dir, id, ver, cn, now, &eol) < 0) {
			err_clear();
			eol = json_null();
		}
		json_object_set_new(cache, key, eol);
	}
	json_object_set(hv, "eol", json_object_get(eol, "status") ?: json_null());
	json_object_set(hv, "eol_message", json_object_get(eol, "message") ?: json_null());
	json_decref(sys);
	return 0;
}

/* For an upgrade that is not a security fix, first seen at first on the machine hv: the
 * machine's first maintenance window to start at first or later (*ret; ret->end 0 when
 * no window applies to it). Loads the windows once (*windows) and each machine's tags
 * once (tags: host id -> tags). */
static int window_due(struct store *s, struct maint_set **windows, json_t *tags, const json_t *hv, int64_t first,
		      struct maint_slot *ret)
{
	int64_t id = json_integer_value(json_object_get(hv, "id"));
	char key[24];
	int r;
	snprintf(key, sizeof(key), "%lld", (long long)id);
	json_t *mine = json_object_get(tags, key);
	if (!*windows && (r = maint_set_load(s, windows)) < 0)
		return r;
	if (!mine) {
		if ((r = maint_host_tags(s, id, &mine)) < 0)
			return r;
		json_object_set_new(tags, key, mine);
	}
	r = maint_set_find(*windows, json_string_value(json_object_get(hv, "host")), mine, first, true, ret);
	if (r == -ENOENT)
		ret->end = 0;
	return r == -ENOENT ? 0 : r;
}

int compliance_evaluate(struct store *s, const char *host, const char *distro_info_dir, bool overdue_only, int64_t now,
			json_t **ret)
{
	struct compliance_policy pol;
	struct host h = {0};
	json_t *hosts = json_array(), *pending = json_array(), *eols = json_object(), *byid = json_object();
	json_t *tags = json_object();
	json_t *out = NULL, *ups = json_array(), *hv, *row;
	struct due_row *rows = NULL;
	struct maint_set *windows = NULL;
	size_t nrows = 0, i;
	int64_t f_tracked = 0, f_overdue = 0, f_compliant = 0;
	int r;
	if (!hosts || !pending || !eols || !byid || !ups || !tags) {
		r = -ENOMEM;
		goto out;
	}
	if ((r = compliance_sync(s)) < 0 || (r = compliance_policy_get(s, &pol)) < 0)
		goto out;
	if (host && (r = hosts_get(s, host, &h)) < 0)
		goto out;
	if ((r = compliance_store_hosts(s, h.id, hosts)) < 0 || (r = compliance_store_pending(s, h.id, pending)) < 0)
		goto out;
	json_array_foreach(hosts, i, hv)
	{
		char id[24];
		snprintf(id, sizeof(id), "%lld", (long long)json_integer_value(json_object_get(hv, "id")));
		json_object_set_new(hv, "tracked", json_integer(0));
		json_object_set_new(hv, "overdue", json_integer(0));
		json_object_set_new(hv, "overdue_security_high", json_integer(0));
		json_object_set(byid, id, hv);
	}
	if (!(rows = calloc(json_array_size(pending) + 1, sizeof(*rows)))) {
		r = -ENOMEM;
		goto out;
	}
	json_array_foreach(pending, i, row)
	{
		char id[24];
		snprintf(id, sizeof(id), "%lld", (long long)json_integer_value(json_object_get(row, "host_id")));
		hv = json_object_get(byid, id);
		if (!hv)
			continue; /* its upgrades section is gone */
		const char *name = json_string_value(json_object_get(hv, "host"));
		const char *pkg = json_string_value(json_object_get(row, "package"));
		const char *urg = json_string_value(json_object_get(row, "urgency"));
		bool security = json_is_true(json_object_get(row, "security"));
		enum compliance_class c = compliance_classify(security, urg);
		int64_t first = json_integer_value(json_object_get(row, "first_seen"));
		int64_t due = compliance_due(&pol, c, first);
		struct maint_slot slot = {0};
		if (c == COMPLIANCE_OTHER && (r = window_due(s, &windows, tags, hv, first, &slot)) < 0)
			goto out;
		if (slot.end)
			due = slot.end; /* the end of the machine's next maintenance window */
		bool overdue = now >= due;
		json_object_set_new(hv, "tracked",
				    json_integer(json_integer_value(json_object_get(hv, "tracked")) + 1));
		if (overdue) {
			json_object_set_new(hv, "overdue",
					    json_integer(json_integer_value(json_object_get(hv, "overdue")) + 1));
			if (c == COMPLIANCE_SECURITY_HIGH)
				json_object_set_new(
				    hv, "overdue_security_high",
				    json_integer(json_integer_value(json_object_get(hv, "overdue_security_high")) + 1));
		}
		if (overdue_only && !overdue)
			continue;
		json_t *u = json_pack("{s:s, s:s, s:O, s:O, s:O, s:b, s:s?, s:o, s:s, s:b, s:I}", "host", name,
				      "package", pkg, "architecture", json_object_get(row, "architecture"), "installed",
				      json_object_get(row, "installed"), "candidate", json_object_get(row, "candidate"),
				      "security", security, "urgency", urg, "cves",
				      json_incref(json_object_get(row, "cves")), "class", compliance_class_name(c),
				      "overdue", overdue, "days_left", (json_int_t)((due - now) / COMPLIANCE_DAY));
		if (!u) {
			r = -ENOMEM;
			goto out;
		}
		iso(first, u, "first_seen");
		iso(due, u, "due");
		json_object_set_new(u, "due_window", slot.end ? json_string(slot.window) : json_null());
		rows[nrows++] = (struct due_row){due, u};
	}
	qsort(rows, nrows, sizeof(*rows), due_cmp);
	for (i = 0; i < nrows; i++) {
		json_array_append_new(ups, rows[i].j);
		rows[i].j = NULL;
	}
	json_array_foreach(hosts, i, hv)
	{
		int64_t t = json_integer_value(json_object_get(hv, "tracked"));
		int64_t o = json_integer_value(json_object_get(hv, "overdue"));
		json_object_set_new(hv, "percent", json_real(percent_of(t, o)));
		json_object_set_new(hv, "compliant", json_boolean(o == 0));
		if ((r = host_eol(s, hv, distro_info_dir, now, eols)) < 0)
			goto out;
		f_tracked += t;
		f_overdue += o;
		f_compliant += o == 0;
	}
	size_t machines = json_array_size(hosts);
	out = json_pack("{s:{s:I, s:I, s:I}, s:{s:I, s:I, s:I, s:I, s:f, s:f}, s:O, s:O}", "policy", "security-high",
			(json_int_t)pol.security_high, "security", (json_int_t)pol.security, "other",
			(json_int_t)pol.other, "fleet", "machines", (json_int_t)machines, "compliant",
			(json_int_t)f_compliant, "tracked", (json_int_t)f_tracked, "overdue", (json_int_t)f_overdue,
			"percent", percent_of(f_tracked, f_overdue), "machines_percent",
			machines ? 100.0 * (double)f_compliant / (double)machines : 100.0, "hosts", hosts, "upgrades",
			ups);
	if (!out) {
		r = -ENOMEM;
		goto out;
	}
	iso(now, out, "now");
	*ret = out;
out:
	for (i = 0; rows && i < nrows; i++)
		json_decref(rows[i].j);
	free(rows);
	json_decref(hosts);
	json_decref(pending);
	json_decref(eols);
	json_decref(byid);
	json_decref(ups);
	json_decref(tags);
	maint_set_free(windows);
	return r;
}

/* --- snapshots and findings --- */

static void day_of(int64_t t, char out[16])
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(out, 16, "%Y-%m-%d", &tm);
}

static int snapshot_findings(struct store *s, const char *actor, const json_t *hv, int64_t now)
{
	const char *name = json_string_value(json_object_get(hv, "host"));
	const char *uid = json_string_value(json_object_get(hv, "uid"));
	int64_t o = json_integer_value(json_object_get(hv, "overdue"));
	int64_t high = json_integer_value(json_object_get(hv, "overdue_security_high"));
	const char *eol = json_string_value(json_object_get(hv, "eol"));
	char key[128], msg[512];
	int r;
	snprintf(key, sizeof(key), "overdue:%s", uid);
	if (o > 0) {
		snprintf(msg, sizeof(msg), "%lld upgrade%s overdue on %s (%lld of them high-urgency security fixes)",
			 (long long)o, o == 1 ? "" : "s", name, (long long)high);
		r = findings_open(s, actor, "compliance", key, high ? "high" : "medium", name, msg, now, NULL);
	} else {
		r = findings_close(s, actor, "compliance", key, "no upgrade overdue", now, NULL);
	}
	if (r < 0)
		return r;
	snprintf(key, sizeof(key), "eol:%s", uid);
	if (eol && strcmp(eol, "end-of-life") == 0) {
		snprintf(msg, sizeof(msg), "%s: %s", name,
			 json_string_value(json_object_get(hv, "eol_message"))
			     ?: "its release is past its end of life");
		return findings_open(s, actor, "vuln", key, "high", name, msg, now, NULL);
	}
	if (!eol)
		return 0; /* not known: nothing to say either way */
	return findings_close(s, actor, "vuln", key, "the release is supported", now, NULL);
}

int compliance_snapshot(struct store *s, const char *actor, const char *distro_info_dir, int64_t now, json_t **ret)
{
	json_t *ev = NULL, *hv, *fleet;
	char day[16];
	size_t i;
	int r = compliance_evaluate(s, NULL, distro_info_dir, false, now, &ev);
	if (r < 0)
		return r;
	day_of(now, day);
	if ((r = store_tx_begin(s)) < 0)
		goto out;
	json_array_foreach(json_object_get(ev, "hosts"), i, hv)
	{
		int64_t o = json_integer_value(json_object_get(hv, "overdue"));
		if ((r = compliance_store_snapshot_put(s, day, json_integer_value(json_object_get(hv, "id")),
						       json_string_value(json_object_get(hv, "host")),
						       json_integer_value(json_object_get(hv, "tracked")), o,
						       json_real_value(json_object_get(hv, "percent")), 1, o == 0,
						       now)) < 0 ||
		    (r = snapshot_findings(s, actor, hv, now)) < 0)
			break;
	}
	fleet = json_object_get(ev, "fleet");
	/* The scheduler retakes the day's snapshot every hour: logged when the day's
	 * figures change, not every time. */
	json_t *earlier = json_array(), *e;
	bool same = false;
	if (r == 0 && !earlier)
		r = -ENOMEM;
	if (r == 0 && (r = compliance_store_history(s, 0, day, earlier)) == 0 && (e = json_array_get(earlier, 0))) {
		static const char *const keys[] = {"machines", "compliant", "tracked", "overdue"};
		same = strcmp(json_string_value(json_object_get(e, "day")), day) == 0;
		for (size_t k = 0; same && k < 4; k++)
			same = json_integer_value(json_object_get(e, keys[k])) ==
			       json_integer_value(json_object_get(fleet, keys[k]));
	}
	json_decref(earlier);
	if (r == 0)
		r = compliance_store_snapshot_put(s, day, 0, "", json_integer_value(json_object_get(fleet, "tracked")),
						  json_integer_value(json_object_get(fleet, "overdue")),
						  json_real_value(json_object_get(fleet, "percent")),
						  json_integer_value(json_object_get(fleet, "machines")),
						  json_integer_value(json_object_get(fleet, "compliant")), now);
	if (r == 0 && !same)
		r = actlog_appendf(s, actor, "compliance.snapshot", day, "{s:O, s:O, s:O, s:O}", "machines",
				   json_object_get(fleet, "machines"), "compliant", json_object_get(fleet, "compliant"),
				   "tracked", json_object_get(fleet, "tracked"), "overdue",
				   json_object_get(fleet, "overdue"));
	r = store_tx_end(s, r);
out:
	if (r == 0 && ret)
		*ret = ev;
	else
		json_decref(ev);
	return r;
}

int compliance_history(struct store *s, const char *host, int64_t days, int64_t now, json_t **ret)
{
	struct host h = {0};
	char since[16];
	json_t *out = json_array();
	int r = out ? 0 : -ENOMEM;
	if (days < 1 || days > COMPLIANCE_HISTORY_DAYS_MAX)
		r = err_set(-EINVAL, "days must be 1 to %d", COMPLIANCE_HISTORY_DAYS_MAX);
	if (r == 0 && host)
		r = hosts_get(s, host, &h);
	day_of(now - (days - 1) * COMPLIANCE_DAY, since);
	if (r == 0)
		r = compliance_store_history(s, h.id, since, out);
	if (r < 0) {
		json_decref(out);
		return r;
	}
	*ret = out;
	return 0;
}
