// dr.test.mjs — recovery plans in the web UI: a plan with a scheduled backup and drill
// (run by the server's scheduler, woken by the new plan) shows green with its snapshot
// and its drill's duration; when its RPO is missed (the run records backdated) it turns
// red, in the list, on its page and on the dashboard; "Back up now" brings it back to
// green; support staff see it all but no buttons, employees not at all.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setup, newPage, login, checkPage, eventually, apiFromPage, screenshot } from './harness.mjs';

const SAM = { name: 'sam', password: 'Sam-Strong-Passw0rd-1' };   // support
const ERIN = { name: 'erin', password: 'Erin-Strong-Passw0rd' };  // employee

let env;
before(async () => {
  // A cheap key derivation for the repository, and a scheduler that only runs when
  // woken (by a plan change or a finished run), so that nothing races the backdating.
  process.env.WARD_BACKUP_KDF = '1:8192';
  process.env.WARD_SCHED_TICK = '3600';
  env = await setup();
  env.ward.addUser(SAM.name, 'support', SAM.password);
  env.ward.addUser(ERIN.name, 'employee', ERIN.password);
});
after(async () => { await env?.teardown(); });

/** The status badge text of a plan's row in the list. */
async function rowStatus(page, name) {
  const row = page.getByRole('region', { name: 'Plan list', exact: true }).locator('tbody tr', { hasText: name });
  return (await row.locator('.badge-dr').textContent()).trim();
}

test('a plan with a scheduled backup and drill is green, turns red when its RPO is missed, and green after a backup', async () => {
  const files = path.join(env.ward.dir, 'files');
  mkdirSync(path.join(files, 'shared', 'finance'), { recursive: true });
  writeFileSync(path.join(files, 'shared', 'finance', 'budget.csv'), 'year,amount\n2026,100\n');
  writeFileSync(path.join(files, 'shared', 'notes.txt'), 'x'.repeat(200000));
  writeFileSync(path.join(env.ward.dir, 'repo.pw'), 'repository password\n', { mode: 0o600 });

  const page = await newPage(env.browser);
  await login(page, env.ward);
  const res = await apiFromPage(page, 'POST', '/dr/plans', {
    name: 'fileserver', description: 'The shared folders', paths: [files],
    repo: path.join(env.ward.dir, 'repo'), password_file: path.join(env.ward.dir, 'repo.pw'),
    rpo: '2h', rto: '10m', backup_schedule: 'every 1h', drill_schedule: 'every 1d',
    steps: ['Mount the spare disk', 'Restore the newest snapshot', 'Share the folders again'],
    owner: 'alice', contacts: 'alice@example.com',
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));

  // The scheduler backs it up and drills it; the list shows green.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Backups' }).click();
  await page.getByRole('heading', { level: 1, name: 'Backups' }).waitFor();
  assert.equal(await page.title(), 'Backups · Ward');
  await eventually(async () => {
    await page.reload();
    await page.getByRole('region', { name: 'Plan list', exact: true }).waitFor();
    assert.equal(await rowStatus(page, 'fileserver'), 'Green');
  }, 30000, 500);
  assert.equal(await rowStatus(page, 'ward'), 'Amber', "Ward's own plan waits for its first nightly backup");
  await screenshot(page, 'dr-plans-green');

  // Its page: green, the snapshot, the drill with its duration, the restore steps.
  await page.getByRole('link', { name: 'fileserver' }).click();
  await page.getByRole('heading', { level: 1, name: 'fileserver' }).waitFor();
  assert.equal((await page.locator('.dr-status .badge-dr').textContent()).trim(), 'Green');
  const drills = page.getByRole('region', { name: 'Drill history', exact: true });
  await drills.waitFor();
  assert.equal(await drills.locator('tbody tr').count(), 1);
  const drillRow = drills.locator('tbody tr').first();
  assert.equal((await drillRow.locator('.badge-run').textContent()).trim(), 'Passed');
  assert.match(await drillRow.locator('td[data-label="Duration"]').textContent(), /^\d+(\.\d)? s$/);
  assert.match(await drillRow.locator('td[data-label="Verified"]').textContent(), /^2 files, /);
  assert.match(await drillRow.locator('td[data-label="By"]').textContent(), /scheduler/);
  assert.equal(await page.getByRole('region', { name: 'Snapshot list', exact: true }).locator('tbody tr').count(), 1);
  assert.deepEqual(await page.locator('.dr-steps li').allTextContents(),
    ['Mount the spare disk', 'Restore the newest snapshot', 'Share the folders again']);
  await screenshot(page, 'dr-plan-green');

  // The RPO missed: the records say the last backup and drill were three hours ago.
  env.ward.sql(`UPDATE dr_runs SET started_at = started_at - 10800, finished_at = finished_at - 10800,
    snapshot_time = snapshot_time - 10800 WHERE plan_id = (SELECT id FROM dr_plans WHERE name = 'fileserver')`);
  await page.reload();
  await page.getByRole('heading', { level: 1, name: 'fileserver' }).waitFor();
  await eventually(async () => assert.equal((await page.locator('.dr-status .badge-dr').textContent()).trim(), 'Red'));
  assert.match(await page.locator('.dr-reasons li').first().textContent(), /^RPO missed: the newest good backup is 3h \d+m old/);
  await screenshot(page, 'dr-plan-red');
  await page.goto(`${env.ward.url}/#/backups`);
  await page.getByRole('region', { name: 'Plan list', exact: true }).waitFor();
  assert.equal(await rowStatus(page, 'fileserver'), 'Red');
  await page.goto(`${env.ward.url}/#/dashboard`);
  const recovery = page.getByRole('list', { name: 'Recovery plan status' });
  await recovery.waitFor();
  assert.match(await page.locator('#dash-recovery').locator('..').locator('..').textContent(), /fileserver \(red\): RPO missed/);

  // Back up now: the page follows the run and turns green again.
  await page.goto(`${env.ward.url}/#/backups/fileserver`);
  await page.getByRole('button', { name: 'Back up now' }).click();
  await page.getByRole('status').filter({ hasText: /Backup started \(run \d+\)/ }).waitFor();
  await eventually(async () => assert.equal((await page.locator('.dr-status .badge-dr').textContent()).trim(), 'Green'), 30000);
  assert.equal(await page.getByRole('region', { name: 'Backup history', exact: true }).locator('tbody tr').count(), 2);
  assert.equal(await page.getByRole('region', { name: 'Snapshot list', exact: true }).locator('tbody tr').count(), 2);
  checkPage(page);
  await page.context().close();
});

test('support staff see the plans without the buttons; employees do not see them', async () => {
  const sam = await newPage(env.browser);
  await login(sam, env.ward, SAM.name, SAM.password);
  await sam.goto(`${env.ward.url}/#/backups/fileserver`);
  await sam.getByRole('heading', { level: 1, name: 'fileserver' }).waitFor();
  await sam.getByRole('region', { name: 'Drill history', exact: true }).waitFor();
  assert.equal(await sam.getByRole('button', { name: 'Back up now' }).count(), 0);
  assert.equal(await sam.getByRole('button', { name: 'Drill now' }).count(), 0);
  const refused = await apiFromPage(sam, 'POST', '/dr/plans/fileserver/drill');
  assert.equal(refused.status, 403);
  checkPage(sam);
  await sam.context().close();

  const erin = await newPage(env.browser);
  await login(erin, env.ward, ERIN.name, ERIN.password);
  assert.equal(await erin.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /^Backups/ }).count(), 0);
  await erin.goto(`${env.ward.url}/#/backups`);
  await erin.getByRole('heading', { level: 1, name: 'Not allowed' }).waitFor();
  checkPage(erin);
  await erin.context().close();
});
