"""Golden messages written by hand from the spec's layouts: decoded to the expected dataclass and back.

Each golden text was laid out field by field from SIP2 2.00 (command, fixed fields in order and
width, then variable fields), not produced by the codec. D is an 18-character local-time date.
"""
from datetime import datetime

import pytest

from protocol.sip2 import (
    ACSStatus, BlockPatron, Checkin, CheckinResponse, Checkout, CheckoutResponse, Codec, EndPatronSession,
    EndSessionResponse, FeePaid, FeePaidResponse, Hold, HoldResponse, ItemInformation, ItemInformationResponse,
    ItemStatusUpdate, ItemStatusUpdateResponse, Login, LoginResponse, PatronEnable, PatronEnableResponse,
    PatronInformation, PatronInformationResponse, PatronStatusRequest, PatronStatusResponse, Renew, RenewAll,
    RenewAllResponse, RenewResponse, RequestACSResend, RequestSCResend, SCStatus,
)

D = "20240915    143005"
WHEN = datetime(2024, 9, 15, 14, 30, 5)
DUE = "20240929    235900"
BLANK = " " * 18
PATRON, ITEM, ITEM2 = "21234000000017", "31234000000424", "31234000000515"

GOLDEN = [
    ("9300CNkiosk1|COs3cret|CPMAIN-DESK|",
     Login(login_user_id="kiosk1", login_password="s3cret", location_code="MAIN-DESK")),
    ("941", LoginResponse(ok=True)),
    ("9900302.00", SCStatus(status_code=0, max_print_width="030", protocol_version="2.00")),
    (f"98YYYYNN999003{D}2.00AOMAIN|AMLincoln Elementary Library|BXYYYNYYYYYYNNYY|ANFront desk|AFWelcome|",
     ACSStatus(online_status=True, checkin_ok=True, checkout_ok=True, acs_renewal_policy=True,
               status_update_ok=False, offline_ok=False, timeout_period="999", retries_allowed="003",
               date_time_sync=WHEN, protocol_version="2.00", institution_id="MAIN",
               library_name="Lincoln Elementary Library", supported_messages="YYYNYYYYYYNNYY",
               terminal_location="Front desk", screen_messages=["Welcome"])),
    (f"23001{D}AOMAIN|AA{PATRON}|AC|AD1234|",
     PatronStatusRequest(language="001", transaction_date=WHEN, institution_id="MAIN",
                         patron_identifier=PATRON, terminal_password="", patron_password="1234")),
    (f"24Y             008{D}AOMAIN|AA{PATRON}|AEJosé Núñez|BLY|CQN|BHUSD|BV1.50|AFHola|AFAdiós|",
     PatronStatusResponse(patron_status="Y             ", language="008", transaction_date=WHEN,
                          institution_id="MAIN", patron_identifier=PATRON, personal_name="José Núñez",
                          valid_patron=True, valid_patron_password=False, currency_type="USD",
                          fee_amount="1.50", screen_messages=["Hola", "Adiós"])),
    (f"63001{D}  Y       AOMAIN|AA{PATRON}|AC|AD1234|BP1|BQ5|",
     PatronInformation(language="001", transaction_date=WHEN, summary="  Y       ", institution_id="MAIN",
                       patron_identifier=PATRON, terminal_password="", patron_password="1234",
                       start_item="1", end_item="5")),
    (f"64              001{D}00010000000200000000    AOMAIN|AA{PATRON}|AEJosé Núñez|BZ0005|CA0003|CB0010|"
     f"BLY|CQY|AU{ITEM}|AU{ITEM2}|BE sam@school.example|AFYou have 2 items|",
     PatronInformationResponse(
         language="001", transaction_date=WHEN, hold_items_count=1, overdue_items_count=0,
         charged_items_count=2, fine_items_count=0, recall_items_count=0, unavailable_holds_count=None,
         institution_id="MAIN", patron_identifier=PATRON, personal_name="José Núñez", hold_items_limit=5,
         overdue_items_limit=3, charged_items_limit=10, valid_patron=True, valid_patron_password=True,
         charged_items=[ITEM, ITEM2], email_address=" sam@school.example",
         screen_messages=["You have 2 items"])),
    (f"11NN{D}{BLANK}AOMAIN|AA{PATRON}|AB{ITEM}|AC|BON|BIN|",
     Checkout(transaction_date=WHEN, nb_due_date=None, institution_id="MAIN", patron_identifier=PATRON,
              item_identifier=ITEM, fee_acknowledged=False, cancel=False)),
    (f"121NNY{D}AOMAIN|AA{PATRON}|AB{ITEM}|AJCanción de cuna|AH{DUE}|AFDue 29 September|",
     CheckoutResponse(ok=True, renewal_ok=False, magnetic_media=False, desensitize=True, transaction_date=WHEN,
                      institution_id="MAIN", patron_identifier=PATRON, item_identifier=ITEM,
                      title_identifier="Canción de cuna", due_date=DUE, screen_messages=["Due 29 September"])),
    (f"09N{D}{D}APLibrary|AOMAIN|AB{ITEM}|AC|BIN|",
     Checkin(transaction_date=WHEN, return_date=WHEN, current_location="Library", institution_id="MAIN",
             item_identifier=ITEM, cancel=False)),
    (f"101YUN{D}AOMAIN|AB{ITEM}|AQFIC|AJCanción de cuna|CL2|",
     CheckinResponse(ok=True, resensitize=True, magnetic_media=None, alert=False, transaction_date=WHEN,
                     institution_id="MAIN", item_identifier=ITEM, permanent_location="FIC",
                     title_identifier="Canción de cuna", sort_bin="2")),
    (f"29NY{D}{D}AOMAIN|AA{PATRON}|AB{ITEM}|",
     Renew(no_block=True, transaction_date=WHEN, nb_due_date=WHEN, institution_id="MAIN",
           patron_identifier=PATRON, item_identifier=ITEM)),
    (f"300YNN{D}AOMAIN|AA{PATRON}|AB{ITEM}|AJCanción de cuna|AH|AFNo more renewals|",
     RenewResponse(ok=False, renewal_ok=True, magnetic_media=False, desensitize=False, transaction_date=WHEN,
                   institution_id="MAIN", patron_identifier=PATRON, item_identifier=ITEM,
                   title_identifier="Canción de cuna", due_date="", screen_messages=["No more renewals"])),
    (f"65{D}AOMAIN|AA{PATRON}|AD1234|",
     RenewAll(transaction_date=WHEN, institution_id="MAIN", patron_identifier=PATRON, patron_password="1234")),
    (f"66100020001{D}AOMAIN|BM{ITEM}|BM{ITEM2}|BN31234000000606|",
     RenewAllResponse(ok=True, renewed_count=2, unrenewed_count=1, transaction_date=WHEN, institution_id="MAIN",
                      renewed_items=[ITEM, ITEM2], unrenewed_items=["31234000000606"])),
    (f"17{D}AOMAIN|AB{ITEM}|AC|",
     ItemInformation(transaction_date=WHEN, institution_id="MAIN", item_identifier=ITEM, terminal_password="")),
    (f"18040201{D}CF0|AH{DUE}|AB{ITEM}|AJCanción de cuna|AQFIC|",
     ItemInformationResponse(circulation_status=4, security_marker=2, fee_type=1, transaction_date=WHEN,
                             hold_queue_length="0", due_date=DUE, item_identifier=ITEM,
                             title_identifier="Canción de cuna", permanent_location="FIC")),
    (f"35{D}AOMAIN|AA{PATRON}|",
     EndPatronSession(transaction_date=WHEN, institution_id="MAIN", patron_identifier=PATRON)),
    (f"36Y{D}AOMAIN|AA{PATRON}|AFGoodbye|",
     EndSessionResponse(end_session=True, transaction_date=WHEN, institution_id="MAIN",
                        patron_identifier=PATRON, screen_messages=["Goodbye"])),
    (f"37{D}0400USDBV1.50|AOMAIN|AA{PATRON}|CG77|",
     FeePaid(transaction_date=WHEN, fee_type=4, payment_type=0, currency_type="USD", fee_amount="1.50",
             institution_id="MAIN", patron_identifier=PATRON, fee_identifier="77")),
    (f"38Y{D}AOMAIN|AA{PATRON}|BKT-991|",
     FeePaidResponse(payment_accepted=True, transaction_date=WHEN, institution_id="MAIN",
                     patron_identifier=PATRON, transaction_id="T-991")),
    (f"01Y{D}AOMAIN|ALCard kept by the kiosk|AA{PATRON}|AC|",
     BlockPatron(card_retained=True, transaction_date=WHEN, institution_id="MAIN",
                 blocked_card_message="Card kept by the kiosk", patron_identifier=PATRON)),
    (f"19{D}AOMAIN|AB{ITEM}|CHweight=310g|",
     ItemStatusUpdate(transaction_date=WHEN, institution_id="MAIN", item_identifier=ITEM,
                      item_properties="weight=310g")),
    (f"201{D}AB{ITEM}|AJCanción de cuna|CHweight=310g|",
     ItemStatusUpdateResponse(item_properties_ok=True, transaction_date=WHEN, item_identifier=ITEM,
                              title_identifier="Canción de cuna", item_properties="weight=310g")),
    (f"15+{D}BW{DUE}|BSMAIN|BY2|AOMAIN|AA{PATRON}|AD1234|AJThe Hobbit|BON|",
     Hold(hold_mode="+", transaction_date=WHEN, expiration_date=datetime(2024, 9, 29, 23, 59), pickup_location="MAIN",
          hold_type=2, institution_id="MAIN", patron_identifier=PATRON, patron_password="1234",
          title_identifier="The Hobbit", fee_acknowledged=False)),
    (f"161N{D}BW{DUE}|BR3|BSMAIN|AOMAIN|AA{PATRON}|AJThe Hobbit|AFYou are number 3|",
     HoldResponse(ok=True, available=False, transaction_date=WHEN, expiration_date=datetime(2024, 9, 29, 23, 59),
                  queue_position="3", pickup_location="MAIN", institution_id="MAIN", patron_identifier=PATRON,
                  title_identifier="The Hobbit", screen_messages=["You are number 3"])),
    (f"25{D}AOMAIN|AA{PATRON}|AC|",
     PatronEnable(transaction_date=WHEN, institution_id="MAIN", patron_identifier=PATRON, terminal_password="")),
    (f"26              001{D}AOMAIN|AA{PATRON}|AESam T.|BLY|CQY|",
     PatronEnableResponse(language="001", transaction_date=WHEN, institution_id="MAIN", patron_identifier=PATRON,
                          personal_name="Sam T.", valid_patron=True, valid_patron_password=True)),
    ("96", RequestSCResend()),
    ("97", RequestACSResend()),
]

PLAIN = Codec(encoding="cp850", error_detection=False)


@pytest.mark.parametrize("text, expected", GOLDEN, ids=[g[0][:2] for g in GOLDEN])
def test_given_a_hand_written_message_when_decoded_then_it_is_the_expected_dataclass(text, expected):
    """GIVEN a message laid out by hand from the spec WHEN decoded THEN every attribute is as written."""
    assert PLAIN.decode(text.encode("cp850") + b"\r") == expected


@pytest.mark.parametrize("text, expected", GOLDEN, ids=[g[0][:2] for g in GOLDEN])
def test_given_the_expected_dataclass_when_encoded_then_the_hand_written_bytes_come_out(text, expected):
    """GIVEN the dataclass WHEN encoded without error detection THEN exactly the golden text plus CR."""
    assert PLAIN.encode(expected) == text.encode("cp850") + b"\r"


def test_given_golden_messages_then_every_message_type_has_a_golden():
    """GIVEN the golden table THEN it covers all 32 message types the codec registers."""
    from protocol.sip2 import MESSAGE_TYPES
    assert {type(m).COMMAND for _, m in GOLDEN} == set(MESSAGE_TYPES)


@pytest.mark.parametrize("wire, expected", [
    (b"9300CNkiosk1|COs3cret|CPMAIN-DESK|AY0AZF386\r",
     Login(login_user_id="kiosk1", login_password="s3cret", location_code="MAIN-DESK", sequence_number=0)),
    (b"941AY0AZFDFD\r", LoginResponse(ok=True, sequence_number=0)),
    (b"9900302.00AY1AZFCA5\r", SCStatus(max_print_width="030", sequence_number=1)),
    (b"97AZFEF5\r", RequestACSResend()),
    (b"96AZFEF6\r", RequestSCResend()),
])
def test_given_golden_messages_with_error_detection_when_coded_then_checksums_match_by_hand(wire, expected):
    """GIVEN messages with AY/AZ checksummed by hand WHEN decoded and encoded THEN both directions agree."""
    codec = Codec(encoding="cp850", error_detection=True)
    assert codec.decode(wire) == expected
    assert codec.encode(expected) == wire
