/*
 * blob.c: see blob.h.
 */
#include "core/blob.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"
#include "core/fs.h"
#include "core/store.h"

static int blob_path(const char *hex, char *dir, size_t dsize, char *path, size_t psize)
{
	if (strlen(hex) != 64 || strspn(hex, "0123456789abcdef") != 64)
		return err_set(-EINVAL, "'%.70s' is not a blob name", hex);
	int n = snprintf(dir, dsize, "%s/blobs/%.2s/%.2s", store_data_dir(), hex, hex + 2);
	if (n < 0 || (size_t)n >= dsize || snprintf(path, psize, "%s/%s", dir, hex) >= (int)psize)
		return -ENAMETOOLONG;
	return 0;
}

int blob_put(const void *data, size_t len, char ret_hex[CRYPTO_SHA256_HEX])
{
	unsigned char h[CRYPTO_SHA256_LEN];
	char dir[4200], path[4300];
	struct stat st;
	crypto_sha256(data, len, h);
	crypto_hex(h, sizeof(h), ret_hex);
	int r = blob_path(ret_hex, dir, sizeof(dir), path, sizeof(path));
	if (r < 0)
		return r;
	/* Already there: the same name is the same bytes. */
	if (stat(path, &st) == 0 && (uint64_t)st.st_size == len)
		return 0;
	if ((r = fs_mkdir_p(dir, 0700)) < 0)
		return err_set(r, "cannot create '%s': %s", dir, strerror(-r));
	if ((r = fs_write_atomic(path, data, len, 0600)) < 0)
		return err_set(r, "cannot store a file in '%s': %s", dir, strerror(-r));
	return 0;
}

int blob_open(const char *hex, int *ret_fd, uint64_t *ret_size)
{
	char dir[4200], path[4300];
	struct stat st;
	int r = blob_path(hex, dir, sizeof(dir), path, sizeof(path));
	if (r < 0)
		return r;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return err_set(errno == ENOENT ? -ENOENT : -errno, "stored file %.16s… is missing", hex);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return err_set(-EIO, "stored file %.16s… is not a regular file", hex);
	}
	*ret_fd = fd;
	*ret_size = (uint64_t)st.st_size;
	return 0;
}
