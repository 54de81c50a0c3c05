"""Cutting work into task instances: per file while it fits, whole districts beyond (pure functions)."""

import pytest

from giamngheo.batches import AIRFLOW_MAP_LIMIT, MIN_FILES_PER_TASK, ingestion_batches, pack, report_batches

FORMS = ["health", "education", "bank"] + ["commune"] * 14 + ["models"] * 2


def files_of(districts: int, keyed: bool = True) -> list[dict]:
    return [
        {
            "label": f"{d:03d}/2022-H1/{form}/f{i}.csv" if keyed else f"2022-H1/{form}/f{i}.csv",
            "unit": f"{d:03d}",
            "period": "2022-H1",
            "form": form,
            "keyed": keyed,
        }
        for d in range(1, districts + 1)
        for i, form in enumerate(FORMS)
    ]


@pytest.mark.parametrize("groups,chunks", [(1, 1), (8, 3), (8, 8), (8, 32), (700, 32), (700, 1), (13, 5)])
def test_pack_keeps_groups_whole_in_order_and_within_the_limit(groups, chunks):
    data = [(f"{g:03d}", list(range(10 + g % 7))) for g in range(groups)]
    packed = pack(data, chunks)
    assert 1 <= len(packed) <= chunks
    assert [key for chunk in packed for key, _ in chunk] == [key for key, _ in data]
    if groups >= chunks:  # balanced: no chunk holds more than twice its share plus one group
        sizes = [sum(len(items) for _, items in chunk) for chunk in packed]
        share = sum(sizes) / len(packed)
        assert max(sizes) <= 2 * share + 16


def test_one_district_gets_one_task_per_form_named_by_form_or_file():
    files = files_of(1, keyed=False)
    batches = ingestion_batches(files, max_tasks=32)
    assert sorted(b["label"] for b in batches) == sorted(
        [
            "2022-H1/health/f0.csv",
            "2022-H1/education/f1.csv",
            "2022-H1/bank/f2.csv",
            "2022-H1/commune (14 tệp / files)",
            "2022-H1/models (2 tệp / files)",
        ]
    )
    for batch in batches:  # every form's files in one task: one GX run per form
        assert len({f["form"] for f in batch["items"]}) == 1
    assert sorted(f["label"] for b in batches for f in b["items"]) == sorted(f["label"] for f in files)


def test_a_national_period_is_cut_into_form_batches_below_airflows_limit():
    files = files_of(700)  # 13,300 files
    batches = ingestion_batches(files, max_tasks=32)
    assert len(batches) == -(-len(files) // MIN_FILES_PER_TASK) == 27  # 500 files or more each
    assert sorted(f["label"] for b in batches for f in b["items"]) == sorted(f["label"] for f in files)
    for batch in batches:  # whole (district, form) groups, named by their forms and districts
        districts = {f["unit"] for f in batch["items"]}
        groups = {(f["unit"], f["form"]) for f in batch["items"]}
        assert all(sum((f["unit"], f["form"]) == g for f in batch["items"]) == FORMS.count(g[1]) for g in groups)
        assert min(districts) in batch["label"] and f"{len(batch['items'])} tệp" in batch["label"]
    # form by form: most tasks hold one form (one GX run of a form's suite each), none more than two
    forms_of = [len({f["form"] for f in b["items"]}) for b in batches]
    assert max(forms_of) <= 2 and sum(forms_of) <= len(batches) + 4
    # more tasks when each still gets its 500 files, never more than max_tasks
    assert len(ingestion_batches(files, max_tasks=32, min_files=100)) == 32
    assert len(ingestion_batches(files, max_tasks=8)) == 8
    # even a limit set too high stays within Airflow's
    assert len(ingestion_batches(files, max_tasks=100_000, min_files=1)) <= AIRFLOW_MAP_LIMIT


def test_a_few_groups_keep_a_task_each_however_few_their_files():
    files = files_of(3)  # 15 (district, form) groups, 57 files
    assert len(ingestion_batches(files, max_tasks=32)) == 15
    assert len(ingestion_batches(files, max_tasks=2)) == 1  # batched: 57 files are under one task's share
    assert len(ingestion_batches(files, max_tasks=2, min_files=10)) == 2


def test_reports_one_task_each_while_they_fit_then_district_batches():
    assert report_batches(["2022-H1"], ["063"], 32, keyed=False) == [
        {"label": "2022-H1", "items": [{"period": "2022-H1", "unit": "063"}]}
    ]
    districts = [f"{d:03d}" for d in range(1, 701)]
    batches = report_batches(["2022-H1", "2022-H2"], districts, 32, keyed=True)
    assert len(batches) <= 32
    items = [(i["period"], i["unit"]) for b in batches for i in b["items"]]
    assert sorted(items) == sorted((p, d) for p in ("2022-H1", "2022-H2") for d in districts)


def test_a_rejection_is_announced_like_a_load():
    from giamngheo.ingest import announcements

    outcomes = [
        {"period": "2022-H1", "form": "health", "unit": "063", "status": "rejected"},
        {"period": "2022-H1", "form": "bank", "unit": "063", "status": "unchanged"},
        {"period": "2022-H1", "form": "commune", "unit": "063", "status": "accepted"},
    ]
    assert announcements(outcomes) == [
        {"period": "2022-H1", "form": "commune", "districts": ["063"], "statuses": ["accepted"], "communes": {}},
        {"period": "2022-H1", "form": "health", "districts": ["063"], "statuses": ["rejected"], "communes": {}},
    ]


def test_a_communes_own_file_names_its_commune_and_only_its_report_is_drafted_again():
    from giamngheo.ingest import announcements
    from giamngheo.report import changed_communes

    outcomes = [
        {"period": "2026-H1", "form": "commune", "unit": "19", "status": "accepted", "slices": ["01969"]},
        {"period": "2026-H1", "form": "commune", "unit": "19", "status": "rejected", "slices": ["01975", ""]},
        {"period": "2026-H1", "form": "health", "unit": "19", "status": "accepted", "slices": ["01969", "01972"]},
        {"period": "2026-H1", "form": "bank", "unit": "19", "status": "rejected", "slices": []},  # unreadable
    ]
    events = announcements(outcomes)
    assert [(e["form"], e["communes"]) for e in events] == [
        ("bank", {}),  # its communes could not be read: every commune's report
        ("commune", {"19": ["01969", "01975"]}),
        ("health", {"19": ["01969", "01972"]}),
    ]
    assert changed_communes(events[1:]) == {("2026-H1", "19"): {"01969", "01972", "01975"}}
    assert changed_communes(events) == {("2026-H1", "19"): None}
    assert changed_communes([{"period": "2026-H1", "districts": ["19"]}]) == {("2026-H1", "19"): None}  # older events
