"""Check-back: the reporter's side of the return path (issue 10).

A reporter keeps a receipt (:class:`keys.Receipt`); the server stores only a
keyed hash of the receipt's lookup key (:mod:`.cases`). With the receipt the
reporter comes back to see the case's status in words and the reviewers'
replies (:mod:`.views`), and adds follow-ups: without JavaScript through
:mod:`.followup` (the receipt comes with the form), with it sealed in the
browser and let into the case by the lookup key alone
(:mod:`.browser_followup`, used by ``/upload/submit``). Wrong receipts all get the
same answer in the same time; a global token bucket (:mod:`.limiter`)
bounds the work a guessing flood can cause. A refreshed no-JavaScript form
is recognised by its one-time ``form_id`` (:mod:`.forms`) and stores nothing
twice. docs/FORMAT.md "Check-back" and docs/THREAT-MODEL.md describe what
the server learns.
"""
