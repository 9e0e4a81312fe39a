"""Admin-defined validation rules, compiled once and checked by forms, the API and imports alike.

Usage (one call per request or import job, then any number of rows):

    rules = rules_for("deal")
    if not rules.empty:
        problems = rules.field_errors({"name": "Big one", "amount": None, "stage_kind": "won"})
        # {"amount": ["Amount is required when Stage is won; enter a value."]}

`values` is a flat dict of model field names. Deals also carry "stage_kind" (open / won / lost).
Custom fields are "custom.<key>" (a nested "custom" dict is read too). A foreign key may be given
as "company" or "company_id". A missing key means empty. `errors()` and `field_errors()` never
query the database: everything they need is loaded and compiled by `rules_for`.

Parameter shapes stored in ValidationRule.parameters, per kind:
    required        {}
    format          {"format": "email" | "phone" | "url" | "postal_code" | "regex",
                     "pattern": "<regex, for regex>", "example": "<optional, shown in the message>",
                     "country_field": "<for postal_code and phone, default 'country'>"}
    allowed_values  {"values": ["a", "b", ...]}          (compared without regard to case)
    conditional     {"when": {"field": "stage_kind", "operator": "equals", "value": "won"},
                     "then": {"kind": "required"} | {"kind": "format", ...} | {"kind": "allowed_values", ...}}
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import phonenumbers
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import models

from rapport.customization.choices import Entity, NamedFormat, Operator, RuleKind

ENTITY_MODELS: dict[str, tuple[str, str]] = {
    Entity.CONTACT: ("contacts", "Contact"),
    Entity.COMPANY: ("contacts", "Company"),
    Entity.LEAD: ("sales", "Lead"),
    Entity.DEAL: ("sales", "Deal"),
}
# Fields the system maintains itself: a rule on them could never be satisfied by the person typing.
SYSTEM_FIELDS = {
    "id",
    "created_at",
    "updated_at",
    "version",
    "deleted_at",
    "deleted_by",
    "custom",
    "stage",
    "stage_changed_at",
    "closed_at",
    "converted_at",
}
STAGE_KIND = "stage_kind"
MAX_ALLOWED_VALUES = 500
MAX_PATTERN = 500

# Postal code shapes of the countries most CRMs meet; other countries are not checked (accepted).
POSTAL_CODES: dict[str, tuple[str, str]] = {
    "AT": (r"\d{4}", "1010"),
    "AU": (r"\d{4}", "2000"),
    "BE": (r"\d{4}", "1000"),
    "BR": (r"\d{5}-?\d{3}", "01310-100"),
    "CA": (r"[A-Za-z]\d[A-Za-z] ?\d[A-Za-z]\d", "K1A 0B1"),
    "CH": (r"\d{4}", "8001"),
    "CZ": (r"\d{3} ?\d{2}", "110 00"),
    "DE": (r"\d{5}", "10115"),
    "DK": (r"\d{4}", "1050"),
    "ES": (r"\d{5}", "28001"),
    "FI": (r"\d{5}", "00100"),
    "FR": (r"\d{5}", "75001"),
    "GB": (r"[A-Za-z]{1,2}\d[A-Za-z\d]? ?\d[A-Za-z]{2}", "SW1A 1AA"),
    "IE": (r"[A-Za-z]\d[\dWw] ?[A-Za-z\d]{4}", "D02 X285"),
    "IN": (r"\d{6}", "110001"),
    "IT": (r"\d{5}", "00118"),
    "JP": (r"\d{3}-?\d{4}", "100-0001"),
    "LU": (r"(L-)?\d{4}", "1009"),
    "NL": (r"\d{4} ?[A-Za-z]{2}", "1012 AB"),
    "NO": (r"\d{4}", "0150"),
    "PL": (r"\d{2}-\d{3}", "00-001"),
    "PT": (r"\d{4}-\d{3}", "1000-001"),
    "SE": (r"\d{3} ?\d{2}", "111 22"),
    "US": (r"\d{5}(-\d{4})?", "10001"),
}
_POSTAL_COMPILED = {
    country: (re.compile(pattern), example) for country, (pattern, example) in POSTAL_CODES.items()
}
_EMAIL = EmailValidator()
_URL = URLValidator(schemes=["http", "https"])
_PHONE_SEPARATORS = re.compile(r"[\s().\-/]")


# ---------------------------------------------------------------- field catalogue


def entity_fields(entity: str) -> dict[str, str]:
    """Field names a rule may name on an entity (without custom fields), mapped to their labels."""
    if entity not in ENTITY_MODELS:
        return {}
    model = apps.get_model(*ENTITY_MODELS[entity])
    result: dict[str, str] = {}
    for model_field in model._meta.concrete_fields:
        if model_field.name in SYSTEM_FIELDS or not model_field.editable:
            continue
        result[model_field.name] = _label(str(model_field.verbose_name))
    if entity == Entity.DEAL:
        result[STAGE_KIND] = "Stage"
    return result


def fields_for(entity: str) -> dict[str, str]:
    """Field names a rule may name on an entity, custom fields included as "custom.<key>"."""
    from rapport.customization.models import CustomField

    result = entity_fields(entity)
    for custom in CustomField.objects.filter(entity=entity).only("key", "label"):
        result[f"custom.{custom.key}"] = custom.label
    return result


def _label(verbose_name: str) -> str:
    return verbose_name[:1].upper() + verbose_name[1:]


def _zero_means_empty(entity: str, name: str) -> bool:
    """True for number fields whose default is 0 (deal amount, lead score): 0 there means "not filled in"."""
    if entity not in ENTITY_MODELS or name.startswith("custom.") or name == STAGE_KIND:
        return False
    model = apps.get_model(*ENTITY_MODELS[entity])
    try:
        model_field = model._meta.get_field(name)
    except Exception:
        return False
    if not isinstance(model_field, models.DecimalField | models.IntegerField | models.FloatField):
        return False
    default = model_field.default
    return default is not models.NOT_PROVIDED and not callable(default) and default == 0


# ---------------------------------------------------------------- reading values


def _lookup(values: Mapping[str, Any], name: str) -> Any:
    if name in values:
        return values[name]
    if name.startswith("custom."):
        custom = values.get("custom")
        if isinstance(custom, Mapping):
            return custom.get(name[7:])
        return None
    return values.get(f"{name}_id")


def _is_empty(value: Any, zero_is_empty: bool = False) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple | set | dict):
        return not value
    if zero_is_empty and not isinstance(value, bool) and isinstance(value, int | float | Decimal):
        return value == 0
    return False


def _as_number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _text(value: Any) -> str:
    if hasattr(value, "pk") and not isinstance(value, str | int):
        value = value.pk
    return str(value).strip().casefold()


def _equal(value: Any, expected: Any) -> bool:
    if isinstance(value, bool) or isinstance(expected, bool):
        return _text(value) in _truthy_forms(expected)
    left, right = _as_number(value), _as_number(expected)
    if left is not None and right is not None:
        return left == right
    return _text(value) == _text(expected)


def _truthy_forms(expected: Any) -> set[str]:
    if _text(expected) in {"true", "yes", "1", "on"}:
        return {"true", "yes", "1", "on"}
    return {"false", "no", "0", "off"}


# ---------------------------------------------------------------- compiled checks

# A test takes the record's values and returns None when they pass or the sentence to show.
Test = Callable[[Mapping[str, Any]], str | None]


@dataclass(frozen=True)
class CompiledRule:
    """One active rule, ready to run: the field its message belongs to and its test."""

    rule_id: int | None
    field: str
    test: Test


@dataclass(frozen=True)
class RuleSet:
    """The active validation rules of one entity; `errors` and `field_errors` never touch the database."""

    entity: str
    rules: tuple[CompiledRule, ...] = field(default=())

    @property
    def empty(self) -> bool:
        return not self.rules

    def field_errors(self, values: Mapping[str, Any]) -> dict[str, list[str]]:
        """Messages of the rules the values break, per field name (as in ValidationError)."""
        result: dict[str, list[str]] = {}
        for rule in self.rules:
            message = rule.test(values)
            if message is not None:
                messages = result.setdefault(rule.field, [])
                if message not in messages:
                    messages.append(message)
        return result

    def errors(self, values: Mapping[str, Any]) -> list[str]:
        """Messages of the rules the values break, as one list of sentences (for import rejections)."""
        messages: list[str] = []
        for rule in self.rules:
            message = rule.test(values)
            if message is not None and message not in messages:
                messages.append(message)
        return messages

    def check(self, values: Mapping[str, Any]) -> None:
        """Raise ValidationError({field: [messages]}) if the values break any rule."""
        problems = self.field_errors(values)
        if problems:
            raise ValidationError(problems)


def rules_for(entity: str) -> RuleSet:
    """Load and compile the active rules of an entity (two queries; none when there are no rules)."""
    from rapport.customization.models import ValidationRule

    if entity not in ENTITY_MODELS:
        return RuleSet(entity=entity)
    stored = list(ValidationRule.objects.filter(entity=entity, active=True).order_by("id"))
    if not stored:
        return RuleSet(entity=entity)
    labels = fields_for(entity)
    compiled = []
    for rule in stored:
        try:
            compiled.append(
                compile_rule(
                    entity,
                    rule.kind,
                    rule.field,
                    rule.parameters or {},
                    rule.message,
                    labels=labels,
                    rule_id=rule.pk,
                )
            )
        except ValidationError:
            # A rule made invalid behind the services' back (e.g. its custom field was deleted) is
            # skipped rather than blocking every save; the settings page shows it as broken.
            continue
    return RuleSet(entity=entity, rules=tuple(compiled))


def compile_rule(
    entity: str,
    kind: str,
    field_name: str,
    parameters: Mapping[str, Any],
    message: str = "",
    *,
    labels: Mapping[str, str] | None = None,
    rule_id: int | None = None,
) -> CompiledRule:
    """Turn one rule definition into a test; raise ValidationError({part: [sentence]}) if it is invalid."""
    labels = labels if labels is not None else fields_for(entity)
    if entity not in ENTITY_MODELS:
        raise ValidationError({"entity": ["Choose contacts, companies, leads or deals."]})
    if field_name not in labels:
        raise ValidationError(
            {
                "field": [
                    f"There is no field called {field_name!r} on {Entity(entity).label.lower()}; "
                    "choose one from the list."
                ]
            }
        )
    if not isinstance(parameters, Mapping):
        raise ValidationError({"parameters": ["Parameters must be an object of names to values."]})
    label = labels[field_name]
    zero_empty = _zero_means_empty(entity, field_name)
    custom_message = (message or "").strip() or None

    if kind == RuleKind.CONDITIONAL:
        condition, condition_text = _compile_condition(entity, parameters.get("when"), labels)
        then = parameters.get("then") or {"kind": RuleKind.REQUIRED}
        if not isinstance(then, Mapping) or then.get("kind") not in (
            RuleKind.REQUIRED,
            RuleKind.FORMAT,
            RuleKind.ALLOWED_VALUES,
        ):
            raise ValidationError(
                {
                    "parameters": [
                        "Say what the field must be when the condition holds: "
                        "required, a format or allowed values."
                    ]
                }
            )
        inner = _compile_simple(
            str(then["kind"]),
            field_name,
            label,
            then,
            zero_empty,
            custom_message,
            suffix=f" when {condition_text}",
        )

        def conditional(values: Mapping[str, Any]) -> str | None:
            return inner(values) if condition(values) else None

        return CompiledRule(rule_id, field_name, conditional)
    if kind not in (RuleKind.REQUIRED, RuleKind.FORMAT, RuleKind.ALLOWED_VALUES):
        raise ValidationError({"kind": ["Choose required, format, allowed values or a when … then … rule."]})
    return CompiledRule(
        rule_id, field_name, _compile_simple(kind, field_name, label, parameters, zero_empty, custom_message)
    )


def _compile_simple(
    kind: str,
    field_name: str,
    label: str,
    parameters: Mapping[str, Any],
    zero_empty: bool,
    custom_message: str | None,
    suffix: str = "",
) -> Test:
    if kind == RuleKind.REQUIRED:
        message = custom_message or f"{label} is required{suffix}; enter a value."

        def required(values: Mapping[str, Any]) -> str | None:
            return message if _is_empty(_lookup(values, field_name), zero_empty) else None

        return required

    if kind == RuleKind.ALLOWED_VALUES:
        allowed = parameters.get("values")
        if not isinstance(allowed, list) or not allowed or len(allowed) > MAX_ALLOWED_VALUES:
            raise ValidationError({"parameters": [f"List the allowed values (1 to {MAX_ALLOWED_VALUES})."]})
        if any(
            not isinstance(v, str | int | float) or isinstance(v, bool) or not str(v).strip() for v in allowed
        ):
            raise ValidationError({"parameters": ["Each allowed value must be a non-empty text or number."]})
        folded = frozenset(_text(v) for v in allowed)
        shown = ", ".join(str(v) for v in allowed[:20]) + (", …" if len(allowed) > 20 else "")
        message = custom_message or f"{label} must be one of: {shown}{suffix}."

        def allowed_values(values: Mapping[str, Any]) -> str | None:
            value = _lookup(values, field_name)
            if _is_empty(value):
                return None
            items = value if isinstance(value, list | tuple) else [value]
            return None if all(_text(item) in folded for item in items) else message

        return allowed_values

    # kind == format
    named = parameters.get("format")
    example = str(parameters.get("example") or "").strip()[:80]
    country_field = str(parameters.get("country_field") or "country")
    if named == NamedFormat.REGEX:
        pattern = parameters.get("pattern")
        if not isinstance(pattern, str) or not pattern.strip():
            raise ValidationError({"parameters": ["Write the regular expression the value must match."]})
        if len(pattern) > MAX_PATTERN:
            raise ValidationError(
                {"parameters": [f"The regular expression is too long: at most {MAX_PATTERN} characters."]}
            )
        try:
            regex = re.compile(pattern)
        except re.error as exc:
            raise ValidationError(
                {
                    "parameters": [
                        f"The regular expression is not valid ({exc}); correct it, "
                        "for example ^[A-Z]{2}-\\d{4}$."
                    ]
                }
            ) from None
        hint = f", like {example}" if example else ""
        message = custom_message or f"{label} does not have the expected format{hint}{suffix}; correct it."

        def matches(values: Mapping[str, Any]) -> str | None:
            value = _lookup(values, field_name)
            if _is_empty(value):
                return None
            return None if regex.fullmatch(str(value).strip()) else message

        return matches
    if named == NamedFormat.EMAIL:
        message = custom_message or f"{label} must be an email address like name@example.com{suffix}."
        return _validator_test(field_name, _EMAIL, message)
    if named == NamedFormat.URL:
        message = custom_message or f"{label} must be a web address starting with https://{suffix}."
        return _validator_test(field_name, _URL, message)
    if named == NamedFormat.PHONE:
        message = custom_message or (
            f"{label} must be a phone number with its country code, like +49 30 1234567{suffix}."
        )

        def phone(values: Mapping[str, Any]) -> str | None:
            value = _lookup(values, field_name)
            if _is_empty(value):
                return None
            return None if _phone_ok(str(value), _lookup(values, country_field)) else message

        return phone
    if named == NamedFormat.POSTAL_CODE:

        def postal_code(values: Mapping[str, Any]) -> str | None:
            value = _lookup(values, field_name)
            if _is_empty(value):
                return None
            country = str(_lookup(values, country_field) or "").strip().upper()
            shape = _POSTAL_COMPILED.get(country)
            if shape is None or shape[0].fullmatch(str(value).strip()):
                return None
            return custom_message or (f"{label} must be a postal code of {country}, like {shape[1]}{suffix}.")

        return postal_code
    raise ValidationError({"parameters": ["Choose a format: email, phone, url, postal_code or regex."]})


def _validator_test(field_name: str, validator: Callable[[str], None], message: str) -> Test:
    def test(values: Mapping[str, Any]) -> str | None:
        value = _lookup(values, field_name)
        if _is_empty(value):
            return None
        try:
            validator(str(value).strip())
        except ValidationError:
            return message
        return None

    return test


def _phone_ok(text: str, country: Any) -> bool:
    compact = _PHONE_SEPARATORS.sub("", text.strip())
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    region = str(country or "").strip().upper() or None
    if not compact.startswith("+") and region is None:
        return False
    try:
        number = phonenumbers.parse(compact, None if compact.startswith("+") else region)
    except phonenumbers.NumberParseException:
        return False
    return bool(phonenumbers.is_possible_number(number))


def _compile_condition(
    entity: str, when: Any, labels: Mapping[str, str]
) -> tuple[Callable[[Mapping[str, Any]], bool], str]:
    if not isinstance(when, Mapping):
        raise ValidationError(
            {"parameters": ["Say when the rule applies: a field, an operator and a value."]}
        )
    name = str(when.get("field") or "")
    if name not in labels:
        raise ValidationError(
            {
                "parameters": [
                    f"There is no field called {name!r} to test on "
                    f"{Entity(entity).label.lower()}; choose one from the list."
                ]
            }
        )
    operator = when.get("operator") or Operator.EQUALS
    if operator not in Operator.values:
        raise ValidationError(
            {"parameters": [f"Unknown operator {operator!r}; choose one of: {', '.join(Operator.values)}."]}
        )
    expected = when.get("value")
    zero_empty = _zero_means_empty(entity, name)
    label = labels[name]
    verb = Operator(operator).label
    if operator in (Operator.IS_EMPTY, Operator.IS_NOT_EMPTY):
        text = f"{label} {verb}"
        want_empty = operator == Operator.IS_EMPTY
        return (lambda values: _is_empty(_lookup(values, name), zero_empty) == want_empty), text
    if operator in (Operator.ONE_OF, Operator.NOT_ONE_OF):
        options = (
            expected
            if isinstance(expected, list)
            else [part.strip() for part in str(expected or "").split(",") if part.strip()]
        )
        if not options:
            raise ValidationError({"parameters": ["List the values the condition compares with."]})
        inside = operator == Operator.ONE_OF
        text = f"{label} {verb} {', '.join(map(str, options))}"

        def among(values: Mapping[str, Any]) -> bool:
            value = _lookup(values, name)
            if _is_empty(value):
                return not inside
            return any(_equal(value, option) for option in options) == inside

        return among, text
    if expected is None or (isinstance(expected, str) and not expected.strip()):
        raise ValidationError({"parameters": ["Give the value the condition compares with."]})
    text = f"{label} {verb} {expected}"
    if operator in (Operator.GREATER_THAN, Operator.LESS_THAN):
        bound = _as_number(expected)
        if bound is None:
            raise ValidationError(
                {"parameters": ["Greater than and less than compare with a number, like 1000."]}
            )
        greater = operator == Operator.GREATER_THAN

        def compare(values: Mapping[str, Any]) -> bool:
            number = _as_number(_lookup(values, name))
            if number is None:
                return False
            return number > bound if greater else number < bound

        return compare, text
    same = operator == Operator.EQUALS

    def equals(values: Mapping[str, Any]) -> bool:
        value = _lookup(values, name)
        if _is_empty(value):
            return not same
        return _equal(value, expected) == same

    return equals, text


# ---------------------------------------------------------------- helpers for services and pages


def values_from_record(entity: str, record: Any) -> dict[str, Any]:
    """The flat values dict of a saved or unsaved record, as the rules read it."""
    values: dict[str, Any] = {}
    for model_field in record._meta.concrete_fields:
        values[model_field.name] = getattr(record, model_field.attname)
    for key, value in (getattr(record, "custom", None) or {}).items():
        values[f"custom.{key}"] = value
    if entity == Entity.DEAL and getattr(record, "stage_id", None):
        values[STAGE_KIND] = record.stage.kind
    return values


def rules_check(entity: str, record: Any, changes: Mapping[str, Any] | None = None) -> None:
    """Raise ValidationError({field: [messages]}) if the record, with `changes` applied, breaks a rule.

    Services call this just before saving: `record` is the current (or new, unsaved) instance and
    `changes` the cleaned values about to be written ("custom" is the record's whole new custom dict).
    """
    rules = rules_for(entity)
    if rules.empty:
        return
    values = values_from_record(entity, record)
    for name, value in (changes or {}).items():
        if name == "custom" and isinstance(value, Mapping):
            for key in [k for k in values if k.startswith("custom.")]:
                del values[key]
            values.update({f"custom.{key}": item for key, item in value.items()})
        else:
            values[name] = value
    rules.check(values)


def rule_summary(rule: Any, labels: Mapping[str, str] | None = None) -> str:
    """A plain-language sentence for a rule, e.g. "Deals: when Stage is won, Amount is required"."""
    labels = labels if labels is not None else fields_for(rule.entity)
    entity = Entity(rule.entity).label if rule.entity in Entity.values else rule.entity
    label = labels.get(rule.field, rule.field)
    parameters = rule.parameters or {}
    if rule.kind == RuleKind.CONDITIONAL:
        when = parameters.get("when") or {}
        then = parameters.get("then") or {"kind": RuleKind.REQUIRED}
        condition_field = str(when.get("field") or "")
        condition_label = labels.get(condition_field, condition_field)
        operator = when.get("operator") or Operator.EQUALS
        verb = Operator(operator).label if operator in Operator.values else operator
        value = when.get("value")
        shown = ", ".join(map(str, value)) if isinstance(value, list) else value
        condition = f"{condition_label} {verb}" + (
            "" if operator in (Operator.IS_EMPTY, Operator.IS_NOT_EMPTY) else f" {shown}"
        )
        return f"{entity}: when {condition}, {label} {_requirement(then)}"
    return f"{entity}: {label} {_requirement({'kind': rule.kind, **parameters})}"


def _requirement(parameters: Mapping[str, Any]) -> str:
    kind = parameters.get("kind")
    if kind == RuleKind.REQUIRED:
        return "is required"
    if kind == RuleKind.ALLOWED_VALUES:
        values = parameters.get("values") or []
        return "must be one of " + ", ".join(map(str, values))
    named = parameters.get("format")
    if named == NamedFormat.REGEX:
        return f"must match {parameters.get('pattern')}"
    if named in NamedFormat.values:
        return f"must be a valid {NamedFormat(named).label.lower()}"
    return "must have a valid format"
