// HOTP credentials from the page (issue 9 point 7), against `hardware-bridge --simulate serve`
// with a burn journal: step 3's options make an HOTP credential (initial counter) for the OATH
// key; the burn reads no code back and says so; the inventory holds an HOTP row with its
// counter; the Entra exports leave it out by name; the OATH CSV (Python's csv) and PSKC
// (python-pskc) carry the seed and counter; the check that uses no code (LIST) and the one that
// does (one code, the counter moves on) — the key's codes are oathtool's `--hotp -c N`; the
// journal holds it too (`results-to-csv`); a PSKC brought back imports it as an HOTP row.
// Screenshots (desktop 1366×768, phone 390×844) land in tests/out/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch, openPageWith, singleFileUrl, startBridge, bridgeApi, networkRequests, OUT } from './harness.mjs';
import { openOptions, selectReader, secretOf, burn, cell } from './job.mjs';

const PYTHON = process.env.TOKENSMITH_PYTHON || join(OUT, '..', '..', 'target', 'pyenv', 'bin', 'python');
const DESKTOP = { width: 1366, height: 768 };
const PHONE = { width: 390, height: 844 };

let browser;
let bridge;
let dir;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ts-hotp-'));
  browser = await launch();
  bridge = await startBridge({ extra: ['--plaintext-results', '--results-file', join(dir, 'burns.journal')] });
});
after(async () => {
  await bridge?.stop();
  await browser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** oathtool's HOTP code at `counter` (an independent implementation). */
const hotp = (b32, counter) => execFileSync('oathtool', ['--hotp', '-b', '-c', String(counter), b32], { encoding: 'utf8' }).trim();
const py = (code, args, input) => execFileSync(PYTHON, ['-c', code, ...args], { input, encoding: 'utf8' });
const csvRows = (text) => JSON.parse(py('import csv, io, json, sys\nprint(json.dumps(list(csv.reader(io.StringIO(sys.stdin.read(), newline="")))))', [], text));
const PSKC_DUMP = `
import json, sys, pskc
p = pskc.PSKC(sys.stdin.buffer)
print(json.dumps([dict(serial=k.serial, secret=k.secret.hex(), counter=k.counter, digits=k.response_length,
    algorithm=k.algorithm, userid=k.key_userid) for k in p.keys]))
`;
const b32hex = (b32) => {
  const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of b32.replace(/=+$/, '')) bits += A.indexOf(c).toString(2).padStart(5, '0');
  return bits.match(/.{8}/g).map((b) => parseInt(b, 2).toString(16).padStart(2, '0')).join('');
};

async function open(viewport = DESKTOP, url = bridge.url) {
  const mobile = viewport === PHONE ? { isMobile: true, hasTouch: true } : {};
  const o = await openPageWith(browser, url, { viewport, ...mobile });
  if (url === bridge.url) {
    await o.page.waitForFunction(() => document.querySelectorAll('[data-testid=bridge-readers] li').length === 3);
  }
  return o;
}

/** Step 1 to 3 for an HOTP credential on the simulated OATH key. */
async function hotpJob(page, { upn, counter }) {
  await selectReader(page, 'oath');
  await page.getByTestId('upn').fill(upn);
  await openOptions(page);
  await page.getByTestId('oath-kind').selectOption('hotp');
  await page.getByTestId('oath-counter').fill(String(counter));
  await page.getByTestId('account').fill(upn);
}

async function save(page, format) {
  await page.getByTestId(`format-${format}`).check();
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('save-export').click()]);
  const path = join(OUT, `hotp-${dl.suggestedFilename()}`);
  await dl.saveAs(path);
  return { name: dl.suggestedFilename(), bytes: readFileSync(path) };
}

const calculations = () => bridge.log.filter((l) => /POST \/api\/oath\/code/.test(l)).length;

test('an HOTP credential burned from the page: recorded, left out of Entra, exported with its counter, checked with and without using a code', async () => {
  const { context, page, errors, requests } = await open();
  await hotpJob(page, { upn: 'bob@contoso.com', counter: 5 });
  assert.match(await page.getByTestId('seed-params').textContent(), /HOTP from counter 5/);
  assert.equal(await page.getByTestId('period').isDisabled(), true, 'HOTP has no period');
  assert.match(await page.getByTestId('oath-hotp-note').textContent(), /Entra takes TOTP only/);
  assert.match(await page.getByTestId('bridge-summary').textContent(), /as an HOTP credential \(SHA-1, 6 digits, counter 5\).*No code is read back/);
  const secret = await secretOf(page);
  await page.locator('#step-seed').screenshot({ path: join(OUT, 'hotp-options-desktop.png') });

  await burn(page);
  const result = await page.getByTestId('bridge-result').textContent();
  assert.match(result, /Not checked: HOTP: calculating a code now would use it up/);
  assert.equal(calculations(), 0, 'the burn read no code');
  // The inventory: an HOTP row with its counter.
  assert.equal(await cell(page, 0, 'settings'), 'SHA-1 · HOTP, counter 5');
  assert.equal(await cell(page, 0, 'status'), 'burned · not verified');
  const serial = await cell(page, 0, 'serial');
  assert.equal(serial, '12345678');
  // Step 5: said, not calculated; the expected next code is oathtool's for counter 5.
  assert.match(await page.getByTestId('hotp-not-read').textContent(), /did not ask the key for a code/);
  const next = await page.locator('#step-verify').textContent();
  assert.ok(next.includes(`counter 5) should be ${hotp(secret, 5).replace(/(\d{3})(\d{3})/, '$1 $2')}`), next);
  assert.equal(await page.locator('#step-finish').getAttribute('data-phase'), 'now', 'an HOTP row does not hold the job at step 5');

  // Entra's formats: the row is left out, by name and why; alone it makes no file.
  await page.getByTestId('format-entra-csv').check();
  assert.match(await page.getByTestId('export-left-out').textContent(),
    /row 1 \(serial 12345678, bob@contoso\.com\).*left out of the Entra ID CSV: HOTP \(counter-based\), and Entra takes time-based \(TOTP\) tokens only; export it as PSKC, OATH CSV or otpauth links/);
  await page.getByTestId('save-export').click();
  assert.match(await page.getByTestId('inventory-status').textContent(), /Nothing to export as Entra ID CSV: every row is left out/);
  await page.getByTestId('format-graph-json').check();
  assert.match(await page.getByTestId('export-left-out').textContent(), /left out of the Microsoft Graph JSON/);

  // OATH CSV and PSKC carry the seed and the counter (read by Python's csv and python-pskc).
  const hex = b32hex(secret);
  const oath = csvRows((await save(page, 'oath-csv')).bytes.toString());
  assert.deepEqual(oath, [[serial, hex, 'hotp', '6', '5']]);
  const keys = JSON.parse(py(PSKC_DUMP, [], (await save(page, 'pskc')).bytes));
  assert.deepEqual(keys, [{ serial, secret: hex, counter: 5, digits: 6, algorithm: 'urn:ietf:params:xml:ns:keyprov:pskc:hotp', userid: 'bob@contoso.com' }]);
  assert.equal(await page.getByTestId('export-left-out').count(), 0, 'PSKC holds it');

  // The check that uses no code: LIST.
  await page.getByTestId('hotp-look-up').click();
  await page.waitForFunction(() => /no code was used/.test(document.querySelector('[data-testid=hotp-check]').textContent));
  assert.match(await page.getByTestId('hotp-check').textContent(), /holds “Tokensmith:bob@contoso\.com” as HOTP SHA-1/);
  assert.equal(calculations(), 0);
  await page.locator('#step-verify').screenshot({ path: join(OUT, 'hotp-verify-desktop.png') });

  // The one that does: the key's code for counter 5 is oathtool's; the row moves on to 6.
  assert.match(await page.getByTestId('hotp-calculate').textContent(), /the counter moves on to 6/);
  await page.getByTestId('hotp-calculate').click();
  await page.waitForFunction(() => /verified|not/.test(document.querySelector('[data-testid=hotp-check]').textContent) && !/Asking/.test(document.querySelector('[data-testid=hotp-check]').textContent));
  const said = await page.getByTestId('hotp-check').textContent();
  assert.match(said, /as expected: verified\. Its counter is 6 now/, said);
  assert.ok(said.includes(hotp(secret, 5).replace(/(\d{3})(\d{3})/, '$1 $2')), said);
  assert.equal(calculations(), 1);
  assert.equal(await cell(page, 0, 'settings'), 'SHA-1 · HOTP, counter 6');
  assert.equal(await cell(page, 0, 'status'), 'burned · verified by the key');
  // The export after the check starts where the key is now…
  const after = csvRows((await save(page, 'oath-csv')).bytes.toString());
  assert.deepEqual(after, [[serial, hex, 'hotp', '6', '6']]);
  const pskcBack = await save(page, 'pskc');
  // …and so does the emulated key: its next code is oathtool's for counter 6.
  const code = await bridgeApi(bridge, '/api/oath/code', { reader: 'OATH', name: 'Tokensmith:bob@contoso.com' });
  assert.equal(code.status, 200, JSON.stringify(code.json));
  assert.equal(code.json.code, hotp(secret, 6));
  await page.getByTestId('format-entra-csv').check();
  await page.locator('#export-menu').screenshot({ path: join(OUT, 'hotp-export-desktop.png') });
  assert.deepEqual(errors, []);
  assert.deepEqual(networkRequests(requests).filter((u) => !u.startsWith(bridge.origin)), []);
  await context.close();

  // The journal: the HOTP seed with its initial counter; Entra's CSV names it and leaves it out.
  const journal = join(dir, 'burns.journal');
  const bin = process.env.TOKENSMITH_BRIDGE;
  const fromJournal = execFileSync(bin, ['results-to-csv', journal, '--format', 'oath-csv'], { encoding: 'utf8' });
  assert.deepEqual(csvRows(fromJournal), [[serial, hex, 'hotp', '6', '5']]);
  const entra = spawnEntra(bin, journal);
  assert.match(entra.stderr, /1 HOTP credential\(s\) left out — Entra takes time-based \(TOTP\) tokens only: 12345678 \(Tokensmith:bob@contoso\.com\), counter 5/);

  // Imported back: an HOTP row with its counter, not left out.
  const fresh = await open(DESKTOP, singleFileUrl());
  await fresh.page.getByTestId('import-csv').setInputFiles({ name: pskcBack.name, mimeType: 'application/octet-stream', buffer: pskcBack.bytes });
  await fresh.page.waitForFunction(() => /Imported 1 row/.test(document.querySelector('[data-testid=inventory-status]').textContent));
  assert.match(await fresh.page.getByTestId('inventory-status').textContent(), /HOTP \(counter-based\) rows: serial 12345678 \(counter 6\)/);
  assert.equal(await cell(fresh.page, 0, 'settings'), 'SHA-1 · HOTP, counter 6');
  assert.deepEqual(csvRows((await save(fresh.page, 'oath-csv')).bytes.toString()), [[serial, hex, 'hotp', '6', '6']]);
  assert.deepEqual(fresh.errors, []);
  await fresh.context.close();
});

function spawnEntra(bin, journal) {
  const r = spawnSync(bin, ['results-to-csv', journal, '--format', 'entra-csv'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r;
}

test('screenshots: HOTP options and step 5 on a phone', async () => {
  const { context, page, errors } = await open(PHONE);
  await hotpJob(page, { upn: 'carol@contoso.com', counter: 0 });
  await page.locator('#step-seed').screenshot({ path: join(OUT, 'hotp-options-phone.png') });
  await burn(page);
  await page.waitForSelector('[data-testid=hotp-not-read]');
  await page.locator('#step-verify').screenshot({ path: join(OUT, 'hotp-verify-phone.png') });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.equal(overflow, 0, 'no sideways scrolling');
  assert.deepEqual(errors, []);
  await context.close();
});

test('with an HOTP row left out of the Entra check, the problems name rows as the list numbers them', async () => {
  const { context, page, errors } = await openPageWith(browser, singleFileUrl());
  const seed = '3132333435363738393031323334353637383930';
  const other = '48656c6c6f21deadbeef48656c6c6f21deadbeef';
  // Row 1 is HOTP (Entra's formats leave it out); rows 2 and 3 are the same token twice.
  const file = `H-1,${other},hotp,6,0\nT-1,${seed},totp,6,30\nT-1,${seed},totp,6,30\n`;
  await page.getByTestId('import-csv').setInputFiles({ name: 'mixed.csv', mimeType: 'text/csv', buffer: Buffer.from(file) });
  await page.waitForFunction(() => /mixed\.csv/.test(document.querySelector('[data-testid=inventory-status]').textContent));
  const problems = (row) => page.locator(`[data-testid=inventory] tbody tr[data-row="${row}"] .row-issues`).textContent();
  assert.match(await problems(0), /HOTP|time-based/);
  assert.match(await problems(2), /with the same secret is already in row 2/, 'row 2 of the list, not of the rows checked');
  assert.doesNotMatch(await problems(2), /in row 1\b/);
  assert.deepEqual(errors, []);
  await context.close();
});
