// Shared set-up for page tests: Debian's Chromium through playwright-core (no browser download),
// with every console error and every network request recorded so tests can assert none happened.
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import zlib from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const OUT = join(dirname(fileURLToPath(import.meta.url)), '..', 'out');
mkdirSync(OUT, { recursive: true });

export function singleFileUrl() {
  const path = process.env.TOKENSMITH_SINGLE_FILE;
  if (!path) throw new Error('TOKENSMITH_SINGLE_FILE is not set: run the tests with `cargo xtask test`');
  return pathToFileURL(path).href;
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
      '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
}

/** Opens `url` in a fresh context; returns the page and the lists of errors and requests seen. */
export async function openPage(browser, url, viewport = { width: 1280, height: 900 }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const errors = [];
  const requests = [];
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') errors.push(`${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('request', (r) => { if (r.url() !== url) requests.push(r.url()); });
  await page.goto(url);
  return { context, page, errors, requests };
}

/** oathtool's TOTP for a base32 secret at Unix time `t` (an independent implementation). */
export function oathtool(secretB32, t, { algorithm = 'SHA1', digits = 6, period = 30 } = {}) {
  return execFileSync('oathtool', [`--totp=${algorithm}`, '-b', `--digits=${digits}`,
    `--time-step-size=${period}s`, `--now=@${t}`, secretB32], { encoding: 'utf8' }).trim();
}

/**
 * Reads the shown secret and code together with the page's clock, away from a step boundary
 * (the display may lag a boundary by up to 250 ms).
 */
export async function readToken(page, period = 30) {
  for (;;) {
    const s = await page.evaluate(() => ({
      secret: document.querySelector('[data-testid=secret]').textContent,
      code: document.querySelector('[data-testid=code]').textContent,
      countdown: document.querySelector('[data-testid=countdown]').textContent,
      ms: Date.now(),
    }));
    const into = s.ms % (period * 1000);
    if (into > 1000 && into < period * 1000 - 500) {
      return { ...s, secret: s.secret.replace(/\s+/g, ''), t: Math.floor(s.ms / 1000) };
    }
    await page.waitForTimeout(600);
  }
}

// ---- Added for the toolset tests (issue 3) ----

/** Opens the page like `openPage`, with extra context options (e.g. permissions, acceptDownloads). */
export async function openPageWith(browser, url, { viewport = { width: 1280, height: 900 }, ...options } = {}) {
  const context = await browser.newContext({ viewport, acceptDownloads: true, ...options });
  const page = await context.newPage();
  const errors = [];
  const requests = [];
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') errors.push(`${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('request', (r) => { if (r.url() !== url) requests.push(r.url()); });
  await page.goto(url);
  await page.waitForFunction(() => /^\d+$/.test(document.querySelector('[data-testid=code]')?.textContent ?? ''));
  return { context, page, errors, requests };
}

/** Requests that went to the network (blob: downloads made in the page are not network). */
export function networkRequests(requests) {
  return requests.filter((u) => !u.startsWith('blob:'));
}

/**
 * Like `readToken`, for the toolset page whose secret is an <input>: reads its value (a masked
 * field's value is still readable by script), the code, next code and countdown together with the
 * page's clock, away from a step boundary.
 */
export async function readTokenField(page, period = 30) {
  for (;;) {
    const s = await page.evaluate(() => ({
      secret: document.querySelector('[data-testid=secret]').value,
      code: document.querySelector('[data-testid=code]').textContent,
      next: document.querySelector('[data-testid=next-code]')?.textContent,
      countdown: document.querySelector('[data-testid=countdown]').textContent,
      ms: Date.now(),
    }));
    const into = s.ms % (period * 1000);
    if (into > 1000 && into < period * 1000 - 1500) {
      return { ...s, secret: s.secret.replace(/\s+/g, ''), t: Math.floor(s.ms / 1000) };
    }
    await page.waitForTimeout(400);
  }
}

/** Waits until `period`-second steps leave at least `margin` ms before the next boundary. */
export async function awayFromBoundary(page, period = 30, margin = 4000) {
  for (;;) {
    const ms = await page.evaluate(() => Date.now());
    const into = ms % (period * 1000);
    if (into > 1000 && into < period * 1000 - margin) return Math.floor(ms / 1000);
    await page.waitForTimeout(500);
  }
}

/** Decodes every QR code in a PNG file with zbarimg; returns the decoded texts. */
export function zbarimg(pngPath) {
  const out = execFileSync('zbarimg', ['--quiet', '--raw', pngPath], { encoding: 'utf8' });
  return out.split('\n').filter(Boolean);
}

/** RFC 4648 base32 (no padding) of a hex string, for comparing with the page's base32. */
export function hexToBase32(hex) {
  const bytes = Buffer.from(hex, 'hex');
  const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0; let value = 0; let out = '';
  for (const b of bytes) {
    value = (value << 8) | b; bits += 8;
    while (bits >= 5) { out += abc[(value >>> (bits - 5)) & 31]; bits -= 5; }
  }
  if (bits > 0) out += abc[(value << (5 - bits)) & 31];
  return out;
}

// ---- Added for the import tests (issue 5) ----
import { readFileSync } from 'node:fs';

/** Writes a PNG of `text` as a QR code with Debian's qrencode (module size `size` px). */
export function qrencodePng(text, path, { size = 6, margin = 4, level = 'M' } = {}) {
  execFileSync('qrencode', ['-o', path, '-s', String(size), '-m', String(margin), '-l', level, text]);
  return path;
}

function varint(n) {
  const out = [];
  let v = BigInt(n);
  if (v < 0n) v += 1n << 64n;
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return Buffer.from(out);
}
const pbKey = (field, wire) => varint((field << 3) | wire);
const pbVarint = (field, n) => Buffer.concat([pbKey(field, 0), varint(n)]);
const pbBytes = (field, bytes) => Buffer.concat([pbKey(field, 2), varint(bytes.length), Buffer.from(bytes)]);

/**
 * A Google Authenticator export payload (protobuf MigrationPayload), written field by field.
 * accounts: [{ secret: Buffer, name, issuer, algorithm: 1 SHA1|2 SHA256|3 SHA512|4 MD5,
 * digits: 1 six|2 eight, type: 1 HOTP|2 TOTP, counter }].
 */
export function migrationPayload(accounts, { version = 1, batchSize = 1, batchIndex = 0, batchId = 0 } = {}) {
  const parts = accounts.map((a) => pbBytes(1, Buffer.concat([
    pbBytes(1, a.secret), pbBytes(2, Buffer.from(a.name ?? '')), pbBytes(3, Buffer.from(a.issuer ?? '')),
    pbVarint(4, a.algorithm ?? 1), pbVarint(5, a.digits ?? 1), pbVarint(6, a.type ?? 2),
    ...(a.counter !== undefined ? [pbVarint(7, a.counter)] : []),
  ])));
  parts.push(pbVarint(2, version), pbVarint(3, batchSize), pbVarint(4, batchIndex), pbVarint(5, batchId));
  return Buffer.concat(parts);
}

/** `otpauth-migration://offline?data=…` for a payload (standard base64, percent-encoded). */
export function migrationUri(payload) {
  return `otpauth-migration://offline?data=${encodeURIComponent(Buffer.from(payload).toString('base64'))}`;
}

/** Waits until the import panel has finished decoding; returns the status lines. */
export async function importStatus(page) {
  await page.waitForFunction(() => {
    const s = document.querySelector('[data-testid=import-status]');
    return s && s.dataset.busy === 'false' && s.children.length > 0;
  }, null, { timeout: 60000 });
  return page.getByTestId('import-status').locator('li').allTextContents();
}

/** The review list's items: issuer, account, algorithm, digits, period, type. */
export async function importItems(page) {
  return page.getByTestId('import-list').locator('[data-testid=import-item]').evaluateAll((els) => els.map((e) => ({
    issuer: e.querySelector('[data-testid=import-issuer]').value,
    account: e.querySelector('[data-testid=import-account]').value,
    algorithm: e.dataset.algorithm, digits: Number(e.dataset.digits), period: Number(e.dataset.period),
    type: e.dataset.type, text: e.textContent,
  })));
}

/** Renders a 1920×1080 "screenshot": random noise and UI-like boxes around a QR picture. */
export async function noisyScreenshot(browser, png, out, { width = 1920, height = 1080 } = {}) {
  const page = await browser.newPage({ viewport: { width, height } });
  const b64 = readFileSync(png).toString('base64');
  await page.setContent(`<body style="margin:0"><canvas id=c width=${width} height=${height}></canvas></body>`);
  await page.evaluate(async ({ b64, width, height }) => {
    const c = document.getElementById('c');
    const g = c.getContext('2d');
    const img = new ImageData(width, height);
    let seed = 12345;
    const rnd = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed / 0x7fffffff; };
    for (let i = 0; i < img.data.length; i += 4) {
      const v = 150 + rnd() * 105;
      img.data[i] = v; img.data[i + 1] = v - rnd() * 30; img.data[i + 2] = v; img.data[i + 3] = 255;
    }
    g.putImageData(img, 0, 0);
    for (let k = 0; k < 40; k++) {
      g.fillStyle = `hsl(${rnd() * 360},40%,${30 + rnd() * 50}%)`;
      g.fillRect(rnd() * width, rnd() * height, 40 + rnd() * 300, 10 + rnd() * 60);
    }
    g.fillStyle = '#222'; g.font = '20px sans-serif';
    for (let k = 0; k < 30; k++) g.fillText('Set up your authenticator app 0123456789', rnd() * width, rnd() * height);
    const bmp = await createImageBitmap(await (await fetch(`data:image/png;base64,${b64}`)).blob());
    g.fillStyle = '#fff'; g.fillRect(1100 - 16, 380 - 16, bmp.width + 32, bmp.height + 32);
    g.drawImage(bmp, 1100, 380);
  }, { b64, width, height });
  await page.screenshot({ path: out });
  await page.close();
  return out;
}


// ---- Added for the hardware bridge page tests (issue 4) ----

/** A free TCP port on 127.0.0.1. */
export async function freePort() {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

/**
 * Starts `hardware-bridge [--simulate] serve --port P --dist D [extra…]` (binary from
 * TOKENSMITH_BRIDGE) and resolves once it printed its pairing URL. Returns
 * { url, pair, port, origin, log (stderr lines), stop() }.
 */
export async function startBridge({ simulate = true, extra = [], dist = process.env.TOKENSMITH_DIST } = {}) {
  const { spawn } = await import('node:child_process');
  const bin = process.env.TOKENSMITH_BRIDGE;
  if (!bin) throw new Error('TOKENSMITH_BRIDGE is not set: run the tests with `cargo xtask test`');
  const port = await freePort();
  const args = [...(simulate ? ['--simulate'] : []), 'serve', '--port', String(port), '--dist', dist, ...extra];
  const proc = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const log = [];
  let err = '';
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (d) => { err += d; const lines = err.split('\n'); err = lines.pop(); log.push(...lines); });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`bridge did not start: ${log.join('\n')}`)), 15000);
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/open (http:\/\/127\.0\.0\.1:\d+\/#pair=[0-9a-f]+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    proc.once('exit', (code) => { clearTimeout(timer); reject(new Error(`bridge exited (${code}): ${log.join('\n')}`)); });
  });
  const pair = url.split('#pair=')[1];
  const stop = () => new Promise((resolve) => {
    if (proc.exitCode !== null) { resolve(); return; }
    proc.once('exit', () => resolve());
    proc.kill('SIGTERM');
  });
  return { url, pair, port, origin: `http://127.0.0.1:${port}`, log, stop };
}

/** Calls the bridge's API from the test (not the page), e.g. to check what a burn wrote. */
export async function bridgeApi(bridge, path, body) {
  const r = await fetch(`${bridge.origin}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'X-Tokensmith-Pairing': bridge.pair, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: r.status, json: await r.json() };
}

// ---- Added for the worker and the first-code benchmarks (issue 15) ----

const MIME = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm', '.css': 'text/css; charset=utf-8', '.json': 'application/json',
  '.png': 'image/png', '.svg': 'image/svg+xml', '.ico': 'image/x-icon',
};

/**
 * A plain static web server on a loopback address (like an intranet share: no CSP headers, only
 * the page's own <meta> policy). `mounts` maps a URL prefix ('/ours/') to a directory.
 * Returns { origin, url(prefix, file), requests (paths served), close() }.
 */
export async function serveStatic(mounts, { host = '127.0.0.1' } = {}) {
  const { createServer } = await import('node:http');
  const { readFile } = await import('node:fs/promises');
  const { extname, normalize } = await import('node:path');
  const requests = [];
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    requests.push(path);
    const prefix = Object.keys(mounts).find((p) => path.startsWith(p));
    const rel = prefix === undefined ? null : normalize(path.slice(prefix.length) || 'index.html');
    if (rel === null || rel.startsWith('..')) { res.writeHead(404).end(); return; }
    try {
      const body = await readFile(join(mounts[prefix], rel));
      res.writeHead(200, { 'Content-Type': MIME[extname(rel)] ?? 'application/octet-stream', 'Cache-Control': 'no-store' });
      res.end(body);
    } catch { res.writeHead(404).end(); }
  });
  await new Promise((resolve) => server.listen(0, host, resolve));
  const origin = `http://${host}:${server.address().port}`;
  return {
    origin, requests,
    url: (prefix, file = '') => `${origin}${prefix}${file}`,
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(() => resolve()); }),
  };
}

/** Median, min and max of a list of numbers. */
export function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return { median: s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2, min: s[0], max: s.at(-1), n: s.length };
}

/**
 * Installs (before any page script) an observer that marks `first-code` when the element
 * `selector` first holds a code of 4–10 digits (trimmed), and `first-code-frame` at the start
 * of the next animation frame (the one that paints it). Both land in `window.__firstCode`.
 */
export async function watchFirstCode(context, selector) {
  await context.addInitScript((sel) => {
    const seen = () => /^\d{4,10}$/.test((document.querySelector(sel)?.textContent ?? '').trim());
    const found = () => {
      performance.mark('first-code');
      const dom = performance.now();
      requestAnimationFrame(() => {
        performance.mark('first-code-frame');
        window.__firstCode = { dom, frame: performance.now() };
      });
    };
    const obs = new MutationObserver(() => { if (seen()) { obs.disconnect(); found(); } });
    obs.observe(document, { subtree: true, childList: true, characterData: true });
  }, selector);
}

/** An 8-bit greyscale PNG of `luma` (one byte a pixel, row by row). */
export function greyPng(width, height, luma) {
  const { deflateSync, crc32 } = zlib;
  const chunk = (type, data) => {
    const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0); ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; ihdr[9] = 0; // 8 bits, greyscale
  const rows = [];
  for (let y = 0; y < height; y++) rows.push(Buffer.from([0]), Buffer.from(luma.subarray(y * width, (y + 1) * width)));
  return Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.concat(rows))), chunk('IEND', Buffer.alloc(0))]);
}

/**
 * The picture a `fuzz/seeds/qr/` input stands for, as the fuzz target reads it (two bytes of
 * width, little-endian, then luma; at most 48×48 pixels; whole rows), written as a PNG.
 */
export function fuzzQrPicture(input, out) {
  const data = readFileSync(input);
  const luma = data.subarray(2, 2 + Math.min(data.length - 2, 48 * 48));
  const width = Math.min(Math.max(data.readUInt16LE(0), 1), Math.max(luma.length, 1));
  const height = Math.floor(luma.length / width);
  writeFileSync(out, greyPng(width, height, luma.subarray(0, width * height)));
  return out;
}

/** An 8000×6000 photo-sized PNG: a big QR code (`otpauth://totp/Huge:big…`) in the middle of white. */
export async function hugePicture(browser, dir) {
  const big = await browser.newPage({ viewport: { width: 2000, height: 1500 }, deviceScaleFactor: 4 });
  const qr = qrencodePng('otpauth://totp/Huge:big?secret=MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U', join(dir, 'big-qr.png'), { size: 12 });
  await big.setContent(`<body style="margin:0;background:#fff;display:grid;place-items:center;height:1500px">
    <img src="data:image/png;base64,${readFileSync(qr).toString('base64')}" style="width:700px;image-rendering:pixelated"></body>`);
  const path = join(dir, 'huge-8000x6000.png');
  await big.screenshot({ path });
  await big.close();
  return path;
}
