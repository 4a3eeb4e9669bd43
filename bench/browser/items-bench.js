'use strict';
/**
 * Per-item sealing cost, v1 (X25519 stanzas) against v2 (X-Wing stanzas), for
 * 1, 3 and 10 recipients: header bytes and milliseconds to seal one small item
 * (1000 bytes), median of `reps` runs. Shared by node (bench/seal_items_node.js)
 * and the browser page bench/browser/items.html (bench/seal_speed.py --per-item).
 * Uses the globals sodium, ResguardoEnvelope, ResguardoEnvelope2 (or the
 * arguments in node). Keys are made here (their making is not timed).
 */
(function (root) {
  function median(values) {
    const sorted = values.slice().sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)];
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
      for (const [version, seal, keys] of [['v1', E.seal, x25519], ['v2', E2.seal, xwing]]) {
        seal(keys, item); // warm-up
        const times = [];
        let header = 0;
        for (let r = 0; r < reps; r++) {
          const start = now();
          const envelope = seal(keys, item);
          times.push(now() - start);
          header = version === 'v1' ? E.headerSize(n) : E2.headerSize(keys.map(E2.kindOf));
          if (envelope.length < header) throw new Error('short envelope');
        }
        rows.push({ version, recipients: n, headerBytes: header, ms: median(times) });
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
        const wasm = typeof WebAssembly === 'object' && typeof root.sodium.libsodium.useBackupModule === 'function';
        root.benchResult = { rows, wasm };
      } catch (error) {
        root.benchResult = { error: String(error && error.stack) };
      }
    })();
  }
})(globalThis);
