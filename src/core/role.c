/*
 * role.c: role names.
 */
#include "core/role.h"

#include <errno.h>
#include <string.h>

#include "core/err.h"

const char *role_name(enum role r)
{
	switch (r) {
	case ROLE_EMPLOYEE: return "employee";
	case ROLE_SUPPORT: return "support";
	case ROLE_ADMIN: return "admin";
	default: return "public";
	}
}

int role_parse(const char *text, enum role *ret)
{
	static const enum role roles[] = {ROLE_EMPLOYEE, ROLE_SUPPORT, ROLE_ADMIN};
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
		if (text && strcmp(text, role_name(roles[i])) == 0) {
			*ret = roles[i];
			return 0;
		}
	}
	return err_set(-EINVAL, "role '%.64s' is not valid: use employee, support or admin", text ? text : "");
}
