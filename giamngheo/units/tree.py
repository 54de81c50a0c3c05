"""The dated tree of units: which units a period is read through, and what became of them.

``UnitTree`` answers, for a period, the questions every stage asks: the unit a code names then
(:meth:`unit`), the communes a reporting unit consolidates then (:meth:`communes_of`), and, for a unit
that ended, its successors (:meth:`successors`). A code alone is never enough: ``01969`` names a
thị trấn in 2022-H1 and a xã in 2026-H1.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import cached_property

from ..periods import Period
from .model import OrgUnit, Transition


class UnitTree:
    def __init__(self, units: Iterable[OrgUnit], transitions: Iterable[Transition] = ()):
        self.units = list(units)
        self.transitions = list(transitions)
        self._by_key = {u.key: u for u in self.units}
        if len(self._by_key) != len(self.units):
            seen: set = set()
            twice = sorted({u.key for u in self.units if u.key in seen or seen.add(u.key)})  # type: ignore[func-returns-value]
            raise ValueError(f"units listed twice (code, valid_from): {twice}")
        self._by_code: dict[str, list[OrgUnit]] = {}
        for unit in self.units:
            self._by_code.setdefault(unit.code, []).append(unit)
        self._from: dict[tuple[str, str], list[Transition]] = {}
        self._into: dict[tuple[str, str], list[Transition]] = {}
        for edge in self.transitions:
            self._from.setdefault(edge.predecessor, []).append(edge)
            self._into.setdefault(edge.successor, []).append(edge)
        self._ended_into: dict[date, dict[tuple[str, str], list[tuple[OrgUnit, list[OrgUnit]]]]] = {}
        self._children: dict[str, list[OrgUnit]] = {}
        for unit in self.units:
            if unit.parent_code:
                self._children.setdefault(unit.parent_code, []).append(unit)

    def by_key(self, key: tuple[str, str]) -> OrgUnit | None:
        return self._by_key.get(key)

    def versions(self, code: str) -> list[OrgUnit]:
        """Every unit that has held ``code``, oldest first."""
        return sorted(self._by_code.get(code, []), key=lambda u: u.valid_from or date.min)

    def unit_on(self, code: str, day: date) -> OrgUnit | None:
        return next((u for u in self._by_code.get(code, []) if u.valid_on(day)), None)

    def unit(self, code: str, period: Period) -> OrgUnit | None:
        """The unit ``code`` names in ``period`` (the one valid on its first day), or None."""
        return self.unit_on(code, period.start)

    def parent(self, unit: OrgUnit, day: date) -> OrgUnit | None:
        return self.unit_on(unit.parent_code, day) if unit.parent_code else None

    def communes_of(self, code: str, period: Period) -> list[OrgUnit]:
        """The communes (xã, phường, thị trấn) a unit consolidates in ``period``: its descendants at the
        commune level valid then, or itself when it is a commune. Empty when the unit does not exist then."""
        top = self.unit(code, period)
        if top is None:
            return []
        if top.level == "commune":
            return [top]
        return sorted(self._communes_under(top.code, period.start), key=lambda u: u.listing_key)

    def _communes_under(self, code: str, day: date) -> list[OrgUnit]:
        found, frontier = [], [code]
        while frontier:  # down the tree valid on the day (children are listed by their parent's code)
            for child in self._children.get(frontier.pop(), []):
                if not child.valid_on(day):
                    continue
                if child.level == "commune":
                    found.append(child)
                else:
                    frontier.append(child.code)
        return found

    @cached_property
    def reporting_codes(self) -> list[str]:
        """Every code that consolidates communes in some period: the districts of the old tree and the
        provinces of the new one (what ``GIAMNGHEO_UNIT=all`` runs)."""
        direct = {u.parent_code for u in self.units if u.level == "commune" and u.parent_code}
        return sorted(direct)

    def reports_ever(self, code: str) -> bool:
        """Whether ``code`` consolidates communes in some period (a district, a province, or a commune)."""
        return any(u.level == "commune" or self._has_communes(u) for u in self._by_code.get(code, []))

    def _has_communes(self, unit: OrgUnit) -> bool:
        return bool(self._communes_under(unit.code, unit.valid_to or unit.valid_from or date.today()))

    def successors(self, unit: OrgUnit) -> list[tuple[OrgUnit, Transition]]:
        """The units ``unit`` went into (with the edge: whole or part), followed to today's units."""
        found: list[tuple[OrgUnit, Transition]] = []
        frontier: list[tuple[OrgUnit, Transition | None]] = [(unit, None)]
        seen = {unit.key}
        while frontier:
            current, first_edge = frontier.pop()
            for edge in self._from.get(current.key, []):
                if edge.successor in seen:
                    continue
                nxt = self._by_key.get(edge.successor)
                if nxt is None:
                    continue
                seen.add(nxt.key)
                edge_kept = first_edge or edge
                if nxt.valid_to is None:
                    found.append((nxt, edge_kept))
                else:
                    frontier.append((nxt, edge_kept))
        return sorted(found, key=lambda p: p[0].code)

    def predecessors(self, unit: OrgUnit) -> list[tuple[OrgUnit, Transition]]:
        """The units that went (wholly or in part) into ``unit``, one step back."""
        return sorted(
            (
                (self._by_key[edge.predecessor], edge)
                for edge in self._into.get(unit.key, [])
                if edge.predecessor in self._by_key
            ),
            key=lambda p: p[0].code,
        )

    def ended_into(self, period: Period) -> dict[tuple[str, str], list[tuple[OrgUnit, list[OrgUnit]]]]:
        """The communes ended by the period's first day, each with its successors, listed under every
        successor's key (worked out once per period: a resolver per reporting unit only looks up its own)."""
        day = period.start
        if day not in self._ended_into:
            index: dict[tuple[str, str], list[tuple[OrgUnit, list[OrgUnit]]]] = {}
            for old in self.ended_before(period):
                successors = [s for s, _edge in self.successors(old)]
                for successor in successors:
                    index.setdefault(successor.key, []).append((old, successors))
            self._ended_into[day] = index
        return self._ended_into[day]

    def ended_before(self, period: Period) -> list[OrgUnit]:
        """Communes that had ended by the period's first day (their names may still turn up in files)."""
        return [u for u in self.units if u.level == "commune" and u.valid_to is not None and u.valid_to < period.start]
