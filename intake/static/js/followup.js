/**
 * Follow-ups sealed in the browser, on the check-back page (progressive enhancement).
 *
 * Without this script (or without JavaScript) the follow-up form (#follow-up-form)
 * posts the message, the files and the receipt, and the site seals them as
 * they arrive. With it:
 *
 * 1. At once the section is marked data-enhanced="browser", so checkback.js
 *    hands the case over in a 'resguardo:case' event ({text, lookupKey,
 *    publicKey, followUpTo}: the receipt as typed, its lookup key, the
 *    reporter's X-Wing public key, the case's first report) instead of copying
 *    the receipt into the form.
 * 2. The seal worker (seal-worker.js) starts; the reviewers' public keys come
 *    from the page (#follow-up-keys li[data-public-key]) and their
 *    fingerprints, recomputed by the worker, must equal the page's. Then the
 *    form carries data-sealing="browser" and says so (#follow-up-browser-path),
 *    and the worker makes the envelope headers ahead (form.js prepareHeaders).
 * 3. On "send": the files and then the follow-up's report document
 *    (docs/FORMAT.md "Report": fields {description}, "sealed_by": "browser",
 *    "reply_to" the reporter's key, "follow_up_to" the case's first report)
 *    are sealed in the worker (envelope v2) and uploaded through the ordinary
 *    browser upload (upload.js: POST /upload/begin, each envelope in pieces,
 *    finish); the final POST /upload/submit carries "follow_up": true and the
 *    LOOKUP KEY, never the receipt (intake/checkback/browser_followup.py).
 *    Its answer {"found": false} means the case is gone: nothing was stored.
 * 4. Fallback: if the worker does not start (or the keys do not match), or it
 *    fails while sealing, or the site refuses the envelopes as not encrypted,
 *    the plain form is used instead (the site seals it as it arrives; only
 *    then does the receipt travel, as without JavaScript): at once when
 *    browser sealing was never ready, and by the reporter's explicit choice
 *    (#follow-up-fallback) after a failure.
 *
 * Every text shown comes from the page (#follow-up-strings, translated by the
 * server) or from the server's localized JSON errors. No inline script or style.
 */
(function () {
  'use strict';

  const section = document.getElementById('follow-up');
  const form = document.getElementById('follow-up-form');
  if (!section || !form || !form.dataset.worker || !window.Worker) return;
  if (!window.ResguardoSubmit || !window.ResguardoUpload || !window.ResguardoEnvelope2) return;
  const {
    sealBlob, sealAhead, startWorker, decodeKeys, checkFingerprints, attachmentEntry,
  } = window.ResguardoSubmit;
  const { Api, PieceSender, ServerRefused, ConnectionLost, withRetries } = window.ResguardoUpload;
  const $ = (id) => document.getElementById(id);
  const strings = $('follow-up-strings').dataset;
  const ui = {
    serverPath: $('follow-up-server-path'), browserPath: $('follow-up-browser-path'),
    status: $('follow-up-status'), error: $('follow-up-error'), errorText: $('follow-up-error-text'),
    fallback: $('follow-up-fallback'), done: $('follow-up-done'), send: $('follow-up-send'),
  };
  /** Largest follow-up message in characters (the form's maxlength). */
  const MESSAGE_MAX = 100000;

  let target = null; // the case, from checkback.js
  let worker = null;
  let recipients = [];
  let busy = false;

  section.dataset.enhanced = 'browser';
  section.addEventListener('resguardo:case', (event) => {
    target = event.detail;
  });

  // ---- readiness ----

  async function prepare() {
    const items = Array.from(document.querySelectorAll('#follow-up-keys li[data-public-key]'));
    const keys = decodeKeys(items.map((item) => item.dataset.publicKey));
    const started = (await startWorker(form.dataset.worker)).instance;
    await checkFingerprints(started, keys, items.map((item) => item.dataset.fingerprint));
    worker = started;
    recipients = keys;
    prepareHeaders();
    form.dataset.sealing = 'browser';
    ui.serverPath.hidden = true;
    ui.browserPath.hidden = false;
  }

  /** Seal ahead while the reporter writes (seal-worker.js 'prepare'): a header for the message and each file. */
  function prepareHeaders() {
    if (worker) sealAhead(worker, recipients, 1 + (form.elements.attachments ? form.elements.attachments.files.length : 0));
  }
  if (form.elements.attachments) form.elements.attachments.addEventListener('change', prepareHeaders);

  const ready = prepare().catch((error) => {
    form.dataset.sealing = 'unavailable';
    if (worker) worker.terminate();
    worker = null;
    throw error;
  });
  ready.catch(() => {}); // the plain form is used then (see fallback)

  // ---- feedback ----

  function showStatus(text) {
    ui.status.textContent = text;
    ui.status.hidden = false;
  }

  function showError(text, offerFallback) {
    ui.status.hidden = true;
    ui.errorText.textContent = text;
    ui.fallback.hidden = !offerFallback;
    ui.error.hidden = false;
    ui.error.focus();
  }

  /** What to tell the reporter about `error`, and whether to offer the site's sealing. */
  function describe(error) {
    if (error instanceof ServerRefused) {
      if (error.code === 'csrf') return { text: strings.session };
      if (error.status < 500 && error.body.error) {
        const text = error.title ? `${error.title}. ${error.body.error}` : error.body.error;
        return { text, fallback: error.code === 'structure' || error.code === 'not_encrypted' };
      }
    }
    if (error instanceof ConnectionLost || error instanceof TypeError || error instanceof ServerRefused) {
      return { text: `${strings.connection} ${strings.nothing}` };
    }
    return { text: strings.crypto, fallback: true }; // SealFailed: the worker could not seal
  }

  /** The plain form, sealed by the site as it arrives; only now does the receipt go with it. */
  function fallback() {
    form.elements.receipt.value = target ? target.text : '';
    form.dataset.sealing = 'server';
    HTMLFormElement.prototype.submit.call(form);
  }

  // ---- sealing and sending ----

  /** Seal `blob` in the worker and upload its envelope; {uploadId, itemId, blake2b256} once the server holds it. */
  async function sealAndSend(api, blob, signal) {
    let created = null;
    let sender = null;
    let hash = '';
    await sealBlob(worker, recipients, blob, {
      signal,
      onStart: (info) => {
        created = api.create(info.envelopeSize);
        created.catch(() => {}); // surfaced by onPiece
      },
      onPiece: async (bytes) => {
        if (!sender) {
          const upload = await created;
          sender = new PieceSender(api, upload.upload_id);
          sender.upload = upload;
        }
        await sender.add(bytes);
      },
      onDone: (info) => { hash = info.blake2b256; },
    });
    await sender.flush();
    await withRetries(() => api.finish(sender.upload.upload_id), signal);
    return { uploadId: sender.upload.upload_id, itemId: sender.upload.item_id, blake2b256: hash };
  }

  /** The follow-up's report document (docs/FORMAT.md "Report", "Reply key and reply envelope"). */
  function followUpDocument(submissionId, message, attachments) {
    const doc = {
      format: 'resguardo-report',
      version: 1,
      submission_id: submissionId,
      sealed_by: 'browser',
      language: document.documentElement.lang || '',
      fields: { description: message },
      attachments,
      reply_to: { kind: 'xwing', public_key: target.publicKey },
    };
    if (target.followUpTo) doc.follow_up_to = target.followUpTo;
    return doc;
  }

  async function send(message, files) {
    const controller = new AbortController();
    const api = new Api(form.elements.csrf_token.value, controller.signal, form.dataset.upload);
    const { submission_id: submissionId } = await withRetries(() => api.begin(), controller.signal);
    const attachments = [];
    const uploadIds = [];
    for (const [index, file] of files.entries()) {
      showStatus(strings.file.replace('{number}', index + 1).replace('{total}', files.length));
      const sent = await sealAndSend(api, file, controller.signal);
      uploadIds.push(sent.uploadId);
      attachments.push(attachmentEntry(file, sent.itemId, sent.blake2b256));
    }
    showStatus(strings.message);
    const json = JSON.stringify(followUpDocument(submissionId, message, attachments), null, 1);
    const report = await sealAndSend(api, new Blob([json], { type: 'application/json' }), controller.signal);
    showStatus(strings.storing);
    // The lookup key lets the follow-up in (checked like a check-back); the receipt never leaves the page.
    const body = { report: report.uploadId, attachments: uploadIds, lookup_key: target.lookupKey, follow_up: true };
    return withRetries(() => api.call('POST', 'submit', { json: body }), null, () => showStatus(strings.retrying));
  }

  form.addEventListener('submit', async (event) => {
    if (!target) return; // not handed a case by checkback.js: the plain form, as without JavaScript
    event.preventDefault();
    if (busy) return;
    ui.error.hidden = true;
    const message = form.elements.message.value.replace(/\r\n/g, '\n').slice(0, MESSAGE_MAX);
    const files = Array.from(form.elements.attachments.files || []);
    if (!message.trim() && files.length === 0) {
      showError(strings.empty, false);
      return;
    }
    if (files.length > Number(form.dataset.maxFiles)) {
      showError(strings.tooMany, false);
      return;
    }
    if (files.reduce((n, file) => n + file.size, 0) > Number(form.dataset.maxBytes)) {
      showError(strings.tooLarge, false); // the files' limit the site states (RESGUARDO_MAX_CONTENT_LENGTH)
      return;
    }
    busy = true;
    ui.send.disabled = true;
    showStatus(strings.preparing);
    try {
      await ready;
    } catch (_) {
      fallback(); // browser sealing never became ready: the site seals it, as without JavaScript
      return;
    }
    try {
      const answer = await send(message, files);
      if (answer && answer.found === false) {
        showError(strings.notFound, false);
      } else {
        form.reset();
        form.hidden = true;
        ui.serverPath.hidden = true;
        ui.browserPath.hidden = true;
        ui.done.hidden = false;
        ui.done.focus();
      }
    } catch (error) {
      const { text, fallback: offer } = describe(error);
      showError(text, offer);
      prepareHeaders(); // for the next attempt
    }
    busy = false;
    ui.send.disabled = false;
  });

  ui.fallback.addEventListener('click', fallback);
})();
