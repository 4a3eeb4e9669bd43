"""The browser's receipt word list is keys/'s, current and generated."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_receipt_words_js_is_generated_from_the_keys_list():
    spec = importlib.util.spec_from_file_location("make_receipt_words", ROOT / "tools" / "make_receipt_words.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.TARGET.read_text(encoding="utf-8") == module.render()
    assert '"abaco"' in module.render() and '"zurdo"' in module.render()
