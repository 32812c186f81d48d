"""ESC/POS with a printer's capability profile: checking profile and code page, rendering to bytes.

python-escpos knows, per printer model ("TM-T88V", "TM-T20II", "TSP600" ...), which code pages sit
in which ESC t slot and whether the printer draws QR codes itself. A receipt is rendered into
python-escpos' ``Dummy`` with that profile, so the bytes are exactly what the printer is sent.
"""
from __future__ import annotations

from drivers.errors import MissingDependency
from drivers.receipt import Receipt, render_escpos
from drivers.settings import SettingsChecker

INIT = b"\x1b@"  # ESC @: reset styles left over from an earlier, interrupted job


def import_escpos():
    """The python-escpos printer module, or MissingDependency naming the extra."""
    try:
        from escpos import printer
    except ImportError as exc:  # pragma: no cover - exercised in the no-dependency subprocess test
        raise MissingDependency("python-escpos", "printer") from exc
    return printer


def check_profile(check: SettingsChecker, profile: str | None) -> str | None:
    """The profile name if python-escpos knows it (None = its default profile)."""
    if profile is None:
        return None
    check.text("profile", profile, allow_empty=False)
    try:
        from escpos.capabilities import get_profile
    except ImportError:
        return profile  # checked when printing; MissingDependency says what to install
    try:
        get_profile(profile)
    except Exception:  # noqa: BLE001 -- python-escpos raises its own NotSupported class
        raise check.fail("profile", "a python-escpos printer profile such as 'TM-T88V' or 'default'",
                         profile) from None
    return profile


def check_encoding(check: SettingsChecker, profile: str | None, encoding: str) -> str | None:
    """The code page to start in, if the profile has it; None for "auto" (python-escpos decides)."""
    text = check.text("encoding", encoding)
    if text.lower() in ("", "auto"):
        return None
    try:
        from escpos.capabilities import get_profile
    except ImportError:
        return text
    if text not in get_profile(profile).get_code_pages():
        raise check.fail("encoding", "a code page this printer profile has, such as CP858 or CP850", encoding)
    return text


def render_bytes(receipt: Receipt, profile: str | None, encoding: str | None, width: int) -> bytes:
    """The ESC/POS bytes for ``receipt`` on a printer with ``profile``, starting in ``encoding``."""
    dummy = import_escpos().Dummy(profile=profile)
    dummy._raw(INIT)
    if encoding:
        # Start in the Latin page that has every Spanish letter and the euro sign, and keep
        # python-escpos' magic switching on for anything outside it.
        dummy.magic.force_encoding(encoding)
        dummy.magic.disabled = False
    render_escpos(receipt, dummy, width=width)
    return dummy.output
