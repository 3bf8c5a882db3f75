// Benchmark (not a test): how long the page takes to decode a QR code in a 1920×1080 screenshot
// (the browser reads the PNG, the canvas hands over the pixels, the wasm finds and decodes the
// code). Opens the single file via file:// in headless Chromium; prints every run and the median.
//
//   TOKENSMITH_SINGLE_FILE=dist/tokensmith.html node tests/bench-qr-decode.mjs [runs]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  launch, openPageWith, singleFileUrl, qrencodePng, noisyScreenshot, importStatus,
} from './e2e/harness.mjs';

const runs = Math.max(10, Number(process.argv[2]) || 15);
const dir = mkdtempSync(join(tmpdir(), 'tokensmith-bench-'));
const browser = await launch();
try {
  const uri = 'otpauth://totp/Bench:user@example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Bench';
  const shot = await noisyScreenshot(browser, qrencodePng(uri, join(dir, 'qr.png'), { size: 5 }), join(dir, 'screenshot.png'));
  const { page, errors } = await openPageWith(browser, singleFileUrl());
  const inPage = [];
  const wall = [];
  for (let i = 0; i < runs + 1; i++) {
    await page.getByTestId('import-status').evaluate((e) => { e.dataset.busy = 'reset'; });
    const t0 = Date.now();
    await page.getByTestId('import-image').setInputFiles(shot);
    const st = await importStatus(page);
    const w = Date.now() - t0;
    if (!st.join('\n').match(/added|already listed/)) throw new Error(`run ${i}: ${st.join(' / ')}`);
    const ms = Number(await page.getByTestId('import-status').getAttribute('data-decode-ms'));
    if (i > 0) { inPage.push(ms); wall.push(w); } // the first run warms up
  }
  const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
  console.log(`1920×1080 screenshot, ${runs} runs after one warm-up`);
  console.log(`in page (createImageBitmap → canvas → luma → QR decode), ms: ${inPage.map((x) => x.toFixed(1)).join(' ')}`);
  console.log(`end to end (file chosen → list updated), ms: ${wall.join(' ')}`);
  console.log(`median in page: ${median(inPage).toFixed(1)} ms; median end to end: ${median(wall)} ms`);
  if (errors.length) console.log(`console errors: ${errors.join(' | ')}`);
} finally {
  await browser.close();
  rmSync(dir, { recursive: true, force: true });
}
