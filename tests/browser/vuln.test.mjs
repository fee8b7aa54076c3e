// vuln.test.mjs — the Vulnerabilities pages, from a real agent reporting the
// tests/fixtures/vuln/root tree and the fixture feeds imported with the CLI: counts by
// urgency and status, the machine with its release support, every vulnerable package
// with issue, urgency, scope, fixed version and whether an upgrade on hand fixes it;
// the filters; one machine's page; and that employees do not get the page.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { setup, newPage, login, checkPage, addAgent, REPO, screenshot } from './harness.mjs';

let env;
before(async () => {
  env = await setup();
  const fx = path.join(REPO, 'tests', 'fixtures', 'vuln');
  env.ward.cli(['vuln', 'import', path.join(fx, 'tracker.json')]);
  env.ward.cli(['vuln', 'import', path.join(fx, 'osv')]);
  addAgent(env.ward, 'vuln/root', { hostname: 'vulnbox' }).report();
  env.ward.addUser('emma', 'employee', 'Employee-Pass-123');
});
after(async () => { await env?.teardown(); });

function rowsOf(page, label) {
  return page.getByRole('region', { name: label, exact: true }).evaluate((el) => {
    const headers = [...el.querySelectorAll('thead th')].map((th) => th.textContent.trim());
    return [...el.querySelectorAll('tbody tr')].map((tr) =>
      Object.fromEntries([...tr.querySelectorAll('td, th')].map((td, i) => [headers[i], td.textContent.trim()])));
  });
}

test('the fleet: counts, machines and vulnerable packages', async () => {
  const page = await newPage(env.browser);
  await login(page, env.ward);
  await page.getByRole('link', { name: 'Vulnerabilities' }).click();
  await page.getByRole('heading', { level: 1, name: 'Vulnerabilities' }).waitFor();
  await page.getByRole('region', { name: 'Vulnerable package list', exact: true }).waitFor();
  const byUrgency = page.getByRole('list', { name: 'Findings by urgency' });
  assert.deepEqual(await byUrgency.locator('.stat').allTextContents(), ['1high', '3medium', '3low', '1end-of-life', '2unassigned']);
  const byStatus = page.getByRole('list', { name: 'Findings by status' });
  assert.deepEqual(await byStatus.locator('.stat').allTextContents(), ['4Fix available', '4Unfixed', "1Won't fix", '1End of life']);
  const machines = await rowsOf(page, 'Machines and their findings');
  assert.equal(machines.length, 1);
  assert.equal(machines[0].Machine, 'vulnbox');
  assert.match(machines[0].Release, /Extended support only/);
  assert.deepEqual([machines[0]['Fix available'], machines[0]['Upgrade on hand fixes'], machines[0].Unfixed], ['4', '1', '4']);
  const rows = await rowsOf(page, 'Vulnerable package list');
  assert.equal(rows.length, 10);
  const ssl = rows.find((r) => r.Issue === 'CVE-2024-0001');
  assert.deepEqual([ssl.Machine, ssl.Installed, ssl.Status, ssl.Urgency, ssl.Scope, ssl['Fixed in'], ssl['Upgrade on hand fixes it']],
    ['vulnbox', '3.0.11-1~deb12u2', 'Fix available', 'high', 'remote', '3.0.13-1~deb12u1', 'Yes']);
  assert.match(ssl.Package, /^openssl/);
  const curl = rows.find((r) => r.Issue === 'CVE-2024-0002');
  assert.equal(curl['Upgrade on hand fixes it'], 'No');
  assert.match(curl.Package, /curl, libcurl4/);
  assert.equal(rows.find((r) => r.Issue === 'CVE-2024-0011').Status, 'End of life');
  await screenshot(page, 'vulnerabilities');
  checkPage(page);
  await page.context().close();
});

test('filters narrow the list, and the address keeps them', async () => {
  const page = await newPage(env.browser);
  await login(page, env.ward);
  await page.goto(`${env.ward.url}/#/vulnerabilities`);
  await page.getByRole('region', { name: 'Vulnerable package list', exact: true }).waitFor();
  await page.getByRole('combobox', { name: /^Urgency/ }).selectOption('medium');
  await page.getByRole('combobox', { name: /^Status/ }).selectOption('fixed-available');
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.waitForURL(/urgency=medium/);
  await page.waitForFunction(() => document.querySelectorAll('[aria-label="Vulnerable package list"] tbody tr').length === 3);
  const rows = await rowsOf(page, 'Vulnerable package list');
  assert.deepEqual(rows.map((r) => r.Issue).sort(), ['CVE-2024-0002', 'CVE-2024-0006', 'CVE-2024-0020']);
  await page.goto(`${env.ward.url}/#/vulnerabilities?cve=CVE-1999-0001`);
  await page.getByText('No vulnerable package matches.').waitFor();
  checkPage(page);
  await page.context().close();
});

test('one machine: its release and its findings', async () => {
  const page = await newPage(env.browser);
  await login(page, env.ward);
  await page.goto(`${env.ward.url}/#/vulnerabilities`);
  await page.getByRole('region', { name: 'Machines and their findings' }).getByRole('link', { name: 'vulnbox' }).click();
  await page.getByRole('heading', { level: 1, name: 'Vulnerabilities of vulnbox' }).waitFor();
  await page.getByText(/^debian bookworm (reached its end of life|is supported)/).waitFor();
  const rows = await rowsOf(page, 'Vulnerable packages of vulnbox');
  assert.equal(rows.length, 10);
  assert.equal(rows[0].Machine, undefined);
  await page.goto(`${env.ward.url}/#/vulnerabilities/nosuch`);
  await page.getByRole('alert').filter({ hasText: "no host 'nosuch'" }).waitFor();
  checkPage(page);
  await page.context().close();
});

test('the machine page links to its vulnerabilities', async () => {
  const page = await newPage(env.browser);
  await login(page, env.ward);
  await page.goto(`${env.ward.url}/#/machines/vulnbox`);
  await page.getByRole('link', { name: 'Its vulnerabilities' }).click();
  await page.getByRole('heading', { level: 1, name: 'Vulnerabilities of vulnbox' }).waitFor();
  await page.getByRole('region', { name: 'Vulnerable packages of vulnbox', exact: true }).waitFor();
  checkPage(page);
  await page.context().close();
});

test('employees have no Vulnerabilities page', async () => {
  const page = await newPage(env.browser);
  await login(page, env.ward, 'emma', 'Employee-Pass-123');
  assert.equal(await page.getByRole('link', { name: 'Vulnerabilities' }).count(), 0);
  await page.context().close();
});
