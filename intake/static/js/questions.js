/**
 * The report form's questions in the page: the report document made of their
 * answers, and the problems the reporter can fix before sending.
 *
 * The server renders each question of the questionnaire (docs/QUESTIONNAIRE.md)
 * with data-question (its id), data-kind and, when it must be answered,
 * data-required. From them:
 *
 * - the report document the browser seals (docs/FORMAT.md "Report",
 *   "sealed_by": "browser"), its fields exactly as the server's
 *   forms.answers() makes them for the path without JavaScript;
 * - the problems that keep the form from being sent (a required question left
 *   empty, too many or too large files), each shown next to its field (the
 *   element "<field id>-check", aria-invalid, aria-describedby) and linked
 *   from a summary at the top of the form (#check-form, #check-form-list),
 *   which takes the focus.
 *
 * Part of the page's /bundle/form.js (intake/bundles.py), after upload.js and
 * before feedback.js and form.js, which uses it: window.ResguardoQuestions.questionsOf(form, strings).
 * Every text shown comes from the page (strings: #seal-strings data attributes).
 */
(function (root) {
  'use strict';

  /**
   * The questions of `form` and what the report form does with them.
   * @param {HTMLFormElement} form the report form (#report-form)
   * @param {DOMStringMap} strings the page's texts: description, answer, tooMany, tooLarge
   * @returns {{
   *   reportDocument: (submissionId: string, attachments: object[], receipt: {publicKey: string}) => object,
   *   problems: (files: File[], totalBytes: number) => {name: string, text: string}[],
   *   clearProblems: () => void,
   *   showProblems: (found: {name: string, text: string}[]) => void,
   * }}
   */
  function questionsOf(form, strings) {
    const $ = (id) => document.getElementById(id);
    const ui = { problems: $('check-form'), problemList: $('check-form-list') };
    /**
     * The questions, as the server rendered them from the questionnaire
     * (docs/QUESTIONNAIRE.md): [{id, kind, required}] in form order.
     */
    const QUESTIONS = Array.from(form.querySelectorAll('[data-question]')).map((element) => ({
      id: element.dataset.question, kind: element.dataset.kind, required: element.hasAttribute('data-required'),
    }));
    /** Fields the script checks before sending, with the element that shows their problem. */
    const CHECKED = { attachments: $('attachments-check') };
    for (const question of QUESTIONS) {
      if (question.required && $(`${question.id}-check`)) CHECKED[question.id] = $(`${question.id}-check`);
    }

    /**
     * The report's answers, exactly as the server's forms.answers() makes them
     * (docs/QUESTIONNAIRE.md, "Answers"): text as typed (LF line breaks),
     * a choice's code or '', a list of codes, 'YYYY[-MM[-DD]]' or ''.
     */
    function answers() {
      const data = new FormData(form);
      const text = (name) => {
        const value = data.get(name);
        return typeof value === 'string' ? value.replace(/\r\n/g, '\n') : '';
      };
      const fields = {};
      for (const question of QUESTIONS) {
        if (question.kind === 'files') continue;
        if (question.kind === 'multiple_choice') {
          fields[question.id] = Array.from(new Set(data.getAll(question.id).filter((v) => typeof v === 'string')));
        } else if (question.kind === 'approximate_date') {
          fields[question.id] = ['year', 'month', 'day'].map((part) => text(`${question.id}-${part}`)).filter(Boolean).join('-');
        } else {
          fields[question.id] = text(question.id);
        }
      }
      return fields;
    }

    /** The report document (docs/FORMAT.md "Report") for the form as it is now. */
    function reportDocument(submissionId, attachments, receipt) {
      return {
        format: 'resguardo-report',
        version: 1,
        submission_id: submissionId,
        sealed_by: 'browser',
        language: document.documentElement.lang || '',
        questionnaire: {
          id: form.dataset.questionnaireId,
          version: Number(form.dataset.questionnaireVersion),
          sha256: form.dataset.questionnaireSha256,
        },
        fields: answers(),
        attachments,
        reply_to: { kind: 'xwing', public_key: receipt.publicKey },
      };
    }

    /** [{name, text}] for each field the form cannot be sent with. */
    function problems(files, totalBytes) {
      const found = [];
      const data = new FormData(form);
      for (const question of QUESTIONS) {
        if (!question.required) continue;
        const values = data.getAll(question.id).filter((v) => typeof v === 'string' && v.trim());
        if (values.length) continue;
        const text = question.kind === 'long_text' || question.kind === 'short_text' ? strings.description : strings.answer;
        found.push({ name: question.id, text });
      }
      if (files.length > Number(form.dataset.maxFiles)) found.push({ name: 'attachments', text: strings.tooMany });
      else if (totalBytes > Number(form.dataset.maxBytes)) found.push({ name: 'attachments', text: strings.tooLarge });
      return found;
    }

    function describedBy(control, id, on) {
      const ids = (control.getAttribute('aria-describedby') || '').split(/\s+/).filter((x) => x && x !== id);
      if (on) ids.push(id);
      if (ids.length) control.setAttribute('aria-describedby', ids.join(' '));
      else control.removeAttribute('aria-describedby');
    }

    function clearProblems() {
      ui.problems.hidden = true;
      ui.problemList.replaceChildren();
      for (const [name, element] of Object.entries(CHECKED)) {
        const control = $(name);
        if (!element.hidden) {
          element.hidden = true;
          element.textContent = '';
          control.removeAttribute('aria-invalid');
          describedBy(control, element.id, false);
        }
      }
    }

    /** Each problem next to its field (aria-invalid, aria-describedby), and linked from the summary, focused. */
    function showProblems(found) {
      for (const { name, text } of found) {
        const control = $(name);
        const element = CHECKED[name];
        element.textContent = text;
        element.hidden = false;
        control.setAttribute('aria-invalid', 'true');
        describedBy(control, element.id, true);
        const link = document.createElement('a');
        link.href = `#${name}`;
        link.textContent = text;
        link.addEventListener('click', (event) => {
          event.preventDefault();
          control.focus();
        });
        const item = document.createElement('li');
        item.append(link);
        ui.problemList.append(item);
      }
      ui.problems.hidden = false;
      ui.problems.focus();
    }

    return Object.freeze({ reportDocument, problems, clearProblems, showProblems });
  }

  root.ResguardoQuestions = Object.freeze({ questionsOf });
})(globalThis);
