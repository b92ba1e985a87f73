"""Personal data (AVG/GDPR): the register covers every column that can hold it; people download
their data and have their account erased; retention anonymises consultations past their date."""
from __future__ import annotations

import json
import re
from datetime import date, timedelta

from sqlalchemy import func, select

from consult.audit.models import AuditEvent
from consult.audit.services import verify_chain
from consult.auth.models import LoginAttempt, User
from consult.consultations.models import Consultation, TeamMember
from consult.dialogue.models import Post, Thread
from consult.dialogue.services import create_thread
from consult.extensions import db
from consult.orgs.models import Membership
from consult.privacy.models import ErasureRequest, ErasureStatus
from consult.privacy.registry import (
    NOT_PERSONAL,
    PERSONAL_COLUMNS,
    PERSONAL_NAME_PATTERN,
    USER_LINKS,
    OnRetention,
)
from consult.privacy.services import consultation_scope
from consult.responses.models import Answer, Submission
from consult.responses.services import verify_receipt
from tests.conftest import PASSWORD, login, post_form, text_of
from tests.test_responses import autosave, fill_and_submit, start, world  # noqa: F401


def _user_foreign_keys() -> set[tuple[str, str]]:
    return {(t.name, c.name) for t in db.metadata.sorted_tables for c in t.columns
            if any(fk.column.table.name == "users" for fk in c.foreign_keys)}


def test_every_link_to_a_person_is_registered():
    found = _user_foreign_keys()
    assert sorted(found - USER_LINKS.keys()) == [], "register these in consult/privacy/registry.py"
    assert sorted(USER_LINKS.keys() - found) == [], "these registered columns no longer exist"


def test_every_column_that_looks_personal_is_registered():
    looks_personal = {(t.name, c.name) for t in db.metadata.sorted_tables for c in t.columns
                      if re.search(PERSONAL_NAME_PATTERN, c.name) and not c.foreign_keys}
    registered = PERSONAL_COLUMNS.keys() | NOT_PERSONAL.keys()
    assert sorted(looks_personal - registered) == [], "register these in consult/privacy/registry.py"
    existing = {(t.name, c.name) for t in db.metadata.sorted_tables for c in t.columns}
    assert sorted(registered - existing) == []


def test_every_consultation_link_can_be_detached_and_found():
    for (name, column), link in USER_LINKS.items():
        tbl = db.metadata.tables[name]
        if link.retention == OnRetention.DETACH:
            assert tbl.c[column].nullable, f"{name}.{column} must be nullable to be detached"
        if link.retention != OnRetention.ACCOUNT:
            assert consultation_scope(tbl, 1) is not None, f"{name} has no path to a consultation"


def _thread(world, user_key="a") -> Thread:
    thread = create_thread(world["consultation"], None, "Vervoer", "Hoe regelen we vervoer?",
                           by=world["users"][user_key])
    db.session.commit()
    return thread


def test_user_downloads_all_their_data_and_contributions(world):
    client = world["clients"]["a"]
    resp = start(client, world)
    autosave(client, resp, world["q"]["Wat werkt?"], "Korte lijnen.", 0)
    thread = _thread(world)
    response = client.get("/account/data.json")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith('attachment; filename="mijn-gegevens-')
    data = json.loads(response.get_data(as_text=True))
    assert data["profile"]["email"] == "a@example.org" and data["profile"]["name"] == "Anna A"
    assert "password_hash" not in data["profile"] and "session_token" not in data["profile"]
    records = data["records"]
    assert [p["body"] for p in records["posts"]["author_id"]] == ["Hoe regelen we vervoer?"]
    assert [t["id"] for t in records["threads"]["author_id"]] == [thread.id]
    assert [a["value"] for a in records["answers"]["updated_by_id"]] == ["Korte lijnen."]
    assert [m["organisation_id"] for m in records["memberships"]["user_id"]] == [world["orgs"]["a"].id]
    assert {a["email"] for a in records["login_attempts"]["email"]} == {"a@example.org"}
    assert "personal_data_exported" in [a["action"] for a in records["audit_events"]["actor_id"]] or \
        db.session.scalar(select(AuditEvent).where(AuditEvent.action == "personal_data_exported"))


def test_erasure_needs_a_tick_and_keeps_the_page(world):
    client = world["clients"]["a"]
    response = post_form(client, "/account/delete", {}, csrf_from="/account/delete")
    assert response.status_code == 200
    assert "Vink het vakje aan" in text_of(response)
    assert db.session.scalar(select(func.count()).select_from(ErasureRequest)) == 0


def test_erasure_removes_the_person_and_keeps_the_organisations_input(world, admin_client):
    client = world["clients"]["a"]
    user = world["users"]["a"]
    resp = start(client, world)
    assert fill_and_submit(client, resp, world).status_code == 302
    submission = db.session.scalar(select(Submission))
    thread = _thread(world)
    asked = post_form(client, "/account/delete", {"understood": "y"}, csrf_from="/account/delete")
    assert asked.status_code == 302
    assert "U hebt op" in text_of(client.get("/account/delete"))
    found = db.session.scalar(select(ErasureRequest))
    assert found.status == ErasureStatus.PENDING
    listing = text_of(admin_client.get("/admin/erasure"))
    assert "Anna A" in listing and "a@example.org" in listing
    done = post_form(admin_client, f"/admin/erasure/{found.id}/confirm", csrf_from="/admin/erasure")
    assert done.status_code == 302
    db.session.expire_all()
    erased = db.session.get(User, user.id)
    assert erased.email == f"erased-{user.id}@erased.invalid" and erased.password_hash is None
    assert erased.active is False and erased.erased_at is not None
    assert db.session.scalar(select(func.count()).select_from(Membership)
                             .where(Membership.user_id == user.id)) == 0
    assert db.session.scalar(select(func.count()).select_from(LoginAttempt)
                             .where(LoginAttempt.email == "a@example.org")) == 0
    # The old session ended and the old password no longer works.
    assert client.get("/account").status_code == 302
    fresh = world["clients"]["anonymous"]
    assert "niet juist" in text_of(login(fresh, "a@example.org", PASSWORD))
    # The post stays, signed by a deleted user; the submission and its receipt stay valid.
    page = text_of(world["clients"]["a2"].get(f"/discussion/{thread.id}"))
    assert "Verwijderde gebruiker" in page and "Anna A" not in page
    assert db.session.scalar(select(func.count()).select_from(Post)) == 1
    assert verify_receipt(submission.receipt_code).status == "valid"
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user_erased")).actor_id \
        == admin_client.user.id
    assert verify_chain().ok


def test_admins_decide_on_others_requests_only(world, admin_client):
    admin = admin_client.user
    post_form(admin_client, "/account/delete", {"understood": "y"}, csrf_from="/account/delete")
    found = db.session.scalar(select(ErasureRequest))
    response = post_form(admin_client, f"/admin/erasure/{found.id}/confirm", csrf_from="/admin/erasure",
                         follow_redirects=True)
    assert "Een andere beheerder" in text_of(response)
    db.session.expire_all()
    assert db.session.get(User, admin.id).erased_at is None
    assert world["clients"]["b"].get("/admin/erasure").status_code == 403
    withdrawn = post_form(admin_client, "/account/delete/cancel", csrf_from="/account/delete")
    assert withdrawn.status_code == 302
    db.session.expire_all()
    assert db.session.get(ErasureRequest, found.id).status == ErasureStatus.CANCELLED


def test_retention_anonymises_consultations_past_their_date_once(app, world):
    client = world["clients"]["a"]
    resp = start(client, world)
    assert fill_and_submit(client, resp, world).status_code == 302
    submission = db.session.scalar(select(Submission))
    _thread(world)
    consultation = world["consultation"]
    consultation.contact_name, consultation.contact_email = "Carla Contact", "carla@example.org"
    consultation.retention_until = date(2026, 1, 31)
    db.session.commit()
    runner = app.test_cli_runner()
    early = runner.invoke(args=["retention", "--today", "2026-01-31"])
    assert early.output.strip() == "Nothing to anonymise."
    result = runner.invoke(args=["retention", "--today", "2026-02-01"])
    assert result.exit_code == 0 and result.output.strip() == "Anonymised: wmo."
    db.session.expire_all()
    assert db.session.scalar(select(Post.author_id)) is None
    assert db.session.scalar(select(Thread.author_id)) is None
    assert set(db.session.scalars(select(Answer.updated_by_id))) == {None}
    assert db.session.scalar(select(Submission.submitted_by_id)) is None
    assert db.session.scalar(select(func.count()).select_from(TeamMember)
                             .where(TeamMember.consultation_id == consultation.id)) == 0
    stored = db.session.get(Consultation, consultation.id)
    assert (stored.contact_name, stored.contact_email, stored.anonymised_at is not None) == ("", "", True)
    # The other consultation and the people's accounts are untouched.
    assert db.session.scalar(select(func.count()).select_from(TeamMember)) == 1
    assert db.session.get(User, world["users"]["a"].id).name == "Anna A"
    assert verify_receipt(submission.receipt_code).status == "valid"
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "retention_applied")).all()
    assert len(events) == 1 and events[0].detail["retention_date"] == "2026-01-31"
    again = runner.invoke(args=["retention", "--today", "2026-03-01"])
    assert again.output.strip() == "Nothing to anonymise."
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "retention_applied")) == 1


def test_retention_date_defaults_to_the_procurement_end_plus_the_period(app, world):
    consultation = world["consultation"]
    consultation.procurement_ends_on = date(2028, 12, 31)
    db.session.commit()
    assert consultation.retention_date(app.config["RETENTION_YEARS"]) == date(2030, 12, 31)
    editor = world["clients"]["editor"]
    page = text_of(editor.get("/consultations/wmo/manage/retention"))
    assert "31 december 2030" in page
    saved = post_form(editor, "/consultations/wmo/manage/retention",
                      {"procurement_ends_on": "2028-12-31", "retention_until": "2031-06-30"},
                      csrf_from="/consultations/wmo/manage/retention")
    assert saved.status_code == 302
    db.session.expire_all()
    assert db.session.get(Consultation, consultation.id).retention_until == date(2031, 6, 30)
    assert world["clients"]["analyst"].get("/consultations/wmo/manage/retention").status_code == 403
    assert world["clients"]["a"].get("/consultations/wmo/manage/retention").status_code == 403
    bad = post_form(editor, "/consultations/wmo/manage/retention", {"retention_until": "31-31-2031"},
                    csrf_from="/consultations/wmo/manage/retention")
    assert bad.status_code == 200 and "31-31-2031" in bad.get_data(as_text=True)


def test_old_login_attempts_are_dropped_by_retention(app, world):
    from consult.core.time import utcnow

    db.session.add(LoginAttempt(email="x@example.org", ip="10.0.0.1", success=False,
                                created_at=utcnow() - timedelta(days=31)))
    db.session.commit()
    before = db.session.scalar(select(func.count()).select_from(LoginAttempt))
    app.test_cli_runner().invoke(args=["retention"])
    assert db.session.scalar(select(func.count()).select_from(LoginAttempt)) == before - 1
