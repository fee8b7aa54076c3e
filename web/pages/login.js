// pages/login.js — the login form: POST /api/v1/session, errors shown in the page.

import { api } from '../api.js';
import { h, messageArea, field } from '../dom.js';

/** ctx: {notice?: string, onLogin(data)} — onLogin gets {user, csrf_token}. */
export function render(container, ctx) {
  const error = messageArea('alert');
  const notice = messageArea('status');
  if (ctx.notice) notice.show(ctx.notice);

  const username = h('input', {
    name: 'username', type: 'text', autocomplete: 'username', required: true,
    autocapitalize: 'none', spellcheck: 'false',
  });
  const password = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const submit = h('button', { type: 'submit', class: 'button button-primary button-block' }, 'Log in');

  const form = h('form', { class: 'form-stack', 'aria-labelledby': 'login-title', novalidate: true },
    field('User name', username),
    field('Password', password),
    error.el,
    submit);

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.clear();
    notice.clear();
    if (!username.value.trim() || !password.value) {
      error.show('Enter your user name and password.');
      (username.value.trim() ? password : username).focus();
      return;
    }
    submit.disabled = true;
    submit.textContent = 'Logging in…';
    try {
      const data = await api.login(username.value.trim(), password.value);
      ctx.onLogin(data);
    } catch (err) {
      let text = err.message;
      if (err.status === 429 && err.retryAfter && !/\d/.test(text)) {
        text += ` (try again in ${err.retryAfter} s)`;
      }
      error.show(text);
      password.value = '';
      password.focus();
      submit.disabled = false;
      submit.textContent = 'Log in';
    }
  });

  container.append(
    h('div', { class: 'login-card card' },
      h('div', { class: 'login-brand' },
        h('img', { src: '/favicon.svg', alt: '', width: '40', height: '40' }),
        h('span', null, 'Ward')),
      h('h1', { id: 'login-title', class: 'login-title' }, 'Log in'),
      h('p', { class: 'muted login-lead' }, 'IT operations for your company, in one place.'),
      notice.el,
      form));
  username.focus();
}
