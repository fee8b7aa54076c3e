/*
 * hosts_store.h: the hosts SQL (hosts_store.c); used only by hosts.c.
 */
#ifndef WARD_HOSTS_STORE_H
#define WARD_HOSTS_STORE_H

#include <jansson.h>
#include <stdint.h>

#include "core/store.h"
#include "hosts/hosts.h"

int hosts_store_token_insert(struct store *s, const unsigned char hash[32], const char *by, int64_t now,
			     int64_t expires, int64_t uses);
/* Uses one enrollment of a live token; -EACCES when none is left or it expired. */
int hosts_store_token_use(struct store *s, const unsigned char hash[32], int64_t now);

int hosts_store_insert(struct store *s, const char *uid, const char *name, const unsigned char secret_hash[32],
		       int64_t now, int64_t interval, int64_t *ret_id);
/* By uid; -ENOENT. ret_secret_hash may be NULL. */
int hosts_store_get_uid(struct store *s, const char *uid, struct host *ret, unsigned char ret_secret_hash[32]);
/* By name: -ENOENT, or -EEXIST when several hosts share it. */
int hosts_store_get_name(struct store *s, const char *name, struct host *ret);
int hosts_store_get_id(struct store *s, int64_t id, struct host *ret);
int hosts_store_each(struct store *s, int (*fn)(const struct host *, void *), void *arg);
int hosts_store_tags(struct store *s, int64_t host_id, json_t *out);
int hosts_store_tag_set(struct store *s, int64_t host_id, const char *tag, bool on);
int hosts_store_set_meta(struct store *s, int64_t host_id, const char *owner, const char *location);
int hosts_store_delete(struct store *s, int64_t host_id);

/* After a report: name, os, kernel, packages, interval, last report time, count. */
int hosts_store_reported(struct store *s, int64_t host_id, const char *name, const char *os, const char *kernel,
			 int64_t packages, int64_t interval, int64_t now);

/* The stored digests of a host's sections into out ({section: digest}). */
int hosts_store_digests(struct store *s, int64_t host_id, json_t *out);
/* A section's stored JSON (caller frees), or NULL in *ret when none. */
int hosts_store_section_get(struct store *s, int64_t host_id, const char *section, char **ret);
int hosts_store_section_put(struct store *s, int64_t host_id, const char *section, const char *digest,
			    const char *data, int64_t now);
/* Every section as {section: value}. */
int hosts_store_sections(struct store *s, int64_t host_id, json_t *out);

int hosts_store_history_add(struct store *s, int64_t host_id, int64_t now, const char *kind, const char *subject,
			    const char *old, const char *cur);
int hosts_store_history(struct store *s, int64_t host_id, int64_t since, int limit, json_t *out);

#endif
