/*
 * inventory_accounts.c: the "accounts" section: users (etc/passwd), groups (etc/group),
 * who has uid 0, and who may act as root: members of the groups sudo, wheel and admin and
 * of groups sudoers names, users whose primary group is one of those, and users sudoers
 * names (etc/sudoers and etc/sudoers.d/).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "core/timeutil.h"
#include "inventory/inventory.h"
#include "inventory/inventory_parse.h"

#define INV_ACCOUNTS_FILE_MAX (16 * 1024 * 1024) /* etc/passwd, etc/group */
#define INV_SUDOERS_FILE_MAX (1024 * 1024)	 /* one sudoers file */
#define INV_SUDOERS_D_MAX 1000			 /* files read from etc/sudoers.d */
#define INV_SUDOERS_D_NAME_MAX 255		 /* a file name there */
#define INV_WARN_NAME_MAX 64			 /* bytes of a name quoted in a warning */

static const char *const accounts_section = "accounts";

/* Groups whose members may use sudo on Debian, Ubuntu (old releases: admin) and Red Hat. */
static const char *const accounts_admin_groups[] = {"sudo", "wheel", "admin"};

/* --- helpers for the parsers ------------------------------------------------------ */


/* The next line of [*p, end) without its newline; false at the end. */
static bool accounts_next_line(const char **p, const char *end, const char **line, size_t *len)
{
	if (*p >= end)
		return false;
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));
	*line = *p;
	*len = nl ? (size_t)(nl - *p) : (size_t)(end - *p);
	*p = nl ? nl + 1 : end;
	return true;
}

static bool accounts_has_control(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f)
			return true;
	}
	return false;
}

/* Strict UTF-8: no overlong forms, surrogates or code points past U+10FFFF. */
static bool accounts_utf8(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;
	while (i < len) {
		unsigned c = u[i];
		size_t n;
		unsigned cp;
		if (c < 0x80) {
			i++;
			continue;
		} else if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (len - i - 1 < n)
			return false;
		for (size_t k = 1; k <= n; k++) {
			if ((u[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (u[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += n + 1;
	}
	return true;
}

/* A user or group name: not empty, UTF-8, no blanks, commas or control characters. */
static bool accounts_name_valid(const char *s, size_t len)
{
	if (len == 0 || !accounts_utf8(s, len) || accounts_has_control(s, len))
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == ' ' || s[i] == ',' || s[i] == ':')
			return false;
	}
	return true;
}

/* Splits line at sep into at most max fields; returns how many fields there are. */
static size_t accounts_split(const char *line, size_t len, char sep, const char **f, size_t *f_len, size_t max)
{
	size_t n = 0, start = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && line[i] != sep)
			continue;
		if (n < max) {
			f[n] = line + start;
			f_len[n] = i - start;
		}
		n++;
		start = i + 1;
	}
	return n;
}

/* A uid or gid: 1 to 10 digits, at most INV_ID_MAX. */
static int accounts_id(const char *s, size_t len, int64_t *ret)
{
	char num[16];
	if (len == 0 || len > 10)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
	}
	memcpy(num, s, len);
	num[len] = '\0';
	return parse_int64(num, 0, INV_ID_MAX, ret);
}

static int accounts_name_len(size_t len)
{
	return (int)(len < INV_WARN_NAME_MAX ? len : INV_WARN_NAME_MAX);
}

/* The checks passwd and group lines share; false (with a warning) to skip the line. */
static bool accounts_line_ok(const char *line, size_t n, unsigned line_no, size_t max, json_t *warnings)
{
	if (n > max) {
		inv_parse_warn(warnings, "line %u is longer than %zu bytes", line_no, max);
		return false;
	}
	if (line[0] == '+' || line[0] == '-') {
		inv_parse_warn(warnings, "line %u is a NIS entry, which is not read", line_no);
		return false;
	}
	if (accounts_has_control(line, n)) {
		inv_parse_warn(warnings, "line %u holds control characters", line_no);
		return false;
	}
	return true;
}

/* --- passwd and group ------------------------------------------------------------- */

/* False for the shells that refuse a login. An empty shell is /bin/sh. */
static bool accounts_login_shell(const char *shell, size_t len)
{
	const char *base = shell;
	for (size_t i = 0; i < len; i++) {
		if (shell[i] == '/')
			base = shell + i + 1;
	}
	size_t n = len - (size_t)(base - shell);
	return !((n == 7 && memcmp(base, "nologin", 7) == 0) || (n == 5 && memcmp(base, "false", 5) == 0));
}

int passwd_parse(const char *text, size_t len, json_t **ret, json_t *warnings)
{
	const char *p = text, *end = text + len, *line;
	size_t n;
	unsigned line_no = 0;
	json_t *users = json_array();
	if (!users)
		return -ENOMEM;
	while (accounts_next_line(&p, end, &line, &n)) {
		const char *f[7];
		size_t fl[7];
		int64_t uid, gid;
		line_no++;
		if (n == 0 || line[0] == '#' || !accounts_line_ok(line, n, line_no, INV_PASSWD_LINE_MAX, warnings))
			continue;
		size_t nf = accounts_split(line, n, ':', f, fl, 7);
		if (nf != 7) {
			inv_parse_warn(warnings, "line %u has %zu fields, not 7", line_no, nf);
			continue;
		}
		if (!accounts_name_valid(f[0], fl[0])) {
			inv_parse_warn(warnings, "line %u: the user name is empty or not valid", line_no);
			continue;
		}
		if (accounts_id(f[2], fl[2], &uid) < 0 || accounts_id(f[3], fl[3], &gid) < 0) {
			inv_parse_warn(warnings,
					    "line %u: user '%.*s' has a uid or gid that is not a number up to %lld",
					    line_no, accounts_name_len(fl[0]), f[0], INV_ID_MAX);
			continue;
		}
		if (json_array_size(users) == INV_ACCOUNTS_ENTRIES_MAX) {
			inv_parse_warn(warnings, "more than %d users; the rest are left out",
					    INV_ACCOUNTS_ENTRIES_MAX);
			break;
		}
		json_t *u = json_pack("{s:o, s:I, s:I, s:o, s:o, s:o, s:b}", "name", inv_stringn(f[0], fl[0]), "uid",
				      (json_int_t)uid, "gid", (json_int_t)gid, "gecos", inv_stringn(f[4], fl[4]),
				      "home", inv_stringn(f[5], fl[5]), "shell", inv_stringn(f[6], fl[6]), "login",
				      accounts_login_shell(f[6], fl[6]));
		if (!u || json_array_append_new(users, u) < 0) {
			json_decref(users);
			return -ENOMEM;
		}
	}
	*ret = users;
	return 0;
}

/* The comma-separated members of a group line, empty entries dropped. */
static int accounts_members(const char *s, size_t len, unsigned line_no, json_t *warnings, json_t **ret)
{
	json_t *members = json_array();
	if (!members)
		return -ENOMEM;
	size_t start = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] != ',')
			continue;
		const char *m = s + start;
		size_t ml = i - start;
		start = i + 1;
		if (ml == 0)
			continue;
		if (!accounts_name_valid(m, ml)) {
			inv_parse_warn(warnings, "line %u: a member name is not valid", line_no);
			continue;
		}
		if (json_array_append_new(members, inv_stringn(m, ml)) < 0) {
			json_decref(members);
			return -ENOMEM;
		}
	}
	*ret = members;
	return 0;
}

int group_parse(const char *text, size_t len, json_t **ret, json_t *warnings)
{
	const char *p = text, *end = text + len, *line;
	size_t n;
	unsigned line_no = 0;
	json_t *groups = json_array();
	if (!groups)
		return -ENOMEM;
	while (accounts_next_line(&p, end, &line, &n)) {
		const char *f[4];
		size_t fl[4];
		int64_t gid;
		json_t *members;
		line_no++;
		if (n == 0 || line[0] == '#' || !accounts_line_ok(line, n, line_no, INV_GROUP_LINE_MAX, warnings))
			continue;
		size_t nf = accounts_split(line, n, ':', f, fl, 4);
		if (nf != 4) {
			inv_parse_warn(warnings, "line %u has %zu fields, not 4", line_no, nf);
			continue;
		}
		if (!accounts_name_valid(f[0], fl[0])) {
			inv_parse_warn(warnings, "line %u: the group name is empty or not valid", line_no);
			continue;
		}
		if (accounts_id(f[2], fl[2], &gid) < 0) {
			inv_parse_warn(warnings, "line %u: group '%.*s' has a gid that is not a number up to %lld",
					    line_no, accounts_name_len(fl[0]), f[0], INV_ID_MAX);
			continue;
		}
		if (json_array_size(groups) == INV_ACCOUNTS_ENTRIES_MAX) {
			inv_parse_warn(warnings, "more than %d groups; the rest are left out",
					    INV_ACCOUNTS_ENTRIES_MAX);
			break;
		}
		if (accounts_members(f[3], fl[3], line_no, warnings, &members) < 0) {
			json_decref(groups);
			return -ENOMEM;
		}
		json_t *g = json_pack("{s:o, s:I, s:o}", "name", inv_stringn(f[0], fl[0]), "gid", (json_int_t)gid,
				      "members", members);
		if (!g || json_array_append_new(groups, g) < 0) {
			json_decref(groups);
			return -ENOMEM;
		}
	}
	*ret = groups;
	return 0;
}

/* --- sudoers ---------------------------------------------------------------------- */

static bool sudoers_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* An alias name (or ALL): an upper-case letter, then upper case, digits and '_'. */
static bool sudoers_alias_like(const char *s, size_t len)
{
	if (len == 0 || s[0] < 'A' || s[0] > 'Z')
		return false;
	for (size_t i = 1; i < len; i++) {
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	}
	return true;
}

/* One entry of a user list into users or groups; entries that name no one plainly are
 * left out (see inventory_parse.h). */
static int sudoers_item(const char *s, size_t len, json_t *users, json_t *groups, json_t *warnings)
{
	json_t *to = users;
	if (s[0] == '!' || s[0] == '+' || s[0] == '#' || s[0] == '"' || memchr(s, '\\', len))
		return 0;
	if (s[0] == '%') {
		s++;
		len--;
		if (len == 0 || s[0] == ':' || s[0] == '#')
			return 0;
		to = groups;
	}
	if (sudoers_alias_like(s, len) || !accounts_name_valid(s, len))
		return 0;
	if (json_array_size(users) + json_array_size(groups) >= INV_ACCOUNTS_ENTRIES_MAX) {
		if (json_array_size(users) + json_array_size(groups) == INV_ACCOUNTS_ENTRIES_MAX)
			inv_parse_warn(warnings, "more than %d names; the rest are left out",
					    INV_ACCOUNTS_ENTRIES_MAX);
		return 0;
	}
	return json_array_append_new(to, inv_stringn(s, len)) < 0 ? -ENOMEM : 0;
}

/* Walks the user list that starts at s[i] ("alice, %admins"); with users NULL, only
 * finds where it ends (*ret_end). -EINVAL when an entry is empty. */
static int sudoers_user_list(const char *s, size_t n, size_t i, json_t *users, json_t *groups, json_t *warnings,
			     size_t *ret_end)
{
	for (;;) {
		while (i < n && sudoers_blank(s[i]))
			i++;
		size_t start = i;
		bool quoted = false;
		while (i < n && (quoted || (!sudoers_blank(s[i]) && s[i] != ',' && s[i] != '='))) {
			if (s[i] == '"')
				quoted = !quoted;
			else if (s[i] == '\\' && i + 1 < n)
				i++; /* "esc\,aped" is one entry */
			i++;
		}
		if (i == start)
			return -EINVAL;
		if (users) {
			int r = sudoers_item(s + start, i - start, users, groups, warnings);
			if (r < 0)
				return r;
		}
		while (i < n && sudoers_blank(s[i]))
			i++;
		if (i < n && s[i] == ',') {
			i++;
			continue;
		}
		*ret_end = i;
		return 0;
	}
}

/* One logical line (continuations joined). */
static int sudoers_line(const char *s, size_t n, unsigned line_no, json_t *users, json_t *groups, json_t *warnings)
{
	size_t i = 0, end;
	while (i < n && sudoers_blank(s[i]))
		i++;
	if (i == n || s[i] == '#' || s[i] == '@')
		return 0; /* blank, comment, #include, @include */
	size_t w = i;
	while (w < n && !sudoers_blank(s[w]))
		w++;
	const char *word = s + i;
	size_t wl = w - i;
	if (wl >= 8 && memcmp(word, "Defaults", 8) == 0 &&
	    (wl == 8 || word[8] == ':' || word[8] == '@' || word[8] == '>' || word[8] == '!'))
		return 0;
	if (wl > 6 && memcmp(word + wl - 6, "_Alias", 6) == 0)
		return 0;
	/* USERS HOSTS=... : after the user list, a host list and an '='. */
	if (sudoers_user_list(s, n, i, NULL, NULL, NULL, &end) < 0 || end == n || s[end] == '=' ||
	    !memchr(s + end, '=', n - end)) {
		inv_parse_warn(warnings, "line %u is not a user specification", line_no);
		return 0;
	}
	return sudoers_user_list(s, n, i, users, groups, warnings, &end);
}

int sudoers_parse(const char *text, size_t len, json_t **ret, json_t *warnings)
{
	const char *p = text, *end = text + len, *line;
	size_t n;
	unsigned line_no = 0;
	int r = -ENOMEM;
	json_t *users = json_array(), *groups = json_array(), *result = NULL;
	char *buf = NULL; /* for lines joined by backslash-newline, made on the first */
	if (!users || !groups)
		goto out;
	while (accounts_next_line(&p, end, &line, &n)) {
		unsigned first = ++line_no;
		const char *logical = line;
		size_t used = n;
		bool too_long = n > INV_SUDOERS_LINE_MAX;
		if (n > 0 && line[n - 1] == '\\') {
			if (!buf && !(buf = malloc(INV_SUDOERS_LINE_MAX)))
				goto out;
			logical = buf;
			used = 0;
			too_long = false;
			for (bool more = true; more;) {
				more = n > 0 && line[n - 1] == '\\';
				if (more)
					n--;
				if (too_long || n > INV_SUDOERS_LINE_MAX - used) {
					too_long = true;
				} else {
					memcpy(buf + used, line, n);
					used += n;
				}
				if (more && !accounts_next_line(&p, end, &line, &n))
					break;
				line_no += more;
			}
		}
		if (too_long) {
			inv_parse_warn(warnings, "line %u is longer than %d bytes", first, INV_SUDOERS_LINE_MAX);
			continue;
		}
		if (sudoers_line(logical, used, first, users, groups, warnings) < 0)
			goto out;
	}
	result = json_pack("{s:O, s:O}", "users", users, "groups", groups);
	if (result)
		r = 0;
out:
	free(buf);
	json_decref(users);
	json_decref(groups);
	if (r < 0)
		return r;
	*ret = result;
	return 0;
}

/* --- the collector ---------------------------------------------------------------- */

typedef int (*accounts_parser_fn)(const char *text, size_t len, json_t **ret, json_t *warnings);

/* Reads root/rel and parses it, passing the parser's warnings on. *ret is the result, or
 * NULL when the file cannot be read (warned, unless quiet_enoent and it is absent).
 * -ENOMEM only. */
static int accounts_load(struct inv_ctx *ctx, const char *rel, size_t max, accounts_parser_fn parse, bool quiet_enoent,
			 json_t **ret)
{
	char where[4096];
	char *text;
	size_t len;
	json_t *warnings, *v = NULL, *w;
	size_t i;
	*ret = NULL;
	int r = inv_read(ctx, rel, max, &text, &len);
	if (r < 0) {
		if (r == -ENOMEM)
			return r;
		if (!(quiet_enoent && r == -ENOENT))
			inv_warn(ctx, accounts_section, "%s", err_msg(r));
		return 0;
	}
	if (inv_path(ctx, rel, where, sizeof(where)) < 0)
		snprintf(where, sizeof(where), "%s", rel);
	warnings = json_array();
	r = warnings ? parse(text, len, &v, warnings) : -ENOMEM;
	free(text);
	json_array_foreach(warnings, i, w)
	{
		inv_warn(ctx, accounts_section, "'%s': %s", where, json_string_value(w));
	}
	json_decref(warnings);
	if (r < 0)
		return r;
	*ret = v;
	return 0;
}

/* Appends the strings of from to to. */
static int accounts_extend(json_t *to, const json_t *from)
{
	return json_array_extend(to, (json_t *)from) < 0 ? -ENOMEM : 0;
}

static bool accounts_sudoers_d_name_ok(const char *name)
{
	size_t n = strlen(name);
	/* sudo skips editor backups (~) and names with a dot (.dpkg-old, .rpmsave, hidden) */
	return n > 0 && n <= INV_SUDOERS_D_NAME_MAX && name[n - 1] != '~' && !strchr(name, '.');
}

static int accounts_cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in etc/sudoers.d/ that sudo would read, sorted; NULL and 0 names when the
 * directory is absent. */
static int accounts_sudoers_d_names(struct inv_ctx *ctx, char ***ret, size_t *ret_n)
{
	char dir[4096];
	char **names = NULL;
	size_t n = 0;
	int r = inv_path(ctx, "etc/sudoers.d", dir, sizeof(dir));
	*ret = NULL;
	*ret_n = 0;
	if (r < 0) {
		inv_warn(ctx, accounts_section, "%s", err_msg(r));
		return 0;
	}
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (errno != ENOENT)
			inv_warn(ctx, accounts_section, "cannot list '%s': %s", dir, strerror(errno));
		if (fd >= 0)
			close(fd);
		return 0;
	}
	r = -ENOMEM;
	names = calloc(INV_SUDOERS_D_MAX, sizeof(*names));
	if (!names)
		goto out;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!accounts_sudoers_d_name_ok(de->d_name))
			continue;
		if (n == INV_SUDOERS_D_MAX) {
			inv_warn(ctx, accounts_section, "'%s' has more than %d files; the rest are not read", dir,
				 INV_SUDOERS_D_MAX);
			break;
		}
		names[n] = strdup(de->d_name);
		if (!names[n])
			goto out;
		n++;
	}
	qsort(names, n, sizeof(*names), accounts_cmp_str);
	r = 0;
out:
	closedir(d);
	if (r < 0) {
		for (size_t i = 0; i < n; i++)
			free(names[i]);
		free(names);
		return r;
	}
	*ret = names;
	*ret_n = n;
	return 0;
}

/* Users and %groups named in etc/sudoers and the files in etc/sudoers.d, into users and groups;
 * *ret_read says whether any sudoers file could be read. */
static int accounts_sudoers(struct inv_ctx *ctx, json_t *users, json_t *groups, bool *ret_read)
{
	char **names = NULL;
	size_t n = 0;
	json_t *v;
	int r = accounts_load(ctx, "etc/sudoers", INV_SUDOERS_FILE_MAX, sudoers_parse, true, &v);
	*ret_read = false;
	if (r < 0)
		return r;
	if (v) {
		*ret_read = true;
		r = accounts_extend(users, json_object_get(v, "users"));
		if (r == 0)
			r = accounts_extend(groups, json_object_get(v, "groups"));
		json_decref(v);
		if (r < 0)
			return r;
	}
	r = accounts_sudoers_d_names(ctx, &names, &n);
	for (size_t i = 0; r == 0 && i < n; i++) {
		char rel[INV_SUDOERS_D_NAME_MAX + 32];
		if (snprintf(rel, sizeof(rel), "etc/sudoers.d/%s", names[i]) >= (int)sizeof(rel))
			continue;
		r = accounts_load(ctx, rel, INV_SUDOERS_FILE_MAX, sudoers_parse, false, &v);
		if (r < 0 || !v)
			continue;
		*ret_read = true;
		r = accounts_extend(users, json_object_get(v, "users"));
		if (r == 0)
			r = accounts_extend(groups, json_object_get(v, "groups"));
		json_decref(v);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return r;
}

/* Adds every string of names to the set (an object used for its keys). */
static int accounts_set_add_all(json_t *set, const json_t *names)
{
	size_t i;
	json_t *name;
	json_array_foreach(names, i, name)
	{
		if (json_object_set_new_nocheck(set, json_string_value(name), json_true()) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* The keys of set as a sorted array. */
static json_t *accounts_set_sorted(json_t *set)
{
	size_t n = json_object_size(set), i = 0;
	const char **keys = malloc((n ? n : 1) * sizeof(*keys));
	json_t *list = json_array(), *v;
	const char *key;
	if (!keys || !list)
		goto oom;
	json_object_foreach(set, key, v)
	{
		keys[i++] = key;
	}
	qsort(keys, n, sizeof(*keys), accounts_cmp_str);
	for (i = 0; i < n; i++) {
		if (json_array_append_new(list, json_string(keys[i])) < 0)
			goto oom;
	}
	free(keys);
	return list;
oom:
	free(keys);
	json_decref(list);
	return NULL;
}

/* The admins: sorted, each name once. */
static json_t *accounts_admins(const json_t *users, const json_t *groups, const json_t *sudo_users,
			       const json_t *sudo_groups)
{
	json_t *admins = json_object(), *admin_groups = json_object(), *gids = json_object(), *result = NULL, *v;
	size_t i;
	char gid_key[24];
	if (!admins || !admin_groups || !gids)
		goto out;
	for (i = 0; i < sizeof(accounts_admin_groups) / sizeof(accounts_admin_groups[0]); i++) {
		if (json_object_set_new(admin_groups, accounts_admin_groups[i], json_true()) < 0)
			goto out;
	}
	if (accounts_set_add_all(admin_groups, sudo_groups) < 0 || accounts_set_add_all(admins, sudo_users) < 0)
		goto out;
	json_array_foreach(groups, i, v)
	{
		if (!json_object_get(admin_groups, json_string_value(json_object_get(v, "name"))))
			continue;
		snprintf(gid_key, sizeof(gid_key), "%lld", (long long)json_integer_value(json_object_get(v, "gid")));
		if (json_object_set_new(gids, gid_key, json_true()) < 0 ||
		    accounts_set_add_all(admins, json_object_get(v, "members")) < 0)
			goto out;
	}
	json_array_foreach(users, i, v)
	{
		snprintf(gid_key, sizeof(gid_key), "%lld", (long long)json_integer_value(json_object_get(v, "gid")));
		if (json_object_get(gids, gid_key) &&
		    json_object_set_new_nocheck(admins, json_string_value(json_object_get(v, "name")), json_true()) < 0)
			goto out;
	}
	result = accounts_set_sorted(admins);
out:
	json_decref(admins);
	json_decref(admin_groups);
	json_decref(gids);
	return result;
}

/* Names of the users with uid 0, in file order. */
static json_t *accounts_uid0(const json_t *users)
{
	json_t *list = json_array(), *v;
	size_t i;
	if (!list)
		return NULL;
	json_array_foreach(users, i, v)
	{
		if (json_integer_value(json_object_get(v, "uid")) == 0 &&
		    json_array_append(list, json_object_get(v, "name")) < 0) {
			json_decref(list);
			return NULL;
		}
	}
	return list;
}

int inv_accounts(struct inv_ctx *ctx, json_t **ret)
{
	json_t *users = NULL, *groups = NULL, *uid0 = NULL, *admins = NULL, *result = NULL;
	json_t *sudo_users = json_array(), *sudo_groups = json_array();
	bool sudoers_read = false;
	int r = -ENOMEM;
	if (!sudo_users || !sudo_groups)
		goto out;
	if ((r = accounts_load(ctx, "etc/passwd", INV_ACCOUNTS_FILE_MAX, passwd_parse, false, &users)) < 0 ||
	    (r = accounts_load(ctx, "etc/group", INV_ACCOUNTS_FILE_MAX, group_parse, false, &groups)) < 0 ||
	    (r = accounts_sudoers(ctx, sudo_users, sudo_groups, &sudoers_read)) < 0)
		goto out;
	r = -ENOMEM;
	uid0 = users ? accounts_uid0(users) : json_null();
	/* Admins are unknown only when nothing that names them could be read. */
	admins =
	    users || groups || sudoers_read ? accounts_admins(users, groups, sudo_users, sudo_groups) : json_null();
	if (!uid0 || !admins)
		goto out;
	result = json_pack("{s:O, s:O, s:O, s:O}", "users", users ? users : json_null(), "groups",
			   groups ? groups : json_null(), "uid0", uid0, "admins", admins);
	if (result)
		r = 0;
out:
	json_decref(users);
	json_decref(groups);
	json_decref(uid0);
	json_decref(admins);
	json_decref(sudo_users);
	json_decref(sudo_groups);
	if (r < 0) {
		inv_warn(ctx, accounts_section, "out of memory");
		return r;
	}
	*ret = result;
	return 0;
}
