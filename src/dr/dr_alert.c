/*
 * dr_alert.c: the e-mail sent when a plan misses its RPO, to every enabled admin with
 * an address and to the plan's owner when that is a user with one. Sent outside any
 * transaction (a mail server may take its time), each alert's outcome in the activity
 * log.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static int send_one(const json_t *alert, const char *to, const struct smtp_config *smtp, const char *from)
{
	const char *plan = json_string_value(json_object_get(alert, "plan"));
	char subject[WARD_DR_NAME_MAX + 64], *text = NULL, *msg = NULL, id[MAIL_MSGID_SIZE];
	size_t len = 0;
	snprintf(subject, sizeof(subject), "Recovery plan %s missed its RPO", plan);
	if (asprintf(&text,
		     "%s.\n\n"
		     "Until a good backup is taken, a disaster would lose more data than the plan allows.\n"
		     "See why in Ward (Backups, plan %s) or with 'ward dr plan show %s' and 'ward dr runs %s';\n"
		     "'ward dr backup %s' backs it up now.\n\n"
		     "-- \nWard\n",
		     json_string_value(json_object_get(alert, "message")), plan, plan, plan, plan) < 0)
		return -ENOMEM;
	struct mail_out m = {.from_addr = from,
			     .from_name = "Ward",
			     .to_addr = to,
			     .subject = subject,
			     .text = text,
			     .extra_headers = {{"X-Ward-Plan", plan}}};
	int r = mail_compose(&m, &msg, &len, id);
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
		size_t n = 0;
		json_array_foreach(users, k, u)
		{
			const char *email = json_string_value(json_object_get(u, "email"));
			const char *role = json_string_value(json_object_get(u, "role"));
			bool is_owner = owner && strcmp(owner, json_string_value(json_object_get(u, "name"))) == 0;
			if (email && !json_is_true(json_object_get(u, "disabled")) &&
			    ((role && strcmp(role, "admin") == 0) || is_owner))
				rcpt_add(rcpt, &n, email);
		}
		json_t *to = json_array(), *errors = json_array();
		int ok = 0;
		const char *why = !smtp || !from ? "no mail server is configured"
				  : n == 0	 ? "no admin has an e-mail address"
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
		r = actlog_appendf(s, "scheduler", "dr.alert", object, "{s:s, s:o, s:i, s:o, s:o}", "about", "rpo",
				   "to", to, "sent", ok, "errors", errors, "unsent", json_string_or_null(why));
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
