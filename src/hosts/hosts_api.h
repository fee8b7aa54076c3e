/*
 * hosts_api.h: the fleet's HTTP handlers: /api/v1/agent/... for agents (each
 * authenticated by its host credential) and /api/v1/hosts for people.
 */
#ifndef WARD_HOSTS_API_H
#define WARD_HOSTS_API_H

#include "core/http.h"

int hosts_api_enroll(struct http_req *req);
int hosts_api_report(struct http_req *req);
int hosts_api_list(struct http_req *req);
int hosts_api_show(struct http_req *req);
int hosts_api_history(struct http_req *req);
int hosts_api_update(struct http_req *req);
int hosts_api_remove(struct http_req *req);
int hosts_api_enroll_token(struct http_req *req);

#endif
