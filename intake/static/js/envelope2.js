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
 * A recipient key's kind is its length: 32 bytes X25519, 1216 bytes X-Wing
 * (libsodium >= 1.0.21 crypto_kem_xwing, draft-connolly-cfrg-xwing-kem).
 * Needs the `sodium` global and envelope.js (ResguardoEnvelope); in a worker
 * importScripts both first (defines self.ResguardoEnvelope2), in node require().
 */
(function (root, factory) {
  'use strict';
  if (typeof module === 'object' && module && module.exports) {
    module.exports = factory(require('./envelope.js'));
  } else {
    root.ResguardoEnvelope2 = factory(root.ResguardoEnvelope);
  }
})(globalThis, function (E) {
  'use strict';

  const {
    ChunkWriter, MAGIC, MAX_RECIPIENTS, FIXED_SIZE, FINGERPRINT_SIZE,
    STREAM_HEADER_SIZE, SEALED_CHUNK_SIZE, SMALL_CHUNK_LOG2, SMALL_DATA, lib, requireBytes, concat, equalBytes,
  } = E.internal;

  const VERSION = 2;
  const ascii = (text) => Uint8Array.from(text, (c) => c.charCodeAt(0));
  const HEADER_LABEL = ascii('resguardo/v2/header\0');
  const COMMIT_LABEL = ascii('resguardo/v2/commitment\0');
  const PAYLOAD_LABEL = ascii('resguardo/v2/payload-key\0');
  const WRAP_LABEL = ascii('resguardo/v2/xwing-wrap\0');
  const SIGN_LABEL = ascii('resguardo/v2/signature\0');
  const XWING_FINGERPRINT_LABEL = ascii('resguardo/v2/xwing-fingerprint\0');
  const X25519_KEY_SIZE = 32;
  const XWING_KEY_SIZE = 1216;
  const XWING_CIPHERTEXT_SIZE = 1120;
  const TYPES = Object.freeze({ x25519: 1, xwing: 2 });
  const KINDS = Object.freeze({ 1: 'x25519', 2: 'xwing' });
  const BODY_SIZE = Object.freeze({ x25519: 80, xwing: XWING_CIPHERTEXT_SIZE + 48 });
  const STANZA_HEAD_SIZE = 3; // type[1] || body_len (u16 BE)
  const TAIL_SIZE = 32 + 32 + STREAM_HEADER_SIZE; // commitment, verify key, stream header: 88
  const SIGNATURE_SIZE = 64;
  const ZERO_NONCE = new Uint8Array(24);

  // ---- errors (keys/errors.py) ----

  /** A v2 stanza names a key type this code does not know (a HeaderError). */
  class UnknownStanzaError extends E.HeaderError {}
  /** A v2 stanza's body is not the length its type requires (a HeaderError). */
  class StanzaLengthError extends E.HeaderError {}
  /** The file key does not match the header's commitment (a HeaderError). */
  class CommitmentError extends E.HeaderError {}
  /** The payload is not the one the writer signed (a PayloadError). */
  class SignatureError extends E.PayloadError {}

  // ---- keys, fingerprints, sizes ----

  /**
   * The kind of a recipient public key, from its length.
   * @param {Uint8Array} publicKey 32 bytes (X25519) or 1216 bytes (X-Wing)
   * @returns {'x25519'|'xwing'}
   * @throws {TypeError|RangeError} for anything else
   */
  function kindOf(publicKey) {
    requireBytes(publicKey, 'a recipient public key');
    if (publicKey.length === X25519_KEY_SIZE) return 'x25519';
    if (publicKey.length === XWING_KEY_SIZE) return 'xwing';
    throw new RangeError('a recipient public key is 32 (X25519) or 1216 (X-Wing) bytes');
  }

  /**
   * Fingerprint of a recipient key of either kind (docs/FORMAT.md "Fingerprints"):
   * X25519 as in v1, X-Wing BLAKE2b-256("resguardo/v2/xwing-fingerprint\0" || pk[1216]).
   * @param {Uint8Array} publicKey
   * @returns {Uint8Array} 32 bytes
   */
  function fingerprint(publicKey) {
    if (kindOf(publicKey) === 'x25519') return E.fingerprint(publicKey);
    return lib().crypto_generichash(FINGERPRINT_SIZE, concat([XWING_FINGERPRINT_LABEL, publicKey]), null);
  }

  /** Bytes of one stanza of `kind`: 115 (x25519) or 1203 (xwing). */
  function stanzaSize(kind) {
    if (!(kind in BODY_SIZE)) throw new RangeError(`unknown key kind ${kind}`);
    return STANZA_HEAD_SIZE + FINGERPRINT_SIZE + BODY_SIZE[kind];
  }

  /** Bytes of a v2 header with one stanza per entry of `kinds`: 12 + sum(stanzas) + 88. */
  function headerSize(kinds) {
    return FIXED_SIZE + kinds.reduce((n, kind) => n + stanzaSize(kind), 0) + TAIL_SIZE;
  }

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

  /** BLAKE2b-256 keyed with `key` over `message` (libsodium crypto_generichash). */
  function kdf(key, message) {
    return lib().crypto_generichash(32, message, key);
  }

  /** ad = BLAKE2b-256("resguardo/v2/header\0" || rawHeader). */
  function headerHash(rawHeader) {
    return lib().crypto_generichash(32, concat([HEADER_LABEL, rawHeader]), null);
  }

  function stanza(key, kind, fileKey) {
    const sodium = lib();
    const fp = fingerprint(key);
    let body;
    if (kind === 'x25519') {
      body = sodium.crypto_box_seal(fileKey, key);
    } else {
      const { ciphertext, sharedSecret } = sodium.crypto_kem_xwing_enc(key);
      const wrapKey = kdf(sharedSecret, concat([WRAP_LABEL, fp]));
      sodium.memzero(sharedSecret);
      body = concat([ciphertext, sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(fileKey, null, null, ZERO_NONCE, wrapKey)]);
      sodium.memzero(wrapKey);
    }
    const head = new Uint8Array(STANZA_HEAD_SIZE);
    head[0] = TYPES[kind];
    new DataView(head.buffer).setUint16(1, body.length, false);
    return concat([head, fp, body]);
  }

  // ---- writer ----

  /**
   * Streams one envelope v2; the same generator protocol as envelope.js's
   * EnvelopeWriter (push() and finish(), then nothing). Pieces: the header,
   * then one 65553-byte piece per sealed chunk, then the 64-byte signature.
   * Recipients may mix X25519 (32-byte) and X-Wing (1216-byte) public keys;
   * duplicates are sealed to once, in first-seen order (as keys/).
   */
  class EnvelopeWriter extends ChunkWriter {
    /**
     * @param {Uint8Array[]} recipients 1..64 distinct public keys
     * @throws {TypeError} if a recipient is not a Uint8Array
     * @throws {RangeError} on a key of another length, no recipient or more than 64
     * @throws {Error} if libsodium refuses an X-Wing key (a low-order X25519 part)
     */
    constructor(recipients) {
      const sodium = lib();
      if (!Array.isArray(recipients)) throw new TypeError('recipients must be an array of Uint8Array');
      const unique = [];
      for (const key of recipients) {
        kindOf(key);
        if (!unique.some((seen) => equalBytes(seen, key))) unique.push(key);
      }
      if (unique.length === 0) throw new RangeError('an envelope needs at least one recipient');
      if (unique.length > MAX_RECIPIENTS) throw new RangeError(`at most ${MAX_RECIPIENTS} recipients`);
      const kinds = unique.map(kindOf);

      const fileKey = sodium.randombytes_buf(32);
      const payloadKey = kdf(fileKey, PAYLOAD_LABEL);
      const { state, header: streamHeader } = sodium.crypto_secretstream_xchacha20poly1305_init_push(payloadKey);
      sodium.memzero(payloadKey);
      const signer = sodium.crypto_sign_keypair();
      const fixed = new Uint8Array(FIXED_SIZE);
      fixed.set(MAGIC, 0);
      fixed[8] = VERSION;
      new DataView(fixed.buffer).setUint16(10, unique.length, false);
      const parts = [fixed, ...unique.map((key, index) => stanza(key, kinds[index], fileKey))];
      parts.push(kdf(fileKey, COMMIT_LABEL), signer.publicKey, streamHeader);
      sodium.memzero(fileKey);

      // The chunk size (byte 9) is known only once the content is (ChunkWriter's `start`).
      const header = concat(parts);
      super(header, null, state, (chunkLog2) => {
        header[9] = chunkLog2;
        return { header, ad: headerHash(header) };
      });
      this._signKey = signer.privateKey;
      this._chunkHash = sodium.crypto_generichash_init(null, 32);
      /** The stanzas' key kinds, in order. */
      this.kinds = kinds;
      /** True if every recipient is X-Wing (the report is post-quantum protected). */
      this.postQuantum = kinds.every((kind) => kind === 'xwing');
      /** Number of distinct recipients the envelope is sealed to. */
      this.recipientCount = unique.length;
      /** Fingerprints (32 bytes each) of the recipients, in stanza order. */
      this.recipients = unique.map(fingerprint);
    }

    _sealed(chunk) {
      lib().crypto_generichash_update(this._chunkHash, chunk);
    }

    *_trailer() {
      const sodium = lib();
      const chunksHash = sodium.crypto_generichash_final(this._chunkHash, 32);
      this._chunkHash = null;
      yield sodium.crypto_sign_detached(concat([SIGN_LABEL, this._ad, chunksHash]), this._signKey);
    }

    _release() {
      const sodium = lib();
      if (this._signKey) sodium.memzero(this._signKey);
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

  return Object.freeze({
    VERSION, SIGNATURE_SIZE, X25519_KEY_SIZE, XWING_KEY_SIZE,
    UnknownStanzaError, StanzaLengthError, CommitmentError, SignatureError,
    SMALL_DATA, kindOf, fingerprint, stanzaSize, headerSize, payloadSize, envelopeSize, headerHash,
    EnvelopeWriter, seal,
    /** For envelope-reader.js only: shared constants and helpers, not an API. */
    internal: Object.freeze({
      TYPES, KINDS, BODY_SIZE, STANZA_HEAD_SIZE, TAIL_SIZE, XWING_CIPHERTEXT_SIZE, ZERO_NONCE,
      COMMIT_LABEL, PAYLOAD_LABEL, WRAP_LABEL, SIGN_LABEL, kdf,
    }),
  });
});
