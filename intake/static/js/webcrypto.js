/**
 * The browser's own X25519 and Ed25519 (Web Crypto) for the envelope v2
 * writer: the parts of a seal that libsodium.js, without a JIT, does slowly.
 *
 * With WebAssembly (Tor Browser "Standard") libsodium.js does everything fast.
 * Without it (Tor Browser "Safer", Chromium --jitless) libsodium.js runs as
 * interpreted asm.js: one X-Wing encapsulation takes about 100 ms, of which
 * the two X25519 scalar multiplications are about 75 ms and ML-KEM-768 about
 * 15 ms; the per-envelope Ed25519 key and signature take about 40 ms
 * (bench/seal_breakdown.py). Web Crypto's X25519 and Ed25519 (W3C Web
 * Cryptography API, "Secure Curves"; Chromium >= 133, Firefox >= 130, so Tor
 * Browser 15 and later) are the browser's native code either way.
 *
 * So a provider made here composes X-Wing exactly as keys/xwing.py does, from
 * well-kept implementations only (draft-connolly-cfrg-xwing-kem, Encaps):
 *
 *   (ss_M, ct_M) = ML-KEM-768.Encaps(pk_M)            libsodium.js crypto_kem_mlkem768_enc (FIPS 203)
 *   ek_X random; ct_X = X25519(ek_X, 9)                Web Crypto generateKey('X25519'), its public key
 *   ss_X = X25519(ek_X, pk_X)                          Web Crypto deriveBits('X25519', 256 bits)
 *   ss   = SHA3-256(ss_M || ss_X || ct_X || pk_X || "\.//^\")   libsodium.js crypto_hash_sha3256
 *   ct   = ct_M[1088] || ct_X[32]
 *
 * and makes the per-envelope Ed25519 signing key with Web Crypto (RFC 8032
 * Ed25519, deterministic: the same signature as libsodium's for the same key).
 * The envelope bytes are those libsodium's crypto_kem_xwing_enc and
 * crypto_sign_* would make (tests/js/webcrypto.test.js checks the composition
 * against crypto_kem_xwing_enc_deterministic); only which code did the curve
 * arithmetic differs.
 *
 * Secrets: the ephemeral X25519 key and the signing key are generated
 * non-extractable, so their secret halves never enter JavaScript memory; the
 * shared secrets that do are wiped (sodium.memzero) once combined.
 * Randomness: Web Crypto's generateKey (the browser's CSPRNG, seeded by the
 * OS) for the two keys, libsodium's randombytes (crypto.getRandomValues) for
 * ML-KEM.
 *
 * create() returns a provider only after known-answer tests pass (RFC 7748
 * section 6.1, RFC 8032 section 7.1 TEST 1) and keys generated as a seal
 * generates them prove right (their public halves agree with an RFC-checked
 * key, their signatures verify in libsodium, none comes twice); a browser
 * without Web Crypto X25519 or Ed25519, or one that answers wrongly, gets
 * null, and the writer uses libsodium.js for everything, as before. These
 * catch a broken platform, not a hostile one: a browser that lies
 * consistently (or draws predictable keys) can also read the page.
 *
 * Needs the `sodium` global (libsodium.js); in a worker importScripts it after
 * sodium.js (defines self.ResguardoWebCrypto), in node require().
 */
(function (root, factory) {
  'use strict';
  if (typeof module === 'object' && module && module.exports) {
    module.exports = factory();
  } else {
    root.ResguardoWebCrypto = factory();
  }
})(globalThis, function () {
  'use strict';

  const MLKEM_PUBLIC_KEY_SIZE = 1184;
  const XWING_PUBLIC_KEY_SIZE = 1216;
  const XWING_LABEL = Uint8Array.of(0x5c, 0x2e, 0x2f, 0x2f, 0x5e, 0x5c); // "\.//^\"
  const BASE_POINT = Uint8Array.from({ length: 32 }, (_, index) => (index === 0 ? 9 : 0));
  const X25519 = Object.freeze({ name: 'X25519' });
  const ED25519 = Object.freeze({ name: 'Ed25519' });
  // PKCS #8 PrivateKeyInfo of a 32-byte X25519 / Ed25519 private key (RFC 8410 section 7).
  const PKCS8_X25519 = hex('302e020100300506032b656e04220420');
  const PKCS8_ED25519 = hex('302e020100300506032b657004220420');

  function hex(text) {
    return Uint8Array.from(text.match(/../g), (pair) => parseInt(pair, 16));
  }

  function concat(parts) {
    const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
    let offset = 0;
    for (const part of parts) {
      out.set(part, offset);
      offset += part.length;
    }
    return out;
  }

  function equal(a, b) {
    return a.length === b.length && a.every((byte, index) => byte === b[index]);
  }

  /** A low-order X25519 point (Web Crypto refuses the all-zero result, as libsodium does). */
  class LowOrderError extends Error {}

  /**
   * A provider over `subtle` and `sodium`, or null if `subtle` lacks X25519 or
   * Ed25519, fails a known-answer test, or has not answered them within
   * `timeoutMs` (the seal worker says 'ready' only after this: a Web Crypto
   * that never answers must not keep browser sealing from starting).
   * probe() also says which of these it was.
   * @param {SubtleCrypto|undefined} subtle globalThis.crypto.subtle (undefined outside a secure context)
   * @param {object} sodium libsodium.js, ready
   * @param {number} [timeoutMs] milliseconds, default 10 000
   * @returns {Promise<null|{name: string, encapsulate: Function, signingKey: Function, sign: Function}>}
   *          never rejects
   */
  async function create(subtle, sodium, timeoutMs = 10000) {
    return (await probe(subtle, sodium, timeoutMs)).provider;
  }

  /**
   * create(), and why there is no provider when there is none: `status` is
   * 'native' (a provider: the checks passed), 'absent' (no SubtleCrypto, as
   * outside a secure context, or one that does not know X25519 or Ed25519:
   * a NotSupportedError, what the W3C Web Cryptography API gives for an
   * algorithm it does not recognize) or 'failed' (it knows them, but a
   * known-answer or generated-key check gave a wrong answer or threw another
   * error, or the checks did not end within `timeoutMs`).
   * @param {SubtleCrypto|undefined} subtle
   * @param {object} sodium libsodium.js, ready
   * @param {number} [timeoutMs] milliseconds, default 10 000
   * @returns {Promise<{status: 'native'|'absent'|'failed', provider: object|null}>} never rejects
   */
  async function probe(subtle, sodium, timeoutMs = 10000) {
    if (!subtle || typeof subtle.deriveBits !== 'function') return { status: 'absent', provider: null };
    let timer = null;
    const late = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error('Web Crypto did not answer in time')), timeoutMs);
    });
    try {
      await Promise.race([knownAnswers(subtle, sodium), late]);
    } catch (error) {
      return { status: error && error.name === 'NotSupportedError' ? 'absent' : 'failed', provider: null };
    } finally {
      clearTimeout(timer);
    }
    return { status: 'native', provider: provider(subtle, sodium) };
  }

  /**
   * RFC 7748 section 6.1 (Alice's private key with Bob's public key gives K)
   * and RFC 8032 section 7.1 TEST 1 (the empty message's signature); and
   * keys that are generated, as a seal makes them, are right (generatedKeys).
   * @throws {Error} on any difference
   */
  async function knownAnswers(subtle, sodium) {
    const alice = await subtle.importKey('pkcs8',
      concat([PKCS8_X25519, hex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a')]),
      X25519, false, ['deriveBits']);
    const bob = await subtle.importKey('raw',
      hex('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f'), X25519, false, []);
    const shared = new Uint8Array(await subtle.deriveBits({ name: 'X25519', public: bob }, alice, 256));
    if (!equal(shared, hex('4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742'))) {
      throw new Error('Web Crypto X25519 gave a wrong answer');
    }
    const signer = await subtle.importKey('pkcs8',
      concat([PKCS8_ED25519, hex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60')]),
      ED25519, false, ['sign']);
    const signature = new Uint8Array(await subtle.sign(ED25519, signer, new Uint8Array(0)));
    if (!equal(signature, hex('e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155'
      + '5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b'))) {
      throw new Error('Web Crypto Ed25519 gave a wrong answer');
    }
    await generatedKeys(subtle, sodium, alice);
  }

  /**
   * A seal uses generated keys and their exported public halves, which the
   * RFC answers (imported keys) do not exercise: two generated X25519 pairs
   * each agree with the RFC-checked key `alice` on a shared secret, a
   * generated Ed25519 pair signs what libsodium (the reviewers' reader)
   * verifies, and no pair of either kind comes twice (a generator without randomness would
   * make every envelope's verify key, or ct_X, the same: linkable).
   * @throws {Error} on any difference
   */
  async function generatedKeys(subtle, sodium, alice) {
    const alicePublic = hex('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a'); // RFC 7748 6.1
    const derive = async (privateKey, point) => new Uint8Array(await subtle.deriveBits(
      { name: 'X25519', public: await subtle.importKey('raw', point, X25519, false, []) }, privateKey, 256));
    const seen = { x: [], ed: [] };
    for (let round = 0; round < 2; round++) {
      const pair = await subtle.generateKey(X25519, false, ['deriveBits']);
      const publicKey = new Uint8Array(await subtle.exportKey('raw', pair.publicKey));
      if (!equal(await derive(pair.privateKey, alicePublic), await derive(alice, publicKey))) {
        throw new Error('a generated Web Crypto X25519 key does not match its public half');
      }
      const signer = await subtle.generateKey(ED25519, false, ['sign']);
      const verifyKey = new Uint8Array(await subtle.exportKey('raw', signer.publicKey));
      if (round === 0) { // one libsodium verification: about 80 ms without a JIT
        const message = sodium.randombytes_buf(32);
        const signature = new Uint8Array(await subtle.sign(ED25519, signer.privateKey, message));
        if (!sodium.crypto_sign_verify_detached(signature, message, verifyKey)) {
          throw new Error('a generated Web Crypto Ed25519 key signs what libsodium does not verify');
        }
      }
      seen.x.push(publicKey);
      seen.ed.push(verifyKey);
    }
    if (equal(seen.x[0], seen.x[1]) || equal(seen.ed[0], seen.ed[1])) {
      throw new Error('Web Crypto generated the same key twice');
    }
  }

  function provider(subtle, sodium) {
    /** X25519(ek, point) as 32 bytes. @throws {LowOrderError} on the all-zero result */
    async function x25519(privateKey, point) {
      const publicKey = await subtle.importKey('raw', point, X25519, false, []);
      try {
        return new Uint8Array(await subtle.deriveBits({ name: 'X25519', public: publicKey }, privateKey, 256));
      } catch (error) {
        throw new LowOrderError('the X25519 part of an X-Wing key is a low-order point');
      }
    }

    /**
     * X-Wing Encaps (draft-connolly-cfrg-xwing-kem) of a 1216-byte public key;
     * `seed` (64 bytes, tests only) makes it EncapsulateDerand: ML-KEM's m is
     * seed[0:32], the ephemeral X25519 key seed[32:64], as
     * crypto_kem_xwing_enc_deterministic.
     * @param {Uint8Array} publicKey pk_M[1184] || pk_X[32]
     * @param {Uint8Array} [seed]
     * @returns {Promise<{ciphertext: Uint8Array, sharedSecret: Uint8Array}>} 1120 and 32 bytes
     * @throws {RangeError} if the key is not 1216 bytes
     * @throws {Error} if libsodium refuses the ML-KEM part (FIPS 203 key check)
     * @throws {LowOrderError} if the X25519 part is a low-order point
     */
    async function encapsulate(publicKey, seed = null) {
      if (!(publicKey instanceof Uint8Array) || publicKey.length !== XWING_PUBLIC_KEY_SIZE) {
        throw new RangeError('an X-Wing public key is 1216 bytes');
      }
      const publicM = publicKey.subarray(0, MLKEM_PUBLIC_KEY_SIZE);
      const publicX = publicKey.slice(MLKEM_PUBLIC_KEY_SIZE);
      let ephemeral;
      let ctX;
      if (seed === null) {
        const pair = await subtle.generateKey(X25519, false, ['deriveBits']);
        ephemeral = pair.privateKey;
        ctX = new Uint8Array(await subtle.exportKey('raw', pair.publicKey));
      } else {
        ephemeral = await subtle.importKey('pkcs8', concat([PKCS8_X25519, seed.subarray(32, 64)]),
          X25519, false, ['deriveBits']);
        ctX = await x25519(ephemeral, BASE_POINT);
      }
      const ssX = await x25519(ephemeral, publicX);
      let mlkem = null;
      let input = null;
      try {
        mlkem = seed === null
          ? sodium.crypto_kem_mlkem768_enc(publicM)
          : sodium.crypto_kem_mlkem768_enc_deterministic(publicM, seed.slice(0, 32));
        input = concat([mlkem.sharedSecret, ssX, ctX, publicX, XWING_LABEL]);
        return { ciphertext: concat([mlkem.ciphertext, ctX]), sharedSecret: sodium.crypto_hash_sha3256(input) };
      } finally {
        sodium.memzero(ssX);
        if (mlkem !== null) sodium.memzero(mlkem.sharedSecret);
        if (input !== null) sodium.memzero(input);
      }
    }

    /**
     * A fresh Ed25519 key pair; the private half is non-extractable.
     * @returns {Promise<{privateKey: CryptoKey, publicKey: Uint8Array}>} publicKey: 32 bytes
     */
    async function signingKey() {
      const pair = await subtle.generateKey(ED25519, false, ['sign']);
      return { privateKey: pair.privateKey, publicKey: new Uint8Array(await subtle.exportKey('raw', pair.publicKey)) };
    }

    /**
     * Ed25519 signature (RFC 8032) of `message` with a key from signingKey().
     * @returns {Promise<Uint8Array>} 64 bytes
     */
    async function sign(privateKey, message) {
      return new Uint8Array(await subtle.sign(ED25519, privateKey, message));
    }

    return Object.freeze({ name: 'webcrypto', encapsulate, signingKey, sign });
  }

  return Object.freeze({ create, probe, LowOrderError });
});
