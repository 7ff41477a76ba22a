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


PAGE_WIDTH_CM = 16.0  # A4 less the default margins
MIN_COLUMN_CM = 1.6


def column_widths(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[float]:
    """Centimetres per column: never narrower than its longest word (no "Organisatio/ns"), the
    rest of the page shared by how much text each column holds."""
    columns = list(zip(header, *rows, strict=True))
    longest = [max(len(w) for cell in column for w in (cell.split() or [""])) for column in columns]
    floor = [max(MIN_COLUMN_CM, 0.23 * n + 0.4) for n in longest]
    text = [sum(min(len(cell), 300) for cell in column) for column in columns]
    spare = max(PAGE_WIDTH_CM - sum(floor), 0.0)
    total = sum(text) or 1
    return [f + spare * t / total for f, t in zip(floor, text, strict=True)]


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
    from docx.shared import Cm

    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    table.autofit = False
    widths = column_widths(header, rows)
    for cell, title in zip(table.rows[0].cells, header, strict=True):
        cell.text = title
        cell.paragraphs[0].runs[0].bold = True
    for row in rows:
        for cell, value in zip(table.add_row().cells, row, strict=True):
            cell.text = value
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Cm(width)
        for cell in column.cells:  # Word reads the cells' widths, LibreOffice the columns'
            cell.width = Cm(width)


def to_docx(blocks: list[Block], info: DocumentInfo | None = None) -> bytes:
    from docx import Document  # a slow import (lxml): only a report pays for it
    from docx.shared import Cm

    document = Document()
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
                document.add_picture(io.BytesIO(png), width=Cm(16))
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
