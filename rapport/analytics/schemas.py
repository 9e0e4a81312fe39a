"""API shapes of the analytics results."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Schema
from pydantic import Field


class RunIn(Schema):
    kind: str = Field(description="rfm, abc, clv, kpi or summary")
    as_of: dt.date | None = None
    params: dict[str, Any] = Field(default_factory=dict, description="clv: calibration_start, calibration_end, "
                                   "holdout_end, horizon_weeks, annual_discount; abc: a_share, b_share; "
                                   "kpi: period_start, period_end")


class RunOut(Schema):
    id: int
    kind: str
    status: str
    as_of: dt.date
    progress: int
    step: str
    message: str
    customers: int
    params: dict[str, Any]
    created_at: dt.datetime
    finished_at: dt.datetime | None


class RunDetailOut(RunOut):
    result: dict[str, Any]


class RfmScoreOut(Schema):
    contact_id: int
    contact: str
    recency_days: int
    frequency: int
    monetary: float
    r: int
    f: int
    m: int
    segment: str


class AbcOut(Schema):
    contact_id: int
    contact: str
    revenue: float
    cumulative_share: float
    abc: str


class ClvOut(Schema):
    contact_id: int
    contact: str
    repeat_purchases: int
    recency_weeks: float
    age_weeks: float
    p_alive: float
    churn_risk: float
    expected_purchases: float
    expected_spend: float
    clv: float
    previous_p_alive: float | None
    reason: str | None = None


class ContactAnalyticsOut(Schema):
    contact_id: int
    first_purchase: dt.date | None
    last_purchase: dt.date | None
    purchase_days: int
    orders: int
    total_spend: float
    average_spend: float
    base_currency: str
    rfm: RfmScoreOut | None
    abc: AbcOut | None
    clv: ClvOut | None


class CompanySummaryOut(Schema):
    company_id: int
    first_purchase: dt.date | None
    last_purchase: dt.date | None
    purchase_days: int
    orders: int
    total_spend: float
    average_spend: float
    unconverted_orders: int
    base_currency: str


class SegmentRuleIn(Schema):
    name: str
    r_min: int
    r_max: int
    f_min: int
    f_max: int
    action: str = ""
    color: str = "#64748b"
    position: int | None = None


class SegmentRuleOut(SegmentRuleIn):
    id: int


class CostIn(Schema):
    period_start: dt.date
    period_end: dt.date
    channel: str
    amount: str
    currency: str


class CostOut(Schema):
    id: int
    period_start: dt.date
    period_end: dt.date
    channel: str
    amount: str
    currency: str


class TargetIn(Schema):
    kpi: str
    period_start: dt.date
    period_end: dt.date
    value: str


class TargetOut(TargetIn):
    id: int


class AnalyticsOptionsIn(Schema):
    tag_rfm_segments: bool | None = Field(None, description='Tag contacts with their RFM segment ("RFM: Champions").')
    activity_costs: dict[str, str] | None = Field(
        None, description="Cost of one activity per kind (call, meeting, task, note, email) in the base currency.")


class AnalyticsOptionsOut(Schema):
    tag_rfm_segments: bool
    activity_costs: dict[str, str]
    base_currency: str


class ServiceCostIn(Schema):
    contact_id: int
    incurred_on: dt.date
    amount: str = Field(description="Money spent serving this customer, like 120.50.")
    currency: str = Field(max_length=3)
    note: str = Field("", max_length=200)


class ServiceCostOut(Schema):
    id: int
    contact_id: int
    incurred_on: dt.date
    amount: str
    currency: str
    note: str
