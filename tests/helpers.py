"""Small builders of submission files for tests."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import openpyxl

HEALTH_HEADER = [
    "xa",
    "the_bhyt",
    "the_bhyt_ho_ngheo",
    "luot_kham",
    "luot_kham_ho_ngheo",
    "chi_phi_kham_ho_ngheo",
    "ho_tro_sinh_con_nguoi",
    "ho_tro_sinh_con_kinh_phi",
    "tre_duoi_1_tuoi",
    "tre_tiem_chung_day_du",
    "vu_ngo_doc_thuc_pham",
]


def write_csv(path: Path, rows: list[list], encoding: str = "utf-8", arrival: float | None = None) -> Path:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buf.getvalue().encode(encoding))
    if arrival is not None:
        os.utime(path, (arrival, arrival))
    return path


def write_xlsx(path: Path, rows: list[list], arrival: float | None = None) -> Path:
    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    if arrival is not None:
        os.utime(path, (arrival, arrival))
    return path


def health_row(
    name: str,
    the_bhyt=100,
    poor=10,
    visits=50,
    poor_visits=5,
    cost=1000000,
    births=0,
    birth_money=0,
    infants=10,
    vaccinated=5,
    poisoning=0,
) -> list:
    return [name, the_bhyt, poor, visits, poor_visits, cost, births, birth_money, infants, vaccinated, poisoning]
