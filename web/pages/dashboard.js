// pages/dashboard.js — GET /api/v1/dashboard: a greeting; for support staff and admins
// the recovery plans' colours and the open findings; for admins the user counts by role
// and the most recent activity.

import { api } from '../api.js';
import { h, replace, messageArea, dataTable } from '../dom.js';
import { greeting, roleLabel, timeNode, detailsText } from '../format.js';

export async function render(container, ctx) {
  const error = messageArea('alert');
  const body = h('div', { class: 'stack' }, h('p', { class: 'muted' }, 'Loading…'));
  container.append(
    h('h1', null, 'Dashboard'),
    h('p', { class: 'lead greeting' }, `${greeting()}, ${ctx.user.name}.`),
    error.el,
    body);

  let data;
  try {
    data = await api.dashboard();
  } catch (err) {
    replace(body);
    error.show(err.message);
    return;
  }

  const sections = [];
  if (data.findings) sections.push(findingsSection(data.findings));
  if (data.recovery) sections.push(recoverySection(data.recovery));
  if (data.users) sections.push(usersSection(data.users));
  if (data.activity) sections.push(activitySection(data.activity));
  if (!data.users && !data.activity) sections.push(welcomeSection(data.user || ctx.user));
  sections.push(h('p', { class: 'muted small version' }, `Ward ${data.version || ''}`.trim()));
  replace(body, sections);
}

function findingsSection(findings) {
  const recent = Array.isArray(findings.recent) ? findings.recent : [];
  const columns = [
    { label: 'Opened', cell: (f) => timeNode(f.opened_at), class: 'nowrap' },
    { label: 'Severity', cell: (f) => h('span', { class: `badge badge-severity badge-severity-${f.severity}` }, f.severity) },
    { label: 'Subject', class: 'wrap', cell: (f) => f.subject },
    { label: 'Finding', class: 'wrap', cell: (f) => f.message },
  ];
  return h('section', { class: 'card', 'aria-labelledby': 'dash-findings' },
    h('div', { class: 'card-head' }, h('h2', { id: 'dash-findings' }, 'Open findings'),
      h('span', { class: 'count muted' }, `${findings.open ?? recent.length} open`)),
    recent.length
      ? dataTable('Open findings', columns, recent)
      : h('p', { class: 'empty' }, 'Nothing needs looking at.'));
}

function recoverySection(rec) {
  const stat = (label, value, extra) => h('li', { class: 'stat' + (extra ? ' ' + extra : '') },
    h('span', { class: 'stat-value' }, String(value ?? 0)),
    h('span', { class: 'stat-label' }, label));
  const attention = Array.isArray(rec.attention) ? rec.attention : [];
  return h('section', { class: 'card', 'aria-labelledby': 'dash-recovery' },
    h('div', { class: 'card-head' },
      h('h2', { id: 'dash-recovery' }, 'Recovery plans'),
      h('a', { href: '#/backups' }, 'All plans')),
    h('ul', { class: 'stats', 'aria-label': 'Recovery plan status' },
      stat('Plans', rec.plans, 'stat-total'),
      stat('Green', rec.green),
      stat('Amber', rec.amber, rec.amber ? 'stat-warn' : ''),
      stat('Red', rec.red, rec.red ? 'stat-warn' : '')),
    attention.length
      ? h('ul', { class: 'dr-reasons' }, attention.map((p) => h('li', null,
        h('a', { href: '#/backups/' + encodeURIComponent(p.name) }, p.name), ` (${p.color}): ${p.reason || ''}`)))
      : null);
}

function usersSection(users) {
  const stat = (label, value, extra) => h('li', { class: 'stat' + (extra ? ' ' + extra : '') },
    h('span', { class: 'stat-value' }, String(value ?? 0)),
    h('span', { class: 'stat-label' }, label));
  return h('section', { class: 'card', 'aria-labelledby': 'dash-users' },
    h('div', { class: 'card-head' },
      h('h2', { id: 'dash-users' }, 'People'),
      h('a', { href: '#/users' }, 'Manage users')),
    h('ul', { class: 'stats', 'aria-label': 'User counts' },
      stat('Users', users.total, 'stat-total'),
      stat('Administrators', users.admin),
      stat('Support', users.support),
      stat('Employees', users.employee),
      stat('Disabled', users.disabled, users.disabled ? 'stat-warn' : '')));
}

function activitySection(activity) {
  const recent = Array.isArray(activity.recent) ? activity.recent : [];
  const count = activity.entries ?? recent.length;
  const columns = [
    { label: 'Time', cell: (e) => timeNode(e.time), class: 'nowrap' },
    { label: 'Actor', cell: (e) => e.actor ?? '' },
    { label: 'Action', cell: (e) => h('code', null, e.action ?? '') },
    { label: 'Object', class: 'wrap', cell: (e) => e.object ?? '' },
    { label: 'Details', cell: (e) => detailsText(e.details), class: 'details hide-narrow' },
  ];
  return h('section', { class: 'card', 'aria-labelledby': 'dash-activity' },
    h('div', { class: 'card-head' },
      h('h2', { id: 'dash-activity' }, 'Recent activity'),
      h('a', { href: '#/activity' }, 'All activity')),
    h('p', { class: 'muted small' },
      `${count} ${count === 1 ? 'entry' : 'entries'} in the activity log.`),
    recent.length
      ? dataTable('Latest log entries', columns, recent)
      : h('p', { class: 'empty' }, 'Nothing has happened yet.'));
}

function welcomeSection(user) {
  return h('section', { class: 'card', 'aria-labelledby': 'dash-welcome' },
    h('h2', { id: 'dash-welcome' }, 'Welcome to Ward'),
    h('p', null, `You are signed in as ${roleLabel(user.role).toLowerCase()}. `,
      'Ward is where your company keeps its computers, network and data in order.'),
    h('p', null, 'Ask for help, follow your requests and find answers under ',
      h('a', { href: '#/help-desk' }, 'Help desk'), ' and ', h('a', { href: '#/knowledge-base' }, 'Knowledge base'),
      '; courses assigned to you are under ', h('a', { href: '#/training' }, 'Training'), '.'));
}
