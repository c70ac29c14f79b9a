"""The typed results every surface returns: defined once, returned by the library, served by the
API as its response models, flattened by the renderers. Counts are integers; absent is null.

Each model is imported from its module on first use, so that ``justicegap get`` pays only for the
models it needs."""

from importlib import import_module

_WHERE = {
    "attrition": ["Attrition", "OutcomeGroupRow", "Stage"],
    "base": ["AreaRef", "Count", "Edition", "EventRef", "OffenceRef", "OutcomeRef", "PeriodRef", "Result", "SourceEdition"],
    "catalogue": ["Area", "AreaDetail", "Boundaries", "Event", "MetricNote", "Source"],
    "comparison": ["CompareEvent", "CompareRow", "Comparison", "Excluded"],
    "errors": ["ErrorBody", "InvalidParameterError", "NotAvailableError", "NotFoundError"],
    "evaluation": ["Evaluation"],
    "figure": ["Figure"],
    "metric": ["Metric", "MetricSpec"],
    "report": ["Column", "Report", "Table"],
    "series": ["Point", "Series"],
}
_MODULE = {name: mod for mod, names in _WHERE.items() for name in names}
__all__ = sorted(_MODULE)


def __getattr__(name: str):
    if name not in _MODULE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f".{_MODULE[name]}", __name__), name)
