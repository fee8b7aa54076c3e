/*
 * fs.c: see fs.h.
 */
#include "core/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"

int fs_join(char *out, size_t size, const char *dir, const char *name)
{
	int n = snprintf(out, size, "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= size)
		return err_set(-ENAMETOOLONG, "path '%s/%s' is too long", dir, name);
	return 0;
}

int fs_mkdir_p(const char *dir, mode_t mode)
{
	char path[4096];
	int n = snprintf(path, sizeof(path), "%s", dir);
	if (n < 0 || (size_t)n >= sizeof(path))
		return err_set(-ENAMETOOLONG, "path '%s' is too long", dir);
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, mode) < 0 && errno != EEXIST)
			return err_set(-errno, "cannot create directory '%s': %s", path, strerror(errno));
		*p = '/';
	}
	if (mkdir(path, mode) < 0 && errno != EEXIST)
		return err_set(-errno, "cannot create directory '%s': %s", path, strerror(errno));
	return 0;
}

static int fsync_parent(const char *path)
{
	char dir[4096];
	int n = snprintf(dir, sizeof(dir), "%s", path);
	if (n < 0 || (size_t)n >= sizeof(dir))
		return -ENAMETOOLONG;
	char *slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	else
		snprintf(dir, sizeof(dir), ".");
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int r = fsync(fd) < 0 ? -errno : 0;
	close(fd);
	return r;
}

int fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
	char tmp[4096];
	int r = 0, fd = -1;
	int n = snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return err_set(-ENAMETOOLONG, "path '%s' is too long", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0) {
		r = err_set(-errno, "cannot write '%s': %s", tmp, strerror(errno));
		goto out;
	}
	const char *p = data;
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			r = err_set(-errno, "cannot write '%s': %s", tmp, strerror(errno));
			goto out;
		}
		p += w;
		len -= (size_t)w;
	}
	if (fsync(fd) < 0) {
		r = err_set(-errno, "cannot sync '%s': %s", tmp, strerror(errno));
		goto out;
	}
	close(fd);
	fd = -1;
	if (rename(tmp, path) < 0) {
		r = err_set(-errno, "cannot rename '%s' to '%s': %s", tmp, path, strerror(errno));
		goto out;
	}
	r = fsync_parent(path);
	if (r < 0)
		err_set(r, "cannot sync the directory of '%s'", path);
out:
	if (fd >= 0)
		close(fd);
	if (r < 0)
		unlink(tmp);
	return r;
}

int fs_read_file(const char *path, size_t max, char **ret_data, size_t *ret_len)
{
	int r = 0;
	char *data = NULL;
	size_t len = 0, cap = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set(-errno, "cannot open '%s': %s", path, strerror(errno));
	for (;;) {
		if (len == cap) {
			if (cap > max) {
				r = err_set(-E2BIG, "'%s' is larger than %zu bytes", path, max);
				goto out;
			}
			size_t ncap = cap ? cap * 2 : 4096;
			if (ncap > max + 1)
				ncap = max + 1;
			char *nd = realloc(data, ncap + 1);
			if (!nd) {
				r = -ENOMEM;
				goto out;
			}
			data = nd;
			cap = ncap;
		}
		ssize_t got = read(fd, data + len, cap - len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			r = err_set(-errno, "cannot read '%s': %s", path, strerror(errno));
			goto out;
		}
		if (got == 0)
			break;
		len += (size_t)got;
		if (len > max) {
			r = err_set(-E2BIG, "'%s' is larger than %zu bytes", path, max);
			goto out;
		}
	}
	data[len] = '\0';
	*ret_data = data;
	*ret_len = len;
	data = NULL;
out:
	free(data);
	close(fd);
	return r;
}
