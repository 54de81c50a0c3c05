"""The LocalExecutor whose workers preload the tasks' libraries (plugins/giamngheo_executor.py)."""

import multiprocessing
import subprocess
import sys

from tests.conftest import BIN, ROOT, airflow_env


def test_warm_imports_loads_what_it_can_and_names_what_it_cannot():
    sys.path.insert(0, str(ROOT / "plugins"))
    try:
        from giamngheo_executor import WARM_MODULES, warm_imports
    finally:
        sys.path.remove(str(ROOT / "plugins"))
    assert "great_expectations" in WARM_MODULES and "docxtpl" in WARM_MODULES
    assert warm_imports(["json", "giamngheo.no_such_module"]) == ["giamngheo.no_such_module"]


def test_airflow_loads_it_by_name_and_its_workers_start_warm(tmp_path):
    """Airflow imports the executor named in its configuration (the plugins folder is on its path); the
    worker processes it starts import the libraries before taking tasks, and stop on the poison pill."""
    script = """
import multiprocessing, sys
from airflow.executors.executor_loader import ExecutorLoader
cls, _ = ExecutorLoader.import_default_executor_cls()
print(cls.__name__, cls.is_local)
executor = cls(parallelism=1)
executor.start()
assert len(executor.workers) == 1
executor.end()  # the poison pill: end() returns once its workers have stopped
print("ended")
"""
    env = airflow_env(
        tmp_path,
        tmp_path / "data",
        extra={
            "AIRFLOW__CORE__EXECUTOR": "giamngheo_executor.WarmLocalExecutor",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
        },
    )
    done = subprocess.run(
        [str(BIN / "python"), "-c", script], env=env, capture_output=True, text=True, timeout=300, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "WarmLocalExecutor True" in done.stdout and "ended" in done.stdout
    assert "preloaded 9 module(s)" in done.stdout + done.stderr
    assert multiprocessing.get_start_method() == "fork"  # what lets a task inherit its worker's imports


def test_airflow_does_not_load_the_executor_or_the_celery_configuration_as_plugins():
    """Both are imported by name (the plugins folder is on sys.path), not as plugins: as a plugin the
    Celery configuration would import Celery into every Airflow process (plugins/.airflowignore)."""
    from airflow._shared.module_loading import find_path_from_directory

    loaded = {p.rsplit("/", 1)[-1] for p in find_path_from_directory(str(ROOT / "plugins"), ".airflowignore", "glob")}
    assert {"inbox_watch.py", "submissions_view.py", "giamngheo_approval.py"} <= loaded
    assert not {"giamngheo_celery.py", "giamngheo_executor.py"} & loaded
