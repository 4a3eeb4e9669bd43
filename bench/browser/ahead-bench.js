'use strict';
/**
 * Browser half of `bench/seal_speed.py --per-item`, the at-send figures: the
 * real intake/static/js/seal-worker.js seals one 1000-byte item to 1, 3 and 10
 * X-Wing keys (fetched from /bench/keys: {"1": [b64, ...], "3": [...], "10": [...]}),
 * timed on the page from posting 'seal' to receiving 'done' (every piece
 * acknowledged at once), median of `reps` (URL fragment #reps=N), in two ways:
 *
 *   - 'now':   no header made ahead: the worker encapsulates on "send";
 *   - 'ahead': first 'prepare' (count 1) and wait for 'prepared', untimed, as the
 *              form does while the reporter writes; then the timed 'seal'.
 *
 * Every 'ahead' seal must report start.ahead === true. The last envelope of
 * each (n, way) is POSTed back to /bench/result as JSON {"<way>-<n>": b64} so
 * Python opens it with keys/. Publishes {rows, wasm, webCrypto} or {error} as
 * window.benchResult (webCrypto: the worker's 'ready' status, 'native' when it uses
 * webcrypto.js, 'absent' or 'failed' when not).
 */
(async () => {
  const status = document.getElementById('status');
  const b64 = (bytes) => {
    let text = '';
    for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(text);
  };
  const unb64 = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  const median = (values) => values.slice().sort((a, b) => a - b)[Math.floor(values.length / 2)];
  try {
    const reps = Number(new URLSearchParams(location.hash.slice(1)).get('reps') || 5);
    const keySets = await (await fetch('/bench/keys')).json();
    const worker = new Worker('/static/js/seal-worker.js');
    const listeners = new Set();
    worker.onmessage = (event) => { for (const listener of [...listeners]) listener(event.data); };
    const next = (predicate) => new Promise((resolve, reject) => {
      const listener = (message) => {
        if (message.type === 'error') {
          listeners.delete(listener);
          reject(new Error(`${message.name}: ${message.message}`));
        } else if (predicate(message)) {
          listeners.delete(listener);
          resolve(message);
        }
      };
      listeners.add(listener);
    });
    const { wasm, webCrypto } = await next((m) => m.type === 'ready');
    const item = new Blob([new Uint8Array(1000).fill(0x61)]);
    let jobs = 0;
    /** Seal `item` to `keys`; {ms, envelope, ahead}. */
    const sealOnce = async (keys) => {
      const id = `j${jobs++}`;
      const pieces = [];
      let ahead = null;
      const done = new Promise((resolve, reject) => {
        const listener = (message) => {
          if (message.id !== id) return;
          if (message.type === 'start') ahead = message.ahead;
          else if (message.type === 'piece') {
            pieces.push(message.bytes);
            worker.postMessage({ type: 'ack', id });
          } else if (message.type === 'done' || message.type === 'error') {
            listeners.delete(listener);
            if (message.type === 'done') resolve();
            else reject(new Error(`${message.name}: ${message.message}`));
          }
        };
        listeners.add(listener);
      });
      const start = performance.now();
      worker.postMessage({ type: 'seal', id, recipients: keys, blob: item, window: 64 });
      await done;
      const ms = performance.now() - start;
      const envelope = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
      let at = 0;
      for (const piece of pieces) {
        envelope.set(piece, at);
        at += piece.length;
      }
      return { ms, envelope, ahead };
    };
    const rows = [];
    const envelopes = {};
    for (const n of [1, 3, 10]) {
      const keys = keySets[String(n)].map(unb64);
      for (const way of ['now', 'ahead']) {
        const times = [];
        for (let r = 0; r <= reps; r++) { // the first run warms up
          if (way === 'ahead') {
            const prepared = next((m) => m.type === 'prepared');
            worker.postMessage({ type: 'prepare', recipients: keys, count: 1 });
            await prepared;
          }
          const sealed = await sealOnce(keys);
          if (sealed.ahead !== (way === 'ahead')) throw new Error(`seal ${way}: start.ahead was ${sealed.ahead}`);
          if (r > 0) times.push(sealed.ms);
          envelopes[`${way}-${n}`] = b64(sealed.envelope);
        }
        rows.push({ version: way === 'ahead' ? 'v2-ahead' : 'v2', recipients: n, ms: median(times) });
      }
    }
    worker.terminate();
    const upload = await fetch('/bench/result', { method: 'POST', body: JSON.stringify(envelopes) });
    if (!upload.ok) throw new Error(`upload failed: ${upload.status}`);
    window.benchResult = { rows, wasm, webCrypto };
    status.textContent = JSON.stringify(window.benchResult);
  } catch (error) {
    window.benchResult = { error: String(error && error.stack || error) };
    status.textContent = window.benchResult.error;
  }
})();
