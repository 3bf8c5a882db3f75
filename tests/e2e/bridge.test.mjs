// The hardware bridge in the job's steps against `hardware-bridge --simulate serve` (emulated
// Token2 C302-i, Molto2v2 and OATH key): detection (which sets the target model), readers,
// burns that record the row at once, refusals before anything is sent, the bridge's own
// errors, pairing, the single file via file:// with --allow-null-origin, and that the file://
// page makes no request until the user asks. Screenshots of a burn in progress and after,
// desktop and phone, land in tests/out/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  launch, openPageWith, oathtool, singleFileUrl, startBridge, bridgeApi, freePort, networkRequests, OUT,
} from './harness.mjs';
import { openOptions, cell, expectedCode, rowCount } from './job.mjs';

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

/** Types the user (the burn needs one: every CSV row does). */
async function user(page, upn = 'alice@contoso.com') {
  await page.getByTestId('upn').fill(upn);
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
  // The Molto2 is known by its reader's name: the bridge never connects to one while listing.
  assert.match(texts[1], /Molto2 reader 1.*Token2 Molto2, by its reader's name · not read while listing: choose it to read it/);
  // The OATH key's serial is the device's (the YubiKey's management applet), not the OATH salt.
  assert.match(texts[2], /OATH key.*YubiKey 5.*serial 12345678.*no clock/);
  // The first reader with a device is chosen, and its device is the target model.
  assert.equal(await readers(page).nth(0).locator('input').isChecked(), true);
  assert.match(await page.getByTestId('bridge-burn').textContent(), /Burn to C302-i 8659632000001/);
  assert.equal(await page.getByTestId('preset').inputValue(), 'c302');
  assert.equal(await page.getByTestId('serial').inputValue(), '8659632000001');
  // The current step is the user: the burn waits for one.
  assert.equal(await page.locator('#step-user').getAttribute('data-phase'), 'now');
  assert.equal(await page.getByTestId('bridge-burn').isDisabled(), true);
  assert.match(await page.getByTestId('burn-why').textContent(), /the UPN is empty: every CSV row needs a user \(step 2\)/);
  assert.ok(networkRequests(requests).every((u) => u.startsWith(bridge.origin)), requests.join('\n'));
  assert.deepEqual(errors, []);
  // The log names paths and statuses only: never the pairing secret.
  assert.ok(!bridge.log.join('\n').includes(bridge.pair));
  await context.close();
});

test('burn to the simulated Token2: the row is recorded at once, the expected code is oathtool\'s, verification is stored', async () => {
  const { context, page, errors } = await openThroughBridge();
  await selectReader(page, 'token2');
  await user(page);
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
  await page.waitForFunction(() => document.activeElement?.id === 'step-verify-h'); // focus moved to step 5
  assert.equal(await page.getByTestId('bridge-burn').isDisabled(), false);
  await page.locator('[data-testid=bridge-result]').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(OUT, 'bridge-burned-desktop.png') });
  // The burn recorded the row at once, with the burned serial and seed.
  assert.equal(await rowCount(page), 1);
  assert.equal(await cell(page, 0, 'serial'), '8659632000001');
  assert.equal(await cell(page, 0, 'upn'), 'alice@contoso.com');
  assert.equal(await cell(page, 0, 'status'), 'burned · not verified');
  // Step 5: the code to compare now, from the row's seed (oathtool agrees).
  const now = await expectedCode(page);
  assert.equal(now.code, oathtool(secret, now.at));
  await page.getByTestId('verify-match').click();
  assert.equal(await cell(page, 0, 'status'), 'burned · verified, in sync');
  assert.match(await page.getByTestId('verify-result').textContent(), /row 1 \(serial 8659632000001, alice@contoso\.com\): burned · verified, in sync/);
  assert.equal(await page.locator('#step-finish').getAttribute('data-phase'), 'now');
  assert.deepEqual(errors, []);
  await context.close();
});

test('burn to the OATH key: verified by the key\'s own code', async () => {
  const { context, page, errors } = await openThroughBridge();
  // The key says it is a YubiKey 5: that is the target (the OATH-only account name is asked).
  await selectReader(page, 'oath');
  assert.equal(await page.getByTestId('preset').inputValue(), 'yubikey');
  assert.equal(await page.getByTestId('preset').isDisabled(), true);
  await user(page);
  await page.getByTestId('account').fill('alice@contoso.com');
  await burn(page);
  assert.match(await page.getByTestId('bridge-verified').textContent(), /Verified: the key computed the same code \(\d{3} \d{3}\)/);
  assert.equal(await cell(page, 0, 'status'), 'burned · verified by the key');
  assert.equal(await page.getByTestId('model').inputValue(), 'YubiKey 5', 'the YubiKey model is kept');
  assert.equal(await page.getByTestId('serial').inputValue(), '12345678');
  const list = await bridgeApi(bridge, '/api/oath/list', { reader: 'OATH' });
  assert.ok(list.json.credentials.some((c) => c.account === 'alice@contoso.com'), JSON.stringify(list.json));
  assert.deepEqual(errors, []);
  await context.close();
});

test('Molto2: one profile field, the profiles in use with their titles, a burn with a title; the row gets serial, model and profile', async () => {
  const { context, page, errors } = await openThroughBridge();
  // Choosing the reader reads the Molto2 (the list does not); it cannot tell its generation:
  // the admin picks it, and the page reads it again as that one.
  const reads = () => bridge.log.filter((l) => /POST \/api\/info/.test(l)).length;
  const readsBefore = reads();
  const logAt = bridge.log.length;
  const sent = [];
  page.on('request', (r) => { if (/\/api\//.test(r.url())) sent.push(`${r.method()} ${new URL(r.url()).pathname} ${r.postData() ?? ''}`); });
  await selectReader(page, 'molto2');
  await page.waitForFunction(() => /Molto2 · serial MOLTO2SIM0001.*50 profiles/
    .test(document.querySelector('[data-testid=bridge-readers] li[data-kind=molto2]').textContent));
  assert.equal(await page.getByTestId('preset').inputValue(), 'molto2');
  await page.getByTestId('preset').selectOption('molto2v2');
  await page.waitForFunction(() => /Molto2v2.*serial MOLTO2SIM0001.*100 profiles.*clock \d+ s ahead/
    .test(document.querySelector('[data-testid=bridge-readers] li[data-kind=molto2]').textContent));
  assert.equal(reads(), readsBefore + 2, `the bridge saw:\n${bridge.log.slice(logAt).join('\n')}\nthe page sent:\n${sent.join('\n')}`);
  assert.equal(await page.getByTestId('preset').inputValue(), 'molto2v2', 'the Molto2v2 picked is the target');
  await page.waitForFunction(() => /profiles in use/.test(document.querySelector('[data-testid=molto2-summary]')?.textContent ?? ''));
  const before = await page.getByTestId('molto2-summary').textContent();
  assert.match(before, /^(\d+) of 100 profiles in use\. First free: \d+\.$/);
  const used = Number(before.match(/^(\d+)/)[1]);
  const secret = await secretOf(page);
  assert.equal(await page.locator('input[data-testid=profile]').count(), 1, 'one profile field');
  await page.getByTestId('profile').fill('7');
  await page.getByTestId('bridge-title').fill('GitHub');
  await user(page);
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
  assert.equal(await cell(page, 0, 'profile'), '7');
  // The profiles as the bridge reads them now: 7 is in use, with its title.
  await page.waitForFunction(() => document.querySelector('[data-testid=molto2-profiles] [data-profile="7"]'));
  assert.match(await page.locator('[data-testid=molto2-profiles] [data-profile="7"]').textContent(), /^7 “GitHub”$/);
  assert.match(await page.getByTestId('molto2-summary').textContent(), new RegExp(`^${used + 1} of 100 profiles in use`));
  const profiles = await bridgeApi(bridge, '/api/profiles', { reader: 'Molto2' });
  const p7 = profiles.json.profiles.find((p) => p.profile === 7);
  assert.equal(p7.title, 'GitHub');
  assert.equal(p7.seed_present, true);
  // Verified; the next token takes the next free profile of the same Molto2.
  await page.getByTestId('verify-match').click();
  await page.getByTestId('next-token').click();
  assert.equal(await page.getByTestId('profile').inputValue(), '8', 'next slot offered');
  // Picking an occupied profile warns, and the burn asks first, naming the row.
  await page.locator('[data-testid=molto2-profiles] [data-profile="7"]').click();
  assert.equal(await page.getByTestId('profile').inputValue(), '7');
  assert.match(await page.getByTestId('profile-occupied').textContent(), /Profile 7 “GitHub” is in use/);
  await user(page, 'bob@contoso.com');
  const logBefore = bridge.log.length;
  await page.getByTestId('bridge-burn').click();
  assert.match(await page.getByTestId('ask-text').textContent(), /already row 1 \(serial MOLTO2SIM0001, profile 7, alice@contoso\.com\)/);
  await page.getByTestId('ask-no').click();
  assert.equal(bridge.log.slice(logBefore).filter((l) => /POST \/api\/burn/.test(l)).length, 0, 'nothing sent');
  // Default title: the issuer, cut to 12 bytes.
  await page.getByTestId('profile').fill('8');
  await openOptions(page);
  await page.getByTestId('issuer').fill('Contoso Corporation');
  assert.equal(await page.getByTestId('bridge-title').getAttribute('placeholder'), 'Contoso Corp');
  // Burning into profile 7 again, after the question: Yes sends it as an overwrite (a taken
  // profile is refused otherwise), and row 1 is that profile's again, with bob and the new seed.
  const bodies = [];
  await page.route('**/api/burn', async (route) => { bodies.push(JSON.parse(route.request().postData())); await route.continue(); });
  await page.getByTestId('profile').fill('7');
  const bobs = await secretOf(page);
  await page.getByTestId('bridge-burn').click();
  await page.getByTestId('ask-yes').click();
  await page.waitForFunction(() => /profile 7 \(“Contoso Corp”\)/.test(document.querySelector('[data-testid=bridge-result]').textContent));
  assert.deepEqual(bodies.map((b) => [b.profile, b.overwrite, b.model]), [[7, true, 'molto2v2']]);
  const replaced = await bridgeApi(bridge, '/api/profiles', { reader: 'Molto2', model: 'molto2v2' });
  assert.equal(replaced.json.profiles.find((p) => p.profile === 7).title, 'Contoso Corp');
  assert.equal(await rowCount(page), 1);
  assert.equal(await cell(page, 0, 'upn'), 'bob@contoso.com');
  const now = await expectedCode(page);
  assert.equal(now.code, oathtool(bobs, now.at));
  assert.deepEqual(errors, []);
  await context.close();
});

test('Molto2: a taken profile the page did not know of is refused by the bridge; Overwrite is a second step, for that profile only', async () => {
  // Profile 11 holds a seed, put there behind the page's back.
  const taken = await bridgeApi(bridge, '/api/burn', { reader: 'Molto2', kind: 'molto2', model: 'molto2v2',
    secret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', profile: 11, title: 'Elsewhere', overwrite: true });
  assert.equal(taken.status, 200, JSON.stringify(taken.json));
  const { context, page, errors } = await openThroughBridge();
  // The page's map of the profiles is empty (as if not read yet): only the bridge knows.
  await page.route('**/api/profiles', (route) => route.fulfill({ json: { profiles: [] } }));
  await selectReader(page, 'molto2');
  await page.waitForFunction(() => /serial MOLTO2SIM0001/
    .test(document.querySelector('[data-testid=bridge-readers] li[data-kind=molto2]').textContent));
  await page.getByTestId('preset').selectOption('molto2v2');
  await page.waitForFunction(() => /Molto2v2.*100 profiles/
    .test(document.querySelector('[data-testid=bridge-readers] li[data-kind=molto2]').textContent));
  await page.getByTestId('profile').fill('11');
  await user(page);
  await burn(page);
  const failed = page.locator('[data-testid=bridge-result] .burn-failed');
  assert.equal(await failed.getAttribute('data-code'), 'occupied');
  assert.match(await failed.textContent(), /profile 11 already holds a seed \(titled "Elsewhere"\): nothing was written/);
  assert.equal(await rowCount(page), 0, 'a refused burn records nothing');
  const overwrite = page.getByTestId('bridge-overwrite');
  assert.match(await overwrite.textContent(), /^Overwrite profile 11 \(its old seed is lost\)$/);
  const burnsBefore = bridge.log.filter((l) => /POST \/api\/burn/.test(l)).length;
  await page.getByTestId('profile').fill('12');
  await overwrite.click();
  await page.waitForFunction(() => /changed since you agreed to overwrite/
    .test(document.querySelector('[data-testid=bridge-result]').textContent));
  assert.equal(bridge.log.filter((l) => /POST \/api\/burn/.test(l)).length, burnsBefore, 'nothing sent');
  await page.getByTestId('profile').fill('11');
  await burn(page);
  await page.getByTestId('bridge-overwrite').click();
  await page.waitForSelector('[data-testid=bridge-result] .burn-ok');
  assert.match(await page.getByTestId('bridge-result').textContent(), /Burned Token2 Molto2v2, serial MOLTO2SIM0001, profile 11/);
  assert.equal(bridge.log.filter((l) => /POST \/api\/burn/.test(l)).length, burnsBefore + 2);
  assert.equal(await rowCount(page), 1);
  assert.equal(await cell(page, 0, 'status'), 'burned · not verified');
  assert.ok(errors.every((e) => /status of 409/.test(e)), errors.join('\n'));
  await context.close();
});

test('refused before the burn, in core\'s words: what the Token2 on the reader cannot take; nothing is sent', async () => {
  const { context, page, errors } = await openThroughBridge();
  await selectReader(page, 'token2');
  await user(page);
  // The detected C302-i leaves only what it can do: no SHA-512.
  const disabled = await page.$$eval('[data-testid=algorithm] option', (os) => os.filter((o) => o.disabled).map((o) => o.value));
  assert.deepEqual(disabled, ['SHA512']);
  assert.equal(await page.getByTestId('preset').isDisabled(), true, 'the device sets the model');
  // A 512-bit seed does not fit a Token2 (1–63 bytes): refused before the burn, with the reason.
  await openOptions(page);
  await page.getByTestId('seed-length').selectOption('64');
  await page.getByTestId('generate').click();
  const serialBefore = await page.getByTestId('serial').inputValue();
  const logBefore = bridge.log.length;
  assert.equal(await page.getByTestId('bridge-burn').isDisabled(), true);
  assert.match(await page.getByTestId('burn-why').textContent(), /a 64-byte secret does not fit the Token2 C302-i: it takes 1–63 bytes/);
  // SHA-256 in the CSV format: refused before the burn, not after it at export.
  await page.getByTestId('seed-length').selectOption('20');
  await page.getByTestId('generate').click();
  await page.getByTestId('algorithm').selectOption('SHA256');
  assert.equal(await page.getByTestId('bridge-burn').isDisabled(), true);
  assert.match(await page.getByTestId('burn-why').textContent(), /SHA-256 cannot be uploaded by CSV/);
  await page.getByTestId('format-graph-json').check();
  assert.equal(await page.getByTestId('bridge-burn').isDisabled(), false, 'Graph JSON takes SHA-256');
  assert.equal(await page.getByTestId('serial').inputValue(), serialBefore, 'the record is untouched');
  assert.equal(bridge.log.slice(logBefore).filter((l) => /POST \/api\/burn/.test(l)).length, 0, 'nothing was sent');
  // What only the bridge can know (here: answered for it) is still shown in its words.
  await page.route('**/api/burn', (route) => route.fulfill({ status: 400, contentType: 'application/json',
    body: JSON.stringify({ error: { code: 'bad_input', message: 'the Token2 C302-i cannot store SHA-512; choose SHA-1 or SHA-256' } }) }));
  await burn(page);
  const failed = page.locator('[data-testid=bridge-result] .burn-failed');
  assert.equal(await failed.getAttribute('data-code'), 'bad_input');
  const text = await failed.textContent();
  assert.match(text, /Burn failed while checking the parameters — nothing was sent to the device/);
  assert.match(text, /the Token2 C302-i cannot store SHA-512; choose SHA-1 or SHA-256/);
  assert.equal(await rowCount(page), 0, 'a refused burn records nothing');
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
    await user(page);
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
  await user(page);
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
  // Every control of the steps has a label.
  const unlabelled = await page.evaluate(() => [...document.querySelectorAll('section.step input, section.step select')]
    .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')).map((el) => el.outerHTML));
  assert.deepEqual(unlabelled, []);
  assert.deepEqual(errors, []);
  await context.close();
});

test('Set the token\'s clock: the drift goes away (this C302-i keeps its seed)', async () => {
  const { context, page, errors } = await openThroughBridge();
  await selectReader(page, 'token2');
  await page.getByTestId('bridge-sync').click();
  // The answer shows beside the reader (step 1), where the button is.
  await page.waitForFunction(() => /Clock set/.test(document.querySelector('[data-testid=bridge-sync-result]').textContent));
  const text = await page.getByTestId('bridge-sync-result').textContent();
  assert.match(text, /Clock set on C302-i 8659632000001: it was (clock \d+ s (behind|ahead)|clock matches this computer); now it matches this computer/);
  assert.doesNotMatch(text, /seed was cleared/);
  await page.waitForFunction(() => /clock matches this computer/.test(document.querySelector('[data-testid=bridge-readers] li[data-kind=token2]').textContent));
  assert.deepEqual(errors, []);
  await context.close();
});

test('wrong Molto2 customer key: auth failure says not to retry blindly; Burn stays off until acknowledged', async () => {
  const { context, page, errors } = await openThroughBridge();
  await selectReader(page, 'molto2');
  await page.waitForFunction(() => /serial MOLTO2SIM0001/
    .test(document.querySelector('[data-testid=bridge-readers] li[data-kind=molto2]').textContent));
  assert.equal(await page.getByTestId('preset').inputValue(), 'molto2', 'read as a Molto2 until the admin picks the v2');
  await page.getByTestId('profile').fill('9');
  await user(page);
  await page.getByTestId('bridge-credential').fill('0123456789abcdef0123456789abcdef');
  const logBefore = bridge.log.length;
  await burn(page);
  const failed = page.locator('[data-testid=bridge-result] .burn-failed');
  assert.equal(await failed.getAttribute('data-code'), 'auth_failed');
  assert.match(await failed.textContent(), /Burn failed while authenticating to the device: .*7 attempts left before the device locks.*Do NOT retry blindly: older Token2 tokens lock for good/);
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
  assert.match(await page.getByTestId('bridge-sync-result').textContent(), /Careful: .*CLEARS ITS SEED/);
  assert.equal(bodies.length, 1);
  assert.equal(bodies[0].confirm_clear_seed, undefined);
  await page.getByTestId('bridge-sync-confirm').click();
  await page.waitForFunction(() => /Clock set/.test(document.querySelector('[data-testid=bridge-sync-result]').textContent));
  assert.equal(bodies.length, 2);
  assert.equal(bodies[1].confirm_clear_seed, true);
  assert.ok(errors.every((e) => /status of 409/.test(e)), errors.join('\n'));
  await context.close();
});

test('the bridge stops while connected: the panel says so and offers to connect again', async () => {
  const gone = await startBridge();
  const { context, page, errors } = await openThroughBridge(gone);
  // The first listing done before the bridge goes (else it fails first and Refresh is gone).
  await readers(page).first().waitFor();
  await gone.stop();
  await page.getByTestId('bridge-refresh').click();
  await page.waitForFunction(() => /No hardware bridge found/.test(document.querySelector('[data-testid=bridge-status]').textContent));
  assert.match(await page.getByTestId('bridge-status').textContent(), /hardware-bridge serve/);
  assert.equal(await page.getByTestId('bridge-connect').textContent(), 'Retry');
  assert.equal(await readers(page).count(), 0);
  assert.ok(errors.every((e) => /ERR_CONNECTION_REFUSED|Failed to fetch/.test(e)), errors.join('\n'));
  await context.close();
});

test('a token that stops answering: Cancel stops the burn, and the panel says what the journal says it may hold', async () => {
  // The simulated Token2 carries out the seed write (command 5 of a burn: detect, challenge,
  // authenticate, config, seed) and answers nothing more.
  const silent = await startBridge({ extra: ['--simulate-fault', 'silent-during:5', '--card-timeout', '60', '--plaintext-results', '--results-file', join(OUT, `cancel-${process.pid}.journal`)] });
  try {
    const { context, page, errors } = await openThroughBridge(silent);
    await selectReader(page, 'token2');
    await user(page);
    await page.getByTestId('bridge-burn').click();
    await page.waitForSelector('[data-testid=bridge-cancel]');
    // It waits for the token: nothing comes back on its own.
    await page.waitForTimeout(1500);
    assert.equal(await page.locator('[data-testid=bridge-result] .burn-ok, [data-testid=bridge-result] .burn-failed').count(), 0);
    await page.getByTestId('bridge-cancel').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(OUT, 'bridge-cancel-waiting-desktop.png') });
    const t0 = Date.now();
    await page.getByTestId('bridge-cancel').click();
    await page.waitForFunction(() => document.querySelector('[data-testid=bridge-result] .burn-failed'));
    const waited = Date.now() - t0;
    assert.ok(waited < 5000, `answered ${waited} ms after Cancel`);
    const result = await page.getByTestId('bridge-result').textContent();
    assert.match(result, /you cancelled/);
    assert.match(result, /cancelled while waiting for the card's answer/);
    assert.match(result, /the journal says: 8659632000001: interrupted while writing the seed: it may hold the new seed/);
    assert.match(result, /expected code now: \d{6}/);
    assert.equal(await page.locator('[data-testid=bridge-cancel]').count(), 0, 'no Cancel once nothing runs');
    assert.equal(await page.getByTestId('bridge-burn').isDisabled(), false);
    await page.locator('[data-testid=bridge-result]').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(OUT, 'bridge-cancelled-desktop.png') });
    // A cancel with nothing running reaches nothing.
    const idle = await bridgeApi(silent, '/api/cancel', null);
    assert.deepEqual(idle, { status: 200, json: { cancelled: false } });
    assert.deepEqual(errors.filter((e) => !/409/.test(e)), []);
    await context.close();
  } finally {
    await silent.stop();
  }
});
