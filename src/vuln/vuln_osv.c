/*
 * vuln_osv.c: OSV records (osv.dev's schema) for the Debian and Ubuntu ecosystems
 * turned into the same entries the tracker gives: one per affected interval.
 */
#include <ctype.h>
#include <string.h>

#include "core/err.h"
#include "vuln/vuln.h"

/* The release of an ecosystem name: "Debian:12" gives "12", "Ubuntu:22.04:LTS" and
 * "Ubuntu:Pro:22.04:LTS" "22.04". False for other ecosystems or no version. */
static bool osv_release(const char *eco, char *out, size_t size)
{
	const char *p;
	if (strncmp(eco, "Debian:", 7) == 0)
		p = eco + 7;
	else if (strncmp(eco, "Ubuntu:", 7) == 0)
		p = eco + 7;
	else
		return false;
	while (*p && !isdigit((unsigned char)*p)) {
		const char *colon = strchr(p, ':');
		if (!colon)
			return false;
		p = colon + 1;
	}
	size_t n = strcspn(p, ":");
	if (n == 0 || n >= size)
		return false;
	memcpy(out, p, n);
	out[n] = '\0';
	return true;
}

static const char *str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s && *s && strlen(s) <= WARD_VULN_FIELD_MAX ? s : NULL;
}

/* The issue's name: the id when a CVE, else the first CVE among aliases and upstream. */
static const char *osv_cve(const json_t *rec)
{
	const char *id = str(rec, "id");
	static const char *const lists[] = {"aliases", "upstream"};
	if (strncmp(id, "CVE-", 4) == 0)
		return id;
	for (size_t l = 0; l < 2; l++) {
		size_t i;
		json_t *a;
		json_array_foreach(json_object_get(rec, lists[l]), i, a)
		{
			const char *s = json_string_value(a);
			if (s && strncmp(s, "CVE-", 4) == 0 && strlen(s) <= WARD_VULN_FIELD_MAX)
				return s;
		}
	}
	return id;
}

static const char *osv_urgency(const json_t *rec, const json_t *aff)
{
	const char *u = str(json_object_get(aff, "ecosystem_specific"), "urgency");
	size_t i;
	json_t *sev;
	if (u)
		return u;
	json_array_foreach(json_object_get(rec, "severity"), i, sev)
	{
		const char *type = str(sev, "type");
		if (type && strcmp(type, "Ubuntu") == 0 && str(sev, "score"))
			return str(sev, "score");
	}
	return NULL;
}

static int osv_range(const struct vuln_sink *sink, struct vuln_entry *e, const json_t *events)
{
	size_t i;
	json_t *ev;
	bool open_interval = false;
	int r;
	if (!json_is_array(events))
		return err_set(-EBADMSG, "OSV record %s: a range without events", e->cve);
	json_array_foreach(events, i, ev)
	{
		const char *v;
		if ((v = str(ev, "introduced"))) {
			if (open_interval && sink->entry && (r = sink->entry(sink->arg, e)) < 0)
				return r;
			e->introduced = v;
			e->fixed = e->last_affected = NULL;
			e->status = "open";
			open_interval = true;
		} else if ((v = str(ev, "fixed")) || (v = str(ev, "last_affected"))) {
			if (!open_interval)
				continue; /* an end without a start: the schema forbids it */
			if (json_object_get(ev, "fixed")) {
				e->fixed = v;
				e->status = "resolved";
			} else {
				e->last_affected = v;
			}
			if (sink->entry && (r = sink->entry(sink->arg, e)) < 0)
				return r;
			open_interval = false;
		}
	}
	if (open_interval && sink->entry && (r = sink->entry(sink->arg, e)) < 0)
		return r;
	return 0;
}

static int osv_record(const json_t *rec, const struct vuln_sink *sink, size_t *skipped)
{
	json_t *affected = json_object_get(rec, "affected"), *aff;
	size_t i;
	int r;
	if (!json_is_object(rec) || !str(rec, "id"))
		return err_set(-EBADMSG, "not an OSV record: no id");
	if (affected && !json_is_array(affected))
		return err_set(-EBADMSG, "OSV record %s: affected is not an array", str(rec, "id"));
	if (json_object_get(rec, "withdrawn")) {
		(*skipped)++;
		return 0;
	}
	struct vuln_issue is = {.cve = osv_cve(rec), .description = json_string_value(json_object_get(rec, "details"))};
	if (!is.description)
		is.description = json_string_value(json_object_get(rec, "summary"));
	bool issued = false;
	json_array_foreach(affected, i, aff)
	{
		json_t *pkg = json_object_get(aff, "package");
		const char *eco = str(pkg, "ecosystem"), *name = str(pkg, "name");
		char release[WARD_VULN_FIELD_MAX + 1];
		size_t k;
		json_t *range;
		if (!eco || !name || !osv_release(eco, release, sizeof(release))) {
			(*skipped)++;
			continue;
		}
		if (!issued) {
			if (sink->issue && (r = sink->issue(sink->arg, &is)) < 0)
				return r;
			issued = true;
		}
		json_array_foreach(json_object_get(aff, "ranges"), k, range)
		{
			const char *type = str(range, "type");
			struct vuln_entry e = {
			    .release = release, .source = name, .cve = is.cve, .urgency = osv_urgency(rec, aff)};
			if (!type || strcmp(type, "ECOSYSTEM") != 0) {
				(*skipped)++;
				continue;
			}
			if ((r = osv_range(sink, &e, json_object_get(range, "events"))) < 0)
				return r;
		}
	}
	return 0;
}

int vuln_osv_parse(const char *data, size_t len, const struct vuln_sink *sink, size_t *ret_skipped)
{
	json_error_t jerr;
	size_t skipped = 0, i;
	int r = 0;
	json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr), *rec;
	if (!root)
		return err_set(-EBADMSG, "not JSON: line %d column %d: %s", jerr.line, jerr.column, jerr.text);
	if (json_is_array(root)) {
		json_array_foreach(root, i, rec)
		{
			if ((r = osv_record(rec, sink, &skipped)) < 0)
				break;
		}
	} else {
		r = osv_record(root, sink, &skipped);
	}
	json_decref(root);
	if (r == 0 && ret_skipped)
		*ret_skipped += skipped;
	return r;
}
