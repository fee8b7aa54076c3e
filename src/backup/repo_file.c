/*
 * repo_file.c: the repository's small encrypted files (snapshots/, index/), named by
 * the SHA-256 of their bytes, and the file-system helpers the repo_*.c files share.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backup/repo_internal.h"
#include "core/crypto.h"
#include "core/err.h"
#include "core/fs.h"

int repo_write_all(int fd, const void *data, size_t len)
{
	const uint8_t *p = data;
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int repo_pread_all(int fd, void *data, size_t len, uint64_t offset, size_t *ret_got)
{
	uint8_t *p = data;
	size_t got = 0;
	while (got < len) {
		ssize_t n = pread(fd, p + got, len - got, (off_t)(offset + got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	*ret_got = got;
	return 0;
}

int repo_sync_dir(const char *dirpath)
{
	int fd = open(dirpath, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return err_set(-errno, "cannot open folder '%s': %s", dirpath, strerror(errno));
	int r = fsync(fd) < 0 ? err_set(-errno, "cannot sync folder '%s': %s", dirpath, strerror(errno)) : 0;
	close(fd);
	return r;
}

static bool is_id(const char *name)
{
	return strlen(name) == 2 * REPO_ID_LEN && strspn(name, "0123456789abcdef") == 2 * REPO_ID_LEN;
}

static int id_cmp(const void *a, const void *b)
{
	return memcmp(a, b, REPO_HEX_LEN);
}

int repo_dir_ids(const char *dirpath, size_t max, char (**ret)[REPO_HEX_LEN], size_t *ret_n)
{
	char(*ids)[REPO_HEX_LEN] = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	int r = 0;
	DIR *d = opendir(dirpath);
	if (!d)
		return err_set(-errno, "cannot list '%s': %s", dirpath, strerror(errno));
	while ((errno = 0, e = readdir(d))) {
		if (!is_id(e->d_name)) /* ".", "..", NAME.tmp being written */
			continue;
		if (n == max) {
			r = err_set(-E2BIG, "'%s' holds more than %zu files", dirpath, max);
			goto out;
		}
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			void *p = realloc(ids, ncap * sizeof(*ids));
			if (!p) {
				r = -ENOMEM;
				goto out;
			}
			ids = p;
			cap = ncap;
		}
		memcpy(ids[n++], e->d_name, REPO_HEX_LEN);
	}
	if (errno) {
		r = err_set(-errno, "cannot list '%s': %s", dirpath, strerror(errno));
		goto out;
	}
	if (n > 1)
		qsort(ids, n, sizeof(*ids), id_cmp);
	*ret = ids;
	*ret_n = n;
	ids = NULL;
out:
	free(ids);
	closedir(d);
	return r;
}

int repo_file_load(const char *dirpath, const char *name, size_t max, uint8_t **ret, size_t *ret_len)
{
	char file[4096], hex[REPO_HEX_LEN];
	uint8_t digest[REPO_ID_LEN], *data = NULL;
	struct stat st;
	size_t got;
	int r = fs_join(file, sizeof(file), dirpath, name), fd;
	if (r < 0)
		return r;
	/* One read of the size fstat gives: index files run to megabytes. */
	if ((fd = open(file, O_RDONLY | O_CLOEXEC)) < 0)
		return err_set(-errno, "cannot open '%s': %s", file, strerror(errno));
	if (fstat(fd, &st) < 0) {
		r = err_set(-errno, "cannot read '%s': %s", file, strerror(errno));
		goto out;
	}
	if ((uint64_t)st.st_size > max) {
		r = err_set(-EBADMSG, "'%s' is damaged: larger than %zu bytes", file, max);
		goto out;
	}
	if (!(data = malloc((size_t)st.st_size + 1))) {
		r = -ENOMEM;
		goto out;
	}
	if ((r = repo_pread_all(fd, data, (size_t)st.st_size, 0, &got)) < 0) {
		r = err_set(r, "cannot read '%s': %s", file, strerror(-r));
		goto out;
	}
	data[got] = '\0';
	crypto_sha256(data, got, digest);
	repo_id_hex(digest, hex);
	if (strcmp(hex, name) != 0) {
		r = err_set(-EBADMSG, "'%s' is damaged: its contents do not match its name", file);
		goto out;
	}
	*ret = data;
	*ret_len = got;
	data = NULL;
out:
	free(data);
	close(fd);
	return r;
}

int repo_file_open_bytes(const struct repo *r, const char *label, const uint8_t *bytes, size_t len, const char *aad,
			 uint8_t **ret, size_t *ret_len)
{
	const char *why = "";
	int ret_code =
	    repo_payload_open(r, aad, strlen(aad), bytes, len, WARD_BACKUP_FILE_MAX, SIZE_MAX, ret, ret_len, &why);
	if (ret_code == -EBADMSG)
		return err_set(-EBADMSG, "'%s' is damaged: %s", label, why);
	return ret_code;
}

/* dir must be one folder name of the repository other than the ones it manages itself. */
static int file_dir(const struct repo *r, const char *dir, char *out, size_t size)
{
	static const char *const reserved[] = {"keys", "data", "locks", "config"};
	if (!dir || !*dir || strspn(dir, "abcdefghijklmnopqrstuvwxyz_") != strlen(dir))
		return err_set(-EINVAL, "'%s' is not a repository folder", dir ? dir : "");
	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (strcmp(dir, reserved[i]) == 0)
			return err_set(-EINVAL, "'%s' is not a folder for encrypted files", dir);
	return repo_join(r, out, size, dir);
}

int repo_file_write_level(struct repo *r, const char *dir, const void *data, size_t len, const char *aad, int level,
			  char ret_id[REPO_HEX_LEN])
{
	char dirpath[4096], file[4096], id[REPO_HEX_LEN];
	uint8_t digest[REPO_ID_LEN], *out = NULL;
	size_t out_len;
	int ret = file_dir(r, dir, dirpath, sizeof(dirpath));
	if (ret < 0)
		return ret;
	if (!aad)
		return err_set(-EINVAL, "no associated data for '%s'", dir);
	if (len > WARD_BACKUP_FILE_MAX)
		return err_set(-E2BIG, "a file for '%s' is larger than %d bytes", dir, WARD_BACKUP_FILE_MAX);
	if (!(out = malloc(len + REPO_BLOB_OVERHEAD)))
		return -ENOMEM;
	if ((ret = repo_payload_seal(r, aad, strlen(aad), data, len, level, out, len + REPO_BLOB_OVERHEAD, &out_len)) <
	    0)
		goto out;
	crypto_sha256(out, out_len, digest);
	repo_id_hex(digest, id);
	if ((ret = fs_join(file, sizeof(file), dirpath, id)) < 0)
		goto out;
	if ((ret = fs_write_atomic(file, out, out_len, 0600)) < 0)
		goto out;
	if (ret_id)
		memcpy(ret_id, id, REPO_HEX_LEN);
out:
	free(out);
	return ret;
}

int repo_file_write(struct repo *r, const char *dir, const void *data, size_t len, const char *aad,
		    char ret_id[REPO_HEX_LEN])
{
	return repo_file_write_level(r, dir, data, len, aad, 3, ret_id);
}

int repo_file_list(struct repo *r, const char *dir, char (**ret)[REPO_HEX_LEN], size_t *ret_n)
{
	char dirpath[4096];
	int ret_code = file_dir(r, dir, dirpath, sizeof(dirpath));
	if (ret_code < 0)
		return ret_code;
	return repo_dir_ids(dirpath, WARD_BACKUP_FILES_MAX, ret, ret_n);
}

int repo_file_read(struct repo *r, const char *dir, const char *id_or_prefix, const char *aad, char **ret,
		   size_t *ret_len, char ret_id[REPO_HEX_LEN])
{
	char dirpath[4096], label[160], id[REPO_HEX_LEN], (*ids)[REPO_HEX_LEN] = NULL;
	size_t plen = id_or_prefix ? strlen(id_or_prefix) : 0, n = 0, matches = 0;
	uint8_t *bytes = NULL, *plain = NULL;
	size_t len, plain_len;
	int ret_code = file_dir(r, dir, dirpath, sizeof(dirpath));
	if (ret_code < 0)
		return ret_code;
	if (!aad)
		return err_set(-EINVAL, "no associated data for '%s'", dir);
	if (plen < 4 || plen > 64 || strspn(id_or_prefix, "0123456789abcdef") != plen)
		return err_set(-EINVAL, "'%.80s' is not an id (4 to 64 lower-case hex digits)",
			       id_or_prefix ? id_or_prefix : "");
	if (plen == 2 * REPO_ID_LEN) {
		memcpy(id, id_or_prefix, REPO_HEX_LEN);
	} else {
		if ((ret_code = repo_dir_ids(dirpath, WARD_BACKUP_FILES_MAX, &ids, &n)) < 0)
			return ret_code;
		for (size_t i = 0; i < n; i++)
			if (strncmp(ids[i], id_or_prefix, plen) == 0 && matches++ == 0)
				memcpy(id, ids[i], REPO_HEX_LEN);
		free(ids);
		if (matches == 0)
			return err_set(-ENOENT, "no %s file '%s' in repository '%s'", dir, id_or_prefix, r->path);
		if (matches > 1)
			return err_set(-EINVAL, "'%s' is ambiguous: %zu %s files start with it", id_or_prefix, matches,
				       dir);
	}
	ret_code = repo_file_load(dirpath, id, WARD_BACKUP_FILE_MAX + REPO_BLOB_OVERHEAD, &bytes, &len);
	if (ret_code == -ENOENT)
		return err_set(-ENOENT, "no %s file '%s' in repository '%s'", dir, id, r->path);
	if (ret_code < 0)
		return ret_code;
	snprintf(label, sizeof(label), "%s/%s", dir, id);
	ret_code = repo_file_open_bytes(r, label, bytes, len, aad, &plain, &plain_len);
	free(bytes);
	if (ret_code < 0)
		return ret_code;
	*ret = (char *)plain;
	*ret_len = plain_len;
	if (ret_id)
		memcpy(ret_id, id, REPO_HEX_LEN);
	return 0;
}

int repo_file_remove(struct repo *r, const char *dir, const char *id)
{
	char dirpath[4096], file[4096];
	int ret = file_dir(r, dir, dirpath, sizeof(dirpath));
	if (ret < 0)
		return ret;
	if (!id || !is_id(id))
		return err_set(-EINVAL, "'%.80s' is not an id (64 lower-case hex digits)", id ? id : "");
	if ((ret = fs_join(file, sizeof(file), dirpath, id)) < 0)
		return ret;
	if (unlink(file) < 0)
		return err_set(-errno, "cannot remove '%s': %s", file, strerror(errno));
	return repo_sync_dir(dirpath);
}
