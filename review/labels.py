"""Readable names for the codes a report carries (incident types, region, consent).

The intake's form (intake/report/choices.py) asks these questions with the
same codes; the review tool cannot import the intake, so the names are kept
here too, in Spanish and English. A code this table does not know (a later
form version) is shown as it is.
"""

from __future__ import annotations

CODE_LABELS: dict[str, dict[str, dict[str, str]]] = {
    "incident_types": {
        "es": {
            "threats": "Amenazas",
            "physical_attack": "Agresión física",
            "online_harassment": "Acoso o campaña de odio en línea",
            "smear_campaign": "Estigmatización o campaña de desprestigio",
            "criminalisation": "Criminalización (denuncias, procesos judiciales, detención)",
            "surveillance": "Vigilancia o seguimiento",
            "harassment_at_home": "Hostigamiento en el domicilio",
            "doxxing": "Publicación de datos personales (doxxing)",
            "event_disruption": "Interrupción de una reunión o evento",
            "property_damage": "Daños a bienes",
            "other": "Otro",
        },
        "en": {
            "threats": "Threats",
            "physical_attack": "Physical attack",
            "online_harassment": "Online harassment or hate campaign",
            "smear_campaign": "Smear campaign or stigmatisation",
            "criminalisation": "Criminalisation (complaints, prosecution, arrest)",
            "surveillance": "Surveillance or being followed",
            "harassment_at_home": "Harassment at home",
            "doxxing": "Personal data published (doxxing)",
            "event_disruption": "Disruption of a meeting or event",
            "property_damage": "Damage to property",
            "other": "Other",
        },
    },
    "region": {
        "es": {"lima_region": "Lima (región)", "outside_peru": "Fuera del Perú", "withheld": "Prefiere no decirlo"},
        "en": {"lima_region": "Lima (region)", "outside_peru": "Outside Peru", "withheld": "Prefers not to say"},
    },
    "consent_aggregate_statistics": {
        "es": {"yes": "Sí", "no": "No"},
        "en": {"yes": "Yes", "no": "No"},
    },
}

REGION_NAMES = {
    "amazonas": "Amazonas", "ancash": "Áncash", "apurimac": "Apurímac", "arequipa": "Arequipa",
    "ayacucho": "Ayacucho", "cajamarca": "Cajamarca", "callao": "Callao", "cusco": "Cusco",
    "huancavelica": "Huancavelica", "huanuco": "Huánuco", "ica": "Ica", "junin": "Junín",
    "la_libertad": "La Libertad", "lambayeque": "Lambayeque", "lima_metropolitana": "Lima Metropolitana",
    "loreto": "Loreto", "madre_de_dios": "Madre de Dios", "moquegua": "Moquegua", "pasco": "Pasco",
    "piura": "Piura", "puno": "Puno", "san_martin": "San Martín", "tacna": "Tacna", "tumbes": "Tumbes",
    "ucayali": "Ucayali",
}
for _language in ("es", "en"):
    CODE_LABELS["region"][_language].update(REGION_NAMES)


def label(field: str, code: str, language: str) -> str:
    """The readable name of ``code`` for ``field`` in ``language`` ("es" or "en");
    ``code`` itself when unknown. E.g. ``label("region", "cusco", "es") == "Cusco"``."""
    return CODE_LABELS.get(field, {}).get(language, {}).get(code, code)


CODED_FIELDS = tuple(CODE_LABELS)
"""The report fields whose answers are codes (shown by name)."""


def coded_answer(field: str, value: object, language: str) -> list[str]:
    """THE one place a report answer is turned into words for a reviewer.

    ``value`` is the answer as the report holds it (a code, a list of codes,
    free text, or None); returns one readable string per value, in
    ``language`` ("es" or "en"): codes of :data:`CODED_FIELDS` by their
    names, unknown codes and free text as given (not yet made safe for a
    terminal or HTML: callers escape). ``None`` and ``""`` give ``[]``.
    E.g. ``coded_answer("incident_types", ["threats"], "en") == ["Threats"]``.

    Every renderer (report.txt, ``review list``, the workspace) calls this,
    so the questionnaire schema can replace the tables above in one place
    (with :data:`CODED_FIELDS` and :func:`choices`, the only names other
    modules use from here).
    """
    values = value if isinstance(value, list) else [value]
    shown = []
    for item in values:
        if item is None or item == "":
            continue
        if field in CODE_LABELS and isinstance(item, str):
            shown.append(label(field, item, language))
        else:
            shown.append(item if isinstance(item, str) else str(item))
    return shown


def choices(field: str, language: str) -> list[tuple[str, str]]:
    """Every known code of a coded ``field`` with its name in ``language``,
    sorted by name (for the workspace's filters); ``[]`` for other fields."""
    names = CODE_LABELS.get(field, {}).get(language, {})
    return sorted(names.items(), key=lambda pair: pair[1].casefold())
