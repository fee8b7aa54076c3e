// pages/activity.js — admin: the activity log (GET /api/v1/log), filtered by actor,
// action and since, newest first, with "Older entries" paging through next_before.
// The filters live in the address (#/activity?action=user.*) so they survive a reload.

import { api } from '../api.js';
import { h, replace, messageArea, field, dataTable, tableRow } from '../dom.js';
import { timeNode, detailsText } from '../format.js';

const FILTERS = ['actor', 'action', 'since'];

export async function render(container, ctx) {
  const { params } = ctx;
  const error = messageArea('alert');
  const summary = h('p', { class: 'muted small', role: 'status' });
  const results = h('div', null, h('p', { class: 'muted' }, 'Loading…'));
  const limit = params.get('limit') || undefined; // for people and tests who want short pages

  const inputs = {
    actor: h('input', { name: 'actor', type: 'text', autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false', placeholder: 'admin' }),
    action: h('input', { name: 'action', type: 'text', autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false', placeholder: 'user.*' }),
    since: h('input', { name: 'since', type: 'text', autocomplete: 'off', placeholder: '7d or 2026-11-26' }),
  };
  for (const f of FILTERS) inputs[f].value = params.get(f) || '';

  const clearButton = h('button', { type: 'button', class: 'button' }, 'Clear');
  const form = h('form', { class: 'form-grid filters', 'aria-label': 'Filter the activity log', role: 'search' },
    field('Actor', inputs.actor, 'User name'),
    field('Action', inputs.action, 'Exact, or a prefix ending in .*'),
    field('Since', inputs.since, 'Date, time or age (30m, 12h, 7d)'),
    h('div', { class: 'form-actions' },
      h('button', { type: 'submit', class: 'button button-primary' }, 'Apply'),
      clearButton));

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const next = {};
    for (const f of FILTERS) next[f] = inputs[f].value.trim();
    if (limit) next.limit = limit;
    ctx.navigate('activity', next);
  });
  clearButton.addEventListener('click', () => ctx.navigate('activity', limit ? { limit } : undefined));

  const columns = [
    { label: 'Time', cell: (e) => timeNode(e.time), class: 'nowrap' },
    { label: 'Actor', cell: (e) => e.actor ?? '' },
    { label: 'Action', cell: (e) => h('code', null, e.action ?? '') },
    { label: 'Object', class: 'wrap', cell: (e) => e.object ?? '' },
    { label: 'Details', cell: (e) => detailsText(e.details), class: 'details' },
  ];

  const query = { limit };
  for (const f of FILTERS) query[f] = params.get(f) || undefined;
  const filtered = FILTERS.some((f) => query[f]);

  let shown = 0;
  let tbody = null;
  const olderButton = h('button', { type: 'button', class: 'button' }, 'Older entries');
  const more = h('div', { class: 'pager', hidden: true }, olderButton);
  let nextBefore = null;

  function showPage(data) {
    const entries = Array.isArray(data.entries) ? data.entries : [];
    if (!tbody) {
      if (!entries.length) {
        replace(results, h('p', { class: 'empty' },
          filtered ? 'No entries match these filters.' : 'The activity log is empty.'));
      } else {
        const table = dataTable('Activity log', columns, entries);
        tbody = table.querySelector('tbody');
        replace(results, table);
      }
    } else {
      for (const e of entries) tbody.append(tableRow(columns, e));
    }
    shown += entries.length;
    nextBefore = data.next_before ?? null;
    more.hidden = nextBefore === null;
    summary.textContent = shown
      ? `Showing ${shown} ${shown === 1 ? 'entry' : 'entries'}, newest first${nextBefore === null ? '' : '; more are older'}.`
      : '';
  }

  olderButton.addEventListener('click', async () => {
    error.clear();
    olderButton.disabled = true;
    try {
      showPage(await api.log({ ...query, before: nextBefore }));
    } catch (err) {
      error.show(err.message);
    } finally {
      olderButton.disabled = false;
    }
  });

  container.append(
    h('h1', null, 'Activity'),
    h('p', { class: 'lead' }, 'Every change made or recorded by Ward, newest first.'),
    h('section', { class: 'card', 'aria-label': 'Filters' }, form, error.el),
    h('section', { class: 'card', 'aria-labelledby': 'activity-entries' },
      h('div', { class: 'card-head' }, h('h2', { id: 'activity-entries' }, 'Entries'), summary),
      results,
      more));

  try {
    showPage(await api.log(query));
  } catch (err) {
    replace(results);
    error.show(err.message);
  }
}
