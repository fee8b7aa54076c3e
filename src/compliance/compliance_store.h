/*
 * compliance_store.h: the SQL behind compliance.c. It reads the hosts' stored
 * upgrades sections (host_sections, owned by hosts) and writes only its own tables.
 */
#ifndef WARD_COMPLIANCE_STORE_H
#define WARD_COMPLIANCE_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/store.h"

#define COMPLIANCE_STORE_ROWS_MAX 2000000 /* pending upgrades read at once (a fleet's) */

/* A setting's value, or *ret untouched and *ret_found false. */
int compliance_store_setting_get(struct store *s, const char *key, int64_t *ret, bool *ret_found);
int compliance_store_setting_set(struct store *s, const char *key, int64_t value);

/* Calls fn for every host's upgrades section stored at or after since, oldest first. */
int compliance_store_sections_since(struct store *s, int64_t since,
				    int (*fn)(void *arg, int64_t host_id, const char *data, int64_t updated_at),
				    void *arg);

/* The host's pending upgrades as {"package\tarchitecture\tcandidate": true}. */
int compliance_store_open_keys(struct store *s, int64_t host_id, json_t *out);

/* Records an upgrade on offer: a new one is first seen at first_seen, or at the first
 * sighting of a still-pending older candidate of the same package (which it
 * supersedes); a known one is reopened if it was resolved, its clock kept. */
int compliance_store_observe(struct store *s, int64_t host_id, const char *package, const char *architecture,
			     const char *installed, const char *candidate, bool security, int64_t first_seen);
int compliance_store_resolve(struct store *s, int64_t host_id, const char *package, const char *architecture,
			     const char *candidate, int64_t now);

/* The issues a pending upgrade fixes (cves: a JSON array's text, or NULL) and the
 * most urgent one's urgency (or NULL). */
int compliance_store_set_urgency(struct store *s, int64_t host_id, const char *package, const char *architecture,
				 const char *candidate, const char *urgency, const char *cves);

/* Machines with an upgrades section (host NULL: all; else that id): [{"id", "host",
 * "uid"}] by name. */
int compliance_store_hosts(struct store *s, int64_t host_id, json_t *out);

/* Pending upgrades (host_id 0: every machine's): [{"host_id", "package",
 * "architecture", "installed", "candidate", "security", "first_seen", "urgency",
 * "cves"}]. */
int compliance_store_pending(struct store *s, int64_t host_id, json_t *out);

int compliance_store_snapshot_put(struct store *s, const char *day, int64_t host_id, const char *host, int64_t tracked,
				  int64_t overdue, double percent, int64_t machines, int64_t compliant, int64_t now);

/* Snapshots of host_id (0: the fleet) from since_day on, oldest first. */
int compliance_store_history(struct store *s, int64_t host_id, const char *since_day, json_t *out);

#endif
