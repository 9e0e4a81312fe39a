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
