"""Checks a browser test makes at every step of the kiosk screen: nothing covered, nothing too small, axe-core clean.

``axe-core`` comes from the npm registry (``npm pack``, once, into the user's cache folder; the
test path fills it itself and reuses it after), and is injected into the page by the test: the
kiosk itself never loads it.
"""
from __future__ import annotations

import fcntl
import os
import subprocess
import tarfile
from pathlib import Path

import pytest
import requests

AXE_VERSION = "4.14.1"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync", "--autoplay-policy=no-user-gesture-required"]
SIZES = {"landscape": (1280, 800), "wide": (1920, 1080), "portrait": (1080, 1920)}
MIN_TARGET = 48

# Every control the screen shows that is not under an open panel (inert) or in the developer panel:
# its size, whether it lies wholly inside the window, and whether the element at its centre (and just
# inside its corners) is the control itself, i.e. nothing covers it.
_CONTROLS_JS = """scroll => {
  const visible = el => el.offsetParent !== null || getComputedStyle(el).position === 'fixed';
  const found = [...document.querySelectorAll('button, a[href], input:not([type=hidden]), [role=tab]')]
    .filter(el => visible(el) && !el.closest('[inert]') && !el.closest('#dev-panel, .dev-toggle'))
    .map(el => {
      if (scroll) { el.scrollIntoView({block: 'center', inline: 'center'}); }
      const r = el.getBoundingClientRect();
      const i = Math.min(10, r.width / 4, r.height / 4);
      const points = [[(r.left + r.right) / 2, (r.top + r.bottom) / 2], [r.left + i, r.top + i], [r.right - i, r.top + i],
                      [r.left + i, r.bottom - i], [r.right - i, r.bottom - i]];
      const covered = points.some(([x, y]) => { const at = document.elementFromPoint(x, y); return !at || !el.contains(at); });
      const inside = r.left >= -0.5 && r.top >= -0.5 && r.right <= innerWidth + 0.5 && r.bottom <= innerHeight + 0.5;
      return {text: (el.textContent || el.getAttribute('aria-label') || el.id || el.name || '').trim().slice(0, 40),
              id: el.id, w: Math.round(r.width), h: Math.round(r.height), covered, inside};
    });
  if (scroll) { window.scrollTo(0, 0); }
  return found;
}"""


def controls(page, scroll: bool = False) -> list[dict]:
    """Every reachable control on the page now, with its size and whether it is covered or cut off.

    ``scroll`` is for pages that scroll (the staff pages): each control is scrolled into view before it is
    checked, so "cut off" means it cannot be brought into the window at all.
    """
    return page.evaluate(_CONTROLS_JS, scroll)


def control_problems(page, scroll: bool = False) -> list[dict]:
    """Controls that are covered, cut off by the window's edge, or smaller than 48 px."""
    return [c for c in controls(page, scroll) if c["covered"] or not c["inside"] or c["w"] < MIN_TARGET
            or c["h"] < MIN_TARGET]


def axe_source() -> str:
    """axe.min.js of AXE_VERSION, from the user's cache (filled with `npm pack` from the npm registry once).

    The two test workers may both find the cache empty: a lock on the cache folder lets one fetch while
    the other waits. A fetch that fails fails the test: an audit that did not run is not a pass.
    """
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "library-kiosk" / f"axe-core-{AXE_VERSION}"
    script = cache / "axe.min.js"
    if script.exists():
        return script.read_text(encoding="utf-8")
    cache.mkdir(parents=True, exist_ok=True)
    with open(cache / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not script.exists():
            _fetch_axe(cache, script)
    return script.read_text(encoding="utf-8")


def _fetch_axe(cache: Path, script: Path) -> None:
    try:
        done = subprocess.run(["npm", "pack", f"axe-core@{AXE_VERSION}", "--silent", "--pack-destination", str(cache)],
                              capture_output=True, text=True, timeout=180, cwd=cache)
    except (OSError, subprocess.TimeoutExpired) as exc:
        pytest.fail(f"axe-core could not be fetched with npm ({exc}); the audit needs npm and its registry once")
    if done.returncode != 0:
        pytest.fail(f"axe-core could not be fetched with npm: {done.stderr.strip()[-300:]}")
    with tarfile.open(cache / f"axe-core-{AXE_VERSION}.tgz") as archive:
        member = archive.extractfile("package/axe.min.js")
        part = script.with_name(f"axe.min.js.{os.getpid()}")  # written whole, then renamed
        part.write_bytes(member.read())
        part.replace(script)


def axe_violations(page) -> list[dict]:
    """axe-core's violations on the page as it is now (rule id, impact, the first elements named)."""
    if not page.evaluate("() => !!window.axe"):
        page.add_script_tag(content=axe_source())
    result = page.evaluate("""async () => {
      const r = await axe.run(document, {resultTypes: ['violations']});
      return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                     nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
    }""")
    return result


def check_screen(page, where: str, scroll: bool = False) -> None:
    """Assert the screen as it is now: no covered, cut-off or small control, and no axe-core violation."""
    problems = control_problems(page, scroll)
    assert problems == [], f"{where}: controls covered, cut off or too small: {problems}"
    violations = axe_violations(page)
    assert violations == [], f"{where}: axe-core found {violations}"


def two_frames(page) -> None:
    """Wait for two animation frames: what the page changed is laid out and painted."""
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def set_kiosk_language(page, url: str, lang: str) -> None:
    """Switch the student screen's language on the kiosk (as the language buttons do) and wait for the page."""
    requests.post(f"{url}/api/language", json={"language": lang}, timeout=10).raise_for_status()
    page.wait_for_function("lang => document.documentElement.lang === lang", arg=lang)


def every_size_and_language(page, url: str, where: str, languages=("en", "es"), shots: Path | None = None,
                            name: str = "", set_language=None, scroll: bool = False) -> None:
    """check_screen at the three sizes in each language; with ``shots``, save the landscape and portrait screenshots
    as ``<name>-<lang>-<landscape|portrait>.png``. ``set_language(page, lang)`` switches (the student screen's
    language by default); the page is left at 1280x800 in the first language."""
    switch = set_language or (lambda p, lang: set_kiosk_language(p, url, lang))
    for lang in languages:
        switch(page, lang)
        for size, (width, height) in SIZES.items():
            page.set_viewport_size({"width": width, "height": height})
            two_frames(page)
            check_screen(page, f"{where} ({lang}, {size} {width}x{height})", scroll)
            if shots is not None and size in ("landscape", "portrait"):
                page.screenshot(path=str(shots / f"{name}-{lang}-{size}.png"))
    page.set_viewport_size({"width": 1280, "height": 800})
    switch(page, languages[0])
