"""Migrations: an empty database goes up to head and back down to base, and head matches the models."""
from __future__ import annotations

import os
import warnings
from contextlib import contextmanager

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from consult.demo import load_demo
from consult.extensions import db, in_models
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
    with db.engine.connect() as conn, warnings.catch_warnings():
        # The full-text index of posts is PostgreSQL's alone (an expression SQLite cannot reflect);
        # on PostgreSQL it is compared like every other index.
        warnings.filterwarnings("ignore", "autogenerate skipping metadata-specified expression-based index "
                                          "'ix_posts_body_search'; dialect 'sqlite'")
        # SQLite's trigram index of posts (0042) is kept by triggers, not by the models.
        diff = compare_metadata(MigrationContext.configure(conn, opts={"include_name": in_models}), db.metadata)
    assert diff == []
    downgrade(revision="base")
    assert set(inspect(db.engine).get_table_names()) == {"alembic_version"}


def version() -> str:
    with db.engine.connect() as conn:
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()


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


def test_a_run_that_fails_part_way_leaves_the_database_as_it_was(migration_app):
    """All migrations of one run are one transaction, DDL included (on SQLite begun by hand in
    migrations/env.py): when 0030 cannot make stored names unique, the seventeen migrations before
    it in the same run are undone too, and the version stays where it was."""
    upgrade()
    load_demo()
    db.session.commit()
    db.session.remove()
    downgrade(revision="0012")
    with db.engine.begin() as conn:
        consultation_id = conn.execute(text("SELECT min(id) FROM consultations")).scalar_one()
        user_id = conn.execute(text("SELECT min(id) FROM users")).scalar_one()
        for _ in range(2):  # two exports stored under one name: 0030's unique constraint refuses them
            conn.execute(text("INSERT INTO export_jobs (consultation_id, user_id, variant, fmt, status, stored_name, "
                              "created_at) VALUES (:c, :u, 'team', 'csv', 'done', 'same', CURRENT_TIMESTAMP)"),
                         {"c": consultation_id, "u": user_id})
    tables_before = set(inspect(db.engine).get_table_names())
    with pytest.raises(Exception, match="(?i)unique"):
        upgrade()
    db.engine.dispose()
    assert version() == "0012"
    assert set(inspect(db.engine).get_table_names()) == tables_before  # no table of 0013-0029 stayed


@pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")), reason="PostgreSQL never holds a broken reference")
def test_a_broken_reference_that_was_there_before_does_not_stop_the_migrations(migration_app):
    """Only references the run itself breaks stop it: one a SQLite file already had (written while
    foreign keys were off) must not block every later upgrade."""
    upgrade()
    load_demo()
    db.session.commit()
    db.session.remove()
    head = version()
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        conn.commit()
        conn.execute(text("INSERT INTO advice_points (advice_id, position, title, body, version, reply) "
                          "SELECT 999, position + 100, title, body, version, reply FROM advice_points LIMIT 1"))
        conn.commit()
        conn.exec_driver_sql("PRAGMA foreign_keys=ON")
    downgrade(revision="0029")
    assert version() == "0029"
    upgrade()
    assert version() == head
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM advice_points WHERE advice_id = 999")).scalar_one() == 1


def test_the_search_index_of_sqlite_holds_the_posts_written_before_it(migration_app):
    """Migration 0042 builds SQLite's trigram index of posts from the posts already there; on
    PostgreSQL it does nothing (the GIN index of 0036 serves the search)."""
    upgrade()
    load_demo()
    db.session.commit()
    db.session.remove()
    downgrade(revision="0041")  # the posts stay; the index goes
    assert "posts_fts" not in set(inspect(db.engine).get_table_names())
    upgrade()
    tables = set(inspect(db.engine).get_table_names())
    if db.engine.dialect.name != "sqlite":
        assert "posts_fts" not in tables
        return
    with db.engine.connect() as conn:
        bodies = dict(conn.execute(text("SELECT id, body FROM posts WHERE length(body) >= 12")).all())
        # Fails (SQLITE_CORRUPT_VTAB) where the index and the posts differ.
        conn.execute(text("INSERT INTO posts_fts (posts_fts, rank) VALUES ('integrity-check', 1)"))
        for post_id, body in bodies.items():
            phrase = '"' + body[:12].replace('"', '""') + '"'
            found = conn.execute(text("SELECT rowid FROM posts_fts WHERE posts_fts MATCH :phrase"),
                                 {"phrase": phrase}).scalars().all()
            assert post_id in found, body
    assert len(bodies) > 20
