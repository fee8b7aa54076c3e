// pages/recovery.js — #/backups: the recovery plans (GET /api/v1/dr/plans) with their
// status colour (green, amber, red: docs/dr.md) and why, and #/backups/<plan>: one plan
// with its objectives, restore steps, snapshots (GET .../snapshots), backups and drills
// with their durations (GET .../runs), and, for admins, "Back up now" and "Drill now"
// (POST .../backup, .../drill: the run goes on in the server; the page follows it).
// #/backups/_new and #/backups/<plan>/edit: the plan's form (recovery-edit.js).

import { request } from '../api.js';
import { h, replace, messageArea, dataTable } from '../dom.js';
import { timeNode, formatDuration, formatBytes } from '../format.js';
import { flashArea } from './helpdesk-parts.js';
import { render as renderEditor } from './recovery-edit.js';

const POLL_MS = 1500; // while a run is going on here
const POLL_HOST_MS = 10000; // while a host's agent has the run (it may be hours)
const COLOR_LABELS = { green: 'Green', amber: 'Amber', red: 'Red' };
const RUN_LABELS = { running: 'Running', ok: 'Succeeded', passed: 'Passed', slow: 'Slower than the RTO', failed: 'Failed' };

const dash = () => h('span', { class: 'muted' }, '—');
const list = (v) => (Array.isArray(v) ? v : []);
const shorten = (s, n) => (s.length > n ? s.slice(0, n - 1).trimEnd() + '…' : s);
const planHref = (name) => '#/backups/' + encodeURIComponent(name);

/** The status colour as a badge: colour and word, never colour alone. */
function colorBadge(color) {
  return h('span', { class: `badge badge-dr badge-dr-${color}` }, COLOR_LABELS[color] || color);
}

function runBadge(status) {
  return h('span', { class: `badge badge-run badge-run-${status}` }, RUN_LABELS[status] || status);
}

function seconds(run) {
  return run && typeof run.seconds === 'number' ? `${run.seconds < 10 ? run.seconds.toFixed(1) : Math.round(run.seconds)} s` : '—';
}

function props(pairs) {
  return h('dl', { class: 'props' },
    pairs.map(([k, v]) => h('div', { class: 'prop' }, h('dt', null, k), h('dd', null, v === null || v === '' || v === undefined ? dash() : v))));
}

export function render(container, ctx) {
  if (ctx.sub.length === 1 && ctx.sub[0] === '_new') return renderEditor(container, ctx, null);
  if (ctx.sub.length === 2 && ctx.sub[1] === 'edit') return renderEditor(container, ctx, ctx.sub[0]);
  if (ctx.sub.length === 1) return renderPlan(container, ctx, ctx.sub[0]);
  if (ctx.sub.length > 1) {
    container.append(h('h1', null, 'Page not found'), h('p', null, h('a', { href: '#/backups' }, 'Back to the recovery plans')));
    return undefined;
  }
  return renderList(container, ctx);
}

/* ---- the plans ---- */

async function renderList(container, ctx) {
  const admin = ctx.user && ctx.user.role === 'admin';
  const error = messageArea('alert');
  const holder = h('div', null, h('p', { class: 'muted' }, 'Loading…'));
  const summary = h('p', { class: 'muted small' });
  container.append(
    h('h1', null, 'Backups'),
    h('p', { class: 'lead' }, 'Recovery plans: what each service needs backed up, how much data it may lose (RPO) and how fast it must be back (RTO), proven by restore drills.'),
    error.el,
    h('section', { class: 'card', 'aria-labelledby': 'dr-plans' },
      h('div', { class: 'card-head' }, h('h2', { id: 'dr-plans' }, 'Recovery plans'), summary,
        admin ? h('a', { href: '#/backups/_new', class: 'button button-primary' }, 'New recovery plan') : null),
      holder));
  const columns = [
    { label: 'Plan', class: 'wrap', cell: (p) => [h('a', { href: planHref(p.name), class: 'strong' }, p.name),
      p.description ? h('div', { class: 'muted small' }, shorten(p.description.split('\n')[0], 60)) : null] },
    { label: 'Status', cell: (p) => colorBadge(p.status.color) },
    { label: 'Why', class: 'wrap', cell: (p) => (p.status.reasons.length ? p.status.reasons[0] : 'All objectives met') },
    { label: 'Last good backup', class: 'nowrap', cell: (p) => timeNode(p.status.last_good_backup && p.status.last_good_backup.finished_at, 'never') },
    { label: 'RPO', class: 'nowrap', cell: (p) => formatDuration(p.rpo) },
    { label: 'Last drill', class: 'nowrap', cell: (p) => (p.status.last_drill
      ? [runBadge(p.status.last_drill.status), ' ', seconds(p.status.last_drill)] : h('span', { class: 'muted' }, 'never')) },
    { label: 'RTO', class: 'nowrap', cell: (p) => formatDuration(p.rto) },
    { label: 'Next backup', class: 'nowrap', cell: (p) => (p.status.running
      ? h('span', { class: 'status status-on' }, `${p.status.running.kind === 'drill' ? 'Drill' : 'Backup'} running`)
      : timeNode(p.status.next_backup, 'manual')) },
  ];
  try {
    const data = await request('GET', '/dr/plans');
    const plans = list(data.plans);
    const n = (c) => plans.filter((p) => p.status.color === c).length;
    summary.textContent = `${plans.length} ${plans.length === 1 ? 'plan' : 'plans'}: ${n('green')} green, ${n('amber')} amber, ${n('red')} red`;
    replace(holder, plans.length
      ? dataTable('Plan list', columns, plans)
      : h('p', { class: 'empty' }, "No recovery plans yet. Add one here, with 'ward dr plan add' or POST /api/v1/dr/plans."));
  } catch (err) {
    replace(holder);
    error.show(err.message);
  }
}

/* ---- one plan ---- */

async function renderPlan(container, ctx, name) {
  const admin = ctx.user && ctx.user.role === 'admin';
  const error = messageArea('alert');
  const notice = flashArea();
  const head = h('div');
  const body = h('div', { class: 'stack' }, h('p', { class: 'muted' }, 'Loading…'));
  let timer = null;
  let gone = false;
  container.append(h('p', { class: 'small' }, h('a', { href: '#/backups' }, '← All recovery plans')),
    h('h1', null, name), head, error.el, notice.el, body);

  const backupButton = h('button', { type: 'button', class: 'button button-primary' }, 'Back up now');
  const drillButton = h('button', { type: 'button', class: 'button' }, 'Drill now');
  const editLink = h('a', { href: `#/backups/${encodeURIComponent(name)}/edit`, class: 'button' }, 'Edit the plan');
  async function start(kind, button) {
    error.clear();
    notice.clear();
    button.disabled = true;
    try {
      const res = await request('POST', `/dr/plans/${encodeURIComponent(name)}/${kind}`);
      notice.show(`${kind === 'drill' ? 'Restore drill' : 'Backup'} started (run ${res.run.id}).`);
      await load();
    } catch (err) {
      error.show(err.message);
      button.disabled = false;
    }
  }
  backupButton.addEventListener('click', () => start('backup', backupButton));
  drillButton.addEventListener('click', () => start('drill', drillButton));

  const runColumns = (kind) => [
    { label: 'Started', class: 'nowrap', cell: (r) => timeNode(r.started_at) },
    { label: 'Result', cell: (r) => runBadge(r.status) },
    { label: 'Duration', class: 'nowrap', cell: (r) => seconds(r) },
    kind === 'drill'
      ? { label: 'Verified', class: 'nowrap', cell: (r) => (r.details && r.details.verified_files !== undefined
        ? `${r.details.verified_files} files, ${formatBytes(r.details.verified_bytes)}` : dash()) }
      : { label: 'Added', class: 'nowrap', cell: (r) => (r.details && r.details.bytes_added !== undefined ? formatBytes(r.details.bytes_added) : dash()) },
    { label: 'Snapshot', cell: (r) => (r.snapshot ? h('code', null, r.snapshot.slice(0, 16)) : dash()) },
    { label: 'By', cell: (r) => r.actor },
    { label: 'Error', class: 'wrap', cell: (r) => r.error || '' },
  ];
  const snapColumns = [
    { label: 'Snapshot', cell: (s) => h('code', null, String(s.id).slice(0, 16)) },
    { label: 'Time', class: 'nowrap', cell: (s) => timeNode(new Date(s.time * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')) },
    { label: 'Host', cell: (s) => s.hostname },
    { label: 'Paths', class: 'wrap', cell: (s) => list(s.paths).join(', ') },
    { label: 'Size', class: 'nowrap', cell: (s) => formatBytes(s.summary && s.summary.bytes_total) },
  ];

  async function load() {
    if (gone) return;
    let plan, runs, snaps;
    try {
      const enc = encodeURIComponent(name);
      [plan, runs] = await Promise.all([request('GET', `/dr/plans/${enc}`), request('GET', `/dr/plans/${enc}/runs`, { query: { limit: 50 } })]);
      plan = plan.plan;
      runs = list(runs.runs);
      try {
        snaps = list((await request('GET', `/dr/plans/${enc}/snapshots`)).snapshots);
      } catch (err) {
        snaps = err; // the repository may be unreachable; the plan still shows
      }
    } catch (err) {
      replace(body);
      error.show(err.message);
      return;
    }
    if (gone) return;
    const st = plan.status;
    const running = st.running;
    backupButton.disabled = drillButton.disabled = Boolean(running);
    drillButton.disabled = Boolean(running) || !st.last_good_backup;
    replace(head,
      h('div', { class: 'dr-status' }, h('span', null, 'Status: '), colorBadge(st.color),
        running ? h('span', { class: 'status status-on' }, ` ${running.kind === 'drill' ? 'Restore drill' : 'Backup'} ${running.job ? `queued for ${plan.machine} (job ${running.job})` : 'running…'}`) : null),
      st.reasons.length
        ? h('ul', { class: 'dr-reasons', 'aria-label': 'Why' }, st.reasons.map((r) => h('li', null, r)))
        : h('p', { class: 'muted' }, 'All objectives met: a recent good backup within the RPO, and a restore drill that passed within the RTO.'),
      admin ? h('div', { class: 'form-actions' }, backupButton, drillButton, editLink) : null);
    replace(body,
      h('section', { class: 'card', 'aria-labelledby': 'dr-plan-what' },
        h('h2', { id: 'dr-plan-what' }, 'The plan'),
        props([
          ['Description', plan.description],
          ['Machine', plan.machine === 'local' ? 'This Ward server' : plan.machine],
          ['Paths', list(plan.paths).join(', ')],
          ['Databases', list(plan.dumps).join(', ')],
          ['Excluded', list(plan.excludes).join(', ')],
          ['Repository', h('code', null, plan.repo)],
          ['Password file', h('code', null, plan.password_file)],
          ['RPO (data that may be lost)', formatDuration(plan.rpo)],
          ['RTO (time to be back)', formatDuration(plan.rto)],
          ['Backups', plan.backup_schedule],
          ['Drills', plan.drill_schedule],
          ['Retention', Object.keys(plan.retention || {}).length
            ? Object.entries(plan.retention).map(([k, v]) => `${v} ${k}`).join(', ') : 'Every snapshot is kept'],
          ['Next backup', timeNode(st.next_backup, 'manual')],
          ['Next drill', timeNode(st.next_drill, st.last_good_backup ? 'manual' : 'after the first backup')],
          ['Owner', plan.owner],
          ['Contacts', plan.contacts],
        ])),
      h('section', { class: 'card', 'aria-labelledby': 'dr-plan-steps' },
        h('h2', { id: 'dr-plan-steps' }, 'Restore steps'),
        list(plan.steps).length ? h('ol', { class: 'dr-steps' }, plan.steps.map((s) => h('li', null, s))) : h('p', { class: 'empty' }, 'No steps written down yet.')),
      h('section', { class: 'card', 'aria-labelledby': 'dr-plan-drills' },
        h('h2', { id: 'dr-plan-drills' }, 'Restore drills'),
        runs.some((r) => r.kind === 'drill')
          ? dataTable('Drill history', runColumns('drill'), runs.filter((r) => r.kind === 'drill'))
          : h('p', { class: 'empty' }, 'No restore drill yet.')),
      h('section', { class: 'card', 'aria-labelledby': 'dr-plan-backups' },
        h('h2', { id: 'dr-plan-backups' }, 'Backups'),
        runs.some((r) => r.kind === 'backup')
          ? dataTable('Backup history', runColumns('backup'), runs.filter((r) => r.kind === 'backup'))
          : h('p', { class: 'empty' }, 'No backup yet.')),
      h('section', { class: 'card', 'aria-labelledby': 'dr-plan-snapshots' },
        h('h2', { id: 'dr-plan-snapshots' }, 'Snapshots'),
        snaps instanceof Error
          ? h('p', { class: 'message message-error', role: 'alert' }, `Cannot read the repository: ${snaps.message}`)
          : snaps.length ? dataTable('Snapshot list', snapColumns, snaps) : h('p', { class: 'empty' }, 'The repository holds no snapshot yet.')));
    clearTimeout(timer);
    if (running) timer = setTimeout(load, running.job ? POLL_HOST_MS : POLL_MS);
  }

  await load();
  return () => {
    gone = true;
    clearTimeout(timer);
  };
}
