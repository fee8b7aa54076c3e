/*
 * repo_lock.c: repository locks (locks/<random id>, plaintext JSON): shared for
 * backups, exclusive for prune and key removal; stale ones (not refreshed for 30
 * minutes, or from a dead process of this host) removed; a thread keeps ours fresh.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "backup/repo_internal.h"
#include "core/crypto.h"
#include "core/err.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/timeutil.h"

struct repo_lockstate {
	char id[REPO_HEX_LEN]; /* our lock: locks/<id> */
	char file[4096];       /* its path */
	char host[256];	       /* this host, as written in it */
	bool exclusive;
	pthread_mutex_t mu;  /* guards stop and lost, and the file's rewrites */
	pthread_cond_t cond; /* wakes the refresh thread to stop */
	bool stop;
	bool lost; /* a refresh found the file removed */
	pthread_t thread;
	bool thread_started;
};

/* Someone's lock, as read. */
struct lock_info {
	char id[REPO_HEX_LEN];
	char host[256];
	long long pid;
	bool exclusive;
	bool readable; /* false: a file we cannot parse; judged by its age */
	int64_t time;
};

static void this_host(char *out, size_t size)
{
	if (gethostname(out, size) < 0)
		snprintf(out, size, "unknown");
	out[size - 1] = '\0';
}

static int lock_dir(const struct repo *r, char *out, size_t size)
{
	return repo_join(r, out, size, "locks");
}

/* Reads locks/<id>; -ENOENT when it went away meanwhile (released). */
static int lock_read(const char *dir, const char *id, struct lock_info *info)
{
	char file[4096], *text = NULL;
	size_t len;
	json_t *j = NULL;
	struct stat st;
	memset(info, 0, sizeof(*info));
	memcpy(info->id, id, REPO_HEX_LEN);
	if (fs_join(file, sizeof(file), dir, id) < 0)
		return 0;
	if (stat(file, &st) < 0) {
		if (errno == ENOENT)
			return -ENOENT;
		info->time = time_now();
	} else {
		info->time = (int64_t)st.st_mtime;
	}
	int r = fs_read_file(file, WARD_BACKUP_KEY_FILE_MAX, &text, &len);
	if (r == -ENOENT)
		return r;
	if (r < 0 || json_parse_object(text, len, &j) < 0)
		goto out;
	const char *host = json_string_value(json_object_get(j, "host"));
	const char *when = json_string_value(json_object_get(j, "time"));
	const json_t *pid = json_object_get(j, "pid"), *ex = json_object_get(j, "exclusive");
	int64_t t;
	if (!host || !when || !strchr(when, 'T') || !json_is_integer(pid) || !json_is_boolean(ex) ||
	    time_parse_since(when, 0, &t) < 0)
		goto out;
	snprintf(info->host, sizeof(info->host), "%s", host);
	info->pid = (long long)json_integer_value(pid);
	info->exclusive = json_is_true(ex);
	info->time = t;
	info->readable = true;
out:
	json_decref(j);
	free(text);
	return 0;
}

static bool lock_stale(const struct lock_info *l, const char *host, int64_t now)
{
	if (now - l->time > WARD_BACKUP_LOCK_STALE)
		return true;
	/* kill(0, ...) and negative pids mean process groups: only a real pid is asked. */
	if (l->readable && strcmp(l->host, host) == 0 && l->pid > 0 && l->pid <= INT32_MAX &&
	    kill((pid_t)l->pid, 0) < 0 && errno == ESRCH)
		return true;
	return false;
}

static int lock_busy(const struct repo *r, const struct lock_info *l)
{
	char since[TIME_ISO_LEN];
	time_iso(l->time, since);
	if (!l->readable)
		return err_set(-EBUSY,
			       "repository '%s' is locked: lock file 'locks/%s' cannot be read (written %s); remove it "
			       "with 'ward backup unlock --all' if nothing is using the repository",
			       r->path, l->id, since);
	return err_set(-EBUSY,
		       "repository '%s' is locked (%s) by pid %lld on host '%s' since %s; if that process is gone, "
		       "run 'ward backup unlock --repo %s'",
		       r->path, l->exclusive ? "exclusive" : "shared", l->pid, l->host, since, r->path);
}

/* Looks at every lock but skip's: removes stale ones (every one when all), and with
 * want_conflict returns -EBUSY for the first that conflicts with an exclusive or a
 * shared lock. */
static int lock_scan(struct repo *r, const char *skip, bool clean_all, bool check, bool exclusive,
		     unsigned *ret_removed)
{
	char dir[4096], host[256], file[4096], (*ids)[REPO_HEX_LEN] = NULL;
	size_t n = 0;
	unsigned removed = 0;
	int64_t now = time_now();
	int ret = lock_dir(r, dir, sizeof(dir));
	if (ret < 0 || (ret = repo_dir_ids(dir, WARD_BACKUP_FILES_MAX, &ids, &n)) < 0)
		return ret;
	this_host(host, sizeof(host));
	for (size_t i = 0; i < n; i++) {
		struct lock_info l;
		if (skip && strcmp(ids[i], skip) == 0)
			continue;
		if (lock_read(dir, ids[i], &l) == -ENOENT)
			continue;
		if (clean_all || lock_stale(&l, host, now)) {
			if (fs_join(file, sizeof(file), dir, ids[i]) == 0 && unlink(file) == 0)
				removed++;
			continue;
		}
		if (check && (exclusive || l.exclusive || !l.readable)) {
			ret = lock_busy(r, &l);
			break;
		}
	}
	if (removed)
		repo_sync_dir(dir);
	if (ret_removed)
		*ret_removed = removed;
	free(ids);
	return ret;
}

static int lock_write(struct repo_lockstate *s)
{
	char when[TIME_ISO_LEN];
	time_iso(time_now(), when);
	json_t *j = json_pack("{s:s, s:I, s:b, s:s}", "host", s->host, "pid", (json_int_t)getpid(), "exclusive",
			      s->exclusive, "time", when);
	char *text = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(j);
	if (!text)
		return -ENOMEM;
	int r = fs_write_atomic(s->file, text, strlen(text), 0600);
	free(text);
	return r;
}

int repo_lock_refresh(struct repo *r)
{
	struct repo_lockstate *s = r->lock;
	struct stat st;
	int ret = 0;
	if (!s)
		return err_set(-ENOLCK, "repository '%s' is not locked", r->path);
	pthread_mutex_lock(&s->mu);
	if (s->lost || (stat(s->file, &st) < 0 && errno == ENOENT)) {
		s->lost = true;
		ret = err_set(-ESTALE, "the lock on repository '%s' was removed by someone else", r->path);
	} else {
		ret = lock_write(s);
	}
	pthread_mutex_unlock(&s->mu);
	return ret;
}

int repo_lock_check(struct repo *r)
{
	struct repo_lockstate *s = r->lock;
	if (!s)
		return err_set(-ENOLCK, "repository '%s' is not locked", r->path);
	pthread_mutex_lock(&s->mu);
	bool lost = s->lost;
	pthread_mutex_unlock(&s->mu);
	if (lost)
		return err_set(-ESTALE, "the lock on repository '%s' was removed by someone else", r->path);
	return 0;
}

static void *refresh_thread(void *arg)
{
	struct repo *r = arg;
	struct repo_lockstate *s = r->lock;
	pthread_mutex_lock(&s->mu);
	while (!s->stop) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += WARD_BACKUP_LOCK_REFRESH;
		while (!s->stop && pthread_cond_timedwait(&s->cond, &s->mu, &until) != ETIMEDOUT)
			;
		if (s->stop)
			break;
		pthread_mutex_unlock(&s->mu);
		repo_lock_refresh(r); /* a failure shows in repo_lock_check (lost) or the next try */
		pthread_mutex_lock(&s->mu);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

static void lockstate_free(struct repo_lockstate *s)
{
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cond);
	free(s);
}

int repo_lock(struct repo *r, bool exclusive)
{
	char dir[4096];
	struct repo_lockstate *s = NULL;
	int ret;
	if (r->lock)
		return err_set(-EALREADY, "repository '%s' is already locked by this process", r->path);
	if ((ret = lock_dir(r, dir, sizeof(dir))) < 0 || (ret = lock_scan(r, NULL, false, true, exclusive, NULL)) < 0)
		return ret;
	if (!(s = calloc(1, sizeof(*s))))
		return -ENOMEM;
	if (pthread_mutex_init(&s->mu, NULL) != 0) {
		free(s);
		return -ENOMEM;
	}
	pthread_cond_init(&s->cond, NULL);
	s->exclusive = exclusive;
	this_host(s->host, sizeof(s->host));
	crypto_random_hex(REPO_ID_LEN, s->id);
	if ((ret = fs_join(s->file, sizeof(s->file), dir, s->id)) < 0 || (ret = lock_write(s)) < 0) {
		ret = err_set(ret, "cannot lock repository '%s': %s", r->path, err_msg(ret));
		lockstate_free(s);
		return ret;
	}
	/* Two processes may both have seen no conflict and written: look again, and back
	 * off when anyone conflicts (both may; neither goes on unsafely). */
	if ((ret = lock_scan(r, s->id, false, true, exclusive, NULL)) < 0) {
		unlink(s->file);
		lockstate_free(s);
		return ret;
	}
	r->lock = s;
	if (pthread_create(&s->thread, NULL, refresh_thread, r) == 0)
		s->thread_started = true;
	/* Without the thread the lock still holds for WARD_BACKUP_LOCK_STALE; the caller
	 * can refresh by hand. */
	return 0;
}

int repo_unlock(struct repo *r)
{
	struct repo_lockstate *s = r->lock;
	char dir[4096];
	int ret = 0;
	if (!s)
		return 0;
	if (s->thread_started) {
		pthread_mutex_lock(&s->mu);
		s->stop = true;
		pthread_cond_signal(&s->cond);
		pthread_mutex_unlock(&s->mu);
		pthread_join(s->thread, NULL);
	}
	if (unlink(s->file) < 0 && errno != ENOENT)
		ret = err_set(-errno, "cannot remove lock '%s': %s", s->file, strerror(errno));
	else if (lock_dir(r, dir, sizeof(dir)) == 0)
		repo_sync_dir(dir);
	r->lock = NULL;
	lockstate_free(s);
	return ret;
}

void repo_lock_free(struct repo *r)
{
	repo_unlock(r);
}

int repo_lock_clean(struct repo *r, bool all, unsigned *ret_removed)
{
	return lock_scan(r, r->lock ? r->lock->id : NULL, all, false, false, ret_removed);
}
