'use strict';
// intake/static/js/submit.js: the pure helpers the report form and the
// follow-up form share (the worker-facing API is tested in worker.test.js).
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { ROOT } = require('./sodium.js');

const { attachmentEntry } = require(path.join(ROOT, 'intake', 'static', 'js', 'submit.js'));

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
