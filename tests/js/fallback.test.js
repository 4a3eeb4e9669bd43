'use strict';
// libsodium's pure-JavaScript fallback (what Tor Browser "Safer" runs, with
// WebAssembly off) inside the same vendored file: node without WebAssembly
// opens what the WebAssembly build sealed, and seals something it opens back.
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { loadEnvelope } = require('./sodium.js');

// The child runs with --noexpose_wasm. libsodium first tries WebAssembly and
// leaves one unhandled rejection behind when it is missing (harmless in a
// browser, fatal by default in node), hence --unhandled-rejections=warn.
const CHILD = `
const { loadEnvelope } = require(${JSON.stringify(path.join(__dirname, 'sodium.js'))});
loadEnvelope().then(({ sodium, envelope: E }) => {
  if (typeof WebAssembly !== 'undefined') throw new Error('WebAssembly is present');
  if (typeof sodium.libsodium.useBackupModule === 'function') throw new Error('not the fallback build');
  const [pk, sk] = process.argv.slice(-2).map((t) => new Uint8Array(Buffer.from(t, 'base64')));
  const input = new Uint8Array(require('node:fs').readFileSync(0));
  const content = E.open(input, [{ publicKey: pk, secretKey: sk }]);
  process.stdout.write(E.seal([pk], content));
});
`;

test('the vendored file works without WebAssembly, interoperating with the wasm build', async () => {
  const { sodium, envelope: E } = await loadEnvelope();
  const pair = sodium.crypto_box_keypair();
  const content = new Uint8Array(sodium.randombytes_buf(2 * 65532 + 99));
  const sealed = E.seal([pair.publicKey], content);
  const result = spawnSync(process.execPath, [
    '--noexpose_wasm', '--unhandled-rejections=warn', '-e', CHILD, '--',
    Buffer.from(pair.publicKey).toString('base64'), Buffer.from(pair.privateKey).toString('base64'),
  ], { input: Buffer.from(sealed), maxBuffer: 16 * 1024 * 1024 });
  assert.equal(result.status, 0, result.stderr.toString().slice(-2000));
  const back = new Uint8Array(result.stdout);
  assert.equal(back.length, E.envelopeSize(content.length, 1));
  assert.deepEqual(E.open(back, [{ publicKey: pair.publicKey, secretKey: pair.privateKey }]), content);
});
