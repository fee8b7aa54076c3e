// pages/kb-article.js — #/knowledge-base/<slug or id>: one article (GET
// /api/v1/kb/articles/{article}). Its HTML, rendered by the server, is rebuilt through the
// allow-list of kb-render.js, never inserted as markup. "Helped N times"; for support
// staff an Edit link and the revisions (GET .../revisions, newest first, paged with
// next_before). Reached from the new-ticket form (?from=draft) it offers "This solved it"
// (no ticket is filed); from a ticket (?ticket=N), closing that ticket because it helped.

import { h, replace, messageArea } from '../dom.js';
import { timeNode, plural } from '../format.js';
import { hd } from './helpdesk-api.js';
import { isStaff, list, articleHref, ticketHref, flashArea, setFlash } from './helpdesk-parts.js';
import { renderArticleHtml } from './kb-render.js';
import { clearDraft, loadDraft } from './ticket-new.js';
import { helpedText, visibilityBadge } from './kb.js';

export async function render(container, ctx, ref) {
  const staff = isStaff(ctx.user);
  const flash = flashArea();
  const heading = h('h1', { class: 'article-title' }, 'Article');
  const error = messageArea('alert');
  const body = h('div', null, h('p', { class: 'muted' }, 'Loading…'));
  container.append(
    h('p', { class: 'back' }, h('a', { href: '#/knowledge-base' }, 'Knowledge base')),
    heading, flash.el, error.el, body);

  let article;
  try {
    article = (await hd.article(ref)).article;
  } catch (err) {
    if (!container.isConnected) return;
    if (err.status === 404) {
      heading.textContent = 'Article not found';
      document.title = 'Article not found · Ward';
    }
    replace(body, h('p', null, h('a', { href: '#/knowledge-base' }, 'Back to the knowledge base')));
    error.show(err.message);
    return;
  }
  if (!container.isConnected) return;
  heading.textContent = article.title;
  document.title = `${article.title} · Knowledge base · Ward`;

  const meta = h('p', { class: 'article-meta' },
    article.category ? h('a', { href: `#/knowledge-base?${new URLSearchParams({ category: article.category })}`, class: 'chip-link' }, article.category) : null,
    visibilityBadge(article),
    h('span', { class: 'helped strong' }, helpedText(article)),
    Number(article.deflected) > 0 ? h('span', { class: 'muted' }, `solved ${plural(Number(article.deflected), 'problem', 'problems')} without help`) : null,
    h('span', { class: 'muted small' }, `Revision ${article.revision}, updated `, timeNode(article.updated_at), `; written by ${article.author}`));

  const sections = [];
  const from = ctx.params.get('from');
  const ticket = ctx.params.get('ticket');
  if (!staff && from === 'draft' && loadDraft()) sections.push(draftBox(article, ctx));
  if (!staff && ticket && /^[1-9][0-9]*$/.test(ticket)) sections.push(ticketBox(article, ticket, ctx));
  heading.id = 'kb-article-title';
  sections.push(h('article', { class: 'card article-body', 'aria-labelledby': 'kb-article-title' },
    renderArticleHtml(article.html)));
  if (staff) sections.push(revisionsSection(article));
  replace(body,
    meta,
    staff ? h('div', { class: 'form-actions page-actions' },
      h('a', { href: `${articleHref(article)}/edit`, class: 'button' }, 'Edit the article')) : null,
    sections);
}

/** From the new-ticket form: the article may make the ticket unnecessary. */
function draftBox(article, ctx) {
  const solved = h('button', { type: 'button', class: 'button button-primary' }, 'This solved it');
  solved.addEventListener('click', () => {
    clearDraft();
    setFlash(`Glad “${article.title}” solved it. No ticket was filed.`);
    ctx.navigate('help-desk');
  });
  return h('section', { class: 'card card-ask', 'aria-labelledby': 'kb-draft-question' },
    h('h2', { id: 'kb-draft-question' }, 'Does this solve your problem?'),
    h('p', null, 'If it does, there is no need for a ticket; if not, your draft is waiting.'),
    h('div', { class: 'form-actions' }, solved,
      h('a', { href: '#/help-desk/new', class: 'button' }, 'No, back to my ticket')));
}

/** From a ticket: close it because this article helped (deflected_by). */
function ticketBox(article, number, ctx) {
  const error = messageArea('alert');
  const close = h('button', { type: 'button', class: 'button button-primary' }, `Close #${number}, this article helped`);
  close.addEventListener('click', async () => {
    error.clear();
    close.disabled = true;
    try {
      await hd.updateTicket(number, { status: 'closed', deflected_by: article.id });
      setFlash(`Closed #${number}: glad “${article.title}” helped.`);
      ctx.navigate(`help-desk/${number}`);
    } catch (err) {
      error.show(err.message);
      close.disabled = false;
    }
  });
  return h('section', { class: 'card card-ask', 'aria-labelledby': 'kb-ticket-question' },
    h('h2', { id: 'kb-ticket-question' }, `Does this solve ticket #${number}?`),
    h('div', { class: 'form-actions' }, close, h('a', { href: ticketHref(number), class: 'button' }, 'No, back to the ticket')),
    error.el);
}

/** Support: every revision, newest first, with what it said. */
function revisionsSection(article) {
  const error = messageArea('alert');
  const items = h('ol', { class: 'revisions', 'aria-label': 'Revisions, newest first' });
  const olderButton = h('button', { type: 'button', class: 'button' }, 'Older revisions');
  const more = h('div', { class: 'pager', hidden: true }, olderButton);
  let before = null;

  const item = (r) => h('li', { class: 'revision' },
    h('div', { class: 'revision-head' },
      h('span', { class: 'strong' }, `Revision ${r.revision}`),
      h('span', { class: 'muted' }, ` by ${r.author}, `), timeNode(r.at),
      r.revision === article.revision ? h('span', { class: 'badge badge-current' }, 'current') : null),
    h('details', null,
      h('summary', null, `What revision ${r.revision} said`),
      h('p', { class: 'small' }, h('span', { class: 'strong' }, r.title),
        ` · ${r.category} · ${r.visibility === 'support' ? 'support staff only' : 'everyone'}`),
      h('pre', { class: 'job-pre revision-body' }, r.body ?? '')));

  async function load() {
    error.clear();
    olderButton.disabled = true;
    try {
      const res = await hd.revisions(article.slug || article.id, before ? { before } : undefined);
      for (const r of list(res.revisions)) items.append(item(r));
      before = res.next_before ?? null;
      more.hidden = before === null;
    } catch (err) {
      error.show(err.message);
    } finally {
      olderButton.disabled = false;
    }
  }
  olderButton.addEventListener('click', load);
  load();
  return h('section', { class: 'card', 'aria-labelledby': 'kb-revisions' },
    h('h2', { id: 'kb-revisions' }, 'Revisions'), items, more, error.el);
}
