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

  return Object.freeze({ sealBlob, sealAhead, fingerprints, newReceipt, SealCancelled, SealFailed });
});
