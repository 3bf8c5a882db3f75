// Burning imported accounts into consecutive Molto2 profiles, from the single file via file://,
// through `hardware-bridge --simulate serve --allow-null-origin` (an emulated Molto2v2). The
// titles and seeds written are read back from the bridge; HOTP accounts are skipped and take no
// profile.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  launch, openPageWith as openPlainPage, singleFileUrl, networkRequests, startBridge, bridgeApi, oathtool, importStatus, importItems, OUT,
} from './harness.mjs';
import { openTool } from './job.mjs';

/** The page with its import tool open (a tool beside the job since issue 10). */
async function openPageWith(...args) {
  const opened = await openPlainPage(...args);
  await openTool(opened.page, 'import');
  return opened;
}

let browser;
let bridge;
before(async () => {
  browser = await launch();
  bridge = await startBridge({ extra: ['--allow-null-origin'], dist: process.env.TOKENSMITH_DIST || join(process.cwd(), 'dist') });
});
after(async () => {
  await bridge?.stop();
  await browser?.close();
});

test('kept accounts burn into consecutive Molto2 profiles with titles; results per account', async () => {
  const { context, page, errors, requests } = await openPageWith(browser, singleFileUrl());
  // The user says which Molto2 it is (the device cannot tell a Molto2 from a Molto2v2).
  await page.getByTestId('preset').selectOption('molto2v2');
  const links = [
    'otpauth://totp/GitHub:octo?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=GitHub',
    'otpauth://hotp/OldVPN:me?secret=MFRGGZDFMZTWQ2LK&issuer=OldVPN&counter=1',
    'otpauth://totp/Microsoft%20Azure%20AD:me@contoso.com?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Microsoft%20Azure%20AD&algorithm=SHA256&digits=8&period=60',
    'otpauth://totp/Unticked:x?secret=MFRGGZDFMZTWQ2LL&issuer=Unticked',
  ];
  await page.getByTestId('import-text').fill(links.join('\n'));
  await page.getByTestId('import-text-go').click();
  await importStatus(page);
  assert.equal((await importItems(page)).length, 4);
  await page.getByTestId('import-keep').nth(3).uncheck();
  // Not connected yet: the button says why it is off.
  assert.equal(await page.getByTestId('import-burn').isDisabled(), true);
  assert.match(await page.getByTestId('import-burn-why').textContent(), /Connect the hardware bridge first/);

  await page.getByTestId('bridge-port').fill(String(bridge.port));
  await page.getByTestId('bridge-code').fill(bridge.pair);
  await page.getByTestId('bridge-connect').click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=bridge-readers] li').length === 3);
  await page.getByTestId('import-first-profile').fill('99');
  assert.match(await page.getByTestId('import-burn-why').textContent(), /profiles 0–99: 2 accounts starting at 99 do not fit/);
  await page.getByTestId('import-first-profile').fill('5');
  assert.equal(await page.getByTestId('import-burn').textContent(), 'Burn 2 kept into Molto2 profiles 5–6');
  assert.match(await page.getByTestId('import-burn-why').textContent(), /1 kept account\(s\) a Molto2 cannot hold will be skipped/);
  await page.getByTestId('import-burn').click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=import-burn-results] li').length === 3
    && !document.querySelector('[data-testid=import-burn]').disabled, null, { timeout: 30000 });
  const lines = await page.getByTestId('import-burn-results').locator('li').allTextContents();
  const now = Math.floor(Date.now() / 1000);
  assert.match(lines[0], /^Profile 5 ← “GitHub: octo”: burned as “GitHub” on Molto2v2 MOLTO2SIM0001; it should show (\d{6}) now\.$/);
  assert.match(lines[1], /^“OldVPN: me”: skipped \(HOTP, not TOTP\); it takes no profile\.$/);
  assert.match(lines[2], /^Profile 6 ← “Microsoft Azure AD: me@contoso.com”: burned as “Microsoft Az” on Molto2v2 MOLTO2SIM0001; it should show (\d{8}) now\.$/);
  const near = (secret, opts, code) => [-1, 0, 1].some((d) => oathtool(secret, now + d * (opts.period ?? 30), opts) === code);
  assert.ok(near('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', {}, lines[0].match(/show (\d+)/)[1]));
  assert.ok(near('JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', { algorithm: 'SHA256', digits: 8, period: 60 }, lines[2].match(/show (\d+)/)[1]));
  // What the token holds now.
  const { json } = await bridgeApi(bridge, '/api/profiles', { reader: 'Molto2' });
  const byNo = Object.fromEntries(json.profiles.map((p) => [p.profile, p]));
  assert.equal(byNo[5].title, 'GitHub');
  assert.equal(byNo[5].seed_present, true);
  assert.equal(byNo[6].title, 'Microsoft Az');
  assert.equal(byNo[6].digits, 8);
  assert.equal(byNo[6].period, 60);
  assert.equal(byNo[7].seed_present, false, 'the skipped and unticked accounts took no profile');
  await page.locator('section.import').screenshot({ path: join(OUT, 'import-burn.png') });
  assert.deepEqual(errors, []);
  // The worker that read the links starts from a blob: URL the page made: not a request.
  assert.ok(networkRequests(requests).every((u) => u.startsWith(bridge.origin)), requests.join('\n'));
  assert.ok(!bridge.log.join('\n').includes('GEZDGNBVGY3TQOJQ'), 'no secret in the bridge log');
  await context.close();
});
