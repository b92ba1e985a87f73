"""Documents for download: one small exporter class per format. Views only send what
``render()`` returns.

A document is first built as a neutral model (title, subtitle, a list of headings, paragraphs,
lists and tables) by the feature that owns its content (the report, the Q&A list, the strategy);
each exporter turns that model into its format, so every format has the same content in the same
order and adding a format is one class.
"""
from __future__ import annotations

import io
import re
from dataclasses import asdict, dataclass

from flask import make_response, render_template

from consult.core.sanitize import list_lines, markdown_parts


@dataclass
class Heading:
    text: str
    level: int = 2  # 1 is the document title; sections are 2, subsections 3


@dataclass
class Paragraph:
    text: str
    meta: bool = False  # small print: dates, sources


@dataclass
class BulletList:
    items: list[str]
    ordered: bool = False  # numbered (a numbered list a person wrote), from ``start``
    start: int = 1

    def numbered(self) -> list[str]:
        """The items with their numbers ("3. item"), for formats without a numbered list of their own."""
        return list_lines(self.items, self.start if self.ordered else None)


@dataclass
class Table:
    columns: list[str]
    rows: list[list[str]]
    caption: str = ""


@dataclass
class DocumentModel:
    title: str
    subtitle: str
    blocks: list
    filename_stem: str
    language: str = "nl"
    stamp: str = ""             # e.g. "VERTROUWELIJK — intern", on every page
    contents_title: str = ""    # with a title, the PDF gets a table of contents


BLOCK_TYPES = {"heading": Heading, "paragraph": Paragraph, "list": BulletList, "table": Table}


def model_to_dict(model: DocumentModel) -> dict:
    """A JSON-safe copy of the model (a published report is kept exactly as published)."""
    names = {cls: name for name, cls in BLOCK_TYPES.items()}
    data = asdict(model)
    data["blocks"] = [{"type": names[type(block)], **asdict(block)} for block in model.blocks]
    return data


def model_from_dict(data: dict) -> DocumentModel:
    blocks = [BLOCK_TYPES[b["type"]](**{k: v for k, v in b.items() if k != "type"}) for b in data["blocks"]]
    return DocumentModel(**{**data, "blocks": blocks})


def written(text: str | None, level: int = 3) -> list:
    """The blocks of a text a person wrote in Markdown (the one reading of user text,
    :func:`consult.core.sanitize.markdown_parts`): paragraphs, lists and headings (at ``level``)
    as the document's own blocks, so every format shows them without Markdown's marks."""
    blocks: list = []
    for kind, content, *start in markdown_parts(text):
        if kind == "heading":
            blocks.append(Heading(content, level))
        elif kind == "paragraph":
            blocks.append(Paragraph(content))
        else:
            blocks.append(BulletList(content, ordered=start[0] is not None, start=1 if start[0] is None else start[0]))
    return blocks


def plain(text: str | None) -> str:
    """A text a person wrote in Markdown as plain lines, for a table cell or after a label: a
    paragraph or heading per line, list items as "• item" or "1. item"."""
    lines: list[str] = []
    for kind, content, *start in markdown_parts(text):
        lines.extend(list_lines(content, start[0]) if kind == "list" else [content])
    return "\n".join(lines)


def plain_paragraphs(text: str | None) -> list[str]:
    """A plain text's paragraphs (split at blank lines, a line break kept), as a browser's CR LF or a
    stored LF gives them."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    return [part.strip("\n") for part in re.split(r"\n[ \t]*\n", text) if part.strip()]


def labelled_text(label: str, text: str | None, level: int = 4) -> list:
    """"Label: text" for a text a person wrote; a label line above it when it has more than one
    paragraph, or a list (its headings at ``level``)."""
    blocks = written(text, level=level)
    if len(blocks) == 1 and isinstance(blocks[0], Paragraph):
        return [Paragraph(f"{label}: {blocks[0].text}")]
    return [Paragraph(f"{label}:"), *blocks]


def section(heading: str, *paragraphs: str, meta: str = "", level: int = 2, markdown: bool = False) -> list:
    """A heading with an optional meta line and texts: plain text as it is (blank lines split
    paragraphs, a line break stays), or with ``markdown`` a text a person wrote in Markdown
    (:func:`written`)."""
    blocks: list = [Heading(heading, level)]
    if meta:
        blocks.append(Paragraph(meta, meta=True))
    for text in paragraphs:
        if markdown:
            blocks.extend(written(text, level=level + 1))
        else:
            blocks.extend(Paragraph(part) for part in plain_paragraphs(text))
    return blocks


# One table of the content types of everything the application exports.
CONTENT_TYPES = {
    "odt": "application/vnd.oasis.opendocument.text",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def send_export(exporter, **headers):
    """The download of what ``exporter`` renders now, under its file name (extra headers added)."""
    result = make_response(exporter.render())
    result.headers["Content-Type"] = exporter.content_type
    result.headers["Content-Disposition"] = f'attachment; filename="{exporter.filename}"'
    result.headers.update(headers)
    return result


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
    content_type = CONTENT_TYPES["odt"]

    def render(self) -> bytes:
        from odfdo import Cell, Document, Header, List, ListItem, Row
        from odfdo import Paragraph as OdfParagraph
        from odfdo import Table as OdfTable

        document = Document("text")
        body = document.body
        body.clear()
        if self.model.stamp:
            body.append(OdfParagraph(self.model.stamp))
        body.append(Header(1, self.model.title))
        body.append(OdfParagraph(self.model.subtitle))
        for number, block in enumerate(self.model.blocks):
            if isinstance(block, Heading):
                body.append(Header(block.level, block.text))
            elif isinstance(block, Paragraph):
                body.append(OdfParagraph(block.text))
            elif isinstance(block, BulletList):
                items = List()
                for item in block.numbered() if block.ordered else block.items:
                    item_paragraph = OdfParagraph(item)  # its line breaks stay line breaks
                    list_item = ListItem()
                    list_item.append(item_paragraph)
                    items.append(list_item)
                body.append(items)
            elif isinstance(block, Table):
                if block.caption:
                    body.append(OdfParagraph(block.caption))
                table = OdfTable(f"Tabel{number}")
                for values in [block.columns] + block.rows:
                    row = Row()
                    for value in values:
                        cell = Cell()  # a paragraph of its own: its line breaks stay line breaks
                        cell.append(OdfParagraph(str(value)))
                        row.append(cell)
                    table.append(row)
                body.append(table)
        document.meta.title = self.model.title
        buffer = io.BytesIO()
        document.save(buffer)
        return buffer.getvalue()


class PdfExporter(Exporter):
    """Tagged PDF/A (archivable and accessible), rendered by WeasyPrint from the same model."""

    identifier, extension = "pdf", "pdf"
    content_type = CONTENT_TYPES["pdf"]

    def render(self) -> bytes:
        from weasyprint import HTML

        contents = [(i, b) for i, b in enumerate(self.model.blocks) if isinstance(b, Heading) and b.level == 2]
        html = render_template("_documents/document.html", model=self.model, contents=contents,
                               kinds={"heading": Heading, "paragraph": Paragraph, "list": BulletList, "table": Table})
        return HTML(string=html).write_pdf(pdf_variant="pdf/a-3a")


class DocxExporter(Exporter):
    """Office Open XML (DOCX), welcome next to ODT for people who work in Word."""

    identifier, extension = "docx", "docx"
    content_type = CONTENT_TYPES["docx"]

    def render(self) -> bytes:
        from docx import Document

        document = Document()
        document.core_properties.title = self.model.title
        document.core_properties.language = self.model.language
        if self.model.stamp:
            for docx_section in document.sections:
                docx_section.header.paragraphs[0].text = self.model.stamp
        document.add_heading(self.model.title, level=0)
        document.add_paragraph(self.model.subtitle)
        for block in self.model.blocks:
            if isinstance(block, Heading):
                document.add_heading(block.text, level=min(block.level - 1, 9))
            elif isinstance(block, Paragraph):
                document.add_paragraph(block.text)
            elif isinstance(block, BulletList):
                # Word's one "List Number" numbering would go on counting from the list before.
                for item in block.numbered() if block.ordered else block.items:
                    document.add_paragraph(item, style="List Paragraph" if block.ordered else "List Bullet")
            elif isinstance(block, Table):
                if block.caption:
                    document.add_paragraph(block.caption, style="Caption")
                table = document.add_table(rows=1, cols=len(block.columns))
                table.style = "Table Grid"
                for cell, value in zip(table.rows[0].cells, block.columns, strict=False):
                    cell.text = str(value)
                for values in block.rows:
                    for cell, value in zip(table.add_row().cells, values, strict=False):
                        cell.text = str(value)
        buffer = io.BytesIO()
        document.save(buffer)
        return buffer.getvalue()


EXPORTERS = {cls.identifier: cls for cls in (OdtExporter, PdfExporter, DocxExporter)}
