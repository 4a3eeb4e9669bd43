'use strict';
// intake/static/js/submit.js: attachmentEntry, and sealToBytes against a scripted
// worker (sealBlob and the rest, against the real worker, in worker.test.js).
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { ROOT } = require('./sodium.js');

const { attachmentEntry, sealToBytes } = require(path.join(ROOT, 'intake', 'static', 'js', 'submit.js'));

const ITEM = '0123456789abcdef0123456789abcdef';
const HASH = 'ab'.repeat(32);

test('attachmentEntry: the report\'s entry for a file, its name in NFC', () => {
  // "foto-niño.jpg" with the ñ decomposed (n + U+0303), as some systems name files
  const file = new File([new Uint8Array(7)], 'foto-nin\u0303o.jpg', { type: 'image/jpeg' });
  assert.deepEqual(attachmentEntry(file, ITEM, HASH), {
    item_id: ITEM, filename: 'foto-ni\u00f1o.jpg', content_type: 'image/jpeg', size: 7, blake2b_256: HASH,
  });
  assert.deepEqual(Object.keys(attachmentEntry(file, ITEM, HASH)), ['item_id', 'filename', 'content_type', 'size', 'blake2b_256']);
});

test('attachmentEntry: a file without a type is application/octet-stream', () => {
  const file = new File([], 'notas', { type: '' });
  assert.deepEqual(attachmentEntry(file, ITEM, HASH), {
    item_id: ITEM, filename: 'notas', content_type: 'application/octet-stream', size: 0, blake2b_256: HASH,
  });
});

/** A Worker stand-in that answers each 'seal' with `pieces` (then 'done'), and records what it was sent. */
function scriptedWorker(pieces, blake2b256) {
  const target = new EventTarget();
  const sent = [];
  const answer = (data) => setImmediate(() => target.dispatchEvent(Object.assign(new Event('message'), { data })));
  return {
    sent,
    addEventListener: (type, listener) => target.addEventListener(type, listener),
    removeEventListener: (type, listener) => target.removeEventListener(type, listener),
    postMessage(message) {
      sent.push(message);
      if (message.type !== 'seal') return;
      const size = pieces.reduce((n, piece) => n + piece.length, 0);
      answer({ type: 'start', id: message.id, envelopeSize: size, recipients: [] });
      let offset = 0;
      for (const piece of pieces) {
        answer({ type: 'piece', id: message.id, bytes: Uint8Array.from(piece), offset });
        offset += piece.length;
      }
      answer({ type: 'done', id: message.id, size, blake2b256: message.hash === false ? null : blake2b256 });
    },
  };
}

test('sealToBytes: the pieces joined in order, and the hash unless asked for none', async () => {
  const key = new Uint8Array(32);
  const worker = scriptedWorker([[1, 2, 3], [], [4, 5]], HASH);
  const sealed = await sealToBytes(worker, [key], new Blob(['x']));
  assert.deepEqual(sealed, { bytes: Uint8Array.from([1, 2, 3, 4, 5]), blake2b256: HASH });
  const seal = worker.sent.find((m) => m.type === 'seal');
  assert.equal(seal.hash, true);
  assert.equal(worker.sent.filter((m) => m.type === 'ack').length, 3); // each piece acknowledged
  const unhashed = await sealToBytes(worker, [key], new Blob(['x']), { hash: false });
  assert.deepEqual(unhashed, { bytes: Uint8Array.from([1, 2, 3, 4, 5]), blake2b256: null });
  assert.equal(worker.sent.filter((m) => m.type === 'seal')[1].hash, false);
});
