"""The open data API's routes: JSON under /api/v1 (read-only, paged, cacheable, open to any origin), its
OpenAPI document and readable page, the DCAT-AP catalogue, and the Woo sitemaps with robots.txt.

Every answer is built in the language asked for (``lang``: nl, the default, or en), carries an ETag
(the hash of its body) and, where the data has one, Last-Modified, so a harvester that asks again
with If-None-Match or If-Modified-Since gets 304 without the body. Bad parameters get a problem
document (RFC 9457) with a message in the language asked for, never a 500.
"""
from __future__ import annotations

import hashlib
import json
from datetime import date, datetime

from flask import Response, abort, current_app, g, render_template, request, url_for
from flask_babel import force_locale, ngettext
from flask_babel import lazy_gettext as _l
from flask_cors import CORS

from consult.api import bp, dcat, public, spec, woo
from consult.consultations.models import Consultation, Status
from consult.core.limits import RULES, Throttled, check_all, retry_after_seconds

PREFIX = "/api/v1"
MAX_AGE = 60  # seconds a client or cache may reuse an answer before asking again (with its ETag)

# Any origin may read (GET) the open data; nothing here uses cookies or changes anything.
CORS(bp, resources={f"{PREFIX}/*": {"origins": "*"}, "/woo/*": {"origins": "*"}}, methods=["GET", "HEAD", "OPTIONS"],
     supports_credentials=False, send_wildcard=True, vary_header=False, max_age=86400,
     expose_headers=["ETag", "Last-Modified", "Link", "Retry-After"])


@bp.record_once
def _check_configuration(state) -> None:
    woo.check_configuration(state.app.config)


class BadParameter(Exception):
    def __init__(self, name: str, message):
        super().__init__(message)
        self.name = name
        self.message = message


def _language() -> str:
    """The language asked for (``lang``); a wrong one is refused (in Dutch)."""
    if request.args.get("lang", "nl") not in current_app.config["LANGUAGES"]:
        raise BadParameter("lang", _l("Choose the language nl or en."))
    return g.api_language


@bp.before_request
def _start():
    """The language of the answer (also of a refusal), and every request counts towards the open data
    limit of its address."""
    asked = request.args.get("lang", "nl")
    g.api_language = asked if asked in current_app.config["LANGUAGES"] else "nl"
    try:
        check_all(("open_data",), scope="api")
    except Throttled as error:
        result = problem(429, _l("Too many requests"),
                         _l("There were too many requests from your address in a short time. Try again later."))
        result.headers["Retry-After"] = str(retry_after_seconds(error.retry_at))
        return result
    return None


@bp.errorhandler(BadParameter)
def _bad_parameter(error: BadParameter):
    return problem(400, _l("A parameter is not right"), error.message, parameter=error.name)


def problem(status: int, title, detail, **extra) -> Response:
    """A problem document (RFC 9457) in the answer's language."""
    with force_locale(g.get("api_language", "nl")):
        body = json.dumps({"type": "about:blank", "title": str(title), "status": status, "detail": str(detail),
                           **extra}, ensure_ascii=False)
    result = Response(body, status=status, mimetype="application/problem+json")
    result.headers["Cache-Control"] = "no-store"
    return result


def _not_found() -> Response:
    return problem(404, _l("Not found"), _l("There is no public consultation or document at this address."))


def answer(body, *, modified: datetime | None = None, mimetype: str = "application/json",
           links: dict[str, str] | None = None) -> Response:
    """The body as JSON (or as given, for XML and text) with ETag, Last-Modified (only where the data's
    date marks every change of the body: a published version) and a short max-age, answered 304 when the
    client's copy is still the same. Shared caches may keep it unless the request carried a cookie (a
    logged-in browser: its answer may carry a renewed session cookie)."""
    data = body if isinstance(body, bytes | str) else json.dumps(body, ensure_ascii=False, indent=1)
    result = Response(data, mimetype=mimetype)
    result.set_etag(hashlib.sha256(result.get_data()).hexdigest()[:32])
    if modified is not None:
        result.last_modified = modified.replace(microsecond=0)
    result.headers["Cache-Control"] = f"{'private' if request.cookies else 'public'}, max-age={MAX_AGE}"
    if links:
        result.headers["Link"] = ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links.items())
    return result.make_conditional(request)


def _int(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not (raw.isascii() and raw.isdigit()) or not low <= int(raw) <= high:
        raise BadParameter(name, _l("%(name)s must be a whole number from %(low)s to %(high)s.",
                                   name=name, low=low, high=high))
    return int(raw)


def _day(name: str) -> date | None:
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise BadParameter(name, _l("%(name)s must be a date written as YYYY-MM-DD, for example 2026-03-01.",
                                   name=name)) from None


def _statuses() -> tuple[Status, ...]:
    raw = request.args.get("status", "")
    chosen = []
    for word in filter(None, (part.strip() for part in raw.split(","))):
        if word not in {status.value for status in public.PUBLIC_STATUSES}:
            raise BadParameter("status", _l("status must be open, closed or published (several separated by commas)."))
        chosen.append(Status(word))
    return tuple(chosen)


def _page_links(endpoint: str, page: int, pages: int, **args) -> dict[str, str]:
    def at(number: int) -> str:
        return url_for(endpoint, _external=True, **{**args, "page": number})

    links = {"self": at(page), "first": at(1), "last": at(max(pages, 1))}
    if page > 1:
        links["prev"] = at(page - 1)
    if page < pages:
        links["next"] = at(page + 1)
    return links


def _load(slug: str, *options) -> Consultation:
    consultation = public.load_public(slug, *options)
    if consultation is None:
        abort(_not_found())
    return consultation


# --- the API -----------------------------------------------------------------------------------------

@bp.route(PREFIX, strict_slashes=False)
def index():
    return answer({
        "title": "Consult open data API",
        "version": spec.VERSION,
        "links": {
            "consultations": url_for("api.consultations", _external=True),
            "woo_documents": url_for("api.woo_documents", _external=True),
            "catalogue": url_for("api.catalogue", _external=True),
            "openapi": url_for("api.openapi", _external=True),
            "documentation": url_for("api.docs", _external=True),
        },
    })


@bp.route(f"{PREFIX}/openapi.json")
def openapi():
    with force_locale(_language()):
        return answer(spec.document(), mimetype="application/vnd.oai.openapi+json")


@bp.route(f"{PREFIX}/docs")
def docs():
    """The OpenAPI document as a page people can read (no script, no third-party viewer)."""
    return render_template("api/docs.html", spec=spec.document(), operations=spec.operations(), limit=_limit_text())


def _limit_text() -> str:
    """The open data limit in words ("300 times a minute")."""
    from limits import parse

    item = parse(RULES["open_data"].value("open_data"))
    if item.GRANULARITY.name == "minute" and item.multiples == 1:
        return ngettext("%(num)d time a minute", "%(num)d times a minute", item.amount)
    if item.GRANULARITY.name == "hour" and item.multiples == 1:
        return ngettext("%(num)d time an hour", "%(num)d times an hour", item.amount)
    return str(item)


@bp.route(f"{PREFIX}/consultations")
def consultations():
    language = _language()
    filters = public.ListFilter(statuses=_statuses(), since=_day("since"), until=_day("until"))
    if filters.since and filters.until and filters.since > filters.until:
        raise BadParameter("until", _l("until must not be before since."))
    per_page = _int("per_page", 20, 1, public.MAX_PER_PAGE)
    page = _int("page", 1, 1, 1_000_000)
    with force_locale(language):
        result = public.consultation_page(filters, page, per_page)
        items = [public.consultation_item(consultation) for consultation in result.items]
    args = {key: value for key, value in request.args.items() if key != "page"}
    links = _page_links("api.consultations", page, result.pages or 1, **args)
    return answer({"items": items, "page": page, "per_page": per_page, "total": result.total,
                   "pages": result.pages or 1, "links": links}, links=links)


@bp.route(f"{PREFIX}/consultations/<slug>")
def consultation(slug: str):
    language = _language()
    found = _load(slug, *public.DETAIL)
    with force_locale(language):
        body = public.consultation_detail(found)
    return answer(body)


@bp.route(f"{PREFIX}/consultations/<slug>/qa")
def qa(slug: str):
    language = _language()
    per_page = _int("per_page", 20, 1, public.MAX_PER_PAGE)
    page = _int("page", 1, 1, 1_000_000)
    found = _load(slug)
    with force_locale(language):
        items, shown_page, pages, total = public.qa_page(found, page, per_page)
    args = {key: value for key, value in request.args.items() if key != "page"}
    links = _page_links("api.qa", shown_page, pages, slug=slug, **args)
    return answer({"consultation": url_for("api.consultation", slug=slug, _external=True), "items": items,
                   "page": shown_page, "per_page": per_page, "total": total, "pages": pages, "links": links},
                  links=links)


@bp.route(f"{PREFIX}/consultations/<slug>/advice")
def advice(slug: str):
    language = _language()
    found = _load(slug)
    with force_locale(language):
        items = [{**item, "woo": document.metadata()} for item, document in woo.advice_documents(found)]
    return answer({"consultation": url_for("api.consultation", slug=slug, _external=True), "items": items})


def _published(slug: str):
    found = _load(slug)
    report = public.published_report(found)
    if report is None:
        abort(problem(404, _l("Not published yet"), _l("This consultation's report has not been published.")))
    return found, report


def _report_language(report, language: str) -> str:
    if language not in report.published:
        raise BadParameter("lang", _l("The report was not published in this language."))
    return language


@bp.route(f"{PREFIX}/consultations/<slug>/report")
def report(slug: str):
    language = _language()
    found, published = _published(slug)
    language = _report_language(published, language)
    with force_locale(language):
        body = public.report_body(found, published, language)
        body["woo"] = [document.metadata() for document in woo.documents_of(found)
                       if document.kind == "report" and document.language == language][0]
    return answer(body, modified=published.published_at)


@bp.route(f"{PREFIX}/consultations/<slug>/statistics")
def statistics(slug: str):
    language = _language()
    found, published = _published(slug)
    language = _report_language(published, language)
    return answer({"consultation": url_for("api.consultation", slug=slug, _external=True),
                   "report_version": published.version, "language": language,
                   "figures": public.figures(published, language)}, modified=published.published_at)


@bp.route(f"{PREFIX}/consultations/<slug>/answers")
def answers(slug: str):
    language = _language()
    per_page = _int("per_page", 100, 1, public.ANSWERS_MAX_PER_PAGE)
    page = _int("page", 1, 1, 1_000_000)
    found, published = _published(slug)
    with force_locale(language):
        columns, rows, more = public.answer_page(found, page, per_page)
    args = {key: value for key, value in request.args.items() if key != "page"}
    links = {"self": url_for("api.answers", slug=slug, page=page, _external=True, **args),
             "first": url_for("api.answers", slug=slug, page=1, _external=True, **args),
             "csv": url_for("reports.answers", slug=slug, variant="public", fmt="csv", _external=True)}
    if page > 1:
        links["prev"] = url_for("api.answers", slug=slug, page=page - 1, _external=True, **args)
    if more:
        links["next"] = url_for("api.answers", slug=slug, page=page + 1, _external=True, **args)
    return answer({"consultation": url_for("api.consultation", slug=slug, _external=True), "columns": columns,
                   "items": rows, "page": page, "per_page": per_page, "links": links},
                  modified=published.published_at, links={k: v for k, v in links.items() if k != "csv"})


@bp.route(f"{PREFIX}/consultations/<slug>/ocds")
def ocds(slug: str):
    """The consultation as an Open Contracting planning release (OCDS 1.1 release package)."""
    found = _load(slug)
    return answer(public.ocds_package(found))


@bp.route(f"{PREFIX}/woo/documents")
def woo_documents():
    language = _language()
    per_page = _int("per_page", 50, 1, public.MAX_PER_PAGE)
    page = _int("page", 1, 1, 1_000_000)
    with force_locale(language):
        documents = woo.all_documents()
    total = len(documents)
    pages = max((total + per_page - 1) // per_page, 1)
    shown = documents[(page - 1) * per_page:page * per_page]
    args = {key: value for key, value in request.args.items() if key != "page"}
    links = _page_links("api.woo_documents", page, pages, **args)
    return answer({"items": [document.metadata() for document in shown], "page": page, "per_page": per_page,
                   "total": total, "pages": pages, "links": links}, links=links)


@bp.route(f"{PREFIX}/catalogue.jsonld")
def catalogue():
    return answer(dcat.catalogue(), mimetype="application/ld+json")


# --- Woo harvesting ----------------------------------------------------------------------------------

def _code(code: str) -> str:
    if code not in woo.used_categories():
        abort(404)
    return code


@bp.route("/woo/sitemapindex-diwoo-<code>.xml")
def woo_sitemap_index(code: str):
    return answer(woo.sitemap_index(_code(code)), mimetype="application/xml")


@bp.route("/woo/sitemap-diwoo-<code>.xml")
def woo_sitemap(code: str):
    documents = woo.all_documents()
    return answer(woo.sitemap(_code(code), documents), mimetype="application/xml")


@bp.route("/robots.txt")
def robots():
    return answer(woo.robots_txt(), mimetype="text/plain")
