"""The questionnaire: the schema file that says what the report form asks.

Owns reading a questionnaire file (YAML), validating it with located errors,
its canonical form and content hash (docs/QUESTIONNAIRE.md), and the shipped
schema documents in ``schemas/``. Imports PyYAML and the standard library
only; the report form (``intake.report``) and the ``resguardo questionnaire``
command build on it.
"""

from .schema import (
    ANSWER_KINDS,
    CHOICE_KINDS,
    KINDS,
    Choice,
    Question,
    Questionnaire,
    QuestionnaireError,
    Section,
    canonical_bytes,
    load,
    load_default,
    parse,
    shipped,
)

__all__ = [
    "ANSWER_KINDS",
    "CHOICE_KINDS",
    "KINDS",
    "Choice",
    "Question",
    "Questionnaire",
    "QuestionnaireError",
    "Section",
    "canonical_bytes",
    "load",
    "load_default",
    "parse",
    "shipped",
]
