// Helpers for the page built around the job (issue 10): its tools, options and inventory
// cells, and a token taken through the steps. Kept apart from harness.mjs (shared with other
// work) so both can change without colliding.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { startBridge } from './harness.mjs';

/** Opens a tool (import, token, drift) unless it is open. */
export async function openTool(page, name) {
  const b = page.getByTestId(`tool-${name}`);
  if ((await b.getAttribute('aria-expanded')) !== 'true') await b.click();
}

/** Opens step 3's options (algorithm, digits, period, issuer, seed length…). */
export async function openOptions(page) {
  const b = page.getByTestId('seed-options');
  if ((await b.getAttribute('aria-expanded')) !== 'true') await b.click();
}

/** Switches the inventory to editing (cells are inputs, rows can be removed). */
export async function editList(page) {
  const b = page.getByTestId('inventory-edit');
  if ((await b.getAttribute('aria-pressed')) !== 'true') await b.click();
}

/** A cell of the inventory: the input's value while editing, else its text. */
export async function cell(page, row, field) {
  return page.locator(`[data-testid=inventory] tbody tr[data-row="${row}"] [data-field=${field}]`).evaluate(
    (e) => (e.tagName === 'INPUT' ? e.value : e.textContent.trim()));
}

export const rowCount = (page) => page.locator('[data-testid=inventory] tbody tr').count();

/** The code step 5 shows and the second it was computed for. */
export async function expectedCode(page) {
  return page.getByTestId('verify-code').evaluate((e) => ({ code: e.dataset.code, at: Number(e.dataset.at) }));
}

/** Clicks Burn and waits for the result (or the error). */
export async function burn(page) {
  await page.getByTestId('bridge-burn').click();
  await page.waitForFunction(() => {
    const r = document.querySelector('[data-testid=bridge-result]');
    return r && r.querySelector('.burn-ok, .burn-failed');
  });
}

/** Starts a simulated bridge that also accepts the single file (Origin: null). */
export function startNullBridge() {
  return startBridge({ extra: ['--allow-null-origin'] });
}

/** Connects the single file's step 1 to `bridge` and waits for its three readers. */
export async function connect(page, bridge) {
  await page.getByTestId('bridge-port').fill(String(bridge.port));
  await page.getByTestId('bridge-code').fill(bridge.pair);
  await page.getByTestId('bridge-connect').click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=bridge-readers] li').length === 3);
}

export async function selectReader(page, kind) {
  await page.getByTestId('bridge-readers').locator(`li[data-kind=${kind}] input`).check();
  // The bridge does not read a Molto2 while listing: the page reads it when it is chosen.
  await page.waitForFunction((k) => / serial /.test(document.querySelector(`[data-testid=bridge-readers] li[data-kind=${k}]`).textContent), kind);
  await page.waitForFunction(() => document.querySelector('[data-testid=preset]').disabled
    || /Molto2 is on the reader|OATH key/.test(document.querySelector('[data-testid=preset-source]').textContent));
}

export async function secretOf(page) {
  return (await page.getByTestId('secret').inputValue()).replace(/\s+/g, '');
}

/**
 * Runs the Entra command the page shows — its placeholders filled in, with `--dry-run` (nothing
 * is sent, no sign-in) — in `dir`, where the file it names was saved: the bridge's own CLI reads
 * the page's export. Returns its exit status and output.
 */
export function entraDryRun(command, dir) {
  const [program, ...args] = command.split(' ');
  assert.equal(program, 'hardware-bridge');
  assert.deepEqual(args.filter((a) => a.startsWith('<')), ['<tenant>', '<app-id>'], 'placeholders, nothing else');
  const filled = args.map((a) => ({ '<tenant>': 'contoso.onmicrosoft.com', '<app-id>': '5f0c2d7e-0000-4000-8000-000000000e21' }[a] ?? a));
  const r = spawnSync(process.env.TOKENSMITH_BRIDGE, [...filled, '--dry-run'], { cwd: dir, encoding: 'utf8' });
  return { status: r.status, out: r.stdout + r.stderr };
}
