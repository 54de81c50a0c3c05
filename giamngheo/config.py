"""Settings from the environment, read in one place.

| variable                    | meaning                                   | default                         |
|-----------------------------|-------------------------------------------|---------------------------------|
| ``GIAMNGHEO_DATA_DIR``      | data directory (``inbox/``, ``reports/``) | ``<project>/.data/demo``        |
| ``GIAMNGHEO_WAREHOUSE_URL`` | SQLAlchemy URL of the warehouse           | SQLite file in the data dir     |
| ``GIAMNGHEO_DISTRICT``      | code of the district this deployment runs | ``061`` (Bạch Thông)            |
| ``GIAMNGHEO_PROJECT_DIR``   | where ``include/`` and ``expectations/`` are | the checkout holding this package |
| ``GIAMNGHEO_MAX_FILE_MB``   | largest file accepted from the inbox      | ``20``                          |
| ``GIAMNGHEO_REPORT_SETTINGS`` | document settings of the report (YAML)  | ``include/report/settings.yaml`` |
| ``GIAMNGHEO_SETTLE_SECONDS`` | a file younger than this is still being written | ``10``                 |
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

_PACKAGE_PARENT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    project_dir: Path
    data_dir: Path
    warehouse_url: str
    district_code: str
    max_file_bytes: int
    report_settings_path: Path
    settle_seconds: float = 10.0

    @property
    def inbox_dir(self) -> Path:
        return self.data_dir / "inbox"

    @property
    def reports_dir(self) -> Path:
        return self.data_dir / "reports"

    @property
    def validation_dir(self) -> Path:
        """Where GX Data Docs of rejected files are kept."""
        return self.data_dir / "validation"

    @property
    def template_path(self) -> Path:
        return self.project_dir / "include" / "templates" / "bao_cao_giam_ngheo.docx"

    @property
    def sql_dir(self) -> Path:
        return self.project_dir / "include" / "sql"

    @property
    def reference_dir(self) -> Path:
        return self.project_dir / "include" / "reference"

    @property
    def expectations_dir(self) -> Path:
        return self.project_dir / "expectations"


def get_settings(environ: dict[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    project_dir = Path(env.get("GIAMNGHEO_PROJECT_DIR") or _PACKAGE_PARENT).resolve()
    data_dir = Path(env.get("GIAMNGHEO_DATA_DIR") or project_dir / ".data" / "demo").resolve()
    warehouse_url = env.get("GIAMNGHEO_WAREHOUSE_URL") or f"sqlite:///{data_dir / 'warehouse.sqlite'}"
    return Settings(
        project_dir=project_dir,
        data_dir=data_dir,
        warehouse_url=warehouse_url,
        district_code=env.get("GIAMNGHEO_DISTRICT") or "061",
        max_file_bytes=int(float(env.get("GIAMNGHEO_MAX_FILE_MB") or 20) * 1024 * 1024),
        report_settings_path=Path(env.get("GIAMNGHEO_REPORT_SETTINGS")
                                  or project_dir / "include" / "report" / "settings.yaml").resolve(),
        settle_seconds=float(env.get("GIAMNGHEO_SETTLE_SECONDS") or 10),
    )
