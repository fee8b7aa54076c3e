/*
 * tickets_api.h: the help desk's HTTP handlers: /api/v1/tickets, /api/v1/search and
 * /api/v1/helpdesk/settings.
 */
#ifndef WARD_TICKETS_API_H
#define WARD_TICKETS_API_H

#include "core/http.h"

#define TICKETS_BODY_MAX (256 * 1024) /* a ticket or comment request */
#define TICKETS_UPLOAD_MAX (10 * 1024 * 1024) /* an attachment (TICKET_ATTACHMENT_MAX) */

int tickets_api_list(struct http_req *req);
int tickets_api_create(struct http_req *req);
int tickets_api_show(struct http_req *req);
int tickets_api_update(struct http_req *req);
int tickets_api_comment(struct http_req *req);
int tickets_api_rate(struct http_req *req);
int tickets_api_search(struct http_req *req);
int tickets_api_settings(struct http_req *req);
int tickets_api_settings_update(struct http_req *req);
int tickets_api_attach(struct http_req *req);
int tickets_api_attachment(struct http_req *req);
int tickets_api_canned(struct http_req *req);
int tickets_api_canned_add(struct http_req *req);
int tickets_api_canned_remove(struct http_req *req);
int tickets_api_staff(struct http_req *req);
int tickets_api_to_article(struct http_req *req);
int tickets_api_link(struct http_req *req);
int tickets_api_merge(struct http_req *req);
int tickets_api_fixes(struct http_req *req);
int tickets_api_fix_add(struct http_req *req);
int tickets_api_run_fix(struct http_req *req);

#endif
