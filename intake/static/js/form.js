/**
 * The report form, sealed in the browser when it can be (progressive enhancement).
 *
 * Without this script the form posts normally and the server seals it while
 * it streams in. With it:
 *
 * 1. At once, a submit handler is installed, so from now on the form is never
 *    posted as plaintext unless the reporter explicitly chooses server
 *    sealing: the button "send it to be encrypted by the site"
 *    (#server-fallback) after a failure, or, when the browser cannot seal at
 *    all, the main button, then relabelled "send report, encrypted by the
 *    site" under a notice at the top of the form (#browser-unavailable).
 * 2. The seal worker (seal-worker.js: vendored libsodium + envelope.js) is
 *    started. The reviewers' public keys come from the page
 *    (li[data-public-key], base64 of 32 bytes, next to each displayed
 *    fingerprint); the worker recomputes every fingerprint and the script
 *    refuses keys whose fingerprint differs from the one shown. The worker
 *    then seals ahead while the reporter writes (prepareHeaders: a header,
 *    i.e. a fresh file key encapsulated to every key, for the report and
 *    each attached file), so "send" has no per-reviewer work left.
 * 3. Then the line "encrypted in your browser" (#browser-path) replaces the
 *    server-sealing line, and the form carries data-sealing="browser" and
 *    data-build="wasm" | "js" (which libsodium build runs).
 * 4. The page carries a ticket with the submission id and the inline slots'
 *    ids (data-ticket, data-submission-id, data-slots: intake/upload/inline.py
 *    page_ticket), so nothing is asked of the server before "send" and a
 *    small report's submit opens its session itself; POST /upload/begin (with
 *    the ticket: the same ids) comes first only when a large file must be
 *    uploaded resumably. On a refused ticket, everything is sealed again once
 *    under a new session (begin without a ticket).
 *    On submit, each file and finally the report JSON (docs/FORMAT.md
 *    "Report", "sealed_by": "browser", attachments with "blake2b_256") are
 *    sealed in the worker. Small envelopes (the report, and files while they
 *    fit INLINE_BUDGET) are kept and sent inside the final POST
 *    /upload/submit, so a small report is ONE request (upload.js
 *    submitInline, intake/upload/inline.py); larger files are uploaded first,
 *    piece by piece (upload.js: resumable, retried). A progress bar follows
 *    every byte sent; a dropped or stalled connection shows "reconnecting"
 *    at once while it is retried; a cancel button stops it. The final submit
 *    is retried like the PUTs (the server answers a repeat of a stored
 *    submission with the same success, so a lost answer never makes a
 *    duplicate); the form is cleared and the page shows the "received"
 *    section with the receipt the worker made (seal-worker.js 'receipt'; the
 *    report carries its reply key as "reply_to", /upload/submit its lookup
 *    key): no navigation, so the receipt is never in a URL.
 * 5. Problems the reporter can fix (a required question left empty, too many or too large
 *    files) are shown next to their field and in a summary at the top of the
 *    form, which takes the focus (questions.js, which also makes the report
 *    document from the answers). If the answer to the final submit never
 *    came, the page says it cannot tell whether the report arrived, and
 *    pressing "send" again repeats only that submit.
 *
 * What the page shows (progress, failures, the notice, the receipt) is
 * feedback.js's. Every text shown comes from the page (#seal-strings data
 * attributes, translated by the server) or from the server's localized JSON
 * errors. Part of the page's /bundle/form.js (intake/bundles.py), last, after
 * submit.js, upload.js, questions.js and feedback.js, which it uses.
 * No inline script or style is needed (CSP script-src 'self').
 */
(function () {
  'use strict';

  const form = document.getElementById('report-form');
  if (!form || !window.ResguardoSubmit || !window.ResguardoUpload || !window.ResguardoEnvelope2) return;
  if (!window.ResguardoQuestions || !window.ResguardoFeedback) return;
  const {
    sealBlob, sealToBytes, sealAhead, newReceipt, startWorker, decodeKeys, checkFingerprints, attachmentEntry,
    SealCancelled, KeysRefused,
  } = window.ResguardoSubmit;
  const { Api, PieceSender, ServerRefused, withRetries, inlineBody } = window.ResguardoUpload;
  const { envelopeSize: envelopeSizeV2, kindOf } = window.ResguardoEnvelope2;
  /** Envelope v2 bytes for `size` content bytes sealed to `keys` (public keys, or only a count before they are read). */
  const envelopeSize = (size, keys) => envelopeSizeV2(size, Array.isArray(keys) ? keys.map(kindOf) : Array(keys).fill('xwing'));

  const strings = document.getElementById('seal-strings').dataset;
  const {
    ui, showUnavailable, showError, showStatus, showProgress, reconnecting, describe, showReceipt,
  } = window.ResguardoFeedback.feedbackOf(form, strings);
  const {
    reportDocument, problems, clearProblems, showProblems: showProblemsOnly,
  } = window.ResguardoQuestions.questionsOf(form, strings);
  /**
   * Envelope bytes sent inside the final submit at most (the server takes up to
   * about 4.3 MB, intake/upload/inline.py): about 1.5 MiB, some 15 s at 100 KB/s,
   * the most worth sending again whole after a drop; larger files are uploaded
   * resumably first.
   */
  const INLINE_BUDGET = 1536 * 1024;

  // The script checks the form itself, to show problems next to their fields
  // and in a linked summary (the browser's own bubbles vanish and are not linked).
  form.noValidate = true;

  let worker = null;
  let recipients = [];
  let busy = false;
  let controller = null;
  let readyFailure = null; // the text to show if browser sealing cannot be used
  let pending = null; // {reportId, uploadIds, inline, receipt}: a final submit whose answer never arrived
  let session = null; // promise of POST /upload/begin's answer (see beginSession)
  /** The ids the page carried (see 4. above); `usable` turns false after the server refused them. */
  const ticket = form.dataset.ticket ? {
    usable: true,
    value: form.dataset.ticket,
    ids: {
      submission_id: form.dataset.submissionId,
      slots: form.dataset.slots.split(' ').map((pair) => {
        const [uploadId, itemId] = pair.split(':');
        return { upload_id: uploadId, item_id: itemId };
      }),
    },
  } : { usable: false };

  // ---- readiness ----

  async function prepare() {
    // The worker and libsodium were preloaded by the page (<link rel="preload">,
    // alongside this script: intake/security.py seal_preloads). The receipt
    // scripts the worker imports when the reporter starts writing
    // (seal-worker.js 'receipt') are fetched now, so they come from the HTTP
    // cache then, not two more round trips.
    const prefetch = (url) => fetch(url, { credentials: 'same-origin' }).then((r) => r.arrayBuffer()).catch(() => {});
    const workerUrl = new URL(form.dataset.worker, window.location.href);
    for (const [param, name] of [['w', 'receipt-words.js'], ['r', 'receipt.js']]) {
      const version = workerUrl.searchParams.get(param);
      if (version && /^[0-9a-f]{1,64}$/.test(version)) prefetch(new URL(`${name}?v=${version}`, workerUrl).href);
    }
    const items = Array.from(document.querySelectorAll('#reviewer-keys li[data-public-key]'));
    const keysRefused = (error) => {
      throw error instanceof KeysRefused ? Object.assign(error, { text: strings.keys }) : error;
    };
    let keys;
    try {
      keys = decodeKeys(items.map((item) => item.dataset.publicKey)); // X25519 or X-Wing
    } catch (error) {
      keysRefused(error);
    }
    const started = await startWorker(form.dataset.worker);
    await checkFingerprints(started.instance, keys, items.map((item) => item.querySelector('code').textContent)).catch(keysRefused);
    worker = started.instance;
    recipients = keys;
    prepareHeaders();
    form.dataset.build = started.wasm ? 'wasm' : 'js';
    form.dataset.sealing = 'browser';
    ui.serverPath.hidden = true;
    ui.browserPath.hidden = false;
  }

  /**
   * Let the worker seal ahead while the reporter writes (seal-worker.js
   * 'prepare'): one envelope header (a fresh file key encapsulated to every
   * reviewer key, the slow part without a JIT) for the report and one per
   * attached file, so "send" has no per-reviewer work left. Asked again when
   * files change and after a send that did not complete.
   */
  function prepareHeaders() {
    if (worker) sealAhead(worker, recipients, 1 + chosenFiles().length);
  }
  if (form.elements.attachments) form.elements.attachments.addEventListener('change', prepareHeaders);

  const ready = prepare().catch((error) => {
    readyFailure = error.text || strings.unavailable;
    form.dataset.sealing = 'unavailable';
    if (worker) worker.terminate();
    worker = null;
    showUnavailable(readyFailure);
    throw error;
  });
  ready.catch(() => {}); // shown by showUnavailable, calmly: no focus or scroll on load

  // ---- feedback (the rest is feedback.js) ----

  /** The problems that keep the form from being sent, in place of any progress or error (questions.js). */
  function showProblems(found) {
    ui.progress.hidden = true;
    ui.error.hidden = true;
    showProblemsOnly(found);
  }

  // ---- sealing and sending ----

  /**
   * Seal `blob` in the worker and upload the envelope; resolves with
   * {itemId, blake2b256} once the server holds it all and its structure passed.
   */
  async function sealAndSend(api, blob, signal, progress) {
    await abortable(beginSession(), signal); // the uploads go into a session open on the server
    let created = null;
    const onRetry = reconnecting();
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
          sender = new PieceSender(api, upload.upload_id, { onAcknowledged: progress, onRetry });
          sender.upload = upload;
        }
        await sender.add(bytes);
      },
      onDone: (info) => { hash = info.blake2b256; },
    });
    await sender.flush();
    await withRetries(() => api.finish(sender.upload.upload_id), signal, onRetry);
    return { uploadId: sender.upload.upload_id, itemId: sender.upload.item_id, blake2b256: hash };
  }

  /** `promise`, or an AbortError as soon as `signal` aborts (the reporter pressed "cancel"). */
  function abortable(promise, signal) {
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(new DOMException('aborted', 'AbortError'));
      if (signal.aborted) onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  /** A receipt made ahead (when the reporter starts writing), or a new one; each is used for one attempt only. */
  function takeReceipt() {
    const made = receiptAhead || newReceipt(worker);
    receiptAhead = null;
    return made;
  }
  let receiptAhead = null;

  /**
   * POST /upload/begin (with the page's ticket while it is usable: the same
   * ids), unless it was made already; resolves with its answer.
   */
  function beginSession() {
    if (!session) {
      const api = new Api(form.elements.csrf_token.value, undefined, form.dataset.upload);
      const value = ticket.usable ? ticket.value : undefined;
      session = withRetries(() => api.begin(value), undefined);
      session.catch(() => { session = null; }); // made again on the next try
    }
    return session;
  }

  /**
   * POST /upload/submit, retried on a lost connection or 5xx (the server
   * answers a repeat of a stored submission with the same success); then
   * clear the form, so Back does not show the report again, and leave.
   */
  async function store(api) {
    ui.cancel.hidden = true; // from here, cancelling could not promise that nothing was stored
    const onRetry = reconnecting();
    const lookupKey = pending.receipt.lookupKey; // the receipt's lookup key: opens the reporter's case
    if (pending.inline.length) {
      // One request: the ids and the small envelopes (intake/upload/inline.py).
      const fields = { report: pending.reportId, attachments: pending.uploadIds };
      if (lookupKey) fields.lookup_key = lookupKey;
      if (pending.ticket) fields.ticket = pending.ticket; // the submit opens the ticket's session
      const body = inlineBody(fields, pending.inline);
      const total = pending.before + body.length;
      showStatus(pending.status, pending.before / total);
      await withRetries(
        () => api.submitInline(body, (sent) => {
          showProgress((pending.before + sent) / total);
          if (sent === body.length) showStatus(strings.storing, 1);
        }),
        null, onRetry,
      );
    } else {
      showStatus(strings.storing, 1);
      await withRetries(() => api.submit(pending.reportId, pending.uploadIds, lookupKey), null, onRetry);
    }
    const { receipt } = pending;
    pending = null;
    form.reset();
    if (form.elements.attachments) form.elements.attachments.value = '';
    showReceipt(receipt);
  }

  function chosenFiles() {
    return Array.from(form.elements.attachments ? form.elements.attachments.files : []);
  }

  /** Envelope bytes that sending `files` and the report takes, at most. */
  function sendingBytes(files) {
    const keys = recipients.length ? recipients : (document.querySelectorAll('#reviewer-keys li').length || 1);
    return files.reduce((n, file) => n + envelopeSize(file.size, keys), 0) + envelopeSize(200000, keys);
  }

  /**
   * Seal every file and the report; upload the large files now and keep the
   * small envelopes for the final submit (INLINE_BUDGET). Sets `pending`.
   */
  async function sealAll(api, files) {
    const signal = controller.signal;
    const usedTicket = ticket.usable ? ticket.value : null;
    const ids = usedTicket ? ticket.ids : beginSession();
    const [{ submission_id: submissionId, slots }, receipt] = await abortable(Promise.all([ids, takeReceipt()]), signal);
    const reportReserve = envelopeSize(16380, recipients); // room kept for a report of up to 16 KB
    let inlineBytes = 0;
    const keep = (size) => size <= INLINE_BUDGET - inlineBytes - reportReserve;
    let doneBytes = 0; // envelope bytes the server holds already
    const totalBytes = sendingBytes(files);
    const tracker = () => (received) => showProgress((doneBytes + received) / totalBytes);
    const inline = [];
    const attachments = [];
    const uploadIds = [];
    for (const [index, file] of files.entries()) {
      showStatus(strings.file.replace('{number}', index + 1).replace('{total}', files.length));
      const size = envelopeSize(file.size, recipients);
      let sent;
      if (keep(size)) {
        const slot = slots[1 + index];
        const sealed = await sealToBytes(worker, recipients, file, { signal });
        inline.push({ uploadId: slot.upload_id, bytes: sealed.bytes });
        inlineBytes += sealed.bytes.length;
        sent = { uploadId: slot.upload_id, itemId: slot.item_id, blake2b256: sealed.blake2b256 };
      } else {
        sent = await sealAndSend(api, file, signal, tracker());
        doneBytes += size;
      }
      uploadIds.push(sent.uploadId);
      attachments.push(attachmentEntry(file, sent.itemId, sent.blake2b256));
    }
    showStatus(strings.report);
    const json = new Blob([JSON.stringify(reportDocument(submissionId, attachments, receipt), null, 1)], { type: 'application/json' });
    let reportId = slots[0].upload_id;
    if (envelopeSize(json.size, recipients) <= INLINE_BUDGET - inlineBytes) {
      // its BLAKE2b-256 is not needed (the report's)
      inline.push({ uploadId: reportId, bytes: (await sealToBytes(worker, recipients, json, { signal, hash: false })).bytes });
    } else {
      reportId = (await sealAndSend(api, json, signal, tracker())).uploadId;
    }
    pending = { reportId, uploadIds, inline, receipt, ticket: usedTicket, before: doneBytes, status: strings.report };
  }

  async function send() {
    const files = chosenFiles();
    const totalBytes = sendingBytes(files);
    clearProblems();
    ui.error.hidden = true;
    if (!pending) {
      const found = problems(files, totalBytes);
      if (found.length) {
        showProblems(found);
        return;
      }
    }
    busy = true;
    ui.send.disabled = true;
    ui.cancel.hidden = false;
    controller = new AbortController();
    const api = new Api(form.elements.csrf_token.value, controller.signal, form.dataset.upload);
    try {
      if (pending) {
        await store(api); // the earlier report, already sealed: only send the final submit again
        return;
      }
      showStatus(strings.preparing, 0);
      for (let attempt = 1; ; attempt++) {
        try {
          await sealAll(api, files);
          await store(api);
          break;
        } catch (error) {
          // The ticket or the session was refused (used, or expired during a long upload): begin anew, once.
          if (attempt > 1 || !(error instanceof ServerRefused && error.code === 'unknown')) throw error;
          ticket.usable = false;
          session = null;
          pending = null;
          ui.cancel.hidden = false;
        }
      }
    } catch (error) {
      if (error instanceof SealCancelled || (error && error.name === 'AbortError')) {
        showStatus(strings.cancelled, 0);
        ui.cancel.hidden = true;
      } else {
        const storing = pending !== null;
        showError(describe(error, storing));
        if (storing && error instanceof ServerRefused && error.status < 500 && error.body.error && error.code !== 'csrf') {
          pending = null; // the server refused that submission: nothing of it is stored, a new one may be sent
        }
      }
      ui.send.disabled = false;
      busy = false;
      prepareHeaders(); // for the next attempt
    }
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault(); // never post plaintext from here, unless server sealing is the labelled choice
    if (busy) return;
    if (readyFailure) {
      // The main button now reads "send report, encrypted by the site", under the notice saying why.
      clearProblems();
      const found = problems(chosenFiles(), sendingBytes(chosenFiles()));
      if (found.length) {
        showProblems(found);
        return;
      }
      form.dataset.sealing = 'server';
      HTMLFormElement.prototype.submit.call(form);
      return;
    }
    busy = true;
    showStatus(strings.preparing, 0);
    ui.cancel.hidden = true;
    try {
      await ready;
    } catch (_) {
      busy = false;
      ui.unavailable.focus(); // the reporter pressed "send": show them why nothing happened
      return;
    }
    busy = false;
    await send();
  });

  // The receipt is made as soon as the reporter starts on the form, once the
  // worker is up (it draws the words): nothing waits for it on "send". Nothing
  // is asked of the server before "send" (the ids came with the page).
  const ahead = () => {
    if (readyFailure || pending) return;
    ready.then(() => {
      if (!receiptAhead) {
        receiptAhead = newReceipt(worker);
        receiptAhead.catch(() => { receiptAhead = null; });
      }
    }, () => {});
  };
  form.addEventListener('input', ahead, { once: true });
  form.addEventListener('change', ahead, { once: true });

  ui.cancel.addEventListener('click', () => {
    if (controller) controller.abort();
  });

  ui.fallback.addEventListener('click', () => {
    // The reporter chose the server-sealing path explicitly: post the normal form.
    if (controller) controller.abort();
    form.dataset.sealing = 'server';
    HTMLFormElement.prototype.submit.call(form);
  });
})();
