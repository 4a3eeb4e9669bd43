"""docs/OPERATIONS.md pastes: shell blocks parse, carry no prompts or sudo, and
the resguardo-backup / resguardo-onion lines are valid for those commands."""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

import pytest

from deploy import onion
from deploy.backup import cli as backup_cli

DOC = Path(__file__).resolve().parents[2] / "docs" / "OPERATIONS.md"
FENCE = re.compile(r"^```([a-z]*)\n(.*?)^```", re.S | re.M)


def blocks() -> list[tuple[str, str]]:
    """``(language, body)`` of every fenced block, indentation removed."""
    text = re.sub(r"^ {3}(?=\S|```)", "", DOC.read_text(encoding="utf-8"), flags=re.M)
    return [(m.group(1), m.group(2)) for m in FENCE.finditer(text)]


def commands(body: str) -> list[list[str]]:
    """The simple commands of a shell block (continuation lines joined, split at ``&&``, ``;``, ``|``)."""
    found: list[list[str]] = []
    for line in body.replace("\\\n", " ").splitlines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        lexer.commenters = "#"
        words: list[str] = []
        for token in lexer:
            if token in ("&&", ";", "|", "||", ">", ">>", "<"):
                found.append(words)
                words = []
            else:
                words.append(token)
        found.append(words)
    return [words for words in found if words]


def test_there_are_shell_blocks():
    assert len([lang for lang, _ in blocks() if lang == "sh"]) >= 20


@pytest.mark.parametrize("index", range(len(blocks())))
def test_no_block_has_a_prompt_or_sudo(index):
    _, body = blocks()[index]
    for line in body.splitlines():
        assert not re.match(r"^\s*[#$] ", line), line
        assert not re.search(r"(^|[\s;&|(])sudo\s", line), line


@pytest.mark.parametrize("body", [body for lang, body in blocks() if lang == "sh"])
def test_shell_blocks_parse(body):
    result = subprocess.run(["bash", "-n"], input=body, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def _invocations(program: str) -> list[list[str]]:
    found = []
    for lang, body in blocks():
        if lang != "sh":
            continue
        for words in commands(body):
            for i, word in enumerate(words):
                if (i == 0 and word == program) or word.endswith(f"/bin/{program}"):
                    found.append(words[i + 1:])
    return found


def test_the_backup_commands_are_valid():
    invocations = _invocations("resguardo-backup")
    assert {args[0] for args in invocations} == {"keygen", "restore"}
    for args in invocations:
        backup_cli._parser().parse_args(args)


def test_the_launcher_commands_are_valid():
    invocations = _invocations("resguardo-onion")
    assert len(invocations) >= 4
    for args in invocations:
        onion._parser().parse_args(args)
