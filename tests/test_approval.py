"""Approval of a period's report without Airflow: request, approve, lock, hold, reopen, finals, the trail."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from giamngheo.approval import APPROVE, SEND_BACK, ApprovalError, Approvals, document_text
from giamngheo.cli import main as cli_main
from giamngheo.periods import Period
from giamngheo.report import ReportBuilder
from giamngheo.submissions import page_data
from tests.conftest import PERIOD, SAMPLE_INBOX, settings_for

CAO_SON = "bao cao giam ngheo Cao Sơn.csv"


def correction(data_dir: Path, new_value: str = "30") -> Path:
    """Cao Sơn re-sends its commune form with 25 -> ``new_value`` workers at companies (column 7)."""
    lines = (SAMPLE_INBOX / PERIOD / "commune" / CAO_SON).read_text(encoding="utf-8").splitlines()
    cells = lines[1].split(",")
    assert cells[6] == "25"
    cells[6] = new_value
    path = data_dir / "inbox" / PERIOD / "commune" / "bao cao giam ngheo Cao Sơn (sửa).csv"
    path.write_text("\n".join([lines[0], ",".join(cells)]) + "\n", encoding="utf-8")
    later = (SAMPLE_INBOX / PERIOD / "commune" / CAO_SON).stat().st_mtime + 86400
    os.utime(path, (later, later))
    return path


@pytest.fixture
def approvals(pipeline, data_dir, warehouse_url):
    settings = settings_for(data_dir, warehouse_url, GIAMNGHEO_APPROVERS="pho_chu_tich")
    pipeline.deployment.settings = settings
    yield Approvals(settings, pipeline.warehouse)


def draft(approvals: Approvals) -> tuple[str, dict | None]:
    result = ReportBuilder(approvals.settings, approvals.warehouse).render(Period.parse(PERIOD), pdf=False)
    assert not result.draft, result.draft_reason
    return result.docx, approvals.request("061", Period.parse(PERIOD), result.docx)


def test_approve_lock_hold_reopen_and_a_second_final(pipeline, approvals, data_dir, monkeypatch, capsys):
    pipeline.ingest(pipeline.deployment.discover(PERIOD))
    docx, request = draft(approvals)
    assert request is not None and "452 người" in "\n".join(document_text(Path(docx)))
    assert draft(approvals)[1] is None  # the same draft is not asked twice

    with pytest.raises(ApprovalError, match="125/BC-UBND"):
        approvals.approve(request["id"], "125", "2022-07-15", "pho_chu_tich")
    with pytest.raises(ApprovalError, match="YYYY-MM-DD"):
        approvals.approve(request["id"], "125/BC-UBND", "15/07/2022", "pho_chu_tich")
    with pytest.raises(ApprovalError, match="not an approver"):
        approvals.approve(request["id"], "125/BC-UBND", "2022-07-15", "van_thu")

    final = approvals.approve(request["id"], "125/BC-UBND", "2022-07-15", "pho_chu_tich")
    assert final["version"] == 1 and Path(final["folder"]).name == "v1"
    text = document_text(Path(final["docx"]))
    assert "Số: 125/BC-UBND" in "\n".join(text)
    assert "Bạch Thông, ngày 15 tháng 7 năm 2022" in "\n".join(text)
    assert "DỰ THẢO" not in "\n".join(text)
    manifest = json.loads((Path(final["folder"]) / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["approved_by"] == "pho_chu_tich" and manifest["so_van_ban"] == "125/BC-UBND"
    assert len(manifest["sources"]) == len(pipeline.deployment.discover(PERIOD))
    assert all(len(s["sha256"]) == 64 and Path(s["archive_path"]).is_file() for s in manifest["sources"])
    assert Path(final["docx"]).name in manifest["outputs"]
    assert [e["action"] for e in manifest["audit"]] == ["requested", "approved", "locked"]
    assert not os.stat(final["docx"]).st_mode & stat.S_IWUSR  # never overwritten
    assert approvals.is_locked("061", PERIOD)
    assert approvals.approve(request["id"], "125/BC-UBND", "2022-07-15", "pho_chu_tich")["version"] == 1  # again

    # a correction of the locked period: validated, archived, held; figures and final unchanged
    before = approvals.warehouse.report_values(Period.parse(PERIOD), Period.parse(PERIOD), "061")
    path = correction(data_dir)
    (held,) = pipeline.ingest([f for f in pipeline.deployment.discover(PERIOD) if f.path == path])
    assert held.status == "held" and "khóa" in held.message and "locked" in held.message
    assert approvals.warehouse.report_values(Period.parse(PERIOD), Period.parse(PERIOD), "061") == before
    (again,) = pipeline.ingest([f for f in pipeline.deployment.discover(PERIOD) if f.path == path])
    assert again.status == "unchanged" and again.known_status == "held"
    assert [h["file_name"] for h in approvals.held("061", PERIOD)] == [path.name]
    assert draft(approvals)[1] is None  # a locked period asks nothing
    shown = page_data(pipeline.deployment, approvals.warehouse, PERIOD)["approval"]
    assert shown["locked"] and not shown["waiting"]
    assert shown["finals"][0]["so_van_ban"] == "125/BC-UBND" and "final/v1/manifest.json" in shown["finals"][0]["files"]
    assert [(h["file_name"], h["released"]) for h in shown["held"]] == [(path.name, "")]
    assert [e["action"] for e in shown["trail"]] == ["requested", "approved", "locked", "held"]

    with pytest.raises(ApprovalError, match="not an approver"):
        approvals.reopen("061", Period.parse(PERIOD), "Cao Sơn sửa số lao động", "van_thu", pipeline)
    reopened = approvals.reopen("061", Period.parse(PERIOD), "Cao Sơn sửa số lao động", "pho_chu_tich", pipeline)
    assert [(o.status, o.version) for o in reopened["released"]] == [("accepted", 2)]
    assert not approvals.is_locked("061", PERIOD)
    docx, second = draft(approvals)
    assert second is not None and "457 người" in "\n".join(document_text(Path(docx)))

    final2 = approvals.approve(second["id"], "131/BC-UBND", "2022-08-05", "pho_chu_tich")
    assert final2["version"] == 2
    assert "Bạch Thông, ngày 05 tháng 8 năm 2022" in "\n".join(document_text(Path(final2["docx"])))
    assert "457 người" in "\n".join(document_text(Path(final2["docx"])))
    assert document_text(Path(final["docx"])) == text  # v1 kept as approved
    actions = [e["action"] for e in approvals.trail("061", PERIOD)]
    assert actions == [
        "requested", "approved", "locked", "held", "reopened", "released", "requested", "approved", "locked"
    ]  # fmt: skip

    # each final renders again from the warehouse alone, as approved (v1 from the figures before the correction)
    for version, approved in ((1, final), (2, final2)):
        again_docx = approvals.rerender("061", PERIOD, version, data_dir / f"rerender-v{version}")
        assert document_text(again_docx) == document_text(Path(approved["docx"]))
    # and from the command line, with the deployment's settings from the environment
    for key, value in (("GIAMNGHEO_DATA_DIR", data_dir), ("GIAMNGHEO_WAREHOUSE_URL", approvals.settings.warehouse_url)):
        monkeypatch.setenv(key, str(value))
    out = data_dir / "cli-rerender"
    assert cli_main(["finals", "--period", PERIOD, "--rerender", "1", "--out", str(out)]) == 0
    assert "same text as approved" in capsys.readouterr().out


def test_send_back_keeps_the_draft_and_a_changed_draft_supersedes_the_request(pipeline, approvals, data_dir):
    pipeline.ingest(pipeline.deployment.discover(PERIOD))
    _, request = draft(approvals)
    with pytest.raises(ApprovalError, match="say why"):
        approvals.answer(request["id"], [SEND_BACK], {"ghi_chu": " "}, "pho_chu_tich")
    sent = approvals.answer(request["id"], [SEND_BACK], {"ghi_chu": "Bổ sung số liệu xã Đôn Phong"}, "pho_chu_tich")
    assert sent["status"] == "sent_back" and not approvals.is_locked("061", PERIOD)
    assert approvals.requests("061", PERIOD)[0]["comment"] == "Bổ sung số liệu xã Đôn Phong"
    with pytest.raises(ApprovalError, match="no longer waiting"):
        approvals.answer(
            request["id"], [APPROVE], {"so_van_ban": "125/BC-UBND", "ngay_ky": "2022-07-15"}, "pho_chu_tich"
        )

    _, request = draft(approvals)  # the same figures, put again after a send-back
    assert request is not None
    path = correction(data_dir)
    (loaded,) = pipeline.ingest([f for f in pipeline.deployment.discover(PERIOD) if f.path == path])
    assert loaded.status == "accepted"
    with pytest.raises(ApprovalError, match="figures changed"):  # loaded after the request: not this draft
        approvals.approve(request["id"], "125/BC-UBND", "2022-07-15", "pho_chu_tich")
    assert approvals.requests("061", PERIOD)[0]["status"] == "superseded"
    assert not approvals.is_locked("061", PERIOD) and not approvals.finals("061", PERIOD)
    assert [e["action"] for e in approvals.trail("061", PERIOD)] == [
        "requested",
        "sent_back",
        "requested",
        "superseded",
    ]
