// software-requests.test.mjs — #/software and the ticket page's "Software request": an
// admin adds an item through the catalogue form; an employee requests it for her machine
// from the portal and lands on the ticket; she cannot approve; support approves on the
// ticket page; a real agent installs a real .deb from a file:// repository in a throwaway
// root (an overlay over /, root only) and the page shows it installed; the employee sees
// the resolved ticket with the version. Then a rejection needs a reason, which the
// employee reads. 375 px: nothing scrolls sideways.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync, statSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { setup, newPage, login, checkPage, eventually, screenshot, WARD_BIN } from './harness.mjs';

const ALICE = { name: 'alice', password: 'Alice-Strong-Passw0rd-1' }; // employee
const SAM = { name: 'sam', password: 'Sam-Strong-Passw0rd-1' }; // support
const PKG = 'ward-reqpkg';

let env;
let root; // {run(args) -> {status, stdout, stderr}} in the throwaway root, or null without root
before(async () => {
  env = await setup();
  env.ward.addUser(ALICE.name, 'employee', ALICE.password);
  env.ward.addUser(SAM.name, 'support', SAM.password);
  root = makeRoot(env.ward.dir);
  const token = env.ward.cli(['host', 'enroll-token']).split('\n')[0].trim();
  if (root) {
    agentRun(['enroll', '--server', env.ward.url, '--token', token, '--hostname', 'pc-alice']);
    agentRun(['run', '--once']);
  } else {
    // Without root the request flow is still tested, on an enrolled machine with no agent runs.
    execFileSync(WARD_BIN, ['agent', 'enroll', '--server', env.ward.url, '--token', token, '--hostname', 'pc-alice',
      '--state', path.join(env.ward.dir, 'state')], { stdio: 'ignore' });
  }
  env.ward.cli(['host', 'set', 'pc-alice', '--owner', ALICE.name]);
});
after(async () => { await env?.teardown(); });

/** A .deb in a flat file:// repository and an overlay root whose apt knows only it. */
function makeRoot(dir) {
  if (process.getuid() !== 0 || spawnSync('unshare', ['-m', 'true']).status !== 0) return null;
  chmodSync(dir, 0o755); // apt fetches as _apt
  const pkg = path.join(dir, 'pkg');
  const repo = path.join(dir, 'repo');
  mkdirSync(path.join(pkg, 'DEBIAN'), { recursive: true });
  mkdirSync(path.join(pkg, 'usr/share', PKG), { recursive: true });
  mkdirSync(repo);
  writeFileSync(path.join(pkg, 'DEBIAN/control'), `Package: ${PKG}\nVersion: 1.0\nArchitecture: all\n`
    + 'Maintainer: Ward tests <tests@ward.invalid>\nDescription: a package Ward\'s tests install in a throwaway root\n');
  writeFileSync(path.join(pkg, 'usr/share', PKG, 'hello'), 'installed by ward\n');
  const deb = path.join(repo, `${PKG}_1.0_all.deb`);
  execFileSync('dpkg-deb', ['--root-owner-group', '-Zgzip', '--build', pkg, deb], { stdio: 'ignore' });
  const control = execFileSync('dpkg-deb', ['-f', deb], { encoding: 'utf8' });
  const sha = createHash('sha256').update(readFileSync(deb)).digest('hex');
  writeFileSync(path.join(repo, 'Packages'),
    `${control.trimEnd()}\nFilename: ./${path.basename(deb)}\nSize: ${statSync(deb).size}\nSHA256: ${sha}\n\n`);
  for (const d of ['upper', 'work', 'merged']) mkdirSync(path.join(dir, d));
  const run = (args) => spawnSync('unshare', ['-m', 'sh', '-c',
    'mount --make-rprivate / && mount -t overlay overlay -o "lowerdir=/,upperdir=$1/upper,workdir=$1/work" "$1/merged" '
    + '&& mount --bind /dev "$1/merged/dev" && mount -t proc proc "$1/merged/proc" && M=$1/merged && shift && exec chroot "$M" "$@"',
    'sh', dir, ...args], { encoding: 'utf8', timeout: 120000 });
  const setupRes = run(['sh', '-c', `echo pc-alice >/etc/hostname && rm -f /etc/apt/sources.list.d/* && echo 'deb [trusted=yes] file:${repo} ./' >/etc/apt/sources.list`]);
  assert.equal(setupRes.status, 0, `cannot set up the root: ${setupRes.stderr}`);
  return { run };
}

function agentRun(args) {
  const res = root.run([WARD_BIN, 'agent', ...args, '--state', path.join(env.ward.dir, 'state')]);
  assert.equal(res.status, 0, `ward agent ${args.join(' ')} in the root failed: ${res.stderr}`);
}

const requestCard = (page) => page.getByRole('region', { name: 'Software request' });
const statusOf = (page) => requestCard(page).locator('.badge-request').textContent();

async function openTicket(page, n) {
  const url = `${env.ward.url}/#/help-desk/${n}`;
  if (page.url() === url) await page.reload(); // the same address: no hashchange, no new render
  else await page.goto(url);
  await page.getByRole('heading', { level: 1, name: new RegExp(`^#${n} `) }).waitFor();
}

test('an admin adds an item, an employee requests it, support approves, the agent installs it', async () => {
  const admin = await newPage(env.browser);
  await login(admin, env.ward);
  await admin.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Software' }).click();
  await admin.getByRole('heading', { level: 1, name: 'Software' }).waitFor();
  const catalog = admin.getByRole('region', { name: 'Catalogue', exact: true });
  const form = catalog.getByRole('form', { name: 'Add an item' });
  await form.getByRole('textbox', { name: /^Name/ }).fill('reqpkg');
  await form.getByLabel('Description').fill('The request test package');
  await form.getByLabel(/^Debian packages/).fill('Bad Name');
  await form.getByRole('button', { name: 'Add the item' }).click();
  await catalog.getByRole('alert').filter({ hasText: "package name 'Bad Name' is not valid" }).waitFor();
  await form.getByLabel(/^Debian packages/).fill(PKG);
  await form.getByRole('button', { name: 'Add the item' }).click();
  await catalog.getByRole('status').filter({ hasText: 'Added reqpkg to the catalogue.' }).waitFor();
  await catalog.getByRole('table').getByRole('cell', { name: PKG }).waitFor();
  await screenshot(admin, 'software-catalogue');
  checkPage(admin);
  await admin.context().close();

  // The employee asks from the portal and lands on the ticket.
  const alice = await newPage(env.browser);
  await login(alice, env.ward, ALICE.name, ALICE.password);
  await alice.goto(`${env.ward.url}/#/help-desk`);
  await alice.getByRole('link', { name: 'Request it from the software catalogue' }).click();
  await alice.getByRole('heading', { level: 1, name: 'Software' }).waitFor();
  assert.equal(await alice.getByRole('region', { name: 'Catalogue', exact: true }).count(), 0, 'no catalogue admin for employees');
  const ask = alice.getByRole('form', { name: 'Request reqpkg' });
  assert.match(await ask.textContent(), /For your machine pc-alice\./);
  await ask.getByLabel('Why do you need it? (optional)').fill('For the quarterly report.');
  await ask.getByRole('button', { name: 'Request reqpkg' }).click();
  await alice.getByRole('status').filter({ hasText: /^Your request for reqpkg is ticket #\d+/ }).waitFor();
  const n = Number(/#\/help-desk\/(\d+)/.exec(alice.url())[1]);
  assert.equal(await statusOf(alice), 'Waiting for approval');
  assert.equal(await requestCard(alice).getByRole('button').count(), 0, 'an employee cannot approve');
  assert.match(await alice.getByRole('region', { name: 'Summary' }).textContent(), /For the quarterly report\./);

  // Support approves on the ticket page.
  const sam = await newPage(env.browser);
  await login(sam, env.ward, SAM.name, SAM.password);
  await openTicket(sam, n);
  assert.equal(await statusOf(sam), 'Waiting for approval');
  await requestCard(sam).getByLabel('Note to the requester (optional)').fill('Approved for finance.');
  await requestCard(sam).getByRole('button', { name: 'Approve and install' }).click();
  await requestCard(sam).getByRole('status').filter({ hasText: /^Approved: installing on pc-alice as job \d+/ }).waitFor();
  assert.equal(await statusOf(sam), 'Installing');
  await screenshot(sam, 'software-request-approved');

  if (root) {
    // The agent installs it; the page, polling, shows the result without a reload.
    agentRun(['run', '--once']);
    await eventually(async () => assert.equal(await statusOf(sam), 'Installed'), 15000);
    await requestCard(sam).getByRole('status').filter({ hasText: 'Installed on pc-alice; the ticket is resolved.' }).waitFor();
    assert.equal(await sam.locator('.ticket-meta .badge').first().textContent(), 'Resolved');
    const dpkg = root.run(['dpkg-query', '-W', '-f=${Version}', PKG]);
    assert.equal(dpkg.stdout, '1.0', 'installed in the root');
    assert.notEqual(spawnSync('dpkg-query', ['-W', '-f=${db:Status-Status}', PKG], { encoding: 'utf8' }).stdout, 'installed',
      'not on the machine running the test');

    // The employee sees the resolved ticket, with the version.
    await openTicket(alice, n);
    assert.equal(await statusOf(alice), 'Installed');
    const resolution = alice.getByRole('region', { name: 'Resolution' });
    assert.match(await resolution.textContent(), new RegExp(`Installed on pc-alice: ${PKG} 1\\.0\\.`));
    assert.match(await alice.getByRole('region', { name: 'Summary' }).textContent(), /Resolved/);
    await screenshot(alice, 'software-request-installed');
  }
  checkPage(sam);
  checkPage(alice);
  await sam.context().close();
  await alice.context().close();
});

test('a rejection needs a reason, and the employee reads it', async () => {
  const alice = await newPage(env.browser);
  await login(alice, env.ward, ALICE.name, ALICE.password);
  await alice.goto(`${env.ward.url}/#/software`);
  await alice.getByRole('form', { name: 'Request reqpkg' }).getByRole('button', { name: 'Request reqpkg' }).click();
  await alice.getByRole('status').filter({ hasText: /^Your request for reqpkg is ticket #\d+/ }).waitFor();
  const n = Number(/#\/help-desk\/(\d+)/.exec(alice.url())[1]);

  const sam = await newPage(env.browser, { width: 375, height: 800 });
  await login(sam, env.ward, SAM.name, SAM.password);
  await openTicket(sam, n);
  const reject = requestCard(sam).getByRole('form', { name: 'Reject the request' });
  await reject.getByRole('button', { name: 'Reject' }).click();
  await requestCard(sam).getByRole('alert').filter({ hasText: 'Say why the request is rejected' }).waitFor();
  await reject.getByLabel('Reason (the requester reads it)').fill('You have it already on the terminal server.');
  await reject.getByRole('button', { name: 'Reject' }).click();
  await requestCard(sam).getByRole('status').filter({ hasText: /^Rejected/ }).waitFor();
  assert.equal(await statusOf(sam), 'Not approved');
  assert.equal(await requestCard(sam).getByRole('button').count(), 0, 'nothing left to decide');
  assert.equal(await sam.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), true, 'no sideways scroll at 375 px');

  await openTicket(alice, n);
  assert.equal(await statusOf(alice), 'Not approved');
  assert.match(await alice.getByRole('region', { name: 'Conversation' }).textContent(), /You have it already on the terminal server\./);
  await alice.goto(`${env.ward.url}/#/software`);
  const mine = alice.getByRole('region', { name: 'My requests' });
  await mine.getByRole('table').waitFor();
  assert.equal(await mine.locator('tbody tr').count(), 2);
  checkPage(sam);
  checkPage(alice);
  await sam.context().close();
  await alice.context().close();
});
