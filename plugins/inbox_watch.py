"""An event trigger on the inbox: a file landing starts its ingestion within seconds.

``InboxArrivalTrigger`` runs in Airflow's triggerer (as the watcher of the asset
``giamngheo://inbox``, which the ingestion DAG is scheduled on). Every
``poke_interval`` seconds it lists the inbox (names, sizes, times: no file is
opened) and compares the listing with the one it last announced, kept in
``<data dir>/.watch/inbox.json`` so that a restarted triggerer neither misses
files nor announces them twice. It fires one event naming the periods and
districts that received files, and the DAG run then ingests just those periods:

- as soon as a file is new or changed (``early``): the run's tasks start and
  load their libraries while the file settles, and wait until it has not been
  modified for ``GIAMNGHEO_SETTLE_SECONDS`` (a unit may still be copying it)
  before reading it. A file announced so is not announced again while it is
  still being written;
- when changed files have settled since (a long copy): that run finds only
  what the earlier one did not load.

On its first start (no listing kept yet) it takes the inbox as it is: files
already there are the scheduled run's business.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from airflow.triggers.base import BaseEventTrigger, TriggerEvent

PERIOD_PART = re.compile(r"^\d{4}-H[12]$")


def inbox_listing(inbox: Path) -> dict[str, list[float]]:
    """``relative path -> [size, mtime, ctime]`` of every candidate file under the inbox."""
    from giamngheo.inbox import is_submission_name

    listing: dict[str, list[float]] = {}
    for folder, dirs, names in os.walk(inbox):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in names:
            if not is_submission_name(name):
                continue
            path = os.path.join(folder, name)
            try:
                stat = os.stat(path, follow_symlinks=False)
            except FileNotFoundError:  # gone between the listing and the stat
                continue
            listing[os.path.relpath(path, inbox)] = [stat.st_size, stat.st_mtime, stat.st_ctime]
    return listing


def arrivals(previous: dict[str, list[float]], current: dict[str, list[float]]) -> list[str]:
    """Files that are new, or whose size or content time changed."""
    return sorted(
        p
        for p, (size, mtime, _ctime) in current.items()
        if p not in previous or previous[p][0] != size or previous[p][1] != mtime
    )


def being_written(entry: list[float], now: float, settle_seconds: float) -> bool:
    """Whether a listed file (``[size, mtime, ctime]``) was modified within the settle time."""
    return 0 <= now - max(entry[1], entry[2]) < settle_seconds


def announcement(
    seen: dict[str, list[float]],
    current: dict[str, list[float]],
    announced_early: set[str],
    now: float,
    settle_seconds: float,
) -> tuple[list[str], bool, set[str]] | None:
    """Whether to fire now: ``(changed files, early, files announced while still being written)``, or
    ``None``. Changed files are announced once they have all settled, or at once (``early``) when one of
    them was not already announced while being written."""
    changed = arrivals(seen, current)
    if not changed:
        return None
    writing = {p for p in changed if being_written(current[p], now, settle_seconds)}
    if not writing:
        return changed, False, set()
    if set(changed) - announced_early:
        return changed, True, writing
    return None


def where(relative: str) -> tuple[str | None, str | None]:
    """(period, district) of an inbox path: ``2022-H1/health/x.xlsx`` or ``063/2022-H1/health/x.xlsx``."""
    parts = Path(relative).parts
    for index, part in enumerate(parts):
        if PERIOD_PART.match(part):
            return part, (parts[index - 1] if index else None)
    return None, None


class InboxArrivalTrigger(BaseEventTrigger):
    def __init__(self, poke_interval: float = 2.0):
        super().__init__()
        self.poke_interval = poke_interval

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return "inbox_watch.InboxArrivalTrigger", {"poke_interval": self.poke_interval}

    async def run(self) -> AsyncIterator[TriggerEvent]:
        from giamngheo.config import get_settings

        settings = get_settings()
        inbox = settings.inbox_root
        state_path = settings.data_dir / ".watch" / "inbox.json"
        try:
            seen = json.loads(state_path.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            seen = await asyncio.to_thread(inbox_listing, inbox)
            _save(state_path, seen)
        announced_early: set[str] = set()
        while True:
            current = await asyncio.to_thread(inbox_listing, inbox)
            due = announcement(seen, current, announced_early, time.time(), settings.settle_seconds)
            if due is not None:
                changed, early, announced_early = due
                _save(state_path, current)
                seen = current
                places = [where(p) for p in changed]
                periods = sorted({period for period, _ in places if period})
                if periods:
                    districts = sorted({d for period, d in places if period and d and settings.keyed})
                    self.log.info("%d file(s) landed in %s", len(changed), ", ".join(periods))
                    yield TriggerEvent(
                        {"periods": periods, "districts": districts, "files": len(changed), "early": early}
                    )
            elif not arrivals(seen, current) and current.keys() != seen.keys():  # removals: kept quietly
                _save(state_path, current)
                seen = current
            await asyncio.sleep(self.poke_interval)


def _save(path: Path, listing: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(listing), encoding="utf-8")
    tmp.replace(path)
