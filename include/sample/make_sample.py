"""Build the bundled 2022-H1 sample inbox (run: ``make sample``).

District totals are the figures of the hand-written 2022-H1 report; how they
split over the 14 communes is invented (largest-remainder allocation by
household counts), so every district total in the report is reproduced
exactly. The files come in the messy shapes FORMS.md allows: title rows above
the header, labels or codes in the header, NFD text, Windows-1258 CSV, numbers
typed as Vietnamese text with unit suffixes, commune name variants, total rows.
The output is deterministic; commit what it writes.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import unicodedata
from pathlib import Path

import openpyxl

HERE = Path(__file__).resolve().parent
PERIOD = "2022-H1"
ARRIVAL = 1657584000  # 2022-07-12, the mtime given to every file

COMMUNES = [
    "Phủ Thông",
    "Vi Hương",
    "Lục Bình",
    "Tân Tú",
    "Quân Hà",
    "Cẩm Giàng",
    "Nguyễn Phúc",
    "Mỹ Thanh",
    "Cao Sơn",
    "Quang Thuận",
    "Dương Phong",
    "Vũ Muộn",
    "Sỹ Bình",
    "Đôn Phong",
]
# how each unit writes the commune's name (variants FORMS.md allows)
WRITTEN = {
    "Phủ Thông": "TT Phủ Thông",
    "Vi Hương": "Xã Vi Hương",
    "Lục Bình": "Lục Bình",
    "Tân Tú": "xã Tân Tú",
    "Quân Hà": "QUÂN HÀ",
    "Cẩm Giàng": "X. Cẩm Giàng",
    "Nguyễn Phúc": "Nguyễn Phúc",
    "Mỹ Thanh": "Xã Mỹ Thanh",
    "Cao Sơn": "cao son",
    "Quang Thuận": "Quang Thuận",
    "Dương Phong": "Xã Dương Phong",
    "Vũ Muộn": "Vũ Muộn",
    "Sỹ Bình": "Sỹ Bình",
    "Đôn Phong": "Xã Đôn Phong",
}
HOUSEHOLDS = [1420, 520, 610, 640, 590, 600, 430, 560, 470, 720, 560, 520, 490, 538]  # sum 8.668
VILLAGES = [16, 9, 11, 10, 10, 11, 8, 10, 8, 13, 11, 10, 9, 11]  # sum 147
RADIO = {
    "Cao Sơn": 85,
    "Vi Hương": 90,
    "Quân Hà": 82,
    "Mỹ Thanh": 88,
    "Quang Thuận": 86,
    "Dương Phong": 84,
    "Vũ Muộn": 81,
    "Sỹ Bình": 83,
    "Phủ Thông": 95,
    "Lục Bình": 50,
    "Tân Tú": 50,
    "Cẩm Giàng": 50,
    "Nguyễn Phúc": 50,
    "Đôn Phong": 50,
}
TV_RECEIVERS = {
    "Vi Hương": 70,
    "Lục Bình": 80,
    "Tân Tú": 75,
    "Quân Hà": 65,
    "Cẩm Giàng": 80,
    "Nguyễn Phúc": 60,
    "Mỹ Thanh": 70,
    "Phủ Thông": 80,
}  # sum 580


def split(total: int, weights: list[int]) -> list[int]:
    """Largest-remainder split of an integer total in proportion to weights."""
    whole = sum(weights)
    shares = [total * w / whole for w in weights]
    out = [int(s) for s in shares]
    for i in sorted(range(len(weights)), key=lambda i: (shares[i] - out[i], -i), reverse=True)[: total - sum(out)]:
        out[i] += 1
    return out


def vn(number, places: int = 0) -> str:
    """Vietnamese notation: 1.245.200.000 and 4.740,214."""
    text = f"{number:,.{places}f}"
    return text.replace(",", "\u0001").replace(".", ",").replace("\u0001", ".")


TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def to_cp1258(text: str) -> bytes:
    """Encode as Windows-1258 does: precomposed base letters, separate tone marks."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        base, *marks = unicodedata.normalize("NFD", ch)
        tones = [m for m in marks if m in TONE_MARKS]
        head = unicodedata.normalize("NFC", base + "".join(m for m in marks if m not in TONE_MARKS))
        out += (head + "".join(tones)).encode("cp1258")
    return bytes(out)


def write_xlsx(path: Path, title_rows: list[str], header: list[str], rows: list[list], total: list | None = None):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Biểu"
    for text in title_rows:
        ws.append([text])
    ws.append([])
    ws.append(header)
    for row in rows:
        ws.append(row)
    if total:
        ws.append(total)
    ws.append([])
    ws.append([None, "Người lập biểu", None, None, "Thủ trưởng đơn vị"])
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)


def write_csv(
    path: Path,
    header: list[str],
    rows: list[list],
    encoding: str = "utf-8",
    nfd: bool = False,
    title_rows: list[str] = (),
):
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    for text in title_rows:
        writer.writerow([text])
    writer.writerow(header)
    for row in rows:
        writer.writerow(row)
    text = buf.getvalue()
    if nfd:
        text = unicodedata.normalize("NFD", text)
    path.parent.mkdir(parents=True, exist_ok=True)
    if encoding == "cp1258":
        path.write_bytes(to_cp1258(text))
    else:
        path.write_bytes(text.encode(encoding))


def build(out: Path) -> None:
    inbox = out / "inbox" / PERIOD
    if inbox.exists():
        shutil.rmtree(inbox)
    w = HOUSEHOLDS

    # ---- health: one xlsx from the Health Center, labels in the header, a total row
    births = [0] * 14
    for name in ("Vi Hương", "Quân Hà", "Cao Sơn", "Đôn Phong"):
        births[COMMUNES.index(name)] = 1
    health_cols = {
        "the_bhyt": split(30447, w),
        "the_bhyt_ho_ngheo": split(5057, w),
        "luot_kham": split(13066, w),
        "luot_kham_ho_ngheo": split(3041, w),
        "chi_phi_kham_ho_ngheo": split(715679649, w),
        "ho_tro_sinh_con_nguoi": births,
        "ho_tro_sinh_con_kinh_phi": [2000000 * b for b in births],
        "tre_duoi_1_tuoi": split(446, w),
        "tre_tiem_chung_day_du": split(92, w),
        "vu_ngo_doc_thuc_pham": [0] * 14,
    }
    header = [
        "STT",
        "Xã, thị trấn",
        "Số thẻ BHYT đã cấp",
        "Trong đó: thẻ BHYT hộ nghèo",
        "Lượt khám bệnh",
        "Trong đó: lượt khám hộ nghèo",
        "Chi phí khám chữa bệnh hộ nghèo (đồng)",
        "Phụ nữ DTTS hộ nghèo sinh con được hỗ trợ (NĐ 39/2015)",
        "Kinh phí hỗ trợ sinh con (đồng)",
        "Trẻ dưới 1 tuổi",
        "Trẻ được tiêm chủng đầy đủ",
        "Số vụ ngộ độc thực phẩm",
    ]
    rows = [[i + 1, WRITTEN[c]] + [health_cols[k][i] for k in health_cols] for i, c in enumerate(COMMUNES)]
    total = [None, "Tổng cộng"] + [sum(v) for v in health_cols.values()]
    write_xlsx(
        inbox / "health" / "TTYT_bao_cao_6thang_2022.xlsx",
        [
            "SỞ Y TẾ TỈNH BẮC KẠN",
            "TRUNG TÂM Y TẾ HUYỆN BẠCH THÔNG",
            "BIỂU TỔNG HỢP CHÍNH SÁCH HỖ TRỢ VỀ Y TẾ 6 THÁNG ĐẦU NĂM 2022",
        ],
        header,
        rows,
        total,
    )

    # ---- education: Windows-1258 CSV, codes in the header, policies by label, amounts as text
    policies = [
        ("Miễn, giảm học phí", 3514, 248229000, None),
        ("Hỗ trợ chi phí học tập", 2062, 667600900, None),
        ("Hỗ trợ ăn trưa trẻ mẫu giáo", 1735, 1245200000, None),
        ("Học bổng, phương tiện học tập cho học sinh khuyết tật", 130, 740256000, None),
        ("Hỗ trợ tiền ăn, nhà ở học sinh bán trú", 947, 2672595000, None),
        ("Hỗ trợ gạo học sinh bán trú", 944, None, 62955),
    ]
    rows = []
    for label, pupils, money, rice in policies:
        pupil_split = split(pupils, w)
        money_split = split(money, w) if money is not None else [None] * 14
        rice_split = split(rice, w) if rice is not None else [None] * 14
        for i, c in enumerate(COMMUNES):
            rows.append(
                [
                    WRITTEN[c],
                    label,
                    vn(pupil_split[i]),
                    "" if money_split[i] is None else vn(money_split[i]),
                    "" if rice_split[i] is None else f"{vn(rice_split[i])} kg",
                ]
            )
    write_csv(
        inbox / "education" / "PGD_chinh_sach_HK2_2021-2022.csv",
        ["xa", "chinh_sach", "so_hoc_sinh", "kinh_phi", "gao_kg"],
        rows,
        encoding="cp1258",
        title_rows=["PHÒNG GIÁO DỤC VÀ ĐÀO TẠO BẠCH THÔNG"],
    )

    # ---- bank: xlsx, codes in the header, programmes by label, money as text with a unit
    loans = [("Cho vay hộ nghèo", 1316, 66363), ("Cho vay hộ cận nghèo", 1229, 80709)]
    rows = []
    for label, borrowers, millions in loans:
        b, m = split(borrowers, w), split(millions * 1000, w)
        rows += [[WRITTEN[c], label, b[i], f"{vn(m[i] / 1000, 3)} triệu"] for i, c in enumerate(COMMUNES)]
    workers = {"Vi Hương": 4, "Quân Hà": 3, "Cẩm Giàng": 5, "Quang Thuận": 4, "Sỹ Bình": 3, "Phủ Thông": 2}  # 21
    amounts = {"Vi Hương": 270, "Quân Hà": 200, "Cẩm Giàng": 340, "Quang Thuận": 270, "Sỹ Bình": 200, "Phủ Thông": 138}
    rows += [[WRITTEN[c], "xuat_khau_lao_dong", workers.get(c, 0), amounts.get(c, 0)] for c in COMMUNES]
    write_xlsx(
        inbox / "bank" / "NHCSXH_doanh_so_cho_vay_6T2022.xlsx",
        ["NGÂN HÀNG CHÍNH SÁCH XÃ HỘI", "PHÒNG GIAO DỊCH HUYỆN BẠCH THÔNG"],
        ["xa", "chuong_trinh", "luot_vay", "so_tien_trieu_dong"],
        rows,
    )

    # ---- commune: one file per commune, mixed xlsx / CSV, labels / codes
    commune_cols = {
        "tong_so_ho": HOUSEHOLDS,
        "ho_ngheo_dau_nam": split(2120, w),
        "ho_can_ngheo_dau_nam": split(1350, w),
        "chi_tieu_giam_ho_ngheo": split(410, w),
        "chi_tieu_viec_lam_moi": split(700, w),
        "viec_lam_moi_trong_nuoc": split(452, w),
        "lao_dong_nuoc_ngoai": [0] * 14,
        "bo_doi_xuat_ngu_tu_van": split(86, w),
        "luot_tu_van_lao_dong": split(712, w),
        "nha_o_van_dong": split(26, w),
        "nha_o_ho_tro_chuong_trinh": split(28, w),
        "ho_dung_nuoc_hop_ve_sinh": [round(h * 0.91) for h in HOUSEHOLDS],
        "dau_thu_truyen_hinh": [TV_RECEIVERS.get(c, 0) for c in COMMUNES],
        "ty_le_nghe_dai": [RADIO[c] for c in COMMUNES],
        "so_bang_tin": VILLAGES,
        "so_thon": VILLAGES,
        "tien_dien_luot_ho": split(3026, w),
        "tien_dien_kinh_phi": split(467976000, w),
    }
    for name, abroad in {"Vi Hương": 2, "Quân Hà": 1, "Sỹ Bình": 1, "Cẩm Giàng": 2}.items():
        commune_cols["lao_dong_nuoc_ngoai"][COMMUNES.index(name)] = abroad  # 06 in all
    labels = {
        "tong_so_ho": "Tổng số hộ",
        "ho_ngheo_dau_nam": "Số hộ nghèo đầu năm",
        "ho_can_ngheo_dau_nam": "Số hộ cận nghèo đầu năm",
        "chi_tieu_giam_ho_ngheo": "Chỉ tiêu giảm hộ nghèo trong năm",
        "chi_tieu_viec_lam_moi": "Chỉ tiêu giải quyết việc làm mới",
        "viec_lam_moi_trong_nuoc": "Lao động có việc làm mới tại công ty, khu công nghiệp",
        "lao_dong_nuoc_ngoai": "Lao động đi làm việc ở nước ngoài theo hợp đồng",
        "bo_doi_xuat_ngu_tu_van": "Bộ đội xuất ngũ được tư vấn",
        "luot_tu_van_lao_dong": "Lượt lao động được tư vấn",
        "nha_o_van_dong": "Hộ nghèo được vận động hỗ trợ làm nhà",
        "nha_o_ho_tro_chuong_trinh": "Hộ nghèo được phê duyệt hỗ trợ nhà ở",
        "ho_dung_nuoc_hop_ve_sinh": "Hộ sử dụng nước hợp vệ sinh",
        "dau_thu_truyen_hinh": "Đầu thu truyền hình số đề nghị hỗ trợ",
        "ty_le_nghe_dai": "Tỷ lệ hộ nghe được loa truyền thanh (%)",
        "so_bang_tin": "Số bảng tin tuyên truyền",
        "so_thon": "Số thôn, tổ phố",
        "tien_dien_luot_ho": "Lượt hộ được hỗ trợ tiền điện",
        "tien_dien_kinh_phi": "Kinh phí hỗ trợ tiền điện (đồng)",
    }
    for i, c in enumerate(COMMUNES):
        slug = unicodedata.normalize("NFD", c.replace("Đ", "D")).encode("ascii", "ignore").decode().replace(" ", "_")
        values = [commune_cols[k][i] for k in commune_cols]
        if i % 3 == 0:  # xlsx, labels, numbers as numbers
            write_xlsx(
                inbox / "commune" / f"UBND_{slug}_6T2022.xlsx",
                [f"UBND {WRITTEN[c].upper()}", "BÁO CÁO KẾT QUẢ THỰC HIỆN CÔNG TÁC GIẢM NGHÈO"],
                ["STT", "Xã, thị trấn"] + [labels[k] for k in commune_cols],
                [[1, WRITTEN[c]] + values],
            )
        elif i % 3 == 1:  # CSV UTF-8 with BOM, codes, text numbers
            texts = [f"{v}%" if k == "ty_le_nghe_dai" else vn(v) for k, v in zip(commune_cols, values, strict=True)]
            write_csv(
                inbox / "commune" / f"{slug.lower()}.csv",
                ["xa"] + list(commune_cols),
                [[WRITTEN[c]] + texts],
                encoding="utf-8-sig",
            )
        else:  # CSV saved in NFD, upper-case labels
            texts = [
                vn(v) + (" đồng" if k == "tien_dien_kinh_phi" else "")
                for k, v in zip(commune_cols, values, strict=True)
            ]
            write_csv(
                inbox / "commune" / f"bao cao giam ngheo {c}.csv",
                ["XÃ, THỊ TRẤN"] + [labels[k].upper() for k in commune_cols],
                [[WRITTEN[c]] + texts],
                nfd=True,
            )

    # ---- models: one file per commune that ran a model
    write_xlsx(
        inbox / "models" / "Duong_Phong_mo_hinh.xlsx",
        ["UBND XÃ DƯƠNG PHONG"],
        [
            "Xã, thị trấn",
            "Tên mô hình, dự án",
            "Thuộc dự án (Chương trình MTQG giảm nghèo bền vững)",
            "Số hộ tham gia",
            "Kinh phí (đồng)",
        ],
        [["Xã Dương Phong", "Mô hình nuôi dê sinh sản", "DA2", 15, 160000000]],
    )
    write_csv(
        inbox / "models" / "quan_ha_mo_hinh.csv",
        ["xa", "ten_mo_hinh", "du_an", "so_ho_tham_gia", "kinh_phi"],
        [["Quân Hà", "Mô hình trồng cây chè Trung du", "DA2", "20", "150.000.000"]],
        encoding="utf-8-sig",
    )
    write_csv(
        inbox / "models" / "cam_giang_mo_hinh.csv",
        ["xa", "ten_mo_hinh", "du_an", "so_ho_tham_gia", "kinh_phi"],
        [["Cẩm Giàng", "Mô hình nuôi lợn sinh sản", "DA1", "12", "207.000.000 đồng"]],
        encoding="cp1258",
    )

    for path in inbox.rglob("*"):
        if path.is_file():
            os.utime(path, (ARRIVAL, ARRIVAL))


if __name__ == "__main__":
    build(HERE)
    print(f"wrote {sum(1 for p in (HERE / 'inbox').rglob('*') if p.is_file())} files under {HERE / 'inbox'}")
