/**
 * Web Worker: seals one File/Blob at a time into an envelope v2 (envelope2.js:
 * X-Wing and X25519 stanzas, key commitment, signed payload), off the page's
 * main thread, and posts the envelope back piece by piece. While idle it makes
 * the headers of the envelopes to come ('prepare': the slow X-Wing
 * encapsulations, done while the reporter writes, not on "send").
 *
 * Start it with `new Worker('/static/js/seal-worker.js')` (a classic worker,
 * same origin). It loads the vendored libsodium (../vendor/sodium.js) and
 * /bundle/seal.js (./envelope.js, ./envelope2-header.js, ./envelope2.js and ./webcrypto.js joined:
 * intake/bundles.py) with importScripts. With WebAssembly allowed (CSP
 * `script-src 'self' 'wasm-unsafe-eval'`, Tor Browser "Standard") libsodium
 * runs as WebAssembly; otherwise (Tor Browser "Safer", or the CSP without
 * 'wasm-unsafe-eval') it silently falls back to pure JavaScript, roughly 10 to
 * 100 times slower. Where the browser's Web Crypto has X25519 and Ed25519
 * (and passes webcrypto.js's known-answer tests) the X-Wing encapsulations'
 * X25519 and the envelope's Ed25519 key and signature are done there, in
 * native code; the envelope bytes are the same. The `ready` message says
 * which of each is in use.
 *
 * Protocol (all messages are plain objects with a `type`):
 *
 *   page -> worker
 *     {type: 'seal', id, recipients: Uint8Array[] (public keys: 32 bytes X25519, 1216 bytes X-Wing),
 *      blob: Blob | File, window?: number, hash?: boolean}
 *         Start sealing. `id` is the caller's job id (echoed back). `window`
 *         (default 16) is how many pieces may be posted before the page
 *         acknowledges them: memory in flight is at most window x 64 KiB.
 *         `hash: false` skips the plaintext's BLAKE2b-256 ('done' then carries
 *         blake2b256: null): the report needs none, only attachments do.
 *     {type: 'ack', id, count?: number}
 *         The page has consumed `count` (default 1) pieces; more may be sent.
 *     {type: 'cancel', id}
 *         Stop the job between two pieces; answered by 'cancelled'.
 *     {type: 'receipt', id}
 *         Make a new receipt (docs/FORMAT.md "Receipts": 8 words drawn with
 *         sodium.randombytes_uniform(2048)) and derive its lookup key and the
 *         reporter's X-Wing public key (crypto_kem_xwing_seed_keypair of the
 *         reporter seed). Answered by 'receipt'.
 *     {type: 'fingerprints', id, keys: Uint8Array[]}
 *         Compute the display fingerprints of public keys of either kind (the
 *         page checks them against the fingerprints it shows); may run
 *         alongside a job.
 *     {type: 'prepare', recipients: Uint8Array[], count: number}
 *         Seal ahead: keep `count` (at most POOL_MAX) envelope headers for these
 *         recipients ready (envelope2-header.js PreparedHeader: a fresh file key
 *         encapsulated to every recipient, so a 'seal' has no per-recipient
 *         work left). Made in the background while no job runs, one stanza per
 *         task; each is used by ONE 'seal' to the same recipients and then
 *         forgotten; a 'seal' consumes one of `count`. A 'prepare' with other
 *         recipients wipes the pool first; a smaller count wipes the surplus.
 *         Answered, each time a header is ready, by 'prepared'.
 *
 *   worker -> page
 *     {type: 'ready', wasm: boolean, webCrypto: 'native' | 'absent' | 'failed', version: string}
 *         once, when libsodium is initialised and Web Crypto was tried. webCrypto
 *         (webcrypto.js probe): 'native', its X25519 and Ed25519 are used;
 *         'absent', the browser has no Web Crypto X25519 or Ed25519; 'failed',
 *         it has them but they failed the self-test (or did not answer in
 *         time). Only 'native' means Web Crypto is used (a string: test it
 *         with === 'native', never as a boolean)
 *     {type: 'start', id, contentSize, envelopeSize, headerSize, recipients: string[], postQuantum, ahead}
 *         recipients are display fingerprints, in stanza order; ahead: true if
 *         the header was made ahead ('prepare'), false if it was made now
 *     {type: 'piece', id, index, offset, bytes: Uint8Array}
 *         envelope bytes [offset, offset + bytes.length); index 0 is the header,
 *         every later piece one 65553-byte chunk. bytes.buffer is transferred.
 *     {type: 'progress', id, done, total}   plaintext bytes sealed so far / in all
 *     {type: 'done', id, size, blake2b256}  all pieces have been posted; size = envelope bytes,
 *         blake2b256 = lower-case hex BLAKE2b-256 of the plaintext (unkeyed,
 *         32 bytes: libsodium crypto_generichash, streaming), the attachment
 *         hash of docs/FORMAT.md "Report"
 *     {type: 'fingerprints', id, fingerprints: string[]}   the answer to 'fingerprints'
 *     {type: 'prepared', ready: number}   headers now ready for the recipients of the last 'prepare'
 *     {type: 'receipt', id, text, lookupKey, publicKey}   text: the receipt (8 words);
 *         lookupKey: 64 lower-case hex; publicKey: base64 of the 1216-byte reply key
 *     {type: 'cancelled', id}
 *     {type: 'error', id, name, message}    name: TypeError, RangeError, NotReadableError, ...
 *
 * One job runs at a time; a 'seal' while a job runs is answered by 'error'.
 */
/* global importScripts, sodium, ResguardoEnvelope, ResguardoEnvelope2, ResguardoWebCrypto */
'use strict';

/**
 * The page passes the content versions of the imports in the worker's own
 * query string (?s=<sodium.js version>&b=<version of the /bundle/seal.js bundle>, see
 * intake/security.py worker_url) so a long-cached stale copy is never used.
 * @param {string} name query parameter
 * @returns {string} '?v=<hex>' or '' when absent or malformed
 */
function versionOf(name) {
  const value = new URLSearchParams(self.location.search).get(name) || '';
  return /^[0-9a-f]{1,64}$/.test(value) ? '?v=' + value : '';
}

// envelope.js, envelope2-header.js, envelope2.js and webcrypto.js come as one bundle (intake/bundles.py), the very
// URL the page loads, so the worker finds it in the HTTP cache: no request of its own.
importScripts('../vendor/sodium.js' + versionOf('s'), '../../bundle/seal.js' + versionOf('b'));

/** Plaintext bytes read from the Blob at a time: 16 chunks' worth (about 1 MiB). */
const READ_SIZE = 16 * 65532;
const DEFAULT_WINDOW = 16;
/** Envelope headers kept ready at most ('prepare'): the report and a few attachments. */
const POOL_MAX = 8;

let job = null; // {id, window, inFlight, cancelled, wake}

/**
 * Which libsodium build is running. libsodium.js deletes `useBackupModule`
 * from its module object when it switches to the pure-JS fallback; this is
 * an observation of libsodium.js 0.8.x internals, used only for diagnostics.
 */
function usingWebAssembly() {
  return typeof WebAssembly === 'object' && typeof sodium.libsodium.useBackupModule === 'function';
}

/** The webcrypto.js provider, or null (libsodium.js does everything); set once `ready` resolves. */
let webCrypto = null;

const ready = sodium.ready
  .then(() => ResguardoWebCrypto.probe(self.crypto && self.crypto.subtle, sodium))
  .then(({ status, provider }) => {
    webCrypto = provider;
    self.postMessage({
      type: 'ready', wasm: usingWebAssembly(), webCrypto: status, version: sodium.SODIUM_VERSION_STRING,
    });
  });

/** Resolve once the job may post another piece, or has been cancelled. */
function credit(current) {
  if (current.cancelled || current.inFlight < current.window) return Promise.resolve();
  return new Promise((resolve) => {
    current.wake = resolve;
  });
}

function wake(current) {
  if (current.wake) {
    const resolve = current.wake;
    current.wake = null;
    resolve();
  }
}

class Cancelled extends Error {}

/**
 * Post every piece a writer generator yields, honouring the window and
 * cancellation. Returns the new envelope offset.
 */
async function send(current, pieces, offset) {
  for await (const piece of pieces) { // push() is a generator, finishAsync() an async one
    await credit(current);
    if (current.cancelled) throw new Cancelled();
    // Each piece is a fresh Uint8Array over its own ArrayBuffer (libsodium
    // copies out of its heap; the header is built once): safe to transfer.
    const length = piece.length; // read before the transfer detaches the buffer
    self.postMessage(
      { type: 'piece', id: current.id, index: current.index, offset, bytes: piece },
      [piece.buffer]);
    current.index += 1;
    current.inFlight += 1;
    offset += length;
  }
  return offset;
}

async function seal(message) {
  const { id, recipients, blob } = message;
  const current = {
    id,
    window: Number.isInteger(message.window) && message.window > 0 ? message.window : DEFAULT_WINDOW,
    inFlight: 0,
    index: 0,
    cancelled: false,
    wake: null,
  };
  job = current;
  let writer = null;
  let hash = null;
  try {
    if (!(blob instanceof Blob)) throw new TypeError('blob must be a Blob or File');
    await ready;
    const prepared = await takePrepared(recipients);
    writer = new ResguardoEnvelope2.EnvelopeWriter(
      prepared || await ResguardoEnvelope2.prepareHeaderAsync(recipients, webCrypto));
    if (message.hash !== false) hash = sodium.crypto_generichash_init(null, 32);
    const total = blob.size;
    self.postMessage({
      type: 'start',
      id,
      contentSize: total,
      envelopeSize: ResguardoEnvelope2.envelopeSize(total, writer.kinds),
      headerSize: writer.headerSize,
      recipients: writer.recipients.map(ResguardoEnvelope.displayFingerprint),
      postQuantum: writer.postQuantum,
      ahead: prepared !== null,
    });
    let offset = 0;
    for (let done = 0; done < total;) {
      const end = Math.min(total, done + READ_SIZE);
      const data = new Uint8Array(await blob.slice(done, end).arrayBuffer());
      if (current.cancelled) throw new Cancelled();
      if (hash !== null) sodium.crypto_generichash_update(hash, data);
      offset = await send(current, writer.push(data), offset);
      done = end;
      self.postMessage({ type: 'progress', id, done, total });
    }
    if (total === 0) self.postMessage({ type: 'progress', id, done: 0, total: 0 });
    offset = await send(current, writer.finishAsync(), offset);
    const blake2b256 = hash === null ? null : sodium.to_hex(sodium.crypto_generichash_final(hash, 32));
    hash = null;
    self.postMessage({ type: 'done', id, size: offset, blake2b256 });
  } catch (error) {
    if (error instanceof Cancelled) {
      self.postMessage({ type: 'cancelled', id });
    } else {
      self.postMessage({ type: 'error', id, name: error && error.name, message: String(error && error.message) });
    }
  } finally {
    if (writer) writer.abort(); // wipes the pending chunk and the stream state (no-op when finished)
    if (hash !== null) sodium.crypto_generichash_final(hash, 32); // releases the hash state
    job = null;
    if (pool.making) wakeMaking(pool.making); // it waited for the job to end
    fill(); // resume sealing ahead, if headers are still wanted
  }
}

// ---- sealing ahead ('prepare') ----

/**
 * Headers made ahead for one recipient list (the page's reviewer keys). Each
 * holds, until it is used or wiped, a secretstream state (its payload key)
 * and a signing key, only here in the worker: never posted, never stored.
 */
const pool = {
  keys: null, // the recipients of the last 'prepare'
  ready: [], // PreparedHeader[], unused
  wanted: 0, // how many the page expects to seal soon (ready + in the making)
  making: null, // the header being made (see startMaking), or null
  filling: false, // the fill loop runs
};

/** A task boundary: lets queued messages ('seal', 'ack', 'cancel') run first. */
const pause = () => new Promise((resolve) => { setTimeout(resolve, 0); });

/**
 * Start making one header for `keys` in the background (envelope2.js
 * prepareHeaderAsync). Between two stanzas it lets messages run, and while a
 * job runs it waits, unless that job claimed it (takePrepared). Returns
 * {promise (PreparedHeader, or null once stopped), stop, claimed, wake}.
 */
function startMaking(keys) {
  const making = { promise: null, stop: false, claimed: false, wake: null };
  const between = async () => {
    await pause();
    while (job && !making.claimed && !making.stop) {
      await new Promise((resolve) => { making.wake = resolve; });
    }
  };
  making.promise = ResguardoEnvelope2.prepareHeaderAsync(keys, webCrypto, { between, stopped: () => making.stop });
  return making;
}

/** Let a header in the making go on if it waits for the end of a job. */
function wakeMaking(making) {
  const resolve = making.wake;
  making.wake = null;
  if (resolve) resolve();
}

/** Wipe the unused headers beyond `keep`; stop making one if `keep` are ready. */
function shrinkPool(keep) {
  while (pool.ready.length > keep) pool.ready.pop().discard();
  if (pool.ready.length >= keep && pool.making) {
    const making = pool.making;
    pool.making = null;
    making.stop = true; // abandoned (wiped) at its next stanza boundary, or discarded by fill
    wakeMaking(making);
  }
}

/** The 'prepare' message: keep `count` headers for `recipients` ready (see the protocol above). */
function prepare(message) {
  const { recipients } = message;
  if (!Array.isArray(recipients) || !recipients.every((key) => key instanceof Uint8Array)) {
    self.postMessage({ type: 'error', id: message.id, name: 'TypeError', message: 'recipients must be an array of Uint8Array' });
    return;
  }
  if (pool.keys === null || !sameKeys(recipients, pool.keys)) {
    shrinkPool(0);
    pool.keys = recipients;
  }
  pool.wanted = Number.isInteger(message.count) ? Math.max(0, Math.min(POOL_MAX, message.count)) : 1;
  shrinkPool(pool.wanted);
  fill();
}

/** Make headers in the background until `wanted` are ready; none is started while a job runs. */
async function fill() {
  if (pool.filling) return;
  pool.filling = true;
  try {
    await ready;
    while (!job && pool.keys !== null && pool.ready.length < pool.wanted) {
      const making = startMaking(pool.keys);
      pool.making = making;
      let header;
      try {
        header = await making.promise;
      } catch (_) {
        if (pool.making === making) pool.making = null;
        // Stopped (a 'prepare' for other keys came meanwhile) or claimed (the
        // seal reports the error itself): the pool goes on. Else its keys are
        // bad: stop sealing ahead until the next 'prepare'.
        if (making.stop || making.claimed) continue;
        pool.wanted = 0;
        break;
      }
      if (pool.making === making) pool.making = null;
      if (header === null || making.claimed) continue; // stopped, or a 'seal' took it
      if (making.stop) {
        header.discard(); // finished just as it was stopped
        continue;
      }
      pool.ready.push(header);
      self.postMessage({ type: 'prepared', ready: pool.ready.length });
    }
  } catch (_) {
    pool.wanted = 0; // libsodium could not start: a 'seal' reports that itself
  } finally {
    pool.filling = false;
  }
}

/** The same keys in the same order (what the page passes to 'prepare' and then to 'seal'). */
function sameKeys(a, b) {
  return Array.isArray(a) && Array.isArray(b) && a.length === b.length
    && a.every((key, index) => key instanceof Uint8Array && ResguardoEnvelope.internal.equalBytes(key, b[index]));
}

/**
 * For a 'seal' to the pool's recipients: one of the headers the page asked
 * for is used up, and returned if it is ready (or, if one is in the making,
 * once it is: the seal claims it); null otherwise (other recipients, or none
 * was started): the seal then makes its own.
 * @returns {Promise<PreparedHeader|null>}
 */
async function takePrepared(recipients) {
  if (pool.keys === null || !sameKeys(recipients, pool.keys)) return null;
  pool.wanted = Math.max(0, pool.wanted - 1);
  let prepared = pool.ready.shift() || null;
  if (!prepared && pool.making) {
    const making = pool.making;
    pool.making = null;
    making.claimed = true;
    wakeMaking(making);
    try {
      prepared = await making.promise;
    } catch (_) {
      return null; // the seal meets the same error and reports it
    }
  }
  if (prepared && !prepared.isFor(recipients)) { // cannot happen (one pool, one key list); never seal to others
    prepared.discard();
    return null;
  }
  return prepared;
}

async function fingerprints(message) {
  try {
    await ready;
    if (!Array.isArray(message.keys)) throw new TypeError('keys must be an array of Uint8Array');
    const shown = message.keys.map(
      (key) => ResguardoEnvelope.displayFingerprint(ResguardoEnvelope2.fingerprint(key)));
    self.postMessage({ type: 'fingerprints', id: message.id, fingerprints: shown });
  } catch (error) {
    self.postMessage({ type: 'error', id: message.id, name: error && error.name, message: String(error && error.message) });
  }
}

let receipts = null;

/** A new receipt and what the report and the server need of it (the 'receipt' message). */
async function receipt(message) {
  try {
    await ready;
    if (!receipts) {
      importScripts('receipt-words.js' + versionOf('w'), 'receipt.js' + versionOf('r'));
      receipts = self.ResguardoReceipt.create(self.ResguardoReceiptWords);
    }
    const words = self.ResguardoReceiptWords;
    const chosen = [];
    for (let i = 0; i < 8; i += 1) chosen.push(words[sodium.randombytes_uniform(words.length)]);
    const derived = receipts.derive(chosen.join(' '));
    const pair = sodium.crypto_kem_xwing_seed_keypair(derived.reporterSeed);
    const answer = {
      type: 'receipt', id: message.id, text: derived.canonical,
      lookupKey: sodium.to_hex(derived.lookupKey),
      publicKey: sodium.to_base64(pair.publicKey, sodium.base64_variants.ORIGINAL),
    };
    sodium.memzero(derived.reporterSeed);
    sodium.memzero(pair.privateKey);
    self.postMessage(answer);
  } catch (error) {
    self.postMessage({ type: 'error', id: message.id, name: error && error.name, message: String(error && error.message) });
  }
}

self.onmessage = (event) => {
  const message = event.data || {};
  if (message.type === 'receipt') {
    receipt(message);
  } else if (message.type === 'fingerprints') {
    fingerprints(message);
  } else if (message.type === 'prepare') {
    prepare(message);
  } else if (message.type === 'seal') {
    if (job) {
      self.postMessage({ type: 'error', id: message.id, name: 'InvalidStateError', message: 'a job is already running' });
      return;
    }
    seal(message);
  } else if (job && message.id === job.id) {
    if (message.type === 'ack') {
      const count = Number.isInteger(message.count) && message.count > 0 ? message.count : 1;
      job.inFlight = Math.max(0, job.inFlight - count);
      wake(job);
    } else if (message.type === 'cancel') {
      job.cancelled = true;
      wake(job);
    }
  }
};
