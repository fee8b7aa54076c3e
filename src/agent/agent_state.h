/*
 * agent_state.h: what the agent's state directory holds, read back (agent.c).
 */
#ifndef WARD_AGENT_STATE_H
#define WARD_AGENT_STATE_H

#include "core/httpc.h"

struct agent_state {
	char server[1024];      /* base URL */
	char host_id[33];
	char credential[128];   /* "Bearer wardh_..." */
	char pin[128];          /* libcurl public-key pin, or "" */
	char ca_path[4200];     /* pinned CA file, or "" */
	char server_key[65];    /* the server's job-signing key, hex */
	struct httpc_config http;
};

/* -ENOENT (message says to enroll) when the directory holds no enrollment. */
int agent_state_load(const char *dir, struct agent_state *st);

#endif
