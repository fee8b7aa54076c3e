// compliance.test.mjs — the Patch compliance page, from a real agent reporting the
// tests/fixtures/vuln/root tree (openssl and libssl3 security upgrades fixing a
// high-urgency issue): the fleet's figures and due policy, the machines, the overdue
// upgrades once the first sightings are moved 8 days back, the trend of daily snapshots
// as a chart and a table, one machine's view, and an admin's "Take a snapshot now".

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { setup, newPage, login, checkPage, addAgent, REPO, screenshot } from './harness.mjs';

let env;
before(async () => {
  env = await setup();
  env.ward.cli(['vuln', 'import', path.join(REPO, 'tests', 'fixtures', 'vuln', 'tracker.json')]);
  addAgent(env.ward, 'vuln/root', { hostname: 'vulnbox' }).report();
  env.ward.addUser('sam', 'support', 'Support-Pass-123');
  // First sightings recorded (the sync), then moved back: the high-urgency fixes are overdue.
  env.ward.cli(['compliance', 'show']);
  env.ward.sql('UPDATE compliance_upgrades SET first_seen = first_seen - 8 * 86400');
  // Three earlier days of history for the trend (and not the scheduler's of today).
  const day = (n) => new Date(Date.now() - n * 86400000).toISOString().slice(0, 10);
  env.ward.sql(`DELETE FROM compliance_snapshots; INSERT INTO compliance_snapshots VALUES ('${day(3)}', 0, '', 2, 0, 100.0, 1, 1, 0),
    ('${day(2)}', 0, '', 2, 1, 50.0, 1, 0, 0), ('${day(1)}', 0, '', 2, 2, 0.0, 1, 0, 0)`);
});
after(async () => { await env?.teardown(); });

function rowsOf(page, label) {
  return page.getByRole('region', { name: label, exact: true }).evaluate((el) => {
    const headers = [...el.querySelectorAll('thead th')].map((th) => th.textContent.trim());
    return [...el.querySelectorAll('tbody tr')].map((tr) =>
      Object.fromEntries([...tr.querySelectorAll('td, th')].map((td, i) => [headers[i], td.textContent.trim()])));
  });
}

test('the fleet: figures, policy, machines, overdue upgrades, trend', async () => {
  const page = await newPage(env.browser);
  await login(page, env.ward, 'sam', 'Support-Pass-123');
  await page.getByRole('link', { name: 'Patch compliance' }).click();
  await page.getByRole('heading', { level: 1, name: 'Patch compliance' }).waitFor();
  await page.getByRole('region', { name: 'Overdue upgrades', exact: true }).locator('table').waitFor();
  assert.deepEqual(await page.getByRole('list', { name: 'Compliance figures' }).locator('.stat').allTextContents(),
    ['0 of 1Machines compliant', '0%Upgrades on time', '2Pending upgrades', '2Overdue']);
  await page.getByText('Due: security fixes of high or critical urgency 7 days after first seen, other security fixes 30 days, other upgrades 90 days.').waitFor();
  const machines = await rowsOf(page, 'Machine list');
  assert.deepEqual(machines.map((m) => [m.Machine, m.Pending, m.Overdue, m['On time'], m.Compliant]), [['vulnbox', '2', '2', '0%', 'No']]);
  const overdue = await rowsOf(page, 'Overdue upgrade list');
  assert.deepEqual(overdue.map((u) => [u.Machine, u.Package, u.Candidate, u.Class, u.Fixes, u.State]), [
    ['vulnbox', 'libssl3', '3.0.13-1~deb12u1', 'Security, high urgency', 'CVE-2024-0001', 'Overdue 1 d'],
    ['vulnbox', 'openssl', '3.0.13-1~deb12u1', 'Security, high urgency', 'CVE-2024-0001', 'Overdue 1 d'],
  ]);
  const chart = page.getByRole('img', { name: /^Upgrades on time, / });
  assert.match(await chart.getAttribute('aria-label'), /from 100% to 0%$/);
  assert.equal(await chart.locator('circle').count(), 3);
  const history = await rowsOf(page, 'Daily snapshots');
  assert.deepEqual(history.map((r) => [r.Overdue, r['On time']]), [['2', '0%'], ['1', '50%'], ['0', '100%']]);
  assert.equal(await page.getByRole('button', { name: 'Take a snapshot now' }).count(), 0, 'support takes no snapshot');
  await screenshot(page, 'compliance');
  checkPage(page);
  await page.context().close();
});

test('every pending upgrade, one machine, and a snapshot taken by an admin', async () => {
  const page = await newPage(env.browser);
  await login(page, env.ward);
  await page.goto(`${env.ward.url}/#/compliance`);
  await page.getByRole('region', { name: 'Machine list', exact: true }).getByRole('link', { name: 'vulnbox' }).click();
  await page.getByRole('heading', { level: 1, name: 'Patch compliance of vulnbox' }).waitFor();
  await page.getByRole('link', { name: 'Show every pending upgrade' }).click();
  await page.getByRole('region', { name: 'Pending upgrades', exact: true }).locator('table').waitFor();
  assert.equal((await rowsOf(page, 'Pending upgrade list')).length, 2);
  await page.getByRole('button', { name: 'Take a snapshot now' }).click();
  await page.getByRole('status').filter({ hasText: 'Snapshot taken: 0 of 1 machines compliant.' }).waitFor();
  // the machine's own history now has today's row
  await page.waitForFunction(() => document.querySelectorAll('[aria-label="Daily snapshots"] tbody tr').length === 1);
  assert.deepEqual((await rowsOf(page, 'Daily snapshots')).map((r) => [r.Pending, r.Overdue, r['On time']]), [['2', '2', '0%']]);
  const findings = JSON.parse(env.ward.cli(['--json', 'finding', 'list', '--source', 'compliance']));
  assert.deepEqual(findings.map((f) => f.subject), ['vulnbox']);
  checkPage(page);
  await page.context().close();
});
