/**
 * Resguardo envelope reader in JavaScript, v1 and v2: opens what envelope.js,
 * envelope2.js and keys/ write, with every check of docs/FORMAT.md "Reader"
 * (v1) and "Envelope v2, reader", in the same order, and the same error
 * classes as keys/errors.py (defined in envelope.js and envelope2.js).
 *
 * Used by the JS tests (tests/js/) to check the writer and to run the
 * envelope vectors; the intake's seal worker does not load it. Needs the
 * `sodium` global (vendored libsodium), envelope.js, envelope2-header.js and
 * envelope2.js: importScripts them first in a worker (defines self.ResguardoEnvelopeReader), or require() it in
 * node (module.exports). Holds at most one sealed chunk (65553 bytes) of input.
 */
(function (root, factory) {
  'use strict';
  if (typeof module === 'object' && module && module.exports) {
    module.exports = factory(require('./envelope.js'), require('./envelope2.js'));
  } else {
    root.ResguardoEnvelopeReader = factory(root.ResguardoEnvelope, root.ResguardoEnvelope2);
  }
})(globalThis, function (E, E2) {
  'use strict';

  const {
    MAGIC, VERSION, CHUNK_LOG2, MAX_RECIPIENTS, FIXED_SIZE, FINGERPRINT_SIZE, KEY_SIZE,
    STANZA_SIZE, STREAM_HEADER_SIZE, CHUNK_SIZE, USED_SIZE, DATA_PER_CHUNK,
    SEALED_CHUNK_SIZE, TAG_MESSAGE, TAG_FINAL, SMALL_CHUNK_LOG2,
    lib, requireBytes, concat, equalBytes, sameFingerprint, releaseState,
  } = E.internal;
  const {
    HeaderError, UnsupportedVersionError, NoMatchingKeyError, PayloadError,
    TruncatedError, TrailingDataError, chunkCount, fingerprint, headerHash,
  } = E;
  const { UnknownStanzaError, StanzaLengthError, CommitmentError, SignatureError, kindOf } = E2;
  const {
    KINDS, BODY_SIZE, STANZA_HEAD_SIZE, TAIL_SIZE, XWING_CIPHERTEXT_SIZE, ZERO_NONCE,
    COMMIT_LABEL, PAYLOAD_LABEL, WRAP_LABEL, SIGN_LABEL, kdf,
  } = E2.internal;

  /**
   * Opens one envelope v1 fed in pieces of any size, checking every rule the
   * Python reader (keys.EnvelopeReader) checks, in the same order.
   *
   *   const reader = new EnvelopeReader([{ publicKey, secretKey }]);
   *   for (const piece of reader.push(bytes)) use(piece);   // verified chunk by chunk
   *   reader.finish();                                      // verifies the end
   *
   * Content is released chunk by chunk; the end (FINAL tag, no trailing bytes,
   * chunk count) is verified only by finish(): a consumer MUST discard
   * everything it got if push() or finish() throws.
   *
   * Errors: HeaderError (UnsupportedVersionError for a version other than 1
   * or 2; v2: UnknownStanzaError, StanzaLengthError, CommitmentError),
   * NoMatchingKeyError, PayloadError (TruncatedError, TrailingDataError; v2:
   * SignatureError, checked by finish()).
   */
  class EnvelopeReader {
    /**
     * @param {{publicKey: Uint8Array, secretKey: Uint8Array}[]} identities
     *        X25519 keypairs (32 + 32 bytes) or X-Wing keypairs (1216-byte public
     *        key + 32-byte seed); the first that is a recipient opens the envelope
     * @throws {TypeError|RangeError} on malformed keypairs
     */
    constructor(identities) {
      if (!Array.isArray(identities)) throw new TypeError('identities must be an array');
      this._identities = identities.map(({ publicKey, secretKey }) => ({
        kind: kindOf(publicKey),
        publicKey,
        secretKey: requireBytes(secretKey, 'secretKey', KEY_SIZE),
      }));
      this._version = 0;
      this._count = 0;
      this._parts = []; // v2 header bytes read so far
      this._stanzas = [];
      this._stanzaKind = null;
      this._chunkHash = null;
      this._signature = null;
      this._buffer = new Uint8Array(FIXED_SIZE); // input awaiting processing
      this._filled = 0;
      this._stage = 'fixed'; // 'fixed' -> 'header' -> 'chunks' -> 'done'
      this._fixed = null;
      this._chunkLog2 = CHUNK_LOG2;
      this._state = null;
      this._ad = null;
      this._chunks = 0;
      this._contentSize = 0;
      this._dataEnded = false;
      this._finished = false;
      /** Fingerprints (32 bytes each) named in the header, once it is read. */
      this.recipients = null;
    }

    /** Content bytes released so far. @returns {number} */
    get contentSize() {
      return this._contentSize;
    }

    /**
     * Feed envelope bytes; yields verified content pieces.
     * @param {Uint8Array} data any length
     * @yields {Uint8Array} content, in order
     * @throws {HeaderError|NoMatchingKeyError|PayloadError}
     */
    *push(data) {
      requireBytes(data, 'data');
      if (this._finished) throw new Error('push after finish');
      let offset = 0;
      while (offset < data.length) {
        if (this._stage === 'done') {
          throw new TrailingDataError('bytes follow the final chunk');
        }
        const take = Math.min(this._buffer.length - this._filled, data.length - offset);
        this._buffer.set(data.subarray(offset, offset + take), this._filled);
        this._filled += take;
        offset += take;
        if (this._filled < this._buffer.length) break;
        const piece = this._step();
        if (piece) yield piece;
      }
    }

    /**
     * Verify the end of the envelope: it is complete, its FINAL chunk was
     * seen, and the chunk count matches the content size.
     * @throws {HeaderError|PayloadError}
     */
    finish() {
      if (this._finished) throw new Error('finish called twice');
      this._finished = true;
      try {
        if (['fixed', 'header', 'stanza', 'body', 'tail'].includes(this._stage)) {
          throw new HeaderError(this._stage === 'fixed' ? 'too short to be an envelope' : 'the header is cut short');
        }
        if (this._stage === 'signature') {
          throw new TruncatedError('the envelope ends inside its signature');
        }
        if (this._stage !== 'done') {
          throw new TruncatedError('the envelope ends before its final chunk');
        }
        const expected = this._chunkLog2 === SMALL_CHUNK_LOG2 ? 1 : chunkCount(this._contentSize);
        if (this._chunks !== expected) {
          throw new PayloadError('the chunk count does not match the content size');
        }
        if (this._version === 2) {
          const chunksHash = lib().crypto_generichash_final(this._chunkHash, 32);
          this._chunkHash = null;
          const message = concat([SIGN_LABEL, this._ad, chunksHash]);
          if (!lib().crypto_sign_verify_detached(this._signature, message, this._verifyKey)) {
            throw new SignatureError('the payload is not the one this envelope\'s writer signed');
          }
        }
      } finally {
        if (this._chunkHash !== null) lib().crypto_generichash_final(this._chunkHash, 32);
        this._chunkHash = null;
        if (this._state !== null) releaseState(this._state);
        this._state = null;
      }
    }

    /** Process a full buffer; may return a content piece. */
    _step() {
      switch (this._stage) {
        case 'fixed': this._readFixed(); return null;
        case 'header': this._readHeader(); return null;
        case 'stanza': this._readStanzaHead(); return null;
        case 'body': this._readStanzaBody(); return null;
        case 'tail': this._readTail(); return null;
        case 'signature':
          this._signature = this._buffer.slice();
          this._stage = 'done';
          return null;
        default: return this._readChunk();
      }
    }

    _expect(size, stage) {
      this._buffer = new Uint8Array(size);
      this._filled = 0;
      this._stage = stage;
    }

    // ---- v2 header: stanza heads, bodies, tail (docs/FORMAT.md "Envelope v2") ----

    _readStanzaHead() {
      const head = this._buffer.slice();
      const kind = KINDS[head[0]];
      if (!kind) throw new UnknownStanzaError(`stanza type ${head[0]} is not known`);
      const length = new DataView(head.buffer).getUint16(1, false);
      if (length !== BODY_SIZE[kind]) throw new StanzaLengthError(`a ${kind} stanza is ${BODY_SIZE[kind]} bytes, not ${length}`);
      this._parts.push(head);
      this._stanzaKind = kind;
      this._expect(FINGERPRINT_SIZE + length, 'body');
    }

    _readStanzaBody() {
      const rest = this._buffer.slice();
      this._parts.push(rest);
      this._stanzas.push({ kind: this._stanzaKind, fingerprint: rest.slice(0, FINGERPRINT_SIZE), body: rest.slice(FINGERPRINT_SIZE) });
      if (this._stanzas.length < this._count) this._expect(STANZA_HEAD_SIZE, 'stanza');
      else this._expect(TAIL_SIZE, 'tail');
    }

    _readTail() {
      const sodium = lib();
      const tail = this._buffer.slice();
      const stanzas = this._stanzas;
      for (let i = 0; i < stanzas.length; i++) {
        for (let j = 0; j < i; j++) {
          if (sameFingerprint(stanzas[i].fingerprint, stanzas[j].fingerprint)) {
            throw new HeaderError('a recipient appears twice');
          }
        }
      }
      this.recipients = stanzas.map((s) => s.fingerprint);
      const raw = concat([...this._parts, tail]);
      const fileKey = this._unwrapV2(stanzas, tail.subarray(0, 32));
      this._verifyKey = tail.slice(32, 64);
      const payloadKey = kdf(fileKey, PAYLOAD_LABEL);
      sodium.memzero(fileKey);
      try {
        this._state = sodium.crypto_secretstream_xchacha20poly1305_init_pull(tail.slice(64), payloadKey);
      } catch (error) {
        throw new PayloadError('the stream header is invalid');
      } finally {
        sodium.memzero(payloadKey);
      }
      this._ad = E2.headerHash(raw);
      this._chunkHash = sodium.crypto_generichash_init(null, 32);
      this._expect(2 ** this._chunkLog2 + (SEALED_CHUNK_SIZE - CHUNK_SIZE), 'chunks');
    }

    /** The v2 file key from the first identity's stanza, checked against the commitment. */
    _unwrapV2(stanzas, commitment) {
      const sodium = lib();
      for (const identity of this._identities) {
        const mine = E2.fingerprint(identity.publicKey);
        const stanza = stanzas.find((s) => sameFingerprint(s.fingerprint, mine));
        if (!stanza) continue;
        if (stanza.kind !== identity.kind) throw new HeaderError('the stanza addressed to this key has the wrong type');
        let key;
        try {
          if (stanza.kind === 'x25519') {
            key = sodium.crypto_box_seal_open(stanza.body, identity.publicKey, identity.secretKey);
          } else {
            const shared = sodium.crypto_kem_xwing_dec(stanza.body.subarray(0, XWING_CIPHERTEXT_SIZE), identity.secretKey);
            const wrapKey = kdf(shared, concat([WRAP_LABEL, stanza.fingerprint]));
            key = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, stanza.body.subarray(XWING_CIPHERTEXT_SIZE), null, ZERO_NONCE, wrapKey);
          }
        } catch (error) {
          throw new HeaderError('the stanza addressed to this key is corrupt');
        }
        if (!sodium.memcmp(kdf(key, COMMIT_LABEL), commitment)) {
          throw new CommitmentError('the content key does not match the header\'s commitment');
        }
        return key;
      }
      throw new NoMatchingKeyError('none of these keys is a recipient of this envelope');
    }

    _readFixed() {
      const fixed = this._buffer;
      if (!equalBytes(fixed.subarray(0, 8), MAGIC)) {
        throw new HeaderError('not a Resguardo envelope (wrong magic)');
      }
      if (fixed[8] !== VERSION && fixed[8] !== E2.VERSION) {
        throw new UnsupportedVersionError(`envelope version ${fixed[8]} is not supported`);
      }
      if (fixed[9] !== CHUNK_LOG2 && !(fixed[8] === E2.VERSION && fixed[9] === SMALL_CHUNK_LOG2)) {
        throw new HeaderError('unsupported chunk size'); // v2 also has small envelopes (one 16 KiB chunk)
      }
      this._chunkLog2 = fixed[9];
      const count = new DataView(fixed.buffer).getUint16(10, false);
      if (count < 1 || count > MAX_RECIPIENTS) throw new HeaderError('the recipient count is out of range');
      this._version = fixed[8];
      this._count = count;
      this._fixed = fixed.slice();
      if (this._version === E2.VERSION) {
        this._parts = [this._fixed];
        this._expect(STANZA_HEAD_SIZE, 'stanza');
        return;
      }
      this._buffer = new Uint8Array(STANZA_SIZE * count + STREAM_HEADER_SIZE);
      this._filled = 0;
      this._stage = 'header';
    }

    _readHeader() {
      const sodium = lib();
      const body = this._buffer;
      const count = (body.length - STREAM_HEADER_SIZE) / STANZA_SIZE;
      const stanzas = [];
      for (let i = 0; i < count; i++) {
        const raw = body.subarray(i * STANZA_SIZE, (i + 1) * STANZA_SIZE);
        stanzas.push({ fingerprint: raw.slice(0, FINGERPRINT_SIZE), sealedKey: raw.slice(FINGERPRINT_SIZE) });
      }
      for (let i = 0; i < count; i++) {
        for (let j = 0; j < i; j++) {
          if (sameFingerprint(stanzas[i].fingerprint, stanzas[j].fingerprint)) {
            throw new HeaderError('a recipient appears twice');
          }
        }
      }
      this.recipients = stanzas.map((s) => s.fingerprint);
      const raw = concat([this._fixed, body]);
      const contentKey = this._unwrap(stanzas);
      try {
        this._state = sodium.crypto_secretstream_xchacha20poly1305_init_pull(
          body.slice(STANZA_SIZE * count), contentKey);
      } catch (error) {
        throw new PayloadError('the stream header is invalid');
      } finally {
        sodium.memzero(contentKey);
      }
      this._ad = headerHash(raw);
      this._buffer = new Uint8Array(SEALED_CHUNK_SIZE);
      this._filled = 0;
      this._stage = 'chunks';
    }

    /** The content key from the stanza of the first identity that is a recipient. */
    _unwrap(stanzas) {
      const sodium = lib();
      for (const identity of this._identities) {
        if (identity.kind !== 'x25519') continue; // v1 has X25519 stanzas only
        const mine = fingerprint(identity.publicKey);
        const stanza = stanzas.find((s) => sameFingerprint(s.fingerprint, mine));
        if (!stanza) continue;
        let key;
        try {
          key = sodium.crypto_box_seal_open(stanza.sealedKey, identity.publicKey, identity.secretKey);
        } catch (error) {
          throw new HeaderError('the stanza addressed to this key is corrupt');
        }
        if (key.length !== KEY_SIZE) throw new HeaderError('the stanza addressed to this key is malformed');
        return key;
      }
      throw new NoMatchingKeyError('none of these keys is a recipient of this envelope');
    }

    _readChunk() {
      const index = this._chunks;
      // In libsodium-wrappers, pull returns false (it does not throw) when a
      // chunk fails authentication: check explicitly.
      const result = lib().crypto_secretstream_xchacha20poly1305_pull(this._state, this._buffer, this._ad);
      this._filled = 0;
      if (!result) throw new PayloadError(`chunk ${index} failed authentication`);
      this._chunks += 1;
      if (this._chunkHash !== null) lib().crypto_generichash_update(this._chunkHash, this._buffer);
      const { message: framed, tag } = result;
      if (tag !== TAG_MESSAGE && tag !== TAG_FINAL) {
        throw new PayloadError(`chunk ${index} carries an unexpected tag`);
      }
      const small = this._chunkLog2 === SMALL_CHUNK_LOG2;
      if (small && tag !== TAG_FINAL) throw new PayloadError('a small envelope has exactly one chunk');
      const framedSize = 2 ** this._chunkLog2;
      const perChunk = framedSize - USED_SIZE;
      const used = new DataView(framed.buffer, framed.byteOffset, USED_SIZE).getUint32(0, false);
      if (used > perChunk) throw new PayloadError('a chunk claims more data than it can hold');
      if (this._dataEnded && used) throw new PayloadError('data after a short chunk');
      for (let i = USED_SIZE + used; i < framedSize; i++) {
        if (framed[i] !== 0) throw new PayloadError('non-zero padding in a chunk');
      }
      if (used < perChunk) this._dataEnded = true;
      this._contentSize += used;
      if (tag === TAG_FINAL) {
        releaseState(this._state);
        this._state = null;
        if (this._version === E2.VERSION) this._expect(E2.SIGNATURE_SIZE, 'signature');
        else this._stage = 'done';
      }
      return used ? framed.subarray(USED_SIZE, USED_SIZE + used) : null;
    }
  }

  /**
   * Open an in-memory envelope; returns its content.
   * @param {Uint8Array} envelope
   * @param {{publicKey: Uint8Array, secretKey: Uint8Array}[]} identities
   * @returns {Uint8Array}
   * @throws {HeaderError|NoMatchingKeyError|PayloadError}
   */
  function open(envelope, identities) {
    const reader = new EnvelopeReader(identities);
    const pieces = [...reader.push(envelope)];
    reader.finish();
    return concat(pieces);
  }

  return Object.freeze({ EnvelopeReader, open });
});
