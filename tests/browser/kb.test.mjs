// kb.test.mjs — the knowledge base's pages: browsing by category with keyset paging
// (the category in the address), search with the matches marked, an article's HTML
// rebuilt from an allow-list (scripts, event handlers, images and javascript: links
// dropped even when the server's answer carries them), a support edit with a live preview
// that becomes revision 2 (and a conflicting edit refused with the server's 409), a new
// article, and what employees do not see: support-only articles, Edit, revisions.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { setup, newPage, login, checkPage, eventually, apiFromPage, screenshot } from './harness.mjs';

const ERIN = { name: 'erin', password: 'Erin-Strong-Passw0rd' };   // an employee
const SAM = { name: 'sam', password: 'Sam-Strong-Passw0rd-1' };    // support

let env;
let n = 0;
/** `ward kb add` with the body from a file; returns nothing (the CLI prints the article). */
function addArticle(title, category, body, visibility = 'employees') {
  const file = path.join(env.ward.dir, `article-${++n}.md`);
  writeFileSync(file, body);
  env.ward.cli(['kb', 'add', '--title', title, '--category', category, '--visibility', visibility, '--file', file]);
}

before(async () => {
  env = await setup();
  env.ward.addUser(ERIN.name, 'employee', ERIN.password);
  env.ward.addUser(SAM.name, 'support', SAM.password);
  addArticle('Printer offline', 'Printing', 'Restart the print **spooler** service, then print a test page.\n');
  addArticle('Paper jam in tray 2', 'Printing', 'Open tray 2 and remove the paper. The spooler is not involved.\n');
  addArticle('Toner low warning', 'Printing', 'Order toner from the office manager.\n');
  addArticle('Wi-Fi keeps dropping', 'Network', 'Forget the network and join it again.\n');
  addArticle('VPN will not connect', 'Network', 'Check the date and time; then restart the VPN client.\n');
  addArticle('Reset the core switch', 'Network', 'Internal: power-cycle the core switch in rack 2 (spooler of packets).\n', 'support');
});
after(async () => { await env?.teardown(); });

/** The article titles in the browse table, in order. */
const titles = (page) => page.getByRole('region', { name: 'Articles', exact: true }).locator('tbody tr td:first-child a').allTextContents();
const listRequest = (page, match) => page.waitForResponse((r) => r.url().includes('/api/v1/kb/articles?') && match(new URL(r.url()).searchParams));

test('browse: keyset paging with "Load more", a category filter kept in the address; no support-only articles for employees', async () => {
  const page = await newPage(env.browser);
  await login(page, env.ward, ERIN.name, ERIN.password);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Knowledge base' }).click();
  await page.getByRole('heading', { level: 1, name: 'Knowledge base' }).waitFor();
  assert.equal(await page.title(), 'Knowledge base · Ward');
  assert.equal(await page.getByRole('link', { name: 'New article' }).count(), 0, 'employees do not write articles');

  const [first] = await Promise.all([listRequest(page, (p) => p.get('limit') === '2'), page.goto(`${env.ward.url}/#/knowledge-base?limit=2`)]);
  await page.getByRole('region', { name: 'Articles', exact: true }).waitFor();
  assert.deepEqual(await titles(page), ['Printer offline', 'Paper jam in tray 2']);
  const firstPage = await first.json();
  const [second] = await Promise.all([
    listRequest(page, (p) => p.has('after')),
    page.getByRole('button', { name: 'Load more' }).click(),
  ]);
  assert.equal(new URL(second.url()).searchParams.get('after'), String(firstPage.next_after));
  await eventually(async () => assert.equal((await titles(page)).length, 4));
  await page.getByRole('button', { name: 'Load more' }).click();
  await eventually(async () => assert.deepEqual(await titles(page),
    ['Printer offline', 'Paper jam in tray 2', 'Toner low warning', 'Wi-Fi keeps dropping', 'VPN will not connect']));
  await eventually(async () => assert.equal(await page.getByRole('button', { name: 'Load more' }).isVisible(), false));
  assert.equal(await page.getByText('Reset the core switch').count(), 0, 'a support-only article does not exist for employees');

  // The category filter.
  const category = page.getByRole('form', { name: 'Browse by category' }).getByLabel('Category');
  await eventually(async () => assert.deepEqual(await category.locator('option').allTextContents(), ['All categories', 'Network', 'Printing']));
  const [filtered] = await Promise.all([listRequest(page, (p) => p.get('category') === 'Network'), category.selectOption('Network')]);
  assert.equal(filtered.status(), 200);
  await eventually(async () => assert.deepEqual(await titles(page), ['Wi-Fi keeps dropping', 'VPN will not connect']));
  assert.match(page.url(), /#\/knowledge-base\?category=Network&limit=2$/);
  await page.reload();
  await page.getByRole('region', { name: 'Articles', exact: true }).waitFor();
  assert.deepEqual(await titles(page), ['Wi-Fi keeps dropping', 'VPN will not connect']);
  assert.equal(await category.inputValue(), 'Network');

  // Support staff see the support-only article, marked.
  const sam = await newPage(env.browser);
  await login(sam, env.ward, SAM.name, SAM.password);
  await sam.goto(`${env.ward.url}/#/knowledge-base?category=Network`);
  await sam.getByRole('region', { name: 'Articles', exact: true }).waitFor();
  assert.deepEqual(await titles(sam), ['Wi-Fi keeps dropping', 'VPN will not connect', 'Reset the core switch']);
  assert.equal(await sam.getByRole('region', { name: 'Articles', exact: true }).locator('.badge-internal').textContent(), 'Support only');
  checkPage(sam);
  await sam.context().close();
  checkPage(page);
  await page.context().close();
});

test('search: results best first with the matches marked as <mark> nodes, the query in the address', async () => {
  addArticle('Scanner shows <b>error</b> 42', 'Printing', 'The scanner reports <i>error</i> 42 when the lid is open; close the lid.\n');
  const page = await newPage(env.browser);
  await login(page, env.ward, ERIN.name, ERIN.password);
  await page.goto(`${env.ward.url}/#/knowledge-base`);
  const box = page.getByRole('search', { name: 'Search the knowledge base' }).getByLabel('Search the articles');
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.url().includes('/api/v1/kb/search?') && new URL(r.url()).searchParams.get('q') === 'spooler'),
    box.fill('spooler'),
  ]);
  assert.equal(res.status(), 200);
  const results = page.getByRole('list', { name: 'Articles found' });
  await eventually(async () => assert.equal(await results.locator(':scope > li').count(), 2));
  const found = await results.locator(':scope > li .search-result-head a').allTextContents();
  assert.deepEqual(found, ['Printer offline', 'Paper jam in tray 2'], 'not the support-only article');
  const marks = await results.locator('mark').allTextContents();
  assert.ok(marks.length >= 2 && marks.every((m) => m === 'spooler'), `[${marks}]`);
  const text = await results.textContent();
  assert.ok(!/[«»]/.test(text), 'the markers became <mark> elements');
  assert.match(page.url(), /#\/knowledge-base\?q=spooler$/);
  assert.equal(await page.getByRole('region', { name: 'Articles', exact: true }).isVisible(), false, 'browsing gives way to the results');
  await page.getByRole('status').filter({ hasText: '2 articles match “spooler”' }).waitFor();

  // Markup in an article is text in its snippet.
  await box.fill('lid');
  await eventually(async () => assert.deepEqual(await results.locator('.search-result-head a').allTextContents(), ['Scanner shows <b>error</b> 42']));
  assert.equal(await results.locator('b, i').count(), 0);
  assert.match(await results.textContent(), /reports <i>error<\/i> 42/);

  // Reload keeps the query; a search with no match says so.
  await page.reload();
  await page.getByRole('list', { name: 'Articles found' }).locator('mark').first().waitFor();
  assert.equal(await box.inputValue(), 'lid');
  await box.fill('zzzqqq');
  await page.getByRole('status').filter({ hasText: 'No article matches “zzzqqq”.' }).waitFor();
  await box.fill('');
  await page.getByRole('region', { name: 'Articles', exact: true }).waitFor();
  assert.match(page.url(), /#\/knowledge-base$/);
  checkPage(page);
  await page.context().close();
});

test('an article renders the server\'s HTML through the allow-list: no scripts, handlers, images or javascript: links', async () => {
  addArticle('Rendering check', 'Testing', [
    '# Steps',
    '',
    'Run `lpstat -p` and read **carefully**.',
    '',
    '<script>window.__pwned = 1</script>',
    '',
    '<img src=x onerror="window.__pwned = 2">',
    '',
    '[evil](javascript:window.__pwned=3) and [docs](https://example.com/docs) and [home](#/dashboard)',
    '',
    '- one',
    '- two',
    '',
    '> quoted',
    '',
    '```',
    'echo <b>hi</b>',
    '```',
    '',
  ].join('\n'));
  const page = await newPage(env.browser);
  await login(page, env.ward, ERIN.name, ERIN.password);
  await page.goto(`${env.ward.url}/#/knowledge-base/rendering-check`);
  await page.getByRole('heading', { level: 1, name: 'Rendering check' }).waitFor();
  const body = page.getByRole('article', { name: 'Rendering check' });
  await body.getByRole('heading', { level: 2, name: 'Steps' }).waitFor(); // the article's h1 sits under the page's
  assert.equal(await body.locator('code').first().textContent(), 'lpstat -p');
  assert.equal(await body.locator('strong').textContent(), 'carefully');
  assert.deepEqual(await body.locator('li').allTextContents(), ['one', 'two']);
  assert.equal(await body.locator('blockquote').textContent(), '\nquoted\n');
  assert.equal(await body.locator('pre code').textContent(), 'echo <b>hi</b>\n');
  assert.equal(await body.locator('script, img, iframe, style, b').count(), 0);
  assert.equal(await body.getByRole('link', { name: 'evil' }).count(), 0, 'a javascript: link is only text');
  await body.getByText('evil').waitFor();
  assert.equal(await body.getByRole('link', { name: 'docs' }).getAttribute('href'), 'https://example.com/docs');
  assert.equal(await body.getByRole('link', { name: 'docs' }).getAttribute('rel'), 'noopener noreferrer');
  assert.equal(await body.getByRole('link', { name: 'home' }).getAttribute('href'), '#/dashboard');
  assert.equal(await page.evaluate(() => window.__pwned), undefined);

  // Even when the answer itself carries markup that should never be there (a bug, a
  // compromised server), the page keeps only what the allow-list allows.
  await page.route('**/api/v1/kb/articles/rendering-check', async (route) => {
    const res = await route.fetch();
    const json = await res.json();
    json.article.html = [
      '<h1 onclick="window.__pwned=4">Evil <em>title</em></h1>',
      '<script>window.__pwned = 5</script><style>body{display:none}</style>',
      '<p style="color:red" onmouseover="window.__pwned=6">Text <img src=x onerror="window.__pwned=7">kept</p>',
      '<p><a href="javascript:window.__pwned=8">js</a> <a href=" JaVaScRiPt:window.__pwned=9">js2</a>',
      ' <a href="java&#x09;script:window.__pwned=10">js3</a> <a href="data:text/html,<script>1</script>">data</a>',
      ' <a href="vbscript:x">vb</a> <a href="mailto:help@example.com" target="_top">mail</a></p>',
      '<div class="x"><span>unwrapped</span></div><iframe src="https://example.com"></iframe>',
      '<svg><script>window.__pwned=11</script></svg><form action="/x"><input name="q"></form>',
      '<table><tr><th colspan="2">Head</th></tr><tr><td onclick="x">Cell</td><td>2</td></tr></table>',
    ].join('');
    await route.fulfill({ response: res, json });
  });
  checkPage(page);
  await page.reload();
  await page.getByRole('heading', { level: 1, name: 'Rendering check' }).waitFor();
  await body.getByRole('heading', { level: 2, name: 'Evil title' }).waitFor();
  const dom = await body.evaluate((el) => ({
    tags: [...new Set([...el.querySelectorAll('*')].map((e) => e.localName))].sort(),
    attrs: [...new Set([...el.querySelectorAll('*')].flatMap((e) => [...e.attributes].map((a) => `${e.localName}[${a.name}]`)))].sort(),
    hrefs: [...el.querySelectorAll('a[href]')].map((a) => a.getAttribute('href')),
    text: el.textContent,
  }));
  assert.deepEqual(dom.tags, ['a', 'em', 'h2', 'p', 'span', 'table', 'tbody', 'td', 'th', 'tr']);
  assert.deepEqual(dom.attrs, ['a[href]', 'a[rel]', 'th[colspan]']);
  assert.deepEqual(dom.hrefs, ['mailto:help@example.com']);
  assert.match(dom.text, /Text kept/);
  assert.match(dom.text, /js js2 js3 data vb mail/);
  assert.match(dom.text, /unwrapped/);
  assert.ok(!dom.text.includes('__pwned'), 'script text is dropped with the script');
  await page.waitForTimeout(200);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  // Chromium reports the inline handlers and styles it refuses already while DOMParser
  // reads them into the inert document (nothing there runs, and none reaches the page,
  // as above): those reports, and nothing else, are expected here.
  const refused = /^csp: (Executing inline event handler|Applying inline style) violates/;
  assert.ok(page.problems.length > 0 && page.problems.every((p) => refused.test(p)), page.problems.join('\n'));
  page.problems.length = 0;
  await page.context().close();
});

test('support edits with a live preview, saves revision 2 and sees it; a conflicting edit gets the 409', async () => {
  const page = await newPage(env.browser);
  await login(page, env.ward, SAM.name, SAM.password);
  await page.goto(`${env.ward.url}/#/knowledge-base/toner-low-warning`);
  await page.getByRole('heading', { level: 1, name: 'Toner low warning' }).waitFor();
  const revisions = page.getByRole('list', { name: 'Revisions, newest first' });
  await eventually(async () => assert.equal(await revisions.locator(':scope > li').count(), 1));
  await page.getByRole('link', { name: 'Edit the article' }).click();
  await page.getByRole('heading', { level: 1, name: 'Edit: Toner low warning' }).waitFor();
  const form = page.getByRole('form', { name: 'Edit the article' });
  const source = form.getByLabel('Text (Markdown)');
  assert.equal(await source.inputValue(), 'Order toner from the office manager.\n');
  const preview = page.getByRole('region', { name: 'Preview' });
  assert.equal(await preview.textContent(), 'Order toner from the office manager.');

  await source.fill('# Order toner\n\nAsk the **office manager**; see [the list](https://example.com/toner).\n\n<script>window.__pwned=1</script>\n\n[bad](javascript:window.__pwned=2)\n');
  await preview.getByRole('heading', { level: 2, name: 'Order toner' }).waitFor();
  assert.equal(await preview.locator('strong').textContent(), 'office manager');
  assert.equal(await preview.getByRole('link', { name: 'the list' }).getAttribute('href'), 'https://example.com/toner');
  assert.equal(await preview.locator('script').count(), 0);
  assert.equal(await preview.getByRole('link', { name: 'bad' }).count(), 0, 'the preview drops javascript: links too');
  assert.ok(!(await preview.textContent()).includes('__pwned'));
  await form.getByLabel('Category').fill('Supplies');

  const [res] = await Promise.all([
    page.waitForResponse((r) => r.url().includes('/api/v1/kb/articles/') && r.request().method() === 'PATCH'),
    form.getByRole('button', { name: 'Save' }).click(),
  ]);
  assert.equal(res.status(), 200);
  const sent = res.request().postDataJSON();
  assert.deepEqual(Object.keys(sent).sort(), ['base_revision', 'body', 'category'], 'only what changed');
  assert.equal(sent.base_revision, 1);
  await page.getByRole('heading', { level: 1, name: 'Toner low warning' }).waitFor();
  await page.getByRole('status').filter({ hasText: 'Saved: revision 2.' }).waitFor();
  await page.getByRole('article').getByRole('link', { name: 'the list' }).waitFor();
  await eventually(async () => assert.equal(await revisions.locator(':scope > li').count(), 2));
  const items = await revisions.locator(':scope > li .revision-head').allTextContents();
  assert.match(items[0], /^Revision 2 by sam, .*current$/);
  assert.match(items[1], /^Revision 1 by /);
  await revisions.locator(':scope > li').first().getByText('What revision 2 said').click();
  await revisions.locator(':scope > li').first().getByText('· Supplies · everyone').waitFor();
  assert.match(await page.locator('.article-meta').textContent(), /Revision 2, updated .*; written by local:/);

  // Someone else edits meanwhile: saving is refused with the server's message.
  await page.getByRole('link', { name: 'Edit the article' }).click();
  await form.getByLabel('Title').fill('Toner is low');
  assert.equal((await apiFromPage(page, 'PATCH', '/kb/articles/toner-low-warning', { body: 'Someone else was faster.\n' })).status, 200);
  const [conflict] = await Promise.all([
    page.waitForResponse((r) => r.url().includes('/api/v1/kb/articles/') && r.request().method() === 'PATCH'),
    form.getByRole('button', { name: 'Save' }).click(),
  ]);
  assert.equal(conflict.status(), 409);
  const alert = form.getByRole('alert');
  await alert.waitFor();
  assert.equal((await alert.textContent()).trim(), (await conflict.json()).error);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  checkPage(page);
  await page.context().close();
});

test('support writes a new article, visible to support only', async () => {
  const page = await newPage(env.browser);
  await login(page, env.ward, SAM.name, SAM.password);
  await page.goto(`${env.ward.url}/#/knowledge-base`);
  await page.getByRole('link', { name: 'New article' }).click();
  await page.getByRole('heading', { level: 1, name: 'New article' }).waitFor();
  const form = page.getByRole('form', { name: 'New article' });
  await form.getByRole('button', { name: 'Create the article' }).click();
  await form.getByRole('alert').filter({ hasText: 'Give the article a title.' }).waitFor();
  await form.getByLabel('Title').fill('Firewall change procedure');
  await form.getByLabel('Category').fill('Network');
  await form.getByLabel('Visible to').selectOption('support');
  await form.getByLabel('Text (Markdown)').fill('1. Open a change ticket\n2. Wait for approval\n');
  await page.getByRole('region', { name: 'Preview' }).locator('ol li').nth(1).waitFor();
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/api/v1/kb/articles') && r.request().method() === 'POST'),
    form.getByRole('button', { name: 'Create the article' }).click(),
  ]);
  assert.equal(res.status(), 201);
  assert.deepEqual(res.request().postDataJSON(), {
    title: 'Firewall change procedure', category: 'Network', visibility: 'support', body: '1. Open a change ticket\n2. Wait for approval\n',
  });
  await page.getByRole('heading', { level: 1, name: 'Firewall change procedure' }).waitFor();
  await page.getByRole('status').filter({ hasText: 'Created “Firewall change procedure”.' }).waitFor();
  assert.match(page.url(), /#\/knowledge-base\/firewall-change-procedure$/);
  assert.equal(await page.locator('.article-meta .badge-internal').textContent(), 'Support only');
  assert.deepEqual(await page.getByRole('article').locator('li').allTextContents(), ['Open a change ticket', 'Wait for approval']);
  await screenshot(page, 'kb-article-desktop');
  checkPage(page);
  await page.context().close();
});

test('employees: a support-only article is "not found", and there is no Edit, no revisions and no editor', async () => {
  const page = await newPage(env.browser);
  const asked = [];
  page.on('request', (r) => { if (/\/revisions/.test(r.url())) asked.push(r.url()); });
  await login(page, env.ward, ERIN.name, ERIN.password);
  await page.goto(`${env.ward.url}/#/knowledge-base/reset-the-core-switch`);
  await page.getByRole('heading', { level: 1, name: 'Article not found' }).waitFor();
  assert.match(await page.getByRole('alert').textContent(), /does not exist|not found/i);
  assert.equal(await page.getByText('power-cycle').count(), 0);

  await page.goto(`${env.ward.url}/#/knowledge-base/printer-offline`);
  await page.getByRole('heading', { level: 1, name: 'Printer offline' }).waitFor();
  await page.getByRole('article').getByText('Restart the print').waitFor();
  assert.match(await page.locator('.helped').textContent(), /^Helped \d+ times?$/);
  assert.equal(await page.getByRole('link', { name: 'Edit the article' }).count(), 0);
  assert.equal(await page.getByRole('heading', { name: 'Revisions' }).count(), 0);
  assert.equal(await page.getByRole('heading', { name: 'Does this solve your problem?' }).count(), 0, 'only when coming from a draft');

  for (const where of ['knowledge-base/new', 'knowledge-base/printer-offline/edit']) {
    await page.goto(`${env.ward.url}/#/${where}`);
    await page.getByText('Articles are written by support staff and administrators.').waitFor();
    assert.equal(await page.locator('main form').count(), 0);
  }
  await page.goto(`${env.ward.url}/#/knowledge-base/printer-offline/edit/more`);
  await page.getByRole('heading', { level: 1, name: 'Page not found' }).waitFor();
  assert.deepEqual(asked, []);
  checkPage(page);
  await page.context().close();
});

test('at 375 px the knowledge-base pages do not scroll sideways', async () => {
  const page = await newPage(env.browser, { width: 375, height: 740 });
  await login(page, env.ward, SAM.name, SAM.password);
  for (const where of ['knowledge-base', 'knowledge-base?q=spooler', 'knowledge-base/printer-offline', 'knowledge-base/printer-offline/edit']) {
    await page.goto(`${env.ward.url}/#/${where}`);
    await page.locator('main h1').waitFor();
    await page.waitForLoadState('networkidle');
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 375, `${where} fits: ${width}`);
  }
  await screenshot(page, 'kb-edit-375');
  checkPage(page);
  await page.context().close();
});
