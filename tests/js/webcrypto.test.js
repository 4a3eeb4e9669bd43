'use strict';
// intake/static/js/webcrypto.js: X-Wing composed from libsodium.js ML-KEM-768
// and SHA3-256 with Web Crypto X25519 (node's, the same W3C API as the
// browser's), and the envelope v2 writer using it: the same bytes as
// libsodium's crypto_kem_xwing (the draft's vectors, deterministic
// encapsulation), envelopes the Python reference opens, and a provider only
// where Web Crypto answers the RFC known-answer tests.
const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { ROOT, loadEnvelope } = require('./sodium.js');
const { pythonMissing, python, unb64 } = require('./python.js');

const W = require(path.join(ROOT, 'intake', 'static', 'js', 'webcrypto.js'));
const DRAFT = JSON.parse(fs.readFileSync(path.join(ROOT, 'tests', 'vectors', 'xwing_draft.json'), 'utf8'));
const subtle = globalThis.crypto.subtle;
let sodium;
let E;
let E2;
let web;

test.before(async () => {
  ({ sodium, envelope: E, v2: E2 } = await loadEnvelope());
  web = await W.create(subtle, sodium);
});

/** `subtle` with `name` replaced by `replacement(original, ...args)`. */
function altered(name, replacement) {
  return new Proxy(subtle, {
    get(target, key) {
      const original = target[key].bind(target);
      return key === name ? (...args) => replacement(original, ...args) : original;
    },
  });
}

test('create: a provider over a Web Crypto with X25519 and Ed25519; null without, or when it answers wrongly', async () => {
  assert.equal(web.name, 'webcrypto');
  assert.equal(await W.create(undefined, sodium), null); // not a secure context, or no Web Crypto
  const unsupported = (algorithm) => altered('generateKey', (original, params, ...rest) => {
    if (params.name === algorithm) throw new DOMException('Algorithm: Unrecognized name', 'NotSupportedError');
    return original(params, ...rest);
  });
  assert.equal(await W.create(unsupported('X25519'), sodium), null);
  assert.equal(await W.create(unsupported('Ed25519'), sodium), null);
  const wrongX25519 = altered('deriveBits', async (original, ...args) => {
    const bits = new Uint8Array(await original(...args));
    bits[31] ^= 1;
    return bits.buffer;
  });
  assert.equal(await W.create(wrongX25519, sodium), null);
  const wrongEd25519 = altered('sign', async (original, ...args) => {
    const signature = new Uint8Array(await original(...args));
    signature[0] ^= 1;
    return signature.buffer;
  });
  assert.equal(await W.create(wrongEd25519, sodium), null);
  const silent = altered('sign', () => new Promise(() => {})); // never answers
  const started = Date.now();
  assert.equal(await W.create(silent, sodium, 200), null);
  assert.ok(Date.now() - started < 5000);
});

test("probe: 'native' with a provider; 'absent' without Web Crypto or either curve; 'failed' when it answers wrongly, throws otherwise or is silent", async () => {
  const native = await W.probe(subtle, sodium);
  assert.equal(native.status, 'native');
  assert.equal(native.provider.name, 'webcrypto');
  const notSupported = () => { throw new DOMException('Algorithm: Unrecognized name', 'NotSupportedError'); };
  const cases = [
    [undefined, 'absent'], // not a secure context, or no Web Crypto
    [{}, 'absent'], // a SubtleCrypto without deriveBits
    [altered('importKey', (original, format, data, params, ...rest) => (
      params.name === 'X25519' ? notSupported() : original(format, data, params, ...rest))), 'absent'],
    [altered('importKey', (original, format, data, params, ...rest) => (
      params.name === 'Ed25519' ? notSupported() : original(format, data, params, ...rest))), 'absent'],
    [altered('generateKey', (original, params, ...rest) => (
      params.name === 'Ed25519' ? notSupported() : original(params, ...rest))), 'absent'],
    [altered('deriveBits', async (original, ...args) => {
      const bits = new Uint8Array(await original(...args));
      bits[31] ^= 1;
      return bits.buffer;
    }), 'failed'],
    [altered('sign', async (original, ...args) => {
      const signature = new Uint8Array(await original(...args));
      signature[0] ^= 1;
      return signature.buffer;
    }), 'failed'],
    [altered('sign', () => { throw new DOMException('the operation failed', 'OperationError'); }), 'failed'],
    [altered('generateKey', () => { throw new TypeError('broken'); }), 'failed'],
  ];
  for (const [index, [broken, status]] of cases.entries()) {
    assert.deepEqual(await W.probe(broken, sodium), { status, provider: null }, `case ${index}`);
  }
  assert.deepEqual(await W.probe(altered('sign', () => new Promise(() => {})), sodium, 200), { status: 'failed', provider: null });
});

test('create: null when the keys Web Crypto generates (those a seal uses) are wrong, though the RFC answers for imported keys are right', async () => {
  /** `subtle` whose generateKey of `algorithm` gives pairs whose exported public half is `change`d. */
  const lyingExport = (algorithm, change) => {
    const exported = new WeakSet();
    return new Proxy(subtle, {
      get(target, key) {
        const original = target[key].bind(target);
        if (key === 'generateKey') {
          return async (params, ...rest) => {
            const pair = await original(params, ...rest);
            if (params.name === algorithm) exported.add(pair.publicKey);
            return pair;
          };
        }
        if (key === 'exportKey') {
          return async (format, cryptoKey) => {
            const raw = new Uint8Array(await original(format, cryptoKey));
            return exported.has(cryptoKey) ? change(raw).buffer : raw.buffer;
          };
        }
        return original;
      },
    });
  };
  const flip = (raw) => { raw[5] ^= 0x10; return raw; };
  assert.equal(await W.create(lyingExport('X25519', flip), sodium), null);
  assert.equal(await W.create(lyingExport('Ed25519', flip), sodium), null);
  /** `subtle` whose generateKey of `algorithm` gives the same pair each time (no randomness). */
  const stuck = (algorithm) => {
    let first = null;
    return altered('generateKey', async (original, params, ...rest) => {
      if (params.name !== algorithm) return original(params, ...rest);
      first = first || await original(params, ...rest);
      return first;
    });
  };
  assert.equal(await W.create(stuck('X25519'), sodium), null);
  assert.equal(await W.create(stuck('Ed25519'), sodium), null);
  assert.notEqual(await W.create(lyingExport('X25519', (raw) => raw), sodium), null); // an honest export passes
});

for (const [index, v] of DRAFT.entries()) {
  test(`composed X-Wing gives the draft's test vector ${index} (EncapsulateDerand)`, async () => {
    const pair = sodium.crypto_kem_xwing_seed_keypair(sodium.from_hex(v.seed));
    const { ciphertext, sharedSecret } = await web.encapsulate(pair.publicKey, sodium.from_hex(v.eseed));
    assert.equal(sodium.to_hex(ciphertext), v.ct);
    assert.equal(sodium.to_hex(sharedSecret), v.ss);
  });
}

test('composed X-Wing = libsodium crypto_kem_xwing_enc_deterministic on 20 fresh keys and seeds; random ones decapsulate', async () => {
  for (let round = 0; round < 20; round++) {
    const pair = sodium.crypto_kem_xwing_keypair();
    const seed = new Uint8Array(crypto.randomBytes(64));
    const ours = await web.encapsulate(pair.publicKey, seed);
    const theirs = sodium.crypto_kem_xwing_enc_deterministic(pair.publicKey, seed);
    assert.deepEqual(ours.ciphertext, theirs.ciphertext);
    assert.deepEqual(ours.sharedSecret, theirs.sharedSecret);
    const fresh = await web.encapsulate(pair.publicKey);
    assert.equal(fresh.ciphertext.length, 1120);
    assert.deepEqual(sodium.crypto_kem_xwing_dec(fresh.ciphertext, pair.privateKey), fresh.sharedSecret);
    assert.notDeepEqual(fresh.ciphertext.subarray(1088), ours.ciphertext.subarray(1088)); // a fresh ephemeral key
  }
});

test('a key libsodium refuses, composed X-Wing refuses too: low-order X25519 part, ML-KEM part out of range, wrong length', async () => {
  const pair = sodium.crypto_kem_xwing_keypair();
  const lowOrder = pair.publicKey.slice();
  lowOrder.fill(0, 1184); // the X25519 point 0
  assert.throws(() => sodium.crypto_kem_xwing_enc(lowOrder));
  await assert.rejects(web.encapsulate(lowOrder), W.LowOrderError);
  const outOfRange = pair.publicKey.slice();
  outOfRange[0] = 0xff; // first 12-bit coefficient of pk_M = 0x?ff | ... >= 3329 (FIPS 203 key check)
  outOfRange[1] |= 0x0f;
  assert.throws(() => sodium.crypto_kem_xwing_enc(outOfRange));
  await assert.rejects(web.encapsulate(outOfRange), (error) => error instanceof Error && !(error instanceof W.LowOrderError));
  await assert.rejects(web.encapsulate(pair.publicKey.subarray(0, 1215)), RangeError);
  await assert.rejects(E2.sealAsync([lowOrder], new Uint8Array(3), web), W.LowOrderError);
});

test('edge X25519 parts: composed X-Wing accepts and refuses exactly what libsodium does, with the same shared secret', async () => {
  const p = (1n << 255n) - 19n;
  const le = (n) => Uint8Array.from({ length: 32 }, (_, i) => Number((n >> BigInt(8 * i)) & 255n));
  const order8 = [0x00b8495f16056286fdb1329ceb8d09da6ac49ff1fae35616aeb8413b7c7aebe0n,
    0x57119fd0dd4e22d8868e1c58c45c44045bef839c55b1d0b1248c50a3bc959c5fn]; // RFC 7748 / libsodium's list, as integers
  const points = [0n, 1n, p - 1n, p, p + 1n, ...order8, order8[0] + p, p + 9n, (1n << 255n) + 9n, (1n << 256n) - 1n];
  const pair = sodium.crypto_kem_xwing_keypair();
  const seed = new Uint8Array(crypto.randomBytes(64));
  const outcomes = [];
  for (const u of points) {
    const key = pair.publicKey.slice();
    key.set(le(u), 1184);
    let theirs;
    try {
      theirs = sodium.to_hex(sodium.crypto_kem_xwing_enc_deterministic(key, seed).sharedSecret);
    } catch (_) {
      theirs = 'refused';
    }
    let ours;
    try {
      ours = sodium.to_hex((await web.encapsulate(key, seed)).sharedSecret);
    } catch (error) {
      assert.ok(error instanceof W.LowOrderError);
      ours = 'refused';
    }
    assert.equal(ours, theirs, `u = ${u}`);
    outcomes.push(ours === 'refused');
  }
  // 0, 1, p-1 and their non-canonical forms, the order-8 points: refused; the rest (reduced, top bit ignored) accepted
  assert.deepEqual(outcomes, [true, true, true, true, true, true, true, false, false, false, false]);
});

test('encapsulate wipes ss_X, ss_M and the combiner input, also when ML-KEM refuses the key after X25519 ran', async () => {
  const captured = [];
  let capturing = false;
  const spySubtle = altered('deriveBits', async (original, ...args) => {
    const bits = await original(...args);
    if (capturing) captured.push(['ss_X', new Uint8Array(bits)]); // a view of the very buffer the provider gets
    return bits;
  });
  const spySodium = new Proxy(sodium, {
    get(target, key) {
      const value = target[key];
      if (key === 'crypto_kem_mlkem768_enc') {
        return (...args) => {
          const result = value(...args);
          captured.push(['ss_M', result.sharedSecret]);
          return result;
        };
      }
      if (key === 'crypto_hash_sha3256') {
        return (input) => {
          captured.push(['combiner input', input]);
          return value(input);
        };
      }
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  const spied = await W.create(spySubtle, spySodium);
  capturing = true;
  const pair = sodium.crypto_kem_xwing_keypair();
  const { ciphertext, sharedSecret } = await spied.encapsulate(pair.publicKey);
  assert.deepEqual(captured.map(([name]) => name), ['ss_X', 'ss_M', 'combiner input']);
  for (const [name, secret] of captured) assert.ok(secret.every((byte) => byte === 0), `${name} is not wiped`);
  assert.deepEqual(sodium.crypto_kem_xwing_dec(ciphertext, pair.privateKey), sharedSecret); // the caller's to wipe
  captured.length = 0;
  const outOfRange = pair.publicKey.slice();
  outOfRange[0] = 0xff;
  outOfRange[1] |= 0x0f;
  await assert.rejects(spied.encapsulate(outOfRange));
  assert.deepEqual(captured.map(([name]) => name), ['ss_X']);
  assert.ok(captured[0][1].every((byte) => byte === 0), 'ss_X is not wiped when ML-KEM refuses');
});

test('signing key: 32-byte public key, RFC 8032 signatures that libsodium verifies', async () => {
  const { privateKey, publicKey } = await web.signingKey();
  assert.equal(publicKey.length, 32);
  assert.equal(privateKey.extractable, false);
  const message = new Uint8Array(crypto.randomBytes(87));
  const signature = await web.sign(privateKey, message);
  assert.equal(signature.length, 64);
  assert.equal(sodium.crypto_sign_verify_detached(signature, message, publicKey), true);
});

test('prepareSteps with Web Crypto yields its Promises, then a boundary per stanza; stopped() abandons', async () => {
  const pair = sodium.crypto_kem_xwing_keypair();
  const other = sodium.crypto_kem_xwing_keypair();
  const steps = E2.prepareSteps([pair.publicKey, other.publicKey], web);
  const kinds = [];
  let step = steps.next();
  while (!step.done) {
    kinds.push(step.value instanceof Promise ? 'promise' : String(step.value));
    step = steps.next(step.value instanceof Promise ? await step.value : undefined);
  }
  // the signing key, then per stanza its encapsulation and a boundary
  assert.deepEqual(kinds, ['promise', 'promise', 'undefined', 'promise', 'undefined']);
  step.value.discard();
  let boundaries = 0;
  const stopped = await E2.prepareHeaderAsync([pair.publicKey, other.publicKey], web, {
    between: async () => { boundaries += 1; },
    stopped: () => boundaries === 1,
  });
  assert.equal(stopped, null);
  assert.equal(boundaries, 1);
  const whole = await E2.prepareHeaderAsync([pair.publicKey], web);
  assert.equal(whole.usable, true);
  assert.deepEqual(whole.recipients, [E2.fingerprint(pair.publicKey)]);
  whole.discard();
  assert.equal(whole.usable, false);
});

test('a Web Crypto writer is finished with finishAsync (bytes only); its finish() refuses and wipes, never yields a Promise', async () => {
  const pair = sodium.crypto_kem_xwing_keypair();
  const writer = new E2.EnvelopeWriter(await E2.prepareHeaderAsync([pair.publicKey], web));
  const plain = new Uint8Array(crypto.randomBytes(1000));
  const pieces = [...writer.push(plain)];
  for await (const piece of writer.finishAsync()) pieces.push(piece);
  assert.deepEqual(pieces.map((piece) => piece instanceof Uint8Array), [true, true, true]);
  assert.equal(pieces[2].length, 64);
  const sealed = Uint8Array.from(Buffer.concat(pieces.map((b) => Buffer.from(b))));
  assert.equal(sealed.length, E2.envelopeSize(1000, ['xwing']));
  assert.deepEqual(E.open(sealed, [{ publicKey: pair.publicKey, secretKey: pair.privateKey }]), plain);

  const sync = new E2.EnvelopeWriter(await E2.prepareHeaderAsync([pair.publicKey], web));
  const early = [...sync.push(plain)];
  assert.equal(early.length, 0); // small content: nothing before finish
  assert.throws(() => [...sync.finish()], TypeError); // a synchronous consumer would have put a Promise in the envelope
  assert.equal(sync._state, null); // aborted: the stream state released, the signing key dropped
  assert.equal(sync._signKey, null);
  // finishAsync finishes a libsodium.js writer too; its finish() is unchanged
  const plainWriter = new E2.EnvelopeWriter([pair.publicKey]);
  const asyncPieces = [...plainWriter.push(plain)];
  for await (const piece of plainWriter.finishAsync()) asyncPieces.push(piece);
  assert.deepEqual(E.open(Uint8Array.from(Buffer.concat(asyncPieces.map((b) => Buffer.from(b)))),
    [{ publicKey: pair.publicKey, secretKey: pair.privateKey }]), plain);
});

test('Web Crypto envelopes, 1 and 3 X-Wing keys and a mixed set, small and large: Python opens them', { skip: pythonMissing || false }, async () => {
  const made = ['xwing', 'xwing', 'xwing', 'x25519'].map((kind) => JSON.parse(python(['keygen', kind])));
  const people = made.map((k, i) => ({ publicKey: unb64(k.public), py: (i < 3 ? 'xwing:' : '') + k.secret }));
  for (const members of [[0], [0, 1, 2], [0, 3]]) {
    for (const size of [0, 1000, 70000]) {
      const plain = new Uint8Array(crypto.randomBytes(size));
      const recipients = members.map((i) => people[i]);
      const sealed = await E2.sealAsync(recipients.map((p) => p.publicKey), plain, web);
      assert.equal(sealed.length, E2.envelopeSize(size, recipients.map((p) => E2.kindOf(p.publicKey))));
      for (const who of recipients) assert.deepEqual(new Uint8Array(python(['open', who.py], sealed)), plain);
    }
  }
});
