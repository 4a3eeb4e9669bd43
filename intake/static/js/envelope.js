/**
 * Resguardo envelope v1 in the browser: the same bytes as keys/ writes.
 *
 * keys/envelope.py, keys/stream.py and keys/padding.py are the reference and
 * docs/FORMAT.md is normative; this file follows them byte for byte:
 *
 *   header  = "RESGUARD" || version=0x01 || chunk_log2=16 || count (u16 BE)
 *             || count * ( fingerprint[32] || crypto_box_seal(content_key)[80] )
 *             || secretstream_header[24]
 *   ad      = BLAKE2b-256("resguardo/v1/header\0" || header)
 *   chunk   = secretstream_push(used (u32 BE) || data[used] || zero[65532 - used], ad, tag)
 *
 * Every chunk carries exactly 65536 bytes of framed plaintext (65553 on the
 * wire). The number of chunks is padme(max(1, ceil(size / 65532))) (Padmé,
 * Nikitin et al., "Reducing Metadata Leakage from Encrypted Files and
 * Communication with PURBs", PETS 2019); padding chunks have used = 0. Every
 * chunk but the last is tagged TAG_MESSAGE, the last TAG_FINAL.
 *
 * Primitives (libsodium docs): "Sealed boxes" (crypto_box_seal, X25519 +
 * XSalsa20-Poly1305), "Encrypted streams and file encryption"
 * (crypto_secretstream_xchacha20poly1305), "Generic hashing"
 * (crypto_generichash = BLAKE2b, unkeyed).
 *
 * Uses only the `sodium` global of the vendored intake/static/vendor/sodium.js
 * (libsodium-wrappers); await `sodium.ready` before calling anything here.
 * Loads with importScripts() in a Web Worker (defines self.ResguardoEnvelope)
 * and with require() in node (module.exports), where the caller puts the
 * vendored library on globalThis.sodium first (tests/js/sodium.js does).
 *
 * Memory: a writer holds one 64 KiB chunk whatever the content size.
 *
 * The matching reader (tests, checks) is envelope-reader.js; it shares the
 * error classes defined here, which mirror keys/errors.py.
 */
(function (root, factory) {
  'use strict';
  const api = factory(root);
  if (typeof module === 'object' && module && module.exports) {
    module.exports = api;
  } else {
    root.ResguardoEnvelope = api;
  }
})(globalThis, function (root) {
  'use strict';

  // ---- constants (keys/envelope.py, keys/stream.py, keys/fingerprint.py) ----

  const MAGIC = Uint8Array.from([0x52, 0x45, 0x53, 0x47, 0x55, 0x41, 0x52, 0x44]); // "RESGUARD"
  const VERSION = 1;
  const CHUNK_LOG2 = 16;
  const MAX_RECIPIENTS = 64;
  const FIXED_SIZE = 12; // magic[8] || version[1] || chunk_log2[1] || count (u16 BE)[2]
  const FINGERPRINT_SIZE = 32;
  const FINGERPRINT_DISPLAY_BYTES = 20;
  const KEY_SIZE = 32; // X25519 public/secret keys and the secretstream content key
  const SEALED_KEY_SIZE = KEY_SIZE + 48; // crypto_box_SEALBYTES = 48 -> 80
  const STANZA_SIZE = FINGERPRINT_SIZE + SEALED_KEY_SIZE; // 112
  const STREAM_HEADER_SIZE = 24; // crypto_secretstream_xchacha20poly1305_HEADERBYTES
  const CHUNK_SIZE = 65536; // framed plaintext per chunk
  const USED_SIZE = 4;
  const DATA_PER_CHUNK = CHUNK_SIZE - USED_SIZE; // 65532 content bytes per chunk
  const ABYTES = 17; // crypto_secretstream_xchacha20poly1305_ABYTES
  const SEALED_CHUNK_SIZE = CHUNK_SIZE + ABYTES; // 65553
  /** Envelope v2 only: content of at most SMALL_DATA bytes goes in one chunk of 2^14 framed bytes. */
  const SMALL_CHUNK_LOG2 = 14;
  const SMALL_DATA = 2 ** SMALL_CHUNK_LOG2 - USED_SIZE; // 16380
  const TAG_MESSAGE = 0;
  const TAG_FINAL = 3;
  const ascii = (text) => Uint8Array.from(text, (c) => c.charCodeAt(0));
  const FINGERPRINT_LABEL = ascii('resguardo/v1/fingerprint\0');
  const HEADER_LABEL = ascii('resguardo/v1/header\0');

  // ---- errors: one class per failure a caller must tell apart (keys/errors.py) ----

  /** Root of every error this module raises about an envelope's contents. */
  class EnvelopeError extends Error {
    constructor(message) {
      super(message);
      this.name = new.target.name;
    }
  }
  /** The header is malformed: bad magic, bad lengths, cut short, repeated recipient. */
  class HeaderError extends EnvelopeError {}
  /** The version byte is not 1 (a HeaderError, as in keys/). */
  class UnsupportedVersionError extends HeaderError {}
  /** None of the given secret keys is a recipient of the envelope. */
  class NoMatchingKeyError extends EnvelopeError {}
  /** The payload failed authentication or breaks the chunk framing (tampered). */
  class PayloadError extends EnvelopeError {}
  /** The payload ends before its FINAL chunk (cut short). */
  class TruncatedError extends PayloadError {}
  /** Bytes follow the FINAL chunk (something was appended). */
  class TrailingDataError extends PayloadError {}

  // ---- helpers ----

  function lib() {
    const sodium = root.sodium;
    if (!sodium || typeof sodium.crypto_secretstream_xchacha20poly1305_push !== 'function') {
      throw new Error('the sodium global is missing or not ready: load vendor/sodium.js and await sodium.ready');
    }
    return sodium;
  }

  function requireBytes(value, name, size) {
    if (!(value instanceof Uint8Array)) {
      throw new TypeError(`${name} must be a Uint8Array`);
    }
    if (size !== undefined && value.length !== size) {
      throw new RangeError(`${name} must be exactly ${size} bytes`);
    }
    return value;
  }

  function concat(parts) {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const part of parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  }

  /** Byte equality for public values (magic, recipient keys). */
  function equalBytes(a, b) {
    if (a.length !== b.length) return false;
    let diff = 0;
    for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
    return diff === 0;
  }

  /** Fingerprint equality in constant time (docs/FORMAT.md: `sodium.memcmp` in JavaScript). */
  function sameFingerprint(a, b) {
    return lib().memcmp(a, b);
  }

  /**
   * Best-effort wipe and release of a secretstream state. libsodium-wrappers
   * keeps the 52-byte state (which holds the stream key) in the module heap
   * and never frees it; we zero and free it when the stream is done.
   */
  function releaseState(state) {
    const raw = lib().libsodium;
    if (!raw || typeof state !== 'number' || typeof raw._free !== 'function') return;
    const size = typeof raw._crypto_secretstream_xchacha20poly1305_statebytes === 'function'
      ? raw._crypto_secretstream_xchacha20poly1305_statebytes() : 52;
    if (raw.HEAPU8) raw.HEAPU8.fill(0, state, state + size);
    raw._free(state);
  }

  // ---- Padmé and sizes (keys/padding.py, keys/stream.py, keys/envelope.py) ----

  /**
   * Padmé-pad a length (PURBs paper, PETS 2019, Algorithm 1): round `length`
   * up so that only its O(log log L) most significant bits may be non-zero.
   * padme(0) = 0, padme(1) = 1, padme(9) = 10, padme(100) = 104.
   * @param {number} length integer >= 0 (exact up to 2^53)
   * @returns {number}
   * @throws {RangeError} if length is negative or not a safe integer
   */
  function padme(length) {
    if (!Number.isSafeInteger(length) || length < 0) {
      throw new RangeError('length must be a safe integer >= 0');
    }
    if (length < 2) return length;
    let exponent = 0; // floor(log2(length)), computed without 32-bit bit operations
    while (2 ** (exponent + 1) <= length) exponent++;
    let sizeBits = 0; // floor(log2(exponent)) + 1, the bit length of exponent
    while (2 ** sizeBits <= exponent) sizeBits++;
    const step = 2 ** (exponent - sizeBits);
    return Math.ceil(length / step) * step;
  }

  /**
   * Number of 64 KiB chunks an envelope of `contentSize` plaintext bytes has:
   * padme(max(1, ceil(contentSize / 65532))); 0 bytes -> 1 chunk.
   * @param {number} contentSize plaintext bytes, integer >= 0
   * @returns {number}
   * @throws {RangeError} if contentSize is negative
   */
  function chunkCount(contentSize) {
    if (!Number.isSafeInteger(contentSize) || contentSize < 0) {
      throw new RangeError('contentSize must be a safe integer >= 0');
    }
    return padme(Math.max(1, Math.ceil(contentSize / DATA_PER_CHUNK)));
  }

  /**
   * Bytes of a header with `recipientCount` stanzas: 12 + 112 n + 24.
   * @param {number} recipientCount
   * @returns {number}
   */
  function headerSize(recipientCount) {
    return FIXED_SIZE + STANZA_SIZE * recipientCount + STREAM_HEADER_SIZE;
  }

  /**
   * Exact envelope size in bytes for `contentSize` plaintext bytes sealed to
   * `recipientCount` distinct recipients (what a server may check in advance).
   * @param {number} contentSize
   * @param {number} recipientCount
   * @returns {number}
   */
  function envelopeSize(contentSize, recipientCount) {
    return headerSize(recipientCount) + chunkCount(contentSize) * SEALED_CHUNK_SIZE;
  }

  // ---- fingerprints (keys/fingerprint.py) ----

  /**
   * Fingerprint of an X25519 public key: BLAKE2b-256("resguardo/v1/fingerprint\0" || pk).
   * @param {Uint8Array} publicKey 32 bytes
   * @returns {Uint8Array} 32 bytes
   * @throws {TypeError|RangeError} if publicKey is not a 32-byte Uint8Array
   */
  function fingerprint(publicKey) {
    requireBytes(publicKey, 'publicKey', KEY_SIZE);
    return lib().crypto_generichash(FINGERPRINT_SIZE, concat([FINGERPRINT_LABEL, publicKey]), null);
  }

  /**
   * The human form of a fingerprint, for people to compare aloud: the first 20
   * bytes as ten space-separated groups of four upper-case hex digits,
   * e.g. "3F2A 9C1B 0D4E 77A1 5B20 C8E3 1F0A 6D92 4B7C E015".
   * @param {Uint8Array} fp a 32-byte fingerprint (from fingerprint())
   * @returns {string}
   */
  function displayFingerprint(fp) {
    requireBytes(fp, 'fingerprint', FINGERPRINT_SIZE);
    let hex = '';
    for (const byte of fp.subarray(0, FINGERPRINT_DISPLAY_BYTES)) {
      hex += byte.toString(16).padStart(2, '0');
    }
    return hex.toUpperCase().match(/.{4}/g).join(' ');
  }

  /**
   * ad = BLAKE2b-256("resguardo/v1/header\0" || rawHeader), bound to every chunk.
   * @param {Uint8Array} rawHeader the exact header bytes
   * @returns {Uint8Array} 32 bytes
   */
  function headerHash(rawHeader) {
    return lib().crypto_generichash(32, concat([HEADER_LABEL, rawHeader]), null);
  }

  // ---- writer ----

  /**
   * The chunk-sealing machinery every envelope version shares: given a built
   * header, its AD and a secretstream push state, streams the padded chunks
   * (see EnvelopeWriter for the generator protocol). Versions subclass it:
   * `_sealed(chunk)` sees each sealed chunk, `_trailer()` yields what follows
   * the FINAL chunk (v2: the signature), `_release()` wipes extra secrets.
   *
   * With `start` (v2), the header names the chunk size and is built only once
   * that is known: `start(chunkLog2)` returns {header, ad}; it is called with
   * 16 when the content passes one 64 KiB chunk, or at finish() with 14 if the
   * content is at most SMALL_DATA bytes (one 16 KiB chunk), else 16.
   */
  class ChunkWriter {
    constructor(header, ad, state, start = null) {
      this._header = header;
      this._ad = ad;
      this._start = start;
      this._chunkLog2 = CHUNK_LOG2;
      this._state = state;
      this._frame = new Uint8Array(CHUNK_SIZE); // used (u32 BE) || data || zero padding
      this._used = 0; // content bytes in _frame
      this._contentSize = 0;
      this._chunksWritten = 0;
      this._headerSent = false;
      this._busy = false; // a push()/finish() generator is not yet exhausted
      this._finished = false;
    }

    /** Plaintext bytes accepted so far. @returns {number} */
    get contentSize() {
      return this._contentSize;
    }

    /** Bytes of the header. @returns {number} */
    get headerSize() {
      return this._header.length;
    }

    _enter() {
      if (this._finished) throw new Error('the envelope is already finished');
      if (this._busy) throw new Error('iterate the previous push()/finish() to its end first');
      this._busy = true;
    }

    /** Yield the header (once), built for `chunkLog2` if the version decides it late. */
    *_begin(chunkLog2) {
      if (this._headerSent) return;
      this._headerSent = true;
      if (this._start) {
        const { header, ad } = this._start(chunkLog2);
        this._header = header;
        this._ad = ad;
        this._chunkLog2 = chunkLog2;
      }
      yield this._header.slice(); // a copy: the consumer may transfer or reuse it
    }

    /** Seal the frame buffer as one chunk with `tag` and start a new, empty frame. */
    _seal(tag) {
      const frame = this._frame;
      new DataView(frame.buffer).setUint32(0, this._used, false);
      frame.fill(0, USED_SIZE + this._used); // zero padding after the data
      const framed = frame.subarray(0, 2 ** this._chunkLog2);
      const sealed = lib().crypto_secretstream_xchacha20poly1305_push(this._state, framed, this._ad, tag);
      this._used = 0;
      this._chunksWritten += 1;
      this._sealed(sealed);
      return sealed;
    }

    _sealed(_chunk) {}

    *_trailer() {}

    _release() {}

    /**
     * Add `data` to the content. Yields the header first (on the first call),
     * then every chunk that is complete and known not to be the last.
     * @param {Uint8Array} data any length, including 0
     * @yields {Uint8Array} envelope pieces, in order
     * @throws {TypeError} if data is not a Uint8Array
     * @throws {Error} after finish(), or while a previous generator is unfinished
     */
    *push(data) {
      requireBytes(data, 'data');
      this._enter();
      try {
        if (!this._start) yield* this._begin(CHUNK_LOG2);
        let offset = 0;
        while (offset < data.length) {
          if (this._used === DATA_PER_CHUNK) {
            yield* this._begin(CHUNK_LOG2); // more than one 64 KiB chunk: not small
            yield this._seal(TAG_MESSAGE); // more data follows: not the last chunk
          }
          const take = Math.min(DATA_PER_CHUNK - this._used, data.length - offset);
          this._frame.set(data.subarray(offset, offset + take), USED_SIZE + this._used);
          this._used += take;
          this._contentSize += take;
          offset += take;
        }
      } finally {
        this._busy = false;
      }
    }

    /**
     * Seal the last data chunk and the Padmé padding chunks (used = 0); the
     * final one is tagged TAG_FINAL; then what the version puts after it.
     * Releases the stream state at the end.
     * @yields {Uint8Array} the remaining envelope pieces, in order
     * @throws {Error} if called twice, or while a previous generator is unfinished
     */
    *finish() {
      this._enter();
      this._finished = true;
      try {
        yield* this._begin(this._contentSize <= SMALL_DATA ? SMALL_CHUNK_LOG2 : CHUNK_LOG2);
        const total = this._chunkLog2 === SMALL_CHUNK_LOG2 ? 1 : chunkCount(this._contentSize);
        const padding = total - this._chunksWritten - 1;
        yield this._seal(padding === 0 ? TAG_FINAL : TAG_MESSAGE);
        for (let index = 0; index < padding; index++) {
          yield this._seal(index === padding - 1 ? TAG_FINAL : TAG_MESSAGE);
        }
        yield* this._trailer();
      } finally {
        this._busy = false;
        this.abort(); // done, or abandoned mid-way: either way nothing more is sealed
      }
    }

    /**
     * Give up on this envelope (e.g. the upload was cancelled): wipe the
     * pending chunk and release the stream state. The writer is unusable
     * afterwards; what was emitted so far is not a valid envelope.
     */
    abort() {
      this._finished = true;
      if (this._state !== null) releaseState(this._state);
      this._state = null;
      this._frame.fill(0);
      this._release();
    }
  }

  /**
   * Streams one envelope v1 to pieces of bytes, in constant memory.
   *
   *   const writer = new EnvelopeWriter([pk1, pk2]);
   *   for (const piece of writer.push(bytes)) send(piece);   // any size, any number of times
   *   for (const piece of writer.finish()) send(piece);      // once
   *
   * push() and finish() are generators: the work happens as they are iterated,
   * so a consumer can stop between pieces (back-pressure, cancellation). Each
   * MUST be iterated to the end before the next call (enforced). The first
   * piece emitted is the header (12 + 112 n + 24 bytes); every later piece is
   * one sealed chunk of 65553 bytes. The bytes passed to push() must not be
   * changed until its iteration ends. A sealed chunk is held back until the
   * next byte (or finish) shows whether it is the last one.
   *
   * Duplicate recipients are sealed to once, in first-seen order (as keys/).
   * (The intake writes envelope v2: envelope2.js.)
   */
  class EnvelopeWriter extends ChunkWriter {
    /**
     * @param {Uint8Array[]} recipients reviewers' X25519 public keys, 32 bytes each, 1..64 distinct
     * @throws {TypeError} if a recipient is not a Uint8Array
     * @throws {RangeError} on a key that is not 32 bytes, no recipient or more than 64
     */
    constructor(recipients) {
      const sodium = lib();
      if (!Array.isArray(recipients)) throw new TypeError('recipients must be an array of Uint8Array');
      const unique = [];
      for (const key of recipients) {
        requireBytes(key, 'a recipient public key', KEY_SIZE);
        if (!unique.some((seen) => equalBytes(seen, key))) unique.push(key);
      }
      if (unique.length === 0) throw new RangeError('an envelope needs at least one recipient');
      if (unique.length > MAX_RECIPIENTS) throw new RangeError(`at most ${MAX_RECIPIENTS} recipients`);

      const contentKey = sodium.crypto_secretstream_xchacha20poly1305_keygen();
      const { state, header: streamHeader } = sodium.crypto_secretstream_xchacha20poly1305_init_push(contentKey);
      const fixed = new Uint8Array(FIXED_SIZE);
      fixed.set(MAGIC, 0);
      fixed[8] = VERSION;
      fixed[9] = CHUNK_LOG2;
      new DataView(fixed.buffer).setUint16(10, unique.length, false);
      const parts = [fixed];
      for (const key of unique) {
        parts.push(fingerprint(key), sodium.crypto_box_seal(contentKey, key));
      }
      parts.push(streamHeader);
      sodium.memzero(contentKey);

      const header = concat(parts);
      super(header, headerHash(header), state);
      /** Number of distinct recipients the envelope is sealed to. */
      this.recipientCount = unique.length;
      /** Fingerprints (32 bytes each) of the recipients, in stanza order. */
      this.recipients = unique.map(fingerprint);
    }

    /** Total envelope bytes once finished (header + chunks). @returns {number} */
    get size() {
      return envelopeSize(this._contentSize, this.recipientCount);
    }
  }

  // ---- whole-buffer convenience (small items, tests) ----

  /**
   * Seal `content` in memory; returns the whole envelope.
   * @param {Uint8Array[]} recipients 32-byte X25519 public keys
   * @param {Uint8Array} content
   * @returns {Uint8Array}
   */
  function seal(recipients, content) {
    const writer = new EnvelopeWriter(recipients);
    return concat([...writer.push(content), ...writer.finish()]);
  }

  return Object.freeze({
    VERSION, CHUNK_SIZE, DATA_PER_CHUNK, SEALED_CHUNK_SIZE, MAX_RECIPIENTS,
    EnvelopeError, HeaderError, UnsupportedVersionError, NoMatchingKeyError,
    PayloadError, TruncatedError, TrailingDataError,
    padme, chunkCount, headerSize, envelopeSize,
    fingerprint, displayFingerprint, headerHash,
    EnvelopeWriter, seal,
    /** For envelope-reader.js, envelope2-header.js and envelope2.js only: shared constants and helpers, not an API. */
    internal: Object.freeze({
      ChunkWriter, FINGERPRINT_LABEL,
      MAGIC, VERSION, CHUNK_LOG2, MAX_RECIPIENTS, FIXED_SIZE, FINGERPRINT_SIZE, KEY_SIZE,
      STANZA_SIZE, STREAM_HEADER_SIZE, CHUNK_SIZE, USED_SIZE, DATA_PER_CHUNK,
      SEALED_CHUNK_SIZE, TAG_MESSAGE, TAG_FINAL, SMALL_CHUNK_LOG2, SMALL_DATA,
      lib, requireBytes, concat, equalBytes, sameFingerprint, releaseState,
    }),
  });
});
