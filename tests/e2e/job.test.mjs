// The job as the page's spine (issue 10), on the page the bridge serves AND on the single file
// via file:// (connected to a `--simulate --allow-null-origin` bridge): nothing lost (the burn
// records the row at once; regenerating, reloading and burning a listed token ask first and
// keep the burned seed), one truth about the device, verification recorded with its drift and
// flagged at export; the phone hand-off with the opt-in keep; keyboard order; screenshots.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { launch, openPageWith, oathtool, singleFileUrl, awayFromBoundary, hexToBase32, OUT } from './harness.mjs';
import {
  burn, cell, connect, entraDryRun, expectedCode, openOptions, openTool, rowCount, secretOf, selectReader, startNullBridge,
} from './job.mjs';

let browser;
let bridge;
before(async () => {
  browser = await launch();
  bridge = await startNullBridge();
});
after(async () => {
  await bridge?.stop();
  await browser?.close();
});

const WHERE = ['bridge-served', 'single file'];

/** The page, connected to the bridge, its three readers listed. */
async function openJob(where, viewport = { width: 1366, height: 768 }) {
  const url = where === 'bridge-served' ? bridge.url : singleFileUrl();
  const o = await openPageWith(browser, url, { viewport });
  if (where === 'bridge-served') {
    await o.page.waitForFunction(() => document.querySelectorAll('[data-testid=bridge-readers] li').length === 3);
  } else {
    await connect(o.page, bridge);
  }
  return o;
}

const burns = (logFrom) => bridge.log.slice(logFrom).filter((l) => /POST \/api\/burn/.test(l)).length;

/** Saves the list in `format` (an ExportFormat id) through the export menu. */
async function download(page, format) {
  await page.getByTestId(`format-${format}`).check();
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('save-export').click()]);
  const path = join(OUT, `job-${dl.suggestedFilename()}`);
  await dl.saveAs(path);
  return path;
}

for (const where of WHERE) {
  test(`${where}: the detected device sets the target model and its limits`, async () => {
    const { context, page, errors } = await openJob(where);
    const disabled = (id) => page.$$eval(`[data-testid=${id}] option`, (os) => os.filter((o) => o.disabled).map((o) => o.value));
    await selectReader(page, 'token2');
    assert.equal(await page.getByTestId('preset').inputValue(), 'c302');
    assert.equal(await page.getByTestId('preset').isDisabled(), true);
    assert.match(await page.getByTestId('preset-source').textContent(), /Set by the detected device \(Token2 C302-i\)/);
    assert.deepEqual(await disabled('algorithm'), ['SHA512']);
    assert.equal(await page.getByTestId('serial').inputValue(), '8659632000001');
    assert.equal(await page.getByTestId('serial').getAttribute('readonly'), '', 'the serial is read from the token');
    // A Molto2 cannot tell its generation: read as a Molto2 (v1), the picker offers both.
    await selectReader(page, 'molto2');
    assert.equal(await page.getByTestId('preset').inputValue(), 'molto2');
    assert.equal(await page.getByTestId('preset').isDisabled(), false);
    const enabled = await page.$$eval('[data-testid=preset] option', (os) => os.filter((o) => !o.disabled).map((o) => o.value));
    assert.deepEqual(enabled, ['molto2', 'molto2v2']);
    assert.match(await page.getByTestId('preset-source').textContent(), /A Molto2 is on the reader; it cannot tell which one/);
    assert.equal(await page.getByTestId('serial').inputValue(), 'MOLTO2SIM0001');
    assert.match(await page.getByTestId('bridge-burn').textContent(), /Burn to Molto2 profile 0/);
    // Picked as a Molto2v2, it is read again as one: 100 profiles.
    await page.getByTestId('preset').selectOption('molto2v2');
    await page.waitForFunction(() => /Molto2v2 .*100 profiles/.test(document.querySelector('[data-testid=bridge-readers] li[data-kind=molto2]').textContent));
    assert.match(await page.getByTestId('bridge-burn').textContent(), /Burn to Molto2v2 profile 0/);
    assert.deepEqual(await disabled('digits'), ['5', '7', '9']);
    await selectReader(page, 'oath');
    assert.equal(await page.getByTestId('preset').inputValue(), 'yubikey');
    assert.equal(await page.getByTestId('serial').inputValue(), '12345678');
    // The OATH key needs its account name before the burn: it defaults to the UPN.
    assert.equal(await page.getByTestId('account').getAttribute('placeholder'), 'defaults to the UPN');
    await page.getByTestId('upn').fill('alice@contoso.com');
    assert.equal(await page.getByTestId('burn-why').textContent(), '');
    assert.equal(await page.getByTestId('bridge-burn').isDisabled(), false);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test(`${where}: the burn records the row at once; regenerating asks first and keeps the burned seed`, async () => {
    const { context, page, errors } = await openJob(where);
    await selectReader(page, 'token2');
    await page.getByTestId('upn').fill('helga@contoso.com');
    // Nothing recorded yet: Generate replaces the seed only, without asking.
    const first = await secretOf(page);
    await page.getByTestId('generate').click();
    assert.notEqual(await secretOf(page), first);
    assert.equal(await page.getByTestId('upn').inputValue(), 'helga@contoso.com', 'the user typed stays');
    assert.equal(await page.getByTestId('serial').inputValue(), '8659632000001');
    assert.equal(await page.getByTestId('ask').count(), 0);
    const burned = await secretOf(page);
    await burn(page);
    assert.equal(await rowCount(page), 1);
    assert.equal(await cell(page, 0, 'status'), 'burned · not verified');
    assert.equal(await page.getByTestId('secret').getAttribute('readonly'), '', 'the burned seed is read-only');
    // Generate asks, naming the row; Cancel keeps everything.
    await page.getByTestId('generate').click();
    assert.match(await page.getByTestId('ask-text').textContent(),
      /The seed in step 3 is in row 1 \(serial 8659632000001, helga@contoso\.com\) and was not verified\. Start the next token with a new seed\?/);
    await page.getByTestId('ask-no').click();
    assert.equal(await secretOf(page), burned);
    // Yes: a new seed for the next token; row 1 keeps the burned one (the export proves it).
    await page.getByTestId('generate').click();
    await page.getByTestId('ask-yes').click();
    assert.notEqual(await secretOf(page), burned);
    assert.equal(await page.getByTestId('upn').inputValue(), '', 'the next token starts without a user');
    assert.equal(await rowCount(page), 1);
    const body = JSON.parse(readFileSync(await download(page, 'graph-json'), 'utf8'));
    assert.deepEqual(body.value.map((d) => [d.serialNumber, d.secretKey, d.assignTo?.id]),
      [['8659632000001', burned, 'helga@contoso.com']]);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test(`${where}: reloading after a burn asks first`, async () => {
    const { context, page } = await openJob(where);
    await selectReader(page, 'token2');
    await page.getByTestId('upn').fill('erik@contoso.com');
    await burn(page);
    let asked = null;
    page.on('dialog', async (d) => { asked = d.type(); await d.dismiss(); });
    await page.reload({ timeout: 3000 }).catch(() => {});
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(asked, 'beforeunload');
    assert.equal(await rowCount(page), 1, 'dismissing keeps the page and the row');
    await context.close();
  });

  test(`${where}: burning a token the list already has asks first and names the row`, async () => {
    const { context, page, errors } = await openJob(where);
    await selectReader(page, 'token2');
    await page.getByTestId('upn').fill('ana@contoso.com');
    const first = await secretOf(page);
    await burn(page);
    await page.getByTestId('verify-match').click();
    await page.getByTestId('next-token').click();
    // The same card is still on the reader: the next burn would overwrite row 1's token.
    await page.getByTestId('upn').fill('bo@contoso.com');
    const second = await secretOf(page);
    const logFrom = bridge.log.length;
    await page.getByTestId('bridge-burn').click();
    assert.match(await page.getByTestId('ask-text').textContent(),
      /This token is already row 1 \(serial 8659632000001, ana@contoso\.com\) — burned · verified, in sync\. Burning again replaces the seed in the token and in that row/);
    await page.getByTestId('ask-no').click();
    assert.equal(burns(logFrom), 0, 'nothing was sent');
    await page.getByTestId('bridge-burn').click();
    await page.getByTestId('ask-yes').click();
    await page.waitForSelector('[data-testid=bridge-result] .burn-ok');
    assert.equal(burns(logFrom), 1);
    // One row for one token: its seed, user and state are the new burn's.
    assert.equal(await rowCount(page), 1);
    assert.equal(await cell(page, 0, 'upn'), 'bo@contoso.com');
    assert.equal(await cell(page, 0, 'status'), 'burned · not verified');
    const now = await expectedCode(page);
    assert.equal(now.code, oathtool(second, now.at));
    assert.notEqual(now.code, oathtool(first, now.at));
    assert.deepEqual(errors, []);
    await context.close();
  });

  test(`${where}: verification is stored with its drift and shown; an unverified row is named at export`, async () => {
    const { context, page, errors } = await openJob(where);
    await selectReader(page, 'token2');
    await page.getByTestId('upn').fill('ivo@contoso.com');
    const secret = await secretOf(page);
    await burn(page);
    // The token shows the code of 30 s ago: typed in, the drift is measured and stored.
    const t = await awayFromBoundary(page);
    await page.getByTestId('verify-input').fill(oathtool(secret, t - 30));
    await page.waitForFunction(() => /verified/.test(document.querySelector('[data-testid=verify-result]').textContent));
    assert.match(await page.getByTestId('verify-result').textContent(), /burned · verified, −30 s \(1 step behind\)/);
    assert.match(await page.getByTestId('verify-drift').textContent(), /Matches at −30 s \(1 step behind\): within Entra's sign-in tolerance/);
    assert.equal(await cell(page, 0, 'status'), 'burned · verified, −30 s (1 step behind)');
    // A second token, not verified: the export names it.
    await page.getByTestId('next-token').click();
    await selectReader(page, 'molto2');
    // (Each page its own profile: the bridge, and so the Molto2, is shared by these tests.)
    const profile = where === 'bridge-served' ? '20' : '21';
    await page.getByTestId('profile').fill(profile);
    await page.getByTestId('upn').fill('jo@contoso.com');
    await burn(page);
    assert.match(await page.getByTestId('export-unverified').textContent(), new RegExp(`Not verified: row 2 \\(serial MOLTO2SIM0001, profile ${profile}, jo@contoso\\.com\\)`));
    const csv = await download(page, 'entra-csv');
    assert.match(await page.getByTestId('inventory-status').textContent(),
      new RegExp(`Saved 2 row\\(s\\) as entra-oath-tokens\\.csv \\(Entra ID CSV, not encrypted\\)\\. Not verified: row 2 \\(serial MOLTO2SIM0001, profile ${profile}, jo@contoso\\.com\\)\\. Check their codes`));
    assert.equal(await cell(page, 0, 'status'), 'burned · verified, −30 s (1 step behind) · exported');
    assert.match(await page.getByTestId('export-warning').textContent(), /holds every seed in plain text/);
    assert.equal(await page.getByTestId('entra-command').textContent(),
      'hardware-bridge entra --tenant <tenant> --client-id <app-id> push entra-oath-tokens.csv');
    // Python's csv reads back both rows with their seeds.
    const rows = JSON.parse(execFileSync('python3', ['-c',
      'import csv, json, sys\nwith open(sys.argv[1], newline="") as f: print(json.dumps(list(csv.reader(f))))', csv], { encoding: 'utf8' }));
    assert.deepEqual(rows.slice(1).map((r) => [r[0], r[1], r[2]]),
      [['ivo@contoso.com', '8659632000001', secret], ['jo@contoso.com', 'MOLTO2SIM0001', rows[2][2]]]);
    assert.deepEqual(errors, []);
    await context.close();
  });
}

/** A 6-digit code `secret` gives at no step within ±65 min of `t` (oathtool lists them). */
function codeMatchingNowhere(secret, t) {
  const near = new Set(execFileSync('oathtool', ['--totp', '-b', '-w', '262', `--now=@${t - 3930}`, secret],
    { encoding: 'utf8' }).trim().split('\n'));
  return ['000000', '111111', '222222', '333333', '444444', '555555'].find((c) => !near.has(c));
}

test('"it shows another code": a code matching nowhere is stored as failed, step 5 stays current, the export names the row; burning again asks and resets it', async () => {
  const { context, page, errors } = await openJob('bridge-served');
  await selectReader(page, 'token2');
  await page.getByTestId('upn').fill('nora@contoso.com');
  const secret = await secretOf(page);
  await burn(page);
  await page.getByTestId('verify-mismatch').click();
  await page.waitForFunction(() => document.activeElement?.id === 'verify-input');
  const wrong = codeMatchingNowhere(secret, Math.floor(Date.now() / 1000));
  await page.getByTestId('verify-input').fill(wrong);
  await page.waitForFunction(() => /did not match/.test(document.querySelector('[data-testid=verify-result]').textContent));
  assert.equal(await cell(page, 0, 'status'), 'burned · code did not match');
  assert.match(await page.getByTestId('verify-drift').textContent(), /No match within ±60 min of this computer's clock/);
  assert.match(await page.getByTestId('verify-failed').textContent(), /type another code it shows, or burn it again \(step 4\)/);
  assert.equal(await page.locator('#step-verify').getAttribute('data-phase'), 'now', 'not on to export');
  assert.match(await page.getByTestId('export-unverified').textContent(), /Not verified: row 1 \(serial 8659632000001, nora@contoso\.com\)/);
  // Burn again: the page asks, naming the row and its state; the row then waits for a check.
  const logFrom = bridge.log.length;
  await page.getByTestId('bridge-burn').click();
  assert.match(await page.getByTestId('ask-text').textContent(), /This token is already row 1 \(serial 8659632000001, nora@contoso\.com\) — burned · code did not match\. Burning again/);
  await page.getByTestId('ask-yes').click();
  await page.waitForFunction(() => document.activeElement?.id === 'step-verify-h');
  assert.equal(burns(logFrom), 1);
  assert.equal(await rowCount(page), 1);
  assert.equal(await cell(page, 0, 'status'), 'burned · not verified');
  assert.equal(await secretOf(page), secret, 'the same seed, burned again');
  const t = await awayFromBoundary(page);
  await page.getByTestId('verify-input').fill(oathtool(secret, t));
  await page.waitForFunction(() => /verified/.test(document.querySelector('[data-testid=verify-result]').textContent));
  assert.equal(await cell(page, 0, 'status'), 'burned · verified, in sync');
  assert.equal(await page.getByTestId('export-unverified').count(), 0);
  assert.equal(await page.locator('#step-finish').getAttribute('data-phase'), 'now');
  assert.deepEqual(errors, []);
  await context.close();
});

test('an imported account cannot replace a seed that is in a token: "use" is refused until Next token', async () => {
  const { context, page, errors } = await openJob('bridge-served');
  await selectReader(page, 'token2');
  await page.getByTestId('upn').fill('olga@contoso.com');
  const burned = await secretOf(page);
  await burn(page);
  await openTool(page, 'import');
  await page.getByTestId('import-text').fill('otpauth://totp/GitHub:octo?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=GitHub');
  await page.getByTestId('import-text').press('Enter');
  await page.getByTestId('import-use').first().click();
  assert.match(await page.getByTestId('import-status').textContent(), /The seed in step 3 is already in a token: press Next token \(step 6\) first/);
  assert.equal(await secretOf(page), burned);
  assert.equal(await cell(page, 0, 'status'), 'burned · not verified');
  // After Next token (asked: the row is not verified), the account is taken.
  await page.getByTestId('next-token').click();
  await page.getByTestId('ask-yes').click();
  await page.getByTestId('import-use').first().click();
  assert.equal(await secretOf(page), 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
  assert.equal(await rowCount(page), 1);
  assert.deepEqual(errors, []);
  await context.close();
});

test('an OATH key that names neither its maker nor its serial: both asked before the burn; the typed serial is sent and recorded', async () => {
  const { context, page, errors } = await openJob('bridge-served');
  // A key like a Solo 2: answer the reader list for it (the simulated key is a YubiKey).
  await page.route('**/api/readers', async (route) => {
    const res = await route.fetch();
    const body = await res.json();
    for (const r of body.readers) if (r.device?.kind === 'oath') Object.assign(r.device, { model: 'OATH key', serial: '' });
    await route.fulfill({ response: res, json: body });
  });
  const bodies = [];
  await page.route('**/api/burn', async (route) => { bodies.push(JSON.parse(route.request().postData())); await route.continue(); });
  await page.getByTestId('bridge-refresh').click();
  await page.waitForFunction(() => /no serial reported/.test(document.querySelector('[data-testid=bridge-readers] li[data-kind=oath]')?.textContent ?? ''));
  await selectReader(page, 'oath');
  assert.equal(await page.getByTestId('preset').inputValue(), 'oath-key');
  const enabled = await page.$$eval('[data-testid=preset] option', (os) => os.filter((o) => !o.disabled).map((o) => o.value));
  assert.deepEqual(enabled, ['yubikey', 'nitrokey', 'oath-key'], 'the OATH models only: the maker is the admin\'s call');
  await page.getByTestId('upn').fill('solo@contoso.com');
  const why = await page.getByTestId('burn-why').textContent();
  assert.match(why, /serial number is empty/);
  assert.match(why, /manufacturer is empty \(step 1\)/);
  assert.equal(await page.getByTestId('bridge-burn').isDisabled(), true);
  assert.equal(await page.getByTestId('manufacturer').isVisible(), true, 'the empty Entra columns show');
  assert.equal(await page.getByTestId('serial').getAttribute('readonly'), null, 'the serial is typed');
  await page.getByTestId('serial').fill('12345678');
  await page.getByTestId('preset').selectOption('yubikey');
  assert.equal(await page.getByTestId('manufacturer').inputValue(), 'Yubico');
  assert.equal(await page.getByTestId('burn-why').textContent(), '');
  await burn(page);
  assert.equal(bodies.length, 1);
  assert.equal(bodies[0].serial, '12345678', 'the typed serial goes with the burn');
  assert.equal(await cell(page, 0, 'serial'), '12345678');
  assert.equal(await cell(page, 0, 'status'), 'burned · verified by the key');
  assert.deepEqual(errors, []);
  // The page polls the readers: a poll caught by the route above as the context closes would
  // fail in the handler after the test ("Response has been disposed"), failing the file.
  await page.unrouteAll({ behavior: 'ignoreErrors' });
  await context.close();
});

/** Saves the export under the name the browser suggests, in a folder of its own. */
async function downloadAsIs(page, format) {
  await page.getByTestId(`format-${format}`).check();
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('save-export').click()]);
  const dir = join(OUT, `entra-${format}`);
  mkdirSync(dir, { recursive: true });
  await dl.saveAs(join(dir, dl.suggestedFilename()));
  return { dir, name: dl.suggestedFilename(), path: join(dir, dl.suggestedFilename()) };
}

test('single file: the Entra command names the file exported, is copied whole, and the bridge\'s CLI takes that file', async () => {
  const { context, page, errors } = await openPageWith(browser, singleFileUrl(), { permissions: ['clipboard-read', 'clipboard-write'] });
  await page.getByTestId('mode-qr').check();
  await page.getByTestId('serial').fill('60400001');
  const secrets = [];
  for (const upn of ['alice@contoso.com', 'bob@contoso.com']) {
    await page.getByTestId('upn').fill(upn);
    secrets.push(await secretOf(page));
    await page.getByTestId('add-row').click();
  }
  assert.match(await page.locator('.finish-entra').textContent(), /save the file, then, in its folder, run/);
  const csv = await downloadAsIs(page, 'entra-csv');
  const command = await page.getByTestId('entra-command').textContent();
  assert.equal(command, `hardware-bridge entra --tenant <tenant> --client-id <app-id> push ${csv.name}`);
  assert.match(await page.locator('.finish-entra').textContent(), /in the folder you saved the file to, run/);
  await page.getByTestId('copy-entra-command').click();
  await page.waitForFunction(() => /copied/.test(document.querySelector('[data-testid=entra-copy-status]').textContent));
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), command, 'the whole line, as shown');
  // The file parses (Python's csv) to the listed tokens, and `entra push` reads it: both pass.
  const rows = JSON.parse(execFileSync('python3', ['-c',
    'import csv, json, sys\nwith open(sys.argv[1], newline="") as f: print(json.dumps(list(csv.DictReader(f))))', csv.path], { encoding: 'utf8' }));
  assert.deepEqual(rows.map((r) => [r.upn, r['serial number'], r['secret key']]),
    [['alice@contoso.com', '60400001', secrets[0]], ['bob@contoso.com', '60400002', secrets[1]]]);
  let run = entraDryRun(command, csv.dir);
  assert.equal(run.status, 0, run.out);
  assert.match(run.out, /For the 2 token\(s\) that pass the checks/);
  assert.match(run.out, /serialNumber": "60400001"[\s\S]*serialNumber": "60400002"/);
  assert.ok(!secrets.some((x) => run.out.includes(x)), 'the seeds are masked');
  // A row added since: the saved file lacks it, and the page says so until it is saved again.
  await page.getByTestId('upn').fill('carol@contoso.com');
  await page.getByTestId('add-row').click();
  assert.match(await page.getByTestId('entra-stale').textContent(), /Rows changed since entra-oath-tokens\.csv was saved: save it again first/);
  const json = await downloadAsIs(page, 'graph-json');
  assert.equal(await page.getByTestId('entra-stale').count(), 0);
  assert.equal(await page.getByTestId('entra-command').textContent(),
    `hardware-bridge entra --tenant <tenant> --client-id <app-id> push ${json.name}`);
  assert.equal(json.name, 'entra-oath-tokens.json');
  assert.equal(JSON.parse(readFileSync(json.path, 'utf8')).value.length, 3);
  run = entraDryRun(await page.getByTestId('entra-command').textContent(), json.dir);
  assert.equal(run.status, 0, run.out);
  assert.match(run.out, /For the 3 token\(s\) that pass the checks/);
  assert.deepEqual(errors, []);
  await context.close();
});

test('single file: the Molto2 export explains one serial on several rows; the Entra command says which rows it refuses, as the CLI does', async () => {
  const { context, page } = await openPageWith(browser, singleFileUrl());
  await page.getByTestId('mode-qr').check();
  await page.getByTestId('preset').selectOption('molto2v2');
  await page.getByTestId('serial').fill('MOLTO2X0001');
  for (const [profile, upn] of [['3', 'a@contoso.com'], ['4', 'b@contoso.com']]) {
    await page.getByTestId('profile').fill(profile);
    await page.getByTestId('upn').fill(upn);
    await page.getByTestId('add-row').click();
  }
  assert.equal(await rowCount(page), 2);
  assert.match(await page.getByTestId('export-molto2-note').textContent(),
    /One serial on several rows: MOLTO2X0001 \(2 rows\)\. A Molto2 holds one seed per profile/);
  const json = await downloadAsIs(page, 'graph-json');
  const command = await page.getByTestId('entra-command').textContent();
  assert.equal(command, 'hardware-bridge entra --tenant <tenant> --client-id <app-id> push entra-oath-tokens.json');
  assert.match(await page.getByTestId('entra-molto2').textContent(),
    /the other rows of MOLTO2X0001 are refused, and nothing is sent for them\. For a Molto2's profiles, upload the CSV in the Entra admin center instead/);
  // The CLI agrees: the first profile passes, the second is refused before anything is sent.
  const run = entraDryRun(command, json.dir);
  assert.equal(run.status, 2, run.out);
  assert.match(run.out, /MOLTO2X0001\s+b@contoso\.com\s+FAILED at check/);
  assert.match(run.out, /For the 1 token\(s\) that pass the checks/);
  await context.close();
});

test('keyboard: the skip link reaches the current step; Burn is a few Tab stops away, not the 27th', async () => {
  const { context, page } = await openJob('bridge-served');
  // A fresh page: the first Tab stop is the skip link.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'skip-link');
  await page.getByTestId('upn').fill('kb@contoso.com');
  await page.getByTestId('skip-link').focus();
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.activeElement?.id === 'step-burn-h');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'bridge-burn');
  // From the top of the page, in order (a new page: a reload forgets the pairing).
  await context.close();
  const { context: c2, page: p2 } = await openJob('bridge-served');
  const page2 = p2;
  await page2.getByTestId('upn').fill('kb@contoso.com');
  await page2.getByTestId('skip-link').focus();
  let n = 1;
  for (; n < 40; n++) {
    await page2.keyboard.press('Tab');
    if (await page2.evaluate(() => document.activeElement?.dataset.testid === 'bridge-burn')) break;
  }
  assert.ok(n + 1 <= 16, `Burn is Tab stop ${n + 1}`);
  await c2.close();
});

test('phone (Android, 390×844, single file): record first, copy, keep, the tab is dropped, restored, verified, exported', async () => {
  const ua = 'Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36';
  const { context, page, errors } = await openPageWith(browser, singleFileUrl(), {
    viewport: { width: 390, height: 844 }, userAgent: ua, isMobile: true, hasTouch: true,
    permissions: ['clipboard-read', 'clipboard-write'],
  });
  // The burner app on this phone is the way; the QR code is for another device only.
  assert.equal(await page.getByTestId('mode-app').isChecked(), true);
  assert.equal(await page.getByTestId('handoff-qr').isHidden(), true);
  assert.equal(await page.getByTestId('qr').locator('svg').count(), 0);
  assert.match(await page.getByTestId('handoff-risk').textContent(),
    /If Android drops this tab while you are in the burner app .* this seed is gone and the token must be burned again/);
  // Serial and user first: no copy before.
  assert.equal(await page.getByTestId('copy-secret').isDisabled(), true);
  await page.screenshot({ path: join(OUT, 'job-phone-app-first-screen.png') });
  await page.screenshot({ path: join(OUT, 'job-phone-app-whole.png'), fullPage: true });
  await page.getByTestId('serial').fill('60300017');
  await page.getByTestId('upn').fill('phone@contoso.com');
  // Nothing secret is stored unless the admin ticks the box.
  await page.getByTestId('copy-hex').click();
  await page.waitForFunction(() => /copied/.test(document.querySelector('[data-testid=copy-status]').textContent));
  const secret = await secretOf(page);
  assert.equal(hexToBase32(await page.evaluate(() => navigator.clipboard.readText())), secret, 'hex, as the app takes it');
  assert.equal(await rowCount(page), 1, 'recorded before the seed left the page');
  const stored = () => page.evaluate(() => JSON.stringify({ ...localStorage }));
  assert.ok(!(await stored()).includes(secret), 'no seed at rest without the choice');
  await page.getByTestId('keep-seeds').check();
  assert.ok((await stored()).includes(secret), 'kept by choice');
  await page.getByTestId('copy-secret').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(OUT, 'job-phone-handoff.png') });
  // Android drops the tab while the admin is in NFC Burner: the page loads again.
  page.on('dialog', (d) => d.accept());
  await page.reload();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=inventory] tbody tr').length === 1);
  assert.match(await page.getByTestId('job-note').textContent(), /Restored 1 token\(s\) this browser kept/);
  assert.equal(await cell(page, 0, 'serial'), '60300017');
  assert.equal(await cell(page, 0, 'status'), 'handed off · not verified');
  assert.equal(await page.locator('#step-verify').getAttribute('data-phase'), 'now');
  assert.equal(await secretOf(page), secret, 'the job is back on its seed');
  // Back from the app: confirm the code the token shows.
  const t = await awayFromBoundary(page);
  await page.getByTestId('verify-input').fill(oathtool(secret, t));
  await page.waitForFunction(() => /verified/.test(document.querySelector('[data-testid=verify-result]').textContent));
  assert.equal(await cell(page, 0, 'status'), 'handed off · verified, in sync');
  await page.getByTestId('verify-result').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(OUT, 'job-phone-verified.png') });
  // Exported: the kept seed is deleted.
  await download(page, 'entra-csv');
  assert.ok(!(await stored()).includes(secret), 'deleted once exported');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);
  assert.equal(overflow, false, 'no horizontal scrolling');
  assert.deepEqual(errors, []);
  await context.close();
});

test('screenshots: every step of one Token2 card for one user, desktop 1366×768 and phone 390×844', async () => {
  for (const [name, viewport] of [['desktop', { width: 1366, height: 768 }], ['phone', { width: 390, height: 844 }]]) {
    // Each picture shows the current step at the top of the screen, as the skip link puts it.
    const shot = async (page, n, step) => {
      assert.equal(await page.locator(`#step-${step}`).getAttribute('data-phase'), 'now', `${name} ${n}: step ${step} is current`);
      await page.locator(`#step-${step}-h`).evaluate((h) => h.scrollIntoView(true));
      await page.screenshot({ path: join(OUT, `job-${name}-${n}-${step}.png`) });
    };
    // Step 1 is current until a bridge is connected (the page it serves is connected at once).
    const single = await openPageWith(browser, singleFileUrl(), { viewport });
    await single.page.waitForFunction(() => /No hardware bridge found|Connect/.test(document.querySelector('[data-testid=bridge-status]')?.textContent ?? ''));
    await shot(single.page, 1, 'token');
    await single.context.close();
    const { context, page, errors } = await openJob('bridge-served', viewport);
    await page.screenshot({ path: join(OUT, `job-${name}-0-first-screen.png`) });
    await selectReader(page, 'token2');
    await shot(page, 2, 'user');
    await page.getByTestId('upn').fill('shot@contoso.com');
    await openOptions(page);
    await page.getByTestId('secret').fill('JBSWY3DPEHPK3PX!');
    await shot(page, 3, 'seed');
    await page.getByTestId('generate').click();
    await page.getByTestId('seed-options').click();
    await shot(page, 4, 'burn');
    await burn(page);
    await shot(page, 5, 'verify');
    await page.getByTestId('verify-match').click();
    await download(page, 'entra-csv');
    await shot(page, 6, 'finish');
    await page.screenshot({ path: join(OUT, `job-${name}-7-whole.png`), fullPage: true });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);
    assert.equal(overflow, false, `${name}: no horizontal scrolling`);
    assert.deepEqual(errors, []);
    await context.close();
  }
});
