'use strict';
/**
 * Browser half of bench/seal_speed.py. Fetches the benchmark bytes as a Blob,
 * seals them with the real intake/static/js/seal-worker.js (acknowledging
 * every piece at once, as a fast uploader would), times 'seal' -> 'done',
 * then POSTs the envelope back so Python can open it with keys/.
 *
 * Reads the recipient's public key (base64) from the URL fragment `#pk=…`.
 * Publishes {seconds, initSeconds, wasm, pageWasm, size, ...} as window.benchResult, or
 * {error} if anything failed.
 */
(async () => {
  const status = document.getElementById('status');
  try {
    const params = new URLSearchParams(location.hash.slice(1));
    const publicKey = Uint8Array.from(atob(params.get('pk')), (c) => c.charCodeAt(0));
    const data = await (await fetch('/bench/data')).blob();
    const createdAt = performance.now();
    const worker = new Worker('/static/js/seal-worker.js');
    let initSeconds = 0;
    const pieces = [];
    let startedAt = 0;
    const result = await new Promise((resolve, reject) => {
      let wasm = null;
      worker.onerror = (event) => reject(new Error(`worker error: ${event.message}`));
      worker.onmessage = (event) => {
        const message = event.data;
        if (message.type === 'ready') {
          wasm = message.wasm;
          startedAt = performance.now();
          initSeconds = (startedAt - createdAt) / 1000; // load + compile libsodium in the worker
          worker.postMessage({ type: 'seal', id: 1, recipients: [publicKey], blob: data, window: 64 });
        } else if (message.type === 'piece') {
          pieces.push(message.bytes);
          worker.postMessage({ type: 'ack', id: 1 });
        } else if (message.type === 'done') {
          resolve({ seconds: (performance.now() - startedAt) / 1000, initSeconds, wasm, size: message.size });
        } else if (message.type === 'error') {
          reject(new Error(`${message.name}: ${message.message}`));
        }
      };
    });
    worker.terminate();
    const upload = await fetch('/bench/result', { method: 'POST', body: new Blob(pieces) });
    if (!upload.ok) throw new Error(`upload failed: ${upload.status}`);
    result.pageWasm = typeof WebAssembly === 'object';
    result.bytes = data.size;
    result.userAgent = navigator.userAgent;
    window.benchResult = result;
    status.textContent = JSON.stringify(result);
  } catch (error) {
    window.benchResult = { error: String(error && error.stack || error) };
    status.textContent = window.benchResult.error;
  }
})();
