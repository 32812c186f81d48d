"""The audit log page: who changed what and when, for the school (every school for the district admin)."""
from __future__ import annotations

import sqlalchemy as sa

from central.circulation.schools import add_school
from central.staff import audit
from central.store.models import Patron
from tests.central.conftest import SQLITE_ONLY
from tests.central.staff import StaffClient, add_staff, text_of


@SQLITE_ONLY
def test_the_audit_page_shows_the_schools_changes_newest_first_in_the_readers_language(staff, app, database, clock,
                                                                                       library):
    """GIVEN a block and an unblock at the test school and a change at another school WHEN the librarian opens the
    audit log THEN she sees her school's two entries, newest first, not the other school's; the district admin
    sees all three; a Spanish-speaking librarian reads them in Spanish."""
    with database.reader() as session:
        maria = session.scalar(sa.select(Patron.id).where(Patron.barcode == library.maria))
    staff["librarian"].post(f"/patrons/{maria}/block", {"reason": "Parent asked"}, page=f"/patrons/{maria}")
    clock.advance(minutes=5)
    staff["librarian"].post(f"/patrons/{maria}/unblock", {}, page=f"/patrons/{maria}")
    with database.writer() as session, session.begin():
        hill = add_school(session, "hill", "Hill Middle", 4321)
        audit.record(session, now=clock.now(), action="school.create", actor="cli", school_id=hill.id,
                     summary="Added the school {name} ({code}) from the command line.",
                     values={"name": "Hill Middle", "code": "hill"})
    page = text_of(staff["librarian"].get("/audit"))
    assert page.index("Unblocked Maria G.") < page.index("Blocked Maria G.")
    assert "Hill Middle" not in page and "librarian" in page
    everything = text_of(staff["district_admin"].get("/audit"))
    assert "Added the school Hill Middle (hill) from the command line." in everything and "Blocked Maria G." in everything
    add_staff(database, clock, "lucia", "librarian", library.school_id, language="es")
    spanish = StaffClient(app)
    spanish.sign_in("lucia")
    assert "Bloqueó a Maria G." in text_of(spanish.get("/audit")) and "Parent asked" in text_of(spanish.get("/audit"))
    assert staff["technician"].get("/audit").status_code == 403
