// api.js — the one place the UI talks to the server: JSON in and out, the CSRF
// header on every state-changing request, and errors as ApiError with the server's text.

const BASE = '/api/v1';
const SAFE_METHODS = new Set(['GET', 'HEAD']);

let csrfToken = null;
let unauthorizedHandler = null;

/** An API failure: `status` is the HTTP status (0 when the server could not be reached). */
export class ApiError extends Error {
  constructor(status, message, retryAfter = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.retryAfter = retryAfter;
  }
}

/** Remember the CSRF token from POST /session or GET /me (null after logout). */
export function setCsrfToken(token) {
  csrfToken = token || null;
}

/** Called when a request made within a session gets 401 (the session ended). */
export function onUnauthorized(fn) {
  unauthorizedHandler = fn;
}

function buildUrl(path, query) {
  let url = BASE + path;
  if (query) {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) {
      if (v !== undefined && v !== null && v !== '') qs.set(k, String(v));
    }
    const s = qs.toString();
    if (s) url += '?' + s;
  }
  return url;
}

/**
 * Send one request. Resolves to the parsed JSON body; rejects with ApiError.
 * opts.body is sent as JSON; opts.query becomes the query string (empty values dropped);
 * opts.sessionProbe marks requests whose 401 is an answer, not an ended session.
 */
export async function request(method, path, opts = {}) {
  const headers = { Accept: 'application/json' };
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(opts.body);
  }
  if (!SAFE_METHODS.has(method) && csrfToken) headers['X-CSRF-Token'] = csrfToken;

  let res;
  try {
    res = await fetch(buildUrl(path, opts.query), init);
  } catch {
    throw new ApiError(0, 'cannot reach the Ward server: check the connection and try again');
  }

  let data = null;
  const text = await res.text();
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!res.ok) {
    const message = data && typeof data.error === 'string' && data.error
      ? data.error
      : `the server answered HTTP ${res.status}`;
    const err = new ApiError(res.status, message, res.headers.get('Retry-After'));
    if (res.status === 401 && !opts.sessionProbe && unauthorizedHandler) unauthorizedHandler(err);
    throw err;
  }
  return data;
}

/** The routes of docs/api.md, one function each. */
export const api = {
  login: (username, password) =>
    request('POST', '/session', { body: { username, password }, sessionProbe: true }),
  logout: () => request('DELETE', '/session', { sessionProbe: true }),
  me: () => request('GET', '/me', { sessionProbe: true }),
  dashboard: () => request('GET', '/dashboard'),
  users: () => request('GET', '/users'),
  createUser: (user) => request('POST', '/users', { body: user }),
  disableUser: (name) => request('POST', `/users/${encodeURIComponent(name)}/disable`),
  enableUser: (name) => request('POST', `/users/${encodeURIComponent(name)}/enable`),
  log: (query) => request('GET', '/log', { query }),
  hosts: (query) => request('GET', '/hosts', { query }),
  host: (id) => request('GET', `/hosts/${encodeURIComponent(id)}`),
  hostHistory: (id, query) => request('GET', `/hosts/${encodeURIComponent(id)}/history`, { query }),
  updateHost: (id, changes) => request('PATCH', `/hosts/${encodeURIComponent(id)}`, { body: changes }),
  removeHost: (id) => request('DELETE', `/hosts/${encodeURIComponent(id)}`),
  createEnrollToken: (options) => request('POST', '/hosts/enroll-tokens', { body: options }),
  diagnoseHost: (id) => request('POST', `/hosts/${encodeURIComponent(id)}/diagnose`),
  refreshHost: (id) => request('POST', `/hosts/${encodeURIComponent(id)}/refresh`),
  runOnHost: (id, body) => request('POST', `/hosts/${encodeURIComponent(id)}/run`, { body }),
  jobs: (query) => request('GET', '/jobs', { query }),
  job: (id) => request('GET', `/jobs/${encodeURIComponent(id)}`),
};
