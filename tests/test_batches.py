"""Cutting work into task instances: per file while it fits, whole districts beyond (pure functions)."""

import pytest

from giamngheo.batches import AIRFLOW_MAP_LIMIT, ingestion_batches, pack, report_batches

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


def test_a_national_period_is_cut_into_district_batches_below_airflows_limit():
    files = files_of(700)  # 13,300 files
    batches = ingestion_batches(files, max_tasks=32)
    assert len(batches) == 32 < AIRFLOW_MAP_LIMIT
    assert sorted(f["label"] for b in batches for f in b["items"]) == sorted(f["label"] for f in files)
    for batch in batches:  # whole (district, form) groups, named by their districts
        districts = {f["unit"] for f in batch["items"]}
        groups = {(f["unit"], f["form"]) for f in batch["items"]}
        assert all(sum((f["unit"], f["form"]) == g for f in batch["items"]) == FORMS.count(g[1]) for g in groups)
        assert batch["label"].startswith(min(districts)) and f"{len(batch['items'])} tệp" in batch["label"]
    # even a limit set too high stays within Airflow's
    assert len(ingestion_batches(files, max_tasks=100_000)) <= AIRFLOW_MAP_LIMIT


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
        {"period": "2022-H1", "form": "commune", "districts": ["063"], "statuses": ["accepted"]},
        {"period": "2022-H1", "form": "health", "districts": ["063"], "statuses": ["rejected"]},
    ]
