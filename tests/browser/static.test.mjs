// static.test.mjs — rules about web/ that need no browser: server data is never
// parsed as HTML, and nothing inline could trip the CSP.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO } from './harness.mjs';

const WEB = path.join(REPO, 'web');

function files(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(path.join(dir, e.name)) : [path.join(dir, e.name)]);
}

test('no script in web/ builds HTML from strings', () => {
  const banned = /\b(innerHTML|outerHTML|insertAdjacentHTML|document\.write|createContextualFragment|eval)\b|new Function\b/;
  const offenders = [];
  for (const file of files(WEB).filter((f) => f.endsWith('.js'))) {
    readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
      if (/^\s*(\/\/|\/?\*)/.test(line)) return; // comments may name what they avoid
      if (banned.test(line)) offenders.push(`${path.relative(REPO, file)}:${i + 1}: ${line.trim()}`);
    });
  }
  assert.deepEqual(offenders, []);
});

test('the HTML has no inline script, style or handlers, and loads app.js as a module', () => {
  for (const file of files(WEB).filter((f) => f.endsWith('.html'))) {
    const html = readFileSync(file, 'utf8');
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/i, `${file}: inline <script>`);
    assert.doesNotMatch(html, /<style\b/i, `${file}: <style> block`);
    assert.doesNotMatch(html, /\sstyle\s*=/i, `${file}: style attribute`);
    assert.doesNotMatch(html, /\son[a-z]+\s*=/i, `${file}: inline event handler`);
    assert.doesNotMatch(html, /(src|href)\s*=\s*"(https?:)?\/\//i, `${file}: another origin`);
  }
  assert.match(readFileSync(path.join(WEB, 'index.html'), 'utf8'), /<script type="module" src="\/app\.js"><\/script>/);
});

test('only file types the server knows are in web/', () => {
  const known = new Set(['.html', '.js', '.css', '.svg', '.png', '.ico', '.json']);
  const unknown = files(WEB).filter((f) => !known.has(path.extname(f)));
  assert.deepEqual(unknown, []);
});
