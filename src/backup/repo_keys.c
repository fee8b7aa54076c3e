/*
 * repo_keys.c: key files: the master key wrapped with XChaCha20-Poly1305 under an
 * argon2id hash of a password, one file per password (keys/<sha256 of the file>).
 */
#include <errno.h>
#include <pwd.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backup/repo_internal.h"
#include "core/crypto.h"
#include "core/err.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/timeutil.h"

#define KEY_SALT_LEN crypto_pwhash_SALTBYTES			   /* 16 */
#define KEY_NONCE_LEN crypto_aead_xchacha20poly1305_ietf_NPUBBYTES /* 24 */
#define KEY_WRAPPED_LEN (REPO_MASTER_LEN + crypto_aead_xchacha20poly1305_ietf_ABYTES)
/* RFC 9106's second recommended setting (t = 3, m = 64 MiB; p is 1 in libsodium): as
 * memory-hard as restic's scrypt, and it keeps 192 MiB off the peak RSS and about half
 * a second off the start of every command that opens a repository. Older keys keep
 * the cost written in their file. */
#define KEY_OPS_DEFAULT 3
#define KEY_MEM_DEFAULT (64ull * 1024 * 1024) /* crypto_pwhash_MEMLIMIT_INTERACTIVE */

/* A key file, parsed. */
struct key_file {
	char id[REPO_HEX_LEN];
	unsigned long long opslimit;
	size_t memlimit;
	uint8_t salt[KEY_SALT_LEN];
	uint8_t nonce[KEY_NONCE_LEN];
	uint8_t data[KEY_WRAPPED_LEN];
	json_t *json; /* the whole file, for listing */
};

/* The argon2id cost for new keys: WARD_BACKUP_KDF="OPS:MEMBYTES", else the defaults. */
static int kdf_params(unsigned long long *ret_ops, size_t *ret_mem)
{
	const char *env = getenv("WARD_BACKUP_KDF");
	int64_t ops = KEY_OPS_DEFAULT, mem = (int64_t)KEY_MEM_DEFAULT;
	if (env && *env) {
		char buf[64];
		const char *colon = strchr(env, ':');
		if (!colon || (size_t)(colon - env) >= sizeof(buf))
			return err_set(-EINVAL, "WARD_BACKUP_KDF wants OPS:MEMBYTES, not '%.40s'", env);
		memcpy(buf, env, (size_t)(colon - env));
		buf[colon - env] = '\0';
		if (parse_int64(buf, 1, WARD_BACKUP_KDF_OPS_MAX, &ops) < 0 ||
		    parse_int64(colon + 1, crypto_pwhash_MEMLIMIT_MIN, (int64_t)WARD_BACKUP_KDF_MEM_MAX, &mem) < 0)
			return err_set(-EINVAL, "WARD_BACKUP_KDF: '%.40s' is out of range (1-%d : %d-%llu)", env,
				       WARD_BACKUP_KDF_OPS_MAX, crypto_pwhash_MEMLIMIT_MIN,
				       (unsigned long long)WARD_BACKUP_KDF_MEM_MAX);
	}
	*ret_ops = (unsigned long long)ops;
	*ret_mem = (size_t)mem;
	return 0;
}

int repo_keys_kdf_check(void)
{
	unsigned long long ops;
	size_t mem;
	return kdf_params(&ops, &mem);
}

static int b64_field(const json_t *j, const char *key, uint8_t *out, size_t len)
{
	const char *s = json_string_value(json_object_get(j, key));
	size_t got;
	if (!s || sodium_base642bin(out, len, s, strlen(s), NULL, &got, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    got != len)
		return -EINVAL;
	return 0;
}

static json_t *b64_string(const uint8_t *in, size_t len)
{
	char buf[256];
	sodium_bin2base64(buf, sizeof(buf), in, len, sodium_base64_VARIANT_ORIGINAL);
	return json_string(buf);
}

static void key_file_release(struct key_file *k)
{
	json_decref(k->json);
	k->json = NULL;
}

/* Reads and parses keys/<id>. -EBADMSG with a message naming it when damaged. */
static int key_file_read(const char *keysdir, const char *id, struct key_file *ret)
{
	struct key_file k = {0};
	uint8_t *text = NULL;
	size_t len;
	int r = repo_file_load(keysdir, id, WARD_BACKUP_KEY_FILE_MAX, &text, &len);
	if (r < 0)
		return r;
	memcpy(k.id, id, REPO_HEX_LEN);
	if (json_parse_object((const char *)text, len, &k.json) < 0) {
		r = err_set(-EBADMSG, "key file '%s' is damaged: %s", id, err_msg(-EINVAL));
		goto out;
	}
	const json_t *ops = json_object_get(k.json, "opslimit"), *mem = json_object_get(k.json, "memlimit");
	const char *kdf = json_string_value(json_object_get(k.json, "kdf"));
	json_int_t version = json_integer_value(json_object_get(k.json, "version"));
	if (version != 1 || !kdf || strcmp(kdf, "argon2id") != 0 || !json_is_integer(ops) || !json_is_integer(mem) ||
	    b64_field(k.json, "salt", k.salt, sizeof(k.salt)) < 0 ||
	    b64_field(k.json, "nonce", k.nonce, sizeof(k.nonce)) < 0 ||
	    b64_field(k.json, "data", k.data, sizeof(k.data)) < 0) {
		r = err_set(-EBADMSG, "key file '%s' is damaged: a field is missing or malformed", id);
		goto out;
	}
	/* A hostile key file must not make us spend hours or all memory. */
	if (json_integer_value(ops) < 1 || json_integer_value(ops) > WARD_BACKUP_KDF_OPS_MAX ||
	    json_integer_value(mem) < crypto_pwhash_MEMLIMIT_MIN ||
	    (unsigned long long)json_integer_value(mem) > WARD_BACKUP_KDF_MEM_MAX) {
		r = err_set(-EBADMSG, "key file '%s' asks for an argon2id cost out of bounds", id);
		goto out;
	}
	k.opslimit = (unsigned long long)json_integer_value(ops);
	k.memlimit = (size_t)json_integer_value(mem);
	*ret = k;
	k.json = NULL;
	r = 0;
out:
	key_file_release(&k);
	free(text);
	return r;
}

/* Unwraps k's master key with password: 0, -EACCES when it does not open, -ENOMEM. */
static int key_file_unwrap(const struct key_file *k, const char *password, uint8_t master[REPO_MASTER_LEN])
{
	uint8_t kek[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
	unsigned long long mlen;
	int r = 0;
	if (crypto_pwhash(kek, sizeof(kek), password, strlen(password), k->salt, k->opslimit, k->memlimit,
			  crypto_pwhash_ALG_ARGON2ID13) != 0)
		return err_set(-ENOMEM, "cannot hash the password: argon2id needs %zu MiB", k->memlimit >> 20);
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(master, &mlen, NULL, k->data, sizeof(k->data), NULL, 0, k->nonce,
						       kek) != 0 ||
	    mlen != REPO_MASTER_LEN)
		r = -EACCES;
	sodium_memzero(kek, sizeof(kek));
	return r;
}

static int keys_dir(const char *path, char *out, size_t size)
{
	return fs_join(out, size, path, "keys");
}

int repo_keys_unlock(const char *path, const char *password, uint8_t master[REPO_MASTER_LEN], char key_id[REPO_HEX_LEN])
{
	char dir[4096], (*ids)[REPO_HEX_LEN] = NULL;
	size_t n = 0, readable = 0;
	int r = keys_dir(path, dir, sizeof(dir)), last_err = 0;
	if (r < 0)
		return r;
	if ((r = repo_dir_ids(dir, WARD_BACKUP_KEYS_MAX, &ids, &n)) < 0)
		return err_set(r, "cannot read the keys of repository '%s': %s", path, err_msg(r));
	for (size_t i = 0; i < n; i++) {
		struct key_file k;
		r = key_file_read(dir, ids[i], &k);
		if (r < 0) {
			last_err = r; /* a damaged key file: the others may still open it */
			continue;
		}
		readable++;
		r = key_file_unwrap(&k, password, master);
		key_file_release(&k);
		if (r == 0) {
			memcpy(key_id, ids[i], REPO_HEX_LEN);
			goto out;
		}
		if (r != -EACCES)
			goto out;
	}
	if (readable == 0 && n > 0)
		r = err_set(last_err, "cannot open repository '%s': no key file is readable (%s)", path,
			    err_msg(last_err));
	else if (n == 0)
		r = err_set(-ENOENT, "cannot open repository '%s': it has no keys", path);
	else
		r = err_set(-EACCES, "cannot open repository '%s': wrong password", path);
out:
	free(ids);
	return r;
}

static void whoami(char *user, size_t usize, char *host, size_t hsize)
{
	struct passwd pw, *res = NULL;
	char buf[1024];
	if (getpwuid_r(geteuid(), &pw, buf, sizeof(buf), &res) == 0 && res)
		snprintf(user, usize, "%s", res->pw_name);
	else
		snprintf(user, usize, "%u", (unsigned)geteuid());
	if (gethostname(host, hsize) < 0)
		snprintf(host, hsize, "unknown");
	host[hsize - 1] = '\0';
}

int repo_keys_write(const char *path, const char *password, const uint8_t master[REPO_MASTER_LEN],
		    char ret_id[REPO_HEX_LEN])
{
	uint8_t kek[crypto_aead_xchacha20poly1305_ietf_KEYBYTES], salt[KEY_SALT_LEN], nonce[KEY_NONCE_LEN];
	uint8_t wrapped[KEY_WRAPPED_LEN], digest[REPO_ID_LEN];
	unsigned long long ops = 0, clen;
	size_t mem = 0;
	char created[TIME_ISO_LEN], user[256], host[256], dir[4096], file[4096], id[REPO_HEX_LEN];
	char *text = NULL;
	json_t *j = NULL;
	int r;
	if ((r = kdf_params(&ops, &mem)) < 0 || (r = keys_dir(path, dir, sizeof(dir))) < 0)
		return r;
	randombytes_buf(salt, sizeof(salt));
	randombytes_buf(nonce, sizeof(nonce));
	if (crypto_pwhash(kek, sizeof(kek), password, strlen(password), salt, ops, mem, crypto_pwhash_ALG_ARGON2ID13) !=
	    0)
		return err_set(-ENOMEM, "cannot hash the password: argon2id needs %zu MiB", mem >> 20);
	crypto_aead_xchacha20poly1305_ietf_encrypt(wrapped, &clen, master, REPO_MASTER_LEN, NULL, 0, NULL, nonce, kek);
	sodium_memzero(kek, sizeof(kek));
	time_iso(time_now(), created);
	whoami(user, sizeof(user), host, sizeof(host));
	j = json_pack("{s:i, s:s, s:I, s:I, s:o, s:o, s:o, s:s, s:s, s:s}", "version", 1, "kdf", "argon2id", "opslimit",
		      (json_int_t)ops, "memlimit", (json_int_t)mem, "salt", b64_string(salt, sizeof(salt)), "nonce",
		      b64_string(nonce, sizeof(nonce)), "data", b64_string(wrapped, sizeof(wrapped)), "created",
		      created, "host", host, "user", user);
	if (!j || !(text = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER))) {
		r = -ENOMEM;
		goto out;
	}
	size_t len = strlen(text);
	crypto_sha256(text, len, digest);
	repo_id_hex(digest, id);
	if ((r = fs_join(file, sizeof(file), dir, id)) < 0)
		goto out;
	if ((r = fs_write_atomic(file, text, len, 0600)) < 0) {
		r = err_set(r, "cannot write a key file: %s", err_msg(r));
		goto out;
	}
	if (ret_id)
		memcpy(ret_id, id, REPO_HEX_LEN);
out:
	json_decref(j);
	free(text);
	return r;
}

int repo_keys_check(const char *path, json_t *damaged, size_t *ret_n)
{
	char dir[4096], (*ids)[REPO_HEX_LEN] = NULL;
	size_t n = 0;
	int r = keys_dir(path, dir, sizeof(dir));
	if (r < 0 || (r = repo_dir_ids(dir, WARD_BACKUP_KEYS_MAX, &ids, &n)) < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		struct key_file k;
		if ((r = key_file_read(dir, ids[i], &k)) < 0)
			json_array_append_new(damaged,
					      json_pack("{s:s+, s:s}", "file", "keys/", ids[i], "problem", err_msg(r)));
		else
			key_file_release(&k);
	}
	*ret_n = n;
	free(ids);
	return 0;
}

int repo_key_add(struct repo *r, const char *new_password, char ret_id[REPO_HEX_LEN])
{
	uint8_t master[REPO_MASTER_LEN];
	if (!new_password || !*new_password)
		return err_set(-EINVAL, "the new password is empty");
	if (strlen(new_password) > WARD_PASSWORD_MAX)
		return err_set(-EINVAL, "the new password is longer than %d bytes", WARD_PASSWORD_MAX);
	memcpy(master, r->keys->enc, 32);
	memcpy(master + 32, r->keys->mac, 32);
	memcpy(master + 64, r->keys->chunker, 32);
	int ret = repo_keys_write(r->path, new_password, master, ret_id);
	sodium_memzero(master, sizeof(master));
	return ret;
}

static int created_cmp(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	const char *cx = json_string_value(json_object_get(x, "created")),
		   *cy = json_string_value(json_object_get(y, "created"));
	int c = strcmp(cx ? cx : "", cy ? cy : "");
	return c ? c : strcmp(json_string_value(json_object_get(x, "id")), json_string_value(json_object_get(y, "id")));
}

int repo_key_list(struct repo *r, json_t **ret)
{
	char dir[4096], (*ids)[REPO_HEX_LEN] = NULL;
	size_t n = 0;
	json_t **rows = NULL, *out = NULL;
	int ret_code = keys_dir(r->path, dir, sizeof(dir));
	if (ret_code < 0)
		return ret_code;
	if ((ret_code = repo_dir_ids(dir, WARD_BACKUP_KEYS_MAX, &ids, &n)) < 0)
		return ret_code;
	if (!(rows = calloc(n ? n : 1, sizeof(*rows))) || !(out = json_array())) {
		ret_code = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		struct key_file k;
		json_t *row = json_pack("{s:s, s:b}", "id", ids[i], "current", strcmp(ids[i], r->key_id) == 0);
		if (!row) {
			ret_code = -ENOMEM;
			goto out;
		}
		rows[i] = row;
		if (key_file_read(dir, ids[i], &k) < 0) {
			json_object_set_new(row, "error", json_string(err_msg(-EBADMSG)));
			continue;
		}
		static const char *const copy[] = {"created", "host", "user", "opslimit", "memlimit"};
		for (size_t f = 0; f < sizeof(copy) / sizeof(copy[0]); f++) {
			json_t *v = json_object_get(k.json, copy[f]);
			json_object_set(row, copy[f], v ? v : json_null());
		}
		key_file_release(&k);
	}
	qsort(rows, n, sizeof(*rows), created_cmp);
	for (size_t i = 0; i < n; i++) {
		json_array_append_new(out, rows[i]);
		rows[i] = NULL;
	}
	*ret = out;
	out = NULL;
	ret_code = 0;
out:
	for (size_t i = 0; rows && i < n; i++)
		json_decref(rows[i]);
	free(rows);
	json_decref(out);
	free(ids);
	return ret_code;
}

/* The one key whose id starts with prefix. */
static int key_find(struct repo *r, const char *dir, const char *prefix, char ret_id[REPO_HEX_LEN], size_t *ret_count)
{
	char(*ids)[REPO_HEX_LEN] = NULL;
	size_t n = 0, plen = prefix ? strlen(prefix) : 0, found = SIZE_MAX, matches = 0;
	int ret;
	if (plen < 4 || plen > 64 || strspn(prefix, "0123456789abcdef") != plen)
		return err_set(-EINVAL, "'%.80s' is not a key id (4 to 64 lower-case hex digits)",
			       prefix ? prefix : "");
	if ((ret = repo_dir_ids(dir, WARD_BACKUP_KEYS_MAX, &ids, &n)) < 0)
		return ret;
	for (size_t i = 0; i < n; i++)
		if (strncmp(ids[i], prefix, plen) == 0) {
			found = i;
			matches++;
		}
	if (matches == 0)
		ret = err_set(-ENOENT, "repository '%s' has no key '%s'", r->path, prefix);
	else if (matches > 1)
		ret = err_set(-EINVAL, "key id '%s' is ambiguous: %zu keys start with it", prefix, matches);
	else {
		memcpy(ret_id, ids[found], REPO_HEX_LEN);
		*ret_count = n;
		ret = 0;
	}
	free(ids);
	return ret;
}

static int key_unlink(const char *dir, const char *id)
{
	char file[4096];
	int r = fs_join(file, sizeof(file), dir, id);
	if (r < 0)
		return r;
	if (unlink(file) < 0)
		return err_set(-errno, "cannot remove key file '%s': %s", file, strerror(errno));
	return repo_sync_dir(dir);
}

int repo_key_remove(struct repo *r, const char *id_or_prefix)
{
	char dir[4096], id[REPO_HEX_LEN];
	size_t count = 0;
	int ret = keys_dir(r->path, dir, sizeof(dir));
	if (ret < 0 || (ret = key_find(r, dir, id_or_prefix, id, &count)) < 0)
		return ret;
	if (strcmp(id, r->key_id) == 0)
		return err_set(-EPERM, "key '%s' is the one in use; open the repository with another key to remove it",
			       id);
	if (count <= 1)
		return err_set(-EPERM, "key '%s' is the last key of repository '%s'", id, r->path);
	return key_unlink(dir, id);
}

int repo_key_passwd(struct repo *r, const char *new_password, char ret_id[REPO_HEX_LEN])
{
	char dir[4096], id[REPO_HEX_LEN];
	int ret = keys_dir(r->path, dir, sizeof(dir));
	/* New first, then the old: a crash in between leaves both passwords working. */
	if (ret < 0 || (ret = repo_key_add(r, new_password, id)) < 0)
		return ret;
	if (r->key_id[0] && (ret = key_unlink(dir, r->key_id)) < 0)
		return err_set(ret, "the new key '%s' was added but the old one stays: %s", id, err_msg(ret));
	memcpy(r->key_id, id, REPO_HEX_LEN);
	if (ret_id)
		memcpy(ret_id, id, REPO_HEX_LEN);
	return 0;
}
