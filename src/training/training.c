/*
 * training.c: the training module's logic: checking courses and quizzes, scoring
 * answers on the server, resolving who a role or a program reaches (accounts, and the
 * hosts' latest package inventories), assignments and their rules, and change notes
 * (reminders are in training_remind.c). Every change is logged in the activity log in
 * the same transaction.
 */
#include "training/training.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/accounts.h"
#include "actlog/actlog.h"
#include "core/err.h"
#include "core/text.h"
#include "core/json.h"
#include "core/timeutil.h"
#include "hosts/hosts.h"
#include "kb/kb.h"
#include "training/training_store.h"

#define TRAINING_RULES_MAX 1000 /* rules one training_sync looks at */

/* --- statuses --- */

static const char *const status_names[] = {"assigned", "completed", "overdue"};

const char *training_status_name(enum training_status st)
{
	return st >= TRAINING_ASSIGNED && st <= TRAINING_OVERDUE ? status_names[st] : "assigned";
}

int training_status_parse(const char *text, enum training_status *ret)
{
	for (int i = 0; i < 3; i++)
		if (text && strcmp(text, status_names[i]) == 0) {
			*ret = (enum training_status)i;
			return 0;
		}
	return err_set(-EINVAL, "status '%.32s' is not valid (assigned, completed or overdue)", text ? text : "");
}

enum training_status training_status_at(int64_t due_at, int64_t completed_at, int64_t now)
{
	if (completed_at > 0)
		return TRAINING_COMPLETED;
	if (due_at > 0 && now > due_at)
		return TRAINING_OVERDUE;
	return TRAINING_ASSIGNED;
}

/* --- checks --- */


/* Checks text: UTF-8, at most max_chars characters (and 4 * max_chars bytes), not blank
 * when required, no control characters but tab and line ends when multiline. */
static int check_text(const char *what, const char *text, size_t max_chars, bool required, bool multiline)
{
	size_t n, chars = 0;
	if (!text)
		return required ? err_set(-EINVAL, "%s is required", what) : 0;
	n = strlen(text);
	if (required && strspn(text, " \t\r\n") == n)
		return err_set(-EINVAL, "%s is required", what);
	if (n > max_chars * 4)
		return err_set(-EINVAL, "%s is longer than %zu characters", what, max_chars);
	if (!utf8_valid(text, n, &chars))
		return err_set(-EINVAL, "%s is not valid UTF-8", what);
	if (chars > max_chars)
		return err_set(-EINVAL, "%s is longer than %zu characters", what, max_chars);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)text[i];
		if ((c < 0x20 && !(multiline && (c == '\t' || c == '\n' || c == '\r'))) || c == 0x7f)
			return err_set(-EINVAL, "%s must not hold control characters", what);
	}
	return 0;
}

/* A title: trimmed into out, one line of 1..TRAINING_TITLE_MAX characters. */
static int check_title(const char *text, char out[TRAINING_TITLE_SIZE])
{
	if (!text)
		return err_set(-EINVAL, "title is required");
	const char *b = text, *e = text + strlen(text);
	while (b < e && isspace((unsigned char)*b))
		b++;
	while (e > b && isspace((unsigned char)e[-1]))
		e--;
	size_t n = (size_t)(e - b);
	if (n == 0)
		return err_set(-EINVAL, "title is required");
	if (n >= TRAINING_TITLE_SIZE)
		return err_set(-EINVAL, "title is longer than %d characters", TRAINING_TITLE_MAX);
	char tmp[TRAINING_TITLE_SIZE];
	memcpy(tmp, b, n);
	tmp[n] = '\0';
	int r = check_text("title", tmp, TRAINING_TITLE_MAX, true, false);
	if (r == 0)
		memcpy(out, tmp, n + 1);
	return r;
}

static int check_description(const char *text)
{
	if (text && strlen(text) > TRAINING_DESCRIPTION_MAX)
		return err_set(-EINVAL, "description is longer than %d bytes", TRAINING_DESCRIPTION_MAX);
	return check_text("description", text, TRAINING_DESCRIPTION_MAX, false, true);
}

static int check_actor(const char *actor)
{
	if (!actor || !*actor || strlen(actor) >= TRAINING_ACTOR_SIZE)
		return err_set(-EINVAL, "actor name is not valid");
	return 0;
}

static int check_user_name(const char *user)
{
	if (!user || !*user || strlen(user) > WARD_NAME_MAX)
		return err_set(-EINVAL, "user name '%.64s' is not valid", user ? user : "");
	return 0;
}

int training_check_package(const char *name)
{
	size_t n = name ? strlen(name) : 0;
	if (n == 0)
		return err_set(-EINVAL, "a package name is required");
	if (n > TRAINING_PACKAGE_MAX)
		return err_set(-EINVAL, "package name is longer than %d bytes", TRAINING_PACKAGE_MAX);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)name[i] <= 0x20 || (unsigned char)name[i] >= 0x7f)
			return err_set(-EINVAL, "package name '%.64s' must be printable ASCII without spaces", name);
	return 0;
}

int training_parse_due(const char *text, int64_t now, int64_t *ret)
{
	int64_t t, d;
	if (!text || !*text)
		return err_set(-EINVAL, "a due date is required");
	if (strlen(text) > 32)
		return err_set(-EINVAL, "due date '%.32s...' is not valid", text);
	if (strchr(text, '-')) {
		if (time_parse_since(text, now, &t) < 0 || strchr(text, '-') == text)
			return err_set(
			    -EINVAL, "due date '%s' is not valid (use 14d, 2026-12-01 or 2026-12-01T17:00:00Z)", text);
		if (strlen(text) == 10) /* a date: the end of that day */
			t += 86400 - 1;
	} else if (time_parse_duration(text, &d) == 0) {
		if (d > TRAINING_DUE_MAX)
			return err_set(-EINVAL, "due date '%s' is more than 3 years ahead", text);
		t = now + d;
	} else {
		return err_set(-EINVAL, "due date '%s' is not valid (use 14d, 2026-12-01 or 2026-12-01T17:00:00Z)",
			       text);
	}
	if (t <= now)
		return err_set(-EINVAL, "due date '%s' is not in the future", text);
	if (t - now > TRAINING_DUE_MAX)
		return err_set(-EINVAL, "due date '%s' is more than 3 years ahead", text);
	*ret = t;
	return 0;
}

static int check_due(int64_t due_at, int64_t now)
{
	if (due_at == 0)
		return 0;
	if (due_at <= now)
		return err_set(-EINVAL, "the due date is not in the future");
	if (due_at - now > TRAINING_DUE_MAX)
		return err_set(-EINVAL, "the due date is more than 3 years ahead");
	return 0;
}

/* --- quizzes --- */

/* An option index of a question with nopt options, from an integer. */
static int option_index(const json_t *v, size_t nopt, const char *what, int q, size_t *ret)
{
	if (!json_is_integer(v) || json_integer_value(v) < 0 || (size_t)json_integer_value(v) >= nopt)
		return err_set(-EINVAL, "%s %d: %s must be option indexes from 0 to %zu", what, q,
			       strcmp(what, "answer") == 0 ? "choices" : "correct", nopt - 1);
	*ret = (size_t)json_integer_value(v);
	return 0;
}

/* A set of option indexes (one integer, or an array of distinct ones) into chosen[]. */
static int option_set(const json_t *v, size_t nopt, const char *what, int q, bool chosen[TRAINING_OPTIONS_MAX],
		      size_t *ret_count)
{
	size_t i, k, count = 0;
	const json_t *item;
	memset(chosen, 0, TRAINING_OPTIONS_MAX * sizeof(bool));
	if (json_is_integer(v)) {
		int r = option_index(v, nopt, what, q, &k);
		if (r < 0)
			return r;
		chosen[k] = true;
		*ret_count = 1;
		return 0;
	}
	if (!json_is_array(v))
		return err_set(-EINVAL, "%s %d must be an option index or an array of them", what, q);
	if (json_array_size(v) > nopt)
		return err_set(-EINVAL, "%s %d has more choices than the question has options", what, q);
	json_array_foreach(v, i, item)
	{
		int r = option_index(item, nopt, what, q, &k);
		if (r < 0)
			return r;
		if (chosen[k])
			return err_set(-EINVAL, "%s %d names option %zu twice", what, q, k);
		chosen[k] = true;
		count++;
	}
	*ret_count = count;
	return 0;
}

static json_t *index_array(const bool chosen[TRAINING_OPTIONS_MAX], size_t nopt)
{
	json_t *a = json_array();
	for (size_t k = 0; a && k < nopt; k++)
		if (chosen[k] && json_array_append_new(a, json_integer((json_int_t)k)) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static int question_check(const json_t *q, int n, json_t **ret)
{
	static const char *const fields[] = {"text", "options", "correct", NULL};
	char what[64];
	const char *key;
	json_t *v, *options = json_object_get(q, "options");
	bool chosen[TRAINING_OPTIONS_MAX];
	size_t i, count;
	int r;
	if (!json_is_object(q))
		return err_set(-EINVAL, "question %d must be an object with text, options and correct", n);
	json_object_foreach((json_t *)q, key, v)
	{
		bool known = false;
		for (int k = 0; fields[k]; k++)
			known = known || strcmp(key, fields[k]) == 0;
		if (!known)
			return err_set(-EINVAL, "question %d: unknown field '%.32s'", n, key);
	}
	snprintf(what, sizeof(what), "question %d", n);
	const json_t *text = json_object_get(q, "text");
	if (!json_is_string(text))
		return err_set(-EINVAL, "question %d: text is required", n);
	if ((r = check_text(what, json_string_value(text), TRAINING_QUESTION_MAX, true, true)) < 0)
		return r;
	if (!json_is_array(options) || json_array_size(options) < TRAINING_OPTIONS_MIN ||
	    json_array_size(options) > TRAINING_OPTIONS_MAX)
		return err_set(-EINVAL, "question %d: options must be an array of %d to %d strings", n,
			       TRAINING_OPTIONS_MIN, TRAINING_OPTIONS_MAX);
	size_t nopt = json_array_size(options);
	json_array_foreach(options, i, v)
	{
		snprintf(what, sizeof(what), "question %d: option %zu", n, i);
		if (!json_is_string(v))
			return err_set(-EINVAL, "%s must be a string", what);
		if ((r = check_text(what, json_string_value(v), TRAINING_OPTION_MAX, true, false)) < 0)
			return r;
		for (size_t k = 0; k < i; k++)
			if (strcmp(json_string_value(json_array_get(options, k)), json_string_value(v)) == 0)
				return err_set(-EINVAL, "question %d: options %zu and %zu are the same", n, k, i);
	}
	const json_t *correct = json_object_get(q, "correct");
	if (!correct)
		return err_set(-EINVAL, "question %d: correct is required", n);
	if ((r = option_set(correct, nopt, "question", n, chosen, &count)) < 0)
		return r;
	if (count == 0)
		return err_set(-EINVAL, "question %d: at least one option must be correct", n);
	json_t *out =
	    json_pack("{s:O, s:O, s:o}", "text", text, "options", options, "correct", index_array(chosen, nopt));
	if (!out)
		return -ENOMEM;
	*ret = out;
	return 0;
}

int training_quiz_check(const json_t *quiz, json_t **ret)
{
	size_t i;
	const json_t *q;
	if (!json_is_array(quiz))
		return err_set(-EINVAL, "quiz must be an array of questions");
	if (json_array_size(quiz) == 0)
		return err_set(-EINVAL, "quiz has no questions");
	if (json_array_size(quiz) > TRAINING_QUESTIONS_MAX)
		return err_set(-EINVAL, "quiz has more than %d questions", TRAINING_QUESTIONS_MAX);
	json_t *out = json_array();
	if (!out)
		return -ENOMEM;
	json_array_foreach(quiz, i, q)
	{
		json_t *nq = NULL;
		int r = question_check(q, (int)i + 1, &nq);
		if (r == 0 && json_array_append_new(out, nq) < 0)
			r = -ENOMEM;
		if (r < 0) {
			json_decref(out);
			return r;
		}
	}
	*ret = out;
	return 0;
}

int training_quiz_score(const json_t *quiz, const json_t *answers, int *ret_correct, int *ret_total,
			json_t **ret_normalised)
{
	size_t total = json_array_size(quiz), i, count;
	const json_t *q;
	bool chosen[TRAINING_OPTIONS_MAX], right[TRAINING_OPTIONS_MAX];
	int correct = 0, r;
	if (!json_is_array(answers))
		return err_set(-EINVAL, "answers must be an array with one entry per question");
	if (json_array_size(answers) != total)
		return err_set(-EINVAL, "answers has %zu entries; the quiz has %zu questions", json_array_size(answers),
			       total);
	json_t *norm = json_array();
	if (!norm)
		return -ENOMEM;
	json_array_foreach(quiz, i, q)
	{
		size_t nopt = json_array_size(json_object_get(q, "options"));
		if ((r = option_set(json_array_get(answers, i), nopt, "answer", (int)i + 1, chosen, &count)) < 0 ||
		    (r = option_set(json_object_get(q, "correct"), nopt, "question", (int)i + 1, right, &count)) < 0) {
			json_decref(norm);
			return r;
		}
		correct += memcmp(chosen, right, sizeof(chosen)) == 0;
		if (json_array_append_new(norm, index_array(chosen, nopt)) < 0) {
			json_decref(norm);
			return -ENOMEM;
		}
	}
	*ret_correct = correct;
	*ret_total = (int)total;
	if (ret_normalised)
		*ret_normalised = norm;
	else
		json_decref(norm);
	return 0;
}

int training_score_percent(int correct, int total)
{
	return total > 0 ? (int)((int64_t)correct * 100 / total) : 0;
}

bool training_passed(int correct, int total, int pass_mark)
{
	return total > 0 && (int64_t)correct * 100 >= (int64_t)pass_mark * total;
}

/* The stored quiz (canonical JSON), parsed; NULL in *ret when there is none. */
static int quiz_load(const char *text, json_t **ret)
{
	*ret = NULL;
	if (!text)
		return 0;
	json_t *q = json_loads(text, 0, NULL);
	if (!json_is_array(q)) {
		json_decref(q);
		return err_set(-EIO, "the stored quiz cannot be read");
	}
	*ret = q;
	return 0;
}

/* --- JSON --- */

/* Sets key on obj to v, which it always takes; false when either is NULL or it fails. */
static bool put(json_t *obj, const char *key, json_t *v)
{
	if (!obj || !v) {
		json_decref(v);
		return false;
	}
	return json_object_set_new(obj, key, v) == 0;
}

static json_t *int_or_null(int64_t v, bool present)
{
	return present ? json_integer((json_int_t)v) : json_null();
}

static json_t *assignment_json(const struct training_assignment_row *a, int64_t now)
{
	json_t *j = json_object();
	bool ok =
	    put(j, "id", json_integer(a->id)) && put(j, "course_id", json_integer(a->course_id)) &&
	    put(j, "course_title", json_string(a->course_title)) && put(j, "user", json_string(a->user)) &&
	    put(j, "via", json_string(a->via)) &&
	    put(j, "status", json_string(training_status_name(training_status_at(a->due_at, a->completed_at, now)))) &&
	    put(j, "assigned_by", json_string(a->assigned_by)) && put(j, "assigned_at", json_time(a->assigned_at)) &&
	    put(j, "due_at", json_time(a->due_at)) && put(j, "completed_at", json_time(a->completed_at)) &&
	    put(j, "completed_by", json_string_or_null(a->completed_by[0] ? a->completed_by : NULL)) &&
	    put(j, "override", json_boolean(a->override)) && put(j, "score", int_or_null(a->score, a->score >= 0)) &&
	    put(j, "attempts", json_integer(a->attempts)) &&
	    put(j, "attempts_left",
		int_or_null(a->attempts < TRAINING_ATTEMPTS_MAX ? TRAINING_ATTEMPTS_MAX - a->attempts : 0,
			    a->has_quiz)) &&
	    put(j, "lessons", json_integer(a->lessons)) && put(j, "lessons_read", json_integer(a->lessons_read)) &&
	    put(j, "reminders", json_integer(a->reminders)) &&
	    put(j, "last_reminder_at", json_time(a->last_reminder_at));
	if (!ok) {
		json_decref(j);
		return NULL;
	}
	return j;
}

int training_assignment_get(struct store *s, int64_t course_id, const char *user, int64_t now, json_t **ret)
{
	struct training_assignment_row a;
	int r = check_user_name(user);
	if (r < 0 || (r = training_store_assignment_get(s, course_id, user, &a)) < 0)
		return r;
	json_t *j = assignment_json(&a, now);
	if (!j)
		return -ENOMEM;
	*ret = j;
	return 0;
}

/* The quiz as role sees it: admins with the correct answers. */
static json_t *quiz_view(const json_t *quiz, enum role role)
{
	json_t *out = json_array(), *q;
	size_t i;
	json_array_foreach(quiz, i, q)
	{
		json_t *correct = json_object_get(q, "correct");
		json_t *v =
		    json_pack("{s:I, s:O, s:O, s:b}", "n", (json_int_t)i + 1, "text", json_object_get(q, "text"),
			      "options", json_object_get(q, "options"), "multiple", json_array_size(correct) > 1);
		if (v && role >= ROLE_ADMIN && json_object_set(v, "correct", correct) < 0) {
			json_decref(v);
			v = NULL;
		}
		if (!v || !out || json_array_append_new(out, v) < 0) {
			json_decref(out);
			return NULL;
		}
	}
	return out;
}

int training_progress(struct store *s, int64_t course_id, int64_t now, json_t **ret)
{
	struct training_progress_row p;
	struct training_course_row c;
	int r = training_store_course_get(s, course_id, &c);
	if (r < 0)
		return r;
	training_store_course_release(&c);
	if ((r = training_store_progress(s, course_id, now, &p)) < 0)
		return r;
	/* One decimal, rounded half up. */
	double avg = p.has_average ? (double)(int64_t)(p.average_score * 10 + 0.5) / 10 : 0;
	json_t *j = json_pack("{s:I, s:I, s:I, s:I, s:o}", "assigned", (json_int_t)p.assigned, "completed",
			      (json_int_t)p.completed, "overdue", (json_int_t)p.overdue, "open",
			      (json_int_t)(p.assigned - p.completed - p.overdue), "average_score",
			      p.has_average ? json_real(avg) : json_null());
	if (!j)
		return -ENOMEM;
	*ret = j;
	return 0;
}

/* The course's summary, plus (admins) its progress and (anyone assigned) the reader's
 * assignment. */
static int course_summary(struct store *s, const struct training_course_row *c, const char *user, enum role role,
			  int64_t now, json_t **ret)
{
	json_t *quiz = NULL, *progress = NULL, *mine = NULL;
	int r = quiz_load(c->quiz, &quiz);
	if (r < 0)
		return r;
	size_t questions = json_array_size(quiz);
	json_decref(quiz);
	if (role >= ROLE_ADMIN && (r = training_progress(s, c->id, now, &progress)) < 0)
		return r;
	if (user && (r = training_assignment_get(s, c->id, user, now, &mine)) < 0 && r != -ENOENT) {
		json_decref(progress);
		return r;
	}
	json_t *j = json_object();
	bool ok = put(j, "assignment", mine ? mine : json_null());
	if (progress)
		ok = put(j, "progress", progress) && ok;
	ok = ok && put(j, "id", json_integer(c->id)) && put(j, "title", json_string(c->title)) &&
	     put(j, "kind", json_string(c->kind)) &&
	     put(j, "package", json_string_or_null(c->package[0] ? c->package : NULL)) &&
	     put(j, "lessons", json_integer(c->nlessons)) && put(j, "questions", json_integer((json_int_t)questions)) &&
	     put(j, "pass_mark", json_integer(c->pass_mark)) && put(j, "created_by", json_string(c->created_by)) &&
	     put(j, "created_at", json_time(c->created_at)) && put(j, "updated_at", json_time(c->updated_at));
	if (!ok) {
		json_decref(j);
		return -ENOMEM;
	}
	*ret = j;
	return 0;
}

/* The lessons with their articles' titles as role sees them, and whether the
 * assignment (0: none) read each. */
static int lessons_json(struct store *s, int64_t course_id, int64_t assignment_id, enum role role, json_t **ret)
{
	int64_t ids[TRAINING_LESSONS_MAX], read_at[TRAINING_LESSONS_MAX];
	int n, r = training_store_lessons(s, course_id, assignment_id, ids, read_at, TRAINING_LESSONS_MAX, &n);
	if (r < 0)
		return r;
	json_t *out = json_array();
	for (int i = 0; out && i < n; i++) {
		struct kb_article a;
		bool have = (r = kb_article_get_id(s, role, ids[i], &a)) == 0;
		if (r < 0 && r != -ENOENT)
			break;
		r = 0;
		json_t *l = json_pack("{s:i, s:I, s:o, s:o, s:b, s:o}", "n", i + 1, "article_id", (json_int_t)ids[i],
				      "title", json_string_or_null(have ? a.title : NULL), "slug",
				      json_string_or_null(have ? a.slug : NULL), "read", read_at[i] > 0, "read_at",
				      json_time(read_at[i]));
		if (have)
			kb_article_release(&a);
		if (!l || json_array_append_new(out, l) < 0)
			r = -ENOMEM;
		if (r < 0)
			break;
	}
	if (!out || r < 0) {
		json_decref(out);
		return r < 0 ? r : -ENOMEM;
	}
	*ret = out;
	return 0;
}

int training_course_get(struct store *s, const char *user, enum role role, int64_t id, int64_t now, json_t **ret)
{
	struct training_course_row c;
	struct training_assignment_row a = {0};
	json_t *j = NULL, *quiz = NULL, *lessons = NULL, *qv = NULL;
	int r = training_store_course_get(s, id, &c);
	if (r < 0)
		return r;
	if (user && (r = training_store_assignment_get(s, id, user, &a)) < 0) {
		if (r != -ENOENT)
			goto out;
		a.id = 0;
	}
	if (!a.id && role < ROLE_ADMIN) {
		r = err_set(-ENOENT, "course %lld does not exist", (long long)id);
		goto out;
	}
	if ((r = course_summary(s, &c, a.id ? user : NULL, role, now, &j)) < 0 ||
	    (r = lessons_json(s, id, a.id, role, &lessons)) < 0 || (r = quiz_load(c.quiz, &quiz)) < 0)
		goto out;
	if (quiz && !(qv = quiz_view(quiz, role))) {
		r = -ENOMEM;
		goto out;
	}
	/* The full view: the lesson count of the summary becomes the lessons. */
	bool ok = put(j, "lessons", lessons);
	ok = put(j, "quiz", qv ? qv : json_null()) && ok;
	lessons = qv = NULL;
	if (!ok || !put(j, "description", json_string(c.description))) {
		r = -ENOMEM;
		goto out;
	}
	*ret = j;
	j = NULL;
	r = 0;
out:
	json_decref(j);
	json_decref(quiz);
	json_decref(lessons);
	json_decref(qv);
	training_store_course_release(&c);
	return r;
}

struct collect {
	json_t *out;
	int64_t last_id;
};

static int collect_course(const struct training_course_row *c, void *arg)
{
	struct collect *col = arg;
	json_t *id = json_integer(c->id);
	if (!id || json_array_append_new(col->out, id) < 0)
		return -ENOMEM;
	return 0;
}

static int check_limit(int *limit)
{
	if (*limit == 0)
		*limit = TRAINING_PAGE_DEFAULT;
	if (*limit < 1 || *limit > TRAINING_PAGE_MAX)
		return err_set(-EINVAL, "limit must be between 1 and %d", TRAINING_PAGE_MAX);
	return 0;
}

int training_course_list(struct store *s, const char *user, enum role role, int64_t after, int limit, int64_t now,
			 json_t **ret, int64_t *ret_next_after)
{
	struct collect col = {json_array(), 0};
	json_t *out = json_array(), *idv;
	size_t i;
	int r;
	if (!col.out || !out) {
		r = -ENOMEM;
		goto out;
	}
	if ((r = check_limit(&limit)) < 0)
		goto out;
	if (after < 0) {
		r = err_set(-EINVAL, "after must be a course id");
		goto out;
	}
	if (role < ROLE_ADMIN && (r = check_user_name(user)) < 0)
		goto out;
	/* The ids first (one more than the page tells whether another follows), then each
	 * course with its progress or assignment. */
	if ((r = training_store_courses(s, role >= ROLE_ADMIN ? NULL : user, after, limit + 1, collect_course, &col)) <
	    0)
		goto out;
	int64_t next = 0;
	if (json_array_size(col.out) > (size_t)limit) {
		json_array_remove(col.out, (size_t)limit);
		next = json_integer_value(json_array_get(col.out, (size_t)limit - 1));
	}
	json_array_foreach(col.out, i, idv)
	{
		struct training_course_row c;
		json_t *j;
		if ((r = training_store_course_get(s, json_integer_value(idv), &c)) < 0)
			goto out;
		r = course_summary(s, &c, user, role, now, &j);
		training_store_course_release(&c);
		if (r < 0)
			goto out;
		if (json_array_append_new(out, j) < 0) {
			r = -ENOMEM;
			goto out;
		}
	}
	*ret = out;
	out = NULL;
	*ret_next_after = next;
out:
	json_decref(col.out);
	json_decref(out);
	return r;
}

/* --- creating and editing courses --- */

/* Checks lessons: existing articles employees may read, each once. */
static int check_lessons(struct store *s, const int64_t *ids, int n)
{
	if (n < 0 || n > TRAINING_LESSONS_MAX)
		return err_set(-EINVAL, "a course has at most %d lessons", TRAINING_LESSONS_MAX);
	for (int i = 0; i < n; i++) {
		struct kb_article a;
		for (int k = 0; k < i; k++)
			if (ids[k] == ids[i])
				return err_set(-EINVAL, "lessons %d and %d are the same article (%lld)", k + 1, i + 1,
					       (long long)ids[i]);
		int r = ids[i] > 0 ? kb_article_get_id(s, ROLE_ADMIN, ids[i], &a) : -ENOENT;
		if (r == -ENOENT)
			return err_set(-EINVAL, "lesson %d: article %lld does not exist", i + 1, (long long)ids[i]);
		if (r < 0)
			return r;
		bool support_only = a.visibility == KB_VIS_SUPPORT;
		kb_article_release(&a);
		if (support_only)
			return err_set(-EINVAL,
				       "lesson %d: article %lld is for support staff only; employees could not read it",
				       i + 1, (long long)ids[i]);
	}
	return 0;
}

static int check_pass_mark(int pass_mark)
{
	if (pass_mark < 0 || pass_mark > 100)
		return err_set(-EINVAL, "pass mark must be a percentage from 1 to 100");
	return 0;
}

/* The quiz of fields as canonical text (NULL: none) in *ret, which the caller frees. */
static int quiz_text(const json_t *quiz, char **ret)
{
	json_t *norm;
	*ret = NULL;
	if (!quiz || json_is_null(quiz))
		return 0;
	int r = training_quiz_check(quiz, &norm);
	if (r < 0)
		return r;
	*ret = json_canonical(norm);
	json_decref(norm);
	return *ret ? 0 : -ENOMEM;
}

static json_t *ids_json(const int64_t *ids, int n)
{
	json_t *a = json_array();
	for (int i = 0; a && i < n; i++)
		if (json_array_append_new(a, json_integer(ids[i])) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static void course_object(int64_t id, char out[32])
{
	snprintf(out, 32, "course:%lld", (long long)id);
}

int training_course_create(struct store *s, const char *actor, const struct training_course_fields *f, int64_t *ret_id)
{
	char title[TRAINING_TITLE_SIZE], object[32], *quiz = NULL;
	int64_t id = 0, now = time_now();
	int pass = f->pass_mark ? f->pass_mark : TRAINING_PASS_DEFAULT, r;
	json_t *lessons = NULL;
	if ((r = check_actor(actor)) < 0 || (r = check_title(f->title, title)) < 0 ||
	    (r = check_description(f->description)) < 0 || (r = check_pass_mark(f->pass_mark)) < 0 ||
	    (r = check_lessons(s, f->lessons, f->nlessons)) < 0 || (r = quiz_text(f->quiz, &quiz)) < 0)
		return r;
	if (f->nlessons == 0 && !quiz)
		return err_set(-EINVAL, "a course needs at least one lesson or a quiz");
	if (!(lessons = ids_json(f->lessons, f->nlessons))) {
		r = -ENOMEM;
		goto out;
	}
	json_t *parsed = NULL;
	if ((r = quiz_load(quiz, &parsed)) < 0)
		goto out;
	size_t questions = json_array_size(parsed);
	json_decref(parsed);
	if ((r = store_tx_begin(s)) < 0)
		goto out;
	if ((r = training_store_course_insert(s, title, f->description ? f->description : "", quiz, pass, "course",
					      NULL, actor, now, &id)) == 0 &&
	    (r = training_store_lessons_set(s, id, f->lessons, f->nlessons)) == 0) {
		course_object(id, object);
		r = actlog_appendf(s, actor, "training.course_create", object, "{s:I, s:s, s:O, s:I, s:i}", "id",
				   (json_int_t)id, "title", title, "lessons", lessons, "questions",
				   (json_int_t)questions, "pass_mark", pass);
	}
	r = store_tx_end(s, r);
	if (r == 0 && ret_id)
		*ret_id = id;
out:
	free(quiz);
	json_decref(lessons);
	return r;
}

int training_course_edit(struct store *s, const char *actor, int64_t id, const struct training_course_fields *f)
{
	struct training_course_row c = {0};
	char title[TRAINING_TITLE_SIZE], object[32], *quiz = NULL;
	int64_t cur[TRAINING_LESSONS_MAX], read_at[TRAINING_LESSONS_MAX];
	int ncur = 0, r;
	json_t *changed = json_array();
	if (!changed)
		return -ENOMEM;
	if (!f->title && !f->description && !f->set_lessons && !f->set_quiz && !f->pass_mark) {
		r = err_set(-EINVAL, "nothing to change");
		goto out;
	}
	if ((r = check_actor(actor)) < 0 || (f->title && (r = check_title(f->title, title)) < 0) ||
	    (r = check_description(f->description)) < 0 || (r = check_pass_mark(f->pass_mark)) < 0 ||
	    (f->set_lessons && (r = check_lessons(s, f->lessons, f->nlessons)) < 0) ||
	    (f->set_quiz && (r = quiz_text(f->quiz, &quiz)) < 0))
		goto out;
	if ((r = store_tx_begin(s)) < 0)
		goto out;
	if ((r = training_store_course_get(s, id, &c)) < 0 ||
	    (r = training_store_lessons(s, id, 0, cur, read_at, TRAINING_LESSONS_MAX, &ncur)) < 0)
		goto end;
	const char *nt = f->title ? title : c.title, *nd = f->description ? f->description : c.description;
	const char *nq = f->set_quiz ? quiz : c.quiz;
	int np = f->pass_mark ? f->pass_mark : c.pass_mark, nl = f->set_lessons ? f->nlessons : ncur;
	bool lessons_changed =
	    f->set_lessons &&
	    (f->nlessons != ncur || (ncur > 0 && memcmp(f->lessons, cur, (size_t)ncur * sizeof(cur[0])) != 0));
	if (nl == 0 && !nq) {
		r = err_set(-EINVAL, "a course needs at least one lesson or a quiz");
		goto end;
	}
	if (strcmp(nt, c.title) != 0)
		json_array_append_new(changed, json_string("title"));
	if (strcmp(nd, c.description) != 0)
		json_array_append_new(changed, json_string("description"));
	if (lessons_changed)
		json_array_append_new(changed, json_string("lessons"));
	if ((nq == NULL) != (c.quiz == NULL) || (nq && strcmp(nq, c.quiz) != 0))
		json_array_append_new(changed, json_string("quiz"));
	if (np != c.pass_mark)
		json_array_append_new(changed, json_string("pass_mark"));
	if (json_array_size(changed) == 0)
		goto end; /* nothing to write */
	/* Only the course changes: assignments, attempts and scores stay as recorded. */
	if ((r = training_store_course_update(s, id, nt, nd, nq, np, time_now())) < 0 ||
	    (lessons_changed && (r = training_store_lessons_set(s, id, f->lessons, f->nlessons)) < 0))
		goto end;
	course_object(id, object);
	r = actlog_appendf(s, actor, "training.course_edit", object, "{s:I, s:O}", "id", (json_int_t)id, "changed",
			   changed);
end:
	r = store_tx_end(s, r);
out:
	training_store_course_release(&c);
	free(quiz);
	json_decref(changed);
	return r;
}

/* --- who a target reaches --- */

/* Whether a package item's status means it is installed (dpkg's and rpm's). */
static bool package_installed(const json_t *item)
{
	const char *st = json_string_value(json_object_get(item, "status"));
	return !st || (strcmp(st, "not-installed") != 0 && strcmp(st, "config-files") != 0);
}

/* For each machine with an owner (only_owner: only theirs), the packages of wanted (an
 * object keyed by package name) its latest inventory has installed, into out as
 * {package: {owner: machine name}}. Reads every such machine's facts: resolve targets
 * before a write transaction, not inside one. */
static int scan_packages(struct store *s, const json_t *wanted, const char *only_owner, json_t *out)
{
	struct hosts_filter f = {.search = only_owner};
	json_t *list, *h;
	size_t i;
	int r = hosts_list(s, &f, &list);
	if (r < 0)
		return r;
	json_array_foreach(list, i, h)
	{
		const char *owner = json_string_value(json_object_get(h, "owner"));
		const char *uid = json_string_value(json_object_get(h, "id"));
		const char *name = json_string_value(json_object_get(h, "name"));
		struct host host;
		json_t *full, *item;
		size_t k;
		if (!owner || !*owner || !uid || (only_owner && strcmp(owner, only_owner) != 0))
			continue;
		if ((r = hosts_get(s, uid, &host)) == -ENOENT)
			continue; /* removed meanwhile */
		if (r < 0 || (r = hosts_show(s, &host, true, &full)) < 0)
			break;
		json_t *items = json_object_get(json_object_get(json_object_get(full, "facts"), "packages"), "items");
		json_array_foreach(items, k, item)
		{
			const char *pkg = json_string_value(json_object_get(item, "name"));
			if (!pkg || !json_object_get(wanted, pkg) || !package_installed(item))
				continue;
			json_t *owners = json_object_get(out, pkg);
			if (!owners && (!(owners = json_object()) || json_object_set_new(out, pkg, owners) < 0)) {
				r = -ENOMEM;
				break;
			}
			if (json_object_set_new(owners, owner, json_string(name ? name : uid)) < 0) {
				r = -ENOMEM;
				break;
			}
		}
		json_decref(full);
		if (r < 0)
			break;
	}
	json_decref(list);
	return r < 0 ? r : 0;
}

/* Every user as {name: user JSON}. */
static int users_by_name(struct store *s, json_t **ret)
{
	json_t *list, *u, *map = json_object();
	size_t i;
	int r = map ? accounts_user_list(s, &list) : -ENOMEM;
	if (r < 0) {
		json_decref(map);
		return r;
	}
	json_array_foreach(list, i, u)
	{
		if (json_object_set(map, json_string_value(json_object_get(u, "name")), u) < 0) {
			r = -ENOMEM;
			break;
		}
	}
	json_decref(list);
	if (r < 0) {
		json_decref(map);
		return r;
	}
	*ret = map;
	return 0;
}

static int skip(json_t *skipped, const char *user, const char *reason)
{
	json_t *j = json_pack("{s:s, s:s}", "user", user, "reason", reason);
	return j && json_array_append_new(skipped, j) == 0 ? 0 : -ENOMEM;
}

/* Appends name to users, at most TRAINING_ASSIGN_MAX of them. */
static int reach(json_t *users, const char *name)
{
	if (json_array_size(users) >= TRAINING_ASSIGN_MAX)
		return err_set(-E2BIG, "the assignment would reach more than %d users", TRAINING_ASSIGN_MAX);
	return json_array_append_new(users, json_string(name)) == 0 ? 0 : -ENOMEM;
}

/* The owners of owners ({owner: machine}) who are enabled Ward users into users, the
 * others into skipped; in the order of names (json objects are not sorted). */
static int owners_to_users(const json_t *owners, const json_t *accounts, json_t *users, json_t *skipped)
{
	const char *owner;
	json_t *machine;
	char reason[400];
	int r = 0;
	json_object_foreach((json_t *)owners, owner, machine)
	{
		const json_t *u = json_object_get(accounts, owner);
		if (!u) {
			snprintf(reason, sizeof(reason), "the owner of machine '%s' is not a Ward user",
				 json_string_value(machine));
			r = skip(skipped, owner, reason);
		} else if (json_is_true(json_object_get(u, "disabled"))) {
			r = skip(skipped, owner, "user is disabled");
		} else {
			r = reach(users, owner);
		}
		if (r < 0)
			break;
	}
	return r;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(json_string_value(*(json_t *const *)a), json_string_value(*(json_t *const *)b));
}

/* Sorts an array of strings in place. */
static int sort_names(json_t *arr)
{
	size_t n = json_array_size(arr);
	if (n < 2)
		return 0;
	json_t **v = calloc(n, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(arr, i));
	qsort(v, n, sizeof(*v), cmp_names);
	json_array_clear(arr);
	int r = 0;
	for (size_t i = 0; i < n; i++)
		if (json_array_append_new(arr, v[i]) < 0)
			r = -ENOMEM;
	free(v);
	return r;
}

int training_resolve(struct store *s, enum training_target kind, const char *value, json_t **ret_users,
		     json_t **ret_skipped)
{
	json_t *users = json_array(), *skipped = json_array(), *accounts = NULL, *wanted = NULL, *found = NULL, *u;
	enum role role;
	int r = users && skipped ? 0 : -ENOMEM;
	if (r < 0)
		goto out;
	if (kind == TRAINING_TO_USER) {
		struct user one;
		if ((r = check_user_name(value)) < 0)
			goto out;
		if ((r = accounts_user_get(s, value, &one)) < 0) {
			if (r == -ENOENT)
				r = err_set(-EINVAL, "user '%s' does not exist", value);
			goto out;
		}
		if (one.disabled) {
			r = err_set(-EINVAL, "user '%s' is disabled", value);
			goto out;
		}
		r = reach(users, one.name);
	} else if (kind == TRAINING_TO_ROLE) {
		if ((r = role_parse(value, &role)) < 0 || (r = users_by_name(s, &accounts)) < 0)
			goto out;
		const char *name;
		json_object_foreach(accounts, name, u)
		{
			if (strcmp(json_string_value(json_object_get(u, "role")), role_name(role)) != 0)
				continue;
			r = json_is_true(json_object_get(u, "disabled")) ? skip(skipped, name, "user is disabled")
									 : reach(users, name);
			if (r < 0)
				goto out;
		}
	} else if (kind == TRAINING_TO_PACKAGE) {
		if ((r = training_check_package(value)) < 0 || (r = users_by_name(s, &accounts)) < 0)
			goto out;
		if (!(wanted = json_pack("{s:b}", value, 1)) || !(found = json_object())) {
			r = -ENOMEM;
			goto out;
		}
		if ((r = scan_packages(s, wanted, NULL, found)) < 0)
			goto out;
		json_t *owners = json_object_get(found, value);
		if (owners && (r = owners_to_users(owners, accounts, users, skipped)) < 0)
			goto out;
	} else {
		r = err_set(-EINVAL, "unknown assignment target");
		goto out;
	}
	if (r == 0)
		r = sort_names(users);
out:
	json_decref(accounts);
	json_decref(wanted);
	json_decref(found);
	if (r < 0) {
		json_decref(users);
		json_decref(skipped);
		return r;
	}
	*ret_users = users;
	*ret_skipped = skipped;
	return 0;
}

/* --- assigning --- */

static const char *const target_names[] = {"user", "role", "package"};

/* One new assignment and its log entry (nothing when the user has it). */
static int assign_one(struct store *s, const char *actor, int64_t course_id, const char *user, const char *via,
		      int64_t now, int64_t due_at, bool *ret_new)
{
	char object[32];
	int r = training_store_assign(s, course_id, user, via, actor, now, due_at, ret_new);
	if (r < 0 || !*ret_new)
		return r;
	course_object(course_id, object);
	return actlog_appendf(s, actor, "training.assign", object, "{s:s, s:s, s:o}", "user", user, "via", via,
			      "due_at", json_time(due_at));
}

int training_assign(struct store *s, const char *actor, int64_t course_id, enum training_target kind, const char *value,
		    int64_t due_at, int64_t now, json_t **ret)
{
	struct training_course_row c;
	json_t *users = NULL, *skipped = NULL, *assigned = json_array(), *already = json_array(), *u;
	char via[TRAINING_VIA_SIZE], object[32];
	size_t i;
	int r;
	if (!assigned || !already) {
		r = -ENOMEM;
		goto out;
	}
	if ((r = check_actor(actor)) < 0 || (r = check_due(due_at, now)) < 0)
		goto out;
	if (kind < TRAINING_TO_USER || kind > TRAINING_TO_PACKAGE) {
		r = err_set(-EINVAL, "unknown assignment target");
		goto out;
	}
	if ((r = training_store_course_get(s, course_id, &c)) < 0)
		goto out;
	training_store_course_release(&c);
	/* Who it reaches is read before the write lock is taken: it may read many machines. */
	if ((r = training_resolve(s, kind, value, &users, &skipped)) < 0)
		goto out;
	if (kind == TRAINING_TO_USER)
		snprintf(via, sizeof(via), "user");
	else
		snprintf(via, sizeof(via), "%s:%s", target_names[kind], value);
	if ((r = store_tx_begin(s)) < 0)
		goto out;
	if (kind != TRAINING_TO_USER) {
		int64_t period = due_at ? due_at - now : -1;
		course_object(course_id, object);
		if ((r = training_store_rule_put(s, course_id, target_names[kind], value, period, actor, now)) == 0)
			r = actlog_appendf(s, actor, "training.rule", object, "{s:s, s:s, s:o}", "kind",
					   target_names[kind], "value", value, "period",
					   period >= 0 ? json_integer(period) : json_null());
	}
	json_array_foreach(users, i, u)
	{
		bool added = false;
		if (r < 0)
			break;
		r = assign_one(s, actor, course_id, json_string_value(u), via, now, due_at, &added);
		if (r == 0)
			r = json_array_append(added ? assigned : already, u) == 0 ? 0 : -ENOMEM;
	}
	r = store_tx_end(s, r);
	if (r == 0) {
		*ret = json_pack("{s:O, s:O, s:O}", "assigned", assigned, "already", already, "skipped", skipped);
		if (!*ret)
			r = -ENOMEM;
	}
out:
	json_decref(users);
	json_decref(skipped);
	json_decref(assigned);
	json_decref(already);
	return r;
}

/* --- rules applied later --- */

struct pending {
	int64_t course_id, rule_id, due_at;
	char user[WARD_NAME_MAX + 1];
	char via[TRAINING_VIA_SIZE];
};

struct sync_ctx {
	json_t *rules; /* [{"id", "course_id", "kind", "value", "period"}] */
};

static int collect_rule(const struct training_rule_row *r, void *arg)
{
	struct sync_ctx *c = arg;
	json_t *j =
	    json_pack("{s:I, s:I, s:s, s:s, s:I}", "id", (json_int_t)r->id, "course_id", (json_int_t)r->course_id,
		      "kind", r->kind, "value", r->value, "period", (json_int_t)r->period);
	return j && json_array_append_new(c->rules, j) == 0 ? 0 : -ENOMEM;
}

int training_sync(struct store *s, const char *user, int64_t now, int *ret_added)
{
	struct sync_ctx c = {json_array()};
	json_t *accounts = NULL, *wanted = json_object(), *found = json_object(), *rule;
	struct pending *todo = NULL;
	size_t ntodo = 0, i;
	int added = 0, r;
	if (!c.rules || !wanted || !found) {
		r = -ENOMEM;
		goto out;
	}
	if (user && (r = check_user_name(user)) < 0)
		goto out;
	if ((r = training_store_rules(s, user, TRAINING_RULES_MAX, collect_rule, &c)) < 0)
		goto out;
	if (json_array_size(c.rules) == 0)
		goto done;
	if (user) {
		/* Only this user: the loops below see one account. */
		struct user u;
		if ((r = accounts_user_get(s, user, &u)) == -ENOENT)
			goto done;
		if (r < 0)
			goto out;
		if (!(accounts = json_object()) || json_object_set_new(accounts, u.name, accounts_user_json(&u)) < 0) {
			r = -ENOMEM;
			goto out;
		}
	} else if ((r = users_by_name(s, &accounts)) < 0) {
		goto out;
	}
	json_array_foreach(
	    c.rules, i,
	    rule) if (strcmp(json_string_value(json_object_get(rule, "kind")), "package") == 0 &&
		      json_object_set_new(wanted, json_string_value(json_object_get(rule, "value")), json_true()) < 0)
	{
		r = -ENOMEM;
		goto out;
	}
	if (json_object_size(wanted) > 0 && json_object_size(accounts) > 0 &&
	    (r = scan_packages(s, wanted, user, found)) < 0)
		goto out;
	if (!(todo = calloc(TRAINING_ASSIGN_MAX, sizeof(*todo)))) {
		r = -ENOMEM;
		goto out;
	}
	json_array_foreach(c.rules, i, rule)
	{
		const char *kind = json_string_value(json_object_get(rule, "kind"));
		const char *value = json_string_value(json_object_get(rule, "value"));
		int64_t course_id = json_integer_value(json_object_get(rule, "course_id"));
		int64_t period = json_integer_value(json_object_get(rule, "period"));
		bool is_role = strcmp(kind, "role") == 0;
		const json_t *owners = is_role ? NULL : json_object_get(found, value);
		const char *name;
		json_t *u;
		json_object_foreach(accounts, name, u)
		{
			if (json_is_true(json_object_get(u, "disabled")))
				continue;
			if (is_role ? strcmp(json_string_value(json_object_get(u, "role")), value) != 0
				    : !json_object_get(owners, name))
				continue;
			bool has;
			if ((r = training_store_assigned(s, course_id, name, &has)) < 0)
				goto out;
			if (has || ntodo >= TRAINING_ASSIGN_MAX)
				continue; /* the rest on the next sync */
			struct pending *p = &todo[ntodo++];
			p->course_id = course_id;
			p->rule_id = json_integer_value(json_object_get(rule, "id"));
			p->due_at = period >= 0 ? now + period : 0;
			snprintf(p->user, sizeof(p->user), "%s", name);
			snprintf(p->via, sizeof(p->via), "%s:%s", kind, value);
		}
	}
	if (ntodo == 0)
		goto done;
	if ((r = store_tx_begin(s)) < 0)
		goto out;
	for (i = 0; r == 0 && i < ntodo; i++) {
		bool is_new = false;
		r = assign_one(s, TRAINING_SYSTEM_ACTOR, todo[i].course_id, todo[i].user, todo[i].via, now,
			       todo[i].due_at, &is_new);
		added += is_new;
	}
	if ((r = store_tx_end(s, r)) < 0)
		goto out;
done:
	if (ret_added)
		*ret_added = added;
	r = 0;
out:
	free(todo);
	json_decref(c.rules);
	json_decref(accounts);
	json_decref(wanted);
	json_decref(found);
	return r;
}

/* --- listings --- */

struct collect_at {
	json_t *out;
	int64_t now;
};

static int collect_assignment(const struct training_assignment_row *a, void *arg)
{
	struct collect_at *c = arg;
	json_t *j = assignment_json(a, c->now);
	return j && json_array_append_new(c->out, j) == 0 ? 0 : -ENOMEM;
}

int training_assignments(struct store *s, const struct training_filter *f, int64_t now, json_t **ret,
			 int64_t *ret_next_after)
{
	int limit = f->limit, r;
	if ((r = check_limit(&limit)) < 0)
		return r;
	if (f->after < 0)
		return err_set(-EINVAL, "after must be an assignment id");
	if (f->user && (r = check_user_name(f->user)) < 0)
		return r;
	struct collect_at c = {json_array(), now};
	if (!c.out)
		return -ENOMEM;
	if ((r = training_store_assignments(s, f->course_id, f->user, f->any_status ? -1 : (int)f->status, now,
					    f->after, limit + 1, collect_assignment, &c)) < 0) {
		json_decref(c.out);
		return r;
	}
	int64_t next = 0;
	if (json_array_size(c.out) > (size_t)limit) {
		json_array_remove(c.out, (size_t)limit);
		next = json_integer_value(json_object_get(json_array_get(c.out, (size_t)limit - 1), "id"));
	}
	*ret = c.out;
	*ret_next_after = next;
	return 0;
}

/* --- taking a course --- */

static int complete_in_tx(struct store *s, const char *by, const struct training_assignment_row *a, bool override,
			  int score, int64_t now)
{
	char object[32];
	bool done = false;
	int r = training_store_complete(s, a->id, now, by, override, &done);
	if (r < 0 || !done)
		return r;
	course_object(a->course_id, object);
	return actlog_appendf(s, by, "training.complete", object, "{s:s, s:b, s:o}", "user", a->user, "override",
			      override, "score", score >= 0 ? json_integer(score) : json_null());
}

int training_lesson_read(struct store *s, const char *user, int64_t course_id, int n, int64_t now, json_t **ret)
{
	struct training_assignment_row a;
	int64_t ids[TRAINING_LESSONS_MAX], read_at[TRAINING_LESSONS_MAX];
	char object[32];
	int count, r;
	bool added = false;
	if ((r = check_user_name(user)) < 0)
		return r;
	if ((r = store_tx_begin(s)) < 0)
		return r;
	if ((r = training_store_assignment_get(s, course_id, user, &a)) < 0 ||
	    (r = training_store_lessons(s, course_id, a.id, ids, read_at, TRAINING_LESSONS_MAX, &count)) < 0)
		goto end;
	if (n < 1 || n > count) {
		r = err_set(-ENOENT, "course %lld has no lesson %d", (long long)course_id, n);
		goto end;
	}
	if ((r = training_store_read_add(s, a.id, ids[n - 1], now, &added)) < 0 || !added)
		goto end;
	course_object(course_id, object);
	if ((r = actlog_appendf(s, user, "training.read", object, "{s:i, s:I}", "lesson", n, "article",
				(json_int_t)ids[n - 1])) < 0)
		goto end;
	read_at[n - 1] = now;
	bool all = true;
	for (int i = 0; i < count; i++)
		all = all && read_at[i] > 0;
	/* Without a quiz, reading is the course. */
	if (all && !a.has_quiz && a.completed_at == 0)
		r = complete_in_tx(s, user, &a, false, -1, now);
end:
	if ((r = store_tx_end(s, r)) < 0)
		return r;
	return ret ? training_assignment_get(s, course_id, user, now, ret) : 0;
}

int training_quiz_submit(struct store *s, const char *user, int64_t course_id, const json_t *answers, int64_t now,
			 json_t **ret)
{
	struct training_assignment_row a;
	struct training_course_row c = {0};
	json_t *quiz = NULL, *norm = NULL, *mine = NULL;
	char object[32], *answers_text = NULL;
	int correct = 0, total = 0, score = 0, r;
	bool passed = false;
	if ((r = check_user_name(user)) < 0)
		return r;
	/* The checks run inside the transaction, so two submissions cannot both take the
	 * last attempt. */
	if ((r = store_tx_begin(s)) < 0)
		return r;
	if ((r = training_store_assignment_get(s, course_id, user, &a)) < 0 ||
	    (r = training_store_course_get(s, course_id, &c)) < 0 || (r = quiz_load(c.quiz, &quiz)) < 0)
		goto end;
	if (!quiz) {
		r = err_set(-EINVAL, "course %lld has no quiz", (long long)course_id);
		goto end;
	}
	if (a.completed_at) {
		r = err_set(-EEXIST, "course %lld is complete already", (long long)course_id);
		goto end;
	}
	if (a.lessons_read < a.lessons) {
		r = err_set(-EEXIST, "read every lesson before taking the quiz (%d of %d read)", a.lessons_read,
			    a.lessons);
		goto end;
	}
	if (a.attempts >= TRAINING_ATTEMPTS_MAX) {
		r = err_set(-EEXIST, "no attempts left: all %d were used; an admin can mark the course complete",
			    TRAINING_ATTEMPTS_MAX);
		goto end;
	}
	if ((r = training_quiz_score(quiz, answers, &correct, &total, &norm)) < 0)
		goto end;
	if (!(answers_text = json_canonical(norm))) {
		r = -ENOMEM;
		goto end;
	}
	score = training_score_percent(correct, total);
	passed = training_passed(correct, total, c.pass_mark);
	course_object(course_id, object);
	if ((r = training_store_attempt_add(s, a.id, now, answers_text, correct, total, score, c.pass_mark, passed)) <
		0 ||
	    (r = training_store_attempt_count(s, a.id, score)) < 0 ||
	    (r = actlog_appendf(s, user, "training.attempt", object, "{s:i, s:i, s:i, s:i, s:b, s:i}", "score", score,
				"correct", correct, "total", total, "pass_mark", c.pass_mark, "passed", passed,
				"attempt", a.attempts + 1)) < 0)
		goto end;
	if (passed)
		r = complete_in_tx(s, user, &a, false, score, now);
end:
	r = store_tx_end(s, r);
	if (r == 0 && (r = training_assignment_get(s, course_id, user, now, &mine)) == 0) {
		int attempts = a.attempts + 1;
		*ret = json_pack(
		    "{s:i, s:i, s:i, s:i, s:b, s:i, s:i, s:o}", "score", score, "correct", correct, "total", total,
		    "pass_mark", c.pass_mark, "passed", passed, "attempts", attempts, "attempts_left",
		    attempts < TRAINING_ATTEMPTS_MAX ? TRAINING_ATTEMPTS_MAX - attempts : 0, "assignment", mine);
		if (!*ret)
			r = -ENOMEM;
	}
	free(answers_text);
	json_decref(quiz);
	json_decref(norm);
	training_store_course_release(&c);
	return r;
}

int training_complete(struct store *s, const char *actor, int64_t course_id, const char *user, int64_t now)
{
	struct training_assignment_row a;
	int r;
	if ((r = check_actor(actor)) < 0 || (r = check_user_name(user)) < 0)
		return r;
	if ((r = store_tx_begin(s)) < 0)
		return r;
	if ((r = training_store_assignment_get(s, course_id, user, &a)) < 0)
		goto end;
	if (a.completed_at) {
		r = err_set(-EEXIST, "course %lld is complete for '%s' already", (long long)course_id, user);
		goto end;
	}
	r = complete_in_tx(s, actor, &a, true, a.score, now);
end:
	return store_tx_end(s, r);
}

/* --- change notes --- */

int training_notice_publish(struct store *s, const char *actor, const struct training_notice *n, int64_t now,
			    int64_t *ret_course_id, json_t **ret)
{
	char title[TRAINING_TITLE_SIZE], description[TRAINING_PACKAGE_MAX + 32], via[TRAINING_VIA_SIZE], object[32];
	json_t *users = NULL, *skipped = NULL, *assigned = json_array(), *u;
	int64_t article = 0, id = 0, due_at = now + n->due_s;
	size_t i;
	int r;
	if (!assigned)
		return -ENOMEM;
	if ((r = check_actor(actor)) < 0 || (r = training_check_package(n->package)) < 0 ||
	    (r = check_title(n->title, title)) < 0)
		goto out;
	if (n->due_s < 86400 || n->due_s > (int64_t)TRAINING_NOTICE_DAYS_MAX * 86400) {
		r = err_set(-EINVAL, "a change note is due in 1 to %d days", TRAINING_NOTICE_DAYS_MAX);
		goto out;
	}
	if ((r = training_resolve(s, TRAINING_TO_PACKAGE, n->package, &users, &skipped)) < 0)
		goto out;
	snprintf(description, sizeof(description), "What changed in %s", n->package);
	snprintf(via, sizeof(via), "notice:%s", n->package);
	if ((r = store_tx_begin(s)) < 0)
		goto out;
	/* The article joins this transaction: a refused note leaves no article behind. */
	struct kb_fields kf = {
	    .title = title, .body = n->text, .category = TRAINING_NOTICE_CATEGORY, .visibility = "employees"};
	if ((r = kb_article_create(s, actor, &kf, &article)) < 0 ||
	    (r = training_store_course_insert(s, title, description, NULL, TRAINING_PASS_DEFAULT, "notice", n->package,
					      actor, now, &id)) < 0 ||
	    (r = training_store_lessons_set(s, id, &article, 1)) < 0)
		goto end;
	course_object(id, object);
	if ((r = actlog_appendf(s, actor, "training.notice", object, "{s:I, s:s, s:s, s:I, s:o}", "id", (json_int_t)id,
				"package", n->package, "title", title, "article_id", (json_int_t)article, "due_at",
				json_time(due_at))) < 0)
		goto end;
	json_array_foreach(users, i, u)
	{
		bool added = false;
		if ((r = assign_one(s, actor, id, json_string_value(u), via, now, due_at, &added)) < 0)
			break;
		if (added && json_array_append(assigned, u) < 0) {
			r = -ENOMEM;
			break;
		}
	}
end:
	if ((r = store_tx_end(s, r)) < 0)
		goto out;
	if (ret) {
		*ret = json_pack("{s:I, s:I, s:O, s:[], s:O}", "course_id", (json_int_t)id, "article_id",
				 (json_int_t)article, "assigned", assigned, "already", "skipped", skipped);
		if (!*ret) {
			r = -ENOMEM;
			goto out;
		}
	}
	if (ret_course_id)
		*ret_course_id = id;
out:
	json_decref(users);
	json_decref(skipped);
	json_decref(assigned);
	return r;
}
