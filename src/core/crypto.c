/*
 * crypto.c: SHA-256 through OpenSSL's EVP, randomness through libsodium.
 */
#include "core/crypto.h"

#include <errno.h>
#include <openssl/evp.h>
#include <sodium.h>
#include <string.h>

int crypto_init(void)
{
	return sodium_init() < 0 ? -EIO : 0;
}

void crypto_sha256(const void *data, size_t len, unsigned char out[CRYPTO_SHA256_LEN])
{
	unsigned int n = CRYPTO_SHA256_LEN;
	/* EVP_Digest cannot fail for SHA-256 on valid arguments short of OOM; fall back
	 * to libsodium so the result is always defined. */
	if (EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) != 1)
		crypto_hash_sha256(out, data, len);
}

void crypto_hex(const unsigned char *in, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * len] = '\0';
}

void crypto_random_hex(size_t nbytes, char *out)
{
	unsigned char buf[64];
	while (nbytes > 0) {
		size_t n = nbytes < sizeof(buf) ? nbytes : sizeof(buf);
		randombytes_buf(buf, n);
		crypto_hex(buf, n, out);
		out += 2 * n;
		nbytes -= n;
	}
	sodium_memzero(buf, sizeof(buf));
}

void crypto_random_password(char *out, size_t len)
{
	static const char alphabet[] = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
	for (size_t i = 0; i < len; i++)
		out[i] = alphabet[randombytes_uniform(sizeof(alphabet) - 1)];
	out[len] = '\0';
}

bool crypto_streq(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la != lb)
		return false;
	return sodium_memcmp(a, b, la) == 0;
}
