// Shared set-up for page tests: Debian's Chromium through playwright-core (no browser download),
// with every console error and every network request recorded so tests can assert none happened.
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const OUT = join(dirname(fileURLToPath(import.meta.url)), '..', 'out');
mkdirSync(OUT, { recursive: true });

export function singleFileUrl() {
  const path = process.env.TOKENSMITH_SINGLE_FILE;
  if (!path) throw new Error('TOKENSMITH_SINGLE_FILE is not set: run the tests with `cargo xtask test`');
  return pathToFileURL(path).href;
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
      '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
}

/** Opens `url` in a fresh context; returns the page and the lists of errors and requests seen. */
export async function openPage(browser, url, viewport = { width: 1280, height: 900 }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const errors = [];
  const requests = [];
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') errors.push(`${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('request', (r) => { if (r.url() !== url) requests.push(r.url()); });
  await page.goto(url);
  return { context, page, errors, requests };
}

/** oathtool's TOTP for a base32 secret at Unix time `t` (an independent implementation). */
export function oathtool(secretB32, t, { algorithm = 'SHA1', digits = 6, period = 30 } = {}) {
  return execFileSync('oathtool', [`--totp=${algorithm}`, '-b', `--digits=${digits}`,
    `--time-step-size=${period}s`, `--now=@${t}`, secretB32], { encoding: 'utf8' }).trim();
}

/**
 * Reads the shown secret and code together with the page's clock, away from a step boundary
 * (the display may lag a boundary by up to 250 ms).
 */
export async function readToken(page, period = 30) {
  for (;;) {
    const s = await page.evaluate(() => ({
      secret: document.querySelector('[data-testid=secret]').textContent,
      code: document.querySelector('[data-testid=code]').textContent,
      countdown: document.querySelector('[data-testid=countdown]').textContent,
      ms: Date.now(),
    }));
    const into = s.ms % (period * 1000);
    if (into > 1000 && into < period * 1000 - 500) {
      return { ...s, secret: s.secret.replace(/\s+/g, ''), t: Math.floor(s.ms / 1000) };
    }
    await page.waitForTimeout(600);
  }
}

// ---- Added for the toolset tests (issue 3) ----

/** Opens the page like `openPage`, with extra context options (e.g. permissions, acceptDownloads). */
export async function openPageWith(browser, url, { viewport = { width: 1280, height: 900 }, ...options } = {}) {
  const context = await browser.newContext({ viewport, acceptDownloads: true, ...options });
  const page = await context.newPage();
  const errors = [];
  const requests = [];
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') errors.push(`${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('request', (r) => { if (r.url() !== url) requests.push(r.url()); });
  await page.goto(url);
  await page.waitForFunction(() => /^\d+$/.test(document.querySelector('[data-testid=code]')?.textContent ?? ''));
  return { context, page, errors, requests };
}

/** Requests that went to the network (blob: downloads made in the page are not network). */
export function networkRequests(requests) {
  return requests.filter((u) => !u.startsWith('blob:'));
}

/**
 * Like `readToken`, for the toolset page whose secret is an <input>: reads its value (a masked
 * field's value is still readable by script), the code, next code and countdown together with the
 * page's clock, away from a step boundary.
 */
export async function readTokenField(page, period = 30) {
  for (;;) {
    const s = await page.evaluate(() => ({
      secret: document.querySelector('[data-testid=secret]').value,
      code: document.querySelector('[data-testid=code]').textContent,
      next: document.querySelector('[data-testid=next-code]')?.textContent,
      countdown: document.querySelector('[data-testid=countdown]').textContent,
      ms: Date.now(),
    }));
    const into = s.ms % (period * 1000);
    if (into > 1000 && into < period * 1000 - 1500) {
      return { ...s, secret: s.secret.replace(/\s+/g, ''), t: Math.floor(s.ms / 1000) };
    }
    await page.waitForTimeout(400);
  }
}

/** Waits until `period`-second steps leave at least `margin` ms before the next boundary. */
export async function awayFromBoundary(page, period = 30, margin = 4000) {
  for (;;) {
    const ms = await page.evaluate(() => Date.now());
    const into = ms % (period * 1000);
    if (into > 1000 && into < period * 1000 - margin) return Math.floor(ms / 1000);
    await page.waitForTimeout(500);
  }
}

/** Decodes every QR code in a PNG file with zbarimg; returns the decoded texts. */
export function zbarimg(pngPath) {
  const out = execFileSync('zbarimg', ['--quiet', '--raw', pngPath], { encoding: 'utf8' });
  return out.split('\n').filter(Boolean);
}

/** RFC 4648 base32 (no padding) of a hex string, for comparing with the page's base32. */
export function hexToBase32(hex) {
  const bytes = Buffer.from(hex, 'hex');
  const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0; let value = 0; let out = '';
  for (const b of bytes) {
    value = (value << 8) | b; bits += 8;
    while (bits >= 5) { out += abc[(value >>> (bits - 5)) & 31]; bits -= 5; }
  }
  if (bits > 0) out += abc[(value << (5 - bits)) & 31];
  return out;
}
