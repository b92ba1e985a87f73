"""The leak test: whatever the participants choose, nothing protected reaches anyone outside the team.

A property-based test (hypothesis) builds consultations with random confidentiality and publication
choices, a unique marker string in every piece of input and a unique number in every figure, runs the
pipeline (answers, key quotes made before a provider changed its mind, syntheses, figures, the published
report), then reads every artefact that leaves the project team as text: pages fetched anonymously and as
another provider, the report as HTML, ODT (odfdo), DOCX (python-docx) and PDF (pypdf), the public CSV and
XLSX (openpyxl), and every e-mail and notification sent to someone outside the organisation concerned.
No protected marker may appear, and no published number may equal a protected value. Markers that may be
published must appear, so the test also fails when it stops reading what it claims to read.

Every provider also submits a cost-price sheet (always confidential) whose figures are all unique, at least
1.01 and with a last decimal that is not zero, so no rounded published figure (two significant digits) can
equal one by chance. None of them, nor a sheet's computed cost price or client-bound hours, may appear in a
public artefact, an e-mail to someone else, or another provider's benchmark page (read as that provider);
the report must show the sheet's cost-price caption and the chosen scenario's tariff, never a provider's price.
"""
from __future__ import annotations

import csv
import html
import io
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from docx import Document as DocxDocument
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from odfdo import Document as OdfDocument
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from consult.advice.models import Disposition
from consult.advice.services import add_point, publish_reply, request_advice, save_introduction, save_reply
from consult.advice.services import submit as submit_advice
from consult.analysis.models import Synthesis, SynthesisStatus
from consult.analysis.services import AnalysisRefused, add_quote, answer_items
from consult.auth.models import User
from consult.consultations.models import (
    Consultation,
    Lot,
    Question,
    QuestionKind,
    Status,
    TeamMember,
    TeamRole,
    Theme,
)
from consult.consultations.services import set_access
from consult.core.jobs import run_committed_jobs
from consult.core.mail import outbox
from consult.core.time import utcnow
from consult.dialogue.services import (
    approve_post,
    create_thread,
    delete_post,
    follow,
    hide_post,
    hide_thread,
    reply,
)
from consult.drafts.models import Draft
from consult.extensions import db, limiter
from consult.notify.models import Notification
from consult.orgs.models import OrgKind
from consult.qa.services import ask
from consult.qa.services import publish as publish_qa
from consult.qa.services import save as save_qa
from consult.responses import costprice
from consult.responses.models import Publication
from consult.responses.services import save_answer, set_offer, set_publication, start_response, submit
from consult.tariffs.models import FundingScenario, ScenarioForm, TariffBasis
from consult.tariffs.services import choose_scenario, save_scenario, scenario_tariff
from tests.conftest import empty_database, login, make_org, make_user, post_form, sign_in

OPTIONS = ["Taakgericht", "Resultaatgericht", "Inspanningsgericht"]
NUMBER = re.compile(r"(?<![\d.,])(\d{1,3})[.,](\d{2})(?![\d])")


LETTERS = str.maketrans("0123456789", "GHIJKLMNOP")


def marker(kind: str) -> str:
    """A unique word of capitals only: no digits, so it never looks like a number, KvK or phone number."""
    return f"MRK{kind}{uuid.uuid4().hex[:10].upper().translate(LETTERS)}"


# The cost-price sheet's products (the first offered by every provider, the second by some) and the
# range each figure is drawn from, in cents: at least 1.01 (two significant digits of it are never the
# figure) and within what the sheet accepts; build() makes every figure unique with a non-zero last digit.
PRODUCTS = ["Huishoudelijke ondersteuning | uur", "Dagbesteding | dagdeel"]
COST_QUESTION = "Uw kostprijsopbouw"
SHEET_CENTS = {"salary": (2500_01, 4500_99), "allowances": (1_01, 30_99), "employer": (10_01, 35_99),
               "contract_hours": (1500_01, 1999_99), "absence": (1_01, 9_99), "indirect": (5_01, 19_99),
               "training_time": (1_01, 4_99), "travel_time": (1_01, 9_99), "training_costs": (100_01, 999_99),
               "hours_per_unit": (1_01, 2_99), "travel_costs": (1_01, 9_99), "other_costs": (1_01, 19_99),
               "overhead": (5_01, 25_99), "margin": (1_01, 9_99), "indexation": (1_01, 9_99),
               "volume": (1000_01, 99999_99)}
assert set(SHEET_CENTS) == set(costprice.KEYS)  # a new component must get a unique figure here too
sheet_cents = st.fixed_dictionaries({key: st.integers(low, high) for key, (low, high) in SHEET_CENTS.items()})


@dataclass
class Provider:
    publication: Publication
    text_confidential: bool
    number_confidential: bool
    choice_confidential: bool
    quoted_first: bool          # the team quoted it while it was still publishable
    number: float
    lots: int = 3               # which of the two lots it offers: 1 the first, 2 the second, 3 both
    name: str = field(default_factory=lambda: marker("ORG"))
    text: str = field(default_factory=lambda: marker("TXT"))
    drawn: tuple = ()           # per product the sheet's figures in cents as drawn (made unique by build())
    day_care: bool = True       # it fills in the second product too
    grade: str = field(default_factory=lambda: marker("GRD"))
    sheet: list = field(default_factory=list)            # the stored sheet's rows (set by build())
    figures: set = field(default_factory=set)            # every figure of them, price and client hours too
    response_id: int | None = None


providers = st.lists(
    st.builds(Provider, publication=st.sampled_from(list(Publication)), text_confidential=st.booleans(),
              number_confidential=st.booleans(), choice_confidential=st.booleans(), quoted_first=st.booleans(),
              # whole euros plus cents that are never zero: a rounded figure can never equal one of them
              number=st.tuples(st.integers(40, 95), st.integers(1, 99)).map(lambda t: t[0] + t[1] / 100),
              lots=st.sampled_from([1, 2, 3]), drawn=st.tuples(sheet_cents, sheet_cents), day_care=st.booleans()),
    min_size=5, max_size=8, unique_by=lambda p: p.number)


def unique_sheet(drawn: dict[str, int], taken: set[int]) -> tuple[dict[str, Decimal], costprice.Computation]:
    """One product's figures from the drawn cents, each moved up a cent until it is unique (not in
    ``taken``, which it joins) with a last digit that is not zero; the cost price and the client-bound
    hours too (moving the other direct costs or the contract hours)."""
    cents_ = dict(drawn)

    def claim(key: str) -> None:
        while cents_[key] % 10 == 0 or cents_[key] in taken:
            cents_[key] += 1
        taken.add(cents_[key])

    for key in costprice.KEYS:
        claim(key)
    while True:
        figures = {key: Decimal(value) / 100 for key, value in cents_.items()}
        done = costprice.compute(figures)
        price, hours = int(done.price * 100), int(costprice.cents(done.client_hours) * 100)
        hours_ok = hours % 10 != 0 and hours not in taken
        if hours_ok and price % 10 != 0 and price not in taken and price != hours:
            taken.update((price, hours))
            return figures, done
        key = "other_costs" if hours_ok else "contract_hours"
        taken.discard(cents_[key])
        cents_[key] += 1
        claim(key)


POST_STATES = ("published", "hidden", "deleted", "pending", "approved")


@dataclass
class Dialogue:
    """What participants said outside their responses, each piece with its own marker."""

    post_states: list[str]
    qa_count: int
    council_states: list[str]   # per council: "draft", "submitted", "published"
    threads_public: bool = True  # anyone may read the discussion; else only logged-in participants


dialogues = st.builds(Dialogue, post_states=st.lists(st.sampled_from(POST_STATES), min_size=2, max_size=6),
                      qa_count=st.integers(1, 2), threads_public=st.booleans(),
                      council_states=st.lists(st.sampled_from(["draft", "submitted", "published"]),
                                              min_size=1, max_size=3))


def build_dialogue(consultation, editor, dialogue: Dialogue,
                   outsider) -> tuple[dict[str, set[str]], list[str], list[str]]:
    """Discussion, Q&A and advice with random states. Returns protected marker -> who may see it, the
    markers that must be public, and those of a discussion only participants read (not anonymously)."""
    team = {editor.email}
    protected: dict[str, set[str]] = {}
    public: list[str] = []
    discussion: list[str] = []  # shown to participants; to anyone only when the discussion is public
    speaker_org = make_org("Zorg Spreker", kvk="78888888")
    speaker = make_user("spreker@example.org", name="Sam Spreker", org=speaker_org)
    consultation.threads_public = dialogue.threads_public
    title = marker("TTL")
    thread = create_thread(consultation, None, title, marker("OPN"), by=speaker)
    discussion += [title]
    db.session.commit()
    follow(thread, outsider)
    db.session.commit()
    for state in dialogue.post_states:
        consultation.premoderation = state in ("pending", "approved")
        body = marker("PST")
        post = reply(thread, f"Reactie {body}", by=speaker)
        db.session.commit()
        run_committed_jobs()  # as after a request: the followers are told
        if state == "hidden":
            hide_post(post, "Persoonlijk", by=editor)
        elif state == "deleted":
            delete_post(post, by=speaker)
        elif state == "approved":
            approve_post(post, by=editor)
        db.session.commit()
        run_committed_jobs()
        if state in ("published", "approved"):
            discussion.append(body)
        else:
            protected[body] = team | {speaker.email}
    # A discussion waiting for approval, and one a moderator hid: their titles are protected too.
    consultation.premoderation = True
    pending_title, pending_body = marker("TTL"), marker("OPN")
    create_thread(consultation, None, pending_title, pending_body, by=speaker)
    consultation.premoderation = False
    hidden_title, hidden_body = marker("TTL"), marker("OPN")
    hidden = create_thread(consultation, None, hidden_title, hidden_body, by=speaker)
    db.session.commit()
    hide_thread(hidden, "Buiten de orde", by=editor)
    db.session.commit()
    for value in (pending_title, pending_body, hidden_title, hidden_body):
        protected[value] = team | {speaker.email}

    # Questions and answers: the asker's words and identity stay with the team.
    for n in range(dialogue.qa_count):
        asker_name, person = marker("QORG"), marker("QPRS")
        asker_org = make_org(asker_name, kvk=f"{77000000 + n}")
        asker = make_user(f"vrager{n}@example.org", name=f"Vrager {person}", org=asker_org)
        raw = marker("QRAW")
        item = ask(consultation, None, f"Wij van {asker_name} vragen: {raw}?", by=asker, organisation=asker_org)
        db.session.commit()
        question, answer = marker("QPUB"), marker("QANS")
        save_qa(item, question=f"Vraag {question}", answer=f"Antwoord {answer}", theme=None, by=editor)
        publish_qa(item, by=editor)
        db.session.commit()
        public += [question, answer]
        for value in (asker_name, person, raw):
            protected[value] = team | {asker.email}

    # Advice of the councils: only published advice (and its reply) leaves the team and the council.
    councils = [make_org(f"Adviesraad {n}", kind=OrgKind.COUNCIL) for n in range(len(dialogue.council_states))]
    members = [make_user(f"raad{n}@example.org", name=f"Raadslid {n}", org=council)
               for n, council in enumerate(councils)]
    request = request_advice(consultation, question="Wat vindt u ervan?", due_on=utcnow().date() + timedelta(days=3),
                             councils=councils, by=editor)
    db.session.commit()
    for advice, member, state in zip(request.advices, members, dialogue.council_states, strict=True):
        intro, point = marker("ADV"), marker("APT")
        save_introduction(advice, f"Inleiding {intro}", version=advice.version, by=member)
        added = add_point(advice, title="Punt", body=f"Advies {point}", by=member)
        db.session.commit()
        if state in ("submitted", "published"):
            submit_advice(advice, by=member)
            db.session.commit()
        if state == "published":
            reply_text = marker("ARP")
            save_reply(advice, introduction="", replies={added.id: (Disposition.ADOPTED, f"Antwoord {reply_text}")},
                       by=editor)
            publish_reply(advice, by=editor)
            db.session.commit()
            public += [intro, point, reply_text]
        else:
            for value in (intro, point):
                protected[value] = team | {member.email}
    # Drafts open for comment: a confidential comment, a "do not publish" one and the name of an
    # organisation that commented only so or "without name" stay with it and the team; the comment
    # published without name and its reply leave the team once the period has ended.
    from consult.drafts.services import add_comment, create_document, open_for_comment, reply_to_comment

    commenter_name = marker("DORG")
    commenter_org = make_org(commenter_name, kvk="78777777")
    commenter = make_user("reageerder@example.org", name="Rob Reageerder", org=commenter_org)
    draft = create_document(consultation, title="Programma van eisen", introduction="", body="Eerste.\n\nTweede.",
                            by=editor)
    open_for_comment(draft, opens_at=utcnow() - timedelta(days=2), closes_at=utcnow() + timedelta(days=1),
                     audience="both", version=draft.version, by=editor)
    secret, unpublished, unnamed, answer = marker("DCON"), marker("DNON"), marker("DANO"), marker("DRPL")
    add_comment(draft.paragraphs[0], commenter_org, body=f"Vertrouwelijk {secret}", confidential=True,
                publication="named", by=commenter)
    add_comment(draft.paragraphs[0], commenter_org, body=f"Niet publiceren {unpublished}", confidential=False,
                publication="none", by=commenter)
    shown = add_comment(draft.paragraphs[1], commenter_org, body=f"Zonder naam {unnamed}", confidential=False,
                        publication="anonymous", by=commenter)
    reply_to_comment(shown, disposition="adopted", reply=f"Antwoord {answer}", version=shown.reply_version,
                     comment_version=shown.version, by=editor)
    draft.closes_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    for value in (secret, unpublished, commenter_name):
        protected[value] = team | {commenter.email}
    public += [unnamed, answer]
    if dialogue.threads_public:
        return protected, public + discussion, []
    return protected, public, discussion


def build(providers_: list[Provider], *, numbers_in_totals: bool, choices_in_totals: bool, dialogue: Dialogue,
          outsider):
    leiden = make_org("Gemeente Leiden", kind=OrgKind.MUNICIPALITY)
    consultation = Consultation(slug="lek", title="Wmo Lekproef", status=Status.OPEN, municipalities=[leiden],
                                closes_at=utcnow() + timedelta(days=5), principles=[])
    # Two lots: each provider offers one or both, so every lot's report and figures count a subset.
    consultation.lots.extend([Lot(name="Begeleiding", position=0, municipalities=[leiden]),
                              Lot(name="Dagbesteding", position=1, municipalities=[leiden])])
    theme = Theme(title="Dienstverlening", position=0)
    theme.questions.extend([
        Question(text="Wat werkt goed?", kind=QuestionKind.OPEN, position=0),
        Question(text="Kostprijs per uur?", kind=QuestionKind.NUMBER, unit="euro", position=1,
                 confidential_in_totals=numbers_in_totals),
        Question(text="Welke bekostiging?", kind=QuestionKind.SINGLE, options=OPTIONS, position=2,
                 confidential_in_totals=choices_in_totals),
        Question(text=COST_QUESTION, kind=QuestionKind.COST_PRICE, options=PRODUCTS, position=3,
                 confidential_default=True, confidential_in_totals=True),
    ])
    consultation.themes.append(theme)
    db.session.add(consultation)
    db.session.commit()
    editor = make_user("redacteur@example.org", name="Eva Redacteur", org=leiden)
    db.session.add(TeamMember(consultation_id=consultation.id, user_id=editor.id, role=TeamRole.EDITOR))
    db.session.commit()
    open_q, number_q, choice_q, cost_q = theme.questions
    members = {}
    # Every sheet figure unique, and none one of the answers to the number question.
    taken = {round(p.number * 100) for p in providers_}
    for index, p in enumerate(providers_):
        org = make_org(p.name, kvk=f"{70000000 + index}")
        user = make_user(f"lid{index}@example.org", name=f"Lid {index}", org=org)
        members[p.name] = user.email
        response = start_response(consultation, org, by=user)
        p.response_id = response.id
        set_offer(response, {(lot.id, leiden.id) for n, lot in enumerate(consultation.lots, start=1) if p.lots & n},
                  by=user)
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
        for (product, unit), drawn in list(zip(cost_q.rows, p.drawn, strict=True))[:2 if p.day_care else 1]:
            figures, done = unique_sheet(drawn, taken)
            p.sheet.append({"product": product, "unit": unit, "grade": p.grade,
                            **{key: float(value) for key, value in figures.items()}, "price": float(done.price)})
            p.figures |= {*figures.values(), done.price, costprice.cents(done.client_hours)}
        save_answer(response, cost_q, p.sheet, False, None, by=user)  # stored confidential all the same
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
    consultation.said = build_dialogue(consultation, editor, dialogue, outsider)
    consultation.status = Status.CLOSED
    # The team chooses a price × quantity scenario for the first product: the report shows its tariff.
    scenario = save_scenario(consultation, None, {
        "question_id": cost_q.id, "product": cost_q.rows[0][0], "name": "Zestigste percentiel",
        "form": ScenarioForm.PRICE_QUANTITY, "basis": TariffBasis.PERCENTILE, "percentile": 60, "client_price": None,
        "indexation": 2.5, "years": 3, "quantities": {str(leiden.id): {"volume": 1000.0}}}, base_version=None,
        by=editor)
    choose_scenario(scenario, by=editor)
    db.session.add(Synthesis(consultation_id=consultation.id, theme_id=theme.id, question_id=open_q.id,
                             text="Men waardeert korte lijnen.", status=SynthesisStatus.FINAL))
    db.session.commit()
    return consultation, editor, members


def protected(providers_: list[Provider], members: dict[str, str],
              team: str) -> tuple[dict[str, set[str]], dict[float, set[str]]]:
    """Protected strings and numbers, each with the e-mail addresses of the people who may see it."""
    strings, numbers = {}, {}
    for p in providers_:
        allowed = {members[p.name], team}
        hidden = p.publication == Publication.NONE
        if p.publication != Publication.NAMED:
            strings[p.name] = allowed
        if hidden or p.text_confidential:
            strings[p.text] = allowed
        if hidden or p.number_confidential:
            numbers[p.number] = allowed
        strings[p.grade] = allowed  # a cost-price sheet is confidential whatever the provider chose
    return strings, numbers


def protected_figures(providers_: list[Provider], members: dict[str, str], team: str) -> dict[Decimal, set[str]]:
    """Every figure of every cost-price sheet, its cost price and client-bound hours included, each with
    the e-mail addresses of the people who may see it: its own organisation's member and the team."""
    figures = {}
    for p in providers_:
        for value in p.figures:
            assert value not in figures, value  # unique, so whose figure shows is never in doubt
            figures[value] = {members[p.name], team}
    return figures


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


def artefacts(app, slug: str, outsider_email: str) -> dict[str, str]:
    """Everything that has left the team, as text, keyed by where it came from."""
    found = {}
    anonymous = app.test_client()
    outsider = app.test_client()
    assert login(outsider, outsider_email).status_code == 302
    lot_ids = db.session.scalars(select(Lot.id).join(Consultation).where(Consultation.slug == slug)
                                 .order_by(Lot.position)).all()
    assert len(lot_ids) == 2
    pages = [f"/consultations/{slug}", f"/consultations/{slug}/report", "/consultations", "/"]
    pages += [f"/consultations/{slug}/report?lot={lot_id}" for lot_id in lot_ids]
    for who, client in (("anonymous", anonymous), ("outsider", outsider)):
        for url in pages:
            found[f"{who} {url}"] = fetch(client, url).decode()
        base = f"/consultations/{slug}"
        # The report of the whole consultation and of each lot, in every format.
        for scope in ["", *(f"?lot={lot_id}" for lot_id in lot_ids)]:
            found[f"{who} report.odt{scope}"] = OdfDocument(io.BytesIO(fetch(client, f"{base}/report.odt{scope}"))
                                                            ).get_formatted_text()
            found[f"{who} report.docx{scope}"] = docx_text(fetch(client, f"{base}/report.docx{scope}"))
            found[f"{who} report.pdf{scope}"] = pdf_text(fetch(client, f"{base}/report.pdf{scope}"))
        rows = csv.reader(io.StringIO(fetch(client, f"{base}/answers.public.csv").decode("utf-8-sig")), delimiter=";")
        found[f"{who} answers.csv"] = "\n".join(";".join(row) for row in rows)
        found[f"{who} answers.xlsx"] = xlsx_text(fetch(client, f"{base}/answers.public.xlsx"))
    found["outsider notifications page"] = fetch(outsider, "/notifications").decode()
    consultation = db.session.scalar(select(Consultation).where(Consultation.slug == slug))
    from consult.advice.models import Advice, AdviceRequest
    from consult.dialogue.models import Post, Thread

    threads = db.session.scalars(select(Thread).where(Thread.consultation_id == consultation.id)).all()
    posts = db.session.scalars(select(Post).join(Thread).where(Thread.consultation_id == consultation.id)).all()
    advices = db.session.scalars(select(Advice).join(AdviceRequest).where(
        AdviceRequest.consultation_id == consultation.id)).all()
    urls = [f"/consultations/{slug}/discussion", f"/consultations/{slug}/qa", f"/consultations/{slug}/advice"]
    urls += [f"/discussion/{t.id}" for t in threads]
    urls += [f"/discussion/{p.thread_id}/reply?{how}={p.id}" for p in posts for how in ("quote", "parent")]
    urls += [f"/advice/{a.id}" for a in advices]
    urls += [f"/consultations/{slug}/discussion/search?q=MRK"]
    urls += [f"/consultations/{slug}/drafts"] + [f"/drafts/{draft_id}" for draft_id in db.session.scalars(
        select(Draft.id).where(Draft.consultation_id == consultation.id))]
    for who, client in (("anonymous", anonymous), ("outsider", outsider)):
        for url in urls:
            for headers in ({}, {"HX-Request": "true"}):
                response = client.get(url, headers=headers, buffered=True)
                found[f"{who} {url} {headers}"] = response.get_data(as_text=True)
                response.close()
        found[f"{who} qa.odt"] = OdfDocument(io.BytesIO(fetch(client, f"/consultations/{slug}/qa/export.odt"))
                                             ).get_formatted_text()
        found[f"{who} qa.pdf"] = pdf_text(fetch(client, f"/consultations/{slug}/qa/export.pdf"))
        found |= {f"{who} {url}": text for url, text in open_data(client, slug).items()}
        for advice in advices:  # each advice as a document (the one the Woo sitemap lists), where it may be read
            response = client.get(f"/advice/{advice.id}/export.odt", buffered=True)
            found[f"{who} advice {advice.id}.odt"] = OdfDocument(io.BytesIO(response.data)).get_formatted_text() \
                if response.status_code == 200 else response.get_data(as_text=True)
            response.close()
    return found


def open_data(client, slug: str) -> dict[str, str]:
    """Every answer of the open data API about the consultation (every page of its answers), its lists, the
    catalogue and the Woo sitemaps, as text."""
    api = f"/api/v1/consultations/{slug}"
    urls = ["/api/v1", "/api/v1/consultations?per_page=100", api, f"{api}?lang=en", f"{api}/qa?per_page=100",
            f"{api}/advice", f"{api}/advice?lang=en", f"{api}/ocds", f"{api}/report", f"{api}/report?lang=en",
            f"{api}/statistics", f"{api}/statistics?lang=en", "/api/v1/woo/documents?per_page=100", "/api/v1/catalogue.jsonld",
            "/woo/sitemap-diwoo-infocat015.xml", "/woo/sitemap-diwoo-infocat010.xml", "/robots.txt"]
    found = {url: fetch(client, url).decode() for url in urls}
    page = f"{api}/answers?per_page=1000"
    while page:
        found[page] = fetch(client, page).decode()
        page = json.loads(found[page])["links"].get("next", "").removeprefix("http://localhost")
    return found


LOGIN = "login"


def closed_artefacts(app, slug: str, outsider_email: str) -> tuple[dict[str, tuple[object, str]], dict[str, str]]:
    """Every public page and download of a consultation, as (status, text) for an anonymous visitor and
    for the outsider (the status is LOGIN for a redirect to the login page); and the text of the pages
    that list consultations, as each of them sees them."""
    from consult.advice.models import Advice, AdviceRequest
    from consult.qa.models import QaItem

    consultation = db.session.scalar(select(Consultation).where(Consultation.slug == slug))
    base = f"/consultations/{slug}"
    urls = [base, f"{base}/report", f"{base}/report.odt", f"{base}/report.pdf", f"{base}/report.docx",
            f"{base}/answers.public.csv", f"{base}/answers.public.xlsx", f"{base}/qa", f"{base}/qa/export.odt",
            f"{base}/advice", f"{base}/discussion"]
    urls += [f"/advice/{a.id}" for a in db.session.scalars(select(Advice).join(AdviceRequest).where(
        AdviceRequest.consultation_id == consultation.id))]
    urls += [f"/qa/{i.id}" for i in db.session.scalars(select(QaItem).where(QaItem.consultation_id == consultation.id))]
    anonymous, outsider = app.test_client(), app.test_client()
    assert login(outsider, outsider_email).status_code == 302
    found, listed = {}, {}
    for who, client in (("anonymous", anonymous), ("outsider", outsider)):
        for url in urls:
            response = client.get(url, buffered=True)
            redirect = response.status_code == 302 and response.headers["Location"].startswith("/login")
            found[f"{who} {url}"] = (LOGIN if redirect else response.status_code, response.get_data(as_text=True))
            response.close()
        for url in ("/consultations", "/", "/api/v1/consultations?per_page=100", "/api/v1/woo/documents?per_page=100",
                    "/api/v1/catalogue.jsonld", "/woo/sitemap-diwoo-infocat015.xml", "/woo/sitemap-diwoo-infocat010.xml"):
            listed[f"{who} {url}"] = fetch(client, url).decode()
    return found, listed


def closed_open_data(app, slug: str) -> dict[str, tuple[int, str]]:
    """The open data API's answers about a consultation closed to invited organisations: (status, text)."""
    api, client = f"/api/v1/consultations/{slug}", app.test_client()
    found = {}
    for url in (api, f"{api}/qa", f"{api}/advice", f"{api}/report", f"{api}/statistics", f"{api}/answers",
                f"{api}/ocds"):
        response = client.get(url)
        found[url] = (response.status_code, response.get_data(as_text=True))
    return found


def personal_artefacts() -> list[tuple[str, str, str]]:
    """Every e-mail and in-app notification: (where, recipient, text)."""
    found = []
    for index, message in enumerate(outbox()):
        for address in message["To"].addresses:
            found.append((f"mail {index}", address.addr_spec, mail_text(message)))
    for notification in db.session.scalars(select(Notification)):
        found.append((f"notification {notification.id}", notification.user.email, repr(notification.data)))
    return found


def mail_text(message) -> str:
    parts = [part.get_content() for part in message.walk() if part.get_content_maintype() == "text"]
    return "\n".join([str(message["Subject"])] + parts)


def numbers_in(text: str) -> set[float]:
    return {int(whole) + int(cents) / 100 for whole, cents in NUMBER.findall(text)}


def plain(text: str) -> str:
    """Text (or HTML without its tags) with every run of white space one space."""
    return " ".join(html.unescape(re.sub(r"<[^>]*>", " ", text)).split())


FIGURE = re.compile(r"(?<![\d.,])\d+(?:[.,]\d+)*")


def figures_in(text: str) -> set[Decimal]:
    """Every number in ``text`` of any size, read both ways it may be written: Dutch (1.872,37) and
    English or plain (1,872.37 or 1872.37); a float's noise (41.679999999) read to the cent too."""
    found = set()
    for token in FIGURE.findall(text):
        for thousands, point in ((".", ","), (",", ".")):
            written = token.replace(thousands, "").replace(point, ".")
            if written.count(".") <= 1:
                value = Decimal(written)
                found.add(value)
                if -value.as_tuple().exponent >= 8:
                    found.add(value.quantize(Decimal("0.01")))
    return found


def benchmark_pages(app, providers_: list[Provider], members: dict[str, str]) -> dict[str, tuple[str, int, str]]:
    """Each provider's benchmark page as its member reads it, and the next provider's (refused), as
    (viewer, status, text)."""
    pages = {}
    for index, p in enumerate(providers_):
        viewer = db.session.scalar(select(User).where(User.email == members[p.name]))
        client = app.test_client()
        sign_in(client, viewer)
        for other in (p, providers_[(index + 1) % len(providers_)]):
            url = f"/responses/{other.response_id}/benchmark"
            response = client.get(url, buffered=True)
            pages[f"{viewer.email} {url}"] = (viewer.email, response.status_code, response.get_data(as_text=True))
            response.close()
    return pages


# Each example renders the report in four formats, so there are few examples and no shrinking (a failure
# prints its example in full all the same).
@settings(max_examples=6, deadline=None, database=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(providers_=providers, dialogue=dialogues, numbers_in_totals=st.booleans(), choices_in_totals=st.booleans())
def test_nothing_protected_leaves_the_team(app, monkeypatch, providers_, dialogue, numbers_in_totals,
                                           choices_in_totals):
    monkeypatch.setitem(app.config, "POSTS_PER_MINUTE", 100)  # one speaker posts every state in a moment
    empty_database()
    outbox().clear()
    limiter.reset()  # every example starts without rate-limit counts, as every test does
    outsider = make_user("buiten@example.org", name="Bea Buiten", org=make_org("Zorg Buiten", kvk="79999999"))
    consultation, editor, members = build(providers_, numbers_in_totals=numbers_in_totals,
                                          choices_in_totals=choices_in_totals, dialogue=dialogue, outsider=outsider)
    said, said_publicly, said_to_participants = consultation.said
    team = app.test_client()
    sign_in(team, editor)
    published = post_form(team, f"/consultations/{consultation.slug}/report/edit",
                          {"summary": "Wat we hoorden.", "introduction": "", "next_steps": "", "action": "publish"})
    assert published.status_code == 302, published.get_data(as_text=True)

    found = artefacts(app, consultation.slug, "buiten@example.org")
    strings, numbers = protected(providers_, members, editor.email)
    strings.update(said)
    leaks = [(where, s) for where, text in found.items() for s in strings if s in text]
    assert leaks == []
    number_leaks = [(where, n) for where, text in found.items() for n in numbers_in(text) & set(numbers)]
    assert number_leaks == []
    # Mails and notifications: only to someone who may see what they carry.
    personal = personal_artefacts()
    leaks = [(where, to, s) for where, to, text in personal for s, allowed in strings.items()
             if s in text and to not in allowed]
    assert leaks == []
    number_leaks = [(where, to, n) for where, to, text in personal for n in numbers_in(text) & set(numbers)
                    if to not in numbers[n]]
    assert number_leaks == []
    for value in said_publicly:
        assert any(value in text for where, text in found.items() if where.startswith("anonymous")), value
    # A discussion that is not public: participants read it, anonymous visitors do not (while the
    # published Q&A, advice and report stay public to them).
    assert [(where, value) for where, text in found.items() if where.startswith("anonymous")
            for value in said_to_participants if value in text] == []
    for value in said_to_participants:
        assert any(value in text for where, text in found.items() if where.startswith("outsider")), value

    # What may be published is published: the reading above really reads the artefacts.
    shown = [p for p in providers_ if p.publication != Publication.NONE and not p.text_confidential]
    for p in shown:
        assert p.text in found["anonymous answers.csv"]
        assert p.text in found["anonymous report.pdf"].replace("\n", "")  # its key quote
    named = [p.name for p in providers_ if p.publication == Publication.NAMED]
    for name in named:
        assert name in found["anonymous report.odt"]
    # Each lot's report lists the named providers that offered the lot, and shows the publishable key
    # quotes of those providers only.
    for n, lot_id in enumerate(sorted({int(where.split("lot=")[1]) for where in found if "report.odt?lot=" in where}),
                               start=1):
        for p in providers_:
            if p.publication == Publication.NAMED and p.lots & n:
                assert p.name in found[f"anonymous report.odt?lot={lot_id}"]
        for p in shown:
            assert (p.text in found[f"anonymous report.pdf?lot={lot_id}"].replace("\n", "")) == bool(p.lots & n)
    open_numbers = [p.number for p in providers_ if p.publication != Publication.NONE and not p.number_confidential]
    assert set(open_numbers) <= numbers_in(found["anonymous answers.csv"])
    # The open data API has the public CSV's answers and the report's key quotes and names.
    api = f"anonymous /api/v1/consultations/{consultation.slug}"
    api_answers = "\n".join(text for where, text in found.items() if where.startswith(f"{api}/answers?"))
    for p in shown:
        assert p.text in api_answers
        assert p.text in found[f"{api}/report"]
        assert (p.name in api_answers) == (p.publication == Publication.NAMED)
    for name in named:
        assert name in found[f"{api}/report"]
    assert set(open_numbers) <= numbers_in(api_answers)

    # Cost-price sheets: no figure of any sheet (nor its cost price or client-bound hours) in anything
    # public, nor in an e-mail or notification to someone outside its organisation and the team.
    figures = protected_figures(providers_, members, editor.email)
    assert [(where, value) for where, text in found.items() for value in figures_in(text) & figures.keys()] == []
    assert [(where, to, value) for where, to, text in personal for value in figures_in(text) & figures.keys()
            if to not in figures[value]] == []
    # Each provider's benchmark, read as that provider: its own figures beside the group's, nothing of
    # another provider's sheet, and nothing else it may not see; another's benchmark is not found.
    benchmarks = benchmark_pages(app, providers_, members)
    for p in providers_:
        viewer, status, text = benchmarks[f"{members[p.name]} /responses/{p.response_id}/benchmark"]
        assert status == 200
        assert COST_QUESTION in text and all(row["product"] in text for row in p.sheet)
        volumes = {Decimal(str(row["volume"])) for row in p.sheet}  # (not compared, so not shown)
        assert p.figures - volumes <= figures_in(text)  # its own figures: the reading reads every one
    assert sorted(status for _viewer, status, _text in benchmarks.values()) == [200] * len(providers_) + \
        [404] * len(providers_)
    assert [(where, s) for where, (viewer, _status, text) in benchmarks.items() for s, allowed in strings.items()
            if s in text and viewer not in allowed] == []
    assert [(where, n) for where, (viewer, _status, text) in benchmarks.items()
            for n in numbers_in(text) & set(numbers) if viewer not in numbers[n]] == []
    assert [(where, value) for where, (viewer, _status, text) in benchmarks.items()
            for value in figures_in(text) & figures.keys() if viewer not in figures[value]] == []
    # The report shows the cost price of each product in its annex (as figures or why they are not shown)
    # and the chosen scenario's tariff when enough sheets count: rounded up, never one provider's price.
    reports = {f"{who} {kind}": plain(found[f"{who} {kind}"]) for who in ("anonymous", "outsider")
               for kind in (f"/consultations/{consultation.slug}/report", "report.odt", "report.docx", "report.pdf")}
    counting = [p for p in providers_ if p.publication != Publication.NONE]
    for n, product in enumerate(PRODUCTS):
        name, unit = product.split(" | ")
        if [p for p in counting if len(p.sheet) > n]:
            caption = f"{COST_QUESTION} — {name}: Kostprijs per {unit}"
            assert [where for where, text in reports.items() if caption not in text] == [], caption
    scenario = db.session.scalar(select(FundingScenario))
    tariff = scenario_tariff(scenario)
    assert tariff.shown == (len(counting) >= app.config["ANALYSIS_MIN_GROUP"])
    if tariff.shown:
        prices = {Decimal(str(row["price"])) for p in providers_ for row in p.sheet}
        assert Decimal(str(tariff.value)) not in prices
        stated = re.compile(r"Tarieven ?Huishoudelijke ondersteuning: € ?([\d.,]+) per uur, bekostigd als prijs × volume")
        for where, text in reports.items():
            assert [Decimal(amount.replace(".", "").replace(",", ".")) for amount in stated.findall(text)] == \
                [Decimal(str(tariff.value))], (where, text[text.find("Tarieven"):][:300])
    else:
        assert [where for where, text in reports.items() if "bekostigd als prijs × volume" in text] == []

    # Closed to invited organisations (only the speaker's): the same pages and downloads give an
    # anonymous visitor the login page and the outsider's organisation 404, with nothing published in them.
    closed = db.session.scalar(select(Consultation).where(Consultation.slug == consultation.slug))
    speaker = db.session.scalar(select(User).where(User.email == "spreker@example.org"))
    set_access(closed, invited_only=True, invited=[speaker.memberships[0].organisation], by=editor)
    db.session.commit()
    refused, listed = closed_artefacts(app, consultation.slug, "buiten@example.org")
    assert {where: status for where, (status, _text) in refused.items()} == \
        {where: (LOGIN if where.startswith("anonymous") else 404) for where in refused}
    # The open data API knows nothing of it: every address about it is not found, and no list names it.
    refused_data = closed_open_data(app, consultation.slug)
    assert {url: status for url, (status, _text) in refused_data.items()} == {url: 404 for url in refused_data}
    texts = [(where, text) for where, (_status, text) in refused.items()] + list(listed.items()) + \
        [(where, text) for where, (_status, text) in refused_data.items()]
    assert [(where, value) for where, text in texts for value in said_publicly + said_to_participants
            + [consultation.title] if value in text] == []
    assert [(where, value) for where, text in texts for value in figures_in(text) & figures.keys()] == []
    # The providers (none invited) read no other provider's sheet in any benchmark either.
    benchmarks = benchmark_pages(app, providers_, members)
    assert [(where, value) for where, (viewer, _status, text) in benchmarks.items()
            for value in figures_in(text) & figures.keys() if viewer not in figures[value]] == []

    # Rounds of a trajectory: the public timeline leaves the closed round out for an anonymous
    # visitor (nothing else is in it: not found) and lists it by title only to another provider,
    # who may ask to join; nothing said in it appears.
    from consult.consultations.trajectory_services import create_trajectory

    create_trajectory(title="Traject", description="", first=closed, label="Ronde", by=editor)
    closed.summary = "Samenvatting-" + uuid.uuid4().hex
    db.session.commit()
    assert app.test_client().get("/trajectories/traject").status_code == 404
    other = app.test_client()
    assert login(other, "buiten@example.org").status_code == 302
    timeline = other.get("/trajectories/traject").get_data(as_text=True)
    assert closed.title in timeline and f'href="/consultations/{closed.slug}"' not in timeline
    assert [value for value in said_publicly + said_to_participants + [closed.summary] if value in timeline] == []


def test_earlier_round_input_cited_from_a_later_round_stays_protected(app):
    """Round 2 cites round 1's answers (key quotes, evidence links): a confidential answer, and the
    answers of an organisation that chose not to publish, never reach round 2's public report; an
    unnamed one appears without its name; a quote made before its organisation changed its mind drops out."""
    from consult.analysis.rounds import quote_earlier_answer
    from consult.consultations.trajectory_services import add_round, create_trajectory
    from consult.strategy.services import create_draft, link_evidence
    from tests.conftest import add_team

    leiden = make_org("Gemeente Leiden", kind=OrgKind.MUNICIPALITY)
    editor = make_user("team@example.org", name="Tess Team")
    first, second = (Consultation(slug=slug, title=slug, status=Status.OPEN, municipalities=[leiden], principles=[],
                                  closes_at=utcnow() + timedelta(days=30)) for slug in ("ronde-een", "ronde-twee"))
    for consultation in (first, second):
        consultation.themes.append(Theme(title="Thema", position=0))
        db.session.add(consultation)
    db.session.commit()
    for consultation in (first, second):
        add_team(consultation, {editor: TeamRole.EDITOR})
    earlier = Question(text="Wat ziet u?", kind=QuestionKind.OPEN, position=0)
    first.themes[0].questions.append(earlier)
    db.session.commit()
    later = Question(text="Wat ziet u nu?", kind=QuestionKind.OPEN, position=0, same_as_id=earlier.id)
    second.themes[0].questions.append(later)
    trajectory = create_trajectory(title="Traject", description="", first=first, label="Eerst", by=editor)
    add_round(trajectory, second, label="Daarna", by=editor)
    db.session.commit()
    # name: (confidential, publication, publication chosen after the quote was made)
    cases = {"Geheim": (True, Publication.NAMED, None), "Onzichtbaar": (False, Publication.NONE, None),
             "Naamloos": (False, Publication.ANONYMOUS, None), "Genoemd": (False, Publication.NAMED, None),
             "Bedacht": (False, Publication.NAMED, Publication.NONE)}
    texts, responses = {}, {}
    for number, (name, (confidential, publication, _later)) in enumerate(cases.items()):
        org = make_org(f"Zorg {name}", kvk=f"7100000{number}")
        user = make_user(f"{name.lower()}@example.org", name=name, org=org)
        response = start_response(first, org, by=user)
        texts[name] = f"{name}-{uuid.uuid4().hex}"
        save_answer(response, earlier, texts[name], confidential, None, by=user)
        set_publication(response, publication, by=user)
        submit(response, by=user, notify=False)
        responses[name] = (response, user)
    db.session.commit()
    draft = create_draft(second, by=editor)
    for name, (response, _user) in responses.items():
        key = f"{response.id}-{earlier.id}"
        link_evidence(draft, "general", "earlier_round", f"{first.id}:answer:{key}", Disposition.ADOPTED,
                      f"Reden {name}", by=editor)
        try:
            quote_earlier_answer(second, later, key, texts[name], by=editor)
        except AnalysisRefused:
            assert name in ("Geheim", "Onzichtbaar")
    db.session.commit()
    for name, (_confidential, _publication, changed) in cases.items():
        if changed is not None:
            response, user = responses[name]
            set_publication(response, changed, by=user)
            submit(response, by=user, notify=False)
    first.status = second.status = Status.CLOSED
    db.session.commit()
    team = app.test_client()
    sign_in(team, editor)
    published = post_form(team, f"/consultations/{second.slug}/report/edit",
                          {"summary": "Wat we hoorden.", "introduction": "", "next_steps": "", "action": "publish"})
    assert published.status_code == 302, published.get_data(as_text=True)
    anonymous, base = app.test_client(), f"/consultations/{second.slug}"
    found = {"html": fetch(anonymous, f"{base}/report").decode(),
             "odt": OdfDocument(io.BytesIO(fetch(anonymous, f"{base}/report.odt"))).get_formatted_text(),
             "docx": docx_text(fetch(anonymous, f"{base}/report.docx")),
             "pdf": pdf_text(fetch(anonymous, f"{base}/report.pdf")).replace("\n", "")}
    for protected_text in (texts["Geheim"], texts["Onzichtbaar"], texts["Bedacht"], "Zorg Geheim",
                           "Zorg Onzichtbaar", "Zorg Naamloos", "Zorg Bedacht"):
        assert [where for where, text in found.items() if protected_text in text] == [], protected_text
    for where, text in found.items():
        assert texts["Genoemd"] in text and texts["Naamloos"] in text, where
    assert f"“{texts['Genoemd']}” (Zorg Genoemd, ronde 1)" in found["docx"]
    assert "Algemeen deel (inbreng van ronde 1): Reden Genoemd" in found["docx"]


def test_earlier_rounds_confidential_answer_stays_with_that_rounds_team_on_the_later_rounds_pages(app):
    """A member of round 2's team who is not on round 1's never reads round 1's confidential answer:
    not in the strategy evidence picker (listed, searched for by its words, or chosen by its ref),
    not on the strategy part a colleague linked it to, not on the analysis page; and a provider
    not invited to an invitation-only round 2 reads none of its wording in round 3's "what changed"."""
    from consult.consultations.trajectory_services import add_round, create_trajectory
    from consult.strategy.services import create_draft, link_evidence
    from tests.conftest import add_team

    leiden = make_org("Gemeente Leiden", kind=OrgKind.MUNICIPALITY)
    tess, erik = make_user("team@example.org", name="Tess Team"), make_user("erik@example.org", name="Erik Twee")
    first, second, third = (Consultation(slug=slug, title=slug, status=Status.OPEN, municipalities=[leiden],
                                         principles=[], closes_at=utcnow() + timedelta(days=30))
                            for slug in ("ronde-een", "ronde-twee", "ronde-drie"))
    for consultation in (first, second, third):
        consultation.themes.append(Theme(title="Thema", position=0))
        db.session.add(consultation)
    db.session.commit()
    add_team(first, {tess: TeamRole.EDITOR})
    add_team(second, {tess: TeamRole.EDITOR, erik: TeamRole.EDITOR})
    add_team(third, {tess: TeamRole.EDITOR})
    earlier = Question(text="Wat is uw tarief?", kind=QuestionKind.OPEN, position=0)
    first.themes[0].questions.append(earlier)
    db.session.commit()
    secret_wording = f"Pilot{uuid.uuid4().hex[:10]}"
    later = Question(text=f"Wat is uw tarief in {secret_wording}?", kind=QuestionKind.OPEN, position=0,
                     same_as_id=earlier.id)
    second.themes[0].questions.append(later)
    db.session.commit()
    last = Question(text="Wat is uw tarief nu?", kind=QuestionKind.OPEN, position=0, same_as_id=later.id)
    third.themes[0].questions.append(last)
    trajectory = create_trajectory(title="Traject", description="", first=first, label="Eerst", by=tess)
    add_round(trajectory, second, label="Daarna", by=tess)
    add_round(trajectory, third, label="Laatst", by=tess)
    org, outsider_org = make_org("Zorg Geheim", kvk="72000001"), make_org("Zorg Buiten", kvk="72000002")
    user, outsider = make_user("geheim@example.org", name="Gea", org=org), make_user("buiten@example.org",
                                                                                      name="Bas", org=outsider_org)
    response = start_response(first, org, by=user)
    secret = f"Tarief{uuid.uuid4().hex}"
    save_answer(response, earlier, secret, True, None, by=user)
    set_publication(response, Publication.NAMED, by=user)
    submit(response, by=user, notify=False)
    first.status = Status.CLOSED
    db.session.commit()
    ref = f"{first.id}:answer:{response.id}-{earlier.id}"
    draft = create_draft(second, by=tess)
    link_evidence(draft, "general", "earlier_round", ref, Disposition.ADOPTED, "Plafond.", by=tess)
    db.session.commit()
    client = app.test_client()
    sign_in(client, erik)
    base = f"/consultations/{second.slug}"
    pages = [f"{base}/strategy/evidence?q={secret[:12]}", f"{base}/strategy/evidence?q=tarief",
             f"{base}/strategy/evidence?source=earlier_round:{ref}", f"{base}/strategy/general",
             f"{base}/analysis/questions/{later.id}"]
    for url in pages:
        page = client.get(url)
        assert page.status_code == 200, url
        assert secret not in page.get_data(as_text=True), url
    # Round 2 closed to invited organisations (Zorg Buiten is not): round 3 shows it no wording of round 2.
    second.invited_only = True
    db.session.commit()
    own = start_response(third, outsider_org, by=outsider)
    db.session.commit()
    provider = app.test_client()
    sign_in(provider, outsider)
    for url in (f"/responses/{own.id}", f"/responses/{own.id}/themes/{third.themes[0].id}"):
        page = provider.get(url)
        assert page.status_code == 200, url
        assert secret_wording not in page.get_data(as_text=True), url


def test_minutes_name_only_organisations_that_agreed_and_written_input_stays_with_the_team(app):
    """A minutes point attributed to an organisation that did not agree to be named, its comment,
    and the text of written input never reach the public report (any format) or another
    participant's pages, nor does written input whose organisation chose "do not publish" (also a quote
    taken while it allowed publication); a consenting organisation and a key quote of written input
    published without its name do."""
    from datetime import time as clock

    from consult.analysis.session_input import quote_session_entry
    from consult.consultations.models import ParticipantAudience
    from consult.core.time import combine_local, to_local
    from consult.sessions.services import (
        add_agenda_item,
        add_minutes_point,
        comment_on_point,
        publish_agenda,
        publish_minutes,
        register,
        save_written_input,
        schedule_session,
    )
    from consult.strategy.services import create_draft, link_evidence
    from tests.conftest import add_team

    leiden = make_org("Gemeente Leiden", kind=OrgKind.MUNICIPALITY)
    editor = make_user("team@example.org", name="Tess Team")
    consultation = Consultation(slug="tafels", title="Tafels", status=Status.OPEN, municipalities=[leiden],
                                principles=[], closes_at=utcnow() + timedelta(days=30))
    consultation.themes.append(Theme(title="Thema", position=0))
    db.session.add(consultation)
    db.session.commit()
    add_team(consultation, {editor: TeamRole.EDITOR})
    secret_org, open_org, other_org, silent_org = (
        make_org(name, kvk=f"7200000{n}") for n, name in enumerate(
            ("Zorg Geheimnaam", "Zorg Openlijk", "Zorg Anderszins", "Zorg Schriftelijk")))
    secret, open_, other, silent = (make_user(f"{key}@example.org", name=key.title(), org=org) for key, org in (
        ("geheim", secret_org), ("open", open_org), ("ander", other_org), ("stil", silent_org)))
    day = to_local(utcnow()).date() + timedelta(days=5)
    session = schedule_session(consultation, by=editor, title="Tafel", purpose="", address="Stadhuis",
                               online_link="", starts_at=combine_local(day, clock(10)),
                               ends_at=combine_local(day, clock(12)), registration_deadline=None, capacity=10,
                               seats_per_organisation=2, audience=ParticipantAudience.PROVIDERS, themes=[])
    for user, org, agrees in ((secret, secret_org, False), (open_, open_org, True), (other, other_org, False)):
        register(session, by=user, organisation=org, may_name_organisation=agrees)
    item = add_agenda_item(session, title="Onderwerp", description="", by=editor)
    publish_agenda(session, by=editor)
    marker = f"SCHRIFTELIJK-{uuid.uuid4().hex}"
    written = save_written_input(item, organisation=silent_org, text=f"Citeerbaar deel. {marker}", by=silent,
                                 version=0, publication="anonymous")
    # Written input first published with its name, then "do not publish": the quote taken meanwhile
    # and the name stay with the team.
    withdrawn_marker = f"INGETROKKEN-{uuid.uuid4().hex}"
    withdrawn = save_written_input(item, organisation=other_org, text=f"Tweede deel. {withdrawn_marker}", by=other,
                                   version=0, publication="named")
    quote_session_entry(consultation, "input", withdrawn, f"Tweede deel. {withdrawn_marker}", by=editor)
    save_written_input(item, organisation=other_org, text=withdrawn.text, by=other, publication="none")
    hidden_point = add_minutes_point(item, text="Punt van de geheime organisatie.", by=editor,
                                     organisation=secret_org)
    open_point = add_minutes_point(item, text="Punt van de open organisatie.", by=editor, organisation=open_org)
    publish_minutes(session, by=editor)
    comment_on_point(open_point, organisation=secret_org, text="Reactie van de geheime organisatie.", by=secret)
    quote_session_entry(consultation, "input", written, "Citeerbaar deel.", by=editor)
    draft = create_draft(consultation, by=editor)
    link_evidence(draft, "general", "minutes_point", str(hidden_point.id), Disposition.ADOPTED, "Reden punt", by=editor)
    link_evidence(draft, "general", "written_input", str(written.id), Disposition.PARTLY, "Reden inbreng", by=editor)
    link_evidence(draft, "general", "written_input", str(withdrawn.id), Disposition.PARTLY, "Reden twee", by=editor)
    consultation.status = Status.CLOSED
    db.session.commit()
    team = app.test_client()
    sign_in(team, editor)
    published = post_form(team, "/consultations/tafels/report/edit",
                          {"summary": "Wat we hoorden.", "introduction": "", "next_steps": "", "action": "publish"})
    assert published.status_code == 302, published.get_data(as_text=True)
    anonymous, base = app.test_client(), "/consultations/tafels"
    found = {"html": fetch(anonymous, f"{base}/report").decode(),
             "odt": OdfDocument(io.BytesIO(fetch(anonymous, f"{base}/report.odt"))).get_formatted_text(),
             "docx": docx_text(fetch(anonymous, f"{base}/report.docx")),
             "pdf": pdf_text(fetch(anonymous, f"{base}/report.pdf")).replace("\n", "")}
    participant = app.test_client()
    sign_in(participant, other)
    for url in (f"/sessions/{session.id}", f"/sessions/{session.id}/minutes", "/notifications"):
        found[f"participant {url}"] = participant.get(url).get_data(as_text=True)
    for protected in ("Zorg Geheimnaam", "Zorg Schriftelijk", marker):
        assert [where for where, text in found.items() if protected in text] == [], protected
    for protected in ("Zorg Anderszins", withdrawn_marker, "Tweede deel"):  # the participant's own input aside
        assert [where for where in ("html", "odt", "docx", "pdf") if protected in found[where]] == [], protected
    assert "Schriftelijke inbreng van een deelnemer over “Onderwerp”: Deels overgenomen (Algemeen deel): Reden twee" \
        in found["docx"]
    for where in ("html", "docx", "participant /sessions/{id}/minutes".replace("{id}", str(session.id))):
        assert "Punt van de geheime organisatie." in found[where] and "Zorg Openlijk" in found[where], where
    assert "“Citeerbaar deel.” (schriftelijke inbreng van een deelnemer)" in found["docx"]
    assert "Punt van de geheime organisatie. (een deelnemer)" in found["docx"]
