// pages/maintenance-edit.js — admins: a new maintenance window (#/maintenance/_new, POST
// /api/v1/maintenance/windows) or an edit of one (#/maintenance/<name>/edit, PATCH with
// only what changed; a new name renames it): name, description, days, local start time,
// length, time zone and the machines (all, host names, tags). The server checks
// everything (maint.c: nothing is written when it refuses) and its message is shown
// above the buttons and under the field it names, which is marked invalid and focused.
// "_new" cannot be a window's name (names start with a letter or digit).

import { request } from '../api.js';
import { h, replace, messageArea, field } from '../dom.js';
import { list, setFlash, textArea } from './helpdesk-parts.js';

const DAYS = [['mon', 'Monday'], ['tue', 'Tuesday'], ['wed', 'Wednesday'], ['thu', 'Thursday'], ['fri', 'Friday'],
  ['sat', 'Saturday'], ['sun', 'Sunday']];
const FIELDS = ['name', 'description', 'days', 'start', 'duration_minutes', 'timezone', 'hosts', 'tags', 'all'];
// Suggestions for the time zone field; any IANA zone the server knows is taken.
const ZONES = ['UTC', 'Europe/London', 'Europe/Dublin', 'Europe/Lisbon', 'Europe/Paris', 'Europe/Berlin',
  'Europe/Amsterdam', 'Europe/Brussels', 'Europe/Madrid', 'Europe/Rome', 'Europe/Vienna', 'Europe/Zurich',
  'Europe/Stockholm', 'Europe/Oslo', 'Europe/Copenhagen', 'Europe/Helsinki', 'Europe/Warsaw', 'Europe/Prague',
  'Europe/Athens', 'Europe/Istanbul', 'Europe/Kyiv', 'Europe/Moscow', 'America/New_York', 'America/Chicago',
  'America/Denver', 'America/Phoenix', 'America/Los_Angeles', 'America/Anchorage', 'America/Toronto',
  'America/Vancouver', 'America/Mexico_City', 'America/Sao_Paulo', 'America/Buenos_Aires', 'America/Bogota',
  'Pacific/Honolulu', 'Africa/Johannesburg', 'Africa/Lagos', 'Africa/Cairo', 'Africa/Nairobi', 'Asia/Dubai',
  'Asia/Kolkata', 'Asia/Bangkok', 'Asia/Singapore', 'Asia/Shanghai', 'Asia/Hong_Kong', 'Asia/Tokyo', 'Asia/Seoul',
  'Australia/Perth', 'Australia/Sydney', 'Pacific/Auckland'];

const windowHref = (name) => '#/maintenance/' + encodeURIComponent(name);
const names = (text) => text.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean);

/** The reader's own zone, the default for a new window. */
function localZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

/** Which field a message of maint.c's window_fields is about (null: none in particular). */
export function fieldOf(message) {
  const m = /^field '(\w+)'/.exec(message);
  if (m && FIELDS.includes(m[1])) return m[1] === 'all' ? 'hosts' : m[1];
  if (/exists already/.test(message)) return 'name';
  if (/say which machines/.test(message)) return 'hosts';
  if (/^host '/.test(message) || /^host name/.test(message)) return 'hosts';
  return null;
}

export async function render(container, ctx, name) {
  const heading = h('h1', null, name ? `Edit: ${name}` : 'New maintenance window');
  container.append(
    h('p', { class: 'small' }, h('a', { href: name ? windowHref(name) : '#/maintenance' }, name ? '← The window' : '← All maintenance windows')),
    heading);
  if (!ctx.isAdmin) {
    container.append(h('p', { class: 'lead' }, 'Maintenance windows are added and changed by administrators.'),
      h('p', null, h('a', { href: '#/maintenance' }, 'Back to the maintenance windows')));
    return undefined;
  }
  const error = messageArea('alert');
  const body = h('div', null, h('p', { class: 'muted' }, 'Loading…'));
  container.append(body);

  let win = null;
  if (name) {
    try {
      win = (await request('GET', `/maintenance/windows/${encodeURIComponent(name)}`)).window;
    } catch (err) {
      if (!container.isConnected) return undefined;
      if (err.status === 404) heading.textContent = 'Maintenance window not found';
      replace(body, error.el, h('p', null, h('a', { href: '#/maintenance' }, 'Back to the maintenance windows')));
      error.show(err.message);
      return undefined;
    }
    if (!container.isConnected) return undefined;
    document.title = `Edit ${win.name} · Maintenance · Ward`;
  } else {
    document.title = 'New maintenance window · Maintenance · Ward';
  }

  /* ---- the controls, each with a place for its error ---- */
  const controls = {};
  const errors = {};
  function withError(key, el) {
    errors[key] = h('span', { class: 'field-error', id: `maint-edit-${key}-error`, hidden: true });
    return h('div', { class: 'field-wrap' }, el, errors[key]);
  }
  const labelled = (key, label, control, hint) => withError(key, field(label, control, hint));
  const text = (key, attrs = {}) => (controls[key] = h('input', { name: key, type: 'text', autocomplete: 'off', spellcheck: 'false', ...attrs }));

  const nameInput = text('name', { maxlength: '64', required: true, placeholder: 'web-nights' });
  const description = textArea('Description', { name: 'description', rows: '2', maxlength: '1024' }, 'Optional: what the window is for');
  controls.description = description.input;
  const dayBoxes = DAYS.map(([d]) => h('input', { type: 'checkbox', name: `day_${d}`, value: d }));
  controls.days = dayBoxes[0];
  const daysSet = withError('days', h('fieldset', { class: 'field choice-group maint-days' },
    h('legend', { class: 'field-label' }, 'Days'),
    DAYS.map(([, label], i) => h('label', { class: 'check choice' }, dayBoxes[i], h('span', null, label)))));
  const start = text('start', { type: 'time', step: '60', required: true });
  const duration = text('duration_minutes', { type: 'number', min: '1', step: '1', inputmode: 'numeric', required: true });
  const unit = h('select', { name: 'duration_unit', 'aria-label': 'Unit of the length' },
    h('option', { value: '60' }, 'hours'), h('option', { value: '1' }, 'minutes'));
  const zone = text('timezone', { list: 'maint-edit-zones', placeholder: 'Europe/Berlin', required: true });
  const zones = h('datalist', { id: 'maint-edit-zones' }, ZONES.map((z) => h('option', { value: z })));
  const all = h('input', { type: 'checkbox', name: 'all' });
  const hosts = text('hosts', { list: 'maint-edit-hosts', placeholder: 'web1, web2' });
  const tags = text('tags', { placeholder: 'web' });
  controls.all = all;
  // Host names to pick from (suggestions only: the server checks each name).
  const hostList = h('datalist', { id: 'maint-edit-hosts' });
  request('GET', '/hosts').then((d) => hostList.append(...list(d.hosts).map((x) => h('option', { value: x.name })))).catch(() => {});
  const syncAll = () => {
    hosts.disabled = all.checked;
    tags.disabled = all.checked;
  };
  all.addEventListener('change', syncAll);

  /* ---- the form ---- */
  const save = h('button', { type: 'submit', class: 'button button-primary' }, win ? 'Save the window' : 'Add the window');
  const form = h('form', { class: 'form-stack maint-form', 'aria-label': win ? 'Edit the maintenance window' : 'New maintenance window', novalidate: true },
    h('section', { class: 'card', 'aria-labelledby': 'maint-edit-what' },
      h('h2', { id: 'maint-edit-what' }, 'The window'),
      h('div', { class: 'form-stack' },
        h('div', { class: 'form-grid' },
          labelled('name', 'Name', nameInput, win ? 'A new name renames the window' : 'Lower-case letters, digits, . _ -')),
        description.el)),
    h('section', { class: 'card', 'aria-labelledby': 'maint-edit-when' },
      h('h2', { id: 'maint-edit-when' }, 'When'),
      h('div', { class: 'form-stack' },
        daysSet,
        h('div', { class: 'form-grid' },
          labelled('start', 'Starts at', start, 'Local time in the window’s zone, HH:MM'),
          withError('duration_minutes', h('div', { class: 'field' },
            h('span', { class: 'field-label', id: 'maint-edit-length' }, 'Lasts'),
            h('div', { class: 'maint-length', role: 'group', 'aria-labelledby': 'maint-edit-length' }, duration, unit),
            h('span', { class: 'field-hint' }, 'At most a week'))),
          labelled('timezone', 'Time zone', zone, 'An IANA zone: the window keeps its local time over daylight saving')))),
    h('section', { class: 'card', 'aria-labelledby': 'maint-edit-machines' },
      h('h2', { id: 'maint-edit-machines' }, 'Machines'),
      h('div', { class: 'form-stack' },
        h('label', { class: 'check check-tight' }, all, h('span', null, 'All machines')),
        h('div', { class: 'form-grid' },
          labelled('hosts', 'Host names', hosts, 'Enrolled machines, separated by commas or spaces'),
          labelled('tags', 'Tags', tags, 'Machines with any of these tags')))),
    error.el,
    h('div', { class: 'form-actions' }, save, h('a', { href: win ? windowHref(win.name) : '#/maintenance', class: 'button' }, 'Cancel')),
    zones, hostList);
  // The duration's "field" holds two controls: label the number input by name too.
  duration.setAttribute('aria-label', 'Lasts');

  /* ---- values in and out ---- */
  function fill(w) {
    nameInput.value = w ? w.name : '';
    description.input.value = w ? w.description || '' : '';
    for (const box of dayBoxes) box.checked = Boolean(w && list(w.days).includes(box.value));
    start.value = w ? w.start : '02:00';
    const mins = w ? w.duration_minutes : 180;
    unit.value = mins % 60 === 0 ? '60' : '1';
    duration.value = String(mins / Number(unit.value));
    zone.value = w ? w.timezone : localZone();
    all.checked = Boolean(w && w.all);
    hosts.value = list(w && w.hosts).join(', ');
    tags.value = list(w && w.tags).join(', ');
    syncAll();
  }
  /** The form as the API takes it; {error, field} for what cannot be sent. */
  function values() {
    const v = {
      name: nameInput.value.trim(),
      description: description.input.value.trim(),
      days: dayBoxes.filter((b) => b.checked).map((b) => b.value),
      start: start.value.trim(),
      timezone: zone.value.trim(),
      all: all.checked,
      hosts: all.checked ? [] : names(hosts.value),
      tags: all.checked ? [] : names(tags.value),
    };
    if (!v.name) return { error: 'Give the window a name.', field: 'name' };
    if (!v.days.length) return { error: 'Tick at least one day.', field: 'days' };
    if (!v.start) return { error: 'Give the start time, HH:MM.', field: 'start' };
    const n = Number(duration.value.trim());
    if (!duration.value.trim() || !Number.isFinite(n) || !Number.isInteger(n * Number(unit.value))) {
      return { error: 'Give the length as a whole number of minutes, or hours.', field: 'duration_minutes' };
    }
    v.duration_minutes = n * Number(unit.value);
    if (!v.timezone) return { error: 'Give the time zone, such as Europe/Berlin or UTC.', field: 'timezone' };
    if (!v.all && !v.hosts.length && !v.tags.length) {
      return { error: 'Say which machines: all, host names or tags.', field: 'hosts' };
    }
    return { values: v };
  }
  /** The fields of v that differ from the window as the form first showed it. */
  let original = null;
  function changes(v) {
    const out = {};
    for (const k of ['name', 'description', 'days', 'start', 'duration_minutes', 'timezone']) {
      if (JSON.stringify(v[k]) !== JSON.stringify(original[k])) out[k] = v[k];
    }
    // The machines go together, so that "all" off with names on says the whole choice.
    if (['all', 'hosts', 'tags'].some((k) => JSON.stringify(v[k]) !== JSON.stringify(original[k]))) {
      out.all = v.all;
      out.hosts = v.hosts;
      out.tags = v.tags;
    }
    return out;
  }

  function clearErrors() {
    error.clear();
    for (const k of Object.keys(errors)) {
      errors[k].hidden = true;
      errors[k].textContent = '';
    }
    for (const el of form.querySelectorAll('[aria-invalid]')) {
      el.removeAttribute('aria-invalid');
      el.removeAttribute('aria-describedby');
    }
  }
  function showError(message, key) {
    error.show(message);
    const target = key && controls[key];
    if (key && errors[key]) {
      errors[key].textContent = message;
      errors[key].hidden = false;
    }
    if (target) {
      target.setAttribute('aria-invalid', 'true');
      if (errors[key]) target.setAttribute('aria-describedby', errors[key].id);
      target.focus();
    }
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors();
    const got = values();
    if (got.error) {
      showError(got.error, got.field);
      return;
    }
    let body = got.values;
    if (win) {
      body = changes(got.values);
      if (!Object.keys(body).length) {
        setFlash('Nothing changed.');
        ctx.navigate(`maintenance/${encodeURIComponent(win.name)}`);
        return;
      }
    } else if (!body.description) {
      delete body.description;
    }
    save.disabled = true;
    try {
      const res = win
        ? await request('PATCH', `/maintenance/windows/${encodeURIComponent(win.name)}`, { body })
        : await request('POST', '/maintenance/windows', { body });
      setFlash(win ? `Saved the maintenance window ${res.window.name}.` : `Added the maintenance window ${res.window.name}.`);
      ctx.navigate(`maintenance/${encodeURIComponent(res.window.name)}`);
    } catch (err) {
      save.disabled = false;
      showError(err.message, fieldOf(err.message));
    }
  });

  fill(win);
  if (win) original = values().values || {};
  replace(body, form);
  return undefined;
}
