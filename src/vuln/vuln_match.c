/*
 * vuln_match.c: what one feed entry means for one installed source version: the
 * tracker's words (status, fixed_version, urgency, nodsa) and OSV's ranges turned into
 * one of five statuses.
 */
#include <string.h>

#include "core/err.h"
#include "software/vercmp.h"
#include "vuln/vuln.h"

static const char *const status_names[] = {
    [VULN_NOT_AFFECTED] = "not-affected", [VULN_FIXED_AVAILABLE] = "fixed-available", [VULN_UNFIXED] = "unfixed",
    [VULN_WILL_NOT_FIX] = "will-not-fix", [VULN_END_OF_LIFE] = "end-of-life",
};

const char *vuln_status_name(enum vuln_status s)
{
	return (unsigned)s < sizeof(status_names) / sizeof(status_names[0]) ? status_names[s] : "unknown";
}

int vuln_status_parse(const char *s, enum vuln_status *ret)
{
	for (size_t i = 0; i < sizeof(status_names) / sizeof(status_names[0]); i++)
		if (strcmp(s, status_names[i]) == 0) {
			*ret = (enum vuln_status)i;
			return 0;
		}
	return err_set(-EINVAL,
		       "unknown status '%s' (not-affected, fixed-available, unfixed, will-not-fix, "
		       "end-of-life)",
		       s);
}

/* Compares installed with a feed's version v: -EINVAL when v is not a version. */
static int cmp(const struct vercmp_version *installed, const char *v, int *ret)
{
	struct vercmp_version b;
	if (vercmp_parse(v, strlen(v), &b, NULL) < 0)
		return -EINVAL;
	*ret = vercmp_compare(installed, &b);
	return 0;
}

/*
 * The tracker's semantics, as its own pages and debsecan read them:
 *   - fixed_version "0": the release never had the vulnerable code;
 *   - a fixed version at or below the installed one: fixed here;
 *   - "resolved" with a newer fixed version: the fix is in the archive, not installed;
 *   - "open" (or "undetermined": not yet triaged, so still a risk) without a fix:
 *       urgency "end-of-life": the package lost security support in that release;
 *       nodsa with reason "postponed": to be fixed in a point release, so unfixed;
 *       nodsa otherwise ("ignored", or a minor-issue note): will not be fixed;
 *       else unfixed.
 * OSV ranges add introduced (older installed versions are not affected) and
 * last_affected (newer ones are not).
 */
int vuln_match_entry(const struct vuln_entry *e, const char *installed, enum vuln_status *ret)
{
	struct vercmp_version in;
	int c;
	if (vercmp_parse(installed, strlen(installed), &in, NULL) < 0)
		return err_set(-EINVAL, "installed version '%s' of '%s' is not a version", installed, e->source);
	if (e->fixed && strcmp(e->fixed, "0") == 0)
		goto not_affected;
	if (e->introduced && strcmp(e->introduced, "0") != 0) {
		if (cmp(&in, e->introduced, &c) < 0)
			goto bad;
		if (c < 0)
			goto not_affected;
	}
	if (e->fixed) {
		if (cmp(&in, e->fixed, &c) < 0)
			goto bad;
		if (c >= 0)
			goto not_affected;
		*ret = VULN_FIXED_AVAILABLE;
		return 0;
	}
	if (e->last_affected) {
		if (cmp(&in, e->last_affected, &c) < 0)
			goto bad;
		if (c > 0)
			goto not_affected;
	}
	if (strcmp(e->status, "resolved") == 0)
		goto not_affected; /* resolved with no version: nothing to install */
	if (e->urgency && strcmp(e->urgency, "end-of-life") == 0)
		*ret = VULN_END_OF_LIFE;
	else if (e->nodsa && !(e->nodsa_reason && strcmp(e->nodsa_reason, "postponed") == 0))
		*ret = VULN_WILL_NOT_FIX;
	else
		*ret = VULN_UNFIXED;
	return 0;
not_affected:
	*ret = VULN_NOT_AFFECTED;
	return 0;
bad:
	return err_set(-EINVAL, "a version of '%s' %s on %s is not a version", e->source, e->cve, e->release);
}
