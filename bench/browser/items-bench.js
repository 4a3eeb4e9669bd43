'use strict';
/**
 * Per-item sealing cost, v1 (X25519 stanzas) against v2 (X-Wing stanzas), for
 * 1, 3 and 10 recipients: header bytes and milliseconds to seal one small item
 * (1000 bytes), median of `reps` runs. Shared by node (bench/seal_items_node.js)
 * and the browser page bench/browser/items.html (bench/seal_speed.py --per-item).
 * Uses the globals sodium, ResguardoEnvelope, ResguardoEnvelope2 (or the
 * arguments in node). Keys are made here (their making is not timed).
 *
 * Rows 'v1' and 'v2' time the whole seal (the primitive's cost, encapsulations
 * included); row 'v2-ahead' times only what is left once the header was made
 * ahead (envelope2.js prepareHeader, untimed, as the seal worker does while
 * the reporter writes): the same envelope bytes. In the browser, rows 'v2-wc'
 * and 'v2-wc-ahead' are the same two with webcrypto.js (Web Crypto X25519 and
 * Ed25519, as the seal worker uses them where the browser has them).
 */
(function (root) {
  function median(values) {
    const sorted = values.slice().sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)];
  }

  function concat(parts) {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const part of parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  }

  function measure(sodium, E, E2, counts, reps) {
    const now = () => (typeof performance === 'object' ? performance.now() : Number(process.hrtime.bigint()) / 1e6);
    const item = sodium.randombytes_buf(1000);
    const rows = [];
    for (const n of counts) { // warm-up pass over every configuration (JIT, heap growth)
      E2.seal(Array.from({ length: n }, () => sodium.crypto_kem_xwing_keypair().publicKey), item);
      E.seal(Array.from({ length: n }, () => sodium.crypto_box_keypair().publicKey), item);
    }
    for (const n of counts) {
      const x25519 = Array.from({ length: n }, () => sodium.crypto_box_keypair().publicKey);
      const xwing = Array.from({ length: n }, () => sodium.crypto_kem_xwing_keypair().publicKey);
      const ahead = (keys, content) => { // the header made ahead, untimed; the rest timed
        const writer = new E2.EnvelopeWriter(E2.prepareHeader(keys));
        const start = now();
        const envelope = concat([...writer.push(content), ...writer.finish()]);
        return { envelope, ms: now() - start };
      };
      const whole = (seal) => (keys, content) => {
        const start = now();
        const envelope = seal(keys, content);
        return { envelope, ms: now() - start };
      };
      for (const [version, seal, keys] of [['v1', whole(E.seal), x25519], ['v2', whole(E2.seal), xwing], ['v2-ahead', ahead, xwing]]) {
        seal(keys, item); // warm-up
        const times = [];
        let header = 0;
        for (let r = 0; r < reps; r++) {
          const { envelope, ms } = seal(keys, item);
          times.push(ms);
          header = version === 'v1' ? E.headerSize(n) : E2.headerSize(keys.map(E2.kindOf));
          if (envelope.length < header) throw new Error('short envelope');
        }
        rows.push({ version, recipients: n, headerBytes: header, ms: median(times) });
      }
    }
    return rows;
  }

  /** 'v2-wc' and 'v2-wc-ahead' rows: measure()'s v2 rows with a webcrypto.js provider `web`. */
  async function measureWebCrypto(sodium, E2, web, counts, reps) {
    const item = sodium.randombytes_buf(1000);
    const rows = [];
    for (const n of counts) {
      const xwing = Array.from({ length: n }, () => sodium.crypto_kem_xwing_keypair().publicKey);
      const whole = async () => {
        const start = performance.now();
        await E2.sealAsync(xwing, item, web);
        return performance.now() - start;
      };
      const ahead = async () => {
        const writer = new E2.EnvelopeWriter(await E2.prepareHeaderAsync(xwing, web));
        const start = performance.now();
        for (const _ of writer.push(item)); // eslint-disable-line no-unused-vars
        for await (const _ of writer.finishAsync()); // eslint-disable-line no-unused-vars
        return performance.now() - start;
      };
      for (const [version, run] of [['v2-wc', whole], ['v2-wc-ahead', ahead]]) {
        await run(); // warm-up
        const times = [];
        for (let r = 0; r < reps; r++) times.push(await run());
        rows.push({ version, recipients: n, headerBytes: E2.headerSize(xwing.map(E2.kindOf)), ms: median(times) });
      }
    }
    return rows;
  }

  if (typeof module === 'object' && module && module.exports) {
    module.exports = { measure };
  } else {
    (async () => {
      try {
        await root.sodium.ready;
        const reps = Number(new URLSearchParams(location.hash.slice(1)).get('reps') || 5);
        const rows = measure(root.sodium, root.ResguardoEnvelope, root.ResguardoEnvelope2, [1, 3, 10], reps);
        const { status, provider: web } = await root.ResguardoWebCrypto.probe(root.crypto && root.crypto.subtle, root.sodium);
        if (web !== null) rows.push(...await measureWebCrypto(root.sodium, root.ResguardoEnvelope2, web, [1, 3, 10], reps));
        const wasm = typeof WebAssembly === 'object' && typeof root.sodium.libsodium.useBackupModule === 'function';
        root.benchResult = { rows, wasm, webCrypto: status }; // as the seal worker's 'ready' says it
      } catch (error) {
        root.benchResult = { error: String(error && error.stack) };
      }
    })();
  }
})(globalThis);
