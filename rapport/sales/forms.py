"""HTML input of leads, deals, pipelines, products and orders; the services decide what is allowed."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import Q, QuerySet

from rapport.accounts.permissions import assignable_users
from rapport.contacts.models import Company, Contact
from rapport.sales.choices import LeadSource, LeadStatus, OrderChannel, OrderStatus, StageKind
from rapport.sales.models import Deal, Pipeline, Product

PICK_LIMIT = 100
MAX_AMOUNT = Decimal("999999999999.99")
MONEY_ERRORS = {"invalid": "Enter an amount as a number, like 12500 or 99.90.",
                "min_value": "The amount cannot be negative.", "max_value": "The amount is too large.",
                "max_digits": "The amount is too large.", "max_decimal_places": "Use at most two decimals (cents)."}


def money_field(label: str, *, required: bool = False) -> forms.DecimalField:
    return forms.DecimalField(label=label, required=required, min_value=Decimal("0"), max_value=MAX_AMOUNT,
                              max_digits=14, decimal_places=2, error_messages=MONEY_ERRORS,
                              widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}))


def date_field(label: str) -> forms.DateField:
    return forms.DateField(label=label, required=False, widget=forms.DateInput(attrs={"type": "date"}),
                           error_messages={"invalid": "Enter a date as YYYY-MM-DD."})


class RecordPickField(forms.IntegerField):
    """Choose a contact, company or deal by id among those the user may see; lists only a few to choose from.

    A select with every record cannot work at a million contacts, so the select shows the current value
    and the user's most recent records; the search box next to it (htmx) loads other matches.
    """

    widget = forms.Select

    def __init__(self, *, queryset: QuerySet, options: list[Any], label: str, required: bool = False,
                 empty_label: str = "—", not_found: str = "Choose one you can see from the list.") -> None:
        super().__init__(label=label, required=required, min_value=1)
        self.queryset = queryset
        self.not_found = not_found
        self.widget.choices = [("", empty_label), *[(o.pk, _option_label(o)) for o in options]]

    def clean(self, value: Any) -> Any:
        number = super().clean(value)
        if number is None:
            return None
        record = self.queryset.filter(pk=number).first()
        if record is None:
            raise forms.ValidationError(self.not_found)
        return record


def _option_label(record: Any) -> str:
    if isinstance(record, Contact) and record.company_id:
        return f"{record} ({record.company})"
    return str(record)


def contact_options(user: Any, *, selected: Any = None, q: str = "") -> list[Contact]:
    """The contacts offered in a picker: the selected one, then search matches or the most recently changed."""
    from rapport.core.filtering import apply_search

    qs = Contact.objects.visible_to(user).select_related("company")
    found = list((apply_search(qs, "contact", q) if q else qs).order_by("-updated_at", "-id")[:PICK_LIMIT])
    return _with_selected(found, qs, selected)


def company_options(user: Any, *, selected: Any = None, q: str = "") -> list[Company]:
    from rapport.core.filtering import apply_search

    qs = Company.objects.visible_to(user)
    found = list((apply_search(qs, "company", q) if q else qs).order_by("-updated_at", "-id")[:PICK_LIMIT])
    return _with_selected(found, qs, selected)


def _with_selected(found: list[Any], qs: QuerySet, selected: Any) -> list[Any]:
    pk = getattr(selected, "pk", selected)
    try:
        pk = int(pk) if pk not in (None, "") else None
    except (TypeError, ValueError):
        pk = None
    if pk and all(r.pk != pk for r in found):
        extra = qs.filter(pk=pk).first()
        if extra is not None:
            found.insert(0, extra)
    return found


def owner_field(user: Any, *, required: bool = False) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(queryset=assignable_users(user).order_by("first_name", "last_name"),
                                  required=required, label="Owner", empty_label="—",
                                  error_messages={"invalid_choice": "Pick yourself or a teammate as owner."})


class LeadCreateForm(forms.Form):
    """A new lead: an existing contact, or a person typed in (reused when the email is known)."""

    first_name = forms.CharField(max_length=100, required=False)
    last_name = forms.CharField(max_length=100, required=False)
    email = forms.EmailField(max_length=254, required=False, error_messages={
        "invalid": "Enter an email address like name@example.com."})
    phone = forms.CharField(max_length=40, required=False, help_text="With country code, e.g. +49 30 1234567.")
    company_name = forms.CharField(max_length=200, required=False, label="Company")
    source = forms.ChoiceField(choices=LeadSource.choices, initial=LeadSource.MANUAL)
    status = forms.ChoiceField(choices=[(v, label) for v, label in LeadStatus.choices
                                        if v not in (LeadStatus.CONVERTED, LeadStatus.DISQUALIFIED)],
                               initial=LeadStatus.NEW)
    need = forms.CharField(max_length=200, required=False, label="What they need",
                           help_text="In a few words, e.g. '50 licences for the sales team'.")

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        selected = self.data.get("contact") if self.is_bound else self.initial.get("contact")
        self.fields["contact"] = RecordPickField(
            queryset=Contact.objects.visible_to(user), options=contact_options(user, selected=selected),
            label="Existing contact", empty_label="— a new person (fill in below) —",
            not_found="Choose a contact you can see, or type the new person's details below.")
        self.fields["owner"] = owner_field(user)
        self.order_fields(["contact"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("contact") and not any(data.get(f) for f in ("first_name", "last_name", "email")) \
                and "contact" not in self.errors:
            raise forms.ValidationError("Choose an existing contact, or enter the new person's name or email.")
        return data

    def person(self) -> dict[str, Any] | None:
        data = self.cleaned_data
        if data.get("contact"):
            return None
        return {k: data.get(k, "") for k in ("first_name", "last_name", "email", "phone", "company_name")}


class LeadEditForm(forms.Form):
    source = forms.ChoiceField(choices=LeadSource.choices)
    status = forms.ChoiceField(choices=[(v, label) for v, label in LeadStatus.choices if v != LeadStatus.CONVERTED])
    score = forms.IntegerField(min_value=-100000, max_value=100000, required=False)
    need = forms.CharField(max_length=200, required=False, label="What they need")
    disqualified_reason = forms.CharField(max_length=200, required=False, label="Reason (if disqualified)")

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"] = owner_field(user)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("status") == LeadStatus.DISQUALIFIED and not (data.get("disqualified_reason") or "").strip():
            self.add_error("disqualified_reason", "Say why the lead is disqualified (e.g. no budget, wrong market).")
        return data


class DisqualifyForm(forms.Form):
    reason = forms.CharField(max_length=200, error_messages={
        "required": "Say why the lead is disqualified (e.g. no budget, wrong market).",
        "max_length": "The reason is too long: at most 200 characters."})


class ConvertForm(forms.Form):
    """Turn a lead into a deal: which pipeline, and optionally name, amount and close date."""

    pipeline = forms.ModelChoiceField(queryset=Pipeline.objects.all(), empty_label=None, error_messages={
        "invalid_choice": "Choose one of the pipelines in the list."})
    deal_name = forms.CharField(max_length=200, required=False, label="Deal name",
                                help_text="Leave empty to name it after the company and the need.")
    amount = money_field("Amount")
    currency = forms.CharField(max_length=3, min_length=3, required=False, help_text="Three letters, e.g. EUR.")
    expected_close_date = date_field("Expected close date")


class AttachForm(forms.Form):
    def __init__(self, *args: Any, deals: list[Deal], editable: QuerySet, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = RecordPickField(queryset=editable, options=deals, label="Deal", required=True,
                                empty_label="— choose a deal —",
                                not_found="Choose a deal you may change from the list.")
        field.widget.choices = [("", "— choose a deal —"),
                                *[(d.pk, f"{d.name} · {d.stage.name}" + (f" · {d.company}" if d.company_id else ""))
                                  for d in deals]]
        field.error_messages["required"] = "Choose the deal to attach this lead to."
        self.fields["deal"] = field


class DealForm(forms.Form):
    name = forms.CharField(max_length=200, error_messages={"required": "Enter a name for the deal."})
    amount = money_field("Amount")
    currency = forms.CharField(max_length=3, min_length=3, help_text="Three letters, e.g. EUR.",
                               error_messages={"min_length": "Use a three-letter currency code, like EUR or USD.",
                                               "max_length": "Use a three-letter currency code, like EUR or USD."})
    expected_close_date = date_field("Expected close date")

    def __init__(self, *args: Any, user: Any, creating: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        source = self.data if self.is_bound else self.initial
        self.fields["contact"] = RecordPickField(
            queryset=Contact.objects.visible_to(user), options=contact_options(user, selected=source.get("contact")),
            label="Contact", not_found="Choose a contact you can see.")
        self.fields["company"] = RecordPickField(
            queryset=Company.objects.visible_to(user), options=company_options(user, selected=source.get("company")),
            label="Company", not_found="Choose a company you can see.")
        self.fields["owner"] = owner_field(user)
        if creating:
            self.fields["stage"] = forms.ModelChoiceField(
                queryset=_stages(), required=False, label="Pipeline and stage", empty_label="Default pipeline, first stage",
                error_messages={"invalid_choice": "Choose one of the stages in the list."})
            self.fields["stage"].label_from_instance = lambda s: f"{s.pipeline.name} → {s.name}"  # type: ignore[attr-defined]


def _stages() -> QuerySet:
    from rapport.sales.models import Stage

    return Stage.objects.select_related("pipeline").filter(kind=StageKind.OPEN).order_by(
        "pipeline__position", "pipeline_id", "position")


class MoveForm(forms.Form):
    stage = forms.IntegerField(min_value=1, error_messages={"required": "Choose the stage to move the deal to.",
                                                            "invalid": "Choose the stage to move the deal to."})
    lost_reason = forms.CharField(max_length=200, required=False, error_messages={
        "max_length": "The reason is too long: at most 200 characters."})
    version = forms.IntegerField(required=False, min_value=1)


class LineForm(forms.Form):
    """One product line of a deal."""

    product = forms.ModelChoiceField(queryset=Product.objects.all(), required=False, empty_label="—",
                                     error_messages={"invalid_choice": "Choose a product from the catalogue."})
    quantity = forms.DecimalField(required=False, max_digits=12, decimal_places=3, min_value=Decimal("0.001"),
                                  error_messages={"min_value": "The quantity must be more than zero.",
                                                  "invalid": "Enter the quantity as a number."})
    unit_price = money_field("Unit price")
    discount_percent = forms.DecimalField(required=False, min_value=0, max_value=100, max_digits=5,
                                          decimal_places=2, label="Discount %",
                                          error_messages={"max_value": "A discount is at most 100 %.",
                                                          "min_value": "A discount cannot be negative."})


class BaseLineFormSet(forms.BaseFormSet):
    def rows(self) -> list[dict[str, Any]]:
        """The filled-in lines as the services take them (empty rows are skipped)."""
        rows = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", {})
            if not data or form in self.deleted_forms or not (data.get("product") or data.get("description")):
                continue
            rows.append({k: v for k, v in data.items() if k != "DELETE" and v not in (None, "")})
        return rows


DealLineFormSet = forms.formset_factory(LineForm, formset=BaseLineFormSet, extra=2, can_delete=True,
                                        max_num=100, absolute_max=100, validate_max=True)


class OrderLineForm(forms.Form):
    product = forms.ModelChoiceField(queryset=Product.objects.filter(is_active=True), required=False,
                                     empty_label="— or describe it →",
                                     error_messages={"invalid_choice": "Choose a product from the catalogue."})
    description = forms.CharField(max_length=200, required=False)
    quantity = forms.DecimalField(required=False, max_digits=12, decimal_places=3, min_value=Decimal("0.001"),
                                  error_messages={"min_value": "The quantity must be more than zero.",
                                                  "invalid": "Enter the quantity as a number."})
    unit_price = money_field("Unit price")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("product") or data.get("description")) and data.get("quantity") is None \
                and "quantity" not in self.errors:
            self.add_error("quantity", "Enter the quantity.")
        return data


OrderLineFormSet = forms.formset_factory(OrderLineForm, formset=BaseLineFormSet, extra=3, max_num=200,
                                         absolute_max=200, validate_max=True)


class OrderForm(forms.Form):
    number = forms.CharField(max_length=64, required=False, help_text="Leave empty to number it automatically.")
    ordered_at = forms.DateTimeField(label="Date", input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d", "%Y-%m-%d %H:%M"],
                                     widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                                format="%Y-%m-%dT%H:%M"),
                                     error_messages={"invalid": "Enter the date as YYYY-MM-DD and a time as HH:MM."})
    channel = forms.ChoiceField(choices=OrderChannel.choices, initial=OrderChannel.SALES)
    status = forms.ChoiceField(choices=OrderStatus.choices, initial=OrderStatus.PAID)
    currency = forms.CharField(max_length=3, min_length=3)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        source = self.data if self.is_bound else self.initial
        self.fields["contact"] = RecordPickField(
            queryset=Contact.objects.editable_by(user), options=contact_options(user, selected=source.get("contact")),
            label="Customer", required=True, not_found="Choose a customer you may change.")
        self.fields["contact"].error_messages["required"] = "Choose the customer who bought."
        self.order_fields(["contact"])


class ProductForm(forms.Form):
    sku = forms.CharField(max_length=64, label="SKU", help_text="Your article number; unique.")
    name = forms.CharField(max_length=200)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)
    unit_price = money_field("Unit price", required=True)
    currency = forms.CharField(max_length=3, min_length=3)
    is_active = forms.BooleanField(required=False, initial=True, label="Active (can be sold)")


class PipelineForm(forms.Form):
    name = forms.CharField(max_length=100)
    is_default = forms.BooleanField(required=False, label="Default pipeline for new deals")


class StageForm(forms.Form):
    name = forms.CharField(max_length=100, required=False)
    kind = forms.ChoiceField(choices=StageKind.choices, initial=StageKind.OPEN)
    probability = forms.IntegerField(min_value=0, max_value=100, required=False, initial=10,
                                     error_messages={"min_value": "Probability is a whole number from 0 to 100.",
                                                     "max_value": "Probability is a whole number from 0 to 100."})


StageFormSet = forms.formset_factory(StageForm, extra=0, min_num=3, max_num=30, absolute_max=30, validate_max=True)


def open_deals_for_attach(user: Any, *, company_id: int | None, contact_id: int | None) -> list[Deal]:
    """Deals a lead may be attached to: open deals the user may change, the lead's company's first."""
    editable = Deal.objects.editable_by(user).filter(stage__kind=StageKind.OPEN).select_related("stage", "company")
    related = Q(pk__in=[])
    if company_id:
        related |= Q(company_id=company_id)
    if contact_id:
        related |= Q(contact_id=contact_id)
    first = list(editable.filter(related).order_by("-created_at", "-id")[:50])
    seen = {d.pk for d in first}
    rest = [d for d in editable.order_by("-created_at", "-id")[:100] if d.pk not in seen]
    return first + rest[: max(0, PICK_LIMIT - len(first))]
