"""Fair comparison of areas: every area's value and interval, placed on a funnel plot.

No league tables: areas come back in name order, each marked within, above or below the control
limits around the pooled rate (Spiegelhalter 2005). When a sort is asked for, each area's rank
comes with its rank interval, which for rates like these is usually wide.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import areas as A
from .. import metrics
from ..errors import InvalidParameter, JusticegapError, NotAvailable
from ..formats import value_text
from ..periods import parse
from ..store import Store

LEVELS = ("pfa", "cps_area", "csp")
SCALE = {"proportion": 1.0, "per_100k": 100_000.0}  # kinds with funnel limits, and the scale their values are shown on
SORTS = (None, "name", "value")

if TYPE_CHECKING:
    from ..model.comparison import Comparison


def _members(level: str, period, metric: dict) -> tuple[list[A.Area], str | None]:
    """The areas to compare, and what the reader must be told about them. CPS Areas are those in
    being at the period's end; for police data, which cannot split London North from London
    South, the two appear together as one area, and the note says so."""
    out = A.all_areas(level)
    if level != "cps_area":
        return out, None
    out = [a for a in out if (not a.valid_from or a.valid_from <= period.end.isoformat())
           and (not a.valid_to or a.valid_to >= period.end.isoformat())]
    london = [a for a in out if a.code in ("CPS-LN", "CPS-LS")]
    if metric["stage"] != "police" or not london:
        return out, None
    note = (f"{' and '.join(a.name for a in london)} are not compared separately: police data cannot split London between "
            "them, so the two appear together as one area, the Metropolitan Police and City of London.")
    return [a for a in out if a not in london] + [A.get("E23000001+E23000034")], note


def compare(metric_id: str, *, level: str = "pfa", period, offence: str = "rape", outcome: str | None = None,
            edition: str | None = None, overdispersion: str | None = None, sort: str | None = None,
            store: Store | None = None, disclose: bool = False) -> "Comparison":
    """Every area at ``level``: value, numerator, denominator, interval and funnel position.

    A metric from case records compares the areas whose records are loaded; with ``disclose`` (the
    public surfaces) an area whose figure rests on a count of 1 to 4 crimes is left out, unshown."""
    if store is None:  # one connection for the panel and the national figure
        with Store(read_only=True) as own:
            return compare(metric_id, level=level, period=period, offence=offence, outcome=outcome, edition=edition,
                           overdispersion=overdispersion, sort=sort, store=own, disclose=disclose)
    from .. import stats

    m = metrics.get(metric_id)
    if level not in LEVELS:
        raise InvalidParameter("level", f"'{level}' cannot be compared; use one of {', '.join(LEVELS)}")
    if overdispersion not in stats.OVERDISPERSION_METHODS:
        raise InvalidParameter("overdispersion", "use multiplicative or additive (or leave it out for exact binomial limits)")
    if sort not in SORTS:
        raise InvalidParameter("sort", "use name or value")
    if level not in m["levels"]:
        raise NotAvailable(f"{m['name']} cannot be compared across {A.LEVEL_NAMES[level]}s: it is published for "
                           + ", ".join(A.LEVEL_NAMES[x] for x in m["levels"]) + " only.")
    p = parse(period)
    members, london = _members(level, p, m)
    loaded_note = None
    if m.get("records"):
        from ..metrics.from_records import with_records

        if disclose:
            from ..records.scope import check_public

            for first in members[:1]:
                check_public(first, metrics.family(offence))

        members, loaded_note = with_records(m, members, level, store)
        if disclose:  # whole financial years only: periods that overlap would give a hidden count away
            from ..records.scope import check_public_period

            refusals = []
            for a in members:
                try:
                    check_public_period(store, a, p)
                    break
                except InvalidParameter as e:
                    refusals.append(e)
            else:  # no area can be compared for this period in public: what the data cannot answer, not a malformed period
                raise NotAvailable(refusals[0].message[:1].upper() + refusals[0].message[1:], parameter="period") if refusals else \
                    NotAvailable(f"No case records loaded here cover {p} for any {A.LEVEL_NAMES[level]}.")
    figures, excluded, refused = [], [], []
    for cell in metrics.panel(metric_id, areas=members, periods=[p], offences=[offence], outcome=outcome,
                              edition=edition, store=store):
        fig, area = cell.figure, cell.area
        if cell.error is not None:
            excluded.append({"area": area.to_dict(), "reason": str(cell.error)})
            refused.append((area, cell.error))
            continue
        if fig.value is None or "partial" in fig.flags:
            excluded.append({"area": area.to_dict(), "reason": "no figure for the whole period"})
            continue
        if disclose and "case_records" in fig.flags:
            from ..metrics.from_records import public

            if "suppressed" in public(fig.to_dict())["flags"]:
                excluded.append({"area": area.to_dict(), "reason": "not shown: a count behind it is between 1 and 4 crimes "
                                                                   "(disclosure control of case records)"})
                continue
        if "excludes_areas" in fig.flags:
            excluded.append({"area": area.to_dict(), "reason": "incomplete: " + "; ".join(
                f"{name} has no data for {spans}" for name, spans in fig.missing["areas"].items())})
            continue
        figures.append(fig)
    national = _national(m, level, p, offence, outcome, edition, store)
    if not figures:
        raise _none_has(m, level, p, refused, len(members))
    rows = [{**f.to_dict(), "sentence": f.sentence} for f in figures]
    out = {
        "metric": m["id"], "name": m["name"], "basis": m["basis"], "unit": m["unit"], "kind": m["kind"],
        "level": level, "period": p.to_dict(), "offence": figures[0].to_dict()["offence"],
        "outcome": figures[0].outcome, "editions": sorted({e.edition for f in figures for e in f.editions}),
        "excluded": excluded, "events": [], "caveats": [x for x in (london, loaded_note) if x], "method": None,
    }
    events = {ev["id"]: ev for f in figures for ev in f.events}
    out["events"] = [{"id": k, "title": v["title"], "start": v["start"], "end": v["end"], "description": v["description"]} for k, v in events.items()]
    if m["kind"] in SCALE:
        scale = SCALE[m["kind"]]
        r = [int(round(f.numerator)) for f in figures]
        n = [int(round(f.denominator)) for f in figures]
        if m["kind"] == "proportion":
            fun = stats.funnel(r, n, overdispersion=overdispersion)
        else:  # offences per resident: Poisson counts against a population
            fun = stats.poisson_funnel(r, n, overdispersion=overdispersion)
        out.update(target=fun["target"] * scale, target_numerator=sum(r), target_denominator=sum(n), phi=fun["phi"],
                   tau2=fun["tau2"], method=fun["method"], overdispersion=overdispersion)
        for row, a in zip(rows, fun["areas"]):
            row.update({k: a[k] for k in ("z", "position", "alert")})
            row.update({k: a[k] * scale for k in ("lower95", "upper95", "lower998", "upper998")})
        pooled = value_text(m["kind"], out["target"])
        pops = [f.population for f in figures if f.population]
        per = next((x.get("per") for x in pops if x.get("per")), "residents")
        out["caveats"].append(
            f"Target: the pooled rate of the {len(figures)} areas "
            f"with data ({sum(r):,} of {sum(n):,}{'' if m['kind'] == 'proportion' else ' ' + per}, {pooled})"
            + (f"; {len(excluded)} area(s) without a complete figure of their own are left out of the target and the plot: "
               + ", ".join(e["area"]["name"] for e in excluded) if excluded else "") + ".")
        if pops:  # the population each rate divides by, and from which estimate (its year can differ from the period's)
            notes = sorted({x["note"] for x in pops})
            out["caveats"].append("Population: " + "; ".join(notes) + ("." if len(notes) == 1 else
                                  " (the estimates differ between areas)."))
        out["caveats"].append("Limits: " + _limits_text(fun, overdispersion, m["kind"]))
        above = [x["area"]["name"] for x in rows if x["position"] == "above"]
        below = [x["area"]["name"] for x in rows if x["position"] == "below"]
        from .sentences import basis_text

        what = f"{m['name']}, {out['offence']['label'].lower()}, {p.label}, by {A.LEVEL_NAMES[level]} (basis: {basis_text(m['basis'])})"
        within = ("what chance alone would give" if overdispersion is None else
                  f"limits widened for overdispersion ({overdispersion}): variation between areas beyond chance is allowed "
                  "for, so these limits are not what chance alone would give")
        if above or below:
            out["summary"] = (f"{what}: of {len(rows)} area{'' if len(rows) == 1 else 's'}, {len(above)} {'is' if len(above) == 1 else 'are'} above the 99.8% limit"
                              + (f" ({_names(above)})" if above else "") + f" and {len(below)} below"
                              + (f" ({_names(below)})" if below else "") + f"; the rest are within {within}.")
        else:
            every = "the area is" if len(rows) == 1 else f"all {len(rows)} areas are"
            out["summary"] = f"{what}: {every} within {within}."
        if level == "pfa" and m["kind"] == "proportion" and not m.get("records"):
            out["caveats"].append(_totals_note(m, sum(n), national, len(figures), len(members),
                                               [e["area"] for e in excluded], (p, offence, outcome, edition, store)))
        outside = len(above) + len(below)
        if overdispersion is None and outside > max(2, 0.05 * len(rows)):
            out["caveats"].append(
                f"{outside} of {len(rows)} areas are outside the 99.8% limits, where chance alone would put about "
                f"{0.002 * len(rows):.1f}: the areas differ by more than chance (overdispersion), so being outside says little "
                "on its own; allowing for overdispersion (multiplicative or additive) widens the limits to take account of it.")
    else:
        out["caveats"].append(f"{m['name']} is not a proportion of one group of cases nor a rate per resident, so no funnel "
                              "limits are drawn: compare the figures with their numerators and denominators.")
    if sort == "value" and m["kind"] in SCALE:
        ranks = stats.rank_intervals([x["numerator"] for x in rows], [x["denominator"] for x in rows],
                                     poisson=m["kind"] != "proportion")
        order = sorted(range(len(rows)), key=lambda i: -rows[i]["value"])
        for pos, i in enumerate(order, 1):
            rows[i]["rank"], rows[i]["rank_low"], rows[i]["rank_high"] = pos, *ranks[i]
        rows = [rows[i] for i in order]
        out["caveats"].append("Sorted by value at your request: each rank comes with its 95% rank interval; areas whose intervals overlap cannot be told apart.")
    elif sort == "value":
        rows.sort(key=lambda x: -(x["value"] or 0))
    else:
        rows.sort(key=lambda x: x["area"]["name"])
    out["areas"] = rows
    from ..model.comparison import Comparison

    return Comparison.model_validate(out)


def _none_has(m: dict, level: str, p, refused: list, areas: int) -> NotAvailable:
    """No area has a figure: one sentence with the first area's reason and how many areas share it
    (an area's name aside, the areas' reasons are mostly one), each other reason once; the first
    error's alternatives and holder are kept as data, for each skin to word."""
    what = f"No {A.LEVEL_NAMES[level]} has {_lower_first(m['name'])} for {p}"
    if not refused:  # every area had a figure for part of the period only
        return NotAvailable(f"{what}: none has a figure for the whole period.").with_actions("allow_partial")
    names = sorted({a.name for a, _ in refused}, key=len, reverse=True)
    reasons: dict[str, list] = {}
    for area, err in refused:  # the same reason, whichever areas it names
        key = err.message
        for name in names:
            key = key.replace(name, "\0")
        reasons.setdefault(key, []).append((area, err))
    first = refused[0][1]
    text, *_ = reasons
    share = len(reasons[text])
    every = "all" if share == areas else f"{share} of the"
    msg = (f"{what}: {_lower_first(first.message).rstrip('.')}"
           + (f" (the same for {every} {areas} {A.LEVEL_NAMES[level]}s)." if share > 1 else "."))
    for other, hit in list(reasons.items())[1:]:
        msg += f" {hit[0][1].message.rstrip('.')}" + (f" (the same for {len(hit)} {A.LEVEL_NAMES[level]}s)." if len(hit) > 1 else ".")
    out = NotAvailable(msg, available=first.available, holder=first.holder)
    out.code, out.actions = first.code, first.actions
    return out


def _lower_first(text: str) -> str:
    """A sentence run on after a colon: its first word in lower case, unless an acronym (CPS)."""
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def _names(names: list[str]) -> str:
    """Area names in a list: the ONS's inverted names ("Bristol, City of") read as one name each."""
    return "; ".join(names) if any("," in n for n in names) else ", ".join(names)


def _limits_text(fun: dict, asked: str | None, kind: str = "proportion") -> str:
    if fun["method"] == "multiplicative":
        return f"95% and 99.8% limits inflated for overdispersion (phi = {fun['phi']:.2f} from Winsorised z-scores)."
    if fun["method"] == "additive":
        return f"95% and 99.8% limits with an additive random effect (tau² = {fun['tau2']:.2e} from Winsorised z-scores)."
    text = ("exact binomial 95% and 99.8% limits for each area's denominator (Spiegelhalter 2005)." if kind == "proportion" else
            "exact Poisson 95% and 99.8% limits for each area's population: offences counted against residents are "
            "Poisson counts (Spiegelhalter 2005).")
    if asked:
        text += f" No overdispersion was found (phi = {fun['phi']:.2f}), so no {asked} adjustment was made."
    return text


def _national(m: dict, level: str, p, offence, outcome, edition, store):
    """The England and Wales figure beside a comparison of force areas, or None."""
    if level != "pfa" or m["kind"] != "proportion":
        return None
    try:
        return metrics.measure(m["id"], area="England and Wales", period=p, offence=offence, outcome=outcome,
                               edition=edition, store=store)
    except JusticegapError:
        return None


def _held_by(m: dict, left_out: list[dict], ask) -> tuple[str, int | None]:
    """The areas left out, named as the data hold them (the CPS's one row "Metropolitan and City"
    for two forces), and what they hold together; the count is None when it cannot be told."""
    p, offence, outcome, edition, store = ask
    codes = [a["code"] for a in left_out]
    for code in dict.fromkeys(("+".join(codes), "+".join(sorted(codes)))):
        try:
            group = A.get(code)
            return group.name, metrics.measure(m["id"], area=group, period=p, offence=offence, outcome=outcome,
                                               edition=edition, store=store).denominator
        except JusticegapError:
            continue
    return " and ".join(a["name"] for a in left_out), None


def _totals_note(m: dict, compared: int, national, areas: int, of: int, left_out: list[dict], ask) -> str:
    """Why the comparison's total differs from England and Wales', as the data make it differ: British
    Transport Police only where the national figure counts them (Home Office data), and the areas
    left out (the CPS publishes the Metropolitan Police and the City of London as one row)."""
    unit = m["unit"]
    head = (f"The areas compared add up to {compared:,} {unit}: "
            + (f"the {areas} police force areas." if areas == of else f"{areas} of the {of} police force areas."))
    if national is None or national.denominator is None:
        return head
    whole = int(round(national.denominator))
    btp = {a.code for a in A.all_areas("btp")}
    reasons = []
    if any(c in btp for g in national.all_gathered for c in g.areas_used):
        reasons.append("British Transport Police, who police the railways rather than an area and so are not compared here")
    if left_out:
        names, held = _held_by(m, left_out, ask)
        count = f" ({held:,.0f} {unit}{' together' if len(left_out) > 1 else ''})" if held is not None else ""
        whose = "they have no complete figure of their own" if len(left_out) > 1 else "it has no complete figure of its own"
        reasons.append(f"{names}{count}, left out of the comparison because {whose}")
    if whole == compared:
        return head + f" The England and Wales figure is the same ({whole:,})."
    if not reasons:
        return head + f" The England and Wales figure is {whole:,}."
    return head + f" The England and Wales figure ({whole:,}) also counts " + " and ".join(reasons) + \
        ": that is why the two totals differ."
