// ticket-extras.test.mjs — the ticket page's related tickets and approved fixes, for
// support: linking a ticket (both ways) and unlinking it; merging a duplicate into the
// original only after a confirmation that names it; and running an approved fix on the
// ticket's machine, a real agent (a copy of the Debian 12 fixture) running the job with
// `ward agent run --once`, its result arriving in the timeline as an internal note that
// the requester never sees. A ticket without a machine offers no fix.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, newPage, login, checkPage, eventually, apiFromPage, screenshot, addAgent } from './harness.mjs';

const ERIN = { name: 'erin', password: 'Erin-Strong-Passw0rd' };      // an employee
const SAM = { name: 'sam', password: 'Sam-Strong-Passw0rd-1' };       // first-level support
const HOST = 'db01'; // the Debian 12 fixture's host name

let env;
let agent;
before(async () => {
  env = await setup();
  env.ward.addUser(ERIN.name, 'employee', ERIN.password);
  env.ward.addUser(SAM.name, 'support', SAM.password);
  agent = addAgent(env.ward, 'debian12');
  agent.report();
});
after(async () => { await env?.teardown(); });

/** Tickets for erin, made by the admin through the API; returns their numbers. */
async function makeTickets(...tickets) {
  const admin = await newPage(env.browser);
  await login(admin, env.ward);
  const numbers = [];
  for (const t of tickets) {
    const res = await apiFromPage(admin, 'POST', '/tickets', { requester: ERIN.name, description: 'from the ticket-extras test', ...t });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    numbers.push(res.body.ticket.number);
  }
  await admin.context().close();
  return numbers;
}

async function openTicket(page, number, title) {
  await page.goto(`${env.ward.url}/#/help-desk/${number}`);
  await page.getByRole('heading', { level: 1, name: `#${number} ${title}` }).waitFor();
}

const timelineTexts = (page) => page.getByRole('list', { name: 'Timeline, oldest first' }).locator(':scope > li').allTextContents();
const ticketPost = (page, n, what) => page.waitForResponse((r) => r.request().method() === 'POST'
  && new URL(r.url()).pathname === `/api/v1/tickets/${n}/${what}`);

test('support links a related ticket (both ways) and unlinks it', async () => {
  const [a, b] = await makeTickets({ title: 'Outlook will not start' }, { title: 'Outlook crashes on the new laptop' });
  const sam = await newPage(env.browser);
  await login(sam, env.ward, SAM.name, SAM.password);
  await openTicket(sam, a, 'Outlook will not start');
  const related = sam.getByRole('region', { name: 'Related tickets' });
  await related.getByText('No linked tickets.').waitFor();
  const form = related.getByRole('form', { name: 'Link a ticket' });

  // Not a number: said in the page, nothing sent.
  await form.getByLabel('Ticket number').fill('the other one');
  await form.getByRole('button', { name: 'Link' }).click();
  await related.getByRole('alert').filter({ hasText: 'Give the other ticket\'s number' }).waitFor();
  // Itself: the server's 400, as it is.
  await form.getByLabel('Ticket number').fill(String(a));
  let [res] = await Promise.all([ticketPost(sam, a, 'links'), form.getByRole('button', { name: 'Link' }).click()]);
  assert.equal(res.status(), 400);
  await related.getByRole('alert').filter({ hasText: 'a ticket is not related to itself' }).waitFor();

  await form.getByLabel('Ticket number').fill(`#${b}`);
  [res] = await Promise.all([ticketPost(sam, a, 'links'), form.getByRole('button', { name: 'Link' }).click()]);
  assert.equal(res.status(), 200);
  assert.deepEqual(res.request().postDataJSON(), { ticket: b });
  await related.getByRole('status').filter({ hasText: `Linked #${b}.` }).waitFor();
  const linked = related.getByRole('list', { name: 'Linked tickets' });
  await linked.getByRole('link', { name: `#${b} Outlook crashes on the new laptop` }).waitFor();
  assert.equal(await form.getByLabel('Ticket number').inputValue(), '');
  assert.match(await sam.getByRole('region', { name: 'Summary' }).textContent(), new RegExp(`Linked tickets#${b} Outlook crashes`));
  assert.ok((await timelineTexts(sam)).some((t) => t.includes(`linked it to #${b}`)));

  // The other ticket links back.
  await linked.getByRole('link', { name: `#${b} Outlook crashes on the new laptop` }).click();
  await sam.getByRole('heading', { level: 1, name: `#${b} Outlook crashes on the new laptop` }).waitFor();
  await sam.getByRole('region', { name: 'Related tickets' }).getByRole('list', { name: 'Linked tickets' })
    .getByRole('link', { name: `#${a} Outlook will not start` }).waitFor();

  // Unlinked from there: gone on both.
  [res] = await Promise.all([ticketPost(sam, b, 'links'),
    sam.getByRole('region', { name: 'Related tickets' }).getByRole('button', { name: `Unlink #${a}` }).click()]);
  assert.deepEqual(res.request().postDataJSON(), { ticket: a, unlink: true });
  await sam.getByRole('region', { name: 'Related tickets' }).getByText('No linked tickets.').waitFor();
  await openTicket(sam, a, 'Outlook will not start');
  await sam.getByRole('region', { name: 'Related tickets' }).getByText('No linked tickets.').waitFor();
  checkPage(sam);
  await sam.context().close();
});

test('support merges a duplicate into the original only after confirming', async () => {
  const [original, dup] = await makeTickets({ title: 'Wi-Fi drops in room 4' }, { title: 'No Wi-Fi in room 4 again' });
  const sam = await newPage(env.browser);
  await login(sam, env.ward, SAM.name, SAM.password);
  const merges = [];
  sam.on('request', (r) => { if (r.url().endsWith('/merge')) merges.push(r.url()); });
  await openTicket(sam, dup, 'No Wi-Fi in room 4 again');
  const related = sam.getByRole('region', { name: 'Related tickets' });
  const form = related.getByRole('form', { name: 'Merge into another ticket' });
  const confirm = related.getByRole('group', { name: /^Merge #/ });

  // A ticket that does not exist: the server's 404 before any question.
  await form.getByLabel('Merge into ticket number').fill('999999');
  await form.getByRole('button', { name: 'Merge…' }).click();
  await related.getByRole('alert').filter({ hasText: 'ticket 999999 does not exist' }).waitFor();
  assert.equal(await confirm.count(), 0);

  // The question names the original; Cancel sends nothing.
  await form.getByLabel('Merge into ticket number').fill(String(original));
  await form.getByRole('button', { name: 'Merge…' }).click();
  await confirm.waitFor();
  assert.equal(await confirm.locator('p').first().textContent(), `Merge #${dup} into #${original} “Wi-Fi drops in room 4”?`);
  assert.equal(await sam.evaluate(() => document.activeElement.id), 'ticket-merge-question', 'focus moves to the question');
  await confirm.getByRole('button', { name: 'Cancel' }).click();
  assert.equal(await confirm.count(), 0);
  assert.deepEqual(merges, [], 'nothing merged without a yes');

  await form.getByRole('button', { name: 'Merge…' }).click();
  const [res] = await Promise.all([ticketPost(sam, dup, 'merge'), confirm.getByRole('button', { name: 'Yes, merge it' }).click()]);
  assert.equal(res.status(), 200);
  assert.deepEqual(res.request().postDataJSON(), { into: original });
  await sam.getByRole('status').filter({ hasText: `Merged #${dup} into #${original}.` }).waitFor();
  assert.equal(await sam.locator('.ticket-meta .badge').first().textContent(), 'Closed');
  const summary = sam.getByRole('region', { name: 'Summary' });
  await summary.getByRole('link', { name: `#${original}`, exact: true }).waitFor();
  assert.match(await summary.textContent(), new RegExp(`Merged into#${original}`));
  assert.equal(await form.isVisible(), false, 'a closed ticket cannot be merged again');
  assert.ok((await timelineTexts(sam)).some((t) => t.includes(`merged it into #${original}`)));

  // The original says so, and is linked to the duplicate.
  await openTicket(sam, original, 'Wi-Fi drops in room 4');
  assert.ok((await timelineTexts(sam)).some((t) => t.includes(`merged #${dup} into this ticket`)));
  await sam.getByRole('region', { name: 'Related tickets' }).getByRole('link', { name: `#${dup} No Wi-Fi in room 4 again` }).waitFor();
  checkPage(sam);
  await sam.context().close();
});

test('support runs an approved fix on the ticket\'s machine; its result arrives as an internal note', async () => {
  const admin = await newPage(env.browser);
  await login(admin, env.ward);
  const fix = await apiFromPage(admin, 'POST', '/fixes', {
    name: 'clear-print-queue', description: 'Cancel every job in the print queue', command: 'echo queue-cleared-by-ward', timeout_s: 30,
  });
  assert.equal(fix.status, 201, JSON.stringify(fix.body));
  await admin.context().close();
  const [plain, withHost] = await makeTickets({ title: 'Printer queue stuck (no machine)' }, { title: 'Printer queue stuck', host: HOST });

  const sam = await newPage(env.browser);
  await login(sam, env.ward, SAM.name, SAM.password);
  await openTicket(sam, plain, 'Printer queue stuck (no machine)');
  await sam.getByRole('region', { name: 'Work on it' }).waitFor();
  assert.equal(await sam.getByRole('region', { name: 'Run a fix' }).count(), 0, 'no machine, no fix');

  await openTicket(sam, withHost, 'Printer queue stuck');
  const card = sam.getByRole('region', { name: 'Run a fix' });
  await card.waitFor();
  assert.match(await card.textContent(), new RegExp(`on ${HOST} through its agent.*arrives as an internal note in the timeline`));
  const form = card.getByRole('form', { name: 'Run an approved fix' });
  await eventually(async () => assert.deepEqual(await form.getByLabel('Approved fix').locator('option').allTextContents(), ['clear-print-queue']));
  await form.getByText('Cancel every job in the print queue').waitFor();
  assert.equal(await form.locator('code').textContent(), 'echo queue-cleared-by-ward');

  const [res] = await Promise.all([ticketPost(sam, withHost, 'fix'), form.getByRole('button', { name: 'Run the fix' }).click()]);
  assert.equal(res.status(), 201);
  assert.deepEqual(res.request().postDataJSON(), { fix: 'clear-print-queue' });
  const { job } = await res.json();
  await card.getByRole('status').filter({ hasText: `Queued “clear-print-queue” on ${HOST} as job ${job}. The result arrives later, as an internal note in the timeline` }).waitFor();
  await eventually(async () => assert.ok((await timelineTexts(sam)).some((t) => t.includes(`queued the fix clear-print-queue on ${HOST} (job ${job})`))));
  assert.equal(await sam.locator('.event-internal', { hasText: 'queue-cleared-by-ward' }).count(), 0, 'no result before the agent runs it');

  // The agent runs the job; the page, asking again, shows the note without a reload.
  agent.report();
  const note = sam.locator('.event-internal', { hasText: 'queue-cleared-by-ward' });
  await note.waitFor({ timeout: 15000 });
  assert.match(await note.textContent(), /system added an internal note.*Internal/);
  assert.match(await note.textContent(), new RegExp(`fix:clear-print-queue \\(job ${job}\\) done`));
  await card.getByRole('status').filter({ hasText: `Job ${job} has finished: its result is in the timeline as an internal note.` }).waitFor();
  checkPage(sam);

  await sam.setViewportSize({ width: 375, height: 740 });
  await sam.reload();
  await card.waitFor();
  assert.ok(await sam.evaluate(() => document.documentElement.scrollWidth) <= 375, 'the ticket page fits 375 px');
  await screenshot(sam, 'ticket-extras-375-fix');
  await sam.context().close();

  // The requester sees neither the fix nor its result.
  const erin = await newPage(env.browser);
  await login(erin, env.ward, ERIN.name, ERIN.password);
  await openTicket(erin, withHost, 'Printer queue stuck');
  const text = await erin.locator('main').textContent();
  assert.ok(!text.includes('queue-cleared-by-ward'), 'the result note is internal');
  assert.equal(await erin.getByRole('region', { name: 'Run a fix' }).count(), 0);
  assert.equal(await erin.getByRole('region', { name: 'Related tickets' }).count(), 0);
  checkPage(erin);
  await erin.context().close();
});
