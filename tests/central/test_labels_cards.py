"""Labels and library cards: the PDFs open, sit on their sheets, and their barcodes decode back to the numbers."""
from __future__ import annotations

import io

import pypdfium2
import pytest
import sqlalchemy as sa
import zxingcpp
from pypdf import PdfReader

from central.printing import cards, labels
from central.store.models import Item, Patron
from protocol.identifiers import make_library_barcode
from tests.central.conftest import SQLITE_ONLY

DPI = 300


def decoded(pdf: bytes, page: int = 0) -> list[str]:
    """The barcodes zxing-cpp reads off one page rendered at 300 dpi, start/stop characters dropped."""
    image = pypdfium2.PdfDocument(pdf)[page].render(scale=DPI / 72).to_pil()
    found = [r.text for r in zxingcpp.read_barcodes(image)]
    return sorted(t[1:-1] if t[:1] in "ABCD" and t[-1:] in "ABCD" else t for t in found)


def _labels(n: int) -> list[labels.Label]:
    return [labels.Label(make_library_barcode("3", 1234, i), f"Book number {i} with a rather long title",
                         "FIC SAC", "Lincoln Elementary School") for i in range(1, n + 1)]


@pytest.mark.parametrize("symbology", ["codabar", "code39"])
def test_barcode_labels_fill_avery_5160_and_every_barcode_decodes(symbology):
    """GIVEN 32 copies WHEN barcode labels are made from position 3 THEN the first sheet holds 28 (3 x 10 less the
    2 used), the second the last 4, and every barcode read back is the copy's 14-digit number."""
    pdf = labels.barcode_labels(_labels(32), symbology=symbology, start=3)
    document = pypdfium2.PdfDocument(pdf)
    assert len(document) == 2
    width, height = document[0].get_size()
    assert (round(width), round(height)) == (612, 792)  # US Letter
    first, second = decoded(pdf, 0), decoded(pdf, 1)
    expected = sorted(label.barcode for label in _labels(32))
    assert len(first) == 28 and len(second) == 4 and sorted(first + second) == expected


def test_labels_sit_in_the_avery_5160_grid():
    """GIVEN the 5160 sheet THEN label 1 is 3/16 in from the left and 1/2 in from the top, and label 30 ends at
    the last column's right edge, 1/2 in above the bottom."""
    sheet = labels.SHEETS["avery5160"]
    assert sheet.box(0) == (13.5, 792 - 36 - 72)
    x, y = sheet.box(29)
    assert (round(x + sheet.width, 2), round(y, 2)) == (round(612 - 13.5, 2), 36.0)


def test_spine_labels_print_the_call_number_one_part_per_line():
    """GIVEN a copy "597.3 GIB" WHEN spine labels are made THEN the PDF text has 597.3 and GIB on their own lines."""
    pdf = labels.spine_labels([labels.Label(make_library_barcode("3", 1234, 1), "Sharks", "597.3 GIB", "Lincoln")])
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert text.split() == ["597.3", "GIB"]


def test_library_cards_carry_the_name_school_and_a_decodable_barcode():
    """GIVEN two patrons (one with an accented name) WHEN cards are made THEN the PDF shows their names and school
    and both barcodes decode to their numbers."""
    made = cards.library_cards([cards.Card(make_library_barcode("2", 1234, 1), "María García", "Lincoln Elementary",
                                           "Grade 3 - Room 12"),
                                cards.Card(make_library_barcode("2", 1234, 2), "Sam Okafor", "Lincoln Elementary",
                                           "Grade 5")], symbology="code39")
    text = PdfReader(io.BytesIO(made)).pages[0].extract_text()
    assert "María García" in text and "Sam Okafor" in text and "Lincoln Elementary" in text
    assert decoded(made) == [make_library_barcode("2", 1234, 1), make_library_barcode("2", 1234, 2)]


@SQLITE_ONLY
def test_the_labels_page_gives_a_pdf_of_the_chosen_copies(staff, database, library):
    """GIVEN a technician WHEN she asks the labels of two copies as Codabar THEN the answer is a PDF, not kept by
    the browser, whose barcodes are those two copies; a start past the sheet is refused with 400."""
    with database.reader() as session:
        ids = [session.scalar(sa.select(Item.id).where(Item.barcode == code)) for code in (library.sharks, library.bear)]
    response = staff["technician"].get(f"/labels/print?item={ids[0]}&item={ids[1]}&kind=barcode&symbology=codabar")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    assert decoded(response.data) == sorted([library.sharks, library.bear])
    assert staff["technician"].get(f"/labels/print?item={ids[0]}&start=31").status_code == 400


@SQLITE_ONLY
def test_the_card_of_a_patron_prints_from_the_patron_page(staff, database, library):
    """GIVEN Maria WHEN a librarian prints her card THEN a PDF whose barcode is Maria's number; a technician may not."""
    with database.reader() as session:
        maria = session.scalar(sa.select(Patron.id).where(Patron.barcode == library.maria))
    response = staff["librarian"].get(f"/patrons/cards?patron={maria}")
    assert response.mimetype == "application/pdf" and decoded(response.data) == [library.maria]
    assert "Maria Garcia" in PdfReader(io.BytesIO(response.data)).pages[0].extract_text()
    assert staff["technician"].get(f"/patrons/cards?patron={maria}").status_code == 403
