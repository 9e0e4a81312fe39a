"""Helpers shared by the sales and activities pages: page slicing without COUNT, error sentences, safe redirects."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme

from rapport.core.errors import EditConflict, NotAllowed

PAGE_SIZE = 50


@dataclass
class Page:
    """One page of a list: its rows and whether there is a page before or after (no COUNT(*) needed)."""

    rows: list[Any]
    number: int
    has_previous: bool
    has_next: bool

    @property
    def previous_number(self) -> int:
        return self.number - 1

    @property
    def next_number(self) -> int:
        return self.number + 1


def page_of(qs: QuerySet, request: HttpRequest, *, size: int = PAGE_SIZE) -> Page:
    """Slice one page of `qs` by fetching one row more than shown, so no COUNT over the whole table runs."""
    try:
        number = max(1, min(int(request.GET.get("page", "1")), 100_000))
    except ValueError:
        number = 1
    start = (number - 1) * size
    rows = list(qs[start : start + size + 1])
    return Page(rows=rows[:size], number=number, has_previous=number > 1, has_next=len(rows) > size)


def error_dict(exc: ValidationError) -> dict[str, list[str]]:
    """Field → sentences of a service's ValidationError ("__all__" for the record as a whole)."""
    if hasattr(exc, "error_dict"):
        return {field: [str(m) for m in ValidationError(errors).messages] for field, errors in exc.error_dict.items()}
    return {"__all__": [str(m) for m in exc.messages]}


def add_errors(form: Any, exc: ValidationError, *, aliases: dict[str, str] | None = None) -> None:
    """Put a service's error sentences on the form fields they concern (the rest on the form itself)."""
    aliases = aliases or {}
    for field, messages in error_dict(exc).items():
        name = aliases.get(field, field)
        if name.startswith("custom."):
            name = "cf_" + name.removeprefix("custom.")
        target = name if name in form.fields else None
        for message in messages:
            form.add_error(target, message)


def safe_next(request: HttpRequest, fallback: str) -> str:
    """The `next` URL from the form if it points at this site, else the fallback."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return fallback


def style_form(form: Any) -> None:
    """Give every widget the house input class, and mark fields with errors for assistive technology."""
    from django import forms

    for name, field in form.fields.items():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple | forms.RadioSelect | forms.HiddenInput):
            continue
        widget.attrs.setdefault("class", "input")
        if form.is_bound and name in form.errors:
            widget.attrs["aria-invalid"] = "true"


def render_page(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> Any:
    """Render a page of the sales and activities apps with its forms styled the house way."""
    from django import forms
    from django.shortcuts import render

    for value in context.values():
        if isinstance(value, forms.BaseForm):
            style_form(value)
        elif isinstance(value, forms.BaseFormSet):
            for form in value.forms:
                style_form(form)
    return render(request, template, context, status=status)


def not_allowed(request: HttpRequest, exc: NotAllowed) -> HttpResponse:
    """The 403 page with the service's sentence."""
    return render_page(request, "sales/not_allowed.html", {"message": str(exc)}, status=403)


def posted_version(request: HttpRequest) -> int | None:
    """The record version the edit form was rendered with (None if missing)."""
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return None


def edit_page(
    request: HttpRequest,
    *,
    record: Model,
    name: str,
    form: Any,
    save: Callable[[dict[str, Any], int | None], Any],
    saved: str | Callable[[dict[str, Any]], str],
    done: Any,
    template: str,
) -> HttpResponse:
    """An edit page: on POST validate `form` and `save(cleaned_data, version)`, refusing a stale version.

    A stale version shows what changed meanwhile (409), service errors go on the form fields (400),
    success says `saved` and redirects to `done`. On GET it renders `form` as given.
    """
    conflict: EditConflict | None = None
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                save(form.cleaned_data, posted_version(request))
            except NotAllowed as exc:
                return not_allowed(request, exc)
            except EditConflict as exc:
                conflict, status = exc, 409
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                flash.success(request, saved(form.cleaned_data) if callable(saved) else saved)
                return redirect(done)
    version = conflict.record.version if conflict else record.version  # type: ignore[attr-defined]
    return render_page(request, template, {"form": form, name: record, "creating": False, "conflict": conflict,
                                           "version": version}, status=status)
