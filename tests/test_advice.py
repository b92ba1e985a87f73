"""Formal advice of advisory councils: private drafts, submission with receipt, reply per point,
publication to everyone at once; informal council comments."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from consult.advice.models import Advice, AdvicePoint, AdviceStatus, CouncilComment, Disposition
from consult.audit.models import AuditEvent
from consult.consultations.models import Consultation, Question, QuestionKind, Status, TeamRole, Theme
from consult.core.time import utcnow
from consult.extensions import db
from consult.notify.models import Kind, Notification
from consult.orgs.models import MemberRole, OrgKind
from tests.conftest import add_team, clients_for, make_org, make_user, post_form, text_of


@pytest.fixture
def world(app):
    leiden = make_org("Gemeente Leiden", kind=OrgKind.MUNICIPALITY)
    consultation = Consultation(slug="wmo", title="Wmo Leidse regio", status=Status.OPEN, municipalities=[leiden],
                                closes_at=utcnow() + timedelta(days=20), principles=[])
    theme = Theme(title="Toegang", position=0)
    theme.questions.append(Question(text="Hoe ervaren cliënten de toegang?", kind=QuestionKind.OPEN, position=0))
    consultation.themes.append(theme)
    db.session.add(consultation)
    db.session.commit()
    raad, clientenraad = make_org("Adviesraad Leiden", kind=OrgKind.COUNCIL), make_org("Cliëntenraad", kind=OrgKind.COUNCIL)
    provider_org = make_org("Zorg A", kvk="11111111")
    users = {
        "contact": make_user("contact@raad.example.org", name="Carla Contact", org=raad, role=MemberRole.CONTACT),
        "member": make_user("lid@raad.example.org", name="Lars Lid", org=raad),
        "other_council": make_user("c@clientenraad.example.org", name="Olga Ander", org=clientenraad,
                                   role=MemberRole.CONTACT),
        "provider": make_user("a@example.org", name="Anna Aanbieder", org=provider_org),
        "editor": make_user("editor@example.org", name="Eva Editor", org=leiden),
        "analyst": make_user("analyst@example.org", name="Ali Analist", org=leiden),
    }
    add_team(consultation, {users["editor"]: TeamRole.EDITOR, users["analyst"]: TeamRole.ANALYST})
    clients = clients_for(app, users)
    return {"consultation": consultation, "users": users, "clients": clients,
            "councils": {"raad": raad, "clientenraad": clientenraad}}


def request_advice(world, client=None, councils=("raad", "clientenraad")):
    data = {"question": "Sluiten de thema's aan bij wat inwoners nodig hebben?",
            "due_on": (utcnow() + timedelta(days=14)).date().isoformat(),
            "councils": [str(world["councils"][c].id) for c in councils]}
    return post_form(client or world["clients"]["editor"], "/consultations/wmo/advice", data)


def advice_of(world, council="raad") -> Advice:
    return db.session.scalar(select(Advice).where(Advice.council_id == world["councils"][council].id))


def add_point(client, advice, title="Betrek cliënten", body="Laat ervaringsdeskundigen meelezen."):
    return post_form(client, f"/advice/{advice.id}/points", {"title": title, "body": body})


def submitted_advice(world, points=2) -> Advice:
    request_advice(world)
    advice = advice_of(world)
    for n in range(points):
        assert add_point(world["clients"]["member"], advice, title=f"Punt {n + 1}").status_code == 302
    assert post_form(world["clients"]["contact"], f"/advice/{advice.id}/submit").status_code == 302
    db.session.refresh(advice)
    return advice


def reply_data(advice, dispositions, action="save"):
    data = {"reply_introduction": "Dank voor het advies.", "action": action}
    for point, (disposition, reason) in zip(advice.points, dispositions, strict=True):
        if disposition:
            data[f"disposition_{point.id}"] = disposition
        data[f"reply_{point.id}"] = reason
    return data


ROLES = ["anonymous", "provider", "contact", "analyst", "editor"]


@pytest.mark.parametrize("role,expected", list(zip(ROLES, [302, 403, 403, 403, 302], strict=True)))
def test_only_editors_request_advice(world, role, expected):
    assert request_advice(world, world["clients"][role]).status_code == expected
    assert db.session.scalar(select(func.count(Advice.id))) == (2 if expected == 302 and role == "editor" else 0)


def test_request_notifies_the_councils_and_validates(world):
    bad = post_form(world["clients"]["editor"], "/consultations/wmo/advice",
                    {"question": "  ", "due_on": "2020-01-01"})
    assert bad.status_code == 200
    text = text_of(bad)
    assert "Schrijf de vraag waarover de raden advies wordt gevraagd." in text and "Kies minstens één adviesraad." in text
    assert request_advice(world).status_code == 302
    notified = db.session.execute(select(Notification.user_id, Notification.kind, Notification.data["event"].as_string())
                                  .order_by(Notification.user_id)).all()
    users = world["users"]
    assert sorted(notified) == sorted([(users["contact"].id, Kind.ADVICE, "requested"),
                                       (users["member"].id, Kind.ADVICE, "requested"),
                                       (users["other_council"].id, Kind.ADVICE, "requested")])
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "advice_requested")) is not None


@pytest.mark.parametrize("role,expected", [("anonymous", 302), ("provider", 404), ("other_council", 404),
                                           ("analyst", 404), ("editor", 404), ("member", 200), ("contact", 200)])
def test_a_draft_is_private_to_its_council(world, role, expected):
    request_advice(world)
    advice = advice_of(world)
    add_point(world["clients"]["member"], advice, title="Geheim concept")
    page = world["clients"][role].get(f"/advice/{advice.id}")
    assert page.status_code == expected
    overview = world["clients"][role].get("/consultations/wmo/advice")
    assert "Geheim concept" not in overview.get_data(as_text=True)
    if role in ("provider", "other_council", "editor"):
        assert add_point(world["clients"][role], advice).status_code == 404


def test_members_draft_together_and_concurrent_edits_do_not_overwrite(world):
    request_advice(world)
    advice = advice_of(world)
    member, contact = world["clients"]["member"], world["clients"]["contact"]
    assert post_form(member, f"/advice/{advice.id}/introduction",
                     {"introduction": "Versie van Lars", "version": "1"}).status_code == 302
    conflict = post_form(contact, f"/advice/{advice.id}/introduction",
                         {"introduction": "Versie van Carla", "version": "1"})
    assert conflict.status_code == 409
    html = conflict.get_data(as_text=True)
    assert "Versie van Carla</textarea>" in html and "Versie van Lars" in html
    db.session.refresh(advice)
    assert advice.introduction == "Versie van Lars" and advice.version == 2
    add_point(member, advice, title="Een")
    add_point(contact, advice, title="Twee")
    first, second = db.session.scalars(select(AdvicePoint).order_by(AdvicePoint.position)).all()
    assert post_form(contact, f"/advice/points/{second.id}/move", {"direction": "up"}).status_code == 302
    db.session.expire_all()
    assert [p.title for p in advice_of(world).points] == ["Twee", "Een"]
    stale = post_form(member, f"/advice/points/{first.id}", {"title": "Een!", "body": "Nieuw", "version": "0"})
    assert stale.status_code == 409
    saved = post_form(member, f"/advice/points/{first.id}", {"title": "Een!", "body": "Nieuw", "version": "1"})
    assert saved.status_code == 302
    assert post_form(member, f"/advice/points/{second.id}/delete").status_code == 302
    db.session.expire_all()
    assert [(p.title, p.position) for p in advice_of(world).points] == [("Een!", 1)]


def test_attached_document(world, app):
    request_advice(world)
    advice = advice_of(world)
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    member = world["clients"]["member"]
    bad = post_form(member, f"/advice/{advice.id}/file", {"file": (io.BytesIO(b"MZ\x90\x00binary"), "advies.exe")},
                    content_type="multipart/form-data")
    assert bad.status_code == 200 and "Upload een PDF-, ODT- of DOCX-bestand." in text_of(bad)
    ok = post_form(member, f"/advice/{advice.id}/file", {"file": (io.BytesIO(pdf), "advies.pdf")},
                   content_type="multipart/form-data")
    assert ok.status_code == 302
    download = world["clients"]["contact"].get(f"/advice/{advice.id}/file")
    assert download.status_code == 200 and download.data == pdf
    download.close()
    assert world["clients"]["other_council"].get(f"/advice/{advice.id}/file").status_code == 404


def test_only_a_contact_submits_with_a_receipt_and_the_team_is_told(world):
    request_advice(world)
    advice = advice_of(world)
    empty = post_form(world["clients"]["contact"], f"/advice/{advice.id}/submit")
    assert empty.status_code == 302
    db.session.refresh(advice)
    assert advice.status == AdviceStatus.DRAFT  # no points: refused with a message
    add_point(world["clients"]["member"], advice)
    assert post_form(world["clients"]["member"], f"/advice/{advice.id}/submit").status_code == 403
    assert post_form(world["clients"]["contact"], f"/advice/{advice.id}/submit").status_code == 302
    db.session.refresh(advice)
    assert advice.status == AdviceStatus.SUBMITTED and len(advice.receipt_code) == 32
    page = world["clients"]["member"].get(f"/advice/{advice.id}")
    formatted = "-".join(advice.receipt_code.upper()[i:i + 4] for i in range(0, 32, 4))
    assert formatted in text_of(page)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "advice_submitted"))
    assert event.actor_id == world["users"]["contact"].id and event.detail["receipt"] == advice.receipt_code
    told = set(db.session.execute(select(Notification.user_id, Notification.data["event"].as_string())
                                  .where(Notification.data["event"].as_string().in_(["submitted", "receipt"]))).all())
    users = world["users"]
    assert told == {(users["editor"].id, "submitted"), (users["contact"].id, "receipt"), (users["member"].id, "receipt")}
    # Submitted advice is fixed; the team now sees it, the other council and providers still do not.
    assert add_point(world["clients"]["member"], advice).status_code == 403
    assert world["clients"]["editor"].get(f"/advice/{advice.id}").status_code == 200
    assert world["clients"]["analyst"].get(f"/advice/{advice.id}").status_code == 200
    assert world["clients"]["provider"].get(f"/advice/{advice.id}").status_code == 404
    assert world["clients"]["other_council"].get(f"/advice/{advice.id}").status_code == 404


def test_reply_per_point_then_publish_to_everyone_at_once(world):
    advice = submitted_advice(world, points=3)
    editor = world["clients"]["editor"]
    assert post_form(world["clients"]["analyst"], f"/advice/{advice.id}/reply",
                     reply_data(advice, [("adopted", "Ja")] * 3)).status_code == 403
    saved = post_form(editor, f"/advice/{advice.id}/reply",
                      reply_data(advice, [("adopted", "Nemen we over."), ("partly", "Deels."), (None, "")]))
    assert saved.status_code == 302
    # Saved, but not visible to participants yet.
    assert world["clients"]["provider"].get(f"/advice/{advice.id}").status_code == 404
    incomplete = post_form(editor, f"/advice/{advice.id}/reply",
                           reply_data(advice, [("adopted", "Nemen we over."), ("partly", "Deels."), (None, "")],
                                      action="publish"))
    assert incomplete.status_code == 200
    assert "Kies wat de gemeente met adviespunt 3 doet." in text_of(incomplete)
    no_reason = post_form(editor, f"/advice/{advice.id}/reply",
                          reply_data(advice, [("adopted", "Ja."), ("partly", "Deels."), ("not_adopted", "")],
                                     action="publish"))
    assert no_reason.status_code == 200 and "Geef de motivering bij adviespunt 3." in text_of(no_reason)
    published = post_form(editor, f"/advice/{advice.id}/reply",
                          reply_data(advice, [("adopted", "Ja."), ("partly", "Deels."), ("not_adopted", "Past niet.")],
                                     action="publish"))
    assert published.status_code == 302
    db.session.refresh(advice)
    assert advice.status == AdviceStatus.PUBLISHED
    assert [p.disposition for p in advice.points] == [Disposition.ADOPTED, Disposition.PARTLY, Disposition.NOT_ADOPTED]
    for role in ("provider", "other_council", "member", "analyst"):
        page = world["clients"][role].get(f"/advice/{advice.id}")
        assert page.status_code == 200, role
        text = text_of(page)
        assert "Punt 3" in text and "Niet overgenomen" in text and "Past niet." in text
    assert world["clients"]["anonymous"].get(f"/advice/{advice.id}").status_code == 302
    assert post_form(editor, f"/advice/{advice.id}/reply", reply_data(advice, [("adopted", "x")] * 3)).status_code == 403
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "advice_reply_published")) is not None
    # Everyone registered is told with the same publication, by one notification each: the provider
    # too, although its organisation has not started a response (the team is not told).
    replied = db.session.scalars(select(Notification.user_id).where(
        Notification.data["event"].as_string() == "replied")).all()
    assert sorted(replied) == sorted([world["users"]["contact"].id, world["users"]["member"].id,
                                      world["users"]["other_council"].id, world["users"]["provider"].id])


@pytest.mark.parametrize("role,expected", [("anonymous", 302), ("provider", 404), ("contact", 200),
                                           ("other_council", 200), ("analyst", 200)])
def test_council_comments_are_for_team_and_councils(world, role, expected):
    question = world["consultation"].themes[0].questions[0]
    posted = post_form(world["clients"]["member"], "/consultations/wmo/council-comments",
                       {"target": f"q{question.id}", "body": "Vraag ook naar de avonduren."})
    assert posted.status_code == 302
    comment = db.session.scalar(select(CouncilComment))
    assert comment.question_id == question.id and comment.theme_id == question.theme_id
    page = world["clients"][role].get("/consultations/wmo/council-comments")
    assert page.status_code == expected
    if expected == 200:
        assert "Vraag ook naar de avonduren." in text_of(page) and "Lars Lid , Adviesraad Leiden" in text_of(page)
    assert post_form(world["clients"]["provider"], "/consultations/wmo/council-comments",
                     {"target": "", "body": "Ik ook"}).status_code == 404
    assert post_form(world["clients"]["editor"], "/consultations/wmo/council-comments",
                     {"target": "", "body": "Team"}).status_code == 403
    empty = post_form(world["clients"]["member"], "/consultations/wmo/council-comments", {"target": "", "body": " "})
    assert empty.status_code == 200 and "Schrijf uw opmerking." in text_of(empty)


def test_advice_on_the_strategy_draft_once_it_is_shared(world):
    from consult.strategy.services import create_draft, share

    data = {"question": "Wat vindt u van de segmenten?", "subject": "strategy",
            "due_on": (utcnow() + timedelta(days=14)).date().isoformat(),
            "councils": [str(world["councils"]["raad"].id)]}
    refused = post_form(world["clients"]["editor"], "/consultations/wmo/advice", data)
    assert "Deel het concept van de inkoopstrategie met de adviesraden voordat u er advies over vraagt." in text_of(refused)
    draft = create_draft(world["consultation"], by=world["users"]["editor"])
    share(draft, by=world["users"]["editor"])
    db.session.commit()
    assert post_form(world["clients"]["editor"], "/consultations/wmo/advice", data).status_code == 302
    page = text_of(world["clients"]["contact"].get(f"/advice/{advice_of(world).id}"))
    assert "Het concept van de inkoopstrategie" in page


def test_published_advice_is_public_once_the_report_is(app, world):
    advice = submitted_advice(world, points=1)
    post_form(world["clients"]["editor"], f"/advice/{advice.id}/reply",
              reply_data(advice, [("adopted", "Overgenomen.")], action="publish"))
    anonymous = world["clients"]["anonymous"]
    assert anonymous.get(f"/advice/{advice.id}").status_code == 302
    world["consultation"].status = Status.PUBLISHED
    db.session.commit()
    page = anonymous.get(f"/advice/{advice.id}")
    assert page.status_code == 200 and "Overgenomen." in text_of(page)
    assert anonymous.get("/consultations/wmo/advice").status_code == 200
    # A draft of another council stays hidden, also then.
    draft = advice_of(world, "clientenraad")
    assert anonymous.get(f"/advice/{draft.id}").status_code == 302
    assert world["clients"]["provider"].get(f"/advice/{draft.id}").status_code == 404
