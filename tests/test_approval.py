"""Approval of a period's report without Airflow: request, approve, lock, hold, reopen, finals, the trail."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from giamngheo.approval import (
    APPROVE,
    SEND_BACK,
    ApprovalError,
    Approvals,
    DraftChanged,
    answer_refusal,
    answer_request,
    document_text,
    draft_reports,
)
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
    return result.docx, approvals.request("063", Period.parse(PERIOD), result.docx)


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
    assert approvals.is_locked("063", PERIOD)
    assert approvals.approve(request["id"], "125/BC-UBND", "2022-07-15", "pho_chu_tich")["version"] == 1  # again

    # a correction of the locked period: validated, archived, held; figures and final unchanged
    before = approvals.warehouse.report_values(Period.parse(PERIOD), Period.parse(PERIOD), "063")
    path = correction(data_dir)
    (held,) = pipeline.ingest([f for f in pipeline.deployment.discover(PERIOD) if f.path == path])
    assert held.status == "held" and "khóa" in held.message and "locked" in held.message
    assert approvals.warehouse.report_values(Period.parse(PERIOD), Period.parse(PERIOD), "063") == before
    (again,) = pipeline.ingest([f for f in pipeline.deployment.discover(PERIOD) if f.path == path])
    assert again.status == "unchanged" and again.known_status == "held"
    assert [h["file_name"] for h in approvals.held("063", PERIOD)] == [path.name]
    assert draft(approvals)[1] is None  # a locked period asks nothing
    shown = page_data(pipeline.deployment, approvals.warehouse, PERIOD)["approval"]
    assert shown["locked"] and not shown["waiting"]
    assert shown["finals"][0]["so_van_ban"] == "125/BC-UBND" and "final/v1/manifest.json" in shown["finals"][0]["files"]
    assert [(h["file_name"], h["released"]) for h in shown["held"]] == [(path.name, "")]
    assert [e["action"] for e in shown["trail"]] == ["requested", "approved", "locked", "held"]

    with pytest.raises(ApprovalError, match="not an approver"):
        approvals.reopen("063", Period.parse(PERIOD), "Cao Sơn sửa số lao động", "van_thu", pipeline)
    reopened = approvals.reopen("063", Period.parse(PERIOD), "Cao Sơn sửa số lao động", "pho_chu_tich", pipeline)
    assert [(o.status, o.version) for o in reopened["released"]] == [("accepted", 2)]
    assert not approvals.is_locked("063", PERIOD)
    docx, second = draft(approvals)
    assert second is not None and "457 người" in "\n".join(document_text(Path(docx)))

    final2 = approvals.approve(second["id"], "131/BC-UBND", "2022-08-05", "pho_chu_tich")
    assert final2["version"] == 2
    assert "Bạch Thông, ngày 05 tháng 8 năm 2022" in "\n".join(document_text(Path(final2["docx"])))
    assert "457 người" in "\n".join(document_text(Path(final2["docx"])))
    assert document_text(Path(final["docx"])) == text  # v1 kept as approved
    actions = [e["action"] for e in approvals.trail("063", PERIOD)]
    assert actions == [
        "requested", "approved", "locked", "held", "reopened", "released", "requested", "approved", "locked"
    ]  # fmt: skip

    # each final renders again from the warehouse alone, as approved (v1 from the figures before the correction)
    for version, approved in ((1, final), (2, final2)):
        again_docx = approvals.rerender("063", PERIOD, version, data_dir / f"rerender-v{version}")
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
    assert sent["status"] == "sent_back" and not approvals.is_locked("063", PERIOD)
    assert approvals.requests("063", PERIOD)[0]["comment"] == "Bổ sung số liệu xã Đôn Phong"
    with pytest.raises(ApprovalError, match="no longer waiting"):
        approvals.answer(
            request["id"], [APPROVE], {"so_van_ban": "125/BC-UBND", "ngay_ky": "2022-07-15"}, "pho_chu_tich"
        )

    _, request = draft(approvals)  # the same figures, put again after a send-back
    assert request is not None
    path = correction(data_dir)
    (loaded,) = pipeline.ingest([f for f in pipeline.deployment.discover(PERIOD) if f.path == path])
    assert loaded.status == "accepted"
    with pytest.raises(ApprovalError, match="changed since this draft"):  # loaded after the request: not this draft
        approvals.approve(request["id"], "125/BC-UBND", "2022-07-15", "pho_chu_tich")
    assert approvals.requests("063", PERIOD)[0]["status"] == "superseded"
    assert not approvals.is_locked("063", PERIOD) and not approvals.finals("063", PERIOD)
    assert [e["action"] for e in approvals.trail("063", PERIOD)] == [
        "requested",
        "sent_back",
        "requested",
        "superseded",
    ]


def test_nobody_may_approve_or_verify_when_none_is_configured(pipeline, data_dir, warehouse_url):
    """The gate fails closed: with GIAMNGHEO_APPROVERS (GIAMNGHEO_REVIEWERS) empty nobody may approve
    (verify), where before anyone could."""
    pipeline.ingest(pipeline.deployment.discover(PERIOD))
    approvals = Approvals(settings_for(data_dir, warehouse_url), pipeline.warehouse)
    _, request = draft(approvals)
    for user in ("admin", "pho_chu_tich"):
        with pytest.raises(ApprovalError, match="no approver is configured"):
            approvals.approve(request["id"], "125/BC-UBND", "2022-07-15", user)
        refusal = answer_refusal(approvals.settings, request["id"], [APPROVE], {}, user)
        assert refusal and "GIAMNGHEO_APPROVERS" in refusal
    with pytest.raises(ApprovalError, match="no reviewer is configured"):
        approvals.verify_warning("any", "admin", "đã gọi điện")
    assert not approvals.is_locked("063", PERIOD) and not approvals.finals("063", PERIOD)


def test_the_digest_covers_narrative_settings_and_template(pipeline, approvals, data_dir, monkeypatch):
    """What the approver saw is what is signed: a narrative, a document setting or a template changed after
    the request refuses the answer (and drafts again, asking anew); the final keeps the template it was
    rendered with, and renders again with that copy after the deployment's template changed."""
    import shutil

    from docx import Document

    from giamngheo.config import Settings

    pipeline.ingest(pipeline.deployment.discover(PERIOD))
    _, request = draft(approvals)
    narrative = data_dir / "inbox" / PERIOD / "narrative.yaml"
    narrative.write_text(narrative.read_text(encoding="utf-8").replace("110/KH-UBND", "111/KH-UBND", 1), "utf-8")
    with pytest.raises(DraftChanged, match="narrative"):
        approvals.approve(request["id"], "125/BC-UBND", "2022-07-15", "pho_chu_tich")
    assert approvals.requests("063", PERIOD)[0]["status"] == "superseded"

    _, request = draft(approvals)  # the new narrative, asked again
    settings_file = data_dir / "settings.yaml"
    settings_file.write_text(
        approvals.settings.report_settings_path.read_text(encoding="utf-8").replace("Bạch Thông", "Bạch Thông.", 1),
        encoding="utf-8",
    )
    moved = settings_for(
        data_dir, approvals.settings.warehouse_url, GIAMNGHEO_APPROVERS="pho_chu_tich",
        GIAMNGHEO_REPORT_SETTINGS=str(settings_file),
    )  # fmt: skip
    done = answer_request(
        moved, request["id"], [APPROVE], {"so_van_ban": "125/BC-UBND", "ngay_ky": "2022-07-15"}, "pho_chu_tich"
    )
    assert done["status"] == "refused" and "settings" in done["reason"] and len(done["requests"]) == 1  # asked anew

    _, request = draft(approvals)  # back on the deployment's settings: a request for them
    template = data_dir / "other-template.docx"
    shutil.copy2(approvals.settings.template_path, template)
    document = Document(str(template))
    document.add_paragraph("Mẫu đã sửa")
    document.save(str(template))
    with monkeypatch.context() as patched:
        patched.setattr(Settings, "template_path", property(lambda self: template))
        with pytest.raises(DraftChanged, match="template"):
            approvals.approve(request["id"], "125/BC-UBND", "2022-07-15", "pho_chu_tich")

    _, request = draft(approvals)
    final = approvals.approve(request["id"], "125/BC-UBND", "2022-07-15", "pho_chu_tich")
    manifest = json.loads((Path(final["folder"]) / "manifest.json").read_text(encoding="utf-8"))
    from giamngheo.inbox import sha256_of

    assert manifest["template"]["sha256"] == sha256_of(approvals.settings.template_path)
    assert sha256_of(Path(final["folder"]) / manifest["template"]["copy"]) == manifest["template"]["sha256"]
    with monkeypatch.context() as patched:  # the deployment's template changes after the approval
        patched.setattr(Settings, "template_path", property(lambda self: template))
        again = approvals.rerender("063", PERIOD, 1, data_dir / "again")
    assert document_text(again) == document_text(Path(final["docx"]))
    assert "Mẫu đã sửa" not in "\n".join(document_text(again))


def test_verifying_needs_a_reviewer_and_a_comment_and_four_eyes_hold(pipeline, data_dir, warehouse_url):
    from tests.helpers import HEALTH_HEADER, write_csv
    from tests.test_quality import luc_binh, second_year

    settings = settings_for(
        data_dir, warehouse_url, GIAMNGHEO_APPROVERS="pho_chu_tich,chu_tich", GIAMNGHEO_REVIEWERS="van_thu,pho_chu_tich"
    )
    pipeline.deployment.settings = settings
    approvals = Approvals(settings, pipeline.warehouse)
    pipeline.ingest(pipeline.deployment.discover(PERIOD))
    inbox = second_year(data_dir)
    later = Period.parse("2023-H1")
    latest = max(f.arrival for f in pipeline.deployment.discover(later))
    write_csv(inbox / "health" / "luc_binh.csv", [HEALTH_HEADER, luc_binh(cost=503_650_880)], arrival=latest + 60)
    pipeline.ingest(pipeline.deployment.discover(later))
    [warning] = [w for w in approvals.warehouse.query("query/quality_warnings", unit="063", period=later)]

    with pytest.raises(ApprovalError, match="not a reviewer"):
        approvals.verify_warning(warning["id"], "admin", "đã gọi điện xác nhận")
    with pytest.raises(ApprovalError, match="comment"):
        approvals.verify_warning(warning["id"], "pho_chu_tich", "  ")
    approvals.verify_warning(warning["id"], "pho_chu_tich", "đã gọi điện xác nhận")
    [event] = [e for e in approvals.trail("063", later) if e["action"] == "verified"]
    assert (event["actor"], event["reason"], event["details"]["org_unit"]) == (
        "pho_chu_tich", "đã gọi điện xác nhận", "01990"
    )  # fmt: skip

    result = ReportBuilder(settings, approvals.warehouse).render(later, pdf=False)
    assert not result.draft, result.draft_reason
    request = approvals.request("063", later, result.docx)
    fields = {"so_van_ban": "125/BC-UBND", "ngay_ky": "2023-07-15"}
    assert "four eyes" in answer_refusal(settings, request["id"], [APPROVE], fields, "pho_chu_tich")
    with pytest.raises(ApprovalError, match="four eyes"):
        approvals.approve(request["id"], fields["so_van_ban"], fields["ngay_ky"], "pho_chu_tich")
    assert answer_refusal(settings, request["id"], [APPROVE], fields, "chu_tich") is None
    assert approvals.approve(request["id"], fields["so_van_ban"], fields["ngay_ky"], "chu_tich")["version"] == 1

    # the deployment may say explicitly that one person may do both
    _ = Approvals(
        settings_for(data_dir, warehouse_url, GIAMNGHEO_APPROVERS="pho_chu_tich", GIAMNGHEO_FOUR_EYES="false")
    )
    _.check_four_eyes("063", later, "pho_chu_tich")
    _.warehouse.dispose()


def test_a_request_whose_draft_is_no_longer_complete_is_withdrawn(pipeline, approvals, data_dir):
    """A rejected file turns the waiting draft back to DỰ THẢO: its request is withdrawn (audited), and an
    answer to it is refused with the reason, not failed."""
    from tests.helpers import write_csv

    pipeline.ingest(pipeline.deployment.discover(PERIOD))
    drafted = draft_reports(approvals.settings, [{"period": PERIOD, "unit": "063"}], pdf=False)
    [request_id] = drafted["requests"]
    lines = (SAMPLE_INBOX / PERIOD / "commune" / "vi_huong.csv").read_text(encoding="utf-8").splitlines()
    later = (SAMPLE_INBOX / PERIOD / "commune" / "vi_huong.csv").stat().st_mtime + 86400
    write_csv(
        data_dir / "inbox" / PERIOD / "commune" / "vi_huong.csv",
        [lines[0].split(","), ["Vi Hương", "x"]],
        arrival=later,
    )
    [rejected] = [o for o in pipeline.ingest(pipeline.deployment.discover(PERIOD)) if o.status != "unchanged"]
    assert rejected.status == "rejected"
    again = draft_reports(approvals.settings, [{"period": PERIOD, "unit": "063"}], pdf=False)
    assert again["results"][0].draft and again["requests"] == []
    assert approvals.get_request(request_id)["status"] == "superseded"
    fields = {"so_van_ban": "125/BC-UBND", "ngay_ky": "2022-07-15"}
    done = answer_request(approvals.settings, request_id, [APPROVE], fields, "pho_chu_tich")
    assert done["status"] == "refused" and "withdrawn" in done["reason"] and not approvals.finals("063", PERIOD)
    assert [e["action"] for e in approvals.trail("063", PERIOD)][-3:] == ["requested", "withdrawn", "answer_refused"]


def test_a_broken_warehouse_signs_nothing(pipeline, approvals, data_dir):
    """Each guard fails closed: a dropped table in the middle of the check makes rendering and approving
    raise, never read as 'no warnings'."""
    from sqlalchemy import text

    pipeline.ingest(pipeline.deployment.discover(PERIOD))
    _, request = draft(approvals)
    with approvals.warehouse.engine.begin() as conn:
        conn.execute(text("drop table quality_warning"))
    builder = ReportBuilder(approvals.settings, approvals.warehouse)
    with pytest.raises(Exception, match="quality_warning"):
        builder.render(Period.parse(PERIOD), pdf=False)
    with pytest.raises(Exception, match="quality_warning"):
        approvals.approve(request["id"], "125/BC-UBND", "2022-07-15", "pho_chu_tich")
    assert not approvals.finals("063", PERIOD) and not approvals.is_locked("063", PERIOD)
    with pytest.raises(Exception, match="quality_warning"):
        page_data(pipeline.deployment, approvals.warehouse, PERIOD)
