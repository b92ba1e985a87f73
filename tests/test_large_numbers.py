"""Numbers in forms and query strings that no database row can have (negative, past PostgreSQL's
32-bit INTEGER, past SQLite's 64 bits) read as none: a message or a 404, never a 500 ("integer
out of range" on PostgreSQL, OverflowError on SQLite). A page number past the end shows the last
page. The same file runs on PostgreSQL with TEST_DATABASE_URL set."""
from __future__ import annotations

import pytest
from flask_login import login_user
from sqlalchemy import select

from consult.analysis.forms import RemoveCodingForm, RemoveQuoteForm, UndoBulkForm
from consult.analysis.models import Coding, Tag
from consult.analysis.services import AnalysisRefused
from consult.analysis.views import _question_page, show_refusal
from consult.core.converters import DATABASE_INT_MAX
from consult.core.forms import db_int
from consult.core.paging import arg_page
from consult.extensions import db
from consult.qa.models import QaItem, QaStatus
from consult.strategy.models import Segment
from tests.conftest import post_form, text_of
from tests.test_advice import submitted_advice
from tests.test_advice import world as advice_world  # noqa: F401  (fixture)
from tests.test_qa import answer, ask
from tests.test_qa import world as qa_world  # noqa: F401  (fixture)
from tests.test_strategy import SEGMENT, add_segment, create
from tests.test_strategy import world as strategy_world  # noqa: F401  (fixture)

TOO_LARGE = ["3000000000", "99999999999999999999"]  # past PostgreSQL's INTEGER; past SQLite's 64 bits
NO_ROW = [*TOO_LARGE, "-1"]


@pytest.mark.parametrize("value,expected", [
    ("0", 0), ("7", 7), (" 12 ", 12), (str(DATABASE_INT_MAX), DATABASE_INT_MAX), ("000000000000042", 42),
    (str(DATABASE_INT_MAX + 1), None), ("3000000000", None), ("99999999999999999999", None), ("9" * 5000, None),
    ("-1", None), ("+5", None), ("1_000", None), ("²", None), ("abc", None), ("", None), (None, None),
    (5, 5), (-1, None), (2**40, None), (True, None), (1.5, None),
])
def test_db_int_reads_only_numbers_a_row_can_have(value, expected):
    assert db_int(value) == expected


@pytest.mark.parametrize("query,expected", [
    ("", 1), ("?page=3", 3), ("?page=0", 1), ("?page=-1", 1), ("?page=abc", 1),
    ("?page=3000000000", DATABASE_INT_MAX), ("?page=99999999999999999999", DATABASE_INT_MAX),
])
def test_arg_page_keeps_page_numbers_within_what_a_list_can_have(app, query, expected):
    with app.test_request_context(f"/x{query}"):
        assert arg_page() == expected


def _tagged_answer(world):
    """A tag of the consultation on the one submitted answer to the first question."""
    tag = Tag(consultation_id=world["consultation"].id, name="Wijkteam", colour="blue")
    db.session.add(tag)
    db.session.flush()
    question = world["theme"].questions[0]
    coding = Coding(tag_id=tag.id, response_id=world["response"].id, question_id=question.id,
                    created_by_id=world["users"]["analyst"].id)
    db.session.add(coding)
    db.session.commit()
    return tag, coding, f"/consultations/wmo/analysis/questions/{question.id}"


@pytest.mark.parametrize("number", NO_ROW)
def test_bulk_tag_that_no_row_can_have_is_refused_at_the_tag(strategy_world, number):
    tag, _coding, url = _tagged_answer(strategy_world)
    key = f"{strategy_world['response'].id}-{strategy_world['theme'].questions[0].id}"
    page = post_form(strategy_world["clients"]["analyst"], f"{url}/bulk",
                     {"action": "tag_selected", "tag": number, "answers": key, "anchor": "#answers"})
    assert page.status_code == 200
    assert "Kies een van de tags." in text_of(page)
    assert db.session.scalar(select(Coding.id).where(Coding.tag_id == tag.id, Coding.start.is_(None))) is not None
    assert len(db.session.scalars(select(Coding)).all()) == 1  # nothing tagged


@pytest.mark.parametrize("number", NO_ROW)
def test_analysis_filters_with_a_tag_no_row_can_have_show_the_page(strategy_world, number):
    _tagged_answer(strategy_world)
    client = strategy_world["clients"]["analyst"]
    question = strategy_world["theme"].questions[0]
    page = client.get(f"/consultations/wmo/analysis/questions/{question.id}?tag={number}")
    assert page.status_code == 200
    assert "Korte lijnen met het wijkteam werken goed." in text_of(page)  # no tag filter: every answer
    assert client.get(f"/consultations/wmo/analysis/posts?tag={number}").status_code == 200
    assert client.get(f"/consultations/wmo/analysis/tags?edit={number}").status_code == 200


@pytest.mark.parametrize("number", NO_ROW)
def test_removing_a_coding_no_row_can_have_is_404(strategy_world, number):
    _tag, coding, url = _tagged_answer(strategy_world)
    client = strategy_world["clients"]["analyst"]
    assert post_form(client, f"{url}/remove-coding", {"coding": number}).status_code == 404
    assert post_form(client, f"{url}/remove-quote", {"quote": number}).status_code == 404
    assert post_form(client, "/consultations/wmo/analysis/posts",
                     {"action": "remove_coding", "coding": number}).status_code == 404
    assert post_form(client, "/consultations/wmo/analysis/tags", {"action": "delete", "tag": number}).status_code == 404
    assert db.session.get(Coding, coding.id) is not None


@pytest.mark.parametrize("number", NO_ROW)
def test_excerpt_of_an_answer_key_no_row_can_have_is_404(strategy_world, number):
    tag, _coding, url = _tagged_answer(strategy_world)
    question_id = strategy_world["theme"].questions[0].id
    page = post_form(strategy_world["clients"]["analyst"], f"{url}/excerpt",
                     {"answer": f"{number}-{question_id}", "excerpt": "Korte lijnen", "tag": str(tag.id)})
    assert page.status_code == 404


@pytest.mark.parametrize("number", TOO_LARGE)
def test_analysis_pages_past_the_end_show_the_last_page(strategy_world, number):
    _tagged_answer(strategy_world)
    client = strategy_world["clients"]["analyst"]
    question = strategy_world["theme"].questions[0]
    page = client.get(f"/consultations/wmo/analysis/questions/{question.id}?page={number}")
    assert page.status_code == 200
    assert "Korte lijnen met het wijkteam werken goed." in text_of(page)
    tags = client.get(f"/consultations/wmo/analysis/tags?page={number}")
    assert tags.status_code == 200
    assert "Wijkteam" in text_of(tags)
    assert client.get(f"/consultations/wmo/analysis/posts?page={number}").status_code == 200


@pytest.mark.parametrize("number", NO_ROW)
def test_removing_a_segment_with_a_version_no_row_can_have_reads_as_none(strategy_world, number):
    create(strategy_world)
    assert add_segment(strategy_world).status_code == 302
    segment = db.session.scalar(select(Segment))
    removed = post_form(strategy_world["clients"]["editor"], f"/consultations/wmo/strategy/segments/{segment.id}",
                        {"action": "remove", "version": number})
    # As a version that is not a number: the service checks the version it loads.
    assert (removed.status_code, removed.headers["Location"]) == (302, "/consultations/wmo/strategy")
    db.session.refresh(segment)
    assert segment.deleted_at is not None


@pytest.mark.parametrize("number", NO_ROW)
def test_saving_a_segment_with_a_version_no_row_can_have_saves_against_the_loaded_one(strategy_world, number):
    create(strategy_world)
    assert add_segment(strategy_world).status_code == 302
    segment = db.session.scalar(select(Segment))
    response = post_form(strategy_world["clients"]["editor"], f"/consultations/wmo/strategy/segments/{segment.id}",
                         {**SEGMENT, "duration": "7 jaar", "version": number})
    assert response.status_code == 302
    db.session.refresh(segment)
    assert segment.duration == "7 jaar"


@pytest.mark.parametrize("number", TOO_LARGE)
def test_providers_past_what_the_database_holds_are_refused_at_the_field(strategy_world, number):
    create(strategy_world)
    page = add_segment(strategy_world, providers_min=number, providers_max=number)
    assert page.status_code == 200
    assert text_of(page).count("Vul een kleiner getal in.") == 4  # at both fields and in the summary
    assert f'value="{number}"' in page.get_data(as_text=True)  # what was typed stays in the box
    assert db.session.scalar(select(Segment)) is None


@pytest.mark.parametrize("number", NO_ROW)
def test_strategy_query_numbers_no_row_can_have(strategy_world, number):
    create(strategy_world)
    client = strategy_world["clients"]["editor"]
    history = client.get(f"/consultations/wmo/strategy/revisions?a={number}&b={number}")
    assert history.status_code == 200
    assert "Wijzigingen van versie" not in text_of(history)
    assert client.get(f"/consultations/wmo/strategy/general?comments_page={number}"
                      f"&evidence_page={number}").status_code == 200
    assert client.get(f"/consultations/wmo/strategy/not-considered?page={number}").status_code == 200


@pytest.mark.parametrize("number", NO_ROW)
def test_qa_theme_no_row_can_have_shows_every_published_answer(app, qa_world, number):
    ask(qa_world["clients"]["provider"])
    item = db.session.scalar(select(QaItem))
    assert answer(qa_world["clients"]["editor"], item).status_code == 302
    assert db.session.get(QaItem, item.id).status == QaStatus.PUBLISHED
    for client in (app.test_client(), qa_world["clients"]["provider"]):
        page = client.get(f"/consultations/wmo/qa?theme={number}&page={number}&mine={number}")
        assert page.status_code == 200
        assert "Ja, onder voorwaarden." in text_of(page)


@pytest.mark.parametrize("number", TOO_LARGE)
def test_qa_lists_past_the_end_show_the_last_page(qa_world, number):
    editor = qa_world["clients"]["editor"]
    assert editor.get(f"/consultations/wmo/qa/received?page={number}").status_code == 200
    ask(qa_world["clients"]["provider"])
    waiting = editor.get(f"/consultations/wmo/qa/manage?page={number}")
    assert waiting.status_code == 200
    assert "Mogen wij met onderaannemers werken?" in text_of(waiting)


@pytest.mark.parametrize("number", NO_ROW)
def test_team_response_pages_with_numbers_no_row_can_have(strategy_world, number):
    client = strategy_world["clients"]["editor"]
    listed = client.get(f"/consultations/wmo/responses?page={number}")
    assert listed.status_code == 200
    assert "Zorg A" in text_of(listed)
    shown = client.get(f"/consultations/wmo/responses/{strategy_world['response'].id}?revision={number}")
    assert shown.status_code == 200  # the latest submission
    assert "Korte lijnen met het wijkteam werken goed." in text_of(shown)


@pytest.mark.parametrize("form_class", [UndoBulkForm, RemoveCodingForm, RemoveQuoteForm])
def test_refusal_of_a_one_button_action_is_shown_in_the_error_summary(app, strategy_world, form_class):
    """Undo and remove have no field to show a refusal of the service at: it is a message of the
    whole form, in the page's error summary, linked to the answer the button was at."""
    _tag, _coding, url = _tagged_answer(strategy_world)
    consultation, theme = strategy_world["consultation"], strategy_world["theme"]
    key = f"{strategy_world['response'].id}-{theme.questions[0].id}"
    with app.test_request_context(f"{url}/undo-bulk", method="POST", data={"anchor": f"#answer-{key}"}):
        login_user(strategy_world["users"]["analyst"])
        form = form_class(consultation, meta={"csrf": False})
        show_refusal(form, AnalysisRefused("Dit kan nu niet."))
        assert form.page_errors() == {f"answer-{key}": "Dit kan nu niet."}
        html, status = _question_page(consultation, theme, theme.questions[0], 1, refused=form)
    assert status == 200
    summary = html.split('data-error-summary>', 1)[1].split("</div>", 1)[0]
    assert f'<a class="utrecht-link" href="#answer-{key}">Dit kan nu niet.</a>' in summary


def test_refusal_of_a_one_button_action_without_an_anchor_links_to_the_answers(app, strategy_world):
    consultation = strategy_world["consultation"]
    with app.test_request_context("/", method="POST", data={}):
        form = UndoBulkForm(consultation, meta={"csrf": False})
        show_refusal(form, AnalysisRefused("Dit kan nu niet."))
        assert form.page_errors() == {"answers": "Dit kan nu niet."}


@pytest.mark.parametrize("page", ["3000000000", "99999999999999999999", "-1"])
def test_a_page_of_advice_points_or_comments_out_of_range_is_a_page_not_an_error(advice_world, page):
    advice = submitted_advice(advice_world, points=2)
    editor = advice_world["clients"]["editor"]
    shown = editor.get(f"/advice/{advice.id}?page={page}")
    assert shown.status_code == 200 and all(point.title in text_of(shown) for point in advice.points)
    assert editor.get(f"/consultations/wmo/council-comments?page={page}").status_code == 200
