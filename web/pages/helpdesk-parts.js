// pages/helpdesk-parts.js — pieces the help-desk and knowledge-base pages share: status and
// SLA badges, the plain-language impact and urgency choices, a one-time notice carried to
// the next page, ticket search results with their matches marked, and a text area field.

import { h, replace, messageArea, field } from '../dom.js';
import { ticketStatusLabel, highlight, plural } from '../format.js';
import { hd } from './helpdesk-api.js';

export const isStaff = (user) => Boolean(user && (user.role === 'support' || user.role === 'admin'));
export const list = (v) => (Array.isArray(v) ? v : []);
export const ticketHref = (n) => `#/help-desk/${encodeURIComponent(n)}`;
export const articleHref = (a, params) => {
  const qs = params ? new URLSearchParams(params).toString() : '';
  return `#/knowledge-base/${encodeURIComponent(a.slug || a.id)}${qs ? '?' + qs : ''}`;
};

/* A notice for the next page (after filing, closing, saving); taken once. */
let flashMessage = null;
export function setFlash(text) {
  flashMessage = text;
}
export function takeFlash() {
  const m = flashMessage;
  flashMessage = null;
  return m;
}

/** A status region showing the pending notice, if any. */
export function flashArea() {
  const flash = messageArea('status');
  const notice = takeFlash();
  if (notice) flash.show(notice);
  return flash;
}

export function statusBadge(status, staff = true) {
  return h('span', { class: `badge badge-ticket badge-ticket-${String(status || '').replace(/[^a-z]/g, '')}` },
    ticketStatusLabel(status, staff));
}

const SLA_RESPONSE_AT_RISK = 1;
const SLA_RESPONSE_BREACHED = 2;
const SLA_RESOLVE_AT_RISK = 4;
const SLA_RESOLVE_BREACHED = 8;

/** The SLA state of one clock ('response' or 'resolve') of a ticket: 'breached', 'at-risk' or ''. */
export function slaState(ticket, clock) {
  const f = Number(ticket.sla_flags) || 0;
  if (clock === 'response') return f & SLA_RESPONSE_BREACHED ? 'breached' : f & SLA_RESPONSE_AT_RISK ? 'at-risk' : '';
  return f & SLA_RESOLVE_BREACHED ? 'breached' : f & SLA_RESOLVE_AT_RISK ? 'at-risk' : '';
}

export function slaBadge(state, what = '') {
  if (!state) return null;
  const text = state === 'breached' ? 'Breached' : 'At risk';
  return h('span', { class: `badge badge-sla badge-sla-${state}`, title: what ? `${what}: ${text.toLowerCase()}` : null }, text);
}

/** The worst SLA state of a ticket's two clocks, as one badge (for lists). */
export function slaSummaryBadge(ticket) {
  const states = [slaState(ticket, 'response'), slaState(ticket, 'resolve')];
  if (states.includes('breached')) return slaBadge('breached', 'SLA');
  if (states.includes('at-risk')) return slaBadge('at-risk', 'SLA');
  return null;
}

/** Impact and urgency as an employee would put them (the API's 1 high .. 3 low). */
export const IMPACT_CHOICES = [
  [3, 'Just me'],
  [2, 'A few people or my team'],
  [1, 'Many people, or everyone'],
];
export const URGENCY_CHOICES = [
  [3, 'It can wait a few days'],
  [2, 'It slows me down'],
  [1, 'I cannot work at all'],
];

/** A radio group in a fieldset: choices [[value, label]...]; returns {el, value()}. */
export function radioGroup(legend, name, choices, checked) {
  const inputs = choices.map(([value]) => h('input', { type: 'radio', name, value: String(value) }));
  inputs.forEach((input, i) => { input.checked = String(choices[i][0]) === String(checked); });
  const el = h('fieldset', { class: 'field choice-group' },
    h('legend', { class: 'field-label' }, legend),
    choices.map(([, label], i) => h('label', { class: 'check choice' }, inputs[i], h('span', null, label))));
  return {
    el,
    inputs,
    value: () => {
      const on = inputs.find((i) => i.checked);
      return on ? on.value : null;
    },
    set: (v) => inputs.forEach((i) => { i.checked = i.value === String(v); }),
  };
}

/** A labelled <textarea> field; returns {el, input}. */
export function textArea(label, attrs = {}, hint = null) {
  const input = h('textarea', { rows: '5', ...attrs });
  return { el: field(label, input, hint), input };
}

/** Text that keeps its line breaks (descriptions, replies), always as text. */
export const prose = (text, extra = '') => h('div', { class: 'prose-text' + (extra ? ' ' + extra : '') }, String(text ?? ''));

/**
 * The ticket search: a search form (GET /api/v1/search?q=) and its results, each
 * linking to its ticket, the matches in the snippet as <mark> nodes. `q` is the
 * starting query; onQuery(q) is told when it changes (to keep it in the address).
 */
export function ticketSearch({ q = '', onQuery, staff = true, label = 'Search tickets' } = {}) {
  const DELAY_MS = 300;
  const input = h('input', { type: 'search', name: 'ticket-q', autocomplete: 'off', spellcheck: 'false', placeholder: 'printer jam*' });
  input.value = q;
  const error = messageArea('alert');
  const summary = h('p', { class: 'muted small', role: 'status', 'aria-live': 'polite' });
  const results = h('ol', { class: 'search-results', 'aria-label': 'Search results' });
  results.hidden = true;
  let seq = 0;
  let timer = null;

  async function run() {
    const query = input.value.trim();
    const mine = ++seq;
    error.clear();
    if (onQuery) onQuery(query);
    if (!query) {
      summary.textContent = '';
      replace(results);
      results.hidden = true;
      return;
    }
    try {
      const res = await hd.search(query);
      if (mine !== seq) return;
      const rows = list(res.results);
      summary.textContent = rows.length
        ? `${plural(rows.length, 'match', 'matches')} for “${query}”.`
        : `Nothing matches “${query}”.`;
      replace(results, rows.map((r) => h('li', { class: 'search-result' },
        h('div', { class: 'search-result-head' },
          h('a', { href: ticketHref(r.number), class: 'strong' }, `#${r.number} ${r.title ?? ''}`),
          ' ', statusBadge(r.status, staff),
          h('span', { class: 'muted small' }, r.kind === 'comment' ? ' in a reply or note' : ' in the ticket')),
        r.snippet ? h('p', { class: 'snippet' }, highlight(r.snippet, '\u0002', '\u0003')) : null)));
      results.hidden = !rows.length;
    } catch (err) {
      if (mine !== seq) return;
      summary.textContent = '';
      results.hidden = true;
      error.show(err.message);
    }
  }

  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(run, DELAY_MS);
  });
  const form = h('form', { class: 'search-form', role: 'search', 'aria-label': label },
    field(label, input, 'Every word must match; end a word with * to match its start'),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'button' }, 'Search')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    clearTimeout(timer);
    run();
  });
  if (q) run();
  return { el: h('div', null, form, error.el, summary, results), stop: () => clearTimeout(timer) };
}
