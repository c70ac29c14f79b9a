"""What a file must satisfy before it becomes an edition, beyond each cell being readable.

A cell-by-cell check (``fields``) cannot see a row given twice (its count would be added twice), a
negative count the publisher never uses, or a column the layout does not have (an archive that
expands implausibly is refused by ``limits`` before it is read). Each refusal names the file, row
and column; nothing is stored.
"""

from __future__ import annotations

from ..readers import header_key

KEY_COLUMNS = ("measure", "offence", "outcome", "area", "period_start", "period_end", "sex", "age", "ethnicity")

def unexpected_columns(values: list, used: dict[str, int], module) -> list[str]:
    """Header cells that are neither read nor among the publisher's known columns (``KNOWN``);
    only for sources whose layout lists every column."""
    known = getattr(module, "KNOWN", None)
    if known is None:
        return []
    taken = set(used.values())
    return [str(v).strip() for i, v in enumerate(values)
            if i not in taken and v not in (None, "") and header_key(v) not in known]


def _describe(frame, module, ctx, row: int) -> str:
    import polars as pl

    cols = [c for c in getattr(module, "KEY", ()) if c in frame.columns]
    if not cols:
        return ""
    vals = frame.filter(pl.col("_row") == row).select(cols).row(0)
    return " (" + ", ".join(f"{ctx.headers.get(c, c)} {v}" for c, v in zip(cols, vals)) + ")"


def validate(facts, frame, ctx, module):
    """``facts`` (with ``_row`` when the source gives it) checked against the publisher's layout:
    -> (facts without ``_row``, notes). Raises ``InputError`` naming the file, row and column."""
    import polars as pl

    from .fields import Warn

    notes = []
    has_row = "_row" in facts.columns
    count_col = next((c for c in ("count", "cohort", "closed") if c in ctx.headers), None)

    key = getattr(module, "KEY", None)
    dup = facts.filter(pl.struct(KEY_COLUMNS).is_duplicated()) if key else facts.clear()
    repeats = getattr(module, "REPEATED", None)  # keys the publisher itself gives on several rows
    if dup.height and repeats:
        dup = dup.filter(~repeats(pl.col("offence")))
    if dup.height:
        if has_row:
            first_key = dup.select(KEY_COLUMNS).row(0)
            rows = sorted(set(dup.filter(pl.all_horizontal(
                [pl.col(c).eq_missing(v) for c, v in zip(KEY_COLUMNS, first_key)])).get_column("_row").to_list()))
            raise ctx.error(f"this row repeats row {rows[0]}{_describe(frame, module, ctx, rows[0])}: the same key is given "
                            "twice, so its count would be added twice; the publisher gives each once", rows[1])
        key = dict(zip(KEY_COLUMNS, dup.select(KEY_COLUMNS).row(0)))
        raise ctx.error("the same figure is given twice (" + ", ".join(f"{k} {v}" for k, v in key.items() if v is not None)
                        + "), so it would be added twice")

    negative = pl.col("value") < 0
    n_neg = facts.select(negative.sum()).item()
    if n_neg:
        kind_ = getattr(module, "NEGATIVE", None)
        worst = facts.filter(negative).sort("value").row(0, named=True)
        where = worst.get("_row")
        if not kind_:
            raise ctx.error(f"'{worst['value']:g}' is negative; this publication has no negative counts", where, count_col)
        # an adjustment corrects what was counted before it: where the publisher's adjustments
        # stay within their series (NEGATIVE_BOUNDED), its running total in period order never
        # falls below zero (outcomes corrections reach back into earlier years' files, so can)
        series = [c for c in KEY_COLUMNS if c not in ("period_start", "period_end")]
        running = (facts.sort("period_start").with_columns(pl.col("value").cum_sum().over(series).alias("__run")))
        below = running.filter(pl.col("__run") < 0) if getattr(module, "NEGATIVE_BOUNDED", False) else running.clear()
        if below.height:
            bad = below.sort("__run").row(0, named=True)
            raise ctx.error(f"'{bad['value']:g}' takes the running total of this series below zero ({bad['__run']:g}): "
                            f"a negative count here adjusts counts published before it, never more than they add up to",
                            bad.get("_row"), count_col)
        flag = "negative_published"  # the flag the figures read (a sum it makes negative is no count)
        has = pl.col("flags").fill_null("").str.contains(flag, literal=True)
        facts = facts.with_columns(pl.when(negative & ~has).then(
            pl.when(pl.col("flags").is_null()).then(pl.lit(flag)).otherwise(pl.col("flags") + ";" + flag))
            .otherwise(pl.col("flags")).alias("flags"))
        notes.append(Warn(f"{n_neg} negative count(s) kept as published (the publisher's {kind_}s) and flagged '{flag}'; "
                          f"the most negative, {worst['value']:g}, is at row {where}"))
    return (facts.drop("_row") if has_row else facts), notes
