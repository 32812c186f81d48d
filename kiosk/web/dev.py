"""The developer panel's routes: drive the simulated devices from the browser (404 on real hardware)."""
from __future__ import annotations

from flask import Blueprint, abort, jsonify

from drivers.errors import DeviceError
from kiosk.web.screen import bad_request, body, full_state, kiosk, text_field

bp = Blueprint("dev", __name__, url_prefix="/dev")
DRAIN_SECONDS = 10.0  # longest wait for the hub to hand the simulated read to the session


@bp.before_request
def only_with_simulated_devices():
    """A kiosk with real devices has no developer panel at all."""
    if not kiosk().devices.has_simulated:
        abort(404)


@bp.post("/scan")
def dev_scan():
    """{code}: as if the simulated scanner had read it (cards identify without a PIN, like a real scan)."""
    code = text_field(body(), "code")
    if code is None:
        return bad_request("error.missing_code")
    scanner = kiosk().devices.simulated("scanner")
    if scanner is None:
        abort(404)
    try:
        scanner.simulate_scan(code)
    except DeviceError as exc:
        return jsonify({"error": {"code": "device", "message": str(exc)}}), 409
    kiosk().hub.drain(DRAIN_SECONDS)  # the read went through the hub like a real one: answer with its effect
    return jsonify(full_state())


@bp.post("/tap")
def dev_tap():
    """{uid}: as if a card had been tapped on the simulated reader."""
    uid = text_field(body(), "uid")
    if uid is None:
        return bad_request("error.missing_uid")
    reader = kiosk().devices.simulated("card_reader")
    if reader is None:
        abort(404)
    try:
        reader.simulate_tap(uid)
    except DeviceError as exc:
        return jsonify({"error": {"code": "device", "message": str(exc)}}), 409
    kiosk().hub.drain(DRAIN_SECONDS)
    return jsonify(full_state())


@bp.post("/printer")
def dev_printer():
    """{paper: "ok" | "out"}: run the simulated printer out of paper to try the reprint path."""
    paper = text_field(body(), "paper")
    printer = kiosk().devices.simulated("printer")
    if printer is None:
        abort(404)
    if paper not in ("ok", "out"):
        return bad_request("error.bad_paper")
    printer.paper = paper
    return jsonify(full_state())
