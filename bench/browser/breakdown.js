'use strict';
/**
 * What one envelope v2 seal is made of, primitive by primitive, in the vendored
 * libsodium.js: milliseconds [min, median, max] of `reps` runs of each step (after
 * one untimed run). Shared by node (bench/seal_breakdown.py runs it with
 * `node --jitless`) and Chromium, where it runs in a Web Worker as the seal worker
 * does (bench/browser/breakdown.html loads this file as the page script, which
 * starts it again as the worker). Keys are made once, untimed.
 */
(function (root) {
  function breakdown(sodium, E, E2, reps) {
    const now = () => (typeof performance === 'object' ? performance.now() : Number(process.hrtime.bigint()) / 1e6);
    const stats = (times) => {
      const sorted = times.slice().sort((a, b) => a - b);
      return [sorted[0], sorted[Math.floor(sorted.length / 2)], sorted[sorted.length - 1]];
    };
    const time = (action) => { // the whole action timed
      action();
      const times = [];
      for (let r = 0; r < reps; r++) {
        const start = now();
        action();
        times.push(now() - start);
      }
      return stats(times);
    };
    const timed = (action) => { // the action returns the milliseconds of its timed part
      action();
      const times = [];
      for (let r = 0; r < reps; r++) times.push(action());
      return stats(times);
    };
    const xwing = sodium.crypto_kem_xwing_keypair().publicKey;
    const x25519 = sodium.crypto_box_keypair().publicKey;
    const three = [xwing, sodium.crypto_kem_xwing_keypair().publicKey, sodium.crypto_kem_xwing_keypair().publicKey];
    const key = sodium.randombytes_buf(32);
    const signKey = sodium.crypto_sign_keypair().privateKey;
    const state = sodium.crypto_secretstream_xchacha20poly1305_init_push(key).state;
    const item = sodium.randombytes_buf(1000);
    const rows = [
      ['xwing_enc', 'X-Wing encapsulation (crypto_kem_xwing_enc), all of it', () => time(() => sodium.crypto_kem_xwing_enc(xwing))],
      ['mlkem768_enc', ' its ML-KEM-768 encapsulation (crypto_kem_mlkem768_enc)', () => time(() => sodium.crypto_kem_mlkem768_enc(xwing.subarray(0, 1184)))],
      ['x25519_base', ' its X25519 ephemeral key (crypto_scalarmult_base)', () => time(() => sodium.crypto_scalarmult_base(key))],
      ['x25519_shared', ' its X25519 shared secret (crypto_scalarmult)', () => time(() => sodium.crypto_scalarmult(key, x25519))],
      ['sha3_combiner', ' its SHA3-256 combiner (134 bytes)', () => time(() => sodium.crypto_hash_sha3256(new Uint8Array(134)))],
      ['fingerprint', 'X-Wing key fingerprint (BLAKE2b-256 of 1216 bytes)', () => time(() => E2.fingerprint(xwing))],
      ['wrap', 'stanza wrap: BLAKE2b KDF + XChaCha20-Poly1305 of 32 bytes', () => time(() => {
        const wrapKey = sodium.crypto_generichash(32, key, key);
        sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(key, null, null, new Uint8Array(24), wrapKey);
      })],
      ['sign_keypair', 'Ed25519 per-envelope key (crypto_sign_keypair)', () => time(() => sodium.crypto_sign_keypair())],
      ['sign', 'Ed25519 signature of 87 bytes (crypto_sign_detached)', () => time(() => sodium.crypto_sign_detached(new Uint8Array(87), signKey))],
      ['commitment', 'commitment + payload key (2 keyed BLAKE2b)', () => time(() => {
        sodium.crypto_generichash(32, new Uint8Array(24), key);
        sodium.crypto_generichash(32, new Uint8Array(25), key);
      })],
      ['chunk_16k', 'secretstream push of one 16 KiB chunk', () => time(() => sodium.crypto_secretstream_xchacha20poly1305_push(state, new Uint8Array(16384), new Uint8Array(32), 0))],
      ['chunk_hash_16k', 'BLAKE2b-256 of one sealed 16 KiB chunk (16401 bytes)', () => time(() => sodium.crypto_generichash(32, new Uint8Array(16401), null))],
      ['padding_frame', 'framing and zero padding of one 64 KiB frame', () => time(() => new Uint8Array(65536).fill(0, 1004))],
      ['seal_1', 'whole seal of 1000 bytes to 1 X-Wing key (envelope2.js seal)', () => time(() => E2.seal([xwing], item))],
      ['seal_3', 'whole seal of 1000 bytes to 3 X-Wing keys', () => time(() => E2.seal(three, item))],
      ['prepare_1', 'header made ahead for 1 key (prepareHeader, then discarded)', () => time(() => E2.prepareHeader([xwing]).discard())],
      ['at_send_1', 'at send, header made ahead, 1 key (push + finish)', () => timed(() => {
        const writer = new E2.EnvelopeWriter(E2.prepareHeader([xwing]));
        const start = now();
        for (const _ of writer.push(item)); // eslint-disable-line no-unused-vars
        for (const _ of writer.finish()); // eslint-disable-line no-unused-vars
        return now() - start;
      })],
      ['at_send_3', 'at send, header made ahead, 3 keys', () => timed(() => {
        const writer = new E2.EnvelopeWriter(E2.prepareHeader(three));
        const start = now();
        for (const _ of writer.push(item)); // eslint-disable-line no-unused-vars
        for (const _ of writer.finish()); // eslint-disable-line no-unused-vars
        return now() - start;
      })],
    ].map(([name, what, run]) => ({ name, what, ms: run() }));
    const wasm = typeof WebAssembly === 'object' && typeof sodium.libsodium.useBackupModule === 'function';
    return { rows, wasm };
  }

  /**
   * The same seal with webcrypto.js (Web Crypto X25519 and Ed25519, what the
   * seal worker uses where the browser has them): rows as breakdown()'s, or
   * none if `W.create` finds no usable Web Crypto. Each step awaited.
   */
  async function webCryptoRows(sodium, E2, W, subtle, reps) {
    const web = await W.create(subtle, sodium);
    if (web === null) return [];
    const now = () => (typeof performance === 'object' ? performance.now() : Number(process.hrtime.bigint()) / 1e6);
    const stats = (times) => {
      const sorted = times.slice().sort((a, b) => a - b);
      return [sorted[0], sorted[Math.floor(sorted.length / 2)], sorted[sorted.length - 1]];
    };
    const timed = async (action) => { // the action resolves to the milliseconds of its timed part
      await action();
      const times = [];
      for (let r = 0; r < reps; r++) times.push(await action());
      return stats(times);
    };
    const time = (action) => timed(async () => {
      const start = now();
      await action();
      return now() - start;
    });
    const xwing = sodium.crypto_kem_xwing_keypair().publicKey;
    const three = [xwing, sodium.crypto_kem_xwing_keypair().publicKey, sodium.crypto_kem_xwing_keypair().publicKey];
    const signer = await web.signingKey();
    const item = sodium.randombytes_buf(1000);
    const atSend = (keys) => timed(async () => {
      const writer = new E2.EnvelopeWriter(await E2.prepareHeaderAsync(keys, web));
      const start = now();
      for (const _ of writer.push(item)); // eslint-disable-line no-unused-vars
      for await (const _ of writer.finishAsync()); // eslint-disable-line no-unused-vars
      return now() - start;
    });
    const rows = [
      ['wc_xwing_enc', 'Web Crypto: X-Wing encapsulation (X25519 native)', () => time(() => web.encapsulate(xwing))],
      ['wc_sign_keypair', 'Web Crypto: Ed25519 per-envelope key', () => time(() => web.signingKey())],
      ['wc_sign', 'Web Crypto: Ed25519 signature of 87 bytes', () => time(() => web.sign(signer.privateKey, new Uint8Array(87)))],
      ['wc_seal_1', 'Web Crypto: whole seal of 1000 bytes to 1 X-Wing key', () => time(() => E2.sealAsync([xwing], item, web))],
      ['wc_seal_3', 'Web Crypto: whole seal of 1000 bytes to 3 X-Wing keys', () => time(() => E2.sealAsync(three, item, web))],
      ['wc_at_send_1', 'Web Crypto: at send, header made ahead, 1 key (push + finish)', () => atSend([xwing])],
      ['wc_at_send_3', 'Web Crypto: at send, header made ahead, 3 keys', () => atSend(three)],
    ];
    const out = [];
    for (const [name, what, run] of rows) out.push({ name, what, ms: await run() });
    return out;
  }

  if (typeof module === 'object' && module && module.exports) {
    module.exports = { breakdown, webCryptoRows };
  } else if (typeof importScripts === 'function') { // the Web Worker
    importScripts('/static/vendor/sodium.js', '/static/js/envelope.js', '/static/js/envelope2-header.js', '/static/js/envelope2.js', '/static/js/webcrypto.js');
    root.sodium.ready.then(async () => {
      const reps = Number(new URLSearchParams(root.location.search).get('reps') || 5);
      const result = breakdown(root.sodium, root.ResguardoEnvelope, root.ResguardoEnvelope2, reps);
      result.rows.push(...await webCryptoRows(root.sodium, root.ResguardoEnvelope2, root.ResguardoWebCrypto,
        root.crypto && root.crypto.subtle, reps));
      root.postMessage(result);
    }).catch((error) => root.postMessage({ error: String(error && error.stack) }));
  } else { // the page: start this file as the worker
    const reps = new URLSearchParams(root.location.hash.slice(1)).get('reps') || '5';
    const worker = new Worker(`/bench/breakdown.js?reps=${encodeURIComponent(reps)}`);
    worker.onmessage = (event) => { root.benchResult = event.data; };
    worker.onerror = (event) => { root.benchResult = { error: String(event.message) }; };
  }
})(globalThis);
