/*
 * actlog_api.h: the activity log's HTTP handler.
 */
#ifndef WARD_ACTLOG_API_H
#define WARD_ACTLOG_API_H

#include "core/http.h"

int actlog_api_list(struct http_req *req);

#endif
