"""DAG integrity, in the manner of Astronomer's project template."""

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, airflow_env

DAG_FILES = sorted((ROOT / "dags").glob("*.py"))
HEAVY = ("pandas", "great_expectations", "docxtpl", "sqlalchemy", "matplotlib", "openpyxl", "python_calamine")


DAGBAG_PROBE = r"""
import json, sys
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(dag_folder=sys.argv[1])
dags = {}
for dag_id, dag in bag.dags.items():
    dags[dag_id] = {
        "doc_md": dag.doc_md or "", "tags": sorted(dag.tags or []), "catchup": dag.catchup,
        "default_args": {k: str(v) for k, v in (dag.default_args or {}).items()},
        "notifies": any(type(c).__name__ == "FailureNotifier"
                        for c in (dag.default_args or {}).get("on_failure_callback") or []),
        "timezone": str(dag.timezone.name), "has_params": bool(dag.params),
        "tasks": {t.task_id: {"map_index_template": getattr(t, "map_index_template", None), "retries": t.retries,
                              "trigger_rule": getattr(t.trigger_rule, "value", t.trigger_rule)} for t in dag.tasks},
    }
print(json.dumps({"import_errors": {str(k): str(v) for k, v in bag.import_errors.items()}, "dags": dags}))
"""


@pytest.fixture(scope="module")
def dagbag(airflow_home, tmp_path_factory):
    import json

    result = subprocess.run(
        [sys.executable, "-c", DAGBAG_PROBE, str(ROOT / "dags")],
        env=airflow_env(airflow_home, tmp_path_factory.mktemp("data")),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_no_import_errors(dagbag):
    assert dagbag["import_errors"] == {}
    assert set(dagbag["dags"]) == {"ingest_submissions", "draft_report", "approve_report", "reopen_period"}


def test_every_dag_has_docs_tags_owner_retries_and_a_period_param(dagbag):
    for dag_id, dag in dagbag["dags"].items():
        assert len(dag["doc_md"]) > 200, dag_id
        assert "giamngheo" in dag["tags"], dag_id
        assert dag["catchup"] is False, dag_id
        assert int(dag["default_args"].get("retries", 0)) >= 1, dag_id
        assert dag["default_args"].get("retry_exponential_backoff") == "True", dag_id
        assert dag["default_args"].get("owner") not in (None, "airflow"), dag_id
        assert dag["timezone"] == "Asia/Ho_Chi_Minh", dag_id
        assert dag["has_params"] or dag_id == "approve_report", dag_id  # it asks people, not the trigger form
        assert dag["notifies"], dag_id  # failures reach the data team


def test_the_approval_asks_with_airflows_human_in_the_loop_operator_and_reminds(dagbag):
    tasks = dagbag["dags"]["approve_report"]["tasks"]
    assert set(tasks) == {"waiting_requests", "approve", "record_answer"}
    assert tasks["approve"]["map_index_template"] and tasks["record_answer"]["map_index_template"]
    assert tasks["approve"]["retries"] >= 1  # each retry after an unanswered wait is a reminder
    assert dagbag["dags"]["reopen_period"]["tasks"]["reopen"]["retries"] == 0


def test_ingestion_tasks_are_named_by_file_or_batch(dagbag):
    tasks = dagbag["dags"]["ingest_submissions"]["tasks"]
    # rendered from the batch before the task runs (a rejected file ends it without the post-execute render)
    assert (
        tasks["ingest_files"]["map_index_template"] == "{{ batch_label | default(task.op_kwargs['batch']['label']) }}"
    )
    assert tasks["ingest_files"]["retries"] >= 1 and tasks["summarize"]["retries"] == 0
    assert tasks["announce_loads"]["trigger_rule"] == "all_done"  # loads are announced even when a file fails


PROBE = r"""
import importlib.util, json, sys, time
events = []
def hook(event, args):
    if event in ("socket.connect", "sqlite3.connect", "socket.getaddrinfo"):
        events.append(event)
t0 = time.perf_counter()
import airflow.sdk  # the cost of Airflow itself, paid by every DAG file alike
t1 = time.perf_counter()
before = set(sys.modules)
sys.addaudithook(hook)
spec = importlib.util.spec_from_file_location("probe_dag", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
t2 = time.perf_counter()
print(json.dumps({"airflow": t1 - t0, "dag": t2 - t1, "events": events,
                  "new_modules": sorted(m.split(".")[0] for m in set(sys.modules) - before)}))
"""


@pytest.mark.parametrize("dag_file", DAG_FILES, ids=lambda p: p.name)
def test_parsing_is_cheap_and_opens_no_connection(dag_file, airflow_home, tmp_path):
    import json

    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(dag_file)],
        env=airflow_env(airflow_home, tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["events"] == [], "a DAG file opened a connection while parsing"
    assert not set(probe["new_modules"]) & set(HEAVY), probe["new_modules"]
    # the bound: under half a second on top of importing Airflow (measured, not a benchmark)
    assert probe["dag"] < 0.5, probe


def test_dag_files_import_only_the_task_sdk():
    for dag_file in DAG_FILES:
        text = Path(dag_file).read_text()
        assert "from airflow.sdk import" in text
        assert "from airflow.models" not in text and "from airflow.decorators" not in text
