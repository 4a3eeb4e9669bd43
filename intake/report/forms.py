"""The report form, built from the questionnaire (flask-wtf; CSRF stays on).

:func:`form_class` turns a :class:`~intake.questionnaire.Questionnaire` into a
FlaskForm class, one field per question in form order, with labels, help and
choices in the reporter's language (chosen per request). :func:`answers`
turns a validated form into the report's ``fields`` (docs/QUESTIONNAIRE.md,
"Answers"): the same object the browser's script builds.
"""

from __future__ import annotations

import datetime as dt

from flask import current_app, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto
from werkzeug.datastructures import MultiDict
from wtforms import (
    Form,
    FormField,
    MultipleFileField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..questionnaire import Question, Questionnaire

FILE_FIELDS = ("attachments",)
MONTHS = [(f"{m:02d}", m) for m in range(1, 13)]


class CheckboxesField(SelectMultipleField):
    """A multiple choice rendered as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _not_blank(_form, field) -> None:
    if not (field.data or "").strip():
        raise ValidationError(_l("Please tell us what happened."))


def _answered(_form, field) -> None:
    if not field.data:
        raise ValidationError(_l("Please answer this question."))


class _ReportFormBase(FlaskForm):
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

    def validate_attachments(self, field) -> None:
        """At most ``MAX_ATTACHMENTS`` non-empty files."""
        real = [item for item in (field.data or []) if not getattr(item.stream, "is_empty_input", True)]
        if len(real) > current_app.config["MAX_ATTACHMENTS"]:
            raise ValidationError(
                _l("Please send at most %(count)d files at once.", count=current_app.config["MAX_ATTACHMENTS"])
            )


def _text(questionnaire: Questionnaire, texts: dict | None):
    """A string in the request's language, resolved when shown."""
    if not texts:
        return ""
    return LazyString(lambda: questionnaire.text(texts, str(get_locale() or "")))


def _date_form(question: Question) -> type[Form]:
    """Year, month, day selects; each may stay empty, but not a finer part without a coarser one."""
    this_year = dt.date.today().year
    years = [SelectChoice("", _l("Year"))] + [
        SelectChoice(str(y), str(y)) for y in range(this_year, question.min_year - 1, -1)
    ]
    months = [SelectChoice("", _l("Month"))] + [SelectChoice(code, _MONTH_NAMES[n - 1]) for code, n in MONTHS]
    days = [SelectChoice("", _l("Day"))] + [SelectChoice(f"{d:02d}", str(d)) for d in range(1, 32)]

    class DateForm(Form):
        year = SelectField(_l("Year"), choices=years, default="", validators=[Optional()])
        month = SelectField(_l("Month"), choices=months, default="", validators=[Optional()])
        day = SelectField(_l("Day"), choices=days, default="", validators=[Optional()])

        def validate(self, extra_validators=None) -> bool:
            ok = super().validate(extra_validators)
            if not ok:
                return False
            if (self.month.data and not self.year.data) or (self.day.data and not self.month.data):
                self.year.errors = list(self.year.errors) + [_l("Please choose the year (and the month for a day).")]
                return False
            if self.day.data:
                try:
                    dt.date(int(self.year.data), int(self.month.data), int(self.day.data))
                except ValueError:
                    self.day.errors = list(self.day.errors) + [_l("This day does not exist in that month.")]
                    return False
            return True

    return DateForm


_MONTH_NAMES = [
    _l("January"), _l("February"), _l("March"), _l("April"), _l("May"), _l("June"),
    _l("July"), _l("August"), _l("September"), _l("October"), _l("November"), _l("December"),
]


def _field(questionnaire: Questionnaire, question: Question):
    label = _text(questionnaire, question.label)
    description = _text(questionnaire, question.help)
    choices = [SelectChoice(c.code, _text(questionnaire, c.label)) for c in question.choices]
    kind = question.kind
    if kind in ("short_text", "long_text"):
        first = _not_blank if question.required else Optional()
        field = StringField if kind == "short_text" else TextAreaField
        return field(label, validators=[first, Length(max=question.max_length)], description=description)
    if kind == "multiple_choice":
        first = _answered if question.required else Optional()
        return CheckboxesField(label, choices=choices, validators=[first], description=description)
    if kind == "region":
        first = InputRequired(_l("Please answer this question.")) if question.required else Optional()
        empty = SelectChoice("", _l("Choose one") if question.required else _l("Choose a region (optional)"))
        return SelectField(label, choices=[empty] + choices, validators=[first], default="", description=description)
    if kind in ("single_choice", "consent"):
        first = InputRequired(_l("Please answer this question.")) if question.required else Optional()
        return RadioField(label, choices=choices, validators=[first], description=description)
    if kind == "approximate_date":
        return FormField(_date_form(question), label=label, description=description)
    if kind == "files":
        return MultipleFileField(label, description=description)
    raise ValueError(f"no form field for kind {kind!r}")  # the schema validator prevents this


def form_class(questionnaire: Questionnaire) -> type[FlaskForm]:
    """The FlaskForm class asking ``questionnaire`` (cached per app and questionnaire hash)."""
    cache = current_app.extensions.setdefault("resguardo.forms", {})
    cls = cache.get(questionnaire.sha256)
    if cls is None:
        attrs = {q.id: _field(questionnaire, q) for q in questionnaire.questions()}
        cls = cache[questionnaire.sha256] = type("ReportForm", (_ReportFormBase,), attrs)
    return cls


def report_form() -> FlaskForm:
    """A form for this request, asking the configured questionnaire."""
    return form_class(current_app.config["QUESTIONNAIRE"])()


def _clean(text: str) -> str:
    """Make ``text`` encodable as UTF-8 (lone surrogates become U+FFFD); LF line breaks."""
    return text.encode("utf-8", "replace").decode("utf-8").replace("\r\n", "\n")


def answers(form: FlaskForm, questionnaire: Questionnaire) -> dict:
    """The report's ``fields`` from a validated form, in question order.

    Text: the string ("" if empty); single choice, region, consent: the code
    or ""; multiple choice: the list of codes as sent (a browser sends them in form order); approximate date:
    ``"YYYY"``, ``"YYYY-MM"``, ``"YYYY-MM-DD"`` or ""; files are not answers
    (they are the report's ``attachments``).
    """
    fields: dict = {}
    for question in questionnaire.questions():
        field = form[question.id]
        if question.kind == "files":
            continue
        if question.kind == "multiple_choice":
            fields[question.id] = list(dict.fromkeys(field.data or []))
        elif question.kind == "approximate_date":
            parts = [field.form.year.data, field.form.month.data, field.form.day.data]
            fields[question.id] = "-".join(p for p in parts if p)
        else:
            fields[question.id] = _clean(field.data or "")
    return fields
