"""Importing deals: pipeline and stage by name, money with currency, related contact and company by key."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError

from rapport.imports.choices import MatchKey
from rapport.imports.services import db
from rapport.imports.services.base import RecordImporter
from rapport.imports.services.rows import (
    BatchResult,
    Outcomes,
    Prepared,
    json_safe,
    model_insert,
    runs_of,
    search_reindex,
)
from rapport.imports.services.transforms import value_map_lookup
from rapport.imports.services.values import person_email
from rapport.sales.choices import StageKind
from rapport.sales.models import Deal, DealStageChange, Pipeline, Stage

KIND_WORDS = {
    StageKind.WON: {
        "won",
        "closed won",
        "closedwon",
        "win",
        "gewonnen",
        "gagne",
        "gagné",
        "ganado",
        "ganada",
        "vinto",
        "gewonnen abgeschlossen",
    },
    StageKind.LOST: {
        "lost",
        "closed lost",
        "closedlost",
        "verloren",
        "perdu",
        "perdue",
        "perdido",
        "perdida",
        "perso",
    },
}


def stage_deltas(rows: list[tuple[Any, ...]], sign: int) -> list[Any]:
    """Board total deltas of deals given as (pipeline_id, stage_id, owner_id, currency, amount) rows."""
    try:
        from rapport.sales.services.totals import StageDelta
    except ImportError:  # board totals are not kept in this version
        return []
    # One delta per board key, so a batch of 20,000 deals is a few upserts.
    sums: dict[tuple[Any, ...], list[Any]] = {}
    for p, s, o, c, a in rows:
        entry = sums.setdefault((p, s, o, c), [0, Decimal("0")])
        entry[0] += 1
        entry[1] += Decimal(str(a or 0))
    return [
        StageDelta(pipeline_id=p, stage_id=s, owner_id=o, currency=c, count=sign * n, amount=sign * total)
        for (p, s, o, c), (n, total) in sums.items()
    ]


def stage_totals_add(deltas: list[Any]) -> None:
    if not deltas:
        return
    from rapport.sales.services.totals import stage_totals_apply

    stage_totals_apply(deltas)


def deal_rows(ids: list[int]) -> list[tuple[Any, ...]]:
    """(pipeline_id, stage_id, owner_id, currency, amount) of the live deals among `ids`."""
    return (
        db.query_in(
            "SELECT pipeline_id, stage_id, owner_id, currency, amount FROM sales_deal "
            "WHERE deleted_at IS NULL AND id IN ({})",
            ids,
        )
        if ids
        else []
    )


@contextmanager
def board_totals_kept(ids: list[int]) -> Iterator[None]:
    """Take the deals out of the board totals before a set-based change and put them back after it."""
    before = stage_deltas(deal_rows(ids), -1)
    yield
    stage_totals_add(before + stage_deltas(deal_rows(ids), 1))


class DealImporter(RecordImporter):
    """Transform, match and write deal rows of one job."""

    target = "deals"
    kind = "deal"
    model = Deal
    noun = "deal"
    match_keys = (MatchKey.EXTERNAL_ID, MatchKey.RAPPORT_ID)
    update_columns = (
        "name",
        "pipeline_id",
        "stage_id",
        "amount",
        "currency",
        "expected_close_date",
        "owner_id",
        "contact_id",
        "company_id",
        "lost_reason",
        "stage_changed_at",
        "closed_at",
        "custom",
    )
    search_kind = "deal"
    rules_entity = "deal"

    def __init__(self, **kwargs: Any):
        # Pipelines and stages are few: read once, before the base class checks the mapping.
        self.pipelines = {p.name.upper(): p.pk for p in Pipeline.objects.all()}
        self.pipeline_names = {p.pk: p.name for p in Pipeline.objects.all()}
        default = (
            Pipeline.objects.filter(is_default=True).first()
            or Pipeline.objects.order_by("position", "id").first()
        )
        self.default_pipeline = default.pk if default else None
        self.stages: dict[int, list[tuple[int, str, str]]] = {}
        self.stage_kind: dict[int, str] = {}
        self.stage_pipeline: dict[int, int] = {}
        for stage in Stage.objects.order_by("pipeline_id", "position", "id"):
            self.stages.setdefault(stage.pipeline_id, []).append((stage.pk, stage.name, stage.kind))
            self.stage_kind[stage.pk] = stage.kind
            self.stage_pipeline[stage.pk] = stage.pipeline_id
        self._stage_changes: list[dict[str, Any]] = []
        self._won_contacts: set[int] = set()
        super().__init__(**kwargs)

    def check_mapping(self) -> None:
        if self.job.mode != "update" and "name" not in self.mapped:
            raise ValidationError("Map a column to Deal name: a new deal needs a name.")
        if self.job.mode != "update" and self.default_pipeline is None:
            raise ValidationError(
                "There is no pipeline yet; an administrator must create one under Settings → "
                "Pipelines before deals can be imported."
            )

    def parse_cell(self, name: str, cell: str, row: Prepared) -> None:
        if name == "name":
            row.values["name"] = self.text(cell, "Deal name", 200)
        elif name == "lost_reason":
            row.values["lost_reason"] = self.text(cell, "Lost reason", 200)
        elif name == "pipeline":
            # As stages: the pipeline the user matched the file's own to ("Sales Pipeline" → "Sales").
            row.keys[name] = value_map_lookup(cell, self.value_map.get("pipeline")) or self.text(cell, "Pipeline", 100)
        elif name == "stage":
            # The user's value map names the stage a file's own stage means ("Proposal Made" → "Proposal").
            row.keys[name] = value_map_lookup(cell, self.value_map.get("stage")) or self.text(cell, "Stage", 100)
        elif name == "amount":
            amount, currency = self.money(cell, "Amount")
            row.values["amount"] = amount
            if currency:
                row.extra["amount_currency"] = currency
        elif name == "currency":
            row.values["currency"] = self.currency(cell)
        elif name == "expected_close_date":
            row.values["expected_close_date"] = self.date(cell, "Close date")
        elif name == "contact":
            # An address, also as mail clients and email logs write a person ("Jane Doe <jane@…>").
            row.keys["contact"] = person_email(cell)
        elif name == "company":
            row.keys["company"] = self.text(cell, "Company", 253)
        elif name == "created_at":
            row.extra["created_at"] = self.datetime(cell, "Created date", past=True)

    def find_stage(self, pipeline_id: int, name: str) -> int | None:
        low = name.strip().lower()
        stages = self.stages.get(pipeline_id, [])
        for pk, stage_name, _ in stages:
            if stage_name.lower() == low:
                return pk
        for kind, words in KIND_WORDS.items():
            if low in words:
                return next((pk for pk, _, k in stages if k == kind), None)
        return None

    def finish_row(self, row: Prepared, errors: list[str]) -> None:
        pipeline_name = row.keys.get("pipeline")
        pipeline_id = None
        if pipeline_name:
            pipeline_id = self.pipelines.get(pipeline_name.upper())
            if pipeline_id is None:
                names = ", ".join(sorted(self.pipeline_names.values(), key=str.lower))
                errors.append(self.about(
                    f"There is no pipeline {pipeline_name!r}; it is not one of: {names}. Match it to one under "
                    "Values to match, add it under Settings → Pipelines, or fix the name.", "pipeline"
                ))
                return
            row.values["pipeline_id"] = pipeline_id
        stage_name = row.keys.get("stage")
        if stage_name:
            candidates = [pipeline_id] if pipeline_id else [self.default_pipeline, *self.stages]
            stage_id = next(
                (s for p in candidates if p is not None and (s := self.find_stage(p, stage_name))), None
            )
            if stage_id is None:
                errors.append(self.about(self._no_stage(stage_name, pipeline_id), "stage"))
                return
            row.values["stage_id"] = stage_id
            row.values["pipeline_id"] = self.stage_pipeline[stage_id]
            row.extra["stage_kind"] = self.stage_kind[stage_id]
        amount_currency = row.extra.get("amount_currency")
        if amount_currency:
            if row.values.get("currency", amount_currency) != amount_currency:
                errors.append(
                    f"The amount is in {amount_currency} but the currency column says "
                    f"{row.values['currency']}; fix one of them."
                )
            row.values["currency"] = amount_currency

    def _no_stage(self, stage_name: str, pipeline_id: int | None) -> str:
        names = ", ".join(name for _, name, _ in self.stages.get(pipeline_id or self.default_pipeline or 0, []))
        return (
            f"{stage_name!r} is not one of: {names} (the stages of pipeline {self._pipeline_label(pipeline_id)}). "
            "Map this value to one of them, add the stage under Settings → Pipelines, or fix the cell."
        )

    def _pipeline_label(self, pipeline_id: int | None) -> str:
        name = self.pipeline_names.get(pipeline_id or self.default_pipeline or 0)
        return repr(name) if name else "(none)"

    def create_problem(self, row: Prepared) -> str | None:
        if not row.values.get("name"):
            return "This row has no deal name; a new deal needs one."
        return None

    def rule_values(self, values: dict[str, Any], custom: dict[str, Any]) -> dict[str, Any]:
        result = super().rule_values(values, custom)
        stage_id = values.get("stage_id") or self._first_open(
            values.get("pipeline_id") or self.default_pipeline
        )
        result["stage_kind"] = self.stage_kind.get(stage_id or 0, StageKind.OPEN)
        return result

    def _first_open(self, pipeline_id: int | None) -> int | None:
        return next(
            (pk for pk, _, kind in self.stages.get(pipeline_id or 0, []) if kind == StageKind.OPEN), None
        )

    def resolve(self, rows: list[Prepared], out: Outcomes) -> list[Prepared]:
        rows = self.link_company(rows, out)
        return self.link_contact(rows, out)

    def _closed_at(self, row: Prepared, kind: str) -> dt.datetime | None:
        if kind == StageKind.OPEN:
            return None
        close = row.values.get("expected_close_date")
        if close is not None:
            closed = dt.datetime(close.year, close.month, close.day, tzinfo=dt.UTC)
            if closed <= self.now:
                return closed
        return self.now

    def new_values(self, row: Prepared) -> dict[str, Any]:
        values = super().new_values(row)
        pipeline_id = values.setdefault("pipeline_id", self.default_pipeline)
        stage_id = values.setdefault("stage_id", self._first_open(pipeline_id))
        if stage_id is None:
            raise ValidationError(f"The pipeline {self._pipeline_label(pipeline_id)} has no open stage; add one.")
        kind = self.stage_kind[stage_id]
        values.setdefault("currency", self.default_currency)
        values["stage_changed_at"] = self._closed_at(row, kind) or self.now
        values["closed_at"] = self._closed_at(row, kind)
        return values

    def write_creates(self, rows: list[Prepared], result: BatchResult, out: Outcomes) -> None:
        from rapport.activities.models import TimelineEvent

        self._stage_changes_write(result)
        if not rows:
            return
        ids = db.ids_reserve("sales_deal", len(rows))
        records: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        changes: list[dict[str, Any]] = []
        keys: list[tuple[str, int]] = []
        totals: list[tuple[Any, ...]] = []
        for pk, r in zip(ids, rows, strict=True):
            values = self.new_values(r)
            pipeline_id, stage_id = values["pipeline_id"], values["stage_id"]
            created = r.extra.get("created_at") or self.now
            records.append({"id": pk, "created_at": created, "updated_at": self.now, **values})
            changes.append(
                {
                    "deal_id": pk,
                    "from_stage_id": None,
                    "to_stage_id": stage_id,
                    "changed_at": self.now,
                    "changed_by_id": self.user.pk,
                }
            )
            events.append(
                self.event(
                    pk,
                    r,
                    {
                        "deal_id": pk,
                        "contact_id": values.get("contact_id"),
                        "company_id": values.get("company_id"),
                    },
                )
            )
            totals.append(
                (
                    pipeline_id,
                    stage_id,
                    values["owner_id"],
                    values["currency"],
                    values.get("amount", Decimal("0")),
                )
            )
            if r.external_id:
                keys.append((r.external_id, pk))
        model_insert(Deal, records)
        model_insert(DealStageChange, changes)
        self.external_keys_insert(keys)
        runs = runs_of(ids)
        search_reindex("deal", runs)
        model_insert(TimelineEvent, events)
        stage_totals_add(stage_deltas(totals, 1))
        self.customers_promote(
            (
                r["contact_id"]
                for r in records
                if r.get("contact_id") and self.stage_kind[r["stage_id"]] == StageKind.WON
            ),
            result,
        )
        result.created_ranges.setdefault("deal", []).extend(runs)

    def write_updates(self, out: Outcomes) -> None:
        ids = sorted({rid for _, rid in out.updates if rid})
        with board_totals_kept(ids):
            super().write_updates(out)

    def update_values(
        self,
        row: Prepared,
        record_id: int,
        old: dict[str, Any],
        new: dict[str, Any],
        before: dict[str, Any],
        changes: dict[str, Any],
    ) -> str | None:
        """The stage the deal will be in (a stage named without pipeline is looked up in the deal's own)."""
        stage_name = row.keys.get("stage")
        if (
            stage_name
            and not row.keys.get("pipeline")
            and self.stage_pipeline.get(new["stage_id"]) != old["pipeline_id"]
        ):
            # The stage was named without a pipeline: look for it in the deal's own pipeline.
            stage_id = self.find_stage(int(old["pipeline_id"]), stage_name)
            if stage_id is None:
                return self.about(self._no_stage(stage_name, int(old["pipeline_id"])), "stage")
            new["stage_id"], new["pipeline_id"] = stage_id, old["pipeline_id"]
            for column in ("stage_id", "pipeline_id"):
                if str(new[column]) == str(old[column]):
                    before.pop(column, None)
                    changes.pop(column, None)
        if str(new["stage_id"]) != str(old["stage_id"]):
            if self.stage_pipeline.get(int(new["stage_id"])) != int(new["pipeline_id"]):
                return "The stage belongs to another pipeline; name the pipeline and one of its stages."
            kind = self.stage_kind[int(new["stage_id"])]
            new["stage_changed_at"] = self.now
            new["closed_at"] = self._closed_at(row, kind)
            before["stage_changed_at"] = json_safe(old["stage_changed_at"])
            before["closed_at"] = json_safe(old["closed_at"])
        return None

    def update_extra(
        self,
        row: Prepared,
        record_id: int,
        old: dict[str, Any],
        new: dict[str, Any],
        before: dict[str, Any],
        changes: dict[str, Any],
    ) -> str | None:
        """An accepted stage change: its history row, and a won deal's contact becomes a customer."""
        if str(new["stage_id"]) != str(old["stage_id"]):
            if self.stage_kind[int(new["stage_id"])] == StageKind.WON and new.get("contact_id"):
                self._won_contacts.add(int(new["contact_id"]))
            self._stage_changes.append(
                {
                    "deal_id": record_id,
                    "from_stage_id": old["stage_id"],
                    "to_stage_id": new["stage_id"],
                    "changed_at": self.now,
                    "changed_by_id": self.user.pk,
                }
            )
        return None

    def _stage_changes_write(self, result: BatchResult) -> None:
        """Stage changes of updated deals, recorded with their ids so undo removes them."""
        if self._won_contacts:
            self.customers_promote(self._won_contacts, result)
            self._won_contacts = set()
        if not self._stage_changes:
            return
        ids = db.ids_reserve("sales_dealstagechange", len(self._stage_changes))
        model_insert(
            DealStageChange, [{"id": pk, **c} for pk, c in zip(ids, self._stage_changes, strict=True)]
        )
        result.created_ranges.setdefault("dealstagechange", []).extend(runs_of(ids))
        self._stage_changes = []
