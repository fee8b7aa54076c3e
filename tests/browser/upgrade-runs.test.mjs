// upgrade-runs.test.mjs — upgrade runs in the web UI, on two throwaway machines (overlay
// roots with real apt and dpkg, each with its enrolled agent: tests/integ/upgrade-fixture.sh):
// a plan to 1.5 passes ring by ring; a plan to 2.0, run from its page, fails its
// compatibility test in the pilot, which is rolled back, and the page shows each
// machine's progress, versions and step log, the reason, and ring 2 not run. Support
// staff see it without the buttons; employees not at all. A plan in the maintenance
// windows starts root-a in its open window while root-b waits for its own, as the page says.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { setup, newPage, login, checkPage, eventually, apiFromPage, screenshot, REPO, WARD_BIN } from './harness.mjs';

const SAM = { name: 'sam', password: 'Sam-Strong-Passw0rd-1' };   // support
const ERIN = { name: 'erin', password: 'Erin-Strong-Passw0rd' };  // employee
const FIXTURE = path.join(REPO, 'tests', 'integ', 'upgrade-fixture.sh');
const TEST = { name: 'ok-file', kind: 'command', command: 'grep -qx ok /usr/share/ward-testpkg/ok' };
const canRun = process.getuid && process.getuid() === 0;

let env;
let dir;
const fixture = (...args) => execFileSync('sh', [FIXTURE, ...args], {
  encoding: 'utf8', timeout: 240000, env: { ...process.env, WARD_BIN },
});
const agent = (x) => fixture('agent', dir, x);
const version = (x) => fixture('version', dir, x);

before(async () => {
  if (!canRun) return;
  process.env.WARD_SCHED_TICK = '1';
  env = await setup();
  env.ward.addUser(SAM.name, 'support', SAM.password);
  env.ward.addUser(ERIN.name, 'employee', ERIN.password);
  dir = path.join(env.ward.dir, 'machines');
  const token = () => env.ward.cli(['host', 'enroll-token']).split('\n')[0].trim();
  fixture('setup', dir, env.ward.url, token(), token());
});
after(async () => { await env?.teardown(); });

test('a plan passes ring by ring; a failing version is rolled back in the pilot, and the page shows it all', { skip: !canRun && 'needs root (mount namespaces)' }, async () => {
  const page = await newPage(env.browser);
  await login(page, env.ward);
  let res = await apiFromPage(page, 'POST', '/upgrades/plans', {
    name: 'to-1.5', hosts: ['root-a', 'root-b'], pilot: ['root-a'], packages: ['ward-testpkg=1.5'], tests: [TEST], min_free_mb: 1,
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  res = await apiFromPage(page, 'POST', '/upgrades/plans/to-1.5/run');
  assert.equal(res.status, 202, JSON.stringify(res.body));
  agent('a');
  agent('b');
  assert.deepEqual([version('a'), version('b')], ['1.5', '1.5']);
  agent('a'); // report 1.5 installed, 2.0 available
  agent('b');

  res = await apiFromPage(page, 'POST', '/upgrades/plans', {
    name: 'to-2.0', hosts: ['root-a', 'root-b'], pilot: ['root-a'], packages: ['ward-testpkg'], tests: [TEST], min_free_mb: 1,
    note: { title: 'What changed in ward-testpkg 2.0', text: 'The ok file says something else now.' },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));

  // The list.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Upgrade runs' }).click();
  await page.getByRole('heading', { level: 1, name: 'Upgrade runs' }).waitFor();
  assert.equal(await page.title(), 'Upgrade runs · Ward');
  const plans = page.getByRole('region', { name: 'Upgrade plans' });
  assert.equal((await plans.locator('tbody tr', { hasText: 'to-1.5' }).locator('.badge').textContent()).trim(), 'Passed');
  assert.equal((await plans.locator('tbody tr', { hasText: 'to-2.0' }).locator('.badge').textContent()).trim(), 'Planned');

  // The plan's page: versions fixed per machine, the pilot first.
  await plans.getByRole('link', { name: 'to-2.0' }).click();
  await page.getByRole('heading', { level: 1, name: 'to-2.0' }).waitFor();
  const ring1 = page.getByRole('region', { name: 'Machines of ring 1' });
  const ring2 = page.getByRole('region', { name: 'Machines of ring 2' });
  assert.match(await ring1.textContent(), /root-a.*Waiting.*ward-testpkg 1\.5 → 2\.0/);
  assert.match(await ring2.textContent(), /root-b.*Waiting/);
  await page.getByRole('heading', { name: 'Ring 1 (pilot)' }).waitFor();
  await page.getByText('Becomes a training notice for the users of ward-testpkg when the plan passes.').waitFor();

  // Run it from the page; the pilot's agent does the job; the page follows.
  await page.getByRole('button', { name: 'Run now' }).click();
  await page.getByText('Started: ring 1’s machines have their jobs.').waitFor();
  assert.match(await ring1.textContent(), /Running/);
  agent('a');
  await eventually(async () => {
    assert.equal((await page.locator('.dr-status .badge').textContent()).trim(), 'Failed');
  }, 15000, 200);
  assert.equal(await page.locator('.upgrade-reason').textContent(), "ring 1 failed on root-a: post-check 'ok-file' failed");
  assert.match(await ring1.textContent(), /root-a.*Rolled back.*1\.5 → 2\.0 \(now 1\.5\)/);
  assert.match(await ring2.textContent(), /root-b.*Not run/);
  agent('b');
  assert.deepEqual([version('a'), version('b')], ['1.5', '1.5'], 'pilot back at 1.5; ring 2 never ran');

  // The step log of the pilot: the failed post-check, apt's output, the rollback.
  const steps = page.getByRole('list', { name: 'Steps on root-a' });
  const items = await steps.locator('li').allTextContents();
  const step = (name, phase) => items.find((t) => t.startsWith(phase) && t.includes(name));
  assert.match(step('test ok-file', 'Post-check'), /Failed/);
  assert.match(step('install', 'Upgrade'), /Passed.*Setting up ward-testpkg \(2\.0\)/s);
  assert.match(step('rollback', 'Rollback'), /Passed.*Setting up ward-testpkg \(1\.5\)/s);
  assert.match(step('old versions back', 'Rollback'), /Passed/);
  assert.equal(await page.getByRole('button', { name: 'Run now' }).isDisabled(), true);
  await screenshot(page, 'upgrade-run-failed');
  checkPage(page);
  await page.close();
});

test('support staff see the runs without buttons; employees do not see them', { skip: !canRun && 'needs root (mount namespaces)' }, async () => {
  const sam = await newPage(env.browser);
  await login(sam, env.ward, SAM.name, SAM.password);
  await sam.goto(env.ward.url + '/#/upgrade-runs/to-1.5');
  await sam.getByRole('heading', { level: 1, name: 'to-1.5' }).waitFor();
  // A machine that passed keeps its log folded; it opens on a click.
  await sam.getByText(/^Step log of root-b/).click();
  assert.match(await sam.getByRole('list', { name: 'Steps on root-b' }).textContent(), /Setting up ward-testpkg \(1\.5\)/);
  assert.equal(await sam.getByRole('button', { name: 'Run now' }).count(), 0);
  assert.equal(await sam.getByRole('button', { name: 'Cancel plan' }).count(), 0);
  checkPage(sam);
  await sam.close();

  const erin = await newPage(env.browser);
  await login(erin, env.ward, ERIN.name, ERIN.password);
  const nav = erin.getByRole('navigation', { name: 'Main' });
  assert.equal(await nav.getByRole('link', { name: /^Upgrade runs/ }).count(), 0);
  const res = await apiFromPage(erin, 'GET', '/upgrades/plans');
  assert.equal(res.status, 403);
  await erin.close();
});

test("a plan in the maintenance windows: each machine starts in its own window, and the page says which it waits for", { skip: !canRun && 'needs root (mount namespaces)' }, async () => {
  const page = await newPage(env.browser);
  await login(page, env.ward);
  const hhmm = (ms) => new Date(ms).toISOString().slice(11, 16);
  let res = await apiFromPage(page, 'POST', '/maintenance/windows', {
    name: 'open-now', days: ['daily'], start: hhmm(Date.now() - 60000), duration_minutes: 60, hosts: ['root-a'],
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  res = await apiFromPage(page, 'POST', '/maintenance/windows', {
    name: 'later', days: ['daily'], start: hhmm(Date.now() + 6 * 3600000), duration_minutes: 60, hosts: ['root-b'],
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  res = await apiFromPage(page, 'POST', '/upgrades/plans', {
    name: 'in-windows', hosts: ['root-a', 'root-b'], packages: ['ward-testpkg=2.0'], min_free_mb: 1, in_window: true,
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));

  await page.goto(`${env.ward.url}/#/upgrade-runs/in-windows`);
  await page.getByRole('heading', { level: 1, name: 'in-windows' }).waitFor();
  const when = page.locator('.props .prop', { has: page.locator('dt', { hasText: 'When' }) }).locator('dd');
  assert.equal(await when.textContent(), 'In each machine’s maintenance window');
  // The scheduler starts root-a's job in its open window; root-b waits for its own.
  const row = (host) => page.getByRole('region', { name: 'Machines of ring 1' }).locator('tbody tr', { hasText: host });
  await eventually(async () => {
    await page.reload();
    assert.match(await row('root-a').textContent(), /Running/);
  }, 15000, 500);
  const plan = (await apiFromPage(page, 'GET', '/upgrades/plans/in-windows')).body.plan;
  const opens = plan.machines.find((m) => m.host === 'root-b').window.start;
  const note = row('root-b').locator('.upgrade-window');
  assert.equal(await note.textContent(), `Waits for window later: opens ${opens.slice(0, 10)} ${opens.slice(11, 16)}`);
  assert.equal(await note.locator('time').getAttribute('title'), opens);
  assert.equal(await note.getByRole('link', { name: 'later' }).getAttribute('href'), '#/maintenance/later');
  assert.equal(await row('root-a').locator('.upgrade-window').count(), 0, 'a machine that started waits for nothing');
  agent('a');
  assert.equal(version('a'), '2.0');
  await eventually(async () => assert.match(await row('root-a').textContent(), /Passed/), 15000, 200);
  assert.match(await row('root-b').textContent(), /Waiting/);
  await screenshot(page, 'upgrade-run-in-windows');

  // Without its window, root-b waits for none: the page says so.
  res = await apiFromPage(page, 'DELETE', '/maintenance/windows/later');
  assert.equal(res.status, 200);
  await page.reload();
  await eventually(async () => assert.equal(await row('root-b').locator('.upgrade-window').textContent(), 'Waits: no maintenance window applies'));
  res = await apiFromPage(page, 'POST', '/upgrades/plans/in-windows/cancel');
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(version('b'), '1.5', 'root-b never started');
  checkPage(page);
  await page.close();
});
