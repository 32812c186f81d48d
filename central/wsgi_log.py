"""One log line per HTTP request (method, path, status, bytes, milliseconds), around any WSGI app."""
from __future__ import annotations

import logging
import time

log = logging.getLogger("central.http")


class RequestLog:
    """WSGI middleware that logs each request once it has been answered."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        status_holder = {}

        def recording_start_response(status, headers, exc_info=None):
            status_holder["status"] = status.split(" ", 1)[0]
            return start_response(status, headers, exc_info)

        try:
            return self.app(environ, recording_start_response)
        finally:
            # Paths can hold a patron barcode (/patrons/<barcode>/account): mask it like every log does.
            log.info("%s %s %s %.1fms %s", environ.get("REQUEST_METHOD"), masked_path(environ.get("PATH_INFO", "")),
                     status_holder.get("status", "-"), (time.perf_counter() - started) * 1000,
                     environ.get("REMOTE_ADDR", "-"))


def masked_path(path: str) -> str:
    """``path`` with every barcode-like number masked to its last four digits, for a log line."""
    from protocol.identifiers import mask_barcode

    return "/".join(mask_barcode(part) if part.isdigit() and len(part) >= 8 else part for part in path.split("/"))
