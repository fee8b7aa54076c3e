/*
 * maint_api.h: HTTP handlers for maintenance windows (routed from
 * src/server/server_routes.c: support reads, admins change).
 */
#ifndef WARD_MAINT_API_H
#define WARD_MAINT_API_H

#include "core/http.h"

int maint_api_list(struct http_req *req);
int maint_api_add(struct http_req *req);
int maint_api_show(struct http_req *req);
int maint_api_edit(struct http_req *req);
int maint_api_remove(struct http_req *req);

#endif
