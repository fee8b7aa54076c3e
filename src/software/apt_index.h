/*
 * apt_index.h: apt's and dpkg's package indexes as Ward reads them without apt: the
 * deb822 stanza parser behind Packages files and dpkg's status file (init / feed /
 * finish, any chunking), the reader that feeds it from a file stored plain or
 * compressed (lz4, gz, zst), Release / InRelease headers, and pin preferences.
 * Everything here is untrusted input: bounded, and fuzzed (fuzz/fuzz_apt_index.c).
 */
#ifndef WARD_SOFTWARE_APT_INDEX_H
#define WARD_SOFTWARE_APT_INDEX_H

#include <stdbool.h>
#include <stddef.h>

#include "core/limits.h"

/* --- stanzas --- */

/* The fields a stanza callback sees: trimmed values, not NUL-terminated, len 0 when the
 * stanza lacks the field. A field longer than WARD_APT_FIELD_MAX (or given twice) makes
 * the stanza "bad" and its values are not to be trusted. The relationship fields
 * (Depends, Pre-Depends, Provides, Breaks, Conflicts: APT_DEPENDS and after) are kept
 * only up to WARD_APT_DEPENDS_MAX each; past that, depends_cut is set. */
enum apt_field {
	APT_PACKAGE,
	APT_VERSION,
	APT_ARCHITECTURE,
	APT_STATUS,
	APT_DEPENDS,
	APT_PRE_DEPENDS,
	APT_PROVIDES,
	APT_BREAKS,
	APT_CONFLICTS,
	APT_FIELDS,
};

struct apt_stanza {
	const char *value[APT_FIELDS];
	size_t len[APT_FIELDS];
	bool bad;	   /* a field was too long or given twice */
	bool depends_cut;  /* a relationship field passed WARD_APT_DEPENDS_MAX */
	size_t first_line; /* 1-based line the stanza starts on */
};

/* Called for each stanza with at least one field; return 0 to go on, <0 to stop (the
 * value comes back from feed or finish). */
typedef int (*apt_stanza_fn)(void *arg, const struct apt_stanza *st);

struct apt_parser;

/* A parser calling fn(arg, ...) for every stanza; want_relations keeps the
 * relationship fields (otherwise skipped: most callers only need the rest).
 * NULL when out of memory. */
struct apt_parser *apt_parser_new(apt_stanza_fn fn, void *arg, bool want_relations);

/* A filter on the Package field: given its value, false makes the parser skip the
 * rest of the stanza (to the next "\n\n", without reading its lines) and leave it
 * out; fields before Package are still read, and Package comes first in apt's and
 * dpkg's files. With a filter, first_line counts no lines of skipped stanzas. */
typedef bool (*apt_keep_fn)(void *arg, const char *name, size_t len);
void apt_parser_set_filter(struct apt_parser *p, apt_keep_fn keep);

/* Parses the next len bytes. Lines may be cut anywhere across calls; a line longer than
 * WARD_APT_LINE_MAX is skipped (counted in apt_parser_skipped). 0, the callback's
 * negative value, or -EINVAL after finish. */
int apt_parser_feed(struct apt_parser *p, const char *data, size_t len);

/* Ends the input: the last stanza (even without a final newline) goes to the callback.
 * 0, the callback's value, or -EINVAL when called twice. */
int apt_parser_finish(struct apt_parser *p);

/* Lines skipped for being longer than WARD_APT_LINE_MAX. */
size_t apt_parser_skipped(const struct apt_parser *p);

void apt_parser_free(struct apt_parser *p);

/* --- reading an index file --- */

typedef int (*apt_chunk_fn)(void *arg, const char *data, size_t len);

/*
 * Reads the file at path and passes its content, decompressed, to fn in chunks of at
 * most WARD_APT_CHUNK bytes: plain, or by its suffix .lz4 (frame format), .gz or .zst.
 * At most WARD_APT_INDEX_MAX bytes of content (then -EFBIG). Errors: -errno when the
 * file cannot be opened or read, -EBADMSG for a damaged or truncated compressed stream,
 * -EPROTONOSUPPORT for another suffix (.xz, .bz2, ...), fn's negative value; all with
 * err_set() naming the file.
 */
int apt_read_file(const char *path, apt_chunk_fn fn, void *arg);

/* True when name looks like an index apt_read_file can read: NAME, NAME.lz4, NAME.gz
 * or NAME.zst, where NAME ends with suffix ("_Packages"). */
bool apt_index_name(const char *name, const char *suffix);

/* --- Release files --- */

/* What a Release or InRelease file says about its archive (the header stanza only). */
struct apt_release {
	char origin[WARD_APT_FIELD_MAX + 1];   /* "Debian" */
	char label[WARD_APT_FIELD_MAX + 1];    /* "Debian-Security" */
	char suite[WARD_APT_FIELD_MAX + 1];    /* the archive: "stable-security" */
	char codename[WARD_APT_FIELD_MAX + 1]; /* "bookworm-security" */
	char version[WARD_APT_FIELD_MAX + 1];  /* "12" */
	bool not_automatic;		       /* NotAutomatic: yes (experimental, backports) */
	bool but_automatic_upgrades;	       /* ButAutomaticUpgrades: yes (backports) */
};

/* Parses len bytes of a Release file, or an InRelease file (its clear-signed header
 * and signature are skipped; the signature is not checked: apt did that when it
 * fetched the file). Fields too long are left empty. Always succeeds. */
void apt_release_parse(const char *text, size_t len, struct apt_release *ret);

/* --- pin preferences (apt_preferences(5)) --- */

enum apt_pin_kind { APT_PIN_RELEASE, APT_PIN_ORIGIN, APT_PIN_VERSION };

struct apt_pin {
	char packages[WARD_APT_FIELD_MAX + 1]; /* "*", or names, globs and /regexes/, space-separated */
	enum apt_pin_kind kind;
	char data[WARD_APT_FIELD_MAX + 1]; /* "a=bookworm-backports,c=main", "deb.example.org", "1.2*" */
	int priority;			   /* Pin-Priority */
	bool generic;			   /* packages is "*": the pin gives a whole archive its priority */
};

struct apt_prefs {
	struct apt_pin *pins; /* in the order apt reads them */
	size_t n;
	size_t size;	  /* allocated */
	size_t ignored;	  /* stanzas left out (no Pin, bad priority, an explanation only, ...) */
};

/* Parses len bytes of one preferences file and appends its pins (at most
 * WARD_APT_PINS_MAX in all; more are counted as ignored). 0 or -ENOMEM. */
int apt_prefs_parse(struct apt_prefs *prefs, const char *text, size_t len);

/* Frees the pins; the struct itself is the caller's. NULL is fine. */
void apt_prefs_release(struct apt_prefs *prefs);

/* True when text matches an apt pattern: a glob (fnmatch), or /regex/ (extended,
 * case-insensitive); an exact match otherwise. */
bool apt_pattern_match(const char *pattern, size_t plen, const char *text);

#endif
