// pages/vulns.js — support and admin: #/vulnerabilities, the fleet's vulnerable packages
// (GET /api/v1/vulns: counts by urgency and status, machines, and every finding with its
// issue, urgency, remote/local, fixed version and whether an upgrade on hand fixes it),
// filtered by machine, issue, urgency and status; and #/vulnerabilities/<host>, one
// machine's (GET /api/v1/hosts/{host}/vulns) with its release's end of life.

import { request } from '../api.js';
import { h, replace, messageArea, field, dataTable } from '../dom.js';

const STATUS_LABELS = {
  'fixed-available': 'Fix available',
  unfixed: 'Unfixed',
  'will-not-fix': "Won't fix",
  'end-of-life': 'End of life',
};
const URGENCY_ORDER = ['critical', 'high', 'medium', 'low', 'negligible', 'unimportant', 'end-of-life', 'unassigned'];
const FINDINGS_SHOWN = 1000;
const EOL_LABELS = { supported: 'Supported', extended: 'Extended support only', 'end-of-life': 'End of life' };

const dash = () => h('span', { class: 'muted' }, '—');
const list = (v) => (Array.isArray(v) ? v : []);
const hostHref = (name) => '#/vulnerabilities/' + encodeURIComponent(name);

function urgencyWord(u) {
  if (!u || u === 'not yet assigned') return 'unassigned';
  return u.replace(/\*+$/, '');
}

function urgencyBadge(u) {
  const w = urgencyWord(u);
  const sev = w === 'critical' || w === 'high' ? 'high' : w === 'medium' ? 'medium' : 'low';
  return h('span', { class: `badge badge-severity badge-severity-${sev}` }, w);
}

function fixesCell(f) {
  if (f.upgrade_fixes === true) return h('span', { class: 'status status-on' }, 'Yes');
  if (f.upgrade_fixes === false) return 'No';
  return dash();
}

const findingColumns = (withHost) => [
  withHost ? { label: 'Machine', cell: (f) => h('a', { href: hostHref(f.host) }, f.host) } : null,
  { label: 'Package', class: 'wrap', cell: (f) => [h('span', { class: 'strong' }, f.source),
    list(f.binaries).length && (f.binaries.length > 1 || f.binaries[0] !== f.source)
      ? h('div', { class: 'muted small' }, f.binaries.join(', ')) : null] },
  { label: 'Installed', class: 'nowrap', cell: (f) => h('code', null, f.version) },
  { label: 'Issue', class: 'nowrap', cell: (f) => h('a', {
    href: `https://security-tracker.debian.org/tracker/${encodeURIComponent(f.cve)}`, rel: 'noreferrer', target: '_blank',
  }, f.cve) },
  { label: 'Status', cell: (f) => STATUS_LABELS[f.status] || f.status },
  { label: 'Urgency', cell: (f) => urgencyBadge(f.urgency) },
  { label: 'Scope', cell: (f) => f.scope || dash() },
  { label: 'Fixed in', class: 'nowrap', cell: (f) => (f.fixed ? h('code', null, f.fixed) : dash()) },
  { label: 'Upgrade on hand fixes it', cell: fixesCell },
].filter(Boolean);

function stat(label, value, extra) {
  return h('li', { class: 'stat' + (extra ? ' ' + extra : '') },
    h('span', { class: 'stat-value' }, String(value ?? 0)),
    h('span', { class: 'stat-label' }, label));
}

export function render(container, ctx) {
  if (ctx.sub.length === 1) return renderHost(container, ctx.sub[0]);
  return renderFleet(container, ctx);
}

/* ---- the fleet ---- */

async function renderFleet(container, ctx) {
  const error = messageArea('alert');
  const params = ctx.params || new URLSearchParams();
  const counts = h('div', null, h('p', { class: 'muted' }, 'Loading…'));
  const machines = h('div');
  const findings = h('div');
  const summary = h('p', { class: 'muted small' });
  const input = (name, label, placeholder) => field(label, h('input', { name, type: 'text', value: params.get(name) || '', placeholder }));
  const select = (name, label, options) => field(label, h('select', { name },
    options.map(([v, t]) => h('option', { value: v, selected: (params.get(name) || '') === v }, t))));
  const form = h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter vulnerabilities' },
    input('host', 'Machine', 'name'),
    input('cve', 'Issue', 'CVE-2024-…'),
    select('urgency', 'Urgency', [['', 'Any'], ...URGENCY_ORDER.slice(0, 6).map((u) => [u, u])]),
    select('status', 'Status', [['', 'Any'], ...Object.entries(STATUS_LABELS)]),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'button button-primary' }, 'Filter')));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const q = new URLSearchParams();
    for (const el of form.elements) if (el.name && el.value) q.set(el.name, el.value);
    const s = q.toString();
    window.location.hash = '#/vulnerabilities' + (s ? '?' + s : '');
  });
  container.append(
    h('h1', null, 'Vulnerabilities'),
    h('p', { class: 'lead' }, 'Known vulnerabilities of the packages on every machine, from the imported Debian Security Tracker and OSV feeds, matched by source package and version.'),
    error.el, form,
    h('section', { class: 'card', 'aria-labelledby': 'vuln-counts' },
      h('div', { class: 'card-head' }, h('h2', { id: 'vuln-counts' }, 'By urgency')), counts),
    h('section', { class: 'card', 'aria-labelledby': 'vuln-machines' },
      h('div', { class: 'card-head' }, h('h2', { id: 'vuln-machines' }, 'Machines')), machines),
    h('section', { class: 'card', 'aria-labelledby': 'vuln-findings' },
      h('div', { class: 'card-head' }, h('h2', { id: 'vuln-findings' }, 'Vulnerable packages'), summary), findings));
  const query = {};
  for (const k of ['host', 'cve', 'urgency', 'status']) if (params.get(k)) query[k] = params.get(k);
  try {
    const data = await request('GET', '/vulns', { query });
    const byU = data.by_urgency || {};
    const words = [...URGENCY_ORDER.filter((u) => byU[u]), ...Object.keys(byU).filter((u) => !URGENCY_ORDER.includes(u))];
    const byS = data.by_status || {};
    replace(counts,
      h('ul', { class: 'stats', 'aria-label': 'Findings by urgency' },
        words.length ? words.map((u) => stat(u, byU[u], u === 'critical' || u === 'high' ? 'stat-warn' : ''))
          : stat('findings', 0)),
      h('ul', { class: 'stats', 'aria-label': 'Findings by status' },
        Object.keys(STATUS_LABELS).map((s) => stat(STATUS_LABELS[s], byS[s] || 0))));
    const hostColumns = [
      { label: 'Machine', cell: (m) => h('a', { href: hostHref(m.host), class: 'strong' }, m.host) },
      { label: 'Release', class: 'wrap', cell: (m) => [m.os || dash(), m.eol ? h('div', { class: m.eol.status === 'end-of-life' ? 'warn-text small' : 'muted small' }, EOL_LABELS[m.eol.status] || m.eol.status) : null] },
      { label: 'Fix available', cell: (m) => String(m.counts['fixed-available'] ?? 0) },
      { label: 'Upgrade on hand fixes', cell: (m) => String(m.counts['upgrade-fixes'] ?? 0) },
      { label: 'Unfixed', cell: (m) => String(m.counts.unfixed ?? 0) },
      { label: "Won't fix", cell: (m) => String(m.counts['will-not-fix'] ?? 0) },
      { label: 'End of life', cell: (m) => String(m.counts['end-of-life'] ?? 0) },
    ];
    const hosts = list(data.hosts);
    replace(machines, hosts.length ? dataTable('Machines and their findings', hostColumns, hosts)
      : h('p', { class: 'empty' }, "No machine to show: none has reported its packages, or no vulnerability feed is imported ('ward vuln import').") );
    const all = list(data.findings);
    const shown = all.slice(0, FINDINGS_SHOWN);
    summary.textContent = `${all.length}${data.truncated ? '+' : ''} ${all.length === 1 ? 'finding' : 'findings'}`
      + (shown.length < all.length ? `, the first ${shown.length} shown` : '');
    replace(findings, shown.length ? dataTable('Vulnerable package list', findingColumns(true), shown)
      : h('p', { class: 'empty' }, 'No vulnerable package matches.'));
  } catch (err) {
    replace(counts);
    error.show(err.message);
  }
}

/* ---- one machine ---- */

async function renderHost(container, name) {
  const error = messageArea('alert');
  const head = h('div');
  const body = h('div', null, h('p', { class: 'muted' }, 'Loading…'));
  container.append(h('p', { class: 'small' }, h('a', { href: '#/vulnerabilities' }, '← All machines')),
    h('h1', null, `Vulnerabilities of ${name}`), error.el, head,
    h('p', { class: 'small' }, h('a', { href: '#/machines/' + encodeURIComponent(name) }, 'The machine’s facts'), ' · ',
      h('a', { href: '#/compliance?host=' + encodeURIComponent(name) }, 'Its patch compliance')),
    h('section', { class: 'card', 'aria-labelledby': 'host-vulns' },
      h('div', { class: 'card-head' }, h('h2', { id: 'host-vulns' }, 'Vulnerable packages')), body));
  try {
    const data = await request('GET', `/hosts/${encodeURIComponent(name)}/vulns`);
    const c = data.counts || {};
    replace(head,
      data.eol ? h('p', { class: data.eol.status === 'end-of-life' ? 'warn-text' : 'muted' }, data.eol.message) : null,
      h('ul', { class: 'stats', 'aria-label': 'Findings by status' },
        stat('Fix available', c['fixed-available']),
        stat('Upgrade on hand fixes', c['upgrade-fixes']),
        stat('Unfixed', c.unfixed),
        stat("Won't fix", c['will-not-fix']),
        stat('End of life', c['end-of-life'], c['end-of-life'] ? 'stat-warn' : '')));
    const f = list(data.findings);
    replace(body, f.length ? dataTable(`Vulnerable packages of ${name}`, findingColumns(false), f)
      : h('p', { class: 'empty' }, 'No known vulnerability.'));
  } catch (err) {
    replace(body);
    error.show(err.message);
  }
}
