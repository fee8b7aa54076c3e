/*
 * dr_alert.c: the e-mail sent when a plan misses its RPO or a restore drill of it
 * fails: to every enabled admin with an address, to the plan's owner (a user with an
 * address, or an address) and to every address in its contacts. Sent outside any
 * transaction (a mail server may take its time), each alert's outcome in the activity
 * log.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "accounts/accounts.h"
#include "actlog/actlog.h"
#include "core/err.h"
#include "core/json.h"
#include "dr/dr.h"
#include "mail/mail_compose.h"
#include "mail/smtp.h"

#define DR_ALERT_RCPT_MAX 32 /* recipients of one alert */

/* Adds addr to rcpt unless it is there. */
static void rcpt_add(const char **rcpt, size_t *n, const char *addr)
{
	for (size_t i = 0; i < *n; i++)
		if (strcasecmp(rcpt[i], addr) == 0)
			return;
	if (*n < DR_ALERT_RCPT_MAX)
		rcpt[(*n)++] = addr;
}

/* The addresses in a plan's contacts, a free text ("alice@example.com, +1 555 0100",
 * "Ops <ops@example.com>"): every word that is an address. */
static void rcpt_add_contacts(const char **rcpt, size_t *n, char *text)
{
	char *save = NULL;
	for (char *w = strtok_r(text, " \t\r\n,;<>()[]\"'", &save); w;
	     w = strtok_r(NULL, " \t\r\n,;<>()[]\"'", &save)) {
		size_t len = strlen(w);
		while (len && w[len - 1] == '.')
			w[--len] = '\0';
		if (strncasecmp(w, "mailto:", 7) == 0)
			w += 7;
		if (strchr(w, '@') && mail_addr_check(w, "contact") == 0)
			rcpt_add(rcpt, n, w);
		else
			err_clear();
	}
}

static int send_one(const json_t *alert, const char *to, const struct smtp_config *smtp, const char *from)
{
	const char *plan = json_string_value(json_object_get(alert, "plan"));
	const char *about = json_string_value(json_object_get(alert, "about"));
	bool drill = about && strcmp(about, "drill") == 0;
	char subject[WARD_DR_NAME_MAX + 64], *text = NULL, *msg = NULL, id[MAIL_MSGID_SIZE];
	size_t len = 0;
	int r;
	if (drill) {
		snprintf(subject, sizeof(subject), "Recovery plan %s: a restore drill failed", plan);
		r = asprintf(&text,
			     "%s.\n\n"
			     "The newest backup could not be restored and verified: until a drill passes, nobody\n"
			     "knows that this service can be brought back from its backups.\n"
			     "See why in Ward (Backups, plan %s) or with 'ward dr runs %s --kind drill';\n"
			     "'ward dr drill %s' tries again.\n\n"
			     "-- \nWard\n",
			     json_string_value(json_object_get(alert, "message")), plan, plan, plan);
	} else {
		snprintf(subject, sizeof(subject), "Recovery plan %s missed its RPO", plan);
		r = asprintf(
		    &text,
		    "%s.\n\n"
		    "Until a good backup is taken, a disaster would lose more data than the plan allows.\n"
		    "See why in Ward (Backups, plan %s) or with 'ward dr plan show %s' and 'ward dr runs %s';\n"
		    "'ward dr backup %s' backs it up now.\n\n"
		    "-- \nWard\n",
		    json_string_value(json_object_get(alert, "message")), plan, plan, plan, plan);
	}
	if (r < 0)
		return -ENOMEM;
	struct mail_out m = {.from_addr = from,
			     .from_name = "Ward",
			     .to_addr = to,
			     .subject = subject,
			     .text = text,
			     .extra_headers = {{"X-Ward-Plan", plan}, {"X-Ward-Alert", drill ? "drill" : "rpo"}}};
	r = mail_compose(&m, &msg, &len, id);
	if (r == 0)
		r = smtp_send(smtp, from, (const char *const[]){to}, 1, msg, len);
	free(text);
	free(msg);
	return r;
}

int dr_alert_send(struct store *s, const json_t *alerts, const struct smtp_config *smtp, const char *from,
		  int *ret_sent, int *ret_failed)
{
	json_t *users = NULL, *u, *alert;
	size_t i, k;
	int sent = 0, failed = 0, r = 0;
	if (json_array_size(alerts) == 0)
		goto out;
	if ((r = accounts_user_list(s, &users)) < 0)
		return r;
	json_array_foreach(alerts, i, alert)
	{
		const char *rcpt[DR_ALERT_RCPT_MAX], *owner = json_string_value(json_object_get(alert, "owner"));
		const char *about = json_string_value(json_object_get(alert, "about"));
		char contacts[WARD_DR_TEXT_MAX + 1], owner_addr[MAIL_ADDR_MAX + 1] = "";
		size_t n = 0;
		snprintf(contacts, sizeof(contacts), "%s",
			 json_string_value(json_object_get(alert, "contacts"))
			     ? json_string_value(json_object_get(alert, "contacts"))
			     : "");
		json_array_foreach(users, k, u)
		{
			const char *email = json_string_value(json_object_get(u, "email"));
			const char *role = json_string_value(json_object_get(u, "role"));
			bool is_owner = owner && strcmp(owner, json_string_value(json_object_get(u, "name"))) == 0;
			if (email && !json_is_true(json_object_get(u, "disabled")) &&
			    ((role && strcmp(role, "admin") == 0) || is_owner))
				rcpt_add(rcpt, &n, email);
		}
		/* An owner who is not a user may be an address. */
		if (owner && strchr(owner, '@') && strlen(owner) <= MAIL_ADDR_MAX) {
			if (mail_addr_check(owner, "owner") == 0) {
				snprintf(owner_addr, sizeof(owner_addr), "%s", owner);
				rcpt_add(rcpt, &n, owner_addr);
			} else {
				err_clear();
			}
		}
		rcpt_add_contacts(rcpt, &n, contacts);
		json_t *to = json_array(), *errors = json_array();
		int ok = 0;
		const char *why = !smtp || !from ? "no mail server is configured"
				  : n == 0	 ? "no admin, owner or contact has an e-mail address"
						 : NULL;
		for (size_t j = 0; !why && j < n; j++) {
			int e = send_one(alert, rcpt[j], smtp, from);
			json_array_append_new(to, json_string(rcpt[j]));
			if (e == 0) {
				ok++;
			} else {
				char line[600];
				snprintf(line, sizeof(line), "%s: %s", rcpt[j], err_msg(e));
				json_array_append_new(errors, json_string(line));
			}
		}
		sent += ok;
		failed += (int)json_array_size(errors);
		char object[WARD_DR_NAME_MAX + 16];
		snprintf(object, sizeof(object), "dr-plan:%s", json_string_value(json_object_get(alert, "plan")));
		r = actlog_appendf(s, "scheduler", "dr.alert", object, "{s:s, s:o, s:i, s:o, s:o}", "about",
				   about ? about : "rpo", "to", to, "sent", ok, "errors", errors, "unsent",
				   json_string_or_null(why));
		if (r < 0)
			goto out;
	}
out:
	json_decref(users);
	if (r == 0) {
		if (ret_sent)
			*ret_sent = sent;
		if (ret_failed)
			*ret_failed = failed;
	}
	return r;
}
