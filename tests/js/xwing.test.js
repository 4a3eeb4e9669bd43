'use strict';
// X-Wing in the vendored libsodium.js against the draft's own test vectors
// (tests/vectors/xwing_draft.json), and envelope v2 between the browser's
// envelope2.js and the Python reference (keys/), both ways.
const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { ROOT, loadEnvelope } = require('./sodium.js');
const { pythonMissing, runPython, python, b64, unb64 } = require('./python.js');

const DRAFT = JSON.parse(fs.readFileSync(path.join(ROOT, 'tests', 'vectors', 'xwing_draft.json'), 'utf8'));
const skip = pythonMissing || false;
let sodium;
let E;
let E2;
let people; // Python-made: three X-Wing keypairs and one X25519 keypair

test.before(async () => {
  ({ sodium, envelope: E, v2: E2 } = await loadEnvelope());
  if (skip) return;
  const made = ['xwing', 'xwing', 'xwing', 'x25519'].map((kind) => JSON.parse(python(['keygen', kind])));
  people = made.map((k, i) => ({
    publicKey: unb64(k.public), secretKey: unb64(k.secret), py: (i < 3 ? 'xwing:' : '') + k.secret,
  }));
});

for (const [index, v] of DRAFT.entries()) {
  test(`draft-connolly-cfrg-xwing-kem test vector ${index}`, () => {
    const pair = sodium.crypto_kem_xwing_seed_keypair(sodium.from_hex(v.seed));
    assert.equal(sodium.to_hex(pair.publicKey), v.pk);
    assert.equal(sodium.to_hex(pair.privateKey), v.sk);
    const { ciphertext, sharedSecret } = sodium.crypto_kem_xwing_enc_deterministic(pair.publicKey, sodium.from_hex(v.eseed));
    assert.equal(sodium.to_hex(ciphertext), v.ct);
    assert.equal(sodium.to_hex(sharedSecret), v.ss);
    assert.equal(sodium.to_hex(sodium.crypto_kem_xwing_dec(ciphertext, pair.privateKey)), v.ss);
  });
}

const sets = { 'one X-Wing key': [0], 'three X-Wing keys': [0, 1, 2], 'a mixed set': [0, 3] };
for (const [label, members] of Object.entries(sets)) {
  for (const size of [0, 1000, 16380, 16381, 65533]) {
    test(`v2, ${label}, ${size} bytes: JS seals, Python opens; Python seals, JS opens`, { skip }, () => {
      const plain = new Uint8Array(crypto.randomBytes(size));
      const recipients = members.map((i) => people[i]);
      const fromJs = E2.seal(recipients.map((p) => p.publicKey), plain);
      const fromPy = new Uint8Array(python(['seal2', ...recipients.map((p) => b64(p.publicKey))], plain));
      const kinds = recipients.map((p) => E2.kindOf(p.publicKey));
      assert.equal(fromJs.length, E2.envelopeSize(size, kinds));
      assert.equal(fromPy.length, fromJs.length);
      assert.equal(fromJs[9], size <= 16380 ? 14 : 16); // docs/FORMAT.md "V2 padding"
      assert.equal(fromPy[9], fromJs[9]);
      for (const who of recipients) {
        assert.deepEqual(new Uint8Array(python(['open', who.py], fromJs)), plain);
        assert.deepEqual(E.open(fromPy, [who]), plain);
      }
    });
  }
}

test('v2 from a header made ahead (prepareHeader): Python opens it; each header seals one envelope only', { skip }, () => {
  const recipients = [people[0], people[1], people[3]];
  const keys = recipients.map((p) => p.publicKey);
  for (const size of [0, 1000, 16381]) {
    const prepared = E2.prepareHeader(keys);
    assert.equal(prepared.isFor(keys), true);
    assert.equal(prepared.isFor([keys[0], keys[1], keys[0], keys[2]]), true); // duplicates count once, as in the writer
    assert.equal(prepared.isFor(keys.slice(0, 2)), false);
    assert.equal(prepared.isFor([keys[1], keys[0], keys[2]]), false); // stanza order matters
    const plain = new Uint8Array(crypto.randomBytes(size));
    const writer = new E2.EnvelopeWriter(prepared);
    assert.equal(prepared.usable, false);
    assert.throws(() => new E2.EnvelopeWriter(prepared), /used once only/);
    const sealed = Uint8Array.from(Buffer.concat([...writer.push(plain), ...writer.finish()].map((b) => Buffer.from(b))));
    assert.equal(sealed.length, E2.envelopeSize(size, ['xwing', 'xwing', 'x25519']));
    assert.equal(sealed[9], size <= 16380 ? 14 : 16);
    for (const who of recipients) assert.deepEqual(new Uint8Array(python(['open', who.py], sealed)), plain);
  }
  // Two headers for the same keys share nothing: fresh file key (commitment), ciphertexts, signing key, stream header.
  const [a, b] = [E2.prepareHeader(keys), E2.prepareHeader(keys)];
  const head = (prepared) => [...new E2.EnvelopeWriter(prepared).finish()][0];
  const [ha, hb] = [head(a), head(b)];
  const tail = ha.length - 88;
  for (const [from, to] of [[15 + 32, 15 + 32 + 1120], [tail, tail + 32], [tail + 32, tail + 64], [tail + 64, tail + 88]]) {
    assert.notDeepEqual(ha.subarray(from, to), hb.subarray(from, to));
  }
  // An unused header can be wiped; it is unusable afterwards.
  const unused = E2.prepareHeader(keys);
  unused.discard();
  assert.equal(unused.usable, false);
  assert.throws(() => new E2.EnvelopeWriter(unused), /used once only/);
});

test('prepareSteps yields once per stanza; abandoning it wipes, an unknown key kind fails when advanced', { skip }, () => {
  const keys = [people[0].publicKey, people[1].publicKey, people[3].publicKey];
  const steps = E2.prepareSteps(keys);
  let yields = 0;
  let step;
  while (!(step = steps.next()).done) yields += 1;
  assert.equal(yields, 3);
  assert.equal(step.value.usable, true);
  step.value.discard();
  const abandoned = E2.prepareSteps(keys);
  abandoned.next();
  assert.deepEqual(abandoned.return(), { value: undefined, done: true });
  const bad = E2.prepareSteps([new Uint8Array(33)]);
  assert.throws(() => bad.next(), RangeError);
});

test('v2: Python refuses what JS refuses, with the same error class', { skip }, () => {
  const [ana, ben, , alice] = people;
  const good = E2.seal([ana.publicKey], new Uint8Array(crypto.randomBytes(70000)));
  const header = E2.headerSize(['xwing']);
  const cases = [
    ['UnknownStanzaError', (b) => { b[12] = 9; return b; }],
    ['StanzaLengthError', (b) => { b[14] ^= 1; return b; }],
    ['UnsupportedVersionError', (b) => { b[8] = 3; return b; }],
    ['HeaderError', (b) => b.subarray(0, 500)],
    ['PayloadError', (b) => { b[header + 5] ^= 0x80; return b; }],
    ['SignatureError', (b) => { b[b.length - 1] ^= 1; return b; }],
    ['TruncatedError', (b) => b.subarray(0, b.length - 10)],
    ['TrailingDataError', (b) => Uint8Array.from([...b, 0])],
  ];
  for (const [name, spoil] of cases) {
    const bad = spoil(good.slice());
    const result = runPython(['open', ana.py], bad);
    assert.equal(result.status, 3, name);
    assert.equal(result.stderr, name);
    assert.throws(() => E.open(bad, [ana]), (error) => error.name === name);
  }
  for (const who of [ben, alice]) {
    assert.equal(runPython(['open', who.py], good).stderr, 'NoMatchingKeyError');
    assert.throws(() => E.open(good, [who]), E.NoMatchingKeyError);
  }
});

test('v2 padding: one 16 KiB chunk up to 16380 bytes, then Padmé 64 KiB chunks (as keys/)', { skip }, () => {
  // The same figures as tests/keys/test_keys_envelope2.py test_sizes.
  const expected = [[0, 17768], [1, 17768], [16380, 17768], [16381, 66920], [65532, 66920], [65533, 132473]];
  for (const [size, bytes] of expected) assert.equal(E2.envelopeSize(size, ['xwing']), bytes, `${size}`);
  for (const size of [0, 5, 16380, 16381, 70000]) {
    const writer = new E2.EnvelopeWriter([people[0].publicKey]);
    const pieces = [];
    const plain = new Uint8Array(size).fill(7);
    for (let at = 0; at < size || at === 0; at += 5000) {
      pieces.push(...writer.push(plain.subarray(at, Math.min(size, at + 5000))));
      if (size === 0) break;
    }
    pieces.push(...writer.finish());
    const sealed = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const piece of pieces) { sealed.set(piece, at); at += piece.length; }
    assert.equal(sealed.length, E2.envelopeSize(size, ['xwing']));
    assert.equal(sealed[9], size <= E2.SMALL_DATA ? 14 : 16);
    assert.equal(pieces[0].length, E2.headerSize(['xwing'])); // the header comes first, once
    assert.deepEqual(E.open(sealed, [people[0]]), plain);
  }
});
