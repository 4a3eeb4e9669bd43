"""The operator's command line: ``resguardo COMMAND``.

Commands work on the installation named by ``RESGUARDO_DATA_DIR`` (or
``--data-dir``). Errors are one plain line on stderr and a non-zero exit
code, never a traceback:

====  =====================================================
code  meaning
====  =====================================================
0     done
1     the command ran but something needs attention (damaged items)
2     configuration or usage problem (what to fix is printed)
3     a key file could not be read or is invalid
4     the reviewer key is already registered / not found
5     a file or folder could not be read or written
====  =====================================================
"""

from __future__ import annotations

import functools
import os
import secrets
import sys
from pathlib import Path

import click

import keys

from . import config, db, reviewers

EXIT_ATTENTION = 1
EXIT_CONFIG = 2
EXIT_KEYFILE = 3
EXIT_REVIEWER = 4
EXIT_FILES = 5
DEMO_NAME = "DEMO key - not for real reports"



def _count(number: int, noun: str) -> str:
    """``"1 submission"``, ``"2 submissions"``: English operator output, counted right."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"

def fail(message: str, code: int) -> None:
    """Print ``resguardo: error: message`` to stderr and exit with ``code``."""
    click.echo(f"resguardo: error: {message}", err=True)
    sys.exit(code)


def _data_dir_option(func):
    @click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), help="Data directory (default: $RESGUARDO_DATA_DIR).")
    @functools.wraps(func)
    def wrapper(*args, data_dir: Path | None = None, **kwargs):
        if data_dir is not None:
            os.environ["RESGUARDO_DATA_DIR"] = str(data_dir)
        return func(*args, **kwargs)

    return wrapper


def _app():
    from . import create_app

    try:
        app = create_app(require_reviewers=False)
    except config.ConfigError as exc:
        fail(str(exc), EXIT_CONFIG)
    # Close the database connections when the command ends (PostgreSQL
    # otherwise logs each one as an unexpected disconnect).
    click.get_current_context().call_on_close(lambda: db.dispose(app))
    if not db.is_migrated(app.extensions["resguardo.engine"]):
        stored = _stored_blob_count(app.config["BLOB_DIR"])
        if stored:
            fail(
                f"the database is missing or empty, but the blob store holds {stored} encrypted items: "
                "restore the database from a backup (docs/OPERATIONS.md, 'Restore') before anything else",
                EXIT_CONFIG,
            )
        fail("the database is not initialised: run `resguardo init`", EXIT_CONFIG)
    if not db.is_current(app.extensions["resguardo.engine"]):
        fail("the database is from an older version of Resguardo: run `resguardo init` to upgrade it", EXIT_CONFIG)
    return app


def _stored_blob_count(blob_dir: Path) -> int:
    """Blob files of an older installation under ``blob_dir`` (0 if it does not exist)."""
    from .storage import is_id

    try:
        return sum(1 for entry in Path(blob_dir).iterdir() if is_id(entry.name))
    except FileNotFoundError:
        return 0


class _Commands(click.Group):
    """A click group that turns file-system errors into one line, never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except PermissionError as exc:
            fail(f"permission denied: {exc.filename or exc} (run as the user that owns the data directory)", EXIT_FILES)
        except OSError as exc:
            fail(f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), EXIT_FILES)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Operate a Resguardo intake: keys, exports, maintenance."""
    previous = os.umask(0o077)  # database, WAL and bundle files: owner only
    click.get_current_context().call_on_close(lambda: os.umask(previous))


@main.command()
@_data_dir_option
@click.option("--force", is_flag=True, help="Create an empty database even though encrypted items are stored.")
def init(force: bool) -> None:
    """Create the data directory, the secret key file and the database (safe to re-run)."""
    raw = os.environ.get("RESGUARDO_DATA_DIR")
    if not raw:
        fail("set RESGUARDO_DATA_DIR or pass --data-dir", EXIT_CONFIG)
    data_dir = Path(raw).resolve()
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    secret_file = Path(os.environ.get("RESGUARDO_SECRET_KEY_FILE") or data_dir / "secret_key")
    if not secret_file.exists():
        fd = os.open(secret_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48) + "\n")
        click.echo(f"created the app secret key in {secret_file}")
    try:
        settings = config.load()
    except config.ConfigError as exc:
        fail(str(exc), EXIT_CONFIG)
    engine = db.make_engine(settings["DATABASE_URL"])
    try:
        fresh = not db.is_migrated(engine)
    finally:
        engine.dispose()
    stored = _stored_blob_count(settings["BLOB_DIR"])
    if fresh and stored and not force:
        fail(
            f"there is no database, but the blob store holds {stored} encrypted items: restore the "
            "database from a backup (docs/OPERATIONS.md, 'Restore'); a new empty one would orphan them. "
            "Pass --force to start an empty database anyway",
            EXIT_CONFIG,
        )
    db.upgrade(settings["DATABASE_URL"])
    from .legacy import import_blob_files

    engine = db.make_engine(settings["DATABASE_URL"])
    try:
        moved = import_blob_files(engine, settings["BLOB_DIR"])
    finally:
        engine.dispose()
    if moved.imported or moved.removed:
        click.echo(f"moved {moved.imported} stored items from {settings['BLOB_DIR']} into the database "
                   f"(and deleted {moved.removed} leftover files of unfinished uploads)")
    for item_id in moved.mismatched:
        click.echo(f"resguardo: warning: {settings['BLOB_DIR']}/{item_id} does not match its row and was left there", err=True)
    click.echo(f"database ready; data directory {data_dir}")
    if moved.mismatched:
        sys.exit(EXIT_ATTENTION)


@main.group()
def reviewer() -> None:
    """Add, list or remove the reviewer public keys reports are sealed to."""


def _looks_secret(path: Path) -> bool:
    """True if ``path`` starts like a secret-key file."""
    try:
        with open(path, "rb") as handle:
            return handle.read(64).lstrip().startswith(keys.keyfile.SECRET_MAGIC.encode())
    except OSError:
        return False


@reviewer.command("add")
@_data_dir_option
@click.argument("public_key_file", type=click.Path(dir_okay=False, path_type=Path))
def reviewer_add(public_key_file: Path) -> None:
    """Register a reviewer's .public-key file. Compare the printed fingerprint with the reviewer aloud."""
    try:
        key = keys.read_public_key_file(public_key_file)
    except keys.LowOrderKeyError:
        fail(
            f"{public_key_file} holds an unusable public key (a low-order X25519 key, such as all zeros: "
            "nothing sealed to it would be secret); ask the reviewer for the .public-key file `review keygen` made",
            EXIT_KEYFILE,
        )
    except keys.KeyFileError as exc:
        if _looks_secret(public_key_file):
            fail(
                f"{public_key_file} is a SECRET key file. It must never leave the reviewer's laptop: "
                "delete this copy securely, tell the reviewer, and ask for their .public-key file",
                EXIT_KEYFILE,
            )
        fail(f"cannot use {public_key_file}: {exc}", EXIT_KEYFILE)
    except keys.KeysError as exc:
        fail(f"cannot use {public_key_file}: {exc}", EXIT_KEYFILE)
    except OSError as exc:
        fail(f"cannot read {public_key_file}: {exc.strerror or exc}", EXIT_KEYFILE)
    with _app().app_context():
        try:
            reviewers.add(key, demo=key.name.startswith(reviewers.DEMO_PREFIX))
        except reviewers.ReviewerError as exc:
            fail(str(exc), EXIT_REVIEWER)
    click.echo(f"added reviewer key {key.name!r}")
    click.echo(f"key type: {'X-Wing (post-quantum hybrid)' if key.kind == 'xwing' else 'X25519 (not post-quantum)'}")
    click.echo(f"fingerprint: {key.fingerprint.display()}")
    click.echo("check this fingerprint with the reviewer, by voice, before relying on it")


@reviewer.command("list")
@_data_dir_option
def reviewer_list() -> None:
    """Show every registered key with its fingerprint."""
    with _app().app_context():
        rows = reviewers.list_reviewers()
        if not rows:
            click.echo("no reviewer keys registered: reports cannot be accepted")
            return
        for row in rows:
            display = keys.Fingerprint.from_hex(row.fingerprint).display()
            label = " [DEMO]" if row.demo else ""
            try:
                reviewers.public_key(row)
            except reviewers.UnusableKeyError:
                label += " [UNUSABLE: low-order key, remove it]"
            click.echo(f"{display}  {row.added_on.isoformat()}  {row.kind:6}  {row.name}{label}")


@reviewer.command("remove")
@_data_dir_option
@click.argument("fingerprint")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def reviewer_remove(fingerprint: str, yes: bool) -> None:
    """Stop sealing new reports to a key (give at least its first 8 hex digits)."""
    with _app().app_context():
        try:
            row = reviewers.find(fingerprint)
        except reviewers.ReviewerError as exc:
            fail(str(exc), EXIT_REVIEWER)
        display = keys.Fingerprint.from_hex(row.fingerprint).display()
        if len(reviewers.list_reviewers()) == 1:
            click.echo("warning: this is the last key; the site will refuse reports until another is added", err=True)
        if not yes and not click.confirm(f"remove {row.name!r} ({display})?"):
            fail("nothing removed", EXIT_ATTENTION)
        reviewers.remove(row)
        click.echo(f"removed {display}")


@main.command("demo-key")
@_data_dir_option
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path), help="Where to write the demo keypair.")
def demo_key(out_dir: Path) -> None:
    """Create and register a clearly labelled DEMO reviewer keypair (local trials only).

    Its secret key and passphrase are written next to each other: never use
    it for real reports.
    """
    out_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    secret_path = out_dir / "demo.secret-key"
    public_path = out_dir / "demo.public-key"
    passphrase_path = out_dir / "demo-passphrase.txt"
    if secret_path.exists():
        fail(f"{secret_path} already exists", EXIT_KEYFILE)
    passphrase = "-".join(secrets.token_hex(3) for _ in range(5))
    key = keys.XWingSecretKey.generate(DEMO_NAME)
    keys.write_secret_key_file(secret_path, key, passphrase)
    keys.write_public_key_file(public_path, key.public_key)
    fd = os.open(passphrase_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(passphrase + "\n")
    with _app().app_context():
        try:
            reviewers.add(key.public_key, demo=True)
        except reviewers.ReviewerError as exc:
            fail(str(exc), EXIT_REVIEWER)
    click.echo(f"demo reviewer key: {secret_path} (passphrase in {passphrase_path})")
    click.echo(f"fingerprint: {key.fingerprint.display()}")


@main.command()
@_data_dir_option
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path), help="Directory for the bundle (e.g. the USB stick).")
@click.option("--include-exported", is_flag=True, help="Also include submissions exported before.")
def export(out_dir: Path, include_exported: bool) -> None:
    """Write every new submission into one bundle file for the reviewers."""
    from .export import export_bundle

    app = _app()
    with app.app_context():
        try:
            result = export_bundle(out_dir, app.extensions["resguardo.blobs"], include_exported=include_exported)
        except FileNotFoundError:
            fail(f"{out_dir.parent} does not exist: is the USB stick mounted? Nothing was exported", EXIT_FILES)
        except OSError as exc:
            fail(f"could not write the bundle to {out_dir}: {exc.strerror or exc}; nothing was exported", EXIT_FILES)
    if result.path is None:
        click.echo("nothing new to export")
    else:
        click.echo(f"bundle: {result.path}")
        click.echo(f"{_count(result.submissions, 'submission')}, {_count(result.items, 'item')}, "
                   f"{_count(result.bytes, 'byte')}")
    for submission_id in result.damaged:
        click.echo(f"resguardo: warning: submission {submission_id} has a missing or altered blob and was not exported", err=True)
    if result.damaged:
        sys.exit(EXIT_ATTENTION)


def _retention(app) -> None:
    from .checkback import retention
    from .checkback.cases import today

    with app.app_context():
        kept = retention.apply(
            db.session(), today(), app.config["RETENTION_UNACKNOWLEDGED_DAYS"], app.config["RETENTION_IDLE_DAYS"]
        )
    if kept.purged_submissions:
        click.echo(f"deleted {kept.purged_submissions} exported submissions never marked as read "
                   f"({kept.purged_items} items; RESGUARDO_RETENTION_UNACKNOWLEDGED_DAYS)")
    if kept.expired_cases:
        click.echo(f"expired {kept.expired_cases} cases idle too long, with {kept.expired_replies} replies "
                   "(RESGUARDO_RETENTION_IDLE_DAYS)")


def _tick() -> None:
    from . import tick as periodic

    app = _app()
    _retention(app)
    result = periodic.run(
        app.extensions["resguardo.engine"], app.config["DATA_DIR"], app.config["PENDING_EXPIRY_HOURS"]
    )
    expired = result.expired
    click.echo(f"expired {expired.blobs} unfinished uploads and {expired.sessions} upload sessions")
    if result.compacted:
        click.echo("database compacted (VACUUM): pages in key order")
    if result.rewritten:
        click.echo(f"rewrote {result.rewritten} rows written since the last tick, in key order")
    click.echo(f"file times set to today 00:00 UTC on {result.reset_paths} paths")


@main.command()
@_data_dir_option
def tick() -> None:
    """The periodic job (hourly, systemd timer): expire unfinished uploads, then wipe
    the order and time of day of what was written since the last tick.

    Unfinished uploads idle RESGUARDO_PENDING_EXPIRY_HOURS whole hours are
    deleted, all of them; the database is compacted in key order; file
    times under the data directory are set to today's 00:00 UTC.
    Safe to run at any time.
    """
    _tick()


@main.command(hidden=True)
@_data_dir_option
@click.option("--older-than", type=int, hidden=True)
@click.option("--limit", type=int, hidden=True)
@click.option("--force", is_flag=True, hidden=True)
def cleanup(older_than: int | None, limit: int | None, force: bool) -> None:
    """The old name of `resguardo tick` (its options are accepted and ignored)."""
    if older_than is not None or limit is not None or force:
        click.echo("resguardo: warning: cleanup is now `resguardo tick`; --older-than, --limit and --force "
                   "are ignored (see RESGUARDO_PENDING_EXPIRY_HOURS)", err=True)
    _tick()


@main.group()
def questionnaire() -> None:
    """Check the questionnaire file the form asks (docs/QUESTIONNAIRE.md)."""


@questionnaire.command("check")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def questionnaire_check(path: Path) -> None:
    """Validate a questionnaire file; print its id, version and SHA-256, or every problem with its place.

    Exit 0 if valid, 2 if invalid (each problem on its own line: FILE:LINE: PATH: what is wrong),
    5 if the file cannot be read.
    """
    from .questionnaire import QuestionnaireError, load

    try:
        schema = load(path)
    except QuestionnaireError as exc:
        for problem in exc.problems:
            click.echo(f"resguardo: error: {problem}", err=True)
        fail(f"{len(exc.problems)} problem(s) in {path}; the app will not start with it", EXIT_CONFIG)
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror or exc}", EXIT_FILES)
    questions = sum(1 for _ in schema.questions())
    click.echo(f"ok: {schema.id} version {schema.version}, {len(schema.sections)} sections, {questions} questions")
    click.echo(f"sha256: {schema.sha256}")


from .returns import commands as _return_commands  # noqa: E402,F401  (registers import-return, status)
