"""Publication under the Open Government Act (Woo): metadata per published document following the Woo
metadata standard (DiWoo, with TOOI value lists), and the sitemaps the national Woo-index harvests.

A document is listed only once it is public (the same rules as the public pages, read through
``consult.api.public``): the published consultation report (per language, as PDF), the published Q&A,
the consultation's own documents, and the councils' published advice with the municipality's reply (as a
document of its own). The published minutes are public as sections of the report.

How the Woo-index finds them: ``/robots.txt`` names one sitemap index per information category
(``sitemapindex-diwoo-infocatNNN.xml``, the standard's naming convention), each index names its
sitemap, and each sitemap lists the documents with a ``diwoo:Document`` block of metadata.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from xml.etree import ElementTree as ET

from flask import current_app, url_for
from sqlalchemy.orm import selectinload

from consult.api.public import (
    advice_items,
    iso,
    public_consultations_query,
    published_report,
    qa_modified,
)
from consult.consultations.models import Consultation, Document, Status
from consult.core.documents import CONTENT_TYPES
from consult.qa.services import published_count

KERN = "https://identifier.overheid.nl/tooi/def/thes/kern/"
# The Woo information categories (TOOI value list "Woo-informatiecategorieën"): code -> (TOOI id, label).
CATEGORIES = {
    "infocat001": ("c_139c6280", "Wetten en algemeen verbindende voorschriften"),
    "infocat002": ("c_aab6bfc7", "Overige besluiten van algemene strekking"),
    "infocat003": ("c_759721e2", "Ontwerpen van wet- en regelgeving met adviesaanvraag"),
    "infocat004": ("c_40a05794", "Organisatie en werkwijze"),
    "infocat005": ("c_89ee6784", "Bereikbaarheidsgegevens"),
    "infocat006": ("c_8c840238", "Bij vertegenwoordigende organen ingekomen stukken"),
    "infocat007": ("c_c76862ab", "Vergaderstukken Staten-Generaal"),
    "infocat008": ("c_db4862c3", "Vergaderstukken decentrale overheden"),
    "infocat009": ("c_3a248e3a", "Agenda's en besluitenlijsten bestuurscolleges"),
    "infocat010": ("c_99a836c7", "Adviezen"),
    "infocat011": ("c_8fc2335c", "Convenanten"),
    "infocat012": ("c_c6cd1213", "Jaarplannen en jaarverslagen"),
    "infocat013": ("c_cf268088", "Subsidieverplichtingen anders dan met beschikking"),
    "infocat014": ("c_3baef532", "Woo-verzoeken en -besluiten"),
    "infocat015": ("c_fdaee95e", "Onderzoeksrapporten"),
    "infocat016": ("c_46a81018", "Beschikkingen"),
    "infocat017": ("c_a870c43d", "Klachtoordelen"),
}
# What each kind of document is filed under by default; an instance sets WOO_CATEGORIES to change it.
DEFAULT_CATEGORIES = {"report": "infocat015", "qa": "infocat015", "document": "infocat015", "advice": "infocat010"}
# DiWoo's kinds of handling (TOOI): the municipality adopts its report and Q&A, receives a council's advice.
ADOPTED = ("vaststelling", KERN + "c_641ecd76")
RECEIVED = ("ontvangst", KERN + "c_dfcee535")
DUTCH = "http://publications.europa.eu/resource/authority/language/NLD"
ENGLISH = "http://publications.europa.eu/resource/authority/language/ENG"
LANGUAGE_RESOURCES = {"nl": DUTCH, "en": ENGLISH}

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
DIWOO_NS = "https://standaarden.overheid.nl/diwoo/metadata/"


def check_configuration(config) -> None:
    """Refuse to start with a Woo setting that would file a document nowhere."""
    chosen = config.get("WOO_CATEGORIES", {})
    wrong = [f"{kind}: {code}" for kind, code in chosen.items() if kind not in DEFAULT_CATEGORIES or code not in CATEGORIES]
    if wrong:
        raise RuntimeError(f"WOO_CATEGORIES has kinds or categories it does not know ({', '.join(wrong)}); kinds are "
                           f"{', '.join(DEFAULT_CATEGORIES)}, categories {', '.join(sorted(CATEGORIES))}.")
    for name, identifier in config.get("WOO_PUBLISHERS", {}).items():
        if not str(identifier).startswith("https://identifier.overheid.nl/tooi/id/"):
            raise RuntimeError(f"WOO_PUBLISHERS: {name} needs a TOOI identifier "
                               f"(https://identifier.overheid.nl/tooi/id/...), not {identifier}.")


def category(kind: str) -> tuple[str, str, str]:
    """(code, TOOI resource, label) of the information category a kind of document is filed under."""
    code = {**DEFAULT_CATEGORIES, **current_app.config.get("WOO_CATEGORIES", {})}[kind]
    identifier, label = CATEGORIES[code]
    return code, KERN + identifier, label


@dataclass
class WooDocument:
    """One published document with its Woo metadata."""

    url: str
    title: str
    kind: str                  # report, qa, document, advice
    document_type: str         # what it is, in Dutch (free text: the standard's list has no better term)
    publisher: str             # the responsible municipality's name
    creator: str               # who wrote it (a council for its advice)
    language: str
    media_type: str
    created: datetime | None
    modified: datetime | None
    actions: list[tuple[tuple[str, str], datetime]] = field(default_factory=list)
    consultation: str = ""
    description: str = ""

    def metadata(self) -> dict:
        """The metadata as the API shows it (the same fields the sitemap's diwoo:Document carries)."""
        code, resource, label = category(self.kind)
        return {
            "identifier": self.url,
            "title": self.title,
            "description": self.description,
            "information_category": {"code": code, "resource": resource, "label": label},
            "document_type": self.document_type,
            "publisher": {"label": self.publisher, "resource": publisher_resource(self.publisher)},
            "creator": self.creator,
            "language": {"code": self.language, "resource": LANGUAGE_RESOURCES.get(self.language, DUTCH)},
            "format": self.media_type,
            "created": iso(self.created.date()) if self.created else None,
            "modified": iso(self.modified),
            "actions": [{"kind": kind, "resource": resource, "at": iso(at)} for (kind, resource), at in self.actions],
            "consultation": self.consultation,
        }


def publisher_resource(name: str) -> str | None:
    """The publisher's TOOI identifier, where the instance configured one for that municipality
    (``WOO_PUBLISHERS``: name -> e.g. https://identifier.overheid.nl/tooi/id/gemeente/gm0546)."""
    return current_app.config.get("WOO_PUBLISHERS", {}).get(name)


def _publisher(consultation: Consultation) -> str:
    return consultation.municipalities[0].name if consultation.municipalities else ""


def documents_of(consultation: Consultation) -> list[WooDocument]:
    """The consultation's published documents (nothing before it is public)."""
    slug = consultation.slug
    link = url_for("api.consultation", slug=slug, _external=True)
    publisher = _publisher(consultation)
    found = [WooDocument(
        url=url_for("consultations.download", slug=slug, document_id=document.id, version_id=document.current.id,
                    _external=True),
        title=document.title, description=document.description, kind="document", document_type="consultatiedocument",
        publisher=publisher, creator=publisher, language="nl",
        media_type=CONTENT_TYPES.get(document.current.file_type, "application/octet-stream"),
        created=document.current.uploaded_at, modified=document.current.uploaded_at,
        actions=[(ADOPTED, document.current.uploaded_at)], consultation=link)
        for document in consultation.documents if document.versions]
    qa_count = published_count(consultation)
    if qa_count:
        changed = qa_modified(consultation)
        found.append(WooDocument(
            url=url_for("qa.export", slug=slug, fmt="pdf", _external=True),
            title=f"Vragen en antwoorden: {consultation.title}", kind="qa", document_type="vragen en antwoorden",
            description=f"{qa_count} gepubliceerde vragen met antwoord", publisher=publisher, creator=publisher,
            language="nl", media_type=CONTENT_TYPES["pdf"], created=changed, modified=changed,
            actions=[(ADOPTED, changed)], consultation=link))
    report = published_report(consultation)
    if report is not None:
        for language in report.published:
            model = report.published_model(language)
            found.append(WooDocument(
                url=url_for("reports.download", slug=slug, fmt="pdf", v=report.version, lang=language, _external=True),
                title=model["title"], description=model["subtitle"], kind="report", document_type="consultatieverslag",
                publisher=publisher, creator=publisher, language=language, media_type=CONTENT_TYPES["pdf"],
                created=report.published_at, modified=report.published_at,
                actions=[(ADOPTED, report.published_at)], consultation=link))
    return found


def advice_documents(consultation: Consultation) -> list[tuple[dict, WooDocument]]:
    """Each published advice with its reply, as the API shows it, with its Woo metadata: the document is
    the advice with the reply as PDF (received from the council, the reply adopted by the municipality)."""
    publisher = _publisher(consultation)
    shown = []
    for item in advice_items(consultation):
        received = datetime.fromisoformat(item["submitted_at"]) if item["submitted_at"] else None
        published = datetime.fromisoformat(item["published_at"]) if item["published_at"] else None
        shown.append((item, WooDocument(
            url=item["document"], title=f"Advies van {item['council']}: {consultation.title}", kind="advice",
            document_type="advies met reactie", publisher=publisher, creator=item["council"], language="nl",
            media_type=CONTENT_TYPES["pdf"], created=received, modified=published,
            actions=[a for a in ((RECEIVED, received), (ADOPTED, published)) if a[1] is not None],
            consultation=url_for("api.consultation", slug=consultation.slug, _external=True))))
    return shown


def all_documents() -> list[WooDocument]:
    """Every public consultation's published documents (those whose status says there is something)."""
    from consult.extensions import db

    consultations = db.session.scalars(public_consultations_query().options(
        selectinload(Consultation.municipalities),
        selectinload(Consultation.documents).selectinload(Document.versions))
        .order_by(Consultation.id)).all()
    found = []
    for consultation in consultations:
        found += documents_of(consultation)
        if consultation.status == Status.PUBLISHED:
            found += [document for _item, document in advice_documents(consultation)]
    return found


# The kinds of document the sitemaps list (every one is a file).
SITEMAP_KINDS = ("report", "qa", "document", "advice")


def used_categories() -> list[str]:
    """The information categories with a sitemap: those the kinds of file are filed under."""
    return sorted({category(kind)[0] for kind in SITEMAP_KINDS})


# --- the sitemaps ------------------------------------------------------------------------------------

def _xml(root: ET.Element) -> bytes:
    ET.indent(root)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8")


def sitemap_index(code: str) -> bytes:
    ET.register_namespace("", SITEMAP_NS)
    root = ET.Element(f"{{{SITEMAP_NS}}}sitemapindex")
    entry = ET.SubElement(root, f"{{{SITEMAP_NS}}}sitemap")
    ET.SubElement(entry, f"{{{SITEMAP_NS}}}loc").text = url_for("api.woo_sitemap", code=code, _external=True)
    return _xml(root)


def sitemap(code: str, documents: list[WooDocument]) -> bytes:
    """A sitemap of the documents filed under ``code``, each with its diwoo:Document metadata."""
    ET.register_namespace("", SITEMAP_NS)
    ET.register_namespace("diwoo", DIWOO_NS)
    s, d = f"{{{SITEMAP_NS}}}", f"{{{DIWOO_NS}}}"
    root = ET.Element(f"{s}urlset")
    for document in documents:
        if category(document.kind)[0] != code or document.kind not in SITEMAP_KINDS:
            continue
        meta = document.metadata()
        url = ET.SubElement(root, f"{s}url")
        ET.SubElement(url, f"{s}loc").text = document.url
        if document.modified:
            ET.SubElement(url, f"{s}lastmod").text = iso(document.modified)
        diwoo = ET.SubElement(ET.SubElement(url, f"{d}Document"), f"{d}DiWoo")
        publisher = ET.SubElement(diwoo, f"{d}publisher")
        publisher.text = document.publisher
        if meta["publisher"]["resource"]:
            publisher.set("resource", meta["publisher"]["resource"])
        titles = ET.SubElement(diwoo, f"{d}titelcollectie")
        ET.SubElement(titles, f"{d}officieleTitel").text = document.title
        if document.description:
            ET.SubElement(ET.SubElement(diwoo, f"{d}omschrijvingen"), f"{d}omschrijving").text = document.description
        classes = ET.SubElement(diwoo, f"{d}classificatiecollectie")
        categories = ET.SubElement(classes, f"{d}informatiecategorieen")
        info = ET.SubElement(categories, f"{d}informatiecategorie", resource=meta["information_category"]["resource"])
        info.text = meta["information_category"]["label"]
        if meta["created"]:
            ET.SubElement(diwoo, f"{d}creatiedatum").text = meta["created"]
        ET.SubElement(diwoo, f"{d}language", resource=meta["language"]["resource"]).text = \
            {"nl": "Nederlands", "en": "Engels"}.get(document.language, document.language)
        ET.SubElement(diwoo, f"{d}format").text = document.media_type
        actions = ET.SubElement(diwoo, f"{d}documenthandelingen")
        for (kind, resource), at in document.actions:
            action = ET.SubElement(actions, f"{d}documenthandeling")
            ET.SubElement(action, f"{d}soortHandeling", resource=resource).text = kind
            ET.SubElement(action, f"{d}atTime").text = iso(at)
    return _xml(root)


def robots_txt() -> str:
    lines = ["User-agent: *", "Disallow:", ""]
    lines += [f"Sitemap: {url_for('api.woo_sitemap_index', code=code, _external=True)}" for code in used_categories()]
    return "\n".join(lines) + "\n"

