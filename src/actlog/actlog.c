/*
 * actlog.c: appending to and verifying the hash-chained activity log, and keeping the
 * head file that pins its newest entry.
 */
#include "actlog/actlog.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "actlog/actlog_store.h"
#include "core/err.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/limits.h"
#include "core/timeutil.h"

/*
 * The head file. Version 2 holds two slots of HEAD_SLOT bytes; each commit that
 * appended overwrites the slot holding the older head, in place and without a sync of
 * its own (the store's group sync syncs it right after the WAL, before the commit is
 * reported done). A slot carries a check of its contents, so a write torn by a crash
 * spoils only that slot and the other still holds the previous head. Version 1 (one
 * line, replaced by rename) is still read, and rewritten as version 2 on first use.
 */
#define HEAD_MAGIC_V1 "ward-activity-head 1\n"
#define HEAD_MAGIC "ward-activity-head 2\n"
#define HEAD_SLOT 128

/* This thread's open transaction appended: at commit its newest entry goes to the head
 * file (read back from the log then, so entries of a change rolled back to a savepoint
 * are never pinned); old_* is the head before the transaction, restored if COMMIT
 * fails. */
struct actlog_pending {
	struct store *s;
	int64_t old_id;
	char old_hash[CRYPTO_SHA256_HEX];
};
static _Thread_local struct actlog_pending pending;

struct head {
	int64_t id; /* -1: the slot holds no valid head */
	char hash[CRYPTO_SHA256_HEX];
};

static int head_path(char *out, size_t size)
{
	return fs_join(out, size, store_data_dir(), ACTLOG_HEAD_FILE);
}

/* The check of a slot: the first 16 hex digits of SHA-256 over "<id> <hash>". */
static void slot_check(const char *body, size_t n, char out[17])
{
	unsigned char d[CRYPTO_SHA256_LEN];
	char hex[CRYPTO_SHA256_HEX];
	crypto_sha256(body, n, d);
	crypto_hex(d, sizeof(d), hex);
	memcpy(out, hex, 16);
	out[16] = '\0';
}

static void slot_format(char slot[HEAD_SLOT], int64_t id, const char *hash)
{
	char body[96], check[17];
	int n = snprintf(body, sizeof(body), "%lld %s", (long long)id, hash);
	slot_check(body, (size_t)n, check);
	memset(slot, '\n', HEAD_SLOT);
	int m = snprintf(slot, HEAD_SLOT, HEAD_MAGIC "%s %s\n", body, check);
	slot[m] = '\n'; /* padding, not a terminator */
}

static struct head slot_parse(const char *slot, size_t len)
{
	struct head h = {.id = -1};
	char text[HEAD_SLOT + 1], hash[CRYPTO_SHA256_HEX + 1], check[17 + 1], want[17];
	long long id;
	if (len < HEAD_SLOT)
		return h;
	memcpy(text, slot, HEAD_SLOT);
	text[HEAD_SLOT] = '\0';
	if (strncmp(text, HEAD_MAGIC, strlen(HEAD_MAGIC)) != 0 ||
	    sscanf(text + strlen(HEAD_MAGIC), "%lld %64s %17s", &id, hash, check) != 3 || strlen(hash) != 64 ||
	    id < 0)
		return h;
	char body[96];
	int n = snprintf(body, sizeof(body), "%lld %s", id, hash);
	slot_check(body, (size_t)n, want);
	if (strcmp(check, want) != 0)
		return h;
	h.id = id;
	memcpy(h.hash, hash, CRYPTO_SHA256_HEX);
	return h;
}

/* Both slots of a version 2 file (slot 0 holds a version 1 file's head); false when
 * text is neither. */
static bool head_parse(const char *text, size_t len, struct head slots[2])
{
	slots[0] = slots[1] = (struct head){.id = -1};
	if (len >= strlen(HEAD_MAGIC_V1) && strncmp(text, HEAD_MAGIC_V1, strlen(HEAD_MAGIC_V1)) == 0) {
		char t[160], hash[CRYPTO_SHA256_HEX + 1];
		long long id;
		size_t n = len < sizeof(t) - 1 ? len : sizeof(t) - 1;
		memcpy(t, text, n);
		t[n] = '\0';
		if (sscanf(t + strlen(HEAD_MAGIC_V1), "%lld %64s", &id, hash) != 2 || strlen(hash) != 64 || id < 0)
			return false;
		slots[0].id = id;
		memcpy(slots[0].hash, hash, CRYPTO_SHA256_HEX);
		return true;
	}
	slots[0] = slot_parse(text, len);
	if (len >= 2 * HEAD_SLOT)
		slots[1] = slot_parse(text + HEAD_SLOT, len - HEAD_SLOT);
	return slots[0].id >= 0 || slots[1].id >= 0;
}

static int head_sync(void)
{
	char path[4096];
	int r = head_path(path, sizeof(path));
	if (r < 0)
		return r;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? 0 : err_set(-errno, "cannot open '%s': %s", path, strerror(errno));
	r = fdatasync(fd) < 0 ? err_set(-errno, "cannot sync '%s': %s", path, strerror(errno)) : 0;
	close(fd);
	return r;
}

/* Writes the head (id, hash): into the slot holding the older head, or into both
 * (every=true, to take back a head whose commit failed). A missing, damaged or version
 * 1 file is replaced whole, synced and renamed into place. */
static int head_write(int64_t id, const char *hash, bool every)
{
	char path[4096], buf[2 * HEAD_SLOT];
	struct head slots[2];
	int r = head_path(path, sizeof(path));
	if (r < 0)
		return r;
	r = store_on_sync(head_sync);
	if (r < 0)
		return r;
	int fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	ssize_t n = fd >= 0 ? pread(fd, buf, sizeof(buf), 0) : -1;
	if (fd < 0 && errno != ENOENT)
		return err_set(-errno, "cannot open '%s': %s", path, strerror(errno));
	if (n != (ssize_t)sizeof(buf) || strncmp(buf, HEAD_MAGIC_V1, strlen(HEAD_MAGIC_V1)) == 0 ||
	    !head_parse(buf, (size_t)n, slots)) {
		if (fd >= 0)
			close(fd);
		slot_format(buf, id, hash);
		memcpy(buf + HEAD_SLOT, buf, HEAD_SLOT);
		return fs_write_atomic(path, buf, sizeof(buf), 0600);
	}
	char slot[HEAD_SLOT];
	slot_format(slot, id, hash);
	int which = slots[0].id <= slots[1].id ? 0 : 1;
	for (int i = 0; i < 2 && r == 0; i++) {
		if (!every && i != which)
			continue;
		if (pwrite(fd, slot, HEAD_SLOT, (off_t)i * HEAD_SLOT) != HEAD_SLOT)
			r = err_set(-EIO, "cannot write '%s': %s", path, strerror(errno));
	}
	close(fd);
	return r;
}

/* Reads the head file: -ENOENT when absent, -EBADMSG when unreadable as a head. */
static int head_read(int64_t *ret_id, char ret_hash[CRYPTO_SHA256_HEX])
{
	char path[4096], *text = NULL;
	size_t len;
	struct head slots[2];
	int r = head_path(path, sizeof(path));
	if (r < 0)
		return r;
	r = fs_read_file(path, 4096, &text, &len);
	if (r < 0)
		return r == -ENOENT ? -ENOENT : r;
	if (!head_parse(text, len, slots)) {
		r = err_set(-EBADMSG, "head file '%s' is damaged", path);
		goto out;
	}
	const struct head *h = slots[0].id >= slots[1].id ? &slots[0] : &slots[1];
	*ret_id = h->id;
	memcpy(ret_hash, h->hash, CRYPTO_SHA256_HEX);
out:
	free(text);
	return r;
}

static int pending_commit(void *arg)
{
	struct actlog_pending *p = arg;
	int64_t id;
	char hash[CRYPTO_SHA256_HEX];
	int r = actlog_store_tail(p->s, &id, hash);
	if (r < 0 || id == p->old_id)
		return r;
	return head_write(id, hash, false);
}

static void pending_undo(void *arg)
{
	struct actlog_pending *p = arg;
	head_write(p->old_id, p->old_hash, true);
}

/* The encoding the hash covers: each field as "<length>:<bytes>\n", so no choice of
 * field contents can make two different entries encode alike. */
static int encode_field(char **buf, size_t *len, size_t *cap, const char *data, size_t n)
{
	char prefix[32];
	int pn = snprintf(prefix, sizeof(prefix), "%zu:", n);
	size_t need = *len + (size_t)pn + n + 1;
	if (need > *cap) {
		size_t ncap = need * 2;
		char *nb = realloc(*buf, ncap);
		if (!nb)
			return -ENOMEM;
		*buf = nb;
		*cap = ncap;
	}
	memcpy(*buf + *len, prefix, (size_t)pn);
	memcpy(*buf + *len + pn, data, n);
	(*buf)[*len + (size_t)pn + n] = '\n';
	*len = need;
	return 0;
}

void actlog_hash(const char *prev_hash, int64_t id, int64_t at, const char *actor, const char *action,
		 const char *object, const char *details, char out[CRYPTO_SHA256_HEX])
{
	char *buf = NULL, num[2][24];
	size_t len = 0, cap = 0;
	unsigned char digest[CRYPTO_SHA256_LEN];
	snprintf(num[0], sizeof(num[0]), "%lld", (long long)id);
	snprintf(num[1], sizeof(num[1]), "%lld", (long long)at);
	const char *fields[] = {prev_hash, num[0], num[1], actor, action, object, details};
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const char *f = fields[i] ? fields[i] : "";
		if (encode_field(&buf, &len, &cap, f, strlen(f)) < 0) {
			/* Out of memory: an all-zero hash never matches, so verify flags it. */
			memset(out, '0', CRYPTO_SHA256_HEX - 1);
			out[CRYPTO_SHA256_HEX - 1] = '\0';
			free(buf);
			return;
		}
	}
	crypto_sha256(buf, len, digest);
	crypto_hex(digest, sizeof(digest), out);
	free(buf);
}

static int check_text(const char *what, const char *text)
{
	if (!text || !*text)
		return err_set(-EINVAL, "activity %s is empty", what);
	if (strlen(text) > WARD_LOG_FIELD_MAX)
		return err_set(-EINVAL, "activity %s is longer than %d bytes", what, WARD_LOG_FIELD_MAX);
	return 0;
}

int actlog_append(struct store *s, const char *actor, const char *action, const char *object,
		  const json_t *details)
{
	char *canon = NULL;
	int r;
	if ((r = check_text("actor", actor)) < 0 || (r = check_text("action", action)) < 0 ||
	    (r = check_text("object", object)) < 0)
		return r;
	if (details && !json_is_object(details))
		return err_set(-EINVAL, "activity details must be a JSON object");
	json_t *empty = details ? NULL : json_object();
	canon = json_canonical(details ? details : empty);
	json_decref(empty);
	if (!canon)
		return -ENOMEM;
	if (strlen(canon) > WARD_LOG_DETAILS_MAX) {
		free(canon);
		return err_set(-E2BIG, "activity details are larger than %d bytes", WARD_LOG_DETAILS_MAX);
	}

	r = store_tx_begin(s);
	if (r < 0)
		goto out;
	struct actlog_row row = {.at = time_now(), .actor = actor, .action = action, .object = object,
				 .details = canon};
	char prev[CRYPTO_SHA256_HEX], hash[CRYPTO_SHA256_HEX];
	int64_t tail;
	r = actlog_store_tail(s, &tail, prev);
	if (r < 0)
		goto end;
	row.id = tail + 1;
	row.prev_hash = prev;
	actlog_hash(prev, row.id, row.at, actor, action, object, canon, hash);
	row.hash = hash;
	r = actlog_store_insert(s, &row);
	if (r < 0)
		goto end;
	r = store_on_commit(s, pending_commit, pending_undo, &pending);
	if (r == 1) {
		/* The first append of this transaction: remember the head to restore. */
		pending.s = s;
		pending.old_id = tail;
		memcpy(pending.old_hash, prev, sizeof(prev));
		r = 0;
	}
end:
	r = store_tx_end(s, r);
out:
	free(canon);
	return r;
}

int actlog_appendf(struct store *s, const char *actor, const char *action, const char *object,
		   const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	json_error_t e;
	json_t *details = json_vpack_ex(&e, 0, fmt, ap);
	va_end(ap);
	if (!details)
		return err_set(-EINVAL, "activity details: %s", e.text);
	int r = actlog_append(s, actor, action, object, details);
	json_decref(details);
	return r;
}

struct verify_state {
	int64_t expect_id;
	char prev[CRYPTO_SHA256_HEX];
	int64_t bad_id;
};

static int verify_row(const struct actlog_row *row, void *arg)
{
	struct verify_state *v = arg;
	char hash[CRYPTO_SHA256_HEX];
	if (row->id != v->expect_id) {
		v->bad_id = v->expect_id;
		if (row->id > v->expect_id)
			return err_set(-EBADMSG, "entry %lld is missing (the next entry is %lld): entries were deleted",
				       (long long)v->expect_id, (long long)row->id);
		return err_set(-EBADMSG, "entry %lld is out of sequence", (long long)row->id);
	}
	if (!row->prev_hash || strcmp(row->prev_hash, v->prev) != 0) {
		v->bad_id = row->id;
		return err_set(-EBADMSG,
			       "entry %lld does not follow entry %lld (its previous hash differs): entries were "
			       "inserted, removed or reordered",
			       (long long)row->id, (long long)row->id - 1);
	}
	actlog_hash(v->prev, row->id, row->at, row->actor, row->action, row->object, row->details, hash);
	if (!row->hash || strcmp(hash, row->hash) != 0) {
		v->bad_id = row->id;
		return err_set(-EBADMSG, "entry %lld was altered (its hash does not match its contents)",
			       (long long)row->id);
	}
	memcpy(v->prev, row->hash, sizeof(v->prev));
	v->expect_id++;
	return 0;
}

int actlog_verify(struct store *s, struct actlog_verify *ret)
{
	struct verify_state v = {.expect_id = 1};
	memset(v.prev, '0', CRYPTO_SHA256_HEX - 1);
	v.prev[CRYPTO_SHA256_HEX - 1] = '\0';
	int64_t head_id = 0;
	char head_hash[CRYPTO_SHA256_HEX];

	/* Read inside one transaction so a concurrent append cannot fall between the walk
	 * and the head file. */
	int r = store_tx_begin(s);
	if (r < 0)
		return r;
	r = actlog_store_walk(s, verify_row, &v);
	if (r < 0)
		goto out;
	int64_t last = v.expect_id - 1;
	r = head_read(&head_id, head_hash);
	if (r == -ENOENT) {
		if (last > 0)
			r = err_set(-EBADMSG, "the head file '%s' is missing; the log cannot be shown complete",
				    ACTLOG_HEAD_FILE);
		else
			r = 0;
		goto out;
	}
	if (r < 0)
		goto out;
	if (head_id > last) {
		v.bad_id = last + 1;
		r = err_set(-EBADMSG, "the log was truncated: the head file records entry %lld but the log ends at %lld",
			    (long long)head_id, (long long)last);
	} else if (head_id < last) {
		v.bad_id = head_id + 1;
		r = err_set(-EBADMSG, "entry %lld and later are not covered by the head file (it records entry %lld)",
			    (long long)head_id + 1, (long long)head_id);
	} else if (strcmp(head_hash, v.prev) != 0) {
		v.bad_id = last;
		r = err_set(-EBADMSG, "entry %lld does not match the head file: the newest entries were replaced",
			    (long long)last);
	}
out:
	store_tx_rollback(s);
	if (ret) {
		ret->entries = v.expect_id - 1;
		ret->bad_id = v.bad_id;
	}
	return r;
}

int actlog_list(struct store *s, const struct actlog_filter *f, json_t **ret, int64_t *ret_next_before)
{
	char prefix[WARD_LOG_FIELD_MAX + 1];
	const char *exact = f->action, *pfx = NULL;
	int limit = f->limit ? f->limit : WARD_LOG_PAGE_DEFAULT;
	if (limit < 1 || limit > WARD_LOG_PAGE_MAX)
		return err_set(-EINVAL, "limit must be between 1 and %d", WARD_LOG_PAGE_MAX);
	if (f->action) {
		size_t n = strlen(f->action);
		if (n > WARD_LOG_FIELD_MAX)
			return err_set(-EINVAL, "action filter is too long");
		if (n >= 2 && strcmp(f->action + n - 2, ".*") == 0) {
			memcpy(prefix, f->action, n - 1); /* keep the dot */
			prefix[n - 1] = '\0';
			pfx = prefix;
			exact = NULL;
		}
	}
	json_t *arr = json_array();
	if (!arr)
		return -ENOMEM;
	/* One extra row tells whether another page follows. */
	int r = actlog_store_list(s, f->since, f->actor, exact, pfx, f->before, limit + 1, arr);
	if (r < 0) {
		json_decref(arr);
		return r;
	}
	int64_t next = 0;
	if (json_array_size(arr) > (size_t)limit) {
		json_array_remove(arr, (size_t)limit);
		next = json_integer_value(json_object_get(json_array_get(arr, (size_t)limit - 1), "id"));
	}
	*ret = arr;
	*ret_next_before = next;
	return 0;
}

int actlog_count(struct store *s, int64_t *ret)
{
	return actlog_store_count(s, ret);
}

const char *actlog_local_actor(void)
{
	static _Thread_local char actor[96];
	if (!actor[0]) {
		struct passwd pw, *res = NULL;
		char buf[1024];
		const char *name = "unknown";
		if (getpwuid_r(getuid(), &pw, buf, sizeof(buf), &res) == 0 && res)
			name = res->pw_name;
		snprintf(actor, sizeof(actor), "local:%s", name);
	}
	return actor;
}
