"""Pipelines and their stages."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction

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
    if Pipeline.objects.filter(name__uiexact=name).exists():
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


# ---------------------------------------------------------------- changing pipelines and stages (admins)


def _ensure_admin(by: Any) -> None:
    if not by.is_admin:
        raise NotAllowed("Only an administrator can set up pipelines.")


def _ensure_complete(pipeline: Pipeline, stages: list[Stage]) -> None:
    kinds = {s.kind for s in stages}
    if not {StageKind.OPEN, StageKind.WON, StageKind.LOST} <= kinds:
        raise ValidationError({"kind": [f"{pipeline.name} needs at least one open, one won and one lost stage."]})


@transaction.atomic
def pipeline_update(*, pipeline: Pipeline, by: Any, name: str | None = None, is_default: bool | None = None
                    ) -> Pipeline:
    """Rename a pipeline or make it the default for new deals."""
    _ensure_admin(by)
    if name is not None:
        name = name.strip()
        if not name:
            raise ValidationError({"name": ["Enter the pipeline's name."]})
        if Pipeline.objects.filter(name__uiexact=name).exclude(pk=pipeline.pk).exists():
            raise ValidationError({"name": [f"A pipeline called {name!r} exists already; pick another name."]})
        pipeline.name = name
    if is_default:
        Pipeline.objects.exclude(pk=pipeline.pk).update(is_default=False)
        pipeline.is_default = True
    pipeline.save()
    return pipeline


@transaction.atomic
def pipeline_delete(*, pipeline: Pipeline, by: Any) -> None:
    """Delete a pipeline that holds no deals (not even in the trash)."""
    from rapport.sales.models import Deal

    _ensure_admin(by)
    if Deal.all_objects.filter(pipeline=pipeline).exists():
        raise ValidationError("This pipeline still holds deals; move or delete them first.")
    was_default = pipeline.is_default
    pipeline.delete()
    if was_default:
        successor = Pipeline.objects.order_by("position", "id").first()
        if successor is not None:
            Pipeline.objects.filter(pk=successor.pk).update(is_default=True)


def _stage_values(values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    if "name" in values:
        values["name"] = (values["name"] or "").strip()
        if not values["name"]:
            errors["name"] = ["Enter the stage's name."]
    if "kind" in values and values["kind"] not in StageKind.values:
        errors["kind"] = ["Kind must be open, won or lost."]
    prob = values.get("probability")
    if "probability" in values and (not isinstance(prob, int) or not 0 <= prob <= 100):
        errors["probability"] = ["Probability is a whole number from 0 to 100."]
    if errors:
        raise ValidationError(errors)
    return values


@transaction.atomic
def stage_create(*, pipeline: Pipeline, by: Any, name: str, kind: str = StageKind.OPEN, probability: int = 10,
                 position: int | None = None) -> Stage:
    """Add a stage to a pipeline (at the end unless a position is given; later stages move down)."""
    _ensure_admin(by)
    values = _stage_values({"name": name, "kind": kind, "probability": probability})
    if pipeline.stages.filter(name__uiexact=values["name"]).exists():
        raise ValidationError({"name": ["Two stages cannot have the same name."]})
    count = pipeline.stages.count()
    position = count if position is None else max(0, min(position, count))
    Stage.objects.filter(pipeline=pipeline, position__gte=position).update(position=models.F("position") + 1)
    return Stage.objects.create(pipeline=pipeline, position=position, **values)


@transaction.atomic
def stage_update(*, stage: Stage, by: Any, **values: Any) -> Stage:
    """Rename a stage, change its kind, probability or position."""
    _ensure_admin(by)
    unknown = set(values) - {"name", "kind", "probability", "position"}
    if unknown:
        raise ValidationError({k: ["This cannot be changed on a stage."] for k in sorted(unknown)})
    values = _stage_values(dict(values))
    if values.get("name") and stage.pipeline.stages.filter(name__uiexact=values["name"]).exclude(pk=stage.pk).exists():
        raise ValidationError({"name": ["Two stages cannot have the same name."]})
    position = values.pop("position", None)
    for field, value in values.items():
        setattr(stage, field, value)
    siblings = [s for s in stage.pipeline.stages.order_by("position", "id") if s.pk != stage.pk]
    _ensure_complete(stage.pipeline, [*siblings, stage])
    stage.save()
    if position is not None:
        siblings.insert(max(0, min(int(position), len(siblings))), stage)
        for i, s in enumerate(siblings):
            if s.position != i:
                Stage.objects.filter(pk=s.pk).update(position=i)
        stage.refresh_from_db()
    return stage


@transaction.atomic
def stage_delete(*, stage: Stage, by: Any) -> None:
    """Delete a stage that holds no deals; the pipeline keeps an open, a won and a lost stage."""
    from rapport.sales.models import Deal

    _ensure_admin(by)
    if Deal.all_objects.filter(stage=stage).exists():
        raise ValidationError("Deals are in this stage; move them to another stage first.")
    pipeline = stage.pipeline
    _ensure_complete(pipeline, list(pipeline.stages.exclude(pk=stage.pk)))
    stage.delete()
    for i, s in enumerate(pipeline.stages.order_by("position", "id")):
        if s.position != i:
            Stage.objects.filter(pk=s.pk).update(position=i)
