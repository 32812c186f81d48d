"""SIP2 codec speed: this project's protocol/sip2 beside pysip2's codec, the same messages, the same run.

`python bench/sip2_codec.py [--seconds 0.6]` encodes and decodes six messages a kiosk and a server
exchange all day (login, checkout and its answer, checkin answer, patron information and its answer
with ten charged items, ACS status), with sequence numbers and checksums, and prints messages per
second for each codec and the ratio. Both codecs get the same bytes to decode.
"""
from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pysip2  # noqa: E402

from protocol import sip2 as ours  # noqa: E402
from protocol.sip2.flags import summary_text, supported_messages_text  # noqa: E402

WHEN = datetime(2025, 10, 6, 9, 30)
W18 = "20251006    093000"
PATRON, ITEM = "21234000000018", "31234000000016"
CHARGED = [f"3123400000{n:04d}" for n in range(10)]
BX = supported_messages_text("patron_status", "checkout", "checkin", "sc_acs_status", "login", "renew")


def cases():
    """(name, our message, pysip2's equal message)."""
    return [
        ("93 login", ours.Login(login_user_id="kiosk-1", login_password="s3cret", location_code="MAIN"),
         pysip2.LoginRequest(uid_algorithm="0", pwd_algorithm="0", login_user_id="kiosk-1", login_password="s3cret",
                             location_code="MAIN")),
        ("11 checkout", ours.Checkout(transaction_date=WHEN, nb_due_date=WHEN, institution_id="MAIN",
                                      patron_identifier=PATRON, item_identifier=ITEM),
         pysip2.CheckoutRequest(sc_renewal_policy="N", no_block="N", transaction_date=W18, nb_due_date=W18,
                                institution_id="MAIN", patron_identifier=PATRON, item_identifier=ITEM,
                                terminal_password="")),
        ("12 checkout answer", ours.CheckoutResponse(
            ok=True, renewal_ok=False, magnetic_media=False, desensitize=True, transaction_date=WHEN,
            institution_id="MAIN", patron_identifier=PATRON, item_identifier=ITEM, title_identifier="All About Sharks",
            due_date="20251020    235959", screen_messages=["Due 20 October"]),
         pysip2.CheckoutResponse(
            ok="1", renewal_ok="N", magnetic_media="N", desensitize="Y", transaction_date=W18, institution_id="MAIN",
            patron_identifier=PATRON, item_identifier=ITEM, title_identifier="All About Sharks",
            due_date="20251020    235959", screen_message=("Due 20 October",))),
        ("10 checkin answer", ours.CheckinResponse(
            ok=True, resensitize=True, magnetic_media=False, alert=False, transaction_date=WHEN, institution_id="MAIN",
            item_identifier=ITEM, permanent_location="Nonfiction", title_identifier="All About Sharks",
            sort_bin="B3"),
         pysip2.CheckinResponse(
            ok="1", resensitize="Y", magnetic_media="N", alert="N", transaction_date=W18, institution_id="MAIN",
            item_identifier=ITEM, permanent_location="Nonfiction", title_identifier="All About Sharks",
            sort_bin="B3")),
        ("63 patron information", ours.PatronInformation(transaction_date=WHEN, summary=summary_text("charged_items"),
                                                         institution_id="MAIN", patron_identifier=PATRON,
                                                         patron_password="4321"),
         pysip2.PatronInformationRequest(language="000", transaction_date=W18, summary="  Y       ",
                                         institution_id="MAIN", patron_identifier=PATRON, patron_password="4321")),
        ("64 with 10 items", ours.PatronInformationResponse(
            transaction_date=WHEN, hold_items_count=0, overdue_items_count=1, charged_items_count=10,
            fine_items_count=0, recall_items_count=0, unavailable_holds_count=0, institution_id="MAIN",
            patron_identifier=PATRON, personal_name="Maria G.", valid_patron=True, valid_patron_password=True,
            currency_type="USD", fee_amount="0.00", charged_items=CHARGED),
         pysip2.PatronInformationResponse(
            patron_status=" " * 14, language="000", transaction_date=W18, hold_items_count="0000",
            overdue_items_count="0001", charged_items_count="0010", fine_items_count="0000",
            recall_items_count="0000", unavailable_holds_count="0000", institution_id="MAIN",
            patron_identifier=PATRON, personal_name="Maria G.", valid_patron="Y", valid_patron_password="Y",
            currency_type="USD", fee_amount="0.00", charged_items=tuple(CHARGED))),
        ("98 ACS status", ours.ACSStatus(date_time_sync=WHEN, institution_id="MAIN", library_name="Lincoln Elementary",
                                         supported_messages=BX),
         pysip2.ACSStatusResponse(online_status="Y", checkin_ok="Y", checkout_ok="Y", acs_renewal_policy="Y",
                                  status_update_ok="N", offline_ok="N", timeout_period="999", retries_allowed="999",
                                  date_time_sync=W18, protocol_version="2.00", institution_id="MAIN",
                                  library_name="Lincoln Elementary", supported_messages=BX)),
    ]


def rate(call, seconds: float) -> float:
    """Calls per second of ``call`` over about ``seconds`` of this process's CPU time.

    CPU time, not wall time: the machine is shared, and time spent waiting for a core is not the codec's.
    """
    for _ in range(100):
        call()
    count, began = 0, time.process_time()
    deadline = began + seconds
    while True:
        for _ in range(100):
            call()
        count += 100
        now = time.process_time()
        if now >= deadline:
            return count / (now - began)


def best(calls: dict, seconds: float, rounds: int) -> dict:
    """The best rate of each call over ``rounds`` rounds, taken in turn so both codecs meet the same machine."""
    found = {key: 0.0 for key in calls}
    for _ in range(rounds):
        for key, call in calls.items():
            found[key] = max(found[key], rate(call, seconds / rounds))
    return found


def main() -> int:
    """Measure and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="CPU seconds per measurement")
    parser.add_argument("--rounds", type=int, default=5, help="rounds taken in turn (the best counts)")
    args = parser.parse_args()
    codec = ours.Codec()
    rows = []
    total = len(cases())
    for index, (name, mine, theirs) in enumerate(cases(), 1):
        print(f"  [{index}/{total}] {name} ...", flush=True)
        wire = codec.encode(mine, 3)
        their_wire = pysip2.encode_message(theirs, sequence_number=3, checksum=True)
        codec.decode(their_wire)  # each codec reads the other's bytes: the comparison is fair
        pysip2.decode_message(wire)
        found = best({"enc": lambda: codec.encode(mine, 3),
                      "penc": lambda: pysip2.encode_message(theirs, sequence_number=3, checksum=True),
                      "dec": lambda: codec.decode(wire), "pdec": lambda: pysip2.decode_message(wire)},
                     args.seconds, args.rounds)
        rows.append((name, len(wire), found["enc"], found["penc"], found["dec"], found["pdec"]))
    print("\nSIP2 codec, messages per CPU second (best of rounds; AY/AZ on; higher is better):\n")
    print(f"{'message':<22} {'bytes':>5} {'encode ours':>12} {'pysip2':>9} {'ratio':>6}   "
          f"{'decode ours':>12} {'pysip2':>9} {'ratio':>6}")
    for name, size, enc, penc, dec, pdec in rows:
        print(f"{name:<22} {size:>5} {enc:>12,.0f} {penc:>9,.0f} {enc / penc:>6.2f}   "
              f"{dec:>12,.0f} {pdec:>9,.0f} {dec / pdec:>6.2f}")
    encode = [r[2] / r[3] for r in rows]
    decode = [r[4] / r[5] for r in rows]
    print(f"\nours / pysip2, geometric mean: encode {geomean(encode):.2f}, decode {geomean(decode):.2f}")
    return 0


def geomean(values: list[float]) -> float:
    """The geometric mean (the fair average of ratios)."""
    product = 1.0
    for value in values:
        product *= value
    return product ** (1 / len(values))


if __name__ == "__main__":
    sys.exit(main())
