"""Realistic synthetic cases for tests and benchmarks (never real reports).

:func:`generate` makes decrypted-report objects that answer any
questionnaire (the shipped default unless told otherwise): codes drawn with
skewed, fixed weights (a few categories common, most rare, as in the Front
Line Defenders Global Analysis tables), some questions left unanswered,
dates of every precision, consent to statistics about 70 % of the time,
and free text that may carry a canary string. Seeded, so reproducible.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import uuid
from pathlib import Path
from typing import Mapping

from ..questionnaire import Registry, Schema

DEFAULT_COUNT = 10_000
#: Overrides for the default questionnaire's questions: code -> weight.
WEIGHTS: dict[str, dict[str, float]] = {
    "consent_aggregate_statistics": {"yes": 0.7, "no": 0.3},
    "immediate_danger": {"no": 0.55, "reporter": 0.2, "others": 0.1, "both": 0.05, "unsure": 0.1},
    "affected_gender": {"woman": 0.42, "man": 0.45, "trans_nonbinary": 0.03, "group": 0.08, "withheld": 0.02},
    # Roughly the order of the Global Analysis: detention, legal action, physical attack, death threats, surveillance.
    "incident_types": {"arrest_detention": 19, "legal_action": 14, "physical_attack": 13, "death_threat": 11,
                       "surveillance": 10, "threats": 9, "smear_campaign": 7, "online_harassment": 6, "raid": 3,
                       "killing": 2, "harassment_at_home": 2, "doxxing": 1.5, "event_disruption": 1.5,
                       "property_damage": 1, "sexual_violence": 0.5, "enforced_disappearance": 0.3, "other": 2},
    "affected_sector": {"environmental_rights": 16, "land_rights": 14, "indigenous_rights": 14, "community_leader": 12,
                        "journalism": 10, "womens_rights": 8, "labour_rights": 5, "lgbtiq_rights": 4,
                        "anti_corruption": 4, "access_to_justice": 4, "other": 3},
    "perpetrator_types": {"police": 20, "unknown": 18, "illegal_economy": 14, "company": 12, "state_official": 10,
                          "judiciary": 8, "military": 4, "armed_group": 3, "community_member": 5, "other": 3},
    "region": {"lima_metropolitana": 20, "cusco": 8, "puno": 7, "loreto": 6, "ucayali": 6, "madre_de_dios": 6,
               "junin": 5, "cajamarca": 5, "piura": 4, "arequipa": 4, "ayacucho": 4, "amazonas": 3, "huanuco": 3,
               "pasco": 3, "san_martin": 3, "ancash": 3, "apurimac": 2, "la_libertad": 2, "lambayeque": 2,
               "callao": 2, "huancavelica": 1.5, "ica": 1.5, "lima_region": 1.5, "moquegua": 1, "tacna": 1,
               "tumbes": 1, "outside_peru": 0.5, "withheld": 2},
}
NO_ANSWER_RATE = 0.08


def default_schema() -> Schema:
    """The newest shipped questionnaire."""
    return max(Registry().schemas(), key=lambda s: s.version)


_CACHE: dict[tuple, list[float]] = {}


def _weights(rng: random.Random, qid: str, codes: list[str]) -> list[float]:
    key = (qid, tuple(codes))
    if key not in _CACHE:
        if qid in WEIGHTS:
            _CACHE[key] = [WEIGHTS[qid].get(code, 0.01) for code in codes]
        else:
            local = random.Random(f"{qid}")  # fixed per question, independent of the case stream
            order = list(range(len(codes)))
            local.shuffle(order)
            _CACHE[key] = [1.0 / (1 + order[i]) ** 1.1 for i in range(len(codes))]
    return _CACHE[key]


def _date(rng: random.Random, min_year: int) -> str:
    year = rng.randint(max(min_year, 2019), 2025)
    roll = rng.random()
    if roll < 0.1:
        return ""
    if roll < 0.2:
        return str(year)
    month = rng.randint(1, 12)
    if roll < 0.6:
        return f"{year}-{month:02d}"
    day = rng.randint(1, 28)
    return f"{year}-{month:02d}-{day:02d}"


def answer(rng: random.Random, schema: Schema, qid: str, canary: str = "") -> object:
    """A plausible answer to question ``qid`` of ``schema``."""
    question = schema.questions[qid]
    kind = question["kind"]
    codes = [c["code"] for c in question.get("choices", ())]
    if kind in ("single_choice", "region", "consent"):
        if qid not in WEIGHTS and rng.random() < NO_ANSWER_RATE:
            return ""
        return rng.choices(codes, _weights(rng, qid, codes))[0]
    if kind == "multiple_choice":
        if rng.random() < NO_ANSWER_RATE:
            return []
        weights = _weights(rng, qid, codes)
        count = 1 + (rng.random() < 0.35) + (rng.random() < 0.1)
        chosen = set()
        while len(chosen) < min(count, len(codes)):
            chosen.add(rng.choices(codes, weights)[0])
        return [c for c in codes if c in chosen]
    if kind == "approximate_date":
        return _date(rng, question.get("min_year", 2000))
    if kind == "long_text":
        text = rng.choice(["Nos amenazaron frente al local comunal.", "Recibimos mensajes hostiles.",
                           "Una camioneta nos siguió dos días.", "Publicaron nuestra dirección."])
        return f"{text} {canary}".strip() if canary and question.get("required") else text
    if kind == "short_text":
        return rng.choice(["", "Facebook", "WhatsApp", "TikTok", "mayo de 2024"])
    return ""


def generate(count: int = DEFAULT_COUNT, seed: int = 0, schema: Schema | None = None,
             canary: str = "", received_from: dt.date = dt.date(2024, 1, 1), days: int = 730) -> list[tuple[dict, str]]:
    """``count`` (report, received_on) pairs answering ``schema`` (default: the newest shipped one).

    ``canary`` is appended to every required long-text answer (the account
    of what happened), to show that no free text reaches any output.
    """
    schema = schema or default_schema()
    rng = random.Random(seed)
    pairs = []
    for _ in range(count):
        fields = {}
        for _section, ids in schema.order:
            for qid in ids:
                if schema.questions[qid]["kind"] != "files":
                    fields[qid] = answer(rng, schema, qid, canary)
        report = {
            "format": "resguardo-report", "version": 1,
            "submission_id": uuid.UUID(int=rng.getrandbits(128)).hex,
            "sealed_by": rng.choice(["server", "browser"]), "language": rng.choice(["es", "en"]),
            "questionnaire": {"id": schema.id, "version": schema.version, "sha256": schema.sha256},
            "fields": fields, "attachments": [],
        }
        day = received_from + dt.timedelta(days=rng.randrange(days))
        pairs.append((report, day.isoformat()))
    return pairs


def write_cases(outdir: str | Path, pairs: list[tuple[Mapping, str]], documents: Mapping[str, bytes] = ()) -> Path:
    """Write case folders ``OUTDIR/<day>_<8 hex>/report.json`` as ``review import`` would
    (and file ``documents``, SHA-256 -> questionnaire bytes, in ``_questionnaires/``)."""
    from ..questionnaire.registry import save

    root = Path(outdir)
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    for report, day in pairs:
        folder = root / f"{day}_{report['submission_id'][:8]}"
        if folder.exists():
            folder = root / f"{day}_{report['submission_id']}"
        os.mkdir(folder, 0o700)
        (folder / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    save(root, dict(documents))
    return root
