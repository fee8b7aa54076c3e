// pages/helpdesk-queue.js — support and admin: the ticket queue (GET /api/v1/tickets) with
// its filters (assignee, tier, status or "active", SLA at risk / breached, tag) and sort
// (soonest due first, or newest), paged with the keyset cursor ("Load more" sends `next`
// as `after`); the ticket search (GET /api/v1/search); and the canned responses
// (GET/POST /api/v1/canned, DELETE for admins). Filters, sort and search live in the
// address (#/help-desk?assignee=me&status=open&sort=new&q=...), kept with replaceState.

import { h, replace, messageArea, field, dataTable, tableRow } from '../dom.js';
import { unixTimeNode, priorityLabel, dueText, plural } from '../format.js';
import { hd } from './helpdesk-api.js';
import { list, ticketHref, statusBadge, slaSummaryBadge, flashArea, ticketSearch, textArea, prose } from './helpdesk-parts.js';

const TAG_DELAY_MS = 300;
const STATUSES = [
  ['active', 'Active'], ['any', 'Any'], ['new', 'New'], ['open', 'Open'],
  ['pending', 'Pending'], ['resolved', 'Resolved'], ['closed', 'Closed'],
];

export async function render(container, ctx) {
  const { params } = ctx;
  const state = {
    assignee: params.get('assignee') || '',
    tier: ['1', '2'].includes(params.get('tier')) ? params.get('tier') : '',
    status: STATUSES.some(([v]) => v === params.get('status')) ? params.get('status') : 'active',
    tag: params.get('tag') || '',
    at_risk: params.get('at_risk') === '1',
    breached: params.get('breached') === '1',
    sort: params.get('sort') === 'new' ? 'new' : 'due',
    q: params.get('q') || '',
  };
  const limit = params.get('limit') || undefined; // short pages, for people and tests

  function keepAddress() {
    const qs = new URLSearchParams();
    if (state.assignee) qs.set('assignee', state.assignee);
    if (state.tier) qs.set('tier', state.tier);
    if (state.status !== 'active') qs.set('status', state.status);
    if (state.tag) qs.set('tag', state.tag);
    if (state.at_risk) qs.set('at_risk', '1');
    if (state.breached) qs.set('breached', '1');
    if (state.sort !== 'due') qs.set('sort', state.sort);
    if (state.q) qs.set('q', state.q);
    if (limit) qs.set('limit', limit);
    const s = qs.toString();
    history.replaceState(null, '', '#/help-desk' + (s ? '?' + s : ''));
  }

  const flash = flashArea();
  const error = messageArea('alert');

  /* ---- filters ---- */
  const assignee = h('select', { name: 'assignee' });
  const fillAssignees = (names) => {
    const options = [['', 'Anyone'], ['me', 'Me'], ['none', 'Nobody (unassigned)'],
      ...names.filter((n) => n !== ctx.user.name).map((n) => [n, n])];
    if (state.assignee && !options.some(([v]) => v === state.assignee)) options.push([state.assignee, state.assignee]);
    replace(assignee, options.map(([v, label]) => h('option', { value: v }, label)));
    assignee.value = state.assignee;
  };
  fillAssignees([]);
  const tier = h('select', { name: 'tier' },
    h('option', { value: '' }, 'Any'), h('option', { value: '1' }, 'Tier 1 (first level)'), h('option', { value: '2' }, 'Tier 2 (generalist)'));
  tier.value = state.tier;
  const status = h('select', { name: 'status' }, STATUSES.map(([v, label]) => h('option', { value: v }, label)));
  status.value = state.status;
  const tag = h('input', { name: 'tag', type: 'text', autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false', placeholder: 'hardware' });
  tag.value = state.tag;
  const atRisk = h('input', { type: 'checkbox', name: 'at_risk' });
  atRisk.checked = state.at_risk;
  const breached = h('input', { type: 'checkbox', name: 'breached' });
  breached.checked = state.breached;
  const sort = h('select', { name: 'sort' },
    h('option', { value: 'due' }, 'Due soonest first'), h('option', { value: 'new' }, 'Newest first'));
  sort.value = state.sort;
  const clear = h('button', { type: 'button', class: 'button' }, 'Clear filters');
  const form = h('form', { class: 'form-grid filters', role: 'search', 'aria-label': 'Filter the queue' },
    field('Assigned to', assignee),
    field('Tier', tier),
    field('Status', status, 'Active: new, open or pending'),
    field('Tag', tag),
    field('Sort', sort),
    h('div', { class: 'field field-check' },
      h('label', { class: 'check' }, atRisk, h('span', null, 'SLA at risk')),
      h('label', { class: 'check check-tight' }, breached, h('span', null, 'SLA breached'))),
    h('div', { class: 'form-actions' }, clear));

  /* ---- the table ---- */
  const columns = [
    { label: 'Ticket', class: 'wrap', cell: (t) => [h('a', { href: ticketHref(t.number), class: 'strong' }, `#${t.number} ${t.title}`),
      list(t.tags).length ? h('ul', { class: 'tags', 'aria-label': 'Tags' }, list(t.tags).map((x) => h('li', { class: 'tag' }, x))) : null] },
    { label: 'Status', cell: (t) => statusBadge(t.status) },
    { label: 'Priority', cell: (t) => priorityLabel(t.priority) },
    { label: 'Tier', class: 'num', cell: (t) => String(t.tier ?? '') },
    { label: 'Requester', cell: (t) => t.requester || h('span', { class: 'muted' }, '—') },
    { label: 'Assignee', cell: (t) => t.assignee || h('span', { class: 'muted' }, 'nobody') },
    { label: 'Resolve by', class: 'nowrap', cell: (t) => dueCell(t) },
    { label: 'Updated', class: 'nowrap', cell: (t) => unixTimeNode(t.updated_at) },
  ];
  const holder = h('div', null, h('p', { class: 'muted' }, 'Loading…'));
  const summary = h('p', { class: 'muted small', role: 'status' });
  const moreButton = h('button', { type: 'button', class: 'button' }, 'Load more');
  const more = h('div', { class: 'pager', hidden: true }, moreButton);
  let tbody = null;
  let next = null;
  let shown = 0;
  let seq = 0;
  let timer = null;

  const query = (after) => ({
    assignee: state.assignee || undefined,
    tier: state.tier || undefined,
    status: state.status === 'any' ? undefined : state.status,
    tag: state.tag || undefined,
    at_risk: state.at_risk ? 1 : undefined,
    breached: state.breached ? 1 : undefined,
    sort: state.sort,
    after,
    limit,
  });
  const filtered = () => Boolean(state.assignee || state.tier || state.status !== 'active' || state.tag || state.at_risk || state.breached);

  function showPage(res, append) {
    const rows = list(res.tickets);
    if (!append) {
      tbody = null;
      shown = 0;
    }
    if (!tbody) {
      if (!rows.length) {
        replace(holder, h('p', { class: 'empty' }, filtered() ? 'No tickets match these filters.' : 'The queue is empty: nothing to do.'));
      } else {
        const table = dataTable('Tickets', columns, rows);
        tbody = table.querySelector('tbody');
        replace(holder, table);
      }
    } else {
      for (const t of rows) tbody.append(tableRow(columns, t));
    }
    shown += rows.length;
    next = res.next ?? null;
    more.hidden = next === null;
    summary.textContent = shown
      ? `Showing ${plural(shown, 'ticket', 'tickets')}, ${state.sort === 'due' ? 'soonest due first' : 'newest first'}${next ? '; there are more' : ''}.`
      : '';
  }

  async function load() {
    const mine = ++seq;
    error.clear();
    try {
      const res = await hd.tickets(query());
      if (mine !== seq || !container.isConnected) return;
      showPage(res, false);
    } catch (err) {
      if (mine !== seq || !container.isConnected) return;
      replace(holder);
      more.hidden = true;
      summary.textContent = '';
      error.show(err.message);
    }
  }

  moreButton.addEventListener('click', async () => {
    const mine = seq;
    error.clear();
    moreButton.disabled = true;
    try {
      const res = await hd.tickets(query(next));
      if (mine === seq) showPage(res, true);
    } catch (err) {
      error.show(err.message);
    } finally {
      moreButton.disabled = false;
    }
  });

  function changed({ now = true } = {}) {
    state.assignee = assignee.value;
    state.tier = tier.value;
    state.status = status.value;
    state.tag = tag.value.trim();
    state.at_risk = atRisk.checked;
    state.breached = breached.checked;
    state.sort = sort.value;
    keepAddress();
    clearTimeout(timer);
    if (now) load();
    else timer = setTimeout(load, TAG_DELAY_MS);
  }
  for (const el of [assignee, tier, status, sort, atRisk, breached]) el.addEventListener('change', () => changed());
  tag.addEventListener('input', () => changed({ now: false }));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    changed();
  });
  clear.addEventListener('click', () => {
    assignee.value = '';
    tier.value = '';
    status.value = 'active';
    tag.value = '';
    atRisk.checked = false;
    breached.checked = false;
    sort.value = 'due';
    changed();
    assignee.focus();
  });

  const search = ticketSearch({
    q: state.q,
    onQuery: (q) => {
      state.q = q;
      keepAddress();
    },
  });

  container.append(
    h('h1', null, 'Help desk'),
    h('p', { class: 'lead' }, 'The queue: every ticket still to be worked, soonest due first.'),
    flash.el,
    h('div', { class: 'form-actions page-actions' }, h('a', { href: '#/help-desk/new', class: 'button button-primary' }, 'New ticket')),
    h('section', { class: 'card', 'aria-labelledby': 'hd-queue' },
      h('div', { class: 'card-head' }, h('h2', { id: 'hd-queue' }, 'Queue'), summary),
      form,
      error.el,
      holder,
      more),
    h('section', { class: 'card', 'aria-labelledby': 'hd-search' },
      h('h2', { id: 'hd-search' }, 'Search'),
      search.el),
    cannedSection(ctx));

  hd.staff().then((res) => {
    if (container.isConnected) fillAssignees(list(res.staff).map((s) => s.name).sort());
  }).catch(() => { /* the picker keeps Anyone, Me and Nobody */ });
  await load();
  return () => {
    clearTimeout(timer);
    search.stop();
  };
}

/** The resolution due time, how far off, and the SLA badge. */
function dueCell(t) {
  const badge = slaSummaryBadge(t);
  if (!t.resolve_due_at) return [h('span', { class: 'muted' }, t.status === 'pending' ? 'paused' : '—'), badge ? ' ' : null, badge];
  return [unixTimeNode(t.resolve_due_at), h('span', { class: 'muted small block' }, dueText(t.resolve_due_at)), badge];
}

/* ---- canned responses ---- */

function cannedSection(ctx) {
  const error = messageArea('alert');
  const notice = messageArea('status');
  const items = h('ul', { class: 'canned-list', 'aria-label': 'Canned responses' });
  const empty = h('p', { class: 'empty', hidden: true }, 'None yet.');
  const title = h('input', { name: 'canned-title', type: 'text', autocomplete: 'off', maxlength: '200' });
  const body = textArea('Text', { name: 'canned-body', rows: '4' });
  const add = h('button', { type: 'submit', class: 'button' }, 'Add the response');
  const form = h('form', { class: 'form-stack canned-form', 'aria-label': 'Add a canned response' },
    field('Title', title, 'What it is for, e.g. "Restart the printer"'),
    body.el,
    h('div', { class: 'form-actions' }, add));

  function show(rows) {
    empty.hidden = rows.length > 0;
    replace(items, rows.map((c) => h('li', { class: 'canned' },
      h('div', { class: 'canned-head' },
        h('span', { class: 'strong' }, c.title),
        ctx.isAdmin ? h('button', {
          type: 'button',
          class: 'button button-small button-danger',
          'aria-label': `Delete the canned response ${c.title}`,
          on: { click: () => remove(c) },
        }, 'Delete') : null),
      prose(c.body, 'muted small'))));
  }
  async function load() {
    try {
      show(list((await hd.canned()).canned));
    } catch (err) {
      error.show(err.message);
    }
  }
  async function remove(c) {
    error.clear();
    notice.clear();
    try {
      await hd.removeCanned(c.id);
      notice.show(`Deleted “${c.title}”.`);
      await load();
      title.focus();
    } catch (err) {
      error.show(err.message);
    }
  }
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.clear();
    notice.clear();
    add.disabled = true;
    try {
      await hd.addCanned(title.value.trim(), body.input.value);
      notice.show(`Added “${title.value.trim()}”.`);
      title.value = '';
      body.input.value = '';
      await load();
    } catch (err) {
      error.show(err.message);
    } finally {
      add.disabled = false;
    }
  });
  load();
  const details = h('details', { class: 'canned-details' },
    h('summary', null, 'Show and add canned responses'),
    h('p', { class: 'muted small' }, 'Ready-made replies, inserted into the reply box on a ticket.'),
    items, empty, form);
  return h('section', { class: 'card', 'aria-labelledby': 'hd-canned' },
    h('h2', { id: 'hd-canned' }, 'Canned responses'),
    details, error.el, notice.el);
}
