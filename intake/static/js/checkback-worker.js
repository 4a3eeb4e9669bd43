/**
 * Web Worker of check-back with JavaScript on: the receipt's keys are derived
 * and the replies opened here, in the browser; the server only ever gets the
 * lookup key and hands out sealed replies (docs/FORMAT.md "Receipts", "Reply
 * key and reply envelope").
 *
 *   page -> worker  {type: 'derive', id, text}
 *   worker -> page  {type: 'derived', id, lookupKey: <64 hex> | null}   null: not a receipt
 *   page -> worker  {type: 'open', id, text, envelopes: [<base64>], submissions: [<32 hex>]}
 *   worker -> page  {type: 'opened', id, replies: [{language, written_on, text}], publicKey}
 *                   (a reply that fails any check is left out, as the server does;
 *                   publicKey: base64 of the reporter's 1216-byte X-Wing public key, the
 *                   "reply_to" a follow-up sealed in the browser carries; null: not a receipt)
 *   worker -> page  {type: 'ready'} once; {type: 'error', id, message} on failure
 *
 * Loads the vendored libsodium, envelope.js, envelope2-header.js, envelope2.js, envelope-reader.js,
 * receipt-words.js and receipt.js with importScripts (same origin; CSP
 * script-src 'self'). The receipt text is kept only for the length of a message.
 */
/* global importScripts, sodium, ResguardoEnvelopeReader, ResguardoReceipt, ResguardoReceiptWords */
'use strict';

/** '?v=<hex>' from this worker's own query parameter `name` (see intake/checkback/views.py worker_url). */
function versionOf(name) {
  const value = new URLSearchParams(self.location.search).get(name) || '';
  return /^[0-9a-f]{1,64}$/.test(value) ? '?v=' + value : '';
}

importScripts('../vendor/sodium.js' + versionOf('s'), 'envelope.js' + versionOf('e'), 'envelope2-header.js' + versionOf('h'),
  'envelope2.js' + versionOf('x'), 'envelope-reader.js' + versionOf('o'), 'receipt-words.js' + versionOf('w'),
  'receipt.js' + versionOf('r'));

const ready = sodium.ready.then(() => {
  self.postMessage({ type: 'ready' });
  return ResguardoReceipt.create(ResguardoReceiptWords);
});

function keysOf(receipts, text) {
  try {
    return receipts.derive(text);
  } catch (error) {
    if (error && error.name === 'ReceiptError') return null;
    throw error;
  }
}

/** The opened replies and the reporter's public key (base64), for one derived receipt. */
function openReplies(derived, envelopes, submissions) {
  const pair = sodium.crypto_kem_xwing_seed_keypair(derived.reporterSeed);
  const identity = [{ publicKey: pair.publicKey, secretKey: derived.reporterSeed }];
  const shown = [];
  for (const encoded of envelopes) {
    try {
      const bytes = sodium.from_base64(encoded, sodium.base64_variants.ORIGINAL);
      const doc = JSON.parse(sodium.to_string(ResguardoEnvelopeReader.open(bytes, identity)));
      if (doc && doc.format === 'resguardo-reply' && doc.version === 1 && submissions.includes(doc.submission_id)
          && (doc.language === 'es' || doc.language === 'en') && typeof doc.text === 'string' && doc.text) {
        shown.push({ language: doc.language, written_on: String(doc.written_on), text: doc.text });
      }
    } catch (_) {
      // not for this key, damaged, or not a reply: shown to nobody
    }
  }
  sodium.memzero(pair.privateKey);
  return { replies: shown, publicKey: sodium.to_base64(pair.publicKey, sodium.base64_variants.ORIGINAL) };
}

self.onmessage = async (event) => {
  const message = event.data || {};
  try {
    const receipts = await ready;
    if (message.type === 'derive') {
      const derived = keysOf(receipts, String(message.text || ''));
      self.postMessage({ type: 'derived', id: message.id, lookupKey: derived ? sodium.to_hex(derived.lookupKey) : null });
    } else if (message.type === 'open') {
      const derived = keysOf(receipts, String(message.text || ''));
      const opened = derived ? openReplies(derived, message.envelopes || [], message.submissions || [])
        : { replies: [], publicKey: null };
      if (derived) sodium.memzero(derived.reporterSeed);
      self.postMessage({ type: 'opened', id: message.id, replies: opened.replies, publicKey: opened.publicKey });
    }
  } catch (error) {
    self.postMessage({ type: 'error', id: message.id, message: String(error && error.message) });
  }
};
