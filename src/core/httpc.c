/*
 * httpc.c: see httpc.h.
 */
#include "core/httpc.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdbool.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"

#define HTTPC_REPLY_MAX (4 * 1024 * 1024)

struct reply {
	char *data;
	size_t len;
	bool too_big;
};

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct reply *r = arg;
	size_t n = size * nmemb;
	if (r->len + n > HTTPC_REPLY_MAX) {
		r->too_big = true;
		return 0;
	}
	char *nd = realloc(r->data, r->len + n + 1);
	if (!nd)
		return 0;
	memcpy(nd + r->len, ptr, n);
	r->data = nd;
	r->len += n;
	r->data[r->len] = '\0';
	return n;
}

int httpc_pin_parse(const char *text, char *out, size_t size)
{
	if (strncmp(text, "sha256//", 8) == 0 && strlen(text) < size && strlen(text) == 8 + 44) {
		snprintf(out, size, "%s", text);
		return 0;
	}
	unsigned char bin[32];
	size_t len = 0;
	if (strlen(text) == 64 && sodium_hex2bin(bin, sizeof(bin), text, 64, NULL, &len, NULL) == 0 && len == 32 &&
	    size >= 8 + sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)) {
		memcpy(out, "sha256//", 8);
		sodium_bin2base64(out + 8, size - 8, bin, 32, sodium_base64_VARIANT_ORIGINAL);
		return 0;
	}
	return err_set(-EINVAL, "fingerprint '%.80s' is not valid: give the SHA-256 of the server's public key as 64 hex "
				"digits or sha256//BASE64",
		       text);
}

int httpc_json(const struct httpc_config *c, const char *method, const char *path, const json_t *body,
	       const char *authorization, long *ret_status, json_t **ret_body)
{
	char url[2048], auth[512];
	struct reply rep = {0};
	struct curl_slist *headers = NULL;
	char *payload = NULL;
	int r = 0;
	size_t sl = strlen(c->server);
	while (sl > 0 && c->server[sl - 1] == '/')
		sl--;
	int n = snprintf(url, sizeof(url), "%.*s%s", (int)sl, c->server, path);
	if (n < 0 || (size_t)n >= sizeof(url))
		return err_set(-EINVAL, "server URL is too long");
	CURL *h = curl_easy_init();
	if (!h)
		return -ENOMEM;
	if (body && !(payload = json_dumps(body, JSON_COMPACT))) {
		r = -ENOMEM;
		goto out;
	}
	headers = curl_slist_append(headers, "Content-Type: application/json");
	headers = curl_slist_append(headers, "Accept: application/json");
	headers = curl_slist_append(headers, "Expect:");
	if (authorization) {
		snprintf(auth, sizeof(auth), "Authorization: %s", authorization);
		headers = curl_slist_append(headers, auth);
	}
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, c->timeout_s ? c->timeout_s : 60L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &rep);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "ward-agent/" WARD_VERSION);
	if (payload) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, payload);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(payload));
	}
	if (c->ca_file)
		curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_file);
	if (c->pubkey_sha256) {
		curl_easy_setopt(h, CURLOPT_PINNEDPUBLICKEY, c->pubkey_sha256);
		/* The pin is the trust: a self-signed server certificate is fine. */
		if (!c->ca_file) {
			curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
			curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
		}
	}
	CURLcode cc = curl_easy_perform(h);
	if (cc == CURLE_SSL_PINNEDPUBKEYNOTMATCH || cc == CURLE_PEER_FAILED_VERIFICATION || cc == CURLE_SSL_CACERT_BADFILE ||
	    cc == CURLE_SSL_CONNECT_ERROR) {
		r = err_set(-EPERM, "cannot trust server '%s': %s", c->server, curl_easy_strerror(cc));
		goto out;
	}
	if (cc == CURLE_WRITE_ERROR && rep.too_big) {
		r = err_set(-E2BIG, "reply from '%s' is larger than %d bytes", c->server, HTTPC_REPLY_MAX);
		goto out;
	}
	if (cc != CURLE_OK) {
		r = err_set(-EHOSTUNREACH, "cannot reach server '%s': %s", c->server, curl_easy_strerror(cc));
		goto out;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, ret_status);
	*ret_body = rep.len ? json_loadb(rep.data, rep.len, JSON_DECODE_ANY, NULL) : NULL;
out:
	curl_slist_free_all(headers);
	curl_easy_cleanup(h);
	free(payload);
	free(rep.data);
	return r;
}
