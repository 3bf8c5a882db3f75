// Benchmark (not a test): time from navigation to the first TOTP code visible in the shipped
// single file opened via file://, over N fresh page loads; prints each run and the median.
//   TOKENSMITH_SINGLE_FILE=dist/tokensmith.html node tests/bench-first-code.mjs [runs=15]
import { launch, singleFileUrl } from './e2e/harness.mjs';

const runs = Math.max(10, Number(process.argv[2] ?? 15));
const url = singleFileUrl();
const browser = await launch();
const times = [];
for (let i = 0; i < runs; i++) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(url, { waitUntil: 'commit' });
  // performance.now() counts from the navigation start of this document.
  const ms = await page.evaluate(() => new Promise((resolve) => {
    const seen = () => /^\d{4,10}$/.test(document.querySelector('[data-testid=code]')?.textContent ?? '');
    if (seen()) { resolve(performance.now()); return; }
    new MutationObserver((_, obs) => { if (seen()) { obs.disconnect(); resolve(performance.now()); } })
      .observe(document, { subtree: true, childList: true, characterData: true });
  }));
  times.push(ms);
  console.log(`run ${String(i + 1).padStart(2)}: ${ms.toFixed(1)} ms`);
  await context.close();
}
await browser.close();
const sorted = [...times].sort((a, b) => a - b);
const mid = sorted.length >> 1;
const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
console.log(`median navigation → first code visible: ${median.toFixed(1)} ms over ${runs} loads `
  + `(min ${sorted[0].toFixed(1)}, max ${sorted.at(-1).toFixed(1)})`);
