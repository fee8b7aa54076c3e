/*
 * Unit tests for a ticket's SLA clocks (helpdesk/sla_clock.c) on a Berlin business
 * calendar over Christmas: a ticket that spans a weekend and holidays, a pause on the
 * requester, a priority change mid-way, and random pause patterns checked against
 * the calendar's own arithmetic: paused time is never lost and the due time never
 * jumps.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "helpdesk/sla_clock.h"

#define H 3600

/* Berlin local times of the scenario, as Unix seconds (date -d with TZ=Europe/Berlin). */
#define THU_24_1500 1798120800 /* created */
#define TUE_29_1000 1798534800 /* pending on the requester */
#define TUE_29_1100 1798538400 /* first-response due: 2 h on Thu, then 2 h on Tue */
#define WED_30_0930 1798619400 /* the requester answers */
#define WED_30_1430 1798637400
#define THU_31_1000 1798707600 /* priority raised */
#define THU_31_1500 1798725600 /* resolution due without the pause */
#define MON_04_1430 1799069400 /* resolution due after the pause */

static struct sla_calendar *calendar(void)
{
	json_t *j = json_loads("{\"timezone\": \"Europe/Berlin\", \"days\": [\"mon\", \"tue\", \"wed\", \"thu\", "
			       "\"fri\"], \"hours\": \"09:00-17:00\", \"holidays\": [\"2026-12-25\", \"2026-12-28\", "
			       "\"2027-01-01\"]}",
			       0, NULL);
	struct sla_calendar *c = NULL;
	assert_non_null(j);
	assert_int_equal(sla_calendar_parse(j, &c), 0);
	json_decref(j);
	return c;
}

/* A new ticket at created with the targets of c (as ticket_create sets it up). */
static struct ticket_state new_ticket(const struct clocks *c, int64_t created)
{
	struct ticket_state t = {.id = 1, .created_at = created, .sla_since = created, .priority = 3};
	strcpy(t.status, "new");
	t.response_due_at = sla_add_business(c->cal, created, c->response);
	t.resolve_due_at = sla_add_business(c->cal, created, c->resolve);
	return t;
}

static void test_weekend_holidays_pause_priority(void **state)
{
	struct clocks c = {.cal = calendar(), .response = 4 * H, .resolve = 24 * H};
	struct ticket_state t = new_ticket(&c, THU_24_1500);

	/* Over Christmas, the weekend and the holidays count for nothing. */
	assert_int_equal(t.response_due_at, TUE_29_1100);
	assert_int_equal(t.resolve_due_at, THU_31_1500);

	/* Support answers, asks a question and waits: the clock stops with 3 h used. */
	assert_int_equal(hd_set_status(&c, &t, 1, TUE_29_1000 - 1800), 0);
	t.first_response_at = TUE_29_1000 - 1800;
	t.response_due_at = 0;
	assert_int_equal(hd_set_status(&c, &t, 2, TUE_29_1000), 0);
	assert_string_equal(t.status, "pending");
	assert_int_equal(t.sla_used, 3 * H);
	assert_int_equal(t.sla_since, 0);
	assert_int_equal(t.resolve_due_at, 0);
	assert_int_equal(hd_sla_flags(&c, &t, WED_30_0930 - 1), 0);

	/* The requester answers a day later: 21 h left, not 24, and not 20. */
	assert_int_equal(hd_set_status(&c, &t, 1, WED_30_0930), 0);
	assert_int_equal(t.sla_since, WED_30_0930);
	assert_int_equal(t.resolve_due_at, MON_04_1430);
	assert_int_equal(sla_business_seconds(c.cal, WED_30_0930, t.resolve_due_at), 21 * H);

	/* Recomputing with nothing changed moves nothing. */
	hd_clock_retarget(&c, &t);
	assert_int_equal(t.resolve_due_at, MON_04_1430);

	/* Raised to 8 h mid-way: due from the same 3 h used, so already past: breached. */
	c.resolve = 8 * H;
	hd_clock_retarget(&c, &t);
	assert_int_equal(t.resolve_due_at, WED_30_1430);
	assert_true(hd_sla_flags(&c, &t, THU_31_1000) & SLA_RESOLVE_BREACHED);

	/* Lowered again: the due time comes back exactly, no time was lost or added. */
	c.resolve = 24 * H;
	hd_clock_retarget(&c, &t);
	assert_int_equal(t.resolve_due_at, MON_04_1430);

	/* Resolved: the clock stops with what it used, and a breach stays on record. */
	c.resolve = 8 * H;
	assert_int_equal(hd_set_status(&c, &t, 3, THU_31_1000), 0);
	assert_int_equal(t.sla_used, 3 * H + (int64_t)(7.5 * H) + 1 * H);
	assert_true(t.sla_flags & SLA_RESOLVE_BREACHED);
	assert_true(hd_sla_flags(&c, &t, THU_31_1000 + 86400) & SLA_RESOLVE_BREACHED);
	sla_calendar_free(c.cal);
}

static void test_at_risk_and_response(void **state)
{
	struct clocks c = {.cal = calendar(), .response = 4 * H, .resolve = 24 * H};
	struct ticket_state t = new_ticket(&c, THU_24_1500);
	/* 80 % of the 4-hour response target is 3 h 12 min of business time. */
	int64_t risk = sla_add_business(c.cal, THU_24_1500, 4 * H * 8 / 10);
	assert_int_equal(hd_sla_flags(&c, &t, risk - 1) & SLA_RESPONSE_AT_RISK, 0);
	assert_true(hd_sla_flags(&c, &t, risk) & SLA_RESPONSE_AT_RISK);
	assert_true(hd_sla_flags(&c, &t, TUE_29_1100) & SLA_RESPONSE_BREACHED);
	/* Resolving counts as the response. */
	assert_int_equal(hd_set_status(&c, &t, 3, risk), 0);
	assert_int_equal(t.first_response_at, risk);
	assert_int_equal(hd_sla_flags(&c, &t, TUE_29_1100) & (SLA_RESPONSE_BREACHED | SLA_RESPONSE_AT_RISK), 0);
	/* Closed is final; new is never gone back to. */
	assert_int_equal(hd_set_status(&c, &t, 4, risk + 60), 0);
	assert_int_equal(hd_set_status(&c, &t, 1, risk + 120), -EINVAL);
	struct ticket_state u = new_ticket(&c, THU_24_1500);
	assert_int_equal(hd_set_status(&c, &u, 1, THU_24_1500 + 60), 0);
	assert_int_equal(hd_set_status(&c, &u, 0, THU_24_1500 + 120), -EINVAL);
	sla_calendar_free(c.cal);
}

static uint64_t rng(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Random pauses and resumptions over weeks: the time used is exactly the business
 * time of the running stretches, and the due time is the calendar's answer for
 * what is left, whatever the pattern. */
static void test_random_pauses(void **state)
{
	struct clocks c = {.cal = calendar(), .response = 4 * H, .resolve = 40 * H};
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	for (int round = 0; round < 500; round++) {
		int64_t now = THU_24_1500 - 20 * 86400 + (int64_t)(rng(&seed) % (40 * 86400));
		struct ticket_state t = new_ticket(&c, now);
		int64_t used = 0, since = now;
		bool running = true;
		for (int step = 0; step < 12; step++) {
			now += (int64_t)(rng(&seed) % (3 * 86400));
			if (running) {
				used += sla_business_seconds(c.cal, since, now);
				assert_int_equal(hd_set_status(&c, &t, 2, now), 0);
			} else {
				since = now;
				assert_int_equal(hd_set_status(&c, &t, 1, now), 0);
				int64_t left = c.resolve > used ? c.resolve - used : 0;
				assert_int_equal(t.resolve_due_at, sla_add_business(c.cal, now, left));
			}
			running = !running;
			assert_int_equal(t.sla_used, used);
		}
	}
	sla_calendar_free(c.cal);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_weekend_holidays_pause_priority),
		cmocka_unit_test(test_at_risk_and_response),
		cmocka_unit_test(test_random_pauses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
