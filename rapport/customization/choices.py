from django.db import models


class Entity(models.TextChoices):
    CONTACT = "contact", "Contacts"
    COMPANY = "company", "Companies"
    LEAD = "lead", "Leads"
    DEAL = "deal", "Deals"


class FieldType(models.TextChoices):
    TEXT = "text", "Text"
    NUMBER = "number", "Number"
    MONEY = "money", "Money"
    DATE = "date", "Date"
    CHOICE = "choice", "Choice"
    MULTI_CHOICE = "multi_choice", "Several choices"
    BOOLEAN = "boolean", "Yes / no"
    URL = "url", "Web address"
    EMAIL = "email", "Email address"


class RuleKind(models.TextChoices):
    REQUIRED = "required", "Required"
    FORMAT = "format", "Format"
    ALLOWED_VALUES = "allowed_values", "Allowed values"
    CONDITIONAL = "conditional", "When … then …"


class NamedFormat(models.TextChoices):
    EMAIL = "email", "Email address"
    PHONE = "phone", "Phone number"
    URL = "url", "Web address"
    POSTAL_CODE = "postal_code", "Postal code (per country)"
    REGEX = "regex", "Regular expression"


class Operator(models.TextChoices):
    EQUALS = "equals", "is"
    NOT_EQUALS = "not_equals", "is not"
    ONE_OF = "one_of", "is one of"
    NOT_ONE_OF = "not_one_of", "is not one of"
    IS_EMPTY = "is_empty", "is empty"
    IS_NOT_EMPTY = "is_not_empty", "is filled in"
    GREATER_THAN = "greater_than", "is greater than"
    LESS_THAN = "less_than", "is less than"
