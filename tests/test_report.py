"""The report document, rendered from the warehouse and read back with python-docx."""

import os
import shutil
import sys
from pathlib import Path

import pytest
from docx import Document
from docx.shared import Mm

from giamngheo.periods import Period
from giamngheo.report import ReportBuilder, libreoffice, safe_cell
from tests.conftest import PERIOD, ROOT, SAMPLE_INBOX
from tests.helpers import write_csv

# every figure of the hand-written 2022-H1 report, as the report must write it
SEED_TEXTS = [
    "Giao chỉ tiêu giảm 4,73% tỷ lệ hộ nghèo",
    "giảm 4,73% tỷ lệ hộ nghèo (giảm 410 hộ nghèo)",
    "Tổ chức tư vấn cho 86 bộ đội xuất ngũ",
    "giải quyết việc làm mới cho 458/700 lao động, đạt 65,43% kế hoạch giao",
    "khu công nghiệp 452 người; 06 lao động đi làm việc ở nước ngoài",
    "Tổng số học sinh được hưởng: 3.514 lượt học sinh.",
    "Tổng số tiền: 248.229.000 đồng.",
    "Tổng số học sinh được hưởng: 2.062 lượt học sinh.",
    "Tổng số tiền: 667.600.900 đồng.",
    "Tổng số học sinh được hưởng: 1.735 lượt học sinh.",
    "Tổng số tiền: 1.245.200.000 đồng.",
    "Tổng số học sinh được hưởng: 130 lượt học sinh.",
    "Tổng số tiền: 740.256.000 đồng.",
    "Tổng số học sinh được hưởng: 947 lượt học sinh.",
    "Tổng số tiền: 2.672.595.000 đồng.",
    "Tổng số học sinh được hưởng: 944 lượt học sinh.",
    "Tổng số gạo: 62.955 kg.",
    "vận động hỗ trợ làm nhà cho 26 hộ nghèo",
    "phê duyệt hỗ trợ 28 hộ nghèo",
    "cấp 30.447 thẻ BHYT",
    "được phát hành là: 5.057 thẻ.",
    "đã khám cho 13.066 lượt người",
    "là: 3.041 lượt.",
    "là: 715.679.649 đồng.",
    "tại 14 Trạm y tế xã, thị trấn",
    "Tổng số đối tượng được hỗ trợ: 04 đối tượng",
    "Tổng số kinh phí thực hiện: 8.000.000 đồng.",
    "là 92/446 trẻ đạt 20,6%.",
    "không có vụ ngộ độc thực phẩm xảy ra",
    "đầu thu truyền hình số 08 xã thuộc Dự án gồm: Vi Hương, Lục Bình, Tân Tú, Quân Hà, Cẩm Giàng, Nguyễn Phúc, "
    "Mỹ Thanh, thị trấn Phủ Thông với tổng số 580 bộ thiết bị.",
    "đạt 80% trở lên tại các xã: Vi Hương, Quân Hà, Mỹ Thanh, Cao Sơn, Quang Thuận, Dương Phong, Vũ Muộn, Sỹ Bình, "
    "thị trấn Phủ Thông; 50% tại các xã: Lục Bình, Tân Tú, Cẩm Giàng, Nguyễn Phúc, Đôn Phong.",
    "Có 147 Bảng tin tuyên truyền tại 147 thôn, tổ phố.",
    "đã triển khai thực hiện 03 mô hình phát triển sản xuất: mô hình trồng cây chè Trung du xã Quân Hà, "
    "mô hình nuôi lợn sinh sản xã Cẩm Giàng, mô hình nuôi dê sinh sản xã Dương Phong",
    "tổng kinh phí: 517.000.000đ",
    "Tổng kinh phí thực hiện là 207 triệu đồng.",
    "giải ngân cho 1.316 lượt hộ nghèo vay 66.363 triệu đồng; 1.229 lượt hộ cận nghèo vay 80.709 triệu đồng; "
    "cho vay xuất khẩu lao động có thời hạn ở nước ngoài là: 1.418 triệu đồng với 21 lao động vay vốn.",
    "Phê duyệt và chi trả 467.976.000đ cho 3.026 lượt hộ nghèo",
]
FIGURES_2022 = [
    "30.447",
    "715.679.649",
    "2.672.595.000",
    "66.363",
    "80.709",
    "1.245.200.000",
    "62.955",
    "458/700",
    "92/446",
    "467.976.000",
    "517.000.000",
]


def document_text(path) -> str:
    doc = Document(path)
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                parts.extend(p.text for p in cell.paragraphs)
    return "\n".join(parts)


@pytest.fixture
def builder(pipeline):
    b = ReportBuilder(pipeline.deployment.settings)
    yield b
    b.warehouse.dispose()


def test_the_2022_h1_report_holds_every_figure_of_the_seed(pipeline, builder):
    pipeline.ingest(pipeline.deployment.discover(PERIOD))
    result = builder.render(Period.parse(PERIOD), pdf=False)
    assert not result.draft and (result.missing, result.rejected) == (0, 0)
    text = document_text(result.docx)
    for expected in SEED_TEXTS:
        assert expected in text, expected
    assert "DỰ THẢO" not in text and "PHỤ LỤC" not in text
    assert "Tình hình thực hiện công tác giảm nghèo 6 tháng đầu năm 2022" in text
    assert "Trung tâm VH,TT&TT huyện" in text  # narrative with '&' survives


def test_the_document_is_laid_out_as_an_administrative_document(pipeline, builder):
    pipeline.ingest(pipeline.deployment.discover(PERIOD))
    doc = Document(builder.render(Period.parse(PERIOD), pdf=False).docx)
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert (round(section.left_margin.mm), round(section.right_margin.mm)) == (30, 15)
    assert doc.styles["Normal"].font.name == "Times New Roman"
    head = doc.tables[0]
    left = [p.text for p in head.cell(0, 0).paragraphs]
    right = head.cell(0, 1).paragraphs
    assert left[:2] == ["ỦY BAN NHÂN DÂN", "HUYỆN BẠCH THÔNG"] and left[-1].startswith("Số:")
    assert left[-1].endswith("/BC-UBND")
    assert [p.text for p in right[:2]] == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
    date_line = right[-1]
    assert date_line.text.startswith("Bạch Thông, ngày") and date_line.text.endswith("tháng 7 năm 2022")
    assert all(run.italic for run in date_line.runs if run.text.strip())
    signature = [p.text for p in doc.tables[-1].cell(0, 1).paragraphs if p.text.strip()]
    assert signature == ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Nguyễn Duy Luân"]
    recipients = [p.text for p in doc.tables[-1].cell(0, 0).paragraphs if p.text.strip()]
    assert recipients[0] == "Nơi nhận:" and recipients[-1] == "- Lưu VT."
    assert len(doc.inline_shapes) == 2  # the two charts
    assert all(shape.width <= Mm(160) for shape in doc.inline_shapes)


def test_another_period_holds_none_of_the_2022_figures(pipeline, builder):
    pipeline.ingest(pipeline.deployment.discover(PERIOD))
    result = builder.render(Period.parse("2023-H1"), pdf=False)
    text = document_text(result.docx)
    for figure in FIGURES_2022:
        assert figure not in text, figure
    assert result.draft and "DỰ THẢO" in text  # nothing was received for 2023-H1
    assert "6 tháng đầu năm 2023" in text


def test_a_missing_commune_makes_a_draft_with_an_appendix(pipeline, builder, data_dir):
    (data_dir / "inbox" / PERIOD / "commune" / "vi_huong.csv").unlink()
    pipeline.ingest(pipeline.deployment.discover(PERIOD))
    result = builder.render(Period.parse(PERIOD), pdf=False)
    text = document_text(result.docx)
    assert result.draft and result.missing == 1
    assert text.index("DỰ THẢO") < text.index("BÁO CÁO")  # marked at the top
    assert "PHỤ LỤC: TÌNH TRẠNG SỐ LIỆU (DỰ THẢO)" in text
    assert "Chưa nhận biểu 'commune' (UBND xã, thị trấn) của: Xã Vi Hương." in text


def test_a_rejected_file_is_listed_with_its_reason(pipeline, builder, data_dir):
    write_csv(
        data_dir / "inbox" / PERIOD / "bank" / "sai.csv",
        [["xa", "chuong_trinh", "luot_vay", "so_tien_trieu_dong"], ["Vi Hương", "ho_ngheo", 0, "5"]],
        arrival=9e9,
    )
    pipeline.ingest(pipeline.deployment.discover(PERIOD))
    result = builder.render(Period.parse(PERIOD), pdf=False)
    text = document_text(result.docx)
    assert result.draft and result.rejected == 1
    assert "Tệp bị từ chối, chưa được thay bằng tệp đúng: sai.csv (biểu 'bank', Vi Hương" in text
    assert "dòng 2, cột so_tien_trieu_dong, giá trị '5': phải bằng 0 khi luot_vay bằng 0" in text
    assert "66.363" in text  # the accepted bank file still counts


def test_names_with_ampersand_and_angle_brackets_render_as_written(pipeline, builder, data_dir):
    write_csv(
        data_dir / "inbox" / PERIOD / "models" / "vi_huong.csv",
        [
            ["xa", "ten_mo_hinh", "du_an", "so_ho_tham_gia", "kinh_phi"],
            ["Vi Hương", "Mô hình nuôi gà & vịt <thả vườn>", "DA2", "8", "10.000.000"],
        ],
    )
    pipeline.ingest(pipeline.deployment.discover(PERIOD))
    text = document_text(builder.render(Period.parse(PERIOD), pdf=False).docx)
    assert "mô hình nuôi gà & vịt <thả vườn> xã Vi Hương" in text
    assert "04 mô hình" in text and "527.000.000đ" in text


def test_missing_narrative_falls_back_to_the_previous_period_and_is_flagged(pipeline, builder, data_dir):
    shutil.copytree(SAMPLE_INBOX / PERIOD, data_dir / "inbox" / "2022-H2")
    (data_dir / "inbox" / "2022-H2" / "narrative.yaml").write_text(
        "strengths: Kết quả giảm nghèo năm 2022 vượt kế hoạch.\n", encoding="utf-8"
    )
    pipeline.ingest(pipeline.deployment.discover(PERIOD) + pipeline.deployment.discover("2022-H2"))
    result = builder.render(Period.parse("2022-H2"), pdf=False)
    text = document_text(result.docx)
    assert "a. Ưu điểm: Kết quả giảm nghèo năm 2022 vượt kế hoạch." in text
    assert "Công tác chỉ đạo, điều hành thực hiện Chương trình giảm nghèo" in text  # borrowed from 2022-H1
    assert result.draft and "Mục I.1 Công tác lãnh đạo, chỉ đạo: dùng lại nội dung kỳ 2022-H1, cần cập nhật." in text
    # the year report: flows H1 + H2, stocks at the end of the year
    assert "Tình hình thực hiện công tác giảm nghèo năm 2022" in text
    assert "cấp 60.894 thẻ BHYT" in text and "Có 147 Bảng tin tuyên truyền tại 147 thôn" in text
    assert "III. NHIỆM VỤ, GIẢI PHÁP THỰC HIỆN NĂM 2023" in text
    assert "tháng 1 năm 2023" in text


def test_one_current_document_earlier_ones_in_history_and_same_text_twice(pipeline, builder):
    pipeline.ingest(pipeline.deployment.discover(PERIOD))
    first = builder.render(Period.parse(PERIOD), pdf=False)
    first_text = document_text(first.docx)
    os.utime(first.docx, (1e9, 1e9))
    second = builder.render(Period.parse(PERIOD), pdf=False)
    folder = os.path.dirname(second.docx)
    assert sorted(p for p in os.listdir(folder) if p.endswith(".docx")) == [os.path.basename(second.docx)]
    assert len(os.listdir(os.path.join(folder, "history"))) == 1
    assert document_text(second.docx) == first_text
    assert not [p for p in os.listdir(folder) if p.startswith(".render-")]


def test_figures_by_commune_xlsx(pipeline, builder):
    from openpyxl import load_workbook

    pipeline.ingest(pipeline.deployment.discover(PERIOD))
    result = builder.render(Period.parse(PERIOD), pdf=False)
    book = load_workbook(result.xlsx)
    health = book["health"]
    header = [c.value for c in health[1]]
    total_row = [c.value for c in health[health.max_row]]
    assert total_row[1] == "Toàn huyện" and total_row[header.index("Số thẻ BHYT đã cấp")] == 30447
    assert health.max_row == 16  # header, 14 communes, the district total
    assert set(book.sheetnames) == set(pipeline.deployment.forms)
    assert safe_cell('=HYPERLINK("x")') == '\'=HYPERLINK("x")' and safe_cell("Vi Hương") == "Vi Hương"


@pytest.mark.skipif(libreoffice() is None, reason="LibreOffice is not installed (make system-deps installs it)")
def test_pdf_copy_when_libreoffice_is_present(pipeline, builder):
    pipeline.ingest(pipeline.deployment.discover(PERIOD))
    result = builder.render(Period.parse(PERIOD), pdf=True)
    assert result.pdf and os.path.getsize(result.pdf) > 10_000
    with open(result.pdf, "rb") as fh:
        assert fh.read(5) == b"%PDF-"


def test_pdf_is_skipped_with_a_clear_message_without_libreoffice(pipeline, builder, monkeypatch):
    import giamngheo.report as report

    monkeypatch.setattr(report, "libreoffice", lambda: None)
    pipeline.ingest(pipeline.deployment.discover(PERIOD))
    result = builder.render(Period.parse(PERIOD), pdf=True)
    assert result.pdf is None and "LibreOffice" in result.pdf_message and "PDF" in result.pdf_message


def test_committed_template_matches_its_builder(tmp_path):
    sys.path.insert(0, str(ROOT / "include" / "templates"))
    from build_template import build

    fresh = build(tmp_path / "fresh.docx")
    committed = ROOT / "include" / "templates" / "bao_cao_giam_ngheo.docx"
    assert document_text(fresh) == document_text(committed), "run `make template` and commit the result"


def test_no_figure_is_typed_into_the_template():
    import re

    text = document_text(ROOT / "include" / "templates" / "bao_cao_giam_ngheo.docx")
    outside_tags = re.sub(r"\{[{%].*?[%}]\}", "", text)
    numbers = set(re.findall(r"\d[\d.,/]*", outside_tags))
    # what the fixed wording may hold: section numbers, "Dự án 1…7", "Biểu đồ 1, 2", "trẻ < 1 tuổi",
    # "DVB - T2" and the decree "Nghị định 39/2015/NĐ-CP"; every figure is a placeholder
    allowed = {"1", "2", "6", "7", "1.", "2.", "3.", "4.", "2.1.", "2.2.", "3.1.", "3.2.", "3.3.", "3.4.", "39/2015/"}
    assert numbers <= allowed, numbers - allowed


def test_choose_periods():
    from datetime import date

    from giamngheo.report import choose_periods

    h1, h2 = Period(2022, 1), Period(2022, 2)
    assert choose_periods("2022-H1", [{"period": "2023-H1"}], date(2024, 1, 1)) == [h1]
    assert choose_periods(
        None, [{"period": "2022-H2"}, {"period": "2022-H1"}, {"period": "2022-H2"}, {}], date(2024, 1, 1)
    ) == [h1, h2]
    assert choose_periods(None, [], date(2022, 1, 1)) == [h1]  # the timetable's data interval
    assert choose_periods(None, [], date(2022, 7, 1)) == [h2]
    with pytest.raises(ValueError):
        choose_periods(None, [], None)


def test_each_report_carries_its_lineage_and_changes_nothing_in_the_warehouse(pipeline, builder):
    import json

    pipeline.ingest(pipeline.deployment.discover(PERIOD))
    before = pipeline.warehouse.checksum()
    result = builder.render(Period.parse(PERIOD), pdf=False)
    assert pipeline.warehouse.checksum() == before
    lineage = json.loads((Path(result.docx).parent / f"nguon-so-lieu-{PERIOD}.json").read_text(encoding="utf-8"))
    assert lineage["period"] == PERIOD and lineage["document"] == Path(result.docx).name
    sources = lineage["sources"]
    assert len(sources) == 20 and {s["form"] for s in sources} == set(pipeline.deployment.forms)
    assert all(len(s["sha256"]) == 64 and s["arrival_at"] and s["version"] == 1 for s in sources)


def test_every_field_of_the_template_is_in_the_context_and_every_section_is_known(pipeline, builder, data_dir):
    """The template names fields; a misspelt one must fail, never print empty: render the sample's context
    under Jinja's StrictUndefined. Its narrative sections must be the narrative module's."""
    import re
    import zipfile

    import jinja2
    from docxtpl import DocxTemplate

    from giamngheo.narrative import SECTIONS

    xml = zipfile.ZipFile(ROOT / "include" / "templates" / "bao_cao_giam_ngheo.docx").read("word/document.xml")
    named = set(re.findall(r"narrative\.(\w+)", re.sub(r"<[^>]+>", "", xml.decode("utf-8"))))
    assert named and named <= set(SECTIONS), named - set(SECTIONS)

    pipeline.ingest(pipeline.deployment.discover(PERIOD))
    period = Period.parse(PERIOD)
    context = builder.context(period, builder.values(period))
    context["charts"] = {"jobs": "", "poverty": "", "trend": ""}
    template = DocxTemplate(str(ROOT / "include" / "templates" / "bao_cao_giam_ngheo.docx"))
    template.render(context, jinja_env=jinja2.Environment(undefined=jinja2.StrictUndefined), autoescape=True)
    context.pop("jobs")
    with pytest.raises(jinja2.UndefinedError, match="jobs"):
        template = DocxTemplate(str(ROOT / "include" / "templates" / "bao_cao_giam_ngheo.docx"))
        template.render(context, jinja_env=jinja2.Environment(undefined=jinja2.StrictUndefined), autoescape=True)


def test_a_second_year_compares_its_key_figures_with_the_same_half_of_the_first(pipeline, builder, data_dir):
    """Two years of the sample; in 2023-H1 Vi Hương's Health Center row has 3.806 more health cards."""
    from decimal import Decimal

    from giamngheo.numbers import format_number, round_half_up
    from tests.helpers import HEALTH_HEADER, health_row

    pipeline.ingest(pipeline.deployment.discover(PERIOD))
    later = data_dir / "inbox" / "2023-H1"
    shutil.copytree(data_dir / "inbox" / PERIOD, later)
    latest = max(f.arrival for f in pipeline.deployment.discover(Period.parse("2023-H1")))
    write_csv(
        later / "health" / "dinh_chinh_vi_huong.csv",
        [HEALTH_HEADER, health_row("Vi Hương", the_bhyt=1827 + 3806, poor=303)],
        arrival=latest + 60,
    )
    pipeline.ingest(pipeline.deployment.discover(Period.parse("2023-H1")))
    second = builder.render(Period.parse("2023-H1"), pdf=False).docx
    text = document_text(second)
    assert len(Document(second).inline_shapes) == 3 and "Biểu đồ 3. Các chỉ tiêu chính qua các kỳ" in text
    change = round_half_up(Decimal(3806) * 100 / Decimal(30447), 1)  # 12,5000…%: half-up to one digit
    assert f"cấp 34.253 thẻ BHYT (tăng {format_number(change, 1)}% so với cùng kỳ năm 2022)" in text
    assert "(bằng cùng kỳ năm 2022)" in text  # the jobs, loans and electricity figures did not change
    first = builder.render(Period.parse(PERIOD), pdf=False).docx
    assert "so với cùng kỳ" not in document_text(first)  # no 2021 in the warehouse: 2022-H1 reads as before
    assert len(Document(first).inline_shapes) == 2  # and no trend chart: one period held before it
