// activity.test.mjs — the Activity page: the log lists logins and user changes,
// the filters narrow it, "Older entries" pages back, bad filters show the server's error.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, newPage, login, checkPage, columnTexts, eventually, apiFromPage } from './harness.mjs';

let env;
before(async () => { env = await setup(); });
after(async () => { await env?.teardown(); });

// The action the server records for a successful login (docs/api.md does not name it;
// src/accounts says auth.login).
const LOGIN_ACTION = /^auth\.login$/;

async function applyFilters(page, { actor = '', action = '', since = '' }) {
  const form = page.getByRole('search', { name: 'Filter the activity log' });
  await form.getByLabel('Actor').fill(actor);
  await form.getByLabel('Action').fill(action);
  await form.getByLabel('Since').fill(since);
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url().includes('/api/v1/log')),
    form.getByRole('button', { name: 'Apply' }).click(),
  ]);
  return response;
}

test('the activity page lists logins and user.create, and filtering by action narrows it', async () => {
  const page = await newPage(env.browser);
  await login(page, env.ward);
  const created = await apiFromPage(page, 'POST', '/users', { name: 'carol', role: 'employee', password: 'Carol-Strong-Passw0rd' });
  assert.equal(created.status, 201);

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Activity' }).click();
  await page.getByRole('heading', { level: 1, name: 'Activity' }).waitFor();
  await page.getByRole('region', { name: 'Activity log', exact: true }).waitFor();

  const all = await columnTexts(page, 'Action');
  assert.ok(all.some((a) => LOGIN_ACTION.test(a)), `a login entry among [${all}]`);
  assert.ok(all.includes('user.create'), `user.create among [${all}]`);
  const objects = await columnTexts(page, 'Object');
  assert.ok(objects.some((o) => o === 'carol' || o === 'user:carol'), `carol among [${objects}]`);
  const times = await page.locator('main table tbody time').evaluateAll((els) => els.map((e) => e.dateTime));
  assert.deepEqual([...times].sort().reverse(), times, 'newest first');

  const res = await applyFilters(page, { action: 'user.create' });
  assert.match(res.url(), /[?&]action=user\.create(&|$)/);
  assert.match(page.url(), /#\/activity\?action=user\.create$/);
  await eventually(async () => {
    const narrowed = await columnTexts(page, 'Action');
    assert.ok(narrowed.length > 0 && narrowed.length < all.length, `${narrowed.length} of ${all.length}`);
    assert.ok(narrowed.every((a) => a === 'user.create'), `only user.create in [${narrowed}]`);
  });
  assert.equal(await page.getByLabel('Action').inputValue(), 'user.create');

  // The filter survives a reload (it lives in the address).
  await page.reload();
  await page.getByRole('region', { name: 'Activity log', exact: true }).waitFor();
  assert.ok((await columnTexts(page, 'Action')).every((a) => a === 'user.create'));

  // Prefix and actor filters.
  await applyFilters(page, { actor: 'admin', action: 'user.*' });
  await eventually(async () => {
    const actors = await columnTexts(page, 'Actor');
    assert.ok(actors.length > 0 && actors.every((a) => a === 'admin'), `[${actors}]`);
    assert.ok((await columnTexts(page, 'Action')).every((a) => a.startsWith('user.')));
  });

  // Nothing matches: an empty state, not an empty table.
  await applyFilters(page, { action: 'no.such.action' });
  await page.getByText('No entries match these filters.').waitFor();

  // Clear resets to everything.
  await page.getByRole('button', { name: 'Clear' }).click();
  await eventually(async () => assert.equal((await columnTexts(page, 'Action')).length, all.length));
  assert.match(page.url(), /#\/activity$/);
  checkPage(page);
  await page.context().close();
});

test('a bad "since" shows the server\'s 400 error in the page', async () => {
  const page = await newPage(env.browser);
  await login(page, env.ward);
  await page.goto(env.ward.url + '/#/activity');
  await page.getByRole('region', { name: 'Activity log', exact: true }).waitFor();
  const res = await applyFilters(page, { since: 'yesterday-ish' });
  assert.equal(res.status(), 400);
  const { error } = await res.json();
  const alert = page.getByRole('alert');
  await alert.waitFor();
  assert.equal((await alert.textContent()).trim(), error);
  checkPage(page);
  await page.context().close();
});

test('"Older entries" pages back through next_before', async () => {
  const page = await newPage(env.browser);
  await login(page, env.ward);
  for (const name of ['dan', 'erin', 'frank']) {
    assert.equal((await apiFromPage(page, 'POST', '/users', { name, role: 'employee', password: 'Some-Strong-Passw0rd' })).status, 201);
  }
  const everything = (await apiFromPage(page, 'GET', '/log?limit=500')).body.entries.map((e) => e.id);
  assert.ok(everything.length >= 5);

  // A page size of 2 (the page passes limit through from the address).
  await page.goto(env.ward.url + '/#/activity?limit=2');
  await page.getByRole('region', { name: 'Activity log', exact: true }).waitFor();
  assert.equal((await columnTexts(page, 'Action')).length, 2);
  const older = page.getByRole('button', { name: 'Older entries' });
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.url().includes('/api/v1/log') && r.url().includes('before=')),
    older.click(),
  ]);
  assert.match(res.url(), /[?&]limit=2(&|$)/);
  await eventually(async () => assert.equal((await columnTexts(page, 'Action')).length, 4));

  // Page to the end: every entry once, newest first, and then no Older button.
  for (let i = 0; i < 100 && await older.isVisible(); i++) {
    const n = (await columnTexts(page, 'Action')).length;
    await older.click();
    await eventually(async () => assert.ok((await columnTexts(page, 'Action')).length > n));
  }
  assert.equal(await older.isVisible(), false);
  assert.ok((await columnTexts(page, 'Action')).length >= everything.length);
  checkPage(page);
  await page.context().close();
});
