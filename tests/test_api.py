"""The open data API (issue 26): everything public, read-only, described by an OpenAPI 3.1 document that
every endpoint's answers are checked against; paged and filtered; ETag and Last-Modified with 304;
CORS open for GET; rate-limited; bad parameters named in Dutch and English; a consultation closed to
invited organisations does not exist for it. The DCAT-AP catalogue and the Woo sitemaps list exactly the
published documents. (tests/test_leaks.py reads every answer of the API as well.)
"""
from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from xml.etree import ElementTree as ET

import pytest
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate as validate_spec
from sqlalchemy import select

from consult.advice.models import Advice, AdviceStatus, Disposition
from consult.advice.services import publish_reply, save_reply
from consult.auth.models import User
from consult.consultations.models import Consultation, Status, TeamRole
from consult.consultations.services import close, set_access
from consult.core.jobs import run_committed_jobs
from consult.demo import DEMO_PASSWORD
from consult.extensions import db, limiter
from consult.qa.models import QaItem, QaStatus
from consult.reports.services import publish as publish_report
from consult.reports.services import save_texts
from tests.conftest import add_team, build_app, csrf_token_from, login, make_user, sign_in
from tests.test_leaks import fetch, pdf_text

OPEN = "marktconsultatie-wmo-leidse-regio"
PUBLISHED = "dialoog-dagbesteding-2025"
BASE = "http://localhost"


def _consultation(slug: str) -> Consultation:
    return db.session.scalar(select(Consultation).where(Consultation.slug == slug))


def _get(client, url: str, **kwargs):
    response = client.get(url, **kwargs)
    return response, (json.loads(response.data) if response.mimetype.endswith("json") else None)


def _status(client, url: str) -> int:
    response = client.get(url, buffered=True)
    response.close()
    return response.status_code


def _publish_open_consultation(team: User) -> Advice:
    """The open demo consultation run to its end: the first council's advice replied to and published,
    the consultation closed and its report published."""
    consultation = _consultation(OPEN)
    advice = db.session.scalar(select(Advice).where(Advice.status == AdviceStatus.SUBMITTED))
    save_reply(advice, introduction="Wij danken de adviesraad.",
               replies={point.id: (point.disposition or Disposition.PARTLY, point.reply or "Nemen we mee.")
                        for point in advice.points}, by=team)
    publish_reply(advice, by=team)
    close(consultation, by=team)
    save_texts(consultation, summary="Wat we hoorden.", introduction="", next_steps="", by=team)
    publish_report(consultation, by=team)
    db.session.commit()
    return advice


# --- the contract ------------------------------------------------------------------------------------

def test_the_openapi_document_is_valid_openapi_3_1(app, demo):
    response, document = _get(app.test_client(), "/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.oai.openapi+json"
    assert document["openapi"] == "3.1.0"
    validate_spec(document)  # raises on any error
    # Dutch by default, English on request.
    assert document["paths"]["/api/v1/consultations"]["get"]["summary"] == "De openbare consultaties"
    english = _get(app.test_client(), "/api/v1/openapi.json?lang=en")[1]
    assert english["paths"]["/api/v1/consultations"]["get"]["summary"] == "The public consultations"


def _schema(document: dict, path: str, status: str, media_type: str) -> dict:
    schema = document["paths"][path]["get"]["responses"][status]["content"][media_type]["schema"]
    return {**schema, "components": document["components"]}  # so "#/components/..." resolves


def _check(document: dict, path: str, response, status: int = 200) -> None:
    assert response.status_code == status, (path, response.status_code, response.data[:300])
    media_type = response.mimetype
    OAS31Validator(_schema(document, path, str(status), media_type)).validate(json.loads(response.data))


def test_every_endpoint_answers_as_its_openapi_description_says(app, demo):
    """Every route of the API is in the document, and every answer (200, 400, 404) has the documented shape,
    with a consultation that has published Q&A, advice and a report."""
    _publish_open_consultation(demo["team"])
    client = app.test_client()
    document = _get(client, "/api/v1/openapi.json")[1]
    documented = set(document["paths"])
    routes = {rule.rule.replace("<slug>", "{slug}") for rule in app.url_map.iter_rules()
              if rule.endpoint.startswith("api.") and rule.rule.startswith("/api/v1")}
    assert routes - documented == {"/api/v1/openapi.json", "/api/v1/docs"}
    assert documented - routes == set()
    checked = []
    for path in sorted(documented):
        for slug in (OPEN, PUBLISHED) if "{slug}" in path else (None,):
            url = path.replace("{slug}", slug) if slug else path
            response = client.get(url)
            _check(document, path, response)
            checked.append(url)
            for bad in ("page=0", "per_page=abc", "lang=de"):
                if any(p["name"] == bad.split("=")[0] for p in document["paths"][path]["get"].get("parameters", [])):
                    _check(document, path, client.get(f"{url}?{bad}"), 400)
        if "{slug}" in path:
            _check(document, path, client.get(path.replace("{slug}", "bestaat-niet")), 404)
    assert len(checked) == 18


def test_the_readable_page_shows_every_operation_and_the_footer_links_to_it(app, demo):
    page = app.test_client().get("/api/v1/docs").get_data(as_text=True)
    assert '<h1 class="utrecht-heading-1">Open data</h1>' in page
    document = _get(app.test_client(), "/api/v1/openapi.json")[1]
    for path, methods in document["paths"].items():
        assert f"GET {path}</code>" in page
        assert methods["get"]["summary"] in page
    assert "300 keer per minuut" in page
    assert '<a class="utrecht-link" href="/api/v1/consultations"><code class="utrecht-code">GET /api/v1/consultations' \
        in page
    assert '<a class="utrecht-link" href="/api/v1/consultations?status=published">Open de lijst</a>' in page
    home = app.test_client().get("/").get_data(as_text=True)
    assert '<a class="utrecht-link" href="/api/v1/docs">Open data</a>' in home


# --- lists, filters and pages ---------------------------------------------------------------------------

def _slugs(body: dict) -> list[str]:
    return [item["slug"] for item in body["items"]]


def test_consultations_are_filtered_by_status_and_date_and_paged(app, demo):
    client = app.test_client()
    everything = _get(client, "/api/v1/consultations")[1]
    assert _slugs(everything) == [OPEN, "klankbordronde-wmo-leidse-regio", PUBLISHED]
    assert (everything["total"], everything["pages"], everything["page"]) == (3, 1, 1)
    assert _slugs(_get(client, "/api/v1/consultations?status=published")[1]) == [PUBLISHED]
    assert _slugs(_get(client, "/api/v1/consultations?status=open,published")[1]) == [OPEN, PUBLISHED]
    published = _consultation(PUBLISHED)
    closes = published.closes_at.date()
    # Its period ends on `closes`: "since" the day after leaves it out, "until" the day before its opening too.
    assert PUBLISHED in _slugs(_get(client, f"/api/v1/consultations?since={closes.isoformat()}")[1])
    after = closes + timedelta(days=1)
    assert PUBLISHED not in _slugs(_get(client, f"/api/v1/consultations?since={after.isoformat()}")[1])
    before = published.opens_at.date() - timedelta(days=1)
    assert PUBLISHED not in _slugs(_get(client, f"/api/v1/consultations?until={before.isoformat()}")[1])
    # Pages of one.
    response, first = _get(client, "/api/v1/consultations?per_page=1")
    assert (_slugs(first), first["pages"], first["total"]) == ([OPEN], 3, 3)
    assert first["links"]["next"] == f"{BASE}/api/v1/consultations?per_page=1&page=2"
    assert "prev" not in first["links"]
    assert f'<{BASE}/api/v1/consultations?per_page=1&page=2>; rel="next"' in response.headers["Link"]
    second = _get(client, "/api/v1/consultations?per_page=1&page=2")[1]
    assert _slugs(second) == ["klankbordronde-wmo-leidse-regio"]
    assert second["links"]["prev"] == f"{BASE}/api/v1/consultations?per_page=1&page=1"
    past = _get(client, "/api/v1/consultations?per_page=1&page=9")[1]
    assert (past["items"], past["page"]) == ([], 9)


def test_a_consultation_shows_its_planning_documents_and_questionnaire(app, demo):
    consultation = _consultation(OPEN)
    body = _get(app.test_client(), f"/api/v1/consultations/{OPEN}")[1]
    assert (body["title"], body["status"], body["status_label"]) == (consultation.title, "open", "Open")
    assert [p["name"] for p in body["planning"]] == [p.name for p in consultation.phases]
    assert [d["title"] for d in body["documents"]] == [d.title for d in consultation.documents]
    document = consultation.documents[0]
    assert body["documents"][0]["file"]["url"] == \
        f"{BASE}/consultations/{OPEN}/documents/{document.id}/{document.current.id}"
    assert fetch(app.test_client(), body["documents"][0]["file"]["url"].removeprefix(BASE))
    assert [t["title"] for t in body["themes"]] == [t.title for t in consultation.themes]
    assert body["themes"][0]["questions"][0]["number"] == "1.1"
    assert body["published_qa"] == 5 and body["report_version"] is None
    assert "advice" not in body["links"] and "report" not in body["links"]
    english = _get(app.test_client(), f"/api/v1/consultations/{OPEN}?lang=en")[1]
    assert english["status_label"] == "Open"
    assert _get(app.test_client(), f"/api/v1/consultations/{PUBLISHED}?lang=en")[1]["status_label"] == \
        "Report published"
    assert _get(app.test_client(), f"/api/v1/consultations/{PUBLISHED}")[1]["status_label"] == "Verslag gepubliceerd"


def test_the_published_qa_is_paged_and_says_nothing_of_who_asked(app, demo):
    items = db.session.scalars(select(QaItem).where(QaItem.status == QaStatus.PUBLISHED)
                               .order_by(QaItem.number)).all()
    client = app.test_client()
    body = _get(client, f"/api/v1/consultations/{OPEN}/qa?per_page=2")[1]
    assert ([i["number"] for i in body["items"]], body["total"], body["pages"]) == ([1, 2], 5, 3)
    assert [(i["question"], i["answer"]) for i in body["items"]] == [(i.question, i.answer) for i in items[:2]]
    last = _get(client, f"/api/v1/consultations/{OPEN}/qa?per_page=2&page=3")[1]
    assert [i["number"] for i in last["items"]] == [5]
    text = json.dumps(_get(client, f"/api/v1/consultations/{OPEN}/qa?per_page=100")[1], ensure_ascii=False)
    asked = [item for item in items if item.asker_organisation is not None]
    assert asked
    for item in asked:
        assert item.asker_organisation.name not in text
        assert item.asked_by.email not in text and item.asked_by.name not in text
        if item.asked_text not in (item.question, item.answer):
            assert item.asked_text not in text


def test_advice_with_its_reply_is_public_only_once_the_report_is_published(app, demo):
    client = app.test_client()
    assert _get(client, f"/api/v1/consultations/{OPEN}/advice")[1]["items"] == []
    submitted = db.session.scalar(select(Advice).where(Advice.status == AdviceStatus.SUBMITTED))
    assert client.get(f"/advice/{submitted.id}/export.pdf").headers["Location"].startswith("/login")
    # Its council reads its advice as a document, without the team's reply while that is not published.
    council = app.test_client()
    assert login(council, "adviesraad@example.org", DEMO_PASSWORD).status_code == 302
    draft_reply = submitted.points[0].reply
    assert draft_reply
    own = pdf_text(fetch(council, f"/advice/{submitted.id}/export.pdf"))
    assert submitted.points[0].title in own and draft_reply not in own
    advice = _publish_open_consultation(demo["team"])
    assert draft_reply in pdf_text(fetch(client, f"/advice/{advice.id}/export.pdf"))
    body = _get(client, f"/api/v1/consultations/{OPEN}/advice")[1]
    assert [item["council"] for item in body["items"]] == [advice.council.name]
    item = body["items"][0]
    assert item["reply"] == "Wij danken de adviesraad."
    assert [(p["title"], p["disposition"], p["reply"]) for p in item["points"]] == \
        [(p.title, p.disposition.value, p.reply) for p in advice.points]
    assert item["woo"]["information_category"] == {
        "code": "infocat010", "label": "Adviezen",
        "resource": "https://identifier.overheid.nl/tooi/def/thes/kern/c_99a836c7"}
    assert [a["kind"] for a in item["woo"]["actions"]] == ["ontvangst", "vaststelling"]
    assert item["woo"]["creator"] == advice.council.name
    # The other council's draft is not there.
    draft = db.session.scalar(select(Advice).where(Advice.status == AdviceStatus.DRAFT))
    assert draft.council.name not in json.dumps(body, ensure_ascii=False)


def test_the_report_statistics_and_answers_are_the_published_ones(app, demo):
    client = app.test_client()
    report = _get(client, f"/api/v1/consultations/{PUBLISHED}/report")[1]
    assert (report["version"], report["language"], report["languages"]) == (1, "nl", ["nl", "en"])
    assert report["title"] == "Consultatieverslag: Dialoog dagbesteding en kortdurend verblijf 2025"
    titles = [section["title"] for section in report["sections"]]
    assert titles[0] == "Samenvatting" and titles[-1] == "Bijlage: cijfers" and "Tarieven" in titles
    assert [(f["format"], f["url"]) for f in report["files"]] == [
        (fmt, f"{BASE}/consultations/{PUBLISHED}/report.{fmt}?v=1&lang=nl") for fmt in ("odt", "pdf", "docx")]
    assert report["woo"]["identifier"] == f"{BASE}/consultations/{PUBLISHED}/report.pdf?v=1&lang=nl"
    assert report["links"] == {
        "self": f"{BASE}/api/v1/consultations/{PUBLISHED}/report?lang=nl",
        "html": f"{BASE}/consultations/{PUBLISHED}/report?lang=nl",
        "consultation": f"{BASE}/api/v1/consultations/{PUBLISHED}",
        "statistics": f"{BASE}/api/v1/consultations/{PUBLISHED}/statistics?lang=nl",
        "answers": f"{BASE}/api/v1/consultations/{PUBLISHED}/answers",
        "alternate_en": f"{BASE}/api/v1/consultations/{PUBLISHED}/report?lang=en"}
    english = _get(client, f"/api/v1/consultations/{PUBLISHED}/report?lang=en")[1]
    assert english["sections"][-1]["title"] == "Annex: figures"
    # The figures are the annex's tables as published.
    figures = _get(client, f"/api/v1/consultations/{PUBLISHED}/statistics")[1]["figures"]
    tables = [block for block in report["sections"][-1]["blocks"] if block["type"] == "table"]
    assert [(f["caption"], f["columns"], f["rows"]) for f in figures if f["note"] is None] == \
        [(t["caption"], t["columns"], t["rows"]) for t in tables]
    # ... and why a figure is not shown, with its caption (which may hold a dash itself).
    assert [(f["caption"], f["note"]) for f in figures if f["note"] is not None] == [(
        "Hoe is uw kostprijs per product opgebouwd? — Begeleiding individueel: Kostprijs per uur",
        "Niet gepubliceerd: minder dan 5 organisaties waarvan de antwoorden mogen meetellen, hebben geantwoord.")]
    paragraphs = [block for block in report["sections"][-1]["blocks"] if block["type"] == "paragraph"]
    assert len(paragraphs) == 1 + 1  # the annex's explanation, and that one note
    # The answers: exactly the public CSV's rows, page after page.
    csv_text = fetch(client, f"/consultations/{PUBLISHED}/answers.public.csv").decode("utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(csv_text), delimiter=";"))
    pages, url = [], f"/api/v1/consultations/{PUBLISHED}/answers?per_page=40"
    while url:
        body = _get(client, url)[1]
        pages.append(body)
        url = body["links"].get("next", "").removeprefix(BASE)
    assert list(pages[0]["columns"].values()) == header
    assert [list(item.values()) for page in pages for item in page["items"]] == rows
    assert len(pages) == -(-len(rows) // 40) and len(rows) > 40
    # Before publication none of it exists.
    for part in ("report", "statistics", "answers"):
        response, problem = _get(client, f"/api/v1/consultations/{OPEN}/{part}")
        assert response.status_code == 404 and response.mimetype == "application/problem+json"
        assert problem["detail"] == "Het verslag van deze consultatie is nog niet gepubliceerd."


# --- caching, CORS, limits, bad input ----------------------------------------------------------------------

def test_an_unchanged_answer_is_304_by_etag_and_by_date(app, demo):
    client = app.test_client()
    url = f"/api/v1/consultations/{PUBLISHED}/report"
    first = client.get(url)
    assert first.headers["Cache-Control"] == "public, max-age=60"
    # Only a published version's date marks every change: the Q&A has no Last-Modified.
    assert "Last-Modified" not in client.get(f"/api/v1/consultations/{OPEN}/qa").headers
    # A logged-in browser's answer is for it alone (it may carry its renewed session cookie).
    member = app.test_client()
    assert login(member, "zorg1@example.org", DEMO_PASSWORD).status_code == 302
    assert member.get(url).headers["Cache-Control"] == "private, max-age=60"
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert (again.status_code, again.data) == (304, b"")
    assert client.get(url, headers={"If-Modified-Since": modified}).status_code == 304
    assert client.get(url, headers={"If-None-Match": '"something-else"'}).status_code == 200
    # A change gives a new ETag: another Q&A item published changes the Q&A list.
    qa_url = f"/api/v1/consultations/{OPEN}/qa"
    before = client.get(qa_url).headers["ETag"]
    item = db.session.scalar(select(QaItem).where(QaItem.status == QaStatus.PUBLISHED).order_by(QaItem.number))
    item.answer = item.answer + " Aangevuld."
    db.session.commit()
    after = client.get(qa_url, headers={"If-None-Match": before})
    assert after.status_code == 200 and after.headers["ETag"] != before


def test_any_origin_may_read_without_credentials(app, demo):
    client = app.test_client()
    response = client.get("/api/v1/consultations", headers={"Origin": "https://data.example.nl"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers
    assert "ETag" in response.headers["Access-Control-Expose-Headers"]
    preflight = client.options("/api/v1/consultations", headers={
        "Origin": "https://data.example.nl", "Access-Control-Request-Method": "GET"})
    assert preflight.status_code == 200
    assert sorted(preflight.headers["Access-Control-Allow-Methods"].split(", ")) == ["GET", "HEAD", "OPTIONS"]
    assert client.post("/api/v1/consultations").status_code in (400, 405)  # nothing here changes anything
    # The site's own pages are not opened to other origins.
    assert "Access-Control-Allow-Origin" not in client.get("/consultations", headers={"Origin": "https://x.nl"}).headers


def test_too_many_requests_from_one_address_get_429_with_retry_after(app, demo, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_OPEN_DATA", "3 per minute")
    limiter.reset()
    client = app.test_client()
    assert [client.get("/api/v1").status_code for _ in range(3)] == [200, 200, 200]
    refused, problem = _get(client, "/api/v1/consultations")
    assert refused.status_code == 429 and 1 <= int(refused.headers["Retry-After"]) <= 60
    assert problem["title"] == "Te veel verzoeken"
    other = app.test_client()
    assert other.get("/api/v1", environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code == 200


@pytest.mark.parametrize(("query", "parameter", "dutch", "english"), [
    ("status=concept", "status", "status moet open, closed of published zijn (meerdere gescheiden door komma's).",
     "status must be open, closed or published (several separated by commas)."),
    ("since=1-3-2026", "since", "since moet een datum zijn geschreven als JJJJ-MM-DD, bijvoorbeeld 2026-03-01.",
     "since must be a date written as YYYY-MM-DD, for example 2026-03-01."),
    ("per_page=500", "per_page", "per_page moet een heel getal zijn van 1 tot en met 100.",
     "per_page must be a whole number from 1 to 100."),
    ("page=twee", "page", "page moet een heel getal zijn van 1 tot en met 1000000.",
     "page must be a whole number from 1 to 1000000."),
    ("since=2026-03-02&until=2026-03-01", "until", "until mag niet voor since liggen.",
     "until must not be before since."),
])
def test_a_wrong_parameter_is_named_in_dutch_and_english(app, demo, query, parameter, dutch, english):
    client = app.test_client()
    response, problem = _get(client, f"/api/v1/consultations?{query}")
    assert (response.status_code, response.mimetype) == (400, "application/problem+json")
    assert (problem["parameter"], problem["title"], problem["detail"]) == (parameter, "Een parameter klopt niet", dutch)
    problem = _get(client, f"/api/v1/consultations?{query}&lang=en")[1]
    assert (problem["title"], problem["detail"]) == ("A parameter is not right", english)
    language = _get(client, "/api/v1/consultations?lang=fr")[1]
    assert (language["parameter"], language["detail"]) == ("lang", "Kies de taal nl of en.")


# --- closed consultations ---------------------------------------------------------------------------------

def test_a_consultation_closed_to_invited_organisations_does_not_exist_for_the_api(app, demo):
    _publish_open_consultation(demo["team"])
    consultation = _consultation(OPEN)
    invited = db.session.scalar(select(User).where(User.email == "zorg1@example.org")).memberships[0].organisation
    assert set_access(consultation, invited_only=True, invited=[invited], by=demo["team"]) is True
    db.session.commit()
    client = app.test_client()
    for part in ("", "/qa", "/advice", "/report", "/statistics", "/answers", "/ocds"):
        assert client.get(f"/api/v1/consultations/{OPEN}{part}").status_code == 404
    lists = ["/api/v1/consultations", "/api/v1/woo/documents?per_page=100", "/api/v1/catalogue.jsonld",
             "/woo/sitemap-diwoo-infocat015.xml", "/woo/sitemap-diwoo-infocat010.xml"]
    for url in lists:
        text = client.get(url).get_data(as_text=True)
        assert consultation.title not in text and OPEN not in text, url
    # Logged in as the invited provider makes no difference: the API reads as nobody.
    member = app.test_client()
    assert login(member, "zorg1@example.org", DEMO_PASSWORD).status_code == 302
    assert member.get(f"/api/v1/consultations/{OPEN}").status_code == 404


# --- Woo and DCAT ---------------------------------------------------------------------------------------

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
DIWOO = "{https://standaarden.overheid.nl/diwoo/metadata/}"


def test_the_woo_index_finds_every_published_document_with_its_metadata(app, demo, monkeypatch):
    monkeypatch.setitem(app.config, "WOO_PUBLISHERS",
                        {"Gemeente Leiden": "https://identifier.overheid.nl/tooi/id/gemeente/gm0546"})
    _publish_open_consultation(demo["team"])
    client = app.test_client()
    robots = client.get("/robots.txt").get_data(as_text=True)
    assert robots.splitlines() == ["User-agent: *", "Disallow:", "",
                                   f"Sitemap: {BASE}/woo/sitemapindex-diwoo-infocat010.xml",
                                   f"Sitemap: {BASE}/woo/sitemapindex-diwoo-infocat015.xml"]
    index = ET.fromstring(client.get("/woo/sitemapindex-diwoo-infocat015.xml").data)
    assert [loc.text for loc in index.iter(f"{SITEMAP}loc")] == [f"{BASE}/woo/sitemap-diwoo-infocat015.xml"]
    sitemap = ET.fromstring(client.get("/woo/sitemap-diwoo-infocat015.xml").data)
    urls = sitemap.findall(f"{SITEMAP}url")
    locations = [url.find(f"{SITEMAP}loc").text for url in urls]
    documents = {c.slug: [(d.id, d.current.id) for d in c.documents] for c in map(_consultation, (OPEN, PUBLISHED))}
    expected = []
    for slug in (OPEN, "klankbordronde-wmo-leidse-regio", PUBLISHED):
        consultation = _consultation(slug)
        expected += [f"{BASE}/consultations/{slug}/documents/{d.id}/{d.current.id}" for d in consultation.documents]
        if slug == OPEN:
            expected.append(f"{BASE}/consultations/{slug}/qa/export.pdf")
        if slug in (OPEN, PUBLISHED):
            expected += [f"{BASE}/consultations/{slug}/report.pdf?v=1&lang={lang}" for lang in ("nl", "en")]
    assert sorted(locations) == sorted(expected) and documents
    report = next(url for url in urls if url.find(f"{SITEMAP}loc").text.endswith(f"{PUBLISHED}/report.pdf?v=1&lang=nl"))
    meta = report.find(f"{DIWOO}Document/{DIWOO}DiWoo")
    assert meta.find(f"{DIWOO}publisher").text == "Gemeente Leiden"
    assert meta.find(f"{DIWOO}publisher").get("resource") == "https://identifier.overheid.nl/tooi/id/gemeente/gm0546"
    assert meta.find(f"{DIWOO}titelcollectie/{DIWOO}officieleTitel").text == \
        "Consultatieverslag: Dialoog dagbesteding en kortdurend verblijf 2025"
    category = meta.find(f"{DIWOO}classificatiecollectie/{DIWOO}informatiecategorieen/{DIWOO}informatiecategorie")
    assert (category.text, category.get("resource")) == \
        ("Onderzoeksrapporten", "https://identifier.overheid.nl/tooi/def/thes/kern/c_fdaee95e")
    action = meta.find(f"{DIWOO}documenthandelingen/{DIWOO}documenthandeling/{DIWOO}soortHandeling")
    assert (action.text, action.get("resource")) == ("vaststelling",
                                                     "https://identifier.overheid.nl/tooi/def/thes/kern/c_641ecd76")
    assert meta.find(f"{DIWOO}format").text == "application/pdf"
    # Each listed file is there for anyone (the report's files rendered first, as the job queue would).
    run_committed_jobs()
    for location in locations:
        assert _status(client, location.removeprefix(BASE)) == 200, location
    # The advice with its reply: a document of its own, filed under "adviezen", received and adopted.
    advice = db.session.scalar(select(Advice).where(Advice.status == AdviceStatus.PUBLISHED))
    advice_pdf = f"{BASE}/advice/{advice.id}/export.pdf"
    advice_map = ET.fromstring(client.get("/woo/sitemap-diwoo-infocat010.xml").data)
    assert [url.find(f"{SITEMAP}loc").text for url in advice_map.findall(f"{SITEMAP}url")] == [advice_pdf]
    handlings = advice_map.findall(f".//{DIWOO}soortHandeling")
    assert [h.text for h in handlings] == ["ontvangst", "vaststelling"]
    page = client.get(f"/advice/{advice.id}").get_data(as_text=True)
    assert f'<a class="utrecht-link" href="/advice/{advice.id}/export.pdf">PDF</a>' in page
    text = pdf_text(fetch(client, advice_pdf.removeprefix(BASE)))
    assert "Wij danken de adviesraad." in text and advice.points[0].title in text
    # The same documents through the API.
    body = _get(client, "/api/v1/woo/documents?per_page=100")[1]
    assert sorted(d["identifier"] for d in body["items"] if d["information_category"]["code"] == "infocat015") == \
        sorted(expected)
    assert [d["identifier"] for d in body["items"] if d["information_category"]["code"] == "infocat010"] == \
        [advice_pdf]
    # An instance may file its reports elsewhere.
    monkeypatch.setitem(app.config, "WOO_CATEGORIES", {"report": "infocat002"})
    assert f"{BASE}/woo/sitemapindex-diwoo-infocat002.xml" in client.get("/robots.txt").get_data(as_text=True)
    moved = ET.fromstring(client.get("/woo/sitemap-diwoo-infocat002.xml").data)
    assert len(moved.findall(f"{SITEMAP}url")) == 4
    assert client.get("/woo/sitemap-diwoo-infocat999.xml").status_code == 404


def test_the_dcat_catalogue_lists_the_published_datasets(app, demo):
    client = app.test_client()
    response, catalogue = _get(client, "/api/v1/catalogue.jsonld")
    assert response.mimetype == "application/ld+json"
    assert catalogue["@type"] == "dcat:Catalog"
    assert catalogue["@context"]["dcat"] == "http://www.w3.org/ns/dcat#"
    datasets = catalogue["dcat:dataset"]
    assert [d["dct:identifier"] for d in datasets] == [f"{BASE}/api/v1/consultations",
                                                       f"{BASE}/api/v1/consultations/{PUBLISHED}"]
    published = datasets[1]
    assert published["dct:title"] == _consultation(PUBLISHED).title
    assert [d["dct:title"] for d in published["dcat:distribution"]] == [
        "Openbare antwoorden (CSV)", "Openbare antwoorden (XLSX)", "Openbare antwoorden (API)", "Cijfers (API)",
        "Advies en reactie (API)", "Consultatieverslag, versie 1 (PDF)", "Consultatieverslag, versie 1 (ODT)",
        "Consultatieverslag, versie 1 (DOCX)"]
    csv_distribution = published["dcat:distribution"][0]
    assert csv_distribution["dcat:downloadURL"]["@id"] == f"{BASE}/consultations/{PUBLISHED}/answers.public.csv"
    assert csv_distribution["dct:format"]["@id"] == "http://publications.europa.eu/resource/authority/file-type/CSV"
    run_committed_jobs()  # the published report's files, rendered as the job queue would
    for dataset in datasets:
        for distribution in dataset["dcat:distribution"]:
            assert _status(client, distribution["dcat:accessURL"]["@id"].removeprefix(BASE)) == 200


@pytest.mark.parametrize(("setting", "value", "named"), [
    ("WOO_CATEGORIES", {"report": "infocat999"}, "report: infocat999"),
    ("WOO_CATEGORIES", {"minutes": "infocat008"}, "minutes: infocat008"),
    ("WOO_PUBLISHERS", {"Gemeente Leiden": "gm0546"}, "Gemeente Leiden"),
])
def test_a_woo_setting_that_files_nowhere_stops_the_start(tmp_path, setting, value, named):
    with pytest.raises(RuntimeError, match=named):
        build_app(tmp_path, **{setting: value})


# --- the procurement notice and Open Contracting ---------------------------------------------------------

def _procurement_form(client, slug: str, data: dict):
    page = client.get(f"/consultations/{slug}/manage/procurement")
    assert page.status_code == 200
    return client.post(f"/consultations/{slug}/manage/procurement",
                       data={"csrf_token": csrf_token_from(page.get_data(as_text=True)), **data})


def test_the_team_enters_the_procurement_notice_and_the_open_data_joins_the_tender(app, demo):
    from consult.audit.models import AuditEvent

    editor = app.test_client()
    assert login(editor, "team@example.org", DEMO_PASSWORD).status_code == 302
    package = _get(app.test_client(), f"/api/v1/consultations/{PUBLISHED}/ocds")[1]
    release = package["releases"][0]
    assert (release["ocid"], release["tag"], release["tender"]["status"]) == \
        (f"ocds-consult-{PUBLISHED}", ["planning"], "planning")
    assert release["tender"]["id"] == f"ocds-consult-{PUBLISHED}-tender"
    assert release["planning"]["milestones"] == [{
        "id": "consultation", "title": _consultation(PUBLISHED).title, "type": "engagement",
        "description": _consultation(PUBLISHED).summary, "dueDate": release["planning"]["milestones"][0]["dueDate"],
        "status": "met", "dateMet": release["planning"]["milestones"][0]["dateMet"]}]
    assert [d["id"] for d in release["planning"]["documents"]][-1] == "report-1"
    assert [p["name"] for p in release["parties"]] == [m.name for m in _consultation(PUBLISHED).municipalities]
    # A wrong notice: named in Dutch, what was typed stays, nothing saved.
    wrong = _procurement_form(editor, PUBLISHED, {"procurement_notice": "412345",
                                                  "procurement_notice_url": "http://tenderned.nl/412345"})
    assert wrong.status_code == 200
    page = wrong.get_data(as_text=True)
    assert page.count("Vul het hele adres in, beginnend met https://.") == 2  # once in the summary, once at the field
    assert 'value="http://tenderned.nl/412345"' in page and 'aria-invalid="true"' in page
    assert _consultation(PUBLISHED).procurement_notice == ""
    saved = _procurement_form(editor, PUBLISHED, {"procurement_notice": "412345",
                                                  "procurement_notice_url": "https://www.tenderned.nl/412345"})
    assert saved.status_code == 302
    consultation = _consultation(PUBLISHED)
    assert (consultation.procurement_notice, consultation.procurement_notice_url) == \
        ("412345", "https://www.tenderned.nl/412345")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "procurement_notice_set"))
    assert event.detail == {"notice": "412345", "url": "https://www.tenderned.nl/412345"}
    public = app.test_client().get(f"/consultations/{PUBLISHED}").get_data(as_text=True)
    assert '<h2 id="tender-title" class="utrecht-heading-2">De aanbesteding</h2>' in public
    assert ('<a class="utrecht-link" href="https://www.tenderned.nl/412345" rel="noopener">Lees aankondiging 412345 op '
            'www.tenderned.nl</a>') in public
    release = _get(app.test_client(), f"/api/v1/consultations/{PUBLISHED}/ocds")[1]["releases"][0]
    assert (release["tender"]["id"], release["tender"]["status"]) == ("412345", "active")
    assert release["tender"]["documents"] == [{"id": "notice", "documentType": "tenderNotice",
                                              "title": "Aankondiging 412345", "url": "https://www.tenderned.nl/412345"}]
    detail = _get(app.test_client(), f"/api/v1/consultations/{PUBLISHED}")[1]
    assert detail["procurement_notice"] == {"number": "412345", "url": "https://www.tenderned.nl/412345"}
    # An analyst of the team does not enter it; an unchanged save records nothing.
    analyst = make_user("analist@example.org", name="Ana List")
    add_team(consultation, {analyst: TeamRole.ANALYST})
    other = app.test_client()
    sign_in(other, analyst)
    assert other.get(f"/consultations/{PUBLISHED}/manage/procurement").status_code == 403
    assert _procurement_form(editor, PUBLISHED, {"procurement_notice": "412345",
                                                 "procurement_notice_url": "https://www.tenderned.nl/412345"}
                             ).status_code == 302
    assert len(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "procurement_notice_set")).all()) == 1
    # A number alone is refused with an address but without a number; emptying both clears it.
    refused = _procurement_form(editor, PUBLISHED, {"procurement_notice": "", "procurement_notice_url": "https://x.nl/1"})
    assert "Vul ook het nummer van de aankondiging in." in refused.get_data(as_text=True)
    assert _procurement_form(editor, PUBLISHED, {"procurement_notice": "", "procurement_notice_url": ""}).status_code == 302
    assert _consultation(PUBLISHED).procurement_notice == ""
    assert "tender-title" not in app.test_client().get(f"/consultations/{PUBLISHED}").get_data(as_text=True)
    assert _get(app.test_client(), f"/api/v1/consultations/{PUBLISHED}")[1]["procurement_notice"] is None
    # Entered while the consultation is still open, the public page shows it too (number only: no address).
    assert _procurement_form(editor, OPEN, {"procurement_notice": "2027/S 012-034567", "procurement_notice_url": ""}
                             ).status_code == 302
    open_page = app.test_client().get(f"/consultations/{OPEN}").get_data(as_text=True)
    assert "Nummer van de aankondiging: 2027/S 012-034567." in open_page


def test_a_draft_does_not_exist_for_the_api(app, demo):
    from tests.test_consultations import make_consultation

    draft = make_consultation(Status.DRAFT)
    draft.title = "Conceptconsultatie-" + draft.slug
    db.session.commit()
    client = app.test_client()
    for part in ("", "/qa", "/advice", "/report", "/statistics", "/answers", "/ocds"):
        assert client.get(f"/api/v1/consultations/{draft.slug}{part}").status_code == 404, part
    for url in ("/api/v1/consultations?per_page=100", "/api/v1/woo/documents?per_page=100", "/api/v1/catalogue.jsonld",
                "/woo/sitemap-diwoo-infocat015.xml", "/woo/sitemap-diwoo-infocat010.xml"):
        text = client.get(url).get_data(as_text=True)
        assert draft.slug not in text and draft.title not in text, url
    # Its team reads it on the site, not through the API.
    team = app.test_client()
    assert login(team, "team@example.org", DEMO_PASSWORD).status_code == 302
    assert team.get(f"/api/v1/consultations/{draft.slug}").status_code == 404
