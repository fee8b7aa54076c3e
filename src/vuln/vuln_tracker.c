/*
 * vuln_tracker.c: the Debian Security Tracker's JSON read one source package at a
 * time: a small scanner finds each top-level member's bounds, and only that member is
 * handed to jansson, so a 50 MB file never becomes a 500 MB tree.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "vuln/vuln.h"

enum tracker_state {
	T_START,       /* before the opening brace */
	T_KEY_OR_END,  /* after '{': a key or '}' */
	T_KEY_START,   /* after ',': a key */
	T_KEY,	       /* inside a key's string */
	T_COLON,       /* after a key */
	T_VALUE_START, /* after ':' */
	T_VALUE,       /* inside a member's object */
	T_COMMA_OR_END,
	T_DONE,
};

struct vuln_tracker {
	struct vuln_sink sink;
	enum tracker_state state;
	int error;     /* the first error, returned again by every later call */
	size_t offset; /* bytes consumed so far, for messages */
	char key[WARD_VULN_FIELD_MAX + 1];
	size_t key_len;
	bool key_esc; /* the key's last byte was a backslash */
	char *buf;    /* the current member's value */
	size_t len, cap;
	int depth; /* of braces and brackets in buf */
	bool in_str, esc;
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

struct vuln_tracker *vuln_tracker_new(const struct vuln_sink *sink)
{
	struct vuln_tracker *t = calloc(1, sizeof(*t));
	if (t)
		t->sink = *sink;
	return t;
}

void vuln_tracker_free(struct vuln_tracker *t)
{
	if (!t)
		return;
	free(t->buf);
	free(t);
}

static int tracker_fail(struct vuln_tracker *t, int code, const char *fmt, const char *what)
{
	t->error = err_set(code, "not the tracker's JSON at byte %zu: %s%s", t->offset, fmt, what ? what : "");
	return t->error;
}

/* A string member of o, or NULL when absent or null. -EBADMSG for another type or a
 * string over max bytes. */
static int member_string(const json_t *o, const char *name, size_t max, const char **ret)
{
	json_t *v = json_object_get(o, name);
	*ret = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v) || json_string_length(v) > max || strlen(json_string_value(v)) != json_string_length(v))
		return -EBADMSG;
	*ret = json_string_value(v);
	return 0;
}

static int tracker_release(struct vuln_tracker *t, const char *source, const char *cve, const char *release,
			   const json_t *rel)
{
	struct vuln_entry e = {.release = release, .source = source, .cve = cve};
	json_t *nodsa = json_object_get(rel, "nodsa");
	const char *bad = NULL;
	if (!json_is_object(rel))
		bad = "a release that is not an object";
	else if (member_string(rel, "status", WARD_VULN_FIELD_MAX, &e.status) < 0 || !e.status || !*e.status)
		bad = "a release without a status";
	else if (member_string(rel, "fixed_version", WARD_VULN_FIELD_MAX, &e.fixed) < 0)
		bad = "a fixed_version that is not a string";
	else if (member_string(rel, "urgency", WARD_VULN_FIELD_MAX, &e.urgency) < 0)
		bad = "an urgency that is not a string";
	else if (member_string(rel, "nodsa_reason", WARD_VULN_FIELD_MAX, &e.nodsa_reason) < 0)
		bad = "a nodsa_reason that is not a string";
	else if (json_is_string(nodsa))
		e.nodsa = json_string_value(nodsa);
	else if (json_is_true(nodsa))
		e.nodsa = "";
	else if (nodsa && !json_is_false(nodsa) && !json_is_null(nodsa))
		bad = "a nodsa that is neither a string nor a boolean";
	if (bad)
		return err_set(-EBADMSG, "not the tracker's JSON: %s in '%s' %s %s", bad, source, cve, release);
	if (e.fixed && !*e.fixed)
		e.fixed = NULL;
	if (e.urgency && !*e.urgency)
		e.urgency = NULL;
	return t->sink.entry ? t->sink.entry(t->sink.arg, &e) : 0;
}

static int tracker_issue(struct vuln_tracker *t, const char *source, const char *cve, const json_t *v)
{
	struct vuln_issue is = {.cve = cve};
	json_t *bug = json_object_get(v, "debianbug"), *releases = json_object_get(v, "releases");
	const char *bad = NULL;
	if (!json_is_object(v))
		bad = "an issue that is not an object";
	else if (strlen(cve) > WARD_VULN_FIELD_MAX || !*cve)
		bad = "an empty or too long issue name";
	else if (member_string(v, "description", SIZE_MAX, &is.description) < 0)
		bad = "a description that is not a string";
	else if (member_string(v, "scope", WARD_VULN_FIELD_MAX, &is.scope) < 0)
		bad = "a scope that is not a string";
	else if (bug && !json_is_null(bug) && !json_is_integer(bug))
		bad = "a debianbug that is not a number";
	else if (releases && !json_is_object(releases))
		bad = "releases that are not an object";
	if (bad)
		return err_set(-EBADMSG, "not the tracker's JSON: %s in '%s' %s", bad, source, cve);
	is.debianbug = json_is_integer(bug) ? (int64_t)json_integer_value(bug) : 0;
	int r = t->sink.issue ? t->sink.issue(t->sink.arg, &is) : 0;
	const char *name;
	json_t *rel;
	json_object_foreach(releases, name, rel)
	{
		if (r < 0)
			break;
		if (!*name || strlen(name) > WARD_VULN_FIELD_MAX)
			return err_set(-EBADMSG, "not the tracker's JSON: a bad release name in '%s' %s", source, cve);
		r = tracker_release(t, source, cve, name, rel);
	}
	return r;
}

/* One top-level member: the key is t->key, the value's text t->buf. */
static int tracker_member(struct vuln_tracker *t)
{
	json_error_t jerr;
	char quoted[WARD_VULN_FIELD_MAX + 3];
	int r = 0;
	snprintf(quoted, sizeof(quoted), "\"%.*s\"", (int)t->key_len, t->key);
	json_t *k = json_loads(quoted, JSON_DECODE_ANY, &jerr);
	json_t *v = json_loadb(t->buf, t->len, JSON_REJECT_DUPLICATES, &jerr);
	const char *source = json_string_value(k);
	if (!source || !*source || strlen(source) != json_string_length(k)) {
		r = tracker_fail(t, -EBADMSG, "a bad source package name", NULL);
		goto out;
	}
	if (!v) {
		r = err_set(-EBADMSG, "not the tracker's JSON: in '%s': %s", source, jerr.text);
		goto out;
	}
	const char *cve;
	json_t *issue;
	json_object_foreach(v, cve, issue)
	{
		if ((r = tracker_issue(t, source, cve, issue)) < 0)
			break;
	}
out:
	if (r < 0)
		t->error = r;
	json_decref(k);
	json_decref(v);
	t->len = 0;
	return r;
}

static int buf_push(struct vuln_tracker *t, const char *p, size_t n)
{
	if (t->len + n > WARD_VULN_SOURCE_MAX) {
		t->error = err_set(-E2BIG, "the tracker's member '%.*s' is larger than %d bytes", (int)t->key_len,
				   t->key, WARD_VULN_SOURCE_MAX);
		return t->error;
	}
	if (t->len + n > t->cap) {
		size_t cap = t->cap ? t->cap : 64 * 1024;
		while (cap < t->len + n)
			cap *= 2;
		char *b = realloc(t->buf, cap);
		if (!b)
			return t->error = -ENOMEM;
		t->buf = b;
		t->cap = cap;
	}
	memcpy(t->buf + t->len, p, n);
	t->len += n;
	return 0;
}

/* Scans a member's value from p; returns how many bytes belong to it, with *done set
 * when its closing brace was among them. */
static size_t value_scan(struct vuln_tracker *t, const char *p, size_t n, bool *done)
{
	size_t i;
	for (i = 0; i < n; i++) {
		char c = p[i];
		if (t->in_str) {
			if (t->esc)
				t->esc = false;
			else if (c == '\\')
				t->esc = true;
			else if (c == '"')
				t->in_str = false;
		} else if (c == '"') {
			t->in_str = true;
		} else if (c == '{' || c == '[') {
			t->depth++;
		} else if ((c == '}' || c == ']') && --t->depth == 0) {
			*done = true;
			return i + 1;
		}
	}
	return n;
}

int vuln_tracker_feed(struct vuln_tracker *t, const char *data, size_t len)
{
	size_t i = 0;
	int r;
	if (t->error)
		return t->error;
	while (i < len) {
		char c = data[i];
		switch (t->state) {
		case T_START:
			/* A UTF-8 byte-order mark is allowed before the brace. */
			if (t->offset < 3 && (unsigned char)c >= 0xbb && (c == '\xef' || c == '\xbb' || c == '\xbf'))
				break;
			if (is_blank(c))
				break;
			if (c != '{')
				return tracker_fail(t, -EBADMSG, "the file is not a JSON object", NULL);
			t->state = T_KEY_OR_END;
			break;
		case T_KEY_OR_END:
		case T_KEY_START:
			if (is_blank(c))
				break;
			if (c == '}' && t->state == T_KEY_OR_END) {
				t->state = T_DONE;
				break;
			}
			if (c != '"')
				return tracker_fail(t, -EBADMSG, "expected a source package name", NULL);
			t->key_len = 0;
			t->key_esc = false;
			t->state = T_KEY;
			break;
		case T_KEY:
			if (c == '"' && !t->key_esc) {
				t->state = T_COLON;
				break;
			}
			t->key_esc = c == '\\' && !t->key_esc;
			if ((unsigned char)c < 0x20)
				return tracker_fail(t, -EBADMSG, "a control character in a name", NULL);
			if (t->key_len >= WARD_VULN_FIELD_MAX)
				return tracker_fail(t, -EBADMSG, "a source package name that is too long", NULL);
			t->key[t->key_len++] = c;
			break;
		case T_COLON:
			if (is_blank(c))
				break;
			if (c != ':')
				return tracker_fail(t, -EBADMSG, "expected ':' after a source package name", NULL);
			t->state = T_VALUE_START;
			break;
		case T_VALUE_START:
			if (is_blank(c))
				break;
			if (c != '{')
				return tracker_fail(t, -EBADMSG, "a source package whose value is not an object", NULL);
			t->len = 0;
			t->depth = 0;
			t->in_str = t->esc = false;
			t->state = T_VALUE;
			continue; /* the brace is part of the value */
		case T_VALUE: {
			bool done = false;
			size_t n = value_scan(t, data + i, len - i, &done);
			if ((r = buf_push(t, data + i, n)) < 0)
				return r;
			i += n;
			t->offset += n;
			if (done) {
				if ((r = tracker_member(t)) < 0)
					return r;
				t->state = T_COMMA_OR_END;
			}
			continue;
		}
		case T_COMMA_OR_END:
			if (is_blank(c))
				break;
			if (c == ',')
				t->state = T_KEY_START;
			else if (c == '}')
				t->state = T_DONE;
			else
				return tracker_fail(t, -EBADMSG, "expected ',' or '}' after a source package", NULL);
			break;
		case T_DONE:
			if (!is_blank(c))
				return tracker_fail(t, -EBADMSG, "data after the closing brace", NULL);
			break;
		}
		i++;
		t->offset++;
	}
	return 0;
}

int vuln_tracker_finish(struct vuln_tracker *t)
{
	if (t->error)
		return t->error;
	if (t->state != T_DONE) {
		const char *where = t->state == T_START	  ? "the file is empty"
				    : t->state == T_VALUE ? "the file ends inside source package '"
							  : "the file ends before its closing brace";
		t->error = err_set(-EBADMSG, "the tracker's JSON is truncated at byte %zu: %s%.*s%s", t->offset, where,
				   t->state == T_VALUE ? (int)t->key_len : 0, t->key, t->state == T_VALUE ? "'" : "");
		return t->error;
	}
	return 0;
}
