/*
 * Unit tests for compliance: the class of an upgrade from its security tag and the
 * urgency of what it fixes, due times under the default and a changed policy, and the
 * first-seen clock kept across reports of the same upgrade, passed on to a superseding
 * candidate, and stopped when the upgrade is gone.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compliance/compliance.h"
#include "core/crypto.h"
#include "core/store.h"
#include "hosts/hosts_store.h"
#include "maint/maint.h"

#define DAY COMPLIANCE_DAY
#define T0 1790000000LL /* a report's time */

static char dir[256];

static int setup(void **state)
{
	struct store *s;
	snprintf(dir, sizeof(dir), "/tmp/ward-unit-compliance.XXXXXX");
	if (!mkdtemp(dir) || crypto_init() < 0 || store_setup(dir) < 0 || store_open(true, &s) < 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	char cmd[300];
	store_release();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_urgency(void **state)
{
	assert_int_equal(compliance_urgency_rank("critical"), 5);
	assert_int_equal(compliance_urgency_rank("high"), 4);
	assert_int_equal(compliance_urgency_rank("high**"), 4);
	assert_int_equal(compliance_urgency_rank("medium**"), 3);
	assert_int_equal(compliance_urgency_rank("low"), 2);
	assert_int_equal(compliance_urgency_rank("unimportant"), 1);
	assert_int_equal(compliance_urgency_rank("negligible"), 1);
	assert_int_equal(compliance_urgency_rank("not yet assigned"), 0);
	assert_int_equal(compliance_urgency_rank("highest"), 0); /* a prefix is not a word */
	assert_int_equal(compliance_urgency_rank(NULL), 0);
}

static void test_classify(void **state)
{
	assert_int_equal(compliance_classify(true, "high"), COMPLIANCE_SECURITY_HIGH);
	assert_int_equal(compliance_classify(true, "critical"), COMPLIANCE_SECURITY_HIGH);
	assert_int_equal(compliance_classify(true, "high*"), COMPLIANCE_SECURITY_HIGH);
	assert_int_equal(compliance_classify(true, "medium"), COMPLIANCE_SECURITY);
	assert_int_equal(compliance_classify(true, NULL), COMPLIANCE_SECURITY);
	/* an urgent issue fixed by an upgrade from a non-security archive: its archive decides */
	assert_int_equal(compliance_classify(false, "high"), COMPLIANCE_OTHER);
	assert_int_equal(compliance_classify(false, NULL), COMPLIANCE_OTHER);
	assert_string_equal(compliance_class_name(COMPLIANCE_SECURITY_HIGH), "security-high");
	assert_string_equal(compliance_class_name(COMPLIANCE_SECURITY), "security");
	assert_string_equal(compliance_class_name(COMPLIANCE_OTHER), "other");
}

static void test_due(void **state)
{
	struct compliance_policy p;
	compliance_policy_default(&p);
	assert_int_equal(compliance_due(&p, COMPLIANCE_SECURITY_HIGH, T0), T0 + 7 * DAY);
	assert_int_equal(compliance_due(&p, COMPLIANCE_SECURITY, T0), T0 + 30 * DAY);
	assert_int_equal(compliance_due(&p, COMPLIANCE_OTHER, T0), T0 + 90 * DAY);
	p.security_high = 2 * DAY;
	assert_int_equal(compliance_due(&p, COMPLIANCE_SECURITY_HIGH, T0), T0 + 2 * DAY);
}

static void test_policy_store(void **state)
{
	struct store *s = store_get();
	struct compliance_policy p = {.security = 14 * DAY}, got;
	assert_int_equal(compliance_policy_get(s, &got), 0);
	assert_int_equal(got.security, 30 * DAY);
	assert_int_equal(compliance_policy_set(s, "test", &p), 0);
	assert_int_equal(compliance_policy_get(s, &got), 0);
	assert_int_equal(got.security_high, 7 * DAY); /* untouched */
	assert_int_equal(got.security, 14 * DAY);
	p.security = 60; /* under an hour */
	assert_int_equal(compliance_policy_set(s, "test", &p), -EINVAL);
	assert_int_equal(compliance_policy_get(s, &got), 0);
	assert_int_equal(got.security, 14 * DAY);
	p.security = 30 * DAY;
	assert_int_equal(compliance_policy_set(s, "test", &p), 0);
}

/* Stores an upgrades section for host as a report at t would. */
static void report(struct store *s, int64_t host, const char *upgrades, int64_t t)
{
	char data[4096], digest[65];
	snprintf(data, sizeof(data), "{\"upgrades\": [%s]}", upgrades);
	snprintf(digest, sizeof(digest), "%064llx", (unsigned long long)t);
	assert_int_equal(hosts_store_section_put(s, host, "upgrades", digest, data, t), 0);
}

#define UP(name, cand, sec)                                                                                            \
	"{\"name\": \"" name "\", \"architecture\": \"amd64\", \"installed\": \"1\", \"candidate\": \"" cand           \
	"\", \"security\": " sec "}"

/* The pending upgrades at now as "package candidate first_seen-T0 overdue" lines. */
static void pending(struct store *s, int64_t now, char *out, size_t size)
{
	json_t *ev = NULL, *u;
	size_t i, len = 0;
	assert_int_equal(compliance_evaluate(s, NULL, NULL, false, now, &ev), 0);
	out[0] = '\0';
	json_array_foreach(json_object_get(ev, "upgrades"), i, u)
	{
		char first[32];
		snprintf(first, sizeof(first), "%s", json_string_value(json_object_get(u, "first_seen")));
		len += (size_t)snprintf(out + len, size - len, "%s %s %s %s %s\n",
					json_string_value(json_object_get(u, "package")),
					json_string_value(json_object_get(u, "candidate")), first,
					json_string_value(json_object_get(u, "class")),
					json_is_true(json_object_get(u, "overdue")) ? "overdue" : "due");
	}
	json_decref(ev);
}

static void test_first_seen(void **state)
{
	struct store *s = store_get();
	unsigned char secret[32] = {0};
	int64_t id;
	char got[2048];
	assert_int_equal(hosts_store_insert(s, "0123456789abcdef0123456789abcdef", "box", secret, T0, 900, &id), 0);

	report(s, id, UP("openssl", "3.1", "true") "," UP("vim", "9.1", "false"), T0);
	pending(s, T0, got, sizeof(got));
	assert_string_equal(got, "openssl 3.1 2026-09-21T14:13:20Z security due\n"
				 "vim 9.1 2026-09-21T14:13:20Z other due\n");

	/* a later report with the same upgrades and a new one: the clocks run on */
	report(s, id, UP("openssl", "3.1", "true") "," UP("vim", "9.1", "false") "," UP("zlib", "1.3", "true"),
	       T0 + 10 * DAY);
	pending(s, T0 + 31 * DAY, got, sizeof(got));
	assert_string_equal(got, "openssl 3.1 2026-09-21T14:13:20Z security overdue\n"
				 "zlib 1.3 2026-10-01T14:13:20Z security due\n"
				 "vim 9.1 2026-09-21T14:13:20Z other due\n");

	/* openssl 3.2 supersedes 3.1: the clock is the first one's; vim installed: gone */
	report(s, id, UP("openssl", "3.2", "true") "," UP("zlib", "1.3", "true"), T0 + 20 * DAY);
	pending(s, T0 + 20 * DAY, got, sizeof(got));
	assert_string_equal(got, "openssl 3.2 2026-09-21T14:13:20Z security due\n"
				 "zlib 1.3 2026-10-01T14:13:20Z security due\n");

	/* every upgrade installed: nothing pending, the machine compliant */
	report(s, id, "", T0 + 21 * DAY);
	json_t *ev = NULL;
	assert_int_equal(compliance_evaluate(s, "box", NULL, false, T0 + 100 * DAY, &ev), 0);
	assert_int_equal(json_array_size(json_object_get(ev, "upgrades")), 0);
	json_t *h = json_array_get(json_object_get(ev, "hosts"), 0);
	assert_true(json_is_true(json_object_get(h, "compliant")));
	assert_true(json_real_value(json_object_get(h, "percent")) == 100.0);
	json_decref(ev);

	/* the same candidate offered again (a rollback) keeps its first clock */
	report(s, id, UP("zlib", "1.3", "true"), T0 + 22 * DAY);
	pending(s, T0 + 40 * DAY, got, sizeof(got));
	assert_string_equal(got, "zlib 1.3 2026-10-01T14:13:20Z security overdue\n");
}

/* Upgrades that are not security fixes are due at the end of the machine's next
 * maintenance window; security ones keep their periods; a machine without a window
 * keeps the policy's period for the rest. */
static void test_window_due(void **state)
{
	struct store *s = store_get();
	unsigned char secret[32] = {0};
	int64_t win, plain;
	assert_int_equal(hosts_store_insert(s, "11111111111111111111111111111111", "win", secret, T0 + 35 * DAY, 900, &win), 0);
	assert_int_equal(hosts_store_insert(s, "22222222222222222222222222222222", "plain", secret, T0 + 35 * DAY, 900, &plain), 0);
	/* after the reports above; T1 is Monday 2026-10-26 14:13:20Z; the window: Sundays
	 * 02:00-05:00 UTC */
	const int64_t T1 = T0 + 35 * DAY;
	json_t *w = json_pack("{s:s, s:[s], s:s, s:i, s:[s]}", "name", "sunday", "days", "sun", "start", "02:00",
			      "duration_minutes", 180, "hosts", "win");
	assert_int_equal(maint_window_add(s, "test", w, T1, NULL), 0);
	json_decref(w);
	report(s, win, UP("vim", "9.1", "false") "," UP("curl", "8.1", "true"), T1);
	report(s, plain, UP("vim", "9.1", "false"), T1);

	json_t *ev = NULL, *u;
	size_t i;
	char got[1024] = "";
	size_t len = 0;
	assert_int_equal(compliance_evaluate(s, NULL, NULL, false, T1 + 7 * DAY, &ev), 0);
	json_array_foreach(json_object_get(ev, "upgrades"), i, u)
	{
		const char *host = json_string_value(json_object_get(u, "host"));
		if (strcmp(host, "win") != 0 && strcmp(host, "plain") != 0)
			continue;
		len += (size_t)snprintf(got + len, sizeof(got) - len, "%s %s %s %s %s\n", host,
					json_string_value(json_object_get(u, "package")),
					json_string_value(json_object_get(u, "due")),
					json_string_value(json_object_get(u, "due_window")) ?: "-",
					json_is_true(json_object_get(u, "overdue")) ? "overdue" : "due");
	}
	/* a week on (Monday 11-02) the Sunday window of 11-01 is over: vim is overdue there */
	assert_string_equal(got, "win vim 2026-11-01T05:00:00Z sunday overdue\n"
				 "win curl 2026-11-25T14:13:20Z - due\n"
				 "plain vim 2027-01-24T14:13:20Z - due\n");
	json_decref(ev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_urgency),	 cmocka_unit_test(test_classify),   cmocka_unit_test(test_due),
	    cmocka_unit_test(test_policy_store), cmocka_unit_test(test_first_seen), cmocka_unit_test(test_window_due),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
