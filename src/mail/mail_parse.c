/*
 * mail_parse.c: one incoming RFC 5322 message to a struct mail_message, with GMime 3
 * for MIME and our own code for what GMime leaves to the caller: charsets to valid
 * UTF-8, HTML to text, the body and attachment choice, robot detection and the limits.
 */
#include "mail/mail_parse.h"

#include <dlfcn.h>
#include <errno.h>
#include <iconv.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gmime/gmime.h>

#include "core/err.h"

/*
 * GMime is opened on first use (gm_load), not linked: with GLib, GObject and GIO it adds
 * about 3.5 MB of resident memory to every process that links it, and only the help
 * desk's mail intake needs it. Every GMime and GLib function this file calls is in this
 * table, including the ones GMime's and GLib's macros would call (GMIME_IS_PART and
 * friends expand to g_type_check_instance_is_a, casts to g_type_check_instance_cast):
 * the file uses none of those macros, tests types with gm_is() and casts plainly. The
 * build checks it: nothing links GMime, so a direct call would not link.
 * WARD_GMIME_SONAME comes from the build (meson.build reads it off the library); GLib's
 * functions are found through the GMime handle, whose dependencies dlsym searches.
 */
/* clang-format off */
#define GM_CALLS(X)                                                                                                  \
	X(g_mime_init) X(g_mime_parser_options_new) X(g_mime_parser_options_set_fallback_charsets)                   \
	X(g_mime_parser_options_set_rfc2047_compliance_mode) X(g_mime_parser_options_set_parameter_compliance_mode)  \
	X(g_mime_parser_options_set_address_compliance_mode) X(g_mime_stream_mem_new)                                \
	X(g_mime_stream_mem_new_with_buffer) X(g_mime_stream_mem_get_byte_array) X(g_mime_parser_new_with_stream)    \
	X(g_mime_parser_construct_message) X(g_mime_message_get_from) X(g_mime_message_get_subject)                  \
	X(g_mime_message_get_date) X(g_mime_message_get_message_id) X(g_mime_message_get_mime_part)                  \
	X(g_mime_object_get_header) X(g_mime_object_get_content_type) X(g_mime_object_get_disposition)               \
	X(g_mime_object_get_content_disposition_parameter) X(g_mime_object_get_content_type_parameter)               \
	X(g_mime_object_write_to_stream) X(g_mime_content_type_get_media_type)                                       \
	X(g_mime_content_type_get_media_subtype) X(g_mime_multipart_get_count) X(g_mime_multipart_get_part)          \
	X(g_mime_message_part_get_message) X(g_mime_part_get_filename) X(g_mime_part_get_content)                    \
	X(g_mime_data_wrapper_write_to_stream) X(g_mime_references_parse) X(g_mime_references_length)                \
	X(g_mime_references_get_message_id) X(g_mime_references_free) X(internet_address_list_length)                \
	X(internet_address_list_get_address) X(internet_address_get_name) X(internet_address_mailbox_get_addr)       \
	X(internet_address_mailbox_get_idn_addr) X(internet_address_group_get_members) X(g_mime_charset_iconv_name)  \
	X(g_mime_multipart_get_type) X(g_mime_part_get_type) X(g_mime_message_part_get_type)                         \
	X(internet_address_mailbox_get_type) X(internet_address_group_get_type) X(g_type_check_instance_is_a)        \
	X(g_object_unref) X(g_date_time_to_unix)
/* clang-format on */
static struct {
#define GM_MEMBER(f) __typeof__(f) *f;
	GM_CALLS(GM_MEMBER)
#undef GM_MEMBER
	GMimeParserOptions *options; /* made once, only read after */
} gm;

static pthread_once_t gm_once = PTHREAD_ONCE_INIT;
static int gm_error;	     /* the result of loading, for every later call */
static char gm_message[256]; /* and its message */

static void gm_load_once(void)
{
	/* Raw 8-bit headers: UTF-8 when they are, else what Windows and browsers assume. */
	static const char *fallback[] = {"UTF-8", "windows-1252", "iso-8859-1", NULL};
	/* Never closed once GMime is initialised: GLib's type system cannot be unloaded. */
	void *h = dlopen(WARD_GMIME_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		snprintf(gm_message, sizeof(gm_message), "cannot load GMime (%s): %s; install libgmime-3.0-0",
			 WARD_GMIME_SONAME, dlerror());
		gm_error = -ENOENT;
		return;
	}
#define GM_RESOLVE(f)                                                                                                  \
	if (!(*(void **)&gm.f = dlsym(h, #f))) {                                                                       \
		snprintf(gm_message, sizeof(gm_message), "%s has no %s: is it too old?", WARD_GMIME_SONAME, #f);       \
		gm_error = -ENOENT;                                                                                    \
		dlclose(h);                                                                                            \
		return;                                                                                                \
	}
	GM_CALLS(GM_RESOLVE)
#undef GM_RESOLVE
	gm.g_mime_init();
	gm.options = gm.g_mime_parser_options_new();
	gm.g_mime_parser_options_set_fallback_charsets(gm.options, fallback);
	gm.g_mime_parser_options_set_rfc2047_compliance_mode(gm.options, GMIME_RFC_COMPLIANCE_LOOSE);
	gm.g_mime_parser_options_set_parameter_compliance_mode(gm.options, GMIME_RFC_COMPLIANCE_LOOSE);
	gm.g_mime_parser_options_set_address_compliance_mode(gm.options, GMIME_RFC_COMPLIANCE_LOOSE);
}

static int gm_load(void)
{
	pthread_once(&gm_once, gm_load_once);
	return gm_error < 0 ? err_set(gm_error, "%s", gm_message) : 0;
}

/* GMIME_IS_<TYPE>(obj) through the table. */
static bool gm_is(const void *obj, GType (*get_type)(void))
{
	return obj && gm.g_type_check_instance_is_a((GTypeInstance *)obj, get_type());
}

static void gm_unref(void *obj)
{
	if (obj)
		gm.g_object_unref(obj);
}

/* --- a bounded text buffer --- */

/* Growable, always NUL-terminated once written; past max it stops and sets cut. */
struct tb {
	char *p;
	size_t len, cap, max;
	bool cut; /* something was dropped at max */
};

static int tb_reserve(struct tb *b, size_t n)
{
	if (b->cap - b->len > n)
		return 0;
	size_t cap = b->cap ? b->cap : 256;
	while (cap - b->len <= n)
		cap *= 2;
	char *p = realloc(b->p, cap);
	if (!p)
		return err_set(-ENOMEM, "out of memory");
	b->p = p;
	b->cap = cap;
	return 0;
}

/* Appends n bytes, or as many as fit; cuts only before a UTF-8 lead byte. */
static int tb_put(struct tb *b, const void *s, size_t n)
{
	const unsigned char *u = s;
	if (b->cut)
		return 0;
	if (n > b->max - b->len) {
		n = b->max - b->len;
		while (n > 0 && (u[n] & 0xc0) == 0x80)
			n--;
		b->cut = true;
	}
	int r = tb_reserve(b, n);
	if (r < 0)
		return r;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

static int tb_putc(struct tb *b, char c)
{
	return tb_put(b, &c, 1);
}

/* Appends one code point as UTF-8, whole or not at all. */
static int tb_put_cp(struct tb *b, uint32_t cp)
{
	unsigned char s[4];
	size_t n;
	if (cp < 0x80) {
		s[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		s[0] = (unsigned char)(0xc0 | cp >> 6);
		s[1] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		s[0] = (unsigned char)(0xe0 | cp >> 12);
		s[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		s[2] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		s[0] = (unsigned char)(0xf0 | cp >> 18);
		s[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
		s[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		s[3] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	if (b->cut)
		return 0;
	if (n > b->max - b->len) {
		b->cut = true;
		return 0;
	}
	if (b->cap - b->len <= n) {
		int r = tb_reserve(b, n);
		if (r < 0)
			return r;
	}
	memcpy(b->p + b->len, s, n); /* per character, so without tb_put's checks */
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

static void tb_trim_end(struct tb *b)
{
	while (b->len > 0 && strchr(" \t\n", b->p[b->len - 1]))
		b->len--;
	if (b->p)
		b->p[b->len] = '\0';
}

/* The text, with leading and trailing white space trimmed and MAIL_PARSE_TRUNCATED
 * after a cut; the buffer is emptied. */
static int tb_finish(struct tb *b, char **ret)
{
	size_t skip = 0;
	tb_trim_end(b);
	while (skip < b->len && strchr(" \t\n", b->p[skip]))
		skip++;
	if (skip)
		memmove(b->p, b->p + skip, b->len - skip);
	b->len -= skip;
	if (b->cut) { /* room for the note is left by max */
		b->max += sizeof(MAIL_PARSE_TRUNCATED) - 1;
		b->cut = false;
		int r = tb_put(b, MAIL_PARSE_TRUNCATED, sizeof(MAIL_PARSE_TRUNCATED) - 1);
		if (r < 0)
			return r;
	}
	if (!b->p && !(b->p = strdup("")))
		return err_set(-ENOMEM, "out of memory");
	b->p[b->len] = '\0';
	*ret = b->p;
	*b = (struct tb){0};
	return 0;
}

/* --- UTF-8 and characters --- */

/* Decodes the sequence at s (n > 0 bytes): *cp is U+FFFD for an invalid, overlong, cut or
 * surrogate sequence, which then spans one byte. Returns the bytes used. */
static size_t utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned char c = s[0];
	size_t len;
	uint32_t v, min;
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2, v = c & 0x1f, min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3, v = c & 0x0f, min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4, v = c & 0x07, min = 0x10000;
	} else {
		goto bad;
	}
	if (n < len)
		goto bad;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			goto bad;
		v = v << 6 | (s[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		goto bad;
	*cp = v;
	return len;
bad:
	*cp = 0xfffd;
	return 1;
}

static bool utf8_valid(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t k = utf8_next(u + i, n - i, &cp);
		if (k == 1 && cp == 0xfffd) /* a real U+FFFD takes 3 bytes */
			return false;
		i += k;
	}
	return true;
}

/* C0 and C1 controls and DEL. */
static bool cp_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

/* Marks that change the order text is shown in: in a file name they disguise the
 * extension ("photo\u202egpj.exe"). */
static bool cp_bidi(uint32_t cp)
{
	return cp == 0x200e || cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

static bool ascii_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static char ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + 'a' - 'A') : c;
}

/* One line of text for a header value: controls become spaces, runs of spaces one, no
 * spaces at either end, at most max bytes (cut at a character). "" for NULL. */
static int clean_line(const char *s, size_t max, char **ret)
{
	struct tb b = {.max = max};
	bool space = false;
	int r = 0;
	size_t n = s ? strlen(s) : 0;
	for (size_t i = 0; i < n && r == 0 && !b.cut;) {
		uint32_t cp;
		i += utf8_next((const unsigned char *)s + i, n - i, &cp);
		if (cp_control(cp) || cp == ' ' || cp == 0xfeff) {
			space = b.len > 0;
			continue;
		}
		if (space)
			r = tb_putc(&b, ' ');
		space = false;
		if (r == 0)
			r = tb_put_cp(&b, cp);
	}
	b.cut = false; /* a header value is cut without a note */
	if (r == 0)
		r = tb_finish(&b, ret);
	free(b.p);
	return r;
}

/* Windows-1252's 0x80-0x9f (what mail labelled ISO-8859-1 or US-ASCII, or not labelled,
 * means by those bytes, as browsers assume); its five holes are U+FFFD. */
/* clang-format off */
static const uint16_t cp1252_high[32] = {
	0x20ac, 0xfffd, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160,
	0x2039, 0x0152, 0xfffd, 0x017d, 0xfffd, 0xfffd, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022,
	0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0xfffd, 0x017e, 0x0178,
};
/* clang-format on */

static int cp1252_decode(const char *s, size_t n, struct tb *out)
{
	int r = 0;
	for (size_t i = 0; i < n && r == 0 && !out->cut; i++) {
		unsigned char c = (unsigned char)s[i];
		r = tb_put_cp(out, c >= 0x80 && c < 0xa0 ? cp1252_high[c - 0x80] : c);
	}
	return r;
}

static bool charset_is(const char *name, const char *const *names)
{
	for (; *names; names++)
		if (strcasecmp(name, *names) == 0)
			return true;
	return false;
}

/*
 * Appends n bytes in charset (NULL when the part names none) to out as UTF-8. Unknown
 * and absent charsets, and the ASCII and Latin-1 labels, are taken as UTF-8 when the
 * bytes are that and as Windows-1252 otherwise; anything else goes through iconv, with
 * U+FFFD for bytes it cannot convert. UTF-8 is copied as it is: the readers of out
 * (text_append, html_reduce) turn invalid sequences into U+FFFD.
 */
static int charset_decode(const char *charset, const char *s, size_t n, struct tb *out)
{
	static const char *const utf8[] = {"UTF-8", "UTF8", NULL};
	static const char *const western[] = {"us-ascii", "ascii", "ANSI_X3.4-1968", "iso-8859-1",   "iso8859-1",
					      "latin1",	  "l1",	   "CP1252",	     "windows-1252", "CP819",
					      NULL};
	const char *name = charset && *charset ? gm.g_mime_charset_iconv_name(charset) : NULL;
	int r = 0;
	if (name && charset_is(name, utf8))
		return tb_put(out, s, n);
	if (!name || charset_is(name, western))
		return utf8_valid(s, n) ? tb_put(out, s, n) : cp1252_decode(s, n, out);
	iconv_t cd = iconv_open("UTF-8", name);
	if (cd == (iconv_t)-1)
		return utf8_valid(s, n) ? tb_put(out, s, n) : cp1252_decode(s, n, out);
	char *in = (char *)s, tmp[4096], *o;
	size_t left = n, room;
	while (left > 0 && r == 0 && !out->cut) {
		o = tmp, room = sizeof(tmp);
		size_t k = iconv(cd, &in, &left, &o, &room);
		int e = errno;
		r = tb_put(out, tmp, (size_t)(o - tmp));
		if (r < 0 || k != (size_t)-1 || e == E2BIG)
			continue;
		r = tb_put_cp(out, 0xfffd);
		if (e != EILSEQ) /* EINVAL: a sequence cut by the end */
			break;
		in++, left--;
	}
	o = tmp, room = sizeof(tmp);
	if (r == 0 && iconv(cd, NULL, NULL, &o, &room) != (size_t)-1) /* a stateful charset's last shift */
		r = tb_put(out, tmp, (size_t)(o - tmp));
	iconv_close(cd);
	return r;
}

/* Appends UTF-8 text to a body: line ends to "\n", controls but tab dropped, invalid
 * bytes as U+FFFD. */
static int text_append(struct tb *b, const char *s, size_t n)
{
	int r = 0;
	for (size_t i = 0; i < n && r == 0 && !b->cut;) {
		uint32_t cp;
		i += utf8_next((const unsigned char *)s + i, n - i, &cp);
		if (cp == '\r') {
			if (i < n && s[i] == '\n')
				continue;
			cp = '\n';
		}
		if ((cp_control(cp) && cp != '\n' && cp != '\t') || cp == 0xfeff)
			continue;
		r = tb_put_cp(b, cp);
	}
	return r;
}

/* --- HTML to text --- */

enum html_kind {
	HTML_INLINE,
	HTML_LINE, /* starts and ends a line */
	HTML_PARA, /* starts and ends a paragraph (a blank line) */
	HTML_BR,   /* one line break each */
	HTML_LI,   /* a line starting with "- " */
	HTML_PRE,  /* a paragraph keeping its white space */
	HTML_CELL, /* a space between table cells */
	HTML_SKIP, /* content dropped: script, style, ... */
	HTML_A,	   /* a link: its address shown after its text */
};

/* clang-format off */
static const struct {
	const char *name;
	enum html_kind kind;
} html_tags[] = {
	{"a", HTML_A},		{"address", HTML_LINE},	   {"article", HTML_LINE},  {"aside", HTML_LINE},
	{"blockquote", HTML_PARA}, {"body", HTML_LINE},	   {"br", HTML_BR},	    {"caption", HTML_LINE},
	{"center", HTML_LINE},	{"dd", HTML_LINE},	   {"details", HTML_LINE},  {"div", HTML_LINE},
	{"dl", HTML_PARA},	{"dt", HTML_LINE},	   {"fieldset", HTML_LINE}, {"figcaption", HTML_LINE},
	{"figure", HTML_LINE},	{"footer", HTML_LINE},	   {"form", HTML_LINE},	    {"h1", HTML_PARA},
	{"h2", HTML_PARA},	{"h3", HTML_PARA},	   {"h4", HTML_PARA},	    {"h5", HTML_PARA},
	{"h6", HTML_PARA},	{"header", HTML_LINE},	   {"hr", HTML_PARA},	    {"html", HTML_LINE},
	{"legend", HTML_LINE},	{"li", HTML_LI},	   {"main", HTML_LINE},	    {"nav", HTML_LINE},
	{"ol", HTML_PARA},	{"p", HTML_PARA},	   {"pre", HTML_PRE},	    {"script", HTML_SKIP},
	{"section", HTML_LINE}, {"style", HTML_SKIP},	   {"summary", HTML_LINE},  {"table", HTML_PARA},
	{"td", HTML_CELL},	{"template", HTML_SKIP},   {"th", HTML_CELL},	    {"title", HTML_SKIP},
	{"tr", HTML_LINE},	{"ul", HTML_PARA},	   {"xml", HTML_SKIP},
};
/* clang-format on */

/* Latin-1's named references, U+00A0 to U+00FF in order. */
/* clang-format off */
static const char *const html_latin1[96] = {
	"nbsp",	  "iexcl",  "cent",   "pound",	"curren", "yen",    "brvbar", "sect",	"uml",	  "copy",   "ordf",
	"laquo",  "not",    "shy",    "reg",	"macr",	  "deg",    "plusmn", "sup2",	"sup3",	  "acute",  "micro",
	"para",	  "middot", "cedil",  "sup1",	"ordm",	  "raquo",  "frac14", "frac12", "frac34", "iquest", "Agrave",
	"Aacute", "Acirc",  "Atilde", "Auml",	"Aring",  "AElig",  "Ccedil", "Egrave", "Eacute", "Ecirc",  "Euml",
	"Igrave", "Iacute", "Icirc",  "Iuml",	"ETH",	  "Ntilde", "Ograve", "Oacute", "Ocirc",  "Otilde", "Ouml",
	"times",  "Oslash", "Ugrave", "Uacute", "Ucirc",  "Uuml",   "Yacute", "THORN",	"szlig",  "agrave", "aacute",
	"acirc",  "atilde", "auml",   "aring",	"aelig",  "ccedil", "egrave", "eacute", "ecirc",  "euml",   "igrave",
	"iacute", "icirc",  "iuml",   "eth",	"ntilde", "ograve", "oacute", "ocirc",	"otilde", "ouml",   "divide",
	"oslash", "ugrave", "uacute", "ucirc",	"uuml",	  "yacute", "thorn",  "yuml",
};
/* clang-format on */

/* The other named references mail uses. */
/* clang-format off */
static const struct {
	const char *name;
	uint32_t cp;
} html_named[] = {
	{"amp", '&'},	    {"lt", '<'},	{"gt", '>'},	   {"quot", '"'},      {"apos", '\''},
	{"OElig", 0x152},   {"oelig", 0x153},	{"Scaron", 0x160}, {"scaron", 0x161},  {"Yuml", 0x178},
	{"fnof", 0x192},    {"circ", 0x2c6},	{"tilde", 0x2dc},  {"ensp", 0x2002},   {"emsp", 0x2003},
	{"thinsp", 0x2009}, {"zwnj", 0x200c},	{"zwj", 0x200d},   {"lrm", 0x200e},    {"rlm", 0x200f},
	{"ndash", 0x2013},  {"mdash", 0x2014},	{"lsquo", 0x2018}, {"rsquo", 0x2019},  {"sbquo", 0x201a},
	{"ldquo", 0x201c},  {"rdquo", 0x201d},	{"bdquo", 0x201e}, {"dagger", 0x2020}, {"Dagger", 0x2021},
	{"bull", 0x2022},   {"hellip", 0x2026}, {"permil", 0x2030}, {"prime", 0x2032}, {"Prime", 0x2033},
	{"lsaquo", 0x2039}, {"rsaquo", 0x203a}, {"euro", 0x20ac},  {"trade", 0x2122},  {"larr", 0x2190},
	{"uarr", 0x2191},   {"rarr", 0x2192},	{"darr", 0x2193},  {"harr", 0x2194},   {"rArr", 0x21d2},
	{"hArr", 0x21d4},   {"minus", 0x2212},	{"infin", 0x221e}, {"ne", 0x2260},     {"le", 0x2264},
	{"ge", 0x2265},	    {"check", 0x2713},	{"hearts", 0x2665}, {"copysr", 0x2117},
};
/* clang-format on */

#define HTML_NAME_MAX 32   /* longest tag, attribute or reference name looked at */
#define HTML_HREF_MAX 2048 /* longer link addresses are not shown */

struct html {
	const char *s; /* the input */
	size_t n, i;
	struct tb *out;
	int nl;	      /* line breaks wanted before the next text: 1 a new line, 2 a blank line */
	bool space;   /* white space seen since the last text */
	bool pre;     /* inside <pre> */
	bool outlook; /* a class="Mso..." was seen: Outlook's paragraphs have no margins */
	char *href;   /* the open link's http(s) address, or NULL */
	size_t link;  /* where its text starts in out */
};

/* The character reference at s[0] == '&': its code point and length, or 0. */
static size_t html_reference(const char *s, size_t n, uint32_t *cp)
{
	size_t i = 1;
	if (i < n && s[i] == '#') {
		bool hex = ++i < n && (s[i] == 'x' || s[i] == 'X');
		uint32_t v = 0;
		size_t digits = 0;
		i += hex;
		for (; i < n; i++, digits++) {
			int d = s[i] >= '0' && s[i] <= '9'	    ? s[i] - '0'
				: hex && s[i] >= 'a' && s[i] <= 'f' ? s[i] - 'a' + 10
				: hex && s[i] >= 'A' && s[i] <= 'F' ? s[i] - 'A' + 10
								    : -1;
			if (d < 0)
				break;
			if (v <= 0x10ffff)
				v = v * (hex ? 16 : 10) + (uint32_t)d;
		}
		if (digits == 0)
			return 0;
		if (i < n && s[i] == ';')
			i++;
		if (v >= 0x80 && v < 0xa0)
			v = cp1252_high[v - 0x80];
		else if (v == 0 || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
			v = 0xfffd;
		*cp = v;
		return i;
	}
	char name[HTML_NAME_MAX + 1];
	size_t k = 0;
	for (; i < n && k < HTML_NAME_MAX; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
			break;
		name[k++] = c;
	}
	if (k == 0 || i >= n || s[i] != ';')
		return 0;
	name[k] = '\0';
	for (size_t j = 0; j < sizeof(html_latin1) / sizeof(html_latin1[0]); j++)
		if (strcmp(name, html_latin1[j]) == 0) {
			*cp = 0xa0 + (uint32_t)j;
			return i + 1;
		}
	for (size_t j = 0; j < sizeof(html_named) / sizeof(html_named[0]); j++)
		if (strcmp(name, html_named[j].name) == 0) {
			*cp = html_named[j].cp;
			return i + 1;
		}
	return 0;
}

/* Writes the pending line breaks or space, then one character of text. */
static int html_emit(struct html *h, uint32_t cp)
{
	struct tb *b = h->out;
	int r = 0;
	if (h->nl > 0 && b->len > 0) {
		size_t spaces = b->len;
		int have = 0;
		while (b->len > 0 && b->p[b->len - 1] == ' ')
			b->len--;
		/* a line of nothing but &nbsp; (Outlook's empty paragraph) is a blank line */
		if (b->len < spaces && (b->len == 0 || b->p[b->len - 1] == '\n'))
			r = tb_putc(b, '\n');
		for (size_t k = b->len; k > 0 && b->p[k - 1] == '\n' && have < 2; k--)
			have++;
		for (; have < h->nl && r == 0; have++)
			r = tb_putc(b, '\n');
	} else if (h->space && b->len > 0 && b->p[b->len - 1] != '\n' && b->p[b->len - 1] != ' ') {
		r = tb_putc(b, ' ');
	}
	h->nl = 0;
	h->space = false;
	if (r == 0)
		r = tb_put_cp(b, cp == 0xa0 ? ' ' : cp);
	return r;
}

/* One character of text from the document or a reference. */
static int html_text(struct html *h, uint32_t cp)
{
	if (h->pre && cp == '\r') {
		if (h->i < h->n && h->s[h->i] == '\n')
			return 0;
		cp = '\n';
	}
	if (cp < 0x80 && ascii_space((int)cp)) {
		if (h->pre)
			return html_emit(h, cp == '\f' ? ' ' : cp);
		h->space = true;
		return 0;
	}
	if (cp_control(cp) || cp == 0xfeff)
		return 0;
	return html_emit(h, cp);
}

static int html_text_str(struct html *h, const char *s)
{
	int r = 0;
	for (; *s && r == 0; s++)
		r = html_emit(h, (unsigned char)*s);
	return r;
}

static void html_break(struct html *h, int n)
{
	if (h->nl < n)
		h->nl = n;
}

/* Ends the open link: " <address>" after its text unless the text says it already. */
static int html_link_end(struct html *h)
{
	int r = 0;
	if (!h->href)
		return 0;
	struct tb *b = h->out;
	size_t from = h->link < b->len ? h->link : b->len, to = b->len;
	while (from < to && strchr(" \n", b->p[from]))
		from++;
	while (to > from && strchr(" \n", b->p[to - 1]))
		to--;
	const char *bare = strstr(h->href, "//") + 2, *text = b->p + from;
	size_t len = to - from, blen = strlen(bare);
	bool shown = len == 0 || (len == strlen(h->href) && memcmp(text, h->href, len) == 0) ||
		     (len == blen && memcmp(text, bare, len) == 0) ||
		     (len + 1 == blen && bare[len] == '/' && memcmp(text, bare, len) == 0);
	if (!shown && !b->cut) {
		r = html_text_str(h, " <");
		if (r == 0)
			r = html_text_str(h, h->href);
		if (r == 0)
			r = html_text_str(h, ">");
	}
	free(h->href);
	h->href = NULL;
	return r;
}

/* Keeps an href worth showing: http(s), decoded, no white space or controls. */
static int html_link_start(struct html *h, const char *v, size_t n)
{
	struct tb b = {.max = HTML_HREF_MAX};
	int r = 0;
	for (size_t i = 0; i < n && r == 0;) {
		uint32_t cp;
		size_t k = v[i] == '&' ? html_reference(v + i, n - i, &cp) : 0;
		if (k == 0)
			k = utf8_next((const unsigned char *)v + i, n - i, &cp);
		i += k;
		if (cp <= ' ' || cp_control(cp) || cp == 0xfffd || cp == 0xa0 || cp == '<' || cp == '>') {
			free(b.p);
			return 0;
		}
		r = tb_put_cp(&b, cp);
	}
	if (r < 0 || b.cut || !b.p || (strncasecmp(b.p, "http://", 7) != 0 && strncasecmp(b.p, "https://", 8) != 0) ||
	    b.len == (b.p[4] == 's' || b.p[4] == 'S' ? 8u : 7u)) { /* no host */
		free(b.p);
		return r;
	}
	h->href = b.p;
	h->link = h->out->len;
	return 0;
}

/* Skips from s[i] past the first match of pat (case-insensitive); to the end if none. */
static size_t html_skip_past(const char *s, size_t n, size_t i, const char *pat, bool tag_end)
{
	size_t m = strlen(pat);
	for (; i + m <= n; i++) {
		if (strncasecmp(s + i, pat, m) != 0)
			continue;
		size_t j = i + m;
		if (!tag_end)
			return j;
		/* "</script" must end its name: then past its '>' */
		if (j < n && !ascii_space(s[j]) && s[j] != '>' && s[j] != '/')
			continue;
		const char *gt = memchr(s + j, '>', n - j);
		return gt ? (size_t)(gt - s) + 1 : n;
	}
	return n;
}

/* A tag at s[i] == '<' with a name or "/name" after it; returns the index after it. */
static int html_tag(struct html *h, size_t *ret_i)
{
	const char *s = h->s;
	size_t n = h->n, i = h->i + 1;
	bool end = s[i] == '/';
	char name[HTML_NAME_MAX + 1];
	size_t k = 0;
	int r = 0;
	i += end;
	for (; i < n && !ascii_space(s[i]) && s[i] != '/' && s[i] != '>'; i++)
		if (k < HTML_NAME_MAX)
			name[k++] = ascii_lower(s[i]);
	name[k] = '\0';
	enum html_kind kind = HTML_INLINE;
	for (size_t j = 0; j < sizeof(html_tags) / sizeof(html_tags[0]); j++)
		if (strcmp(name, html_tags[j].name) == 0)
			kind = html_tags[j].kind;
	/* Attributes, to the tag's '>' (quoted values may hold '>'); only a's href is kept. */
	while (i < n && s[i] != '>') {
		if (ascii_space(s[i]) || s[i] == '/') {
			i++;
			continue;
		}
		size_t an = i;
		while (i < n && !ascii_space(s[i]) && s[i] != '/' && s[i] != '>' && s[i] != '=')
			i++;
		bool href = i - an == 4 && strncasecmp(s + an, "href", 4) == 0;
		bool class = i - an == 5 && strncasecmp(s + an, "class", 5) == 0;
		while (i < n && ascii_space(s[i]))
			i++;
		if (i >= n || s[i] != '=')
			continue;
		i++;
		while (i < n && ascii_space(s[i]))
			i++;
		size_t vs = i, ve;
		if (i < n && (s[i] == '"' || s[i] == '\'')) {
			const char *q = memchr(s + i + 1, s[i], n - i - 1);
			vs = i + 1;
			ve = q ? (size_t)(q - s) : n;
			i = q ? ve + 1 : n;
		} else {
			while (i < n && !ascii_space(s[i]) && s[i] != '>')
				i++;
			ve = i;
		}
		if (href && kind == HTML_A && !end && r == 0 && (r = html_link_end(h)) == 0)
			r = html_link_start(h, s + vs, ve - vs);
		if (class && memmem(s + vs, ve - vs, "Mso", 3))
			h->outlook = true;
	}
	i = i < n ? i + 1 : n;			  /* a tag cut by the end is dropped */
	if (h->outlook && strcmp(name, "p") == 0) /* Outlook's <p class=MsoNormal> is one line */
		kind = HTML_LINE;
	if (r < 0)
		return r;
	switch (kind) {
	case HTML_INLINE: break;
	case HTML_A:
		if (end)
			r = html_link_end(h);
		break;
	case HTML_LINE: html_break(h, 1); break;
	case HTML_PARA: html_break(h, 2); break;
	case HTML_PRE:
		html_break(h, 2);
		h->pre = !end;
		break;
	case HTML_BR: h->nl = h->nl < 2 ? h->nl + 1 : 2; break;
	case HTML_LI:
		html_break(h, 1);
		if (!end)
			r = html_text_str(h, "- ");
		break;
	case HTML_CELL: h->space = true; break;
	case HTML_SKIP:
		if (!end) {
			char close[HTML_NAME_MAX + 3];
			snprintf(close, sizeof(close), "</%s", name);
			i = html_skip_past(s, n, i, close, true);
		}
		break;
	}
	*ret_i = i;
	return r;
}

static int html_reduce(const char *s, size_t n, struct tb *out)
{
	struct html h = {.s = s, .n = n, .out = out};
	int r = 0;
	while (h.i < n && r == 0 && !out->cut) {
		char c = s[h.i], d = h.i + 1 < n ? s[h.i + 1] : '\0';
		uint32_t cp;
		size_t k;
		if (c == '<' && d == '!') { /* a comment, doctype or CDATA: all dropped */
			bool comment = h.i + 4 <= n && memcmp(s + h.i, "<!--", 4) == 0;
			h.i = html_skip_past(s, n, h.i + 2, comment ? "-->" : ">", false);
		} else if (c == '<' && d == '?') {
			h.i = html_skip_past(s, n, h.i, ">", false);
		} else if (c == '<' && ((d >= 'a' && d <= 'z') || (d >= 'A' && d <= 'Z') || d == '/')) {
			r = html_tag(&h, &h.i);
		} else if (c == '&' && (k = html_reference(s + h.i, n - h.i, &cp)) > 0) {
			h.i += k;
			r = html_text(&h, cp);
		} else {
			h.i += utf8_next((const unsigned char *)s + h.i, n - h.i, &cp);
			r = html_text(&h, cp);
		}
	}
	if (r == 0)
		r = html_link_end(&h);
	free(h.href);
	return r;
}

int mail_parse_html(const char *html, size_t len, char **ret_text)
{
	struct tb b = {.max = MAIL_PARSE_TEXT_MAX - (sizeof(MAIL_PARSE_TRUNCATED) - 1)};
	int r = html_reduce(html, len, &b);
	if (r == 0)
		r = tb_finish(&b, ret_text);
	free(b.p);
	return r;
}

/* --- the message --- */

/* word (lower-case) in s, in any case. */
static bool prescan_contains(const char *s, size_t n, const char *word)
{
	size_t m = strlen(word);
	for (size_t i = 0; i + m <= n; i++)
		if (ascii_lower(s[i]) == word[0] && strncasecmp(s + i, word, m) == 0)
			return true;
	return false;
}

/* A line GMime makes a header of: a name without white space, then ':'. */
static bool prescan_header_line(const char *s, size_t n)
{
	const char *colon = memchr(s, ':', n);
	if (!colon)
		return false;
	size_t k = (size_t)(colon - s);
	while (k > 0 && (s[k - 1] == ' ' || s[k - 1] == '\t'))
		k--;
	for (size_t i = 0; i < k; i++)
		if (s[i] == ' ' || s[i] == '\t')
			return false;
	return true;
}

/*
 * GMime builds objects for every header, parameter and address, and every part: a
 * 25 MiB message of nothing but those makes it allocate gigabytes. This bounds them
 * before GMime runs, over-counting on purpose: header blocks are looked for where GMime
 * could find one (the start; after each line starting with "--", a possible boundary;
 * after a block naming "message" or, in a part, naming no Content-Type, as a
 * message/rfc822 or a multipart/digest's part would start one) and run to a blank line,
 * as GMime's do; their lines with a header name are counted. Worst case within the
 * limits (256 KiB of "g:;" address groups): about 40 MB in GMime, besides its copy of
 * the message.
 */
static int mail_parse_prescan(const char *s, size_t n)
{
	size_t header_bytes = 0, dash_lines = 0;
	bool headers = true, part = false, counting = false, message = false, content_type = false;
	for (size_t i = 0; i < n;) {
		const char *nl = memchr(s + i, '\n', n - i);
		size_t end = nl ? (size_t)(nl - s) : n, len = end - i;
		const char *line = s + i;
		i = nl ? end + 1 : n;
		if (len > 0 && line[len - 1] == '\r')
			len--;
		bool dashes = len >= 2 && line[0] == '-' && line[1] == '-';
		if (dashes && ++dash_lines > MAIL_PARSE_DASH_LINES_MAX)
			return err_set(-E2BIG, "message has over %d lines starting with '--'",
				       MAIL_PARSE_DASH_LINES_MAX);
		if (!headers) {
			if (dashes) {
				headers = part = true;
				counting = message = content_type = false;
			}
			continue;
		}
		if (len == 0) { /* the block's end; perhaps a nested message's block next */
			headers = message || (part && !content_type);
			part = counting = message = content_type = false;
			continue;
		}
		if (dashes)
			part = true;
		if (line[0] == ' ' || line[0] == '\t') {
			if (counting)
				header_bytes += len;
		} else if ((counting = prescan_header_line(line, len))) {
			header_bytes += len;
		}
		message = message || prescan_contains(line, len, "message"); /* message/rfc822 */
		content_type = content_type || prescan_contains(line, len, "content-type");
		if (header_bytes > MAIL_PARSE_HEADERS_MAX)
			return err_set(-E2BIG, "message has over %d bytes of headers", MAIL_PARSE_HEADERS_MAX);
	}
	return 0;
}

/* The first word of a header value, lower-cased: "auto-replied" of " Auto-Replied; x". */
static void header_word(const char *v, char *out, size_t size)
{
	size_t k = 0;
	while (*v && ascii_space(*v))
		v++;
	for (; *v && !ascii_space(*v) && *v != ';' && *v != '(' && *v != ',' && k + 1 < size; v++)
		out[k++] = ascii_lower(*v);
	out[k] = '\0';
}

static const char *header(GMimeMessage *msg, const char *name)
{
	return gm.g_mime_object_get_header((GMimeObject *)msg, name);
}

/* Records why, quoting at most 64 bytes of the value, printable ASCII only. */
static void set_automatic(struct mail_message *m, const char *name, const char *value)
{
	char v[72];
	size_t k = 0;
	for (; *value && k < 64; value++)
		if (!(k == 0 && ascii_space(*value)))
			v[k++] = *value >= 0x20 && *value < 0x7f ? *value : '?';
	while (k > 0 && v[k - 1] == ' ')
		k--;
	if (*value)
		v[k++] = '.', v[k++] = '.', v[k++] = '.';
	v[k] = '\0';
	m->automatic = true;
	snprintf(m->automatic_why, sizeof(m->automatic_why), "%s: %s", name, v);
}

/* The header that shows a robot sent msg (rules in mail_parse.h), or NULL; *ret_value
 * is its value. */
static const char *automatic_header(GMimeMessage *msg, const char *top_type, const char *from, const char **ret_value)
{
	static const char *const present[] = {"X-Autoreply", "X-Autorespond"};
	static const char *const lists[] = {"List-Id", "List-Unsubscribe"};
	char word[32];
	const char *v;
	if ((v = header(msg, "Auto-Submitted"))) {
		header_word(v, word, sizeof(word));
		if (*word && strcmp(word, "no") != 0)
			return *ret_value = v, "Auto-Submitted";
	}
	for (size_t i = 0; i < sizeof(present) / sizeof(present[0]); i++)
		if ((v = header(msg, present[i])))
			return *ret_value = v, present[i];
	if ((v = header(msg, "X-Auto-Response-Suppress"))) {
		for (const char *p = v + strspn(v, ",; \t"); *p; p += strspn(p, ",; \t")) {
			header_word(p, word, sizeof(word));
			if (strcmp(word, "all") == 0 || strcmp(word, "oof") == 0)
				return *ret_value = v, "X-Auto-Response-Suppress";
			p += strcspn(p, ",; \t");
		}
	}
	if ((v = header(msg, "Precedence"))) {
		header_word(v, word, sizeof(word));
		if (strcmp(word, "bulk") == 0 || strcmp(word, "junk") == 0 || strcmp(word, "list") == 0)
			return *ret_value = v, "Precedence";
	}
	if (strcmp(top_type, "multipart/report") == 0)
		return *ret_value = top_type, "Content-Type";
	if ((v = header(msg, "Return-Path"))) {
		size_t k = 0;
		char bare[4];
		for (const char *p = v; *p && k < sizeof(bare) - 1; p++)
			if (!ascii_space(*p))
				bare[k++] = *p;
		bare[k] = '\0';
		if (strcmp(bare, "<>") == 0)
			return *ret_value = "<>", "Return-Path";
	}
	if (strncmp(from, "mailer-daemon@", 14) == 0 || strncmp(from, "postmaster@", 11) == 0)
		return *ret_value = from, "From";
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		if ((v = header(msg, lists[i])))
			return *ret_value = v, lists[i];
	return NULL;
}

/* A message id worth keeping: 1 to MAIL_PARSE_ID_MAX bytes of UTF-8 without white
 * space, controls or angle brackets. */
static bool id_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > MAIL_PARSE_ID_MAX || !utf8_valid(s, n))
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f || s[i] == '<' || s[i] == '>')
			return false;
	return true;
}

/* The ids of a References or In-Reply-To value: the first one and the last max - 1. */
static int parse_ids(const char *value, size_t max, char ***ret, size_t *ret_n)
{
	char **ids = NULL;
	size_t n = 0;
	int r = 0;
	if (!value)
		goto out;
	GMimeReferences *refs = gm.g_mime_references_parse(gm.options, value);
	int count = refs ? gm.g_mime_references_length(refs) : 0;
	if (count > 0 && !(ids = calloc(max, sizeof(*ids)))) {
		r = err_set(-ENOMEM, "out of memory");
		count = 0;
	}
	for (int i = 0; i < count && r == 0; i++) {
		const char *id = gm.g_mime_references_get_message_id(refs, i);
		if (!id_ok(id))
			continue;
		if (n == max && max < 2)
			break;
		if (n == max) { /* keep the first; drop the oldest after it */
			free(ids[1]);
			memmove(ids + 1, ids + 2, (max - 2) * sizeof(*ids));
			n--;
		}
		if (!(ids[n++] = strdup(id)))
			r = err_set(-ENOMEM, "out of memory");
	}
	if (refs)
		gm.g_mime_references_free(refs);
	/* "In-Reply-To: id@host" without brackets: the whole value as the id */
	char *bare = NULL;
	if (r == 0 && n == 0 && clean_line(value, MAIL_PARSE_ID_MAX + 1, &bare) == 0 && id_ok(bare) &&
	    strchr(bare, '@')) {
		if (!ids && !(ids = calloc(max, sizeof(*ids))))
			r = err_set(-ENOMEM, "out of memory");
		else
			ids[n++] = bare, bare = NULL;
	}
	free(bare);
out:
	if (r < 0) {
		for (size_t i = 0; i < n; i++)
			free(ids[i]);
		free(ids);
		return r;
	}
	*ret = ids;
	*ret_n = n;
	return 0;
}

/* The sender: the first mailbox of From (in a group too), lower-cased, checked. */
static int parse_from(GMimeMessage *msg, struct mail_message *m)
{
	InternetAddressList *list = gm.g_mime_message_get_from(msg);
	InternetAddress *mb = NULL;
	int n = list ? gm.internet_address_list_length(list) : 0;
	for (int i = 0; i < n && !mb; i++) {
		InternetAddress *a = gm.internet_address_list_get_address(list, i);
		if (gm_is(a, gm.internet_address_mailbox_get_type)) {
			mb = a;
		} else if (gm_is(a, gm.internet_address_group_get_type)) {
			InternetAddressList *members = gm.internet_address_group_get_members((InternetAddressGroup *)a);
			int k = members ? gm.internet_address_list_length(members) : 0;
			for (int j = 0; j < k && !mb; j++) {
				InternetAddress *b = gm.internet_address_list_get_address(members, j);
				if (gm_is(b, gm.internet_address_mailbox_get_type))
					mb = b;
			}
		}
	}
	if (!mb)
		return err_set(-EBADMSG, "message has no sender: no address in From");
	const char *addr = gm.internet_address_mailbox_get_idn_addr((InternetAddressMailbox *)mb);
	if (!addr || !*addr)
		addr = gm.internet_address_mailbox_get_addr((InternetAddressMailbox *)mb);
	size_t len = addr ? strlen(addr) : 0;
	const char *at = addr ? strrchr(addr, '@') : NULL;
	bool ok = at && at > addr && at[1] && len <= MAIL_PARSE_ADDR_MAX && (size_t)(at - addr) <= 64 &&
		  utf8_valid(addr, len);
	for (size_t i = 0; ok && i < len; i++)
		ok = (unsigned char)addr[i] > ' ' && addr[i] != 0x7f && !strchr("<>()[],;:\"\\", addr[i]) &&
		     (addr[i] != '@' || addr + i == at);
	if (!ok) {
		char shown[80];
		snprintf(shown, sizeof(shown), "%.64s", addr ? addr : "");
		for (char *p = shown; *p; p++)
			if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f || *p == '\'')
				*p = '?';
		return err_set(-EBADMSG, "message has no usable sender: From address '%s'", shown);
	}
	if (!(m->from_addr = strdup(addr)))
		return err_set(-ENOMEM, "out of memory");
	for (char *p = m->from_addr; *p; p++)
		*p = ascii_lower(*p);
	const char *name = gm.internet_address_get_name(mb);
	if (name && *name) {
		int r = clean_line(name, MAIL_PARSE_NAME_MAX, &m->from_name);
		if (r < 0)
			return r;
		if (!*m->from_name) {
			free(m->from_name);
			m->from_name = NULL;
		}
	}
	return 0;
}

/* --- body and attachments --- */

struct walk {
	struct mail_message *m;
	struct tb text; /* the body so far */
	bool have_body; /* a part was taken as the body */
};

static const char *media_type(GMimeObject *o)
{
	GMimeContentType *ct = gm.g_mime_object_get_content_type(o);
	const char *t = ct ? gm.g_mime_content_type_get_media_type(ct) : NULL;
	return t ? t : "";
}

static const char *media_subtype(GMimeObject *o)
{
	GMimeContentType *ct = gm.g_mime_object_get_content_type(o);
	const char *t = ct ? gm.g_mime_content_type_get_media_subtype(ct) : NULL;
	return t ? t : "";
}

static bool disposition_attachment(GMimeObject *o)
{
	const char *d = gm.g_mime_object_get_disposition(o);
	return d && strcasecmp(d, "attachment") == 0;
}

/* "type/subtype" lower-cased if both are MIME tokens, else application/octet-stream. */
static char *content_type_string(GMimeObject *o)
{
	const char *t = media_type(o), *st = media_subtype(o);
	size_t tn = strlen(t), sn = strlen(st);
	bool ok = tn > 0 && sn > 0 && tn + sn < 127;
	for (const char *p = t; ok && *p; p++)
		ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		     strchr("!#$&^_.+-", *p);
	for (const char *p = st; ok && *p; p++)
		ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		     strchr("!#$&^_.+-", *p);
	char buf[128];
	snprintf(buf, sizeof(buf), "%s/%s", ok ? t : "application", ok ? st : "octet-stream");
	for (char *p = buf; *p; p++)
		*p = ascii_lower(*p);
	return strdup(buf);
}

/* A file name safe to show and to put in Content-Disposition (see mail_parse.h). */
static char *clean_filename(const char *name, const char *fallback)
{
	struct tb b = {.max = 4 * MAIL_PARSE_FILENAME_MAX};
	const char *base = name ? name : "";
	for (const char *p = base; *p; p++)
		if (*p == '/' || *p == '\\')
			base = p + 1;
	size_t n = strlen(base);
	for (size_t i = 0; i < n && !b.cut;) {
		uint32_t cp;
		i += utf8_next((const unsigned char *)base + i, n - i, &cp);
		if (cp_control(cp) || cp_bidi(cp) || cp == 0xfeff)
			continue;
		if (tb_put_cp(&b, cp) < 0) {
			free(b.p);
			return NULL;
		}
	}
	/* no white space at the ends, no dots at the end (Windows drops them) */
	size_t from = 0;
	while (from < b.len && b.p[from] == ' ')
		from++;
	while (b.len > from && (b.p[b.len - 1] == ' ' || b.p[b.len - 1] == '.'))
		b.len--;
	size_t len = b.len - from;
	if (len > MAIL_PARSE_FILENAME_MAX) { /* keep a short extension, cut the stem */
		const char *dot = memrchr(b.p + from, '.', len);
		size_t ext = dot && b.p + from + len - dot <= 16 ? (size_t)(b.p + from + len - dot) : 0;
		size_t stem = MAIL_PARSE_FILENAME_MAX - ext;
		while (stem > 0 && ((unsigned char)b.p[from + stem] & 0xc0) == 0x80)
			stem--;
		memmove(b.p + from + stem, b.p + from + len - ext, ext);
		len = stem + ext;
	}
	char *out = len > 0 ? strndup(b.p + from, len) : strdup(fallback);
	free(b.p);
	return out;
}

/* The decoded content of a part in a memory stream (unref it), or NULL if it has none. */
static GMimeStream *part_content(GMimePart *part)
{
	GMimeDataWrapper *content = gm.g_mime_part_get_content(part);
	if (!content)
		return NULL;
	GMimeStream *s = gm.g_mime_stream_mem_new();
	gm.g_mime_data_wrapper_write_to_stream(content, s);
	return s;
}

static int attachment_add(struct walk *w, const char *filename, const char *fallback, GMimeObject *o, GMimeStream *s)
{
	struct mail_message *m = w->m;
	GByteArray *ba = s ? gm.g_mime_stream_mem_get_byte_array((GMimeStreamMem *)s) : NULL;
	size_t size = ba ? ba->len : 0;
	if (size == 0 && !(filename && *filename))
		return 0; /* nothing to keep */
	if (m->nattachments == MAIL_ATTACHMENTS_MAX)
		return err_set(-E2BIG, "message has over %d attachments", MAIL_ATTACHMENTS_MAX);
	if (size > MAIL_ATTACHMENT_MAX)
		return err_set(-E2BIG, "an attachment is %zu bytes, over the limit of %d", size, MAIL_ATTACHMENT_MAX);
	if (!m->attachments && !(m->attachments = calloc(MAIL_ATTACHMENTS_MAX, sizeof(*m->attachments))))
		return err_set(-ENOMEM, "out of memory");
	struct mail_attachment *a = &m->attachments[m->nattachments];
	a->filename = clean_filename(filename, fallback);
	a->content_type = content_type_string(o);
	a->data = malloc(size ? size : 1);
	a->size = size;
	m->nattachments++; /* freed with the message from here on */
	if (!a->filename || !a->content_type || !a->data)
		return err_set(-ENOMEM, "out of memory");
	if (size)
		memcpy(a->data, ba->data, size);
	return 0;
}

static int attach_message(struct walk *w, GMimeObject *o)
{
	GMimeMessage *inner = gm.g_mime_message_part_get_message((GMimeMessagePart *)o);
	if (!inner)
		return 0;
	const char *name = gm.g_mime_object_get_content_disposition_parameter(o, "filename");
	if (!name || !*name)
		name = gm.g_mime_object_get_content_type_parameter(o, "name");
	GMimeStream *s = gm.g_mime_stream_mem_new();
	gm.g_mime_object_write_to_stream((GMimeObject *)inner, NULL, s);
	int r = attachment_add(w, name, "message.eml", o, s);
	gm_unref(s);
	return r;
}

/* Appends a text/plain or text/html part to the body. */
static int body_add(struct walk *w, GMimePart *part, bool html)
{
	GMimeStream *s = part_content(part);
	struct tb *text = &w->text;
	int r = 0;
	w->have_body = true;
	if (!s)
		return 0;
	GByteArray *ba = gm.g_mime_stream_mem_get_byte_array((GMimeStreamMem *)s);
	/* UTF-8 of the part: all of an HTML one, enough of a plain one to fill the body */
	struct tb u = {.max = html ? MAIL_MAX : 2 * (text->max - text->len) + 16};
	const char *charset = gm.g_mime_object_get_content_type_parameter((GMimeObject *)part, "charset");
	if (ba->len > 0)
		r = charset_decode(charset, (const char *)ba->data, ba->len, &u);
	gm_unref(s);
	if (r == 0 && u.len > 0 && text->len > 0) {
		tb_trim_end(text);
		r = tb_put(text, "\n\n", 2);
	}
	if (r == 0 && u.len > 0)
		r = html ? html_reduce(u.p, u.len, text) : text_append(text, u.p, u.len);
	if (u.cut)
		text->cut = true;
	free(u.p);
	return r;
}

/* True if a part's content is only white space (some mailers send an empty text/plain
 * beside the HTML that says everything). */
static bool part_blank(GMimePart *part)
{
	GMimeStream *s = part_content(part);
	GByteArray *ba = s ? gm.g_mime_stream_mem_get_byte_array((GMimeStreamMem *)s) : NULL;
	bool blank = true;
	for (size_t i = 0; ba && i < ba->len && blank; i++)
		blank = ascii_space(ba->data[i]);
	gm_unref(s);
	return blank;
}

/* 2 if the subtree offers text/plain for the body, 1 if only text/html, else 0. */
static int body_kind(GMimeObject *o, int depth)
{
	if (depth > MAIL_PARSE_DEPTH_MAX)
		return 0;
	if (gm_is(o, gm.g_mime_multipart_get_type)) {
		GMimeMultipart *mp = (GMimeMultipart *)o;
		const char *sub = media_subtype(o);
		int n = gm.g_mime_multipart_get_count(mp), best = 0;
		if (strcasecmp(sub, "signed") == 0 || strcasecmp(sub, "related") == 0)
			n = n > 0 ? 1 : 0;
		for (int i = 0; i < n && best < 2; i++) {
			int k = body_kind(gm.g_mime_multipart_get_part(mp, i), depth + 1);
			best = k > best ? k : best;
		}
		return best;
	}
	if (!gm_is(o, gm.g_mime_part_get_type) || disposition_attachment(o) || strcasecmp(media_type(o), "text"))
		return 0;
	if (strcasecmp(media_subtype(o), "plain") == 0)
		return part_blank((GMimePart *)o) ? 0 : 2;
	return strcasecmp(media_subtype(o), "html") == 0 ? 1 : 0;
}

/*
 * Walks the MIME tree. body: this subtree may give the body text; when false it is an
 * unchosen alternative (or a related part's resource), whose text renderings are
 * dropped and whose other parts are attachments.
 */
static int walk(struct walk *w, GMimeObject *o, int depth, bool body)
{
	if (depth > MAIL_PARSE_DEPTH_MAX)
		return err_set(-E2BIG, "message has MIME parts nested over %d deep", MAIL_PARSE_DEPTH_MAX);
	if (gm_is(o, gm.g_mime_message_part_get_type))
		return attach_message(w, o);
	if (gm_is(o, gm.g_mime_multipart_get_type)) {
		GMimeMultipart *mp = (GMimeMultipart *)o;
		const char *sub = media_subtype(o);
		int n = gm.g_mime_multipart_get_count(mp), pick = -1, r = 0;
		bool alternative = strcasecmp(sub, "alternative") == 0, related = strcasecmp(sub, "related") == 0;
		if (strcasecmp(sub, "signed") == 0) /* the signature is no attachment */
			n = n > 0 ? 1 : 0;
		if (body && alternative) { /* the first plain rendering, else the first HTML one */
			int best = 0;
			for (int i = 0; i < n && best < 2; i++) {
				int k = body_kind(gm.g_mime_multipart_get_part(mp, i), depth + 1);
				if (k > best)
					best = k, pick = i;
			}
		}
		for (int i = 0; i < n && r == 0; i++) {
			bool child_body = alternative ? body && i == pick : related ? body && i == 0 : body;
			r = walk(w, gm.g_mime_multipart_get_part(mp, i), depth + 1, child_body);
		}
		return r;
	}
	if (!gm_is(o, gm.g_mime_part_get_type))
		return 0;
	GMimePart *part = (GMimePart *)o;
	bool text = strcasecmp(media_type(o), "text") == 0, attachment = disposition_attachment(o);
	bool plain = text && strcasecmp(media_subtype(o), "plain") == 0;
	bool html = text && strcasecmp(media_subtype(o), "html") == 0;
	const char *filename = gm.g_mime_part_get_filename(part);
	bool named = filename && *filename;
	if (body && (plain || html) && !attachment && (!named || !w->have_body))
		return body_add(w, part, html);
	if (!body && text && !attachment && !named)
		return 0; /* another rendering of the chosen body */
	GMimeStream *s = part_content(part);
	int r = attachment_add(w, filename, "attachment", o, s);
	gm_unref(s);
	return r;
}

/* Counts the tree's parts against MAIL_PARSE_PARTS_MAX before any work on it. */
static int count_parts(GMimeObject *o, int depth, int *count)
{
	if (++*count > MAIL_PARSE_PARTS_MAX)
		return err_set(-E2BIG, "message has over %d MIME parts", MAIL_PARSE_PARTS_MAX);
	if (depth > MAIL_PARSE_DEPTH_MAX)
		return err_set(-E2BIG, "message has MIME parts nested over %d deep", MAIL_PARSE_DEPTH_MAX);
	if (!gm_is(o, gm.g_mime_multipart_get_type))
		return 0;
	int n = gm.g_mime_multipart_get_count((GMimeMultipart *)o), r = 0;
	for (int i = 0; i < n && r == 0; i++)
		r = count_parts(gm.g_mime_multipart_get_part((GMimeMultipart *)o, i), depth + 1, count);
	return r;
}

int mail_parse(const void *data, size_t len, struct mail_message *ret)
{
	struct mail_message m = {0};
	struct walk w = {.m = &m, .text = {.max = MAIL_PARSE_TEXT_MAX - (sizeof(MAIL_PARSE_TRUNCATED) - 1)}};
	GMimeStream *stream = NULL;
	GMimeParser *parser = NULL;
	GMimeMessage *msg = NULL;
	int r, count = 0;

	if (len > MAIL_MAX)
		return err_set(-E2BIG, "message is %zu bytes, over the limit of %d", len, MAIL_MAX);
	if (len == 0 || !data)
		return err_set(-EBADMSG, "message is empty");
	if ((r = mail_parse_prescan(data, len)) < 0 || (r = gm_load()) < 0)
		return r;
	stream = gm.g_mime_stream_mem_new_with_buffer(data, len);
	parser = gm.g_mime_parser_new_with_stream(stream);
	msg = gm.g_mime_parser_construct_message(parser, gm.options);
	if (!msg) {
		r = err_set(-EBADMSG, "not a mail message: it does not start with headers");
		goto out;
	}
	if ((r = parse_from(msg, &m)) < 0)
		goto out;
	GMimeObject *top = gm.g_mime_message_get_mime_part(msg);
	char top_type[128] = "text/plain";
	if (top) {
		char *t = content_type_string(top);
		if (!t) {
			r = err_set(-ENOMEM, "out of memory");
			goto out;
		}
		snprintf(top_type, sizeof(top_type), "%s", t);
		free(t);
		if ((r = count_parts(top, 0, &count)) < 0 || (r = walk(&w, top, 0, true)) < 0)
			goto out;
	}
	const char *why_value, *why = automatic_header(msg, top_type, m.from_addr, &why_value);
	if (why)
		set_automatic(&m, why, why_value);

	const char *id = gm.g_mime_message_get_message_id(msg);
	if (id_ok(id) && !(m.message_id = strdup(id))) {
		r = err_set(-ENOMEM, "out of memory");
		goto out;
	}
	char **irt = NULL;
	size_t nirt = 0;
	if ((r = parse_ids(header(msg, "In-Reply-To"), 1, &irt, &nirt)) < 0)
		goto out;
	m.in_reply_to = nirt ? irt[0] : NULL;
	free(irt);
	if ((r = parse_ids(header(msg, "References"), MAIL_PARSE_REFERENCES_MAX, &m.references, &m.nreferences)) < 0)
		goto out;
	if ((r = clean_line(gm.g_mime_message_get_subject(msg), MAIL_PARSE_SUBJECT_MAX, &m.subject)) < 0)
		goto out;
	GDateTime *date = gm.g_mime_message_get_date(msg);
	m.date = date ? gm.g_date_time_to_unix(date) : 0;
	r = tb_finish(&w.text, &m.text);
out:
	free(w.text.p);
	gm_unref(msg);
	gm_unref(parser);
	gm_unref(stream);
	if (r < 0) {
		mail_message_free(&m);
		return r;
	}
	*ret = m;
	return 0;
}

void mail_message_free(struct mail_message *m)
{
	if (!m)
		return;
	free(m->message_id);
	free(m->in_reply_to);
	for (size_t i = 0; i < m->nreferences; i++)
		free(m->references[i]);
	free(m->references);
	free(m->from_addr);
	free(m->from_name);
	free(m->subject);
	free(m->text);
	for (size_t i = 0; i < m->nattachments; i++) {
		free(m->attachments[i].filename);
		free(m->attachments[i].content_type);
		free(m->attachments[i].data);
	}
	free(m->attachments);
	*m = (struct mail_message){0};
}
