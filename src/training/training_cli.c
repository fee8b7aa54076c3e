/*
 * training_cli.c: `ward course ...`: write and edit courses, assign them, follow their
 * progress, mark one complete for someone, publish change notes and send reminders, on
 * the local data directory as `local:<unix user>` (who sees what an admin sees).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "actlog/actlog.h"
#include "commands.h"
#include "core/err.h"
#include "core/fs.h"
#include "core/limits.h"
#include "core/timeutil.h"
#include "kb/kb.h"
#include "helpdesk/helpdesk.h"
#include "training/training.h"

#define QUIZ_FILE_MAX WARD_HTTP_BODY_MAX /* bytes of a --quiz file */
#define HELP_SHOWN (-1)			 /* course_opts_parse printed --help */

/* The COURSE argument after the options. */
static int course_arg(struct cli *cli, int argc, char **argv, int64_t *ret)
{
	int r = cli_positionals(cli, argc, argv, 1);
	if (r)
		return r;
	if (parse_int64(argv[optind], 1, INT64_MAX, ret) < 0)
		return cli_usage_error(cli, "'%s' is not a course id", argv[optind]);
	return EXIT_OK;
}

/* A --lesson: an article id or slug, as the id. */
static int lesson_arg(struct store *s, const char *text, int64_t *ret)
{
	struct kb_article a;
	int r = kb_article_get(s, ROLE_ADMIN, text, &a);
	if (r < 0)
		return r == -ENOENT ? err_set(-EINVAL, "lesson '%s': no such article", text) : r;
	*ret = a.id;
	kb_article_release(&a);
	return 0;
}

/* A --quiz file: a JSON array of questions. The caller frees *ret. */
static int read_quiz(const char *path, json_t **ret)
{
	char *data = NULL;
	size_t len = 0;
	json_error_t e;
	int r = fs_read_file(path, QUIZ_FILE_MAX, &data, &len);
	if (r < 0)
		return r == -E2BIG ? err_set(r, "'%s' is larger than %d bytes", path, QUIZ_FILE_MAX)
				   : err_set(r, "cannot read '%s': %s", path, strerror(-r));
	json_t *q = json_loadb(data, len, JSON_REJECT_DUPLICATES, &e);
	free(data);
	if (!q)
		return err_set(-EINVAL, "'%s' line %d column %d: %s", path, e.line, e.column, e.text);
	*ret = q;
	return 0;
}

/* Markdown from path, or stdin when path is "-". The caller frees *ret. */
static int read_text(const char *path, char **ret)
{
	char *data = NULL;
	size_t len = 0;
	int r = 0;
	if (strcmp(path, "-") != 0) {
		if ((r = fs_read_file(path, KB_BODY_MAX, &data, &len)) < 0)
			return r == -E2BIG ? err_set(r, "'%s' is larger than %d bytes (256 KiB)", path, KB_BODY_MAX)
					   : err_set(r, "cannot read '%s': %s", path, strerror(-r));
	} else {
		if (!(data = malloc(KB_BODY_MAX + 2)))
			return -ENOMEM;
		ssize_t n;
		while (len <= KB_BODY_MAX && (n = read(STDIN_FILENO, data + len, KB_BODY_MAX + 1 - len)) != 0) {
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				r = err_set(-errno, "cannot read stdin: %s", strerror(errno));
				break;
			}
			len += (size_t)n;
		}
		data[len] = '\0';
		if (r == 0 && len > KB_BODY_MAX)
			r = err_set(-E2BIG, "stdin holds more than %d bytes (256 KiB)", KB_BODY_MAX);
		path = "stdin";
	}
	if (r == 0 && memchr(data, '\0', len))
		r = err_set(-EINVAL, "'%s' holds a NUL byte; a change note is Markdown text", path);
	if (r < 0) {
		free(data);
		return r;
	}
	*ret = data;
	return 0;
}

static int parse_pass(struct cli *cli, const char *text, int *ret)
{
	int64_t v;
	if (parse_int64(text, 1, 100, &v) < 0)
		return cli_usage_error(cli, "--pass must be a percentage from 1 to 100");
	*ret = (int)v;
	return EXIT_OK;
}

/* Options shared by add and edit. */
struct course_opts {
	const char *title, *description, *quiz_file;
	const char *lessons[TRAINING_LESSONS_MAX + 1];
	int nlessons;
	bool no_lessons, no_quiz;
	int pass;
};

static int course_opts_parse(struct cli *cli, int argc, char **argv, bool edit, struct course_opts *o)
{
	static const struct option opts[] = {
	    {"title", required_argument, NULL, 't'},  {"description", required_argument, NULL, 'd'},
	    {"lesson", required_argument, NULL, 'l'}, {"quiz", required_argument, NULL, 'q'},
	    {"pass", required_argument, NULL, 'p'},   {"no-lessons", no_argument, NULL, 'L'},
	    {"no-quiz", no_argument, NULL, 'Q'},      {0, 0, 0, 0}};
	int c, r;
	memset(o, 0, sizeof(*o));
	while ((c = cli_getopt(cli, argc, argv, opts)) != -1) {
		switch (c) {
		case 't': o->title = optarg; break;
		case 'd': o->description = optarg; break;
		case 'l':
			if (o->nlessons >= TRAINING_LESSONS_MAX)
				return cli_usage_error(cli, "a course has at most %d lessons", TRAINING_LESSONS_MAX);
			o->lessons[o->nlessons++] = optarg;
			break;
		case 'q': o->quiz_file = optarg; break;
		case 'p':
			if ((r = parse_pass(cli, optarg, &o->pass)))
				return r;
			break;
		case 'L':
			if (!edit)
				return cli_usage_error(cli, "--no-lessons is for 'ward course edit'");
			o->no_lessons = true;
			break;
		case 'Q':
			if (!edit)
				return cli_usage_error(cli, "--no-quiz is for 'ward course edit'");
			o->no_quiz = true;
			break;
		case 'h': cli_help(cli); return HELP_SHOWN;
		default: return EXIT_USAGE;
		}
	}
	if ((o->no_lessons && o->nlessons) || (o->no_quiz && o->quiz_file))
		return cli_usage_error(cli,
				       "--no-lessons and --lesson (or --no-quiz and --quiz) contradict each other");
	return EXIT_OK;
}

/* Fills f from o; the caller releases *ret_quiz. */
static int course_fields(struct store *s, const struct course_opts *o, int64_t ids[TRAINING_LESSONS_MAX],
			 struct training_course_fields *f, json_t **ret_quiz)
{
	int r;
	*ret_quiz = NULL;
	memset(f, 0, sizeof(*f));
	f->title = o->title;
	f->description = o->description;
	f->pass_mark = o->pass;
	for (int i = 0; i < o->nlessons; i++)
		if ((r = lesson_arg(s, o->lessons[i], &ids[i])) < 0)
			return r;
	f->lessons = ids;
	f->nlessons = o->nlessons;
	f->set_lessons = o->nlessons > 0 || o->no_lessons;
	if (o->quiz_file && (r = read_quiz(o->quiz_file, ret_quiz)) < 0)
		return r;
	f->quiz = *ret_quiz;
	f->set_quiz = o->quiz_file || o->no_quiz;
	return 0;
}

/* Prints a course: --json in full, else its fields, lessons and progress. */
static int print_course(const struct cli *cli, struct store *s, int64_t id, json_t *extra)
{
	static const char *const keys[] = {"id",	"title",      "kind",	    "package",	  "pass_mark",
					   "questions", "created_by", "created_at", "updated_at", NULL};
	static const char *const lkeys[] = {"n", "article_id", "title", NULL};
	static const char *const lheaders[] = {"#", "ARTICLE", "TITLE", NULL};
	static const char *const pkeys[] = {"assigned", "completed", "overdue", "open", "average_score", NULL};
	json_t *c;
	int r = training_course_get(s, NULL, ROLE_ADMIN, id, time_now(), &c);
	if (r < 0) {
		json_decref(extra);
		return cli_fail(r);
	}
	if (cli->json) {
		if (extra) {
			json_object_set_new(extra, "course", c);
			cli_print_json(extra);
		} else {
			cli_print_json(c);
		}
		return EXIT_OK;
	}
	cli_print_fields(c, keys);
	const char *desc = json_string_value(json_object_get(c, "description"));
	if (desc && *desc)
		printf("description  %s\n", desc);
	printf("\nlessons:\n");
	cli_print_table(json_object_get(c, "lessons"), lkeys, lheaders);
	printf("\nprogress:\n");
	cli_print_fields(json_object_get(c, "progress"), pkeys);
	json_decref(c);
	json_decref(extra);
	return EXIT_OK;
}

int cmd_course_add(struct cli *cli, int argc, char **argv)
{
	struct course_opts o;
	struct training_course_fields f;
	int64_t ids[TRAINING_LESSONS_MAX], id;
	struct store *s;
	json_t *quiz;
	int r = course_opts_parse(cli, argc, argv, false, &o);
	if (r)
		return r == HELP_SHOWN ? EXIT_OK : r;
	if (!o.title)
		return cli_usage_error(cli, "a course needs --title");
	if ((r = cli_positionals(cli, argc, argv, 0)) || (r = cli_store(cli, &s)))
		return r;
	if ((r = course_fields(s, &o, ids, &f, &quiz)) == 0)
		r = training_course_create(s, actlog_local_actor(), &f, &id);
	json_decref(quiz);
	if (r < 0)
		return cli_fail(r);
	if (cli->json)
		return print_course(cli, s, id, NULL);
	printf("added course %lld '%s'\n", (long long)id, o.title);
	return EXIT_OK;
}

int cmd_course_edit(struct cli *cli, int argc, char **argv)
{
	struct course_opts o;
	struct training_course_fields f;
	int64_t ids[TRAINING_LESSONS_MAX], id;
	struct store *s;
	json_t *quiz;
	int r = course_opts_parse(cli, argc, argv, true, &o);
	if (r)
		return r == HELP_SHOWN ? EXIT_OK : r;
	if (!o.title && !o.description && !o.nlessons && !o.no_lessons && !o.quiz_file && !o.no_quiz && !o.pass)
		return cli_usage_error(cli,
				       "nothing to change: give --title, --description, --lesson, --quiz or --pass");
	if ((r = course_arg(cli, argc, argv, &id)) || (r = cli_store(cli, &s)))
		return r;
	if ((r = course_fields(s, &o, ids, &f, &quiz)) == 0)
		r = training_course_edit(s, actlog_local_actor(), id, &f);
	json_decref(quiz);
	if (r < 0)
		return cli_fail(r);
	if (cli->json)
		return print_course(cli, s, id, NULL);
	printf("course %lld changed\n", (long long)id);
	return EXIT_OK;
}

/* Prints what an assignment reached. */
static void print_reach(const json_t *res, const char *what)
{
	const json_t *assigned = json_object_get(res, "assigned"), *already = json_object_get(res, "already");
	const json_t *skipped = json_object_get(res, "skipped"), *v;
	size_t i, n = json_array_size(assigned);
	printf("%s %zu user%s", what, n, n == 1 ? "" : "s");
	json_array_foreach(assigned, i, v) printf("%s%s", i ? ", " : ": ", json_string_value(v));
	printf("\n");
	if (json_array_size(already))
		printf("%zu already had it\n", json_array_size(already));
	json_array_foreach(skipped, i, v) printf("skipped %s: %s\n", json_string_value(json_object_get(v, "user")),
						 json_string_value(json_object_get(v, "reason")));
}

int cmd_course_assign(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"user", required_argument, NULL, 'u'},
					     {"role", required_argument, NULL, 'r'},
					     {"package", required_argument, NULL, 'p'},
					     {"due", required_argument, NULL, 'd'},
					     {0, 0, 0, 0}};
	enum training_target kind = TRAINING_TO_USER;
	const char *value = NULL, *due = NULL;
	int64_t id, due_at = 0, now = time_now();
	int given = 0, c, r;
	struct store *s;
	json_t *res;
	while ((c = cli_getopt(cli, argc, argv, opts)) != -1) {
		switch (c) {
		case 'u': kind = TRAINING_TO_USER, value = optarg, given++; break;
		case 'r': kind = TRAINING_TO_ROLE, value = optarg, given++; break;
		case 'p': kind = TRAINING_TO_PACKAGE, value = optarg, given++; break;
		case 'd': due = optarg; break;
		case 'h': return cli_help(cli);
		default: return EXIT_USAGE;
		}
	}
	if (given != 1)
		return cli_usage_error(cli, "give exactly one of --user, --role or --package");
	if (due && training_parse_due(due, now, &due_at) < 0)
		return cli_usage_error(cli, "%s", err_msg(-EINVAL));
	if ((r = course_arg(cli, argc, argv, &id)) || (r = cli_store(cli, &s)))
		return r;
	if ((r = training_assign(s, actlog_local_actor(), id, kind, value, due_at, now, &res)) < 0)
		return cli_fail(r);
	if (cli->json) {
		cli_print_json(res);
		return EXIT_OK;
	}
	print_reach(res, "assigned to");
	json_decref(res);
	return EXIT_OK;
}

/* Every page of the assignments f selects. */
static int all_assignments(struct store *s, struct training_filter *f, json_t **ret)
{
	json_t *all = json_array(), *page;
	int r;
	if (!all)
		return -ENOMEM;
	f->limit = TRAINING_PAGE_MAX;
	do {
		if ((r = training_assignments(s, f, time_now(), &page, &f->after)) < 0) {
			json_decref(all);
			return r;
		}
		json_array_extend(all, page);
		json_decref(page);
	} while (f->after);
	*ret = all;
	return 0;
}

/* Every course (admin view), each with its progress flattened into it for tables. */
static int all_courses(struct store *s, json_t **ret)
{
	json_t *all = json_array(), *page, *c;
	int64_t after = 0;
	size_t i;
	int r;
	if (!all)
		return -ENOMEM;
	do {
		if ((r = training_course_list(s, NULL, ROLE_ADMIN, after, TRAINING_PAGE_MAX, time_now(), &page,
					      &after)) < 0) {
			json_decref(all);
			return r;
		}
		json_array_extend(all, page);
		json_decref(page);
	} while (after);
	json_array_foreach(all, i, c) json_object_update(c, json_object_get(c, "progress"));
	*ret = all;
	return 0;
}

int cmd_course_status(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"overdue", no_argument, NULL, 'o'}, {0, 0, 0, 0}};
	static const char *const ckeys[] = {"id",      "title", "assigned",	 "completed",
					    "overdue", "open",	"average_score", NULL};
	static const char *const cheaders[] = {"ID",	  "TITLE", "ASSIGNED",	"COMPLETED",
					       "OVERDUE", "OPEN",  "AVG SCORE", NULL};
	static const char *const akeys[] = {"course_id", "user",     "status", "due_at", "completed_at",
					    "score",	 "attempts", "via",    NULL};
	static const char *const aheaders[] = {"COURSE", "USER",     "STATUS", "DUE", "COMPLETED",
					       "SCORE",	 "ATTEMPTS", "VIA",    NULL};
	struct training_filter f = {.any_status = true};
	bool overdue = false;
	struct store *s;
	json_t *rows;
	int64_t id = 0;
	int c, r;
	while ((c = cli_getopt(cli, argc, argv, opts)) != -1) {
		switch (c) {
		case 'o': overdue = true; break;
		case 'h': return cli_help(cli);
		default: return EXIT_USAGE;
		}
	}
	if (argc - optind > 1)
		return cli_usage_error(cli, "unexpected argument '%s'", argv[optind + 1]);
	if (argc - optind == 1 && (r = course_arg(cli, argc, argv, &id)))
		return r;
	if ((r = cli_store(cli, &s)))
		return r;
	if (!id && !overdue) {
		/* Every course's progress. */
		if ((r = all_courses(s, &rows)) < 0)
			return cli_fail(r);
		if (cli->json) {
			cli_print_json(rows);
			return EXIT_OK;
		}
		cli_print_table(rows, ckeys, cheaders);
		json_decref(rows);
		return EXIT_OK;
	}
	f.course_id = id;
	if (overdue) {
		f.any_status = false;
		f.status = TRAINING_OVERDUE;
	}
	if ((r = all_assignments(s, &f, &rows)) < 0)
		return cli_fail(r);
	if (id) {
		/* One course: its fields, lessons and progress, then who has it. */
		if (cli->json)
			return print_course(cli, s, id, json_pack("{s:o}", "assignments", rows));
		if ((r = print_course(cli, s, id, NULL)) != EXIT_OK) {
			json_decref(rows);
			return r;
		}
		printf("\n%s:\n", overdue ? "overdue" : "assignments");
	} else if (cli->json) {
		cli_print_json(rows);
		return EXIT_OK;
	}
	if (json_array_size(rows) == 0)
		printf("%s\n", overdue ? "nothing is overdue" : "nobody has this course");
	else
		cli_print_table(rows, akeys, aheaders);
	json_decref(rows);
	return EXIT_OK;
}

int cmd_course_complete(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"user", required_argument, NULL, 'u'}, {0, 0, 0, 0}};
	const char *user = NULL;
	int64_t id, now = time_now();
	struct store *s;
	json_t *a;
	int c, r;
	while ((c = cli_getopt(cli, argc, argv, opts)) != -1) {
		switch (c) {
		case 'u': user = optarg; break;
		case 'h': return cli_help(cli);
		default: return EXIT_USAGE;
		}
	}
	if (!user)
		return cli_usage_error(cli, "whose course? give --user");
	if ((r = course_arg(cli, argc, argv, &id)) || (r = cli_store(cli, &s)))
		return r;
	if ((r = training_complete(s, actlog_local_actor(), id, user, now)) < 0 ||
	    (r = training_assignment_get(s, id, user, now, &a)) < 0)
		return cli_fail(r);
	if (cli->json) {
		cli_print_json(a);
		return EXIT_OK;
	}
	printf("course %lld marked complete for %s (by an admin)\n", (long long)id, user);
	json_decref(a);
	return EXIT_OK;
}

int cmd_course_list(struct cli *cli, int argc, char **argv)
{
	static const char *const keys[] = {"id",	"kind",	     "title",	   "lessons",
					   "questions", "pass_mark", "created_at", NULL};
	static const char *const headers[] = {"ID", "KIND", "TITLE", "LESSONS", "QUESTIONS", "PASS", "CREATED", NULL};
	struct store *s;
	json_t *rows;
	int c, r;
	static const struct option opts[] = {{0, 0, 0, 0}};
	while ((c = cli_getopt(cli, argc, argv, opts)) != -1) {
		switch (c) {
		case 'h': return cli_help(cli);
		default: return EXIT_USAGE;
		}
	}
	if ((r = cli_positionals(cli, argc, argv, 0)) || (r = cli_store(cli, &s)))
		return r;
	if ((r = all_courses(s, &rows)) < 0)
		return cli_fail(r);
	if (cli->json) {
		cli_print_json(rows);
		return EXIT_OK;
	}
	if (json_array_size(rows) == 0)
		printf("no courses yet: 'ward course add' writes one\n");
	else
		cli_print_table(rows, keys, headers);
	json_decref(rows);
	return EXIT_OK;
}

int cmd_course_notice(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"package", required_argument, NULL, 'p'},
					     {"title", required_argument, NULL, 't'},
					     {"file", required_argument, NULL, 'f'},
					     {"due", required_argument, NULL, 'd'},
					     {0, 0, 0, 0}};
	struct training_notice n = {.due_s = 7 * 86400};
	const char *file = NULL;
	int64_t id;
	struct store *s;
	char *text = NULL;
	json_t *res;
	int c, r;
	while ((c = cli_getopt(cli, argc, argv, opts)) != -1) {
		switch (c) {
		case 'p': n.package = optarg; break;
		case 't': n.title = optarg; break;
		case 'f': file = optarg; break;
		case 'd':
			if (time_parse_duration(optarg, &n.due_s) < 0 || n.due_s < 86400 ||
			    n.due_s > (int64_t)TRAINING_NOTICE_DAYS_MAX * 86400)
				return cli_usage_error(cli, "--due must be 1d to %dd", TRAINING_NOTICE_DAYS_MAX);
			break;
		case 'h': return cli_help(cli);
		default: return EXIT_USAGE;
		}
	}
	if (!n.package || !n.title || !file)
		return cli_usage_error(cli, "a change note needs --package, --title and --file (- for stdin)");
	if ((r = cli_positionals(cli, argc, argv, 0)) || (r = cli_store(cli, &s)))
		return r;
	if ((r = read_text(file, &text)) < 0)
		return cli_fail(r);
	n.text = text;
	r = training_notice_publish(s, actlog_local_actor(), &n, time_now(), &id, &res);
	free(text);
	if (r < 0)
		return cli_fail(r);
	if (cli->json)
		return print_course(cli, s, id, res);
	printf("published change note for %s as course %lld (article %lld)\n", n.package, (long long)id,
	       (long long)json_integer_value(json_object_get(res, "article_id")));
	print_reach(res, "assigned to");
	json_decref(res);
	return EXIT_OK;
}

int cmd_course_remind(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{0, 0, 0, 0}};
	struct training_remind_result res = {0};
	int64_t now = time_now();
	struct store *s;
	int added = 0, c, r;
	while ((c = cli_getopt(cli, argc, argv, opts)) != -1) {
		switch (c) {
		case 'h': return cli_help(cli);
		default: return EXIT_USAGE;
		}
	}
	if ((r = cli_positionals(cli, argc, argv, 0)) || (r = cli_store(cli, &s)))
		return r;
	/* By mail when the help desk's mail is set up; otherwise recorded as unsent, with why. */
	struct helpdesk_mail_config mc;
	int m = helpdesk_mail_config(s, &mc);
	if (m < 0 && m != -ENOENT)
		return cli_fail(m);
	if ((r = training_sync(s, NULL, now, &added)) == 0)
		r = training_remind(s, now, m == 0 ? &mc.smtp : NULL, m == 0 ? mc.from_addr : NULL, &res);
	if (m == 0)
		helpdesk_mail_config_free(&mc);
	if (r < 0)
		return cli_fail(r);
	if (cli->json) {
		cli_print_json(json_pack("{s:i, s:i, s:i, s:i}", "assigned", added, "sent", res.sent, "unsent",
					 res.unsent, "failed", res.failed));
		return EXIT_OK;
	}
	if (added)
		printf("%d new assignment%s from role and package rules\n", added, added == 1 ? "" : "s");
	printf("%d reminder%s sent, %d recorded unsent, %d failed\n", res.sent,
	       res.sent == 1 ? "" : "s", res.unsent, res.failed);
	return EXIT_OK;
}
