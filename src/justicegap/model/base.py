"""What every result model shares: open to fields added later, counts that are integers, and the
building blocks (area, period, offence, edition) each result names."""

from __future__ import annotations

from typing import Annotated, Any, Optional, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from ..formats import whole


Count = Annotated[int, BeforeValidator(whole)]
# a count or an average in one column (a funnel stage's volume): whole numbers leave as integers
Amount = Annotated[Union[int, float], BeforeValidator(whole)]


class Result(BaseModel):
    """Base of every result: fields the library adds later do not break a running server, but every
    field declared is checked on every answer."""

    model_config = ConfigDict(extra="allow")

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump()


class AreaRef(Result):
    code: str
    name: str
    level: str
    parent: Optional[str] = None
    note: Optional[str] = None


class PeriodRef(Result):
    label: str
    start: str = Field(description="First day (ISO date)")
    end: str = Field(description="Last day (ISO date)")
    kind: str


class OffenceRef(Result):
    family: str
    label: str


class OutcomeRef(Result):
    types: list[str]
    label: str


class Edition(Result):
    dataset: str
    edition: str
    title: Optional[str] = None
    file: str
    sha256: str
    published: Optional[str] = None
    loaded_at: str
    url: Optional[str] = None
    period_start: Optional[str] = None
    period_end: Optional[str] = None
    rows: Count = Field(description="Facts stored from the file (one per area, period, offence, outcome and measure), "
                                     "not the file's own rows")


class SourceEdition(Edition):
    """An edition behind a figure, with its publisher."""

    publisher: Optional[str] = None


class EventRef(Result):
    id: str
    title: str
