"""What the open data API shows, read as an anonymous visitor reads the public pages.

Every function here takes its data through the features' own services and the disclosure gate with
``VIEWER`` (nobody logged in) and ``Audience.PUBLIC``; none decides on its own what is public. The
results are plain dictionaries, in the shape the OpenAPI document (``consult.api.spec``) describes.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import islice

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import AnonymousUserMixin
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from consult.advice.services import published_advices
from consult.consultations.models import Consultation, Document, Status, Theme
from consult.consultations.permissions import can_view_consultation
from consult.core.documents import EXPORTERS
from consult.disclosure.advice import may_show_advice, may_show_reply
from consult.disclosure.qa import published_items_filter
from consult.extensions import db
from consult.qa.models import QaItem
from consult.qa.services import published_count, published_page
from consult.reports.models import Report
from consult.reports.permissions import can_read_report

# The one reader of everything in this package: nobody logged in.
VIEWER = AnonymousUserMixin()

# The statuses a public consultation can have (a draft is never public).
PUBLIC_STATUSES = (Status.OPEN, Status.CLOSED, Status.PUBLISHED)
MAX_PER_PAGE = 100
ANSWERS_MAX_PER_PAGE = 1000


def iso(moment: datetime | date | None) -> str | None:
    """A moment as ISO 8601 in UTC with "Z"; a day as YYYY-MM-DD."""
    if moment is None:
        return None
    if isinstance(moment, datetime):
        return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return moment.isoformat()


def latest(*moments: datetime | None) -> datetime | None:
    present = [m for m in moments if m is not None]
    return max(present) if present else None


# --- consultations ---------------------------------------------------------------------------------

def public_consultations_query():
    """The consultations anyone may read (``can_view_consultation`` for nobody, in SQL): not a draft
    and not closed to invited organisations."""
    return select(Consultation).where(Consultation.status.in_(PUBLIC_STATUSES), Consultation.invited_only.is_(False))


@dataclass(frozen=True)
class ListFilter:
    statuses: tuple[Status, ...] = ()
    since: date | None = None   # period (opening to deadline) ends on or after this day
    until: date | None = None   # period starts on or before this day


def consultation_page(filters: ListFilter, page: int, per_page: int):
    """One page of the public consultations, newest deadline first, as Flask-SQLAlchemy's Pagination."""
    query = public_consultations_query()
    if filters.statuses:
        query = query.where(Consultation.status.in_(filters.statuses))
    if filters.since is not None:
        start = datetime.combine(filters.since, datetime.min.time(), tzinfo=UTC)
        query = query.where(or_(Consultation.closes_at.is_(None), Consultation.closes_at >= start))
    if filters.until is not None:
        end = datetime.combine(filters.until, datetime.max.time(), tzinfo=UTC)
        query = query.where(or_(Consultation.opens_at.is_(None), Consultation.opens_at <= end))
    query = query.options(selectinload(Consultation.municipalities), selectinload(Consultation.phases),
                          selectinload(Consultation.documents).selectinload(Document.versions),
                          selectinload(Consultation.lots)) \
        .order_by(Consultation.closes_at.desc(), Consultation.id.desc())
    return db.paginate(query, page=page, per_page=per_page, error_out=False, count=True)


def load_public(slug: str, *options) -> Consultation | None:
    """The consultation with this slug if anyone may read it (None otherwise, as for one that does not exist)."""
    consultation = db.session.scalar(select(Consultation).where(Consultation.slug == slug).options(
        selectinload(Consultation.municipalities), selectinload(Consultation.team), *options))
    if consultation is None or not can_view_consultation(VIEWER, consultation):
        return None
    return consultation


def _report_of(consultation: Consultation) -> Report | None:
    """The published report, if the public may read it."""
    if not can_read_report(VIEWER, consultation):
        return None
    report = db.session.scalar(select(Report).where(Report.consultation_id == consultation.id))
    return report if report is not None and report.published else None


def consultation_links(consultation: Consultation) -> dict[str, str]:
    slug = consultation.slug
    links = {
        "self": url_for("api.consultation", slug=slug, _external=True),
        "html": url_for("consultations.show", slug=slug, _external=True),
        "qa": url_for("api.qa", slug=slug, _external=True),
        "ocds": url_for("api.ocds", slug=slug, _external=True),
    }
    if consultation.status == Status.PUBLISHED:
        links |= {
            "advice": url_for("api.advice", slug=slug, _external=True),
            "report": url_for("api.report", slug=slug, _external=True),
            "answers": url_for("api.answers", slug=slug, _external=True),
            "statistics": url_for("api.statistics", slug=slug, _external=True),
            "answers_csv": url_for("reports.answers", slug=slug, variant="public", fmt="csv", _external=True),
        }
    return links


def document_item(consultation: Consultation, document: Document) -> dict:
    current = document.current
    return {
        "title": document.title,
        "description": document.description,
        "version": len(document.versions),
        "uploaded_at": iso(current.uploaded_at),
        "file": {
            "url": url_for("consultations.download", slug=consultation.slug, document_id=document.id,
                           version_id=current.id, _external=True),
            "name": current.original_name,
            "format": current.file_type,
            "size": current.size,
            "sha256": current.sha256,
        },
    }


def consultation_item(consultation: Consultation) -> dict:
    """A consultation as the list shows it: what, who, when, its status, planning and documents."""
    return {
        "slug": consultation.slug,
        "title": consultation.title,
        "summary": consultation.summary,
        "status": consultation.status.value,
        "status_label": consultation.status.label,
        "opens_at": iso(consultation.opens_at),
        "closes_at": iso(consultation.closes_at),
        "published_at": iso(consultation.published_at),
        "closed_at": iso(consultation.closed_at),
        "municipalities": [organisation.name for organisation in consultation.municipalities],
        "lots": [{"name": lot.name, "description": lot.description} for lot in consultation.lots],
        "planning": [{"name": phase.name, "description": phase.description, "starts_on": iso(phase.starts_on),
                      "ends_on": iso(phase.ends_on)} for phase in consultation.phases],
        "documents": [document_item(consultation, document) for document in consultation.documents
                      if document.versions],
        "procurement_notice": ({"number": consultation.procurement_notice, "url": consultation.procurement_notice_url or None}
                               if consultation.procurement_notice else None),
        "links": consultation_links(consultation),
    }


# What the detail shows, loaded with the consultation.
DETAIL = (selectinload(Consultation.phases), selectinload(Consultation.lots),
          selectinload(Consultation.documents).selectinload(Document.versions),
          selectinload(Consultation.themes).selectinload(Theme.questions))


def consultation_detail(consultation: Consultation) -> dict:
    """A consultation with its introduction, principles, contact and questionnaire (as its public page)."""
    themes = consultation.themes  # loaded with their questions, in order (DETAIL)
    report = _report_of(consultation)
    return {
        **consultation_item(consultation),
        "introduction": consultation.introduction,
        "principles": list(consultation.principles or []),
        "contact": {"name": consultation.contact_name, "email": consultation.contact_email,
                    "phone": consultation.contact_phone},
        "themes": [{
            "number": number,
            "title": theme.title,
            "introduction": theme.introduction,
            "questions": [{"number": f"{number}.{n}", "text": question.text, "kind": question.kind.value,
                           "help": question.help_text, "options": list(question.options or []),
                           "unit": question.unit, "required": question.required}
                          for n, question in enumerate(theme.questions, start=1)],
        } for number, theme in enumerate(themes, start=1)],
        "published_qa": published_count(consultation),
        "report_version": report.version if report is not None else None,
    }


def consultation_modified(consultation: Consultation) -> datetime | None:
    """When anything the consultation's public description shows last changed (for Last-Modified)."""
    uploads = [version.uploaded_at for document in consultation.documents for version in document.versions]
    report = _report_of(consultation)
    qa = db.session.scalar(select(func.max(QaItem.published_at)).where(
        QaItem.consultation_id == consultation.id, published_items_filter(QaItem)))
    return latest(consultation.created_at, consultation.published_at, consultation.closed_at, *uploads,
                  report.published_at if report is not None else None, qa)


# --- Q&A and advice ----------------------------------------------------------------------------------

def qa_page(consultation: Consultation, page: int, per_page: int) -> tuple[list[dict], int, int, int]:
    """One page of the published Q&A (nothing about who asked): items, page, pages, total."""
    items, page, pages = published_page(consultation, page=page, per_page=per_page)
    total = published_count(consultation)
    return [{
        "number": item.number,
        "theme": item.theme.title if item.theme is not None else None,
        "lot": item.lot.name if item.lot is not None else None,
        "question": item.question,
        "answer": item.answer,
        "published_at": iso(item.published_at),
    } for item in items], page, pages, total


def qa_modified(consultation: Consultation) -> datetime | None:
    return db.session.scalar(select(func.max(QaItem.published_at)).where(
        QaItem.consultation_id == consultation.id, published_items_filter(QaItem)))


def advice_items(consultation: Consultation) -> list[dict]:
    """The councils' published advice with the municipality's reply per point, each only where the
    gate lets the public see it (once the consultation report is published)."""
    shown = []
    for advice in published_advices(consultation):
        if not may_show_advice(advice, VIEWER):
            continue
        reply = may_show_reply(advice, VIEWER)
        shown.append({
            "council": advice.council.name,
            "document": url_for("advice.export", advice_id=advice.id, fmt="pdf", _external=True),
            "question": advice.request.question,
            "submitted_at": iso(advice.submitted_at),
            "published_at": iso(advice.published_at),
            "introduction": advice.introduction,
            "reply": advice.reply_introduction if reply else None,
            "points": [{
                "number": number,
                "title": point.title,
                "body": point.body,
                "disposition": point.disposition.value if reply and point.disposition else None,
                "disposition_label": point.disposition.label if reply and point.disposition else None,
                "reply": point.reply if reply else None,
            } for number, point in enumerate(advice.points, start=1)],
        })
    return shown


# --- the published report ---------------------------------------------------------------------------

def report_languages(report: Report) -> list[str]:
    return list(report.published or {})


def report_language(report: Report) -> str:
    """The language a link to "the" report names: Dutch where it was published in Dutch."""
    return "nl" if "nl" in (report.published or {}) else next(iter(report.published))


def report_files(consultation: Consultation, report: Report, language: str) -> list[dict]:
    """The published version's files in ``language``, under addresses that name the version (kept for a
    year by caches), of the whole consultation and of each lot it has a report of."""
    files = []
    lots = {str(lot.id): lot for lot in consultation.lots}
    for lot_key in ["0", *sorted(report.published_lots or {}, key=int)]:
        if lot_key != "0" and language not in (report.published_lots or {}).get(lot_key, {}):
            continue
        for fmt, exporter in EXPORTERS.items():
            args = {"slug": consultation.slug, "fmt": fmt, "v": report.version, "lang": language}
            if lot_key != "0":
                args["lot"] = int(lot_key)
            files.append({"format": fmt, "media_type": exporter.content_type, "language": language,
                          "lot": lots[lot_key].name if lot_key in lots else None,
                          "url": url_for("reports.download", _external=True, **args)})
    return files


def sections(blocks: list[dict]) -> list[dict]:
    """The report's blocks grouped under their section headings (level 2)."""
    grouped: list[dict] = []
    for block in blocks:
        if block["type"] == "heading" and block.get("level", 2) <= 2:
            grouped.append({"title": block["text"], "blocks": []})
        elif grouped:
            grouped[-1]["blocks"].append(block)
        else:
            grouped.append({"title": "", "blocks": [block]})
    return grouped


def report_body(consultation: Consultation, report: Report, language: str) -> dict:
    model = report.published_model(language)
    return {
        "version": report.version,
        "published_at": iso(report.published_at),
        "language": language,
        "languages": report_languages(report),
        "title": model["title"],
        "subtitle": model["subtitle"],
        "files": report_files(consultation, report, language),
        "sections": sections(model["blocks"]),
        "links": {
            "self": url_for("api.report", slug=consultation.slug, lang=language, _external=True),
            "html": url_for("reports.show", slug=consultation.slug, lang=language, _external=True),
            "consultation": url_for("api.consultation", slug=consultation.slug, _external=True),
            "statistics": url_for("api.statistics", slug=consultation.slug, lang=language, _external=True),
            "answers": url_for("api.answers", slug=consultation.slug, _external=True),
            **{f"alternate_{other}": url_for("api.report", slug=consultation.slug, lang=other, _external=True)
               for other in report_languages(report) if other != language},
        },
    }


def figures(report: Report, language: str) -> list[dict]:
    """The published figures: the report's annex of figures exactly as published (tables, and the
    sentences that say why a figure is not shown)."""
    model = report.published_model(language)
    with force_locale(language):
        title, too_few = _("Annex: figures"), ": " + _("too few responses to show.")
    annex = next((s for s in sections(model["blocks"]) if s["title"] == title), None)
    if annex is None:
        return []
    shown = []
    for block in annex["blocks"]:
        if block["type"] == "table":
            shown.append({"caption": block.get("caption", ""), "columns": block["columns"], "rows": block["rows"],
                          "note": None})
        elif block["type"] == "paragraph":
            # "<caption>: too few responses to show." or "<caption> — <why the figures are not shown>"
            text = block["text"]
            if text.endswith(too_few):
                shown.append({"caption": text.removesuffix(too_few), "columns": [], "rows": [],
                              "note": too_few.removeprefix(": ")})
            elif " — " in text:
                caption, _sep, note = text.rpartition(" — ")
                shown.append({"caption": caption, "columns": [], "rows": [], "note": note})
    return shown


def published_report(consultation: Consultation) -> Report | None:
    return _report_of(consultation)


# --- answers ---------------------------------------------------------------------------------------

def answer_rows(consultation: Consultation) -> tuple[list[str], Iterator[list[str]]]:
    """The public answers exactly as the public CSV has them: its header and its rows (without the
    spreadsheet escaping, which is the CSV's own)."""
    from consult.reports.data import columns, rows

    return columns("public", bool(consultation.lots)), rows(consultation, "public", cell=str)


ANSWER_KEYS = ["organisation", "organisation_kind", "theme", "question_number", "question", "answer",
               "submitted_at", "revision"]


def answer_keys(consultation: Consultation) -> list[str]:
    """The rows' keys in the order of the CSV's columns (with lots: where the question was asked)."""
    keys = list(ANSWER_KEYS)
    if consultation.lots:
        keys.insert(5, "asked_for")
    return keys


def answer_page(consultation: Consultation, page: int, per_page: int) -> tuple[dict[str, str], list[dict], bool]:
    """One page of the public answers: the columns (key -> the CSV's heading), the rows as objects, and
    whether there is a next page. The rows are read in order up to the page (never kept all at once)."""
    header, all_rows = answer_rows(consultation)
    keys = answer_keys(consultation)
    chosen = list(islice(all_rows, (page - 1) * per_page, page * per_page + 1))
    more = len(chosen) > per_page
    return dict(zip(keys, header, strict=True)), [dict(zip(keys, row, strict=True)) for row in chosen[:per_page]], more


# --- Open Contracting --------------------------------------------------------------------------------

def ocds_package(consultation: Consultation) -> dict:
    """The consultation as an Open Contracting (OCDS 1.1) planning release in a release package: the market
    consultation is the planning stage of a contracting process, its documents and report are market
    studies, its period an engagement milestone, and the tender it prepared carries the notice number the
    team entered, so the consultation and the later tender can be joined."""
    prefix = current_app.config["OCDS_PREFIX"]
    ocid = f"{prefix}-{consultation.slug}"
    report = _report_of(consultation)
    modified = consultation_modified(consultation) or consultation.created_at
    buyers = [{"id": f"{ocid}-buyer-{n}", "name": organisation.name, "roles": ["buyer", "procuringEntity"]}
              for n, organisation in enumerate(consultation.municipalities, start=1)]
    documents = [{"id": f"document-{document.id}-{document.current.id}", "documentType": "marketStudies",
                  "title": document.title, "description": document.description,
                  "url": url_for("consultations.download", slug=consultation.slug, document_id=document.id,
                                 version_id=document.current.id, _external=True),
                  "datePublished": iso(document.current.uploaded_at), "language": "nl"}
                 for document in consultation.documents if document.versions]
    if report is not None:
        language = report_language(report)
        documents.append({"id": f"report-{report.version}", "documentType": "marketStudies",
                          "title": report.published_model(language)["title"],
                          "url": url_for("reports.download", slug=consultation.slug, fmt="pdf", v=report.version,
                                         lang=language, _external=True),
                          "datePublished": iso(report.published_at), "format": "application/pdf",
                          "language": language})
    milestone = {"id": "consultation", "title": consultation.title, "type": "engagement",
                 "description": consultation.summary, "dueDate": iso(consultation.closes_at),
                 "status": "met" if consultation.status.is_closed else "scheduled"}
    if consultation.closed_at is not None:
        milestone["dateMet"] = iso(consultation.closed_at)
    tender = {"id": consultation.procurement_notice or f"{ocid}-tender", "title": consultation.title,
              "status": "active" if consultation.procurement_notice else "planning",
              "procuringEntity": {"id": buyers[0]["id"], "name": buyers[0]["name"]} if buyers else None}
    if consultation.procurement_notice_url:
        tender["documents"] = [{"id": "notice", "documentType": "tenderNotice",
                                "title": f"Aankondiging {consultation.procurement_notice}",
                                "url": consultation.procurement_notice_url}]
    release = {
        "ocid": ocid,
        "id": f"{ocid}-planning-{int(modified.timestamp())}",
        "date": iso(modified),
        "tag": ["planning"],
        "initiationType": "tender",
        "language": "nl",
        "parties": buyers,
        "buyer": {"id": buyers[0]["id"], "name": buyers[0]["name"]} if buyers else None,
        "planning": {"rationale": consultation.summary, "documents": documents, "milestones": [milestone]},
        "tender": {key: value for key, value in tender.items() if value is not None},
    }
    return {
        "uri": url_for("api.ocds", slug=consultation.slug, _external=True),
        "version": "1.1",
        "publishedDate": iso(modified),
        "publisher": {"name": current_app.config.get("SITE_NAME", "Consult")},
        "license": current_app.config["OPEN_DATA_LICENSE"],
        "releases": [{key: value for key, value in release.items() if value is not None}],
    }
