// users.test.mjs — the Users page: adding users, duplicate and weak-password errors
// in the page, disabling and enabling an account.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, newPage, login, checkPage, columnTexts, eventually, apiFromPage, apiDirect } from './harness.mjs';

let env;
before(async () => { env = await setup(); });
after(async () => { await env?.teardown(); });

async function openUsers(page) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).click();
  await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor();
  await page.getByRole('region', { name: 'Users', exact: true }).waitFor();
}

async function fillAddForm(page, { name, role, email, password }) {
  const form = page.locator('form', { has: page.getByRole('button', { name: 'Add user' }) });
  await form.getByLabel('Name').fill(name);
  await form.getByLabel('Role').selectOption(role);
  await form.getByLabel('E-mail').fill(email || '');
  await form.getByLabel('Password').fill(password);
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/api/v1/users') && r.request().method() === 'POST'),
    form.getByRole('button', { name: 'Add user' }).click(),
  ]);
  return response;
}

/** The row of the users table for a name. */
function row(page, name) {
  return page.locator('main table tbody tr', { has: page.locator('td:first-child', { hasText: new RegExp(`^${name}( \\(you\\))?$`) }) });
}

test('admin adds a user and sees it in the table; the same name again shows the 409 error', async () => {
  const page = await newPage(env.browser);
  await login(page, env.ward);
  await openUsers(page);
  assert.deepEqual(await columnTexts(page, 'Name'), ['admin (you)']);

  const created = await fillAddForm(page, {
    name: 'alice', role: 'support', email: 'alice@example.com', password: 'Alice-Strong-Passw0rd',
  });
  assert.equal(created.status(), 201);
  await eventually(async () => assert.deepEqual((await columnTexts(page, 'Name')).sort(), ['admin (you)', 'alice']));
  const cells = await row(page, 'alice').locator('td').allTextContents();
  assert.equal(cells[1], 'Support');
  assert.equal(cells[2], 'alice@example.com');
  assert.equal(cells[3], 'Active');
  assert.equal(cells[5], 'never');
  assert.match(await page.getByRole('status').first().textContent(), /Added alice/);
  assert.equal(await page.getByLabel('Name').inputValue(), '', 'the form is cleared after success');

  // The same name again: 409, the server's message in the page, no new row.
  const dup = await fillAddForm(page, { name: 'alice', role: 'employee', email: '', password: 'Another-Strong-Passw0rd' });
  assert.equal(dup.status(), 409);
  const { error } = await dup.json();
  const alert = page.getByRole('alert');
  await alert.waitFor();
  assert.equal((await alert.textContent()).trim(), error);
  assert.equal(await page.getByLabel('Name').inputValue(), 'alice', 'the form keeps what was typed');
  assert.deepEqual((await columnTexts(page, 'Name')).sort(), ['admin (you)', 'alice']);
  checkPage(page);
  await page.context().close();
});

test('a weak password shows the 400 error in the page', async () => {
  const page = await newPage(env.browser);
  await login(page, env.ward);
  await openUsers(page);
  const res = await fillAddForm(page, { name: 'weakling', role: 'employee', email: '', password: 'abc' });
  assert.equal(res.status(), 400);
  const { error } = await res.json();
  const alert = page.getByRole('alert');
  await alert.waitFor();
  assert.equal((await alert.textContent()).trim(), error);
  assert.ok(!(await columnTexts(page, 'Name')).includes('weakling'));
  checkPage(page);
  await page.context().close();
});

test('admin disables a user, who can then not log in, and enables them again', async () => {
  env.ward.addUser('bob', 'employee', 'Bob-Strong-Passw0rd');
  assert.equal((await apiDirect(env.ward, 'POST', '/session', { username: 'bob', password: 'Bob-Strong-Passw0rd' })).status, 200);

  // bob is logged in elsewhere while the admin disables him.
  const bobPage = await newPage(env.browser);
  await login(bobPage, env.ward, 'bob', 'Bob-Strong-Passw0rd');

  const page = await newPage(env.browser);
  await login(page, env.ward);
  await openUsers(page);
  assert.equal(await row(page, 'bob').locator('td').nth(3).textContent(), 'Active');
  assert.equal(await row(page, 'admin').getByRole('button').count(), 0, 'no button to disable yourself');

  await row(page, 'bob').getByRole('button', { name: 'Disable bob' }).click();
  await eventually(async () => assert.equal(await row(page, 'bob').locator('td').nth(3).textContent(), 'Disabled'));
  assert.match(await page.getByRole('status').first().textContent(), /bob is disabled/);
  const after = await apiFromPage(page, 'GET', '/users/bob');
  assert.equal(after.status, 200);
  assert.equal(after.body.user.disabled, true);
  assert.notEqual((await apiDirect(env.ward, 'POST', '/session', { username: 'bob', password: 'Bob-Strong-Passw0rd' })).status, 200);

  // Disabling ended bob's session: his next request lands him on the login page, told why.
  await bobPage.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dashboard' }).click();
  await bobPage.getByRole('heading', { level: 1, name: 'Log in' }).waitFor();
  assert.match(await bobPage.getByRole('status').textContent(), /session has ended/);
  checkPage(bobPage);
  await bobPage.context().close();

  await row(page, 'bob').getByRole('button', { name: 'Enable bob' }).click();
  await eventually(async () => assert.equal(await row(page, 'bob').locator('td').nth(3).textContent(), 'Active'));
  assert.equal((await apiFromPage(page, 'GET', '/users/bob')).body.user.disabled, false);
  checkPage(page);
  await page.context().close();
});
