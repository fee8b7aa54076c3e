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
