/*
 * mail_parse.h: one incoming RFC 5322 message (what `ward mail ingest` reads) reduced
 * to what the help desk needs: sender, subject, threading ids, a UTF-8 plain-text body,
 * attachments, and whether a robot sent it. MIME is parsed with GMime 3, which is
 * opened with dlopen on first use and never linked (see mail_parse.c).
 */
#ifndef WARD_MAIL_PARSE_H
#define WARD_MAIL_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Hard limits. A message over one of the first three is refused with -E2BIG. */
#define MAIL_MAX (25 * 1024 * 1024)	       /* the raw message, bytes */
#define MAIL_ATTACHMENT_MAX (10 * 1024 * 1024) /* one attachment, decoded bytes */
#define MAIL_ATTACHMENTS_MAX 20		       /* attachments in one message */
#define MAIL_PARSE_PARTS_MAX 200	       /* MIME entities in one message (-E2BIG) */
#define MAIL_PARSE_DEPTH_MAX 16		       /* multiparts nested (-E2BIG) */
/* GMime builds an object of every header, parameter, address and part: left alone, a
 * 25 MiB message of nothing else makes it allocate gigabytes. So these are counted
 * (over-counted, see mail_parse_prescan) before GMime runs: at most about 40 MB then. */
#define MAIL_PARSE_HEADERS_MAX (256 * 1024) /* bytes of header lines, all parts (-E2BIG) */
#define MAIL_PARSE_DASH_LINES_MAX 10000	    /* lines starting with "--" (-E2BIG) */
/* The body text is cut (at a character boundary) rather than refused: past this many
 * bytes the rest is dropped and the text ends with MAIL_PARSE_TRUNCATED, so a person
 * reading the ticket knows. 256 KiB is about 50 printed pages. */
#define MAIL_PARSE_TEXT_MAX (256 * 1024)
#define MAIL_PARSE_TRUNCATED "\n\n[message text truncated]"
/* Longer values are cut at a character boundary... */
#define MAIL_PARSE_SUBJECT_MAX 900  /* like MAIL_SUBJECT_MAX in mail_compose.h */
#define MAIL_PARSE_NAME_MAX 200	    /* from_name */
#define MAIL_PARSE_FILENAME_MAX 200 /* an attachment's name (its extension kept) */
/* ...but ids are dropped, since a cut id matches nothing. */
#define MAIL_PARSE_ID_MAX 250	     /* a message id, without <> */
#define MAIL_PARSE_REFERENCES_MAX 20 /* References kept: the first and the latest */
#define MAIL_PARSE_ADDR_MAX 254	     /* from_addr; longer is -EBADMSG */

/* One attachment. The name is for showing and for Content-Disposition, never a path:
 * it has no '/' or '\\', no control or bidirectional-override characters, is not "."
 * or "..", and is "attachment" (or "message.eml" for an attached message) when the
 * message gives none. */
struct mail_attachment {
	char *filename;	     /* UTF-8, never NULL or empty */
	char *content_type;  /* lower-case "type/subtype"; "application/octet-stream" when unusable */
	unsigned char *data; /* the decoded bytes (base64 and quoted-printable undone) */
	size_t size;	     /* bytes in data, at most MAIL_ATTACHMENT_MAX */
};

/* Every string is valid UTF-8 without NUL and owned by the struct (mail_message_free). */
struct mail_message {
	char *message_id;  /* without <>, or NULL (absent, or over MAIL_PARSE_ID_MAX) */
	char *in_reply_to; /* without <>, or NULL */
	char **references; /* without <>, oldest first: the first and the latest ones */
	size_t nreferences;
	char *from_addr; /* lower-cased addr-spec (IDN domain in ASCII), never NULL */
	char *from_name; /* display name, RFC 2047 decoded, or NULL */
	char *subject;	 /* RFC 2047 decoded, one line; "" when there is none */
	int64_t date;	 /* Unix seconds from Date:, or 0 when absent or unreadable */
	/* A robot sent this (auto-reply, bounce, read receipt, list or bulk mail): never
	 * open a ticket for it and never answer it, or two robots mail each other forever.
	 * automatic_why is the header that said so ("Auto-Submitted: auto-replied"),
	 * printable ASCII, "" when automatic is false. See mail_parse() for the rules. */
	bool automatic;
	char automatic_why[128];
	/* The body as plain text, never NULL ("" when there is none): text/plain preferred
	 * (of multipart/alternative, the plain part); HTML-only mail reduced by
	 * mail_parse_html(). Line ends are "\n"; no control characters but "\n" and "\t";
	 * at most MAIL_PARSE_TEXT_MAX bytes. Several inline text parts are joined by a
	 * blank line. */
	char *text;
	struct mail_attachment *attachments;
	size_t nattachments;
};

/*
 * Parses one message of len bytes (CRLF or LF line ends). On success fills *ret, which
 * the caller releases with mail_message_free().
 *
 * Attachments: every leaf MIME part that is not part of the body text: parts with
 * Content-Disposition: attachment, inline parts with a file name, and parts that are not
 * text (images in multipart/related included, so screenshots pasted into a mail are
 * kept); an attached message (message/rfc822) is one attachment holding its raw text.
 * The text/html twin of a chosen text/plain (and vice versa) is neither body nor
 * attachment. The signature part of multipart/signed is dropped.
 *
 * automatic is true, first rule wins, when:
 *   Auto-Submitted is present and not "no"                       (RFC 3834)
 *   X-Autoreply or X-Autorespond is present                       (common responders)
 *   X-Auto-Response-Suppress lists All or OOF                     (Exchange, Outlook)
 *   Precedence is bulk, junk or list
 *   the top-level Content-Type is multipart/report                (bounces, read receipts)
 *   Return-Path is "<>"                                           (the null sender of bounces)
 *   From's local part is mailer-daemon or postmaster
 *   List-Id or List-Unsubscribe is present                        (RFC 2919, RFC 2369)
 * List-Unsubscribe counts because mail carrying it is sent in bulk (newsletters,
 * notifications; the big mailbox providers require it of bulk senders), and answering
 * list mail would write to the whole list. The price: a help desk address that is a
 * Google Group or another mailing list marks all its mail automatic (Precedence: list
 * and List-Id already do); point a plain mailbox or alias at Ward instead.
 *
 * Charsets: text parts are converted to UTF-8 from their declared charset; with none,
 * an unknown one, or a US-ASCII or ISO-8859-1 label, bytes that are not UTF-8 are read
 * as Windows-1252 (as browsers do); bytes that cannot be converted become U+FFFD.
 *
 * Errors (nothing written to *ret): -E2BIG (over MAIL_MAX, an attachment over
 * MAIL_ATTACHMENT_MAX, more than MAIL_ATTACHMENTS_MAX attachments, more than
 * MAIL_PARSE_PARTS_MAX parts or deeper than MAIL_PARSE_DEPTH_MAX, over
 * MAIL_PARSE_HEADERS_MAX or MAIL_PARSE_DASH_LINES_MAX), -EBADMSG (not a usable message:
 * no From with an addr-spec, or not a message at all), -ENOENT (GMime cannot be
 * loaded: libgmime-3.0-0 missing), -ENOMEM (Ward's own allocations; GLib's abort the
 * process when memory runs out, as GLib always does); err_msg() says which.
 *
 * GMime is loaded once per process, on the first call, and stays loaded (about 3.5 MB).
 * Calls share no GMime objects. GMime remembers each distinct charset name it meets,
 * about 70 bytes each, for the life of the process: nothing for `ward mail ingest`,
 * which parses one message, but a long-running intake fed hostile mail grows by that.
 */
int mail_parse(const void *data, size_t len, struct mail_message *ret);

/* Frees everything m holds and zeroes it; NULL and a zeroed struct are fine. */
void mail_message_free(struct mail_message *m);

/*
 * Reduces len bytes of UTF-8 HTML to plain text, as mail_parse() does for HTML-only
 * mail: tags dropped; script, style, title and template content dropped; comments
 * dropped; character references decoded (the named ones mail uses, and all numeric
 * ones); block elements (p, div, br, li, tr, headings, ...) end lines; runs of
 * white space collapsed outside <pre>; list items start with "- "; a link whose text is
 * not its http(s) address is followed by " <address>". Invalid UTF-8 becomes U+FFFD.
 * *ret_text is NUL-terminated, at most MAIL_PARSE_TEXT_MAX bytes (cut like the body)
 * and the caller frees it. 0 or -ENOMEM.
 */
int mail_parse_html(const char *html, size_t len, char **ret_text);

#endif
