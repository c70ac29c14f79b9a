"""A metric as the registry describes it. The registry is validated when it loads: a bad entry
is an error naming the metric and the field, not a surprise in the middle of an answer."""

from __future__ import annotations

from typing import Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, model_validator

Kind = Literal["count", "proportion", "ratio", "per_100k", "average"]
Basis = Literal["recorded_in_period", "recorded_cohort", "closed_in_period", "same_period_ratio",
                "decisions_in_period", "finalised_in_period", "completed_in_period",
                "records_follow_up", "records_to_extract"]
Level = Literal["nation", "cps_area", "pfa_group", "pfa", "btp", "csp", "lad"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TermSpec(_Strict):
    measure: Union[str, list[str]]
    outcomes: Union[str, list[str]] = "all"
    datasets: Optional[list[str]] = None
    by_dataset: dict[str, Union[str, list[str]]] = Field(default_factory=dict)


class ConditionalCaveat(_Strict):
    text: str
    datasets: list[str] = Field(default_factory=list)
    families: list[str] = Field(default_factory=list)
    levels: list[str] = Field(default_factory=list)  # area levels the caveat applies to (local figures only, say)


class ConfusedWith(_Strict):
    metric: str
    how: str


class PopulationSpec(_Strict):
    dataset: str
    measure: str


class RecordsSpec(_Strict):
    """A measure computed from a force's own case records (local mode), not from a publication."""

    measure: Literal["charged_within", "days_to_charge", "days_to_outcome", "support_withdrawn", "cancelled", "transferred"]
    follow_up_days: Optional[int] = Field(None, ge=1)


RECORDS_DATASET = "case_records"  # the dataset id a record-based metric names: the loaded records, not a publication


class MetricSpec(_Strict):
    id: str
    name: str
    official_name: Optional[str] = None
    stage: Literal["police", "cps", "court", "moj"]
    kind: Kind
    basis: Basis
    numerator_basis: Optional[Basis] = None
    unit: Literal["offences", "suspects", "defendants", "days", "people"]
    datasets: list[str] = Field(min_length=1)
    levels: list[Level] = Field(min_length=1)
    value: Optional[TermSpec] = None
    numerator_term: Optional[TermSpec] = None
    denominator_term: Optional[TermSpec] = None
    population: Optional[PopulationSpec] = None
    needs_outcome: bool = False
    records: Optional[RecordsSpec] = None
    numerator: str
    denominator: Optional[str] = None
    definition: str
    caveats: list[str] = Field(default_factory=list)
    caveats_when: list[ConditionalCaveat] = Field(default_factory=list)
    sentence: str
    confused_with: list[ConfusedWith] = Field(default_factory=list)

    @model_validator(mode="after")
    def _terms_fit_kind(self):
        if self.records is not None:
            if self.datasets != [RECORDS_DATASET]:
                raise ValueError(f"a metric computed from case records has datasets = [\"{RECORDS_DATASET}\"]")
            if (self.records.measure == "charged_within") != (self.records.follow_up_days is not None):
                raise ValueError("records.follow_up_days is given for charged_within, and only for it")
            return self
        if RECORDS_DATASET in self.datasets:
            raise ValueError(f"'{RECORDS_DATASET}' is for metrics computed from case records (give 'records')")
        if self.kind in ("count", "per_100k", "average"):
            if self.value is None:
                raise ValueError(f"a {self.kind} metric needs 'value'")
        elif self.numerator_term is None or self.denominator_term is None:
            raise ValueError(f"a {self.kind} metric needs 'numerator_term' and 'denominator_term'")
        return self


class Metric(BaseModel):
    """A metric explained (``justicegap metrics ID``, ``/api/v1/metrics/{id}``)."""

    model_config = ConfigDict(extra="allow")
    id: str
    name: str
    official_name: Optional[str] = None
    stage: str
    kind: str
    basis: str
    unit: str
    numerator: Optional[str] = None
    denominator: Optional[str] = None
    definition: Optional[str] = None
    datasets: list[str]
    levels: list[str]
    caveats: Optional[list[str]] = None
    sentence: Optional[str] = None
    confused_with: Optional[list[ConfusedWith]] = None
