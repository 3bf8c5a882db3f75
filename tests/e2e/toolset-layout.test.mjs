// Phone viewport, labels and accessible names, keyboard-only use, element contract, no network.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { launch, openPageWith, oathtool, readTokenField, singleFileUrl, networkRequests, OUT } from './harness.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const CONTRACT = ['secret', 'generate', 'secret-hex', 'reveal', 'algorithm', 'digits', 'period', 'issuer',
  'account', 'qr', 'otpauth-uri', 'code', 'countdown', 'skew', 'skew-table', 'token-code', 'drift-result',
  'serial', 'manufacturer', 'model', 'upn', 'profile', 'add-row', 'inventory', 'save-csv', 'save-json',
  'import-csv', 'secret-encoding', 'seed-length', 'entropy'];

test('every element of the contract exists once; every control has a visible label and an accessible name', async () => {
  const { context, page, errors, requests } = await openPageWith(browser, singleFileUrl());
  for (const id of CONTRACT) assert.equal(await page.locator(`[data-testid="${id}"]`).count(), 1, id);
  await page.getByTestId('upn').fill('a@contoso.com');
  await page.getByTestId('serial').fill('1');
  await page.getByTestId('add-row').click();
  const unnamed = await page.evaluate(() => [...document.querySelectorAll('input, select, button, textarea')]
    .filter((el) => {
      const labelled = el.labels?.length && [...el.labels].some((l) => l.textContent.trim() && l.offsetParent !== null);
      const aria = el.getAttribute('aria-label')?.trim();
      const text = el.tagName === 'BUTTON' && el.textContent.trim();
      return !(labelled || aria || text);
    }).map((el) => el.outerHTML.slice(0, 80)));
  assert.deepEqual(unnamed, [], 'controls without a label or accessible name');
  // No inline style attributes or inline handlers (the CSP blocks them).
  const inline = await page.evaluate(() => [...document.querySelectorAll('*')]
    .filter((el) => el.hasAttribute('style') || [...el.attributes].some((a) => a.name.startsWith('on')))
    .map((el) => el.outerHTML.slice(0, 80)));
  assert.deepEqual(inline, []);
  assert.deepEqual(errors, []);
  assert.deepEqual(networkRequests(requests), []);
  await context.close();
});

test('phone viewport 360×740: no horizontal scrolling, code visible, screenshot', async () => {
  const { context, page, errors, requests } = await openPageWith(browser, singleFileUrl(), { viewport: { width: 360, height: 740 } });
  await page.getByTestId('serial').fill('0001');
  for (const upn of ['helga@contoso.com', 'erik@contoso.com']) {
    await page.getByTestId('upn').fill(upn);
    await page.getByTestId('add-row').click();
  }
  const widths = await page.evaluate(() => [document.documentElement.scrollWidth, document.body.scrollWidth, window.innerWidth]);
  assert.ok(widths[0] <= 360 && widths[1] <= 360, `page is ${widths} px wide`);
  const s = await readTokenField(page);
  assert.equal(s.code, oathtool(s.secret, s.t));
  await page.screenshot({ path: join(OUT, 'toolset-phone.png'), fullPage: true });
  await page.screenshot({ path: join(OUT, 'toolset-phone-first-screen.png') });
  assert.deepEqual(errors, []);
  assert.deepEqual(networkRequests(requests), []);
  await context.close();
});

test('desktop screenshot of a session in progress', async () => {
  const { context, page } = await openPageWith(browser, singleFileUrl());
  await page.getByTestId('serial').fill('8659610000099');
  for (const upn of ['helga@contoso.com', 'erik@contoso.com']) {
    await page.getByTestId('upn').fill(upn);
    await page.getByTestId('add-row').click();
  }
  await page.getByTestId('upn').fill('helga@contoso.com');
  await page.getByTestId('serial').fill('=SUM(A1)');
  await page.getByTestId('add-row').click();
  await page.getByTestId('token-code').fill('000000');
  await page.screenshot({ path: join(OUT, 'toolset-desktop.png'), fullPage: true });
  await context.close();
});

test('keyboard alone: generate, reveal, fill the record and add it', async () => {
  const { context, page } = await openPageWith(browser, singleFileUrl());
  const first = (await page.getByTestId('secret').inputValue());
  // Tab from the start of the page to the Generate button and press Enter.
  await page.keyboard.press('Tab');
  let reached = false;
  for (let i = 0; i < 30 && !reached; i++) {
    reached = await page.evaluate(() => document.activeElement?.dataset.testid === 'generate');
    if (!reached) await page.keyboard.press('Tab');
  }
  assert.ok(reached, 'Generate is reachable by Tab');
  await page.keyboard.press('Enter');
  assert.notEqual(await page.getByTestId('secret').inputValue(), first);
  // Shift+Tab back to Reveal; Space toggles it.
  for (let i = 0; i < 30; i++) {
    if (await page.evaluate(() => document.activeElement?.dataset.testid === 'reveal')) break;
    await page.keyboard.press('Shift+Tab');
  }
  await page.keyboard.press('Space');
  assert.equal(await page.getByTestId('reveal').getAttribute('aria-pressed'), 'true');
  // The record form: type, Tab, type, then Enter submits the form.
  await page.getByTestId('upn').focus();
  await page.keyboard.type('kb@contoso.com');
  await page.keyboard.press('Tab');
  await page.keyboard.type('000123');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=inventory] tbody tr').length === 1);
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'upn');
  assert.equal(await page.getByTestId('serial').inputValue(), '000124');
  // Focus is visible (outline from :focus-visible).
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.notEqual(outline, 'none');
  await context.close();
});
