// Import from QR code pictures: qrencode PNGs of otpauth links, Google Authenticator exports
// (protobuf written here), wrong kinds of code, pictures without a code, a noisy full-HD
// screenshot and a huge picture. Every fixture is made in a temporary directory by this test.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  launch, openPageWith as openPlainPage, singleFileUrl, networkRequests, oathtool, readTokenField, hexToBase32,
  qrencodePng, noisyScreenshot, hugePicture, migrationPayload, migrationUri, importStatus, importItems, OUT, greyPng,
} from './harness.mjs';
import { openTool } from './job.mjs';

/** The page with its import tool open (a tool beside the job since issue 10). */
async function openPageWith(...args) {
  const opened = await openPlainPage(...args);
  await openTool(opened.page, 'import');
  return opened;
}

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

async function openImage(page, path) {
  await page.getByTestId('import-image').setInputFiles(path);
  return importStatus(page);
}

test('an otpauth QR picture: every field, then "use" puts it into the seed panel (code = oathtool)', async () => {
  const { context, page, errors, requests } = await openPageWith(browser, singleFileUrl());
  const secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
  const png = qrencodePng(`otpauth://totp/ACME%20Corp:jo%40acme.example?secret=${secret}&issuer=ACME%20Corp&algorithm=SHA256&digits=8&period=60`,
    join(dir, 'otpauth.png'));
  const status = await openImage(page, png);
  assert.match(status.join('\n'), /otpauth link.*1 account added/);
  const items = await importItems(page);
  assert.equal(items.length, 1);
  assert.deepEqual({ ...items[0], text: undefined }, {
    issuer: 'ACME Corp', account: 'jo@acme.example', algorithm: 'SHA256', digits: 8, period: 60, type: 'totp', text: undefined,
  });
  assert.match(items[0].text, /TOTP · SHA-256 · 8 digits · 60 s · 160 bits/);
  // The default target (a Token2 card) cannot do 8 digits: said next to the account.
  assert.match(items[0].text, /cannot do 8 digits/);

  // A target that can: the Molto2.
  await page.getByTestId('preset').selectOption('molto2');
  await page.getByTestId('import-use').click();
  assert.match((await importStatus(page)).join('\n'), /ACME Corp: jo@acme.example” is now the seed/);
  assert.equal(await page.getByTestId('algorithm').inputValue(), 'SHA256');
  assert.equal(await page.getByTestId('digits').inputValue(), '8');
  assert.equal(await page.getByTestId('period').inputValue(), '60');
  assert.equal(await page.getByTestId('issuer').inputValue(), 'ACME Corp');
  assert.equal(await page.getByTestId('account').inputValue(), 'jo@acme.example');
  const s = await readTokenField(page, 60);
  assert.equal(s.secret, secret);
  assert.equal(s.code, oathtool(secret, s.t, { algorithm: 'SHA256', digits: 8, period: 60 }));
  assert.deepEqual(errors, []);
  assert.deepEqual(networkRequests(requests), []);
  await context.close();
});

test('a Google Authenticator export QR: every account and field; a 2-code batch merges without duplicates', async () => {
  const { context, page, errors, requests } = await openPageWith(browser, singleFileUrl());
  const s1 = Buffer.from('3132333435363738393031323334353637383930', 'hex');
  const s2 = Buffer.from('00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff', 'hex');
  const s3 = Buffer.from('fedcba9876543210fedc', 'hex');
  const s4 = Buffer.from('0102030405060708090a', 'hex');
  const payload = migrationPayload([
    { secret: s1, name: 'alice@example.com', issuer: 'Example', algorithm: 1, digits: 1, type: 2 },
    { secret: s2, name: 'ops', issuer: 'Big Bank', algorithm: 2, digits: 2, type: 2 },
    { secret: s3, name: 'counter', issuer: 'Old VPN', algorithm: 1, digits: 1, type: 1, counter: 42 },
    { secret: s4, name: 'md5', issuer: 'Legacy', algorithm: 4, digits: 1, type: 2 },
  ], { batchSize: 1, batchIndex: 0, batchId: 77 });
  const status = await openImage(page, qrencodePng(migrationUri(payload), join(dir, 'migration.png'), { size: 4 }));
  const text = status.join('\n');
  assert.match(text, /Google Authenticator export: 3 accounts added/);
  assert.match(text, /Skipped account 4 \(Legacy: md5\)/);
  const items = await importItems(page);
  assert.deepEqual(items.map(({ text: _t, ...i }) => i), [
    { issuer: 'Example', account: 'alice@example.com', algorithm: 'SHA1', digits: 6, period: 30, type: 'totp' },
    { issuer: 'Big Bank', account: 'ops', algorithm: 'SHA256', digits: 8, period: 30, type: 'totp' },
    { issuer: 'Old VPN', account: 'counter', algorithm: 'SHA1', digits: 6, period: 30, type: 'hotp' },
  ]);
  assert.match(items[1].text, /256 bits/);
  assert.match(items[2].text, /HOTP \(counter 42\)/);
  assert.match(items[2].text, /HOTP \(counter-based\) account: TOTP hardware tokens cannot generate its codes/);
  // The secrets made it through: use the first and compare with oathtool.
  await page.getByTestId('import-use').first().click();
  const t = await readTokenField(page);
  assert.equal(t.secret, hexToBase32(s1.toString('hex')));
  assert.equal(t.code, oathtool(t.secret, t.t));
  // The second account's secret, too.
  await page.getByTestId('import-use').nth(1).click();
  const t2 = await readTokenField(page);
  assert.equal(t2.secret, hexToBase32(s2.toString('hex')));

  // A batch of two codes: the first says what is missing; reading the second completes it;
  // reading the first again adds nothing.
  await page.getByTestId('import-clear').click();
  const a = migrationPayload([{ secret: s1, name: 'one', issuer: 'B' }], { batchSize: 2, batchIndex: 0, batchId: 991 });
  const b = migrationPayload([{ secret: s2, name: 'two', issuer: 'B', algorithm: 2 }], { batchSize: 2, batchIndex: 1, batchId: 991 });
  let st = await openImage(page, qrencodePng(migrationUri(a), join(dir, 'batch1.png')));
  assert.match(st.join('\n'), /code 1 of 2 of this export — scan the others too \(still missing: 2\)/);
  st = await openImage(page, qrencodePng(migrationUri(b), join(dir, 'batch2.png')));
  assert.match(st.join('\n'), /code 2 of 2 of this export; all 2 codes are read/);
  st = await openImage(page, join(dir, 'batch1.png'));
  assert.match(st.join('\n'), /nothing new \(1 already listed\)/);
  assert.deepEqual((await importItems(page)).map((i) => i.account), ['one', 'two']);
  assert.deepEqual(errors, []);
  assert.deepEqual(networkRequests(requests), []);
  await context.close();
});

test('wrong kinds of code, pictures without a code, damaged exports: plain explanations', async () => {
  const { context, page, errors, requests } = await openPageWith(browser, singleFileUrl());
  const cases = [
    ['phonefactor://activate_account?code=123456789&url=https://mobileappcommunicator.auth.microsoft.com/activate/123',
      /QR code found, but it is not an otpauth code: this is a Microsoft Authenticator sign-in enrolment \(phonefactor:\/\/\)/],
    ['FIDO:/1234567890123456789012345678901234567890', /QR code found, but it is not an otpauth code: this is a passkey \(FIDO\)/],
    ['1234567890123', /QR code found, but it is not an otpauth code: this is a serial number \(1234567890123\), not a seed: type it into the serial field/],
    ['https://example.com/help', /not an otpauth code: this is a web link \(example.com\)/],
    [`otpauth-migration://offline?data=${encodeURIComponent(Buffer.from(migrationPayload([{ secret: Buffer.alloc(20, 7), name: 'x', issuer: 'y' }])).toString('base64').slice(0, 20))}`,
      /QR code found, but it cannot be used: Google Authenticator export: the export data is damaged or incomplete/],
    ['otpauth-migration://offline?data=%%%%not*base64', /Google Authenticator export: the data= parameter/],
  ];
  for (const [i, [text, re]] of cases.entries()) {
    const st = await openImage(page, qrencodePng(text, join(dir, `wrong-${i}.png`)));
    assert.match(st.join('\n'), re, text);
  }
  // No QR code at all: a screenshot of the page header.
  const blank = join(dir, 'no-qr.png');
  await page.locator('header').screenshot({ path: blank });
  assert.match((await openImage(page, blank)).join('\n'), /no-qr.png: No QR code found in the image/);
  // None in a picture scaled down to be read: the advice names the scaling, once.
  const wide = join(dir, 'no-qr-5000.png');
  writeFileSync(wide, greyPng(5000, 40, Buffer.alloc(5000 * 40, 255)));
  const wideSt = (await openImage(page, wide)).join('\n');
  assert.match(wideSt, /no-qr-5000.png is 5000×40 pixels; it was scaled to 4096×33 to decode[^]*no-qr-5000.png: No QR code found at 4096×33, the size it was read at, where a small code may be lost: crop the picture around the code and try again\.$/);
  assert.equal(wideSt.match(/crop/gi).length, 1, wideSt);
  // Not a picture.
  const bad = join(dir, 'broken.png');
  writeFileSync(bad, Buffer.from('89504e470d0a1a0a0000000d49484452deadbeef', 'hex'));
  assert.match((await openImage(page, bad)).join('\n'), /broken.png: The file is not a picture the browser can read/);
  assert.equal(await page.getByTestId('import-list').locator('li[data-testid=import-item]').count(), 0);
  assert.deepEqual(errors, []);
  assert.deepEqual(networkRequests(requests), []);
  await context.close();
});

test('a noisy 1920×1080 screenshot and a huge 8000×6000 picture decode without freezing the page', async () => {
  const { context, page, errors, requests } = await openPageWith(browser, singleFileUrl());
  const uri = 'otpauth://totp/Noisy:screen@example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Noisy';
  const shot = await noisyScreenshot(browser, qrencodePng(uri, join(dir, 'small.png'), { size: 5 }), join(dir, 'screenshot-1920.png'));
  let st = await openImage(page, shot);
  assert.match(st.join('\n'), /1 account added/);
  const ms = Number(await page.getByTestId('import-status').getAttribute('data-decode-ms'));
  assert.ok(ms > 0, `decode time ${ms}`);
  assert.deepEqual((await importItems(page)).map((i) => [i.issuer, i.account]), [['Noisy', 'screen@example.com']]);

  const hugePath = await hugePicture(browser, dir);
  await page.getByTestId('import-image').setInputFiles(hugePath);
  // The page keeps responding while the picture is read and decoded.
  const t0 = Date.now();
  const answered = await page.evaluate(() => 1 + 1);
  assert.equal(answered, 2);
  st = await importStatus(page);
  const took = Date.now() - t0;
  const joined = st.join('\n');
  assert.match(joined, /huge-8000x6000.png is 8000×6000 pixels; it was scaled to 2048×1536 to decode/);
  assert.match(joined, /1 account added/);
  assert.ok(took < 30000, `took ${took} ms`);
  assert.deepEqual(errors, []);
  assert.deepEqual(networkRequests(requests), []);
  await context.close();
});

test('a picture pasted from the clipboard or dropped on the drop zone is decoded', async () => {
  const { context, page, errors, requests } = await openPageWith(browser, singleFileUrl());
  const { readFileSync } = await import('node:fs');
  const b64 = readFileSync(qrencodePng('otpauth://totp/Pasted:p?secret=MFRGGZDFMZTWQ2LK&issuer=Pasted', join(dir, 'pasted.png'))).toString('base64');
  const b64drop = readFileSync(qrencodePng('otpauth://totp/Dropped:d?secret=MFRGGZDFMZTWQ2LL&issuer=Dropped', join(dir, 'dropped.png'))).toString('base64');
  await page.evaluate((b64) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const dt = new DataTransfer();
    dt.items.add(new File([bytes], 'image.png', { type: 'image/png' }));
    document.body.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
  }, b64);
  assert.match((await importStatus(page)).join('\n'), /QR code \(otpauth link\): 1 account added/);
  await page.evaluate((b64) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const dt = new DataTransfer();
    dt.items.add(new File([bytes], 'dropped.png', { type: 'image/png' }));
    const zone = document.querySelector('[data-testid=import-drop]');
    zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
    zone.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, b64drop);
  assert.match((await importStatus(page)).join('\n'), /QR code \(otpauth link\): 1 account added/);
  assert.deepEqual((await importItems(page)).map((i) => i.issuer), ['Pasted', 'Dropped']);
  assert.deepEqual(errors, []);
  assert.deepEqual(networkRequests(requests), []);
  await context.close();
});

test('several QR codes in one picture: all are imported (a whole 2-code export at once)', async () => {
  const { context, page, errors, requests } = await openPageWith(browser, singleFileUrl());
  const { readFileSync } = await import('node:fs');
  const a = migrationPayload([{ secret: Buffer.alloc(16, 1), name: 'first', issuer: 'Multi' }], { batchSize: 2, batchIndex: 0, batchId: 5150 });
  const b = migrationPayload([{ secret: Buffer.alloc(16, 2), name: 'second', issuer: 'Multi', digits: 2 }], { batchSize: 2, batchIndex: 1, batchId: 5150 });
  const c = 'otpauth://totp/Third:x?secret=MFRGGZDFMZTWQ2LKMFRGGZDF&issuer=Third';
  const img = (p) => `<img src="data:image/png;base64,${readFileSync(p).toString('base64')}" style="margin:40px">`;
  const compose = await browser.newPage({ viewport: { width: 1400, height: 600 } });
  await compose.setContent(`<body style="margin:0;background:#fff">${img(qrencodePng(migrationUri(a), join(dir, 'm-a.png'), { size: 5 }))}${img(qrencodePng(migrationUri(b), join(dir, 'm-b.png'), { size: 5 }))}${img(qrencodePng(c, join(dir, 'm-c.png'), { size: 5 }))}</body>`);
  const shot = join(dir, 'three-codes.png');
  await compose.screenshot({ path: shot });
  await compose.close();
  const st = (await openImage(page, shot)).join('\n');
  assert.match(st, /three-codes.png: 3 QR codes found/);
  assert.match(st, /all 2 codes are read/);
  assert.deepEqual((await importItems(page)).map((i) => [i.issuer, i.account, i.digits]).sort(),
    [['Multi', 'first', 6], ['Multi', 'second', 8], ['Third', 'x', 6]]);
  assert.deepEqual(errors, []);
  assert.deepEqual(networkRequests(requests), []);
  await context.close();
});

test('a 4K screenshot with a small code is found (a full-size pass when the reduced one finds nothing)', async () => {
  const { context, page, errors, requests } = await openPageWith(browser, singleFileUrl());
  const uri = 'otpauth://totp/Tiny:four-k@example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Tiny&algorithm=SHA256';
  const shot = await noisyScreenshot(browser, qrencodePng(uri, join(dir, 'tiny.png'), { size: 2 }), join(dir, 'screenshot-4k.png'), { width: 3840, height: 2160 });
  const st = (await openImage(page, shot)).join('\n');
  assert.match(st, /1 account added/);
  assert.doesNotMatch(st, /scaled/);
  const ms = Number(await page.getByTestId('import-status').getAttribute('data-decode-ms'));
  console.log(`4K screenshot with a 2 px/module code: ${ms} ms`);
  assert.deepEqual((await importItems(page)).map((i) => [i.issuer, i.account, i.algorithm]), [['Tiny', 'four-k@example.com', 'SHA256']]);
  assert.deepEqual(errors, []);
  assert.deepEqual(networkRequests(requests), []);
  await context.close();
});
