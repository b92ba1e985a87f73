"""The consultation report: built from the data, published at a stable address, the same content
in HTML, ODT, PDF and DOCX, never a confidential answer or a name that may not be published."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
from docx import Document as DocxDocument
from odfdo import Document as OdfDocument
from pypdf import PdfReader
from sqlalchemy import select

from consult.advice.models import Disposition
from consult.analysis.models import Quote, Synthesis, SynthesisStatus
from consult.audit.models import AuditEvent
from consult.consultations.models import Consultation, Question, QuestionKind, Status, TeamMember, TeamRole, Theme
from consult.core.time import utcnow
from consult.extensions import db
from consult.notify.models import Kind, Notification
from consult.orgs.models import OrgKind
from consult.responses.models import Publication
from consult.responses.services import save_answer, set_publication, start_response, submit
from consult.strategy.services import add_segment, create_draft, link_evidence, part_key
from tests.conftest import login, make_org, make_user, post_form, sign_in, text_of

SECRET_COST = "61,37"


@pytest.fixture
def world(app):
    leiden = make_org("Gemeente Leiden", kind=OrgKind.MUNICIPALITY)
    consultation = Consultation(slug="wmo", title="Wmo Leidse regio", status=Status.OPEN, municipalities=[leiden],
                                closes_at=utcnow() + timedelta(days=5), principles=[],
                                contact_name="Tessa Team", contact_email="wmo@leiden.example.org")
    theme = Theme(title="Toegang", position=0)
    theme.questions.extend([Question(text="Wat werkt goed?", kind=QuestionKind.OPEN, position=0),
                            Question(text="Kostprijs per uur?", kind=QuestionKind.NUMBER, unit="euro", position=1)])
    consultation.themes.append(theme)
    db.session.add(consultation)
    db.session.commit()
    editor = make_user("editor@example.org", name="Eva Editor", org=leiden)
    db.session.add(TeamMember(consultation_id=consultation.id, user_id=editor.id, role=TeamRole.EDITOR))
    db.session.commit()
    open_question, cost = theme.questions
    responses = {}
    for name, kvk, publication, text in [("Zorg Genoemd", "11111111", Publication.NAMED, "Vaste gezichten werken goed."),
                                         ("Zorg Anoniem", "22222222", Publication.ANONYMOUS, "Korte lijnen met het wijkteam."),
                                         ("Zorg Stil", "33333333", Publication.NONE, "Minder formulieren graag.")]:
        org = make_org(name, kvk=kvk)
        user = make_user(f"{kvk}@example.org", name=f"Lid {name}", org=org)
        response = start_response(consultation, org, by=user)
        save_answer(response, open_question, text, False, None, by=user)
        save_answer(response, cost, 61.37, True, None, by=user)
        set_publication(response, publication, by=user)
        submit(response, by=user, notify=False)
        responses[name] = response
    consultation.status = Status.CLOSED
    db.session.add_all([
        Synthesis(consultation_id=consultation.id, theme_id=theme.id, question_id=open_question.id,
                  text="Continuïteit en korte lijnen worden gewaardeerd.", status=SynthesisStatus.FINAL),
        Quote(consultation_id=consultation.id, response_id=responses["Zorg Anoniem"].id, question_id=open_question.id,
              start=0, end=12, text="Korte lijnen"),
        Quote(consultation_id=consultation.id, response_id=responses["Zorg Genoemd"].id, question_id=open_question.id,
              start=0, end=13, text="Vaste gezichten"),
    ])
    draft = create_draft(consultation, by=editor)
    segment = add_segment(draft, by=editor, name="Begeleiding", organisation_form="open_house",
                          providers_kind="unlimited", funding_form="output", duration="4 jaar")
    link_evidence(draft, part_key(segment), "answer", f"{responses['Zorg Stil'].id}-{open_question.id}",
                  Disposition.ADOPTED, "Minder verantwoording in de eisen.", by=editor)
    link_evidence(draft, part_key(segment), "answer", f"{responses['Zorg Anoniem'].id}-{open_question.id}",
                  Disposition.NOT_ADOPTED, "Past niet bij open house.", by=editor)
    db.session.commit()
    editor_client = app.test_client()
    sign_in(editor_client, editor)
    return {"consultation": consultation, "editor": editor_client, "responses": responses, "segment": segment}


def publish(world, summary="Men wil minder administratieve lasten."):
    return post_form(world["editor"], "/consultations/wmo/report/edit",
                     {"summary": summary, "introduction": "", "next_steps": "Vaststelling in maart.",
                      "action": "publish"})


def texts(app, client=None, query: str = ""):
    """The report as HTML, ODT, DOCX and PDF text; ``query``: e.g. "?lot=3" (a lot's report)."""
    client = client or app.test_client()
    html = text_of(client.get(f"/consultations/wmo/report{query}"))
    odt = OdfDocument(io.BytesIO(client.get(f"/consultations/wmo/report.odt{query}").data)).get_formatted_text()
    docx = DocxDocument(io.BytesIO(client.get(f"/consultations/wmo/report.docx{query}").data))
    docx_text = "\n".join([p.text for p in docx.paragraphs]
                          + [cell.text for table in docx.tables for row in table.rows for cell in row.cells])
    pdf = PdfReader(io.BytesIO(client.get(f"/consultations/wmo/report.pdf{query}").data))
    pdf_text = "\n".join(page.extract_text() for page in pdf.pages)
    return {fmt: " ".join(text.split()) for fmt, text in
            {"html": html, "odt": odt, "docx": docx_text, "pdf": pdf_text}.items()}


def test_the_report_is_public_only_once_published(app, world):
    assert app.test_client().get("/consultations/wmo/report").status_code == 302  # to the login page
    assert world["editor"].get("/consultations/wmo/report").status_code == 200  # the team's concept
    missing = publish(world, summary=" ")
    assert missing.status_code == 200 and "Schrijf de samenvatting voordat u het verslag publiceert." in text_of(missing)
    assert publish(world).status_code == 302
    consultation = db.session.get(Consultation, world["consultation"].id)
    assert consultation.status == Status.PUBLISHED
    page = app.test_client().get("/consultations/wmo/report")
    assert page.status_code == 200 and "Definitief, versie 1" in text_of(page)
    assert "Lees het consultatieverslag" in text_of(app.test_client().get("/consultations/wmo"))
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "report_published"))
    assert event.detail["version"] == 1
    told = {n.user_id for n in db.session.scalars(select(Notification).where(Notification.kind == Kind.REPORT))}
    assert len(told) == 3


def test_no_confidential_answer_and_no_forbidden_name_in_any_format(app, world):
    publish(world)
    for fmt, text in texts(app).items():
        assert SECRET_COST not in text and "61.37" not in text, fmt
        assert "Zorg Stil" not in text and "Zorg Anoniem" not in text, fmt
        assert "“Vaste gezichten” (Zorg Genoemd)" in text, fmt
        assert "“Korte lijnen” (een aanbieder)" in text, fmt
        assert "Continuïteit en korte lijnen worden gewaardeerd." in text, fmt
        assert "Men wil minder administratieve lasten." in text, fmt


def test_sections_follow_the_dispositions(app, world):
    publish(world)
    html = texts(app)["html"]
    assert "Overgenomen (Begeleiding) Niet overgenomen (Begeleiding)" in html
    assert "Begeleiding: Minder verantwoording in de eisen. Begeleiding: Past niet bij open house." in html
    assert "Begeleiding: overgenomen — Minder verantwoording in de eisen." in html  # the summary of changes
    assert "Begeleiding Open house Onbeperkt Outputgericht 4 jaar" in html  # the strategy grid
    # "Zorg Stil" chose not to publish: it is not counted at all.
    assert "Organisaties die genoemd willen worden; 1 andere organisatie deed mee zonder naam." in html


def test_response_figures_counted_in_sql_are_what_the_gate_decides_per_response(app, world):
    """The report's response figures and named organisations come from grouped queries; they equal
    what the gate decides response by response (the stricter of the current and the submitted
    choice, "do not publish" counting nowhere), with every kind of choice, a changed choice both
    ways, a council, a second theme, a withdrawn response and a draft."""
    from consult.analysis.services import stakeholder_of, submitted_responses
    from consult.consultations.models import Audience as QuestionAudience
    from consult.disclosure.answers import counts_in_public, effective_publication
    from consult.reports.report import participation
    from consult.responses.models import SubmittedAnswer
    from consult.responses.services import withdraw

    consultation = world["consultation"]
    consultation.status = Status.OPEN
    second = Theme(title="Vervoer", position=1)
    second.questions.append(Question(text="Hoe reist u?", kind=QuestionKind.OPEN, position=0,
                                     audience=QuestionAudience.BOTH))
    consultation.themes.append(second)
    db.session.commit()
    first_question, travel = consultation.themes[0].questions[0], second.questions[0]
    cases = [  # name, kind, choice when submitted, choice afterwards, answers both themes, then
        ("Raad Genoemd", OrgKind.COUNCIL, Publication.NAMED, None, None, None),
        ("Zorg Teruggetrokken", OrgKind.PROVIDER, Publication.ANONYMOUS, Publication.NAMED, True, None),
        ("Zorg Terug", OrgKind.PROVIDER, Publication.NAMED, Publication.ANONYMOUS, False, None),
        ("Zorg Alleen Vervoer", OrgKind.PROVIDER, Publication.NAMED, None, None, None),
        ("Zorg Ingetrokken", OrgKind.PROVIDER, Publication.NAMED, None, True, "withdraw"),
        ("Zorg Concept", OrgKind.PROVIDER, Publication.NAMED, None, True, "draft"),
        ("Zorg Nooit", OrgKind.PROVIDER, Publication.NONE, Publication.NAMED, True, None),
    ]
    for n, (name, kind, submitted, later, both, then) in enumerate(cases):
        org = make_org(name, kind=kind, kvk=f"5555555{n}")
        user = make_user(f"case{n}@example.org", org=org)
        response = start_response(consultation, org, by=user)
        if both is not None:
            save_answer(response, first_question, f"Antwoord van {name}", False, None, by=user)
        if both is not False:
            save_answer(response, travel, "Met de regiotaxi", False, None, by=user)
        set_publication(response, submitted, by=user)
        if then != "draft":
            submit(response, by=user, notify=False)
        if later is not None:
            set_publication(response, later, by=user)
        if then == "withdraw":
            withdraw(response, by=user)
    consultation.status = Status.CLOSED
    db.session.commit()
    db.session.expire_all()

    # What the gate decides, one response at a time, and the themes each one answered in.
    public = [r for r in submitted_responses(consultation) if counts_in_public(effective_publication(r))]
    theme_of = {q.id: theme.id for theme in consultation.themes for q in theme.questions}
    themes_answered = {r.id: {theme_of[row.question_id] for row in db.session.scalars(select(SubmittedAnswer).where(
        SubmittedAnswer.response_id == r.id, SubmittedAnswer.current.is_(True)))} for r in public}
    figures = participation(consultation)
    assert figures.total == len(public)
    assert figures.per_type == {s: sum(stakeholder_of(r.organisation.kind) == s for r in public)
                                for s in ("provider", "council", "other")}
    assert figures.per_theme == {theme.id: sum(theme.id in themes_answered[r.id] for r in public)
                                 for theme in consultation.themes}
    assert figures.named == sorted(r.organisation.name for r in public
                                   if effective_publication(r) == Publication.NAMED)
    # Spelled out: named, anonymous (one each way) and the council count; "Zorg Stil" and "Zorg Nooit"
    # chose not to publish (the later "named" waits for a next submission), the others are out.
    assert figures.named == ["Raad Genoemd", "Zorg Alleen Vervoer", "Zorg Genoemd"]
    assert (figures.total, figures.per_type) == (6, {"provider": 5, "council": 1, "other": 0})
    assert figures.per_theme == {consultation.themes[0].id: 4, second.id: 3}


def test_report_texts_over_the_limit_are_named_at_their_field_and_kept(app, world):
    """The report editor's form goes through ReportTextsForm and the shared macros: a text over the
    limit is named at its own field (aria-invalid, the message beside it, a linked summary entry) and
    kept as typed, the other texts too, and nothing is saved; publishing without a summary is refused
    at the summary field, in the reader's language."""
    import re

    from consult.reports.models import Report

    url = "/consultations/wmo/report/edit"
    long_text = "x" * 20_001
    response = post_form(world["editor"], url, {"summary": "Kort en goed.", "introduction": long_text,
                                                "next_steps": "In maart.", "action": "save"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<title>Fout: " in html
    assert '<a class="utrecht-link" href="#introduction">Gebruik hooguit 20000 tekens.</a>' in html
    assert html.count('aria-invalid="true"') == 1
    introduction = re.search(r'<textarea[^>]*id="introduction"[^>]*>\r\n([^<]*)</textarea>', html)
    assert 'aria-invalid="true"' in introduction.group(0) and introduction.group(1) == long_text
    assert 'aria-describedby="introduction-hint introduction-error"' in introduction.group(0)
    assert re.search(r'id="summary"[^>]*>\r\nKort en goed.</textarea>', html)
    assert re.search(r'id="next_steps"[^>]*>\r\nIn maart.</textarea>', html)
    assert db.session.scalar(select(Report)) is None
    # Publishing without a summary: refused at the summary field, the other texts kept, nothing published.
    refused = publish(world, summary="   ")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 200
    assert '<a class="utrecht-link" href="#summary">Schrijf de samenvatting voordat u het verslag publiceert.</a>' in html
    assert re.search(r'<textarea aria-describedby="summary-hint summary-error" aria-invalid="true"[^>]*id="summary"', html)
    assert re.search(r'id="next_steps"[^>]*>\r\nVaststelling in maart.</textarea>', html)
    assert db.session.scalar(select(Report)) is None
    world["editor"].post("/language", data={"language": "en", "csrf_token": csrf_of(world["editor"], url)})
    english = text_of(post_form(world["editor"], url, {"summary": "", "action": "publish"}))
    assert "Write the summary before publishing the report." in english


def csrf_of(client, url):
    from tests.conftest import csrf_token_from

    return csrf_token_from(client.get(url).get_data(as_text=True))


def test_pdf_is_tagged_pdfa_with_contents_and_page_numbers(app, world):
    publish(world)
    data = app.test_client().get("/consultations/wmo/report.pdf").data
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) >= 3
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"]) and "/StructTreeRoot" in root
    xmp = root["/Metadata"].get_object().get_data()
    assert b'pdfaid:part="3"' in xmp and b'pdfaid:conformance="A"' in xmp
    first = reader.pages[0].extract_text()
    assert "Inhoud" in first and "Samenvatting" in first
    assert reader.pages[-1].extract_text().strip().endswith(f"{len(reader.pages)} / {len(reader.pages)}")


def test_only_editors_write_and_only_after_closing(app, world):
    world["consultation"].status = Status.OPEN
    db.session.commit()
    assert world["editor"].get("/consultations/wmo/report/edit").status_code == 403
    world["consultation"].status = Status.CLOSED
    db.session.commit()
    make_user("p@example.org", org=make_org("Zorg P", kvk="44444444"))
    provider = app.test_client()
    login(provider, "p@example.org")
    assert provider.get("/consultations/wmo/report/edit").status_code == 404
    assert post_form(provider, "/consultations/wmo/report/edit", {"summary": "x", "action": "publish"}).status_code == 404
    assert world["editor"].get("/consultations/wmo/report/edit").status_code == 200


def _csv(app, client, variant):
    import csv as csv_module

    response = client.get(f"/consultations/wmo/answers.{variant}.csv", buffered=True)
    assert response.status_code == 200
    data = response.get_data()
    assert data.startswith("\ufeff".encode())
    return list(csv_module.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


def test_public_and_internal_answer_exports(app, world):
    from openpyxl import load_workbook

    from consult.reports.data import escape_cell

    anonymous = app.test_client()
    assert anonymous.get("/consultations/wmo/answers.public.csv", buffered=True).status_code == 302  # unpublished
    publish(world)
    public = _csv(app, anonymous, "public")
    assert public[0] == ["Organisatie", "Soort organisatie", "Thema", "Vraagnummer", "Vraag", "Antwoord",
                         "Ingediend op", "Versie"]
    assert sorted((row[0], row[5]) for row in public[1:]) == [("Anoniem", "Korte lijnen met het wijkteam."),
                                                              ("Zorg Genoemd", "Vaste gezichten werken goed.")]
    assert anonymous.get("/consultations/wmo/answers.internal.csv", buffered=True).status_code == 302
    internal = _csv(app, world["editor"], "internal")
    assert internal[0] == ["VERTROUWELIJK — intern"]
    assert len(internal) == 2 + 6 and sum(1 for row in internal[2:] if row[8] == "ja") == 3
    assert {row[0] for row in internal[2:]} == {"Zorg Genoemd", "Zorg Anoniem", "Zorg Stil"}
    assert "61,37 euro" in {row[5] for row in internal[2:]}
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "answers_exported")).all()
    assert [(e.detail["variant"], e.detail["format"]) for e in events] == [("internal", "csv")]
    workbook = load_workbook(io.BytesIO(world["editor"].get("/consultations/wmo/answers.internal.xlsx", buffered=True).data))
    sheet = workbook.active
    assert sheet["A1"].value == "VERTROUWELIJK — intern" and sheet.max_row == 8
    public_book = load_workbook(io.BytesIO(anonymous.get("/consultations/wmo/answers.public.xlsx", buffered=True).data))
    values = [cell.value for row in public_book.active.iter_rows() for cell in row]
    assert "Zorg Stil" not in values and "Zorg Anoniem" not in values and not any("61,37" in str(v) for v in values)
    # Formula injection: a cell that starts like a formula is made inert.
    assert [escape_cell(v) for v in ["=1+1", "+31 6", "-5", "@SUM(A1)", "\tx", "gewoon", 3]] == [
        "'=1+1", "'+31 6", "'-5", "'@SUM(A1)", "'\tx", "gewoon", "3"]


def _rows_from_canonical(consultation, variant):
    """The answer export as it was made from each latest submission's canonical JSON (before the
    answer rows): the reference the row-based export must equal, row for row."""
    import json

    from flask_babel import format_datetime
    from flask_babel import gettext as _

    from consult.disclosure import Audience
    from consult.disclosure.answers import may_show_answer, shown_name, stricter
    from consult.reports.data import escape_cell
    from consult.responses.display import snapshot_value
    from consult.responses.models import Response, ResponseStatus

    numbers = {}
    for t_number, theme in enumerate(sorted(consultation.themes, key=lambda t: (t.position, t.id)), start=1):
        for q_number, question in enumerate(sorted(theme.questions, key=lambda q: (q.position, q.id)), start=1):
            numbers[question.id] = f"{t_number}.{q_number}"
    kinds = {OrgKind.PROVIDER: _("Care provider"), OrgKind.COUNCIL: _("Advisory council"),
             OrgKind.MUNICIPALITY: _("Municipality"), OrgKind.OTHER: _("Other organisation")}
    audience = Audience.TEAM if variant == "internal" else Audience.PUBLIC
    result = []
    for response in db.session.scalars(select(Response).where(
            Response.consultation_id == consultation.id, Response.status == ResponseStatus.SUBMITTED)
            .order_by(Response.id)):
        latest = response.submissions[-1]
        snapshot = json.loads(latest.canonical)
        applies = stricter(response.publication, snapshot.get("publication"))
        for answer in snapshot["answers"]:
            if not may_show_answer(applies, answer["confidential"], audience):
                continue
            row = [shown_name(response.organisation, applies, audience) or _("Anonymous"),
                   kinds.get(response.organisation.kind, ""), answer["theme"], numbers.get(answer["question_id"], ""),
                   answer["question"], snapshot_value(answer), format_datetime(latest.submitted_at, "yyyy-MM-dd HH:mm"),
                   latest.number]
            if variant == "internal":
                row += [_("yes") if answer["confidential"] else _("no"),
                        response.publication.label if response.publication else ""]
            result.append([escape_cell(value) for value in row])
    return result


def test_the_answer_export_reads_the_answer_rows_and_equals_the_canonical_copies(app, world):
    """The export reads the answer rows, not the canonical JSON, and writes exactly what the latest
    submissions' canonical copies say: every kind of answer, a theme without questions before a
    theme (its number counts), a second revision, a withdrawn response, a council, a choice changed
    after submitting (both ways), confidential answers and "do not publish", in both languages, for
    the public and the team, in more than one batch of responses."""
    from flask_babel import force_locale

    from consult.consultations.models import Audience as QuestionAudience
    from consult.reports import data
    from consult.reports.data import rows
    from consult.responses.services import withdraw

    consultation = world["consultation"]
    consultation.status = Status.OPEN
    consultation.themes.append(Theme(title="Leeg", position=1))
    figures = Theme(title="Cijfers", position=2)
    figures.questions.extend([
        Question(text="Hoeveel cliënten?", kind=QuestionKind.NUMBER, unit="cliënten", position=0,
                 audience=QuestionAudience.BOTH),
        Question(text="Welke vormen?", kind=QuestionKind.MULTIPLE, options=["=Online", "Groep", "Individueel"],
                 position=1, audience=QuestionAudience.BOTH),
        Question(text="Tevreden?", kind=QuestionKind.SCALE, position=2, audience=QuestionAudience.BOTH),
        Question(text="Vorm?", kind=QuestionKind.SINGLE, options=["Thuis", "Op locatie"], position=3,
                 audience=QuestionAudience.BOTH)])
    consultation.themes.append(figures)
    db.session.commit()
    count, several, scale, single = figures.questions
    cases = [("Raad Twee", OrgKind.COUNCIL, Publication.NAMED, None, None),
             ("Zorg Herzien", OrgKind.PROVIDER, Publication.NAMED, Publication.ANONYMOUS, "again"),
             ("Zorg Later Genoemd", OrgKind.PROVIDER, Publication.ANONYMOUS, Publication.NAMED, None),
             ("Zorg Weg", OrgKind.PROVIDER, Publication.NAMED, None, "withdraw"),
             ("Zorg Geen", OrgKind.PROVIDER, Publication.NONE, None, None)]
    for n, (name, kind, chosen, later, then) in enumerate(cases):
        org = make_org(name, kind=kind, kvk=f"6666666{n}")
        user = make_user(f"export{n}@example.org", org=org)
        response = start_response(consultation, org, by=user)
        save_answer(response, count, 1234.5 + n, n % 2 == 0, None, by=user)
        save_answer(response, several, ["=Online", "Groep"][: 1 + n % 2], False, None, by=user)
        save_answer(response, scale, 1 + n, n == 3, None, by=user)
        save_answer(response, single, "Op locatie", False, None, by=user)
        set_publication(response, chosen, by=user)
        submit(response, by=user, notify=False)
        if then == "again":
            save_answer(response, single, "Thuis", True, None, by=user)
            submit(response, by=user, notify=False)
        if later is not None:
            set_publication(response, later, by=user)
        if then == "withdraw":
            withdraw(response, by=user)
    consultation.status = Status.CLOSED
    db.session.commit()
    db.session.expire_all()
    data.BATCH = 2  # several batches of responses, as with many organisations
    try:
        for language in ("nl", "en"):
            with force_locale(language):
                for variant in ("public", "internal"):
                    made = list(rows(consultation, variant))
                    assert made == _rows_from_canonical(consultation, variant), (language, variant)
                    assert made
    finally:
        data.BATCH = 50
    internal = list(rows(consultation, "internal"))
    assert {row[3] for row in internal if row[2] == "Cijfers"} == {"3.1", "3.2", "3.3", "3.4"}
    assert ["Zorg Herzien", "Thuis", "2"] in [[row[0], row[5], row[7]] for row in internal]
    assert {"'=Online", "'=Online; Groep"} <= {row[5] for row in internal}
    assert not any(row[0] == "Zorg Weg" for row in internal)


def test_a_formula_in_an_answer_is_escaped_in_the_export(app, world):
    response = world["responses"]["Zorg Genoemd"]
    question = world["consultation"].themes[0].questions[0]
    world["consultation"].status = Status.OPEN
    db.session.commit()
    user = response.organisation.memberships[0].user
    save_answer(response, question, '=HYPERLINK("http://evil.example","klik")', False, None, by=user)
    submit(response, by=user, notify=False)
    world["consultation"].status = Status.CLOSED
    db.session.commit()
    rows = _csv(app, world["editor"], "internal")
    assert "'=HYPERLINK(\"http://evil.example\",\"klik\")" in {row[5] for row in rows[2:]}


def test_exports_are_prepared_in_the_background_for_their_requester_only(app, world):
    from openpyxl import load_workbook

    from consult.reports.models import ExportJob

    publish(world)
    started = post_form(world["editor"], "/consultations/wmo/exports", {"variant": "internal", "fmt": "xlsx"})
    assert started.status_code == 302
    job = db.session.scalar(select(ExportJob))
    assert started.headers["Location"] == f"/exports/{job.id}"
    assert (job.status, job.variant) == ("done", "internal")  # inline after the request on the embedded default
    fragment = world["editor"].get(f"/exports/{job.id}", headers={"HX-Request": "true"})
    assert "Het exportbestand is klaar." in text_of(fragment) and "data-hx-trigger" not in fragment.get_data(as_text=True)
    download = world["editor"].get(f"/exports/{job.id}/download", buffered=True)
    sheet = load_workbook(io.BytesIO(download.data)).active
    assert sheet["A1"].value == "VERTROUWELIJK — intern" and sheet.max_row == 8
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "answers_exported")).all()[-1]
    assert event.detail == {"variant": "internal", "format": "xlsx", "job": job.id}
    # Someone else, even a visitor who may read the public export, cannot fetch this file.
    make_user("p@example.org", org=make_org("Zorg P", kvk="44444444"))
    other = app.test_client()
    login(other, "p@example.org")
    assert other.get(f"/exports/{job.id}").status_code == 404
    assert other.get(f"/exports/{job.id}/download").status_code == 404
    assert post_form(other, "/consultations/wmo/exports", {"variant": "internal", "fmt": "xlsx"}).status_code == 404
    assert post_form(other, "/consultations/wmo/exports", {"variant": "public", "fmt": "csv"}).status_code == 302


def test_a_queued_export_shows_a_self_replacing_status(app, world, monkeypatch):
    from consult.reports.models import ExportJob

    publish(world)
    job = ExportJob(consultation_id=world["consultation"].id, user_id=db.session.scalar(
        select(TeamMember.user_id)), variant="public", fmt="csv")
    db.session.add(job)
    db.session.commit()
    page = world["editor"].get(f"/exports/{job.id}")
    html = page.get_data(as_text=True)
    assert f'data-hx-get="/exports/{job.id}"' in html and 'data-hx-trigger="every 2s"' in html
    assert "wordt klaargemaakt" in text_of(page)
    from consult.reports.data import prepare_export

    prepare_export(job.id)
    db.session.refresh(job)
    assert job.status == "done" and job.size > 0


def test_with_redis_exports_run_in_the_rq_worker(app, world, monkeypatch):
    import os

    from tests.conftest import require_redis

    require_redis()
    from redis import Redis
    from rq import Queue, SimpleWorker

    from consult.reports.models import ExportJob

    publish(world)
    queue_name = f"consult-export-test-{os.getpid()}"
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setitem(app.config, "RQ_QUEUE", queue_name)
    connection = Redis.from_url("redis://127.0.0.1:6379/0")
    queue = Queue(queue_name, connection=connection)
    try:
        assert post_form(world["editor"], "/consultations/wmo/exports", {"variant": "public", "fmt": "csv"}).status_code == 302
        job = db.session.scalar(select(ExportJob))
        assert job.status == "queued" and queue.count == 1
        SimpleWorker([queue], connection=connection).work(burst=True)
        db.session.expire_all()
        job = db.session.scalar(select(ExportJob))
        assert job.status == "done"
        data = world["editor"].get(f"/exports/{job.id}/download", buffered=True).data.decode("utf-8-sig")
        assert "Zorg Genoemd" in data and "Zorg Stil" not in data and SECRET_COST not in data
    finally:
        queue.empty()
        queue.delete(delete_jobs=True)


THEME_SYNTHESIS = ("*Cliënt* staat **centraal**.\n\n- De inwoner doet mee\n- Samen met [de wijk](https://wijk.example.org)"
                   "\n\n3. Eerst luisteren\n\n   en dan nog eens\n4. Dan doen\n\nGeen ~~loket~~ wijkteam.\n\n# Uitwerking")


def test_what_the_team_wrote_in_markdown_is_text_and_lists_in_every_format(app, world):
    """The report shows the team's Markdown as the pages do, without its marks: emphasis as words,
    a link with its address, lists as lists (numbered from where the team started, an item's second
    paragraph in the item) in HTML, ODT, DOCX and PDF, struck text still marked, and a synthesis in a
    table cell as lines. A text the pages show as typed (the summary) stays as typed, line breaks too."""
    consultation, theme = world["consultation"], world["consultation"].themes[0]
    db.session.add(Synthesis(consultation_id=consultation.id, theme_id=theme.id, question_id=None,
                             text=THEME_SYNTHESIS, status=SynthesisStatus.FINAL))
    synthesis = db.session.scalar(select(Synthesis).where(Synthesis.question_id.is_not(None)))
    synthesis.text = "**Continuïteit** telt:\n\n- vaste gezichten\n- snel schakelen"
    db.session.commit()
    assert publish(world, summary="Minder *regels*.\nTeam Inkoop\nPostbus 12").status_code == 302
    for fmt, text in texts(app).items():
        assert "Minder *regels*. Team Inkoop Postbus 12" in text, fmt
        assert "Cliënt staat centraal. " in text, fmt
        assert "Samen met de wijk (https://wijk.example.org)" in text, fmt
        assert "Continuïteit telt: • vaste gezichten • snel schakelen" in text, fmt
        assert "Geen ~~loket~~ wijkteam." in text, fmt
        assert "**" not in text and "](" not in text, fmt
    html = app.test_client().get("/consultations/wmo/report").get_data(as_text=True)
    assert "<p class=\"utrecht-paragraph report__text\">Minder *regels*.\nTeam Inkoop\nPostbus 12</p>" in html
    assert '<h3 class="utrecht-heading-3">Uitwerking</h3>' in html  # a heading the team wrote, under the theme's
    assert ('<ul class="utrecht-unordered-list"><li class="utrecht-unordered-list__item report__text">De inwoner doet '
            'mee</li><li class="utrecht-unordered-list__item report__text">Samen met de wijk (https://wijk.example.org)'
            '</li></ul>') in html
    assert ('<ol class="utrecht-ordered-list" start="3"><li class="utrecht-ordered-list__item report__text">Eerst '
            'luisteren\nen dan nog eens</li><li class="utrecht-ordered-list__item report__text">Dan doen</li></ol>') in html
    docx = DocxDocument(io.BytesIO(app.test_client().get("/consultations/wmo/report.docx").data))
    listed = [(p.style.name, p.text) for p in docx.paragraphs if p.style.name.startswith("List")]
    first = listed.index(("List Bullet", "De inwoner doet mee"))
    assert listed[first:first + 4] == [
        ("List Bullet", "De inwoner doet mee"), ("List Bullet", "Samen met de wijk (https://wijk.example.org)"),
        ("List Paragraph", "3. Eerst luisteren\nen dan nog eens"), ("List Paragraph", "4. Dan doen")]
    odt = OdfDocument(io.BytesIO(app.test_client().get("/consultations/wmo/report.odt").data)).get_formatted_text()
    assert "- 3. Eerst luisteren\n  en dan nog eens\n- 4. Dan doen" in odt  # numbered from 3, the line break kept
    assert "Continuïteit telt:\n• vaste gezichten\n• snel schakelen" in odt  # lines in the table cell


def test_an_amount_in_euros_reads_with_the_sign_before_it():
    from consult.core.numbers import with_unit

    assert with_unit("67,50", "€ per uur") == "€\N{NO-BREAK SPACE}67,50 per uur"
    assert with_unit("67", "€") == "€\N{NO-BREAK SPACE}67"
    assert with_unit("12", "uur per week") == "12 uur per week"
    assert with_unit("67,50", "€/uur") == "€\N{NO-BREAK SPACE}67,50/uur"
    assert with_unit("67,50", "€ (excl. btw)") == "€\N{NO-BREAK SPACE}67,50 (excl. btw)"
    assert with_unit("12", "") == "12" and with_unit("", "€ per uur") == ""


def test_loading_the_demo_renders_the_files_of_its_published_report(app):
    """`flask demo` (run by `make run`) does what the demo's publication queued, as a request
    would: the first visitor downloads the report at once instead of waiting for it."""
    from consult.reports.models import ReportFile

    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    files = db.session.scalars(select(ReportFile)).all()
    assert sorted((f.language, f.fmt, f.status) for f in files) == sorted(
        (language, fmt, "done") for language in app.config["LANGUAGES"] for fmt in ("docx", "odt", "pdf"))
    download = app.test_client().get("/consultations/dialoog-dagbesteding-2025/report.pdf")
    assert download.status_code == 200 and download.data[:5] == b"%PDF-"
