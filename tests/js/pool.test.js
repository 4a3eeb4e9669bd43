'use strict';
// seal-worker.js's seal-ahead pool under hostile message orders, in both modes
// (Web Crypto, libsodium.js alone): a header is never used twice nor for keys
// other than the seal's, no seal waits forever on a header in the making, a
// failed or cancelled seal wipes what it took, and once the pool is emptied no
// header's secrets are left. A gate on Web Crypto's deriveBits holds a header
// in the making at a chosen point.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { ROOT, loadEnvelope } = require('./sodium.js');
const { startWorker } = require('./worker_scope.js');

const MODES = [['Web Crypto', true], ['libsodium.js alone', false]];
let sodium;
let E;
let E2;
let people; // X-Wing key pairs, and one X25519 one last

test.before(async () => {
  ({ sodium, envelope: E, v2: E2 } = await loadEnvelope());
  people = [0, 1, 2, 3].map(() => sodium.crypto_kem_xwing_keypair());
  people.push(sodium.crypto_box_keypair());
});

const bytes = (n, seed = 3) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff);
const tick = () => new Promise((resolve) => { setImmediate(resolve); });
const hex = (b) => Buffer.from(b).toString('hex');

/** envelope2.js as the worker sees it, recording every header it makes ahead and every writer. */
function spied() {
  const headers = [];
  const writers = [];
  class EnvelopeWriter extends E2.EnvelopeWriter {
    constructor(...args) {
      super(...args);
      writers.push(this);
    }
  }
  const module = {
    ...E2,
    EnvelopeWriter,
    async prepareHeaderAsync(...args) {
      const header = await E2.prepareHeaderAsync(...args);
      if (header !== null) headers.push(header);
      return header;
    },
  };
  return { module, headers, writers };
}

/** node's SubtleCrypto whose deriveBits waits, while held, until release(). */
function gated() {
  let held = null;
  const waiting = [];
  const subtle = new Proxy(globalThis.crypto.subtle, {
    get(target, key) {
      const original = target[key].bind(target);
      if (key !== 'deriveBits') return original;
      return async (...args) => {
        if (held) {
          waiting.push(args);
          await held.promise;
        }
        return original(...args);
      };
    },
  });
  return {
    subtle,
    waiting,
    hold() {
      let release;
      held = { promise: new Promise((resolve) => { release = resolve; }) };
      held.release = release;
    },
    release() {
      const { release } = held;
      held = null;
      release();
    },
  };
}

/** Start job `id` (acknowledging every piece); resolves with its last message and its envelope. */
function sealJob(worker, id, keys, content, blob = new Blob([content])) {
  const acker = setInterval(() => worker.send({ type: 'ack', id, count: 100 }), 1);
  worker.send({ type: 'seal', id, recipients: keys, blob });
  return worker.until((m) => ['done', 'error', 'cancelled'].includes(m.type) && m.id === id).then((end) => {
    clearInterval(acker);
    const start = worker.messages.find((m) => m.type === 'start' && m.id === id);
    const pieces = worker.messages.filter((m) => m.type === 'piece' && m.id === id);
    return { end, start, envelope: Uint8Array.from(Buffer.concat(pieces.map((p) => Buffer.from(p.bytes)))) };
  });
}

/** An envelope sealed to exactly `owners` (by stanza fingerprints and by opening), with `content`. */
function assertSealedTo(sealed, owners, content) {
  assert.equal(sealed.end.type, 'done', sealed.end.message);
  assert.deepEqual(sealed.start.recipients, owners.map((o) => E.displayFingerprint(E2.fingerprint(o.publicKey))));
  for (const o of owners) {
    assert.deepEqual(E.open(sealed.envelope, [{ publicKey: o.publicKey, secretKey: o.privateKey }]), content);
  }
}

/** The header's tail (commitment, verify key, stream header): unique to each header made. */
function tail(sealed) {
  const size = sealed.start.headerSize;
  return hex(sealed.envelope.subarray(size - 88, size));
}

/** No header made ahead and no writer still holds secrets. */
function assertWiped(spy) {
  for (const header of spy.headers) assert.equal(header.usable, false);
  for (const writer of spy.writers) {
    assert.equal(writer._state, null);
    assert.equal(writer._signKey, null);
  }
}

for (const [mode, webCrypto] of MODES) test(`a storm of prepares, seals and cancels: every header used once, for the seal's keys; nothing waits forever; all wiped (${mode})`, async () => {
  const spy = spied();
  const worker = startWorker({ webCrypto, envelope2: spy.module });
  await worker.until((m) => m.type === 'ready');
  const sets = [[people[0], people[1]], [people[2]], [people[0], people[4]], [people[1], people[0]]];
  let state = 7;
  const random = (n) => { state = (state * 1103515245 + 12345) % 2147483648; return Math.floor((state / 2147483648) * n); };
  const results = [];
  for (let round = 0; round < 40; round++) {
    const set = sets[random(sets.length)];
    worker.send({ type: 'prepare', recipients: set.map((o) => o.publicKey), count: random(4) });
    for (let n = random(3); n > 0; n--) await tick();
    if (random(2) === 0) {
      const target = random(3) === 0 ? sets[random(sets.length)] : set; // mostly the keys prepared for
      const content = bytes(1 + random(3000), round);
      const job = sealJob(worker, `s${round}`, target.map((o) => o.publicKey), content);
      if (random(4) === 0) {
        for (let n = random(3); n > 0; n--) await tick();
        worker.send({ type: 'cancel', id: `s${round}` });
      }
      if (random(2) === 0) worker.send({ type: 'prepare', recipients: sets[random(sets.length)].map((o) => o.publicKey), count: random(3) });
      results.push({ sealed: await job, owners: target, content });
    }
  }
  const done = results.filter((r) => r.sealed.end.type === 'done');
  assert.ok(done.length >= 5, `only ${done.length} seals finished`);
  for (const r of results) {
    if (r.sealed.end.type === 'done') assertSealedTo(r.sealed, r.owners, r.content);
    else assert.equal(r.sealed.end.type, 'cancelled');
  }
  assert.ok(done.some((r) => r.sealed.start.ahead) && done.some((r) => !r.sealed.start.ahead));
  const tails = done.map((r) => tail(r.sealed));
  assert.equal(new Set(tails).size, tails.length); // no header twice
  // After all that, the pool still keeps exactly what the last 'prepare' asks for.
  const last = sets[0].map((o) => o.publicKey);
  worker.send({ type: 'prepare', recipients: [people[3].publicKey], count: 0 }); // other keys: the pool is emptied
  worker.send({ type: 'prepare', recipients: last, count: 2 });
  const asked = worker.messages.length;
  await worker.until((m) => m.type === 'prepared' && m.ready === 2 && worker.messages.indexOf(m) >= asked);
  const after = [];
  for (const id of ['q1', 'q2', 'q3']) after.push(await sealJob(worker, id, last, bytes(7)));
  for (const sealed of after) assertSealedTo(sealed, sets[0], bytes(7));
  assert.deepEqual(after.map((sealed) => sealed.start.ahead), [true, true, false]);
  worker.send({ type: 'prepare', recipients: [people[2].publicKey], count: 0 });
  await new Promise((resolve) => { setTimeout(resolve, 100); });
  assertWiped(spy);
});

test('a seal claims a header held inside Web Crypto; a cancel while it waits is answered, and the claimed header wiped', async () => {
  const gate = gated();
  const spy = spied();
  const worker = startWorker({ subtle: gate.subtle, envelope2: spy.module });
  await worker.until((m) => m.type === 'ready');
  const keys = [people[0].publicKey, people[1].publicKey];
  gate.hold();
  worker.send({ type: 'prepare', recipients: keys, count: 1 });
  while (gate.waiting.length === 0) await tick(); // the header in the making waits inside its first X25519
  const job = sealJob(worker, 'c', keys, bytes(10));
  await tick();
  worker.send({ type: 'cancel', id: 'c' });
  await tick();
  assert.equal(worker.messages.some((m) => m.id === 'c'), false); // it waits for the claimed header
  gate.release();
  const sealed = await job;
  assert.equal(sealed.end.type, 'cancelled');
  assertWiped(spy);
  const next = await sealJob(worker, 'n', keys, bytes(10));
  assertSealedTo(next, [people[0], people[1]], bytes(10));
  assert.equal(next.start.ahead, false); // the one asked for was used up by the cancelled seal
});

test('a seal to other keys does not wait for the header in the making; that header is finished and kept afterwards', async () => {
  const gate = gated();
  const worker = startWorker({ subtle: gate.subtle });
  await worker.until((m) => m.type === 'ready');
  gate.hold();
  worker.send({ type: 'prepare', recipients: [people[0].publicKey], count: 1 });
  while (gate.waiting.length === 0) await tick();
  const other = sealJob(worker, 'o', [people[4].publicKey], bytes(20)); // X25519 only: no deriveBits
  assertSealedTo(await other, [people[4]], bytes(20));
  gate.release();
  await worker.until((m) => m.type === 'prepared' && m.ready === 1);
  const mine = await sealJob(worker, 'm', [people[0].publicKey], bytes(20));
  assertSealedTo(mine, [people[0]], bytes(20));
  assert.equal(mine.start.ahead, true);
});

test('prepare with other keys while a seal waits on a claimed header: the seal gets its own keys\' header, then the pool fills for the new keys', async () => {
  const gate = gated();
  const spy = spied();
  const worker = startWorker({ subtle: gate.subtle, envelope2: spy.module });
  await worker.until((m) => m.type === 'ready');
  gate.hold();
  worker.send({ type: 'prepare', recipients: [people[0].publicKey], count: 2 });
  while (gate.waiting.length === 0) await tick();
  const job = sealJob(worker, 'w', [people[0].publicKey], bytes(30));
  await tick();
  worker.send({ type: 'prepare', recipients: [people[1].publicKey], count: 1 });
  worker.send({ type: 'prepare', recipients: [people[1].publicKey, people[2].publicKey], count: 2 });
  gate.release();
  const sealed = await job;
  assertSealedTo(sealed, [people[0]], bytes(30));
  assert.equal(sealed.start.ahead, true);
  await worker.until((m) => m.type === 'prepared' && m.ready === 2);
  const next = await sealJob(worker, 'x', [people[1].publicKey, people[2].publicKey], bytes(30));
  assertSealedTo(next, [people[1], people[2]], bytes(30));
  assert.equal(next.start.ahead, true);
  worker.send({ type: 'prepare', recipients: [people[1].publicKey], count: 0 });
  await new Promise((resolve) => { setTimeout(resolve, 50); });
  assertWiped(spy);
});

for (const [mode, webCrypto] of MODES) test(`a seal whose Blob cannot be read after it took a header made ahead: error, header wiped, the next seal works (${mode})`, async () => {
  const spy = spied();
  const worker = startWorker({ webCrypto, envelope2: spy.module });
  await worker.until((m) => m.type === 'ready');
  const keys = [people[0].publicKey];
  worker.send({ type: 'prepare', recipients: keys, count: 2 });
  await worker.until((m) => m.type === 'prepared' && m.ready === 2);
  class Unreadable extends Blob {
    slice() {
      return { arrayBuffer: () => Promise.reject(new DOMException('the file changed', 'NotReadableError')) };
    }
  }
  const failed = await sealJob(worker, 'u', keys, null, new Unreadable([bytes(5)]));
  assert.equal(failed.end.type, 'error');
  assert.equal(failed.end.name, 'NotReadableError');
  assert.equal(failed.start.ahead, true);
  const next = await sealJob(worker, 'v', keys, bytes(5));
  assertSealedTo(next, [people[0]], bytes(5));
  assert.equal(next.start.ahead, true);
  assert.notEqual(tail(next), hex(failed.envelope.subarray(failed.start.headerSize - 88, failed.start.headerSize)));
  worker.send({ type: 'prepare', recipients: keys, count: 0 });
  await new Promise((resolve) => { setTimeout(resolve, 50); });
  assertWiped(spy);
});

for (const [mode, webCrypto] of MODES) test(`a header in the making waits while a seal to other keys runs, and is finished once it ends (${mode})`, async () => {
  const worker = startWorker({ webCrypto });
  await worker.until((m) => m.type === 'ready');
  worker.send({ type: 'prepare', recipients: people.slice(0, 3).map((o) => o.publicKey), count: 1 });
  await tick(); // begun: at most its first stanza made
  worker.send({ type: 'seal', id: 'x', recipients: [people[4].publicKey], blob: new Blob([bytes(3 * 65532)]), window: 1 });
  await worker.until((m) => m.type === 'piece' && m.id === 'x');
  await new Promise((resolve) => { setTimeout(resolve, 100); }); // the job waits for the page's acknowledgement
  assert.equal(worker.messages.some((m) => m.type === 'prepared'), false); // no header made while a job runs
  const acker = setInterval(() => worker.send({ type: 'ack', id: 'x', count: 100 }), 1);
  await worker.until((m) => m.type === 'done' && m.id === 'x');
  clearInterval(acker);
  await worker.until((m) => m.type === 'prepared' && m.ready === 1);
});

test('a header made ahead for keys Web Crypto refuses (a low-order X25519 part) does not stop a prepare for other keys that arrives meanwhile', async () => {
  const gate = gated();
  const worker = startWorker({ subtle: gate.subtle });
  await worker.until((m) => m.type === 'ready');
  const lowOrder = people[0].publicKey.slice();
  lowOrder.fill(0, 1184);
  gate.hold();
  worker.send({ type: 'prepare', recipients: [lowOrder], count: 1 });
  while (gate.waiting.length === 0) await tick(); // its X25519 with the point 0 is under way
  worker.send({ type: 'prepare', recipients: [people[1].publicKey], count: 1 });
  gate.release();
  await worker.until((m) => m.type === 'prepared' && m.ready === 1);
  const sealed = await sealJob(worker, 'g', [people[1].publicKey], bytes(9));
  assertSealedTo(sealed, [people[1]], bytes(9));
  assert.equal(sealed.start.ahead, true);
  const refused = await sealJob(worker, 'l', [lowOrder], bytes(9));
  assert.equal(refused.end.type, 'error');
  assert.equal(refused.end.name, 'Error'); // as libsodium.js's crypto_kem_xwing_enc refusal
});

test('an X-Wing key libsodium refuses (low-order X25519 part, ML-KEM part out of range) gets the same error with and without Web Crypto, made ahead or not', async () => {
  const lowOrder = people[0].publicKey.slice();
  lowOrder.fill(0, 1184);
  const outOfRange = people[0].publicKey.slice();
  outOfRange[0] = 0xff; // first 12-bit coefficient of pk_M >= 3329 (FIPS 203 key check)
  outOfRange[1] |= 0x0f;
  const names = [];
  for (const bad of [lowOrder, outOfRange]) {
    for (const webCrypto of [true, false]) {
      for (const ahead of [false, true]) {
        const worker = startWorker({ webCrypto });
        await worker.until((m) => m.type === 'ready');
        if (ahead) worker.send({ type: 'prepare', recipients: [people[1].publicKey, bad], count: 1 });
        const refused = await sealJob(worker, 'l', [people[1].publicKey, bad], bytes(9));
        assert.equal(refused.end.type, 'error');
        assert.equal(refused.start, undefined); // nothing was sent
        names.push(refused.end.name);
      }
    }
  }
  assert.deepEqual(names, Array(8).fill('Error'));
});
