"""The board report as a Word document and as an HTML page, from one list of blocks.

The report is laid out once, as headings, paragraphs and tables of plain text; each renderer only
knows how to draw those three things, so the Word and HTML versions always say the same.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from issues.report import BoardReport, ReportedIssue
from wording import issues as texts
from wording.document import Block, Heading, Paragraph, Picture, Table


def _number(value: int | None, unit: str = "") -> str:
    return texts.NOT_GIVEN if value is None else f"{value:,}{unit}"


def _summary_table(report: BoardReport) -> Table:
    rows = [(t.theme_title, str(t.issues), str(t.organisations), _number(t.waiting),
             _number(t.longest_wait_weeks, " weeks"), _number(t.affected))
            for t in report.themes]
    weeks = [t.longest_wait_weeks for t in report.themes if t.longest_wait_weeks is not None]
    rows.append((texts.REPORT_TOTAL, str(len(report.issues)), str(report.organisations),
                 _number(report.waiting), _number(max(weeks) if weeks else None, " weeks"),
                 _number(report.affected)))
    return Table(texts.REPORT_TABLE_HEADER, rows)


@dataclass(frozen=True)
class Author:
    """Who prepares the reports, from ``[issues] officer_name`` and ``officer_contact``."""

    name: str | None = None
    contact: str | None = None


def _issue_blocks(item: ReportedIssue) -> list[Block]:
    s = item.summary
    blocks: list[Block] = [
        Heading(f"{s.issue.ref}: {texts.issue_title(s.issue)}", 2),
        Paragraph(item.theme_title, texts.REPORT_THEME),
        Paragraph(texts.report_who(s), texts.REPORT_WHO),
        Paragraph(s.issue.what_happening, texts.REPORT_WHAT),
        Paragraph(s.issue.impact, texts.REPORT_IMPACT),
        Paragraph(texts.report_figures(s), texts.REPORT_FIGURES),
        Paragraph(s.issue.board_ask or texts.REPORT_ASK_DEFAULT, texts.REPORT_ASK),
    ]
    if s.issue.response:  # answered before the board met: it was accepted for it, so it stays
        blocks.append(Paragraph(s.issue.response, texts.REPORT_ANSWERED))
    return blocks


def _you_said_blocks(report: BoardReport, tz: ZoneInfo) -> list[Block]:
    if report.previous_meeting_at is None:
        return [Paragraph(texts.REPORT_FIRST)]
    if not report.previous:
        return [Paragraph(texts.REPORT_NOTHING_NEW.format(
            day=texts.day(report.previous_meeting_at, tz)))]
    rows = [(*texts.report_you_said(i.summary, i.theme_title),
             texts.report_we_did(i.summary.issue)) for i in report.previous]
    return [Paragraph(texts.report_you_said_intro(report.previous_meeting_at, tz)),
            Table(texts.REPORT_YOU_SAID_HEADER, rows)]


def report_blocks(report: BoardReport, tz: ZoneInfo, author: Author | None = None) -> list[Block]:
    meeting = report.meeting
    who = author or Author()
    blocks: list[Block] = [
        Heading(texts.REPORT_TITLE, 0),
        Paragraph(texts.report_intro(report.board, meeting.starts_at, meeting.cut_off_at, tz)),
        Paragraph(texts.report_prepared(report.generated_at, tz, who.name, who.contact)),
        Heading(texts.REPORT_SUMMARY, 1),
        Paragraph(texts.report_overview(len(report.issues), report.organisations,
                                        report.waiting, report.affected)),
        _summary_table(report),
        Heading(texts.REPORT_ISSUES, 1),
    ]
    if not report.issues:
        blocks.append(Paragraph(texts.REPORT_NO_ISSUES))
    for item in report.issues:
        blocks += _issue_blocks(item)
    blocks.append(Heading(texts.REPORT_YOU_SAID, 1))
    return blocks + _you_said_blocks(report, tz)


@dataclass(frozen=True)
class DocumentInfo:
    """The Word file's own properties (File > Info), which python-docx otherwise fills with
    its template's: author "python-docx", created in 2013."""

    title: str
    author: str
    created: datetime


BODY_FONT = "Arial"
"""A font every Word and LibreOffice has (Liberation Sans is drawn to its metrics), so the
widths estimated below are the widths a reader sees; the template's Cambria is often missing."""
BODY_PT = 11.0
TABLE_SIZES_PT = (BODY_PT, 10.0, 9.0, 8.0)
"""A table whose longest words do not fit the page at body size is set smaller, down to 8 pt,
rather than split "Organisatio/ns" across lines."""
CHAR_EM = 0.55
"""The rule of thumb for a character's width, in em; a word is never estimated narrower."""
_GLYPH_EM = {**dict.fromkeys("fijlrt.,;:'!|()-", 0.389), **dict.fromkeys("mw", 0.889),
             **dict.fromkeys("MW", 0.944), **dict.fromkeys("0123456789", 0.556)}
"""Bold Arial's widest glyphs in each group (its metrics are Helvetica's); other lower-case
letters are at most 0.611 em, other capitals 0.778."""
CELL_PADDING_CM = 0.4
"""Word's default cell margins (0.19 cm each side) and the grid line."""
NARROWEST = "1,234"
"""A column of small numbers still gets room for this."""
A4_CM = (21.0, 29.7)
MARGIN_CM = 2.54


def word_width_cm(word: str, size_pt: float) -> float:
    """Estimated width of ``word`` in bold at ``size_pt`` in a cell, padding included."""
    glyphs = sum(_GLYPH_EM.get(c, 0.778 if c.isupper() else 0.611) for c in word)
    return max(glyphs, len(word) * CHAR_EM) * size_pt * 2.54 / 72 + CELL_PADDING_CM


@dataclass(frozen=True)
class TableLayout:
    size_pt: float
    widths_cm: list[float]


def _floors(header: Sequence[str], rows: Sequence[Sequence[str]], size_pt: float) -> list[float]:
    """Per column, the width of its widest word."""
    return [max(word_width_cm(word, size_pt) for cell in column for word in [NARROWEST,
                                                                              *cell.split()])
            for column in zip(header, *rows, strict=True)]


def column_widths(header: Sequence[str], rows: Sequence[Sequence[str]], usable_cm: float,
                  size_pt: float = BODY_PT) -> list[float]:
    """Centimetres per column, adding up to the usable width: never narrower than its longest
    word (no "Organisatio/ns") where the page allows, the rest shared by how much text each
    column holds. Words that cannot all fit shrink alike."""
    floor = _floors(header, rows, size_pt)
    if sum(floor) >= usable_cm:
        return [usable_cm * f / sum(floor) for f in floor]
    text = [sum(min(len(cell), 300) for cell in column)
            for column in zip(header, *rows, strict=True)]
    spare, total = usable_cm - sum(floor), sum(text) or 1
    return [f + spare * t / total for f, t in zip(floor, text, strict=True)]


def table_layout(header: Sequence[str], rows: Sequence[Sequence[str]],
                 usable_cm: float) -> TableLayout:
    """The largest type size at which every column's longest word fits the usable width."""
    size = next((pt for pt in TABLE_SIZES_PT if sum(_floors(header, rows, pt)) <= usable_cm),
                TABLE_SIZES_PT[-1])
    return TableLayout(size, column_widths(header, rows, usable_cm, size))


def usable_width_cm(document: Any) -> float:
    """The text width of the document's last section: page width less both margins."""
    section = document.sections[-1]
    return float((section.page_width - section.left_margin - section.right_margin) / 360_000)


def _a4_page(document: Any) -> None:
    """A4 with 2.54 cm margins (python-docx's template is US Letter), body text in Arial."""
    from docx.shared import Cm, Pt

    section = document.sections[0]
    section.page_width, section.page_height = Cm(A4_CM[0]), Cm(A4_CM[1])
    section.left_margin = section.right_margin = Cm(MARGIN_CM)
    normal = document.styles["Normal"].font
    normal.name, normal.size = BODY_FONT, Pt(BODY_PT)


def _page_numbers(document: Any) -> None:
    """"Page N" in every page's footer, as a PAGE field Word fills in."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    paragraph = document.sections[0].footer.paragraphs[0]
    paragraph.alignment = 1  # centred
    paragraph.add_run(texts.REPORT_PAGE)
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    number = OxmlElement("w:r")
    placeholder = OxmlElement("w:t")
    placeholder.text = "1"
    number.append(placeholder)
    field.append(number)
    paragraph._p.append(field)


def _table(document: Any, header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> None:
    from docx.shared import Cm, Pt

    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    table.autofit = False
    layout = table_layout(header, rows, usable_width_cm(document))
    for cell, title in zip(table.rows[0].cells, header, strict=True):
        cell.text = title
        cell.paragraphs[0].runs[0].bold = True
    for row in rows:
        for cell, value in zip(table.add_row().cells, row, strict=True):
            cell.text = value
    for column, width in zip(table.columns, layout.widths_cm, strict=True):
        column.width = Cm(width)
        for cell in column.cells:  # Word reads the cells' widths, LibreOffice the columns'
            cell.width = Cm(width)
            if layout.size_pt != BODY_PT:
                for run in (r for p in cell.paragraphs for r in p.runs):
                    run.font.size = Pt(layout.size_pt)


def to_docx(blocks: list[Block], info: DocumentInfo | None = None) -> bytes:
    from docx import Document  # a slow import (lxml): only a report pays for it
    from docx.shared import Cm

    document = Document()
    _a4_page(document)
    if info is not None:
        properties = document.core_properties
        properties.title, properties.author = info.title, info.author
        properties.created = properties.modified = info.created.replace(tzinfo=None)
        properties.last_modified_by = info.author
        properties.revision = 1
        properties.comments = ""
    _page_numbers(document)
    for block in blocks:
        match block:
            case Heading(text, level):
                document.add_heading(text, level)
            case Paragraph(text, label):
                paragraph = document.add_paragraph()
                if label:
                    paragraph.add_run(f"{label}: ").bold = True
                paragraph.add_run(text)
            case Table(header, rows):
                _table(document, header, rows)
            case Picture(png, caption):
                document.add_picture(io.BytesIO(png), width=Cm(usable_width_cm(document)))
                document.add_paragraph().add_run(caption).italic = True
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _html_block(block: Block) -> str:
    match block:
        case Heading(text, level):
            return f"<h{level + 1}>{escape(text)}</h{level + 1}>"
        case Paragraph(text, label):
            strong = f"<strong>{escape(label)}:</strong> " if label else ""
            body = escape(text).replace("\n", "<br>\n")
            return f"<p>{strong}{body}</p>"
        case Table(header, rows):
            head = "".join(f"<th>{escape(h)}</th>" for h in header)
            body = "\n".join("<tr>" + "".join(
                f"<td>{escape(v).replace(chr(10), '<br>')}</td>" for v in row) + "</tr>"
                             for row in rows)
            return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>"
        case Picture(png, caption):
            source = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
            return (f'<figure><img src="{source}" alt="{escape(caption)}" style="max-width:100%">'
                    f"<figcaption>{escape(caption)}</figcaption></figure>")
    raise AssertionError(f"unknown block {block!r}")


_STYLE = ("body{font-family:sans-serif;max-width:50em;margin:2em auto;line-height:1.4}"
          "table{border-collapse:collapse}td,th{border:1px solid #999;padding:.3em .6em;"
          "text-align:left;vertical-align:top}")


def to_html(blocks: list[Block]) -> str:
    body = "\n".join(_html_block(block) for block in blocks)
    return (f'<!DOCTYPE html>\n<html lang="en-GB">\n<head><meta charset="utf-8">'
            f"<title>{escape(texts.REPORT_TITLE)}</title><style>{_STYLE}</style></head>\n"
            f"<body>\n{body}\n</body>\n</html>\n")
