/*
 * err.c: the thread-local error message behind err.h.
 */
#include "core/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local char err_buf[512];

int err_set(int code, const char *fmt, ...)
{
	/* Formatted aside first: an argument may be err_msg() itself, to add context to it. */
	char tmp[sizeof(err_buf)];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		tmp[0] = '\0';
	memcpy(err_buf, tmp, sizeof(err_buf));
	return code;
}

const char *err_msg(int code)
{
	if (err_buf[0])
		return err_buf;
	switch (code) {
	case -ENOMEM: return "out of memory";
	case -EIO: return "input/output error";
	default: return strerror(code < 0 ? -code : code);
	}
}

void err_clear(void)
{
	err_buf[0] = '\0';
}

int err_http_status(int code)
{
	switch (code) {
	case -EINVAL: return 400;
	case -EACCES: return 401;
	case -EPERM: return 403;
	case -ENOENT: return 404;
	case -EEXIST: return 409;
	case -E2BIG: return 413;
	case -EAGAIN: return 429;
	default: return 500;
	}
}
