/*
 * tz.c: see tz.h. A TZif file gives a table of transitions; after the last one its
 * footer, a POSIX TZ string ("CET-1CEST,M3.5.0,M10.5.0/3"), gives the rule.
 */
#include "core/tz.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/fs.h"

#define TZ_HEADER_LEN 44
#define TZ_UTOFF_MIN (-89999) /* -24:59:59, RFC 8536 section 3.2 */
#define TZ_UTOFF_MAX 93599    /* +25:59:59 */
#define TZ_RULE_HOURS_MAX 167 /* transition times in a footer rule: -167 to 167 hours (version 3) */
#define TZ_FOOTER_SHOW 64     /* bytes of a bad footer quoted in a message */

/* One date of a POSIX TZ rule: Jn (1-365, no 29 February), n (0-365) or Mm.w.d. */
struct tz_rule_date {
	char kind;    /* 'J', 'D' (the zero-based n form) or 'M' */
	int day;      /* J: 1..365; D: 0..365 */
	int month;    /* M: 1..12 */
	int week;     /* M: 1..5, 5 meaning the last */
	int wday;     /* M: 0 (Sunday) to 6 */
	int32_t secs; /* local time of day of the change, -167 to 167 hours */
};

/* The footer's rule: standard time, and daylight time between start and end. */
struct tz_rule {
	bool dst;		   /* false: standard time all year */
	int32_t std_off;	   /* UTC offset of standard time, seconds east */
	int32_t dst_off;	   /* UTC offset of daylight time */
	struct tz_rule_date start; /* daylight time starts, in standard local time */
	struct tz_rule_date end;   /* and ends, in daylight local time */
};

struct tz_type {
	int32_t utoff; /* seconds east of UTC */
	bool isdst;
};

struct tz {
	size_t ntrans;	     /* transitions, strictly ascending */
	int64_t *trans;	     /* their Unix times */
	uint8_t *trans_type; /* the index into types of the time from each on */
	size_t ntypes;	     /* 1..256 */
	struct tz_type *types;
	bool has_rule; /* a non-empty footer: it governs after the last transition */
	struct tz_rule rule;
};

/* ---- calendar arithmetic (proleptic Gregorian, days since 1970-01-01) ---- */

static int64_t tz_floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static bool tz_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int64_t tz_days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = tz_floor_div(y, 400);
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int64_t tz_year_of_days(int64_t z)
{
	z += 719468;
	int64_t era = tz_floor_div(z, 146097);
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	return yoe + era * 400 + (mp >= 10); /* March-based years: January and February belong to the next */
}

static int tz_month_days(int64_t y, int m)
{
	static const int len[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && tz_leap(y) ? 29 : len[m - 1];
}

/* The local time (seconds since 1970-01-01 00:00 local) of a rule date in year y. */
static int64_t tz_rule_local(const struct tz_rule_date *r, int64_t y)
{
	int64_t jan1 = tz_days_from_civil(y, 1, 1), day;
	switch (r->kind) {
	case 'J': day = jan1 + r->day - 1 + (tz_leap(y) && r->day >= 60); break;
	case 'D': day = jan1 + r->day; break;
	default: {
		int64_t first = tz_days_from_civil(y, r->month, 1);
		int wday_first = (int)(((first + 4) % 7 + 7) % 7); /* 1970-01-01 was a Thursday */
		int dd = (r->wday - wday_first + 7) % 7 + 7 * (r->week - 1);
		while (dd >= tz_month_days(y, r->month))
			dd -= 7;
		day = first + dd;
		break;
	}
	}
	return day * 86400 + r->secs;
}

/* ---- the footer rule ---- */

struct tz_change {
	int64_t at;  /* Unix time */
	bool to_dst; /* daylight time from then on */
};

/* The rule's changes in years y0..y1 (at most 8 years), sorted by time; on equal times
 * they stay in the rule's order, so the later one wins. Returns how many. */
static size_t tz_rule_changes(const struct tz_rule *r, int64_t y0, int64_t y1, struct tz_change *out)
{
	size_t n = 0;
	for (int64_t y = y0; y <= y1; y++) {
		out[n++] = (struct tz_change){tz_rule_local(&r->start, y) - r->std_off, true};
		out[n++] = (struct tz_change){tz_rule_local(&r->end, y) - r->dst_off, false};
	}
	for (size_t i = 1; i < n; i++) /* insertion sort: stable, and n is small */
		for (size_t j = i; j > 0 && out[j - 1].at > out[j].at; j--) {
			struct tz_change c = out[j];
			out[j] = out[j - 1];
			out[j - 1] = c;
		}
	return n;
}

static int64_t tz_rule_year(const struct tz_rule *r, int64_t t)
{
	return tz_year_of_days(tz_floor_div(t + r->std_off, 86400));
}

static int32_t tz_rule_offset(const struct tz_rule *r, int64_t t)
{
	if (!r->dst)
		return r->std_off;
	struct tz_change c[8];
	int64_t y = tz_rule_year(r, t);
	/* A year's changes lie within about a week of it (times up to 167 hours), so the
	 * last change at or before t is among those of y-2..y+1. */
	size_t n = tz_rule_changes(r, y - 2, y + 1, c);
	bool dst = false;
	for (size_t i = 0; i < n && c[i].at <= t; i++)
		dst = c[i].to_dst;
	return dst ? r->dst_off : r->std_off;
}

/* The first rule change after t that alters the offset from cur, or INT64_MAX. */
static int64_t tz_rule_next(const struct tz_rule *r, int64_t t, int32_t cur)
{
	if (!r->dst || r->std_off == r->dst_off)
		return INT64_MAX;
	struct tz_change c[12];
	int64_t y = tz_rule_year(r, t);
	size_t n = tz_rule_changes(r, y - 2, y + 3, c);
	/* The offset can change only at these instants; which offset follows one is
	 * tz_rule_offset's to say (of changes at one instant, the last decides, and the
	 * one that would follow the last here is not in this list). */
	for (size_t i = 0; i < n; i++)
		if (c[i].at > t && (i == 0 || c[i].at != c[i - 1].at) && tz_rule_offset(r, c[i].at) != cur)
			return c[i].at;
	/* Two years of the rule without a change of offset: daylight time all year. */
	return INT64_MAX;
}

/* ---- parsing the footer, a POSIX TZ string with the RFC 8536 extensions ---- */

struct tz_scan {
	const char *p, *end;
};

static bool tz_scan_digits(struct tz_scan *s, int most, int max, int *ret)
{
	int v = 0, n = 0;
	while (s->p < s->end && *s->p >= '0' && *s->p <= '9' && n < most) {
		v = v * 10 + (*s->p++ - '0');
		n++;
	}
	if (n == 0 || v > max)
		return false;
	*ret = v;
	return true;
}

static bool tz_scan_char(struct tz_scan *s, char c)
{
	if (s->p < s->end && *s->p == c) {
		s->p++;
		return true;
	}
	return false;
}

/* A zone abbreviation: three or more letters, or <...> with letters, digits, + and -. */
static bool tz_scan_name(struct tz_scan *s)
{
	size_t n = 0;
	if (tz_scan_char(s, '<')) {
		while (s->p < s->end && ((*s->p >= 'A' && *s->p <= 'Z') || (*s->p >= 'a' && *s->p <= 'z') ||
					 (*s->p >= '0' && *s->p <= '9') || *s->p == '+' || *s->p == '-')) {
			s->p++;
			n++;
		}
		return n >= 3 && tz_scan_char(s, '>');
	}
	while (s->p < s->end && ((*s->p >= 'A' && *s->p <= 'Z') || (*s->p >= 'a' && *s->p <= 'z'))) {
		s->p++;
		n++;
	}
	return n >= 3;
}

/* [+-]hh[:mm[:ss]] with hh at most max_hours, into seconds (negative for '-'). */
static bool tz_scan_time(struct tz_scan *s, int max_hours, int32_t *ret)
{
	int sign = 1, h, m = 0, sec = 0;
	if (tz_scan_char(s, '-'))
		sign = -1;
	else
		tz_scan_char(s, '+');
	if (!tz_scan_digits(s, 3, max_hours, &h))
		return false;
	if (tz_scan_char(s, ':')) {
		if (!tz_scan_digits(s, 2, 59, &m))
			return false;
		if (tz_scan_char(s, ':') && !tz_scan_digits(s, 2, 59, &sec))
			return false;
	}
	*ret = sign * (h * 3600 + m * 60 + sec);
	return true;
}

static bool tz_scan_date(struct tz_scan *s, struct tz_rule_date *d)
{
	memset(d, 0, sizeof(*d));
	if (tz_scan_char(s, 'J')) {
		d->kind = 'J';
		if (!tz_scan_digits(s, 3, 365, &d->day) || d->day < 1)
			return false;
	} else if (tz_scan_char(s, 'M')) {
		d->kind = 'M';
		if (!tz_scan_digits(s, 2, 12, &d->month) || d->month < 1 || !tz_scan_char(s, '.') ||
		    !tz_scan_digits(s, 1, 5, &d->week) || d->week < 1 || !tz_scan_char(s, '.') ||
		    !tz_scan_digits(s, 1, 6, &d->wday))
			return false;
	} else {
		d->kind = 'D';
		if (!tz_scan_digits(s, 3, 365, &d->day))
			return false;
	}
	d->secs = 2 * 3600;
	if (tz_scan_char(s, '/'))
		return tz_scan_time(s, TZ_RULE_HOURS_MAX, &d->secs);
	return true;
}

static int tz_parse_footer(const char *text, size_t len, struct tz_rule *r)
{
	struct tz_scan s = {text, text + len};
	int32_t off;
	memset(r, 0, sizeof(*r));
	if (!tz_scan_name(&s) || !tz_scan_time(&s, 24, &off))
		goto bad;
	r->std_off = -off; /* POSIX counts hours west of Greenwich */
	if (s.p == s.end)
		return 0;
	r->dst = true;
	if (!tz_scan_name(&s))
		goto bad;
	r->dst_off = r->std_off + 3600;
	if (s.p < s.end && *s.p != ',') {
		if (!tz_scan_time(&s, 24, &off))
			goto bad;
		r->dst_off = -off;
	}
	if (tz_scan_char(&s, ',')) {
		if (!tz_scan_date(&s, &r->start) || !tz_scan_char(&s, ',') || !tz_scan_date(&s, &r->end))
			goto bad;
	} else {
		/* No rule: the United States' since 2007, as glibc assumes. */
		r->start = (struct tz_rule_date){.kind = 'M', .month = 3, .week = 2, .wday = 0, .secs = 7200};
		r->end = (struct tz_rule_date){.kind = 'M', .month = 11, .week = 1, .wday = 0, .secs = 7200};
	}
	if (s.p != s.end || r->dst_off < TZ_UTOFF_MIN || r->dst_off > TZ_UTOFF_MAX)
		goto bad;
	return 0;
bad:
	return err_set(-EINVAL, "TZ string '%.*s' in the footer is malformed",
		       (int)(len > TZ_FOOTER_SHOW ? TZ_FOOTER_SHOW : len), text);
}

/* ---- the TZif file ---- */

static uint32_t tz_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t tz_be64(const unsigned char *p)
{
	return (uint64_t)tz_be32(p) << 32 | tz_be32(p + 4);
}

struct tz_header {
	char version; /* 0 for version 1, else '2', '3' or '4' */
	uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
};

static int tz_parse_header(const unsigned char *p, size_t len, struct tz_header *h)
{
	if (len < TZ_HEADER_LEN || memcmp(p, "TZif", 4) != 0)
		return err_set(-EINVAL, "not a TZif file (no TZif header)");
	h->version = (char)p[4];
	if (h->version != 0 && (h->version < '2' || h->version > '4'))
		return err_set(-EINVAL, "TZif version %u is not supported (1 to 4 are)", (unsigned)p[4]);
	h->isutcnt = tz_be32(p + 20);
	h->isstdcnt = tz_be32(p + 24);
	h->leapcnt = tz_be32(p + 28);
	h->timecnt = tz_be32(p + 32);
	h->typecnt = tz_be32(p + 36);
	h->charcnt = tz_be32(p + 40);
	return 0;
}

/* Bytes of the data block after a header, for 4- or 8-byte times; 64-bit sums of 32-bit
 * counts cannot overflow. */
static uint64_t tz_block_len(const struct tz_header *h, unsigned timesize)
{
	return (uint64_t)h->timecnt * (timesize + 1) + (uint64_t)h->typecnt * 6 + h->charcnt +
	       (uint64_t)h->leapcnt * (timesize + 4) + h->isstdcnt + h->isutcnt;
}

static int tz_parse_block(const struct tz_header *h, const unsigned char *p, unsigned timesize, struct tz **ret)
{
	if (h->typecnt == 0 || h->typecnt > 256)
		return err_set(-EINVAL, "TZif file has %u time types (1 to 256 are allowed)", h->typecnt);
	if (h->charcnt == 0)
		return err_set(-EINVAL, "TZif file has no time zone abbreviations");
	if ((h->isstdcnt != 0 && h->isstdcnt != h->typecnt) || (h->isutcnt != 0 && h->isutcnt != h->typecnt))
		return err_set(-EINVAL, "TZif file's standard/UT indicator counts do not match its %u types",
			       h->typecnt);
	if (h->leapcnt != 0)
		return err_set(-EINVAL, "TZif file has leap seconds (a \"right/\" zone), which are not supported");

	/* One allocation: the struct, then the transition times, types and type indices. */
	size_t size = sizeof(struct tz) + (size_t)h->timecnt * sizeof(int64_t) +
		      (size_t)h->typecnt * sizeof(struct tz_type) + h->timecnt;
	struct tz *z = calloc(1, size);
	if (!z)
		return -ENOMEM;
	z->ntrans = h->timecnt;
	z->trans = (int64_t *)(z + 1);
	z->types = (struct tz_type *)(z->trans + z->ntrans);
	z->trans_type = (uint8_t *)(z->types + h->typecnt);
	z->ntypes = h->typecnt;

	const unsigned char *idx = p + (size_t)h->timecnt * timesize;
	const unsigned char *types = idx + h->timecnt;
	const unsigned char *isstd = types + (size_t)h->typecnt * 6 + h->charcnt;
	const unsigned char *isut = isstd + h->isstdcnt;
	int r = 0;
	for (size_t i = 0; i < z->ntrans; i++) {
		const unsigned char *q = p + i * timesize;
		z->trans[i] = timesize == 8 ? (int64_t)tz_be64(q) : (int64_t)(int32_t)tz_be32(q);
		if (i > 0 && z->trans[i] <= z->trans[i - 1]) {
			r = err_set(-EINVAL, "TZif transition %zu is not after the one before it", i);
			goto out;
		}
		if (idx[i] >= h->typecnt) {
			r = err_set(-EINVAL, "TZif transition %zu names time type %u of %u", i, idx[i], h->typecnt);
			goto out;
		}
		z->trans_type[i] = idx[i];
	}
	for (size_t i = 0; i < z->ntypes; i++) {
		const unsigned char *q = types + i * 6;
		int32_t utoff = (int32_t)tz_be32(q);
		if (utoff < TZ_UTOFF_MIN || utoff > TZ_UTOFF_MAX || q[4] > 1 || q[5] >= h->charcnt) {
			r = err_set(-EINVAL, "TZif time type %zu is malformed", i);
			goto out;
		}
		z->types[i] = (struct tz_type){utoff, q[4] == 1};
	}
	for (size_t i = 0; i < h->isstdcnt; i++)
		if (isstd[i] > 1 || (i < h->isutcnt && isut[i] > isstd[i])) {
			r = err_set(-EINVAL, "TZif standard/wall indicator %zu is malformed", i);
			goto out;
		}
	for (size_t i = 0; i < h->isutcnt; i++)
		if (isut[i] > 1) {
			r = err_set(-EINVAL, "TZif UT/local indicator %zu is malformed", i);
			goto out;
		}
	*ret = z;
	z = NULL;
out:
	free(z);
	return r;
}

int tz_load_data(const void *data, size_t len, struct tz **ret)
{
	const unsigned char *p = data;
	struct tz_header h;
	struct tz *z = NULL;
	int r;
	if (len > TZ_FILE_MAX)
		return err_set(-E2BIG, "TZif file is larger than %d bytes", TZ_FILE_MAX);
	r = tz_parse_header(p, len, &h);
	if (r < 0)
		return r;
	uint64_t block = tz_block_len(&h, 4);
	if (block > len - TZ_HEADER_LEN)
		return err_set(-EINVAL, "TZif file is truncated (its counts need %llu bytes of data, it has %zu)",
			       (unsigned long long)block, len - TZ_HEADER_LEN);
	if (h.version == 0)
		return tz_parse_block(&h, p + TZ_HEADER_LEN, 4, ret);

	/* Version 2 and later: skip the 32-bit data for the second header and 64-bit data. */
	size_t off = TZ_HEADER_LEN + (size_t)block;
	struct tz_header h2;
	r = tz_parse_header(p + off, len - off, &h2);
	if (r < 0)
		return err_set(r, "second header: %s", err_msg(r));
	if (h2.version != h.version)
		return err_set(-EINVAL, "TZif headers disagree on the version");
	off += TZ_HEADER_LEN;
	block = tz_block_len(&h2, 8);
	if (block > len - off)
		return err_set(-EINVAL,
			       "TZif file is truncated (its counts need %llu bytes of 64-bit data, it has %zu)",
			       (unsigned long long)block, len - off);
	r = tz_parse_block(&h2, p + off, 8, &z);
	if (r < 0)
		return r;
	off += (size_t)block;

	/* The footer: a newline, a POSIX TZ string (maybe empty), a newline. */
	const char *foot = NULL, *nl = NULL;
	if (off < len && p[off] == '\n') {
		foot = (const char *)p + off + 1;
		nl = memchr(foot, '\n', len - off - 1);
	}
	if (!nl) {
		r = err_set(-EINVAL, "TZif footer is missing or not ended by a newline");
		goto out;
	}
	if (nl > foot) {
		r = tz_parse_footer(foot, (size_t)(nl - foot), &z->rule);
		if (r < 0)
			goto out;
		z->has_rule = true;
	}
	*ret = z;
	z = NULL;
out:
	tz_free(z);
	return r;
}

/* What zic writes for UTC: no transitions, one type, the footer "UTC0". */
/* clang-format off */
static const char tz_utc[] =
	"TZif2" "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"				/* magic, version, unused */
	"\0\0\0\0" "\0\0\0\0" "\0\0\0\0" "\0\0\0\0" "\0\0\0\1" "\0\0\0\4"	/* counts: 1 type, 4 chars */
	"\0\0\0\0\0\0" "UTC\0"						/* the type, its abbreviation */
	"TZif2" "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"				/* the same for 64-bit data */
	"\0\0\0\0" "\0\0\0\0" "\0\0\0\0" "\0\0\0\0" "\0\0\0\1" "\0\0\0\4"
	"\0\0\0\0\0\0" "UTC\0"
	"\nUTC0\n";								/* the footer */
/* clang-format on */

static bool tz_name_ok(const char *name)
{
	size_t len = strlen(name);
	if (len == 0 || len > TZ_NAME_MAX || name[0] == '/' || strstr(name, ".."))
		return false;
	for (const char *c = name; *c; c++)
		if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_' ||
		      *c == '+' || *c == '-' || *c == '/'))
			return false;
	return true;
}

int tz_load(const char *name, struct tz **ret)
{
	char path[sizeof(TZ_DIR) + TZ_NAME_MAX + 1];
	char *data = NULL;
	size_t len;
	int r;
	if (!tz_name_ok(name))
		return err_set(-EINVAL, "'%.*s' is not a time zone name (use e.g. Europe/Berlin)", TZ_NAME_MAX, name);
	r = fs_join(path, sizeof(path), TZ_DIR, name);
	if (r < 0)
		return err_set(r, "'%s' is not a time zone name (too long)", name);
	/* Built in, so that it works without tzdata installed. */
	if (strcmp(name, "UTC") == 0)
		return tz_load_data(tz_utc, sizeof(tz_utc) - 1, ret);
	r = fs_read_file(path, TZ_FILE_MAX, &data, &len);
	if (r == -ENOENT || r == -ENOTDIR)
		r = err_set(-ENOENT, "unknown time zone '%s' (no %s)", name, path);
	else if (r == -EISDIR)
		r = err_set(-EINVAL, "'%s' is a group of time zones, not one (use e.g. Europe/Berlin)", name);
	else if (r == 0) {
		r = tz_load_data(data, len, ret);
		if (r < 0)
			r = err_set(r, "cannot load time zone '%s': %s", name, err_msg(r));
	} else {
		r = err_set(r, "cannot load time zone '%s': %s", name, err_msg(r));
	}
	free(data);
	return r;
}

void tz_free(struct tz *z)
{
	free(z);
}

static int64_t tz_clamp(int64_t t)
{
	return t < TZ_TIME_MIN ? TZ_TIME_MIN : t > TZ_TIME_MAX ? TZ_TIME_MAX : t;
}

/* The index of the last transition at or before t, or -1 when t is before the first. */
static ptrdiff_t tz_find(const struct tz *z, int64_t t)
{
	size_t lo = 0, hi = z->ntrans; /* the first transition after t is in [lo, hi] */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (z->trans[mid] <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (ptrdiff_t)lo - 1;
}

int32_t tz_offset(const struct tz *z, int64_t t)
{
	t = tz_clamp(t);
	if (z->ntrans == 0)
		return z->has_rule ? tz_rule_offset(&z->rule, t) : z->types[0].utoff;
	ptrdiff_t i = tz_find(z, t);
	if (i < 0)
		return z->types[0].utoff;
	if ((size_t)i == z->ntrans - 1 && z->has_rule)
		return tz_rule_offset(&z->rule, t);
	return z->types[z->trans_type[i]].utoff;
}

int64_t tz_next_change(const struct tz *z, int64_t t)
{
	t = tz_clamp(t);
	int32_t cur = tz_offset(z, t);
	int64_t from = t, next;
	if (z->ntrans > 0) {
		/* Transitions that change only the abbreviation or the DST flag are passed over. */
		for (size_t i = (size_t)(tz_find(z, t) + 1); i < z->ntrans; i++) {
			if (z->trans[i] > TZ_TIME_MAX)
				return INT64_MAX;
			if (tz_offset(z, z->trans[i]) != cur)
				return z->trans[i];
		}
		if (z->trans[z->ntrans - 1] > from)
			from = z->trans[z->ntrans - 1];
	}
	if (!z->has_rule)
		return INT64_MAX;
	next = tz_rule_next(&z->rule, from, cur);
	return next > TZ_TIME_MAX ? INT64_MAX : next;
}

int64_t tz_local_to_utc(const struct tz *z, int64_t local_seconds)
{
	int64_t local = tz_clamp(local_seconds);
	/* Offsets stay within [TZ_UTOFF_MIN, TZ_UTOFF_MAX], so the answer is in this window:
	 * walk its stretches of constant offset in order. */
	int64_t a = local - TZ_UTOFF_MAX - 1;
	for (;;) {
		int32_t o = tz_offset(z, a);
		if (a + o >= local) /* the clock jumped over local_seconds at a */
			return a;
		int64_t b = tz_next_change(z, a);
		if (b == INT64_MAX || local < b + o) /* the clock reads local_seconds in [a, b) */
			return local - o;
		a = b;
	}
}
