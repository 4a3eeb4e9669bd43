"""The review tool's reader of questionnaire schema documents (docs/QUESTIONNAIRE.md).

Owns: reading a schema document in its canonical JSON form (as bundles carry
it), finding the document a report names (bundle, output folder, or the
copies shipped in ``builtin/``), and :func:`labelled_rows`, which turns
(schema, answers, language) into the rows every reviewer-facing view shows.
Imports the standard library only; never ``intake`` (the format is shared
through the document, not through code).
"""

from .reader import LEGACY_REF, Schema, SchemaError, parse_schema
from .registry import Registry
from .rows import Row, is_urgent, labelled_rows

__all__ = ["LEGACY_REF", "Registry", "Row", "Schema", "SchemaError", "is_urgent", "labelled_rows", "parse_schema"]
