// pages/machines.js — support and admin: the fleet (GET /api/v1/hosts) with search (?q=),
// stale-only (?stale=1) and tag (?tag=) filters sent to the server, an OS filter and
// sorting done here, counts by OS, and for admins how to enroll a machine
// (POST /api/v1/hosts/enroll-tokens). #/machines/<name or id> is the host page (host.js).
// The filters and the sort live in the address (#/machines?q=db&sort=packages&dir=desc),
// kept up to date with history.replaceState so typing does not add history entries.

import { api } from '../api.js';
import { h, replace, messageArea, field, sortableTable } from '../dom.js';
import { timeNode, formatTime } from '../format.js';
import { render as renderHost, takeFlash, hostHref, tagList, staleBadge } from './host.js';

const SEARCH_DELAY_MS = 250;

/** The columns that sort, how, and which way a first click sorts them. */
const SORTS = {
  name: { first: 'asc', value: (m) => m.name },
  os: { first: 'asc', value: (m) => m.os },
  owner: { first: 'asc', value: (m) => m.owner },
  packages: { first: 'desc', value: (m) => m.packages },
  last_report: { first: 'desc', value: (m) => m.last_report_at },
};

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/** Compare two machines by a sort key; empty values go last either way, ties by name. */
function compareBy(key, dir) {
  const value = SORTS[key].value;
  const sign = dir === 'desc' ? -1 : 1;
  return (a, b) => {
    const va = value(a);
    const vb = value(b);
    const ea = va === null || va === undefined || va === '';
    const eb = vb === null || vb === undefined || vb === '';
    let c = 0;
    if (ea || eb) c = ea === eb ? 0 : ea ? 1 : -1;
    else c = sign * (typeof va === 'number' && typeof vb === 'number' ? va - vb : collator.compare(String(va), String(vb)));
    return c || collator.compare(a.name, b.name) || collator.compare(a.id, b.id);
  };
}

const osLabel = (os) => os || 'Not reported yet';

export async function render(container, ctx) {
  if (ctx.sub.length === 1 && ctx.sub[0]) return renderHost(container, ctx);
  if (ctx.sub.length) {
    container.append(
      h('h1', null, 'Page not found'),
      h('p', { class: 'lead' }, 'There is no page at this address.'),
      h('p', null, h('a', { href: '#/machines' }, 'Back to the machines')));
    return undefined;
  }

  const { params } = ctx;
  const state = {
    q: params.get('q') || '',
    os: params.get('os') || '',
    tag: params.get('tag') || '',
    stale: params.get('stale') === '1',
    sort: SORTS[params.get('sort')] ? params.get('sort') : 'name',
    dir: '',
  };
  state.dir = ['asc', 'desc'].includes(params.get('dir')) ? params.get('dir') : SORTS[state.sort].first;

  let fleet = [];     // every host (no filter): the counts, the OS and tag choices
  let matching = [];  // what the server returned for q, tag and stale
  let seq = 0;        // the newest request; older answers are dropped
  let timer = null;

  const error = messageArea('alert');
  const flash = messageArea('status');
  const notice = takeFlash();
  if (notice) flash.show(notice);

  /* ---- filters ---- */
  const search = h('input', {
    name: 'q', type: 'search', autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false', placeholder: 'db01, Debian, alice…',
  });
  search.value = state.q;
  const osSelect = h('select', { name: 'os' });
  const tagSelect = h('select', { name: 'tag' });
  const staleBox = h('input', { type: 'checkbox', name: 'stale' });
  staleBox.checked = state.stale;
  const clearButton = h('button', { type: 'button', class: 'button' }, 'Clear filters');
  const form = h('form', { class: 'form-grid filters', role: 'search', 'aria-label': 'Filter machines' },
    field('Search', search, 'Name, OS, owner, location or id'),
    field('Operating system', osSelect),
    field('Tag', tagSelect),
    h('div', { class: 'field field-check' },
      h('label', { class: 'check' }, staleBox, h('span', null, 'Stale only')),
      h('span', { class: 'field-hint' }, 'No report for 3 intervals')),
    h('div', { class: 'form-actions' }, clearButton));

  function fillSelect(select, values, current, allLabel, label = (v) => v) {
    const choices = [...new Set(values)].sort(collator.compare);
    if (current && !choices.includes(current)) choices.push(current);
    replace(select,
      h('option', { value: '' }, allLabel),
      choices.map((v) => h('option', { value: v }, label(v))));
    select.value = current;
  }

  /* ---- counts ---- */
  const stats = h('ul', { class: 'stats', 'aria-label': 'Machines by operating system' });
  function showStats() {
    const byOs = new Map();
    for (const m of fleet) byOs.set(m.os || '', (byOs.get(m.os || '') || 0) + 1);
    const stale = fleet.filter((m) => m.stale).length;
    const stat = (label, value, extra) => h('li', { class: 'stat' + (extra ? ' ' + extra : '') },
      h('span', { class: 'stat-value' }, String(value)),
      h('span', { class: 'stat-label' }, label));
    replace(stats,
      stat(fleet.length === 1 ? 'Machine' : 'Machines', fleet.length, 'stat-total'),
      // Most common first; machines that have not reported yet last.
      [...byOs.entries()].sort((a, b) => (a[0] ? 0 : 1) - (b[0] ? 0 : 1) || b[1] - a[1] || collator.compare(a[0], b[0]))
        .map(([os, n]) => stat(osLabel(os), n, 'stat-os')),
      stat('Stale', stale, stale ? 'stat-stale' : ''));
  }

  /* ---- the table ---- */
  const columns = [
    { label: 'Name', sortKey: 'name', cell: (m) => [
      h('a', { href: hostHref(m, fleet), class: 'strong' }, m.name),
      m.tags && m.tags.length ? tagList(m.tags) : null] },
    { label: 'OS', sortKey: 'os', class: 'wrap', cell: (m) => (m.os ? m.os : h('span', { class: 'muted' }, 'not reported yet')) },
    { label: 'Owner', sortKey: 'owner', cell: (m) => m.owner || h('span', { class: 'muted' }, '—') },
    { label: 'Location', class: 'wrap', cell: (m) => m.location || h('span', { class: 'muted' }, '—') },
    { label: 'Packages', sortKey: 'packages', class: 'num', cell: (m) => String(m.packages ?? 0) },
    { label: 'Last report', sortKey: 'last_report', class: 'nowrap', cell: (m) => [timeNode(m.last_report_at, 'never'), m.stale ? ' ' : null, staleBadge(m)] },
  ];
  const table = sortableTable('Machines', columns, [], {
    sort: { key: state.sort, dir: state.dir },
    onSort: (key) => {
      if (state.sort === key) state.dir = state.dir === 'asc' ? 'desc' : 'asc';
      else {
        state.sort = key;
        state.dir = SORTS[key].first;
      }
      table.setSort({ key: state.sort, dir: state.dir });
      keepAddress();
      showRows();
    },
  });
  const tableHolder = h('div', null, h('p', { class: 'muted' }, 'Loading…'));
  const summary = h('p', { class: 'muted small', role: 'status' });

  function showRows() {
    const rows = matching.filter((m) => !state.os || (m.os || '') === state.os)
      .sort(compareBy(state.sort, state.dir));
    const filtered = Boolean(state.q || state.os || state.tag || state.stale);
    summary.textContent = filtered
      ? `${rows.length} of ${fleet.length} ${fleet.length === 1 ? 'machine' : 'machines'} match.`
      : `${rows.length} ${rows.length === 1 ? 'machine' : 'machines'}.`;
    if (!rows.length) {
      replace(tableHolder, h('p', { class: 'empty' }, filtered
        ? 'No machines match these filters.'
        : ctx.isAdmin ? 'No machines yet: enroll the first one below.' : 'No machines yet.'));
      return;
    }
    table.setRows(rows);
    if (table.el.parentNode !== tableHolder) replace(tableHolder, table.el);
  }

  /** Write the filters and sort into the address without a navigation. */
  function keepAddress() {
    const qs = new URLSearchParams();
    if (state.q) qs.set('q', state.q);
    if (state.os) qs.set('os', state.os);
    if (state.tag) qs.set('tag', state.tag);
    if (state.stale) qs.set('stale', '1');
    if (state.sort !== 'name' || state.dir !== SORTS.name.first) {
      qs.set('sort', state.sort);
      qs.set('dir', state.dir);
    }
    const s = qs.toString();
    history.replaceState(null, '', '#/machines' + (s ? '?' + s : ''));
  }

  const serverQuery = () => ({ q: state.q || undefined, tag: state.tag || undefined, stale: state.stale ? 1 : undefined });
  const hasServerFilter = () => Boolean(state.q || state.tag || state.stale);

  /** Ask the server: the whole fleet when `all` (or no filter is set), and what matches. */
  async function load({ all = false } = {}) {
    const mine = ++seq;
    error.clear();
    try {
      const [everything, filtered] = await Promise.all([
        all || !hasServerFilter() ? api.hosts() : null,
        hasServerFilter() ? api.hosts(serverQuery()) : null,
      ]);
      if (mine !== seq || !container.isConnected) return;
      if (everything) {
        fleet = Array.isArray(everything.hosts) ? everything.hosts : [];
        showStats();
        fillSelect(osSelect, fleet.map((m) => m.os).filter(Boolean), state.os, 'All');
        fillSelect(tagSelect, fleet.flatMap((m) => m.tags || []), state.tag, 'All');
      }
      matching = filtered ? (Array.isArray(filtered.hosts) ? filtered.hosts : []) : fleet;
      showRows();
    } catch (err) {
      if (mine !== seq || !container.isConnected) return;
      replace(tableHolder);
      summary.textContent = '';
      error.show(err.message);
    }
  }

  function changed({ now = true } = {}) {
    state.q = search.value.trim();
    state.os = osSelect.value;
    state.tag = tagSelect.value;
    state.stale = staleBox.checked;
    keepAddress();
    clearTimeout(timer);
    if (now) load();
    else timer = setTimeout(load, SEARCH_DELAY_MS);
  }
  search.addEventListener('input', () => changed({ now: false }));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    changed();
  });
  osSelect.addEventListener('change', () => {
    // The OS filter is applied here: no need to ask the server again.
    state.os = osSelect.value;
    keepAddress();
    showRows();
  });
  tagSelect.addEventListener('change', () => changed());
  staleBox.addEventListener('change', () => changed());
  clearButton.addEventListener('click', () => {
    search.value = '';
    osSelect.value = '';
    tagSelect.value = '';
    staleBox.checked = false;
    changed();
    search.focus();
  });

  container.append(
    h('h1', null, 'Machines'),
    h('p', { class: 'lead' }, 'Every enrolled machine: what it runs, who uses it, and when it last reported.'),
    flash.el,
    h('section', { class: 'card', 'aria-labelledby': 'machines-counts' },
      h('h2', { id: 'machines-counts' }, 'The fleet'),
      stats),
    h('section', { class: 'card', 'aria-labelledby': 'machines-list' },
      h('div', { class: 'card-head' }, h('h2', { id: 'machines-list' }, 'All machines'), summary),
      form,
      error.el,
      tableHolder),
    ctx.isAdmin ? enrollSection() : null);

  await load({ all: true });
  return () => clearTimeout(timer);
}

/* ---- enrolling (admins) ---- */

function enrollSection() {
  const error = messageArea('alert');
  const button = h('button', { type: 'button', class: 'button button-primary' }, 'Enroll a machine');
  const result = h('div', { class: 'enroll-result', hidden: true });

  button.addEventListener('click', async () => {
    error.clear();
    button.disabled = true;
    try {
      const res = await api.createEnrollToken({ expires: '24h', uses: 1 });
      showToken(res);
    } catch (err) {
      error.show(err.message);
    } finally {
      button.disabled = false;
    }
  });

  function showToken(res) {
    const https = window.location.protocol === 'https:';
    const enroll = `ward agent enroll --server ${window.location.origin} --token ${res.token}${https ? ' --ca-cert ca.pem' : ''}`;
    const commands = `${enroll}\nward agent run`;
    const code = h('pre', { class: 'code-block', tabindex: '0', role: 'region', 'aria-label': 'Commands to run on the machine' },
      h('code', null, commands));
    const copied = messageArea('status');
    const copy = h('button', { type: 'button', class: 'button button-small' }, 'Copy the commands');
    copy.addEventListener('click', async () => {
      copied.clear();
      try {
        await navigator.clipboard.writeText(commands);
        copied.show('Copied to the clipboard.');
      } catch {
        // No clipboard (a plain-http page, or permission refused): select the text instead.
        const range = document.createRange();
        range.selectNodeContents(code);
        const sel = window.getSelection();
        sel.removeAllRanges();
        sel.addRange(range);
        code.focus();
        copied.show('The commands are selected: press Ctrl+C (or ⌘C) to copy them.');
      }
    });
    const expires = res.expires_at ? new Date(res.expires_at) : null;
    const uses = res.uses ?? 1;
    replace(result,
      h('p', null, 'Token ', h('code', { class: 'token' }, res.token), ' — for ',
        `${uses} ${uses === 1 ? 'machine' : 'machines'}`,
        expires && !Number.isNaN(expires.getTime()) ? [', valid until ', h('time', { datetime: res.expires_at, title: res.expires_at, class: 'nowrap' }, formatTime(expires))] : null,
        '. It is shown only now.'),
      h('p', null, 'On the machine, as root:'),
      code,
      h('div', { class: 'form-actions' }, copy),
      copied.el,
      h('p', { class: 'muted small' }, https
        ? [h('code', null, 'ca.pem'), ' is the certificate of the authority that signed this server\'s certificate; or pass ',
          h('code', null, '--fingerprint'), ' with the SHA-256 of the server\'s public key instead.']
        : ['This server speaks plain ', h('code', null, 'http'), ', which agents accept only on a loopback address (for tests). ',
          'Serve Ward over https and add ', h('code', null, '--ca-cert'), ' or ', h('code', null, '--fingerprint'), ' for real machines.']),
      h('p', { class: 'muted small' }, h('code', null, 'ward agent run'),
        ' keeps reporting, every 15 minutes by default; start it at boot.'));
    result.hidden = false;
  }

  return h('section', { class: 'card', 'aria-labelledby': 'machines-enroll' },
    h('h2', { id: 'machines-enroll' }, 'Enroll a machine'),
    h('p', null, 'Make a one-time token, valid for 24 hours, and run two commands on the new machine. ',
      'It appears in the list when it enrolls, with its facts after its first report.'),
    h('div', { class: 'form-actions' }, button),
    error.el,
    result);
}
