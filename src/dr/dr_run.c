/*
 * dr_run.c: running a plan's backups and restore drills with the backup engine, in the
 * calling thread (the CLI) or in worker threads of the server, so requests and the
 * scheduler never wait for one; recording each outcome with the activity log.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "actlog/actlog.h"
#include "backup/backup.h"
#include "backup/dump.h"
#include "core/err.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "dr/dr.h"
#include "dr/dr_store.h"
#include "dr/dr_verify.h"
#include "hosts/hosts.h"
#include "jobs/jobs.h"

#define DR_DUMPS_DIR "dr-dumps" /* <data>/dr-dumps/<plan>/: the plan's database dumps */
#define DR_PRUNE_MAX_UNUSED 10	/* percent: retention repacks packs more unused than this */

const char *dr_kind_name(enum dr_kind k)
{
	return k == DR_BACKUP ? "backup" : "drill";
}

/* --- the wake hook --- */

static void (*change_fn)(void);

void dr_on_change(void (*fn)(void))
{
	change_fn = fn;
}

void dr_changed(void)
{
	if (change_fn)
		change_fn();
}

/* --- begin --- */

int dr_run_begin(struct store *s, const char *actor, int64_t plan_id, enum dr_kind kind, int64_t *ret_run)
{
	json_t *p = NULL, *running = NULL, *good = NULL;
	int64_t id = 0;
	int r = store_tx_begin(s);
	if (r < 0)
		return r;
	if ((r = dr_store_plan_get_id(s, plan_id, &p)) < 0 ||
	    (r = dr_store_run_last(s, plan_id, "backup", "running", &running)) < 0 ||
	    (!running && (r = dr_store_run_last(s, plan_id, "drill", "running", &running)) < 0))
		goto out;
	const char *name = json_string_value(json_object_get(p, "name"));
	if (running) {
		r = err_set(-EEXIST, "recovery plan '%s' has a %s running (run %lld); try again when it ends", name,
			    json_string_value(json_object_get(running, "kind")),
			    (long long)json_integer_value(json_object_get(running, "id")));
		goto out;
	}
	if (kind == DR_DRILL) {
		if ((r = dr_store_run_last(s, plan_id, "backup", "ok", &good)) < 0)
			goto out;
		if (!good) {
			r = err_set(-ENOENT,
				    "recovery plan '%s' has no good backup to restore in a drill; back it up first",
				    name);
			goto out;
		}
	}
	r = dr_store_run_insert(s, plan_id, dr_kind_name(kind), actor, time_now(), (int64_t)getpid(), &id);
out:
	json_decref(p);
	json_decref(running);
	json_decref(good);
	if ((r = store_tx_end(s, r)) == 0)
		*ret_run = id;
	return r;
}

/* --- helpers --- */

/* The first line of the password file, wiped by the caller. */
static int read_password(const char *path, char out[WARD_PASSWORD_MAX + 1])
{
	char *data = NULL;
	size_t len = 0;
	int r = fs_read_file(path, WARD_PASSWORD_FILE_MAX, &data, &len);
	if (r < 0)
		return err_set(r, "cannot read the password file '%s': %s", path, strerror(-r));
	size_t n = strcspn(data, "\r\n");
	if (n == 0 || n > WARD_PASSWORD_MAX)
		r = err_set(-EINVAL, "the password file '%s' holds no usable password on its first line", path);
	else
		memcpy(out, data, n), out[n] = '\0';
	sodium_memzero(data, len);
	free(data);
	return r;
}

/* Whether path is missing or an empty folder: a repository may be made there. */
static bool repo_place_empty(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	bool empty = true;
	if (!d)
		return errno == ENOENT;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			empty = false;
	closedir(d);
	return empty;
}

/* Opens the plan's repository; creates it when its folder is missing or empty. */
static int open_repo(const json_t *p, bool create, struct repo **ret, bool *ret_created)
{
	char pw[WARD_PASSWORD_MAX + 1];
	const char *path = json_string_value(json_object_get(p, "repo"));
	int r = read_password(json_string_value(json_object_get(p, "password_file")), pw);
	*ret_created = false;
	if (r == 0 && (r = repo_open(path, pw, ret)) == -ENOENT && create && repo_place_empty(path)) {
		char parent[PATH_MAX];
		snprintf(parent, sizeof(parent), "%s", path);
		char *slash = strrchr(parent, '/');
		if (slash && slash != parent)
			*slash = '\0';
		if ((r = fs_mkdir_p(parent, 0700)) < 0)
			r = err_set(r, "cannot create '%s': %s", parent, strerror(-r));
		else if ((r = repo_init(path, pw, ret)) == 0)
			*ret_created = true;
	}
	sodium_memzero(pw, sizeof(pw));
	if (r < 0)
		return err_set(r, "repository '%s': %s", path, err_msg(r));
	return 0;
}

static int rm_chmod(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	if (flag == FTW_D)
		chmod(path, 0700);
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	if (remove(path) < 0 && errno != ENOENT)
		return -1;
	return 0;
}

/* Removes a tree the drill restored (folders made writable first: the restore gave
 * them their snapshot modes). */
static int rm_tree(const char *path)
{
	if (access(path, F_OK) < 0)
		return 0;
	nftw(path, rm_chmod, 16, FTW_PHYS);
	if (nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS) < 0)
		return err_set(-errno, "cannot remove the scratch folder '%s': %s", path, strerror(errno));
	return 0;
}

/* base/a[/b]: base is the data directory on the server, the state directory on an agent. */
static int work_path(char *out, size_t size, const char *base, const char *a, const char *b)
{
	int n = snprintf(out, size, "%s/%s%s%s", base, a, b ? "/" : "", b ? b : "");
	return n < 0 || (size_t)n >= size ? err_set(-ENAMETOOLONG, "a path below '%s' is too long", base) : 0;
}

static uint64_t jcount(const json_t *o, const char *k)
{
	return (uint64_t)json_integer_value(json_object_get(o, k));
}

/* --- backup --- */

struct outcome {
	const char *status; /* ok, passed, slow, failed */
	char snapshot[REPO_HEX_LEN];
	int64_t snapshot_time;
	double seconds;
	json_t *details;
	char error[WARD_DR_ERROR_MAX];
};

static void fail(struct outcome *o, int r, const char *what)
{
	o->status = "failed";
	snprintf(o->error, sizeof(o->error), "%s%s%s", what ? what : "", what ? ": " : "", err_msg(r));
}

/* Forget and prune by the plan's retention, under an exclusive lock. */
static void retention(struct repo *repo, const json_t *p, const json_t *snap, json_t *details)
{
	const json_t *ret = json_object_get(p, "retention");
	struct forget_policy pol = {0};
	struct forget_filter f = {0};
	json_t *res = NULL, *path;
	size_t i;
	if (json_object_size(ret) == 0)
		return;
	pol.last = (int)jcount(ret, "last");
	pol.hourly = (int)jcount(ret, "hourly");
	pol.daily = (int)jcount(ret, "daily");
	pol.weekly = (int)jcount(ret, "weekly");
	pol.monthly = (int)jcount(ret, "monthly");
	pol.yearly = (int)jcount(ret, "yearly");
	if (forget_policy_empty(&pol))
		return;
	/* Only this plan's snapshots: the ones of the same paths (and this host). */
	json_array_foreach(json_object_get(snap, "paths"), i, path) if (f.npaths < BACKUP_PATHS_MAX)
	    f.paths[f.npaths++] = json_string_value(path);
	repo_unlock(repo);
	int r = repo_lock(repo, true);
	if (r == 0)
		r = backup_forget(repo, &pol, &f, false, &res);
	size_t removed = 0;
	json_t *g;
	json_array_foreach(res, i, g) removed += json_array_size(json_object_get(g, "remove"));
	struct prune_summary ps = {0};
	if (r == 0 && removed) {
		struct prune_opts po = {.max_unused = DR_PRUNE_MAX_UNUSED};
		r = backup_prune(repo, &po, &ps);
	}
	json_decref(res);
	json_object_set_new(details, "retention",
			    r < 0 ? json_pack("{s:s}", "error", err_msg(r))
				  : json_pack("{s:I, s:I}", "forgotten", (json_int_t)removed, "bytes_freed",
					      (json_int_t)(ps.deleted_bytes + ps.dropped_bytes)));
}

static void run_backup(const json_t *p, const char *work_dir, struct outcome *o)
{
	const char *name = json_string_value(json_object_get(p, "name"));
	struct dump_spec *specs = NULL;
	struct backup_opts bo = {.zstd_level = 3};
	struct backup_summary sum;
	struct repo *repo = NULL;
	json_t *report = NULL, *snap = NULL, *v;
	char dumpdir[PATH_MAX], tag[WARD_DR_NAME_MAX + 8];
	bool created;
	size_t i;
	int r;
	int64_t start = time_mono_us();
	if ((r = open_repo(p, true, &repo, &created)) < 0) {
		fail(o, r, NULL);
		goto out;
	}
	json_object_set_new(o->details, "repository_created", json_boolean(created));
	if ((r = repo_lock(repo, false)) < 0) {
		fail(o, r, "cannot lock the repository");
		goto out;
	}
	json_array_foreach(json_object_get(p, "paths"), i, v) bo.paths[bo.npaths++] = json_string_value(v);
	json_array_foreach(json_object_get(p, "excludes"), i, v) bo.excludes[bo.nexcludes++] = json_string_value(v);
	snprintf(tag, sizeof(tag), "dr:%s", name);
	bo.tags[bo.ntags++] = tag;
	size_t ndumps = json_array_size(json_object_get(p, "dumps"));
	if (ndumps) {
		if (!(specs = calloc(ndumps, sizeof(*specs)))) {
			fail(o, -ENOMEM, NULL);
			goto out;
		}
		json_array_foreach(json_object_get(p, "dumps"), i,
				   v) if ((r = dump_parse(json_string_value(v), &specs[i])) < 0)
		{
			fail(o, r, "dump");
			goto out;
		}
		if ((r = work_path(dumpdir, sizeof(dumpdir), work_dir, DR_DUMPS_DIR, name)) < 0 ||
		    (r = dump_all(specs, (int)ndumps, dumpdir, &report)) < 0) {
			fail(o, r, "database dump failed");
			goto out;
		}
		json_object_set(o->details, "dumps", report);
		bo.paths[bo.npaths++] = dumpdir;
	}
	if ((r = backup_run(repo, &bo, &sum, o->snapshot)) < 0) {
		fail(o, r, NULL);
		o->snapshot[0] = '\0';
		goto out;
	}
	if ((r = snapshot_get(repo, o->snapshot, &snap, o->snapshot)) < 0) {
		fail(o, r, "cannot read the new snapshot");
		goto out;
	}
	o->snapshot_time = json_integer_value(json_object_get(snap, "time"));
	json_object_update_new(
	    o->details, json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "files_new", (json_int_t)sum.files_new,
				  "files_changed", (json_int_t)sum.files_changed, "files_unchanged",
				  (json_int_t)sum.files_unchanged, "dirs", (json_int_t)sum.dirs, "bytes_total",
				  (json_int_t)sum.bytes_total, "bytes_read", (json_int_t)sum.bytes_read, "bytes_added",
				  (json_int_t)sum.bytes_stored, "unreadable", (json_int_t)sum.errors));
	if (sum.errors) {
		o->status = "failed";
		snprintf(o->error, sizeof(o->error),
			 "snapshot %.16s is incomplete: %llu file%s could not be read (see the server log)",
			 o->snapshot, (unsigned long long)sum.errors, sum.errors == 1 ? "" : "s");
	} else {
		o->status = "ok";
	}
	retention(repo, p, snap, o->details);
out:
	o->seconds = (double)(time_mono_us() - start) / 1e6;
	json_decref(report);
	json_decref(snap);
	free(specs);
	repo_close(repo);
}

/* --- drill --- */

/* Restores snapshot (of time snapshot_time) into work_dir/dr-scratch/<run>. */
static void run_drill(const json_t *p, const char *snapshot, int64_t snapshot_time, int64_t run_id,
		      const char *work_dir, struct outcome *o)
{
	int64_t rto = json_integer_value(json_object_get(p, "rto"));
	struct repo *repo = NULL;
	struct restore_summary rs = {0};
	struct dr_verify_result vr = {0};
	char scratch[PATH_MAX], runid[24];
	bool created;
	int r;
	snprintf(runid, sizeof(runid), "%lld", (long long)run_id);
	if ((r = work_path(scratch, sizeof(scratch), work_dir, DR_SCRATCH_DIR, runid)) < 0) {
		fail(o, r, NULL);
		return;
	}
	if (!snapshot || strlen(snapshot) >= sizeof(o->snapshot)) {
		fail(o, err_set(-EINVAL, "no snapshot named"), "nothing to restore");
		return;
	}
	snprintf(o->snapshot, sizeof(o->snapshot), "%s", snapshot);
	o->snapshot_time = snapshot_time;
	/* The clock runs from opening the repository to the verified copy: the time a real
	 * recovery of this data would take on this machine. */
	int64_t start = time_mono_us();
	if ((r = rm_tree(scratch)) < 0 || (r = fs_mkdir_p(scratch, 0700)) < 0) {
		fail(o, r, "scratch folder");
		goto out;
	}
	if ((r = open_repo(p, false, &repo, &created)) < 0) {
		fail(o, r, NULL);
		goto out;
	}
	if ((r = repo_lock(repo, false)) < 0) {
		fail(o, r, "cannot lock the repository");
		goto out;
	}
	struct restore_opts ro = {.target = scratch};
	r = backup_restore(repo, o->snapshot, &ro, &rs);
	json_object_update_new(o->details, json_pack("{s:I, s:I, s:I, s:I}", "restored_files", (json_int_t)rs.files,
						     "restored_dirs", (json_int_t)rs.dirs, "restored_others",
						     (json_int_t)rs.others, "restored_bytes", (json_int_t)rs.bytes));
	if (r < 0) {
		fail(o, r, "restore failed");
		goto out;
	}
	if ((r = dr_verify(repo, o->snapshot, scratch, &vr)) < 0) {
		fail(o, r, "verification could not run");
		goto out;
	}
	o->seconds = (double)(time_mono_us() - start) / 1e6;
	json_object_update_new(
	    o->details, json_pack("{s:I, s:I, s:I, s:I, s:I, s:O, s:I, s:f}", "verified_files", (json_int_t)vr.files,
				  "verified_dirs", (json_int_t)vr.dirs, "verified_others", (json_int_t)vr.others,
				  "verified_bytes", (json_int_t)vr.bytes, "problems", (json_int_t)vr.problems,
				  "problem_list", vr.list, "rto", (json_int_t)rto, "restore_seconds", rs.seconds));
	if (vr.problems) {
		o->status = "failed";
		snprintf(o->error, sizeof(o->error), "the restored copy differs from the snapshot in %llu place%s: %s",
			 (unsigned long long)vr.problems, vr.problems == 1 ? "" : "s",
			 json_string_value(json_array_get(vr.list, 0)));
	} else if (o->seconds > (double)rto) {
		o->status = "slow";
		snprintf(o->error, sizeof(o->error), "the restore took %.0f s, over the RTO of %lld s", o->seconds,
			 (long long)rto);
	} else {
		o->status = "passed";
	}
out:
	if (!o->seconds)
		o->seconds = (double)(time_mono_us() - start) / 1e6;
	json_decref(vr.list);
	repo_close(repo);
	if ((r = rm_tree(scratch)) < 0)
		json_object_set_new(o->details, "scratch_left", json_string(err_msg(r)));
}

int dr_snapshots(struct store *s, int64_t plan_id, json_t **ret)
{
	struct repo *repo = NULL;
	json_t *p = NULL, *list = NULL, *rev = NULL;
	bool created;
	int r;
	if ((r = dr_store_plan_get_id(s, plan_id, &p)) < 0)
		return r;
	if (strcmp(json_string_value(json_object_get(p, "machine")), DR_LOCAL) != 0) {
		/* The repository is on the host: the snapshots its backups reported. */
		json_t *runs = json_array(), *run;
		size_t i;
		if (!(rev = json_array()) || !runs ||
		    (r = dr_store_runs(s, plan_id, "backup", WARD_DR_RUNS_MAX, runs)) < 0) {
			json_decref(runs);
			json_decref(rev);
			json_decref(p);
			return r < 0 ? r : -ENOMEM;
		}
		json_array_foreach(runs, i, run) if (json_is_string(json_object_get(run, "snapshot")))
		    json_array_append_new(
			rev, json_pack("{s:O, s:O, s:O, s:O, s:{s:O}}", "id", json_object_get(run, "snapshot"), "time",
				       json_object_get(run, "snapshot_at"), "hostname", json_object_get(p, "machine"),
				       "paths", json_object_get(p, "paths"), "summary", "bytes_total",
				       json_object_get(json_object_get(run, "details"), "bytes_total")
					   ? json_object_get(json_object_get(run, "details"), "bytes_total")
					   : json_null()));
		json_decref(runs);
		json_decref(p);
		*ret = rev;
		return 0;
	}
	r = open_repo(p, false, &repo, &created);
	if (r == -ENOENT) {
		/* No repository yet: no backup was taken. */
		err_clear();
		r = 0;
		rev = json_array();
	} else if (r == 0 && (r = snapshot_list(repo, &list)) == 0 && (rev = json_array())) {
		for (size_t i = json_array_size(list); i > 0; i--)
			json_array_append(rev, json_array_get(list, i - 1));
	}
	if (r == 0 && !rev)
		r = -ENOMEM;
	repo_close(repo);
	json_decref(list);
	json_decref(p);
	if (r < 0)
		return r;
	*ret = rev;
	return 0;
}

/* --- exec --- */

/* A spec from the network (an agent's job) is checked before the engine sees it. */
static int spec_check(enum dr_kind kind, const json_t *spec)
{
	static const char *const lists[] = {"paths", "excludes", "dumps"};
	static const char *const strs[] = {"name", "repo", "password_file"};
	for (int i = 0; i < 3; i++) {
		const char *v = json_string_value(json_object_get(spec, strs[i]));
		if (!v || !*v || strlen(v) > WARD_DR_PATH_MAX)
			return err_set(-EINVAL, "the job's '%s' is missing or too long", strs[i]);
	}
	for (int i = 0; i < 3; i++) {
		const json_t *a = json_object_get(spec, lists[i]), *e;
		size_t k;
		if (a && (!json_is_array(a) || json_array_size(a) > WARD_DR_PATHS_MAX))
			return err_set(-EINVAL, "the job's '%s' is not a list of at most %d", lists[i],
				       WARD_DR_PATHS_MAX);
		json_array_foreach(
		    a, k,
		    e) if (!json_is_string(e) ||
			   strlen(json_string_value(e)) >
			       WARD_DR_PATH_MAX) return err_set(-EINVAL,
								"the job's '%s' holds something other than a path",
								lists[i]);
	}
	if (json_object_get(spec, "retention") && !json_is_object(json_object_get(spec, "retention")))
		return err_set(-EINVAL, "the job's 'retention' is not an object");
	if (kind == DR_DRILL && (!json_is_string(json_object_get(spec, "snapshot")) ||
				 json_integer_value(json_object_get(spec, "rto")) < 1))
		return err_set(-EINVAL, "a drill job needs 'snapshot' and 'rto'");
	if (strchr(json_string_value(json_object_get(spec, "name")), '/'))
		return err_set(-EINVAL, "the job's plan name holds '/'");
	return 0;
}

int dr_exec(enum dr_kind kind, const json_t *spec, const char *work_dir, json_t **ret)
{
	struct outcome o = {.status = "failed", .details = json_object()};
	int r;
	if (!o.details)
		return -ENOMEM;
	if ((r = spec_check(kind, spec)) < 0) {
		json_decref(o.details);
		return r;
	}
	if (kind == DR_BACKUP)
		run_backup(spec, work_dir, &o);
	else
		run_drill(spec, json_string_value(json_object_get(spec, "snapshot")),
			  json_integer_value(json_object_get(spec, "snapshot_time")),
			  json_integer_value(json_object_get(spec, "run")), work_dir, &o);
	json_t *j = json_pack("{s:s, s:o, s:I, s:f, s:O, s:o}", "status", o.status, "snapshot",
			      json_string_or_null(o.snapshot[0] ? o.snapshot : NULL), "snapshot_time",
			      (json_int_t)o.snapshot_time, "seconds", o.seconds, "details", o.details, "error",
			      json_string_or_null(o.error[0] ? o.error : NULL));
	json_decref(o.details);
	if (!j)
		return -ENOMEM;
	*ret = j;
	return 0;
}

static bool is_hex64(const char *s)
{
	if (!s || strlen(s) != REPO_HEX_LEN - 1)
		return false;
	for (; *s; s++)
		if (!strchr("0123456789abcdef", *s))
			return false;
	return true;
}

/* Records the outcome (as dr_exec gives it, from this process or from a host's agent)
 * of a running run, and logs it by who asked, in one transaction. What an agent sent is
 * checked: an unknown status is a failure, a malformed snapshot id is dropped. */
static int record(struct store *s, const json_t *run, const json_t *out)
{
	const char *kind = json_string_value(json_object_get(run, "kind"));
	const char *status = json_string_value(json_object_get(out, "status"));
	const char *snapshot = json_string_value(json_object_get(out, "snapshot"));
	const char *error = json_string_value(json_object_get(out, "error"));
	const json_t *det = json_object_get(out, "details");
	int64_t id = json_integer_value(json_object_get(run, "id"));
	bool backup = kind && strcmp(kind, "backup") == 0;
	char err[WARD_DR_ERROR_MAX], object[WARD_DR_NAME_MAX + 16];
	double seconds = json_number_value(json_object_get(out, "seconds"));
	if (!status ||
	    !(backup ? strcmp(status, "ok") == 0 : strcmp(status, "passed") == 0 || strcmp(status, "slow") == 0)) {
		if (!status || strcmp(status, "failed") != 0)
			error = "the run reported no known outcome";
		status = "failed";
	}
	if (!is_hex64(snapshot))
		snapshot = NULL;
	if (backup && strcmp(status, "ok") == 0 && !snapshot) {
		status = "failed";
		error = "the backup reported no snapshot";
	}
	snprintf(err, sizeof(err), "%s", error ? error : "");
	snprintf(object, sizeof(object), "dr-plan:%s", json_string_value(json_object_get(run, "plan")));
	char *details = json_dumps(json_is_object(det) ? det : json_object(), JSON_COMPACT);
	if (!details)
		return -ENOMEM;
	int r = store_tx_begin(s);
	if (r == 0) {
		r = dr_store_run_finish(s, id, status, time_now(), seconds >= 0 ? seconds : 0, snapshot,
					snapshot ? json_integer_value(json_object_get(out, "snapshot_time")) : 0,
					details, err[0] ? err : NULL);
		if (r == 0)
			r = actlog_appendf(s, json_string_value(json_object_get(run, "actor")),
					   backup ? "dr.backup" : "dr.drill", object, "{s:I, s:s, s:o, s:I, s:o}",
					   "run", (json_int_t)id, "status", status, "snapshot",
					   json_string_or_null(snapshot), "ms", (json_int_t)(seconds * 1000), "error",
					   json_string_or_null(err[0] ? err : NULL));
		r = store_tx_end(s, r);
	}
	free(details);
	return r;
}

/* What a run needs: the plan's fields, and for a drill the snapshot of its newest good
 * backup and the run's id (its scratch folder's name). */
static int run_spec(struct store *s, const json_t *run, const json_t *p, json_t **ret)
{
	json_t *spec = json_deep_copy(p), *good = NULL;
	int r = 0;
	if (!spec)
		return -ENOMEM;
	json_object_set_new(spec, "run", json_integer(json_integer_value(json_object_get(run, "id"))));
	if (strcmp(json_string_value(json_object_get(run, "kind")), "drill") == 0) {
		if ((r = dr_store_run_last(s, json_integer_value(json_object_get(p, "id")), "backup", "ok", &good)) ==
			0 &&
		    !good)
			r = err_set(-ENOENT, "recovery plan '%s' has no good backup to restore",
				    json_string_value(json_object_get(p, "name")));
		if (r == 0) {
			json_object_set(spec, "snapshot", json_object_get(good, "snapshot"));
			json_object_set(spec, "snapshot_time", json_object_get(good, "snapshot_at"));
		}
		json_decref(good);
	}
	if (r < 0) {
		json_decref(spec);
		return r;
	}
	*ret = spec;
	return 0;
}

int dr_run_exec(struct store *s, int64_t run_id, json_t **ret)
{
	json_t *run = NULL, *p = NULL, *spec = NULL, *out = NULL;
	int r;
	if ((r = dr_store_run_get(s, run_id, &run)) < 0 ||
	    (r = dr_store_plan_get_id(s, json_integer_value(json_object_get(run, "plan_id")), &p)) < 0)
		goto out;
	if (strcmp(json_string_value(json_object_get(run, "status")), "running") != 0) {
		r = err_set(-EALREADY, "run %lld has ended already", (long long)run_id);
		goto out;
	}
	enum dr_kind kind =
	    strcmp(json_string_value(json_object_get(run, "kind")), "backup") == 0 ? DR_BACKUP : DR_DRILL;
	if ((r = run_spec(s, run, p, &spec)) < 0) {
		/* Nothing to restore: a failed drill, recorded as such. */
		out = json_pack("{s:s, s:f, s:{}, s:s}", "status", "failed", "seconds", 0.0, "details", "error",
				err_msg(r));
		r = out ? 0 : -ENOMEM;
	} else {
		r = dr_exec(kind, spec, store_data_dir(), &out);
	}
	if (r == 0)
		r = record(s, run, out);
	if (r == 0 && ret)
		r = dr_run_get(s, run_id, ret);
out:
	json_decref(run);
	json_decref(p);
	json_decref(spec);
	json_decref(out);
	return r;
}

/* --- runs on enrolled hosts: agent jobs --- */

/* Queues the agent job for a run begun on a plan of an enrolled host. The job carries
 * the plan's paths and the password file's path on that host, never the password. */
static int queue_remote(struct store *s, const char *actor, const json_t *p, int64_t run_id)
{
	json_t *run = NULL, *spec = NULL, *params = NULL;
	struct host h;
	int64_t job;
	int r;
	if ((r = dr_store_run_get(s, run_id, &run)) < 0 || (r = run_spec(s, run, p, &spec)) < 0)
		goto out;
	if ((r = hosts_get(s, json_string_value(json_object_get(p, "machine")), &h)) < 0) {
		r = err_set(r, "machine '%s' of plan '%s': %s", json_string_value(json_object_get(p, "machine")),
			    json_string_value(json_object_get(p, "name")), err_msg(r));
		goto out;
	}
	params = json_pack("{s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O}", "name", json_object_get(spec, "name"),
			   "run", json_object_get(spec, "run"), "paths", json_object_get(spec, "paths"), "excludes",
			   json_object_get(spec, "excludes"), "dumps", json_object_get(spec, "dumps"), "repo",
			   json_object_get(spec, "repo"), "password_file", json_object_get(spec, "password_file"),
			   "retention", json_object_get(spec, "retention"), "rto", json_object_get(spec, "rto"));
	if (params && json_object_get(spec, "snapshot")) {
		json_object_set(params, "snapshot", json_object_get(spec, "snapshot"));
		json_object_set(params, "snapshot_time", json_object_get(spec, "snapshot_time"));
	}
	if (!params) {
		r = -ENOMEM;
		goto out;
	}
	if ((r = jobs_queue(s, actor, &h, json_string_value(json_object_get(run, "kind")), params, &job)) == 0)
		r = dr_store_run_set_job(s, run_id, job);
out:
	json_decref(run);
	json_decref(spec);
	json_decref(params);
	return r;
}

int dr_job_result(struct store *s, int64_t job_id, const char *status, const json_t *result, const char *output)
{
	json_t *run = NULL, *out = NULL;
	int r = dr_store_run_by_job(s, job_id, &run);
	if (r < 0 || !run)
		return r; /* not a recovery plan's job */
	if (strcmp(json_string_value(json_object_get(run, "status")), "running") != 0) {
		json_decref(run);
		return 0; /* given up on already (dr_sweep) */
	}
	if (json_is_object(result) && json_is_string(json_object_get(result, "status"))) {
		out = json_incref((json_t *)result);
	} else {
		char msg[WARD_DR_ERROR_MAX];
		snprintf(msg, sizeof(msg), "the host's agent did not run it (%s)%s%.900s", status ? status : "?",
			 output && *output ? ": " : "", output ? output : "");
		out = json_pack("{s:s, s:f, s:{}, s:s}", "status", "failed", "seconds", 0.0, "details", "error", msg);
	}
	r = out ? record(s, run, out) : -ENOMEM;
	json_decref(run);
	json_decref(out);
	if (r == 0)
		dr_changed();
	return r;
}

/* Gives up on host runs with no result after WARD_DR_REMOTE_TIMEOUT. */
int dr_reap(struct store *s, int64_t now)
{
	json_t *running = json_array(), *run;
	size_t i;
	int r;
	if (!running)
		return -ENOMEM;
	if ((r = dr_store_runs_running(s, running)) < 0)
		goto out;
	json_array_foreach(running, i, run)
	{
		if (!json_is_integer(json_object_get(run, "job")) ||
		    now - json_integer_value(json_object_get(run, "started")) < WARD_DR_REMOTE_TIMEOUT)
			continue;
		char msg[256];
		snprintf(msg, sizeof(msg), "no result from the host within %d hours (job %lld): is its agent running?",
			 WARD_DR_REMOTE_TIMEOUT / 3600, (long long)json_integer_value(json_object_get(run, "job")));
		json_t *out =
		    json_pack("{s:s, s:f, s:{}, s:s}", "status", "failed", "seconds", 0.0, "details", "error", msg);
		r = out ? record(s, run, out) : -ENOMEM;
		json_decref(out);
		if (r < 0)
			goto out;
	}
out:
	json_decref(running);
	return r;
}

/* --- worker threads --- */

static struct {
	pthread_mutex_t mu;
	pthread_cond_t idle;
	int active;
} workers = {.mu = PTHREAD_MUTEX_INITIALIZER, .idle = PTHREAD_COND_INITIALIZER};

static void *worker(void *arg)
{
	int64_t run = *(int64_t *)arg;
	free(arg);
	struct store *s = store_get();
	json_t *j = NULL;
	int r = s ? dr_run_exec(s, run, &j) : -EIO;
	if (r < 0)
		log_warnx("run %lld: %s", (long long)run, err_msg(r));
	else if (json_is_string(json_object_get(j, "error")))
		log_warnx("recovery plan '%s': %s %s: %s", json_string_value(json_object_get(j, "plan")),
			  json_string_value(json_object_get(j, "kind")),
			  json_string_value(json_object_get(j, "status")),
			  json_string_value(json_object_get(j, "error")));
	json_decref(j);
	store_release();
	/* Before leaving the count: the server stops its scheduler only once it is 0. */
	dr_changed();
	pthread_mutex_lock(&workers.mu);
	workers.active--;
	pthread_cond_broadcast(&workers.idle);
	pthread_mutex_unlock(&workers.mu);
	return NULL;
}

int dr_run_start(struct store *s, const char *actor, int64_t plan_id, enum dr_kind kind, int64_t *ret_run)
{
	int64_t run, *arg = NULL;
	pthread_attr_t attr;
	pthread_t t;
	sigset_t set, old;
	json_t *p;
	int r = dr_store_plan_get_id(s, plan_id, &p);
	if (r < 0)
		return r;
	bool remote = strcmp(json_string_value(json_object_get(p, "machine")), DR_LOCAL) != 0;
	if (remote) {
		/* The run and its job together: both or neither. */
		if ((r = store_tx_begin(s)) == 0) {
			if ((r = dr_run_begin(s, actor, plan_id, kind, &run)) == 0)
				r = queue_remote(s, actor, p, run);
			r = store_tx_end(s, r);
		}
		json_decref(p);
		if (r == 0)
			*ret_run = run;
		return r;
	}
	json_decref(p);
	pthread_mutex_lock(&workers.mu);
	if (workers.active >= WARD_DR_RUNNERS_MAX) {
		pthread_mutex_unlock(&workers.mu);
		return err_set(-EAGAIN, "%d backups or drills are running already; try again when one ends",
			       WARD_DR_RUNNERS_MAX);
	}
	workers.active++;
	pthread_mutex_unlock(&workers.mu);
	if ((r = dr_run_begin(s, actor, plan_id, kind, &run)) < 0)
		goto undo;
	if (!(arg = malloc(sizeof(*arg)))) {
		r = -ENOMEM;
		goto abandon;
	}
	*arg = run;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	/* Signals are for the HTTP server's sigwait, never a worker. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	r = -pthread_create(&t, &attr, worker, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	if (r == 0) {
		*ret_run = run;
		return 0;
	}
	free(arg);
	r = err_set(r, "cannot start a worker thread");
abandon:
	dr_store_run_finish(s, run, "failed", time_now(), 0, NULL, 0, "{}", err_msg(r));
undo:
	pthread_mutex_lock(&workers.mu);
	workers.active--;
	pthread_mutex_unlock(&workers.mu);
	return r;
}

void dr_run_wait(void)
{
	pthread_mutex_lock(&workers.mu);
	if (workers.active)
		log_infox("waiting for %d backup or drill run%s to finish", workers.active,
			  workers.active == 1 ? "" : "s");
	while (workers.active)
		pthread_cond_wait(&workers.idle, &workers.mu);
	pthread_mutex_unlock(&workers.mu);
}

/* --- recovery after a stop --- */

int dr_recover(struct store *s)
{
	json_t *running = json_array(), *run;
	char dir[PATH_MAX];
	size_t i;
	int r;
	if (!running)
		return -ENOMEM;
	if ((r = dr_store_runs_running(s, running)) < 0)
		goto out;
	json_array_foreach(running, i, run)
	{
		pid_t pid = (pid_t)json_integer_value(json_object_get(run, "pid"));
		int64_t id = json_integer_value(json_object_get(run, "id"));
		char msg[128], object[WARD_DR_NAME_MAX + 16];
		if (json_is_integer(json_object_get(run, "job")))
			continue; /* on a host: its agent answers, or dr_reap gives up */
		if (pid == getpid() || (pid > 0 && kill(pid, 0) == 0) || (pid > 0 && errno == EPERM))
			continue;
		snprintf(msg, sizeof(msg), "interrupted: the process running it (pid %d) is gone", (int)pid);
		snprintf(object, sizeof(object), "dr-plan:%s", json_string_value(json_object_get(run, "plan")));
		if ((r = store_tx_begin(s)) < 0)
			goto out;
		r = dr_store_run_finish(s, id, "failed", time_now(), 0, NULL, 0, "{}", msg);
		if (r == 0)
			r = actlog_appendf(
			    s, "system",
			    json_string_value(json_object_get(run, "kind"))[0] == 'b' ? "dr.backup" : "dr.drill",
			    object, "{s:I, s:s, s:s}", "run", (json_int_t)id, "status", "failed", "error", msg);
		if ((r = store_tx_end(s, r)) < 0)
			goto out;
		json_object_set_new(run, "ended", json_true());
	}
	/* Scratch folders of drills no process is running any more. */
	if (work_path(dir, sizeof(dir), store_data_dir(), DR_SCRATCH_DIR, NULL) == 0) {
		DIR *d = opendir(dir);
		struct dirent *e;
		while (d && (e = readdir(d))) {
			int64_t id;
			char sub[PATH_MAX];
			bool live = false;
			if (parse_int64(e->d_name, 1, INT64_MAX, &id) < 0)
				continue;
			json_array_foreach(running, i, run) live =
			    live ||
			    (json_integer_value(json_object_get(run, "id")) == id && !json_object_get(run, "ended"));
			if (!live && snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name) < (int)sizeof(sub))
				rm_tree(sub);
		}
		if (d)
			closedir(d);
	}
out:
	json_decref(running);
	return r;
}
