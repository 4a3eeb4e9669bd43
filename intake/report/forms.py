"""The report form (flask-wtf; CSRF stays on)."""

from flask import current_app, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto
from wtforms import (
    MultipleFileField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget
from werkzeug.datastructures import MultiDict

from .choices import CONSENT, INCIDENT_TYPES, REGIONS

TEXT_MAX = 100_000
SHORT_MAX = 500
MEDIUM_MAX = 5_000


class CheckboxesField(SelectMultipleField):
    """A multiple choice rendered as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _not_blank(_form, field) -> None:
    if not (field.data or "").strip():
        raise ValidationError(_l("Please tell us what happened."))


FILE_FIELDS = ("attachments",)


class ReportForm(FlaskForm):
    """What a reporter is asked. Only the account of what happened is required."""

    class Meta:
        def wrap_formdata(self, form, formdata):
            """Text fields from text parts, files from file parts, never JSON.

            Flask-WTF would mix ``request.files`` into the text fields and
            accept a JSON body; a crafted request could then hand a validator
            a file object, a number or a list where it expects text.
            """
            if formdata is not _Auto:
                return formdata
            if request.method != "POST":
                return None
            data = MultiDict()
            for name, value in request.form.items(multi=True):
                if name not in FILE_FIELDS:
                    data.add(name, value)
            for name in FILE_FIELDS:
                for value in request.files.getlist(name):
                    data.add(name, value)
            return data

    description = TextAreaField(
        _l("What happened?"),
        validators=[_not_blank, Length(max=TEXT_MAX)],
        description=_l("In your own words. Include what you think matters; you can leave out names."),
    )
    incident_types = CheckboxesField(_l("What kind of incident was it?"), choices=INCIDENT_TYPES, validators=[Optional()])
    date = StringField(
        _l("When did it happen?"),
        validators=[Optional(), Length(max=SHORT_MAX)],
        description=_l("An approximate date is fine, e.g. “mid-May 2023”."),
    )
    region = SelectField(_l("Where did it happen?"), choices=REGIONS, validators=[Optional()], default="")
    affected = TextAreaField(
        _l("Who was affected?"),
        validators=[Optional(), Length(max=MEDIUM_MAX)],
        description=_l("For example: a community leader, an organisation, a journalist."),
    )
    perpetrators = TextAreaField(_l("Who did it, if you know?"), validators=[Optional(), Length(max=MEDIUM_MAX)])
    online_platforms = StringField(
        _l("Online platforms involved, if any"), validators=[Optional(), Length(max=SHORT_MAX)]
    )
    consent_aggregate_statistics = RadioField(
        _l("May we count this report, without any names, in public statistics?"),
        choices=CONSENT,
        validators=[Optional()],
    )
    contact = TextAreaField(
        _l("How can we contact you safely? (optional)"),
        validators=[Optional(), Length(max=MEDIUM_MAX)],
        description=_l("Leave empty to stay anonymous. Never give a contact that others can read."),
    )
    attachments = MultipleFileField(
        _l("Files: photos, documents, screenshots (optional)"),
        description=_l("You can choose several files. They are encrypted as they arrive."),
    )

    def validate_attachments(self, field) -> None:
        """At most ``MAX_ATTACHMENTS`` non-empty files."""
        real = [item for item in (field.data or []) if not getattr(item.stream, "is_empty_input", True)]
        if len(real) > current_app.config["MAX_ATTACHMENTS"]:
            raise ValidationError(
                _l("Please send at most %(count)d files at once.", count=current_app.config["MAX_ATTACHMENTS"])
            )
