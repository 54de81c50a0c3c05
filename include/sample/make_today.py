"""Build the bundled sample of today (run: ``make sample``): ``include/sample/today/inbox/``.

- ``19/2026-H1/``: tỉnh Thái Nguyên after the 2025 reform, its 92 communes (the official names of
  the bundled ``units.csv``, written as clerks write them), the sector forms and each commune's own
  form; with a few faults: a commune file naming Vi Hương (it ended on 30/6/2025: refused, naming xã
  Phủ Thông) and a commune file with a negative count (refused naming its row and column).
- ``063/2025-H1/``: huyện Bạch Thông's last half-year, its 14 communes: the past that xã Phủ Thông's
  2026-H1 report compares with, restated on today's communes.
- a narrative for the province and one for xã Phủ Thông (``narrative/01969.yaml``).

The figures are invented (seeded, so the output is deterministic); commit what it writes.
Run with the project's environment: ``python include/sample/make_today.py``.
"""

from __future__ import annotations

import csv
import os
import shutil
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))

from bench.synthetic import ARRIVAL, COMMUNE_CODES, write_district  # noqa: E402  (a dev-time generator)

OUT = HERE / "today" / "inbox"
UNITS = ROOT / "include" / "reference" / "units.csv"


def communes_of(parent: str, current: bool) -> list[tuple[str, str]]:
    """(name, kind) of the communes under ``parent``: today's (no end date) or those that ended."""
    with open(UNITS, encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["level"] == "commune" and r["parent_code"] == parent]
    chosen = [r for r in rows if (r["valid_to"] == "") == current]
    return [(r["name"], r["kind"]) for r in sorted(chosen, key=lambda r: r["code"])]


def write_faults(root: Path) -> None:
    """Two files a reviewer should see refused."""
    header = ["xa", *COMMUNE_CODES]
    row = ["Xã Vi Hương", 980, 95, 60, 12, 30, 10, 1, 2, 20, 1, 1, 900, 5, 85, 6, 10, 30, 900000]
    with open(root / "commune" / "zz_vi_huong.csv", "w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows([header, row])
    bad = ["Xã Phủ Thông", 1200, -7, 60, 12, 30, 10, 1, 2, 20, 1, 1, 1100, 5, 85, 6, 10, 30, 900000]
    with open(root / "commune" / "zz_phu_thong_sua.csv", "w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows([header, bad])
    for path in (root / "commune" / "zz_vi_huong.csv", root / "commune" / "zz_phu_thong_sua.csv"):
        os.utime(path, (ARRIVAL + 86400, ARRIVAL + 86400))


NARRATIVE_PROVINCE = {
    "leadership": [
        "Ủy ban nhân dân tỉnh ban hành kế hoạch thực hiện Chương trình mục tiêu quốc gia giảm nghèo bền vững "
        "năm 2026 trên địa bàn tỉnh sau sắp xếp đơn vị hành chính."
    ],
}
NARRATIVE_PHU_THONG = {
    "leadership": [
        "Đảng ủy, Ủy ban nhân dân xã Phủ Thông triển khai kế hoạch giảm nghèo năm 2026 đến các thôn, tổ dân phố."
    ],
}


def main() -> int:
    if OUT.exists():
        shutil.rmtree(OUT)
    files = write_district(OUT, 1, "2026-H1", communes_of("19", current=True), code="19")
    files += write_district(OUT, 2, "2025-H1", communes_of("063", current=False), code="063")
    today = OUT / "19" / "2026-H1"
    write_faults(today)
    (today / "narrative.yaml").write_text(yaml.safe_dump(NARRATIVE_PROVINCE, allow_unicode=True), encoding="utf-8")
    (today / "narrative").mkdir()
    (today / "narrative" / "01969.yaml").write_text(
        yaml.safe_dump(NARRATIVE_PHU_THONG, allow_unicode=True), encoding="utf-8"
    )
    print(f"wrote {files + 2} files under {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
