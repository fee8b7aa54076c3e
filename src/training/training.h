/*
 * training.h: training employees on programs and on changes to them. A course is an
 * ordered list of knowledge-base articles (the lessons) and an optional multiple-choice
 * quiz with a pass mark. Courses are assigned to a user, to everyone with a role, or to
 * the users of a program (the owners of the machines whose inventory has the package
 * installed), with a due date. People read the lessons and take the quiz; the server
 * scores every attempt, and the assignment is complete when the pass mark is reached
 * (or, without a quiz, when every lesson was read). A change note for a program becomes
 * a one-lesson course for its users. Reminders go out by e-mail before and after the
 * due date. Every change is written to the activity log in the same transaction.
 *
 * Who sees what: an admin sees every course with its quiz's correct answers and its
 * progress; anyone else sees only the courses assigned to them, without the answers
 * (another course is -ENOENT, as if it did not exist). Writes take no role: the faces
 * check it (the route table for the API, local access for the CLI).
 */
#ifndef WARD_TRAINING_H
#define WARD_TRAINING_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/role.h"
#include "core/store.h"
#include "mail/smtp.h"

/* Limits (they belong with the others in core/limits.h once the module is merged). */
#define TRAINING_TITLE_MAX 200				 /* characters of a course title */
#define TRAINING_TITLE_SIZE (TRAINING_TITLE_MAX * 4 + 1) /* bytes to hold one */
#define TRAINING_DESCRIPTION_MAX (16 * 1024)		 /* bytes of a course description */
#define TRAINING_LESSONS_MAX 50				 /* lessons of a course */
#define TRAINING_QUESTIONS_MAX 50			 /* questions of a quiz */
#define TRAINING_OPTIONS_MIN 2				 /* options of a question */
#define TRAINING_OPTIONS_MAX 8
#define TRAINING_QUESTION_MAX 1000	     /* characters of a question */
#define TRAINING_OPTION_MAX 300		     /* characters of an option */
#define TRAINING_PASS_DEFAULT 80	     /* percent */
#define TRAINING_ATTEMPTS_MAX 10	     /* quiz attempts per assignment; then only an admin can complete it */
#define TRAINING_PACKAGE_MAX 128	     /* bytes of a package name */
#define TRAINING_DUE_MAX (3 * 366 * 86400LL) /* a due date at most this far ahead */
#define TRAINING_NOTICE_DAYS_MAX 365	     /* a change note is due in 1..365 days */
#define TRAINING_ASSIGN_MAX 10000	     /* users one assignment may reach */
#define TRAINING_PAGE_DEFAULT 100	     /* rows of a listing */
#define TRAINING_PAGE_MAX 500
#define TRAINING_REMIND_AHEAD (2 * 86400)	/* remind this long before the due date */
#define TRAINING_REMIND_EVERY (24 * 3600)	/* and at most once in this long */
#define TRAINING_REMIND_RETRY 3600		/* after a temporary mail failure, try again after this */
#define TRAINING_REMIND_BATCH 200		/* reminders one training_remind call handles */
#define TRAINING_NOTICE_CATEGORY "What changed" /* the knowledge-base category of change notes */
#define TRAINING_SYSTEM_ACTOR "system"		/* the actor of automatic assignments and reminders */

/* An assignment's status, computed from its due and completion times. */
enum training_status {
	TRAINING_ASSIGNED = 0,	/* not complete, not yet due (or no due date) */
	TRAINING_COMPLETED = 1, /* passed, read, or marked complete by an admin */
	TRAINING_OVERDUE = 2,	/* not complete and its due time has passed */
};

/* "assigned", "completed", "overdue". */
const char *training_status_name(enum training_status st);

/* -EINVAL (message set) for anything else. */
int training_status_parse(const char *text, enum training_status *ret);

/* The status at time now of an assignment due at due_at (0: no due date) and completed
 * at completed_at (0: not completed). Overdue means now > due_at. */
enum training_status training_status_at(int64_t due_at, int64_t completed_at, int64_t now);

/* --- courses --- */

/* A new course, or an edit of one. The quiz is a JSON array of questions
 * {"text", "options": [2..8 strings], "correct": [indexes from 0] or one index}; at
 * least one option is correct, options differ from each other. */
struct training_course_fields {
	const char *title;	 /* 1..TRAINING_TITLE_MAX characters, one line; edit: NULL unchanged */
	const char *description; /* at most TRAINING_DESCRIPTION_MAX bytes; NULL: "" / unchanged */
	bool set_lessons;	 /* edit: whether lessons replace the current ones (create: always) */
	const int64_t *lessons;	 /* knowledge-base article ids, in order, each once, 0..TRAINING_LESSONS_MAX */
	int nlessons;
	bool set_quiz;	    /* edit: whether quiz replaces the current one (create: always) */
	const json_t *quiz; /* NULL or JSON null: no quiz */
	int pass_mark;	    /* 1..100; 0: TRAINING_PASS_DEFAULT / unchanged */
};

/* Creates a course, logged as training.course_create. Each lesson must be an existing
 * article that employees may read (kb_article_get_id); a course needs at least one
 * lesson or a quiz. *ret_id (may be NULL) gets its id. -EINVAL for a missing or invalid
 * field (the message names it: "question 2: option 3 is required"). */
int training_course_create(struct store *s, const char *actor, const struct training_course_fields *f, int64_t *ret_id);

/* Changes a course, logged as training.course_edit with the fields changed. Recorded
 * scores, attempts, completions and reads stay as they are: nothing is re-scored, a
 * completed assignment stays completed. Reads are kept by article, so reordering
 * lessons keeps them. -ENOENT for no such course, -EINVAL as above or when nothing is
 * given. */
int training_course_edit(struct store *s, const char *actor, int64_t id, const struct training_course_fields *f);

/* The course as user (of role; user NULL for the CLI, which sees as an admin) sees it
 * at time now: {"id", "title", "description", "kind" ("course" or "notice"), "package"
 * (notices; else null), "pass_mark", "lessons": [{"n", "article_id", "title", "slug",
 * "read", "read_at"}], "quiz": [{"n", "text", "options", "multiple"}] or null,
 * "questions", "created_by", "created_at", "updated_at", "assignment" (the user's, or
 * null)}. Admins also get "correct" in each
 * question and "progress" (training_progress). A lesson whose article is gone has
 * title and slug null. -ENOENT when role is below admin and the course is not assigned
 * to user. */
int training_course_get(struct store *s, const char *user, enum role role, int64_t id, int64_t now, json_t **ret);

/* Courses by id (admins: all, with "progress"; others: those assigned to user, with
 * "assignment"), as summaries: {"id", "title", "kind", "package", "lessons" (count),
 * "questions", "pass_mark", "created_by", "created_at", "updated_at"}. Keyset pages:
 * ids above after, at most limit (0: TRAINING_PAGE_DEFAULT); *ret_next_after is the
 * after of the next page, or 0 on the last one. */
int training_course_list(struct store *s, const char *user, enum role role, int64_t after, int limit, int64_t now,
			 json_t **ret, int64_t *ret_next_after);

/* --- assignments --- */

enum training_target {
	TRAINING_TO_USER = 0,	 /* one user, by name */
	TRAINING_TO_ROLE = 1,	 /* every enabled user with the role */
	TRAINING_TO_PACKAGE = 2, /* the enabled users who own a machine with the package installed */
};

/* The users a target reaches now, as two new arrays: *ret_users (names, sorted, each
 * once) and *ret_skipped ({"user", "reason"}: a machine owner who is no Ward user, a
 * disabled user). A package is installed on a machine when its latest inventory
 * ("packages" section) lists an item of exactly that name whose status is not
 * "not-installed" or "config-files"; the machine's owner (hosts.owner) is its user.
 * -EINVAL for an unknown or disabled user, an unknown role or a bad package name,
 * -E2BIG past TRAINING_ASSIGN_MAX users. */
int training_resolve(struct store *s, enum training_target kind, const char *value, json_t **ret_users,
		     json_t **ret_skipped);

/* Assigns the course to the users target reaches, due at due_at (0: no due date; else
 * after now and at most TRAINING_DUE_MAX ahead). A user who already has the course
 * keeps their assignment as it is. A role or package assignment is also kept as a
 * rule: training_sync assigns the course, due after the same period, to whoever
 * qualifies later. Each new assignment is logged as training.assign (and the rule as
 * training.rule). *ret is {"assigned": [names], "already": [names], "skipped":
 * [{"user", "reason"}]}. -ENOENT for no such course; as training_resolve. */
int training_assign(struct store *s, const char *actor, int64_t course_id, enum training_target kind, const char *value,
		    int64_t due_at, int64_t now, json_t **ret);

/* Applies the role and package rules: assigns their courses to the users who qualify
 * now and have no assignment of them yet (actor TRAINING_SYSTEM_ACTOR). With user
 * not NULL only that user is looked at (cheap enough for each request of theirs).
 * *ret_added (may be NULL) counts new assignments. */
int training_sync(struct store *s, const char *user, int64_t now, int *ret_added);

/* The user's assignment of the course: {"id", "course_id", "course_title", "user",
 * "via", "status", "assigned_by", "assigned_at", "due_at", "completed_at",
 * "completed_by", "override", "score" (percent or null), "attempts", "attempts_left",
 * "lessons", "lessons_read", "reminders"}. -ENOENT when there is none. */
int training_assignment_get(struct store *s, int64_t course_id, const char *user, int64_t now, json_t **ret);

struct training_filter {
	int64_t course_id; /* 0: every course */
	const char *user;  /* exact, or NULL: everyone */
	bool any_status;   /* true: every status, else only status */
	enum training_status status;
	int64_t after; /* assignments with a higher id (keyset paging; 0: from the start) */
	int limit;     /* 1..TRAINING_PAGE_MAX; 0: TRAINING_PAGE_DEFAULT */
};

/* Assignments by id, as training_assignment_get shows them, with their status at time
 * now; *ret_next_after as in training_course_list. */
int training_assignments(struct store *s, const struct training_filter *f, int64_t now, json_t **ret,
			 int64_t *ret_next_after);

/* A course's progress at time now: {"assigned" (every assignment), "completed",
 * "overdue", "open" (neither), "average_score" (mean score of the completed ones that
 * have a score, one decimal; null when none)}. -ENOENT for no such course. */
int training_progress(struct store *s, int64_t course_id, int64_t now, json_t **ret);

/* --- taking a course --- */

/* Marks lesson n (from 1) of the course read by user; reading it again changes
 * nothing. Without a quiz, reading the last unread lesson completes the assignment
 * (training.complete). Logged as training.read. *ret (may be NULL) gets the
 * assignment. -ENOENT when the course is not assigned to user or has no lesson n. */
int training_lesson_read(struct store *s, const char *user, int64_t course_id, int n, int64_t now, json_t **ret);

/* Scores user's answers to the course's quiz (never a score the client sends): answers
 * is an array with, per question, the indexes (from 0) of the options chosen (an
 * array, or one integer; [] for none). A question is right when exactly its correct
 * options were chosen; the score is right * 100 / questions, rounded down, and the
 * quiz is passed when right * 100 >= pass_mark * questions. The attempt is recorded
 * with its score and the pass mark (training.attempt); passing completes the
 * assignment (training.complete). *ret: {"score", "correct", "total", "pass_mark",
 * "passed", "attempts", "attempts_left", "assignment"}. Errors: -ENOENT (not
 * assigned), -EINVAL (no quiz; answers malformed: wrong count, an index out of range
 * or repeated), -EEXIST (already completed; lessons not all read yet; no attempts
 * left of TRAINING_ATTEMPTS_MAX). */
int training_quiz_submit(struct store *s, const char *user, int64_t course_id, const json_t *answers, int64_t now,
			 json_t **ret);

/* An admin marks user's assignment complete (training.complete with "override": true);
 * the score stays what the quiz gave, or null. -ENOENT when the course is not assigned
 * to user, -EEXIST when it is complete already. */
int training_complete(struct store *s, const char *actor, int64_t course_id, const char *user, int64_t now);

/* --- change notes --- */

struct training_notice {
	const char *package; /* the program, exactly as its package is named */
	const char *title;   /* the note's title: that of the article and of the course */
	const char *text;    /* Markdown, as for a knowledge-base article */
	int64_t due_s;	     /* seconds from now to the due date, 1 day .. TRAINING_NOTICE_DAYS_MAX days */
};

/* Publishes a change note: a knowledge-base article (category TRAINING_NOTICE_CATEGORY,
 * for employees), a course of kind "notice" with that one lesson and no quiz, and its
 * assignment to the program's users now (no rule: a note is for the people who use the
 * program when it is published), all in one transaction (training.notice, kb.create,
 * training.assign). *ret_course_id (may be NULL) gets the course; *ret (may be NULL) is
 * as for training_assign, with "course_id" and "article_id". */
int training_notice_publish(struct store *s, const char *actor, const struct training_notice *n, int64_t now,
			    int64_t *ret_course_id, json_t **ret);

/* --- reminders --- */

struct training_remind_result {
	int sent;   /* mailed */
	int unsent; /* recorded only: no mail server given, or the user has no e-mail address */
	int failed; /* the mail server refused or could not be reached */
};

/* Finds assignments not completed that are due within TRAINING_REMIND_AHEAD of now or
 * overdue, and whose last reminder is at least TRAINING_REMIND_EVERY old (at most
 * TRAINING_REMIND_BATCH of them, soonest due first), and reminds each user: composed
 * with mail_compose from from_addr and sent with smtp_send when smtp is given; else
 * recorded as "unsent" with the reason. Each reminder is a training_reminders row and
 * is logged (training.remind; then training.remind_sent or training.remind_failed when
 * mailed). Mail goes out outside any transaction: each assignment is claimed first, so
 * two sweeps never remind the same person twice. A temporary failure (-EAGAIN) is
 * tried again after TRAINING_REMIND_RETRY, others after TRAINING_REMIND_EVERY.
 * -EINVAL when smtp is given without a valid from_addr. */
int training_remind(struct store *s, int64_t now, const struct smtp_config *smtp, const char *from_addr,
		    struct training_remind_result *ret);

/* The reminders recorded for the user's assignment of the course, newest first:
 * {"at", "kind", "to", "status", "reason", "message_id"}. */
int training_reminders(struct store *s, int64_t course_id, const char *user, json_t **ret);

/* --- pure helpers, exposed for the faces and the tests --- */

/* Checks a quiz (see struct training_course_fields) and gives its normalised form:
 * each question {"text", "options", "correct": [sorted indexes]}. -EINVAL naming the
 * question and what is wrong. */
int training_quiz_check(const json_t *quiz, json_t **ret);

/* Scores answers against a checked quiz: *ret_correct questions right of *ret_total.
 * -EINVAL when answers is malformed (see training_quiz_submit). *ret_normalised (may
 * be NULL) gets the answers as sorted index arrays. */
int training_quiz_score(const json_t *quiz, const json_t *answers, int *ret_correct, int *ret_total,
			json_t **ret_normalised);

/* The score in percent, rounded down (0 when total is 0). */
int training_score_percent(int correct, int total);

/* Whether correct of total reaches pass_mark percent (exactly: no rounding). */
bool training_passed(int correct, int total, int pass_mark);

/* Parses a due date typed by a person, relative to now: a duration ("14d", "36h",
 * "2w"), a date ("2026-12-01": the end of that day, UTC) or a UTC time
 * ("2026-12-01T17:00:00Z"). -EINVAL unless it is after now and at most
 * TRAINING_DUE_MAX ahead. */
int training_parse_due(const char *text, int64_t now, int64_t *ret);

/* -EINVAL unless name could be a package name: 1..TRAINING_PACKAGE_MAX bytes of
 * printable ASCII without spaces. */
int training_check_package(const char *name);

#endif
