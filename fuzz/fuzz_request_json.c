/*
 * fuzz_request_json.c: the request-body path of POST /api/v1/users: strict JSON object
 * parsing, the allowed-field check, string fields, role names and the account validators.
 */
#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "accounts/accounts.h"
#include "core/json.h"
#include "core/limits.h"
#include "core/role.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The fields and ceilings accounts_api_users_add() passes to json_get_string(). */
static const char *const fuzz_allowed[] = {"name", "role", "email", "password", NULL};
static const size_t fuzz_max[] = {WARD_NAME_MAX * 4, 64, WARD_EMAIL_MAX * 4, WARD_PASSWORD_MAX * 4};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char unset[] = "unset";
	const char *got[4] = {NULL, NULL, NULL, NULL};
	json_t *body = NULL;
	enum role role = ROLE_PUBLIC; /* role_parse never gives it */

	/* data is exactly size bytes with no NUL after it: ASan sees any over-read. */
	if (json_parse_object((const char *)data, size, &body) < 0) {
		assert(body == NULL); /* ret_ outputs are written only on success */
		return 0;
	}
	assert(json_is_object(body));
	(void)json_check_fields(body, fuzz_allowed);

	for (size_t i = 0; i < 4; i++) {
		for (int required = 1; required >= 0; required--) {
			const char *s = unset;
			if (json_get_string(body, fuzz_allowed[i], required, fuzz_max[i], &s) < 0) {
				assert(s == unset);
				continue;
			}
			assert(s == NULL || strlen(s) <= fuzz_max[i]);
			got[i] = s;
		}
	}

	if (role_parse(got[1], &role) == 0)
		assert(role >= ROLE_EMPLOYEE && role <= ROLE_ADMIN);
	else
		assert(role == ROLE_PUBLIC);

	(void)accounts_check_name("user name", got[0]);
	/* The API checks an e-mail address only when one was given. */
	if (got[2] && *got[2])
		(void)accounts_check_email(got[2]);
	(void)accounts_check_password(got[0], got[3]);

	json_decref(body);
	return 0;
}
