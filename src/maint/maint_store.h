/*
 * maint_store.h: the SQL behind maintenance windows (maint_store.c); used only by
 * maint.c. A window comes back as {"id", "name", "description", "days" (the bit mask),
 * "start_min", "duration_min", "timezone", "selection": {"all", "hosts", "tags"},
 * "created_by", "created_at", "updated_at"}.
 */
#ifndef WARD_MAINT_STORE_H
#define WARD_MAINT_STORE_H

#include <jansson.h>
#include <stdint.h>

#include "core/store.h"

struct maint_row {
	const char *name, *description, *timezone, *selection; /* selection: JSON text */
	unsigned days;
	int start_min, duration_min;
};

/* -EEXIST when the name is taken. */
int maint_store_insert(struct store *s, const struct maint_row *row, const char *by, int64_t now, int64_t *ret_id);
int maint_store_update(struct store *s, int64_t id, const struct maint_row *row, int64_t now);
int maint_store_delete(struct store *s, int64_t id);

/* The window by name; -ENOENT. */
int maint_store_get(struct store *s, const char *name, json_t **ret);

/* Every window, by name, appended to out. */
int maint_store_list(struct store *s, json_t *out);

/* How many windows there are. */
int maint_store_count(struct store *s, int64_t *ret);

#endif
