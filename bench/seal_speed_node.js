'use strict';
/**
 * Node half of bench/seal_speed.py: seal a file with intake/static/js/envelope2.js (v2)
 * and the committed vendored libsodium, time it, write the envelope out.
 *
 *   node bench/seal_speed_node.js <b64 public key> <input file> <output file>
 *
 * Prints one JSON line: {"seconds": s, "wasm": bool, "bytes": n}. Only the
 * sealing is timed (the input is read first; the envelope is written after).
 * Run with --noexpose_wasm --unhandled-rejections=warn for libsodium's pure-JS
 * fallback (see tests/js/fallback.test.js for why the second flag).
 */
const fs = require('node:fs');
const { loadEnvelope } = require('../tests/js/sodium.js');

const PUSH_SIZE = 16 * 65532; // what seal-worker.js reads from a Blob at a time

async function main() {
  const [publicB64, inputPath, outputPath] = process.argv.slice(2);
  const { sodium, v2: E2 } = await loadEnvelope();
  const publicKey = new Uint8Array(Buffer.from(publicB64, 'base64'));
  const input = new Uint8Array(fs.readFileSync(inputPath));
  const pieces = [];
  const start = process.hrtime.bigint();
  const writer = new E2.EnvelopeWriter([publicKey]); // envelope v2, as the seal worker writes
  for (let at = 0; at < input.length; at += PUSH_SIZE) {
    for (const piece of writer.push(input.subarray(at, at + PUSH_SIZE))) pieces.push(piece);
  }
  for (const piece of writer.finish()) pieces.push(piece);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  fs.writeFileSync(outputPath, Buffer.concat(pieces.map((p) => Buffer.from(p.buffer, p.byteOffset, p.length))));
  const wasm = typeof WebAssembly === 'object' && typeof sodium.libsodium.useBackupModule === 'function';
  process.stdout.write(`${JSON.stringify({ seconds, wasm, bytes: input.length })}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error && error.stack}\n`);
  process.exit(1);
});
