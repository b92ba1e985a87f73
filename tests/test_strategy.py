"""The strategy draft: segments, revisions with diff and restore, evidence links with exact
'not yet considered' bookkeeping, sharing with councils, comments, adoption, permissions."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from consult.advice.models import Disposition
from consult.analysis.models import Coding, Tag
from consult.audit.models import AuditEvent
from consult.consultations.models import Consultation, Question, QuestionKind, Status, TeamRole, Theme
from consult.core.time import utcnow
from consult.dialogue.models import Post
from consult.dialogue.services import create_thread
from consult.extensions import db
from consult.orgs.models import MemberRole, OrgKind
from consult.responses.models import Publication
from consult.responses.services import save_answer, set_publication, start_response, submit
from consult.strategy.models import DraftStatus, EvidenceLink, Revision, Segment, StrategyComment, StrategyDraft
from consult.strategy.services import GENERAL, not_considered
from tests.conftest import add_team, clients_for, make_org, make_user, post_form, text_of

SEGMENT = {"name": "Individuele begeleiding", "services": "Begeleiding thuis", "organisation_form": "administrative",
           "organisation_form_explanation": "", "process": "Dialoog", "providers_kind": "range",
           "providers_min": "8", "providers_max": "15", "funding_form": "task", "funding_explanation": "Lumpsum",
           "duration": "5 jaar", "extension": "1 keer 2 jaar", "tariff": "Budget per wijk",
           "suitability": "Ervaring\nSamenwerking", "award_criteria": "Visie", "kpis": "Doelrealisatie",
           "rationale": "Minder aanbieders"}


@pytest.fixture
def world(app):
    leiden = make_org("Gemeente Leiden", kind=OrgKind.MUNICIPALITY)
    consultation = Consultation(slug="wmo", title="Wmo", status=Status.OPEN, municipalities=[leiden],
                                closes_at=utcnow() + timedelta(days=5), principles=[])
    theme = Theme(title="Bekostiging", position=0)
    theme.questions.extend([Question(text="Wat werkt goed?", kind=QuestionKind.OPEN, position=0),
                            Question(text="Kostprijs?", kind=QuestionKind.NUMBER, unit="euro", position=1)])
    consultation.themes.append(theme)
    db.session.add(consultation)
    db.session.commit()
    raad = make_org("Adviesraad", kind=OrgKind.COUNCIL)
    provider_org = make_org("Zorg A", kvk="11111111")
    users = {
        "editor": make_user("editor@example.org", name="Eva Editor", org=leiden),
        "analyst": make_user("analyst@example.org", name="Ali Analist", org=leiden),
        "other_team": make_user("other@example.org", name="Otto Ander", org=leiden),
        "council": make_user("raad@example.org", name="Rita Raad", org=raad, role=MemberRole.CONTACT),
        "provider": make_user("a@example.org", name="Anna Aanbieder", org=provider_org),
    }
    add_team(consultation, {users["editor"]: TeamRole.EDITOR, users["analyst"]: TeamRole.ANALYST})
    response = start_response(consultation, provider_org, by=users["provider"])
    save_answer(response, theme.questions[0], "Korte lijnen met het wijkteam werken goed.", False, None,
                by=users["provider"])
    save_answer(response, theme.questions[1], 63.25, True, None, by=users["provider"])
    set_publication(response, Publication.NAMED, by=users["provider"])
    submit(response, by=users["provider"], notify=False)
    db.session.commit()
    clients = clients_for(app, users)
    return {"consultation": consultation, "theme": theme, "users": users, "clients": clients, "response": response,
            "council": raad}


def create(world):
    assert post_form(world["clients"]["editor"], "/consultations/wmo/strategy", {"action": "create"}).status_code == 302
    return db.session.scalar(select(StrategyDraft))


def add_segment(world, **changes):
    response = post_form(world["clients"]["editor"], "/consultations/wmo/strategy/segments/new", {**SEGMENT, **changes})
    return response


BASE = "/consultations/wmo/strategy"


@pytest.mark.parametrize("role,read,write", [("editor", 200, 302), ("analyst", 200, 403), ("other_team", 404, 404),
                                             ("council", 404, 404), ("provider", 404, 404), ("anonymous", 302, 302)])
def test_permissions_per_role(world, role, read, write):
    create(world)
    add_segment(world)
    segment = db.session.scalar(select(Segment))
    client = world["clients"][role]
    for path in [BASE, f"{BASE}/general", f"{BASE}/segments/{segment.id}"]:
        assert client.get(path).status_code == read, path
    assert post_form(client, f"{BASE}/general", {"principles": "Nieuw", "change_tasks": ""}).status_code == write


def test_segment_validation_keeps_the_text(world):
    create(world)
    bad = add_segment(world, providers_min="15", providers_max="8", rationale="Mijn lange motivering")
    assert bad.status_code == 200
    text = text_of(bad)
    assert "Vul een bereik in" in text
    assert "Mijn lange motivering</textarea>" in bad.get_data(as_text=True)
    other = add_segment(world, organisation_form="other")
    assert "Licht de organisatievorm toe als u “anders” kiest." in text_of(other)
    not_a_number = add_segment(world, providers_kind="number", providers_min="acht")
    html = not_a_number.get_data(as_text=True)
    # The wrong value is named at its own field, linked from the summary, and stays as typed.
    assert ('<a class="utrecht-link" href="#providers_min">Vul een heel getal in, bijvoorbeeld 8.</a>') in html
    assert ('<input aria-describedby="providers_min-error" aria-invalid="true" class="utrecht-textbox '
            'utrecht-textbox--html-input utrecht-textbox--invalid " id="providers_min" inputmode="numeric" '
            'name="providers_min" type="text" value="acht">') in html
    assert ('id="providers_min-error"><span class="visually-hidden">Fout: </span>'
            'Vul een heel getal in, bijvoorbeeld 8.</div>') in html
    assert html.count('aria-invalid="true"') == 1
    wrong_choice = add_segment(world, funding_form="gratis")
    assert ('<a class="utrecht-link" href="#funding">Kies een van de mogelijkheden bij “Bekostigingsvorm”.</a>'
            in wrong_choice.get_data(as_text=True))
    assert db.session.scalar(select(func.count(Segment.id))) == 0
    assert add_segment(world).status_code == 302
    segment = db.session.scalar(select(Segment))
    assert (segment.providers_min, segment.providers_max, segment.suitability) == (8, 15, ["Ervaring", "Samenwerking"])
    overview = text_of(world["clients"]["analyst"].get(BASE))
    assert ("Individuele begeleiding Bestuurlijk aanbesteden 8 tot 15 "
            "Taakgericht (lumpsum) 5 jaar") in overview


def test_every_save_is_a_revision_that_can_be_compared_and_restored(world):
    draft = create(world)
    add_segment(world)
    segment = db.session.scalar(select(Segment))
    editor = world["clients"]["editor"]
    assert post_form(editor, f"{BASE}/segments/{segment.id}", {**SEGMENT, "duration": "6 jaar"}).status_code == 302
    # Saving unchanged content adds no revision.
    post_form(editor, f"{BASE}/segments/{segment.id}", {**SEGMENT, "duration": "6 jaar"})
    post_form(editor, f"{BASE}/general", {"principles": "De inwoner centraal", "change_tasks": ""})
    numbers = [(r.number, r.part, r.action) for r in db.session.scalars(select(Revision).order_by(Revision.number))]
    assert numbers == [(1, f"segment:{segment.id}", "created"), (2, f"segment:{segment.id}", "saved"), (3, GENERAL, "saved")]
    diff = text_of(world["clients"]["analyst"].get(f"{BASE}/revisions?a=1&b=3"))
    assert "Wijzigingen van versie 1 naar versie 3" in diff
    assert "Contractduur verwijderd: 5 toegevoegd: 6 jaar" in diff
    assert "Uitgangspunten toegevoegd: De inwoner centraal" in diff
    first = db.session.scalar(select(Revision).where(Revision.number == 1))
    assert post_form(world["clients"]["analyst"], f"{BASE}/revisions", {"revision": str(first.id)}).status_code == 403
    assert post_form(editor, f"{BASE}/revisions", {"revision": str(first.id)}).status_code == 302
    db.session.refresh(segment)
    assert segment.duration == "5 jaar"
    latest = db.session.scalar(select(Revision).order_by(Revision.number.desc()))
    assert (latest.number, latest.action, latest.data["duration"]) == (4, "restored", "5 jaar")
    # A removed segment comes back from its revision.
    post_form(editor, f"{BASE}/segments/{segment.id}", {"action": "remove"})
    assert world["clients"]["editor"].get(f"{BASE}/segments/{segment.id}").status_code == 404
    assert post_form(editor, f"{BASE}/revisions", {"revision": str(latest.id)}).status_code == 302
    assert world["clients"]["editor"].get(f"{BASE}/segments/{segment.id}").status_code == 200
    assert draft.id == segment.draft_id


def test_not_yet_considered_is_exact_and_links_show_on_the_other_side(world):
    draft = create(world)
    add_segment(world)
    segment = db.session.scalar(select(Segment))
    consultation, users = world["consultation"], world["users"]
    question = world["theme"].questions[0]
    tag = Tag(consultation_id=consultation.id, name="Wijkteam", colour="blue")
    db.session.add(tag)
    thread = create_thread(consultation, None, "Reistijd", "Reistijd wordt niet vergoed.", by=users["provider"])
    db.session.flush()
    post = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    response = world["response"]
    db.session.add_all([
        Coding(tag=tag, response_id=response.id, question_id=question.id),
        Coding(tag=tag, response_id=response.id, question_id=question.id, start=0, end=11, excerpt="Korte lijnen"),
        Coding(tag=tag, post_id=post.id),
    ])
    db.session.commit()
    excerpt = db.session.scalar(select(Coding).where(Coding.start.is_not(None)))
    assert not_considered(consultation, draft) == [
        ("answer", f"{response.id}-{question.id}", "Wijkteam"), ("excerpt", str(excerpt.id), "Wijkteam"),
        ("post", str(post.id), "Wijkteam")]
    editor = world["clients"]["editor"]
    missing_reason = post_form(editor, f"{BASE}/evidence", {"part": f"segment:{segment.id}", "q": "korte",
                                                           "source": f"answer:{response.id}-{question.id}",
                                                           "disposition": "adopted", "reason": ""})
    assert "Geef kort aan wat er met deze inbreng is gedaan." in text_of(missing_reason)
    for source, disposition in [(f"answer:{response.id}-{question.id}", "adopted"), (f"post:{post.id}", "not_adopted")]:
        linked = post_form(editor, f"{BASE}/evidence", {"part": f"segment:{segment.id}", "source": source,
                                                       "disposition": disposition, "reason": "Besproken"})
        assert linked.status_code == 302
    assert not_considered(consultation, draft) == [("excerpt", str(excerpt.id), "Wijkteam")]
    post_form(editor, f"{BASE}/evidence", {"part": GENERAL, "source": f"excerpt:{excerpt.id}", "disposition": "partly",
                                          "reason": "Deels"})
    assert not_considered(consultation, draft) == []
    assert {link.disposition for link in db.session.scalars(select(EvidenceLink))} == set(Disposition)
    assert "Alle inbreng met een tag is meegewogen." in text_of(world["clients"]["analyst"].get(f"{BASE}/not-considered"))
    # A source from another consultation, or made up, cannot be linked.
    forged = post_form(editor, f"{BASE}/evidence", {"part": GENERAL, "source": "answer:999-999",
                                                   "disposition": "adopted", "reason": "x"})
    assert "Kies de inbreng waarop dit onderdeel is gebaseerd." in text_of(forged)
    analysis = text_of(world["clients"]["analyst"].get(f"/consultations/wmo/analysis/questions/{question.id}"))
    assert "Heeft de strategie gevoed: Individuele begeleiding (overgenomen)" in analysis
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "evidence_linked")) == 3


def test_councils_see_only_shared_drafts_without_evidence_or_confidential_input(world):
    draft = create(world)
    add_segment(world)
    segment = db.session.scalar(select(Segment))
    response, cost = world["response"], world["theme"].questions[1]
    assert post_form(world["clients"]["editor"], f"{BASE}/evidence", {
        "part": f"segment:{segment.id}", "source": f"answer:{response.id}-{cost.id}", "disposition": "partly",
        "reason": "Kostprijs meegewogen"}).status_code == 302
    council = world["clients"]["council"]
    assert council.get(BASE).status_code == 404
    assert post_form(world["clients"]["analyst"], BASE, {"action": "share"}).status_code == 403
    assert post_form(world["clients"]["editor"], BASE, {"action": "share"}).status_code == 302
    db.session.refresh(draft)
    assert draft.status == DraftStatus.SHARED
    page = council.get(f"{BASE}/segments/{segment.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "63,25" not in html and "63.25" not in html and "Kostprijs meegewogen" not in html
    assert "Bestuurlijk aanbesteden" in html
    for path in [f"{BASE}/evidence", f"{BASE}/not-considered", f"{BASE}/revisions"]:
        assert council.get(path).status_code == 404, path
    assert world["clients"]["provider"].get(BASE).status_code == 404
    # The team sees the confidential source, marked.
    team_view = text_of(world["clients"]["analyst"].get(f"{BASE}/segments/{segment.id}"))
    assert "63,25 euro" in team_view and "Vertrouwelijk: alleen het team" in team_view


def test_council_comments_are_handled_with_a_reply_and_adoption_freezes(world):
    create(world)
    add_segment(world)
    segment = db.session.scalar(select(Segment))
    part = f"segment:{segment.id}"
    council, editor = world["clients"]["council"], world["clients"]["editor"]
    post_form(editor, BASE, {"action": "share"})
    empty = post_form(council, f"{BASE}/comments", {"part": part, "body": " "})
    assert empty.status_code == 200 and "Schrijf uw opmerking." in text_of(empty)
    assert post_form(council, f"{BASE}/comments", {"part": part, "body": "Let op continuïteit."}).status_code == 302
    assert post_form(world["clients"]["provider"], f"{BASE}/comments", {"part": part, "body": "Ik ook"}).status_code == 404
    assert post_form(editor, f"{BASE}/comments", {"part": part, "body": "Team"}).status_code == 403
    comment = db.session.scalar(select(StrategyComment))
    assert post_form(editor, f"{BASE}/comments", {"part": part, "action": "handle", "comment": str(comment.id),
                                                 "reply": "Overgangsregeling volgt."}).status_code == 302
    page = text_of(council.get(f"{BASE}/segments/{segment.id}"))
    assert "Let op continuïteit." in page and "Afgehandeld door het projectteam" in page and "Overgangsregeling volgt." in page
    nameless = post_form(editor, BASE, {"action": "adopt", "name": ""})
    assert "Geef de vastgestelde versie een naam" in text_of(nameless)
    assert post_form(editor, BASE, {"action": "adopt", "name": "Inkoopstrategie 2027"}).status_code == 302
    draft = db.session.scalar(select(StrategyDraft))
    assert (draft.status, draft.adopted_name) == (DraftStatus.ADOPTED, "Inkoopstrategie 2027")
    assert post_form(editor, f"{BASE}/segments/{segment.id}", {**SEGMENT, "duration": "9 jaar"}).status_code == 403
    assert post_form(council, f"{BASE}/comments", {"part": part, "body": "Te laat"}).status_code == 403
    assert council.get(BASE).status_code == 200  # the adopted version stays readable
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "strategy_adopted")) is not None


def test_the_strategy_alone_in_odt_and_pdf(app, world):
    import io

    from odfdo import Document as OdfDocument
    from pypdf import PdfReader

    create(world)
    add_segment(world)
    odt = world["clients"]["analyst"].get(f"{BASE}/export.odt")
    assert odt.status_code == 200
    text = " ".join(OdfDocument(io.BytesIO(odt.data)).get_formatted_text().split())
    assert "Inkoopstrategie: Wmo" in text and "Individuele begeleiding" in text and "Ervaring" in text
    pdf = world["clients"]["editor"].get(f"{BASE}/export.pdf")
    pdf_text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages).split())
    assert "Individuele begeleiding" in pdf_text and "63,25" not in pdf_text
    assert world["clients"]["council"].get(f"{BASE}/export.odt").status_code == 404  # not shared yet
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "strategy_exported")) == 2


def test_general_part_too_long_is_named_at_its_field_and_kept(world):
    create(world)
    long_text = "x" * 20_001
    response = post_form(world["clients"]["editor"], f"{BASE}/general",
                         {"principles": long_text, "change_tasks": "Meer preventie"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<a class="utrecht-link" href="#principles">Gebruik hooguit 20000 tekens.</a>' in html
    assert html.count('aria-invalid="true"') == 1
    principles = re.search(r'<textarea[^>]*id="principles"[^>]*>\r\n([^<]*)</textarea>', html)
    assert 'aria-invalid="true"' in principles.group(0) and principles.group(1) == long_text
    assert 'name="change_tasks" rows="8">\r\nMeer preventie</textarea>' in html
    assert db.session.scalar(select(StrategyDraft)).principles == ""
