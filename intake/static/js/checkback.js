/**
 * Check-back with JavaScript on (progressive enhancement of /checkback).
 *
 * Without this script the form posts the receipt and the server derives the
 * keys and opens the replies (docs/THREAT-MODEL.md says what that exposes).
 * With it, once checkback-worker.js is ready: the worker derives the lookup
 * key, the page POSTs only that (JSON, X-CSRFToken) to /checkback/lookup,
 * and the worker opens the sealed replies with the reporter key; the page
 * shows the status in words and the replies (as text, never markup), with
 * every string taken from the page (#checkback-strings, translated by the
 * server). If the worker never becomes ready the plain form keeps working.
 * Follow-ups: once the case is found, the page's follow-up section (#follow-up)
 * is shown and handed the case in a 'resguardo:case' event ({text, lookupKey,
 * publicKey, followUpTo}); followup.js seals the follow-up in the browser and
 * sends only the lookup key. Only when followup.js is not running on the page
 * (#follow-up without data-enhanced) is the receipt put into the plain form,
 * which the site then seals on arrival, as without JavaScript.
 */
(function () {
  'use strict';

  const form = document.getElementById('checkback-form');
  if (!form || !window.Worker) return;
  const strings = document.getElementById('checkback-strings').dataset;
  const result = document.getElementById('checkback-result');
  let worker;
  try {
    worker = new Worker(form.dataset.worker);
  } catch (_) {
    return;
  }
  let nextId = 1;

  function ask(message) {
    const id = nextId++;
    return new Promise((resolve, reject) => {
      function onMessage(event) {
        const data = event.data || {};
        if (data.id !== id) return;
        worker.removeEventListener('message', onMessage);
        if (data.type === 'error') reject(new Error(data.message));
        else resolve(data);
      }
      worker.addEventListener('message', onMessage);
      worker.postMessage(Object.assign({ id }, message));
    });
  }

  function line(text, done) {
    const item = document.createElement('li');
    item.textContent = text;
    if (done) item.className = 'done';
    return item;
  }

  function heading(level, text, id) {
    const element = document.createElement(`h${level}`);
    element.textContent = text;
    if (id) element.id = id;
    return element;
  }

  function show(answer, replies) {
    result.replaceChildren();
    const days = answer.days;
    const fill = (template, day) => template.replace('{day}', day);
    if (!answer.found) {
      const notice = document.createElement('section');
      notice.className = 'notice error';
      notice.setAttribute('role', 'alert');
      notice.append(heading(2, strings.notFoundTitle));
      const text = document.createElement('p');
      text.textContent = strings.notFound;
      notice.append(text);
      result.append(notice);
      result.hidden = false;
      notice.tabIndex = -1;
      notice.focus();
      return;
    }
    const section = document.createElement('section');
    section.setAttribute('aria-labelledby', 'js-status-title');
    section.append(heading(2, strings.where, 'js-status-title'));
    const steps = document.createElement('ol');
    steps.className = 'steps';
    steps.append(line(fill(strings.received, days.received), true));
    steps.append(days.delivered ? line(fill(strings.delivered, days.delivered), true) : line(strings.notDelivered));
    steps.append(days.read ? line(fill(strings.read, days.read), true) : line(strings.notRead));
    steps.append(replies.length ? line(strings.answers.replace('{num}', String(replies.length)), true) : line(strings.noAnswer));
    section.append(steps);
    result.append(section);
    if (replies.length) {
      const list = document.createElement('section');
      list.setAttribute('aria-labelledby', 'js-replies-title');
      list.append(heading(2, strings.answersTitle, 'js-replies-title'));
      for (const reply of replies) {
        const article = document.createElement('article');
        article.className = 'reply';
        article.lang = reply.language;
        const when = document.createElement('p');
        when.className = 'help';
        when.textContent = fill(strings.written, reply.written_on);
        const body = document.createElement('div');
        body.className = 'reply-text';
        body.textContent = reply.text;
        article.append(when, body);
        list.append(article);
      }
      result.append(list);
    }
    result.hidden = false;
    section.tabIndex = -1;
    section.focus();
  }

  function submitHandler(event) {
    event.preventDefault();
    const text = form.elements.receipt.value;
    (async () => {
      const { lookupKey } = await ask({ type: 'derive', text });
      let answer = { found: false };
      if (lookupKey) {
        const response = await fetch(form.dataset.lookup, {
          method: 'POST', credentials: 'same-origin', cache: 'no-store',
          headers: { 'Content-Type': 'application/json', 'X-CSRFToken': form.elements.csrf_token.value },
          body: JSON.stringify({ lookup_key: lookupKey }),
        });
        if (!response.ok) {
          HTMLFormElement.prototype.submit.call(form); // the server's own page explains (e.g. busy)
          return;
        }
        answer = await response.json();
      }
      let replies = [];
      if (answer.found) {
        const opened = await ask({
          type: 'open', text, envelopes: answer.replies.map((r) => r.envelope), submissions: answer.submissions,
        });
        replies = opened.replies;
        form.dataset.checked = 'browser';
        const more = document.getElementById('follow-up');
        if (more.dataset.enhanced === 'browser') {
          // followup.js seals follow-ups here and sends the lookup key, never the receipt.
          more.dispatchEvent(new CustomEvent('resguardo:case', {
            detail: { text, lookupKey, publicKey: opened.publicKey, followUpTo: answer.follow_up_to || null },
          }));
        } else {
          more.querySelector('input[name=receipt]').value = text; // the plain form, sealed by the site
        }
        more.hidden = false;
      }
      show(answer, replies);
    })().catch(() => HTMLFormElement.prototype.submit.call(form));
  }

  worker.addEventListener('message', function onReady(event) {
    if (event.data && event.data.type === 'ready') {
      worker.removeEventListener('message', onReady);
      form.addEventListener('submit', submitHandler);
      form.dataset.sealing = 'browser';
    }
  });
})();
