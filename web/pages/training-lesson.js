// pages/training-lesson.js — #/training/<id>/lessons/<n>: one lesson of a course, the
// knowledge-base article (GET /api/v1/kb/articles/{id}) rebuilt through kb-render.js's
// allow-list, never inserted as markup. The person taking the course marks it read
// (POST /api/v1/courses/{id}/lessons/{n}/read) and goes on to the next lesson or the quiz;
// an admin who is not taking it sees how it reads.

import { h, replace, messageArea } from '../dom.js';
import { timeNode } from '../format.js';
import { hd } from './helpdesk-api.js';
import { list, articleHref } from './helpdesk-parts.js';
import { renderArticleHtml } from './kb-render.js';
import { tr } from './training-api.js';
import { courseHref, lessonHref } from './training-parts.js';

export async function render(container, ctx, id, n) {
  const back = h('a', { href: courseHref(id) }, 'The course');
  const heading = h('h1', { class: 'article-title', id: 'tr-lesson-title' }, `Lesson ${n}`);
  const error = messageArea('alert');
  const body = h('div', null, h('p', { class: 'muted' }, 'Loading…'));
  container.append(h('p', { class: 'back' }, back), heading, error.el, body);

  let course;
  try {
    course = (await tr.course(id)).course;
  } catch (err) {
    if (!container.isConnected) return;
    if (err.status === 404) {
      heading.textContent = 'Course not found';
      document.title = 'Course not found · Ward';
    }
    replace(body, h('p', null, h('a', { href: '#/training' }, 'Back to training')));
    error.show(err.message);
    return;
  }
  if (!container.isConnected) return;
  back.textContent = course.title;
  const lessons = list(course.lessons);
  const lesson = lessons.find((l) => l.n === n);
  if (!lesson) {
    heading.textContent = 'Lesson not found';
    document.title = 'Lesson not found · Ward';
    replace(body, h('p', null, h('a', { href: courseHref(id) }, 'Back to the course')));
    error.show(`course ${id} has no lesson ${n}`);
    return;
  }
  const title = lesson.title || `Lesson ${n}`;
  heading.textContent = title;
  document.title = `${title} · ${course.title} · Training · Ward`;

  // The article: shown when the reader may see it; marking it read does not depend on it.
  const articleError = messageArea('alert');
  const article = h('article', { class: 'card article-body', 'aria-labelledby': 'tr-lesson-title' },
    h('p', { class: 'muted' }, 'Loading…'));
  hd.article(lesson.article_id).then((res) => {
    replace(article, renderArticleHtml(res.article.html));
  }).catch((err) => {
    replace(article, h('p', { class: 'muted' }, 'This lesson cannot be shown to you.'));
    articleError.show(err.message);
  });

  const position = h('p', { class: 'lesson-position muted' }, `Lesson ${n} of ${lessons.length}`);
  const hasQuiz = Array.isArray(course.quiz) && course.quiz.length > 0;
  const prev = lessons.find((l) => l.n === n - 1);
  const next = lessons.find((l) => l.n === n + 1);
  const nextLink = () => (next
    ? h('a', { href: lessonHref(id, next.n), class: 'button button-primary button-wrap' }, `Next lesson: ${next.title || `lesson ${next.n}`}`)
    : hasQuiz
      ? h('a', { href: courseHref(id, { at: 'quiz' }), class: 'button button-primary button-wrap' }, 'Take the quiz')
      : h('a', { href: courseHref(id), class: 'button button-primary button-wrap' }, 'Back to the course'));

  const a = course.assignment;
  const state = h('p', { class: 'lesson-state' });
  const notice = messageArea('status');
  const markError = messageArea('alert');
  const actions = h('div', { class: 'form-actions' });
  const nav = h('div', { class: 'form-actions lesson-nav' },
    prev ? h('a', { href: lessonHref(id, prev.n), class: 'button button-wrap' }, `Previous: ${prev.title || `lesson ${prev.n}`}`) : null);

  function showDone(readAt) {
    replace(state, 'You read this lesson', readAt ? [' on ', timeNode(readAt)] : null, '.');
    replace(actions, nextLink());
  }

  if (!a) {
    replace(state, ctx.isAdmin
      ? 'You are not taking this course: this is how the lesson reads for the people who are.'
      : 'This course is not assigned to you.');
    replace(actions, next ? h('a', { href: lessonHref(id, next.n), class: 'button button-wrap' }, `Next lesson: ${next.title || `lesson ${next.n}`}`) : null);
  } else if (lesson.read) {
    showDone(lesson.read_at);
  } else {
    const mark = h('button', { type: 'button', class: 'button button-primary' }, 'Mark as read');
    mark.addEventListener('click', async () => {
      markError.clear();
      mark.disabled = true;
      try {
        const res = await tr.readLesson(id, n);
        const done = res.assignment && res.assignment.status === 'completed';
        showDone(null);
        notice.show(done && !hasQuiz ? 'Marked as read. That was the last lesson: the course is complete.'
          : !next && hasQuiz ? 'Marked as read. Every lesson is read: the quiz is open.' : 'Marked as read.');
        const go = actions.querySelector('a');
        if (go) go.focus();
      } catch (err) {
        markError.show(err.message);
        mark.disabled = false;
      }
    });
    replace(state, a.status === 'completed' ? 'You have completed this course.' : 'When you have read the lesson, mark it read.');
    replace(actions, mark);
  }

  replace(body,
    position,
    articleError.el,
    article,
    h('section', { class: 'card lesson-actions', 'aria-label': 'Your progress' },
      state, actions, markError.el, notice.el, nav,
      ctx.isAdmin || ctx.user.role === 'support'
        ? h('p', { class: 'muted small' }, 'In the knowledge base: ', h('a', { href: articleHref({ id: lesson.article_id, slug: lesson.slug }) }, title))
        : null));
}
