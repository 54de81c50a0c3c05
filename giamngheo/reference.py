"""Reference data: organisation units, category codes, and name resolution.

Communes arrive named as clerks write them ("Xã Vi Hương", "vi huong",
"TT Phủ Thông", NFD or NFC). :class:`UnitResolver` maps all of those to the
unit's stable code, and refuses a name that matches no unit or several,
naming the closest known units.
"""

from __future__ import annotations

import csv
import difflib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

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
)
_KIND_LABEL = {"xa": "Xã", "thi_tran": "Thị trấn", "phuong": "Phường", "huyen": "Huyện", "tinh": "Tỉnh"}
TOTAL_LABELS = {"tong cong", "tong", "cong", "toan huyen", "tong so"}


def strip_diacritics(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    out = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return out.replace("đ", "d").replace("Đ", "D")


def loose_key(text: object) -> str:
    """Case-folded, diacritic-free, punctuation-light form of a name."""
    return _loose_key(str(text))


@lru_cache(maxsize=1 << 16)  # the same names and labels come back in every file
def _loose_key(text: str) -> str:
    text = strip_diacritics(unicodedata.normalize("NFC", text)).casefold()
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


@dataclass(frozen=True)
class OrgUnit:
    code: str
    name: str
    level: str
    kind: str
    parent_code: str | None
    aliases: tuple[str, ...] = ()
    email: str = ""  # where mail for the unit goes (rejections of its files), optional

    @property
    def kind_label(self) -> str:
        return _KIND_LABEL.get(self.kind, "")

    @property
    def full_name(self) -> str:
        return f"{_KIND_LABEL.get(self.kind, '')} {self.name}".strip()


@dataclass(frozen=True)
class Category:
    dimension: str
    code: str
    label: str
    legal_basis: str


def load_org_units(reference_dir: Path) -> list[OrgUnit]:
    with open(Path(reference_dir) / "org_units.csv", encoding="utf-8", newline="") as fh:
        return [
            OrgUnit(
                code=row["code"],
                name=unicodedata.normalize("NFC", row["name"]),
                level=row["level"],
                kind=row["kind"],
                parent_code=row["parent_code"] or None,
                aliases=tuple(a for a in (row.get("aliases") or "").split("|") if a),
                email=(row.get("email") or "").strip(),
            )
            for row in csv.DictReader(fh)
        ]


def load_categories(reference_dir: Path) -> list[Category]:
    with open(Path(reference_dir) / "categories.csv", encoding="utf-8", newline="") as fh:
        return [
            Category(**{k: unicodedata.normalize("NFC", v or "") for k, v in row.items()}) for row in csv.DictReader(fh)
        ]


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
    """Resolve commune names of one district to org-unit codes."""

    def __init__(self, communes: list[OrgUnit]):
        self.units = {u.code: u for u in communes}
        self._by_name: dict[str, set[str]] = {}
        for unit in communes:
            for name in (unit.name, *unit.aliases):
                self._by_name.setdefault(loose_key(name), set()).add(unit.code)

    @classmethod
    def for_district(cls, units: list[OrgUnit], district_code: str) -> UnitResolver:
        return cls(communes_of(units, district_code))

    def resolve(self, value: object) -> str:
        if value is None or not str(value).strip():
            raise UnitNameError(value, "thiếu tên xã, thị trấn", "the commune name is missing", [])
        kind, base = split_kind(loose_key(value))
        codes = set(self._by_name.get(base, set()))
        if kind and codes:
            codes = {c for c in codes if self.units[c].kind == kind} or codes
        if len(codes) == 1:
            return codes.pop()
        if len(codes) > 1:
            names = sorted(self.units[c].full_name for c in codes)
            raise UnitNameError(
                value, f"tên '{value}' khớp với nhiều đơn vị", f"name '{value}' matches several units", names
            )
        close = difflib.get_close_matches(base, list(self._by_name), n=3, cutoff=0.5)
        names = [self.units[c].full_name for key in close for c in sorted(self._by_name[key])]
        raise UnitNameError(
            value, f"không có xã, thị trấn nào tên '{value}'", f"no commune or town is named '{value}'", names
        )


def district_of(communes: list[OrgUnit]) -> str:
    """The one district these communes belong to."""
    parents = {u.parent_code for u in communes}
    if len(parents) != 1:
        raise ValueError(f"communes of one district expected, got parents {sorted(map(str, parents))}")
    parent = parents.pop()
    if parent is None:
        raise ValueError("communes without a district")
    return parent


@lru_cache(maxsize=4)
def org_units(reference_dir: Path) -> tuple[OrgUnit, ...]:
    return tuple(load_org_units(reference_dir))


@lru_cache(maxsize=4)
def categories(reference_dir: Path) -> tuple[Category, ...]:
    return tuple(load_categories(reference_dir))


@dataclass(frozen=True)
class ReferenceData:
    """What every step needs of the reference data, for one deployment's district."""

    forms: dict
    units: list[OrgUnit]
    categories: list[Category]
    communes: list[OrgUnit]

    @classmethod
    def load(cls, reference_dir: Path, district_code: str) -> ReferenceData:
        from .forms import registry

        units = list(org_units(reference_dir))
        return cls(registry(reference_dir), units, list(categories(reference_dir)), communes_of(units, district_code))

    def communes_of(self, district_code: str) -> list[OrgUnit]:
        return communes_of(self.units, district_code)


def communes_of(units, district_code: str) -> list[OrgUnit]:
    """The communes of one district; a district without any is a mistake in the settings."""
    communes = [u for u in units if u.parent_code == district_code and u.level == "commune"]
    if not communes:
        raise ValueError(f"no communes under district {district_code!r} in the reference data")
    return communes
