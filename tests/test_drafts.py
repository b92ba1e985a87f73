"""Drafts open for comment: a document written in the platform as numbered paragraphs, the comment
period, comments per paragraph with the confidentiality and publication choices of answers, the
team's disposition and reply, the disclosure gate on others' comments, and revisions with a diff."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from flask_babel import force_locale
from sqlalchemy import func, select

from consult.advice.models import Disposition
from consult.audit.models import AuditEvent
from consult.consultations.models import Consultation, Status, TeamRole
from consult.core.time import utcnow
from consult.disclosure import Protected
from consult.disclosure.comments import comment_protection, may_name_commenter, may_show_comment
from consult.drafts.models import Draft, DraftComment, DraftParagraph
from consult.drafts.services import (
    DraftChangedMeanwhile,
    DraftRefused,
    add_comment,
    create_document,
    document_paragraphs,
    edit_comment,
    open_for_comment,
    reply_to_comment,
    revise_document,
)
from consult.extensions import db
from consult.notify.models import Kind, Notification
from consult.orgs.models import MemberRole, OrgKind
from tests.conftest import add_team, clients_for, make_org, make_user, post_form, text_of

BODY = ("Dit programma beschrijft de eisen.\n\n"
        "## Kwaliteit\n"
        "De aanbieder werkt met gekwalificeerd personeel.\n\n"
        "De aanbieder rapporteert elk kwartaal.\n\n"
        "## Tarieven\n"
        "Het tarief is een uurtarief.")


@pytest.fixture
def world(app):
    leiden = make_org("Gemeente Leiden", kind=OrgKind.MUNICIPALITY)
    consultation = Consultation(slug="wmo", title="Wmo 2027", status=Status.OPEN, municipalities=[leiden],
                                closes_at=utcnow() + timedelta(days=30), principles=[])
    db.session.add(consultation)
    db.session.commit()
    org_a, org_b = make_org("Zorg A", kvk="11111111"), make_org("Zorg B", kvk="22222222")
    council = make_org("Adviesraad Leiden", kind=OrgKind.COUNCIL)
    users = {
        "a1": make_user("a1@example.org", name="Anna Eerste", org=org_a, locale="en"),
        "b1": make_user("b1@example.org", name="Bert Bakker", org=org_b, locale="en"),
        "council": make_user("raad@example.org", name="Rita Raad", org=council, locale="en"),
        "editor": make_user("editor@example.org", name="Eva Editor", org=leiden, role=MemberRole.CONTACT,
                            locale="en"),
        "analyst": make_user("analyst@example.org", name="Ali Analist", locale="en"),
    }
    add_team(consultation, {users["editor"]: TeamRole.EDITOR, users["analyst"]: TeamRole.ANALYST})
    return {"consultation": consultation, "users": users, "orgs": {"a": org_a, "b": org_b, "council": council}}


def _draft(world, *, open_: bool = True) -> Draft:
    draft = create_document(world["consultation"], title="Programma van eisen", introduction="Lees dit eerst.",
                            body=BODY, by=world["users"]["editor"])
    if open_:
        open_for_comment(draft, opens_at=utcnow() - timedelta(hours=1), closes_at=utcnow() + timedelta(days=7),
                         audience="both", version=draft.version, by=world["users"]["editor"])
    db.session.commit()
    return draft


def _paragraph(draft: Draft, number: str) -> DraftParagraph:
    return next(p for p in draft.paragraphs if p.number == number)


def _comment(world, draft, who="a1", org="a", number="1.1", body="Graag ook stagiairs toestaan.",
             confidential=False, publication="named") -> DraftComment:
    comment = add_comment(_paragraph(draft, number), world["orgs"][org], body=body, confidential=confidential,
                          publication=publication, by=world["users"][who])
    db.session.commit()
    return comment


def _close(draft):
    draft.closes_at = utcnow() - timedelta(seconds=1)
    draft.opens_at = draft.closes_at - timedelta(days=7)
    db.session.commit()


# --- paragraphs -----------------------------------------------------------------------------

def test_document_is_split_into_numbered_paragraphs_per_section():
    specs = document_paragraphs(BODY)
    assert [(s.part, s.number, s.section, s.text) for s in specs] == [
        ("", "1", "", "Dit programma beschrijft de eisen."),
        ("", "1.1", "Kwaliteit", "De aanbieder werkt met gekwalificeerd personeel."),
        ("", "1.2", "Kwaliteit", "De aanbieder rapporteert elk kwartaal."),
        ("", "2.1", "Tarieven", "Het tarief is een uurtarief."),
    ]
    assert [s.number for s in document_paragraphs("Een.\n\nTwee\nregels.\n\n\nDrie.")] == ["1", "2", "3"]
    assert document_paragraphs("Een.\n\nTwee\nregels.")[1].text == "Twee regels."


def test_a_document_needs_a_title_and_a_paragraph(world):
    with pytest.raises(DraftRefused) as refused:
        create_document(world["consultation"], title=" ", introduction="", body="x", by=world["users"]["editor"])
    assert refused.value.field == "title"
    with pytest.raises(DraftRefused) as refused:
        create_document(world["consultation"], title="PvE", introduction="", body="## Alleen een kop",
                        by=world["users"]["editor"])
    with force_locale("en"):
        assert (refused.value.field, str(refused.value.message)) == ("body", "Write at least one paragraph.")


# --- the comment period -------------------------------------------------------------------

def test_team_writes_and_opens_a_document_through_the_pages(app, world):
    clients = clients_for(app, {"editor": world["users"]["editor"], "a1": world["users"]["a1"]})
    response = post_form(clients["editor"], "/consultations/wmo/drafts/new",
                         {"title": "Programma van eisen", "introduction": "", "body": BODY})
    draft = db.session.scalar(select(Draft))
    assert response.status_code == 302 and response.headers["Location"] == f"/drafts/{draft.id}"
    assert [p.number for p in draft.paragraphs] == ["1", "1.1", "1.2", "2.1"]
    # Not open yet: a provider does not see it.
    assert clients["a1"].get(f"/drafts/{draft.id}").status_code == 404
    # The form proposes a period: from now (Dutch time, to the minute) for 14 days, to the end of that day.
    with time_machine.travel(datetime(2026, 12, 3, 9, 30, 45, tzinfo=UTC), tick=False):
        then = clients_for(app, {"editor": world["users"]["editor"]})["editor"]  # a session of that moment
        proposal = then.get(f"/drafts/{draft.id}/open")
    form = proposal.get_data(as_text=True)
    assert re.findall(r'name="(opens_on|opens_time|closes_on|closes_time)"[^>]*value="([^"]*)"', form) == [
        ("opens_on", "2026-12-03"), ("opens_time", "10:30"), ("closes_on", "2026-12-17"), ("closes_time", "23:59")]
    assert "The organisations you choose below comment per paragraph during this period." in text_of(proposal)
    response = post_form(clients["editor"], f"/drafts/{draft.id}/open",
                         {"opens_on": "2020-01-01", "opens_time": "09:00", "closes_on": "2020-01-02",
                          "closes_time": "17:00", "audience": "both", "version": str(draft.version)})
    assert response.status_code == 200
    assert "The period must close in the future." in text_of(response)
    response = post_form(clients["editor"], f"/drafts/{draft.id}/open",
                         {"opens_on": "2026-01-15", "opens_time": "09:00", "closes_on": "2099-01-15",
                          "closes_time": "17:00", "audience": "providers", "version": str(draft.version)})
    assert response.status_code == 302
    db.session.refresh(draft)
    assert draft.opens_at == datetime(2026, 1, 15, 8, 0, tzinfo=UTC)  # 09:00 Amsterdam in winter
    assert draft.closes_at == datetime(2099, 1, 15, 16, 0, tzinfo=UTC)
    assert draft.is_open()
    page = text_of(clients["a1"].get(f"/drafts/{draft.id}"))
    assert "Open for comment until" in page and "Comment on paragraph 1.2" in page
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.action == "draft_opened_for_comment"))


def test_audience_councils_keeps_providers_out(world):
    draft = _draft(world)
    draft.audience = "councils"
    db.session.commit()
    from consult.drafts.permissions import can_comment, can_view_draft
    assert not can_view_draft(world["users"]["a1"], draft)
    assert can_comment(world["users"]["council"], draft)
    assert not can_comment(world["users"]["editor"], draft)  # the team answers, it does not comment


# --- comments -------------------------------------------------------------------------------

def test_participant_comments_per_paragraph_with_choices(app, world):
    draft = _draft(world)
    paragraph = _paragraph(draft, "1.2")
    client = clients_for(app, {"a1": world["users"]["a1"]})["a1"]
    url = f"/drafts/{draft.id}/paragraphs/{paragraph.id}/comment"
    response = post_form(client, url, {"organisation": str(world["orgs"]["a"].id), "body": "",
                                       "publication": "anonymous"})
    assert response.status_code == 200 and "Write your comment on this paragraph." in text_of(response)
    response = post_form(client, url, {"organisation": str(world["orgs"]["a"].id), "body": "Per half jaar volstaat.",
                                       "confidential": "y", "publication": "anonymous"})
    assert response.status_code == 302
    comment = db.session.scalar(select(DraftComment))
    assert (comment.body, comment.confidential, comment.publication.value, comment.anchored_text,
            comment.organisation_id, comment.paragraph_id) == (
        "Per half jaar volstaat.", True, "anonymous", "De aanbieder rapporteert elk kwartaal.",
        world["orgs"]["a"].id, paragraph.id)
    page = text_of(client.get(f"/drafts/{draft.id}"))
    assert "Zorg A Confidential Per half jaar volstaat." in page


def test_a_comment_for_another_organisation_is_refused(app, world):
    draft = _draft(world)
    paragraph = _paragraph(draft, "1")
    client = clients_for(app, {"a1": world["users"]["a1"]})["a1"]
    response = post_form(client, f"/drafts/{draft.id}/paragraphs/{paragraph.id}/comment",
                         {"organisation": str(world["orgs"]["b"].id), "body": "Namens B", "publication": "named"})
    assert response.status_code == 200 and "Not a valid choice." in text_of(response)
    assert db.session.scalar(select(DraftComment)) is None


def test_edit_while_open_with_version_and_refused_after_close(app, world):
    draft = _draft(world)
    comment = _comment(world, draft)
    client = clients_for(app, {"a1": world["users"]["a1"], "b1": world["users"]["b1"]})
    assert clients_for(app, {"b1": world["users"]["b1"]})["b1"].get(
        f"/drafts/comments/{comment.id}/edit").status_code == 404  # another organisation's comment
    response = post_form(client["a1"], f"/drafts/comments/{comment.id}/edit",
                         {"organisation": str(world["orgs"]["a"].id), "body": "Ook leerlingen.",
                          "publication": "none", "version": "1"})
    assert response.status_code == 302
    db.session.refresh(comment)
    assert (comment.body, comment.publication.value, comment.version) == ("Ook leerlingen.", "none", 2)
    # A stale save is refused, the typed text kept.
    response = post_form(client["a1"], f"/drafts/comments/{comment.id}/edit",
                         {"organisation": str(world["orgs"]["a"].id), "body": "Oude versie",
                          "publication": "named", "version": "1"})
    assert response.status_code == 409
    assert "Someone else saved this text in the meantime" in text_of(response)
    assert "Oude versie" in response.get_data(as_text=True)
    _close(draft)
    with pytest.raises(DraftRefused):
        edit_comment(comment, body="Te laat", confidential=False, publication="named", version=comment.version,
                     by=world["users"]["a1"])
    db.session.rollback()
    response = client["a1"].get(f"/drafts/comments/{comment.id}/edit")
    assert response.status_code == 302
    with pytest.raises(DraftRefused):
        add_comment(_paragraph(draft, "1"), world["orgs"]["a"], body="Te laat", confidential=False,
                    publication="named", by=world["users"]["a1"])


def test_withdraw_while_open(app, world):
    draft = _draft(world)
    comment = _comment(world, draft)
    client = clients_for(app, {"a1": world["users"]["a1"]})["a1"]
    # A withdrawal against a comment changed since the page was loaded is not made.
    edit_comment(comment, body="Stagiairs en zij-instromers.", confidential=False, publication="named", version=1,
                 by=world["users"]["a1"])
    db.session.commit()
    assert post_form(client, f"/drafts/comments/{comment.id}/withdraw", {"version": "1"}).status_code == 302
    db.session.refresh(comment)
    assert comment.withdrawn_at is None
    assert "The comment was changed in the meantime." in text_of(client.get(f"/drafts/{draft.id}"))
    assert post_form(client, f"/drafts/comments/{comment.id}/withdraw", {"version": "2"}).status_code == 302
    db.session.refresh(comment)
    assert (comment.withdrawn_at is not None, comment.version) == (True, 3)
    assert "Stagiairs en zij-instromers" not in text_of(client.get(f"/drafts/{draft.id}"))


def test_closing_early_needs_the_period_as_the_page_showed_it(app, world):
    draft = _draft(world)
    client = clients_for(app, {"editor": world["users"]["editor"]})["editor"]
    closes_at = draft.closes_at
    assert post_form(client, f"/drafts/{draft.id}/close", {"version": "1"}).status_code == 302
    db.session.refresh(draft)
    assert draft.closes_at == closes_at and draft.is_open()
    assert post_form(client, f"/drafts/{draft.id}/close", {"version": str(draft.version)}).status_code == 302
    db.session.refresh(draft)
    assert draft.is_closed() and draft.version == 3


def test_a_reply_stands_under_the_text_the_team_read_and_an_answered_comment_stays_as_it_was(app, world):
    draft = _draft(world)
    comment = _comment(world, draft)
    clients = clients_for(app, {"a1": world["users"]["a1"], "editor": world["users"]["editor"]})
    url = f"/drafts/comments/{comment.id}/reply"
    clients["editor"].get(url)  # the team reads version 1; the organisation then changes its comment
    edit_comment(comment, body="Alleen stagiairs van het mbo.", confidential=False, publication="named", version=1,
                 by=world["users"]["a1"])
    db.session.commit()
    response = post_form(clients["editor"], url, {"disposition": "adopted", "reply": "Overgenomen.", "version": "1",
                                                  "comment_version": "1"})
    assert response.status_code == 409 and "Alleen stagiairs van het mbo." in text_of(response)
    db.session.refresh(comment)
    assert (comment.replied_at, comment.reply) == (None, "")
    response = post_form(clients["editor"], url, {"disposition": "adopted", "reply": "Overgenomen.", "version": "1",
                                                  "comment_version": "2"})
    assert response.status_code == 302
    # Answered: the organisation can no longer change it (the reply would stand under another text).
    with pytest.raises(DraftRefused) as refused:
        edit_comment(comment, body="Iets anders.", confidential=False, publication="named", version=2,
                     by=world["users"]["a1"])
    with force_locale("en"):
        assert str(refused.value.message) == "The project team has answered this comment: it can no longer be changed."
    db.session.rollback()
    response = clients["a1"].get(f"/drafts/comments/{comment.id}/edit")
    assert response.status_code == 302
    page = text_of(clients["a1"].get(f"/drafts/{draft.id}"))
    assert "The project team has answered this comment: it can no longer be changed." in page
    assert "Change this comment" not in page
    db.session.refresh(comment)
    assert comment.body == "Alleen stagiairs van het mbo."


# --- the gate -----------------------------------------------------------------------------

def test_gate_on_others_comments_before_and_after_the_period(app, world):
    draft = _draft(world)
    named = _comment(world, draft, body="Openbaar met naam.")
    secret = _comment(world, draft, body="Vertrouwelijk GEHEIM-1.", confidential=True)
    unpublished = _comment(world, draft, body="Niet publiceren GEHEIM-2.", publication="none")
    unnamed = _comment(world, draft, body="Zonder naam.", publication="anonymous")
    assert (comment_protection(named), comment_protection(secret), comment_protection(unpublished),
            comment_protection(unnamed)) == (None, Protected.CONFIDENTIAL_COMMENT, Protected.UNPUBLISHED_COMMENT,
                                             Protected.UNNAMED_COMMENT)
    b1 = world["users"]["b1"]
    clients = clients_for(app, {"b1": b1, "a1": world["users"]["a1"], "editor": world["users"]["editor"]})
    # During the period another organisation sees nothing of A's comments.
    assert not any(may_show_comment(c, b1) for c in (named, secret, unpublished, unnamed))
    page = text_of(clients["b1"].get(f"/drafts/{draft.id}"))
    assert "Openbaar met naam." not in page and "Zorg A" not in page
    _close(draft)
    assert [may_show_comment(c, b1) for c in (named, secret, unpublished, unnamed)] == [True, False, False, True]
    assert (may_name_commenter(named, b1), may_name_commenter(unnamed, b1)) == (True, False)
    page = text_of(clients["b1"].get(f"/drafts/{draft.id}"))
    assert "Zorg A Openbaar met naam." in page
    assert "An organisation (without name) Zonder naam." in page
    assert "GEHEIM" not in page
    assert page.count("Zorg A") == 1
    # The commenting organisation and the team see everything, marked.
    own = text_of(clients["a1"].get(f"/drafts/{draft.id}"))
    assert "Zorg A Confidential Vertrouwelijk GEHEIM-1." in own and "Zorg A Not published Niet publiceren" in own
    team = text_of(clients["editor"].get(f"/drafts/{draft.id}"))
    assert "Zorg A Published without name Zonder naam." in team and "GEHEIM-1" in team and "GEHEIM-2" in team


# --- the team's reply ----------------------------------------------------------------------

def test_team_reply_with_disposition_and_version_conflict(app, world):
    draft = _draft(world)
    comment = _comment(world, draft)
    clients = clients_for(app, {"editor": world["users"]["editor"], "a1": world["users"]["a1"],
                                "analyst": world["users"]["analyst"]})
    assert clients["a1"].get(f"/drafts/comments/{comment.id}/reply").status_code == 404
    assert clients["analyst"].get(f"/drafts/comments/{comment.id}/reply").status_code == 404
    url = f"/drafts/comments/{comment.id}/reply"
    response = post_form(clients["editor"], url, {"disposition": "partly", "reply": "", "version": "1",
                                                  "comment_version": "1"})
    assert response.status_code == 200 and "Write a reply." in text_of(response)
    response = post_form(clients["editor"], url, {"disposition": "partly", "reply": "Stagiairs onder begeleiding.",
                                                  "version": "1", "comment_version": "1"})
    assert response.status_code == 302
    db.session.refresh(comment)
    assert (comment.disposition, comment.reply, comment.reply_version) == (
        Disposition.PARTLY, "Stagiairs onder begeleiding.", 2)
    response = post_form(clients["editor"], url, {"disposition": "adopted", "reply": "Andere tekst",
                                                  "version": "1", "comment_version": "1"})
    assert response.status_code == 409 and "Stagiairs onder begeleiding." in text_of(response)
    with pytest.raises(DraftChangedMeanwhile):
        reply_to_comment(comment, disposition="adopted", reply="x", version=1, comment_version=1,
                         by=world["users"]["editor"])
    db.session.rollback()
    # The commenting organisation reads the reply at once.
    assert "Reply of the project team · Partly adopted Stagiairs onder begeleiding." in \
        text_of(clients["a1"].get(f"/drafts/{draft.id}"))
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.action == "draft_comment_replied"))
    # The commenting organisation is told once (not again when the reply changes), nobody else.
    reply_to_comment(comment, disposition="adopted", reply="Toch overgenomen.", version=2, comment_version=1,
                     by=world["users"]["editor"])
    db.session.commit()
    notes = db.session.scalars(select(Notification).where(Notification.kind == Kind.CHANGED)).all()
    assert [(n.user_id, n.data["event"], n.data["paragraph"], n.link) for n in notes] == [
        (world["users"]["a1"].id, "draft_comment_answered", "1.1", f"/drafts/{draft.id}#c-{comment.id}")]
    with force_locale("en"):
        from consult.notify.registry import describe
        assert describe(Kind.CHANGED, notes[0].data)[0] == "Your comment on “Programma van eisen” has been answered"


# --- revisions ------------------------------------------------------------------------------

def test_revision_keeps_comments_anchored_and_shows_the_diff(app, world):
    draft = _draft(world)
    comment = _comment(world, draft, number="1.2", body="Elk half jaar is genoeg.")
    untouched = _comment(world, draft, number="1.1", body="Prima.")
    revise_document(draft, title=draft.title, introduction="",
                    body=BODY.replace("rapporteert elk kwartaal", "rapporteert elk half jaar")
                    .replace("\n\n## Tarieven\nHet tarief is een uurtarief.", ""),
                    version=draft.version, by=world["users"]["editor"])
    db.session.commit()
    assert comment.paragraph_changed and not untouched.paragraph_changed
    assert _paragraph(draft, "2.1").removed_at is not None
    page = text_of(clients_for(app, {"a1": world["users"]["a1"]})["a1"].get(f"/drafts/{draft.id}"))
    assert ("Elk half jaar is genoeg. Changed since your comment De aanbieder rapporteert elk "
            "removed: kwartaal. added: half jaar.") in page
    assert "Tarieven" not in page  # a removed paragraph without comments is not shown
    with pytest.raises(DraftChangedMeanwhile):
        revise_document(draft, title="x", introduction="", body="x", version=1, by=world["users"]["editor"])


def test_paragraphs_are_matched_by_text_so_an_inserted_paragraph_or_heading_moves_no_comment(app, world):
    from consult.core.documents import Table
    from consult.reports.report import build_report

    draft = create_document(world["consultation"], title="Plan", introduction="", body="Alpha tekst.\n\nBeta tekst.",
                            by=world["users"]["editor"])
    open_for_comment(draft, opens_at=utcnow() - timedelta(hours=1), closes_at=utcnow() + timedelta(days=7),
                     audience="both", version=draft.version, by=world["users"]["editor"])
    db.session.commit()
    comment = _comment(world, draft, number="2", body="Beta klopt niet.")
    assert comment.anchored_number == "2"
    revise_document(draft, title="Plan", introduction="", body="Nieuw begin.\n\n## Deel\nAlpha tekst.\n\nBeta tekst.",
                    version=draft.version, by=world["users"]["editor"])
    db.session.commit()
    assert (comment.paragraph.text, comment.paragraph.number, comment.paragraph_changed) == ("Beta tekst.", "1.2", False)
    assert [(p.number, p.text, p.removed_at is None) for p in draft.paragraphs] == [
        ("1", "Nieuw begin.", True), ("1.1", "Alpha tekst.", True), ("1.2", "Beta tekst.", True)]
    # A paragraph revised next to an inserted one stays the same paragraph, marked changed.
    revise_document(draft, title="Plan", introduction="", body="Nieuw begin.\n\nNog een.\n\nAlpha tekst.\n\n"
                    "Beta tekst, herzien.", version=draft.version, by=world["users"]["editor"])
    db.session.commit()
    assert (comment.paragraph.text, comment.paragraph.number, comment.paragraph_changed) == (
        "Beta tekst, herzien.", "4", True)
    _close(draft)
    with force_locale("en"):
        blocks = build_report(world["consultation"]).blocks
    table = next(b for b in blocks if isinstance(b, Table) and b.caption == "Comments on “Plan” and the replies")
    assert table.rows == [["2 (now 4)", "Zorg A", "Beta klopt niet.", "Not answered yet."]]


def test_match_texts_pairs_equal_and_similar_paragraphs_in_order():
    from consult.drafts.services import match_texts

    assert match_texts(["A a a.", "B b b."], ["N n n.", "A a a.", "B b b."]) == [(0, 1), (1, 2)]
    assert match_texts(["Een lange zin over zorg.", "Twee."], ["Drie.", "Vier.", "Een lange zin over de zorg."]) \
        == [(0, 2)]
    assert match_texts(["Oud."], ["Geheel anders geschreven."]) == [(0, 0)]  # rewritten in place
    assert match_texts(["X."], []) == []


def test_a_consultation_has_at_most_one_strategy_draft_for_comment(world):
    from sqlalchemy.exc import IntegrityError

    from consult.drafts.models import DraftKind

    for _ in range(2):
        db.session.add(Draft(consultation=world["consultation"], kind=DraftKind.STRATEGY, title="Strategie"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    for _ in range(2):  # documents are not limited
        create_document(world["consultation"], title="Doc", introduction="", body="Een.", by=world["users"]["editor"])
    db.session.commit()
    assert db.session.scalar(select(func.count(Draft.id))) == 2


# --- the strategy draft -----------------------------------------------------------------------

def test_strategy_draft_for_comment_changes_only_by_the_teams_update_never_shows_tariffs_and_feeds_the_ledger(app, world):
    from consult.strategy.models import EvidenceLink
    from consult.strategy.services import add_segment as add_strategy_segment
    from consult.strategy.services import (
        create_draft,
        find_source,
        link_evidence,
        save_general,
        save_segment,
    )

    editor = world["users"]["editor"]
    strategy = create_draft(world["consultation"], by=editor)
    save_general(strategy, principles="Zorg dichtbij.\n\nEén loket.", change_tasks="", by=editor)
    segment = add_strategy_segment(strategy, by=editor, name="Dagbesteding", services="Groeps- en individuele begeleiding.",
                                   kpis=["Cliënttevredenheid", "Wachttijd"], tariff="GEHEIM plafond 58 euro per uur")
    db.session.commit()
    client = clients_for(app, {"editor": editor})["editor"]
    response = post_form(client, "/consultations/wmo/strategy/open-for-comment", csrf_from="/consultations/wmo/strategy")
    draft = db.session.scalar(select(Draft))
    assert response.status_code == 302 and response.headers["Location"] == f"/drafts/{draft.id}/open"
    assert [(p.part, p.number, p.section, p.text) for p in draft.paragraphs] == [
        ("general.principles", "1.1", "General part — Guiding principles", "Zorg dichtbij."),
        ("general.principles", "1.2", "General part — Guiding principles", "Eén loket."),
        (f"segment:{segment.id}.services", "2.1", "Dagbesteding — Services in this segment",
         "Groeps- en individuele begeleiding."),
        (f"segment:{segment.id}.kpis", "2.2", "Dagbesteding — KPIs", "Cliënttevredenheid"),
        (f"segment:{segment.id}.kpis", "2.3", "Dagbesteding — KPIs", "Wachttijd"),
    ]
    open_for_comment(draft, opens_at=utcnow() - timedelta(hours=1), closes_at=utcnow() + timedelta(days=3),
                     audience="both", version=draft.version, by=editor)
    db.session.commit()
    comment = _comment(world, draft, number="2.1", body="Ook ambulante begeleiding.")
    secret = _comment(world, draft, number="2.1", body="Onze marge is klein.", confidential=True)
    # Saving the strategy does not change what participants see: the team updates it explicitly.
    save_segment(segment, by=editor, name="Dagbesteding", services="Groeps-, individuele en ambulante begeleiding.",
                 kpis=["Cliënttevredenheid", "Wachttijd"], tariff="GEHEIM plafond 61 euro per uur")
    db.session.commit()
    assert comment.paragraph.text == "Groeps- en individuele begeleiding." and not comment.paragraph_changed
    assert "GEHEIM" not in text_of(clients_for(app, {"a1": world["users"]["a1"]})["a1"].get(f"/drafts/{draft.id}"))
    overview = text_of(client.get("/consultations/wmo/strategy"))
    assert "Update the text for comment" in overview and "Open for comment" not in overview
    response = post_form(client, "/consultations/wmo/strategy/open-for-comment", csrf_from="/consultations/wmo/strategy")
    assert response.status_code == 302 and response.headers["Location"] == f"/drafts/{draft.id}"
    db.session.expire_all()
    assert comment.paragraph.text == "Groeps-, individuele en ambulante begeleiding."
    assert comment.paragraph_changed and comment.paragraph.changed_at is not None
    assert db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("draft_%"))
                              .order_by(AuditEvent.id)).all()[-1] == "draft_text_updated"
    assert "GEHEIM" not in " ".join(p.text for p in draft.paragraphs)
    # The comment is an evidence source; a confidential one is marked for the team only.
    with force_locale("en"):
        source = find_source(world["consultation"], "draft_comment", str(comment.id))
    assert (source.title, source.text, source.confidential) == (
        "Zorg A on “Procurement strategy (draft)”, paragraph 2.1", "Ook ambulante begeleiding.", False)
    assert find_source(world["consultation"], "draft_comment", str(secret.id)).confidential is True
    assert editor.id  # loaded before the link is added (an expired user would flush it half-made)
    link = link_evidence(strategy, f"segment:{segment.id}", "draft_comment", str(comment.id), Disposition.ADOPTED,
                         "Ambulante begeleiding toegevoegd.", by=editor, choice="services")
    db.session.commit()
    assert db.session.get(EvidenceLink, link.id).source_ref == str(comment.id)


# --- the report ---------------------------------------------------------------------------------

def test_report_has_a_comment_and_reply_table_per_draft_with_only_what_the_gate_allows(world):
    from consult.core.documents import Heading, Table
    from consult.reports.report import build_report as build

    def build_report(consultation):
        with force_locale("en"):
            return build(consultation)

    draft = _draft(world)
    answered = _comment(world, draft, number="1.2", body="Per half jaar volstaat.")
    _comment(world, draft, number="1.2", body="GEHEIM vertrouwelijk.", confidential=True)
    _comment(world, draft, number="1", who="b1", org="b", body="GEHEIM niet publiceren.", publication="none")
    _comment(world, draft, number="1", who="council", org="council", body="Cliënten meer betrekken.",
             publication="anonymous")
    withdrawn = _comment(world, draft, number="2.1", body="GEHEIM ingetrokken.")
    withdrawn.withdrawn_at = utcnow()
    reply_to_comment(answered, disposition="partly", reply="Per kwartaal blijft, met een korte vorm.", version=1,
                     comment_version=1,
                     by=world["users"]["editor"])
    db.session.commit()
    # Before the period ends the report has no such section.
    assert not [b for b in build_report(world["consultation"]).blocks
                if isinstance(b, Heading) and b.text == "Comments on drafts"]
    _close(draft)
    blocks = build_report(world["consultation"]).blocks
    start = next(i for i, b in enumerate(blocks) if isinstance(b, Heading) and b.text == "Comments on drafts")
    table = next(b for b in blocks[start:] if isinstance(b, Table))
    assert (blocks[start + 2].text, table.caption) == ("Programma van eisen",
                                                       "Comments on “Programma van eisen” and the replies")
    assert blocks[start + 3].text.startswith("The comment period ran from "), blocks[start + 3].text
    assert table.columns == ["Paragraph", "Organisation", "Comment", "Reply of the municipality"]
    assert table.rows == [
        ["1", "Without name", "Cliënten meer betrekken.", "Not answered yet."],
        ["1.2", "Zorg A", "Per half jaar volstaat.", "Partly adopted: Per kwartaal blijft, met een korte vorm."],
    ]
    assert "GEHEIM" not in repr(blocks)
    # The section comes right after the advice of the councils.
    headings = [b.text for b in blocks if isinstance(b, Heading) and b.level == 2]
    assert headings.index("Comments on drafts") == headings.index("Advice of the advisory councils") + 1


def test_draft_lists_in_sql_agree_with_the_predicates_and_are_limited_or_paged(app, world):
    from consult.drafts.permissions import (
        can_comment,
        can_view_draft,
        drafts_to_comment,
        visible_drafts,
    )

    editor = world["users"]["editor"]
    drafts = []
    for number, (audience, opened) in enumerate([(a, o) for a in ("providers", "councils", "both", "invited")
                                                 for o in (True, False)]):
        draft = create_document(world["consultation"], title=f"Doc {number}", introduction="", body="Een.", by=editor)
        starts = utcnow() - timedelta(hours=1) if opened else utcnow() + timedelta(days=1)
        open_for_comment(draft, opens_at=starts, closes_at=starts + timedelta(days=7), audience=audience,
                         version=draft.version, by=editor)
        drafts.append(draft)
    create_document(world["consultation"], title="Nog niet open", introduction="", body="Een.", by=editor)
    for days in (20, 10):  # two whose period ended, the one that closed 10 days ago first
        ended = create_document(world["consultation"], title=f"Gesloten {days}", introduction="", body="Een.",
                                by=editor)
        open_for_comment(ended, opens_at=utcnow(), closes_at=utcnow() + timedelta(days=1), audience="both",
                         version=ended.version, by=editor)
        ended.opens_at, ended.closes_at = utcnow() - timedelta(days=days + 7), utcnow() - timedelta(days=days)
    world["consultation"].invited = [world["orgs"]["b"]]
    db.session.commit()
    consultation = world["consultation"]
    now = utcnow()

    def in_list_order(draft):  # open (closing soonest), in preparation, opening later, ended (latest first)
        if draft.opens_at is None:
            return (1, 0, -draft.created_at.timestamp(), -draft.id)
        if draft.closes_at <= now:
            return (3, -draft.closes_at.timestamp(), 0, -draft.id)
        if draft.opens_at > now:
            return (2, draft.opens_at.timestamp(), 0, draft.id)
        return (0, draft.closes_at.timestamp(), 0, draft.id)

    everything = sorted(db.session.scalars(select(Draft)), key=in_list_order)
    assert [d.title for d in visible_drafts(editor, consultation)] == [
        "Doc 0", "Doc 2", "Doc 4", "Doc 6", "Nog niet open", "Doc 1", "Doc 3", "Doc 5", "Doc 7",
        "Gesloten 10", "Gesloten 20"]
    for name in ("a1", "b1", "council", "editor"):
        user = world["users"][name]
        assert visible_drafts(user, consultation) == [d for d in everything if can_view_draft(user, d)], name
        open_now = sorted((d for d in drafts if can_comment(user, d)), key=lambda d: (d.closes_at, d.id))
        assert drafts_to_comment(user) == open_now, name
    assert [d.title for d in drafts_to_comment(world["users"]["b1"])] == ["Doc 0", "Doc 4", "Doc 6"]
    assert drafts_to_comment(world["users"]["a1"], limit=1) == [drafts[0]]
    consultation.invited_only = True  # closed: only the invited organisation B
    db.session.commit()
    assert (drafts_to_comment(world["users"]["a1"]), visible_drafts(world["users"]["a1"], consultation)) == ([], [])
    assert [d.title for d in drafts_to_comment(world["users"]["b1"])] == ["Doc 0", "Doc 4", "Doc 6"]
    # The team's list is paged by the database in that order: 23 drafts, 20 on the first page (the four
    # open ones, the 13 in preparation, three opening later), the last opening later and the two ended
    # ones on the second.
    for number in range(12):
        create_document(consultation, title=f"Extra {number}", introduction="", body="Een.", by=editor)
    db.session.commit()
    client = clients_for(app, {"editor": editor})["editor"]
    second = text_of(client.get("/consultations/wmo/drafts?page=2"))
    assert second.count("Doc ") == 1 and "Doc 7" in second and "Extra" not in second
    assert second.index("Doc 7") < second.index("Gesloten 10") < second.index("Gesloten 20")


def test_home_page_lists_the_drafts_to_comment_on(app, world):
    draft = _draft(world)
    clients = clients_for(app, {"a1": world["users"]["a1"], "editor": world["users"]["editor"]})
    page = text_of(clients["a1"].get("/"))
    assert "Drafts for comment Programma van eisen Wmo 2027 · Open for comment until" in page
    assert "Drafts for comment" not in text_of(clients["editor"].get("/"))
    _close(draft)
    assert "Drafts for comment" not in text_of(clients["a1"].get("/"))
