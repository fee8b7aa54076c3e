/*
 * Unit tests for the software catalogue: package-name checks, items (defaults, pinned
 * versions, who may request, refused input writing nothing) and a request's life on a
 * fresh store: pending, approved into an install job, resolved or escalated by the
 * job's result, rejected with a reason; who may do each.
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

#include "accounts/accounts.h"
#include "actlog/actlog.h"
#include "catalog/catalog.h"
#include "core/crypto.h"
#include "core/err.h"
#include "core/store.h"
#include "helpdesk/helpdesk.h"
#include "hosts/hosts.h"

static char dir[256];
static struct store *st;
static struct user alice, bob, sam;
static const struct actor admin = {.user_id = 0, .name = "local:test", .role = ROLE_ADMIN};

static struct actor as(const struct user *u)
{
	return (struct actor){.user_id = u->id, .name = u->name, .role = u->role};
}

static void enroll(const char *name, const char *owner)
{
	char token[HOSTS_ENROLL_TOKEN_LEN + 1], uid[HOSTS_UID_LEN + 1], cred[HOSTS_CREDENTIAL_LEN + 1];
	int64_t interval;
	struct host h;
	assert_int_equal(hosts_enroll_token_create(st, "test", 3600, 1, token), 0);
	assert_int_equal(hosts_enroll(st, token, name, "127.0.0.1", uid, cred, &interval), 0);
	assert_int_equal(hosts_get(st, uid, &h), 0);
	assert_int_equal(hosts_set(st, "test", &h, owner, NULL, NULL, 0), 0);
}

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/ward-unit-catalog.XXXXXX");
	if (!mkdtemp(dir) || crypto_init() < 0 || store_setup(dir) < 0 || store_open(true, &st) < 0)
		return -1;
	if (accounts_user_add(st, "test", "alice", ROLE_EMPLOYEE, NULL, "alice-Strong-Passw0rd", &alice) < 0 ||
	    accounts_user_add(st, "test", "bob", ROLE_EMPLOYEE, NULL, "bob-Strong-Passw0rd", &bob) < 0 ||
	    accounts_user_add(st, "test", "sam", ROLE_SUPPORT, NULL, "sam-Strong-Passw0rd", &sam) < 0)
		return -1;
	enroll("pc-alice", "alice");
	enroll("pc-bob", "bob");
	enroll("pc-bob2", "bob");
	return 0;
}

static int teardown(void **state)
{
	char cmd[300];
	store_release();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static int log_count(const char *action)
{
	struct actlog_filter f = {.action = action, .limit = 500};
	json_t *entries;
	int64_t next;
	assert_int_equal(actlog_list(st, &f, &entries, &next), 0);
	int n = (int)json_array_size(entries);
	json_decref(entries);
	return n;
}

static json_t *add_item(const char *spec)
{
	json_t *f = json_loads(spec, 0, NULL), *item = NULL;
	assert_non_null(f);
	int r = catalog_item_add(st, &admin, f, &item);
	json_decref(f);
	if (r < 0)
		fail_msg("cannot add %s: %s", spec, err_msg(r));
	return item;
}

static int try_add(const struct actor *a, const char *spec)
{
	json_t *f = json_loads(spec, 0, NULL), *item = NULL;
	assert_non_null(f);
	int r = catalog_item_add(st, a, f, &item);
	json_decref(f);
	json_decref(item);
	return r;
}

static void test_package_names(void **state)
{
	assert_int_equal(catalog_check_package("gimp", NULL), 0);
	assert_int_equal(catalog_check_package("libstdc++6", "12.2.0-14"), 0);
	assert_int_equal(catalog_check_package("g++", "4:12.2.0-3"), 0);
	assert_int_equal(catalog_check_package("dbeaver-ce", "24.1.0~rc1+dfsg"), 0);
	assert_int_equal(catalog_check_package("Gimp", NULL), -EINVAL);
	assert_int_equal(catalog_check_package("-oAPT::Foo=1", NULL), -EINVAL);
	assert_int_equal(catalog_check_package("x", NULL), -EINVAL);
	assert_int_equal(catalog_check_package("a b", NULL), -EINVAL);
	assert_int_equal(catalog_check_package("gimp:amd64", NULL), -EINVAL);
	assert_int_equal(catalog_check_package("gimp", ""), -EINVAL);
	assert_int_equal(catalog_check_package("gimp", "-1"), -EINVAL);
	assert_int_equal(catalog_check_package("gimp", "1.0 --force"), -EINVAL);
	assert_int_equal(catalog_check_package(NULL, NULL), -EINVAL);
}

static void test_items(void **state)
{
	json_t *item = add_item("{\"name\": \"gimp\", \"description\": \"Image editor\", \"packages\": [\"gimp\", "
				"\"gimp-data=2.10\", {\"name\": \"gimp-help-en\"}]}");
	char *pk = json_dumps(json_object_get(item, "packages"), JSON_COMPACT);
	assert_string_equal(
	    pk, "[{\"name\":\"gimp\"},{\"name\":\"gimp-data\",\"version\":\"2.10\"},{\"name\":\"gimp-help-en\"}]");
	free(pk);
	assert_string_equal(json_string_value(json_object_get(item, "allow")), "all");
	assert_true(json_is_true(json_object_get(item, "approval")));
	assert_string_equal(json_string_value(json_object_get(item, "approver_role")), "support");
	json_decref(item);

	/* Refused: each writes nothing. */
	int before = log_count("catalog.*");
	struct actor sa = as(&sam);
	assert_int_equal(try_add(&sa, "{\"name\": \"x1\", \"description\": \"x\", \"packages\": [\"x1\"]}"), -EPERM);
	assert_int_equal(try_add(&admin, "{\"name\": \"gimp\", \"description\": \"x\", \"packages\": [\"x1\"]}"),
			 -EEXIST);
	assert_int_equal(try_add(&admin, "{\"name\": \"Bad Name\", \"description\": \"x\", \"packages\": [\"x1\"]}"),
			 -EINVAL);
	assert_int_equal(try_add(&admin, "{\"name\": \"y\", \"description\": \"x\", \"packages\": []}"), -EINVAL);
	assert_int_equal(try_add(&admin, "{\"name\": \"y\", \"description\": \"x\", \"packages\": [\"a1\", \"a1\"]}"),
			 -EINVAL);
	assert_int_equal(
	    try_add(&admin, "{\"name\": \"y\", \"description\": \"x\", \"packages\": [\"a1\"], \"allow\": \"role\"}"),
	    -EINVAL);
	assert_int_equal(try_add(&admin, "{\"name\": \"y\", \"description\": \"x\", \"packages\": [\"a1\"], \"allow\": "
					 "\"users\", \"allow_users\": []}"),
			 -EINVAL);
	assert_int_equal(
	    try_add(
		&admin,
		"{\"name\": \"y\", \"description\": \"x\", \"packages\": [\"a1\"], \"approver_role\": \"employee\"}"),
	    -EINVAL);
	assert_int_equal(
	    try_add(&admin, "{\"name\": \"y\", \"description\": \"x\", \"packages\": [\"a1\"], \"extra\": 1}"),
	    -EINVAL);
	assert_int_equal(
	    try_add(&admin, "{\"name\": \"y\", \"description\": \"x\", \"packages\": [\"a1\"], \"approval\": \"no\"}"),
	    -EINVAL);
	assert_int_equal(log_count("catalog.*"), before);

	/* Who sees what. */
	json_decref(
	    add_item("{\"name\": \"bobtool\", \"description\": \"b\", \"packages\": [\"bt\"], \"allow\": \"users\", "
		     "\"allow_users\": [\"bob\"]}"));
	json_decref(
	    add_item("{\"name\": \"stafftool\", \"description\": \"s\", \"packages\": [\"st\"], \"allow\": \"role\", "
		     "\"allow_role\": \"support\"}"));
	json_t *list;
	struct actor a = as(&alice), b = as(&bob);
	assert_int_equal(catalog_item_list(st, &a, &list), 0);
	assert_int_equal(json_array_size(list), 1);
	json_decref(list);
	assert_int_equal(catalog_item_list(st, &b, &list), 0);
	assert_int_equal(json_array_size(list), 2);
	json_decref(list);
	assert_int_equal(catalog_item_list(st, &sa, &list), 0);
	assert_int_equal(json_array_size(list), 3);
	json_decref(list);
	assert_int_equal(catalog_item_get(st, &a, "bobtool", &item), -ENOENT);

	/* An edit changes what it names, keeps the rest; "all" drops the user list. */
	json_t *ch = json_pack("{s:s, s:b}", "allow", "all", "approval", 0);
	assert_int_equal(catalog_item_edit(st, &admin, "bobtool", ch, &item), 0);
	json_decref(ch);
	assert_true(json_is_null(json_object_get(item, "allow_users")));
	assert_true(json_is_false(json_object_get(item, "approval")));
	assert_string_equal(json_string_value(json_object_get(item, "description")), "b");
	json_decref(item);
	assert_int_equal(catalog_item_remove(st, &admin, "bobtool"), 0);
	assert_int_equal(catalog_item_remove(st, &admin, "bobtool"), -ENOENT);
}

static json_t *ticket_of(const json_t *req)
{
	json_t *t;
	assert_int_equal(ticket_show(st, &admin, json_integer_value(json_object_get(req, "ticket")), &t), 0);
	return t;
}

static void test_requests(void **state)
{
	struct actor a = as(&alice), b = as(&bob), sa = as(&sam);
	struct catalog_request_new in = {.item = "stafftool"};
	json_t *req = NULL, *req2 = NULL, *t;
	json_decref(add_item("{\"name\": \"editor\", \"description\": \"e\", \"packages\": [\"ed\"]}"));
	json_decref(add_item("{\"name\": \"stafftool\", \"description\": \"s\", \"packages\": [\"st\"], \"allow\": "
			     "\"role\", \"allow_role\": \"support\"}"));

	/* Refusals, each writing nothing. */
	int tickets = log_count("ticket.create");
	assert_int_equal(catalog_request(st, &a, &in, &req), -EPERM);
	in.item = "editor";
	in.host = "pc-bob";
	assert_int_equal(catalog_request(st, &a, &in, &req), -ENOENT);
	in.host = "no-such";
	assert_int_equal(catalog_request(st, &a, &in, &req), -ENOENT);
	in.host = NULL;
	in.requester = "bob";
	assert_int_equal(catalog_request(st, &a, &in, &req), -EPERM);
	in.requester = NULL;
	assert_int_equal(catalog_request(st, &b, &in, &req), -EINVAL); /* two machines, none named */
	in.item = "nothing";
	assert_int_equal(catalog_request(st, &a, &in, &req), -ENOENT);
	assert_int_equal(log_count("ticket.create"), tickets);

	/* Alice's request: a ticket on her machine, pending. */
	in.item = "editor";
	in.note = "for the newsletter";
	assert_int_equal(catalog_request(st, &a, &in, &req), 0);
	assert_string_equal(json_string_value(json_object_get(req, "status")), "pending");
	assert_string_equal(json_string_value(json_object_get(req, "host")), "pc-alice");
	t = ticket_of(req);
	assert_string_equal(json_string_value(json_object_get(t, "category")), CATALOG_CATEGORY);
	assert_string_equal(json_string_value(json_object_get(t, "host")), "pc-alice");
	assert_string_equal(json_string_value(json_object_get(t, "requester")), "alice");
	assert_non_null(strstr(json_string_value(json_object_get(t, "description")), "for the newsletter"));
	json_decref(t);
	int64_t id = json_integer_value(json_object_get(req, "id"));

	/* Only staff with the approver role decide; others do not even see it. */
	json_t *out = NULL;
	assert_int_equal(catalog_request_get(st, &b, id, &out), -ENOENT);
	assert_int_equal(catalog_request_approve(st, &a, id, NULL, &out), -EPERM);
	assert_int_equal(catalog_request_approve(st, &b, id, NULL, &out), -ENOENT);
	assert_int_equal(catalog_request_reject(st, &sa, id, "  ", &out), -EINVAL);

	/* Approved: an install job; its success resolves the ticket with the version. */
	assert_int_equal(catalog_request_approve(st, &sa, id, "ok", &out), 0);
	assert_string_equal(json_string_value(json_object_get(out, "status")), "installing");
	int64_t job = json_integer_value(json_object_get(out, "job"));
	assert_true(job > 0);
	json_decref(out);
	assert_int_equal(catalog_request_approve(st, &sa, id, NULL, &out), -EINVAL);
	json_t *res = json_pack("{s:[{s:s, s:s}], s:[], s:b}", "installed", "name", "ed", "version", "1.7-1", "missing",
				"timed_out", 0);
	assert_int_equal(store_tx_begin(st), 0);
	assert_int_equal(store_tx_end(st, catalog_job_result(st, job, "done", res, "Setting up ed (1.7-1) ...\n")), 0);
	json_decref(res);
	assert_int_equal(catalog_request_get(st, &a, id, &out), 0);
	assert_string_equal(json_string_value(json_object_get(out, "status")), "installed");
	json_decref(out);
	t = ticket_of(req);
	assert_string_equal(json_string_value(json_object_get(t, "status")), "resolved");
	assert_string_equal(json_string_value(json_object_get(t, "resolution")), "Installed on pc-alice: ed 1.7-1.");
	json_decref(t);
	/* A late or repeated result changes nothing. */
	assert_int_equal(catalog_job_result(st, job, "failed", NULL, "x"), 0);
	assert_int_equal(catalog_job_result(st, 99999, "failed", NULL, "x"), 0);

	/* No approval needed: installing at once; a failure goes to tier 2 with a note. */
	json_decref(add_item(
	    "{\"name\": \"fonts\", \"description\": \"f\", \"packages\": [\"fonts-x\"], \"approval\": false}"));
	in = (struct catalog_request_new){.item = "fonts"};
	assert_int_equal(catalog_request(st, &a, &in, &req2), 0);
	assert_string_equal(json_string_value(json_object_get(req2, "status")), "installing");
	assert_string_equal(json_string_value(json_object_get(req2, "decided_by")), "system");
	job = json_integer_value(json_object_get(req2, "job"));
	assert_int_equal(catalog_job_result(st, job, "failed", NULL, "E: Unable to locate package fonts-x\n"), 0);
	t = ticket_of(req2);
	assert_string_equal(json_string_value(json_object_get(t, "status")), "open");
	assert_int_equal(json_integer_value(json_object_get(t, "tier")), 2);
	json_decref(t);
	assert_int_equal(log_count("catalog.install_failed"), 1);
	/* Retried by approving again. */
	id = json_integer_value(json_object_get(req2, "id"));
	assert_int_equal(catalog_request_approve(st, &sa, id, NULL, &out), 0);
	assert_string_equal(json_string_value(json_object_get(out, "status")), "installing");
	assert_true(json_integer_value(json_object_get(out, "job")) > job);
	json_decref(out);

	/* Rejected, with the reason. */
	json_decref(req);
	in = (struct catalog_request_new){.item = "editor"};
	assert_int_equal(catalog_request(st, &a, &in, &req), 0);
	id = json_integer_value(json_object_get(req, "id"));
	assert_int_equal(catalog_request_reject(st, &sa, id, "Not for this team.", &out), 0);
	assert_string_equal(json_string_value(json_object_get(out, "status")), "rejected");
	assert_string_equal(json_string_value(json_object_get(out, "reason")), "Not for this team.");
	json_decref(out);
	assert_int_equal(catalog_request_reject(st, &sa, id, "again", &out), -EINVAL);
	t = ticket_of(req);
	assert_string_equal(json_string_value(json_object_get(t, "status")), "resolved");
	json_decref(t);

	/* Listing: staff all, employees their own, by status. */
	json_t *rows;
	struct catalog_request_filter f = {0};
	assert_int_equal(catalog_request_list(st, &sa, &f, &rows), 0);
	assert_int_equal(json_array_size(rows), 3);
	json_decref(rows);
	assert_int_equal(catalog_request_list(st, &b, &f, &rows), 0);
	assert_int_equal(json_array_size(rows), 0);
	json_decref(rows);
	f.status = "open";
	assert_int_equal(catalog_request_list(st, &a, &f, &rows), 0);
	assert_int_equal(json_array_size(rows), 1);
	json_decref(rows);
	f.status = "bogus";
	assert_int_equal(catalog_request_list(st, &a, &f, &rows), -EINVAL);
	json_decref(req);
	json_decref(req2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_package_names),
	    cmocka_unit_test_setup_teardown(test_items, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_requests, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
