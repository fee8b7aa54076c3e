/*
 * vuln_eol.c: a release's support dates from distro-info-data's CSV files
 * (version,codename,series,created,release,eol[,eol-lts,eol-elts | eol-server,eol-esm,...]).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/err.h"
#include "core/fs.h"
#include "vuln/vuln.h"

#define EOL_COLUMNS 12 /* columns of a distro-info CSV kept */

/* Splits line (modified) at commas into at most EOL_COLUMNS fields; returns how many. */
static size_t eol_split(char *line, char *f[EOL_COLUMNS])
{
	size_t n = 0;
	for (char *p = line; n < EOL_COLUMNS;) {
		f[n++] = p;
		char *c = strchr(p, ',');
		if (!c)
			break;
		*c = '\0';
		p = c + 1;
	}
	return n;
}

/* "2026-06-10" as a Unix time at the end of that day (UTC); -1 when not a date. */
static int64_t eol_date(const char *s)
{
	struct tm tm = {0};
	char *end = strptime(s, "%Y-%m-%d", &tm);
	if (!end || *end)
		return -1;
	return (int64_t)timegm(&tm) + 86400;
}

int vuln_eol(const char *dir, const char *id, const char *version_id, const char *codename, int64_t now, json_t **ret)
{
	char path[4096], *text = NULL, *save = NULL, *hdr[EOL_COLUMNS], *f[EOL_COLUMNS];
	size_t len, nh;
	json_t *res = NULL, *ext = NULL;
	int r;
	if (!id || (strcmp(id, "debian") != 0 && strcmp(id, "ubuntu") != 0))
		return err_set(-ENOENT, "no end-of-life data for distribution '%s'", id ? id : "unknown");
	if (snprintf(path, sizeof(path), "%s/%s.csv", dir, id) >= (int)sizeof(path))
		return err_set(-ENAMETOOLONG, "path too long: '%s'", dir);
	if ((r = fs_read_file(path, WARD_VULN_CSV_MAX, &text, &len)) < 0)
		return err_set(r, "cannot read '%s': %s (install distro-info-data)", path, strerror(-r));
	char *line = strtok_r(text, "\n", &save);
	if (!line || (nh = eol_split(line, hdr)) < 6 || strcmp(hdr[0], "version") != 0 ||
	    strcmp(hdr[2], "series") != 0 || strcmp(hdr[5], "eol") != 0) {
		r = err_set(-EBADMSG, "'%s' is not a distro-info CSV (its header is not version,codename,series,...)",
			    path);
		goto out;
	}
	r = err_set(-ENOENT, "release '%s' is not in '%s'", codename ? codename : version_id ? version_id : "?", path);
	while ((line = strtok_r(NULL, "\n", &save))) {
		size_t n = eol_split(line, f);
		if (n < 5)
			continue; /* a release without an end of life yet has five columns */
		if (n < 6)
			f[n++] = "";
		/* "22.04 LTS" is version 22.04 */
		size_t vlen = strcspn(f[0], " ");
		bool same =
		    (codename && strcmp(f[2], codename) == 0) ||
		    (!codename && version_id && strlen(version_id) == vlen && strncmp(f[0], version_id, vlen) == 0);
		if (!same)
			continue;
		int64_t eol = eol_date(f[5]), last = eol;
		if (!(ext = json_object()))
			goto nomem;
		for (size_t k = 6; k < n && k < nh; k++) {
			int64_t d = eol_date(f[k]);
			if (d < 0)
				continue;
			json_object_set_new(ext, hdr[k], json_string(f[k]));
			if (d > last)
				last = d;
		}
		const char *status = eol < 0 || now < eol ? "supported" : now < last ? "extended" : "end-of-life";
		char msg[512];
		if (strcmp(status, "supported") == 0)
			snprintf(msg, sizeof(msg), "%s %s is supported%s%s", id, f[2], eol < 0 ? "" : " until ",
				 eol < 0 ? "" : f[5]);
		else if (strcmp(status, "extended") == 0)
			snprintf(msg, sizeof(msg), "%s %s reached its end of life on %s; only extended support remains",
				 id, f[2], f[5]);
		else
			snprintf(msg, sizeof(msg), "%s %s is past its end of life (%s) and every extended support", id,
				 f[2], f[5]);
		res = json_pack("{s:s, s:s, s:s, s:s?, s:O, s:s, s:s}", "distro", id, "release", f[0], "codename", f[2],
				"eol", eol < 0 ? NULL : f[5], "extended", ext, "status", status, "message", msg);
		if (!res)
			goto nomem;
		err_clear();
		*ret = res;
		r = 0;
		break;
	}
	goto out;
nomem:
	r = -ENOMEM;
out:
	json_decref(ext);
	free(text);
	return r;
}

const char *vuln_distro_info_dir(void)
{
	const char *v = getenv("WARD_DISTRO_INFO");
	return v && *v ? v : "/usr/share/distro-info";
}
