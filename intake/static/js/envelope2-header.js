/**
 * Resguardo envelope v2, its header: everything of an envelope that does not
 * depend on its content, so that it can be made ahead. docs/FORMAT.md
 * "Envelope v2" is normative; envelope2.js gives the whole layout and is the
 * API (ResguardoEnvelope2 re-exports what is public here). This file holds
 *
 *   header  = "RESGUARD" || 0x02 || chunk_log2 (14 or 16) || count (u16 BE)
 *             || count * ( type[1] || body_len (u16 BE) || fingerprint[32] || body )
 *             || commitment[32] || verify_key[32] || secretstream_header[24]
 *
 * - the format's constants and domain-separation labels, the recipient key
 *   kinds (a key's kind is its length: 32 bytes X25519, 1216 bytes X-Wing,
 *   libsodium >= 1.0.21 crypto_kem_xwing, draft-connolly-cfrg-xwing-kem) and
 *   their fingerprints, the header's sizes and its hash (the AD);
 * - the stanzas: the file key sealed to an X25519 key (crypto_box_seal), or
 *   wrapped under an X-Wing encapsulation (the slow part without a JIT);
 * - PreparedHeader, made in steps by prepareSteps() (prepareHeader() and
 *   prepareHeaderAsync() drive it), possibly long before the content exists
 *   (seal-worker.js makes a few while the reporter writes); ONE EnvelopeWriter
 *   (envelope2.js) then consumes it and sets chunk_log2.
 *
 * Not an API of its own: for envelope2.js (and, through its `internal`,
 * envelope-reader.js). Needs the `sodium` global and envelope.js
 * (ResguardoEnvelope); in a worker importScripts both first (defines
 * self.ResguardoEnvelope2Header, which envelope2.js needs), in node require().
 */
(function (root, factory) {
  'use strict';
  if (typeof module === 'object' && module && module.exports) {
    module.exports = factory(require('./envelope.js'));
  } else {
    root.ResguardoEnvelope2Header = factory(root.ResguardoEnvelope);
  }
})(globalThis, function (E) {
  'use strict';

  const {
    MAGIC, MAX_RECIPIENTS, FIXED_SIZE, FINGERPRINT_SIZE, STREAM_HEADER_SIZE, SMALL_CHUNK_LOG2, CHUNK_LOG2,
    lib, requireBytes, concat, equalBytes, releaseState,
  } = E.internal;

  const VERSION = 2;
  const ascii = (text) => Uint8Array.from(text, (c) => c.charCodeAt(0));
  const HEADER_LABEL = ascii('resguardo/v2/header\0');
  const COMMIT_LABEL = ascii('resguardo/v2/commitment\0');
  const PAYLOAD_LABEL = ascii('resguardo/v2/payload-key\0');
  const WRAP_LABEL = ascii('resguardo/v2/xwing-wrap\0');
  const SIGN_LABEL = ascii('resguardo/v2/signature\0'); // the writer's (envelope2.js): every label in one place
  const XWING_FINGERPRINT_LABEL = ascii('resguardo/v2/xwing-fingerprint\0');
  const X25519_KEY_SIZE = 32;
  const XWING_KEY_SIZE = 1216;
  const XWING_CIPHERTEXT_SIZE = 1120;
  const TYPES = Object.freeze({ x25519: 1, xwing: 2 });
  const KINDS = Object.freeze({ 1: 'x25519', 2: 'xwing' });
  const BODY_SIZE = Object.freeze({ x25519: 80, xwing: XWING_CIPHERTEXT_SIZE + 48 });
  const STANZA_HEAD_SIZE = 3; // type[1] || body_len (u16 BE)
  const TAIL_SIZE = 32 + 32 + STREAM_HEADER_SIZE; // commitment, verify key, stream header: 88
  const ZERO_NONCE = new Uint8Array(24);

  // ---- keys, fingerprints, the header's size and hash ----

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

  return Object.freeze({
    VERSION, X25519_KEY_SIZE, XWING_KEY_SIZE, XWING_CIPHERTEXT_SIZE, TYPES, KINDS, BODY_SIZE, STANZA_HEAD_SIZE,
    TAIL_SIZE, ZERO_NONCE, COMMIT_LABEL, PAYLOAD_LABEL, WRAP_LABEL, SIGN_LABEL,
    kindOf, fingerprint, stanzaSize, headerSize, kdf, headerHash,
    PreparedHeader, prepareSteps, prepareHeader, prepareHeaderAsync, steps, drain,
  });
});

