/**
 * Resumable upload of one envelope to the intake's /upload/ API
 * (intake/upload/views.py documents every call; CSRF token in X-CSRFToken).
 *
 *   const api = new ResguardoUpload.Api(csrfToken, signal);
 *   const upload = await api.create(envelopeSize);      // {upload_id, item_id}
 *   const sender = new ResguardoUpload.PieceSender(api, upload.upload_id);
 *   await sender.add(piece);   // for each envelope piece, in order (header, then chunks)
 *   await sender.flush();      // the rest
 *   await api.finish(upload.upload_id);
 *
 * Pieces are grouped into PUTs of about PUT_CHUNKS sealed chunks (16 x 65553
 * bytes, about 1 MiB). A PUT that fails (connection dropped, timeout, 5xx) is
 * retried with exponential backoff; before each retry the server is asked how
 * many bytes it holds (GET), and only the rest is sent again. Bytes the server
 * has not acknowledged stay in memory (at most one group) until it has.
 * Everything sent is ciphertext.
 *
 * A small report needs none of that: api.submitInline() sends the report's
 * and small files' envelopes inside the final submit, one request
 * (intake/upload/inline.py). Bodies go by XMLHttpRequest where there is one,
 * for its upload progress (shown from the first byte) and a stall watchdog: a
 * request that makes no progress for STALL_MS (or gets no answer ANSWER_MS
 * after its last byte went out) is aborted as Stalled, which is retried like
 * a dropped connection, and the caller's onRetry hears of it at once (the page
 * then says "reconnecting" instead of "sending" for minutes).
 *
 * Loaded as a classic script (window.ResguardoUpload) or required in node.
 */
(function (root, factory) {
  'use strict';
  const api = factory(root);
  if (typeof module === 'object' && module && module.exports) {
    module.exports = api;
  } else {
    root.ResguardoUpload = api;
  }
})(globalThis, function (root) {
  'use strict';

  /** Sealed chunks per PUT (each 65553 bytes): about 1 MiB per request. */
  const PUT_CHUNKS = 16;
  const SEALED_CHUNK_SIZE = 65553;
  /** Consecutive failures tolerated before giving up (about 4 minutes of backoff in all). */
  const MAX_FAILURES = 10;
  /** Backoff: 0.5 s, 1 s, 2 s, ... capped at 30 s. */
  const backoff = (failures) => Math.min(30000, 500 * 2 ** (failures - 1));
  /** A request whose body makes no progress for this long is given up and retried (ms). */
  const STALL_MS = 10000;
  /** After the last body byte went out, the answer may take this long (ms): the server checks and stores. */
  const ANSWER_MS = 30000;

  /**
   * The server answered with an error. `status` is the HTTP status, `code`
   * the server's short name ("structure", "recipients", "not_encrypted",
   * "csrf", "too_large", ...), `title` and `message` localized text for the
   * reporter, `body` the whole JSON answer.
   */
  class ServerRefused extends Error {
    constructor(status, body) {
      super((body && body.error) || `HTTP ${status}`);
      this.name = 'ServerRefused';
      this.status = status;
      this.body = body || {};
      this.code = this.body.code || '';
      this.title = this.body.title || '';
    }
  }

  /** The network failed (no answer) or the server failed (5xx) too many times in a row. */
  class ConnectionLost extends Error {
    constructor(cause) {
      super('the connection to the site was lost');
      this.name = 'ConnectionLost';
      this.cause = cause;
    }
  }

  /** A request made no progress for STALL_MS (or had no answer ANSWER_MS after its body): the link is down or stuck. */
  class Stalled extends Error {
    constructor() {
      super('the connection stalled');
      this.name = 'Stalled';
    }
  }

  /**
   * True for failures worth retrying: no answer at all (fetch rejects with a
   * TypeError on a network failure, per the Fetch standard; XMLHttpRequest
   * fires "error", reported here as a TypeError too), a stall, 5xx, 408 or 429.
   * Not an abort (the reporter cancelled) and not a refusal (4xx).
   */
  function retryable(error) {
    if (error instanceof ServerRefused) return error.status >= 500 || error.status === 429 || error.status === 408;
    return error instanceof TypeError || error instanceof Stalled;
  }

  function sleep(ms, signal) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(resolve, ms);
      if (signal) {
        signal.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(new DOMException('aborted', 'AbortError'));
        }, { once: true });
      }
    });
  }

  /**
   * Run `action` (returning a promise) until it succeeds, retrying the
   * failures worth retrying (see retryable) with the same backoff as PUTs.
   * Only for calls the server treats as idempotent (POST /upload/submit is:
   * a repeat of a stored submission gets the same answer and stores nothing).
   * @param {() => Promise<any>} action
   * @param {AbortSignal} [signal] aborts the waits between attempts
   * @param {(failures: number, error: Error) => void} [onRetry] called before each wait
   * @throws the first failure not worth retrying; {ConnectionLost} after MAX_FAILURES
   */
  async function withRetries(action, signal, onRetry = () => {}) {
    let failures = 0;
    for (;;) {
      try {
        return await action();
      } catch (error) {
        if (!retryable(error)) throw error;
        failures += 1;
        if (failures > MAX_FAILURES) throw new ConnectionLost(error);
        onRetry(failures, error);
        await sleep(backoff(failures), signal);
      }
    }
  }

  /** The /upload/ JSON API, bound to one CSRF token and one AbortSignal. */
  class Api {
    /**
     * @param {string} csrfToken the form's csrf_token value
     * @param {AbortSignal} [signal] aborts every request
     * @param {string} [base] URL prefix of the API (default '/upload/')
     */
    constructor(csrfToken, signal, base = '/upload/') {
      this.csrfToken = csrfToken;
      this.signal = signal;
      this.base = base;
    }

    /**
     * One request; resolves with the JSON answer of a 2xx.
     * @throws {ServerRefused} for any other status; a TypeError/AbortError from fetch
     */
    async call(method, path, { json, body } = {}) {
      const headers = { 'X-CSRFToken': this.csrfToken, Accept: 'application/json' };
      if (json !== undefined) {
        headers['Content-Type'] = 'application/json';
        body = JSON.stringify(json);
      } else if (body !== undefined) {
        headers['Content-Type'] = 'application/octet-stream';
      }
      const response = await root.fetch(this.base + path, {
        method, headers, body, credentials: 'same-origin', cache: 'no-store', signal: this.signal,
      });
      let answer = null;
      try {
        answer = await response.json();
      } catch (_) {
        answer = null;
      }
      if (!response.ok) throw new ServerRefused(response.status, answer);
      return answer;
    }

    /**
     * One request with a binary body (application/octet-stream), by
     * XMLHttpRequest where there is one: `onProgress(sentBytes, totalBytes)`
     * follows the upload from its first byte, and a stall (see STALL_MS,
     * ANSWER_MS) aborts it with Stalled. Falls back to call() (no progress)
     * where there is no XMLHttpRequest (node).
     * @throws {ServerRefused} for a non-2xx; {TypeError} when no answer came;
     *         {Stalled}; a DOMException AbortError when the signal aborted
     */
    send(method, path, bytes, onProgress = () => {}) {
      const XHR = root.XMLHttpRequest;
      if (typeof XHR !== 'function') {
        return this.call(method, path, { body: bytes }).then((answer) => {
          onProgress(bytes.length, bytes.length);
          return answer;
        });
      }
      return new Promise((resolve, reject) => {
        const xhr = new XHR();
        let timer = null;
        let done = false;
        const end = (error, value) => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          if (this.signal) this.signal.removeEventListener('abort', onAbort);
          if (error) reject(error);
          else resolve(value);
        };
        const watch = (ms) => {
          clearTimeout(timer);
          timer = setTimeout(() => {
            xhr.abort();
            end(new Stalled());
          }, ms);
        };
        const onAbort = () => {
          xhr.abort();
          end(new DOMException('aborted', 'AbortError'));
        };
        if (this.signal && this.signal.aborted) {
          onAbort();
          return;
        }
        if (this.signal) this.signal.addEventListener('abort', onAbort);
        xhr.open(method, this.base + path);
        xhr.setRequestHeader('X-CSRFToken', this.csrfToken);
        xhr.setRequestHeader('Accept', 'application/json');
        xhr.setRequestHeader('Content-Type', 'application/octet-stream');
        xhr.responseType = 'text';
        xhr.upload.onprogress = (event) => {
          watch(event.loaded >= bytes.length ? ANSWER_MS : STALL_MS);
          onProgress(event.loaded, bytes.length);
        };
        xhr.upload.onload = () => watch(ANSWER_MS);
        xhr.onerror = () => end(new TypeError('the request failed (no answer)'));
        xhr.onload = () => {
          let answer = null;
          try {
            answer = JSON.parse(xhr.responseText);
          } catch (_) {
            answer = null;
          }
          if (xhr.status >= 200 && xhr.status < 300) end(null, answer);
          else end(new ServerRefused(xhr.status, answer));
        };
        watch(STALL_MS);
        xhr.send(bytes);
      });
    }

    /**
     * @param {string} [ticket] the form page's ticket: its session and ids (intake/upload/inline.py page_ticket)
     * @returns {Promise<{submission_id: string, slots: {upload_id: string, item_id: string}[]}>}
     */
    begin(ticket) { return this.call('POST', 'begin', ticket ? { json: { ticket } } : {}); }

    /** @param {number} size envelope bytes @returns {Promise<{upload_id: string, item_id: string}>} */
    create(size) { return this.call('POST', '', { json: { size } }); }

    /** @returns {Promise<{received: number, size: number}>} */
    status(uploadId) { return this.call('GET', uploadId); }

    /**
     * @param {Uint8Array} bytes envelope bytes [offset, offset + bytes.length)
     * @param {(sent: number, total: number) => void} [onProgress] bytes of this PUT gone out so far
     * @returns {Promise<{received: number}>}
     */
    put(uploadId, offset, bytes, onProgress) { return this.send('PUT', `${uploadId}?offset=${offset}`, bytes, onProgress); }

    /** @returns {Promise<{received: number, complete: boolean}>} */
    finish(uploadId) { return this.call('POST', `${uploadId}/finish`); }

    /** @returns {Promise<{location: string}>} */
    submit(reportId, attachmentIds, lookupKey) {
      const json = { report: reportId, attachments: attachmentIds };
      if (lookupKey) json.lookup_key = lookupKey; // the receipt's lookup key: opens the reporter's case
      return this.call('POST', 'submit', { json });
    }

    /**
     * The submit with envelopes inside (intake/upload/inline.py): `body` from inlineBody().
     * @param {Uint8Array} body
     * @param {(sent: number, total: number) => void} [onProgress]
     * @returns {Promise<{location: string}>}
     */
    submitInline(body, onProgress) { return this.send('POST', 'submit', body, onProgress); }
  }

  /**
   * The body of a submit that carries envelopes: u32be(len(manifest)) ||
   * manifest (UTF-8 JSON: `fields` plus "inline": [[upload id, bytes], ...]) ||
   * the envelopes, in that order (intake/upload/inline.py).
   * @param {object} fields the submit's JSON fields ({report, attachments, ...})
   * @param {{uploadId: string, bytes: Uint8Array}[]} items the envelopes carried
   * @returns {Uint8Array}
   */
  function inlineBody(fields, items) {
    const manifest = new TextEncoder().encode(JSON.stringify({
      ...fields, inline: items.map((item) => [item.uploadId, item.bytes.length]),
    }));
    const head = new Uint8Array(4);
    new DataView(head.buffer).setUint32(0, manifest.length, false);
    return concat([head, manifest, ...items.map((item) => item.bytes)], 4 + manifest.length
      + items.reduce((n, item) => n + item.bytes.length, 0));
  }

  function concat(parts, length) {
    const out = new Uint8Array(length);
    let at = 0;
    for (const part of parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  }

  /** Groups envelope pieces into PUTs and sends each until the server has all of it. */
  class PieceSender {
    /**
     * @param {Api} api
     * @param {string} uploadId
     * @param {object} [options]
     * @param {(received: number) => void} [options.onAcknowledged] envelope bytes the server holds
     *        (or has been sent, while a PUT is under way: progress from the first byte)
     * @param {(failures: number, error: Error) => void} [options.onRetry] a PUT failed and will be retried
     * @param {number} [options.putChunks] sealed chunks per PUT (default 16)
     */
    constructor(api, uploadId, options = {}) {
      this.api = api;
      this.uploadId = uploadId;
      this.onAcknowledged = options.onAcknowledged || (() => {});
      this.onRetry = options.onRetry || (() => {});
      this.limit = (options.putChunks || PUT_CHUNKS) * SEALED_CHUNK_SIZE;
      this.pending = [];
      this.pendingBytes = 0;
      this.sent = 0; // envelope bytes the server has acknowledged
    }

    /** Queue one piece; sends a group once about `putChunks` chunks are queued. */
    async add(piece) {
      this.pending.push(piece);
      this.pendingBytes += piece.length;
      if (this.pendingBytes >= this.limit) await this.flush();
    }

    /** Send everything queued; resolves when the server acknowledged it. */
    async flush() {
      if (this.pendingBytes === 0) return;
      const bytes = concat(this.pending, this.pendingBytes);
      this.pending = [];
      this.pendingBytes = 0;
      await this.sendRange(bytes, this.sent);
    }

    /**
     * Make the server hold envelope bytes [start, start + bytes.length).
     * @throws {ServerRefused} if the server refuses the bytes (not retried)
     * @throws {ConnectionLost} after MAX_FAILURES consecutive failures
     */
    async sendRange(bytes, start) {
      const end = start + bytes.length;
      let at = start;
      let failures = 0;
      while (at < end) {
        try {
          const from = at;
          at = (await this.api.put(this.uploadId, at, bytes.subarray(at - start),
            (sent) => this.onAcknowledged(from + sent))).received;
          failures = 0;
        } catch (error) {
          if (error instanceof ServerRefused && error.status === 409 && Number.isInteger(error.body.received)) {
            at = error.body.received; // the server already had (some of) it
          } else if (!retryable(error)) {
            throw error;
          } else {
            failures += 1;
            if (failures > MAX_FAILURES) throw new ConnectionLost(error);
            this.onRetry(failures, error);
            await sleep(backoff(failures), this.api.signal);
            try {
              at = (await this.api.status(this.uploadId)).received;
            } catch (again) {
              if (!retryable(again)) throw again;
            }
          }
        }
        if (at < start || at > end) throw new ServerRefused(409, { code: 'offset' });
        this.sent = at;
        this.onAcknowledged(at);
      }
    }
  }

  return Object.freeze({
    Api, PieceSender, ServerRefused, ConnectionLost, Stalled, retryable, withRetries, inlineBody,
    PUT_CHUNKS, MAX_FAILURES, STALL_MS, ANSWER_MS,
  });
});
