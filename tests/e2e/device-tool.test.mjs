// The Device tool (issue 9 point 7) against `hardware-bridge --simulate serve`: each action done
// in the page, its effect checked through the bridge's own API. Molto2: delete a profile's seed
// (confirmation naming it), set a title, a wrong customer key (attempts left, the next try
// waits for an acknowledgement), change the key and the screen (▲ shown), factory reset
// (confirmation, then every profile empty). OATH key: list, code (oathtool), rename, delete,
// set and remove the access password (listing without it fails, with it works); a Nitrokey 3
// is told why it has no password or rename. Token2: the settings-only write and a seed-only
// burn. Screenshots of the Molto2 and OATH views, desktop and phone, land in tests/out/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { launch, openPageWith, oathtool, startBridge, bridgeApi, OUT } from './harness.mjs';
import { openOptions, selectReader, secretOf, burn, cell } from './job.mjs';

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

const DESKTOP = { width: 1366, height: 768 };
const PHONE = { width: 390, height: 844 };
const MOLTO2 = { reader: 'Molto2', kind: 'molto2', model: 'molto2' };
const OATH = { reader: 'OATH', kind: 'oath' };

async function open(viewport = DESKTOP) {
  const o = await openPageWith(browser, bridge.url, { viewport, ...(viewport === PHONE ? { isMobile: true, hasTouch: true } : {}) });
  await o.page.waitForFunction(() => document.querySelectorAll('[data-testid=bridge-readers] li').length === 3);
  return o;
}

/** Chooses the reader of `kind` in step 1 and opens the Device tool from there. */
async function manage(page, kind) {
  await selectReader(page, kind);
  await page.getByTestId('bridge-manage').click();
  await page.waitForFunction(() => !document.getElementById('tool-panel-device').hidden);
  await page.waitForFunction(() => document.activeElement?.id === 'tool-panel-device');
}

/** Waits for the tool's answer to the last action: done, ▲, a code, or a failure. */
async function result(page) {
  await page.waitForFunction(() => !document.querySelector('[data-testid=device-working]')
    && document.querySelector('[data-testid=device-result] > *'));
  return page.getByTestId('device-result').textContent();
}

/** Waits until the element of test id `id` says `re`; on a timeout, says what it says. */
async function waitText(page, id, re) {
  try {
    await page.waitForFunction(([i, src]) => new RegExp(src).test(document.querySelector(`[data-testid=${i}]`)?.textContent ?? ''), [id, re.source], { timeout: 10000 });
  } catch (e) {
    const now = await page.locator(`[data-testid=${id}]`).first().textContent().catch(() => '(absent)');
    throw new Error(`${id} never said ${re}: it says “${now}”; result: “${await page.getByTestId('device-result').textContent()}”`);
  }
}

const profileRow = (page, n) => page.locator(`[data-testid=device-profiles] tr[data-profile="${n}"]`);
const accountRow = (page, name) => page.locator(`[data-testid=oath-accounts] tr[data-name="${name}"]`);

async function profiles() {
  const r = await bridgeApi(bridge, '/api/profiles', MOLTO2);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json.profiles;
}

const waitProfiles = (page, re) => waitText(page, 'device-profiles-summary', re);

test('Molto2: delete a profile (confirmation naming it), title, wrong key with attempts left, key change and screen (▲), factory reset', async () => {
  for (const [profile, title] of [[3, 'GitHub'], [4, 'VPN']]) {
    const r = await bridgeApi(bridge, '/api/burn', { ...MOLTO2, secret: 'JBSWY3DPEHPK3PXP', profile, title });
    assert.equal(r.status, 200, JSON.stringify(r.json));
  }
  const { context, page, errors } = await open();
  await manage(page, 'molto2');
  assert.match(await page.getByTestId('device-line').textContent(), /Molto2 · serial MOLTO2SIM0001 · on “Simulated Molto2 reader 1”/);
  await waitProfiles(page, /^2 of 50 profiles hold a seed/);
  assert.match(await profileRow(page, 3).textContent(), /^3GitHubin useSHA-1 · 6 digits · 30 s/);
  assert.equal(await profileRow(page, 5).getAttribute('data-state'), 'empty');
  assert.equal(await profileRow(page, 5).getByTestId('profile-delete').count(), 0, 'an empty profile has nothing to delete');
  await page.getByTestId('device-only-used').check();
  assert.equal(await page.locator('[data-testid=device-profiles] tbody tr').count(), 2);

  // Delete: asked first, naming the profile and that its seed is lost; nothing before that.
  const deletes = () => bridge.log.filter((l) => /POST \/api\/profiles\/delete/.test(l)).length;
  await profileRow(page, 3).getByTestId('profile-delete').click();
  assert.match(await page.locator('[data-testid=device-profiles] [role=alertdialog]').textContent(),
    /Delete the seed of profile 3 “GitHub”\? It cannot be read back or restored/);
  assert.equal(deletes(), 0);
  await page.getByTestId('device-delete-confirm').click();
  assert.match(await result(page), /The seed of profile 3 “GitHub” is deleted: the profile is empty/);
  await waitProfiles(page, /^1 of 50 profiles hold a seed/);
  assert.equal((await profiles()).find((p) => p.profile === 3).seed_present, false, 'the bridge reads it empty');
  await page.getByTestId('device-only-used').uncheck();
  assert.equal(await profileRow(page, 3).getAttribute('data-state'), 'empty');

  // Title, with the factory key (the field left empty).
  await profileRow(page, 4).getByTestId('profile-title').click();
  await page.getByTestId('device-title-input').fill('Mail');
  await page.getByTestId('device-title-save').click();
  assert.match(await result(page), /Profile 4 is titled “Mail” now/);
  assert.equal((await profiles()).find((p) => p.profile === 4).title, 'Mail');
  await page.waitForFunction(() => /Mail/.test(document.querySelector('[data-testid=device-profiles] tr[data-profile="4"]').textContent));
  // A title the device cannot show is refused in the page: nothing sent.
  const titles = () => bridge.log.filter((l) => /POST \/api\/profiles\/title/.test(l)).length;
  const sent = titles();
  await profileRow(page, 4).getByTestId('profile-title').click();
  await page.getByTestId('device-title-input').fill('A title far too long');
  await page.getByTestId('device-title-save').click();
  assert.match(await result(page), /Setting the title failed while checking the parameters — nothing was sent to the device: .*12/);
  assert.equal(titles(), sent);

  // A wrong customer key: the attempts left, shown as the warning they are; the next try waits.
  await page.getByTestId('device-credential').fill('not-the-key');
  await profileRow(page, 4).getByTestId('profile-title').click();
  await page.getByTestId('device-title-input').fill('Mail2');
  await page.getByTestId('device-title-save').click();
  await result(page);
  assert.equal(await page.locator('[data-testid=device-result] .burn-failed').getAttribute('data-code'), 'auth_failed');
  const left = Number(await page.getByTestId('attempts-left').getAttribute('data-left'));
  assert.ok(left >= 1 && left < 16, `attempts left: ${left}`);
  assert.match(await page.getByTestId('attempts-left').textContent(), new RegExp(`^${left} attempts? left before the device locks`));
  assert.match(await page.getByTestId('device-result').textContent(), /Do NOT retry blindly/);
  assert.equal(await profileRow(page, 4).getByTestId('profile-title').isDisabled(), true, 'no second try before acknowledging');
  await page.getByTestId('device-auth-ack').check();
  assert.equal(await profileRow(page, 4).getByTestId('profile-title').isDisabled(), false);
  await page.getByTestId('device-credential').fill('');

  // Change the key: ▲ shown prominently; the field then holds the new key, which works.
  await page.getByTestId('device-new-key').fill('Sup3r-Secret-Key');
  await page.getByTestId('device-new-key-again').fill('Sup3r-Secret-Kez');
  await page.getByTestId('device-change-key').click();
  assert.match(await result(page), /the two new customer key fields differ/);
  await page.getByTestId('device-new-key-again').fill('Sup3r-Secret-Key');
  await page.getByTestId('device-change-key').click();
  await result(page);
  assert.match(await page.getByTestId('device-press').textContent(), /Press ▲ \(the up button\) on the Molto2 now\..*new customer key is the only one it accepts/);
  assert.equal(await page.getByTestId('device-new-key').inputValue(), '', 'the new key typed is wiped');
  assert.equal(await page.getByTestId('device-credential').inputValue(), 'Sup3r-Secret-Key');
  const oldKey = await bridgeApi(bridge, '/api/profiles/title', { ...MOLTO2, profile: 4, title: 'X' });
  assert.equal(oldKey.json.error.code, 'auth_failed', 'the factory key no longer opens it');
  const newKey = await bridgeApi(bridge, '/api/profiles/title', { ...MOLTO2, profile: 4, title: 'Mail', customer_key: 'Sup3r-Secret-Key' });
  assert.equal(newKey.status, 200, JSON.stringify(newKey.json));

  await page.getByTestId('device-screen-lock').click();
  assert.match(await result(page), /screen is locked|Press ▲/);

  // Factory reset: asked first, saying what is lost; the button waits for the acknowledgement.
  await page.getByTestId('device-reset').click();
  assert.match(await page.getByTestId('device-reset-ask').textContent(),
    /erases EVERY profile — seeds and titles — .*1 profile holds a seed: they cannot be recovered/);
  assert.equal(await page.getByTestId('device-reset-confirm').isDisabled(), true);
  await page.getByTestId('device-reset-ack').check();
  await page.getByTestId('device-reset-confirm').click();
  assert.match(await result(page), /Press ▲.*every profile is deleted and the customer key is the factory one again/);
  await waitProfiles(page, /^0 of 50 profiles hold a seed/);
  assert.ok((await profiles()).every((p) => !p.seed_present));
  assert.equal(await page.getByTestId('device-credential').inputValue(), '', 'the factory key: an empty field');
  const factory = await bridgeApi(bridge, '/api/profiles/title', { ...MOLTO2, profile: 4, title: 'Again' });
  assert.equal(factory.status, 200, 'the factory key opens it again');

  // The Molto2 view, photographed with profiles in use and a wrong key's answer.
  await bridgeApi(bridge, '/api/burn', { ...MOLTO2, secret: 'JBSWY3DPEHPK3PXP', profile: 0, title: 'Outlook' });
  await page.getByTestId('device-profiles-reload').click();
  await waitProfiles(page, /^1 of 50/);
  await profileRow(page, 0).getByTestId('profile-delete').click();
  await page.locator('#tool-panel-device').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(OUT, 'device-molto2-desktop.png'), fullPage: false });
  // The wrong keys' answers (403 auth_failed) are the only console errors.
  assert.ok(errors.every((e) => /status of 403/.test(e)), errors.join('\n'));
  await context.close();

  const phone = await open(PHONE);
  await manage(phone.page, 'molto2');
  await waitProfiles(phone.page, /^1 of 50/);
  await profileRow(phone.page, 0).getByTestId('profile-delete').click();
  await phone.page.getByTestId('device-tool').scrollIntoViewIfNeeded();
  await phone.page.screenshot({ path: join(OUT, 'device-molto2-phone.png'), fullPage: false });
  const wide = await phone.page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(wide <= 390, `no sideways scrolling on a phone (${wide} px)`);
  assert.deepEqual(phone.errors, []);
  await phone.context.close();
});

test('OATH key: list, code (oathtool), rename, delete, access password set and removed', async () => {
  const secret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
  for (const account of ['alice', 'bob']) {
    const r = await bridgeApi(bridge, '/api/oath/put', { ...OATH, secret, account, issuer: 'Example' });
    assert.equal(r.status, 200, JSON.stringify(r.json));
  }
  const { context, page, errors } = await open();
  await manage(page, 'oath');
  assert.match(await page.getByTestId('device-line').textContent(), /YubiKey 5 · serial 12345678/);
  await waitText(page, 'oath-summary', /^2 accounts on the key/);
  assert.match(await accountRow(page, 'Example:alice').textContent(), /^Example: aliceTOTP · 30 sSHA-1/);

  await accountRow(page, 'Example:alice').getByTestId('oath-code').click();
  await result(page);
  const code = await page.getByTestId('oath-code-value').getAttribute('data-code');
  const t = Math.floor(Date.now() / 1000);
  assert.ok([oathtool(secret, t), oathtool(secret, t - 30)].includes(code), `the key's code ${code} is oathtool's`);
  assert.match(await page.getByTestId('oath-code-result').textContent(), /Valid for \d+ s more/);

  await accountRow(page, 'Example:alice').getByTestId('oath-rename').click();
  await page.getByTestId('oath-issuer').fill('Contoso');
  await page.getByTestId('oath-account').fill('alice@contoso.com');
  await page.getByTestId('oath-rename-save').click();
  assert.match(await result(page), /“Example: alice” is “Contoso: alice@contoso\.com” now/);
  await page.waitForSelector('[data-testid=oath-accounts] tr[data-name="Contoso:alice@contoso.com"]');
  let listed = (await bridgeApi(bridge, '/api/oath/list', OATH)).json.credentials.map((c) => c.name);
  assert.ok(listed.includes('Contoso:alice@contoso.com') && !listed.includes('Example:alice'), listed.join());

  await accountRow(page, 'Example:bob').getByTestId('oath-delete').click();
  assert.match(await page.locator('[data-testid=oath-accounts] [role=alertdialog]').textContent(), /Delete “Example: bob” from this key\? Its seed cannot be read back/);
  await page.getByTestId('oath-delete-confirm').click();
  assert.match(await result(page), /“Example: bob” is deleted from the key/);
  await page.waitForFunction(() => !document.querySelector('[data-testid=oath-accounts] tr[data-name="Example:bob"]'));
  listed = (await bridgeApi(bridge, '/api/oath/list', OATH)).json.credentials.map((c) => c.name);
  assert.ok(!listed.includes('Example:bob'), listed.join());

  // Set a password: listing without it then fails, with it works.
  assert.match(await page.getByTestId('oath-password-state').textContent(), /no password/);
  await page.getByTestId('oath-new-password').fill('hunter2-long');
  await page.getByTestId('oath-new-password-again').fill('hunter2-long');
  await page.getByTestId('oath-password-set').click();
  assert.match(await result(page), /asks for the new password now/);
  assert.equal(await page.getByTestId('oath-new-password').inputValue(), '');
  assert.equal(await page.getByTestId('device-credential').inputValue(), 'hunter2-long');
  const without = await bridgeApi(bridge, '/api/oath/list', OATH);
  assert.equal(without.json.error?.code, 'auth_failed', JSON.stringify(without.json));
  const withIt = await bridgeApi(bridge, '/api/oath/list', { ...OATH, password: 'hunter2-long' });
  assert.equal(withIt.status, 200);
  await waitText(page, 'oath-password-state', /asks for a password/);
  await waitText(page, 'oath-summary', /^1 account on the key/);

  // A wrong password: the failure in the page's wording; the next try waits.
  await page.getByTestId('device-credential').fill('wrong');
  await page.getByTestId('oath-list').click();
  await waitText(page, 'oath-summary', /could not be listed/);
  assert.equal(await page.getByTestId('oath-list').isDisabled(), true);
  await page.getByTestId('device-auth-ack').check();
  await page.getByTestId('device-credential').fill('hunter2-long');
  await page.getByTestId('oath-list').click();
  await waitText(page, 'oath-summary', /^1 account on the key/);

  await page.locator('#tool-panel-device').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(OUT, 'device-oath-desktop.png') });

  await page.getByTestId('oath-password-remove').click();
  assert.match(await result(page), /no access password now/);
  assert.equal((await bridgeApi(bridge, '/api/oath/list', OATH)).status, 200, 'listing needs no password again');
  assert.equal(await page.getByTestId('device-credential').inputValue(), '');
  assert.ok(errors.every((e) => /status of 403/.test(e)), errors.join('\n'));
  await context.close();

  const phone = await open(PHONE);
  await manage(phone.page, 'oath');
  await waitText(phone.page, 'oath-summary', /^1 account on the key/);
  await accountRow(phone.page, 'Contoso:alice@contoso.com').getByTestId('oath-code').click();
  await result(phone.page);
  await phone.page.getByTestId('device-tool').scrollIntoViewIfNeeded();
  await phone.page.screenshot({ path: join(OUT, 'device-oath-phone.png') });
  const wide = await phone.page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(wide <= 390, `no sideways scrolling on a phone (${wide} px)`);
  await phone.context.close();
});

test('a Nitrokey 3 says why it has no access password or rename (core\'s table), and sends nothing for them', async () => {
  const { context, page } = await open();
  const logged = bridge.log.length;
  // The simulated key reported as a Nitrokey 3: what the page offers follows the model.
  await page.route('**/api/readers', async (route) => {
    const r = await route.fetch();
    const json = await r.json();
    for (const reader of json.readers) {
      if (reader.device?.kind === 'oath') Object.assign(reader.device, { model: 'Nitrokey 3', oath_version: '4.10.0', password_set: false });
    }
    await route.fulfill({ response: r, json });
  });
  await page.getByTestId('bridge-refresh').click();
  await page.waitForFunction(() => /Nitrokey 3/.test(document.querySelector('[data-testid=bridge-readers] li[data-kind=oath]').textContent));
  await manage(page, 'oath');
  assert.match(await page.getByTestId('oath-password-refused').textContent(), /Nitrokey 3.*access password/i);
  assert.equal(await page.getByTestId('oath-password-set').count(), 0);
  await page.waitForFunction(() => document.querySelector('[data-testid=oath-accounts] tbody tr'));
  await page.locator('[data-testid=oath-accounts] tbody tr').first().getByTestId('oath-rename').click();
  assert.match(await page.getByTestId('oath-rename-refused').textContent(), /renaming an account/i);
  assert.ok(!bridge.log.slice(logged).some((l) => /oath\/(rename|password)/.test(l)), 'nothing sent');
  // A readers poll caught by the route as the context closes must not fail after the test.
  await page.unrouteAll({ behavior: 'ignoreErrors' });
  await context.close();
});

test('Token2: the settings-only write (this model keeps its seed), and a seed-only burn from step 3\'s Options', async () => {
  const { context, page, errors } = await open();
  await manage(page, 'token2');
  await waitText(page, 'token2-clears-seed', /keeps its seed/);
  assert.equal(await page.getByTestId('token2-clear-ack').count(), 0, 'nothing to acknowledge on a model that keeps its seed');
  await page.getByTestId('token2-display').selectOption('60');
  const sent = [];
  page.on('request', (r) => { if (r.url().endsWith('/api/sync')) sent.push(JSON.parse(r.postData())); });
  await page.getByTestId('token2-write-settings').click();
  assert.match(await result(page), /Settings and clock written to C302-i 8659632000001; its seed is kept/);
  assert.deepEqual(sent.map((b) => [b.algorithm, b.period, b.display_timeout, b.confirm_clear_seed ?? false]), [['SHA1', 30, 60, false]]);
  const info = await bridgeApi(bridge, '/api/info', { reader: 'Token2' });
  assert.ok(Math.abs(info.json.drift_seconds) <= 2, `clock written: drift ${info.json.drift_seconds}`);

  // Seed only: the burn says so, sends seed_only, and records the row as usual.
  await page.getByTestId('upn').fill('carol@contoso.com');
  await openOptions(page);
  await page.getByTestId('seed-only').check();
  assert.match(await page.getByTestId('bridge-burn').textContent(), /^Burn the seed only to C302-i 8659632000001/);
  assert.match(await page.getByTestId('bridge-summary').textContent(), /keeps its settings and clock/);
  const bodies = [];
  page.on('request', (r) => { if (r.url().endsWith('/api/burn')) bodies.push(JSON.parse(r.postData())); });
  const secret = await secretOf(page);
  await burn(page);
  assert.equal(bodies.length, 1);
  assert.equal(bodies[0].seed_only, true);
  assert.match(await page.getByTestId('bridge-result').textContent(), /Burned Token2 C302-i, serial 8659632000001/);
  assert.equal(await cell(page, 0, 'upn'), 'carol@contoso.com');
  assert.equal(await cell(page, 0, 'serial'), '8659632000001');
  assert.ok(secret.length > 0);
  assert.deepEqual(errors, []);
  await context.close();
});
