/*
 * vuln_api.h: the vulnerabilities over HTTP: GET /api/v1/vulns (the fleet, with
 * filters), /api/v1/vulns/{cve}, /api/v1/hosts/{host}/vulns, /api/v1/vulns/feeds.
 */
#ifndef WARD_VULN_API_H
#define WARD_VULN_API_H

#include "core/http.h"

int vuln_api_list(struct http_req *req);
int vuln_api_show(struct http_req *req);
int vuln_api_host(struct http_req *req);
int vuln_api_feeds(struct http_req *req);

#endif
