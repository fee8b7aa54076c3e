/*
 * Unit tests for the "packages" inventory section: the dpkg status parser on the
 * Debian 12, Ubuntu 22.04 and broken fixture trees and on made-up text (chunking, huge
 * lines, sorting, caps), rpm_qa_parse on sample `rpm -qa` output, and inv_packages on
 * trees with no dpkg at all.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"
#include "core/fs.h"
#include "inventory/inventory.h"
#include "inventory/inventory_dpkg.h"

/* --- helpers --- */

/* "<WARD_SRC or .>/tests/fixtures/<tree>" */
static void fixture_root(const char *tree, char *out, size_t size)
{
	const char *src = getenv("WARD_SRC");
	int n = snprintf(out, size, "%s/tests/fixtures/%s", src && *src ? src : ".", tree);
	assert_true(n > 0 && (size_t)n < size);
}

static char *fixture_status(const char *tree, size_t *ret_len)
{
	char root[4096], path[4200];
	char *data = NULL;
	fixture_root(tree, root, sizeof(root));
	int n = snprintf(path, sizeof(path), "%s/var/lib/dpkg/status", root);
	assert_true(n > 0 && (size_t)n < sizeof(path));
	assert_int_equal(fs_read_file(path, 16 * 1024 * 1024, &data, ret_len), 0);
	return data;
}

/* Runs inv_packages on a fixture tree (never live). */
static int collect(const char *root, json_t **ret_section, json_t **ret_warnings)
{
	json_t *warnings = json_array();
	struct inv_ctx ctx = {.root = root, .live = false, .warnings = warnings};
	json_t *section = NULL;
	int r = inv_packages(&ctx, &section);
	*ret_section = section;
	*ret_warnings = warnings;
	return r;
}

static int collect_fixture(const char *tree, json_t **ret_section, json_t **ret_warnings)
{
	char root[4096];
	fixture_root(tree, root, sizeof(root));
	return collect(root, ret_section, ret_warnings);
}

/* Parses text fed in chunks of size chunk (0: all at once). */
static void parse_text(const char *text, size_t len, size_t chunk, json_t **ret_packages, json_t **ret_warnings)
{
	struct dpkg_parser *p = dpkg_parser_new();
	json_t *warnings = json_array();
	assert_non_null(p);
	if (chunk == 0)
		chunk = len ? len : 1;
	for (size_t off = 0; off < len; off += chunk)
		assert_int_equal(dpkg_parser_feed(p, text + off, len - off < chunk ? len - off : chunk), 0);
	assert_int_equal(dpkg_parser_finish(p, ret_packages, warnings), 0);
	dpkg_parser_free(p);
	*ret_warnings = warnings;
}

static const json_t *find_pkg(const json_t *items, const char *name, const char *arch)
{
	for (size_t i = 0; i < json_array_size(items); i++) {
		const json_t *pkg = json_array_get(items, i);
		const char *a = json_string_value(json_object_get(pkg, "architecture"));
		if (strcmp(json_string_value(json_object_get(pkg, "name")), name) == 0 &&
		    (!arch || (a && strcmp(a, arch) == 0)))
			return pkg;
	}
	return NULL;
}

static const char *field(const json_t *pkg, const char *key)
{
	return json_string_value(json_object_get(pkg, key));
}

static void assert_pkg(const json_t *items, const char *name, const char *arch, const char *version, const char *source,
		       const char *source_version, const char *status, const char *manager)
{
	const json_t *pkg = find_pkg(items, name, arch);
	if (!pkg)
		fail_msg("package '%s' (%s) is missing", name, arch ? arch : "any");
	assert_int_equal(json_object_size(pkg), 7);
	assert_string_equal(field(pkg, "name"), name);
	if (arch)
		assert_string_equal(field(pkg, "architecture"), arch);
	else
		assert_true(json_is_null(json_object_get(pkg, "architecture")));
	assert_string_equal(field(pkg, "version"), version);
	assert_string_equal(field(pkg, "source"), source);
	assert_string_equal(field(pkg, "source_version"), source_version);
	assert_string_equal(field(pkg, "status"), status);
	assert_string_equal(field(pkg, "manager"), manager);
}

/* Sorted by name, then architecture (null first). */
static void assert_sorted(const json_t *items)
{
	for (size_t i = 1; i < json_array_size(items); i++) {
		const json_t *a = json_array_get(items, i - 1), *b = json_array_get(items, i);
		int c = strcmp(field(a, "name"), field(b, "name"));
		if (c == 0) {
			const char *aa = field(a, "architecture"), *ba = field(b, "architecture");
			c = !aa ? (ba ? -1 : 0) : !ba ? 1 : strcmp(aa, ba);
		}
		if (c > 0)
			fail_msg("'%s' comes before '%s'", field(a, "name"), field(b, "name"));
	}
}

/* The number of warnings whose message contains needle; each must be for "packages". */
static size_t warnings_with(const json_t *warnings, const char *needle)
{
	size_t n = 0;
	for (size_t i = 0; i < json_array_size(warnings); i++) {
		const json_t *w = json_array_get(warnings, i);
		assert_int_equal(json_object_size(w), 2);
		assert_string_equal(json_string_value(json_object_get(w, "section")), "packages");
		const char *msg = json_string_value(json_object_get(w, "message"));
		assert_non_null(msg);
		if (strstr(msg, needle))
			n++;
	}
	return n;
}

static void print_warnings(const json_t *warnings)
{
	for (size_t i = 0; i < json_array_size(warnings); i++)
		print_message("warning: %s\n", field(json_array_get(warnings, i), "message"));
}

static char *dumps(const json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	assert_non_null(s);
	return s;
}

/* --- the fixture trees --- */

static void test_debian12(void **state)
{
	json_t *section, *warnings;
	assert_int_equal(collect_fixture("debian12", &section, &warnings), 0);
	print_warnings(warnings);
	assert_int_equal(json_array_size(warnings), 0);
	assert_int_equal(json_object_size(section), 2);
	json_t *items = json_object_get(section, "items");
	assert_int_equal(json_integer_value(json_object_get(section, "count")), 40);
	assert_int_equal(json_array_size(items), 40);
	assert_sorted(items);

	/* an epoch, and Source with a "(version)" suffix */
	assert_pkg(items, "bsdutils", "amd64", "1:2.38.1-5+deb12u3", "util-linux", "2.38.1-5+deb12u3", "installed",
		   "dpkg");
	/* a binNMU: the source version differs from the binary's */
	assert_pkg(items, "bash", "amd64", "5.2.15-2+b8", "bash", "5.2.15-2", "installed", "dpkg");
	/* Source without a version: the package's version */
	assert_pkg(items, "libc-bin", "amd64", "2.36-9+deb12u14", "glibc", "2.36-9+deb12u14", "installed", "dpkg");
	assert_pkg(items, "login", "amd64", "1:4.13+dfsg1-1+deb12u1", "shadow", "1:4.13+dfsg1-1+deb12u1", "installed",
		   "dpkg");
	/* no Source: the package is its own source */
	assert_pkg(items, "procps", "amd64", "2:4.0.2-3", "procps", "2:4.0.2-3", "installed", "dpkg");
	assert_pkg(items, "adduser", "all", "3.134", "adduser", "3.134", "installed", "dpkg");
	/* "deinstall ok config-files" and "hold ok installed" */
	assert_pkg(items, "cron", "amd64", "3.0pl1-162", "cron", "3.0pl1-162", "config-files", "dpkg");
	assert_pkg(items, "openssh-client", "amd64", "1:9.2p1-2+deb12u6", "openssh", "1:9.2p1-2+deb12u6", "installed",
		   "dpkg");
	/* multiarch: one name, two architectures, amd64 first */
	assert_pkg(items, "libc6", "amd64", "2.36-9+deb12u14", "glibc", "2.36-9+deb12u14", "installed", "dpkg");
	assert_pkg(items, "libc6", "i386", "2.36-9+deb12u14", "glibc", "2.36-9+deb12u14", "installed", "dpkg");
	size_t i = 0;
	while (i < json_array_size(items) && strcmp(field(json_array_get(items, i), "name"), "libc6") != 0)
		i++;
	assert_string_equal(field(json_array_get(items, i), "architecture"), "amd64");
	assert_string_equal(field(json_array_get(items, i + 1), "name"), "libc6");
	assert_string_equal(field(json_array_get(items, i + 1), "architecture"), "i386");
	assert_string_equal(field(json_array_get(items, 0), "name"), "adduser");
	assert_string_equal(field(json_array_get(items, 39), "name"), "zlib1g");
	json_decref(section);
	json_decref(warnings);
}

static void test_ubuntu2204(void **state)
{
	json_t *section, *warnings;
	assert_int_equal(collect_fixture("ubuntu2204", &section, &warnings), 0);
	print_warnings(warnings);
	assert_int_equal(json_array_size(warnings), 0);
	json_t *items = json_object_get(section, "items");
	/* 38 stanzas; lxd-agent-loader is "purge ok not-installed" with no Version */
	assert_int_equal(json_integer_value(json_object_get(section, "count")), 37);
	assert_int_equal(json_array_size(items), 37);
	assert_sorted(items);
	assert_null(find_pkg(items, "lxd-agent-loader", NULL));

	assert_pkg(items, "bsdutils", "amd64", "1:2.37.2-4ubuntu3.4", "util-linux", "2.37.2-4ubuntu3.4", "installed",
		   "dpkg");
	assert_pkg(items, "libc6", "amd64", "2.35-0ubuntu3.8", "glibc", "2.35-0ubuntu3.8", "installed", "dpkg");
	assert_pkg(items, "docker-ce", "amd64", "5:27.3.1-1~ubuntu.22.04~jammy", "docker-ce",
		   "5:27.3.1-1~ubuntu.22.04~jammy", "installed", "dpkg");
	assert_pkg(items, "linux-image-5.15.0-91-generic", "amd64", "5.15.0-91.101", "linux-signed", "5.15.0-91.101",
		   "config-files", "dpkg");
	assert_pkg(items, "linux-image-5.15.0-119-generic", "amd64", "5.15.0-119.129", "linux-signed", "5.15.0-119.129",
		   "installed", "dpkg");
	assert_pkg(items, "vim-tiny", "amd64", "2:8.2.3995-1ubuntu2.19", "vim", "2:8.2.3995-1ubuntu2.19", "installed",
		   "dpkg");
	assert_pkg(items, "ca-certificates", "all", "20240203~22.04.1", "ca-certificates", "20240203~22.04.1",
		   "installed", "dpkg");
	json_decref(section);
	json_decref(warnings);
}

static void test_broken(void **state)
{
	json_t *section, *warnings;
	assert_int_equal(collect_fixture("broken", &section, &warnings), 0);
	print_warnings(warnings);
	json_t *items = json_object_get(section, "items");
	/* The good packages, among them bash with a 5000-byte line, coreutils with a stray
	 * line, dash, cut short and run into debconf, and debconf. */
	static const char *const good[] = {"adduser", "bash", "coreutils", "dash", "debconf", "libc6", "sed"};
	assert_int_equal(json_integer_value(json_object_get(section, "count")), 7);
	assert_int_equal(json_array_size(items), 7);
	for (size_t i = 0; i < 7; i++)
		assert_string_equal(field(json_array_get(items, i), "name"), good[i]);
	assert_pkg(items, "bash", "amd64", "5.2.15-2+b8", "bash", "5.2.15-2", "installed", "dpkg");
	assert_pkg(items, "dash", "amd64", "0.5.12-2", "dash", "0.5.12-2", "installed", "dpkg");
	assert_pkg(items, "debconf", "all", "1.5.82", "debconf", "1.5.82", "installed", "dpkg");

	assert_int_equal(warnings_with(warnings, "line 41: stanza has no Package field"), 1);
	assert_int_equal(warnings_with(warnings, "is not a field"), 3); /* two garbage lines, one in coreutils */
	assert_int_equal(warnings_with(warnings, "Package 'caf?-tools' is not valid"), 1);
	assert_int_equal(warnings_with(warnings, "line 146: Package field without a blank line before it"), 1);
	assert_int_equal(warnings_with(warnings, "Version '1.3.4 20200120-3.1' is not valid"), 1);
	assert_int_equal(warnings_with(warnings, "line 221 is cut off without a newline"), 1);
	assert_int_equal(warnings_with(warnings, "package 'zstd' has no Version"), 1);
	assert_int_equal(json_array_size(warnings), 9);
	assert_null(find_pkg(items, "caf\xe9-tools", NULL));
	assert_null(find_pkg(items, "mawk", NULL));
	assert_null(find_pkg(items, "zstd", NULL));
	/* Every warning is valid UTF-8 JSON even though the file is not. */
	char *s = dumps(warnings);
	json_decref(json_loads(s, 0, NULL));
	free(s);
	json_decref(section);
	json_decref(warnings);
}

/* --- the parser on text --- */

static void test_chunking(void **state)
{
	static const char *const trees[] = {"debian12", "ubuntu2204", "broken"};
	static const size_t chunks[] = {1, 2, 7, 61, 4096, 65537};
	for (size_t t = 0; t < 3; t++) {
		size_t len;
		char *text = fixture_status(trees[t], &len);
		json_t *pk, *wa;
		parse_text(text, len, 0, &pk, &wa);
		char *want_pk = dumps(pk), *want_wa = dumps(wa);
		assert_true(json_array_size(pk) > 0);
		json_decref(pk);
		json_decref(wa);
		for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
			parse_text(text, len, chunks[c], &pk, &wa);
			char *got_pk = dumps(pk), *got_wa = dumps(wa);
			assert_string_equal(got_pk, want_pk);
			assert_string_equal(got_wa, want_wa);
			free(got_pk);
			free(got_wa);
			json_decref(pk);
			json_decref(wa);
		}
		free(want_pk);
		free(want_wa);
		free(text);
	}
}

static size_t append(char *buf, size_t off, const char *s)
{
	size_t n = strlen(s);
	memcpy(buf + off, s, n);
	return off + n;
}

static size_t append_run(char *buf, size_t off, char c, size_t n)
{
	memset(buf + off, c, n);
	return off + n;
}

static void test_huge_line(void **state)
{
	const size_t huge = WARD_DPKG_LINE_MAX + 10;
	char *text = malloc(6 * WARD_DPKG_LINE_MAX);
	size_t len = 0;
	assert_non_null(text);
	len = append(text, len,
		     "Package: alpha\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.0-1\n"
		     "Description: a line longer than the limit follows\n ");
	len = append_run(text, len, 'x', huge);
	len = append(text, len, "\n more description\n\n");
	/* A line of exactly the limit is read. */
	len = append(text, len,
		     "Package: beta\nStatus: install ok installed\nArchitecture: amd64\nVersion: 2.0\n"
		     "Description: a line of exactly the limit follows\n");
	len = append(text, len, " ");
	len = append_run(text, len, 'y', WARD_DPKG_LINE_MAX - 1);
	len = append(text, len, "\n\n");
	/* The Package line itself is skipped: the stanza has no Package. */
	len = append(text, len, "Package: ");
	len = append_run(text, len, 'g', huge);
	len = append(text, len, "\nStatus: install ok installed\nArchitecture: amd64\nVersion: 3.0\n\n");
	len = append(text, len, "Package: delta\nStatus: install ok unpacked\nArchitecture: arm64\nVersion: 4.0\n");

	json_t *pk, *wa;
	parse_text(text, len, 0, &pk, &wa);
	print_warnings(wa);
	assert_int_equal(json_array_size(pk), 3);
	assert_pkg(pk, "alpha", "amd64", "1.0-1", "alpha", "1.0-1", "installed", "dpkg");
	assert_pkg(pk, "beta", "amd64", "2.0", "beta", "2.0", "installed", "dpkg");
	assert_pkg(pk, "delta", "arm64", "4.0", "delta", "4.0", "unpacked", "dpkg");
	assert_int_equal(warnings_with(wa, "line 6 is longer than 65536 bytes; skipped"), 1);
	assert_int_equal(warnings_with(wa, "line 16 is longer than 65536 bytes; skipped"), 1);
	assert_int_equal(warnings_with(wa, "line 16: stanza has no Package field"), 1);
	assert_int_equal(json_array_size(wa), 3);
	char *want_pk = dumps(pk), *want_wa = dumps(wa);
	json_decref(pk);
	json_decref(wa);

	/* The same cut in chunks that end inside the long lines. */
	parse_text(text, len, 1000, &pk, &wa);
	char *got_pk = dumps(pk), *got_wa = dumps(wa);
	assert_string_equal(got_pk, want_pk);
	assert_string_equal(got_wa, want_wa);
	free(got_pk);
	free(got_wa);
	free(want_pk);
	free(want_wa);
	json_decref(pk);
	json_decref(wa);
	free(text);
}

static void test_sort_and_duplicates(void **state)
{
	const char *text =
	    "Package: zlib1g\nStatus: install ok installed\nArchitecture: i386\nVersion: 1:1.2.13.dfsg-1\n\n"
	    "Package: zlib1g\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1:1.2.13.dfsg-1\n\n"
	    "package: apt\nstatus: install ok half-configured\nARCHITECTURE: amd64\nversion: 2.6.1\n\n"
	    "Package: noarch\nStatus: install reinstreq half-installed\nVersion: 0.1\n\n"
	    "Package: mawk\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.3.4.20200120-3.1\n\n"
	    "Package: mawk\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.3.4.20200120-3.1\n";
	json_t *pk, *wa;
	parse_text(text, strlen(text), 0, &pk, &wa);
	print_warnings(wa);
	static const char *const order[][2] = {{"apt", "amd64"}, {"mawk", "amd64"},   {"mawk", "amd64"},
					       {"noarch", NULL}, {"zlib1g", "amd64"}, {"zlib1g", "i386"}};
	assert_int_equal(json_array_size(pk), 6);
	for (size_t i = 0; i < 6; i++) {
		const json_t *p = json_array_get(pk, i);
		assert_string_equal(field(p, "name"), order[i][0]);
		if (order[i][1])
			assert_string_equal(field(p, "architecture"), order[i][1]);
		else
			assert_true(json_is_null(json_object_get(p, "architecture")));
	}
	/* field names are case-insensitive */
	assert_pkg(pk, "apt", "amd64", "2.6.1", "apt", "2.6.1", "half-configured", "dpkg");
	assert_pkg(pk, "noarch", NULL, "0.1", "noarch", "0.1", "half-installed", "dpkg");
	assert_int_equal(warnings_with(wa, "package 'noarch' has no Architecture"), 1);
	assert_int_equal(warnings_with(wa, "lists package 'mawk' (amd64) more than once"), 1);
	assert_int_equal(json_array_size(wa), 2);
	json_decref(pk);
	json_decref(wa);
}

static void test_bad_fields(void **state)
{
	const char *text =
	    /* kept */
	    "Package: good\nStatus: install ok installed\nArchitecture: amd64\nSource: good-src (1.0-1)\nVersion: "
	    "1:1.0-1+b1\n\n"
	    /* left out, one warning each */
	    "Package: -bad\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.0\n\n"
	    "Package: badver\nStatus: install ok installed\nArchitecture: amd64\nVersion: 99999999999:1.0\n\n"
	    "Package: badrev\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.0-\n\n"
	    "Package: badstatus\nStatus: install ok\nArchitecture: amd64\nVersion: 1.0\n\n"
	    "Package: badword\nStatus: install fine installed\nArchitecture: amd64\nVersion: 1.0\n\n"
	    "Package: badarch\nStatus: install ok installed\nArchitecture: amd_64\nVersion: 1.0\n\n"
	    "Package: badsrc\nStatus: install ok installed\nArchitecture: amd64\nSource: src 1.0\nVersion: 1.0\n\n"
	    "Package: twover\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.0\nVersion: 2.0\n\n"
	    "Package: nostatus\nArchitecture: amd64\nVersion: 1.0\n\n"
	    "Package: noversion\nStatus: install ok installed\nArchitecture: amd64\n\n"
	    /* a removed package dpkg keeps without a version: left out, no warning */
	    "Package: purged\nStatus: purge ok not-installed\nArchitecture: amd64\n\n"
	    /* a continuation line with no field before it */
	    " orphan continuation\nPackage: late\nStatus: install ok installed\nArchitecture: all\nVersion: 0.9\n";
	json_t *pk, *wa;
	parse_text(text, strlen(text), 0, &pk, &wa);
	print_warnings(wa);
	assert_int_equal(json_array_size(pk), 2);
	assert_pkg(pk, "good", "amd64", "1:1.0-1+b1", "good-src", "1.0-1", "installed", "dpkg");
	assert_pkg(pk, "late", "all", "0.9", "late", "0.9", "installed", "dpkg");
	assert_int_equal(warnings_with(wa, "Package '-bad' is not valid"), 1);
	assert_int_equal(warnings_with(wa, "Version '99999999999:1.0' is not valid"), 1);
	assert_int_equal(warnings_with(wa, "Version '1.0-' is not valid"), 1);
	assert_int_equal(warnings_with(wa, "Status 'install ok' is not valid"), 1);
	assert_int_equal(warnings_with(wa, "Status 'install fine installed' is not valid"), 1);
	assert_int_equal(warnings_with(wa, "Architecture 'amd_64' is not valid"), 1);
	assert_int_equal(warnings_with(wa, "Source 'src 1.0' is not valid"), 1);
	assert_int_equal(warnings_with(wa, "second Version field"), 1);
	assert_int_equal(warnings_with(wa, "package 'nostatus' has no Status"), 1);
	assert_int_equal(warnings_with(wa, "package 'noversion' has no Version"), 1);
	assert_int_equal(warnings_with(wa, "continuation line ' orphan continuation' follows no field"), 1);
	assert_int_equal(warnings_with(wa, "purged"), 0);
	assert_int_equal(json_array_size(wa), 11);
	json_decref(pk);
	json_decref(wa);

	/* A value over WARD_PACKAGE_FIELD_MAX leaves the stanza out. */
	char big[WARD_PACKAGE_FIELD_MAX + 200];
	int n = snprintf(big, sizeof(big), "Package: p\nStatus: install ok installed\nVersion: 1.%0*d\n",
			 WARD_PACKAGE_FIELD_MAX, 0);
	assert_true(n > 0 && (size_t)n < sizeof(big));
	parse_text(big, (size_t)n, 0, &pk, &wa);
	assert_int_equal(json_array_size(pk), 0);
	assert_int_equal(warnings_with(wa, "is longer than 256 bytes"), 1);
	json_decref(pk);
	json_decref(wa);
}

static void test_warning_cap(void **state)
{
	char *text = malloc(300 * 16);
	size_t len = 0;
	assert_non_null(text);
	for (int i = 0; i < 200; i++)
		len = append(text, len, "not a field\n");
	json_t *pk, *wa;
	parse_text(text, len, 0, &pk, &wa);
	assert_int_equal(json_array_size(pk), 0);
	assert_int_equal(json_array_size(wa), WARD_PACKAGE_WARNINGS_MAX + 1);
	assert_int_equal(warnings_with(wa, "is not a field"), WARD_PACKAGE_WARNINGS_MAX);
	assert_int_equal(warnings_with(wa, "dpkg status: 150 more warnings left out"), 1);
	json_decref(pk);
	json_decref(wa);
	free(text);
}

static void test_package_cap(void **state)
{
	const size_t n = WARD_PACKAGES_MAX + 5;
	char *text = malloc(n * 96);
	size_t len = 0;
	assert_non_null(text);
	for (size_t i = 0; i < n; i++) {
		char stanza[96];
		int k = snprintf(stanza, sizeof(stanza),
				 "Package: p%zu\nStatus: install ok installed\nArchitecture: all\nVersion: 1\n\n", i);
		assert_true(k > 0 && (size_t)k < sizeof(stanza));
		len = append(text, len, stanza);
	}
	json_t *pk, *wa;
	parse_text(text, len, 65536, &pk, &wa);
	assert_int_equal(json_array_size(pk), WARD_PACKAGES_MAX);
	assert_int_equal(warnings_with(wa, "more than 100000 packages; the rest are left out"), 1);
	assert_int_equal(json_array_size(wa), 1);
	json_decref(pk);
	json_decref(wa);
	free(text);
}

static void test_parser_lifecycle(void **state)
{
	json_t *pk = NULL, *wa = json_array();
	struct dpkg_parser *p = dpkg_parser_new();
	assert_non_null(p);
	assert_int_equal(dpkg_parser_feed(p, "", 0), 0);
	assert_int_equal(dpkg_parser_finish(p, &pk, wa), 0);
	assert_int_equal(json_array_size(pk), 0);
	assert_int_equal(json_array_size(wa), 0);
	json_t *again = (json_t *)0x1;
	assert_int_equal(dpkg_parser_finish(p, &again, wa), -EINVAL);
	assert_ptr_equal(again, (json_t *)0x1); /* not written on failure */
	assert_int_equal(dpkg_parser_feed(p, "Package: x\n", 11), -EINVAL);
	dpkg_parser_free(p);
	dpkg_parser_free(NULL);
	json_decref(pk);
	json_decref(wa);
}

/* --- rpm --- */

static void test_rpm_qa_parse(void **state)
{
	const char *text = "bash\t(none)\t5.1.8\t9.el9\tx86_64\tbash-5.1.8-9.el9.src.rpm\n"
			   "openssl-libs\t1\t3.0.7\t27.el9\tx86_64\topenssl-3.0.7-27.el9.src.rpm\n"
			   "gpg-pubkey\t(none)\tfd431d51\t4ae0493b\t(none)\t(none)\n"
			   "glibc-langpack-en\t(none)\t2.34\t100.el9_4.2\tx86_64\tglibc-2.34-100.el9_4.2.src.rpm\n"
			   "python3-dateutil\t1\t2.8.1\t7.el9\tnoarch\tpython-dateutil-2.8.1-7.el9.src.rpm\n"
			   "\n"
			   "a line without tabs\n"
			   "kernel\t(none)\t5.14.0\t427.el9\tx86_64\tkernel-5.14.0-427.el9.src.rpm\textra\n"
			   "badepoch\tone\t1.0\t1\tx86_64\tbadepoch-1.0-1.src.rpm\n"
			   "badsrc\t(none)\t1.0\t1\tx86_64\tbadsrc.rpm\n"
			   "bad ver\t(none)\t1 0\t1\tx86_64\tx-1-1.src.rpm\n"
			   "last\t(none)\t1.0\t1\tnoarch\tlast-1.0-1.nosrc.rpm";
	json_t *out = json_array(), *wa = json_array();
	assert_int_equal(rpm_qa_parse(text, strlen(text), out, wa), 0);
	print_warnings(wa);
	assert_int_equal(json_array_size(out), 6);
	assert_pkg(out, "bash", "x86_64", "5.1.8-9.el9", "bash", "5.1.8-9.el9", "installed", "rpm");
	assert_pkg(out, "openssl-libs", "x86_64", "1:3.0.7-27.el9", "openssl", "3.0.7-27.el9", "installed", "rpm");
	assert_pkg(out, "gpg-pubkey", NULL, "fd431d51-4ae0493b", "gpg-pubkey", "fd431d51-4ae0493b", "installed", "rpm");
	assert_pkg(out, "glibc-langpack-en", "x86_64", "2.34-100.el9_4.2", "glibc", "2.34-100.el9_4.2", "installed",
		   "rpm");
	assert_pkg(out, "python3-dateutil", "noarch", "1:2.8.1-7.el9", "python-dateutil", "2.8.1-7.el9", "installed",
		   "rpm");
	assert_pkg(out, "last", "noarch", "1.0-1", "last", "1.0-1", "installed", "rpm");
	assert_int_equal(warnings_with(wa, "rpm -qa line 7: 'a line without tabs' is not 6 tab-separated fields"), 1);
	assert_int_equal(warnings_with(wa, "rpm -qa line 8:"), 1);
	assert_int_equal(warnings_with(wa, "rpm -qa line 9: epoch of"), 1);
	assert_int_equal(warnings_with(wa, "rpm -qa line 10: source rpm of"), 1);
	assert_int_equal(warnings_with(wa, "rpm -qa line 11: name of"), 1);
	assert_int_equal(json_array_size(wa), 5);
	json_decref(out);
	json_decref(wa);
}

static void test_rpm_warning_cap(void **state)
{
	char *text = malloc(100 * 16);
	size_t len = 0;
	assert_non_null(text);
	for (int i = 0; i < 60; i++)
		len = append(text, len, "no tabs here\n");
	len = append(text, len, "ok\t(none)\t1\t1\tnoarch\tok-1-1.src.rpm\n");
	json_t *out = json_array(), *wa = json_array();
	assert_int_equal(rpm_qa_parse(text, len, out, wa), 0);
	assert_int_equal(json_array_size(out), 1);
	assert_int_equal(json_array_size(wa), WARD_PACKAGE_WARNINGS_MAX + 1);
	assert_int_equal(warnings_with(wa, "rpm -qa: 10 more warnings left out"), 1);
	json_decref(out);
	json_decref(wa);
	free(text);
}

static void test_rpm_not_live(void **state)
{
	json_t *out = json_array(), *wa = json_array();
	struct inv_ctx ctx = {.root = "/nonexistent", .live = false, .warnings = wa};
	assert_int_equal(inv_rpm_packages(&ctx, out, wa), 0);
	assert_int_equal(json_array_size(out), 0);
	assert_int_equal(json_array_size(wa), 0);
	json_decref(out);
	json_decref(wa);
}

/* --- trees without dpkg --- */

static void make_tree(char *root, size_t size, const char *const dirs[])
{
	char path[4096];
	int n = snprintf(root, size, "%s/ward-packages-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_true(n > 0 && (size_t)n < size);
	assert_non_null(mkdtemp(root));
	for (size_t i = 0; dirs[i]; i++) {
		n = snprintf(path, sizeof(path), "%s/%s", root, dirs[i]);
		assert_true(n > 0 && (size_t)n < sizeof(path));
		assert_int_equal(fs_mkdir_p(path, 0700), 0);
	}
}

static void remove_tree(const char *root, const char *const paths[])
{
	char path[4096];
	size_t n = 0;
	while (paths[n])
		n++;
	while (n-- > 0) { /* deepest last in the list, so remove backwards */
		int k = snprintf(path, sizeof(path), "%s/%s", root, paths[n]);
		assert_true(k > 0 && (size_t)k < sizeof(path));
		if (unlink(path) < 0)
			assert_int_equal(rmdir(path), 0);
	}
	assert_int_equal(rmdir(root), 0);
}

static void test_no_dpkg(void **state)
{
	static const char *const dirs[] = {"var", "var/lib", "var/lib/rpm", NULL};
	char root[4096];
	json_t *section, *warnings;
	make_tree(root, sizeof(root), dirs);
	assert_int_equal(collect(root, &section, &warnings), 0);
	assert_int_equal(json_array_size(warnings), 0);
	assert_int_equal(json_integer_value(json_object_get(section, "count")), 0);
	assert_true(json_is_array(json_object_get(section, "items")));
	assert_int_equal(json_array_size(json_object_get(section, "items")), 0);
	json_decref(section);
	json_decref(warnings);
	remove_tree(root, dirs);

	/* an empty root: no var at all */
	static const char *const none[] = {NULL};
	make_tree(root, sizeof(root), none);
	assert_int_equal(collect(root, &section, &warnings), 0);
	assert_int_equal(json_array_size(warnings), 0);
	assert_int_equal(json_integer_value(json_object_get(section, "count")), 0);
	json_decref(section);
	json_decref(warnings);
	remove_tree(root, none);
}

static void test_status_unreadable(void **state)
{
	/* status is a directory: the section fails with a warning rather than claim no packages */
	static const char *const dirs[] = {"var", "var/lib", "var/lib/dpkg", "var/lib/dpkg/status", NULL};
	char root[4096];
	json_t *section = NULL, *warnings;
	make_tree(root, sizeof(root), dirs);
	assert_int_equal(collect(root, &section, &warnings), -EISDIR);
	assert_null(section);
	assert_int_equal(warnings_with(warnings, "not a regular file"), 1);
	assert_int_equal(json_array_size(warnings), 1);
	json_decref(warnings);
	remove_tree(root, dirs);

	/* a status file over WARD_DPKG_STATUS_MAX (sparse, so cheap) is not read at all */
	static const char *const dirs3[] = {"var", "var/lib", "var/lib/dpkg", "var/lib/dpkg/status", NULL};
	char big[4200];
	make_tree(root, sizeof(root), (const char *const[]){"var/lib/dpkg", NULL});
	int k = snprintf(big, sizeof(big), "%s/var/lib/dpkg/status", root);
	assert_true(k > 0 && (size_t)k < sizeof(big));
	int bfd = open(big, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(bfd >= 0);
	assert_int_equal(ftruncate(bfd, (off_t)WARD_DPKG_STATUS_MAX + 1), 0);
	close(bfd);
	section = NULL;
	assert_int_equal(collect(root, &section, &warnings), -EFBIG);
	assert_null(section);
	assert_int_equal(warnings_with(warnings, "larger than 256 MiB"), 1);
	assert_int_equal(json_array_size(warnings), 1);
	json_decref(warnings);
	remove_tree(root, dirs3);

	/* an empty status file: dpkg with nothing installed */
	static const char *const dirs2[] = {"var", "var/lib", "var/lib/dpkg", "var/lib/dpkg/status", NULL};
	char path[4200];
	make_tree(root, sizeof(root), (const char *const[]){"var/lib/dpkg", NULL});
	int n = snprintf(path, sizeof(path), "%s/var/lib/dpkg/status", root);
	assert_true(n > 0 && (size_t)n < sizeof(path));
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(collect(root, &section, &warnings), 0);
	assert_int_equal(json_integer_value(json_object_get(section, "count")), 0);
	assert_int_equal(json_array_size(warnings), 0);
	json_decref(section);
	json_decref(warnings);
	remove_tree(root, dirs2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_debian12),
	    cmocka_unit_test(test_ubuntu2204),
	    cmocka_unit_test(test_broken),
	    cmocka_unit_test(test_chunking),
	    cmocka_unit_test(test_huge_line),
	    cmocka_unit_test(test_sort_and_duplicates),
	    cmocka_unit_test(test_bad_fields),
	    cmocka_unit_test(test_warning_cap),
	    cmocka_unit_test(test_package_cap),
	    cmocka_unit_test(test_parser_lifecycle),
	    cmocka_unit_test(test_rpm_qa_parse),
	    cmocka_unit_test(test_rpm_warning_cap),
	    cmocka_unit_test(test_rpm_not_live),
	    cmocka_unit_test(test_no_dpkg),
	    cmocka_unit_test(test_status_unreadable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
