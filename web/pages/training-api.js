// pages/training-api.js — the training API calls (docs/training.md), one function each,
// over request() from api.js: courses, assignments, reading lessons, the quiz, change notes.

import { request } from '../api.js';

const enc = encodeURIComponent;
const c = (id) => `/courses/${enc(id)}`;

export const tr = {
  courses: (query) => request('GET', '/courses', { query }),
  course: (id) => request('GET', c(id)),
  createCourse: (fields) => request('POST', '/courses', { body: fields }),
  updateCourse: (id, changes) => request('PATCH', c(id), { body: changes }),
  /** target: {user} | {role} | {package}, with an optional due. */
  assign: (id, target) => request('POST', `${c(id)}/assign`, { body: target }),
  complete: (id, user) => request('POST', `${c(id)}/complete`, { body: { user } }),
  readLesson: (id, n) => request('POST', `${c(id)}/lessons/${enc(n)}/read`),
  /** answers: per question an option index, or an array of them. */
  takeQuiz: (id, answers) => request('POST', `${c(id)}/quiz`, { body: { answers } }),
  mine: (query) => request('GET', '/training/me', { query }),
  assignments: (query) => request('GET', '/training/assignments', { query }),
  publishNotice: (fields) => request('POST', '/training/notices', { body: fields }),
};
