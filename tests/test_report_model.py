"""The team's live report is kept as built until something it is made from changes
(consult.reports.report.current_report, consult.core.datastamp)."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import event, func, select, update

from consult.auth.models import User
from consult.consultations.models import Consultation, Status
from consult.core.datastamp import IGNORED_COLUMNS, IGNORED_TABLES, DataChange, changes_data, data_stamp
from consult.core.time import utcnow
from consult.extensions import db
from consult.reports.models import ReportModel
from consult.reports.report import StaleReportModel, build_report
from consult.responses.models import Publication, Response
from consult.responses.services import save_answer, set_publication
from tests.conftest import text_of
from tests.test_reports import world  # noqa: F401  (the fixture)

REPORT = "/consultations/wmo/report"


@pytest.mark.parametrize(("statement", "changes"), [
    ("SELECT * FROM responses", False),
    ("INSERT INTO submitted_answers (response_id) VALUES (?)", True),
    ("INSERT INTO answers (value) VALUES (?)", False),  # a provider still drafting
    ("UPDATE answers SET value=?, version=? WHERE answers.id = ? AND answers.version = ?", False),
    ("INSERT INTO audit_events (action) VALUES (%(action)s)", False),
    ("UPDATE responses SET updated_at=? WHERE responses.id = ?", False),  # an autosave's time of change
    ("UPDATE responses SET updated_at=%(updated_at)s, updated_by_id=%(id)s WHERE responses.id = %(pk)s", False),
    ("UPDATE responses SET publication=? WHERE responses.id = ?", True),
    ("UPDATE responses SET updated_at=?, status=? WHERE responses.id = ?", True),
    ('UPDATE "users" SET last_login_at=? WHERE "users".id = ?', False),
    ("UPDATE users SET name=? WHERE users.id = ?", True),
    ("DELETE FROM quotes WHERE quotes.id = ?", True),
    ("delete from notifications where id = 1", False),
    ("WITH gone AS (SELECT id FROM codings) DELETE FROM codings WHERE id IN (SELECT id FROM gone)", True),
    ("INSERT INTO outbound_mail (x) SELECT x FROM organisations", False),
    ("UPDATE alembic_version SET version_num='0036' WHERE alembic_version.version_num = '0035'", False),
    ("SELECT id FROM outbound_mail WHERE status = ? FOR UPDATE SKIP LOCKED", False),
    ("SAVEPOINT sa_savepoint_1", False),
    ("LOCK TABLE data_changes IN EXCLUSIVE MODE", False),
    ("UPDATE users SET totp_last_counter=? WHERE users.id = ?", False),  # a two-step login
    ("UPDATE responses SET updated_at=(SELECT max(updated_at) FROM answers), status=? WHERE id = ?", True),
    ("UPDATE responses SET (updated_at, status) = (?, ?) WHERE id = ?", True),
    ("INSERT OR REPLACE INTO quotes (id) VALUES (?)", True),
    ("REPLACE INTO quotes (id) VALUES (?)", True),
    ("TRUNCATE quotes", True),
    ("ALTER TABLE quotes ADD COLUMN x INTEGER", True),
    ("INSERT INTO _alembic_tmp_quotes (id, text) SELECT quotes.id, quotes.text FROM quotes", False),
])
def test_which_statements_change_the_data_documents_are_built_from(statement, changes):
    assert changes_data(statement) is changes


def test_the_stamp_moves_with_committed_changes_only(app, world):  # noqa: F811
    world["consultation"].status = Status.OPEN  # so that a provider can still change an answer
    db.session.commit()
    before = data_stamp()
    db.session.commit()
    assert data_stamp() == before  # nothing written
    response = world["responses"]["Zorg Genoemd"]
    db.session.execute(update(Response).where(Response.id == response.id).values(publication=Publication.NONE))
    db.session.rollback()
    assert data_stamp() == before  # rolled back
    response = db.session.get(Response, response.id)
    member = db.session.scalar(select(User).where(User.email == "11111111@example.org"))
    question = response.consultation.themes[0].questions[0]
    save_answer(response, question, "Nog een gedachte", False, None, by=member)
    db.session.commit()
    assert data_stamp() == before  # an answer being drafted is not in any document
    set_publication(response, Publication.ANONYMOUS, by=member)
    db.session.commit()
    count, highest = map(int, before.split("."))
    assert data_stamp() == f"{count + 1}.{highest + 1}"


def test_compacting_empties_the_change_rows_and_no_later_stamp_repeats_an_earlier_one(app, world):  # noqa: F811
    """The nightly compaction (scheduler job compact-data-stamp) leaves one row, with an id above
    every earlier one; the stamps before it, and after it as changes come in, are all different."""
    seen = [data_stamp()]
    runner = app.test_cli_runner()
    result = runner.invoke(args=["scheduler", "--once", "--job", "compact-data-stamp"])
    assert result.exit_code == 0, result.output
    count, highest = map(int, seen[0].split("."))
    assert f"removed {count} change row(s)" in result.output
    db.session.rollback()
    assert db.session.scalars(select(DataChange.id)).all() == [highest + 1]
    seen.append(data_stamp())
    for name in ("Zorg Eén", "Zorg Twee"):
        db.session.get(Response, world["responses"]["Zorg Genoemd"].id).organisation.name = name
        db.session.commit()
        seen.append(data_stamp())
    assert seen[1:] == [f"1.{highest + 1}", f"2.{highest + 2}", f"3.{highest + 3}"]
    assert len(set(seen)) == len(seen)


def test_the_compaction_and_retention_remove_kept_reports(app, world):  # noqa: F811
    """A kept report names the consultation's contact person: retention removes it with the rest,
    and the nightly compaction removes every kept report (their stamps do not come back)."""
    from consult.privacy.services import anonymise_consultation

    editor = world["editor"]
    kept = select(func.count()).select_from(ReportModel)
    editor.get(REPORT)
    assert db.session.scalar(kept) == 1
    result = app.test_cli_runner().invoke(args=["scheduler", "--once", "--job", "compact-data-stamp"])
    assert result.exit_code == 0, result.output
    db.session.rollback()
    assert db.session.scalar(kept) == 0
    editor.get(REPORT)
    assert db.session.scalar(kept) == 1
    anonymise_consultation(db.session.get(Consultation, world["consultation"].id), today=utcnow().date())
    db.session.commit()
    assert db.session.scalar(kept) == 0


def test_the_report_is_built_once_and_again_after_a_change(app, world):  # noqa: F811
    editor = world["editor"]
    assert "Zorg Genoemd" in text_of(editor.get(REPORT))
    stored = db.session.scalar(select(ReportModel))
    assert (stored.consultation_id, stored.language) == (world["consultation"].id, "nl")
    built, stamp = stored.built_at, stored.stamp
    assert "Zorg Genoemd" in text_of(editor.get(REPORT))  # shown again: not rebuilt
    db.session.expire_all()
    assert (db.session.scalar(select(ReportModel.built_at)), db.session.scalar(select(ReportModel.stamp))) \
        == (built, stamp)
    # The organisation changes its name: the next view is built anew with it.
    db.session.get(Response, world["responses"]["Zorg Genoemd"].id).organisation.name = "Zorg Hernoemd"
    db.session.commit()
    page = text_of(editor.get(REPORT))
    assert ("Zorg Genoemd" in page, "Zorg Hernoemd" in page) == (False, True)
    db.session.expire_all()
    assert db.session.scalar(select(ReportModel.stamp)) != stamp
    # Each language is kept on its own.
    db.session.scalar(select(User).where(User.email == "editor@example.org")).locale = "en"
    db.session.commit()
    english = text_of(editor.get(REPORT))
    assert "Consultation report" in english
    assert sorted(db.session.scalars(select(ReportModel.language))) == ["en", "nl"]


def test_a_stored_report_that_differs_from_a_new_build_fails_the_tests(app, world, caplog, monkeypatch):  # noqa: F811
    """The check the tests run on every stored report shown: a model kept past a change the stamp
    did not see is caught (here: the stored model altered under an unchanged stamp)."""
    editor = world["editor"]
    editor.get(REPORT)
    stored = db.session.scalar(select(ReportModel))
    stored.model = {**stored.model, "title": "Een ander verslag"}
    db.session.commit()
    assert editor.get(REPORT).status_code == 500
    assert [record.exc_info[0] for record in caplog.records if record.exc_info] == [StaleReportModel]
    monkeypatch.setitem(app.config, "REPORT_MODEL_CHECK", False)
    assert "Een ander verslag" in text_of(editor.get(REPORT))  # what the check guards against


def test_the_report_reads_no_table_the_stamp_ignores(app, demo):
    """Every statement the report runs over the demo (every consultation, every section) names no
    table whose writes leave the stamp alone, and no column an ignored update may set."""
    statements: list[str] = []

    def spy(_conn, _cursor, statement, *_args):
        statements.append(statement)
    event.listen(db.engine, "after_cursor_execute", spy)
    try:
        with app.test_request_context():
            for consultation in db.session.scalars(select(Consultation)):
                build_report(consultation)
    finally:
        event.remove(db.engine, "after_cursor_execute", spy)
    assert len(statements) > 50
    named = {table for statement in statements for table in IGNORED_TABLES
             if re.search(rf'(?<![\w"]){table}(?![\w"])|"{table}"', statement)}
    assert named == set()
    columns = {f"{table}.{column}" for statement in statements for table, ignored in IGNORED_COLUMNS.items()
               for column in ignored if f"{table}.{column}" in statement}
    assert columns == set()
