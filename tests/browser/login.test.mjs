// login.test.mjs — logging in and out, the dashboard, a session surviving a reload,
// and a wrong password shown in the page.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, newPage, login, checkPage, apiDirect, ADMIN } from './harness.mjs';

let env;
before(async () => { env = await setup(); });
after(async () => { await env?.teardown(); });

test('admin logs in and sees the dashboard', async () => {
  const page = await newPage(env.browser);
  await page.goto(env.ward.url + '/');
  await page.getByRole('heading', { level: 1, name: 'Log in' }).waitFor();
  assert.equal(await page.title(), 'Log in · Ward');
  await page.getByLabel('User name').fill(ADMIN.name);
  await page.getByLabel('Password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Log in' }).click();

  await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
  assert.match(page.url(), /#\/dashboard$/);

  // The header: product, user, role, log out.
  const header = page.locator('header');
  assert.match(await header.textContent(), /Ward/);
  assert.equal(await header.locator('.session-name').textContent(), ADMIN.name);
  assert.equal(await header.locator('.role-badge').textContent(), 'Administrator');
  await header.getByRole('button', { name: 'Log out' }).waitFor();

  // The greeting and the admin's view of GET /api/v1/dashboard.
  assert.match(await page.locator('.greeting').textContent(), new RegExp(`, ${ADMIN.name}\\.$`));
  const stats = page.getByRole('list', { name: 'User counts' });
  await stats.waitFor();
  const total = await stats.locator('.stat-total .stat-value').textContent();
  assert.equal(total, '1', 'one user (the admin) after init');
  const recent = page.getByRole('region', { name: 'Recent activity', exact: true });
  await recent.waitFor();
  assert.ok(await recent.locator('tbody tr').count() >= 1, 'the login itself is recent activity');

  // Every capability is in the navigation; admins also see Activity and Users.
  const nav = page.getByRole('navigation', { name: 'Main' });
  for (const label of ['Dashboard', 'Machines', 'Help desk', 'Software', 'Knowledge base', 'Training', 'Security',
    'Backups', 'Monitoring', 'Maintenance', 'Reports', 'Activity', 'Users']) {
    assert.equal(await nav.getByRole('link', { name: new RegExp(`^${label}`) }).count(), 1, `nav has ${label}`);
  }
  assert.equal(await nav.locator('[aria-current="page"]').textContent(), 'Dashboard');
  checkPage(page);
  await page.context().close();
});

test('a reload keeps the session, and logging out ends it', async () => {
  const page = await newPage(env.browser);
  await login(page, env.ward);
  await page.goto(env.ward.url + '/#/users');
  await page.reload();
  await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor();

  await page.getByRole('button', { name: 'Log out' }).click();
  await page.getByRole('heading', { level: 1, name: 'Log in' }).waitFor();
  assert.match(await page.getByRole('status').textContent(), /logged out/i);
  await page.reload();
  await page.getByRole('heading', { level: 1, name: 'Log in' }).waitFor();
  assert.equal(await page.getByRole('navigation').count(), 0);
  checkPage(page);
  await page.context().close();
});

test('a wrong password shows the server\'s error in the page and stays on the login page', async () => {
  const page = await newPage(env.browser);
  await page.goto(env.ward.url + '/');
  await page.getByLabel('User name').fill(ADMIN.name);
  await page.getByLabel('Password').fill('not-the-password');
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/api/v1/session') && r.request().method() === 'POST'),
    page.getByRole('button', { name: 'Log in' }).click(),
  ]);
  assert.equal(response.status(), 401);
  const { error } = await response.json();
  assert.ok(error, 'the server explains the 401');

  const alert = page.getByRole('alert');
  await alert.waitFor();
  assert.equal((await alert.textContent()).trim(), error);
  await page.getByRole('heading', { level: 1, name: 'Log in' }).waitFor();
  assert.equal(await page.getByRole('heading', { name: 'Dashboard' }).count(), 0);
  assert.equal(await page.getByLabel('Password').inputValue(), '', 'the wrong password is cleared');

  // The right password then works from the same page, and the error goes away.
  await page.getByLabel('Password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
  assert.equal(await page.getByRole('alert').count(), 0);
  checkPage(page);
  await page.context().close();
});

test('the API answers a wrong password with 401 and JSON', async () => {
  const res = await apiDirect(env.ward, 'POST', '/session', { username: 'nobody', password: 'nothing-at-all' });
  assert.equal(res.status, 401);
  assert.equal(typeof res.body.error, 'string');
});
