// upgrades.test.mjs — a machine's Upgrades and Restart needs cards, from a real agent
// reporting the tests/fixtures/upgrades tree: security upgrades first and marked, where
// each comes from, the ones kept back and why, the reboot and the services still using
// deleted libraries; then a machine without apt lists is up to date; and the history
// entry when a new upgrade appears.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { setup, newPage, login, checkPage, addAgent } from './harness.mjs';

let env;
let fx;
before(async () => {
  env = await setup();
  fx = addAgent(env.ward, 'upgrades', { hostname: 'fx1' });
  fx.report();
  addAgent(env.ward, 'debian12', { hostname: 'db01' }).report();
});
after(async () => { await env?.teardown(); });

/** The rows of a labelled table as objects keyed by the column headers. */
function rowsOf(page, label) {
  return page.getByRole('region', { name: label, exact: true }).evaluate((el) => {
    const headers = [...el.querySelectorAll('thead th')].map((th) => th.textContent.trim());
    return [...el.querySelectorAll('tbody tr')].map((tr) =>
      Object.fromEntries([...tr.querySelectorAll('td, th')].map((td, i) => [headers[i], td.textContent.trim()])));
  });
}

async function openHost(page, name) {
  await page.goto(`${env.ward.url}/#/machines/${encodeURIComponent(name)}`);
  await page.getByRole('heading', { level: 1, name }).waitFor();
  await page.getByRole('heading', { level: 2, name: 'History' }).waitFor();
}

test('the Upgrades card: security first, sources, kept back and why', async () => {
  const page = await newPage(env.browser);
  await login(page, env.ward);
  await openHost(page, 'fx1');
  const card = page.getByRole('region', { name: 'Upgrades', exact: true });
  assert.match(await card.locator('.count').textContent(), /^13 upgrades, 5 security$/);
  const rows = await rowsOf(page, 'Available upgrades');
  assert.equal(rows.length, 13);
  assert.deepEqual(rows.slice(0, 5).map((r) => [r.Package, r.Security]), [
    ['libc6', 'Security'], ['libc6', 'Security'], ['libfoo1', 'Security'], ['libssl3', 'Security'], ['python3-idna', 'Security'],
  ]);
  const ssl = rows.find((r) => r.Package === 'libssl3');
  assert.deepEqual([ssl.Installed, ssl.Available, ssl.From], ['3.0.15-1~deb12u1', '3.0.16-1~deb12u1', 'bookworm-security']);
  assert.equal(rows.find((r) => r.Package === 'htop').From, 'bookworm-backports');
  assert.equal(rows.find((r) => r.Package === 'bash').Security, '—');
  const held = await rowsOf(page, 'Upgrades kept back');
  assert.deepEqual(held.map((r) => [r.Package, r.Why]), [
    ['libbar1', 'would need a removal: libbar1 1.1-1 Breaks bar-utils 1.0-1'],
    ['linux-image-amd64', 'needs linux-image-6.1.0-29-amd64 (= 6.1.123-1)'],
    ['openssh-server', 'held (apt-mark hold)'],
    ['python3-requests', 'needs python3-charset-normalizer | python3-chardet (>= 3.0.2)'],
    ['qux', 'would need a removal: qux-plugin 1.0-1 Breaks qux 2.0-1'],
  ]);
  checkPage(page);
  await page.context().close();
});

test('the Restart needs card: reboot, kernels, services with deleted libraries', async () => {
  const page = await newPage(env.browser);
  await login(page, env.ward);
  await openHost(page, 'fx1');
  const card = page.getByRole('region', { name: 'Restart needs', exact: true });
  await card.getByText('needed', { exact: true }).waitFor();
  assert.deepEqual(await card.getByRole('list', { name: 'Reasons for a reboot' }).locator('li').allTextContents(),
    ['/run/reboot-required exists', 'kernel 6.1.0-29-amd64 is installed, 6.1.0-28-amd64 is running']);
  assert.deepEqual((await rowsOf(page, 'Services using deleted libraries')).map((r) => [r.Service, r.Processes]),
    [['nginx.service', '4242, 4243']]);
  checkPage(page);
  await page.context().close();
});

test('a machine without apt lists is up to date; a new upgrade shows in the history', async () => {
  const page = await newPage(env.browser);
  await login(page, env.ward);
  await openHost(page, 'db01');
  await page.getByRole('region', { name: 'Upgrades', exact: true }).getByText('Up to date: no upgrades available.').waitFor();
  await page.getByRole('region', { name: 'Restart needs', exact: true }).getByText('not needed', { exact: true }).waitFor();

  appendFileSync(path.join(fx.root, 'var/lib/apt/lists/deb.debian.org_debian-security_dists_bookworm-security_main_binary-amd64_Packages'),
    '\nPackage: curl\nVersion: 7.88.1-10+deb12u9\nArchitecture: amd64\nFilename: pool/main/c/curl/curl_7.88.1-10+deb12u9_amd64.deb\n');
  fx.report();
  await openHost(page, 'fx1');
  const changes = (await page.getByRole('list', { name: 'Changes, newest first' }).locator('li').allTextContents())
    .map((t) => t.replace(/\s+/g, ' '));
  assert.ok(changes.some((c) => /upgrade available curl:amd64 ?7\.88\.1-10\+deb12u9/.test(c)), changes.join(' | '));
  checkPage(page);
  await page.context().close();
});
