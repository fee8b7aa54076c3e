/*
 * crypto.h: the few primitives the core needs: SHA-256 (OpenSSL, SHA-NI where the CPU
 * has it), random tokens and constant-time comparison (libsodium).
 */
#ifndef WARD_CRYPTO_H
#define WARD_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>

#define CRYPTO_SHA256_LEN 32
#define CRYPTO_SHA256_HEX (CRYPTO_SHA256_LEN * 2 + 1)

/* Initialises libsodium; call once before any other function here. 0 or -EIO. */
int crypto_init(void);

void crypto_sha256(const void *data, size_t len, unsigned char out[CRYPTO_SHA256_LEN]);

/* Writes 2*len hex digits and a NUL to out (size 2*len+1). */
void crypto_hex(const unsigned char *in, size_t len, char *out);

/* Fills out (size 2*nbytes+1) with nbytes of randomness as hex. */
void crypto_random_hex(size_t nbytes, char *out);

/* A password of len characters (len < size) from an unambiguous alphabet. */
void crypto_random_password(char *out, size_t len);

/* Compares two strings in time that depends only on their lengths. */
bool crypto_streq(const char *a, const char *b);

#endif
