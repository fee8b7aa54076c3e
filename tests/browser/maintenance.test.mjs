// maintenance.test.mjs — maintenance windows in the web UI, on three enrolled machines
// (web1 and web2 tagged web, db1): an admin adds a window through the form (a refused
// time zone shown with the server's message under its field, nothing added), sees it in
// the list in words with its machines and next start, opens its page (5 occurrences at
// 02:00 in the window's zone, the machines linked), renames it and changes its days,
// and removes it after a confirmation; support staff see the windows in their own time
// zone without the controls; employees get neither the page nor the API. An upgrade
// plan "in the window" shows its waiting machine's window, and says so when none applies.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import path from 'node:path';
import { setup, newPage, login, checkPage, apiFromPage, eventually, screenshot, addAgent, wardCommand } from './harness.mjs';

const SAM = { name: 'sam', password: 'Sam-Strong-Passw0rd-1' };   // support
const ERIN = { name: 'erin', password: 'Erin-Strong-Passw0rd' };  // employee

let env;
before(async () => {
  process.env.WARD_SCHED_TICK = '1';
  env = await setup();
  env.ward.addUser(SAM.name, 'support', SAM.password);
  env.ward.addUser(ERIN.name, 'employee', ERIN.password);
  for (const name of ['web1', 'web2', 'db1']) {
    const token = env.ward.cli(['host', 'enroll-token']).split('\n')[0].trim();
    const state = mkdtempSync(path.join(env.ward.dir, `agent-${name}-`));
    wardCommand(['agent', 'enroll', '--server', env.ward.url, '--token', token, '--hostname', name, '--state', state]);
  }
  env.ward.cli(['host', 'set', 'web1', '--tag', 'web']);
  env.ward.cli(['host', 'set', 'web2', '--tag', 'web']);
});
after(async () => { await env?.teardown(); });

const prop = (page, label) => page.locator('.props .prop', { has: page.locator('dt', { hasText: label }) }).locator('dd');

/** "2026-11-28 01:00": an ISO time as format.js shows it in the given zone. */
function localText(iso, timeZone) {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-GB', {
    timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}

/** The rows of a labelled table as objects keyed by the column headers. */
function rowsOf(page, label) {
  return page.getByRole('region', { name: label, exact: true }).evaluate((el) => {
    const headers = [...el.querySelectorAll('thead th')].map((th) => th.textContent.trim());
    return [...el.querySelectorAll('tbody tr')].map((tr) =>
      Object.fromEntries([...tr.querySelectorAll('td')].map((td, i) => [headers[i], td.innerText.trim().replace(/\s+/g, ' ')])));
  });
}

test('an admin adds a window through the form, sees it listed and on its page, renames it, changes its days and removes it', async () => {
  const page = await newPage(env.browser);
  await login(page, env.ward);
  const nav = page.getByRole('navigation', { name: 'Main' });
  assert.equal(await nav.getByRole('link', { name: /^Maintenance/ }).textContent(), 'Maintenance', 'built: no "soon" badge');
  await nav.getByRole('link', { name: 'Maintenance' }).click();
  await page.getByRole('heading', { level: 1, name: 'Maintenance' }).waitFor();
  assert.equal(await page.title(), 'Maintenance · Ward');
  await page.getByText(/No maintenance windows yet/).waitFor();
  await page.getByText(/Recurring maintenance tasks .* come in a later release/).waitFor();

  // The form; a time zone the server does not know is refused, and said under its field.
  await page.getByRole('link', { name: 'New maintenance window' }).click();
  await page.getByRole('heading', { level: 1, name: 'New maintenance window' }).waitFor();
  const form = page.getByRole('form', { name: 'New maintenance window' });
  assert.equal(await form.locator('[name="timezone"]').inputValue(), 'UTC', "the reader's own zone by default");
  assert.ok(await page.locator('#maint-edit-zones option[value="Europe/Berlin"]').count() === 1, 'common zones suggested');
  await eventually(async () => assert.equal(await page.locator('#maint-edit-hosts option[value="db1"]').count(), 1));
  await form.locator('[name="name"]').fill('web-night');
  await form.locator('[name="description"]').fill('Web servers, after the nightly backup');
  await form.getByLabel('Saturday').check();
  await form.getByLabel('Sunday').check();
  await form.locator('[name="start"]').fill('02:00');
  await form.locator('[name="duration_minutes"]').fill('3');
  assert.equal(await form.locator('[name="duration_unit"]').inputValue(), '60', 'hours');
  await form.locator('[name="timezone"]').fill('Mars/Olympus');
  await form.locator('[name="tags"]').fill('web');
  await form.getByRole('button', { name: 'Add the window' }).click();
  const alert = form.getByRole('alert');
  await alert.waitFor();
  const message = await alert.textContent();
  assert.match(message, /^field 'timezone': .*Mars\/Olympus/);
  assert.equal(await page.locator('#maint-edit-timezone-error').textContent(), message, 'under the time zone field');
  assert.equal(await form.locator('[name="timezone"]').getAttribute('aria-invalid'), 'true');
  assert.equal(await page.evaluate(() => document.activeElement.name), 'timezone', 'focus on the field');
  assert.match(page.url(), /#\/maintenance\/_new$/, 'still on the form');
  await screenshot(page, 'maintenance-form-refused');
  let res = await apiFromPage(page, 'GET', '/maintenance/windows');
  assert.deepEqual(res.body.windows, [], 'nothing added');

  // Machines named that are not enrolled: refused too.
  await form.locator('[name="timezone"]').fill('Europe/Berlin');
  await form.locator('[name="hosts"]').fill('nosuch');
  await form.getByRole('button', { name: 'Add the window' }).click();
  await eventually(async () => assert.equal(await page.locator('#maint-edit-hosts-error').textContent(), "host 'nosuch' does not exist"));
  assert.equal(await form.locator('[name="timezone"]').getAttribute('aria-invalid'), null, 'the old error is gone');

  await form.locator('[name="hosts"]').fill('');
  await form.getByRole('button', { name: 'Add the window' }).click();
  await page.getByRole('heading', { level: 1, name: 'web-night' }).waitFor();
  assert.match(page.url(), /#\/maintenance\/web-night$/);
  await page.getByText('Added the maintenance window web-night.').waitFor();
  res = await apiFromPage(page, 'GET', '/maintenance/windows/web-night');
  assert.equal(res.status, 200);
  const w = res.body.window;
  assert.deepEqual([w.days, w.start, w.duration_minutes, w.timezone, w.tags, w.all, w.description],
    [['sat', 'sun'], '02:00', 180, 'Europe/Berlin', ['web'], false, 'Web servers, after the nightly backup']);

  // Its page: when in words, the next five occurrences (02:00 to 05:00 in Berlin, shown
  // in the reader's time with UTC as the title), the machines linked.
  assert.equal(await prop(page, 'When').textContent(), 'Sat, Sun 02:00 for 3 h (Europe/Berlin)');
  assert.equal(await prop(page, 'Machines').textContent(), 'tag web');
  assert.equal(await prop(page, 'Description').textContent(), 'Web servers, after the nightly backup');
  const next = await rowsOf(page, 'Next occurrences');
  assert.equal(next.length, 5);
  for (const row of next) assert.match(row['In Europe/Berlin'], /^(Sat|Sun) \d+ \w+, 02:00 – (Sat|Sun) \d+ \w+, 05:00$/);
  const titles = await page.getByRole('region', { name: 'Next occurrences' }).locator('tbody tr td:first-child time')
    .evaluateAll((els) => els.map((e) => [e.getAttribute('title'), e.textContent]));
  assert.deepEqual(titles, w.next.map((o) => [o.start, localText(o.start, 'UTC')]));
  const machines = page.getByRole('list', { name: 'Machines in this window' });
  assert.deepEqual(await machines.getByRole('link').allTextContents(), ['web1', 'web2']);
  assert.equal(await machines.getByRole('link', { name: 'web1' }).getAttribute('href'), '#/machines/web1');
  await screenshot(page, 'maintenance-window');

  // The list: the window in words, its machines, when it next opens.
  await page.getByRole('link', { name: '← All maintenance windows' }).click();
  await page.getByRole('heading', { level: 1, name: 'Maintenance' }).waitFor();
  const rows = await rowsOf(page, 'Maintenance windows');
  assert.equal(rows.length, 1);
  assert.equal(rows[0].Window, 'web-night Web servers, after the nightly backup');
  assert.equal(rows[0].When, 'Sat, Sun 02:00 for 3 h (Europe/Berlin)');
  assert.equal(rows[0].Machines, 'tag web web1, web2');
  const nowCell = page.getByRole('region', { name: 'Maintenance windows' }).locator('tbody td[data-label="Now or next"]');
  if (w.open) {
    assert.match(await nowCell.textContent(), /^Open now until /);
    assert.equal(await nowCell.locator('time').getAttribute('title'), w.next[0].end);
  } else {
    assert.equal(await nowCell.textContent(), `Opens ${localText(w.next[0].start, 'UTC')}`);
    assert.equal(await nowCell.locator('time').getAttribute('title'), w.next[0].start);
  }
  await screenshot(page, 'maintenance-list');

  // Edit: a new name and the working days; only what changed is sent.
  await page.getByRole('link', { name: 'web-night' }).click();
  await page.getByRole('link', { name: 'Edit the window' }).click();
  await page.getByRole('heading', { level: 1, name: 'Edit: web-night' }).waitFor();
  const edit = page.getByRole('form', { name: 'Edit the maintenance window' });
  assert.equal(await edit.locator('[name="name"]').inputValue(), 'web-night');
  assert.equal(await edit.getByLabel('Saturday').isChecked(), true);
  assert.equal(await edit.getByLabel('Monday').isChecked(), false);
  assert.equal(await edit.locator('[name="start"]').inputValue(), '02:00');
  assert.equal(await edit.locator('[name="duration_minutes"]').inputValue(), '3');
  assert.equal(await edit.locator('[name="timezone"]').inputValue(), 'Europe/Berlin');
  assert.equal(await edit.locator('[name="tags"]').inputValue(), 'web');
  const sent = [];
  page.on('request', (r) => { if (r.method() === 'PATCH') sent.push(r.postDataJSON()); });
  await edit.locator('[name="name"]').fill('web-weekdays');
  await edit.getByLabel('Saturday').uncheck();
  await edit.getByLabel('Sunday').uncheck();
  for (const d of ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday']) await edit.getByLabel(d).check();
  await edit.getByRole('button', { name: 'Save the window' }).click();
  await page.getByRole('heading', { level: 1, name: 'web-weekdays' }).waitFor();
  await page.getByText('Saved the maintenance window web-weekdays.').waitFor();
  assert.deepEqual(sent, [{ name: 'web-weekdays', days: ['mon', 'tue', 'wed', 'thu', 'fri'] }]);
  assert.equal(await prop(page, 'When').textContent(), 'Mon–Fri 02:00 for 3 h (Europe/Berlin)');
  for (const row of await rowsOf(page, 'Next occurrences')) assert.match(row['In Europe/Berlin'], /^(Mon|Tue|Wed|Thu|Fri) .*, 02:00 – /);
  assert.equal((await apiFromPage(page, 'GET', '/maintenance/windows/web-night')).status, 404, 'the old name is gone');
  res = await apiFromPage(page, 'GET', '/log?action=maint.window.edit');
  assert.equal(res.body.entries[0].details.renamed_from, 'web-night');

  // Remove, after a confirmation in the page (Cancel first keeps it).
  await page.getByRole('button', { name: 'Remove web-weekdays…' }).click();
  const confirm = page.getByRole('group', { name: 'Remove the maintenance window web-weekdays?' });
  await confirm.waitFor();
  await confirm.getByRole('button', { name: 'Cancel' }).click();
  assert.equal(await confirm.isVisible(), false);
  assert.equal((await apiFromPage(page, 'GET', '/maintenance/windows/web-weekdays')).status, 200);
  await page.getByRole('button', { name: 'Remove web-weekdays…' }).click();
  await confirm.getByRole('button', { name: 'Yes, remove web-weekdays' }).click();
  await page.getByRole('heading', { level: 1, name: 'Maintenance' }).waitFor();
  await page.getByText('Removed the maintenance window web-weekdays.').waitFor();
  await page.getByText(/No maintenance windows yet/).waitFor();
  assert.equal((await apiFromPage(page, 'GET', '/maintenance/windows/web-weekdays')).status, 404);
  res = await apiFromPage(page, 'GET', '/log?action=maint.window.*');
  assert.deepEqual(res.body.entries.map((e) => e.action).reverse(), ['maint.window.add', 'maint.window.edit', 'maint.window.remove']);
  checkPage(page);
  await page.context().close();
});

test('support staff see the windows in their own time, without the controls; employees do not get the page', async () => {
  env.ward.cli(['window', 'add', 'db-nights', '--days', 'daily', '--start', '22:00', '--duration', '2h', '--host', 'db1']);
  const sam = await newPage(env.browser, { timezoneId: 'Asia/Tokyo' });
  await login(sam, env.ward, SAM.name, SAM.password);
  const res = await apiFromPage(sam, 'GET', '/maintenance/windows/db-nights');
  assert.equal(res.status, 200);
  const w = res.body.window;
  await sam.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Maintenance' }).click();
  await sam.getByRole('heading', { level: 1, name: 'Maintenance' }).waitFor();
  const rows = await rowsOf(sam, 'Maintenance windows');
  assert.deepEqual(rows.map((r) => [r.Window, r.When, r.Machines]), [['db-nights', 'Every day 22:00 for 2 h (UTC)', 'db1 db1']]);
  const cell = sam.getByRole('region', { name: 'Maintenance windows' }).locator('tbody td[data-label="Now or next"] time');
  const iso = w.open ? w.next[0].end : w.next[0].start;
  assert.equal(await cell.getAttribute('title'), iso, 'UTC as the title');
  assert.equal(await cell.textContent(), localText(iso, 'Asia/Tokyo'), "in the reader's time (UTC+9)");
  assert.equal(await sam.getByRole('link', { name: 'New maintenance window' }).count(), 0);

  await sam.getByRole('link', { name: 'db-nights' }).click();
  await sam.getByRole('heading', { level: 1, name: 'db-nights' }).waitFor();
  assert.equal((await rowsOf(sam, 'Next occurrences')).length, 5);
  assert.deepEqual(await sam.getByRole('list', { name: 'Machines in this window' }).getByRole('link').allTextContents(), ['db1']);
  assert.equal(await sam.getByRole('link', { name: 'Edit the window' }).count(), 0);
  assert.equal(await sam.getByRole('button', { name: /^Remove/ }).count(), 0);
  for (const address of ['#/maintenance/_new', '#/maintenance/db-nights/edit']) {
    await sam.goto(`${env.ward.url}/${address}`);
    await sam.getByText('Maintenance windows are added and changed by administrators.').waitFor();
    assert.equal(await sam.locator('main form').count(), 0);
  }
  checkPage(sam);
  await sam.context().close();

  const erin = await newPage(env.browser);
  await login(erin, env.ward, ERIN.name, ERIN.password);
  assert.equal(await erin.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /^Maintenance/ }).count(), 0);
  const asked = [];
  erin.on('request', (r) => { if (r.url().includes('/api/v1/maintenance')) asked.push(r.url()); });
  await erin.goto(`${env.ward.url}/#/maintenance`);
  await erin.getByRole('heading', { level: 1, name: 'Not allowed' }).waitFor();
  await erin.goto(`${env.ward.url}/#/maintenance/db-nights`);
  await erin.getByRole('heading', { level: 1, name: 'Not allowed' }).waitFor();
  assert.deepEqual(asked, [], 'the page asks the server nothing');
  assert.equal((await apiFromPage(erin, 'GET', '/maintenance/windows')).status, 403);
  checkPage(erin);
  await erin.context().close();
});

test("an upgrade plan in the windows shows a waiting machine's window, or that none applies", async () => {
  addAgent(env.ward, 'upgrades', { hostname: 'fx1' }).report();
  const page = await newPage(env.browser);
  await login(page, env.ward);
  // A window two days from now (UTC), so it is not open while the test runs.
  const day = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'][new Date(Date.now() + 2 * 86400000).getUTCDay()];
  let res = await apiFromPage(page, 'POST', '/maintenance/windows', {
    name: 'fx1-window', days: [day], start: '12:00', duration_minutes: 60, timezone: 'UTC', hosts: ['fx1'],
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const opens = res.body.window.next[0].start;
  res = await apiFromPage(page, 'POST', '/upgrades/plans', { name: 'in-windows', hosts: ['fx1'], in_window: true, allow_no_rollback: true });
  assert.equal(res.status, 201, JSON.stringify(res.body));

  await page.goto(`${env.ward.url}/#/upgrade-runs/in-windows`);
  await page.getByRole('heading', { level: 1, name: 'in-windows' }).waitFor();
  await page.getByRole('region', { name: 'Machines of ring 1' }).waitFor();
  assert.equal(await prop(page, 'When').textContent(), 'In each machine’s maintenance window');
  const ring = page.getByRole('region', { name: 'Machines of ring 1' });
  const row = ring.locator('tbody tr', { hasText: 'fx1' });
  assert.match(await row.textContent(), /Waiting/);
  const note = row.locator('.upgrade-window');
  assert.equal(await note.textContent(), `Waits for window fx1-window: opens ${localText(opens, 'UTC')}`);
  assert.equal(await note.locator('time').getAttribute('title'), opens);
  await screenshot(page, 'upgrade-run-in-window');
  await note.getByRole('link', { name: 'fx1-window' }).click();
  await page.getByRole('heading', { level: 1, name: 'fx1-window' }).waitFor();
  assert.match(page.url(), /#\/maintenance\/fx1-window$/);

  // Without its window the machine waits for none: the page says so.
  res = await apiFromPage(page, 'DELETE', '/maintenance/windows/fx1-window');
  assert.equal(res.status, 200);
  await page.goto(`${env.ward.url}/#/upgrade-runs/in-windows`);
  await eventually(async () => assert.equal(await page.locator('.upgrade-window').textContent(), 'Waits: no maintenance window applies'));
  assert.equal(await page.locator('.upgrade-window a').count(), 0);
  checkPage(page);
  await page.context().close();
});

test('at 375 px the list, a window and its form fit without scrolling sideways', async () => {
  const page = await newPage(env.browser, { width: 375, height: 800 });
  await login(page, env.ward);
  const width = () => page.evaluate(() => document.documentElement.scrollWidth);
  for (const [address, heading] of [['#/maintenance', 'Maintenance'], ['#/maintenance/db-nights', 'db-nights'],
    ['#/maintenance/db-nights/edit', 'Edit: db-nights'], ['#/maintenance/_new', 'New maintenance window']]) {
    await page.goto(`${env.ward.url}/${address}`);
    await page.getByRole('heading', { level: 1, name: heading }).waitFor();
    await page.locator('main .card').first().waitFor();
    assert.ok(await width() <= 375, `${address} fits: ${await width()}`);
  }
  await screenshot(page, 'maintenance-form-narrow');
  checkPage(page);
  await page.context().close();
});
