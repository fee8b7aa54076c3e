/*
 * accounts_api.h: the accounts routes' handlers (see docs/api.md) and the
 * authenticator the router calls for every request.
 */
#ifndef WARD_ACCOUNTS_API_H
#define WARD_ACCOUNTS_API_H

#include "core/http.h"

int accounts_api_authenticate(struct http_req *req, struct auth *ret);
int accounts_api_login(struct http_req *req);
int accounts_api_logout(struct http_req *req);
int accounts_api_me(struct http_req *req);
int accounts_api_users_list(struct http_req *req);
int accounts_api_users_add(struct http_req *req);
int accounts_api_users_get(struct http_req *req);
int accounts_api_users_disable(struct http_req *req);
int accounts_api_users_enable(struct http_req *req);

#endif
