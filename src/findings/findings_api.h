/*
 * findings_api.h: GET /api/v1/findings: the findings every module raised.
 */
#ifndef WARD_FINDINGS_API_H
#define WARD_FINDINGS_API_H

#include "core/http.h"

int findings_api_list(struct http_req *req);

#endif
