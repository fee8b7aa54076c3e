/*
 * kb_api.h: the knowledge base's HTTP handlers, /api/v1/kb/...: articles (list,
 * create, show, edit, revisions), search, and suggestions for the new-ticket form.
 */
#ifndef WARD_KB_API_H
#define WARD_KB_API_H

#include "core/http.h"

int kb_api_list(struct http_req *req);
int kb_api_create(struct http_req *req);
int kb_api_show(struct http_req *req);
int kb_api_update(struct http_req *req);
int kb_api_revisions(struct http_req *req);
int kb_api_search(struct http_req *req);
int kb_api_suggest(struct http_req *req);

#endif
