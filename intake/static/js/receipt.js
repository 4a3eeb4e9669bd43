/**
 * Receipts in the browser: read what a reporter typed and derive its keys,
 * exactly as keys/receipt.py does (docs/FORMAT.md, "Receipts"):
 *
 *   canonical  = the words, accents removed, lower case, single spaces (ASCII)
 *   master     = BLAKE2b-256("resguardo/v1/receipt\0" || canonical)
 *   lookup_key = crypto_kdf_derive_from_key(32, 1, "rsgrcpt1", master)
 *   reporter   = crypto_kdf_derive_from_key(32, 2, "rsgrcpt1", master)
 *
 * Reading forgives case, accents, any non-letters between words and words cut
 * to their first four or more letters; anything else throws ReceiptError.
 *
 * Needs the vendored libsodium (`sodium` global, after `sodium.ready`) and the
 * word list (receipt-words.js: `ResguardoReceiptWords`, or passed to create()).
 * Loads with importScripts()/<script> (defines ResguardoReceipt) and require().
 */
(function (root, factory) {
  'use strict';
  const api = factory(root);
  if (typeof module === 'object' && module && module.exports) {
    module.exports = api;
  } else {
    root.ResguardoReceipt = api;
  }
})(globalThis, function (root) {
  'use strict';

  const WORD_COUNT = 8;
  const PREFIX_LETTERS = 4;
  const LABEL = 'resguardo/v1/receipt\u0000';
  const CONTEXT = 'rsgrcpt1';
  const LOOKUP_SUBKEY_ID = 1;
  const REPORTER_SUBKEY_ID = 2;
  const KEY_BYTES = 32;
  const MAX_INPUT = 1024;

  class ReceiptError extends Error {
    constructor(message) {
      super(message);
      this.name = 'ReceiptError';
    }
  }

  function stripAccents(text) {
    return text.normalize('NFKD').replace(/\p{M}/gu, '');
  }

  /**
   * A reader over one word list.
   * @param {string[]} words the 2048 list words (accents removed)
   */
  function create(words) {
    const list = words || root.ResguardoReceiptWords;
    const prefixes = new Map();
    for (const word of list) prefixes.set(word.slice(0, PREFIX_LETTERS), word);
    if (list.length !== 2048 || prefixes.size !== 2048) throw new ReceiptError('the receipt word list is damaged');

    /**
     * The canonical form of a typed receipt.
     * @param {string} text what the reporter typed
     * @returns {string} eight list words joined by single spaces
     * @throws {ReceiptError} wrong number of words, or a word not on the list
     */
    function canonical(text) {
      if (typeof text !== 'string' || text.length > MAX_INPUT) throw new ReceiptError('a receipt is a short text');
      const folded = stripAccents(text).toLowerCase();
      const tokens = folded.replace(/[^a-z]+/g, ' ').trim().split(' ').filter(Boolean);
      if (tokens.length !== WORD_COUNT) throw new ReceiptError('a receipt has exactly 8 words');
      return tokens.map((token) => {
        const word = prefixes.get(token.slice(0, PREFIX_LETTERS));
        if (word === undefined || !word.startsWith(token)) throw new ReceiptError('a word of the receipt is not on the list');
        return word;
      }).join(' ');
    }

    /**
     * Derive a receipt's keys.
     * @param {string} text what the reporter typed
     * @returns {{canonical: string, lookupKey: Uint8Array, reporterSeed: Uint8Array}} 32-byte keys
     * @throws {ReceiptError} as canonical()
     */
    function derive(text) {
      const sodium = root.sodium;
      const form = canonical(text);
      const master = sodium.crypto_generichash(KEY_BYTES, sodium.from_string(LABEL + form), null);
      const lookupKey = sodium.crypto_kdf_derive_from_key(KEY_BYTES, LOOKUP_SUBKEY_ID, CONTEXT, master);
      const reporterSeed = sodium.crypto_kdf_derive_from_key(KEY_BYTES, REPORTER_SUBKEY_ID, CONTEXT, master);
      sodium.memzero(master);
      return { canonical: form, lookupKey, reporterSeed };
    }

    return Object.freeze({ canonical, derive });
  }

  return Object.freeze({ WORD_COUNT, ReceiptError, create });
});
