/*
 * inventory_parse.h: the parsers behind the system and accounts collectors, working on
 * text in memory so unit tests and fuzz targets drive them without a file tree.
 *
 * All of them take len bytes of untrusted text (not NUL-terminated, may hold NULs),
 * skip what they cannot read, and say why by appending strings ("line 4: ...") to
 * warnings when it is not NULL. They stop adding at INV_PARSE_WARN_MAX entries in
 * warnings, after one saying that the rest were left out. They return 0, or -ENOMEM
 * with *ret untouched; *ret is a new reference the caller releases.
 */
#ifndef WARD_INVENTORY_PARSE_H
#define WARD_INVENTORY_PARSE_H

#include <jansson.h>
#include <stddef.h>

#define INV_PARSE_WARN_MAX 20 /* problems one parse reports, the last saying the rest were left out */

/* Appends a warning (a string) to warnings unless it is NULL or full (inventory_util.c). */
void inv_parse_warn(json_t *warnings, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define INV_PASSWD_LINE_MAX 4096       /* a longer passwd line is skipped */
#define INV_GROUP_LINE_MAX 65536       /* group lines list members, so they may be long */
#define INV_SUDOERS_LINE_MAX 65536     /* one logical sudoers line, continuations joined */
#define INV_ACCOUNTS_ENTRIES_MAX 65536 /* users, groups, or sudoers names from one file */
#define INV_ID_MAX 4294967294LL	       /* largest uid or gid; (uid_t)-1 means "none" */

/* os-release(5): shell-style KEY=value lines with '#' comments, values unquoted (with
 * backslash escapes), in single quotes (literal) or double quotes (backslash escapes
 * only " \ ` $ and a newline), pieces concatenated as in the shell. Unknown keys are
 * ignored; a later assignment wins. *ret is {"id", "id_like", "name", "version_id",
 * "version", "codename", "pretty_name"} from ID, ID_LIKE, NAME, VERSION_ID, VERSION,
 * VERSION_CODENAME and PRETTY_NAME, each a string or null (absent or empty). A value
 * with an unterminated quote, an invalid key or a value longer than 1024 bytes is
 * skipped with a warning. */
int os_release_parse(const char *text, size_t len, json_t **ret, json_t *warnings);

/* passwd(5): *ret is an array of {"name", "uid", "gid", "gecos", "home", "shell",
 * "login"} in file order; login is false when the shell's last component is "nologin"
 * or "false" (an empty shell means /bin/sh). Lines longer than INV_PASSWD_LINE_MAX,
 * without exactly 7 fields, with control characters, with a name that is empty, not
 * UTF-8 or holds a space, or with a uid or gid that is not a number up to INV_ID_MAX,
 * are skipped with a warning; empty lines, '#' comments and NIS '+'/'-' lines are
 * skipped (NIS ones with a warning). Invalid UTF-8 in gecos, home or shell becomes
 * U+FFFD. */
int passwd_parse(const char *text, size_t len, json_t **ret, json_t *warnings);

/* group(5): *ret is an array of {"name", "gid", "members": [names]} in file order,
 * empty member entries dropped. Skipping follows passwd_parse with 4 fields and
 * INV_GROUP_LINE_MAX. */
int group_parse(const char *text, size_t len, json_t **ret, json_t *warnings);

/* sudoers(5): the user specifications ("alice, bob ALL=(ALL) ALL"). *ret is {"users":
 * [names], "groups": [names]} in file order, groups from %group entries without the
 * '%'. Comments, #include/@include directives, Defaults and *_Alias lines are skipped;
 * so are entries that are negated (!), netgroups (+), uids (#), non-Unix groups (%:),
 * quoted or escaped, and alias names or ALL (upper case, digits, '_'), since aliases are
 * not expanded. Backslash-newline joins lines. */
int sudoers_parse(const char *text, size_t len, json_t **ret, json_t *warnings);

#endif
