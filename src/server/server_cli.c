/*
 * server_cli.c: `ward init` (the data directory, its database and the first admin) and
 * `ward serve` (the web UI and API).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "accounts/accounts.h"
#include "accounts/accounts_api.h"
#include "actlog/actlog.h"
#include "catalog/catalog.h"
#include "commands.h"
#include "core/err.h"
#include "core/fs.h"
#include "core/http.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "dr/dr.h"
#include "helpdesk/helpdesk.h"
#include "jobs/jobs.h"
#include "jobs/jobs_api.h"
#include "server/server.h"
#include "upgrade/upgrade.h"

int cmd_init(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"admin", required_argument, NULL, 'a'},
					     {"admin-password-file", required_argument, NULL, 'p'},
					     {0, 0, 0, 0}};
	const char *admin = "admin", *pwfile = NULL;
	char password[WARD_PASSWORD_MAX + 1];
	struct store *s;
	struct user u;
	int c, r;
	while ((c = cli_getopt(cli, argc, argv, opts)) != -1) {
		switch (c) {
		case 'a': admin = optarg; break;
		case 'p': pwfile = optarg; break;
		case 'h': return cli_help(cli);
		default: return EXIT_USAGE;
		}
	}
	if ((r = cli_positionals(cli, argc, argv, 0)))
		return r;
	if (store_exists()) {
		/* Applies any pending migrations, and nothing else. */
		if ((r = cli_store(cli, &s)))
			return r;
		if (cli->json)
			cli_print_json(json_pack("{s:s, s:b}", "data", cli->data_dir, "created", 0));
		else
			printf("data directory '%s' is already initialised; nothing changed\n", cli->data_dir);
		return EXIT_OK;
	}
	if ((r = accounts_check_name("user name", admin)) < 0)
		return cli_fail(r);
	if (pwfile) {
		if ((r = cli_read_secret(pwfile, password, sizeof(password))) < 0)
			return cli_fail(r);
	} else {
		accounts_generate_password(password);
	}
	if ((r = accounts_check_password(admin, password)) < 0)
		goto fail;
	if ((r = fs_mkdir_p(cli->data_dir, 0700)) < 0 || (r = store_open(true, &s)) < 0)
		goto fail;
	if ((r = store_tx_begin(s)) < 0)
		goto fail;
	r = actlog_appendf(s, actlog_local_actor(), "system.init", "system", "{s:s, s:s}", "version", WARD_VERSION,
			   "admin", admin);
	if (r == 0)
		r = accounts_user_add(s, actlog_local_actor(), admin, ROLE_ADMIN, NULL, password, &u);
	if ((r = store_tx_end(s, r)) < 0) {
		/* Leave no half-made data directory behind. */
		char path[4096];
		store_release();
		static const char *const files[] = {"ward.db", "ward.db-wal", "ward.db-shm", ACTLOG_HEAD_FILE};
		for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
			if (fs_join(path, sizeof(path), cli->data_dir, files[i]) == 0)
				unlink(path);
		goto fail;
	}
	/* Ward's own database is backed up from the start. A failure here leaves a working
	 * Ward: `ward serve` tries again. */
	bool plan = false;
	if ((r = dr_default_plan(s, actlog_local_actor(), &plan)) < 0)
		log_warnx("cannot make the default backup plan '%s': %s", DR_DEFAULT_PLAN, err_msg(r));
	if (cli->json) {
		json_t *j = json_pack("{s:s, s:b, s:s, s:o}", "data", cli->data_dir, "created", 1, "admin", admin,
				      "backup_plan", plan ? json_string(DR_DEFAULT_PLAN) : json_null());
		if (!pwfile)
			json_object_set_new(j, "password", json_string(password));
		cli_print_json(j);
	} else {
		printf("initialised '%s'\nadmin user: %s\n", cli->data_dir, admin);
		if (!pwfile)
			printf("admin password: %s\n(shown once: keep it safe; change it with 'ward user passwd %s')\n",
			       password, admin);
		if (plan)
			printf("backup plan '%s': Ward's database is backed up daily at 02:00 below '%s/backups'; keep a copy "
			       "of its password file somewhere else (see 'ward dr plan show %s')\n",
			       DR_DEFAULT_PLAN, cli->data_dir, DR_DEFAULT_PLAN);
	}
	sodium_memzero(password, sizeof(password));
	return EXIT_OK;
fail:
	sodium_memzero(password, sizeof(password));
	return cli_fail(r);
}

/* The one jobs observer: the help desk's approved fixes, software requests' installs,
 * recovery plans' runs on enrolled hosts, and upgrade plans' machines. */
static int serve_job_result(struct store *s, int64_t job_id, const char *status, const json_t *result,
			    const char *output)
{
	int r = helpdesk_job_result(s, job_id, status, result, output);
	if (r >= 0)
		r = catalog_job_result(s, job_id, status, result, output);
	if (r >= 0)
		r = dr_job_result(s, job_id, status, result, output);
	return r < 0 ? r : upgrade_job_result(s, job_id, status, result, output);
}

static void serve_ready(const char *url)
{
	log_infox("listening on %s", url);
}

int cmd_serve(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"listen", required_argument, NULL, 'l'},
					     {"tls-cert", required_argument, NULL, 'c'},
					     {"tls-key", required_argument, NULL, 'k'},
					     {"insecure-listen", no_argument, NULL, 'I'},
					     {"threads", required_argument, NULL, 't'},
					     {"access-log", required_argument, NULL, 'L'},
					     {0, 0, 0, 0}};
	struct http_config cfg = {.listen = "127.0.0.1:8080", .access_log_fd = STDERR_FILENO, .changed = jobs_api_changed};
	const char *access_log = NULL;
	struct store *s;
	int64_t v;
	int c, r;
	while ((c = cli_getopt(cli, argc, argv, opts)) != -1) {
		switch (c) {
		case 'l': cfg.listen = optarg; break;
		case 'c': cfg.tls_cert_file = optarg; break;
		case 'k': cfg.tls_key_file = optarg; break;
		case 'I': cfg.insecure_listen = true; break;
		case 't':
			if (parse_int64(optarg, 1, 256, &v) < 0)
				return cli_usage_error(cli, "--threads must be between 1 and 256");
			cfg.threads = (unsigned)v;
			break;
		case 'L': access_log = optarg; break;
		case 'h': return cli_help(cli);
		default: return EXIT_USAGE;
		}
	}
	if ((r = cli_positionals(cli, argc, argv, 0)))
		return r;
	/* Open (and migrate) before listening, so a bad data directory fails at once. */
	if ((r = cli_store(cli, &s)))
		return r;
	if (access_log && strcmp(access_log, "off") == 0) {
		cfg.access_log_fd = -1;
	} else if (access_log && strcmp(access_log, "-") != 0) {
		cfg.access_log_fd = open(access_log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
		if (cfg.access_log_fd < 0)
			return cli_fail(err_set(-errno, "cannot open access log '%s': %s", access_log, strerror(errno)));
	}
	/* A data directory from before recovery plans gets its default plan once. */
	if ((r = dr_default_plan(s, "system", NULL)) < 0)
		log_warnx("cannot make the default backup plan '%s': %s", DR_DEFAULT_PLAN, err_msg(r));
	router_setup(server_routes, accounts_api_authenticate);
	jobs_on_result(serve_job_result);
	if ((r = server_sched_start()) < 0)
		return cli_fail(r);
	if ((r = server_index_start()) < 0) {
		server_sched_stop();
		return cli_fail(r);
	}
	r = http_serve(&cfg, serve_ready);
	server_index_stop();
	server_sched_stop();
	store_release();
	if (cfg.access_log_fd > STDERR_FILENO)
		close(cfg.access_log_fd);
	if (r < 0)
		return cli_fail(r);
	log_infox("stopped");
	return EXIT_OK;
}
