/**
 * The report form, sealed in the browser when it can be (progressive enhancement).
 *
 * Without this script the form posts normally and the server seals it while
 * it streams in. With it:
 *
 * 1. At once, a submit handler is installed, so from now on the form is never
 *    posted as plaintext unless the reporter explicitly chooses the button
 *    "send it to be encrypted by the site" (#server-fallback).
 * 2. The seal worker (seal-worker.js: vendored libsodium + envelope.js) is
 *    started. The reviewers' public keys come from the page
 *    (li[data-public-key], base64 of 32 bytes, next to each displayed
 *    fingerprint); the worker recomputes every fingerprint and the script
 *    refuses keys whose fingerprint differs from the one shown.
 * 3. Then the line "encrypted in your browser" (#browser-path) replaces the
 *    server-sealing line, and the form carries data-sealing="browser" and
 *    data-build="wasm" | "js" (which libsodium build runs).
 * 4. On submit: POST /upload/begin (the submission id), then each file and
 *    finally the report JSON (docs/FORMAT.md "Report", "sealed_by":
 *    "browser", attachments with "blake2b_256") are sealed in the worker and
 *    uploaded piece by piece (upload.js: resumable, retried), with a progress
 *    bar and a cancel button; POST /upload/submit binds them; the browser
 *    goes to the "received" page.
 *
 * Every text shown comes from the page (#seal-strings data attributes,
 * translated by the server) or from the server's localized JSON errors.
 * No inline script or style is needed (CSP script-src 'self').
 */
(function () {
  'use strict';

  const form = document.getElementById('report-form');
  if (!form || !window.ResguardoSubmit || !window.ResguardoUpload || !window.ResguardoEnvelope) return;
  const { sealBlob, fingerprints, SealCancelled } = window.ResguardoSubmit;
  const { Api, PieceSender, ServerRefused } = window.ResguardoUpload;
  const { envelopeSize } = window.ResguardoEnvelope;

  const $ = (id) => document.getElementById(id);
  const strings = $('seal-strings').dataset;
  const ui = {
    serverPath: $('sealing-path'), browserPath: $('browser-path'),
    progress: $('seal-progress'), status: $('seal-status'), bar: $('seal-bar'), cancel: $('seal-cancel'),
    error: $('seal-error'), errorText: $('seal-error-text'), fallback: $('server-fallback'),
    send: $('send-report'),
  };
  const TEXT_FIELDS = ['description', 'date', 'region', 'affected', 'perpetrators',
    'online_platforms', 'consent_aggregate_statistics', 'contact'];
  const READY_TIMEOUT_MS = 180000; // pure-JS libsodium can take long to start on slow devices

  let worker = null;
  let recipients = [];
  let busy = false;
  let controller = null;
  let readyFailure = null; // the text to show if browser sealing cannot be used

  // ---- readiness ----

  function base64ToBytes(text) {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  }

  const normalize = (fp) => fp.replace(/\s+/g, '').toUpperCase();

  function startWorker() {
    return new Promise((resolve, reject) => {
      let instance;
      try {
        instance = new Worker(form.dataset.worker);
      } catch (error) {
        reject(error);
        return;
      }
      const timer = setTimeout(() => reject(new Error('the seal worker did not start')), READY_TIMEOUT_MS);
      instance.addEventListener('error', (event) => {
        clearTimeout(timer);
        reject(new Error(`seal worker error: ${event.message}`));
      });
      instance.addEventListener('message', function onReady(event) {
        if (event.data && event.data.type === 'ready') {
          clearTimeout(timer);
          instance.removeEventListener('message', onReady);
          resolve({ instance, wasm: event.data.wasm });
        }
      });
    });
  }

  async function prepare() {
    const items = Array.from(document.querySelectorAll('#reviewer-keys li[data-public-key]'));
    const keys = items.map((item) => base64ToBytes(item.dataset.publicKey));
    if (keys.length === 0 || keys.some((key) => key.length !== 32)) throw Object.assign(new Error('keys'), { text: strings.keys });
    const started = await startWorker();
    const computed = await fingerprints(started.instance, keys);
    items.forEach((item, index) => {
      if (normalize(item.querySelector('code').textContent) !== normalize(computed[index])) {
        throw Object.assign(new Error('fingerprint mismatch'), { text: strings.keys });
      }
    });
    worker = started.instance;
    recipients = keys;
    form.dataset.build = started.wasm ? 'wasm' : 'js';
    form.dataset.sealing = 'browser';
    ui.serverPath.hidden = true;
    ui.browserPath.hidden = false;
  }

  const ready = prepare().catch((error) => {
    readyFailure = error.text || strings.crypto;
    form.dataset.sealing = 'unavailable';
    if (worker) worker.terminate();
    worker = null;
    throw error;
  });
  ready.catch(() => showError(readyFailure));

  // ---- feedback ----

  function showError(text) {
    ui.progress.hidden = true;
    ui.errorText.textContent = text;
    ui.error.hidden = false;
    ui.error.focus();
  }

  function showStatus(text, fraction) {
    ui.progress.hidden = false;
    ui.status.textContent = text;
    if (fraction !== undefined) ui.bar.value = Math.round(1000 * Math.min(1, fraction));
  }

  function messageFor(error) {
    if (error instanceof ServerRefused && error.body && error.body.error) {
      return error.title ? `${error.title}. ${error.body.error}` : error.body.error;
    }
    if (error && error.name === 'ConnectionLost') return strings.connection;
    return strings.crypto;
  }

  // ---- sealing and sending ----

  /**
   * Seal `blob` in the worker and upload the envelope; resolves with
   * {itemId, blake2b256} once the server holds it all and its structure passed.
   */
  async function sealAndSend(api, blob, signal, progress) {
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
          sender = new PieceSender(api, upload.upload_id, { onAcknowledged: progress });
          sender.upload = upload;
        }
        await sender.add(bytes);
      },
      onDone: (info) => { hash = info.blake2b256; },
    });
    await sender.flush();
    await api.finish(sender.upload.upload_id);
    return { uploadId: sender.upload.upload_id, itemId: sender.upload.item_id, blake2b256: hash };
  }

  function reportDocument(submissionId, attachments) {
    const data = new FormData(form);
    const fields = {};
    for (const name of TEXT_FIELDS) {
      const value = data.get(name);
      fields[name] = typeof value === 'string' ? value : '';
    }
    fields.incident_types = data.getAll('incident_types').filter((v) => typeof v === 'string');
    return {
      format: 'resguardo-report',
      version: 1,
      submission_id: submissionId,
      sealed_by: 'browser',
      language: document.documentElement.lang || '',
      fields,
      attachments,
    };
  }

  async function send() {
    const files = Array.from(form.elements.attachments ? form.elements.attachments.files : []);
    const description = form.elements.description.value;
    if (!description.trim()) {
      showError(strings.description);
      form.elements.description.focus();
      return;
    }
    if (files.length > Number(form.dataset.maxFiles)) {
      showError(strings.tooMany);
      return;
    }
    const totalBytes = files.reduce((n, file) => n + envelopeSize(file.size, recipients.length), 0)
      + envelopeSize(200000, recipients.length);
    if (totalBytes > Number(form.dataset.maxBytes)) {
      showError(strings.tooLarge);
      return;
    }
    busy = true;
    ui.error.hidden = true;
    ui.send.disabled = true;
    controller = new AbortController();
    const api = new Api(form.elements.csrf_token.value, controller.signal, form.dataset.upload);
    let doneBytes = 0;
    const tracker = () => (received) => showStatus(ui.status.textContent, (doneBytes + received) / totalBytes);
    try {
      showStatus(strings.preparing, 0);
      const { submission_id: submissionId } = await api.begin();
      const attachments = [];
      const uploadIds = [];
      for (const [index, file] of files.entries()) {
        showStatus(strings.file.replace('{number}', index + 1).replace('{total}', files.length));
        const sent = await sealAndSend(api, file, controller.signal, tracker());
        doneBytes += envelopeSize(file.size, recipients.length);
        uploadIds.push(sent.uploadId);
        attachments.push({
          item_id: sent.itemId,
          filename: file.name.normalize('NFC'),
          content_type: file.type || 'application/octet-stream',
          size: file.size,
          blake2b_256: sent.blake2b256,
        });
      }
      showStatus(strings.report);
      const json = JSON.stringify(reportDocument(submissionId, attachments), null, 1);
      const report = await sealAndSend(api, new Blob([json], { type: 'application/json' }), controller.signal, tracker());
      showStatus(strings.storing, 1);
      const stored = await api.submit(report.uploadId, uploadIds);
      window.location.assign(stored.location);
    } catch (error) {
      if (error instanceof SealCancelled || (error && error.name === 'AbortError')) {
        showStatus(strings.cancelled, 0);
      } else {
        showError(messageFor(error));
      }
      ui.send.disabled = false;
      busy = false;
    }
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault(); // never post plaintext from here; the fallback button does, when chosen
    if (busy) return;
    if (readyFailure) {
      showError(readyFailure);
      return;
    }
    busy = true;
    showStatus(strings.preparing, 0);
    try {
      await ready;
    } catch (_) {
      busy = false;
      return; // showError already ran
    }
    busy = false;
    await send();
  });

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
