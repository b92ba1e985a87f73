"""The audit trail: a hash chain that shows any change, append-only, and a viewer with filters
and a CSV export for admins and for a consultation's own team."""
from __future__ import annotations

import csv
import io
import threading
from datetime import timedelta
from itertools import pairwise

import pytest
from sqlalchemy import func, select, text

from consult.audit.models import AppendOnlyError, AuditChainHead, AuditEvent
from consult.audit.services import record_event, seal_events, verify_chain
from consult.consultations.models import Consultation, Status, TeamMember, TeamRole
from consult.core.jobs import run_committed_jobs
from consult.core.time import utcnow
from consult.extensions import db
from consult.orgs.models import OrgKind
from tests.conftest import build_app, login, make_org, make_user, text_of


def _events(n: int, **detail) -> list[AuditEvent]:
    """Write ``n`` events in one transaction, commit, and seal them (as the job after commit does)."""
    events = [record_event(f"action_{i}", **detail) for i in range(n)]
    db.session.commit()
    assert run_committed_jobs() == 1
    return events


def _tamper(sql: str, **params) -> None:
    """Change the table behind the application's back, as someone with database access could."""
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"))
        conn.execute(text(sql), params)
        if conn.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only"))


def test_events_form_a_chain_that_verifies(app):
    events = _events(5, note="x")
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]
    assert events[0].prev_hash == "0" * 64
    assert all(later.prev_hash == earlier.hash for earlier, later in pairwise(events))
    outcome = verify_chain()
    assert (outcome.ok, outcome.count) == (True, 5)
    head = db.session.get(AuditChainHead, 1)
    assert (head.seq, head.last_hash) == (5, events[-1].hash)


def test_an_event_is_sealed_by_a_job_after_its_commit(app):
    """Writing an event only inserts it; the chain is made after commit by one job per
    transaction, so an audited action holds no lock that another one waits for."""
    _events(1)
    first, second = record_event("one"), record_event("two")
    db.session.commit()
    assert (first.seq, first.hash, second.seq) == (None, None, None)
    assert db.session.scalar(select(func.count()).select_from(AuditChainHead)) == 1
    assert run_committed_jobs() == 1  # one sealing job for the transaction, not one per event
    db.session.expire_all()
    assert (first.seq, second.seq) == (2, 3)
    assert second.prev_hash == first.hash
    assert db.session.get(AuditChainHead, 1).seq == 3
    assert verify_chain().count == 3


def test_a_request_seals_its_events_before_the_next_request(app, client):
    make_user("a@example.org")
    login(client, "a@example.org")
    login_event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "login"))
    assert (login_event.seq, login_event.prev_hash) == (1, "0" * 64)
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.seq.is_(None))) == 0


def test_a_rolled_back_event_leaves_no_gap(app):
    _events(2)
    record_event("never_committed")
    db.session.rollback()
    third = _events(1)[0]
    assert third.seq == 3
    assert verify_chain().ok


def test_changed_content_is_found_and_named(app):
    events = _events(4)
    _tamper("UPDATE audit_events SET action = 'harmless' WHERE id = :id", id=events[2].id)
    outcome = verify_chain()
    assert outcome.ok is False
    assert outcome.broken_seq == 3
    assert "event 3" in outcome.message and "changed" in outcome.message


def test_a_deleted_event_is_found(app):
    events = _events(4)
    _tamper("DELETE FROM audit_events WHERE id = :id", id=events[1].id)
    outcome = verify_chain()
    assert (outcome.ok, outcome.broken_seq) == (False, 2)
    assert "event 2 is missing" in outcome.message


def test_deleting_the_newest_events_is_found(app):
    events = _events(3)
    _tamper("DELETE FROM audit_events WHERE id = :id", id=events[2].id)
    outcome = verify_chain()
    assert (outcome.ok, outcome.broken_seq) == (False, 3)


def test_a_rewritten_chain_without_the_hashes_matching_is_found(app):
    """Recomputing one event's own hash is not enough: the next event's link breaks."""
    from consult.audit.chain import digest_of

    events = _events(3)
    db.session.expire_all()
    second = db.session.get(AuditEvent, events[1].id)
    second.__dict__["action"] = "rewritten"  # compute a new hash for the forged content
    forged = digest_of(second)
    db.session.expire_all()
    _tamper("UPDATE audit_events SET action = 'rewritten', hash = :h WHERE id = :id", h=forged,
            id=events[1].id)
    outcome = verify_chain()
    assert (outcome.ok, outcome.broken_seq) == (False, 3)
    assert "does not link" in outcome.message


def test_the_application_cannot_change_or_delete_an_event(app):
    event = _events(1)[0]
    event.action = "other"
    with pytest.raises(AppendOnlyError):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEvent, event.id))
    with pytest.raises(AppendOnlyError):
        db.session.commit()
    db.session.rollback()
    assert verify_chain().ok


def test_postgresql_refuses_update_and_delete_in_the_database(app):
    """On PostgreSQL a trigger refuses; on the embedded SQLite the change goes through at the
    SQL level, and the chain shows it."""
    event = _events(1)[0]
    if db.engine.dialect.name != "postgresql":
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE audit_events SET action = 'x' WHERE id = :id"), {"id": event.id})
        assert verify_chain().broken_seq == 1
        return
    from sqlalchemy.exc import DBAPIError

    event_id = event.id
    db.session.rollback()  # end the test's own read, or TRUNCATE would wait for its lock
    for statement in ("UPDATE audit_events SET action = 'x' WHERE id = :id",
                      "UPDATE audit_events SET seq = 7 WHERE id = :id",
                      "DELETE FROM audit_events WHERE id = :id",
                      "TRUNCATE audit_events",
                      "TRUNCATE audit_events, users CASCADE"):
        with pytest.raises(DBAPIError, match="append-only"):
            with db.engine.begin() as conn:
                conn.execute(text(statement), {"id": event_id})
    # An event not sealed yet: the seal is the one change let through, and only on its own.
    waiting = record_event("waiting")
    db.session.commit()
    with pytest.raises(DBAPIError, match="append-only"):
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE audit_events SET action = 'x', seq = 2, prev_hash = 'a', "
                              "hash = 'b' WHERE id = :id"), {"id": waiting.id})
    assert verify_chain().ok


def test_concurrent_writers_keep_one_unbroken_chain(app):
    _events(1)
    failures = []

    def writer(n: int) -> None:
        with app.app_context():
            try:
                for i in range(15):
                    record_event(f"writer_{n}", i=i)
                    db.session.commit()
            except Exception as error:  # noqa: BLE001 - reported below
                failures.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    outcome = verify_chain()
    assert (outcome.ok, outcome.count) == (True, 46)


@pytest.fixture
def postgresql_app(tmp_path, postgresql_url):
    """The app on a brand-new PostgreSQL database (the test database's server, or the local one)."""
    app = build_app(tmp_path, SQLALCHEMY_DATABASE_URI=postgresql_url)
    with app.app_context():
        db.create_all()
        yield app
        db.session.remove()
        db.engine.dispose()


def test_two_audited_transactions_do_not_wait_for_each_other_on_postgresql(postgresql_app):
    """While one audited transaction is still open, another writes its event and commits at
    once (with the former head-row lock it waited until the first had committed; here a wait of
    more than two seconds fails the statement), and sealing it does not wait either."""
    app = postgresql_app
    first = record_event("slow_action")
    db.session.flush()  # written, not committed: the transaction stays open
    outcome = {}

    def second_transaction() -> None:
        with app.app_context():
            try:
                db.session.execute(text("SET lock_timeout = '2s'"))
                record_event("quick_action")
                db.session.commit()
                outcome["sealed"] = seal_events()
                db.session.execute(text("SET lock_timeout = '2s'"))
                outcome["seq"] = db.session.scalar(select(AuditEvent.seq).where(
                    AuditEvent.action == "quick_action"))
            except Exception as error:  # noqa: BLE001 - reported below
                outcome["error"] = error
            finally:
                db.session.remove()

    other = threading.Thread(target=second_transaction)
    other.start()
    other.join(timeout=10)
    assert not other.is_alive()
    assert outcome == {"sealed": 1, "seq": 1}  # committed and sealed while the first is open
    db.session.commit()
    assert first.seq is None
    verified = verify_chain()  # seals the late one after it
    assert (verified.ok, verified.count) == (True, 2)
    assert db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)).all() == [
        "quick_action", "slow_action"]


def test_audit_verify_command_reports_intact_and_broken(app):
    events = _events(3)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["audit-verify"])
    assert result.exit_code == 0
    assert "Audit trail intact: 3 events, chain intact" in result.output
    _tamper("UPDATE audit_events SET ip = '10.0.0.1' WHERE id = :id", id=events[0].id)
    result = runner.invoke(args=["audit-verify"])
    assert result.exit_code == 1
    assert "Audit trail broken: event 1 (id" in result.output


@pytest.fixture
def trail(app):
    """Events of two consultations and of the platform, by several people."""
    municipality = make_org("Gemeente Delft", kind=OrgKind.MUNICIPALITY)
    provider = make_org("Zorg A", kvk="11111111")
    ours = Consultation(slug="ours", title="Onze", status=Status.OPEN, municipalities=[municipality],
                        closes_at=utcnow() + timedelta(days=5), principles=[])
    theirs = Consultation(slug="theirs", title="Andere", status=Status.OPEN,
                          municipalities=[municipality], closes_at=utcnow() + timedelta(days=5),
                          principles=[])
    db.session.add_all([ours, theirs])
    db.session.commit()
    people = {
        "admin": make_user("admin@example.org", name="Ada Admin", admin=True),
        "editor": make_user("editor@example.org", name="Eva Editor", org=municipality),
        "other_editor": make_user("other@example.org", name="Otto Ander", org=municipality),
        "provider": make_user("zorg@example.org", name="Piet Zorg", org=provider),
    }
    db.session.add_all([TeamMember(consultation=ours, user=people["editor"], role=TeamRole.ANALYST),
                        TeamMember(consultation=theirs, user=people["other_editor"],
                                   role=TeamRole.EDITOR)])
    record_event("consultation_published", actor=people["editor"], obj=ours)
    record_event("deadline_extended", actor=people["editor"], obj=ours, until="2026-12-01")
    record_event("consultation_published", actor=people["other_editor"], obj=theirs)
    record_event("user_deactivated", actor=people["admin"], obj=people["provider"])
    db.session.commit()
    return {"ours": ours, "theirs": theirs, **people}


def _rows(response) -> list[list[str]]:
    body = response.get_data(as_text=True).lstrip("\ufeff")
    return list(csv.reader(io.StringIO(body), delimiter=";"))


def test_admin_sees_and_filters_the_whole_trail(app, client, trail):
    login(client, "admin@example.org")
    page = text_of(client.get("/admin/audit"))
    assert "5 gebeurtenissen gevonden" in page  # 4 + the login
    filtered = text_of(client.get("/admin/audit?action=consultation_published"))
    assert "2 gebeurtenissen gevonden" in filtered
    by_actor = text_of(client.get("/admin/audit?actor=eva"))
    assert "2 gebeurtenissen gevonden" in by_actor
    by_object = text_of(client.get(f"/admin/audit?object_type=User&object_id={trail['provider'].id}"))
    assert "1 gebeurtenis gevonden" in by_object
    today = utcnow().date()
    future = text_of(client.get(f"/admin/audit?from={today + timedelta(days=2)}"))
    assert "0 gebeurtenissen gevonden" in future
    period = text_of(client.get(f"/admin/audit?from={today - timedelta(days=1)}&to={today + timedelta(days=1)}"))
    assert "5 gebeurtenissen gevonden" in period


def test_a_bad_date_gets_a_clear_message_and_keeps_the_filter(app, client, trail):
    login(client, "admin@example.org")
    response = client.get("/admin/audit?actor=eva&from=31-02-2026")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Vul een geldige datum in" in page
    assert 'value="eva"' in page


def test_admin_exports_the_filtered_trail_as_csv_and_that_is_audited(app, client, trail):
    login(client, "admin@example.org")
    response = client.get("/admin/audit?action=consultation_published&format=csv", buffered=True)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith('attachment; filename="audit-platform-')
    rows = _rows(response)
    assert rows[0][:4] == ["Nummer", "Tijd", "Wie", "Actie"]
    assert sorted(r[2] for r in rows[1:]) == ["editor@example.org", "other@example.org"]
    assert all(r[3] == "consultation_published" for r in rows[1:])
    exported = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "audit_exported"))
    assert exported.detail == {"filters": {"action": "consultation_published"}}


def test_team_sees_only_its_own_consultations_events(app, client, trail):
    login(client, "editor@example.org")
    response = client.get("/consultations/ours/audit?format=csv", buffered=True)
    rows = _rows(response)
    # The export is itself an event of this consultation, written before the rows.
    assert sorted(r[3] for r in rows[1:]) == ["audit_exported", "consultation_published",
                                              "deadline_extended"]
    assert client.get("/consultations/theirs/audit").status_code == 403
    assert client.get("/admin/audit").status_code == 403
    page = text_of(client.get("/consultations/ours/audit"))
    assert "3 gebeurtenissen gevonden" in page


def test_providers_cannot_read_the_trail(app, client, trail):
    assert client.get("/admin/audit").status_code == 302
    login(client, "zorg@example.org")
    assert client.get("/admin/audit").status_code == 403
    assert client.get("/consultations/ours/audit").status_code == 403


def test_events_are_linked_to_their_consultation(app, trail):
    linked = db.session.scalars(select(AuditEvent.consultation_id)
                                .where(AuditEvent.action == "deadline_extended")).all()
    assert linked == [trail["ours"].id]
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.consultation_id.is_(None))) == 1
