"""Counting what a store holds, to show that a failed load changed nothing."""

DEFAULT = ("facts", "editions", "coverage")


def counts(store, tables=DEFAULT) -> tuple:
    return tuple(store.con.execute(f"select count(*) from {t}").fetchall()[0][0] for t in tables)
