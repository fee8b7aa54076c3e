/*
 * training_api.c: HTTP handlers for training. Each reads the request, calls training.c
 * as the authenticated user with their role (which decides what they see: admins every
 * course and its answers, others the courses assigned to them) and encodes the answer.
 * The route table sets the least role of each route.
 */
#include "training/training_api.h"

#include <errno.h>
#include <string.h>

#include "core/err.h"
#include "core/json.h"
#include "core/limits.h"
#include "core/timeutil.h"
#include "training/training.h"


static int route_course(struct http_req *req, int64_t *ret)
{
	const char *v = http_param(req, "id");
	if (parse_int64(v, 1, INT64_MAX, ret) < 0)
		return err_set(-ENOENT, "course '%.32s' does not exist", v ? v : "");
	return 0;
}

/* Brings the caller's assignments up to date with the role and package rules; a
 * failure here must not fail the read it precedes. */
static void sync_me(struct store *s, const struct auth *au)
{
	if (training_sync(s, au->user, time_now(), NULL) < 0)
		err_clear();
}

/* Replies {"course": ...} as the caller sees it. */
static int reply_course(struct http_req *req, struct store *s, unsigned status, int64_t id)
{
	const struct auth *au = http_auth(req);
	json_t *j;
	int r = training_course_get(s, au->user, au->role, id, time_now(), &j);
	if (r < 0)
		return r;
	return http_reply_json(req, status, json_pack("{s:o}", "course", j));
}

int training_api_courses(struct http_req *req)
{
	const struct auth *au = http_auth(req);
	int64_t after = 0, limit = TRAINING_PAGE_DEFAULT, next;
	json_t *courses;
	int r;
	STORE_OR_FAIL(s);
	if ((r = http_query_int(req, "after", 0, INT64_MAX, &after)) < 0 ||
	    (r = http_query_int(req, "limit", 1, TRAINING_PAGE_MAX, &limit)) < 0)
		return r;
	if (au->role < ROLE_ADMIN)
		sync_me(s, au);
	if ((r = training_course_list(s, au->user, au->role, after, (int)limit, time_now(), &courses, &next)) < 0)
		return r;
	return http_reply_json(
	    req, 200,
	    json_pack("{s:o, s:o}", "courses", courses, "next_after", next ? json_integer(next) : json_null()));
}

/* The lessons of a request: an array of at most TRAINING_LESSONS_MAX article ids. */
static int get_lessons(const json_t *body, int64_t out[TRAINING_LESSONS_MAX], int *ret_n, bool *ret_given)
{
	json_t *l = json_object_get(body, "lessons"), *v;
	size_t i;
	*ret_n = 0;
	*ret_given = l != NULL;
	if (!l)
		return 0;
	if (!json_is_array(l) || json_array_size(l) > TRAINING_LESSONS_MAX)
		return err_set(-EINVAL, "field 'lessons' must be an array of at most %d article ids",
			       TRAINING_LESSONS_MAX);
	json_array_foreach(l, i, v)
	{
		if (!json_is_integer(v) || json_integer_value(v) < 1)
			return err_set(-EINVAL, "field 'lessons' must be an array of article ids");
		out[(*ret_n)++] = json_integer_value(v);
	}
	return 0;
}

/* The fields of a create or an edit; sizes are checked by training.c. */
static int read_fields(const json_t *body, bool create, int64_t lessons[TRAINING_LESSONS_MAX],
		       struct training_course_fields *f)
{
	static const char *const fields[] = {"title", "description", "lessons", "quiz", "pass_mark", NULL};
	json_t *pass, *quiz;
	int r;
	memset(f, 0, sizeof(*f));
	if ((r = json_check_fields(body, fields)) < 0 ||
	    (r = json_get_string(body, "title", create, TRAINING_TITLE_SIZE, &f->title)) < 0 ||
	    (r = json_get_string(body, "description", false, TRAINING_DESCRIPTION_MAX, &f->description)) < 0 ||
	    (r = get_lessons(body, lessons, &f->nlessons, &f->set_lessons)) < 0)
		return r;
	f->lessons = lessons;
	if ((quiz = json_object_get(body, "quiz"))) {
		f->set_quiz = true;
		f->quiz = json_is_null(quiz) ? NULL : quiz;
	}
	if ((pass = json_object_get(body, "pass_mark")) && !json_is_null(pass)) {
		if (!json_is_integer(pass) || json_integer_value(pass) < 1 || json_integer_value(pass) > 100)
			return err_set(-EINVAL, "field 'pass_mark' must be a percentage from 1 to 100");
		f->pass_mark = (int)json_integer_value(pass);
	}
	return 0;
}

int training_api_course_create(struct http_req *req)
{
	int64_t lessons[TRAINING_LESSONS_MAX], id;
	struct training_course_fields f;
	json_t *body;
	int r;
	STORE_OR_FAIL(s);
	if ((r = http_body_json(req, &body)) < 0 || (r = read_fields(body, true, lessons, &f)) < 0 ||
	    (r = training_course_create(s, http_auth(req)->user, &f, &id)) < 0)
		return r;
	return reply_course(req, s, 201, id);
}

int training_api_course_show(struct http_req *req)
{
	int64_t id;
	STORE_OR_FAIL(s);
	int r = route_course(req, &id);
	if (r < 0)
		return r;
	if (http_auth(req)->role < ROLE_ADMIN)
		sync_me(s, http_auth(req));
	return reply_course(req, s, 200, id);
}

int training_api_course_update(struct http_req *req)
{
	int64_t lessons[TRAINING_LESSONS_MAX], id;
	struct training_course_fields f;
	json_t *body;
	int r;
	STORE_OR_FAIL(s);
	if ((r = route_course(req, &id)) < 0 || (r = http_body_json(req, &body)) < 0 ||
	    (r = read_fields(body, false, lessons, &f)) < 0 ||
	    (r = training_course_edit(s, http_auth(req)->user, id, &f)) < 0)
		return r;
	return reply_course(req, s, 200, id);
}

int training_api_course_assign(struct http_req *req)
{
	static const char *const fields[] = {"user", "role", "package", "due", NULL};
	static const char *const targets[] = {"user", "role", "package"};
	const char *value = NULL, *due = NULL, *v;
	enum training_target kind = TRAINING_TO_USER;
	int64_t id, due_at = 0, now = time_now();
	json_t *body, *res;
	int given = 0, r;
	STORE_OR_FAIL(s);
	if ((r = route_course(req, &id)) < 0 || (r = http_body_json(req, &body)) < 0 ||
	    (r = json_check_fields(body, fields)) < 0 || (r = json_get_string(body, "due", false, 64, &due)) < 0)
		return r;
	for (int i = 0; i < 3; i++) {
		if ((r = json_get_string(body, targets[i], false, 256, &v)) < 0)
			return r;
		if (v) {
			given++;
			value = v;
			kind = (enum training_target)i;
		}
	}
	if (given != 1)
		return err_set(-EINVAL, "give exactly one of 'user', 'role' or 'package'");
	if (due && (r = training_parse_due(due, now, &due_at)) < 0)
		return r;
	if ((r = training_assign(s, http_auth(req)->user, id, kind, value, due_at, now, &res)) < 0)
		return r;
	return http_reply_json(req, 200, res);
}

int training_api_course_complete(struct http_req *req)
{
	static const char *const fields[] = {"user", NULL};
	const char *user;
	int64_t id, now = time_now();
	json_t *body, *a;
	int r;
	STORE_OR_FAIL(s);
	if ((r = route_course(req, &id)) < 0 || (r = http_body_json(req, &body)) < 0 ||
	    (r = json_check_fields(body, fields)) < 0 || (r = json_get_string(body, "user", true, 256, &user)) < 0 ||
	    (r = training_complete(s, http_auth(req)->user, id, user, now)) < 0 ||
	    (r = training_assignment_get(s, id, user, now, &a)) < 0)
		return r;
	return http_reply_json(req, 200, json_pack("{s:o}", "assignment", a));
}

int training_api_lesson_read(struct http_req *req)
{
	const char *n = http_param(req, "n");
	int64_t id, lesson;
	json_t *a;
	int r;
	STORE_OR_FAIL(s);
	if ((r = route_course(req, &id)) < 0)
		return r;
	if (parse_int64(n, 1, TRAINING_LESSONS_MAX, &lesson) < 0)
		return err_set(-ENOENT, "course %lld has no lesson '%.16s'", (long long)id, n ? n : "");
	if ((r = training_lesson_read(s, http_auth(req)->user, id, (int)lesson, time_now(), &a)) < 0)
		return r;
	return http_reply_json(req, 200, json_pack("{s:o}", "assignment", a));
}

int training_api_quiz(struct http_req *req)
{
	static const char *const fields[] = {"answers", NULL};
	int64_t id;
	json_t *body, *res;
	int r;
	STORE_OR_FAIL(s);
	if ((r = route_course(req, &id)) < 0 || (r = http_body_json(req, &body)) < 0 ||
	    (r = json_check_fields(body, fields)) < 0)
		return r;
	if (!json_object_get(body, "answers"))
		return err_set(-EINVAL, "field 'answers' is required");
	/* The score is the server's: whatever else a client says is refused above. */
	if ((r = training_quiz_submit(s, http_auth(req)->user, id, json_object_get(body, "answers"), time_now(),
				      &res)) < 0)
		return r;
	return http_reply_json(req, 200, res);
}

/* Lists assignments with the filter of the query (status, after, limit). */
static int reply_assignments(struct http_req *req, struct store *s, struct training_filter *f)
{
	const char *status = http_query(req, "status");
	int64_t after = 0, limit = TRAINING_PAGE_DEFAULT, next;
	json_t *rows;
	int r;
	if ((r = http_query_int(req, "after", 0, INT64_MAX, &after)) < 0 ||
	    (r = http_query_int(req, "limit", 1, TRAINING_PAGE_MAX, &limit)) < 0)
		return r;
	f->any_status = !status || !*status;
	if (!f->any_status && (r = training_status_parse(status, &f->status)) < 0)
		return r;
	f->after = after;
	f->limit = (int)limit;
	if ((r = training_assignments(s, f, time_now(), &rows, &next)) < 0)
		return r;
	return http_reply_json(
	    req, 200,
	    json_pack("{s:o, s:o}", "assignments", rows, "next_after", next ? json_integer(next) : json_null()));
}

int training_api_me(struct http_req *req)
{
	struct training_filter f = {.user = http_auth(req)->user};
	STORE_OR_FAIL(s);
	sync_me(s, http_auth(req));
	return reply_assignments(req, s, &f);
}

int training_api_assignments(struct http_req *req)
{
	struct training_filter f = {.user = http_query(req, "user")};
	int64_t course = 0;
	int r;
	STORE_OR_FAIL(s);
	if ((r = http_query_int(req, "course", 1, INT64_MAX, &course)) < 0)
		return r;
	if (f.user && !*f.user)
		f.user = NULL;
	f.course_id = course;
	return reply_assignments(req, s, &f);
}

int training_api_notice(struct http_req *req)
{
	static const char *const fields[] = {"package", "title", "text", "due_days", NULL};
	struct training_notice n = {0};
	int64_t id;
	json_t *body, *res, *days, *course;
	int r;
	STORE_OR_FAIL(s);
	if ((r = http_body_json(req, &body)) < 0 || (r = json_check_fields(body, fields)) < 0 ||
	    (r = json_get_string(body, "package", true, 256, &n.package)) < 0 ||
	    (r = json_get_string(body, "title", true, TRAINING_TITLE_SIZE, &n.title)) < 0 ||
	    (r = json_get_string(body, "text", true, WARD_HTTP_BODY_MAX, &n.text)) < 0)
		return r;
	days = json_object_get(body, "due_days");
	if (!json_is_integer(days) || json_integer_value(days) < 1 ||
	    json_integer_value(days) > TRAINING_NOTICE_DAYS_MAX)
		return err_set(-EINVAL, "field 'due_days' must be a number of days from 1 to %d",
			       TRAINING_NOTICE_DAYS_MAX);
	n.due_s = json_integer_value(days) * 86400;
	if ((r = training_notice_publish(s, http_auth(req)->user, &n, time_now(), &id, &res)) < 0)
		return r;
	const struct auth *au = http_auth(req);
	if ((r = training_course_get(s, au->user, au->role, id, time_now(), &course)) < 0) {
		json_decref(res);
		return r;
	}
	json_object_set_new(res, "course", course);
	return http_reply_json(req, 201, res);
}
