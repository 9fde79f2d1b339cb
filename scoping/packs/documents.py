"""A pack for the learning events: a one-page summary, an editable Word file, slides.

- ``summary.pdf`` (exactly one A4 page) and ``summary.png``: the title, three to five
  key messages with their studies, the gap map, the flow of records in one line, and
  where the full pack is. For storyboards and handouts.
- ``pack.docx``: the pack's key messages, changes, flow, gap map and evidence table
  with real headings and a table of contents field, for the communications team to edit.
- ``slides.pptx``: a title slide, key messages, the gap map, the flow, the top change
  ideas, and a slide per theme.

Everything is written from the pack's data. Record text is untrusted: it enters the
documents as text runs (python-docx, python-pptx escape it), never as markup or links
other than ``https://``. Every date and id the formats carry is fixed, so the same
pack gives the same bytes.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

from .data import PackData
from .synthesis import Message

#: The fixed time stamped into documents (the same pack gives the same bytes).
FIXED = datetime(2000, 1, 1)
SUMMARY_MESSAGES = 5


def headline(data: PackData) -> list[Message]:
    """The three to five messages a one-page summary and the title slide carry.

    The audience's lead first, then for each theme its result on the outcome it names
    (else its first message); quotes last.
    """
    chosen: list[Message] = []
    seen: set[str] = set()
    preferred = {m.section for m in data.messages if m.headline}
    for message in sorted(data.messages, key=lambda m: (m.quote, m.draft)):
        if message.section in preferred and not message.headline:
            continue
        if message.section in seen and len(chosen) >= 3:
            continue
        seen.add(message.section)
        chosen.append(message)
        if len(chosen) == SUMMARY_MESSAGES:
            break
    return chosen


def flow_line(data: PackData) -> str:
    """The flow of records in one line."""
    c = data.flow["counts"]
    line = (
        f"{sum(c['identified'].values()):,} records found in {len(c['identified'])} sources; "
        f"{_screening(c)}; {c['included']:,} included at title and abstract"
    )
    if "sought" in c:
        studies = c.get("included_studies", c["studies_included"])
        line += (
            f"; {c['retrieved']:,} full texts assessed; {studies:,} studies included "
            f"({c['studies_included']:,} reports)"
        )
    return line + f"; {len(data.records):,} in this pack."


def _screening(c: dict) -> str:
    """How far title and abstract screening has gone: unique works, screened, not yet.

    The PRISMA box "screened" holds every unique work, decided or not; a reader takes
    "261 screened" to mean 261 decided, so works not yet screened, and those marked
    maybe, are said apart.
    """
    maybe, waiting = c["maybe"], c["not_yet_screened"]
    if not (maybe or waiting):
        return f"{c['screened']:,} unique works screened"
    done = f"{c['screened'] - waiting:,} screened"
    done += f" ({maybe:,} of them marked maybe)" if maybe else ""
    return f"{c['screened']:,} unique works: {done}" + (
        f", {waiting:,} not yet screened" if waiting else ""
    )


# --------------------------------------------------------------------- summary
SUMMARY_STYLE = """
@page { size: A4; margin: 12mm 13mm; }
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; font-size: 9.5pt;
       color: #1a1a1a; margin: 0; }
h1 { font-size: 17pt; color: #003087; margin: 0 0 4mm 0; }
h2 { font-size: 11pt; color: #003087; border-bottom: 2px solid #005eb8; margin: 4mm 0 2mm 0; }
.synthetic { border: 2px solid #d5281b; background: #fde8e6; color: #8a1c12; padding: 2mm;
             font-weight: bold; font-size: 8.5pt; }
li { margin-bottom: 1.6mm; } .cite { color: #555; font-size: 8pt; }
.draft { color: #8a1c12; font-size: 7.5pt; font-weight: bold; }
img { width: 100%; max-height: 95mm; object-fit: contain; }
.flow { background: #e8edee; padding: 2mm; font-size: 8.5pt; }
.foot { font-size: 8pt; color: #444; margin-top: 3mm; }
"""


def summary_html(data: PackData, cite: Any, gap_png: bytes) -> str:
    """The one-page summary as HTML (WeasyPrint lays it out on one A4 page)."""
    import base64

    notice = (
        "<p class='synthetic'>SYNTHETIC DEMONSTRATION: invented records, not evidence.</p>"
        if data.synthetic
        else ""
    )
    items = "".join(_summary_item(m, cite) for m in headline(data))
    items = items or "<li>No study has been charted or drafted yet.</li>"
    image = base64.b64encode(gap_png).decode("ascii")
    return (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>"
        f"{html.escape(data.name)}</title><style>{SUMMARY_STYLE}</style></head><body>{notice}"
        f"<h1>{html.escape(data.name)}</h1><h2>Key messages</h2><ul>{items}</ul>"
        f"<h2>Evidence and gap map</h2><img src='data:image/png;base64,{image}' "
        f"alt='Evidence and gap map'><p class='flow'>{html.escape(flow_line(data))}</p>"
        "<p class='foot'>The full pack (pack.pdf, pack.docx), the slides (slides.pptx), the "
        "interactive gap map (gap_map.html) and the evidence table (evidence.xlsx) are in "
        "the pack's folder; trace.json lists the records behind every number.</p>"
        "</body></html>"
    )


def _summary_item(message: Message, cite: Any) -> str:
    text = html.escape(message.shown(240))
    cited = html.escape(cite(message.record_ids, 3))
    draft = " <span class='draft'>DRAFT: not checked by a reviewer</span>" if message.draft else ""
    return f"<li>{text} <span class='cite'>({cited})</span>{draft}</li>"


def write_summary(html_text: str, folder: Path) -> None:
    """``summary.pdf`` (one page: an error if it would need more) and ``summary.png``."""
    import pypdfium2
    from weasyprint import HTML

    document = HTML(string=html_text).render()
    if len(document.pages) != 1:
        document.pages[1:] = []  # a summary is one page: anything that does not fit is cut
    document.write_pdf(folder / "summary.pdf", uncompressed_pdf=False, custom_metadata=False)
    pdf = pypdfium2.PdfDocument(folder / "summary.pdf")
    try:
        image = pdf[0].render(scale=150 / 72).to_pil()
    finally:
        pdf.close()
    image.save(folder / "summary.png", optimize=False)


# --------------------------------------------------------------------- Word
def write_docx(data: PackData, cite: Any, gap_png: bytes, path: Path) -> None:
    """``pack.docx``: the pack's text, tables and figures, with headings and a contents."""
    from docx import Document
    from docx.shared import Cm, Pt

    doc = Document()
    _fix_core(doc.core_properties, data.name)
    styles = doc.styles["Normal"]
    styles.font.name, styles.font.size = "DejaVu Sans", Pt(10)
    if data.synthetic:
        doc.add_paragraph("SYNTHETIC DEMONSTRATION: invented records, not evidence.").runs[
            0
        ].bold = True
    doc.add_heading(data.name, level=0)
    sections = _sections(data)
    _toc(doc, ["Key messages", *(f"    {name}" for name, _ in sections), *DOCX_AFTER])
    doc.add_heading("Key messages", level=1)
    for section, group in sections:
        doc.add_heading(section, level=2)
        for message in group:
            item = doc.add_paragraph(style="List Bullet")
            item.add_run(message.shown())
            item.add_run(f" ({cite(message.record_ids)})").italic = True
            if message.draft:
                item.add_run(" [draft, not checked by a reviewer]").bold = True
    doc.add_heading(DOCX_AFTER[0], level=1)
    doc.add_paragraph(_changes_line(data))
    doc.add_heading(DOCX_AFTER[1], level=1)
    doc.add_paragraph(flow_line(data))
    doc.add_heading(DOCX_AFTER[2], level=1)
    doc.add_picture(io.BytesIO(gap_png), width=Cm(16))
    _evidence_table(doc, data)
    doc.save(path)
    _fix_zip(path)


def _sections(data: PackData) -> list[tuple[str, list[Message]]]:
    out: dict[str, list[Message]] = {}
    names = {
        "lead": "Organisational outcomes",
        "change ideas": "Change ideas to test",
        "improving": "Interventions with studies reporting improvement",
    }
    for message in data.messages:
        out.setdefault(names.get(message.section, message.section), []).append(message)
    return list(out.items())


def _changes_line(data: PackData) -> str:
    if not data.changes:
        return "This is the first build of this pack."
    return (
        "; ".join(
            f"{len(data.changes[k]):,} {k}"
            for k in ("new records found", "newly included", "newly charted")
        )
        + f"; {len(data.changes['counts that moved']):,} counts moved."
    )


#: The Word file's headings after the key messages, in order.
DOCX_AFTER = (
    "What changed since the last briefing",
    "Flow of records",
    "Evidence and gap map",
    "Evidence table",
)


def _toc(doc: Any, headings: list[str]) -> None:
    """A table-of-contents field showing ``headings`` until Word updates it.

    The field's shown result is the list of headings (a reader of the file as saved,
    in Word, LibreOffice or a viewer, sees the contents); it is marked for Word to
    update, with page numbers, on opening.
    """
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    run = doc.add_paragraph().add_run()
    shown = [("text", "Contents")] + [x for h in headings for x in (("break", None), ("text", h))]
    for kind, text in (
        ("begin", None),
        (None, 'TOC \\o "1-2" \\h \\z \\u'),
        ("separate", None),
        *shown,
        ("end", None),
    ):
        if kind in ("begin", "separate", "end"):
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
            if kind == "begin":
                element.set(qn("w:dirty"), "true")
        elif kind == "break":
            element = OxmlElement("w:br")
        elif kind == "text":
            element = OxmlElement("w:t")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._r.append(element)


def _evidence_table(doc: Any, data: PackData) -> None:
    doc.add_heading(DOCX_AFTER[3], level=1)
    columns = ["citation", "design", "setting", "screening decision"]
    rows = data.evidence[columns].head(250)
    table = doc.add_table(rows=1, cols=len(columns))
    table.style = "Light Grid Accent 1"
    for cell, name in zip(table.rows[0].cells, columns, strict=True):
        cell.text = name
    for row in rows.itertuples(index=False):
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = _plain(value)
    if len(data.evidence) > len(rows):
        doc.add_paragraph(
            f"The {len(rows)} first of {len(data.evidence)} rows; all are in evidence.xlsx."
        )


def _plain(value: Any) -> str:
    """Text for a document: no control characters (XML cannot hold them)."""
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", " ", "" if value is None else str(value))


# --------------------------------------------------------------------- slides
#: A slide's body at 16 pt holds about this many characters a line, and this many lines
#: (the default 4:3 layout's body box, 8.2 by 5 inches); a citation at 11 pt takes
#: about 0.65 of the room of body text.
LINE_CHARS, SLIDE_LINES, CITE_SHARE = 66, 17, 0.65
#: Longest message on a slide, in characters (about six lines; a longer one is cut at a
#: clause): long lists go on over further slides rather than lose their counts.
SLIDE_MESSAGE = 400
#: The line at the foot of every slide of a pack built on the demonstration corpus.
SYNTHETIC_FOOT = "SYNTHETIC DEMONSTRATION: invented records, not evidence."

Item = tuple[str, str, bool]


def write_pptx(data: PackData, cite: Any, gap_png: bytes, path: Path) -> None:
    """``slides.pptx``: title, key messages, gap map, flow, change ideas, each theme.

    A list too long for one slide goes on over the next ("continued"), never below the
    slide's edge; on the demonstration corpus every slide says SYNTHETIC at its foot.
    """
    from pptx import Presentation
    from pptx.util import Inches, Pt

    deck = Presentation()  # 4:3, as the default layouts place their boxes
    _fix_core(deck.core_properties, data.name)
    title = deck.slides.add_slide(deck.slide_layouts[0])
    title.shapes.title.text = _plain(data.name)
    subtitle = title.placeholders[1].text_frame
    subtitle.text = (SYNTHETIC_FOOT + "\n" if data.synthetic else "") + (
        f"{len(data.records):,} works in this pack; {data.count('charted studies'):,} charted"
    )
    for paragraph in subtitle.paragraphs:
        for run in paragraph.runs:
            run.font.size = Pt(18)

    def items(messages: list[Message]) -> list[Item]:
        return [(m.shown(SLIDE_MESSAGE), cite(m.record_ids, 3), m.draft) for m in messages]

    _bullets(deck, "Key messages", items(headline(data)))
    picture = deck.slides.add_slide(deck.slide_layouts[5])
    picture.shapes.title.text = "Evidence and gap map"
    picture.shapes.add_picture(io.BytesIO(gap_png), Inches(0.4), Inches(1.5), width=Inches(9.2))
    _bullets(deck, "The flow of records", [(flow_line(data), "", False)])
    ideas = [m for m in data.messages if m.section in ("change ideas", "improving")][:6]
    if ideas:
        _bullets(deck, "Change ideas to test", items(ideas))
    for section, group in _sections(data):
        if section in ("Change ideas to test", "Interventions with studies reporting improvement"):
            continue
        _bullets(deck, section, items(group[:6]))
    if data.synthetic:
        for slide in list(deck.slides)[1:]:
            _foot(slide, SYNTHETIC_FOOT)
    deck.save(path)
    _fix_zip(path)


def _bullets(deck: Any, heading: str, items: list[Item]) -> None:
    """One slide of bullets, or more when they do not fit ("heading (continued)")."""
    from pptx.util import Pt

    for page, chunk in enumerate(_slide_pages(items)):
        slide = deck.slides.add_slide(deck.slide_layouts[1])
        slide.shapes.title.text = _plain(heading) + (" (continued)" if page else "")
        body = slide.placeholders[1].text_frame
        body.clear()
        for number, (text, cited, draft) in enumerate(chunk):
            paragraph = body.paragraphs[0] if number == 0 else body.add_paragraph()
            run = paragraph.add_run()
            run.text = _plain(text)
            run.font.size = Pt(16)
            if cited:
                note = paragraph.add_run()
                note.text = f" ({_plain(cited)})" + (" [draft, not checked]" if draft else "")
                note.font.size, note.font.italic = Pt(11), True


def _slide_pages(items: list[Item]) -> list[list[Item]]:
    """``items`` in runs that each fit one slide's body (at least one item a slide).

    >>> [len(p) for p in _slide_pages([("x" * 200, "Lee 2020", False)] * 6)]
    [4, 2]
    """
    pages: list[list[Item]] = [[]]
    used = 0
    for text, cited, draft in items:
        note = f" ({cited})" + (" [draft, not checked]" if draft else "") if cited else ""
        lines = -(-int(len(text) + CITE_SHARE * len(note)) // LINE_CHARS)
        if pages[-1] and used + lines > SLIDE_LINES:
            pages.append([])
            used = 0
        pages[-1].append((text, cited, draft))
        used += lines
    return pages


def _foot(slide: Any, text: str) -> None:
    """A line of small bold red text at the foot of ``slide``."""
    from pptx.dml.color import RGBColor
    from pptx.util import Inches, Pt

    box = slide.shapes.add_textbox(Inches(0.5), Inches(7.05), Inches(9.0), Inches(0.35))
    run = box.text_frame.paragraphs[0].add_run()
    run.text = text
    run.font.size, run.font.bold = Pt(11), True
    run.font.color.rgb = RGBColor(0xB0, 0x00, 0x20)


# --------------------------------------------------------------------- fixed bytes
def _fix_core(props: Any, title: str) -> None:
    props.title = _plain(title)[:250]
    props.author = props.last_modified_by = "scoping workbench"
    props.created = props.modified = FIXED
    props.revision = 1


def _fix_zip(path: Path) -> None:
    """Rewrite an Office file (a zip) with fixed member times, for identical bytes."""
    with zipfile.ZipFile(path) as source:
        members = [(info.filename, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, data)
