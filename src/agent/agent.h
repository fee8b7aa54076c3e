/*
 * agent.h: the agent on a managed machine: enrollment with a server, the state it
 * keeps (host id, credential, the server's pin, the digests the server acknowledged),
 * reporting the inventory, and a bounded on-disk spool of reports the server has not
 * received yet, delivered in order when it is back.
 */
#ifndef WARD_AGENT_H
#define WARD_AGENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#define AGENT_SPOOL_MAX_BYTES (64 * 1024 * 1024) /* spooled reports, all together */
#define AGENT_SPOOL_MAX_FILES 1000
#define AGENT_SPOOL_WARN_PERCENT 80

struct agent_enroll_opts {
	const char *server;      /* base URL */
	const char *token;       /* one-time enrollment token */
	const char *ca_file;     /* PEM CA to trust for https, or NULL */
	const char *fingerprint; /* server public-key SHA-256, or NULL */
	const char *hostname;    /* or NULL: this machine's name */
};

/* Enrolls and writes the state directory (mode 0700, files 0600). -EEXIST when it
 * already holds an enrollment. */
int agent_enroll(const char *state_dir, const struct agent_enroll_opts *o, char ret_host_id[33]);

struct agent_run_opts {
	const char *root;   /* inventory root ("/") */
	int64_t interval;   /* seconds between reports */
	bool once;          /* one report (and the spool), then return */
};

/* What one cycle did, for the command line. */
struct agent_cycle {
	int delivered;      /* reports the server accepted (spooled ones included) */
	int spooled;        /* reports left in the spool */
	int sections_sent;  /* sections carried by this cycle's report */
	bool unreachable;   /* the server could not be reached */
};

/* One cycle: collect, deliver the spool in order, then this report (spooling it when
 * the server cannot be reached). -EACCES when the server refuses the credential. */
int agent_cycle(const char *state_dir, const struct agent_run_opts *o, struct agent_cycle *ret);

/* Runs cycles every interval (after a per-host splay) until SIGTERM/SIGINT, or once. */
int agent_run(const char *state_dir, const struct agent_run_opts *o);

/* Fetches the jobs waiting for this host (waiting up to wait_s seconds for one to
 * appear), verifies each against the server key pinned at enrollment, refuses forged,
 * misdirected, expired and replayed jobs, runs the rest and posts their results
 * (agent_jobs.c). */
#define JOBS_POLL_WAIT 50
int agent_jobs_poll(const char *state_dir, const struct agent_run_opts *o, int wait_s, int *ret_ran);

/* The default state directory: WARD_AGENT_STATE, else /var/lib/ward-agent as root,
 * else $XDG_STATE_HOME/ward-agent (or ~/.local/state/ward-agent). */
int agent_state_default(char *out, size_t size);

/* The spool (agent_spool.c). Reports are files NNNNNNNNNN.json, written atomically. */
int agent_spool_put(const char *state_dir, const json_t *report, bool *ret_warn, int64_t *ret_dropped);
/* The oldest spooled report's path and content; -ENOENT when the spool is empty. */
int agent_spool_oldest(const char *state_dir, char *path, size_t size, json_t **ret);
int agent_spool_count(const char *state_dir, int *ret_files, int64_t *ret_bytes);

#endif
