// Profile (not a test): where the time to the first code goes, from Chromium's performance trace
// of our page — the single file via file:// and the hosted dist/ over http from loopback.
// Each load is traced in a fresh context; the renderer main thread's time from navigation start
// to the frame that paints the first code is split by what ran (self time of each trace event,
// bucketed by its name or its nearest bucketed ancestor), plus the time the main thread sat idle
// (waiting for the file, or for WebAssembly compiled on background threads). Also prints the
// loader's own performance marks (`tokensmith:*`) when the page has them. Medians over N loads.
//
//   TOKENSMITH_SINGLE_FILE=dist/tokensmith.html TOKENSMITH_DIST=dist node tests/profile-first-code.mjs [runs=7]
import { launch, serveStatic, singleFileUrl, stats, watchFirstCode } from './e2e/harness.mjs';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const runs = Math.max(3, Number(process.argv[2]) || 7);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = process.env.TOKENSMITH_DIST ?? join(root, 'dist');

const CATEGORIES = ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8', 'v8.execute',
  'v8.wasm', 'blink.user_timing', 'loading', 'blink', 'blink_style'];

// First match wins; an event whose name matches nothing takes its parent's bucket.
const BUCKETS = [
  ['GC', /GC|Scavenge|MarkCompact|Sweep/],
  ['wasm compile (main thread)', /^wasm\./],
  ['JS parse + compile', /^v8\.compile|^V8\.Compile|^v8\.parse|ParseProgram|ParseFunction/],
  ['loader script (base64 decode, start wasm)', /^v8\.evaluateModule$|^EvaluateScript$|ExecuteScript/],
  ['wasm instantiate + Rust (build panels)', /^RunMicrotasks$|^v8\.callFunction$|^FunctionCall$|^TimerFire$|^v8\.run$|^FireAnimationFrame$/],
  ['style, layout, paint', /UpdateLayoutTree|Layout|Paint|Style|recalcStyle|UpdateLifecycle|PrePaint|Commit$|Shape|Layerize|HitTest/],
  ['HTML + CSS parse', /ParseHTML|HTMLDocumentParser|CSSParser|HTMLTokenizer|parseStyleSheet|TextResourceDecoder/],
  ['navigation, reading the file', /DocumentLoader|NavigationBodyLoader|CommitNavigation|ResourceLoad|ResourceFetcher|ResourceReceive/],
];

function bucketOf(name) {
  for (const [b, re] of BUCKETS) if (re.test(name)) return b;
  return null;
}

/** Self time per bucket on the main thread between t0 and t1 (trace µs), and the busy total. */
function breakdown(events, t0, t1) {
  const xs = events.filter((e) => e.ph === 'X' && e.dur > 0 && e.ts < t1 && e.ts + e.dur > t0)
    .sort((a, b) => a.ts - b.ts || b.dur - a.dur);
  const out = new Map();
  const stack = [];
  const clip = (e) => Math.max(0, Math.min(e.ts + e.dur, t1) - Math.max(e.ts, t0));
  let busy = 0;
  const close = (e) => {
    const self = clip(e) - e.childTime;
    out.set(e.bucket, (out.get(e.bucket) ?? 0) + self);
    if (process.env.PROFILE_DEBUG && e.bucket === 'other') {
      out.debug ??= new Map();
      out.debug.set(e.name, (out.debug.get(e.name) ?? 0) + self);
    }
  };
  for (const e of xs) {
    while (stack.length && stack.at(-1).ts + stack.at(-1).dur <= e.ts) close(stack.pop());
    const parent = stack.at(-1);
    const node = { ...e, childTime: 0, bucket: bucketOf(e.name) ?? parent?.bucket ?? 'other' };
    if (parent) parent.childTime += clip(node); else busy += clip(node);
    stack.push(node);
  }
  while (stack.length) close(stack.pop());
  out.set('idle (waiting: file, background compile)', (t1 - t0) - busy);
  if (out.debug) console.log([...out.debug].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([n, t]) => `${n} ${(t / 1000).toFixed(1)}`).join(' | '));
  return out;
}

async function traceOnce(browser, url) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  // The header's chip, the shell's first (an older build: the app's virtual token).
  await watchFirstCode(context, '[data-testid=code-now-code], [data-testid=code]');
  const page = await context.newPage();
  await browser.startTracing(page, { categories: CATEGORIES });
  await page.goto(url, { waitUntil: 'commit' });
  await page.waitForFunction(() => window.__firstCode, null, { timeout: 30000 });
  // The app mounted too, so its loader's marks (after the shell's) are in.
  await page.waitForFunction(() => document.getElementById('step-token'), null, { timeout: 30000 });
  const marks = await page.evaluate(() => Object.fromEntries(performance.getEntriesByType('mark')
    .filter((m) => m.name.startsWith('tokensmith:')).map((m) => [m.name, m.startTime])));
  const { traceEvents } = JSON.parse((await browser.stopTracing()).toString());
  await context.close();
  const frame = traceEvents.find((e) => e.name === 'first-code-frame');
  const nav = traceEvents.find((e) => e.name === 'navigationStart' && e.pid === frame.pid);
  const mainTid = traceEvents.find((e) => e.name === 'thread_name' && e.pid === frame.pid
    && e.args?.name === 'CrRendererMain').tid;
  const main = traceEvents.filter((e) => e.pid === frame.pid && e.tid === mainTid);
  // Up to the end of the frame that paints the code.
  const paint = main.filter((e) => e.ph === 'X' && e.ts >= frame.ts && /UpdateLifecycle/.test(e.name))
    .sort((a, b) => a.ts - b.ts)[0];
  const end = paint ? paint.ts + paint.dur : frame.ts;
  const background = traceEvents.filter((e) => e.pid === frame.pid && e.tid !== mainTid && e.ph === 'X'
    && /^wasm\.(ExecuteCompilationUnits|AsyncCompile|CompileLazy|StreamingCompile)/.test(e.name)
    && e.ts >= nav.ts && e.ts < end).reduce((s, e) => s + e.dur, 0);
  return { total: (end - nav.ts) / 1000, parts: breakdown(main, nav.ts, end), background: background / 1000, marks };
}

const server = await serveStatic({ '/': dist });
const targets = [
  ['single file, file://', singleFileUrl()],
  ['hosted dist/, http loopback', server.url('/', 'index.html')],
];
const browser = await launch();
try {
  for (const [name, url] of targets) {
    await traceOnce(browser, url); // warm-up: Chromium's own first-use costs
    const loads = [];
    for (let i = 0; i < runs; i++) loads.push(await traceOnce(browser, url));
    const names = [...new Set(loads.flatMap((l) => [...l.parts.keys()]))];
    console.log(`\n${name}: navigation → first code painted, ${runs} traced loads (ms, median [min–max])`);
    const line = (label, xs) => {
      const s = stats(xs);
      console.log(`  ${label.padEnd(46)} ${s.median.toFixed(1).padStart(7)}  [${s.min.toFixed(0)}–${s.max.toFixed(0)}]`);
    };
    line('total (traced; tracing slows the page)', loads.map((l) => l.total));
    for (const n of names.sort((a, b) => stats(loads.map((l) => l.parts.get(b) ?? 0)).median
      - stats(loads.map((l) => l.parts.get(a) ?? 0)).median)) {
      line(`main thread: ${n}`, loads.map((l) => (l.parts.get(n) ?? 0) / 1000));
    }
    line('background threads: wasm compilation', loads.map((l) => l.background));
    const markNames = [...new Set(loads.flatMap((l) => Object.keys(l.marks)))];
    for (const m of markNames.sort((a, b) => loads[0].marks[a] - loads[0].marks[b])) {
      line(`mark ${m} (since navigation)`, loads.map((l) => l.marks[m]).filter((x) => x !== undefined));
    }
  }
} finally {
  await browser.close();
  await server.close();
}
