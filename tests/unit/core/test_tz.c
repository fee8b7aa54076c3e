/*
 * Unit tests for core/tz: offsets checked against glibc (TZ set in this process only)
 * for real zones from 1970 to 2100, footer-only ("slim") data against glibc given the
 * same POSIX TZ string, local-to-UTC at DST changes, and malformed files and names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/err.h"
#include "core/tz.h"

#define T1970 INT64_C(0)
#define T2100 INT64_C(4102444800)

static uint64_t rng_state = 0x2545f4914f6cdd1dULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* glibc's offset at t for the zone or POSIX TZ string tzname. */
static long glibc_offset(int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	assert_non_null(localtime_r(&tt, &tm));
	return tm.tm_gmtoff;
}

static void glibc_zone(const char *tzname)
{
	assert_int_equal(setenv("TZ", tzname, 1), 0);
	tzset();
}

/* Compares z with glibc over [from, to): at random instants (a few days apart) and on
 * either side of every change tz_next_change reports, which must be all of glibc's.
 * Returns the number of changes. */
static size_t compare_with_glibc(const struct tz *z, const char *name, int64_t from, int64_t to)
{
	size_t changes = 0;
	for (int64_t t = from; t < to; t += 1 + (int64_t)(rng() % (5 * 86400))) {
		long want = glibc_offset(t);
		if (tz_offset(z, t) != want)
			fail_msg("%s at %lld: offset %d, glibc %ld", name, (long long)t, tz_offset(z, t), want);
	}
	for (int64_t t = from;;) {
		int64_t c = tz_next_change(z, t);
		assert_true(c > t);
		/* glibc agrees nothing changed in between: probe a few instants. */
		int64_t span = (c > to ? to : c) - t;
		for (int i = 0; i < 4 && span > 1; i++) {
			int64_t p = t + (int64_t)(rng() % (uint64_t)span);
			if (glibc_offset(p) != tz_offset(z, t))
				fail_msg("%s: glibc changes offset at %lld, before our next change %lld", name,
					 (long long)p, (long long)c);
		}
		if (c >= to)
			break;
		if (glibc_offset(c - 1) != tz_offset(z, c - 1) || glibc_offset(c) != tz_offset(z, c) ||
		    tz_offset(z, c - 1) == tz_offset(z, c))
			fail_msg("%s: change at %lld: ours %d -> %d, glibc %ld -> %ld", name, (long long)c,
				 tz_offset(z, c - 1), tz_offset(z, c), glibc_offset(c - 1), glibc_offset(c));
		changes++;
		t = c;
	}
	return changes;
}

static const struct {
	const char *name;
	size_t min_changes; /* 1970-2100: a DST zone has about two a year */
} zones[] = {
    {"Europe/Berlin", 230},
    {"America/New_York", 250},
    {"Australia/Lord_Howe", 230},
    {"Asia/Kolkata", 0},
    {"America/Sao_Paulo", 60},
    {"Pacific/Chatham", 240},
    {"Europe/Dublin", 250},
    {"America/Nuuk", 230},
    {"Africa/Casablanca", 150},
    {"Asia/Tehran", 60},
    {"UTC", 0},
};

static void test_zones_match_glibc(void **state)
{
	for (size_t i = 0; i < sizeof(zones) / sizeof(zones[0]); i++) {
		struct tz *z = NULL;
		if (tz_load(zones[i].name, &z) != 0)
			fail_msg("%s: %s", zones[i].name, err_msg(-EINVAL));
		glibc_zone(zones[i].name);
		size_t n = compare_with_glibc(z, zones[i].name, T1970, T2100);
		if (n < zones[i].min_changes)
			fail_msg("%s: only %zu changes from 1970 to 2100", zones[i].name, n);
		tz_free(z);
	}
}

static void test_known_offsets(void **state)
{
	struct tz *z;
	assert_int_equal(tz_load("Europe/Berlin", &z), 0);
	assert_int_equal(tz_offset(z, 1798200000), 3600);     /* 2026-12-25 */
	assert_int_equal(tz_offset(z, 1782000000), 7200);     /* 2026-06-21 */
	assert_int_equal(tz_offset(z, 1774746000 - 1), 3600); /* 2026-03-29 00:59:59Z */
	assert_int_equal(tz_offset(z, 1774746000), 7200);
	assert_int_equal(tz_next_change(z, 1774746000 - 86400), 1774746000);
	assert_int_equal(tz_offset(z, 4133894400), 3600); /* 2100-12-31, from the footer */
	assert_int_equal(tz_offset(z, 4151347200), 7200); /* 2101-07-21 */
	tz_free(z);
	assert_int_equal(tz_load("Asia/Kolkata", &z), 0);
	assert_int_equal(tz_offset(z, 1798200000), 19800);
	assert_int_equal(tz_next_change(z, 0), INT64_MAX);
	assert_int_equal(tz_offset(z, INT64_MAX), 19800);
	tz_free(z);
	assert_int_equal(tz_load("UTC", &z), 0); /* built in */
	assert_int_equal(tz_offset(z, INT64_MIN), 0);
	assert_int_equal(tz_offset(z, 1798200000), 0);
	assert_int_equal(tz_next_change(z, INT64_MIN), INT64_MAX);
	assert_int_equal(tz_local_to_utc(z, 1798200000), 1798200000);
	tz_free(z);
	assert_int_equal(tz_load("Australia/Lord_Howe", &z), 0);
	assert_int_equal(tz_offset(z, 1798200000), 39600); /* +11 in the southern summer */
	assert_int_equal(tz_offset(z, 1782000000), 37800); /* +10:30 */
	tz_free(z);
}

/* ---- building TZif data ---- */

struct tzif {
	int version; /* 1 to 4 */
	size_t n;    /* transitions */
	const int64_t *times;
	const uint8_t *idx;
	size_t ntypes;
	const int32_t *utoff;
	const char *footer; /* version 2+; "" for none */
};

static size_t put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
	return 4;
}

static size_t put_header(unsigned char *p, int version, uint32_t timecnt, uint32_t typecnt)
{
	memset(p, 0, 44);
	memcpy(p, "TZif", 4);
	p[4] = version == 1 ? 0 : (unsigned char)('0' + version);
	put32(p + 32, timecnt);
	put32(p + 36, typecnt);
	put32(p + 40, 4); /* charcnt: "ABC\0" */
	return 44;
}

static size_t put_block(unsigned char *p, const struct tzif *s, unsigned timesize)
{
	size_t o = 0;
	for (size_t i = 0; i < s->n; i++) {
		if (timesize == 8)
			o += put32(p + o, (uint32_t)((uint64_t)s->times[i] >> 32));
		o += put32(p + o, (uint32_t)s->times[i]);
	}
	for (size_t i = 0; i < s->n; i++)
		p[o++] = s->idx[i];
	for (size_t i = 0; i < s->ntypes; i++) {
		o += put32(p + o, (uint32_t)s->utoff[i]);
		p[o++] = 0;
		p[o++] = 0;
	}
	memcpy(p + o, "ABC", 4);
	return o + 4;
}

/* The data for s into out (big enough); returns its length. Version 2+ files get a
 * minimal version 1 block, as zic -b slim writes. */
static size_t tzif_build(const struct tzif *s, unsigned char *out)
{
	size_t o = 0;
	if (s->version == 1) {
		o += put_header(out, 1, (uint32_t)s->n, (uint32_t)s->ntypes);
		return o + put_block(out + o, s, 4);
	}
	static const int32_t zero = 0;
	struct tzif v1 = {.ntypes = 1, .utoff = &zero};
	o += put_header(out, s->version, 0, 1);
	o += put_block(out + o, &v1, 4);
	o += put_header(out + o, s->version, (uint32_t)s->n, (uint32_t)s->ntypes);
	o += put_block(out + o, s, 8);
	o += (size_t)snprintf((char *)out + o, 300, "\n%s\n", s->footer);
	return o;
}

/* A zone with no transitions, only a footer. */
static struct tz *footer_zone(const char *footer)
{
	static const int32_t utoff = 0;
	unsigned char buf[512];
	struct tzif s = {.version = 3, .ntypes = 1, .utoff = &utoff, .footer = footer};
	size_t len = tzif_build(&s, buf);
	struct tz *z = NULL;
	int r = tz_load_data(buf, len, &z);
	if (r != 0)
		fail_msg("footer '%s': %s", footer, err_msg(r));
	return z;
}

static void test_footers_match_glibc(void **state)
{
	static const struct {
		const char *tz;
		int32_t winter, summer; /* offsets on 15 January and 13 July 2030 */
	} cases[] = {
	    {"CET-1CEST,M3.5.0,M10.5.0/3", 3600, 7200},
	    {"EST5EDT,M3.2.0,M11.1.0", -18000, -14400},
	    {"XST5XDT", -18000, -14400}, /* no rule: the US one (glibc's differs: posixrules) */
	    {"<+0330>-3:30", 12600, 12600},
	    {"IST-5:30", 19800, 19800},
	    {"<+1030>-10:30<+11>-11,M10.1.0,M4.1.0", 39600, 37800},
	    {"<+1245>-12:45<+1345>,M9.5.0/2:45,M4.1.0/3:45", 49500, 45900},
	    {"IST-1GMT0,M10.5.0,M3.5.0/1", 0, 3600},		 /* Dublin: "daylight" time in winter */
	    {"<-02>2<-01>,M3.5.0/-1,M10.5.0/0", -7200, -3600},	 /* negative times: version 3 */
	    {"<-04>4<-03>,M9.1.6/24,M4.1.6/24", -10800, -14400}, /* Santiago: 24:00 */
	    {"XXX3YYY,J60/1,J300/23:30", -10800, -7200},	 /* Jn: 1 March, 27 October */
	    {"XXX-2YYY-3:15:30,59,299/167", 7200, 11730},	 /* n: zero-based, 29 February counts */
	    {"AAA+4BBB+3,M1.5.6/0:30,M12.1.0", -14400, -10800},
	    {"AAA3BBB,M2.5.0,M10.5.0/1", -10800, -7200}, /* 29 February 2032 is the last Sunday */
	    /* Daylight time all year (RFC 8536 3.3.1); glibc 2.36 has it go at the year's end. */
	    {"EST5EDT,0/0,J365/25", -14400, -14400},
	    {"UTC0", 0, 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tz *z = footer_zone(cases[i].tz);
		assert_int_equal(tz_offset(z, 1894665600), cases[i].winter); /* 2030-01-15 */
		assert_int_equal(tz_offset(z, 1910131200), cases[i].summer); /* 2030-07-13 */
		/* glibc applies a TZ rule from 1970 only; RFC 8536 applies a footer without
		 * transitions to every instant. */
		glibc_zone(cases[i].tz);
		if (strcmp(cases[i].tz, "XST5XDT") == 0) {
			assert_int_equal(tz_next_change(z, 1788000000), 1793512800); /* 2026-11-01 06:00Z */
		} else if (strstr(cases[i].tz, "J365/25")) {
			assert_int_equal(tz_next_change(z, INT64_MIN), INT64_MAX);
			for (int64_t t = 1861938000 - 7200; t < 1861938000 + 7200; t += 60) /* 2029-01-01 05:00Z */
				assert_int_equal(tz_offset(z, t), -14400);
		} else {
			compare_with_glibc(z, cases[i].tz, T1970 + 86400, T2100); /* 1970 local, for glibc */
		}
		assert_int_equal(tz_offset(z, -614476800), cases[i].summer); /* 1950-07-13 */
		tz_free(z);
	}
}

/* A slim file: the transitions of the real zone up to 2008 (when the rules in the footers
 * were all in force), then the footer. */
static void test_slim_matches_fat(void **state)
{
	static const struct {
		const char *name, *footer;
	} cases[] = {
	    {"Europe/Berlin", "CET-1CEST,M3.5.0,M10.5.0/3"},
	    {"America/New_York", "EST5EDT,M3.2.0,M11.1.0"},
	    {"Pacific/Chatham", "<+1245>-12:45<+1345>,M9.5.0/2:45,M4.1.0/3:45"},
	};
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct tz *fat, *slim;
		assert_int_equal(tz_load(cases[k].name, &fat), 0);
		int64_t times[400];
		uint8_t idx[400];
		int32_t utoff[32];
		size_t n = 0, ntypes = 0;
		utoff[ntypes++] = tz_offset(fat, INT64_MIN);
		for (int64_t t = INT64_MIN; n < 400;) {
			t = tz_next_change(fat, t);
			if (t >= 1199145600) /* 2008 */
				break;
			size_t j = 0;
			while (j < ntypes && utoff[j] != tz_offset(fat, t))
				j++;
			if (j == ntypes) {
				assert_true(ntypes < 32);
				utoff[ntypes++] = tz_offset(fat, t);
			}
			times[n] = t;
			idx[n++] = (uint8_t)j;
		}
		struct tzif s = {2, n, times, idx, ntypes, utoff, cases[k].footer};
		unsigned char *buf = malloc(8192);
		assert_non_null(buf);
		size_t len = tzif_build(&s, buf);
		assert_int_equal(tz_load_data(buf, len, &slim), 0);
		free(buf);
		for (int64_t t = -INT64_C(2208988800); t < T2100; t += 1 + (int64_t)(rng() % 86400))
			if (tz_offset(slim, t) != tz_offset(fat, t))
				fail_msg("%s slim at %lld: %d, fat %d", cases[k].name, (long long)t, tz_offset(slim, t),
					 tz_offset(fat, t));
		for (int64_t a = T1970, b = T1970; a < T2100; a = tz_next_change(fat, a), b = tz_next_change(slim, b))
			assert_int_equal(a, b);
		glibc_zone(cases[k].name);
		compare_with_glibc(slim, cases[k].name, T1970, T2100);
		tz_free(fat);
		tz_free(slim);
	}
}

static void test_version1(void **state)
{
	static const int64_t times[] = {-100000, 0, 1000000};
	static const uint8_t idx[] = {1, 0, 2};
	static const int32_t utoff[] = {3600, -7200, 19800};
	unsigned char buf[256];
	struct tzif s = {1, 3, times, idx, 3, utoff, NULL};
	size_t len = tzif_build(&s, buf);
	struct tz *z;
	assert_int_equal(tz_load_data(buf, len, &z), 0);
	assert_int_equal(tz_offset(z, -100001), 3600); /* before the first: type 0 */
	assert_int_equal(tz_offset(z, -100000), -7200);
	assert_int_equal(tz_offset(z, -1), -7200);
	assert_int_equal(tz_offset(z, 0), 3600);
	assert_int_equal(tz_offset(z, INT64_MAX), 19800); /* no footer: the last type */
	assert_int_equal(tz_next_change(z, INT64_MIN), -100000);
	assert_int_equal(tz_next_change(z, -100000), 0);
	assert_int_equal(tz_next_change(z, 999999), 1000000);
	assert_int_equal(tz_next_change(z, 1000000), INT64_MAX);
	tz_free(z);

	/* Version 4, and a transition that changes nothing but the type is passed over. */
	static const int32_t same[] = {3600, 3600, 7200};
	struct tzif s4 = {4, 3, times, idx, 3, same, "XXX-2"};
	len = tzif_build(&s4, buf);
	assert_int_equal(tz_load_data(buf, len, &z), 0);
	assert_int_equal(tz_next_change(z, INT64_MIN), 1000000);
	assert_int_equal(tz_offset(z, 999999), 3600);
	assert_int_equal(tz_offset(z, 1000000), 7200);
	assert_int_equal(tz_next_change(z, 1000000), INT64_MAX);
	tz_free(z);
	/* From the last transition on, the footer decides, even against that transition's type. */
	s4.footer = "CET-1";
	len = tzif_build(&s4, buf);
	assert_int_equal(tz_load_data(buf, len, &z), 0);
	assert_int_equal(tz_offset(z, 1000000), 3600);
	assert_int_equal(tz_next_change(z, INT64_MIN), INT64_MAX);
	tz_free(z);
}

static int64_t utc(int y, int mo, int d, int h, int mi)
{
	struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi};
	return (int64_t)timegm(&tm);
}

static void test_local_to_utc(void **state)
{
	struct tz *z;
	assert_int_equal(tz_load("Europe/Berlin", &z), 0);
	assert_int_equal(tz_local_to_utc(z, utc(2026, 1, 15, 12, 0)), utc(2026, 1, 15, 11, 0));
	assert_int_equal(tz_local_to_utc(z, utc(2026, 7, 15, 12, 0)), utc(2026, 7, 15, 10, 0));
	/* 29 March 2026: 02:00 CET becomes 03:00 CEST; the skipped times give the jump. */
	assert_int_equal(tz_local_to_utc(z, utc(2026, 3, 29, 1, 59)), utc(2026, 3, 29, 0, 59));
	assert_int_equal(tz_local_to_utc(z, utc(2026, 3, 29, 2, 0)), utc(2026, 3, 29, 1, 0));
	assert_int_equal(tz_local_to_utc(z, utc(2026, 3, 29, 2, 30)), utc(2026, 3, 29, 1, 0));
	assert_int_equal(tz_local_to_utc(z, utc(2026, 3, 29, 3, 0)), utc(2026, 3, 29, 1, 0));
	assert_int_equal(tz_local_to_utc(z, utc(2026, 3, 29, 3, 1)), utc(2026, 3, 29, 1, 1));
	/* 25 October 2026: 03:00 CEST becomes 02:00 CET; 02:30 happens twice, the first counts. */
	assert_int_equal(tz_local_to_utc(z, utc(2026, 10, 25, 2, 30)), utc(2026, 10, 25, 0, 30));
	assert_int_equal(tz_local_to_utc(z, utc(2026, 10, 25, 3, 0)), utc(2026, 10, 25, 2, 0));
	tz_free(z);

	assert_int_equal(tz_load("America/New_York", &z), 0);
	assert_int_equal(tz_local_to_utc(z, utc(2026, 3, 8, 2, 30)), utc(2026, 3, 8, 7, 0));
	assert_int_equal(tz_local_to_utc(z, utc(2026, 11, 1, 1, 30)), utc(2026, 11, 1, 5, 30));
	assert_int_equal(tz_local_to_utc(z, utc(2026, 11, 1, 2, 0)), utc(2026, 11, 1, 7, 0));
	tz_free(z);

	/* Lord Howe moves its clocks by half an hour. */
	assert_int_equal(tz_load("Australia/Lord_Howe", &z), 0);
	assert_int_equal(tz_local_to_utc(z, utc(2026, 4, 5, 1, 45)), utc(2026, 4, 4, 14, 45));
	assert_int_equal(tz_local_to_utc(z, utc(2026, 10, 4, 2, 15)), utc(2026, 10, 3, 15, 30));
	tz_free(z);
}

/* For every zone: local_to_utc is the first instant whose wall time reaches the local
 * time, and never decreases. */
static void test_local_to_utc_properties(void **state)
{
	for (size_t i = 0; i < sizeof(zones) / sizeof(zones[0]); i++) {
		struct tz *z;
		assert_int_equal(tz_load(zones[i].name, &z), 0);
		for (int k = 0; k < 20000; k++) {
			int64_t t = T1970 + (int64_t)(rng() % (uint64_t)(T2100 - T1970));
			if (k % 2) { /* near a change */
				t = tz_next_change(z, t);
				if (t == INT64_MAX)
					continue;
				t += (int64_t)(rng() % 7200) - 3600;
			}
			int64_t local = t + tz_offset(z, t);
			int64_t u = tz_local_to_utc(z, local);
			assert_true(u <= t);
			assert_int_equal(u + tz_offset(z, u), local);
			assert_true(u - 1 + tz_offset(z, u - 1) < local);
			int64_t u2 = tz_local_to_utc(z, local + 1 + (int64_t)(rng() % 5400));
			assert_true(u2 >= u);
		}
		tz_free(z);
	}
}

static void test_bad_names(void **state)
{
	static const struct {
		const char *name;
		int code;
		const char *msg;
	} cases[] = {
	    {"../../etc/passwd", -EINVAL, "'../../etc/passwd' is not a time zone name"},
	    {"Europe/../../../etc/passwd", -EINVAL, "is not a time zone name"},
	    {"/etc/localtime", -EINVAL, "'/etc/localtime' is not a time zone name"},
	    {"Europe/Berl in", -EINVAL, "'Europe/Berl in' is not a time zone name"},
	    {"Europe/Berlin\n", -EINVAL, "is not a time zone name"},
	    {"", -EINVAL, "'' is not a time zone name"},
	    {"Mars/Olympus_Mons", -ENOENT, "unknown time zone 'Mars/Olympus_Mons'"},
	    {"Europe/Berlin/x", -ENOENT, "unknown time zone 'Europe/Berlin/x'"},
	    {"Europe", -EINVAL, "'Europe' is a group of time zones"},
	    {"right/Europe/Berlin", -EINVAL, "leap seconds"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tz *z = (struct tz *)&cases; /* must stay untouched */
		err_clear();
		assert_int_equal(tz_load(cases[i].name, &z), cases[i].code);
		assert_ptr_equal(z, (struct tz *)&cases);
		if (!strstr(err_msg(cases[i].code), cases[i].msg))
			fail_msg("'%s': message '%s' lacks '%s'", cases[i].name, err_msg(cases[i].code), cases[i].msg);
	}
	char longname[TZ_NAME_MAX + 2];
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	struct tz *z = NULL;
	assert_int_equal(tz_load(longname, &z), -EINVAL);
	assert_null(z);
	tz_free(NULL);
}

static void expect_bad(const unsigned char *buf, size_t len, int code, const char *msg)
{
	struct tz *z = NULL;
	err_clear();
	assert_int_equal(tz_load_data(buf, len, &z), code);
	assert_null(z);
	if (!strstr(err_msg(code), msg))
		fail_msg("message '%s' lacks '%s'", err_msg(code), msg);
}

static void test_bad_data(void **state)
{
	static const int64_t times[] = {0, 1000};
	static const uint8_t idx[] = {0, 1};
	static const int32_t utoff[] = {3600, 7200};
	unsigned char buf[512], bad[512];
	struct tzif s = {2, 2, times, idx, 2, utoff, "CET-1CEST,M3.5.0,M10.5.0/3"};
	size_t len = tzif_build(&s, buf);
	struct tz *z;
	assert_int_equal(tz_load_data(buf, len, &z), 0);
	tz_free(z);
	size_t v2 = 44 + 10; /* the second header: after the minimal version 1 block */
	size_t data = v2 + 44, types = data + 2 * 8 + 2;

	expect_bad((const unsigned char *)"", 0, -EINVAL, "not a TZif file");
	expect_bad((const unsigned char *)"TZif2", 5, -EINVAL, "not a TZif file");
	memcpy(bad, buf, len);
	bad[0] = 'X';
	expect_bad(bad, len, -EINVAL, "not a TZif file");
	memcpy(bad, buf, len);
	bad[4] = '5';
	expect_bad(bad, len, -EINVAL, "TZif version 53 is not supported");
	memcpy(bad, buf, len);
	bad[v2 + 4] = '3';
	expect_bad(bad, len, -EINVAL, "headers disagree");
	for (size_t cut = 1; cut < len; cut++) /* every truncation fails cleanly */
		expect_bad(buf, cut, -EINVAL, "TZif");
	expect_bad(buf, len - 1, -EINVAL, "footer is missing");
	memcpy(bad, buf, len);
	put32(bad + v2 + 32, 0x10000000); /* timecnt */
	expect_bad(bad, len, -EINVAL, "truncated");
	memcpy(bad, buf, len);
	put32(bad + 32, 0xffffffff); /* timecnt of the version 1 block */
	expect_bad(bad, len, -EINVAL, "truncated");
	memcpy(bad, buf, len);
	put32(bad + v2 + 36, 0); /* typecnt */
	expect_bad(bad, len, -EINVAL, "0 time types");
	memcpy(bad, buf, len);
	put32(bad + v2 + 28, 1); /* leapcnt */
	expect_bad(bad, len, -EINVAL, "leap seconds");
	memcpy(bad, buf, len);
	put32(bad + v2 + 24, 1); /* isstdcnt != typecnt */
	expect_bad(bad, len, -EINVAL, "indicator counts");
	memcpy(bad, buf, len);
	put32(bad + data + 8, 0); /* the second transition at the first's time */
	put32(bad + data + 12, 0);
	expect_bad(bad, len, -EINVAL, "transition 1 is not after");
	memcpy(bad, buf, len);
	bad[data + 17] = 2; /* type index */
	expect_bad(bad, len, -EINVAL, "transition 1 names time type 2 of 2");
	memcpy(bad, buf, len);
	put32(bad + types + 6, 100000); /* utoff over 25:59:59 */
	expect_bad(bad, len, -EINVAL, "time type 1 is malformed");
	memcpy(bad, buf, len);
	bad[types + 4] = 2; /* isdst */
	expect_bad(bad, len, -EINVAL, "time type 0 is malformed");
	memcpy(bad, buf, len);
	bad[types + 5] = 4; /* abbreviation index past charcnt */
	expect_bad(bad, len, -EINVAL, "time type 0 is malformed");

	static const char *const footers[] = {
	    "CET-1CEST,M3.5.0",
	    "CET-1CEST,M3.5.0,M10.5.0/3x",
	    "CE-1",
	    "CET",
	    "CET-25",
	    "CET-1CEST,M13.5.0,M10.5.0",
	    "CET-1CEST,M3.6.0,M10.5.0",
	    "CET-1CEST,M3.5.7,M10.5.0",
	    "CET-1CEST,J0,J100",
	    "CET-1CEST,366,100",
	    "CET-1CEST,M3.5.0/168,M10.5.0",
	    "<+03-3",
	    "<+3>-3",
	    ":Europe/Berlin",
	    "CET-1:60",
	    "CET-1CEST,M3.5.0,M10.5.0/3:00:60",
	};
	for (size_t i = 0; i < sizeof(footers) / sizeof(footers[0]); i++) {
		s.footer = footers[i];
		len = tzif_build(&s, bad);
		char msg[128];
		snprintf(msg, sizeof(msg), "TZ string '%s' in the footer is malformed", footers[i]);
		expect_bad(bad, len, -EINVAL, msg);
	}

	/* An empty footer is allowed: the last type then holds for ever. */
	s.footer = "";
	len = tzif_build(&s, bad);
	assert_int_equal(tz_load_data(bad, len, &z), 0);
	assert_int_equal(tz_offset(z, INT64_MAX), 7200);
	assert_int_equal(tz_next_change(z, 1000), INT64_MAX);
	tz_free(z);

	unsigned char *big = calloc(1, TZ_FILE_MAX + 1);
	assert_non_null(big);
	memcpy(big, buf, len);
	expect_bad(big, TZ_FILE_MAX + 1, -E2BIG, "larger than");
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_zones_match_glibc),
	    cmocka_unit_test(test_known_offsets),
	    cmocka_unit_test(test_footers_match_glibc),
	    cmocka_unit_test(test_slim_matches_fat),
	    cmocka_unit_test(test_version1),
	    cmocka_unit_test(test_local_to_utc),
	    cmocka_unit_test(test_local_to_utc_properties),
	    cmocka_unit_test(test_bad_names),
	    cmocka_unit_test(test_bad_data),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
