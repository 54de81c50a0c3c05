"""How work is cut into Airflow task instances.

A task instance costs seconds before it reads a file (the worker process, the
imports, the GX context: about 2 s) and each GX run costs tens of
milliseconds whatever its size; a file costs a few milliseconds. So a task takes
whole (unit, period, form) groups: all its files are validated together, one GX
run per suite and one per form it holds. A run maps at most ``max_tasks`` task
instances:

- a few groups (one district, one province with its communes' form): one task
  per group, named after the form (or after the file, when the form has one
  file);
- many groups (a country): groups packed form by form, in unit order, into
  batches of similar size, each of at least ``MIN_FILES_PER_TASK`` files (a
  task's work should outweigh its start) and at most ``max_tasks`` of them,
  named by their forms and units. Few forms per task means few GX runs.

Re-running a task is safe and cheap: files already loaded are recognised by
their checksum and skipped, so only a re-sent file is processed again. Airflow
refuses more than 1024 mapped task instances per task; ``max_tasks`` is kept
below that.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

AIRFLOW_MAP_LIMIT = 1024
# a file costs 2-3 ms to read, validate and load, a task about 2 s to start: 500 files outweigh the start
# (GIAMNGHEO_MIN_FILES_PER_TASK)
MIN_FILES_PER_TASK = 500


@dataclass
class Batch:
    label: str
    items: list = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"label": self.label, "items": self.items}


def pack(groups: list[tuple[Any, list]], max_chunks: int) -> list[list[tuple[Any, list]]]:
    """Cut an ordered list of (key, items) groups into at most ``max_chunks`` contiguous chunks
    of similar size; a group is never split."""
    if max_chunks < 1:
        raise ValueError("max_chunks must be at least 1")
    groups = [(key, items) for key, items in groups if items]
    left = sum(len(items) for _, items in groups)
    chunks: list[list[tuple[Any, list]]] = []
    current: list[tuple[Any, list]] = []
    size = 0
    for key, items in groups:
        current.append((key, items))
        size += len(items)
        # close the chunk once it holds its share of what is left; the last chunk takes the rest
        if len(chunks) < max_chunks - 1 and size >= left / (max_chunks - len(chunks)):
            chunks.append(current)
            left -= size
            current, size = [], 0
    if current:
        chunks.append(current)
    return chunks


def _span(keys: list[str]) -> str:
    return keys[0] if len(keys) == 1 else f"{keys[0]}–{keys[-1]}"


def ingestion_batches(files: list[dict], max_tasks: int, min_files: int = MIN_FILES_PER_TASK) -> list[dict]:
    """Batches of inbox files (``InboxFile.to_dict()``), whole (unit, period, form) groups each: one per
    group while they fit in ``max_tasks``, else packed form by form into batches of ``min_files`` or more."""
    max_tasks = min(max_tasks, AIRFLOW_MAP_LIMIT)
    groups: dict[tuple[str, str, str], list[dict]] = {}
    for f in files:
        groups.setdefault((f["period"], f["form"], f.get("unit", "")), []).append(f)
    ordered = sorted(groups.items())
    if len(groups) <= max_tasks:
        packed = [[group] for group in ordered]
    else:
        packed = pack(ordered, min(max_tasks, max(1, -(-len(files) // min_files))))
    batches = []
    for chunk in packed:
        items = [f for _, group in chunk for f in group]
        if len(items) == 1:
            label = items[0]["label"]
        elif len(chunk) == 1:
            (period, form, unit), _ = chunk[0]
            keyed = items[0].get("keyed")
            label = f"{unit + '/' if keyed else ''}{period}/{form} ({len(items)} tệp / files)"
        else:
            forms = sorted({key[1] for key, _ in chunk})
            units = _span(sorted({key[2] for key, _ in chunk}))
            label = f"{', '.join(forms) if len(forms) <= 2 else _span(forms)} · {units} ({len(items)} tệp / files)"
        batches.append(Batch(label, items).to_dict())
    return batches


def report_batches(
    periods: list[str],
    districts: list[str],
    max_tasks: int,
    keyed: bool,
    active: set[tuple[str, str]] | None = None,
    communes: dict[tuple[str, str], list[str]] | None = None,
) -> list[dict]:
    """Batches of (period, unit) reports; one report each while they fit. ``active`` (period, unit) pairs
    are those whose unit exists in the period (the others are not drafted); None: all. ``communes``:
    per (period, unit), the communes that compile their own report beside it (a province after the
    2025 reform), each an item ``{"period", "unit": commune, "commune_of": unit}`` after the unit's."""
    max_tasks = min(max_tasks, AIRFLOW_MAP_LIMIT)
    communes = communes or {}

    def items_of(period: str, unit: str) -> list[dict]:
        own = [{"period": period, "unit": code, "commune_of": unit} for code in communes.get((period, unit), [])]
        return [{"period": period, "unit": unit}, *own]

    pairs = [(p, d) for p in periods for d in districts if active is None or (p, d) in active]
    items = [item for p, d in pairs for item in items_of(p, d)]
    if len(items) <= max_tasks:
        return [Batch(_item_label(item, keyed), [item]).to_dict() for item in items]
    per_period = max(1, max_tasks // max(1, len(periods)))
    batches = []
    for period in periods:
        groups = [(item["unit"], [item]) for p, d in pairs if p == period for item in items_of(p, d)]
        for chunk in pack(groups, per_period):
            codes = [key for key, _ in chunk]
            batches.append(
                Batch(
                    f"{period} · {_span(codes)} ({len(codes)} đơn vị / units)",
                    [item for _, group in chunk for item in group],
                ).to_dict()
            )
    return batches


def _item_label(item: dict, keyed: bool) -> str:
    period, unit = item["period"], item["unit"]
    if item.get("commune_of"):
        return f"{period} · {item['commune_of']}/{unit}"
    return f"{period} · {unit}" if keyed else period
