"""The production compose file: Docker cannot run here, so it is parsed and checked."""

import re
import subprocess

import yaml

from bench.standalone import shared_airflow_settings
from tests.conftest import ROOT

COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())  # YAML merge keys (<<) resolved
SERVICES = COMPOSE["services"]
SHARED = shared_airflow_settings(ROOT)  # what docker-compose.yml and scripts/cluster.sh (make cluster) share
AIRFLOW = {"airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer", "airflow-worker"}


def test_all_components_are_there():
    assert set(SERVICES) == {"postgres", "redis", "airflow-init"} | AIRFLOW
    commands = {name: SERVICES[name]["command"] for name in AIRFLOW}
    assert commands == {
        "airflow-apiserver": "api-server",
        "airflow-scheduler": "scheduler",
        "airflow-dag-processor": "dag-processor",
        "airflow-triggerer": "triggerer",
        "airflow-worker": "celery worker",
    }
    assert "airflow db migrate" in SERVICES["airflow-init"]["command"][1]
    assert "giamngheo init" in SERVICES["airflow-init"]["command"][1]


def test_airflow_services_share_one_configuration_built_from_this_project():
    for name in AIRFLOW | {"airflow-init"}:
        service = SERVICES[name]
        assert service["build"] == "." and service["image"].startswith("${GIAMNGHEO_IMAGE")
        env = {**SHARED, **service["environment"]}
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
        assert env["AIRFLOW__CORE__AUTH_MANAGER"] == "giamngheo_auth.FabAuthManagerByName"  # a login is required
        assert env["GIAMNGHEO_WAREHOUSE_URL"].startswith("postgresql+psycopg://")
        assert env["GIAMNGHEO_DATA_DIR"] == "/data"
        assert service["env_file"] == ["deploy/airflow.env", ".env"]  # the cluster's settings first
        assert any(v.endswith(":/data") for v in service["volumes"]), name
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "-c constraints.txt" in dockerfile and "COPY dags" in dockerfile and "COPY plugins" in dockerfile


def test_the_cluster_script_runs_what_the_compose_file_runs_with_the_same_shared_settings():
    """`make cluster` is the compose file's deployment on this machine: the same components, two workers,
    the settings of deploy/airflow.env (each keeps its own addresses and secrets)."""
    script = (ROOT / "scripts" / "cluster.sh").read_text()
    for command in ("api-server", "scheduler", "dag-processor", "triggerer", "celery worker"):
        assert f'"$BIN/airflow" {command}' in script, command
    assert "WORKERS=(worker-1 worker-2)" in script and '. "$ROOT/deploy/airflow.env"' in script
    assert SHARED["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    for name in AIRFLOW:
        assert not set(SHARED) & set(SERVICES[name]["environment"]), name  # said once, in deploy/airflow.env
    env = subprocess.run([ROOT / "scripts" / "cluster.sh", "env"], capture_output=True, text=True, check=True).stdout
    assert "AIRFLOW__CORE__EXECUTOR=CeleryExecutor" in env.splitlines()
    assert "AIRFLOW__API__HOST=127.0.0.1" in env.splitlines()  # loopback only


def test_every_long_running_service_has_a_healthcheck_and_waits_for_its_dependencies():
    for name, service in SERVICES.items():
        if name == "airflow-init":
            assert service["restart"] == "no"
            continue
        assert service["healthcheck"]["test"], name
    for name in AIRFLOW:
        depends = SERVICES[name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy"
        assert depends["redis"]["condition"] == "service_healthy"
        assert depends["airflow-init"]["condition"] == "service_completed_successfully"
    assert SERVICES["airflow-worker"]["depends_on"]["airflow-apiserver"]["condition"] == "service_healthy"


def test_volumes_for_inbox_reports_and_databases():
    assert set(COMPOSE["volumes"]) == {"postgres-db", "airflow-logs"}
    assert "postgres-db:/var/lib/postgresql/data" in SERVICES["postgres"]["volumes"]
    assert any("create-warehouse-db.sql" in v for v in SERVICES["postgres"]["volumes"])
    assert (ROOT / "deploy" / "create-warehouse-db.sql").read_text().strip().endswith("owner airflow;")


def test_no_secret_is_written_in_the_repository():
    text = (ROOT / "docker-compose.yml").read_text()
    # every password and URL credential is a ${VARIABLE} taken from .env
    for match in re.finditer(r"(?m)^\s*-?\s*([A-Z_]*(?:PASSWORD|SECRET|FERNET)[A-Z_]*):\s*(.+)$", text):
        assert "${" in match.group(2), match.group(0)
    for url in re.findall(r"[a-z+0-9]+://[^\s\"']+", text):
        credentials = re.match(r"[a-z+0-9]+://([^@/]*)@", url)
        password = credentials.group(1).partition(":")[2] if credentials else ""
        assert not password or password.startswith("${"), url  # a password is only ever a ${VARIABLE}
    example = (ROOT / "deploy" / "env.example").read_text()
    assert "POSTGRES_PASSWORD=change-me" in example and "AIRFLOW__CORE__FERNET_KEY=\n" in example
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    assert ".env" not in tracked
    assert ".env" in (ROOT / ".gitignore").read_text().split()


def test_the_deployments_auth_manager_is_fabs_with_approvers_matched_by_name():
    import importlib.util

    from airflow.providers.fab.auth_manager.fab_auth_manager import FabAuthManager

    spec = importlib.util.spec_from_file_location("giamngheo_auth", ROOT / "plugins" / "giamngheo_auth.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert issubclass(module.FabAuthManagerByName, FabAuthManager)
