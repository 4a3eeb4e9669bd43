'use strict';
/**
 * Node half of `bench/seal_speed.py --per-item`: v1 and v2 per-item sealing
 * cost for 1, 3, 10 recipients with the committed vendored libsodium.
 *   node [--noexpose_wasm --unhandled-rejections=warn] bench/seal_items_node.js <reps>
 * Prints one JSON line: {"rows": [...], "wasm": bool}.
 */
const { loadEnvelope } = require('../tests/js/sodium.js');
const { measure } = require('./browser/items-bench.js');

loadEnvelope().then(({ sodium, envelope: E, v2: E2 }) => {
  const rows = measure(sodium, E, E2, [1, 3, 10], Number(process.argv[2] || 5));
  const wasm = typeof WebAssembly === 'object' && typeof sodium.libsodium.useBackupModule === 'function';
  process.stdout.write(`${JSON.stringify({ rows, wasm })}\n`);
}).catch((error) => {
  process.stderr.write(`${error && error.stack}\n`);
  process.exit(1);
});
