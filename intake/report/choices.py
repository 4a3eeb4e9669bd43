"""Codes and translatable labels for the structured questions of the form.

Codes are what the sealed report carries (stable, English, snake_case);
labels are shown in the reporter's language.
"""

from flask_babel import lazy_gettext as _l

INCIDENT_TYPES = [
    ("threats", _l("Threats")),
    ("physical_attack", _l("Physical attack")),
    ("online_harassment", _l("Online harassment or hate campaign")),
    ("smear_campaign", _l("Smear campaign or stigmatisation")),
    ("criminalisation", _l("Criminalisation (complaints, prosecution, arrest)")),
    ("surveillance", _l("Surveillance or being followed")),
    ("harassment_at_home", _l("Harassment at home")),
    ("doxxing", _l("Personal data published (doxxing)")),
    ("event_disruption", _l("Disruption of a meeting or event")),
    ("property_damage", _l("Damage to property")),
    ("other", _l("Other")),
]

REGIONS = [
    ("", _l("Choose a region (optional)")),
    ("amazonas", "Amazonas"),
    ("ancash", "Áncash"),
    ("apurimac", "Apurímac"),
    ("arequipa", "Arequipa"),
    ("ayacucho", "Ayacucho"),
    ("cajamarca", "Cajamarca"),
    ("callao", "Callao"),
    ("cusco", "Cusco"),
    ("huancavelica", "Huancavelica"),
    ("huanuco", "Huánuco"),
    ("ica", "Ica"),
    ("junin", "Junín"),
    ("la_libertad", "La Libertad"),
    ("lambayeque", "Lambayeque"),
    ("lima_metropolitana", "Lima Metropolitana"),
    ("lima_region", _l("Lima (region)")),
    ("loreto", "Loreto"),
    ("madre_de_dios", "Madre de Dios"),
    ("moquegua", "Moquegua"),
    ("pasco", "Pasco"),
    ("piura", "Piura"),
    ("puno", "Puno"),
    ("san_martin", "San Martín"),
    ("tacna", "Tacna"),
    ("tumbes", "Tumbes"),
    ("ucayali", "Ucayali"),
    ("outside_peru", _l("Outside Peru")),
    ("withheld", _l("I prefer not to say")),
]

CONSENT = [
    ("yes", _l("Yes")),
    ("no", _l("No")),
]
