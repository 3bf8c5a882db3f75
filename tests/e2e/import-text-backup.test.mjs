// Import from pasted text (otpauth link, base32, hex, damaged exports), Aegis and 2FAS backups
// (plain and encrypted), the review list (keep, edit, inventory, clear), the camera (Chromium's
// fake device), and screenshots of the panel on a desktop and a phone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  launch, openPageWith as openPlainPage, singleFileUrl, networkRequests, oathtool, readTokenField,
  migrationPayload, migrationUri, importStatus, importItems, OUT,
} from './harness.mjs';
import { openTool } from './job.mjs';

/** The page with its import tool open (a tool beside the job since issue 10). */
async function openPageWith(...args) {
  const opened = await openPlainPage(...args);
  await openTool(opened.page, 'import');
  return opened;
}
import { chromium } from 'playwright-core';

let browser;
let dir;
before(async () => {
  browser = await launch();
  dir = mkdtempSync(join(tmpdir(), 'tokensmith-import-'));
});
after(async () => {
  await browser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function paste(page, text) {
  await page.getByTestId('import-text').fill(text);
  await page.getByTestId('import-text').press('Enter');
  return (await importStatus(page)).join('\n');
}

test('pasted text: otpauth link, base32 and hex secrets, several links; damaged input is explained', async () => {
  const { context, page, errors, requests } = await openPageWith(browser, singleFileUrl());
  let st = await paste(page, 'otpauth://totp/GitHub:octo?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=GitHub&period=60');
  assert.match(st, /Text \(otpauth link\): 1 account added/);
  assert.equal(await page.getByTestId('import-text').inputValue(), '', 'the text is dropped once read');
  st = await paste(page, 'jbsw y3dp ehpk 3pxp jbsw y3dp');
  assert.match(st, /a bare base32 secret, 120 bits/);
  assert.match(st, /SHA-1, 6 digits, 30 s are assumed/);
  st = await paste(page, '3132333435363738393031323334353637383930');
  assert.match(st, /a bare hex secret, 160 bits/);
  st = await paste(page, ['otpauth://totp/A:one?secret=MFRGGZDFMZTWQ2LK&issuer=A', 'otpauth://hotp/B:two?secret=MFRGGZDFMZTWQ2LL&issuer=B&counter=5'].join('\n'));
  assert.match(st, /HOTP \(counter-based\) account/);
  assert.match(st, /Text: 2 links read, 2 account\(s\) added to the review list/);
  const items = await importItems(page);
  assert.deepEqual(items.map(({ text: _t, ...i }) => i), [
    { issuer: 'GitHub', account: 'octo', algorithm: 'SHA1', digits: 6, period: 60, type: 'totp' },
    { issuer: '', account: '', algorithm: 'SHA1', digits: 6, period: 30, type: 'totp' },
    { issuer: '', account: '', algorithm: 'SHA1', digits: 6, period: 30, type: 'totp' },
    { issuer: 'A', account: 'one', algorithm: 'SHA1', digits: 6, period: 30, type: 'totp' },
    { issuer: 'B', account: 'two', algorithm: 'SHA1', digits: 6, period: 30, type: 'hotp' },
  ]);
  // The hex secret goes to the seed panel as it is.
  await page.getByTestId('import-use').nth(2).click();
  const t = await readTokenField(page);
  assert.equal(t.secret, 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
  assert.equal(t.code, oathtool(t.secret, t.t));

  // A migration link pasted as text, then damaged ones.
  const payload = migrationPayload([{ secret: Buffer.alloc(20, 9), name: 'pasted', issuer: 'Export', algorithm: 2, digits: 2 }]);
  st = await paste(page, migrationUri(payload));
  assert.match(st, /Google Authenticator export: 1 account added/);
  const b64 = Buffer.from(payload).toString('base64');
  st = await paste(page, `otpauth-migration://offline?data=${encodeURIComponent(b64.slice(0, b64.length - 12))}`);
  assert.match(st, /Google Authenticator export: the (export data is damaged or incomplete|data= parameter is not valid base64)/);
  st = await paste(page, 'otpauth-migration://offline?data=!!not~base64!!');
  assert.match(st, /the data= parameter is not valid base64/);
  assert.notEqual(await page.getByTestId('import-text').inputValue(), '', 'a bad text stays to be fixed');
  st = await paste(page, 'otpauth://totp/x?secret=NOT-BASE32-1');
  assert.match(st, /The secret in the URI is not valid base32/);
  st = await paste(page, 'phonefactor://activate_account?code=1');
  assert.match(st, /Microsoft Authenticator sign-in enrolment/);
  st = await paste(page, '8659632001234');
  assert.match(st, /This is a serial number \(8659632001234\), not a seed/);
  st = await paste(page, 'hello, this is not a secret');
  assert.match(st, /is not an otpauth:\/\/ link, a Google Authenticator export or a base32\/hex secret/);
  assert.ok(!st.includes('hello'), 'the text is not echoed');
  assert.equal((await importItems(page)).length, 6);
  assert.deepEqual(errors, []);
  assert.deepEqual(networkRequests(requests), []);
  await context.close();
});

const AEGIS = {
  version: 1,
  header: { slots: null, params: null },
  db: {
    version: 2,
    entries: [
      { type: 'totp', uuid: 'a', name: 'alice@example.com', issuer: 'Example', note: '', icon: null, info: { secret: 'JBSWY3DPEHPK3PXP', algo: 'SHA256', digits: 8, period: 60 } },
      { type: 'hotp', uuid: 'b', name: 'bob', issuer: 'Counter Co', info: { secret: 'GEZDGNBVGY3TQOJQ', algo: 'SHA1', digits: 6, counter: 7 } },
      { type: 'steam', uuid: 'c', name: 'gamer', issuer: 'Steam', info: { secret: 'JBSWY3DPEHPK3PXP', algo: 'SHA1', digits: 5, period: 30 } },
    ],
  },
};
const AEGIS_ENC = { version: 1, header: { slots: [{ type: 1 }], params: { nonce: '00', tag: '00' } }, db: 'BASE64CIPHERTEXT' };
const TWOFAS = {
  services: [
    { name: 'Standard', secret: '54VEGZFJHM3BGDONFERMPUOKNGDJETGM', otp: { account: 'me@example.com', issuer: 'Standard', digits: 6, period: 30, algorithm: 'SHA1', tokenType: 'TOTP' } },
    { name: 'NoIssuer', secret: 'KY2QJPMNQLSGSZE2C5F7AYBLBVEEDHFX', otp: { account: 'me', digits: 8, period: 60, algorithm: 'SHA512', tokenType: 'TOTP' } },
  ],
  groups: [],
  schemaVersion: 4,
};
const TWOFAS_ENC = { services: [], servicesEncrypted: 'abc:def:ghi', schemaVersion: 4 };

test('Aegis and 2FAS backups (plain and encrypted); keep, edit, add to the inventory, clear', async () => {
  const { context, page, errors, requests } = await openPageWith(browser, singleFileUrl());
  const file = (name, obj) => { const p = join(dir, name); writeFileSync(p, typeof obj === 'string' ? obj : JSON.stringify(obj)); return p; };
  await page.getByTestId('import-backup').setInputFiles(file('aegis-enc.json', AEGIS_ENC));
  assert.match((await importStatus(page)).join('\n'), /aegis-enc.json: This Aegis backup is encrypted: .*untick "Encrypt the vault"/);
  await page.getByTestId('import-backup').setInputFiles(file('2fas-enc.2fas.json', TWOFAS_ENC));
  assert.match((await importStatus(page)).join('\n'), /This 2FAS backup is encrypted: .*without a password/);
  await page.getByTestId('import-backup').setInputFiles(file('notjson.json', '{oops'));
  assert.match((await importStatus(page)).join('\n'), /The file is not valid JSON \(line 1, column 2\)/);

  await page.getByTestId('import-backup').setInputFiles(file('aegis.json', AEGIS));
  let st = (await importStatus(page)).join('\n');
  assert.match(st, /aegis.json \(Aegis backup\): 2 accounts added/);
  assert.match(st, /Skipped entry 3 \(gamer\): Steam codes are not standard TOTP/);
  await page.getByTestId('import-backup').setInputFiles(file('2fas.json', TWOFAS));
  st = (await importStatus(page)).join('\n');
  assert.match(st, /2fas.json \(2FAS backup\): 2 accounts added/);
  let items = await importItems(page);
  assert.deepEqual(items.map(({ text: _t, ...i }) => i), [
    { issuer: 'Example', account: 'alice@example.com', algorithm: 'SHA256', digits: 8, period: 60, type: 'totp' },
    { issuer: 'Counter Co', account: 'bob', algorithm: 'SHA1', digits: 6, period: 30, type: 'hotp' },
    { issuer: 'Standard', account: 'me@example.com', algorithm: 'SHA1', digits: 6, period: 30, type: 'totp' },
    { issuer: 'NoIssuer', account: 'me', algorithm: 'SHA512', digits: 8, period: 60, type: 'totp' },
  ]);
  assert.match(items[3].text, /cannot do SHA-512, 8 digits/);

  // Edit a name, untick one, add the kept ones to the inventory.
  await page.getByTestId('import-account').nth(0).fill('alice@contoso.com');
  await page.getByTestId('import-account').nth(0).blur();
  await page.getByTestId('import-keep').nth(3).uncheck();
  await page.getByTestId('serial').fill('60234567');
  await page.getByTestId('import-to-inventory').click();
  st = (await importStatus(page)).join('\n');
  assert.match(st, /Added 1 row\(s\) to the inventory/);
  assert.match(st, /Not added .*“Example: alice@contoso.com” \(8 digits: Entra verifies 6-digit codes only\); “Counter Co: bob” \(HOTP, not TOTP\)/);
  const upns = await page.locator('table.inventory [data-field=upn]').evaluateAll((els) => els.map((e) => e.value ?? e.textContent));
  assert.deepEqual(upns, ['me@example.com']);
  items = await importItems(page);
  assert.equal(items.length, 4, 'nothing is lost from the review list');
  assert.equal(items[0].account, 'alice@contoso.com');
  await page.screenshot({ path: join(OUT, 'import-desktop.png'), fullPage: true });

  await page.getByTestId('import-clear').click();
  assert.equal((await importItems(page)).length, 0);
  assert.match((await importStatus(page)).join('\n'), /The review list is cleared/);
  assert.deepEqual(errors, []);
  assert.deepEqual(networkRequests(requests), []);
  await context.close();
});

test('the camera starts (fake device) and stops on Stop, leaving no live track', async () => {
  const cam = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream'],
  });
  try {
    const { context, page, errors, requests } = await openPageWith(cam, singleFileUrl());
    // Count the tracks the page gets, to check they end.
    await page.evaluate(() => {
      const orig = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
      window.__tracks = [];
      navigator.mediaDevices.getUserMedia = async (c) => { const s = await orig(c); window.__tracks.push(...s.getTracks()); return s; };
    });
    await page.getByTestId('import-facing').selectOption('user');
    await page.getByTestId('import-camera').click();
    await page.getByTestId('import-camera-stop').waitFor();
    await page.waitForFunction(() => /Point the camera/.test(document.querySelector('[data-testid=import-camera-status]').textContent));
    await page.waitForFunction(() => document.querySelector('[data-testid=import-video]').videoWidth > 0);
    assert.deepEqual(await page.evaluate(() => window.__tracks.map((t) => t.readyState)), ['live']);
    await page.waitForTimeout(700); // a few frames are sampled (no QR code in the fake picture)
    await page.getByTestId('import-camera-stop').click();
    await page.getByTestId('import-camera').waitFor();
    assert.deepEqual(await page.evaluate(() => window.__tracks.map((t) => t.readyState)), ['ended']);
    assert.equal(await page.getByTestId('import-camera-status').textContent(), 'Camera stopped.');
    assert.deepEqual(errors, []);
    assert.deepEqual(networkRequests(requests), []);
    await context.close();
  } finally {
    await cam.close();
  }
});

test('a refused camera gets a plain message', async () => {
  const { context, page, errors } = await openPageWith(browser, singleFileUrl());
  await page.getByTestId('import-camera').click();
  await page.waitForFunction(() => /camera/i.test(document.querySelector('[data-testid=import-camera-status]').textContent)
    && !/Starting/.test(document.querySelector('[data-testid=import-camera-status]').textContent));
  const msg = await page.getByTestId('import-camera-status').textContent();
  assert.match(msg, /Camera access was refused|No camera was found|could not be started/);
  assert.equal(await page.getByTestId('import-camera').count(), 1);
  assert.deepEqual(errors, []);
  await context.close();
});

test('the panel on a phone (360×740): no horizontal scrolling', async () => {
  const { context, page, errors } = await openPageWith(browser, singleFileUrl(), { viewport: { width: 360, height: 740 } });
  await page.getByTestId('import-text').fill('otpauth://totp/Very%20Long%20Issuer%20Name%20Inc:someone.with.a.long.name@example.com?secret=JBSWY3DPEHPK3PXP&issuer=Very%20Long%20Issuer%20Name%20Inc&digits=8');
  await page.getByTestId('import-text-go').click();
  await importStatus(page);
  const sw = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(sw <= 360, `page is ${sw} px wide`);
  await page.locator('section.import').screenshot({ path: join(OUT, 'import-phone.png') });
  assert.deepEqual(errors, []);
  await context.close();
});
