"""Checking the barcodes a file brings: 14-digit library barcodes by default, or a school's own numbering.

Most school labels are 14-digit Codabar numbers (type digit, institution, sequence, Luhn check digit),
which ``protocol.identifiers`` validates. Some schools relabelled long ago with their own scheme
(Code 39 with letters, 6-digit numbers): ``BARCODES_ANY`` accepts any code a scanner can read,
still refusing spaces, unreadable characters, a length that does not fit, and a book's ISBN used as
its label (two copies would share the number). Kiosks of such a school need ``accept_other`` in
their identifier rules, since nothing then tells a student card from a book by its first digit.
"""
from __future__ import annotations

from stdnum import isbn as stdnum_isbn

from central.imports.wording import S
from protocol.identifiers import IdentifierError, normalize_code, validate_library_barcode

BARCODES_LIBRARY14, BARCODES_ANY = "library14", "any"
BARCODE_MODES = (BARCODES_LIBRARY14, BARCODES_ANY)
ITEM_DIGIT, PATRON_DIGIT = "3", "2"
MAX_BARCODE = 32  # the column's width


def barcode_problem(code: str, kind: str, mode: str = BARCODES_LIBRARY14) -> S | None:
    """Why ``code`` cannot be an item ("item") or patron ("patron") barcode, or None when it can."""
    if not code:
        return S("It has no barcode.")
    try:
        code = normalize_code(code)
    except IdentifierError:
        return S("The barcode {code} has spaces or characters a scanner cannot read.", code=code[:40])
    if len(code) > MAX_BARCODE:
        return S("The barcode {code} is longer than {most} characters.", code=code[:40], most=MAX_BARCODE)
    if mode == BARCODES_ANY:
        if kind == "item" and len(code) in (10, 13) and stdnum_isbn.is_valid(code):
            return S("The barcode {code} is the book's ISBN, not a library label: every copy would have the same "
                     "number.", code=code)
        return None
    try:
        validate_library_barcode(code)
    except IdentifierError as wrong:
        if wrong.code == "check_digit":
            return S("The barcode {code} has a wrong check digit (its last digit does not match the others): it "
                     "was probably mistyped in the old system.", code=code)
        return S("The barcode {code} is not a 14-digit library barcode. If this school's labels use another "
                 "numbering, import again with 'labels are not 14-digit library barcodes'.", code=code)
    own, other = (ITEM_DIGIT, PATRON_DIGIT) if kind == "item" else (PATRON_DIGIT, ITEM_DIGIT)
    if code[0] == other:
        return S("The barcode {code} starts with {digit}, the first digit of {other_kind}: a kiosk would take it "
                 "for one.", code=code, digit=other,
                 other_kind=S("patron cards") if kind == "item" else S("book labels"))
    return None
