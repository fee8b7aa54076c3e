/*
 * log.h: messages from the server and the command line to stderr, prefixed "ward: ".
 * Library code reports errors to its caller instead; only faces (main, *_cli.c,
 * serve) call these.
 */
#ifndef WARD_LOG_H
#define WARD_LOG_H

void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_infox(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
