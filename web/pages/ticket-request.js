// pages/ticket-request.js — the ticket page's "Software request" part (pages/ticket.js),
// shown when the ticket carries a request from the catalogue (GET
// /api/v1/software-requests?ticket=N): what was asked for, for which machine, and where
// it stands. Support staff with the item's approver role approve it (an optional note)
// or reject it (a reason, which the requester reads), and retry a failed installation.
// While the agent installs, the page asks again every few seconds (at most ten minutes,
// never after the page is left) and refreshes the ticket when the result is in.

import { h, replace, messageArea, field } from '../dom.js';
import { list, textArea } from './helpdesk-parts.js';
import { sw, packagesText } from './software-api.js';
import { requestBadge } from './software.js';
import { props } from './ticket.js';

const POLL_MS = 2000;
const POLL_FOR_MS = 10 * 60 * 1000;
const RANK = { employee: 0, support: 1, admin: 2 };

export function requestSection(page) {
  const error = messageArea('alert');
  const notice = messageArea('status');
  const info = h('div');
  const note = h('input', { type: 'text', name: 'approve-note', maxlength: '4096', autocomplete: 'off' });
  const approve = h('button', { type: 'submit', class: 'button button-primary' }, 'Approve and install');
  const approveForm = h('form', { class: 'form-stack', 'aria-label': 'Approve the request' },
    field('Note to the requester (optional)', note), h('div', { class: 'form-actions' }, approve));
  const reason = textArea('Reason (the requester reads it)', { name: 'reject-reason', rows: '2', maxlength: '4096' });
  const reject = h('button', { type: 'submit', class: 'button button-danger' }, 'Reject');
  const rejectForm = h('form', { class: 'form-stack', 'aria-label': 'Reject the request' },
    reason.el, h('div', { class: 'form-actions' }, reject));
  const el = h('section', { class: 'card', 'aria-labelledby': 'ticket-request', hidden: true },
    h('h2', { id: 'ticket-request' }, 'Software request'), info, approveForm, rejectForm, error.el, notice.el);
  let req = null;
  let timer = null;
  let until = 0;

  const mayDecide = () => page.staff && req
    && (RANK[page.ctx.user.role] ?? -1) >= (RANK[req.approver_role] ?? 1);

  function show() {
    el.hidden = !req;
    if (!req) return;
    replace(info, props([
      ['Software', h('strong', null, req.item)],
      ['Packages', packagesText(req.packages)],
      ['Machine', page.staff ? h('a', { href: `#/machines/${encodeURIComponent(req.host)}` }, req.host) : req.host],
      ['Status', requestBadge(req.status)],
      ['Decided by', req.decided_by || undefined],
      ['Installed', req.status === 'installed' ? packagesText(list(req.result && req.result.installed)) : undefined],
      ['Reason', req.status === 'rejected' ? req.reason : undefined],
    ]));
    const decide = mayDecide();
    approveForm.hidden = !decide || (req.status !== 'pending' && req.status !== 'failed');
    approve.textContent = req.status === 'failed' ? 'Retry the installation' : 'Approve and install';
    rejectForm.hidden = !decide || req.status !== 'pending';
  }

  async function load() {
    const res = await sw.requests({ ticket: page.ticket.number });
    req = list(res.requests)[0] || null;
    show();
  }

  async function poll() {
    timer = null;
    if (!req || req.status !== 'installing') return;
    try {
      const fresh = (await sw.request(req.id)).request;
      if (fresh.status !== 'installing') {
        req = fresh;
        await page.refresh();
        notice.show(fresh.status === 'installed' ? `Installed on ${fresh.host}; the ticket is resolved.`
          : 'The installation failed: the output is in the timeline as an internal note, and the ticket went to tier 2.');
        return;
      }
    } catch {
      /* try again at the next tick */
    }
    if (Date.now() < until) timer = setTimeout(poll, POLL_MS);
  }
  const watch = () => {
    until = Date.now() + POLL_FOR_MS;
    if (!timer && req && req.status === 'installing') timer = setTimeout(poll, POLL_MS);
  };
  page.onCleanup(() => {
    clearTimeout(timer);
    timer = null;
    until = 0;
  });

  approveForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.clear();
    notice.clear();
    approve.disabled = true;
    try {
      req = (await sw.approve(req.id, note.value.trim())).request;
      note.value = '';
      await page.refresh();
      notice.show(`Approved: installing on ${req.host} as job ${req.job}. The ticket is resolved when the agent reports success.`);
      watch();
    } catch (err) {
      error.show(err.message);
    } finally {
      approve.disabled = false;
    }
  });

  rejectForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.clear();
    notice.clear();
    const text = reason.input.value.trim();
    if (!text) {
      error.show('Say why the request is rejected: the requester reads it.');
      reason.input.focus();
      return;
    }
    reject.disabled = true;
    try {
      req = (await sw.reject(req.id, text)).request;
      reason.input.value = '';
      await page.refresh();
      notice.show('Rejected: the reason is a reply in the ticket, and the ticket is resolved.');
    } catch (err) {
      error.show(err.message);
    } finally {
      reject.disabled = false;
    }
  });

  load().then(watch).catch((err) => {
    el.hidden = false;
    error.show(err.message);
  });

  return {
    el,
    update() {
      show();
    },
  };
}
