/**
 * Resguardo envelope v2 in the browser: X-Wing (post-quantum hybrid) and
 * X25519 stanzas, a key-committing header and a signed payload; the same
 * bytes as keys/envelope2.py writes. docs/FORMAT.md "Envelope v2" is normative:
 *
 *   header  = "RESGUARD" || 0x02 || chunk_log2 (14 or 16) || count (u16 BE)
 *             || count * ( type[1] || body_len (u16 BE) || fingerprint[32] || body )
 *             || commitment[32] || verify_key[32] || secretstream_header[24]
 *   type 1 (X25519, 32-byte key):   body = crypto_box_seal(file_key)                  (80)
 *   type 2 (X-Wing, 1216-byte key): body = ct[1120] || XChaCha20-Poly1305(file_key)   (1168)
 *       (ct, ss) = crypto_kem_xwing_enc(pk); wrap_key = BLAKE2b-256(key=ss, "resguardo/v2/xwing-wrap\0" || fingerprint)
 *   commitment  = BLAKE2b-256(key=file_key, "resguardo/v2/commitment\0")
 *   payload_key = BLAKE2b-256(key=file_key, "resguardo/v2/payload-key\0")
 *   ad          = BLAKE2b-256("resguardo/v2/header\0" || header)
 *   chunks      = as v1 (envelope.js), under payload_key, with ad; but content of at
 *                 most 16380 bytes is ONE chunk of 16384 framed bytes (chunk_log2 14)
 *   signature   = crypto_sign_detached("resguardo/v2/signature\0" || ad || BLAKE2b-256(chunks), sign_key)
 *
 * Everything but chunk_log2 can be made before the content exists:
 * envelope2-header.js makes it, a PreparedHeader (the stanzas, i.e. the slow
 * encapsulations, the commitment, the keys), which ONE EnvelopeWriter here
 * then consumes (seal-worker.js makes a few while the reporter writes). This
 * file holds the rest: the errors, the payload's and envelope's sizes, the
 * writer and the signature, and the API (what envelope2-header.js makes
 * public is re-exported here: callers use ResguardoEnvelope2 alone).
 *
 * A recipient key's kind is its length: 32 bytes X25519, 1216 bytes X-Wing
 * (libsodium >= 1.0.21 crypto_kem_xwing, draft-connolly-cfrg-xwing-kem).
 * Needs the `sodium` global, envelope.js (ResguardoEnvelope) and
 * envelope2-header.js (ResguardoEnvelope2Header); in a worker importScripts
 * the three first (defines self.ResguardoEnvelope2), in node require().
 */
(function (root, factory) {
  'use strict';
  if (typeof module === 'object' && module && module.exports) {
    module.exports = factory(require('./envelope.js'), require('./envelope2-header.js'));
  } else {
    root.ResguardoEnvelope2 = factory(root.ResguardoEnvelope, root.ResguardoEnvelope2Header);
  }
})(globalThis, function (E, H) {
  'use strict';

  const { ChunkWriter, SEALED_CHUNK_SIZE, SMALL_CHUNK_LOG2, SMALL_DATA, lib, concat } = E.internal;
  const {
    VERSION, X25519_KEY_SIZE, XWING_KEY_SIZE, PreparedHeader, kindOf, fingerprint, stanzaSize, headerSize, headerHash,
    prepareSteps, prepareHeader, prepareHeaderAsync, steps, drain,
    // for envelope-reader.js, through `internal` below
    TYPES, KINDS, BODY_SIZE, STANZA_HEAD_SIZE, TAIL_SIZE, XWING_CIPHERTEXT_SIZE, ZERO_NONCE,
    COMMIT_LABEL, PAYLOAD_LABEL, WRAP_LABEL, SIGN_LABEL, kdf,
  } = H;
  const SIGNATURE_SIZE = 64;

  // ---- errors (keys/errors.py) ----

  /** A v2 stanza names a key type this code does not know (a HeaderError). */
  class UnknownStanzaError extends E.HeaderError {}
  /** A v2 stanza's body is not the length its type requires (a HeaderError). */
  class StanzaLengthError extends E.HeaderError {}
  /** The file key does not match the header's commitment (a HeaderError). */
  class CommitmentError extends E.HeaderError {}
  /** The payload is not the one the writer signed (a PayloadError). */
  class SignatureError extends E.PayloadError {}

  // ---- sizes ----

  /** Bytes of the sealed chunks of `contentSize` content bytes (docs/FORMAT.md "V2 padding"):
   * one 16 KiB chunk (16401) up to 16380 bytes, else Padmé-padded 64 KiB chunks (65553 each). */
  function payloadSize(contentSize) {
    const chunks = E.chunkCount(contentSize); // also checks contentSize
    return contentSize <= SMALL_DATA ? 2 ** SMALL_CHUNK_LOG2 + 17 : chunks * SEALED_CHUNK_SIZE;
  }

  /** Exact bytes of a v2 envelope: header, chunks (payloadSize), 64-byte signature. */
  function envelopeSize(contentSize, kinds) {
    return headerSize(kinds) + payloadSize(contentSize) + SIGNATURE_SIZE;
  }

  // ---- writer ----

  /**
   * Streams one envelope v2; the same generator protocol as envelope.js's
   * EnvelopeWriter (push() and finish(), then nothing). Pieces: the header,
   * then one piece per sealed chunk (16401 or 65553 bytes), then the 64-byte
   * signature. A writer whose PreparedHeader was made with a Web Crypto
   * platform (prepareHeaderAsync) signs asynchronously: it is finished with
   * finishAsync() (an async generator; finish() refuses it).
   * Recipients may mix X25519 (32-byte) and X-Wing (1216-byte) public keys;
   * duplicates are sealed to once, in first-seen order (as keys/).
   *
   * Given a PreparedHeader instead of keys, the writer consumes it (it must
   * not have been used: see PreparedHeader) and does no per-recipient work:
   * the encapsulations were done ahead. The bytes are the same either way.
   */
  class EnvelopeWriter extends ChunkWriter {
    /**
     * @param {Uint8Array[]|PreparedHeader} recipients 1..64 distinct public keys, or a header made ahead for them
     * @throws {TypeError} if a recipient is not a Uint8Array
     * @throws {RangeError} on a key of another length, no recipient or more than 64
     * @throws {Error} if libsodium refuses an X-Wing key (a low-order X25519 part),
     *         or the PreparedHeader was used before
     */
    constructor(recipients) {
      const prepared = recipients instanceof PreparedHeader ? recipients : drain(steps(recipients, false));
      const { keys, kinds, recipients: fingerprints } = prepared;
      const { header, ads, state, signKey, sign } = prepared.take();
      // The chunk size (byte 9) is known only once the content is (ChunkWriter's `start`).
      super(header, null, state, (chunkLog2) => {
        header[9] = chunkLog2;
        return { header, ad: ads[chunkLog2] || headerHash(header) };
      });
      this._signKey = signKey;
      this._sign = sign || null;
      this._chunkHash = lib().crypto_generichash_init(null, 32);
      /** The stanzas' key kinds, in order. */
      this.kinds = kinds;
      /** True if every recipient is X-Wing (the report is post-quantum protected). */
      this.postQuantum = kinds.every((kind) => kind === 'xwing');
      /** Number of distinct recipients the envelope is sealed to. */
      this.recipientCount = keys.length;
      /** Fingerprints (32 bytes each) of the recipients, in stanza order. */
      this.recipients = fingerprints;
    }

    _sealed(chunk) {
      lib().crypto_generichash_update(this._chunkHash, chunk);
    }

    /**
     * ChunkWriter.finish(), for a writer whose header was made without Web
     * Crypto; a Web Crypto one signs asynchronously and is refused (no
     * Promise where the signature's bytes go): use finishAsync().
     * @throws {TypeError} when first iterated, for a Web Crypto writer (then aborted: wiped)
     */
    *finish() {
      if (this._sign) {
        this.abort();
        throw new TypeError('a writer whose header was made with Web Crypto is finished with finishAsync()');
      }
      yield* super.finish();
    }

    /** finish() for any writer, as an async generator: every piece bytes (the signature awaited). */
    async *finishAsync() {
      for (const piece of super.finish()) yield piece instanceof Promise ? await piece : piece;
    }

    *_trailer() {
      const sodium = lib();
      const chunksHash = sodium.crypto_generichash_final(this._chunkHash, 32);
      this._chunkHash = null;
      const message = concat([SIGN_LABEL, this._ad, chunksHash]);
      // A Web Crypto key signs asynchronously: the last piece is then a Promise of the 64 bytes (finishAsync awaits it).
      yield this._sign ? this._sign(this._signKey, message) : sodium.crypto_sign_detached(message, this._signKey);
    }

    _release() {
      const sodium = lib();
      if (this._signKey instanceof Uint8Array) sodium.memzero(this._signKey);
      this._signKey = null;
      if (this._chunkHash !== null) sodium.crypto_generichash_final(this._chunkHash, 32); // releases its state
      this._chunkHash = null;
    }

    /** Total envelope bytes once finished. @returns {number} */
    get size() {
      return envelopeSize(this._contentSize, this.kinds);
    }
  }

  /**
   * Seal `content` in memory as a v2 envelope.
   * @param {Uint8Array[]} recipients 32- or 1216-byte public keys
   * @param {Uint8Array} content
   * @returns {Uint8Array}
   */
  function seal(recipients, content) {
    const writer = new EnvelopeWriter(recipients);
    return concat([...writer.push(content), ...writer.finish()]);
  }

  /**
   * seal(), with a webcrypto.js `platform` for the X25519 and Ed25519 parts
   * (libsodium.js alone if null): the same envelope format.
   * @param {Uint8Array[]} recipients 32- or 1216-byte public keys
   * @param {Uint8Array} content
   * @param {object|null} platform
   * @returns {Promise<Uint8Array>}
   */
  async function sealAsync(recipients, content, platform) {
    const writer = new EnvelopeWriter(await prepareHeaderAsync(recipients, platform));
    const pieces = [...writer.push(content)];
    for await (const piece of writer.finishAsync()) pieces.push(piece);
    return concat(pieces);
  }

  return Object.freeze({
    VERSION, SIGNATURE_SIZE, X25519_KEY_SIZE, XWING_KEY_SIZE,
    UnknownStanzaError, StanzaLengthError, CommitmentError, SignatureError,
    SMALL_DATA, kindOf, fingerprint, stanzaSize, headerSize, payloadSize, envelopeSize, headerHash,
    EnvelopeWriter, PreparedHeader, prepareSteps, prepareHeader, prepareHeaderAsync, seal, sealAsync,
    /** For envelope-reader.js only: shared constants and helpers, not an API. */
    internal: Object.freeze({
      TYPES, KINDS, BODY_SIZE, STANZA_HEAD_SIZE, TAIL_SIZE, XWING_CIPHERTEXT_SIZE, ZERO_NONCE,
      COMMIT_LABEL, PAYLOAD_LABEL, WRAP_LABEL, SIGN_LABEL, kdf,
    }),
  });
});
