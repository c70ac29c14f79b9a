"""Typed results of local mode (case records): loads, linkage, reconciliation, measures, samples.

Every result says whether it was computed from synthetic records (``synthetic``) and the extract
date of the records it used; counts are ``int`` and absent values ``None``, never 0.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

SYNTHETIC_NOTE = "SYNTHETIC records, made by justicegap's synthesiser: not real cases, for demonstration and testing only."


class RecordsResult(BaseModel):
    synthetic: bool = Field(description="True when any record used is synthetic")
    synthetic_note: str | None = None

    def model_post_init(self, __context) -> None:
        if self.synthetic and not self.synthetic_note:
            self.synthetic_note = SYNTHETIC_NOTE


class LinkageRule(BaseModel):
    rule: str
    side: str = Field(description="police or cps: which side the listed ids belong to")
    statement: str
    count: int
    examples: list[str] = Field(description="Up to five pseudonymous ids")


class LinkageReport(RecordsResult):
    offences: int
    cps_cases: int
    links: int | None = Field(description="Case-record links; None when not counted")
    rules: list[LinkageRule]


class LoadResult(RecordsResult):
    load_id: str
    extract_date: date
    forces: list[str]
    files: list[dict]
    offences: int
    suspects: int
    cps_cases: int
    replaced: list[str] = Field(default_factory=list, description="Earlier loads of the same forces this one replaces")
    key_file: str
    key_created: bool
    linkage: LinkageReport


class ReconcileCell(BaseModel):
    quarter: str
    offence: str
    outcome: str
    records: int
    published: int | None = Field(description="None when the edition has no row for the cell")
    difference: int | None
    likely_cause: str | None


class Reconciliation(RecordsResult):
    area: dict
    period: dict
    extract_date: date
    edition: str
    edition_file: str
    offence_codes: list[str]
    basis: str
    cells: list[ReconcileCell] = Field(description="Every cell with a record or a published count")
    differences: int = Field(description="Cells whose counts differ (not counting unreproducible cells)")
    unreproducible: int = Field(description="Cells the edition publishes as negative: no records can match them")
    records_total: int
    published_total: int


class CohortRate(RecordsResult):
    area: dict
    period: dict
    offence: str
    extract_date: date
    follow_up_days: int
    numerator: int
    denominator: int
    value: float | None
    ci_low: float | None
    ci_high: float | None
    excluded_short_follow_up: int = Field(description="Records recorded less than follow_up_days before the extract date: left out so every record has equal follow-up")
    basis: str
    unit: str = "offences (crime records)"
    sentence: str


class CurvePoint(BaseModel):
    """One step of a curve: ``value`` is the share of crimes that had the event by ``days`` after
    recording (1 - Kaplan-Meier survival, or the cumulative incidence)."""

    days: float
    value: float
    ci_low: float | None = None
    ci_high: float | None = None


class Curve(BaseModel):
    label: str
    n: int
    events: int
    censored: int
    median_days: float | None = Field(description="None when the curve never falls to one half (fewer than half have the event)")
    median_ci_low: float | None = None
    median_ci_high: float | None = None
    points: list[CurvePoint]


class Incidence(BaseModel):
    outcome: str
    label: str
    events: int
    at_365_days: float | None
    at_365_ci_low: float | None = None
    at_365_ci_high: float | None = None
    at_end: float | None
    points: list[CurvePoint]


class Survival(RecordsResult):
    area: dict
    period: dict
    offence: str
    event: str
    start: str = Field(description="What the clock starts at")
    extract_date: date
    method: str
    curves: list[Curve] = Field(description="Kaplan-Meier, one per group (all, or by year/area)")
    incidence: list[Incidence] = Field(default_factory=list, description="Cumulative incidence with competing outcomes (Aalen-Johansen)")


class Share(BaseModel):
    key: str
    label: str
    count: int
    share: float | None
    ci_low: float | None = None
    ci_high: float | None = None


class StatusShares(RecordsResult):
    area: dict
    period: dict
    offence: str
    total: int = Field(description="Crime records made in the period, whatever their later status")
    statuses: list[Share]
    reasons: list[Share] = Field(description="Counting Rules reasons, shares of the cancelled and transferred records")
    reasons_of: int = Field(description="The cancelled and transferred records: what the reasons' shares are of")


class Withdrawal(RecordsResult):
    area: dict
    period: dict
    offence: str
    records: int
    withdrawn: int
    stages: list[Share] = Field(description="Where in the process support was withdrawn")
    median_days_from_report: float | None
    quartiles_days_from_report: list[float] | None


class RecordAttritionStage(BaseModel):
    stage: str
    label: str
    count: int
    share_of_reports: float | None
    left: int = Field(description="Cases that went no further after this stage")
    left_reasons: dict[str, int] = Field(default_factory=dict)


class RecordAttrition(RecordsResult):
    area: dict
    period: dict
    offence: str
    extract_date: date
    stages: list[RecordAttritionStage]
    note: str


class SampleResult(RecordsResult):
    path: str
    frame: int
    size: int
    by: str
    seed: int
    strata: list[dict]


class AuditEntry(BaseModel):
    at: datetime
    user: str
    role: str
    what: str
    rows: int
    client: str | None = None


class SynthResult(BaseModel):
    synthetic: bool = True
    out: str
    area: dict
    period: dict
    extract_date: date
    seed: int
    offences: int
    suspects: int
    cps_cases: int
    edition: str
    sources: list[str]
    assumptions: list[str]


class AggregateCell(BaseModel):
    quarter: str
    outcome_group: str
    label: str
    count: int | None = Field(description="None when suppressed (a count of 1 to 4, or a complement hiding one)")
    share_of_quarter: float | None = Field(description="None when the count is suppressed")
    suppressed: bool


class RecordAggregates(RecordsResult):
    """Crimes by quarter and police outcome group after disclosure control: what anyone may see."""

    area: dict
    period: dict
    offence: str
    extract_date: date
    unit: str
    basis: str
    disclosure: str
    quarter_totals: dict[str, int]
    rows: list[AggregateCell]
