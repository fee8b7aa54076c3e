// pages/helpdesk-api.js — the help desk's and the knowledge base's API calls (docs/api.md,
// docs/helpdesk.md, docs/kb.md), one function each, over request() from api.js. Uploads
// send the file itself as the body, which request() (JSON only) cannot: uploadAttachment
// does its own fetch with the CSRF token from GET /me.

import { request, api, ApiError } from '../api.js';

const enc = encodeURIComponent;
const t = (n) => `/tickets/${enc(n)}`;
const a = (id) => `/kb/articles/${enc(id)}`;

/** The most a ticket attachment may be (the server answers 413 above it). */
export const ATTACHMENT_MAX = 10 * 1024 * 1024;

export const hd = {
  tickets: (query) => request('GET', '/tickets', { query }),
  ticket: (n) => request('GET', t(n)),
  createTicket: (ticket) => request('POST', '/tickets', { body: ticket }),
  updateTicket: (n, changes) => request('PATCH', t(n), { body: changes }),
  comment: (n, body, internal) => request('POST', `${t(n)}/comments`, { body: internal ? { body, internal: true } : { body } }),
  rate: (n, rating, comment) => request('POST', `${t(n)}/rating`, { body: comment ? { rating, comment } : { rating } }),
  ticketToArticle: (n, fields) => request('POST', `${t(n)}/article`, { body: fields }),
  link: (n, other) => request('POST', `${t(n)}/links`, { body: { ticket: other } }),
  unlink: (n, other) => request('POST', `${t(n)}/links`, { body: { ticket: other, unlink: true } }),
  merge: (n, into) => request('POST', `${t(n)}/merge`, { body: { into } }),
  fixes: () => request('GET', '/fixes'),
  runFix: (n, fix) => request('POST', `${t(n)}/fix`, { body: { fix } }),
  search: (q, limit) => request('GET', '/search', { query: { q, limit } }),
  staff: () => request('GET', '/staff'),
  canned: () => request('GET', '/canned'),
  addCanned: (title, body) => request('POST', '/canned', { body: { title, body } }),
  removeCanned: (id) => request('DELETE', `/canned/${enc(id)}`),
  attachmentHref: (n, id) => `/api/v1${t(n)}/attachments/${enc(id)}`,

  articles: (query) => request('GET', '/kb/articles', { query }),
  article: (id) => request('GET', a(id)),
  createArticle: (fields) => request('POST', '/kb/articles', { body: fields }),
  updateArticle: (id, fields) => request('PATCH', a(id), { body: fields }),
  revisions: (id, query) => request('GET', `${a(id)}/revisions`, { query }),
  kbSearch: (q, limit) => request('GET', '/kb/search', { query: { q, limit } }),
  kbSuggest: (q, limit) => request('GET', '/kb/suggest', { query: { q, limit } }),
};

/**
 * POST /tickets/{n}/attachments?filename=NAME[&internal=1] with the file as the body (its
 * own Content-Type). Resolves to {attachment}; rejects with ApiError like request().
 */
export async function uploadAttachment(n, file, { internal = false } = {}) {
  const me = await api.me();
  const headers = { Accept: 'application/json', 'Content-Type': file.type || 'application/octet-stream' };
  if (me && me.csrf_token) headers['X-CSRF-Token'] = me.csrf_token;
  let res;
  try {
    res = await fetch(`/api/v1${t(n)}/attachments?filename=${enc(file.name)}${internal ? '&internal=1' : ''}`, {
      method: 'POST', headers, body: file, credentials: 'same-origin', cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, 'cannot reach the Ward server: check the connection and try again');
  }
  let data = null;
  try {
    data = await res.json();
  } catch {
    data = null;
  }
  if (!res.ok) {
    const message = data && typeof data.error === 'string' && data.error ? data.error : `the server answered HTTP ${res.status}`;
    throw new ApiError(res.status, message);
  }
  return data;
}
