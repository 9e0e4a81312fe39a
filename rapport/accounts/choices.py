from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "Administrator"
    MANAGER = "manager", "Sales manager"
    REP = "rep", "Sales rep"
    READ_ONLY = "readonly", "Read-only"
