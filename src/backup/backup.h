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

/* zstd_level "auto": blobs under BACKUP_ZSTD_SMALL bytes (small files, mostly text,
 * where a higher level pays) at BACKUP_ZSTD_SMALL_LEVEL, larger chunks at level 1 (0.1 %
 * larger than at 3, in 40 % of the time). On the benchmark's 258 MB of small files,
 * compressed one by one: level 1 112.2 MB in 1.16 s, 2 110.6 MB in 1.26 s, 3 108.4 MB
 * in 1.52 s; level 2 takes most of 3's gain for a third of its extra time. */
#define BACKUP_ZSTD_AUTO (-1000)
#define BACKUP_ZSTD_SMALL (64 * 1024)
#define BACKUP_ZSTD_SMALL_LEVEL 2

struct backup_opts {
	const char *paths[BACKUP_PATHS_MAX]; /* what to back up */
	int npaths;
	const char *excludes[BACKUP_EXCLUDES_MAX]; /* fnmatch patterns: a full path, or a name */
	int nexcludes;
	const char *tags[BACKUP_TAGS_MAX];
	int ntags;
	bool one_file_system; /* do not cross into other file systems below each path */
	int zstd_level;	      /* 0: store without compressing; BACKUP_ZSTD_AUTO */
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

/* --- forget, prune, diff, stats (forget.c, prune.c) --- */

struct tz;

#define FORGET_UNLIMITED (-1) /* a --keep-* count meaning "every one" */

/* Which snapshots forget keeps (restic's semantics): a snapshot kept by any rule stays. */
struct forget_policy {
	int last;			       /* the newest n */
	int hourly, daily, weekly, monthly, yearly; /* the newest of each of the newest n periods (local time) */
	const char *keep_tags[BACKUP_TAGS_MAX];	    /* "a,b": every snapshot with all of them; "": untagged ones */
	int nkeep_tags;
};

/* Which snapshots forget looks at; the others are left alone. */
struct forget_filter {
	const char *hosts[BACKUP_PATHS_MAX]; /* any of these hosts; none: every host */
	int nhosts;
	const char *paths[BACKUP_PATHS_MAX]; /* snapshots holding all of these paths */
	int npaths;
};

/* True when p keeps nothing on its own (no count above 0, no tag): forget refuses it. */
bool forget_policy_empty(const struct forget_policy *p);

/* Applies p to snapshots (an array as snapshot_list gives it) for the ones f selects,
 * per group of host and paths, periods in zone (NULL: this process's local time). *ret
 * (the caller's): [{"hostname", "paths", "keep": [{"id", "time", "tags", "reasons":
 * [...]}...], "remove": [{"id", "time", "tags"}...]}...], groups by host and paths,
 * snapshots oldest first. -EINVAL for an empty policy; -EPERM naming the group when it
 * would remove every snapshot of one (a --keep-tag that matches none). */
int forget_apply(const json_t *snapshots, const struct forget_policy *p, const struct forget_filter *f,
		 const struct tz *zone, json_t **ret);

/* forget_apply on the repository's snapshots in local time, then (unless dry_run)
 * removes the snapshot files it says to remove. r must hold an exclusive lock unless
 * dry_run. *ret as forget_apply's. */
int backup_forget(struct repo *r, const struct forget_policy *p, const struct forget_filter *f, bool dry_run,
		  json_t **ret);

struct prune_opts {
	int max_unused;	     /* percent of a pack's bytes that may be unused before it is repacked; 100: never */
	bool dry_run;	     /* plan and count, change nothing */
	const json_t *ignore; /* {"<snapshot id>": true}: count these as gone (forget --prune --dry-run); NULL */
};

struct prune_summary {
	uint64_t snapshots;			       /* snapshots whose blobs were marked */
	uint64_t packs, blobs, bytes;		       /* indexed before: packs, blobs, stored bytes */
	uint64_t used_blobs, used_bytes;	       /* what the snapshots reference (one copy of each) */
	uint64_t deleted_packs, deleted_blobs, deleted_bytes; /* packs none of whose blobs is used */
	uint64_t repacked_packs, repacked_blobs, repacked_bytes; /* packs rewritten; the used blobs copied */
	uint64_t dropped_blobs, dropped_bytes;		       /* the unused blobs of the repacked packs */
	uint64_t kept_unused_blobs, kept_unused_bytes;	       /* unused blobs left in packs kept as they are */
	uint64_t unindexed_packs, unindexed_bytes;	       /* packs no index names (interrupted runs) */
	uint64_t new_packs, index_files_old, index_files_new, tmp_removed;
	double seconds;
};

/* Removes what no snapshot uses: marks every blob reachable from every snapshot, deletes
 * the packs with no used blob and packs no index names, and repacks those whose unused
 * bytes are above o->max_unused percent (their used blobs copied as stored into new
 * packs). New packs and a new full index are written before the old index files and
 * then the old packs are removed, so a crash at any point leaves a sound repository.
 * r must hold an exclusive lock unless o->dry_run. Refuses (changing nothing) when a
 * snapshot, tree or index file cannot be read, or a used blob is in no pack. */
int backup_prune(struct repo *r, const struct prune_opts *o, struct prune_summary *ret);

enum stats_mode {
	STATS_RESTORE, /* what restoring would write: files and the sum of their sizes */
	STATS_RAW,     /* the blobs referenced, each once: stored and plain bytes, dedup ratio */
};

/* Statistics of snapshot id (NULL: every snapshot). *ret: {"snapshots", "mode",
 * "files", "dirs", "others", "restore_size"} and, for STATS_RAW, "blobs", "tree_blobs",
 * "data_blobs", "raw_size", "stored_size", "compression_ratio" (raw / stored) and
 * "dedup_ratio" (restore size / plain bytes of the data blobs). */
int backup_stats(struct repo *r, const char *id, enum stats_mode mode, json_t **ret);

/* What changed about a path between two snapshots (the bits of "what"). */
#define DIFF_CONTENT 0x01 /* file contents or size, symlink target, device number */
#define DIFF_TYPE 0x02
#define DIFF_MODE 0x04
#define DIFF_OWNER 0x08 /* uid, gid or their names */
#define DIFF_MTIME 0x10
#define DIFF_XATTRS 0x20 /* extended attributes and ACLs */

/* Called for each change, in path order: change is '+' added, '-' removed, 'M' content
 * modified, 'U' metadata only, 'T' type changed; type names the node (the new one
 * unless removed). A non-zero return stops the walk and is returned. */
typedef int (*diff_fn)(const char *path, char change, unsigned what, const char *type, void *arg);

struct diff_summary {
	uint64_t added, removed, modified, metadata, type_changed;
	uint64_t added_bytes, removed_bytes; /* sizes of the files added and removed */
};

/* Compares snapshot b with snapshot a (ids, prefixes or "latest"); subtrees with the
 * same id are skipped unread. */
int backup_diff(struct repo *r, const char *a, const char *b, diff_fn fn, void *arg, struct diff_summary *ret);

/* The names of the bits of what, comma-separated ("content,mtime"), into out. */
void diff_what_names(unsigned what, char *out, size_t size);

#endif
