// pages/training.js — #/training: for everyone "My training" (GET /api/v1/training/me:
// the courses assigned to the reader, their due dates and status); for admins also every
// course with its progress (GET /api/v1/courses) and the overdue assignments (GET
// /api/v1/training/assignments?status=overdue). Below it: #/training/<id> a course
// (training-course.js), #/training/<id>/lessons/<n> a lesson (training-lesson.js),
// #/training/new and #/training/<id>/edit the course editor (training-edit.js) and
// #/training/notice a change note for a program (training-notice.js).

import { h } from '../dom.js';
import { percentText } from '../format.js';
import { list, flashArea } from './helpdesk-parts.js';
import { tr } from './training-api.js';
import {
  courseHref, statusBadge, dueNode, lessonsText, scoreText, kindBadge, viaText, pagedTable, notFound,
} from './training-parts.js';
import { render as renderCourse } from './training-course.js';
import { render as renderLesson } from './training-lesson.js';
import { render as renderEditor } from './training-edit.js';
import { render as renderNotice } from './training-notice.js';

const ID = /^[1-9][0-9]{0,17}$/;

export function render(container, ctx) {
  const [first, second, third, ...rest] = ctx.sub;
  if (first === undefined) return renderOverview(container, ctx);
  if (first === 'new' && second === undefined) return renderEditor(container, ctx, null);
  if (first === 'notice' && second === undefined) return renderNotice(container, ctx);
  if (ID.test(first) && !rest.length) {
    if (second === undefined) return renderCourse(container, ctx, first);
    if (second === 'edit' && third === undefined) return renderEditor(container, ctx, first);
    if (second === 'lessons' && ID.test(third || '')) return renderLesson(container, ctx, first, Number(third));
  }
  notFound(container);
  return undefined;
}

async function renderOverview(container, ctx) {
  const admin = ctx.isAdmin;
  const flash = flashArea();
  const limit = ctx.params.get('limit') || undefined; // short pages, for people and tests

  const mine = pagedTable({
    caption: 'My courses',
    empty: 'No training is assigned to you. When someone assigns you a course, it appears here.',
    load: async (after) => {
      const res = await tr.mine({ after, limit });
      return { rows: list(res.assignments), next: res.next_after };
    },
    columns: [
      { label: 'Course', class: 'wrap', cell: (a) => h('a', { href: courseHref(a.course_id), class: 'strong' }, a.course_title || `Course ${a.course_id}`) },
      { label: 'Status', cell: (a) => statusBadge(a.status) },
      { label: 'Due', class: 'nowrap', cell: (a) => dueNode(a.due_at, a.status) },
      { label: 'Lessons', class: 'nowrap', cell: (a) => lessonsText(a) },
      { label: 'Score', class: 'num', cell: (a) => scoreText(a) },
    ],
  });
  const mineCard = h('section', { class: 'card', 'aria-labelledby': 'tr-mine' },
    h('h2', { id: 'tr-mine' }, 'My training'), mine.el);

  container.append(
    h('h1', null, 'Training'),
    h('p', { class: 'lead' }, admin
      ? 'Courses for people and for the users of a program: who has taken them, how they did, and who is late.'
      : 'The courses you have been asked to take: read the lessons, then take the quiz.'),
    flash.el);

  if (!admin) {
    container.append(mineCard);
    await mine.reload();
    return;
  }

  const courses = pagedTable({
    caption: 'All courses',
    empty: 'No courses yet: create the first one.',
    load: async (after) => {
      const res = await tr.courses({ after, limit });
      return { rows: list(res.courses), next: res.next_after };
    },
    columns: [
      { label: 'Course', class: 'wrap', cell: (c) => [h('a', { href: courseHref(c.id), class: 'strong' }, c.title), ' ', kindBadge(c)] },
      { label: 'Lessons', class: 'num', cell: (c) => String(c.lessons ?? 0) },
      { label: 'Questions', class: 'num', cell: (c) => String(c.questions ?? 0) },
      { label: 'Assigned', class: 'num', cell: (c) => String(c.progress?.assigned ?? 0) },
      { label: 'Completed', class: 'num', cell: (c) => String(c.progress?.completed ?? 0) },
      { label: 'Overdue', class: 'num', cell: (c) => overdueCount(c.progress?.overdue) },
      { label: 'Average score', class: 'num', cell: (c) => percentText(c.progress?.average_score) },
    ],
  });
  const overdue = pagedTable({
    caption: 'Overdue assignments',
    empty: 'Nobody is late.',
    load: async (after) => {
      const res = await tr.assignments({ status: 'overdue', after, limit });
      return { rows: list(res.assignments), next: res.next_after };
    },
    columns: [
      { label: 'Person', cell: (a) => h('span', { class: 'strong' }, a.user) },
      { label: 'Course', class: 'wrap', cell: (a) => h('a', { href: courseHref(a.course_id) }, a.course_title || `Course ${a.course_id}`) },
      { label: 'Was due', class: 'nowrap', cell: (a) => dueNode(a.due_at, a.status) },
      { label: 'Lessons', class: 'nowrap', cell: (a) => lessonsText(a) },
      { label: 'Attempts', class: 'num', cell: (a) => (a.attempts_left === null ? '—' : String(a.attempts ?? 0)) },
      { label: 'Assigned', cell: (a) => viaText(a.via) },
    ],
  });

  container.append(
    h('div', { class: 'form-actions page-actions' },
      h('a', { href: '#/training/new', class: 'button button-primary' }, 'New course'),
      h('a', { href: '#/training/notice', class: 'button' }, 'Publish a change note')),
    h('section', { class: 'card', 'aria-labelledby': 'tr-courses' },
      h('h2', { id: 'tr-courses' }, 'Courses'), courses.el),
    h('section', { class: 'card', 'aria-labelledby': 'tr-overdue' },
      h('h2', { id: 'tr-overdue' }, 'Overdue'),
      h('p', { class: 'muted small' }, 'Assignments not completed by their due date, oldest assignment first. Ward reminds each person once a day by e-mail, when the help desk has mail settings.'),
      overdue.el),
    mineCard);
  mineCard.hidden = true;
  await Promise.all([courses.reload(), overdue.reload(), mine.reload()]);
  // An admin's own courses, only when there are some.
  mineCard.hidden = !mine.rows().length && !mineCard.querySelector('[role="alert"]:not([hidden])');
}

const overdueCount = (n) => (Number(n) > 0 ? h('span', { class: 'warn-text' }, String(n)) : String(n ?? 0));
