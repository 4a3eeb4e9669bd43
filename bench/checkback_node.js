'use strict';
// Receipt derivation in node (bench/checkback.py): parse + derive + X-Wing key pair, median of N.
const path = require('node:path');
const { loadSodium } = require(path.join(__dirname, '..', 'tests', 'js', 'sodium.js'));

(async () => {
  const sodium = await loadSodium();
  globalThis.sodium = sodium;
  const words = require(path.join(__dirname, '..', 'intake', 'static', 'js', 'receipt-words.js'));
  const receipts = require(path.join(__dirname, '..', 'intake', 'static', 'js', 'receipt.js')).create(words);
  const n = Number(process.argv[2] || 200);
  const text = Array.from({ length: 8 }, () => words[sodium.randombytes_uniform(2048)]).join(' ');
  const times = [];
  for (let i = 0; i < n; i += 1) {
    const start = process.hrtime.bigint();
    const derived = receipts.derive(text);
    sodium.crypto_kem_xwing_seed_keypair(derived.reporterSeed);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  console.log(JSON.stringify({ median_ms: times[Math.floor(n / 2)], p95_ms: times[Math.floor(n * 0.95)] }));
})();
