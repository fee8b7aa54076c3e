// pages/maintenance.js — #/maintenance: the maintenance windows (GET
// /api/v1/maintenance/windows), each with when it is in words, the machines it is for,
// and whether it is open now or when it next opens; #/maintenance/<name>: one window
// with its next occurrences (in the reader's time and the window's own zone) and its
// machines, and for admins Edit and Remove (a confirmation step in the page, DELETE).
// #/maintenance/_new and #/maintenance/<name>/edit: the window's form
// (maintenance-edit.js). Support staff read; admins change (docs/web.md).

import { request } from '../api.js';
import { h, replace, messageArea, dataTable } from '../dom.js';
import { timeNode } from '../format.js';
import { flashArea, setFlash } from './helpdesk-parts.js';
import { render as renderEditor } from './maintenance-edit.js';

export const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
export const DAY_LABELS = { mon: 'Mon', tue: 'Tue', wed: 'Wed', thu: 'Thu', fri: 'Fri', sat: 'Sat', sun: 'Sun' };

const list = (v) => (Array.isArray(v) ? v : []);
const dash = () => h('span', { class: 'muted' }, '—');
export const windowHref = (name) => '#/maintenance/' + encodeURIComponent(name);
const machineHref = (name) => '#/machines/' + encodeURIComponent(name);

/** 180 -> "3 h", 90 -> "1 h 30 min", 2880 -> "2 days", 45 -> "45 min". */
export function minutesText(minutes) {
  const m = Number(minutes);
  if (!Number.isFinite(m) || m < 0) return '';
  const days = Math.floor(m / 1440);
  const hours = Math.floor((m % 1440) / 60);
  const mins = m % 60;
  return [days ? `${days} ${days === 1 ? 'day' : 'days'}` : '', hours ? `${hours} h` : '', mins ? `${mins} min` : '']
    .filter(Boolean).join(' ') || '0 min';
}

/** ["sat", "sun"] -> "Sat, Sun"; every day -> "Every day"; Monday to Friday -> "Mon–Fri". */
export function daysText(days) {
  const d = DAYS.filter((x) => list(days).includes(x));
  if (d.length === 7) return 'Every day';
  if (d.join() === 'mon,tue,wed,thu,fri') return 'Mon–Fri';
  return d.map((x) => DAY_LABELS[x]).join(', ');
}

/** "Sat, Sun 02:00 for 3 h (Europe/Berlin)". */
export function whenText(w) {
  return `${daysText(w.days)} ${w.start} for ${minutesText(w.duration_minutes)} (${w.timezone})`;
}

/** The machines a window names: "All machines", "web1, db1", "tags web, db" or both. */
export function selectionText(w) {
  if (w.all) return 'All machines';
  const tags = list(w.tags);
  return [list(w.hosts).join(', '), tags.length ? `${tags.length === 1 ? 'tag' : 'tags'} ${tags.join(', ')}` : '']
    .filter(Boolean).join('; ');
}

/** An ISO time as the window's zone tells it: "Sat 28 Nov, 02:00". */
function zoneTime(iso, zone) {
  try {
    return new Intl.DateTimeFormat('en-GB', {
      timeZone: zone, weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
    }).format(new Date(iso));
  } catch {
    return '';
  }
}

/** Open now (until when), or when it next opens; the local time with UTC as its title. */
function nowCell(w) {
  const next = list(w.next)[0];
  if (!next) return dash();
  if (w.open) return [h('span', { class: 'badge badge-run badge-run-running' }, 'Open now'), ' until ', timeNode(next.end)];
  return ['Opens ', timeNode(next.start)];
}

export function render(container, ctx) {
  const { sub } = ctx;
  if (sub.length === 1 && sub[0] === '_new') return renderEditor(container, ctx, null);
  if (sub.length === 2 && sub[1] === 'edit') return renderEditor(container, ctx, sub[0]);
  if (sub.length === 1) return renderWindow(container, ctx, sub[0]);
  if (sub.length > 1) {
    container.append(h('h1', null, 'Page not found'), h('p', null, h('a', { href: '#/maintenance' }, 'Back to maintenance')));
    return undefined;
  }
  return renderList(container, ctx);
}

/* ---- the windows ---- */

async function renderList(container, ctx) {
  const admin = ctx.user && ctx.user.role === 'admin';
  const error = messageArea('alert');
  const notice = flashArea();
  const holder = h('div', null, h('p', { class: 'muted' }, 'Loading…'));
  container.append(
    h('h1', null, 'Maintenance'),
    h('p', { class: 'lead' }, 'Maintenance windows: the weekly times each machine may be changed. Upgrade runs planned “in the window” start a machine’s upgrade only while one of its windows is open. Recurring maintenance tasks with due and overdue dates, and a record of improvements, come in a later release.'),
    error.el, notice.el,
    h('section', { class: 'card', 'aria-labelledby': 'maint-windows' },
      h('div', { class: 'card-head' }, h('h2', { id: 'maint-windows' }, 'Windows'),
        admin ? h('a', { href: '#/maintenance/_new', class: 'button button-primary' }, 'New maintenance window') : null),
      holder));
  const columns = [
    { label: 'Window', class: 'wrap', cell: (w) => [h('a', { href: windowHref(w.name), class: 'strong' }, w.name),
      w.description ? h('div', { class: 'muted small' }, w.description.split('\n')[0]) : null] },
    { label: 'When', class: 'wrap', cell: (w) => whenText(w) },
    { label: 'Machines', class: 'wrap', cell: (w) => {
      const names = list(w.machines);
      const shown = names.slice(0, 5).join(', ') + (names.length > 5 ? ` and ${names.length - 5} more` : '');
      return [selectionText(w), h('div', { class: 'muted small' }, names.length ? shown : 'no enrolled machine yet')];
    } },
    { label: 'Now or next', class: 'nowrap', cell: nowCell },
  ];
  try {
    const windows = list((await request('GET', '/maintenance/windows')).windows);
    replace(holder, windows.length
      ? dataTable('Maintenance windows', columns, windows)
      : h('p', { class: 'empty' }, admin
        ? 'No maintenance windows yet. Add one with “New maintenance window” or ‘ward window add’.'
        : 'No maintenance windows yet. Administrators add them.'));
  } catch (err) {
    replace(holder);
    error.show(err.message);
  }
  return undefined;
}

/* ---- one window ---- */

async function renderWindow(container, ctx, name) {
  const admin = ctx.user && ctx.user.role === 'admin';
  const error = messageArea('alert');
  const notice = flashArea();
  const heading = h('h1', null, name);
  const body = h('div', { class: 'stack' }, h('p', { class: 'muted' }, 'Loading…'));
  container.append(h('p', { class: 'small' }, h('a', { href: '#/maintenance' }, '← All maintenance windows')),
    heading, error.el, notice.el, body);

  let w;
  try {
    w = (await request('GET', `/maintenance/windows/${encodeURIComponent(name)}`)).window;
  } catch (err) {
    if (!container.isConnected) return undefined;
    if (err.status === 404) heading.textContent = 'Maintenance window not found';
    replace(body);
    error.show(err.message);
    return undefined;
  }
  if (!container.isConnected) return undefined;
  document.title = `${w.name} · Maintenance · Ward`;

  const machines = list(w.machines);
  replace(body,
    admin ? h('div', { class: 'form-actions' },
      h('a', { href: `#/maintenance/${encodeURIComponent(w.name)}/edit`, class: 'button' }, 'Edit the window')) : null,
    h('section', { class: 'card', 'aria-labelledby': 'maint-what' },
      h('h2', { id: 'maint-what' }, 'The window'),
      h('dl', { class: 'props' }, [
        ['When', whenText(w)],
        ['Now', nowCell(w)],
        ['Machines', selectionText(w)],
        ['Description', w.description || null],
        ['Added by', [w.created_by || '', ' ', timeNode(w.created_at)]],
        ['Changed', timeNode(w.updated_at)],
      ].map(([k, v]) => h('div', { class: 'prop' }, h('dt', null, k), h('dd', null, v || dash()))))),
    h('section', { class: 'card', 'aria-labelledby': 'maint-next' },
      h('h2', { id: 'maint-next' }, 'When it is next open'),
      h('p', { class: 'muted small' }, `In your time; hover a time for UTC. The last column is the window’s own time zone, ${w.timezone}.`),
      list(w.next).length
        ? dataTable('Next occurrences', [
          { label: 'Starts', class: 'nowrap', cell: (o) => timeNode(o.start) },
          { label: 'Ends', class: 'nowrap', cell: (o) => timeNode(o.end) },
          { label: `In ${w.timezone}`, class: 'nowrap', cell: (o) => `${zoneTime(o.start, w.timezone)} – ${zoneTime(o.end, w.timezone)}` },
        ], list(w.next))
        : h('p', { class: 'empty' }, 'None.')),
    h('section', { class: 'card', 'aria-labelledby': 'maint-machines' },
      h('h2', { id: 'maint-machines' }, `Machines (${machines.length})`),
      machines.length
        ? h('ul', { class: 'plain', 'aria-label': 'Machines in this window' },
          machines.map((m) => h('li', null, h('a', { href: machineHref(m) }, m))))
        : h('p', { class: 'empty' }, 'No enrolled machine is in this window yet.')),
    admin ? removeSection(w, ctx) : null);
  return undefined;
}

/* ---- admin: remove ---- */

function removeSection(w, ctx) {
  const error = messageArea('alert');
  const start = h('button', { type: 'button', class: 'button button-danger' }, `Remove ${w.name}…`);
  const question = h('p', { class: 'strong', tabindex: '-1', id: 'maint-remove-question' },
    `Remove the maintenance window ${w.name}?`);
  const yes = h('button', { type: 'button', class: 'button button-danger-solid' }, `Yes, remove ${w.name}`);
  const no = h('button', { type: 'button', class: 'button' }, 'Cancel');
  const confirm = h('div', { class: 'confirm', role: 'group', 'aria-labelledby': 'maint-remove-question', hidden: true },
    question,
    h('p', { class: 'small' }, 'Upgrade runs planned in the window then wait for another window of their machines, or for none.'),
    h('div', { class: 'form-actions' }, yes, no));

  start.addEventListener('click', () => {
    error.clear();
    confirm.hidden = false;
    start.hidden = true;
    question.focus();
  });
  no.addEventListener('click', () => {
    confirm.hidden = true;
    start.hidden = false;
    start.focus();
  });
  yes.addEventListener('click', async () => {
    error.clear();
    yes.disabled = true;
    no.disabled = true;
    try {
      await request('DELETE', `/maintenance/windows/${encodeURIComponent(w.name)}`);
      setFlash(`Removed the maintenance window ${w.name}.`);
      ctx.navigate('maintenance');
    } catch (err) {
      error.show(err.message);
      yes.disabled = false;
      no.disabled = false;
    }
  });

  return h('section', { class: 'card card-danger', 'aria-labelledby': 'maint-remove' },
    h('h2', { id: 'maint-remove' }, 'Remove this window'),
    h('p', null, 'Its machines are no longer in it. The activity log keeps what it was.'),
    h('div', { class: 'form-actions' }, start),
    confirm,
    error.el);
}
