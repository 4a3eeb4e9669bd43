"""The realistic sample reports in ../shared/samples, as form fields and files."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

SAMPLES = Path(os.environ.get("RESGUARDO_SAMPLES", Path(__file__).resolve().parents[3] / "shared" / "samples"))
if not (SAMPLES / "README.md").is_file():
    raise RuntimeError(
        f"the sample reports are missing at {SAMPLES}: put shared/ beside the clone or set RESGUARDO_SAMPLES"
    )

INCIDENT_CODES = {
    "amenazas": "threats", "threats": "threats",
    "ataque físico": "physical_attack", "physical attack": "physical_attack",
    "acoso en línea": "online_harassment", "online smear campaign": "smear_campaign",
    "interrupción de evento": "event_disruption", "harassment at home": "harassment_at_home",
    "doxxing": "doxxing", "vigilancia": "surveillance", "criminalización": "legal_action",
    "denuncia penal": "legal_action", "estigmatización": "smear_campaign",
}
BINARY_CANARIES = {
    "foto-vehiculo-danado.jpg": b"CANARY-EXIF-ARTIST-7f3a",
    "denuncia-fiscalia.pdf": b"CANARY-PDF-AUTHOR-51c2",
}


@dataclass
class SampleReport:
    """One sample: its form fields, attachment paths and text canary."""

    name: str
    fields: dict[str, object]
    attachments: list[Path] = field(default_factory=list)
    canary: str = ""


def _date_parts(text: str) -> dict[str, str]:
    """The form's approximate-date selects (``date-year``, ``-month``, ``-day``) from a sample's ISO prefix."""
    match = re.match(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", text)
    parts = dict(zip(("date-year", "date-month", "date-day"), match.groups() if match else ()))
    return {name: value for name, value in parts.items() if value}


def parse_report(path: Path) -> SampleReport:
    """Parse a sample's ``key: value`` header and ``description: |`` block."""
    lines = path.read_text(encoding="utf-8").splitlines()
    meta: dict[str, str] = {}
    description: list[str] = []
    in_description = False
    for line in lines:
        if in_description:
            description.append(line[2:] if line.startswith("  ") else line)
            continue
        key, _, value = line.partition(":")
        if key == "description":
            in_description = True
            continue
        meta[key.strip()] = value.strip()
    text = "\n".join(description).strip()
    canary = re.search(r"CANARY-TEXT-[\w-]+", text).group(0)
    types = []
    for part in meta.get("incident_types", "").split(";"):
        code = INCIDENT_CODES.get(part.strip().lower())
        if code and code not in types:
            types.append(code)
    attachments = []
    if meta.get("attachments", "none") not in ("none", "ninguno", ""):
        attachments = [SAMPLES / name.strip() for name in meta["attachments"].split(";")]
    consent = meta.get("consent_aggregate_statistics", "").lower()
    fields = {
        "description": text,
        "incident_types": types,
        **_date_parts(meta.get("date", "")),
        "region": "lima_metropolitana" if "lima" in meta.get("region", "").lower() else "withheld",
        "affected": meta.get("affected", ""),
        "perpetrators": meta.get("perpetrators", ""),
        "online_platforms": meta.get("online_platforms", ""),
        "consent_aggregate_statistics": "yes" if consent in ("sí", "si", "yes") else "no",
    }
    return SampleReport(path.stem, fields, attachments, canary)


def all_reports() -> list[SampleReport]:
    """Every ``report-*.txt`` sample, sorted by name."""
    return [parse_report(path) for path in sorted(SAMPLES.glob("report-*.txt"))]
