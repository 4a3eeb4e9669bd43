'use strict';
/**
 * intake/static/js/seal-worker.js in a stand-in DedicatedWorkerGlobalScope in
 * node, for tests/js/worker.test.js and tests/js/pool.test.js: `self` with
 * postMessage/onmessage; importScripts is checked for the expected URLs and
 * satisfied from what tests/js/sodium.js already loaded.
 */
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const { ROOT } = require('./sodium.js');

const WORKER = path.join(ROOT, 'intake', 'static', 'js', 'seal-worker.js');
const JS = path.join(ROOT, 'intake', 'static', 'js');

/**
 * Start the worker script. `self.crypto` is node's Web Crypto (X25519 and
 * Ed25519: the worker uses webcrypto.js) unless `webCrypto` is false (a
 * browser without them: libsodium.js alone); `subtle` replaces node's
 * SubtleCrypto (a test's wrapper around it). `envelope2` replaces the
 * envelope2.js module the worker sees (a test's spy around it).
 * @returns {{messages: object[], send: Function, until: Function, asWorker: Function}}
 */
function startWorker({ webCrypto = true, subtle = null, envelope2 = null } = {}) {
  const messages = [];
  const waiters = [];
  const page = new EventTarget(); // the page's side: a Worker-like object (see asWorker)
  const scope = {
    // As the page starts it (intake/security.py worker_url): the imports' versions ride along.
    location: { search: '?v=0123456789abcdef&s=5a5a5a5a5a5a5a5a&b=b0b0b0b0b0b0b0b0' },
    crypto: webCrypto ? { subtle: subtle || globalThis.crypto.subtle } : undefined,
    postMessage(message) {
      messages.push(message);
      for (const waiter of waiters.splice(0)) waiter();
      setImmediate(() => {
        const event = new Event('message');
        event.data = message;
        page.dispatchEvent(event);
      });
    },
    onmessage: null,
  };
  const imported = [];
  const importScripts = (...urls) => imported.push(...urls);
  const source = fs.readFileSync(WORKER, 'utf8');
  vm.runInThisContext(`(function (self, importScripts, ResguardoEnvelope, ResguardoEnvelope2, ResguardoWebCrypto) {${source}\n})`, { filename: WORKER })(
    scope, importScripts, require(path.join(JS, 'envelope.js')), envelope2 || require(path.join(JS, 'envelope2.js')),
    require(path.join(JS, 'webcrypto.js'))); // writers only, as in the browser
  assert.deepEqual(imported, ['../vendor/sodium.js?v=5a5a5a5a5a5a5a5a', '../../bundle/seal.js?v=b0b0b0b0b0b0b0b0']);
  const send = (message) => scope.onmessage({ data: message });
  /** Wait until a message matching `predicate` has arrived (or fail after about 10 s). */
  async function until(predicate) {
    for (let round = 0; round < 2000; round++) {
      const found = messages.find(predicate);
      if (found) return found;
      await new Promise((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 5);
      });
    }
    throw new Error('timed out waiting for a worker message');
  }
  /** A stand-in for the page's `Worker` object (asynchronous delivery both ways). */
  const asWorker = () => ({
    postMessage: (message) => setImmediate(() => send(message)),
    addEventListener: (type, listener) => page.addEventListener(type, listener),
    removeEventListener: (type, listener) => page.removeEventListener(type, listener),
  });
  return { messages, send, until, asWorker };
}

module.exports = { startWorker, WORKER };
