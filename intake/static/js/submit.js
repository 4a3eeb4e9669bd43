/**
 * Page side of browser sealing: a promise API over seal-worker.js, used by
 * form.js (the form handler) together with upload.js (the resumable upload):
 *
 *   const worker = new Worker('/static/js/seal-worker.js');
 *   const size = await ResguardoSubmit.sealBlob(worker, recipients, file, {
 *     onPiece: async (bytes, offset) => upload(bytes, offset),  // awaited: back-pressure
 *     onProgress: (done, total) => bar.value = done / total,
 *     signal: abortController.signal,                          // cancels the job
 *   });
 *
 * Loaded as a classic script from the page (no inline script or style
 * anywhere: CSP `script-src 'self' 'wasm-unsafe-eval'`); defines
 * window.ResguardoSubmit, or module.exports in node (tests).
 */
(function (root, factory) {
  'use strict';
  const api = factory();
  if (typeof module === 'object' && module && module.exports) {
    module.exports = api;
  } else {
    root.ResguardoSubmit = api;
  }
})(globalThis, function () {
  'use strict';

  let nextId = 1;

  /** The job was cancelled through its AbortSignal. */
  class SealCancelled extends Error {
    constructor() {
      super('sealing was cancelled');
      this.name = 'SealCancelled';
    }
  }

  /** The worker reported an error; `workerName` is its error class name. */
  class SealFailed extends Error {
    constructor(workerName, message) {
      super(message);
      this.name = 'SealFailed';
      this.workerName = workerName;
    }
  }

  /**
   * Seal one Blob/File in `worker` (a seal-worker.js Worker, one job at a time).
   *
   * Pieces are handed to `onPiece` strictly in order, one at a time: the next
   * piece is not delivered until the promise `onPiece` returns has settled,
   * and the worker is acknowledged only then, so at most `window` pieces
   * (default 16, x 64 KiB) wait in memory whatever the upload speed.
   *
   * @param {Worker} worker
   * @param {Uint8Array[]} recipients 32-byte X25519 public keys of the active reviewers
   * @param {Blob} blob the report (as a Blob of UTF-8 JSON) or one attachment
   * @param {object} [options]
   * @param {(bytes: Uint8Array, offset: number) => (void|Promise<void>)} [options.onPiece]
   *        receives envelope bytes [offset, offset + bytes.length)
   * @param {(done: number, total: number) => void} [options.onProgress] plaintext bytes sealed / total
   * @param {(info: {envelopeSize: number, recipients: string[]}) => void} [options.onStart]
   *        exact envelope size (for the upload) and the display fingerprints sealed to
   * @param {(info: {size: number, blake2b256: string}) => void} [options.onDone]
   *        after the last piece was handled: envelope bytes and the plaintext's
   *        BLAKE2b-256 (64 lower-case hex digits)
   * @param {AbortSignal} [options.signal] aborting cancels the job
   * @param {number} [options.window] pieces in flight (default 16)
   * @param {boolean} [options.hash] false: no plaintext hash (onDone's blake2b256 is null)
   * @returns {Promise<number>} the envelope size in bytes, once every piece was handled
   * @throws {SealCancelled} if the signal aborted; {SealFailed} if the worker failed;
   *         whatever onPiece threw (the job is then cancelled)
   */
  function sealBlob(worker, recipients, blob, options = {}) {
    const { onPiece, onProgress, onStart, onDone, signal } = options;
    const id = `seal-${nextId++}`;
    return new Promise((resolve, reject) => {
      let chain = Promise.resolve(); // pieces are handled strictly in order
      let settled = false;

      const finish = (error, value) => {
        if (settled) return;
        settled = true;
        worker.removeEventListener('message', onMessage);
        if (signal) signal.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve(value);
      };
      const cancel = (error) => {
        worker.postMessage({ type: 'cancel', id });
        finish(error);
      };
      const onAbort = () => cancel(new SealCancelled());

      function onMessage(event) {
        const message = event.data || {};
        if (message.id !== id || settled) return;
        switch (message.type) {
          case 'start':
            if (onStart) onStart({ envelopeSize: message.envelopeSize, recipients: message.recipients });
            break;
          case 'piece':
            chain = chain
              .then(() => (onPiece ? onPiece(message.bytes, message.offset) : undefined))
              .then(() => worker.postMessage({ type: 'ack', id }))
              .catch((error) => cancel(error));
            break;
          case 'progress':
            if (onProgress) onProgress(message.done, message.total);
            break;
          case 'done':
            chain.then(() => {
              if (settled) return;
              if (onDone) onDone({ size: message.size, blake2b256: message.blake2b256 });
              finish(null, message.size);
            });
            break;
          case 'cancelled':
            finish(new SealCancelled());
            break;
          case 'error':
            finish(new SealFailed(message.name, message.message));
            break;
          default:
            break;
        }
      }

      if (signal && signal.aborted) {
        reject(new SealCancelled());
        return;
      }
      worker.addEventListener('message', onMessage);
      if (signal) signal.addEventListener('abort', onAbort);
      worker.postMessage({ type: 'seal', id, recipients, blob, window: options.window, hash: options.hash });
    });
  }

  /**
   * Seal one Blob/File in `worker` into memory: the whole envelope in one array
   * (a small item, sent inside one request). Same worker job as sealBlob.
   * @param {Worker} worker a seal-worker.js Worker
   * @param {Uint8Array[]} recipients the reviewers' public keys
   * @param {Blob} blob the report (a Blob of UTF-8 JSON) or one attachment
   * @param {object} [options]
   * @param {AbortSignal} [options.signal] aborting cancels the job
   * @param {boolean} [options.hash] false: no plaintext hash (blake2b256 is then null)
   * @returns {Promise<{bytes: Uint8Array, blake2b256: (string|null)}>} the envelope, and the
   *          plaintext's BLAKE2b-256 (64 lower-case hex digits)
   * @throws as sealBlob
   */
  async function sealToBytes(worker, recipients, blob, { signal, hash = true } = {}) {
    const pieces = [];
    let blake2b256 = null;
    await sealBlob(worker, recipients, blob, {
      signal,
      hash,
      onPiece: (bytes) => { pieces.push(bytes); },
      onDone: (info) => { blake2b256 = info.blake2b256; },
    });
    const bytes = new Uint8Array(pieces.reduce((n, piece) => n + piece.length, 0));
    let at = 0;
    for (const piece of pieces) {
      bytes.set(piece, at);
      at += piece.length;
    }
    return { bytes, blake2b256 };
  }

  /**
   * Ask `worker` to seal ahead: keep `count` envelope headers for `recipients`
   * ready (seal-worker.js 'prepare'; each is one fresh file key encapsulated
   * to every recipient, made in the background and used by one sealBlob only),
   * so sealing on "send" does no per-recipient work. Call it again whenever
   * the number of items to send changes (files attached); no answer is awaited.
   * @param {Worker} worker a seal-worker.js Worker
   * @param {Uint8Array[]} recipients the public keys later passed to sealBlob
   * @param {number} count items expected (the report and the files); the worker keeps at most 8
   */
  function sealAhead(worker, recipients, count) {
    worker.postMessage({ type: 'prepare', id: `pr-${nextId++}`, recipients, count });
  }

  /**
   * Ask `worker` for the display fingerprints of `keys` (docs/FORMAT.md
   * "Fingerprints": 40 upper-case hex digits in ten groups of four).
   * @param {Worker} worker a seal-worker.js Worker
   * @param {Uint8Array[]} keys 32-byte X25519 public keys
   * @returns {Promise<string[]>} one display fingerprint per key, in order
   * @throws {SealFailed} if the worker could not compute them
   */
  function fingerprints(worker, keys) {
    const id = `fp-${nextId++}`;
    return new Promise((resolve, reject) => {
      function onMessage(event) {
        const message = event.data || {};
        if (message.id !== id) return;
        worker.removeEventListener('message', onMessage);
        if (message.type === 'fingerprints') resolve(message.fingerprints);
        else reject(new SealFailed(message.name, message.message));
      }
      worker.addEventListener('message', onMessage);
      worker.postMessage({ type: 'fingerprints', id, keys });
    });
  }

  /**
   * Ask `worker` for a new receipt and what derives from it (seal-worker.js 'receipt').
   * @param {Worker} worker a seal-worker.js Worker
   * @returns {Promise<{text: string, lookupKey: string, publicKey: string}>} the eight words,
   *          the lookup key (64 hex) and the reply key (base64 of 1216 bytes)
   * @throws {SealFailed} if the worker could not make one
   */
  function newReceipt(worker) {
    const id = `rc-${nextId++}`;
    return new Promise((resolve, reject) => {
      function onMessage(event) {
        const message = event.data || {};
        if (message.id !== id) return;
        worker.removeEventListener('message', onMessage);
        if (message.type === 'receipt') resolve({ text: message.text, lookupKey: message.lookupKey, publicKey: message.publicKey });
        else reject(new SealFailed(message.name, message.message));
      }
      worker.addEventListener('message', onMessage);
      worker.postMessage({ type: 'receipt', id });
    });
  }

  /** Longest wait for a seal worker's 'ready', in milliseconds: libsodium without WebAssembly can take long to start on slow devices. */
  const READY_TIMEOUT_MS = 180000;

  /**
   * Start a seal worker and wait for its 'ready' message (seal-worker.js).
   * @param {string} url the worker script's URL (a form's data-worker)
   * @param {number} [timeoutMs] how long to wait for 'ready', in milliseconds (default 180 000)
   * @returns {Promise<{instance: Worker, wasm: boolean}>} the ready worker, and whether its libsodium runs as WebAssembly
   * @throws {Error} if the Worker cannot be made, reports an error before 'ready', or is not ready in time
   */
  function startWorker(url, timeoutMs = READY_TIMEOUT_MS) {
    return new Promise((resolve, reject) => {
      let instance;
      try {
        instance = new Worker(url);
      } catch (error) {
        reject(error);
        return;
      }
      const timer = setTimeout(() => reject(new Error('the seal worker did not start')), timeoutMs);
      instance.addEventListener('error', (event) => {
        clearTimeout(timer);
        reject(new Error(`seal worker error: ${event.message}`));
      });
      instance.addEventListener('message', function onReady(event) {
        if (event.data && event.data.type === 'ready') {
          clearTimeout(timer);
          instance.removeEventListener('message', onReady);
          resolve({ instance, wasm: event.data.wasm });
        }
      });
    });
  }

  /** A page's reviewer keys did not check out (none listed, a wrong length, or a fingerprint that differs). */
  class KeysRefused extends Error {
    constructor(message) {
      super(message);
      this.name = 'KeysRefused';
    }
  }

  /**
   * Decode the reviewer public keys a page lists (base64 in data-public-key).
   * @param {string[]} encoded base64 of each key: 32 bytes (X25519) or 1216 bytes (X-Wing)
   * @returns {Uint8Array[]} the keys, in order
   * @throws {KeysRefused} if none is listed or one has another length
   */
  function decodeKeys(encoded) {
    const keys = encoded.map((text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0)));
    if (keys.length === 0 || keys.some((key) => key.length !== 32 && key.length !== 1216)) throw new KeysRefused('keys');
    return keys;
  }

  /**
   * Check that the fingerprints a page shows beside its keys are the keys' own
   * (docs/FORMAT.md "Fingerprints"; whitespace and case are ignored, as a
   * reader comparing them aloud would).
   * @param {Worker} worker a ready seal-worker.js Worker
   * @param {Uint8Array[]} keys the keys, as decodeKeys gives them
   * @param {string[]} shown the fingerprint shown for each key, in order
   * @returns {Promise<void>}
   * @throws {KeysRefused} if one differs; {SealFailed} if the worker could not compute them
   */
  async function checkFingerprints(worker, keys, shown) {
    const normalize = (fp) => fp.replace(/\s+/g, '').toUpperCase();
    const computed = await fingerprints(worker, keys);
    if (shown.length !== keys.length || shown.some((fp, index) => normalize(fp) !== normalize(computed[index]))) {
      throw new KeysRefused('fingerprint mismatch');
    }
  }

  /**
   * A browser-sealed report's entry for one attached file (docs/FORMAT.md "Report",
   * `attachments[]`), for the report form and the follow-up form alike.
   * @param {File} file the file as the reporter chose it
   * @param {string} itemId the item id its envelope is stored under (32 hex digits)
   * @param {string} blake2b256 the BLAKE2b-256 of its bytes (64 lower-case hex digits, sealBlob's onDone)
   * @returns {{item_id: string, filename: string, content_type: string, size: number, blake2b_256: string}}
   *          the name in Unicode NFC, the type the browser gave or 'application/octet-stream', the size in bytes
   */
  function attachmentEntry(file, itemId, blake2b256) {
    return {
      item_id: itemId,
      filename: file.name.normalize('NFC'),
      content_type: file.type || 'application/octet-stream',
      size: file.size,
      blake2b_256: blake2b256,
    };
  }

  return Object.freeze({
    sealBlob, sealToBytes, sealAhead, fingerprints, newReceipt, startWorker, decodeKeys, checkFingerprints, attachmentEntry,
    SealCancelled, SealFailed, KeysRefused,
  });
});
