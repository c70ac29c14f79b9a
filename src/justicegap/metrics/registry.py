"""The metric registry: every metric as data (``registry.toml``), checked against
:class:`justicegap.model.MetricSpec` when it loads, and explained on request."""

from __future__ import annotations

import difflib
import functools
import tomllib
from importlib import resources

from .. import reference
from ..errors import NotFound
from .caveats import all_caveats


@functools.cache
def registry() -> dict[str, dict]:
    """The metrics, validated against :class:`justicegap.model.MetricSpec` when they load."""
    text = resources.files(__package__).joinpath("registry.toml").read_text(encoding="utf-8")
    return validate_registry(text)


def validate_registry(text: str, *, stamp_dir=None) -> dict[str, dict]:
    """Parse and check the registry: a bad entry is an ``InputError`` naming the metric and the
    field. A registry that passed once is not checked again while its text is unchanged (a stamp
    named by its SHA-256 in the store's cache folder), so that ``get`` need not load the checker."""
    import hashlib

    from .. import paths
    from ..errors import InputError

    try:
        entries = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise InputError(str(e), file="metrics/registry.toml") from None
    reg = {mid: {"id": mid, **spec} for mid, spec in entries.items()}
    stamp = (stamp_dir or paths.cache_dir()) / f"registry-{hashlib.sha256(text.encode()).hexdigest()[:16]}.valid"
    if stamp.exists():
        return reg
    from pydantic import ValidationError

    from ..model.metric import MetricSpec

    for mid, spec in reg.items():
        try:
            MetricSpec.model_validate(spec)
        except ValidationError as e:
            err = e.errors()[0]
            where = ".".join(str(x) for x in err["loc"]) or "(entry)"
            raise InputError(f"metric '{mid}', field '{where}': {err['msg']}", file="metrics/registry.toml") from None
    known = set(reg)
    for mid, spec in reg.items():
        for i, c in enumerate(spec.get("confused_with", [])):
            if c["metric"] not in known:
                raise InputError(f"metric '{mid}', field 'confused_with.{i}.metric': no metric '{c['metric']}'",
                                 file="metrics/registry.toml")
        for ds in spec["datasets"]:
            if ds not in reference.sources() and not spec.get("records"):  # case records are loaded, not published
                raise InputError(f"metric '{mid}', field 'datasets': no source '{ds}' in reference/sources.csv",
                                 file="metrics/registry.toml")
    try:
        stamp.parent.mkdir(parents=True, exist_ok=True)
        stamp.touch()
    except OSError:  # a read-only home: check again next time
        pass
    return reg


def get(metric_id: str) -> dict:
    reg = registry()
    if metric_id not in reg:
        raise NotFound("metric", metric_id, difflib.get_close_matches(metric_id, list(reg), 4, 0.4)).with_actions("list_metrics")
    return reg[metric_id]


def explain(metric_id: str) -> dict:
    """A metric's definition, basis, unit, caveats and how it differs from those it is confused with."""
    m = get(metric_id)
    out = {k: m.get(k) for k in ("id", "name", "official_name", "stage", "kind", "basis", "unit", "numerator",
                                  "denominator", "definition", "datasets", "levels", "caveats", "sentence", "confused_with")}
    out["caveats"] = all_caveats(m)
    out["how_to_say"] = sentence_pattern(m["sentence"])
    return out


# What each part of a metric's sentence stands for, for a reader who sees the pattern, not a figure.
PLACEHOLDER_WORDS = {
    "area": "[area]", "area_police": "[police force]", "area_police_cap": "[Police force]", "area_in": "",
    "period": "[period]", "offence_plural": "[offences]", "offence_singular": "[offence]",
    "numerator_int": "[numerator]", "denominator_int": "[denominator]", "value_int": "[count]",
    "value_pct": "[rate]", "value_1dp": "[value]", "ci": "[interval]", "outcome_label": "[outcome]",
    "population_per": "[residents]", "population_note": "[population estimate]", "follow_up": "[follow-up]",
    "extract_date": "[extract date]", "median_ci": "[interval]",
}


def sentence_pattern(template: str) -> str:
    """A sentence template in words ("Of the [denominator] [offences] recorded by [police force]
    ..."), for showing how a figure is said without the template's field names."""
    import re

    return re.sub(r"\{([a-z_0-9]+)\}", lambda m: PLACEHOLDER_WORDS.get(m.group(1), f"[{m.group(1).replace('_', ' ')}]"), template)
