"""A past period's figures restated on today's units, through the transitions.

xã Phủ Thông of 2026 is four communes of 2025 (thị trấn Phủ Thông, Vi Hương, Tân Tú, Lục Bình): its
2025-H1 is the sum of theirs. Rows are summed, never averaged and never a last value, so a rate
built from counts is recomputed from the summed parts. A unit is comparable only when every unit it
came from went into it whole and has figures in the warehouse for the period: a predecessor that
belonged to another district the deployment never loaded (xã Bạch Thông's Đồng Thắng, of huyện Chợ
Đồn) or one that was divided ('nhập một phần') leaves that unit without a comparison, and says why.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..periods import Period
from .model import OrgUnit
from .tree import UnitTree


@dataclass(frozen=True)
class Origin:
    """A unit of the earlier period that went into today's unit, and whether it went in whole."""

    unit: OrgUnit
    whole: bool


@dataclass(frozen=True)
class Restatement:
    """How one of today's units reads in an earlier period."""

    unit: OrgUnit
    origins: tuple[Origin, ...]
    missing: tuple[OrgUnit, ...]  # origins without figures in the warehouse for the period
    split: tuple[OrgUnit, ...]  # origins divided between several of today's units

    @property
    def comparable(self) -> bool:
        return bool(self.origins) and not self.missing and not self.split

    @property
    def restated(self) -> bool:
        """Whether the earlier figures are other units' (a merger), not the unit's own."""
        return any(o.unit.key != self.unit.key for o in self.origins)

    @property
    def why_not(self) -> str:
        """Why there is no comparison, in Vietnamese, naming the predecessors ('' when comparable)."""
        if not self.origins:
            return f"{self.unit.full_name}: không có đơn vị tiền thân trong kỳ so sánh"
        parts = []
        if self.missing:
            names = ", ".join(f"{u.full_name} ({u.code})" for u in self.missing)
            parts.append(f"chưa có số liệu của {names}")
        if self.split:
            names = ", ".join(f"{u.full_name} ({u.code})" for u in self.split)
            parts.append(f"{names} nhập một phần")
        return f"{self.unit.full_name}: " + "; ".join(parts) if parts else ""


def origins(tree: UnitTree, unit: OrgUnit, period: Period) -> list[Origin]:
    """The units valid in ``period`` that ``unit`` came from, followed back through every edge
    (itself when it already existed then). An origin reached through a part edge is not whole."""
    if unit.valid_on(period.start):
        return [Origin(unit, True)]
    found: dict[tuple[str, str], Origin] = {}
    for predecessor, edge in tree.predecessors(unit):
        for origin in origins(tree, predecessor, period):
            whole = origin.whole and edge.share == "whole"
            kept = found.get(origin.unit.key)
            found[origin.unit.key] = Origin(origin.unit, whole and (kept is None or kept.whole))
    return sorted(found.values(), key=lambda o: o.unit.listing_key)


def restate(tree: UnitTree, units: list[OrgUnit], period: Period, held: set[str]) -> list[Restatement]:
    """Each of ``units`` (today's) read in ``period``; ``held`` are the codes with figures then."""
    out = []
    for unit in units:
        found = tuple(origins(tree, unit, period))
        out.append(
            Restatement(
                unit,
                found,
                missing=tuple(o.unit for o in found if o.unit.code not in held),
                split=tuple(o.unit for o in found if not o.whole),
            )
        )
    return out


def restated_rows(rows_of: dict[str, list[dict]], restatements: list[Restatement]) -> list[dict]:
    """The earlier period's rows (``rows_of``: an origin's code -> its rows) of the comparable units,
    each row relabelled as today's unit: summed by whoever reads them per unit."""
    out = []
    for r in restatements:
        if r.comparable:
            for origin in r.origins:
                out += [{**row, "org_unit": r.unit.code} for row in rows_of.get(origin.unit.code, [])]
    return out


HISTORY_YEARS = 10  # how far back an outlier's history goes (the same half of each earlier year)


def restated_history(tree: UnitTree, code: str, period: Period, facts_of, years: int = HISTORY_YEARS) -> list[dict]:
    """The earlier values of the communes ``code`` consolidates in ``period``, the same half of each of
    the ``years`` before, restated on today's communes: a merged commune's past is the sum of its
    predecessors' (when each went in whole and has figures then), a commune that cannot be compared has
    none (and is never flagged). ``facts_of(codes, periods)`` reads the rows (``org_unit``, ``period``,
    ``value`` and the figure's columns)."""
    communes = tree.communes_of(code, period)
    earlier = [Period(period.year - k, period.half) for k in range(1, years + 1)]
    wanted = {o.unit.code for p in earlier for c in communes for o in origins(tree, c, p)}
    rows_of: dict[str, dict[str, list[dict]]] = {}  # period -> origin code -> rows
    for row in facts_of(sorted(wanted), [str(p) for p in earlier]):
        rows_of.setdefault(str(row["period"]), {}).setdefault(row["org_unit"], []).append(row)
    out: list[dict] = []
    for p in earlier:
        held = rows_of.get(str(p), {})
        if held:
            out += restated_rows(held, restate(tree, communes, p, set(held)))
    return out
