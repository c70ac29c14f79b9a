"""Checking a published figure against the data on every basis it could have been computed on.

"1.3% of rapes were charged" and "5.4% of rape cases were charged" can both be right: one follows
the offences recorded in the year, the other the investigations closed in it. ``check_claim``
takes the figure as published ("1.3%", 0.013, "1 in 24", "2,238"), finds the metrics related to
the one named (same subject in the registry, e.g. every charge metric; same stage first) and says,
for each, whether the claim matches it within the rounding the claim's own precision implies,
or lies within its 95% interval, or neither.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from .. import areas as A
from .. import metrics
from ..errors import InvalidParameter, JusticegapError, NotAvailable
from ..formats import num, pct, value_text
from ..store import Store
from .sentences import basis_text

SUBJECTS = ("conviction", "charge", "referral", "prosecution", "admin_finalised", "days", "outcome_share", "recorded")
RATES = ("proportion", "ratio")
# How a figure of each kind is written, for the messages: only forms parse_value accepts for that kind.
EXAMPLES = {"proportion": "1.3%, 0.013 or '1 in 24'", "ratio": "1.3%, 0.013 or '1 in 24'",
            "count": "2238 or 2,238", "average": "412 or 412.5", "per_100k": "45.2"}


def subject(metric: dict) -> str:
    """A metric's subject: the registry's ``subject`` when it has one, else read from its id."""
    if metric.get("subject"):
        return metric["subject"]
    mid = metric["id"]
    if metric.get("kind") == "average" or metric.get("unit") == "days":
        return "days"
    for s in SUBJECTS:
        if s in mid:
            return s
    return mid


def related(metric_id: str) -> list[dict]:
    """Metrics on the same subject as ``metric_id`` whose value is of a comparable kind, same stage first."""
    m = metrics.get(metric_id)
    want = RATES if m["kind"] in RATES else (m["kind"],)
    out = [x for x in metrics.registry().values()
           if subject(x) == subject(m) and x.get("kind") in want and not x.get("needs_outcome")
           and not x.get("records")]  # a published claim is of published figures, not of a force's own records
    if m["id"] not in [x["id"] for x in out]:
        out.insert(0, m)
    return sorted(out, key=lambda x: (x["id"] != m["id"], x.get("stage") != m.get("stage"), x["id"]))


def _examples(kind: str) -> str:
    return EXAMPLES.get(kind, EXAMPLES["count"])


def parse_value(value, kind: str = "proportion") -> dict:
    """A published figure -> its point value and the interval its rounding implies.

    "1.3%" -> 0.013 in [0.0125, 0.0135]; 0.013 -> [0.0125, 0.0135]; "1 in 24" -> 1/24 in [1/24.5, 1/23.5];
    "2,238" -> a count in [2237.5, 2238.5]. For a rate, a bare number above 1 ("13") is read as a percentage;
    a count, average or rate per 100,000 is a number (a percentage or '1 in N' is refused: it is not one).
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        raise InvalidParameter("value", f"give the published figure, e.g. {_examples(kind)}")
    text = str(value).strip().lower().replace("per cent", "%").replace("percent", "%").replace(",", "").replace(" ", " ")
    m = re.fullmatch(r"(?:about|around|approximately|~)?\s*1\s*(?:in|out of)\s*([0-9]+(?:\.[0-9]+)?)", text)
    if (m or text.endswith("%")) and kind not in RATES:
        raise InvalidParameter("value", f"'{value}' is a rate, but this metric is a {kind.replace('_', ' ')}: write it as a number, e.g. {_examples(kind)}")
    if m:
        n = Decimal(m.group(1))
        if n < 1:
            raise InvalidParameter("value", f"'{value}': '1 in N' needs N of at least 1")
        half = Decimal(1).scaleb(_exponent(m.group(1))) / 2
        return {"given": str(value), "form": "one_in", "point": float(1 / n), "low": float(1 / (n + half)),
                "high": float(1 / (n - half)) if n - half > 0 else 1.0, "precision": f"1 in {m.group(1)} (to the nearest {_step(half)})"}
    m = re.fullmatch(r"(?:about|around|approximately|~)?\s*(-?[0-9]*\.?[0-9]+)\s*(%?)", text)
    if not m:
        raise InvalidParameter("value", f"'{value}' is not a figure justicegap can read: write {_examples(kind)}")
    num, pct = m.group(1), m.group(2) == "%"
    try:
        d = Decimal(num)
    except InvalidOperation:
        raise InvalidParameter("value", f"'{value}' is not a number") from None
    if d < 0:
        raise InvalidParameter("value", f"'{value}' is negative: no count, rate or ratio here can be")
    if kind == "proportion" and d > 100:  # a bare number above 1 is read as a percentage
        raise InvalidParameter("value", f"'{value}' is more than 100%, which a proportion of cases cannot be: give the rate "
                                        f"as published ({_examples(kind)}), not a count of cases")
    if kind == "count" and d != d.to_integral_value():  # a count is whole: 0.5 is a rate given for a count
        raise InvalidParameter("value", f"'{value}' is not a whole number, but this metric is a count of cases: "
                                        f"write it as published, e.g. {_examples(kind)}")
    half = Decimal(1).scaleb(_exponent(num)) / 2
    if kind in RATES and (pct or d > 1):
        return {"given": str(value), "form": "percent", "point": float(d / 100), "low": float((d - half) / 100),
                "high": float((d + half) / 100), "precision": f"{num}% (to the nearest {_step(half)} percentage point)"}
    return {"given": str(value), "form": "decimal" if kind in RATES else "number", "point": float(d),
            "low": float(d - half), "high": float(d + half), "precision": f"{num} (to the nearest {_step(half)})"}


def _step(half: Decimal) -> str:
    """The rounding step as written: Decimal 0.05 -> '0.1', 0.5 -> '1'."""
    return format((half * 2).normalize(), "f")


def _exponent(num: str) -> int:
    """The place of the last digit written: '1.3' -> -1, '24' -> 0, '0.013' -> -3."""
    return -len(num.split(".")[1]) if "." in num else 0


def check_claim(claim_text: str, metric: str, area, period, value, offence: str = "rape", *, outcome: str | None = None,
                store: Store | None = None) -> dict:
    """Which basis, if any, a published figure matches (see the module docstring)."""
    m = metrics.get(metric)
    the_area = area if isinstance(area, A.Area) else A.resolve(area)
    fam = metrics.family(offence)
    claimed = parse_value(value, m["kind"])
    own = store is None
    store = store or Store(read_only=True)
    candidates = []
    try:
        for x in related(metric):
            entry = {"metric": x["id"], "name": x["name"], "stage": x.get("stage"), "basis": x.get("basis"),
                     "basis_text": basis_text(x.get("basis")), "unit": x.get("unit"), "kind": x.get("kind")}
            try:
                fig = metrics.measure(x["id"], area=the_area, period=period, offence=fam, outcome=outcome if x.get("needs_outcome") else None,
                                      store=store, allow_partial=True)
            except JusticegapError as e:
                entry.update(available=False, reason=str(e), verdict="not available")
                candidates.append(entry)
                continue
            d = fig.to_dict()
            v = d["value"]
            rounding = v is not None and claimed["low"] - 1e-12 <= v <= claimed["high"] + 1e-12
            within = d["ci_low"] is not None and d["ci_low"] <= claimed["point"] <= d["ci_high"]
            verdict = ("matches" if rounding else ("consistent" if within else "does not match")) if v is not None else _no_figure(d)
            entry.update(available=True, value=v, numerator=d["numerator"], denominator=d["denominator"], ci_low=d["ci_low"],
                         ci_high=d["ci_high"], edition=d["edition"], flags=d["flags"], events=d["events"], sentence=d["sentence"],
                         matches_rounding=rounding, within_interval=within, verdict=verdict,
                         difference=None if v is None else v - claimed["point"])
            candidates.append(entry)
    finally:
        if own:
            store.close()
    if not any(c.get("available") for c in candidates):
        raise NotAvailable(f"None of the related measures can be computed for {the_area.name}, {period}: "
                           + "; ".join(f"{c['name']}: {c['reason']}" for c in candidates[:3]))
    matched = [c for c in candidates if c.get("verdict") == "matches"]
    consistent = [c for c in candidates if c.get("verdict") == "consistent"]
    return {"claim": claim_text, "value": claimed, "metric": metric, "area": the_area.to_dict(), "period": str(period),
            "offence": fam, "candidates": candidates, "matched": [c["metric"] for c in matched],
            "consistent": [c["metric"] for c in consistent], "summary": _summary(claimed, candidates, matched, consistent)}


def _no_figure(d: dict) -> str:
    """The verdict for a measure the data hold but that gives no value (e.g. nothing to divide by)."""
    if d.get("denominator") == 0:
        return "no figure: no cases in the denominator"
    return "no figure: the data hold no value for it"


def _show(c: dict) -> str:
    """A candidate's value as it reads, with its numerator and denominator and interval; a
    candidate with no value says why (never a traceback on a zero or missing denominator)."""
    if c.get("value") is None:
        v = c["verdict"]
        if c.get("numerator") is not None and c.get("denominator") is not None:
            v += f" ({num(c['numerator'])} of {num(c['denominator'])})"
        return v
    if c["kind"] in RATES:
        v = pct(c["value"], 2)
        if c.get("numerator") is not None and c.get("denominator") is not None:
            v += f" ({num(c['numerator'])} of {num(c['denominator'])})"
        if c.get("ci_low") is not None and c.get("ci_high") is not None:
            v += f", 95% CI {pct(c['ci_low'], 2)}–{pct(c['ci_high'], 2)}"
        return v
    return value_text(c["kind"], c["value"], c.get("unit"))


def _summary(claimed, candidates, matched, consistent) -> str:
    avail = [c for c in candidates if c.get("available")]
    valued = [c for c in avail if c.get("difference") is not None]
    parts, named = [], [*matched, *consistent]
    if matched:
        parts.append(f"The claim ({claimed['given']}, read as {claimed['precision']}) matches "
                     + "; ".join(f"{c['name']} [{c['metric']}], basis: {c['basis_text']}: {_show(c)}" for c in matched) + ".")
    elif consistent:
        parts.append(f"The claim ({claimed['given']}) does not match any basis to its stated precision, but lies within the 95% interval of "
                     + "; ".join(f"{c['name']} [{c['metric']}]: {_show(c)}" for c in consistent) + ".")
    elif valued:
        near = min(valued, key=lambda c: abs(c["difference"]))
        named.append(near)
        parts.append(f"The claim ({claimed['given']}) matches none of the related measures in these data; the nearest is "
                     f"{near['name']} [{near['metric']}]: {_show(near)}. It may come from another edition, period, area or "
                     "offence definition.")
    else:
        parts.append(f"The claim ({claimed['given']}) cannot be checked: none of the related measures gives a figure for this "
                     "area, period and offence in these data.")
    others = [c for c in avail if c not in named]
    if others:
        parts.append(("On the other bases: " if valued else "By basis: ") + "; ".join(f"{c['name']} [{c['metric']}]: {_show(c)}" for c in others) + ".")
    flagged = [c for c in avail if "partial" in (c.get("flags") or [])]
    if flagged:
        parts.append("Partial figures (the data cover only part of the period): " + ", ".join(c["metric"] for c in flagged) + ".")
    na = [c for c in candidates if not c.get("available")]
    if na:
        parts.append("Not available: " + "; ".join(f"{c['name']} ({c['reason']})" for c in na) + ".")
    return " ".join(parts)
