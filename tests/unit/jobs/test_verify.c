/*
 * Unit tests for jobs_verify, the agent's check of a job: signature, host, expiry,
 * nonce.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <string.h>

#include "core/crypto.h"
#include "core/err.h"
#include "jobs/jobs.h"

static unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
static char pk_hex[65];

static void sign(const char *payload, char out[129])
{
	unsigned char sig[crypto_sign_BYTES];
	crypto_sign_detached(sig, NULL, (const unsigned char *)payload, strlen(payload), sk);
	crypto_hex(sig, sizeof(sig), out);
}

static int setup(void **state)
{
	if (crypto_init() < 0)
		return -1;
	crypto_sign_keypair(pk, sk);
	crypto_hex(pk, sizeof(pk), pk_hex);
	return 0;
}

#define HOST "0123456789abcdef0123456789abcdef"
#define NONCE "\"nonce\":\"00112233445566778899aabbccddeeff\""

static void test_good(void **state)
{
	const char *p = "{\"expires_at\":2000,\"host_id\":\"" HOST "\",\"id\":7,\"kind\":\"command\"," NONCE "}";
	char sig[129];
	json_t *job = NULL;
	sign(p, sig);
	assert_int_equal(jobs_verify(pk_hex, HOST, p, sig, 1000, &job), 0);
	assert_int_equal(json_integer_value(json_object_get(job, "id")), 7);
	json_decref(job);
}

static void test_refused(void **state)
{
	const char *p = "{\"expires_at\":2000,\"host_id\":\"" HOST "\",\"id\":7,\"kind\":\"command\"," NONCE "}";
	char sig[129], other_hex[65];
	json_t *job = NULL;
	sign(p, sig);
	/* Altered payload. */
	const char *altered = "{\"expires_at\":2000,\"host_id\":\"" HOST "\",\"id\":8,\"kind\":\"command\"," NONCE "}";
	assert_int_equal(jobs_verify(pk_hex, HOST, altered, sig, 1000, &job), -EPERM);
	assert_non_null(strstr(err_msg(-EPERM), "forged"));
	/* Another key. */
	unsigned char opk[crypto_sign_PUBLICKEYBYTES], osk[crypto_sign_SECRETKEYBYTES];
	crypto_sign_keypair(opk, osk);
	crypto_hex(opk, sizeof(opk), other_hex);
	assert_int_equal(jobs_verify(other_hex, HOST, p, sig, 1000, &job), -EPERM);
	/* Another host. */
	assert_int_equal(jobs_verify(pk_hex, "ffffffffffffffffffffffffffffffff", p, sig, 1000, &job), -EPERM);
	assert_non_null(strstr(err_msg(-EPERM), "another host"));
	/* Expired. */
	assert_int_equal(jobs_verify(pk_hex, HOST, p, sig, 2000, &job), -EPERM);
	assert_non_null(strstr(err_msg(-EPERM), "expired"));
	/* Garbage signature and key. */
	assert_int_equal(jobs_verify(pk_hex, HOST, p, "zz", 1000, &job), -EPERM);
	assert_int_equal(jobs_verify("nothex", HOST, p, sig, 1000, &job), -EPERM);
	assert_int_equal(jobs_verify(pk_hex, HOST, NULL, sig, 1000, &job), -EPERM);
	/* No nonce, even when signed. */
	const char *nononce = "{\"expires_at\":2000,\"host_id\":\"" HOST "\",\"id\":7}";
	sign(nononce, sig);
	assert_int_equal(jobs_verify(pk_hex, HOST, nononce, sig, 1000, &job), -EPERM);
	/* Signed but not an object. */
	sign("[1]", sig);
	assert_int_equal(jobs_verify(pk_hex, HOST, "[1]", sig, 1000, &job), -EPERM);
	assert_null(job);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_refused),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
