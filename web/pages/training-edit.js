// pages/training-edit.js — admins: a new course (#/training/new, POST /api/v1/courses) or an
// edit (#/training/<id>/edit, PATCH with only what changed). Title, description, pass mark;
// the lessons, knowledge-base articles found by a search (GET /api/v1/kb/search) and put
// in order; the quiz, questions with 2 to 8 options and the right ones ticked. The server
// checks everything again and its message is shown as it is.

import { h, replace, messageArea, field } from '../dom.js';
import { highlight, plural } from '../format.js';
import { hd } from './helpdesk-api.js';
import { list, setFlash, textArea } from './helpdesk-parts.js';
import { tr } from './training-api.js';
import { courseHref } from './training-parts.js';

const SEARCH_DELAY_MS = 300;
const MAX_LESSONS = 50;
const MAX_QUESTIONS = 50;
const MIN_OPTIONS = 2;
const MAX_OPTIONS = 8;

/** A quiz as the server holds it, for comparing: [{text, options, correct: [sorted]}]. */
const normalQuiz = (quiz) => JSON.stringify(list(quiz).map((q) => ({
  text: q.text, options: list(q.options), correct: [...list(Array.isArray(q.correct) ? q.correct : [q.correct])].sort((a, b) => a - b),
})));

export async function render(container, ctx, ref) {
  const heading = h('h1', null, ref ? 'Edit the course' : 'New course');
  container.append(
    h('p', { class: 'back' }, h('a', { href: ref ? courseHref(ref) : '#/training' }, ref ? 'The course' : 'Training')),
    heading);
  if (!ctx.isAdmin) {
    container.append(
      h('p', { class: 'lead' }, 'Courses are made by administrators.'),
      h('p', null, h('a', { href: '#/training' }, 'Back to training')));
    return undefined;
  }
  const error = messageArea('alert');
  const body = h('div', null, h('p', { class: 'muted' }, 'Loading…'));
  container.append(error.el, body);

  let course = null;
  if (ref) {
    try {
      course = (await tr.course(ref)).course;
    } catch (err) {
      if (!container.isConnected) return undefined;
      if (err.status === 404) heading.textContent = 'Course not found';
      replace(body, h('p', null, h('a', { href: '#/training' }, 'Back to training')));
      error.show(err.message);
      return undefined;
    }
    if (!container.isConnected) return undefined;
    heading.textContent = `Edit: ${course.title}`;
    document.title = `Edit ${course.title} · Training · Ward`;
  }

  /* ---- title, description, pass mark ---- */
  const title = h('input', { name: 'title', type: 'text', autocomplete: 'off', maxlength: '200', required: true });
  const description = textArea('Description', { name: 'description', rows: '3' }, 'Optional: what the course is for, shown to the people taking it');
  const passMark = h('input', { name: 'pass_mark', type: 'number', min: '1', max: '100', step: '1', inputmode: 'numeric' });
  title.value = course ? course.title : '';
  description.input.value = course ? course.description || '' : '';
  passMark.value = String(course ? course.pass_mark : 80);

  /* ---- lessons ---- */
  const lessons = list(course && course.lessons).map((l) => ({ id: l.article_id, title: l.title || `Article ${l.article_id}` }));
  const lessonList = h('ol', { class: 'lesson-edit', 'aria-label': 'Lessons, in order' });
  const lessonsEmpty = h('p', { class: 'empty' }, 'No lessons yet: find articles below and add them.');
  const lessonStatus = h('p', { class: 'visually-hidden', role: 'status', 'aria-live': 'polite' });

  function moveLesson(i, by, button) {
    const [l] = lessons.splice(i, 1);
    lessons.splice(i + by, 0, l);
    showLessons();
    lessonStatus.textContent = `“${l.title}” is now lesson ${i + by + 1}.`;
    // Keep focus on the same button of the moved lesson, or its neighbour when that one is gone.
    const row = lessonList.children[i + by];
    const again = row && (row.querySelector(`[data-act="${button}"]:not(:disabled)`) || row.querySelector('button:not(:disabled)'));
    if (again) again.focus();
  }
  function showLessons() {
    lessonsEmpty.hidden = lessons.length > 0;
    replace(lessonList, lessons.map((l, i) => h('li', { class: 'lesson-edit-row' },
      h('span', { class: 'lesson-edit-title' }, l.title),
      h('span', { class: 'lesson-edit-actions' },
        h('button', {
          type: 'button', class: 'button button-small', 'data-act': 'up', disabled: i === 0,
          'aria-label': `Move “${l.title}” up`, on: { click: () => moveLesson(i, -1, 'up') },
        }, 'Up'),
        h('button', {
          type: 'button', class: 'button button-small', 'data-act': 'down', disabled: i === lessons.length - 1,
          'aria-label': `Move “${l.title}” down`, on: { click: () => moveLesson(i, 1, 'down') },
        }, 'Down'),
        h('button', {
          type: 'button', class: 'button button-small button-danger', 'aria-label': `Remove “${l.title}”`,
          on: {
            click: () => {
              lessons.splice(i, 1);
              showLessons();
              lessonStatus.textContent = `Removed “${l.title}”.`;
              search.input.focus();
            },
          },
        }, 'Remove')))));
    search.refresh();
  }

  const search = articleSearch((a) => {
    if (lessons.some((l) => l.id === a.id)) return;
    if (lessons.length >= MAX_LESSONS) {
      error.show(`A course has at most ${MAX_LESSONS} lessons.`);
      return;
    }
    lessons.push({ id: a.id, title: a.title });
    showLessons();
    lessonStatus.textContent = `Added “${a.title}” as lesson ${lessons.length}.`;
  }, (id) => lessons.some((l) => l.id === id));

  /* ---- the quiz ---- */
  const questions = list(course && course.quiz).map((q) => ({
    text: q.text, options: [...list(q.options)], correct: new Set(list(q.correct)),
  }));
  const quizHolder = h('div', { class: 'quiz-edit' });
  const quizEmpty = h('p', { class: 'empty' }, 'No quiz: the course is complete once every lesson is read.');
  const addQuestion = h('button', { type: 'button', class: 'button' }, 'Add a question');

  function showQuiz(focus) {
    quizEmpty.hidden = questions.length > 0;
    addQuestion.disabled = questions.length >= MAX_QUESTIONS;
    replace(quizHolder, questions.map((q, qi) => questionEditor(q, qi)));
    if (focus) {
      const el = quizHolder.querySelector(focus);
      if (el) el.focus();
      else addQuestion.focus();
    }
  }
  function questionEditor(q, qi) {
    const n = qi + 1;
    const text = h('textarea', { name: `q${n}-text`, rows: '2', maxlength: '1000' });
    text.value = q.text;
    text.addEventListener('input', () => { q.text = text.value; });
    const rows = q.options.map((o, oi) => {
      const input = h('input', { name: `q${n}-option${oi + 1}`, type: 'text', autocomplete: 'off', maxlength: '300' });
      input.value = o;
      input.addEventListener('input', () => { q.options[oi] = input.value; });
      const right = h('input', { type: 'checkbox', name: `q${n}-correct${oi + 1}` });
      right.checked = q.correct.has(oi);
      right.addEventListener('change', () => {
        if (right.checked) q.correct.add(oi);
        else q.correct.delete(oi);
      });
      return h('div', { class: 'option-row' },
        field(`Option ${oi + 1}`, input),
        h('label', { class: 'check' }, right, h('span', null, h('span', { class: 'visually-hidden' }, `Option ${oi + 1} is `), 'correct')),
        h('button', {
          type: 'button', class: 'button button-small', disabled: q.options.length <= MIN_OPTIONS,
          'aria-label': `Remove option ${oi + 1} of question ${n}`,
          on: {
            click: () => {
              q.options.splice(oi, 1);
              q.correct = new Set([...q.correct].filter((c) => c !== oi).map((c) => (c > oi ? c - 1 : c)));
              showQuiz(`[name="q${n}-option${Math.min(oi + 1, q.options.length)}"]`);
            },
          },
        }, 'Remove'));
    });
    const legendId = `tr-edit-q${n}`;
    return h('fieldset', { class: 'quiz-edit-question', 'aria-labelledby': legendId },
      h('legend', { id: legendId, class: 'strong' }, `Question ${n}`),
      field('Question', text),
      h('p', { class: 'field-hint' }, 'Tick the right option; tick several when more than one is right (people then choose all that apply).'),
      rows,
      h('div', { class: 'form-actions' },
        h('button', {
          type: 'button', class: 'button button-small', disabled: q.options.length >= MAX_OPTIONS,
          on: {
            click: () => {
              q.options.push('');
              showQuiz(`[name="q${n}-option${q.options.length}"]`);
            },
          },
        }, 'Add an option'),
        h('button', {
          type: 'button', class: 'button button-small button-danger', 'aria-label': `Remove question ${n}`,
          on: {
            click: () => {
              questions.splice(qi, 1);
              showQuiz(`[name="q${Math.min(n, questions.length)}-text"]`);
            },
          },
        }, 'Remove the question')));
  }
  addQuestion.addEventListener('click', () => {
    questions.push({ text: '', options: ['', ''], correct: new Set() });
    showQuiz(`[name="q${questions.length}-text"]`);
  });

  /* ---- saving ---- */
  const save = h('button', { type: 'submit', class: 'button button-primary' }, ref ? 'Save the course' : 'Create the course');
  const form = h('form', { class: 'form-stack course-form', 'aria-label': ref ? 'Edit the course' : 'New course', novalidate: true },
    h('section', { class: 'card', 'aria-labelledby': 'tr-edit-about' },
      h('h2', { id: 'tr-edit-about' }, 'The course'),
      h('div', { class: 'form-stack' },
        field('Title', title),
        description.el,
        h('div', { class: 'form-grid' }, field('Pass mark (%)', passMark, 'The share of questions to get right, 1 to 100')))),
    h('section', { class: 'card', 'aria-labelledby': 'tr-edit-lessons' },
      h('h2', { id: 'tr-edit-lessons' }, 'Lessons'),
      h('p', { class: 'muted small' }, 'Knowledge-base articles, read in this order. Only articles everyone may read can be lessons.'),
      lessonList, lessonsEmpty, lessonStatus, search.el),
    h('section', { class: 'card', 'aria-labelledby': 'tr-edit-quiz' },
      h('h2', { id: 'tr-edit-quiz' }, 'Quiz'),
      quizEmpty, quizHolder, h('div', { class: 'form-actions' }, addQuestion)),
    error.el,
    h('div', { class: 'form-actions' }, save, h('a', { href: ref ? courseHref(ref) : '#/training', class: 'button' }, 'Cancel')));

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.clear();
    const pass = Number(passMark.value);
    const fields = {
      title: title.value.trim(),
      description: description.input.value.trim(),
      lessons: lessons.map((l) => l.id),
      quiz: questions.length ? questions.map((q) => {
        const right = [...q.correct].sort((a, b) => a - b);
        return { text: q.text.trim(), options: q.options.map((o) => o.trim()), correct: right.length === 1 ? right[0] : right };
      }) : null,
      pass_mark: pass,
    };
    if (!fields.title) {
      error.show('Give the course a title.');
      title.focus();
      return;
    }
    if (!Number.isInteger(pass) || pass < 1 || pass > 100) {
      error.show('The pass mark is a whole number from 1 to 100.');
      passMark.focus();
      return;
    }
    const unmarked = questions.findIndex((q) => q.correct.size === 0);
    if (unmarked >= 0) {
      error.show(`Question ${unmarked + 1}: tick the right option.`);
      const box = quizHolder.querySelector(`[name="q${unmarked + 1}-correct1"]`);
      if (box) box.focus();
      return;
    }
    let changes = fields;
    if (course) {
      changes = {};
      if (fields.title !== course.title) changes.title = fields.title;
      if (fields.description !== (course.description || '')) changes.description = fields.description;
      if (fields.pass_mark !== course.pass_mark) changes.pass_mark = fields.pass_mark;
      if (JSON.stringify(fields.lessons) !== JSON.stringify(list(course.lessons).map((l) => l.article_id))) changes.lessons = fields.lessons;
      if (normalQuiz(fields.quiz) !== normalQuiz(course.quiz)) changes.quiz = fields.quiz;
      if (!Object.keys(changes).length) {
        setFlash('Nothing changed.');
        ctx.navigate(`training/${course.id}`);
        return;
      }
    } else {
      if (!fields.description) delete changes.description;
      if (!fields.quiz) delete changes.quiz;
    }
    save.disabled = true;
    try {
      const res = course ? await tr.updateCourse(course.id, changes) : await tr.createCourse(changes);
      setFlash(course ? `Saved “${res.course.title}”.` : `Created “${res.course.title}”. Assign it to people below.`);
      ctx.navigate(`training/${res.course.id}`);
    } catch (err) {
      error.show(err.message);
      save.disabled = false;
    }
  });

  replace(body, form);
  showLessons();
  showQuiz();
  return () => search.stop();
}

/**
 * Find knowledge-base articles to add as lessons: a search box (GET /api/v1/kb/search,
 * 300 ms after typing) and its results, each with "Add" unless it is added already
 * (has(id)) or only support staff may read it. Returns {el, input, refresh, stop}.
 */
function articleSearch(onAdd, has) {
  const input = h('input', { type: 'search', name: 'lesson-q', autocomplete: 'off', spellcheck: 'false', placeholder: 'passwords' });
  const status = h('p', { class: 'muted small', role: 'status', 'aria-live': 'polite' });
  const results = h('ul', { class: 'picker-results', 'aria-label': 'Articles found' });
  let rows = [];
  let seq = 0;
  let timer = null;

  function show() {
    replace(results, rows.map((a) => {
      const added = has(a.id);
      const supportOnly = a.visibility === 'support';
      return h('li', { class: 'picker-result' },
        h('div', null, h('span', { class: 'strong' }, a.title), a.category ? h('span', { class: 'muted small' }, ` · ${a.category}`) : null,
          a.snippet ? h('p', { class: 'snippet small' }, highlight(a.snippet, '«', '»')) : null),
        supportOnly ? h('span', { class: 'badge badge-internal', title: 'Employees could not read it' }, 'Support only')
          : added ? h('span', { class: 'muted small' }, 'Added')
            : h('button', {
              type: 'button', class: 'button button-small', 'aria-label': `Add “${a.title}”`,
              on: {
                click: () => {
                  onAdd(a);
                  input.focus();
                },
              },
            }, 'Add'));
    }));
  }
  async function run() {
    const q = input.value.trim();
    const mine = ++seq;
    if (!q) {
      rows = [];
      show();
      status.textContent = '';
      return;
    }
    try {
      const found = list((await hd.kbSearch(q.slice(0, 256), 10)).articles);
      if (mine !== seq) return;
      rows = found;
      status.textContent = found.length ? `${plural(found.length, 'article', 'articles')} found.` : 'No article matches.';
      show();
    } catch (err) {
      if (mine === seq) status.textContent = err.message;
    }
  }
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(run, SEARCH_DELAY_MS);
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') { // searching, not saving the course
      e.preventDefault();
      clearTimeout(timer);
      run();
    }
  });
  return {
    el: h('div', { class: 'picker' }, field('Find an article to add', input, 'Search the knowledge base; every word must match'), status, results),
    input,
    refresh: show,
    stop: () => clearTimeout(timer),
  };
}
