/*
 * Unit tests for accounts: validation rules, password policy, users, tokens, sessions
 * and the login throttle, on a real SQLite store.
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
#include "core/err.h"
#include "core/store.h"

static char dir[256];

static int setup(void **state)
{
	struct store *s;
	snprintf(dir, sizeof(dir), "/tmp/ward-unit-accounts.XXXXXX");
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

static void test_names(void **state)
{
	assert_int_equal(accounts_check_name("user name", "alice"), 0);
	assert_int_equal(accounts_check_name("user name", "a.b_c-9"), 0);
	assert_int_equal(accounts_check_name("user name", "Alice"), -EINVAL);
	assert_int_equal(accounts_check_name("user name", "9lives"), -EINVAL);
	assert_int_equal(accounts_check_name("user name", ""), -EINVAL);
	assert_int_equal(accounts_check_name("user name", "a b"), -EINVAL);
	assert_int_equal(accounts_check_name("user name", "a'b"), -EINVAL);
	assert_int_equal(accounts_check_name("user name", NULL), -EINVAL);
	char long_name[80];
	memset(long_name, 'a', 65);
	long_name[65] = '\0';
	assert_int_equal(accounts_check_name("user name", long_name), -EINVAL);
	long_name[64] = '\0';
	assert_int_equal(accounts_check_name("user name", long_name), 0);
}

static void test_emails(void **state)
{
	assert_int_equal(accounts_check_email("a@example.com"), 0);
	assert_int_equal(accounts_check_email("o'brien+it@mail.example.co.uk"), 0);
	assert_int_equal(accounts_check_email("a@b"), -EINVAL);
	assert_int_equal(accounts_check_email("@example.com"), -EINVAL);
	assert_int_equal(accounts_check_email("a@@example.com"), -EINVAL);
	assert_int_equal(accounts_check_email("a b@example.com"), -EINVAL);
	assert_int_equal(accounts_check_email("a@example..com"), -EINVAL);
	assert_int_equal(accounts_check_email("a@-example.com"), -EINVAL);
	assert_int_equal(accounts_check_email("a@example.com."), -EINVAL);
	assert_int_equal(accounts_check_email("\"a\"@example.com"), -EINVAL);
}

static void test_passwords(void **state)
{
	assert_int_equal(accounts_check_password("bob", "0123456789"), 0);
	assert_int_equal(accounts_check_password("bob", "012345678"), -EINVAL);
	assert_int_equal(accounts_check_password("bobbybobby", "BobbyBobby"), -EINVAL);
	assert_non_null(strstr(err_msg(-EINVAL), "user name"));
	char pw[21];
	accounts_generate_password(pw);
	assert_int_equal(strlen(pw), 20);
	assert_int_equal(accounts_check_password("admin", pw), 0);
}

static void test_users_and_login(void **state)
{
	struct store *s = store_get();
	struct user u;
	char token[65], csrf[65];
	int64_t retry;
	struct auth a;
	assert_int_equal(accounts_user_add(s, "test", "bob", ROLE_SUPPORT, "Bob@Example.com", "bob password", &u), 0);
	assert_string_equal(u.email, "bob@example.com");
	assert_int_equal(accounts_user_add(s, "test", "bob", ROLE_SUPPORT, NULL, "bob password", &u), -EEXIST);
	assert_int_equal(accounts_user_add(s, "test", "rob", ROLE_SUPPORT, "BOB@example.com", "bob password", &u), -EEXIST);

	assert_int_equal(accounts_login(s, "bob", "bob password", "127.0.0.1", token, csrf, &u, &retry), 0);
	assert_int_equal(accounts_auth_session(s, token, &a, NULL), 0);
	assert_string_equal(a.user, "bob");
	assert_int_equal(a.role, ROLE_SUPPORT);
	assert_string_equal(a.csrf, csrf);
	assert_int_equal(accounts_auth_session(s, "00", &a, NULL), -EACCES);

	/* Disabling ends the session. */
	assert_int_equal(accounts_user_set_disabled(s, "test", "bob", true, &u), 0);
	assert_int_equal(accounts_auth_session(s, token, &a, NULL), -EACCES);
	assert_int_equal(accounts_login(s, "bob", "bob password", "127.0.0.1", token, csrf, &u, &retry), -EACCES);
	assert_int_equal(accounts_user_set_disabled(s, "test", "bob", false, &u), 0);

	/* Throttle: three failures, then a wait. */
	for (int i = 0; i < 3; i++)
		assert_int_equal(accounts_login(s, "bob", "wrong password", "127.0.0.2", token, csrf, &u, &retry), -EACCES);
	assert_int_equal(accounts_login(s, "bob", "bob password", "127.0.0.2", token, csrf, &u, &retry), -EAGAIN);
	assert_true(retry >= 1);
	assert_int_equal(accounts_user_unlock(s, "test", "bob"), 0);
	assert_int_equal(accounts_login(s, "bob", "bob password", "127.0.0.2", token, csrf, &u, &retry), 0);

	/* A password change ends sessions. */
	assert_int_equal(accounts_user_passwd(s, "test", "bob", "a new password"), 0);
	assert_int_equal(accounts_auth_session(s, token, &a, NULL), -EACCES);
}

static void test_tokens(void **state)
{
	struct store *s = store_get();
	char token[ACCOUNTS_TOKEN_LEN + 1];
	struct auth a;
	assert_int_equal(accounts_token_create(s, "test", "ci", "bob", token), 0);
	assert_int_equal(strncmp(token, "ward_", 5), 0);
	assert_int_equal(strlen(token), ACCOUNTS_TOKEN_LEN);
	assert_int_equal(accounts_auth_token(s, token, &a, NULL), 0);
	assert_int_equal(a.via, AUTH_TOKEN);
	assert_int_equal(accounts_token_create(s, "test", "ci", "bob", token), -EEXIST);
	assert_int_equal(accounts_token_create(s, "test", "x", "nobody", token), -ENOENT);
	assert_int_equal(accounts_token_revoke(s, "test", "ci"), 0);
	assert_int_equal(accounts_auth_token(s, token, &a, NULL), -EACCES);
	assert_int_equal(accounts_token_revoke(s, "test", "ci"), -ENOENT);
	struct actlog_verify v;
	assert_int_equal(actlog_verify(s, &v), 0);
	assert_true(v.entries > 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_emails),
		cmocka_unit_test(test_passwords),
		cmocka_unit_test(test_users_and_login),
		cmocka_unit_test(test_tokens),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
