"""Dispatch: a result object is flattened by its class, plain data only by the kind it is said to
be (never guessed from its keys); a typed result gives the same rows as its plain data."""

from __future__ import annotations

import pytest

from justicegap import metrics, render
from justicegap.errors import InvalidParameter


@pytest.fixture(scope="module")
def fig(loaded_home):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JUSTICEGAP_HOME", str(loaded_home))
        return metrics.compute("charge_rate_cohort", area="Kent", period="2017/18", offence="rape")


def test_a_figure_object_is_flattened_by_its_class(fig):
    assert render.kind_of(fig) == "figure"
    t = render.flatten(fig)
    assert t.rows == render.flatten(fig.to_dict(), "figure").rows
    row = t.records()[0]
    assert (row["numerator"], row["denominator"]) == (42, 2529)
    assert type(row["numerator"]) is int and type(row["denominator"]) is int


def test_plain_data_must_say_what_it_is(fig):
    with pytest.raises(InvalidParameter) as e:
        render.flatten(fig.to_dict())
    assert "say what the result is" in str(e.value) and "figure" in str(e.value)
    with pytest.raises(InvalidParameter) as e:
        render.flatten(fig.to_dict(), "league_table")
    assert "'league_table'" in str(e.value)


def test_typed_results_are_flattened_by_their_class(fig, loaded):
    from justicegap.answers.funnel import attrition
    from justicegap.model import Attrition

    engine = metrics.measure("charge_rate_cohort", area="Kent", period="2017/18", offence="rape")
    assert render.kind_of(engine) == "figure" and render.flatten(engine).rows == render.flatten(fig).rows
    fun = attrition(area="Kent", period="2017/18", offence="rape").model_dump()
    typed = Attrition.model_validate(fun)
    assert render.kind_of(typed) == "attrition" and render.flatten(typed).rows == render.flatten(fun, "attrition").rows


def test_absent_values_are_empty_not_zero(loaded):
    f = metrics.compute("recorded", area="Kent", period="2017/18", offence="rape")
    row = render.flatten(f).records()[0]
    assert row["value"] == 2529 and type(row["value"]) is int  # a count is an integer, never 2529.0
    assert row["numerator"] is None and row["denominator"] is None and row["ci_low"] is None
    assert render.write(render.flatten(f), "csv").decode().splitlines()[1].count(",,") >= 3
