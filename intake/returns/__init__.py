"""Return bundles on the server: ``resguardo import-return FILE`` (issue 10).

:mod:`.reader` checks a bundle exactly as docs/FORMAT.md "Return bundle",
"Reader" says, each refusal a typed :class:`.reader.ReturnRefused` with its own
exit code; :mod:`.apply` then stores the replies under their cases and
deletes the acknowledged submissions' ciphertext, in one transaction.
"""
