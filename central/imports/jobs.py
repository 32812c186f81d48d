"""Imports started from the web page run in a thread; their progress and result are files any server process reads.

A district runs several app processes behind one proxy, so the page that polls for progress may reach
another process than the one importing: each run is a folder ``<imports folder>/<id>/`` with its
``meta.json`` (who, which school, what file), ``status.json`` (rewritten atomically as batches are
done) and at the end ``result.json`` (the report). The uploaded file is deleted when the run ends,
and folders older than a week are removed when a new run starts, since both hold patron data.
"""
from __future__ import annotations

import json
import os
import shutil
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from central.imports.report import ImportReport, ImportStopped
from central.imports.wording import S

KEEP_SECONDS = 7 * 24 * 3600
_ID_CHARS = set("0123456789abcdef-")


@dataclass
class Meta:
    """What a run is: its kind (marc, patrons, oneroster), its school, who started it, the file's name, choices."""

    kind: str
    school_id: int | None
    staff_id: int | None
    file_name: str
    options: dict


class Jobs:
    """The import runs kept in one folder."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def _dir(self, job_id: str) -> Path:
        if len(job_id) != 36 or not set(job_id) <= _ID_CHARS:
            raise KeyError(job_id)  # only ids this class made: never a path a request chose
        return self.folder / job_id

    def create(self, meta: Meta, data: bytes) -> str:
        """A new run holding the uploaded ``data``; returns its id."""
        self._forget_old()
        job_id = str(uuid.uuid4())
        folder = self._dir(job_id)
        folder.mkdir(parents=True, mode=0o700)
        (folder / "upload").write_bytes(data)
        _write_json(folder / "meta.json", asdict(meta))
        self.set_status(job_id, state="waiting", done=0, total=0)
        return job_id

    def meta(self, job_id: str) -> Meta:
        """The run's description; KeyError when there is no such run."""
        try:
            return Meta(**json.loads((self._dir(job_id) / "meta.json").read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            raise KeyError(job_id) from None

    def upload(self, job_id: str) -> bytes:
        """The uploaded file, while the run has not started."""
        return (self._dir(job_id) / "upload").read_bytes()

    def update_meta(self, job_id: str, **options) -> None:
        """Add choices to the run (the confirmed column mapping)."""
        meta = self.meta(job_id)
        meta.options.update(options)
        _write_json(self._dir(job_id) / "meta.json", asdict(meta))

    def set_status(self, job_id: str, **status) -> None:
        """Replace the run's status (state, done, total, stopped sentence)."""
        _write_json(self._dir(job_id) / "status.json", {**status, "at": time.time()})

    def status(self, job_id: str) -> dict:
        """The run's status; KeyError when there is no such run."""
        try:
            return json.loads((self._dir(job_id) / "status.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raise KeyError(job_id) from None

    def report(self, job_id: str) -> ImportReport | None:
        """The finished run's report, or None while it runs."""
        path = self._dir(job_id) / "result.json"
        if not path.exists():
            return None
        return ImportReport.from_dict(json.loads(path.read_text(encoding="utf-8")))

    def start(self, job_id: str, work: Callable[[bytes, Callable[[int, int], None]], ImportReport]) -> threading.Thread:
        """Run ``work(upload, progress)`` in a thread, recording progress, the report or why it stopped."""
        def run():
            folder = self._dir(job_id)
            try:
                data = self.upload(job_id)
                self.set_status(job_id, state="running", done=0, total=0)
                report = work(data, lambda done, total: self.set_status(job_id, state="running", done=done,
                                                                        total=total))
                _write_json(folder / "result.json", report.to_dict())
                self.set_status(job_id, state="done", done=report.records, total=report.records)
            except ImportStopped as stopped:
                self.set_status(job_id, state="stopped", sentence=stopped.sentence.to_dict())
            except Exception:  # noqa: BLE001 - a failed run must say so on the page, not hang at "running"
                import logging

                logging.getLogger("central.imports").exception("import run %s failed", job_id)
                self.set_status(job_id, state="stopped", sentence=S(
                    "The import failed on the server (see its log). What was written before the failure stays; "
                    "running the same file again finishes it.").to_dict())
            finally:
                (folder / "upload").unlink(missing_ok=True)

        thread = threading.Thread(target=run, name=f"import-{job_id[:8]}", daemon=True)
        thread.start()
        return thread

    def _forget_old(self) -> None:
        if not self.folder.is_dir():
            return
        cutoff = time.time() - KEEP_SECONDS
        for entry in self.folder.iterdir():
            try:
                if entry.is_dir() and entry.stat().st_mtime < cutoff:
                    shutil.rmtree(entry, ignore_errors=True)
            except OSError:
                continue


def _write_json(path: Path, value) -> None:
    # Written beside and renamed over: a reader in another process never sees half a file.
    partial = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
    partial.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
    os.replace(partial, path)
