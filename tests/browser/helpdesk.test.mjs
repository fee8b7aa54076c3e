// helpdesk.test.mjs — the help desk's pages. The whole story of one ticket (an employee
// files it past a suggested article, first-level support replies, notes and escalates,
// the admin assigns it to himself, resolves it and turns the resolution into an article,
// the employee sees the resolution without the internal note and rates it, the admin sees
// the rating and the article "helped 1 time"); another employee gets "Ticket not found";
// attachments up and down; the queue's filters (kept in the address), sort and "Load
// more"; search with highlighted matches; canned responses; and closing because an article
// helped, for a draft and for a filed ticket.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setup, newPage, login, checkPage, eventually, apiFromPage, screenshot } from './harness.mjs';

const ERIN = { name: 'erin', password: 'Erin-Strong-Passw0rd' };      // an employee
const FRANK = { name: 'frank', password: 'Frank-Strong-Passw0rd' };   // another employee
const SAM = { name: 'sam', password: 'Sam-Strong-Passw0rd-1' };       // first-level support

let env;
before(async () => {
  env = await setup();
  env.ward.addUser(ERIN.name, 'employee', ERIN.password);
  env.ward.addUser(FRANK.name, 'employee', FRANK.password);
  env.ward.addUser(SAM.name, 'support', SAM.password);
  // An article the new-ticket form should suggest.
  const file = path.join(env.ward.dir, 'spooler.md');
  writeFileSync(file, 'When the printer says **offline**, restart the print spooler:\n\n1. Open Services\n2. Restart *Print Spooler*\n');
  env.ward.cli(['kb', 'add', '--title', 'Printer offline: restart the spooler', '--category', 'Printing', '--file', file]);
});
after(async () => { await env?.teardown(); });

async function openHelpDesk(page) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Help desk' }).click();
  await page.getByRole('heading', { level: 1, name: 'Help desk' }).waitFor();
}

/** Open a ticket's page by its address and wait for its heading. */
async function openTicket(page, number, title) {
  await page.goto(`${env.ward.url}/#/help-desk/${number}`);
  await page.getByRole('heading', { level: 1, name: `#${number} ${title}` }).waitFor();
}

const timelineTexts = (page, name) => page.getByRole('list', { name }).locator(':scope > li').allTextContents();

/** The rows of the table in a labelled region, as objects keyed by the column headers. */
function rowsOf(page, region) {
  return page.getByRole('region', { name: region, exact: true }).evaluate((el) => {
    const headers = [...el.querySelectorAll('thead th')].map((th) => th.textContent.trim());
    return [...el.querySelectorAll('tbody tr')].map((tr) =>
      Object.fromEntries([...tr.children].map((td, i) => [headers[i], td.textContent.trim()])));
  });
}

const ticketResponse = (page, method, suffix = '') => page.waitForResponse((r) => r.request().method() === method
  && new RegExp(`/api/v1/tickets/\\d+${suffix}$`).test(new URL(r.url()).pathname));

test('the story of a ticket: filed past a suggestion, replied to, noted, escalated, assigned, resolved into an article, rated', async () => {
  /* -- the employee files a ticket; an article is suggested while she types -- */
  const erin = await newPage(env.browser);
  await login(erin, env.ward, ERIN.name, ERIN.password);
  await openHelpDesk(erin);
  await erin.getByRole('link', { name: 'New ticket' }).click();
  await erin.getByRole('heading', { level: 1, name: 'New ticket' }).waitFor();
  assert.equal(await erin.getByLabel('Machine').count(), 0, 'employees are not asked for a machine');
  assert.equal(await erin.getByText('First response').count(), 0);

  const suggested = erin.getByRole('list', { name: 'Suggested articles' });
  const suggestRequest = erin.waitForResponse((r) => r.url().includes('/api/v1/kb/suggest?'));
  await erin.getByLabel('Title').fill('Printer offline on floor 2');
  await erin.getByLabel('Description').pressSequentially('The printer says offline and nothing prints', { delay: 5 });
  const sent = new URL((await suggestRequest).url()).searchParams.get('q');
  assert.match(sent, /Printer offline/);
  const link = suggested.getByRole('link', { name: 'Printer offline: restart the spooler' });
  await link.waitFor();
  assert.match(await link.getAttribute('href'), /^#\/knowledge-base\/printer-offline-restart-the-spooler\?from=draft$/);
  assert.equal(await suggested.locator('mark').count() > 0, true, 'the matches are marked');
  assert.match(await erin.getByRole('status').filter({ hasText: 'may already answer' }).textContent(), /1 article may already answer this/);

  // She reads it, it does not help: back to the form, the draft is still there.
  await link.click();
  await erin.getByRole('heading', { level: 1, name: 'Printer offline: restart the spooler' }).waitFor();
  await erin.getByRole('heading', { name: 'Does this solve your problem?' }).waitFor();
  await erin.getByRole('link', { name: 'No, back to my ticket' }).click();
  await erin.getByRole('heading', { level: 1, name: 'New ticket' }).waitFor();
  assert.equal(await erin.getByLabel('Title').inputValue(), 'Printer offline on floor 2');
  await erin.getByRole('radio', { name: 'A few people or my team' }).check();
  await erin.getByRole('radio', { name: 'I cannot work at all' }).check();
  const [created] = await Promise.all([
    erin.waitForResponse((r) => r.url().endsWith('/api/v1/tickets') && r.request().method() === 'POST'),
    erin.getByRole('button', { name: 'File the ticket' }).click(),
  ]);
  assert.equal(created.status(), 201);
  assert.deepEqual(created.request().postDataJSON(), {
    title: 'Printer offline on floor 2', description: 'The printer says offline and nothing prints', impact: 2, urgency: 1,
  });
  const number = (await created.json()).ticket.number;
  const title = 'Printer offline on floor 2';
  await erin.getByRole('heading', { level: 1, name: `#${number} ${title}` }).waitFor();
  assert.equal(await erin.evaluate(() => document.activeElement.tagName), 'H1', 'focus moves to the new page');
  await erin.getByRole('status').filter({ hasText: `Ticket #${number} filed.` }).waitFor();
  assert.equal(await erin.getByText('Resolution due').count(), 0, 'employees do not see SLA times');

  /* -- first-level support: the queue, a reply, an internal note, escalation -- */
  const sam = await newPage(env.browser);
  await login(sam, env.ward, SAM.name, SAM.password);
  await openHelpDesk(sam);
  await sam.getByRole('region', { name: 'Tickets', exact: true }).waitFor();
  const row = (await rowsOf(sam, 'Tickets')).find((r) => r.Ticket.startsWith(`#${number} `));
  assert.ok(row, 'the new ticket is in the queue');
  assert.equal(row.Requester, 'erin');
  assert.equal(row.Status, 'New');
  assert.equal(row.Priority, 'High', 'impact 2 + urgency 1 - 1 = 2, high');
  await sam.getByRole('link', { name: `#${number} ${title}` }).click();
  await sam.getByRole('heading', { level: 1, name: `#${number} ${title}` }).waitFor();
  const summary = sam.getByRole('region', { name: 'Summary' });
  assert.match(await summary.textContent(), /First response due/);
  assert.match(await summary.textContent(), /Resolution due/);

  const reply = sam.getByRole('form', { name: 'Reply or internal note' });
  await reply.getByLabel('Message').fill('Which printer exactly? The one by the kitchen?');
  let [res] = await Promise.all([ticketResponse(sam, 'POST', '/comments'), reply.getByRole('button', { name: 'Send the reply' }).click()]);
  assert.deepEqual(res.request().postDataJSON(), { body: 'Which printer exactly? The one by the kitchen?' });
  await sam.getByRole('status').filter({ hasText: 'Reply sent.' }).waitFor();

  await reply.getByRole('radio', { name: 'Internal note (staff only)' }).check();
  await reply.getByLabel('Message').fill('Suspect the thermistor, not the spooler');
  [res] = await Promise.all([ticketResponse(sam, 'POST', '/comments'), reply.getByRole('button', { name: 'Add the internal note' }).click()]);
  assert.deepEqual(res.request().postDataJSON(), { body: 'Suspect the thermistor, not the spooler', internal: true });
  await sam.getByRole('status').filter({ hasText: 'Internal note added.' }).waitFor();
  const internal = sam.locator('.event-internal', { hasText: 'Suspect the thermistor' });
  await internal.waitFor();
  assert.match(await internal.textContent(), /added an internal note.*Internal/);

  // Escalating needs a note.
  const work = sam.getByRole('region', { name: 'Work on it' });
  await work.getByRole('button', { name: 'Escalate to tier 2' }).click();
  await work.getByRole('alert').filter({ hasText: 'it is required' }).waitFor();
  await work.getByLabel(/^Why/).fill('Hardware: needs the generalist');
  [res] = await Promise.all([ticketResponse(sam, 'PATCH'), work.getByRole('button', { name: 'Escalate to tier 2' }).click()]);
  assert.deepEqual(res.request().postDataJSON(), { tier: 2, note: 'Hardware: needs the generalist' });
  await work.getByRole('button', { name: 'Hand back to tier 1' }).waitFor();
  assert.match(await summary.textContent(), /Tier 2/);
  const timeline = await timelineTexts(sam, 'Timeline, oldest first');
  assert.ok(timeline.some((t) => /sam escalated it to tier 2.*Internal.*Hardware: needs the generalist/.test(t)), timeline.join(' | '));
  assert.ok(timeline.some((t) => /changed the status from new to open/.test(t)), 'the first reply opened it');

  /* -- the generalist: assigns it to himself, resolves it, turns it into an article -- */
  const admin = await newPage(env.browser);
  await login(admin, env.ward);
  await admin.goto(`${env.ward.url}/#/help-desk?tier=2`);
  await admin.getByRole('region', { name: 'Tickets', exact: true }).waitFor();
  await admin.getByRole('link', { name: `#${number} ${title}` }).click();
  await admin.getByRole('heading', { level: 1, name: `#${number} ${title}` }).waitFor();
  const adminWork = admin.getByRole('region', { name: 'Work on it' });
  const picker = adminWork.getByLabel('Assigned to');
  await eventually(async () => assert.deepEqual(await picker.locator('option').allTextContents(), ['Nobody', 'admin (me)', 'sam']));
  await picker.selectOption('admin');
  [res] = await Promise.all([ticketResponse(admin, 'PATCH'), adminWork.getByRole('button', { name: 'Assign', exact: true }).click()]);
  assert.deepEqual(res.request().postDataJSON(), { assignee: 'admin' });
  await adminWork.getByRole('status').filter({ hasText: 'Assigned to admin.' }).waitFor();
  assert.match(await admin.getByRole('region', { name: 'Summary' }).textContent(), /Assigned toadmin/);

  const resolve = admin.getByRole('form', { name: 'Resolve' });
  await resolve.getByLabel('Resolution').fill('Replaced the thermistor in the fuser; the printer is back online.');
  [res] = await Promise.all([ticketResponse(admin, 'PATCH'), resolve.getByRole('button', { name: 'Resolve the ticket' }).click()]);
  assert.deepEqual(res.request().postDataJSON(), { status: 'resolved', resolution: 'Replaced the thermistor in the fuser; the printer is back online.' });
  const resolution = admin.getByRole('region', { name: 'Resolution' });
  await resolution.getByText('Replaced the thermistor in the fuser').waitFor();
  assert.equal(await admin.getByRole('form', { name: 'Resolve' }).isVisible(), false, 'resolved: the form is gone');

  await resolution.getByRole('button', { name: 'Turn the resolution into an article' }).click();
  const toArticle = resolution.getByRole('form', { name: 'New article from the resolution' });
  assert.equal(await toArticle.getByLabel('Title').inputValue(), title);
  await toArticle.getByLabel('Title').fill('Printer offline: a failed thermistor');
  await toArticle.getByLabel('Category').fill('Printing');
  [res] = await Promise.all([ticketResponse(admin, 'POST', '/article'), toArticle.getByRole('button', { name: 'Create the article' }).click()]);
  assert.equal(res.status(), 201);
  assert.deepEqual(res.request().postDataJSON(), { title: 'Printer offline: a failed thermistor', category: 'Printing', visibility: 'employees' });
  const articleId = (await res.json()).article.id;
  await resolution.getByRole('status').filter({ hasText: 'the resolution cites it' }).waitFor();
  const cited = resolution.locator('.cited').getByRole('link', { name: 'Printer offline: a failed thermistor' });
  await cited.waitFor();

  /* -- the employee: the resolution, not the internal note; a rating -- */
  await openHelpDesk(erin);
  await erin.getByRole('region', { name: 'Tickets', exact: true }).waitFor();
  const mine = (await rowsOf(erin, 'Tickets')).find((r) => r.Ticket.startsWith(`#${number} `));
  assert.equal(mine.Status, 'Resolved');
  await erin.getByRole('link', { name: `#${number} ${title}` }).click();
  await erin.getByRole('heading', { level: 1, name: `#${number} ${title}` }).waitFor();
  const erinResolution = erin.getByRole('region', { name: 'Resolution' });
  await erinResolution.getByText('Replaced the thermistor in the fuser; the printer is back online.').waitFor();
  const conversation = await timelineTexts(erin, 'Conversation, oldest first');
  assert.ok(conversation.some((t) => t.includes('Which printer exactly?')), conversation.join(' | '));
  const text = await erin.locator('main').textContent();
  assert.ok(!text.includes('Suspect the thermistor'), 'the internal note is not shown');
  assert.ok(!text.includes('needs the generalist'), 'nor the escalation note');
  assert.equal(await erin.locator('.event-internal, .badge-internal').count(), 0);
  assert.equal(await erin.getByText('First response due').count(), 0);

  const rating = erin.getByRole('form', { name: 'Rate the help you got' });
  await rating.getByRole('radio', { name: '5 (excellent)' }).check();
  await rating.getByLabel('Comment (optional)').fill('Fixed in an hour, thank you!');
  [res] = await Promise.all([ticketResponse(erin, 'POST', '/rating'), rating.getByRole('button', { name: 'Send the rating' }).click()]);
  assert.deepEqual(res.request().postDataJSON(), { rating: 5, comment: 'Fixed in an hour, thank you!' });
  await erin.getByText('You rated it 5 of 5: “Fixed in an hour, thank you!”').waitFor();
  assert.equal(await rating.isVisible(), false);

  /* -- the admin sees the rating; the new article has helped once -- */
  await admin.reload();
  const adminSummary = admin.getByRole('region', { name: 'Summary' });
  await adminSummary.waitFor();
  assert.match(await adminSummary.textContent(), /Rating5 of 5/);
  assert.match(await adminSummary.textContent(), /Fixed in an hour, thank you!/);
  assert.ok((await timelineTexts(admin, 'Timeline, oldest first')).some((t) => /erin rated it 5 of 5/.test(t)));
  await admin.getByRole('region', { name: 'Resolution' }).locator('.cited').getByRole('link', { name: 'Printer offline: a failed thermistor' }).click();
  await admin.getByRole('heading', { level: 1, name: 'Printer offline: a failed thermistor' }).waitFor();
  assert.equal(await admin.locator('.helped').textContent(), 'Helped 1 time');
  assert.equal((await apiFromPage(admin, 'GET', `/kb/articles/${articleId}`)).body.article.helped, 1);
  await admin.getByRole('article').getByText('Replaced the thermistor in the fuser').waitFor();

  for (const p of [erin, sam, admin]) {
    checkPage(p);
    await p.context().close();
  }
});

test('another employee gets "Ticket not found", and neither lists nor finds the ticket', async () => {
  const erin = await newPage(env.browser);
  await login(erin, env.ward, ERIN.name, ERIN.password);
  const { body } = await apiFromPage(erin, 'POST', '/tickets', { title: 'Laptop battery swells', description: 'The battery bulges' });
  const number = body.ticket.number;
  await erin.context().close();

  const frank = await newPage(env.browser);
  await login(frank, env.ward, FRANK.name, FRANK.password);
  await frank.goto(`${env.ward.url}/#/help-desk/${number}`);
  await frank.getByRole('heading', { level: 1, name: 'Ticket not found' }).waitFor();
  const alert = frank.getByRole('alert');
  await alert.waitFor();
  assert.match(await alert.textContent(), new RegExp(`ticket.*${number}.*does not exist`));
  assert.equal(await frank.getByText('Laptop battery swells').count(), 0);
  assert.equal(await frank.title(), 'Ticket not found · Ward');

  await openHelpDesk(frank);
  await frank.getByText('You have not asked for help yet.').waitFor();
  const search = frank.getByRole('search', { name: 'Search my tickets' });
  await search.getByLabel('Search my tickets').fill('battery');
  await search.getByRole('button', { name: 'Search' }).click();
  await frank.getByRole('status').filter({ hasText: 'Nothing matches “battery”.' }).waitFor();
  checkPage(frank);
  await frank.context().close();
});

test('attachments: the requester uploads, support downloads the same bytes; an internal one stays with support', async () => {
  const erin = await newPage(env.browser);
  await login(erin, env.ward, ERIN.name, ERIN.password);
  const { body } = await apiFromPage(erin, 'POST', '/tickets', { title: 'VPN drops every hour', description: 'See the log' });
  const number = body.ticket.number;
  await openTicket(erin, number, 'VPN drops every hour');
  const files = erin.getByRole('region', { name: 'Attachments' });
  await files.getByText('No files attached.').waitFor();
  const content = 'Nov 27 10:00 vpn: <script>alert(1)</script> tunnel down\n';
  await files.getByLabel('Attach a file').setInputFiles({ name: 'vpn.log', mimeType: 'text/plain', buffer: Buffer.from(content) });
  const [res] = await Promise.all([
    erin.waitForResponse((r) => r.url().includes(`/api/v1/tickets/${number}/attachments?`) && r.request().method() === 'POST'),
    files.getByRole('button', { name: 'Upload' }).click(),
  ]);
  assert.equal(res.status(), 201);
  assert.match(res.url(), /filename=vpn\.log$/);
  assert.equal(res.request().headers()['content-type'], 'text/plain');
  await files.getByRole('status').filter({ hasText: 'Attached vpn.log.' }).waitFor();
  await files.getByRole('link', { name: 'vpn.log' }).waitFor();
  assert.equal(await files.getByLabel(/Internal/).count(), 0, 'employees cannot upload internal files');
  checkPage(erin);

  const sam = await newPage(env.browser);
  await login(sam, env.ward, SAM.name, SAM.password);
  await openTicket(sam, number, 'VPN drops every hour');
  const samFiles = sam.getByRole('region', { name: 'Attachments' });
  const [download] = await Promise.all([sam.waitForEvent('download'), samFiles.getByRole('link', { name: 'vpn.log' }).click()]);
  assert.equal(download.suggestedFilename(), 'vpn.log');
  assert.equal(readFileSync(await download.path(), 'utf8'), content);
  assert.ok((await timelineTexts(sam, 'Timeline, oldest first')).some((t) => /erin attached vpn\.log/.test(t)));

  await samFiles.getByLabel('Attach a file').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('for staff') });
  await samFiles.getByLabel('Internal: only support staff see it').check();
  const [up] = await Promise.all([
    sam.waitForResponse((r) => r.url().includes('/attachments?') && r.request().method() === 'POST'),
    samFiles.getByRole('button', { name: 'Upload' }).click(),
  ]);
  assert.match(up.url(), /filename=notes\.txt&internal=1$/);
  await samFiles.locator('li', { hasText: 'notes.txt' }).getByText('Internal').waitFor();
  checkPage(sam);
  await sam.context().close();

  await erin.reload();
  await erin.getByRole('region', { name: 'Attachments' }).getByRole('link', { name: 'vpn.log' }).waitFor();
  assert.equal(await erin.getByText('notes.txt').count(), 0);
  checkPage(erin);
  await erin.context().close();
});

test('the queue: filters in the address (surviving a reload), SLA at risk and breached, sort, and "Load more"', async () => {
  const admin = await newPage(env.browser);
  await login(admin, env.ward);
  const make = async (t) => (await apiFromPage(admin, 'POST', '/tickets', { requester: 'frank', description: 'from the queue test', ...t })).body.ticket.number;
  const q1 = await make({ title: 'Queue one', tags: ['network'] });
  const q2 = await make({ title: 'Queue two', tags: ['network'] });
  const q3 = await make({ title: 'Queue three' });
  const q4 = await make({ title: 'Queue four', impact: 1, urgency: 1 });
  const q5 = await make({ title: 'Queue five' });
  assert.equal((await apiFromPage(admin, 'PATCH', `/tickets/${q3}`, { assignee: 'sam' })).status, 200);
  assert.equal((await apiFromPage(admin, 'PATCH', `/tickets/${q5}`, { tier: 2, note: 'for tier 2' })).status, 200);
  // SLA states as the minute sweep would leave them, with the clock time to match: q1 has
  // used 87 % of its 24 business hours (at risk), q2 more than all of them (breached).
  env.ward.sql(`UPDATE tickets SET sla_flags = 4, sla_used = 75000 WHERE id = ${q1};
    UPDATE tickets SET sla_flags = 8, sla_used = 90000 WHERE id = ${q2};`);
  await admin.context().close();

  const sam = await newPage(env.browser);
  await login(sam, env.ward, SAM.name, SAM.password);
  const listed = () => rowsOf(sam, 'Tickets').then((rows) => rows.map((r) => r.Ticket.replace(/ .*/, '')));
  const listRequest = (match) => sam.waitForResponse((r) => r.url().includes('/api/v1/tickets?') && match(new URL(r.url()).searchParams));
  const form = sam.getByRole('search', { name: 'Filter the queue' });

  // Two at a time (limit=2 in the address), soonest due first: q4 (critical) leads.
  const [first] = await Promise.all([listRequest((p) => p.get('limit') === '2'), sam.goto(`${env.ward.url}/#/help-desk?limit=2`)]);
  assert.equal(new URL(first.url()).searchParams.get('sort'), 'due');
  assert.equal(new URL(first.url()).searchParams.get('status'), 'active');
  await sam.getByRole('region', { name: 'Tickets', exact: true }).waitFor();
  let shown = await listed();
  assert.equal(shown.length, 2);
  assert.equal(shown[0], `#${q4}`, 'the critical ticket is due first');
  const seen = new Set(shown);
  const more = sam.getByRole('button', { name: 'Load more' });
  for (let pages = 0; await more.isVisible(); pages++) {
    const cursor = (await first.json()).next;
    const [next] = await Promise.all([listRequest((p) => p.has('after')), more.click()]);
    if (pages === 0) assert.equal(new URL(next.url()).searchParams.get('after'), cursor, 'the cursor of the page before');
    await eventually(async () => assert.ok((await listed()).length > shown.length));
    shown = await listed();
    assert.ok(pages < 10);
  }
  assert.equal(new Set(shown).size, shown.length, 'no ticket twice');
  for (const n of [q1, q2, q3, q4, q5]) assert.ok(shown.includes(`#${n}`), `#${n} in [${shown}]`);
  assert.ok(seen.size === 2);

  // Filters go to the server and into the address.
  let [res] = await Promise.all([listRequest((p) => p.get('assignee') === 'none'), form.getByLabel('Assigned to').selectOption('none')]);
  assert.equal(res.status(), 200);
  assert.match(sam.url(), /#\/help-desk\?assignee=none&limit=2$/);
  await eventually(async () => assert.ok(!(await listed()).includes(`#${q3}`)));

  await form.getByLabel('Assigned to').selectOption('');
  [res] = await Promise.all([listRequest((p) => p.get('tier') === '2'), form.getByLabel('Tier').selectOption('2')]);
  await eventually(async () => assert.deepEqual(await listed(), [`#${q5}`]));

  await form.getByLabel('Tier').selectOption('');
  [res] = await Promise.all([listRequest((p) => p.get('tag') === 'network'), form.getByLabel('Tag').fill('network')]);
  await eventually(async () => assert.deepEqual((await listed()).sort(), [`#${q1}`, `#${q2}`].sort()));

  // At risk and breached, with their badges.
  [res] = await Promise.all([listRequest((p) => p.get('at_risk') === '1'), form.getByLabel('SLA at risk').check()]);
  await eventually(async () => assert.deepEqual(await listed(), [`#${q1}`]));
  assert.equal(await sam.getByRole('region', { name: 'Tickets', exact: true }).locator('.badge-sla-at-risk').textContent(), 'At risk');
  await form.getByLabel('SLA at risk').uncheck();
  [res] = await Promise.all([listRequest((p) => p.get('breached') === '1'), form.getByLabel('SLA breached').check()]);
  await eventually(async () => assert.deepEqual(await listed(), [`#${q2}`]));
  assert.equal(await sam.getByRole('region', { name: 'Tickets', exact: true }).locator('.badge-sla-breached').textContent(), 'Breached');
  assert.match(sam.url(), /tag=network/);
  assert.match(sam.url(), /breached=1/);

  // The filters survive a reload.
  await sam.reload();
  await sam.getByRole('region', { name: 'Tickets', exact: true }).waitFor();
  assert.equal(await form.getByLabel('Tag').inputValue(), 'network');
  assert.equal(await form.getByLabel('SLA breached').isChecked(), true);
  await eventually(async () => assert.deepEqual(await listed(), [`#${q2}`]));

  // Mine; status "any" with newest first.
  await form.getByRole('button', { name: 'Clear filters' }).click();
  [res] = await Promise.all([listRequest((p) => p.get('assignee') === 'me'), form.getByLabel('Assigned to').selectOption('me')]);
  await eventually(async () => assert.deepEqual(await listed(), [`#${q3}`]));
  await form.getByLabel('Assigned to').selectOption('');
  await form.getByLabel('Status').selectOption('any');
  [res] = await Promise.all([listRequest((p) => p.get('sort') === 'new' && !p.has('status')), form.getByLabel('Sort').selectOption('new')]);
  await eventually(async () => assert.equal((await listed())[0], `#${q5}`, 'newest first'));
  assert.match(sam.url(), /status=any&sort=new/);

  // Nothing matches: an empty state.
  await form.getByLabel('Tag').fill('no-such-tag');
  await sam.getByText('No tickets match these filters.').waitFor();

  // The ticket pages show the SLA state beside the due time.
  for (const [number, name, badge] of [[q1, 'Queue one', 'At risk'], [q2, 'Queue two', 'Breached']]) {
    await openTicket(sam, number, name);
    const due = sam.getByRole('region', { name: 'Summary' }).locator('.prop', { hasText: 'Resolution due' });
    assert.equal(await due.locator('.badge-sla').textContent(), badge);
    assert.equal(await sam.getByRole('region', { name: 'Summary' }).locator('.prop', { hasText: 'First response due' }).locator('.badge-sla').count(), 0);
  }
  checkPage(sam);
  await sam.context().close();
});

test('search: matches are marked with <mark> built from the snippet; markup in tickets stays text; employees never find notes', async () => {
  const erin = await newPage(env.browser);
  await login(erin, env.ward, ERIN.name, ERIN.password);
  const { body } = await apiFromPage(erin, 'POST', '/tickets', {
    title: 'Keyboard types <b>bold</b> letters', description: 'The keyboard repeats keys: <img src=x onerror=alert(1)> zebrafish',
  });
  const number = body.ticket.number;

  const sam = await newPage(env.browser);
  await login(sam, env.ward, SAM.name, SAM.password);
  assert.equal((await apiFromPage(sam, 'POST', `/tickets/${number}/comments`, { body: 'Staff only: zebrafish firmware bug', internal: true })).status, 201);
  await sam.goto(`${env.ward.url}/#/help-desk?q=zebrafish`);
  const results = sam.getByRole('list', { name: 'Search results' });
  await results.waitFor();
  await eventually(async () => assert.equal(await results.locator('li').count(), 2));
  const marks = await results.locator('mark').allTextContents();
  assert.ok(marks.length >= 2 && marks.every((m) => m.toLowerCase() === 'zebrafish'), `[${marks}]`);
  const html = await results.innerHTML();
  assert.ok(!/[\u0002\u0003]/.test(html), 'no marker characters left');
  assert.equal(await results.locator('b, img').count(), 0, 'the ticket\'s markup is text');
  assert.match(await results.textContent(), /<img src=x onerror=alert\(1\)>/);
  assert.match(await results.textContent(), /Keyboard types <b>bold<\/b> letters/);

  // Typing searches too (after a pause), and the query is in the address.
  const box = sam.getByRole('search', { name: 'Search tickets' }).getByLabel('Search tickets');
  const [res] = await Promise.all([
    sam.waitForResponse((r) => r.url().includes('/api/v1/search?') && new URL(r.url()).searchParams.get('q') === 'keyboard'),
    box.fill('keyboard'),
  ]);
  assert.equal(res.status(), 200);
  await eventually(async () => {
    const found = await results.locator('mark').allTextContents();
    assert.ok(found.length >= 1 && found.every((m) => m.toLowerCase() === 'keyboard'), `[${found}]`);
  });
  assert.match(sam.url(), /q=keyboard/);
  await results.getByRole('link', { name: `#${number} Keyboard types <b>bold</b> letters` }).click();
  await sam.getByRole('heading', { level: 1, name: `#${number} Keyboard types <b>bold</b> letters` }).waitFor();
  checkPage(sam);
  await sam.context().close();

  // The employee finds her ticket, but not through the internal note.
  await erin.goto(`${env.ward.url}/#/help-desk?q=zebrafish`);
  const mine = erin.getByRole('list', { name: 'Search results' });
  await mine.waitFor();
  await eventually(async () => assert.equal(await mine.locator('li').count(), 1));
  assert.ok(!(await mine.textContent()).includes('firmware'));
  checkPage(erin);
  await erin.context().close();
});

test('canned responses: added on the queue page, inserted into the reply box, deleted by an admin', async () => {
  const admin = await newPage(env.browser);
  await login(admin, env.ward);
  const { body } = await apiFromPage(admin, 'POST', '/tickets', { requester: 'erin', title: 'Password expired', description: 'Cannot log in' });
  const number = body.ticket.number;
  await openHelpDesk(admin);
  const canned = admin.getByRole('region', { name: 'Canned responses' });
  await canned.getByText('Show and add canned responses').click();
  const addForm = canned.getByRole('form', { name: 'Add a canned response' });
  await addForm.getByLabel('Title').fill('Reset password');
  await addForm.getByLabel('Text').fill('I have reset your password; check your e-mail.');
  const [res] = await Promise.all([
    admin.waitForResponse((r) => r.url().endsWith('/api/v1/canned') && r.request().method() === 'POST'),
    addForm.getByRole('button', { name: 'Add the response' }).click(),
  ]);
  assert.equal(res.status(), 201);
  await canned.getByRole('list', { name: 'Canned responses' }).getByText('Reset password').waitFor();

  const sam = await newPage(env.browser);
  await login(sam, env.ward, SAM.name, SAM.password);
  await openTicket(sam, number, 'Password expired');
  const reply = sam.getByRole('form', { name: 'Reply or internal note' });
  await eventually(async () => assert.deepEqual(await reply.getByLabel('Canned response').locator('option').allTextContents(), ['Choose one…', 'Reset password']));
  await reply.getByLabel('Message').fill('Hello Erin. ');
  await reply.getByLabel('Canned response').selectOption({ label: 'Reset password' });
  await reply.getByRole('button', { name: 'Insert' }).click();
  assert.equal(await reply.getByLabel('Message').inputValue(), 'Hello Erin. I have reset your password; check your e-mail.');
  assert.equal(await sam.evaluate(() => document.activeElement.name), 'reply', 'focus returns to the message');
  const [sent] = await Promise.all([ticketResponse(sam, 'POST', '/comments'), reply.getByRole('button', { name: 'Send the reply' }).click()]);
  assert.deepEqual(sent.request().postDataJSON(), { body: 'Hello Erin. I have reset your password; check your e-mail.' });
  await openHelpDesk(sam);
  await sam.getByRole('region', { name: 'Canned responses' }).getByText('Show and add canned responses').click();
  assert.equal(await sam.getByRole('button', { name: /Delete the canned response/ }).count(), 0, 'only admins delete');
  checkPage(sam);
  await sam.context().close();

  await canned.getByRole('button', { name: 'Delete the canned response Reset password' }).click();
  await canned.getByRole('status').filter({ hasText: 'Deleted “Reset password”.' }).waitFor();
  assert.deepEqual((await apiFromPage(admin, 'GET', '/canned')).body.canned, []);
  checkPage(admin);
  await admin.context().close();
});

test('deflection: "This solved it" files nothing; "Close, this article helped" closes a filed ticket and counts', async () => {
  const erin = await newPage(env.browser);
  await login(erin, env.ward, ERIN.name, ERIN.password);
  const before = (await apiFromPage(erin, 'GET', '/tickets')).body.tickets.length;
  await erin.goto(`${env.ward.url}/#/help-desk/new`);
  await erin.getByLabel('Title').fill('Printer offline again');
  await erin.getByRole('list', { name: 'Suggested articles' }).getByRole('link', { name: 'Printer offline: restart the spooler' }).click();
  await erin.getByRole('button', { name: 'This solved it' }).click();
  await erin.getByRole('heading', { level: 1, name: 'Help desk' }).waitFor();
  await erin.getByRole('status').filter({ hasText: 'No ticket was filed.' }).waitFor();
  assert.equal((await apiFromPage(erin, 'GET', '/tickets')).body.tickets.length, before);
  await erin.goto(`${env.ward.url}/#/help-desk/new`);
  await erin.getByRole('heading', { level: 1, name: 'New ticket' }).waitFor();
  assert.equal(await erin.getByLabel('Title').inputValue(), '', 'the draft is gone');

  // A filed ticket: the page suggests the article, and closing names it.
  const { body } = await apiFromPage(erin, 'POST', '/tickets', { title: 'Printer says offline', description: 'Since this morning' });
  const number = body.ticket.number;
  const article = (await apiFromPage(erin, 'GET', '/kb/articles/printer-offline-restart-the-spooler')).body.article;
  await openTicket(erin, number, 'Printer says offline');
  const help = erin.getByRole('region', { name: 'Articles that may help' });
  await help.getByRole('link', { name: article.title }).waitFor();
  const [res] = await Promise.all([
    ticketResponse(erin, 'PATCH'),
    help.getByRole('button', { name: `Close the ticket: “${article.title}” helped` }).click(),
  ]);
  assert.equal(res.status(), 200);
  assert.deepEqual(res.request().postDataJSON(), { status: 'closed', deflected_by: article.id });
  await erin.getByRole('status').filter({ hasText: `Closed #${number}` }).waitFor();
  assert.equal(await erin.locator('.ticket-meta .badge').first().textContent(), 'Closed');
  await erin.getByRole('region', { name: 'Resolution' }).getByRole('link', { name: article.title }).waitFor();
  assert.equal(await erin.getByRole('form', { name: 'Reply' }).isVisible(), false, 'a closed ticket takes no replies');
  const after = (await apiFromPage(erin, 'GET', `/kb/articles/${article.id}`)).body.article;
  assert.equal(after.deflected, article.deflected + 1);
  checkPage(erin);
  await erin.context().close();
});

test('at 375 px the help desk pages do not scroll sideways; screenshots', async () => {
  const page = await newPage(env.browser, { width: 375, height: 740 });
  await login(page, env.ward);
  const { body } = await apiFromPage(page, 'POST', '/tickets', { requester: 'erin', title: 'Monitor flickers', description: 'Every few seconds' });
  for (const where of ['help-desk', `help-desk/${body.ticket.number}`, 'help-desk/new']) {
    await page.goto(`${env.ward.url}/#/${where}`);
    await page.locator('main h1').waitFor();
    await page.waitForLoadState('networkidle');
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 375, `${where} fits: ${width}`);
    await screenshot(page, `helpdesk-375-${where.replace(/\//g, '-')}`);
  }
  checkPage(page);
  await page.context().close();
});
