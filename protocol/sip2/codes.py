"""The SIP2 code tables by name: circulation status, fee and payment types, security marker, media type,
hold type and mode, and the 3M alert type.

Decoded enumeration fields come back as these enum members (an ``IntEnum`` still equals its
number, so ``status == 3`` keeps working); a code outside the table, which some vendors send,
comes back as the plain number instead of an error. ``words(code)`` gives a librarian's phrase.
"""
from __future__ import annotations

from enum import Enum, IntEnum


class CirculationStatus(IntEnum):
    """Item Information Response (18): where the item is in its life."""

    OTHER = 1
    ON_ORDER = 2
    AVAILABLE = 3
    CHARGED = 4
    CHARGED_NOT_TO_BE_RECALLED = 5  # charged; not to be recalled until the earliest recall date
    IN_PROCESS = 6
    RECALLED = 7
    WAITING_ON_HOLD_SHELF = 8
    WAITING_TO_BE_RESHELVED = 9
    IN_TRANSIT = 10  # between library locations
    CLAIMED_RETURNED = 11
    LOST = 12
    MISSING = 13


class FeeType(IntEnum):
    """Fee types (BT, and the fee type of 18 and 37)."""

    OTHER = 1
    ADMINISTRATIVE = 2
    DAMAGE = 3
    OVERDUE = 4
    PROCESSING = 5
    RENTAL = 6
    REPLACEMENT = 7
    COMPUTER_ACCESS = 8
    HOLD_FEE = 9


class PaymentType(IntEnum):
    """How a fee was paid (37)."""

    CASH = 0
    VISA = 1
    CREDIT_CARD = 2


class SecurityMarker(IntEnum):
    """The item's security marker (18)."""

    OTHER = 0
    NONE = 1
    TATTLE_TAPE = 2  # 3M Tattle-Tape security strip
    WHISPER_TAPE = 3  # 3M Whisper Tape


class HoldType(IntEnum):
    """Hold type (BY) of a Hold message (15)."""

    OTHER = 1
    ANY_COPY = 2
    SPECIFIC_COPY = 3
    ANY_COPY_AT_BRANCH = 4


class AlertType(IntEnum):
    """The 3M extension CV of a Checkin Response (10): why the alert sounds."""

    UNKNOWN = 0
    HOLD_FOR_THIS_LIBRARY = 1
    HOLD_FOR_OTHER_BRANCH = 2
    HOLD_FOR_ILL = 3
    SEND_TO_OTHER_BRANCH = 4
    OTHER = 99


class MediaType(str, Enum):
    """Media type (CK): three digits, kept as text on the wire."""

    OTHER = "000"
    BOOK = "001"
    MAGAZINE = "002"
    BOUND_JOURNAL = "003"
    AUDIO_TAPE = "004"
    VIDEO_TAPE = "005"
    CD_CDROM = "006"
    DISKETTE = "007"
    BOOK_WITH_DISKETTE = "008"
    BOOK_WITH_CD = "009"
    BOOK_WITH_AUDIO_TAPE = "010"


class HoldMode(str, Enum):
    """Hold mode of a Hold message (15)."""

    ADD = "+"
    DELETE = "-"
    CHANGE = "*"


def lookup(table: type[Enum], code):
    """The member of ``table`` for ``code``, or ``code`` itself when the table has no such entry."""
    try:
        return table(code)
    except ValueError:
        return code


def words(code) -> str:
    """A phrase for a code: 'waiting on hold shelf' for CirculationStatus(8); the code itself otherwise."""
    if isinstance(code, Enum):
        return code.name.lower().replace("_", " ")
    return str(code)


def media_type(code: str | None) -> MediaType | str | None:
    """The media type of a received CK value (a MediaType when known)."""
    return None if code is None else lookup(MediaType, code.strip())


def alert_type(code: str | None) -> AlertType | str | None:
    """The 3M alert type of a received CV value (an AlertType when known)."""
    if code is None:
        return None
    text = code.strip()
    return lookup(AlertType, int(text)) if text.isascii() and text.isdigit() else text
