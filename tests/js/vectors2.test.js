'use strict';
// Every envelope v2 vector in tests/vectors/ (envelope2_*, made with keys/,
// see the README there) against the browser's reader: successes open to the
// recorded content, failures throw exactly the error class keys/ throws.
const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { ROOT, loadEnvelope } = require('./sodium.js');
const { parseVector } = require('./vector_file.js');

const VECTORS = path.join(ROOT, 'tests', 'vectors');
const FILES = fs.readdirSync(VECTORS).filter((name) => name.startsWith('envelope2_')).sort();
const FIELDS = new Set(['expect', 'identity', 'identity-kind', 'payload-size', 'payload-sha256', 'comment']);

let sodium;
let E;
let E2;
let EXPECT;

test.before(async () => {
  ({ sodium, envelope: E, v2: E2 } = await loadEnvelope());
  EXPECT = {
    'header failure': E.HeaderError,
    'unsupported version': E.UnsupportedVersionError,
    'unknown stanza': E2.UnknownStanzaError,
    'stanza length': E2.StanzaLengthError,
    'commitment mismatch': E2.CommitmentError,
    'no match': E.NoMatchingKeyError,
    'payload failure': E.PayloadError,
    'signature failure': E2.SignatureError,
    truncated: E.TruncatedError,
    'trailing data': E.TrailingDataError,
  };
});

test('the v2 vectors are present', () => {
  assert.ok(FILES.length >= 9);
});

for (const name of FILES) {
  test(name, () => {
    const { fields, envelope } = parseVector(fs.readFileSync(path.join(VECTORS, name)), FIELDS);
    const secretKey = new Uint8Array(Buffer.from(fields.identity, 'base64'));
    const publicKey = fields['identity-kind'] === 'xwing'
      ? sodium.crypto_kem_xwing_seed_keypair(secretKey).publicKey
      : sodium.crypto_scalarmult_base(secretKey);
    const identity = { publicKey, secretKey };
    if (fields.expect === 'success') {
      const plain = E.open(envelope, [identity]);
      assert.equal(plain.length, Number(fields['payload-size']));
      assert.equal(crypto.createHash('sha256').update(plain).digest('hex'), fields['payload-sha256']);
    } else {
      const expected = EXPECT[fields.expect];
      assert.ok(expected, `unknown expect value ${fields.expect}`);
      assert.throws(() => E.open(envelope, [identity]), (error) => {
        assert.equal(error.constructor, expected, `${error.name}: ${error.message}`);
        return true;
      });
    }
  });
}
