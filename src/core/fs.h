/*
 * fs.h: file-system helpers that keep data safe: atomic replace with fsync, bounded
 * reads, private directories.
 */
#ifndef WARD_FS_H
#define WARD_FS_H

#include <stddef.h>
#include <sys/types.h>

/* Creates dir and its parents with mode (existing ones are left alone). 0 or -errno. */
int fs_mkdir_p(const char *dir, mode_t mode);

/* Replaces path with data: writes path.tmp, fsyncs it, renames it over path and fsyncs
 * the directory, so a crash leaves the old or the new file, never a mix. 0 or -errno. */
int fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode);

/* Reads a whole file of at most max bytes into a NUL-terminated buffer the caller
 * frees. -E2BIG when larger, -errno when it cannot be read. */
int fs_read_file(const char *path, size_t max, char **ret_data, size_t *ret_len);

/* path joined as dir/name into out; -ENAMETOOLONG when it does not fit. */
int fs_join(char *out, size_t size, const char *dir, const char *name);

#endif
