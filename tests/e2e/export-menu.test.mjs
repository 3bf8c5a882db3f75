// Issue 13, the page's side: the export menu writes every format, read back by independent
// readers (Python's csv, python-pskc, GnuPG); recipients' keys are confirmed, refused when
// expired, remembered only on request; the inventory re-imports what it exports.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch, openPageWith, singleFileUrl, networkRequests, OUT } from './harness.mjs';

const PYTHON = process.env.TOKENSMITH_PYTHON || join(OUT, '..', '..', 'target', 'pyenv', 'bin', 'python');

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

// Three tokens, read into the page from an Entra CSV (one at 60 s).
const TOKENS = [
  { upn: 'alice@contoso.com', serial: '2200000000001', hex: '3132333435363738393031323334353637383930', b32: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', interval: 30 },
  { upn: 'bob@contoso.com', serial: '2200000000002', hex: '48656c6c6f21deadbeef', b32: 'JBSWY3DPEHPK3PXP', interval: 30 },
  { upn: 'carol@contoso.com', serial: '2200000000003', hex: '00112233445566778899aabbccddeeff00112233', b32: 'AAISEM2EKVTHPCEZVK54ZXPO74ABCIRT', interval: 60 },
];
const ENTRA = 'upn,serial number,secret key,time interval,manufacturer,model\r\n'
  + TOKENS.map((t) => `${t.upn},${t.serial},${t.b32},${t.interval},Token2,C302-i`).join('\r\n') + '\r\n';

async function importFile(page, name, text) {
  await page.getByTestId('import-csv').setInputFiles({ name, mimeType: 'application/octet-stream', buffer: Buffer.from(text) });
}

async function withTokens(url = singleFileUrl(), viewport) {
  const opened = await openPageWith(browser, url, viewport ? { viewport } : {});
  await importFile(opened.page, 'tokens.csv', ENTRA);
  await opened.page.waitForFunction(() => /Imported 3 row/.test(document.querySelector('[data-testid=inventory-status]').textContent));
  return opened;
}

/** Saves the list in `format` through the export menu; returns the file's name and bytes. */
async function save(page, format) {
  await page.getByTestId(`format-${format}`).check();
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('save-export').click()]);
  const path = join(OUT, `export-${dl.suggestedFilename()}`);
  await dl.saveAs(path);
  return { name: dl.suggestedFilename(), bytes: readFileSync(path) };
}

const status = (page) => page.getByTestId('inventory-status').textContent();
const py = (code, args, input) => execFileSync(PYTHON, ['-c', code, ...args], { input, encoding: 'utf8' });
const csvRows = (text) => JSON.parse(py('import csv, io, json, sys\nprint(json.dumps(list(csv.reader(io.StringIO(sys.stdin.read(), newline="")))))', [], text));

// python-pskc: every key as it reads it; argv[1] is the pre-shared key (hex) or argv[2] the password.
const PSKC_DUMP = `
import json, sys, pskc
p = pskc.PSKC(sys.stdin.buffer)
if sys.argv[1]: p.encryption.key = bytes.fromhex(sys.argv[1])
if sys.argv[2]: p.encryption.derive_key(sys.argv[2])
print(json.dumps([dict(serial=k.serial, secret=k.secret.hex(), digits=k.response_length,
    interval=k.time_interval, suite=k.algorithm_suite, algorithm=k.algorithm,
    userid=k.key_userid, model=k.model, manufacturer=k.manufacturer) for k in p.keys]))
`;
const pskcKeys = (xml, key = '', password = '') => JSON.parse(py(PSKC_DUMP, [key, password], xml));

function assertPskc(keys) {
  assert.deepEqual(keys, TOKENS.map((t) => ({
    serial: t.serial, secret: t.hex, digits: 6, interval: t.interval, suite: 'SHA1',
    algorithm: 'urn:ietf:params:xml:ns:keyprov:pskc:totp', userid: t.upn, model: 'C302-i', manufacturer: 'Token2',
  })));
}

test('every format from the export menu reads back with an independent reader', async () => {
  const { context, page, errors, requests } = await withTokens();
  // The menu lists every format with what it is for.
  const formats = await page.getByTestId('export-formats').textContent();
  for (const f of ['Entra ID CSV', 'Microsoft Graph JSON', 'PSKC (RFC 6030)', 'Duo hardware-token CSV', 'privacyIDEA / LinOTP OATH CSV', 'otpauth:// links']) {
    assert.ok(formats.includes(f), f);
  }
  assert.match(formats, /privacyIDEA, FreeIPA, NetIQ and DigitalPersona import/);

  let f = await save(page, 'entra-csv');
  assert.equal(f.name, 'entra-oath-tokens.csv');
  assert.deepEqual(csvRows(f.bytes.toString()), [
    ['upn', 'serial number', 'secret key', 'time interval', 'manufacturer', 'model'],
    ...TOKENS.map((t) => [t.upn, t.serial, t.b32, String(t.interval), 'Token2', 'C302-i'])]);
  assert.match(await status(page), /Saved 3 row\(s\) as entra-oath-tokens\.csv \(Entra ID CSV, not encrypted\)/);

  f = await save(page, 'graph-json');
  assert.deepEqual(JSON.parse(f.bytes).value.map((d) => [d.serialNumber, d.secretKey, d.timeIntervalInSeconds]),
    TOKENS.map((t) => [t.serial, t.b32, t.interval]));

  f = await save(page, 'pskc');
  assert.equal(f.name, 'oath-tokens-pskc.xml');
  assertPskc(pskcKeys(f.bytes));

  // Pre-shared key: made by the page, shown once, and the one python-pskc opens the file with.
  await page.getByTestId('pskc-key').check();
  const key = (await page.getByTestId('pskc-key-hex').textContent()).replace(/\s+/g, '');
  assert.match(key, /^[0-9a-f]{32}$/);
  f = await save(page, 'pskc');
  assert.ok(!f.bytes.toString().includes(TOKENS[0].b32) && !f.bytes.toString().includes('MTIzNDU2Nzg5MDEyMzQ1Njc4OTA='), 'no plain seed');
  assertPskc(pskcKeys(f.bytes, key));
  assert.match(await status(page), /encrypted with the pre-shared key shown/);
  // Leaving the choice drops the key; coming back makes another.
  await page.getByTestId('pskc-plain').check();
  await page.getByTestId('pskc-key').check();
  assert.notEqual((await page.getByTestId('pskc-key-hex').textContent()).replace(/\s+/g, ''), key);

  // Password: too short and mismatched are refused, then PBKDF2 that python-pskc derives.
  await page.getByTestId('pskc-password').check();
  await page.getByTestId('pskc-password-1').fill('short');
  await page.getByTestId('save-export').click();
  assert.match(await status(page), /the password is 5 characters; use at least 12/);
  await page.getByTestId('pskc-password-1').fill('correct horse battery');
  await page.getByTestId('pskc-password-2').fill('correct horse batterie');
  await page.getByTestId('save-export').click();
  assert.match(await status(page), /the two passwords differ/);
  await page.getByTestId('pskc-password-2').fill('correct horse battery');
  // PBKDF2 (100,000 rounds) runs in the worker: no main-thread task over 50 ms meanwhile.
  await page.evaluate(() => {
    window.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__longTasks.push(Math.round(e.duration));
    }).observe({ type: 'longtask' });
  });
  f = await save(page, 'pskc');
  assertPskc(pskcKeys(f.bytes, '', 'correct horse battery'));
  const long = await page.evaluate(() => window.__longTasks);
  assert.ok(long.every((ms) => ms <= 50), `main-thread long tasks while the password's key was derived: ${long.join(', ')} ms`);
  await page.getByTestId('pskc-plain').check();

  f = await save(page, 'duo-csv');
  assert.equal(f.name, 'duo-hardware-tokens.csv');
  assert.deepEqual(csvRows(f.bytes.toString()), TOKENS.map((t) => [t.serial, t.hex, String(t.interval)]));
  assert.match(await page.getByTestId('export-duo-type').textContent(), /choose “TOTP 6-digit”/);

  f = await save(page, 'oath-csv');
  assert.deepEqual(csvRows(f.bytes.toString()), TOKENS.map((t) => [t.serial, t.hex, 'totp', '6', String(t.interval)]));

  f = await save(page, 'otpauth');
  const links = f.bytes.toString().trim().split('\n').map((l) => new URL(l));
  assert.deepEqual(links.map((u) => [u.protocol, u.searchParams.get('secret'), u.searchParams.get('period')]),
    TOKENS.map((t) => ['otpauth:', t.b32, String(t.interval)]));

  // Entra's rules still refuse with the row to fix.
  await page.getByTestId('inventory-edit').click();
  const upn = page.locator('[data-testid=inventory] tbody tr[data-row="1"] input[data-field=upn]');
  await upn.fill('bob');
  await upn.press('Tab');
  await page.getByTestId('format-entra-csv').check();
  await page.getByTestId('save-export').click();
  assert.match(await status(page), /Not exported as Entra ID CSV: 1 problem\(s\).*row 2/);
  assert.deepEqual(errors, []);
  assert.deepEqual(networkRequests(requests), []);
  await context.close();
});

/** A throw-away GnuPG home with one key made now (or at `faked`, expiring a year later). */
function gpgHome(uid, faked) {
  const home = mkdtempSync(join(tmpdir(), 'tsexp-'));
  const gpg = (args, input) => execFileSync('gpg', ['--homedir', home, '--batch', '--no-tty', '--pinentry-mode', 'loopback',
    '--passphrase', '', ...args], { input, stdio: ['pipe', 'pipe', 'pipe'] });
  gpg([...(faked ? ['--faked-system-time', faked] : []), '--quick-gen-key', uid, 'future-default', 'default', faked ? '1y' : 'never']);
  const fpr = gpg(['--with-colons', '--list-keys']).toString().split('\n').find((l) => l.startsWith('fpr:')).split(':')[9];
  return {
    gpg, fpr, home,
    pub: (armor = true) => gpg([...(armor ? ['--armor'] : []), '--export', fpr]),
    decrypt: (message) => gpg(['--decrypt'], message),
    close() {
      try { execFileSync('gpgconf', ['--kill', 'gpg-agent'], { env: { ...process.env, GNUPGHOME: home } }); } catch { /* none */ }
      rmSync(home, { recursive: true, force: true });
    },
  };
}

test('encrypted exports: two confirmed recipients, GnuPG opens each file with either key to exactly the plain export', async () => {
  const alice = gpgHome('Alice Admin <alice@example.org>');
  const bob = gpgHome('Bob Backup <bob@example.org>');
  const olga = gpgHome('Old Olga <olga@example.org>', '20200101T000000');
  const { context, page, errors, requests } = await withTokens();
  try {
    // Both public keys pasted at once; the expired one opened as a binary file.
    await page.getByTestId('recipient-paste').fill(alice.pub().toString() + bob.pub().toString());
    await page.getByTestId('recipient-add').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=recipient]').length === 2, null, { timeout: 60000 });
    await page.getByTestId('recipient-file').setInputFiles({ name: 'olga.gpg', mimeType: 'application/octet-stream', buffer: olga.pub(false) });
    await page.waitForSelector('[data-testid=recipient-refused]', { timeout: 60000 });
    const cards = await page.$$eval('[data-testid=recipient]', (els) => els.map((e) => ({
      fpr: e.dataset.fingerprint,
      grouped: e.querySelector('[data-testid=recipient-fingerprint]').textContent,
      user: e.querySelector('[data-testid=recipient-user]').textContent,
      details: e.querySelector('[data-testid=recipient-details]').textContent,
    })));
    assert.deepEqual(cards.map((c) => [c.fpr, c.grouped, c.user]), [
      [alice.fpr, alice.fpr.match(/.{4}/g).join(' '), 'Alice Admin <alice@example.org>'],
      [bob.fpr, bob.fpr.match(/.{4}/g).join(' '), 'Bob Backup <bob@example.org>'],
    ]);
    assert.match(cards[0].details, /^EdDSA \(Ed25519\) · encrypts with ECDH \(Curve25519\) · created \d{4}-\d\d-\d\d · does not expire$/);
    const refusal = await page.locator('[data-testid=recipient-refused] [data-testid=recipient-refusal]').textContent();
    assert.match(refusal, /Old Olga <olga@example\.org>\) cannot be used: it expired on 202[01]-\d\d-\d\d: ask the recipient for a renewed or new public key/);
    await page.locator('[data-testid=recipient-refused] [data-testid=recipient-remove]').click();

    // Not confirmed yet: nothing is saved, plain or encrypted.
    await page.getByTestId('format-oath-csv').check();
    await page.getByTestId('save-export').click();
    assert.match(await status(page), /confirm the recipients' fingerprints first.*Alice Admin/);
    for (const c of await page.getByTestId('recipient-confirm').all()) await c.check();
    assert.match(await page.getByTestId('save-export').textContent(), /Save oath-tokens\.csv\.asc \(encrypted\)/);

    for (const format of ['entra-csv', 'graph-json', 'pskc', 'duo-csv', 'oath-csv', 'otpauth']) {
      const sealed = await save(page, format);
      assert.match(sealed.name, /\.asc$/);
      assert.match(sealed.bytes.toString(), /^-----BEGIN PGP MESSAGE-----/);
      assert.match(await status(page), /encrypted to key [0-9A-F]{16} \(Alice Admin <alice@example\.org>\), key [0-9A-F]{16} \(Bob Backup/);
      // A plain file only by explicit choice, and only for that one save.
      await page.getByTestId('export-unencrypted').check();
      const plain = await save(page, format);
      assert.equal(`${plain.name}.asc`, sealed.name);
      assert.equal(await page.getByTestId('export-unencrypted').isChecked(), false);
      assert.deepEqual(alice.decrypt(sealed.bytes), plain.bytes, `${format}: Alice`);
      assert.deepEqual(bob.decrypt(sealed.bytes), plain.bytes, `${format}: Bob`);
    }
    // A binary message, for Bob alone once Alice's key is removed.
    await page.locator(`[data-fingerprint="${alice.fpr}"] [data-testid=recipient-remove]`).click();
    await page.getByTestId('armour-gpg').check();
    const binary = await save(page, 'entra-csv');
    assert.equal(binary.name, 'entra-oath-tokens.csv.gpg');
    assert.notEqual(binary.bytes[0], 0x2d, 'binary, not armoured');
    assert.match(bob.decrypt(binary.bytes).toString(), /^upn,serial number/);
    assert.throws(() => alice.decrypt(binary.bytes));
    assert.match(await page.getByTestId('entra-decrypt').textContent(), /gpg --output entra-oath-tokens\.csv --decrypt entra-oath-tokens\.csv\.gpg/);
    assert.deepEqual(errors, []);
    assert.deepEqual(networkRequests(requests), []);
  } finally {
    await context.close();
    [alice, bob, olga].forEach((h) => h.close());
  }
});

test('recipients are remembered only when asked, and forgotten again', async () => {
  const alice = gpgHome('Alice Admin <alice@example.org>');
  const context = await browser.newContext();
  const page = await context.newPage();
  try {
    await page.goto(singleFileUrl());
    await page.getByTestId('recipient-paste').fill(alice.pub().toString());
    await page.getByTestId('recipient-add').click();
    await page.getByTestId('recipient-confirm').check({ timeout: 60000 });
    await page.reload();
    await page.waitForSelector('[data-testid=recipients]');
    assert.equal(await page.locator('[data-testid=recipient]').count(), 0, 'not remembered unless asked');

    await page.getByTestId('recipient-paste').fill(alice.pub().toString());
    await page.getByTestId('recipient-add').click();
    await page.getByTestId('recipient-confirm').check({ timeout: 60000 });
    await page.getByTestId('recipients-remember').check();
    const stored = await page.evaluate(() => Object.entries(localStorage));
    assert.deepEqual(stored.map(([k]) => k).filter((k) => /recipients/.test(k)), ['tokensmith.export.recipients']);
    await page.reload();
    await page.waitForSelector('[data-testid=recipient]');
    assert.equal(await page.locator('[data-testid=recipient]').getAttribute('data-fingerprint'), alice.fpr);
    assert.equal(await page.getByTestId('recipient-confirm').isChecked(), true);
    await page.getByTestId('recipients-remember').uncheck();
    await page.reload();
    await page.waitForSelector('[data-testid=recipients]');
    assert.equal(await page.locator('[data-testid=recipient]').count(), 0, 'forgotten');
    assert.deepEqual(await page.evaluate(() => Object.keys(localStorage).filter((k) => /recipients/.test(k))), []);
  } finally {
    await context.close();
    alice.close();
  }
});

test('the inventory re-imports its PSKC (plain, pre-shared key, password) and CSVs, and a PSKC python-pskc wrote', async () => {
  const { context, page, errors, requests } = await withTokens();
  const files = {};
  for (const f of ['entra-csv', 'duo-csv', 'oath-csv', 'pskc']) files[f] = await save(page, f);
  await page.getByTestId('pskc-key').check();
  const key = (await page.getByTestId('pskc-key-hex').textContent()).replace(/\s+/g, '');
  files.psk = await save(page, 'pskc');
  await page.getByTestId('pskc-password').check();
  await page.getByTestId('pskc-password-1').fill('correct horse battery');
  await page.getByTestId('pskc-password-2').fill('correct horse battery');
  files.pbkdf2 = await save(page, 'pskc');
  const oath = files['oath-csv'].bytes.toString();
  await context.close();

  // Python-pskc's own file, for the same tokens.
  files.python = { name: 'python.xml', bytes: Buffer.from(py(`
import pskc, sys
p = pskc.PSKC()
for serial, hexkey, interval, user in ${JSON.stringify(TOKENS.map((t) => [t.serial, t.hex, t.interval, t.upn]))}:
    p.add_key(serial=serial, secret=bytes.fromhex(hexkey), algorithm='urn:ietf:params:xml:ns:keyprov:pskc:totp',
              response_length=6, time_interval=interval, key_userid=user, manufacturer='Token2', model='C302-i')
p.write(sys.stdout.buffer)
`, [])) };

  const cases = [
    ['entra-csv', null], ['oath-csv', null], ['pskc', null], ['python', null],
    ['duo-csv', { select: 'TOTP 6-digit', ask: /does not say its token type/ }],
    ['psk', { fill: key, ask: /encrypted with a pre-shared key named 'PSKC transport key': enter that key \(32 hex digits\)/ }],
    ['pbkdf2', { fill: 'correct horse battery', wrong: 'not the password!', ask: /encrypted with a password named 'PSKC transport key'/ }],
  ];
  for (const [what, ask] of cases) {
    const fresh = await openPageWith(browser, singleFileUrl());
    const p = fresh.page;
    await importFile(p, files[what].name, files[what].bytes);
    if (ask) {
      await p.waitForSelector('[data-testid=import-ask]');
      assert.match(await p.getByTestId('import-ask-text').textContent(), ask.ask, what);
      if (ask.wrong) {
        await p.getByTestId('import-unlock').fill(ask.wrong);
        await p.getByTestId('import-go').click();
        // A password's key is derived in the worker: the answer comes when it is done.
        await p.waitForFunction(() => !/^Deriving/.test(document.querySelector('[data-testid=inventory-status]').textContent));
        assert.match(await p.getByTestId('inventory-status').textContent(), /Could not open .*Try again/, what);
        assert.equal(await p.locator('[data-testid=inventory] tbody tr').count(), 0);
      }
      if (ask.fill) await p.getByTestId('import-unlock').fill(ask.fill);
      if (ask.select) await p.getByTestId('import-duo-type').selectOption(ask.select);
      await p.getByTestId('import-go').click();
    }
    await p.waitForFunction(() => /Imported 3 row/.test(document.querySelector('[data-testid=inventory-status]').textContent));
    // The same tokens: the re-imported list writes the same OATH CSV (serial, seed, type, digits, step).
    const again = await save(p, 'oath-csv');
    assert.equal(again.bytes.toString(), oath, what);
    if (what === 'entra-csv' || what === 'pskc' || what === 'python') {
      assert.deepEqual((await save(p, 'entra-csv')).bytes, files['entra-csv'].bytes, `${what}: UPN, maker and model too`);
    }
    assert.deepEqual(fresh.errors, []);
    assert.deepEqual(networkRequests(fresh.requests), []);
    await fresh.context.close();
  }
  assert.deepEqual(errors, []);
  assert.deepEqual(networkRequests(requests), []);
});

test('screenshots: the export menu and the recipient confirmation, desktop and phone', async () => {
  const alice = gpgHome('Alice Admin <alice@example.org>');
  const olga = gpgHome('Old Olga <olga@example.org>', '20200101T000000');
  try {
    for (const [name, viewport] of [['desktop', { width: 1366, height: 768 }], ['phone', { width: 390, height: 844 }]]) {
      const { context, page, errors } = await withTokens(singleFileUrl(), viewport);
      await page.getByTestId('format-pskc').check();
      await page.getByTestId('pskc-key').check();
      await page.locator('#export-menu').screenshot({ path: join(OUT, `export-menu-${name}.png`) });
      await page.getByTestId('recipient-paste').fill(alice.pub().toString() + olga.pub().toString());
      await page.getByTestId('recipient-add').click();
      await page.waitForSelector('[data-testid=recipient-refused]', { timeout: 60000 });
      await page.locator('[data-testid=recipients]').screenshot({ path: join(OUT, `export-recipients-${name}.png`) });
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.equal(overflow, 0, `${name}: no sideways scrolling`);
      assert.deepEqual(errors, []);
      await context.close();
    }
  } finally {
    alice.close();
    olga.close();
  }
});

test('many unverified rows: the first ten are named, the rest counted', async () => {
  const b32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let csv = 'upn,serial number,secret key,timeinterval,manufacturer,model\r\n';
  for (let i = 0; i < 12; i++) csv += `user${i}@contoso.com,${700000 + i},JBSWY3DPEHPK3PXPJBSWY3DPEHPK3P${b32[i]}${b32[i + 1]},30,Token2,C302-i\r\n`;
  const { context, page, errors } = await openPageWith(browser, singleFileUrl());
  await importFile(page, 'twelve.csv', csv);
  await page.waitForFunction(() => /Imported 12 row/.test(document.querySelector('[data-testid=inventory-status]').textContent));
  const text = await page.getByTestId('export-unverified').textContent();
  assert.match(text, /^12 rows not verified: row 1 \(serial 700000, user0@contoso\.com\); /);
  assert.match(text, /row 10 \(serial 700009, user9@contoso\.com\); and 2 more \(the table's status column marks each\)\./);
  assert.ok(!text.includes('700010'), text);
  assert.deepEqual(errors, []);
  await context.close();
});
