// pages/kb-edit.js — support and admin: a new article (#/knowledge-base/new, POST
// /api/v1/kb/articles) or an edit (#/knowledge-base/<slug>/edit, PATCH with only what
// changed and base_revision, so someone else's edit in between is a 409, not lost work).
// Beside the Markdown a live preview, built in the page by kb-render.js's small Markdown
// reader (as text and allowed elements only); the server renders the saved article with
// CommonMark, which the article page then shows.

import { h, replace, messageArea, field } from '../dom.js';
import { hd } from './helpdesk-api.js';
import { isStaff, articleHref, setFlash } from './helpdesk-parts.js';
import { renderMarkdownPreview } from './kb-render.js';

const PREVIEW_DELAY_MS = 150;

export async function render(container, ctx, ref) {
  const heading = h('h1', null, ref ? 'Edit the article' : 'New article');
  container.append(
    h('p', { class: 'back' }, h('a', { href: ref ? `#/knowledge-base/${encodeURIComponent(ref)}` : '#/knowledge-base' },
      ref ? 'The article' : 'Knowledge base')),
    heading);
  if (!isStaff(ctx.user)) {
    container.append(
      h('p', { class: 'lead' }, 'Articles are written by support staff and administrators.'),
      h('p', null, h('a', { href: '#/knowledge-base' }, 'Back to the knowledge base')));
    return undefined;
  }
  const error = messageArea('alert');
  const body = h('div', null, h('p', { class: 'muted' }, 'Loading…'));
  container.append(error.el, body);

  let article = null;
  if (ref) {
    try {
      article = (await hd.article(ref)).article;
    } catch (err) {
      if (!container.isConnected) return undefined;
      if (err.status === 404) heading.textContent = 'Article not found';
      replace(body, h('p', null, h('a', { href: '#/knowledge-base' }, 'Back to the knowledge base')));
      error.show(err.message);
      return undefined;
    }
    if (!container.isConnected) return undefined;
    heading.textContent = `Edit: ${article.title}`;
    document.title = `Edit ${article.title} · Knowledge base · Ward`;
  }

  const title = h('input', { name: 'title', type: 'text', autocomplete: 'off', maxlength: '200', required: true });
  const category = h('input', { name: 'category', type: 'text', autocomplete: 'off', maxlength: '64', required: true });
  const visibility = h('select', { name: 'visibility' },
    h('option', { value: 'employees' }, 'Everyone'), h('option', { value: 'support' }, 'Support staff only'));
  const source = h('textarea', { name: 'body', rows: '18', class: 'markdown-input', spellcheck: 'true' });
  title.value = article ? article.title : '';
  category.value = article ? article.category : '';
  visibility.value = article ? article.visibility : 'employees';
  source.value = article ? article.body : '';

  const preview = h('div', { class: 'article-body preview-body' });
  const save = h('button', { type: 'submit', class: 'button button-primary' }, ref ? 'Save' : 'Create the article');
  const form = h('form', { class: 'form-stack', 'aria-label': ref ? 'Edit the article' : 'New article', novalidate: true },
    h('div', { class: 'form-grid' },
      field('Title', title),
      field('Category', category, 'e.g. Printing, Network'),
      field('Visible to', visibility)),
    h('div', { class: 'editor' },
      field('Text (Markdown)', source, '# Heading, **bold**, *italic*, `code`, - lists, [links](https://…)'),
      h('div', { class: 'preview' },
        h('p', { class: 'field-label', id: 'kb-preview-label' }, 'Preview'),
        h('div', { role: 'region', 'aria-labelledby': 'kb-preview-label', tabindex: '0', class: 'preview-box' }, preview),
        h('p', { class: 'field-hint' }, 'Drawn as you type; the saved article is rendered by the server, which may differ in details.'))),
    error.el,
    h('div', { class: 'form-actions' }, save,
      h('a', { href: ref ? articleHref(article) : '#/knowledge-base', class: 'button' }, 'Cancel')));

  let timer = null;
  const showPreview = () => replace(preview, renderMarkdownPreview(source.value));
  source.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(showPreview, PREVIEW_DELAY_MS);
  });
  showPreview();

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.clear();
    const fields = { title: title.value.trim(), category: category.value.trim(), visibility: visibility.value, body: source.value };
    if (!fields.title) {
      error.show('Give the article a title.');
      title.focus();
      return;
    }
    if (!fields.category) {
      error.show('Give the article a category.');
      category.focus();
      return;
    }
    let changes = fields;
    if (article) {
      changes = {};
      for (const k of Object.keys(fields)) if (fields[k] !== article[k]) changes[k] = fields[k];
      if (!Object.keys(changes).length) {
        setFlash('Nothing changed.');
        ctx.navigate(articleHref(article).slice(2));
        return;
      }
      changes.base_revision = article.revision;
    }
    save.disabled = true;
    try {
      const res = article ? await hd.updateArticle(article.id, changes) : await hd.createArticle(fields);
      setFlash(article ? `Saved: revision ${res.article.revision}.` : `Created “${res.article.title}”.`);
      ctx.navigate(articleHref(res.article).slice(2));
    } catch (err) {
      error.show(err.message);
      save.disabled = false;
    }
  });

  replace(body, h('section', { class: 'card' }, form));
  return () => clearTimeout(timer);
}
