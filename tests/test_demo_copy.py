"""The tests' copy of the demo (tests/demo.py) is the demo: copied in soon after the build it holds every
row as built, with the files they name and the jobs that wait for the commit, and every foreign key
holds; a day later, more than an hour later, or on a database that is not empty, the demo is built
afresh."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import and_, func, select

from consult.core.jobs import pending_jobs
from consult.core.storage import delete_stored, read_stored
from consult.extensions import db
from tests import demo
from tests.conftest import empty_database, make_org

BUILT_AT = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)  # 9:30 in the Netherlands


@pytest.fixture
def builds(monkeypatch):
    """A fresh set of copies for the test, and the number of times the demo was built."""
    monkeypatch.setattr(demo, "_copies", {})
    counted = []
    build = demo.build_demo

    def counting_build():
        counted.append(1)
        return build()

    monkeypatch.setattr(demo, "build_demo", counting_build)
    return counted


def _rows() -> dict[str, list[dict]]:
    db.session.flush()
    return {table.name: [dict(row) for row in db.session.execute(select(table).order_by(*table.primary_key))
                         .mappings()] for table in db.metadata.sorted_tables}


def _dangling_references() -> dict[str, int]:
    """Per foreign key, the rows that name a row that is not there."""
    dangling = {}
    for table in db.metadata.sorted_tables:
        for key in table.foreign_key_constraints:
            parent = key.referred_table.alias()
            joined = and_(*(parent.c[element.column.name] == column for column, element
                            in zip(key.columns, key.elements, strict=True)))
            count = db.session.scalar(select(func.count()).select_from(table.outerjoin(parent, joined)).where(
                and_(*(column.isnot(None) for column in key.columns)),
                parent.c[key.elements[0].column.name].is_(None)))
            if count:
                dangling[f"{table.name}.{key.column_keys}"] = count
    return dangling


def _start_again() -> None:
    db.session.rollback()
    empty_database()


def _password_hash() -> str:  # salted anew each time the demo is built
    from consult.auth.models import User

    return db.session.scalar(select(User.password_hash).where(User.email == "team@example.org"))


def test_the_demo_copied_in_soon_after_is_the_demo_as_built(app, builds):
    with time_machine.travel(BUILT_AT, tick=False):
        users = demo.load_demo()
        built, built_jobs = _rows(), pending_jobs(db.session)
    (stored,) = [row["stored_name"] for row in built["document_versions"]]
    _start_again()
    delete_stored(stored)

    with time_machine.travel(BUILT_AT + timedelta(minutes=50), tick=False):
        copied_users = demo.load_demo()
        copied, copied_jobs = _rows(), pending_jobs(db.session)
        db.session.commit()  # SQLite checks the deferred foreign keys here

    assert len(builds) == 1
    assert sum(len(rows) for rows in built.values()) > 900
    assert copied == built
    # The audit trail's seal and the published report's files, each in three formats and two languages.
    assert [(key, job.__qualname__) for key, pending in built_jobs.items() for job, _args in pending] == [
        ("consult_new_jobs", "seal_events")] + [("consult_new_jobs", "render_report_file")] * 6
    # Each render job names one of the report files the build queued, every file once.
    assert sorted(args for pending in built_jobs.values() for job, args in pending
                  if job.__qualname__ == "render_report_file") == sorted((row["id"],) for row in built["report_files"])
    assert copied_jobs == built_jobs
    assert read_stored(stored).startswith(b"%PDF")
    assert {name: (user.id, user.email) for name, user in copied_users.items()} == {
        name: (user.id, user.email) for name, user in users.items()}
    assert _dangling_references() == {}
    references = sum(len(table.foreign_key_constraints) for table in db.metadata.sorted_tables)
    assert references > 100  # the check above looked at every one of them


def test_a_day_or_more_than_an_hour_later_or_on_rows_of_a_test_the_demo_is_built_afresh(app, builds):
    with time_machine.travel(BUILT_AT, tick=False):
        demo.load_demo()
        first = _password_hash()
        _start_again()
        demo.load_demo()
        assert (len(builds), _password_hash()) == (1, first)  # copied
        _start_again()
        make_org("Eigen Zorg BV", kvk="12345678")
        demo.load_demo()  # a database with rows of the test's own
        assert len(builds) == 2
        _start_again()
    with time_machine.travel(BUILT_AT + timedelta(minutes=59), tick=False):
        demo.load_demo()
        assert (len(builds), _password_hash()) == (2, first)  # the copy of the empty database, kept
        _start_again()
    with time_machine.travel(BUILT_AT + timedelta(minutes=61), tick=False):
        demo.load_demo()
        later = _password_hash()
        assert len(builds) == 3
        _start_again()
    with time_machine.travel(BUILT_AT + timedelta(minutes=30), tick=False):  # the clock moved back
        demo.load_demo()
        assert len(builds) == 4
        _start_again()
    with time_machine.travel(BUILT_AT + timedelta(days=1), tick=False):
        demo.load_demo()
        assert len(builds) == 5
        assert _password_hash() not in (first, later)
