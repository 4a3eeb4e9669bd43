"""``review dataset`` and ``review stats``: the data sub-commands, wired to the terminal.

Output rules are :mod:`review.output`'s; numbers go to stdout, one fact a line,
in the reviewer's language (:mod:`review.i18n`). The numeric and plotting
libraries are imported only when a command runs, so ``review`` starts fast
and its other commands never load them.
"""

from __future__ import annotations

import argparse
import errno
from pathlib import Path

from ..i18n import _
from ..output import EXIT_USAGE, Output, displayable
from . import DEFAULT_K


def add_parsers(commands) -> None:
    """Add ``dataset`` and ``stats`` to the ``review`` sub-command parser."""
    from ..render import LANGUAGES

    data = commands.add_parser("dataset", help=_("coded answers of consenting cases as CSV and JSONL"))
    data.add_argument("outdir", type=Path, metavar="OUTDIR", help=_("the folder that holds the case folders"))
    data.add_argument("--out", required=True, type=Path, metavar="DIR", help=_("folder for dataset.csv and dataset.jsonl"))
    data.add_argument("--lang", choices=LANGUAGES, help=_("language of the messages (default: from LANG, else es)"))

    stats = commands.add_parser("stats", help=_("publishable tables, charts and report of consenting cases"))
    stats.add_argument("outdir", type=Path, metavar="OUTDIR", help=_("the folder that holds the case folders"))
    stats.add_argument("--out", required=True, type=Path, metavar="DIR", help=_("folder for report.html, tables and charts"))
    stats.add_argument("--k", type=int, default=DEFAULT_K,
                       help=_("hide cells below this many cases (default %(k)s, at least 2)", k=DEFAULT_K))
    stats.add_argument("--epsilon", type=float, help=_("add differential-privacy noise with this total epsilon (e.g. 1.0)"))
    stats.add_argument("--lang", choices=LANGUAGES, help=_("language of the labels and messages (default: from LANG, else es)"))
    stats.add_argument("--source", help=_("the source line under each chart and table"))
    stats.add_argument("--pdf", action="store_true", help=_("also write report.pdf (needs WeasyPrint)"))


def _existing(path: Path) -> None:
    if not path.is_dir():
        raise FileNotFoundError(errno.ENOENT, "no such folder", str(path))


def cmd_dataset(args: argparse.Namespace, out: Output) -> int:
    """Write dataset.csv and dataset.jsonl; print how many cases were read and counted."""
    from .dataset import write_dataset
    from .records import load_records

    _existing(args.outdir)
    records, seen = load_records(args.outdir)
    csv_path, jsonl_path = write_dataset(records, args.out)
    print(_("cases read: %(count)s", count=seen))
    print(_("consenting cases written: %(count)s", count=len(records)))
    print(f"csv: {displayable(csv_path)}")
    print(f"jsonl: {displayable(jsonl_path)}")
    return 0


def cmd_stats(args: argparse.Namespace, out: Output) -> int:
    """Write the tables, charts and report; print the cases counted and the epsilon spent."""
    from ..render import choose_language
    from .records import load_records
    from .report import write_stats
    from .suppression import CannotProtect

    if args.k < 2:
        out.error(_("--k must be at least 2"))
        return EXIT_USAGE
    if args.epsilon is not None and not args.epsilon > 0:
        out.error(_("--epsilon must be a positive number"))
        return EXIT_USAGE
    _existing(args.outdir)
    records, seen = load_records(args.outdir)
    try:
        result = write_stats(records, args.out, language=choose_language(args.lang), k=args.k,
                             epsilon=args.epsilon, source=args.source, pdf=args.pdf)
    except CannotProtect:
        if len(records) < args.k:
            out.error(_("nothing was published: only %(count)s consenting cases, at least %(k)s are needed",
                        count=len(records), k=args.k))
        else:
            out.error(_("nothing was published: a small cell could not be protected by hiding others"))
        out.hint(_("publish later, when more consenting cases are in, or lower --k (never below 2)"))
        return EXIT_USAGE
    print(_("cases read: %(count)s", count=seen))
    print(_("consenting cases counted: %(count)s", count=len(records)))
    print(_("cells hidden: %(count)s", count=sum(int(t.suppressed.sum()) for t in result.tables)))
    if result.epsilon_total is not None:
        print(_("epsilon total: %(epsilon)s", epsilon=f"{result.epsilon_total:.6g}"))
    print(_("report: %(path)s", path=displayable(args.out / "report.html")))
    return 0
