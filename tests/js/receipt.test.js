'use strict';
// Every receipt vector in tests/vectors/ (made by make_receipt_vectors.py and
// checked against keys/receipt.py) against the browser's receipt.js.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { ROOT, loadSodium } = require('./sodium.js');
const { parseVector } = require('./vector_file.js');

const VECTORS = path.join(ROOT, 'tests', 'vectors');
const FILES = fs.readdirSync(VECTORS).filter((name) => name.startsWith('receipt_')).sort();
const JS = path.join(ROOT, 'intake', 'static', 'js');
const FIELDS = new Set(['expect', 'canonical', 'lookup-key', 'reporter-seed', 'reporter-public-key', 'comment']);

let R;
let reader;
let sodium;

test.before(async () => {
  sodium = await loadSodium();
  R = require(path.join(JS, 'receipt.js'));
  reader = R.create(require(path.join(JS, 'receipt-words.js')));
  assert.ok(sodium.crypto_kdf_derive_from_key);
});

function parse(raw) {
  const { fields, envelope } = parseVector(raw, FIELDS);
  return { fields, typed: Buffer.from(envelope).toString('utf8') };
}

test('there are receipt vectors', () => {
  assert.equal(FILES.length, 11);
});

for (const name of FILES) {
  test(name, () => {
    const { fields, typed } = parse(fs.readFileSync(path.join(VECTORS, name)));
    if (fields.expect === 'success') {
      const derived = reader.derive(typed);
      assert.equal(derived.canonical, fields.canonical);
      assert.equal(Buffer.from(derived.lookupKey).toString('hex'), fields['lookup-key']);
      assert.equal(Buffer.from(derived.reporterSeed).toString('hex'), fields['reporter-seed']);
      // the reply key: libsodium.js X-Wing from the same seed gives the Python vector's public key
      const pair = sodium.crypto_kem_xwing_seed_keypair(derived.reporterSeed);
      assert.equal(pair.publicKey.length, 1216);
      assert.equal(Buffer.from(pair.publicKey).toString('base64'), fields['reporter-public-key']);
    } else {
      assert.equal(fields.expect, 'receipt failure');
      assert.throws(() => reader.derive(typed), (err) => err instanceof R.ReceiptError);
    }
  });
}

test('a damaged word list is refused', () => {
  assert.throws(() => R.create(['abaco', 'abaco']), (err) => err instanceof R.ReceiptError);
});
