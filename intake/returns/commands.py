"""Operator commands of the return path: ``resguardo import-return FILE`` and ``resguardo status``.

Exit codes of ``import-return`` (besides :mod:`intake.cli`'s 0, 2, 3, 5):
10 malformed, 11 unsupported version, 12 foreign signer, 13 bad signature,
14 reply mismatch, 15 bad reply envelope, 16 replayed. A refused bundle
changes nothing.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
from sqlalchemy import func, select

import keys

from ..cli import EXIT_CONFIG, EXIT_FILES, EXIT_KEYFILE, _app, _data_dir_option, fail, main


@main.command("import-return")
@_data_dir_option
@click.argument("bundle", type=click.Path(dir_okay=False, path_type=Path))
def import_return(bundle: Path) -> None:
    """Import a return bundle from the reviewers: store the replies, delete what they have read.

    The bundle must be signed with the reply-signing key configured in
    RESGUARDO_REPLY_SIGNING_KEY. A bundle that fails any check (malformed,
    unsupported version, foreign signer, bad signature, reply mismatch, bad
    reply envelope, replayed) is refused as a whole and changes nothing.
    """
    from .apply import apply_bundle
    from .reader import ReturnRefused, read_bundle

    app = _app()
    key_path = app.config["REPLY_SIGNING_KEY"]
    try:
        signing_key = keys.read_signing_public_key_file(key_path)
    except FileNotFoundError:
        fail(f"no reply-signing public key at {key_path}: copy the organisation's reply-signing "
             "public key file there (or set RESGUARDO_REPLY_SIGNING_KEY)", EXIT_CONFIG)
    except (OSError, keys.KeysError) as exc:
        fail(f"cannot use the reply-signing public key {key_path}: {exc}", EXIT_KEYFILE)
    with app.app_context():
        try:
            checked = read_bundle(bundle, signing_key)
            result = apply_bundle(checked)
        except ReturnRefused as refused:
            fail(f"return bundle refused ({refused.outcome}): {refused}; nothing was changed", refused.exit_code)
        except FileNotFoundError:
            fail(f"{bundle} does not exist; nothing was changed", EXIT_FILES)
        except OSError as exc:
            fail(f"could not read {bundle}: {exc.strerror or exc}; nothing was changed", EXIT_FILES)
    click.echo(f"return bundle {checked.return_id} imported")
    stored = "1 reply" if result.replies_stored == 1 else f"{result.replies_stored} replies"
    click.echo(f"{stored} stored, {result.replies_skipped} skipped (case no longer here)")
    marked = "1 submission" if result.acknowledged == 1 else f"{result.acknowledged} submissions"
    items = "1 item" if result.items_deleted == 1 else f"{result.items_deleted} items"
    click.echo(f"{marked} marked as read and deleted ({items}), {result.acknowledged_skipped} no longer here")


@main.command()
@_data_dir_option
def status() -> None:
    """Counts of submissions and cases by state (never a time or day of one report)."""
    from ..checkback.cases import today
    from ..models import Case, CaseSubmission, Reply, Submission

    app = _app()
    unack_days = app.config["RETENTION_UNACKNOWLEDGED_DAYS"]
    with app.app_context():
        from .. import db

        session = db.session()
        count = lambda query: session.scalar(query) or 0  # noqa: E731
        waiting = count(select(func.count()).select_from(Submission).where(Submission.exported_on.is_(None)))
        exported = count(select(func.count()).select_from(Submission).where(Submission.exported_on.is_not(None)))
        soon = today() - dt.timedelta(days=max(unack_days - 7, 0))
        nearing = count(
            select(func.count()).select_from(Submission)
            .where(Submission.exported_on.is_not(None), Submission.exported_on <= soon)
        )
        read = count(select(func.count()).select_from(CaseSubmission).where(CaseSubmission.acknowledged_on.is_not(None)))
        cases = count(select(func.count()).select_from(Case))
        replies = count(select(func.count()).select_from(Reply))
    click.echo(f"submissions waiting for export: {waiting}")
    click.echo(f"submissions exported, not yet marked as read: {exported}")
    click.echo(f"submissions read by reviewers (ciphertext deleted): {read}")
    click.echo(f"cases a reporter can check on: {cases}")
    click.echo(f"replies stored for reporters (kept until their case expires): {replies}")
    if nearing:
        click.echo(
            f"resguardo: warning: {nearing} exported submissions not marked as read will be deleted within "
            f"7 days (RESGUARDO_RETENTION_UNACKNOWLEDGED_DAYS={unack_days}); import the reviewers' return bundle",
            err=True,
        )
