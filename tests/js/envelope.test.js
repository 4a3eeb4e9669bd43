'use strict';
// intake/static/js/envelope.js on its own: sizes, framing, round trips and
// the reader's refusals, with the committed vendored libsodium.
const test = require('node:test');
const assert = require('node:assert/strict');
const { loadEnvelope } = require('./sodium.js');

const DATA = 65532; // content bytes per chunk
const SEALED = 65553; // bytes of one chunk on the wire

let sodium;
let E;
let alice;
let bob;

test.before(async () => {
  ({ sodium, envelope: E } = await loadEnvelope());
  alice = sodium.crypto_box_keypair();
  bob = sodium.crypto_box_keypair();
});

const identity = (pair) => ({ publicKey: pair.publicKey, secretKey: pair.privateKey });
const bytes = (n, seed = 7) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

function sealInPieces(recipients, content, pieceSize) {
  const writer = new E.EnvelopeWriter(recipients);
  const out = [];
  for (let at = 0; at < content.length; at += pieceSize) {
    out.push(...writer.push(content.subarray(at, at + pieceSize)));
  }
  out.push(...writer.finish());
  return out;
}

const join = (parts) => Uint8Array.from(Buffer.concat(parts.map((p) => Buffer.from(p))));

test('padme matches the PURBs paper examples', () => {
  assert.deepEqual([0, 1, 2, 3, 9, 100, 1000].map(E.padme), [0, 1, 2, 3, 10, 104, 1024]);
  assert.throws(() => E.padme(-1), RangeError);
  assert.throws(() => E.padme(1.5), RangeError);
});

test('chunk count: 0 bytes is one chunk, and the count is Padmé-padded', () => {
  assert.equal(E.chunkCount(0), 1);
  assert.equal(E.chunkCount(DATA), 1);
  assert.equal(E.chunkCount(DATA + 1), 2);
  assert.equal(E.chunkCount(8 * DATA + 1), 10); // 9 data chunks -> padme(9) = 10
  assert.equal(E.headerSize(1), 12 + 112 + 24);
  assert.equal(E.envelopeSize(0, 2), 12 + 2 * 112 + 24 + SEALED);
});

for (const size of [0, 1, DATA - 1, DATA, DATA + 1, 2 * DATA, 3 * DATA, 3 * DATA + 1, 8 * DATA + 1]) {
  test(`round trip of ${size} bytes`, () => {
    const content = bytes(size);
    const envelope = E.seal([alice.publicKey], content);
    assert.equal(envelope.length, E.envelopeSize(size, 1));
    assert.deepEqual(E.open(envelope, [identity(alice)]), content);
  });
}

test('pieces: the header first, then whole sealed chunks, whatever the push sizes', () => {
  const content = bytes(3 * DATA + 5);
  for (const pieceSize of [1000, DATA, DATA + 1, 200000]) {
    const pieces = sealInPieces([alice.publicKey, bob.publicKey], content, pieceSize);
    assert.equal(pieces[0].length, E.headerSize(2));
    assert.ok(pieces.slice(1).every((p) => p.length === SEALED));
    assert.equal(pieces.length, 1 + E.chunkCount(content.length));
    assert.deepEqual(E.open(join(pieces), [identity(bob)]), content);
  }
});

test('the reader accepts input in pieces of any size', () => {
  const content = bytes(2 * DATA + 17);
  const envelope = E.seal([alice.publicKey], content);
  for (const step of [1, 11, SEALED, SEALED + 3, envelope.length]) {
    const reader = new E.EnvelopeReader([identity(alice)]);
    const out = [];
    for (let at = 0; at < envelope.length; at += step) {
      out.push(...reader.push(envelope.subarray(at, at + step)));
    }
    reader.finish();
    assert.deepEqual(join(out), content);
  }
});

test('each recipient opens it; duplicates are sealed once; stanzas name fingerprints', () => {
  const writer = new E.EnvelopeWriter([alice.publicKey, bob.publicKey, alice.publicKey]);
  assert.equal(writer.recipientCount, 2);
  const envelope = join([...writer.push(bytes(10)), ...writer.finish()]);
  assert.deepEqual(E.open(envelope, [identity(alice)]), bytes(10));
  assert.deepEqual(E.open(envelope, [identity(bob)]), bytes(10));
  assert.deepEqual(envelope.subarray(12, 44), E.fingerprint(alice.publicKey));
  assert.deepEqual(envelope.subarray(12 + 112, 12 + 112 + 32), E.fingerprint(bob.publicKey));
});

test('fingerprint display: ten groups of four upper-case hex digits', () => {
  const text = E.displayFingerprint(E.fingerprint(alice.publicKey));
  assert.match(text, /^[0-9A-F]{4}( [0-9A-F]{4}){9}$/);
});

test('recipients are checked', () => {
  assert.throws(() => new E.EnvelopeWriter([]), RangeError);
  assert.throws(() => new E.EnvelopeWriter([new Uint8Array(31)]), RangeError);
  assert.throws(() => new E.EnvelopeWriter(['not bytes']), TypeError);
  const many = Array.from({ length: 65 }, () => sodium.crypto_box_keypair().publicKey);
  assert.throws(() => new E.EnvelopeWriter(many), RangeError);
  assert.equal(new E.EnvelopeWriter(many.slice(0, 64)).recipientCount, 64);
});

test('the writer refuses misuse: interleaved generators, use after finish', () => {
  const writer = new E.EnvelopeWriter([alice.publicKey]);
  const first = writer.push(bytes(3 * DATA));
  first.next(); // header
  assert.throws(() => writer.push(bytes(1)).next(), /previous/);
  [...first];
  [...writer.finish()];
  assert.throws(() => writer.push(bytes(1)).next(), /finished/);
  assert.throws(() => writer.finish().next(), /finished/);
});

test('a fresh content key and stream header every time', () => {
  const one = E.seal([alice.publicKey], bytes(5));
  const two = E.seal([alice.publicKey], bytes(5));
  assert.notDeepEqual(one.subarray(44, 124), two.subarray(44, 124));
});

// ---- refusals, with the same error classes as keys/errors.py ----

function expectOpen(envelope, ErrorClass, who = alice) {
  assert.throws(() => E.open(envelope, [identity(who)]), (error) => {
    assert.equal(error.constructor, ErrorClass, `${error.name}: ${error.message}`);
    return true;
  });
}

test('header refusals', () => {
  const good = E.seal([alice.publicKey], bytes(100));
  const edit = (at, value) => {
    const copy = good.slice();
    copy[at] = value;
    return copy;
  };
  expectOpen(edit(0, 0x41), E.HeaderError); // magic
  expectOpen(edit(8, 3), E.UnsupportedVersionError); // 2 is envelope v2 now
  expectOpen(edit(9, 17), E.HeaderError); // chunk_log2
  expectOpen(edit(11, 0), E.HeaderError); // zero stanzas
  expectOpen(edit(11, 65), E.HeaderError); // too many stanzas
  expectOpen(good.subarray(0, 5), E.HeaderError);
  expectOpen(good.subarray(0, 100), E.HeaderError);
  expectOpen(edit(12 + 40, good[12 + 40] ^ 1), E.HeaderError); // corrupt sealed key
  expectOpen(good, E.NoMatchingKeyError, bob);
});

test('payload refusals', () => {
  const content = bytes(3 * DATA + 9);
  const good = E.seal([alice.publicKey], content);
  const header = E.headerSize(1);
  const flipped = good.slice();
  flipped[header + 100] ^= 1;
  expectOpen(flipped, E.PayloadError);
  const reordered = join([good.subarray(0, header), good.subarray(header + SEALED, header + 2 * SEALED),
    good.subarray(header, header + SEALED), good.subarray(header + 2 * SEALED)]);
  expectOpen(reordered, E.PayloadError);
  expectOpen(good.subarray(0, good.length - 1), E.TruncatedError);
  expectOpen(good.subarray(0, good.length - SEALED), E.TruncatedError);
  expectOpen(join([good, new Uint8Array(1)]), E.TrailingDataError);
  const otherHeader = E.seal([alice.publicKey], content); // same key, different header
  expectOpen(join([otherHeader.subarray(0, header), good.subarray(header)]), E.PayloadError);
});

test('the reader releases content only after each chunk verifies, and the end only at finish', () => {
  const content = bytes(2 * DATA);
  const envelope = E.seal([alice.publicKey], content);
  const reader = new E.EnvelopeReader([identity(alice)]);
  const cut = envelope.length - SEALED; // everything but the FINAL chunk
  const early = [...reader.push(envelope.subarray(0, cut))];
  assert.deepEqual(join(early), content.subarray(0, DATA));
  assert.throws(() => reader.finish(), E.TruncatedError);
});

// ---- known answers and a hand-made envelope (docs/FORMAT.md, "Fingerprints", "Writer") ----

test('fingerprint of the test identity "alice" (tests/vectors/README.md)', () => {
  const secret = new Uint8Array(require('node:crypto').createHash('sha256')
    .update('resguardo test identity alice').digest());
  const pk = sodium.crypto_scalarmult_base(secret);
  assert.equal(Buffer.from(pk).toString('hex'), '7c21b5c850d585faa6ea3fef324418d898ce3da0916dce9e2bf6f59328106f3b');
  const fp = E.fingerprint(pk);
  assert.equal(Buffer.from(fp).toString('hex'), 'aed15b84a54bafecbefce97dce3a8d759320b0a659ee30342981018bf564bffd');
  assert.equal(E.displayFingerprint(fp), 'AED1 5B84 A54B AFEC BEFC E97D CE3A 8D75 9320 B0A6');
});

/**
 * Build an envelope from the format text with raw libsodium calls (not with
 * EnvelopeWriter): `chunks` lists each chunk's {used, tag}; data bytes are 0x61.
 */
function craft(recipient, chunks) {
  const key = sodium.crypto_secretstream_xchacha20poly1305_keygen();
  const { state, header: streamHeader } = sodium.crypto_secretstream_xchacha20poly1305_init_push(key);
  const fixed = Uint8Array.from([...Buffer.from('RESGUARD'), 1, 16, 0, 1]);
  const header = join([fixed, E.fingerprint(recipient), sodium.crypto_box_seal(key, recipient), streamHeader]);
  const ad = E.headerHash(header);
  const out = [header];
  for (const { used, tag } of chunks) {
    const pt = new Uint8Array(65536);
    new DataView(pt.buffer).setUint32(0, used, false);
    pt.fill(0x61, 4, 4 + used);
    out.push(sodium.crypto_secretstream_xchacha20poly1305_push(state, pt, ad, tag));
  }
  return join(out);
}

test('a hand-made envelope opens; one with too few chunks for Padmé does not', () => {
  const M = 0;
  const F = 3;
  const ok = craft(alice.publicKey, [{ used: DATA, tag: M }, { used: 7, tag: F }]);
  assert.deepEqual(E.open(ok, [identity(alice)]), new Uint8Array(DATA + 7).fill(0x61));
  const nine = Array.from({ length: 9 }, (_, i) => ({ used: DATA, tag: i === 8 ? F : M }));
  expectOpen(craft(alice.publicKey, nine), E.PayloadError); // 9 data chunks need padme(9) = 10
  const ten = [...nine.slice(0, 8), { used: DATA, tag: M }, { used: 0, tag: F }];
  assert.equal(E.open(craft(alice.publicKey, ten), [identity(alice)]).length, 9 * DATA);
});
