"""The disclosure gate's rules for answers and figures, one by one (the leak test checks them together)."""
from __future__ import annotations

import math
import statistics
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consult.advice.models import AdviceStatus
from consult.analysis.models import Quote
from consult.analysis.services import AnalysisRefused, add_quote, answer_items
from consult.consultations.models import Consultation, Question, QuestionKind, Status, TeamMember, TeamRole, Theme
from consult.core.time import utcnow
from consult.dialogue.models import PostStatus
from consult.disclosure import Audience, Protected
from consult.disclosure import advice as advice_gate
from consult.disclosure import posts as posts_gate
from consult.disclosure import qa as qa_gate
from consult.disclosure.answers import attribution, may_count, shown_name, stricter, withheld_answer
from consult.disclosure.statistics import _equals_any, public_distribution, public_numbers, rounding_step
from consult.extensions import db
from consult.orgs.models import OrgKind
from consult.qa.models import QaStatus
from consult.responses.models import Publication
from consult.responses.services import save_answer, set_publication, start_response, submit
from tests.conftest import login, make_org, make_user, post_form, text_of
from tests.question_actions import action_url

# --- publication choices ------------------------------------------------------------------------

def test_stricter_choice_applies():
    assert stricter(Publication.NAMED, "anonymous") == Publication.ANONYMOUS
    assert stricter(Publication.NONE, "named") == Publication.NONE
    assert stricter(Publication.NAMED, None) == Publication.NONE  # never chosen at submission: not published
    assert stricter(None, "named") == Publication.NONE
    assert stricter(Publication.NAMED, "named") == Publication.NAMED


def test_withheld_answer_per_audience():
    assert withheld_answer(Publication.NONE, False, Audience.PUBLIC) == Protected.UNPUBLISHED_RESPONSE
    assert withheld_answer(Publication.NAMED, True, Audience.PARTICIPANT) == Protected.CONFIDENTIAL_ANSWER
    assert withheld_answer(Publication.ANONYMOUS, False, Audience.PUBLIC) is None
    assert withheld_answer(Publication.NONE, True, Audience.TEAM) is None


def test_names_only_where_allowed(app):
    org = make_org("Zorg Eigen Naam")
    assert shown_name(org, Publication.NAMED, Audience.PUBLIC) == "Zorg Eigen Naam"
    assert shown_name(org, Publication.ANONYMOUS, Audience.PUBLIC) is None
    assert shown_name(org, Publication.ANONYMOUS, Audience.TEAM) == "Zorg Eigen Naam"
    with app.test_request_context():
        assert attribution(org, Publication.ANONYMOUS, Audience.PUBLIC) == "een aanbieder"
        council = make_org("Raad", kind=OrgKind.COUNCIL)
        assert attribution(council, Publication.ANONYMOUS, Audience.PUBLIC) == "een adviesraad"


def test_confidential_answers_count_only_where_the_question_allows():
    number = Question(text="Kostprijs?", kind=QuestionKind.NUMBER, confidential_in_totals=False)
    assert may_count(number, Publication.ANONYMOUS, False) is True
    assert may_count(number, Publication.ANONYMOUS, True) is False
    assert may_count(number, Publication.NONE, False) is False
    number.confidential_in_totals = True
    assert may_count(number, Publication.NAMED, True) is True
    assert may_count(number, Publication.NONE, True) is False  # "do not publish" counts in nothing
    text = Question(text="Toelichting?", kind=QuestionKind.OPEN, confidential_in_totals=True)
    assert may_count(text, Publication.NAMED, True) is False


# --- statistical disclosure control --------------------------------------------------------------

def test_numbers_need_the_threshold(app):
    figures = public_numbers({1: 58.0, 2: 60.0, 3: 62.5, 4: 70.0})
    assert (figures.shown, figures.suppressed, figures.organisations, figures.mean) == (False, "threshold", 4, None)


def test_numbers_refuse_a_dominant_contributor(app):
    figures = public_numbers({1: 10.0, 2: 11.0, 3: 12.0, 4: 13.0, 5: 100.0})
    assert (figures.shown, figures.suppressed) == (False, "dominance")


def test_numbers_are_a_rounded_mean_and_an_outward_band(app):
    figures = public_numbers({1: 58.0, 2: 60.0, 3: 62.5, 4: 70.0, 5: 80.0})
    # q1 = 60 and q3 = 70 are organisations' own values, so each end moves one step outwards.
    assert (figures.mean, figures.low, figures.high, figures.step, figures.organisations) == (66.0, 59.0, 71.0, 1.0, 5)


def test_rounding_step_has_two_significant_digits():
    assert [rounding_step(v) for v in (57.23, 1234.0, 0.57, 5.0)] == [1.0, 100.0, 0.01, 0.1]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(min_value=1, max_value=10_000, allow_nan=False).map(lambda v: round(v, 2)),
                min_size=5, max_size=40, unique=True))
def test_published_numbers_never_equal_a_contributor(app, values):
    figures = public_numbers(dict(enumerate(values)))
    if figures.shown:
        q1, _median, q3 = statistics.quantiles(values, n=4, method="inclusive")
        assert figures.low not in values and figures.high not in values
        assert figures.low <= q1 + 1e-9 and figures.high >= q3 - 1e-9
        assert abs(figures.mean - statistics.fmean(values)) <= figures.step / 2 + 1e-9
        assert max(values) <= 0.5 * sum(values)
    else:
        assert figures.suppressed == "dominance" and max(values) > 0.5 * sum(values)


def test_distribution_splits_only_when_every_group_reaches_the_threshold(app):
    options = ["A", "B"]
    providers = [("provider", ["A"])] * 4 + [("provider", ["B"])]
    councils = [("council", ["B"])]
    mixed = public_distribution(options, providers + councils)
    # One council could be told apart from the total minus the providers: total only.
    assert (mixed.groups, mixed.counts, mixed.totals, mixed.organisations) == ([], {}, {"A": 4, "B": 2}, 6)
    both = public_distribution(options, providers + councils * 5)
    assert both.groups == ["council", "provider"]
    assert both.counts == {"council": {"A": 0, "B": 5}, "provider": {"A": 4, "B": 1}}
    few = public_distribution(options, providers[:4])
    assert (few.shown, few.suppressed) == (False, "threshold")


# --- key quotes and the report --------------------------------------------------------------------

@pytest.fixture
def world(app):
    leiden = make_org("Gemeente Leiden", kind=OrgKind.MUNICIPALITY)
    consultation = Consultation(slug="wmo", title="Wmo", status=Status.OPEN, municipalities=[leiden],
                                closes_at=utcnow() + timedelta(days=5), principles=[])
    theme = Theme(title="Toegang", position=0)
    theme.questions.extend([Question(text="Wat werkt goed?", kind=QuestionKind.OPEN, position=0),
                            Question(text="Kostprijs per uur?", kind=QuestionKind.NUMBER, unit="euro", position=1)])
    consultation.themes.append(theme)
    db.session.add(consultation)
    db.session.commit()
    editor = make_user("editor@example.org", name="Eva Editor", org=leiden)
    db.session.add(TeamMember(consultation_id=consultation.id, user_id=editor.id, role=TeamRole.EDITOR))
    db.session.commit()
    return {"consultation": consultation, "editor": editor, "open": theme.questions[0], "cost": theme.questions[1]}


def respond(world, name, text, *, publication=Publication.NAMED, confidential=False):
    org = make_org(name)
    user = make_user(f"{name.split()[-1].lower()}@example.org", org=org)
    response = start_response(world["consultation"], org, by=user)
    save_answer(response, world["open"], text, confidential, None, by=user)
    set_publication(response, publication, by=user)
    submit(response, by=user, notify=False)
    db.session.commit()
    return response, user


def item_of(world, response):
    return next(i for i in answer_items(world["consultation"], {world["open"].id}) if i.response.id == response.id)


def test_quote_refused_for_a_response_that_may_not_be_published(app, world):
    response, _user = respond(world, "Zorg Stil", "Minder formulieren graag.", publication=Publication.NONE)
    with pytest.raises(AnalysisRefused) as refused:
        add_quote(world["consultation"], item_of(world, response), "Minder formulieren", by=world["editor"])
    assert str(refused.value.message) == ("Deze organisatie heeft gekozen haar antwoorden niet te laten publiceren; "
                                          "ze kunnen dus niet geciteerd worden.")


def test_quote_refused_on_the_analysis_page_with_the_message(app, world):
    response, _user = respond(world, "Zorg Stil", "Minder formulieren graag.", publication=Publication.NONE)
    client = app.test_client()
    assert login(client, "editor@example.org").status_code == 302
    url = f"/consultations/wmo/analysis/questions/{world['open'].id}"
    page = post_form(client, action_url(url, "excerpt"), {"quote": "1", "answer": f"{response.id}-{world['open'].id}",
                                   "excerpt": "Minder formulieren"}, csrf_from=url)
    assert page.status_code == 200
    assert ("Deze organisatie heeft gekozen haar antwoorden niet te laten publiceren; ze kunnen dus niet "
            "geciteerd worden.") in text_of(page)
    assert db.session.query(Quote).count() == 0


def test_quote_drops_out_when_the_provider_changes_its_choice(app, world):
    response, user = respond(world, "Zorg Later", "Vaste gezichten werken goed.")
    add_quote(world["consultation"], item_of(world, response), "Vaste gezichten", by=world["editor"])
    db.session.commit()
    set_publication(response, Publication.NONE, by=user)
    submit(response, by=user, notify=False)
    world["consultation"].status = Status.CLOSED
    db.session.commit()
    client = app.test_client()
    assert login(client, "editor@example.org").status_code == 302
    preview = text_of(client.get("/consultations/wmo/report?preview=1"))
    assert "Vaste gezichten" not in preview
    editor_page = text_of(client.get("/consultations/wmo/report/edit"))
    assert ("Niet in het gepubliceerde verslag Deze kerncitaten staan niet in het verslag, elk om de genoemde "
            "reden. Ze vallen vanzelf weg; u hoeft ze niet te verwijderen. “Vaste gezichten” — de organisatie "
            "koos ervoor haar antwoorden niet te publiceren") in editor_page


# --- what the respondent is told ---------------------------------------------------------------

def test_answer_form_says_what_happens_to_a_confidential_figure(app, world):
    world["cost"].confidential_in_totals = True
    db.session.commit()
    org = make_org("Zorg Vraag")
    user = make_user("vraag@example.org", org=org)
    response = start_response(world["consultation"], org, by=user)
    db.session.commit()
    client = app.test_client()
    assert login(client, "vraag@example.org").status_code == 302
    page = text_of(client.get(f"/responses/{response.id}/themes/{world['open'].theme_id}"))
    assert ("Wordt niet gepubliceerd en niet aan andere deelnemers getoond; alleen opgenomen in afgeronde totalen "
            "van ten minste 5 organisaties.") in page
    assert "Wordt nooit gepubliceerd, ook niet in totalen, en nooit aan andere deelnemers getoond." in page


def test_confidential_in_totals_is_fixed_once_published(app, world):
    client = app.test_client()
    assert login(client, "editor@example.org").status_code == 302
    url = f"/consultations/wmo/manage/questions/{world['cost'].id}"
    page = text_of(client.get(url))
    assert ("Vertrouwelijke antwoorden op deze vraag tellen nergens mee in wat gepubliceerd wordt. Dat is de "
            "deelnemers beloofd en kan niet meer veranderen.") in page
    response = post_form(client, url, {"text": "Kostprijs per uur?", "kind": "number", "unit": "euro",
                                       "audience": "providers", "confidential_in_totals": "y",
                                       "reason": "Eenheid verduidelijkt."}, csrf_from=url)
    assert response.status_code == 302
    db.session.refresh(world["cost"])
    assert world["cost"].confidential_in_totals is False


def test_advice_and_reply_reach_the_public_with_the_report_and_never_outside_a_closed_circle(app, world):
    """Published advice with its reply: participants once published, anyone once the report is published;
    a consultation closed to invited organisations shows it to nobody outside the circle, anonymous
    visitors included. The council's draft and submitted advice never leave the council and the team."""
    from flask_login import AnonymousUserMixin

    from consult.advice.models import Disposition
    from consult.advice.services import add_point, publish_reply, request_advice, save_reply
    from consult.advice.services import submit as submit_advice
    from consult.consultations.services import set_access
    from consult.disclosure.advice import may_show_advice, may_show_reply

    consultation, editor = world["consultation"], world["editor"]
    council = make_org("Adviesraad Leiden", kind=OrgKind.COUNCIL)
    invited_org, outside_org = make_org("Zorg Binnen"), make_org("Zorg Buiten")
    people = {"anonymous": AnonymousUserMixin(), "team": editor,
              "council": make_user("raad@example.org", name="Rita Raad", org=council),
              "invited": make_user("binnen@example.org", name="Bo Binnen", org=invited_org),
              "outsider": make_user("buiten@example.org", name="Ben Buiten", org=outside_org)}
    advice = request_advice(consultation, question="Uw advies?", due_on=utcnow().date() + timedelta(days=3),
                            councils=[council], by=editor).advices[0]
    point = add_point(advice, title="Punt", body="Advies", by=people["council"])
    db.session.commit()

    def shown() -> dict[str, tuple[bool, bool]]:
        return {who: (may_show_advice(advice, user), may_show_reply(advice, user)) for who, user in people.items()}

    assert shown() == {"anonymous": (False, False), "team": (False, False), "council": (True, False),
                       "invited": (False, False), "outsider": (False, False)}
    submit_advice(advice, by=people["council"])
    save_reply(advice, introduction="", replies={point.id: (Disposition.ADOPTED, "Doen we.")}, by=editor)
    db.session.commit()
    assert shown() == {"anonymous": (False, False), "team": (True, False), "council": (True, False),
                       "invited": (False, False), "outsider": (False, False)}
    publish_reply(advice, by=editor)
    db.session.commit()
    assert shown() == {"anonymous": (False, False), "team": (True, True), "council": (True, True),
                       "invited": (True, True), "outsider": (True, True)}
    consultation.status = Status.PUBLISHED  # the report is published
    db.session.commit()
    assert shown() == {"anonymous": (True, True), "team": (True, True), "council": (True, True),
                       "invited": (True, True), "outsider": (True, True)}
    set_access(consultation, invited_only=True, invited=[invited_org, council], by=editor)
    db.session.commit()
    assert shown() == {"anonymous": (False, False), "team": (True, True), "council": (True, True),
                       "invited": (True, True), "outsider": (False, False)}


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(-50, 50).map(lambda n: n / 4), max_size=30), st.integers(-60, 60).map(lambda n: n / 4),
       st.sampled_from([0.0, 1e-10, -1e-10, 2e-9]))
def test_a_band_end_equals_a_value_exactly_when_some_value_is_that_close(values, probe, nudge):
    """The check that keeps a band end off every contributor's own number compares only the two
    nearest values of the sorted list; it must agree with comparing every value."""
    ordered = sorted(values)
    brute = any(math.isclose(probe + nudge, v, rel_tol=0, abs_tol=1e-9) for v in ordered)
    assert _equals_any(probe + nudge, ordered) == brute


def test_the_gate_names_the_published_status_each_feature_stores():
    """The gate reads the discussion's, Q&A's and advice's records without importing them: its
    status names must be exactly the values those features store."""
    assert (posts_gate.PUBLISHED, qa_gate.PUBLISHED) == (PostStatus.PUBLISHED.value, QaStatus.PUBLISHED.value)
    assert (advice_gate.SUBMITTED, advice_gate.PUBLISHED) == (AdviceStatus.SUBMITTED.value, AdviceStatus.PUBLISHED.value)
