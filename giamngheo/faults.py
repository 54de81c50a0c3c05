"""Named pause points for crash tests.

With ``GIAMNGHEO_PAUSE_AT=<name>`` set, :func:`pause_point` writes the file named by
``GIAMNGHEO_PAUSE_MARKER`` (so that a test knows the process got there) and sleeps, so
that the test can SIGKILL the process at that exact point: in the middle of publishing
a load, or between rendering a report and putting it in place. Unset, it does nothing.
"""

from __future__ import annotations

import os
import time
from pathlib import Path


def pause_point(name: str) -> None:
    if os.environ.get("GIAMNGHEO_PAUSE_AT") != name:
        return
    marker = os.environ.get("GIAMNGHEO_PAUSE_MARKER")
    if marker:
        Path(marker).write_text(name)
    time.sleep(float(os.environ.get("GIAMNGHEO_PAUSE_SECONDS", "120")))
