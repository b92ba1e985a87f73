"""Column helpers shared by the feature models, and the two statements that keep concurrent
edits from overwriting each other (see "No write is ever lost" in the design)."""
from __future__ import annotations

from functools import cache

from sqlalchemy import Enum, bindparam, inspect, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm.attributes import set_committed_value

from consult.extensions import db


def str_enum(cls, length: int = 20) -> Enum:
    """A Python StrEnum stored as its value in a plain string column (no native DB enum, no
    CHECK constraint), so adding a member needs no schema change on SQLite or PostgreSQL."""
    return Enum(cls, native_enum=False, create_constraint=False, length=length,
                values_callable=lambda members: [member.value for member in members])


def insert_unless_exists(model, **values):
    """INSERT one row of ``model`` unless a row with the same unique key exists, in one
    statement (``ON CONFLICT DO NOTHING``). Returns the new object, persistent in the session, or
    None when the row was already there — also when another request inserted it at the same
    moment, so a race for the first save ends in a conflict the caller handles, never an
    IntegrityError."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return db.session.scalars(insert(model).values(**values).on_conflict_do_nothing().returning(model)).first()


@cache
def _update_by_id(model, names: tuple[str, ...], version: str | None = None):
    """The UPDATE of one row of ``model`` by its id (and, with ``version``, only while that column still
    holds the base version), built once per model and set of columns: building it cost an autosave
    more than running it. A statement on the table, not the ORM entity, so executing it skips the
    ORM's bulk-update steps (the session still flushes pending changes first, as for every statement it
    executes outside ``no_autoflush``); the values are bound per call (``_id``, ``_base``, ``_set_<name>``)."""
    mapper = inspect(model)
    columns = {name: mapper.columns[name] for name in (*names, "id", *([version] if version else []))}
    where = columns["id"] == bindparam("_id")
    if version:
        where = where & (columns[version] == bindparam("_base"))
    return mapper.local_table.update().where(where).values({columns[name]: bindparam(f"_set_{name}") for name in names})


def update_if_version(obj, base: int, *, version: str = "version", where=(), **values) -> bool:
    """Write ``values`` to ``obj``'s row and raise its version, but only while the version is still
    ``base`` (and every extra ``where`` holds): one conditional UPDATE whose row count proves that
    nobody saved in between. True when it was written; the object then shows the new values
    without a second UPDATE at flush. False when someone else saved first (nothing written)."""
    model = type(obj)
    values = {**values, version: base + 1}
    if where:
        statement = (update(model).where(model.id == obj.id, getattr(model, version) == base, *where)
                     .values(**values).execution_options(synchronize_session=False))
        result = db.session.execute(statement)
    else:
        result = db.session.execute(_update_by_id(model, tuple(values), version),
                                    {**_bound(values), "_id": obj.id, "_base": base})
    if result.rowcount != 1:
        return False
    for name, value in values.items():
        set_committed_value(obj, name, value)
    changed = set(values)
    for relationship in inspect(model).relationships:
        if {column.key for column in relationship.local_columns} & changed:
            db.session.expire(obj, [relationship.key])  # e.g. updated_by after updated_by_id
    return True


def write_columns(obj, **values) -> None:
    """Write ``values`` to ``obj``'s row at once, by one UPDATE of its primary key, and show them on
    the object as loaded: nothing is left for the flush (whose unit of work costs more than the
    statement). A plain UPDATE by id, as a flush would write: no version check, the last writer wins
    (for columns such as a time of change, not for text people edit)."""
    db.session.execute(_update_by_id(type(obj), tuple(values)), {**_bound(values), "_id": obj.id})
    for name, value in values.items():
        set_committed_value(obj, name, value)


def _bound(values: dict) -> dict:
    return {f"_set_{name}": value for name, value in values.items()}
