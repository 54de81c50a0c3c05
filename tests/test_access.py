"""Grants of roles on dated units: what a user may see and do in a period (the policy, pure), the
grants kept in the warehouse with their audit rows (SQLite and PostgreSQL), and the command."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date

import pytest

from giamngheo.access import Access, AccessError, Grant, unit_to_grant
from giamngheo.periods import Period
from giamngheo.reference import unit_tree
from tests.conftest import ROOT

OLD, NEW = Period.parse("2025-H1"), Period.parse("2026-H1")


@pytest.fixture(scope="module")
def tree():
    return unit_tree(ROOT / "include" / "reference")


@pytest.fixture(scope="module")
def grants(tree):
    def on(user, code, day, role):
        unit = tree.unit_on(code, day)
        return Grant(user, unit.code, unit.key[1], role)

    return [
        on("a", "01969", date(2026, 1, 1), "bao_cao"),  # xã Phủ Thông of today
        on("b", "01975", date(2025, 1, 1), "bao_cao"),  # xã Vi Hương, which ended on 30/6/2025
        on("r", "19", date(2026, 1, 1), "ra_soat"),  # tỉnh Thái Nguyên: its 92 communes
        on("p", "063", date(2025, 1, 1), "phe_duyet"),  # huyện Bạch Thông, until 30/6/2025
    ]


def test_a_reporter_sees_its_own_commune_only_and_only_while_its_unit_exists(tree, grants):
    a = Access(tree, "a", grants)
    assert a.units(NEW) == {"01969"} and a.may("01969", NEW) and not a.may("01975", NEW)
    assert a.units(OLD) == set()  # 01969 named thị trấn Phủ Thông in 2025: another unit, not granted
    assert a.may("01969", NEW, "send") and not a.may("01969", NEW, "verify")
    b = Access(tree, "b", grants)  # Vi Hương's grant does not open xã Phủ Thông by itself
    assert b.units(OLD) == {"01975"} and b.units(NEW) == set()


def test_a_grant_on_a_province_or_district_covers_its_communes_of_the_period(tree, grants):
    r = Access(tree, "r", grants)
    covered = r.units(NEW, "verify")
    assert covered is not None and len(covered) == 93 and {"19", "01969", "02014"} <= covered
    assert r.units(NEW, "approve") == set() and r.units(NEW, "send") == set()
    p = Access(tree, "p", grants)
    assert p.units(OLD, "approve") == {"063"} | {u.code for u in tree.communes_of("063", OLD)}
    assert p.units(NEW) == set()  # huyện Bạch Thông is gone
    assert Access(tree, "someone", grants).units(NEW) == set()
    assert Access(tree, "admin", [], administrator=True).units(NEW) is None  # the data team: all


def test_granting_an_ended_unit_names_its_successor(tree):
    assert unit_to_grant(tree, "01969", date(2026, 1, 1)).kind == "xa"
    with pytest.raises(AccessError, match=r"Xã Vi Hương \(01975\) không còn từ 01/7/2025.*Xã Phủ Thông \(01969\)"):
        unit_to_grant(tree, "01975", date(2026, 1, 1))
    with pytest.raises(AccessError, match="không có đơn vị mã 99999"):
        unit_to_grant(tree, "99999", date(2026, 1, 1))


def test_grants_are_kept_once_and_audited(pipeline):
    warehouse = pipeline.warehouse
    assert warehouse.add_grant("a", "01969", "2025-07-01", "bao_cao", "admin") is True
    assert warehouse.add_grant("a", "01969", "2025-07-01", "bao_cao", "admin") is False  # again: no change
    assert warehouse.add_grant("a", "01969", "2025-07-01", "ra_soat", "admin") is True
    assert warehouse.add_grant("c", "19", "2025-07-01", "quan_tri", "admin") is True
    assert [(g["user_name"], g["role"]) for g in warehouse.grants("a")] == [("a", "bao_cao"), ("a", "ra_soat")]
    assert len(warehouse.grants()) == 3
    assert warehouse.remove_grant("a", "01969", "ra_soat", "admin") == 1
    assert warehouse.remove_grant("a", "01969", None, "admin") == 1
    assert warehouse.remove_grant("a", "01969", None, "admin") == 0
    trail = warehouse.query("query/audit_trail", unit="01969", period="")
    assert [(e["action"], e["actor"], e["reason"]) for e in trail] == [
        ("granted", "admin", "bao_cao"),
        ("granted", "admin", "ra_soat"),
        ("revoked", "admin", "ra_soat"),
        ("revoked", "admin", ""),
    ]


def test_the_access_command_grants_lists_revokes_and_refuses_an_ended_unit(tmp_path):
    env = {**os.environ, "GIAMNGHEO_DATA_DIR": str(tmp_path), "GIAMNGHEO_UNIT": "063,19"}

    def access(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "giamngheo", "access", *args], capture_output=True, text=True, env=env, cwd=ROOT
        )

    done = access("grant", "a", "--unit", "01969", "--role", "bao_cao", "--by", "admin")
    assert done.returncode == 0, done.stderr
    assert "Xã Phủ Thông (01969)" in done.stdout and "đã cấp / granted" in done.stdout
    assert "đã có từ trước" in access("grant", "a", "--unit", "01969", "--role", "bao_cao").stdout
    refused = access("grant", "b", "--unit", "01975", "--role", "bao_cao")
    assert refused.returncode == 1 and "hãy cấp quyền cho Xã Phủ Thông (01969)" in refused.stderr
    past = access("grant", "b", "--unit", "01975", "--role", "bao_cao", "--on", "2025-01-01")
    assert past.returncode == 0, past.stderr
    assert access("grant", "a", "--unit", "01969", "--role", "boss").returncode == 2
    listed = access("list").stdout
    assert "Xã Phủ Thông" in listed and "Xã Vi Hương (không còn từ 01/7/2025)" in listed
    assert access("revoke", "a", "--unit", "01969").returncode == 0
    assert "01969" not in access("list", "--user", "a").stdout


def test_an_approver_is_configured_or_granted_phe_duyet_on_the_unit_of_the_period(pipeline):
    from dataclasses import replace

    from giamngheo.approval import ApprovalError, Approvals

    approvals = Approvals(replace(pipeline.deployment.settings, approvers=()), pipeline.warehouse)
    with pytest.raises(ApprovalError, match="nobody may approve"):  # none configured, none granted
        approvals.check_approver("p", "063", OLD)
    pipeline.warehouse.add_grant("p", "063", "", "phe_duyet", "admin")  # huyện Bạch Thông, until 30/6/2025
    pipeline.warehouse.add_grant("r", "063", "", "ra_soat", "admin")
    assert approvals.approvers("063", OLD) == ["p"]
    approvals.check_approver("p", "063", OLD)
    with pytest.raises(ApprovalError, match="is not an approver"):
        approvals.check_approver("r", "063", OLD)  # a reviewer does not approve
    assert approvals.approvers("19", NEW) == []  # the grant does not follow the code into the new province
    configured = Approvals(replace(pipeline.deployment.settings, approvers=("chu_tich",)), pipeline.warehouse)
    assert configured.approvers("063", OLD) == ["chu_tich", "p"] and configured.approvers() == ["chu_tich"]
