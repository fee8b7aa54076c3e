// jobs.test.mjs — remote jobs on the host page, with a real agent (a copy of the Debian 12
// fixture tree): support runs diagnostics and sees them queued, then done with the
// snapshot; an admin runs commands (output, exit codes, the 400 for an empty one) with the
// agent long-polling in the background; support gets no command form; polling stops; 375 px.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  setup, newPage, login, checkPage, eventually, screenshot, addAgent, WARD_BIN,
} from './harness.mjs';

const HOST = 'db01';
const SAM = { name: 'sam', password: 'Sam-Strong-Passw0rd-1' }; // support

let env;
let agent;
before(async () => {
  env = await setup();
  env.ward.addUser(SAM.name, 'support', SAM.password);
  // The fixture has no load, processes or log: give the copy some for the diagnostics.
  agent = addAgent(env.ward, 'debian12', {
    edit: (root) => {
      writeFileSync(path.join(root, 'proc/loadavg'), '0.52 0.41 0.30 1/123 4567\n');
      const proc = (pid, comm, utime, rss) => {
        mkdirSync(path.join(root, 'proc', String(pid)), { recursive: true });
        writeFileSync(path.join(root, 'proc', String(pid), 'stat'),
          `${pid} (${comm}) S 1 ${pid} ${pid} 0 -1 4194560 100 0 0 0 ${utime} 50 0 0 20 0 1 0 1000 123456789 ${rss}\n`);
      };
      proc(1204, 'nginx', 250, 2048);
      proc(540, 'postgres', 9000, 65536);
      mkdirSync(path.join(root, 'var/log'), { recursive: true });
      writeFileSync(path.join(root, 'var/log/syslog'),
        'Nov 27 10:00:01 db01 CRON[1]: (root) CMD (true)\nNov 27 10:00:02 db01 kernel: ward-test-log-line\n');
    },
  });
  agent.report();
});
after(async () => { await env?.teardown(); });

async function openHost(page) {
  await page.goto(`${env.ward.url}/#/machines/${HOST}`);
  await page.getByRole('heading', { level: 1, name: HOST }).waitFor();
  await page.getByRole('heading', { level: 2, name: 'Jobs' }).waitFor();
}

const jobsCard = (page) => page.getByRole('region', { name: 'Jobs', exact: true });
const jobItems = (page) => page.getByRole('list', { name: 'Jobs, newest first' }).getByRole('listitem');
const newest = (page) => jobItems(page).first();
const badgeOf = (item) => item.locator('.job-summary .badge-job').textContent();

/** `ward agent run --interval 10m` in the background: it long-polls and runs jobs at once. */
function startAgent() {
  const child = spawn(WARD_BIN, ['agent', 'run', '--interval', '10m', '--root', agent.root, '--state', agent.state], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr.resume();
  return {
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Count GET /api/v1/jobs?host= requests the page makes from now on. */
function countPolls(page) {
  const counter = { n: 0 };
  page.on('request', (r) => {
    if (r.method() === 'GET' && r.url().includes('/api/v1/jobs?')) counter.n++;
  });
  return counter;
}

test('support runs diagnostics: queued at once, then done with the snapshot once the agent has run it', async () => {
  const page = await newPage(env.browser);
  await login(page, env.ward, SAM.name, SAM.password);
  await openHost(page);
  const card = jobsCard(page);
  await card.getByText('No jobs yet.').waitFor();
  assert.equal(await card.getByRole('form', { name: 'Run a command' }).count(), 0, 'support gets no command form');
  assert.equal(await card.getByLabel('Command').count(), 0);

  const [res] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith(`/diagnose`) && r.request().method() === 'POST'),
    card.getByRole('button', { name: 'Run diagnostics' }).click(),
  ]);
  assert.equal(res.status(), 201);
  const { job } = await res.json();
  assert.equal(job.kind, 'diagnostics');
  assert.equal(job.requested_by, SAM.name);

  // In the list at once, queued, opened, waiting.
  const item = newest(page);
  assert.equal(await item.getAttribute('data-job-id'), String(job.id));
  assert.equal(await badgeOf(item), 'Queued');
  assert.match(await item.locator('.job-summary').textContent(), /Diagnostics.*by sam/);
  const toggle = item.locator('.job-toggle');
  assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
  await page.getByRole('status').filter({ hasText: 'Diagnostics queued' }).waitFor();
  await item.getByText('Waiting for the agent').waitFor();

  // The agent runs it; the page polls and shows the result.
  const polls = countPolls(page);
  agent.report(); // `ward agent run --once` also runs waiting jobs
  await eventually(async () => assert.equal(await badgeOf(item), 'Done'), 15000);
  assert.ok(polls.n >= 1, 'the page fetched the jobs again while one was pending');
  const detail = page.getByRole('region', { name: `Job ${job.id}` });
  const fss = detail.getByRole('region', { name: `Filesystems, job ${job.id}` });
  await fss.waitFor();
  const mounts = await fss.locator('tbody tr td:first-child').allTextContents();
  assert.ok(mounts.includes('/'), `the root filesystem is listed: ${mounts}`);
  assert.deepEqual(await fss.locator('thead th').allTextContents(), ['Mount point', 'Device', 'Type', 'Size', 'Used', 'Used %']);
  const cpu = detail.getByRole('region', { name: `Top processes by CPU, job ${job.id}` });
  assert.deepEqual(await cpu.locator('tbody tr td:nth-child(2)').allTextContents(), ['postgres', 'nginx'], 'by CPU time');
  const mem = detail.getByRole('region', { name: `Top processes by memory, job ${job.id}` });
  assert.deepEqual(await mem.locator('tbody tr td:nth-child(1)').allTextContents(), ['540', '1204'], 'by memory');
  assert.match(await detail.locator('.prop', { hasText: 'Load average' }).textContent(), /0\.52\s+0\.41\s+0\.30/);
  await detail.getByRole('heading', { name: 'Failed units' }).waitFor();
  const log = detail.getByRole('region', { name: `Log lines, job ${job.id}` });
  assert.equal(await log.evaluate((el) => el.tagName), 'PRE');
  assert.match(await log.textContent(), /ward-test-log-line/);

  // Nothing pending: the polling stops.
  const before = polls.n;
  await page.waitForTimeout(2600);
  assert.equal(polls.n, before, 'no more polling once every job is final');

  // Collapse and expand with the keyboard.
  await toggle.focus();
  await page.keyboard.press('Enter');
  assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
  assert.equal(await detail.isVisible(), false);
  await page.keyboard.press('Space');
  assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
  await fss.waitFor();

  // A reload shows the finished job in the list, closed.
  await page.reload();
  await page.getByRole('heading', { level: 2, name: 'Jobs' }).waitFor();
  await eventually(async () => assert.equal(await badgeOf(newest(page)), 'Done'));
  assert.equal(await newest(page).locator('.job-toggle').getAttribute('aria-expanded'), 'false');
  checkPage(page);
  await page.context().close();
});

test('"Report now" queues an inventory job; leaving the page stops the polling', async () => {
  const page = await newPage(env.browser);
  await login(page, env.ward, SAM.name, SAM.password);
  await openHost(page);
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith(`/refresh`) && r.request().method() === 'POST'),
    jobsCard(page).getByRole('button', { name: 'Report now' }).click(),
  ]);
  assert.equal(res.status(), 201);
  assert.equal((await res.json()).job.kind, 'inventory');
  assert.equal(await badgeOf(newest(page)), 'Queued');
  const polls = countPolls(page);
  await eventually(async () => assert.ok(polls.n >= 1, 'polls while queued'), 5000);

  await page.getByRole('link', { name: 'All machines' }).click();
  await page.getByRole('heading', { level: 1, name: 'Machines' }).waitFor();
  const left = polls.n;
  await page.waitForTimeout(2600);
  assert.equal(polls.n, left, 'no polling after the page was left');

  agent.report(); // runs it, so later tests start with nothing pending
  await openHost(page);
  // A diagnostics snapshot (journal, processes) can take a while on a busy machine.
        await eventually(async () => assert.equal(await badgeOf(newest(page)), 'Done'), 45000);
  checkPage(page);
  await page.context().close();
});

test('an admin runs commands: output and exit code 0, a failing one, and the 400 for an empty one', async () => {
  const bg = startAgent();
  try {
    const page = await newPage(env.browser);
    await login(page, env.ward);
    await openHost(page);
    const form = jobsCard(page).getByRole('form', { name: 'Run a command' });
    await form.getByText('runs as root').waitFor();
    assert.match(await form.textContent(), /recorded in the activity log/);

    // An empty command: the server's 400 in the page.
    const [bad] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/run') && r.request().method() === 'POST'),
      form.getByRole('button', { name: 'Run' }).click(),
    ]);
    assert.equal(bad.status(), 400);
    const serverError = (await bad.json()).error;
    assert.ok(serverError);
    assert.equal((await form.getByRole('alert').textContent()).trim(), serverError);

    // A timeout out of range: also the server's 400.
    await form.getByLabel('Command').fill('true');
    await form.getByLabel('Timeout (seconds)').fill('99999');
    await form.getByRole('button', { name: 'Run' }).click();
    await form.getByRole('alert').filter({ hasText: 'timeout' }).waitFor();

    // echo: done, its output, exit code 0.
    await form.getByLabel('Timeout (seconds)').fill('30');
    await form.getByLabel('Command').fill('echo hello-from-job');
    const [ok] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/run') && r.request().method() === 'POST'),
      form.getByLabel('Command').press('Enter'),
    ]);
    assert.equal(ok.status(), 201);
    assert.deepEqual(ok.request().postDataJSON(), { command: 'echo hello-from-job', timeout: 30 });
    const id = (await ok.json()).job.id;
    assert.equal(await form.getByRole('alert').isVisible(), false, 'the earlier error is gone');
    const item = newest(page);
    assert.equal(await item.getAttribute('data-job-id'), String(id));
    assert.match(await item.locator('.job-summary').textContent(), /echo hello-from-job/);
    await eventually(async () => assert.equal(await badgeOf(item), 'Done'), 15000);
    const output = page.getByRole('region', { name: `Output of job ${id}` });
    await output.waitFor();
    assert.equal((await output.textContent()).trim(), 'hello-from-job');
    assert.equal(await output.evaluate((el) => el.tagName), 'PRE');
    assert.match(await item.locator('.job-summary').textContent(), /exit code 0/);

    // A failing command: its exit code.
    await form.getByLabel('Command').fill('echo going-wrong >&2; exit 3');
    await form.getByRole('button', { name: 'Run' }).click();
    const failing = jobItems(page).filter({ hasText: 'going-wrong' }).first();
    await failing.waitFor();
    await eventually(async () => assert.match(await badgeOf(failing), /Failed|Done/), 15000);
    assert.match(await failing.locator('.job-summary').textContent(), /exit code 3/);
    await failing.getByText('going-wrong', { exact: true }).waitFor();
    assert.equal(await failing.locator('.job-summary .job-exit-bad').textContent(), 'exit code 3');
    assert.equal(await jobItems(page).nth(1).getAttribute('data-job-id'), String(id), 'newest first');
    checkPage(page);
    await page.context().close();
  } finally {
    await bg.stop();
  }
});

const overflow = (page) => page.evaluate(() => document.documentElement.scrollWidth);

test('at 375 px the jobs, the diagnostics and the command form fit; screenshots', async () => {
  // Have diagnostics done to show.
  const bg = startAgent();
  try {
    for (const [width, height, name] of [[375, 740, 'host-jobs-375'], [1280, 900, 'host-jobs-desktop']]) {
      const page = await newPage(env.browser, { width, height });
      await login(page, env.ward);
      await openHost(page);
      if (width === 375) {
        await jobsCard(page).getByRole('button', { name: 'Run diagnostics' }).click();
        // A diagnostics snapshot (journal, processes) can take a while on a busy machine.
        await eventually(async () => assert.equal(await badgeOf(newest(page)), 'Done'), 45000);
      } else {
        await eventually(async () => assert.equal(await badgeOf(newest(page)), 'Done'));
        await newest(page).locator('.job-toggle').click();
      }
      const id = await newest(page).getAttribute('data-job-id');
      await page.getByRole('region', { name: `Filesystems, job ${id}` }).waitFor();
      await page.getByRole('region', { name: `Log lines, job ${id}` }).count();
      assert.ok(await overflow(page) <= width, `the page fits at ${width}: ${await overflow(page)}`);
      await jobsCard(page).evaluate((el) => el.scrollIntoView());
      await screenshot(page, name, false);
      await jobsCard(page).screenshot({ path: `${process.env.WARD_SHOTS || '/tmp/ward-shots'}/${name}-card.png` });
      checkPage(page);
      await page.context().close();
    }
  } finally {
    await bg.stop();
  }
});
