// machines.test.mjs — the Machines pages with real agents: two machines (copies of the
// Debian 12 and Ubuntu 22.04 fixture trees) report to the ward, the Debian one twice
// with a change between, so it has history. The fleet (counts, search, filters,
// sorting), the host page (facts, package search, history), an admin's edits and
// removal, what support staff and employees get, enrolling from the page, 375 px.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import path from 'node:path';
import {
  setup, newPage, login, checkPage, columnTexts, eventually, apiFromPage, screenshot,
  addAgent, wardCommand,
} from './harness.mjs';

const DEBIAN = { name: 'db01', os: 'Debian GNU/Linux 12 (bookworm)' };
const UBUNTU = { name: 'alice-ThinkPad-T470', os: 'Ubuntu 22.04.4 LTS' };
const ALICE = { name: 'alice', password: 'Alice-Strong-Passw0rd' };   // an employee
const SAM = { name: 'sam', password: 'Sam-Strong-Passw0rd-1' };        // support

let env;
before(async () => {
  env = await setup();
  env.ward.addUser(ALICE.name, 'employee', ALICE.password);
  env.ward.addUser(SAM.name, 'support', SAM.password);

  const debian = addAgent(env.ward, 'debian12');
  debian.report();
  addAgent(env.ward, 'ubuntu2204').report();

  // Change the Debian copy: one package more, one upgraded; the second report records both.
  const status = path.join(debian.root, 'var/lib/dpkg/status');
  const text = readFileSync(status, 'utf8');
  assert.match(text, /^Version: 1:1\.2\.13\.dfsg-1$/m);
  writeFileSync(status, text.replace(/^Version: 1:1\.2\.13\.dfsg-1$/m, 'Version: 1:1.2.13.dfsg-2'));
  appendFileSync(status, '\nPackage: ward-test-tool\nStatus: install ok installed\nPriority: optional\n'
    + 'Architecture: amd64\nVersion: 1.0-1\nDescription: a package added by the browser tests\n');
  debian.report();
});
after(async () => { await env?.teardown(); });

async function openFleet(page) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Machines' }).click();
  await page.getByRole('heading', { level: 1, name: 'Machines' }).waitFor();
  await page.getByRole('region', { name: 'Machines', exact: true }).waitFor();
}

async function openHost(page, name) {
  await page.goto(`${env.ward.url}/#/machines/${encodeURIComponent(name)}`);
  await page.getByRole('heading', { level: 1, name }).waitFor();
  await page.getByRole('heading', { level: 2, name: 'History' }).waitFor();
}

/** The rows of the table in a labelled region, as objects keyed by the column headers. */
function rowsOf(page, region) {
  return page.getByRole('region', { name: region, exact: true }).evaluate((el) => {
    const headers = [...el.querySelectorAll('thead th')].map((th) => th.textContent.trim());
    return [...el.querySelectorAll('tbody tr')].map((tr) =>
      Object.fromEntries([...tr.children].map((td, i) => [headers[i], td.textContent.trim()])));
  });
}

/** The fleet's counts: {label: value}. */
function counts(page) {
  return page.getByRole('list', { name: 'Machines by operating system' }).evaluate((ul) =>
    Object.fromEntries([...ul.querySelectorAll('li')].map((li) =>
      [li.querySelector('.stat-label').textContent, Number(li.querySelector('.stat-value').textContent)])));
}

/** The machine names in the fleet table, in order (the Name cells also hold the tags). */
function names(page) {
  return page.getByRole('region', { name: 'Machines', exact: true }).locator('tbody tr td:first-child a').allTextContents();
}

function fleetRow(page, name) {
  return page.getByRole('region', { name: 'Machines', exact: true }).locator('tbody tr', { has: page.getByRole('link', { name, exact: true }) });
}

const hostsRequest = (page, match) => page.waitForResponse((r) => r.url().includes('/api/v1/hosts?') && match(new URL(r.url()).searchParams));

test('the fleet lists both machines with their OS and package counts, and the counts by OS', async () => {
  const page = await newPage(env.browser);
  await login(page, env.ward);
  const nav = page.getByRole('navigation', { name: 'Main' });
  assert.equal(await nav.getByRole('link', { name: 'Machines' }).textContent(), 'Machines', 'no "soon" badge any more');
  await openFleet(page);
  assert.equal(await page.title(), 'Machines · Ward');
  assert.equal(await nav.getByRole('link', { name: 'Machines' }).getAttribute('aria-current'), 'page');

  assert.deepEqual(await names(page), [UBUNTU.name, DEBIAN.name], 'sorted by name');
  assert.deepEqual(await columnTexts(page, 'OS'), [UBUNTU.os, DEBIAN.os]);
  assert.deepEqual(await columnTexts(page, 'Packages'), ['37', '41'], 'the Debian fixture has 40, plus the one added');
  assert.deepEqual(await counts(page), { Machines: 2, [DEBIAN.os]: 1, [UBUNTU.os]: 1, Stale: 0 });
  assert.equal(await page.locator('main th[aria-sort]').count(), 1);
  assert.equal(await page.locator('main th[aria-sort="ascending"]').textContent(), 'Name');
  assert.equal(await fleetRow(page, DEBIAN.name).locator('.badge-stale').count(), 0);

  // Each row links to its machine's page.
  assert.equal(await page.getByRole('link', { name: DEBIAN.name, exact: true }).getAttribute('href'), '#/machines/db01');
  await page.getByRole('link', { name: DEBIAN.name, exact: true }).click();
  await page.getByRole('heading', { level: 1, name: DEBIAN.name }).waitFor();
  assert.match(page.url(), /#\/machines\/db01$/);
  checkPage(page);
  await page.context().close();
});

test('search, stale only and the OS filter narrow the list', async () => {
  const page = await newPage(env.browser);
  await login(page, env.ward);
  await openFleet(page);
  const filters = page.getByRole('search', { name: 'Filter machines' });

  // Search goes to the server as ?q= and lives in the address.
  const [searched] = await Promise.all([
    hostsRequest(page, (p) => p.get('q') === 'db0'),
    filters.getByLabel('Search').fill('db0'),
  ]);
  assert.equal(searched.status(), 200);
  await eventually(async () => assert.deepEqual(await names(page), [DEBIAN.name]));
  assert.match(await page.getByRole('status').filter({ hasText: 'match' }).textContent(), /1 of 2 machines match/);
  assert.match(page.url(), /#\/machines\?q=db0$/);
  await page.reload();
  await page.getByRole('region', { name: 'Machines', exact: true }).waitFor();
  assert.equal(await filters.getByLabel('Search').inputValue(), 'db0');
  assert.deepEqual(await names(page), [DEBIAN.name]);
  await filters.getByLabel('Search').fill('no-such-machine');
  await page.getByText('No machines match these filters.').waitFor();
  await filters.getByRole('button', { name: 'Clear filters' }).click();
  await eventually(async () => assert.deepEqual(await names(page), [UBUNTU.name, DEBIAN.name]));

  // The laptop has not reported for a long time: stale.
  env.ward.sql(`UPDATE hosts SET last_report_at = last_report_at - 100000 WHERE name = '${UBUNTU.name}'`);
  await page.reload();
  await page.getByRole('region', { name: 'Machines', exact: true }).waitFor();
  assert.equal(await fleetRow(page, UBUNTU.name).locator('.badge-stale').textContent(), 'Stale');
  assert.equal(await fleetRow(page, DEBIAN.name).locator('.badge-stale').count(), 0);
  assert.equal((await counts(page)).Stale, 1);
  const [staleOnly] = await Promise.all([
    hostsRequest(page, (p) => p.get('stale') === '1'),
    filters.getByLabel('Stale only').check(),
  ]);
  assert.equal(staleOnly.status(), 200);
  await eventually(async () => assert.deepEqual(await names(page), [UBUNTU.name]));
  assert.match(page.url(), /stale=1/);
  await filters.getByLabel('Stale only').uncheck();
  await eventually(async () => assert.deepEqual(await names(page), [UBUNTU.name, DEBIAN.name]));

  // The OS choices are the OSes present.
  const osSelect = filters.getByLabel('Operating system');
  assert.deepEqual(await osSelect.locator('option').allTextContents(), ['All', DEBIAN.os, UBUNTU.os]);
  await osSelect.selectOption(DEBIAN.os);
  await eventually(async () => assert.deepEqual(await names(page), [DEBIAN.name]));
  await osSelect.selectOption('');
  await eventually(async () => assert.equal((await names(page)).length, 2));
  checkPage(page);
  await page.context().close();
});

test('sorting by packages changes the order; the header says how it is sorted', async () => {
  const page = await newPage(env.browser);
  await login(page, env.ward);
  await openFleet(page);
  const region = page.getByRole('region', { name: 'Machines', exact: true });
  assert.deepEqual(await names(page), [UBUNTU.name, DEBIAN.name]);

  const packages = region.getByRole('button', { name: 'Packages' });
  await packages.click();
  assert.deepEqual(await names(page), [DEBIAN.name, UBUNTU.name], 'most packages first');
  assert.deepEqual(await columnTexts(page, 'Packages'), ['41', '37']);
  assert.equal(await region.locator('th', { has: page.getByRole('button', { name: 'Packages' }) }).getAttribute('aria-sort'), 'descending');
  assert.equal(await region.locator('th[aria-sort]').count(), 1);
  assert.equal(await packages.evaluate((el) => el === document.activeElement), true, 'focus stays on the header');

  // The keyboard works too: Enter on the focused header flips the order.
  await page.keyboard.press('Enter');
  assert.deepEqual(await columnTexts(page, 'Packages'), ['37', '41']);
  assert.equal(await region.locator('th', { has: page.getByRole('button', { name: 'Packages' }) }).getAttribute('aria-sort'), 'ascending');

  await region.getByRole('button', { name: 'Name' }).click();
  await region.getByRole('button', { name: 'Name' }).click();
  assert.deepEqual(await names(page), [DEBIAN.name, UBUNTU.name], 'name, descending');

  // The sort is in the address.
  await packages.click();
  assert.match(page.url(), /sort=packages&dir=desc/);
  await page.reload();
  await region.waitFor();
  assert.deepEqual(await names(page), [DEBIAN.name, UBUNTU.name]);
  checkPage(page);
  await page.context().close();
});

test('the host page shows the facts, a package found by the filter, and the history', async () => {
  const page = await newPage(env.browser);
  await login(page, env.ward);
  await openHost(page, DEBIAN.name);
  assert.equal(await page.title(), 'db01 · Machines · Ward');
  const main = page.locator('main');
  await main.getByText(DEBIAN.os).first().waitFor();

  const system = page.getByRole('region', { name: 'System', exact: true });
  assert.match(await system.textContent(), /Hostnamedb01/);
  assert.match(await system.textContent(), /6\.1\.0-21-amd64/);
  const hardware = page.getByRole('region', { name: 'Hardware', exact: true });
  assert.match(await hardware.textContent(), /Intel\(R\) Xeon\(R\) E-2224 CPU @ 3\.40GHz/);
  assert.match(await hardware.textContent(), /31\.3 GiB/);
  assert.deepEqual((await rowsOf(page, 'Block devices')).map((r) => r.Device), ['nvme0n1', 'sda']);
  assert.ok((await rowsOf(page, 'Mounted filesystems')).some((r) => r['Mount point'] === '/srv/backup'));

  // Network: the VLAN interface, default routes and DNS.
  const ifaces = await rowsOf(page, 'Network interfaces');
  const vlan = ifaces.find((r) => r.Interface === 'eth0.20');
  assert.equal(vlan.VLAN, '20 on eth0');
  assert.match(vlan.Addresses, /198\.51\.100\.5\/24/);
  const network = page.getByRole('region', { name: 'Network', exact: true });
  assert.match(await network.getByRole('list', { name: 'Default routes' }).textContent(), /192\.0\.2\.1 via eth0/);
  assert.match(await network.getByRole('list', { name: 'Name servers' }).textContent(), /192\.0\.2\.53/);

  // Listening ports: sshd on 22, postgres on 5432.
  const ports = await rowsOf(page, 'Listening sockets');
  assert.deepEqual(ports.filter((r) => r.Process.startsWith('sshd')).map((r) => r.Port), ['22', '22']);
  assert.deepEqual(ports.filter((r) => r.Process.startsWith('postgres')).map((r) => [r.Protocol, r.Address, r.Port]), [['TCP', '127.0.0.1', '5432']]);

  // Accounts: UID 0 and admins.
  const accounts = page.getByRole('region', { name: 'Accounts', exact: true });
  assert.deepEqual(await accounts.getByRole('list', { name: 'UID 0 accounts' }).locator('li').allTextContents(), ['root', 'toor']);
  assert.ok((await accounts.getByRole('list', { name: 'Administrators' }).locator('li').allTextContents()).includes('alice'));
  assert.ok((await rowsOf(page, 'Users with a login shell')).some((r) => r.User === 'root' && r.UID === '0'));

  // Services and the firewall; no WireGuard section (none reported).
  const services = page.getByRole('region', { name: 'Services', exact: true });
  assert.ok((await services.getByRole('list', { name: 'Enabled units' }).locator('li').allTextContents()).includes('postgresql.service'));
  await page.getByRole('region', { name: 'Firewall', exact: true }).waitFor();
  assert.equal(await page.getByRole('region', { name: 'WireGuard', exact: true }).count(), 0);

  // Packages: all 41, then found through the filter.
  const pkgs = page.getByRole('region', { name: 'Packages', exact: true });
  assert.equal((await rowsOf(page, 'Installed packages')).length, 41);
  assert.match(await pkgs.getByRole('status').textContent(), /Showing 41 of 41 packages/);
  await pkgs.getByLabel('Filter packages').fill('ward-test');
  await eventually(async () => assert.deepEqual(
    (await rowsOf(page, 'Installed packages')).map((r) => [r.Package, r.Version, r.Architecture]),
    [['ward-test-tool', '1.0-1', 'amd64']]));
  assert.match(await pkgs.getByRole('status').textContent(), /Showing 1 of 41 packages/);
  await pkgs.getByLabel('Filter packages').fill('openssh');
  await eventually(async () => assert.deepEqual((await rowsOf(page, 'Installed packages')).map((r) => r.Package), ['openssh-client']));
  await pkgs.getByLabel('Filter packages').fill('no-such-package');
  await pkgs.getByText('No package matches.').waitFor();

  // History: newest first, kinds in words, old → new.
  const timeline = page.getByRole('list', { name: 'Changes, newest first' });
  const changes = (await timeline.locator('li').allTextContents()).map((t) => t.replace(/\s+/g, ' '));
  assert.equal(changes.length, 2, changes.join(' | '));
  assert.ok(changes.some((c) => /package upgraded zlib1g:amd64 ?1:1\.2\.13\.dfsg-1 → to 1:1\.2\.13\.dfsg-2/.test(c)), changes.join(' | '));
  assert.ok(changes.some((c) => /package installed ward-test-tool:amd64 ?1\.0-1/.test(c)), changes.join(' | '));

  // An unknown machine: the server's 404 message in the page.
  await page.goto(`${env.ward.url}/#/machines/no-such-host`);
  const alert = page.getByRole('alert');
  await alert.waitFor();
  assert.equal((await alert.textContent()).trim(), "host 'no-such-host' does not exist");
  checkPage(page);
  await page.context().close();
});

test('an admin edits the owner, location and tags, and sees them', async () => {
  const page = await newPage(env.browser);
  await login(page, env.ward);
  await openHost(page, DEBIAN.name);
  const summary = page.getByRole('region', { name: 'Summary' });
  const toggle = summary.getByRole('button', { name: 'Edit owner, location and tags' });
  const form = summary.getByRole('form', { name: 'Owner, location and tags' });
  const patch = (fn) => Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/api/v1/hosts/' + hostId) && r.request().method() === 'PATCH'),
    fn(),
  ]).then(([r]) => r);
  const hostId = (await apiFromPage(page, 'GET', '/hosts/db01')).body.host.id;

  assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
  await toggle.click();
  assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
  const owners = await form.getByLabel('Owner').locator('option').allTextContents();
  assert.deepEqual(owners, ['Nobody', 'admin (administrator)', 'alice (employee)', 'sam (support)']);
  await form.getByLabel('Owner').selectOption('alice');
  await form.getByLabel('Location').fill('Room 4.12');
  await form.getByLabel('Tags').fill('db, prod');
  let res = await patch(() => form.getByRole('button', { name: 'Save' }).click());
  assert.equal(res.status(), 200);
  assert.deepEqual(res.request().postDataJSON(), { owner: 'alice', location: 'Room 4.12', tags: ['db', 'prod'] });
  await summary.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
  const text = async () => (await summary.textContent()).replace(/\s+/g, ' ');
  assert.match(await text(), /Owneralice/);
  assert.match(await text(), /LocationRoom 4\.12/);
  assert.deepEqual(await summary.getByRole('list', { name: 'Tags' }).locator('li').allTextContents(), ['db', 'prod']);

  // The change sent is the difference: one tag added, one taken away; the owner cleared.
  await toggle.click();
  assert.equal(await form.getByLabel('Tags').inputValue(), 'db, prod');
  await form.getByLabel('Tags').fill('prod, backup');
  res = await patch(() => form.getByRole('button', { name: 'Save' }).click());
  assert.deepEqual(res.request().postDataJSON(), { tags: ['backup', '-db'] });
  await eventually(async () => assert.deepEqual(
    (await summary.getByRole('list', { name: 'Tags' }).locator('li').allTextContents()).sort(), ['backup', 'prod']));

  // A bad tag: the server's 400 message in the page, the form still open.
  await toggle.click();
  await form.getByLabel('Tags').fill('prod, backup, bad tag!');
  res = await patch(() => form.getByRole('button', { name: 'Save' }).click());
  assert.equal(res.status(), 400);
  const alert = summary.getByRole('alert');
  await alert.waitFor();
  assert.equal((await alert.textContent()).trim(), (await res.json()).error);
  assert.equal(await form.isVisible(), true);
  await form.getByRole('button', { name: 'Cancel' }).click();

  // After a reload, from the server.
  await page.reload();
  await page.getByRole('heading', { level: 1, name: DEBIAN.name }).waitFor();
  assert.match(await text(), /Owneralice/);
  const host = (await apiFromPage(page, 'GET', '/hosts/db01')).body.host;
  assert.equal(host.owner, 'alice');
  assert.equal(host.location, 'Room 4.12');
  assert.deepEqual([...host.tags].sort(), ['backup', 'prod']);

  // The fleet shows the owner, and the tag filter (?tag=) finds the machine.
  await openFleet(page);
  assert.equal(await fleetRow(page, DEBIAN.name).locator('td').nth(2).textContent(), 'alice');
  const tagSelect = page.getByRole('search', { name: 'Filter machines' }).getByLabel('Tag');
  assert.deepEqual(await tagSelect.locator('option').allTextContents(), ['All', 'backup', 'prod']);
  const [tagged] = await Promise.all([hostsRequest(page, (p) => p.get('tag') === 'prod'), tagSelect.selectOption('prod')]);
  assert.equal(tagged.status(), 200);
  await eventually(async () => assert.deepEqual(await names(page), [DEBIAN.name]));
  checkPage(page);
  await page.context().close();
});

test('a support user sees the fleet and the facts, but no enrolling, editing or removing', async () => {
  const page = await newPage(env.browser);
  const asked = [];
  page.on('request', (r) => { if (/\/api\/v1\/users/.test(r.url())) asked.push(r.url()); });
  await login(page, env.ward, SAM.name, SAM.password);
  await openFleet(page);
  const listed = await names(page);
  assert.ok(listed.includes(DEBIAN.name) && listed.includes(UBUNTU.name), listed.join(', '));
  assert.equal(await page.getByRole('button', { name: 'Enroll a machine' }).count(), 0);

  await page.getByRole('link', { name: DEBIAN.name, exact: true }).click();
  await page.getByRole('heading', { level: 1, name: DEBIAN.name }).waitFor();
  await page.getByRole('region', { name: 'Listening sockets' }).waitFor();
  await page.getByRole('list', { name: 'Changes, newest first' }).waitFor();
  assert.equal(await page.getByRole('button', { name: /Edit/ }).count(), 0);
  assert.equal(await page.locator('main form').filter({ hasNot: page.getByLabel('Filter packages') }).count(), 0);
  assert.equal(await page.getByRole('button', { name: /Remove/ }).count(), 0);
  assert.deepEqual(asked, [], 'support staff cannot list users, so the page does not ask');
  checkPage(page);
  await page.context().close();
});

test('an employee does not see Machines, and is not allowed there', async () => {
  const page = await newPage(env.browser);
  const asked = [];
  page.on('request', (r) => { if (/\/api\/v1\/hosts/.test(r.url())) asked.push(r.url()); });
  await login(page, env.ward, ALICE.name, ALICE.password);
  const nav = page.getByRole('navigation', { name: 'Main' });
  assert.equal(await nav.getByRole('link', { name: /Machines/ }).count(), 0);
  assert.equal(await nav.getByRole('link', { name: /^Help desk/ }).count(), 1, 'the rest of the navigation is there');
  for (const where of ['machines', 'machines/db01']) {
    await page.goto(`${env.ward.url}/#/${where}`);
    await page.getByRole('heading', { level: 1, name: 'Not allowed' }).waitFor();
    assert.match(await page.locator('main .lead').textContent(), /for support staff and administrators/);
  }
  assert.deepEqual(asked, []);
  checkPage(page);
  await page.context().close();
});

test('"Enroll a machine" makes a token, shows the commands, and the token enrolls a machine', async () => {
  const page = await newPage(env.browser);
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: env.ward.url });
  await login(page, env.ward);
  await openFleet(page);
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/api/v1/hosts/enroll-tokens') && r.request().method() === 'POST'),
    page.getByRole('button', { name: 'Enroll a machine' }).click(),
  ]);
  assert.equal(res.status(), 201);
  assert.deepEqual(res.request().postDataJSON(), { expires: '24h', uses: 1 });
  const { token } = await res.json();
  assert.match(token, /^wardenroll_[0-9a-f]+$/);

  const code = page.getByRole('region', { name: 'Commands to run on the machine' });
  await code.waitFor();
  const commands = await code.textContent();
  assert.equal(commands, `ward agent enroll --server ${env.ward.url} --token ${token}\nward agent run`);
  await page.getByRole('button', { name: 'Copy the commands' }).click();
  await page.getByRole('status').filter({ hasText: /Copied|selected/ }).waitFor();
  if (await page.getByText('Copied to the clipboard.').count()) {
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), commands);
  } else {
    assert.equal(await page.evaluate(() => String(window.getSelection())), commands);
  }

  // The token works, once: the new machine is listed before its first report.
  const state = path.join(mkdtempSync(path.join(env.ward.dir, 'agent-new-')), 'state');
  wardCommand(['agent', 'enroll', '--server', env.ward.url, '--token', token, '--state', state, '--hostname', 'new-laptop']);
  await page.reload();
  await page.getByRole('region', { name: 'Machines', exact: true }).waitFor();
  assert.equal(await fleetRow(page, 'new-laptop').locator('td').nth(1).textContent(), 'not reported yet');
  await page.getByRole('link', { name: 'new-laptop', exact: true }).click();
  await page.getByText('This machine has not reported yet').waitFor();
  checkPage(page);
  await page.context().close();
});

test('remove works only after confirming in the page; at most 200 packages are listed', async () => {
  // A third machine, with many packages, to be removed.
  addAgent(env.ward, 'debian12', {
    edit: (root) => {
      writeFileSync(path.join(root, 'etc/hostname'), 'spare01\n');
      let extra = '';
      for (let i = 0; i < 250; i++) {
        extra += `\nPackage: filler-${String(i).padStart(3, '0')}\nStatus: install ok installed\nArchitecture: all\nVersion: 1.${i}\n`;
      }
      appendFileSync(path.join(root, 'var/lib/dpkg/status'), extra);
    },
  }).report();

  const page = await newPage(env.browser);
  await login(page, env.ward);
  await openHost(page, 'spare01');
  const pkgs = page.getByRole('region', { name: 'Packages', exact: true });
  assert.equal((await rowsOf(page, 'Installed packages')).length, 200);
  assert.match(await pkgs.getByRole('status').textContent(), /Showing 200 of 290 packages/);
  await pkgs.getByLabel('Filter packages').fill('filler-24');
  await eventually(async () => assert.equal((await rowsOf(page, 'Installed packages')).length, 10));

  const removal = page.getByRole('region', { name: 'Remove this machine' });
  await removal.getByRole('button', { name: 'Remove spare01…' }).click();
  const confirm = removal.getByRole('group', { name: 'Remove spare01 and its history for good?' });
  await confirm.waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'host-remove-question', 'focus moves to the question');
  await confirm.getByRole('button', { name: 'Cancel' }).click();
  assert.equal(await confirm.isVisible(), false);
  assert.equal((await apiFromPage(page, 'GET', '/hosts/spare01')).status, 200, 'nothing removed yet');

  await removal.getByRole('button', { name: 'Remove spare01…' }).click();
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.url().includes('/api/v1/hosts/') && r.request().method() === 'DELETE'),
    confirm.getByRole('button', { name: 'Yes, remove spare01' }).click(),
  ]);
  assert.equal(res.status(), 200);
  await page.getByRole('heading', { level: 1, name: 'Machines' }).waitFor();
  await page.getByRole('status').filter({ hasText: 'Removed spare01.' }).waitFor();
  await page.getByRole('region', { name: 'Machines', exact: true }).waitFor();
  assert.ok(!(await names(page)).includes('spare01'));
  assert.equal((await apiFromPage(page, 'GET', '/hosts/spare01')).status, 404);
  checkPage(page);
  await page.context().close();
});

const overflow = (page) => page.evaluate(() => document.documentElement.scrollWidth);

test('at 375 px the fleet and host pages do not scroll sideways; screenshots', async () => {
  const page = await newPage(env.browser, { width: 375, height: 740 });
  await login(page, env.ward);
  await page.goto(`${env.ward.url}/#/machines`);
  await page.getByRole('region', { name: 'Machines', exact: true }).waitFor();
  await page.getByRole('button', { name: 'Enroll a machine' }).click();
  await page.getByRole('region', { name: 'Commands to run on the machine' }).waitFor();
  assert.ok(await overflow(page) <= 375, `fleet fits: ${await overflow(page)}`);
  const box = await page.getByRole('region', { name: 'Machines', exact: true }).evaluate((el) => ({ sw: el.scrollWidth, cw: el.clientWidth }));
  assert.ok(box.sw > box.cw, 'the fleet table is wider than the phone and scrolls in its box');
  await page.evaluate(() => window.scrollTo(0, 0));
  await screenshot(page, 'machines-375');

  await openHost(page, DEBIAN.name);
  await page.getByRole('region', { name: 'Installed packages' }).waitFor();
  assert.ok(await overflow(page) <= 375, `host page fits: ${await overflow(page)}`);
  await page.getByRole('button', { name: 'Edit owner, location and tags' }).click();
  assert.ok(await overflow(page) <= 375, `host page with the form open fits: ${await overflow(page)}`);
  await page.evaluate(() => window.scrollTo(0, 0));
  await screenshot(page, 'host-375');
  checkPage(page);
  await page.context().close();

  const desk = await newPage(env.browser, { width: 1280, height: 800 });
  await login(desk, env.ward);
  await desk.goto(`${env.ward.url}/#/machines`);
  await desk.getByRole('region', { name: 'Machines', exact: true }).waitFor();
  assert.ok(await overflow(desk) <= 1280);
  await desk.evaluate(() => window.scrollTo(0, 0));
  await screenshot(desk, 'machines-desktop');
  await openHost(desk, DEBIAN.name);
  await desk.getByRole('region', { name: 'Installed packages' }).waitFor();
  await desk.evaluate(() => window.scrollTo(0, 0));
  await screenshot(desk, 'host-desktop');
  await openHost(desk, UBUNTU.name);
  await desk.evaluate(() => window.scrollTo(0, 0));
  await screenshot(desk, 'host-ubuntu-desktop');
  checkPage(desk);
  await desk.context().close();
});
