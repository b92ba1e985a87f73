"""Minutes of dialogue sessions as evidence: attribution by consent through the disclosure gate, the
comment period with the team's answers (versioned), the strategy linking points and written input,
the analysis tagging and quoting them, and the report's section per session."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from flask_babel import force_locale
from sqlalchemy import func, select

from consult.advice.models import Disposition
from consult.analysis.models import Coding, Quote, Tag
from consult.audit.models import AuditEvent
from consult.core.documents import BulletList, Heading, Paragraph, Table
from consult.core.time import to_local, utcnow
from consult.disclosure import Audience
from consult.disclosure.sessions import attribution, consenting_organisations
from consult.extensions import db
from consult.notify.models import Notification
from consult.responses.models import Publication
from consult.sessions.models import MinutesComment, MinutesPoint, Registration, WrittenInput
from consult.sessions.services import (
    PointChangedMeanwhile,
    SessionRefused,
    add_agenda_item,
    add_minutes_point,
    answer_comment,
    change_comment,
    change_minutes_point,
    comment_on_point,
    consenting_ids,
    publish_agenda,
    publish_minutes,
    register,
    save_written_input,
)
from consult.strategy.services import GENERAL, create_draft, find_source, link_evidence
from tests.conftest import clients_for, post_form, text_of
from tests.test_sessions import _session
from tests.test_sessions import world as world  # noqa: F401 (the fixture)


def _reg(world, who: str, org: str, session, may_name: bool) -> Registration:
    registration = register(session, by=world["users"][who], organisation=world["orgs"][org],
                            may_name_organisation=may_name)
    db.session.commit()
    return registration


@pytest.fixture
def table(world):
    """A session with registrants of Zorg A (one agrees, one not), Zorg B (agrees) and Zorg C (not),
    an agenda item with written input of Zorg C, and two points: one attributed to A, one to B."""
    editor = world["users"]["editor"]
    session = _session(world, capacity=10)
    regs = {"a1": _reg(world, "a1", "a", session, True), "a2": _reg(world, "a2", "a", session, False),
            "b1": _reg(world, "b1", "b", session, True), "c1": _reg(world, "c1", "c", session, False)}
    item = add_agenda_item(session, title="Wijkteams", description="", by=editor)
    publish_agenda(session, by=editor)
    written = save_written_input(item, organisation=world["orgs"]["c"], text="Wijkteams moeten vaker overleggen.",
                                 by=world["users"]["c1"], version=0)
    point_a = add_minutes_point(item, text="Wachttijden lopen op.", by=editor, organisation=world["orgs"]["a"])
    point_b = add_minutes_point(item, text="Een vast aanspreekpunt helpt.", by=editor,
                                organisation=world["orgs"]["b"])
    db.session.commit()
    return {"session": session, "item": item, "written": written, "a": point_a, "b": point_b, "regs": regs}


def test_an_organisation_is_named_only_while_every_registrant_of_it_agrees(world, table):
    orgs, session = world["orgs"], table["session"]
    assert consenting_ids(session) == {orgs["b"].id}  # A: one of its two registrants did not agree
    consenting = consenting_ids(session)
    with force_locale("nl"):
        assert attribution(orgs["a"], consenting, Audience.PUBLIC) == "een deelnemer"
        assert attribution(orgs["a"], consenting, Audience.PARTICIPANT, own={orgs["c"].id}) == "een deelnemer"
        assert attribution(orgs["a"], consenting, Audience.PARTICIPANT, own={orgs["a"].id}) == "Zorg A"
        assert attribution(orgs["a"], consenting, Audience.TEAM) == "Zorg A"
        assert attribution(orgs["b"], consenting, Audience.PUBLIC) == "Zorg B"
        assert attribution(None, consenting, Audience.TEAM) == "een deelnemer"
    assert consenting_organisations([]) == set()


def test_registrants_choose_and_change_naming_and_the_minutes_follow(app, world, table):
    session, orgs = table["session"], world["orgs"]
    clients = clients_for(app, {k: world["users"][k] for k in ("editor", "a2", "b1", "c1")})
    publish_minutes(session, by=world["users"]["editor"])
    db.session.commit()
    url = f"/sessions/{session.id}/minutes"
    seen_by_c = text_of(clients["c1"].get(url))
    assert "1.1 · een deelnemer Wachttijden lopen op." in seen_by_c
    assert "1.2 · Zorg B Een vast aanspreekpunt helpt." in seen_by_c
    assert "Zorg A" not in seen_by_c
    assert "1.1 · Zorg A Wachttijden lopen op." in text_of(clients["a2"].get(url))  # their own organisation
    assert "1.1 · Zorg A" in text_of(clients["editor"].get(url))
    # The registrant who did not agree changes their mind on the session's page.
    a2 = table["regs"]["a2"]
    assert post_form(clients["a2"], f"/sessions/registrations/{a2.id}/consent", {"may_name": "yes"}).status_code == 302
    db.session.refresh(a2)
    assert a2.may_name_organisation is True
    assert consenting_ids(session) == {orgs["a"].id, orgs["b"].id}
    assert "1.1 · Zorg A Wachttijden lopen op." in text_of(clients["c1"].get(url))
    assert db.session.scalar(select(AuditEvent.detail).where(AuditEvent.action == "session_consent_changed"))[
        "may_name"] is True
    # No choice is refused at its field; another person's registration is not found.
    refused = post_form(clients["a2"], f"/sessions/registrations/{a2.id}/consent", {})
    assert refused.status_code == 200 and 'href="#may_name"' in refused.get_data(as_text=True)
    assert post_form(clients["b1"], f"/sessions/registrations/{a2.id}/consent", {"may_name": "no"}).status_code == 404
    # The team's form marks who agreed; registering asks for the choice.
    agenda = text_of(clients["editor"].get(f"/sessions/{session.id}/agenda"))
    assert "1.1 · Zorg A Wachttijden lopen op. Buiten het team genoemd: de organisatie ging akkoord." in agenda
    edit = text_of(clients["editor"].get(f"/sessions/minutes/{table['a'].id}/edit"))
    assert ("Niet toegeschreven Zorg A (akkoord met vermelding) Zorg B (akkoord met vermelding) "
            "Zorg C (niet genoemd: getoond als “een deelnemer”)") in edit


def test_the_team_changes_a_point_in_versions_and_after_publication_it_says_so(app, world, table):
    editor, point = world["users"]["editor"], table["a"]
    assert change_minutes_point(point, text="Wachttijden lopen sterk op.", organisation=world["orgs"]["a"],
                                by=editor, version=1) is True
    db.session.commit()
    assert (point.version, point.changed_after_publication_at) == (2, None)
    with pytest.raises(PointChangedMeanwhile):
        change_minutes_point(point, text="Iets anders.", organisation=None, by=editor, version=1)
    db.session.rollback()
    with pytest.raises(SessionRefused) as refused:  # an organisation that did not register
        change_minutes_point(point, text="x", organisation=world["orgs"]["council"], by=editor, version=2)
    assert refused.value.field == "organisation"
    publish_minutes(table["session"], by=editor)
    db.session.commit()
    client = clients_for(app, {"editor": editor})["editor"]
    response = post_form(client, f"/sessions/minutes/{point.id}/edit",
                         {"text": "Wachttijden lopen op, vooral in de wijk.", "organisation": "0", "version": "2"})
    assert response.status_code == 302
    db.session.refresh(point)
    assert (point.text, point.organisation_id, point.version) == ("Wachttijden lopen op, vooral in de wijk.", None, 3)
    assert point.changed_after_publication_at is not None
    stale = post_form(client, f"/sessions/minutes/{point.id}/edit", {"text": "Oud", "organisation": "0", "version": "2"})
    assert stale.status_code == 409 and "Oud" in stale.get_data(as_text=True)


def test_registrants_comment_during_the_period_and_not_after_it(app, world, table):
    session, point = table["session"], table["b"]
    today = to_local(utcnow()).date()
    publish_minutes(session, by=world["users"]["editor"], comments_until=today + timedelta(days=3))
    db.session.commit()
    assert session.comments_last_day == today + timedelta(days=3)
    clients = clients_for(app, {k: world["users"][k] for k in ("a1", "b1", "editor")})
    # Before posting, the form says who reads the comment and when the organisation is named.
    readers = ("De deelnemers die zich voor de tafel hebben aangemeld lezen uw reactie, en zodra het "
               "consultatieverslag is gepubliceerd kan iedereen haar daarin lezen, met het antwoord van het "
               "projectteam. Uw organisatie wordt er alleen bij genoemd als zij akkoord is met vermelding; anders "
               "staat er “een deelnemer”.")
    hint = re.search(rf'<[^>]*id="p{point.id}-text-hint"[^>]*>(.*?)</', clients["a1"].get(
        f"/sessions/{session.id}/minutes").get_data(as_text=True), re.S).group(1)
    assert " ".join(hint.split()) == "Namens Zorg A. " + readers
    sent = post_form(clients["a1"], f"/sessions/minutes/{point.id}/comments",
                     {f"p{point.id}-text": "Wij bedoelden een vast aanspreekpunt per wijk."})
    assert sent.status_code == 302
    comment = db.session.scalar(select(MinutesComment))
    assert (comment.organisation_id, comment.author_id, comment.version) == (
        world["orgs"]["a"].id, world["users"]["a1"].id, 1)
    empty = post_form(clients["a1"], f"/sessions/minutes/{point.id}/comments", {f"p{point.id}-text": " "})
    assert empty.status_code == 200 and f'href="#p{point.id}-text"' in empty.get_data(as_text=True)
    # A colleague of another organisation cannot change it; the team does not comment.
    assert clients["b1"].get(f"/sessions/comments/{comment.id}/edit").status_code == 404
    assert post_form(clients["editor"], f"/sessions/minutes/{point.id}/comments",
                     {f"p{point.id}-text": "x"}).status_code == 403
    changed = post_form(clients["a1"], f"/sessions/comments/{comment.id}/edit",
                        {"text": "Een vast aanspreekpunt per wijk.", "version": "1"})
    assert changed.status_code == 302
    db.session.refresh(comment)
    assert (comment.text, comment.version) == ("Een vast aanspreekpunt per wijk.", 2)
    # After the last day commenting is refused with a message.
    with time_machine.travel(session.comments_close_at + timedelta(minutes=1), tick=False):
        with pytest.raises(SessionRefused) as refused:
            comment_on_point(point, organisation=world["orgs"]["a"], text="Te laat", by=world["users"]["a1"])
        assert str(refused.value.message) == ("De reactietermijn op dit verslag is voorbij; reacties kunnen niet "
                                              "meer worden toegevoegd of gewijzigd.")
        with pytest.raises(SessionRefused):
            change_comment(comment, text="Te laat", by=world["users"]["a1"], version=2)
    # Through the pages (the period ended a minute ago): refused with the message, nothing stored.
    session.comments_close_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    late = post_form(clients["a1"], f"/sessions/minutes/{point.id}/comments", {f"p{point.id}-text": "Te laat"})
    assert late.status_code == 302
    page = text_of(clients["a1"].get(late.headers["Location"]))
    assert ("De reactietermijn op dit verslag is voorbij; reacties kunnen niet meer worden toegevoegd of "
            "gewijzigd.") in page
    assert f'id="p{point.id}-text"' not in clients["a1"].get(late.headers["Location"]).get_data(as_text=True)
    edit = clients["a1"].get(f"/sessions/comments/{comment.id}/edit")
    assert edit.status_code == 302
    assert db.session.scalar(select(MinutesComment.text).where(MinutesComment.text == "Te laat")) is None


def test_the_team_answers_a_comment_refusing_a_stale_form_and_the_commenter_is_told(app, world, table):
    session, point = table["session"], table["b"]
    publish_minutes(session, by=world["users"]["editor"])
    comment = comment_on_point(point, organisation=world["orgs"]["a"], text="Klopt niet helemaal.",
                               by=world["users"]["a1"])
    db.session.commit()
    clients = clients_for(app, {k: world["users"][k] for k in ("a1", "c1", "editor")})
    # The commenter changes the comment after the team opened the answer form (version 1).
    change_comment(comment, text="Klopt niet: het ging om de wijk.", by=world["users"]["a1"], version=1)
    db.session.commit()
    stale = post_form(clients["editor"], f"/sessions/comments/{comment.id}/answer",
                      {"reply": "Aangepast.", "corrected": "y", "version": "1"})
    assert stale.status_code == 409
    assert "Klopt niet: het ging om de wijk." in stale.get_data(as_text=True)
    db.session.refresh(comment)
    assert comment.reply == ""
    answered = post_form(clients["editor"], f"/sessions/comments/{comment.id}/answer",
                         {"reply": "Aangepast: per wijk.", "corrected": "y", "version": "2"})
    assert answered.status_code == 302
    db.session.refresh(comment)
    assert (comment.reply, comment.corrected, comment.version, comment.replied_by_id) == (
        "Aangepast: per wijk.", True, 3, world["users"]["editor"].id)
    told = db.session.scalars(select(Notification).where(
        Notification.data["event"].as_string() == "comment_answered")).all()
    assert [(n.user_id, n.data["point"]) for n in told] == [(world["users"]["a1"].id, "1.2")]
    assert db.session.scalar(select(AuditEvent.action).where(
        AuditEvent.action == "session_minutes_comment_answered")) == "session_minutes_comment_answered"
    with pytest.raises(PointChangedMeanwhile):
        answer_comment(comment, reply="Nog eens.", corrected=False, by=world["users"]["editor"], version=2)
    db.session.rollback()
    # Once answered, the comment can no longer be changed: the answer would speak to a text the team
    # never saw (the report pairs them).
    minutes_html = clients["a1"].get(f"/sessions/{session.id}/minutes").get_data(as_text=True)
    assert f'/sessions/comments/{comment.id}/edit"' not in minutes_html
    edit_page = clients["a1"].get(f"/sessions/comments/{comment.id}/edit")
    assert edit_page.status_code == 302
    late_edit = post_form(clients["a1"], f"/sessions/comments/{comment.id}/edit",
                          {"text": "Toch iets anders.", "version": "3"})
    assert late_edit.status_code == 302
    assert ("Het projectteam heeft deze reactie beantwoord; u kunt haar niet meer wijzigen. Plaats in plaats "
            "daarvan een nieuwe reactie op het punt.") in text_of(clients["a1"].get(late_edit.headers["Location"]))
    with pytest.raises(SessionRefused):
        change_comment(comment, text="Toch iets anders.", by=world["users"]["a1"], version=3)
    db.session.rollback()
    db.session.refresh(comment)
    assert (comment.text, comment.version) == ("Klopt niet: het ging om de wijk.", 3)
    # Another registrant sees the comment and the answer, without Zorg A's name (A did not agree).
    page = text_of(clients["c1"].get(f"/sessions/{session.id}/minutes"))
    assert "een deelnemer" in page and "Zorg A" not in page
    assert "Klopt niet: het ging om de wijk." in page and "Aangepast: per wijk." in page
    # Outsiders of the team cannot answer.
    assert clients["a1"].get(f"/sessions/comments/{comment.id}/answer").status_code == 404


def test_the_strategy_links_a_minutes_point_and_a_written_input(world, table):
    editor = world["users"]["editor"]
    consultation = world["consultation"]
    point, written = table["b"], table["written"]
    # Unpublished minutes are no source yet; written input is (it is the team's).
    assert find_source(consultation, "minutes_point", str(point.id)) is None
    publish_minutes(table["session"], by=editor)
    db.session.commit()
    with force_locale("en"):
        source = find_source(consultation, "minutes_point", str(point.id))
        assert (source.title, source.text) == ("“Dialoogtafel dagbesteding”, point 1.2", "Een vast aanspreekpunt helpt.")
        source = find_source(consultation, "written_input", str(written.id))
        assert (source.title, source.text) == (
            "Written input of Zorg C on “Wijkteams” (Dialoogtafel dagbesteding)", "Wijkteams moeten vaker overleggen.")
    draft = create_draft(consultation, by=editor)
    first = link_evidence(draft, GENERAL, "minutes_point", str(point.id), Disposition.ADOPTED, "Komt erin.", by=editor)
    second = link_evidence(draft, GENERAL, "written_input", str(written.id), Disposition.PARTLY, "Deels.", by=editor)
    db.session.commit()
    assert [(link.source_type, link.source_ref, link.disposition) for link in (first, second)] == [
        ("minutes_point", str(point.id), Disposition.ADOPTED), ("written_input", str(written.id), Disposition.PARTLY)]


def test_the_analysis_tags_and_quotes_minutes_points_and_written_input(app, world, table):
    consultation, point, written = world["consultation"], table["b"], table["written"]
    tag = Tag(consultation_id=consultation.id, name="Toegang")
    db.session.add(tag)
    db.session.commit()
    client = clients_for(app, {"analyst": world["users"]["analyst"]})["analyst"]
    url = f"/consultations/{consultation.slug}/analysis/sessions"
    # Before the minutes are published only the written input is listed.
    page = text_of(client.get(url))
    assert "Wijkteams moeten vaker overleggen." in page and "Een vast aanspreekpunt helpt." not in page
    assert post_form(client, url, {"action": "tag", "kind": "point", "entry": str(point.id),
                                   "tag": str(tag.id)}).status_code == 404
    publish_minutes(table["session"], by=world["users"]["editor"])
    db.session.commit()
    assert post_form(client, url, {"action": "tag", "kind": "point", "entry": str(point.id),
                                   "tag": str(tag.id)}).status_code == 302
    assert post_form(client, url, {"action": "tag", "kind": "input", "entry": str(written.id),
                                   "tag": str(tag.id)}).status_code == 302
    assert post_form(client, url, {"action": "quote", "kind": "point", "entry": str(point.id),
                                   "excerpt": "vast aanspreekpunt"}).status_code == 302
    # Zorg C did not allow its written input to be published: no quote can be taken from it.
    unpublished = post_form(client, url, {"action": "quote", "kind": "input", "entry": str(written.id),
                                          "excerpt": "vaker overleggen"})
    assert unpublished.status_code == 200
    assert ("De organisatie heeft gekozen deze schriftelijke inbreng niet te publiceren; er kan dus geen citaat "
            "uit worden genomen voor het verslag.") in text_of(unpublished)
    assert db.session.scalar(select(func.count(Quote.id))) == 1
    save_written_input(table["item"], organisation=world["orgs"]["c"], text=written.text, by=world["users"]["c1"],
                       publication="anonymous")
    db.session.commit()
    assert post_form(client, url, {"action": "quote", "kind": "input", "entry": str(written.id),
                                   "excerpt": "vaker overleggen"}).status_code == 302
    refused = post_form(client, url, {"action": "quote", "kind": "input", "entry": str(written.id),
                                      "excerpt": "staat er niet"})
    assert refused.status_code == 200 and f'href="#quote-input-{written.id}"' in refused.get_data(as_text=True)
    codings = db.session.scalars(select(Coding).order_by(Coding.id)).all()
    assert [(c.tag_id, c.minutes_point_id, c.written_input_id) for c in codings] == [
        (tag.id, point.id, None), (tag.id, None, written.id)]
    quotes = db.session.scalars(select(Quote).order_by(Quote.id)).all()
    assert [(q.text, q.minutes_point_id, q.written_input_id, q.start) for q in quotes] == [
        ("vast aanspreekpunt", point.id, None, 4), ("vaker overleggen", None, written.id, 17)]
    # Tagged input shows up as not yet considered for the strategy.
    from consult.strategy.services import not_considered
    assert not_considered(consultation, None) == [("minutes_point", str(point.id), "Toegang"),
                                                   ("written_input", str(written.id), "Toegang")]


def test_the_report_has_a_section_per_session_naming_only_who_agreed(world, table):
    from consult.reports.report import build_report

    editor, consultation = world["users"]["editor"], world["consultation"]
    session, point_a, point_b, written = table["session"], table["a"], table["b"], table["written"]
    # A second session, cancelled, is left out; so is the one before its minutes are published.
    with force_locale("en"):
        blocks = build_report(consultation).blocks
    start = next(i for i, b in enumerate(blocks) if isinstance(b, Heading) and b.text == "Dialogue sessions")
    assert blocks[start + 1].text == "No minutes of a dialogue session have been published."
    publish_minutes(session, by=editor)
    comment = comment_on_point(point_a, organisation=world["orgs"]["b"], text="Ook bij ons.", by=world["users"]["b1"])
    comment_on_point(point_b, organisation=world["orgs"]["c"], text="Graag per wijk.", by=world["users"]["c1"])
    answer_comment(comment, reply="Dank u.", corrected=False, by=editor, version=1)
    draft = create_draft(consultation, by=editor)
    link_evidence(draft, GENERAL, "minutes_point", str(point_b.id), Disposition.ADOPTED, "Komt erin.", by=editor)
    link_evidence(draft, GENERAL, "written_input", str(written.id), Disposition.PARTLY, "Deels.", by=editor)
    from consult.analysis.session_input import quote_session_entry
    save_written_input(table["item"], organisation=world["orgs"]["c"], text=written.text, by=world["users"]["c1"],
                       publication="anonymous")
    quote_session_entry(consultation, "input", written, "vaker overleggen", by=editor)
    quote_session_entry(consultation, "point", point_a, "Wachttijden", by=editor)
    db.session.commit()
    with force_locale("en"):
        blocks = build_report(consultation).blocks
    start = next(i for i, b in enumerate(blocks) if isinstance(b, Heading) and b.text == "Dialogue sessions")
    end = next(i for i, b in enumerate(blocks) if isinstance(b, Heading) and b.text == "Questions and answers")
    section = blocks[start:end]
    assert isinstance(section[2], Heading) and (section[2].text, section[2].level) == ("Dialoogtafel dagbesteding", 3)
    table_ = next(b for b in section if isinstance(b, Table))
    assert table_.caption == "1. Wijkteams"
    assert table_.columns == ["No.", "What was said", "Comments and answers", "What the municipality did with it"]
    assert table_.rows == [
        ["1.1", "Wachttijden lopen op. (a participant)", "Comment of Zorg B: Ook bij ons.\nAnswer: Dank u.", "—"],
        ["1.2", "Een vast aanspreekpunt helpt. (Zorg B)", "Comment of a participant: Graag per wijk.",
         "Adopted (General part): Komt erin."],
    ]
    lists = [b.items for b in section if isinstance(b, BulletList)]
    assert lists == [["“vaker overleggen” (written input of a participant)", "“Wachttijden” (a participant)"],
                     ["Written input of a participant on “Wijkteams”: Partly adopted (General part): Deels."]]
    assert [b.text for b in section if isinstance(b, Paragraph)][-2:] == [
        "Key quotes:", "What the municipality did with the written input:"]
    assert "Zorg A" not in repr(section) and "Zorg C" not in repr(section)


def _report_lists(consultation) -> list[list[str]]:
    from consult.reports.report import build_report

    with force_locale("en"):
        blocks = build_report(consultation).blocks
    start = next(i for i, b in enumerate(blocks) if isinstance(b, Heading) and b.text == "Dialogue sessions")
    end = next(i for i, b in enumerate(blocks) if isinstance(b, Heading) and b.text == "Questions and answers")
    return [b.items for b in blocks[start:end] if isinstance(b, BulletList)]


def test_written_input_reaches_the_report_only_as_its_publication_choice_allows(world, table):
    from consult.analysis.services import AnalysisRefused
    from consult.analysis.session_input import quote_session_entry

    editor, consultation, written, item = world["users"]["editor"], world["consultation"], table["written"], table["item"]
    c1, zorg_c = world["users"]["c1"], world["orgs"]["c"]
    assert written.publication == Publication.NONE  # the default
    publish_minutes(table["session"], by=editor)
    draft = create_draft(consultation, by=editor)
    link_evidence(draft, GENERAL, "written_input", str(written.id), Disposition.PARTLY, "Deels.", by=editor)
    with pytest.raises(AnalysisRefused):
        quote_session_entry(consultation, "input", written, "vaker overleggen", by=editor)
    db.session.commit()
    assert _report_lists(consultation) == [
        ["Written input of a participant on “Wijkteams”: Partly adopted (General part): Deels."]]
    # "With our name": named, although Zorg C did not agree to be named in the minutes.
    save_written_input(item, organisation=zorg_c, text=written.text, by=c1, publication="named")
    quote_session_entry(consultation, "input", written, "vaker overleggen", by=editor)
    db.session.commit()
    assert _report_lists(consultation) == [
        ["“vaker overleggen” (written input of Zorg C)"],
        ["Written input of Zorg C on “Wijkteams”: Partly adopted (General part): Deels."]]
    # Back to "do not publish": the quote taken earlier leaves the report, and so does the name.
    save_written_input(item, organisation=zorg_c, text=written.text, by=c1, publication="none")
    db.session.commit()
    assert _report_lists(consultation) == [
        ["Written input of a participant on “Wijkteams”: Partly adopted (General part): Deels."]]


def test_the_written_input_form_asks_for_the_publication_choice(app, world):
    session = _session(world, capacity=10)
    item = add_agenda_item(session, title="Wijkteams", description="", by=world["users"]["editor"])
    publish_agenda(session, by=world["users"]["editor"])
    db.session.commit()
    client = clients_for(app, {"c1": world["users"]["c1"]})["c1"]
    page = text_of(client.get(f"/sessions/{session.id}"))
    assert "Alleen het projectteam leest het" not in page
    html = client.get(f"/sessions/{session.id}").get_data(as_text=True)
    radios = re.findall(rf'<input[^>]*name="i{item.id}-publication"[^>]*>', html)
    assert [("checked" in r, re.search(r'value="(\w+)"', r).group(1)) for r in radios] == [
        (False, "named"), (False, "anonymous"), (True, "none")]
    url = f"/sessions/agenda/{item.id}/input"
    data = {f"i{item.id}-organisation": str(world["orgs"]["c"].id), f"i{item.id}-text": "Vaker overleggen.",
            f"i{item.id}-version": "0"}
    assert post_form(client, url, {**data, f"i{item.id}-publication": "named"}).status_code == 302
    written = db.session.scalar(select(WrittenInput))
    assert (written.text, written.publication) == ("Vaker overleggen.", Publication.NAMED)
    assert post_form(client, url, {**data, f"i{item.id}-version": "1",
                                   f"i{item.id}-publication": "anonymous"}).status_code == 302
    db.session.refresh(written)
    assert (written.publication, written.version) == (Publication.ANONYMOUS, 2)


def test_the_point_form_starts_from_the_point_with_its_attribution(app, world, table):
    client = clients_for(app, {"editor": world["users"]["editor"]})["editor"]
    html = client.get(f"/sessions/minutes/{table['b'].id}/edit").get_data(as_text=True)
    assert f'<option selected value="{world["orgs"]["b"].id}">Zorg B (akkoord met vermelding)</option>' in html
    assert "Een vast aanspreekpunt helpt.</textarea>" in html


def test_a_point_keeps_its_attribution_when_the_organisation_is_no_longer_registered(app, world, table):
    from consult.sessions.services import cancel_registration

    point, zorg_a = table["a"], world["orgs"]["a"]
    for key in ("a1", "a2"):
        cancel_registration(table["regs"][key], by=world["users"][key])
    db.session.commit()
    client = clients_for(app, {"editor": world["users"]["editor"]})["editor"]
    html = client.get(f"/sessions/minutes/{point.id}/edit").get_data(as_text=True)
    assert (f'<option selected value="{zorg_a.id}">Zorg A (niet meer aangemeld; weergegeven als “een deelnemer”)'
            '</option>') in html
    changed = post_form(client, f"/sessions/minutes/{point.id}/edit",
                        {"text": "Wachttijden lopen verder op.", "organisation": str(zorg_a.id),
                         "version": str(point.version)})
    assert changed.status_code == 302
    db.session.refresh(point)
    assert (point.text, point.organisation_id, point.version) == ("Wachttijden lopen verder op.", zorg_a.id, 2)
    # A new point cannot be attributed to it.
    with pytest.raises(SessionRefused):
        add_minutes_point(table["item"], text="Nieuw", by=world["users"]["editor"], organisation=zorg_a)


def test_registering_through_the_form_records_the_naming_choice(app, world):
    session = _session(world, capacity=10)
    clients = clients_for(app, {k: world["users"][k] for k in ("a1", "b1")})
    page = clients["a1"].get(f"/sessions/{session.id}").get_data(as_text=True)
    assert 'name="may_name"' in page and "Mijn organisatie mag in het verslag en bij haar reacties daarop genoemd worden" in page
    assert post_form(clients["a1"], f"/sessions/{session.id}/register",
                     {"organisation": str(world["orgs"]["a"].id), "may_name": "y"}).status_code == 302
    assert post_form(clients["b1"], f"/sessions/{session.id}/register",
                     {"organisation": str(world["orgs"]["b"].id)}).status_code == 302
    chosen = db.session.execute(select(Registration.organisation_id, Registration.may_name_organisation)
                                .order_by(Registration.id)).all()
    assert [tuple(row) for row in chosen] == [(world["orgs"]["a"].id, True), (world["orgs"]["b"].id, False)]
    assert consenting_ids(session) == {world["orgs"]["a"].id}


def test_downgrading_the_minutes_migration_removes_the_quotes_on_minutes(tmp_path):
    """0034 adds quotes on minutes points and written input; its downgrade removes them with their
    columns instead of leaving quotes that point at nothing."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    from tests.demo import load_demo
    from tests.test_migrations import build_app, empty_database

    with empty_database(tmp_path) as url:
        app = build_app(tmp_path, SQLALCHEMY_DATABASE_URI=url)
        with app.app_context():
            upgrade()
            load_demo()
            db.session.commit()
            with db.engine.begin() as conn:
                before = conn.execute(text("SELECT count(*) FROM quotes")).scalar_one()
                conn.execute(text(
                    "INSERT INTO quotes (consultation_id, minutes_point_id, start, \"end\", text, created_at) "
                    "SELECT s.consultation_id, p.id, 0, 4, 'punt', CURRENT_TIMESTAMP FROM session_minutes_points p "
                    "JOIN session_agenda_items i ON i.id = p.agenda_item_id "
                    "JOIN dialogue_sessions s ON s.id = i.session_id LIMIT 1"))
                assert conn.execute(text("SELECT count(*) FROM quotes")).scalar_one() == before + 1
            db.session.remove()
            downgrade(revision="0033")
            with db.engine.connect() as conn:
                assert conn.execute(text("SELECT count(*) FROM quotes")).scalar_one() == before
            db.session.remove()
            db.engine.dispose()


def test_the_minutes_page_reads_its_points_and_their_organisations_in_a_fixed_number_of_statements(app, world,
                                                                                                 table):
    from sqlalchemy import event

    second = add_agenda_item(table["session"], title="Vervoer", description="", by=world["users"]["editor"])
    publish_minutes(table["session"], by=world["users"]["editor"])
    db.session.commit()
    client = clients_for(app, {"c1": world["users"]["c1"]})["c1"]
    url = f"/sessions/{table['session'].id}/minutes"

    def statements() -> int:
        seen: list[str] = []

        def count(*_args) -> None:
            seen.append("")

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert client.get(url).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(seen)

    before = statements()
    for org in ("c", "council"):
        db.session.add(MinutesPoint(item=second, number=len(second.minutes) + 1, text=f"Punt {org}",
                                    organisation_id=world["orgs"][org].id))
        db.session.flush()
    db.session.commit()
    after = statements()
    assert after == before


def test_the_sessions_analysis_removes_a_key_quote_through_the_service_and_pages_past_the_end(app, world, table):
    from consult.analysis.session_input import quote_session_entry, session_input_page

    consultation, point = world["consultation"], table["b"]
    publish_minutes(table["session"], by=world["users"]["editor"])
    quote = quote_session_entry(consultation, "point", point, "vast aanspreekpunt", by=world["users"]["editor"])
    db.session.commit()
    quote_id = quote.id
    client = clients_for(app, {"analyst": world["users"]["analyst"]})["analyst"]
    url = f"/consultations/{consultation.slug}/analysis/sessions"
    assert post_form(client, url, {"action": "remove_quote", "quote": str(quote_id + 1)}).status_code == 404
    assert post_form(client, url, {"action": "remove_quote", "quote": str(quote_id)}).status_code == 302
    assert db.session.scalar(select(func.count(Quote.id))) == 0
    assert db.session.scalars(select(AuditEvent.detail).where(AuditEvent.action == "quote_removed")).all() == [
        {"quote_id": quote_id}]
    # An old link to a page past the end shows the last page.
    shown = session_input_page(consultation, 9, 5)
    assert (shown.page, shown.pages, shown.matched, [b.session.id for b in shown.blocks]) == (
        1, 1, 1, [table["session"].id])
    assert client.get(f"{url}?page=9").status_code == 200
