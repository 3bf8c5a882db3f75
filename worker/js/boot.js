// The worker's start-up, appended by `cargo xtask build` to the wasm-bindgen glue above (which
// defines `wasm_bindgen`). The page (app/src/worker) posts:
//   { init: { module } | { url } | { base64, gzip } }  once: a compiled WebAssembly.Module from an
//       earlier worker, the .wasm file's URL (hosted dist/), or the embedded bytes (single file);
//   { id, message, picture }  per job: postcard bytes (tokensmith-worker-api), and a Blob or
//       ImageBitmap for a picture.
// and gets back { ready, module } once compiled, { id, reply } per job, in order, or
// { failed } when the module could not start or stopped (rqrr 0.11 panics on some pictures and
// the wasm aborts): the worker then closes itself, and the page starts a new one.
'use strict';
(() => {
  let ready = null;
  let queue = Promise.resolve();
  let failed = false;
  const fail = (error) => {
    if (failed) return;
    failed = true;
    postMessage({ failed: String(error && error.message || error) });
    close();
  };
  // An abort inside an async job surfaces here, not at the call: never in the page's console.
  self.addEventListener('error', (e) => { e.preventDefault(); fail(e.error || e.message); });
  self.addEventListener('unhandledrejection', (e) => { e.preventDefault(); fail(e.reason); });

  const bytesOf = (base64) => {
    if (Uint8Array.fromBase64) return Uint8Array.fromBase64(base64);
    const text = atob(base64);
    const out = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
    return out;
  };
  const wasmResponse = (body) => new Response(body, { headers: { 'Content-Type': 'application/wasm' } });

  async function compile(init) {
    if (init.module) return init.module;
    if (init.url) {
      try {
        return await WebAssembly.compileStreaming(fetch(init.url));
      } catch (e) {
        // A server that sends the .wasm without `application/wasm` (some intranet servers).
        const r = await fetch(init.url);
        if (!r.ok) throw new Error(`${init.url}: HTTP ${r.status}`);
        return WebAssembly.compile(await r.arrayBuffer());
      }
    }
    const bytes = bytesOf(init.base64);
    const body = init.gzip ? new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip')) : bytes;
    return WebAssembly.compileStreaming(wasmResponse(body));
  }

  self.onmessage = ({ data }) => {
    if (data.init) {
      ready = compile(data.init).then(async (module) => {
        await wasm_bindgen({ module_or_path: module });
        // The page keeps the module: a restarted worker needs no second compilation.
        postMessage({ ready: true, module: data.init.module ? null : module });
      });
      ready.catch(fail);
      return;
    }
    const { id, message, picture } = data;
    queue = queue
      .then(() => ready)
      .then(() => wasm_bindgen.handle(message, picture))
      .then((reply) => postMessage({ id, reply }, [reply.buffer]), fail);
  };
})();
