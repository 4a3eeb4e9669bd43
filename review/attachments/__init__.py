"""Attachments handled safely: real type, active-content warnings, metadata, previews, cleaned copies.

:mod:`.detect` finds the real type from the content (libmagic, through the
``python-magic`` binding) and the warnings (type or extension mismatch, HTML,
SVG with script, executables, ``.desktop``, ``.lnk``, Office macros, PDF with
JavaScript); :mod:`.metadata` lists revealing metadata with Debian's
``exiftool``; :mod:`.derive` makes safe derivatives — previews (images
re-encoded by Pillow, PDF pages rasterised by poppler's ``pdftoppm``) and
cleaned copies for sharing — in a resource-limited child process
(:mod:`.sandbox`). Originals are never opened in a viewer and never changed.
:mod:`.case` puts it together for one case folder. Imports the standard
library, ``magic`` and Pillow (in the child) only.
"""

from .case import CleanError, PreviewError, clean_attachment, describe_case_attachments, preview_path

__all__ = ["CleanError", "PreviewError", "clean_attachment", "describe_case_attachments", "preview_path"]
