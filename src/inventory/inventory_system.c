/*
 * inventory_system.c: the "system" section: host name, os-release, kernel release and
 * version, boot time and uptime. Each field comes from one file; a file that is missing
 * or garbage leaves its field null with a warning, and the other fields still come out.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/timeutil.h"
#include "inventory/inventory.h"
#include "inventory/inventory_parse.h"

#define INV_SYSTEM_FILE_MAX (64 * 1024)	    /* hostname, os-release, kernel strings, uptime */
#define INV_STAT_FILE_MAX (4 * 1024 * 1024) /* proc/stat: one long intr line on big machines */
#define INV_OS_RELEASE_KEY_MAX 64	    /* longer names are not os-release keys */
#define INV_OS_RELEASE_VALUE_MAX 1024	    /* bytes of one value */
#define INV_HOSTNAME_MAX 253		    /* a fully qualified DNS name */
#define INV_KERNEL_STRING_MAX 512	    /* osrelease is short, version a line */
#define INV_BTIME_MAX INT64_C(253402300799) /* 9999-12-31T23:59:59Z, so ISO text keeps its length */

static const char *const system_section = "system";

/* --- os-release ------------------------------------------------------------------ */

/* The os-release keys kept, and the field each one fills. */
static const struct {
	const char *key;
	const char *field;
} os_release_fields[] = {
    {"ID", "id"},
    {"ID_LIKE", "id_like"},
    {"NAME", "name"},
    {"VERSION_ID", "version_id"},
    {"VERSION", "version"},
    {"VERSION_CODENAME", "codename"},
    {"PRETTY_NAME", "pretty_name"},
};

#define OS_RELEASE_NFIELDS (sizeof(os_release_fields) / sizeof(os_release_fields[0]))

enum os_release_state {
	OSR_PRE_KEY,	   /* start of a line: blanks, comments, or a key */
	OSR_KEY,	   /* in the key, before '=' */
	OSR_PRE_VALUE,	   /* blanks right after '=' */
	OSR_VALUE,	   /* unquoted part of the value */
	OSR_VALUE_ESCAPE,  /* after '\' outside quotes */
	OSR_SQUOTE,	   /* inside '...' */
	OSR_DQUOTE,	   /* inside "..." */
	OSR_DQUOTE_ESCAPE, /* after '\' inside "..." */
	OSR_COMMENT,	   /* to the end of the line */
};

struct os_release_parser {
	enum os_release_state state;
	json_t *os;			      /* the result being filled */
	json_t *warnings;		      /* borrowed; may be NULL */
	unsigned line;			      /* current line, from 1 */
	unsigned start_line;		      /* line the current assignment began on */
	char key[INV_OS_RELEASE_KEY_MAX + 1]; /* the key, NUL-terminated */
	size_t key_len;
	bool key_too_long;
	char value[INV_OS_RELEASE_VALUE_MAX]; /* the value so far, unescaped */
	size_t value_len;
	size_t value_keep; /* value_len without trailing unquoted blanks */
	bool value_too_long;
};


static bool os_release_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static bool os_release_key_valid(const char *key, size_t len)
{
	if (len == 0 || !((key[0] >= 'A' && key[0] <= 'Z') || (key[0] >= 'a' && key[0] <= 'z') || key[0] == '_'))
		return false;
	for (size_t i = 1; i < len; i++) {
		char c = key[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
			return false;
	}
	return true;
}

static void os_release_key_add(struct os_release_parser *p, char c)
{
	if (p->key_len >= INV_OS_RELEASE_KEY_MAX) {
		p->key_too_long = true;
		return;
	}
	p->key[p->key_len++] = c;
}

/* significant: quoted or escaped, or not a blank; trailing unquoted blanks are dropped. */
static void os_release_value_add(struct os_release_parser *p, char c, bool significant)
{
	if (p->value_len >= INV_OS_RELEASE_VALUE_MAX) {
		p->value_too_long = true;
		return;
	}
	p->value[p->value_len++] = c;
	if (significant)
		p->value_keep = p->value_len;
}

static void os_release_begin_key(struct os_release_parser *p)
{
	p->key_len = 0;
	p->key_too_long = false;
	p->start_line = p->line;
	p->state = OSR_KEY;
}

static void os_release_begin_value(struct os_release_parser *p)
{
	p->key[p->key_len] = '\0';
	p->value_len = 0;
	p->value_keep = 0;
	p->value_too_long = false;
	p->state = OSR_PRE_VALUE;
}

/* The assignment just read is complete. */
static int os_release_assign(struct os_release_parser *p)
{
	if (p->key_too_long || !os_release_key_valid(p->key, p->key_len)) {
		inv_parse_warn(p->warnings, "line %u: '%.*s' is not a valid key", p->start_line, (int)p->key_len,
				  p->key);
		return 0;
	}
	if (p->value_too_long) {
		inv_parse_warn(p->warnings, "line %u: the value of %s is longer than %d bytes", p->start_line,
				  p->key, INV_OS_RELEASE_VALUE_MAX);
		return 0;
	}
	for (size_t i = 0; i < OS_RELEASE_NFIELDS; i++) {
		if (strcmp(p->key, os_release_fields[i].key) != 0)
			continue;
		json_t *v = p->value_keep ? inv_stringn(p->value, p->value_keep) : json_null();
		if (!v || json_object_set_new(p->os, os_release_fields[i].field, v) < 0)
			return -ENOMEM;
		break;
	}
	return 0;
}

static int os_release_feed(struct os_release_parser *p, char c)
{
	switch (p->state) {
	case OSR_PRE_KEY:
		if (c == '\n') {
			p->line++;
			return 0;
		}
		if (os_release_blank(c))
			return 0;
		if (c == '#' || c == ';') {
			p->state = OSR_COMMENT;
			return 0;
		}
		/* c is the key's first character (or '=') */
		os_release_begin_key(p);
		/* fall through */
	case OSR_KEY:
		if (c == '=') {
			os_release_begin_value(p);
		} else if (c == '\n') {
			inv_parse_warn(p->warnings, "line %u is not a KEY=value assignment", p->start_line);
			p->line++;
			p->state = OSR_PRE_KEY;
		} else {
			os_release_key_add(p, c);
		}
		return 0;
	case OSR_PRE_VALUE:
		if (c == ' ' || c == '\t')
			return 0;
		p->state = OSR_VALUE;
		/* fall through */
	case OSR_VALUE:
		if (c == '\n') {
			p->line++;
			p->state = OSR_PRE_KEY;
			return os_release_assign(p);
		}
		if (c == '"')
			p->state = OSR_DQUOTE;
		else if (c == '\'')
			p->state = OSR_SQUOTE;
		else if (c == '\\')
			p->state = OSR_VALUE_ESCAPE;
		else
			os_release_value_add(p, c, !os_release_blank(c));
		return 0;
	case OSR_VALUE_ESCAPE:
		p->state = OSR_VALUE;
		if (c == '\n')
			p->line++; /* a continuation line */
		else
			os_release_value_add(p, c, true);
		return 0;
	case OSR_SQUOTE:
		if (c == '\'') {
			p->state = OSR_VALUE;
			return 0;
		}
		if (c == '\n')
			p->line++;
		os_release_value_add(p, c, true);
		return 0;
	case OSR_DQUOTE:
		if (c == '"') {
			p->state = OSR_VALUE;
		} else if (c == '\\') {
			p->state = OSR_DQUOTE_ESCAPE;
		} else {
			if (c == '\n')
				p->line++;
			os_release_value_add(p, c, true);
		}
		return 0;
	case OSR_DQUOTE_ESCAPE:
		p->state = OSR_DQUOTE;
		if (c == '\n') {
			p->line++;
			return 0;
		}
		/* As in the shell, only these lose the backslash inside double quotes. */
		if (c != '"' && c != '\\' && c != '`' && c != '$')
			os_release_value_add(p, '\\', true);
		os_release_value_add(p, c, true);
		return 0;
	case OSR_COMMENT:
		if (c == '\n') {
			p->line++;
			p->state = OSR_PRE_KEY;
		}
		return 0;
	}
	return 0;
}

static int os_release_finish(struct os_release_parser *p)
{
	switch (p->state) {
	case OSR_KEY: inv_parse_warn(p->warnings, "line %u is not a KEY=value assignment", p->start_line); return 0;
	case OSR_PRE_VALUE:
	case OSR_VALUE:
	case OSR_VALUE_ESCAPE: return os_release_assign(p);
	case OSR_SQUOTE:
	case OSR_DQUOTE:
	case OSR_DQUOTE_ESCAPE:
		p->key[p->key_len] = '\0';
		inv_parse_warn(p->warnings, "line %u: the value of '%s' has no closing quote", p->start_line,
				  p->key);
		return 0;
	case OSR_PRE_KEY:
	case OSR_COMMENT: return 0;
	}
	return 0;
}

int os_release_parse(const char *text, size_t len, json_t **ret, json_t *warnings)
{
	struct os_release_parser p = {.state = OSR_PRE_KEY, .warnings = warnings, .line = 1};
	int r = 0;
	p.os = json_object();
	if (!p.os)
		return -ENOMEM;
	for (size_t i = 0; i < OS_RELEASE_NFIELDS; i++) {
		if (json_object_set_new(p.os, os_release_fields[i].field, json_null()) < 0) {
			r = -ENOMEM;
			goto out;
		}
	}
	for (size_t i = 0; i < len && r == 0; i++)
		r = os_release_feed(&p, text[i]);
	if (r == 0)
		r = os_release_finish(&p);
out:
	if (r < 0) {
		json_decref(p.os);
		return r;
	}
	*ret = p.os;
	return 0;
}

/* --- the collector ---------------------------------------------------------------- */

/* root/rel for a warning; rel itself when that does not fit. */
static const char *system_path(const struct inv_ctx *ctx, const char *rel, char *buf, size_t size)
{
	return inv_path(ctx, rel, buf, size) == 0 ? buf : rel;
}

/* text without the blanks and newlines around it, as a pointer and length. */
static void system_trim(const char **text, size_t *len)
{
	while (*len > 0 && ((*text)[0] == '\n' || os_release_blank((*text)[0]))) {
		(*text)++;
		(*len)--;
	}
	while (*len > 0 && ((*text)[*len - 1] == '\n' || os_release_blank((*text)[*len - 1])))
		(*len)--;
}

static bool system_hostname_valid(const char *s, size_t len)
{
	if (len == 0 || len > INV_HOSTNAME_MAX || s[0] == '-' || s[0] == '.')
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
		      c == '.' || c == '_'))
			return false;
	}
	return true;
}

/* The first line of text that is neither empty nor a comment, trimmed. */
static void system_first_line(const char *text, size_t len, const char **ret, size_t *ret_len)
{
	const char *p = text, *end = text + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *line = p;
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		p = nl ? nl + 1 : end;
		system_trim(&line, &n);
		if (n > 0 && line[0] != '#') {
			*ret = line;
			*ret_len = n;
			return;
		}
	}
	*ret = text;
	*ret_len = 0;
}

/* etc/hostname (comments allowed, as systemd reads it), else the kernel's name. */
static json_t *system_hostname(struct inv_ctx *ctx)
{
	static const char *const files[] = {"etc/hostname", "proc/sys/kernel/hostname"};
	char where[4096];
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char *text;
		size_t len;
		const char *name;
		size_t name_len;
		int r = inv_read(ctx, files[i], INV_SYSTEM_FILE_MAX, &text, &len);
		if (r < 0) {
			if (r != -ENOENT)
				inv_warn(ctx, system_section, "%s", err_msg(r));
			continue;
		}
		system_first_line(text, len, &name, &name_len);
		json_t *v = system_hostname_valid(name, name_len) ? inv_stringn(name, name_len) : NULL;
		free(text);
		if (v)
			return v;
		inv_warn(ctx, system_section, "'%s' does not hold a valid host name",
			 system_path(ctx, files[i], where, sizeof(where)));
	}
	inv_warn(ctx, system_section, "no host name: neither etc/hostname nor proc/sys/kernel/hostname gives one");
	return json_null();
}

/* os-release from etc/, else usr/lib/ (os-release(5)); null when neither is readable or
 * the file holds none of the keys. NULL only when out of memory. */
static json_t *system_os(struct inv_ctx *ctx)
{
	static const char *const files[] = {"etc/os-release", "usr/lib/os-release"};
	char where[4096];
	char *text = NULL;
	size_t len = 0, i;
	int r = -ENOENT;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		r = inv_read(ctx, files[i], INV_SYSTEM_FILE_MAX, &text, &len);
		if (r != -ENOENT)
			break;
	}
	if (r < 0) {
		if (r == -ENOENT)
			inv_warn(ctx, system_section,
				 "no os-release: neither etc/os-release nor usr/lib/os-release exists");
		else
			inv_warn(ctx, system_section, "%s", err_msg(r));
		return json_null();
	}
	system_path(ctx, files[i], where, sizeof(where));
	json_t *os = NULL, *warnings = json_array();
	if (!warnings || os_release_parse(text, len, &os, warnings) < 0) {
		free(text);
		json_decref(warnings);
		return NULL;
	}
	free(text);
	size_t k;
	json_t *w;
	json_array_foreach(warnings, k, w)
	{
		inv_warn(ctx, system_section, "'%s': %s", where, json_string_value(w));
	}
	json_decref(warnings);

	const char *key;
	json_t *v;
	json_object_foreach(os, key, v)
	{
		if (!json_is_null(v))
			return os;
	}
	json_decref(os);
	inv_warn(ctx, system_section,
		 "'%s' holds none of ID, ID_LIKE, NAME, VERSION_ID, VERSION, VERSION_CODENAME, PRETTY_NAME", where);
	return json_null();
}

/* A one-line kernel string (osrelease, version): printable, not empty, not huge. */
static json_t *system_kernel_string(struct inv_ctx *ctx, const char *rel)
{
	char where[4096];
	char *text;
	size_t len;
	int r = inv_read(ctx, rel, INV_SYSTEM_FILE_MAX, &text, &len);
	if (r < 0) {
		inv_warn(ctx, system_section, "%s", err_msg(r));
		return json_null();
	}
	const char *s = text;
	system_trim(&s, &len);
	bool ok = len > 0 && len <= INV_KERNEL_STRING_MAX;
	for (size_t i = 0; ok && i < len; i++)
		ok = (unsigned char)s[i] >= 0x20 && s[i] != 0x7f;
	json_t *v = ok ? inv_stringn(s, len) : json_null();
	free(text);
	if (!ok)
		inv_warn(ctx, system_section, "'%s' does not hold one line of text",
			 system_path(ctx, rel, where, sizeof(where)));
	return v;
}

/* The boot time from proc/stat's "btime SECONDS" line, as ISO 8601 UTC. */
static json_t *system_boot_time(struct inv_ctx *ctx)
{
	static const char *const rel = "proc/stat";
	char where[4096], num[24];
	char *text;
	size_t len;
	int64_t t = 0;
	int r = inv_read(ctx, rel, INV_STAT_FILE_MAX, &text, &len);
	if (r < 0) {
		inv_warn(ctx, system_section, "%s", err_msg(r));
		return json_null();
	}
	system_path(ctx, rel, where, sizeof(where));
	bool found = false;
	const char *p = text, *end = text + len;
	while (p < end && !found) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *line = p;
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		p = nl ? nl + 1 : end;
		if (n < 6 || memcmp(line, "btime", 5) != 0 || !os_release_blank(line[5]))
			continue;
		found = true;
		line += 6;
		n -= 6;
		system_trim(&line, &n);
		if (n == 0 || n >= sizeof(num) || memchr(line, '\0', n)) {
			r = -EINVAL;
			break;
		}
		memcpy(num, line, n);
		num[n] = '\0';
		r = parse_int64(num, 1, INV_BTIME_MAX, &t);
	}
	free(text);
	if (!found) {
		inv_warn(ctx, system_section, "'%s' has no btime line", where);
		return json_null();
	}
	if (r < 0) {
		inv_warn(ctx, system_section, "'%s': btime is not a time in seconds", where);
		return json_null();
	}
	char iso[TIME_ISO_LEN];
	time_iso(t, iso);
	return json_string(iso);
}

/* Whole seconds from proc/uptime's first field ("20571.38 69412.90"). */
static json_t *system_uptime(struct inv_ctx *ctx)
{
	static const char *const rel = "proc/uptime";
	char where[4096], num[24];
	char *text;
	size_t len;
	int64_t secs = 0;
	int r = inv_read(ctx, rel, INV_SYSTEM_FILE_MAX, &text, &len);
	if (r < 0) {
		inv_warn(ctx, system_section, "%s", err_msg(r));
		return json_null();
	}
	/* digits, optionally '.' and more digits, then a blank, newline or the end */
	size_t i = 0, int_len;
	while (i < len && text[i] >= '0' && text[i] <= '9')
		i++;
	int_len = i;
	if (i < len && text[i] == '.') {
		i++;
		while (i < len && text[i] >= '0' && text[i] <= '9')
			i++;
	}
	bool ok = int_len > 0 && int_len < sizeof(num) && (i == len || text[i] == '\n' || os_release_blank(text[i]));
	if (ok) {
		memcpy(num, text, int_len);
		num[int_len] = '\0';
		ok = parse_int64(num, 0, INT64_MAX, &secs) == 0;
	}
	free(text);
	if (!ok) {
		inv_warn(ctx, system_section, "'%s' does not start with seconds",
			 system_path(ctx, rel, where, sizeof(where)));
		return json_null();
	}
	return json_integer(secs);
}

/* Moves v into obj under key; -ENOMEM when v is NULL or the set fails. */
static int system_set(json_t *obj, const char *key, json_t *v)
{
	if (!v)
		return -ENOMEM;
	return json_object_set_new(obj, key, v) < 0 ? -ENOMEM : 0;
}

int inv_system(struct inv_ctx *ctx, json_t **ret)
{
	int r = -ENOMEM;
	json_t *sys = json_object(), *kernel = json_object();
	if (!sys || !kernel)
		goto out;
	if (system_set(sys, "hostname", system_hostname(ctx)) < 0 || system_set(sys, "os", system_os(ctx)) < 0 ||
	    system_set(kernel, "release", system_kernel_string(ctx, "proc/sys/kernel/osrelease")) < 0 ||
	    system_set(kernel, "version", system_kernel_string(ctx, "proc/sys/kernel/version")) < 0)
		goto out;
	r = system_set(sys, "kernel", kernel);
	kernel = NULL;
	if (r < 0 || (r = system_set(sys, "boot_time", system_boot_time(ctx))) < 0 ||
	    (r = system_set(sys, "uptime_seconds", system_uptime(ctx))) < 0)
		goto out;
out:
	json_decref(kernel);
	if (r < 0) {
		json_decref(sys);
		inv_warn(ctx, system_section, "out of memory");
		return r;
	}
	*ret = sys;
	return 0;
}
