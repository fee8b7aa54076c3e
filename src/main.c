/*
 * main.c: global options and the command table; nothing else.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "core/crypto.h"
#include "core/err.h"
#include "core/store.h"

static int cmd_version(struct cli *cli, int argc, char **argv);
static int cmd_help(struct cli *cli, int argc, char **argv);

static const struct cli_cmd commands[] = {
	{"init", NULL, cmd_init, "[--admin NAME] [--admin-password-file F]",
	 "Create the data directory and its database, with a first admin user. Running it again changes nothing."},
	{"serve", NULL, cmd_serve,
	 "[--listen ADDR:PORT] [--tls-cert F --tls-key F] [--insecure-listen] [--threads N] [--access-log F|-|off]",
	 "Serve the web UI and the JSON API (default http://127.0.0.1:8080) until SIGTERM."},
	{"user", "add", cmd_user_add, "NAME --role employee|support|admin [--email E] [--password-file F]",
	 "Add a user. Without --password-file a password is generated and shown once."},
	{"user", "list", cmd_user_list, "", "List users."},
	{"user", "show", cmd_user_show, "NAME", "Show one user."},
	{"user", "passwd", cmd_user_passwd, "NAME [--password-file F]",
	 "Set a user's password (generated and shown once without a file) and end their sessions."},
	{"user", "disable", cmd_user_disable, "NAME", "Disable a user: no logins, sessions ended, tokens refused."},
	{"user", "enable", cmd_user_enable, "NAME", "Enable a disabled user."},
	{"user", "unlock", cmd_user_unlock, "NAME", "Clear a user's failed-login lock."},
	{"token", "create", cmd_token_create, "NAME --user USER",
	 "Create an API token for scripts; it is shown once."},
	{"token", "list", cmd_token_list, "", "List live API tokens."},
	{"token", "revoke", cmd_token_revoke, "NAME", "Revoke an API token."},
	{"inventory", NULL, cmd_inventory, "[--root DIR]",
	 "Print this machine's facts (hardware, OS, network, ports, users, packages, services); no server needed."},
	{"agent", "enroll", cmd_agent_enroll,
	 "--server URL --token T [--ca-cert F | --fingerprint SHA256] [--hostname N] [--state DIR]",
	 "Enroll this machine with a Ward server; keeps the host id and secret in the state directory."},
	{"agent", "run", cmd_agent_run, "[--once] [--interval 15m] [--root DIR] [--state DIR]",
	 "Collect and report the inventory every interval; spools reports while the server is away."},
	{"host", "enroll-token", cmd_host_enroll_token, "[--expires 24h] [--uses N]",
	 "Print a one-time enrollment token for 'ward agent enroll'."},
	{"host", "list", cmd_host_list, "[--stale] [--tag T] [--search Q]", "List enrolled machines."},
	{"host", "show", cmd_host_show, "HOST", "Show a machine (--json: with all its facts)."},
	{"host", "history", cmd_host_history, "HOST [--since T]",
	 "What changed on a machine: packages, ports, users, groups, interfaces, disks."},
	{"host", "set", cmd_host_set, "HOST [--owner U] [--location L] [--tag T]... [--untag T]...",
	 "Set who uses a machine, where it is, and its tags."},
	{"host", "remove", cmd_host_remove, "HOST", "Forget a machine and its history."},
	{"host", "run", cmd_host_run, "HOST [--timeout 60s] [--wait 2m] -- COMMAND...",
	 "Run an admin-approved command on a machine through its agent (signed job); output and exit status kept."},
	{"host", "diagnose", cmd_host_diagnose, "HOST [--wait 2m]",
	 "Take a diagnostics snapshot: load, memory, disks, failed units, the last 200 log lines, top processes."},
	{"host", "refresh", cmd_host_refresh, "HOST [--wait 2m]", "Ask a machine's agent to report its inventory now."},
	{"job", "list", cmd_job_list, "[--host HOST]", "List remote jobs, newest first."},
	{"job", "show", cmd_job_show, "ID", "Show a job with its output and result."},
	{"catalog", "add", cmd_catalog_add,
	 "NAME --description D --package PKG[=VERSION]... [--allow all|role:ROLE|users:A,B] [--no-approval] "
	 "[--approver support|admin]",
	 "Add approved software employees may request for their machines (approval needed unless --no-approval)."},
	{"catalog", "edit", cmd_catalog_edit,
	 "NAME [--description D] [--package PKG[=VERSION]...] [--allow ...] [--approval|--no-approval] [--approver R]",
	 "Change a catalogue item; --package replaces the whole list."},
	{"catalog", "list", cmd_catalog_list, "", "List the catalogue of approved software."},
	{"catalog", "show", cmd_catalog_show, "NAME", "Show a catalogue item."},
	{"catalog", "remove", cmd_catalog_remove, "NAME", "Withdraw an item from the catalogue."},
	{"request", "add", cmd_request_add, "ITEM --requester USER [--host HOST] [--note N]",
	 "Request a catalogue item for a user's machine: files a help-desk ticket; installs at once if no approval is "
	 "needed."},
	{"request", "list", cmd_request_list, "[--status open|pending|installing|installed|failed|rejected] [--ticket N]",
	 "List software requests, newest first."},
	{"request", "show", cmd_request_show, "ID", "Show a software request with its result."},
	{"request", "approve", cmd_request_approve, "ID [--note N]",
	 "Approve a pending request (or retry a failed one): the machine's agent installs it, the ticket is resolved."},
	{"request", "reject", cmd_request_reject, "ID --reason R",
	 "Reject a pending request; the reason is a public reply and the ticket's resolution."},
	{"kb", "add", cmd_kb_add, "--title T --category C [--visibility employees|support] [--file F]",
	 "Write a knowledge-base article; its Markdown comes from --file F, or stdin without it."},
	{"kb", "edit", cmd_kb_edit, "ID [--title T] [--category C] [--visibility employees|support] [--file F]",
	 "Edit an article (by id or slug); every edit is kept as a revision. --file - reads stdin."},
	{"kb", "show", cmd_kb_show, "ID [--html]", "Show an article and its Markdown (--html: rendered)."},
	{"kb", "list", cmd_kb_list, "[--category C]", "List the knowledge base's articles."},
	{"kb", "search", cmd_kb_search, "QUERY... [--limit N]",
	 "Search titles and bodies, best first; every word must match, a word ending in * is a prefix."},
	{"course", "add", cmd_course_add, "--title T [--description D] [--lesson ARTICLE]... [--quiz FILE.json] [--pass 80]",
	 "Write a training course: knowledge-base articles as lessons, and an optional quiz (a JSON array of questions)."},
	{"course", "edit", cmd_course_edit,
	 "ID [--title T] [--description D] [--lesson ARTICLE]... [--no-lessons] [--quiz FILE.json | --no-quiz] [--pass N]",
	 "Change a course; recorded scores and completions stay as they are."},
	{"course", "assign", cmd_course_assign, "ID (--user U | --role R | --package P) [--due 14d|2026-12-01]",
	 "Assign a course to a user, to everyone with a role, or to the users of a program (the owners of machines with "
	 "the package installed)."},
	{"course", "status", cmd_course_status, "[ID] [--overdue]",
	 "Progress of every course; or one course and who has it; --overdue: the overdue assignments."},
	{"course", "complete", cmd_course_complete, "ID --user U",
	 "Mark a user's course complete (an admin override, recorded as such)."},
	{"course", "list", cmd_course_list, "", "List the training courses."},
	{"course", "notice", cmd_course_notice, "--package P --title T --file F [--due 7d]",
	 "Publish a change note for a program: an article and a one-lesson course for the program's users."},
	{"course", "remind", cmd_course_remind, "",
	 "Assign courses by their role and package rules, and remind users of training due within 2 days or overdue "
	 "(by e-mail when the help desk's mail is set up; the server does this every hour)."},
	{"log", "list", cmd_log_list, "[--since T] [--actor U] [--action A] [--limit N]",
	 "Show the activity log, newest first. T: 2026-11-26, 2026-11-26T10:00:00Z or an age (12h, 7d); "
	 "A: exact, or a prefix ending in .* (user.*)."},
	{"log", "verify", cmd_log_verify, "",
	 "Check the activity log's hash chain and head file; exit 1 naming the first bad entry."},
	{"ticket", "new", cmd_ticket_new,
	 "--title T --requester USER [--text D | --file F] [--host H] [--category C] [--impact 1-3] [--urgency 1-3] "
	 "[--tag T]...",
	 "Open a ticket for a user (priority from impact x urgency; 1 is high)."},
	{"ticket", "list", cmd_ticket_list,
	 "[--status S|active] [--tier N] [--assignee U|none] [--requester U] [--tag T] [--at-risk] [--breached] [--due] "
	 "[--after CURSOR] [--limit N]",
	 "List tickets, newest first (--due: soonest resolution due first)."},
	{"ticket", "show", cmd_ticket_show, "NUMBER", "Show a ticket with its SLA state and timeline."},
	{"ticket", "comment", cmd_ticket_comment, "NUMBER (--text T | --file F) [--internal]",
	 "Reply to the requester, or add an internal note."},
	{"ticket", "assign", cmd_ticket_assign, "NUMBER (USER | --none)", "Assign a ticket to support staff."},
	{"ticket", "escalate", cmd_ticket_escalate, "NUMBER --note WHY", "Escalate to tier 2 (the generalist)."},
	{"ticket", "deescalate", cmd_ticket_deescalate, "NUMBER --note WHY", "Hand a ticket back to tier 1."},
	{"ticket", "resolve", cmd_ticket_resolve, "NUMBER [--resolution TEXT]", "Resolve a ticket."},
	{"ticket", "close", cmd_ticket_close, "NUMBER", "Close a ticket (final)."},
	{"ticket", "set", cmd_ticket_set,
	 "NUMBER [--title T] [--category C] [--impact N] [--urgency N] [--status S] [--host H] [--tag T]... [--untag T]...",
	 "Change a ticket's fields."},
	{"ticket", "search", cmd_ticket_search, "QUERY", "Search tickets and comments (words; word* for a prefix)."},
	{"ticket", "sla-check", cmd_ticket_sla_check, "",
	 "Flag tickets whose SLA is at risk or breached, escalating at-risk tier-1 tickets (the server does this every minute)."},
	{"ticket", "index", cmd_ticket_index, "[--merge | --optimize]",
	 "Show the search index's segments; --merge merges what is due now (the server does it in the background), "
	 "--optimize merges everything into one (after a bulk import)."},
	{"helpdesk", "settings", cmd_helpdesk_settings,
	 "[--calendar FILE] [--mail FILE] [--priority N --response DURATION --resolve DURATION]",
	 "Show or change the business calendar, the mail settings and the SLA targets."},
	{"mail", "ingest", cmd_mail_ingest, "< MESSAGE",
	 "Take one e-mail from standard input: a new ticket, or a comment on the ticket it answers. Exit 0 taken, "
	 "65 refused (bounce), 67 unknown sender refused, 75 try later."},
	{"mail", "send", cmd_mail_send, "", "Send the queued notifications that are due (the server does every minute)."},
	{"mail", "outbox", cmd_mail_outbox, "", "List queued, sent and failed notifications, newest first."},
	{"backup", "init", cmd_backup_init, "--repo PATH [--password-file F]",
	 "Create an encrypted backup repository in a new or empty folder (local or mounted); the password comes from "
	 "the file or WARD_BACKUP_PASSWORD."},
	{"backup", "key", cmd_backup_key,
	 "add|list|remove ID|passwd --repo PATH [--password-file F] [--new-password-file F]",
	 "Manage the repository's passwords: add one, list them, remove one (not the last, not the one in use), or "
	 "change the one in use."},
	{"backup", "check", cmd_backup_check, "--repo PATH [--password-file F] [--read-data]",
	 "Check the repository's structure; --read-data also decrypts every blob. Exit 1 naming the damage and the "
	 "snapshots and files it affects."},
	{"backup", "unlock", cmd_backup_unlock, "--repo PATH [--password-file F] [--all]",
	 "Remove stale locks (from a dead process of this host, or not refreshed for 30 minutes); --all: every lock."},
	{"backup", "run", cmd_backup_run,
	 "--repo R PATH... [--exclude P]... [--exclude-file F] [--one-file-system] [--tag T]... [--compression auto|0-19] "
	 "[--threads N] [--parent SNAP] [--dump sqlite:DB|postgres:DB|mariadb:DB]...",
	 "Back up files into the repository: only what changed is read and stored. Exit 3 when some files could not "
	 "be read."},
	{"backup", "snapshots", cmd_backup_snapshots, "--repo R", "List the repository's snapshots, oldest first."},
	{"backup", "ls", cmd_backup_ls, "--repo R SNAP [PATH]", "List the files of a snapshot ('latest' is the newest)."},
	{"backup", "restore", cmd_backup_restore, "--repo R SNAP --target DIR [--include P]... [--threads N]",
	 "Restore a snapshot, or the paths matching --include, bit-exact with owners, modes, times and attributes."},
	{"backup", "forget", cmd_backup_forget,
	 "--repo R [--keep-last N] [--keep-hourly N] [--keep-daily N] [--keep-weekly N] [--keep-monthly N] "
	 "[--keep-yearly N] [--keep-tag T]... [--host H]... [--path P]... [--dry-run] [--prune [--max-unused P%]]",
	 "Remove the snapshots a retention policy does not keep (per host and paths; restic's rules); never every "
	 "one of a group."},
	{"backup", "prune", cmd_backup_prune, "--repo R [--max-unused 5%] [--dry-run]",
	 "Delete the data no snapshot uses: unused packs go, packs more unused than --max-unused are repacked."},
	{"backup", "diff", cmd_backup_diff, "--repo R SNAP1 SNAP2",
	 "List the paths added (+), removed (-), modified (M), with new metadata (U) or of another type (T)."},
	{"backup", "stats", cmd_backup_stats, "--repo R [SNAP] [--mode restore|raw]",
	 "Sizes: what a restore writes, or the blobs stored (raw), with the dedup and compression ratios."},
	{"vercmp", NULL, cmd_vercmp, "A lt|le|eq|ne|ge|gt|<<|<=|=|>=|>>|lt-nl|le-nl|ge-nl|gt-nl B | --batch",
	 "Compare two Debian versions exactly as dpkg --compare-versions does: exit 0 true, 1 false, 2 bad input. "
	 "--batch: 'A<tab>B' lines on stdin, -1, 0 or 1 out for each."},
	{"upgrades", NULL, cmd_upgrades, "[--root DIR] [--security]",
	 "List the upgrades this machine's apt lists offer, picked as apt does, security ones marked, and what "
	 "apt-get upgrade keeps back; no apt run."},
	{"needrestart", NULL, cmd_needrestart, "[--root DIR]",
	 "Whether this machine needs a reboot, and which services still use deleted libraries."},
	{"upgrade", "plan", cmd_upgrade_plan,
	 "NAME --host H|--tag T|--all [--pilot H]... [--pilot-tag T]... [--packages all|security | --package "
	 "NAME[=VERSION]...] [--test-command [NAME=]CMD]... [--test-service UNIT[:CMD]]... [--test-http URL[=STATUS]]... "
	 "[--test-tcp HOST:PORT]... [--at TIME] [--in-window] [--min-free MB] [--allow-no-rollback] [--note-title T --note-file F "
	 "[--note-package P]]",
	 "Plan an upgrade run: fixes each machine's versions from its reported upgrades, the pilot ring first "
	 "(docs/upgrade-runs.md)."},
	{"upgrade", "list", cmd_upgrade_list, "", "Upgrade plans, newest first."},
	{"upgrade", "show", cmd_upgrade_show, "PLAN", "A plan with each machine's progress and step log."},
	{"upgrade", "run", cmd_upgrade_run, "PLAN [--allow-no-rollback]",
	 "Start a plan now: ring 1's agents upgrade, the next ring only when every machine passed."},
	{"upgrade", "cancel", cmd_upgrade_cancel, "PLAN [--reason TEXT]", "Stop a plan: no further machine starts."},
	{"window", "add", cmd_window_add,
	 "NAME --days mon,...|daily|weekdays|weekend --start HH:MM --duration 3h [--timezone ZONE] --host H|--tag T|--all "
	 "[--description TEXT]",
	 "Add a maintenance window: a weekly time when its machines may be changed (docs/maintenance.md)."},
	{"window", "edit", cmd_window_edit, "NAME [the options of add] [--rename NEW]",
	 "Change a maintenance window; --host, --tag and --all, when given, replace its machines."},
	{"window", "list", cmd_window_list, "", "Maintenance windows, with whether each is open and when it next opens."},
	{"window", "show", cmd_window_show, "NAME", "A maintenance window: its machines and its next occurrences."},
	{"window", "remove", cmd_window_remove, "NAME", "Remove a maintenance window."},
	{"dr", "plan", cmd_dr_plan,
	 "add NAME --repo R --password-file F --rpo 26h --rto 4h [--path P]... [--dump SPEC]... [--exclude P]... "
	 "[--backup-schedule 'daily 02:00'|'every 6h'|manual] [--drill-schedule 'every 7d'] [--keep-daily N]... "
	 "[--step TEXT]... [--owner O] [--contacts C] [--description D] | list | show PLAN | edit PLAN [options] "
	 "[--no-paths|--no-dumps|--no-excludes|--no-steps|--no-retention] | remove PLAN",
	 "Recovery plans: what a service needs backed up, where, its RPO and RTO, schedules, retention, restore "
	 "steps, owner and contacts."},
	{"dr", "backup", cmd_dr_backup, "PLAN",
	 "Back up a plan now: dump its databases, back up its paths, apply its retention. Exit 1 when it failed."},
	{"dr", "drill", cmd_dr_drill, "PLAN",
	 "Restore drill now: restore the newest good backup to a scratch folder, verify every file, time it against "
	 "the RTO. Exit 1 failed, 3 slower than the RTO."},
	{"dr", "status", cmd_dr_status, "",
	 "Every plan's status: green, amber or red, and why (docs/dr.md). Exit 1 when any plan is red."},
	{"dr", "runs", cmd_dr_runs, "PLAN [--kind backup|drill] [--limit N]", "A plan's backups and drills, newest first."},
	{"dr", "check", cmd_dr_check, "",
	 "Raise a finding for each plan whose newest good backup is older than its RPO, close those back within it "
	 "(the server does this every minute)."},
	{"finding", "list", cmd_finding_list, "[--all] [--source S]",
	 "Problems Ward found that need a person: open ones, or --all with the closed ones."},
	{"vuln", "import", cmd_vuln_import, "FILE|DIR|URL [--format tracker|osv] [--feed NAME]",
	 "Load the Debian Security Tracker's JSON or OSV records (a file, a directory of .json, or an http(s):// or "
	 "file:// URL) into a feed, replacing what it held, all or nothing."},
	{"vuln", "feeds", cmd_vuln_feeds,
	 "[add URL [--feed NAME] [--format F] [--every 6h] | remove FEED | refresh [FEED] [--force]]",
	 "List the vulnerability feeds, their URLs and last errors; add a URL ward serve imports on schedule "
	 "(unchanged feeds are not fetched again), remove one, or fetch the due ones now."},
	{"vuln", "check", cmd_vuln_check, "[--root DIR] [--status S] [--urgency U] [--distro-info DIR]",
	 "This machine's vulnerable packages (by source package and version) and its release's end of life; no "
	 "server needed."},
	{"vuln", "list", cmd_vuln_list, "[--host H] [--cve C] [--urgency U] [--status S] [--summary] [--distro-info DIR]",
	 "The fleet's vulnerable packages from the hosts' reported inventories, and hosts past end of life."},
	{"vuln", "show", cmd_vuln_show, "CVE", "What every imported feed says about one issue."},
	{"compliance", "show", cmd_compliance_show, "[--host H] [--distro-info DIR]",
	 "Patch compliance per machine and for the fleet: pending upgrades with a due date, and how many are overdue."},
	{"compliance", "upgrades", cmd_compliance_upgrades, "[--host H] [--overdue]",
	 "Every pending upgrade with its class, when Ward first saw it, and when it is due."},
	{"compliance", "overdue", cmd_compliance_overdue, "[--host H]", "The pending upgrades past their due date."},
	{"compliance", "history", cmd_compliance_history, "[--host H] [--days 30]",
	 "The daily compliance snapshots of the fleet or one machine, for trends."},
	{"compliance", "snapshot", cmd_compliance_snapshot, "[--distro-info DIR]",
	 "Take today's snapshot now (ward serve takes one every hour) and update the overdue and end-of-life findings."},
	{"compliance", "policy", cmd_compliance_policy, "[--security-high 7d] [--security 30d] [--other 90d]",
	 "Show or set the due periods: high/critical-urgency security fixes, other security fixes, the rest."},
	{"version", NULL, cmd_version, "", "Print the version."},
	{"help", NULL, cmd_help, "[NOUN]", "Show the commands, or one noun's commands."},
	{NULL, NULL, NULL, NULL, NULL},
};

static int cmd_version(struct cli *cli, int argc, char **argv)
{
	if (cli->json)
		cli_print_json(json_pack("{s:s}", "version", WARD_VERSION));
	else
		printf("ward %s\n", WARD_VERSION);
	return EXIT_OK;
}

static void help_noun(FILE *f, const char *noun)
{
	for (const struct cli_cmd *c = commands; c->noun; c++)
		if (strcmp(c->noun, noun) == 0)
			fprintf(f, "  ward %s%s%s %s\n      %s\n", c->noun, c->verb ? " " : "", c->verb ? c->verb : "",
				c->usage, c->summary);
}

static bool noun_exists(const char *noun)
{
	for (const struct cli_cmd *c = commands; c->noun; c++)
		if (strcmp(c->noun, noun) == 0)
			return true;
	return false;
}

static void help_all(FILE *f)
{
	fprintf(f, "usage: ward [--data DIR] [--json] <command> [options]\n\n"
		   "Ward: IT operations in one program. Commands:\n");
	const char *last = "";
	for (const struct cli_cmd *c = commands; c->noun; c++) {
		if (strcmp(c->noun, last) == 0)
			continue;
		last = c->noun;
		if (c->verb) {
			fprintf(f, "  %-8s", c->noun);
			for (const struct cli_cmd *v = c; v->noun && strcmp(v->noun, c->noun) == 0; v++)
				fprintf(f, " %s", v->verb);
			fprintf(f, "\n");
		} else {
			fprintf(f, "  %-8s %s\n", c->noun, c->summary);
		}
	}
	fprintf(f, "\nGlobal options:\n"
		   "  --data DIR   the data directory (WARD_DATA; default /var/lib/ward as root,\n"
		   "               else $XDG_DATA_HOME/ward)\n"
		   "  --json       machine-readable output\n"
		   "\n'ward help NOUN' or 'ward NOUN --help' shows a noun's commands.\n");
}

static int cmd_help(struct cli *cli, int argc, char **argv)
{
	if (argc > 2)
		return cli_usage_error(cli, "unexpected argument '%s'", argv[2]);
	if (argc == 2) {
		if (!noun_exists(argv[1]))
			return cli_usage_error(cli, "unknown command '%s'", argv[1]);
		help_noun(stdout, argv[1]);
		return EXIT_OK;
	}
	help_all(stdout);
	return EXIT_OK;
}

/* The data directory: --data, else WARD_DATA, else the default for this user. */
static int data_dir_default(char *out, size_t size)
{
	const char *env = getenv("WARD_DATA"), *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
	int n;
	if (env && *env)
		n = snprintf(out, size, "%s", env);
	else if (geteuid() == 0)
		n = snprintf(out, size, "/var/lib/ward");
	else if (xdg && *xdg)
		n = snprintf(out, size, "%s/ward", xdg);
	else if (home && *home)
		n = snprintf(out, size, "%s/.local/share/ward", home);
	else
		return -1;
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

int main(int argc, char **argv)
{
	struct cli cli = {0};
	char dir[4096];
	char *args[256];
	int nargs = 0;

	/* Global options may stand anywhere before a "--". */
	for (int i = 1; i < argc && nargs < 255; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			cli.json = true;
		} else if (strcmp(argv[i], "--data") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "ward: option '--data' needs a value\n");
				return EXIT_USAGE;
			}
			cli.data_dir = argv[++i];
		} else if (strncmp(argv[i], "--data=", 7) == 0) {
			cli.data_dir = argv[i] + 7;
		} else if (strcmp(argv[i], "--") == 0) {
			while (i < argc && nargs < 255)
				args[nargs++] = argv[i++];
		} else {
			args[nargs++] = argv[i];
		}
	}
	args[nargs] = NULL;
	if (nargs == 0) {
		help_all(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(args[0], "--help") == 0 || strcmp(args[0], "-h") == 0) {
		help_all(stdout);
		return EXIT_OK;
	}
	if (strcmp(args[0], "--version") == 0)
		args[0] = "version";
	if (!cli.data_dir) {
		if (data_dir_default(dir, sizeof(dir)) < 0) {
			fprintf(stderr, "ward: cannot tell the data directory; give --data DIR\n");
			return EXIT_USAGE;
		}
		cli.data_dir = dir;
	}

	const char *noun = args[0], *verb = nargs > 1 ? args[1] : NULL;
	const struct cli_cmd *found = NULL;
	for (const struct cli_cmd *c = commands; c->noun; c++) {
		if (strcmp(c->noun, noun) != 0)
			continue;
		if (!c->verb || (verb && strcmp(c->verb, verb) == 0)) {
			found = c;
			break;
		}
	}
	if (!found) {
		if (!noun_exists(noun)) {
			fprintf(stderr, "ward: unknown command '%s'; see 'ward help'\n", noun);
			return EXIT_USAGE;
		}
		if (!verb || strcmp(verb, "--help") == 0 || strcmp(verb, "-h") == 0 || strcmp(verb, "help") == 0) {
			help_noun(verb ? stdout : stderr, noun);
			return verb ? EXIT_OK : EXIT_USAGE;
		}
		fprintf(stderr, "ward: unknown command '%s %s'; the %s commands are:\n", noun, verb, noun);
		help_noun(stderr, noun);
		return EXIT_USAGE;
	}
	cli.cmd = found;
	if (crypto_init() < 0) {
		fprintf(stderr, "ward: cannot initialise libsodium\n");
		return EXIT_FAIL;
	}
	if (store_setup(cli.data_dir) < 0)
		return cli_fail(-ENAMETOOLONG);
	/* The command sees its verb (or noun) as argv[0], as getopt expects. */
	int skip = found->verb ? 1 : 0;
	int r = found->fn(&cli, nargs - skip, args + skip);
	store_release();
	return r;
}
