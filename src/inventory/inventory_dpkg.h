/*
 * inventory_dpkg.h: the installed-package parsers behind the "packages" section: dpkg's
 * status file, fed in chunks of any size, and the text `rpm -qa` prints (which the
 * librpm reader produces too).
 */
#ifndef WARD_INVENTORY_DPKG_H
#define WARD_INVENTORY_DPKG_H

#include <jansson.h>
#include <stddef.h>

#include "core/limits.h"
#include "inventory/inventory.h"

/* Limits on what the status file and rpm can make us hold. They belong in core/limits.h;
 * they are here, guarded, until they move there. */
#ifndef WARD_DPKG_LINE_MAX
#define WARD_DPKG_LINE_MAX (64 * 1024) /* a longer line is skipped with a warning */
#endif
#ifndef WARD_DPKG_STATUS_MAX
#define WARD_DPKG_STATUS_MAX (256 * 1024 * 1024) /* bytes of the status file read at most */
#endif
#ifndef WARD_PACKAGES_MAX
#define WARD_PACKAGES_MAX 100000 /* packages per manager; more are left out with a warning */
#endif
#ifndef WARD_PACKAGE_FIELD_MAX
#define WARD_PACKAGE_FIELD_MAX 256 /* bytes in a name, version, architecture or Source */
#endif
#ifndef WARD_PACKAGE_WARNINGS_MAX
#define WARD_PACKAGE_WARNINGS_MAX 50 /* warnings per parse; the rest are only counted */
#endif
#ifndef WARD_RPM_OUTPUT_MAX
#define WARD_RPM_OUTPUT_MAX (32 * 1024 * 1024) /* bytes of `rpm -qa` output read */
#endif
#ifndef WARD_RPM_TIMEOUT_MS
#define WARD_RPM_TIMEOUT_MS 60000
#endif

/*
 * A package is the JSON object
 *   {"name", "version", "architecture", "source", "source_version", "status", "manager"}
 * all strings except architecture, which is null when the package names none (a warning
 * says so for dpkg; rpm's gpg-pubkey entries have none). For dpkg:
 *   version         the Version field as written, epoch included ("1:2.38.1-5+deb12u3")
 *   source          the Source field's name, or the package name when there is no Source
 *   source_version  the "(version)" after that name, or the package version
 *   status          the third word of Status: installed, config-files, half-installed,
 *                   unpacked, half-configured, triggers-awaited, triggers-pending
 *   manager         "dpkg"
 * For rpm: version "E:V-R" ("V-R" when the epoch is "(none)"), source and source_version
 * from SOURCERPM ("glibc-2.34-60.el9.src.rpm" gives "glibc" and "2.34-60.el9"), status
 * "installed", manager "rpm".
 */

struct dpkg_parser;

/* A parser for one status file, or NULL when out of memory. */
struct dpkg_parser *dpkg_parser_new(void);

/* Parses the next len bytes of the file. Chunks may split a line anywhere; the result
 * does not depend on how the file is cut. Nothing in the data is an error: a bad line
 * or stanza becomes a warning at finish. -ENOMEM, or -EINVAL after finish. */
int dpkg_parser_feed(struct dpkg_parser *p, const char *data, size_t len);

/*
 * Ends the file. On success *ret_packages is a new array of packages, sorted by name,
 * then architecture (null first), then version: one for every stanza with a valid
 * Package, Version and Status, whatever its status (the consumer decides what counts).
 * Warnings are appended to the array warnings as {"section": "packages", "message"}:
 * lines longer than WARD_DPKG_LINE_MAX (skipped), lines that are not fields, stanzas
 * without Package, stanzas whose Package, Version, Status, Architecture or Source is
 * malformed, too long or given twice (left out), stanzas without Version (left out;
 * no warning for "not-installed" ones, which dpkg keeps without a version) or without
 * Status (left out) or Architecture (kept, architecture null), a last line cut off
 * without its newline (dropped: its value may be cut too), the same package and
 * architecture twice, and more than WARD_PACKAGES_MAX packages (the rest left out). At
 * most WARD_PACKAGE_WARNINGS_MAX are given, then one saying how many more there were.
 * -ENOMEM (nothing written), -EINVAL when called twice. The parser can only be freed
 * afterwards.
 */
int dpkg_parser_finish(struct dpkg_parser *p, json_t **ret_packages, json_t *warnings);

/* Frees the parser; NULL is fine. */
void dpkg_parser_free(struct dpkg_parser *p);

/*
 * Parses len bytes of `rpm -qa --queryformat
 * '%{NAME}\t%{EPOCH}\t%{VERSION}\t%{RELEASE}\t%{ARCH}\t%{SOURCERPM}\n'` and appends a
 * package to the array out for each good line (not sorted). A line that does not have
 * six fields, or whose name, epoch, version, release, architecture or source rpm is not
 * valid, is left out with a warning in warnings (same shape and cap as above); empty
 * lines are ignored; at most WARD_PACKAGES_MAX packages. 0, or -ENOMEM (out may then
 * hold some of the packages).
 */
int rpm_qa_parse(const char *text, size_t len, json_t *out, json_t *warnings);

/*
 * Appends the packages of the RPM database below ctx->root to out (inventory_rpm.c), the
 * same objects either way:
 *   - a database in usr/lib/sysimage/rpm or else var/lib/rpm (rpmdb.sqlite, Packages.db
 *     or Packages; a directory resolving outside the root is passed over) is read with
 *     librpm, dlopened for the reading and closed after it, read-only, silent (its
 *     messages become warnings), at most WARD_PACKAGES_MAX packages;
 *   - when WARD_NO_LIBRPM is set (not empty, not "0"), or librpm is missing, too old or
 *     cannot open the database, an inv_warn() for "packages" says why, and on a live
 *     machine /usr/bin/rpm -qa --dbpath DIR runs through inv_run instead; a fixture
 *     tree's rpm packages are then left out;
 *   - with no database there, a live machine runs rpm -qa with rpm's own %_dbpath, and
 *     no rpm is not a warning: it adds nothing.
 * rpm failing, timing out or printing more than WARD_RPM_OUTPUT_MAX is an inv_warn() and
 * adds what could be read. Warnings about single packages (rpm_qa_parse's, librpm's) go
 * to warnings (normally ctx->warnings), capped as above. 0, or -ENOMEM.
 */
int inv_rpm_packages(struct inv_ctx *ctx, json_t *out, json_t *warnings);

#endif
