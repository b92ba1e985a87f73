"""Migrations: an empty database goes up to head and back down to base, and head matches the models."""
from __future__ import annotations

import os
from contextlib import contextmanager

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

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
