// pages/software-api.js — the software catalogue's and software requests' API calls
// (docs/software-requests.md), one function each, over request() from api.js.

import { request } from '../api.js';

const enc = encodeURIComponent;

export const sw = {
  catalog: () => request('GET', '/catalog'),
  item: (name) => request('GET', `/catalog/${enc(name)}`),
  addItem: (fields) => request('POST', '/catalog', { body: fields }),
  editItem: (name, changes) => request('PATCH', `/catalog/${enc(name)}`, { body: changes }),
  removeItem: (name) => request('DELETE', `/catalog/${enc(name)}`),
  requests: (query) => request('GET', '/software-requests', { query }),
  request: (id) => request('GET', `/software-requests/${enc(id)}`),
  ask: (fields) => request('POST', '/software-requests', { body: fields }),
  approve: (id, note) => request('POST', `/software-requests/${enc(id)}/approve`, { body: note ? { note } : {} }),
  reject: (id, reason) => request('POST', `/software-requests/${enc(id)}/reject`, { body: { reason } }),
};

/** "gimp, libfoo 1.0-1" from [{name, version?}]. */
export const packagesText = (packages) => (Array.isArray(packages) ? packages : [])
  .map((p) => (p.version ? `${p.name} ${p.version}` : p.name)).join(', ');

const STATUS_LABELS = {
  pending: 'Waiting for approval',
  installing: 'Installing',
  installed: 'Installed',
  failed: 'Installation failed',
  rejected: 'Not approved',
};

export const requestStatusLabel = (status) => STATUS_LABELS[status] || String(status || '');
