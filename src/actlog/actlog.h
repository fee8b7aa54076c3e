/*
 * actlog.h: the tamper-evident activity log. Every state change in every module is
 * recorded through actlog_append(); each entry's hash covers the previous entry's hash
 * and a canonical encoding of the entry, and the newest (id, hash) is also kept in the
 * file activity.head in the data directory, so that removing the newest entries shows.
 */
#ifndef WARD_ACTLOG_H
#define WARD_ACTLOG_H

#include <jansson.h>
#include <stdint.h>

#include "core/crypto.h"
#include "core/store.h"

#define ACTLOG_HEAD_FILE "activity.head"

/* Appends one entry, inside the caller's transaction when there is one (else in its
 * own). details is borrowed and may be NULL (an empty object). The head file is
 * rewritten just before the transaction commits. 0 or -errno. */
int actlog_append(struct store *s, const char *actor, const char *action, const char *object,
		  const json_t *details);

/* As actlog_append, with details built from a jansson pack format, e.g.
 * actlog_appendf(s, "alice", "user.create", "user:bob", "{s:s}", "role", "employee"). */
int actlog_appendf(struct store *s, const char *actor, const char *action, const char *object,
		   const char *fmt, ...);

/* The hash of an entry given the previous hash; hex into out. */
void actlog_hash(const char *prev_hash, int64_t id, int64_t at, const char *actor, const char *action,
		 const char *object, const char *details, char out[CRYPTO_SHA256_HEX]);

struct actlog_verify {
	int64_t entries; /* entries checked */
	int64_t bad_id;  /* first bad entry (0 when the problem is not one entry) */
};

/* Walks the whole chain and checks the head file. 0 when intact; -EBADMSG with a message
 * naming the first bad entry when anything was edited, deleted, inserted, reordered or
 * truncated; other -errno when it cannot be read. */
int actlog_verify(struct store *s, struct actlog_verify *ret);

struct actlog_filter {
	int64_t since;      /* entries at or after (0: all) */
	const char *actor;  /* exact, or NULL */
	const char *action; /* exact, or a prefix ending in ".*", or NULL */
	int64_t before;     /* entries with id below (0: from the newest) */
	int limit;          /* 1..WARD_LOG_PAGE_MAX */
};

/* Newest first. *ret is a new JSON array of entries {id, time, actor, action, object,
 * details}; *ret_next_before is the id to pass as before for the next page, or 0. */
int actlog_list(struct store *s, const struct actlog_filter *f, json_t **ret, int64_t *ret_next_before);

/* Number of entries. */
int actlog_count(struct store *s, int64_t *ret);

/* The actor name for a command run on this machine: "local:<unix user>". */
const char *actlog_local_actor(void);

#endif
