// The first-paint shell (shell/): a small module that shows the header's "Code now" chip before
// the app is compiled, then hands its seed to the app, whose first render replaces the shell's
// view with the same header and chip.
// Invariant: the shell and the app show one seed — the code the shell showed is oathtool's for
// the seed the app then holds, and the app's chip goes on showing it; nothing is shown twice; a
// kept job comes back from the first paint.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { launch, oathtool, readTokenField, serveStatic, singleFileUrl, OUT } from './harness.mjs';
import { openTool, openOptions, rowCount, secretOf } from './job.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/**
 * Records, from the first mutation on, what the shell's chip showed (code, label, when) and
 * whether any mutation batch left two chips (the shell's and the app's) in the page together.
 */
async function watchHandover(context) {
  await context.addInitScript(() => {
    const seen = { both: false, shell: null };
    window.__handover = seen;
    const look = () => {
      const view = document.getElementById('tokensmith-shell');
      const code = view?.querySelector('[data-testid=code-now-code]')?.textContent ?? '';
      if (view && !seen.shell && /^\d+$/.test(code)) {
        seen.shell = {
          code,
          label: view.querySelector('[data-testid=code-now-label]').textContent,
          ms: Date.now(),
        };
      }
      if (document.querySelectorAll('[data-testid=code-now]').length > 1) seen.both = true;
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

/** The app has mounted: its step 1 is in the page (the shell draws no steps). */
const appReady = (page) => page.waitForFunction(() => document.getElementById('step-token'));

/** What the shell showed; fails when the app came first (the shell must win on a load). */
async function shellShown(page) {
  await page.waitForFunction(() => window.__handover.shell, null, { timeout: 10000 });
  return page.evaluate(() => window.__handover.shell);
}

/**
 * The shell's code is oathtool's for `seed` (the one the app holds after it) at the second it
 * was on screen (or the one before: it refreshes every 250 ms).
 */
function assertShellCode(shell, seed, opts) {
  const t = Math.floor(shell.ms / 1000);
  const ok = [oathtool(seed, t, opts), oathtool(seed, t - 1, opts)];
  assert.ok(ok.includes(shell.code), `shell code ${shell.code} at ${t}: oathtool says ${ok.join(' / ')} for the app's seed`);
  assert.match(shell.label, /^Code now · \u2007?\d+ s left$/);
}

/** The app's chip: the code of its seed now (oathtool), read within one second. */
async function assertAppChip(page, seed, opts) {
  for (let i = 0; i < 3; i++) {
    const before = Math.floor(Date.now() / 1000);
    const code = await page.getByTestId('code-now-code').textContent();
    const after = Math.floor(Date.now() / 1000);
    const ok = [oathtool(seed, before, opts), oathtool(seed, before - 1, opts)];
    if (before === after) {
      assert.ok(ok.includes(code), `app chip ${code}: oathtool says ${ok.join(' / ')}`);
      return;
    }
  }
  assert.fail('could not read the chip within one second');
}

/** After the handover: one header and chip (the app's), the shell's view gone, never two at once. */
async function assertOneView(page) {
  assert.equal(await page.locator('#tokensmith-shell').count(), 0, 'the shell view is gone');
  assert.equal(await page.locator('[data-testid=code-now]').count(), 1, 'one chip');
  assert.equal(await page.locator('header h1').count(), 1, 'one header');
  assert.equal(await page.evaluate(() => window.__handover.both), false, 'shell and app chips in the page together');
  assert.equal(await page.evaluate(() => '__tokensmithFirstSeed' in window && window.__tokensmithFirstSeed), false,
    'the handed-over seed is not left in a JavaScript global');
}

test('file://: the shell shows the code of the seed the app then holds (oathtool), and goes', async () => {
  const { context, page, errors } = await open(singleFileUrl());
  const shell = await shellShown(page);
  await appReady(page);
  const seed = await secretOf(page);
  assert.match(seed, /^[A-Z2-7]{32}$/, '160-bit fresh seed');
  assertShellCode(shell, seed);
  await assertAppChip(page, seed);
  await assertOneView(page);
  // The chip follows step 3's seed: a typed one, then text that is none.
  await page.getByTestId('secret').fill('JBSWY3DPEHPK3PXP');
  await assertAppChip(page, 'JBSWY3DPEHPK3PXP');
  await page.getByTestId('secret').fill('not a seed!');
  await page.waitForFunction(() => document.querySelector('[data-testid=code-now-code]').textContent === 'no valid seed');
  assert.equal(await page.getByTestId('code-now-label').textContent(), 'Code now');
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
  // The kept seed with its 60 s period, not a new one.
  assertShellCode(shell, kept, { period: 60 });
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=inventory] tbody tr').length === 1);
  assert.equal(await rowCount(page), 1);
  assert.equal(await secretOf(page), kept, 'the app is on the same seed');
  await openTool(page, 'token');
  const app = await readTokenField(page, 60);
  assert.equal(app.code, oathtool(kept, app.t, { period: 60 }));
  await assertAppChip(page, kept, { period: 60 });
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
      // The shell stage: the header and its chip; nothing of the app yet.
      assert.equal(await page.locator('#step-token').count(), 0);
      assert.ok(await page.getByTestId('code-now-code').isVisible());
      const chipBox = await page.getByTestId('code-now').boundingBox();
      const overflow = () => page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);
      assert.equal(await overflow(), false, `${name}: no horizontal scrolling at the shell stage`);
      await page.screenshot({ path: join(OUT, `shell-${name}-1-shell.png`) });
      release();
      await appReady(page);
      const seed = await secretOf(page);
      assertShellCode(shell, seed);
      await assertAppChip(page, seed);
      // The app's chip stands where the shell's stood: the code does not move at the handover.
      assert.deepEqual(await page.getByTestId('code-now').boundingBox(), chipBox, `${name}: the chip did not move`);
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
