"""The open data catalogue in DCAT-AP (JSON-LD), so national data portals (data.overheid.nl) can harvest
the public datasets: the list of consultations, and per consultation with a published report its
public answers, its figures, its Q&A and the report itself. Only what the public pages show is listed
(``consult.api.public``)."""
from __future__ import annotations

from flask import current_app, url_for
from sqlalchemy.orm import selectinload

from consult.api.public import (
    consultation_modified,
    iso,
    public_consultations_query,
    published_report,
    report_language,
)
from consult.consultations.models import Consultation, Document, Status
from consult.core.documents import CONTENT_TYPES
from consult.extensions import db
from consult.qa.services import published_count

CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "dct:issued": {"@type": "xsd:dateTime"},
    "dct:modified": {"@type": "xsd:dateTime"},
}
EU = "http://publications.europa.eu/resource/authority/"
IANA = "https://www.iana.org/assignments/media-types/"
FILE_TYPES = {"csv": "CSV", "xlsx": "XLSX", "json": "JSON", "pdf": "PDF", "odt": "ODT", "docx": "DOCX"}
MEDIA_TYPES = {**CONTENT_TYPES, "csv": "text/csv", "json": "application/json",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
DUTCH = EU + "language/NLD"
# Government and public sector; population and society (EU data themes).
THEMES = [{"@id": EU + "data-theme/GOVE"}, {"@id": EU + "data-theme/SOCI"}]


def _license() -> dict:
    return {"@id": current_app.config.get("OPEN_DATA_LICENSE", "http://creativecommons.org/publicdomain/zero/1.0/")}


def _distribution(title: str, url: str, fmt: str, *, download: bool = True) -> dict:
    return {
        "@type": "dcat:Distribution",
        "dct:title": title,
        "dcat:accessURL": {"@id": url},
        **({"dcat:downloadURL": {"@id": url}} if download else {}),
        "dcat:mediaType": {"@id": IANA + MEDIA_TYPES[fmt]},
        "dct:format": {"@id": EU + "file-type/" + FILE_TYPES[fmt]},
        "dct:license": _license(),
    }


def _publisher(consultation: Consultation) -> dict:
    names = [organisation.name for organisation in consultation.municipalities]
    return {"@type": "foaf:Agent", "foaf:name": ", ".join(names) or current_app.config.get("SITE_NAME", "Consult")}


def dataset(consultation: Consultation) -> dict:
    """A consultation with a published report as a dataset: its answers, figures, Q&A and report."""
    slug = consultation.slug
    report = published_report(consultation)
    distributions = [
        _distribution("Openbare antwoorden (CSV)", url_for("reports.answers", slug=slug, variant="public", fmt="csv",
                                                           _external=True), "csv"),
        _distribution("Openbare antwoorden (XLSX)", url_for("reports.answers", slug=slug, variant="public",
                                                            fmt="xlsx", _external=True), "xlsx"),
        _distribution("Openbare antwoorden (API)", url_for("api.answers", slug=slug, _external=True), "json",
                      download=False),
        _distribution("Cijfers (API)", url_for("api.statistics", slug=slug, _external=True), "json", download=False),
        _distribution("Advies en reactie (API)", url_for("api.advice", slug=slug, _external=True), "json",
                      download=False),
    ]
    if published_count(consultation):
        distributions.append(_distribution("Vragen en antwoorden (API)", url_for("api.qa", slug=slug, _external=True),
                                           "json", download=False))
    if report is not None:
        language = report_language(report)
        for fmt in ("pdf", "odt", "docx"):
            distributions.append(_distribution(
                f"Consultatieverslag, versie {report.version} ({fmt.upper()})",
                url_for("reports.download", slug=slug, fmt=fmt, v=report.version, lang=language, _external=True), fmt))
    contact = {"@type": "vcard:Organization", "vcard:fn": consultation.contact_name or _publisher(consultation)["foaf:name"]}
    if consultation.contact_email:
        contact["vcard:hasEmail"] = {"@id": f"mailto:{consultation.contact_email}"}
    return {
        "@id": url_for("api.consultation", slug=slug, _external=True) + "#dataset",
        "@type": "dcat:Dataset",
        "dct:identifier": url_for("api.consultation", slug=slug, _external=True),
        "dct:title": consultation.title,
        "dct:description": consultation.summary or consultation.title,
        "dct:publisher": _publisher(consultation),
        "dcat:contactPoint": contact,
        "dct:issued": iso(report.published_at if report is not None else consultation.closed_at),
        "dct:modified": iso(consultation_modified(consultation)),
        "dct:language": {"@id": DUTCH},
        "dcat:theme": THEMES,
        "dcat:keyword": ["Wmo", "marktconsultatie", "maatschappelijke ondersteuning", "inkoop"],
        "dcat:landingPage": {"@id": url_for("consultations.show", slug=slug, _external=True)},
        "dct:accessRights": {"@id": EU + "access-right/PUBLIC"},
        "dcat:distribution": distributions,
    }


def catalogue() -> dict:
    consultations = db.session.scalars(public_consultations_query().where(Consultation.status == Status.PUBLISHED)
                                       .options(selectinload(Consultation.municipalities),
                                                selectinload(Consultation.documents).selectinload(Document.versions))
                                       .order_by(Consultation.id)).all()
    listing = {
        "@id": url_for("api.consultations", _external=True) + "#dataset",
        "@type": "dcat:Dataset",
        "dct:identifier": url_for("api.consultations", _external=True),
        "dct:title": "Consultaties",
        "dct:description": "Alle openbare marktconsultaties en dialogen met planning, documenten en status.",
        "dct:publisher": {"@type": "foaf:Agent", "foaf:name": current_app.config.get("SITE_NAME", "Consult")},
        "dct:language": {"@id": DUTCH},
        "dcat:theme": THEMES,
        "dcat:landingPage": {"@id": url_for("consultations.index", _external=True)},
        "dct:accessRights": {"@id": EU + "access-right/PUBLIC"},
        "dcat:distribution": [_distribution("Consultaties (API)", url_for("api.consultations", _external=True),
                                            "json", download=False)],
    }
    return {
        "@context": CONTEXT,
        "@id": url_for("api.catalogue", _external=True),
        "@type": "dcat:Catalog",
        "dct:title": "Open data van " + current_app.config.get("SITE_NAME", "Consult"),
        "dct:description": "De openbare gegevens van marktconsultaties Wmo: consultaties, vragen en antwoorden, "
                           "adviezen met reactie, consultatieverslagen, openbare antwoorden en cijfers.",
        "dct:publisher": {"@type": "foaf:Agent", "foaf:name": current_app.config.get("SITE_NAME", "Consult")},
        "dct:language": {"@id": DUTCH},
        "dct:license": _license(),
        "foaf:homepage": {"@id": url_for("home.index", _external=True)},
        "dcat:service": {"@type": "dcat:DataService", "dct:title": "Consult open data API",
                         "dcat:endpointURL": {"@id": url_for("api.index", _external=True)},
                         "dcat:endpointDescription": {"@id": url_for("api.openapi", _external=True)}},
        "dcat:dataset": [listing, *[dataset(consultation) for consultation in consultations]],
    }
