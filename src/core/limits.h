/*
 * limits.h: every hard limit on a user-controllable resource, in one place.
 */
#ifndef WARD_LIMITS_H
#define WARD_LIMITS_H

/* HTTP server */
#define WARD_HTTP_BODY_MAX (1024 * 1024)       /* request body, bytes (413 above) */
#define WARD_HTTP_DISCARD_MAX (64 * 1024 * 1024) /* chunked body over the limit: read and drop
                                                  * this much to answer 413, then hang up */
#define WARD_HTTP_CONN_MEMORY (32 * 1024)      /* per-connection buffer: bounds headers */
#define WARD_HTTP_CONN_TIMEOUT 30              /* idle seconds before a connection closes */
#define WARD_HTTP_CONN_MAX 1024                /* open connections */
#define WARD_HTTP_THREADS_PER_CPU 8            /* default request threads per processor */
#define WARD_HTTP_THREADS_MIN 16               /* and at least this many */
#define WARD_HTTP_CONN_PER_IP 256              /* open connections from one address */
#define WARD_HTTP_DRAIN_SECONDS 20             /* SIGTERM: wait this long for requests in flight */
#define WARD_HTTP_PATH_MAX 2048                /* request path, bytes */
#define WARD_HTTP_ROUTE_PARAMS 4               /* {captures} in one route pattern */

/* accounts */
#define WARD_NAME_MAX 64                       /* user and token names */
#define WARD_EMAIL_MAX 254
#define WARD_PASSWORD_MIN 10
#define WARD_PASSWORD_MAX 1024
#define WARD_PASSWORD_FILE_MAX 4096
#define WARD_SESSION_IDLE (8 * 3600)           /* a session unused this long ends */
#define WARD_SESSION_MAX_AGE (7 * 24 * 3600)   /* and every session ends after this */
#define WARD_SESSION_TOUCH 300                 /* last_seen is written at most this often */
#define WARD_TOKEN_TOUCH 300                   /* last_used likewise, for API tokens */

/* login throttling: per user name, and per client address */
#define WARD_LOGIN_SLOW_AFTER 3                /* failures before each retry must wait */
#define WARD_LOGIN_LOCK_AFTER 5                /* failures before the name is locked */
#define WARD_LOGIN_ADDR_SLOW_AFTER 10
#define WARD_LOGIN_ADDR_LOCK_AFTER 30
#define WARD_LOGIN_LOCK_SECONDS (15 * 60)
#define WARD_LOGIN_WINDOW (15 * 60)            /* failures older than this are forgotten */

/* activity log */
#define WARD_LOG_PAGE_DEFAULT 100
#define WARD_LOG_PAGE_MAX 500
#define WARD_LOG_FIELD_MAX 1024                /* actor, action, object, bytes */
#define WARD_LOG_DETAILS_MAX (64 * 1024)       /* canonical JSON of details, bytes */

/* storage */
#define WARD_DB_BUSY_MS 5000
#define WARD_DB_CHECKPOINT_PAGES 1000          /* WAL pages that trigger a passive checkpoint (SQLite's default) */
#define WARD_DB_BATCH_MAX 64                   /* changes committed together by store_batch */
#define WARD_DB_CACHE_KIB "-4096"              /* page cache per connection: 4 MiB (PRAGMA cache_size) */
#define WARD_STMT_CACHE 128                    /* prepared statements kept per connection */
#define WARD_FILE_READ_MAX (16 * 1024 * 1024)  /* whole-file reads (fs_read_file) */

/* backup repositories (src/backup/, docs/internals/backup-format.md) */
#define WARD_BACKUP_BLOB_MAX (256 * 1024 * 1024) /* one blob's plaintext (a chunk, a tree), bytes */
#define WARD_BACKUP_PACK_TARGET (32 * 1024 * 1024) /* a pack is finished once it holds this much */
#define WARD_BACKUP_PACK_BLOBS_MAX 131072      /* blobs in one pack (bounds its header) */
#define WARD_BACKUP_FILE_MAX (64 * 1024 * 1024) /* an index or snapshot file, stored or plain */
#define WARD_BACKUP_INDEX_FILE_BLOBS 262144    /* blobs one index file lists before another starts */
#define WARD_BACKUP_INDEX_BLOBS_MAX (1u << 30) /* blobs the in-memory index holds */
#define WARD_BACKUP_FILES_MAX 1000000          /* names listed from one repository folder */
#define WARD_BACKUP_READER_PACKS 16            /* packs a reader (one restore thread) keeps open */
#define WARD_BACKUP_KEYS_MAX 64                /* key files tried when opening */
#define WARD_BACKUP_KEY_FILE_MAX 4096          /* a key or lock file, bytes */
#define WARD_BACKUP_KDF_OPS_MAX 64             /* argon2id passes a key file may ask for */
#define WARD_BACKUP_KDF_MEM_MAX (4ull << 30)   /* argon2id memory a key file may ask for, bytes */
#define WARD_BACKUP_LOCK_STALE (30 * 60)       /* a lock not refreshed this long is stale, seconds */
#define WARD_BACKUP_LOCK_REFRESH (5 * 60)      /* a held lock is rewritten this often, seconds */

/* software: apt indexes, versions and upgrades (src/software/) */
#define WARD_APT_LINE_MAX (64 * 1024)          /* a longer index line is skipped */
#define WARD_APT_FIELD_MAX 256                 /* bytes of a name, version, architecture, Release field, pin */
#define WARD_APT_DEPENDS_MAX (16 * 1024)       /* bytes of Depends, Pre-Depends or Provides kept */
#define WARD_APT_CHUNK (64 * 1024)             /* bytes read or decompressed at a time */
#define WARD_APT_INDEX_MAX (1024 * 1024 * 1024) /* bytes of one index file's content */
#define WARD_APT_RELEASE_HEAD (64 * 1024)      /* bytes read from the start of a Release file (its header comes first) */
#define WARD_APT_PREFS_MAX (1024 * 1024)       /* bytes of one preferences or apt.conf file */
#define WARD_APT_PINS_MAX 1000                 /* pins read from all preferences files */
#define WARD_APT_LISTS_MAX 1000                /* index files read from the lists directory */
#define WARD_APT_VERSIONS_MAX 64               /* distinct versions kept per installed package */
#define WARD_UPGRADES_PACKAGES_MAX 100000      /* installed packages considered */
#define WARD_REBOOT_PROCS_MAX 100000           /* processes scanned for deleted libraries */
#define WARD_REBOOT_MAPS_MAX (16 * 1024 * 1024) /* bytes of one /proc/PID/maps read */

/* recovery plans (src/dr/, docs/dr.md) */
#define WARD_DR_NAME_MAX 64                     /* bytes of a plan name */
#define WARD_DR_TEXT_MAX 4096                   /* bytes of a description, owner or contacts */
#define WARD_DR_PATH_MAX 1024                   /* bytes of a path (backed up, repository, password file) */
#define WARD_DR_PATHS_MAX 32                    /* paths, excludes or dumps of a plan */
#define WARD_DR_STEPS_MAX 64                    /* restore steps */
#define WARD_DR_STEP_MAX 2048                   /* bytes of one step */
#define WARD_DR_OBJECTIVE_MAX (366 * 86400)     /* an RPO or RTO, seconds */
#define WARD_DR_RUNS_DEFAULT 20                 /* runs in a listing */
#define WARD_DR_RUNS_MAX 200
#define WARD_DR_RUNNERS_MAX 2                   /* backups and drills running at once in the server */
#define WARD_DR_ERROR_MAX 1024                  /* bytes of a run's error kept */
#define WARD_DR_REMOTE_TIMEOUT (24 * 3600)      /* a run on a host with no result after this has failed, seconds */

/* findings (src/findings/) */
#define WARD_FINDINGS_TEXT_MAX 1024             /* bytes of a key, subject or message */
#define WARD_FINDINGS_PAGE_DEFAULT 100          /* findings in a listing */
#define WARD_FINDINGS_PAGE_MAX 500

#endif
