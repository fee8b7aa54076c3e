// pages/software-admin.js — the admin's part of #/software (pages/software.js): the
// catalogue as a table with Edit and Remove, and one form to add an item or edit the
// one picked (POST / PATCH / DELETE /api/v1/catalog). Packages are one a line,
// "name" or "name=version".

import { h, replace, messageArea, field, dataTable } from '../dom.js';
import { list, textArea } from './helpdesk-parts.js';
import { sw, packagesText } from './software-api.js';

const allowText = (it) => (it.allow === 'role' ? `${it.allow_role} and above`
  : it.allow === 'users' ? list(it.allow_users).join(', ') : 'everyone');

export function catalogAdmin({ onChange }) {
  const error = messageArea('alert');
  const notice = messageArea('status');
  const table = h('div');
  const heading = h('h3', { id: 'sw-form-title' }, 'Add an item');
  const name = h('input', { type: 'text', name: 'name', required: true, maxlength: '64', autocomplete: 'off' });
  const description = textArea('Description', { name: 'description', rows: '2', maxlength: '2048', required: true });
  const packages = textArea('Debian packages, one a line (name or name=version)', { name: 'packages', rows: '3', required: true });
  const allow = h('select', { name: 'allow' },
    h('option', { value: 'all' }, 'Every employee'),
    h('option', { value: 'role' }, 'A role and above'),
    h('option', { value: 'users' }, 'These users'));
  const role = h('select', { name: 'allow_role' }, ['employee', 'support', 'admin'].map((r) => h('option', { value: r }, r)));
  const users = h('input', { type: 'text', name: 'allow_users', autocomplete: 'off' });
  const roleField = field('Role', role);
  const usersField = field('Users (comma-separated)', users);
  const approval = h('input', { type: 'checkbox', name: 'approval', checked: true });
  const approver = h('select', { name: 'approver_role' },
    h('option', { value: 'support' }, 'Support staff'), h('option', { value: 'admin' }, 'Administrators'));
  const save = h('button', { type: 'submit', class: 'button button-primary' }, 'Add the item');
  const cancel = h('button', { type: 'button', class: 'button', hidden: true }, 'Cancel');
  const form = h('form', { class: 'form-stack', 'aria-labelledby': 'sw-form-title' },
    heading, field('Name', name, 'a-z, 0-9, - _ . +'), description.el, packages.el,
    field('Who may request it', allow), roleField, usersField,
    h('label', { class: 'check' }, approval, h('span', null, 'Needs approval')),
    field('Approved by', approver),
    h('div', { class: 'form-actions' }, save, cancel), error.el);
  const el = h('section', { class: 'card', 'aria-labelledby': 'sw-catalog' },
    h('h2', { id: 'sw-catalog' }, 'Catalogue'), notice.el, table, form);
  let editing = null;

  const showAllow = () => {
    roleField.hidden = allow.value !== 'role';
    usersField.hidden = allow.value !== 'users';
  };
  allow.addEventListener('change', showAllow);
  showAllow();

  function reset() {
    editing = null;
    form.reset();
    approval.checked = true;
    name.disabled = false;
    heading.textContent = 'Add an item';
    save.textContent = 'Add the item';
    cancel.hidden = true;
    showAllow();
  }
  cancel.addEventListener('click', reset);

  function edit(it) {
    editing = it.name;
    name.value = it.name;
    name.disabled = true;
    description.input.value = it.description;
    packages.input.value = list(it.packages).map((p) => (p.version ? `${p.name}=${p.version}` : p.name)).join('\n');
    allow.value = it.allow;
    role.value = it.allow_role || 'employee';
    users.value = list(it.allow_users).join(', ');
    approval.checked = Boolean(it.approval);
    approver.value = it.approver_role;
    heading.textContent = `Edit ${it.name}`;
    save.textContent = 'Save the item';
    cancel.hidden = false;
    showAllow();
    description.input.focus();
  }

  async function remove(it) {
    error.clear();
    notice.clear();
    try {
      await sw.removeItem(it.name);
      notice.show(`Removed ${it.name} from the catalogue. Its past requests keep their tickets.`);
      if (editing === it.name) reset();
      onChange();
    } catch (err) {
      error.show(err.message);
    }
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.clear();
    notice.clear();
    const fields = {
      description: description.input.value.trim(),
      packages: packages.input.value.split('\n').map((s) => s.trim()).filter(Boolean),
      allow: allow.value,
      approval: approval.checked,
      approver_role: approver.value,
    };
    if (allow.value === 'role') fields.allow_role = role.value;
    if (allow.value === 'users') fields.allow_users = users.value.split(',').map((s) => s.trim()).filter(Boolean);
    save.disabled = true;
    try {
      if (editing) {
        await sw.editItem(editing, fields);
        notice.show(`Saved ${editing}.`);
      } else {
        await sw.addItem({ name: name.value.trim(), ...fields });
        notice.show(`Added ${name.value.trim()} to the catalogue.`);
      }
      reset();
      onChange();
    } catch (err) {
      error.show(err.message);
    } finally {
      save.disabled = false;
    }
  });

  return {
    el,
    update(items) {
      const columns = [
        { label: 'Name', cell: (it) => h('strong', null, it.name) },
        { label: 'Packages', class: 'wrap', cell: (it) => packagesText(it.packages) },
        { label: 'Who may request', class: 'wrap', cell: (it) => allowText(it) },
        { label: 'Approval', cell: (it) => (it.approval ? `by ${it.approver_role}` : 'none') },
        { label: 'Actions', hideLabel: true, cell: (it) => h('div', { class: 'row-actions' },
          h('button', { type: 'button', class: 'button button-small', 'aria-label': `Edit ${it.name}`, on: { click: () => edit(it) } }, 'Edit'),
          h('button', { type: 'button', class: 'button button-small', 'aria-label': `Remove ${it.name}`, on: { click: () => remove(it) } }, 'Remove')) },
      ];
      replace(table, items.length ? dataTable('Catalogue items', columns, items) : h('p', { class: 'empty' }, 'The catalogue is empty.'));
    },
  };
}
