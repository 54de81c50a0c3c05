"""The GX suites: in sync with the form registry, passing good frames, catching every rule."""

import json

import pytest

from giamngheo.reading import read_submission
from giamngheo.validation import all_suites, write_suites
from tests.conftest import ROOT, SAMPLE_INBOX
from tests.helpers import HEALTH_HEADER, health_row, write_csv

EDU_HEADER = ["xa", "chinh_sach", "so_hoc_sinh", "kinh_phi", "gao_kg"]
BANK_HEADER = ["xa", "chuong_trinh", "luot_vay", "so_tien_trieu_dong"]
MODELS_HEADER = ["xa", "ten_mo_hinh", "du_an", "so_ho_tham_gia", "kinh_phi"]
COMMUNE_CODES = [
    "xa",
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
COMMUNE_GOOD = dict(
    zip(
        COMMUNE_CODES,
        ["Vi Hương", 500, 100, 80, 20, 40, 20, 1, 5, 40, 2, 2, 450, 70, 90, 9, 9, 150, 20000000],
        strict=True,
    )
)


def commune_row(**changes):
    values = {**COMMUNE_GOOD, **changes}
    return [values[c] for c in COMMUNE_CODES]


def test_suites_in_expectations_match_the_registry(tmp_path, forms, units, cats):
    written = write_suites(forms, cats, tmp_path)
    for path in written:
        committed = ROOT / "expectations" / path.name
        assert committed.read_text(encoding="utf-8") == path.read_text(encoding="utf-8"), (
            f"{committed} is stale: run `make suites`"
        )


def test_every_expectation_carries_a_bilingual_message_and_every_column_is_checked(forms, units, cats):
    suites = all_suites(forms, cats)
    for suite in suites.values():
        for exp in suite["expectations"]:
            assert exp["meta"]["vi"] and exp["meta"]["en"] and exp["meta"]["rule"]
    for form in forms.values():
        checked = set()
        for exp in suites[form.code]["expectations"]:
            kw = exp["kwargs"]
            checked |= {kw.get("column"), kw.get("column_A"), kw.get("column_B"), *kw.get("column_list", [])}
        for exp in suites["cells"]["expectations"]:
            checked |= set(exp["meta"]["columns"].get(form.code, []))
        assert {c.code for c in form.columns if c.type != "unit"} <= checked, form.code
    assert json.loads((ROOT / "expectations" / "health.json").read_text())["form"] == "health"


def validate(tmp_path, validator, forms, resolver, cats, form, files: dict[str, list[list]]):
    reads = []
    for name, rows in files.items():
        path = write_csv(tmp_path / name, rows)
        reads.append(read_submission(path, forms[form], resolver, cats, display_name=name))
    return {name: check.problems for name, check in zip(files, validator.validate(form, reads), strict=True)}


def rules_of(problems):
    return {(p.row, p.column, p.rule) for p in problems}


def test_sample_files_pass_their_suites(validator, forms, resolver, cats):
    from giamngheo.inbox import discover

    by_form = {}
    for file in discover(SAMPLE_INBOX, "2022-H1", forms):
        by_form.setdefault(file.form, []).append(
            read_submission(file.path, forms[file.form], resolver, cats, file.label)
        )
    for form, reads in by_form.items():
        assert [c.problems for c in validator.validate(form, reads)] == [[] for _ in reads], form


@pytest.mark.parametrize(
    "row, expected",
    [
        (health_row("Vi Hương", the_bhyt=10, poor=20), (2, "the_bhyt_ho_ngheo", "subset_le_total")),
        (health_row("Vi Hương", visits=-1, poor_visits=0), (2, "luot_kham", "range")),
        (health_row("Vi Hương", infants="10,5"), (2, "tre_duoi_1_tuoi", "decimals")),
        (health_row("Vi Hương", births=0, birth_money=500000), (2, "ho_tro_sinh_con_kinh_phi", "zero_when_zero")),
        (health_row("Vi Hương", cost=""), (2, "chi_phi_kham_ho_ngheo", "required")),
        (health_row("Vi Hương", infants=5, vaccinated=6), (2, "tre_tiem_chung_day_du", "subset_le_total")),
    ],
)
def test_health_rules(tmp_path, validator, forms, resolver, cats, row, expected):
    problems = validate(tmp_path, validator, forms, resolver, cats, "health", {"h.csv": [HEALTH_HEADER, row]})["h.csv"]
    assert expected in rules_of(problems)


def test_same_commune_twice_in_one_file(tmp_path, validator, forms, resolver, cats):
    rows = [HEALTH_HEADER, health_row("Vi Hương"), health_row("xã vi hương")]
    problems = validate(tmp_path, validator, forms, resolver, cats, "health", {"h.csv": rows})["h.csv"]
    assert {(p.row, p.rule) for p in problems} == {(2, "duplicate_row"), (3, "duplicate_row")}


def test_many_files_in_one_run_keep_their_own_problems(tmp_path, validator, forms, resolver, cats):
    files = {
        "good.csv": [HEALTH_HEADER, health_row("Vi Hương"), health_row("Lục Bình")],
        "bad.csv": [HEALTH_HEADER, health_row("Vi Hương"), health_row("Lục Bình", the_bhyt=1, poor=2)],
        "also_good.csv": [HEALTH_HEADER, health_row("Vi Hương")],  # the same commune as good.csv: another file
    }
    problems = validate(tmp_path, validator, forms, resolver, cats, "health", files)
    assert problems["good.csv"] == [] and problems["also_good.csv"] == []
    [problem] = problems["bad.csv"]
    assert (problem.file, problem.row, problem.column, problem.value) == ("bad.csv", 3, "the_bhyt_ho_ngheo", "2")


@pytest.mark.parametrize(
    "row, expected",
    [
        (["Vi Hương", "ban_tru_gao", 10, "5.000.000", "100"], (2, "kinh_phi", "must_be_empty")),
        (["Vi Hương", "ban_tru_gao", 10, "", ""], (2, "gao_kg", "required")),
        (["Vi Hương", "mien_giam_hoc_phi", 10, "", ""], (2, "kinh_phi", "required")),
        (["Vi Hương", "mien_giam_hoc_phi", 10, "5.000", "100"], (2, "gao_kg", "must_be_empty")),
        (["Vi Hương", "hoc_bong_sai", 10, "5.000", ""], (2, "chinh_sach", "known_code")),
    ],
)
def test_education_rules(tmp_path, validator, forms, resolver, cats, row, expected):
    problems = validate(tmp_path, validator, forms, resolver, cats, "education", {"e.csv": [EDU_HEADER, row]})["e.csv"]
    assert expected in rules_of(problems)


def test_education_accepts_labels_for_policies(tmp_path, validator, forms, resolver, cats):
    rows = [
        EDU_HEADER,
        ["Vi Hương", "Hỗ trợ gạo học sinh bán trú", 10, "", "100"],
        ["Vi Hương", "miễn, giảm học phí", 10, "5.000", ""],
    ]
    assert validate(tmp_path, validator, forms, resolver, cats, "education", {"e.csv": rows})["e.csv"] == []


@pytest.mark.parametrize(
    "row, expected",
    [
        (["Vi Hương", "ho_ngheo", 0, "5"], (2, "so_tien_trieu_dong", "zero_when_zero")),
        (["Vi Hương", "ho_ngheo", 2, "5,1234"], (2, "so_tien_trieu_dong", "decimals")),
        (["Vi Hương", "cho_vay_khac", 2, "5"], (2, "chuong_trinh", "known_code")),
    ],
)
def test_bank_rules(tmp_path, validator, forms, resolver, cats, row, expected):
    problems = validate(tmp_path, validator, forms, resolver, cats, "bank", {"b.csv": [BANK_HEADER, row]})["b.csv"]
    assert expected in rules_of(problems)


@pytest.mark.parametrize(
    "changes, expected",
    [
        ({"ty_le_nghe_dai": "101%"}, (2, "ty_le_nghe_dai", "range")),
        ({"tong_so_ho": 0}, (2, "tong_so_ho", "range")),
        ({"ho_ngheo_dau_nam": 600}, (2, "ho_ngheo_dau_nam", "subset_le_total")),
        ({"ho_can_ngheo_dau_nam": 401}, (2, "ho_can_ngheo_dau_nam", "subset_le_total")),
        ({"chi_tieu_giam_ho_ngheo": 101}, (2, "chi_tieu_giam_ho_ngheo", "subset_le_total")),
        ({"so_bang_tin": 10}, (2, "so_bang_tin", "subset_le_total")),
        ({"so_thon": 0, "so_bang_tin": 0}, (2, "so_thon", "range")),
        ({"ho_dung_nuoc_hop_ve_sinh": 501}, (2, "ho_dung_nuoc_hop_ve_sinh", "subset_le_total")),
    ],
)
def test_commune_rules(tmp_path, validator, forms, resolver, cats, changes, expected):
    rows = [COMMUNE_CODES, commune_row(**changes)]
    problems = validate(tmp_path, validator, forms, resolver, cats, "commune", {"c.csv": rows})["c.csv"]
    assert expected in rules_of(problems)


def test_commune_good_row_passes(tmp_path, validator, forms, resolver, cats):
    rows = [COMMUNE_CODES, commune_row()]
    assert validate(tmp_path, validator, forms, resolver, cats, "commune", {"c.csv": rows})["c.csv"] == []


@pytest.mark.parametrize(
    "row, expected",
    [
        (["Vi Hương", "x" * 201, "DA2", 5, "1.000"], (2, "ten_mo_hinh", "max_length")),
        (["Vi Hương", "Nuôi gà", "DA9", 5, "1.000"], (2, "du_an", "known_code")),
        (["Vi Hương", "", "DA2", 5, "1.000"], (2, "ten_mo_hinh", "required")),
    ],
)
def test_models_rules(tmp_path, validator, forms, resolver, cats, row, expected):
    problems = validate(tmp_path, validator, forms, resolver, cats, "models", {"m.csv": [MODELS_HEADER, row]})["m.csv"]
    assert expected in rules_of(problems)


def test_models_project_may_stay_empty(tmp_path, validator, forms, resolver, cats):
    rows = [MODELS_HEADER, ["Vi Hương", "Nuôi gà & vịt <thả vườn>", "", 5, "1.000"]]
    assert validate(tmp_path, validator, forms, resolver, cats, "models", {"m.csv": rows})["m.csv"] == []


def test_great_expectations_says_nothing_below_a_warning_in_a_task_log():
    """A task's log must start with what the operator needs: GX's ~200 INFO lines (at import, building the
    context) are silenced, the GX import included. A fresh interpreter, as a task's."""
    import subprocess
    import sys

    probe = (
        "import logging, sys; logging.basicConfig(level=logging.INFO, stream=sys.stdout)\n"
        "from pathlib import Path\n"
        "from giamngheo.forms import registry\n"
        "from giamngheo.validation import Validator\n"
        f"Validator(Path({str(ROOT / 'expectations')!r}), registry(Path({str(ROOT / 'include' / 'reference')!r})))\n"
        "print('built')\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0 and "built" in done.stdout, done.stderr[-2000:]
    assert "great_expectations" not in done.stdout + done.stderr
