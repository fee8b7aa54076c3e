/*
 * agent_jobs.c: the agent's side of remote jobs: fetch (long poll), verify against the
 * server key pinned at enrollment, refuse replays by nonce, run through the registry of
 * job kinds, and post the result. Later capabilities add kinds to the registry.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/agent_install.h"
#include "agent/agent_state.h"
#include "core/err.h"
#include "core/fs.h"
#include "core/httpc.h"
#include "core/json.h"
#include "core/log.h"
#include "core/proc.h"
#include "core/timeutil.h"
#include "dr/dr.h"
#include "inventory/inventory.h"
#include "jobs/jobs.h"
#include "upgrade/upgrade.h"

#define NONCE_FILE "nonces.json"
#define DIAG_JOURNAL_LINES 200
#define DIAG_TOP 10

struct job_run {
	const struct agent_state *st;
	const char *state_dir;
	const struct agent_run_opts *opts;
	const json_t *params;
	json_t *result;      /* set by the kind */
	char *output;        /* malloc'd text, or NULL */
	int exit_code;
	bool has_exit;
	bool failed;
};

/* backup, drill: a recovery plan's run on this host, with the same engine calls as the
 * server's (src/dr/dr_run.c); dumps and drill scratch folders live in the state dir. */
static int kind_dr(struct job_run *j, enum dr_kind kind)
{
	json_t *out;
	int r = dr_exec(kind, j->params, j->state_dir, &out);
	if (r < 0)
		return r;
	const char *status = json_string_value(json_object_get(out, "status"));
	j->failed = !status || strcmp(status, "failed") == 0;
	j->result = out;
	return 0;
}

/* upgrade: an upgrade plan's run on this machine (src/upgrade/upgrade_exec.c), below
 * the agent's root. */
static int kind_upgrade(struct job_run *j)
{
	json_t *out;
	int r = upgrade_exec(j->params, j->opts->root, &out);
	if (r < 0)
		return r;
	const char *status = json_string_value(json_object_get(out, "status"));
	j->failed = !status || strcmp(status, "passed") != 0;
	j->result = out;
	return 0;
}

static int kind_backup(struct job_run *j)
{
	return kind_dr(j, DR_BACKUP);
}

static int kind_drill(struct job_run *j)
{
	return kind_dr(j, DR_DRILL);
}

/* inventory: report now. */
static int kind_inventory(struct job_run *j)
{
	struct agent_cycle c;
	int r = agent_cycle(j->state_dir, j->opts, &c);
	if (r < 0)
		return r;
	j->result = json_pack("{s:i, s:b}", "sections_sent", c.sections_sent, "spooled", c.unreachable);
	return 0;
}

/* The last lines of a text, at most n. */
static const char *last_lines(const char *text, size_t len, int n)
{
	const char *p = text + len;
	while (p > text && n >= 0) {
		p--;
		if (*p == '\n' && p != text + len - 1 && --n < 0)
			return p + 1;
	}
	return text;
}

/* Processes by CPU time and by memory, from proc/PID/stat. */
static json_t *top_processes(struct inv_ctx *ctx)
{
	char path[4200];
	json_t *all = json_array();
	if (inv_path(ctx, "proc", path, sizeof(path)) < 0)
		return all;
	DIR *d = opendir(path);
	struct dirent *e;
	long tick = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
	while (d && (e = readdir(d))) {
		int64_t pid;
		if (parse_int64(e->d_name, 1, INT32_MAX, &pid) < 0)
			continue;
		char rel[300], *text = NULL;
		size_t len;
		snprintf(rel, sizeof(rel), "proc/%s/stat", e->d_name);
		if (inv_read(ctx, rel, 4096, &text, &len) < 0)
			continue;
		/* pid (comm) state ppid ... field 14 utime, 15 stime, 24 rss */
		char *open = strchr(text, '('), *close = strrchr(text, ')');
		unsigned long long ut = 0, stt = 0;
		long long rss = 0;
		if (open && close && close > open &&
		    sscanf(close + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d %*d %*d %*u %*u %lld",
			   &ut, &stt, &rss) == 3) {
			json_array_append_new(all, json_pack("{s:I, s:o, s:f, s:I}", "pid", (json_int_t)pid, "command",
							     inv_stringn(open + 1, (size_t)(close - open - 1)), "cpu_seconds",
							     (double)(ut + stt) / (double)(tick > 0 ? tick : 100), "rss_bytes",
							     (json_int_t)(rss * page)));
		}
		free(text);
	}
	if (d)
		closedir(d);
	return all;
}

static int cmp_cpu(const void *a, const void *b)
{
	double x = json_real_value(json_object_get(*(json_t *const *)a, "cpu_seconds"));
	double y = json_real_value(json_object_get(*(json_t *const *)b, "cpu_seconds"));
	return x < y ? 1 : x > y ? -1 : 0;
}

static int cmp_rss(const void *a, const void *b)
{
	json_int_t x = json_integer_value(json_object_get(*(json_t *const *)a, "rss_bytes"));
	json_int_t y = json_integer_value(json_object_get(*(json_t *const *)b, "rss_bytes"));
	return x < y ? 1 : x > y ? -1 : 0;
}

static json_t *top_by(json_t *all, int (*cmp)(const void *, const void *))
{
	size_t n = json_array_size(all);
	json_t **v = calloc(n + 1, sizeof(*v)), *out = json_array();
	for (size_t i = 0; v && i < n; i++)
		v[i] = json_array_get(all, i);
	if (v)
		qsort(v, n, sizeof(*v), cmp);
	for (size_t i = 0; v && i < n && i < DIAG_TOP; i++)
		json_array_append(out, v[i]);
	free(v);
	return out;
}

/* diagnostics: a snapshot for troubleshooting. */
static int kind_diagnostics(struct job_run *j)
{
	struct inv_ctx ctx = {.root = j->opts->root, .live = strcmp(j->opts->root, "/") == 0, .warnings = json_array()};
	char *text = NULL, *out = NULL;
	size_t len;
	json_t *res = json_pack("{s:n, s:n, s:n, s:n}", "load", "memory", "filesystems", "log_source");
	if (inv_read(&ctx, "proc/loadavg", 4096, &text, &len) == 0) {
		double l1, l5, l15;
		if (sscanf(text, "%lf %lf %lf", &l1, &l5, &l15) == 3)
			json_object_set_new(res, "load", json_pack("[f, f, f]", l1, l5, l15));
		free(text);
	}
	json_t *hw = NULL, *fs = NULL;
	if (inv_hardware(&ctx, &hw) == 0)
		json_object_set(res, "memory", json_object_get(hw, "memory"));
	json_decref(hw);
	if (inv_filesystems(&ctx, &fs) == 0)
		json_object_set_new(res, "filesystems", fs);
	char *systemctl[] = {"/usr/bin/systemctl", "list-units", "--state=failed", "--plain", "--no-legend",
			     "--no-pager", NULL};
	json_t *failed = json_array();
	if (inv_run(&ctx, systemctl, 65536, 5000, &out) == 0) {
		for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
			char unit[256];
			if (sscanf(line, "%255s", unit) == 1)
				json_array_append_new(failed, inv_string(unit));
		}
		free(out);
		out = NULL;
	}
	json_object_set_new(res, "failed_units", failed);
	/* The system journal, else syslog. */
	char lines[16];
	snprintf(lines, sizeof(lines), "%d", DIAG_JOURNAL_LINES);
	char *journal[] = {"/usr/bin/journalctl", "-n", lines, "--no-pager", "-q", NULL};
	if (inv_run(&ctx, journal, 256 * 1024, 10000, &out) == 0) {
		json_object_set_new(res, "log_source", json_string("journal"));
	} else if (inv_read(&ctx, "var/log/syslog", 64 * 1024 * 1024, &text, &len) == 0 ||
		   inv_read(&ctx, "var/log/messages", 64 * 1024 * 1024, &text, &len) == 0) {
		out = strdup(last_lines(text, len, DIAG_JOURNAL_LINES));
		free(text);
		json_object_set_new(res, "log_source", json_string("syslog"));
	}
	json_object_set_new(res, "log", inv_string(out ? out : ""));
	free(out);
	json_t *all = top_processes(&ctx);
	json_object_set_new(res, "top_cpu", top_by(all, cmp_cpu));
	json_object_set_new(res, "top_memory", top_by(all, cmp_rss));
	json_object_set_new(res, "processes", json_integer((json_int_t)json_array_size(all)));
	json_decref(all);
	json_object_set_new(res, "warnings", ctx.warnings);
	j->result = res;
	return 0;
}

/* command: an admin-approved command, through /bin/sh, with a timeout. */
static int kind_command(struct job_run *j)
{
	const char *cmd = json_string_value(json_object_get(j->params, "command"));
	json_int_t timeout = json_integer_value(json_object_get(j->params, "timeout"));
	struct proc_result res;
	if (!cmd)
		return err_set(-EINVAL, "command job without a command");
	char *argv[] = {"/bin/sh", "-c", (char *)cmd, NULL};
	int r = proc_run(argv, JOBS_OUTPUT_MAX, (int)(timeout > 0 ? timeout : JOBS_TIMEOUT_DEFAULT) * 1000, true, &res);
	if (r < 0)
		return r;
	j->output = res.output;
	j->exit_code = res.exit_code;
	j->has_exit = true;
	j->failed = res.exit_code != 0 || res.timed_out;
	j->result = json_pack("{s:b, s:b}", "timed_out", res.timed_out, "truncated", res.truncated);
	return 0;
}

/* install: a software request's packages (agent_install.c). */
static int kind_install(struct job_run *j)
{
	struct agent_install_result res = {0};
	int r = agent_install(j->opts->root, j->params, &res);
	if (r < 0)
		return r;
	j->output = res.output;
	j->exit_code = res.exit_code;
	j->has_exit = true;
	j->failed = res.failed;
	j->result = res.result;
	return 0;
}

static const struct {
	const char *kind;
	int (*fn)(struct job_run *j);
} job_kinds[] = {
	{"inventory", kind_inventory},
	{"diagnostics", kind_diagnostics},
	{"command", kind_command},
	{"backup", kind_backup},
	{"drill", kind_drill},
	{"install", kind_install},
	{"upgrade", kind_upgrade},
};

/* Seen nonces with their expiry; expired ones are forgotten. */
static int nonce_check_and_record(const char *state_dir, const char *nonce, int64_t expires, int64_t now)
{
	char path[4200], *text = NULL;
	size_t len;
	json_t *seen = NULL;
	int r = fs_join(path, sizeof(path), state_dir, NONCE_FILE);
	if (r < 0)
		return r;
	if (fs_read_file(path, 16 * 1024 * 1024, &text, &len) == 0)
		seen = json_loadb(text, len, 0, NULL);
	free(text);
	if (!json_is_object(seen)) {
		json_decref(seen);
		seen = json_object();
	}
	if (json_object_get(seen, nonce)) {
		json_decref(seen);
		return err_set(-EPERM, "job was already received (replayed nonce)");
	}
	const char *k;
	json_t *v, *tmp;
	json_object_foreach_safe(seen, tmp, k, v)
		if (json_integer_value(v) <= now)
			json_object_del(seen, k);
	json_object_set_new(seen, nonce, json_integer(expires));
	char *out = json_dumps(seen, JSON_COMPACT);
	r = out ? fs_write_atomic(path, out, strlen(out), 0600) : -ENOMEM;
	free(out);
	json_decref(seen);
	return r;
}

static int post_result(const struct agent_state *st, json_int_t id, json_t *body)
{
	char path[96];
	long status = 0;
	json_t *reply = NULL;
	snprintf(path, sizeof(path), "/api/v1/agent/jobs/%lld/result", (long long)id);
	int r = httpc_json(&st->http, "POST", path, body, st->credential, &status, &reply);
	if (r == 0 && status != 200)
		r = err_set(-EBADMSG, "server did not take the result of job %lld (%ld): %s", (long long)id, status,
			    json_string_value(json_object_get(reply, "error")) ?: "no reason");
	json_decref(reply);
	return r;
}

/* Verifies and runs one job from the server, and posts its result. */
static int run_one(const struct agent_state *st, const char *state_dir, const struct agent_run_opts *o,
		   const json_t *entry)
{
	const char *payload = json_string_value(json_object_get(entry, "payload"));
	const char *sig = json_string_value(json_object_get(entry, "signature"));
	json_t *job = NULL, *body = NULL;
	int64_t now = time_now();
	json_int_t id = 0;
	int r = jobs_verify(st->server_key, st->host_id, payload, sig, now, &job);
	if (r == 0)
		r = nonce_check_and_record(state_dir, json_string_value(json_object_get(job, "nonce")),
					   json_integer_value(json_object_get(job, "expires_at")), now);
	/* The id is trusted only from a verified payload; a refusal names what the payload says. */
	json_t *claimed = payload ? json_loads(payload, 0, NULL) : NULL;
	id = json_integer_value(json_object_get(job ? job : claimed, "id"));
	json_decref(claimed);
	if (r < 0) {
		log_warnx("refused job %lld: %s", (long long)id, err_msg(r));
		body = json_pack("{s:s, s:s}", "status", "refused", "reason", err_msg(r));
		if (id > 0)
			post_result(st, id, body);
		json_decref(body);
		json_decref(job);
		return 0;
	}
	const char *kind = json_string_value(json_object_get(job, "kind"));
	struct job_run j = {.st = st, .state_dir = state_dir, .opts = o, .params = json_object_get(job, "params")};
	r = -ENOSYS;
	for (size_t i = 0; i < sizeof(job_kinds) / sizeof(job_kinds[0]); i++)
		if (kind && strcmp(job_kinds[i].kind, kind) == 0)
			r = job_kinds[i].fn(&j);
	if (r == -ENOSYS)
		err_set(r, "this agent does not know job kind '%s'", kind ? kind : "");
	log_infox("job %lld (%s): %s", (long long)id, kind ? kind : "?", r < 0 ? err_msg(r) : j.failed ? "failed" : "done");
	body = json_pack("{s:s}", "status", r < 0 || j.failed ? "failed" : "done");
	if (j.has_exit)
		json_object_set_new(body, "exit_code", json_integer(j.exit_code));
	if (j.output)
		json_object_set_new(body, "output", inv_string(j.output));
	else if (r < 0)
		json_object_set_new(body, "output", json_string(err_msg(r)));
	if (j.result)
		json_object_set_new(body, "result", j.result);
	r = post_result(st, id, body);
	if (r < 0)
		log_warnx("%s", err_msg(r));
	json_decref(body);
	free(j.output);
	json_decref(job);
	return 0;
}

int agent_jobs_poll(const char *state_dir, const struct agent_run_opts *o, int wait_s, int *ret_ran)
{
	struct agent_state st;
	char path[64];
	long status = 0;
	json_t *reply = NULL;
	int r = agent_state_load(state_dir, &st);
	if (r < 0)
		return r;
	*ret_ran = 0;
	snprintf(path, sizeof(path), "/api/v1/agent/jobs?wait=%d", wait_s);
	st.http.timeout_s = wait_s + 30;
	r = httpc_json(&st.http, "GET", path, NULL, st.credential, &status, &reply);
	if (r == 0 && status != 200)
		r = status == 401 ? err_set(-EACCES, "server refused this host's credential")
				  : err_set(-EHOSTUNREACH, "server answered %ld to the job poll", status);
	if (r == 0) {
		size_t i;
		json_t *entry;
		json_array_foreach(json_object_get(reply, "jobs"), i, entry) {
			run_one(&st, state_dir, o, entry);
			(*ret_ran)++;
		}
	}
	json_decref(reply);
	explicit_bzero(st.credential, sizeof(st.credential));
	return r;
}
