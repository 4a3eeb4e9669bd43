"""Reading a questionnaire schema document (canonical JSON) into a :class:`Schema`.

The intake validates a questionnaire fully before it ever asks it; this
reader checks only what rendering relies on (ids, kinds, codes, texts), and
that the bytes hash to the SHA-256 they are filed under.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

FORMAT = "resguardo-questionnaire"
MAX_BYTES = 1024 * 1024
CHOICE_KINDS = ("single_choice", "multiple_choice", "region", "consent")
#: What a report without a "questionnaire" member was made with (docs/QUESTIONNAIRE.md, "Version 1").
LEGACY_REF = {"id": "resguardo-default", "version": 1}


class SchemaError(ValueError):
    """A schema document is malformed or does not match its hash."""


@dataclass(frozen=True)
class Schema:
    """A schema document: ``document`` (the parsed JSON), ``sha256`` of its bytes.

    ``questions`` maps each question id to its object with ``choices``
    resolved (lists inlined), ``order`` lists (section object, question ids).
    Texts looked up per language are kept (:meth:`layout`), so rendering
    thousands of reports resolves each label once.
    """

    document: dict
    sha256: str
    questions: dict = field(repr=False)
    order: tuple = field(repr=False)
    _layouts: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def id(self) -> str:
        return self.document["id"]

    @property
    def version(self) -> int:
        return self.document["version"]

    def text(self, texts: object, language: str) -> str:
        """``texts`` (a language -> text mapping) in ``language``, else the schema's first language."""
        if not isinstance(texts, dict) or not texts:
            return ""
        first = self.document["languages"][0]
        value = texts.get(language) or texts.get(first) or next(iter(texts.values()))
        return value if isinstance(value, str) else ""

    def choice_label(self, question_id: str, code: str, language: str) -> str | None:
        """The label of ``code`` for ``question_id``, or None if this schema does not know it."""
        names = self.layout(language)[1].get(question_id)
        return None if names is None else names.get(code)

    def layout(self, language: str) -> tuple[tuple[tuple[str, str, str, str], ...], dict[str, dict[str, str]]]:
        """The schema's texts in ``language``, resolved once and kept.

        Returns ``(questions, names)``: ``questions`` is one
        ``(section title, question id, label, kind)`` per question in form
        order, ``files`` questions left out (the label is ``report_label``,
        else ``label``, else the id); ``names`` maps each choice question's id
        to ``{code: label}`` (the first choice of a code wins; a label may be
        ``""``). Callers must not change what is returned.
        """
        cached = self._layouts.get(language)
        if cached is None:
            questions, names = [], {}
            for section, ids in self.order:
                title = self.text(section.get("title"), language)
                for qid in ids:
                    question = self.questions[qid]
                    if question["kind"] in CHOICE_KINDS and qid not in names:
                        codes: dict[str, str] = {}
                        for choice in question["choices"]:
                            codes.setdefault(choice["code"], self.text(choice.get("label"), language))
                        names[qid] = codes
                    if question["kind"] != "files":
                        label = self.text(question.get("report_label") or question.get("label"), language) or qid
                        questions.append((title, qid, label, question["kind"]))
            cached = self._layouts.setdefault(language, (tuple(questions), names))
        return cached


def _need(condition: bool, what: str) -> None:
    if not condition:
        raise SchemaError(what)


def parse_schema(data: bytes, expected_sha256: str | None = None) -> Schema:
    """Parse a schema document's canonical JSON bytes.

    :raises SchemaError: if it is larger than 1 MiB, not UTF-8 JSON, its
        SHA-256 is not ``expected_sha256`` (when given), or a section,
        question or choice lacks what rendering needs.
    """
    _need(len(data) <= MAX_BYTES, "the questionnaire is larger than 1 MiB")
    digest = hashlib.sha256(data).hexdigest()
    if expected_sha256 is not None:
        _need(digest == expected_sha256, "the questionnaire does not match its SHA-256")
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise SchemaError("the questionnaire is not UTF-8 JSON") from exc
    _need(isinstance(document, dict) and document.get("format") == FORMAT, "not a questionnaire")
    _need(isinstance(document.get("id"), str) and type(document.get("version")) is int, "no id or version")
    languages = document.get("languages")
    _need(isinstance(languages, list) and languages and all(isinstance(x, str) for x in languages), "no languages")
    lists = document.get("lists") or {}
    _need(isinstance(lists, dict), "lists is not an object")
    sections = document.get("sections")
    _need(isinstance(sections, list), "sections is not a list")
    questions: dict = {}
    order = []
    for section in sections:
        _need(isinstance(section, dict) and isinstance(section.get("questions"), list), "a section has no questions")
        ids = []
        for question in section["questions"]:
            _need(isinstance(question, dict) and isinstance(question.get("id"), str)
                  and isinstance(question.get("kind"), str), "a question has no id or kind")
            resolved = dict(question)
            if question["kind"] in CHOICE_KINDS:
                choices = question.get("choices")
                if choices is None:
                    choices = (lists.get(question.get("list")) or {}).get("choices")
                _need(isinstance(choices, list) and all(
                    isinstance(c, dict) and isinstance(c.get("code"), str) for c in choices
                ), f"question {question['id']} has no valid choices")
                resolved["choices"] = choices
            questions[question["id"]] = resolved
            ids.append(question["id"])
        order.append((section, tuple(ids)))
    return Schema(document, digest, questions, tuple(order))
