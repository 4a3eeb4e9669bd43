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

  /**
   * True for failures worth retrying: no answer at all (fetch rejects with a
   * TypeError on a network failure, per the Fetch standard), 5xx, 408 or 429.
   * Not an abort (the reporter cancelled) and not a refusal (4xx).
   */
  function retryable(error) {
    if (error instanceof ServerRefused) return error.status >= 500 || error.status === 429 || error.status === 408;
    return error instanceof TypeError;
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

    /** @returns {Promise<{submission_id: string}>} */
    begin() { return this.call('POST', 'begin'); }

    /** @param {number} size envelope bytes @returns {Promise<{upload_id: string, item_id: string}>} */
    create(size) { return this.call('POST', '', { json: { size } }); }

    /** @returns {Promise<{received: number, size: number}>} */
    status(uploadId) { return this.call('GET', uploadId); }

    /** @param {Uint8Array} bytes envelope bytes [offset, offset + bytes.length) @returns {Promise<{received: number}>} */
    put(uploadId, offset, bytes) { return this.call('PUT', `${uploadId}?offset=${offset}`, { body: bytes }); }

    /** @returns {Promise<{received: number, complete: boolean}>} */
    finish(uploadId) { return this.call('POST', `${uploadId}/finish`); }

    /** @returns {Promise<{location: string}>} */
    submit(reportId, attachmentIds, lookupKey) {
      const json = { report: reportId, attachments: attachmentIds };
      if (lookupKey) json.lookup_key = lookupKey; // the receipt's lookup key: opens the reporter's case
      return this.call('POST', 'submit', { json });
    }
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
     * @param {number} [options.putChunks] sealed chunks per PUT (default 16)
     */
    constructor(api, uploadId, options = {}) {
      this.api = api;
      this.uploadId = uploadId;
      this.onAcknowledged = options.onAcknowledged || (() => {});
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
          at = (await this.api.put(this.uploadId, at, bytes.subarray(at - start))).received;
          failures = 0;
        } catch (error) {
          if (error instanceof ServerRefused && error.status === 409 && Number.isInteger(error.body.received)) {
            at = error.body.received; // the server already had (some of) it
          } else if (!retryable(error)) {
            throw error;
          } else {
            failures += 1;
            if (failures > MAX_FAILURES) throw new ConnectionLost(error);
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

  return Object.freeze({ Api, PieceSender, ServerRefused, ConnectionLost, retryable, withRetries, PUT_CHUNKS, MAX_FAILURES });
});
