// layout.test.mjs — the layout on a 375 px phone and on a desktop: no sideways
// scrolling, the menu button, keyboard use (skip link, focus), and screenshots
// for a person to look at (in WARD_SHOTS, /tmp/ward-shots by default).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, newPage, login, checkPage, apiFromPage, screenshot } from './harness.mjs';

let env;
before(async () => {
  env = await setup();
  // Some data with long values, so tables have something to overflow with.
  env.ward.addUser('a-user-with-a-rather-long-name', 'support', 'Long-Name-Passw0rd');
});
after(async () => { await env?.teardown(); });

const overflow = (page) => page.evaluate(() => document.documentElement.scrollWidth);

test('at 375 px nothing scrolls sideways and the navigation folds into a menu', async () => {
  const page = await newPage(env.browser, { width: 375, height: 740 });
  await page.goto(env.ward.url + '/');
  await page.getByRole('heading', { level: 1, name: 'Log in' }).waitFor();
  assert.ok(await overflow(page) <= 375, 'login page fits');
  await screenshot(page, 'login-375');

  await login(page, env.ward);
  await apiFromPage(page, 'POST', '/users', {
    name: 'someone', role: 'employee', email: 'someone.with.a.long.address@subsidiary.example.com', password: 'Someone-Passw0rd-1',
  });
  await page.reload();
  await page.getByRole('list', { name: 'User counts' }).waitFor();
  assert.ok(await overflow(page) <= 375, `dashboard fits: ${await overflow(page)}`);
  await screenshot(page, 'dashboard-375');

  // The menu: closed, then open with aria-expanded, then closed by following a link.
  const toggle = page.getByRole('button', { name: 'Menu' });
  const nav = page.getByRole('navigation', { name: 'Main' });
  assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
  assert.equal(await nav.isVisible(), false);
  await toggle.click();
  assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
  await nav.waitFor({ state: 'visible' });
  assert.ok(await overflow(page) <= 375, 'open menu fits');
  await screenshot(page, 'menu-375', false);
  await nav.getByRole('link', { name: 'Users' }).click();
  await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor();
  assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
  assert.equal(await nav.isVisible(), false);

  // Wide tables scroll inside their own box, not the page.
  await page.getByRole('region', { name: 'Users', exact: true }).waitFor();
  assert.ok(await overflow(page) <= 375, `users page fits: ${await overflow(page)}`);
  const box = await page.getByRole('region', { name: 'Users', exact: true }).evaluate((el) => ({ sw: el.scrollWidth, cw: el.clientWidth }));
  assert.ok(box.sw > box.cw, 'the users table is wider than the phone and scrolls in its box');
  await screenshot(page, 'users-375');

  await page.goto(env.ward.url + '/#/activity');
  await page.getByRole('region', { name: 'Activity log', exact: true }).waitFor();
  assert.ok(await overflow(page) <= 375, `activity page fits: ${await overflow(page)}`);
  await screenshot(page, 'activity-375');

  // Escape closes the open menu and gives focus back to the button.
  await toggle.click();
  await nav.getByRole('link', { name: 'Dashboard' }).focus();
  await page.keyboard.press('Escape');
  assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
  assert.equal(await toggle.evaluate((el) => el === document.activeElement), true);
  checkPage(page);
  await page.context().close();
});

test('on a desktop the navigation is always there and the pages look right', async () => {
  const page = await newPage(env.browser, { width: 1280, height: 800 });
  await page.goto(env.ward.url + '/');
  await page.getByRole('heading', { level: 1, name: 'Log in' }).waitFor();
  await screenshot(page, 'login-desktop');
  await login(page, env.ward);
  await page.getByRole('list', { name: 'User counts' }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Menu' }).isVisible(), false);
  await page.getByRole('navigation', { name: 'Main' }).waitFor({ state: 'visible' });
  assert.ok(await overflow(page) <= 1280);
  await screenshot(page, 'dashboard-desktop');

  for (const [path, region] of [['users', 'Users'], ['activity', 'Activity log']]) {
    await page.goto(`${env.ward.url}/#/${path}`);
    await page.getByRole('region', { name: region, exact: true }).waitFor();
    await screenshot(page, `${path}-desktop`);
  }
  await page.goto(`${env.ward.url}/#/security`);
  await page.getByText('Coming in a later release').waitFor();
  await screenshot(page, 'later-desktop');
  checkPage(page);
  await page.context().close();
});

test('keyboard: the skip link comes first and moves focus to the content; focus is visible', async () => {
  const page = await newPage(env.browser);
  await login(page, env.ward);
  assert.equal(await page.evaluate(() => document.activeElement.tagName), 'H1', 'after login, focus is on the heading');
  await page.reload();
  await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: 'Skip to main content' });
  assert.equal(await skip.evaluate((el) => el === document.activeElement), true, 'skip link is the first stop');
  assert.equal(await skip.isVisible(), true);
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'main');
  assert.match(page.url(), /#\/dashboard$/, 'the skip link does not change the route');

  // Tabbing on from the content reaches a link with a visible focus ring.
  await page.keyboard.press('Tab');
  const ring = await page.evaluate(() => {
    const s = getComputedStyle(document.activeElement);
    return { tag: document.activeElement.tagName, style: s.outlineStyle, width: parseFloat(s.outlineWidth) };
  });
  assert.ok(['A', 'BUTTON', 'INPUT', 'DIV'].includes(ring.tag), ring.tag);
  assert.notEqual(ring.style, 'none');
  assert.ok(ring.width >= 2);

  // Navigating moves focus to the new page's heading.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).press('Enter');
  await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.tagName), 'H1');
  checkPage(page);
  await page.context().close();
});
