"""Every case of the bad-input catalogue (tests/bad_inputs.py), each beside the whole sample inbox:
the bad file gets its outcome and an actionable message, nothing of it reaches the warehouse,
and all its neighbours still load."""

import os
import re
import time

import pytest
from sqlalchemy import text

from giamngheo.ingest import Ingestor
from tests.bad_inputs import CASES
from tests.conftest import PERIOD, ROOT, settings_for
from tests.seed_figures import SEED_2022_H1


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case, data_dir, validator):
    folder = data_dir / "inbox" / PERIOD / case.form
    path = folder / case.name
    path.write_bytes(case.make())
    if not case.fresh:
        os.utime(path, (time.time() - 3600, time.time() - 3600))
    pipeline = Ingestor.from_settings(settings_for(data_dir, **case.settings))
    pipeline._validator = validator
    pipeline.initialise()
    try:
        waiting: list[str] = []
        files = pipeline.deployment.discover(PERIOD, waiting)
        labels = {f.name for f in files}
        started = time.monotonic()
        outcomes = {o.file.rsplit("/", 1)[-1]: o for o in pipeline.ingest(files)}
        elapsed = time.monotonic() - started

        if case.outcome in ("ignored", "waiting"):
            assert case.name not in labels
            assert (f"{PERIOD}/{case.form}/{case.name}" in waiting) == (case.outcome == "waiting")
        else:
            outcome = outcomes[case.name]
            assert outcome.status == case.outcome, outcome.message
        if case.outcome == "rejected":
            rules = {p["rule"] for p in outcome.problems}
            assert case.rule in rules, rules
            for fragment in case.fragments:
                assert fragment in outcome.message, (fragment, outcome.message)
            assert case.name in outcome.message  # the message names the file
            with pipeline.warehouse.engine.connect() as conn:
                loaded = conn.execute(
                    text(
                        "select count(*) from fact f join submission s on s.id = f.submission_id where s.file_name = :n"
                    ),
                    {"n": case.name},
                ).scalar()
            assert loaded == 0
        # the neighbours: every sample file accepted, every seed figure intact (unless the case added data)
        assert all(o.status == "accepted" for name, o in outcomes.items() if name != case.name)
        assert len([n for n in outcomes if n != case.name]) == 20
        if case.outcome != "accepted":
            totals = {
                (r["form"], r["indicator"], r["category"]): float(r["total"])
                for r in pipeline.warehouse.district_totals(PERIOD, "063")
            }
            for key, expected in SEED_2022_H1.items():
                assert totals[key] == expected, key
        assert elapsed < 120  # bounded work whatever the file holds (a generous bound, not a benchmark)
    finally:
        pipeline.warehouse.dispose()


def test_the_catalogue_is_large_enough_and_documented():
    assert len(CASES) >= 30
    assert len({c.id for c in CASES}) == len(CASES)
    doc = (ROOT / "docs" / "RELIABILITY.md").read_text(encoding="utf-8")
    for case in CASES:
        assert re.search(rf"\|\s*`{case.id}`\s*\|", doc), f"docs/RELIABILITY.md does not list {case.id}"


def test_a_path_outside_the_inbox_is_refused(pipeline, data_dir):
    from giamngheo.inbox import InboxFile

    secret = data_dir / "secret.csv"
    secret.write_text("xa\n")
    forged = InboxFile(
        data_dir / "inbox" / PERIOD / "health" / ".." / ".." / ".." / "secret.csv", PERIOD, "health", "secret.csv", 0, 4
    )
    with pytest.raises(PermissionError, match="outside the inbox"):
        pipeline.ingest([forged])
    link = data_dir / "inbox" / PERIOD / "health" / "link.csv"
    link.symlink_to(secret)
    assert "link.csv" not in {f.name for f in pipeline.deployment.discover(PERIOD)}
    with pytest.raises(PermissionError):
        pipeline.ingest([InboxFile(link, PERIOD, "health", "link.csv", 0, 4)])
