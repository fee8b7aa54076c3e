// dr-edit.test.mjs — the recovery plan form: an admin adds a plan through it (every
// field `ward dr plan add` takes), a refused value is shown under its field and
// nothing is created, the plan's page shows what was entered; an edit changes only
// what changed (the activity log says which fields), a bad RPO is refused in the form
// and leaves the plan as it was; without the CSRF token the same request is refused;
// support staff get no form.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setup, newPage, login, checkPage, apiFromPage, eventually, screenshot } from './harness.mjs';

const SAM = { name: 'sam', password: 'Sam-Strong-Passw0rd-1' }; // support

let env;
before(async () => {
  process.env.WARD_BACKUP_KDF = '1:8192';
  process.env.WARD_SCHED_TICK = '3600';
  env = await setup();
  env.ward.addUser(SAM.name, 'support', SAM.password);
});
after(async () => { await env?.teardown(); });

const prop = (page, label) => page.locator('.props .prop', { has: page.locator('dt', { hasText: label }) }).locator('dd');

test('an admin adds a plan through the form, sees a refused field, edits it and sees the change', async () => {
  const files = path.join(env.ward.dir, 'mail');
  mkdirSync(files, { recursive: true });
  writeFileSync(path.join(files, 'inbox.mbox'), 'From a@b\n\nhello\n');
  const pw = path.join(env.ward.dir, 'mail.pw');
  writeFileSync(pw, 'repository password\n', { mode: 0o600 });

  const page = await newPage(env.browser);
  await login(page, env.ward);
  await page.goto(`${env.ward.url}/#/backups`);
  await page.getByRole('link', { name: 'New recovery plan' }).click();
  await page.getByRole('heading', { level: 1, name: 'New recovery plan' }).waitFor();
  const form = page.getByRole('form', { name: 'New recovery plan' });
  // The machine and the owner suggest this server and the users.
  await eventually(async () => assert.equal(await page.locator('#dr-edit-users option[value="sam"]').count(), 1));
  assert.equal(await page.locator('#dr-edit-machines option[value="local"]').count(), 1);
  assert.equal(await form.locator('[name="machine"]').getAttribute('list'), 'dr-edit-machines');

  await form.locator('[name="name"]').fill('mail-server');
  await form.locator('[name="machine"]').fill('local');
  await form.locator('[name="owner"]').fill('admin');
  await form.locator('[name="description"]').fill('The company mail store');
  await form.locator('[name="contacts"]').fill('postmaster@example.com');
  await form.locator('[name="paths"]').fill(`${files}\n`);
  await form.locator('[name="excludes"]').fill('*.tmp');
  await form.locator('[name="dumps"]').fill(`sqlite:${path.join(env.ward.dir, 'ward.db')}`);
  await form.locator('[name="repo"]').fill(path.join(env.ward.dir, 'mail-repo'));
  await form.locator('[name="password_file"]').fill(pw);
  await form.locator('[name="rpo"]').fill('2h');
  await form.locator('[name="rto"]').fill('30m');
  await form.locator('[name="backup_schedule"]').fill('every 6h');
  await form.locator('[name="drill_schedule"]').fill('manual');
  await form.locator('[name="keep_daily"]').fill('7');
  await form.locator('[name="keep_weekly"]').fill('4');
  await form.getByRole('button', { name: 'Add a step' }).click();
  await form.getByLabel('Step 1', { exact: true }).fill('Restore the newest snapshot');
  await form.getByRole('button', { name: 'Add a step' }).click();
  await form.getByLabel('Step 2', { exact: true }).fill('Mount the spare disk');
  await form.getByRole('button', { name: 'Move step 2 up' }).click();
  assert.equal(await form.getByLabel('Step 1', { exact: true }).inputValue(), 'Mount the spare disk');

  // Backups every 6 hours cannot meet a 2-hour RPO: the server says so, under the field.
  await form.getByRole('button', { name: 'Create the plan' }).click();
  const schedError = form.locator('#dr-edit-backup_schedule-error');
  await schedError.waitFor();
  assert.match(await schedError.textContent(), /backup schedule 'every 6h' leaves gaps longer than the RPO/);
  const schedInput = form.locator('[name="backup_schedule"]');
  assert.equal(await schedInput.getAttribute('aria-invalid'), 'true');
  assert.equal(await schedInput.getAttribute('aria-describedby'), 'dr-edit-backup_schedule-error');
  assert.ok(await schedInput.evaluate((el) => el === document.activeElement), 'the refused field has the focus');
  assert.match(await page.getByRole('alert').textContent(), /leaves gaps longer than the RPO/);
  assert.equal((await apiFromPage(page, 'GET', '/dr/plans/mail-server')).status, 404, 'nothing was created');
  await screenshot(page, 'dr-edit-refused');

  // Fixed, it is created; the plan's page shows what was entered.
  await schedInput.fill('manual');
  await form.getByRole('button', { name: 'Create the plan' }).click();
  await page.getByRole('heading', { level: 1, name: 'mail-server' }).waitFor();
  await page.getByRole('status').filter({ hasText: 'Created the plan “mail-server”.' }).waitFor();
  await eventually(async () => assert.equal(await prop(page, 'RPO').textContent(), '2 h 0 min'));
  assert.equal(await prop(page, 'RTO').textContent(), '30 min');
  assert.equal(await prop(page, 'Paths').textContent(), files);
  assert.equal(await prop(page, 'Databases').textContent(), `sqlite:${path.join(env.ward.dir, 'ward.db')}`);
  assert.equal(await prop(page, 'Excluded').textContent(), '*.tmp');
  assert.equal(await prop(page, 'Retention').textContent(), '7 daily, 4 weekly');
  assert.equal(await prop(page, 'Owner').textContent(), 'admin');
  assert.equal(await prop(page, 'Contacts').textContent(), 'postmaster@example.com');
  assert.deepEqual(await page.locator('.dr-steps li').allTextContents(), ['Mount the spare disk', 'Restore the newest snapshot']);

  // Edit: the form holds the plan as it is; change the RPO, the contacts and the steps.
  await page.getByRole('link', { name: 'Edit the plan' }).click();
  await page.getByRole('heading', { level: 1, name: 'Edit: mail-server' }).waitFor();
  const edit = page.getByRole('form', { name: 'Edit the recovery plan' });
  assert.equal(await edit.locator('[name="name"]').inputValue(), 'mail-server');
  assert.equal(await edit.locator('[name="name"]').getAttribute('readonly'), '');
  assert.equal(await edit.locator('[name="rpo"]').inputValue(), '2h');
  assert.equal(await edit.locator('[name="rto"]').inputValue(), '30m');
  assert.equal(await edit.locator('[name="keep_daily"]').inputValue(), '7');
  assert.equal(await edit.getByLabel('Step 2', { exact: true }).inputValue(), 'Restore the newest snapshot');

  // A bad RPO first: refused under its field, the plan unchanged.
  await edit.locator('[name="rpo"]').fill('4x');
  await edit.locator('[name="contacts"]').fill('postmaster@example.com, +44 20 7946 0000');
  await edit.getByRole('button', { name: 'Save the plan' }).click();
  const rpoError = edit.locator('#dr-edit-rpo-error');
  await rpoError.waitFor();
  assert.match(await rpoError.textContent(), /field 'rpo': '4x' is not a duration/);
  assert.equal(await edit.locator('[name="rpo"]').getAttribute('aria-invalid'), 'true');
  const unchanged = (await apiFromPage(page, 'GET', '/dr/plans/mail-server')).body.plan;
  assert.equal(unchanged.rpo, 7200);
  assert.equal(unchanged.contacts, 'postmaster@example.com');

  await edit.locator('[name="rpo"]').fill('4h');
  await edit.getByRole('button', { name: 'Remove step 1' }).click();
  await edit.getByRole('button', { name: 'Save the plan' }).click();
  await page.getByRole('heading', { level: 1, name: 'mail-server' }).waitFor();
  await page.getByRole('status').filter({ hasText: 'Saved the plan “mail-server”.' }).waitFor();
  await eventually(async () => assert.equal(await prop(page, 'RPO').textContent(), '4 h 0 min'));
  assert.equal(await prop(page, 'Contacts').textContent(), 'postmaster@example.com, +44 20 7946 0000');
  assert.deepEqual(await page.locator('.dr-steps li').allTextContents(), ['Restore the newest snapshot']);
  await screenshot(page, 'dr-edit-saved');

  // The activity log: the creation, and the edit naming only what changed.
  const log = (await apiFromPage(page, 'GET', '/log?action=dr.plan.*&limit=20')).body.entries
    .filter((e) => e.object === 'dr-plan:mail-server');
  const created = log.find((e) => e.action === 'dr.plan.create');
  assert.ok(created, JSON.stringify(log));
  assert.equal(created.actor, 'admin');
  const edits = log.filter((e) => e.action === 'dr.plan.edit');
  assert.equal(edits.length, 1, 'the refused edit wrote nothing');
  assert.deepEqual(Object.keys(edits[0].details.changed).sort(), ['contacts', 'rpo', 'steps']);
  assert.equal(edits[0].details.changed.rpo, 14400);

  // Saving with nothing changed writes nothing.
  await page.getByRole('link', { name: 'Edit the plan' }).click();
  await page.getByRole('button', { name: 'Save the plan' }).click();
  await page.getByRole('status').filter({ hasText: 'Nothing changed.' }).waitFor();

  // The form's requests carry the CSRF token; without it the server refuses.
  const bare = await page.evaluate(async () => {
    const res = await fetch('/api/v1/dr/plans/mail-server', {
      method: 'PATCH', credentials: 'same-origin', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ rpo: '8h' }),
    });
    return res.status;
  });
  assert.equal(bare, 403);
  assert.equal((await apiFromPage(page, 'GET', '/dr/plans/mail-server')).body.plan.rpo, 14400);
  checkPage(page);
  await page.context().close();
});

test('support staff get no plan form', async () => {
  const sam = await newPage(env.browser);
  await login(sam, env.ward, SAM.name, SAM.password);
  await sam.goto(`${env.ward.url}/#/backups`);
  await sam.getByRole('region', { name: 'Plan list', exact: true }).waitFor();
  assert.equal(await sam.getByRole('link', { name: 'New recovery plan' }).count(), 0);
  await sam.goto(`${env.ward.url}/#/backups/mail-server`);
  await sam.getByRole('heading', { level: 1, name: 'mail-server' }).waitFor();
  await sam.locator('.dr-status').waitFor();
  assert.equal(await sam.getByRole('link', { name: 'Edit the plan' }).count(), 0);
  await sam.goto(`${env.ward.url}/#/backups/mail-server/edit`);
  await sam.getByText('Recovery plans are made and changed by administrators.').waitFor();
  assert.equal(await sam.getByRole('form').count(), 0);
  checkPage(sam);
  await sam.context().close();
});
