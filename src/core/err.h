/*
 * err.h: errors as negative errno codes plus one thread-local message, so a domain
 * function can say what failed and the CLI or API face decides how to show it.
 */
#ifndef WARD_ERR_H
#define WARD_ERR_H

#include <errno.h>

/* Records the message for the calling thread and returns code (a negative errno). The
 * arguments may include err_msg(), to wrap the last message in more context. */
int err_set(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The calling thread's last message, or a description of code when none was set. */
const char *err_msg(int code);

/* Forgets the calling thread's message. */
void err_clear(void);

/* The HTTP status for an error code: -EINVAL 400, -ENOENT 404, -EEXIST 409, ... */
int err_http_status(int code);

#endif
