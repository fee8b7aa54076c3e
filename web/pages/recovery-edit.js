// pages/recovery-edit.js — admins: a new recovery plan (#/backups/_new, POST
// /api/v1/dr/plans) or an edit of one (#/backups/<plan>/edit, PATCH with only what
// changed): every field `ward dr plan add|edit` takes. The server checks everything
// (dr_plan_create / dr_plan_edit: nothing is written when it refuses) and its message
// is shown twice: above the buttons, and under the field it names, which is marked
// invalid and focused. "_new" cannot be a plan's name (names start with a letter or
// digit), so it never hides a plan's page.

import { request } from '../api.js';
import { h, replace, messageArea, field } from '../dom.js';
import { list, setFlash, textArea } from './helpdesk-parts.js';

const MAX_STEPS = 100; // WARD_DR_STEPS_MAX
const KEEP = ['last', 'hourly', 'daily', 'weekly', 'monthly', 'yearly'];
const FIELDS = ['name', 'description', 'machine', 'paths', 'excludes', 'dumps', 'repo', 'password_file', 'rpo', 'rto',
  'backup_schedule', 'drill_schedule', 'retention', 'steps', 'owner', 'contacts'];

const planHref = (name) => '#/backups/' + encodeURIComponent(name);

/** Seconds as the shortest duration the server reads back the same: 93600 -> "26h". */
export function durationText(s) {
  if (typeof s !== 'number' || !Number.isFinite(s)) return '';
  for (const [unit, n] of [['w', 604800], ['d', 86400], ['h', 3600], ['m', 60]]) if (s % n === 0) return `${s / n}${unit}`;
  return `${s}s`;
}

const lines = (text) => text.split('\n').map((l) => l.trim()).filter(Boolean);

/** Which field a message of dr.c's plan_check is about (null: none in particular). */
export function fieldOf(message, values) {
  let m = /^field '(\w+)'/.exec(message) || /needs '(\w+)'/.exec(message);
  if (m && FIELDS.includes(m[1])) return m[1];
  if (/^plan name|needs a name|exists already|name cannot change/.test(message)) return 'name';
  if (/^backup schedule/.test(message)) return 'backup_schedule';
  if ((m = /^schedule '([^']*)'/.exec(message))) return values.drill_schedule === m[1] && values.backup_schedule !== m[1] ? 'drill_schedule' : 'backup_schedule';
  if (/^schedules must/.test(message)) return 'backup_schedule';
  if (/password file/.test(message)) return 'password_file';
  if (/^retention/.test(message)) return 'retention';
  if (/^machine '/.test(message)) return 'machine';
  if (/something to back up/.test(message)) return 'paths';
  return null;
}

export async function render(container, ctx, name) {
  const heading = h('h1', null, name ? `Edit: ${name}` : 'New recovery plan');
  container.append(
    h('p', { class: 'small' }, h('a', { href: name ? planHref(name) : '#/backups' }, name ? '← The plan' : '← All recovery plans')),
    heading);
  if (!ctx.isAdmin) {
    container.append(h('p', { class: 'lead' }, 'Recovery plans are made and changed by administrators.'),
      h('p', null, h('a', { href: '#/backups' }, 'Back to the recovery plans')));
    return undefined;
  }
  const error = messageArea('alert');
  const body = h('div', null, h('p', { class: 'muted' }, 'Loading…'));
  container.append(body);

  let plan = null;
  if (name) {
    try {
      plan = (await request('GET', `/dr/plans/${encodeURIComponent(name)}`)).plan;
    } catch (err) {
      if (!container.isConnected) return undefined;
      if (err.status === 404) heading.textContent = 'Recovery plan not found';
      replace(body, error.el, h('p', null, h('a', { href: '#/backups' }, 'Back to the recovery plans')));
      error.show(err.message);
      return undefined;
    }
    if (!container.isConnected) return undefined;
    document.title = `Edit ${plan.name} · Backups · Ward`;
  } else {
    document.title = 'New recovery plan · Backups · Ward';
  }

  /* ---- the controls, each with a place for its error ---- */
  const controls = {};
  const errors = {};
  const text = (key, attrs = {}) => (controls[key] = h('input', { name: key, type: 'text', autocomplete: 'off', spellcheck: 'false', ...attrs }));
  const area = (key, label, hint, attrs = {}) => {
    const t = textArea(label, { name: key, rows: '3', spellcheck: 'false', ...attrs }, hint);
    controls[key] = t.input;
    return withError(key, t.el);
  };
  function withError(key, el) {
    errors[key] = h('span', { class: 'field-error', id: `dr-edit-${key}-error`, hidden: true });
    return h('div', { class: 'field-wrap' }, el, errors[key]);
  }
  const labelled = (key, label, control, hint) => withError(key, field(label, control, hint));

  const nameInput = text('name', { maxlength: '64', required: true, placeholder: 'fileserver', readonly: Boolean(plan) });
  const machine = text('machine', { placeholder: 'local', list: 'dr-edit-machines' });
  const repo = text('repo', { placeholder: '/srv/backup/fileserver', required: true });
  const pwfile = text('password_file', { placeholder: '/etc/ward/fileserver.password', required: true });
  const rpo = text('rpo', { placeholder: '26h', required: true, inputmode: 'text' });
  const rto = text('rto', { placeholder: '4h', required: true });
  const bsched = text('backup_schedule', { placeholder: 'daily 02:00' });
  const dsched = text('drill_schedule', { placeholder: 'every 7d' });
  const owner = text('owner', { placeholder: 'alice', list: 'dr-edit-users' });
  // Suggestions only (the server checks the machine; an owner may also be an address).
  const machines = h('datalist', { id: 'dr-edit-machines' }, h('option', { value: 'local' }));
  const users = h('datalist', { id: 'dr-edit-users' });
  request('GET', '/hosts').then((d) => machines.append(...list(d.hosts).map((x) => h('option', { value: x.name })))).catch(() => {});
  request('GET', '/users').then((d) => users.append(...list(d.users).map((u) => h('option', { value: u.name })))).catch(() => {});
  const keep = {};
  for (const k of KEEP) keep[k] = h('input', { name: `keep_${k}`, type: 'number', min: '0', step: '1', inputmode: 'numeric' });
  controls.retention = keep.last;

  /* ---- the restore steps, in order ---- */
  const steps = list(plan && plan.steps).slice();
  const stepList = h('ol', { class: 'lesson-edit dr-step-edit', 'aria-label': 'Restore steps, in order' });
  const stepsEmpty = h('p', { class: 'empty' }, 'No steps yet: write down what to do, in order, to bring the service back.');
  const stepStatus = h('p', { class: 'visually-hidden', role: 'status', 'aria-live': 'polite' });
  const addStep = h('button', { type: 'button', class: 'button' }, 'Add a step');
  function showSteps(focus) {
    stepsEmpty.hidden = steps.length > 0;
    addStep.disabled = steps.length >= MAX_STEPS;
    replace(stepList, steps.map((s, i) => {
      const n = i + 1;
      const input = h('textarea', { name: `step${n}`, rows: '2', 'aria-label': `Step ${n}` });
      input.value = s;
      input.addEventListener('input', () => { steps[i] = input.value; });
      const move = (by) => {
        const [x] = steps.splice(i, 1);
        steps.splice(i + by, 0, x);
        stepStatus.textContent = `Step ${n} is now step ${n + by}.`;
        showSteps(`[name="step${n + by}"]`);
      };
      return h('li', { class: 'lesson-edit-row' }, h('div', { class: 'dr-step-row' }, input,
        h('span', { class: 'lesson-edit-actions' },
          h('button', { type: 'button', class: 'button button-small', disabled: i === 0, 'aria-label': `Move step ${n} up`, on: { click: () => move(-1) } }, 'Up'),
          h('button', { type: 'button', class: 'button button-small', disabled: i === steps.length - 1, 'aria-label': `Move step ${n} down`, on: { click: () => move(1) } }, 'Down'),
          h('button', {
            type: 'button', class: 'button button-small button-danger', 'aria-label': `Remove step ${n}`,
            on: {
              click: () => {
                steps.splice(i, 1);
                stepStatus.textContent = `Removed step ${n}.`;
                showSteps(steps.length ? `[name="step${Math.min(n, steps.length)}"]` : null);
              },
            },
          }, 'Remove'))));
    }));
    if (focus) {
      const el = stepList.querySelector(focus);
      (el || addStep).focus();
    }
  }
  addStep.addEventListener('click', () => {
    steps.push('');
    showSteps(`[name="step${steps.length}"]`);
  });
  controls.steps = addStep;

  /* ---- the form ---- */
  const save = h('button', { type: 'submit', class: 'button button-primary' }, plan ? 'Save the plan' : 'Create the plan');
  const form = h('form', { class: 'form-stack dr-plan-form', 'aria-label': plan ? 'Edit the recovery plan' : 'New recovery plan', novalidate: true },
    h('section', { class: 'card', 'aria-labelledby': 'dr-edit-what' },
      h('h2', { id: 'dr-edit-what' }, 'The service'),
      h('div', { class: 'form-stack' },
        h('div', { class: 'form-grid' },
          labelled('name', 'Name', nameInput, plan ? 'A plan keeps its name' : 'Lower-case letters, digits, . _ -'),
          labelled('machine', 'Machine', machine, "'local' for this Ward server, or an enrolled host's name"),
          labelled('owner', 'Owner', owner, 'A Ward user: mailed when a drill fails or the RPO is missed')),
        area('description', 'Description', 'Optional: what the service is'),
        area('contacts', 'Contacts', 'E-mail addresses to notify too, and anyone else to call (free text)', { rows: '2' }))),
    h('section', { class: 'card', 'aria-labelledby': 'dr-edit-data' },
      h('h2', { id: 'dr-edit-data' }, 'What is backed up, and where'),
      h('div', { class: 'form-stack' },
        h('div', { class: 'form-grid' },
          area('paths', 'Paths', 'Absolute paths, one a line'),
          area('excludes', 'Excluded', 'Patterns to leave out, one a line'),
          area('dumps', 'Databases', 'Dumped first, one a line: sqlite:/path.db, postgresql:dbname, mariadb:dbname')),
        h('div', { class: 'form-grid' },
          labelled('repo', 'Repository', repo, 'Absolute path; made on the first backup'),
          labelled('password_file', 'Password file', pwfile, "Absolute path of a file holding the repository's password")))),
    h('section', { class: 'card', 'aria-labelledby': 'dr-edit-objectives' },
      h('h2', { id: 'dr-edit-objectives' }, 'Objectives and schedules'),
      h('div', { class: 'form-grid' },
        labelled('rpo', 'RPO (data that may be lost)', rpo, 'A duration: 30m, 4h, 26h, 2d'),
        labelled('rto', 'RTO (time to be back)', rto, 'A duration: drills slower than this are flagged'),
        labelled('backup_schedule', 'Backups', bsched, "'daily HH:MM', 'every 6h' or 'manual'"),
        labelled('drill_schedule', 'Restore drills', dsched, "'every 7d', 'daily HH:MM' or 'manual'"))),
    h('section', { class: 'card', 'aria-labelledby': 'dr-edit-retention' },
      h('h2', { id: 'dr-edit-retention' }, 'Snapshots kept'),
      h('p', { class: 'muted small' }, 'How many snapshots to keep of each kind after a backup; leave all empty to keep every snapshot.'),
      withError('retention', h('div', { class: 'form-grid' }, KEEP.map((k) => field(`Keep ${k}`, keep[k]))))),
    h('section', { class: 'card', 'aria-labelledby': 'dr-edit-steps' },
      h('h2', { id: 'dr-edit-steps' }, 'Restore steps'),
      stepsEmpty, stepList, stepStatus, withError('steps', h('div', { class: 'form-actions' }, addStep))),
    error.el,
    h('div', { class: 'form-actions' }, save, h('a', { href: plan ? planHref(plan.name) : '#/backups', class: 'button' }, 'Cancel')),
    machines, users);

  /* ---- values in and out ---- */
  function fill(p) {
    nameInput.value = p ? p.name : '';
    controls.description.value = p ? p.description || '' : '';
    machine.value = p ? p.machine : 'local';
    controls.paths.value = list(p && p.paths).join('\n');
    controls.excludes.value = list(p && p.excludes).join('\n');
    controls.dumps.value = list(p && p.dumps).join('\n');
    repo.value = p ? p.repo : '';
    pwfile.value = p ? p.password_file : '';
    rpo.value = p ? durationText(p.rpo) : '';
    rto.value = p ? durationText(p.rto) : '';
    bsched.value = p ? p.backup_schedule : 'daily 02:00';
    dsched.value = p ? p.drill_schedule : 'every 7d';
    owner.value = p ? p.owner || '' : ctx.user ? ctx.user.name || '' : '';
    controls.contacts.value = p ? p.contacts || '' : '';
    for (const k of KEEP) keep[k].value = p && p.retention && p.retention[k] !== undefined ? String(p.retention[k]) : '';
  }
  /** The form as the API takes it; {error, field} for what cannot be sent. */
  function values() {
    const v = {
      name: nameInput.value.trim(),
      description: controls.description.value.trim(),
      machine: machine.value.trim() || 'local',
      paths: lines(controls.paths.value),
      excludes: lines(controls.excludes.value),
      dumps: lines(controls.dumps.value),
      repo: repo.value.trim(),
      password_file: pwfile.value.trim(),
      rpo: rpo.value.trim(),
      rto: rto.value.trim(),
      backup_schedule: bsched.value.trim().replace(/\s+/g, ' '),
      drill_schedule: dsched.value.trim().replace(/\s+/g, ' '),
      retention: {},
      steps: steps.map((s) => s.trim()).filter(Boolean),
      owner: owner.value.trim(),
      contacts: controls.contacts.value.trim(),
    };
    for (const k of KEEP) {
      const t = keep[k].value.trim();
      if (t === '') continue;
      const n = Number(t);
      if (!Number.isInteger(n) || n < 0) return { error: `Keep ${k}: give a whole number from 0, or leave it empty.`, field: 'retention', input: keep[k] };
      v.retention[k] = n;
    }
    if (!plan && !v.name) return { error: 'Give the plan a name.', field: 'name' };
    for (const [k, what] of [['repo', 'the repository'], ['password_file', 'the password file'], ['rpo', 'the RPO'], ['rto', 'the RTO']]) {
      if (!v[k]) return { error: `Give ${what}.`, field: k };
    }
    if (!v.paths.length && !v.dumps.length) return { error: 'Give something to back up: paths or databases.', field: 'paths' };
    return { values: v };
  }
  /** The fields of v that differ from the plan as the form first showed it. */
  let original = null;
  function changes(v) {
    const out = {};
    for (const k of FIELDS) if (k !== 'name' && JSON.stringify(v[k]) !== JSON.stringify(original[k])) out[k] = v[k];
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
  function showError(message, key, input) {
    error.show(message);
    const target = input || (key && controls[key]);
    if (key && errors[key]) {
      errors[key].textContent = message;
      errors[key].hidden = false;
    }
    if (target) {
      target.setAttribute('aria-invalid', 'true');
      if (key && errors[key]) target.setAttribute('aria-describedby', errors[key].id);
      target.focus();
    }
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors();
    const got = values();
    if (got.error) {
      showError(got.error, got.field, got.input);
      return;
    }
    let body = got.values;
    if (plan) {
      body = changes(got.values);
      if (!Object.keys(body).length) {
        setFlash('Nothing changed.');
        ctx.navigate(`backups/${encodeURIComponent(plan.name)}`);
        return;
      }
    } else {
      for (const k of ['description', 'owner', 'contacts']) if (!body[k]) delete body[k];
    }
    save.disabled = true;
    try {
      const res = plan
        ? await request('PATCH', `/dr/plans/${encodeURIComponent(plan.name)}`, { body })
        : await request('POST', '/dr/plans', { body });
      setFlash(plan ? `Saved the plan “${res.plan.name}”.` : `Created the plan “${res.plan.name}”.`);
      ctx.navigate(`backups/${encodeURIComponent(res.plan.name)}`);
    } catch (err) {
      save.disabled = false;
      showError(err.message, fieldOf(err.message, got.values));
    }
  });

  fill(plan);
  if (plan) original = values().values || {};
  replace(body, form);
  showSteps();
  return undefined;
}
