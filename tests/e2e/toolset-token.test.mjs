// Seed, parameters, presets, virtual token and skew table, checked against oathtool.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  launch, openPageWith, oathtool, readTokenField, singleFileUrl, networkRequests, hexToBase32,
} from './harness.mjs';
import { openOptions, openTool, rowCount } from './job.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const ALG = { SHA1: 'SHA1', SHA256: 'SHA256', SHA512: 'SHA512' };

test('the code equals oathtool for SHA-1/256/512, 8 digits and 60 s', async () => {
  const { context, page, errors, requests } = await openPageWith(browser, singleFileUrl());
  await page.getByTestId('preset').selectOption('generic');
  await openOptions(page);
  await page.getByTestId('digits').selectOption('8');
  await page.getByTestId('period').selectOption('60');
  for (const algorithm of Object.values(ALG)) {
    await page.getByTestId('algorithm').selectOption(algorithm);
    await page.waitForFunction(() => /^\d{8}$/.test(document.querySelector('[data-testid=code]').textContent));
    const s = await readTokenField(page, 60);
    const opts = { algorithm, digits: 8, period: 60 };
    assert.equal(s.code, oathtool(s.secret, s.t, opts), `${algorithm} current code`);
    assert.equal(s.next, oathtool(s.secret, s.t + 60, opts), `${algorithm} next code`);
    const left = Number(s.countdown);
    assert.ok(Math.abs(left - (60 - (s.t % 60))) <= 1, `countdown ${left} at ${s.t}`);
  }
  assert.equal(await page.getByTestId('token-params').textContent(), 'SHA-512 · 8 digits · 60 s');
  assert.deepEqual(errors, []);
  assert.deepEqual(networkRequests(requests), []);
  await context.close();
});

test('the skew table shows ±N steps with offsets in seconds, matching oathtool', async () => {
  const { context, page } = await openPageWith(browser, singleFileUrl());
  await openTool(page, 'token');
  let rows = await page.locator('[data-testid=skew-table] tbody tr').count();
  assert.equal(rows, 9, 'default ±4 steps');
  await page.getByTestId('skew').fill('6');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=skew-table] tbody tr').length === 13);
  const s = await readTokenField(page);
  const table = await page.$$eval('[data-testid=skew-table] tbody tr', (trs) => trs.map((tr) => ({
    offset: Number(tr.dataset.offset), cells: [...tr.cells].map((c) => c.textContent),
  })));
  for (const { offset, cells } of table) {
    assert.equal(cells[2], oathtool(s.secret, s.t + offset * 30), `step ${offset}`);
    const secs = offset * 30;
    assert.equal(cells[1], secs === 0 ? '0 s' : secs < 0 ? `\u2212${-secs} s` : `+${secs} s`);
  }
  assert.equal(table.find((r) => r.offset === 0).cells[2], s.code);
  await context.close();
});

test('the code changes exactly on the step boundary', async () => {
  const { context, page } = await openPageWith(browser, singleFileUrl());
  const s = await readTokenField(page);
  const boundary = (Math.floor(s.t / 30) + 1) * 30 * 1000;
  // Wait until 300 ms after the boundary: the display must have turned over by then.
  await page.waitForTimeout(Math.max(0, boundary + 300 - (await page.evaluate(() => Date.now()))));
  const after = await page.evaluate(() => document.querySelector('[data-testid=code]').textContent);
  assert.equal(after, oathtool(s.secret, boundary / 1000));
  assert.equal(after, s.next, 'the "next" code became current');
  await context.close();
});

test('presets limit the choices to what the hardware supports and say why', async () => {
  const { context, page } = await openPageWith(browser, singleFileUrl());
  const disabled = (id) => page.$$eval(`[data-testid=${id}] option`, (os) => os.filter((o) => o.disabled).map((o) => o.value));
  await page.getByTestId('preset').selectOption('c301');
  assert.deepEqual(await disabled('algorithm'), ['SHA512']);
  assert.deepEqual(await disabled('digits'), ['4', '5', '7', '8', '9', '10']);
  assert.deepEqual(await disabled('period'), ['custom']);
  assert.match(await page.getByTestId('preset-why').textContent(), /no SHA-512/);
  assert.equal(await page.getByTestId('manufacturer').inputValue(), 'Token2');
  assert.equal(await page.getByTestId('model').inputValue(), 'C301-i');
  assert.ok(await page.getByTestId('profile').isDisabled(), 'no profile slot on a single-profile token');

  await page.getByTestId('preset').selectOption('molto2');
  assert.deepEqual(await disabled('digits'), ['5', '7', '9']);
  assert.equal(await page.getByTestId('model').inputValue(), 'Molto2');
  assert.equal(await page.getByTestId('profile').inputValue(), '0');

  // SHA-512 and 8 digits on the generic preset; switching to a Token2 card brings them back in range.
  await page.getByTestId('preset').selectOption('generic');
  await openOptions(page);
  await page.getByTestId('algorithm').selectOption('SHA512');
  await page.getByTestId('digits').selectOption('8');
  assert.match(await page.getByTestId('entra-notes').textContent(), /SHA-512.*6-digit/s);
  await page.getByTestId('period').selectOption('custom');
  await page.getByTestId('period-custom').fill('45');
  await page.waitForFunction(() => / 45 s$/.test(document.querySelector('[data-testid=token-params]').textContent));
  const s = await readTokenField(page, 45);
  assert.equal(s.code, oathtool(s.secret, s.t, { algorithm: 'SHA512', digits: 8, period: 45 }));
  await page.getByTestId('preset').selectOption('otpc-p1');
  assert.equal(await page.getByTestId('algorithm').inputValue(), 'SHA1');
  assert.equal(await page.getByTestId('digits').inputValue(), '6');
  assert.equal(await page.getByTestId('period').inputValue(), '30');
  assert.equal(await page.getByTestId('token-params').textContent(), 'SHA-1 · 6 digits · 30 s');
  await context.close();
});

test('seed: masked by default, reveal toggle, lengths, hex view, entropy, copy', async () => {
  const { context, page, errors } = await openPageWith(browser, singleFileUrl(),
    { permissions: ['clipboard-read', 'clipboard-write'] });
  const secret = page.getByTestId('secret');
  assert.equal(await secret.getAttribute('type'), 'password');
  assert.equal(await secret.getAttribute('autocomplete'), 'off');
  assert.equal(await secret.getAttribute('spellcheck'), 'false');
  assert.match(await page.getByTestId('secret-hex').textContent(), /^•+$/);
  assert.doesNotMatch(await page.getByTestId('otpauth-uri').textContent(), /otpauth:/);
  assert.equal(await page.getByTestId('reveal').getAttribute('aria-pressed'), 'false');

  await page.getByTestId('reveal').click();
  assert.equal(await page.getByTestId('reveal').getAttribute('aria-pressed'), 'true');
  assert.equal(await secret.getAttribute('type'), 'text');
  const b32 = (await secret.inputValue()).replace(/\s+/g, '');
  const hex = await page.getByTestId('secret-hex').textContent();
  assert.match(hex, /^[0-9a-f]{40}$/);
  assert.equal(hexToBase32(hex), b32);
  // The URI (and the QR code) appear only once the token is recorded for another device: see
  // the QR tests, which compare the revealed URI with the decoded QR code.
  assert.equal(await page.getByTestId('otpauth-uri').textContent(), '');

  await openOptions(page);
  for (const [bits, chars] of [['80', 16], ['128', 26], ['256', 52], ['512', 103], ['160', 32]]) {
    await page.getByTestId('seed-length').selectOption(String(Number(bits) / 8));
    await page.getByTestId('generate').click();
    const v = (await secret.inputValue()).replace(/\s+/g, '');
    assert.equal(v.length, chars, `${bits}-bit seed`);
    assert.equal((await page.getByTestId('secret-hex').textContent()).length, Number(bits) / 4);
    // Under 128 bits, a warning before anything is burned.
    assert.equal(await page.getByTestId('seed-short').count(), bits === '80' ? 1 : 0, `${bits}-bit warning`);
  }
  await page.getByTestId('entropy').fill('dice 3 6 1 4 4 2 5');
  const before = await secret.inputValue();
  await page.getByTestId('generate').click();
  assert.notEqual(await secret.inputValue(), before);
  assert.equal(await page.getByTestId('entropy').inputValue(), '', 'entropy used once, then cleared');

  // Copying is the hand-off to the burner app: it needs the serial and user, and records the
  // token first.
  await page.getByTestId('mode-app').check();
  assert.equal(await page.getByTestId('copy-secret').isDisabled(), true, 'no copy before serial and user');
  await page.getByTestId('serial').fill('60100001');
  await page.getByTestId('upn').fill('copy@contoso.com');
  await page.getByTestId('copy-secret').click();
  await page.waitForFunction(() => /copied/.test(document.querySelector('[data-testid=copy-status]').textContent));
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), (await secret.inputValue()).replace(/\s+/g, ''));
  assert.equal(await rowCount(page), 1, 'recorded before the seed left the page');
  await page.getByTestId('copy-hex').click();
  await page.waitForFunction(() => /Seed \(hex\) copied/.test(document.querySelector('[data-testid=copy-status]').textContent));
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), await page.getByTestId('secret-hex').textContent());
  assert.equal(await rowCount(page), 1, 'copying again records nothing twice');
  assert.equal(await secret.getAttribute('readonly'), '', 'the recorded seed is read-only');
  await page.getByTestId('reveal').click();
  assert.equal(await secret.getAttribute('type'), 'password');
  assert.deepEqual(errors, []);
  await context.close();
});

test('seed: pasted hex and base32 are detected, ambiguity offers a switch, errors keep the old secret', async () => {
  const { context, page } = await openPageWith(browser, singleFileUrl());
  const secret = page.getByTestId('secret');
  // Hex (has 0/1/8/9): detected as hex, codes use it.
  const hex = '3132333435363738393031323334353637383930';
  await secret.fill(`0x${hex}`);
  assert.match(await page.locator('#secret-info').textContent(), /Read as hex \(detected\)/);
  let s = await readTokenField(page);
  assert.equal(s.code, oathtool(hexToBase32(hex), s.t));

  // Ambiguous: valid base32 and valid hex ("ABCDEFAB…" has only A–F letters).
  await secret.fill('abcdefabcdefabcdefabcdefabcdefab');
  assert.match(await page.locator('#secret-info').textContent(), /Read as base32/);
  await openOptions(page);
  await page.getByTestId('switch-encoding').click();
  assert.equal(await page.getByTestId('secret-encoding').inputValue(), 'hex');
  s = await readTokenField(page);
  assert.equal(s.code, oathtool(hexToBase32('abcdefabcdefabcdefabcdefabcdefab'), s.t));

  // Malformed: the message says what and where, the typed text stays, and no secret is in use
  // any more (no stale code, QR code or copy of the previous one).
  await page.getByTestId('secret-encoding').selectOption('auto');
  await page.getByTestId('generate').click();
  const good = await readTokenField(page);
  assert.equal(good.code, oathtool(good.secret, good.t));
  const typed = 'JBSWY3DPEHPK3PX!JBSWY3DPEHPK3PXP';
  await secret.fill(typed);
  const err = await page.getByTestId('secret-error').textContent();
  assert.match(err, /'!' at position 16/);
  assert.match(err, /Nothing uses this text until it is fixed: no code, QR code, copy or burn/);
  assert.equal(await secret.inputValue(), typed, 'the typed text is kept');
  assert.equal(await secret.getAttribute('aria-invalid'), 'true');
  assert.match(await secret.getAttribute('aria-describedby'), /secret-error/);
  assert.equal(await page.getByTestId('code').textContent(), '', 'no code of the previous secret');
  // Fixing the text clears the error.
  await secret.fill('JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP');
  assert.equal(await page.getByTestId('secret-error').textContent(), '');
  await context.close();
});
