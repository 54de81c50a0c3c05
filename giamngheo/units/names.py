"""Commune names as clerks write them, resolved against the units valid in the file's period.

A name arrives as "Xã Vi Hương", "vi huong", "TT Phủ Thông", "VI HƯƠNG", in NFC or NFD, or as the
official code (``01969``, or ``1969`` once Excel has read it as a number). With 92 or 3,321 real
names, folding (case, diacritics) can merge what is distinct, so :class:`UnitResolver` goes from the
strictest reading to the loosest and stops at the first that names exactly one unit:

1. the code, among the units valid in the period;
2. the name as written (case and spacing aside, diacritics kept): a unit's name or known spelling,
   then a full name ("Xã Vi Hương");
3. the same after a type prefix (Xã, Phường, TT…) is taken off, only when the whole name is not
   itself a unit's name;
4. the name without diacritics: whole, as a full name, then without its prefix.

A reading that fits several units is ambiguous and says which. A name of a unit that had ended by
the period (a 2026 file naming Vi Hương) is refused naming its successor.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from functools import lru_cache

from .model import OrgUnit
from .tree import UnitTree

# prefixes naming the kind of unit, compared without diacritics
_KIND_PREFIXES = (
    ("thi tran", "thi_tran"),
    ("t.tran", "thi_tran"),
    ("t.t", "thi_tran"),
    ("tt", "thi_tran"),
    ("phuong", "phuong"),
    ("p", "phuong"),
    ("xa", "xa"),
    ("x", "xa"),
    ("dac khu", "dac_khu"),
)
TOTAL_LABELS = {"tong cong", "tong", "cong", "toan huyen", "toan tinh", "toan xa", "tong so"}


def strip_diacritics(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    out = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return out.replace("đ", "d").replace("Đ", "D")


def loose_key(text: object) -> str:
    """Case-folded, diacritic-free, punctuation-light form of a name."""
    return _loose_key(str(text))


@lru_cache(maxsize=1 << 16)  # the same names and labels come back in every file
def _loose_key(text: str) -> str:
    return strip_diacritics(exact_key(text))


@lru_cache(maxsize=1 << 16)
def exact_key(text: str) -> str:
    """Case-folded, NFC, single-spaced form of a name: its diacritics kept."""
    text = unicodedata.normalize("NFC", str(text)).casefold()
    return " ".join(text.replace("_", " ").split())


def split_kind(text: str) -> tuple[str | None, str]:
    """``"x. vi huong"`` -> ``("xa", "vi huong")``; works on loose keys."""
    for prefix, kind in _KIND_PREFIXES:
        match = re.match(rf"^{re.escape(prefix)}(?:\.\s*|\s+)(.+)$", text)
        if match:
            return kind, match.group(1).strip()
    return None, text


def is_total_label(value: object) -> bool:
    return value is not None and loose_key(value).strip(" :.") in TOTAL_LABELS


def labelled(unit: OrgUnit) -> str:
    """ "xã Phủ Thông (01969)": a unit as a message names it."""
    return f"{unit.kind_label.lower()} {unit.name} ({unit.code})".strip()


class UnitNameError(ValueError):
    def __init__(self, value: object, reason_vi: str, reason_en: str, closest: list[str]):
        self.value = value
        self.closest = closest
        hint_vi = f"; gần giống: {', '.join(closest)}" if closest else ""
        hint_en = f"; closest known: {', '.join(closest)}" if closest else ""
        self.reason_vi = reason_vi + hint_vi
        self.reason_en = reason_en + hint_en
        super().__init__(f"{self.reason_vi} / {self.reason_en}")


class UnitResolver:
    """Resolve the commune names of one reporting unit's period to their codes."""

    def __init__(
        self,
        communes: list[OrgUnit],
        ended: list[tuple[OrgUnit, list[OrgUnit]]] | None = None,
        absent: tuple[str, str] | None = None,
    ):
        self.units = {u.code: u for u in communes}
        # names (the official one, known spellings) and full names ("Xã Vi Hương"), as written and folded
        self._exact: dict[str, set[str]] = {}
        self._exact_full: dict[str, set[str]] = {}
        self._folded: dict[str, set[str]] = {}
        self._folded_full: dict[str, set[str]] = {}
        for unit in communes:
            for name in (unit.name, *unit.aliases, *filter(None, [unit.report_name])):
                self._exact.setdefault(exact_key(name), set()).add(unit.code)
                self._folded.setdefault(loose_key(name), set()).add(unit.code)
            self._exact_full.setdefault(exact_key(unit.full_name), set()).add(unit.code)
            self._folded_full.setdefault(loose_key(unit.full_name), set()).add(unit.code)
        # names of communes that had ended by the period, with what they became
        self._ended: dict[str, list[tuple[OrgUnit, list[OrgUnit]]]] = {}
        for old, successors in ended or []:
            for name in (old.name, old.full_name, *old.aliases):
                self._ended.setdefault(loose_key(name), []).append((old, successors))
        self._absent = absent  # the reporting unit does not exist in the period: (vi, en)

    @classmethod
    def for_unit(cls, tree: UnitTree, code: str, period) -> UnitResolver:
        """The communes ``code`` consolidates in ``period``, and the names of those that had ended."""
        communes = tree.communes_of(code, period)
        absent = None
        if not communes:
            versions = tree.versions(code)
            last = versions[-1] if versions else None
            if last is not None and last.valid_to is not None and last.valid_to < period.start:
                absent = (
                    f"{last.full_name} ({code}) không còn từ {last.ended_label}: kỳ {period} không thuộc đơn vị này",
                    f"{last.full_name} ({code}) no longer exists since {last.ended_label}: "
                    f"period {period} is not this unit's",
                )
            else:
                absent = (
                    f"đơn vị {code} không có xã, phường nào trong kỳ {period}",
                    f"unit {code} has no communes in period {period}",
                )
        kept = {u.key for u in communes}
        index = tree.ended_into(period)
        ended: dict[tuple[str, str], tuple[OrgUnit, list[OrgUnit]]] = {}  # each old commune once, in code order
        for unit in communes:
            for old, successors in index.get(unit.key, []):
                ended.setdefault(old.key, (old, [s for s in successors if s.key in kept]))
        return cls(communes, [ended[key] for key in sorted(ended)], absent)

    def resolve(self, value: object, suggest: bool = True) -> str:
        """The code of the commune ``value`` names (or gives). Raises :class:`UnitNameError`, with the closest
        names when ``suggest`` (a file's footer is only asked whether it names a unit: no suggestions)."""
        if value is None or not str(value).strip():
            raise UnitNameError(value, "thiếu tên xã, phường", "the commune name is missing", [])
        if self._absent is not None:
            raise UnitNameError(value, self._absent[0], self._absent[1], [])
        code = self._as_code(value)
        if code is not None:
            return code
        text = str(value)
        exact, folded = exact_key(text), loose_key(text)
        kind, base = split_kind(folded)
        # strictest first: the name as written, the full name, the name after its prefix (only when the whole
        # is no unit's name), then the same without diacritics
        strip = kind is not None and folded not in self._folded
        steps: list[set[str]] = [self._exact.get(exact, set()), self._exact_full.get(exact, set())]
        if strip and len(exact) == len(folded):
            steps.append(self._of_kind(self._exact.get(exact[len(exact) - len(base) :], set()), kind))
        steps += [self._folded.get(folded, set()), self._folded_full.get(folded, set())]
        if strip:
            steps.append(self._of_kind(self._folded.get(base, set()), kind))
        for codes in steps:
            if len(codes) == 1:
                return next(iter(codes))
            if len(codes) > 1:
                names = [labelled(self.units[c]) for c in sorted(codes)]
                raise UnitNameError(
                    value,
                    f"tên '{value}' khớp với nhiều đơn vị; ghi đúng dấu hoặc ghi mã",
                    f"name '{value}' matches several units; write it with its diacritics or give the code",
                    names,
                )
        gone = self._ended.get(folded) or (self._ended.get(base) if kind else None)
        if gone:
            old, successors = gone[0]
            now = ", ".join(labelled(s) for s in successors)
            raise UnitNameError(
                value,
                f"{old.name} không còn từ {old.ended_label}; nay thuộc {now}",
                f"{old.name} no longer exists since {old.ended_label}; it is now part of {now}",
                [],
            )
        close = difflib.get_close_matches(base, list(self._folded), n=3, cutoff=0.5) if suggest else []
        names = [self.units[c].full_name for key in close for c in sorted(self._folded[key])]
        raise UnitNameError(
            value, f"không có xã, phường nào tên '{value}'", f"no commune or ward is named '{value}'", names
        )

    def _of_kind(self, codes: set[str], kind: str | None) -> set[str]:
        return {c for c in codes if self.units[c].kind == kind} or codes

    def _as_code(self, value: object) -> str | None:
        """A commune given by its code: ``"01969"``, or ``1969`` as Excel reads it."""
        if isinstance(value, bool):
            return None
        is_whole_number = isinstance(value, int | float) and float(value).is_integer()
        text = str(int(value)) if is_whole_number else str(value).strip()  # type: ignore[call-overload]
        if not text.isdigit() or len(text) > 5:
            return None
        code = text.zfill(5)
        return code if code in self.units else None
