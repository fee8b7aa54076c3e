// pages/training-notice.js — admins, #/training/notice: publish a change note for a program
// (POST /api/v1/training/notices). In one step the server writes the text as a
// knowledge-base article ("What changed"), makes it a one-lesson course and assigns it to
// the program's users now, due in the days given. The Markdown has a live preview, drawn
// by kb-render.js as the article editor's is.

import { h, replace, messageArea, field } from '../dom.js';
import { plural } from '../format.js';
import { list, setFlash } from './helpdesk-parts.js';
import { renderMarkdownPreview } from './kb-render.js';
import { tr } from './training-api.js';

const PREVIEW_DELAY_MS = 150;

export async function render(container, ctx) {
  container.append(
    h('p', { class: 'back' }, h('a', { href: '#/training' }, 'Training')),
    h('h1', null, 'Publish a change note'));
  if (!ctx.isAdmin) {
    container.append(
      h('p', { class: 'lead' }, 'Change notes are published by administrators.'),
      h('p', null, h('a', { href: '#/training' }, 'Back to training')));
    return undefined;
  }
  const error = messageArea('alert');
  const pkg = h('input', { name: 'package', type: 'text', autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false', maxlength: '128', required: true, placeholder: 'firefox-esr' });
  const title = h('input', { name: 'title', type: 'text', autocomplete: 'off', maxlength: '200', required: true });
  const days = h('input', { name: 'due_days', type: 'number', min: '1', max: '365', step: '1', inputmode: 'numeric' });
  days.value = '7';
  const text = h('textarea', { name: 'text', rows: '14', class: 'markdown-input', spellcheck: 'true' });
  const preview = h('div', { class: 'article-body preview-body' });
  const publish = h('button', { type: 'submit', class: 'button button-primary' }, 'Publish the change note');
  const form = h('form', { class: 'form-stack', 'aria-label': 'Change note', novalidate: true },
    h('div', { class: 'form-grid' },
      field('Program (package name)', pkg, 'Exactly as installed; its users are the owners of the machines that have it'),
      field('Title', title, 'e.g. “Firefox 128: what changed”'),
      field('Due in (days)', days, '1 to 365')),
    h('div', { class: 'editor' },
      field('What changed (Markdown)', text, '# Heading, **bold**, *italic*, `code`, - lists, [links](https://…)'),
      h('div', { class: 'preview' },
        h('p', { class: 'field-label', id: 'tr-notice-preview' }, 'Preview'),
        h('div', { role: 'region', 'aria-labelledby': 'tr-notice-preview', tabindex: '0', class: 'preview-box' }, preview))),
    h('p', { class: 'muted small' },
      'The text becomes a knowledge-base article in “What changed”, readable by everyone, and a one-lesson course assigned to the people who use the program now. Someone who installs it later is not sent it.'),
    error.el,
    h('div', { class: 'form-actions' }, publish, h('a', { href: '#/training', class: 'button' }, 'Cancel')));

  let timer = null;
  const showPreview = () => replace(preview, renderMarkdownPreview(text.value));
  text.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(showPreview, PREVIEW_DELAY_MS);
  });
  showPreview();

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.clear();
    const fields = { package: pkg.value.trim(), title: title.value.trim(), text: text.value, due_days: Number(days.value) };
    for (const [input, ok, message] of [
      [pkg, fields.package, 'Name the program: its package name, as installed.'],
      [title, fields.title, 'Give the change note a title.'],
      [days, Number.isInteger(fields.due_days) && fields.due_days >= 1 && fields.due_days <= 365, 'Due in: a whole number of days from 1 to 365.'],
      [text, fields.text.trim(), 'Write what changed.'],
    ]) {
      if (!ok) {
        error.show(message);
        input.focus();
        return;
      }
    }
    publish.disabled = true;
    try {
      const res = await tr.publishNotice(fields);
      const assigned = list(res.assigned);
      const skipped = list(res.skipped);
      setFlash(`Published “${fields.title}” for ${fields.package}: ${assigned.length
        ? `assigned to ${plural(assigned.length, 'person', 'people')} (${assigned.join(', ')})`
        : 'nobody uses it on a machine with an owner, so nobody was assigned'}.${
        skipped.length ? ` Skipped: ${skipped.map((s) => `${s.user} (${s.reason})`).join(', ')}.` : ''}`);
      ctx.navigate(`training/${res.course_id}`);
    } catch (err) {
      error.show(err.message);
      publish.disabled = false;
    }
  });

  container.append(h('section', { class: 'card' }, form));
  return () => clearTimeout(timer);
}
