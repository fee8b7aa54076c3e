/*
 * helpdesk_mail.c: the help desk's e-mail. In: one RFC 5322 message at a time (`ward
 * mail ingest`, for Postfix, fetchmail or getmail) opens a ticket or adds to one, once
 * per Message-ID, never for auto-replies, bounces or list mail. Out: notifications are
 * queued in the transaction of the change they report and sent later with retries, so
 * a mail server that is slow or down never blocks a change or loses a message.
 */
#include "helpdesk/helpdesk.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "accounts/accounts.h"
#include "actlog/actlog.h"
#include "core/crypto.h"
#include "core/err.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "helpdesk/helpdesk_internal.h"
#include "helpdesk/helpdesk_store.h"
#include "mail/mail_compose.h"
#include "mail/mail_parse.h"
#include "mail/smtp.h"

#define REPLY_MARKER "-- Reply above this line to add to the ticket --"
#define OUTBOX_BATCH 50
#define OUTBOX_ATTEMPTS 10 /* then the message is marked failed */

/* --- settings --- */

struct mail_settings {
	json_t *j; /* owns the strings below */
	const char *from_addr, *from_name, *host, *port, *user, *password_file, *ca_file, *unknown;
	enum smtp_tls tls;
};

static const char *const tls_names[] = {"starttls", "require-starttls", "implicit", "none"};

static int settings_parse(const json_t *j, struct mail_settings *m)
{
	static const char *const fields[] = {"from_addr", "from_name", "smtp_host", "smtp_port", "tls", "user",
					     "password_file", "ca_file", "unknown_senders", NULL};
	const char *tls;
	int r;
	memset(m, 0, sizeof(*m));
	if (!json_is_object(j))
		return err_set(-EINVAL, "mail settings must be a JSON object");
	if ((r = json_check_fields(j, fields)) < 0 || (r = json_get_string(j, "from_addr", true, 254, &m->from_addr)) < 0 ||
	    (r = json_get_string(j, "from_name", false, 200, &m->from_name)) < 0 ||
	    (r = json_get_string(j, "smtp_host", true, 253, &m->host)) < 0 ||
	    (r = json_get_string(j, "smtp_port", false, 5, &m->port)) < 0 ||
	    (r = json_get_string(j, "tls", false, 20, &tls)) < 0 || (r = json_get_string(j, "user", false, 254, &m->user)) < 0 ||
	    (r = json_get_string(j, "password_file", false, 4096, &m->password_file)) < 0 ||
	    (r = json_get_string(j, "ca_file", false, 4096, &m->ca_file)) < 0 ||
	    (r = json_get_string(j, "unknown_senders", false, 16, &m->unknown)) < 0)
		return r;
	if ((r = mail_addr_check(m->from_addr, "from_addr")) < 0)
		return r;
	if (m->port && (strspn(m->port, "0123456789") != strlen(m->port) || !*m->port))
		return err_set(-EINVAL, "smtp_port must be a number");
	m->tls = SMTP_TLS_STARTTLS;
	if (tls) {
		size_t i;
		for (i = 0; i < 4 && strcmp(tls, tls_names[i]) != 0; i++)
			;
		if (i == 4)
			return err_set(-EINVAL, "tls must be starttls, require-starttls, implicit or none");
		m->tls = (enum smtp_tls[]){SMTP_TLS_STARTTLS, SMTP_TLS_REQUIRE_STARTTLS, SMTP_TLS_IMPLICIT, SMTP_TLS_NONE}[i];
	}
	if (!!m->user != !!m->password_file)
		return err_set(-EINVAL, "user and password_file go together");
	if (!m->unknown)
		m->unknown = "create";
	if (strcmp(m->unknown, "create") != 0 && strcmp(m->unknown, "reject") != 0)
		return err_set(-EINVAL, "unknown_senders must be 'create' or 'reject'");
	return 0;
}

/* The stored settings; -ENOENT when mail is not set up. */
static int settings_load(struct store *s, struct mail_settings *m)
{
	char *text = NULL;
	json_t *j;
	int r = tickets_store_setting(s, "mail", &text);
	if (r < 0)
		return r == -ENOENT ? -ENOENT : r;
	j = json_loads(text, 0, NULL);
	free(text);
	if (!j)
		return err_set(-EIO, "the stored mail settings are not JSON");
	if ((r = settings_parse(j, m)) < 0) {
		json_decref(j);
		return r;
	}
	m->j = j;
	return 0;
}

static void settings_free(struct mail_settings *m)
{
	json_decref(m->j);
	m->j = NULL;
}

int helpdesk_mail_settings_set(struct store *s, const struct actor *a, const json_t *settings)
{
	struct mail_settings m;
	char *text = NULL;
	int r = settings_parse(settings, &m);
	if (r < 0)
		return r;
	if (!(text = json_canonical(settings)))
		return -ENOMEM;
	if ((r = store_tx_begin(s)) == 0) {
		if ((r = tickets_store_setting_set(s, "mail", text)) == 0)
			r = actlog_append(s, a->name, "helpdesk.mail", "helpdesk:mail", settings);
		r = store_tx_end(s, r);
	}
	free(text);
	return r;
}

/* --- notifications --- */

/* While a message is being taken in: its id, so the acknowledgement of the ticket it
 * opens answers it (the ticket has no mail of its own yet). */
static _Thread_local const char *inbound_id;

/* Queues one message about ticket id to addr, threaded after the ticket's mail. */
static int queue(struct store *s, const struct mail_settings *m, int64_t id, const char *to_addr, const char *to_name,
		 const char *title, const char *text)
{
	char first[256], last[256], mid[256], rnd[33], subject[400], refs[520], *body = NULL;
	const char *domain = strchr(m->from_addr, '@') + 1;
	int r = hd_store_thread(s, id, first, last);
	if (r < 0)
		return r;
	if (!last[0] && inbound_id) {
		snprintf(first, sizeof(first), "%s", inbound_id);
		snprintf(last, sizeof(last), "%s", inbound_id);
	}
	crypto_random_hex(16, rnd);
	snprintf(mid, sizeof(mid), "ward-%lld-%s@%s", (long long)id, rnd, domain);
	snprintf(subject, sizeof(subject), "[#%lld] %s", (long long)id, title);
	if (first[0] && strcmp(first, last) != 0)
		snprintf(refs, sizeof(refs), "%s %s", first, last);
	else
		snprintf(refs, sizeof(refs), "%s", last);
	if (asprintf(&body, "%s\n\n%s\n", REPLY_MARKER, text) < 0)
		return -ENOMEM;
	struct hd_outbox o = {.ticket_id = id,
			      .to_addr = (char *)to_addr,
			      .to_name = (char *)to_name,
			      .subject = subject,
			      .body = body,
			      .message_id = mid,
			      .in_reply_to = last[0] ? last : NULL,
			      .refs = refs[0] ? refs : NULL};
	int64_t now = time_now();
	if ((r = hd_store_outbox_add(s, &o, now)) == 0)
		r = hd_store_message_add(s, mid, id, false, time_now_ms());
	free(body);
	return r;
}

int hd_notify(struct store *s, const struct actor *a, int64_t id, const char *kind, bool public, const char *body,
	      const json_t *data)
{
	struct mail_settings m;
	struct hd_people p;
	char text[1024];
	int r = settings_load(s, &m);
	if (r == -ENOENT)
		return 0; /* mail is not set up */
	if (r < 0)
		return r;
	if ((r = hd_store_people(s, id, &p)) < 0)
		goto out;
	bool by_requester = a->user_id && a->user_id == p.requester_id;
	const char *to_requester = NULL, *to_assignee = NULL;
	if (strcmp(kind, "create") == 0) {
		snprintf(text, sizeof(text), "We have your request and opened ticket #%lld: %s\n\nWe will answer here.",
			 (long long)id, p.title);
		to_requester = text;
	} else if (strcmp(kind, "reply") == 0) {
		if (by_requester) {
			snprintf(text, sizeof(text), "%s replied on ticket #%lld:", p.requester, (long long)id);
			to_assignee = text;
		} else {
			snprintf(text, sizeof(text), "%s wrote:", a->name);
			to_requester = text;
		}
	} else if ((strcmp(kind, "status") == 0 || strcmp(kind, "resolve") == 0) && public && !by_requester &&
		   json_string_value(json_object_get(data, "to")) &&
		   strcmp(json_string_value(json_object_get(data, "to")), "open") != 0) {
		const char *to = json_string_value(json_object_get(data, "to"));
		snprintf(text, sizeof(text), "Ticket #%lld is now %s.%s", (long long)id, to ? to : "changed",
			 to && strcmp(to, "resolved") == 0 ? " If it is not solved, reply to this message to reopen it."
							  : "");
		to_requester = text;
	} else if (strcmp(kind, "assign") == 0 && p.assignee_id && p.assignee_id != a->user_id) {
		snprintf(text, sizeof(text), "Ticket #%lld was assigned to you by %s.", (long long)id, a->name);
		to_assignee = text;
	} else if (strcmp(kind, "sla") == 0) {
		snprintf(text, sizeof(text), "The SLA of ticket #%lld is %s.", (long long)id,
			 json_is_true(json_object_get(data, "resolve_breached")) ||
				 json_is_true(json_object_get(data, "response_breached"))
			     ? "breached"
			     : "at risk");
		to_assignee = text;
	}
	char *full = NULL;
	bool ack = strcmp(kind, "create") == 0; /* the acknowledgement goes to the requester who wrote */
	if (to_requester && p.requester_email[0] && (!by_requester || ack)) {
		if (asprintf(&full, "%s%s%s", to_requester, body ? "\n\n" : "", body ? body : "") < 0)
			r = -ENOMEM;
		else
			r = queue(s, &m, id, p.requester_email, p.requester, p.title, full);
	} else if (to_assignee && p.assignee_email[0]) {
		if (asprintf(&full, "%s%s%s", to_assignee, body && public ? "\n\n" : "", body && public ? body : "") < 0)
			r = -ENOMEM;
		else
			r = queue(s, &m, id, p.assignee_email, p.assignee, p.title, full);
	}
	free(full);
out:
	settings_free(&m);
	return r;
}

/* --- sending --- */

static int64_t backoff(int64_t attempts)
{
	static const int64_t steps[] = {60, 300, 900, 1800, 3600, 7200, 14400, 28800, 43200, 86400};
	return steps[attempts < 10 ? attempts : 9];
}

/* The SMTP password: the first line of a file only root (or ward) can read. */
static int read_password(const char *path, char *out, size_t size)
{
	char *text = NULL;
	size_t len = 0;
	int r = fs_read_file(path, size - 1, &text, &len);
	if (r < 0)
		return err_set(r, "cannot read the SMTP password file '%s': %s", path, strerror(-r));
	text[strcspn(text, "\r\n")] = '\0';
	snprintf(out, size, "%s", text);
	memset(text, 0, len);
	free(text);
	return 0;
}

int helpdesk_mail_send(struct store *s, int64_t now, int *ret_sent, int *ret_failed)
{
	struct mail_settings m;
	struct hd_outbox due[OUTBOX_BATCH];
	char password[512] = "";
	int n = 0, r = settings_load(s, &m);
	*ret_sent = *ret_failed = 0;
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	if (m.password_file && (r = read_password(m.password_file, password, sizeof(password))) < 0)
		goto out;
	memset(due, 0, sizeof(due));
	if ((r = hd_store_outbox_due(s, now, due, OUTBOX_BATCH, &n)) < 0)
		goto out;
	struct smtp_config c = {.host = m.host,
				.port = m.port,
				.user = m.user,
				.password = m.user ? password : NULL,
				.ca_file = m.ca_file,
				.tls = m.tls,
				.timeout_s = 30};
	for (int i = 0; i < n && r == 0; i++) {
		struct hd_outbox *o = &due[i];
		char *msg = NULL, mid[MAIL_MSGID_SIZE];
		size_t len = 0;
		struct mail_out out = {.from_addr = m.from_addr,
				       .from_name = m.from_name,
				       .to_addr = o->to_addr,
				       .to_name = o->to_name,
				       .subject = o->subject,
				       .text = o->body,
				       .message_id = o->message_id,
				       .in_reply_to = o->in_reply_to,
				       .references = o->refs};
		char ticket[32];
		snprintf(ticket, sizeof(ticket), "%lld", (long long)o->ticket_id);
		out.extra_headers[0][0] = "X-Ward-Ticket";
		out.extra_headers[0][1] = ticket;
		int e = mail_compose(&out, &msg, &len, mid);
		const char *rcpt[] = {o->to_addr};
		if (e == 0)
			e = smtp_send(&c, m.from_addr, rcpt, 1, msg, len);
		free(msg);
		const char *status = e == 0 ? "sent" : e == -EAGAIN && o->attempts + 1 < OUTBOX_ATTEMPTS ? "queued" : "failed";
		if (e == 0)
			(*ret_sent)++;
		else if (strcmp(status, "failed") == 0)
			(*ret_failed)++;
		if (e < 0)
			log_warnx("mail to %s about ticket %lld: %s%s", o->to_addr, (long long)o->ticket_id, err_msg(e),
				  strcmp(status, "queued") == 0 ? " (will retry)" : "");
		r = hd_store_outbox_done(s, o->id, status, now, now + backoff(o->attempts), e == 0 ? NULL : err_msg(e));
	}
out:
	for (int i = 0; i < n; i++)
		hd_outbox_release(&due[i]);
	memset(password, 0, sizeof(password));
	settings_free(&m);
	return r;
}

int helpdesk_mail_config(struct store *s, struct helpdesk_mail_config *ret)
{
	struct mail_settings m;
	int r = settings_load(s, &m);
	memset(ret, 0, sizeof(*ret));
	if (r < 0)
		return r;
	if (m.password_file && (r = read_password(m.password_file, ret->password, sizeof(ret->password))) < 0) {
		settings_free(&m);
		return r;
	}
	snprintf(ret->from_addr, sizeof(ret->from_addr), "%s", m.from_addr);
	ret->smtp = (struct smtp_config){.host = m.host,
					 .port = m.port,
					 .user = m.user,
					 .password = m.user ? ret->password : NULL,
					 .ca_file = m.ca_file,
					 .tls = m.tls,
					 .timeout_s = 30};
	ret->settings = m.j; /* keeps the strings alive */
	return 0;
}

void helpdesk_mail_config_free(struct helpdesk_mail_config *c)
{
	json_decref(c->settings);
	memset(c, 0, sizeof(*c));
}

int helpdesk_mail_outbox(struct store *s, int limit, json_t **ret)
{
	return hd_store_outbox_list(s, limit, ret);
}

/* --- ingest --- */

/* The ticket number in "[#123]" in the subject, or 0. */
static int64_t subject_ticket(const char *subject)
{
	for (const char *p = strstr(subject, "[#"); p; p = strstr(p + 2, "[#")) {
		int64_t n = 0;
		const char *q = p + 2;
		while (isdigit((unsigned char)*q) && n < INT64_MAX / 10)
			n = n * 10 + (*q++ - '0');
		if (q > p + 2 && *q == ']')
			return n;
	}
	return 0;
}

/* The text without what our own notification quoted below the reply marker, and
 * without a trailing quoted block ("On ... wrote:" and "> " lines). */
static char *reply_text(const char *text)
{
	char *t = strdup(text ? text : "");
	if (!t)
		return NULL;
	char *cut = strstr(t, "Reply above this line");
	if (cut) {
		while (cut > t && cut[-1] != '\n')
			cut--;
		*cut = '\0';
	}
	/* Drop trailing "> " lines and the attribution line before them. */
	size_t n = strlen(t);
	for (;;) {
		while (n > 0 && (t[n - 1] == '\n' || t[n - 1] == ' ' || t[n - 1] == '\r'))
			t[--n] = '\0';
		char *line = strrchr(t, '\n');
		line = line ? line + 1 : t;
		if (n == 0 || !(line[0] == '>' || (strncmp(line, "On ", 3) == 0 && strstr(line, "wrote:"))))
			break;
		*line = '\0';
		n = (size_t)(line - t);
	}
	return t;
}

/* A user name from the local part of addr: [a-z0-9._-], starting with a letter. */
static void name_from_addr(const char *addr, char out[WARD_NAME_MAX + 1])
{
	size_t n = 0;
	for (const char *p = addr; *p && *p != '@' && n < 40; p++) {
		char c = (char)tolower((unsigned char)*p);
		if (isalnum((unsigned char)c) || c == '.' || c == '_' || c == '-')
			out[n++] = c;
	}
	out[n] = '\0';
	if (n == 0 || !isalpha((unsigned char)out[0])) {
		memmove(out + 5, out, n + 1);
		memcpy(out, "mail-", 5);
	}
}

/* The sender as a user, created as an unverified employee when allowed. */
static int sender_user(struct store *s, const struct mail_settings *m, const struct mail_message *msg,
		       struct user *u, bool *ret_created)
{
	char name[WARD_NAME_MAX + 1], try[WARD_NAME_MAX + 1], password[21];
	int r = accounts_user_by_email(s, msg->from_addr, u);
	*ret_created = false;
	if (r != -ENOENT)
		return r;
	if (strcmp(m->unknown, "create") != 0)
		return err_set(-EACCES, "'%s' is not a known user and mail from strangers is refused", msg->from_addr);
	name_from_addr(msg->from_addr, name);
	/* Never login-able until an admin sets a password: the generated one is not kept. */
	accounts_generate_password(password);
	for (int i = 1; i < 1000; i++) {
		if (i == 1)
			snprintf(try, sizeof(try), "%s", name);
		else
			snprintf(try, sizeof(try), "%.56s-%d", name, i);
		r = accounts_user_add(s, "mail", try, ROLE_EMPLOYEE, msg->from_addr, password, u);
		if (r != -EEXIST)
			break;
	}
	memset(password, 0, sizeof(password));
	if (r == 0) {
		char object[WARD_NAME_MAX + 8];
		snprintf(object, sizeof(object), "user:%s", u->name);
		*ret_created = true;
		r = actlog_appendf(s, "mail", "mail.user", object, "{s:s, s:b}", "address", msg->from_addr, "verified", 0);
	}
	return r;
}

static int attach_all(struct store *s, const struct actor *a, int64_t id, const struct mail_message *msg, bool internal)
{
	int r = 0;
	for (size_t i = 0; i < msg->nattachments && r == 0; i++) {
		json_t *att = NULL;
		const struct mail_attachment *f = &msg->attachments[i];
		r = ticket_attach(s, a, id, f->filename, f->content_type, f->data, f->size, internal, &att);
		json_decref(att);
	}
	return r;
}

static int ingest(struct store *s, const struct mail_settings *m, const struct mail_message *msg, json_t **ret)
{
	struct user u;
	bool created = false;
	/* When the message came: before anything it causes (the acknowledgement answers it). */
	int64_t id = 0, now = time_now(), received_ms = time_now_ms();
	int r;
	/* The same message twice (a retry, a second delivery): once only. */
	if (msg->message_id && hd_store_message_ticket(s, msg->message_id, &id) == 0) {
		*ret = json_pack("{s:s, s:I}", "action", "duplicate", "ticket", (json_int_t)id);
		return 0;
	}
	id = 0;
	if (msg->in_reply_to && hd_store_message_ticket(s, msg->in_reply_to, &id) < 0)
		id = 0;
	for (size_t i = msg->nreferences; id == 0 && i > 0; i--)
		if (hd_store_message_ticket(s, msg->references[i - 1], &id) < 0)
			id = 0;
	if (id == 0)
		id = subject_ticket(msg->subject);
	if ((r = sender_user(s, m, msg, &u, &created)) < 0)
		return r;
	struct actor a = {.user_id = u.id, .name = u.name, .role = u.role};
	struct ticket_state t;
	const char *action = "created";
	int64_t ticket = 0;
	char *text = reply_text(msg->text);
	if (!text)
		return -ENOMEM;
	if (id && tickets_store_get(s, id, &t) == 0 && strcmp(t.status, "closed") != 0 &&
	    (t.requester_id == u.id || u.role >= ROLE_SUPPORT)) {
		/* A reply by the requester or by staff: a public comment. */
		ticket = id;
		action = "comment";
		r = ticket_comment(s, &a, id, *text ? text : "(no text)", false, NULL);
		if (r == 0)
			r = attach_all(s, &a, id, msg, false);
	} else if (id && tickets_store_get(s, id, &t) == 0 && strcmp(t.status, "closed") != 0) {
		/* Someone else wrote about the ticket: support sees it, nobody else. */
		char *note = NULL;
		struct actor mail = {.name = "mail", .role = ROLE_ADMIN};
		ticket = id;
		action = "note";
		if (asprintf(&note, "Mail from %s:\n\n%s", msg->from_addr, text) < 0)
			r = -ENOMEM;
		else
			r = ticket_comment(s, &mail, id, note, true, NULL);
		if (r == 0)
			r = attach_all(s, &mail, id, msg, true);
		free(note);
	} else {
		struct ticket_new tn = {.title = *msg->subject ? msg->subject : "(no subject)",
					.description = *text ? text : "(no text)",
					.category = "mail"};
		char title[TICKET_TITLE_MAX + 1];
		/* A subject longer than a title is cut at a character boundary. */
		if (strlen(tn.title) > TICKET_TITLE_MAX) {
			size_t n = TICKET_TITLE_MAX;
			while (n > 0 && ((unsigned char)tn.title[n] & 0xc0) == 0x80)
				n--;
			snprintf(title, sizeof(title), "%.*s", (int)n, tn.title);
			tn.title = title;
		}
		if ((r = ticket_create(s, &a, &tn, &ticket)) == 0)
			r = attach_all(s, &a, ticket, msg, false);
		if (r == 0 && id)
			r = hd_event(s, &a, ticket, now, "update", true, NULL,
				     json_pack("{s:I}", "follows", (json_int_t)id), NULL);
	}
	free(text);
	if (r == 0 && msg->message_id)
		r = hd_store_message_add(s, msg->message_id, ticket, true, received_ms);
	if (r == 0)
		*ret = json_pack("{s:s, s:I, s:s, s:b}", "action", action, "ticket", (json_int_t)ticket, "user", u.name,
				 "user_created", created);
	return r;
}

int helpdesk_mail_ingest(struct store *s, const void *data, size_t len, json_t **ret)
{
	struct mail_settings m;
	struct mail_message msg;
	int r;
	*ret = NULL;
	if (len > MAIL_MAX)
		return err_set(-E2BIG, "the message is larger than %d MiB", MAIL_MAX >> 20);
	if ((r = mail_parse(data, len, &msg)) < 0)
		return r;
	if (msg.automatic) {
		/* Auto-replies, bounces and list mail never open tickets nor get answers. */
		r = actlog_appendf(s, "mail", "mail.ignored", "mail:in", "{s:s, s:s, s:s?}", "from", msg.from_addr, "why",
				   msg.automatic_why, "message_id", msg.message_id);
		if (r == 0)
			*ret = json_pack("{s:s, s:s}", "action", "ignored", "why", msg.automatic_why);
		mail_message_free(&msg);
		return r;
	}
	if ((r = settings_load(s, &m)) == -ENOENT) {
		/* Without mail settings: strangers are refused, no notifications. */
		json_t *d = json_pack("{s:s, s:s}", "from_addr", "ward@localhost", "smtp_host", "localhost");
		r = settings_parse(d, &m);
		m.unknown = "reject";
		m.j = d;
	}
	if (r == 0) {
		/* All or nothing: a message that fails half-way leaves no ticket behind. */
		inbound_id = msg.message_id;
		if ((r = store_tx_begin(s)) == 0)
			r = store_tx_end(s, ingest(s, &m, &msg, ret));
		inbound_id = NULL;
		if (r < 0) {
			json_decref(*ret);
			*ret = NULL;
		}
	}
	settings_free(&m);
	mail_message_free(&msg);
	return r;
}
