"""Analysis: submitted answers per question with filters and paging, tags (whole answers, bulk,
excerpts), key quotes, syntheses, statistics with a disclosure threshold, permissions."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from consult.analysis.models import Coding, Quote, Synthesis, SynthesisStatus, Tag
from consult.audit.models import AuditEvent
from consult.consultations.models import Consultation, Question, QuestionKind, Status, TeamMember, TeamRole, Theme
from consult.core.time import utcnow
from consult.extensions import db
from consult.orgs.models import OrgKind
from consult.responses.models import Publication, Response
from consult.responses.services import save_answer, set_publication, start_response, submit
from tests.conftest import login, make_org, make_user, post_form, text_of
from tests.question_actions import action_url


@pytest.fixture
def world(app):
    leiden = make_org("Gemeente Leiden", kind=OrgKind.MUNICIPALITY)
    consultation = Consultation(slug="wmo", title="Wmo", status=Status.OPEN, municipalities=[leiden],
                                closes_at=utcnow() + timedelta(days=5), principles=[])
    theme = Theme(title="Bekostiging", position=0)
    theme.questions.extend([
        Question(text="Wat werkt goed?", kind=QuestionKind.OPEN, position=0, audience="both"),
        Question(text="Welke bekostiging?", kind=QuestionKind.SINGLE, options=["Taakgericht", "Resultaat", "PxQ"],
                 position=1, audience="both"),
        Question(text="Tevreden?", kind=QuestionKind.SCALE, position=2, audience="both"),
        Question(text="Kostprijs per uur?", kind=QuestionKind.NUMBER, unit="euro", position=3,
                 confidential_default=True),
    ])
    consultation.themes.append(theme)
    db.session.add(consultation)
    db.session.commit()
    users = {
        "editor": make_user("editor@example.org", name="Eva Editor", org=leiden),
        "analyst": make_user("analyst@example.org", name="Ali Analist", org=leiden),
        "other_team": make_user("other@example.org", name="Otto Ander", org=leiden),
    }
    db.session.add_all([
        TeamMember(consultation_id=consultation.id, user_id=users["editor"].id, role=TeamRole.EDITOR),
        TeamMember(consultation_id=consultation.id, user_id=users["analyst"].id, role=TeamRole.ANALYST),
    ])
    db.session.commit()
    q = {question.text: question for question in theme.questions}
    return {"consultation": consultation, "theme": theme, "q": q, "users": users}


def respond(world, name, *, kind=OrgKind.PROVIDER, open_text=None, choice=None, scale=None, cost=None,
            confidential_cost=True, publication=Publication.NAMED, kvk=None) -> Response:
    org = make_org(name, kind=kind, kvk=kvk)
    user = make_user(f"{name.lower().replace(' ', '.')}@example.org", name=f"Lid {name}", org=org)
    response = start_response(world["consultation"], org, by=user)
    q = world["q"]
    for question, value, confidential in [(q["Wat werkt goed?"], open_text, False),
                                          (q["Welke bekostiging?"], choice, False),
                                          (q["Tevreden?"], scale, False),
                                          (q["Kostprijs per uur?"], cost, confidential_cost)]:
        if value is not None:
            save_answer(response, question, value, confidential, None, by=user)
    set_publication(response, publication, by=user)
    submit(response, by=user, notify=False)
    db.session.commit()
    return response


def client_for(app, email):
    client = app.test_client()
    assert login(client, email).status_code == 302
    return client


def question_url(world, text, **args):
    query = "&".join(f"{k}={v}" for k, v in args.items())
    return f"/consultations/wmo/analysis/questions/{world['q'][text].id}" + (f"?{query}" if query else "")


@pytest.mark.parametrize("who,expected", [("analyst", 200), ("editor", 200), ("other_team", 404),
                                          ("provider", 404), ("council", 404)])
def test_only_the_team_analyses(app, world, who, expected):
    respond(world, "Zorg A", kvk="10000001", open_text="Korte lijnen", cost=61.5)
    if who == "provider":
        make_user("p@example.org", org=make_org("Zorg P", kvk="10000009"))
        email = "p@example.org"
    elif who == "council":
        make_user("r@example.org", org=make_org("Raad", kind=OrgKind.COUNCIL))
        email = "r@example.org"
    else:
        email = world["users"][who].email
    client = client_for(app, email)
    for url in ["/consultations/wmo/analysis", question_url(world, "Kostprijs per uur?"),
                f"/consultations/wmo/analysis/themes/{world['theme'].id}", "/consultations/wmo/analysis/tags"]:
        page = client.get(url)
        assert page.status_code == expected, url
        assert ("61,5" in page.get_data(as_text=True)) == (expected == 200 and "questions" in url)
    assert app.test_client().get("/consultations/wmo/analysis").status_code == 302


def test_only_submitted_content_counts_and_confidential_answers_are_marked_and_audited(app, world):
    first = respond(world, "Zorg A", kvk="10000001", open_text="Korte lijnen", cost=61.5)
    # A later draft change that is not submitted is not analysed.
    save_answer(first, world["q"]["Wat werkt goed?"], "Nog niet ingediend", False, None,
                by=db.session.scalar(select(Response)).organisation.memberships[0].user)
    db.session.commit()
    org = make_org("Zorg Concept", kvk="10000002")
    drafter = make_user("concept@example.org", org=org)
    draft = start_response(world["consultation"], org, by=drafter)
    save_answer(draft, world["q"]["Wat werkt goed?"], "Alleen concept", False, None, by=drafter)
    db.session.commit()
    client = client_for(app, "analyst@example.org")
    open_page = text_of(client.get(question_url(world, "Wat werkt goed?")))
    assert "Korte lijnen" in open_page and "Nog niet ingediend" not in open_page and "Alleen concept" not in open_page
    assert "1 van de 1 antwoorden komen overeen." in open_page
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "confidential_viewed")) == 0
    cost_page = text_of(client.get(question_url(world, "Kostprijs per uur?")))
    assert "Vertrouwelijk: alleen het team" in cost_page
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "confidential_viewed"))
    assert event.actor_id == world["users"]["analyst"].id
    assert event.detail["answers"] == [f"{first.id}-{world['q']['Kostprijs per uur?'].id}"]


def test_number_statistics_team_sees_all_public_only_under_disclosure_control(app, world):
    client = client_for(app, "editor@example.org")
    for n, cost in enumerate([58.0, 60.0, 62.5, 70.0], start=1):
        respond(world, f"Zorg {n}", kvk=f"2000000{n}", cost=cost)
    page = text_of(client.get(question_url(world, "Kostprijs per uur?")))
    # The team sees every value (confidential ones included), the report nothing yet.
    assert "Aantal antwoorden Laagste Eerste kwartiel Mediaan Derde kwartiel Hoogste 4 58 59,5 61,25 64,38 70" in page
    assert ("In het gepubliceerde verslag Niet gepubliceerd: minder dan 5 organisaties waarvan de antwoorden "
            "mogen meetellen, hebben geantwoord.") in page
    respond(world, "Zorg 5", kvk="20000005", cost=80.0)
    page = text_of(client.get(question_url(world, "Kostprijs per uur?")))
    assert "Aantal antwoorden Laagste Eerste kwartiel Mediaan Derde kwartiel Hoogste 5 58 60 62,5 70 80" in page
    # Confidential costs count in nothing published unless the question said so before publishing.
    assert "Niet gepubliceerd: minder dan 5 organisaties" in page
    world["q"]["Kostprijs per uur?"].confidential_in_totals = True
    db.session.commit()
    page = text_of(client.get(question_url(world, "Kostprijs per uur?")))
    # Mean 66.1 rounded to 66; the quartiles 60 and 70 are organisations' own values, so the band moves out.
    assert ("In het gepubliceerde verslag Gemiddeld ongeveer 66 euro; de middelste helft van de organisaties "
            "tussen 59 euro en 71 euro (5 organisaties; afgerond op 1).") in page


def test_choice_and_scale_distribution_per_stakeholder_type(app, world):
    respond(world, "Zorg A", kvk="30000001", choice="PxQ", scale=4)
    respond(world, "Zorg B", kvk="30000002", choice="PxQ", scale=5)
    respond(world, "Zorg C", kvk="30000003", choice="Resultaat", scale=4)
    respond(world, "Adviesraad", kind=OrgKind.COUNCIL, choice="Taakgericht")
    client = client_for(app, "analyst@example.org")
    page = text_of(client.get(question_url(world, "Welke bekostiging?")))
    assert "Zorgaanbieders: 3 antwoorden Antwoord Aantal Aandeel Balk Taakgericht 0 0% Resultaat 1 33% PxQ 2 67%" in page
    assert "Adviesraden: 1 antwoord Antwoord Aantal Aandeel Balk Taakgericht 1 100% Resultaat 0 0% PxQ 0 0%" in page
    html = client.get(question_url(world, "Welke bekostiging?")).get_data(as_text=True)
    assert 'class="bar bar--w65"' in html  # 67% rounded to the 5% bar step, the number is in the table
    scale = text_of(client.get(question_url(world, "Tevreden?")))
    assert "1 0 0% 2 0 0% 3 0 0% 4 2 67% 5 1 33%" in scale


def test_filters_and_paging(app, world):
    for n in range(30):
        respond(world, f"Zorg {n:02d}", kvk=f"4{n:07d}",
                open_text=f"Antwoord {n:02d} over {'reistijd' if n % 3 == 0 else 'tarieven'}")
    respond(world, "Adviesraad", kind=OrgKind.COUNCIL, open_text="Raad over reistijd")
    client = client_for(app, "analyst@example.org")
    url = question_url(world, "Wat werkt goed?")
    first = text_of(client.get(url))
    assert "31 van de 31 antwoorden komen overeen." in first
    assert "Antwoord 24" in first and "Antwoord 25" not in first
    second = text_of(client.get(url + "?page=2"))
    assert "Antwoord 25" in second and "Raad over reistijd" in second and "Antwoord 00" not in second
    assert "11 van de 31 antwoorden komen overeen." in text_of(client.get(url + "?q=REISTIJD"))
    assert "1 van de 31 antwoorden komen overeen." in text_of(client.get(url + "?q=reistijd&type=council"))
    assert "30 van de 31 antwoorden komen overeen." in text_of(client.get(url + "?type=provider"))


def test_tags_bulk_tagging_counts_and_tag_filter(app, world):
    responses = [respond(world, f"Zorg {n}", kvk=f"5000000{n}", open_text=f"Over {'reistijd' if n < 3 else 'tarieven'}")
                 for n in range(5)]
    client = client_for(app, "analyst@example.org")
    bad = post_form(client, "/consultations/wmo/analysis/tags", {"name": " ", "colour": "blue"})
    assert bad.status_code == 200 and "Geef de tag een naam." in text_of(bad)
    assert post_form(client, "/consultations/wmo/analysis/tags", {"name": "Reistijd", "colour": "green",
                                                                   "description": "Over reistijd"}).status_code == 302
    dup = post_form(client, "/consultations/wmo/analysis/tags", {"name": "reistijd", "colour": "red"})
    assert "Er is al een tag met deze naam." in text_of(dup)
    tag = db.session.scalar(select(Tag))
    question = world["q"]["Wat werkt goed?"]
    url = question_url(world, "Wat werkt goed?", q="reistijd")
    tagged = post_form(client, action_url(url, "tag_filtered"), {"action": "tag_filtered", "tag": str(tag.id)})
    assert tagged.status_code == 302
    assert sorted(db.session.scalars(select(Coding.response_id))) == [r.id for r in responses[:3]]
    # Again: nothing is tagged twice.
    post_form(client, action_url(url, "tag_filtered"), {"action": "tag_filtered", "tag": str(tag.id)})
    assert db.session.scalar(select(func.count(Coding.id))) == 3
    selected = post_form(client, action_url(question_url(world, "Wat werkt goed?"), "tag_selected"), {
        "action": "tag_selected", "tag": str(tag.id), "answers": [f"{responses[4].id}-{question.id}", "999-999"]})
    assert selected.status_code == 302
    assert db.session.scalar(select(func.count(Coding.id))) == 4
    overview = text_of(client.get("/consultations/wmo/analysis"))
    assert "1. Wat werkt goed? 5 Reistijd 4" in overview
    assert "4 van de 5 antwoorden komen overeen." in text_of(client.get(question_url(world, "Wat werkt goed?", tag=tag.id)))
    coding = db.session.scalar(select(Coding).where(Coding.response_id == responses[0].id))
    assert post_form(client, action_url(question_url(world, "Wat werkt goed?"), "remove_coding"), {"action": "remove_coding",
                                                                      "coding": str(coding.id)}).status_code == 302
    assert db.session.scalar(select(func.count(Coding.id))) == 3


def test_the_overview_shows_the_five_most_used_tags_per_question_and_theme(app, world):
    responses = [respond(world, f"Zorg {n}", kvk=f"5000000{n}", open_text=f"Antwoord {n}", scale=3) for n in range(7)]
    question, scale = world["q"]["Wat werkt goed?"], world["q"]["Tevreden?"]
    # Seven tags on the open question, tag n on the first n + 1 answers; "Schaal" once on the scale question.
    tags = [Tag(consultation_id=world["consultation"].id, name=name, colour="blue")
            for name in ("Reistijd", "Tarief", "Wachttijd", "Personeel", "Vervoer", "Regels", "Zzp", "Schaal")]
    db.session.add_all(tags)
    db.session.flush()
    for n, tag in enumerate(tags[:7]):
        db.session.add_all(Coding(tag_id=tag.id, response_id=response.id, question_id=question.id)
                           for response in responses[:n + 1])
    db.session.add(Coding(tag_id=tags[7].id, response_id=responses[0].id, question_id=scale.id))
    db.session.commit()
    overview = text_of(client_for(app, "analyst@example.org").get("/consultations/wmo/analysis"))
    assert "1. Wat werkt goed? 7 Zzp 7, Regels 6, Vervoer 5, Personeel 4, Wachttijd 3 en nog 2 andere tags" in overview
    assert "3. Tevreden? 7 Schaal 1 nog niet geschreven" in overview
    assert ("Tags in dit thema: Zzp 7, Regels 6, Vervoer 5, Personeel 4, Wachttijd 3 en nog 3 andere tags "
            "( alle tags met hun aantallen )") in overview


def test_excerpts_and_quotes_survive_other_answers_changing(app, world):
    first = respond(world, "Zorg A", kvk="60000001", open_text="De reistijd tussen cliënten wordt niet vergoed.",
                    publication=Publication.ANONYMOUS)
    second = respond(world, "Zorg B", kvk="60000002", open_text="Tarieven zijn te laag.", cost=55.0)
    tag = Tag(consultation_id=world["consultation"].id, name="Reistijd", colour="blue")
    db.session.add(tag)
    db.session.commit()
    client = client_for(app, "analyst@example.org")
    question = world["q"]["Wat werkt goed?"]
    url = question_url(world, "Wat werkt goed?")
    wrong = post_form(client, action_url(url, "excerpt"), {"answer": f"{first.id}-{question.id}", "tag": str(tag.id),
                                    "excerpt": "reistijd wordt vergoed"})
    assert wrong.status_code == 200
    assert "Deze tekst staat niet in het antwoord." in text_of(wrong)
    assert "reistijd wordt vergoed</textarea>" in wrong.get_data(as_text=True)  # the typed text stays
    ok = post_form(client, action_url(url, "excerpt"), {"answer": f"{first.id}-{question.id}", "tag": str(tag.id),
                                 "excerpt": "reistijd tussen cliënten", "quote": "1"})
    assert ok.status_code == 302
    coding = db.session.scalar(select(Coding))
    assert (coding.start, coding.end, coding.excerpt) == (3, 27, "reistijd tussen cliënten")
    # Another organisation changes and resubmits its answer: the excerpt stays exact.
    second.consultation  # noqa: B018 (loaded)
    user = second.organisation.memberships[0].user
    save_answer(second, question, "Een heel ander, veel langer antwoord over tarieven en indexatie.", False, None, by=user)
    submit(second, by=user, notify=False)
    db.session.commit()
    page = client.get(url).get_data(as_text=True)
    assert "“reistijd tussen cliënten”" in page and "het antwoord is sindsdien gewijzigd" not in page
    assert "(toegeschreven aan: een aanbieder): “reistijd tussen cliënten”" in text_of(client.get(url))
    # A confidential answer is never quoted.
    cost = world["q"]["Kostprijs per uur?"]
    refused = post_form(client, action_url(question_url(world, "Kostprijs per uur?"), "excerpt"),
                        {"answer": f"{second.id}-{cost.id}", "excerpt": "55", "quote": "1"})
    assert "Een vertrouwelijk antwoord kan niet worden geciteerd." in text_of(refused)
    assert db.session.scalar(select(func.count(Quote.id))) == 1


def test_synthesis_per_question_and_theme_with_status(app, world):
    respond(world, "Zorg A", kvk="70000001", open_text="Korte lijnen")
    client = client_for(app, "analyst@example.org")
    url = question_url(world, "Wat werkt goed?")
    empty_final = post_form(client, action_url(url, "synthesis"), {"synthesis": " ", "status": "final"})
    assert empty_final.status_code == 200 and "Schrijf de synthese voordat u die definitief maakt." in text_of(empty_final)
    assert post_form(client, action_url(url, "synthesis"), {"synthesis": "Aanbieders waarderen **korte lijnen**.",
                                   "status": "final"}).status_code == 302
    theme_url = f"/consultations/wmo/analysis/themes/{world['theme'].id}"
    assert post_form(client, theme_url, {"synthesis": "Over bekostiging is men verdeeld.", "status": "draft"},
                     csrf_from=theme_url).status_code == 302
    rows = {(s.question_id, s.status, s.text) for s in db.session.scalars(select(Synthesis))}
    assert rows == {(world["q"]["Wat werkt goed?"].id, SynthesisStatus.FINAL, "Aanbieders waarderen **korte lijnen**."),
                    (None, SynthesisStatus.DRAFT, "Over bekostiging is men verdeeld.")}
    theme_page = client.get(theme_url).get_data(as_text=True)
    assert "<strong>korte lijnen</strong>" in theme_page


def test_discussion_messages_are_tagged_and_quoted_anonymously(app, world):
    from consult.dialogue.models import Post
    from consult.dialogue.services import create_thread, reply

    provider_org = make_org("Zorg Praat", kvk="80000001")
    provider = make_user("praat@example.org", name="Piet Praat", org=provider_org)
    thread = create_thread(world["consultation"], None, "Reistijd", "Reistijd wordt nergens vergoed.", by=provider)
    reply(thread, "Het team kijkt ernaar.", by=world["users"]["editor"])  # the team's own message is not input
    tag = Tag(consultation_id=world["consultation"].id, name="Reistijd", colour="green")
    db.session.add(tag)
    db.session.commit()
    post = db.session.scalar(select(Post).where(Post.author_id == provider.id))
    client = client_for(app, "analyst@example.org")
    url = "/consultations/wmo/analysis/posts"
    page = text_of(client.get(url))
    assert "1 bericht" in page and "Reistijd wordt nergens vergoed." in page and "Het team kijkt ernaar." not in page
    assert post_form(client, url, {"action": "tag", "post": str(post.id), "tag": str(tag.id)}).status_code == 302
    assert post_form(client, url, {"action": "tag", "post": str(post.id), "tag": str(tag.id)}).status_code == 302
    assert db.session.scalar(select(func.count(Coding.id)).where(Coding.post_id == post.id)) == 1
    wrong = post_form(client, url, {"action": "quote", "post": str(post.id), "excerpt": "wel vergoed"})
    assert "Deze tekst staat niet in het antwoord." in text_of(wrong) and "wel vergoed</textarea>" in wrong.get_data(as_text=True)
    assert post_form(client, url, {"action": "quote", "post": str(post.id), "excerpt": "nergens vergoed"}).status_code == 302
    assert "(toegeschreven aan: een aanbieder): “nergens vergoed”" in text_of(client.get(url))
    assert "1 bericht" in text_of(client.get(url + f"?tag={tag.id}"))
    assert "0 berichten" in text_of(client.get(url + "?q=tarief"))
    make_user("p2@example.org", org=make_org("Zorg Q", kvk="80000002"))
    assert client_for(app, "p2@example.org").get(url).status_code == 404
