"""Submitted answers as rows: written with the frozen canonical copy, equal to it for every
submission (also after withdrawing and submitting again), filled in by the migration for
submissions made before it, and read by the team's paged response list."""
from __future__ import annotations

import io
import json
import re

from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text

from consult.extensions import db
from consult.responses.models import Response, ResponseStatus, Submission, SubmittedAnswer
from tests.conftest import post_form, text_of
from tests.test_migrations import migration_app  # noqa: F401
from tests.test_responses import PDF, autosave, start, theme_url, world  # noqa: F401


def rows_of(submission: Submission) -> list[SubmittedAnswer]:
    return list(db.session.scalars(select(SubmittedAnswer).where(SubmittedAnswer.submission_id == submission.id)
                                   .order_by(SubmittedAnswer.position)))


def assert_rows_equal_canonical() -> int:
    """Every submission's rows say exactly what its canonical copy says; only each response's
    latest revision is current. Returns the number of submissions checked."""
    submissions = db.session.scalars(select(Submission).order_by(Submission.id)).all()
    latest = {}
    for submission in submissions:
        latest[submission.response_id] = max(latest.get(submission.response_id, 0), submission.number)
    for submission in submissions:
        snapshot = json.loads(submission.canonical)
        rows = rows_of(submission)
        assert [row.as_canonical() for row in rows] == snapshot["answers"]
        assert {(row.response_id, row.consultation_id, row.organisation_id, row.revision, row.publication,
                 row.current) for row in rows} <= {
            (submission.response_id, snapshot["consultation"]["id"], snapshot["organisation"]["id"],
             submission.number, snapshot["publication"], submission.number == latest[submission.response_id])}
    return len(submissions)


def fill_every_kind(client, resp, world, *, text: str, publication: str = "named"):
    q = world["q"]
    url = theme_url(resp, world)
    post_form(client, url, {f"q-{q['Wat werkt?'].id}": text, f"q-{q['Bekostiging?'].id}": "PxQ",
                            f"q-{q['Segmenten?'].id}": ["Dagbesteding", "Hulp"], f"q-{q['Tevreden?'].id}": "4",
                            f"q-{q['Kostprijs?'].id}": "58,75", f"c-{q['Kostprijs?'].id}": "1"}, csrf_from=url)
    return post_form(client, f"/responses/{resp.id}/review", {"publication": publication, "confirm": "1"},
                     csrf_from=f"/responses/{resp.id}/review")


def test_rows_equal_canonical_for_every_submission_also_after_withdraw_and_resubmit(world):
    anna, bert = world["clients"]["a"], world["clients"]["b"]
    resp = start(anna, world)
    upload = post_form(anna, f"/responses/{resp.id}/answers/{world['q']['Positionpaper?'].id}/files",
                       {"file": (io.BytesIO(PDF), "visie.pdf")}, csrf_from=theme_url(resp, world))
    assert upload.status_code == 302
    assert fill_every_kind(anna, resp, world, text="Korte lijnen.").headers["Location"].endswith("/submissions/1")
    first = db.session.scalar(select(Submission).where(Submission.number == 1))
    rows = rows_of(first)
    assert [(r.kind, r.value_text, r.value_number, r.value_choices, r.text, r.confidential) for r in rows] == [
        ("open", "Korte lijnen.", None, None, "Korte lijnen.", False),
        ("single", "PxQ", None, None, "PxQ", False),
        ("multiple", None, None, '["Hulp", "Dagbesteding"]', "Hulp; Dagbesteding", False),
        ("scale", None, 4.0, None, "4", False),
        ("number", None, 58.75, None, "58,75 € per uur", True),
        ("file", None, None, None, "", False)]
    assert [a["name"] for a in rows[-1].attachments] == ["visie.pdf"]
    # Changed and submitted again: revision 2 is current, revision 1 keeps its own rows.
    assert fill_every_kind(anna, resp, world, text="Nog kortere lijnen.",
                           publication="anonymous").headers["Location"].endswith("/submissions/2")
    post_form(anna, f"/responses/{resp.id}/withdraw", {"confirm": "1"}, csrf_from=f"/responses/{resp.id}")
    assert db.session.get(Response, resp.id).status == ResponseStatus.WITHDRAWN
    assert fill_every_kind(anna, resp, world, text="Weer ingediend.").headers["Location"].endswith("/submissions/3")
    resp_b = start(bert, world, "b")
    fill_every_kind(bert, resp_b, world, text="Bert's \"antwoord\" — één.")
    assert assert_rows_equal_canonical() == 4
    current = db.session.execute(select(SubmittedAnswer.revision, SubmittedAnswer.text).where(
        SubmittedAnswer.response_id == resp.id, SubmittedAnswer.current.is_(True), SubmittedAnswer.kind == "open")).all()
    assert current == [(3, "Weer ingediend.")]
    assert [r.text for r in rows_of(first) if r.kind == "open"] == ["Korte lijnen."]
    # The canonical copies (and so the receipts) are untouched by the rows.
    for submission in db.session.scalars(select(Submission)):
        assert re.fullmatch(r"[0-9a-f]{64}", submission.digest)
        assert "Geldig." in text_of(world["clients"]["anonymous"].get(f"/receipts/verify?code={submission.receipt_code}"))


def test_migration_fills_in_rows_of_earlier_submissions(migration_app):  # noqa: F811
    """Submissions made before revision 0023 get their rows from their canonical copies."""
    from tests.demo import load_demo

    upgrade()
    load_demo()
    db.session.commit()
    before = db.session.scalar(select(db.func.count()).select_from(SubmittedAnswer))
    assert before > 0
    db.session.remove()
    downgrade(revision="0022")
    assert "submitted_answers" not in db.inspect(db.engine).get_table_names()
    with db.engine.connect() as conn:  # the submissions themselves stay
        assert conn.execute(text("SELECT COUNT(*) FROM submissions")).scalar() > 0
    upgrade(revision="0023")
    assert db.session.scalar(select(db.func.count()).select_from(SubmittedAnswer)) == before
    # Read in SQL: the models may have columns that later migrations add.
    with db.engine.connect() as conn:
        latest = dict(conn.execute(text("SELECT response_id, MAX(number) FROM submissions GROUP BY response_id")).all())
        current = conn.execute(text("SELECT response_id, revision FROM submitted_answers WHERE current")).all()
    assert latest
    for response_id, revision in current:
        assert revision == latest[response_id]
    db.session.remove()
    upgrade()  # the model's later columns (an answer's scope) exist again; the rows 0023 wrote are compared
    assert assert_rows_equal_canonical() > 0


def submitted_responses(world, count: int) -> list[Response]:
    """``count`` providers, each with a submitted response (services, as the pages would)."""
    from consult.orgs.models import OrgKind
    from consult.responses.models import Publication
    from consult.responses.services import save_answer, set_publication, start_response, submit
    from tests.conftest import make_org, make_user

    responses = []
    question = world["q"]["Wat werkt?"]
    for n in range(count):
        org = make_org(f"Aanbieder {n:03d}", kind=OrgKind.PROVIDER)
        user = make_user(f"p{n}@example.org", org=org)
        response = start_response(world["consultation"], org, by=user)
        save_answer(response, question, f"Antwoord {n}", False, None, by=user)
        set_publication(response, Publication.NAMED, by=user)
        submit(response, by=user, notify=False)
        responses.append(response)
    db.session.commit()
    return responses


def test_team_response_list_is_paged_by_name_with_an_accessible_pager(world):
    submitted_responses(world, 53)
    anna = world["clients"]["a"]
    resp = start(anna, world)
    fill_every_kind(anna, resp, world, text="Eerst.")
    fill_every_kind(anna, resp, world, text="Daarna.")  # two revisions
    editor = world["clients"]["editor"]
    listing = editor.get("/consultations/wmo/responses")
    first = listing.get_data(as_text=True)
    names = re.findall(r'responses/\d+">([^<]+)</a></td>', first)
    assert names == [f"Aanbieder {n:03d}" for n in range(50)]
    assert "54 organisaties hebben een reactie ingediend. Pagina 1 van 2, op naam van de organisatie." in text_of(listing)
    assert '<nav class="utrecht-pagination" aria-label="Pagina\'s">' in first
    assert 'aria-current="page" href="/consultations/wmo/responses?page=1">Pagina 1</a>' in first
    second = editor.get("/consultations/wmo/responses?page=2").get_data(as_text=True)
    assert re.findall(r'responses/\d+">([^<]+)</a></td>', second) == [
        "Aanbieder 050", "Aanbieder 051", "Aanbieder 052", "Zorg A"]
    assert 'aria-current="page" href="/consultations/wmo/responses?page=2">Pagina 2</a>' in second
    assert re.search(r'Zorg A</a></td>.*?numeric">2</td>', second, re.S)  # its revisions, counted in SQL
    assert 'rel="prev" href="/consultations/wmo/responses?page=1"' in second
    # An old link past the end shows the last page; another team sees nothing.
    assert "Zorg A" in text_of(editor.get("/consultations/wmo/responses?page=9"))
    assert world["clients"]["other_team"].get("/consultations/wmo/responses").status_code == 404


def test_analysis_filters_and_counts_from_the_rows(world):
    """Text search ignores case also beyond ASCII (É matches é), counts come from the current
    revision only, and a withdrawn response drops out."""
    anna, bert = world["clients"]["a"], world["clients"]["b"]
    resp_a = start(anna, world)
    fill_every_kind(anna, resp_a, world, text="Eerst iets anders.")
    fill_every_kind(anna, resp_a, world, text="Reistijd vóór ÉÉN uur.")
    resp_b = start(bert, world, "b")
    fill_every_kind(bert, resp_b, world, text="Geen reistijd.")
    editor = world["clients"]["editor"]
    url = f"/consultations/wmo/analysis/questions/{world['q']['Wat werkt?'].id}"
    assert "1 van de 2 antwoorden komen overeen." in text_of(editor.get(url + "?q=één"))
    assert "2 van de 2 antwoorden komen overeen." in text_of(editor.get(url + "?q=REISTIJD"))
    assert "0 van de 2 antwoorden komen overeen." in text_of(editor.get(url + "?q=iets anders"))
    assert "0 van de 2 antwoorden komen overeen." in text_of(editor.get(url + "?q=100%"))
    page = text_of(editor.get(url + "?page=5"))  # past the end: the last page
    assert "Reistijd vóór ÉÉN uur." in page and "Geen reistijd." in page
    scale = text_of(editor.get(f"/consultations/wmo/analysis/questions/{world['q']['Tevreden?'].id}"))
    assert "Zorgaanbieders: 2 antwoorden" in scale
    post_form(bert, f"/responses/{resp_b.id}/withdraw", {"confirm": "1"}, csrf_from=f"/responses/{resp_b.id}")
    assert "1 van de 1 antwoorden komen overeen." in text_of(editor.get(url + "?q=reistijd"))


def test_figures_from_grouped_rows_equal_figures_from_every_answer(app, demo):
    """The statistics grouped in SQL are the ones computed answer by answer, for every counted
    question of the demo grown with providers (some confidential), and the report builds from them."""
    from consult.analysis.services import (
        answer_items,
        distribution,
        number_summary,
        public_distribution_figures,
        public_number_figures,
        value_groups_by_question,
    )
    from consult.consultations.models import Consultation, QuestionKind
    from consult.reports.report import build_report
    from tests.test_page_cost import SLUG, add_submitted_responses

    add_submitted_responses(12)
    consultation = db.session.scalar(select(Consultation).where(Consultation.slug == SLUG))
    grouped = value_groups_by_question(consultation)
    items = answer_items(consultation)
    checked = set()
    for theme in consultation.themes:
        for question in theme.questions:
            answers = [i for i in items if i.question_id == question.id]
            groups = grouped.get(question.id, [])
            assert sum(g.count for g in groups) == (len(answers) if question.kind.aggregates else 0)
            if question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.SCALE):
                assert distribution(question, groups) == distribution(question, answers)
                assert public_distribution_figures(question, groups) == public_distribution_figures(question, answers)
                checked.add(question.kind.value)
            elif question.kind == QuestionKind.NUMBER:
                assert number_summary(groups) == number_summary(answers)
                assert public_number_figures(question, groups) == public_number_figures(question, answers)
                checked.add(question.kind.value)
    assert checked == {"single", "multiple", "scale", "number"}
    assert build_report(consultation) is not None
