/*
 * Unit tests for ticket search at more than a window of matches: only the newest
 * TICKET_SEARCH_WINDOW matches are ranked, the best of them come first with their
 * snippets, a rarer word weighs more than a common one, employees find only their own
 * tickets, and a new title is found under its new words.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/accounts.h"
#include "core/crypto.h"
#include "core/err.h"
#include "core/store.h"
#include "helpdesk/helpdesk.h"

static char dir[256];
static struct actor staff, emp;
static int64_t strong_old, strong_new, rare_row, emp_ticket;

static int64_t create(const char *title, const char *text, const struct actor *a)
{
	struct ticket_new t = {.title = title, .description = text};
	int64_t id = 0;
	int r = ticket_create(store_get(), a, &t, &id);
	if (r < 0)
		fail_msg("ticket_create: %s", err_msg(r));
	return id;
}

static int setup(void **state)
{
	struct store *s;
	struct user u;
	snprintf(dir, sizeof(dir), "/tmp/ward-unit-search.XXXXXX");
	if (!mkdtemp(dir) || crypto_init() < 0 || store_setup(dir) < 0 || store_open(true, &s) < 0)
		return -1;
	if (accounts_user_add(s, "test", "sam", ROLE_SUPPORT, NULL, "password-sam-1", &u) < 0)
		return -1;
	staff = (struct actor){u.id, "sam", ROLE_SUPPORT};
	if (accounts_user_add(s, "test", "erin", ROLE_EMPLOYEE, NULL, "password-erin-1", &u) < 0)
		return -1;
	emp = (struct actor){u.id, "erin", ROLE_EMPLOYEE};
	if (store_tx_begin(s) < 0)
		return -1;
	/* The oldest: the best match of all, but older than the window. */
	strong_old = create("printer printer printer", "printer printer printer printer", &staff);
	char title[64];
	for (int i = 0; i < TICKET_SEARCH_WINDOW + 50; i++) {
		snprintf(title, sizeof(title), "Request %d", i);
		create(title, i % 10 ? "Printer toner streaks on every page" : "The printer is slow today", &staff);
		if (i == 100)
			strong_new = create("printer printer", "printer printer printer", &staff);
		if (i == 200) { /* the same length and hits, the rarer word thrice in the older */
			rare_row = create("Request rare", "slow slow slow printer", &staff);
			create("Request common", "printer printer printer slow", &staff);
		}
		if (i == 300)
			emp_ticket = create("My printer", "printer jams", &emp);
	}
	return store_tx_commit(s) < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	char cmd[300];
	store_release();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static json_t *search(const struct actor *a, const char *q, int limit)
{
	json_t *rows = NULL;
	int r = ticket_search(store_get(), a, q, limit, &rows);
	if (r < 0)
		fail_msg("search '%s': %s", q, err_msg(r));
	return rows;
}

static int64_t number(json_t *rows, size_t i)
{
	return json_integer_value(json_object_get(json_array_get(rows, i), "number"));
}

static void test_window(void **state)
{
	json_t *rows = search(&staff, "printer", 50);
	assert_int_equal(json_array_size(rows), 50);
	/* The best match within the newest matches leads; the older, better one is not ranked. */
	assert_int_equal(number(rows, 0), strong_new);
	for (size_t i = 0; i < json_array_size(rows); i++)
		assert_int_not_equal(number(rows, i), strong_old);
	const char *snippet = json_string_value(json_object_get(json_array_get(rows, 0), "snippet"));
	assert_non_null(strstr(snippet, "\002printer\003"));
	/* Ranks ascend (best first). */
	for (size_t i = 1; i < json_array_size(rows); i++)
		assert_true(json_real_value(json_object_get(json_array_get(rows, i - 1), "rank")) <=
			    json_real_value(json_object_get(json_array_get(rows, i), "rank")));
	json_decref(rows);
	/* A search with fewer matches than the window ranks them all: the old one is found. */
	rows = search(&staff, "printer printer printer", 5);
	json_decref(rows);
	rows = search(&staff, "Request 7", 5);
	assert_true(json_array_size(rows) >= 1);
	json_decref(rows);
}

static void test_rare_word_weighs_more(void **state)
{
	/* "printer" is in every row, "slow" in a tenth: of two rows alike but for which
	 * word repeats, the one repeating the rarer word leads, though it is older (equal
	 * weights would tie them and put the newer first). */
	json_t *rows = search(&staff, "printer slow", 5);
	assert_int_equal(json_array_size(rows), 5);
	assert_int_equal(number(rows, 0), rare_row);
	assert_int_equal(number(rows, 1), rare_row + 1);
	json_decref(rows);
}

static void test_employee_sees_own(void **state)
{
	json_t *rows = search(&emp, "printer", 50);
	assert_int_equal(json_array_size(rows), 1);
	assert_int_equal(number(rows, 0), emp_ticket);
	json_decref(rows);
}

static void test_retitle(void **state)
{
	struct ticket_change c = {.title = "Scanner zzretitled"};
	assert_int_equal(ticket_change(store_get(), &staff, rare_row, &c), 0);
	json_t *rows = search(&staff, "zzretitled", 5);
	assert_int_equal(json_array_size(rows), 1);
	assert_int_equal(number(rows, 0), rare_row);
	json_decref(rows);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_rare_word_weighs_more),
		cmocka_unit_test(test_employee_sees_own),
		cmocka_unit_test(test_retitle),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
