/*
 * hosts.c: enrollment, agent authentication, report ingestion with change history,
 * and the fleet's listings and edits. Every change is logged in the activity log in
 * the same transaction.
 */
#include "hosts/hosts.h"

#include <ctype.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/accounts.h"
#include "actlog/actlog.h"
#include "core/crypto.h"
#include "core/err.h"
#include "core/json.h"
#include "core/limits.h"
#include "core/timeutil.h"
#include "hosts/hosts_store.h"
#include "inventory/inventory.h"

#define HOSTS_INTERVAL_DEFAULT 900
#define HOSTS_INTERVAL_MIN 10
#define HOSTS_INTERVAL_MAX (7 * 86400)
#define HOSTS_TAG_MAX 64
#define HOSTS_TEXT_MAX 200

static bool is_hex(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
			return false;
	return true;
}

static int check_hostname(const char *name)
{
	size_t n = name ? strlen(name) : 0;
	bool ok = n >= 1 && n <= 253;
	for (size_t i = 0; ok && i < n; i++)
		ok = isalnum((unsigned char)name[i]) || name[i] == '-' || name[i] == '.' || name[i] == '_';
	if (!ok)
		return err_set(-EINVAL, "host name '%.64s' is not valid", name ? name : "");
	return 0;
}

static void object_of(const struct host *h, char *out, size_t size)
{
	snprintf(out, size, "host:%s", h->name);
}

int hosts_enroll_token_create(struct store *s, const char *actor, int64_t ttl, int64_t uses,
			      char ret_token[HOSTS_ENROLL_TOKEN_LEN + 1])
{
	char token[HOSTS_ENROLL_TOKEN_LEN + 1], until[TIME_ISO_LEN];
	unsigned char h[32];
	int64_t now = time_now();
	if (ttl < 60 || ttl > 90 * 86400)
		return err_set(-EINVAL, "expiry must be between 1 minute and 90 days");
	if (uses < 1 || uses > 100000)
		return err_set(-EINVAL, "uses must be between 1 and 100000");
	memcpy(token, "wardenroll_", 11);
	crypto_random_hex(32, token + 11);
	crypto_sha256(token, HOSTS_ENROLL_TOKEN_LEN, h);
	time_iso(now + ttl, until);
	int r = store_tx_begin(s);
	if (r < 0)
		return r;
	if ((r = hosts_store_token_insert(s, h, actor, now, now + ttl, uses)) == 0)
		r = actlog_appendf(s, actor, "host.enroll_token", "enroll-token", "{s:s, s:I}", "expires", until, "uses",
				   (json_int_t)uses);
	r = store_tx_end(s, r);
	if (r == 0)
		memcpy(ret_token, token, sizeof(token));
	sodium_memzero(token, sizeof(token));
	return r;
}

int hosts_enroll(struct store *s, const char *token, const char *hostname, const char *address,
		 char ret_uid[HOSTS_UID_LEN + 1], char ret_credential[HOSTS_CREDENTIAL_LEN + 1], int64_t *ret_interval)
{
	char uid[HOSTS_UID_LEN + 1], secret[65], cred[HOSTS_CREDENTIAL_LEN + 1], object[300];
	unsigned char th[32], sh[32];
	int64_t id, now = time_now();
	int r;
	if ((r = check_hostname(hostname)) < 0)
		return r;
	if (!token || strlen(token) != HOSTS_ENROLL_TOKEN_LEN || strncmp(token, "wardenroll_", 11) != 0 ||
	    !is_hex(token + 11, 64)) {
		r = err_set(-EACCES, "enrollment token is not valid (unknown, expired or used up)");
		goto refused;
	}
	crypto_sha256(token, HOSTS_ENROLL_TOKEN_LEN, th);
	crypto_random_hex(16, uid);
	crypto_random_hex(32, secret);
	crypto_sha256(secret, 64, sh);
	snprintf(cred, sizeof(cred), "wardh_%s_%s", uid, secret);
	snprintf(object, sizeof(object), "host:%s", hostname);
	if ((r = store_tx_begin(s)) < 0)
		return r;
	if ((r = hosts_store_token_use(s, th, now)) == 0 &&
	    (r = hosts_store_insert(s, uid, hostname, sh, now, HOSTS_INTERVAL_DEFAULT, &id)) == 0)
		r = actlog_appendf(s, "anonymous", "host.enroll", object, "{s:s, s:s}", "host_id", uid, "address",
				   address);
	r = store_tx_end(s, r);
	if (r == -EACCES)
		goto refused;
	if (r == 0) {
		memcpy(ret_uid, uid, sizeof(uid));
		memcpy(ret_credential, cred, sizeof(cred));
		*ret_interval = HOSTS_INTERVAL_DEFAULT;
	}
	sodium_memzero(secret, sizeof(secret));
	sodium_memzero(cred, sizeof(cred));
	return r;
refused:
	/* The refusal is logged on its own, after the failed transaction. */
	actlog_appendf(s, "anonymous", "host.enroll_refused", "enroll-token", "{s:s, s:s}", "host", hostname,
		       "address", address);
	return err_set(-EACCES, "enrollment token is not valid (unknown, expired or used up)");
}

int hosts_auth(struct store *s, const char *credential, struct host *ret)
{
	char uid[HOSTS_UID_LEN + 1];
	unsigned char want[32], got[32];
	struct host h;
	if (!credential || strlen(credential) != HOSTS_CREDENTIAL_LEN || strncmp(credential, "wardh_", 6) != 0 ||
	    credential[6 + HOSTS_UID_LEN] != '_' || !is_hex(credential + 6, HOSTS_UID_LEN) ||
	    !is_hex(credential + 7 + HOSTS_UID_LEN, 64))
		return err_set(-EACCES, "host credential is not valid");
	memcpy(uid, credential + 6, HOSTS_UID_LEN);
	uid[HOSTS_UID_LEN] = '\0';
	int r = hosts_store_get_uid(s, uid, &h, want);
	if (r == -ENOENT)
		return err_set(-EACCES, "host credential is not valid (unknown host; enroll again)");
	if (r < 0)
		return r;
	crypto_sha256(credential + 7 + HOSTS_UID_LEN, 64, got);
	if (sodium_memcmp(want, got, 32) != 0)
		return err_set(-EACCES, "host credential is not valid (wrong secret)");
	*ret = h;
	return 0;
}

bool hosts_is_stale(const struct host *h, int64_t now)
{
	int64_t last = h->last_report_at ? h->last_report_at : h->enrolled_at;
	return now - last > HOSTS_STALE_INTERVALS * (h->interval_s > 0 ? h->interval_s : HOSTS_INTERVAL_DEFAULT);
}

static bool section_known(const char *name)
{
	for (const struct inv_collector *c = inventory_collectors; c->section; c++)
		if (strcmp(c->section, name) == 0)
			return true;
	return false;
}

/* The report's shape, checked before anything is written. The canonical text of each
 * section carried (checked against its digest, then stored as is) goes to canon. */
static int report_check(const json_t *report, int64_t *ret_interval, json_t *canon_out)
{
	static const char *const fields[] = {"agent_version", "collected_at", "interval", "digests", "sections",
					     "warnings", NULL};
	const char *key;
	json_t *v, *digests = json_object_get(report, "digests"), *sections = json_object_get(report, "sections");
	int r = json_check_fields(report, fields);
	if (r < 0)
		return r;
	json_t *interval = json_object_get(report, "interval");
	*ret_interval = HOSTS_INTERVAL_DEFAULT;
	if (interval) {
		if (!json_is_integer(interval) || json_integer_value(interval) < HOSTS_INTERVAL_MIN ||
		    json_integer_value(interval) > HOSTS_INTERVAL_MAX)
			return err_set(-EINVAL, "field 'interval' must be seconds between %d and %d", HOSTS_INTERVAL_MIN,
				       HOSTS_INTERVAL_MAX);
		*ret_interval = json_integer_value(interval);
	}
	if (!json_is_object(digests))
		return err_set(-EINVAL, "field 'digests' is required: an object of section digests");
	if (sections && !json_is_object(sections))
		return err_set(-EINVAL, "field 'sections' must be an object");
	json_object_foreach(digests, key, v) {
		if (!section_known(key))
			return err_set(-EINVAL, "section '%.64s' is not known", key);
		if (!json_is_string(v) || json_string_length(v) != 64 || !is_hex(json_string_value(v), 64))
			return err_set(-EINVAL, "digest of section '%s' must be 64 hex digits", key);
	}
	json_object_foreach(sections, key, v) {
		if (!json_object_get(digests, key))
			return err_set(-EINVAL, "section '%.64s' has no digest", key);
		char *canon = json_canonical(v);
		unsigned char d[32];
		char hex[65];
		if (!canon)
			return -ENOMEM;
		crypto_sha256(canon, strlen(canon), d);
		crypto_hex(d, 32, hex);
		if (strcmp(hex, json_string_value(json_object_get(digests, key))) != 0) {
			free(canon);
			return err_set(-EINVAL, "section '%s' does not match its digest", key);
		}
		json_object_set_new(canon_out, key, json_string_nocheck(canon));
		free(canon);
	}
	return 0;
}

/* Records the changes between the stored and the new section. */
static int record_changes(struct store *s, const struct host *h, const char *section, const char *old_text,
			  const json_t *cur, int64_t now)
{
	char object[300];
	json_t *old = json_loads(old_text, JSON_DECODE_ANY, NULL), *changes = json_array();
	size_t i;
	json_t *c;
	int r = changes ? hosts_diff(section, old, cur, changes) : -ENOMEM;
	object_of(h, object, sizeof(object));
	json_array_foreach(changes, i, c) {
		if (r < 0)
			break;
		const char *kind = json_string_value(json_object_get(c, "kind"));
		const char *subject = json_string_value(json_object_get(c, "subject"));
		const char *o = json_string_value(json_object_get(c, "old")), *n = json_string_value(json_object_get(c, "new"));
		char action[96], *p;
		snprintf(action, sizeof(action), "host.%s", kind);
		for (p = action + 5; *p; p++)
			if (*p == '.')
				*p = '_';
		if ((r = hosts_store_history_add(s, h->id, now, kind, subject, o, n)) == 0)
			r = actlog_appendf(s, object, action, object, "{s:s, s:o, s:o}", "subject", subject, "old",
					   json_string_or_null(o), "new", json_string_or_null(n));
	}
	json_decref(old);
	json_decref(changes);
	return r;
}

int hosts_report(struct store *s, const struct host *h, const json_t *report, json_t **ret_reply)
{
	int64_t interval, now = time_now(), packages = -1;
	json_t *digests = json_object_get(report, "digests"), *sections = json_object_get(report, "sections");
	json_t *stored = json_object(), *stored_now = json_array(), *need = json_array(), *canons = json_object();
	const char *key;
	json_t *v;
	int unchanged = 0, r;
	char object[300], *name = NULL, *os = NULL, *kernel = NULL;
	if (!stored || !stored_now || !need || !canons) {
		r = -ENOMEM;
		goto out;
	}
	if ((r = report_check(report, &interval, canons)) < 0)
		goto out;
	if ((r = store_tx_begin(s)) < 0)
		goto out;
	if ((r = hosts_store_digests(s, h->id, stored)) < 0)
		goto end;
	bool first = json_object_size(stored) == 0;
	json_object_foreach(digests, key, v) {
		const char *have = json_string_value(json_object_get(stored, key));
		if (have && strcmp(have, json_string_value(v)) == 0) {
			unchanged++;
			continue;
		}
		json_t *body = json_object_get(sections, key);
		if (!body) {
			json_array_append_new(need, json_string(key));
			continue;
		}
		char *old_text = NULL;
		const char *canon = json_string_value(json_object_get(canons, key));
		r = hosts_store_section_get(s, h->id, key, &old_text);
		if (r == 0 && old_text)
			r = record_changes(s, h, key, old_text, body, now);
		if (r == 0)
			r = hosts_store_section_put(s, h->id, key, json_string_value(v), canon, now);
		free(old_text);
		if (r < 0)
			goto end;
		json_array_append_new(stored_now, json_string(key));
	}
	/* The summary columns, from the sections this report carried. */
	json_t *sys = json_object_get(sections, "system");
	if (json_is_object(sys)) {
		const char *hn = json_string_value(json_object_get(sys, "hostname"));
		if (hn && check_hostname(hn) == 0)
			name = strdup(hn);
		const char *pretty = json_string_value(json_object_get(json_object_get(sys, "os"), "pretty_name"));
		if (pretty)
			os = strndup(pretty, HOSTS_TEXT_MAX);
		const char *kr = json_string_value(json_object_get(json_object_get(sys, "kernel"), "release"));
		if (kr)
			kernel = strndup(kr, HOSTS_TEXT_MAX);
	}
	json_t *pk = json_object_get(json_object_get(sections, "packages"), "count");
	if (json_is_integer(pk))
		packages = json_integer_value(pk);
	if ((r = hosts_store_reported(s, h->id, name, os, kernel, packages, interval, now)) < 0)
		goto end;
	object_of(h, object, sizeof(object));
	if (first && json_array_size(stored_now) > 0)
		r = actlog_appendf(s, object, "host.first_report", object, "{s:O}", "sections", stored_now);
end:
	r = store_tx_end(s, r);
	if (r == 0) {
		*ret_reply = json_pack("{s:s, s:O, s:i, s:O}", "status", "ok", "stored", stored_now, "unchanged", unchanged,
				       "need", need);
		if (!*ret_reply)
			r = -ENOMEM;
	}
out:
	free(name);
	free(os);
	free(kernel);
	json_decref(stored);
	json_decref(stored_now);
	json_decref(need);
	json_decref(canons);
	return r;
}

static json_t *host_json(struct store *s, const struct host *h, int64_t now)
{
	json_t *tags = json_array();
	if (tags)
		hosts_store_tags(s, h->id, tags);
	return json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:I, s:o, s:o, s:I, s:b, s:o, s:I}", "id", h->uid, "name",
			 h->name, "os", json_string_or_null(h->os[0] ? h->os : NULL), "kernel",
			 json_string_or_null(h->kernel[0] ? h->kernel : NULL), "owner",
			 json_string_or_null(h->owner[0] ? h->owner : NULL), "location",
			 json_string_or_null(h->location[0] ? h->location : NULL), "packages", (json_int_t)h->packages,
			 "enrolled_at", json_time(h->enrolled_at), "last_report_at", json_time(h->last_report_at),
			 "interval", (json_int_t)h->interval_s, "stale", hosts_is_stale(h, now), "tags",
			 tags ? tags : json_array(), "reports", (json_int_t)h->reports);
}

struct list_ctx {
	struct store *s;
	const struct hosts_filter *f;
	json_t *out;
	int64_t now;
};

static bool contains(const char *hay, const char *needle)
{
	return strcasestr(hay, needle) != NULL;
}

static int list_one(const struct host *h, void *arg)
{
	struct list_ctx *c = arg;
	if (c->f->stale_only && !hosts_is_stale(h, c->now))
		return 0;
	const char *q = c->f->search;
	if (q && *q && !contains(h->name, q) && !contains(h->os, q) && !contains(h->owner, q) &&
	    !contains(h->location, q) && !contains(h->uid, q))
		return 0;
	json_t *j = host_json(c->s, h, c->now);
	if (!j)
		return -ENOMEM;
	if (c->f->tag && *c->f->tag) {
		bool has = false;
		size_t i;
		json_t *t;
		json_array_foreach(json_object_get(j, "tags"), i, t)
			has = has || strcmp(json_string_value(t), c->f->tag) == 0;
		if (!has) {
			json_decref(j);
			return 0;
		}
	}
	return json_array_append_new(c->out, j) == 0 ? 0 : -ENOMEM;
}

int hosts_list(struct store *s, const struct hosts_filter *f, json_t **ret)
{
	struct list_ctx c = {s, f, json_array(), time_now()};
	if (!c.out)
		return -ENOMEM;
	int r = hosts_store_each(s, list_one, &c);
	if (r < 0) {
		json_decref(c.out);
		return r;
	}
	*ret = c.out;
	return 0;
}

int hosts_get(struct store *s, const char *name_or_uid, struct host *ret)
{
	if (!name_or_uid || !*name_or_uid || strlen(name_or_uid) > 253)
		return err_set(-EINVAL, "host name or id is not valid");
	if (strlen(name_or_uid) == HOSTS_UID_LEN && is_hex(name_or_uid, HOSTS_UID_LEN) &&
	    hosts_store_get_uid(s, name_or_uid, ret, NULL) == 0)
		return 0;
	return hosts_store_get_name(s, name_or_uid, ret);
}

int hosts_get_id(struct store *s, int64_t id, struct host *ret)
{
	return hosts_store_get_id(s, id, ret);
}

/* The upgrades and reboot summary of a host, from its stored sections (nulls when it
 * has not reported them). */
static void upgrades_summary(struct store *s, const struct host *h, json_t *j)
{
	char *text = NULL;
	json_t *up = NULL, *rb = NULL;
	if (hosts_store_section_get(s, h->id, "upgrades", &text) == 0 && text)
		up = json_loads(text, JSON_DECODE_ANY, NULL);
	free(text);
	text = NULL;
	if (hosts_store_section_get(s, h->id, "reboot", &text) == 0 && text)
		rb = json_loads(text, JSON_DECODE_ANY, NULL);
	free(text);
	json_t *counts = json_object_get(up, "counts");
	json_object_set_new(j, "upgrades", json_is_object(counts) ? json_deep_copy(counts) : json_null());
	json_t *req = json_object_get(rb, "reboot_required");
	json_object_set_new(j, "reboot_required", json_is_boolean(req) ? json_incref(req) : json_null());
	json_t *svc = json_object_get(rb, "services");
	json_object_set_new(j, "restart_services", json_is_array(svc) ? json_integer((json_int_t)json_array_size(svc))
							     : json_null());
	json_decref(up);
	json_decref(rb);
}

int hosts_show(struct store *s, const struct host *h, bool full, json_t **ret)
{
	json_t *j = host_json(s, h, time_now());
	if (!j)
		return -ENOMEM;
	upgrades_summary(s, h, j);
	if (full) {
		json_t *sections = json_object();
		int r = sections ? hosts_store_sections(s, h->id, sections) : -ENOMEM;
		if (r < 0) {
			json_decref(sections);
			json_decref(j);
			return r;
		}
		json_object_set_new(j, "facts", sections);
	}
	*ret = j;
	return 0;
}

int hosts_history(struct store *s, const struct host *h, int64_t since, int limit, json_t **ret)
{
	json_t *arr = json_array();
	if (!arr)
		return -ENOMEM;
	if (limit < 1 || limit > 1000)
		limit = 1000;
	int r = hosts_store_history(s, h->id, since, limit, arr);
	if (r < 0) {
		json_decref(arr);
		return r;
	}
	*ret = arr;
	return 0;
}

static int check_text(const char *what, const char *v, size_t max)
{
	if (!v)
		return 0;
	if (strlen(v) > max)
		return err_set(-EINVAL, "%s is longer than %zu bytes", what, max);
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return err_set(-EINVAL, "%s contains a control character", what);
	return 0;
}

int hosts_set(struct store *s, const char *actor, const struct host *h, const char *owner, const char *location,
	      const char *const tags[], int ntags)
{
	char object[300];
	int r;
	if ((r = check_text("owner", owner, WARD_NAME_MAX)) < 0 || (r = check_text("location", location, HOSTS_TEXT_MAX)) < 0)
		return r;
	for (int i = 0; i < ntags; i++) {
		const char *t = tags[i][0] == '-' ? tags[i] + 1 : tags[i];
		bool ok = *t && strlen(t) <= HOSTS_TAG_MAX;
		for (const char *p = t; ok && *p; p++)
			ok = isalnum((unsigned char)*p) || *p == '-' || *p == '_' || *p == '.' || *p == ':';
		if (!ok)
			return err_set(-EINVAL, "tag '%.64s' is not valid: use letters, digits, '-', '_', '.' or ':'", t);
	}
	if (owner && *owner) {
		struct user u;
		if ((r = accounts_user_get(s, owner, &u)) < 0)
			return r == -ENOENT ? err_set(-EINVAL, "owner '%s' is not a user", owner) : r;
	}
	object_of(h, object, sizeof(object));
	json_t *details = json_object(), *tagarr = json_array();
	if (!details || !tagarr) {
		json_decref(details);
		json_decref(tagarr);
		return -ENOMEM;
	}
	if (owner)
		json_object_set_new(details, "owner", json_string(owner));
	if (location)
		json_object_set_new(details, "location", json_string(location));
	for (int i = 0; i < ntags; i++)
		json_array_append_new(tagarr, json_string(tags[i]));
	if (ntags)
		json_object_set(details, "tags", tagarr);
	if ((r = store_tx_begin(s)) < 0)
		goto out;
	r = hosts_store_set_meta(s, h->id, owner, location);
	for (int i = 0; r == 0 && i < ntags; i++)
		r = hosts_store_tag_set(s, h->id, tags[i][0] == '-' ? tags[i] + 1 : tags[i], tags[i][0] != '-');
	if (r == 0)
		r = actlog_append(s, actor, "host.update", object, details);
	r = store_tx_end(s, r);
out:
	json_decref(details);
	json_decref(tagarr);
	return r;
}

int hosts_remove(struct store *s, const char *actor, const struct host *h)
{
	char object[300];
	object_of(h, object, sizeof(object));
	int r = store_tx_begin(s);
	if (r < 0)
		return r;
	if ((r = hosts_store_delete(s, h->id)) == 0)
		r = actlog_appendf(s, actor, "host.remove", object, "{s:s}", "host_id", h->uid);
	return store_tx_end(s, r);
}
