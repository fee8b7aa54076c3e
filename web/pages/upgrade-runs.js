// pages/upgrade-runs.js — #/upgrade-runs: the upgrade plans (GET /api/v1/upgrades/plans)
// and #/upgrade-runs/<plan>: one plan with its rings, each machine's progress, the
// versions it goes from and to, and the step log its agent reported (pre-checks, apt,
// post-checks, rollback), polled while the plan runs; admins run or cancel it here. A plan
// in the maintenance windows shows each waiting machine's window (#/maintenance/<name>).

import { request } from '../api.js';
import { h, replace, messageArea, dataTable } from '../dom.js';
import { timeNode } from '../format.js';

const POLL_MS = 3000;
const STATUS_LABELS = {
  planned: 'Planned', scheduled: 'Scheduled', running: 'Running', passed: 'Passed', failed: 'Failed',
  cancelled: 'Cancelled', pending: 'Waiting', skipped: 'Not run', 'rolled-back': 'Rolled back',
  'rollback-failed': 'Rollback failed',
};
const STATUS_CLASS = {
  passed: 'passed', failed: 'failed', 'rolled-back': 'failed', 'rollback-failed': 'failed', running: 'running',
};
const PHASE_LABELS = { pre: 'Pre-check', install: 'Upgrade', post: 'Post-check', rollback: 'Rollback' };

const list = (v) => (Array.isArray(v) ? v : []);
const dash = () => h('span', { class: 'muted' }, '—');
const planHref = (name) => '#/upgrade-runs/' + encodeURIComponent(name);

function statusBadge(status) {
  return h('span', { class: `badge badge-run badge-run-${STATUS_CLASS[status] || 'other'}` }, STATUS_LABELS[status] || status);
}

function packagesText(p) {
  if (!p || p.mode === 'all') return 'All upgrades';
  if (p.mode === 'security') return 'Security upgrades';
  return list(p.names).map((n) => (n.version ? `${n.name} ${n.version}` : n.name)).join(', ');
}

function machinesText(plan) {
  const s = plan.selection || {};
  if (s.all) return 'All machines';
  return [list(s.hosts).join(', '), list(s.tags).length ? `tags ${list(s.tags).join(', ')}` : ''].filter(Boolean).join('; ');
}

/* A waiting machine of a plan in the windows: its window now or next, or none. */
function windowNote(m) {
  if (!('window' in m)) return null;
  const w = m.window;
  if (!w) return h('div', { class: 'upgrade-window' }, 'Waits: no maintenance window applies');
  const link = h('a', { href: '#/maintenance/' + encodeURIComponent(w.name) }, w.name);
  if (Date.parse(w.start) <= Date.now()) return h('div', { class: 'upgrade-window' }, 'Window ', link, ' is open until ', timeNode(w.end));
  return h('div', { class: 'upgrade-window' }, 'Waits for window ', link, ': opens ', timeNode(w.start));
}

function countsText(counts) {
  return Object.entries(counts || {}).map(([k, v]) => `${v} ${(STATUS_LABELS[k] || k).toLowerCase()}`).join(', ');
}

export function render(container, ctx) {
  if (ctx.sub.length === 1) return renderPlan(container, ctx, ctx.sub[0]);
  if (ctx.sub.length > 1) {
    container.append(h('h1', null, 'Page not found'), h('p', null, h('a', { href: '#/upgrade-runs' }, 'Back to the upgrade runs')));
    return undefined;
  }
  return renderList(container);
}

/* ---- the plans ---- */

async function renderList(container) {
  const error = messageArea('alert');
  const holder = h('div', null, h('p', { class: 'muted' }, 'Loading…'));
  container.append(
    h('h1', null, 'Upgrade runs'),
    h('p', { class: 'lead' }, 'Upgrade plans: exact versions per machine, compatibility tests before and after, the pilot ring first, and a rollback when a test fails.'),
    error.el,
    h('section', { class: 'card', 'aria-labelledby': 'upgrade-plans' }, h('h2', { id: 'upgrade-plans' }, 'Plans'), holder));
  const columns = [
    { label: 'Plan', cell: (p) => h('a', { href: planHref(p.name), class: 'strong' }, p.name) },
    { label: 'Status', cell: (p) => statusBadge(p.status) },
    { label: 'Packages', class: 'wrap', cell: (p) => packagesText(p.packages) },
    { label: 'Ring', class: 'nowrap', cell: (p) => (p.current_ring ? `${p.current_ring} of ${p.rings}` : `${p.rings} ${p.rings === 1 ? 'ring' : 'rings'}`) },
    { label: 'Machines', class: 'wrap', cell: (p) => countsText(p.counts) },
    { label: 'Planned by', cell: (p) => p.created_by },
    { label: 'Planned', class: 'nowrap', cell: (p) => timeNode(p.created_at) },
    { label: 'Why', class: 'wrap', cell: (p) => p.reason || '' },
  ];
  try {
    const plans = list((await request('GET', '/upgrades/plans')).plans);
    replace(holder, plans.length
      ? dataTable('Upgrade plans', columns, plans)
      : h('p', { class: 'empty' }, "No upgrade plans yet. Make one with 'ward upgrade plan' or POST /api/v1/upgrades/plans."));
  } catch (err) {
    replace(holder);
    error.show(err.message);
  }
}

/* ---- one plan ---- */

function stepLog(m) {
  const steps = list(m.steps);
  if (!steps.length) return h('p', { class: 'muted small' }, m.status === 'running' ? 'Waiting for the agent’s report…' : 'No steps reported.');
  return h('details', { class: 'upgrade-log', open: m.status !== 'passed' ? true : null },
    h('summary', null, `Step log of ${m.host} (${steps.length} steps)`),
    h('ol', { class: 'upgrade-steps', 'aria-label': `Steps on ${m.host}` }, steps.map((s) => h('li', { class: `upgrade-step upgrade-step-${s.status}` },
      h('div', { class: 'upgrade-step-head' },
        h('span', { class: 'muted small' }, PHASE_LABELS[s.phase] || s.phase), ' ',
        h('span', { class: 'strong' }, s.name), ' ', statusBadge(s.status),
        h('span', { class: 'muted small' }, ` ${typeof s.seconds === 'number' ? s.seconds.toFixed(2) : '?'} s`)),
      s.output ? h('pre', { class: 'upgrade-output' }, s.output.replace(/\r/g, '\n').replace(/\n{2,}/g, '\n').trimEnd()) : null))));
}

function versionsCell(m) {
  const pk = list(m.packages);
  if (!pk.length) return dash();
  return h('ul', { class: 'plain' }, pk.map((p) => {
    const v = list(m.versions).find((x) => x.name === p.name);
    return h('li', null, h('code', null, p.name), ` ${p.from} → ${p.to}`,
      v ? h('span', { class: 'muted small' }, ` (now ${v.after || 'not installed'})`) : null,
      p.rollback ? null : h('span', { class: 'badge badge-run badge-run-failed' }, 'no rollback'),
      p.rollback === 'unknown' ? h('span', { class: 'muted small' }, ' rollback checked on the machine') : null);
  }));
}

async function renderPlan(container, ctx, name) {
  const admin = ctx.user && ctx.user.role === 'admin';
  const error = messageArea('alert');
  const notice = messageArea('status');
  const head = h('div');
  const body = h('div', { class: 'stack' }, h('p', { class: 'muted' }, 'Loading…'));
  let timer = null;
  let gone = false;
  container.append(h('p', { class: 'small' }, h('a', { href: '#/upgrade-runs' }, '← All upgrade runs')),
    h('h1', null, name), head, error.el, notice.el, body);

  const runButton = h('button', { type: 'button', class: 'button button-primary' }, 'Run now');
  const cancelButton = h('button', { type: 'button', class: 'button' }, 'Cancel plan');
  async function act(verb, button, done) {
    error.clear();
    notice.clear();
    button.disabled = true;
    try {
      await request('POST', `/upgrades/plans/${encodeURIComponent(name)}/${verb}`);
      notice.show(done);
      await load();
    } catch (err) {
      error.show(err.message);
      button.disabled = false;
    }
  }
  runButton.addEventListener('click', () => act('run', runButton, 'Started: ring 1’s machines have their jobs.'));
  cancelButton.addEventListener('click', () => act('cancel', cancelButton, 'Cancelled: no further machine starts.'));

  const machineColumns = [
    { label: 'Machine', cell: (m) => h('a', { href: '#/machines/' + encodeURIComponent(m.host) }, m.host) },
    { label: 'Status', cell: (m) => statusBadge(m.status) },
    { label: 'Versions', class: 'wrap', cell: versionsCell },
    { label: 'Finished', class: 'nowrap', cell: (m) => timeNode(m.finished_at) },
    { label: 'Why', class: 'wrap', cell: (m) => [windowNote(m), m.reason || '', list(m.warnings).map((w) => h('div', { class: 'muted small' }, w))] },
  ];

  async function load() {
    if (gone) return;
    let plan;
    try {
      plan = (await request('GET', `/upgrades/plans/${encodeURIComponent(name)}`)).plan;
    } catch (err) {
      replace(body);
      error.show(err.message);
      return;
    }
    if (gone) return;
    const open = ['planned', 'scheduled'].includes(plan.status);
    runButton.disabled = !open;
    cancelButton.disabled = !(open || plan.status === 'running');
    const rings = [];
    for (let r = 1; r <= plan.rings; r += 1) rings.push(r);
    const ringStatus = (r) => {
      const ms = list(plan.machines).filter((m) => m.ring === r);
      if (ms.some((m) => ['failed', 'rolled-back', 'rollback-failed'].includes(m.status))) return 'failed';
      if (ms.some((m) => m.status === 'running')) return 'running';
      if (ms.length && ms.every((m) => ['passed', 'skipped'].includes(m.status)) && ms.some((m) => m.status === 'passed')) return 'passed';
      if (ms.length && ms.every((m) => m.status === 'skipped')) return 'skipped';
      if (ms.some((m) => m.status === 'cancelled')) return 'cancelled';
      return 'pending';
    };
    replace(head,
      h('div', { class: 'dr-status' }, h('span', null, 'Status: '), statusBadge(plan.status),
        plan.status === 'running' ? h('span', { class: 'muted' }, ` ring ${plan.current_ring} of ${plan.rings}`) : null),
      plan.reason ? h('p', { class: 'message message-error upgrade-reason' }, plan.reason) : null,
      plan.rollback_missing ? h('p', { class: plan.allow_no_rollback ? 'message' : 'message message-error' },
        plan.allow_no_rollback
          ? `${plan.rollback_missing} old version(s) can no longer be had for a rollback: allowed for this plan, those machines cannot be rolled back.`
          : `${plan.rollback_missing} old version(s) can no longer be had for a rollback: the run is refused unless allowed.`) : null,
      admin ? h('div', { class: 'form-actions' }, runButton, cancelButton) : null);
    replace(body,
      h('section', { class: 'card', 'aria-labelledby': 'upgrade-plan-what' },
        h('h2', { id: 'upgrade-plan-what' }, 'The plan'),
        h('dl', { class: 'props' }, [
          ['Machines', machinesText(plan)],
          ['Pilot', [list(plan.selection && plan.selection.pilot).join(', '), list(plan.selection && plan.selection.pilot_tags).map((t) => `tag ${t}`).join(', ')].filter(Boolean).join('; ') || 'None: one ring'],
          ['Packages', packagesText(plan.packages)],
          ['When', plan.in_window ? 'In each machine’s maintenance window'
            : plan.start_at ? timeNode(plan.start_at) : 'When run'],
          ['Planned by', [plan.created_by, ' ', timeNode(plan.created_at)]],
          ['Started by', plan.started_by ? [plan.started_by, ' ', timeNode(plan.started_at)] : null],
          ['Finished', plan.finished_at ? timeNode(plan.finished_at) : null],
        ].map(([k, v]) => h('div', { class: 'prop' }, h('dt', null, k), h('dd', null, v || dash()))))),
      h('section', { class: 'card', 'aria-labelledby': 'upgrade-plan-tests' },
        h('h2', { id: 'upgrade-plan-tests' }, 'Compatibility tests'),
        list(plan.tests).length
          ? h('ul', { class: 'plain' }, plan.tests.map((t) => h('li', null, h('span', { class: 'strong' }, t.name || t.kind), ' ',
            h('span', { class: 'muted small' }, `${t.kind}: `), h('code', null, t.command || t.unit || t.url || `${t.host}:${t.port}`))))
          : h('p', { class: 'empty' }, 'Disk space and the package manager only.')),
      plan.note ? h('section', { class: 'card', 'aria-labelledby': 'upgrade-plan-note' },
        h('h2', { id: 'upgrade-plan-note' }, 'What changed'),
        h('p', { class: 'strong' }, plan.note.title),
        h('pre', { class: 'upgrade-note' }, plan.note.text),
        h('p', { class: 'muted small' }, plan.notice_course
          ? ['Published as a training notice for the users of ', h('code', null, plan.note.package), ': ',
            h('a', { href: `#/training/${plan.notice_course}` }, 'the notice')]
          : `Becomes a training notice for the users of ${plan.note.package} when the plan passes.`)) : null,
      rings.map((r) => {
        const ms = list(plan.machines).filter((m) => m.ring === r);
        return h('section', { class: 'card upgrade-ring', 'aria-labelledby': `upgrade-ring-${r}` },
          h('div', { class: 'card-head' }, h('h2', { id: `upgrade-ring-${r}` }, r === 1 && plan.rings > 1 ? 'Ring 1 (pilot)' : `Ring ${r}`),
            statusBadge(ringStatus(r))),
          dataTable(`Machines of ring ${r}`, machineColumns, ms),
          ms.map(stepLog));
      }));
    clearTimeout(timer);
    if (plan.status === 'running') timer = setTimeout(load, POLL_MS);
  }

  await load();
  return () => {
    gone = true;
    clearTimeout(timer);
  };
}
