/*
 * sla_clock.h: a ticket's SLA clocks as pure functions of its state, the calendar and
 * the instant (tickets.c calls them with time_now(); the unit tests with any time).
 *
 * The resolution clock is kept as business seconds used so far (sla_used) plus the
 * instant it last started (sla_since, 0 while stopped). Stopping adds the business
 * time since sla_since to sla_used; starting sets sla_since and the due time from what
 * is left. A pause therefore never loses time, and a priority change or a new
 * calendar recomputes the due time from the same sla_used.
 */
#ifndef WARD_SLA_CLOCK_H
#define WARD_SLA_CLOCK_H

#include <stdint.h>

#include "helpdesk/sla.h"
#include "helpdesk/tickets_store.h"

#define SLA_RESPONSE_AT_RISK 1
#define SLA_RESPONSE_BREACHED 2
#define SLA_RESOLVE_AT_RISK 4
#define SLA_RESOLVE_BREACHED 8
#define SLA_STICKY (SLA_RESPONSE_BREACHED | SLA_RESOLVE_BREACHED)

struct clocks {
	struct sla_calendar *cal;
	int64_t response, resolve; /* targets for the ticket's priority, business seconds */
};

void hd_clock_start(const struct clocks *c, struct ticket_state *t, int64_t now);
void hd_clock_stop(const struct clocks *c, struct ticket_state *t, int64_t now);
/* After a priority or calendar change: the due times from the same time used. */
void hd_clock_retarget(const struct clocks *c, struct ticket_state *t);
/* The SLA_* flags at now; breaches stay. */
int hd_sla_flags(const struct clocks *c, const struct ticket_state *t, int64_t now);
/* Moves t to status `to` (0 new .. 4 closed) at now, running or stopping the clocks. */
int hd_set_status(const struct clocks *c, struct ticket_state *t, int to, int64_t now);

#endif
