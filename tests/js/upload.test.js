'use strict';
// intake/static/js/upload.js: grouping pieces into PUTs, and resuming after
// failures from the size the server reports, against a fake API in node.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { ROOT } = require('./sodium.js');

const { PieceSender, ServerRefused, ConnectionLost, withRetries } = require(path.join(ROOT, 'intake', 'static', 'js', 'upload.js'));

const CHUNK = 65553;

/** A fake /upload/ API holding one upload; `script` decides each PUT's fate by number. */
function fakeApi(script = () => 'ok') {
  const server = { chunks: [], size: 0, puts: [], statuses: 0, get bytes() { return Buffer.concat(this.chunks); } };
  return {
    server,
    signal: undefined,
    async put(_id, offset, bytes) {
      const number = server.puts.length + 1;
      server.puts.push({ offset, length: bytes.length });
      const fate = script(number);
      if (fate === 'drop-before') throw new TypeError('Failed to fetch');
      if (offset !== server.size) throw new ServerRefused(409, { code: 'offset', received: server.size });
      server.chunks.push(Buffer.from(bytes));
      server.size += bytes.length;
      if (fate === 'drop-after') throw new TypeError('Failed to fetch');
      if (fate === 'refuse') throw new ServerRefused(422, { code: 'not_encrypted', error: 'refused' });
      return { received: server.size };
    },
    async status() {
      server.statuses += 1;
      return { received: server.size };
    },
  };
}

const pieces = (count) => [Uint8Array.from({ length: 148 }, (_, i) => i)]
  .concat(Array.from({ length: count }, (_, k) => new Uint8Array(CHUNK).fill(k + 1)));

async function sendAll(api, list, options = {}) {
  const acknowledged = [];
  const sender = new PieceSender(api, 'u', { onAcknowledged: (n) => acknowledged.push(n), ...options });
  for (const piece of list) await sender.add(piece);
  await sender.flush();
  return acknowledged;
}

test('pieces go out in PUTs of 16 chunks (the first also holds the header)', async () => {
  const api = fakeApi();
  const list = pieces(40);
  await sendAll(api, list);
  assert.deepEqual(api.server.puts.map((p) => p.length), [148 + 16 * CHUNK, 16 * CHUNK, 8 * CHUNK]);
  assert.equal(api.server.size, 148 + 40 * CHUNK);
});

test('a drop before the server resends the piece; a drop after it does not', async () => {
  const api = fakeApi((n) => ({ 2: 'drop-before', 4: 'drop-after' }[n] || 'ok'));
  const list = pieces(48);
  const acknowledged = await sendAll(api, list);
  const expected = Buffer.concat(list.map((p) => Buffer.from(p)));
  assert.deepEqual(api.server.bytes, expected);
  assert.deepEqual(api.server.puts.map((p) => p.offset), [0, 148 + 16 * CHUNK, 148 + 16 * CHUNK, 148 + 32 * CHUNK]);
  assert.equal(api.server.statuses, 2);
  assert.equal(acknowledged.at(-1), expected.length);
});

test('a refusal is not retried', async () => {
  const api = fakeApi((n) => (n === 1 ? 'refuse' : 'ok'));
  await assert.rejects(sendAll(api, pieces(2)), (error) => error instanceof ServerRefused && error.code === 'not_encrypted');
  assert.equal(api.server.puts.length, 1);
});

test('too many failures in a row give up with ConnectionLost', { timeout: 5000 }, async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const api = fakeApi(() => 'drop-before');
  const outcome = sendAll(api, pieces(1)).then(() => null, (error) => error);
  for (let i = 0; i < 12; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    t.mock.timers.tick(30000);
  }
  assert.ok((await outcome) instanceof ConnectionLost);
  assert.equal(api.server.puts.length, 11);
});

test('withRetries retries network failures and 5xx with backoff, not refusals', { timeout: 5000 }, async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const fates = [new TypeError('Failed to fetch'), new ServerRefused(502, null), new ServerRefused(500, { code: 'server' })];
  let calls = 0;
  const retries = [];
  const outcome = withRetries(async () => {
    calls += 1;
    if (fates.length) throw fates.shift();
    return { location: '/received' };
  }, undefined, (failures) => retries.push(failures));
  for (let i = 0; i < 6; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    t.mock.timers.tick(30000);
  }
  assert.deepEqual(await outcome, { location: '/received' });
  assert.equal(calls, 4);
  assert.deepEqual(retries, [1, 2, 3]);
  let refusedCalls = 0;
  await assert.rejects(withRetries(async () => {
    refusedCalls += 1;
    throw new ServerRefused(404, { code: 'unknown', error: 'no' });
  }), (error) => error instanceof ServerRefused && error.code === 'unknown');
  assert.equal(refusedCalls, 1);
});

test('withRetries gives up with ConnectionLost after as many failures as PUTs', { timeout: 5000 }, async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  let calls = 0;
  const outcome = withRetries(async () => {
    calls += 1;
    throw new TypeError('Failed to fetch');
  }).then(() => null, (error) => error);
  for (let i = 0; i < 12; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    t.mock.timers.tick(30000);
  }
  assert.ok((await outcome) instanceof ConnectionLost);
  assert.equal(calls, 11);
});
