/*
 * http.c: the libmicrohttpd server: request life cycle, body limits, replies, static
 * files of the embedded web UI, the access log, and a graceful stop on SIGTERM.
 */
#include "core/http.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/embed.h"
#include "core/err.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/router.h"
#include "core/timeutil.h"

/*
 * libmicrohttpd is opened when the server starts (mhd_load), not linked: it brings
 * GnuTLS and its kin, about 3 MB of resident memory, into every process that links it,
 * and the agent and the CLI never serve HTTP. Every call goes through this table.
 * WARD_MHD_SONAME comes from the build (meson.build reads it off the library).
 */
#define MHD_CALLS(X)                                                                                             \
	X(MHD_start_daemon) X(MHD_stop_daemon) X(MHD_quiesce_daemon) X(MHD_get_daemon_info)                      \
	X(MHD_get_connection_info) X(MHD_lookup_connection_value) X(MHD_suspend_connection)                      \
	X(MHD_resume_connection) X(MHD_create_response_from_buffer) X(MHD_add_response_header)                   \
	X(MHD_destroy_response) X(MHD_queue_response) X(MHD_create_response_from_fd)

static struct {
#define MHD_MEMBER(f) __typeof__(f) *f;
	MHD_CALLS(MHD_MEMBER)
#undef MHD_MEMBER
} mhd;

static int mhd_load(void)
{
	static void *lib;
	if (lib)
		return 0;
	void *h = dlopen(WARD_MHD_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return err_set(-ENOENT, "cannot load libmicrohttpd: %s", dlerror());
#define MHD_RESOLVE(f)                                                                                           \
	if (!(*(void **)&mhd.f = dlsym(h, #f))) {                                                                \
		dlclose(h);                                                                                      \
		return err_set(-ENOENT, "%s has no %s: is it too old?", WARD_MHD_SONAME, #f);                    \
	}
	MHD_CALLS(MHD_RESOLVE)
#undef MHD_RESOLVE
	lib = h;
	return 0;
}

#define HTTP_HEADERS_MAX 8

struct http_req {
	struct MHD_Connection *conn;
	const char *method, *path;        /* borrowed from libmicrohttpd */
	char *body;                       /* request body, NUL-terminated */
	size_t body_len;
	json_t *json;                     /* body parsed by http_body_json */
	struct auth auth;                 /* who, once the router authenticated */
	const char *pnames[WARD_HTTP_ROUTE_PARAMS], *pvalues[WARD_HTTP_ROUTE_PARAMS];
	int nparams;
	char pscratch[WARD_HTTP_PATH_MAX + 1]; /* storage for pvalues */
	struct {
		char *name, *value;
	} headers[HTTP_HEADERS_MAX];
	int nheaders;
	struct MHD_Response *resp;        /* the reply, once made */
	bool resp_shared;                 /* resp is a shared static-file response */
	unsigned status;
	size_t resp_bytes;
	bool queued;                      /* the reply went to libmicrohttpd */
	size_t body_max;                  /* this route's body limit */
	bool parked;                      /* suspended by http_park, waiting to be called again */
	bool on_exec;                     /* being dispatched on an executor thread */
	bool exec_done;                   /* the executor made the reply: queue it when resumed */
	struct http_req *exec_next;       /* the executor's queue */
	int64_t park_until_us;            /* when the waker calls it again regardless */
	struct http_req *park_next;       /* the parked list */
	bool too_large;                   /* body over the limit: discarding the rest */
	size_t discarded;                 /* bytes of body dropped so far */
	int64_t start_us;
	char addr[INET6_ADDRSTRLEN];
};

/* An embedded file, ready to send. */
struct http_static {
	const char *path; /* "/app.js" */
	struct MHD_Response *resp;
	size_t size;
};

static struct {
	bool tls;
	atomic_bool stopping;
	pthread_mutex_t park_lock;
	struct http_req *parked;          /* parked requests, a list through park_next */
	atomic_bool wake;
	bool (*changed)(void);
	int access_log_fd;
	atomic_int inflight;
	struct http_static *statics;
	size_t nstatics;
} http;

/*
 * The executor: API requests that change something run on these threads, not on
 * libmicrohttpd's. Such a request waits (for the write lock, for its commit to reach
 * the disk), and while it waits on a libmicrohttpd worker, every other connection that
 * worker serves waits too; and libmicrohttpd hands a burst of new connections to
 * whichever worker wakes first, up to ten at a time. So the connection is suspended
 * while its request runs here, and resumed to send the reply. Reads stay on the
 * workers: suspending and resuming costs more than a short read takes (half of
 * bench/http's requests a second).
 */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct http_req *head, **tail; /* requests waiting for a thread */
	pthread_t *threads;
	unsigned n;                    /* threads running */
	bool stop;
} exec = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER, .tail = &exec.head};

static const char *const security_headers[][2] = {
	{"X-Content-Type-Options", "nosniff"},
	{"X-Frame-Options", "DENY"},
	{"Referrer-Policy", "no-referrer"},
};

int http_parse_listen(const char *text, void *ret_sockaddr, size_t *ret_len, bool *ret_loopback)
{
	char host[256];
	const char *port_text;
	if (!text || !*text)
		return err_set(-EINVAL, "listen address is empty");
	if (text[0] == '[') {
		const char *end = strchr(text, ']');
		if (!end || end[1] != ':' || (size_t)(end - text - 1) >= sizeof(host))
			return err_set(-EINVAL, "listen address '%s' is not valid: use [ADDRESS]:PORT", text);
		memcpy(host, text + 1, (size_t)(end - text - 1));
		host[end - text - 1] = '\0';
		port_text = end + 2;
	} else {
		const char *colon = strrchr(text, ':');
		if (!colon || (size_t)(colon - text) >= sizeof(host))
			return err_set(-EINVAL, "listen address '%s' is not valid: use ADDRESS:PORT", text);
		memcpy(host, text, (size_t)(colon - text));
		host[colon - text] = '\0';
		port_text = colon + 1;
		if (strchr(host, ':'))
			return err_set(-EINVAL, "listen address '%s' is not valid: write IPv6 as [ADDRESS]:PORT", text);
	}
	int64_t port;
	if (port_text[0] < '0' || port_text[0] > '9' || parse_int64(port_text, 0, 65535, &port) < 0)
		return err_set(-EINVAL, "listen address '%s' has no valid port (0 to 65535)", text);
	if (strcmp(host, "localhost") == 0)
		snprintf(host, sizeof(host), "127.0.0.1");
	if (host[0] == '\0')
		snprintf(host, sizeof(host), "0.0.0.0");
	struct sockaddr_in v4 = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	struct sockaddr_in6 v6 = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port)};
	if (inet_pton(AF_INET, host, &v4.sin_addr) == 1) {
		memcpy(ret_sockaddr, &v4, sizeof(v4));
		*ret_len = sizeof(v4);
		*ret_loopback = (ntohl(v4.sin_addr.s_addr) >> 24) == 127;
		return 0;
	}
	if (inet_pton(AF_INET6, host, &v6.sin6_addr) == 1) {
		memcpy(ret_sockaddr, &v6, sizeof(v6));
		*ret_len = sizeof(v6);
		*ret_loopback = IN6_IS_ADDR_LOOPBACK(&v6.sin6_addr);
		return 0;
	}
	return err_set(-EINVAL, "listen address '%s' is not an IP address (or localhost)", text);
}

/* --- request accessors --- */

const char *http_method(const struct http_req *req) { return req->method; }
const char *http_path(const struct http_req *req) { return req->path; }
const char *http_client_addr(const struct http_req *req) { return req->addr; }
bool http_is_tls(const struct http_req *req) { return http.tls; }
const struct auth *http_auth(const struct http_req *req) { return &req->auth; }
struct auth *http_auth_mut(struct http_req *req) { return &req->auth; }

const char *http_header(const struct http_req *req, const char *name)
{
	return mhd.MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *http_query(const struct http_req *req, const char *name)
{
	return mhd.MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *http_cookie(const struct http_req *req, const char *name)
{
	return mhd.MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, name);
}

const char *http_param(const struct http_req *req, const char *name)
{
	for (int i = 0; i < req->nparams; i++)
		if (strcmp(req->pnames[i], name) == 0)
			return req->pvalues[i];
	return NULL;
}

int http_body_json(struct http_req *req, json_t **ret)
{
	if (!req->json) {
		int r = json_parse_object(req->body ? req->body : "", req->body_len, &req->json);
		if (r < 0)
			return r;
	}
	*ret = req->json;
	return 0;
}

int http_query_int(const struct http_req *req, const char *name, int64_t min, int64_t max, int64_t *ret)
{
	const char *v = http_query(req, name);
	if (!v || !*v)
		return 0;
	if (parse_int64(v, min, max, ret) < 0)
		return err_set(-EINVAL, "%s must be a number between %lld and %lld", name, (long long)min,
			       (long long)max);
	return 0;
}

int http_body(const struct http_req *req, const char **ret, size_t *ret_len)
{
	*ret = req->body ? req->body : "";
	*ret_len = req->body_len;
	return 0;
}

/* For the router: where captures go. */
void http_req_params(struct http_req *req, const char ***names, const char ***values, char **scratch,
		     size_t *scratch_size, int **n);
void http_req_params(struct http_req *req, const char ***names, const char ***values, char **scratch,
		     size_t *scratch_size, int **n)
{
	*names = req->pnames;
	*values = req->pvalues;
	*scratch = req->pscratch;
	*scratch_size = sizeof(req->pscratch);
	*n = &req->nparams;
}

/* --- long polling --- */

static void park_add(struct http_req *req)
{
	pthread_mutex_lock(&http.park_lock);
	req->park_next = http.parked;
	http.parked = req;
	pthread_mutex_unlock(&http.park_lock);
}

/* On an executor thread the connection is suspended already, and the request joins the
 * parked list only once its handler has returned (exec_main): the waker must not resume
 * it while a thread still runs it. */
int http_park(struct http_req *req, int64_t wait_ms)
{
	req->parked = true;
	req->park_until_us = req->start_us + wait_ms * 1000;
	if (!req->on_exec) {
		mhd.MHD_suspend_connection(req->conn);
		park_add(req);
	}
	return 0;
}

bool http_waited(const struct http_req *req, int64_t wait_ms)
{
	return atomic_load(&http.stopping) || time_mono_us() - req->start_us >= wait_ms * 1000;
}

void http_wake(void)
{
	atomic_store(&http.wake, true);
}

/* Resumes parked requests: all, or those whose wait is over. */
static void park_resume(bool all)
{
	struct http_req **pp, *req;
	int64_t now = time_mono_us();
	pthread_mutex_lock(&http.park_lock);
	for (pp = &http.parked; (req = *pp);) {
		if (all || now >= req->park_until_us) {
			*pp = req->park_next;
			req->park_next = NULL;
			mhd.MHD_resume_connection(req->conn);
		} else {
			pp = &req->park_next;
		}
	}
	pthread_mutex_unlock(&http.park_lock);
}

/* The waker: wakes parked requests on http_wake() and on cfg->changed(), and those
 * whose wait is over, checking four times a second. */
static void *park_waker(void *arg)
{
	int ticks = 0;
	while (!atomic_load(&http.stopping)) {
		struct timespec ts = {0, 250 * 1000 * 1000};
		nanosleep(&ts, NULL);
		bool all = atomic_exchange(&http.wake, false);
		pthread_mutex_lock(&http.park_lock);
		bool any = http.parked != NULL;
		pthread_mutex_unlock(&http.park_lock);
		if (any && !all && http.changed && ++ticks % 4 == 0)
			all = http.changed();
		if (any)
			park_resume(all);
	}
	park_resume(true);
	return NULL;
}

/* --- replies --- */

int http_add_header(struct http_req *req, const char *name, const char *value)
{
	if (req->nheaders == HTTP_HEADERS_MAX)
		return -ENOSPC;
	req->headers[req->nheaders].name = strdup(name);
	req->headers[req->nheaders].value = strdup(value);
	if (!req->headers[req->nheaders].name || !req->headers[req->nheaders].value)
		return -ENOMEM;
	req->nheaders++;
	return 0;
}

int http_set_session_cookie(struct http_req *req, const char *value, int64_t max_age)
{
	char cookie[256];
	int n = snprintf(cookie, sizeof(cookie), "ward_session=%s; Path=/; Max-Age=%lld; HttpOnly; SameSite=Strict%s",
			 value ? value : "", (long long)(value ? max_age : 0), http.tls ? "; Secure" : "");
	if (n < 0 || (size_t)n >= sizeof(cookie))
		return -EINVAL;
	return http_add_header(req, "Set-Cookie", cookie);
}

static void reply_set(struct http_req *req, unsigned status, struct MHD_Response *resp, size_t bytes, bool shared)
{
	if (req->resp && !req->resp_shared)
		mhd.MHD_destroy_response(req->resp);
	req->resp = resp;
	req->resp_shared = shared;
	req->status = status;
	req->resp_bytes = bytes;
}

static void add_common_headers(struct MHD_Response *resp, const char *content_type)
{
	mhd.MHD_add_response_header(resp, "Content-Type", content_type);
	for (size_t i = 0; i < sizeof(security_headers) / sizeof(security_headers[0]); i++)
		mhd.MHD_add_response_header(resp, security_headers[i][0], security_headers[i][1]);
}

int http_reply_file(struct http_req *req, int fd, uint64_t size, const char *content_type)
{
	struct MHD_Response *resp = mhd.MHD_create_response_from_fd((size_t)size, fd);
	if (!resp) {
		close(fd);
		return -ENOMEM;
	}
	add_common_headers(resp, content_type);
	mhd.MHD_add_response_header(resp, "Cache-Control", "private, no-store");
	mhd.MHD_add_response_header(resp, "Content-Security-Policy", "default-src 'none'; sandbox");
	for (int i = 0; i < req->nheaders; i++)
		mhd.MHD_add_response_header(resp, req->headers[i].name, req->headers[i].value);
	reply_set(req, 200, resp, (size_t)size, false);
	return 0;
}

int http_reply_json(struct http_req *req, unsigned status, json_t *body)
{
	/* A NULL body is a json_pack that failed (out of memory): say so. */
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	size_t len = text ? strlen(text) : 0;
	if (!text) {
		status = 500;
		text = strdup("{\"error\":\"out of memory\"}");
		len = text ? strlen(text) : 0;
	}
	struct MHD_Response *resp = mhd.MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(text);
		return -ENOMEM;
	}
	add_common_headers(resp, "application/json; charset=utf-8");
	mhd.MHD_add_response_header(resp, "Cache-Control", "no-store");
	for (int i = 0; i < req->nheaders; i++)
		mhd.MHD_add_response_header(resp, req->headers[i].name, req->headers[i].value);
	reply_set(req, status, resp, len, false);
	return 0;
}

int http_reply_error(struct http_req *req, unsigned status, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		msg[0] = '\0';
	return http_reply_json(req, status, json_pack("{s:s}", "error", msg));
}

/* --- static files --- */

static const char *content_type_for(const char *name)
{
	static const char *const types[][2] = {
		{".html", "text/html; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"},
		{".css", "text/css; charset=utf-8"},   {".svg", "image/svg+xml"},
		{".png", "image/png"},                 {".ico", "image/x-icon"},
		{".json", "application/json"},         {".txt", "text/plain; charset=utf-8"},
	};
	const char *dot = strrchr(name, '.');
	for (size_t i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(dot, types[i][0]) == 0)
			return types[i][1];
	return "application/octet-stream";
}

static int statics_build(void)
{
	size_t n = 0;
	for (const struct embed_file *f = web_assets; f->name; f++)
		n++;
	http.statics = calloc(n + 1, sizeof(*http.statics));
	if (!http.statics)
		return -ENOMEM;
	for (const struct embed_file *f = web_assets; f->name; f++) {
		struct MHD_Response *resp = mhd.MHD_create_response_from_buffer(
			(size_t)f->size, (void *)f->data, MHD_RESPMEM_PERSISTENT);
		if (!resp)
			return -ENOMEM;
		add_common_headers(resp, content_type_for(f->name));
		mhd.MHD_add_response_header(resp, "Cache-Control", "no-cache");
		mhd.MHD_add_response_header(resp, "Content-Security-Policy",
					"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
					"connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
		char *path = malloc(strlen(f->name) + 2);
		if (!path)
			return -ENOMEM;
		path[0] = '/';
		memcpy(path + 1, f->name, strlen(f->name) + 1);
		http.statics[http.nstatics++] = (struct http_static){path, resp, (size_t)f->size};
	}
	return 0;
}

static void statics_free(void)
{
	for (size_t i = 0; i < http.nstatics; i++) {
		mhd.MHD_destroy_response(http.statics[i].resp);
		free((char *)http.statics[i].path);
	}
	free(http.statics);
	http.statics = NULL;
	http.nstatics = 0;
}

/* GET of a path outside /api/: an embedded file, "/" being index.html. */
static bool serve_static(struct http_req *req)
{
	const char *path = strcmp(req->path, "/") == 0 ? "/index.html" : req->path;
	for (size_t i = 0; i < http.nstatics; i++) {
		if (strcmp(http.statics[i].path, path) == 0) {
			reply_set(req, 200, http.statics[i].resp, http.statics[i].size, true);
			return true;
		}
	}
	return false;
}

/* --- request life cycle --- */

static void request_free(struct http_req *req)
{
	if (!req)
		return;
	if (req->resp && !req->resp_shared)
		mhd.MHD_destroy_response(req->resp);
	for (int i = 0; i < req->nheaders; i++) {
		free(req->headers[i].name);
		free(req->headers[i].value);
	}
	json_decref(req->json);
	free(req->body);
	free(req);
}

static void client_addr(struct http_req *req)
{
	const union MHD_ConnectionInfo *ci = mhd.MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	snprintf(req->addr, sizeof(req->addr), "-");
	if (!ci || !ci->client_addr)
		return;
	const struct sockaddr *sa = ci->client_addr;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, req->addr, sizeof(req->addr));
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, req->addr,
			  sizeof(req->addr));
}

static enum MHD_Result queue(struct http_req *req)
{
	if (!req->resp)
		http_reply_error(req, 500, "the request produced no reply");
	if (!req->resp)
		return MHD_NO;
	req->queued = true;
	return mhd.MHD_queue_response(req->conn, req->status, req->resp);
}

static void *exec_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&exec.lock);
	for (;;) {
		struct http_req *req = exec.head;
		if (!req) {
			if (exec.stop)
				break;
			pthread_cond_wait(&exec.cond, &exec.lock);
			continue;
		}
		exec.head = req->exec_next;
		if (!exec.head)
			exec.tail = &exec.head;
		pthread_mutex_unlock(&exec.lock);
		err_clear();
		router_dispatch(req);
		req->on_exec = false;
		if (req->parked) {
			park_add(req);
		} else {
			req->exec_done = true;
			mhd.MHD_resume_connection(req->conn);
		}
		pthread_mutex_lock(&exec.lock);
	}
	pthread_mutex_unlock(&exec.lock);
	return NULL;
}

/* Hands req to the executor, its connection suspended until the reply is made; false
 * (and nothing done) once the executor has stopped. */
static bool exec_submit(struct http_req *req)
{
	pthread_mutex_lock(&exec.lock);
	bool open = exec.n > 0 && !exec.stop;
	if (open) {
		req->on_exec = true;
		req->exec_next = NULL;
		mhd.MHD_suspend_connection(req->conn);
		*exec.tail = req;
		exec.tail = &req->exec_next;
		pthread_cond_signal(&exec.cond);
	}
	pthread_mutex_unlock(&exec.lock);
	return open;
}

static void exec_start(unsigned n)
{
	exec.stop = false;
	exec.threads = calloc(n, sizeof(*exec.threads));
	for (exec.n = 0; exec.threads && exec.n < n; exec.n++)
		if (pthread_create(&exec.threads[exec.n], NULL, exec_main, NULL) != 0)
			break;
}

/* The threads finish what is queued and end; later requests run on libmicrohttpd's
 * threads (exec_submit refuses them). */
static void exec_stop(void)
{
	pthread_mutex_lock(&exec.lock);
	exec.stop = true;
	pthread_cond_broadcast(&exec.cond);
	pthread_mutex_unlock(&exec.lock);
	for (unsigned i = 0; i < exec.n; i++)
		pthread_join(exec.threads[i], NULL);
	free(exec.threads);
	exec.threads = NULL;
	exec.n = 0;
}

/* Whether the client of a parked request has closed its end. Its handler must not run
 * again: the answer would go into a dead connection, and what it carries (an agent's
 * jobs, marked sent) would be lost. An agent killed or restarted while its poll waits
 * leaves such a request behind. */
static bool client_gone(struct http_req *req)
{
	const union MHD_ConnectionInfo *ci = mhd.MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	char c;
	if (!ci)
		return false;
	ssize_t n = recv(ci->connect_fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
	return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
				  const char *version, const char *upload_data, size_t *upload_size, void **con_cls)
{
	struct http_req *req = *con_cls;
	if (!req) {
		req = calloc(1, sizeof(*req));
		if (!req)
			return MHD_NO;
		req->conn = conn;
		req->method = method;
		req->path = url;
		req->start_us = time_mono_us();
		client_addr(req);
		*con_cls = req;
		atomic_fetch_add(&http.inflight, 1);
		if (strlen(url) > WARD_HTTP_PATH_MAX) {
			http_reply_error(req, 414, "request path is longer than %d bytes", WARD_HTTP_PATH_MAX);
			return queue(req);
		}
		req->body_max = router_body_max(method, url);
		const char *cl = mhd.MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
		int64_t clen;
		if (cl && parse_int64(cl, 0, INT64_MAX, &clen) == 0 && (uint64_t)clen > req->body_max) {
			http_reply_error(req, 413, "request body is larger than %zu bytes", req->body_max);
			return queue(req);
		}
		return MHD_YES;
	}
	if (*upload_size > 0) {
		if (req->queued) {
			*upload_size = 0; /* a reply is out already: drop the rest */
			return MHD_YES;
		}
		if (req->too_large || req->body_len + *upload_size > req->body_max) {
			/* A body without Content-Length that grew too large: libmicrohttpd can only
			 * reply once it has been read, so drop it up to a ceiling, then hang up. */
			req->too_large = true;
			req->discarded += *upload_size;
			*upload_size = 0;
			return req->discarded > WARD_HTTP_DISCARD_MAX ? MHD_NO : MHD_YES;
		}
		char *nb = realloc(req->body, req->body_len + *upload_size + 1);
		if (!nb)
			return MHD_NO;
		memcpy(nb + req->body_len, upload_data, *upload_size);
		req->body = nb;
		req->body_len += *upload_size;
		req->body[req->body_len] = '\0';
		*upload_size = 0;
		return MHD_YES;
	}
	if (req->queued)
		return MHD_YES;
	if (req->exec_done)
		return queue(req);
	if (req->parked) {
		/* Resumed: dispatch again from the start, unless the client is gone. */
		req->parked = false;
		req->nparams = 0;
		if (client_gone(req))
			return MHD_NO;
	}
	if (req->too_large) {
		http_reply_error(req, 413, "request body is larger than %zu bytes", req->body_max);
		return queue(req);
	}
	err_clear();
	bool is_get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
	if (strncmp(url, "/api/", 5) != 0 && is_get) {
		if (!serve_static(req))
			http_reply_error(req, 404, "no such page '%.200s'", url);
	} else if (!is_get && exec_submit(req)) {
		return MHD_YES;
	} else {
		router_dispatch(req);
	}
	if (req->parked)
		return MHD_YES;
	return queue(req);
}

/* The path as the access log shows it: at most 300 bytes, with control characters,
 * quotes and backslashes (which an escaped URL can carry) as \xNN, so one request is
 * always one line. */
static void log_path(const char *path, char *out, size_t size)
{
	size_t o = 0;
	for (const unsigned char *p = (const unsigned char *)path; *p && o + 5 < size && o < 300; p++) {
		if (*p < 0x20 || *p == 0x7f || *p == '"' || *p == '\\')
			o += (size_t)snprintf(out + o, size - o, "\\x%02x", *p);
		else
			out[o++] = (char)*p;
	}
	out[o] = '\0';
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	struct http_req *req = *con_cls;
	if (!req)
		return;
	if (http.access_log_fd >= 0) {
		char line[1024], iso[TIME_ISO_LEN], path[320];
		time_iso(time_now(), iso);
		log_path(req->path, path, sizeof(path));
		int64_t us = time_mono_us() - req->start_us;
		int n = snprintf(line, sizeof(line), "%s %s %s \"%s %s\" %u %zu %lld.%03lldms%s\n", iso, req->addr,
				 req->auth.user[0] ? req->auth.user : "-", req->method, path,
				 req->queued ? req->status : 0, req->resp_bytes, (long long)(us / 1000),
				 (long long)(us % 1000), toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " aborted");
		if (n > 0) {
			size_t len = (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;
			ssize_t w = write(http.access_log_fd, line, len);
			(void)w; /* the access log is best effort */
		}
	}
	request_free(req);
	*con_cls = NULL;
	atomic_fetch_sub(&http.inflight, 1);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	int n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n > 0) {
		size_t len = strlen(msg);
		while (len && msg[len - 1] == '\n')
			msg[--len] = '\0';
		log_warnx("http: %s", msg);
	}
}

int http_serve(const struct http_config *cfg, void (*on_ready)(const char *url))
{
	struct sockaddr_storage ss;
	size_t sslen;
	bool loopback;
	char *cert = NULL, *key = NULL;
	size_t cert_len, key_len;
	struct MHD_Daemon *d = NULL;
	int r = http_parse_listen(cfg->listen, &ss, &sslen, &loopback);
	if (r < 0)
		return r;
	if (!!cfg->tls_cert_file != !!cfg->tls_key_file)
		return err_set(-EINVAL, "--tls-cert and --tls-key go together");
	http.tls = cfg->tls_cert_file != NULL;
	if (!loopback && !http.tls && !cfg->insecure_listen)
		return err_set(-EPERM,
			       "refusing to listen on '%s' without TLS: give --tls-cert and --tls-key, or "
			       "--insecure-listen to accept plain HTTP off loopback",
			       cfg->listen);
	if (http.tls) {
		if ((r = fs_read_file(cfg->tls_cert_file, 1 << 20, &cert, &cert_len)) < 0 ||
		    (r = fs_read_file(cfg->tls_key_file, 1 << 20, &key, &key_len)) < 0)
			goto out;
	}
	if ((r = mhd_load()) < 0 || (r = statics_build()) < 0)
		goto out;
	http.access_log_fd = cfg->access_log_fd;
	unsigned threads = cfg->threads;
	if (threads == 0) {
		/* More threads than cores: a request waiting for its commit to reach the disk
		 * holds its thread, and the requests of the other threads meanwhile join that
		 * commit (store_batch, store_sync) instead of queueing behind it. As many for
		 * libmicrohttpd (reads) as for the executor (changes). */
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		threads = (unsigned)(n < 1 ? 1 : n) * WARD_HTTP_THREADS_PER_CPU;
		if (threads < WARD_HTTP_THREADS_MIN)
			threads = WARD_HTTP_THREADS_MIN;
	}

	/* Worker threads inherit this mask, so only sigwait below sees the signals. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	pthread_t waker;
	bool waker_started = false;
	pthread_mutex_init(&http.park_lock, NULL);
	http.changed = cfg->changed;
	atomic_store(&http.stopping, false);
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_USE_ERROR_LOG |
			 MHD_ALLOW_SUSPEND_RESUME |
			 MHD_USE_TURBO | (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0) | (http.tls ? MHD_USE_TLS : 0);
	d = mhd.MHD_start_daemon(flags, 0, NULL, NULL, on_request, NULL,
			     MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
			     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
			     MHD_OPTION_THREAD_POOL_SIZE, threads,
			     MHD_OPTION_CONNECTION_LIMIT, (unsigned)WARD_HTTP_CONN_MAX,
			     MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)WARD_HTTP_CONN_PER_IP,
			     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)WARD_HTTP_CONN_TIMEOUT,
			     MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)WARD_HTTP_CONN_MEMORY,
			     MHD_OPTION_STRICT_FOR_CLIENT, (int)1,
			     MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
			     http.tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, cert,
			     MHD_OPTION_HTTPS_MEM_KEY, key,
			     MHD_OPTION_END);
	if (!d) {
		r = err_set(-EADDRINUSE, "cannot listen on '%s' (address in use, or not allowed?)", cfg->listen);
		goto out;
	}
	const union MHD_DaemonInfo *di = mhd.MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	char host[INET6_ADDRSTRLEN + 2], url[128];
	if (ss.ss_family == AF_INET6) {
		char a[INET6_ADDRSTRLEN];
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, a, sizeof(a));
		snprintf(host, sizeof(host), "[%s]", a);
	} else {
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, host, sizeof(host));
	}
	snprintf(url, sizeof(url), "%s://%s:%u", http.tls ? "https" : "http", host, di ? di->port : 0);
	exec_start(threads);
	if (exec.n == 0) {
		r = err_set(-EAGAIN, "cannot start the request threads");
		goto out;
	}
	waker_started = pthread_create(&waker, NULL, park_waker, NULL) == 0;
	if (on_ready)
		on_ready(url);

	int sig = 0;
	while (sigwait(&set, &sig) != 0)
		;
	log_infox("received %s; finishing requests in flight", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	MHD_socket lfd = mhd.MHD_quiesce_daemon(d);
	if (lfd != MHD_INVALID_SOCKET)
		close(lfd);
	/* Parked long polls answer at once. */
	atomic_store(&http.stopping, true);
	if (waker_started) {
		pthread_join(waker, NULL);
		waker_started = false;
	}
	int64_t deadline = time_mono_us() + (int64_t)WARD_HTTP_DRAIN_SECONDS * 1000000;
	while (atomic_load(&http.inflight) > 0 && time_mono_us() < deadline) {
		struct timespec ts = {0, 20 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	r = 0;
out:
	atomic_store(&http.stopping, true);
	if (waker_started)
		pthread_join(waker, NULL);
	exec_stop();
	if (d)
		mhd.MHD_stop_daemon(d);
	statics_free();
	if (key)
		explicit_bzero(key, key_len);
	free(key);
	free(cert);
	return r;
}
