/*
 * snapshot.c: snapshot files (encrypted JSON under snapshots/, see
 * docs/internals/backup-format.md): listing, finding, writing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "backup/backup.h"
#include "core/err.h"
#include "core/json.h"

int snapshot_write(struct repo *r, json_t *snapshot, char ret_id[REPO_HEX_LEN])
{
	char *text = json_canonical(snapshot);
	if (!text)
		return -ENOMEM;
	int e = repo_file_write(r, "snapshots", text, strlen(text), REPO_AAD_SNAPSHOT, ret_id);
	free(text);
	return e;
}

static int snapshot_read(struct repo *r, const char *id, json_t **ret, char ret_id[REPO_HEX_LEN])
{
	char *text = NULL;
	size_t len = 0;
	int e = repo_file_read(r, "snapshots", id, REPO_AAD_SNAPSHOT, &text, &len, ret_id);
	if (e < 0)
		return e;
	json_t *j = json_loadb(text, len, 0, NULL);
	free(text);
	if (!json_is_object(j) || !json_is_string(json_object_get(j, "tree")) ||
	    !json_is_integer(json_object_get(j, "time"))) {
		json_decref(j);
		return err_set(-EBADMSG, "snapshot %.12s is damaged", id);
	}
	*ret = j;
	return 0;
}

/* Oldest first: by time_ns (two backups can share a second), then by id. */
static json_int_t time_of(const json_t *s)
{
	json_t *ns = json_object_get(s, "time_ns");
	return json_is_integer(ns) ? json_integer_value(ns) : json_integer_value(json_object_get(s, "time")) * 1000000000;
}

static int by_time(const void *a, const void *b)
{
	json_int_t ta = time_of(*(json_t *const *)a), tb = time_of(*(json_t *const *)b);
	if (ta != tb)
		return ta < tb ? -1 : 1;
	return strcmp(json_string_value(json_object_get(*(json_t *const *)a, "id")),
		      json_string_value(json_object_get(*(json_t *const *)b, "id")));
}

int snapshot_list(struct repo *r, json_t **ret)
{
	char (*ids)[REPO_HEX_LEN] = NULL;
	size_t n = 0;
	int e = repo_file_list(r, "snapshots", &ids, &n);
	if (e < 0)
		return e;
	json_t **all = calloc(n ? n : 1, sizeof(*all));
	size_t got = 0;
	if (!all) {
		free(ids);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n && e == 0; i++) {
		json_t *s;
		if ((e = snapshot_read(r, ids[i], &s, NULL)) < 0)
			break;
		json_object_set_new(s, "id", json_string(ids[i]));
		all[got++] = s;
	}
	free(ids);
	if (e == 0)
		qsort(all, got, sizeof(*all), by_time);
	json_t *arr = e == 0 ? json_array() : NULL;
	for (size_t i = 0; i < got; i++) {
		if (arr)
			json_array_append(arr, all[i]);
		json_decref(all[i]);
	}
	free(all);
	if (e < 0)
		return e;
	if (!arr)
		return -ENOMEM;
	*ret = arr;
	return 0;
}

int snapshot_get(struct repo *r, const char *id, json_t **ret, char ret_id[REPO_HEX_LEN])
{
	if (strcmp(id, "latest") != 0) {
		int e = snapshot_read(r, id, ret, ret_id);
		if (e == 0)
			json_object_set_new(*ret, "id", json_string(ret_id));
		return e;
	}
	json_t *all;
	int e = snapshot_list(r, &all);
	if (e < 0)
		return e;
	size_t n = json_array_size(all);
	if (n == 0) {
		json_decref(all);
		return err_set(-ENOENT, "the repository has no snapshots");
	}
	*ret = json_incref(json_array_get(all, n - 1));
	snprintf(ret_id, REPO_HEX_LEN, "%s", json_string_value(json_object_get(*ret, "id")));
	json_decref(all);
	return 0;
}
