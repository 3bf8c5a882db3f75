// Benchmark (not a test): time from navigation to the first TOTP code visible, our page against
// Token2's TOTP Toolset (the page we replace; measured, never copied: it is GPL), in the same
// browser and run, loads interleaved, each in a fresh browser context:
//   - file://: our single file, Token2's index.html, and a blank page with one inline script
//     (the floor: what any page costs);
//   - http from loopback: our hosted dist/ and Token2's folder, from one plain static server.
// "Visible" is the start of the animation frame after the code entered the DOM (the frame that
// paints it); "in DOM" is printed too. Ours: the first-paint shell's code, else (an older build)
// the app's. Prints medians, min–max and our/Token2 ratios.
//
//   TOKENSMITH_SINGLE_FILE=dist/tokensmith.html TOKENSMITH_DIST=dist node tests/bench-first-code.mjs [runs=15]
//   TOKEN2_TOOLSET=path/to/token2-totp-toolset (default: ../shared/anchors/token2-totp-toolset)
//   TOKENSMITH_COMPARE_DIST=path/to/other/dist adds another build of ours (its tokensmith.html
//     and its hosted index.html) to the same run, e.g. the build before a change.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { launch, serveStatic, singleFileUrl, stats, watchFirstCode } from './e2e/harness.mjs';

const runs = Math.max(10, Number(process.argv[2]) || 15);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const token2 = process.env.TOKEN2_TOOLSET
  ?? [join(root, '../shared/anchors/token2-totp-toolset'), '/work/shared/anchors/token2-totp-toolset'].find(existsSync);
const dist = process.env.TOKENSMITH_DIST ?? join(root, 'dist');
if (!token2 || !existsSync(join(token2, 'index.html'))) throw new Error('Token2 TOTP Toolset not found: set TOKEN2_TOOLSET');

const tmp = mkdtempSync(join(tmpdir(), 'tokensmith-bench-first-'));
const blank = join(tmp, 'blank.html');
writeFileSync(blank, '<!doctype html><title>blank</title><p id=otp></p>'
  + '<script>document.getElementById("otp").textContent = "123456";</script>');
const compare = process.env.TOKENSMITH_COMPARE_DIST;
const server = await serveStatic({ '/ours/': dist, '/token2/': token2, ...(compare ? { '/other/': compare } : {}) });

// Ours: the header's "Code now" chip, drawn by the first-paint shell while the app compiles
// (or by the app, should it come first).
const OURS = '[data-testid=code-now-code]';
// Another build (TOKENSMITH_COMPARE_DIST) may predate the chip: then the virtual token's code.
const OTHER = `${OURS}, [data-testid=code]`;
const pages = [
  { name: 'ours, file://', url: singleFileUrl(), code: OURS },
  { name: 'Token2, file://', url: pathToFileURL(join(token2, 'index.html')).href, code: '#otp' },
  { name: 'blank page, file://', url: pathToFileURL(blank).href, code: '#otp' },
  { name: 'ours, http loopback', url: server.url('/ours/', 'index.html'), code: OURS },
  { name: 'Token2, http loopback', url: server.url('/token2/', 'index.html'), code: '#otp' },
  ...(compare ? [
    { name: 'other build, file://', url: pathToFileURL(join(compare, 'tokensmith.html')).href, code: OTHER },
    { name: 'other build, http', url: server.url('/other/', 'index.html'), code: OTHER },
  ] : []),
];
const times = new Map(pages.map((p) => [p.name, { frame: [], dom: [] }]));

const browser = await launch();
try {
  // One load of each first: Chromium's own start-up costs land here, not in the numbers.
  for (let round = -1; round < runs; round++) {
    // Rotate the order every round so no page always follows the same one.
    const order = pages.map((_, i) => pages[(i + Math.max(round, 0)) % pages.length]);
    for (const p of order) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      await watchFirstCode(context, p.code);
      const page = await context.newPage();
      await page.goto(p.url, { waitUntil: 'commit' });
      const t = await page.waitForFunction(() => window.__firstCode, null, { timeout: 30000 }).then((h) => h.jsonValue());
      await context.close();
      if (round >= 0) {
        times.get(p.name).frame.push(t.frame);
        times.get(p.name).dom.push(t.dom);
      }
    }
  }
} finally {
  await browser.close();
  await server.close();
  rmSync(tmp, { recursive: true, force: true });
}

const f = (x) => x.toFixed(1).padStart(6);
console.log(`navigation → first code, ${runs} interleaved loads each (ms; median, min–max)`);
console.log(`${'page'.padEnd(24)} ${'visible'.padStart(6)}  ${'min–max'.padEnd(15)} ${'in DOM'.padStart(6)}`);
const med = {};
for (const p of pages) {
  const v = stats(times.get(p.name).frame);
  const d = stats(times.get(p.name).dom);
  med[p.name] = v.median;
  console.log(`${p.name.padEnd(24)} ${f(v.median)}  ${`${v.min.toFixed(0)}–${v.max.toFixed(0)}`.padEnd(15)} ${f(d.median)}`);
}
console.log(`ratio ours / Token2, file://:        ${(med['ours, file://'] / med['Token2, file://']).toFixed(2)}×`);
console.log(`ratio ours / Token2, http loopback:  ${(med['ours, http loopback'] / med['Token2, http loopback']).toFixed(2)}×`);
if (compare) {
  console.log(`ratio other build / Token2, file://: ${(med['other build, file://'] / med['Token2, file://']).toFixed(2)}×`);
  console.log(`ratio other build / Token2, http:    ${(med['other build, http'] / med['Token2, http loopback']).toFixed(2)}×`);
}
