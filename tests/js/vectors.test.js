'use strict';
// Every envelope vector in tests/vectors/ (made with keys/, see the README
// there) against the browser's reader: successes open to the recorded
// content, failures throw exactly the error class keys/ throws.
const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { ROOT, loadEnvelope } = require('./sodium.js');
const { parseVector } = require('./vector_file.js');

const VECTORS = path.join(ROOT, 'tests', 'vectors');
const FILES = fs.existsSync(VECTORS)
  ? fs.readdirSync(VECTORS).filter((name) => name.startsWith('envelope_')).sort()
  : [];
const FIELDS = new Set(['expect', 'identity', 'payload-size', 'payload-sha256', 'comment']);

let sodium;
let E;
let EXPECT; // `expect:` value -> error class (mirrors tests/keys/test_keys_vectors.py)

test.before(async () => {
  ({ sodium, envelope: E } = await loadEnvelope());
  EXPECT = {
    'header failure': E.HeaderError,
    'unsupported version': E.UnsupportedVersionError,
    'no match': E.NoMatchingKeyError,
    'payload failure': E.PayloadError,
    truncated: E.TruncatedError,
    'trailing data': E.TrailingDataError,
  };
});

test('tests/vectors/ is present', { skip: FILES.length ? false : 'tests/vectors/ has no envelope_* files yet' }, () => {
  assert.ok(FILES.some((name) => name.startsWith('envelope_success_')));
});

for (const name of FILES) {
  test(name, () => {
    const { fields, envelope } = parseVector(fs.readFileSync(path.join(VECTORS, name)), FIELDS);
    const secretKey = new Uint8Array(Buffer.from(fields.identity, 'base64'));
    assert.equal(secretKey.length, 32);
    const identity = { publicKey: sodium.crypto_scalarmult_base(secretKey), secretKey };
    if (fields.expect === 'success') {
      const plain = E.open(envelope, [identity]);
      assert.equal(plain.length, Number(fields['payload-size']));
      assert.equal(crypto.createHash('sha256').update(plain).digest('hex'), fields['payload-sha256']);
      const stanzas = (envelope[10] << 8) | envelope[11];
      assert.equal(envelope.length, E.envelopeSize(plain.length, stanzas));
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
