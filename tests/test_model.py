"""The typed results: counts are integers, absent is null, and the metric registry is checked
when it loads, naming the metric and the field of a bad entry."""

from __future__ import annotations

import tomllib
from importlib import resources

import pytest
from pydantic import ValidationError

from justicegap.errors import InputError
from justicegap.model import Figure
from justicegap.metrics import validate_registry


def _registry_text() -> str:
    return resources.files("justicegap.metrics").joinpath("registry.toml").read_text(encoding="utf-8")


def test_the_shipped_registry_is_valid(tmp_path):
    reg = validate_registry(_registry_text(), stamp_dir=tmp_path)
    assert "charge_rate_cohort" in reg and list(tmp_path.glob("registry-*.valid"))


@pytest.mark.parametrize("change, field", [
    (('kind = "proportion"', 'kind = "rate"'), "kind"),
    (('unit = "offences"', 'unit = "crimes"'), "unit"),
    (('basis = "recorded_cohort"', 'basis = "cohort"'), "basis"),
])
def test_a_bad_entry_names_the_metric_and_the_field(tmp_path, change, field):
    text = _registry_text()
    start = text.index("[charge_rate_cohort]")
    end = text.index("\n[", start + 1)
    entry = text[start:end].replace(*change, 1)
    assert entry != text[start:end]
    with pytest.raises(InputError) as e:
        validate_registry(text[:start] + entry + text[end:], stamp_dir=tmp_path)
    assert "metric 'charge_rate_cohort'" in str(e.value) and f"field '{field}'" in str(e.value)
    assert "registry.toml" in str(e.value)
    assert not list(tmp_path.glob("registry-*.valid"))  # a bad registry is never stamped as checked


def test_a_rate_without_its_terms_and_an_unknown_neighbour_are_refused(tmp_path):
    reg = tomllib.loads(_registry_text())
    text = _registry_text()
    start = text.index("[charge_rate_closed]")
    end = text.index("\n[", start + 1)
    entry = "\n".join(line for line in text[start:end].splitlines() if not line.startswith("numerator_term"))
    with pytest.raises(InputError, match="metric 'charge_rate_closed'.*numerator_term"):
        validate_registry(text[:start] + entry + text[end:], stamp_dir=tmp_path)
    assert reg["charge_rate_closed"]["confused_with"]
    bad = text.replace('metric = "charge_rate_cohort", how = "The Home Office headline', 'metric = "charge_rate_cohrt", how = "The Home Office headline', 1)
    assert bad != text
    with pytest.raises(InputError, match="confused_with.0.metric.*charge_rate_cohrt"):
        validate_registry(bad, stamp_dir=tmp_path)


def test_counts_are_integers_and_a_fractional_count_is_a_bug():
    from justicegap.model.base import Count  # noqa: F401  (the annotated type the models use)
    from justicegap.model.attrition import OutcomeGroupRow

    row = OutcomeGroupRow(group="charged", label="Charged", count=880.0, denominator=1167.0, basis="b", unit="offences", edition="e")
    assert row.count == 880 and isinstance(row.count, int) and isinstance(row.denominator, int)
    assert '"count":880,' in row.model_dump_json()
    assert OutcomeGroupRow(group="g", label="l", count=-8.0, basis="b", unit="u", edition="e").count == -8  # published corrections
    assert OutcomeGroupRow(group="g", label="l", count=None, basis="b", unit="u", edition="e").count is None  # absent is null
    with pytest.raises(ValidationError):
        OutcomeGroupRow(group="g", label="l", count=880.5, basis="b", unit="u", edition="e")


def test_a_figure_from_the_library_is_its_typed_result(loaded_store):
    from justicegap import metrics

    m = metrics.compute("charge_rate_cohort", area="Kent", period="2017/18", offence="rape", store=loaded_store)
    assert isinstance(m, Figure) and (m.numerator, m.denominator) == (42, 2529) and isinstance(m.denominator, int)
    engine = metrics.measure("charge_rate_cohort", area="Kent", period="2017/18", offence="rape", store=loaded_store)
    assert m == engine.model() and m.to_dict() == engine.to_dict() and m.basis == "recorded_cohort" and m.edition
    count = metrics.compute("recorded", area="Kent", period="2017/18", offence="rape", store=loaded_store).to_dict()
    assert count["value"] == 2529 and isinstance(count["value"], int)


def test_actions_are_worded_by_each_skin_as_whole_sentences():
    from justicegap import wording
    from justicegap.errors import NotFound

    e = NotFound("metric", "nosuch", ["recorded"]).with_actions("list_metrics")
    assert wording.text(e, "cli") == "unknown metric 'nosuch'; closest matches: recorded. See `justicegap metrics` for the list."
    assert wording.text(e, "api").endswith("See /api/v1/metrics for the list.") and "justicegap" not in wording.text(e, "api")
    assert wording.links(e) == [{"href": "/metrics", "text": wording.ACTION_TEXT["web"]["list_metrics"]}]
