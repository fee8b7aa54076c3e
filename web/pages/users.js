// pages/users.js — admin: the list of users (GET /api/v1/users), adding one
// (POST /api/v1/users) and disabling or enabling an account.

import { api } from '../api.js';
import { h, replace, messageArea, field, dataTable } from '../dom.js';
import { roleLabel, timeNode } from '../format.js';

const ROLES = ['employee', 'support', 'admin'];

export async function render(container, ctx) {
  const formError = messageArea('alert');
  const formNotice = messageArea('status');
  const listError = messageArea('alert');
  const listNotice = messageArea('status');
  const tableHolder = h('div', null, h('p', { class: 'muted' }, 'Loading…'));
  const count = h('span', { class: 'count muted' });

  /* ---- the add form ---- */
  const name = h('input', { name: 'name', type: 'text', required: true, autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false' });
  const role = h('select', { name: 'role' }, ROLES.map((r) => h('option', { value: r }, roleLabel(r))));
  const email = h('input', { name: 'email', type: 'email', autocomplete: 'off' });
  const password = h('input', { name: 'password', type: 'password', required: true, autocomplete: 'new-password' });
  const submit = h('button', { type: 'submit', class: 'button button-primary' }, 'Add user');
  const form = h('form', { class: 'form-grid', 'aria-labelledby': 'users-add', novalidate: true },
    field('Name', name),
    field('Role', role),
    field('E-mail', email, 'Optional'),
    field('Password', password),
    h('div', { class: 'form-actions' }, submit));

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    formError.clear();
    formNotice.clear();
    if (!name.value.trim()) {
      formError.show('Enter a name for the new user.');
      name.focus();
      return;
    }
    if (!password.value) {
      formError.show('Enter a password for the new user.');
      password.focus();
      return;
    }
    const body = { name: name.value.trim(), role: role.value, password: password.value };
    if (email.value.trim()) body.email = email.value.trim();
    submit.disabled = true;
    try {
      const res = await api.createUser(body);
      const created = (res && res.user && res.user.name) || body.name;
      form.reset();
      formNotice.show(`Added ${created} (${roleLabel(body.role).toLowerCase()}).`);
      name.focus();
      await load();
    } catch (err) {
      formError.show(err.message);
    } finally {
      submit.disabled = false;
    }
  });

  /* ---- the table ---- */
  async function setDisabled(user, disable, button) {
    listError.clear();
    listNotice.clear();
    button.disabled = true;
    try {
      await (disable ? api.disableUser(user.name) : api.enableUser(user.name));
      listNotice.show(`${user.name} is ${disable ? 'disabled' : 'enabled'}.`);
      await load();
    } catch (err) {
      listError.show(err.message);
      button.disabled = false;
    }
  }

  const columns = [
    { label: 'Name', class: 'wrap', cell: (u) => [h('span', { class: 'strong' }, u.name), u.name === ctx.user.name ? [' ', h('span', { class: 'you' }, '(you)')] : null] },
    { label: 'Role', cell: (u) => h('span', { class: 'role-badge role-' + u.role }, roleLabel(u.role)) },
    { label: 'E-mail', class: 'wrap', cell: (u) => (u.email ? u.email : h('span', { class: 'muted' }, '—')) },
    { label: 'Status', cell: (u) => (u.disabled
      ? h('span', { class: 'status status-off' }, 'Disabled')
      : h('span', { class: 'status status-on' }, 'Active')) },
    { label: 'Created', cell: (u) => timeNode(u.created_at), class: 'nowrap' },
    { label: 'Last login', cell: (u) => timeNode(u.last_login_at, 'never'), class: 'nowrap' },
    {
      label: 'Actions',
      hideLabel: true,
      class: 'actions',
      cell: (u) => {
        if (u.name === ctx.user.name) return h('span', { class: 'muted' }, '—');
        const disable = !u.disabled;
        const button = h('button', {
          type: 'button',
          class: 'button button-small' + (disable ? ' button-danger' : ''),
          'aria-label': `${disable ? 'Disable' : 'Enable'} ${u.name}`,
        }, disable ? 'Disable' : 'Enable');
        button.addEventListener('click', () => setDisabled(u, disable, button));
        return button;
      },
    },
  ];

  async function load() {
    try {
      const data = await api.users();
      const users = Array.isArray(data.users) ? data.users : [];
      count.textContent = `${users.length} ${users.length === 1 ? 'user' : 'users'}`;
      replace(tableHolder, users.length
        ? dataTable('Users', columns, users)
        : h('p', { class: 'empty' }, 'No users yet.'));
    } catch (err) {
      replace(tableHolder);
      listError.show(err.message);
    }
  }

  container.append(
    h('h1', null, 'Users'),
    h('p', { class: 'lead' }, 'Everyone who can log in to Ward, and what they may do.'),
    h('section', { class: 'card', 'aria-labelledby': 'users-list' },
      h('div', { class: 'card-head' }, h('h2', { id: 'users-list' }, 'All users'), count),
      listError.el,
      listNotice.el,
      tableHolder),
    h('section', { class: 'card', 'aria-labelledby': 'users-add' },
      h('h2', { id: 'users-add' }, 'Add a user'),
      form,
      formError.el,
      formNotice.el));

  await load();
}
