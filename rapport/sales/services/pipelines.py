"""Pipelines and their stages."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from rapport.core.errors import NotAllowed
from rapport.sales.choices import StageKind
from rapport.sales.models import Pipeline, Stage

DEFAULT_STAGES = [
    ("Qualification", StageKind.OPEN, 10),
    ("Needs analysis", StageKind.OPEN, 25),
    ("Proposal", StageKind.OPEN, 50),
    ("Negotiation", StageKind.OPEN, 75),
    ("Won", StageKind.WON, 100),
    ("Lost", StageKind.LOST, 0),
]


@transaction.atomic
def pipeline_create(*, name: str, stages: list[dict[str, Any]] | None = None, by: Any,
                    is_default: bool = False) -> Pipeline:
    """Create a pipeline with ordered stages; it needs at least one open, one won and one lost stage."""
    if not by.is_admin:
        raise NotAllowed("Only an administrator can set up pipelines.")
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": ["Enter the pipeline's name."]})
    if Pipeline.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": [f"A pipeline called {name!r} exists already; pick another name."]})
    rows = stages or [{"name": n, "kind": k, "probability": p} for n, k, p in DEFAULT_STAGES]
    errors: dict[str, list[str]] = {}
    names = set()
    for i, row in enumerate(rows):
        if not str(row.get("name", "")).strip():
            errors.setdefault(f"stages.{i}.name", []).append("Enter the stage's name.")
        elif row["name"].strip().lower() in names:
            errors.setdefault(f"stages.{i}.name", []).append("Two stages cannot have the same name.")
        names.add(str(row.get("name", "")).strip().lower())
        if row.get("kind", StageKind.OPEN) not in StageKind.values:
            errors.setdefault(f"stages.{i}.kind", []).append("Kind must be open, won or lost.")
        prob = row.get("probability", 10)
        if not isinstance(prob, int) or not 0 <= prob <= 100:
            errors.setdefault(f"stages.{i}.probability", []).append("Probability is a whole number from 0 to 100.")
    kinds = {row.get("kind", StageKind.OPEN) for row in rows}
    if not {StageKind.OPEN, StageKind.WON, StageKind.LOST} <= kinds:
        errors.setdefault("stages", []).append("A pipeline needs at least one open, one won and one lost stage.")
    if errors:
        raise ValidationError(errors)
    if is_default or not Pipeline.objects.exists():
        Pipeline.objects.update(is_default=False)
        is_default = True
    pipeline = Pipeline.objects.create(name=name, is_default=is_default, position=Pipeline.objects.count())
    Stage.objects.bulk_create(
        [
            Stage(
                pipeline=pipeline,
                name=row["name"].strip(),
                position=i,
                kind=row.get("kind", StageKind.OPEN),
                probability=row.get("probability", 100 if row.get("kind") == StageKind.WON else 10),
            )
            for i, row in enumerate(rows)
        ]
    )
    return pipeline


def pipeline_default() -> Pipeline:
    """The pipeline new deals go to when none is chosen."""
    pipeline = Pipeline.objects.filter(is_default=True).first() or Pipeline.objects.order_by("position", "id").first()
    if pipeline is None:
        raise ValidationError("There is no pipeline yet; an administrator must create one under Settings.")
    return pipeline
