"""Migration 0030 keeps the data: a council's advice document moves from the columns of ``advices``
into ``advice_files`` and back on downgrade, the advice's points stay (on SQLite too, where foreign
keys are on); finished exports keep their stored file's name and size."""
from __future__ import annotations

from datetime import date

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from consult.advice.models import Advice, AdviceFile, AdvicePoint, AdviceRequest
from consult.consultations.models import Consultation, Status
from consult.extensions import db
from consult.orgs.models import OrgKind
from consult.reports.models import ExportJob, ExportStatus
from tests.conftest import make_org, make_user
from tests.test_migrations import migration_app  # noqa: F401  (fixture)

STORED = "ab" * 20


def _columns(table: str) -> set[str]:
    return {column["name"] for column in inspect(db.engine).get_columns(table)}


def _rows(sql: str) -> list[tuple]:
    with db.engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text(sql))]


def _world() -> tuple[int, int, int]:
    """Two councils' advice, one with a document; one finished export. Their ids."""
    leiden = make_org("Gemeente Leiden", kind=OrgKind.MUNICIPALITY)
    raad, clientenraad = make_org("Adviesraad", kind=OrgKind.COUNCIL), make_org("Cliëntenraad", kind=OrgKind.COUNCIL)
    user = make_user("editor@example.org", org=leiden)
    consultation = Consultation(slug="wmo", title="Wmo", status=Status.OPEN, municipalities=[leiden], principles=[])
    request = AdviceRequest(consultation=consultation, question="Sluit het aan?", due_on=date(2027, 1, 15))
    with_file, without = Advice(request=request, council_id=raad.id), Advice(request=request, council_id=clientenraad.id)
    with_file.points.append(AdvicePoint(title="Betrek cliënten", position=1))
    with_file.file = AdviceFile(original_name="advies raad.pdf", stored_name=STORED, file_type="pdf", size=1234,
                                sha256="c" * 64)
    db.session.add_all([consultation, request, with_file, without])
    db.session.flush()
    job = ExportJob(consultation_id=consultation.id, user_id=user.id, variant="public", fmt="csv",
                    status=ExportStatus.DONE, stored_name="de" * 20, size=99, sha256="f" * 64)
    db.session.add(job)
    db.session.commit()
    ids = with_file.id, without.id, job.id
    db.session.remove()
    return ids


def test_advice_documents_and_exports_survive_a_downgrade_and_an_upgrade(migration_app):  # noqa: F811
    upgrade()
    with_file, without, job = _world()

    downgrade(revision="0029")
    assert "advice_files" not in inspect(db.engine).get_table_names()
    assert "sha256" not in _columns("export_jobs")
    assert _rows("SELECT id, file_name, file_stored_name, file_type, file_size, file_sha256 FROM advices ORDER BY id") == [
        (with_file, "advies raad.pdf", STORED, "pdf", 1234, "c" * 64),
        (without, None, None, None, None, None),
    ]
    assert _rows("SELECT id, stored_name, size FROM export_jobs") == [(job, "de" * 20, 99)]
    assert _rows("SELECT advice_id, title FROM advice_points") == [(with_file, "Betrek cliënten")]

    upgrade()
    assert not {"file_name", "file_stored_name", "file_type", "file_size", "file_sha256"} & _columns("advices")
    assert _rows("SELECT advice_id, original_name, stored_name, file_type, size, sha256 FROM advice_files") == [
        (with_file, "advies raad.pdf", STORED, "pdf", 1234, "c" * 64)]
    assert _rows("SELECT id, stored_name, size, sha256 FROM export_jobs") == [(job, "de" * 20, 99, None)]
    # The advice rows were altered in place, never copied: their points are all still there.
    assert _rows("SELECT advice_id, title FROM advice_points") == [(with_file, "Betrek cliënten")]
    found = db.session.get(Advice, with_file)
    assert (found.file.original_name, found.file.size, found.file.sha256) == ("advies raad.pdf", 1234, "c" * 64)
    assert db.session.get(Advice, without).file is None
