"""Migrations: an empty database goes up to head and back down to base, and head matches the models."""
from __future__ import annotations

import os
from contextlib import contextmanager

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from consult.demo import load_demo
from consult.extensions import db
from tests.conftest import build_app, new_postgresql_database


@contextmanager
def empty_database(tmp_path):
    """A brand-new database of the kind under test (SQLite file or PostgreSQL database)."""
    if not os.environ.get("TEST_DATABASE_URL"):
        yield f"sqlite:///{tmp_path}/migrations.db"
        return
    with new_postgresql_database("consult_mig") as url:
        yield url


@pytest.fixture
def migration_app(tmp_path):
    with empty_database(tmp_path) as url:
        app = build_app(tmp_path, SQLALCHEMY_DATABASE_URI=url)
        with app.app_context():
            yield app
            db.session.remove()
            db.engine.dispose()


def test_upgrade_to_head_then_downgrade_to_base(migration_app):
    upgrade()
    tables = set(inspect(db.engine).get_table_names())
    assert {"users", "organisations", "memberships", "invitations", "account_tokens",
            "login_attempts", "audit_events", "alembic_version"} <= tables
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert diff == []
    downgrade(revision="base")
    assert set(inspect(db.engine).get_table_names()) == {"alembic_version"}


def test_a_downgrade_and_upgrade_with_the_demo_loaded_keeps_every_row(migration_app):
    """On SQLite most column changes copy the table and drop the old one; with foreign keys on,
    that drop deleted every row that references the table (a whole consultation's input). The
    migrations run with them off and check every reference afterwards (migrations/env.py)."""
    upgrade()
    load_demo()
    db.session.commit()
    db.session.remove()

    def counts() -> dict[str, int]:
        with db.engine.connect() as conn:
            return {table: conn.execute(text(f'SELECT count(*) FROM "{table}"')).scalar_one()
                    for table in inspect(conn).get_table_names() if table != "alembic_version"}

    before = counts()
    assert before["answers"] > 100 and before["posts"] > 20 and before["advice_points"] > 0
    downgrade(revision="0012")  # before most of the later tables, through many column changes
    kept = set(counts())
    upgrade()
    after = counts()
    assert {table: after[table] for table in kept} == {table: before[table] for table in kept}
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA foreign_keys" if conn.dialect.name == "sqlite" else "SELECT 1")).scalar_one() == 1
