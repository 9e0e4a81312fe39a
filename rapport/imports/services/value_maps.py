"""The user's own choice values: which values of a file no choice field knows, and what the user maps them to.

After a dry run the wizard lists, per column mapped to a choice field (a contact's lifecycle stage, a
lead's status, an activity's type, a custom choice field…), the distinct file values that are not one
of the field's choices, with how many rows carry each; those rows are rejected ("is not one of …").
The user picks a choice for some of them; the answers go to job.options["value_map"]
({field: {file value: choice value}}), which every importer reads (transforms.choice_parse), and to
the saved mapping of the same columns, so the next file of that export maps them by itself.

Finding the values reads the file's rows once more but looks only at the choice columns: one dict
lookup per cell. Only values never seen are checked against the field (a handful per column), the
distinct values counted per column are capped (MAX_TRACKED) and the list is the MAX_LISTED most
frequent, so memory stays flat on a million-row file. The scan runs only when the dry run rejected
rows for an unknown choice (or the job already maps values), and its answer is kept with the dry run.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from rapport.activities.choices import ActivityKind, CallOutcome, Priority
from rapport.contacts.choices import Channel, CompanySize, LifecycleStage
from rapport.customization.choices import FieldType
from rapport.customization.services import custom_fields_for
from rapport.imports.choices import JobStatus
from rapport.imports.models import ImportJob, SavedMapping
from rapport.imports.services.mapping import CUSTOM_ENTITY, header_key
from rapport.imports.services.readers import RowReader
from rapport.imports.services.transforms import choice_or_synonym, value_key, value_map_lookup
from rapport.sales.choices import LeadSource, LeadStatus, OrderChannel, OrderStatus

MAX_LISTED = 50  # values shown per column: the most frequent
MAX_TRACKED = 5000  # distinct unknown values counted per column; rows with rarer ones are only summed
MAX_MAPPED_PER_FIELD = 1000
MAX_VALUE_LENGTH = 200
# Where a saved mapping keeps its value map, beside the header keys (which are only letters and digits).
SAVED_KEY = "__value_map__"
# Words of a rejection reason that name an unknown choice (transforms.choice_parse, custom_value_clean).
UNKNOWN_CHOICE_WORDS = " one of: "


@dataclass(frozen=True)
class ChoiceField:
    """A field whose cells must be one of fixed choices, as its importer reads them."""

    key: str
    label: str
    choices: tuple[tuple[str, str], ...]
    synonyms: Mapping[str, str] = field(default_factory=dict)
    numbers: bool = False  # company size: a number of employees is accepted too

    def accepts(self, cell: str, value_map: Mapping[str, str] | None) -> bool:
        """Whether the importer takes this cell (by choice, label, synonym or the user's value map)."""
        try:
            choice_or_synonym(cell, list(self.choices), self.label, dict(value_map) if value_map else None,
                              self.synonyms)
            return True
        except ValidationError:
            pass
        if self.numbers:
            digits = cell.replace(",", "").replace(".", "").replace(" ", "")
            return digits.isdigit()
        return False

    @property
    def values(self) -> set[str]:
        return {value for value, _ in self.choices}


@dataclass(frozen=True)
class StageField(ChoiceField):
    """A deal's stage: one of the pipelines' stage names, or a word for won or lost ("Closed Won")."""

    words: frozenset[str] = frozenset()

    def accepts(self, cell: str, value_map: Mapping[str, str] | None) -> bool:
        if value_map and value_map_lookup(cell, dict(value_map)) is not None:
            return True
        low = cell.strip().lower()
        return low in self.words or any(low == value.lower() for value in self.values)


def stage_field() -> StageField:
    """The stages of every pipeline, by name (a name several pipelines share is one choice)."""
    from rapport.imports.services.deals import KIND_WORDS
    from rapport.sales.models import Stage

    pipelines: dict[str, list[str]] = {}
    for name, pipeline in Stage.objects.order_by("pipeline__name", "position", "id").values_list(
        "name", "pipeline__name"
    ):
        pipelines.setdefault(name, []).append(pipeline)
    several = len({p for names in pipelines.values() for p in names}) > 1
    choices = tuple(
        (name, f"{name} ({', '.join(names)})" if several else name) for name, names in pipelines.items()
    )
    words = frozenset(w for kind_words in KIND_WORDS.values() for w in kind_words)
    return StageField("stage", "Stage", choices, words=words)


def pipeline_field() -> ChoiceField:
    """The pipelines, by name: a file's own pipeline ("Sales Pipeline", HubSpot's default) is matched to one."""
    from rapport.sales.models import Pipeline

    names = Pipeline.objects.order_by("name").values_list("name", flat=True)
    return ChoiceField("pipeline", "Pipeline", tuple((name, name) for name in names))


def choice_fields(target: str, user: Any = None) -> dict[str, ChoiceField]:
    """The choice fields of a target (custom choice fields included), by their mapping key."""
    from rapport.imports.services.activities import KIND_SYNONYMS, OUTCOME_SYNONYMS, PRIORITY_SYNONYMS
    from rapport.imports.services.companies import SIZE_SYNONYMS
    from rapport.imports.services.contacts import LIFECYCLE_SYNONYMS
    from rapport.imports.services.leads import SOURCE_SYNONYMS, STATUS_SYNONYMS
    from rapport.imports.services.orders import CHANNEL_SYNONYMS
    from rapport.imports.services.orders import STATUS_SYNONYMS as ORDER_STATUS_SYNONYMS

    standard: dict[str, list[ChoiceField]] = {
        "contacts": [
            ChoiceField("lifecycle_stage", "Lifecycle stage", tuple(LifecycleStage.choices), LIFECYCLE_SYNONYMS),
            ChoiceField("preferred_channel", "Preferred channel", tuple(Channel.choices)),
        ],
        "companies": [ChoiceField("size", "Size", tuple(CompanySize.choices), SIZE_SYNONYMS, numbers=True)],
        "leads": [
            ChoiceField("status", "Lead status", tuple(LeadStatus.choices), STATUS_SYNONYMS),
            ChoiceField("source", "Lead source", tuple(LeadSource.choices), SOURCE_SYNONYMS),
        ],
        "orders": [
            ChoiceField("channel", "Channel", tuple(OrderChannel.choices), CHANNEL_SYNONYMS),
            ChoiceField("status", "Order status", tuple(OrderStatus.choices), ORDER_STATUS_SYNONYMS),
        ],
        "activities": [
            ChoiceField("kind", "Type", tuple(ActivityKind.choices), KIND_SYNONYMS),
            ChoiceField("priority", "Priority", tuple(Priority.choices), PRIORITY_SYNONYMS),
            ChoiceField("outcome", "Call outcome", tuple(CallOutcome.choices), OUTCOME_SYNONYMS),
        ],
    }
    fields = {f.key: f for f in standard.get(target, [])}
    if target == "deals":
        fields["pipeline"] = pipeline_field()
        fields["stage"] = stage_field()
    entity = CUSTOM_ENTITY.get(target)
    if entity:
        for definition in custom_fields_for(entity, user):
            if definition.field_type == FieldType.CHOICE and definition.choices:
                key = f"custom.{definition.key}"
                fields[key] = ChoiceField(
                    key, definition.label, tuple((str(c), str(c)) for c in definition.choices)
                )
    return fields


# ---------------------------------------------------------------- finding the values


def _basis(job: ImportJob) -> dict[str, Any]:
    """What the list of values depends on; a kept list is used only while these are unchanged."""
    options = job.options or {}
    return {
        "mapping": dict(job.mapping or {}),
        "value_map": options.get("value_map") or {},
        "reader": [options.get(k) for k in ("sheet", "delimiter", "encoding")],
    }


def _needs_scan(job: ImportJob, columns: list[tuple[int, ChoiceField]]) -> bool:
    report = job.dry_run or {}
    value_map = (job.options or {}).get("value_map") or {}
    if any(value_map.get(f.key) for _, f in columns):
        return True  # show the values already mapped, with their rows
    rejected = int(report.get("rejected") or 0)
    if not rejected:
        return False
    kept = report.get("rejections") or []
    if len(kept) < rejected:
        return True  # not every reason is in the report: look
    return any(UNKNOWN_CHOICE_WORDS in str(r.get("reason", "")) for r in kept)


def _data_cells(reader: RowReader) -> Iterator[list[str]]:
    """The cells of the non-blank rows under the header (as the dry run reads them)."""
    header_seen = False
    for cells in reader.rows():
        if not any(c.strip() for c in cells):
            continue
        if not header_seen:
            header_seen = True
            continue
        yield cells


def unknown_values_scan(job: ImportJob, user: Any) -> dict[str, Any]:
    """Per mapped choice column: the file values it does not know (most frequent first) and the mapped ones.

    A column has "values" (the MAX_LISTED most frequent unknown values with their rows), "more_values"
    (how many unknown values are not listed, at least), "more_rows" (their rows), "unknown_rows" and
    "mapped" (values the job's value map takes, with their rows and choice).
    """
    fields = choice_fields(job.target, user)
    columns = [
        (int(index), fields[name])
        for index, name in sorted((job.mapping or {}).items(), key=lambda kv: int(kv[0]))
        if name in fields
    ]
    result: dict[str, Any] = {"basis": _basis(job), "columns": []}
    if not columns or not _needs_scan(job, columns):
        return result
    value_map: dict[str, dict[str, str]] = (job.options or {}).get("value_map") or {}
    maps = [value_map.get(f.key) or {} for _, f in columns]
    unknown: list[dict[str, int]] = [{} for _ in columns]
    mapped: list[dict[str, int]] = [{} for _ in columns]
    known: list[set[str]] = [set() for _ in columns]
    untracked = [0] * len(columns)
    with RowReader(job.file.path, job.options or {}) as reader:
        for cells in _data_cells(reader):
            width = len(cells)
            for n, (index, choice_field) in enumerate(columns):
                if index >= width:
                    continue
                cell = cells[index].strip()
                if not cell or cell in known[n]:
                    continue
                counts = unknown[n]
                if cell in counts:
                    counts[cell] += 1
                elif cell in mapped[n]:
                    mapped[n][cell] += 1
                elif maps[n] and value_map_lookup(cell, maps[n]) is not None:
                    mapped[n][cell] = 1
                elif choice_field.accepts(cell, None):
                    if len(known[n]) < MAX_TRACKED:
                        known[n].add(cell)
                elif len(counts) < MAX_TRACKED:
                    counts[cell] = 1
                else:
                    untracked[n] += 1
    for n, (index, choice_field) in enumerate(columns):
        ranked = sorted(unknown[n].items(), key=lambda kv: (-kv[1], kv[0]))
        shown = ranked[:MAX_LISTED]
        current = maps[n]
        result["columns"].append(
            {
                "field": choice_field.key,
                "label": choice_field.label,
                "header": job.headers[index] if index < len(job.headers) else f"Column {index + 1}",
                "choices": [list(c) for c in choice_field.choices],
                "values": [{"value": v, "rows": c} for v, c in shown],
                "more_values": len(ranked) - len(shown) + (1 if untracked[n] else 0),
                "more_rows": sum(c for _, c in ranked[MAX_LISTED:]) + untracked[n],
                "unknown_rows": sum(unknown[n].values()) + untracked[n],
                "mapped": [
                    {"value": v, "rows": c, "choice": value_map_lookup(v, current) or ""}
                    for v, c in sorted(mapped[n].items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_LISTED]
                ],
            }
        )
    result["columns"] = [c for c in result["columns"] if c["values"] or c["mapped"] or c["more_values"]]
    return result


def unknown_values(job: ImportJob, user: Any) -> dict[str, Any]:
    """The values of the last dry run (found once, then kept with the dry-run report)."""
    kept = (job.dry_run or {}).get("unknown_values")
    if kept and kept.get("basis") == _basis(job):
        return kept
    result = unknown_values_scan(job, user)
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().filter(pk=job.pk).first()
        if locked is not None and locked.status == JobStatus.CHECKED and _basis(locked) == result["basis"]:
            locked.dry_run = {**(locked.dry_run or {}), "unknown_values": result}
            locked.save(update_fields=["dry_run"])
            job.dry_run = locked.dry_run
    return result


def unknown_values_kept(job: ImportJob) -> dict[str, Any] | None:
    """The values kept with the dry run, if they still match the job's settings (else None: find them)."""
    kept = (job.dry_run or {}).get("unknown_values")
    return kept if kept and kept.get("basis") == _basis(job) else None


# ---------------------------------------------------------------- the user's answers


def value_map_clean(target: str, user: Any, value_map: Any) -> dict[str, dict[str, str]]:
    """Check a value map from the API or a form: choice fields of the target, choices of each field."""
    if value_map in (None, ""):
        return {}
    if not isinstance(value_map, Mapping):
        raise ValidationError(
            {"value_map": ['The value map must be an object: {"field": {"value in the file": "choice"}}.']}
        )
    fields = choice_fields(target, user)
    clean: dict[str, dict[str, str]] = {}
    for name, pairs in value_map.items():
        choice_field = fields.get(str(name))
        if choice_field is None:
            known = ", ".join(sorted(fields)) or "none"
            raise ValidationError(
                {"value_map": [f"{name!r} is not a choice field of {target}; use one of: {known}."]}
            )
        if not isinstance(pairs, Mapping):
            raise ValidationError(
                {"value_map": [f"The values of {name!r} must be an object of file values to choices."]}
            )
        if len(pairs) > MAX_MAPPED_PER_FIELD:
            raise ValidationError(
                {"value_map": [f"Map at most {MAX_MAPPED_PER_FIELD} values of {choice_field.label}."]}
            )
        for written, choice in pairs.items():
            value = " ".join(str(written).split())
            if not value:
                continue
            if len(value) > MAX_VALUE_LENGTH:
                raise ValidationError(
                    {"value_map": [f"A file value is too long (at most {MAX_VALUE_LENGTH} characters)."]}
                )
            if not isinstance(choice, str) or choice not in choice_field.values:
                allowed = ", ".join(sorted(choice_field.values))
                raise ValidationError(
                    {
                        "value_map": [
                            f"{choice!r} is not a value of {choice_field.label}; map {value!r} to one of: "
                            f"{allowed}."
                        ]
                    }
                )
            clean.setdefault(choice_field.key, {})[value] = choice
    return clean


def value_map_answer(
    job: ImportJob, user: Any, answers: list[tuple[str, str, str]]
) -> dict[str, dict[str, str]]:
    """The job's value map with the user's answers (field, file value, choice; an empty choice unmaps)."""
    value_map: dict[str, dict[str, str]] = copy.deepcopy((job.options or {}).get("value_map") or {})
    fields = choice_fields(job.target, user)
    for name, written, choice in answers:
        if name not in fields:
            raise ValidationError(
                f"{name!r} is not a choice field of {job.target}; reload the page and try again."
            )
        value = " ".join(written.split())
        current = value_map.setdefault(name, {})
        for old in [k for k in current if value_key(k) == value_key(value)]:
            del current[old]
        if choice:
            current[value] = choice
    return value_map_clean(job.target, user, {k: v for k, v in value_map.items() if v})


# ---------------------------------------------------------------- saved mappings


def _saved_matches(saved: SavedMapping, job: ImportJob) -> bool:
    """Whether a saved mapping is the one of this job's columns (every mapped header maps the same)."""
    columns = {k: v for k, v in (saved.columns or {}).items() if k != SAVED_KEY}
    pairs = {
        header_key(job.headers[int(i)]): f
        for i, f in (job.mapping or {}).items()
        if int(i) < len(job.headers)
    }
    return bool(pairs) and all(columns.get(key) == name for key, name in pairs.items())


def saved_mapping_of(job: ImportJob) -> SavedMapping | None:
    """The newest saved mapping this job's columns follow, if any."""
    for saved in SavedMapping.objects.filter(target=job.target).order_by("-created_at", "-id"):
        if _saved_matches(saved, job):
            return saved
    return None


def saved_value_map_store(job: ImportJob, name: str = "") -> SavedMapping | None:
    """Keep the job's value map with its saved mapping (the one named, else the one its columns follow)."""
    saved = (
        SavedMapping.objects.filter(target=job.target, name=name[:100]).first()
        if name
        else saved_mapping_of(job)
    )
    if saved is None:
        return None
    columns = dict(saved.columns or {})
    mapped_fields = set((job.mapping or {}).values())
    value_map = {
        k: v for k, v in ((job.options or {}).get("value_map") or {}).items() if k in mapped_fields and v
    }
    earlier = columns.get(SAVED_KEY) or {}
    merged = {**{k: v for k, v in earlier.items() if k not in value_map}, **value_map}
    if merged:
        columns[SAVED_KEY] = merged
    else:
        columns.pop(SAVED_KEY, None)
    if columns != saved.columns:
        saved.columns = columns
        saved.save(update_fields=["columns"])
    return saved


def saved_value_map_apply(job: ImportJob) -> ImportJob:
    """Give a new job the value map saved with the mapping its columns follow (the next file of that export)."""
    if (job.options or {}).get("value_map"):
        return job
    saved = saved_mapping_of(job)
    value_map = (saved.columns or {}).get(SAVED_KEY) if saved else None
    if value_map:
        job.options = {**(job.options or {}), "value_map": value_map}
        job.save(update_fields=["options"])
    return job
