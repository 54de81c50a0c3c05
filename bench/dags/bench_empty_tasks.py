"""
### Benchmark floor: empty mapped tasks

What a task instance costs before it does anything (worker process, Task SDK start,
API calls, the scheduler's bookkeeping). `make bench` runs it beside the real DAGs;
it is not part of the product's DAGs folder.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import dag, get_current_context, task


@dag(
    schedule=None,
    start_date=pendulum.datetime(2022, 1, 1, tz="Asia/Ho_Chi_Minh"),
    catchup=False,
    doc_md=__doc__,
    tags=["benchmark"],
    default_args={"owner": "data-team", "retries": 1, "retry_delay": timedelta(seconds=10)},
    params={"tasks": 32},
)
def bench_empty_tasks():
    @task
    def slots() -> list[int]:
        return list(range(int(get_current_context()["params"]["tasks"])))

    @task
    def nothing(index: int) -> None:
        return None

    nothing.expand(index=slots())


bench_empty_tasks()
