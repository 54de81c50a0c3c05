import os
import sys
import unicodedata
from pathlib import Path

import pytest

from giamngheo.inbox import discover, stray_entries
from giamngheo.reading import read_submission
from giamngheo.sheets import decode_csv
from tests.conftest import ROOT, SAMPLE_INBOX
from tests.helpers import HEALTH_HEADER, health_row, write_csv, write_xlsx

sys.path.insert(0, str(ROOT / "include" / "sample"))
from make_sample import to_cp1258  # noqa: E402


def read(path, forms, resolver, cats, form="health"):
    return read_submission(path, forms[form], resolver, cats, all_forms=forms)


def test_xlsx_with_title_rows_labels_stt_total_row_and_footer(tmp_path, forms, resolver, cats):
    labels = ["STT", "Xã, thị trấn"] + [forms["health"].column(c).label for c in HEALTH_HEADER[1:]]
    rows = [
        ["TRUNG TÂM Y TẾ HUYỆN"],
        ["BIỂU TỔNG HỢP"],
        [],
        labels,
        [1] + health_row("Xã Vi Hương"),
        [2] + health_row("TT Phủ Thông", the_bhyt=200),
        [None, "Tổng cộng", 300, 20, 100, 10, 2000000, 0, 0, 20, 10, 0],
        [],
        [None, "Người lập biểu"],
    ]
    result = read(write_xlsx(tmp_path / "h.xlsx", rows), forms, resolver, cats)
    assert result.problems == []
    assert result.has_total_row
    frame = result.frame
    assert list(frame["xa"]) == ["01975", "01969"]
    assert list(frame["_row"]) == [5, 6]  # Excel row numbers, as the clerk sees them
    assert list(frame["the_bhyt"]) == [100, 200]


def test_total_row_that_disagrees_rejects(tmp_path, forms, resolver, cats, validator):
    rows = [
        HEALTH_HEADER,
        health_row("Vi Hương"),
        health_row("Lục Bình"),
        ["Tổng cộng", 999, 20, 100, 10, 2000000, 0, 0, 20, 10, 0],
    ]
    result = read(write_csv(tmp_path / "h.csv", rows), forms, resolver, cats)
    assert result.problems == [] and result.total_row == 4  # the reader reads it; the file suite checks it
    assert result.stated_totals["the_bhyt"] == 999
    [check] = validator.validate("health", [result])
    [problem] = check.problems
    assert (problem.row, problem.column, problem.value, problem.rule) == (4, "the_bhyt", "999", "total_mismatch")
    assert "200" in problem.message_vi


def test_windows_1258_csv_with_nfd_headers(tmp_path, forms, resolver, cats):
    header = ["Xã, thị trấn"] + [forms["health"].column(c).label.upper() for c in HEALTH_HEADER[1:]]
    text = "\n".join(",".join(f'"{c}"' for c in row) for row in [header, health_row("Quân Hà")]) + "\n"
    path = tmp_path / "h.csv"
    path.write_bytes(to_cp1258(unicodedata.normalize("NFD", text)))
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    result = read(path, forms, resolver, cats)
    assert result.problems == []
    assert list(result.frame["xa"]) == ["02005"]


def test_utf8_bom_and_text_numbers_with_units(tmp_path, forms, resolver, cats):
    row = ["Cẩm Giàng", "1.234", "100", "2.000", "50", "1.500.000 đồng", "1", "2.000.000đ", "20", "10", "0"]
    result = read(write_csv(tmp_path / "h.csv", [HEALTH_HEADER, row], encoding="utf-8-sig"), forms, resolver, cats)
    assert result.problems == []
    assert result.frame.loc[0, "the_bhyt"] == 1234
    assert result.frame.loc[0, "chi_phi_kham_ho_ngheo"] == 1500000


def test_utf16_csv_is_refused_with_advice():
    from giamngheo.sheets import FileProblem

    with pytest.raises(FileProblem) as err:
        decode_csv("xa,the_bhyt\n".encode("utf-16"))
    assert "UTF-8" in err.value.message_vi


def test_problems_name_row_column_value_and_rule(tmp_path, forms, resolver, cats):
    rows = [HEALTH_HEADER, health_row("Vi Hương", cost="1,234.5"), health_row("Tân Tiến")]
    result = read(write_csv(tmp_path / "h.csv", rows), forms, resolver, cats)
    found = {(p.row, p.column, p.value, p.rule) for p in result.problems}
    assert (2, "chi_phi_kham_ho_ngheo", "1,234.5", "number_format") in found
    assert (3, "xa", "Tân Tiến", "unknown_unit") in found
    text = "\n".join(p.format() for p in result.problems)
    assert "dòng 3" in text and "row 3" in text and "Xã Tân Tú" in text


def test_a_missing_column_is_one_problem_of_the_file_suite(tmp_path, forms, resolver, cats, validator):
    header = HEALTH_HEADER[:-1]
    result = read(write_csv(tmp_path / "h.csv", [header, health_row("Vi Hương")[:-1]]), forms, resolver, cats)
    assert result.problems == [] and "vu_ngo_doc_thuc_pham" not in result.columns
    [check] = validator.validate("health", [result])
    assert [(p.row, p.column, p.rule) for p in check.problems] == [(1, "vu_ngo_doc_thuc_pham", "missing_column")]


@pytest.mark.parametrize(
    "header, rule",
    [
        (HEALTH_HEADER + ["cot_la"], "unknown_column"),
        (HEALTH_HEADER[:2] + ["the_bhyt"] + HEALTH_HEADER[2:], "duplicate_column"),
    ],
)
def test_column_problems(tmp_path, forms, resolver, cats, header, rule):
    row = health_row("Vi Hương")
    row = (row + [1] * len(header))[: len(header)]
    result = read(write_csv(tmp_path / "h.csv", [header, row]), forms, resolver, cats)
    assert rule in {p.rule for p in result.problems}
    assert result.frame is None


def test_file_of_another_form_says_which(tmp_path, forms, resolver, cats):
    rows = [["xa", "chinh_sach", "so_hoc_sinh", "kinh_phi", "gao_kg"], ["Vi Hương", "ban_tru_gao", 1, "", 10]]
    result = read(write_csv(tmp_path / "e.csv", rows), forms, resolver, cats, form="health")
    [problem] = result.problems
    assert problem.rule == "header_not_found"
    assert "education" in problem.message_en


def test_empty_and_header_only_files(tmp_path, forms, resolver, cats, validator):
    assert [p.rule for p in read(write_csv(tmp_path / "a.csv", []), forms, resolver, cats).problems] == ["empty_file"]
    only_header = read(write_csv(tmp_path / "b.csv", [HEALTH_HEADER]), forms, resolver, cats)
    assert only_header.records == []
    [check] = validator.validate("health", [only_header])
    assert [p.rule for p in check.problems] == ["no_data_rows"]


def test_data_below_a_blank_row_is_not_silently_dropped(tmp_path, forms, resolver, cats):
    rows = [HEALTH_HEADER, health_row("Vi Hương"), [], health_row("Lục Bình")]
    result = read(write_csv(tmp_path / "h.csv", rows), forms, resolver, cats)
    assert [(p.row, p.rule) for p in result.problems] == [(4, "row_after_table_end")]


def test_unreadable_xlsx(tmp_path, forms, resolver, cats):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"this is not a zip file")
    [problem] = read(path, forms, resolver, cats).problems
    assert problem.rule == "unreadable_xlsx"


def test_discover_skips_lock_and_hidden_files_and_orders_by_arrival(tmp_path, forms):
    folder = tmp_path / "inbox" / "2022-H1" / "health"
    write_csv(folder / "b.csv", [HEALTH_HEADER], arrival=2000)
    write_csv(folder / "a.csv", [HEALTH_HEADER], arrival=3000)
    write_csv(folder / "~$b.xlsx", [HEALTH_HEADER])
    write_csv(folder / ".hidden.csv", [HEALTH_HEADER])
    write_csv(folder / "notes.txt", [["x"]])
    names = [f.name for f in discover(tmp_path / "inbox", "2022-H1", forms)]
    assert names == ["b.csv", "a.csv"]


def test_every_sample_file_reads_cleanly(forms, resolver, cats):
    files = discover(SAMPLE_INBOX, "2022-H1", forms)
    assert {f.form for f in files} == set(forms)
    for file in files:
        result = read_submission(file.path, forms[file.form], resolver, cats, file.label)
        assert result.problems == [], file.label
    assert len([f for f in files if f.form == "commune"]) == 14
    assert os.path.getsize(files[0].path) > 0
    assert isinstance(files[0].path, Path)


def test_folders_that_name_no_form_are_reported(tmp_path, forms):
    period = tmp_path / "inbox" / "2022-H1"
    write_csv(period / "helth" / "ttyt.csv", [HEALTH_HEADER])
    write_csv(period / "health" / "ttyt.csv", [HEALTH_HEADER])
    write_csv(period / "loose.xlsx", [HEALTH_HEADER])
    (period / "narrative.yaml").write_text("x: 1")
    assert stray_entries(tmp_path / "inbox", "2022-H1", forms) == ["2022-H1/helth", "2022-H1/loose.xlsx"]
    assert [f.name for f in discover(tmp_path / "inbox", "2022-H1", forms)] == ["ttyt.csv"]


@pytest.mark.parametrize(
    "xml, rule",
    [
        (b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "xx">]><a>&x;</a>', "xml_dtd"),
        (b'<?xml version="1.0"?><a><b></a>', "unreadable_xlsx"),
        (b'<?xml version="1.0"?><a xmlns="urn:x"><b c="1"/>ok</a>', None),
    ],
)
def test_an_xlsx_part_is_checked_without_building_a_tree(xml, rule):
    from giamngheo.sheets import FileProblem, _check_xml

    if rule is None:
        _check_xml(xml, "xl/styles.xml")
        return
    with pytest.raises(FileProblem) as refused:
        _check_xml(xml, "xl/styles.xml")
    assert refused.value.rule == rule and "xl/styles.xml" in refused.value.message_en
