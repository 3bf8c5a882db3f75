// The first-paint shell (shell/): a small module that shows the current code before the app is
// compiled, then hands its seed to the app, whose first render replaces the shell's view.
// Invariant: the shell and the app show one seed — the code the shell showed is oathtool's for
// the seed the app then holds; nothing is shown twice; a kept job comes back from the first paint.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { launch, oathtool, readTokenField, serveStatic, singleFileUrl, OUT } from './harness.mjs';
import { openTool, openOptions, rowCount, secretOf } from './job.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/**
 * Records, from the first mutation on, what the shell showed (code, seed, settings, when) and
 * whether any mutation batch left the shell's view and the app's code view in the page together.
 */
async function watchHandover(context) {
  await context.addInitScript(() => {
    const seen = { both: false, shell: null };
    window.__handover = seen;
    const look = () => {
      const view = document.getElementById('tokensmith-shell');
      const code = view?.querySelector('[data-testid=shell-code]')?.textContent ?? '';
      if (view && !seen.shell && /^\d+$/.test(code)) {
        seen.shell = {
          code,
          seed: view.querySelector('#shell-seed').value.replace(/\s+/g, ''),
          params: view.querySelector('.muted').textContent,
          ms: Date.now(),
        };
      }
      if (view && document.querySelector('[data-testid=code]')) seen.both = true;
    };
    new MutationObserver(look).observe(document, { subtree: true, childList: true, characterData: true });
  });
}

async function open(url) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, permissions: ['clipboard-read', 'clipboard-write'] });
  await watchHandover(context);
  const page = await context.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') errors.push(`${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  await page.goto(url);
  return { context, page, errors };
}

const appReady = (page) => page.waitForFunction(
  () => /^\d+$/.test(document.querySelector('[data-testid=code]')?.textContent ?? ''));

/** What the shell showed; fails when the app came first (the shell must win on a load). */
async function shellShown(page) {
  await page.waitForFunction(() => window.__handover.shell, null, { timeout: 10000 });
  return page.evaluate(() => window.__handover.shell);
}

/** The shell's code is oathtool's for its seed at the second it was on screen (or the one before: it refreshes every 250 ms). */
function assertShellCode(shell, opts) {
  const t = Math.floor(shell.ms / 1000);
  const ok = [oathtool(shell.seed, t, opts), oathtool(shell.seed, t - 1, opts)];
  assert.ok(ok.includes(shell.code), `shell code ${shell.code} for its seed at ${t}: oathtool says ${ok.join(' / ')}`);
}

/** After the handover: one code view (the app's), the shell's view gone, never both at once. */
async function assertOneView(page) {
  assert.equal(await page.locator('#tokensmith-shell').count(), 0, 'the shell view is gone');
  assert.equal(await page.locator('[data-testid=shell-code]').count(), 0);
  assert.equal(await page.locator('[data-testid=code]').count(), 1);
  assert.equal(await page.locator('header h1').count(), 1, 'one header');
  assert.equal(await page.evaluate(() => window.__handover.both), false, 'shell and app views in the page together');
  assert.equal(await page.evaluate(() => '__tokensmithFirstSeed' in window && window.__tokensmithFirstSeed), false,
    'the handed-over seed is not left in a JavaScript global');
}

test('file://: the shell shows the code of the seed the app then holds (oathtool), and goes', async () => {
  const { context, page, errors } = await open(singleFileUrl());
  const shell = await shellShown(page);
  assert.match(shell.seed, /^[A-Z2-7]{32}$/, '160-bit fresh seed');
  assert.equal(shell.params, 'SHA-1 · 6 digits · 30 s');
  assertShellCode(shell);
  await appReady(page);
  const app = await readTokenField(page);
  assert.equal(app.secret, shell.seed, 'the app took over the shell\'s seed');
  assert.equal(app.code, oathtool(app.secret, app.t));
  await assertOneView(page);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a reload shows the kept job\'s seed and settings from the first paint', async () => {
  const url = singleFileUrl();
  const { context, page, errors } = await open(url);
  await appReady(page);
  // A hand-off to the burner app with a 60 s period, kept in this browser by choice.
  await page.getByTestId('mode-app').check();
  await openOptions(page);
  await page.getByTestId('period').selectOption('60');
  await page.getByTestId('serial').fill('60300099');
  await page.getByTestId('upn').fill('kept@contoso.com');
  await page.getByTestId('copy-secret').click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=inventory] tbody tr').length === 1);
  await page.getByTestId('keep-seeds').check();
  const kept = await secretOf(page);
  page.on('dialog', (d) => d.accept());
  await page.reload();
  const shell = await shellShown(page);
  assert.equal(shell.seed, kept, 'the shell shows the kept seed, not a new one');
  assert.equal(shell.params, 'SHA-1 · 6 digits · 60 s');
  assertShellCode(shell, { period: 60 });
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=inventory] tbody tr').length === 1);
  assert.equal(await rowCount(page), 1);
  assert.equal(await secretOf(page), kept, 'the app is on the same seed');
  await openTool(page, 'token');
  const app = await readTokenField(page, 60);
  assert.equal(app.code, oathtool(kept, app.t, { period: 60 }));
  await assertOneView(page);
  assert.deepEqual(errors, []);
  await context.close();
});

test('hosted over http: the shell stage and the app after it, desktop 1366×768 and phone 390×844', async () => {
  const server = await serveStatic({ '/': process.env.TOKENSMITH_DIST });
  try {
    const ua = 'Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36';
    for (const [name, viewport, extra] of [['desktop', { width: 1366, height: 768 }, {}],
      ['phone', { width: 390, height: 844 }, { userAgent: ua, isMobile: true, hasTouch: true }]]) {
      const context = await browser.newContext({ viewport, ...extra });
      await watchHandover(context);
      const page = await context.newPage();
      const errors = [];
      page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') errors.push(`${m.type()}: ${m.text()}`); });
      page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
      let release;
      const held = new Promise((r) => { release = r; });
      await page.route(/tokensmith-app-[0-9a-f]+_bg\.wasm$/, async (route) => { await held; await route.continue(); });
      await page.goto(server.url('/', 'index.html'));
      const shell = await shellShown(page);
      assertShellCode(shell);
      // The shell stage: header, the code, the masked seed; nothing of the app yet.
      assert.equal(await page.locator('[data-testid=code]').count(), 0);
      assert.ok(await page.getByTestId('shell-code').isVisible());
      const overflow = () => page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);
      assert.equal(await overflow(), false, `${name}: no horizontal scrolling at the shell stage`);
      await page.screenshot({ path: join(OUT, `shell-${name}-1-shell.png`) });
      release();
      await appReady(page);
      assert.equal(await secretOf(page), shell.seed, `${name}: the app took over the shell's seed`);
      await assertOneView(page);
      assert.equal(await overflow(), false, `${name}: no horizontal scrolling`);
      await page.screenshot({ path: join(OUT, `shell-${name}-2-app.png`) });
      assert.deepEqual(errors, []);
      await context.close();
    }
  } finally {
    await server.close();
  }
});
