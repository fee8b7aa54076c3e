// pages/compliance.js — support and admin: #/compliance, patch compliance: the fleet's
// figures and the due policy (GET /api/v1/compliance), the trend of the daily snapshots
// as a line and a table (GET /api/v1/compliance/history), each machine, and the overdue
// (or every pending) upgrade with its due date (GET /api/v1/compliance/upgrades).
// ?host=NAME narrows it to one machine. Admins take a snapshot now (POST .../snapshot).

import { request } from '../api.js';
import { h, append, replace, messageArea, dataTable } from '../dom.js';

const HISTORY_DAYS = 90;
const CLASS_LABELS = { 'security-high': 'Security, high urgency', security: 'Security', other: 'Other' };
const SVG_NS = 'http://www.w3.org/2000/svg';

const dash = () => h('span', { class: 'muted' }, '—');
const list = (v) => (Array.isArray(v) ? v : []);
const pct = (n) => `${Math.round(n)}%`;
const days = (s) => `${Math.round(s / 86400)} days`;

function stat(label, value, extra) {
  return h('li', { class: 'stat' + (extra ? ' ' + extra : '') },
    h('span', { class: 'stat-value' }, String(value ?? 0)),
    h('span', { class: 'stat-label' }, label));
}

function svg(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
  for (const c of children) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

/** The share on time, day by day, as an inline SVG line (0–100 %). */
function trendChart(rows) {
  const W = 600;
  const H = 160;
  const pad = 28;
  const left = 48; // room for the axis labels
  const n = rows.length;
  const x = (i) => left + (n === 1 ? (W - left - pad) / 2 : (i * (W - left - pad)) / (n - 1));
  const y = (p) => H - pad - (p * (H - 2 * pad)) / 100;
  const points = rows.map((r, i) => `${x(i).toFixed(1)},${y(r.percent).toFixed(1)}`).join(' ');
  const last = rows[n - 1];
  return svg('svg', {
    class: 'trend', viewBox: `0 0 ${W} ${H}`, width: '100%', role: 'img',
    'aria-label': `Upgrades on time, ${rows[0].day} to ${last.day}: from ${pct(rows[0].percent)} to ${pct(last.percent)}`,
  },
  svg('line', { x1: left, y1: y(100), x2: W - pad, y2: y(100), stroke: 'currentColor', 'stroke-opacity': 0.2 }),
  svg('line', { x1: left, y1: y(0), x2: W - pad, y2: y(0), stroke: 'currentColor', 'stroke-opacity': 0.4 }),
  svg('text', { x: 2, y: y(100) + 4, 'font-size': 11, fill: 'currentColor' }, '100%'),
  svg('text', { x: 8, y: y(0) + 4, 'font-size': 11, fill: 'currentColor' }, '0%'),
  svg('text', { x: left, y: H - 6, 'font-size': 11, fill: 'currentColor' }, rows[0].day),
  svg('text', { x: W - pad, y: H - 6, 'font-size': 11, fill: 'currentColor', 'text-anchor': 'end' }, last.day),
  ...(n > 1 ? [svg('polyline', { points, fill: 'none', stroke: 'var(--accent, #2563eb)', 'stroke-width': 2.5 })] : []),
  ...rows.map((r, i) => svg('circle', { cx: x(i).toFixed(1), cy: y(r.percent).toFixed(1), r: 3.5, fill: 'var(--accent, #2563eb)' },
    svg('title', null, `${r.day}: ${pct(r.percent)} on time, ${r.overdue} overdue`))));
}

export async function render(container, ctx) {
  const admin = ctx.user && ctx.user.role === 'admin';
  const host = (ctx.params && ctx.params.get('host')) || '';
  const all = Boolean(ctx.params && ctx.params.get('all'));
  const error = messageArea('alert');
  const notice = messageArea('status');
  const figures = h('div', null, h('p', { class: 'muted' }, 'Loading…'));
  const trend = h('div');
  const machines = h('div');
  const upgrades = h('div');
  const q = (extra) => '#/compliance?' + new URLSearchParams({ ...(host ? { host } : {}), ...extra }).toString();
  const toggle = h('a', { href: all ? q({}) : q({ all: '1' }), class: 'small' }, all ? 'Show only the overdue' : 'Show every pending upgrade');
  const snapButton = admin ? h('button', { type: 'button', class: 'button' }, 'Take a snapshot now') : null;
  append(container, [
    host ? h('p', { class: 'small' }, h('a', { href: '#/compliance' }, '← The whole fleet')) : null,
    h('h1', null, host ? `Patch compliance of ${host}` : 'Patch compliance'),
    h('p', { class: 'lead' }, 'Each upgrade a machine has on hand is due a set time after Ward first saw it there; a machine with no overdue upgrade is compliant.'),
    error.el, notice.el,
    snapButton ? h('div', { class: 'page-actions' }, snapButton) : null,
    h('section', { class: 'card', 'aria-labelledby': 'compl-fleet' },
      h('div', { class: 'card-head' }, h('h2', { id: 'compl-fleet' }, host ? 'Now' : 'The fleet now')), figures),
    h('section', { class: 'card', 'aria-labelledby': 'compl-trend' },
      h('div', { class: 'card-head' }, h('h2', { id: 'compl-trend' }, 'Trend')), trend),
    h('section', { class: 'card', 'aria-labelledby': 'compl-machines' },
      h('div', { class: 'card-head' }, h('h2', { id: 'compl-machines' }, 'Machines')), machines),
    h('section', { class: 'card', 'aria-labelledby': 'compl-upgrades' },
      h('div', { class: 'card-head' }, h('h2', { id: 'compl-upgrades' }, all ? 'Pending upgrades' : 'Overdue upgrades'), toggle),
      upgrades)]);

  async function load() {
    const query = host ? { host } : {};
    try {
      const [sum, hist, ups] = await Promise.all([
        request('GET', '/compliance', { query }),
        request('GET', '/compliance/history', { query: { ...query, days: HISTORY_DAYS } }),
        request('GET', '/compliance/upgrades', { query: all ? query : { ...query, overdue: 1 } }),
      ]);
      const f = sum.fleet;
      const p = sum.policy;
      replace(figures,
        h('ul', { class: 'stats', 'aria-label': 'Compliance figures' },
          stat('Machines compliant', `${f.compliant} of ${f.machines}`, f.compliant < f.machines ? 'stat-warn' : 'stat-total'),
          stat('Upgrades on time', pct(f.percent)),
          stat('Pending upgrades', f.tracked),
          stat('Overdue', f.overdue, f.overdue ? 'stat-warn' : '')),
        h('p', { class: 'muted small' },
          `Due: security fixes of high or critical urgency ${days(p['security-high'])} after first seen, other security fixes ${days(p.security)}, other upgrades ${days(p.other)}.`));
      const rows = list(hist.history);
      replace(trend, rows.length
        ? [trendChart(rows), dataTable('Daily snapshots', [
          { label: 'Day', class: 'nowrap', cell: (r) => r.day },
          { label: 'Machines', cell: (r) => String(r.machines) },
          { label: 'Compliant', cell: (r) => String(r.compliant) },
          { label: 'Pending', cell: (r) => String(r.tracked) },
          { label: 'Overdue', cell: (r) => String(r.overdue) },
          { label: 'On time', cell: (r) => pct(r.percent) },
        ], rows.slice().reverse())]
        : h('p', { class: 'empty' }, 'No snapshot yet: ward serve takes one every hour.'));
      const hostRows = list(sum.hosts);
      replace(machines, hostRows.length ? dataTable('Machine list', [
        { label: 'Machine', cell: (m) => h('a', { href: '#/compliance?host=' + encodeURIComponent(m.host), class: 'strong' }, m.host) },
        { label: 'Pending', cell: (m) => String(m.tracked) },
        { label: 'Overdue', cell: (m) => String(m.overdue) },
        { label: 'On time', cell: (m) => pct(m.percent) },
        { label: 'Compliant', cell: (m) => (m.compliant ? h('span', { class: 'status status-on' }, 'Yes')
          : h('span', { class: 'badge badge-severity badge-severity-high' }, 'No')) },
        { label: 'Release', class: 'wrap', cell: (m) => (m.eol_message ? h('span', { class: m.eol === 'end-of-life' ? 'warn-text' : 'muted small' }, m.eol_message) : dash()) },
        { label: 'Vulnerabilities', cell: (m) => h('a', { href: '#/vulnerabilities/' + encodeURIComponent(m.host) }, 'Show') },
      ], hostRows) : h('p', { class: 'empty' }, 'No machine has reported its upgrades yet.'));
      const u = list(ups.upgrades);
      replace(upgrades, u.length ? dataTable(all ? 'Pending upgrade list' : 'Overdue upgrade list', [
        { label: 'Machine', cell: (r) => r.host },
        { label: 'Package', cell: (r) => h('span', { class: 'strong' }, r.package) },
        { label: 'Installed', class: 'nowrap', cell: (r) => (r.installed ? h('code', null, r.installed) : dash()) },
        { label: 'Candidate', class: 'nowrap', cell: (r) => h('code', null, r.candidate) },
        { label: 'Class', cell: (r) => CLASS_LABELS[r.class] || r.class },
        { label: 'Fixes', class: 'nowrap', cell: (r) => (list(r.cves).length ? list(r.cves).join(', ') : dash()) },
        { label: 'First seen', class: 'nowrap', cell: (r) => r.first_seen.slice(0, 10) },
        { label: 'Due', class: 'nowrap', cell: (r) => r.due.slice(0, 10) },
        { label: 'State', class: 'nowrap', cell: (r) => (r.overdue
          ? h('span', { class: 'badge badge-severity badge-severity-high' }, r.days_left === 0 ? 'Overdue today' : `Overdue ${-r.days_left} d`)
          : `Due in ${r.days_left} d`) },
      ], u) : h('p', { class: 'empty' }, all ? 'No pending upgrade.' : 'No upgrade is overdue.'));
    } catch (err) {
      replace(figures);
      error.show(err.message);
    }
  }

  if (snapButton) {
    snapButton.addEventListener('click', async () => {
      error.clear();
      notice.clear();
      snapButton.disabled = true;
      try {
        const res = await request('POST', '/compliance/snapshot');
        notice.show(`Snapshot taken: ${res.fleet.compliant} of ${res.fleet.machines} machines compliant.`);
        await load();
      } catch (err) {
        error.show(err.message);
      } finally {
        snapButton.disabled = false;
      }
    });
  }
  await load();
}
