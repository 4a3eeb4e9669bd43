'use strict';
// The browser's envelope.js and the Python reference (keys/) against each
// other: JS-written envelopes open in Python, Python-written ones open in JS,
// and both agree on sizes and fingerprints.
const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { loadEnvelope } = require('./sodium.js');
const { pythonMissing, runPython, python, b64, unb64 } = require('./python.js');

const DATA = 65532;
const SIZES = [0, 1, DATA - 1, DATA, DATA + 1, 3 * DATA, 3 * DATA + 1, 8 * DATA + 1];
const skip = pythonMissing || false;

let sodium;
let E;
let alice; // a Python-made reviewer keypair
let bob;

test.before(async () => {
  ({ sodium, envelope: E } = await loadEnvelope());
  if (skip) return;
  const made = [JSON.parse(python(['keygen'])), JSON.parse(python(['keygen']))];
  [alice, bob] = made.map((k) => ({ publicKey: unb64(k.public), secretKey: unb64(k.secret) }));
});

const content = (n) => new Uint8Array(crypto.randomBytes(n));

test('sizes and Padmé agree with keys/', { skip }, () => {
  const sizes = [...Array(300).keys(), 1000, 4095, 4096, 65535, 1e6, 123456789, 2 ** 40 + 5, DATA, DATA + 1];
  const expected = JSON.parse(python(['sizes', ...sizes.map(String)]));
  assert.deepEqual(sizes.map((n) => [E.padme(n), E.chunkCount(n), E.envelopeSize(n, 1)]), expected);
});

test('fingerprints agree with keys/', { skip }, () => {
  const expected = JSON.parse(python(['fingerprint', b64(alice.publicKey)]));
  const mine = E.fingerprint(alice.publicKey);
  assert.equal(Buffer.from(mine).toString('hex'), expected.hex);
  assert.equal(E.displayFingerprint(mine), expected.display);
});

for (const size of SIZES) {
  test(`JS seals ${size} bytes, Python opens`, { skip }, () => {
    const plain = content(size);
    const envelope = E.seal([alice.publicKey, bob.publicKey], plain);
    for (const who of [alice, bob]) {
      assert.deepEqual(new Uint8Array(python(['open', b64(who.secretKey)], envelope)), plain);
    }
  });

  test(`Python seals ${size} bytes, JS opens`, { skip }, () => {
    const plain = content(size);
    const envelope = new Uint8Array(python(['seal', b64(alice.publicKey), b64(bob.publicKey)], plain));
    assert.equal(envelope.length, E.envelopeSize(size, 2));
    for (const who of [alice, bob]) {
      assert.deepEqual(E.open(envelope, [who]), plain);
    }
  });
}

test('Python refuses what JS refuses, with the same error class', { skip }, () => {
  const plain = content(2 * DATA + 3);
  const good = E.seal([alice.publicKey], plain);
  const header = E.headerSize(1);
  const cases = [
    ['HeaderError', (b) => { b[0] ^= 1; return b; }],
    ['UnsupportedVersionError', (b) => { b[8] = 9; return b; }],
    ['PayloadError', (b) => { b[header + 5] ^= 0x80; return b; }],
    ['TruncatedError', (b) => b.subarray(0, b.length - 10)],
    ['TrailingDataError', (b) => Uint8Array.from([...b, 0])],
  ];
  for (const [name, spoil] of cases) {
    const bad = spoil(good.slice());
    const result = runPython(['open', b64(alice.secretKey)], bad);
    assert.equal(result.status, 3, name);
    assert.equal(result.stderr, name);
    assert.throws(() => E.open(bad, [alice]), (error) => error.name === name);
  }
  const result = runPython(['open', b64(bob.secretKey)], good);
  assert.equal(result.stderr, 'NoMatchingKeyError');
  assert.throws(() => E.open(good, [bob]), E.NoMatchingKeyError);
});
