/*
 * Unit tests for training: quiz checking and server-side scoring, pass marks, courses
 * and their edits (recorded scores never change), assignment to a user, a role and the
 * users of a program (machines with the package in their latest inventory), rules for
 * people who qualify later, overdue computation and progress, admin completion, change
 * notes, and reminders: recorded without a mail server, and sent to a real aiosmtpd on
 * loopback (Debian's python3-aiosmtpd; missing is a failure, as in test_smtp.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "accounts/accounts.h"
#include "actlog/actlog.h"
#include "core/crypto.h"
#include "core/err.h"
#include "core/json.h"
#include "core/store.h"
#include "core/timeutil.h"
#include "hosts/hosts.h"
#include "kb/kb.h"
#include "training/training.h"

extern char **environ;

static char dir[256];
static struct store *st;
static int64_t T0; /* "now" at the start of each test */

#define DAY 86400

static void user(const char *name, enum role role, const char *email)
{
	struct user u;
	int r = accounts_user_add(st, "admin", name, role, email, "a long enough password", &u);
	if (r < 0)
		fail_msg("cannot add user '%s': %s", name, err_msg(r));
}

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/ward-unit-training.XXXXXX");
	if (!mkdtemp(dir) || crypto_init() < 0 || store_setup(dir) < 0 || store_open(true, &st) < 0)
		return -1;
	T0 = time_now();
	/* The people: two employees (one without e-mail), support, an admin, and a
	 * disabled employee. */
	user("erin", ROLE_EMPLOYEE, "erin@example.com");
	user("eve", ROLE_EMPLOYEE, NULL);
	user("sam", ROLE_SUPPORT, "sam@example.com");
	user("boss", ROLE_ADMIN, "boss@example.com");
	user("dave", ROLE_EMPLOYEE, "dave@example.com");
	struct user u;
	if (accounts_user_set_disabled(st, "admin", "dave", true, &u) < 0)
		return -1;
	return 0;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int teardown(void **state)
{
	store_release();
	return nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : -1;
}

static int64_t article(const char *title, const char *visibility)
{
	struct kb_fields f = {
	    .title = title, .body = "Do *this*, then that.", .category = "Howto", .visibility = visibility};
	int64_t id = 0;
	int r = kb_article_create(st, "sam", &f, &id);
	if (r < 0)
		fail_msg("cannot add article '%s': %s", title, err_msg(r));
	return id;
}

static json_t *parse(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);
	if (!j)
		fail_msg("bad test JSON '%s': %s", text, e.text);
	return j;
}

/* Two questions: one single choice (b), one multiple choice (a and c). */
static const char quiz2[] = "[{\"text\": \"Where are files kept?\", \"options\": [\"Desktop\", \"Share\", \"USB\"], "
			    "\"correct\": 1},"
			    " {\"text\": \"Which are safe?\", \"options\": [\"VPN\", \"Public Wi-Fi\", \"Tethering\"], "
			    "\"correct\": [2, 0]}]";

static int64_t course(const char *title, const int64_t *lessons, int n, const char *quiz, int pass)
{
	json_t *q = quiz ? parse(quiz) : NULL;
	struct training_course_fields f = {.title = title,
					   .description = "About it.",
					   .lessons = lessons,
					   .nlessons = n,
					   .quiz = q,
					   .pass_mark = pass};
	int64_t id = 0;
	int r = training_course_create(st, "boss", &f, &id);
	json_decref(q);
	if (r < 0)
		fail_msg("cannot add course '%s': %s", title, err_msg(r));
	return id;
}

static int log_count(const char *action)
{
	struct actlog_filter f = {.action = action, .limit = 500};
	json_t *entries;
	int64_t next;
	assert_int_equal(actlog_list(st, &f, &entries, &next), 0);
	int n = (int)json_array_size(entries);
	json_decref(entries);
	return n;
}

static void expect_err(int r, int code, const char *words)
{
	if (r != code)
		fail_msg("expected %d, got %d (%s)", code, r, r < 0 ? err_msg(r) : "ok");
	if (words && !strstr(err_msg(r), words))
		fail_msg("message '%s' does not say '%s'", err_msg(r), words);
}

/* The names of a JSON array of strings as "a,b,c". */
static const char *names(const json_t *arr)
{
	static char buf[1024];
	size_t i, len = 0;
	json_t *v;
	buf[0] = '\0';
	json_array_foreach(arr, i, v) len +=
	    (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s", i ? "," : "",
			     json_is_string(v) ? json_string_value(v) : json_string_value(json_object_get(v, "user")));
	return buf;
}

static const char *str(const json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));
	return v ? v : "(null)";
}

static json_int_t num(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

/* The status of user's assignment of the course at time now. */
static const char *status_of(int64_t course_id, const char *who, int64_t now)
{
	static char buf[32];
	json_t *a;
	int r = training_assignment_get(st, course_id, who, now, &a);
	if (r < 0)
		fail_msg("no assignment for '%s': %s", who, err_msg(r));
	snprintf(buf, sizeof(buf), "%s", str(a, "status"));
	json_decref(a);
	return buf;
}

/* ------------------------------------------------------------------------------------
 * Quizzes and scoring
 */

static void test_quiz_check(void **state)
{
	json_t *q = parse(quiz2), *norm;
	assert_int_equal(training_quiz_check(q, &norm), 0);
	/* Correct answers are kept as sorted index arrays. */
	char *canon = json_canonical(norm);
	assert_non_null(strstr(canon, "\"correct\":[1]"));
	assert_non_null(strstr(canon, "\"correct\":[0,2]"));
	free(canon);
	json_decref(norm);
	json_decref(q);

	static const struct {
		const char *quiz, *words;
	} bad[] = {
	    {"{}", "must be an array"},
	    {"[]", "no questions"},
	    {"[1]", "question 1 must be an object"},
	    {"[{\"options\": [\"a\", \"b\"], \"correct\": 0}]", "question 1: text is required"},
	    {"[{\"text\": \"  \", \"options\": [\"a\", \"b\"], \"correct\": 0}]", "question 1 is required"},
	    {"[{\"text\": \"q\", \"options\": [\"a\"], \"correct\": 0}]", "2 to 8 strings"},
	    {"[{\"text\": \"q\", \"options\": [\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\"], \"correct\": "
	     "0}]",
	     "2 to 8 strings"},
	    {"[{\"text\": \"q\", \"options\": [\"a\", \"\"], \"correct\": 0}]", "option 1 is required"},
	    {"[{\"text\": \"q\", \"options\": [\"a\", 5], \"correct\": 0}]", "option 1 must be a string"},
	    {"[{\"text\": \"q\", \"options\": [\"a\", \"a\"], \"correct\": 0}]", "options 0 and 1 are the same"},
	    {"[{\"text\": \"q\", \"options\": [\"a\", \"b\"]}]", "correct is required"},
	    {"[{\"text\": \"q\", \"options\": [\"a\", \"b\"], \"correct\": []}]", "at least one option"},
	    {"[{\"text\": \"q\", \"options\": [\"a\", \"b\"], \"correct\": 2}]", "from 0 to 1"},
	    {"[{\"text\": \"q\", \"options\": [\"a\", \"b\"], \"correct\": [0, 0]}]", "twice"},
	    {"[{\"text\": \"q\", \"options\": [\"a\", \"b\"], \"correct\": \"a\"}]", "option index"},
	    {"[{\"text\": \"q\", \"options\": [\"a\", \"b\"], \"correct\": 0, \"hint\": 1}]", "unknown field 'hint'"},
	    {"[{\"text\": \"a\\u0001b\", \"options\": [\"a\", \"b\"], \"correct\": 0}]", "control characters"},
	    {"[{\"text\": \"q\", \"options\": [\"a\\nb\", \"b\"], \"correct\": 0}]", "control characters"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		q = parse(bad[i].quiz);
		norm = (json_t *)0x1;
		int r = training_quiz_check(q, &norm);
		if (r != -EINVAL || !strstr(err_msg(r), bad[i].words))
			fail_msg("quiz %s: %d '%s', expected '%s'", bad[i].quiz, r, err_msg(r), bad[i].words);
		assert_ptr_equal(norm, (json_t *)0x1); /* untouched */
		json_decref(q);
	}
	/* Limits: 51 questions; an option of 301 characters (multi-byte counts as one). */
	json_t *many = json_array();
	for (int i = 0; i < TRAINING_QUESTIONS_MAX + 1; i++)
		json_array_append_new(
		    many, json_pack("{s:s, s:[s, s], s:i}", "text", "q", "options", "a", "b", "correct", 0));
	expect_err(training_quiz_check(many, &norm), -EINVAL, "more than 50 questions");
	json_array_remove(many, 0);
	assert_int_equal(training_quiz_check(many, &norm), 0);
	json_decref(norm);
	json_decref(many);
	char opt[TRAINING_OPTION_MAX * 2 + 3];
	for (int i = 0; i < TRAINING_OPTION_MAX; i++)
		memcpy(opt + 2 * i, "\xc3\xa9", 2); /* é */
	opt[2 * TRAINING_OPTION_MAX] = '\0';
	q = json_pack("[{s:s, s:[s, s], s:i}]", "text", "q", "options", opt, "b", "correct", 0);
	assert_int_equal(training_quiz_check(q, &norm), 0);
	json_decref(norm);
	json_decref(q);
	size_t olen = strlen(opt);
	opt[olen] = 'x';
	opt[olen + 1] = '\0';
	q = json_pack("[{s:s, s:[s, s], s:i}]", "text", "q", "options", opt, "b", "correct", 0);
	expect_err(training_quiz_check(q, &norm), -EINVAL, "longer than 300 characters");
	json_decref(q);
}

static void test_scoring(void **state)
{
	json_t *raw = parse(quiz2), *quiz, *norm;
	assert_int_equal(training_quiz_check(raw, &quiz), 0);
	json_decref(raw);
	static const struct {
		const char *answers;
		int correct;
	} cases[] = {
	    {"[1, [0, 2]]", 2},			    /* all right */
	    {"[[1], [2, 0]]", 2},		    /* order does not matter, a single index or an array */
	    {"[1, [0]]", 1},			    /* part of a multiple choice is wrong */
	    {"[1, [0, 1, 2]]", 1},		    /* choosing every option is wrong */
	    {"[0, [0, 2]]", 1},	   {"[[], []]", 0}, /* unanswered */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *a = parse(cases[i].answers);
		int correct = -1, total = -1;
		assert_int_equal(training_quiz_score(quiz, a, &correct, &total, &norm), 0);
		if (correct != cases[i].correct)
			fail_msg("answers %s: %d right, expected %d", cases[i].answers, correct, cases[i].correct);
		assert_int_equal(total, 2);
		json_decref(norm);
		json_decref(a);
	}
	json_t *a = parse("[[1], [2, 0]]");
	assert_int_equal(training_quiz_score(quiz, a, &(int){0}, &(int){0}, &norm), 0);
	char *canon = json_canonical(norm);
	assert_string_equal(canon, "[[1],[0,2]]"); /* normalised as stored */
	free(canon);
	json_decref(norm);
	json_decref(a);

	static const struct {
		const char *answers, *words;
	} bad[] = {
	    {"{}", "must be an array"},
	    {"[1]", "answers has 1 entries; the quiz has 2 questions"},
	    {"[1, [0, 2], 1]", "answers has 3 entries"},
	    {"[3, [0]]", "answer 1: choices must be option indexes from 0 to 2"},
	    {"[-1, [0]]", "from 0 to 2"},
	    {"[1, [0, 0]]", "answer 2 names option 0 twice"},
	    {"[1, \"0\"]", "answer 2 must be an option index"},
	    {"[1, [0, 1, 2, 0]]", "more choices than the question has options"},
	    {"[1.0, [0]]", "answer 1 must be an option index"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		a = parse(bad[i].answers);
		int correct = 77, total = 77;
		int r = training_quiz_score(quiz, a, &correct, &total, NULL);
		if (r != -EINVAL || !strstr(err_msg(r), bad[i].words))
			fail_msg("answers %s: %d '%s', expected '%s'", bad[i].answers, r, err_msg(r), bad[i].words);
		assert_int_equal(correct, 77);
		assert_int_equal(total, 77);
		json_decref(a);
	}
	json_decref(quiz);

	/* Percentages round down; passing is exact. */
	assert_int_equal(training_score_percent(2, 3), 66);
	assert_int_equal(training_score_percent(1, 3), 33);
	assert_int_equal(training_score_percent(3, 3), 100);
	assert_int_equal(training_score_percent(0, 0), 0);
	assert_true(training_passed(2, 3, 66));
	assert_false(training_passed(2, 3, 67));
	assert_true(training_passed(4, 5, 80));
	assert_false(training_passed(3, 5, 80));
	assert_true(training_passed(5, 5, 100));
	assert_false(training_passed(49, 50, 100));
	assert_false(training_passed(0, 0, 1));
	assert_true(training_passed(1, 100, 1));
	assert_false(training_passed(0, 100, 1));
}

static void test_due_and_status(void **state)
{
	int64_t now = 1700000000, t = 0;
	assert_int_equal(training_parse_due("14d", now, &t), 0);
	assert_int_equal(t, now + 14 * DAY);
	assert_int_equal(training_parse_due("36h", now, &t), 0);
	assert_int_equal(t, now + 36 * 3600);
	assert_int_equal(training_parse_due("2w", now, &t), 0);
	assert_int_equal(t, now + 14 * DAY);
	/* 2023-11-14 22:13:20 UTC is now: a date means the end of its day. */
	assert_int_equal(training_parse_due("2023-11-20", now, &t), 0);
	assert_int_equal(t, 1700524799);
	assert_int_equal(training_parse_due("2023-11-15T09:00:00Z", now, &t), 0);
	assert_int_equal(t, 1700038800);
	t = 5;
	expect_err(training_parse_due("2023-11-14T00:00:00Z", now, &t), -EINVAL, "not in the future");
	expect_err(training_parse_due("0d", now, &t), -EINVAL, "not in the future");
	expect_err(training_parse_due("-3d", now, &t), -EINVAL, "not valid");
	expect_err(training_parse_due("soon", now, &t), -EINVAL, "not valid");
	expect_err(training_parse_due("2023-02-30", now, &t), -EINVAL, "not valid");
	expect_err(training_parse_due("", now, &t), -EINVAL, "required");
	expect_err(training_parse_due("1200d", now, &t), -EINVAL, "more than 3 years");
	expect_err(training_parse_due("2099-01-01", now, &t), -EINVAL, "more than 3 years");
	expect_err(training_parse_due("99999999999999999999d", now, &t), -EINVAL, "not valid");
	assert_int_equal(t, 5);

	/* Overdue once the due time has passed; completed wins; no due date never. */
	assert_int_equal(training_status_at(100, 0, 99), TRAINING_ASSIGNED);
	assert_int_equal(training_status_at(100, 0, 100), TRAINING_ASSIGNED);
	assert_int_equal(training_status_at(100, 0, 101), TRAINING_OVERDUE);
	assert_int_equal(training_status_at(100, 150, 200), TRAINING_COMPLETED);
	assert_int_equal(training_status_at(0, 0, INT64_MAX), TRAINING_ASSIGNED);
	enum training_status s;
	assert_int_equal(training_status_parse("overdue", &s), 0);
	assert_int_equal(s, TRAINING_OVERDUE);
	expect_err(training_status_parse("late", &s), -EINVAL, "not valid");
	assert_string_equal(training_status_name(TRAINING_COMPLETED), "completed");

	assert_int_equal(training_check_package("openssh-server"), 0);
	assert_int_equal(training_check_package("libstdc++6"), 0);
	expect_err(training_check_package(""), -EINVAL, "required");
	expect_err(training_check_package("a b"), -EINVAL, "printable ASCII");
	expect_err(training_check_package("caf\xc3\xa9"), -EINVAL, "printable ASCII");
}

/* ------------------------------------------------------------------------------------
 * Courses
 */

static void test_course_create_edit(void **state)
{
	int64_t a1 = article("Save to the share", NULL), a2 = article("Use the VPN", NULL);
	int64_t internal = article("Reset the directory", "support");
	int64_t lessons[] = {a1, a2};
	int64_t id = course("Files and VPN", lessons, 2, quiz2, 0);
	json_t *c;
	assert_int_equal(training_course_get(st, "boss", ROLE_ADMIN, id, T0, &c), 0);
	assert_string_equal(str(c, "title"), "Files and VPN");
	assert_string_equal(str(c, "kind"), "course");
	assert_int_equal(num(c, "pass_mark"), TRAINING_PASS_DEFAULT);
	assert_int_equal(num(c, "questions"), 2);
	assert_int_equal(json_array_size(json_object_get(c, "lessons")), 2);
	json_t *l1 = json_array_get(json_object_get(c, "lessons"), 1);
	assert_int_equal(num(l1, "n"), 2);
	assert_int_equal(num(l1, "article_id"), a2);
	assert_string_equal(str(l1, "title"), "Use the VPN");
	assert_string_equal(str(l1, "slug"), "use-the-vpn");
	/* Admins see the answers and the progress. */
	json_t *q2 = json_array_get(json_object_get(c, "quiz"), 1);
	assert_true(json_is_true(json_object_get(q2, "multiple")));
	assert_non_null(json_object_get(q2, "correct"));
	assert_int_equal(num(json_object_get(c, "progress"), "assigned"), 0);
	assert_true(json_is_null(json_object_get(json_object_get(c, "progress"), "average_score")));
	json_decref(c);
	/* Others do not see a course not assigned to them. */
	expect_err(training_course_get(st, "erin", ROLE_EMPLOYEE, id, T0, &c), -ENOENT, "does not exist");
	expect_err(training_course_get(st, "boss", ROLE_ADMIN, id + 99, T0, &c), -ENOENT, "does not exist");
	assert_int_equal(log_count("training.course_create"), 1);

	/* Refusals write nothing. */
	int before = log_count("training.*");
	struct training_course_fields f = {.title = "x", .lessons = (int64_t[]){a1, 9999}, .nlessons = 2};
	int64_t nid = 77;
	expect_err(training_course_create(st, "boss", &f, &nid), -EINVAL, "lesson 2: article 9999 does not exist");
	f.lessons = (int64_t[]){internal};
	f.nlessons = 1;
	expect_err(training_course_create(st, "boss", &f, &nid), -EINVAL, "for support staff only");
	f.lessons = (int64_t[]){a1, a1};
	f.nlessons = 2;
	expect_err(training_course_create(st, "boss", &f, &nid), -EINVAL, "lessons 1 and 2 are the same");
	f = (struct training_course_fields){.title = "x"};
	expect_err(training_course_create(st, "boss", &f, &nid), -EINVAL, "at least one lesson or a quiz");
	f = (struct training_course_fields){.title = "  ", .lessons = &a1, .nlessons = 1};
	expect_err(training_course_create(st, "boss", &f, &nid), -EINVAL, "title is required");
	f = (struct training_course_fields){.title = "x", .lessons = &a1, .nlessons = 1, .pass_mark = 101};
	expect_err(training_course_create(st, "boss", &f, &nid), -EINVAL, "pass mark");
	f = (struct training_course_fields){.title = "x", .lessons = &a1, .nlessons = TRAINING_LESSONS_MAX + 1};
	expect_err(training_course_create(st, "boss", &f, &nid), -EINVAL, "at most 50 lessons");
	char title[TRAINING_TITLE_MAX + 2];
	memset(title, 'a', sizeof(title) - 1);
	title[sizeof(title) - 1] = '\0';
	f = (struct training_course_fields){.title = title, .lessons = &a1, .nlessons = 1};
	expect_err(training_course_create(st, "boss", &f, &nid), -EINVAL, "longer than 200 characters");
	json_t *badq = parse("[{\"text\": \"q\", \"options\": [\"a\", \"b\"], \"correct\": 5}]");
	f = (struct training_course_fields){.title = "x", .quiz = badq};
	expect_err(training_course_create(st, "boss", &f, &nid), -EINVAL, "question 1");
	json_decref(badq);
	assert_int_equal(nid, 77);
	assert_int_equal(log_count("training.*"), before);

	/* Edits: what changed is logged; an edit changing nothing writes nothing. */
	f = (struct training_course_fields){
	    .title = "Files, VPN", .pass_mark = 50, .set_lessons = true, .lessons = (int64_t[]){a2, a1}, .nlessons = 2};
	assert_int_equal(training_course_edit(st, "boss", id, &f), 0);
	assert_int_equal(training_course_edit(st, "boss", id, &f), 0);
	assert_int_equal(log_count("training.course_edit"), 1);
	struct actlog_filter lf = {.action = "training.course_edit", .limit = 1};
	json_t *entries;
	int64_t next;
	assert_int_equal(actlog_list(st, &lf, &entries, &next), 0);
	assert_string_equal(names(json_object_get(json_object_get(json_array_get(entries, 0), "details"), "changed")),
			    "title,lessons,pass_mark");
	json_decref(entries);
	f = (struct training_course_fields){0};
	expect_err(training_course_edit(st, "boss", id, &f), -EINVAL, "nothing to change");
	f = (struct training_course_fields){.set_quiz = true, .quiz = NULL, .set_lessons = true, .nlessons = 0};
	expect_err(training_course_edit(st, "boss", id, &f), -EINVAL, "at least one lesson or a quiz");
	f = (struct training_course_fields){.title = "y"};
	expect_err(training_course_edit(st, "boss", id + 99, &f), -ENOENT, "does not exist");

	/* Listing: admins see every course with its progress. */
	course("Second", &a1, 1, NULL, 0);
	json_t *list;
	assert_int_equal(training_course_list(st, "boss", ROLE_ADMIN, 0, 1, T0, &list, &next), 0);
	assert_int_equal(json_array_size(list), 1);
	assert_int_equal(next, id);
	assert_non_null(json_object_get(json_array_get(list, 0), "progress"));
	json_decref(list);
	assert_int_equal(training_course_list(st, "boss", ROLE_ADMIN, next, 1, T0, &list, &next), 0);
	assert_string_equal(str(json_array_get(list, 0), "title"), "Second");
	assert_int_equal(next, 0);
	json_decref(list);
	assert_int_equal(training_course_list(st, "erin", ROLE_EMPLOYEE, 0, 0, T0, &list, &next), 0);
	assert_int_equal(json_array_size(list), 0);
	json_decref(list);
	expect_err(training_course_list(st, "boss", ROLE_ADMIN, 0, TRAINING_PAGE_MAX + 1, T0, &list, &next), -EINVAL,
		   "limit");
}

/* ------------------------------------------------------------------------------------
 * Taking a course
 */

static void test_take_course(void **state)
{
	int64_t a1 = article("Save to the share", NULL), a2 = article("Use the VPN", NULL);
	int64_t lessons[] = {a1, a2};
	int64_t id = course("Files and VPN", lessons, 2, quiz2, 100);
	json_t *res, *ans;
	assert_int_equal(training_assign(st, "boss", id, TRAINING_TO_USER, "erin", T0 + 14 * DAY, T0, &res), 0);
	assert_string_equal(names(json_object_get(res, "assigned")), "erin");
	json_decref(res);
	/* Again: the user keeps the assignment as it was. */
	assert_int_equal(training_assign(st, "boss", id, TRAINING_TO_USER, "erin", T0 + 30 * DAY, T0, &res), 0);
	assert_string_equal(names(json_object_get(res, "already")), "erin");
	assert_int_equal(json_array_size(json_object_get(res, "assigned")), 0);
	json_decref(res);
	expect_err(training_assign(st, "boss", id, TRAINING_TO_USER, "nobody", 0, T0, &res), -EINVAL,
		   "user 'nobody' does not exist");
	expect_err(training_assign(st, "boss", id, TRAINING_TO_USER, "dave", 0, T0, &res), -EINVAL, "disabled");
	expect_err(training_assign(st, "boss", id, TRAINING_TO_USER, "eve", T0 - 1, T0, &res), -EINVAL,
		   "not in the future");
	expect_err(training_assign(st, "boss", id + 99, TRAINING_TO_USER, "eve", 0, T0, &res), -ENOENT,
		   "does not exist");

	/* Erin sees it, without the answers. */
	json_t *c;
	assert_int_equal(training_course_get(st, "erin", ROLE_EMPLOYEE, id, T0, &c), 0);
	json_t *q1 = json_array_get(json_object_get(c, "quiz"), 0);
	assert_null(json_object_get(q1, "correct"));
	assert_false(json_is_true(json_object_get(q1, "multiple")));
	assert_null(json_object_get(c, "progress"));
	assert_string_equal(str(json_object_get(c, "assignment"), "status"), "assigned");
	json_decref(c);
	expect_err(training_course_get(st, "eve", ROLE_EMPLOYEE, id, T0, &c), -ENOENT, "does not exist");

	/* The quiz needs every lesson read first. */
	ans = parse("[1, [0, 2]]");
	expect_err(training_quiz_submit(st, "erin", id, ans, T0 + 10, &res), -EEXIST, "read every lesson");
	expect_err(training_quiz_submit(st, "eve", id, ans, T0 + 10, &res), -ENOENT, "not assigned");
	assert_int_equal(training_lesson_read(st, "erin", id, 1, T0 + 10, &res), 0);
	assert_int_equal(num(res, "lessons_read"), 1);
	json_decref(res);
	assert_int_equal(training_lesson_read(st, "erin", id, 1, T0 + 11, NULL), 0); /* again: nothing */
	assert_int_equal(log_count("training.read"), 1);
	expect_err(training_lesson_read(st, "erin", id, 3, T0 + 12, NULL), -ENOENT, "has no lesson 3");
	expect_err(training_lesson_read(st, "erin", id, 0, T0 + 12, NULL), -ENOENT, "has no lesson 0");
	expect_err(training_lesson_read(st, "eve", id, 1, T0 + 12, NULL), -ENOENT, "not assigned");
	assert_int_equal(training_lesson_read(st, "erin", id, 2, T0 + 20, NULL), 0);
	assert_string_equal(status_of(id, "erin", T0 + 20), "assigned"); /* a quiz is still to pass */

	/* Wrong, then right (the pass mark is 100). The server scores; malformed answers
	 * are not an attempt. */
	json_t *half = parse("[1, [0]]");
	assert_int_equal(training_quiz_submit(st, "erin", id, half, T0 + 30, &res), 0);
	assert_int_equal(num(res, "score"), 50);
	assert_false(json_is_true(json_object_get(res, "passed")));
	assert_int_equal(num(res, "attempts"), 1);
	assert_int_equal(num(res, "attempts_left"), TRAINING_ATTEMPTS_MAX - 1);
	assert_string_equal(str(json_object_get(res, "assignment"), "status"), "assigned");
	json_decref(res);
	json_t *bad = parse("[1]");
	expect_err(training_quiz_submit(st, "erin", id, bad, T0 + 31, &res), -EINVAL, "entries");
	json_decref(bad);
	assert_int_equal(training_quiz_submit(st, "erin", id, ans, T0 + 40, &res), 0);
	assert_int_equal(num(res, "score"), 100);
	assert_true(json_is_true(json_object_get(res, "passed")));
	assert_int_equal(num(res, "attempts"), 2);
	json_t *a = json_object_get(res, "assignment");
	assert_string_equal(str(a, "status"), "completed");
	assert_string_equal(str(a, "completed_by"), "erin");
	assert_false(json_is_true(json_object_get(a, "override")));
	assert_int_equal(num(a, "score"), 100);
	json_decref(res);
	expect_err(training_quiz_submit(st, "erin", id, ans, T0 + 50, &res), -EEXIST, "complete already");
	assert_int_equal(log_count("training.attempt"), 2);
	assert_int_equal(log_count("training.complete"), 1);
	/* Even long after the due date it stays completed. */
	assert_string_equal(status_of(id, "erin", T0 + 100 * DAY), "completed");

	/* Editing the course (quiz, pass mark, lessons) changes no recorded score. */
	json_t *newq = parse("[{\"text\": \"Only?\", \"options\": [\"x\", \"y\"], \"correct\": 1}]");
	struct training_course_fields f = {
	    .set_quiz = true, .quiz = newq, .pass_mark = 10, .set_lessons = true, .lessons = &a2, .nlessons = 1};
	assert_int_equal(training_course_edit(st, "boss", id, &f), 0);
	json_decref(newq);
	assert_int_equal(training_assignment_get(st, id, "erin", T0 + 60, &a), 0);
	assert_int_equal(num(a, "score"), 100);
	assert_string_equal(str(a, "status"), "completed");
	assert_int_equal(num(a, "attempts"), 2);
	assert_int_equal(num(a, "lessons"), 1);
	assert_int_equal(num(a, "lessons_read"), 1); /* reads follow the article */
	json_decref(a);
	json_t *progress;
	assert_int_equal(training_progress(st, id, T0 + 60, &progress), 0);
	assert_int_equal(num(progress, "completed"), 1);
	assert_true(json_real_value(json_object_get(progress, "average_score")) == 100.0);
	json_decref(progress);
	json_decref(half);
	json_decref(ans);
}

static void test_no_quiz_and_attempts(void **state)
{
	int64_t a1 = article("One", NULL), a2 = article("Two", NULL);
	int64_t lessons[] = {a1, a2};
	int64_t reading = course("Just read", lessons, 2, NULL, 0);
	json_t *res;
	assert_int_equal(training_assign(st, "boss", reading, TRAINING_TO_USER, "eve", 0, T0, &res), 0);
	json_decref(res);
	json_t *ans = parse("[0]");
	expect_err(training_quiz_submit(st, "eve", reading, ans, T0, &res), -EINVAL, "has no quiz");
	json_decref(ans);
	assert_int_equal(training_lesson_read(st, "eve", reading, 2, T0 + 1, NULL), 0);
	assert_string_equal(status_of(reading, "eve", T0 + 1), "assigned");
	assert_int_equal(training_lesson_read(st, "eve", reading, 1, T0 + 2, &res), 0);
	assert_string_equal(str(res, "status"), "completed");
	assert_true(json_is_null(json_object_get(res, "score")));
	assert_true(json_is_null(json_object_get(res, "attempts_left")));
	json_decref(res);

	/* A quiz-only course: TRAINING_ATTEMPTS_MAX attempts, then only an admin. */
	int64_t quiz_only = course("Quiz only", NULL, 0, quiz2, 100);
	assert_int_equal(training_assign(st, "boss", quiz_only, TRAINING_TO_USER, "eve", 0, T0, &res), 0);
	json_decref(res);
	ans = parse("[0, [1]]");
	for (int i = 0; i < TRAINING_ATTEMPTS_MAX; i++) {
		assert_int_equal(training_quiz_submit(st, "eve", quiz_only, ans, T0 + i, &res), 0);
		assert_int_equal(num(res, "score"), 0);
		assert_int_equal(num(res, "attempts_left"), TRAINING_ATTEMPTS_MAX - i - 1);
		json_decref(res);
	}
	expect_err(training_quiz_submit(st, "eve", quiz_only, ans, T0 + 99, &res), -EEXIST, "no attempts left");
	json_decref(ans);
	assert_int_equal(log_count("training.attempt"), TRAINING_ATTEMPTS_MAX);

	/* The admin override is recorded as such; the score stays what the quiz gave. */
	assert_int_equal(training_complete(st, "boss", quiz_only, "eve", T0 + 100), 0);
	json_t *a;
	assert_int_equal(training_assignment_get(st, quiz_only, "eve", T0 + 100, &a), 0);
	assert_string_equal(str(a, "status"), "completed");
	assert_string_equal(str(a, "completed_by"), "boss");
	assert_true(json_is_true(json_object_get(a, "override")));
	assert_int_equal(num(a, "score"), 0);
	json_decref(a);
	expect_err(training_complete(st, "boss", quiz_only, "eve", T0 + 101), -EEXIST, "complete for 'eve' already");
	expect_err(training_complete(st, "boss", quiz_only, "erin", T0 + 101), -ENOENT, "not assigned");
	struct actlog_filter lf = {.action = "training.complete", .limit = 10};
	json_t *entries;
	int64_t next;
	assert_int_equal(actlog_list(st, &lf, &entries, &next), 0);
	json_t *last = json_array_get(entries, 0);
	assert_string_equal(str(last, "actor"), "boss");
	assert_true(json_is_true(json_object_get(json_object_get(last, "details"), "override")));
	json_decref(entries);
}

/* ------------------------------------------------------------------------------------
 * Who an assignment reaches
 */

static void test_role_assignment_and_sync(void **state)
{
	int64_t a1 = article("Phishing", NULL);
	int64_t id = course("Spot phishing", &a1, 1, NULL, 0);
	json_t *res;
	assert_int_equal(training_assign(st, "boss", id, TRAINING_TO_ROLE, "employee", T0 + 7 * DAY, T0, &res), 0);
	/* Every enabled employee; the disabled one is skipped with the reason. */
	assert_string_equal(names(json_object_get(res, "assigned")), "erin,eve");
	assert_string_equal(names(json_object_get(res, "skipped")), "dave");
	assert_string_equal(str(json_array_get(json_object_get(res, "skipped"), 0), "reason"), "user is disabled");
	json_decref(res);
	assert_int_equal(log_count("training.assign"), 2);
	assert_int_equal(log_count("training.rule"), 1);
	json_t *a;
	assert_int_equal(training_assignment_get(st, id, "eve", T0, &a), 0);
	assert_string_equal(str(a, "via"), "role:employee");
	assert_string_equal(str(a, "assigned_by"), "boss");
	json_decref(a);
	expect_err(training_assign(st, "boss", id, TRAINING_TO_ROLE, "manager", 0, T0, &res), -EINVAL, "not");

	/* A new employee, later: the rule assigns them, due after the same period. */
	user("finn", ROLE_EMPLOYEE, NULL);
	int added = -1;
	assert_int_equal(training_sync(st, "sam", T0 + DAY, &added), 0);
	assert_int_equal(added, 0); /* support is not concerned */
	assert_int_equal(training_sync(st, "finn", T0 + DAY, &added), 0);
	assert_int_equal(added, 1);
	assert_int_equal(training_assignment_get(st, id, "finn", T0 + DAY, &a), 0);
	assert_string_equal(str(a, "assigned_by"), TRAINING_SYSTEM_ACTOR);
	assert_string_equal(str(a, "via"), "role:employee");
	char want[TIME_ISO_LEN];
	time_iso(T0 + DAY + 7 * DAY, want);
	assert_string_equal(str(a, "due_at"), want);
	json_decref(a);
	assert_int_equal(training_sync(st, NULL, T0 + DAY, &added), 0);
	assert_int_equal(added, 0); /* nothing left */
	/* A disabled user who is enabled again is picked up by the full sync. */
	struct user u;
	assert_int_equal(accounts_user_set_disabled(st, "admin", "dave", false, &u), 0);
	assert_int_equal(training_sync(st, NULL, T0 + 2 * DAY, &added), 0);
	assert_int_equal(added, 1);
	assert_string_equal(status_of(id, "dave", T0 + 2 * DAY), "assigned");
	/* The employees see their course in their list. */
	json_t *list;
	int64_t next;
	assert_int_equal(training_course_list(st, "finn", ROLE_EMPLOYEE, 0, 0, T0, &list, &next), 0);
	assert_int_equal(json_array_size(list), 1);
	assert_string_equal(str(json_object_get(json_array_get(list, 0), "assignment"), "status"), "assigned");
	assert_null(json_object_get(json_array_get(list, 0), "progress"));
	json_decref(list);
}

/* Enrolls a machine that reports the packages given as "name=status" and sets its
 * owner (NULL: none). */
static void host(const char *hostname, const char *owner, const char *const pkgs[])
{
	char token[HOSTS_ENROLL_TOKEN_LEN + 1], uid[HOSTS_UID_LEN + 1], cred[HOSTS_CREDENTIAL_LEN + 1], hex[65];
	unsigned char digest[32];
	int64_t interval;
	struct host h;
	json_t *items = json_array(), *reply;
	assert_int_equal(hosts_enroll_token_create(st, "boss", 3600, 1, token), 0);
	assert_int_equal(hosts_enroll(st, token, hostname, "127.0.0.1", uid, cred, &interval), 0);
	assert_int_equal(hosts_auth(st, cred, &h), 0);
	for (int i = 0; pkgs[i]; i++) {
		char name[64];
		const char *eq = strchr(pkgs[i], '=');
		snprintf(name, sizeof(name), "%.*s", (int)(eq - pkgs[i]), pkgs[i]);
		json_array_append_new(items, json_pack("{s:s, s:s, s:s, s:s, s:s}", "name", name, "version", "1.0-1",
						       "architecture", "amd64", "status", eq + 1, "manager", "dpkg"));
	}
	json_t *section = json_pack("{s:I, s:o}", "count", (json_int_t)json_array_size(items), "items", items);
	assert_int_equal(json_canonical_sha256(section, digest), 0);
	crypto_hex(digest, 32, hex);
	json_t *report = json_pack("{s:{s:s}, s:{s:o}}", "digests", "packages", hex, "sections", "packages", section);
	int r = hosts_report(st, &h, report, &reply);
	if (r < 0)
		fail_msg("report of '%s': %s", hostname, err_msg(r));
	json_decref(reply);
	json_decref(report);
	if (owner)
		assert_int_equal(hosts_set(st, "boss", &h, owner, NULL, NULL, 0), 0);
}

static void fleet(void)
{
	host("pc-erin", "erin", (const char *const[]){"firefox=installed", "libcurl4=installed", NULL});
	host("pc-eve", "eve", (const char *const[]){"firefox=installed", "curl=installed", NULL});
	/* Removed but its configuration kept: not installed. */
	host("pc-sam", "sam", (const char *const[]){"firefox=config-files", "curl=installed", NULL});
	host("pc-dave", "dave", (const char *const[]){"firefox=installed", NULL});
	host("kiosk", NULL, (const char *const[]){"firefox=installed", NULL});
	/* The same owner on two machines counts once. */
	host("laptop-eve", "eve", (const char *const[]){"firefox=installed", NULL});
}

static void test_package_assignment(void **state)
{
	fleet();
	json_t *users, *skipped;
	assert_int_equal(training_resolve(st, TRAINING_TO_PACKAGE, "firefox", &users, &skipped), 0);
	assert_string_equal(names(users), "erin,eve");
	assert_string_equal(names(skipped), "dave");
	json_decref(users);
	json_decref(skipped);
	/* The name is exact: curl is not libcurl4. */
	assert_int_equal(training_resolve(st, TRAINING_TO_PACKAGE, "curl", &users, &skipped), 0);
	assert_string_equal(names(users), "eve,sam");
	json_decref(users);
	json_decref(skipped);
	assert_int_equal(training_resolve(st, TRAINING_TO_PACKAGE, "Firefox", &users, &skipped), 0);
	assert_int_equal(json_array_size(users), 0);
	json_decref(users);
	json_decref(skipped);
	assert_int_equal(training_resolve(st, TRAINING_TO_PACKAGE, "firef", &users, &skipped), 0);
	assert_int_equal(json_array_size(users), 0);
	json_decref(users);
	json_decref(skipped);
	expect_err(training_resolve(st, TRAINING_TO_PACKAGE, "fire fox", &users, &skipped), -EINVAL, "package name");

	int64_t a1 = article("Firefox basics", NULL);
	int64_t id = course("Firefox", &a1, 1, NULL, 0);
	json_t *res;
	assert_int_equal(training_assign(st, "boss", id, TRAINING_TO_PACKAGE, "firefox", 0, T0, &res), 0);
	assert_string_equal(names(json_object_get(res, "assigned")), "erin,eve");
	json_decref(res);
	json_t *a;
	assert_int_equal(training_assignment_get(st, id, "eve", T0, &a), 0);
	assert_string_equal(str(a, "via"), "package:firefox");
	assert_true(json_is_null(json_object_get(a, "due_at")));
	json_decref(a);

	/* Sam installs Firefox again: the rule reaches him on the next sync. */
	host("pc-sam-2", "sam", (const char *const[]){"firefox=installed", NULL});
	int added = -1;
	assert_int_equal(training_sync(st, "erin", T0 + 10, &added), 0);
	assert_int_equal(added, 0);
	assert_int_equal(training_sync(st, "sam", T0 + 10, &added), 0);
	assert_int_equal(added, 1);
	assert_string_equal(status_of(id, "sam", T0 + 10), "assigned");

	/* A change note: an article, a one-lesson course, assigned to the program's users. */
	struct training_notice n = {.package = "curl",
				    .title = "curl 8: new defaults",
				    .text = "# What changed\n\nHTTP/2 is now the default.",
				    .due_s = 7 * DAY};
	int64_t nid = 0;
	assert_int_equal(training_notice_publish(st, "boss", &n, T0, &nid, &res), 0);
	assert_string_equal(names(json_object_get(res, "assigned")), "eve,sam");
	int64_t art = num(res, "article_id");
	json_decref(res);
	struct kb_article k;
	assert_int_equal(kb_article_get_id(st, ROLE_EMPLOYEE, art, &k), 0);
	assert_string_equal(k.category, TRAINING_NOTICE_CATEGORY);
	assert_string_equal(k.title, "curl 8: new defaults");
	kb_article_release(&k);
	json_t *c;
	assert_int_equal(training_course_get(st, "eve", ROLE_EMPLOYEE, nid, T0, &c), 0);
	assert_string_equal(str(c, "kind"), "notice");
	assert_string_equal(str(c, "package"), "curl");
	assert_int_equal(json_array_size(json_object_get(c, "lessons")), 1);
	assert_true(json_is_null(json_object_get(c, "quiz")));
	char want[TIME_ISO_LEN];
	time_iso(T0 + 7 * DAY, want);
	assert_string_equal(str(json_object_get(c, "assignment"), "due_at"), want);
	json_decref(c);
	assert_int_equal(log_count("training.notice"), 1);
	/* Reading the note completes it. */
	assert_int_equal(training_lesson_read(st, "eve", nid, 1, T0 + 5, NULL), 0);
	assert_string_equal(status_of(nid, "eve", T0 + 5), "completed");
	/* A note keeps no rule: a later user of curl is not assigned it. */
	host("pc-erin-2", "erin", (const char *const[]){"curl=installed", NULL});
	assert_int_equal(training_sync(st, NULL, T0 + 20, &added), 0);
	assert_int_equal(added, 0);
	/* A refused note leaves nothing behind, not even its article. */
	int64_t before, after;
	assert_int_equal(actlog_count(st, &before), 0);
	n.text = "   ";
	expect_err(training_notice_publish(st, "boss", &n, T0, &nid, &res), -EINVAL, "body is empty");
	n.text = "x";
	n.due_s = 0;
	expect_err(training_notice_publish(st, "boss", &n, T0, &nid, &res), -EINVAL, "1 to 365 days");
	assert_int_equal(actlog_count(st, &after), 0);
	assert_int_equal(after, before);
}

/* ------------------------------------------------------------------------------------
 * Overdue and progress
 */

static void test_overdue_and_progress(void **state)
{
	int64_t a1 = article("Backups", NULL);
	int64_t id = course("Backups", &a1, 1, quiz2, 50);
	json_t *res;
	assert_int_equal(training_assign(st, "boss", id, TRAINING_TO_USER, "erin", T0 + DAY, T0, &res), 0);
	json_decref(res);
	assert_int_equal(training_assign(st, "boss", id, TRAINING_TO_USER, "eve", T0 + 3 * DAY, T0, &res), 0);
	json_decref(res);
	assert_int_equal(training_assign(st, "boss", id, TRAINING_TO_USER, "sam", 0, T0, &res), 0);
	json_decref(res);
	/* Sam passes with 50%. */
	json_t *ans = parse("[1, [0]]");
	assert_int_equal(training_lesson_read(st, "sam", id, 1, T0 + 1, NULL), 0);
	assert_int_equal(training_quiz_submit(st, "sam", id, ans, T0 + 2, &res), 0);
	assert_true(json_is_true(json_object_get(res, "passed")));
	json_decref(res);
	json_decref(ans);

	assert_string_equal(status_of(id, "erin", T0 + DAY), "assigned");
	assert_string_equal(status_of(id, "erin", T0 + DAY + 1), "overdue");
	assert_string_equal(status_of(id, "eve", T0 + DAY + 1), "assigned");
	assert_string_equal(status_of(id, "sam", T0 + 1000 * DAY), "completed");

	json_t *p;
	assert_int_equal(training_progress(st, id, T0 + 2 * DAY, &p), 0);
	assert_int_equal(num(p, "assigned"), 3);
	assert_int_equal(num(p, "completed"), 1);
	assert_int_equal(num(p, "overdue"), 1);
	assert_int_equal(num(p, "open"), 1);
	assert_true(json_real_value(json_object_get(p, "average_score")) == 50.0);
	json_decref(p);
	assert_int_equal(training_progress(st, id, T0 + 4 * DAY, &p), 0);
	assert_int_equal(num(p, "overdue"), 2);
	json_decref(p);
	expect_err(training_progress(st, id + 9, T0, &p), -ENOENT, "does not exist");

	/* The overdue list, and a keyset page through everything. */
	struct training_filter f = {.status = TRAINING_OVERDUE};
	json_t *list;
	int64_t next;
	assert_int_equal(training_assignments(st, &f, T0 + 2 * DAY, &list, &next), 0);
	assert_string_equal(names(list), "erin");
	assert_string_equal(str(json_array_get(list, 0), "status"), "overdue");
	json_decref(list);
	f = (struct training_filter){.any_status = true, .limit = 2};
	assert_int_equal(training_assignments(st, &f, T0, &list, &next), 0);
	assert_string_equal(names(list), "erin,eve");
	assert_true(next > 0);
	json_decref(list);
	f.after = next;
	assert_int_equal(training_assignments(st, &f, T0, &list, &next), 0);
	assert_string_equal(names(list), "sam");
	assert_int_equal(next, 0);
	json_decref(list);
	f = (struct training_filter){.any_status = true, .user = "eve"};
	assert_int_equal(training_assignments(st, &f, T0, &list, &next), 0);
	assert_string_equal(names(list), "eve");
	json_decref(list);
	f = (struct training_filter){.status = TRAINING_COMPLETED, .course_id = id};
	assert_int_equal(training_assignments(st, &f, T0, &list, &next), 0);
	assert_string_equal(names(list), "sam");
	json_decref(list);
	f = (struct training_filter){.limit = -1};
	expect_err(training_assignments(st, &f, T0, &list, &next), -EINVAL, "limit");
}

/* ------------------------------------------------------------------------------------
 * Reminders without a mail server
 */

static void test_reminders_recorded(void **state)
{
	int64_t a1 = article("Passwords", NULL);
	int64_t id = course("Passwords", &a1, 1, NULL, 0);
	json_t *res;
	assert_int_equal(training_assign(st, "boss", id, TRAINING_TO_USER, "erin", T0 + DAY, T0, &res), 0);
	json_decref(res);
	assert_int_equal(training_assign(st, "boss", id, TRAINING_TO_USER, "eve", T0 + 10 * DAY, T0, &res), 0);
	json_decref(res);
	assert_int_equal(training_assign(st, "boss", id, TRAINING_TO_USER, "sam", T0 + DAY, T0, &res), 0);
	json_decref(res);
	assert_int_equal(training_lesson_read(st, "sam", id, 1, T0, NULL), 0); /* done: no reminder */

	struct training_remind_result r = {9, 9, 9};
	assert_int_equal(training_remind(st, T0, NULL, NULL, &r), 0);
	/* Erin is due within two days; Eve's due date is far. */
	assert_int_equal(r.sent, 0);
	assert_int_equal(r.unsent, 1);
	assert_int_equal(r.failed, 0);
	json_t *rem;
	assert_int_equal(training_reminders(st, id, "erin", &rem), 0);
	assert_int_equal(json_array_size(rem), 1);
	json_t *one = json_array_get(rem, 0);
	assert_string_equal(str(one, "status"), "unsent");
	assert_string_equal(str(one, "reason"), "no mail server is configured");
	assert_string_equal(str(one, "kind"), "due");
	json_decref(rem);
	assert_int_equal(log_count("training.remind"), 1);

	/* Not again within 24 hours; then again, now overdue. */
	assert_int_equal(training_remind(st, T0 + 12 * 3600, NULL, NULL, &r), 0);
	assert_int_equal(r.unsent, 0);
	assert_int_equal(training_remind(st, T0 + DAY + 60, NULL, NULL, &r), 0);
	assert_int_equal(r.unsent, 1);
	assert_int_equal(training_reminders(st, id, "erin", &rem), 0);
	assert_int_equal(json_array_size(rem), 2);
	assert_string_equal(str(json_array_get(rem, 0), "kind"), "overdue");
	json_decref(rem);
	json_t *a;
	assert_int_equal(training_assignment_get(st, id, "erin", T0 + DAY + 60, &a), 0);
	assert_int_equal(num(a, "reminders"), 2);
	json_decref(a);

	/* Eve, eight days on: due in two days, but she has no address. */
	assert_int_equal(training_remind(st, T0 + 8 * DAY + 1, NULL, NULL, &r), 0);
	assert_int_equal(r.unsent, 2);
	assert_int_equal(training_reminders(st, id, "eve", &rem), 0);
	assert_string_equal(str(json_array_get(rem, 0), "reason"), "user has no e-mail address");
	json_decref(rem);
	/* Once complete, no more reminders. */
	assert_int_equal(training_lesson_read(st, "erin", id, 1, T0 + 9 * DAY, NULL), 0);
	assert_int_equal(training_remind(st, T0 + 20 * DAY, NULL, NULL, &r), 0);
	assert_int_equal(r.unsent, 1); /* eve only */
	/* A mail server needs a sender. */
	struct smtp_config c = {.host = "127.0.0.1", .port = "1"};
	expect_err(training_remind(st, T0 + 30 * DAY, &c, "not an address", &r), -EINVAL, "sender address");
}

/* ------------------------------------------------------------------------------------
 * Reminders to a real SMTP server: aiosmtpd on loopback
 */

/* Stores each message as N.json: envelope, Subject, To, X-Ward-Course, the body
 * decoded. Refuses recipients named refused* (550) and later* (450). */
static const char server_py[] =
    "import asyncio, json, os, sys\n"
    "from email import policy\n"
    "from email.parser import BytesParser\n"
    "from aiosmtpd.smtp import SMTP\n"
    "out = sys.argv[1]\n"
    "def put(name, data):\n"
    "    tmp = os.path.join(out, name + '.tmp')\n"
    "    with open(tmp, 'wb') as f:\n"
    "        f.write(data)\n"
    "    os.rename(tmp, os.path.join(out, name))\n"
    "class Handler:\n"
    "    n = 0\n"
    "    async def handle_RCPT(self, server, session, envelope, address, options):\n"
    "        if address.startswith('refused'):\n"
    "            return '550 5.1.1 <%s>: recipient rejected' % address\n"
    "        if address.startswith('later'):\n"
    "            return '450 4.2.0 <%s>: mailbox busy' % address\n"
    "        envelope.rcpt_tos.append(address)\n"
    "        return '250 OK'\n"
    "    async def handle_DATA(self, server, session, envelope):\n"
    "        Handler.n += 1\n"
    "        msg = BytesParser(policy=policy.default).parsebytes(envelope.original_content)\n"
    "        info = {'mail_from': envelope.mail_from, 'rcpt_tos': envelope.rcpt_tos,\n"
    "                'subject': str(msg['Subject']), 'to': str(msg['To']),\n"
    "                'course': str(msg['X-Ward-Course']), 'auto': str(msg['Auto-Submitted']),\n"
    "                'body': msg.get_content()}\n"
    "        put('%d.json' % Handler.n, json.dumps(info).encode())\n"
    "        return '250 2.0.0 Ok: queued as %d' % Handler.n\n"
    "async def main():\n"
    "    loop = asyncio.get_running_loop()\n"
    "    server = await loop.create_server(lambda: SMTP(Handler(), hostname='mx.test'), '127.0.0.1', 0)\n"
    "    put('port', str(server.sockets[0].getsockname()[1]).encode())\n"
    "    await server.serve_forever()\n"
    "asyncio.run(main())\n";

static struct {
	char tmp[64];
	char port[16];
	pid_t pid;
	int seen;
} mta;

static void print_file(const char *path)
{
	char buf[4096];
	FILE *f = fopen(path, "re");
	if (!f)
		return;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	fprintf(stderr, "--- %s ---\n%s\n", path, buf);
}

static int mta_teardown(void **state)
{
	if (mta.pid > 0) {
		kill(mta.pid, SIGTERM);
		waitpid(mta.pid, NULL, 0);
		mta.pid = 0;
	}
	if (mta.tmp[0])
		nftw(mta.tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	mta.tmp[0] = '\0';
	return 0;
}

static int mta_start(void)
{
	char script[128], log[128], portfile[128];
	snprintf(mta.tmp, sizeof(mta.tmp), "/tmp/ward-test-training-smtp-XXXXXX");
	if (!mkdtemp(mta.tmp))
		return -1;
	snprintf(script, sizeof(script), "%s/server.py", mta.tmp);
	snprintf(log, sizeof(log), "%s/server.log", mta.tmp);
	snprintf(portfile, sizeof(portfile), "%s/port", mta.tmp);
	FILE *f = fopen(script, "we");
	if (!f || fwrite(server_py, 1, sizeof(server_py) - 1, f) != sizeof(server_py) - 1 || fclose(f) != 0)
		return -1;
	/* Debian's aiosmtpd is for the system's python3, which may not be first on PATH. */
	char *argv[] = {(char *)"/usr/bin/python3", script, mta.tmp, NULL};
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	int r = posix_spawn(&mta.pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (r != 0) {
		fprintf(stderr, "cannot start /usr/bin/python3: %s\n", strerror(r));
		mta.pid = 0;
		return -1;
	}
	for (int i = 0; i < 300; i++) { /* 15 s */
		f = fopen(portfile, "re");
		if (f) {
			bool ok = fgets(mta.port, sizeof(mta.port), f) != NULL;
			fclose(f);
			if (ok)
				return 0;
		}
		int status;
		if (waitpid(mta.pid, &status, WNOHANG) == mta.pid) {
			mta.pid = 0;
			break;
		}
		usleep(50000);
	}
	fprintf(stderr, "test_training: aiosmtpd did not start (install the Debian package python3-aiosmtpd; "
			"scripts/deps test does)\n");
	print_file(log);
	return -1;
}

static int mta_setup(void **state)
{
	if (mta_start() == 0)
		return 0;
	mta_teardown(state); /* cmocka does not run it after a failed setup */
	return -1;
}

/* The next message the server stored. */
static json_t *mta_next(void)
{
	char path[160];
	json_error_t e;
	snprintf(path, sizeof(path), "%s/%d.json", mta.tmp, ++mta.seen);
	json_t *j = json_load_file(path, 0, &e);
	if (!j)
		fail_msg("no message %d: %s", mta.seen, e.text);
	return j;
}

static void mta_nothing_new(void)
{
	char path[160];
	snprintf(path, sizeof(path), "%s/%d.json", mta.tmp, mta.seen + 1);
	assert_int_equal(access(path, F_OK), -1);
}

static void test_reminders_mailed(void **state)
{
	user("later-lu", ROLE_EMPLOYEE, "later-lu@example.com");
	user("refused-rae", ROLE_EMPLOYEE, "refused-rae@example.com");
	int64_t a1 = article("Updates", NULL);
	int64_t id = course("Keep B\xc3\xbcro PCs updated", &a1, 1, NULL, 0);
	json_t *res;
	/* Erin is overdue, Sam is due tomorrow; Eve has no address; the others are
	 * refused by the server, for now (450) and for good (550). */
	assert_int_equal(training_assign(st, "boss", id, TRAINING_TO_USER, "erin", T0 + 10, T0, &res), 0);
	json_decref(res);
	assert_int_equal(training_assign(st, "boss", id, TRAINING_TO_USER, "sam", T0 + DAY, T0, &res), 0);
	json_decref(res);
	assert_int_equal(training_assign(st, "boss", id, TRAINING_TO_USER, "eve", T0 + DAY, T0, &res), 0);
	json_decref(res);
	assert_int_equal(training_assign(st, "boss", id, TRAINING_TO_USER, "later-lu", T0 + DAY, T0, &res), 0);
	json_decref(res);
	assert_int_equal(training_assign(st, "boss", id, TRAINING_TO_USER, "refused-rae", T0 + DAY, T0, &res), 0);
	json_decref(res);

	struct smtp_config c = {.host = "127.0.0.1",
				.port = mta.port,
				.helo_name = "ward.example.com",
				.tls = SMTP_TLS_NONE,
				.timeout_s = 10};
	struct training_remind_result r;
	int64_t now = T0 + 100;
	assert_int_equal(training_remind(st, now, &c, "training@example.com", &r), 0);
	assert_int_equal(r.sent, 2);
	assert_int_equal(r.unsent, 1);
	assert_int_equal(r.failed, 2);

	/* Soonest due first: Erin's (overdue), then Sam's. */
	json_t *m = mta_next();
	assert_string_equal(str(m, "mail_from"), "training@example.com");
	assert_string_equal(names(json_object_get(m, "rcpt_tos")), "erin@example.com");
	assert_string_equal(str(m, "subject"), "Training overdue: Keep B\xc3\xbcro PCs updated");
	assert_string_equal(str(m, "to"), "erin <erin@example.com>");
	assert_string_equal(str(m, "auto"), "auto-generated");
	char course_id[24];
	snprintf(course_id, sizeof(course_id), "%lld", (long long)id);
	assert_string_equal(str(m, "course"), course_id);
	assert_non_null(strstr(str(m, "body"), "was due on"));
	assert_non_null(strstr(str(m, "body"), "\"Keep B\xc3\xbcro PCs updated\""));
	json_decref(m);
	m = mta_next();
	assert_string_equal(names(json_object_get(m, "rcpt_tos")), "sam@example.com");
	assert_string_equal(str(m, "subject"), "Training due: Keep B\xc3\xbcro PCs updated");
	assert_non_null(strstr(str(m, "body"), "is due on"));
	json_decref(m);
	mta_nothing_new();

	json_t *rem;
	assert_int_equal(training_reminders(st, id, "erin", &rem), 0);
	assert_string_equal(str(json_array_get(rem, 0), "status"), "sent");
	assert_string_equal(str(json_array_get(rem, 0), "to"), "erin@example.com");
	assert_true(strstr(str(json_array_get(rem, 0), "message_id"), "@example.com") != NULL);
	json_decref(rem);
	assert_int_equal(training_reminders(st, id, "later-lu", &rem), 0);
	assert_string_equal(str(json_array_get(rem, 0), "status"), "failed");
	assert_non_null(strstr(str(json_array_get(rem, 0), "reason"), "450"));
	json_decref(rem);
	assert_int_equal(training_reminders(st, id, "refused-rae", &rem), 0);
	assert_string_equal(str(json_array_get(rem, 0), "status"), "failed");
	assert_non_null(strstr(str(json_array_get(rem, 0), "reason"), "550"));
	json_decref(rem);
	assert_int_equal(log_count("training.remind"), 5);
	assert_int_equal(log_count("training.remind_sent"), 2);
	assert_int_equal(log_count("training.remind_failed"), 2);

	/* An hour later only the temporary failure is tried again. */
	assert_int_equal(training_remind(st, now + 30 * 60, &c, "training@example.com", &r), 0);
	assert_int_equal(r.sent + r.unsent + r.failed, 0);
	assert_int_equal(training_remind(st, now + TRAINING_REMIND_RETRY, &c, "training@example.com", &r), 0);
	assert_int_equal(r.failed, 1);
	assert_int_equal(r.sent + r.unsent, 0);
	assert_int_equal(training_reminders(st, id, "later-lu", &rem), 0);
	assert_int_equal(json_array_size(rem), 2);
	json_decref(rem);
	mta_nothing_new();

	/* A mail server that is not there is a temporary failure. */
	struct smtp_config dead = {.host = "127.0.0.1", .port = "1", .tls = SMTP_TLS_NONE, .timeout_s = 2};
	assert_int_equal(training_remind(st, now + 2 * TRAINING_REMIND_RETRY, &dead, "training@example.com", &r), 0);
	assert_int_equal(r.failed, 1);

	/* The next day everyone not done is reminded once more. */
	assert_int_equal(training_lesson_read(st, "sam", id, 1, now + 3600, NULL), 0);
	assert_int_equal(training_remind(st, now + DAY, &c, "training@example.com", &r), 0);
	assert_int_equal(r.sent, 1); /* erin */
	assert_int_equal(r.unsent, 1);
	assert_int_equal(r.failed, 2);
	m = mta_next();
	assert_string_equal(names(json_object_get(m, "rcpt_tos")), "erin@example.com");
	json_decref(m);
	mta_nothing_new();
}

int main(void)
{
	const struct CMUnitTest pure[] = {
	    cmocka_unit_test(test_quiz_check),
	    cmocka_unit_test(test_scoring),
	    cmocka_unit_test(test_due_and_status),
	};
	const struct CMUnitTest stored[] = {
	    cmocka_unit_test_setup_teardown(test_course_create_edit, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_take_course, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_no_quiz_and_attempts, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_role_assignment_and_sync, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_package_assignment, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_overdue_and_progress, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reminders_recorded, setup, teardown),
	};
	const struct CMUnitTest mailed[] = {
	    cmocka_unit_test_setup_teardown(test_reminders_mailed, setup, teardown),
	};
	int failed = cmocka_run_group_tests_name("training, pure", pure, NULL, NULL);
	failed += cmocka_run_group_tests_name("training on a store", stored, NULL, NULL);
	failed += cmocka_run_group_tests_name("training reminders with aiosmtpd", mailed, mta_setup, mta_teardown);
	return failed;
}
