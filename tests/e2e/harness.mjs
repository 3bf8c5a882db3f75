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
