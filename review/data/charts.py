"""Charts of the one-way tables: matplotlib bar charts as PNG and SVG.

Colours are the Okabe-Ito palette (distinguishable with the common forms
of colour blindness); every label is in the chosen language; under each
chart a caption names the source and the method (suppression threshold, ε
when noise was added). A suppressed category is drawn without a bar and
labelled as hidden, never as zero. SVG text stays text (``svg.fonttype:
none``) and the files carry no creation date, so the same tables always
give the same bytes.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from .tables import Table  # noqa: E402
from .words import WORDS  # noqa: E402

OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
WIDTH_IN = 8.0
DPI = 100
ROW_IN = 0.32
EXTRA_IN = 1.9


TIME_HEIGHT_IN = 4.5


def chart_size(table: Table) -> tuple[int, int]:
    """(width, height) in pixels of ``table``'s PNG: 800 wide; a date question's chart 450 high,
    any other 32 px per category plus 190."""
    if table.rows.kind == "date":
        return int(WIDTH_IN * DPI), int(TIME_HEIGHT_IN * DPI)
    return int(WIDTH_IN * DPI), int(round((ROW_IN * len(table.row_codes) + EXTRA_IN) * DPI))


def _time_figure(table: Table, language: str, caption: str):
    """Months left to right, no value labels (the table has them); hidden months marked on the axis.
    Dates known only to the year, and no answer, are in the table, not on this time axis."""
    words = WORDS[language]
    months = [i for i, code in enumerate(table.row_codes) if len(code) == 7]
    values = table.published[months]
    codes = [table.row_codes[i] for i in months]
    width, height = chart_size(table)
    fig = plt.figure(figsize=(width / DPI, height / DPI), dpi=DPI)
    ax = fig.add_axes((0.08, 0.28, 0.9, 0.62))
    shown = [max(int(v), 0) for v in values]
    ax.bar(range(len(codes)), shown, color=OKABE_ITO[0], width=0.8)
    hidden = [i for i, v in enumerate(values) if v < 0]
    if hidden:
        ax.plot(hidden, [0] * len(hidden), linestyle="none", marker="x", color=OKABE_ITO[3],
                label=words["suppressed_short"])
        ax.legend(loc="upper left", fontsize=8, frameon=False)
    step = max(1, len(codes) // 12)
    ticks = list(range(0, len(codes), step))
    ax.set_xticks(ticks, [table.rows.code_label(codes[i], language, words["no_answer"]) for i in ticks],
                  fontsize=8, rotation=45, ha="right")
    ax.set_ylabel(words["cases"], fontsize=9)
    ax.set_title(table.rows.label(language), fontsize=11, loc="left")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.text(0.02, 0.02, caption, fontsize=7, wrap=True, va="bottom", ha="left")
    return fig


def _figure(table: Table, language: str, caption: str):
    words = WORDS[language]
    values = table.published
    labels = [table.rows.code_label(code, language, words["no_answer"]) for code in table.row_codes]
    width, height = chart_size(table)
    fig = plt.figure(figsize=(width / DPI, height / DPI), dpi=DPI)
    ax = fig.add_axes((0.34, (EXTRA_IN - 0.9) / (height / DPI), 0.6, 1 - (EXTRA_IN - 0.4) / (height / DPI)))
    positions = list(range(len(labels)))[::-1]
    shown = [max(int(v), 0) for v in values]
    colour = OKABE_ITO[0]
    ax.barh(positions, shown, color=[colour if v >= 0 else "none" for v in values], height=0.7)
    top = max(shown + [1])
    for y, value in zip(positions, values):
        text = str(int(value)) if value >= 0 else words["suppressed_short"]
        ax.text(max(value, 0) + top * 0.01, y, text, va="center", fontsize=8, color="#000000")
    ax.set_yticks(positions, labels, fontsize=8)
    ax.set_xlim(0, top * 1.15)
    ax.set_xlabel(words["cases"], fontsize=9)
    ax.set_title(table.rows.label(language), fontsize=11, loc="left")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.text(0.02, 0.02, caption, fontsize=7, wrap=True, va="bottom", ha="left")
    return fig


def caption(language: str, k: int, epsilon: float | None, source: str) -> str:
    """The source and method line printed under each chart."""
    words = WORDS[language]
    method = words["method_k"].format(k=k, k_minus=k - 1)
    if epsilon is not None:
        method += " " + words["method_eps"].format(epsilon=f"{epsilon:.3g}")
    return f"{words['source']}: {source}. {words['method']}: {method}"


def render(table: Table, language: str, k: int, source: str) -> tuple[bytes, bytes]:
    """(PNG bytes, SVG bytes) of one one-way table's chart."""
    draw = _time_figure if table.rows.kind == "date" else _figure
    fig = draw(table, language, caption(language, k, table.epsilon, source))
    try:
        png, svg = io.BytesIO(), io.BytesIO()
        fig.savefig(png, format="png", dpi=DPI, metadata={"Software": None})
        with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "resguardo"}):
            fig.savefig(svg, format="svg", metadata={"Date": None, "Creator": None})
    finally:
        plt.close(fig)
    return png.getvalue(), svg.getvalue()
