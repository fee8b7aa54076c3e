// harness.mjs — start a real ward on a temp data dir and a free port, and drive
// Debian's chromium through playwright-core. Used by every *.test.mjs here.
//
//   WARD_BIN   the ward binary (default <repo>/build/ward)
//   WARD_SHOTS where screenshots go (default /tmp/ward-shots)

import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, mkdirSync, existsSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const WARD_BIN = process.env.WARD_BIN || path.join(REPO, 'build', 'ward');
export const SHOTS = process.env.WARD_SHOTS || '/tmp/ward-shots';
export const ADMIN = { name: 'admin', password: 'Browser-Tests-Admin-42' };

const STARTUP_MS = 15000;

/**
 * Initialise a data dir with an admin, start `ward serve` on 127.0.0.1:0 and wait for
 * its "listening on http://..." line. Returns {url, dir, cli(args), addUser, stop}.
 */
export async function startWard() {
  if (!existsSync(WARD_BIN)) {
    throw new Error(`ward binary not found at '${WARD_BIN}': build it first or set WARD_BIN`);
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'ward-browser-'));
  const dataDir = path.join(dir, 'data');
  const secret = (name, password) => {
    const file = path.join(dir, `${name}.password`);
    writeFileSync(file, password + '\n', { mode: 0o600 });
    return file;
  };
  const cli = (args) => execFileSync(WARD_BIN, ['--data', dataDir, ...args], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30000,
  });

  try {
    cli(['init', '--admin', ADMIN.name, '--admin-password-file', secret(ADMIN.name, ADMIN.password)]);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`ward init failed: ${err.stderr || err.message}`);
  }

  const child = spawn(WARD_BIN, ['--data', dataDir, 'serve', '--listen', '127.0.0.1:0'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  let url;
  try {
    url = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`ward serve did not say where it listens within ${STARTUP_MS} ms:\n${stderr}`)), STARTUP_MS);
      child.stderr.setEncoding('utf8');
      // Keep reading stderr for the whole run so the server never blocks on a full pipe.
      child.stderr.on('data', (chunk) => {
        stderr += chunk;
        if (stderr.length > 1 << 20) stderr = stderr.slice(-(1 << 19));
        const m = stderr.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      child.on('error', (err) => { clearTimeout(timer); reject(err); });
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`ward serve exited (${code ?? signal}) before listening:\n${stderr}`));
      });
    });
  } catch (err) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  return {
    url,
    dir,
    dataDir,
    cli,
    stderr: () => stderr,
    /** Add a user with the CLI: `ward user add NAME --role ROLE --password-file F`. */
    addUser(name, role, password) {
      cli(['user', 'add', name, '--role', role, '--password-file', secret(name, password)]);
    },
    /** Run one SQL statement on the server's database (to age a host, say). */
    sql(statement) {
      return execFileSync('sqlite3', [path.join(dataDir, 'ward.db'), statement], { encoding: 'utf8', timeout: 30000 });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Debian's chromium, headless, as root, with nothing that reaches the network. */
export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * A page in a fresh context (own cookies) at the given viewport and time zone (UTC
 * unless timezoneId names another). Uncaught errors,
 * CSP violations and dialogs (the UI must never use alert/confirm) are collected in
 * page.problems; checkPage(page) fails the test if there are any.
 */
export async function newPage(browser, { width = 1280, height = 800, timezoneId = 'UTC' } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, locale: 'en-GB', timezoneId });
  context.setDefaultTimeout(10000);
  const page = await context.newPage();
  page.problems = [];
  page.on('pageerror', (err) => page.problems.push(`uncaught: ${err.message}`));
  page.on('console', (msg) => {
    const text = msg.text();
    if (msg.type() === 'error' && /Content Security Policy|Refused to/i.test(text)) page.problems.push(`csp: ${text}`);
  });
  page.on('dialog', async (dialog) => {
    page.problems.push(`dialog: ${dialog.type()} ${dialog.message()}`);
    await dialog.dismiss();
  });
  return page;
}

export function checkPage(page) {
  assert.deepEqual(page.problems, [], 'the page had errors, CSP violations or dialogs');
}

/** Log in through the form and wait for the dashboard. */
export async function login(page, ward, name = ADMIN.name, password = ADMIN.password) {
  await page.goto(ward.url + '/');
  await page.getByLabel('User name').fill(name);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
}

/** Call the API from the page's context (same cookies); returns {status, body}. */
export async function apiFromPage(page, method, apiPath, body) {
  return page.evaluate(async ({ method, apiPath, body }) => {
    const me = await fetch('/api/v1/me', { credentials: 'same-origin' }).then((r) => r.json()).catch(() => ({}));
    const headers = { Accept: 'application/json' };
    if (me.csrf_token) headers['X-CSRF-Token'] = me.csrf_token;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch('/api/v1' + apiPath, {
      method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body),
    });
    let json = null;
    try { json = await res.json(); } catch { /* not JSON */ }
    return { status: res.status, body: json };
  }, { method, apiPath, body });
}

/** Call the API from node, without a session; returns {status, body, headers}. */
export async function apiDirect(ward, method, apiPath, body) {
  const res = await fetch(ward.url + '/api/v1' + apiPath, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let json = null;
  try { json = await res.json(); } catch { /* not JSON */ }
  return { status: res.status, body: json, headers: res.headers };
}

/** Retry an assertion until it passes or the time is up (playwright-core has no expect). */
export async function eventually(fn, timeout = 10000, interval = 100) {
  const end = Date.now() + timeout;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > end) throw err;
      await new Promise((r) => setTimeout(r, interval));
    }
  }
}

/** The text of every cell of one column of the first table on the page. */
export async function columnTexts(page, label) {
  return page.evaluate((label) => {
    const table = document.querySelector('main table');
    if (!table) return [];
    const headers = [...table.querySelectorAll('thead th')].map((th) => th.textContent.trim());
    const i = headers.indexOf(label);
    if (i < 0) throw new Error(`no column '${label}' in [${headers.join(', ')}]`);
    return [...table.querySelectorAll('tbody tr')].map((tr) => tr.children[i].textContent.trim());
  }, label);
}

/** Save a screenshot to SHOTS (outside the repo) for a person to look at. */
export async function screenshot(page, name, fullPage = true) {
  mkdirSync(SHOTS, { recursive: true });
  const file = path.join(SHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage });
  return file;
}

/** One server and one browser for a test file: call in before(), stop in after(). */
export async function setup() {
  const ward = await startWard();
  let browser;
  try {
    browser = await launchBrowser();
  } catch (err) {
    await ward.stop();
    throw err;
  }
  return {
    ward,
    browser,
    async teardown() {
      await browser.close().catch(() => {});
      await ward.stop();
    },
  };
}

/** Run `ward ARGS` without --data (the agent's commands); returns stdout. */
export function wardCommand(args) {
  try {
    return execFileSync(WARD_BIN, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30000 });
  } catch (err) {
    throw new Error(`ward ${args.join(' ')} failed: ${err.stderr || err.message}`);
  }
}

/**
 * Enroll a machine whose inventory is a copy of tests/fixtures/<fixture> (the fixture
 * itself is never changed), in a temp dir inside the ward's dir:
 * `ward host enroll-token`, then `ward agent enroll --server URL --token T --state DIR`.
 * `edit(root)` may change the copy before anything runs. Returns {root, state, report()}:
 * report() runs `ward agent run --once --root ROOT --state DIR`; change files below
 * root and report again to give the host some history.
 */
export function addAgent(ward, fixture, { hostname = 'x', edit } = {}) {
  const base = mkdtempSync(path.join(ward.dir, `agent-${fixture.replace(/\//g, '-')}-`));
  const root = path.join(base, 'root');
  const state = path.join(base, 'state');
  cpSync(path.join(REPO, 'tests', 'fixtures', fixture), root, { recursive: true, verbatimSymlinks: true });
  if (edit) edit(root);
  const token = ward.cli(['host', 'enroll-token']).split('\n')[0].trim();
  assert.match(token, /^wardenroll_/, 'ward host enroll-token prints the token first');
  wardCommand(['agent', 'enroll', '--server', ward.url, '--token', token, '--state', state, '--hostname', hostname]);
  return {
    root,
    state,
    report: () => wardCommand(['agent', 'run', '--once', '--root', root, '--state', state]),
  };
}
