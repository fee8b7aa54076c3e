/*
 * findings_store.h: the findings' SQL (findings_store.c); used only by findings.c.
 */
#ifndef WARD_FINDINGS_STORE_H
#define WARD_FINDINGS_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/store.h"

/* The id of the open finding (source, key) in *ret, 0 when none. */
int findings_store_open_id(struct store *s, const char *source, const char *key, int64_t *ret);
int findings_store_insert(struct store *s, const char *source, const char *key, const char *severity,
			  const char *subject, const char *message, int64_t now, int64_t *ret_id);
int findings_store_refresh(struct store *s, int64_t id, const char *severity, const char *message, int64_t now);
int findings_store_close(struct store *s, int64_t id, int64_t now);
int findings_store_list(struct store *s, bool open_only, const char *source, int limit, json_t *out);
int findings_store_count_open(struct store *s, int64_t *ret);

#endif
