"""What the metrics ask of the fact and coverage tables, in domain terms.

Two implementations answer the same questions. :class:`Facts` asks DuckDB each time: right for a
single figure. :class:`Prefetched` reads each (dataset, measure) coverage and each (dataset,
offence family) aggregate once and answers every later question from memory: a comparison of 43
forces, a ten-year report or a dashboard then costs a few queries instead of thousands. Both give
the same answers (``tests/test_store_facts.py`` checks one against the other, and
``tests/test_golden.py`` every figure both ways).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date


NEGATIVE_FIELDS = ("area", "period_start", "period_end", "offence", "outcome", "measure", "value")


def _marks(n: int) -> str:
    return ",".join("?" * n)


def _spans(pairs: list[tuple]) -> tuple[str, list]:
    """The chosen (edition, start, end) spans as an inline table to join on, and its parameters."""
    sql = "(values " + ", ".join("(?, cast(? as date), cast(? as date))" for _ in pairs) + ") s(edition, period_start, period_end)"
    return sql, [x for p in pairs for x in p]


class Facts:
    """Direct queries: one figure's worth of SQL."""

    def __init__(self, con):
        self.con = con
        self.queries = 0

    def _q(self, sql: str, params) -> list[tuple]:
        self.queries += 1
        return self.con.execute(sql, list(params)).fetchall()

    def spans(self, dataset: str, measure: str, start: date, end: date) -> list[tuple]:
        """(period start, period end, edition, published or loaded date, loaded at) of every span
        inside [start, end] that an edition covers."""
        return self._q(
            "select distinct c.period_start, c.period_end, c.edition, coalesce(e.published, cast(e.loaded_at as date)), e.loaded_at"
            " from coverage c join editions e using (edition) where c.dataset = ? and c.measure = ?"
            " and c.period_start >= ? and c.period_end <= ?", [dataset, measure, start, end])

    def editions_holding(self, dataset: str, measure: str, offences: list[str], start: date, end: date) -> set[str]:
        """Editions with at least one fact for these offences inside [start, end]."""
        return {r[0] for r in self._q(
            f"select distinct edition from facts where dataset = ? and measure = ? and offence in ({_marks(len(offences))})"
            " and period_start >= ? and period_end <= ?", [dataset, measure, *offences, start, end])}

    def areas_present(self, dataset: str, measure: str) -> set[str]:
        return {r[0] for r in self._q("select distinct area from coverage where dataset = ? and measure = ?", [dataset, measure])}

    def sums(self, dataset: str, terms, pairs: list[tuple], offences: list[str], codes: list[str],
             subcodes: list[str]) -> list[tuple]:
        """Per area and span: (area, start, end, sub-codes present, one sum per term or None).

        ``pairs`` are the (edition, start, end) chosen for each span; a term with ``outcomes`` None
        takes every outcome except the sub-codes (1A...), which are inside their parents."""
        span_sql, span_params = _spans(pairs)
        eds = sorted({p[0] for p in pairs})
        sums, params = [], [*subcodes]
        for t in terms:
            cond = f"measure in ({_marks(len(t.measures))})"
            params += list(t.measures)
            if t.outcomes is not None:
                cond += f" and outcome in ({_marks(len(t.outcomes))})"
                params += list(t.outcomes)
            else:
                cond += f" and coalesce(outcome, '') not in ({_marks(len(subcodes))})"
                params += subcodes
            sums.append(f"sum(value) filter (where {cond})")
        measures = sorted({m for t in terms for m in t.measures})
        return self._q(
            f"select area, f.period_start, f.period_end, list(distinct outcome) filter (where outcome in ({_marks(len(subcodes))})),"
            f" {', '.join(sums)}"
            f" from facts f join {span_sql} using (edition, period_start, period_end)"
            f" where f.dataset = ? and f.edition in ({_marks(len(eds))}) and f.measure in ({_marks(len(measures))})"
            f" and f.offence in ({_marks(len(offences))}) and f.area in ({_marks(len(codes))})"
            f" group by all",
            [*params, *span_params, dataset, *eds, *measures, *offences, *codes])

    def negatives(self, dataset: str, pairs: list[tuple], measures: list[str], offences: list[str],
                  codes: list[str]) -> list[dict]:
        """The published negative cells (a publisher's corrections) inside a figure's facts, as published."""
        span_sql, span_params = _spans(pairs)
        rows = self._q(
            f"select area, f.period_start, f.period_end, offence, outcome, measure, value"
            f" from facts f join {span_sql} using (edition, period_start, period_end)"
            f" where f.dataset = ? and f.measure in ({_marks(len(measures))}) and f.offence in ({_marks(len(offences))})"
            f" and f.area in ({_marks(len(codes))}) and value < 0 order by area, f.period_start, offence, outcome, measure",
            [*span_params, dataset, *measures, *offences, *codes])
        return [dict(zip(NEGATIVE_FIELDS, r)) for r in rows]

    def any_facts(self, dataset: str, editions: list[str], offences: list[str]) -> bool:
        return bool(self._q(
            f"select count(*) from facts where dataset = ? and edition in ({_marks(len(editions))})"
            f" and offence in ({_marks(len(offences))})", [dataset, *editions, *offences])[0][0])

    def covered(self, dataset: str, measure: str, pairs: list[tuple], codes: list[str]) -> list[tuple]:
        """(area, start, end) of each chosen (edition, span) that covers one of ``codes``."""
        span_sql, span_params = _spans(pairs)
        return self._q(
            f"select distinct c.area, c.period_start, c.period_end from coverage c join {span_sql} using (edition, period_start, period_end)"
            f" where c.dataset = ? and c.measure = ? and c.area in ({_marks(len(codes))})",
            [*span_params, dataset, measure, *codes])

    def a_measure(self, dataset: str) -> str | None:
        """One measure the dataset holds (to ask what periods it covers)."""
        return self._q("select any_value(measure) from coverage where dataset = ?", [dataset])[0][0]

    def offences_held(self, dataset: str) -> set[str]:
        return {r[0] for r in self._q("select distinct offence from facts where dataset = ?", [dataset])}

    def published_spans(self, dataset: str, measure: str, edition: str | None = None) -> list[tuple]:
        sql, params = "select distinct period_start, period_end from coverage where dataset = ? and measure = ?", [dataset, measure]
        if edition is not None:
            sql += " and edition = ?"
            params.append(edition)
        return self._q(sql, params)

    def overlapping_spans(self, dataset: str, measure: str, start: date, end: date, edition: str | None = None) -> list[tuple]:
        """Published spans that overlap [start, end] without lying inside it."""
        sql = ("select distinct period_start, period_end from coverage where dataset = ? and measure = ?"
               " and period_start <= ? and period_end >= ? and (period_start < ? or period_end > ?)")
        params: list = [dataset, measure, end, start, start, end]
        if edition is not None:
            sql += " and edition = ?"
            params.append(edition)
        return self._q(sql, params)


    # --- population estimates (rates per resident) ------------------------------------------

    def population_variants(self, dataset: str) -> list[tuple]:
        """(mid-year day, sex, has ages, edition, published or loaded date, loaded at) per estimate series."""
        return self._q(
            "select f.period_start, f.sex, bool_or(f.age is not null), f.edition,"
            " max(coalesce(e.published, cast(e.loaded_at as date))), max(e.loaded_at)"
            " from facts f join editions e using (edition)"
            " where f.dataset = ? and f.measure = 'population' group by f.period_start, f.sex, f.edition", [dataset])

    def population_areas(self, editions: tuple[str, ...], day: date) -> list[str]:
        return [r[0] for r in self._q(
            f"select distinct area from facts where edition in ({_marks(len(editions))}) and measure = 'population'"
            " and period_start = ?", [*editions, day])]

    def population_by_area(self, edition: str, day: date, sex: str | None, ages: tuple | None) -> dict[str, float]:
        """Each area's population in one estimate (of one sex, or none; of these ages, or all)."""
        cond = "sex is null" if sex is None else "sex = ?"
        params = [edition, day, *([] if sex is None else [sex])]
        age_cond = ""
        if ages:
            age_cond = f" and age in ({_marks(len(ages))})"
            params += list(ages)
        return dict(self._q(
            f"select area, sum(value) from facts where edition = ? and measure = 'population' and period_start = ?"
            f" and {cond}{age_cond} group by area", params))


class Prefetched(Facts):
    """The same answers from memory: each dataset's coverage and each offence family's facts
    (summed over its offence codes) are read once, on first use."""

    def __init__(self, con, memory: tuple[dict, dict] | None = None):
        super().__init__(con)
        # ``memory`` lets the connections of one server (one cursor per thread) share what is read
        self._coverage, self._facts = memory if memory is not None else ({}, {})

    @property
    def memory(self) -> tuple[dict, dict]:
        return self._coverage, self._facts

    def _cov(self, dataset: str, measure: str) -> list[tuple]:
        key = (dataset, measure)
        if key not in self._coverage:
            self._coverage[key] = self._q(
                "select c.area, c.period_start, c.period_end, c.edition, coalesce(e.published, cast(e.loaded_at as date)), e.loaded_at"
                " from coverage c join editions e using (edition) where c.dataset = ? and c.measure = ?", [dataset, measure])
        return self._coverage[key]

    def _agg(self, dataset: str, offences: list[str]) -> dict:
        """(edition, area, start, end) -> {(measure, outcome): summed value or None} for these offences."""
        key = (dataset, tuple(offences))
        if key not in self._facts:
            rows = self._q(
                f"select edition, area, period_start, period_end, measure, outcome, sum(value) from facts"
                f" where dataset = ? and offence in ({_marks(len(offences))}) group by all", [dataset, *offences])
            agg: dict = defaultdict(dict)
            for ed, area, s, e, measure, outcome, v in rows:
                agg[(ed, area, s, e)][(measure, outcome)] = v
            self._facts[key] = dict(agg)
        return self._facts[key]

    def once(self, key: tuple, make):
        """A value derived from what was read (or read once: the editions), computed once."""
        if key not in self._coverage:
            self._coverage[key] = make()
        return self._coverage[key]

    def population_variants(self, dataset):
        return self.once(("population_variants", dataset), lambda: Facts.population_variants(self, dataset))

    def population_areas(self, editions, day):
        return self.once(("population_areas", tuple(editions), day), lambda: Facts.population_areas(self, tuple(editions), day))

    def population_by_area(self, edition, day, sex, ages):
        key = ("population_by_area", edition, day, sex, tuple(ages) if ages else None)
        return self.once(key, lambda: Facts.population_by_area(self, edition, day, sex, ages))

    def spans(self, dataset, measure, start, end):
        distinct = self.once(("spans", dataset, measure), lambda: list(
            {(s, e, ed, when, loaded) for _a, s, e, ed, when, loaded in self._cov(dataset, measure)}))
        return [r for r in distinct if r[0] >= start and r[1] <= end]

    def editions_holding(self, dataset, measure, offences, start, end):
        def index():
            out: dict = defaultdict(set)
            for (ed, _a, s, e), cells in self._agg(dataset, offences).items():
                out[(ed, s, e)].update(m for m, _o in cells)
            return [(ed, s, e, frozenset(ms)) for (ed, s, e), ms in out.items()]
        held = self.once(("held", dataset, tuple(offences)), index)
        return {ed for ed, s, e, ms in held if s >= start and e <= end and measure in ms}

    def a_measure(self, dataset):
        return self.once(("a_measure", dataset), lambda: Facts.a_measure(self, dataset))

    def offences_held(self, dataset):
        return self.once(("offences", dataset), lambda: Facts.offences_held(self, dataset))

    def areas_present(self, dataset, measure):
        return self.once(("areas", dataset, measure), lambda: {r[0] for r in self._cov(dataset, measure)})

    def sums(self, dataset, terms, pairs, offences, codes, subcodes):
        agg = self._agg(dataset, offences)
        measures = {m for t in terms for m in t.measures}
        subs = set(subcodes)
        out = []
        for code in codes:
            for ed, s, e in pairs:
                cells = agg.get((ed, code, s, e))
                if not cells:
                    continue
                cells = {k: v for k, v in cells.items() if k[0] in measures}
                if not cells:
                    continue
                present = sorted({o for _m, o in cells if o in subs}) or None
                vals = []
                for t in terms:
                    picked = [v for (m, o), v in cells.items() if m in t.measures
                              and (o in t.outcomes if t.outcomes is not None else (o or "") not in subs)]
                    known = [v for v in picked if v is not None]
                    vals.append(sum(known) if known else None)
                out.append((code, s, e, present, *vals))
        return out

    def any_facts(self, dataset, editions, offences):
        eds = set(editions)
        return any(k[0] in eds for k in self._agg(dataset, offences))

    def covered(self, dataset, measure, pairs, codes):
        def index():
            out: dict = defaultdict(set)
            for a, s, e, ed, _w, _l in self._cov(dataset, measure):
                out[(ed, s, e)].add(a)
            return out
        by_span = self.once(("covered", dataset, measure), index)
        areas = set(codes)
        return list({(a, s, e) for ed, s, e in set(pairs) for a in by_span.get((ed, s, e), ()) if a in areas})

    def published_spans(self, dataset, measure, edition=None):
        return list({(s, e) for _a, s, e, ed, _w, _l in self._cov(dataset, measure) if edition is None or ed == edition})

    def overlapping_spans(self, dataset, measure, start, end, edition=None):
        return list({(s, e) for _a, s, e, ed, _w, _l in self._cov(dataset, measure)
                     if (edition is None or ed == edition) and s <= end and e >= start and (s < start or e > end)})

    def negatives(self, dataset, pairs, measures, offences, codes):
        key = ("negatives", dataset)
        if key not in self._coverage:  # the few published negative cells of a dataset, read once
            self._coverage[key] = self._q(
                "select edition, area, period_start, period_end, offence, outcome, measure, value from facts"
                " where dataset = ? and value < 0 order by area, period_start, offence, outcome, measure", [dataset])
        cells = self._coverage[key]
        spans, ms, offs, areas = set(pairs), set(measures), set(offences), set(codes)
        return [dict(zip(NEGATIVE_FIELDS, r[1:])) for r in cells
                if (r[0], r[2], r[3]) in spans and r[6] in ms and r[4] in offs and r[1] in areas]
