"""Named pause points for crash tests.

With ``GIAMNGHEO_PAUSE_AT=<name>`` set, :func:`pause_point` writes the file named by
``GIAMNGHEO_PAUSE_MARKER`` (so that a test knows the process got there) and sleeps, so
that the test can SIGKILL the process at that exact point: in the middle of publishing
a load, or between rendering a report and putting it in place. Unset, it does nothing.

With ``GIAMNGHEO_PAUSE_ARMED=<file>`` too, it pauses only while that file exists, and only
once per arming: the first process to get there removes it (the cluster test arms it, and
every worker has the setting from its start).
"""

from __future__ import annotations

import os
import time
from pathlib import Path


def pause_point(name: str) -> None:
    if os.environ.get("GIAMNGHEO_PAUSE_AT") != name:
        return
    armed = os.environ.get("GIAMNGHEO_PAUSE_ARMED")
    if armed:
        try:
            os.unlink(armed)  # whoever removes it pauses; the others go on
        except FileNotFoundError:
            return
    marker = os.environ.get("GIAMNGHEO_PAUSE_MARKER")
    if marker:
        Path(marker).write_text(f"{name} {os.getpid()} {os.environ.get('GIAMNGHEO_WORKER_NAME', '')}")
    time.sleep(float(os.environ.get("GIAMNGHEO_PAUSE_SECONDS", "120")))
