"""Errors as data: every skin words them its own way (a flag on the command line, a query
parameter in the API, a sentence on a page) from the same fields."""

from __future__ import annotations

from typing import Optional

from pydantic import BaseModel, Field


class ErrorBody(BaseModel):
    """Every error: a type and one plain message. Never a stack trace."""

    error: str = Field(description="Kind of error: NotFound, InvalidParameter, NotAvailable, InternalError...")
    message: str = Field(description="What went wrong and what to do about it")
    code: Optional[str] = Field(None, description="A stable code for the reason (e.g. partial_period, not_at_level)")


class NotFoundError(ErrorBody):
    kind: Optional[str] = Field(None, description="What was not found: area, metric, offence family, outcome, edition...")
    value: Optional[str] = Field(None, description="The text given")
    suggestions: list[str] = Field(default_factory=list, description="The closest matches")
    parameter: Optional[str] = Field(None, description="The parameter the name was given in (area, metric, offence, outcome, edition, level)")


class InvalidParameterError(ErrorBody):
    parameter: Optional[str] = Field(None, description="The parameter at fault")


class NotAvailableError(ErrorBody):
    available: list[str] = Field(default_factory=list, description="What can be had instead")
    holder: Optional[str] = Field(None, description="Who holds the data, when it is not published (null when no holder is named)")
    parameter: Optional[str] = Field(None, description="The parameter whose value the data cannot answer for, where one is the cause (a period covered only in part)")
