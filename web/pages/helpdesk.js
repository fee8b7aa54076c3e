// pages/helpdesk.js — #/help-desk: for employees the portal (a new ticket, their tickets
// from GET /api/v1/tickets, a search of them), for support staff and admins the queue
// (pages/helpdesk-queue.js). #/help-desk/new is the new-ticket form (ticket-new.js) and
// #/help-desk/<number> one ticket (ticket.js).

import { h, replace, messageArea, dataTable, tableRow } from '../dom.js';
import { unixTimeNode, plural } from '../format.js';
import { hd } from './helpdesk-api.js';
import { isStaff, list, ticketHref, statusBadge, flashArea, ticketSearch } from './helpdesk-parts.js';
import { render as renderQueue } from './helpdesk-queue.js';
import { render as renderTicket } from './ticket.js';
import { render as renderNew } from './ticket-new.js';

export function render(container, ctx) {
  const [first, ...rest] = ctx.sub;
  if (first === 'new' && !rest.length) return renderNew(container, ctx);
  if (first !== undefined && /^[1-9][0-9]{0,17}$/.test(first) && !rest.length) return renderTicket(container, ctx);
  if (first !== undefined) {
    container.append(
      h('h1', null, 'Page not found'),
      h('p', { class: 'lead' }, 'There is no page at this address.'),
      h('p', null, h('a', { href: '#/help-desk' }, 'Back to the help desk')));
    return undefined;
  }
  return isStaff(ctx.user) ? renderQueue(container, ctx) : renderPortal(container, ctx);
}

/* ---- the employees' portal ---- */

async function renderPortal(container, ctx) {
  const flash = flashArea();
  const error = messageArea('alert');
  const holder = h('div', null, h('p', { class: 'muted' }, 'Loading…'));
  const summary = h('p', { class: 'muted small', role: 'status' });
  const moreButton = h('button', { type: 'button', class: 'button' }, 'Load more');
  const more = h('div', { class: 'pager', hidden: true }, moreButton);
  const limit = ctx.params.get('limit') || undefined;
  const search = ticketSearch({
    q: ctx.params.get('q') || '',
    staff: false,
    label: 'Search my tickets',
    onQuery: (q) => {
      const qs = new URLSearchParams();
      if (q) qs.set('q', q);
      if (limit) qs.set('limit', limit);
      const s = qs.toString();
      history.replaceState(null, '', '#/help-desk' + (s ? '?' + s : ''));
    },
  });

  const columns = [
    { label: 'Ticket', class: 'wrap', cell: (t) => h('a', { href: ticketHref(t.number), class: 'strong' }, `#${t.number} ${t.title}`) },
    { label: 'Status', cell: (t) => statusBadge(t.status, false) },
    { label: 'Opened', class: 'nowrap', cell: (t) => unixTimeNode(t.created_at) },
    { label: 'Updated', class: 'nowrap', cell: (t) => unixTimeNode(t.updated_at) },
  ];
  let tbody = null;
  let next = null;
  let shown = 0;
  function showPage(res) {
    const rows = list(res.tickets);
    if (!tbody) {
      if (!rows.length) {
        replace(holder, h('p', { class: 'empty' }, 'You have not asked for help yet.'));
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
    summary.textContent = shown ? `${plural(shown, 'ticket', 'tickets')}, newest first${next ? '; more are older' : ''}.` : '';
  }
  moreButton.addEventListener('click', async () => {
    error.clear();
    moreButton.disabled = true;
    try {
      showPage(await hd.tickets({ after: next, limit }));
    } catch (err) {
      error.show(err.message);
    } finally {
      moreButton.disabled = false;
    }
  });

  container.append(
    h('h1', null, 'Help desk'),
    h('p', { class: 'lead' }, 'Ask for help, and follow what happens to your requests.'),
    flash.el,
    h('section', { class: 'card', 'aria-labelledby': 'hd-ask' },
      h('h2', { id: 'hd-ask' }, 'Need help?'),
      h('p', null, 'Tell us what is wrong. While you type, Ward suggests articles from the ',
        h('a', { href: '#/knowledge-base' }, 'knowledge base'), ' that may already have the answer.'),
      h('div', { class: 'form-actions' }, h('a', { href: '#/help-desk/new', class: 'button button-primary' }, 'New ticket')),
      h('p', { class: 'muted small' }, 'Need a program installed? ', h('a', { href: '#/software' }, 'Request it from the software catalogue'), '.')),
    h('section', { class: 'card', 'aria-labelledby': 'hd-mine' },
      h('div', { class: 'card-head' }, h('h2', { id: 'hd-mine' }, 'My tickets'), summary),
      error.el,
      holder,
      more),
    h('section', { class: 'card', 'aria-labelledby': 'hd-search' },
      h('h2', { id: 'hd-search' }, 'Search'),
      search.el));

  try {
    showPage(await hd.tickets({ limit }));
  } catch (err) {
    replace(holder);
    error.show(err.message);
  }
  return () => search.stop();
}
