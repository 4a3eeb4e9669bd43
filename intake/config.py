"""Configuration: loaded and validated in one place.

Every setting comes from the environment (``RESGUARDO_*``) or from
``test_config``; secrets have no defaults. :func:`load` raises
:class:`ConfigError` with an operator-readable message for anything wrong,
and the app refuses to start.

=============================  ==============================================
environment variable           meaning (default)
=============================  ==============================================
RESGUARDO_DATA_DIR             data directory (required): database, blobs/
RESGUARDO_SECRET_KEY_FILE      file with the Flask secret key
                               (``DATA_DIR/secret_key``, made by
                               ``resguardo init``; at least 32 bytes)
RESGUARDO_DATABASE_URL         SQLAlchemy URL (``sqlite:///DATA_DIR/resguardo.db``)
RESGUARDO_BLOB_DIR             where an installation older than migration 0003
                               kept blob files (``DATA_DIR/blobs``);
                               ``resguardo init`` moves them into the database
RESGUARDO_ENV                  ``production`` (default) or ``development``
RESGUARDO_MAX_CONTENT_LENGTH   bytes of files per report, before encryption
                               (536870912 = 512 MiB), on both paths
RESGUARDO_MAX_FORM_PARTS       multipart parts per request (64)
RESGUARDO_MAX_FORM_MEMORY      bytes of all text fields of one report (1048576 =
                               1 MiB; at
                               least 131072, Werkzeug reads 64 KiB at a time)
RESGUARDO_MAX_ATTACHMENTS      files per submission (20)
RESGUARDO_SESSION_PENDING_BYTES  declared (envelope) bytes of unfinished browser uploads
                               one browser session may hold (twice the files'
                               limit plus the text: envelopes of files within
                               the promise always fit, padding and headers
                               included; the plaintext promise itself is
                               checked on each declared upload)
RESGUARDO_SESSION_PENDING_FILES  unfinished uploads one browser session may
                               hold (``RESGUARDO_MAX_ATTACHMENTS`` + 1)
RESGUARDO_PENDING_BYTES        bytes all unfinished uploads together may hold
                               or be promised (4294967296 = 4 GiB); past it
                               new uploads get a "try again later" (503)
RESGUARDO_PENDING_FILES        unfinished uploads in all (2000)
RESGUARDO_PENDING_SESSIONS     open browser upload sessions in all (5000)
RESGUARDO_PENDING_EXPIRY_HOURS an unfinished upload idle this many whole
                               hours is deleted by the next ``resguardo tick``
                               (1: gone 1 to 2 hours after its last byte)
RESGUARDO_DISK_FLOOR           free bytes the data directory's file system
                               must keep (1073741824 = 1 GiB); below it new
                               uploads and reports get a "try again later"
                               (503); stored reports are never touched
RESGUARDO_MAX_UPLOADS          uploads (form posts, encrypted pieces) running
                               at once per worker process (150); more get a
                               503 "try again"
RESGUARDO_MIN_BODY_RATE        bytes per second a request body must average
                               once RESGUARDO_BODY_RATE_GRACE seconds (120)
                               have passed (512); slower ones end with 408
RESGUARDO_QUESTIONNAIRE        the questionnaire file the form asks
                               (the shipped default, docs/QUESTIONNAIRE.md);
                               an invalid one stops the app from starting
RESGUARDO_ORG_NAME             the receiving organisation's name, shown to
                               reporters on the form and the receipt ("")
RESGUARDO_READ_WITHIN_DAYS     how many days reports usually take to be read,
                               said on the form and the receipt (0: not said)
RESGUARDO_EMERGENCY_CONTACT    who to call in immediate danger, shown as
                               written on the form and the receipt ("")
RESGUARDO_RETENTION_UNACKNOWLEDGED_DAYS  exported ciphertext that reviewers
                               never marked as read is deleted by the tick
                               after this many days (30)
RESGUARDO_RETENTION_IDLE_DAYS  replies and case records expire this many days
                               after the reporter's last check-back (90)
RESGUARDO_REPLY_SIGNING_KEY    the reply-signing public key file that return
                               bundles must be signed with
                               (``DATA_DIR/reply-signing.pub``)
RESGUARDO_CHECKBACK_RATE       check-back attempts a second per worker, all
                               reporters together (20; burst 4x)
=============================  ==============================================
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Mapping

from .questionnaire import QuestionnaireError
from .questionnaire import load as load_questionnaire
from .questionnaire.schema import DEFAULT_FILE as DEFAULT_QUESTIONNAIRE

MIB = 1024 * 1024


class ConfigError(Exception):
    """The configuration is missing or unsafe; the message says what to fix."""


def _int(env: Mapping[str, str], name: str, default: int, minimum: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}")
    return value


def _read_secret(path: Path) -> str:
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        raise ConfigError(
            f"no secret key file at {path}; run `resguardo init` first"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the secret key file {path}: {exc}") from None
    if len(text) < 32:
        raise ConfigError(f"the secret key in {path} is too short (need 32+ characters)")
    return text


def load(test_config: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Build the app configuration from ``env`` (default ``os.environ``).

    ``test_config`` values override what the environment gives, key by key
    (Flask config names, e.g. ``DATA_DIR``, ``SECRET_KEY``).

    :returns: a dict of Flask config keys.
    :raises ConfigError: if the data directory or secret key is missing, a
        number is malformed, or debug is on outside development.
    """
    env = os.environ if env is None else env
    overrides = dict(test_config or {})

    data_dir = overrides.get("DATA_DIR") or env.get("RESGUARDO_DATA_DIR")
    if not data_dir:
        raise ConfigError("RESGUARDO_DATA_DIR is not set: say where the data directory is")
    data_dir = Path(data_dir).resolve()

    mode = overrides.get("RESGUARDO_ENV") or env.get("RESGUARDO_ENV", "production")
    if mode not in ("production", "development"):
        raise ConfigError("RESGUARDO_ENV must be 'production' or 'development'")

    config: dict[str, Any] = {
        "DATA_DIR": data_dir,
        "RESGUARDO_ENV": mode,
        "DATABASE_URL": env.get("RESGUARDO_DATABASE_URL") or f"sqlite:///{data_dir / 'resguardo.db'}",
        "BLOB_DIR": Path(env.get("RESGUARDO_BLOB_DIR") or data_dir / "blobs").resolve(),
        "MAX_CONTENT_LENGTH": _int(env, "RESGUARDO_MAX_CONTENT_LENGTH", 512 * MIB, 1024),
        "MAX_FORM_PARTS": _int(env, "RESGUARDO_MAX_FORM_PARTS", 64, 4),
        "MAX_FORM_MEMORY_SIZE": _int(env, "RESGUARDO_MAX_FORM_MEMORY", MIB, 128 * 1024),
        "MAX_ATTACHMENTS": _int(env, "RESGUARDO_MAX_ATTACHMENTS", 20, 1),
        "PENDING_BYTES": _int(env, "RESGUARDO_PENDING_BYTES", 4096 * MIB, 0),
        "PENDING_FILES": _int(env, "RESGUARDO_PENDING_FILES", 2000, 0),
        "PENDING_SESSIONS": _int(env, "RESGUARDO_PENDING_SESSIONS", 5000, 0),
        "PENDING_EXPIRY_HOURS": _int(env, "RESGUARDO_PENDING_EXPIRY_HOURS", 1, 1),
        "DISK_FLOOR": _int(env, "RESGUARDO_DISK_FLOOR", 1024 * MIB, 0),
        "MAX_UPLOADS": _int(env, "RESGUARDO_MAX_UPLOADS", 150, 1),
        "MIN_BODY_RATE": _int(env, "RESGUARDO_MIN_BODY_RATE", 512, 0),
        "BODY_RATE_GRACE": _int(env, "RESGUARDO_BODY_RATE_GRACE", 120, 1),
        "ORG_NAME": env.get("RESGUARDO_ORG_NAME", "").strip(),
        "READ_WITHIN_DAYS": _int(env, "RESGUARDO_READ_WITHIN_DAYS", 0, 0),
        "EMERGENCY_CONTACT": env.get("RESGUARDO_EMERGENCY_CONTACT", "").strip(),
        "RETENTION_UNACKNOWLEDGED_DAYS": _int(env, "RESGUARDO_RETENTION_UNACKNOWLEDGED_DAYS", 30, 1),
        "RETENTION_IDLE_DAYS": _int(env, "RESGUARDO_RETENTION_IDLE_DAYS", 90, 1),
        "REPLY_SIGNING_KEY": Path(env.get("RESGUARDO_REPLY_SIGNING_KEY") or data_dir / "reply-signing.pub"),
        "CHECKBACK_RATE": _int(env, "RESGUARDO_CHECKBACK_RATE", 20, 1),
        "SESSION_COOKIE_NAME": "resguardo_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Strict",
        "SESSION_COOKIE_SECURE": False,  # onion services are served over http://
        "SESSION_REFRESH_EACH_REQUEST": False,
        # A reporter may take hours to write; the token lives as long as the
        # browser session instead of expiring and losing their report.
        "WTF_CSRF_TIME_LIMIT": None,
        "WTF_CSRF_SSL_STRICT": False,
        "BABEL_DEFAULT_LOCALE": "es",
        "LANGUAGES": ("es", "en"),
        "DEBUG": False,
        "TESTING": False,
        "PROPAGATE_EXCEPTIONS": False,
        "TRAP_HTTP_EXCEPTIONS": False,
        "JSON_SORT_KEYS": False,
    }
    config.update(overrides)
    config.setdefault(
        "SESSION_PENDING_BYTES",
        _int(env, "RESGUARDO_SESSION_PENDING_BYTES", 2 * (config["MAX_CONTENT_LENGTH"] + config["MAX_FORM_MEMORY_SIZE"]), 0),
    )
    config.setdefault(
        "SESSION_PENDING_FILES",
        _int(env, "RESGUARDO_SESSION_PENDING_FILES", config["MAX_ATTACHMENTS"] + 1, 0),
    )

    if "SECRET_KEY" not in overrides:
        secret_file = Path(env.get("RESGUARDO_SECRET_KEY_FILE") or data_dir / "secret_key")
        config["SECRET_KEY"] = _read_secret(secret_file)
    if not config.get("SECRET_KEY") or len(str(config["SECRET_KEY"])) < 32:
        raise ConfigError("SECRET_KEY is missing or shorter than 32 characters")
    if config.get("DEBUG") and config["RESGUARDO_ENV"] != "development":
        raise ConfigError("debug mode is only allowed with RESGUARDO_ENV=development")
    if config.get("WTF_CSRF_ENABLED") is False:
        raise ConfigError("CSRF protection cannot be turned off")
    source = config.get("QUESTIONNAIRE") or env.get("RESGUARDO_QUESTIONNAIRE") or DEFAULT_QUESTIONNAIRE
    if not hasattr(source, "sha256"):
        try:
            config["QUESTIONNAIRE"] = load_questionnaire(source)
        except QuestionnaireError as exc:
            raise ConfigError(f"the questionnaire {source} is invalid:\n{exc}") from None
        except OSError as exc:
            raise ConfigError(f"cannot read the questionnaire {source}: {exc.strerror or exc}") from None
    return config
