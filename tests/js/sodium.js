'use strict';
/**
 * Load the committed, vendored intake/static/vendor/sodium.js into node, the
 * way a browser Web Worker sees it (importScripts: one classic script, no
 * CommonJS), so the JS tests need no `npm install` and test exactly the
 * bytes the intake serves.
 *
 * The file is UMD: given `exports`/`define` it would take the CommonJS/AMD
 * path and require('libsodium') from node_modules. We evaluate it in this
 * realm (so Uint8Array is node's own) inside a function that hides `exports`,
 * `module` and `define`; it then takes the browser-global path and defines
 * `sodium` on the object we pass as `this`. `self` is node's globalThis (Web
 * Crypto getRandomValues); `require`, `__dirname` and `__filename` are only
 * touched by libsodium's pure-JS fallback, which runs when WebAssembly is
 * absent (node --noexpose_wasm).
 */
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');

const ROOT = path.resolve(__dirname, '..', '..');
const VENDORED = path.join(ROOT, 'intake', 'static', 'vendor', 'sodium.js');

let loading = null;

/**
 * Evaluate the vendored library once; resolve with the ready `sodium` object,
 * also installed as globalThis.sodium (what intake/static/js/envelope.js uses).
 * @returns {Promise<object>} libsodium-wrappers' API
 */
function loadSodium() {
  if (!loading) {
    const source = fs.readFileSync(VENDORED, 'utf8');
    const wrapped = vm.runInThisContext(
      `(function (exports, module, define, require, self, __dirname, __filename) {${source}\n})`,
      { filename: VENDORED });
    const scope = {};
    wrapped.call(scope, undefined, undefined, undefined, require, globalThis,
      path.dirname(VENDORED), VENDORED);
    loading = scope.sodium.ready.then(() => {
      globalThis.sodium = scope.sodium;
      return scope.sodium;
    });
  }
  return loading;
}

/**
 * Load sodium, then intake/static/js/envelope.js, envelope2.js and envelope-reader.js.
 * @returns {Promise<{sodium: object, envelope: object, v2: object}>} `envelope` is the
 *          v1 writer module's API plus the reader's (EnvelopeReader, open, for v1 and v2);
 *          `v2` is envelope2.js (the v2 writer, sizes, fingerprints of both key kinds)
 */
async function loadEnvelope() {
  const sodium = await loadSodium();
  const js = path.join(ROOT, 'intake', 'static', 'js');
  const envelope = { ...require(path.join(js, 'envelope.js')), ...require(path.join(js, 'envelope-reader.js')) };
  return { sodium, envelope, v2: require(path.join(js, 'envelope2.js')) };
}

module.exports = { ROOT, VENDORED, loadSodium, loadEnvelope };
