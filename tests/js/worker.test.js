'use strict';
// intake/static/js/seal-worker.js driven through a stand-in worker scope in
// node (the real thing runs in Chromium in bench/seal_speed.py): the message
// protocol, flow control, cancellation and errors.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { ROOT, loadEnvelope } = require('./sodium.js');
const { startWorker } = require('./worker_scope.js');

const DATA = 65532;

let sodium;
let E;
let E2;
let alice; // an X-Wing keypair (what review keygen makes)

test.before(async () => {
  ({ sodium, envelope: E, v2: E2 } = await loadEnvelope());
  alice = sodium.crypto_kem_xwing_keypair();
});

const bytes = (n) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + 3) & 0xff);

const MODES = [['Web Crypto', true], ['libsodium.js alone', false]];

for (const [mode, webCrypto] of MODES) test(`seals a Blob; pieces, offsets, progress and sizes are consistent (${mode})`, async () => {
  const worker = startWorker({ webCrypto });
  const ready = await worker.until((m) => m.type === 'ready');
  assert.equal(ready.wasm, true);
  assert.equal(ready.webCrypto, webCrypto ? 'native' : 'absent'); // node's Web Crypto has both curves
  const content = bytes(20 * DATA + 11); // more than one read slice of 16 chunks
  const acker = setInterval(() => worker.send({ type: 'ack', id: 'a', count: 100 }), 1);
  worker.send({ type: 'seal', id: 'a', recipients: [alice.publicKey], blob: new Blob([content]) });
  const done = await worker.until((m) => m.type === 'done' && m.id === 'a');
  clearInterval(acker);
  const start = worker.messages.find((m) => m.type === 'start');
  const pieces = worker.messages.filter((m) => m.type === 'piece');
  assert.equal(start.contentSize, content.length);
  assert.equal(start.envelopeSize, done.size);
  assert.deepEqual(start.recipients, [E.displayFingerprint(E2.fingerprint(alice.publicKey))]);
  assert.equal(start.postQuantum, true);
  let offset = 0;
  pieces.forEach((piece, index) => {
    assert.equal(piece.index, index);
    assert.equal(piece.offset, offset);
    offset += piece.bytes.length;
  });
  assert.equal(offset, done.size);
  const progress = worker.messages.filter((m) => m.type === 'progress').map((m) => m.done);
  assert.deepEqual(progress, [16 * DATA, content.length]);
  const envelope = Uint8Array.from(Buffer.concat(pieces.map((p) => Buffer.from(p.bytes))));
  assert.deepEqual(E.open(envelope, [{ publicKey: alice.publicKey, secretKey: alice.privateKey }]), content);
});

/** node's SubtleCrypto with `key` replaced by `replacement(original, ...args)`. */
function altered(key, replacement) {
  const subtle = globalThis.crypto.subtle;
  return new Proxy(subtle, {
    get(target, name) {
      const original = target[name].bind(target);
      return name === key ? (...args) => replacement(original, ...args) : original;
    },
  });
}

test("ready tells a Web Crypto without the curves ('absent') from one that fails its self-test ('failed'); libsodium.js seals", async () => {
  const noEd25519 = altered('importKey', (original, format, data, params, ...rest) => {
    if (params.name === 'Ed25519') throw new DOMException('Algorithm: Unrecognized name', 'NotSupportedError');
    return original(format, data, params, ...rest);
  });
  const wrongX25519 = altered('deriveBits', async (original, ...args) => {
    const bits = new Uint8Array(await original(...args));
    bits[0] ^= 1;
    return bits.buffer;
  });
  for (const [subtle, status] of [[noEd25519, 'absent'], [wrongX25519, 'failed']]) {
    const worker = startWorker({ subtle });
    const ready = await worker.until((m) => m.type === 'ready');
    assert.equal(ready.webCrypto, status);
    const content = bytes(1000);
    worker.send({ type: 'seal', id: status, recipients: [alice.publicKey], blob: new Blob([content]), window: 100 });
    await worker.until((m) => m.type === 'done' && m.id === status);
    const pieces = worker.messages.filter((m) => m.type === 'piece');
    const envelope = Uint8Array.from(Buffer.concat(pieces.map((p) => Buffer.from(p.bytes))));
    assert.deepEqual(E.open(envelope, [{ publicKey: alice.publicKey, secretKey: alice.privateKey }]), content);
  }
});

test('an empty Blob still makes a complete envelope', async () => {
  const worker = startWorker();
  worker.send({ type: 'seal', id: 0, recipients: [alice.publicKey], blob: new Blob([]) });
  const done = await worker.until((m) => m.type === 'done');
  assert.equal(done.size, E2.envelopeSize(0, ['xwing']));
});

test('no more than `window` pieces are in flight until the page acknowledges', async () => {
  const worker = startWorker();
  worker.send({ type: 'seal', id: 'w', recipients: [alice.publicKey], blob: new Blob([bytes(10 * DATA)]), window: 3 });
  await worker.until((m) => m.type === 'piece' && m.index === 2);
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(worker.messages.filter((m) => m.type === 'piece').length, 3);
  worker.send({ type: 'ack', id: 'w', count: 2 });
  await worker.until((m) => m.type === 'piece' && m.index === 4);
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(worker.messages.filter((m) => m.type === 'piece').length, 5);
  worker.send({ type: 'cancel', id: 'w' });
  await worker.until((m) => m.type === 'cancelled' && m.id === 'w');
  assert.ok(!worker.messages.some((m) => m.type === 'done'));
});

test('a second job while one runs is refused; a job after cancel runs', async () => {
  const worker = startWorker();
  worker.send({ type: 'seal', id: 1, recipients: [alice.publicKey], blob: new Blob([bytes(5 * DATA)]), window: 1 });
  await worker.until((m) => m.type === 'piece');
  worker.send({ type: 'seal', id: 2, recipients: [alice.publicKey], blob: new Blob([bytes(1)]) });
  const refused = await worker.until((m) => m.type === 'error' && m.id === 2);
  assert.equal(refused.name, 'InvalidStateError');
  worker.send({ type: 'cancel', id: 1 });
  await worker.until((m) => m.type === 'cancelled' && m.id === 1);
  worker.send({ type: 'seal', id: 3, recipients: [alice.publicKey], blob: new Blob([bytes(1)]) });
  await worker.until((m) => m.type === 'done' && m.id === 3);
});

test('bad input is reported as an error message with the error name', async () => {
  const worker = startWorker();
  worker.send({ type: 'seal', id: 'x', recipients: [], blob: new Blob([bytes(1)]) });
  assert.equal((await worker.until((m) => m.type === 'error' && m.id === 'x')).name, 'RangeError');
  worker.send({ type: 'seal', id: 'y', recipients: [alice.publicKey], blob: 'not a blob' });
  assert.equal((await worker.until((m) => m.type === 'error' && m.id === 'y')).name, 'TypeError');
});

// ---- intake/static/js/submit.js: the page-side promise API over the worker ----

const S = require(path.join(ROOT, 'intake', 'static', 'js', 'submit.js'));

test('sealBlob delivers pieces in order, one at a time, and resolves with the size', async () => {
  const worker = startWorker();
  const content = bytes(4 * DATA + 1);
  const received = [];
  let busy = false;
  let started = null;
  const size = await S.sealBlob(worker.asWorker(), [alice.publicKey], new Blob([content]), {
    window: 2,
    onStart: (info) => { started = info; },
    onPiece: async (piece, offset) => {
      assert.equal(busy, false);
      busy = true;
      await new Promise((resolve) => setTimeout(resolve, 2)); // a slow upload
      received.push({ piece, offset });
      busy = false;
    },
  });
  assert.equal(size, E2.envelopeSize(content.length, ['xwing']));
  assert.equal(started.envelopeSize, size);
  let offset = 0;
  for (const item of received) {
    assert.equal(item.offset, offset);
    offset += item.piece.length;
  }
  const envelope = Uint8Array.from(Buffer.concat(received.map((r) => Buffer.from(r.piece))));
  assert.deepEqual(E.open(envelope, [{ publicKey: alice.publicKey, secretKey: alice.privateKey }]), content);
});

test('sealBlob: abort cancels, a failing onPiece cancels, worker errors reject', async () => {
  const worker = startWorker();
  const controller = new AbortController();
  const aborted = S.sealBlob(worker.asWorker(), [alice.publicKey], new Blob([bytes(6 * DATA)]), {
    window: 1,
    signal: controller.signal,
    onPiece: () => controller.abort(),
  });
  await assert.rejects(aborted, S.SealCancelled);
  await worker.until((m) => m.type === 'cancelled');

  const second = startWorker();
  const failing = S.sealBlob(second.asWorker(), [alice.publicKey], new Blob([bytes(6 * DATA)]), {
    window: 1, // the worker still waits for an acknowledgement when the cancel arrives
    onPiece: () => { throw new Error('network down'); },
  });
  await assert.rejects(failing, /network down/);
  await second.until((m) => m.type === 'cancelled');

  const third = startWorker();
  await assert.rejects(S.sealBlob(third.asWorker(), [], new Blob([bytes(1)])),
    (error) => error instanceof S.SealFailed && error.workerName === 'RangeError');
});

test('done carries the BLAKE2b-256 of the plaintext (unkeyed, 32 bytes), across read slices', async () => {
  const worker = startWorker();
  const content = bytes(17 * DATA + 5); // more than one 16-chunk read slice
  const acker = setInterval(() => worker.send({ type: 'ack', id: 'h', count: 100 }), 1);
  worker.send({ type: 'seal', id: 'h', recipients: [alice.publicKey], blob: new Blob([content]) });
  const done = await worker.until((m) => m.type === 'done' && m.id === 'h');
  clearInterval(acker);
  assert.equal(done.blake2b256, sodium.to_hex(sodium.crypto_generichash(32, content, null)));
  const empty = startWorker();
  empty.send({ type: 'seal', id: 'e', recipients: [alice.publicKey], blob: new Blob([]) });
  const none = await empty.until((m) => m.type === 'done');
  // BLAKE2b-256 of no bytes (RFC 7693 parameters, no key)
  assert.equal(none.blake2b256, '0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8');
});

test('fingerprints answers the display fingerprints of the given keys, in order', async () => {
  const worker = startWorker();
  const bob = sodium.crypto_box_keypair();
  worker.send({ type: 'fingerprints', id: 'f', keys: [alice.publicKey, bob.publicKey] });
  const answer = await worker.until((m) => m.type === 'fingerprints' && m.id === 'f');
  assert.deepEqual(answer.fingerprints, [alice.publicKey, bob.publicKey].map((k) => E.displayFingerprint(E2.fingerprint(k))));
  worker.send({ type: 'fingerprints', id: 'g', keys: [new Uint8Array(31)] });
  assert.equal((await worker.until((m) => m.type === 'error' && m.id === 'g')).name, 'RangeError');
});

test('decodeKeys takes 32- and 1216-byte keys in order and refuses none or another length', () => {
  const bob = sodium.crypto_box_keypair();
  const b64 = (key) => Buffer.from(key).toString('base64');
  const keys = S.decodeKeys([b64(alice.publicKey), b64(bob.publicKey)]);
  assert.deepEqual(keys.map((key) => Buffer.from(key).toString('hex')),
    [alice.publicKey, bob.publicKey].map((key) => Buffer.from(key).toString('hex')));
  assert.deepEqual(keys.map((key) => key.length), [1216, 32]);
  for (const bad of [[], [b64(new Uint8Array(31))], [b64(alice.publicKey), b64(new Uint8Array(1215))]]) {
    assert.throws(() => S.decodeKeys(bad), (error) => error instanceof S.KeysRefused && error.message === 'keys');
  }
});

test('checkFingerprints ignores spaces and case, and refuses a differing or missing fingerprint', async () => {
  const worker = startWorker();
  const bob = sodium.crypto_box_keypair();
  const keys = [alice.publicKey, bob.publicKey];
  const shown = keys.map((key) => E.displayFingerprint(E2.fingerprint(key)));
  assert.match(shown[0], /^[0-9A-F]{4}( [0-9A-F]{4}){9}$/);
  await S.checkFingerprints(worker.asWorker(), keys, [shown[0].toLowerCase(), `  ${shown[1].replace(/ /g, '\n')} `]);
  const flipped = shown[1].slice(0, -1) + (shown[1].endsWith('0') ? '1' : '0');
  for (const wrong of [[shown[0], flipped], [shown[1], shown[0]], [shown[0]]]) {
    await assert.rejects(S.checkFingerprints(worker.asWorker(), keys, wrong),
      (error) => error instanceof S.KeysRefused && error.message === 'fingerprint mismatch');
  }
});

// ---- sealing ahead: 'prepare' (the headers the form asks for while the reporter writes) ----

/** Seal `content` to `recipients` in `worker` as job `id`; {start, envelope, done}. */
async function sealOnce(worker, id, recipients, content, extra = {}) {
  const acker = setInterval(() => worker.send({ type: 'ack', id, count: 100 }), 1);
  worker.send({ type: 'seal', id, recipients, blob: new Blob([content]), ...extra });
  const done = await worker.until((m) => (m.type === 'done' || m.type === 'error') && m.id === id);
  clearInterval(acker);
  assert.equal(done.type, 'done', done.message);
  const start = worker.messages.find((m) => m.type === 'start' && m.id === id);
  const pieces = worker.messages.filter((m) => m.type === 'piece' && m.id === id);
  return { start, done, envelope: Uint8Array.from(Buffer.concat(pieces.map((p) => Buffer.from(p.bytes)))) };
}

for (const [mode, webCrypto] of MODES) test(`prepare: seals use the headers made ahead, each once, then make their own (${mode})`, async () => {
  const worker = startWorker({ webCrypto });
  const bob = sodium.crypto_kem_xwing_keypair();
  const keys = [alice.publicKey, bob.publicKey];
  const secrets = [alice, bob].map((k) => ({ publicKey: k.publicKey, secretKey: k.privateKey }));
  worker.send({ type: 'prepare', recipients: keys, count: 2 });
  await worker.until((m) => m.type === 'prepared' && m.ready === 2);
  const content = bytes(1000);
  const sealed = [];
  for (const id of ['p1', 'p2', 'p3']) sealed.push(await sealOnce(worker, id, keys, content));
  assert.deepEqual(sealed.map((s) => s.start.ahead), [true, true, false]); // two asked for, two used
  for (const { envelope } of sealed) {
    assert.equal(envelope.length, E2.envelopeSize(1000, ['xwing', 'xwing']));
    for (const who of secrets) assert.deepEqual(E.open(envelope, [who]), content);
  }
  // Fresh file key and encapsulations each time: no two headers share a stanza or a commitment.
  const header = E2.headerSize(['xwing', 'xwing']);
  const stanzas = sealed.map((s) => Buffer.from(s.envelope.subarray(12, header - 88)).toString('hex'));
  const commitments = sealed.map((s) => Buffer.from(s.envelope.subarray(header - 88, header - 56)).toString('hex'));
  assert.equal(new Set(stanzas).size, 3);
  assert.equal(new Set(commitments).size, 3);
});

for (const [mode, webCrypto] of MODES) test(`prepare: a header made for other keys is not used; a smaller count wipes the surplus (${mode})`, async () => {
  const worker = startWorker({ webCrypto });
  const bob = sodium.crypto_kem_xwing_keypair();
  worker.send({ type: 'prepare', recipients: [alice.publicKey], count: 3 });
  await worker.until((m) => m.type === 'prepared' && m.ready === 3);
  const other = await sealOnce(worker, 'o', [bob.publicKey], bytes(10));
  assert.equal(other.start.ahead, false);
  assert.deepEqual(E.open(other.envelope, [{ publicKey: bob.publicKey, secretKey: bob.privateKey }]), bytes(10));
  worker.send({ type: 'prepare', recipients: [alice.publicKey], count: 1 });
  const first = await sealOnce(worker, 'a1', [alice.publicKey], bytes(10));
  const second = await sealOnce(worker, 'a2', [alice.publicKey], bytes(10));
  assert.deepEqual([first.start.ahead, second.start.ahead], [true, false]);
  // Other keys replace the pool.
  worker.send({ type: 'prepare', recipients: [bob.publicKey], count: 1 });
  await worker.until((m) => m.type === 'prepared' && m.ready === 1 && worker.messages.indexOf(m) > worker.messages.indexOf(second.done));
  assert.equal((await sealOnce(worker, 'b1', [bob.publicKey], bytes(10))).start.ahead, true);
  worker.send({ type: 'prepare', id: 'bad', recipients: 'nope', count: 1 });
  assert.equal((await worker.until((m) => m.type === 'error' && m.id === 'bad')).name, 'TypeError');
});

for (const [mode, webCrypto] of MODES) test(`a seal arriving while a header is being made uses it; hash: false skips the plaintext hash (${mode})`, async () => {
  const worker = startWorker({ webCrypto });
  const keys = Array.from({ length: 6 }, () => sodium.crypto_kem_xwing_keypair());
  await worker.until((m) => m.type === 'ready');
  worker.send({ type: 'prepare', recipients: keys.map((k) => k.publicKey), count: 1 });
  await new Promise((resolve) => { setImmediate(resolve); }); // the header is begun (of six stanzas, one at most made)
  const sealed = await sealOnce(worker, 'm', keys.map((k) => k.publicKey), bytes(5), { hash: false });
  assert.equal(sealed.start.ahead, true);
  assert.equal(worker.messages.filter((m) => m.type === 'prepared').length, 0); // the seal took it unfinished
  assert.equal(sealed.done.blake2b256, null);
  for (const k of keys) assert.deepEqual(E.open(sealed.envelope, [{ publicKey: k.publicKey, secretKey: k.privateKey }]), bytes(5));
});
