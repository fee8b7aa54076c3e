// pages/missing.js — an unknown route, or a page asked for by someone whose role is too low
// (admin pages for non-admins, support pages such as Machines for employees).

import { h } from '../dom.js';

export function render(container, ctx) {
  if (ctx.forbidden) {
    container.append(
      h('h1', null, 'Not allowed'),
      h('p', { class: 'lead' }, `The ${ctx.route.label} page is for ${
        ctx.route.role === 'admin' ? 'administrators' : 'support staff and administrators'}.`),
      h('p', null, h('a', { href: '#/dashboard' }, 'Back to the dashboard')));
    return;
  }
  container.append(
    h('h1', null, 'Page not found'),
    h('p', { class: 'lead' }, 'There is no page at this address.'),
    h('p', null, h('a', { href: '#/dashboard' }, 'Back to the dashboard')));
}
