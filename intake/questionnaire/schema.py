"""Reading and validating a questionnaire file (docs/QUESTIONNAIRE.md).

A questionnaire is one YAML document: sections of questions, each of a
known kind, with coded choices and texts in every language it declares.
:func:`load` parses and validates it and returns an immutable
:class:`Questionnaire`; every problem found is reported at once, each with
its place in the file (line, and a path such as
``sections[2].questions[0].choices[3].code``).

The content hash is SHA-256 over :func:`canonical_bytes` of the parsed
document, so comments, key order and quoting do not change it.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import yaml

FORMAT = "resguardo-questionnaire"
FORMAT_VERSION = 1
SCHEMAS = Path(__file__).parent / "schemas"
DEFAULT_FILE = SCHEMAS / "resguardo-default-v2.yaml"

TEXT_KINDS = ("short_text", "long_text")
CHOICE_KINDS = ("single_choice", "multiple_choice", "region", "consent")
KINDS = TEXT_KINDS + CHOICE_KINDS + ("approximate_date", "files")
#: Kinds whose answers are codes or coarse dates (the dataset's columns).
ANSWER_KINDS = CHOICE_KINDS + ("approximate_date",)
TEXT_DEFAULT_MAX = {"short_text": 500, "long_text": 100_000}
FILES_ID = "attachments"
CONSENT_CODES = ("yes", "no")

_ID = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_CODE = re.compile(r"^[a-z0-9][a-z0-9_]{0,63}$")
_LANG = re.compile(r"^[a-z]{2,3}$")
_RESERVED = frozenset({"csrf_token", "format", "version", "language", "submission_id"})

_TOP_KEYS = {"format", "format_version", "id", "version", "languages", "title", "lists", "sections", "roles", "statistics"}
_SECTION_KEYS = {"id", "title", "intro", "questions"}
_QUESTION_KEYS = {"id", "kind", "label", "report_label", "help", "required", "max_length", "choices", "list", "min_year"}


class QuestionnaireError(ValueError):
    """A questionnaire file is invalid; ``problems`` lists ``"<where>: <what>"`` strings.

    ``<where>`` is ``FILE:LINE: PATH`` (or ``FILE: PATH`` when the line is unknown).
    """

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Choice:
    """One answer option: a stable ``code`` and its label per language."""

    code: str
    label: dict[str, str]


@dataclass(frozen=True)
class Question:
    """One question of a kind in :data:`KINDS`; ``choices`` is empty for non-choice kinds."""

    id: str
    kind: str
    label: dict[str, str]
    report_label: dict[str, str]
    help: dict[str, str] | None
    required: bool
    max_length: int | None
    choices: tuple[Choice, ...]
    min_year: int | None

    def choice(self, code: str) -> Choice | None:
        """The choice with ``code``, or None."""
        return next((c for c in self.choices if c.code == code), None)


@dataclass(frozen=True)
class Section:
    """A titled group of questions, shown in order."""

    id: str
    title: dict[str, str]
    intro: dict[str, str] | None
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Questionnaire:
    """A validated questionnaire. ``document`` is the parsed file (plain data);
    ``sha256`` the hex SHA-256 of its canonical bytes."""

    id: str
    version: int
    languages: tuple[str, ...]
    title: dict[str, str]
    sections: tuple[Section, ...]
    roles: dict[str, Any]
    statistics: dict[str, Any]
    document: dict = field(repr=False)
    sha256: str = ""

    def questions(self) -> Iterator[Question]:
        """Every question, in form order."""
        for section in self.sections:
            yield from section.questions

    def question(self, question_id: str) -> Question | None:
        """The question with this id, or None."""
        return next((q for q in self.questions() if q.id == question_id), None)

    def ref(self) -> dict:
        """What a report carries to name this questionnaire: ``{"id", "version", "sha256"}``."""
        return {"id": self.id, "version": self.version, "sha256": self.sha256}

    def canonical(self) -> bytes:
        """The canonical bytes (what a bundle carries; their SHA-256 is :attr:`sha256`)."""
        return canonical_bytes(self.document)

    def text(self, texts: dict[str, str] | None, language: str) -> str:
        """``texts`` in ``language``, else in the first language of the questionnaire."""
        if not texts:
            return ""
        return texts.get(language) or texts[self.languages[0]]


def canonical_bytes(document: Any) -> bytes:
    """The canonical serialisation of a parsed questionnaire document.

    JSON (RFC 8259) with object keys sorted by code point, no insignificant
    whitespace (separators ``,`` and ``:``), non-ASCII characters written as
    themselves, encoded as UTF-8. The document holds only objects, arrays,
    strings, integers and booleans (validation rejects anything else), so
    this form is unique.
    """
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


# ---- reading YAML with line numbers ----


def _lines(node: yaml.Node, path: tuple, out: dict) -> None:
    out[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                out[path + (key.value,)] = key.start_mark.line + 1
                _lines(value, path + (key.value,), out)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _lines(item, path + (index,), out)


def _path_text(path: tuple) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top)"


class _Checker:
    """Collects located problems while building the objects."""

    def __init__(self, source: str, lines: dict) -> None:
        self.source = source
        self.lines = lines
        self.problems: list[str] = []
        self.languages: tuple[str, ...] = ()

    def bad(self, path: tuple, message: str) -> None:
        probe = path
        while probe and probe not in self.lines:
            probe = probe[:-1]
        line = self.lines.get(probe)
        where = f"{self.source}:{line}" if line else self.source
        self.problems.append(f"{where}: {_path_text(path)}: {message}")

    def mapping(self, value: Any, path: tuple, allowed: set, required: tuple) -> dict:
        if not isinstance(value, dict):
            self.bad(path, "must be a mapping (key: value)")
            return {}
        for key in value:
            if key not in allowed:
                self.bad(path + (key,), f"unknown key (allowed: {', '.join(sorted(allowed))})")
        for key in required:
            if key not in value:
                self.bad(path, f"missing required key '{key}'")
        return value

    def text(self, value: Any, path: tuple, optional: bool = False) -> dict[str, str] | None:
        if value is None and optional:
            return None
        if not isinstance(value, dict):
            self.bad(path, "must map each language to a text, e.g. {es: \"…\", en: \"…\"}")
            return {}
        for language in self.languages:
            if not isinstance(value.get(language), str) or not value[language].strip():
                self.bad(path + (language,), f"missing or empty text in language '{language}'")
        for key in value:
            if key not in self.languages:
                self.bad(path + (key,), f"language '{key}' is not in 'languages'")
        return {k: v for k, v in value.items() if isinstance(v, str)}

    def ident(self, value: Any, path: tuple, pattern: re.Pattern, what: str) -> str:
        if not isinstance(value, str) or not pattern.match(value):
            shown = "a YAML boolean (quote it)" if isinstance(value, bool) else repr(value)
            self.bad(path, f"{what} must match {pattern.pattern}, got {shown}")
            return str(value)
        return value


def _choices(check: _Checker, raw: Any, path: tuple) -> tuple[Choice, ...]:
    if not isinstance(raw, list) or len(raw) < 2:
        check.bad(path, "must be a list of at least 2 choices")
        return ()
    out, seen = [], set()
    for index, item in enumerate(raw):
        where = path + (index,)
        item = check.mapping(item, where, {"code", "label"}, ("code", "label"))
        if not item:
            continue
        code = check.ident(item.get("code"), where + ("code",), _CODE, "a choice code")
        if code in seen:
            check.bad(where + ("code",), f"duplicate code '{code}'")
        seen.add(code)
        out.append(Choice(code, check.text(item.get("label"), where + ("label",)) or {}))
    return tuple(out)


def _question(check: _Checker, raw: Any, path: tuple, lists: dict) -> Question | None:
    raw = check.mapping(raw, path, _QUESTION_KEYS, ("id", "kind", "label"))
    if not raw:
        return None
    qid = check.ident(raw.get("id"), path + ("id",), _ID, "a question id")
    if qid in _RESERVED:
        check.bad(path + ("id",), f"'{qid}' is reserved")
    kind = raw.get("kind")
    if kind not in KINDS:
        check.bad(path + ("kind",), f"unknown kind {kind!r} (one of: {', '.join(KINDS)})")
        return None
    label = check.text(raw.get("label"), path + ("label",)) or {}
    report_label = check.text(raw.get("report_label"), path + ("report_label",), optional=True) or label
    required = raw.get("required", False)
    if not isinstance(required, bool):
        check.bad(path + ("required",), "must be true or false")
    max_length = None
    if kind in TEXT_KINDS:
        max_length = raw.get("max_length", TEXT_DEFAULT_MAX[kind])
        if type(max_length) is not int or not 1 <= max_length <= 1_000_000:
            check.bad(path + ("max_length",), "must be an integer from 1 to 1000000")
    elif "max_length" in raw:
        check.bad(path + ("max_length",), f"only text questions have a max_length, not {kind}")
    choices: tuple[Choice, ...] = ()
    if kind in CHOICE_KINDS:
        if ("choices" in raw) == ("list" in raw):
            check.bad(path, f"a {kind} question needs exactly one of 'choices' or 'list'")
        elif "list" in raw:
            if raw["list"] not in lists:
                check.bad(path + ("list",), f"no list named {raw['list']!r} under 'lists'")
            else:
                choices = lists[raw["list"]]
        else:
            choices = _choices(check, raw["choices"], path + ("choices",))
        if kind == "consent" and choices and tuple(c.code for c in choices) != CONSENT_CODES:
            check.bad(path + ("choices",), "a consent question has exactly the codes 'yes' then 'no'")
    else:
        for key in ("choices", "list"):
            if key in raw:
                check.bad(path + (key,), f"a {kind} question has no {key}")
    min_year = None
    if kind == "approximate_date":
        min_year = raw.get("min_year", 2000)
        if type(min_year) is not int or not 1900 <= min_year <= 2100:
            check.bad(path + ("min_year",), "must be a year from 1900 to 2100")
    elif "min_year" in raw:
        check.bad(path + ("min_year",), "only approximate_date questions have a min_year")
    if kind == "files":
        if qid != FILES_ID:
            check.bad(path + ("id",), f"the files question must have the id '{FILES_ID}'")
        if required:
            check.bad(path + ("required",), "files cannot be required")
    return Question(qid, kind, label, report_label, check.text(raw.get("help"), path + ("help",), optional=True),
                    required is True, max_length, choices, min_year)


def _roles(check: _Checker, raw: Any, questions: dict[str, Question]) -> dict:
    if raw is None:
        return {}
    raw = check.mapping(raw, ("roles",), {"statistics_consent", "urgency"}, ())
    consent = raw.get("statistics_consent")
    if consent is not None and (consent not in questions or questions[consent].kind != "consent"):
        check.bad(("roles", "statistics_consent"), f"{consent!r} is not a consent question")
    urgency = raw.get("urgency")
    if urgency is not None:
        urgency = check.mapping(urgency, ("roles", "urgency"), {"question", "urgent"}, ("question", "urgent"))
        question = questions.get(urgency.get("question"))
        if question is None or question.kind not in CHOICE_KINDS:
            check.bad(("roles", "urgency", "question"), f"{urgency.get('question')!r} is not a choice question")
        elif not isinstance(urgency.get("urgent"), list) or not all(question.choice(c) for c in urgency["urgent"]):
            check.bad(("roles", "urgency", "urgent"), "must list codes of that question's choices")
    return raw


def _statistics(check: _Checker, raw: Any, questions: dict[str, Question]) -> dict:
    if raw is None:
        return {}
    raw = check.mapping(raw, ("statistics",), {"tables", "crosstabs"}, ())

    def dimension(value: Any, path: tuple) -> Question | None:
        question = questions.get(value) if isinstance(value, str) else None
        if question is None or question.kind not in ANSWER_KINDS:
            check.bad(path, f"{value!r} is not a choice or approximate_date question")
            return None
        return question

    tables = raw.get("tables", [])
    if not isinstance(tables, list):
        check.bad(("statistics", "tables"), "must be a list of question ids")
    else:
        for index, value in enumerate(tables):
            dimension(value, ("statistics", "tables", index))
    crosstabs = raw.get("crosstabs", [])
    if not isinstance(crosstabs, list):
        check.bad(("statistics", "crosstabs"), "must be a list of [question id, question id] pairs")
    else:
        for index, pair in enumerate(crosstabs):
            where = ("statistics", "crosstabs", index)
            if not isinstance(pair, list) or len(pair) != 2 or pair[0] == pair[1]:
                check.bad(where, "must be a pair of two different question ids")
                continue
            dims = [dimension(value, where + (i,)) for i, value in enumerate(pair)]
            if all(dims) and all(d.kind == "multiple_choice" for d in dims):
                check.bad(where, "at most one of the two questions may be multiple_choice")
            for value in pair:
                if isinstance(tables, list) and value not in tables:
                    check.bad(where, f"{value!r} needs its own table in 'statistics.tables' too")
    return raw


def _check_plain(check: _Checker, value: Any, path: tuple) -> None:
    """Only mappings with string keys, lists, strings, integers and booleans."""
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                check.bad(path, f"key {key!r} must be text (quote it)")
            _check_plain(check, item, path + (str(key),))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_plain(check, item, path + (index,))
    elif value is None:
        check.bad(path, "has no value")
    elif not isinstance(value, (str, int, bool)):
        check.bad(path, f"unsupported value {value!r} (use text, whole numbers, true/false)")


def parse(text: str | bytes, source: str = "<questionnaire>") -> Questionnaire:
    """Parse and validate questionnaire text (YAML; JSON is YAML too).

    :returns: the :class:`Questionnaire`, with ``sha256`` set.
    :raises QuestionnaireError: listing every problem found, each located.
    """
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}" if mark else source
        raise QuestionnaireError([f"{where}: not valid YAML: {getattr(exc, 'problem', None) or exc}"]) from exc
    lines: dict = {}
    if node is not None:
        _lines(node, (), lines)
    check = _Checker(source, lines)
    top = check.mapping(document, (), _TOP_KEYS, ("format", "format_version", "id", "version", "languages", "title", "sections"))
    if not top:
        raise QuestionnaireError(check.problems)
    _check_plain(check, top, ())
    if top.get("format") != FORMAT:
        check.bad(("format",), f"must be '{FORMAT}'")
    if top.get("format_version") != FORMAT_VERSION:
        check.bad(("format_version",), f"must be {FORMAT_VERSION} (the only format version this program reads)")
    qid = check.ident(top.get("id"), ("id",), _SLUG, "the questionnaire id")
    version = top.get("version")
    if type(version) is not int or version < 1:
        check.bad(("version",), "must be a whole number from 1 up")
    languages = top.get("languages")
    if not isinstance(languages, list) or not languages or not all(isinstance(x, str) and _LANG.match(x) for x in languages):
        check.bad(("languages",), "must be a list of language codes, e.g. [es, en]")
        languages = ["es"]
    elif len(set(languages)) != len(languages):
        check.bad(("languages",), "lists a language twice")
    check.languages = tuple(languages)
    title = check.text(top.get("title"), ("title",)) or {}

    lists: dict[str, tuple[Choice, ...]] = {}
    raw_lists = top.get("lists", {})
    if not isinstance(raw_lists, dict):
        check.bad(("lists",), "must map list names to {standard, choices}")
        raw_lists = {}
    for name, raw in raw_lists.items():
        where = ("lists", name)
        raw = check.mapping(raw, where, {"standard", "choices"}, ("choices",))
        if raw:
            lists[name] = _choices(check, raw.get("choices"), where + ("choices",))

    sections: list[Section] = []
    questions: dict[str, Question] = {}
    raw_sections = top.get("sections")
    if not isinstance(raw_sections, list) or not raw_sections:
        check.bad(("sections",), "must be a non-empty list of sections")
        raw_sections = []
    section_ids: set = set()
    for s_index, raw in enumerate(raw_sections):
        where = ("sections", s_index)
        raw = check.mapping(raw, where, _SECTION_KEYS, ("id", "title", "questions"))
        if not raw:
            continue
        sid = check.ident(raw.get("id"), where + ("id",), _SLUG, "a section id")
        if sid in section_ids:
            check.bad(where + ("id",), f"duplicate section id '{sid}'")
        section_ids.add(sid)
        items = []
        raw_questions = raw.get("questions")
        if not isinstance(raw_questions, list) or not raw_questions:
            check.bad(where + ("questions",), "must be a non-empty list of questions")
            raw_questions = []
        for q_index, raw_q in enumerate(raw_questions):
            question = _question(check, raw_q, where + ("questions", q_index), lists)
            if question is None:
                continue
            if question.id in questions:
                check.bad(where + ("questions", q_index, "id"), f"duplicate question id '{question.id}'")
            questions[question.id] = question
            items.append(question)
        sections.append(Section(sid, check.text(raw.get("title"), where + ("title",)) or {},
                                check.text(raw.get("intro"), where + ("intro",), optional=True), tuple(items)))
    if not any(q.kind == "long_text" and q.required for q in questions.values()):
        check.bad(("sections",), "at least one long_text question must be required (the account of what happened)")
    roles = _roles(check, top.get("roles"), questions)
    statistics = _statistics(check, top.get("statistics"), questions)
    if check.problems:
        raise QuestionnaireError(check.problems)
    return Questionnaire(qid, version, tuple(languages), title, tuple(sections), roles, statistics,
                         top, hashlib.sha256(canonical_bytes(top)).hexdigest())


def load(path: str | Path) -> Questionnaire:
    """Read and validate the questionnaire file at ``path``.

    :raises QuestionnaireError: if it is invalid (located problems).
    :raises OSError: if it cannot be read.
    """
    path = Path(path)
    return parse(path.read_bytes(), str(path))


def load_default() -> Questionnaire:
    """The shipped default questionnaire (``schemas/resguardo-default-v2.yaml``)."""
    return load(DEFAULT_FILE)


def shipped() -> list[Questionnaire]:
    """Every shipped schema document (the default and the versions before it)."""
    return [load(path) for path in sorted(SCHEMAS.glob("*.yaml"))]
