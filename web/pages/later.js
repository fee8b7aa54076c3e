// pages/later.js — the page shown for a capability that is not built yet.

import { h } from '../dom.js';

export function render(container, ctx) {
  const { route } = ctx;
  container.append(
    h('h1', null, route.label),
    h('div', { class: 'card later' },
      h('p', { class: 'later-tag' }, 'Coming in a later release'),
      h('p', { class: 'lead' }, route.blurb),
      h('p', { class: 'muted' },
        'This part of Ward is not built yet. Everything it does will also be available from the API and the ',
        h('code', null, 'ward'), ' command line, and every change it makes will be recorded in the activity log.')));
}
