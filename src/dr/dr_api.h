/*
 * dr_api.h: the recovery plans' HTTP handlers, /api/v1/dr/plans...: list, create,
 * show, edit and remove plans; back up or drill now; a plan's snapshots, backups and
 * drills.
 */
#ifndef WARD_DR_API_H
#define WARD_DR_API_H

#include "core/http.h"

int dr_api_list(struct http_req *req);
int dr_api_create(struct http_req *req);
int dr_api_show(struct http_req *req);
int dr_api_update(struct http_req *req);
int dr_api_remove(struct http_req *req);
int dr_api_backup(struct http_req *req);
int dr_api_drill(struct http_req *req);
int dr_api_snapshots(struct http_req *req);
int dr_api_runs(struct http_req *req);
int dr_api_drills(struct http_req *req);

#endif
