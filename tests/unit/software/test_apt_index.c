/*
 * Unit tests for the apt index readers: every compression apt may keep a list in
 * (plain, lz4, gz with several members, zst) across chunk boundaries, damaged and
 * truncated streams; the stanza parser's edge cases (case, folding, long lines, CRLF,
 * duplicates, a last line without newline); Release and InRelease headers; pin
 * preferences; and upgrades_compute and reboot_needs on tests/fixtures/upgrades.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <lz4frame.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "core/err.h"
#include "software/apt_index.h"
#include "software/upgrades.h"

static char tmpdir[] = "/tmp/ward-apt-XXXXXX";

static int setup(void **state)
{
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1; /* lint: allow (test cleanup) */
}

static const char *fixture(const char *name)
{
	static char path[4096];
	const char *src = getenv("WARD_SRC");
	snprintf(path, sizeof(path), "%s/tests/fixtures/%s", src && *src ? src : ".", name);
	return path;
}

static const char *tmp_path(const char *name)
{
	static char path[4096];
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	return path;
}

static void write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

/* --- reading compressed files --- */

struct sink {
	char *data;
	size_t len, size, calls, biggest;
};

static int sink_fn(void *arg, const char *data, size_t len)
{
	struct sink *s = arg;
	if (s->len + len > s->size) {
		s->size = (s->len + len) * 2;
		s->data = realloc(s->data, s->size);
		assert_non_null(s->data);
	}
	memcpy(s->data + s->len, data, len);
	s->len += len;
	s->calls++;
	if (len > s->biggest)
		s->biggest = len;
	return 0;
}

/* Some text that compresses, 700 KB: more than ten chunks of output. */
static char *sample(size_t *ret_len)
{
	size_t n = 700 * 1024, len = 0;
	char *t = malloc(n);
	assert_non_null(t);
	for (unsigned i = 0; len + 64 < n; i++)
		len += (size_t)snprintf(t + len, n - len, "Package: pkg%u\nVersion: 1.%u-%u\n\n", i, i % 97, i % 7);
	*ret_len = len;
	return t;
}

static void read_back(const char *path, const char *want, size_t want_len)
{
	struct sink s = {0};
	int r = apt_read_file(path, sink_fn, &s);
	if (r != 0)
		fail_msg("reading '%s': %s", path, err_msg(r));
	assert_int_equal(s.len, want_len);
	assert_memory_equal(s.data, want, want_len);
	assert_true(s.biggest <= WARD_APT_CHUNK);
	free(s.data);
}

static void expect_damaged(const char *path, const void *data, size_t len)
{
	struct sink s = {0};
	write_file(path, data, len);
	int r = apt_read_file(path, sink_fn, &s);
	if (r != -EBADMSG)
		fail_msg("'%s' (%zu bytes): got %d, want -EBADMSG", path, len, r);
	assert_non_null(strstr(err_msg(r), "is damaged"));
	free(s.data);
}

static void test_read_codecs(void **state)
{
	size_t len;
	char *text = sample(&len);
	const char *p;

	p = tmp_path("x_Packages");
	write_file(p, text, len);
	read_back(p, text, len);

	size_t cap = LZ4F_compressFrameBound(len, NULL);
	char *lz = malloc(cap);
	size_t lzn = LZ4F_compressFrame(lz, cap, text, len, NULL);
	assert_false(LZ4F_isError(lzn));
	p = tmp_path("x_Packages.lz4");
	write_file(p, lz, lzn);
	read_back(p, text, len);
	expect_damaged(p, lz, lzn - 5);	 /* cut short */
	expect_damaged(p, lz, lzn / 2); /* cut in a block */
	lz[0] ^= 0xff;			 /* not a frame */
	expect_damaged(p, lz, lzn);
	free(lz);

	/* gzip in two members, as concatenated files are. */
	size_t half = len / 2;
	char *gz = malloc(len + 1024);
	size_t gzn = 0;
	for (int m = 0; m < 2; m++) {
		z_stream z = {0};
		assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
		z.next_in = (unsigned char *)text + (m ? half : 0);
		z.avail_in = (unsigned)(m ? len - half : half);
		z.next_out = (unsigned char *)gz + gzn;
		z.avail_out = (unsigned)(len + 1024 - gzn);
		assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
		gzn += z.total_out;
		deflateEnd(&z);
	}
	p = tmp_path("x_Packages.gz");
	write_file(p, gz, gzn);
	read_back(p, text, len);
	expect_damaged(p, gz, gzn - 3);
	expect_damaged(p, "plain text, not gzip", 20);
	free(gz);

	cap = ZSTD_compressBound(len);
	char *zs = malloc(cap);
	size_t zsn = ZSTD_compress(zs, cap, text, len, 3);
	assert_false(ZSTD_isError(zsn));
	p = tmp_path("x_Packages.zst");
	write_file(p, zs, zsn);
	read_back(p, text, len);
	expect_damaged(p, zs, zsn - 2);
	free(zs);

	/* Empty files are empty indexes, whatever the suffix. */
	write_file(tmp_path("e_Packages.lz4"), "", 0);
	read_back(tmp_path("e_Packages.lz4"), "", 0);
	write_file(tmp_path("e_Packages.gz"), "", 0);
	read_back(tmp_path("e_Packages.gz"), "", 0);

	struct sink s = {0};
	write_file(tmp_path("x_Packages.xz"), "\xfd" "7zXZ", 5);
	assert_int_equal(apt_read_file(tmp_path("x_Packages.xz"), sink_fn, &s), -EPROTONOSUPPORT);
	assert_int_equal(apt_read_file(tmp_path("missing_Packages"), sink_fn, &s), -ENOENT);
	assert_non_null(strstr(err_msg(-ENOENT), "missing_Packages"));
	free(s.data);
	free(text);
}

static int stop_fn(void *arg, const char *data, size_t len)
{
	return -ECANCELED;
}

static void test_read_stops(void **state)
{
	write_file(tmp_path("s_Packages"), "Package: a\n", 11);
	assert_int_equal(apt_read_file(tmp_path("s_Packages"), stop_fn, NULL), -ECANCELED);
}

static void test_index_name(void **state)
{
	assert_true(apt_index_name("a_dists_b_main_binary-amd64_Packages", "_Packages"));
	assert_true(apt_index_name("a_Packages.lz4", "_Packages"));
	assert_true(apt_index_name("a_Packages.gz", "_Packages"));
	assert_true(apt_index_name("a_Packages.zst", "_Packages"));
	assert_false(apt_index_name("a_Packages.xz", "_Packages"));
	assert_false(apt_index_name("a_Packages.diff_Index", "_Packages"));
	assert_false(apt_index_name("a_Sources", "_Packages"));
	assert_false(apt_index_name("a_i18n_Translation-en", "_Packages"));
}

/* --- the stanza parser --- */

struct stanzas {
	char text[8][600];
	int n;
};

static int collect(void *arg, const struct apt_stanza *st)
{
	struct stanzas *s = arg;
	assert_true(s->n < 8);
	snprintf(s->text[s->n++], 600, "bad=%d cut=%d line=%zu P=%.*s V=%.*s A=%.*s S=%.*s D=%.*s R=%.*s", st->bad,
		 st->depends_cut, st->first_line,
		 (int)st->len[APT_PACKAGE], st->value[APT_PACKAGE], (int)st->len[APT_VERSION], st->value[APT_VERSION],
		 (int)st->len[APT_ARCHITECTURE], st->value[APT_ARCHITECTURE], (int)st->len[APT_STATUS],
		 st->value[APT_STATUS], (int)st->len[APT_DEPENDS], st->value[APT_DEPENDS], (int)st->len[APT_PROVIDES],
		 st->value[APT_PROVIDES]);
	return 0;
}

static void parse_text(const char *text, size_t len, bool rel, size_t chunk, struct stanzas *out, size_t *skipped)
{
	memset(out, 0, sizeof(*out));
	struct apt_parser *p = apt_parser_new(collect, out, rel);
	assert_non_null(p);
	for (size_t off = 0; off < len; off += chunk)
		assert_int_equal(apt_parser_feed(p, text + off, off + chunk > len ? len - off : chunk), 0);
	assert_int_equal(apt_parser_finish(p), 0);
	assert_int_equal(apt_parser_finish(p), -EINVAL);
	assert_int_equal(apt_parser_feed(p, "x", 1), -EINVAL);
	if (skipped)
		*skipped = apt_parser_skipped(p);
	apt_parser_free(p);
}

static void test_stanzas(void **state)
{
	static const char text[] = "# a comment\n"
				   "package: one\r\n"
				   "VERSION:  1:2.0-1  \n"
				   "Architecture: amd64\n"
				   "Description: long\n"
				   " text: not a field\n"
				   "Depends: a (>= 1),\n"
				   " b | c\n"
				   "Provides: v (= 1)\n"
				   "\n"
				   "\n"
				   "Package: two\n"
				   "Version: 1\n"
				   "Version: 2\n"
				   " \t \n"
				   "Package: three\n"
				   "Status: install ok installed\n"
				   "Version: 3";
	struct stanzas whole, bytes, norel;
	size_t len = strlen(text);
	parse_text(text, len, true, len, &whole, NULL);
	parse_text(text, len, true, 1, &bytes, NULL);
	assert_int_equal(whole.n, 3);
	assert_string_equal(whole.text[0],
			    "bad=0 cut=0 line=2 P=one V=1:2.0-1 A=amd64 S= D=a (>= 1), b | c R=v (= 1)");
	assert_string_equal(whole.text[1], "bad=1 cut=0 line=12 P=two V=1 A= S= D= R=");
	assert_string_equal(whole.text[2], "bad=0 cut=0 line=16 P=three V=3 A= S=install ok installed D= R=");
	for (int i = 0; i < 3; i++)
		assert_string_equal(whole.text[i], bytes.text[i]);
	parse_text(text, len, false, 7, &norel, NULL);
	assert_string_equal(norel.text[0], "bad=0 cut=0 line=2 P=one V=1:2.0-1 A=amd64 S= D= R=");
}

static bool keep_not_two(void *arg, const char *name, size_t len)
{
	return !(len == 3 && memcmp(name, "two", 3) == 0);
}

static void test_filter(void **state)
{
	static const char text[] = "Package: one\nVersion: 1\n\nPackage: two\nVersion: 2\nDepends: x\n\n"
				   "Package: three\nVersion: 3\n\nPackage: two\n\nPackage: four\nVersion: 4\n";
	size_t len = strlen(text);
	for (size_t chunk = 1; chunk <= len; chunk++) {
		struct stanzas s = {0};
		struct apt_parser *p = apt_parser_new(collect, &s, true);
		apt_parser_set_filter(p, keep_not_two);
		for (size_t off = 0; off < len; off += chunk)
			assert_int_equal(apt_parser_feed(p, text + off, off + chunk > len ? len - off : chunk), 0);
		assert_int_equal(apt_parser_finish(p), 0);
		apt_parser_free(p);
		assert_int_equal(s.n, 3);
		assert_non_null(strstr(s.text[0], "P=one V=1"));
		assert_non_null(strstr(s.text[1], "P=three V=3"));
		assert_non_null(strstr(s.text[2], "P=four V=4"));
	}
}

static void test_long_lines(void **state)
{
	size_t big = WARD_APT_LINE_MAX + 10, len = 0;
	size_t cap = big + 4096;
	char *text = malloc(cap);
	assert_non_null(text);
	len += (size_t)snprintf(text, cap, "Package: a\nDescription: ");
	memset(text + len, 'x', big);
	len += big;
	len += (size_t)snprintf(text + len, cap - len, "\nVersion: 1\n\nPackage: b\nVersion: ");
	memset(text + len, '9', WARD_APT_FIELD_MAX + 1);
	len += WARD_APT_FIELD_MAX + 1;
	text[len++] = '\n';
	struct stanzas s;
	size_t skipped;
	for (size_t chunk = 1000; chunk <= len; chunk *= 7) {
		parse_text(text, len, true, chunk, &s, &skipped);
		assert_int_equal(s.n, 2);
		assert_int_equal(skipped, 1); /* the long Description line, and only it */
		assert_string_equal(s.text[0], "bad=0 cut=0 line=1 P=a V=1 A= S= D= R=");
		assert_string_equal(s.text[1], "bad=1 cut=0 line=5 P=b V= A= S= D= R=");
	}
	/* Depends past WARD_APT_DEPENDS_MAX over folded lines is cut, not an error. */
	len = (size_t)snprintf(text, cap, "Package: c\nDepends: a\n");
	for (int i = 0; i < 3000; i++)
		len += (size_t)snprintf(text + len, cap - len, " , pkg%04d\n", i);
	parse_text(text, len, true, len, &s, NULL);
	assert_non_null(strstr(s.text[0], "cut=1"));
	free(text);
}

static void test_release(void **state)
{
	static const char signed_text[] = "-----BEGIN PGP SIGNED MESSAGE-----\n"
					  "Hash: SHA512\n"
					  "\n"
					  "Origin: Debian Backports\n"
					  "Label: Debian Backports\n"
					  "Suite: stable-backports\n"
					  "Codename: bookworm-backports\n"
					  "NotAutomatic: yes\n"
					  "ButAutomaticUpgrades: yes\n"
					  "MD5Sum:\n"
					  " 0123 45 main/Release\n"
					  "-----BEGIN PGP SIGNATURE-----\n"
					  "\n"
					  "Suite: not-this\n"
					  "-----END PGP SIGNATURE-----\n";
	struct apt_release r;
	apt_release_parse(signed_text, strlen(signed_text), &r);
	assert_string_equal(r.origin, "Debian Backports");
	assert_string_equal(r.suite, "stable-backports");
	assert_string_equal(r.codename, "bookworm-backports");
	assert_true(r.not_automatic && r.but_automatic_upgrades);
	static const char plain[] = "Origin: Debian\nLabel: Debian-Security\nSuite: stable-security\nVersion: 12\n"
				    "NotAutomatic: no\n\nSuite: second-stanza\n";
	apt_release_parse(plain, strlen(plain), &r);
	assert_string_equal(r.label, "Debian-Security");
	assert_string_equal(r.suite, "stable-security");
	assert_string_equal(r.version, "12");
	assert_false(r.not_automatic);
	apt_release_parse("garbage without fields", 22, &r);
	assert_string_equal(r.suite, "");
}

static void test_prefs(void **state)
{
	static const char text[] = "# comment\n"
				   "Explanation: backports for all\n"
				   "Package: *\n"
				   "Pin: release a=bookworm-backports, c=main\n"
				   "Pin-Priority: 500\n"
				   "\n"
				   "Package: nodejs nsolid\n"
				   "Pin: origin \"deb.nodesource.com\"\n"
				   "Pin-Priority: -1\n"
				   "\n"
				   "Package: foo\n"
				   "Pin: version 1.2*\n"
				   "Pin-Priority: 0\n"
				   "\n"
				   "Package: bar\n"
				   "Pin: release n=x\n"
				   "Pin-Priority: 12abc\n"
				   "\n"
				   "Package: baz\n"
				   "Pin: label x\n"
				   "Pin-Priority: 100\n"
				   "\n"
				   "Pin: release a=y\n"
				   "Pin-Priority: 100\n"
				   "\n"
				   "Explanation: only this\n"
				   "\n"
				   "Package: qux\n"
				   "Pin: version 2.0\n"
				   "Pin-Priority: 1001";
	struct apt_prefs prefs = {0};
	assert_int_equal(apt_prefs_parse(&prefs, text, strlen(text)), 0);
	assert_int_equal(prefs.n, 3);
	assert_int_equal(prefs.ignored, 4); /* priority 0, bad number, bad type, no Package */
	assert_true(prefs.pins[0].generic);
	assert_int_equal(prefs.pins[0].kind, APT_PIN_RELEASE);
	assert_string_equal(prefs.pins[0].data, "a=bookworm-backports, c=main");
	assert_int_equal(prefs.pins[0].priority, 500);
	assert_false(prefs.pins[1].generic);
	assert_string_equal(prefs.pins[1].packages, "nodejs nsolid");
	assert_int_equal(prefs.pins[1].kind, APT_PIN_ORIGIN);
	assert_string_equal(prefs.pins[1].data, "deb.nodesource.com");
	assert_int_equal(prefs.pins[1].priority, -1);
	assert_int_equal(prefs.pins[2].kind, APT_PIN_VERSION);
	assert_int_equal(prefs.pins[2].priority, 1001);
	apt_prefs_release(&prefs);
	apt_prefs_release(NULL);
}

static void test_patterns(void **state)
{
	assert_true(apt_pattern_match("libc6", 5, "libc6"));
	assert_false(apt_pattern_match("libc6", 5, "libc6-dev"));
	assert_true(apt_pattern_match("libc*", 5, "libc6-dev"));
	assert_true(apt_pattern_match("1.2*", 4, "1.2.3-1"));
	assert_true(apt_pattern_match("/^lib.*6$/", 10, "LIBC6"));
	assert_false(apt_pattern_match("/^lib.*6$/", 10, "libc7"));
	assert_false(apt_pattern_match("/[/", 3, "x")); /* a bad regex matches nothing */
}

/* --- the fixture tree --- */

static const json_t *find(const json_t *arr, const char *name, const char *arch)
{
	size_t i;
	const json_t *e;
	json_array_foreach(arr, i, e) if (strcmp(json_string_value(json_object_get(e, "name")), name) == 0 &&
					  (!arch || strcmp(json_string_value(json_object_get(e, "architecture")), arch) == 0))
		return e;
	return NULL;
}

static void test_upgrades_fixture(void **state)
{
	json_t *warnings = json_array(), *res = NULL;
	int r = upgrades_compute(fixture("upgrades"), warnings, &res);
	if (r < 0)
		fail_msg("%s", err_msg(r));
	assert_int_equal(json_array_size(warnings), 0);
	const json_t *ups = json_object_get(res, "upgrades"), *held = json_object_get(res, "held");
	assert_int_equal(json_array_size(ups), 13);
	const json_t *e = find(ups, "libssl3", NULL);
	assert_non_null(e);
	assert_string_equal(json_string_value(json_object_get(e, "candidate")), "3.0.16-1~deb12u1");
	assert_true(json_is_true(json_object_get(e, "security")));
	e = find(ups, "libc6", "i386");
	assert_non_null(e);
	assert_true(json_is_true(json_object_get(e, "security")));
	e = find(ups, "tzdata", NULL);
	assert_string_equal(json_string_value(json_object_get(e, "architecture")), "all");
	assert_false(json_is_true(json_object_get(e, "security")));
	assert_null(find(ups, "curl", NULL)); /* backports: not by default */
	assert_null(find(ups, "vim", NULL));  /* pinned at its version */
	assert_null(find(ups, "mytool", NULL));
	assert_null(find(ups, "oldpkg", NULL));
	assert_string_equal(json_string_value(json_object_get(find(ups, "epochy", NULL), "candidate")), "1:1.0-1");
	assert_string_equal(json_string_value(json_object_get(find(ups, "libfoo1", NULL), "candidate")), "1:2.0-2");
	assert_string_equal(json_string_value(json_object_get(find(ups, "nodejs", NULL), "candidate")),
			    "18.20.2-1nodesource1");
	assert_string_equal(json_string_value(json_object_get(find(held, "openssh-server", NULL), "reason")), "hold");
	assert_string_equal(json_string_value(json_object_get(find(held, "linux-image-amd64", NULL), "reason")),
			    "new-packages");
	/* Breaks both ways: the new library breaks tools that stay; a plugin breaks the new program. */
	const json_t *bar = find(held, "libbar1", NULL), *qux = find(held, "qux", NULL);
	assert_string_equal(json_string_value(json_object_get(bar, "reason")), "conflicts");
	assert_string_equal(json_string_value(json_array_get(json_object_get(bar, "breaks"), 0)),
			    "libbar1 1.1-1 Breaks bar-utils 1.0-1");
	assert_string_equal(json_string_value(json_array_get(json_object_get(qux, "breaks"), 0)),
			    "qux-plugin 1.0-1 Breaks qux 2.0-1");
	/* ... but not when the broken one is upgraded too. */
	assert_non_null(find(ups, "libbaz1", NULL));
	assert_non_null(find(ups, "baz-utils", NULL));
	json_decref(res);
	json_decref(warnings);
}

static void test_upgrades_no_status(void **state)
{
	json_t *warnings = json_array(), *res = NULL;
	assert_int_equal(upgrades_compute(tmpdir, warnings, &res), -ENOENT);
	assert_null(res);
	assert_non_null(strstr(err_msg(-ENOENT), "var/lib/dpkg/status"));
	json_decref(warnings);
}

static void test_fingerprint(void **state)
{
	char a[65], b[65], c[65], cmd[8400];
	snprintf(cmd, sizeof(cmd), "cp -a '%s' '%s/fp'", fixture("upgrades"), tmpdir);
	assert_int_equal(system(cmd), 0); /* lint: allow (test setup) */
	snprintf(cmd, sizeof(cmd), "%s/fp", tmpdir);
	assert_int_equal(upgrades_fingerprint(cmd, a), 0);
	assert_int_equal(upgrades_fingerprint(cmd, b), 0);
	assert_string_equal(a, b);
	assert_int_equal(strlen(a), 64);
	/* apt update: a list replaced by a new file. */
	char list[4200], tmp[4300];
	snprintf(list, sizeof(list), "%s/fp/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm-updates_main_binary-amd64_Packages", tmpdir);
	snprintf(tmp, sizeof(tmp), "%s.new", list);
	write_file(tmp, "Package: bash\nVersion: 9\nArchitecture: amd64\n", 42);
	assert_int_equal(rename(tmp, list), 0);
	assert_int_equal(upgrades_fingerprint(cmd, c), 0);
	assert_string_not_equal(a, c);
	/* A pin added. */
	snprintf(tmp, sizeof(tmp), "%s/fp/etc/apt/preferences.d/new", tmpdir);
	write_file(tmp, "Package: *\nPin: release a=x\nPin-Priority: 1\n", 44);
	assert_int_equal(upgrades_fingerprint(cmd, b), 0);
	assert_string_not_equal(b, c);
}

static void test_reboot_fixture(void **state)
{
	json_t *warnings = json_array(), *res = NULL;
	assert_int_equal(reboot_needs(fixture("upgrades"), 0, warnings, &res), 0);
	assert_true(json_is_true(json_object_get(res, "reboot_required")));
	assert_int_equal(json_array_size(json_object_get(res, "reasons")), 2);
	assert_string_equal(json_string_value(json_object_get(json_object_get(res, "kernel"), "newest_installed")),
			    "6.1.0-29-amd64");
	const json_t *svc = json_object_get(res, "services");
	assert_int_equal(json_array_size(svc), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(svc, 0), "unit")), "nginx.service");
	assert_int_equal(json_array_size(json_object_get(json_array_get(svc, 0), "libraries")), 2);
	json_decref(res);
	/* An empty tree needs nothing. */
	assert_int_equal(reboot_needs(tmpdir, 0, warnings, &res), 0);
	assert_false(json_is_true(json_object_get(res, "reboot_required")));
	assert_true(json_is_null(json_object_get(json_object_get(res, "kernel"), "running")));
	json_decref(res);
	json_decref(warnings);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_read_codecs),	     cmocka_unit_test(test_read_stops),
	    cmocka_unit_test(test_index_name),	     cmocka_unit_test(test_stanzas),
	    cmocka_unit_test(test_filter),
	    cmocka_unit_test(test_long_lines),	     cmocka_unit_test(test_release),
	    cmocka_unit_test(test_prefs),	     cmocka_unit_test(test_patterns),
	    cmocka_unit_test(test_upgrades_fixture), cmocka_unit_test(test_upgrades_no_status),
	    cmocka_unit_test(test_fingerprint),	     cmocka_unit_test(test_reboot_fixture),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
