"""Questions about what is loaded, asked by the answers, the population estimates and the pages.

Every SQL string of justicegap lives in this package: here, in :mod:`.facts` (the metrics' sums)
and in the store itself (schema, loads, editions). Callers ask in domain terms and get plain
Python values back.
"""

from __future__ import annotations

from datetime import date


from .facts import _marks


def coverage_spans(store) -> list[tuple[str, date, date]]:
    """(dataset, start, end) of every span any edition covers."""
    return store.con.execute("select distinct dataset, period_start, period_end from coverage").fetchall()


def dataset_spans(store, datasets) -> list[tuple[date, date]]:
    """Distinct (start, end) spans covered by any of ``datasets``."""
    return store.con.execute("select distinct period_start, period_end from coverage where dataset in (select unnest(?))",
                             [list(datasets)]).fetchall()


def latest_end(store, datasets=None) -> date | None:
    """The last day covered by ``datasets`` (any dataset when None)."""
    if datasets:
        return store.con.execute(f"select max(period_end) from coverage where dataset in ({_marks(len(datasets))})",
                                 list(datasets)).fetchall()[0][0]
    return store.con.execute("select max(period_end) from coverage").fetchall()[0][0]


def latest_span(store, datasets, measure: str) -> tuple[date, date] | None:
    """The latest (start, end) published for ``measure`` by any of ``datasets``."""
    row = store.con.execute(
        f"select period_start, period_end from coverage where dataset in ({_marks(len(datasets))}) and measure = ?"
        " order by period_end desc, period_start desc limit 1", [*datasets, measure]).fetchall()
    return row[0] if row else None


def code_counts(store, dataset: str, editions: list[str], codes: list[str], areas: list[str], spans,
                measure: str = "recorded", except_outcomes=()) -> dict[str, float]:
    """Offences per offence code over these editions, areas and spans, of ``measure`` (sub-code
    outcomes such as 1A left out: they are inside their parents). Codes with no rows are absent
    from the answer: not published, not zero."""
    cond = " or ".join("(period_start = ? and period_end = ?)" for _ in spans)
    subs = list(except_outcomes) or [""]
    params = [dataset, measure, *editions, *codes, *areas, *subs]
    for s, e in spans:
        params += [s, e]
    return {k: float(v) for k, v in store.con.execute(
        f"select offence, sum(value) from facts where dataset = ? and measure = ?"
        f" and edition in ({_marks(len(editions))}) and offence in ({_marks(len(codes))})"
        f" and area in ({_marks(len(areas))}) and coalesce(outcome, '') not in ({_marks(len(subs))})"
        f" and ({cond}) group by offence having sum(value) is not null", params).fetchall()}


def defendants_by_sex_age(store, edition: str, start: date, end: date, offences: list[str], area: str | None):
    """(measure, sex, age, defendants) from one MoJ Outcomes by Offence edition; unstated sex or age
    reads 'not stated'."""
    sql = (f"select measure, coalesce(sex, 'not stated'), coalesce(age, 'not stated'), sum(value) from facts where dataset = 'moj_outcomes'"
           f" and edition = ? and period_start >= ? and period_end <= ? and offence in ({_marks(len(offences))})")
    params: list = [edition, start, end, *offences]
    if area:
        sql += " and area = ?"
        params.append(area)
    return store.con.execute(sql + " group by all order by 1, 2, 3", params).fetchall()


# --- geography --------------------------------------------------------------------------------

def newest_boundaries(store, level: str) -> str | None:
    """The newest edition holding boundaries of ``level``."""
    row = store.con.execute(
        "select b.edition from boundaries b join editions e using (edition) where b.level = ?"
        " order by coalesce(e.published, cast(e.loaded_at as date)) desc, e.loaded_at desc limit 1", [level]).fetchone()
    return row[0] if row else None


def boundary_rows(store, edition: str, level: str) -> list[tuple[str, str, str, str]]:
    """(code, name, level, GeoJSON geometry text) of one edition's boundaries."""
    return store.con.execute("select code, name, level, geometry from boundaries where edition = ? and level = ? order by code",
                             [edition, level]).fetchall()
