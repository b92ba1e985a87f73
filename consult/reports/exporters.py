"""Exporters: one small class per format. Views only send what ``render()`` returns.

A document is first built as a neutral model (title, subtitle, sections of headed
paragraphs); each exporter turns that model into its format, so every format has the same
content in the same order and adding a format is one class.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field

from flask import render_template


@dataclass
class Block:
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    meta: str = ""


@dataclass
class DocumentModel:
    title: str
    subtitle: str
    blocks: list[Block]
    filename_stem: str
    language: str = "nl"


class Exporter:
    identifier = ""
    extension = ""
    content_type = ""

    def __init__(self, model: DocumentModel):
        self.model = model

    @property
    def filename(self) -> str:
        return f"{self.model.filename_stem}.{self.extension}"

    def render(self) -> bytes:
        raise NotImplementedError


class OdtExporter(Exporter):
    """OpenDocument text (the open standard Dutch government bodies must offer)."""

    identifier, extension = "odt", "odt"
    content_type = "application/vnd.oasis.opendocument.text"

    def render(self) -> bytes:
        from odfdo import Document, Header, Paragraph

        document = Document("text")
        body = document.body
        body.clear()
        body.append(Header(1, self.model.title))
        body.append(Paragraph(self.model.subtitle))
        for block in self.model.blocks:
            body.append(Header(2, block.heading))
            if block.meta:
                body.append(Paragraph(block.meta))
            for text in block.paragraphs:
                for line in text.split("\n\n"):
                    body.append(Paragraph(line))
        document.set_language(self.model.language) if hasattr(document, "set_language") else None
        document.meta.title = self.model.title
        buffer = io.BytesIO()
        document.save(buffer)
        return buffer.getvalue()


class PdfExporter(Exporter):
    """PDF/A (archivable), rendered by WeasyPrint from the same model through an HTML template."""

    identifier, extension = "pdf", "pdf"
    content_type = "application/pdf"

    def render(self) -> bytes:
        from weasyprint import HTML

        html = render_template("reports/document.html", model=self.model)
        return HTML(string=html).write_pdf(pdf_variant="pdf/a-3u")


EXPORTERS = {cls.identifier: cls for cls in (OdtExporter, PdfExporter)}
