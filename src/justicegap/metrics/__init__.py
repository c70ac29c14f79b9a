"""Metrics that say what they measure.

The registry (``registry.toml``, :mod:`.registry`) describes every metric as data; :func:`compute`
turns one into a typed :class:`justicegap.model.Figure`: the value with its numerator, denominator,
basis, counting unit, the editions it came from, its interval, flags, caveats and a sentence that
can be printed as it stands. :func:`panel` computes many at once as the engine's figures
(:func:`measure` gives one), which the answers build on and turn into typed results at the surface.
One job per module: the registry, the parameters a user types, the computation, the caveats, the
finishing (flags and caveats), the wording.
"""

from __future__ import annotations

from .caveats import all_caveats, conditional_caveats, events_touching
from .compute import compute, cps_area_of, data_holder, level_alternatives, level_message, measure
from .figure import LOW_COUNT, PROPORTION_KINDS, Figure
from .parameters import family, outcome_types
from .registry import explain, get, registry, validate_registry
from .wording import source_line
from .panel import Cell, panel  # noqa: E402,I001  (the engine is built on measure)

__all__ = ["LOW_COUNT", "PROPORTION_KINDS", "Cell", "Figure", "all_caveats", "compute", "conditional_caveats",
           "cps_area_of", "data_holder", "events_touching", "explain", "family", "get", "level_alternatives",
           "level_message", "measure", "outcome_types", "panel", "registry", "source_line", "validate_registry"]
