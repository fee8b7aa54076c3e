/*
 * Unit tests for the system, hardware, filesystems and accounts collectors: exact
 * sections from the debian12, ubuntu2204 and broken fixture trees, the parsers behind
 * them on hand-written text, fallbacks on small trees built in a temp directory, and a
 * sanity run on the machine the tests run on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fs.h"
#include "inventory/inventory.h"
#include "inventory/inventory_parse.h"

/* --- helpers ---------------------------------------------------------------------- */

/* tests/fixtures/<tree> below $WARD_SRC (set by meson), else below the current directory. */
static const char *fixture(const char *tree)
{
	static char path[4096];
	const char *src = getenv("WARD_SRC");
	int n = snprintf(path, sizeof(path), "%s/tests/fixtures/%s", src && *src ? src : ".", tree);
	assert_true(n > 0 && (size_t)n < sizeof(path));
	assert_int_equal(access(path, R_OK | X_OK), 0);
	return path;
}

/* Runs fn below root; the section must come back. *ret_warnings is the warnings list. */
static json_t *collect(inv_collector_fn fn, const char *root, bool live, json_t **ret_warnings)
{
	struct inv_ctx ctx = {.root = root, .live = live, .warnings = json_array()};
	json_t *v = NULL;
	assert_non_null(ctx.warnings);
	assert_int_equal(fn(&ctx, &v), 0);
	assert_non_null(v);
	*ret_warnings = ctx.warnings;
	return v;
}

/* Fails, showing both, unless actual equals expected (which it releases). */
static void assert_json_equal(const json_t *actual, json_t *expected)
{
	assert_non_null(expected);
	if (!json_equal(actual, expected)) {
		char *a = json_dumps(actual, JSON_SORT_KEYS | JSON_ENCODE_ANY);
		char *e = json_dumps(expected, JSON_SORT_KEYS | JSON_ENCODE_ANY);
		print_error("actual:   %s\nexpected: %s\n", a ? a : "?", e ? e : "?");
		free(a);
		free(e);
		json_decref(expected);
		fail();
	}
	json_decref(expected);
}

/* How many warnings there are for section. */
static size_t warnings_for(const json_t *warnings, const char *section)
{
	size_t i, n = 0;
	json_t *w;
	json_array_foreach(warnings, i, w)
	{
		n += strcmp(json_string_value(json_object_get(w, "section")), section) == 0;
	}
	return n;
}

/* Fails unless a warning of section (or a parser's plain string warning, section NULL)
 * contains needle. */
static void assert_warning(const json_t *warnings, const char *section, const char *needle)
{
	size_t i;
	json_t *w;
	json_array_foreach(warnings, i, w)
	{
		const char *msg = section ? json_string_value(json_object_get(w, "message")) : json_string_value(w);
		if ((!section || strcmp(json_string_value(json_object_get(w, "section")), section) == 0) && msg &&
		    strstr(msg, needle))
			return;
	}
	char *all = json_dumps(warnings, 0);
	print_error("no warning contains \"%s\" in %s\n", needle, all ? all : "?");
	free(all);
	fail();
}

/* The element of array whose "name" is name. */
static json_t *by_name(const json_t *array, const char *name)
{
	size_t i;
	json_t *v;
	json_array_foreach(array, i, v)
	{
		if (strcmp(json_string_value(json_object_get(v, "name")), name) == 0)
			return v;
	}
	print_error("no entry named '%s'\n", name);
	fail();
	return NULL;
}

/* A JSON array of the strings up to NULL. */
static json_t *strings(const char *first, ...)
{
	json_t *a = json_array();
	va_list ap;
	va_start(ap, first);
	for (const char *s = first; s; s = va_arg(ap, const char *))
		json_array_append_new(a, json_string(s));
	va_end(ap);
	return a;
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* A temp tree for cases no fixture has: made by tree_make and tree_file, removed by
 * tree_remove. */
static char tree_root[64];

static void tree_make(void)
{
	snprintf(tree_root, sizeof(tree_root), "/tmp/ward-unit-inventory.XXXXXX");
	assert_non_null(mkdtemp(tree_root));
}

static void tree_file(const char *rel, const char *data, size_t len)
{
	char path[4096], dir[4096];
	snprintf(path, sizeof(path), "%s/%s", tree_root, rel);
	snprintf(dir, sizeof(dir), "%s", path);
	assert_int_equal(fs_mkdir_p(dirname(dir), 0755), 0);
	assert_int_equal(fs_write_atomic(path, data, len, 0644), 0);
}

static void tree_text(const char *rel, const char *text)
{
	tree_file(rel, text, strlen(text));
}

static int tree_unlink(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void tree_remove(void)
{
	assert_int_equal(nftw(tree_root, tree_unlink, 16, FTW_DEPTH | FTW_PHYS), 0);
}

/* --- system ----------------------------------------------------------------------- */

static void test_system_debian12(void **state)
{
	json_t *warnings, *sys = collect(inv_system, fixture("debian12"), false, &warnings);
	assert_json_equal(sys,
			  json_pack("{s:s, s:{s:s, s:n, s:s, s:s, s:s, s:s, s:s}, s:{s:s, s:s}, s:s, s:i}", "hostname",
				    "db01", "os", "id", "debian", "id_like", "name", "Debian GNU/Linux", "version_id",
				    "12", "version", "12 (bookworm)", "codename", "bookworm", "pretty_name",
				    "Debian GNU/Linux 12 (bookworm)", "kernel", "release", "6.1.0-21-amd64", "version",
				    "#1 SMP PREEMPT_DYNAMIC Debian 6.1.90-1 (2024-05-03)", "boot_time",
				    "2024-05-21T10:00:07Z", "uptime_seconds", 1209603));
	assert_int_equal(json_array_size(warnings), 0);
	json_decref(sys);
	json_decref(warnings);
}

static void test_system_ubuntu2204(void **state)
{
	json_t *warnings, *sys = collect(inv_system, fixture("ubuntu2204"), false, &warnings);
	assert_json_equal(sys,
			  json_pack("{s:s, s:{s:s, s:s, s:s, s:s, s:s, s:s, s:s}, s:{s:s, s:s}, s:s, s:i}", "hostname",
				    "alice-ThinkPad-T470", "os", "id", "ubuntu", "id_like", "debian", "name", "Ubuntu",
				    "version_id", "22.04", "version", "22.04.4 LTS (Jammy Jellyfish)", "codename",
				    "jammy", "pretty_name", "Ubuntu 22.04.4 LTS", "kernel", "release",
				    "5.15.0-105-generic", "version", "#115-Ubuntu SMP Mon Apr 15 09:52:04 UTC 2024",
				    "boot_time", "2024-06-10T07:01:51Z", "uptime_seconds", 20571));
	assert_int_equal(json_array_size(warnings), 0);
	json_decref(sys);
	json_decref(warnings);
}

static void test_system_broken(void **state)
{
	json_t *warnings, *sys = collect(inv_system, fixture("broken"), false, &warnings);
	/* os-release stops inside a quote: what came before it is kept. */
	assert_json_equal(sys, json_pack("{s:n, s:{s:n, s:n, s:s, s:s, s:n, s:n, s:s}, s:{s:n, s:n}, s:n, s:n}",
					 "hostname", "os", "id", "id_like", "name", "Debian GNU/Linux", "version_id",
					 "12", "version", "codename", "pretty_name", "Debian GNU/Linux 12 (bookworm)",
					 "kernel", "release", "version", "boot_time", "uptime_seconds"));
	assert_int_equal(warnings_for(warnings, "system"), 7);
	assert_warning(warnings, "system", "no host name");
	assert_warning(warnings, "system", "etc/os-release': line 3 is not a KEY=value assignment");
	assert_warning(warnings, "system", "etc/os-release': line 5: the value of 'VERSION' has no closing quote");
	assert_warning(warnings, "system", "proc/sys/kernel/osrelease'");
	assert_warning(warnings, "system", "proc/sys/kernel/version'");
	assert_warning(warnings, "system", "proc/stat'");
	assert_warning(warnings, "system", "proc/uptime'");
	json_decref(sys);
	json_decref(warnings);
}

/* Each field has its own fallback or null: a garbage etc/hostname gives way to the
 * kernel's, os-release comes from usr/lib, garbage kernel strings and numbers give null. */
static void test_system_fallbacks(void **state)
{
	json_t *warnings, *sys;
	tree_make();
	tree_text("etc/hostname", "# set by the installer\n\nnot a host name!\n");
	tree_text("proc/sys/kernel/hostname", "fallback-host\n");
	tree_text("usr/lib/os-release", "ID=fedora\nVERSION_ID=40\nPRETTY_NAME='Fedora Linux 40 (Server Edition)'\n");
	tree_file("proc/sys/kernel/osrelease", "6.8.5\x01\n", 7);
	tree_text("proc/sys/kernel/version", "\n\n");
	tree_text("proc/stat", "cpu  1 2 3 4\nbtimex 5\nbtime 17x6\n");
	tree_text("proc/uptime", "-5.00 1.00\n");
	sys = collect(inv_system, tree_root, false, &warnings);
	assert_json_equal(sys,
			  json_pack("{s:s, s:{s:s, s:n, s:n, s:s, s:n, s:n, s:s}, s:{s:n, s:n}, s:n, s:n}", "hostname",
				    "fallback-host", "os", "id", "fedora", "id_like", "name", "version_id", "40",
				    "version", "codename", "pretty_name", "Fedora Linux 40 (Server Edition)", "kernel",
				    "release", "version", "boot_time", "uptime_seconds"));
	assert_int_equal(json_array_size(warnings), 5);
	assert_warning(warnings, "system", "etc/hostname' does not hold a valid host name");
	assert_warning(warnings, "system", "proc/sys/kernel/osrelease' does not hold one line of text");
	assert_warning(warnings, "system", "proc/sys/kernel/version' does not hold one line of text");
	assert_warning(warnings, "system", "proc/stat': btime is not a time in seconds");
	assert_warning(warnings, "system", "proc/uptime' does not start with seconds");
	json_decref(sys);
	json_decref(warnings);
	tree_remove();
}

/* etc/os-release wins over usr/lib even when useless; a file with no known key is null. */
static void test_system_os_release_garbage(void **state)
{
	json_t *warnings, *sys;
	tree_make();
	tree_text("etc/hostname", "web-01.example.org\n");
	tree_text("etc/os-release", "# nothing but comments\nHOME_URL=https://example.org/\n");
	tree_text("usr/lib/os-release", "ID=ignored\n");
	tree_text("proc/stat", "btime 0\n");
	tree_text("proc/uptime", "12\n");
	sys = collect(inv_system, tree_root, false, &warnings);
	assert_string_equal(json_string_value(json_object_get(sys, "hostname")), "web-01.example.org");
	assert_true(json_is_null(json_object_get(sys, "os")));
	assert_true(json_is_null(json_object_get(sys, "boot_time"))); /* 0 is not a boot time */
	assert_int_equal(json_integer_value(json_object_get(sys, "uptime_seconds")), 12);
	assert_warning(warnings, "system", "etc/os-release' holds none of ID");
	assert_warning(warnings, "system", "proc/stat': btime is not a time in seconds");
	json_decref(sys);
	json_decref(warnings);
	tree_remove();
}

/* os-release text and the id, name and pretty_name expected (NULL for null), the other
 * fields null, and how many warnings. */
static void check_os_release(const char *text, size_t len, const char *id, const char *name, const char *pretty,
			     size_t nwarnings)
{
	json_t *os = NULL, *warnings = json_array();
	assert_int_equal(os_release_parse(text, len, &os, warnings), 0);
	assert_json_equal(os, json_pack("{s:o, s:n, s:o, s:n, s:n, s:n, s:o}", "id", str_or_null(id), "id_like", "name",
					str_or_null(name), "version_id", "version", "codename", "pretty_name",
					str_or_null(pretty)));
	if (json_array_size(warnings) != nwarnings) {
		char *all = json_dumps(warnings, 0);
		print_error("%s: %zu warnings, not %zu: %s\n", text, json_array_size(warnings), nwarnings, all);
		free(all);
		fail();
	}
	json_decref(os);
	json_decref(warnings);
}

#define CHECK_OS(text, id, name, pretty, nwarnings) check_os_release(text, strlen(text), id, name, pretty, nwarnings)

static void test_os_release_parse(void **state)
{
	/* quoting as in the shell, pieces concatenated */
	CHECK_OS("ID=debian\nNAME=\"Debian GNU/Linux\"\nPRETTY_NAME='It''s \"quoted\"'\n", "debian", "Debian GNU/Linux",
		 "Its \"quoted\"", 0);
	/* in double quotes only " \ ` $ lose the backslash */
	CHECK_OS("PRETTY_NAME=\"a \\\"b\\\" \\$c \\`d\\` \\\\e \\f\"\n", NULL, NULL, "a \"b\" $c `d` \\e \\f", 0);
	/* unquoted: backslash escapes, blanks after '=' and at the end dropped */
	CHECK_OS("NAME=Foo\\ Bar\nID=  x  \nPRETTY_NAME=a\" b \"c\n", "x", "Foo Bar", "a b c", 0);
	/* single quotes are literal */
	CHECK_OS("NAME='a\\nb $HOME'\n", NULL, "a\\nb $HOME", NULL, 0);
	/* comments, blank lines, CRLF */
	CHECK_OS("# c\r\n\r\n  ; also a comment\r\nID=debian\r\nNAME=\"N\"\r\n", "debian", "N", NULL, 0);
	/* the last assignment wins; empty values are null */
	CHECK_OS("ID=a\nID=b\nNAME=\nPRETTY_NAME=\"\"\n", "b", NULL, NULL, 0);
	/* multi-line quotes and backslash-newline continuations */
	CHECK_OS("PRETTY_NAME=\"two\nlines\"\nNAME=con\\\ntinued\nID=x", "x", "continued", "two\nlines", 0);
	/* invalid keys and lines that are no assignment */
	CHECK_OS("1ID=x\nID-LIKE=y\nexport ID=z\ngarbage\n=novalue\nID=ok\n", "ok", NULL, NULL, 5);
	/* unterminated quotes: the value is dropped, earlier ones stay */
	CHECK_OS("ID=ok\nNAME=\"abc", "ok", NULL, NULL, 1);
	CHECK_OS("ID=ok\nNAME='abc\nPRETTY_NAME=x\n", "ok", NULL, NULL, 1);
	/* a trailing backslash is dropped */
	CHECK_OS("ID=ab\\", "ab", NULL, NULL, 0);
	/* invalid UTF-8 becomes U+FFFD */
	CHECK_OS("NAME=caf\xe9\n", NULL, "caf\xef\xbf\xbd", NULL, 0);
	/* embedded NUL bytes do not end the text */
	check_os_release("ID=a\n\0\nNAME=b\n", 14, "a", "b", NULL, 1);
	check_os_release("", 0, NULL, NULL, NULL, 0);

	/* a value of 1024 bytes is kept, a longer one dropped; so are over-long keys */
	char text[2048];
	json_t *os, *warnings = json_array();
	memcpy(text, "NAME=", 5);
	memset(text + 5, 'a', sizeof(text) - 5);
	assert_int_equal(os_release_parse(text, 5 + 1024, &os, warnings), 0);
	assert_int_equal(json_string_length(json_object_get(os, "name")), 1024);
	json_decref(os);
	assert_int_equal(os_release_parse(text, 5 + 1025, &os, warnings), 0);
	assert_true(json_is_null(json_object_get(os, "name")));
	assert_warning(warnings, NULL, "line 1: the value of NAME is longer than 1024 bytes");
	json_decref(os);
	memset(text, 'K', 100);
	text[100] = '=';
	assert_int_equal(os_release_parse(text, 102, &os, warnings), 0);
	assert_warning(warnings, NULL, "is not a valid key");
	json_decref(os);
	json_decref(warnings);

	/* warnings stop at INV_PARSE_WARN_MAX, the last saying so */
	char garbage[400];
	for (size_t i = 0; i < 100; i++)
		memcpy(garbage + i * 4, "xyz\n", 4);
	warnings = json_array();
	assert_int_equal(os_release_parse(garbage, sizeof(garbage), &os, warnings), 0);
	assert_int_equal(json_array_size(warnings), INV_PARSE_WARN_MAX);
	assert_string_equal(json_string_value(json_array_get(warnings, INV_PARSE_WARN_MAX - 1)),
			    "more problems; the rest are not reported");
	assert_string_equal(json_string_value(json_array_get(warnings, 0)), "line 1 is not a KEY=value assignment");
	json_decref(os);
	json_decref(warnings);
}

/* --- hardware --------------------------------------------------------------------- */

static json_t *block_device(const char *name, json_int_t size, int rotational, int removable, const char *model,
			    const char *type)
{
	return json_pack("{s:s, s:I, s:b, s:b, s:o, s:s}", "name", name, "size_bytes", size, "rotational", rotational,
			 "removable", removable, "model", str_or_null(model), "type", type);
}

static void test_hardware_debian12(void **state)
{
	json_t *warnings, *hw = collect(inv_hardware, fixture("debian12"), false, &warnings);
	/* four cores, one thread each; loop0 (size 0) left out; models trimmed */
	assert_json_equal(
	    hw,
	    json_pack("{s:{s:s, s:i, s:i, s:n}, s:{s:I, s:I, s:I}, s:[o, o]}", "cpu", "model",
		      "Intel(R) Xeon(R) E-2224 CPU @ 3.40GHz", "cores", 4, "threads", 4, "architecture", "memory",
		      "total_bytes", (json_int_t)32776832 * 1024, "available_bytes", (json_int_t)28411164 * 1024,
		      "swap_total_bytes", (json_int_t)999420 * 1024, "block_devices",
		      block_device("nvme0n1", (json_int_t)1000215216 * 512, 0, 0, "SAMSUNG MZVL2512HCJQ-00B00", "disk"),
		      block_device("sda", (json_int_t)3907029168 * 512, 1, 0, "ST2000NM0055-1V4", "disk")));
	assert_int_equal(json_array_size(warnings), 0);
	json_decref(hw);
	json_decref(warnings);
}

static void test_hardware_ubuntu2204(void **state)
{
	json_t *warnings, *hw = collect(inv_hardware, fixture("ubuntu2204"), false, &warnings);
	/* two cores with two threads each; a used loop device is listed, an unused one not */
	assert_json_equal(hw, json_pack("{s:{s:s, s:i, s:i, s:n}, s:{s:I, s:I, s:I}, s:[o, o, o]}", "cpu", "model",
					"Intel(R) Core(TM) i5-7200U CPU @ 2.50GHz", "cores", 2, "threads", 4,
					"architecture", "memory", "total_bytes", (json_int_t)16173552 * 1024,
					"available_bytes", (json_int_t)9876544 * 1024, "swap_total_bytes",
					(json_int_t)2097148 * 1024, "block_devices",
					block_device("loop1", (json_int_t)151992 * 512, 0, 0, NULL, "loop"),
					block_device("nvme0n1", (json_int_t)1953525168 * 512, 0, 0,
						     "Samsung SSD 970 EVO Plus 1TB", "disk"),
					block_device("sda", (json_int_t)60063744 * 512, 1, 1, "Cruzer Blade", "disk")));
	assert_int_equal(json_array_size(warnings), 0);
	json_decref(hw);
	json_decref(warnings);
}

static void test_hardware_broken(void **state)
{
	json_t *warnings, *hw = collect(inv_hardware, fixture("broken"), false, &warnings);
	/* no model name; the third processor is cut short before its ids, so cores falls
	 * back to the number of processors (the first two share core 0) */
	assert_json_equal(hw, json_pack("{s:{s:n, s:i, s:i, s:n}, s:{s:n, s:n, s:n}, s:n}", "cpu", "model", "cores", 3,
					"threads", 3, "architecture", "memory", "total_bytes", "available_bytes",
					"swap_total_bytes", "block_devices"));
	assert_int_equal(warnings_for(warnings, "hardware"), 5);
	assert_warning(warnings, "hardware", "proc/cpuinfo' has no model name");
	assert_warning(warnings, "hardware", "proc/meminfo' has no MemTotal");
	assert_warning(warnings, "hardware", "proc/meminfo' has no MemAvailable");
	assert_warning(warnings, "hardware", "proc/meminfo' has no SwapTotal");
	assert_warning(warnings, "hardware", "sys/block'");
	json_decref(hw);
	json_decref(warnings);
}

static void test_hardware_odd_tree(void **state)
{
	json_t *warnings, *hw;
	tree_make();
	/* MIPS names the model "cpu model"; no physical ids, so cores is the processor count */
	tree_text("proc/cpuinfo", "system type\t\t: MediaTek MT7621 ver:1 eco:3\nmachine\t\t\t: Ubiquiti EdgeRouter X\n"
				  "processor\t\t: 0\ncpu model\t\t: MIPS 1004Kc V2.15\ncore\t\t\t: 0\n\n"
				  "processor\t\t: 1\ncpu model\t\t: MIPS 1004Kc V2.15\ncore\t\t\t: 0\n");
	tree_text("proc/meminfo", "MemTotal: 12 MB\nMemAvailable:   100\nSwapTotal: 0 kB\nMemTotal: 5 kB\n");
	tree_text("sys/block/sdb/size", "abc\n");
	tree_text("sys/block/sdb/queue/rotational", "2\n");
	tree_text("sys/block/sdb/device/type", "5\n");
	tree_text("sys/block/sdb/device/model", "   \n");
	tree_text("sys/block/ram0/size", "0\n");
	tree_text("sys/block/md0/size", "2048\n");
	tree_text("sys/block/dm-0/size", "4096\n");
	tree_text("sys/block/sr0/size", "2097151\n");
	tree_text("sys/block/zram0/size", "0\n");
	hw = collect(inv_hardware, tree_root, false, &warnings);
	assert_json_equal(json_object_get(hw, "cpu"), json_pack("{s:s, s:i, s:i, s:n}", "model", "MIPS 1004Kc V2.15",
								"cores", 2, "threads", 2, "architecture"));
	/* a bad unit makes MemTotal null (the later line does not count); bare counts are bytes */
	assert_json_equal(json_object_get(hw, "memory"),
			  json_pack("{s:n, s:i, s:i}", "total_bytes", "available_bytes", 100, "swap_total_bytes", 0));
	assert_json_equal(json_object_get(hw, "block_devices"),
			  json_pack("[{s:s, s:I, s:n, s:n, s:n, s:s}, {s:s, s:I, s:n, s:n, s:n, s:s},"
				    " {s:s, s:n, s:n, s:n, s:n, s:s}, {s:s, s:I, s:n, s:n, s:n, s:s},"
				    " {s:s, s:I, s:n, s:n, s:n, s:s}]",
				    "name", "dm-0", "size_bytes", (json_int_t)4096 * 512, "rotational", "removable",
				    "model", "type", "dm", "name", "md0", "size_bytes", (json_int_t)2048 * 512,
				    "rotational", "removable", "model", "type", "md", "name", "sdb", "size_bytes",
				    "rotational", "removable", "model", "type", "rom", "name", "sr0", "size_bytes",
				    (json_int_t)2097151 * 512, "rotational", "removable", "model", "type", "rom",
				    "name", "zram0", "size_bytes", (json_int_t)0, "rotational", "removable", "model",
				    "type", "zram"));
	assert_int_equal(json_array_size(warnings), 3);
	assert_warning(warnings, "hardware", "proc/meminfo': MemTotal is not a size");
	assert_warning(warnings, "hardware", "sys/block/sdb/size' is not a number of sectors");
	assert_warning(warnings, "hardware", "sys/block/sdb/queue/rotational' is not 0 or 1");
	json_decref(hw);
	json_decref(warnings);

	/* a bad core id: warned, and cores falls back to the processor count */
	tree_text("proc/cpuinfo", "processor : 0\nmodel name : X\nphysical id : 0\ncore id : 0\n\n"
				  "processor : 1\nmodel name : X\nphysical id : 0\ncore id : -1\n\n"
				  "processor : 2\nmodel name : X\nphysical id : 0\ncore id : 0\n");
	hw = collect(inv_hardware, tree_root, false, &warnings);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(hw, "cpu"), "cores")), 3);
	assert_warning(warnings, "hardware", "proc/cpuinfo': processor 1 has a bad physical or core id");
	json_decref(hw);
	json_decref(warnings);
	tree_remove();
}

/* --- filesystems ------------------------------------------------------------------ */

/* The expected list from {device, mount point, type, options} rows, sizes null. */
static json_t *mounts(const char *const rows[][4], size_t n)
{
	json_t *list = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(list,
				      json_pack("{s:s, s:s, s:s, s:s, s:n, s:n, s:n, s:n}", "device", rows[i][0],
						"mount_point", rows[i][1], "type", rows[i][2], "options", rows[i][3],
						"size_bytes", "used_bytes", "available_bytes", "used_percent"));
	return list;
}

static void test_filesystems_debian12(void **state)
{
	static const char *const rows[][4] = {
	    {"udev", "/dev", "devtmpfs", "rw,nosuid,relatime,size=16357672k,nr_inodes=4089418,mode=755,inode64"},
	    {"tmpfs", "/run", "tmpfs", "rw,nosuid,nodev,noexec,relatime,size=3277684k,mode=755,inode64"},
	    {"/dev/nvme0n1p2", "/", "ext4", "rw,relatime,errors=remount-ro"},
	    {"tmpfs", "/dev/shm", "tmpfs", "rw,nosuid,nodev,inode64"},
	    {"tmpfs", "/run/lock", "tmpfs", "rw,nosuid,nodev,noexec,relatime,size=5120k,inode64"},
	    {"/dev/nvme0n1p1", "/boot/efi", "vfat",
	     "rw,relatime,fmask=0077,dmask=0077,codepage=437,iocharset=ascii,shortname=mixed,utf8,errors=remount-ro"},
	    {"/dev/sda1", "/srv/backup", "ext4", "rw,relatime"},
	    {"overlay",
	     "/var/lib/docker/overlay2/3f1c2b9e8d7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e/merged",
	     "overlay",
	     "rw,relatime,lowerdir=/var/lib/docker/overlay2/l/Q7ZK3XQ2MZV4R6HJ5N2B7C4D5E:/var/lib/docker/overlay2/l/"
	     "A1B2C3D4E5F6G7H8I9J0K1L2M3,upperdir=/var/lib/docker/overlay2/"
	     "3f1c2b9e8d7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e/diff,workdir=/var/lib/docker/overlay2/"
	     "3f1c2b9e8d7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e/work,nouserxattr"},
	    {"tmpfs", "/run/user/1000", "tmpfs",
	     "rw,nosuid,nodev,relatime,size=3277680k,nr_inodes=819420,mode=700,uid=1000,gid=1000,inode64"},
	};
	json_t *warnings, *fs = collect(inv_filesystems, fixture("debian12"), false, &warnings);
	assert_json_equal(fs, mounts(rows, sizeof(rows) / sizeof(rows[0])));
	assert_int_equal(json_array_size(warnings), 0);
	json_decref(fs);
	json_decref(warnings);
}

static void test_filesystems_ubuntu2204(void **state)
{
	static const char *const rows[][4] = {
	    {"udev", "/dev", "devtmpfs", "rw,nosuid,relatime,size=8033780k,nr_inodes=2008445,mode=755,inode64"},
	    {"tmpfs", "/run", "tmpfs", "rw,nosuid,nodev,noexec,relatime,size=1617356k,mode=755,inode64"},
	    {"/dev/nvme0n1p2", "/", "ext4", "rw,relatime,errors=remount-ro"},
	    {"tmpfs", "/dev/shm", "tmpfs", "rw,nosuid,nodev,inode64"},
	    {"tmpfs", "/run/lock", "tmpfs", "rw,nosuid,nodev,noexec,relatime,size=5120k,inode64"},
	    {"/dev/loop1", "/snap/core22/1380", "squashfs", "ro,nodev,relatime,errors=continue,threads=single"},
	    {"/dev/nvme0n1p1", "/boot/efi", "vfat",
	     "rw,relatime,fmask=0077,dmask=0077,codepage=437,iocharset=iso8859-1,shortname=mixed,errors=remount-ro"},
	    {"tmpfs", "/run/snapd/ns", "tmpfs", "rw,nosuid,nodev,noexec,relatime,size=1617356k,mode=755,inode64"},
	    {"tmpfs", "/run/user/1000", "tmpfs",
	     "rw,nosuid,nodev,relatime,size=1617352k,nr_inodes=404338,mode=700,uid=1000,gid=1000,inode64"},
	    {"gvfsd-fuse", "/run/user/1000/gvfs", "fuse.gvfsd-fuse",
	     "rw,nosuid,nodev,relatime,user_id=1000,group_id=1000"},
	    {"portal", "/run/user/1000/doc", "fuse.portal", "rw,nosuid,nodev,relatime,user_id=1000,group_id=1000"},
	    {"/dev/sda1", "/media/alice/USB STICK", "vfat",
	     "rw,nosuid,nodev,relatime,uid=1000,gid=1000,fmask=0022,dmask=0022,codepage=437,iocharset=iso8859-1,"
	     "shortname=mixed,showexec,utf8,flush,errors=remount-ro"},
	};
	json_t *warnings, *fs = collect(inv_filesystems, fixture("ubuntu2204"), false, &warnings);
	assert_json_equal(fs, mounts(rows, sizeof(rows) / sizeof(rows[0])));
	assert_int_equal(json_array_size(warnings), 0);
	json_decref(fs);
	json_decref(warnings);
}

static void test_filesystems_broken(void **state)
{
	/* \134 is a backslash; "\04" is not a whole escape and stays */
	static const char *const rows[][4] = {
	    {"/dev/vda1", "/", "ext4", "rw,relatime,errors=remount-ro"},
	    {"tmpfs", "/run", "tmpfs", "rw,nosuid,nodev,size=401812k,mode=755"},
	    {"/dev/vdb1", "/mnt/back\\up", "xfs", "rw,relatime"},
	    {"/dev/vdc1", "/mnt/odd\\04", "ext4", "rw"},
	};
	json_t *warnings, *fs = collect(inv_filesystems, fixture("broken"), false, &warnings);
	assert_json_equal(fs, mounts(rows, sizeof(rows) / sizeof(rows[0])));
	assert_int_equal(warnings_for(warnings, "filesystems"), 2);
	assert_warning(warnings, "filesystems", "proc/mounts': line 3 is not a mount entry");
	assert_warning(warnings, "filesystems", "proc/mounts': line 7 is not a mount entry");
	json_decref(fs);
	json_decref(warnings);
}

static void test_filesystems_missing(void **state)
{
	json_t *v = NULL;
	tree_make();
	struct inv_ctx ctx = {.root = tree_root, .live = false, .warnings = json_array()};
	assert_int_equal(inv_filesystems(&ctx, &v), -ENOENT);
	assert_null(v);
	assert_warning(ctx.warnings, "filesystems", "proc/mounts'");
	json_decref(ctx.warnings);
	tree_remove();
}

/* --- accounts --------------------------------------------------------------------- */

static json_t *user(const char *name, json_int_t uid, json_int_t gid, const char *gecos, const char *home,
		    const char *shell, int login)
{
	return json_pack("{s:s, s:I, s:I, s:s, s:s, s:s, s:b}", "name", name, "uid", uid, "gid", gid, "gecos", gecos,
			 "home", home, "shell", shell, "login", login);
}

static void test_accounts_debian12(void **state)
{
	json_t *warnings, *acc = collect(inv_accounts, fixture("debian12"), false, &warnings);
	json_t *users = json_object_get(acc, "users"), *groups = json_object_get(acc, "groups");
	assert_int_equal(json_object_size(acc), 4);
	assert_int_equal(json_array_size(users), 27);
	assert_int_equal(json_array_size(groups), 53);
	assert_json_equal(json_array_get(users, 0), user("root", 0, 0, "root", "/root", "/bin/bash", 1));
	assert_json_equal(by_name(users, "sync"), user("sync", 4, 65534, "sync", "/bin", "/bin/sync", 1));
	assert_json_equal(by_name(users, "_apt"), user("_apt", 42, 65534, "", "/nonexistent", "/usr/sbin/nologin", 0));
	assert_json_equal(by_name(users, "ops"), user("ops", 1002, 27, "Ops on-call,,,", "/home/ops", "/bin/bash", 1));
	assert_json_equal(json_array_get(users, 26), user("toor", 0, 0, "root (legacy),,,", "/root", "/bin/sh", 1));
	assert_json_equal(by_name(groups, "sudo"),
			  json_pack("{s:s, s:i, s:[s]}", "name", "sudo", "gid", 27, "members", "alice"));
	assert_json_equal(by_name(groups, "users"),
			  json_pack("{s:s, s:i, s:[s, s]}", "name", "users", "gid", 100, "members", "alice", "deploy"));
	assert_json_equal(by_name(groups, "root"), json_pack("{s:s, s:i, s:[]}", "name", "root", "gid", 0, "members"));
	assert_json_equal(json_object_get(acc, "uid0"), strings("root", "toor", NULL));
	/* alice: group sudo; ops: primary group sudo; root: sudoers; deploy: sudoers.d/deploy
	 * (after its continued Cmnd_Alias); not mallory (deploy~) nor eve (deploy.dpkg-old) */
	assert_json_equal(json_object_get(acc, "admins"), strings("alice", "deploy", "ops", "root", NULL));
	assert_int_equal(json_array_size(warnings), 0);
	json_decref(acc);
	json_decref(warnings);
}

static void test_accounts_ubuntu2204(void **state)
{
	json_t *warnings, *acc = collect(inv_accounts, fixture("ubuntu2204"), false, &warnings);
	json_t *users = json_object_get(acc, "users"), *groups = json_object_get(acc, "groups");
	assert_int_equal(json_array_size(users), 50);
	assert_int_equal(json_array_size(groups), 78);
	assert_json_equal(by_name(users, "tss"),
			  user("tss", 106, 113, "TPM software stack,,,", "/var/lib/tpm", "/bin/false", 0));
	assert_json_equal(by_name(users, "alice"),
			  user("alice", 1000, 1000, "Alice Martin,,,", "/home/alice", "/bin/bash", 1));
	assert_json_equal(json_array_get(users, 49),
			  user("carol", 1002, 1002, "Carol Dubois,,,", "/home/carol", "/usr/bin/zsh", 1));
	assert_json_equal(by_name(groups, "adm"),
			  json_pack("{s:s, s:i, s:[s, s]}", "name", "adm", "gid", 4, "members", "syslog", "alice"));
	assert_json_equal(json_array_get(groups, 77),
			  json_pack("{s:s, s:i, s:[s]}", "name", "developers", "gid", 1003, "members", "carol"));
	assert_json_equal(json_object_get(acc, "uid0"), strings("root", NULL));
	/* alice: group sudo; bob: sudoers.d/bob-apt; carol: %developers in sudoers.d */
	assert_json_equal(json_object_get(acc, "admins"), strings("alice", "bob", "carol", "root", NULL));
	assert_int_equal(json_array_size(warnings), 0);
	json_decref(acc);
	json_decref(warnings);
}

static void test_accounts_broken(void **state)
{
	json_t *warnings, *acc = collect(inv_accounts, fixture("broken"), false, &warnings);
	json_t *expected = json_array();
	json_array_append_new(expected, user("root", 0, 0, "root", "/root", "/bin/bash", 1));
	json_array_append_new(expected, user("daemon", 1, 1, "daemon", "/usr/sbin", "/usr/sbin/nologin", 0));
	json_array_append_new(expected,
			      user("alice", 1002, 1002, "Alice Caf\xef\xbf\xbd", "/home/alice", "/bin/bash", 1));
	json_array_append_new(expected, user("nobody", 65534, 65534, "nobody", "/nonexistent", "/usr/sbin/nologin", 0));
	json_array_append_new(expected, user("operator", 0, 0, "", "/root", "", 1));
	assert_json_equal(json_object_get(acc, "users"), expected);
	assert_true(json_is_null(json_object_get(acc, "groups")));
	assert_json_equal(json_object_get(acc, "uid0"), strings("root", "operator", NULL));
	assert_json_equal(json_object_get(acc, "admins"), json_array());
	assert_int_equal(warnings_for(warnings, "accounts"), 8);
	assert_warning(warnings, "accounts", "etc/passwd': line 3: the user name is empty or not valid");
	assert_warning(warnings, "accounts", "etc/passwd': line 4 holds control characters");
	assert_warning(warnings, "accounts", "etc/passwd': line 5 is longer than 4096 bytes");
	assert_warning(warnings, "accounts", "etc/passwd': line 7: user 'bob' has a uid or gid that is not a number");
	assert_warning(warnings, "accounts", "etc/passwd': line 8 has 6 fields, not 7");
	assert_warning(warnings, "accounts", "etc/passwd': line 9 has 8 fields, not 7");
	assert_warning(warnings, "accounts", "etc/passwd': line 10 is a NIS entry");
	assert_warning(warnings, "accounts", "etc/group'");
	json_decref(acc);
	json_decref(warnings);
}

static void test_accounts_tree(void **state)
{
	json_t *warnings, *acc;
	tree_make();
	/* nothing to read: every part unknown */
	acc = collect(inv_accounts, tree_root, false, &warnings);
	assert_json_equal(acc, json_pack("{s:n, s:n, s:n, s:n}", "users", "groups", "uid0", "admins"));
	assert_int_equal(json_array_size(warnings), 2); /* passwd, group; an absent sudoers is normal */
	json_decref(acc);
	json_decref(warnings);

	/* wheel and admin count, by membership and by primary group; sudoers.d alone is read,
	 * without hidden files, editor backups and names with a dot */
	tree_text("etc/passwd", "root:x:0:0::/root:/bin/bash\nann:x:1000:10::/home/ann:/bin/bash\n"
				"ben:x:1001:1001::/home/ben:/bin/bash\ncat:x:1002:1002::/home/cat:/bin/bash\n");
	tree_text("etc/group", "wheel:x:10:\nadmin:x:115:ben\nben:x:1001:\nops:x:2000:cat\n");
	tree_text("etc/sudoers.d/10-ops", "%ops ALL=(ALL) ALL\n");
	tree_text("etc/sudoers.d/.hidden", "hid ALL=(ALL) ALL\n");
	tree_text("etc/sudoers.d/20-x~", "tilde ALL=(ALL) ALL\n");
	tree_text("etc/sudoers.d/30.rpmsave", "dot ALL=(ALL) ALL\n");
	tree_text("etc/sudoers.d/40-dan", "dan ALL=(ALL) ALL\nnot a rule\n");
	acc = collect(inv_accounts, tree_root, false, &warnings);
	assert_json_equal(json_object_get(acc, "admins"), strings("ann", "ben", "cat", "dan", NULL));
	assert_json_equal(json_object_get(acc, "uid0"), strings("root", NULL));
	assert_int_equal(json_array_size(warnings), 1);
	assert_warning(warnings, "accounts", "etc/sudoers.d/40-dan': line 2 is not a user specification");
	json_decref(acc);
	json_decref(warnings);
	tree_remove();
}

/* --- the account parsers ---------------------------------------------------------- */

static void test_passwd_parse(void **state)
{
	json_t *users, *warnings = json_array();
	char line[INV_PASSWD_LINE_MAX + 2];
	const char *text = "# a comment\n\n"
			   "big:x:4294967294:4294967294::/:/bin/sh\n"
			   "over:x:4294967295:0::/:/bin/sh\n"
			   "neg:x:-1:0::/:/bin/sh\n"
			   "space:x: 1:0::/:/bin/sh\n"
			   "hex:x:0x10:0::/:/bin/sh\n"
			   "a b:x:1:1::/:/bin/sh\n"
			   "\xc0\xaf:x:1:1::/:/bin/sh\n"
			   ":x:1:1::/:/bin/sh\n"
			   "crlf:x:1:1::/:/bin/sh\r\n"
			   "-minus::::::\n"
			   "bare:x:2:2::/:nologin\n"
			   "nearly:x:3:3::/:/usr/bin/nologinx\n"
			   "last:x:5:5:L\xc3\xa9o:/home/last:/bin/false";
	assert_int_equal(passwd_parse(text, strlen(text), &users, warnings), 0);
	json_t *expected = json_array();
	json_array_append_new(expected, user("big", 4294967294LL, 4294967294LL, "", "/", "/bin/sh", 1));
	json_array_append_new(expected, user("bare", 2, 2, "", "/", "nologin", 0));
	json_array_append_new(expected, user("nearly", 3, 3, "", "/", "/usr/bin/nologinx", 1));
	json_array_append_new(expected, user("last", 5, 5, "L\xc3\xa9o", "/home/last", "/bin/false", 0));
	assert_json_equal(users, expected);
	assert_int_equal(json_array_size(warnings), 9);
	assert_warning(warnings, NULL, "line 4: user 'over' has a uid or gid");
	assert_warning(warnings, NULL, "line 5: user 'neg'");
	assert_warning(warnings, NULL, "line 6: user 'space'");
	assert_warning(warnings, NULL, "line 7: user 'hex'");
	assert_warning(warnings, NULL, "line 8: the user name is empty or not valid");
	assert_warning(warnings, NULL, "line 9: the user name is empty or not valid");
	assert_warning(warnings, NULL, "line 10: the user name is empty or not valid");
	assert_warning(warnings, NULL, "line 11 holds control characters");
	assert_warning(warnings, NULL, "line 12 is a NIS entry");
	json_decref(users);
	json_decref(warnings);

	/* a line of exactly INV_PASSWD_LINE_MAX bytes is read, one more is not */
	for (size_t extra = 0; extra < 2; extra++) {
		size_t n = INV_PASSWD_LINE_MAX + extra;
		memset(line, 'g', n);
		memcpy(line, "u:x:1:1:", 8);
		memcpy(line + n - 6, ":/:/sh", 6);
		warnings = json_array();
		assert_int_equal(passwd_parse(line, n, &users, warnings), 0);
		assert_int_equal(json_array_size(users), extra ? 0 : 1);
		assert_int_equal(json_array_size(warnings), extra ? 1 : 0);
		json_decref(users);
		json_decref(warnings);
	}

	/* warnings NULL is allowed */
	assert_int_equal(passwd_parse("x", 1, &users, NULL), 0);
	assert_int_equal(json_array_size(users), 0);
	json_decref(users);
}

static void test_group_parse(void **state)
{
	json_t *groups, *warnings = json_array();
	const char *text = "sudo:x:27:alice,,bob,\n"
			   "wheel:x:10:\n"
			   "bad:x:abc:\n"
			   "three:x:1\n"
			   "five:x:1:a:b\n"
			   "odd:x:12:a b,carl\n"
			   "+nis:::\n"
			   "last:x:4294967294:zed";
	assert_int_equal(group_parse(text, strlen(text), &groups, warnings), 0);
	assert_json_equal(groups, json_pack("[{s:s, s:i, s:[s, s]}, {s:s, s:i, s:[]}, {s:s, s:i, s:[s]},"
					    " {s:s, s:I, s:[s]}]",
					    "name", "sudo", "gid", 27, "members", "alice", "bob", "name", "wheel",
					    "gid", 10, "members", "name", "odd", "gid", 12, "members", "carl", "name",
					    "last", "gid", (json_int_t)4294967294LL, "members", "zed"));
	assert_int_equal(json_array_size(warnings), 5);
	assert_warning(warnings, NULL, "line 3: group 'bad' has a gid that is not a number");
	assert_warning(warnings, NULL, "line 4 has 3 fields, not 4");
	assert_warning(warnings, NULL, "line 5 has 5 fields, not 4");
	assert_warning(warnings, NULL, "line 6: a member name is not valid");
	assert_warning(warnings, NULL, "line 7 is a NIS entry");
	json_decref(groups);
	json_decref(warnings);
}

static void test_sudoers_parse(void **state)
{
	json_t *v, *warnings = json_array();
	const char *text = "# comment\n"
			   "Defaults env_reset\n"
			   "Defaults:alice !requiretty\n"
			   "Defaults@host log_output\n"
			   "Defaults>root !set_logname\n"
			   "Defaults!/usr/bin/less noexec\n"
			   "User_Alias ADMINS = carol, dave\n"
			   "Runas_Alias OP = root\n"
			   "Host_Alias SERVERS = web1, web2\n"
			   "Cmnd_Alias SHUTDOWN = /sbin/halt, \\\n"
			   "\t/sbin/reboot\n"
			   "ADMINS ALL=(ALL) ALL\n"
			   "ALL ALL=(ALL) /usr/bin/id\n"
			   "root ALL=(ALL:ALL) ALL\n"
			   "alice, bob   ALL = (ALL) ALL\n"
			   "%wheel ALL=(ALL) ALL\n"
			   "%:domain_admins ALL=(ALL) ALL\n"
			   "%#1001 ALL=(ALL) ALL\n"
			   "#1002 ALL=(ALL) ALL\n"
			   "!mallory ALL=(ALL) ALL\n"
			   "+netgroup ALL=(ALL) ALL\n"
			   "\"quoted name\" ALL=(ALL) ALL\n"
			   "esc\\,aped ALL=(ALL) ALL\n"
			   "erin,%ops,frank \\\n"
			   "    ALL=(root) NOPASSWD: /usr/bin/systemctl\n"
			   "@includedir /etc/sudoers.d\n"
			   "#includedir /etc/sudoers.d\n"
			   "this is not a rule\n"
			   "trailing=broken\n"
			   "grace ALL=(ALL) ALL";
	assert_int_equal(sudoers_parse(text, strlen(text), &v, warnings), 0);
	assert_json_equal(v, json_pack("{s:[s, s, s, s, s, s], s:[s, s]}", "users", "root", "alice", "bob", "erin",
				       "frank", "grace", "groups", "wheel", "ops"));
	assert_int_equal(json_array_size(warnings), 2);
	assert_warning(warnings, NULL, "line 28 is not a user specification");
	assert_warning(warnings, NULL, "line 29 is not a user specification");
	json_decref(v);
	json_decref(warnings);

	/* an over-long logical line is skipped, the next one read */
	size_t n = INV_SUDOERS_LINE_MAX + 100;
	char *big = malloc(n);
	assert_non_null(big);
	memset(big, ' ', n);
	memcpy(big, "x ALL=ALL \\\n", 12);
	memcpy(big + n - 20, "\nzed ALL=(ALL) ALL\n", 19);
	warnings = json_array();
	assert_int_equal(sudoers_parse(big, n, &v, warnings), 0);
	assert_json_equal(v, json_pack("{s:[s], s:[]}", "users", "zed", "groups"));
	assert_warning(warnings, NULL, "line 1 is longer than 65536 bytes");
	free(big);
	json_decref(v);
	json_decref(warnings);
}

/* --- the machine the tests run on ------------------------------------------------- */

static void test_live(void **state)
{
	json_t *warnings, *v;
	size_t i;
	json_t *fs;
	bool root_seen = false;

	v = collect(inv_system, "/", true, &warnings);
	assert_true(json_string_length(json_object_get(v, "hostname")) > 0);
	assert_true(json_string_length(json_object_get(json_object_get(v, "kernel"), "release")) > 0);
	assert_true(json_integer_value(json_object_get(v, "uptime_seconds")) > 0);
	assert_true(json_is_string(json_object_get(v, "boot_time")));
	json_decref(v);
	json_decref(warnings);

	v = collect(inv_hardware, "/", true, &warnings);
	assert_true(json_integer_value(json_object_get(json_object_get(v, "memory"), "total_bytes")) > 0);
	assert_true(json_integer_value(json_object_get(json_object_get(v, "cpu"), "threads")) > 0);
	assert_true(json_string_length(json_object_get(json_object_get(v, "cpu"), "architecture")) > 0);
	assert_true(json_is_array(json_object_get(v, "block_devices")));
	json_decref(v);
	json_decref(warnings);

	v = collect(inv_filesystems, "/", true, &warnings);
	assert_true(json_array_size(v) >= 1);
	json_array_foreach(v, i, fs)
	{
		assert_true(json_is_string(json_object_get(fs, "device")));
		if (strcmp(json_string_value(json_object_get(fs, "mount_point")), "/") != 0)
			continue;
		root_seen = true;
		assert_true(json_integer_value(json_object_get(fs, "size_bytes")) > 0);
		assert_true(json_integer_value(json_object_get(fs, "used_bytes")) >= 0);
		double pct = json_real_value(json_object_get(fs, "used_percent"));
		assert_true(json_is_real(json_object_get(fs, "used_percent")) && pct >= 0.0 && pct <= 100.0);
	}
	assert_true(root_seen);
	json_decref(v);
	json_decref(warnings);

	v = collect(inv_accounts, "/", true, &warnings);
	assert_int_equal(json_integer_value(json_object_get(by_name(json_object_get(v, "users"), "root"), "uid")), 0);
	assert_true(json_is_array(json_object_get(v, "admins")));
	json_decref(v);
	json_decref(warnings);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_system_debian12),
	    cmocka_unit_test(test_system_ubuntu2204),
	    cmocka_unit_test(test_system_broken),
	    cmocka_unit_test(test_system_fallbacks),
	    cmocka_unit_test(test_system_os_release_garbage),
	    cmocka_unit_test(test_os_release_parse),
	    cmocka_unit_test(test_hardware_debian12),
	    cmocka_unit_test(test_hardware_ubuntu2204),
	    cmocka_unit_test(test_hardware_broken),
	    cmocka_unit_test(test_hardware_odd_tree),
	    cmocka_unit_test(test_filesystems_debian12),
	    cmocka_unit_test(test_filesystems_ubuntu2204),
	    cmocka_unit_test(test_filesystems_broken),
	    cmocka_unit_test(test_filesystems_missing),
	    cmocka_unit_test(test_accounts_debian12),
	    cmocka_unit_test(test_accounts_ubuntu2204),
	    cmocka_unit_test(test_accounts_broken),
	    cmocka_unit_test(test_accounts_tree),
	    cmocka_unit_test(test_passwd_parse),
	    cmocka_unit_test(test_group_parse),
	    cmocka_unit_test(test_sudoers_parse),
	    cmocka_unit_test(test_live),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
