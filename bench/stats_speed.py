"""How long the numbers take: dataset + every table (suppression audit included) + charts + report.

Usage: ``.venv/bin/python bench/stats_speed.py [COUNT ...]`` (default: 10000 100000).
Generates COUNT synthetic cases (review/data/synthetic.py; about 70 % consent), then
times, separately and in total: building the consenting records, the dataset (CSV +
JSONL), the tables with small-cell suppression and its LP audit (k = 5), and the charts
(PNG + SVG) with the HTML report. Prints one line per step and the total; the target is
under 10 s for 100,000 cases. Writes into a temporary folder, deleted at the end.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from review.data.dataset import write_dataset  # noqa: E402
from review.data.records import records_from_reports  # noqa: E402
from review.data.report import write_stats  # noqa: E402
from review.data.synthetic import generate  # noqa: E402


def run(count: int) -> float:
    pairs = generate(count, seed=count)
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        started = time.perf_counter()
        records = records_from_reports(pairs)
        t_records = time.perf_counter()
        write_dataset(records, out)
        t_dataset = time.perf_counter()
        result = write_stats(records, out, language="es", k=5)
        t_stats = time.perf_counter()
        hidden = sum(int(t.suppressed.sum()) for t in result.tables)
        cells = sum(int(t.counts.size) for t in result.tables)
    print(f"{count} cases ({len(records)} consenting):")
    print(f"  records  {t_records - started:6.2f} s")
    print(f"  dataset  {t_dataset - t_records:6.2f} s  (csv + jsonl)")
    print(f"  stats    {t_stats - t_dataset:6.2f} s  (tables, suppression audit: {hidden}/{cells} cells hidden, charts, report.html)")
    print(f"  total    {t_stats - started:6.2f} s")
    return t_stats - started


def main(argv: list[str]) -> int:
    counts = [int(a) for a in argv] or [10_000, 100_000]
    for count in counts:
        run(count)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
