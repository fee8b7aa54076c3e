// pages/training-course.js — #/training/<id>: one course (GET /api/v1/courses/{id}). Someone
// taking it sees their status, due date and lessons (each a page of its own,
// training-lesson.js), then the quiz once every lesson is read (POST .../quiz: the score,
// passed or not, the attempts left; the server never says which answers were wrong).
// Admins also see its progress, assign it to a person, a role or a program's users with a
// due date (POST .../assign), see who has it (GET /api/v1/training/assignments?course=)
// and mark it complete for someone (POST .../complete); without an assignment of their
// own they see the questions with the right answers.

import { api } from '../api.js';
import { h, replace, messageArea, field } from '../dom.js';
import { timeNode, percentText, plural } from '../format.js';
import { list, flashArea, prose } from './helpdesk-parts.js';
import { tr } from './training-api.js';
import {
  props, lessonHref, statusBadge, dueNode, lessonsText, scoreText, kindBadge, viaText, pagedTable,
} from './training-parts.js';

export async function render(container, ctx, id) {
  const admin = ctx.isAdmin;
  const flash = flashArea();
  const heading = h('h1', { class: 'course-title' }, 'Course');
  const error = messageArea('alert');
  const body = h('div', null, h('p', { class: 'muted' }, 'Loading…'));
  container.append(h('p', { class: 'back' }, h('a', { href: '#/training' }, 'Training')), heading, flash.el, error.el, body);

  let course;
  try {
    course = (await tr.course(id)).course;
  } catch (err) {
    if (!container.isConnected) return undefined;
    if (err.status === 404) {
      heading.textContent = 'Course not found';
      document.title = 'Course not found · Ward';
    }
    replace(body, h('p', null, h('a', { href: '#/training' }, 'Back to training')));
    error.show(err.message);
    return undefined;
  }
  if (!container.isConnected) return undefined;

  const parts = [];
  const page = {
    ctx,
    id,
    get course() { return course; },
    /** Take a new assignment of the reader's (from a quiz answer) without asking again. */
    setAssignment(a) {
      course = { ...course, assignment: a };
      show();
    },
    async refresh() {
      course = (await tr.course(id)).course;
      if (container.isConnected) show();
    },
  };
  const add = (part) => {
    parts.push(part);
    return part.el;
  };
  function show() {
    heading.textContent = course.title;
    document.title = `${course.title} · Training · Ward`;
    for (const p of parts) p.update(course);
  }

  const sections = [add(summarySection(page)), add(lessonsSection(page)), add(quizSection(page))];
  let people = null;
  if (admin) {
    people = peopleSection(page);
    page.people = people;
    sections.splice(1, 0, add(progressSection(page)), add(assignSection(page)), add(people));
  }
  replace(body, sections);
  show();
  if (people) people.reload();

  if (ctx.params.get('at') === 'quiz') {
    const quiz = container.querySelector('#tr-quiz');
    if (quiz && !quiz.closest('[hidden]')) {
      quiz.setAttribute('tabindex', '-1');
      quiz.focus();
      quiz.scrollIntoView({ block: 'start' });
    }
  }
  return undefined;
}

/* ---- what the course is, and where the reader stands ---- */

function summarySection(page) {
  const el = h('section', { class: 'card', 'aria-label': 'Summary' });
  function update(c) {
    const a = c.assignment;
    const hasQuiz = Array.isArray(c.quiz) && c.quiz.length > 0;
    replace(el,
      h('p', { class: 'course-meta' },
        a ? statusBadge(a.status) : null,
        kindBadge(c),
        h('span', { class: 'muted small' }, plural(list(c.lessons).length, 'lesson', 'lessons'),
          hasQuiz ? `, a quiz of ${plural(c.quiz.length, 'question', 'questions')} (pass mark ${c.pass_mark}%)` : ', no quiz')),
      a ? props([
        ['Due', dueNode(a.due_at, a.status)],
        ['Lessons', lessonsText(a)],
        ['Best score', hasQuiz ? scoreText(a) : undefined],
        ['Attempts left', hasQuiz && a.status !== 'completed' && a.attempts_left !== null ? String(a.attempts_left) : undefined],
        ['Completed', a.completed_at ? [timeNode(a.completed_at), a.override ? ` (marked complete by ${a.completed_by})` : ''] : undefined],
        ['Assigned by', a.assigned_by],
      ]) : props([
        ['Created by', c.created_by],
        ['Created', timeNode(c.created_at)],
        ['Changed', timeNode(c.updated_at)],
      ]),
      c.description ? [h('h2', { class: 'subhead' }, 'About this course'), prose(c.description)] : null);
  }
  return { el, update };
}

/* ---- the lessons ---- */

function lessonsSection(page) {
  const intro = h('p', { class: 'muted small' });
  const items = h('ol', { class: 'lessons', 'aria-label': 'Lessons' });
  const next = h('div', { class: 'form-actions' });
  const el = h('section', { class: 'card', 'aria-labelledby': 'tr-lessons' },
    h('h2', { id: 'tr-lessons' }, 'Lessons'), intro, items, next);
  function update(c) {
    const a = c.assignment;
    const lessons = list(c.lessons);
    const hasQuiz = Array.isArray(c.quiz) && c.quiz.length > 0;
    el.hidden = !lessons.length;
    intro.textContent = !a ? 'Each lesson is a knowledge-base article; open one to see how it reads.'
      : hasQuiz ? 'Read each lesson and mark it read; the quiz opens when every lesson is read.'
        : 'Read each lesson and mark it read; reading the last one completes the course.';
    replace(items, lessons.map((l) => h('li', { class: 'lesson' + (l.read ? ' lesson-read' : '') },
      h('a', { href: lessonHref(page.id, l.n) }, l.title || `Lesson ${l.n}`),
      l.title ? null : h('span', { class: 'muted small' }, ' (not available to you)'),
      a ? (l.read
        ? h('span', { class: 'badge badge-read' }, 'Read')
        : h('span', { class: 'muted small' }, 'Not read yet')) : null)));
    const unread = a && a.status !== 'completed' ? lessons.find((l) => !l.read) : null;
    replace(next, unread
      ? h('a', { href: lessonHref(page.id, unread.n), class: 'button button-primary button-wrap' },
        unread.n === 1 ? `Start: ${unread.title || 'lesson 1'}` : `Continue: ${unread.title || `lesson ${unread.n}`}`)
      : null);
  }
  return { el, update };
}

/* ---- the quiz: taken by the assignee; shown with its answers to an admin ---- */

/** The answers chosen in one question's inputs: an index, an array of them, or null for none. */
function chosen(q, inputs) {
  const on = inputs.map((input, i) => (input.checked ? i : -1)).filter((i) => i >= 0);
  if (!on.length) return null;
  return q.multiple ? on : on[0];
}

function quizSection(page) {
  const info = h('p', { class: 'muted small' });
  const state = h('p', { class: 'quiz-state' });
  const result = h('div', { class: 'quiz-result', role: 'status', hidden: true });
  const error = messageArea('alert');
  const form = h('form', { class: 'form-stack quiz-form', 'aria-label': 'Quiz', hidden: true });
  const preview = h('ol', { class: 'quiz-preview', 'aria-label': 'Questions and right answers', hidden: true });
  const el = h('section', { class: 'card', 'aria-labelledby': 'tr-quiz' },
    h('h2', { id: 'tr-quiz' }, 'Quiz'), info, state, preview, form, error.el, result);
  let built = null; // {questions: [{q, inputs}]} for the quiz the form was built from

  function build(quiz) {
    const questions = quiz.map((q) => {
      const type = q.multiple ? 'checkbox' : 'radio';
      const inputs = list(q.options).map((_, i) => h('input', { type, name: `quiz-${q.n}`, value: String(i) }));
      const legendId = `tr-q-${q.n}`;
      const group = h('fieldset', { class: 'field choice-group quiz-question', 'aria-labelledby': legendId },
        h('legend', { class: 'quiz-text', id: legendId }, `${q.n}. ${q.text}`),
        q.multiple ? h('p', { class: 'field-hint' }, 'Choose all that apply') : null,
        list(q.options).map((o, i) => h('label', { class: 'check choice' }, inputs[i], h('span', null, o))));
      return { q, inputs, group };
    });
    const submit = h('button', { type: 'submit', class: 'button button-primary' }, 'Submit the answers');
    replace(form, questions.map((x) => x.group), h('div', { class: 'form-actions' }, submit));
    form.onsubmit = async (e) => {
      e.preventDefault();
      error.clear();
      const answers = [];
      for (const x of questions) {
        const v = chosen(x.q, x.inputs);
        if (v === null) {
          error.show(`Answer question ${x.q.n} first.`);
          x.inputs[0].focus();
          return;
        }
        answers.push(v);
      }
      submit.disabled = true;
      try {
        const res = await tr.takeQuiz(page.id, answers);
        showResult(res);
        page.setAssignment(res.assignment);
        if (res.passed) result.focus();
      } catch (err) {
        error.show(err.message);
        if (err.status === 409) page.refresh().catch(() => {});
      } finally {
        submit.disabled = false;
      }
    };
    built = { quiz, questions };
  }

  function showResult(res) {
    const line = `${res.score}% (${res.correct} of ${res.total} right; the pass mark is ${res.pass_mark}%).`;
    let rest;
    if (res.passed) rest = 'The course is complete.';
    else if (res.attempts_left > 0) rest = `${plural(res.attempts_left, 'attempt', 'attempts')} left: read the lessons again and try once more.`;
    else rest = 'That was the last attempt: an administrator can still mark the course complete.';
    replace(result,
      h('p', { class: 'quiz-verdict' }, res.passed ? 'Passed' : 'Not passed'),
      h('p', null, `Your score: ${line} ${rest}`));
    result.className = `quiz-result ${res.passed ? 'quiz-passed' : 'quiz-failed'}`;
    result.setAttribute('tabindex', '-1');
    result.hidden = false;
  }

  function showPreview(quiz) {
    replace(preview, quiz.map((q) => h('li', { class: 'quiz-preview-question' },
      h('p', { class: 'quiz-text strong' }, q.text, q.multiple ? h('span', { class: 'muted small' }, ' (choose all that apply)') : null),
      h('ul', { class: 'quiz-options' }, list(q.options).map((o, i) => {
        const right = list(q.correct).includes(i);
        return h('li', { class: right ? 'quiz-right' : null }, o,
          right ? h('span', { class: 'badge badge-read' }, 'Right answer') : null);
      })))));
  }

  function update(c) {
    const quiz = Array.isArray(c.quiz) ? c.quiz : [];
    const a = c.assignment;
    el.hidden = !quiz.length;
    if (!quiz.length) return;
    if (!a) {
      info.textContent = `${plural(quiz.length, 'question', 'questions')}; the pass mark is ${c.pass_mark}%.`;
      state.hidden = true;
      form.hidden = true;
      preview.hidden = !page.ctx.isAdmin;
      if (page.ctx.isAdmin) showPreview(quiz);
      return;
    }
    preview.hidden = true;
    info.textContent = `${plural(quiz.length, 'question', 'questions')}; the pass mark is ${c.pass_mark}%.`
      + (a.attempts_left !== null && a.status !== 'completed' ? ` ${plural(a.attempts_left, 'attempt', 'attempts')} left.` : '');
    const allRead = list(c.lessons).every((l) => l.read);
    let text = '';
    if (a.status === 'completed') {
      text = a.override ? `${a.completed_by} marked the course complete${a.score !== null ? `; your best score was ${a.score}%` : ''}.`
        : `You passed with ${percentText(a.score)}.`;
    } else if (!allRead) {
      text = `Read every lesson first: ${lessonsText(a)}.`;
    } else if (a.attempts_left === 0) {
      text = 'No attempts left. An administrator can mark the course complete.';
    }
    state.textContent = text;
    state.hidden = !text;
    const open = !text;
    if (open && (!built || built.quiz !== quiz)) build(quiz);
    form.hidden = !open;
  }
  return { el, update };
}

/* ---- admins: progress, assigning, who has it ---- */

function progressSection(page) {
  const stats = h('ul', { class: 'stats', 'aria-label': 'Progress' });
  const el = h('section', { class: 'card', 'aria-labelledby': 'tr-progress' },
    h('div', { class: 'card-head' },
      h('h2', { id: 'tr-progress' }, 'Progress'),
      h('a', { href: `#/training/${encodeURIComponent(page.id)}/edit` }, 'Edit the course')),
    stats);
  const stat = (label, value, extra) => h('li', { class: 'stat' + (extra ? ' ' + extra : '') },
    h('span', { class: 'stat-value' }, value),
    h('span', { class: 'stat-label' }, label));
  function update(c) {
    const p = c.progress || {};
    replace(stats,
      stat('Assigned', String(p.assigned ?? 0), 'stat-total'),
      stat('Completed', String(p.completed ?? 0)),
      stat('Open', String(p.open ?? 0)),
      stat('Overdue', String(p.overdue ?? 0), p.overdue ? 'stat-warn' : ''),
      stat('Average score', percentText(p.average_score)));
  }
  return { el, update };
}

const TARGETS = [['user', 'One person'], ['role', 'Everyone with a role'], ['package', 'The users of a program']];
const ROLES = [['employee', 'Employees'], ['support', 'Support staff'], ['admin', 'Administrators']];

/** "erin, frank" or "nobody". */
const names = (xs) => (xs.length ? xs.join(', ') : 'nobody');

function assignSection(page) {
  const error = messageArea('alert');
  const notice = messageArea('status');
  const kind = h('select', { name: 'assign-kind' }, TARGETS.map(([v, l]) => h('option', { value: v }, l)));
  const user = h('select', { name: 'assign-user' }, h('option', { value: '' }, 'Loading…'));
  const role = h('select', { name: 'assign-role' }, ROLES.map(([v, l]) => h('option', { value: v }, l)));
  const pkg = h('input', { name: 'assign-package', type: 'text', autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false', maxlength: '128', placeholder: 'firefox-esr' });
  const due = h('input', { name: 'assign-due', type: 'date', min: new Date().toISOString().slice(0, 10) });
  const userField = field('Person', user);
  const roleField = field('Role', role);
  const pkgField = field('Program (package name)', pkg, 'Exactly as installed: the owners of the machines that have it');
  const submit = h('button', { type: 'submit', class: 'button button-primary' }, 'Assign');
  const form = h('form', { class: 'form-grid assign-form', 'aria-label': 'Assign the course', novalidate: true },
    field('Assign to', kind), userField, roleField, pkgField,
    field('Due date', due, 'Empty: no due date. Due at the end of that day (UTC)'),
    h('p', { class: 'form-wide muted small' },
      'A role or a program is kept as a rule: whoever gets the role or the program later is assigned the course too, due as long after that. Someone who already has the course keeps it as it is.'),
    h('div', { class: 'form-actions' }, submit));
  const syncKind = () => {
    userField.hidden = kind.value !== 'user';
    roleField.hidden = kind.value !== 'role';
    pkgField.hidden = kind.value !== 'package';
  };
  kind.addEventListener('change', syncKind);
  syncKind();

  api.users().then((res) => {
    const people = list(res.users).filter((u) => !u.disabled).map((u) => u.name).sort();
    replace(user, h('option', { value: '' }, 'Choose someone…'), people.map((n) => h('option', { value: n }, n)));
  }).catch((err) => {
    replace(user, h('option', { value: '' }, 'Not available'));
    user.title = err.message;
  });

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.clear();
    notice.clear();
    const target = {};
    if (kind.value === 'user') {
      if (!user.value) {
        error.show('Choose the person to assign the course to.');
        user.focus();
        return;
      }
      target.user = user.value;
    } else if (kind.value === 'role') {
      target.role = role.value;
    } else {
      if (!pkg.value.trim()) {
        error.show('Name the program: its package name, as installed.');
        pkg.focus();
        return;
      }
      target.package = pkg.value.trim();
    }
    if (due.value) target.due = due.value;
    submit.disabled = true;
    try {
      const res = await tr.assign(page.id, target);
      const assigned = list(res.assigned);
      const already = list(res.already);
      const skipped = list(res.skipped);
      notice.show([
        assigned.length ? `Assigned to ${names(assigned)}.` : 'Nobody new was assigned.',
        already.length ? `Already had it: ${names(already)}.` : '',
        skipped.length ? `Skipped: ${skipped.map((s) => `${s.user} (${s.reason})`).join(', ')}.` : '',
      ].filter(Boolean).join(' '));
      await Promise.all([page.refresh(), page.people ? page.people.reload() : null]);
    } catch (err) {
      error.show(err.message);
    } finally {
      submit.disabled = false;
    }
  });
  const el = h('section', { class: 'card', 'aria-labelledby': 'tr-assign' },
    h('h2', { id: 'tr-assign' }, 'Assign'), form, error.el, notice.el);
  return { el, update() {} };
}

const PEOPLE_FILTERS = [['', 'Everyone'], ['assigned', 'Assigned'], ['overdue', 'Overdue'], ['completed', 'Completed']];

function peopleSection(page) {
  const error = messageArea('alert');
  const notice = messageArea('status');
  const status = h('select', { name: 'people-status' }, PEOPLE_FILTERS.map(([v, l]) => h('option', { value: v }, l)));
  const limit = page.ctx.params.get('limit') || undefined;

  async function complete(a, button) {
    error.clear();
    notice.clear();
    button.disabled = true;
    try {
      await tr.complete(page.id, a.user);
      notice.show(`Marked the course complete for ${a.user}; the activity log records it as an override.`);
      await Promise.all([page.refresh(), table.reload()]);
    } catch (err) {
      error.show(err.message);
      button.disabled = false;
    }
  }

  const table = pagedTable({
    caption: 'People who have the course',
    empty: 'Nobody has this course yet: assign it above.',
    load: async (after) => {
      const res = await tr.assignments({ course: page.id, status: status.value || undefined, after, limit });
      return { rows: list(res.assignments), next: res.next_after };
    },
    columns: [
      { label: 'Person', cell: (a) => h('span', { class: 'strong' }, a.user) },
      { label: 'Status', cell: (a) => statusBadge(a.status) },
      { label: 'Due', class: 'nowrap', cell: (a) => dueNode(a.due_at, a.status) },
      { label: 'Lessons', class: 'nowrap', cell: (a) => lessonsText(a) },
      { label: 'Score', class: 'num', cell: (a) => scoreText(a) },
      { label: 'Attempts', class: 'num', cell: (a) => (a.attempts_left === null ? '—' : String(a.attempts ?? 0)) },
      { label: 'Completed', class: 'nowrap', cell: (a) => (a.completed_at
        ? [timeNode(a.completed_at), a.override ? h('span', { class: 'muted small' }, ` by ${a.completed_by}`) : null]
        : h('span', { class: 'muted' }, '—')) },
      { label: 'Assigned', cell: (a) => viaText(a.via) },
      { label: 'Actions', hideLabel: true, class: 'actions', cell: (a) => (a.status === 'completed' ? null
        : h('button', {
          type: 'button',
          class: 'button button-small',
          'aria-label': `Mark complete for ${a.user}`,
          on: { click: (e) => complete(a, e.currentTarget) },
        }, 'Mark complete')) },
    ],
  });
  status.addEventListener('change', () => table.reload());

  const el = h('section', { class: 'card', 'aria-labelledby': 'tr-people' },
    h('div', { class: 'card-head' }, h('h2', { id: 'tr-people' }, 'People')),
    h('form', { class: 'form-grid filters filters-narrow', 'aria-label': 'Filter the people', on: { submit: (e) => e.preventDefault() } },
      field('Status', status)),
    error.el, notice.el, table.el);
  return { el, update() {}, reload: () => table.reload() };
}
