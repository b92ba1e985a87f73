"""Extension singletons, created unbound and initialised by create_app()."""
from __future__ import annotations

import sqlite3

from flask_babel import Babel
from flask_htmx import HTMX
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names make Alembic migrations work alike on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


def in_models(name, type_, parent_names) -> bool:
    """Whether autogenerate compares this object with the models: not the tables SQLite's full-text
    search keeps next to a table (``posts_fts`` and its shadow tables), which triggers fill."""
    return not (type_ == "table" and name is not None and ("_fts_" in name or name.endswith("_fts")))


migrate = Migrate(render_as_batch=True, compare_type=True, include_name=in_models)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
htmx = HTMX()


def _client_address() -> str:
    # The address as seen after ProxyFix (PROXY_COUNT): the one the limits are counted for.
    from flask import request

    return request.remote_addr or "unknown"


# Storage: Redis when REDIS_URL is set, memory otherwise (consult.core.limits.configure_limits).
# Limits are declared per route with consult.core.limits, never as defaults for every page.
limiter = Limiter(key_func=_client_address)


@event.listens_for(Engine, "savepoint")
def _sqlite_savepoint_inside_a_transaction(conn, _name) -> None:
    """Python's sqlite3 opens no transaction before a SAVEPOINT, so a savepoint that comes first
    would be the transaction itself, and releasing it would commit its writes even when the
    request then rolls back. A transaction is begun first, so they commit or roll back with it."""
    if conn.dialect.name == "sqlite":
        dbapi_connection = conn.connection.dbapi_connection
        if not dbapi_connection.in_transaction:
            dbapi_connection.execute("BEGIN")


def _lower(value):
    return value.lower() if isinstance(value, str) else value


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """WAL and a busy timeout let several workers share the embedded database."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        # SQLite's own lower() folds only A-Z: "É" stayed "É" where a search lowers the query with
        # Python ("é"). Lower-cased as Python (and PostgreSQL) do, a search ignores case in any letter.
        dbapi_connection.create_function("lower", 1, _lower, deterministic=True)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()
