"""A stamp of the data: what documents built from the data (the team's live report) are kept by.

Every committed transaction that wrote to a table documents may read appends one row to
``data_changes``; the stamp is that table's row count and highest id, read in one statement. A
document stored with the stamp it was built at is still current while the stamp is the same.

Why a count as well as the highest id: ids are handed out when rows are inserted, not when they
commit, so a transaction that took a lower id can commit after one with a higher id. The highest
id then stays the same, but the count grows. Rows are never deleted, so (count, highest id) only
ever changes forward (``compact``, nightly, keeps it so while emptying the table).

Writes are seen where every one of them passes, at the database connection: each statement that
inserts, updates or deletes marks the connection's transaction, and committing a marked
transaction appends the row in the same transaction (so the stamp and the data it stands for
commit together). Writes to the tables in ``IGNORED_TABLES`` (the log of what happened, the mail
queue, the answers a provider is still drafting) and updates that only set the columns in
``IGNORED_COLUMNS`` leave the stamp alone, so that autosaves, logins and audited page views do not
make every stored document stale. A table is ignored only if no document reads it; the report's
reads are checked against this list by tests/test_report_model.py. Anything not listed counts,
so a new table is safe by default.
"""
from __future__ import annotations

import hashlib
import re
from functools import cache
from importlib.metadata import version
from pathlib import Path

import babel
from flask import current_app
from sqlalchemy import delete, event, func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, mapped_column

from consult.extensions import db

TABLE = "data_changes"

# Written often, read by no document built from the data.
IGNORED_TABLES = frozenset({
    TABLE, "report_models", "report_files", "export_jobs",
    "audit_events", "audit_chain_head", "login_attempts", "account_tokens", "recovery_codes", "visits",
    "notifications", "notification_preferences", "outbound_mail", "thread_follows",
    "answers",  # a response being drafted; what is submitted is in submissions and submitted_answers
    "alembic_version",  # which migration ran (what a migration changes in the data counts)
})
# A migration's copy of a table it changes on SQLite (the same rows, renamed back afterwards).
COPIED_TABLE_PREFIX = "_alembic_tmp_"
# Updates that set only these columns leave the stamp alone.
IGNORED_COLUMNS = {
    "responses": frozenset({"updated_at", "updated_by_id"}),  # raised by answers' saves
    # What a login, a two-step code and the lockout's warning write.
    "users": frozenset({"last_login_at", "totp_last_counter", "guessing_warned_at"}),
}

# Statements by their first word: reads and transaction control change nothing; INSERT, UPDATE,
# DELETE and REPLACE name the table they write at the start; a WITH may hold a write anywhere; any
# other statement (TRUNCATE, ALTER, MERGE, COPY, ...) counts as a change of everything.
_NO_CHANGE = frozenset({"SELECT", "SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT", "PRAGMA", "SET", "RESET",
                        "SHOW", "EXPLAIN", "CREATE", "VALUES", "LOCK", "ANALYZE", "VACUUM"})
_FIRST = re.compile(r"\s*(\w+)")
_WRITE = re.compile(r'^\s*(?:(INSERT|REPLACE)(?:\s+OR\s+\w+)?\s+INTO|(UPDATE)|(DELETE)\s+FROM)\s+"?(\w+)"?',
                    re.IGNORECASE)
_WRITE_IN_WITH = re.compile(r'\b(?:(INSERT|REPLACE)(?:\s+OR\s+\w+)?\s+INTO|(UPDATE)|(DELETE)\s+FROM)\s+"?(\w+)"?',
                            re.IGNORECASE)
_SET = re.compile(r'^\s*UPDATE\s+"?\w+"?\s+SET\s+(.*?)\s+(?:WHERE|RETURNING)\b', re.IGNORECASE | re.DOTALL)
_ASSIGNED = re.compile(r'(?:^|,)\s*"?(\w+)"?\s*=')
_SUBQUERY = re.compile(r"\bSELECT\b", re.IGNORECASE)
_MARK = "consult_data_changed"


class DataChange(db.Model):
    """One committed transaction that changed data documents are built from."""

    __tablename__ = TABLE
    # Ids are never handed out twice, also after every row was removed (SQLite would otherwise
    # start again from the highest id left).
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)


def changes_data(statement: str) -> bool:
    """Whether a statement may write to a table documents may read: anything not known to be a
    read, a write to an ignored table or an update of ignored columns only."""
    first = _FIRST.match(statement)
    verb = first.group(1).upper() if first else ""
    if verb in _NO_CHANGE:
        return False
    if verb == "WITH":
        writes = _WRITE_IN_WITH.findall(statement)
    elif verb in ("INSERT", "UPDATE", "DELETE", "REPLACE"):
        writes = _WRITE.findall(statement)
        if not writes:
            return True  # a form not understood: counted
    else:
        return True
    for *verbs, table in writes:
        table = table.lower()
        if table in IGNORED_TABLES or table.startswith(COPIED_TABLE_PREFIX):
            continue
        if not (len(writes) == 1 and "UPDATE" in (v.upper() for v in verbs) and _only_ignored(table, statement)):
            return True
    return False


def _only_ignored(table: str, statement: str) -> bool:
    """An UPDATE of ``table`` that sets only columns the stamp ignores (set by plain values: a
    subquery anywhere, or a form not understood, counts)."""
    ignored = IGNORED_COLUMNS.get(table)
    assigned = _SET.match(statement)
    if not ignored or assigned is None or _SUBQUERY.search(statement):
        return False
    columns = set(_ASSIGNED.findall(assigned.group(1)))
    return bool(columns) and columns <= ignored


def _forget(conn) -> None:
    # A connection lost mid-transaction (invalidated) is replaced, and its mark goes with it; asking
    # it for its info would raise instead of letting the rollback finish.
    if not conn.invalidated:
        conn.info.pop(_MARK, None)


@event.listens_for(Engine, "begin")
def _begin(conn) -> None:
    _forget(conn)


@event.listens_for(Engine, "after_cursor_execute")
def _written(conn, _cursor, statement, _parameters, _context, _executemany) -> None:
    if not conn.info.get(_MARK) and changes_data(statement):
        conn.info[_MARK] = True


@event.listens_for(Engine, "commit")
def _stamp(conn) -> None:
    """Append the change row in the transaction being committed, on the connection itself (the
    commit is under way, so not through SQLAlchemy). Before the table exists (during the
    migrations that precede it) there is nothing to stamp."""
    if conn.invalidated or not conn.info.pop(_MARK, None):
        return
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        if conn.dialect.name == "sqlite":
            cursor.execute(f"SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '{TABLE}'")
        else:
            cursor.execute(f"SELECT 1 WHERE to_regclass('{TABLE}') IS NOT NULL")
        if cursor.fetchone():
            cursor.execute(f"INSERT INTO {TABLE} DEFAULT VALUES")
    finally:
        cursor.close()


def forget_changes(conn) -> None:
    """What this connection's transaction wrote so far leaves no change row: for emptying every
    table at once (the tests between one test and the next), after which no kept document is left."""
    _forget(conn)


@event.listens_for(Engine, "rollback")
def _rolled_back(conn) -> None:
    _forget(conn)


def data_stamp() -> str:
    """The stamp of the data as this transaction sees it: read it before the data a document is
    built from, so the document is at least as new as its stamp."""
    count, highest = db.session.execute(select(func.count(), func.max(DataChange.id))).one()
    return f"{count}.{highest or 0}"


def compact() -> int:
    """Keep the table small (the stamp counts it): every row removed and one added, in the caller's
    transaction; returns the rows removed. The added row's id is higher than any before, so no stamp
    after this can equal one before it; until the next compaction rows are only added, so the count
    only grows. (Removing rows alone could bring back an earlier stamp: a transaction that took a
    lower id and commits later raises the count to what it was.)"""
    if db.session.get_bind().dialect.name == "postgresql":
        # Transactions still adding a row finish first, and none adds one until this commits: a row
        # with a lower id may not commit after the one added here.
        db.session.execute(text(f"LOCK TABLE {TABLE} IN EXCLUSIVE MODE"))
    highest = db.session.scalar(select(func.max(DataChange.id)))
    if highest is None:
        return 0
    removed = db.session.execute(delete(DataChange).where(DataChange.id <= highest)).rowcount
    db.session.add(DataChange())
    db.session.flush()
    return removed


# Settings that change what a document built from the same data says.
DOCUMENT_SETTINGS = ("ANALYSIS_MIN_GROUP", "ANALYSIS_DOMINANCE", "BABEL_DEFAULT_TIMEZONE", "BABEL_DEFAULT_LOCALE")


def code_stamp() -> str:
    """The code, the translations, the settings and the date and number formats documents are
    built with: a stored document built by an earlier release or under other settings is not reused."""
    settings = repr([current_app.config.get(name) for name in DOCUMENT_SETTINGS])
    return f"{_source_stamp()}-{hashlib.sha256(settings.encode()).hexdigest()[:8]}"


@cache
def _source_stamp() -> str:
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256(f"babel {babel.__version__} flask-babel {version('flask-babel')}".encode())
    for path in sorted([*root.rglob("*.py"), *root.rglob("*.mo")]):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
