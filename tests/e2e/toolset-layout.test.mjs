// Phone viewport, labels and accessible names, keyboard-only use (skip link, focus ring, labelled
// groups, tab order), element contract, no network.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { launch, openPageWith, oathtool, readTokenField, singleFileUrl, networkRequests, OUT } from './harness.mjs';
import { openTool, openOptions, rowCount } from './job.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const CONTRACT = ['secret', 'generate', 'secret-hex', 'reveal', 'algorithm', 'digits', 'period', 'issuer',
  'account', 'qr', 'otpauth-uri', 'code', 'countdown', 'skew', 'skew-table', 'token-code', 'drift-result',
  'serial', 'manufacturer', 'model', 'upn', 'profile', 'add-row', 'inventory', 'format-entra-csv', 'save-export', 'copy-export',
  'import-csv', 'secret-encoding', 'seed-length', 'entropy'];

test('every element of the contract exists once; every control has a visible label and an accessible name', async () => {
  const { context, page, errors, requests } = await openPageWith(browser, singleFileUrl());
  for (const id of CONTRACT) assert.equal(await page.locator(`[data-testid="${id}"]`).count(), 1, id);
  await page.getByTestId('upn').fill('a@contoso.com');
  await page.getByTestId('serial').fill('1');
  await page.getByTestId('add-row').click();
  // Open every tool and option so that their controls are checked too.
  for (const t of ['import', 'token', 'drift']) await openTool(page, t);
  await openOptions(page);
  await page.getByTestId('target-details').click();
  await page.getByTestId('inventory-edit').click();
  const unnamed = await page.evaluate(() => [...document.querySelectorAll('input, select, button, textarea')]
    // Controls on screen (a mode's hidden block and a single-profile token's profile field are not).
    .filter((el) => el.offsetParent !== null)
    .filter((el) => {
      const labelled = el.labels?.length && [...el.labels].some((l) => l.textContent.trim() && l.offsetParent !== null);
      const aria = el.getAttribute('aria-label')?.trim();
      const text = el.tagName === 'BUTTON' && el.textContent.trim();
      return !(labelled || aria || text);
    }).map((el) => el.outerHTML.slice(0, 80)));
  assert.deepEqual(unnamed, [], 'controls without a label or accessible name');
  // Groups are labelled: every step by its heading, radio groups by a legend.
  const groups = await page.evaluate(() => ({
    steps: [...document.querySelectorAll('section.step')].map((s) => document.getElementById(s.getAttribute('aria-labelledby'))?.textContent.trim()),
    radios: [...document.querySelectorAll('input[type=radio]')].filter((r) => !r.closest('fieldset')?.querySelector('legend')?.textContent.trim()).length,
  }));
  assert.deepEqual(groups.steps.map((t) => t.replace(/^\d\s*Step \d: /, '').replace(/Now$/, '')),
    ['Token', 'User', 'Seed', 'Burn', 'Verify', 'Record & export']);
  assert.equal(groups.radios, 0, 'radio buttons outside a fieldset with a legend');
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
  await openTool(page, 'drift');
  await page.getByTestId('token-code').fill('000000');
  await page.screenshot({ path: join(OUT, 'toolset-desktop.png'), fullPage: true });
  await context.close();
});

test('keyboard alone: skip link, generate, reveal, record a token, verify it, next token', async () => {
  const { context, page } = await openPageWith(browser, singleFileUrl());
  const active = () => page.evaluate(() => document.activeElement?.dataset.testid || document.activeElement?.id);
  // The page moves the focus once the view has caught up (the next animation frame).
  const focusedOn = (id) => page.waitForFunction((i) => [document.activeElement?.dataset.testid, document.activeElement?.id].includes(i), id)
    .then(() => true, () => false);
  // How tokens are burned is remembered: the QR code for another device, from now on.
  await page.getByTestId('mode-qr').check();
  await page.reload();
  await page.waitForFunction(() => /^\d+$/.test(document.querySelector('[data-testid=code]')?.textContent ?? ''));
  assert.equal(await page.getByTestId('mode-qr').isChecked(), true);
  // The first Tab stop is the skip link; it lands on the current step (step 2: the user).
  await page.keyboard.press('Tab');
  assert.equal(await active(), 'skip-link');
  await page.keyboard.press('Enter');
  assert.ok(await focusedOn('step-user-h'), 'the skip link goes to the current step');
  const first = (await page.getByTestId('secret').inputValue());
  // Tab on to the Generate button and press Enter.
  let reached = false;
  for (let i = 0; i < 30 && !reached; i++) {
    await page.keyboard.press('Tab');
    reached = (await active()) === 'generate';
  }
  assert.ok(reached, 'Generate is reachable by Tab');
  await page.keyboard.press('Enter');
  assert.notEqual(await page.getByTestId('secret').inputValue(), first);
  // Shift+Tab back to Reveal; Space toggles it.
  for (let i = 0; i < 30; i++) {
    if ((await active()) === 'reveal') break;
    await page.keyboard.press('Shift+Tab');
  }
  await page.keyboard.press('Space');
  assert.equal(await page.getByTestId('reveal').getAttribute('aria-pressed'), 'true');
  // Step 2: type, Tab, type, then Enter moves on to the step's action (the QR code here).
  await page.getByTestId('serial').focus();
  await page.keyboard.type('000123');
  await page.keyboard.press('Tab');
  assert.equal(await active(), 'upn');
  await page.keyboard.type('kb@contoso.com');
  await page.keyboard.press('Enter');
  assert.ok(await focusedOn('show-qr'), `Enter went to ${await active()}`);
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=inventory] tbody tr').length === 1);
  assert.equal(await rowCount(page), 1);
  // Tab to "It shows this code", Enter; the focus moves to Next token; Enter: the next token.
  for (let i = 0; i < 30; i++) {
    if ((await active()) === 'verify-match') break;
    await page.keyboard.press('Tab');
  }
  await page.keyboard.press('Enter');
  assert.ok(await focusedOn('next-token'), `focus on ${await active()}`);
  await page.keyboard.press('Enter');
  assert.ok(await focusedOn('upn'), `focus on ${await active()}`);
  assert.equal(await page.getByTestId('serial').inputValue(), '000124');
  // Focus is visible, and its ring has at least 3:1 contrast against the page and the control.
  const ring = await page.evaluate(() => {
    const s = getComputedStyle(document.activeElement);
    return { style: s.outlineStyle, width: parseFloat(s.outlineWidth), color: s.outlineColor };
  });
  assert.notEqual(ring.style, 'none');
  assert.ok(ring.width >= 2, `outline ${ring.width}px`);
  const lum = (rgb) => {
    const [r, g, b] = rgb.match(/\d+/g).slice(0, 3).map(Number).map((v) => v / 255)
      .map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const contrast = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  for (const bg of ['rgb(255, 255, 255)', 'rgb(244, 245, 247)']) {
    assert.ok(contrast(ring.color, bg) >= 3, `focus ring ${ring.color} on ${bg}: ${contrast(ring.color, bg).toFixed(2)}:1`);
  }
  await context.close();
});
