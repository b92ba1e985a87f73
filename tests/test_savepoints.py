"""A savepoint's writes commit or roll back with the transaction around it, on SQLite too
(consult.extensions: Python's sqlite3 would otherwise make a first savepoint the transaction)."""
from __future__ import annotations

from sqlalchemy import func, select

from consult.extensions import db
from consult.orgs.models import Organisation, OrgKind


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Organisation))


def test_a_released_savepoint_is_rolled_back_with_its_transaction(app):
    assert _count() == 0  # a read first: no transaction is open yet on SQLite
    with db.session.begin_nested():
        db.session.add(Organisation(kind=OrgKind.PROVIDER, name="Zorg Tijdelijk", kvk_number="12345678"))
    assert _count() == 1  # released, inside the transaction
    db.session.rollback()
    assert _count() == 0


def test_a_released_savepoint_commits_with_its_transaction(app):
    assert _count() == 0
    with db.session.begin_nested():
        db.session.add(Organisation(kind=OrgKind.PROVIDER, name="Zorg Blijvend", kvk_number="87654321"))
    db.session.commit()
    db.session.remove()
    assert _count() == 1
