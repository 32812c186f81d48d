"""drivers/ is a standalone library: no kiosk, central or Flask imports; hardware libraries are optional."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

DRIVERS = Path(__file__).resolve().parents[2] / "drivers"
FORBIDDEN = ("kiosk", "central", "flask")


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, anywhere in it (top level or inside functions)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module":
            names.update(a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str))
    return names


def test_given_every_module_under_drivers_when_its_imports_are_read_then_none_is_kiosk_central_or_flask():
    """GIVEN all of drivers/*.py WHEN their imports are parsed THEN none names kiosk, central or flask."""
    files = sorted(DRIVERS.rglob("*.py"))
    assert len(files) >= 15
    offenders = {f"{path.name}: {name}" for path in files for name in imported_modules(path)
                 if name.split(".")[0] in FORBIDDEN}
    assert offenders == set()


def test_given_the_import_scanner_when_given_a_forbidden_import_then_it_finds_it(tmp_path):
    """GIVEN a file importing flask inside a function WHEN scanned THEN the scanner reports it (the check can fail)."""
    sample = tmp_path / "bad.py"
    sample.write_text("def f():\n    from flask import Flask\n    import kiosk.app\n")
    assert {"flask", "kiosk.app"} <= imported_modules(sample)


BLOCKER = """
import importlib.abc, sys
BLOCKED = {"serial", "nfc", "evdev", "escpos", "usb", "pyudev", "flask", "kiosk", "central"}
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"blocked for this test: {name}")
        return None
sys.meta_path.insert(0, Block())
"""

CHECK = """
import importlib, pkgutil, drivers
for info in pkgutil.iter_modules(drivers.__path__):
    importlib.import_module("drivers." + info.name)   # every module imports without hardware libraries
from drivers.registry import build_device
from drivers.errors import MissingDependency
from drivers.receipt import Receipt
import datetime as dt
events = []
scanner = build_device("scanner", "s", {"driver": "simulated"})
scanner.start(events.append)
scanner.simulate_scan("31234000012345")
printer = build_device("printer", "p", {"driver": "simulated"})
printer.print_receipt(Receipt("L", "H", "P", (), dt.datetime(2026, 1, 1)))
assert printer.printed[-1]["escpos"] == b"" and "L" in printer.last_text
for kind, driver, settings, extra in [("scanner", "serial", {"url": "/dev/x"}, "serial"),
                                      ("card_reader", "nfc", {}, "nfc"),
                                      ("scanner", "hid", {"vendor_id": 1}, "hid"),
                                      ("printer", "network", {"host": "h"}, "printer")]:
    try:
        build_device(kind, "x", {"driver": driver, **settings})
    except MissingDependency as exc:
        assert f"library-kiosk[{extra}]" in str(exc), exc
    else:
        raise AssertionError(driver + " built without its library")
from drivers import discovery
discovery.discover_all()
assert any("pyserial" in p for p in discovery.problems())
print("ok", len(events))
"""


def test_given_no_hardware_libraries_when_the_simulated_kiosk_path_runs_then_it_works_and_others_say_what_to_install():
    """GIVEN pyserial, nfcpy, evdev, escpos, pyusb, pyudev blocked WHEN drivers are imported and used THEN simulated
    devices work, hardware drivers raise MissingDependency naming the extra, discovery degrades."""
    result = subprocess.run([sys.executable, "-c", BLOCKER + CHECK], capture_output=True, text=True, timeout=60,
                            cwd=DRIVERS.parent)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok 2"
