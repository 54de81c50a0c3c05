"""The Celery configuration of the cluster: Airflow's own, with workers that preload the pipeline's libraries.

A Celery worker of Airflow runs each task in a process forked from one of its pool processes, which are
forked from the worker itself. Importing pandas, Great Expectations and docxtpl once in the worker, when
it starts (Celery's ``worker_init`` signal, before the pool is forked), gives every task they run those
modules already loaded, as :mod:`giamngheo_executor` does for the LocalExecutor. Without it, each
ingestion task spends about 3 s importing them.

Selected by ``AIRFLOW__CELERY__CELERY_CONFIG_OPTIONS=giamngheo_celery.CELERY_CONFIG`` in
``deploy/airflow.env`` (the compose file and ``scripts/cluster.sh`` both read it). Airflow puts its
plugins folder on ``sys.path``, so this module imports by name in the scheduler and the workers; it is
not a plugin (``plugins/.airflowignore``): loaded as one, it would import Celery (seconds, and a warning
about its broker) into every Airflow process, ``airflow standalone``'s included. If a library cannot be
imported here, the worker logs it and the tasks import it themselves.
"""

from __future__ import annotations

from airflow.providers.celery.executors.default_celery import DEFAULT_CELERY_CONFIG
from celery.signals import worker_init

CELERY_CONFIG = dict(DEFAULT_CELERY_CONFIG)


@worker_init.connect
def preload(**_kwargs) -> None:
    """In the worker's main process, before it forks its pool: the imports every task would pay."""
    import gc

    from giamngheo_executor import warm_imports

    warm_imports()
    gc.freeze()  # as Airflow's own preload does: the pool's forks share these pages instead of copying them
