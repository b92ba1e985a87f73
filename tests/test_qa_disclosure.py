"""The disclosure gate for questions and answers and for council advice.

The question as asked ("Wij van <organisatie> vragen ...") and who asked it stay with the asker's organisation
and the project team: the team's answer form starts empty, publishing a text that could show who asked needs an
explicit confirmation of exactly what was found, and every output outside the team (pages, Q&A exports, the
report, notifications and e-mails) carries only the text the team published. A council's draft advice stays
with the council; the municipality's reply leaves the team only when it is published.
"""
from __future__ import annotations

import io
import re
from datetime import timedelta
from html import unescape

import pytest
from docx import Document as DocxDocument
from odfdo import Document as OdfDocument
from pypdf import PdfReader
from sqlalchemy import select

from consult.advice.models import Advice, AdviceStatus, Disposition
from consult.advice.services import add_point, publish_reply, published_advices, request_advice, save_reply, submit
from consult.audit.models import AuditEvent
from consult.consultations.models import Consultation, Status, TeamMember, TeamRole, Theme
from consult.core.mail import outbox
from consult.core.outbox import dispatch_committed
from consult.core.time import utcnow
from consult.disclosure import Audience, Protected
from consult.disclosure.advice import may_show_advice, may_show_reply
from consult.disclosure.qa import (
    IdentityWarning,
    Marker,
    PublishedItem,
    Where,
    asker_withheld,
    confirmation_code,
    identity_markers,
    identity_warnings,
    may_see_asker,
    publication_warnings,
    published_question,
)
from consult.extensions import db
from consult.notify.models import Kind, Notification
from consult.orgs.models import MemberRole, OrgKind
from consult.qa.models import QaItem, QaStatus
from consult.qa.services import QaNeedsConfirmation, publish, published_items, save
from tests.conftest import login, make_org, make_user, post_form, text_of

RAW = "Wij van Geheime Zorg BV vragen: mogen wij met onderaannemers werken? Bel Anna Vraagsteller op 06-12345678."
PUBLISHED = "Mag een aanbieder met onderaannemers werken?"
ANSWER = "Ja, als de aanbieder verantwoordelijk blijft voor de kwaliteit."
# Everything that would show who asked RAW.
RAW_PARTS = ["Wij van Geheime Zorg", "06-12345678", "0612345678", "onderaannemers werken? Bel"]
IDENTITY = RAW_PARTS + ["Geheime Zorg", "Vraagsteller", "a@example.org", "11111111", "geheimezorg.nl"]
CONFIRM_MESSAGE = "Pas de tekst aan, of bevestig dat die niemand herkenbaar maakt."


@pytest.fixture
def world(app):
    leiden = make_org("Gemeente Leiden", kind=OrgKind.MUNICIPALITY)
    consultation = Consultation(slug="wmo", title="Wmo", status=Status.OPEN, municipalities=[leiden],
                                closes_at=utcnow() + timedelta(days=5), principles=[], threads_public=True)
    consultation.themes.append(Theme(title="Dienstverlening", position=0))
    db.session.add(consultation)
    db.session.commit()
    asker_org = make_org("Geheime Zorg BV", kvk="11111111")
    asker_org.website = "https://www.geheimezorg.nl/over-ons"
    council_a = make_org("Adviesraad Noord", kind=OrgKind.COUNCIL)
    council_b = make_org("Cliëntenraad Zuid", kind=OrgKind.COUNCIL)
    users = {
        "asker": make_user("a@example.org", name="Anna Vraagsteller", org=asker_org),
        "colleague": make_user("a2@example.org", name="Arie Collega", org=asker_org),
        "provider2": make_user("b@example.org", name="Bert Ander", org=make_org("Zorg B", kvk="22222222")),
        "council_a": make_user("noord@example.org", name="Nora Noord", org=council_a, role=MemberRole.CONTACT),
        "council_b": make_user("zuid@example.org", name="Zeno Zuid", org=council_b, role=MemberRole.CONTACT),
        "editor": make_user("editor@example.org", name="Eva Editor", org=leiden, role=MemberRole.CONTACT),
        "analyst": make_user("analyst@example.org", name="Ali Analist"),
    }
    db.session.add_all([
        TeamMember(consultation_id=consultation.id, user_id=users["editor"].id, role=TeamRole.EDITOR),
        TeamMember(consultation_id=consultation.id, user_id=users["analyst"].id, role=TeamRole.ANALYST),
    ])
    db.session.commit()
    clients = {"anonymous": app.test_client()}
    for key, user in users.items():
        clients[key] = app.test_client()
        login(clients[key], user.email)
    return {"consultation": consultation, "users": users, "clients": clients,
            "councils": {"a": council_a, "b": council_b}}


def ask(world, text=RAW, who="asker") -> QaItem:
    response = post_form(world["clients"][who], "/consultations/wmo/qa", {"theme": "0", "text": text})
    assert response.status_code == 302
    return db.session.scalar(select(QaItem).order_by(QaItem.id.desc()))


def answer(world, item, question=PUBLISHED, answer_text=ANSWER, action="publish", **extra):
    return post_form(world["clients"]["editor"], f"/qa/{item.id}",
                     {"theme": "0", "question": question, "answer": answer_text, "action": action, **extra})


def textarea(html: str, name: str) -> str:
    match = re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', html, re.S)
    return unescape(match.group(1)).removeprefix("\r\n").removeprefix("\n")


def warnings_on(html: str) -> list[str]:
    """The findings listed in the page's warning, with the group they are in."""
    box = re.search(r'id="identity-warnings">(.*?)</div>\s*</div>', html, re.S)
    if box is None:
        return []
    found = []
    for label, items in re.findall(r'<p class="utrecht-paragraph">([^<]*:)</p>\s*<ul[^>]*>(.*?)</ul>', box.group(1), re.S):
        found += [f"{unescape(label)} {unescape(li)}" for li in re.findall(r"<li[^>]*>(.*?)</li>", items, re.S)]
    return found


def confirmation_on(html: str) -> str:
    return re.search(r'name="confirmation" type="hidden" value="([0-9a-f]*)"', html).group(1)


def status_of(item) -> QaStatus:
    return db.session.get(QaItem, item.id).status


# --- the answer form starts empty ----------------------------------------------------------------------------

def test_answer_form_starts_empty_with_the_question_as_asked_beside_it(world):
    item = ask(world)
    html = world["clients"]["editor"].get(f"/qa/{item.id}").get_data(as_text=True)
    assert textarea(html, "question") == ""
    assert textarea(html, "answer") == ""
    asked = re.search(r'<div class="post__quote" id="asked-text">(.*?)</div>', html, re.S).group(1)
    assert unescape(asked) == RAW
    assert html.count("Wij van Geheime Zorg BV vragen") == 1  # shown for reference, not in any field
    assert warnings_on(html) == []
    assert 'name="confirm_identity"' not in html


def test_answer_form_starts_with_the_teams_own_earlier_rephrasing(world):
    item = ask(world)
    assert answer(world, item, action="save").status_code == 302
    html = world["clients"]["editor"].get(f"/qa/{item.id}").get_data(as_text=True)
    assert (textarea(html, "question"), textarea(html, "answer")) == (PUBLISHED, ANSWER)


# --- publishing a text that could show who asked -------------------------------------------------------------

MARKER_CASES = [
    ("Wij van Geheime Zorg BV vragen: mag onderaanneming?", "Naam van de organisatie die de vraag stelde: Geheime Zorg BV"),
    ("Mag Geheime Zorg onderaannemers inzetten?", "Naam van de organisatie die de vraag stelde: Geheime Zorg"),
    ("Mag GEHEIME ZORG B.V. onderaannemers inzetten?", "Naam van de organisatie die de vraag stelde: GEHEIME ZORG"),
    ("Anna Vraagsteller vraagt of onderaanneming mag.", "Naam van de persoon die de vraag stelde: Anna Vraagsteller"),
    ("Mag onderaanneming? Antwoord graag aan a@example.org.", "E-mailadres: a@example.org"),
    ("Mag onderaanneming? Mail info@andere-zorg.nl.", "E-mailadres: info@andere-zorg.nl"),
    ("Mag de aanbieder met KvK 11111111 onderaannemers inzetten?", "KvK-nummer: 11111111"),
    ("Mag de aanbieder met KvK 1111 1111 onderaannemers inzetten?", "KvK-nummer: 1111 1111"),
    ("Mag de aanbieder met KvK 87654321 onderaannemers inzetten?", "KvK-nummer: 87654321"),
    ("Mag onderaanneming? Bel 06-12345678.", "Telefoonnummer: 06-12345678"),
    ("Mag onderaanneming? Bel 071 514 22 33.", "Telefoonnummer: 071 514 22 33"),
    ("Mag onderaanneming? Bel +31 71 123 4567.", "Telefoonnummer: +31 71 123 4567"),
    ("Staat op geheimezorg.nl of onderaanneming mag?", "Website van de organisatie die de vraag stelde: geheimezorg.nl"),
]


@pytest.mark.parametrize("question,expected", MARKER_CASES)
def test_publishing_a_text_with_an_identity_marker_is_refused_until_confirmed(world, question, expected):
    item = ask(world)
    refused = answer(world, item, question)
    assert refused.status_code == 200
    html = refused.get_data(as_text=True)
    assert warnings_on(html) == [f"In de vraag zoals die wordt gepubliceerd: {expected}"]
    assert text_of(refused).startswith("Fout: Beantwoorden en publiceren")
    assert f"Er is een probleem {CONFIRM_MESSAGE}" in text_of(refused)
    assert (textarea(html, "question"), textarea(html, "answer")) == (question, ANSWER)  # the text is kept
    assert 'name="confirm_identity"' in html
    assert status_of(item) == QaStatus.ASKED
    published = answer(world, item, question, confirm_identity="y", confirmation=confirmation_on(html))
    assert published.status_code == 302
    stored = db.session.get(QaItem, item.id)
    assert (stored.status, stored.number, stored.question) == (QaStatus.PUBLISHED, 1, question)


def test_publishing_without_ticking_the_box_is_refused_even_with_the_code(world):
    item = ask(world)
    html = answer(world, item, "Mag Geheime Zorg dat?").get_data(as_text=True)
    again = answer(world, item, "Mag Geheime Zorg dat?", confirmation=confirmation_on(html))
    assert again.status_code == 200 and f"Er is een probleem {CONFIRM_MESSAGE}" in text_of(again)
    assert status_of(item) == QaStatus.ASKED


def test_a_confirmation_given_for_other_findings_does_not_count(world):
    item = ask(world)
    first = answer(world, item, "Mag Geheime Zorg dat?").get_data(as_text=True)
    changed = answer(world, item, "Mag dat? Bel 06-12345678.", confirm_identity="y", confirmation=confirmation_on(first))
    assert changed.status_code == 200
    html = changed.get_data(as_text=True)
    assert warnings_on(html) == ["In de vraag zoals die wordt gepubliceerd: Telefoonnummer: 06-12345678"]
    assert 'name="confirm_identity" type="checkbox" value="y">' in html  # ticked again only by a person
    assert status_of(item) == QaStatus.ASKED


def test_a_question_copied_word_for_word_needs_confirmation(world):
    item = ask(world, "Mogen aanbieders onderaannemers inzetten?")
    refused = answer(world, item, " mogen aanbieders  onderaannemers inzetten? ")
    assert warnings_on(refused.get_data(as_text=True)) == [
        "In de vraag zoals die wordt gepubliceerd: Woord voor woord de vraag zoals die gesteld is"]
    assert status_of(item) == QaStatus.ASKED


def test_the_askers_markers_in_the_answer_need_confirmation_the_teams_contact_details_do_not(world):
    item = ask(world)
    refused = answer(world, item, PUBLISHED, "Ja. Anna Vraagsteller kan bellen met 06-12345678.")
    assert warnings_on(refused.get_data(as_text=True)) == [
        "In het antwoord: Naam van de persoon die de vraag stelde: Anna Vraagsteller",
        "In het antwoord: Telefoonnummer: 06-12345678"]
    assert answer(world, item, PUBLISHED, "Ja. Bel bij vragen 071-5165165 of mail wmo@leiden.nl.").status_code == 302
    assert status_of(item) == QaStatus.PUBLISHED


def test_a_saved_draft_with_a_marker_shows_the_warning_and_saving_needs_no_confirmation(world):
    item = ask(world)
    assert answer(world, item, "Mag Geheime Zorg dat?", action="save").status_code == 302
    html = world["clients"]["editor"].get(f"/qa/{item.id}").get_data(as_text=True)
    assert warnings_on(html) == ["In de vraag zoals die wordt gepubliceerd: Naam van de organisatie die de vraag stelde: "
                                 "Geheime Zorg"]
    assert "Er is een probleem" not in text_of(world["clients"]["editor"].get(f"/qa/{item.id}"))
    assert status_of(item) == QaStatus.DRAFT


def test_the_warning_in_english(world):
    post_form(world["clients"]["editor"], "/language", {"language": "en"})
    item = ask(world)
    refused = answer(world, item, "May Geheime Zorg BV do this?")
    assert warnings_on(refused.get_data(as_text=True)) == [
        "In the question as published: Name of the organisation that asked: Geheime Zorg BV"]
    assert "There is a problem Change the text, or confirm that it does not make anyone recognisable." in text_of(refused)


def test_publish_service_refuses_unconfirmed_findings_and_records_what_was_checked(world):
    item = ask(world)
    editor = world["users"]["editor"]
    save(item, question="Mag Geheime Zorg dat?", answer=ANSWER, theme=None, by=editor)
    with pytest.raises(QaNeedsConfirmation) as refused:
        publish(item, by=editor)
    assert refused.value.warnings == [IdentityWarning(Marker.ORGANISATION, "Geheime Zorg", Where.QUESTION)]
    assert item.status == QaStatus.DRAFT
    with pytest.raises(QaNeedsConfirmation):
        publish(item, by=editor, confirmed=confirmation_code([IdentityWarning(Marker.PHONE, "06-12345678")]))
    publish(item, by=editor, confirmed=confirmation_code(refused.value.warnings))
    db.session.commit()
    assert item.status == QaStatus.PUBLISHED
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "qa_published"))
    assert event.detail["identity_checked"] == ["organisation"]


# --- the gate's rules ---------------------------------------------------------------------------------------

def test_identity_markers_of_an_item(world):
    item = ask(world, RAW + " Of mail info@geheimezorg.nl.")
    assert identity_markers(item) == ["Geheime Zorg BV", "Geheime Zorg", "11111111", "geheimezorg.nl",
                                      "Anna Vraagsteller", "a@example.org", "info@geheimezorg.nl", "06-12345678"]


def test_identity_markers_leave_out_a_short_everyday_name_and_an_erased_person(world):
    org = make_org("Stichting Zorg")
    person = make_user("z@example.org", name="Zita Zorg", org=org)
    item = ask(world)
    item.asker_organisation, item.asked_by, item.asked_text = org, person, "Mag dat?"
    person.erased_at = utcnow()
    assert identity_markers(item) == ["Stichting Zorg"]


def test_identity_warnings_in_reading_order_each_once(world):
    item = ask(world)
    text = "Bel 06-12345678 of mail a@example.org; Geheime Zorg BV (KvK 11111111) wil weten of het mag."
    assert [str(w) for w in identity_warnings(text, item)] == [
        "Telefoonnummer: 06-12345678", "E-mailadres: a@example.org",
        "Naam van de organisatie die de vraag stelde: Geheime Zorg BV", "KvK-nummer: 11111111"]
    assert identity_warnings(PUBLISHED, item) == []


def test_identity_warnings_without_an_asker_still_find_contact_details(world):
    item = QaItem(consultation=world["consultation"], status=QaStatus.DRAFT, origin="initiative", question="", answer="")
    assert [str(w) for w in identity_warnings("Mail x@y.nl of bel 0201234567.", item)] == [
        "E-mailadres: x@y.nl", "Telefoonnummer: 0201234567"]
    assert publication_warnings(item, "Correctie op de planning", "De sluitingsdatum blijft.") == []


def test_published_question_per_audience(world):
    item = ask(world)
    assert answer(world, item, action="save").status_code == 302
    item = db.session.get(QaItem, item.id)
    assert published_question(item, Audience.TEAM) == PUBLISHED
    assert published_question(item, Audience.PARTICIPANT) is None
    assert published_question(item, Audience.PUBLIC) is None
    assert answer(world, item).status_code == 302
    assert published_question(db.session.get(QaItem, item.id), Audience.PUBLIC) == PUBLISHED


def test_published_items_carry_nothing_about_the_asker(world):
    item = ask(world)
    answer(world, item)
    ask(world, "Nog niet beantwoord?", who="provider2")
    items = published_items(world["consultation"])
    assert len(items) == 1 and isinstance(items[0], PublishedItem)
    shown = items[0]
    assert (shown.number, shown.theme, shown.question, shown.answer) == (1, None, PUBLISHED, ANSWER)
    assert not hasattr(shown, "asked_text") and not hasattr(shown, "asker_organisation")


@pytest.mark.parametrize("who,expected", [("asker", True), ("colleague", True), ("editor", True), ("analyst", True),
                                          ("provider2", False), ("council_a", False)])
def test_who_may_see_the_asker(world, who, expected):
    item = ask(world)
    assert may_see_asker(item, world["users"][who]) is expected
    assert asker_withheld(item, world["users"][who]) == (None if expected else Protected.QA_ASKER)


# --- nothing of the asker leaves the team ---------------------------------------------------------------------

def _mail_text(message) -> str:
    parts = [message["Subject"]]
    for kind in ("plain", "html"):
        body = message.get_body((kind,))
        if body is not None:
            parts.append(body.get_content())
    return "\n".join(parts)


def _qa_outputs(world, who) -> dict[str, str]:
    client = world["clients"][who]
    outputs = {"qa": text_of(client.get("/consultations/wmo/qa")),
               "qa.odt": OdfDocument(io.BytesIO(client.get("/consultations/wmo/qa/export.odt").data)).get_formatted_text()}
    pdf = PdfReader(io.BytesIO(client.get("/consultations/wmo/qa/export.pdf").data))
    outputs["qa.pdf"] = " ".join(page.extract_text() for page in pdf.pages)
    if who != "anonymous":
        outputs["received"] = text_of(client.get("/consultations/wmo/qa/received"))
        outputs["notifications"] = text_of(client.get("/notifications"))
    return {name: " ".join(text.split()) for name, text in outputs.items()}


def _report_outputs(client) -> dict[str, str]:
    outputs = {"report": text_of(client.get("/consultations/wmo/report")),
               "report.odt": OdfDocument(io.BytesIO(client.get("/consultations/wmo/report.odt").data)).get_formatted_text()}
    docx = DocxDocument(io.BytesIO(client.get("/consultations/wmo/report.docx").data))
    outputs["report.docx"] = "\n".join([p.text for p in docx.paragraphs] + [
        cell.text for table in docx.tables for row in table.rows for cell in row.cells])
    pdf = PdfReader(io.BytesIO(client.get("/consultations/wmo/report.pdf").data))
    outputs["report.pdf"] = " ".join(page.extract_text() for page in pdf.pages)
    return {name: " ".join(text.split()) for name, text in outputs.items()}


def test_the_raw_question_and_the_asker_never_reach_a_non_team_output(world):
    outbox().clear()
    item = ask(world)
    ask(world, "Geldt de indexatie ook voor lopende trajecten?", who="provider2")  # provider2 takes part
    assert answer(world, item).status_code == 302
    outputs = {}
    for who in ("provider2", "council_a", "anonymous"):
        outputs |= {f"{who}:{name}": text for name, text in _qa_outputs(world, who).items()}
    consultation = db.session.get(Consultation, world["consultation"].id)
    consultation.status = Status.CLOSED
    db.session.commit()
    published = post_form(world["clients"]["editor"], "/consultations/wmo/report/edit",
                          {"summary": "Samenvatting.", "introduction": "", "next_steps": "", "action": "publish"})
    assert published.status_code == 302
    outputs |= {f"anonymous:{name}": text for name, text in _report_outputs(world["clients"]["anonymous"]).items()}
    mails = [message for message in outbox()]
    assert {m["To"] for m in mails} >= {"a@example.org", "a2@example.org", "b@example.org"}
    outputs |= {f"mail to {m['To']}: {m['Subject']}": " ".join(_mail_text(m).split()) for m in mails}
    for name, text in outputs.items():
        # A mail to the asker greets her by name; it too carries only the published question.
        own = name.startswith(("mail to a@example.org", "mail to a2@example.org"))
        assert [marker for marker in (RAW_PARTS if own else IDENTITY) if marker in text] == [], name
    for name in ("provider2:qa", "provider2:qa.odt", "provider2:qa.pdf", "provider2:received", "council_a:qa",
                 "anonymous:qa", "anonymous:qa.pdf", "anonymous:report", "anonymous:report.odt", "anonymous:report.pdf"):
        assert PUBLISHED in outputs[name], name
    qa_mails = [text for name, text in outputs.items() if "Vraag 1 van " in name]
    # Everyone registered hears of it: both of the asker's organisation, the other provider, both councils.
    assert len(qa_mails) == 5 and all(PUBLISHED in text for text in qa_mails)
    told = db.session.scalars(select(Notification).where(Notification.kind == Kind.QA)).all()
    assert {n.data["question"] for n in told} == {PUBLISHED}


def test_what_the_team_typed_and_confirmed_is_published_as_typed(world):
    """The leak check above can fail: a name the team deliberately publishes does appear."""
    item = ask(world)
    html = answer(world, item, "Mag Geheime Zorg BV onderaannemers inzetten?").get_data(as_text=True)
    answer(world, item, "Mag Geheime Zorg BV onderaannemers inzetten?", confirm_identity="y",
           confirmation=confirmation_on(html))
    assert "Mag Geheime Zorg BV onderaannemers inzetten?" in text_of(world["clients"]["provider2"].get("/consultations/wmo/qa"))


def test_the_askers_own_organisation_sees_its_question_as_asked_others_do_not(world):
    ask(world)
    assert RAW in text_of(world["clients"]["colleague"].get("/consultations/wmo/qa"))
    for who in ("provider2", "council_a", "anonymous"):
        page = text_of(world["clients"][who].get("/consultations/wmo/qa"))
        assert [marker for marker in IDENTITY if marker in page] == [], who


# --- advice: drafts stay with the council, replies with the team until published ------------------------------

@pytest.fixture
def advice_world(world):
    editor = world["users"]["editor"]
    request = request_advice(world["consultation"], question="Wat vindt u van de uitgangspunten?",
                             due_on=(utcnow() + timedelta(days=14)).date(),
                             councils=[world["councils"]["a"], world["councils"]["b"]], by=editor)
    advice_a, advice_b = request.advices
    add_point(advice_a, title="Betrek cliënten", body="Laat ervaringsdeskundigen meelezen.", by=world["users"]["council_a"])
    add_point(advice_b, title="Concept Zuid", body="ZUID-CONCEPT: nog niet ingediend.", by=world["users"]["council_b"])
    submit(advice_a, by=world["users"]["council_a"])
    save_reply(advice_a, introduction="REPLY-CONCEPT inleiding.",
               replies={advice_a.points[0].id: (Disposition.ADOPTED, "REPLY-CONCEPT: we nodigen er twee uit.")}, by=editor)
    db.session.commit()
    dispatch_committed()
    outbox().clear()
    return {**world, "a": advice_a, "b": advice_b}


def test_a_councils_draft_advice_reaches_no_one_else(advice_world):
    w = advice_world
    draft = w["b"]
    for who in ("council_a", "provider2", "editor", "analyst", "anonymous"):
        response = w["clients"][who].get(f"/advice/{draft.id}")
        assert response.status_code in (302, 404), who
        assert "ZUID-CONCEPT" not in text_of(w["clients"][who].get("/consultations/wmo/advice")), who
    assert "ZUID-CONCEPT" in text_of(w["clients"]["council_b"].get(f"/advice/{draft.id}"))
    assert [may_show_advice(draft, w["users"][who]) for who in ("council_b", "council_a", "provider2", "editor")] == [
        True, False, False, False]


def test_the_reply_leaves_the_team_only_when_published(advice_world):
    w = advice_world
    advice = w["a"]
    council_page = text_of(w["clients"]["council_a"].get(f"/advice/{advice.id}"))
    assert "Laat ervaringsdeskundigen meelezen." in council_page and "REPLY-CONCEPT" not in council_page
    assert w["clients"]["provider2"].get(f"/advice/{advice.id}").status_code == 404
    assert "REPLY-CONCEPT: we nodigen er twee uit." in w["clients"]["editor"].get(f"/advice/{advice.id}").get_data(as_text=True)
    assert [may_show_reply(advice, w["users"][who]) for who in ("editor", "council_a", "provider2")] == [False, False, False]
    assert published_advices(w["consultation"]) == []
    publish_reply(advice, by=w["users"]["editor"])
    db.session.commit()
    for who in ("council_a", "provider2", "council_b"):
        page = text_of(w["clients"][who].get(f"/advice/{advice.id}"))
        assert "REPLY-CONCEPT inleiding." in page and "REPLY-CONCEPT: we nodigen er twee uit." in page, who
    assert [a.id for a in published_advices(w["consultation"])] == [advice.id]
    assert db.session.get(Advice, w["b"].id).status == AdviceStatus.DRAFT


def test_mail_about_published_advice_carries_no_draft_text(advice_world):
    w = advice_world
    ask(w, "Een vraag, zodat Zorg B deelneemt.", who="provider2")
    outbox().clear()
    publish_reply(w["a"], by=w["users"]["editor"])
    db.session.commit()
    dispatch_committed()
    mails = outbox()
    # Everyone registered hears of it, also the asker's organisation that took no part in the advice.
    assert sorted(m["To"] for m in mails) == ["a2@example.org", "a@example.org", "b@example.org",
                                              "noord@example.org", "zuid@example.org"]
    for message in mails:
        text = _mail_text(message)
        assert message["Subject"] == "Reactie op het advies van Adviesraad Noord gepubliceerd"
        assert "ZUID-CONCEPT" not in text and "Concept Zuid" not in text
