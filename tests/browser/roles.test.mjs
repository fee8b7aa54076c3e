// roles.test.mjs — what non-admins see: no Users or Activity in the navigation (and no
// Machines for employees), no admin data on the dashboard, and a "not allowed" page if
// they type the address.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, newPage, login, checkPage } from './harness.mjs';

let env;
before(async () => { env = await setup(); });
after(async () => { await env?.teardown(); });

const ALWAYS = ['Dashboard', 'Help desk', 'Software', 'Knowledge base', 'Training', 'Security',
  'Monitoring', 'Reports'];

for (const role of ['employee', 'support']) {
  test(`${role === 'employee' ? 'an' : 'a'} ${role} does not see Users or Activity${role === 'employee' ? ' or Machines' : ''}`, async () => {
    const name = `${role}1`;
    env.ward.addUser(name, role, `${role}-Strong-Passw0rd`);
    const page = await newPage(env.browser);
    await login(page, env.ward, name, `${role}-Strong-Passw0rd`);

    const header = page.locator('header');
    assert.equal(await header.locator('.session-name').textContent(), name);
    assert.equal(await header.locator('.role-badge').textContent(), role === 'employee' ? 'Employee' : 'Support');

    const nav = page.getByRole('navigation', { name: 'Main' });
    for (const label of ALWAYS) {
      assert.equal(await nav.getByRole('link', { name: new RegExp(`^${label}`) }).count(), 1, `nav has ${label}`);
    }
    // Machines is for support staff and admins: built, so without the "soon" badge.
    const machines = nav.getByRole('link', { name: /^Machines/ });
    if (role === 'employee') assert.equal(await machines.count(), 0);
    else assert.equal(await machines.textContent(), 'Machines');
    // Backups (the recovery plans) likewise.
    const backups = nav.getByRole('link', { name: /^Backups/ });
    if (role === 'employee') assert.equal(await backups.count(), 0);
    else assert.equal(await backups.textContent(), 'Backups');
    // Upgrade runs likewise.
    const runs = nav.getByRole('link', { name: /^Upgrade runs/ });
    if (role === 'employee') assert.equal(await runs.count(), 0);
    else assert.equal(await runs.textContent(), 'Upgrade runs');
    // Maintenance (the maintenance windows) likewise.
    const maint = nav.getByRole('link', { name: /^Maintenance/ });
    if (role === 'employee') assert.equal(await maint.count(), 0);
    else assert.equal(await maint.textContent(), 'Maintenance');
    assert.equal(await nav.getByRole('link', { name: 'Users' }).count(), 0);
    assert.equal(await nav.getByRole('link', { name: 'Activity' }).count(), 0);

    // The dashboard has no admin sections.
    await page.getByRole('heading', { name: 'Welcome to Ward' }).waitFor();
    assert.equal(await page.getByRole('list', { name: 'User counts' }).count(), 0);
    assert.equal(await page.getByRole('heading', { name: 'Recent activity' }).count(), 0);

    // Typing the address of an admin page shows why not, and asks the server nothing.
    const asked = [];
    page.on('request', (r) => { if (/\/api\/v1\/(users|log|hosts|dr|maintenance)/.test(r.url())) asked.push(r.url()); });
    for (const path of role === 'employee' ? ['users', 'activity', 'machines', 'backups', 'maintenance'] : ['users', 'activity']) {
      await page.goto(`${env.ward.url}/#/${path}`);
      await page.getByRole('heading', { level: 1, name: 'Not allowed' }).waitFor();
      assert.equal(await page.locator('main table').count(), 0);
      assert.equal(await page.locator('main form').count(), 0);
    }
    assert.deepEqual(asked, []);
    checkPage(page);
    await page.context().close();
  });
}

test('capabilities not built yet say so', async () => {
  const page = await newPage(env.browser);
  await login(page, env.ward);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /^Security/ }).click();
  await page.getByRole('heading', { level: 1, name: 'Security' }).waitFor();
  await page.getByText('Coming in a later release').waitFor();
  assert.match(page.url(), /#\/security$/);
  assert.equal(await page.title(), 'Security · Ward');

  await page.goto(`${env.ward.url}/#/no-such-page`);
  await page.getByRole('heading', { level: 1, name: 'Page not found' }).waitFor();
  checkPage(page);
  await page.context().close();
});
