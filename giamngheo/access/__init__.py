"""Who may see and do what: grants of roles on dated units.

A grant ties an Airflow user to one unit *as it was dated* (its code and ``valid_from``: ``01969``
is thị trấn Phủ Thông until 30/6/2025 and xã Phủ Thông after) and a role:

- ``bao_cao``: a reporter, a commune or an office: sees its own units' submissions and sends files;
- ``ra_soat``: a reviewer: also verifies data-quality warnings on its units;
- ``phe_duyet``: an approver: also approves its units' reports (with the four-eyes rule);
- ``quan_tri``: the data team: every action on its units.

A grant on a province or a district covers the communes under it in the periods it exists. A grant
follows the dates, not the code: a grant on 2025's Vi Hương gives nothing in 2026 (Vi Hương became
part of xã Phủ Thông), and ``giamngheo access grant`` names the successor to grant instead. An Airflow
administrator is the data team everywhere. Nothing here knows about Airflow: the plugin passes the
user's name and whether Airflow calls them an administrator.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ..periods import Period

ROLES = {
    "bao_cao": ("báo cáo (xã, phường, cơ quan gửi số liệu)", "reporter (a commune or an office that sends data)"),
    "ra_soat": ("rà soát (xác minh cảnh báo số liệu)", "reviewer (verifies data-quality warnings)"),
    "phe_duyet": ("phê duyệt (duyệt báo cáo)", "approver (approves the report)"),
    "quan_tri": ("quản trị (nhóm dữ liệu)", "administrator (the data team)"),
}
# what each role may do beyond seeing its units; quan_tri may do everything
ACTIONS = {
    "bao_cao": {"see", "send"},
    "ra_soat": {"see", "verify"},
    "phe_duyet": {"see", "approve"},
    "quan_tri": {"see", "send", "verify", "approve"},
}


class AccessError(ValueError):
    """A grant that cannot be given (an unknown role or unit, a unit that no longer exists)."""


@dataclass(frozen=True)
class Grant:
    user_name: str
    unit_code: str
    unit_valid_from: str  # '' : the unit's first version has no start date in the official list
    role: str
    granted_by: str = ""
    granted_at: str = ""

    @property
    def unit_key(self) -> tuple[str, str]:
        return self.unit_code, self.unit_valid_from


class Access:
    """One user's grants, read through the dated tree: which units they may see, and act on, in a period."""

    def __init__(self, tree, user: str, grants: list[Grant], administrator: bool = False):
        self.tree, self.user, self.administrator = tree, user, administrator
        self.grants = [g for g in grants if g.user_name == user]

    def units(self, period: Period, action: str = "see") -> set[str] | None:
        """The codes (reporting units and communes) ``action`` is allowed on in ``period``; None: all."""
        if self.administrator:
            return None
        found: set[str] = set()
        for grant in self.grants:
            if action not in ACTIONS.get(grant.role, set()):
                continue
            unit = self.tree.by_key(grant.unit_key)
            if unit is None or not unit.valid_on(period.start):
                continue  # the unit of the grant is not the one its code names in this period
            found.add(unit.code)
            found.update(c.code for c in self.tree.communes_of(unit.code, period))
        return found

    def desks(self, period: Period) -> list[str]:
        """The units the user works for in ``period`` (a desk each): those of their grants valid then."""
        codes = []
        for grant in self.grants:
            unit = self.tree.by_key(grant.unit_key)
            if unit is not None and unit.valid_on(period.start) and unit.code not in codes:
                codes.append(unit.code)
        return codes

    def may(self, code: str, period: Period, action: str = "see") -> bool:
        allowed = self.units(period, action)
        return allowed is None or code in allowed

    def may_any(self, codes, period: Period, action: str = "see") -> bool:
        allowed = self.units(period, action)
        return allowed is None or bool(allowed & set(codes))


def unit_to_grant(tree, code: str, on: date):
    """The unit ``code`` names on ``on``; an error naming the successors when it had ended by then."""
    unit = tree.unit_on(code, on)
    if unit is not None:
        return unit
    versions = tree.versions(code)
    if not versions:
        raise AccessError(f"không có đơn vị mã {code} / no unit has the code {code}")
    last = versions[-1]
    successors = ", ".join(f"{s.full_name} ({s.code})" for s, _edge in tree.successors(last))
    then = f"; hãy cấp quyền cho {successors} / grant {successors} instead" if successors else ""
    raise AccessError(
        f"{last.full_name} ({code}) không còn từ {last.ended_label}{then}"
        if last.valid_to is not None and last.valid_to < on
        else f"{last.full_name} ({code}) chưa có hiệu lực ngày {on:%d/%m/%Y} / not yet valid on {on}"
    )
