"""``report.txt``: a report rendered for reading, with Spanish or English labels.

The report's own text (in whatever language the reporter wrote) is shown
as given, except that control characters other than newline and tab, and
the bidirectional embedding/override/isolate characters that can disguise
text ("Trojan Source"), are replaced by U+FFFD. ``report.json`` next to it
keeps the exact decrypted JSON.
"""

from __future__ import annotations

import functools
import os
import re
from typing import Mapping, Sequence

from .questionnaire import Registry, labelled_rows

LANGUAGES = ("es", "en")
DEFAULT_LANGUAGE = "es"

LABELS: dict[str, dict[str, str]] = {
    "es": {
        "title": "Reporte de incidente",
        "submission": "Envío",
        "received_on": "Recibido el",
        "sealed_by": "Cifrado en",
        "sealed_by.server": "el servidor (formulario sin JavaScript)",
        "sealed_by.browser": "el navegador de quien reporta",
        "language": "Idioma del formulario",
        "fields": "Respuestas",
        "questionnaire": "Cuestionario",
        "unknown_questionnaire": "desconocido: las respuestas se muestran con sus nombres internos",
        "other_fields": "Otras respuestas",
        "attachments": "Archivos adjuntos",
        "no_attachments": "(ninguno)",
        "empty": "(sin respuesta)",
        "saved_as": "guardado como",
        "original_name": "nombre original",
        "type": "tipo",
        "size": "tamaño",
        "bytes": "bytes",
        "verified": "tamaño y huella verificados",
    },
    "en": {
        "title": "Incident report",
        "submission": "Submission",
        "received_on": "Received on",
        "sealed_by": "Encrypted in",
        "sealed_by.server": "the server (form without JavaScript)",
        "sealed_by.browser": "the reporter's browser",
        "language": "Form language",
        "fields": "Answers",
        "questionnaire": "Questionnaire",
        "unknown_questionnaire": "unknown: answers are shown under their internal names",
        "other_fields": "Other answers",
        "attachments": "Attachments",
        "no_attachments": "(none)",
        "empty": "(no answer)",
        "saved_as": "saved as",
        "original_name": "original name",
        "type": "type",
        "size": "size",
        "bytes": "bytes",
        "verified": "size and hash verified",
    },
}

_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def choose_language(explicit: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """``"es"`` or ``"en"``: ``explicit`` if given, else from ``LC_ALL``,
    ``LC_MESSAGES`` or ``LANG`` (first one set), else Spanish.

    :raises ValueError: if ``explicit`` is not a supported language.
    """
    if explicit is not None:
        if explicit not in LANGUAGES:
            raise ValueError(f"unsupported language {explicit!r}")
        return explicit
    env = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name, "")
        if value:
            code = value[:2].lower()
            return code if code in LANGUAGES else DEFAULT_LANGUAGE
    return DEFAULT_LANGUAGE


_UNREADABLE = {
    code: "\ufffd"
    for code in [*range(0x00, 0x20), *range(0x7F, 0xA0), *map(ord, _BIDI_CONTROLS)]
    if chr(code) not in "\n\t"
}


_NEEDS_WORK = re.compile("[\r" + "".join(re.escape(chr(code)) for code in _UNREADABLE) + "]")
"""Any character :func:`readable` changes (a carriage return or one of ``_UNREADABLE``)."""


def readable(text: object) -> str:
    """``text`` as a string safe to show: newlines normalised to ``\\n``, other
    control characters and bidi overrides replaced by U+FFFD."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    # Most text needs no change (printable: no control or format character at
    # all); str.translate is slow on non-ASCII text such as Spanish.
    if text.isprintable() or (not text.isascii() and _NEEDS_WORK.search(text) is None):
        return text
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.translate(_UNREADABLE)


_schema_text = functools.lru_cache(maxsize=4096)(readable)
""":func:`readable` for section titles and labels, which repeat in every report."""


def _value(value: object, empty: str) -> str:
    """``value`` (a string or a list of them) readable, or ``empty``."""
    values = value if isinstance(value, (list, tuple)) else [value]
    text = ", ".join([readable(v) for v in values]).strip()
    return text if text else empty


def _entry(label: str, value: str) -> list[str]:
    if "\n" not in value:
        return [f"{label}: {value}"]
    lines = value.split("\n")
    out = [f"{label}: {lines[0]}"]
    out.extend(f"    {line}" if line else "" for line in lines[1:])
    return out


def render_report(
    report: Mapping,
    received_on: str,
    saved: Sequence[tuple[Mapping, str]],
    language: str = DEFAULT_LANGUAGE,
    registry: Registry | None = None,
) -> str:
    """The text of ``report.txt``.

    ``report`` is the decrypted report object (docs/FORMAT.md "Report"),
    ``received_on`` the manifest's day, ``saved`` a sequence of
    (attachment entry of the report, file name it was saved under in
    ``attachments/``), ``registry`` where to find the questionnaire the
    report names (the shipped ones if None). Answers are labelled by
    :func:`review.questionnaire.labelled_rows` in that questionnaire's
    sections; answers it does not know are shown under their own names.
    Returns text ending in a newline.
    """
    labels = LABELS[language]
    fields = report.get("fields")
    fields = fields if isinstance(fields, Mapping) else {}
    sealed = report.get("sealed_by")
    lines = [labels["title"], "=" * len(labels["title"]), ""]
    lines += _entry(labels["submission"], readable(report.get("submission_id")))
    lines += _entry(labels["received_on"], readable(received_on))
    lines += _entry(
        labels["sealed_by"], labels.get(f"sealed_by.{sealed}", _value(sealed, labels["empty"]))
    )
    lines += _entry(labels["language"], _value(report.get("language"), labels["empty"]))
    schema = (registry or Registry()).for_report(report)
    ref = report.get("questionnaire")
    if schema is not None:
        lines += _entry(labels["questionnaire"], readable(f"{schema.id} v{schema.version}"))
    elif isinstance(ref, Mapping):
        shown = f"{ref.get('id')} v{ref.get('version')} ({labels['unknown_questionnaire']})"
        lines += _entry(labels["questionnaire"], readable(shown))
    heading = None
    empty = labels["empty"]
    for row in labelled_rows(schema, fields, language):
        title = _schema_text(row.section) or labels["other_fields"]
        if title != heading:
            lines += ["", title, "-" * len(title)]
            heading = title
        lines += _entry(_schema_text(row.label), _value(row.values, empty))
    lines += ["", labels["attachments"], "-" * len(labels["attachments"])]
    if not saved:
        lines.append(labels["no_attachments"])
    for entry, name in saved:
        lines.append(f"- attachments/{name}")
        lines.append(f"    {labels['original_name']}: {_value(entry.get('filename'), labels['empty']).replace(chr(10), chr(0xFFFD))}")
        lines.append(f"    {labels['type']}: {_value(entry.get('content_type'), labels['empty'])}")
        lines.append(f"    {labels['size']}: {entry.get('size')} {labels['bytes']}")
        for algorithm in ("sha256", "blake2b_256"):
            if entry.get(algorithm):
                lines.append(f"    {algorithm}: {readable(entry[algorithm])} ({labels['verified']})")
    return "\n".join(lines) + "\n"
