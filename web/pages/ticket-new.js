// pages/ticket-new.js — #/help-desk/new: the new-ticket form (POST /api/v1/tickets). While
// the title and description are typed (300 ms after the last key) it asks
// GET /api/v1/kb/suggest for articles that may already answer them, each a link to the
// article (#/knowledge-base/<slug>?from=draft), whose page offers "This solved it": no
// ticket is filed. The draft is kept in sessionStorage meanwhile, so the way back to the
// form finds it. Employees describe impact and urgency in plain words; support staff may
// also file for someone else, name a machine, a category and tags.

import { h, replace, messageArea, field } from '../dom.js';
import { highlight, plural } from '../format.js';
import { hd } from './helpdesk-api.js';
import {
  isStaff, list, articleHref, setFlash, radioGroup, textArea, IMPACT_CHOICES, URGENCY_CHOICES,
} from './helpdesk-parts.js';

const SUGGEST_DELAY_MS = 300;
const SUGGEST_MIN_CHARS = 3;
const DRAFT_KEY = 'ward.ticket-draft';

/** The draft of the new-ticket form, if one is kept in this tab. */
export function loadDraft() {
  try {
    const d = JSON.parse(sessionStorage.getItem(DRAFT_KEY) || 'null');
    return d && typeof d === 'object' ? d : null;
  } catch {
    return null;
  }
}

export function clearDraft() {
  try {
    sessionStorage.removeItem(DRAFT_KEY);
  } catch {
    /* storage refused: nothing was kept */
  }
}

function saveDraft(d) {
  try {
    if (d.title || d.description) sessionStorage.setItem(DRAFT_KEY, JSON.stringify(d));
    else sessionStorage.removeItem(DRAFT_KEY);
  } catch {
    /* storage refused or full: the draft just is not kept */
  }
}

const LEVELS = [[1, 'High'], [2, 'Medium'], [3, 'Low']];
const splitTags = (text) => [...new Set(text.split(',').map((t) => t.trim()).filter(Boolean))];

export async function render(container, ctx) {
  const staff = isStaff(ctx.user);
  const draft = loadDraft() || {};
  const error = messageArea('alert');

  const title = h('input', { name: 'title', type: 'text', autocomplete: 'off', maxlength: '200', required: true });
  title.value = draft.title || '';
  const description = textArea('Description', { name: 'description', rows: '7', required: true },
    staff ? null : 'What happened, what you expected, any error message, and what you tried');
  description.input.value = draft.description || '';

  const fields = [field('Title', title, staff ? null : 'In a few words: "The printer on floor 2 says offline"'), description.el];
  let impact;
  let urgency;
  let requester;
  let host;
  let category;
  let tags;
  if (staff) {
    requester = h('input', { name: 'requester', type: 'text', autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false' });
    host = h('input', { name: 'host', type: 'text', autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false' });
    category = h('input', { name: 'category', type: 'text', autocomplete: 'off', maxlength: '64' });
    tags = h('input', { name: 'tags', type: 'text', autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false' });
    impact = h('select', { name: 'impact' }, LEVELS.map(([v, l]) => h('option', { value: String(v) }, l)));
    urgency = h('select', { name: 'urgency' }, LEVELS.map(([v, l]) => h('option', { value: String(v) }, l)));
    impact.value = '2';
    urgency.value = '2';
    fields.push(h('div', { class: 'form-grid' },
      field('Requester', requester, 'A user name; empty: yourself'),
      field('Machine', host, 'Name or id, optional'),
      field('Category', category, 'Optional'),
      field('Tags', tags, 'Separated by commas'),
      field('Impact', impact),
      field('Urgency', urgency)));
  } else {
    impact = radioGroup('Who is affected?', 'impact', IMPACT_CHOICES, draft.impact || 3);
    urgency = radioGroup('How urgent is it?', 'urgency', URGENCY_CHOICES, draft.urgency || 2);
    fields.push(h('div', { class: 'choice-grid' }, impact.el, urgency.el));
  }
  const submit = h('button', { type: 'submit', class: 'button button-primary' }, 'File the ticket');
  const form = h('form', { class: 'form-stack', 'aria-label': 'New ticket', novalidate: true },
    fields, error.el,
    h('div', { class: 'form-actions' }, submit, h('a', { href: '#/help-desk', class: 'button' }, 'Cancel')));

  /* ---- suggestions ---- */
  const suggestStatus = h('p', { class: 'muted small', role: 'status', 'aria-live': 'polite' },
    'Start typing: articles that may help appear here.');
  const suggestList = h('ul', { class: 'suggestions', 'aria-label': 'Suggested articles' });
  suggestList.hidden = true;
  let seq = 0;
  let timer = null;
  let lastDraft = null;

  async function suggest() {
    const text = `${title.value}\n${description.input.value}`.trim();
    if (text === lastDraft) return;
    lastDraft = text;
    const mine = ++seq;
    if (text.length < SUGGEST_MIN_CHARS) {
      suggestStatus.textContent = 'Start typing: articles that may help appear here.';
      suggestList.hidden = true;
      replace(suggestList);
      return;
    }
    try {
      const res = await hd.kbSuggest(text.slice(0, 16384));
      if (mine !== seq || !container.isConnected) return;
      const rows = list(res.articles);
      suggestStatus.textContent = rows.length
        ? `${plural(rows.length, 'article', 'articles')} may already answer this:`
        : 'No article matches yet: file the ticket and we will help.';
      replace(suggestList, rows.map((a) => h('li', { class: 'suggestion' },
        h('a', { href: articleHref(a, { from: 'draft' }), class: 'strong' }, a.title),
        a.category ? h('span', { class: 'muted small' }, ` · ${a.category}`) : null,
        a.snippet ? h('p', { class: 'snippet small' }, highlight(a.snippet, '«', '»')) : null)));
      suggestList.hidden = !rows.length;
    } catch (err) {
      if (mine !== seq || !container.isConnected) return;
      suggestStatus.textContent = `Suggestions are not available: ${err.message}`;
      suggestList.hidden = true;
    }
  }

  const current = () => ({
    title: title.value,
    description: description.input.value,
    impact: staff ? undefined : Number(impact.value()),
    urgency: staff ? undefined : Number(urgency.value()),
  });
  const onType = () => {
    saveDraft(current());
    clearTimeout(timer);
    timer = setTimeout(suggest, SUGGEST_DELAY_MS);
  };
  title.addEventListener('input', onType);
  description.input.addEventListener('input', onType);
  if (!staff) form.addEventListener('change', () => saveDraft(current()));

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.clear();
    const t = { title: title.value.trim(), description: description.input.value.trim() };
    if (!t.title) {
      error.show('Give the ticket a title.');
      title.focus();
      return;
    }
    if (!t.description) {
      error.show('Describe the problem.');
      description.input.focus();
      return;
    }
    t.impact = Number(staff ? impact.value : impact.value());
    t.urgency = Number(staff ? urgency.value : urgency.value());
    if (staff) {
      if (requester.value.trim()) t.requester = requester.value.trim();
      if (host.value.trim()) t.host = host.value.trim();
      if (category.value.trim()) t.category = category.value.trim();
      const tagList = splitTags(tags.value);
      if (tagList.length) t.tags = tagList;
    }
    submit.disabled = true;
    try {
      const res = await hd.createTicket(t);
      clearDraft();
      setFlash(staff ? `Ticket #${res.ticket.number} filed.`
        : `Ticket #${res.ticket.number} filed. We will reply here; you can add to it at any time.`);
      ctx.navigate(`help-desk/${res.ticket.number}`);
    } catch (err) {
      error.show(err.message);
      submit.disabled = false;
    }
  });

  container.append(
    h('p', { class: 'back' }, h('a', { href: '#/help-desk' }, staff ? 'The queue' : 'My tickets')),
    h('h1', null, 'New ticket'),
    h('p', { class: 'lead' }, staff ? 'File a ticket for yourself or for someone else.' : 'Tell us what is wrong; we will get back to you here.'),
    h('div', { class: 'new-ticket' },
      h('section', { class: 'card', 'aria-label': 'The ticket' }, form),
      h('section', { class: 'card suggest-card', 'aria-labelledby': 'hd-suggest' },
        h('h2', { id: 'hd-suggest' }, 'Suggested articles'),
        suggestStatus,
        suggestList)));
  if (title.value || description.input.value) suggest();
  return () => clearTimeout(timer);
}
