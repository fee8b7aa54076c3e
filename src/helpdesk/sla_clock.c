/*
 * sla_clock.c: see sla_clock.h.
 */
#include "helpdesk/sla_clock.h"

#include <errno.h>
#include <stdio.h>

#include "core/err.h"
#include "helpdesk/helpdesk.h"

static int64_t left_of(int64_t target, int64_t used)
{
	return target > used ? target - used : 0;
}

void hd_clock_start(const struct clocks *c, struct ticket_state *t, int64_t now)
{
	if (t->sla_since)
		return;
	t->sla_since = now;
	t->resolve_due_at = sla_add_business(c->cal, now, left_of(c->resolve, t->sla_used));
}

void hd_clock_stop(const struct clocks *c, struct ticket_state *t, int64_t now)
{
	if (!t->sla_since)
		return;
	t->sla_used += sla_business_seconds(c->cal, t->sla_since, now);
	t->sla_since = 0;
	t->resolve_due_at = 0;
}

void hd_clock_retarget(const struct clocks *c, struct ticket_state *t)
{
	if (t->sla_since)
		t->resolve_due_at = sla_add_business(c->cal, t->sla_since, left_of(c->resolve, t->sla_used));
	if (!t->first_response_at && t->response_due_at)
		t->response_due_at = sla_add_business(c->cal, t->created_at, c->response);
}

int hd_sla_flags(const struct clocks *c, const struct ticket_state *t, int64_t now)
{
	int flags = t->sla_flags & SLA_STICKY;
	if (!t->first_response_at && t->response_due_at) {
		int64_t used = sla_business_seconds(c->cal, t->created_at, now);
		if (used >= c->response)
			flags |= SLA_RESPONSE_BREACHED;
		else if (used * 100 >= c->response * TICKET_AT_RISK_PERCENT)
			flags |= SLA_RESPONSE_AT_RISK;
	}
	if (t->sla_since) {
		int64_t used = t->sla_used + sla_business_seconds(c->cal, t->sla_since, now);
		if (used >= c->resolve)
			flags |= SLA_RESOLVE_BREACHED;
		else if (used * 100 >= c->resolve * TICKET_AT_RISK_PERCENT)
			flags |= SLA_RESOLVE_AT_RISK;
	}
	return flags;
}



int hd_set_status(const struct clocks *c, struct ticket_state *t, int to, int64_t now)
{
	int from = ticket_status_parse(t->status);
	if (from == to)
		return 0;
	if (from == 4)
		return err_set(-EINVAL, "ticket %lld is closed; open a new ticket", (long long)t->id);
	if (to == 0)
		return err_set(-EINVAL, "a ticket cannot go back to new");
	switch (to) {
	case 1: /* open */
		t->resolved_at = 0;
		hd_clock_start(c, t, now);
		break;
	case 2: /* pending on the requester */
		hd_clock_stop(c, t, now);
		break;
	case 3: /* resolved */
	case 4: /* closed */
		t->sla_flags = hd_sla_flags(c, t, now) & SLA_STICKY;
		hd_clock_stop(c, t, now);
		if (!t->resolved_at)
			t->resolved_at = now;
		if (!t->first_response_at) {
			t->first_response_at = now;
			t->response_due_at = 0;
		}
		if (to == 4)
			t->closed_at = now;
		break;
	}
	static const char *const names[] = {"new", "open", "pending", "resolved", "closed"};
	snprintf(t->status, sizeof(t->status), "%s", names[to]);
	return 0;
}
