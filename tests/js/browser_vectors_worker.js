/**
 * Test-only Web Worker for tests/js/test_js_browser_vectors.py: served as
 * /static/js/vectors-worker.js (next to checkback-worker.js, so the same
 * relative importScripts paths resolve the same way) under the production CSP.
 *
 *   page -> worker  {scripts: [<path relative to /static/js/>], vectors: [{name, kind, identity, envelope}]}
 *                   identity, envelope: base64; kind: 'xwing' | 'x25519'
 *   worker -> page  {wasm, results: [{name, ok: true, size, sha256} | {name, ok: false, error, exported, message}]}
 *                   error: the thrown object's constructor name; exported: whether that constructor
 *                   is the class of that name exported by envelope.js or envelope2.js;
 *                   wasm: whether this worker has WebAssembly (false under --jitless)
 *   worker -> page  {failure: <message>} if loading the scripts fails
 *
 * Each vector is opened with ResguardoEnvelopeReader.open(bytes, [identity]), as
 * checkback-worker.js opens a reply and as tests/js/vectors2.test.js does in node.
 */
/* global importScripts, sodium, ResguardoEnvelope, ResguardoEnvelope2, ResguardoEnvelopeReader */
'use strict';

function fromBase64(text) {
  return sodium.from_base64(text, sodium.base64_variants.ORIGINAL);
}

async function run(vectors) {
  const results = [];
  for (const vector of vectors) {
    const secretKey = fromBase64(vector.identity);
    const publicKey = vector.kind === 'xwing'
      ? sodium.crypto_kem_xwing_seed_keypair(secretKey).publicKey
      : sodium.crypto_scalarmult_base(secretKey);
    try {
      const plain = ResguardoEnvelopeReader.open(fromBase64(vector.envelope), [{ publicKey, secretKey }]);
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', plain));
      results.push({ name: vector.name, ok: true, size: plain.length, sha256: sodium.to_hex(digest) });
    } catch (error) {
      const name = error && error.constructor ? error.constructor.name : String(error);
      const exported = ResguardoEnvelope[name] || ResguardoEnvelope2[name];
      results.push({ name: vector.name, ok: false, error: name, exported: Boolean(exported) && error.constructor === exported,
        message: String(error && error.message) });
    }
  }
  return results;
}

self.onmessage = async (event) => {
  try {
    importScripts(...event.data.scripts);
    await sodium.ready;
    self.postMessage({ wasm: typeof WebAssembly === 'object', results: await run(event.data.vectors) });
  } catch (error) {
    self.postMessage({ failure: String(error && error.stack || error) });
  }
};
