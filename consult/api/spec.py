"""The OpenAPI 3.1 document of the open data API: the one description of every endpoint, its parameters
and the shape of every answer. ``/api/v1/openapi.json`` serves it, ``/api/v1/docs`` shows it to people,
and the contract test checks every endpoint's answers against it."""
from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l

VERSION = "1.0.0"

NULLABLE_STRING = {"type": ["string", "null"]}
MOMENT = {"type": ["string", "null"], "format": "date-time"}
DAY = {"type": ["string", "null"], "format": "date"}
URL = {"type": "string", "format": "uri"}


def _object(properties: dict, required: list[str] | None = None) -> dict:
    return {"type": "object", "properties": properties, "required": required or list(properties)}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _array(items: dict) -> dict:
    return {"type": "array", "items": items}


LINKS = {"type": "object", "additionalProperties": URL}
PAGED = {"page": {"type": "integer", "minimum": 1}, "per_page": {"type": "integer", "minimum": 1},
         "total": {"type": "integer", "minimum": 0}, "pages": {"type": "integer", "minimum": 1}, "links": LINKS}

BLOCK = {"oneOf": [
    _object({"type": {"const": "heading"}, "text": {"type": "string"}, "level": {"type": "integer"}}),
    _object({"type": {"const": "paragraph"}, "text": {"type": "string"}, "meta": {"type": "boolean"}},
            ["type", "text"]),
    _object({"type": {"const": "list"}, "items": _array({"type": "string"}), "ordered": {"type": "boolean"},
             "start": {"type": "integer"}}, ["type", "items"]),
    _object({"type": {"const": "table"}, "columns": _array({"type": "string"}),
             "rows": _array(_array({"type": "string"})), "caption": {"type": "string"}}, ["type", "columns", "rows"]),
]}

WOO = _object({
    "identifier": URL,
    "title": {"type": "string"},
    "description": {"type": "string"},
    "information_category": _object({"code": {"type": "string", "pattern": "^infocat[0-9]{3}$"}, "resource": URL,
                                     "label": {"type": "string"}}),
    "document_type": {"type": "string"},
    "publisher": _object({"label": {"type": "string"}, "resource": {"type": ["string", "null"], "format": "uri"}}),
    "creator": {"type": "string"},
    "language": _object({"code": {"type": "string"}, "resource": URL}),
    "format": {"type": "string"},
    "created": DAY,
    "modified": MOMENT,
    "actions": _array(_object({"kind": {"enum": ["vaststelling", "ontvangst"]}, "resource": URL, "at": MOMENT})),
    "consultation": URL,
})

SCHEMAS = {
    "Problem": _object({"type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
                        "detail": {"type": "string"}, "parameter": {"type": "string"}},
                       ["title", "status", "detail"]),
    "Document": _object({
        "title": {"type": "string"}, "description": {"type": "string"}, "version": {"type": "integer"},
        "uploaded_at": MOMENT,
        "file": _object({"url": URL, "name": {"type": "string"}, "format": {"type": "string"},
                         "size": {"type": ["integer", "null"]}, "sha256": NULLABLE_STRING}),
    }),
    "Consultation": _object({
        "slug": {"type": "string"}, "title": {"type": "string"}, "summary": {"type": "string"},
        "status": {"enum": ["open", "closed", "published"]}, "status_label": {"type": "string"},
        "opens_at": MOMENT, "closes_at": MOMENT, "published_at": MOMENT, "closed_at": MOMENT,
        "municipalities": _array({"type": "string"}),
        "lots": _array(_object({"name": {"type": "string"}, "description": {"type": "string"}})),
        "planning": _array(_object({"name": {"type": "string"}, "description": {"type": "string"},
                                    "starts_on": DAY, "ends_on": DAY})),
        "documents": _array(_ref("Document")),
        "procurement_notice": {"oneOf": [{"type": "null"}, _object({"number": {"type": "string"},
                                                                    "url": {"type": ["string", "null"], "format": "uri"}})]},
        "links": _object({"self": URL, "html": URL, "qa": URL, "ocds": URL, "advice": URL, "report": URL,
                          "answers": URL, "statistics": URL, "answers_csv": URL}, ["self", "html", "qa", "ocds"]),
    }),
    "ConsultationDetail": {"allOf": [_ref("Consultation"), _object({
        "introduction": {"type": "string"},
        "principles": _array({"type": "string"}),
        "contact": _object({"name": {"type": "string"}, "email": {"type": "string"}, "phone": {"type": "string"}}),
        "themes": _array(_object({
            "number": {"type": "integer"}, "title": {"type": "string"}, "introduction": {"type": "string"},
            "questions": _array(_object({"number": {"type": "string"}, "text": {"type": "string"},
                                         "kind": {"type": "string"}, "help": {"type": "string"},
                                         "options": _array({}), "unit": {"type": "string"},
                                         "required": {"type": "boolean"}})),
        })),
        "published_qa": {"type": "integer", "minimum": 0},
        "report_version": {"type": ["integer", "null"]},
    })]},
    "ConsultationList": _object({"items": _array(_ref("Consultation")), **PAGED}),
    "QaList": _object({"consultation": URL, "items": _array(_object({
        "number": {"type": "integer"}, "theme": NULLABLE_STRING, "lot": NULLABLE_STRING,
        "question": {"type": "string"}, "answer": {"type": "string"}, "published_at": MOMENT})), **PAGED}),
    "AdviceList": _object({"consultation": URL, "items": _array(_object({
        "council": {"type": "string"}, "document": URL, "question": {"type": "string"}, "submitted_at": MOMENT,
        "published_at": MOMENT, "introduction": {"type": "string"}, "reply": NULLABLE_STRING,
        "points": _array(_object({"number": {"type": "integer"}, "title": {"type": "string"},
                                  "body": {"type": "string"}, "disposition": NULLABLE_STRING,
                                  "disposition_label": NULLABLE_STRING, "reply": NULLABLE_STRING})),
        "woo": _ref("WooMetadata")}))}),
    "Report": _object({
        "version": {"type": "integer", "minimum": 1}, "published_at": MOMENT, "language": {"enum": ["nl", "en"]},
        "languages": _array({"enum": ["nl", "en"]}), "title": {"type": "string"}, "subtitle": {"type": "string"},
        "files": _array(_object({"format": {"enum": ["odt", "pdf", "docx"]}, "media_type": {"type": "string"},
                                 "language": {"type": "string"}, "lot": NULLABLE_STRING, "url": URL})),
        "sections": _array(_object({"title": {"type": "string"}, "blocks": _array(BLOCK)})),
        "links": _object({"self": URL, "html": URL, "consultation": URL, "statistics": URL, "answers": URL},
                         ["self", "html", "consultation", "statistics", "answers"]) | {"additionalProperties": URL},
        "woo": _ref("WooMetadata"),
    }),
    "Statistics": _object({"consultation": URL, "report_version": {"type": "integer"}, "language": {"type": "string"},
                           "figures": _array(_object({"caption": {"type": "string"},
                                                      "columns": _array({"type": "string"}),
                                                      "rows": _array(_array({"type": "string"})),
                                                      "note": NULLABLE_STRING}))}),
    "Answers": _object({"consultation": URL, "columns": {"type": "object", "additionalProperties": {"type": "string"}},
                        "items": _array({"type": "object", "additionalProperties": {"type": "string"}}),
                        "page": {"type": "integer"}, "per_page": {"type": "integer"}, "links": LINKS}),
    "WooMetadata": WOO,
    "OcdsPackage": _object({
        "uri": URL, "version": {"const": "1.1"}, "publishedDate": MOMENT, "publisher": _object({"name": {"type": "string"}}),
        "license": {"type": "string"},
        "releases": {"type": "array", "minItems": 1, "maxItems": 1, "items": _object({
            "ocid": {"type": "string", "pattern": "^ocds-"}, "id": {"type": "string"}, "date": MOMENT,
            "tag": {"const": ["planning"]}, "initiationType": {"const": "tender"}, "language": {"const": "nl"},
            "parties": _array(_object({"id": {"type": "string"}, "name": {"type": "string"},
                                       "roles": _array({"type": "string"})})),
            "planning": _object({"rationale": {"type": "string"},
                                 "documents": _array(_object({"id": {"type": "string"},
                                                              "documentType": {"const": "marketStudies"},
                                                              "title": {"type": "string"}, "url": URL},
                                                             ["id", "documentType", "title", "url"])),
                                 "milestones": _array(_object({"id": {"type": "string"}, "type": {"const": "engagement"},
                                                               "status": {"enum": ["scheduled", "met"]}},
                                                              ["id", "type", "status"]))}),
            "tender": _object({"id": {"type": "string"}, "title": {"type": "string"},
                               "status": {"enum": ["planning", "active"]}}, ["id", "title", "status"]),
        }, ["ocid", "id", "date", "tag", "initiationType", "planning", "tender"])},
    }, ["uri", "version", "publishedDate", "publisher", "releases"]),
    "WooDocuments": _object({"items": _array(_ref("WooMetadata")), **PAGED}),
    "Index": _object({"title": {"type": "string"}, "version": {"type": "string"}, "links": LINKS}),
    "Catalogue": _object({"@context": {"type": "object"}, "@id": URL, "@type": {"const": "dcat:Catalog"},
                          "dcat:dataset": _array(_object({"@id": URL, "@type": {"const": "dcat:Dataset"},
                                                          "dct:title": {"type": "string"}}))},
                         ["@context", "@id", "@type", "dcat:dataset"]),
}


def _param(name: str, where: str, schema: dict, description, required: bool = False) -> dict:
    return {"name": name, "in": where, "required": required, "schema": schema, "description": description}


SLUG = _param("slug", "path", {"type": "string"}, _l("The consultation's short name, as in its web address."), True)
LANG = _param("lang", "query", {"enum": ["nl", "en"], "default": "nl"}, _l("The language of labels and texts."))
PAGE = _param("page", "query", {"type": "integer", "minimum": 1, "default": 1}, _l("The page to show."))


def _per_page(default: int, maximum: int) -> dict:
    return _param("per_page", "query", {"type": "integer", "minimum": 1, "maximum": maximum, "default": default},
                  _l("How many items a page has."))


def _ok(schema: str, media_type: str = "application/json", description: str = "OK") -> dict:
    return {"description": description, "content": {media_type: {"schema": _ref(schema)}},
            "headers": {"ETag": {"schema": {"type": "string"}}, "Cache-Control": {"schema": {"type": "string"}}}}


PROBLEM = {"content": {"application/problem+json": {"schema": _ref("Problem")}}}
ERRORS = {
    "304": {"description": _l("Not modified: the copy named by If-None-Match or If-Modified-Since is current.")},
    "400": {"description": _l("A parameter is not right."), **PROBLEM},
    "429": {"description": _l("Too many requests from this address; Retry-After says when to ask again."), **PROBLEM},
}
NOT_FOUND = {"404": {"description": _l("No public consultation (or nothing published yet) at this address."), **PROBLEM}}

PATHS = {
    "/api/v1": {"get": {"operationId": "index", "summary": _l("Where everything is"), "tags": ["General"],
                        "responses": {"200": _ok("Index"), **ERRORS}}},
    "/api/v1/consultations": {"get": {
        "operationId": "consultations", "summary": _l("The public consultations"), "tags": ["Consultations"],
        "description": _l("Every consultation that is not a draft and not closed to invited organisations, the latest "
                       "deadline first."),
        "parameters": [
            _param("status", "query", {"type": "string"}, _l("open, closed or published; several separated by commas.")),
            _param("since", "query", {"type": "string", "format": "date"},
                   _l("Only consultations whose period ends on or after this day.")),
            _param("until", "query", {"type": "string", "format": "date"},
                   _l("Only consultations whose period starts on or before this day.")),
            PAGE, _per_page(20, 100), LANG],
        "responses": {"200": _ok("ConsultationList"), **ERRORS}}},
    "/api/v1/consultations/{slug}": {"get": {
        "operationId": "consultation", "summary": _l("One consultation with its questionnaire"),
        "tags": ["Consultations"], "parameters": [SLUG, LANG],
        "responses": {"200": _ok("ConsultationDetail"), **ERRORS, **NOT_FOUND}}},
    "/api/v1/consultations/{slug}/qa": {"get": {
        "operationId": "qa", "summary": _l("The published questions and answers"), "tags": ["Consultations"],
        "description": _l("Nothing about who asked a question."),
        "parameters": [SLUG, PAGE, _per_page(20, 100), LANG],
        "responses": {"200": _ok("QaList"), **ERRORS, **NOT_FOUND}}},
    "/api/v1/consultations/{slug}/advice": {"get": {
        "operationId": "advice", "summary": _l("The councils' published advice with the reply per point"),
        "tags": ["Consultations"],
        "description": _l("Public once the consultation report is published; an empty list before."),
        "parameters": [SLUG, LANG], "responses": {"200": _ok("AdviceList"), **ERRORS, **NOT_FOUND}}},
    "/api/v1/consultations/{slug}/report": {"get": {
        "operationId": "report", "summary": _l("The published consultation report"), "tags": ["Report"],
        "description": _l("The version as published, by section (with the published minutes and comment tables), "
                       "and its files."),
        "parameters": [SLUG, LANG], "responses": {"200": _ok("Report"), **ERRORS, **NOT_FOUND}}},
    "/api/v1/consultations/{slug}/statistics": {"get": {
        "operationId": "statistics", "summary": _l("The published figures"), "tags": ["Report"],
        "description": _l("The report's annex of figures as published: only answers that may be published count, "
                       "averages are rounded and ranges rounded outwards, small groups are not shown."),
        "parameters": [SLUG, LANG], "responses": {"200": _ok("Statistics"), **ERRORS, **NOT_FOUND}}},
    "/api/v1/consultations/{slug}/answers": {"get": {
        "operationId": "answers", "summary": _l("The public answers"), "tags": ["Report"],
        "description": _l("The same rows and columns as the public CSV: no confidential answer, nothing of a response "
                       "that may not be published, an organisation named only where it agreed."),
        "parameters": [SLUG, PAGE, _per_page(100, 1000), LANG],
        "responses": {"200": _ok("Answers"), **ERRORS, **NOT_FOUND}}},
    "/api/v1/consultations/{slug}/ocds": {"get": {
        "operationId": "ocds", "summary": _l("The consultation as an Open Contracting planning release"),
        "tags": ["Consultations"],
        "description": _l("An OCDS 1.1 release package: the consultation as the planning stage of the contracting "
                          "process, its documents and report as market studies, and the tender it prepared with the "
                          "notice number the team entered."),
        "parameters": [SLUG], "responses": {"200": _ok("OcdsPackage"), **ERRORS, **NOT_FOUND}}},
    "/api/v1/woo/documents": {"get": {
        "operationId": "woo_documents", "summary": _l("Published documents with their Woo metadata"),
        "tags": ["Woo"], "parameters": [PAGE, _per_page(50, 100), LANG],
        "responses": {"200": _ok("WooDocuments"), **ERRORS}}},
    "/api/v1/catalogue.jsonld": {"get": {
        "operationId": "catalogue", "summary": _l("The DCAT-AP catalogue of the open datasets"), "tags": ["General"],
        "responses": {"200": _ok("Catalogue", "application/ld+json"), **ERRORS}}},
}


def document() -> dict:
    """The document in the current language (summaries and descriptions are translated)."""
    return _plain({
        "openapi": "3.1.0",
        "info": {
            "title": "Consult open data API",
            "version": VERSION,
            "summary": _l("Everything public about the market consultations: read-only, paged, open to any origin."),
            "description": _l(
                "Consultations with planning, documents and status; the published questions and answers; the "
                "councils' published advice with the municipality's reply; the published consultation report "
                "with its files, minutes and comment tables; its public answers and figures; Woo metadata. "
                "Everything passes the same disclosure rules as the public pages. Answers carry an ETag; the "
                "published report, its figures and its answers also Last-Modified. Ask again with If-None-Match "
                "(or If-Modified-Since) and an unchanged answer is 304."),
            "license": {"name": "CC0 1.0", "identifier": "CC0-1.0"},
        },
        "servers": [{"url": url_for("home.index", _external=True).rstrip("/")}],
        "tags": [{"name": "General"}, {"name": "Consultations"}, {"name": "Report"}, {"name": "Woo"}],
        "paths": PATHS,
        "components": {"schemas": SCHEMAS},
    })


def _plain(value):
    """``value`` with every translatable text made a plain string (JSON has no lazy strings)."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value if isinstance(value, str | int | float | bool | None) else str(value)


def operations() -> list[dict]:
    """Every operation with its path and method, in the document's order (for the readable page)."""
    return [{"path": path, "method": method.upper(), **operation}
            for path, methods in _plain(PATHS).items() for method, operation in methods.items()]
