"""Build ``bao_cao_giam_ngheo.docx``, the docxtpl template of the report (``make template``).

The template follows the hand-written 2022-H1 report section by section, laid
out as a Vietnamese administrative document (Nghị định 30/2020/NĐ-CP: A4,
Times New Roman, the two-column head with the issuing body and the national
motto, "Số: …/BC-UBND", place and date in italics, the title block, "Nơi
nhận" and the signature block). Every figure is a placeholder filled from
``giamngheo.figures``; staff-written sections come from the period's
narrative file. Staff may also edit the .docx in Word, keeping the tags.
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt, RGBColor

HERE = Path(__file__).resolve().parent
OUT = HERE / "bao_cao_giam_ngheo.docx"
FONT = "Times New Roman"

CENTER, RIGHT, JUSTIFY, LEFT = (
    WD_ALIGN_PARAGRAPH.CENTER,
    WD_ALIGN_PARAGRAPH.RIGHT,
    WD_ALIGN_PARAGRAPH.JUSTIFY,
    WD_ALIGN_PARAGRAPH.LEFT,
)


def _font(run, size=None, bold=None, italic=None, color=None):
    run.font.name = FONT
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    if size:
        run.font.size = Pt(size)
    if bold is not None:
        run.bold = bold
    if italic is not None:
        run.italic = italic
    if color:
        run.font.color.rgb = RGBColor.from_string(color)


def para(
    container,
    text="",
    *,
    bold=False,
    italic=False,
    align=JUSTIFY,
    indent=True,
    size=None,
    after=6,
    color=None,
    underline=False,
):
    p = container.add_paragraph()
    p.alignment = align
    fmt = p.paragraph_format
    fmt.first_line_indent = Cm(1) if indent and align == JUSTIFY else Cm(0)
    fmt.space_after = Pt(after)
    fmt.space_before = Pt(0)
    if text:
        run = p.add_run(text)
        _font(run, size, bold, italic, color)
        run.underline = underline
    return p


def tag(container, text):
    """A paragraph holding only a docxtpl block tag ({%p …%}); it disappears when rendered."""
    return para(container, text, indent=False, after=0)


def chart(doc, name: str, caption: str) -> None:
    """A chart of the context's ``charts`` (left out when it was not drawn) and its caption."""
    tag(doc, f"{{%p if charts.{name} %}}")
    para(doc, f"{{{{ charts.{name} }}}}", align=CENTER, indent=False, after=0)
    para(doc, caption, italic=True, align=CENTER, indent=False, size=12)
    tag(doc, "{%p endif %}")


def bullets(container, key, mark="+"):
    tag(container, f"{{%p for item in {key} %}}")
    para(container, f"{mark} {{{{ item }}}}")
    tag(container, "{%p endfor %}")


def heading(container, text):
    para(container, text, bold=True, indent=True, after=6)


def cell_text(cell, lines):
    cell.paragraphs[0].text = ""
    first = True
    for text, opts in lines:
        p = cell.paragraphs[0] if first else cell.add_paragraph()
        first = False
        p.alignment = opts.get("align", CENTER)
        p.paragraph_format.space_after = Pt(0)
        run = p.add_run(text)
        _font(run, opts.get("size", 13), opts.get("bold", False), opts.get("italic", False))
        run.underline = opts.get("underline", False)


def no_borders(table):
    tbl_pr = table._element.tblPr
    borders = tbl_pr.makeelement(qn("w:tblBorders"), {})
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        borders.append(borders.makeelement(qn(f"w:{edge}"), {qn("w:val"): "nil"}))
    tbl_pr.append(borders)


def build(out: Path = OUT) -> Path:
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(14)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    doc.core_properties.title = "Báo cáo tình hình thực hiện công tác giảm nghèo"
    doc.core_properties.author = "giamngheo"

    # ---- draft marker
    tag(doc, "{%p if draft %}")
    para(doc, "DỰ THẢO", bold=True, align=RIGHT, indent=False, size=14, color="C00000", after=0)
    para(doc, "{{ draft_reason }}", italic=True, align=RIGHT, indent=False, size=11, color="C00000")
    tag(doc, "{%p endif %}")

    # ---- head: issuing body | national motto
    head = doc.add_table(rows=1, cols=2)
    head.alignment = WD_TABLE_ALIGNMENT.CENTER
    no_borders(head)
    head.columns[0].width, head.columns[1].width = Cm(6.5), Cm(10)
    cell_text(
        head.cell(0, 0),
        [
            ("{{ doc.issuing_body_parent }}", {"size": 13}),
            ("{{ doc.issuing_body }}", {"size": 13, "bold": True, "underline": True}),
            ("", {}),
            ("Số: {{ doc.number_text }}/{{ doc.symbol }}", {"size": 13}),
        ],
    )
    cell_text(
        head.cell(0, 1),
        [
            ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", {"size": 12, "bold": True}),
            ("Độc lập - Tự do - Hạnh phúc", {"size": 13, "bold": True, "underline": True}),
            ("", {}),
            (
                "{{ doc.place }}, ngày {{ doc.day_text }} tháng {{ doc.month }} năm {{ doc.year }}",
                {"size": 13, "italic": True},
            ),
        ],
    )
    for cell in head.rows[0].cells:
        cell.width = cell.width

    para(doc, "", after=6)
    para(doc, "BÁO CÁO", bold=True, align=CENTER, indent=False, after=0)
    para(
        doc,
        "Tình hình thực hiện công tác giảm nghèo {{ period.label }}",
        bold=True,
        align=CENTER,
        indent=False,
        after=12,
    )

    para(
        doc,
        "Thực hiện kế hoạch triển khai chương trình giảm nghèo năm {{ period.year }}, Ủy ban nhân dân "
        "{{ doc.unit_kind }} {{ doc.district }} báo cáo tình hình thực hiện công tác giảm nghèo "
        "{{ period.running_label }}, cụ thể như sau:",
    )
    # a comparison across the 2025 merger: the earlier figures restated on today's communes
    tag(doc, "{%p if standard.legal %}")
    para(
        doc,
        "(Hộ nghèo xác định theo chuẩn nghèo quy định tại {{ standard.legal }}: thu nhập bình quân đầu người "
        "từ {{ standard.rural }} đồng/tháng trở xuống ở nông thôn, {{ standard.urban }} đồng/tháng trở xuống ở "
        "thành thị.)",
        italic=True,
    )
    tag(doc, "{%p endif %}")
    tag(doc, "{%p if restated.text %}")
    para(doc, "({{ restated.text }}.)", italic=True)
    tag(doc, "{%p endif %}")

    # ---- I
    heading(doc, "I. TÌNH HÌNH TRIỂN KHAI THỰC HIỆN")
    heading(doc, "1. Công tác lãnh đạo, chỉ đạo")
    bullets(doc, "narrative.leadership", "-")
    para(
        doc,
        "- {{ narrative.plan_document }}{% if narrative.plan_document %}; {% endif %}Giao chỉ tiêu giảm "
        "{{ poverty.target_rate }}% tỷ lệ hộ nghèo{% if narrative.plan_directions %}; "
        "{{ narrative.plan_directions }}{% else %}.{% endif %}",
    )

    heading(doc, "2. Các nội dung triển khai thực hiện công tác giảm nghèo")
    heading(doc, "2.1. Triển khai chính sách giảm nghèo chung")
    para(doc, "- Chính sách thực hiện hỗ trợ sản xuất, dạy nghề, tạo việc làm:")
    bullets(doc, "narrative.employment_activities")
    para(
        doc,
        "+ Tổ chức tư vấn cho {{ jobs.demobilised_advised }} bộ đội xuất ngũ trở về địa phương, "
        "{{ jobs.workers_advised }} lượt lao động.",
    )
    para(
        doc,
        "+ Trong {{ period.months }} toàn {{ doc.unit_kind }} giải quyết việc làm mới cho "
        "{{ jobs.total }}/{{ jobs.plan }} "
        "lao động{{ compare.jobs }}, đạt {{ jobs.rate }}% kế hoạch giao, trong đó: Lao động tại "
        "các công ty, khu công nghiệp "
        "{{ jobs.home }} người; {{ jobs.abroad }} lao động đi làm việc ở nước ngoài theo hợp đồng.",
    )
    chart(doc, "jobs", "Biểu đồ 1. Giải quyết việc làm mới so với kế hoạch, theo xã (số liệu các xã gửi)")

    para(doc, "- Chính sách hỗ trợ về giáo dục, đào tạo.")
    para(doc, "{{ narrative.education_intro }}")
    tag(doc, "{%p for p in education %}")
    para(doc, "- Chính sách {{ p.label_lower }} theo {{ p.legal_basis }}:")
    para(doc, "+ Tổng số học sinh được hưởng: {{ p.pupils }} lượt học sinh.")
    tag(doc, "{%p if p.code == 'ban_tru_gao' %}")
    para(doc, "+ Tổng số gạo: {{ p.rice_kg }} kg.")
    tag(doc, "{%p else %}")
    para(doc, "+ Tổng số tiền: {{ p.amount }} đồng.")
    tag(doc, "{%p endif %}")
    tag(doc, "{%p endfor %}")

    para(doc, "- Chính sách hỗ trợ về nhà ở, điện, nước sinh hoạt và vệ sinh môi trường:")
    para(
        doc,
        "+ {{ narrative.housing_activities }} Trong {{ period.label }} các cấp, các ngành đã vận động hỗ trợ "
        "làm nhà cho {{ housing.mobilised }} hộ nghèo, Ban chỉ đạo hỗ trợ nhà ở cho hộ nghèo có khó khăn về "
        "nhà ở {{ doc.unit_kind }} quyết định phê duyệt hỗ trợ {{ housing.approved }} hộ nghèo có khó khăn nhà ở"
        "{% if narrative.housing_basis %} theo {{ narrative.housing_basis }}{% endif %}.",
    )
    bullets(doc, "narrative.water_activities")
    para(doc, "+ Tỷ lệ hộ gia đình sử dụng nước hợp vệ sinh trên địa bàn {{ doc.unit_kind }} đạt {{ water.rate }}%.")

    para(doc, "- Chính sách hỗ trợ về y tế.")
    para(
        doc,
        "- Trong {{ period.label }}, đã thực hiện cấp {{ health.cards }} thẻ BHYT{{ compare.cards "
        "}}, trong đó số thẻ BHYT đối "
        "tượng hộ nghèo của toàn {{ doc.unit_kind }} {{ period.label }} được phát hành là: "
        "{{ health.cards_poor }} thẻ.",
    )
    para(
        doc,
        "- Duy trì phòng khám tư vấn, quản lý và điều trị tại khoa Khám bệnh, Trung tâm Y tế huyện. Trong "
        "{{ period.months }} đã khám cho {{ health.visits }} lượt người{{ compare.visits }}, số "
        "lượt khám của đối tượng hộ nghèo "
        "trong {{ period.months }} là: {{ health.visits_poor }} lượt.",
    )
    para(
        doc,
        "- Số chi phí của đối tượng hộ nghèo trong {{ period.months }} là: {{ health.cost_poor }} "
        "đồng{{ compare.cost_poor }}.",
    )
    para(
        doc,
        "- Cung cấp đầy đủ, kịp thời các phương tiện tránh thai miễn phí cho phụ nữ nghèo, cận nghèo, định kỳ "
        "chăm sóc sức khỏe sinh sản tại {{ communes.count }} Trạm y tế xã, thị trấn, triển khai đăng ký quản "
        "lý thai nghén ở tuyến cơ sở. Hỗ trợ kinh phí cho phụ nữ là người dân tộc thiểu số thuộc hộ nghèo "
        "sinh con đúng chính sách theo Nghị định 39/2015/NĐ-CP:",
    )
    para(doc, "+ Tổng số đối tượng được hỗ trợ: {{ health.births }} đối tượng.")
    para(doc, "+ Tổng số kinh phí thực hiện: {{ health.births_amount }} đồng.")
    para(
        doc,
        "- Duy trì hoạt động tiêm chủng cho đối tượng trẻ < 1 tuổi theo lịch. Đảm bảo tiêm chủng an toàn "
        "đúng kỹ thuật. Tổng số trẻ em được tiêm chủng đầy đủ trong {{ period.months }} là "
        "{{ health.vaccinated }}/{{ health.infants }} trẻ đạt {{ health.vaccination_rate }}%.",
    )
    para(
        doc,
        "- Thường xuyên duy trì công tác truyền thông giáo dục sức khỏe, nói chuyện trực tiếp về các biện "
        "pháp phòng chống ngộ độc thực phẩm hàng tháng tại các xã, thị trấn. Trong {{ period.label }} "
        "{% if health.no_poisoning %}không có vụ ngộ độc thực phẩm xảy ra{% else %}có {{ health.poisoning }} "
        "vụ ngộ độc thực phẩm{% endif %}.",
    )
    bullets(doc, "narrative.health_activities", "-")

    para(doc, "- Chính sách hỗ trợ người nghèo, cận nghèo hưởng thụ văn hoá thông tin.")
    para(doc, "{{ narrative.information_intro }}")
    tag(doc, "{%p if information.receiver_communes %}")
    para(
        doc,
        "+ Hoàn thành việc rà soát cấp đầu thu truyền hình mặt đất DVB - T2 và đầu thu truyền hình vệ tinh "
        "cho đối tượng hộ nghèo, hộ cận nghèo; tổng hợp đề nghị hỗ trợ trang bị đầu thu truyền hình số "
        "{{ information.receiver_communes_count }} xã thuộc Dự án gồm: {{ information.receiver_communes }} "
        "với tổng số {{ information.receivers }} bộ thiết bị.",
    )
    tag(doc, "{%p endif %}")
    bullets(doc, "narrative.information_activities")
    radio = (
        "+ Đến nay, tỷ lệ hộ dân nghe được loa truyền thanh đạt {% for g in information.radio_groups %}"
        "{{ g.label }} tại các xã: {{ g.communes }}{% if not loop.last %}; {% endif %}{% endfor %}."
    )
    boards = "+ Có {{ information.bulletin_boards }} Bảng tin tuyên truyền tại {{ information.villages }} thôn, tổ phố."
    para(doc, radio)
    para(doc, boards)
    para(doc, "- Chính sách hỗ trợ pháp lý cho người nghèo, cận nghèo")
    bullets(doc, "narrative.legal_aid")

    heading(doc, "2.2. Triển khai chính sách hỗ trợ giảm nghèo đặc thù")
    para(doc, "- Về phát triển sản xuất và nhân rộng mô hình sinh kế bền vững.")
    bullets(doc, "narrative.production_activities")
    para(
        doc,
        "+ {{ period.label_capitalised }} đã triển khai thực hiện {{ models_count }} mô hình phát triển sản "
        "xuất{% if models %}: {{ models_text }}{% endif %}.",
    )
    para(doc, "- Về hỗ trợ người lao động đi làm việc có thời hạn ở nước ngoài.")
    bullets(doc, "narrative.labour_export_activities")
    para(
        doc,
        "+ Ngân hàng chính sách giải ngân cho {{ loans.ho_ngheo.borrowers }} lượt hộ nghèo vay "
        "{{ loans.ho_ngheo.million_vnd }} triệu đồng{{ compare.poor_loans }}; {{ "
        "loans.ho_can_ngheo.borrowers }} lượt hộ cận nghèo "
        "vay {{ loans.ho_can_ngheo.million_vnd }} triệu đồng; cho vay xuất khẩu lao động có thời hạn ở nước "
        "ngoài là: {{ loans.xuat_khau_lao_dong.million_vnd }} triệu đồng với "
        "{{ loans.xuat_khau_lao_dong.borrowers }} lao động vay vốn.",
    )
    para(
        doc,
        "- Chính sách hỗ trợ tiền điện cho hộ nghèo: Phê duyệt và chi trả {{ electricity.amount }}đ cho "
        "{{ electricity.households }} lượt hộ nghèo{{ compare.electricity }}, hộ chính sách xã hội "
        "và hộ đang sống ở vùng chưa có "
        "điện lưới.",
    )
    chart(doc, "poverty", "Biểu đồ 2. Tỷ lệ hộ nghèo đầu năm trên tổng số hộ, theo xã")
    chart(doc, "trend", "Biểu đồ 3. Các chỉ tiêu chính qua các kỳ báo cáo, so với kỳ đầu tiên")

    heading(doc, "3. Kết quả thực hiện Chương trình MTQG giảm nghèo bền vững")
    para(doc, "{{ narrative.national_programme_intro }}")
    para(doc, "3.1. Dự án 1: Hỗ trợ phát triển sản xuất, đa dạng hóa sinh kế.", bold=True)
    tag(doc, "{%p for m in models_da1 %}")
    para(
        doc,
        "+ Hỗ trợ {{ m.place }} thực hiện {{ m.name }}. Tổng kinh phí thực hiện là {{ m.amount_million }} triệu đồng.",
    )
    tag(doc, "{%p endfor %}")
    bullets(doc, "narrative.project1_status")
    para(doc, "3.2. Dự án 2: Đa dạng hóa sinh kế, phát triển mô hình giảm nghèo.", bold=True)
    para(
        doc,
        "+ {{ period.months_capitalised }} đã triển khai thực hiện {{ models_count }} mô hình phát triển sản "
        "xuất{% if models %}: {{ models_text }}, tổng kinh phí: {{ models_amount }}đ{% endif %}.",
    )
    para(doc, "3.3. Dự án 6: Truyền thông và giảm nghèo về thông tin", bold=True)
    bullets(doc, "narrative.project6_activities")
    para(doc, radio)
    para(doc, boards)
    para(doc, "3.4. Dự án 7: Nâng cao năng lực và giám sát, đánh giá Chương trình", bold=True)
    para(doc, "{{ narrative.project7 }}")
    heading(doc, "4. Công tác kiểm tra, giám sát:")
    para(doc, "{{ narrative.inspection }}")

    # ---- II
    heading(doc, "II. ĐÁNH GIÁ CHUNG")
    para(doc, "a. Ưu điểm: {{ narrative.strengths }}")
    para(doc, "b. Tồn tại, hạn chế")
    bullets(doc, "narrative.weaknesses", "-")
    para(doc, "c. Nguyên nhân của những khó khăn tồn tại hạn chế")
    para(doc, "- Nguyên nhân khách quan")
    bullets(doc, "narrative.causes_objective")
    para(doc, "- Nguyên nhân chủ quan")
    bullets(doc, "narrative.causes_subjective")

    # ---- III, IV
    heading(doc, "III. NHIỆM VỤ, GIẢI PHÁP THỰC HIỆN {{ period.outlook }}")
    para(
        doc,
        "Để thực hiện hoàn thành mục tiêu giảm {{ poverty.target_rate }}% tỷ lệ hộ nghèo (giảm "
        "{{ poverty.target_households }} hộ nghèo), Ủy ban nhân dân {{ doc.unit_kind }} {{ doc.district }} "
        "đề ra một số giải "
        "pháp như sau:",
    )
    tag(doc, "{%p for item in narrative.tasks %}")
    para(doc, "{{ loop.index }}. {{ item }}")
    tag(doc, "{%p endfor %}")
    heading(doc, "IV. ĐỀ XUẤT, KIẾN NGHỊ")
    tag(doc, "{%p for item in narrative.proposals %}")
    para(doc, "{{ loop.index }}. {{ item }}")
    tag(doc, "{%p endfor %}")
    para(
        doc,
        "Trên đây là báo cáo tình hình thực hiện công tác giảm nghèo {{ period.label }} của UBND "
        "{{ doc.unit_kind }} {{ doc.district }}./.",
    )

    # ---- recipients | signature
    sign = doc.add_table(rows=1, cols=2)
    no_borders(sign)
    left, right = sign.cell(0, 0), sign.cell(0, 1)
    cell_text(left, [("Nơi nhận:", {"size": 12, "bold": True, "italic": True, "align": LEFT})])
    p = left.add_paragraph()
    p.paragraph_format.space_after = Pt(0)
    _font(p.add_run("{%p if doc.recipients_heading %}"), 11)
    p = left.add_paragraph()
    p.paragraph_format.space_after = Pt(0)
    _font(p.add_run("{{ doc.recipients_heading }}:"), 11, italic=True)
    p = left.add_paragraph()
    _font(p.add_run("{%p endif %}"), 11)
    p = left.add_paragraph()
    _font(p.add_run("{%p for r in doc.recipients %}"), 11)
    p = left.add_paragraph()
    p.paragraph_format.space_after = Pt(0)
    _font(p.add_run("- {{ r }}{% if loop.last %}.{% else %};{% endif %}"), 11)
    p = left.add_paragraph()
    _font(p.add_run("{%p endfor %}"), 11)
    cell_text(right, [("{{ doc.signer.authority }}", {"size": 13, "bold": True})])
    p = right.add_paragraph()
    _font(p.add_run("{%p for t in doc.signer.titles %}"), 13)
    p = right.add_paragraph()
    p.alignment = CENTER
    p.paragraph_format.space_after = Pt(0)
    _font(p.add_run("{{ t }}"), 13, bold=True)
    p = right.add_paragraph()
    _font(p.add_run("{%p endfor %}"), 13)
    for _ in range(4):
        right.add_paragraph()
    p = right.add_paragraph()
    p.alignment = CENTER
    _font(p.add_run("{{ doc.signer.name }}"), 13, bold=True)

    # ---- appendix of a draft: what is missing or rejected, and narrative to review
    tag(doc, "{%p if draft %}")
    para(doc, "PHỤ LỤC: TÌNH TRẠNG SỐ LIỆU (DỰ THẢO)", bold=True, align=CENTER, indent=False)
    para(
        doc,
        "Báo cáo này là dự thảo vì các biểu dưới đây chưa nhận được, bị từ chối, hoặc phần nội dung cần "
        "cập nhật. Số liệu trong báo cáo chỉ gồm các biểu đã được chấp nhận.",
        italic=True,
    )
    tag(doc, "{%p for m in completeness.missing %}")
    para(
        doc,
        "- Chưa nhận biểu '{{ m.form }}' ({{ m.form_label }}){% if m.units %} của: {{ m.units|join(', ') }}"
        "{% endif %}.",
    )
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p for r in completeness.rejected %}")
    para(
        doc,
        "- Tệp bị từ chối, chưa được thay bằng tệp đúng: {{ r.file }} (biểu '{{ r.form }}', "
        "{{ r.communes }}, nhận lúc {{ r.arrival }}). Lý do:",
    )
    tag(doc, "{%p for reason in r.reasons %}")
    para(doc, "+ {{ reason }}", size=12)
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p if quality.unverified %}")
    para(
        doc,
        "- {{ quality.unverified_text }} cảnh báo chất lượng số liệu chưa xác minh (xem trang Submissions "
        "và tệp {{ quality.review_file }}).",
    )
    tag(doc, "{%p endif %}")
    tag(doc, "{%p for f in narrative_flags %}")
    para(doc, "- Mục {{ f.section }}: {{ f.vi }}.")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p endif %}")

    doc.save(out)
    return out


if __name__ == "__main__":
    print(f"wrote {build()}")
