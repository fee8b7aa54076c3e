// pages/host.js — support and admin: one machine, #/machines/<name or id>.
// GET /api/v1/hosts/{host} (the facts of its last report, section by section) and
// GET /api/v1/hosts/{host}/history (what changed). Admins also edit the owner, location
// and tags (PATCH, owners from GET /api/v1/users) and remove the machine (DELETE, after
// a confirmation step in the page). The Jobs card (remote jobs: diagnostics, report now,
// and commands for admins) is pages/host-jobs.js. The Upgrades and Restart cards show
// the agent's "upgrades" and "reboot" sections. Rendered by pages/machines.js.

import { api } from '../api.js';
import { h, replace, messageArea, field, dataTable } from '../dom.js';
import { timeNode, formatBytes, formatDuration, changeKindLabel, roleLabel } from '../format.js';
import { jobsSection } from './host-jobs.js';

const PACKAGE_ROWS_MAX = 200;
const HISTORY_SHOWN = 100;

/** The address of a host's page: its name, or its id when another host has the same name. */
export function hostHref(host, fleet) {
  const shared = fleet && fleet.some((o) => o.id !== host.id && o.name === host.name);
  return '#/machines/' + encodeURIComponent(shared ? host.id : host.name);
}

export function tagList(tags) {
  if (!Array.isArray(tags) || !tags.length) return h('span', { class: 'muted' }, '—');
  return h('ul', { class: 'tags', 'aria-label': 'Tags' }, tags.map((t) => h('li', { class: 'tag' }, t)));
}

export function staleBadge(host) {
  return host.stale
    ? h('span', { class: 'badge badge-stale', title: `No report for 3 intervals (${Math.round((host.interval || 0) / 60)} min each)` }, 'Stale')
    : null;
}

/* A notice for the next Machines page (after a removal); taken once. */
let flashMessage = null;
export function takeFlash() {
  const m = flashMessage;
  flashMessage = null;
  return m;
}

const dash = () => h('span', { class: 'muted' }, '—');
const orDash = (v) => (v === null || v === undefined || v === '' ? dash() : String(v));
const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;
const list = (v) => (Array.isArray(v) ? v : []);

/**
 * <dl class="props"> from [label, value, class?] pairs; pairs with value undefined are
 * left out. `layout` adds a class to the list ('props-stack': one pair a line).
 */
function props(pairs, layout) {
  return h('dl', { class: 'props' + (layout ? ' ' + layout : '') },
    pairs.filter(([, v]) => v !== undefined).map(([k, v, extra]) => h('div', { class: 'prop' + (extra ? ' ' + extra : '') },
      h('dt', null, k),
      h('dd', null, v === null || v === '' ? dash() : v))));
}

/** A list of short values (units, user names) as chips; `empty` when there are none. */
function chips(values, label, extra = '', empty = 'None') {
  const items = list(values);
  if (!items.length) return h('span', { class: 'muted' }, empty);
  return h('ul', { class: 'chips' + (extra ? ' ' + extra : ''), 'aria-label': label }, items.map((v) => h('li', null, String(v))));
}

function section(id, title, ...body) {
  return h('section', { class: 'card', 'aria-labelledby': id },
    h('h2', { id }, title),
    body);
}

const notReported = (what = 'Not reported.') => h('p', { class: 'empty' }, what);

export async function render(container, ctx) {
  const ref = ctx.sub[0];
  const heading = h('h1', { class: 'host-name' }, ref);
  const error = messageArea('alert');
  const body = h('div', null, h('p', { class: 'muted' }, 'Loading…'));
  container.append(
    h('p', { class: 'back' }, h('a', { href: '#/machines' }, 'All machines')),
    heading,
    error.el,
    body);

  const [hostRes, historyRes, usersRes] = await Promise.allSettled([
    api.host(ref),
    api.hostHistory(ref),
    ctx.isAdmin ? api.users() : Promise.resolve(null),
  ]);
  if (!container.isConnected) return;
  if (hostRes.status === 'rejected') {
    replace(body, h('p', null, h('a', { href: '#/machines' }, 'Back to the machines')));
    error.show(hostRes.reason.message);
    return;
  }
  let host = hostRes.value.host;
  const facts = host.facts || {};
  heading.textContent = host.name;
  document.title = `${host.name} · Machines · Ward`;

  const summary = h('div');
  const editArea = h('div');
  function showSummary() {
    replace(summary,
      h('p', { class: 'host-meta' },
        h('span', null, host.os || 'Operating system not reported yet'),
        host.kernel ? h('span', { class: 'muted' }, ` · kernel ${host.kernel}`) : null,
        host.stale ? ' ' : null, staleBadge(host)),
      props([
        ['Last report', timeNode(host.last_report_at, 'never')],
        ['Owner', host.owner || null],
        ['Location', host.location || null],
        ['Tags', tagList(host.tags)],
        ['Packages', String(host.packages ?? 0)],
        ['Enrolled', timeNode(host.enrolled_at)],
        ['Reports', String(host.reports ?? 0)],
        ['Reports every', formatDuration(host.interval)],
        ['Id', h('span', { class: 'mono small' }, host.id), 'prop-wide'],
      ]),
      h('p', { class: 'small' },
        h('a', { href: '#/vulnerabilities/' + encodeURIComponent(host.name) }, 'Its vulnerabilities'), ' · ',
        h('a', { href: '#/compliance?host=' + encodeURIComponent(host.name) }, 'Its patch compliance')));
  }
  showSummary();

  const sections = [];
  sections.push(h('section', { class: 'card', 'aria-label': 'Summary' }, summary, editArea));
  if (ctx.isAdmin) {
    editArea.append(editForm(host, usersRes, (updated) => {
      host = { ...host, ...updated };
      showSummary();
    }));
  }
  const jobs = jobsSection(host, { isAdmin: ctx.isAdmin });
  sections.push(jobs.el);

  const reported = Object.keys(facts).some((k) => facts[k] !== null && facts[k] !== undefined);
  if (!reported) {
    sections.push(section('host-facts', 'Facts', notReported(host.reports
      ? 'The last report had no facts.'
      : 'This machine has not reported yet: its facts appear after the agent\'s first report.')));
  } else {
    sections.push(
      h('div', { class: 'card-grid' }, systemSection(facts.system), hardwareSection(facts.hardware)),
      filesystemsSection(facts.filesystems),
      networkSection(facts.network),
      portsSection(facts.sockets),
      accountsSection(facts.accounts),
      upgradesSection(facts.upgrades),
      restartSection(facts.reboot),
      packagesSection(facts.packages),
      servicesSection(facts.services));
    if (facts.wireguard) sections.push(wireguardSection(facts.wireguard));
    if (facts.firewall) sections.push(firewallSection(facts.firewall));
  }
  sections.push(historySection(historyRes));
  if (ctx.isAdmin) sections.push(removeSection(host, ctx));
  replace(body, sections);
  return () => jobs.stop();
}

/* ---- admin: owner, location, tags ---- */

const splitTags = (text) => [...new Set(text.split(',').map((t) => t.trim()).filter(Boolean))];

function editForm(host, usersRes, onSaved) {
  const error = messageArea('alert');
  const notice = messageArea('status');
  const toggle = h('button', { type: 'button', class: 'button', 'aria-expanded': 'false', 'aria-controls': 'host-edit' }, 'Edit owner, location and tags');
  const owner = h('select', { name: 'owner' });
  const location = h('input', { name: 'location', type: 'text', autocomplete: 'off', maxlength: '200' });
  const tags = h('input', { name: 'tags', type: 'text', autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false' });
  const save = h('button', { type: 'submit', class: 'button button-primary' }, 'Save');
  const cancel = h('button', { type: 'button', class: 'button' }, 'Cancel');
  const form = h('form', { id: 'host-edit', class: 'form-grid edit-form', 'aria-label': 'Owner, location and tags', hidden: true, novalidate: true },
    field('Owner', owner, 'The person who uses this machine'),
    field('Location', location, 'Where it is, e.g. Room 4.12'),
    field('Tags', tags, 'Separated by commas'),
    h('div', { class: 'form-actions' }, save, cancel));

  const users = (usersRes && usersRes.status === 'fulfilled' && usersRes.value ? list(usersRes.value.users) : [])
    .slice().sort((a, b) => String(a.name).localeCompare(String(b.name)));
  function fill() {
    const names = users.map((u) => u.name);
    const options = [h('option', { value: '' }, 'Nobody')];
    for (const u of users) {
      options.push(h('option', { value: u.name }, `${u.name} (${roleLabel(u.role).toLowerCase()}${u.disabled ? ', disabled' : ''})`));
    }
    if (host.owner && !names.includes(host.owner)) options.push(h('option', { value: host.owner }, host.owner));
    replace(owner, options);
    owner.value = host.owner || '';
    location.value = host.location || '';
    tags.value = list(host.tags).join(', ');
  }

  const setOpen = (open) => {
    form.hidden = !open;
    toggle.setAttribute('aria-expanded', String(open));
    if (open) {
      fill();
      error.clear();
      if (usersRes && usersRes.status === 'rejected') error.show(`The list of users could not be loaded: ${usersRes.reason.message}`);
      owner.focus();
    }
  };
  toggle.addEventListener('click', () => {
    notice.clear();
    setOpen(form.hidden);
  });
  cancel.addEventListener('click', () => {
    setOpen(false);
    error.clear();
    toggle.focus();
  });

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.clear();
    notice.clear();
    const changes = {};
    if (owner.value !== (host.owner || '')) changes.owner = owner.value; // "" takes the owner away
    if (location.value.trim() !== (host.location || '')) changes.location = location.value.trim();
    const want = splitTags(tags.value);
    const bad = want.find((t) => t.startsWith('-'));
    if (bad) {
      error.show(`The tag '${bad}' starts with '-': tags cannot.`);
      tags.focus();
      return;
    }
    const have = list(host.tags);
    const tagChanges = [...want.filter((t) => !have.includes(t)), ...have.filter((t) => !want.includes(t)).map((t) => '-' + t)];
    if (tagChanges.length) changes.tags = tagChanges;
    if (!Object.keys(changes).length) {
      setOpen(false);
      notice.show('Nothing changed.');
      toggle.focus();
      return;
    }
    save.disabled = true;
    try {
      const res = await api.updateHost(host.id, changes);
      host = { ...host, ...res.host };
      onSaved(res.host);
      setOpen(false);
      notice.show('Saved.');
      toggle.focus();
    } catch (err) {
      error.show(err.message);
    } finally {
      save.disabled = false;
    }
  });

  return h('div', { class: 'edit' }, h('div', { class: 'form-actions' }, toggle), form, error.el, notice.el);
}

/* ---- admin: remove ---- */

function removeSection(host, ctx) {
  const error = messageArea('alert');
  const start = h('button', { type: 'button', class: 'button button-danger' }, `Remove ${host.name}…`);
  const question = h('p', { class: 'strong', tabindex: '-1', id: 'host-remove-question' },
    `Remove ${host.name} and its history for good?`);
  const yes = h('button', { type: 'button', class: 'button button-danger-solid' }, `Yes, remove ${host.name}`);
  const no = h('button', { type: 'button', class: 'button' }, 'Cancel');
  const confirm = h('div', { class: 'confirm', role: 'group', 'aria-labelledby': 'host-remove-question', hidden: true },
    question,
    h('p', { class: 'small' }, 'Its agent can no longer report; to manage the machine again, enroll it again.'),
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
      await api.removeHost(host.id);
      flashMessage = `Removed ${host.name}.`;
      ctx.navigate('machines');
    } catch (err) {
      error.show(err.message);
      yes.disabled = false;
      no.disabled = false;
    }
  });

  return h('section', { class: 'card card-danger', 'aria-labelledby': 'host-remove' },
    h('h2', { id: 'host-remove' }, 'Remove this machine'),
    h('p', null, 'Ward forgets the machine, its facts and its change history. The activity log keeps what happened.'),
    h('div', { class: 'form-actions' }, start),
    confirm,
    error.el);
}

/* ---- facts ---- */

function systemSection(sys) {
  if (!sys) return section('host-system', 'System', notReported());
  const os = sys.os || {};
  const kernel = sys.kernel || {};
  return section('host-system', 'System', props([
    ['Hostname', orDash(sys.hostname)],
    ['Operating system', orDash(os.pretty_name || os.name)],
    ['Kernel', kernel.release ? [kernel.release, kernel.version ? h('span', { class: 'muted small block' }, kernel.version) : null] : null],
    ['Booted', sys.boot_time ? timeNode(sys.boot_time) : null],
    ['Up for', sys.uptime_seconds === null || sys.uptime_seconds === undefined ? null : formatDuration(sys.uptime_seconds)],
  ]));
}

function hardwareSection(hw) {
  if (!hw) return section('host-hardware', 'Hardware', notReported());
  const cpu = hw.cpu || {};
  const mem = hw.memory || {};
  const counts = [
    cpu.cores !== null && cpu.cores !== undefined ? plural(cpu.cores, 'core', 'cores') : null,
    cpu.threads !== null && cpu.threads !== undefined ? plural(cpu.threads, 'thread', 'threads') : null,
    cpu.architecture || null,
  ].filter(Boolean).join(', ');
  const devices = list(hw.block_devices);
  return section('host-hardware', 'Hardware',
    props([
      ['CPU', cpu.model ? [cpu.model, counts ? h('span', { class: 'muted small block' }, counts) : null] : (counts || null)],
      ['Memory', mem.total_bytes ? [formatBytes(mem.total_bytes),
        mem.available_bytes !== null && mem.available_bytes !== undefined ? h('span', { class: 'muted small' }, ` (${formatBytes(mem.available_bytes)} available)`) : null] : null],
      ['Swap', mem.swap_total_bytes === null || mem.swap_total_bytes === undefined ? null : formatBytes(mem.swap_total_bytes)],
    ]),
    h('h3', null, 'Block devices'),
    devices.length
      ? dataTable('Block devices', [
        { label: 'Device', cell: (d) => h('span', { class: 'strong' }, d.name) },
        { label: 'Model', class: 'wrap-words', cell: (d) => orDash(d.model) },
        { label: 'Size', class: 'num', cell: (d) => formatBytes(d.size_bytes) },
        { label: 'Kind', cell: (d) => [d.type === 'disk' && typeof d.rotational === 'boolean' ? (d.rotational ? 'HDD' : 'SSD') : (d.type || '—'),
          d.removable ? ', removable' : ''].join('') },
      ], devices)
      : notReported('No block devices reported.'));
}

function filesystemsSection(fss) {
  if (!fss) return section('host-filesystems', 'Filesystems', notReported());
  const rows = list(fss);
  const sized = rows.some((f) => f.size_bytes !== null && f.size_bytes !== undefined);
  return section('host-filesystems', 'Filesystems',
    rows.length ? dataTable('Mounted filesystems', [
      { label: 'Mount point', class: 'wrap', cell: (f) => h('span', { class: 'strong' }, f.mount_point) },
      { label: 'Device', cell: (f) => orDash(f.device) },
      { label: 'Type', cell: (f) => orDash(f.type) },
      { label: 'Size', class: 'num', cell: (f) => formatBytes(f.size_bytes) },
      { label: 'Used', class: 'num', cell: (f) => formatBytes(f.used_bytes) },
      { label: 'Used %', class: 'nowrap', cell: (f) => usedPercent(f.used_percent) },
    ], rows) : notReported('No filesystems reported.'),
    rows.length && !sized ? h('p', { class: 'muted small' }, 'Sizes are measured on the running machine only; this report has none.') : null);
}

function usedPercent(p) {
  if (p === null || p === undefined || !Number.isFinite(Number(p))) return dash();
  const v = Math.round(Number(p));
  return h('span', { class: 'used' + (v >= 90 ? ' used-high' : '') },
    h('meter', { min: '0', max: '100', low: '75', high: '90', optimum: '0', value: String(v), 'aria-hidden': 'true' }),
    `${v}%`);
}

function networkSection(net) {
  if (!net) return section('host-network', 'Network', notReported());
  const ifaces = list(net.interfaces);
  const routes = list(net.default_routes);
  const dns = net.dns || {};
  return section('host-network', 'Network',
    h('h3', null, 'Interfaces'),
    ifaces.length ? dataTable('Network interfaces', [
      { label: 'Interface', cell: (i) => h('span', { class: 'strong' }, i.name) },
      { label: 'State', cell: (i) => h('span', { class: 'status ' + (i.state === 'up' ? 'status-on' : 'status-off') }, orDash(i.state)) },
      { label: 'Addresses', cell: (i) => (list(i.addresses).length
        ? h('ul', { class: 'plain' }, list(i.addresses).map((a) => h('li', null, a))) : dash()) },
      { label: 'VLAN', cell: (i) => (i.vlan_id === null || i.vlan_id === undefined ? dash()
        : `${i.vlan_id}${i.vlan_parent ? ` on ${i.vlan_parent}` : ''}`) },
      { label: 'MAC', cell: (i) => (i.mac ? h('code', null, i.mac) : dash()) },
      { label: 'MTU', class: 'num', cell: (i) => orDash(i.mtu) },
    ], ifaces) : notReported('No interfaces reported.'),
    h('div', { class: 'card-grid card-grid-inner' },
      h('div', null,
        h('h3', null, 'Default routes'),
        routes.length ? h('ul', { class: 'plain spaced', 'aria-label': 'Default routes' }, routes.map((r) => h('li', null,
          h('span', { class: 'strong' }, r.gateway || 'direct'),
          h('span', { class: 'muted' }, ` via ${r.interface || '?'} (${r.family === 'inet6' ? 'IPv6' : r.family === 'inet' ? 'IPv4' : orDash(r.family)})`))))
          : notReported('None.')),
      h('div', null,
        h('h3', null, 'DNS'),
        props([
          ['Name servers', chips(dns.nameservers, 'Name servers', '', 'None')],
          ['Search domains', chips(dns.search, 'Search domains', '', 'None')],
        ]))));
}

function portsSection(sockets) {
  if (!sockets) return section('host-ports', 'Listening ports', notReported());
  const rows = list(sockets).slice().sort((a, b) => (a.port - b.port)
    || String(a.protocol).localeCompare(String(b.protocol)) || String(a.family).localeCompare(String(b.family)));
  return section('host-ports', 'Listening ports',
    rows.length ? dataTable('Listening sockets', [
      { label: 'Protocol', cell: (s) => `${String(s.protocol || '').toUpperCase()}${s.family === 'inet6' ? ' (IPv6)' : ''}` },
      { label: 'Address', cell: (s) => h('code', null, s.address ?? '') },
      { label: 'Port', class: 'num', cell: (s) => h('span', { class: 'strong' }, String(s.port)) },
      { label: 'Process', cell: (s) => (s.process ? [s.process, s.pid ? h('span', { class: 'muted small' }, ` (pid ${s.pid})`) : null] : dash()) },
      { label: 'User id', class: 'num', cell: (s) => orDash(s.user) },
    ], rows) : notReported('No listening ports.'));
}

function accountsSection(acc) {
  if (!acc) return section('host-accounts', 'Accounts', notReported());
  const users = list(acc.users);
  const withLogin = users.filter((u) => u.login);
  const uid0 = list(acc.uid0);
  return section('host-accounts', 'Accounts',
    props([
      ['UID 0 (root powers)', chips(uid0, 'UID 0 accounts', uid0.length > 1 ? 'chips-warn' : '', 'None')],
      ['Administrators', chips(acc.admins, 'Administrators', '', 'None')],
      ['Accounts', `${plural(users.length, 'user', 'users')}, ${plural(list(acc.groups).length, 'group', 'groups')}`],
    ]),
    h('h3', null, 'Users with a login shell'),
    withLogin.length ? dataTable('Users with a login shell', [
      { label: 'User', cell: (u) => h('span', { class: 'strong' }, u.name) },
      { label: 'UID', class: 'num', cell: (u) => orDash(u.uid) },
      { label: 'Name', class: 'wrap', cell: (u) => orDash(String(u.gecos ?? '').split(',')[0]) }, // GECOS: name,room,phone...
      { label: 'Home', cell: (u) => orDash(u.home) },
      { label: 'Shell', cell: (u) => h('code', null, u.shell ?? '') },
    ], withLogin) : notReported('None.'),
    users.length > withLogin.length
      ? h('p', { class: 'muted small' }, `${plural(users.length - withLogin.length, 'system account', 'system accounts')} without a login shell not shown.`)
      : null);
}

function packagesSection(pkgs) {
  if (!pkgs) return section('host-packages', 'Packages', notReported());
  const items = list(pkgs.items).slice().sort((a, b) => String(a.name).localeCompare(String(b.name)));
  const total = pkgs.count ?? items.length;
  const filter = h('input', { type: 'search', name: 'package-filter', autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false', placeholder: 'openssl' });
  const note = h('p', { class: 'muted small', role: 'status' });
  const holder = h('div');
  const columns = [
    { label: 'Package', class: 'wrap', cell: (p) => h('span', { class: 'strong' }, p.name) },
    { label: 'Version', class: 'wrap', cell: (p) => orDash(p.version) },
    { label: 'Architecture', cell: (p) => orDash(p.architecture) },
    { label: 'Source', class: 'wrap', cell: (p) => (p.source && p.source !== p.name ? p.source : dash()) },
    { label: 'Status', cell: (p) => (p.status === 'installed' ? h('span', { class: 'muted' }, 'installed') : orDash(p.status)) },
  ];
  function show() {
    const q = filter.value.trim().toLowerCase();
    const found = q ? items.filter((p) => String(p.name).toLowerCase().includes(q) || String(p.version ?? '').toLowerCase().includes(q)) : items;
    const shown = found.slice(0, PACKAGE_ROWS_MAX);
    if (!q) {
      note.textContent = `Showing ${shown.length} of ${total} packages.`
        + (found.length > shown.length ? ' Type in the filter to find the others.' : '');
    } else if (found.length > shown.length) {
      note.textContent = `Showing ${shown.length} of ${found.length} packages matching “${q}” (${total} in all). Type more to narrow it down.`;
    } else {
      note.textContent = `Showing ${shown.length} of ${total} packages: those matching “${q}”.`;
    }
    replace(holder, shown.length
      ? dataTable('Installed packages', columns, shown)
      : h('p', { class: 'empty' }, q ? 'No package matches.' : 'No packages.'));
  }
  filter.addEventListener('input', show);
  show();
  return h('section', { class: 'card', 'aria-labelledby': 'host-packages' },
    h('div', { class: 'card-head' }, h('h2', { id: 'host-packages' }, 'Packages'),
      h('span', { class: 'count muted' }, plural(total, 'package', 'packages'))),
    h('form', { class: 'form-grid filters filters-narrow', role: 'search', 'aria-label': 'Search the packages', on: { submit: (e) => e.preventDefault() } },
      field('Filter packages', filter, 'Name or version')),
    note,
    holder);
}

function upgradesSection(up) {
  if (!up) return section('host-upgrades', 'Upgrades', notReported('Not reported: only machines with dpkg and apt report upgrades.'));
  const ups = list(up.upgrades);
  const held = list(up.held);
  const security = ups.filter((u) => u.security).length;
  const columns = [
    { label: 'Package', class: 'wrap', cell: (u) => h('span', { class: 'strong' }, u.name) },
    { label: 'Architecture', cell: (u) => orDash(u.architecture) },
    { label: 'Installed', class: 'wrap', cell: (u) => orDash(u.installed) },
    { label: 'Available', class: 'wrap', cell: (u) => orDash(u.candidate) },
    { label: 'Security', cell: (u) => (u.security ? h('span', { class: 'badge badge-stale' }, 'Security') : dash()) },
    { label: 'From', class: 'wrap', cell: (u) => orDash(list(u.archives).join(', ')) },
  ];
  // Security upgrades first, then by name.
  const sorted = ups.slice().sort((a, b) => (b.security === true) - (a.security === true)
    || String(a.name).localeCompare(String(b.name)));
  const heldColumns = [
    { label: 'Package', class: 'wrap', cell: (u) => h('span', { class: 'strong' }, u.name) },
    { label: 'Installed', class: 'wrap', cell: (u) => orDash(u.installed) },
    { label: 'Available', class: 'wrap', cell: (u) => orDash(u.candidate) },
    { label: 'Why', class: 'wrap', cell: (u) => (u.reason === 'hold' ? 'held (apt-mark hold)'
      : u.reason === 'new-packages' ? `needs ${list(u.needs).join(', ')}`
        : u.reason === 'conflicts' ? `would need a removal: ${list(u.breaks).join(', ')}` : orDash(u.reason)) },
  ];
  return h('section', { class: 'card', 'aria-labelledby': 'host-upgrades' },
    h('div', { class: 'card-head' }, h('h2', { id: 'host-upgrades' }, 'Upgrades'),
      h('span', { class: 'count muted' }, `${plural(ups.length, 'upgrade', 'upgrades')}, ${security} security`)),
    sorted.length ? dataTable('Available upgrades', columns, sorted) : h('p', { class: 'empty' }, 'Up to date: no upgrades available.'),
    held.length ? h('h3', null, 'Kept back') : null,
    held.length ? dataTable('Upgrades kept back', heldColumns, held) : null);
}

function restartSection(rb) {
  if (!rb) return section('host-restart', 'Restart needs', notReported());
  const kernel = rb.kernel || {};
  const services = list(rb.services);
  return section('host-restart', 'Restart needs',
    props([
      ['Reboot', rb.reboot_required ? h('span', { class: 'warn-text' }, 'needed') : 'not needed'],
      ['Why', list(rb.reasons).length ? chips(rb.reasons, 'Reasons for a reboot') : undefined],
      ['Running kernel', orDash(kernel.running)],
      ['Newest kernel in /boot', orDash(kernel.newest_installed)],
    ]),
    services.length ? dataTable('Services using deleted libraries', [
      { label: 'Service', class: 'wrap', cell: (s) => h('span', { class: 'strong' }, s.unit) },
      { label: 'Processes', cell: (s) => list(s.pids).join(', ') || dash() },
      { label: 'Deleted libraries', class: 'wrap', cell: (s) => list(s.libraries).join(', ') || dash() },
    ], services) : h('p', { class: 'muted small' }, 'No service uses a deleted library.'));
}

function servicesSection(svc) {
  if (!svc) return section('host-services', 'Services', notReported());
  const failed = svc.failed;
  return section('host-services', 'Services', props([
    ['Enabled', svc.enabled === null || svc.enabled === undefined
      ? h('span', { class: 'muted' }, 'Not reported') : chips(svc.enabled, 'Enabled units')],
    ['Failed', failed === null || failed === undefined
      ? h('span', { class: 'muted' }, 'Not known: only a running machine reports failed units')
      : chips(failed, 'Failed units', 'chips-warn', 'None')],
  ], 'props-stack'));
}

function wireguardSection(wg) {
  const ifaces = list(wg.interfaces);
  return section('host-wireguard', 'WireGuard',
    ifaces.length ? ifaces.map((i) => h('div', { class: 'wg' },
      h('h3', null, i.name),
      props([
        ['Listen port', orDash(i.listen_port)],
        ['Public key', i.public_key ? h('code', { class: 'wrap-code' }, i.public_key) : null],
      ]),
      list(i.peers).length ? dataTable(`Peers of ${i.name}`, [
        { label: 'Peer', cell: (p) => (p.public_key ? h('code', null, p.public_key) : dash()) },
        { label: 'Endpoint', cell: (p) => orDash(p.endpoint) },
        { label: 'Allowed IPs', cell: (p) => list(p.allowed_ips).join(', ') || dash() },
        { label: 'Latest handshake', cell: (p) => timeNode(p.latest_handshake, 'never') },
        { label: 'Received', class: 'num', cell: (p) => formatBytes(p.rx_bytes) },
        { label: 'Sent', class: 'num', cell: (p) => formatBytes(p.tx_bytes) },
      ], list(i.peers)) : h('p', { class: 'muted small' }, 'No peers.'))) : notReported('No WireGuard interfaces.'));
}

function firewallSection(fw) {
  const nft = fw.nftables || {};
  const ruleset = nft.ruleset === 'present' ? 'rules loaded'
    : nft.ruleset === 'empty' ? h('span', { class: 'warn-text' }, 'empty: no rules loaded')
      : h('span', { class: 'muted' }, 'not read (only on the running machine)');
  return section('host-firewall', 'Firewall', props([
    ['nftables', nft.installed ? 'installed' : 'not installed'],
    ['Ruleset', ruleset],
    ['Rules', nft.rules === null || nft.rules === undefined ? null : String(nft.rules)],
    ['/etc/nftables.conf', fw.config_file === undefined ? undefined : fw.config_file ? 'present' : 'absent'],
  ]));
}

/* ---- history ---- */

function historySection(res) {
  const head = h('div', { class: 'card-head' }, h('h2', { id: 'host-history' }, 'History'));
  const sectionEl = h('section', { class: 'card', 'aria-labelledby': 'host-history' }, head);
  if (res.status === 'rejected') {
    const err = messageArea('alert');
    err.show(res.reason.message);
    sectionEl.append(err.el);
    return sectionEl;
  }
  const entries = list(res.value.history);
  head.append(h('span', { class: 'count muted' }, plural(entries.length, 'change', 'changes')));
  if (!entries.length) {
    sectionEl.append(h('p', { class: 'empty' }, 'No changes since the first report.'));
    return sectionEl;
  }
  const item = (e) => h('li', { class: 'change change-' + String(e.kind || '').split('.')[0] },
    h('span', { class: 'change-time' }, timeNode(e.time)),
    h('span', { class: 'change-body' },
      h('span', { class: 'change-kind' }, changeKindLabel(e.kind)),
      e.subject ? [' ', h('span', { class: 'change-subject' }, e.subject)] : null,
      changeValues(e)));
  const timeline = h('ol', { class: 'timeline', 'aria-label': 'Changes, newest first' }, entries.slice(0, HISTORY_SHOWN).map(item));
  sectionEl.append(timeline);
  if (entries.length > HISTORY_SHOWN) {
    const more = h('button', { type: 'button', class: 'button' }, `Show all ${entries.length} changes`);
    more.addEventListener('click', () => {
      for (const e of entries.slice(HISTORY_SHOWN)) timeline.append(item(e));
      more.parentNode.remove();
    });
    sectionEl.append(h('div', { class: 'pager' }, more));
  }
  return sectionEl;
}

function changeValues(e) {
  const show = (v) => (v === null || v === undefined ? null : typeof v === 'string' ? v : JSON.stringify(v));
  const oldV = show(e.old);
  const newV = show(e.new);
  if (oldV === null && newV === null) return null;
  if (oldV !== null && newV !== null) {
    return h('span', { class: 'change-values' },
      h('span', { class: 'change-old' }, oldV), h('span', { class: 'arrow', 'aria-hidden': 'true' }, ' → '), h('span', { class: 'visually-hidden' }, ' to '), h('span', { class: 'change-new' }, newV));
  }
  return h('span', { class: 'change-values' }, oldV !== null ? h('span', { class: 'change-old' }, `was ${oldV}`) : h('span', { class: 'change-new' }, newV));
}
