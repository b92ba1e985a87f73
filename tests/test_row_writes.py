"""The two statements that write one row by its id (consult/core/db.py): a versioned update writes
only from its base version, both write at once and show the values on the object as loaded, and
changes still pending in the session are flushed before them (as an UPDATE of the ORM entity does),
except inside ``no_autoflush``."""
from __future__ import annotations

from sqlalchemy import text

from consult.consultations.models import Consultation, Status
from consult.core.db import update_if_version, write_columns
from consult.extensions import db


def _consultations(*slugs: str) -> list[Consultation]:
    made = [Consultation(slug=slug, title=slug.capitalize(), status=Status.DRAFT, principles=[]) for slug in slugs]
    db.session.add_all(made)
    db.session.commit()
    for consultation in made:
        db.session.refresh(consultation)  # loaded again now: no load (and so no flush) comes later
    return made


def _stored() -> list[tuple]:
    """The rows as the transaction sees them, read past the ORM (no flush)."""
    return [tuple(row) for row in db.session.connection().execute(
        text("SELECT slug, title, question_set_version FROM consultations ORDER BY slug"))]


def test_a_versioned_update_writes_from_its_base_only_after_the_pending_changes(app):
    wmo, jeugd = _consultations("wmo", "jeugd")
    jeugd.title = "Jeugdhulp"  # pending: not flushed yet

    assert update_if_version(wmo, 1, version="question_set_version", title="Wmo 2027") is True

    assert _stored() == [("jeugd", "Jeugdhulp", 1), ("wmo", "Wmo 2027", 2)]
    assert (wmo.title, wmo.question_set_version) == ("Wmo 2027", 2)
    assert wmo not in db.session.dirty
    assert update_if_version(wmo, 1, version="question_set_version", title="Too late") is False
    db.session.commit()
    assert _stored() == [("jeugd", "Jeugdhulp", 1), ("wmo", "Wmo 2027", 2)]


def test_a_versioned_update_in_no_autoflush_leaves_the_pending_changes_to_the_flush(app):
    wmo, jeugd = _consultations("wmo", "jeugd")
    jeugd.title = "Jeugdhulp"

    with db.session.no_autoflush:
        assert update_if_version(wmo, 1, version="question_set_version", title="Wmo 2027") is True
        assert _stored() == [("jeugd", "Jeugd", 1), ("wmo", "Wmo 2027", 2)]
    db.session.commit()
    assert _stored() == [("jeugd", "Jeugdhulp", 1), ("wmo", "Wmo 2027", 2)]


def test_writing_columns_by_id_writes_at_once_whatever_the_version(app):
    wmo, jeugd = _consultations("wmo", "jeugd")
    jeugd.title = "Jeugdhulp"

    write_columns(wmo, title="Wmo 2027", question_set_version=7)

    assert _stored() == [("jeugd", "Jeugdhulp", 1), ("wmo", "Wmo 2027", 7)]
    assert (wmo.title, wmo.question_set_version) == ("Wmo 2027", 7)
    assert wmo not in db.session.dirty
    db.session.rollback()
    assert _stored() == [("jeugd", "Jeugd", 1), ("wmo", "Wmo", 1)]
