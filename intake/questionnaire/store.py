"""The questionnaires this installation has asked, kept for export.

Reports are sealed, so the server cannot tell which questionnaire a report
used; instead every questionnaire the app starts with is filed once as
``DATA_DIR/questionnaires/<sha256>.json`` (its canonical bytes, public
content), and each export bundle carries all of them (docs/FORMAT.md,
"Bundle"). The reviewer's tool then finds whichever one a report names.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from .schema import Questionnaire

from ..config import ConfigError

FOLDER = "questionnaires"
_NAME = re.compile(r"^([0-9a-f]{64})\.json$")


def remember(data_dir: Path, questionnaire: Questionnaire) -> Path:
    """File ``questionnaire`` under ``data_dir/questionnaires/`` unless it is there already.

    Written under a temporary name, fsynced and renamed, so concurrent
    workers and crashes never leave a partial document.

    :raises OSError: if the folder or file cannot be written.
    """
    folder = Path(data_dir) / FOLDER
    folder.mkdir(mode=0o700, exist_ok=True)
    target = folder / f"{questionnaire.sha256}.json"
    if not target.exists():
        temp = folder / f".{questionnaire.sha256}.{os.getpid()}.part"
        with open(temp, "wb") as handle:
            handle.write(questionnaire.canonical())
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, target)
    return target


def remembered(data_dir: Path) -> list[tuple[str, bytes]]:
    """Every filed questionnaire as (sha256, canonical bytes), sorted by hash; files whose
    bytes do not match their name are left out."""
    folder = Path(data_dir) / FOLDER
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.iterdir()):
        match = _NAME.match(path.name)
        if not match or path.is_symlink() or not path.is_file():
            continue
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() == match.group(1):
            found.append((match.group(1), data))
    return found


def init_app(app) -> None:
    """File the app's questionnaire (``app.config["QUESTIONNAIRE"]``) in its data directory.

    :raises ConfigError: if it cannot be written there.
    """
    try:
        remember(app.config["DATA_DIR"], app.config["QUESTIONNAIRE"])
    except OSError as exc:
        raise ConfigError(f"cannot file the questionnaire in {app.config['DATA_DIR']}: {exc.strerror or exc}") from None
