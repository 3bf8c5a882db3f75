// Issue 11 in the page: a 5-user batch run by `hardware-bridge --simulate serve` (its box of
// emulated tokens swapped by the simulated admin), started, watched and steered in the page —
// the list's errors with their lines, progress, the codes compared (Enter = matches), one
// token that shows another code retried on a fresh one, a reload mid-batch that re-attaches —,
// then the Entra CSV saved through the export menu, read back with Python's csv, and each
// code the page showed checked with oathtool against the exported seeds. The hand-outs (one
// per user) carry no seed, printed alone. Screenshots: desktop 1366×768, phone 390×844, print.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch, openPageWith, oathtool, startBridge, OUT } from './harness.mjs';
import { connect, openTool } from './job.mjs';

const DESKTOP = { width: 1366, height: 768 };
const PHONE = { width: 390, height: 844 };
const PASS = 'a box of tokens, batch 1';
const PYTHON = process.env.TOKENSMITH_PYTHON || 'python3';
const USERS = [
  ['alice@contoso.com', 'Alice Martin'],
  ['bob@contoso.com', 'Bob Keller'],
  ['carol@contoso.com', 'Carol Dubois'],
  ['dave@contoso.com', 'Dave Meier'],
  ['erin@contoso.com', 'Erin Rossi'],
];
const LIST = `upn,display name\n${USERS.map((u) => u.join(',')).join('\n')}\n`;

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

async function open(viewport = DESKTOP) {
  const o = await openPageWith(browser, bridge.url, { viewport, ...(viewport === PHONE ? { isMobile: true, hasTouch: true } : {}) });
  // Rows not yet exported make the page ask before a reload: the test says yes.
  o.page.on('dialog', (d) => d.accept());
  await o.page.waitForFunction(() => document.querySelectorAll('[data-testid=bridge-readers] li').length > 0);
  await openTool(o.page, 'batch');
  return o;
}

const text = (page, id) => page.getByTestId(id).textContent();
const rowStatus = (page, p) => page.getByTestId(`batch-row-${p}`).getAttribute('data-status');
const csvRows = (t) => JSON.parse(execFileSync(PYTHON, ['-c',
  'import csv, io, json, sys\nprint(json.dumps(list(csv.reader(io.StringIO(sys.stdin.read(), newline="")))))'],
{ input: t, encoding: 'utf8' }));

/** Waits for the next code to compare; returns it with the row, serial and the page's time. */
async function nextComparison(page) {
  await page.getByTestId('batch-compare').waitFor({ timeout: 20000 });
  return page.evaluate(() => {
    const code = document.querySelector('[data-testid=batch-expected-code]').textContent;
    const row = [...document.querySelectorAll('[data-testid^=batch-row-]')].find((r) => r.dataset.status === 'burned');
    return { code, position: Number(row.dataset.testid.slice('batch-row-'.length)), serial: row.children[2].textContent, at: Math.floor(Date.now() / 1000) };
  });
}

/** Enter, once "Matches" has taken the focus (a frame after the comparison shows: Enter
 * before it would go to whatever had the focus). */
async function pressEnterToMatch(page) {
  await page.waitForFunction(() => document.activeElement?.id === 'batch-match');
  await page.keyboard.press('Enter');
}

/** Waits until the comparison shown is gone (the answer went through). */
async function answered(page, position) {
  await page.waitForFunction((p) => document.querySelector(`[data-testid=batch-row-${p}]`)?.dataset.status !== 'burned', position);
}

test('a 5-user batch in the page: progress, compared codes, retry, reload, Entra CSV checked with oathtool, hand-outs without seeds', async () => {
  const { context, page, errors } = await open();
  const setup = page.getByTestId('batch-setup');
  await setup.waitFor();

  // The list is read as it is typed: an error names its line and how to fix it.
  await page.getByTestId('batch-users').fill('alice@contoso.com\nbob at contoso\n');
  const issues = await text(page, 'batch-list-issues');
  assert.match(issues, /line 2: error: .*bob at contoso/, issues);
  assert.equal(await page.getByTestId('batch-start').isDisabled(), true);
  // The parameters are checked against the model: a C302 shows 6 digits (8 is not offered).
  const digits = await page.getByTestId('batch-digits').locator('option').allTextContents();
  assert.deepEqual(digits, ['6']);

  // The list as a CSV opened from a file, the journal and its passphrase.
  await page.getByTestId('batch-users-file').setInputFiles({ name: 'users.csv', mimeType: 'text/csv', buffer: Buffer.from(LIST) });
  await page.waitForFunction(() => /5 user\(s\), read as a CSV/.test(document.querySelector('[data-testid=batch-list-summary]').textContent));
  assert.equal((await text(page, 'batch-list-issues')).trim(), '');
  const dir = mkdtempSync(join(tmpdir(), 'tokensmith-batch-'));
  const journal = join(dir, 'box1.journal');
  await page.getByTestId('batch-journal').fill(journal);
  await page.getByTestId('batch-passphrase').fill(PASS);
  await page.getByTestId('batch-passphrase-again').fill('not the same');
  assert.match(await text(page, 'batch-start-why'), /differ/);
  await page.getByTestId('batch-passphrase-again').fill(PASS);
  if (await page.getByTestId('batch-resume').isChecked()) await page.getByTestId('batch-resume').uncheck();
  await page.screenshot({ path: join(OUT, 'batch-setup-desktop.png'), fullPage: false });
  await page.getByTestId('batch-start').click();
  await page.getByTestId('batch-queue').waitFor();
  assert.match(await text(page, 'batch-state'), /running/);

  // Token after token: the code shown is compared; Enter = matches (the button has the focus).
  const shown = [];
  const progress = new Set();
  const seen = async () => progress.add(await text(page, 'batch-done'));
  let c = await nextComparison(page);
  await seen();
  assert.equal(c.position, 0);
  assert.match(c.code, /^\d{6}$/);
  await page.screenshot({ path: join(OUT, 'batch-compare-desktop.png') });
  await pressEnterToMatch(page);
  await answered(page, 0);
  shown.push(c);

  // Bob's token shows another code: failed, recorded. Paused meanwhile (no next token is
  // taken), Retry puts bob back first; "Go on" gives him a fresh token.
  c = await nextComparison(page);
  assert.equal(c.position, 1);
  const badSerial = c.serial;
  await page.getByTestId('batch-pause').click();
  await page.waitForFunction(() => /paused/.test(document.querySelector('[data-testid=batch-state]').textContent));
  await page.getByTestId('batch-mismatch').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=batch-row-1]')?.dataset.status === 'failed');
  assert.match(await page.getByTestId('batch-row-1').textContent(), /another code/);
  await page.getByTestId('batch-retry-1').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=batch-row-1]')?.dataset.status === 'waiting');
  await page.waitForTimeout(1000);
  assert.equal(await rowStatus(page, 2), 'waiting', 'nothing taken while paused');
  await page.getByTestId('batch-resume-run').click();
  await page.waitForFunction(() => /running/.test(document.querySelector('[data-testid=batch-state]').textContent));

  c = await nextComparison(page);
  await seen();
  assert.equal(c.position, 1);
  assert.notEqual(c.serial, badSerial, 'bob got a fresh token');
  await page.getByTestId('batch-match').click();
  await answered(page, 1);
  shown.push(c);
  await page.waitForFunction(() => document.querySelector('[data-testid=batch-done]').textContent === '2/5');
  await seen();
  assert.match(await text(page, 'batch-pace'), /^2\/5 done · \d+\.\d tokens\/min · about \d+:\d\d left$/);

  // A reload mid-batch (the pairing code pasted again: the page keeps it in memory only)
  // re-attaches to the running batch; the inventory is filled again from the bridge's journal
  // (the page kept no seed).
  await page.reload();
  await connect(page, bridge);
  await openTool(page, 'batch');
  await page.getByTestId('batch-queue').waitFor();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=inventory] tbody tr').length >= 2);
  assert.equal(await rowStatus(page, 0), 'verified');

  for (const p of [2, 3, 4]) {
    c = await nextComparison(page);
    await seen();
    assert.equal(c.position, p);
    if (p === 3) await page.getByTestId('batch-match').click();
    else await pressEnterToMatch(page);
    await answered(page, p);
    shown.push(c);
  }
  await page.waitForFunction(() => /finished/.test(document.querySelector('[data-testid=batch-state]').textContent), null, { timeout: 20000 });
  await seen();
  assert.equal(await text(page, 'batch-done'), '5/5');
  assert.match(await text(page, 'batch-pace'), /^5\/5 done · \d+\.\d tokens\/min$/, 'no time left once finished');
  assert.ok(progress.size >= 3, `progress seen: ${[...progress]}`);
  for (const p of [0, 1, 2, 3, 4]) assert.equal(await rowStatus(page, p), 'verified');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=inventory] tbody tr').length === 5);
  await page.getByTestId('batch-queue').screenshot({ path: join(OUT, 'batch-finished-desktop.png') });

  // The Entra CSV through the export menu, read back with Python's csv; every code the page
  // showed is what oathtool computes from the exported seed at that moment.
  await page.getByTestId('batch-export').click();
  await page.getByTestId('format-entra-csv').check();
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('save-export').click()]);
  const path = join(OUT, 'batch-entra.csv');
  await dl.saveAs(path);
  const rows = csvRows(readFileSync(path, 'utf8'));
  assert.deepEqual(rows[0].map((h) => h.toLowerCase()).slice(0, 3), ['upn', 'serial number', 'secret key']);
  const body = rows.slice(1);
  assert.deepEqual(body.map((r) => r[0]), USERS.map((u) => u[0]), 'users in list order');
  assert.equal(new Set(body.map((r) => r[2])).size, 5, 'every token its own seed');
  assert.equal(new Set(body.map((r) => r[1])).size, 5, 'every user a token of their own');
  assert.ok(!body.some((r) => r[1] === badSerial), 'the token that showed another code is not exported');
  shown.forEach((s, i) => {
    const [, serial, secret] = body[i];
    assert.equal(serial, s.serial, `row ${i + 1}`);
    const codes = [-30, 0, 30].map((d) => oathtool(secret, s.at + d));
    assert.ok(codes.includes(s.code), `row ${i + 1}: ${s.code} not among ${codes}`);
  });

  // The hand-outs: one per user, serial and helpdesk, no seed anywhere in them.
  await page.getByTestId('batch-helpdesk').fill('IT helpdesk, ext. 4242, help@contoso.com');
  await page.getByTestId('batch-handouts-toggle').click();
  const handouts = page.getByTestId('batch-handout');
  assert.equal(await handouts.count(), 5);
  const all = await page.getByTestId('batch-handouts').innerText();
  for (const [i, r] of body.entries()) {
    assert.ok(all.includes(r[1]), `serial of row ${i + 1}`);
    assert.ok(!all.replace(/\s/g, '').toUpperCase().includes(r[2].toUpperCase()), `seed of row ${i + 1} printed`);
  }
  assert.match(await handouts.first().innerText(), /ext\. 4242/);
  assert.match(await handouts.first().innerText(), /Alice Martin/);
  await page.emulateMedia({ media: 'print' });
  const printed = await page.evaluate(() => ({
    visible: [...document.querySelectorAll('body *')].filter((e) => e.checkVisibility() && e.children.length === 0 && e.textContent.trim()).map((e) => e.closest('[data-testid=batch-handout]') ? 'handout' : e.textContent.trim().slice(0, 40)),
    pageBreaks: [...document.querySelectorAll('[data-testid=batch-handout]')].map((e) => getComputedStyle(e).breakAfter),
  }));
  assert.deepEqual([...new Set(printed.visible)], ['handout'], 'only the hand-outs are printed');
  assert.deepEqual(printed.pageBreaks, Array(5).fill('page'));
  await page.screenshot({ path: join(OUT, 'batch-handouts-print.png'), fullPage: true });
  const pdf = await page.pdf({ format: 'A4' });
  const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page(?![a-z])/g) ?? []).length;
  assert.equal(pages, 5, 'one page per user');
  await page.emulateMedia({ media: 'screen' });
  assert.deepEqual(errors, []);
  await context.close();

  // A phone opened later re-attaches to the finished batch and shows the same rows.
  const phone = await open(PHONE);
  await phone.page.getByTestId('batch-queue').waitFor();
  await phone.page.waitForFunction(() => document.querySelector('[data-testid=batch-done]')?.textContent === '5/5');
  await phone.page.getByTestId('batch-tool').screenshot({ path: join(OUT, 'batch-phone.png') });
  assert.deepEqual(phone.errors, []);
  await phone.context.close();
});

test('a box of Molto2s: the customer key and display time are asked for, sent to the bridge, the key then wiped and never kept', async () => {
  const { context, page, errors } = await open();
  await page.getByTestId('batch-setup').waitFor();
  // Token2 cards take no key: no field. A Molto2 box asks for its customer key, OATH keys for
  // their password.
  assert.equal(await page.getByTestId('batch-credential').isVisible(), false);
  await page.getByTestId('batch-model').selectOption('yubikey');
  assert.match(await page.locator('label[for=batch-credential]').textContent(), /OATH password/);
  // OATH keys have no screen: no display time.
  assert.equal(await page.getByTestId('batch-display').isVisible(), false);
  await page.getByTestId('batch-model').selectOption('molto2v2');
  assert.deepEqual(await page.getByTestId('batch-display').locator('option').allTextContents(),
    ['15 s', '30 s', '60 s', '120 s']);
  assert.equal(await page.getByTestId('batch-display').inputValue(), '30', 'the bridge\'s default first');
  await page.getByTestId('batch-display').selectOption('60');
  const starts = [];
  page.on('request', (r) => { if (r.url().endsWith('/api/batch/start')) starts.push(JSON.parse(r.postData())); });
  assert.match(await page.locator('label[for=batch-credential]').textContent(), /customer key \(empty: the factory key\)/);
  await page.getByTestId('batch-setup').screenshot({ path: join(OUT, 'batch-setup-molto2-desktop.png') });

  const dir = mkdtempSync(join(tmpdir(), 'tokensmith-batch-'));
  const WRONG = '0x00112233445566778899aabbccddeeff';
  const run = async (journal, key) => {
    await page.getByTestId('batch-users').fill('alice@contoso.com\n');
    await page.getByTestId('batch-journal').fill(join(dir, journal));
    if (!(await page.getByTestId('batch-plaintext').isChecked())) await page.getByTestId('batch-plaintext').check();
    if (!(await page.getByTestId('batch-auto-accept').isChecked())) await page.getByTestId('batch-auto-accept').check();
    if (await page.getByTestId('batch-resume').isChecked()) await page.getByTestId('batch-resume').uncheck();
    await page.getByTestId('batch-credential').fill(key);
    await page.getByTestId('batch-start').click();
    // This batch's status (its journal named), ended.
    await page.waitForFunction((j) => document.querySelector('[data-testid=batch-journal-file]')?.textContent.endsWith(j)
      && /finished|stopped/.test(document.querySelector('[data-testid=batch-state]').textContent)
      && /verified|failed/.test(document.querySelector('[data-testid=batch-row-0]')?.dataset.status), journal, { timeout: 20000 });
    return { status: await rowStatus(page, 0), reason: await page.getByTestId('batch-row-0').innerText() };
  };
  // A wrong key reaches the device, which refuses it: the row fails, saying to check the key.
  const wrong = await run('wrong-key.journal', WRONG);
  assert.equal(wrong.status, 'failed', wrong.reason);
  assert.match(wrong.reason, /customer key/, wrong.reason);
  console.log(`# the refused key's row: ${wrong.reason.replace(/\s+/g, ' ')}`);
  // Sent once: the field is empty again, and the key is nowhere in what the page keeps.
  assert.equal(await page.getByTestId('batch-credential').inputValue(), '');
  const kept = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
  assert.ok(!kept.toLowerCase().includes('00112233'), 'the customer key was kept by the page');
  // Empty: the factory key, which the fresh Molto2s still have.
  const factory = await run('factory-key.journal', '');
  assert.equal(factory.status, 'verified', factory.reason);
  // What the page asked for: the display time both times, the key only the first.
  assert.deepEqual(starts.map((b) => [b.display_timeout, b.customer_key ?? null]), [[60, WRONG], [60, null]]);
  assert.deepEqual(errors, []);
  await context.close();
});
