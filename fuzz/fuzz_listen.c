/*
 * fuzz_listen.c: http_parse_listen(), which turns --listen text into a socket address.
 */
#include <assert.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Longer than the parser's 256-byte host buffer, so its bound is exercised. */
#define FUZZ_LISTEN_MAX 300

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_storage ss;
	size_t len = 0;
	bool loopback = false;
	if (size > FUZZ_LISTEN_MAX)
		size = FUZZ_LISTEN_MAX;
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';

	memset(&ss, 0, sizeof(ss));
	if (http_parse_listen(text, &ss, &len, &loopback) == 0) {
		assert((ss.ss_family == AF_INET && len == sizeof(struct sockaddr_in)) ||
		       (ss.ss_family == AF_INET6 && len == sizeof(struct sockaddr_in6)));
	} else {
		assert(len == 0 && !loopback); /* ret_ outputs are written only on success */
	}
	free(text);
	return 0;
}
