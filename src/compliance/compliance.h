/*
 * compliance.h: when the upgrades a machine has on hand are due, which are overdue,
 * and patch compliance per machine and for the fleet, with a daily history. An
 * upgrade's due clock starts when Ward first saw it on that machine (kept per host,
 * package, architecture and candidate version; a newer candidate that supersedes a
 * pending one keeps the older clock); its due period comes from the policy by class:
 * security fixes for a high- or critical-urgency issue, other security fixes, and the
 * rest. The rest are due at the end of the machine's first maintenance window (src/maint)
 * that starts when the upgrade was first seen or later; on a machine no window applies to,
 * after the policy's period.
 */
#ifndef WARD_COMPLIANCE_H
#define WARD_COMPLIANCE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/store.h"

#define COMPLIANCE_DAY 86400
#define COMPLIANCE_DUE_MAX (3650LL * COMPLIANCE_DAY) /* a due period at most (ten years) */
#define COMPLIANCE_HISTORY_DAYS_MAX 3660	     /* days of history one request returns */
#define COMPLIANCE_LIST_MAX 100000		     /* upgrades one listing returns */

/* Due periods in seconds, by class. */
struct compliance_policy {
	int64_t security_high; /* security fix of a high or critical urgency issue (default 7 days) */
	int64_t security;      /* other security fixes (default 30 days) */
	int64_t other;	       /* the rest, on a machine no maintenance window applies to (default 90 days) */
};

enum compliance_class {
	COMPLIANCE_SECURITY_HIGH,
	COMPLIANCE_SECURITY,
	COMPLIANCE_OTHER,
};

/* "security-high", "security", "other". */
const char *compliance_class_name(enum compliance_class c);

/* The defaults above. */
void compliance_policy_default(struct compliance_policy *p);

/*
 * The class of an upgrade: security (tagged so by its archive) and urgency, the most
 * urgent of the issues it fixes (tracker or OSV words: "critical", "high", "medium**",
 * "low", "unimportant", ...; NULL when none is known). A security upgrade fixing a
 * "high" or "critical" issue (trailing asterisks ignored) is security-high.
 */
enum compliance_class compliance_classify(bool security, const char *urgency);

/* The due time of an upgrade of class c first seen at first_seen. */
int64_t compliance_due(const struct compliance_policy *p, enum compliance_class c, int64_t first_seen);

/* How urgent a tracker or OSV urgency word is, for picking the most urgent: 0 unknown
 * or unimportant ... 5 critical. */
int compliance_urgency_rank(const char *urgency);

/* The policy in the store (defaults for what was never set). */
int compliance_policy_get(struct store *s, struct compliance_policy *ret);

/* Sets the periods that are not 0 (each 1 hour to COMPLIANCE_DUE_MAX; -EINVAL
 * otherwise). Logged as compliance.policy. */
int compliance_policy_set(struct store *s, const char *actor, const struct compliance_policy *p);

/*
 * Brings the first-seen records up to date with the hosts' reported upgrades
 * sections changed since the last sync: a new (package, architecture, candidate)
 * is first seen when its section was stored; one no longer offered is resolved. Run
 * by the scheduler every round, and before every evaluation.
 */
int compliance_sync(struct store *s);

/*
 * Evaluates the pending upgrades at now (after a sync). host: one machine's name or
 * uid, or NULL for the fleet (-ENOENT for an unknown host). distro_info_dir: for
 * the end-of-life of each machine's release (may be NULL). *ret is
 *   {"now", "policy": {...}, "fleet": {"machines", "compliant", "tracked", "overdue",
 *    "percent" (of tracked upgrades not overdue), "machines_percent"},
 *    "hosts": [{"host", "uid", "tracked", "overdue", "percent", "compliant", "eol"}],
 *    "upgrades": [{"host", "package", "architecture", "installed", "candidate",
 *     "security", "urgency", "cves", "class", "first_seen", "due", "due_window" (the
 *     maintenance window it is due at the end of, or null), "overdue", "days_left"}]}
 * with upgrades sorted by due time and only the overdue ones when overdue_only;
 * days_left counts whole days until due (negative: whole days overdue, so 0 with
 * overdue true means less than a day late).
 * Times are ISO 8601. Machines without an upgrades section are left out.
 */
int compliance_evaluate(struct store *s, const char *host, const char *distro_info_dir, bool overdue_only, int64_t now,
			json_t **ret);

/*
 * Takes today's (UTC day of now) snapshot: a row per machine and one for the fleet,
 * replacing the day's earlier one, and brings the findings up to date: a machine with
 * overdue upgrades has an open "compliance" finding, and a machine whose release is
 * past its end of life (from distro_info_dir) a "vuln" one; both close when it no
 * longer holds. Logged as compliance.snapshot when the day's fleet figures are new or
 * changed. *ret (may be NULL): the evaluation.
 */
int compliance_snapshot(struct store *s, const char *actor, const char *distro_info_dir, int64_t now, json_t **ret);

/* The daily history, oldest first, of one machine or (host NULL) the fleet, for the
 * last days days: [{"day", "tracked", "overdue", "percent", "machines", "compliant"}]. */
int compliance_history(struct store *s, const char *host, int64_t days, int64_t now, json_t **ret);

#endif
