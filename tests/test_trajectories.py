"""Rounds of one trajectory: the team links consultations as rounds, the public timeline shows each
person the rounds they may see (an invitation-only round by title only to other providers and
councils, who may ask to join), the team grants or declines once, and a provider copies its own
submitted answers of an earlier round into a later one."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from consult.audit.models import AuditEvent
from consult.consultations.models import Consultation, Question, QuestionKind, Status, TeamRole, Theme
from consult.consultations.trajectory_models import JoinRequest, JoinStatus, Trajectory, TrajectoryRound
from consult.consultations.trajectory_services import (
    AlreadyHandled,
    TrajectoryRefused,
    add_round,
    create_trajectory,
    decide_join_request,
    request_to_join,
)
from consult.core.time import utcnow
from consult.extensions import db
from consult.notify.models import Kind, Notification
from consult.orgs.models import OrgKind
from tests.conftest import add_team, clients_for, get_csrf, make_org, make_user, post_form, text_of


def _consultation(slug: str, title: str, status: Status, *, invited_only: bool = False, invited=(),
                  municipality=None) -> Consultation:
    consultation = Consultation(slug=slug, title=title, status=status, municipalities=[municipality],
                                closes_at=utcnow() + timedelta(days=30), principles=[], invited_only=invited_only,
                                invited=list(invited), summary=f"Samenvatting van {title}")
    consultation.themes.append(Theme(title="Dienstverlening", position=0))
    db.session.add(consultation)
    db.session.commit()
    return consultation


@pytest.fixture
def world(app):
    leiden = make_org("Gemeente Leiden", kind=OrgKind.MUNICIPALITY)
    org_a, org_b = make_org("Zorg A", kvk="11111111"), make_org("Zorg B", kvk="22222222")
    council = make_org("Adviesraad Leiden", kind=OrgKind.COUNCIL)
    first = _consultation("verkenning", "Verkenning Wmo", Status.OPEN, municipality=leiden)
    second = _consultation("ontwikkeltafel", "Ontwikkeltafel Wmo", Status.OPEN, invited_only=True, invited=[org_a],
                           municipality=leiden)
    third = _consultation("pve", "Concept programma van eisen", Status.DRAFT, municipality=leiden)
    users = {
        "a1": make_user("a1@example.org", name="Anna Eerste", org=org_a),
        "b1": make_user("b1@example.org", name="Bert Bakker", org=org_b),
        "council": make_user("raad@example.org", name="Rita Raad", org=council),
        "editor": make_user("editor@example.org", name="Eva Editor"),
        "editor2": make_user("editor2@example.org", name="Erik Editor"),
        "other": make_user("other@example.org", name="Otto Ander"),
    }
    for consultation in (first, second, third):
        add_team(consultation, {users["editor"]: TeamRole.EDITOR})
    add_team(second, {users["editor2"]: TeamRole.EDITOR})
    trajectory = create_trajectory(title="Wmo Holland Rijnland", description="Drie rondes.", first=first,
                                   label="Verkenning", by=users["editor"])
    add_round(trajectory, second, label="Ontwikkeltafels", by=users["editor"])
    add_round(trajectory, third, label="Concept programma van eisen", by=users["editor"])
    db.session.commit()
    return {"trajectory": trajectory, "rounds": [first, second, third], "users": users,
            "orgs": {"a": org_a, "b": org_b, "council": council}}


def _rounds(page: str) -> list[str]:
    return re.findall(r'<h3 class="utrecht-heading-3">([^<]+)</h3>', page)


def test_timeline_shows_each_person_the_rounds_they_may_see(app, world):
    clients = clients_for(app, world["users"])
    seen = {}
    for who in ("anonymous", "a1", "b1", "council", "other", "editor"):
        response = clients[who].get("/trajectories/wmo-holland-rijnland")
        assert response.status_code == 200, who
        seen[who] = _rounds(response.get_data(as_text=True))
    assert seen == {
        "anonymous": ["Ronde 1: Verkenning"],
        "a1": ["Ronde 1: Verkenning", "Ronde 2: Ontwikkeltafels"],
        "b1": ["Ronde 1: Verkenning", "Ronde 2: Ontwikkeltafels"],
        "council": ["Ronde 1: Verkenning", "Ronde 2: Ontwikkeltafels"],
        "other": ["Ronde 1: Verkenning"],
        "editor": ["Ronde 1: Verkenning", "Ronde 2: Ontwikkeltafels", "Ronde 3: Concept programma van eisen"],
    }
    invited = clients["a1"].get("/trajectories/wmo-holland-rijnland").get_data(as_text=True)
    assert 'href="/consultations/ontwikkeltafel"' in invited and "Samenvatting van Ontwikkeltafel Wmo" in invited
    outsider = clients["b1"].get("/trajectories/wmo-holland-rijnland")
    html = outsider.get_data(as_text=True)
    # Title only: no link, no summary, no dates of the invitation-only round; a form to ask to join.
    assert "Ontwikkeltafel Wmo · Op uitnodiging" in text_of(outsider)
    assert 'href="/consultations/ontwikkeltafel"' not in html
    assert "Samenvatting van Ontwikkeltafel Wmo" not in html
    assert html.count("sluit op") == 1
    assert f'action="/trajectories/wmo-holland-rijnland/rounds/{world["trajectory"].rounds[1].id}/join"' in html
    public = clients["anonymous"].get("/trajectories/wmo-holland-rijnland").get_data(as_text=True)
    for secret in ("Ontwikkeltafel", "Concept programma van eisen", "Ontwikkeltafels"):
        assert secret not in public


def test_timeline_of_nothing_visible_is_not_found(app, world):
    for consultation in world["rounds"][:2]:
        consultation.status = Status.DRAFT
    db.session.commit()
    assert app.test_client().get("/trajectories/wmo-holland-rijnland").status_code == 404
    assert app.test_client().get("/trajectories/no-such-trajectory").status_code == 404


def test_consultation_page_names_its_round(app, world):
    page = app.test_client().get("/consultations/verkenning")
    assert "Ronde 1 van het traject Wmo Holland Rijnland" in text_of(page)
    assert 'href="/trajectories/wmo-holland-rijnland"' in page.get_data(as_text=True)


def test_team_builds_orders_and_removes_rounds(app, world):
    leiden = world["rounds"][0].municipalities[0]
    fourth = _consultation("contract", "Ontwikkeltafels contract", Status.DRAFT, municipality=leiden)
    add_team(fourth, {world["users"]["editor"]: TeamRole.EDITOR})
    clients = clients_for(app, {"editor": world["users"]["editor"], "editor2": world["users"]["editor2"]})
    editor = clients["editor"]
    url = "/trajectories/wmo-holland-rijnland/manage"
    # Erik edits round 2 only: he may not change the trajectory.
    assert clients["editor2"].get(url).status_code == 403
    missing = post_form(editor, url, {"consultation": "", "label": ""}, csrf_from=url)
    assert missing.status_code == 400
    assert "Kies een consultatie." in text_of(missing) and "Vul de naam van de ronde in." in text_of(missing)
    assert post_form(editor, url, {"consultation": str(fourth.id), "label": "Contract"},
                     csrf_from=url).status_code == 302
    trajectory = db.session.get(Trajectory, world["trajectory"].id)
    db.session.refresh(trajectory)
    assert [(r.label, r.consultation.slug) for r in trajectory.rounds] == [
        ("Verkenning", "verkenning"), ("Ontwikkeltafels", "ontwikkeltafel"),
        ("Concept programma van eisen", "pve"), ("Contract", "contract")]
    last = trajectory.rounds[3]
    assert post_form(editor, f"/trajectories/wmo-holland-rijnland/rounds/{last.id}/up", csrf_from=url).status_code == 302
    assert post_form(editor, f"/trajectories/wmo-holland-rijnland/rounds/{trajectory.rounds[0].id}/remove",
                     csrf_from=url).status_code == 302
    db.session.expire_all()
    assert [r.label for r in db.session.get(Trajectory, trajectory.id).rounds] == [
        "Ontwikkeltafels", "Contract", "Concept programma van eisen"]
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action.in_(["trajectory_round_added", "trajectory_round_moved", "trajectory_round_removed"]))) == 5


def test_editor_starts_a_trajectory_from_the_access_page(app, world):
    leiden = world["rounds"][0].municipalities[0]
    solo = _consultation("solo", "Losse consultatie", Status.OPEN, municipality=leiden)
    add_team(solo, {world["users"]["editor"]: TeamRole.EDITOR})
    editor = clients_for(app, {"editor": world["users"]["editor"]})["editor"]
    access = editor.get("/consultations/solo/manage/access")
    assert "Een traject beginnen met deze consultatie" in text_of(access)
    empty = post_form(editor, "/consultations/solo/manage/trajectory", {"title": "", "label": "Ronde"},
                      csrf_from="/consultations/solo/manage/trajectory")
    assert "Vul de naam van het traject in." in text_of(empty) and 'value="Ronde"' in empty.get_data(as_text=True)
    made = post_form(editor, "/consultations/solo/manage/trajectory", {"title": "Jeugd 2028", "label": "Verkenning"},
                     csrf_from="/consultations/solo/manage/trajectory")
    assert made.status_code == 302 and made.headers["Location"] == "/trajectories/jeugd-2028/manage"
    # Someone who does not edit the consultation cannot.
    other = clients_for(app, {"other": world["users"]["other"]})["other"]
    assert other.get("/consultations/solo/manage/trajectory").status_code == 403


def _ask(client, world, reason="Wij bieden dagbesteding in de regio."):
    round_id = world["trajectory"].rounds[1].id
    return post_form(client, f"/trajectories/wmo-holland-rijnland/rounds/{round_id}/join",
                     {"organisation": str(world["orgs"]["b"].id), "reason": reason},
                     csrf_from="/trajectories/wmo-holland-rijnland")


def test_ask_to_join_granted_once_and_told(app, world):
    clients = clients_for(app, world["users"])
    empty = _ask(clients["b1"], world, reason="")
    assert empty.status_code == 400
    assert "Geef kort aan waarom uw organisatie wil meedoen." in text_of(empty)
    assert _ask(clients["b1"], world).status_code == 302
    request = db.session.scalar(select(JoinRequest))
    assert (request.organisation.name, request.status, request.reason) == (
        "Zorg B", JoinStatus.PENDING, "Wij bieden dagbesteding in de regio.")
    told = db.session.scalars(select(Notification).where(Notification.kind == Kind.WAITING)).all()
    assert [(n.user_id, n.data["event"], n.data["organisation"]) for n in told] == [
        (world["users"]["editor"].id, "join_requested", "Zorg B"), (world["users"]["editor2"].id, "join_requested", "Zorg B")]
    timeline = text_of(clients["b1"].get("/trajectories/wmo-holland-rijnland"))
    assert "Zorg B vroeg op" in timeline and "het projectteam heeft nog niet besloten." in timeline
    # The team sees it on the access page and grants it; a second decision from the same form is refused.
    access = text_of(clients["editor"].get("/consultations/ontwikkeltafel/manage/access"))
    assert "Zorg B vroeg op" in access and "Verzoek van Zorg B toekennen of afwijzen" in access
    url = f"/consultations/ontwikkeltafel/manage/access/requests/{request.id}"
    csrf = get_csrf(clients["editor"], url)
    csrf2 = get_csrf(clients["editor2"], url)
    first = clients["editor"].post(url, data={"csrf_token": csrf, "decision": "grant", "reason": "", "version": "1"})
    second = clients["editor2"].post(url, data={"csrf_token": csrf2, "decision": "decline", "reason": "Vol.",
                                                "version": "1"})
    assert first.status_code == 302 and second.status_code == 409
    assert "Dit verzoek is al toegekend: Zorg B is uitgenodigd." in text_of(second)
    second_consultation = db.session.get(Consultation, world["rounds"][1].id)
    db.session.refresh(second_consultation)
    assert [org.name for org in second_consultation.invited] == ["Zorg A", "Zorg B"]
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "join_request_granted")) == 1
    heard = db.session.scalars(select(Notification).where(Notification.kind == Kind.CHANGED)).all()
    assert [(n.user_id, n.data["event"], n.link) for n in heard] == [
        (world["users"]["b1"].id, "join_granted", "/consultations/ontwikkeltafel")]
    assert clients["b1"].get("/consultations/ontwikkeltafel").status_code == 200


def test_decline_needs_a_reason_and_tells_it(app, world):
    clients = clients_for(app, world["users"])
    assert _ask(clients["b1"], world).status_code == 302
    request = db.session.scalar(select(JoinRequest))
    url = f"/consultations/ontwikkeltafel/manage/access/requests/{request.id}"
    bare = post_form(clients["editor"], url, {"decision": "decline", "reason": "", "version": "1"}, csrf_from=url)
    assert bare.status_code == 400 and "Geef aan waarom het verzoek wordt afgewezen." in text_of(bare)
    done = post_form(clients["editor"], url, {"decision": "decline", "reason": "De tafel is vol.", "version": "1"},
                     csrf_from=url)
    assert done.status_code == 302
    heard = db.session.scalar(select(Notification).where(Notification.kind == Kind.CHANGED))
    assert (heard.data["event"], heard.data["reason"], heard.consultation_id, heard.link) == (
        "join_declined", "De tafel is vol.", None, "/trajectories/wmo-holland-rijnland")
    timeline = text_of(clients["b1"].get("/trajectories/wmo-holland-rijnland"))
    assert "Het projectteam heeft het verzoek van Zorg B afgewezen: De tafel is vol." in timeline
    assert clients["b1"].get("/consultations/ontwikkeltafel").status_code == 404
    # Asking again reopens the one request.
    assert _ask(clients["b1"], world, reason="Wij hebben nu capaciteit.").status_code == 302
    db.session.expire_all()
    assert [(r.status, r.reason, r.version) for r in db.session.scalars(select(JoinRequest))] == [
        (JoinStatus.PENDING, "Wij hebben nu capaciteit.", 3)]


def test_only_outsiders_of_an_open_invitation_round_may_ask(app, world):
    clients = clients_for(app, world["users"])
    round_id = world["trajectory"].rounds[1].id
    url = f"/trajectories/wmo-holland-rijnland/rounds/{round_id}/join"
    for who, status in (("a1", 403), ("editor", 403), ("other", 403)):
        response = post_form(clients[who], url, {"organisation": str(world["orgs"]["a"].id), "reason": "x"},
                             csrf_from="/trajectories/wmo-holland-rijnland")
        assert response.status_code == status, who
    # b1 cannot ask on behalf of an organisation that is not theirs.
    foreign = post_form(clients["b1"], url, {"organisation": str(world["orgs"]["a"].id), "reason": "x"},
                        csrf_from="/trajectories/wmo-holland-rijnland")
    assert foreign.status_code == 400 and "Namens Fout: Ongeldige keuze. Zorg B" in text_of(foreign)
    assert db.session.scalar(select(func.count()).select_from(JoinRequest)) == 0


def test_deciding_a_handled_request_in_the_service_raises(app, world):
    request = request_to_join(world["rounds"][1], world["orgs"]["b"], reason="Graag.", by=world["users"]["b1"])
    db.session.commit()
    decide_join_request(request, grant=True, reason="", version=1, by=world["users"]["editor"])
    db.session.commit()
    with pytest.raises(AlreadyHandled):
        decide_join_request(request, grant=True, reason="", version=1, by=world["users"]["editor2"])
    db.session.rollback()
    assert [org.name for org in db.session.get(Consultation, world["rounds"][1].id).invited] == ["Zorg A", "Zorg B"]
    assert db.session.scalar(select(func.count()).select_from(TrajectoryRound)) == 3
    assert db.session.scalar(select(Question.id)) is None and QuestionKind.OPEN.value == "open"


def test_a_round_or_request_written_by_someone_else_a_moment_before_is_refused_not_a_500(app, world, monkeypatch):
    """Two editors adding one consultation as a round, or two colleagues sending their organisation's
    first request, at the same moment: each check runs before the other's row is there, and the
    unique key of the database decides. The second is told, and nothing of it is written."""
    import consult.consultations.trajectory_services as services

    fourth = _consultation("tafels", "Ontwikkeltafels 2027", Status.OPEN, municipality=world["rounds"][0].municipalities[0])
    add_team(fourth, {world["users"]["editor"]: TeamRole.EDITOR})
    other = create_trajectory(title="Wmo 2027", description="", first=fourth, label="Tafels", by=world["users"]["editor"])
    db.session.commit()
    monkeypatch.setattr(services, "round_of", lambda consultation: None)  # the check saw nothing yet
    with pytest.raises(TrajectoryRefused) as refused:
        add_round(other, world["rounds"][0], label="Nog eens", by=world["users"]["editor"])
    assert (str(refused.value), refused.value.field) == ("Deze consultatie is al een ronde van een traject.", "consultation")
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(TrajectoryRound)) == 4

    request_to_join(world["rounds"][1], world["orgs"]["b"], reason="Graag.", by=world["users"]["b1"])
    db.session.commit()
    colleague = make_user("b2@example.org", name="Bea Bakker", org=world["orgs"]["b"])
    monkeypatch.setattr(services, "_join_request_of", lambda consultation, organisation: None)
    with pytest.raises(TrajectoryRefused) as refused:
        request_to_join(world["rounds"][1], world["orgs"]["b"], reason="Ook graag.", by=colleague)
    assert (str(refused.value), refused.value.field) == ("Zorg B heeft al gevraagd om mee te doen.", "reason")
    db.session.rollback()
    assert [(r.reason, r.requested_by_id) for r in db.session.scalars(select(JoinRequest))] == \
        [("Graag.", world["users"]["b1"].id)]


# --- pre-fill from an earlier round -------------------------------------------------------------

def _questions(consultation: Consultation, same_as=None) -> list[Question]:
    theme = consultation.themes[0]
    made = [Question(text="Hoe werkt u samen met de wijkteams?", kind=QuestionKind.OPEN, position=0),
            Question(text="Welke vorm van bekostiging past?", kind=QuestionKind.SINGLE,
                     options=["Taakgericht", "Inspanningsgericht"], position=1),
            Question(text="Wat is uw kostprijs per uur?", kind=QuestionKind.NUMBER, unit="€ per uur",
                     confidential_default=True, position=2)]
    for index, question in enumerate(made):
        if same_as:
            question.same_as_id = same_as[index].id
        theme.questions.append(question)
    db.session.commit()
    return made


def _submitted(consultation, org, user, values: dict, confidential: dict | None = None):
    from consult.responses.models import Publication
    from consult.responses.services import save_answer, set_publication, start_response, submit

    response = start_response(consultation, org, by=user)
    for question, value in values.items():
        save_answer(response, question, value, (confidential or {}).get(question, question.confidential_default),
                    None, by=user)
    set_publication(response, Publication.NAMED, by=user)
    submit(response, by=user, notify=False)
    db.session.commit()
    return response


@pytest.fixture
def rounds(world):
    """Round 1 (closed) with the submitted answers of Zorg A and Zorg B; round 2 (open, public) with
    the same three questions marked as the same; Zorg A's draft response of round 2."""
    from consult.responses.services import start_response

    first, second = world["rounds"][0], world["rounds"][1]
    second.invited_only = False
    earlier = _questions(first)
    users, orgs = world["users"], world["orgs"]
    mine = _submitted(first, orgs["a"], users["a1"], {earlier[0]: "Wekelijks overleg.", earlier[1]: "Taakgericht",
                                                      earlier[2]: 62.5})
    theirs = _submitted(first, orgs["b"], users["b1"], {earlier[0]: "Via de huisarts.",
                                                        earlier[1]: "Inspanningsgericht", earlier[2]: 71.0},
                        confidential={earlier[2]: False})
    first.status = Status.CLOSED
    later = _questions(second, same_as=earlier)
    draft = start_response(second, orgs["a"], by=users["a1"])
    db.session.commit()
    return {"earlier": earlier, "later": later, "mine": mine, "draft": draft, "b_response": theirs}


def test_copying_takes_only_own_answers_and_never_overwrites(app, world, rounds):
    from consult.responses.models import Answer
    from consult.responses.services import save_answer

    later, draft = rounds["later"], rounds["draft"]
    save_answer(draft, later[0], "Dit typte ik zelf.", False, None, by=world["users"]["a1"])
    db.session.commit()
    a1 = clients_for(app, {"a1": world["users"]["a1"]})["a1"]
    overview = a1.get(f"/responses/{draft.id}")
    assert "2 vragen zijn gelijk aan vragen" in text_of(overview) and "2 antwoorden overnemen" in text_of(overview)
    copied = post_form(a1, f"/responses/{draft.id}/copy-earlier", csrf_from=f"/responses/{draft.id}",
                       follow_redirects=True)
    assert "2 antwoorden zijn overgenomen uit de eerdere ronde. Controleer ze voordat u indient." in text_of(copied)
    db.session.expire_all()
    answers = {a.question_id: (a.value, a.confidential, a.copied_from_id, a.version)
               for a in db.session.scalars(select(Answer).where(Answer.response_id == draft.id))}
    first_submission = rounds["mine"].submissions[0].id
    assert answers == {later[0].id: ("Dit typte ik zelf.", False, None, 1),
                       later[1].id: ("Taakgericht", False, first_submission, 1),
                       later[2].id: (62.5, True, first_submission, 1)}
    assert db.session.scalar(select(AuditEvent.detail).where(AuditEvent.action == "answers_copied")) == {
        "question_ids": [later[1].id, later[2].id]}
    theme = a1.get(f"/responses/{draft.id}/themes/{later[0].theme_id}")
    html = theme.get_data(as_text=True)
    assert text_of(theme).count("Overgenomen uit ronde 1") == 2
    assert html.count(f'href="/responses/{rounds["mine"].id}/submissions/1"') == 2
    # Nothing left to copy: the offer is gone, and a second post copies nothing.
    assert "antwoorden overnemen" not in text_of(a1.get(f"/responses/{draft.id}"))
    again = post_form(a1, f"/responses/{draft.id}/copy-earlier", csrf_from=f"/responses/{draft.id}",
                      follow_redirects=True)
    assert "Er viel niets over te nemen: elke gemarkeerde vraag heeft al een antwoord." in text_of(again)


def test_copy_is_refused_to_other_organisations(app, world, rounds):
    clients = clients_for(app, {"b1": world["users"]["b1"], "editor": world["users"]["editor"]})
    for who in ("b1", "editor"):
        response = post_form(clients[who], f"/responses/{rounds['draft'].id}/copy-earlier")
        assert response.status_code == 404, who
    assert db.session.get(type(rounds["draft"]), rounds["draft"].id).answers == []


def test_editor_marks_a_question_as_the_same_of_the_same_kind(app, world, rounds):
    later, earlier = rounds["later"], rounds["earlier"]
    editor = clients_for(app, {"editor": world["users"]["editor"]})["editor"]
    url = f"/consultations/ontwikkeltafel/manage/questions/{later[0].id}"
    page = editor.get(url)
    assert f'<option selected value="{earlier[0].id}">Ronde 1, Open tekst: Hoe werkt u samen met de wijkteams?</option>' \
        in page.get_data(as_text=True)
    form = {"text": later[0].text, "kind": "open", "audience": "providers", "same_as": str(earlier[2].id),
            "reason": "Koppelen", "version": str(later[0].version)}
    wrong = post_form(editor, url, form, csrf_from=url)
    assert wrong.status_code == 200
    assert "Kies een vraag van hetzelfde soort uit een eerdere ronde." in text_of(wrong)
    assert post_form(editor, url, {**form, "same_as": ""}, csrf_from=url).status_code == 302
    assert db.session.get(Question, later[0].id).same_as_id is None
    # Round 1 has no earlier round: no such field.
    first_url = f"/consultations/verkenning/manage/questions/{earlier[0].id}"
    assert 'name="same_as"' not in editor.get(first_url).get_data(as_text=True)


def test_trajectory_pages_show_no_english_in_dutch(app, world, rounds):
    from tests.test_untranslated_pages import english_on, english_phrases, readable_text

    world["rounds"][1].invited_only = True
    db.session.commit()
    join = request_to_join(world["rounds"][1], world["orgs"]["b"], reason="Graag.", by=world["users"]["b1"])
    db.session.commit()
    clients = clients_for(app, world["users"])
    pages = {
        ("b1", "/trajectories/wmo-holland-rijnland"), ("anonymous", "/trajectories/wmo-holland-rijnland"),
        ("editor", "/trajectories/wmo-holland-rijnland"), ("editor", "/trajectories/wmo-holland-rijnland/manage"),
        ("editor", "/consultations/ontwikkeltafel/manage/access"),
        ("editor", f"/consultations/ontwikkeltafel/manage/access/requests/{join.id}"),
        ("editor", f"/consultations/ontwikkeltafel/manage/questions/{rounds['later'][0].id}"),
        ("a1", f"/responses/{rounds['draft'].id}"), ("anonymous", "/consultations/verkenning"),
    }
    found = {}
    for who, url in sorted(pages):
        response = clients[who].get(url)
        assert response.status_code == 200, (who, url)
        if english := english_on(readable_text(response.get_data(as_text=True)), english_phrases()):
            found[(who, url)] = english
    assert found == {}


# --- what changed since the earlier round -------------------------------------------------------

def _change_round_two(rounds):
    """Round 2's first question reworded, its second given an extra option, and a new fourth one."""
    later = rounds["later"]
    later[0].text = "Hoe werkt u samen met de wijkteams en de huisartsen?"
    later[1].options = ["Taakgericht", "Inspanningsgericht", "Resultaatgericht"]
    new = Question(text="Welke innovaties ziet u?", kind=QuestionKind.OPEN, position=3)
    later[0].theme.questions.append(new)
    db.session.commit()
    return new


def test_since_earlier_names_changed_unchanged_and_new_questions(app, world, rounds):
    from consult.consultations.trajectory_services import since_earlier

    new = _change_round_two(rounds)
    later, earlier = rounds["later"], rounds["earlier"]
    found = since_earlier(world["users"]["a1"], world["rounds"][1])
    assert {q: (s.earlier.id if s.earlier else None, s.round_number, s.changed, s.ops) for q, s in found.items()} == {
        later[0].id: (earlier[0].id, 1, ("text",), (("same", "Hoe werkt u samen met de"), ("del", "wijkteams?"),
                                                     ("ins", "wijkteams en de huisartsen?"))),
        later[1].id: (earlier[1].id, 1, ("options",), ()),
        later[2].id: (earlier[2].id, 1, (), ()),
        new.id: (None, None, (), ()),
    }
    assert found[new.id].is_new and not found[later[2].id].is_new
    # The first round has nothing earlier; a consultation outside any trajectory neither.
    assert since_earlier(world["users"]["a1"], world["rounds"][0]) == {}


def test_since_earlier_compares_only_with_rounds_the_person_may_view(app, world, rounds):
    from consult.consultations.trajectory_services import since_earlier
    from consult.responses.services import start_response

    second, third = world["rounds"][1], world["rounds"][2]
    users, orgs, later = world["users"], world["orgs"], rounds["later"]
    # Round 2 is invitation-only again (Zorg A invited, Zorg B not) and its first question names a
    # pilot; round 3 asks it again, reworded, and opens.
    second.invited_only = True
    later[0].text = "Hoe werkt u samen met de wijkteams in de GEHEIMEPILOT?"
    third.status = Status.OPEN
    third_questions = _questions(third, same_as=later)
    b1 = clients_for(app, {"b1": users["b1"]})["b1"]
    assert b1.get("/consultations/ontwikkeltafel").status_code == 404
    as_b = since_earlier(users["b1"], third)
    assert as_b == {}
    as_a = since_earlier(users["a1"], third)
    assert [(s.round_number, s.changed) for s in as_a.values()] == [(2, ("text",)), (2, ()), (2, ())]
    assert ("del", "wijkteams in de GEHEIMEPILOT?") in as_a[third_questions[0].id].ops
    response = start_response(third, orgs["b"], by=users["b1"])
    db.session.commit()
    for url in (f"/responses/{response.id}", f"/responses/{response.id}/themes/{third.themes[0].id}"):
        page = b1.get(url)
        assert page.status_code == 200, url
        text = text_of(page)
        assert "GEHEIMEPILOT" not in text and "ronde 2" not in text and "Nieuw in deze ronde" not in text, url
        assert "Wat is er veranderd sinds de eerdere ronde" not in text, url
    # A round that is still a draft: only its team compares with it.
    second.invited_only, second.status = False, Status.DRAFT
    db.session.commit()
    assert since_earlier(users["a1"], third) == {}
    assert [s.round_number for s in since_earlier(users["editor"], third).values()] == [2, 2, 2]


def test_response_pages_show_what_changed_and_check_the_copied_answer(app, world, rounds):
    new = _change_round_two(rounds)
    later, draft = rounds["later"], rounds["draft"]
    a1 = clients_for(app, {"a1": world["users"]["a1"]})["a1"]
    overview = text_of(a1.get(f"/responses/{draft.id}"))
    assert "Wat is er veranderd sinds de eerdere ronde" in overview
    assert ("2 vragen zijn in een eerdere ronde gesteld en sindsdien veranderd: "
            "Hoe werkt u samen met de wijkteams en de huisartsen? (ronde 1; veranderd: de formulering) "
            "Welke vorm van bekostiging past? (ronde 1; veranderd: de opties)") in overview
    assert "1 vraag is nieuw in deze ronde: Welke innovaties ziet u?" in overview
    post_form(a1, f"/responses/{draft.id}/copy-earlier", csrf_from=f"/responses/{draft.id}")
    page = a1.get(f"/responses/{draft.id}/themes/{later[0].theme_id}")
    html, text = page.get_data(as_text=True), text_of(page)
    assert ("Veranderd sinds ronde 1: de formulering. Hoe werkt u samen met de "
            "verwijderd: wijkteams? toegevoegd: wijkteams en de huisartsen?") in text
    assert "Overgenomen uit ronde 1 De vraag is sindsdien veranderd: controleer uw antwoord." in text
    assert "Ook gesteld in ronde 1, ongewijzigd. Overgenomen uit ronde 1" in text
    assert text.count("controleer uw antwoord") == 2  # the reworded open question and the single choice
    assert "Nieuw in deze ronde" in text
    # The notes are part of each field's description.
    assert re.search(rf'<textarea[^>]*id="q-{later[0].id}"[^>]*aria-describedby="since-{later[0].id} count-', html)
    assert f'<fieldset class="utrecht-form-fieldset utrecht-form-fieldset--html-fieldset choice-group" ' \
           f'id="q-{later[1].id}" aria-describedby="since-{later[1].id}"' in html
    assert f'aria-describedby="since-{new.id} count-{new.id}"' in html


# --- evidence from an earlier round -------------------------------------------------------------

def test_strategy_links_an_earlier_rounds_answer_and_refuses_other_rounds(app, world, rounds):
    from consult.advice.models import Disposition
    from consult.strategy.services import (
        StrategyRefused,
        create_draft,
        evidence_label,
        find_source,
        link_evidence,
        part_labels,
        sources,
    )

    first, second, third = world["rounds"]
    editor, earlier, mine = world["users"]["editor"], rounds["earlier"], rounds["mine"]
    ref = f"{first.id}:answer:{mine.id}-{earlier[0].id}"
    source = find_source(second, "earlier_round", ref)
    assert (source.type, source.ref, source.title, source.text, source.confidential) == (
        "earlier_round", ref, "Ronde 1 — Zorg A — Hoe werkt u samen met de wijkteams?", "Wekelijks overleg.", False)
    # The confidential figure of round 1 stays marked confidential, as in its own round.
    figure = find_source(second, "earlier_round", f"{first.id}:answer:{mine.id}-{earlier[2].id}")
    assert figure.confidential is True
    # The picker finds it among the earlier rounds' input, titled with the round.
    assert [(s.type, s.ref) for s in sources(second, "wekelijks")] == [("earlier_round", ref)]
    draft = create_draft(second, by=editor)
    link = link_evidence(draft, "general", "earlier_round", ref, Disposition.ADOPTED, "Overleg blijft wekelijks.",
                         by=editor)
    db.session.commit()
    assert evidence_label(part_labels(draft), link) == "Algemeen deel (inbreng van ronde 1)"
    # A later round, the round itself, another trajectory's consultation, or a made-up ref: no source.
    later_answer = f"{third.id}:answer:{mine.id}-{earlier[0].id}"
    outsider = _consultation("elders", "Elders", Status.OPEN, municipality=first.municipalities[0])
    for wrong in (later_answer, f"{second.id}:answer:{mine.id}-{earlier[0].id}",
                  f"{outsider.id}:answer:{mine.id}-{earlier[0].id}", f"{first.id}:earlier_round:x", "x:y:z", "1"):
        assert find_source(second, "earlier_round", wrong) is None, wrong
    with pytest.raises(StrategyRefused):
        link_evidence(draft, "general", "earlier_round", f"{first.id}:answer:{mine.id}-{earlier[0].id}".replace(
            str(first.id) + ":", str(outsider.id) + ":", 1), Disposition.ADOPTED, "x", by=editor)
    # Round 1 sees nothing earlier.
    assert find_source(first, "earlier_round", ref) is None


# --- the analysis and the report of a later round ------------------------------------------------

def _report_text(consultation) -> str:
    from consult.core.documents import BulletList, Heading, Paragraph, Table
    from consult.reports.report import build_report

    lines = []
    for block in build_report(consultation).blocks:
        if isinstance(block, (Heading, Paragraph)):
            lines.append(block.text)
        elif isinstance(block, BulletList):
            lines.extend(block.items)
        elif isinstance(block, Table):
            lines.append(f"[{block.caption}] " + " | ".join(block.columns))
            lines.extend(" | ".join(row) for row in block.rows)
    return "\n".join(lines)


def test_analysis_shows_earlier_answers_paged_and_quotes_one_for_the_report(app, world, rounds):
    from consult.analysis.models import Quote
    from consult.analysis.rounds import earlier_answer_page

    first, second = world["rounds"][0], world["rounds"][1]
    later, earlier, mine = rounds["later"], rounds["earlier"], rounds["mine"]
    answers, page = earlier_answer_page(second, later[0], 1, 1)
    assert [(a.earlier.round_number, a.item.response.organisation.name, a.item.text) for a in answers] == [
        (1, "Zorg A", "Wekelijks overleg.")]
    assert (page.total, page.pages) == (2, 2)
    answers, page = earlier_answer_page(second, later[0], 2, 1)
    assert [a.item.text for a in answers] == ["Via de huisarts."]
    assert earlier_answer_page(first, earlier[0], 1, 25)[1].total == 0  # round 1 has nothing earlier
    # Past the last page (an old link): the last page; before the first: the first.
    answers, page = earlier_answer_page(second, later[0], 9, 1)
    assert ([a.item.text for a in answers], page.page, page.pages) == (["Via de huisarts."], 2, 2)
    answers, page = earlier_answer_page(second, later[0], 0, 1)
    assert ([a.item.text for a in answers], page.page) == (["Wekelijks overleg."], 1)

    clients = clients_for(app, {"editor": world["users"]["editor"], "editor2": world["users"]["editor2"]})
    url = f"/consultations/ontwikkeltafel/analysis/questions/{later[0].id}"
    page_text = text_of(clients["editor"].get(url))
    assert ("In eerdere rondes 2 antwoorden op dezelfde vraag in eerdere rondes van dit traject. Een kerncitaat dat u "
            "hier markeert, staat in het verslag van deze ronde bij deze vraag, met de ronde erbij. "
            "Ronde 1: Zorg A (Zorgaanbieders) Wekelijks overleg.") in page_text
    key = f"{mine.id}-{earlier[0].id}"
    empty = post_form(clients["editor"], f"{url}/earlier-quote", {"answer": key, "excerpt": ""}, csrf_from=url)
    assert empty.status_code == 200
    assert "Kopieer het deel van het antwoord dat u wilt citeren." in text_of(empty)
    assert f'id="earlier-excerpt-{key}"' in empty.get_data(as_text=True)
    wrong = post_form(clients["editor"], f"{url}/earlier-quote", {"answer": f"{mine.id}-{earlier[1].id}",
                                                                    "excerpt": "Taakgericht"}, csrf_from=url)
    assert wrong.status_code == 404  # an answer to another question of round 1 is not offered here
    done = post_form(clients["editor"], f"{url}/earlier-quote", {"answer": key, "excerpt": "Wekelijks overleg"},
                     csrf_from=url, follow_redirects=True)
    assert "Het kerncitaat is gemarkeerd." in text_of(done)
    quote = db.session.scalar(select(Quote))
    assert (quote.consultation_id, quote.response_id, quote.question_id, quote.text) == (
        second.id, mine.id, earlier[0].id, "Wekelijks overleg")
    assert "Kerncitaat (toegeschreven aan: Zorg A): “Wekelijks overleg”" in text_of(done)
    # In round 2's report, under round 2's question, labelled with its round.
    report = _report_text(second)
    assert "Hoe werkt u samen met de wijkteams? | Geen samenvatting.\n“Wekelijks overleg” (Zorg A, ronde 1)" in report
    assert "Wekelijks overleg" not in _report_text(first)
    # The mark is taken away: no question of round 2 shows the quote, so the report editor lists it
    # as left out, with why.
    later[0].same_as_id = None
    second.status = Status.CLOSED  # the report is written once the round has closed
    db.session.commit()
    assert "Wekelijks overleg" not in _report_text(second)
    edit = text_of(clients["editor"].get("/consultations/ontwikkeltafel/report/edit"))
    assert ("Niet in het gepubliceerde verslag Deze kerncitaten staan niet in het verslag, elk om de "
            "genoemde reden. Ze vallen vanzelf weg; u hoeft ze niet te verwijderen. “Wekelijks overleg” — het "
            "beantwoordt een vraag uit een eerdere ronde waarmee geen vraag van deze ronde meer als dezelfde is "
            "gemarkeerd") in edit


def test_earlier_confidential_answers_stay_with_their_rounds_team_and_out_of_the_report(app, world, rounds):
    from consult.analysis.rounds import quote_earlier_answer
    from consult.analysis.services import AnalysisRefused

    second = world["rounds"][1]
    later, earlier, mine = rounds["later"], rounds["earlier"], rounds["mine"]
    with pytest.raises(AnalysisRefused):
        quote_earlier_answer(second, later[2], f"{mine.id}-{earlier[2].id}", "62", by=world["users"]["editor"])
    clients = clients_for(app, {"editor": world["users"]["editor"], "editor2": world["users"]["editor2"]})
    url = f"/consultations/ontwikkeltafel/analysis/questions/{later[2].id}"
    # Eva is on round 1's team: she reads Zorg A's confidential figure (and the view is audited);
    # Erik is on round 2's team only.
    assert "62,5" in text_of(clients["editor"].get(url))
    assert db.session.scalar(select(AuditEvent.detail).where(AuditEvent.action == "confidential_viewed")) == {
        "question_id": later[2].id, "answers": [f"{mine.id}-{earlier[2].id}"]}
    erik = text_of(clients["editor2"].get(url))
    assert "62,5" not in erik and "Alleen het team van die ronde leest dit vertrouwelijke antwoord." in erik
    assert "71" in erik  # Zorg B's figure was not confidential


def test_strategy_picker_keeps_an_earlier_rounds_confidential_answers_from_another_team(app, world, rounds):
    from consult.advice.models import Disposition
    from consult.strategy.services import StrategyRefused, create_draft, find_source, link_evidence, sources

    first, second = world["rounds"][0], world["rounds"][1]
    editor, erik = world["users"]["editor"], world["users"]["editor2"]
    earlier, mine = rounds["earlier"], rounds["mine"]
    figure = f"{first.id}:answer:{mine.id}-{earlier[2].id}"
    # Eva is on round 1's team: she finds and may link Zorg A's confidential figure (marked confidential).
    assert [(s.ref, s.confidential) for s in sources(second, "62", user=editor)] == [(figure, True)]
    assert find_source(second, "earlier_round", figure, user=editor).confidential is True
    # Erik is on round 2's team only: not listed, not found by its words, not linkable.
    assert sources(second, "62", user=erik) == []
    assert [s.title for s in sources(second, "kostprijs", user=erik)] == [
        "Ronde 1 — Zorg B — Wat is uw kostprijs per uur?"]
    assert figure not in {s.ref for s in sources(second, user=erik, limit=1000)}
    assert find_source(second, "earlier_round", figure, user=erik) is None
    draft = create_draft(second, by=editor)
    with pytest.raises(StrategyRefused):
        link_evidence(draft, "general", "earlier_round", figure, Disposition.ADOPTED, "Plafond.", by=erik)
    # Zorg B's figure was not confidential: Erik may link it.
    open_figure = f"{first.id}:answer:{rounds['b_response'].id}-{earlier[2].id}"
    assert link_evidence(draft, "general", "earlier_round", open_figure, Disposition.ADOPTED, "Plafond.",
                         by=erik).source_ref == open_figure
    db.session.commit()
    clients = clients_for(app, {"editor": editor, "editor2": erik})
    url = "/consultations/ontwikkeltafel/strategy/evidence?q=62"
    assert "62,5" in text_of(clients["editor"].get(url))
    page = text_of(clients["editor2"].get(url))
    assert "62,5" not in page and "Zorg A" not in page
    chosen = text_of(clients["editor2"].get(f"/consultations/ontwikkeltafel/strategy/evidence?source=earlier_round:{figure}"))
    assert "62,5" not in chosen and "Zorg A" not in chosen
    refused = post_form(clients["editor2"], "/consultations/ontwikkeltafel/strategy/evidence",
                        {"part": "general", "source": f"earlier_round:{figure}", "disposition": "adopted",
                         "reason": "Plafond."}, csrf_from="/consultations/ontwikkeltafel/strategy/evidence")
    assert refused.status_code == 200 and "Kies de inbreng waarop dit onderdeel is gebaseerd." in text_of(refused)
    assert "62,5" not in text_of(refused)


def test_earlier_round_refs_are_made_and_read_in_one_place_and_labelled_without_a_read_per_link(app, world, rounds):
    from sqlalchemy import event

    from consult.advice.models import Disposition
    from consult.consultations.trajectory_services import EarlierRef, earlier_ref, parse_earlier_ref
    from consult.reports.report import _labelled_links
    from consult.strategy.services import create_draft, link_evidence

    assert earlier_ref(7, "answer", "3-4") == "7:answer:3-4"
    assert parse_earlier_ref("7:answer:3-4") == EarlierRef(7, "answer", "3-4")
    assert parse_earlier_ref("7:qa:12") == EarlierRef(7, "qa", "12")
    for wrong in ("x:answer:1", "7", "7:", "7::1", "", "-1:answer:1"):
        assert parse_earlier_ref(wrong) is None, wrong
    first, second = world["rounds"][0], world["rounds"][1]
    editor, earlier = world["users"]["editor"], rounds["earlier"]
    draft = create_draft(second, by=editor)
    answers = [f"{first.id}:answer:{response.id}-{question.id}" for response in (rounds["mine"], rounds["b_response"])
               for question in earlier[:2]]
    statements = []

    def count(*_args):
        statements.append(1)

    costs = []
    for ref in answers:
        link_evidence(draft, "general", "earlier_round", ref, Disposition.ADOPTED, "Meegenomen.", by=editor)
        db.session.commit()
        db.session.expire_all()
        statements.clear()
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            labelled = _labelled_links(db.session.get(type(draft), draft.id))
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        assert [label for label, _link in labelled] == ["Algemeen deel (inbreng van ronde 1)"] * len(labelled)
        costs.append(len(statements))
    assert len(set(costs)) == 1, costs  # the same with 1 link to an earlier round as with 4


def test_report_names_the_trajectory_and_its_rounds(app, world, rounds):
    first, second, third = world["rounds"]
    first.opens_at, first.closes_at = utcnow() - timedelta(days=60), utcnow() - timedelta(days=30)
    db.session.commit()
    from consult.core.templating import format_day

    period = f"{format_day(first.opens_at)} tot {format_day(first.closes_at)}"
    report = _report_text(second)
    assert ("Rondes van het traject\nDeze consultatie is ronde 2 van het traject “Wmo Holland Rijnland”.\n"
            "[Wmo Holland Rijnland] Ronde | Consultatie | Periode | Status\n"
            f"1 | Verkenning Wmo | {period} | Gesloten\n"  # its title starts with its name: said once
            f"2 | Ontwikkeltafels: Ontwikkeltafel Wmo | {format_day(second.closes_at)} | Open\n") in report
    # Round 3 is a draft: not in any report. A consultation outside a trajectory has no such block.
    assert "Concept programma van eisen" not in report
    outsider = _consultation("elders", "Elders", Status.OPEN, municipality=first.municipalities[0])
    assert "Rondes van het traject" not in _report_text(outsider)


def test_demo_has_a_trajectory_of_a_sounding_board_round_and_the_market_consultation(app):
    from consult.consultations.trajectory_services import since_earlier
    from consult.responses.models import Response
    from consult.responses.prefill import copyable_answers
    from tests.demo import load_demo

    users = load_demo()
    db.session.commit()
    trajectory = db.session.scalar(select(Trajectory))
    assert (trajectory.title, [(r.label, r.consultation.slug, r.consultation.status) for r in trajectory.rounds]) == (
        "Inkoop Wmo-ondersteuning Leidse regio",
        [("Klankbordronde", "klankbordronde-wmo-leidse-regio", Status.CLOSED),
         ("Marktconsultatie", "marktconsultatie-wmo-leidse-regio", Status.OPEN)])
    sounding, market = (r.consultation for r in trajectory.rounds)
    submitted = db.session.scalars(select(Response).where(Response.consultation_id == sounding.id)
                                   .order_by(Response.id)).all()
    assert [(r.organisation.name, r.status.value) for r in submitted] == [
        ("Thuishulp Rijnstreek", "submitted"), ("Stichting Logeerhuis Het Anker", "submitted"),
        ("Beschermd Wonen Holland Rijnland", "submitted")]
    found = since_earlier(users["provider5"], market)
    marked = {s.question.text: (s.round_number, s.changed) for s in found.values() if not s.is_new}
    assert marked == {
        "Welke veranderingen in de vraag van inwoners ziet u de komende jaren, bijvoorbeeld door vergrijzing of "
        "meer mensen met psychische kwetsbaarheid?": (1, ("text",)),
        "Welke vorm van bekostiging past het best bij de ondersteuning die u biedt?": (1, ()),
        "Wat is er nodig om de samenwerking met de wijkteams te verbeteren?": (1, ()),
    }
    # Provider 5 answered in the sounding-board round only: starting the market consultation's
    # response, it can copy its three answers.
    from consult.responses.services import start_response

    provider5 = users["provider5"]
    response = start_response(market, provider5.memberships[0].organisation, by=provider5)
    assert [(c.question.text[:30], c.earlier.value) for c in copyable_answers(provider5, response)] == [
        ("Welke veranderingen in de vraa", "Meer jongvolwassenen die zelfstandig willen wonen met begeleiding."),
        ("Welke vorm van bekostiging pas", "Inspanningsgericht (uren × tarief)"),
        ("Wat is er nodig om de samenwer", "Een vast contactpersoon bij de gemeente.")]
