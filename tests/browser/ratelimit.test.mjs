// ratelimit.test.mjs — repeated wrong passwords: the server's 429 "too many failed
// logins" message appears in the login page, not in a dialog. A server of its own,
// so the throttling cannot spill into other tests.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, newPage, checkPage, ADMIN } from './harness.mjs';

let env;
before(async () => { env = await setup(); });
after(async () => { await env?.teardown(); });

test('too many failed logins show the 429 message in the page', async () => {
  const page = await newPage(env.browser);
  await page.goto(env.ward.url + '/');
  await page.getByRole('heading', { level: 1, name: 'Log in' }).waitFor();

  let limited = null;
  const statuses = [];
  for (let i = 0; i < 12 && !limited; i++) {
    await page.getByLabel('User name').fill(ADMIN.name);
    await page.getByLabel('Password').fill(`wrong-password-${i}`);
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/api/v1/session') && r.request().method() === 'POST', { timeout: 30000 }),
      page.getByRole('button', { name: 'Log in' }).click(),
    ]);
    statuses.push(response.status());
    if (response.status() === 429) limited = response;
    await page.getByRole('button', { name: 'Log in' }).waitFor({ state: 'visible' });
    await page.waitForFunction(() => !document.querySelector('button[type=submit]').disabled);
  }
  assert.ok(limited, `a 429 within 12 attempts; got [${statuses}]`);
  assert.ok(statuses.slice(0, -1).every((s) => s === 401), `401s before the 429: [${statuses}]`);
  const { error } = await limited.json();
  assert.ok(error);
  assert.ok(limited.headers()['retry-after'], 'Retry-After is set');

  const alert = page.getByRole('alert');
  await alert.waitFor();
  assert.ok((await alert.textContent()).trim().startsWith(error), `alert shows '${error}'`);
  await page.getByRole('heading', { level: 1, name: 'Log in' }).waitFor();
  assert.equal(await page.getByRole('navigation').count(), 0);
  checkPage(page);
  await page.context().close();
});
