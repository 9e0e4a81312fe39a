"""HTML input of activities: parse what the browser sends; the services decide what is allowed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from rapport.activities.choices import ActivityKind, CallOutcome, Priority

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
LOGGABLE_KINDS = [(k, v) for k, v in ActivityKind.choices if k != ActivityKind.EMAIL]


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class DueField(forms.Field):
    """A due date or date and time; a date alone means the end of that day in the site time zone."""

    widget = forms.DateInput(attrs={"type": "date"})

    def to_python(self, value: Any) -> dt.datetime | None:
        if value in (None, ""):
            return None
        if isinstance(value, dt.datetime):
            return value
        text = str(value).strip()
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            day = None
        if day is not None:
            if not dt.date(1900, 1, 1) <= day <= dt.date(2200, 12, 31):
                raise forms.ValidationError("This date is out of range (1900–2200).")
            return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59)))
        for fmt in DATETIME_FORMATS:
            try:
                return timezone.make_aware(dt.datetime.strptime(text, fmt))
            except ValueError:
                continue
        raise forms.ValidationError("Enter the due date as YYYY-MM-DD (and a time as HH:MM if you like).")


class ActivityForm(forms.Form):
    """A call, meeting, task or note; fields that do not belong to the kind are ignored."""

    kind = forms.ChoiceField(choices=LOGGABLE_KINDS)
    subject = forms.CharField(max_length=200, error_messages={"required": "Enter a subject, e.g. 'Call about the renewal'."})
    body = forms.CharField(required=False, max_length=20000, widget=forms.Textarea(attrs={"rows": 4}), label="Notes")
    outcome = forms.ChoiceField(choices=[("", "—"), *CallOutcome.choices], required=False)
    duration_minutes = forms.IntegerField(required=False, min_value=0, max_value=1440, label="Duration (minutes)")
    starts_at = forms.DateTimeField(required=False, input_formats=DATETIME_FORMATS, widget=LocalDateTimeInput(),
                                    label="Starts")
    ends_at = forms.DateTimeField(required=False, input_formats=DATETIME_FORMATS, widget=LocalDateTimeInput(),
                                  label="Ends")
    location = forms.CharField(required=False, max_length=200, label="Place")
    attendees: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(queryset=None, required=False,  # type: ignore[arg-type]
                                               widget=forms.CheckboxSelectMultiple)
    due_at = DueField(required=False, label="Due")
    priority = forms.ChoiceField(choices=Priority.choices, required=False, initial=Priority.NORMAL)

    def __init__(self, *args: Any, attendee_choices: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from rapport.contacts.models import Contact

        attendees: Any = self.fields["attendees"]
        attendees.queryset = attendee_choices if attendee_choices is not None else Contact.objects.none()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == ActivityKind.MEETING and not data.get("starts_at") and "starts_at" not in self.errors:
            self.add_error("starts_at", "Enter when the meeting starts.")
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends < starts:
            self.add_error("ends_at", "The meeting must end after it starts.")
        return data

    def service_values(self, kind: str) -> dict[str, Any]:
        """The cleaned values the activity services take for this kind."""
        data = self.cleaned_data
        values: dict[str, Any] = {"subject": data["subject"], "body": data.get("body", "")}
        if kind == ActivityKind.CALL:
            values["outcome"] = data.get("outcome") or ""
            values["duration_minutes"] = data.get("duration_minutes")
        elif kind == ActivityKind.MEETING:
            values.update(starts_at=data.get("starts_at"), ends_at=data.get("ends_at"),
                          location=data.get("location", ""))
        elif kind == ActivityKind.TASK:
            values.update(due_at=data.get("due_at"), priority=data.get("priority") or Priority.NORMAL)
        return values
