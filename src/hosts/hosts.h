/*
 * hosts.h: the fleet as the server keeps it: one-time enrollment tokens, enrolled
 * hosts with per-host secrets, the current facts of each host by inventory section,
 * and the history of changes derived from successive reports.
 */
#ifndef WARD_HOSTS_H
#define WARD_HOSTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/store.h"

#define HOSTS_ENROLL_TOKEN_LEN 75 /* "wardenroll_" + 64 hex digits */
#define HOSTS_UID_LEN 32          /* hex digits */
#define HOSTS_CREDENTIAL_LEN 103  /* "wardh_" + uid + "_" + 64 hex digits */
#define HOSTS_STALE_INTERVALS 3   /* missed intervals before a host is stale */
#define HOSTS_REPORT_MAX (16 * 1024 * 1024) /* bytes of one agent report */

struct host {
	int64_t id;
	char uid[HOSTS_UID_LEN + 1];
	char name[256];
	int64_t enrolled_at, last_report_at, interval_s, packages, reports;
	char os[256], kernel[256], owner[65], location[256];
};

/* A one-time enrollment token: valid for ttl seconds and uses enrollments. */
int hosts_enroll_token_create(struct store *s, const char *actor, int64_t ttl, int64_t uses,
			      char ret_token[HOSTS_ENROLL_TOKEN_LEN + 1]);

/* Enrolls a machine with a token: a new host, its id and its secret (shown once, kept
 * by the agent). -EACCES (logged) when the token is unknown, expired or used up. */
int hosts_enroll(struct store *s, const char *token, const char *hostname, const char *address,
		 char ret_uid[HOSTS_UID_LEN + 1], char ret_credential[HOSTS_CREDENTIAL_LEN + 1], int64_t *ret_interval);

/* Authenticates an agent's credential ("wardh_<uid>_<secret>"). -EACCES when wrong. */
int hosts_auth(struct store *s, const char *credential, struct host *ret);

/* Ingests one report (see docs/agent.md): stores each section whose digest changed,
 * records the changes against the stored facts in the history and the activity log,
 * and replies {"stored": [...], "unchanged": N, "need": [...]} (need: sections whose
 * digest changed but whose body the report did not carry). One transaction. */
int hosts_report(struct store *s, const struct host *h, const json_t *report, json_t **ret_reply);

struct hosts_filter {
	bool stale_only;
	const char *tag;    /* or NULL */
	const char *search; /* substring of name, os, owner, location; or NULL */
};

/* An array of host summaries, by name. */
int hosts_list(struct store *s, const struct hosts_filter *f, json_t **ret);

/* A host by name or id; -ENOENT. With several hosts of one name, the id is needed. */
int hosts_get(struct store *s, const char *name_or_uid, struct host *ret);

/* A host by its row id (what other modules store); -ENOENT. */
int hosts_get_id(struct store *s, int64_t id, struct host *ret);

/* The host summary with tags, its "upgrades" counts {upgrades, security, held},
 * "reboot_required" and "restart_services" (null until reported), and with sections
 * (the facts) when full. */
int hosts_show(struct store *s, const struct host *h, bool full, json_t **ret);

/* The host's history, newest first, at or after since. */
int hosts_history(struct store *s, const struct host *h, int64_t since, int limit, json_t **ret);

/* Sets owner / location (NULL: unchanged; "": cleared) and adds or removes tags
 * ("-tag" removes). */
int hosts_set(struct store *s, const char *actor, const struct host *h, const char *owner, const char *location,
	      const char *const tags[], int ntags);

int hosts_remove(struct store *s, const char *actor, const struct host *h);

/* True when the host has missed HOSTS_STALE_INTERVALS reports. */
bool hosts_is_stale(const struct host *h, int64_t now);

/* The changes between two versions of a section (either may be NULL): appends
 * {"kind", "subject", "old", "new"} objects to out. Pure; hosts_diff.c. */
int hosts_diff(const char *section, const json_t *old, const json_t *cur, json_t *out);

#endif
