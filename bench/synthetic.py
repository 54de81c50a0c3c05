"""Synthetic submissions for N districts of 14 communes (the benchmark's input).

``write_deployment(out, districts, period)`` writes, under ``out``:

- ``reference/``: org units (8 districts per province, 14 communes per district,
  made-up Vietnamese names with diacritics, names repeating across districts as
  real ones do), plus the real categories and form registry;
- ``inbox/<district>/<period>/<form>/``: one district's half-year per district,
  in the shapes FORMS.md allows and clerks really send. Per district: the Health
  Center (xlsx, labels in the header, a title block, a total row), the Education
  office (Windows-1258 CSV, policy labels, Vietnamese numbers with "kg"), the
  Social Policy Bank (xlsx, codes, money as "1.234,5 triệu"), one file per
  commune (rotating xlsx / UTF-8-BOM CSV with codes / NFD CSV with upper-case
  labels and "đồng"), and 0–3 model files. About 18.5 files per district: 700
  districts make about 13,000 files, the national size.

Every value obeys the forms' rules, so every file is accepted: the benchmark
measures the accepting path, which is the common one. Output is deterministic
(seeded by district number). Run it alone:

    python bench/synthetic.py OUT --districts 8 --period 2022-H1
"""

from __future__ import annotations

import argparse
import functools
import importlib.util
import os
import random
import shutil
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMUNES_PER_DISTRICT = 14
DISTRICTS_PER_PROVINCE = 8
ARRIVAL = 1657584000  # 2022-07-12

_spec = importlib.util.spec_from_file_location("make_sample", ROOT / "include" / "sample" / "make_sample.py")
sample = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(sample)  # the sample's writers: vn(), write_csv(), write_xlsx(), split()

SYLLABLES = [
    "An",
    "Bình",
    "Cẩm",
    "Đông",
    "Đôn",
    "Giang",
    "Hà",
    "Hòa",
    "Hưng",
    "Khánh",
    "Lạc",
    "Long",
    "Lục",
    "Mỹ",
    "Nam",
    "Nghĩa",
    "Phong",
    "Phú",
    "Phúc",
    "Quang",
    "Quân",
    "Sơn",
    "Tân",
    "Thanh",
    "Thành",
    "Thịnh",
    "Thuận",
    "Tiến",
    "Trung",
    "Tú",
    "Vĩnh",
    "Vi",
    "Xuân",
    "Yên",
    "Hương",
    "Lâm",
    "Kim",
    "Ngọc",
]
POLICIES = [
    ("Miễn, giảm học phí", "money"),
    ("Hỗ trợ chi phí học tập", "money"),
    ("Hỗ trợ ăn trưa trẻ mẫu giáo", "money"),
    ("Học bổng, phương tiện học tập cho học sinh khuyết tật", "money"),
    ("Hỗ trợ tiền ăn, nhà ở học sinh bán trú", "money"),
    ("Hỗ trợ gạo học sinh bán trú", "rice"),
]
PROGRAMMES = ["Cho vay hộ nghèo", "Cho vay hộ cận nghèo", "xuat_khau_lao_dong"]
HEALTH_LABELS = [
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
COMMUNE_CODES = [
    "tong_so_ho",
    "ho_ngheo_dau_nam",
    "ho_can_ngheo_dau_nam",
    "chi_tieu_giam_ho_ngheo",
    "chi_tieu_viec_lam_moi",
    "viec_lam_moi_trong_nuoc",
    "lao_dong_nuoc_ngoai",
    "bo_doi_xuat_ngu_tu_van",
    "luot_tu_van_lao_dong",
    "nha_o_van_dong",
    "nha_o_ho_tro_chuong_trinh",
    "ho_dung_nuoc_hop_ve_sinh",
    "dau_thu_truyen_hinh",
    "ty_le_nghe_dai",
    "so_bang_tin",
    "so_thon",
    "tien_dien_luot_ho",
    "tien_dien_kinh_phi",
]


def district_code(number: int) -> str:
    return f"{number:03d}"


def commune_names(rng: random.Random) -> list[str]:
    names: list[str] = []
    keys: set[str] = set()  # "Thanh Sơn" and "Thành Sơn" are one name once accents are dropped
    while len(names) < COMMUNES_PER_DISTRICT:
        first, second = rng.choice(SYLLABLES), rng.choice(SYLLABLES)
        key = slug(f"{first} {second}").lower()
        if slug(first).lower() != slug(second).lower() and key not in keys:
            names.append(f"{first} {second}")
            keys.add(key)
    return names


def slug(text: str) -> str:
    return unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d")).encode("ascii", "ignore").decode()


def write_reference(out: Path, districts: int) -> Path:
    """units.csv for ``districts`` districts (made-up codes, undated: valid in every period), beside the
    project's categories, forms and senders."""
    ref = out / "reference"
    ref.mkdir(parents=True, exist_ok=True)
    for name in ("categories.csv", "forms.yaml", "quality_rules.yaml", "senders.csv"):
        shutil.copy2(ROOT / "include" / "reference" / name, ref / name)
    lines = ["code,valid_from,valid_to,name,kind,level,parent_code,legal_ref,aliases,report_name,email"]
    for province in range(1, (districts - 1) // DISTRICTS_PER_PROVINCE + 2):
        lines.append(f"P{province:02d},,,Tỉnh số {province},tinh,province,,,,,")
    for number in range(1, districts + 1):
        code = district_code(number)
        province = (number - 1) // DISTRICTS_PER_PROVINCE + 1
        lines.append(f"{code},,,Thử Nghiệm {number},huyen,district,P{province:02d},,,,")
        for index, name in enumerate(commune_names(random.Random(number)), start=1):
            kind = "thi_tran" if index == 1 else "xa"
            lines.append(f"{code}-{index:02d},,,{name},{kind},commune,{code},,,,")
    (ref / "units.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return ref


PREFIXES = {"thi_tran": "TT", "phuong": "Phường", "dac_khu": "Đặc khu"}


def written_name(rng: random.Random, name: str, kind: str, folds_alone: bool = True) -> str:
    """How a clerk writes the commune's name (without its diacritics only where no other commune of the
    unit folds to the same letters: real names do, as Văn Lang and Văn Lăng of Thái Nguyên)."""
    prefix = PREFIXES.get(kind, "Xã")
    variants = [name, f"{prefix} {name}", f"{prefix.lower()} {name}", name.upper()]
    return rng.choice(variants + ([slug(name).lower()] if folds_alone else variants[:1]))


def commune_values(rng: random.Random) -> dict[str, float]:
    households = rng.randint(300, 2500)
    poor = rng.randint(0, households // 3)
    near_poor = rng.randint(0, (households - poor) // 3)
    villages = rng.randint(5, 20)
    return {
        "tong_so_ho": households,
        "ho_ngheo_dau_nam": poor,
        "ho_can_ngheo_dau_nam": near_poor,
        "chi_tieu_giam_ho_ngheo": rng.randint(0, poor // 4 if poor else 0),
        "chi_tieu_viec_lam_moi": rng.randint(10, 90),
        "viec_lam_moi_trong_nuoc": rng.randint(0, 80),
        "lao_dong_nuoc_ngoai": rng.randint(0, 3),
        "bo_doi_xuat_ngu_tu_van": rng.randint(0, 15),
        "luot_tu_van_lao_dong": rng.randint(0, 120),
        "nha_o_van_dong": rng.randint(0, 5),
        "nha_o_ho_tro_chuong_trinh": rng.randint(0, 5),
        "ho_dung_nuoc_hop_ve_sinh": rng.randint(households // 2, households),
        "dau_thu_truyen_hinh": rng.randint(0, 90),
        "ty_le_nghe_dai": round(rng.uniform(40, 100), rng.choice([0, 1, 2])),
        "so_bang_tin": rng.randint(1, villages),
        "so_thon": villages,
        "tien_dien_luot_ho": rng.randint(0, 400),
        "tien_dien_kinh_phi": rng.randint(0, 60) * 1_000_000,
    }


def write_district(inbox: Path, number: int, period: str, units: list[tuple[str, str]], code: str | None = None) -> int:
    """One reporting unit's half-year of submissions (a district's, or a province's of the new tree);
    returns the number of files written."""
    rng = random.Random(10_000 + number)
    code = code or district_code(number)
    root = inbox / code / period
    folded = [slug(name).lower() for name, _ in units]
    written = [
        written_name(rng, name, kind, folded.count(f) == 1) for (name, kind), f in zip(units, folded, strict=True)
    ]
    files = 0

    rows = []
    for i, name in enumerate(written):
        cards = rng.randint(500, 5000)
        visits = rng.randint(300, 3000)
        births = rng.randint(0, 2)
        babies = rng.randint(10, 80)
        rows.append(
            [
                i + 1,
                name,
                cards,
                rng.randint(0, cards),
                visits,
                rng.randint(0, visits),
                rng.randint(0, 90) * 1_000_000,
                births,
                births * 2_000_000,
                babies,
                rng.randint(0, babies),
                0,
            ]
        )
    total = [None, "Tổng cộng"] + [sum(r[k] for r in rows) for k in range(2, 12)]
    sample.write_xlsx(
        root / "health" / f"TTYT_huyen_{code}.xlsx",
        ["SỞ Y TẾ", f"TRUNG TÂM Y TẾ HUYỆN SỐ {number}", "BIỂU TỔNG HỢP CHÍNH SÁCH HỖ TRỢ VỀ Y TẾ"],
        HEALTH_LABELS,
        rows,
        total,
    )
    files += 1

    rows = []
    for label, paid_in in POLICIES:
        for name in written:
            pupils = rng.randint(0, 400)
            money = sample.vn(rng.randint(0, 300) * 100_000) if paid_in == "money" else ""
            rice = f"{sample.vn(rng.randint(0, 9000))} kg" if paid_in == "rice" else ""
            rows.append([name, label, sample.vn(pupils), money, rice])
    sample.write_csv(
        root / "education" / f"PGD_{code}.csv",
        ["xa", "chinh_sach", "so_hoc_sinh", "kinh_phi", "gao_kg"],
        rows,
        encoding="cp1258",
        title_rows=[f"PHÒNG GIÁO DỤC VÀ ĐÀO TẠO HUYỆN SỐ {number}"],
    )
    files += 1

    rows = []
    for programme in PROGRAMMES:
        for name in written:
            borrowers = rng.randint(0, 150)
            amount = rng.randint(1, 9_000_000) / 1000 if borrowers else 0
            rows.append([name, programme, borrowers, f"{sample.vn(amount, 3)} triệu"])
    sample.write_xlsx(
        root / "bank" / f"NHCSXH_{code}.xlsx",
        ["NGÂN HÀNG CHÍNH SÁCH XÃ HỘI"],
        ["xa", "chuong_trinh", "luot_vay", "so_tien_trieu_dong"],
        rows,
    )
    files += 1

    labels = [sample_label(c) for c in COMMUNE_CODES]
    for i, ((name, _kind), clerk) in enumerate(zip(units, written, strict=True)):
        values = commune_values(rng)
        numbers = [values[c] for c in COMMUNE_CODES]
        if i % 3 == 0:
            sample.write_xlsx(
                root / "commune" / f"UBND_{slug(name).replace(' ', '_')}.xlsx",
                [f"UBND {clerk.upper()}", "BÁO CÁO KẾT QUẢ THỰC HIỆN CÔNG TÁC GIẢM NGHÈO"],
                ["STT", "Xã, thị trấn"] + labels,
                [[1, clerk] + numbers],
            )
        elif i % 3 == 1:
            texts = [
                f"{sample.vn(v, 2 if v % 1 else 0)}%" if c == "ty_le_nghe_dai" else sample.vn(v)
                for c, v in zip(COMMUNE_CODES, numbers, strict=True)
            ]
            sample.write_csv(
                root / "commune" / f"{slug(name).lower().replace(' ', '_')}.csv",
                ["xa"] + COMMUNE_CODES,
                [[clerk] + texts],
                encoding="utf-8-sig",
            )
        else:
            texts = [
                sample.vn(v, 2 if v % 1 else 0) + (" đồng" if c == "tien_dien_kinh_phi" else "")
                for c, v in zip(COMMUNE_CODES, numbers, strict=True)
            ]
            sample.write_csv(
                root / "commune" / f"bao cao giam ngheo {name}.csv",
                ["XÃ, THỊ TRẤN"] + [label.upper() for label in labels],
                [[clerk] + texts],
                nfd=True,
            )
        files += 1

    for m in range(rng.choice([0, 1, 1, 2, 2, 3])):  # 1.5 model files a district on average
        name = written[rng.randrange(len(written))]
        sample.write_csv(
            root / "models" / f"mo_hinh_{m + 1}.csv",
            ["xa", "ten_mo_hinh", "du_an", "so_ho_tham_gia", "kinh_phi"],
            [
                [
                    name,
                    f"Mô hình sinh kế số {m + 1}",
                    f"DA{rng.randint(1, 7)}",
                    str(rng.randint(5, 40)),
                    f"{sample.vn(rng.randint(20, 400) * 1_000_000)} đồng",
                ]
            ],
            encoding="utf-8-sig",
        )
        files += 1

    for path in root.rglob("*"):
        if path.is_file():
            os.utime(path, (ARRIVAL, ARRIVAL))
    return files


@functools.cache
def sample_label(code: str) -> str:
    from giamngheo.forms import registry

    return {c.code: c.label for c in registry(ROOT / "include" / "reference")["commune"].columns}[code]


def read_units(reference: Path) -> dict[str, list[tuple[str, str]]]:
    import csv

    units: dict[str, list[tuple[str, str]]] = {}
    with open(reference / "units.csv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["level"] == "commune":
                units.setdefault(row["parent_code"], []).append((row["name"], row["kind"]))
    return units


def write_national(out: Path, period: str = "2026-H1", workers: int = 1, provinces: list[str] | None = None) -> dict:
    """Today's shape: the 34 provinces and 3,321 communes of the official list (QĐ 19/2025/QĐ-TTg, from
    the vietnamadminunits dataset), every province a reporting unit with its communes' real names, and
    a half-year of its units' files; returns {reference, inbox, files, codes, period}."""
    import sqlite3

    from giamngheo.units.model import write_transitions, write_units
    from giamngheo.units.official import dataset_dir, import_provinces

    out = Path(out)
    ref = out / "reference"
    ref.mkdir(parents=True, exist_ok=True)
    for name in ("categories.csv", "forms.yaml", "quality_rules.yaml", "senders.csv"):
        shutil.copy2(ROOT / "include" / "reference" / name, ref / name)
    if provinces is None:
        db = sqlite3.connect(f"file:{dataset_dir() / 'dataset.db'}?mode=ro", uri=True)
        provinces = sorted({r[0] for r in db.execute("select provinceCode from admin_units")})
        db.close()
    units, edges = import_provinces(provinces)
    seen: set = set()
    unique = [u for u in units if not (u.key in seen or seen.add(u.key))]  # type: ignore[func-returns-value]
    write_units(ref / "units.csv", unique)
    write_transitions(ref / "transitions.csv", edges)
    communes: dict[str, list[tuple[str, str]]] = {}
    for unit in unique:
        if unit.level == "commune" and unit.valid_to is None:
            communes.setdefault(unit.parent_code or "", []).append((unit.name, unit.kind))
    inbox = out / "inbox"
    jobs = [(inbox, n, period, communes[code], code) for n, code in enumerate(provinces, start=1)]
    if workers > 1 and len(jobs) > 1:
        from multiprocessing import Pool

        with Pool(workers) as pool:
            counts = pool.starmap(write_district, jobs, chunksize=2)
    else:
        counts = [write_district(*job) for job in jobs]
    return {
        "reference": ref,
        "inbox": inbox,
        "files": sum(counts),
        "districts": len(provinces),
        "codes": provinces,
        "period": period,
        "communes": sum(len(c) for c in communes.values()),
    }


def write_deployment(out: Path, districts: int, period: str = "2022-H1", workers: int = 1) -> dict:
    """Reference data and inboxes for ``districts`` districts; returns {reference, inbox, files}."""
    out = Path(out)
    reference = write_reference(out, districts)
    inbox = out / "inbox"
    units = read_units(reference)
    jobs = [(inbox, n, period, units[district_code(n)]) for n in range(1, districts + 1)]
    if workers > 1 and districts > 1:
        from multiprocessing import Pool

        with Pool(workers) as pool:
            counts = pool.starmap(write_district, jobs, chunksize=8)
    else:
        counts = [write_district(*job) for job in jobs]
    codes = [district_code(n) for n in range(1, districts + 1)]
    return {
        "reference": reference,
        "inbox": inbox,
        "files": sum(counts),
        "districts": districts,
        "codes": codes,
        "period": period,
        "communes": COMMUNES_PER_DISTRICT * districts,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--districts", type=int, default=8)
    parser.add_argument("--period", default="2022-H1")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    result = write_deployment(args.out, args.districts, args.period, args.workers)
    print(
        f"{result['files']} files for {result['districts']} districts under {result['inbox']} "
        f"(reference data: {result['reference']}); use GIAMNGHEO_UNIT=all "
        f"GIAMNGHEO_REFERENCE_DIR={result['reference']} GIAMNGHEO_DATA_DIR={args.out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
