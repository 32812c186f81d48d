"""Run every benchmark in turn and print its figures: `python -m bench` (or `make bench`)."""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ORDER = ["central_api.py", "kiosk_memory.py", "scan_latency.py", "receipt_render.py"]


def main() -> int:
    """Run the benchmarks listed in ORDER (then any others), returning non-zero if one failed."""
    scripts = [HERE / name for name in ORDER if (HERE / name).exists()]
    scripts += sorted(p for p in HERE.glob("*.py") if p.name not in ORDER and not p.name.startswith("_"))
    failed = []
    for index, script in enumerate(scripts, 1):
        print(f"\n=== [{index}/{len(scripts)}] {script.name} ===", flush=True)
        started = time.monotonic()
        rc = subprocess.call([sys.executable, str(script)], cwd=HERE.parent)
        print(f"--- {script.name}: exit {rc} after {time.monotonic() - started:.1f} s", flush=True)
        if rc:
            failed.append(script.name)
    if failed:
        print(f"\nFailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
