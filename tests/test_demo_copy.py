"""The tests' copy of the demo (tests/demo.py) is the demo: copied in later the same day it holds every
row as built, with the files they name and the jobs that wait for the commit; on another day, or on a
database that is not empty, the demo is built afresh."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine
from sqlalchemy import select

from consult.auth.models import User
from consult.consultations.models import Consultation
from consult.core.storage import delete_stored, read_stored
from consult.extensions import db
from tests.conftest import empty_database, make_org
from tests.demo import load_demo

BUILT_AT = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)


def _rows() -> dict[str, list[dict]]:
    db.session.flush()
    return {table.name: [dict(row) for row in db.session.execute(select(table).order_by(*table.primary_key))
                         .mappings()] for table in db.metadata.sorted_tables}


def _pending_jobs() -> list:
    return [(key, func, tuple(getattr(arg, "row", arg).id if hasattr(arg, "row") else arg for arg in args))
            for key in sorted(db.session.info) if key.startswith("consult_new_") for func, args in db.session.info[key]]


def _start_again() -> None:
    db.session.rollback()
    empty_database()


def test_the_demo_copied_in_later_that_day_is_the_demo_as_built(app):
    with time_machine.travel(BUILT_AT, tick=False):
        users = load_demo()  # a day no copy was made on: built
        built, built_jobs = _rows(), _pending_jobs()
    (stored,) = [row["stored_name"] for row in built["document_versions"]]
    _start_again()
    delete_stored(stored)

    with time_machine.travel(BUILT_AT + timedelta(hours=13), tick=False):  # 22:30 in the Netherlands
        copied_users = load_demo()
        copied, copied_jobs = _rows(), _pending_jobs()

    assert sum(len(rows) for rows in built.values()) > 900
    assert copied == built
    # The audit trail's seal and the published report's files, each in three formats and two languages.
    assert [(key, func.__qualname__) for key, func, _args in built_jobs] == [
        ("consult_new_jobs", "seal_events")] + [("consult_new_jobs", "render_report_file")] * 6
    assert copied_jobs == built_jobs
    assert read_stored(stored).startswith(b"%PDF")
    assert {name: (user.id, user.email) for name, user in copied_users.items()} == {
        name: (user.id, user.email) for name, user in users.items()}
    db.session.commit()  # the foreign keys hold once every row is in
    assert db.session.scalar(select(Consultation.title).where(Consultation.id == 1))


def test_the_next_day_or_on_rows_of_a_test_the_demo_is_built_afresh(app):
    def password_hash() -> str:  # salted anew each time the demo is built
        return db.session.scalar(select(User.password_hash).where(User.email == "team@example.org"))

    with time_machine.travel(BUILT_AT, tick=False):
        load_demo()
        first = password_hash()
        _start_again()
        load_demo()
        assert password_hash() == first  # copied
        _start_again()
    with time_machine.travel(BUILT_AT + timedelta(days=1), tick=False):
        load_demo()
        next_day = password_hash()
        assert next_day != first
        _start_again()
        make_org("Eigen Zorg BV", kvk="12345678")
        users = load_demo()
        assert password_hash() not in (first, next_day)
        assert users["team"].email == "team@example.org"
