/*
 * upgrade_api.h: the upgrade plans' HTTP handlers, /api/v1/upgrades/plans...: list,
 * create, show (with each machine's steps), run now, cancel.
 */
#ifndef WARD_UPGRADE_API_H
#define WARD_UPGRADE_API_H

#include "core/http.h"

int upgrade_api_list(struct http_req *req);
int upgrade_api_create(struct http_req *req);
int upgrade_api_show(struct http_req *req);
int upgrade_api_run(struct http_req *req);
int upgrade_api_cancel(struct http_req *req);

#endif
