/*
 * training_api.h: the training module's HTTP handlers: /api/v1/courses (list, create,
 * show, edit, assign, complete, read a lesson, take the quiz) and /api/v1/training
 * (my assignments, the assignments list, change notes).
 */
#ifndef WARD_TRAINING_API_H
#define WARD_TRAINING_API_H

#include "core/http.h"

int training_api_courses(struct http_req *req);
int training_api_course_create(struct http_req *req);
int training_api_course_show(struct http_req *req);
int training_api_course_update(struct http_req *req);
int training_api_course_assign(struct http_req *req);
int training_api_course_complete(struct http_req *req);
int training_api_lesson_read(struct http_req *req);
int training_api_quiz(struct http_req *req);
int training_api_me(struct http_req *req);
int training_api_assignments(struct http_req *req);
int training_api_notice(struct http_req *req);

#endif
