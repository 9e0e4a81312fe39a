from django.db import models


class Target(models.TextChoices):
    CONTACTS = "contacts", "Contacts"
    COMPANIES = "companies", "Companies"
    LEADS = "leads", "Leads"
    DEALS = "deals", "Deals"
    ORDERS = "orders", "Orders"
    ACTIVITIES = "activities", "Activities"


class Mode(models.TextChoices):
    CREATE = "create", "Create new records only (skip matches)"
    UPDATE = "update", "Update existing records only"
    CREATE_OR_UPDATE = "create_or_update", "Create new and update existing"


class MatchKey(models.TextChoices):
    EMAIL = "email", "Email address"
    EXTERNAL_ID = "external_id", "External id"
    DOMAIN = "domain", "Web domain (or name when there is none)"
    NUMBER = "number", "Order number"
    RAPPORT_ID = "rapport_id", "Rapport ID (the ID column of a Rapport export)"


def match_keys_text(keys: tuple[str, ...]) -> str:
    """The ways to match, in a sentence: "web domain (or name when there is none), external id or Rapport ID…"."""
    labels = dict(MatchKey.choices)
    words = [str(labels[k]) if k == MatchKey.RAPPORT_ID else str(labels[k]).lower() for k in keys]
    return " or ".join(words) if len(words) < 3 else f"{', '.join(words[:-1])} or {words[-1]}"


class JobStatus(models.TextChoices):
    DRAFT = "draft", "Being set up"
    CHECKING = "checking", "Checking the file"
    CHECKED = "checked", "Dry run done"
    QUEUED = "queued", "Waiting to start"
    RUNNING = "running", "Importing"
    DONE = "done", "Finished"
    FAILED = "failed", "Stopped with an error"
    UNDONE = "undone", "Undone"


class Outcome(models.TextChoices):
    CREATED = "created", "Created"
    UPDATED = "updated", "Updated"
    SKIPPED = "skipped", "Skipped"
    REJECTED = "rejected", "Rejected"
