/*
 * agent.c: enrollment, the state directory, and the report cycle (see agent.h).
 */
#include "agent/agent.h"

#include "agent/agent_state.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/crypto.h"
#include "core/err.h"
#include "core/fs.h"
#include "core/httpc.h"
#include "core/json.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "inventory/inventory.h"

#define STATE_FILE "agent.json"
#define CREDENTIAL_FILE "credential"
#define ACKED_FILE "acked.json"
#define CA_FILE "server-ca.pem"

int agent_state_default(char *out, size_t size)
{
	const char *env = getenv("WARD_AGENT_STATE"), *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	int n;
	if (env && *env)
		n = snprintf(out, size, "%s", env);
	else if (geteuid() == 0)
		n = snprintf(out, size, "/var/lib/ward-agent");
	else if (xdg && *xdg)
		n = snprintf(out, size, "%s/ward-agent", xdg);
	else if (home && *home)
		n = snprintf(out, size, "%s/.local/state/ward-agent", home);
	else
		return err_set(-EINVAL, "cannot tell the agent's state directory; give --state DIR");
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static int write_json(const char *dir, const char *name, const json_t *v)
{
	char path[4200];
	char *text = json_dumps(v, JSON_INDENT(2));
	int r = text ? fs_join(path, sizeof(path), dir, name) : -ENOMEM;
	if (r == 0)
		r = fs_write_atomic(path, text, strlen(text), 0600);
	free(text);
	return r;
}

static int read_json(const char *dir, const char *name, json_t **ret)
{
	char path[4200], *text;
	size_t len;
	int r = fs_join(path, sizeof(path), dir, name);
	if (r < 0 || (r = fs_read_file(path, 1 << 20, &text, &len)) < 0)
		return r;
	*ret = json_loadb(text, len, 0, NULL);
	free(text);
	return *ret ? 0 : err_set(-EBADMSG, "'%s' is damaged", path);
}

int agent_state_load(const char *dir, struct agent_state *st)
{
	json_t *j;
	char path[4200], *cred;
	size_t len;
	memset(st, 0, sizeof(*st));
	int r = read_json(dir, STATE_FILE, &j);
	if (r == -ENOENT)
		return err_set(-ENOENT, "this machine is not enrolled (no state in '%s'); run 'ward agent enroll'", dir);
	if (r < 0)
		return r;
	snprintf(st->server, sizeof(st->server), "%s", json_string_value(json_object_get(j, "server")) ?: "");
	snprintf(st->host_id, sizeof(st->host_id), "%s", json_string_value(json_object_get(j, "host_id")) ?: "");
	snprintf(st->pin, sizeof(st->pin), "%s", json_string_value(json_object_get(j, "pin")) ?: "");
	snprintf(st->server_key, sizeof(st->server_key), "%s", json_string_value(json_object_get(j, "server_key")) ?: "");
	bool has_ca = json_is_true(json_object_get(j, "ca"));
	json_decref(j);
	if (!st->server[0] || !st->host_id[0])
		return err_set(-EBADMSG, "agent state in '%s' is damaged; enroll again", dir);
	if ((r = fs_join(path, sizeof(path), dir, CREDENTIAL_FILE)) < 0 || (r = fs_read_file(path, 200, &cred, &len)) < 0)
		return r;
	while (len && (cred[len - 1] == '\n' || cred[len - 1] == '\r'))
		cred[--len] = '\0';
	snprintf(st->credential, sizeof(st->credential), "Bearer %s", cred);
	explicit_bzero(cred, len);
	free(cred);
	if (has_ca && (r = fs_join(st->ca_path, sizeof(st->ca_path), dir, CA_FILE)) < 0)
		return r;
	st->http = (struct httpc_config){.server = st->server,
					 .ca_file = st->ca_path[0] ? st->ca_path : NULL,
					 .pubkey_sha256 = st->pin[0] ? st->pin : NULL};
	return 0;
}

/* The error message from a server reply, or a fallback. */
static const char *reply_error(const json_t *body, const char *fallback)
{
	const char *e = json_string_value(json_object_get(body, "error"));
	return e ? e : fallback;
}

int agent_enroll(const char *state_dir, const struct agent_enroll_opts *o, char ret_host_id[33])
{
	char path[4200], pin[128] = "", host[256];
	struct stat st;
	json_t *body = NULL, *reply = NULL, *state = NULL;
	long status = 0;
	int r;
	if (fs_join(path, sizeof(path), state_dir, STATE_FILE) == 0 && stat(path, &st) == 0)
		return err_set(-EEXIST, "this machine is already enrolled (state in '%s'); remove it to enroll again",
			       state_dir);
	if (strncmp(o->server, "https://", 8) != 0 && strncmp(o->server, "http://", 7) != 0)
		return err_set(-EINVAL, "server '%s' must be an http:// or https:// URL", o->server);
	if (strncmp(o->server, "https://", 8) == 0 && !o->ca_file && !o->fingerprint)
		return err_set(-EINVAL, "give --ca-cert or --fingerprint so the agent can pin the server");
	if (o->fingerprint && (r = httpc_pin_parse(o->fingerprint, pin, sizeof(pin))) < 0)
		return r;
	if (o->hostname)
		snprintf(host, sizeof(host), "%s", o->hostname);
	else if (gethostname(host, sizeof(host)) < 0)
		snprintf(host, sizeof(host), "unknown");
	struct httpc_config hc = {.server = o->server, .ca_file = o->ca_file, .pubkey_sha256 = pin[0] ? pin : NULL};
	body = json_pack("{s:s, s:s}", "token", o->token, "hostname", host);
	if (!body)
		return -ENOMEM;
	r = httpc_json(&hc, "POST", "/api/v1/agent/enroll", body, NULL, &status, &reply);
	if (r < 0)
		goto out;
	if (status != 201) {
		r = err_set(status == 401 ? -EACCES : -EINVAL, "server refused the enrollment (%ld): %s", status,
			    reply_error(reply, "no reason given"));
		goto out;
	}
	const char *id = json_string_value(json_object_get(reply, "host_id"));
	const char *cred = json_string_value(json_object_get(reply, "credential"));
	const char *skey = json_string_value(json_object_get(reply, "server_key"));
	if (!id || strlen(id) != 32 || !cred || !skey || strlen(skey) != 64) {
		r = err_set(-EBADMSG, "server's enrollment reply is not valid");
		goto out;
	}
	if ((r = fs_mkdir_p(state_dir, 0700)) < 0)
		goto out;
	chmod(state_dir, 0700);
	if (o->ca_file) {
		char *ca;
		size_t len;
		if ((r = fs_read_file(o->ca_file, 1 << 20, &ca, &len)) < 0)
			goto out;
		r = fs_join(path, sizeof(path), state_dir, CA_FILE);
		if (r == 0)
			r = fs_write_atomic(path, ca, len, 0600);
		free(ca);
		if (r < 0)
			goto out;
	}
	if ((r = fs_join(path, sizeof(path), state_dir, CREDENTIAL_FILE)) < 0 ||
	    (r = fs_write_atomic(path, cred, strlen(cred), 0600)) < 0)
		goto out;
	state = json_pack("{s:s, s:s, s:s, s:b, s:s, s:s, s:o}", "server", o->server, "host_id", id, "hostname", host,
			  "ca", o->ca_file != NULL, "pin", pin, "server_key", skey, "enrolled_at", json_time(time_now()));
	/* The state file goes last: its presence means "enrolled". */
	if ((r = write_json(state_dir, STATE_FILE, state)) < 0)
		goto out;
	snprintf(ret_host_id, 33, "%s", id);
out:
	json_decref(body);
	json_decref(reply);
	json_decref(state);
	return r;
}

/* Digests of every section: SHA-256 of its canonical JSON. */
static json_t *digests_of(const json_t *sections)
{
	json_t *d = json_object();
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)sections, key, v) {
		char hex[65];
		unsigned char h[32];
		if (json_canonical_sha256(v, h) < 0) {
			json_decref(d);
			return NULL;
		}
		crypto_hex(h, 32, hex);
		json_object_set_new(d, key, json_string(hex));
	}
	return d;
}

/* A report carrying the sections whose digest is not in acked, or those in only. */
static json_t *report_make(const json_t *inv, const json_t *digests, const json_t *acked, const json_t *only,
			   int64_t interval, int *ret_sent)
{
	json_t *sections = json_object(), *all = json_object_get(inv, "sections");
	const char *key;
	json_t *v;
	*ret_sent = 0;
	json_object_foreach((json_t *)digests, key, v) {
		bool send;
		if (only) {
			send = false;
			size_t i;
			json_t *n;
			json_array_foreach(only, i, n)
				send = send || strcmp(json_string_value(n), key) == 0;
		} else {
			const char *have = json_string_value(json_object_get(acked, key));
			send = !have || strcmp(have, json_string_value(v)) != 0;
		}
		if (send) {
			json_object_set(sections, key, json_object_get(all, key));
			(*ret_sent)++;
		}
	}
	return json_pack("{s:s, s:O, s:I, s:O, s:o, s:O}", "agent_version", WARD_VERSION, "collected_at",
			 json_object_get(inv, "collected_at"), "interval", (json_int_t)interval, "digests", digests,
			 "sections", sections, "warnings", json_object_get(inv, "warnings"));
}

/* Sends one report. 0 and *ret_reply on 200; -EHOSTUNREACH when unreachable (keep it);
 * -EACCES when the credential is refused; -EBADMSG when the server rejects the report
 * itself (it will never be accepted). */
static int deliver(const struct agent_state *st, const json_t *report, json_t **ret_reply)
{
	long status = 0;
	json_t *reply = NULL;
	int r = httpc_json(&st->http, "POST", "/api/v1/agent/report", report, st->credential, &status, &reply);
	if (r == -EPERM || r == -EHOSTUNREACH || r < 0) {
		json_decref(reply);
		return r == -EPERM ? r : err_set(-EHOSTUNREACH, "%s", err_msg(r));
	}
	if (status == 200) {
		*ret_reply = reply;
		return 0;
	}
	r = status == 401 ? err_set(-EACCES, "server refused this host's credential: %s", reply_error(reply, "401"))
	    : status >= 500 || status == 429 || status == 503
		? err_set(-EHOSTUNREACH, "server answered %ld: %s", status, reply_error(reply, "try later"))
		: err_set(-EBADMSG, "server rejected the report (%ld): %s", status, reply_error(reply, "no reason"));
	json_decref(reply);
	return r;
}

/* After the server took a report: its digests are acknowledged, but for what it needs. */
static void ack(json_t *acked, const json_t *report, const json_t *reply)
{
	const char *key;
	json_t *v;
	json_object_foreach(json_object_get(report, "digests"), key, v)
		json_object_set(acked, key, v);
	size_t i;
	json_array_foreach(json_object_get(reply, "need"), i, v)
		json_object_del(acked, json_string_value(v));
}

int agent_cycle(const char *state_dir, const struct agent_run_opts *o, struct agent_cycle *ret)
{
	struct agent_state st;
	json_t *inv = NULL, *digests = NULL, *acked = NULL, *report = NULL, *reply = NULL;
	char path[4200];
	int r;
	memset(ret, 0, sizeof(*ret));
	if ((r = agent_state_load(state_dir, &st)) < 0)
		return r;
	if (read_json(state_dir, ACKED_FILE, &acked) < 0 || !json_is_object(acked)) {
		json_decref(acked);
		acked = json_object();
	}
	if ((r = inventory_collect_cached(o->root, state_dir, &inv)) < 0)
		goto out;
	if (!(digests = digests_of(json_object_get(inv, "sections")))) {
		r = -ENOMEM;
		goto out;
	}

	/* The spool first, oldest first, so the server sees changes in order. */
	for (;;) {
		json_t *old;
		r = agent_spool_oldest(state_dir, path, sizeof(path), &old);
		if (r == -ENOENT)
			break;
		if (r == -EBADMSG) {
			log_warnx("%s", err_msg(r));
			continue;
		}
		if (r < 0)
			goto out;
		r = deliver(&st, old, &reply);
		if (r == 0) {
			ack(acked, old, reply);
			unlink(path);
			ret->delivered++;
		} else if (r == -EBADMSG) {
			char bad[4300];
			snprintf(bad, sizeof(bad), "%s.rejected", path);
			rename(path, bad);
			log_warnx("spooled report set aside: %s", err_msg(r));
		}
		json_decref(old);
		json_decref(reply);
		reply = NULL;
		if (r == -EHOSTUNREACH || r == -EACCES || r == -EPERM)
			break;
	}

	report = report_make(inv, digests, acked, NULL, o->interval, &ret->sections_sent);
	if (!report) {
		r = -ENOMEM;
		goto out;
	}
	if (r == 0 || r == -ENOENT || r == -EBADMSG)
		r = deliver(&st, report, &reply);
	if (r == 0) {
		ret->delivered++;
		ack(acked, report, reply);
		json_t *need = json_object_get(reply, "need");
		if (json_array_size(need) > 0) {
			/* The server lost what we thought it had: send those sections now. */
			json_t *again = report_make(inv, digests, acked, need, o->interval, &ret->sections_sent);
			json_decref(reply);
			reply = NULL;
			r = again ? deliver(&st, again, &reply) : -ENOMEM;
			if (r == 0)
				ack(acked, again, reply);
			json_decref(again);
		}
	}
	if (r == -EHOSTUNREACH) {
		bool warn;
		int64_t dropped;
		ret->unreachable = true;
		log_warnx("%s; keeping the report in the spool", err_msg(r));
		if ((r = agent_spool_put(state_dir, report, &warn, &dropped)) < 0)
			goto out;
		/* The spooled report carries these sections: count them as on their way. */
		ack(acked, report, NULL);
		if (dropped)
			log_warnx("spool full: dropped the %lld oldest report(s)", (long long)dropped);
		else if (warn)
			log_warnx("spool is over %d%% full (%d reports or %d MiB at most)", AGENT_SPOOL_WARN_PERCENT,
				  AGENT_SPOOL_MAX_FILES, AGENT_SPOOL_MAX_BYTES >> 20);
	}
	if (r == 0 || ret->unreachable)
		r = write_json(state_dir, ACKED_FILE, acked);
out:
	if (r == 0) {
		int64_t bytes;
		agent_spool_count(state_dir, &ret->spooled, &bytes);
	}
	json_decref(inv);
	json_decref(digests);
	json_decref(acked);
	json_decref(report);
	json_decref(reply);
	explicit_bzero(st.credential, sizeof(st.credential));
	return r;
}

/* A fixed offset into the interval for this host, so a fleet that boots at once does
 * not report at once. */
static int64_t splay_of(const char *host_id, int64_t interval)
{
	unsigned char h[32];
	crypto_sha256(host_id, strlen(host_id), h);
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | h[i];
	return interval > 0 ? (int64_t)(v % (uint64_t)interval) : 0;
}

/* Sleeps seconds, or until SIGTERM/SIGINT (then returns true). */
static bool sleep_or_signal(const sigset_t *set, int64_t seconds)
{
	struct timespec ts = {.tv_sec = seconds, .tv_nsec = 0};
	for (;;) {
		int sig = sigtimedwait(set, NULL, &ts);
		if (sig == SIGTERM || sig == SIGINT)
			return true;
		if (sig < 0 && errno == EINTR)
			continue;
		return false;
	}
}

int agent_run(const char *state_dir, const struct agent_run_opts *o)
{
	struct agent_state st;
	struct agent_cycle c;
	int r = agent_state_load(state_dir, &st);
	if (r < 0)
		return r;
	explicit_bzero(st.credential, sizeof(st.credential));
	if (o->once) {
		int ran = 0;
		r = agent_cycle(state_dir, o, &c);
		if (r == 0)
			log_infox("report %s: %d section(s) sent, %d delivered, %d in the spool",
				  c.unreachable ? "spooled" : "delivered", c.sections_sent, c.delivered, c.spooled);
		/* Jobs waiting for this host run now too; an unreachable server is no error here. */
		if (r == 0 && !c.unreachable && agent_jobs_poll(state_dir, o, 0, &ran) == -EACCES)
			r = -EACCES;
		return r;
	}
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	int64_t splay = splay_of(st.host_id, o->interval);
	log_infox("reporting to %s every %llds (first in %llds); waiting for jobs in between", st.server,
		  (long long)o->interval, (long long)splay);
	int64_t next = time_mono_us() / 1000000 + splay;
	for (;;) {
		int64_t now = time_mono_us() / 1000000;
		if (now >= next) {
			r = agent_cycle(state_dir, o, &c);
			if (r == -EACCES || r == -ENOENT)
				return r; /* no point retrying a refused or missing enrollment */
			if (r < 0)
				log_warnx("report failed: %s", err_msg(r));
			else
				log_infox("report %s: %d section(s), %d in the spool", c.unreachable ? "spooled" : "delivered",
					  c.sections_sent, c.spooled);
			next = now + o->interval;
			continue;
		}
		/* Until the next report: wait for jobs, in long polls. */
		int64_t left = next - now;
		int ran = 0;
		r = agent_jobs_poll(state_dir, o, (int)(left < JOBS_POLL_WAIT ? left : JOBS_POLL_WAIT), &ran);
		if (r == -EACCES)
			return r;
		/* A server that is away: wait a while rather than spin. */
		if ((r < 0 && sleep_or_signal(&set, left < 30 ? left : 30)) || sleep_or_signal(&set, 0))
			return 0;
	}
}
