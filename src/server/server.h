/*
 * server.h: what `ward serve` puts together: the route table of every module and the
 * server's own handlers (health, dashboard).
 */
#ifndef WARD_SERVER_H
#define WARD_SERVER_H

#include "core/router.h"

/* Every route Ward serves, NULL-method terminated. */
extern const struct route server_routes[];

int server_api_health(struct http_req *req);
int server_api_dashboard(struct http_req *req);

/* The scheduler thread (server_sched.c): periodic work while ward serve runs. */
int server_sched_start(void);
void server_sched_stop(void);

/* The search index's merger (server_index.c): merges the ticket search index in the
 * background while ward serve runs. */
int server_index_start(void);
void server_index_stop(void);

#endif
