"""Nobody left untold, and a home page that says what to do now (issue 18).

The team hears of what waits for it (reported messages, messages to approve, new questions) in the
bell and by e-mail as each member chose; published answers and advice replies reach everyone
registered for the consultation; councils hear that the strategy draft is shared, and their
consultation page links to it. After logging in the home page shows each person what they can do
now. The pre-moderation switch sits on the moderation page; a contact person sees pending
invitations and sends them again or withdraws them.
"""
from __future__ import annotations

import re
from datetime import date, time, timedelta

import pytest
from sqlalchemy import func, select, update

from consult.advice.models import Advice, AdviceStatus, Disposition
from consult.advice.services import add_point, publish_reply, request_advice, save_reply
from consult.advice.services import submit as submit_advice
from consult.audit.models import AuditEvent
from consult.consultations.models import Consultation, Question, QuestionKind, Status, TeamMember, TeamRole, Theme
from consult.core.mail import outbox
from consult.core.time import combine_local, to_local, utcnow
from consult.dialogue.models import Post, PostStatus, Thread
from consult.extensions import db
from consult.home.overview import VISIT_GAP, record_visit
from consult.notify.models import Frequency, Kind, Notification, Preference, Visit
from consult.orgs.models import Invitation, MemberRole, OrgKind
from consult.qa.models import QaItem
from consult.responses.models import Publication, Response
from consult.responses.services import save_answer, set_publication, start_response
from consult.responses.services import submit as submit_response
from consult.strategy.services import create_draft, share
from tests.conftest import make_org, make_user, post_form, sign_in, text_of

SLUG = "wmo"


def _late_on(days: int):
    """Late in the evening ``days`` days from today: that many calendar days and whole days left at
    any hour the suite runs."""
    return combine_local(to_local(utcnow()).date() + timedelta(days=days), time(23, 59))


@pytest.fixture
def world(app):
    leiden = make_org("Gemeente Leiden", kind=OrgKind.MUNICIPALITY)
    consultation = Consultation(slug=SLUG, title="Wmo Leidse regio", status=Status.OPEN, municipalities=[leiden],
                                closes_at=_late_on(days=10), principles=[])
    theme = Theme(title="Toegang", position=0)
    theme.questions.append(Question(text="Hoe ervaren cliënten de toegang?", kind=QuestionKind.OPEN, position=0))
    consultation.themes.append(theme)
    db.session.add(consultation)
    db.session.commit()
    zorg_a, zorg_b = make_org("Zorg A", kvk="11111111"), make_org("Zorg B", kvk="22222222")
    raad, clientenraad = make_org("Adviesraad Leiden", kind=OrgKind.COUNCIL), make_org("Cliëntenraad", kind=OrgKind.COUNCIL)
    users = {
        "provider": make_user("a@example.org", name="Anna Aanbieder", org=zorg_a, role=MemberRole.CONTACT),
        "colleague": make_user("a2@example.org", name="Arie Collega", org=zorg_a),
        "provider2": make_user("b@example.org", name="Bert Bijstand", org=zorg_b, role=MemberRole.CONTACT),
        "council": make_user("raad@example.org", name="Rita Raad", org=raad, role=MemberRole.CONTACT),
        "council2": make_user("clientenraad@example.org", name="Cor Cliënt", org=clientenraad, role=MemberRole.CONTACT),
        "editor": make_user("editor@example.org", name="Eva Editor", org=leiden, role=MemberRole.CONTACT),
        "analyst": make_user("analyst@example.org", name="Ali Analist"),
        "municipal": make_user("ambtenaar@example.org", name="Mo Gemeente", org=leiden),
    }
    db.session.add_all([
        TeamMember(consultation_id=consultation.id, user_id=users["editor"].id, role=TeamRole.EDITOR),
        TeamMember(consultation_id=consultation.id, user_id=users["analyst"].id, role=TeamRole.ANALYST),
    ])
    db.session.commit()
    clients = {"anonymous": None}
    for key, user in users.items():
        clients[key] = app.test_client()
        sign_in(clients[key], user)
    return {"consultation": consultation, "users": users, "clients": clients,
            "orgs": {"zorg_a": zorg_a, "zorg_b": zorg_b, "raad": raad, "clientenraad": clientenraad}}


def _consultation(world) -> Consultation:
    return db.session.get(Consultation, world["consultation"].id)


def _told(kind: Kind, **data) -> list[tuple[int, str]]:
    """(user id, link) of every notification of ``kind`` whose data has these values."""
    rows = db.session.execute(select(Notification.user_id, Notification.link, Notification.data)
                              .where(Notification.kind == kind).order_by(Notification.user_id)).all()
    return [(uid, link) for uid, link, values in rows if all(values.get(k) == v for k, v in data.items())]


def _ids(world, *keys) -> list[int]:
    return sorted(world["users"][key].id for key in keys)


def _mails_to(address: str) -> list[str]:
    return [message["Subject"] for message in outbox() if message["To"] == address]


def _mail_text(message) -> str:
    return f"{message['Subject']}\n{message.get_body(('plain',)).get_content()}"


def start_thread(world, who="provider", title="Toegang voor iedereen", body="Hoe regelen jullie de toegang?"):
    response = post_form(world["clients"][who], f"/consultations/{SLUG}/discussion",
                         {"theme": "0", "title": title, "body": body})
    assert response.status_code == 302, text_of(response)
    return db.session.scalars(select(Thread).order_by(Thread.id.desc())).first()


def ask(world, who="provider", text="Wij van Zorg A vragen: mag onderaanneming?") -> QaItem:
    response = post_form(world["clients"][who], f"/consultations/{SLUG}/qa", {"theme": "0", "text": text})
    assert response.status_code == 302, text_of(response)
    return db.session.scalar(select(QaItem).order_by(QaItem.id.desc()))


def publish_answer(world, item: QaItem, question="Mag een aanbieder onderaannemers inzetten?"):
    response = post_form(world["clients"]["editor"], f"/qa/{item.id}",
                         {"theme": "0", "question": question, "answer": "Ja, onder voorwaarden.", "action": "publish"})
    assert response.status_code == 302, text_of(response)


# --- the team is told what waits for it -----------------------------------------------------------

def test_reported_message_reaches_the_team_in_the_bell_and_by_mail(world):
    thread = start_thread(world, who="provider2")
    post = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    outbox().clear()
    reported = post_form(world["clients"]["provider"], f"/posts/{post.id}/report", {"reason": "Noemt een cliënt."})
    assert reported.status_code == 302
    link = f"/consultations/{SLUG}/moderation#reports-title"
    assert _told(Kind.WAITING, event="reported") == [(world["users"]["editor"].id, link),
                                                     (world["users"]["analyst"].id, link)]
    subject = "Een bericht in “Toegang voor iedereen” is gemeld"
    assert _mails_to("editor@example.org") == [subject]
    assert _mails_to("analyst@example.org") == [subject]
    assert sorted(message["To"] for message in outbox()) == ["analyst@example.org", "editor@example.org"]
    body = _mail_text(outbox()[0])
    assert "Noemt een cliënt." not in body and "Hoe regelen jullie de toegang?" not in body
    assert f"http://localhost{link}" in body


def test_a_team_member_who_chose_the_daily_digest_gets_no_mail_at_once(world):
    db.session.add(Preference(user_id=world["users"]["analyst"].id, kind=Kind.WAITING, frequency=Frequency.DAILY))
    db.session.add(Preference(user_id=world["users"]["editor"].id, kind=Kind.WAITING, frequency=Frequency.OFF))
    db.session.commit()
    outbox().clear()
    ask(world)
    delivery = dict(db.session.execute(select(Notification.user_id, Notification.delivery)
                                       .where(Notification.kind == Kind.WAITING)).all())
    assert delivery == {world["users"]["analyst"].id: "digest", world["users"]["editor"].id: "none"}
    assert outbox() == []


def test_a_message_waiting_for_approval_reaches_the_team_and_no_follower(world):
    thread = start_thread(world, who="provider2")
    consultation = _consultation(world)
    consultation.premoderation = True
    db.session.commit()
    outbox().clear()
    post_form(world["clients"]["provider"], f"/discussion/{thread.id}/posts", {"body": "Wachtend bericht van A"})
    pending = db.session.scalar(select(Post).where(Post.status == PostStatus.PENDING))
    link = f"/consultations/{SLUG}/moderation#pending-title"
    assert _told(Kind.WAITING, event="pending") == [(world["users"]["editor"].id, link),
                                                    (world["users"]["analyst"].id, link)]
    assert _told(Kind.THREAD_REPLY) == []
    assert sorted(_mails_to("editor@example.org")) == ["Een bericht in “Toegang voor iedereen” wacht op goedkeuring"]
    assert "Wachtend bericht van A" not in "\n".join(_mail_text(m) for m in outbox())
    assert pending.author_id == world["users"]["provider"].id


def test_a_new_discussion_waiting_for_approval_reaches_the_team_by_its_title(world):
    consultation = _consultation(world)
    consultation.premoderation = True
    db.session.commit()
    outbox().clear()
    start_thread(world, who="provider", title="Wachtend gesprek")
    assert _ids(world, "editor", "analyst") == [uid for uid, _link in _told(Kind.WAITING, event="pending_thread")]
    assert _mails_to("analyst@example.org") == ["Nieuw gesprek “Wachtend gesprek” wacht op goedkeuring"]
    assert _mails_to("b@example.org") == []


def test_a_new_question_reaches_the_team_without_naming_who_asked(world):
    outbox().clear()
    item = ask(world)
    assert _told(Kind.WAITING, event="asked") == [(world["users"]["editor"].id, f"/qa/{item.id}"),
                                                  (world["users"]["analyst"].id, f"/qa/{item.id}")]
    assert _mails_to("editor@example.org") == ["Nieuwe vraag over “Wmo Leidse regio”"]
    mails = "\n".join(_mail_text(m) for m in outbox())
    assert "Zorg A" not in mails and "Anna" not in mails and "onderaanneming" not in mails
    assert sorted(m["To"] for m in outbox()) == ["analyst@example.org", "editor@example.org"]


# --- everyone registered hears what the others hear ------------------------------------------------

def test_a_published_answer_reaches_every_registered_provider_and_council_at_once(world):
    unverified = make_user("nieuw@example.org", name="Nog Niet", org=world["orgs"]["zorg_b"], verified=False)
    follower_elsewhere = make_user("volger@example.org", name="Vera Volger", org=make_org("Stichting Overig",
                                                                                          kind=OrgKind.OTHER))
    thread = start_thread(world, who="provider")
    post_form(world["clients"]["editor"], f"/discussion/{thread.id}/posts", {"body": "Het team reageert."})
    from consult.dialogue.services import follow
    follow(db.session.get(Thread, thread.id), follower_elsewhere)
    db.session.commit()
    item = ask(world)
    outbox().clear()
    publish_answer(world, item)
    told = sorted(uid for uid, _link in _told(Kind.QA, n=1))
    # Nobody of Zorg B, the councils or the follower took part before; the team and the municipality's
    # other staff are not registered for it, and an address never confirmed gets nothing.
    assert told == sorted(_ids(world, "provider", "colleague", "provider2", "council", "council2")
                          + [follower_elsewhere.id])
    assert unverified.id not in told
    subjects = {m["To"]: m["Subject"] for m in outbox()}
    assert sorted(subjects) == ["a2@example.org", "a@example.org", "b@example.org", "clientenraad@example.org",
                                "raad@example.org", "volger@example.org"]
    assert set(subjects.values()) == {"Vraag 1 van “Wmo Leidse regio” is beantwoord"}
    for message in outbox():
        assert "Wij van Zorg A" not in _mail_text(message)
        assert "Mag een aanbieder onderaannemers inzetten?" in _mail_text(message)


def test_published_advice_with_its_reply_reaches_providers_that_took_no_part(world):
    consultation = _consultation(world)
    editor = world["users"]["editor"]
    advice_request = request_advice(consultation, question="Sluiten de thema's aan?", due_on=date.today() + timedelta(days=7),
                                    councils=[world["orgs"]["raad"]], by=editor)
    db.session.commit()
    advice = advice_request.advices[0]
    advice.introduction = "Ons advies."
    add_point(advice, title="Toegang", body="Maak de toegang eenvoudiger.", by=world["users"]["council"])
    submit_advice(advice, by=world["users"]["council"])
    save_reply(advice, introduction="Dank.", replies={advice.points[0].id: (Disposition.ADOPTED, "Doen we.")}, by=editor)
    db.session.commit()
    outbox().clear()
    publish_reply(advice, by=editor)
    db.session.commit()
    assert advice.status == AdviceStatus.PUBLISHED
    assert sorted(uid for uid, _link in _told(Kind.ADVICE, event="replied")) == \
        _ids(world, "provider", "colleague", "provider2", "council", "council2")


# --- councils and the strategy draft -----------------------------------------------------------------

def test_sharing_the_strategy_draft_tells_every_council_member_and_links_their_page(world):
    consultation = _consultation(world)
    consultation.status = Status.CLOSED
    db.session.commit()
    council_page = world["clients"]["council2"].get(f"/consultations/{SLUG}")
    assert "Het concept van de inkoopstrategie lezen en becommentariëren" not in text_of(council_page)
    draft = create_draft(consultation, by=world["users"]["editor"])
    share(draft, by=world["users"]["editor"])
    db.session.commit()
    link = f"/consultations/{SLUG}/strategy"
    # No council was asked for advice; both may read the shared draft, so both hear of it.
    assert _told(Kind.ADVICE, event="strategy_shared") == [(world["users"]["council"].id, link),
                                                           (world["users"]["council2"].id, link)]
    text = text_of(world["clients"]["council2"].get(f"/consultations/{SLUG}"))
    assert ("Het concept van de inkoopstrategie Het projectteam heeft het concept van de inkoopstrategie gedeeld "
            "met de adviesraden. Het concept van de inkoopstrategie lezen en becommentariëren") in text
    html = world["clients"]["council2"].get(f"/consultations/{SLUG}").get_data(as_text=True)
    assert f'href="{link}"' in html
    for who in ("provider", "editor"):
        assert "Het concept van de inkoopstrategie lezen" not in text_of(world["clients"][who].get(f"/consultations/{SLUG}"))


# --- the home page ---------------------------------------------------------------------------------

def _home(world, who) -> str:
    page = world["clients"][who].get("/")
    assert page.status_code == 200
    return text_of(page)


def test_home_page_of_a_provider_offers_to_begin_or_continue_each_open_consultation(world):
    closed = Consultation(slug="oud", title="Oude consultatie", status=Status.CLOSED, principles=[],
                          closes_at=utcnow() - timedelta(days=3))
    db.session.add(closed)
    db.session.commit()
    text = _home(world, "provider")
    assert ("Open consultaties Wmo Leidse regio Sluit op" in text and "(nog 10 dagen) Zorg A is nog niet begonnen aan "
            "een reactie. Begin de reactie van Zorg A Vragen en antwoorden : nog geen antwoorden gepubliceerd") in text
    assert "Oude consultatie" not in text
    html = world["clients"]["provider"].get("/").get_data(as_text=True)
    assert re.search(r'<form method="post" action="/consultations/wmo/respond"', html)
    started = post_form(world["clients"]["provider"], f"/consultations/{SLUG}/respond",
                        {"organisation_id": str(world["orgs"]["zorg_a"].id)})
    assert started.status_code == 302
    response = db.session.scalar(select(Response))
    text = _home(world, "colleague")
    assert "De reactie van Zorg A is een concept en is nog niet ingediend. Verder met de reactie van Zorg A" in text
    assert f'href="/responses/{response.id}"' in world["clients"]["colleague"].get("/").get_data(as_text=True)


def test_home_page_counts_unread_answers_until_the_questions_page_is_read(world):
    for n in range(2):
        publish_answer(world, ask(world, text=f"Vraag {n}?"), question=f"Gepubliceerde vraag {n}?")
    assert "Vragen en antwoorden : 2 nieuwe antwoorden die u nog niet hebt gelezen" in _home(world, "provider2")
    world["clients"]["provider2"].get(f"/consultations/{SLUG}/qa")
    assert "Vragen en antwoorden : 2 antwoorden gepubliceerd, niets nieuws voor u" in _home(world, "provider2")
    publish_answer(world, ask(world, text="Nog een vraag?"), question="Derde vraag?")
    assert ("Vragen en antwoorden : 1 nieuw antwoord dat u nog niet hebt gelezen (3 gepubliceerd)"
            in _home(world, "provider2"))
    # Reading is per person: a colleague of another organisation still has all three to read.
    assert "3 nieuwe antwoorden die u nog niet hebt gelezen" in _home(world, "council")


def test_home_page_of_a_council_lists_the_advice_it_was_asked_for(world):
    request_advice(_consultation(world), question="Sluiten de thema's aan?", due_on=date(2031, 3, 14),
                   councils=[world["orgs"]["raad"]], by=world["users"]["editor"])
    db.session.commit()
    advice = db.session.scalar(select(Advice))
    text = _home(world, "council")
    assert ("Advies gevraagd aan uw adviesraad Advies van Adviesraad Leiden over “Wmo Leidse regio” "
            "Dien het uiterlijk 14 maart 2031 in.") in text
    assert f'href="/advice/{advice.id}"' in world["clients"]["council"].get("/").get_data(as_text=True)
    assert "Advies gevraagd aan uw adviesraad" not in _home(world, "council2")


def test_home_page_of_the_team_counts_what_waits(world):
    consultation = _consultation(world)
    thread = start_thread(world, who="provider2")
    post = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    post_form(world["clients"]["provider"], f"/posts/{post.id}/report", {"reason": "Klopt niet."})
    consultation.premoderation = True
    db.session.commit()
    for body in ("Eerste", "Tweede"):
        post_form(world["clients"]["provider"], f"/discussion/{thread.id}/posts", {"body": body})
    ask(world)
    published = ask(world, who="provider2")
    publish_answer(world, published)
    text = _home(world, "editor")
    assert ("Wat er op het projectteam wacht Wmo Leidse regio Open nog 10 dagen tot de sluitingsdatum "
            "2 berichten wachten op goedkeuring 1 gemeld bericht 1 vraag wacht op antwoord "
            "0 ingediende adviezen wachten op de reactie van de gemeente 0 reacties ingediend") in text
    html = world["clients"]["editor"].get("/").get_data(as_text=True)
    for href in ("/consultations/wmo/moderation", "/consultations/wmo/moderation#reports-title",
                 "/consultations/wmo/qa/manage", "/consultations/wmo/advice", "/consultations/wmo/responses"):
        assert f'href="{href}"' in html
    # An analyst does not answer questions, so the count is not a link for them.
    assert 'href="/consultations/wmo/qa/manage"' not in world["clients"]["analyst"].get("/").get_data(as_text=True)
    assert "Wat er op het projectteam wacht" not in _home(world, "provider")


def test_home_page_of_the_team_counts_responses_since_the_last_visit(world):
    editor = world["users"]["editor"]
    assert "sinds uw vorige bezoek" not in _home(world, "editor")  # the first visit has no "since"
    earlier = utcnow() - timedelta(hours=2)
    db.session.execute(update(Visit).where(Visit.user_id == editor.id).values(seen_at=earlier))
    db.session.commit()
    consultation, provider = _consultation(world), world["users"]["provider"]
    response = start_response(consultation, world["orgs"]["zorg_a"], by=provider)
    save_answer(response, consultation.themes[0].questions[0], "Goed.", False, None, by=provider)
    set_publication(response, Publication.NAMED, by=provider)
    submit_response(response, by=provider)
    db.session.commit()
    text = _home(world, "editor")
    shown = f"1 reactie ingediend , 1 nieuwe sinds uw vorige bezoek ({to_local(earlier):%-d} "
    assert shown in text
    assert shown in _home(world, "editor")  # a reload within the visit keeps what it called new


def test_a_visit_ends_after_the_gap_and_the_next_one_counts_from_its_last_look(world):
    user = world["users"]["analyst"]
    start = utcnow()
    assert record_visit(user, start) is None
    assert record_visit(user, start + VISIT_GAP - timedelta(minutes=1)) is None  # the same visit
    later = start + VISIT_GAP - timedelta(minutes=1) + VISIT_GAP
    assert record_visit(user, later) == start + VISIT_GAP - timedelta(minutes=1)
    assert record_visit(user, later + timedelta(minutes=5)) == start + VISIT_GAP - timedelta(minutes=1)
    db.session.commit()
    assert db.session.scalar(select(func.count(Visit.id))) == 1


def test_home_page_of_a_visitor_explains_how_to_take_part(app, world):
    text = text_of(app.test_client().get("/"))
    assert "Zo doet u mee Meld uw organisatie aan." in text
    assert "Open consultaties" not in text and "Wat er op het projectteam wacht" not in text
    assert db.session.scalar(select(func.count(Visit.id))) == 0


# --- the pre-moderation switch on the moderation page ----------------------------------------------

def test_an_editor_switches_approval_on_and_off_on_the_moderation_page(world):
    editor = world["clients"]["editor"]
    page = editor.get(f"/consultations/{SLUG}/moderation").get_data(as_text=True)
    assert re.search(r'<input[^>]*checked[^>]*value="off"|<input[^>]*value="off"[^>]*checked', page)
    switched = post_form(editor, f"/consultations/{SLUG}/moderation/premoderation", {"premoderation": "on"})
    assert switched.status_code == 302
    assert switched.headers["Location"] == f"/consultations/{SLUG}/moderation#premoderation-title"
    assert _consultation(world).premoderation is True
    assert "Berichten wachten nu op goedkeuring van een moderator voordat anderen ze zien." in \
        text_of(editor.get(f"/consultations/{SLUG}/moderation"))
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "consultation_updated"))
    assert event.detail == {"fields": ["premoderation"]}
    post_form(editor, f"/consultations/{SLUG}/moderation/premoderation", {"premoderation": "off"})
    assert _consultation(world).premoderation is False


def test_the_switch_refuses_a_missing_choice_with_a_message_and_keeps_the_setting(world):
    consultation = _consultation(world)
    consultation.premoderation = True
    db.session.commit()
    refused = post_form(world["clients"]["editor"], f"/consultations/{SLUG}/moderation/premoderation",
                        {"premoderation": "sometimes"})
    assert refused.status_code == 200
    assert "Er is een probleem" in text_of(refused)
    assert _consultation(world).premoderation is True


def test_an_analyst_sees_the_setting_but_cannot_switch_it(world):
    analyst = world["clients"]["analyst"]
    text = text_of(analyst.get(f"/consultations/{SLUG}/moderation"))
    assert ("Goedkeuring vóór publicatie Berichten zijn meteen zichtbaar; een moderator kan ze daarna verbergen. "
            "Een redacteur van de consultatie kan dit wijzigen.") in text
    assert post_form(analyst, f"/consultations/{SLUG}/moderation/premoderation",
                     {"premoderation": "on"}).status_code == 403
    assert post_form(world["clients"]["provider"], f"/consultations/{SLUG}/moderation/premoderation",
                     {"premoderation": "on"}).status_code == 403
    assert _consultation(world).premoderation is False


# --- invitations -----------------------------------------------------------------------------------

def _invite(world, email="nieuw@zorg-a.example.org"):
    org = world["orgs"]["zorg_a"]
    sent = post_form(world["clients"]["provider"], f"/organisation/{org.id}", {"email": email, "role": "member"})
    assert sent.status_code == 302
    return db.session.scalar(select(Invitation).where(Invitation.email == email))


def _invitation_link(message) -> str:
    return re.search(r"http://localhost(/invitation/[\w-]+)", _mail_text(message)).group(1)


def test_a_contact_person_sees_pending_invitations_and_sends_one_again(app, world):
    invitation = _invite(world)
    first_link = _invitation_link(outbox()[-1])
    org = world["orgs"]["zorg_a"]
    text = text_of(world["clients"]["provider"].get(f"/organisation/{org.id}"))
    assert "Uitnodigingen die nog niet zijn geaccepteerd" in text
    assert "nieuw@zorg-a.example.org (lid) Uitgenodigd: " in text and "door Anna Aanbieder. Link geldig tot: " in text
    db.session.execute(update(Invitation).where(Invitation.id == invitation.id)
                       .values(expires_at=utcnow() - timedelta(days=1)))
    db.session.commit()
    assert "Verlopen op" in text_of(world["clients"]["provider"].get(f"/organisation/{org.id}"))
    outbox().clear()
    resent = post_form(world["clients"]["provider"], f"/organisation/{org.id}/invitations/{invitation.id}/resend")
    assert resent.status_code == 302 and resent.headers["Location"].endswith("#invitations-title")
    assert [m["To"] for m in outbox()] == ["nieuw@zorg-a.example.org"]
    new_link = _invitation_link(outbox()[0])
    assert new_link != first_link
    db.session.refresh(invitation)
    assert invitation.expires_at > utcnow() + timedelta(days=6)
    visitor = app.test_client()
    assert visitor.get(first_link).status_code == 400
    assert visitor.get(new_link).status_code == 200
    assert "De uitnodiging aan nieuw@zorg-a.example.org is opnieuw verstuurd." in \
        text_of(world["clients"]["provider"].get(f"/organisation/{org.id}"))
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.action == "invitation_resent")) == \
        "invitation_resent"


def test_a_contact_person_withdraws_an_invitation_and_its_link_stops_working(app, world):
    invitation = _invite(world)
    link = _invitation_link(outbox()[-1])
    org = world["orgs"]["zorg_a"]
    withdrawn = post_form(world["clients"]["provider"], f"/organisation/{org.id}/invitations/{invitation.id}/withdraw")
    assert withdrawn.status_code == 302
    assert db.session.scalar(select(func.count(Invitation.id))) == 0
    assert app.test_client().get(link).status_code == 400
    text = text_of(world["clients"]["provider"].get(f"/organisation/{org.id}"))
    assert "De uitnodiging aan nieuw@zorg-a.example.org is ingetrokken; de link werkt niet meer." in text
    assert "Er zijn geen uitnodigingen die nog op acceptatie wachten." in text
    assert db.session.scalar(select(AuditEvent.detail).where(AuditEvent.action == "invitation_withdrawn")) == \
        {"email": "nieuw@zorg-a.example.org", "organisation_id": org.id}


def test_only_the_organisations_contact_persons_manage_its_invitations(world):
    invitation = _invite(world)
    org = world["orgs"]["zorg_a"]
    member_page = text_of(world["clients"]["colleague"].get(f"/organisation/{org.id}"))
    assert "Uitnodigingen die nog niet zijn geaccepteerd" not in member_page
    base = f"/organisation/{org.id}/invitations/{invitation.id}"
    assert post_form(world["clients"]["colleague"], f"{base}/resend").status_code == 403
    assert post_form(world["clients"]["colleague"], f"{base}/withdraw").status_code == 403
    assert post_form(world["clients"]["provider2"], f"{base}/withdraw").status_code == 404
    other = world["orgs"]["zorg_b"]
    assert post_form(world["clients"]["provider2"],
                     f"/organisation/{other.id}/invitations/{invitation.id}/withdraw").status_code == 404
    invitation.accepted_at = utcnow()
    db.session.commit()
    assert post_form(world["clients"]["provider"], f"{base}/resend").status_code == 404
    assert db.session.scalar(select(func.count(Invitation.id))) == 1
