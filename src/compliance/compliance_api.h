/*
 * compliance_api.h: patch compliance over HTTP: GET /api/v1/compliance,
 * /api/v1/compliance/upgrades, /api/v1/compliance/history, POST
 * /api/v1/compliance/snapshot, GET and PUT /api/v1/compliance/policy.
 */
#ifndef WARD_COMPLIANCE_API_H
#define WARD_COMPLIANCE_API_H

#include "core/http.h"

int compliance_api_summary(struct http_req *req);
int compliance_api_upgrades(struct http_req *req);
int compliance_api_history(struct http_req *req);
int compliance_api_snapshot(struct http_req *req);
int compliance_api_policy_get(struct http_req *req);
int compliance_api_policy_set(struct http_req *req);

#endif
