"""The staff device screen (behind the staff PIN): live device statuses, devices found on this computer,
a form per device to choose its driver and port / address and save it without editing files, the
last scans ("test scan"), and the receipt printer's status and test receipt.

Saving checks the settings by building the device (drivers.registry.build_device), writes the
section to the override file next to the journal (atomically), and restarts only that device.
"""
from __future__ import annotations

import logging
import re

from flask import get_template_attribute, jsonify, redirect, render_template, request, url_for

from drivers.registry import KINDS, drivers_for
from kiosk.web.screen import kiosk
from kiosk.hardware.forms import FormProblem, check, fields_for, form_values, section_from_form
from kiosk.hardware.settings import override_path, save_override
from kiosk.i18n import t
from kiosk.hardware.printer_desk import printer_desk
from kiosk.web.guard import _lang, bp, staff_only, unlocked

log = logging.getLogger("kiosk.staff")
NEW_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


def _cards() -> list[dict]:
    """One card per configured device, then one 'add' card per kind that has none."""
    k = kiosk()
    statuses = k.devices.statuses()
    cards = []
    for section in k.devices.sections():
        info = statuses.get(section.name, {})
        cards.append({"name": section.name, "kind": section.kind, "driver": section.driver, "new": False,
                      "status": info.get("status", "stopped"), "detail": info.get("detail", ""),
                      "origin": section.origin, "form": form_values(section)})
    present = {c["kind"] for c in cards}
    names = {c["name"] for c in cards}
    for kind in KINDS:
        if kind not in present and kind not in names:
            cards.append({"name": kind, "kind": kind, "driver": "", "new": True, "status": "", "detail": "",
                          "origin": "", "form": {}})
    for card in cards:
        card["drivers"] = drivers_for(card["kind"])
        card["fields"] = fields_for(card["kind"])
    return cards


def page_data(lang: str) -> dict:
    """Everything the device page shows."""
    k = kiosk()
    return {"cards": _cards(), "scans": k.devices.scans.recent(), "found": k.found.snapshot(),
            "notes": k.pads.notes(), "printer": printer_desk().view(lang, k.devices.printer() is not None),
            "overrides_problem": k.config.overrides_problem, "lock_after": k.config.staff.lock_after_seconds,
            "names": [s.name for s in k.devices.sections()]}


def _render(status: int = 200, error: str | None = None, posted: dict | None = None):
    lang = _lang()
    data = page_data(lang)
    if posted:  # show what staff typed, not the saved values, next to the error
        for card in data["cards"]:
            if card["name"] == posted.get("name"):
                card["form"] = posted["values"]
    notice = None
    if request.args.get("saved") in data["names"]:
        notice = t("staff.devices.saved", lang, name=request.args["saved"])
    elif request.args.get("restarted") in data["names"]:
        notice = t("staff.devices.restarted", lang, name=request.args["restarted"])
    return render_template("kiosk/staff_devices.html", lang=lang, data=data, config=kiosk().config,
                           error=error, notice=notice), status


@bp.get("/devices")
@staff_only
def devices_page():
    """The device screen; opening it starts watching for plugged-in devices."""
    kiosk().found.ensure_started()
    return _render()


@bp.get("/devices.json")
def devices_json():
    """The live parts of the device screen (statuses, last scans, found devices, printer, notes)."""
    lang = _lang()
    if not unlocked(extend=False):
        return jsonify({"error": {"code": "locked", "message": t("staff.locked", lang)}}), 401
    if request.args.get("check_printer"):  # the page asks once when it opens; bounded by the driver's timeouts
        printer_desk().check(kiosk().devices.printer())
    data = page_data(lang)
    part = lambda name: get_template_attribute("kiosk/staff_devices_parts.html", name)  # noqa: E731
    return jsonify({
        "devices": {c["name"]: {"status": c["status"], "detail": c["detail"],
                                "status_text": t("device.status." + c["status"], lang)}
                    for c in data["cards"] if not c["new"]},
        "scans": data["scans"],
        "parts": {"scans": part("scans")(data["scans"], lang), "found": part("found")(data["found"], data["cards"], lang),
                  "printer": part("printer")(data["printer"], lang), "notes": part("notes")(data["notes"], lang)},
    })


@bp.post("/devices/<name>")
@staff_only
def save_device(name: str):
    """Save one device's driver and port/address (checked first), then restart only that device."""
    return _save(name, request.form)


@bp.post("/found/use")
@staff_only
def use_found():
    """'Use this': a found device's suggested settings saved for the device chosen in ``target``."""
    return _save(request.form.get("target", ""), request.form)


def _save(name: str, form):
    k, lang = kiosk(), _lang()
    current = k.devices.section(name)
    # A device not configured yet: its card (and "Use this") names it after its kind.
    kind = current.kind if current is not None else form.get("kind") or (name if name in KINDS else "")
    posted = {"name": name, "values": {key: value for key, value in form.items()}}
    if current is None and (not NEW_NAME.match(name) or kind not in KINDS):
        return _render(400, t("staff.devices.bad_name", lang), posted)
    try:
        checked = check(section_from_form(name, kind, form, current))
    except FormProblem as problem:
        values = dict(problem.values)
        if "field" in values:  # name the field as its label says
            values["field"] = t("staff.field." + values["field"], lang)
        return _render(400, t(problem.key, lang, **values), posted)
    path = k.config.overrides_path or override_path(k.config.journal.path)
    try:
        backup = save_override(path, checked.section)
    except (OSError, ValueError) as exc:
        log.error("device %s could not be saved to %s: %s", name, path, exc)
        return _render(500, t("staff.devices.write_failed", lang, path=str(path), problem=str(exc)), posted)
    if backup:
        log.warning("the damaged override file was kept as %s", backup)
    log.info("device %s saved from the staff screen: %s/%s", name, kind, checked.section.driver)
    k.devices.apply(checked.section, checked.device)
    return redirect(url_for("staff.devices_page", saved=name), code=303)


@bp.post("/devices/<name>/restart")
@staff_only
def restart_device(name: str):
    """Stop and start one device with its current settings (after replugging, say)."""
    if not kiosk().devices.restart(name):
        return _render(404, t("staff.devices.no_such", _lang(), name=name))
    return redirect(url_for("staff.devices_page", restarted=name), code=303)


@bp.post("/printer/check")
@staff_only
def printer_check():
    """Ask the printer about paper, cover and whether it is online."""
    printer_desk().check(kiosk().devices.printer())
    return redirect(url_for("staff.devices_page") + "#printer", code=303)


@bp.post("/printer/test")
@staff_only
def printer_test():
    """Print a test receipt in the kiosk's language; the result is shown in words."""
    k = kiosk()
    printer_desk().test(k.devices.printer(), k.config.kiosk.library_name, _lang(), k.clock.now())
    return redirect(url_for("staff.devices_page") + "#printer", code=303)

