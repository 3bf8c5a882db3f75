// The hardware bridge panel against `hardware-bridge --simulate serve` (emulated Token2 C302-i,
// Molto2v2 and OATH key): detection, readers, burns that fill the token record, the bridge's
// validation errors, pairing, the single file via file:// with --allow-null-origin, and that the
// file:// page makes no request until the user asks. Screenshots of a burn in progress and after,
// desktop and phone, land in tests/out/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  launch, openPageWith, oathtool, singleFileUrl, startBridge, bridgeApi, freePort, networkRequests, OUT,
} from './harness.mjs';

let browser;
let bridge;
before(async () => {
  browser = await launch();
  bridge = await startBridge();
});
after(async () => {
  await bridge?.stop();
  await browser?.close();
});

const readers = (page) => page.getByTestId('bridge-readers').locator('li');

async function openThroughBridge(b = bridge, viewport = { width: 1280, height: 900 }) {
  const o = await openPageWith(browser, b.url, { viewport });
  await o.page.waitForFunction(() => document.querySelectorAll('[data-testid=bridge-readers] li').length === 3);
  return o;
}

async function selectReader(page, kind) {
  await page.getByTestId('bridge-readers').locator(`li[data-kind=${kind}] input`).check();
}

async function secretOf(page) {
  return (await page.getByTestId('secret').inputValue()).replace(/\s+/g, '');
}

/** Clicks Burn and waits for the result (or the error). */
async function burn(page) {
  await page.getByTestId('bridge-burn').click();
  await page.waitForFunction(() => {
    const r = document.querySelector('[data-testid=bridge-result]');
    return r && r.querySelector('.burn-ok, .burn-failed');
  });
}

test('served by the bridge: pairing taken from the fragment and removed, readers with their devices', async () => {
  const { context, page, errors, requests } = await openThroughBridge();
  assert.doesNotMatch(page.url(), /pair=/, 'the pairing secret left the address bar');
  assert.equal(await page.evaluate(() => location.hash), '');
  assert.match(await page.getByTestId('bridge-status').textContent(), /Connected to the hardware bridge .*SIMULATION/);
  const texts = await readers(page).allTextContents();
  assert.match(texts[0], /Simulated reader 0 \(Token2 C302-i\).*C302-i.*serial 8659632000001.*clock \d+ s behind/);
  assert.match(texts[1], /Molto2.*Molto2v2.*serial MOLTO2SIM0001.*100 profiles.*clock \d+ s ahead/);
  // The OATH key's serial is the device's (the YubiKey's management applet), not the OATH salt.
  assert.match(texts[2], /OATH key.*YubiKey 5.*serial 12345678.*no clock/);
  // The first reader with a device is chosen.
  assert.equal(await readers(page).nth(0).locator('input').isChecked(), true);
  assert.match(await page.getByTestId('bridge-burn').textContent(), /Burn to C302-i/);
  assert.ok(networkRequests(requests).every((u) => u.startsWith(bridge.origin)), requests.join('\n'));
  assert.deepEqual(errors, []);
  // The log names paths and statuses only: never the pairing secret.
  assert.ok(!bridge.log.join('\n').includes(bridge.pair));
  await context.close();
});

test('burn to the simulated Token2: serial and model fill the record, the expected code is oathtool\'s', async () => {
  const { context, page, errors } = await openThroughBridge();
  await selectReader(page, 'token2');
  const secret = await secretOf(page);
  // Hold the burn request a moment so the in-progress state can be seen and photographed.
  await page.route('**/api/burn', async (route) => { await new Promise((r) => setTimeout(r, 1200)); await route.continue(); });
  await page.getByTestId('bridge-burn').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=bridge-burn]').disabled);
  assert.match(await page.getByTestId('bridge-burn').textContent(), /^Burning… .*config.*seed/);
  await page.getByTestId('bridge-burn').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(OUT, 'bridge-burning-desktop.png') });
  await page.waitForSelector('[data-testid=bridge-expected]');
  await page.unroute('**/api/burn');

  const result = await page.getByTestId('bridge-result').textContent();
  assert.match(result, /Burned Token2 C302-i, serial 8659632000001/);
  const code = await page.getByTestId('bridge-expected').getAttribute('data-code');
  const at = Number(await page.locator('[data-testid=bridge-result] .burn-ok').getAttribute('data-burned-at'));
  assert.equal(code, oathtool(secret, at), 'expected code = oathtool at the burn time');
  assert.match(await page.getByTestId('bridge-expected').textContent(), /^\d{3} \d{3}$/);
  assert.equal(await page.getByTestId('serial').inputValue(), '8659632000001');
  assert.equal(await page.getByTestId('manufacturer').inputValue(), 'Token2');
  assert.equal(await page.getByTestId('model').inputValue(), 'C302-i');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'upn', 'focus moved to the UPN field');
  assert.equal(await page.getByTestId('bridge-burn').isDisabled(), false);
  await page.locator('[data-testid=bridge-result]').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(OUT, 'bridge-burned-desktop.png') });
  // Adding the record uses the burned serial.
  await page.getByTestId('upn').fill('alice@contoso.com');
  await page.getByTestId('add-row').click();
  await page.waitForSelector('[data-testid=inventory] tbody tr');
  assert.equal(await page.locator('[data-testid=inventory] tbody tr input[data-field=serial]').inputValue(), '8659632000001');
  assert.deepEqual(errors, []);
  await context.close();
});

test('burn to the OATH key: verified by the key\'s own code', async () => {
  const { context, page, errors } = await openThroughBridge();
  await page.getByTestId('preset').selectOption('yubikey');
  await page.getByTestId('account').fill('alice@contoso.com');
  await selectReader(page, 'oath');
  await burn(page);
  assert.match(await page.getByTestId('bridge-verified').textContent(), /Verified: the key computed the same code \(\d{3} \d{3}\)/);
  assert.equal(await page.getByTestId('model').inputValue(), 'YubiKey 5', 'a chosen YubiKey model is kept');
  assert.equal(await page.getByTestId('serial').inputValue(), '12345678');
  const list = await bridgeApi(bridge, '/api/oath/list', { reader: 'OATH' });
  assert.ok(list.json.credentials.some((c) => c.account === 'alice@contoso.com'), JSON.stringify(list.json));
  assert.deepEqual(errors, []);
  await context.close();
});

test('Molto2 profile burn with a title; the record gets serial, model and profile', async () => {
  const { context, page, errors } = await openThroughBridge();
  await page.getByTestId('preset').selectOption('molto2v2');
  await selectReader(page, 'molto2');
  const secret = await secretOf(page);
  await page.getByTestId('bridge-profile').fill('7');
  await page.getByTestId('bridge-title').fill('GitHub');
  assert.match(await page.getByTestId('bridge-burn').textContent(), /Burn to Molto2v2 profile 7/);
  await burn(page);
  const result = await page.getByTestId('bridge-result').textContent();
  assert.match(result, /Burned Token2 Molto2v2, serial MOLTO2SIM0001, profile 7 \(“GitHub”\)/);
  const code = await page.getByTestId('bridge-expected').getAttribute('data-code');
  const at = Number(await page.locator('[data-testid=bridge-result] .burn-ok').getAttribute('data-burned-at'));
  assert.equal(code, oathtool(secret, at));
  assert.equal(await page.getByTestId('serial').inputValue(), 'MOLTO2SIM0001');
  assert.equal(await page.getByTestId('model').inputValue(), 'Molto2v2');
  assert.equal(await page.getByTestId('profile').inputValue(), '7');
  assert.equal(await page.getByTestId('bridge-profile').inputValue(), '8', 'next slot offered');
  const profiles = await bridgeApi(bridge, '/api/profiles', { reader: 'Molto2' });
  const p7 = profiles.json.profiles.find((p) => p.profile === 7);
  assert.equal(p7.title, 'GitHub');
  assert.equal(p7.seed_present, true);
  // Default title: the issuer, cut to 12 bytes.
  await page.getByTestId('issuer').fill('Contoso Corporation');
  assert.equal(await page.getByTestId('bridge-title').getAttribute('placeholder'), 'Contoso Corp');
  assert.deepEqual(errors, []);
  await context.close();
});

test('a request the Token2 cannot take (SHA-512) shows the bridge\'s message; nothing is burned', async () => {
  const { context, page, errors } = await openThroughBridge();
  await page.getByTestId('preset').selectOption('yubikey');
  await page.getByTestId('algorithm').selectOption('SHA512');
  await selectReader(page, 'token2');
  const serialBefore = await page.getByTestId('serial').inputValue();
  const logBefore = bridge.log.length;
  await burn(page);
  const failed = page.locator('[data-testid=bridge-result] .burn-failed');
  assert.equal(await failed.getAttribute('data-code'), 'bad_input');
  const text = await failed.textContent();
  assert.match(text, /Burn failed while checking the parameters — nothing was sent to the device/);
  // The bridge's refusal, in the words of core's capability table (the page's own check).
  assert.match(text, /the Token2 C302-i cannot store SHA-512; choose SHA-1 or SHA-256/);
  assert.equal(await page.getByTestId('serial').inputValue(), serialBefore, 'the record is untouched');
  assert.ok(bridge.log.slice(logBefore).some((l) => /POST \/api\/burn -> 400/.test(l)), bridge.log.slice(logBefore).join('\n'));
  // Console: the browser reports the 400 response as a failed resource load; nothing else.
  assert.ok(errors.every((e) => /status of 400/.test(e)), errors.join('\n'));
  await context.close();
});

test('a wrong pairing code is refused plainly; the right one connects', async () => {
  const { context, page, errors } = await openPageWith(browser, `${bridge.origin}/`);
  assert.match(await page.getByTestId('bridge-status').textContent(), /Not connected.*reloading the page forgets it/);
  assert.equal(await page.getByTestId('bridge-port').inputValue(), String(bridge.port));
  await page.getByTestId('bridge-code').fill('0123456789abcdef0123456789abcdef');
  await page.getByTestId('bridge-connect').click();
  await page.waitForFunction(() => /refused the pairing code/.test(document.querySelector('[data-testid=bridge-status]').textContent));
  assert.match(await page.getByTestId('bridge-status').textContent(), /it changes every time the bridge starts/);
  assert.equal(await page.getByTestId('bridge-connect').textContent(), 'Retry');
  // Pasting the whole line the bridge printed works.
  await page.getByTestId('bridge-code').fill(`Tokensmith bridge: open ${bridge.url}`);
  await page.getByTestId('bridge-connect').click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=bridge-readers] li').length === 3);
  assert.ok(errors.every((e) => /status of 401/.test(e)), errors.join('\n'));
  await context.close();
});

test('the single file via file://: no request until Connect; then works with --allow-null-origin', async () => {
  const nullBridge = await startBridge({ extra: ['--allow-null-origin'] });
  try {
    const url = singleFileUrl();
    const { context, page, errors, requests } = await openPageWith(browser, url);
    await page.waitForTimeout(1500);
    assert.deepEqual(requests, [], 'no request before the user asks');
    assert.deepEqual(errors, []);
    const status = await page.getByTestId('bridge-status').textContent();
    assert.match(status, /Not connected\. Everything else on this page works without the bridge/);
    assert.match(status, /hardware-bridge serve --allow-null-origin/);
    await page.getByTestId('bridge-port').fill(String(nullBridge.port));
    assert.match(await page.getByTestId('bridge-status').textContent(), new RegExp(`serve --port ${nullBridge.port} --allow-null-origin`));
    await page.getByTestId('bridge-code').fill(nullBridge.pair);
    await page.getByTestId('bridge-connect').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=bridge-readers] li').length === 3);
    const secret = await secretOf(page);
    await burn(page);
    const code = await page.getByTestId('bridge-expected').getAttribute('data-code');
    const at = Number(await page.locator('[data-testid=bridge-result] .burn-ok').getAttribute('data-burned-at'));
    assert.equal(code, oathtool(secret, at));
    assert.equal(await page.getByTestId('serial').inputValue(), '8659632000001');
    assert.ok(requests.every((u) => u.startsWith(nullBridge.origin)), requests.join('\n'));
    assert.deepEqual(errors, []);
    await context.close();
  } finally {
    await nullBridge.stop();
  }
});

test('file:// with no bridge running: a calm message with the command and Retry', async () => {
  const closed = await freePort();
  const { context, page, errors } = await openPageWith(browser, singleFileUrl(), { viewport: { width: 360, height: 800 } });
  await page.getByTestId('bridge-port').fill(String(closed));
  await page.getByTestId('bridge-code').fill('0123456789abcdef0123456789abcdef');
  await page.getByTestId('bridge-connect').click();
  await page.waitForFunction(() => /No hardware bridge found/.test(document.querySelector('[data-testid=bridge-status]').textContent));
  const status = await page.getByTestId('bridge-status').textContent();
  assert.match(status, new RegExp(`No hardware bridge found at http://127.0.0.1:${closed}`));
  assert.match(status, new RegExp(`hardware-bridge serve --port ${closed} --allow-null-origin`));
  assert.equal(await page.getByTestId('bridge-connect').textContent(), 'Retry');
  // The rest of the page still works.
  assert.match(await page.getByTestId('code').textContent(), /^\d{6}$/);
  // The only console noise is the browser's own line for the refused connection.
  assert.ok(errors.every((e) => /ERR_CONNECTION_REFUSED|Failed to fetch/.test(e)), errors.join('\n'));
  await page.getByTestId('bridge-status').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(OUT, 'bridge-none-phone.png') });
  await context.close();
});

test('phone width: the panel during and after a burn, keyboard only', async () => {
  const { context, page, errors } = await openThroughBridge(bridge, { width: 360, height: 800 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);
  assert.equal(overflow, false, 'no horizontal scrolling at 360 px');
  await page.route('**/api/burn', async (route) => { await new Promise((r) => setTimeout(r, 1200)); await route.continue(); });
  // Keyboard: focus the Burn button and press Enter.
  await page.getByTestId('bridge-burn').focus();
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelector('[data-testid=bridge-burn]').disabled);
  await page.getByTestId('bridge-burn').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(OUT, 'bridge-burning-phone.png') });
  await page.waitForSelector('[data-testid=bridge-expected]');
  await page.locator('[data-testid=bridge-result]').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(OUT, 'bridge-burned-phone.png') });
  const overflow2 = await page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);
  assert.equal(overflow2, false, 'no horizontal scrolling after the burn');
  // Every control in the panel has a label.
  const unlabelled = await page.evaluate(() => [...document.querySelectorAll('section.bridge input, section.bridge select')]
    .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')).map((el) => el.outerHTML));
  assert.deepEqual(unlabelled, []);
  assert.deepEqual(errors, []);
  await context.close();
});

test('Set the token\'s clock: the drift goes away (this C302-i keeps its seed)', async () => {
  const { context, page, errors } = await openThroughBridge();
  await selectReader(page, 'token2');
  await page.getByTestId('bridge-sync').click();
  await page.waitForFunction(() => /Clock set/.test(document.querySelector('[data-testid=bridge-result]').textContent));
  const text = await page.getByTestId('bridge-result').textContent();
  assert.match(text, /Clock set on C302-i 8659632000001: it was (clock \d+ s (behind|ahead)|clock matches this computer); now it matches this computer/);
  assert.doesNotMatch(text, /seed was cleared/);
  await page.waitForFunction(() => /clock matches this computer/.test(document.querySelector('[data-testid=bridge-readers] li[data-kind=token2]').textContent));
  assert.deepEqual(errors, []);
  await context.close();
});

test('wrong Molto2 customer key: auth failure says not to retry blindly; Burn stays off until acknowledged', async () => {
  const { context, page, errors } = await openThroughBridge();
  await page.getByTestId('preset').selectOption('molto2v2');
  await selectReader(page, 'molto2');
  await page.getByTestId('bridge-profile').fill('9');
  await page.getByTestId('bridge-credential').fill('0123456789abcdef0123456789abcdef');
  const logBefore = bridge.log.length;
  await burn(page);
  const failed = page.locator('[data-testid=bridge-result] .burn-failed');
  assert.equal(await failed.getAttribute('data-code'), 'auth_failed');
  assert.match(await failed.textContent(), /Burn failed while authenticating to the device: .*Do NOT retry blindly: older Token2 tokens lock for good/);
  assert.equal(await page.getByTestId('bridge-burn').isDisabled(), true, 'no second attempt without acknowledging');
  await page.getByTestId('bridge-auth-ack').check();
  assert.equal(await page.getByTestId('bridge-burn').isDisabled(), false);
  // Exactly one burn request reached the bridge: the page never retries by itself.
  assert.equal(bridge.log.slice(logBefore).filter((l) => /POST \/api\/burn/.test(l)).length, 1);
  assert.ok(errors.every((e) => /status of 403/.test(e)), errors.join('\n'));
  await context.close();
});

test('a clock sync that would clear the seed asks first and sends confirm_clear_seed only after Yes', async () => {
  const { context, page, errors } = await openThroughBridge();
  await selectReader(page, 'token2');
  // The simulated C302-i keeps its seed on a sync; answer like a model that does not (the
  // bridge's 409 will_clear_seed) to check the page's side of the confirmation.
  const bodies = [];
  await page.route('**/api/sync', async (route) => {
    const body = JSON.parse(route.request().postData());
    bodies.push(body);
    if (!body.confirm_clear_seed) {
      await route.fulfill({ status: 409, contentType: 'application/json', body: JSON.stringify({ error: { code: 'will_clear_seed', message: 'setting the clock of this C301-i rewrites its configuration, which CLEARS ITS SEED (the token shows dashes until a seed is burned again); confirm explicitly to go ahead' } }) });
    } else {
      await route.continue();
    }
  });
  await page.getByTestId('bridge-sync').click();
  await page.getByTestId('bridge-sync-confirm').waitFor();
  assert.match(await page.getByTestId('bridge-result').textContent(), /Careful: .*CLEARS ITS SEED/);
  assert.equal(bodies.length, 1);
  assert.equal(bodies[0].confirm_clear_seed, undefined);
  await page.getByTestId('bridge-sync-confirm').click();
  await page.waitForFunction(() => /Clock set/.test(document.querySelector('[data-testid=bridge-result]').textContent));
  assert.equal(bodies.length, 2);
  assert.equal(bodies[1].confirm_clear_seed, true);
  assert.ok(errors.every((e) => /status of 409/.test(e)), errors.join('\n'));
  await context.close();
});

test('the bridge stops while connected: the panel says so and offers to connect again', async () => {
  const gone = await startBridge();
  const { context, page, errors } = await openThroughBridge(gone);
  await gone.stop();
  await page.getByTestId('bridge-refresh').click();
  await page.waitForFunction(() => /No hardware bridge found/.test(document.querySelector('[data-testid=bridge-status]').textContent));
  assert.match(await page.getByTestId('bridge-status').textContent(), /hardware-bridge serve/);
  assert.equal(await page.getByTestId('bridge-connect').textContent(), 'Retry');
  assert.equal(await readers(page).count(), 0);
  assert.ok(errors.every((e) => /ERR_CONNECTION_REFUSED|Failed to fetch/.test(e)), errors.join('\n'));
  await context.close();
});
