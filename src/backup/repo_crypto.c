/*
 * repo_crypto.c: the repository's sealing: per-thread OpenSSL and zstd contexts keyed
 * once (so a blob costs its hashing and encryption and no set-up), AES-256-GCM with
 * random nonces, and the compressed payload every encrypted thing in a repository uses.
 */
#include <errno.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "backup/repo_internal.h"
#include "core/err.h"

static pthread_key_t tls_key;
static pthread_once_t tls_once = PTHREAD_ONCE_INIT;
static _Thread_local struct repo_tls *tls;

static void tls_free(void *p)
{
	struct repo_tls *t = p;
	if (!t)
		return;
	EVP_MAC_CTX_free(t->mac);
	EVP_CIPHER_CTX_free(t->enc);
	EVP_CIPHER_CTX_free(t->dec);
	ZSTD_freeCCtx(t->zc);
	ZSTD_freeDCtx(t->zd);
	free(t);
}

static void tls_init(void)
{
	/* The destructor frees a thread's contexts when it exits. */
	if (pthread_key_create(&tls_key, tls_free) != 0)
		abort();
}

struct repo_tls *repo_tls_get(const struct repo *r)
{
	struct repo_tls *t = tls;
	if (!t) {
		pthread_once(&tls_once, tls_init);
		t = calloc(1, sizeof(*t));
		if (!t)
			return NULL;
		t->enc = EVP_CIPHER_CTX_new();
		t->dec = EVP_CIPHER_CTX_new();
		if (!t->enc || !t->dec || pthread_setspecific(tls_key, t) != 0) {
			tls_free(t);
			return NULL;
		}
		tls = t;
	}
	if (t->serial == r->serial)
		return t;
	/* Keyed for another repository (or none): key these for r, once. */
	EVP_MAC_CTX_free(t->mac);
	t->serial = 0;
	t->mac = EVP_MAC_CTX_dup(r->mac);
	if (!t->mac || EVP_EncryptInit_ex2(t->enc, r->aes, r->keys->enc, NULL, NULL) != 1 ||
	    EVP_DecryptInit_ex2(t->dec, r->aes, r->keys->enc, NULL, NULL) != 1)
		return NULL;
	t->serial = r->serial;
	return t;
}

void repo_tls_forget(const struct repo *r)
{
	struct repo_tls *t = tls;
	if (!t || t->serial != r->serial)
		return;
	EVP_MAC_CTX_free(t->mac);
	t->mac = NULL;
	EVP_CIPHER_CTX_reset(t->enc); /* reset cleanses the key schedule */
	EVP_CIPHER_CTX_reset(t->dec);
	t->serial = 0;
}

void repo_blob_id(const struct repo *r, const void *data, size_t len, uint8_t id[REPO_ID_LEN])
{
	if (repo_hmac_fast()) {
		repo_hmac1(&r->keys->hmac, data, len, id);
		return;
	}
	struct repo_tls *t = repo_tls_get(r);
	size_t n = 0;
	/* EVP_MAC_init without a key restarts with the key the context holds. */
	if (t && EVP_MAC_init(t->mac, NULL, 0, NULL) == 1 && EVP_MAC_update(t->mac, data, len) == 1 &&
	    EVP_MAC_final(t->mac, id, &n, REPO_ID_LEN) == 1 && n == REPO_ID_LEN)
		return;
	/* Out of memory only: a keyed one-off, so the result is still right. */
	crypto_auth_hmacsha256_state st;
	crypto_auth_hmacsha256_init(&st, r->keys->mac, sizeof(r->keys->mac));
	crypto_auth_hmacsha256_update(&st, data, len);
	crypto_auth_hmacsha256_final(&st, id);
}

void repo_blob_ids(const struct repo *r, const struct repo_id_job *b, size_t n)
{
	if (repo_hmac_fast()) {
		repo_hmac_many(&r->keys->hmac, b, n);
		return;
	}
	for (size_t i = 0; i < n; i++)
		repo_blob_id(r, b[i].data, b[i].len, b[i].id);
}

int repo_aead_seal(const struct repo *r, const void *aad, size_t aad_len, const uint8_t *p1, size_t n1,
		   const uint8_t *p2, size_t n2, uint8_t *out)
{
	struct repo_tls *t = repo_tls_get(r);
	uint8_t *ct = out + REPO_NONCE_LEN;
	int n;
	if (!t)
		return err_set(-ENOMEM, "cannot set up AES-256-GCM: out of memory");
	if (n1 > INT_MAX || n2 > INT_MAX || aad_len > INT_MAX)
		return err_set(-E2BIG, "too much to encrypt at once");
	randombytes_buf(out, REPO_NONCE_LEN);
	if (repo_gcm_fast()) {
		repo_gcm_seal(&r->keys->gcm, out, aad, aad_len, p1, n1, p2, n2, ct);
		return 0;
	}
	if (EVP_EncryptInit_ex2(t->enc, NULL, NULL, out, NULL) != 1 ||
	    (aad_len && EVP_EncryptUpdate(t->enc, NULL, &n, aad, (int)aad_len) != 1) ||
	    (n1 && (EVP_EncryptUpdate(t->enc, ct, &n, p1, (int)n1) != 1 || (size_t)n != n1)) ||
	    (n2 && (EVP_EncryptUpdate(t->enc, ct + n1, &n, p2, (int)n2) != 1 || (size_t)n != n2)) ||
	    EVP_EncryptFinal_ex(t->enc, ct + n1 + n2, &n) != 1 ||
	    EVP_CIPHER_CTX_ctrl(t->enc, EVP_CTRL_AEAD_GET_TAG, REPO_TAG_LEN, ct + n1 + n2) != 1)
		return err_set(-EIO, "AES-256-GCM encryption failed");
	return 0;
}

int repo_aead_open(const struct repo *r, const void *aad, size_t aad_len, const uint8_t *in, size_t in_len,
		   uint8_t *out1, size_t n1, uint8_t *out2)
{
	struct repo_tls *t = repo_tls_get(r);
	uint8_t tag[REPO_TAG_LEN];
	int n;
	if (!t)
		return err_set(-ENOMEM, "cannot set up AES-256-GCM: out of memory");
	if (in_len < REPO_AEAD_OVERHEAD || in_len - REPO_AEAD_OVERHEAD < n1 || in_len > INT_MAX || aad_len > INT_MAX)
		return -EBADMSG;
	size_t plen = in_len - REPO_AEAD_OVERHEAD, n2 = plen - n1;
	const uint8_t *ct = in + REPO_NONCE_LEN;
	memcpy(tag, ct + plen, REPO_TAG_LEN);
	if (repo_gcm_fast())
		return repo_gcm_open(&r->keys->gcm, in, aad, aad_len, ct, plen, tag, out1, n1, out2);
	if (EVP_DecryptInit_ex2(t->dec, NULL, NULL, in, NULL) != 1 ||
	    (aad_len && EVP_DecryptUpdate(t->dec, NULL, &n, aad, (int)aad_len) != 1) ||
	    (n1 && (EVP_DecryptUpdate(t->dec, out1, &n, ct, (int)n1) != 1 || (size_t)n != n1)) ||
	    (n2 && (EVP_DecryptUpdate(t->dec, out2, &n, ct + n1, (int)n2) != 1 || (size_t)n != n2)) ||
	    EVP_CIPHER_CTX_ctrl(t->dec, EVP_CTRL_AEAD_SET_TAG, REPO_TAG_LEN, tag) != 1)
		return -EBADMSG;
	/* Final checks the tag; 0 means it does not verify. */
	if (EVP_DecryptFinal_ex(t->dec, out2 ? out2 + n2 : out1 + n1, &n) != 1)
		return -EBADMSG;
	return 0;
}

int repo_payload_seal(const struct repo *r, const void *aad, size_t aad_len, const void *plain, size_t len,
		      int zstd_level, uint8_t *out, size_t out_size, size_t *ret_len)
{
	uint8_t *body = out + REPO_NONCE_LEN + 1;
	uint8_t comp = 0;
	size_t clen = 0;
	if (out_size < len + REPO_BLOB_OVERHEAD)
		return err_set(-EINVAL, "sealing %zu bytes needs a buffer of %zu", len, len + REPO_BLOB_OVERHEAD);
	if (zstd_level != REPO_ZSTD_OFF && (zstd_level < ZSTD_minCLevel() || zstd_level > ZSTD_maxCLevel()))
		return err_set(-EINVAL, "zstd level %d is out of range (%d to %d)", zstd_level, ZSTD_minCLevel(),
			       ZSTD_maxCLevel());
	if (zstd_level != REPO_ZSTD_OFF && len >= 32) {
		struct repo_tls *t = repo_tls_get(r);
		if (!t)
			return -ENOMEM;
		if (!t->zc && !(t->zc = ZSTD_createCCtx()))
			return -ENOMEM;
		/* Straight into place, with room only for a result that saves 1/32: zstd
		 * gives up with an error when it does not. */
		size_t cap = len - len / 32;
		size_t z = ZSTD_compressCCtx(t->zc, body, cap, plain, len, zstd_level);
		if (!ZSTD_isError(z) && z <= cap) {
			comp = 1;
			clen = z;
		}
	}
	int ret = comp ? repo_aead_seal(r, aad, aad_len, &comp, 1, body, clen, out)
		       : repo_aead_seal(r, aad, aad_len, &comp, 1, plain, len, out);
	if (ret < 0)
		return ret;
	*ret_len = (comp ? clen : len) + REPO_BLOB_OVERHEAD;
	return 0;
}

/* The length a payload's decrypted body (its compression byte comp, then blen bytes
 * at body) comes to: blen when stored as it was, else its zstd frame's content size;
 * refused over max or, unless SIZE_MAX, other than expect. */
static int payload_size(uint8_t comp, const uint8_t *body, size_t blen, size_t max, size_t expect, size_t *ret,
			const char **why)
{
	unsigned long long size = blen;
	if (comp > 1) {
		*why = "it names an unknown compression";
		return -EBADMSG;
	}
	if (comp == 1) {
		size = ZSTD_getFrameContentSize(body, blen);
		if (size == ZSTD_CONTENTSIZE_UNKNOWN || size == ZSTD_CONTENTSIZE_ERROR) {
			*why = "its zstd frame is malformed";
			return -EBADMSG;
		}
	}
	if (size > max) {
		*why = "it is too long";
		return -EBADMSG;
	}
	if (expect != SIZE_MAX && size != expect) {
		*why = "its length is not the one the index gives";
		return -EBADMSG;
	}
	*ret = (size_t)size;
	return 0;
}

/* Checks and, when compressed, decompresses a payload's decrypted body (its
 * compression byte comp, then blen bytes at body) into *raw (grown to *raw_cap as
 * needed, one byte more for a NUL). *ret is body or *raw. */
static int payload_finish(uint8_t comp, const uint8_t *body, size_t blen, size_t max, size_t expect, uint8_t **raw,
			  size_t *raw_cap, const uint8_t **ret, size_t *ret_len, const char **why, const struct repo *r)
{
	size_t size;
	int code = payload_size(comp, body, blen, max, expect, &size, why);
	if (code < 0)
		return code;
	if (comp == 0) {
		*ret = body;
		*ret_len = blen;
		return 0;
	}
	struct repo_tls *t = repo_tls_get(r);
	if (!t || (!t->zd && !(t->zd = ZSTD_createDCtx())))
		return -ENOMEM;
	if (*raw_cap < size + 1) {
		uint8_t *p = realloc(*raw, size + 1);
		if (!p)
			return -ENOMEM;
		*raw = p;
		*raw_cap = size + 1;
	}
	size_t got = ZSTD_decompressDCtx(t->zd, *raw, size, body, blen);
	if (ZSTD_isError(got) || got != size) {
		*why = "it does not decompress";
		return -EBADMSG;
	}
	*ret = *raw;
	*ret_len = size;
	return 0;
}

int repo_payload_open(const struct repo *r, const void *aad, size_t aad_len, const uint8_t *in, size_t in_len,
		      size_t max, size_t expect, uint8_t **ret, size_t *ret_len, const char **why)
{
	uint8_t comp, *body = NULL, *raw = NULL;
	size_t raw_cap = 0, len;
	const uint8_t *plain;
	int code;
	if (in_len < REPO_BLOB_OVERHEAD) {
		*why = "it is too short";
		return -EBADMSG;
	}
	size_t blen = in_len - REPO_BLOB_OVERHEAD;
	if (blen > max + max / 8 + 1024) { /* cannot hold at most max bytes, even compressed */
		*why = "it is too long";
		return -EBADMSG;
	}
	if (!(body = malloc(blen + 1)))
		return err_set(-ENOMEM, "out of memory");
	code = repo_aead_open(r, aad, aad_len, in, in_len, &comp, 1, body);
	if (code == -EBADMSG)
		*why = "authentication failed";
	if (code == 0)
		code = payload_finish(comp, body, blen, max, expect, &raw, &raw_cap, &plain, &len, why, r);
	if (code == 0) {
		uint8_t *out = plain == body ? body : raw;
		out[len] = '\0';
		if (out == body)
			body = NULL;
		else
			raw = NULL;
		*ret = out;
		*ret_len = len;
	}
	free(body);
	free(raw);
	return code;
}

int repo_payload_open_in_place(const struct repo *r, const void *aad, size_t aad_len, uint8_t *in, size_t in_len,
			       size_t max, size_t expect, uint8_t **raw, size_t *raw_cap, const uint8_t **ret,
			       size_t *ret_len, const char **why)
{
	uint8_t comp;
	if (in_len < REPO_BLOB_OVERHEAD) {
		*why = "it is too short";
		return -EBADMSG;
	}
	size_t blen = in_len - REPO_BLOB_OVERHEAD;
	if (blen > max + max / 8 + 1024) {
		*why = "it is too long";
		return -EBADMSG;
	}
	/* GCM decrypts in place: the body lands where its ciphertext was. */
	uint8_t *body = in + REPO_NONCE_LEN + 1;
	int code = repo_aead_open(r, aad, aad_len, in, in_len, &comp, 1, body);
	if (code == -EBADMSG)
		*why = "authentication failed";
	if (code < 0)
		return code;
	return payload_finish(comp, body, blen, max, expect, raw, raw_cap, ret, ret_len, why, r);
}

int repo_payload_open_to(const struct repo *r, const void *aad, size_t aad_len, uint8_t *in, size_t in_len,
			 bool in_place, size_t expect, uint8_t *dst, uint8_t **scratch, size_t *scratch_cap,
			 const char **why)
{
	struct repo_tls *t = repo_tls_get(r);
	uint8_t tag[REPO_TAG_LEN], comp;
	int n;
	if (!t)
		return err_set(-ENOMEM, "cannot set up AES-256-GCM: out of memory");
	if (in_len < REPO_BLOB_OVERHEAD) {
		*why = "it is too short";
		return -EBADMSG;
	}
	size_t blen = in_len - REPO_BLOB_OVERHEAD;
	if (blen > WARD_BACKUP_BLOB_MAX + WARD_BACKUP_BLOB_MAX / 8 + 1024 || in_len > INT_MAX || aad_len > INT_MAX) {
		*why = "it is too long";
		return -EBADMSG;
	}
	const uint8_t *ct = in + REPO_NONCE_LEN;
	bool fast = repo_gcm_fast();
	memcpy(tag, ct + 1 + blen, REPO_TAG_LEN);
	if (fast)
		comp = repo_gcm_first(&r->keys->gcm, in, ct[0]); /* checked with the rest below */
	else if (EVP_DecryptInit_ex2(t->dec, NULL, NULL, in, NULL) != 1 ||
		 (aad_len && EVP_DecryptUpdate(t->dec, NULL, &n, aad, (int)aad_len) != 1) ||
		 EVP_DecryptUpdate(t->dec, &comp, &n, ct, 1) != 1 || n != 1)
		goto bad;
	/* Stored as it was and of the expected length: decrypted straight into place. */
	uint8_t *body = dst;
	if (comp != 0 || blen != expect) {
		if (in_place) {
			body = in + REPO_NONCE_LEN + 1; /* GCM decrypts in place */
		} else if (*scratch_cap < blen + 1) {
			uint8_t *p = realloc(*scratch, blen + 1);
			if (!p)
				return -ENOMEM;
			*scratch = p;
			*scratch_cap = blen + 1;
		}
		if (!in_place)
			body = *scratch;
	}
	if (fast ? repo_gcm_open(&r->keys->gcm, in, aad, aad_len, ct, 1 + blen, tag, &comp, 1, body) < 0
		 : (blen && (EVP_DecryptUpdate(t->dec, body, &n, ct + 1, (int)blen) != 1 || (size_t)n != blen)) ||
		       EVP_CIPHER_CTX_ctrl(t->dec, EVP_CTRL_AEAD_SET_TAG, REPO_TAG_LEN, tag) != 1 ||
		       EVP_DecryptFinal_ex(t->dec, body + blen, &n) != 1)
		goto bad;
	size_t size;
	int code = payload_size(comp, body, blen, SIZE_MAX, expect, &size, why);
	if (code < 0 || comp == 0)
		return code;
	if (!t->zd && !(t->zd = ZSTD_createDCtx()))
		return -ENOMEM;
	size_t got = ZSTD_decompressDCtx(t->zd, dst, expect, body, blen);
	if (ZSTD_isError(got) || got != expect) {
		*why = "it does not decompress";
		return -EBADMSG;
	}
	return 0;
bad:
	*why = "authentication failed";
	return -EBADMSG;
}
