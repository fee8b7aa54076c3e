/*
 * vuln.h: known vulnerabilities of Debian and Ubuntu machines: the Debian Security
 * Tracker's JSON and OSV records imported into the store, matched by source package
 * and source version against a machine's packages, and the OS's end of life from
 * distro-info-data.
 */
#ifndef WARD_VULN_H
#define WARD_VULN_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/store.h"

/* Limits on what a feed can make us hold. Module-local until they move to core/limits.h. */
#ifndef WARD_VULN_SOURCE_MAX
#define WARD_VULN_SOURCE_MAX                                                                                           \
	(64 * 1024 * 1024) /* bytes of one source package's member of the                                              \
			    * tracker JSON (linux is the largest, ~10 MB) */
#endif
#ifndef WARD_VULN_OSV_FILE_MAX
#define WARD_VULN_OSV_FILE_MAX (64 * 1024 * 1024) /* bytes of one OSV file */
#endif
#ifndef WARD_VULN_OSV_FILES_MAX
#define WARD_VULN_OSV_FILES_MAX 500000 /* .json files in an OSV directory */
#endif
#ifndef WARD_VULN_FIELD_MAX
#define WARD_VULN_FIELD_MAX 256 /* bytes in a name, id, release, version, urgency */
#endif
#ifndef WARD_VULN_TEXT_MAX
#define WARD_VULN_TEXT_MAX (16 * 1024) /* bytes of a description kept (longer ones cut) */
#endif
#ifndef WARD_VULN_DOWNLOAD_MAX
#define WARD_VULN_DOWNLOAD_MAX (1024LL * 1024 * 1024) /* bytes of a downloaded feed (the tracker's JSON is ~70 MB) */
#endif
#ifndef WARD_VULN_SOURCES_MAX
#define WARD_VULN_SOURCES_MAX 64 /* feed URLs configured for scheduled import */
#endif
#ifndef WARD_VULN_CSV_MAX
#define WARD_VULN_CSV_MAX (1024 * 1024) /* bytes of a distro-info CSV */
#endif

/* What a feed says about one issue (CVE) as a whole. Strings are borrowed. */
struct vuln_issue {
	const char *cve;	 /* "CVE-2024-1234", "TEMP-...", or an OSV id without a CVE alias */
	const char *description; /* or NULL */
	const char *scope;	 /* "local", "remote" or NULL */
	int64_t debianbug;	 /* 0 when none */
};

/* What a feed says about one issue in one source package on one release. */
struct vuln_entry {
	const char *release; /* codename ("bookworm") for the tracker, version ("12",
			      * "22.04") for OSV */
	const char *source;  /* source package name */
	const char *cve;
	const char *status;	   /* "open", "resolved", "undetermined" (tracker words) */
	const char *introduced;	   /* first affected version, NULL for every version */
	const char *fixed;	   /* first fixed version; "0" never affected; NULL none */
	const char *last_affected; /* last affected version (OSV), NULL when unknown */
	const char *urgency;	   /* "high", "unimportant", "end-of-life", ... or NULL */
	const char *nodsa;	   /* the tracker's no-DSA note ("" when it says only true), or NULL */
	const char *nodsa_reason;  /* "ignored", "postponed", "" or NULL */
};

/* Where parsers deliver what they read. A callback's negative result stops the parse
 * and is returned by it. */
struct vuln_sink {
	int (*issue)(void *arg, const struct vuln_issue *i);
	int (*entry)(void *arg, const struct vuln_entry *e);
	void *arg;
};

/* --- the tracker's JSON, streamed (vuln_tracker.c) --- */

/*
 * The tracker's file, {source: {CVE: {description, scope, debianbug, releases:
 * {codename: {status, fixed_version, urgency, nodsa, nodsa_reason, repositories}}}}},
 * is read one top-level member (one source package) at a time: memory is bounded by
 * the largest member (WARD_VULN_SOURCE_MAX), not the file. Feed chunks of any size; the
 * result does not depend on how the file is cut. For each source the sink gets its
 * issues (in file order), each followed by its entries.
 *
 * Errors (-EBADMSG, err_set naming the byte offset and the source or CVE): bytes that
 * are not JSON, a member that is not of the tracker's shape (a value of the wrong
 * type, a release without a status, a string longer than WARD_VULN_FIELD_MAX), a
 * member larger than WARD_VULN_SOURCE_MAX (-E2BIG), anything after the closing brace
 * but blanks; at finish, a file that ends before its closing brace (truncated).
 * Unknown fields are ignored. After an error every call returns it again.
 */
struct vuln_tracker;
struct vuln_tracker *vuln_tracker_new(const struct vuln_sink *sink);
int vuln_tracker_feed(struct vuln_tracker *t, const char *data, size_t len);
int vuln_tracker_finish(struct vuln_tracker *t);
void vuln_tracker_free(struct vuln_tracker *t);

/* --- OSV (vuln_osv.c) --- */

/*
 * Parses one OSV file's bytes: a record or an array of records. Only affected[]
 * packages of the Debian and Ubuntu ecosystems ("Debian:12", "Ubuntu:22.04:LTS",
 * "Ubuntu:Pro:20.04:LTS"; the release is the version part) with ECOSYSTEM ranges are
 * used; the rest is skipped and counted in *ret_skipped (may be NULL). Each range
 * becomes one entry per interval of its events: introduced ("0" for all), then
 * fixed (status "resolved") or last_affected or nothing (status "open"). The issue id
 * is the record's id when it starts with "CVE-", else its first CVE alias or
 * upstream id, else its id. Urgency: affected[].ecosystem_specific.urgency, else a
 * severity of type "Ubuntu". -EBADMSG (err_set saying where) for bytes that are not
 * JSON or a record that is not of OSV's shape (no id, affected not an array, ...).
 */
int vuln_osv_parse(const char *data, size_t len, const struct vuln_sink *sink, size_t *ret_skipped);

/* --- matching (vuln_match.c) --- */

enum vuln_status {
	VULN_NOT_AFFECTED = 0, /* fixed_version "0", outside the affected range, or installed >= fixed */
	VULN_FIXED_AVAILABLE,  /* a fixed version newer than the installed one exists */
	VULN_UNFIXED,	       /* open: no fixed version yet (also "undetermined", and no-DSA "postponed") */
	VULN_WILL_NOT_FIX,     /* open, and the security team marked it no-DSA ("ignored", minor issue) */
	VULN_END_OF_LIFE,      /* open, and the package is no longer supported in that release */
};

/* "not-affected", "fixed-available", ... */
const char *vuln_status_name(enum vuln_status s);

/* Parses a status name; -EINVAL (err_set) for an unknown one. */
int vuln_status_parse(const char *s, enum vuln_status *ret);

/*
 * The status of entry e for a package whose source version is installed (a Debian
 * version). -EINVAL (err_set) when installed or one of the entry's versions is not a
 * version dpkg accepts.
 */
int vuln_match_entry(const struct vuln_entry *e, const char *installed, enum vuln_status *ret);

/* --- end of life (vuln_eol.c) --- */

/*
 * The support of a release from distro-info-data: dir holds debian.csv and
 * ubuntu.csv (normally /usr/share/distro-info). id is os-release's ID ("debian",
 * "ubuntu"), version_id and codename its VERSION_ID and VERSION_CODENAME (either may
 * be NULL). now is a Unix time. *ret is
 *   {"distro", "release", "codename", "eol", "extended": {"eol-lts": date, ...},
 *    "status": "supported" | "extended" | "end-of-life", "message"}
 * where "extended" means past the standard end of life but before the last date of
 * the CSV's later columns (Debian LTS and ELTS, Ubuntu ESM). -ENOENT (err_set) when
 * the distribution has no CSV or the release is not in it; -EBADMSG for a damaged CSV.
 */
int vuln_eol(const char *dir, const char *id, const char *version_id, const char *codename, int64_t now, json_t **ret);

/* --- downloading (vuln_fetch.c) --- */

#define VULN_FETCH_HEAD_MAX (64 * 1024) /* status line and headers of one answer */
#define VULN_FETCH_URL_MAX 2048		/* bytes of a feed URL */
#define VULN_FETCH_VALIDATOR_MAX 255	/* bytes of an ETag or Last-Modified kept */
#define VULN_FETCH_TIMEOUT_S 600	/* a whole download, redirects included */

/* What vuln_fetch got. */
struct vuln_fetch_result {
	int status;			  /* 200: path holds the feed; 304: unchanged, nothing fetched */
	char path[4096];		  /* the downloaded file (temporary) or the file:// path */
	bool temporary;			  /* path is ours to remove (vuln_fetch_result_release) */
	int64_t bytes;			  /* body bytes downloaded */
	char etag[VULN_FETCH_VALIDATOR_MAX + 1]; /* the answer's validators ("" when none) */
	char last_modified[VULN_FETCH_VALIDATOR_MAX + 1];
};

/*
 * Fetches url (http://, https:// with the system's CAs, or file:///path) into a new
 * temporary file in tmp_dir, at most max bytes. etag and last_modified (may be NULL)
 * are the validators of the copy already imported: sent as If-None-Match and
 * If-Modified-Since, and a 304 answer gives status 304 with no file. A file:// URL is
 * not copied: path is the file (or OSV directory) itself, and its validator is its
 * size and modification time. Redirects are followed (up to 5). Errors, with nothing
 * left behind: -EINVAL (not a URL Ward fetches), -EHOSTUNREACH, -ETIMEDOUT, -EPERM
 * (TLS), -ENOENT (404), -EPROTO (another status), -E2BIG (over max), -EPIPE (the
 * connection closed before the whole body came: a truncated download), -EBADMSG (not
 * HTTP). The caller releases the result with vuln_fetch_result_release.
 */
int vuln_fetch(const char *url, const char *etag, const char *last_modified, const char *tmp_dir, int64_t max,
	       struct vuln_fetch_result *ret);
void vuln_fetch_result_release(struct vuln_fetch_result *r);

/* The HTTP answer parser behind vuln_fetch, fed in pieces of any size: the head (its
 * status and the ETag, Last-Modified and Location headers kept), then the body
 * (Content-Length, chunked, or up to the connection's end), given to sink. Errors as
 * vuln_fetch's; finish tells a truncated body (-EPIPE) from a complete one. */
struct vuln_fetch_parser;
struct vuln_fetch_parser *vuln_fetch_parser_new(int64_t body_max, int (*sink)(void *arg, const char *data, size_t len),
						void *arg);
int vuln_fetch_parser_feed(struct vuln_fetch_parser *p, const char *data, size_t len);
int vuln_fetch_parser_finish(struct vuln_fetch_parser *p);
int vuln_fetch_parser_status(const struct vuln_fetch_parser *p);
/* "etag", "last-modified" or "location"; NULL when the answer had none. */
const char *vuln_fetch_parser_header(const struct vuln_fetch_parser *p, const char *name);
void vuln_fetch_parser_free(struct vuln_fetch_parser *p);

/* --- configured feed URLs, imported on schedule (vuln_sources.c) --- */

/*
 * Configures url to be imported into feed (NULL: "osv" when format is "osv", else
 * "debian-tracker") every every_s seconds (0: 6 hours) by ward serve's scheduler.
 * Replaces the feed's earlier URL. Logged as vuln.source_add. -EINVAL for a URL
 * vuln_fetch does not take, an interval under 5 minutes, or more than
 * WARD_VULN_SOURCES_MAX sources.
 */
int vuln_source_add(struct store *s, const char *actor, const char *url, const char *format, const char *feed,
		    int64_t every_s, int64_t now);

/* Forgets feed's URL (its imported data stays). -ENOENT. Logged as vuln.source_remove. */
int vuln_source_remove(struct store *s, const char *actor, const char *feed);

/*
 * Fetches the configured URLs that are due (feed NULL: all of them; force: due or
 * not, feed named: that one only, -ENOENT when it has no URL) and imports those that
 * changed, each in its own transaction. A download or import that fails leaves the
 * feed's data as it was and records the error on the source (shown by vuln_feeds)
 * and in the activity log (vuln.fetch_failed). *ret (may be NULL) is [{"feed",
 * "result": "imported" | "unchanged" | "failed", "error", "issues", "entries"}].
 * Returns 0 when every fetch was tried, even when some failed.
 */
int vuln_sources_refresh(struct store *s, const char *actor, const char *feed, bool force, int64_t now,
			 json_t **ret);

/* distro-info-data's directory: WARD_DISTRO_INFO, else /usr/share/distro-info. */
const char *vuln_distro_info_dir(void);

/* --- import and reports (vuln.c) --- */

/*
 * Imports path (or an http://, https:// or file:// URL, downloaded first into the data
 * directory, at most WARD_VULN_DOWNLOAD_MAX bytes) into the feed named feed (NULL: "debian-tracker" for the tracker's JSON,
 * "osv" for OSV). format is "tracker", "osv" or NULL to tell from the content: a
 * directory is OSV (every *.json below it); a file whose JSON is an array, or an object
 * whose first member is an OSV field ("id", "schema_version", "modified", ...), is
 * OSV; else the tracker. One transaction replaces everything the feed held: when
 * anything fails (a file unreadable, truncated or not of the shape) nothing changes
 * and the error names the file. The import is in the activity log as vuln.import.
 * *ret (may be NULL) is {"feed", "format", "issues", "entries", "skipped", "seconds"}.
 */
int vuln_import(struct store *s, const char *actor, const char *path, const char *format, const char *feed,
		json_t **ret);

/* vuln_import of a local path, recorded as coming from origin (NULL: path). */
int vuln_import_origin(struct store *s, const char *actor, const char *path, const char *origin, const char *format,
		       const char *feed, json_t **ret);

/* The feeds imported or configured: [{"feed", "format", "origin", "imported_at",
 * "issues", "entries", "url", "every", "checked_at", "changed_at", "error", "error_at"}]
 * (the last six null for a feed with no URL configured; imported_at null for a URL
 * never imported). */
int vuln_feeds(struct store *s, json_t **ret);

/*
 * Matches a machine: packages is the inventory's packages section (or its items
 * array), os its system.os object ({"id", "version_id", "codename", ...}), upgrades
 * its upgrades section or NULL when not known. *ret is
 *   {"release": [codename, version], "findings": [F...], "counts": {status: n,
 *    "upgrade-fixes": fixed-available findings an upgrade on hand fixes}}
 * where each F is {"source", "version" (the installed source version), "binaries":
 * [names], "cve", "status", "urgency", "scope", "fixed", "nodsa_reason", "feed",
 * "upgrade_fixes": true | false | null (unknown: no upgrades data)}, for every
 * status but not-affected, sorted by source then issue. Packages not "installed" are
 * skipped; rpm packages too. Statuses of the same issue in several feeds: the most
 * severe wins (end-of-life, unfixed, fixed-available, will-not-fix, not-affected order is
 * not used: a fix known to any feed is reported as fixed-available).
 */
int vuln_match_machine(struct store *s, const json_t *packages, const json_t *os, const json_t *upgrades, json_t **ret);

/*
 * Matches every enrolled host (or the one named host) from their stored sections, in
 * name order, one at a time: fn gets each host's {"host", "os", "release", "eol",
 * "findings": [...], "counts"} (as vuln_match_machine, plus vuln_eol's answer from
 * distro_info_dir or null), which it may change but not keep: a fleet's findings run
 * to millions, so they are never all held at once. Each release's entries are loaded
 * once for all its hosts. Hosts without a packages section, or whose os-release has
 * neither codename nor version, are left out. fn's negative result stops the walk and
 * is returned. -ENOENT when host names no machine. counts_only: every status is still
 * computed, but "findings" is null (the counts are all a fleet overview needs, and a
 * tenth of the cost).
 */
int vuln_match_fleet(struct store *s, const char *host, const char *distro_info_dir, int64_t now, bool counts_only,
		     int (*fn)(void *arg, json_t *result), void *arg);

/* Keeps the findings of a vuln_match_* result that match the filters (NULL: any):
 * the issue, an urgency prefix ("medium" matches "medium**"), a status. */
void vuln_filter_findings(json_t *res, const char *cve, const char *urgency, const char *status);

/* What every feed says about one issue: {"cve", "description", "scope", "debianbug",
 * "entries": [{"feed", "release", "source", "status", "fixed", ...}]}. -ENOENT when no
 * feed knows it. */
int vuln_show(struct store *s, const char *cve, json_t **ret);

#endif
