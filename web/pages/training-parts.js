// pages/training-parts.js — pieces the training pages share: addresses, the status
// badge, due times with how far off they are, progress in words, the change-note badge,
// a table that pages with "Load more", and a "Page not found" for addresses below
// #/training that name nothing.

import { h, replace, messageArea, dataTable, tableRow } from '../dom.js';
import { timeNode, dueText, isoSeconds, trainingStatusLabel, percentText, plural } from '../format.js';

const dash = () => h('span', { class: 'muted' }, '—');

/** <dl class="props"> from [label, value] pairs; pairs whose value is undefined are left out. */
export function props(pairs) {
  return h('dl', { class: 'props' }, pairs.filter(([, v]) => v !== undefined).map(([k, v]) => h('div', { class: 'prop' },
    h('dt', null, k),
    h('dd', null, v === null || v === '' ? dash() : v))));
}

export const courseHref = (id, params) => {
  const qs = params ? new URLSearchParams(params).toString() : '';
  return `#/training/${encodeURIComponent(id)}${qs ? '?' + qs : ''}`;
};
export const lessonHref = (id, n) => `#/training/${encodeURIComponent(id)}/lessons/${encodeURIComponent(n)}`;

export function statusBadge(status) {
  return h('span', { class: `badge badge-training badge-training-${String(status || '').replace(/[^a-z]/g, '')}` },
    trainingStatusLabel(status));
}

/** A due time and how far off it is; "No due date" for none. */
export function dueNode(iso, status) {
  if (!iso) return h('span', { class: 'muted' }, 'No due date');
  const late = status === 'overdue';
  return h('span', { class: 'due' + (late ? ' due-late' : '') }, timeNode(iso),
    status === 'completed' ? null : h('span', { class: late ? 'small' : 'muted small' }, ` (${dueText(isoSeconds(iso))})`));
}

/** "1 of 2 lessons read". */
export function lessonsText(a) {
  return `${Number(a.lessons_read) || 0} of ${plural(Number(a.lessons) || 0, 'lesson', 'lessons')} read`;
}

/** The best score, or what is left to do: "85%", "—". */
export function scoreText(a) {
  return a.score === null || a.score === undefined ? '—' : percentText(a.score);
}

/** "Change note: curl" for a notice; nothing for a course. */
export function kindBadge(course) {
  if (course.kind !== 'notice') return null;
  return h('span', { class: 'badge badge-notice' }, course.package ? `Change note: ${course.package}` : 'Change note');
}

/** Where an assignment came from: "user" -> "Directly", "role:employee" -> "Role employee". */
export function viaText(via) {
  const v = String(via || '');
  if (v === 'user') return 'Directly';
  const [kind, ...rest] = v.split(':');
  const what = rest.join(':');
  if (kind === 'role') return `Role ${what}`;
  if (kind === 'package') return `Program ${what}`;
  if (kind === 'notice') return `Change note for ${what}`;
  return v;
}

export function notFound(container) {
  container.append(
    h('h1', null, 'Page not found'),
    h('p', { class: 'lead' }, 'There is no page at this address.'),
    h('p', null, h('a', { href: '#/training' }, 'Back to training')));
}

/**
 * A table filled by load(after) -> {rows, next} (next: the next page's `after`, or
 * null), with "Load more" while there is a next page and `empty` when there are no rows.
 * reload() starts again from the first page; answers to older loads are dropped.
 * Returns {el, reload, rows()}.
 */
export function pagedTable({ caption, columns, load, empty }) {
  const error = messageArea('alert');
  const holder = h('div', null, h('p', { class: 'muted' }, 'Loading…'));
  const moreButton = h('button', { type: 'button', class: 'button' }, 'Load more');
  const more = h('div', { class: 'pager', hidden: true }, moreButton);
  let tbody = null;
  let next = null;
  let seq = 0;
  let shown = [];

  function show(page, append) {
    if (!append) {
      tbody = null;
      shown = [];
    }
    if (!tbody) {
      if (!page.rows.length) {
        replace(holder, h('p', { class: 'empty' }, empty));
      } else {
        const table = dataTable(caption, columns, page.rows);
        tbody = table.querySelector('tbody');
        replace(holder, table);
      }
    } else {
      for (const row of page.rows) tbody.append(tableRow(columns, row));
    }
    shown = shown.concat(page.rows);
    next = page.next ?? null;
    more.hidden = next === null;
  }
  async function reload() {
    const mine = ++seq;
    error.clear();
    try {
      const page = await load(undefined);
      if (mine === seq) show(page, false);
    } catch (err) {
      if (mine !== seq) return;
      replace(holder);
      more.hidden = true;
      error.show(err.message);
    }
  }
  moreButton.addEventListener('click', async () => {
    const mine = seq;
    error.clear();
    moreButton.disabled = true;
    try {
      const page = await load(next);
      if (mine === seq) show(page, true);
    } catch (err) {
      error.show(err.message);
    } finally {
      moreButton.disabled = false;
    }
  });
  return { el: h('div', null, error.el, holder, more), reload, rows: () => shown };
}
