/*
 * repo.c: creating and opening a backup repository: its folders, the plaintext config,
 * the handle with its keys; see repo.h and docs/internals/backup-format.md.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/core_names.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backup/chunker.h"
#include "backup/repo_internal.h"
#include "core/err.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/timeutil.h"

#define REPO_CONFIG_MAX 4096
#define REPO_CHUNK_MIN (512 * 1024) /* the defaults, as restic's */
#define REPO_CHUNK_AVG (1024 * 1024)
#define REPO_CHUNK_MAX (8 * 1024 * 1024)

static _Atomic uint64_t repo_serials;

const char *repo_path(const struct repo *r)
{
	return r->path;
}

const struct repo_config *repo_config(const struct repo *r)
{
	return &r->config;
}

const uint8_t *repo_chunker_key(const struct repo *r)
{
	return r->keys->chunker;
}

const char *repo_key_current(const struct repo *r)
{
	return r->key_id;
}

int repo_id_parse(const char *hex, uint8_t id[REPO_ID_LEN])
{
	size_t len;
	if (!hex || strlen(hex) != 2 * REPO_ID_LEN ||
	    sodium_hex2bin(id, REPO_ID_LEN, hex, 2 * REPO_ID_LEN, NULL, &len, NULL) != 0 || len != REPO_ID_LEN)
		return err_set(-EINVAL, "'%.80s' is not an id (64 hex digits)", hex ? hex : "");
	return 0;
}

void repo_id_hex(const uint8_t id[REPO_ID_LEN], char out[REPO_HEX_LEN])
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < REPO_ID_LEN; i++) {
		out[2 * i] = digits[id[i] >> 4];
		out[2 * i + 1] = digits[id[i] & 15];
	}
	out[2 * REPO_ID_LEN] = '\0';
}

int repo_join(const struct repo *r, char *out, size_t size, const char *rel)
{
	return fs_join(out, size, r->path, rel);
}

int repo_pack_path(const struct repo *r, const uint8_t pack[REPO_ID_LEN], char *out, size_t size)
{
	char hex[REPO_HEX_LEN];
	repo_id_hex(pack, hex);
	int n = snprintf(out, size, "%s/data/%.2s/%s", r->path, hex, hex);
	if (n < 0 || (size_t)n >= size)
		return err_set(-ENAMETOOLONG, "path of pack '%s' in '%s' is too long", hex, r->path);
	return 0;
}

int repo_new(const char *path, const uint8_t master[REPO_MASTER_LEN], struct repo **ret)
{
	int r = -ENOMEM;
	struct repo *h = calloc(1, sizeof(*h));
	EVP_MAC *hmac = NULL;
	if (sodium_init() < 0)
		return err_set(-EIO, "cannot initialise libsodium");
	if (!h)
		return -ENOMEM;
	if (!(h->path = strdup(path)) || !(h->keys = sodium_malloc(sizeof(*h->keys))))
		goto out;
	memcpy(h->keys->enc, master, 32);
	memcpy(h->keys->mac, master + 32, 32);
	memcpy(h->keys->chunker, master + 64, 32);
	repo_hmac_prepare(h->keys->mac, &h->keys->hmac);
	repo_gcm_prepare(h->keys->enc, &h->keys->gcm);
	sodium_mprotect_readonly(h->keys);
	h->serial = atomic_fetch_add(&repo_serials, 1) + 1;
	h->config.version = REPO_FORMAT_VERSION;
	h->config.chunk_min = REPO_CHUNK_MIN;
	h->config.chunk_avg = REPO_CHUNK_AVG;
	h->config.chunk_max = REPO_CHUNK_MAX;
	h->config.chunk_norm = 0; /* new repositories: one threshold, which deduplicates better */
	char digest[] = "SHA256";
	OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0), OSSL_PARAM_END};
	if (!(h->aes = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL)) || !(hmac = EVP_MAC_fetch(NULL, "HMAC", NULL)) ||
	    !(h->mac = EVP_MAC_CTX_new(hmac)) || EVP_MAC_init(h->mac, h->keys->mac, 32, params) != 1) {
		r = err_set(-EIO, "cannot set up AES-256-GCM and HMAC-SHA-256 with OpenSSL");
		goto out;
	}
	if ((r = repo_index_new(&h->index)) < 0)
		goto out;
	*ret = h;
	h = NULL;
	r = 0;
out:
	EVP_MAC_free(hmac);
	repo_close(h);
	return r;
}

void repo_close(struct repo *r)
{
	if (!r)
		return;
	repo_lock_free(r);
	repo_tls_forget(r);
	repo_index_free(r->index);
	EVP_MAC_CTX_free(r->mac);
	EVP_CIPHER_free(r->aes);
	sodium_free(r->keys);
	free(r->path);
	free(r);
}

/* --- config --- */

static int config_write(const char *path, const struct repo_config *c)
{
	char file[4096];
	int r = fs_join(file, sizeof(file), path, "config");
	if (r < 0)
		return r;
	json_t *j = json_pack("{s:i, s:s, s:{s:i, s:i, s:i, s:i}}", "version", c->version, "id", c->id, "chunker",
			      "min", (json_int_t)c->chunk_min, "avg", (json_int_t)c->chunk_avg, "max",
			      (json_int_t)c->chunk_max, "norm", (json_int_t)c->chunk_norm);
	char *text = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(j);
	if (!text)
		return -ENOMEM;
	size_t len = strlen(text);
	text[len] = '\n'; /* json_dumps's NUL: the file ends with a newline instead */
	r = fs_write_atomic(file, text, len + 1, 0600);
	free(text);
	return r;
}

static int config_uint(const json_t *obj, const char *key, uint32_t *ret)
{
	const json_t *v = json_object_get(obj, key);
	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > UINT32_MAX)
		return -EINVAL;
	*ret = (uint32_t)json_integer_value(v);
	return 0;
}

int repo_config_read(const char *path, struct repo_config *ret)
{
	char file[4096], *text = NULL;
	size_t len;
	json_t *j = NULL;
	struct repo_config c = {0};
	int r = fs_join(file, sizeof(file), path, "config");
	if (r < 0)
		return r;
	r = fs_read_file(file, REPO_CONFIG_MAX, &text, &len);
	if (r == -ENOENT) {
		struct stat st;
		if (stat(path, &st) < 0)
			return err_set(-ENOENT, "no repository at '%s': %s", path, strerror(errno));
		return err_set(-ENOENT, "'%s' is not a repository (it has no config)", path);
	}
	if (r < 0)
		return err_set(r, "cannot read the config of repository '%s': %s", path, err_msg(r));
	if (json_parse_object(text, len, &j) < 0) {
		r = err_set(-EBADMSG, "the config of repository '%s' is damaged: %s", path, err_msg(-EINVAL));
		goto out;
	}
	const json_t *v = json_object_get(j, "version"), *ch = json_object_get(j, "chunker");
	const char *id = json_string_value(json_object_get(j, "id"));
	uint8_t bin[REPO_ID_LEN];
	if (!json_is_integer(v)) {
		r = err_set(-EBADMSG, "the config of repository '%s' is damaged: no version", path);
		goto out;
	}
	if (json_integer_value(v) != REPO_FORMAT_VERSION) {
		r = err_set(-ENOTSUP, "repository '%s' has format version %lld; this ward reads version %d", path,
			    (long long)json_integer_value(v), REPO_FORMAT_VERSION);
		goto out;
	}
	c.version = REPO_FORMAT_VERSION;
	if (!id || repo_id_parse(id, bin) < 0 || config_uint(ch, "min", &c.chunk_min) < 0 ||
	    config_uint(ch, "avg", &c.chunk_avg) < 0 || config_uint(ch, "max", &c.chunk_max) < 0) {
		r = err_set(-EBADMSG, "the config of repository '%s' is damaged: bad id or chunker", path);
		goto out;
	}
	/* Repositories made before "norm" was written chunk with FastCDC's level 2: they
	 * keep it, so what they hold keeps deduplicating. */
	c.chunk_norm = 2;
	if (json_object_get(ch, "norm") &&
	    (config_uint(ch, "norm", &c.chunk_norm) < 0 || c.chunk_norm > CHUNKER_NORM_MAX)) {
		r = err_set(-EBADMSG, "the config of repository '%s' is damaged: bad chunker norm", path);
		goto out;
	}
	if (c.chunk_min < 4096 || c.chunk_min > c.chunk_avg || c.chunk_avg > c.chunk_max ||
	    c.chunk_max > WARD_BACKUP_BLOB_MAX || (c.chunk_avg & (c.chunk_avg - 1)) != 0) {
		r = err_set(-EBADMSG,
			    "the config of repository '%s' has chunker bounds %u/%u/%u: want 4096 <= min <= avg "
			    "(a power of two) <= max <= %d",
			    path, c.chunk_min, c.chunk_avg, c.chunk_max, WARD_BACKUP_BLOB_MAX);
		goto out;
	}
	/* And what the chunker itself accepts, so a repository that opens can be backed up to. */
	struct chunker_params cp = {c.chunk_min, c.chunk_avg, c.chunk_max, c.chunk_norm};
	if ((r = chunker_params_check(&cp)) < 0) {
		r = err_set(-EBADMSG, "the config of repository '%s': %s", path, err_msg(r));
		goto out;
	}
	repo_id_hex(bin, c.id);
	*ret = c;
	r = 0;
out:
	json_decref(j);
	free(text);
	return r;
}

/* --- init and open --- */

/* path must be missing or an empty folder. */
static int init_check_empty(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	char file[4096];
	if (!d && errno == ENOENT)
		return 0;
	if (!d)
		return err_set(-errno, "cannot create a repository at '%s': %s", path, strerror(errno));
	int r = 0;
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (fs_join(file, sizeof(file), path, "config") == 0 && access(file, F_OK) == 0)
			r = err_set(-EEXIST, "'%s' is already a repository", path);
		else
			r = err_set(-EEXIST, "cannot create a repository at '%s': the folder is not empty", path);
		break;
	}
	closedir(d);
	return r;
}

static int init_dirs(const char *path)
{
	static const char *const dirs[] = {"keys", "data", "index", "snapshots", "locks"};
	char dir[4096];
	int r = fs_mkdir_p(path, 0700);
	for (size_t i = 0; r == 0 && i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if ((r = fs_join(dir, sizeof(dir), path, dirs[i])) == 0)
			r = fs_mkdir_p(dir, 0700);
	/* data/00 .. data/ff up front, so finishing a pack is a rename and one fsync. */
	for (int i = 0; r == 0 && i < 256; i++) {
		int n = snprintf(dir, sizeof(dir), "%s/data/%02x", path, i);
		if (n < 0 || (size_t)n >= sizeof(dir))
			return err_set(-ENAMETOOLONG, "path '%s' is too long", path);
		r = fs_mkdir_p(dir, 0700); /* empty: syncing data/ below makes it last */
	}
	if (r == 0 && (r = fs_join(dir, sizeof(dir), path, "data")) == 0)
		r = repo_sync_dir(dir);
	for (size_t i = 0; r == 0 && i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if ((r = fs_join(dir, sizeof(dir), path, dirs[i])) == 0)
			r = repo_sync_dir(dir);
	if (r == 0)
		r = repo_sync_dir(path);
	return r;
}

static int check_password(const char *password)
{
	if (!password || !*password)
		return err_set(-EINVAL, "the repository password is empty");
	if (strlen(password) > WARD_PASSWORD_MAX)
		return err_set(-EINVAL, "the repository password is longer than %d bytes", WARD_PASSWORD_MAX);
	return 0;
}

/* Takes back what a failed init made, leaving anything else (rmdir fails on it). */
static void init_undo(const char *path, bool made_root)
{
	static const char *const dirs[] = {"keys", "data", "index", "snapshots", "locks"};
	char dir[4096], file[4096], (*ids)[REPO_HEX_LEN] = NULL;
	size_t n = 0;
	if (fs_join(dir, sizeof(dir), path, "keys") == 0 && repo_dir_ids(dir, WARD_BACKUP_KEYS_MAX, &ids, &n) == 0)
		for (size_t i = 0; i < n; i++)
			if (fs_join(file, sizeof(file), dir, ids[i]) == 0)
				unlink(file);
	free(ids);
	for (int i = 0; i < 256; i++) {
		int len = snprintf(dir, sizeof(dir), "%s/data/%02x", path, i);
		if (len > 0 && (size_t)len < sizeof(dir))
			rmdir(dir);
	}
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (fs_join(dir, sizeof(dir), path, dirs[i]) == 0)
			rmdir(dir);
	if (made_root)
		rmdir(path);
}

int repo_init(const char *path, const char *password, struct repo **ret)
{
	uint8_t master[REPO_MASTER_LEN], bin[REPO_ID_LEN];
	struct repo *h = NULL;
	struct stat st;
	int r;
	if (sodium_init() < 0)
		return err_set(-EIO, "cannot initialise libsodium");
	if ((r = check_password(password)) < 0 || (r = repo_keys_kdf_check()) < 0 || (r = init_check_empty(path)) < 0)
		return r;
	bool made_root = stat(path, &st) < 0;
	randombytes_buf(master, sizeof(master));
	if ((r = repo_new(path, master, &h)) < 0)
		goto out;
	randombytes_buf(bin, sizeof(bin));
	repo_id_hex(bin, h->config.id);
	/* The config last: a folder without one is not a repository yet. */
	if ((r = init_dirs(path)) < 0 || (r = repo_keys_write(path, password, master, h->key_id)) < 0 ||
	    (r = config_write(path, &h->config)) < 0) {
		init_undo(path, made_root);
		goto out;
	}
	*ret = h;
	h = NULL;
out:
	sodium_memzero(master, sizeof(master));
	repo_close(h);
	return r;
}

int repo_open(const char *path, const char *password, struct repo **ret)
{
	uint8_t master[REPO_MASTER_LEN];
	char key_id[REPO_HEX_LEN];
	struct repo_config c;
	struct repo *h = NULL;
	int r;
	if (sodium_init() < 0)
		return err_set(-EIO, "cannot initialise libsodium");
	if ((r = repo_config_read(path, &c)) < 0 || (r = check_password(password)) < 0)
		return r;
	if ((r = repo_keys_unlock(path, password, master, key_id)) < 0)
		return r;
	r = repo_new(path, master, &h);
	sodium_memzero(master, sizeof(master));
	if (r < 0)
		return r;
	h->config = c;
	memcpy(h->key_id, key_id, sizeof(key_id));
	if ((r = repo_index_load(h)) < 0) {
		repo_close(h);
		return r;
	}
	*ret = h;
	return 0;
}
