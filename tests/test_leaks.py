"""The leak test: whatever the participants choose, nothing protected reaches anyone outside the team.

A property-based test (hypothesis) builds consultations with random confidentiality and publication
choices, a unique marker string in every piece of input and a unique number in every figure, runs the
pipeline (answers, key quotes made before a provider changed its mind, syntheses, figures, the published
report), then reads every artefact that leaves the project team as text: pages fetched anonymously and as
another provider, the report as HTML, ODT (odfdo), DOCX (python-docx) and PDF (pypdf), the public CSV and
XLSX (openpyxl), and every e-mail and notification sent to someone outside the organisation concerned.
No protected marker may appear, and no published number may equal a protected value. Markers that may be
published must appear, so the test also fails when it stops reading what it claims to read.
"""
from __future__ import annotations

import csv
import io
import re
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from docx import Document as DocxDocument
from hypothesis import HealthCheck, Phase, given, settings, strategies as st
from odfdo import Document as OdfDocument
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from consult.analysis.models import Synthesis, SynthesisStatus
from consult.analysis.services import AnalysisRefused, add_quote, answer_items
from consult.consultations.models import Consultation, Question, QuestionKind, Status, TeamMember, TeamRole, Theme
from consult.core.time import utcnow
from consult.extensions import db
from consult.notify.mail import outbox
from consult.notify.models import Notification
from consult.orgs.models import OrgKind
from consult.responses.models import Publication
from consult.responses.services import save_answer, set_publication, start_response, submit
from tests.conftest import empty_database, login, make_org, make_user, post_form

OPTIONS = ["Taakgericht", "Resultaatgericht", "Inspanningsgericht"]
NUMBER = re.compile(r"(?<![\d.,])(\d{1,3})[.,](\d{2})(?![\d])")


def marker(kind: str) -> str:
    return f"MRK{kind}{uuid.uuid4().hex[:10].upper()}"


@dataclass
class Provider:
    publication: Publication
    text_confidential: bool
    number_confidential: bool
    choice_confidential: bool
    quoted_first: bool          # the team quoted it while it was still publishable
    number: float
    name: str = field(default_factory=lambda: marker("ORG"))
    text: str = field(default_factory=lambda: marker("TXT"))


providers = st.lists(
    st.builds(Provider, publication=st.sampled_from(list(Publication)), text_confidential=st.booleans(),
              number_confidential=st.booleans(), choice_confidential=st.booleans(), quoted_first=st.booleans(),
              # whole euros plus cents that are never zero: a rounded figure can never equal one of them
              number=st.tuples(st.integers(40, 95), st.integers(1, 99)).map(lambda t: t[0] + t[1] / 100)),
    min_size=5, max_size=8, unique_by=lambda p: p.number)


def build(providers_: list[Provider], *, numbers_in_totals: bool, choices_in_totals: bool):
    leiden = make_org("Gemeente Leiden", kind=OrgKind.MUNICIPALITY)
    consultation = Consultation(slug="lek", title="Wmo Lekproef", status=Status.OPEN, municipalities=[leiden],
                                closes_at=utcnow() + timedelta(days=5), principles=[])
    theme = Theme(title="Dienstverlening", position=0)
    theme.questions.extend([
        Question(text="Wat werkt goed?", kind=QuestionKind.OPEN, position=0),
        Question(text="Kostprijs per uur?", kind=QuestionKind.NUMBER, unit="euro", position=1,
                 confidential_in_totals=numbers_in_totals),
        Question(text="Welke bekostiging?", kind=QuestionKind.SINGLE, options=OPTIONS, position=2,
                 confidential_in_totals=choices_in_totals),
    ])
    consultation.themes.append(theme)
    db.session.add(consultation)
    db.session.commit()
    editor = make_user("redacteur@example.org", name="Eva Redacteur", org=leiden)
    db.session.add(TeamMember(consultation_id=consultation.id, user_id=editor.id, role=TeamRole.EDITOR))
    db.session.commit()
    open_q, number_q, choice_q = theme.questions
    members = {}
    for index, p in enumerate(providers_):
        org = make_org(p.name, kvk=f"{70000000 + index}")
        user = make_user(f"lid{index}@example.org", name=f"Lid {index}", org=org)
        members[p.name] = user.email
        response = start_response(consultation, org, by=user)
        # First everything publishable, so the team can quote it; then the provider's real choices.
        save_answer(response, open_q, p.text, False, None, by=user)
        set_publication(response, Publication.NAMED, by=user)
        submit(response, by=user, notify=False)
        db.session.commit()
        if p.quoted_first:
            item = next(i for i in answer_items(consultation, {open_q.id}) if i.response.id == response.id)
            add_quote(consultation, item, p.text, by=editor)
            db.session.commit()
        answers = {a.question_id: a for a in response.answers}
        save_answer(response, open_q, p.text, p.text_confidential, answers[open_q.id].version, by=user)
        save_answer(response, number_q, p.number, p.number_confidential, None, by=user)
        save_answer(response, choice_q, OPTIONS[index % 3], p.choice_confidential, None, by=user)
        set_publication(response, p.publication, by=user)
        submit(response, by=user, notify=False)
        db.session.commit()
        # Quoting a protected answer is refused.
        item = next(i for i in answer_items(consultation, {open_q.id}) if i.response.id == response.id)
        try:
            add_quote(consultation, item, p.text, by=editor)
        except AnalysisRefused:
            db.session.rollback()
            assert p.text_confidential or p.publication == Publication.NONE
        else:
            assert not p.text_confidential and p.publication != Publication.NONE
            db.session.commit()
    consultation.status = Status.CLOSED
    db.session.add(Synthesis(consultation_id=consultation.id, theme_id=theme.id, question_id=open_q.id,
                             text="Men waardeert korte lijnen.", status=SynthesisStatus.FINAL))
    db.session.commit()
    return consultation, editor, members


def protected(providers_: list[Provider]) -> tuple[set[str], set[float]]:
    strings, numbers = set(), set()
    for p in providers_:
        hidden = p.publication == Publication.NONE
        if p.publication != Publication.NAMED:
            strings.add(p.name)
        if hidden or p.text_confidential:
            strings.add(p.text)
        if hidden or p.number_confidential:
            numbers.add(p.number)
    return strings, numbers


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def docx_text(data: bytes) -> str:
    document = DocxDocument(io.BytesIO(data))
    return "\n".join([p.text for p in document.paragraphs]
                     + [c.text for t in document.tables for r in t.rows for c in r.cells])


def xlsx_text(data: bytes) -> str:
    workbook = load_workbook(io.BytesIO(data), read_only=True)
    return "\n".join(" ".join("" if v is None else str(v) for v in row)
                     for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True))


def fetch(client, url: str) -> bytes:
    response = client.get(url, buffered=True)
    try:
        assert response.status_code == 200, (url, response.status_code)
        return response.data
    finally:
        response.close()


def artefacts(app, slug: str, outsider_email: str, members: dict[str, str]) -> dict[str, str]:
    """Everything that has left the team, as text, keyed by where it came from."""
    found = {}
    anonymous = app.test_client()
    outsider = app.test_client()
    assert login(outsider, outsider_email).status_code == 302
    pages = [f"/consultations/{slug}", f"/consultations/{slug}/report", "/consultations", "/"]
    for who, client in (("anonymous", anonymous), ("outsider", outsider)):
        for url in pages:
            found[f"{who} {url}"] = fetch(client, url).decode()
        base = f"/consultations/{slug}"
        found[f"{who} report.odt"] = OdfDocument(io.BytesIO(fetch(client, f"{base}/report.odt"))).get_formatted_text()
        found[f"{who} report.docx"] = docx_text(fetch(client, f"{base}/report.docx"))
        found[f"{who} report.pdf"] = pdf_text(fetch(client, f"{base}/report.pdf"))
        rows = csv.reader(io.StringIO(fetch(client, f"{base}/answers.public.csv").decode("utf-8-sig")), delimiter=";")
        found[f"{who} answers.csv"] = "\n".join(";".join(row) for row in rows)
        found[f"{who} answers.xlsx"] = xlsx_text(fetch(client, f"{base}/answers.public.xlsx"))
    found["outsider notifications page"] = fetch(outsider, "/notifications").decode()
    own = set(members.values())
    for index, message in enumerate(outbox()):
        recipients = {address.addr_spec for address in message["To"].addresses}
        if not recipients & own:
            found[f"mail {index} to {sorted(recipients)}"] = mail_text(message)
    for notification in db.session.scalars(select(Notification)):
        if notification.user.email not in own:
            found[f"notification {notification.id}"] = repr(notification.data)
    return found


def mail_text(message) -> str:
    parts = [part.get_content() for part in message.walk() if part.get_content_maintype() == "text"]
    return "\n".join([str(message["Subject"])] + parts)


def numbers_in(text: str) -> set[float]:
    return {int(whole) + int(cents) / 100 for whole, cents in NUMBER.findall(text)}


# Each example renders the report in four formats, so there are few examples and no shrinking (a failure
# prints its example in full all the same).
@settings(max_examples=6, deadline=None, database=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(providers_=providers, numbers_in_totals=st.booleans(), choices_in_totals=st.booleans())
def test_nothing_protected_leaves_the_team(app, providers_, numbers_in_totals, choices_in_totals):
    empty_database()
    outbox().clear()
    consultation, editor, members = build(providers_, numbers_in_totals=numbers_in_totals,
                                          choices_in_totals=choices_in_totals)
    make_user("buiten@example.org", name="Bea Buiten", org=make_org("Zorg Buiten", kvk="79999999"))
    team = app.test_client()
    assert login(team, editor.email).status_code == 302
    published = post_form(team, f"/consultations/{consultation.slug}/report/edit",
                          {"summary": "Wat we hoorden.", "introduction": "", "next_steps": "", "action": "publish"})
    assert published.status_code == 302, published.get_data(as_text=True)

    found = artefacts(app, consultation.slug, "buiten@example.org", members)
    strings, numbers = protected(providers_)
    leaks = [(where, s) for where, text in found.items() for s in strings if s in text]
    assert leaks == []
    number_leaks = [(where, n) for where, text in found.items() for n in numbers_in(text) & numbers]
    assert number_leaks == []

    # What may be published is published: the reading above really reads the artefacts.
    shown = [p for p in providers_ if p.publication != Publication.NONE and not p.text_confidential]
    for p in shown:
        assert p.text in found["anonymous answers.csv"]
        assert p.text in found["anonymous report.pdf"].replace("\n", "")  # its key quote
    named = [p.name for p in providers_ if p.publication == Publication.NAMED]
    for name in named:
        assert name in found["anonymous report.odt"]
    open_numbers = [p.number for p in providers_ if p.publication != Publication.NONE and not p.number_confidential]
    assert set(open_numbers) <= numbers_in(found["anonymous answers.csv"])
