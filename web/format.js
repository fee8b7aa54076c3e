// format.js — turn API values (ISO times, roles, log details) into text for people.

const ROLE_LABELS = { admin: 'Administrator', support: 'Support', employee: 'Employee' };

/** "admin" -> "Administrator"; unknown roles are shown as they are. */
export function roleLabel(role) {
  return ROLE_LABELS[role] || String(role ?? '');
}

const pad = (n) => String(n).padStart(2, '0');

/** "2026-11-26 23:19" in the reader's time zone: short, sortable, unambiguous. */
export function formatTime(d) {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/**
 * A <time> element for an ISO 8601 time, in the reader's local time, with the exact
 * UTC value as a tooltip; `empty` is shown for null.
 */
export function timeNode(iso, empty = '—') {
  if (!iso) {
    const span = document.createElement('span');
    span.className = 'muted';
    span.textContent = empty;
    return span;
  }
  const el = document.createElement('time');
  el.dateTime = iso;
  el.title = iso;
  const d = new Date(iso);
  el.textContent = Number.isNaN(d.getTime()) ? iso : formatTime(d);
  return el;
}

/** {"role": "support", "email": null} -> "role: support, email: —" */
export function detailsText(details) {
  if (details === null || details === undefined) return '';
  if (typeof details !== 'object') return String(details);
  return Object.entries(details)
    .map(([k, v]) => `${k}: ${v === null ? '—' : typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(', ');
}

/** A greeting for the reader's local time of day. */
export function greeting(now = new Date()) {
  const hour = now.getHours();
  if (hour < 5) return 'Good evening';
  if (hour < 12) return 'Good morning';
  if (hour < 18) return 'Good afternoon';
  return 'Good evening';
}

/** 33563475968 -> "31.3 GiB"; null -> "—". */
export function formatBytes(n) {
  if (n === null || n === undefined || !Number.isFinite(Number(n))) return '—';
  let v = Number(n);
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${units[i]}`;
}

/** 1209603 -> "14 days 0 h"; 20571 -> "5 h 42 min"; 900 -> "15 min". */
export function formatDuration(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(Number(seconds))) return '—';
  const s = Math.max(0, Math.round(Number(seconds)));
  const days = Math.floor(s / 86400);
  const hours = Math.floor((s % 86400) / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  if (days) return `${days} ${days === 1 ? 'day' : 'days'} ${hours} h`;
  if (hours) return `${hours} h ${minutes} min`;
  if (minutes) return `${minutes} min`;
  return `${s} s`;
}

const CHANGE_KINDS = {
  'host.first_report': 'first report',
  'package.installed': 'package installed',
  'package.removed': 'package removed',
  'package.upgraded': 'package upgraded',
  'port.opened': 'port opened',
  'port.closed': 'port closed',
  'user.added': 'user added',
  'user.removed': 'user removed',
  'group.added': 'group added',
  'group.removed': 'group removed',
  'interface.added': 'interface added',
  'interface.removed': 'interface removed',
  'interface.mac_changed': 'interface MAC address changed',
  'interface.addresses_changed': 'interface addresses changed',
  'disk.nearly_full': 'disk nearly full',
  'upgrade.available': 'upgrade available',
  'upgrade.gone': 'upgrade no longer pending',
  'reboot.required': 'reboot needed',
};

/** A host history kind in words: "package.upgraded" -> "package upgraded". */
export function changeKindLabel(kind) {
  if (CHANGE_KINDS[kind]) return CHANGE_KINDS[kind];
  return String(kind ?? '').replace(/[._]+/g, ' ').trim();
}

/* ---- the help desk and the knowledge base ---- */

/** "1 time", "3 times": a count with its noun, singular for 1. */
export function plural(n, one, many) {
  return `${n} ${n === 1 ? one : many}`;
}

/** A <time> element (see timeNode) for Unix seconds, as ticket times are; `empty` for null. */
export function unixTimeNode(seconds, empty = '—') {
  const ok = seconds !== null && seconds !== undefined && Number.isFinite(Number(seconds));
  return timeNode(ok ? new Date(Number(seconds) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z') : null, empty);
}

/** How far a Unix time is from now, for due times: "in 3 h 10 min", "2 days 1 h ago". */
export function dueText(seconds, now = Date.now() / 1000) {
  if (seconds === null || seconds === undefined || !Number.isFinite(Number(seconds))) return '';
  const d = Number(seconds) - now;
  return d >= 0 ? `in ${formatDuration(d)}` : `${formatDuration(-d)} ago`;
}

const TICKET_STATUS = {
  new: 'New', open: 'Open', pending: 'Waiting on you', resolved: 'Resolved', closed: 'Closed',
};
const TICKET_STATUS_STAFF = { ...TICKET_STATUS, pending: 'Pending' };

/** A ticket status in words; employees read "pending" as "Waiting on you". */
export function ticketStatusLabel(status, staff = true) {
  return (staff ? TICKET_STATUS_STAFF : TICKET_STATUS)[status] || String(status ?? '');
}

const PRIORITY = { 1: 'Critical', 2: 'High', 3: 'Medium', 4: 'Low', 5: 'Planning' };

/** A ticket priority (1..5) in words: 1 -> "Critical". */
export function priorityLabel(priority) {
  return PRIORITY[priority] || String(priority ?? '');
}

const LEVEL = { 1: 'High', 2: 'Medium', 3: 'Low' };

/** An impact or urgency level (1..3) in words: 1 -> "High". */
export function levelLabel(level) {
  return LEVEL[level] || String(level ?? '');
}

/**
 * Text whose matches sit between two marker characters (the ticket search's U+0002 and
 * U+0003, the knowledge base's « and ») as a DocumentFragment of text nodes and <mark>
 * elements: built node by node, so the text is never read as markup. A marker without
 * its partner is dropped.
 */
export function highlight(text, open, close) {
  const frag = document.createDocumentFragment();
  const s = String(text ?? '');
  let i = 0;
  while (i < s.length) {
    const a = s.indexOf(open, i);
    if (a < 0) break;
    const b = s.indexOf(close, a + open.length);
    if (b < 0) break;
    if (a > i) frag.append(s.slice(i, a));
    const mark = document.createElement('mark');
    mark.textContent = s.slice(a + open.length, b);
    frag.append(mark);
    i = b + close.length;
  }
  frag.append(s.slice(i).split(open).join('').split(close).join(''));
  return frag;
}

/* ---- training ---- */

const TRAINING_STATUS = { assigned: 'Assigned', completed: 'Completed', overdue: 'Overdue' };

/** A training assignment's status in words: "overdue" -> "Overdue". */
export function trainingStatusLabel(status) {
  return TRAINING_STATUS[status] || String(status ?? '');
}

/** An ISO 8601 time as Unix seconds (for dueText), or null when there is none. */
export function isoSeconds(iso) {
  const ms = iso ? Date.parse(iso) : NaN;
  return Number.isNaN(ms) ? null : ms / 1000;
}

/** A percentage for people: 85 -> "85%", 87.5 -> "87.5%", null -> "—". */
export function percentText(n) {
  if (n === null || n === undefined || !Number.isFinite(Number(n))) return '—';
  return `${Number(n)}%`;
}
