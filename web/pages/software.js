// pages/software.js — #/software: the catalogue of approved software. Everyone sees what
// they may request and asks for it for one of their machines (POST /api/v1/software-requests,
// which files a help-desk ticket: the page then opens it); their requests follow. Support
// staff and admins see every request, open ones first; admins also manage the catalogue
// (pages/software-admin.js).

import { h, replace, messageArea, field, dataTable } from '../dom.js';
import { timeNode } from '../format.js';
import { isStaff, list, ticketHref, flashArea, setFlash, textArea } from './helpdesk-parts.js';
import { sw, packagesText, requestStatusLabel } from './software-api.js';
import { catalogAdmin } from './software-admin.js';

export function requestBadge(status) {
  return h('span', { class: `badge badge-request badge-request-${String(status || '').replace(/[^a-z]/g, '')}` },
    requestStatusLabel(status));
}

export async function render(container, ctx) {
  const staff = isStaff(ctx.user);
  const admin = ctx.user && ctx.user.role === 'admin';
  const flash = flashArea();
  const error = messageArea('alert');
  const offer = h('div', null, h('p', { class: 'muted' }, 'Loading…'));
  const requests = h('div', null, h('p', { class: 'muted' }, 'Loading…'));
  const requestsError = messageArea('alert');
  container.append(
    h('h1', null, 'Software'),
    h('p', { class: 'lead' }, 'Approved software you can ask for. A request becomes a help-desk ticket; once it is approved, Ward installs the software on your machine and tells you in the ticket.'),
    flash.el,
    h('section', { class: 'card', 'aria-labelledby': 'sw-offer' }, h('h2', { id: 'sw-offer' }, 'Request software'), error.el, offer),
    h('section', { class: 'card', 'aria-labelledby': 'sw-requests' },
      h('h2', { id: 'sw-requests' }, staff ? 'Requests' : 'My requests'), requestsError.el, requests));

  let adminPart = null;
  if (admin) {
    adminPart = catalogAdmin({ onChange: () => loadOffer() });
    container.append(adminPart.el);
  }

  async function loadOffer() {
    try {
      const res = await sw.catalog();
      if (!container.isConnected) return;
      replace(offer, offerView(list(res.items), list(res.machines)));
      if (adminPart) adminPart.update(list(res.items));
    } catch (err) {
      replace(offer);
      error.show(err.message);
    }
  }

  async function loadRequests() {
    try {
      const res = await sw.requests({ limit: 100 });
      if (!container.isConnected) return;
      const rows = list(res.requests);
      const columns = [
        { label: 'Request', class: 'wrap', cell: (r) => h('a', { href: ticketHref(r.ticket), class: 'strong' }, `${r.item} on ${r.host}`) },
        staff ? { label: 'Requester', cell: (r) => r.requester } : null,
        { label: 'Status', cell: (r) => requestBadge(r.status) },
        { label: 'Ticket', cell: (r) => h('a', { href: ticketHref(r.ticket) }, `#${r.ticket}`) },
        { label: 'Asked', class: 'nowrap', cell: (r) => timeNode(r.created_at) },
      ].filter(Boolean);
      replace(requests, rows.length ? dataTable('Software requests', columns, rows)
        : h('p', { class: 'empty' }, staff ? 'Nobody has requested software yet.' : 'You have not requested any software yet.'));
    } catch (err) {
      replace(requests);
      requestsError.show(err.message);
    }
  }

  /** The items offered, each with a request form. */
  function offerView(items, machines) {
    if (!items.length) return h('p', { class: 'empty' }, 'There is no software in the catalogue for you yet.');
    const note = machines.length ? null : h('p', { class: 'message message-error', role: 'note' },
      'No machine in the inventory is registered to you, so you cannot request software yet. Ask IT to set you as your machine\'s owner.');
    return [note, h('ul', { class: 'catalog-list', 'aria-label': 'Catalogue' }, items.map((it) => h('li', { class: 'catalog-item' },
      itemCard(it, machines))))];
  }

  function itemCard(it, machines) {
    const formError = messageArea('alert');
    const select = h('select', { name: 'host' }, machines.map((m) => h('option', { value: m.name }, m.name)));
    const noteField = textArea('Why do you need it? (optional)', { name: 'note', rows: '2', maxlength: '4096' });
    const send = h('button', { type: 'submit', class: 'button button-primary' }, `Request ${it.name}`);
    const form = h('form', { class: 'form-stack', 'aria-label': `Request ${it.name}` },
      machines.length > 1 ? field('For the machine', select)
        : machines.length === 1 ? h('p', { class: 'muted small' }, 'For your machine ', h('strong', null, machines[0].name), '.') : null,
      noteField.el, h('div', { class: 'form-actions' }, send), formError.el);
    form.hidden = !machines.length;
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      formError.clear();
      send.disabled = true;
      try {
        const body = { item: it.name };
        if (machines.length > 1) body.host = select.value;
        const text = noteField.input.value.trim();
        if (text) body.note = text;
        const res = await sw.ask(body);
        setFlash(res.request.status === 'installing'
          ? `Your request for ${it.name} needs no approval: it is being installed on ${res.request.host}. This ticket follows it.`
          : `Your request for ${it.name} is ticket #${res.request.ticket}. You will see here when it is approved and installed.`);
        window.location.hash = ticketHref(res.request.ticket);
      } catch (err) {
        formError.show(err.message);
      } finally {
        send.disabled = false;
      }
    });
    return [
      h('h3', null, it.name),
      h('p', null, it.description),
      h('p', { class: 'muted small' }, `Packages: ${packagesText(it.packages)}. `,
        it.approval ? `Needs approval by ${it.approver_role === 'admin' ? 'an administrator' : 'support staff'}.` : 'No approval needed.'),
      form,
    ];
  }

  await Promise.all([loadOffer(), loadRequests()]);
  return undefined;
}
