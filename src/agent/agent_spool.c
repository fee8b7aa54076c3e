/*
 * agent_spool.c: reports waiting for the server, one file each, oldest first. The
 * spool is bounded in files and bytes; past the warning mark each new report says how
 * full it is, and at the limit the oldest reports give way.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/agent.h"
#include "core/err.h"
#include "core/fs.h"
#include "core/timeutil.h"

static int spool_dir(const char *state_dir, char *out, size_t size)
{
	return fs_join(out, size, state_dir, "spool");
}

static bool is_spool_name(const char *n)
{
	size_t len = strlen(n);
	if (len != 15 || strcmp(n + 10, ".json") != 0)
		return false;
	for (int i = 0; i < 10; i++)
		if (n[i] < '0' || n[i] > '9')
			return false;
	return true;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* The spool's files in order (names sorted; zero-padded numbers sort as numbers). */
static int spool_list(const char *dir, char (**ret)[16], int *ret_n, int64_t *ret_bytes)
{
	DIR *d = opendir(dir);
	char (*names)[16] = NULL;
	int n = 0, cap = 0;
	int64_t bytes = 0;
	if (!d) {
		*ret = NULL;
		*ret_n = 0;
		*ret_bytes = 0;
		return errno == ENOENT ? 0 : err_set(-errno, "cannot read spool '%s': %s", dir, strerror(errno));
	}
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!is_spool_name(e->d_name))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			void *nn = realloc(names, sizeof(*names) * (size_t)cap);
			if (!nn) {
				closedir(d);
				free(names);
				return -ENOMEM;
			}
			names = nn;
		}
		memcpy(names[n++], e->d_name, 16); /* is_spool_name: 15 characters and a NUL */
		struct stat st;
		char path[4200];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (stat(path, &st) == 0)
			bytes += st.st_size;
	}
	closedir(d);
	if (n > 1)
		qsort(names, (size_t)n, sizeof(*names), name_cmp);
	*ret = names;
	*ret_n = n;
	*ret_bytes = bytes;
	return 0;
}

int agent_spool_count(const char *state_dir, int *ret_files, int64_t *ret_bytes)
{
	char dir[4096], (*names)[16];
	int r = spool_dir(state_dir, dir, sizeof(dir));
	if (r < 0 || (r = spool_list(dir, &names, ret_files, ret_bytes)) < 0)
		return r;
	free(names);
	return 0;
}

int agent_spool_put(const char *state_dir, const json_t *report, bool *ret_warn, int64_t *ret_dropped)
{
	char dir[4096], path[4200], (*names)[16] = NULL;
	int n, r;
	int64_t bytes, next = 1, dropped = 0;
	char *text = json_dumps(report, JSON_COMPACT);
	if (!text)
		return -ENOMEM;
	size_t len = strlen(text);
	if ((r = spool_dir(state_dir, dir, sizeof(dir))) < 0 || (r = fs_mkdir_p(dir, 0700)) < 0 ||
	    (r = spool_list(dir, &names, &n, &bytes)) < 0)
		goto out;
	if (len > AGENT_SPOOL_MAX_BYTES) {
		r = err_set(-E2BIG, "report is larger than the whole spool (%d bytes)", AGENT_SPOOL_MAX_BYTES);
		goto out;
	}
	if (n > 0) {
		int64_t last;
		char num[11];
		memcpy(num, names[n - 1], 10);
		num[10] = '\0';
		if (parse_int64(num, 0, 9999999999LL, &last) == 0)
			next = last + 1;
	}
	/* At the limit the oldest give way: the newest state matters most. */
	int first = 0;
	while (first < n && (n - first >= AGENT_SPOOL_MAX_FILES || bytes + (int64_t)len > AGENT_SPOOL_MAX_BYTES)) {
		struct stat st;
		snprintf(path, sizeof(path), "%s/%s", dir, names[first]);
		if (stat(path, &st) == 0)
			bytes -= st.st_size;
		unlink(path);
		first++;
		dropped++;
	}
	snprintf(path, sizeof(path), "%s/%010lld.json", dir, (long long)next);
	if ((r = fs_write_atomic(path, text, len, 0600)) < 0)
		goto out;
	bytes += (int64_t)len;
	*ret_warn = (n - first + 1) * 100 >= AGENT_SPOOL_MAX_FILES * AGENT_SPOOL_WARN_PERCENT ||
		    bytes * 100 >= (int64_t)AGENT_SPOOL_MAX_BYTES * AGENT_SPOOL_WARN_PERCENT;
	*ret_dropped = dropped;
out:
	free(names);
	free(text);
	return r;
}

int agent_spool_oldest(const char *state_dir, char *path, size_t size, json_t **ret)
{
	char dir[4096], (*names)[16] = NULL, *text = NULL;
	int n, r;
	int64_t bytes;
	size_t len;
	if ((r = spool_dir(state_dir, dir, sizeof(dir))) < 0 || (r = spool_list(dir, &names, &n, &bytes)) < 0)
		return r;
	if (n == 0) {
		free(names);
		return -ENOENT;
	}
	r = fs_join(path, size, dir, names[0]);
	free(names);
	if (r < 0 || (r = fs_read_file(path, AGENT_SPOOL_MAX_BYTES, &text, &len)) < 0)
		return r;
	*ret = json_loadb(text, len, 0, NULL);
	free(text);
	if (!*ret) {
		/* A damaged spool file cannot be delivered; set it aside rather than block. */
		char bad[4300];
		snprintf(bad, sizeof(bad), "%s.damaged", path);
		rename(path, bad);
		return err_set(-EBADMSG, "spooled report '%s' is damaged; moved aside", path);
	}
	return 0;
}
