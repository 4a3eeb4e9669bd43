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
 * prepareHeader()/prepareSteps() make a PreparedHeader (the stanzas, i.e. the
 * slow encapsulations, the commitment, the keys), which ONE EnvelopeWriter
 * then consumes (seal-worker.js makes a few while the reporter writes).
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
    STREAM_HEADER_SIZE, SEALED_CHUNK_SIZE, SMALL_CHUNK_LOG2, CHUNK_LOG2, SMALL_DATA, lib, requireBytes, concat, equalBytes,
    releaseState,
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

  /**
   * One stanza for `key` (of `kind`, fingerprint `fp`), wrapping `fileKey`:
   * type || body_len || fp || body. A generator (see steps()): with a
   * `platform` (webcrypto.js) the X-Wing encapsulation is its Promise, yielded
   * for the driver to await; without, it runs here, in libsodium.js.
   */
  function* stanza(key, kind, fp, fileKey, platform) {
    const sodium = lib();
    let body;
    if (kind === 'x25519') {
      body = sodium.crypto_box_seal(fileKey, key);
    } else {
      const { ciphertext, sharedSecret } = platform
        ? yield platform.encapsulate(key)
        : sodium.crypto_kem_xwing_enc(key);
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

  /**
   * The distinct recipients of `recipients`, in first-seen order (as keys/).
   * @throws {TypeError} if it is not an array of Uint8Array
   * @throws {RangeError} on a key of another length, no recipient or more than 64
   */
  function distinct(recipients) {
    if (!Array.isArray(recipients)) throw new TypeError('recipients must be an array of Uint8Array');
    const unique = [];
    for (const key of recipients) {
      kindOf(key);
      if (!unique.some((seen) => equalBytes(seen, key))) unique.push(key);
    }
    if (unique.length === 0) throw new RangeError('an envelope needs at least one recipient');
    if (unique.length > MAX_RECIPIENTS) throw new RangeError(`at most ${MAX_RECIPIENTS} recipients`);
    return unique;
  }

  // ---- the content-independent part, made ahead ----

  /**
   * Everything of one v2 envelope that does not depend on its content: the
   * header (a fresh file key encapsulated to every recipient, its commitment,
   * a fresh signing key's verify key, a fresh secretstream header), the
   * secretstream state and the signing key, and the header's AD for both chunk
   * sizes. Made by prepareHeader()/prepareSteps(), possibly long before the
   * content exists (seal-worker.js makes a few while the reporter writes);
   * consumed by exactly one EnvelopeWriter. The file key itself is wiped as
   * soon as the stanzas, the commitment and the payload key are made.
   *
   * Secret until used: the stream state (payload key and nonce, in
   * libsodium's heap) and the signing key (32+32 bytes in libsodium's format,
   * or, when made with a webcrypto.js provider, a non-extractable Web Crypto
   * key that `sign` uses; it cannot be wiped, only dropped). A prepared header is used ONCE:
   * take() refuses a second use (two envelopes under one file key and stream
   * header would share a keystream); discard() wipes an unused one.
   */
  class PreparedHeader {
    constructor(parts) {
      this._parts = parts;
      /** The recipients' public keys (distinct, stanza order). */
      this.keys = parts.keys;
      /** The stanzas' key kinds, in order. */
      this.kinds = parts.kinds;
      /** Fingerprints (32 bytes each) of the recipients, in stanza order. */
      this.recipients = parts.fingerprints;
    }

    /** True while neither take() nor discard() was called. @returns {boolean} */
    get usable() {
      return this._parts !== null;
    }

    /**
     * True if this header was made for exactly `recipients` (after removing
     * duplicates, in the same order): what EnvelopeWriter(recipients) would seal to.
     * @param {Uint8Array[]} recipients
     * @returns {boolean}
     */
    isFor(recipients) {
      let unique;
      try {
        unique = distinct(recipients);
      } catch (_) {
        return false;
      }
      return unique.length === this.keys.length && unique.every((key, index) => equalBytes(key, this.keys[index]));
    }

    /**
     * Hand the secrets over to one writer; the header is unusable afterwards.
     * @returns {{header: Uint8Array, ads: object, state: number, signKey: Uint8Array|CryptoKey, sign: Function|null}}
     * @throws {Error} if it was taken or discarded before
     */
    take() {
      if (this._parts === null) throw new Error('a prepared envelope header is used once only');
      const parts = this._parts;
      this._parts = null;
      return parts;
    }

    /** Wipe the secrets of a header that will not be used (no-op once taken). */
    discard() {
      if (this._parts === null) return;
      const { state, signKey } = this.take();
      releaseState(state);
      if (signKey instanceof Uint8Array) lib().memzero(signKey);
    }
  }

  /**
   * Make a PreparedHeader for `recipients` in steps: a generator that yields
   * `undefined` after each stanza (each X-Wing encapsulation; 0.1 s or more
   * each in libsodium.js without a JIT) and returns the PreparedHeader, with
   * the header's AD for both chunk sizes computed too (nothing per recipient
   * is left for the writer), so a worker can answer messages in between.
   * With a `platform` (webcrypto.js create()) it also yields Promises: the
   * Web Crypto parts (the Ed25519 signing key, each X-Wing encapsulation);
   * the driver awaits each and passes its value back with next(value), or its
   * rejection with throw(error). prepareHeaderAsync() is such a driver.
   * Abandoning it early (return()) wipes what it made.
   * @param {Uint8Array[]} recipients 1..64 public keys, 32 (X25519) or 1216 (X-Wing) bytes
   * @param {object|null} [platform] a webcrypto.js provider, or null for libsodium.js alone
   * @returns {Generator<undefined|Promise, PreparedHeader>}
   * @throws {TypeError|RangeError} as EnvelopeWriter, when first advanced
   * @throws {Error} if libsodium (or Web Crypto) refuses an X-Wing key (a low-order X25519 part)
   */
  function prepareSteps(recipients, platform = null) {
    return steps(recipients, true, platform);
  }

  /**
   * prepareSteps; `withAds` false leaves the AD to the writer (one hash, not two).
   * Randomness is drawn in the order the writer always drew it: the file key,
   * the secretstream header, the signing key, then each stanza.
   */
  function* steps(recipients, withAds, platform = null) {
    const sodium = lib();
    const keys = distinct(recipients);
    const kinds = keys.map(kindOf);
    const fingerprints = keys.map(fingerprint); // once per key and envelope
    const fileKey = sodium.randombytes_buf(32);
    let state = null;
    let signKey = null;
    let made = false;
    try {
      const payloadKey = kdf(fileKey, PAYLOAD_LABEL);
      const pushed = sodium.crypto_secretstream_xchacha20poly1305_init_push(payloadKey);
      sodium.memzero(payloadKey);
      state = pushed.state;
      const signer = platform ? yield platform.signingKey() : sodium.crypto_sign_keypair();
      signKey = signer.privateKey;
      const fixed = new Uint8Array(FIXED_SIZE);
      fixed.set(MAGIC, 0);
      fixed[8] = VERSION;
      new DataView(fixed.buffer).setUint16(10, keys.length, false);
      const parts = [fixed];
      for (const [index, key] of keys.entries()) {
        parts.push(yield* stanza(key, kinds[index], fingerprints[index], fileKey, platform));
        yield;
      }
      parts.push(kdf(fileKey, COMMIT_LABEL), signer.publicKey, pushed.header);
      sodium.memzero(fileKey);
      const header = concat(parts); // byte 9 (chunk_log2) is set by the writer
      const ads = {};
      if (withAds) {
        for (const chunkLog2 of [SMALL_CHUNK_LOG2, CHUNK_LOG2]) {
          header[9] = chunkLog2;
          ads[chunkLog2] = headerHash(header);
        }
        header[9] = 0;
      }
      made = true;
      const sign = platform ? platform.sign : null;
      return new PreparedHeader({ header, ads, state, signKey, sign, keys, kinds, fingerprints });
    } finally {
      sodium.memzero(fileKey);
      if (!made) {
        if (state !== null) releaseState(state);
        if (signKey instanceof Uint8Array) sodium.memzero(signKey);
      }
    }
  }

  /**
   * A PreparedHeader for `recipients`, made at once (prepareSteps run to its end).
   * @param {Uint8Array[]} recipients
   * @returns {PreparedHeader}
   */
  function prepareHeader(recipients) {
    return drain(prepareSteps(recipients));
  }

  /** Run a steps() generator made without a platform to its end; its PreparedHeader. */
  function drain(generator) {
    for (;;) {
      const step = generator.next();
      if (step.done) return step.value;
    }
  }

  /**
   * Make a PreparedHeader for `recipients`, with a webcrypto.js `platform`
   * (or libsodium.js alone if null): prepareSteps driven to its end.
   * @param {Uint8Array[]} recipients 1..64 public keys, 32 or 1216 bytes
   * @param {object|null} platform
   * @param {{between?: () => Promise<void>, stopped?: () => boolean}} [options]
   *   `between` is awaited after each stanza (a worker lets its messages run);
   *   if `stopped()` is then true the header is abandoned (wiped) and null returned
   * @returns {Promise<PreparedHeader|null>}
   * @throws {TypeError|RangeError|Error} as prepareSteps (the rejection of this Promise)
   */
  async function prepareHeaderAsync(recipients, platform, options = {}) {
    const generator = prepareSteps(recipients, platform);
    let input;
    let failure = null;
    for (;;) {
      const step = failure === null ? generator.next(input) : generator.throw(failure);
      if (step.done) return step.value;
      input = undefined;
      failure = null;
      if (step.value instanceof Promise) {
        try {
          input = await step.value;
        } catch (error) {
          failure = error; // thrown into the generator: its finally wipes what it made
        }
      } else if (options.between) {
        await options.between();
        if (options.stopped && options.stopped()) {
          generator.return();
          return null;
        }
      }
    }
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
