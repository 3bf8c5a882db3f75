// The shipped single file, opened from disk: it must compute the same code as oathtool,
// with no console errors and no network request at all.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { launch, openPage, oathtool, readTokenField, singleFileUrl, OUT } from './harness.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('the single file carries a strict CSP and loads nothing from elsewhere', () => {
  const html = readFileSync(process.env.TOKENSMITH_SINGLE_FILE, 'utf8');
  const csp = html.match(/http-equiv="Content-Security-Policy" content="([^"]+)"/)?.[1];
  assert.ok(csp, 'no CSP meta tag');
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /connect-src http:\/\/127\.0\.0\.1:\* http:\/\/localhost:\*;/);
  assert.doesNotMatch(csp, /'unsafe-inline'|'unsafe-eval'|https?:\/\/(?!127\.0\.0\.1|localhost)/);
  assert.doesNotMatch(html, /<script[^>]+src=|<link[^>]+href=/, 'external script or link');
});

test('the hosted page may connect to the loopback bridge only, not to its own server', () => {
  const html = readFileSync(join(process.env.TOKENSMITH_DIST, 'index.html'), 'utf8');
  const csp = html.match(/http-equiv="Content-Security-Policy" content="([^"]+)"/)?.[1];
  assert.ok(csp, 'no CSP meta tag');
  const connect = csp.match(/connect-src ([^;]+);/)?.[1];
  // No 'self' (on an intranet server that is the server, not the bridge). No http://[::1]:*
  // either: Chromium rejects IPv6 literals in CSP sources with a console error and ignores them
  // (the console checks of the page tests would fail); the page calls the bridge as 127.0.0.1.
  assert.equal(connect, 'http://127.0.0.1:* http://localhost:*');
  // The server gets the same policy from the build as data (dist/csp.json), not from the HTML.
  const manifest = JSON.parse(readFileSync(join(process.env.TOKENSMITH_DIST, 'csp.json'), 'utf8'));
  assert.equal(manifest['index.html'], csp);
  assert.ok(manifest['tokensmith.html'].includes('connect-src http://127.0.0.1:*'));
});

test('opened via file://, the page shows a fresh seed and the code oathtool computes', async () => {
  const url = singleFileUrl();
  assert.ok(url.startsWith('file://'));
  const { context, page, errors, requests } = await openPage(browser, url);
  await page.waitForFunction(() => /^\d{6}$/.test(document.querySelector('[data-testid=code]')?.textContent ?? ''));

  const first = await readTokenField(page);
  assert.match(first.secret, /^[A-Z2-7]{32}$/, '160-bit seed in unpadded base32');
  assert.equal(first.code, oathtool(first.secret, first.t));
  const left = Number(first.countdown);
  assert.ok(left >= 1 && left <= 30, `countdown ${left}`);
  assert.ok(Math.abs(left - (30 - (first.t % 30))) <= 1, `countdown ${left} at t=${first.t}`);
  await page.screenshot({ path: join(OUT, 'single-file-desktop.png'), fullPage: true });

  await page.getByTestId('generate').click();
  const second = await readTokenField(page);
  assert.notEqual(second.secret, first.secret, 'Generate gives a new seed');
  assert.equal(second.code, oathtool(second.secret, second.t));

  assert.deepEqual(errors, [], 'console errors or warnings');
  assert.deepEqual(requests, [], 'network requests');
  await context.close();
});
