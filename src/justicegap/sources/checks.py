"""What a file must satisfy before it becomes an edition, beyond each cell being readable.

A cell-by-cell check (``fields``) cannot see a row given twice (its count would be added twice), a
count left empty (it would silently drop out of every sum), a negative count the publisher never
uses, or a column the layout does not have (an archive that expands implausibly is refused by
``limits`` before it is read). Every source declares what its publisher's layout allows and this
one checker verifies it, so no source can skip a check:

- ``KEY``: the columns that identify a row (those present in the file are used): a repeated key
  is refused, naming both rows; ``REPEATED(code)`` marks keys the publisher itself repeats;
- ``COUNTS``: the columns holding figures; an empty cell is refused (``COUNT_CELLS`` says when the
  publisher leaves one empty: ``"any"``, a row needs one of them; ``"all_or_none"``, a row with
  none is the publisher's blank row). Markers such as ``..`` or ``[x]`` are the publisher saying
  a figure is not available, not a missing cell;
- ``NEGATIVE``: the name of the publisher's negative counts (kept and flagged); without it a
  negative count is refused; ``NEGATIVE_BOUNDED``: they never take a series below zero;
- ``KNOWN``: the publisher's other columns, not read; any further column is reported;
- ``rows(frame, ctx)``: the data rows, where the table has footnotes or rows of other tables.

Each refusal names the file, row and column; nothing is stored.
"""

from __future__ import annotations

import re

from ..readers import header_key

KEY_COLUMNS = ("measure", "offence", "outcome", "area", "period_start", "period_end", "sex", "age", "ethnicity")
FLAG = "negative_published"  # the flag the figures read (a sum it makes negative is no count)


def _loose(text) -> str:
    """A header without its glued footnote digits ('Stalking and harassment5', 'fraud4)')."""
    key = header_key(text)
    return " ".join(re.sub(r"[\d,]", "", key).split()) or key


def unexpected_columns(values: list, used: dict[str, int], module) -> list[str]:
    """Header cells that are neither read nor among the publisher's known columns (``KNOWN``)."""
    known = {_loose(k) for k in module.KNOWN}
    taken = set(used.values())
    return [" ".join(str(v).split()) for i, v in enumerate(values)
            if i not in taken and v not in (None, "") and str(v).strip() and _loose(v) not in known]


def _present(frame, names) -> list[str]:
    return [c for c in names if c in frame.columns]


def _describe(frame, ctx, cols, row: int) -> str:
    import polars as pl

    vals = frame.filter(pl.col("_row") == row).select(cols).row(0)
    return " (" + ", ".join(f"{ctx.headers.get(c) or c} {v}" for c, v in zip(cols, vals) if v is not None) + ")"


def repeated_key(frame, ctx, cols, what: str = "row", skip=None) -> None:
    """Refuse a frame (with ``_row``) in which two rows share the values of ``cols`` (text compared
    without case or surrounding spaces); ``skip``: an expression for rows allowed to repeat."""
    import polars as pl

    if not cols or frame.height < 2:
        return
    norm = [pl.col(c).str.strip_chars().str.to_lowercase().str.replace_all(r"\s+", " ").alias(f"__k{i}")
            for i, c in enumerate(cols)]
    keyed = frame.with_columns(norm)
    if skip is not None:
        keyed = keyed.filter(~skip)
    knames = [f"__k{i}" for i in range(len(cols))]
    dup = keyed.filter(pl.struct(knames).is_duplicated())
    if not dup.height:
        return
    first = dup.sort("_row").row(0, named=True)
    rows = dup.filter(pl.all_horizontal([pl.col(k).eq_missing(first[k]) for k in knames])).get_column("_row").sort()
    raise ctx.error(f"this {what} repeats {what} {rows[0]}{_describe(frame, ctx, cols, rows[0])}: the same key is given "
                    "twice, so its count would be added twice; the publisher gives each once", rows[1])


def _numbers(frame, col):
    """A count column as floats where it reads as a number (other text is left to the source)."""
    import polars as pl

    return pl.col(col).str.strip_chars().str.replace_all(r"[,\u00a0 ]", "").cast(pl.Float64, strict=False)


def check_rows(frame, ctx, module) -> None:
    """The file's rows checked against the publisher's layout before they are read: the key given
    once, every count present, negative counts only where the publisher uses them."""
    import polars as pl

    rows = getattr(module, "rows", None)
    frame = rows(frame, ctx) if rows else frame
    if frame.height == 0:
        return
    repeats = getattr(module, "REPEATED", None)
    skip = repeats(pl.col("code").fill_null("")) if repeats and "code" in frame.columns else None
    repeated_key(frame, ctx, _present(frame, module.KEY), skip=skip)

    counts = _present(frame, module.COUNTS)
    if not counts:
        return
    empty = {c: pl.col(c).str.strip_chars().replace("", None).is_null() for c in counts}
    mode = getattr(module, "COUNT_CELLS", "all")
    if mode == "any":
        missing = pl.all_horizontal(list(empty.values()))
    elif mode == "all_or_none":
        missing = pl.any_horizontal(list(empty.values())) & ~pl.all_horizontal(list(empty.values()))
    else:
        missing = pl.any_horizontal(list(empty.values()))
    bad = frame.filter(missing)
    if bad.height:
        row = bad.row(0, named=True)
        col = next(c for c in counts if (row[c] or "").strip() == "")
        rule = {"any": "this table gives at least one count on every row",
                "all_or_none": "a row of this table gives all its counts or none"}.get(mode, "this table gives every count")
        last = " (the file's last row: is the file truncated?)" if row["_row"] == frame.get_column("_row").max() else ""
        raise ctx.error(f"the count is missing (empty){last}; {rule}, and a missing count is not a zero", row["_row"], col)
    if getattr(module, "NEGATIVE", None):
        return  # kept, flagged and bounded by ``validate`` once read
    for c in counts:
        neg = frame.filter(_numbers(frame, c) < 0)
        if neg.height:
            raise ctx.error(f"'{neg.get_column(c)[0].strip()}' is negative; this publication has no negative counts",
                            neg.get_column("_row")[0], c)


def validate(facts, frame, ctx, module):
    """``facts`` (with ``_row`` when the source gives it) checked against the publisher's layout:
    -> (facts without ``_row``, notes). Raises ``InputError`` naming the file, row and column."""
    import polars as pl

    from .fields import Warn

    notes = []
    has_row = "_row" in facts.columns
    counts = _present(frame, module.COUNTS)
    count_col = counts[0] if counts else None

    # the same figure from two rows whose key cells differ only in spelling ("Kent", "Kent Police")
    dup = facts.filter(pl.struct(KEY_COLUMNS).is_duplicated()) if has_row else facts.clear()
    repeats = getattr(module, "REPEATED", None)
    if dup.height and repeats:
        dup = dup.filter(~repeats(pl.col("offence")))
    if dup.height:
        first_key = dup.select(KEY_COLUMNS).row(0)
        rows = sorted(set(dup.filter(pl.all_horizontal(
            [pl.col(c).eq_missing(v) for c, v in zip(KEY_COLUMNS, first_key)])).get_column("_row").to_list()))
        cols = _present(frame, module.KEY)
        raise ctx.error(f"this row repeats row {rows[0]}{_describe(frame, ctx, cols, rows[0]) if cols else ''}: both "
                        "give the same figure, so its count would be added twice; the publisher gives each once",
                        rows[1])

    negative = pl.col("value") < 0
    n_neg = facts.select(negative.sum()).item() if facts.height else 0
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
        has = pl.col("flags").fill_null("").str.contains(FLAG, literal=True)
        facts = facts.with_columns(pl.when(negative & ~has).then(
            pl.when(pl.col("flags").is_null()).then(pl.lit(FLAG)).otherwise(pl.col("flags") + ";" + FLAG))
            .otherwise(pl.col("flags")).alias("flags"))
        notes.append(Warn(f"{n_neg} negative count(s) kept as published (the publisher's {kind_}s) and flagged '{FLAG}'"
                          + (f"; the most negative, {worst['value']:g}, is at row {where}" if where is not None else "")))
    return (facts.drop("_row") if has_row else facts), notes
