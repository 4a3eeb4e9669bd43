'use strict';
// The test-vector files of tests/vectors/ (format: tests/vectors/README.md),
// read by the browser-side vector tests; tests/support/vectors.py is the
// Python side's reader of the same files.
const assert = require('node:assert/strict');

/**
 * Split a vector file: `key: value` lines, a blank line, the raw bytes (an
 * envelope, or the typed text of a receipt vector).
 * `allowed` is the Set of field names this kind of vector may carry; any
 * other field, a repeated one or a malformed line fails the assertion.
 */
function parseVector(raw, allowed) {
  const split = raw.indexOf('\n\n');
  assert.ok(split > 0, 'no blank line after the header fields');
  const fields = {};
  for (const line of raw.subarray(0, split).toString('ascii').split('\n')) {
    const at = line.indexOf(': ');
    assert.ok(at > 0, `malformed field line ${JSON.stringify(line)}`);
    const name = line.slice(0, at);
    assert.ok(allowed.has(name) && !(name in fields), `unexpected field ${name}`);
    fields[name] = line.slice(at + 2);
  }
  return { fields, envelope: new Uint8Array(raw.subarray(split + 2)) };
}

module.exports = { parseVector };
