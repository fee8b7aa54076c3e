/*
 * bench/helpdesk/gen.c: fills a fresh Ward database (made by `ward init`) with a help
 * desk's history, in the shape src/helpdesk/tickets_store.c and src/kb/kb_store.c write
 * it, and writes request bodies for the ticket-creation load.
 *
 *   gen db --db PATH [--tickets N] [--comments-per-ticket C] [--articles A] [--seed S] [--now T]
 *   gen bodies --count N --employees E [--seed S]     one POST /api/v1/tickets body a line
 *
 * Each ticket is simulated from its creation to now, as the server would have
 * recorded it: first response, assignment, replies and internal notes, pending
 * periods, escalations (by hand, and the SLA sweep's automatic ones with their 'sla'
 * entries), resolution, rating, closing. The SLA clocks follow the default calendar
 * (UTC, Monday to Friday, 09:00-17:00) and targets of schema/0001_helpdesk.sql, so
 * `ward ticket sla-check` finds almost nothing left to flag. Timeline entries and
 * search-index rows are written in time order across tickets, as a live server
 * writes them. Text is an IT-support vocabulary with Zipf-like word frequencies.
 *
 * Not generated: the activity log (hash-chained, see src/actlog/), hosts (tickets
 * name none), sessions and API tokens. Every generated user has the first admin's
 * password hash (the password of `ward init`).
 *
 * Build: cc -O2 -o gen gen.c text.c -lsqlite3 -lm
 */
#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "text.h"

#define MIN 60
#define HOUR 3600
#define DAY 86400
#define TICKETS_PER_DAY 700 /* sets the span of the history: 1,000,000 tickets are 3.9 years */

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* --------------------------------------------------- the business calendar */

/* The help desk's default calendar: UTC, Monday to Friday, 09:00-17:00, no holidays. */
#define WORK_START (9 * HOUR)
#define WORK_LEN (8 * HOUR)
#define WEEK_WORK (5 * WORK_LEN)

/* Working seconds from Monday 1969-12-29 00:00 UTC to t (t >= 0). */
static int64_t work_before(int64_t t)
{
	int64_t x = t + 3 * DAY, d = x / DAY, s = x % DAY, wd = d % 7;
	int64_t w = (d / 7) * WEEK_WORK + (wd < 5 ? wd : 5) * WORK_LEN;
	if (wd < 5) {
		int64_t in = s - WORK_START;
		w += in < 0 ? 0 : in > WORK_LEN ? WORK_LEN : in;
	}
	return w;
}

/* sla_business_seconds */
static int64_t bsecs(int64_t from, int64_t to)
{
	return to <= from ? 0 : work_before(to) - work_before(from);
}

/* sla_add_business: the earliest instant with `secs` working seconds since start. */
static int64_t add_business(int64_t start, int64_t secs)
{
	if (secs <= 0)
		return start;
	int64_t f = work_before(start) + secs, week = f / WEEK_WORK, rem = f % WEEK_WORK, d, s;
	if (rem == 0) {
		d = (week - 1) * 7 + 4; /* the end of the previous Friday */
		s = WORK_START + WORK_LEN;
	} else {
		int64_t k = (rem - 1) / WORK_LEN;
		d = week * 7 + k;
		s = WORK_START + (rem - k * WORK_LEN);
	}
	return d * DAY + s - 3 * DAY;
}

/* Targets of schema/0001_helpdesk.sql, by priority 1..5. */
static const int64_t target_response[6] = {0, HOUR, 2 * HOUR, 4 * HOUR, 8 * HOUR, 16 * HOUR};
static const int64_t target_resolve[6] = {0, 4 * HOUR, 8 * HOUR, 24 * HOUR, 40 * HOUR, 80 * HOUR};

/* ------------------------------------------------------------ database */

static sqlite3 *db;

static void exec(const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fatal("'%.80s': %s", sql, msg ? msg : sqlite3_errmsg(db));
}

static sqlite3_stmt *prep(const char *sql)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
		fatal("cannot prepare '%.80s': %s", sql, sqlite3_errmsg(db));
	return st;
}

static void step_done(sqlite3_stmt *st)
{
	if (sqlite3_step(st) != SQLITE_DONE)
		fatal("'%.80s': %s", sqlite3_sql(st), sqlite3_errmsg(db));
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

static int64_t query_int(const char *sql)
{
	sqlite3_stmt *st = prep(sql);
	if (sqlite3_step(st) != SQLITE_ROW)
		fatal("'%s': %s", sql, sqlite3_errmsg(db));
	int64_t v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

static void bind_opt(sqlite3_stmt *st, int i, int64_t v)
{
	if (v)
		sqlite3_bind_int64(st, i, v);
	else
		sqlite3_bind_null(st, i);
}

/* --------------------------------------------------------------- users */

struct user {
	int64_t id;
	char *name;
};

static struct user *staff; /* support (tier 1, then tier 2) and admins */
static int nstaff, ntier1, ntier2;
static struct user *employees;
static int nemployees;
static int *requester_rank; /* Zipf rank -> employee index: heavy requesters spread out */
static struct zipf z_requester, z_tier1, z_tier2;

/* The name of employee i: first.last, unique for every i. */
static void employee_name(int i, char out[64])
{
	int per = NFIRST * NLAST, f = i % NFIRST, l = (i / NFIRST) % NLAST, round = i / per;
	if (round == 0)
		snprintf(out, 64, "%s.%s", first_names[f], last_names[l]);
	else
		snprintf(out, 64, "%s.%s%d", first_names[f], last_names[l], round + 1);
}

static int employees_for(int64_t tickets)
{
	int64_t e = tickets / 50;
	return (int)(e < 50 ? 50 : e > 50000 ? 50000 : e);
}

static void users_plan(int n)
{
	nemployees = n;
	requester_rank = malloc(sizeof(int) * (size_t)n);
	if (!requester_rank)
		fatal("out of memory");
	for (int i = 0; i < n; i++)
		requester_rank[i] = i;
	for (int i = n - 1; i > 0; i--) {
		int j = (int)below(i + 1), t = requester_rank[i];
		requester_rank[i] = requester_rank[j];
		requester_rank[j] = t;
	}
	zipf_init(&z_requester, n, 0.55);
}

static void users_insert(int64_t start, const char *hash)
{
	static const char *const support_names[] = {
	    "sam.ortega",   "lea.brandt",  "tim.novak",	 "jana.weiss", "oliver.kahn", "mira.santos",
	    "felix.hahn",   "nina.berger", "jonas.vogt", "sara.lind",  "max.keller",  "ida.petrov",
	    "luca.moretti", "eva.lang",	   "ahmed.kaya", "lina.frost", "paul.hauser", "tess.ward",
	    "kurt.maier",   "rina.sato",   "dirk.bauer", "helen.cho",  "marta.ruiz",  "sven.olsen"};
	sqlite3_stmt *st = prep("INSERT INTO users (id, name, email, role, password_hash, disabled, created_at, "
				"updated_at, last_login_at) VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?)");
	char name[64], email[96];
	int64_t id = query_int("SELECT coalesce(max(id), 0) FROM users") + 1;
	ntier1 = 18, ntier2 = 4, nstaff = 24; /* 18 first-level, 4 generalists, 2 admins */
	staff = calloc((size_t)nstaff, sizeof(*staff));
	employees = calloc((size_t)nemployees, sizeof(*employees));
	if (!staff || !employees)
		fatal("out of memory");
	for (int i = 0; i < nstaff + nemployees; i++) {
		struct user *u = i < nstaff ? &staff[i] : &employees[i - nstaff];
		if (i < nstaff)
			snprintf(name, sizeof(name), "%s", support_names[i]);
		else
			employee_name(i - nstaff, name);
		snprintf(email, sizeof(email), "%s@example.com", name);
		u->id = id++;
		u->name = xstrdup(name);
		int64_t created = start - below(30 * DAY);
		sqlite3_bind_int64(st, 1, u->id);
		sqlite3_bind_text(st, 2, u->name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, email, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, i < 22 ? "support" : i < nstaff ? "admin" : "employee", -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, hash, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 6, created);
		sqlite3_bind_int64(st, 7, created);
		sqlite3_bind_int64(st, 8, created + below(DAY));
		step_done(st);
	}
	sqlite3_finalize(st);
	zipf_init(&z_tier1, ntier1, 0.5);
	zipf_init(&z_tier2, ntier2, 0.5);
}

static int pick_requester(void)
{
	return requester_rank[zipf_draw(&z_requester)];
}

/* ------------------------------------------------------ knowledge base */

static int *kb_by_topic[NTOPICS];
static int kb_count[NTOPICS];
static int64_t kb_first_id;

static void kb_slugify(const char *title, char out[81])
{
	size_t n = 0;
	bool sep = false;
	for (const unsigned char *p = (const unsigned char *)title; *p; p++) {
		if (!isalnum(*p)) {
			sep = true;
			continue;
		}
		if (n + (sep && n ? 1 : 0) + 1 > 70)
			break;
		if (sep && n)
			out[n++] = '-';
		sep = false;
		out[n++] = (char)tolower(*p);
	}
	out[n] = '\0';
}

static void kb_generate(int narticles, int64_t start, int64_t now)
{
	static const char *const heads[] = {"How to fix", "Troubleshooting", "Fix:",	    "How to",
					    "FAQ:",	  "Known issue:",    "Workaround:", "Guide:"};
	sqlite3_stmt *ins = prep("INSERT INTO kb_articles (id, slug, title, body, category, visibility, author, "
				 "created_at, updated_at, revision) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
	sqlite3_stmt *rev = prep("INSERT INTO kb_article_revisions (article_id, revision, author, at, title, body, "
				 "category, visibility) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
	sqlite3_stmt *taken = prep("SELECT 1 FROM kb_articles WHERE slug = ?");
	struct buf title = {0}, body = {0};
	char base[81], slug[96];
	kb_first_id = query_int("SELECT coalesce(max(id), 0) FROM kb_articles") + 1;
	for (int i = 0; i < NTOPICS; i++)
		if (!(kb_by_topic[i] = malloc(sizeof(int) * (size_t)(narticles + 1))))
			fatal("out of memory");
	for (int i = 0; i < narticles; i++) {
		int ti = pick_topic();
		const struct topic *t = &topics[ti];
		int64_t id = kb_first_id + i;
		kb_by_topic[ti][kb_count[ti]++] = i;
		buf_reset(&title);
		buf_reset(&body);
		buf_puts(&title, heads[below(8)]);
		gen_title(&title, t, false);
		/* Markdown: symptoms, cause, numbered steps, maybe a command, notes. */
		double scale = exp(0.6 * normal());
		buf_puts(&body, "## Symptoms\n\n");
		gen_text(&body, t, (int)(40 * scale) + 20, MIX_KB, true);
		buf_puts(&body, "\n\n## Cause\n\n");
		gen_text(&body, t, (int)(30 * scale) + 10, MIX_KB, false);
		buf_puts(&body, "\n\n## Resolution\n\n");
		int steps = 3 + (int)below(7);
		for (int s = 1; s <= steps; s++) {
			buf_printf(&body, "%d. ", s);
			if (s == 1)
				buf_printf(&body, "%s.", t->fixes[below(t->nfixes)]);
			else
				gen_text(&body, t, 8 + (int)below(18), MIX_KB, false);
			buf_puts(&body, "\n");
		}
		if (chance(0.4))
			buf_printf(&body, "\n```\n%s\n```\n", kb_command());
		buf_puts(&body, "\n## Notes\n\n");
		gen_text(&body, t, (int)(50 * scale) + 10, MIX_KB, true);
		if (chance(0.3))
			buf_printf(&body, "\n\nSee also the [%s guide](https://wiki.example.com/it/%s).", t->category,
				   t->name);
		kb_slugify(title.p, base);
		for (int k = 1;; k++) {
			if (k == 1)
				snprintf(slug, sizeof(slug), "%s", base);
			else
				snprintf(slug, sizeof(slug), "%s-%d", base, k);
			sqlite3_bind_text(taken, 1, slug, -1, SQLITE_STATIC);
			int rc = sqlite3_step(taken);
			sqlite3_reset(taken);
			if (rc == SQLITE_DONE)
				break;
		}
		const char *vis = chance(0.8) ? "employees" : "support";
		const char *author = staff[below(nstaff)].name;
		int64_t created = start + below(now - start - HOUR), updated = created;
		int revisions = chance(0.7) ? 1 : 2 + (int)below(3);
		for (int r = 1; r <= revisions; r++) {
			/* Earlier versions: the body as it was, shorter. */
			size_t len = r == revisions ? body.n : body.n * (size_t)(50 + 40 * r / revisions) / 100;
			char saved = body.p[len];
			body.p[len] = '\0';
			if (r > 1)
				updated += below(now - updated) / 4 + 1;
			sqlite3_bind_int64(rev, 1, id);
			sqlite3_bind_int(rev, 2, r);
			sqlite3_bind_text(rev, 3, r == 1 ? author : staff[below(nstaff)].name, -1, SQLITE_STATIC);
			sqlite3_bind_int64(rev, 4, updated);
			sqlite3_bind_text(rev, 5, title.p, -1, SQLITE_STATIC);
			sqlite3_bind_text(rev, 6, body.p, -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(rev, 7, t->category, -1, SQLITE_STATIC);
			sqlite3_bind_text(rev, 8, vis, -1, SQLITE_STATIC);
			step_done(rev);
			body.p[len] = saved;
		}
		sqlite3_bind_int64(ins, 1, id);
		sqlite3_bind_text(ins, 2, slug, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 3, title.p, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 4, body.p, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 5, t->category, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 6, vis, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 7, author, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins, 8, created);
		sqlite3_bind_int64(ins, 9, updated);
		sqlite3_bind_int(ins, 10, revisions);
		step_done(ins); /* the triggers of 0001_kb.sql fill kb_fts */
	}
	sqlite3_finalize(ins);
	sqlite3_finalize(rev);
	sqlite3_finalize(taken);
	free(title.p);
	free(body.p);
}

/* ------------------------------------------------------ the timeline */

/* A timeline entry (or, kind NULL, a ticket's own search row) waiting for its time:
 * entries are written in time order across tickets, as a live server writes them. */
struct item {
	int64_t at;
	uint64_t seq;
	int64_t ticket, requester_id;
	const char *kind; /* NULL: the ticket's search row (title, body) */
	const char *actor;
	bool public_, fts, internal;
	char *title, *body, *data;
};

static struct item **heap;
static size_t nheap, capheap;
static uint64_t seq;

static bool item_before(const struct item *a, const struct item *b)
{
	return a->at != b->at ? a->at < b->at : a->seq < b->seq;
}

static void heap_push(struct item *it)
{
	if (nheap == capheap) {
		capheap = capheap ? capheap * 2 : 4096;
		if (!(heap = realloc(heap, sizeof(*heap) * capheap)))
			fatal("out of memory");
	}
	size_t i = nheap++;
	while (i > 0 && item_before(it, heap[(i - 1) / 2])) {
		heap[i] = heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	heap[i] = it;
}

static struct item *heap_pop(void)
{
	struct item *top = heap[0], *last = heap[--nheap];
	size_t i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= nheap)
			break;
		if (c + 1 < nheap && item_before(heap[c + 1], heap[c]))
			c++;
		if (!item_before(heap[c], last))
			break;
		heap[i] = heap[c];
		i = c;
	}
	if (nheap)
		heap[i] = last;
	return top;
}

static sqlite3_stmt *st_event, *st_fts, *st_ftsrow, *st_ticket, *st_tag, *st_cite, *st_deflect;
static int64_t next_event_id;
static int64_t n_events, n_fts, n_comments, n_notes, n_escalations, n_sla;

static void item_write(struct item *it)
{
	int64_t event_id = 0;
	if (it->kind) {
		event_id = next_event_id++;
		sqlite3_bind_int64(st_event, 1, event_id);
		sqlite3_bind_int64(st_event, 2, it->ticket);
		sqlite3_bind_int64(st_event, 3, it->at);
		sqlite3_bind_text(st_event, 4, it->actor, -1, SQLITE_STATIC);
		sqlite3_bind_text(st_event, 5, it->kind, -1, SQLITE_STATIC);
		sqlite3_bind_int(st_event, 6, it->public_);
		bind_text(st_event, 7, it->body);
		bind_text(st_event, 8, it->data);
		step_done(st_event);
		n_events++;
	}
	if (!it->kind || it->fts) {
		/* tickets_store_fts_put: title "" for comments and notes */
		sqlite3_bind_text(st_fts, 1, it->title ? it->title : "", -1, SQLITE_STATIC);
		sqlite3_bind_text(st_fts, 2, it->body ? it->body : "", -1, SQLITE_STATIC);
		sqlite3_bind_int64(st_fts, 3, it->ticket);
		sqlite3_bind_int64(st_fts, 4, event_id);
		sqlite3_bind_int64(st_fts, 5, it->requester_id);
		sqlite3_bind_int(st_fts, 6, it->internal);
		step_done(st_fts);
		n_fts++;
		if (!it->kind) { /* tickets_store_fts_put: the ticket remembers its own row */
			sqlite3_bind_int64(st_ftsrow, 1, it->ticket);
			step_done(st_ftsrow);
		}
	}
	free(it->title);
	free(it->body);
	free(it->data);
	free(it);
}

/* Writes the entries due before `until`. */
static void heap_flush(int64_t until)
{
	while (nheap && heap[0]->at < until)
		item_write(heap_pop());
}

/* ---------------------------------------------------------- a ticket */

enum status { NEW, OPEN, PENDING, RESOLVED, CLOSED };
static const char *const status_names[] = {"new", "open", "pending", "resolved", "closed"};

#define F_RESP_RISK 1
#define F_RESP_BREACH 2
#define F_RES_RISK 4
#define F_RES_BREACH 8
#define F_STICKY (F_RESP_BREACH | F_RES_BREACH)

struct ticket {
	int64_t id, created, requester_id, now;
	int requester, topic;
	const char *requester_name;
	int impact, urgency, priority, tier, status, auto_escalated;
	const struct user *assignee, *agent; /* the assignee; who works it */
	int64_t first_response, resolved, closed, sla_used, sla_since, flags, updated;
	int rating;
	char *resolution, *rating_comment;
	struct buf title, description;
	bool done; /* reached now */
};

static void item_add(struct ticket *t, int64_t at, const char *kind, const char *actor, bool public_, char *body,
		     char *data, bool fts, bool internal)
{
	struct item *it = calloc(1, sizeof(*it));
	if (!it)
		fatal("out of memory");
	it->at = at, it->seq = seq++, it->ticket = t->id, it->requester_id = t->requester_id;
	it->kind = kind, it->actor = actor, it->public_ = public_, it->fts = fts, it->internal = internal;
	it->body = body, it->data = data;
	heap_push(it);
	if (at > t->updated)
		t->updated = at;
}

static char *jsonf(const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	return xstrdup(tmp);
}

/* sla_flags_at: the flags at time x; breaches stay. */
static int64_t flags_at(const struct ticket *t, int64_t x)
{
	int64_t f = t->flags & F_STICKY, resp = target_response[t->priority], res = target_resolve[t->priority];
	if (!t->first_response) {
		int64_t used = bsecs(t->created, x);
		if (used >= resp)
			f |= F_RESP_BREACH;
		else if (used * 100 >= resp * 80)
			f |= F_RESP_RISK;
	}
	if (t->sla_since) {
		int64_t used = t->sla_used + bsecs(t->sla_since, x);
		if (used >= res)
			f |= F_RES_BREACH;
		else if (used * 100 >= res * 80)
			f |= F_RES_RISK;
	}
	return f;
}

static void status_event(struct ticket *t, int64_t at, const char *actor, int to)
{
	item_add(t, at, "status", actor, true, NULL,
		 jsonf("{\"from\":\"%s\",\"to\":\"%s\"}", status_names[t->status], status_names[to]), false, false);
	t->status = to;
}

static void escalate(struct ticket *t, int64_t at, const char *actor, char *note)
{
	item_add(t, at, "escalate", actor, false, note, xstrdup("{\"from\":1,\"to\":2}"), true, true);
	t->tier = 2;
	n_escalations++;
}

/* The server's SLA sweep (every minute) from the ticket's last change up to x: an
 * 'sla' entry whenever a clock newly crosses 80 % or 100 % of its target, and the
 * automatic escalation of a tier-1 ticket, once. Only new and open tickets. */
static void sweep_until(struct ticket *t, int64_t x)
{
	for (int guard = 0; guard < 8; guard++) {
		if (t->status != NEW && t->status != OPEN)
			return;
		int64_t resp = target_response[t->priority], res = target_resolve[t->priority], next = INT64_MAX;
		if (!t->first_response && !(t->flags & (F_RESP_RISK | F_RESP_BREACH)))
			next = add_business(t->created, resp * 80 / 100);
		else if (!t->first_response && !(t->flags & F_RESP_BREACH))
			next = add_business(t->created, resp);
		if (t->sla_since) {
			int64_t c = INT64_MAX;
			if (!(t->flags & (F_RES_RISK | F_RES_BREACH)))
				c = add_business(t->sla_since, res * 80 / 100 - t->sla_used);
			else if (!(t->flags & F_RES_BREACH))
				c = add_business(t->sla_since, res - t->sla_used);
			if (c < next)
				next = c;
		}
		if (next > x)
			return;
		int64_t f = flags_at(t, next), fresh = f & ~t->flags;
		if (!fresh)
			return;
		t->flags = f;
		item_add(t, next, "sla", "system", false, NULL,
			 jsonf("{\"resolve_at_risk\":%s,\"resolve_breached\":%s,\"response_at_risk\":%s,"
			       "\"response_breached\":%s}",
			       f & F_RES_RISK ? "true" : "false", f & F_RES_BREACH ? "true" : "false",
			       f & F_RESP_RISK ? "true" : "false", f & F_RESP_BREACH ? "true" : "false"),
			 false, false);
		n_sla++;
		if (t->tier == 1 && !t->auto_escalated) {
			t->auto_escalated = 1;
			escalate(t, next, "system", xstrdup("Escalated automatically: the SLA is at risk."));
		}
	}
}

/* Moves the ticket to x; false when x is past now (the story stops there). */
static bool advance(struct ticket *t, int64_t x)
{
	if (x > t->now) {
		sweep_until(t, t->now);
		t->done = true;
		return false;
	}
	sweep_until(t, x);
	return true;
}

static void clock_stop(struct ticket *t, int64_t x)
{
	if (!t->sla_since)
		return;
	t->sla_used += bsecs(t->sla_since, x);
	t->sla_since = 0;
}

static void clock_start(struct ticket *t, int64_t x)
{
	if (!t->sla_since)
		t->sla_since = x;
}

static char *comment_text(const struct ticket *t, bool staff_reply, const struct user *agent)
{
	struct buf b = {0};
	const struct topic *tp = &topics[t->topic];
	if (staff_reply && chance(0.4)) {
		const char *n = t->requester_name;
		buf_printf(&b, "Hi %c%.*s,\n\n", toupper((unsigned char)n[0]), (int)(strchr(n, '.') - n - 1), n + 1);
	}
	gen_text(&b, tp, text_len(2.2), MIX_BODY, true);
	if (staff_reply && agent && chance(0.3)) {
		const char *n = agent->name;
		buf_printf(&b, "\n\nRegards, %c%.*s", toupper((unsigned char)n[0]), (int)(strchr(n, '.') - n - 1),
			   n + 1);
	}
	return b.p;
}

static void assign(struct ticket *t, int64_t at, const struct user *who, const struct user *to)
{
	item_add(t, at, "assign", who->name, false, NULL, jsonf("{\"assignee\":\"%s\"}", to->name), false, false);
	t->assignee = to;
	t->agent = to;
}

static const struct user *tier1_agent(void)
{
	return &staff[zipf_draw(&z_tier1)];
}

static const struct user *tier2_agent(void)
{
	return &staff[ntier1 + zipf_draw(&z_tier2)];
}

/* A reply or an internal note (ticket_comment): the entry and its search row. */
static void comment(struct ticket *t, int64_t at, const char *actor, bool note, char *body)
{
	item_add(t, at, note ? "note" : "reply", actor, !note, body, jsonf("{\"length\":%zu}", strlen(body)), true,
		 note);
	n_comments++;
	n_notes += note;
}

/* Before a step: a manual escalation, and a generalist taking an escalated ticket. */
static void step_changes(struct ticket *t, int64_t x, bool escalate_now)
{
	if (escalate_now && t->tier == 1) {
		struct buf n = {0};
		gen_text(&n, &topics[t->topic], 12 + (int)below(30), MIX_BODY, false);
		escalate(t, x, t->agent->name, n.p);
		t->flags = flags_at(t, x);
	}
	if (t->tier == 2 && t->agent - staff < ntier1 && chance(0.6)) {
		const struct user *g = tier2_agent();
		assign(t, x, g, g);
		t->flags = flags_at(t, x);
	}
}

/* The ticket's life from creation to now. */
static void simulate(struct ticket *t, double comments_per_ticket)
{
	const struct topic *tp = &topics[t->topic];
	int64_t resp = target_response[t->priority], res = target_resolve[t->priority];
	bool stuck = chance(0.004); /* forgotten: one step takes months */
	int64_t x = t->created;

	t->sla_since = t->created;
	/* Creation: the search row, then the 'create' entry (ticket_create). */
	struct item *row = calloc(1, sizeof(*row));
	if (!row)
		fatal("out of memory");
	row->at = x, row->seq = seq++, row->ticket = t->id, row->requester_id = t->requester_id;
	row->title = xstrdup(t->title.p), row->body = xstrdup(t->description.p);
	heap_push(row);
	struct buf d = {0};
	buf_printf(&d, "{\"priority\":%d,\"requester\":%" PRId64 ",\"title\":", t->priority, t->requester_id);
	json_escape(&d, t->title.p);
	buf_puts(&d, "}");
	item_add(t, x, "create", chance(0.8) ? t->requester_name : tier1_agent()->name, true, NULL, d.p, false, false);

	/* First response, usually with the assignment that opens the ticket. */
	int64_t fr = lognormal(0.25 * (double)resp, 0.9);
	x = add_business(x, fr < MIN ? MIN : fr > 20 * resp ? 20 * resp : fr);
	if (x < t->created + MIN)
		x = t->created + MIN;
	if (!advance(t, x))
		return;
	const struct user *agent = tier1_agent();
	if (chance(0.85)) {
		assign(t, x, agent, agent);
		t->flags = flags_at(t, x);
		status_event(t, x, agent->name, OPEN);
	}
	t->agent = agent;
	t->first_response = x;
	t->flags = flags_at(t, x) & F_STICKY;
	comment(t, x, agent->name, false, comment_text(t, true, agent));
	if (t->status == NEW)
		status_event(t, x, agent->name, OPEN);

	int k = 1 + poisson(comments_per_ticket - 1 > 0 ? comments_per_ticket - 1 : 0);
	int escalate_at = chance(0.10) ? 2 + (int)below(k) : -1; /* k + 1: just before resolving */
	bool last_staff = true;
	for (int j = 2; j <= k; j++) {
		/* The next step: business time while support works it, wall time while it
		 * waits on the requester. */
		if (t->status == PENDING)
			x += MIN + lognormal(18 * HOUR, 1.0);
		else
			x = add_business(x, MIN + lognormal(0.06 * (double)res, 1.0));
		if (stuck) {
			x += (30 + below(600)) * DAY;
			stuck = false;
		}
		if (!advance(t, x))
			return;
		step_changes(t, x, j == escalate_at);
		bool from_requester = t->status == PENDING || (last_staff ? chance(0.6) : false);
		if (from_requester) {
			comment(t, x, t->requester_name, false, comment_text(t, false, NULL));
			if (t->status == PENDING || t->status == RESOLVED) {
				status_event(t, x, t->requester_name, OPEN);
				clock_start(t, x);
			}
		} else {
			bool note = chance(0.25);
			comment(t, x, t->agent->name, note, comment_text(t, !note, t->agent));
			if (!note && chance(0.3)) { /* waiting on the requester */
				status_event(t, x, t->agent->name, PENDING);
				clock_stop(t, x);
				t->flags = flags_at(t, x);
			}
		}
		last_staff = !from_requester;
	}

	/* Resolution. */
	if (t->status == PENDING)
		x += lognormal(36 * HOUR, 0.8);
	else
		x = add_business(x, MIN + lognormal(0.08 * (double)res, 0.9));
	if (stuck)
		x += (30 + below(600)) * DAY;
	if (!advance(t, x))
		return;
	step_changes(t, x, escalate_at == k + 1);
	struct buf r = {0};
	buf_printf(&r, "%s.", tp->fixes[below(tp->nfixes)]);
	gen_text(&r, tp, 8 + (int)below(30), MIX_BODY, false);
	t->flags = flags_at(t, x) & F_STICKY;
	clock_stop(t, x);
	t->resolved = x;
	t->resolution = xstrdup(r.p);
	const char *from = status_names[t->status];
	item_add(t, x, "resolve", t->agent->name, true, r.p, jsonf("{\"from\":\"%s\",\"to\":\"resolved\"}", from),
		 false, false);
	t->status = RESOLVED;
	if (kb_count[t->topic] && chance(0.06)) {
		sqlite3_bind_int64(st_cite, 1, kb_first_id + kb_by_topic[t->topic][below(kb_count[t->topic])]);
		sqlite3_bind_int64(st_cite, 2, t->id);
		sqlite3_bind_int64(st_cite, 3, x);
		sqlite3_bind_text(st_cite, 4, t->agent->name, -1, SQLITE_STATIC);
		step_done(st_cite);
	}

	/* A rating, sometimes; closing, mostly. */
	int64_t rated = x + MIN + lognormal(4 * HOUR, 1.0), closed = x + 10 * MIN + lognormal(DAY, 1.2);
	bool rate = chance(0.15) && rated <= t->now, close = chance(0.95) && closed <= t->now;
	if (rate && close && rated > closed)
		rated = closed; /* rated, then closed */
	if (rate) {
		static const int stars[] = {1, 2, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 5};
		t->rating = stars[below(16)];
		if (chance(0.5)) {
			struct buf c = {0};
			gen_text(&c, tp, 5 + (int)below(20), MIX_BODY, false);
			t->rating_comment = c.p;
		}
		item_add(t, rated, "rate", t->requester_name, true,
			 t->rating_comment ? xstrdup(t->rating_comment) : NULL, jsonf("{\"rating\":%d}", t->rating),
			 false, false);
	}
	if (close) {
		bool by_requester = chance(0.55);
		status_event(t, closed, by_requester ? t->requester_name : t->agent->name, CLOSED);
		t->closed = closed;
		if (by_requester && kb_count[t->topic] && chance(0.03)) {
			sqlite3_bind_int64(st_deflect, 1,
					   kb_first_id + kb_by_topic[t->topic][below(kb_count[t->topic])]);
			sqlite3_bind_int64(st_deflect, 2, t->id);
			sqlite3_bind_int64(st_deflect, 3, closed);
			sqlite3_bind_text(st_deflect, 4, t->requester_name, -1, SQLITE_STATIC);
			step_done(st_deflect);
		}
	}
}

static void ticket_write(const struct ticket *t)
{
	static const char *const tags[] = {"vip",    "remote",	    "onboarding", "hardware", "recurring",
					   "outage", "home-office", "loaner",	  "vendor",   "audit"};
	sqlite3_stmt *st = st_ticket;
	int64_t resp = target_response[t->priority], res = target_resolve[t->priority];
	sqlite3_bind_int64(st, 1, t->id);
	sqlite3_bind_text(st, 2, t->title.p, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, t->description.p, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, t->requester_id);
	sqlite3_bind_text(st, 5, topics[t->topic].category, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 6, t->impact);
	sqlite3_bind_int(st, 7, t->urgency);
	sqlite3_bind_int(st, 8, t->priority);
	sqlite3_bind_text(st, 9, status_names[t->status], -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 10, t->tier);
	bind_opt(st, 11, t->assignee ? t->assignee->id : 0);
	sqlite3_bind_int64(st, 12, t->created);
	sqlite3_bind_int64(st, 13, t->updated);
	bind_opt(st, 14, t->first_response);
	bind_opt(st, 15, t->resolved);
	bind_opt(st, 16, t->closed);
	sqlite3_bind_int64(st, 17, t->sla_used);
	bind_opt(st, 18, t->sla_since);
	bind_opt(st, 19, t->first_response ? 0 : add_business(t->created, resp));
	bind_opt(st, 20, t->sla_since ? add_business(t->sla_since, res > t->sla_used ? res - t->sla_used : 0) : 0);
	sqlite3_bind_int64(st, 21, t->flags);
	sqlite3_bind_int(st, 22, t->auto_escalated);
	bind_text(st, 23, t->resolution);
	bind_opt(st, 24, t->rating);
	bind_text(st, 25, t->rating_comment);
	step_done(st);
	if (chance(0.25)) {
		int a = (int)below(10), b = (int)below(10);
		for (int i = 0; i < (a == b || chance(0.6) ? 1 : 2); i++) {
			sqlite3_bind_int64(st_tag, 1, t->id);
			sqlite3_bind_text(st_tag, 2, tags[i ? b : a], -1, SQLITE_STATIC);
			step_done(st_tag);
		}
	}
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* Creation times over the span: busy on weekday working hours, quiet at night and at
 * weekends; sorted, as ticket numbers follow time. */
static int64_t *creation_times(int64_t n, int64_t start, int64_t end)
{
	int64_t *v = malloc(sizeof(int64_t) * (size_t)n);
	if (!v)
		fatal("out of memory");
	for (int64_t i = 0; i < n;) {
		int64_t x = start + below(end - start);
		int64_t d = (x + 3 * DAY) / DAY % 7, s = x % DAY;
		double w = d >= 5 ? 0.04 : (s >= 8 * HOUR && s < 18 * HOUR) ? 1.0 : 0.1;
		if (chance(w))
			v[i++] = x;
	}
	qsort(v, (size_t)n, sizeof(int64_t), cmp_i64);
	return v;
}

static void gen_db(const char *path, int64_t ntickets, double cpt, int narticles, int64_t now)
{
	double t0 = now_s();
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		fatal("cannot open '%s': %s", path, db ? sqlite3_errmsg(db) : "out of memory");
	if (query_int("SELECT count(*) FROM tickets") != 0 || query_int("SELECT count(*) FROM kb_articles") != 0)
		fatal("'%s' already has tickets or articles: give a fresh database (ward init)", path);
	/* Bulk load: no journal, no syncs; the database goes back to WAL at the end. */
	exec("PRAGMA journal_mode = DELETE; PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; "
	     "PRAGMA locking_mode = EXCLUSIVE; PRAGMA cache_size = -1048576; PRAGMA temp_store = MEMORY; "
	     "PRAGMA foreign_keys = OFF");
	char hash[256];
	{
		sqlite3_stmt *st = prep("SELECT password_hash FROM users ORDER BY id LIMIT 1");
		if (sqlite3_step(st) != SQLITE_ROW)
			fatal("no user in '%s': run ward init first", path);
		snprintf(hash, sizeof(hash), "%s", (const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
	}
	int64_t span = (ntickets + TICKETS_PER_DAY - 1) / TICKETS_PER_DAY * DAY;
	if (span < 30 * DAY)
		span = 30 * DAY;
	int64_t start = now - span;

	exec("BEGIN");
	users_plan(employees_for(ntickets));
	users_insert(start, hash);
	kb_generate(narticles, start, now);
	exec("COMMIT");
	fprintf(stderr, "gen: %d support staff, %d employees, %d articles (%.1f s)\n", nstaff, nemployees, narticles,
		now_s() - t0);

	st_ticket = prep("INSERT INTO tickets (id, title, description, requester_id, category, impact, urgency, "
			 "priority, status, tier, assignee_id, created_at, updated_at, first_response_at, resolved_at, "
			 "closed_at, sla_used, sla_since, response_due_at, resolve_due_at, sla_flags, auto_escalated, "
			 "resolution, rating, rating_comment) "
			 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
	st_tag = prep("INSERT OR IGNORE INTO ticket_tags (ticket_id, tag) VALUES (?, ?)");
	st_event = prep("INSERT INTO ticket_events (id, ticket_id, at, actor, kind, public, body, data) "
			"VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
	st_fts = prep("INSERT INTO ticket_fts (title, body, ticket_id, event_id, requester_id, internal) "
		      "VALUES (?, ?, ?, ?, ?, ?)");
	st_ftsrow = prep("UPDATE tickets SET fts_rowid = last_insert_rowid() WHERE id = ?");
	st_cite = prep("INSERT OR IGNORE INTO kb_article_tickets (article_id, ticket_id, at, cited_by) "
		       "VALUES (?, ?, ?, ?)");
	st_deflect = prep("INSERT OR IGNORE INTO kb_article_deflections (article_id, ticket_id, at, closed_by) "
			  "VALUES (?, ?, ?, ?)");
	next_event_id = query_int("SELECT coalesce(max(id), 0) FROM ticket_events") + 1;
	int64_t first_id = query_int("SELECT coalesce(max(id), 0) FROM tickets") + 1;
	int64_t *created = creation_times(ntickets, start, now - 5 * MIN);
	int64_t by_status[5] = {0};
	double t1 = now_s();
	exec("BEGIN");
	for (int64_t i = 0; i < ntickets; i++) {
		struct ticket t = {0};
		t.id = first_id + i;
		t.created = created[i];
		t.updated = t.created;
		t.now = now;
		t.topic = pick_topic();
		t.requester = pick_requester();
		t.requester_id = employees[t.requester].id;
		t.requester_name = employees[t.requester].name;
		static const int impacts[] = {1, 2, 2, 2, 3, 3, 3, 3, 3, 3},
				 urgencies[] = {1, 1, 2, 2, 2, 2, 3, 3, 3, 3};
		t.impact = impacts[below(10)];
		t.urgency = urgencies[below(10)];
		t.priority = t.impact + t.urgency - 1;
		t.tier = 1;
		t.status = NEW;
		gen_title(&t.title, &topics[t.topic], true);
		gen_text(&t.description, &topics[t.topic], text_len(1.7), MIX_BODY, true);
		simulate(&t, cpt);
		ticket_write(&t);
		by_status[t.status]++;
		free(t.title.p);
		free(t.description.p);
		free(t.resolution);
		free(t.rating_comment);
		heap_flush(i + 1 < ntickets ? created[i + 1] : INT64_MAX);
		if ((i + 1) % 5000 == 0) {
			exec("COMMIT");
			exec("BEGIN");
		}
		if ((i + 1) % 100000 == 0)
			fprintf(stderr,
				"gen: %" PRId64 " tickets, %" PRId64 " timeline entries, %" PRId64
				" search rows (%.0f tickets/s)\n",
				i + 1, n_events, n_fts, (double)(i + 1) / (now_s() - t1));
	}
	heap_flush(INT64_MAX);
	exec("COMMIT");
	double t2 = now_s();
	sqlite3_stmt *sts[] = {st_ticket, st_tag, st_event, st_fts, st_ftsrow, st_cite, st_deflect};
	for (size_t i = 0; i < sizeof(sts) / sizeof(sts[0]); i++)
		sqlite3_finalize(sts[i]);
	exec("PRAGMA journal_mode = WAL");
	if (sqlite3_close(db) != SQLITE_OK)
		fatal("cannot close the database: %s", sqlite3_errmsg(db));
	free(created);

	printf("tickets=%" PRId64 "\n", ntickets);
	for (int i = 0; i < 5; i++)
		printf("status_%s=%" PRId64 "\n", status_names[i], by_status[i]);
	printf("comments=%" PRId64 "\nnotes=%" PRId64 "\nescalations=%" PRId64 "\nsla_entries=%" PRId64 "\n",
	       n_comments, n_notes, n_escalations, n_sla);
	printf("events=%" PRId64 "\nfts_rows=%" PRId64 "\n", n_events, n_fts);
	printf("employees=%d\nstaff=%d\narticles=%d\n", nemployees, nstaff, narticles);
	printf("span_days=%" PRId64 "\nseconds=%.1f\ntickets_seconds=%.1f\n", span / DAY, now_s() - t0, t2 - t1);
}

/* JSON bodies for POST /api/v1/tickets, as support files them for employees. */
static void gen_bodies(int64_t n, int nemp)
{
	struct buf title = {0}, desc = {0}, out = {0};
	char name[64];
	users_plan(nemp);
	for (int64_t i = 0; i < n; i++) {
		int ti = pick_topic();
		const struct topic *t = &topics[ti];
		buf_reset(&title);
		buf_reset(&desc);
		buf_reset(&out);
		gen_title(&title, t, true);
		gen_text(&desc, t, text_len(1.7), MIX_BODY, true);
		employee_name(pick_requester(), name);
		buf_puts(&out, "{\"title\":");
		json_escape(&out, title.p);
		buf_puts(&out, ",\"description\":");
		json_escape(&out, desc.p);
		buf_printf(&out, ",\"requester\":\"%s\",\"category\":\"%s\",\"impact\":%d,\"urgency\":%d", name,
			   t->category, 1 + (int)below(3), 1 + (int)below(3));
		if (chance(0.2))
			buf_puts(&out, ",\"tags\":[\"remote\"]");
		buf_puts(&out, "}\n");
		fwrite(out.p, 1, out.n, stdout);
	}
	free(title.p);
	free(desc.p);
	free(out.p);
}

/* A whole number from lo to hi, digits only (STYLE.md: no strtol). */
static int64_t arg_int(const char *name, const char *v, int64_t lo, int64_t hi)
{
	int64_t x = 0;
	bool ok = v && *v;
	for (const char *p = v; ok && *p; p++) {
		ok = isdigit((unsigned char)*p) && x <= (hi - (*p - '0')) / 10;
		x = x * 10 + (*p - '0');
	}
	if (!ok || x < lo || x > hi)
		fatal("%s must be a whole number from %" PRId64 " to %" PRId64, name, lo, hi);
	return x;
}

int main(int argc, char **argv)
{
	const char *dbpath = NULL;
	int64_t tickets = 1000000, articles = 5000, seed = 1, now = (int64_t)time(NULL), count_ = 0, nemp = 0;
	double cpt = 3.0;
	if (argc < 2)
		fatal("usage: gen db --db PATH [--tickets N] [--comments-per-ticket C] [--articles A] [--seed S] "
		      "[--now T] | gen bodies --count N --employees E [--seed S]");
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--db"))
			dbpath = v;
		else if (!strcmp(a, "--tickets"))
			tickets = arg_int(a, v, 1, 100000000);
		else if (!strcmp(a, "--comments-per-ticket"))
			cpt = (double)arg_int(a, v, 1, 100);
		else if (!strcmp(a, "--articles"))
			articles = arg_int(a, v, 0, 1000000);
		else if (!strcmp(a, "--seed"))
			seed = arg_int(a, v, 0, INT64_MAX);
		else if (!strcmp(a, "--now"))
			now = arg_int(a, v, 100000000, 100000000000LL);
		else if (!strcmp(a, "--count"))
			count_ = arg_int(a, v, 1, 10000000);
		else if (!strcmp(a, "--employees"))
			nemp = arg_int(a, v, 1, 1000000);
		else
			fatal("unknown option '%s'", a);
		i++;
	}
	rng_seed((uint64_t)seed);
	vocab_init();
	if (!strcmp(argv[1], "db")) {
		if (!dbpath)
			fatal("give --db PATH");
		gen_db(dbpath, tickets, cpt, (int)articles, now);
	} else if (!strcmp(argv[1], "bodies")) {
		if (!count_ || !nemp)
			fatal("give --count N and --employees E");
		gen_bodies(count_, (int)nemp);
	} else {
		fatal("unknown command '%s': db or bodies", argv[1]);
	}
	return 0;
}
