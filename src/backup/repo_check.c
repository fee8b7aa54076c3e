/*
 * repo_check.c: `ward backup check`: the repository's structure (config, keys, index
 * files, every indexed pack present with a header that agrees, packs no index names,
 * snapshot files) and, with read_data, every pack's bytes and every blob. Packs are
 * checked by a few threads at once; the report names each damaged pack and the blobs
 * it takes with it, for the snapshot layer to map to files.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backup/repo_internal.h"
#include "core/crypto.h"
#include "core/err.h"

#define CHECK_THREADS_MAX 8
#define CHECK_PACK_MAX (1ull << 30) /* a pack larger than this is not read whole */

/* A pack some index file names: its blobs as listed there. */
struct ipack {
	uint8_t id[REPO_ID_LEN];
	struct repo_pack_entry *e;
	size_t n;
	bool conflict; /* another index file lists it differently */
};

struct blob_damage {
	struct repo_pack_entry e;
	char *why;
};

/* One pack to check and what was found. */
struct job {
	uint8_t id[REPO_ID_LEN];
	const struct ipack *indexed; /* NULL: no index names it */
	bool on_disk;
	char **problems; /* pack-level: it cannot be trusted as a whole */
	size_t nproblems;
	bool blobs_lost;	     /* the problems take every indexed blob with them */
	size_t nheader;		     /* blobs its header lists (when it reads) */
	struct blob_damage *damaged; /* read_data: blobs that do not open */
	size_t ndamaged;
	bool oom;
};

struct check {
	struct repo *r;
	bool read_data;
	struct ipack *ipacks;
	size_t nipacks, ipacks_cap;
	struct job *jobs;
	size_t njobs;
	_Atomic size_t next;
};

static void job_problem(struct job *j, const char *what)
{
	void *p = realloc(j->problems, (j->nproblems + 1) * sizeof(*j->problems));
	char *s = strdup(what);
	if (!p || !s) {
		free(s);
		if (p)
			j->problems = p;
		j->oom = true;
		return;
	}
	j->problems = p;
	j->problems[j->nproblems++] = s;
}

static void job_damage(struct job *j, const struct repo_pack_entry *e, const char *why)
{
	void *p = realloc(j->damaged, (j->ndamaged + 1) * sizeof(*j->damaged));
	char *s = strdup(why);
	if (!p || !s) {
		free(s);
		if (p)
			j->damaged = p;
		j->oom = true;
		return;
	}
	j->damaged = p;
	j->damaged[j->ndamaged].e = *e;
	j->damaged[j->ndamaged++].why = s;
}

static int entry_offset_cmp(const void *a, const void *b)
{
	const struct repo_pack_entry *x = a, *y = b;
	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

static bool entries_equal(const struct repo_pack_entry *a, const struct repo_pack_entry *b)
{
	return a->type == b->type && a->offset == b->offset && a->stored_len == b->stored_len &&
	       a->raw_len == b->raw_len && memcmp(a->id, b->id, REPO_ID_LEN) == 0;
}

/* Reads the whole pack; -EBADMSG (message set) when it cannot be. */
static int pack_read_all(struct repo *r, const uint8_t id[REPO_ID_LEN], uint8_t **ret, size_t *ret_len)
{
	char path[4096];
	struct stat st;
	size_t got;
	int code = repo_pack_path(r, id, path, sizeof(path)), fd;
	if (code < 0)
		return code;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return err_set(-errno, "cannot open it: %s", strerror(errno));
	if (fstat(fd, &st) < 0 || (uint64_t)st.st_size > CHECK_PACK_MAX) {
		close(fd);
		return err_set(-EBADMSG, "it is larger than %llu bytes", CHECK_PACK_MAX);
	}
	uint8_t *buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	code = repo_pread_all(fd, buf, (size_t)st.st_size, 0, &got);
	close(fd);
	if (code < 0 || got != (size_t)st.st_size) {
		free(buf);
		return err_set(-EBADMSG, "it cannot be read: %s", code < 0 ? strerror(-code) : "it shrank");
	}
	*ret = buf;
	*ret_len = got;
	return 0;
}

static void check_blobs(struct check *c, struct job *j, const struct repo_pack_entry *e, size_t n)
{
	uint8_t *bytes = NULL, digest[REPO_ID_LEN];
	size_t len;
	int code = pack_read_all(c->r, j->id, &bytes, &len);
	if (code == -ENOMEM) {
		j->oom = true;
		return;
	}
	if (code < 0) {
		job_problem(j, err_msg(code));
		j->blobs_lost = true;
		return;
	}
	crypto_sha256(bytes, len, digest);
	if (memcmp(digest, j->id, REPO_ID_LEN) != 0)
		job_problem(j, "its contents do not match its name");
	for (size_t k = 0; k < n; k++) {
		uint8_t *plain;
		size_t plain_len;
		if (e[k].offset + e[k].stored_len > len) {
			job_damage(j, &e[k], "it lies past the end of the pack (truncated)");
			continue;
		}
		code = repo_blob_open_expect(c->r, e[k].type, e[k].id, bytes + e[k].offset, e[k].stored_len,
					     e[k].raw_len, &plain, &plain_len);
		if (code == -ENOMEM)
			j->oom = true;
		else if (code < 0)
			job_damage(j, &e[k], err_msg(code));
		else
			free(plain);
	}
	free(bytes);
}

static void check_pack(struct check *c, struct job *j)
{
	struct repo_pack_entry *hdr = NULL, *sorted = NULL;
	size_t nhdr = 0;
	if (!j->on_disk) {
		job_problem(j, "it is missing");
		j->blobs_lost = true;
		return;
	}
	int code = repo_pack_read_header(c->r, j->id, &hdr, &nhdr);
	if (code == -ENOMEM) {
		j->oom = true;
		return;
	}
	if (code < 0) {
		job_problem(j, err_msg(code));
		j->blobs_lost = true;
	}
	j->nheader = nhdr;
	const struct ipack *ip = j->indexed;
	if (ip && ip->conflict)
		job_problem(j, "two index files list it differently");
	if (code == 0 && ip) {
		/* The header lists blobs in file order; the index may list them in any. */
		bool agree = ip->n == nhdr;
		if (agree && (sorted = malloc(nhdr * sizeof(*sorted)))) {
			memcpy(sorted, ip->e, nhdr * sizeof(*sorted));
			qsort(sorted, nhdr, sizeof(*sorted), entry_offset_cmp);
			for (size_t k = 0; agree && k < nhdr; k++)
				agree = entries_equal(&sorted[k], &hdr[k]);
		} else if (agree) {
			j->oom = true;
		}
		if (!agree) {
			job_problem(j, "its header does not agree with the index");
			j->blobs_lost = true;
		}
	}
	if (c->read_data) {
		if (code == 0)
			check_blobs(c, j, hdr, nhdr);
		else if (ip)
			check_blobs(c, j, ip->e, ip->n);
	}
	free(sorted);
	free(hdr);
}

static void *check_worker(void *arg)
{
	struct check *c = arg;
	for (;;) {
		size_t i = atomic_fetch_add(&c->next, 1);
		if (i >= c->njobs)
			break;
		check_pack(c, &c->jobs[i]);
	}
	return NULL;
}

static int ipack_cmp(const void *a, const void *b)
{
	return memcmp(((const struct ipack *)a)->id, ((const struct ipack *)b)->id, REPO_ID_LEN);
}

static int collect_pack(void *ctx, const uint8_t pack[REPO_ID_LEN], const struct repo_pack_entry *e, size_t n)
{
	struct check *c = ctx;
	if (c->nipacks == c->ipacks_cap) {
		size_t cap = c->ipacks_cap ? c->ipacks_cap * 2 : 256;
		void *p = realloc(c->ipacks, cap * sizeof(*c->ipacks));
		if (!p)
			return -ENOMEM;
		c->ipacks = p;
		c->ipacks_cap = cap;
	}
	struct ipack *ip = &c->ipacks[c->nipacks];
	if (!(ip->e = malloc(n * sizeof(*ip->e))))
		return -ENOMEM;
	memcpy(ip->id, pack, REPO_ID_LEN);
	memcpy(ip->e, e, n * sizeof(*ip->e));
	ip->n = n;
	ip->conflict = false;
	c->nipacks++;
	return 0;
}

/* Reads every index file into c->ipacks (sorted, one per pack); damaged ones to
 * damaged_files. */
static int check_index_files(struct check *c, json_t *damaged, size_t *ret_n)
{
	char dir[4096], label[80], (*ids)[REPO_HEX_LEN] = NULL;
	size_t n = 0;
	int code = repo_join(c->r, dir, sizeof(dir), "index");
	if (code < 0 || (code = repo_dir_ids(dir, WARD_BACKUP_FILES_MAX, &ids, &n)) < 0)
		return code;
	for (size_t i = 0; i < n; i++) {
		uint8_t *bytes = NULL, *plain = NULL;
		size_t len, plain_len, before = c->nipacks;
		snprintf(label, sizeof(label), "index/%s", ids[i]);
		code = repo_file_load(dir, ids[i], WARD_BACKUP_FILE_MAX + REPO_BLOB_OVERHEAD, &bytes, &len);
		if (code == 0) {
			code = repo_file_open_bytes(c->r, label, bytes, len, REPO_AAD_INDEX, &plain, &plain_len);
			free(bytes);
		}
		if (code == 0) {
			code = repo_index_decode(plain, plain_len, collect_pack, c);
			free(plain);
			if (code == -EBADMSG)
				code = err_set(code, "'%s' is damaged: %s", label, err_msg(code));
		}
		if (code == -ENOMEM)
			goto out;
		if (code < 0) {
			while (c->nipacks > before) /* a damaged file counts for nothing */
				free(c->ipacks[--c->nipacks].e);
			json_array_append_new(damaged,
					      json_pack("{s:s, s:s}", "file", label, "problem", err_msg(code)));
		}
	}
	if (c->nipacks > 1)
		qsort(c->ipacks, c->nipacks, sizeof(*c->ipacks), ipack_cmp);
	/* One entry per pack; a pack listed twice must be listed the same. */
	size_t out = 0;
	for (size_t i = 0; i < c->nipacks; i++) {
		if (out > 0 && memcmp(c->ipacks[out - 1].id, c->ipacks[i].id, REPO_ID_LEN) == 0) {
			struct ipack *a = &c->ipacks[out - 1], *b = &c->ipacks[i];
			bool same = a->n == b->n;
			for (size_t k = 0; same && k < a->n; k++) /* same writer, same order */
				same = entries_equal(&a->e[k], &b->e[k]);
			a->conflict |= !same;
			free(b->e);
			continue;
		}
		c->ipacks[out++] = c->ipacks[i];
	}
	c->nipacks = out;
	*ret_n = n;
	code = 0;
out:
	free(ids);
	return code;
}

static int check_snapshots(struct check *c, json_t *damaged, size_t *ret_n)
{
	char dir[4096], label[96], (*ids)[REPO_HEX_LEN] = NULL;
	size_t n = 0;
	int code = repo_join(c->r, dir, sizeof(dir), "snapshots");
	if (code < 0 || (code = repo_dir_ids(dir, WARD_BACKUP_FILES_MAX, &ids, &n)) < 0)
		return code;
	for (size_t i = 0; i < n; i++) {
		uint8_t *bytes = NULL, *plain = NULL;
		size_t len, plain_len;
		snprintf(label, sizeof(label), "snapshots/%s", ids[i]);
		code = repo_file_load(dir, ids[i], WARD_BACKUP_FILE_MAX + REPO_BLOB_OVERHEAD, &bytes, &len);
		if (code == 0) {
			code = repo_file_open_bytes(c->r, label, bytes, len, REPO_AAD_SNAPSHOT, &plain, &plain_len);
			free(bytes);
			free(plain);
		}
		if (code == -ENOMEM)
			break;
		if (code < 0)
			json_array_append_new(damaged,
					      json_pack("{s:s, s:s}", "file", label, "problem", err_msg(code)));
		code = 0;
	}
	*ret_n = n;
	free(ids);
	return code;
}

/* The jobs: every pack on disk or named by an index, in id order. */
static int make_jobs(struct check *c, uint8_t (*disk)[REPO_ID_LEN], size_t ndisk)
{
	size_t i = 0, k = 0, n = 0;
	if (!(c->jobs = calloc(ndisk + c->nipacks + 1, sizeof(*c->jobs))))
		return -ENOMEM;
	while (i < ndisk || k < c->nipacks) {
		struct job *j = &c->jobs[n++];
		int cmp = i == ndisk ? 1 : k == c->nipacks ? -1 : memcmp(disk[i], c->ipacks[k].id, REPO_ID_LEN);
		if (cmp <= 0) {
			memcpy(j->id, disk[i++], REPO_ID_LEN);
			j->on_disk = true;
		}
		if (cmp >= 0) {
			memcpy(j->id, c->ipacks[k].id, REPO_ID_LEN);
			j->indexed = &c->ipacks[k++];
		}
	}
	c->njobs = n;
	return 0;
}

static void run_jobs(struct check *c)
{
	pthread_t threads[CHECK_THREADS_MAX];
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t want = cpus < 1 ? 1 : (size_t)cpus, started = 0;
	if (want > CHECK_THREADS_MAX)
		want = CHECK_THREADS_MAX;
	if (want > c->njobs)
		want = c->njobs;
	for (size_t t = 1; t < want; t++)
		if (pthread_create(&threads[started], NULL, check_worker, c) == 0)
			started++;
	check_worker(c);
	for (size_t t = 0; t < started; t++)
		pthread_join(threads[t], NULL);
}

static json_t *blob_json(const struct repo_pack_entry *e)
{
	char hex[REPO_HEX_LEN];
	repo_id_hex(e->id, hex);
	return json_pack("{s:s, s:s}", "id", hex, "type", e->type == REPO_BLOB_TREE ? "tree" : "data");
}

/* Turns the jobs' findings into the report's lists. */
static int report_jobs(struct check *c, json_t *report)
{
	json_t *errors = json_object_get(report, "errors"), *warnings = json_object_get(report, "warnings");
	json_t *dpacks = json_object_get(report, "damaged_packs"), *dblobs = json_object_get(report, "damaged_blobs");
	json_t *unindexed = json_object_get(report, "unindexed_packs");
	size_t blobs = 0, packs = 0;
	char hex[REPO_HEX_LEN], bhex[REPO_HEX_LEN];
	for (size_t i = 0; i < c->njobs; i++) {
		struct job *j = &c->jobs[i];
		if (j->oom)
			return err_set(-ENOMEM, "out of memory checking the packs");
		repo_id_hex(j->id, hex);
		packs += j->on_disk;
		blobs += j->indexed ? j->indexed->n : 0;
		if (!j->indexed && j->on_disk && j->nproblems == 0) {
			json_array_append_new(unindexed,
					      json_pack("{s:s, s:I}", "pack", hex, "blobs", (json_int_t)j->nheader));
			json_array_append_new(warnings, json_sprintf("pack %s is in no index (%zu blobs): left by an "
								     "interrupted backup, or its index file is lost",
								     hex, j->nheader));
		}
		if (j->nproblems == 0 && j->ndamaged == 0)
			continue;
		json_t *problems = json_array(), *list = json_array();
		for (size_t k = 0; k < j->nproblems; k++) {
			json_array_append_new(problems, json_string(j->problems[k]));
			json_array_append_new(errors, json_sprintf("pack %s: %s", hex, j->problems[k]));
		}
		if (j->blobs_lost && j->indexed)
			for (size_t k = 0; k < j->indexed->n; k++)
				json_array_append_new(list, blob_json(&j->indexed->e[k]));
		for (size_t k = 0; k < j->ndamaged; k++) {
			const struct blob_damage *d = &j->damaged[k];
			repo_id_hex(d->e.id, bhex);
			if (!(j->blobs_lost && j->indexed))
				json_array_append_new(list, blob_json(&d->e));
			json_array_append_new(dblobs, json_pack("{s:s, s:s, s:s, s:s}", "id", bhex, "type",
								d->e.type == REPO_BLOB_TREE ? "tree" : "data", "pack",
								hex, "problem", d->why));
			json_array_append_new(errors, json_string(d->why));
		}
		json_array_append_new(dpacks,
				      json_pack("{s:s, s:o, s:o}", "pack", hex, "problems", problems, "blobs", list));
	}
	json_object_set_new(report, "packs", json_integer((json_int_t)packs));
	json_object_set_new(report, "blobs", json_integer((json_int_t)blobs));
	return 0;
}

static void check_free(struct check *c)
{
	for (size_t i = 0; i < c->njobs; i++) {
		struct job *j = &c->jobs[i];
		for (size_t k = 0; k < j->nproblems; k++)
			free(j->problems[k]);
		free(j->problems);
		for (size_t k = 0; k < j->ndamaged; k++)
			free(j->damaged[k].why);
		free(j->damaged);
	}
	free(c->jobs);
	for (size_t i = 0; i < c->nipacks; i++)
		free(c->ipacks[i].e);
	free(c->ipacks);
}

int repo_check(struct repo *r, bool read_data, json_t **ret)
{
	struct check c = {.r = r, .read_data = read_data};
	struct repo_config config;
	uint8_t(*disk)[REPO_ID_LEN] = NULL;
	size_t ndisk = 0, nkeys = 0, nindex = 0, nsnap = 0;
	json_t *report =
	    json_pack("{s:b, s:b, s:[], s:[], s:[], s:[], s:[], s:[]}", "ok", 1, "read_data", read_data, "errors",
		      "warnings", "damaged_packs", "damaged_blobs", "unindexed_packs", "damaged_files");
	int code;
	if (!report)
		return -ENOMEM;
	json_t *errors = json_object_get(report, "errors"), *dfiles = json_object_get(report, "damaged_files");
	if (repo_config_read(r->path, &config) < 0)
		json_array_append_new(errors, json_string(err_msg(-EBADMSG)));
	else if (strcmp(config.id, r->config.id) != 0)
		json_array_append_new(errors, json_string("the config changed since the repository was opened"));
	if ((code = repo_keys_check(r->path, dfiles, &nkeys)) < 0 ||
	    (code = check_index_files(&c, dfiles, &nindex)) < 0 || (code = repo_pack_list(r, &disk, &ndisk)) < 0 ||
	    (code = make_jobs(&c, disk, ndisk)) < 0)
		goto out;
	run_jobs(&c);
	if ((code = report_jobs(&c, report)) < 0 || (code = check_snapshots(&c, dfiles, &nsnap)) < 0)
		goto out;
	size_t i;
	json_t *f;
	json_array_foreach(dfiles, i, f)
	{
		json_array_append_new(errors, json_sprintf("%s", json_string_value(json_object_get(f, "problem"))));
	}
	json_object_set_new(report, "keys", json_integer((json_int_t)nkeys));
	json_object_set_new(report, "index_files", json_integer((json_int_t)nindex));
	json_object_set_new(report, "snapshots", json_integer((json_int_t)nsnap));
	json_object_set_new(report, "ok", json_boolean(json_array_size(errors) == 0));
	*ret = report;
	report = NULL;
	code = 0;
out:
	json_decref(report);
	free(disk);
	check_free(&c);
	return code;
}
