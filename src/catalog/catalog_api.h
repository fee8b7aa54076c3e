/*
 * catalog_api.h: HTTP handlers for the software catalogue and software requests
 * (routed from src/server/server_routes.c).
 */
#ifndef WARD_CATALOG_API_H
#define WARD_CATALOG_API_H

#include "core/http.h"

int catalog_api_list(struct http_req *req);
int catalog_api_add(struct http_req *req);
int catalog_api_show(struct http_req *req);
int catalog_api_edit(struct http_req *req);
int catalog_api_remove(struct http_req *req);
int catalog_api_requests(struct http_req *req);
int catalog_api_request(struct http_req *req);
int catalog_api_request_show(struct http_req *req);
int catalog_api_approve(struct http_req *req);
int catalog_api_reject(struct http_req *req);

#endif
