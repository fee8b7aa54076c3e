// pages/host-jobs.js — the Jobs card of the host page (pages/host.js): the machine's remote
// jobs (GET /api/v1/jobs?host=ID, newest first), each expanding to its output and result
// (GET /api/v1/jobs/{id}); "Run diagnostics" and "Report now" (POST .../diagnose,
// .../refresh, support and admin) and, for admins, "Run a command" (POST .../run). While a
// job is queued or sent the list is fetched again every 2 seconds.

import { api } from '../api.js';
import { h, replace, messageArea, field, dataTable } from '../dom.js';
import { timeNode, formatBytes } from '../format.js';

const POLL_MS = 2000;
const PENDING = new Set(['queued', 'sent']);
const STATUS_RANK = { queued: 0, sent: 1 }; // anything else is final: 2
const rank = (status) => STATUS_RANK[status] ?? 2;

const KIND_LABELS = { diagnostics: 'Diagnostics', inventory: 'Report now', command: 'Command' };
const STATUS_LABELS = {
  queued: 'Queued', sent: 'Sent', done: 'Done', failed: 'Failed', refused: 'Refused', expired: 'Expired',
};
const STATUS_HINTS = {
  expired: 'The agent did not fetch it in time.',
  refused: 'The agent refused it: see the reason below.',
};

const list = (v) => (Array.isArray(v) ? v : []);
const dash = () => h('span', { class: 'muted' }, '—');
const known = (v) => v !== null && v !== undefined;
const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;

export const kindLabel = (kind) => KIND_LABELS[kind] || String(kind || 'job');

export function statusBadge(status) {
  return h('span', { class: `badge badge-job badge-job-${String(status || 'unknown').replace(/[^a-z]/g, '')}` },
    STATUS_LABELS[status] || String(status || 'unknown'));
}

/**
 * The Jobs card. `host` is the host ({id, name}); `isAdmin` adds the command form.
 * Returns {el, stop()}: stop() ends the polling (called when the page is left).
 */
export function jobsSection(host, { isAdmin }) {
  const items = new Map(); // job id -> {job, li, toggle, summary, panel, open, detailFor}
  const count = h('span', { class: 'count muted' });
  const listError = messageArea('alert');
  const actionError = messageArea('alert');
  const notice = messageArea('status');
  const jobList = h('ol', { class: 'jobs', 'aria-label': 'Jobs, newest first' });
  const empty = h('p', { class: 'empty', hidden: true }, 'No jobs yet.');
  const loading = h('p', { class: 'muted' }, 'Loading…');
  let timer = null;
  let stopped = false;
  let inFlight = null;

  const diagnose = h('button', { type: 'button', class: 'button button-primary' }, 'Run diagnostics');
  const refresh = h('button', { type: 'button', class: 'button' }, 'Report now');

  const el = h('section', { class: 'card', 'aria-labelledby': 'host-jobs' },
    h('div', { class: 'card-head' }, h('h2', { id: 'host-jobs' }, 'Jobs'), count),
    h('p', { class: 'muted small job-intro' },
      'The machine\'s agent runs these; a job waits in the queue (up to 7 days) until the agent asks for it.'),
    h('div', { class: 'form-actions' }, diagnose, refresh),
    actionError.el,
    notice.el,
    isAdmin ? commandForm() : null,
    h('h3', null, 'Recent jobs'),
    listError.el,
    loading,
    empty,
    jobList);

  async function queue(button, call, what) {
    actionError.clear();
    notice.clear();
    button.disabled = true;
    try {
      const res = await call();
      if (stopped) return;
      upsert(res.job, { open: true, first: true });
      notice.show(`${what} queued: the agent runs it when it next asks for jobs.`);
      schedule();
    } catch (err) {
      actionError.show(err.message);
    } finally {
      button.disabled = false;
    }
  }
  diagnose.addEventListener('click', () => queue(diagnose, () => api.diagnoseHost(host.id), 'Diagnostics'));
  refresh.addEventListener('click', () => queue(refresh, () => api.refreshHost(host.id), 'A report'));

  function commandForm() {
    const error = messageArea('alert');
    const command = h('input', {
      name: 'command', type: 'text', autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false',
      class: 'mono', placeholder: 'systemctl restart cups',
    });
    const timeout = h('input', { name: 'timeout', type: 'number', min: '1', max: '3600', step: '1', inputmode: 'numeric', placeholder: '60' });
    const run = h('button', { type: 'submit', class: 'button button-primary' }, 'Run');
    const form = h('form', { class: 'form-grid command-form', 'aria-labelledby': 'host-run', novalidate: true },
      h('div', { class: 'form-wide' },
        h('h3', { id: 'host-run' }, 'Run a command'),
        h('p', { class: 'small command-note' },
          'The command runs as root (through /bin/sh) by the machine\'s agent, and is recorded in the activity log.')),
      field('Command', command),
      field('Timeout (seconds)', timeout, '1 to 3600; 60 when empty'),
      h('div', { class: 'form-actions' }, run),
      h('div', { class: 'form-wide' }, error.el));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      error.clear();
      notice.clear();
      actionError.clear();
      const body = { command: command.value };
      const t = timeout.value.trim();
      if (t !== '') body.timeout = Number(t);
      else if (timeout.validity.badInput) {
        error.show('The timeout must be a whole number of seconds.');
        timeout.focus();
        return;
      }
      run.disabled = true;
      try {
        const res = await api.runOnHost(host.id, body);
        if (stopped) return;
        upsert(res.job, { open: true, first: true });
        notice.show('Command queued: the agent runs it when it next asks for jobs.');
        command.value = '';
        schedule();
      } catch (err) {
        error.show(err.message);
        command.focus();
      } finally {
        run.disabled = false;
      }
    });
    return form;
  }

  /* ---- the list ---- */

  function summaryOf(job) {
    const command = job.kind === 'command' && job.params && typeof job.params.command === 'string' ? job.params.command : null;
    return [
      h('span', { class: 'job-main' },
        h('span', { class: 'job-kind' }, kindLabel(job.kind)),
        ' ',
        statusBadge(job.status),
        command ? h('code', { class: 'job-command' }, command) : null),
      h('span', { class: 'job-meta' },
        h('span', null, `by ${job.requested_by || 'unknown'}`),
        h('span', null, timeNode(job.created_at)),
        known(job.exit_code)
          ? h('span', { class: 'job-exit' + (job.exit_code === 0 ? ' job-exit-ok' : ' job-exit-bad') }, `exit code ${job.exit_code}`)
          : null),
    ];
  }

  function setOpen(item, open) {
    item.open = open;
    item.toggle.setAttribute('aria-expanded', String(open));
    item.panel.hidden = !open;
    if (open) loadDetail(item);
  }

  /** Add a job, or update the one shown; jobs never go backwards (queued → sent → final). */
  function upsert(job, { open = false, first = false } = {}) {
    let item = items.get(job.id);
    if (item) {
      if (rank(job.status) < rank(item.job.status)) return item;
      const changed = job.status !== item.job.status || job.exit_code !== item.job.exit_code;
      item.job = { ...item.job, ...job };
      if (changed) {
        replace(item.summary, summaryOf(item.job));
        item.li.className = 'job job-' + item.job.status;
        if (item.open) loadDetail(item);
      }
    } else {
      const panelId = `job-${job.id}-detail`;
      const summary = h('span', { class: 'job-summary' });
      const toggle = h('button', { type: 'button', class: 'job-toggle', 'aria-expanded': 'false', 'aria-controls': panelId }, summary);
      const panel = h('div', { id: panelId, class: 'job-detail', role: 'region', 'aria-label': `Job ${job.id}`, hidden: true });
      const li = h('li', { class: 'job job-' + job.status, 'data-job-id': String(job.id) }, toggle, panel);
      item = { job, li, toggle, summary, panel, open: false, detailFor: null };
      replace(summary, summaryOf(job));
      toggle.addEventListener('click', () => setOpen(item, !item.open));
      items.set(job.id, item);
      // Newest first: before the first job with a smaller id (existing rows never move, so focus stays).
      const next = first ? jobList.firstChild : [...items.values()]
        .filter((o) => o !== item && o.job.id < job.id && o.li.parentNode === jobList)
        .sort((a, b) => b.job.id - a.job.id)[0]?.li || null;
      jobList.insertBefore(li, next);
    }
    if (open && !item.open) setOpen(item, true);
    showCount();
    return item;
  }

  function showCount() {
    const n = items.size;
    count.textContent = plural(n, 'job', 'jobs');
    empty.hidden = n > 0;
  }

  async function loadDetail(item) {
    const key = `${item.job.status}/${item.job.exit_code}`;
    if (item.detailFor === key) return;
    item.detailFor = key;
    if (PENDING.has(item.job.status)) {
      replace(item.panel, detailView(item.job));
      return;
    }
    if (!item.panel.firstChild) replace(item.panel, h('p', { class: 'muted' }, 'Loading…'));
    try {
      const res = await api.job(item.job.id);
      if (stopped || item.detailFor !== key) return;
      replace(item.panel, detailView(res.job));
    } catch (err) {
      if (item.detailFor !== key) return;
      item.detailFor = null; // try again on the next expand
      const error = messageArea('alert');
      error.show(err.message);
      replace(item.panel, error.el);
    }
  }

  const pending = () => [...items.values()].some((o) => PENDING.has(o.job.status));

  function schedule() {
    clearTimeout(timer);
    timer = null;
    if (!stopped && pending() && !inFlight) timer = setTimeout(load, POLL_MS);
  }

  async function load() {
    timer = null;
    if (stopped) return;
    if (!el.isConnected && items.size) {
      stop(); // the page was left without a cleanup
      return;
    }
    inFlight = api.jobs({ host: host.id });
    try {
      const res = await inFlight;
      if (stopped) return;
      listError.clear();
      // Oldest first, so each new one lands above the ones before it.
      for (const job of list(res.jobs).slice().reverse()) upsert(job);
    } catch (err) {
      if (stopped) return;
      listError.show(`The jobs could not be loaded: ${err.message}`);
    } finally {
      inFlight = null;
      loading.remove();
      showCount();
    }
    schedule();
  }

  function stop() {
    stopped = true;
    clearTimeout(timer);
    timer = null;
  }

  load();
  return { el, stop };
}

/* ---- one job ---- */

function detailView(job) {
  const parts = [];
  parts.push(h('dl', { class: 'props job-props' },
    prop('Status', [statusBadge(job.status), STATUS_HINTS[job.status] ? h('span', { class: 'muted small block' }, STATUS_HINTS[job.status]) : null]),
    prop('Requested', [timeNode(job.created_at), ` by ${job.requested_by || 'unknown'}`]),
    prop('Sent to the agent', timeNode(job.sent_at, 'not yet')),
    prop('Finished', timeNode(job.finished_at, 'not yet')),
    PENDING.has(job.status) ? prop('Expires', timeNode(job.expires_at)) : null,
    job.kind === 'command' ? prop('Timeout', `${(job.params && job.params.timeout) || 60} s`) : null,
    known(job.exit_code) ? prop('Exit code', h('span', { class: job.exit_code === 0 ? 'job-exit-ok' : 'job-exit-bad' }, String(job.exit_code))) : null));
  if (job.kind === 'command' && job.params && typeof job.params.command === 'string') {
    parts.push(h('h4', null, 'Command'), h('pre', { class: 'job-pre' }, job.params.command));
  }
  if (PENDING.has(job.status)) {
    parts.push(h('p', { class: 'muted', role: 'status' },
      job.status === 'queued' ? 'Waiting for the agent… the result appears here when it has run.' : 'Running on the machine…'));
    return parts;
  }
  const result = job.result && typeof job.result === 'object' ? job.result : null;
  if (job.kind === 'command' && result) {
    const notes = [result.timed_out ? 'It was stopped when the timeout ran out.' : null,
      result.truncated ? 'The output was cut at 64 KiB.' : null].filter(Boolean);
    if (notes.length) parts.push(h('p', { class: 'warn-text small' }, notes.join(' ')));
  }
  if (job.kind !== 'diagnostics' || job.output) {
    parts.push(h('h4', null, job.status === 'done' || job.kind === 'command' ? 'Output' : 'Reason'),
      job.output
        ? h('pre', { class: 'job-pre job-output', tabindex: '0', role: 'region', 'aria-label': `Output of job ${job.id}` }, job.output)
        : h('p', { class: 'muted small' }, 'No output.'));
  }
  if (job.kind === 'inventory' && result && known(result.sections_sent)) {
    parts.push(h('p', { class: 'small' }, result.spooled
      ? 'The server could not be reached: the report was kept to be sent later.'
      : `Reported ${plural(result.sections_sent, 'changed section', 'changed sections')}. Reload the page to see the new facts.`));
  }
  if (job.kind === 'diagnostics' && result) parts.push(diagnosticsView(job.id, result));
  return parts;
}

function prop(label, value) {
  return h('div', { class: 'prop' }, h('dt', null, label), h('dd', null, value));
}

function fixed(v, digits = 2) {
  const n = Number(v);
  return Number.isFinite(n) ? n.toFixed(digits) : '—';
}

function usedPercent(p) {
  if (!known(p) || !Number.isFinite(Number(p))) return dash();
  const v = Math.round(Number(p));
  return h('span', { class: 'used' + (v >= 90 ? ' used-high' : '') },
    h('meter', { min: '0', max: '100', low: '75', high: '90', optimum: '0', value: String(v), 'aria-hidden': 'true' }),
    `${v}%`);
}

function cpuTime(s) {
  const n = Number(s);
  if (!Number.isFinite(n)) return '—';
  if (n < 60) return `${n.toFixed(1)} s`;
  const m = Math.floor(n / 60);
  return m < 60 ? `${m} min ${Math.round(n % 60)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

function diagnosticsView(id, r) {
  const load = list(r.load);
  const mem = r.memory && typeof r.memory === 'object' ? r.memory : null;
  const fss = list(r.filesystems);
  const procColumns = [
    { label: 'PID', class: 'num', cell: (p) => String(p.pid ?? '') },
    { label: 'Command', class: 'wrap', cell: (p) => h('span', { class: 'strong' }, String(p.command ?? '')) },
    { label: 'CPU time', class: 'num', cell: (p) => cpuTime(p.cpu_seconds) },
    { label: 'Memory', class: 'num', cell: (p) => formatBytes(p.rss_bytes) },
  ];
  const procs = (label, rows) => (list(rows).length
    ? dataTable(`${label}, job ${id}`, procColumns, list(rows))
    : h('p', { class: 'muted small' }, 'No processes read.'));
  const used = mem && known(mem.total_bytes) && known(mem.available_bytes) && mem.total_bytes > 0
    ? Math.round(100 * (1 - mem.available_bytes / mem.total_bytes)) : null;
  return h('div', { class: 'diagnostics' },
    h('h4', null, 'Diagnostics'),
    h('dl', { class: 'props' },
      prop('Load average', load.length === 3
        ? [load.map((v) => fixed(v)).join('  '), h('span', { class: 'muted small block' }, '1, 5 and 15 minutes')]
        : dash()),
      prop('Memory', mem && known(mem.total_bytes)
        ? [formatBytes(mem.total_bytes), known(mem.available_bytes)
          ? h('span', { class: 'muted small block' }, `${formatBytes(mem.available_bytes)} available${used === null ? '' : ` (${used}% used)`}`) : null]
        : dash()),
      mem && known(mem.swap_total_bytes)
        ? prop('Swap', [formatBytes(mem.swap_total_bytes), known(mem.swap_free_bytes)
          ? h('span', { class: 'muted small block' }, `${formatBytes(mem.swap_free_bytes)} free`) : null])
        : null,
      prop('Processes', known(r.processes) ? String(r.processes) : dash())),
    h('h4', null, 'Filesystems'),
    fss.length ? dataTable(`Filesystems, job ${id}`, [
      { label: 'Mount point', class: 'wrap', cell: (f) => h('span', { class: 'strong' }, String(f.mount_point ?? '')) },
      { label: 'Device', cell: (f) => (known(f.device) ? String(f.device) : dash()) },
      { label: 'Type', cell: (f) => (known(f.type) ? String(f.type) : dash()) },
      { label: 'Size', class: 'num', cell: (f) => formatBytes(f.size_bytes) },
      { label: 'Used', class: 'num', cell: (f) => formatBytes(f.used_bytes) },
      { label: 'Used %', class: 'nowrap', cell: (f) => usedPercent(f.used_percent) },
    ], fss) : h('p', { class: 'muted small' }, 'No filesystems read.'),
    h('h4', null, 'Failed units'),
    list(r.failed_units).length
      ? h('ul', { class: 'chips chips-warn', 'aria-label': `Failed units, job ${id}` }, list(r.failed_units).map((u) => h('li', null, String(u))))
      : h('p', { class: 'muted small' }, 'None.'),
    h('div', { class: 'card-grid card-grid-inner' },
      h('div', null, h('h4', null, 'Top processes by CPU'), procs('Top processes by CPU', r.top_cpu)),
      h('div', null, h('h4', null, 'Top processes by memory'), procs('Top processes by memory', r.top_memory))),
    h('h4', null, r.log_source === 'journal' ? 'Journal (last lines)' : r.log_source === 'syslog' ? 'Syslog (last lines)' : 'Log'),
    r.log
      ? h('pre', { class: 'job-pre job-log', tabindex: '0', role: 'region', 'aria-label': `Log lines, job ${id}` }, String(r.log))
      : h('p', { class: 'muted small' }, 'No log lines read.'),
    list(r.warnings).length
      ? [h('h4', null, 'Warnings'), h('ul', { class: 'small muted' }, list(r.warnings).map((w) => h('li', null, typeof w === 'string' ? w : JSON.stringify(w))))]
      : null);
}
