/*
 * training_store.h: the training module's SQL (training_store.c); used only by
 * training.c.
 */
#ifndef WARD_TRAINING_STORE_H
#define WARD_TRAINING_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/limits.h"
#include "core/store.h"
#include "training/training.h"

#define TRAINING_ACTOR_SIZE 256 /* bytes kept of an actor name */
#define TRAINING_VIA_SIZE (TRAINING_PACKAGE_MAX + 16)

struct training_course_row {
	int64_t id;
	char title[TRAINING_TITLE_SIZE];
	char *description; /* owned */
	char *quiz;	   /* owned canonical JSON, or NULL: no quiz */
	int pass_mark;
	char kind[16];				/* "course" or "notice" */
	char package[TRAINING_PACKAGE_MAX + 1]; /* notices; else "" */
	char created_by[TRAINING_ACTOR_SIZE];
	int64_t created_at, updated_at;
	int nlessons;
};

/* Frees what the row owns. NULL-safe. */
void training_store_course_release(struct training_course_row *c);

struct training_assignment_row {
	int64_t id, course_id;
	char course_title[TRAINING_TITLE_SIZE];
	char user[WARD_NAME_MAX + 1];
	char via[TRAINING_VIA_SIZE];
	char assigned_by[TRAINING_ACTOR_SIZE];
	int64_t assigned_at, due_at, completed_at; /* 0: none */
	char completed_by[TRAINING_ACTOR_SIZE];	   /* "" when not completed */
	bool override;
	int score; /* percent; -1: none */
	int attempts, reminders;
	int lessons, lessons_read;
	bool has_quiz;
	int64_t last_reminder_at; /* 0: never */
};

struct training_rule_row {
	int64_t id, course_id;
	char kind[16]; /* "role" or "package" */
	char value[TRAINING_PACKAGE_MAX + 1];
	int64_t period; /* seconds; -1: no due date */
};

struct training_remind_row {
	int64_t id, course_id, due_at;
	char course_title[TRAINING_TITLE_SIZE];
	char user[WARD_NAME_MAX + 1];
};

struct training_progress_row {
	int64_t assigned, completed, overdue;
	bool has_average;
	double average_score;
};

/* Row callbacks: return non-zero to stop (a negative value is returned as the error). */
typedef int (*training_store_course_fn)(const struct training_course_row *c, void *arg);
typedef int (*training_store_assignment_fn)(const struct training_assignment_row *a, void *arg);
typedef int (*training_store_rule_fn)(const struct training_rule_row *r, void *arg);
typedef int (*training_store_remind_fn)(const struct training_remind_row *r, void *arg);

int training_store_course_insert(struct store *s, const char *title, const char *description, const char *quiz,
				 int pass_mark, const char *kind, const char *package, const char *by, int64_t now,
				 int64_t *ret_id);
int training_store_course_update(struct store *s, int64_t id, const char *title, const char *description,
				 const char *quiz, int pass_mark, int64_t now);
/* The course (caller releases it); -ENOENT. */
int training_store_course_get(struct store *s, int64_t id, struct training_course_row *ret);
/* Courses with id above after, by id, at most limit: all of them when user is NULL,
 * else those assigned to user. */
int training_store_courses(struct store *s, const char *user, int64_t after, int limit, training_store_course_fn fn,
			   void *arg);

/* Replaces the course's lessons. */
int training_store_lessons_set(struct store *s, int64_t course_id, const int64_t *ids, int n);
/* The course's lessons in order (at most max) and, for assignment_id (0: none), when
 * each was read (0: not read). */
int training_store_lessons(struct store *s, int64_t course_id, int64_t assignment_id, int64_t *ret_ids,
			   int64_t *ret_read_at, int max, int *ret_n);

/* Keeps a role or package rule (period -1: no due date), replacing the period of an
 * existing one. */
int training_store_rule_put(struct store *s, int64_t course_id, const char *kind, const char *value, int64_t period,
			    const char *by, int64_t now);
/* Rules by id (at most limit); with user, only those whose course user has no
 * assignment of. */
int training_store_rules(struct store *s, const char *user, int limit, training_store_rule_fn fn, void *arg);

/* Inserts an assignment unless the user has the course; *ret_new says which. */
int training_store_assign(struct store *s, int64_t course_id, const char *user, const char *via, const char *by,
			  int64_t now, int64_t due_at, bool *ret_new);
/* Whether the user has an assignment of the course. */
int training_store_assigned(struct store *s, int64_t course_id, const char *user, bool *ret);
/* The user's assignment of the course; -ENOENT. */
int training_store_assignment_get(struct store *s, int64_t course_id, const char *user,
				  struct training_assignment_row *ret);
/* Assignments with id above after, by id, at most limit; course_id 0 and user NULL
 * for all; status -1 for any, else a training_status at time now. */
int training_store_assignments(struct store *s, int64_t course_id, const char *user, int status, int64_t now,
			       int64_t after, int limit, training_store_assignment_fn fn, void *arg);
int training_store_progress(struct store *s, int64_t course_id, int64_t now, struct training_progress_row *ret);

/* Records that the article was read in the assignment; *ret_new says whether it was
 * not read before. */
int training_store_read_add(struct store *s, int64_t assignment_id, int64_t article_id, int64_t now, bool *ret_new);
int training_store_attempt_add(struct store *s, int64_t assignment_id, int64_t now, const char *answers, int correct,
			       int total, int score, int pass_mark, bool passed);
/* Counts an attempt and keeps the best score. */
int training_store_attempt_count(struct store *s, int64_t assignment_id, int score);
/* Marks the assignment complete unless it is; *ret_done says whether it changed. */
int training_store_complete(struct store *s, int64_t assignment_id, int64_t now, const char *by, bool override,
			    bool *ret_done);

/* Open assignments due at or before now + ahead whose remind_after has come, soonest
 * due first, at most limit. */
int training_store_remind_candidates(struct store *s, int64_t now, int64_t ahead, int limit,
				     training_store_remind_fn fn, void *arg);
/* Claims an assignment for a reminder: if it is still open and its remind_after has
 * come, sets remind_after to next and counts the reminder; *ret_claimed says whether. */
int training_store_remind_claim(struct store *s, int64_t assignment_id, int64_t now, int64_t next, bool *ret_claimed);
int training_store_remind_after(struct store *s, int64_t assignment_id, int64_t next);
int training_store_reminder_add(struct store *s, int64_t assignment_id, int64_t now, const char *kind, const char *to,
				const char *status, const char *reason, int64_t *ret_id);
int training_store_reminder_done(struct store *s, int64_t reminder_id, const char *status, const char *reason,
				 const char *message_id);
/* Appends the assignment's reminders, newest first, to out. */
int training_store_reminders(struct store *s, int64_t assignment_id, json_t *out);

#endif
