"""Counting what a store holds, to show that a failed load changed nothing."""

DEFAULT = ("facts", "editions", "coverage")


def counts(store, tables=DEFAULT) -> tuple:
    return tuple(store.con.execute(f"select count(*) from {t}").fetchall()[0][0] for t in tables)


def load_fails(store, path, tables=DEFAULT):
    """Loading ``path`` raises an InputError and leaves the store exactly as it was; the error."""
    import pytest

    from justicegap import update
    from justicegap.errors import InputError

    before = counts(store, tables)
    with pytest.raises(InputError) as e:
        update.load_file(store, path)
    assert counts(store, tables) == before, "a failed load leaves the store as it was"
    return e.value
