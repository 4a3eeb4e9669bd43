/**
 * What the report form tells the reporter while it seals and sends: the
 * progress (a status line and a bar, "reconnecting" while a dropped
 * connection is retried), a failure after "send" (what happened, and whether
 * the server-sealing button is offered), the notice that browser sealing
 * cannot be used, and at the end the "received" section with the receipt.
 *
 * describe() turns an error into that text: the server's localized JSON
 * errors (upload.js ServerRefused) as they came, a lost connection
 * (ConnectionLost, a fetch TypeError, a 5xx) as "nothing was stored" or, for
 * the final submit, "cannot tell whether it arrived", an expired session as
 * such, anything else as a failure of the seal worker.
 *
 * Part of the page's /bundle/form.js (intake/bundles.py), after upload.js,
 * which it uses, and before form.js, which uses it:
 * window.ResguardoFeedback.feedbackOf(form, strings). Every text shown comes
 * from the page (strings: #seal-strings data attributes) or the server.
 */
(function (root) {
  'use strict';

  /**
   * The feedback elements of the report page and what form.js does with them.
   * @param {HTMLFormElement} form the report form (#report-form)
   * @param {DOMStringMap} strings the page's texts (#seal-strings)
   * @returns {{
   *   ui: object,
   *   showUnavailable: (text: string) => void,
   *   showError: (failure: {title?: string, text: string, fallback?: boolean}) => void,
   *   showStatus: (text: string, fraction?: number) => void,
   *   showProgress: (fraction: number) => void,
   *   reconnecting: () => (() => void),
   *   describe: (error: *, storing: boolean) => {title?: string, text: string, fallback?: boolean},
   *   showReceipt: (receipt: {text: string}) => void,
   * }}
   */
  function feedbackOf(form, strings) {
    const { ServerRefused, ConnectionLost } = root.ResguardoUpload;
    const $ = (id) => document.getElementById(id);
    /** The page's elements form.js and this file use (intake/templates/report/form.html). */
    const ui = {
      serverPath: $('sealing-path'), browserPath: $('browser-path'),
      progress: $('seal-progress'), status: $('seal-status'), bar: $('seal-bar'), cancel: $('seal-cancel'),
      error: $('seal-error'), errorTitle: $('seal-error-title'), errorText: $('seal-error-text'),
      fallbackOffer: $('seal-fallback-offer'), fallback: $('server-fallback'),
      unavailable: $('browser-unavailable'), unavailableText: $('browser-unavailable-text'),
      send: $('send-report'),
    };
    let lastStatus = ''; // the status a "reconnecting" replaced

    /**
     * Browser sealing cannot be used (`text` says why): say so near the top of
     * the form, and make the main button the explicit, labelled choice of server sealing.
     */
    function showUnavailable(text) {
      ui.unavailableText.textContent = text;
      ui.unavailable.hidden = false;
      ui.send.textContent = strings.serverSend;
      ui.progress.hidden = true;
    }

    /** A failure after "send": {title, text, fallback: offer server sealing}. */
    function showError({ title, text, fallback }) {
      ui.progress.hidden = true;
      ui.errorTitle.textContent = title || strings.notSent;
      ui.errorText.textContent = text;
      ui.fallbackOffer.hidden = !fallback;
      ui.error.hidden = false;
      ui.error.focus();
    }

    /** The status line says `text`; the bar, if `fraction` (0..1) is given, moves to it. */
    function showStatus(text, fraction) {
      ui.progress.hidden = false;
      if (ui.status.textContent !== text) ui.status.textContent = text;
      if (fraction !== undefined) ui.bar.value = Math.round(1000 * Math.min(1, fraction));
    }

    /** Progress came: the bar moves, and a "reconnecting" status gives way to what it replaced. */
    function showProgress(fraction) {
      if (ui.status.textContent === strings.reconnecting && lastStatus) showStatus(lastStatus);
      showStatus(ui.status.textContent, fraction);
    }

    /**
     * An onRetry callback: the connection dropped or stalled and is being
     * retried. Says so at once (the live region announces it); the status it
     * replaced comes back with the next progress.
     */
    function reconnecting() {
      return () => {
        if (ui.status.textContent !== strings.reconnecting) lastStatus = ui.status.textContent;
        showStatus(strings.reconnecting);
      };
    }

    /** What to tell the reporter about `error`; `storing`: the final submit's outcome is unknown. */
    function describe(error, storing) {
      const refused = error instanceof ServerRefused ? error : null;
      const lost = error instanceof ConnectionLost || error instanceof TypeError
        || (refused && (refused.status >= 500 || !refused.body.error));
      if (refused && refused.code === 'csrf') {
        // The session cookie is gone: nothing done from this page can work now.
        const text = storing ? strings.session : `${strings.sessionNothing} ${strings.session}`;
        return { title: strings.sessionTitle, text };
      }
      if (storing && lost) return { title: strings.unconfirmedTitle, text: strings.unconfirmed };
      if (lost) return { text: `${strings.connection} ${strings.nothing}` };
      if (refused) {
        const text = refused.title ? `${refused.title}. ${refused.body.error}` : refused.body.error;
        return { text, fallback: refused.code === 'structure' || refused.code === 'not_encrypted' };
      }
      return { text: strings.crypto, fallback: true }; // the seal worker failed
    }

    /**
     * Show the receipt on this page (it must never travel in a URL, cookie or
     * storage): the form gives way to the "received" section the server put in
     * the page (#browser-received), filled with the eight words.
     */
    function showReceipt(receipt) {
      const section = $('browser-received');
      $('browser-receipt-words').textContent = receipt.text;
      form.hidden = true;
      for (const other of document.querySelectorAll('main > h1, .hide-when-received')) other.hidden = true;
      section.hidden = false;
      document.title = section.dataset.title;
      section.focus();
    }

    return Object.freeze({
      ui, showUnavailable, showError, showStatus, showProgress, reconnecting, describe, showReceipt,
    });
  }

  root.ResguardoFeedback = Object.freeze({ feedbackOf });
})(globalThis);
