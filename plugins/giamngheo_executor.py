"""A LocalExecutor whose worker processes import the pipeline's heavy libraries once, as they start.

Airflow's LocalExecutor keeps ``parallelism`` worker processes; each task runs in a process forked from
one of them, and a forked process starts with every module its parent had imported. An ingestion task
spends about 3 s importing pandas and Great Expectations before it reads a file, a report task about
1.5 s importing docxtpl and matplotlib: here each worker pays that once, when it starts, and every task
it runs afterwards starts with them loaded.

Used by ``make airflow`` (``airflow standalone``) and the benchmark:
``AIRFLOW__CORE__EXECUTOR=giamngheo_executor.WarmLocalExecutor`` (this folder is Airflow's plugins
folder, which Airflow puts on ``sys.path``; ``plugins/.airflowignore`` keeps Airflow from also loading
it as a plugin). Nothing changes for the tasks: if an import fails here, the
worker logs it and the task imports the library itself, as with the plain LocalExecutor.
"""

from __future__ import annotations

import importlib
import logging
import multiprocessing
import os
import time

from airflow.executors import local_executor
from airflow.executors.local_executor import LocalExecutor

log = logging.getLogger(__name__)

# what the ingestion and report tasks import (the package's own modules pull in the rest)
WARM_MODULES = (
    "pandas",
    "great_expectations",
    "great_expectations.expectations.registry",
    "giamngheo.ingest",
    "giamngheo.validation",
    "giamngheo.quality",
    "giamngheo.report",
    "docxtpl",
    "matplotlib.pyplot",
)


def warm_imports(modules=WARM_MODULES) -> list[str]:
    """Import ``modules``; the ones that could not be imported are logged and returned."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("MPLBACKEND", "Agg")
    logging.getLogger("great_expectations").setLevel(logging.WARNING)  # ~200 INFO lines while importing
    started, failed = time.perf_counter(), []
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception:
            log.exception("could not preload %s; tasks will import it themselves", name)
            failed.append(name)
    log.info("worker %d preloaded %d module(s) in %.1f s", os.getpid(), len(modules), time.perf_counter() - started)
    return failed


def _warm_worker(**kwargs) -> None:
    import gc

    warm_imports()
    # the preloaded objects to the permanent generation: a forked task's garbage collector does not walk
    # (and so copy) the millions of objects the imports made
    gc.freeze()
    local_executor._run_worker(**kwargs)


class WarmLocalExecutor(LocalExecutor):
    """LocalExecutor with :func:`warm_imports` run in each worker process before it takes tasks."""

    def _spawn_worker(self):
        process = multiprocessing.Process(
            target=_warm_worker,
            kwargs={
                "logger_name": self.log.name,
                "input": self.activity_queue,
                "output": self.result_queue,
                "unread_messages": self._unread_messages,
                "team_conf": self.conf,
            },
        )
        process.start()
        assert process.pid is not None  # started
        self.workers[process.pid] = process
