"""``review dataset`` and ``review stats``: the data sub-commands, wired to the terminal.

Output rules are :mod:`review.output`'s; numbers go to stdout, one fact a line.
The numeric and plotting libraries are imported only when a command runs, so
``review`` starts fast and its other commands never load them.
"""

from __future__ import annotations

import argparse
import errno

from ..output import EXIT_USAGE, Output, displayable
from . import DEFAULT_K


def add_parsers(commands) -> None:
    """Add ``dataset`` and ``stats`` to the ``review`` sub-command parser."""
    from pathlib import Path

    from ..render import LANGUAGES

    data = commands.add_parser("dataset", help="coded answers of consenting cases as CSV and JSONL")
    data.add_argument("outdir", type=Path, metavar="OUTDIR", help="the folder of case folders")
    data.add_argument("--out", required=True, type=Path, metavar="DIR", help="folder for dataset.csv and dataset.jsonl")

    stats = commands.add_parser("stats", help="publishable tables, charts and report of consenting cases")
    stats.add_argument("outdir", type=Path, metavar="OUTDIR", help="the folder of case folders")
    stats.add_argument("--out", required=True, type=Path, metavar="DIR", help="folder for report.html, tables and charts")
    stats.add_argument("--k", type=int, default=DEFAULT_K, help=f"hide cells below this many cases (default {DEFAULT_K}, at least 2)")
    stats.add_argument("--epsilon", type=float, help="add differential-privacy noise with this total ε (e.g. 1.0)")
    stats.add_argument("--lang", choices=LANGUAGES, help="language of the labels (default: from LANG, else es)")
    stats.add_argument("--source", help="the source line under each chart and table")
    stats.add_argument("--pdf", action="store_true", help="also write report.pdf (needs WeasyPrint)")


def _existing(path) -> None:
    if not path.is_dir():
        raise FileNotFoundError(errno.ENOENT, "no such folder", str(path))


def cmd_dataset(args: argparse.Namespace, out: Output) -> int:
    """Write dataset.csv and dataset.jsonl; print how many cases were read and counted."""
    from .dataset import write_dataset
    from .records import load_records

    _existing(args.outdir)
    records, seen = load_records(args.outdir)
    csv_path, jsonl_path = write_dataset(records, args.out)
    print(f"cases read: {seen}")
    print(f"consenting cases written: {len(records)}")
    print(f"csv: {displayable(csv_path)}")
    print(f"jsonl: {displayable(jsonl_path)}")
    return 0


def cmd_stats(args: argparse.Namespace, out: Output) -> int:
    """Write the tables, charts and report; print the cases counted and the ε spent."""
    from ..render import choose_language
    from .records import load_records
    from .report import write_stats
    from .suppression import CannotProtect

    if args.k < 2:
        out.error("--k must be at least 2")
        return EXIT_USAGE
    if args.epsilon is not None and not args.epsilon > 0:
        out.error("--epsilon must be a positive number")
        return EXIT_USAGE
    _existing(args.outdir)
    records, seen = load_records(args.outdir)
    try:
        result = write_stats(records, args.out, language=choose_language(args.lang), k=args.k,
                             epsilon=args.epsilon, source=args.source, pdf=args.pdf)
    except CannotProtect as exc:
        out.error(f"nothing was published: {exc}")
        out.hint("publish later, when more consenting cases are in, or lower --k (never below 2)")
        return EXIT_USAGE
    print(f"cases read: {seen}")
    print(f"consenting cases counted: {len(records)}")
    hidden = sum(int(t.suppressed.sum()) for t in result.tables)
    print(f"cells hidden: {hidden}")
    if result.epsilon_total is not None:
        print(f"epsilon total: {result.epsilon_total:.6g}")
    print(f"report: {displayable(args.out / 'report.html')}")
    return 0
