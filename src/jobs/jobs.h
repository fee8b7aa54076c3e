/*
 * jobs.h: remote jobs: work the server queues for one host (report the inventory now,
 * take a diagnostics snapshot, run an admin-approved command). Each job is signed by
 * the server's Ed25519 key (the agent got the public key at enrollment) over a payload
 * naming the host, a nonce and an expiry, so the agent refuses a forged, misdirected,
 * replayed or expired job. A job for an offline host waits until its agent polls.
 */
#ifndef WARD_JOBS_H
#define WARD_JOBS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/store.h"
#include "hosts/hosts.h"

#define JOBS_KEY_FILE "job-signing.key"
#define JOBS_OUTPUT_MAX (64 * 1024)    /* bytes of a job's output kept */
#define JOBS_TTL_DEFAULT (7 * 86400)   /* a queued job waits this long for its host */
#define JOBS_TIMEOUT_DEFAULT 60        /* seconds a command may run */
#define JOBS_TIMEOUT_MAX 3600
#define JOBS_POLL_MAX 10               /* jobs handed out per poll */

/* The server's signing public key as 64 hex digits (made on first use). */
int jobs_public_key(char out[65]);

/* Queues a job: kind "inventory", "diagnostics", "command" (params {"command":
 * "...", "timeout": s}), or "backup" or "drill" (params: a recovery plan's fields, as
 * src/dr queues them), "install" (params {"packages": [{"name", "version"?}],
 * "timeout"?: s}, as src/catalog queues them), or "upgrade" (an upgrade plan's
 * machine, as src/upgrade queues it). *ret_id is the job id. */
int jobs_queue(struct store *s, const char *actor, const struct host *h, const char *kind, const json_t *params,
	       int64_t *ret_id);

/* Called inside the transaction that stores a job's result (status "done", "failed"
 * or "refused"); a failure rolls the result back. One observer: the server's, which
 * hands it to the help desk and to recovery plans (server_cli.c). */
typedef int (*jobs_result_hook)(struct store *s, int64_t job_id, const char *status, const json_t *result,
				const char *output);
void jobs_on_result(jobs_result_hook fn);

/* Jobs waiting for host h (marks them sent): an array of {"payload", "signature"}. */
int jobs_take(struct store *s, const struct host *h, json_t **ret);

/* The newest job id, so waiting agents can be woken when it changes. */
int jobs_latest(struct store *s, int64_t *ret);

/* The agent's result for job id: {"status": "done"|"failed"|"refused", "exit_code"?,
 * "output"?, "result"?, "reason"?}. Only the host the job is for may post it, once. */
int jobs_result(struct store *s, const struct host *h, int64_t id, const json_t *result);

/* Listing (newest first; host may be NULL) and one job with its output. */
int jobs_list(struct store *s, const struct host *h, int limit, json_t **ret);
int jobs_get(struct store *s, int64_t id, json_t **ret);

/* Agent side: verifies a job from the server against the pinned key, this host's id,
 * the clock and the nonces already seen. -EPERM (message set) when it must be refused. */
int jobs_verify(const char *server_key_hex, const char *host_id, const char *payload, const char *signature_hex,
		int64_t now, json_t **ret_job);

#endif
