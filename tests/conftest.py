from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from giamngheo.config import get_settings
from giamngheo.forms import registry
from giamngheo.periods import Period
from giamngheo.reference import UnitResolver, categories, org_units, unit_tree

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_INBOX = ROOT / "include" / "sample" / "inbox"
PERIOD = "2022-H1"
BIN = Path(sys.executable).parent

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")


def settings_for(data_dir: Path, warehouse_url: str | None = None, **extra: str):
    # files the tests write are complete at once: no settle time, unless a test asks for one
    env = {
        "GIAMNGHEO_DATA_DIR": str(data_dir),
        "GIAMNGHEO_PROJECT_DIR": str(ROOT),
        "GIAMNGHEO_SETTLE_SECONDS": "0",
        **extra,
    }
    if warehouse_url:
        env["GIAMNGHEO_WAREHOUSE_URL"] = warehouse_url
    return get_settings(env)


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    return ROOT / "include" / "reference"


@pytest.fixture(scope="session")
def forms(reference_dir):
    return registry(reference_dir)


@pytest.fixture(scope="session")
def units(reference_dir):
    return list(org_units(reference_dir))


@pytest.fixture(scope="session")
def cats(reference_dir):
    return list(categories(reference_dir))


@pytest.fixture(scope="session")
def resolver(reference_dir):
    return UnitResolver.for_unit(unit_tree(reference_dir), "063", Period.parse(PERIOD))


@pytest.fixture(scope="session")
def validator(forms, tmp_path_factory):
    from giamngheo.validation import Validator

    return Validator(ROOT / "expectations", forms, tmp_path_factory.mktemp("docs"))


@pytest.fixture
def data_dir(tmp_path) -> Path:
    """A data directory holding a copy of the sample inbox (modification times kept)."""
    data = tmp_path / "data"
    shutil.copytree(SAMPLE_INBOX, data / "inbox")
    return data


def postgres_admin_url() -> str | None:
    """The admin URL of the test PostgreSQL server (`make test` starts one); in CI it must exist."""
    url = os.environ.get("GIAMNGHEO_TEST_PG_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail(
                "GIAMNGHEO_TEST_PG_URL is not set: CI must run the PostgreSQL tests (make test starts a server)"
            )
        pytest.skip("no PostgreSQL test server (run `make test`, which starts one)")
    return url


@pytest.fixture
def postgres_url():
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    import uuid

    from sqlalchemy import create_engine, text

    admin_url = postgres_admin_url()
    name = f"giamngheo_t_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'create database "{name}"'))
    yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as conn:
        conn.execute(text(f'drop database if exists "{name}" with (force)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def warehouse_url(request, data_dir):
    if request.param == "sqlite":
        return f"sqlite:///{data_dir / 'warehouse.sqlite'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def pipeline(data_dir, validator, warehouse_url):
    from giamngheo.ingest import Ingestor

    pipe = Ingestor.from_settings(settings_for(data_dir, warehouse_url))
    pipe._validator = validator  # one GX context for the whole session
    pipe.initialise()
    yield pipe
    pipe.warehouse.dispose()


@pytest.fixture(scope="session")
def airflow_home(tmp_path_factory) -> Path:
    """A throw-away Airflow home with a migrated SQLite metadata DB."""
    home = tmp_path_factory.mktemp("airflow_home")
    env = airflow_env(home, home / "unused-data")
    subprocess.run([str(BIN / "airflow"), "db", "migrate"], env=env, check=True, capture_output=True, timeout=300)
    return home


def airflow_env(
    home: Path, data_dir: Path, warehouse_url: str | None = None, extra: dict[str, str] | None = None
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "GIAMNGHEO"))}
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "GX_ANALYTICS_ENABLED": "False",
            "GIAMNGHEO_DATA_DIR": str(data_dir),
            "GIAMNGHEO_SETTLE_SECONDS": "0",
            "PATH": f"{BIN}:{os.environ.get('PATH', '')}",
        }
    )
    if warehouse_url:
        env["GIAMNGHEO_WAREHOUSE_URL"] = warehouse_url
    env.update(extra or {})
    return env


def make_airflow_env(home: Path, data_dir: Path) -> dict[str, str]:
    """The environment of `make airflow` in the end-to-end tests: the venv off PATH (the Makefile must
    find its tools itself, as on a user's machine), a brisk scheduler, a short settle time."""
    env = airflow_env(home, data_dir)
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if p != str(BIN))
    env.update(
        {
            "AIRFLOW__CORE__PARALLELISM": "4",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            "GIAMNGHEO_SETTLE_SECONDS": "2",  # a re-sent file is waited for until it has settled
            # the simple auth manager: the tests' users come from AIRFLOW_USERS with generated passwords
            # (the guide's walk, tests/test_ui_walk.py, logs in through FAB, `make airflow`'s default)
            "AIRFLOW_AUTH": "simple",
        }
    )
    return env


def run_dag_test(
    home: Path,
    data_dir: Path,
    dag_id: str,
    conf: str,
    warehouse_url: str | None = None,
    extra_env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "airflow"), "dags", "test", dag_id, "--conf", conf],
        env=airflow_env(home, data_dir, warehouse_url, extra_env),
        capture_output=True,
        text=True,
        timeout=900,
    )


def log_in(page, server, user: str = "admin") -> None:
    """Airflow's login page (the simple auth manager's, or FAB's), filled in as a person does."""
    page.goto(f"{server.base}/")
    page.wait_for_selector("input[name=username]", timeout=60_000)
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", server.password_of(user))
    page.click("button[type=submit], input[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url, timeout=60_000)


@pytest.fixture(scope="module")
def browser():
    """Headless Debian Chromium driven by Playwright (no browser download); CI must have it."""
    chromium = shutil.which("chromium")
    if chromium is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: CI must run the browser test (make system-deps installs it)")
        pytest.skip("chromium is not installed (make system-deps installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=chromium,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
            ],
        )
        try:
            yield launched
        finally:
            launched.close()
