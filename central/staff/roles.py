"""What each staff role may do: one table from permission to roles, and which schools a person sees.

Every staff route names exactly one permission (central/web/policy.py refuses the rest), so this
table is the whole answer to "who may do what". Reports and a kiosk fleet page plug in by adding
their permission here.
"""
from __future__ import annotations

from central.store.models import StaffAccount

ALL = frozenset({"librarian", "technician", "read_only", "district_admin"})
CHANGERS = frozenset({"librarian", "technician", "district_admin"})
LIBRARIANS = frozenset({"librarian", "district_admin"})

PERMISSIONS: dict[str, frozenset[str]] = {
    "home": ALL,                 # the dashboard, signing out, one's own page language
    "school.switch": frozenset({"district_admin"}),  # choose the school the desk and new copies are for
    "catalog.view": ALL,         # search, title pages, copies
    "catalog.edit": CHANGERS,    # add and edit titles and copies, withdraw, lost, damaged, found
    "labels.print": CHANGERS,    # spine and barcode labels
    "patrons.view": frozenset({"librarian", "technician", "read_only", "district_admin"}),
    "patrons.edit": LIBRARIANS,  # add, edit, block, unblock, reset a PIN, add a card
    "cards.print": LIBRARIANS,   # library cards carry the patron's name and number
    "desk.use": CHANGERS,        # check out, check in, renew, holds, take a payment
    "fines.waive": LIBRARIANS,   # forgiving money is the librarian's decision
    "audit.view": LIBRARIANS,
    "exceptions.view": ALL,      # what the conflict rules decided and what kiosks alerted, at one's schools
    "exceptions.resolve": CHANGERS,  # mark one resolved with a note (a technician settles kiosk alerts)
    "exceptions.reopen": LIBRARIANS,  # undo a resolution: the librarian decides it was not settled
    "imports.catalog": CHANGERS,   # import MARC records into the school's catalog; the import page and its runs
    "imports.patrons": LIBRARIANS,  # import patron CSV files and OneRoster rosters (names, grades, card numbers)
    "exports.catalog": CHANGERS,   # download the school's catalog as MARC 21 or MARCXML
    "exports.patrons": LIBRARIANS,  # download the school's patrons as CSV (names and card numbers)
}
# Permissions that never change anything: the only ones a read-only account is given.
READ_ONLY = frozenset({"home", "catalog.view", "patrons.view", "exceptions.view"})


def allowed(account: StaffAccount | None, permission: str) -> bool:
    """True when ``account`` (signed in, not disabled) holds ``permission``; unknown permissions are refused."""
    if account is None or account.disabled:
        return False
    return account.role in PERMISSIONS.get(permission, frozenset())


def sees_every_school(account: StaffAccount) -> bool:
    """True for the district administrator, who sees and changes every school."""
    return account.role == "district_admin"


def may_see_school(account: StaffAccount, school_id: int | None) -> bool:
    """True when ``account`` may see or change records of ``school_id``."""
    return sees_every_school(account) or (school_id is not None and account.school_id == school_id)
