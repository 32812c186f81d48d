"""One safe log line per SIP2 message: no patron name, PIN, password or full card number.

Logs outlive sessions and get pasted into support tickets, so anything personal is left out:
the patron identifier is masked to its last four characters, passwords become ``***``, names,
addresses and free text (screen messages can greet the patron by name) are left out, and
unknown vendor fields are listed by code only.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from protocol.identifiers import mask_barcode
from protocol.sip2.base import Message, describe, fixed_layout, variable_layout

MASKED_CODES = frozenset({"AA", "CY"})  # the patron, and the patron a hold is for
SECRET_CODES = frozenset({"AD", "AC", "CO"})
PERSONAL_CODES = frozenset({"AE", "BD", "BE", "BF", "AF", "AG", "AL", "DA", "PB"})


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, datetime):
        return value.isoformat()
    return "-" if value is None else str(value)


def log_line(message: Message) -> str:
    """A one-line summary of a message that is safe to write to a log."""
    cls = type(message)
    parts = [describe(cls)]
    for name, _ in fixed_layout(cls):
        parts.append(f"{name}={_shown(getattr(message, name))}")
    for name, spec in variable_layout(cls):
        value = getattr(message, name)
        if value is None or value == []:
            continue
        if spec.code in SECRET_CODES:
            shown = "***"
        elif spec.code in MASKED_CODES:
            shown = mask_barcode(value)
        elif spec.code in PERSONAL_CODES:
            shown = f"<{len(value)} hidden>" if isinstance(value, list) else "<hidden>"
        elif spec.repeat:
            shown = ",".join(value)
        else:
            shown = _shown(value)
        parts.append(f"{spec.code}={shown}")
    if message.extra_fields:
        parts.append("extra=" + ",".join(code for code, _ in message.extra_fields))
    if message.sequence_number is not None:
        parts.append(f"AY={message.sequence_number}")
    return " ".join(parts)
