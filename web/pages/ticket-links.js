// pages/ticket-links.js — the ticket page's "Related tickets" for support staff and admins
// (pages/ticket.js): the linked tickets, linking another one and unlinking (POST
// /api/v1/tickets/{n}/links, both ways), and merging this ticket, a duplicate, into the
// original (POST .../merge) after a confirmation step in the page that names the original.

import { h, replace, messageArea, field } from '../dom.js';
import { hd } from './helpdesk-api.js';
import { list, ticketHref, statusBadge } from './helpdesk-parts.js';

/** "42" or "#42" -> 42; anything else -> null. */
function ticketNumber(text) {
  const m = /^#?\s*([1-9][0-9]{0,17})$/.exec(String(text).trim());
  return m ? Number(m[1]) : null;
}

export function linksSection(page) {
  const error = messageArea('alert');
  const notice = messageArea('status');
  const linked = h('ul', { class: 'linked', 'aria-label': 'Linked tickets' });
  const none = h('p', { class: 'empty' }, 'No linked tickets.');

  /* ---- link ---- */
  const other = h('input', { name: 'link-ticket', type: 'text', inputmode: 'numeric', autocomplete: 'off', placeholder: '42' });
  const link = h('button', { type: 'submit', class: 'button' }, 'Link');
  const linkForm = h('form', { class: 'work-part', 'aria-label': 'Link a ticket' },
    field('Ticket number', other, 'A ticket about the same problem, or one this one depends on'),
    h('div', { class: 'form-actions' }, link));
  linkForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.clear();
    notice.clear();
    const m = ticketNumber(other.value);
    if (m === null) {
      error.show('Give the other ticket\'s number, such as 42.');
      other.focus();
      return;
    }
    link.disabled = true;
    try {
      await hd.link(page.ticket.number, m);
      other.value = '';
      await page.refresh();
      notice.show(`Linked #${m}.`);
    } catch (err) {
      error.show(err.message);
    } finally {
      link.disabled = false;
    }
  });

  async function unlink(m, button) {
    error.clear();
    notice.clear();
    button.disabled = true;
    try {
      await hd.unlink(page.ticket.number, m);
      await page.refresh();
      notice.show(`Unlinked #${m}.`);
      other.focus();
    } catch (err) {
      error.show(err.message);
      button.disabled = false;
    }
  }

  /* ---- merge, after a confirmation ---- */
  const into = h('input', { name: 'merge-into', type: 'text', inputmode: 'numeric', autocomplete: 'off', placeholder: '42' });
  const merge = h('button', { type: 'submit', class: 'button' }, 'Merge…');
  const mergeForm = h('form', { class: 'work-part', 'aria-label': 'Merge into another ticket' },
    field('Merge into ticket number', into, 'When this ticket is a duplicate: the original it should join'),
    h('div', { class: 'form-actions' }, merge));
  const question = h('p', { class: 'strong', tabindex: '-1', id: 'ticket-merge-question' });
  const consequence = h('p', { class: 'small' });
  const yes = h('button', { type: 'button', class: 'button button-danger-solid' }, 'Yes, merge it');
  const no = h('button', { type: 'button', class: 'button' }, 'Cancel');
  const confirm = h('div', { class: 'confirm work-wide', role: 'group', 'aria-labelledby': 'ticket-merge-question', hidden: true },
    question, consequence, h('div', { class: 'form-actions' }, yes, no));
  let target = null;

  const closeConfirm = () => {
    confirm.hidden = true;
    merge.disabled = false;
    target = null;
  };
  mergeForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.clear();
    notice.clear();
    const m = ticketNumber(into.value);
    if (m === null) {
      error.show('Give the original ticket\'s number, such as 42.');
      into.focus();
      return;
    }
    const n = page.ticket.number;
    if (m === n) {
      error.show('A ticket cannot be merged into itself.');
      into.focus();
      return;
    }
    merge.disabled = true;
    let original;
    try {
      original = (await hd.ticket(m)).ticket;
    } catch (err) {
      error.show(err.message);
      merge.disabled = false;
      return;
    }
    target = original;
    question.textContent = `Merge #${n} into #${original.number} “${original.title}”?`;
    consequence.textContent = `#${n} will be closed and point to #${original.number}, the two are linked, and both timelines say so. `
      + 'A closed ticket cannot be opened again.';
    confirm.hidden = false;
    question.focus();
  });
  no.addEventListener('click', () => {
    closeConfirm();
    into.focus();
  });
  yes.addEventListener('click', async () => {
    if (!target) return;
    const m = target.number;
    error.clear();
    yes.disabled = true;
    try {
      await hd.merge(page.ticket.number, m);
      into.value = '';
      closeConfirm();
      await page.refresh();
      page.notice(`Merged #${page.ticket.number} into #${m}.`);
    } catch (err) {
      error.show(err.message);
    } finally {
      yes.disabled = false;
    }
  });

  const mergedNote = h('p', { class: 'muted', hidden: true });
  const el = h('section', { class: 'card', 'aria-labelledby': 'ticket-related' },
    h('h2', { id: 'ticket-related' }, 'Related tickets'),
    linked, none,
    h('div', { class: 'work-grid' }, linkForm, mergeForm, confirm),
    mergedNote, error.el, notice.el);

  return {
    el,
    update(t) {
      const links = list(t.links);
      none.hidden = links.length > 0;
      replace(linked, links.map((l) => h('li', { class: 'linked-ticket' },
        h('a', { href: ticketHref(l.number) }, `#${l.number} ${l.title}`), ' ', statusBadge(l.status), ' ',
        h('button', {
          type: 'button', class: 'button button-small', 'aria-label': `Unlink #${l.number}`,
          on: { click: (e) => unlink(l.number, e.currentTarget) },
        }, 'Unlink'))));
      const closed = t.status === 'closed';
      mergeForm.hidden = closed;
      if (closed) closeConfirm();
      mergedNote.hidden = !t.merged_into;
      replace(mergedNote, t.merged_into ? ['Merged into ', h('a', { href: ticketHref(t.merged_into) }, `#${t.merged_into}`), '.'] : null);
    },
  };
}
