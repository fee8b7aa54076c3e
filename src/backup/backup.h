/*
 * backup.h: the backup engine above the repository (repo.h): snapshots of directory
 * trees, taken by a pipeline that keeps every core busy and skips files unchanged
 * since the parent snapshot, and restored bit-exact with their metadata.
 */
#ifndef WARD_BACKUP_H
#define WARD_BACKUP_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "backup/repo.h"

#define BACKUP_EXCLUDES_MAX 256
#define BACKUP_PATHS_MAX 64
#define BACKUP_TAGS_MAX 16

struct backup_opts {
	const char *paths[BACKUP_PATHS_MAX]; /* what to back up */
	int npaths;
	const char *excludes[BACKUP_EXCLUDES_MAX]; /* fnmatch patterns: a full path, or a name */
	int nexcludes;
	const char *tags[BACKUP_TAGS_MAX];
	int ntags;
	bool one_file_system; /* do not cross into other file systems below each path */
	int zstd_level;	      /* 0: store without compressing */
	int threads;	      /* workers; 0: the number of processors */
	bool progress;	      /* a progress line on stderr */
	const char *parent;   /* a snapshot id (prefix); NULL: the latest with the same paths */
};

struct backup_summary {
	uint64_t files_new, files_changed, files_unchanged, dirs, others;
	uint64_t bytes_read, bytes_total; /* read from files; in all files */
	uint64_t blobs_new, bytes_stored; /* new blobs and their bytes as stored */
	uint64_t errors;		  /* files that could not be read (left out, said on stderr) */
	double seconds;
};

/* Backs up o->paths into r (which must hold a shared lock) and writes a snapshot. Files
 * that cannot be read are left out with a warning on stderr and counted in errors (the
 * snapshot is still written). */
int backup_run(struct repo *r, const struct backup_opts *o, struct backup_summary *ret, char ret_snapshot[REPO_HEX_LEN]);

/* --- snapshots (snapshot.c) --- */

/* The snapshots, oldest first: [{"id", "time", "hostname", "username", "paths", "tags",
 * "tree", "parent", "summary"}...]. */
int snapshot_list(struct repo *r, json_t **ret);

/* One snapshot by id, unique prefix, or "latest". */
int snapshot_get(struct repo *r, const char *id, json_t **ret, char ret_id[REPO_HEX_LEN]);

/* Writes a snapshot file. */
int snapshot_write(struct repo *r, json_t *snapshot, char ret_id[REPO_HEX_LEN]);

/* --- restore (restore.c) --- */

struct restore_opts {
	const char *target;		     /* an empty or missing directory */
	const char *includes[BACKUP_PATHS_MAX]; /* fnmatch patterns on paths in the snapshot; none: everything */
	int nincludes;
	int threads;
	bool verify; /* read back and compare every restored file */
};

struct restore_summary {
	uint64_t files, dirs, others, bytes, errors;
	double seconds;
};

/* Restores snapshot id under o->target, contents and metadata (owners when root).
 * Damaged data is an error naming the file: the file is removed, never left with
 * garbage. */
int backup_restore(struct repo *r, const char *id, const struct restore_opts *o, struct restore_summary *ret);

/* Lists the snapshot's paths below path ("" for all) as [{"path", "type", "size",
 * "mode", "mtime"}...]. */
int backup_ls(struct repo *r, const char *id, const char *path, json_t **ret);

/* The snapshots and files a set of damaged blob ids ({"<hex>": true}) affects:
 * [{"snapshot", "time", "files": [path...]}...]. */
int backup_affected(struct repo *r, const json_t *blob_ids, json_t **ret);

#endif
