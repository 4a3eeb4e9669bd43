"""Codes and translatable labels for the structured questions of the form.

Codes are what the sealed report carries (stable, English, snake_case);
labels are shown in the reporter's language.
"""

from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice

INCIDENT_TYPES = [
    SelectChoice("threats", _l("Threats")),
    SelectChoice("physical_attack", _l("Physical attack")),
    SelectChoice("online_harassment", _l("Online harassment or hate campaign")),
    SelectChoice("smear_campaign", _l("Smear campaign or stigmatisation")),
    SelectChoice("criminalisation", _l("Criminalisation (complaints, prosecution, arrest)")),
    SelectChoice("surveillance", _l("Surveillance or being followed")),
    SelectChoice("harassment_at_home", _l("Harassment at home")),
    SelectChoice("doxxing", _l("Personal data published (doxxing)")),
    SelectChoice("event_disruption", _l("Disruption of a meeting or event")),
    SelectChoice("property_damage", _l("Damage to property")),
    SelectChoice("other", _l("Other")),
]

REGIONS = [
    SelectChoice("", _l("Choose a region (optional)")),
    SelectChoice("amazonas", "Amazonas"),
    SelectChoice("ancash", "Áncash"),
    SelectChoice("apurimac", "Apurímac"),
    SelectChoice("arequipa", "Arequipa"),
    SelectChoice("ayacucho", "Ayacucho"),
    SelectChoice("cajamarca", "Cajamarca"),
    SelectChoice("callao", "Callao"),
    SelectChoice("cusco", "Cusco"),
    SelectChoice("huancavelica", "Huancavelica"),
    SelectChoice("huanuco", "Huánuco"),
    SelectChoice("ica", "Ica"),
    SelectChoice("junin", "Junín"),
    SelectChoice("la_libertad", "La Libertad"),
    SelectChoice("lambayeque", "Lambayeque"),
    SelectChoice("lima_metropolitana", "Lima Metropolitana"),
    SelectChoice("lima_region", _l("Lima (region)")),
    SelectChoice("loreto", "Loreto"),
    SelectChoice("madre_de_dios", "Madre de Dios"),
    SelectChoice("moquegua", "Moquegua"),
    SelectChoice("pasco", "Pasco"),
    SelectChoice("piura", "Piura"),
    SelectChoice("puno", "Puno"),
    SelectChoice("san_martin", "San Martín"),
    SelectChoice("tacna", "Tacna"),
    SelectChoice("tumbes", "Tumbes"),
    SelectChoice("ucayali", "Ucayali"),
    SelectChoice("outside_peru", _l("Outside Peru")),
    SelectChoice("withheld", _l("I prefer not to say")),
]

CONSENT = [
    SelectChoice("yes", _l("Yes")),
    SelectChoice("no", _l("No")),
]
