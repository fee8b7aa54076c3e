/*
 * jobs_api.h: HTTP handlers for remote jobs: the agent's long poll and results, and
 * people queueing jobs and reading their results.
 */
#ifndef WARD_JOBS_API_H
#define WARD_JOBS_API_H

#include <stdbool.h>

#include "core/http.h"

int jobs_api_poll(struct http_req *req);
int jobs_api_result(struct http_req *req);
int jobs_api_refresh(struct http_req *req);
int jobs_api_diagnose(struct http_req *req);
int jobs_api_run(struct http_req *req);
int jobs_api_list(struct http_req *req);
int jobs_api_get(struct http_req *req);

/* For http_config.changed: true when a job was queued since the last call (by any
 * process), so parked polls look again. */
bool jobs_api_changed(void);

#endif
