// Benchmark (not a test): the time of a burn started from the PAGE, through the hardware bridge.
//
//   TOKENSMITH_BRIDGE=target/release/hardware-bridge TOKENSMITH_DIST=dist node tests/bench-burn.mjs [N]
//     starts `hardware-bridge --simulate serve` (emulated Token2 C302-i) and burns N times (≥ 10).
//   node tests/bench-burn.mjs N --url 'http://127.0.0.1:PORT/#pair=…' [--reader SUBSTRING]
//     uses a bridge that is already running (e.g. without --simulate, with pcscd + vpcd and the
//     bridge's emulated card), burning to the reader whose name contains SUBSTRING.
//
// Reports the median and spread of (a) the page's own fetch round trip (the panel's data-ms) and
// (b) click → result shown, both measured in the page. Each burn is a token of its own user; the
// same card on the reader is "already in the list" from the second burn on, so the click timed
// is the one that starts the burn: Burn, or "Burn again" when the page asks first.
import { launch, startBridge } from './e2e/harness.mjs';

const args = process.argv.slice(2);
const opt = (name) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const n = Math.max(10, Number(args.find((a) => /^\d+$/.test(a))) || 15);
const given = opt('--url');
const readerPart = opt('--reader');

const bridge = given ? null : await startBridge();
const url = given ?? bridge.url;
const browser = await launch();
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(url);
  await page.waitForFunction(() => document.querySelector('[data-testid=bridge-readers] li input:checked'));
  if (readerPart) {
    await page.locator('[data-testid=bridge-readers] li', { hasText: readerPart }).locator('input').check();
  } else {
    await page.locator('[data-testid=bridge-readers] li[data-kind=token2] input').check();
  }
  const target = await page.locator('[data-testid=bridge-readers] li.selected').textContent();
  const fetchMs = [];
  const shownMs = [];
  for (let i = 0; i < n + 1; i++) {
    // The next token for the next user (leaving the last one unverified: the page asks).
    if (await page.getByTestId('next-token').count()) {
      await page.getByTestId('next-token').click();
      if (await page.getByTestId('ask-yes').count()) await page.getByTestId('ask-yes').click();
    }
    await page.getByTestId('upn').fill(`bench${i}@contoso.com`);
    await page.getByTestId('bridge-burn').click({ trial: true });
    // Clicked and timed inside the page: Playwright's own click (actionability checks, scrolling
    // the button back into view after focus moved) would add ~50–300 ms.
    const r = await page.evaluate(() => new Promise((resolve) => {
      const result = document.querySelector('[data-testid=bridge-result]');
      result.querySelectorAll(':scope > *').forEach((e) => e.setAttribute('data-seen', '1'));
      let t0 = performance.now();
      const done = () => {
        const el = result.querySelector(':scope > :is(.burn-ok, .burn-failed):not([data-seen])');
        if (!el) return false;
        mo.disconnect();
        resolve({ shown: performance.now() - t0, ms: Number(el.dataset.ms), failed: el.classList.contains('burn-failed'), text: el.textContent });
        return true;
      };
      const mo = new MutationObserver(done);
      mo.observe(result, { childList: true, subtree: true, attributes: true });
      document.querySelector('[data-testid=bridge-burn]').click();
      // Burning the card already in the list asks first: the timed click is then "Burn again".
      requestAnimationFrame(() => {
        const yes = document.querySelector('[data-testid=ask-yes]');
        if (yes) { t0 = performance.now(); yes.click(); }
      });
    }));
    if (r.failed) throw new Error(`burn ${i + 1} failed: ${r.text}`);
    if (i === 0) continue; // warm-up
    fetchMs.push(r.ms);
    shownMs.push(Math.round(r.shown));
    await page.waitForTimeout(100);
  }
  const stats = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    const med = s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    return `median ${med.toFixed(0)} ms (min ${s[0]}, max ${s[s.length - 1]})`;
  };
  console.log(`target: ${target.trim()}`);
  console.log(`${n} page-initiated burns (after 1 warm-up)${given ? '' : ', hardware-bridge --simulate'}`);
  console.log(`  page fetch round trip:   ${stats(fetchMs)}`);
  console.log(`  click → result shown:    ${stats(shownMs)}`);
  await context.close();
} finally {
  await browser.close();
  await bridge?.stop();
}
