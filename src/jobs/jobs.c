/*
 * jobs.c: queueing, signing and handing out remote jobs, recording their results, and
 * the agent's verification of what it is handed.
 */
#include "jobs/jobs.h"

#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actlog/actlog.h"
#include "core/crypto.h"
#include "core/err.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/timeutil.h"
#include "jobs/jobs_store.h"
#include "upgrade/upgrade.h"

static pthread_mutex_t key_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned char key_sk[crypto_sign_SECRETKEYBYTES], key_pk[crypto_sign_PUBLICKEYBYTES];
static bool key_loaded;

/* Loads the signing key from the data directory, making it the first time. */
static int key_load(void)
{
	char path[4200], *text = NULL, hex[crypto_sign_SECRETKEYBYTES * 2 + 2];
	size_t len, bin_len;
	int r = 0;
	pthread_mutex_lock(&key_lock);
	if (key_loaded)
		goto out;
	if ((r = fs_join(path, sizeof(path), store_data_dir(), JOBS_KEY_FILE)) < 0)
		goto out;
	r = fs_read_file(path, 4096, &text, &len);
	if (r == -ENOENT) {
		crypto_sign_keypair(key_pk, key_sk);
		crypto_hex(key_sk, sizeof(key_sk), hex);
		hex[sizeof(key_sk) * 2] = '\n';
		r = fs_write_atomic(path, hex, sizeof(key_sk) * 2 + 1, 0600);
		sodium_memzero(hex, sizeof(hex));
		key_loaded = r == 0;
		goto out;
	}
	if (r < 0)
		goto out;
	if (sodium_hex2bin(key_sk, sizeof(key_sk), text, len, "\n", &bin_len, NULL) != 0 || bin_len != sizeof(key_sk)) {
		r = err_set(-EBADMSG, "job signing key '%s' is damaged", path);
		goto out;
	}
	crypto_sign_ed25519_sk_to_pk(key_pk, key_sk);
	key_loaded = true;
out:
	if (text) {
		sodium_memzero(text, len);
		free(text);
	}
	pthread_mutex_unlock(&key_lock);
	return r;
}

int jobs_public_key(char out[65])
{
	int r = key_load();
	if (r == 0)
		crypto_hex(key_pk, sizeof(key_pk), out);
	return r;
}

static bool kind_known(const char *kind)
{
	return strcmp(kind, "inventory") == 0 || strcmp(kind, "diagnostics") == 0 || strcmp(kind, "command") == 0 ||
	       strcmp(kind, "backup") == 0 || strcmp(kind, "drill") == 0 || strcmp(kind, "install") == 0 ||
	       strcmp(kind, "upgrade") == 0;
}

/* Checks params for kind; command needs {"command": non-empty string, "timeout"?: s};
 * backup and drill a recovery plan's fields (dr_exec in src/dr/dr.h). */
static int params_check(const char *kind, const json_t *params)
{
	if (!json_is_object(params))
		return err_set(-EINVAL, "job parameters must be an object");
	/* A recovery plan's backup or drill: the plan as src/dr built it (the agent checks
	 * every field again before the engine sees it). */
	if (strcmp(kind, "backup") == 0 || strcmp(kind, "drill") == 0)
		return json_is_string(json_object_get(params, "name")) && json_is_string(json_object_get(params, "repo"))
			   ? 0
			   : err_set(-EINVAL, "a %s job needs the plan's name and repository", kind);
	/* A software request's packages (src/catalog checked each name; so does the agent). */
	if (strcmp(kind, "install") == 0)
		return json_is_array(json_object_get(params, "packages")) && json_array_size(json_object_get(params, "packages"))
			   ? 0
			   : err_set(-EINVAL, "an install job needs its packages");
	/* An upgrade plan's run on one machine (src/upgrade). */
	if (strcmp(kind, "upgrade") == 0)
		return upgrade_params_check(params);
	if (strcmp(kind, "command") != 0)
		return json_object_size(params) ? err_set(-EINVAL, "a %s job takes no parameters", kind) : 0;
	static const char *const fields[] = {"command", "timeout", NULL};
	const char *cmd;
	int r = json_check_fields(params, fields);
	if (r < 0 || (r = json_get_string(params, "command", true, 16384, &cmd)) < 0)
		return r;
	if (!*cmd)
		return err_set(-EINVAL, "the command is empty");
	json_t *t = json_object_get(params, "timeout");
	if (t && (!json_is_integer(t) || json_integer_value(t) < 1 || json_integer_value(t) > JOBS_TIMEOUT_MAX))
		return err_set(-EINVAL, "timeout must be 1 to %d seconds", JOBS_TIMEOUT_MAX);
	return 0;
}

int jobs_queue(struct store *s, const char *actor, const struct host *h, const char *kind, const json_t *params,
	       int64_t *ret_id)
{
	char nonce[33], object[300], sig_hex[crypto_sign_BYTES * 2 + 1], *canon_params = NULL, *payload = NULL;
	unsigned char sig[crypto_sign_BYTES];
	int64_t now = time_now(), id;
	json_t *empty = NULL, *p;
	int r;
	if (!kind || !kind_known(kind))
		return err_set(-EINVAL, "job kind '%.32s' is not known: use inventory, diagnostics or command",
			       kind ? kind : "");
	if (!params)
		params = empty = json_object();
	if ((r = params_check(kind, params)) < 0 || (r = key_load()) < 0)
		goto out;
	crypto_random_hex(16, nonce);
	canon_params = json_canonical(params);
	snprintf(object, sizeof(object), "host:%s", h->name);
	if ((r = store_tx_begin(s)) < 0)
		goto out;
	if ((r = jobs_store_insert(s, h->id, kind, canon_params ? canon_params : "{}", actor, now,
				   now + JOBS_TTL_DEFAULT, &id)) < 0)
		goto end;
	/* The payload names everything the agent must check. */
	p = json_pack("{s:I, s:s, s:s, s:O, s:s, s:I, s:I}", "id", (json_int_t)id, "host_id", h->uid, "kind", kind,
		      "params", params, "nonce", nonce, "created_at", (json_int_t)now, "expires_at",
		      (json_int_t)(now + JOBS_TTL_DEFAULT));
	payload = p ? json_canonical(p) : NULL;
	json_decref(p);
	if (!payload) {
		r = -ENOMEM;
		goto end;
	}
	crypto_sign_detached(sig, NULL, (const unsigned char *)payload, strlen(payload), key_sk);
	crypto_hex(sig, sizeof(sig), sig_hex);
	if ((r = jobs_store_sign(s, id, payload, sig_hex)) < 0)
		goto end;
	r = actlog_appendf(s, actor, "job.queue", object, "{s:I, s:s, s:O}", "job", (json_int_t)id, "kind", kind,
			   "params", params);
end:
	r = store_tx_end(s, r);
	if (r == 0)
		*ret_id = id;
out:
	free(canon_params);
	free(payload);
	json_decref(empty);
	return r;
}

int jobs_take(struct store *s, const struct host *h, json_t **ret)
{
	json_t *arr = json_array();
	if (!arr)
		return -ENOMEM;
	int r = store_tx_begin(s);
	if (r == 0) {
		r = jobs_store_expire(s, time_now());
		if (r == 0)
			r = jobs_store_take(s, h->id, time_now(), JOBS_POLL_MAX, arr);
		r = store_tx_end(s, r);
	}
	if (r < 0) {
		json_decref(arr);
		return r;
	}
	*ret = arr;
	return 0;
}

int jobs_latest(struct store *s, int64_t *ret)
{
	return jobs_store_latest(s, ret);
}

static jobs_result_hook result_hook;

void jobs_on_result(jobs_result_hook fn)
{
	result_hook = fn;
}

int jobs_result(struct store *s, const struct host *h, int64_t id, const json_t *res)
{
	static const char *const fields[] = {"status", "exit_code", "output", "result", "reason", NULL};
	const char *status, *output, *reason;
	char object[300], *result_text = NULL;
	int64_t exit_code = 0;
	bool has_exit = false;
	int r;
	if ((r = json_check_fields(res, fields)) < 0 || (r = json_get_string(res, "status", true, 16, &status)) < 0 ||
	    (r = json_get_string(res, "output", false, JOBS_OUTPUT_MAX * 4, &output)) < 0 ||
	    (r = json_get_string(res, "reason", false, 512, &reason)) < 0)
		return r;
	if (strcmp(status, "done") != 0 && strcmp(status, "failed") != 0 && strcmp(status, "refused") != 0)
		return err_set(-EINVAL, "status must be done, failed or refused");
	json_t *ec = json_object_get(res, "exit_code");
	if (ec) {
		if (!json_is_integer(ec))
			return err_set(-EINVAL, "field 'exit_code' must be an integer");
		exit_code = json_integer_value(ec);
		has_exit = true;
	}
	json_t *rj = json_object_get(res, "result");
	if (rj && !(result_text = json_canonical(rj)))
		return -ENOMEM;
	snprintf(object, sizeof(object), "host:%s", h->name);
	if ((r = store_tx_begin(s)) < 0)
		goto out;
	if ((r = jobs_store_finish(s, id, h->id, status, has_exit ? &exit_code : NULL, output, result_text,
				   time_now())) < 0)
		goto end;
	json_t *d = json_pack("{s:I, s:s}", "job", (json_int_t)id, "status", status);
	if (has_exit)
		json_object_set_new(d, "exit_code", json_integer(exit_code));
	if (reason)
		json_object_set_new(d, "reason", json_string(reason));
	r = actlog_append(s, object, strcmp(status, "refused") == 0 ? "job.refused" : "job.result", object, d);
	json_decref(d);
	if (r == 0 && result_hook)
		r = result_hook(s, id, status, rj, output);
end:
	r = store_tx_end(s, r);
out:
	free(result_text);
	return r;
}

int jobs_list(struct store *s, const struct host *h, int limit, json_t **ret)
{
	json_t *arr = json_array();
	if (!arr)
		return -ENOMEM;
	int r = jobs_store_list(s, h ? h->id : 0, limit < 1 || limit > 500 ? 100 : limit, arr);
	if (r < 0) {
		json_decref(arr);
		return r;
	}
	*ret = arr;
	return 0;
}

int jobs_get(struct store *s, int64_t id, json_t **ret)
{
	return jobs_store_get(s, id, ret);
}

int jobs_verify(const char *server_key_hex, const char *host_id, const char *payload, const char *signature_hex,
		int64_t now, json_t **ret_job)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], sig[crypto_sign_BYTES];
	size_t n;
	if (!server_key_hex || sodium_hex2bin(pk, sizeof(pk), server_key_hex, strlen(server_key_hex), NULL, &n, NULL) != 0 ||
	    n != sizeof(pk))
		return err_set(-EPERM, "no valid server key to check jobs with; enroll again");
	if (!payload || !signature_hex ||
	    sodium_hex2bin(sig, sizeof(sig), signature_hex, strlen(signature_hex), NULL, &n, NULL) != 0 || n != sizeof(sig))
		return err_set(-EPERM, "job has no valid signature");
	if (crypto_sign_verify_detached(sig, (const unsigned char *)payload, strlen(payload), pk) != 0)
		return err_set(-EPERM, "job signature does not verify: forged or altered");
	json_t *job = json_loads(payload, 0, NULL);
	if (!json_is_object(job)) {
		json_decref(job);
		return err_set(-EPERM, "signed job is not a JSON object");
	}
	const char *hid = json_string_value(json_object_get(job, "host_id"));
	json_int_t expires = json_integer_value(json_object_get(job, "expires_at"));
	const char *nonce = json_string_value(json_object_get(job, "nonce"));
	int r = 0;
	if (!hid || strcmp(hid, host_id) != 0)
		r = err_set(-EPERM, "job is for another host");
	else if (expires <= now)
		r = err_set(-EPERM, "job expired");
	else if (!nonce || strlen(nonce) != 32)
		r = err_set(-EPERM, "job has no nonce");
	if (r < 0) {
		json_decref(job);
		return r;
	}
	*ret_job = job;
	return 0;
}
