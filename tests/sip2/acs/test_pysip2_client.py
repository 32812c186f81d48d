"""The central server's SIP2 server with a self-check written on pysip2's codec (SQLite and PostgreSQL):
logins, patrons, circulation through the event store, exactly once."""
from __future__ import annotations

import sqlalchemy as sa
from pysip2 import (
    CheckinRequest, CheckoutRequest, EndPatronSessionRequest, ItemInformationRequest, PatronInformationRequest,
    PatronStatusRequest, RenewAllRequest, RenewRequest, SCStatusRequest,
)

from central.store.models import CirculationEvent, Loan
from tests.sip2.acs.conftest import JOSE, NOW18, STATION, RawClient

NO_DATE = "00000000    000000"


def patron_info(barcode, summary=" " * 10, pin=None, language="000"):
    """A pysip2 63."""
    return PatronInformationRequest(language=language, transaction_date=NOW18, summary=summary, institution_id="",
                                    patron_identifier=barcode, patron_password=pin)


def checkout(patron, item, when=NOW18, no_block="N", nb_due=NO_DATE):
    """A pysip2 11 (pysip2 cannot write the blank nb due date, so "no date" is zeros with a blank zone)."""
    return CheckoutRequest(sc_renewal_policy="N", no_block=no_block, transaction_date=when, nb_due_date=nb_due,
                           institution_id="", patron_identifier=patron, item_identifier=item, terminal_password="")


def events(database, kind=None):
    """The station's stored events as (sequence, type, ok, offline)."""
    with database.reader() as session:
        query = sa.select(CirculationEvent).where(CirculationEvent.kiosk_id == STATION)
        if kind:
            query = query.where(CirculationEvent.type == kind)
        rows = session.scalars(query.order_by(CirculationEvent.sequence)).all()
        return [(r.sequence, r.type, r.ok, r.offline) for r in rows]


def test_login_then_status_says_what_the_server_offers(client):
    """GIVEN a logged-in self-check WHEN it sends 99 THEN the 98 says online, checkin/checkout/renew allowed, offline
    transactions accepted, the library's name, and which messages are supported."""
    status = client.ask(SCStatusRequest(status_code="0", max_print_width="040", protocol_version="2.00")).message
    assert (status.online_status, status.checkin_ok, status.checkout_ok, status.offline_ok) == ("Y", "Y", "Y", "Y")
    assert status.library_name == "Test School Library" and status.terminal_location == "MAIN-1"
    assert status.supported_messages == "YYYNYYYYYNYNNNYY"


def test_a_wrong_password_is_refused_and_three_close_the_connection(acs):
    """GIVEN a wrong password WHEN a self-check logs in three times THEN each answer is 940 and then the server
    closes the connection."""
    raw = RawClient(acs.address)
    try:
        assert [raw.login(password="wrong").ok for _ in range(3)] == ["0", "0", "0"]
        assert raw.closed()
    finally:
        raw.close()


def test_circulation_before_login_closes_the_connection_and_changes_nothing(acs, library, database):
    """GIVEN a self-check that has not logged in WHEN it sends a checkout THEN the server closes the connection and
    no event is recorded."""
    raw = RawClient(acs.address)
    try:
        raw.send_raw(raw.frame(checkout(library.maria, library.sharks)))
        assert raw.read_raw() == b""
        assert events(database) == []
    finally:
        raw.close()


def test_patron_information_gives_counts_lists_and_the_display_name(client, library):
    """GIVEN Lena with three books out WHEN a 63 asks for charged items THEN the 64 names her "Lena K.", counts three
    charged of a limit of 3, lists their barcodes, and flags the limit reached."""
    answer = client.ask(patron_info(library.lena, summary="  Y       ")).message
    assert answer.personal_name == "Lena K." and answer.valid_patron == "Y"
    assert answer.charged_items_count == "0003" and answer.charged_items_limit == "0003"
    assert sorted(answer.charged_items) == sorted(library.lenas)
    assert answer.patron_status[5] == "Y"  # too many items charged


def test_fines_and_language_come_through(client, library):
    """GIVEN Omar owes $6.00 and Maria speaks Spanish WHEN they are looked up THEN Omar's 64 has BV 6.00, the fine
    items and 'excessive fines', and Maria's 64 says language 008 (Spanish)."""
    omar = client.ask(patron_info(library.owes, summary="   Y      ")).message
    assert omar.fee_amount == "6.00" and omar.patron_status[0] == "Y" and omar.patron_status[10] == "Y"
    assert omar.fine_items and all(item.split(" ")[0].replace(".", "").isdigit() for item in omar.fine_items)
    assert client.ask(patron_info(library.maria)).message.language == "008"


def test_the_pin_is_checked_and_an_unknown_card_is_not_valid(client, library):
    """GIVEN Sam with PIN 4321 WHEN looked up with the right PIN, a wrong one, and none THEN CQ is Y, N, N; an unknown
    barcode has BL N."""
    assert client.ask(patron_info(library.sam, pin="4321")).message.valid_patron_password == "Y"
    assert client.ask(patron_info(library.sam, pin="0000")).message.valid_patron_password == "N"
    assert client.ask(patron_info(library.sam)).message.valid_patron_password == "N"
    assert client.ask(patron_info(library.maria)).message.valid_patron_password == "Y"  # she has no PIN
    unknown = client.ask(patron_info(library.unknown_patron)).message
    assert unknown.valid_patron == "N" and unknown.personal_name == ""


def test_patron_status_23_answers_too(client, library):
    """GIVEN the 23 message WHEN a self-check asks about Maria THEN the 24 is valid with her display name."""
    answer = client.ask(PatronStatusRequest(language="001", transaction_date=NOW18, institution_id="",
                                            patron_identifier=library.maria, terminal_password="",
                                            patron_password="")).message
    assert answer.valid_patron == "Y" and answer.personal_name == "Maria G."


def test_an_accented_name_is_sent_in_cp850(client):
    """GIVEN José Núñez WHEN looked up on the cp850 server THEN the name arrives as "José N."."""
    assert client.ask(patron_info(JOSE)).message.personal_name == "José N."


def test_a_checkout_is_an_event_in_the_same_store_as_the_rest_api(client, library, database):
    """GIVEN an available book WHEN a self-check checks it out THEN the 12 is ok with the title and due date, and the
    loan and a checkout event for the SIP2 station are stored."""
    answer = client.ask(checkout(library.maria, library.sharks)).message
    assert answer.ok == "1" and answer.renewal_ok == "N" and answer.title_identifier == "All About Sharks"
    assert answer.due_date == "20251020    235959"
    assert events(database) == [(1, "checkout", True, False)]
    with database.reader() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Loan).where(Loan.returned_at.is_(None))) == 4


def test_the_same_bytes_sent_again_are_answered_from_the_stored_outcome(client, library, database):
    """GIVEN a checkout was answered WHEN the self-check sends the very same bytes again (a resend) THEN it gets the
    same answer and nothing is applied twice."""
    wire = client.frame(checkout(library.maria, library.sharks))
    client.send_raw(wire)
    first = client.read_raw()
    client.send_raw(wire)
    assert client.read_raw() == first
    assert events(database) == [(1, "checkout", True, False)]


def test_a_checkout_resent_on_a_new_connection_after_a_lost_answer_is_not_a_renewal(client, connect, library, database):
    """GIVEN a checkout answered on a connection that then died WHEN the self-check reconnects and sends the same
    checkout (same transaction date, new sequence number) THEN the stored outcome comes back: one loan, no renewal."""
    first = client.ask(checkout(library.maria, library.sharks)).message
    again = connect()
    assert again.login().ok == "1"
    second = again.ask(checkout(library.maria, library.sharks)).message
    assert (second.ok, second.renewal_ok, second.due_date) == (first.ok, "N", first.due_date)
    assert events(database) == [(1, "checkout", True, False)]


def test_a_later_checkout_of_a_book_the_patron_has_is_a_renewal(client, library, database):
    """GIVEN Maria has a book WHEN she checks it out again a minute later THEN it is a renewal (renewal ok Y)."""
    client.ask(checkout(library.maria, library.sharks))
    answer = client.ask(checkout(library.maria, library.sharks, when="20251006    093100")).message
    assert answer.ok == "1" and answer.renewal_ok == "Y"
    assert events(database) == [(1, "checkout", True, False), (2, "checkout", True, False)]


def test_refusals_say_why_in_the_screen_message(client, library):
    """GIVEN a book Lena has and a reference book WHEN Maria checks them out THEN ok is 0 with the sentence."""
    on_loan = client.ask(checkout(library.maria, library.lenas[0])).message
    reference = client.ask(checkout(library.maria, library.encyclopedia)).message
    assert on_loan.ok == "0" and "Someone else has this book" in on_loan.screen_message[0]
    assert reference.ok == "0" and "stay in the library" in reference.screen_message[0]


def test_an_offline_checkout_goes_in_with_its_own_date(client, library, database):
    """GIVEN a self-check forwarding a checkout made on Friday while offline (no-block Y, nb due date) WHEN sent THEN
    the event is stored as offline, with Friday as when it happened."""
    answer = client.ask(checkout(library.maria, library.dragon, when="20251003    140000", no_block="Y",
                                 nb_due="20251017    235959")).message
    assert answer.ok == "1"
    assert events(database) == [(1, "checkout", True, True)]
    with database.reader() as session:
        occurred = session.scalar(sa.select(CirculationEvent.occurred_at))
    assert occurred.astimezone(library_tz()).isoformat().startswith("2025-10-03T14:00:00")


def library_tz():
    """The school's time zone of the test clock."""
    from tests.central.conftest import SCHOOL_TZ

    return SCHOOL_TZ


def test_checkin_says_when_a_hold_is_waiting_with_cv_01(client, library, database):
    """GIVEN Lena returns a book and the book set aside for Sam comes back WHEN checked in THEN Lena's names her barcode
    as the borrower, and the held one has the alert and alert type CV 01 (hold shelf)."""
    from pysip2 import decode_message

    back = client.ask(CheckinRequest(no_block="N", transaction_date=NOW18, return_date=NOW18, current_location="",
                                     institution_id="", item_identifier=library.lenas[0], terminal_password="")).message
    assert back.ok == "1" and back.patron_identifier == library.lena
    client.send_raw(client.frame(CheckinRequest(no_block="N", transaction_date=NOW18, return_date=NOW18,
                                                current_location="", institution_id="", item_identifier=library.held,
                                                terminal_password="")))
    raw = client.read_raw()
    held = decode_message(raw).message
    assert held.alert == "Y" and b"|CV01|" in raw
    assert [e[1] for e in events(database)] == ["checkin", "checkin"]


def test_an_unknown_item_is_refused_on_checkin_and_unknown_on_item_information(client, library):
    """GIVEN a barcode the library does not have WHEN returned or looked up THEN checkin ok is 0 and 18 says status
    01 with no title."""
    back = client.ask(CheckinRequest(no_block="N", transaction_date=NOW18, return_date=NOW18, current_location="",
                                     institution_id="", item_identifier=library.unknown_item,
                                     terminal_password="")).message
    info = client.ask(ItemInformationRequest(transaction_date=NOW18, institution_id="",
                                             item_identifier=library.unknown_item)).message
    assert back.ok == "0" and info.circulation_status == "01" and info.title_identifier == ""


def test_item_information_gives_status_title_due_date_and_shelf(client, library):
    """GIVEN one of Lena's books WHEN a 17 asks about it THEN the 18 says charged (04) with its due date and shelf."""
    info = client.ask(ItemInformationRequest(transaction_date=NOW18, institution_id="",
                                             item_identifier=library.lenas[0])).message
    assert info.circulation_status == "04" and info.due_date and info.title_identifier and info.permanent_location


def test_renew_and_renew_all_use_the_renewal_rules(client, library, database):
    """GIVEN Lena's three books (one renewal allowed each) WHEN one is renewed THEN it is ok; WHEN she renews all
    THEN the other two are renewed and the first refused (no renewals left)."""
    one = client.ask(RenewRequest(third_party_allowed="N", no_block="N", transaction_date=NOW18, nb_due_date=NO_DATE,
                                  institution_id="", patron_identifier=library.lena,
                                  item_identifier=library.lenas[0])).message
    assert one.ok == "1" and one.renewal_ok == "Y" and one.due_date
    every = client.ask(RenewAllRequest(transaction_date="20251006    093500", institution_id="",
                                       patron_identifier=library.lena)).message
    assert sorted(every.renewed_items) == sorted(library.lenas[1:]) and every.unrenewed_items == (library.lenas[0],)
    assert every.renewed_count == "0002" and every.unrenewed_count == "0001"
    assert [e[1] for e in events(database)] == ["renew"] * 4


def test_end_session_is_acknowledged(client, library):
    """GIVEN a patron's session WHEN the self-check ends it THEN the 36 says Y."""
    answer = client.ask(EndPatronSessionRequest(transaction_date=NOW18, institution_id="",
                                                patron_identifier=library.maria)).message
    assert answer.end_session == "Y"


def test_messages_without_checksums_get_answers_without_checksums(client, library):
    """GIVEN a self-check with error detection off WHEN it asks THEN the answer has no AY/AZ either."""
    client.send_raw(client.frame(patron_info(library.maria), checksum=False))
    raw = client.read_raw()
    assert raw.startswith(b"64") and b"AZ" not in raw and b"AY" not in raw


def test_a_title_sip2_cannot_carry_still_gets_an_answer(client, library, database):
    """GIVEN a catalogue title with '|' and a line break, 281 characters long WHEN the book is looked up and checked
    out THEN the answers come, with "/" for "|", a space for the line break, cut to 255 characters."""
    from central.store.models import Item, Title

    with database.writer() as session, session.begin():
        item = session.scalars(sa.select(Item).where(Item.barcode == library.dragon)).one()
        session.get(Title, item.title_id).title = "Cats | Dogs\nand more " + "x" * 260
    info = client.ask(ItemInformationRequest(transaction_date=NOW18, institution_id="",
                                             item_identifier=library.dragon)).message
    assert info.title_identifier.startswith("Cats / Dogs and more ") and len(info.title_identifier) == 255
    assert client.ask(checkout(library.maria, library.dragon)).message.ok == "1"
