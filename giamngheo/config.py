"""Settings from the environment, read in one place.

| variable                    | meaning                                   | default                         |
|-----------------------------|-------------------------------------------|---------------------------------|
| ``GIAMNGHEO_DATA_DIR``      | data directory (``inbox/``, ``reports/``) | ``<project>/.data/demo``        |
| ``GIAMNGHEO_WAREHOUSE_URL`` | SQLAlchemy URL of the warehouse           | SQLite file in the data dir     |
| ``GIAMNGHEO_UNIT``          | reporting unit(s): an official code, a comma list, or ``all`` | ``063`` (Bạch Thông) |
| ``GIAMNGHEO_DISTRICT``      | the old name of ``GIAMNGHEO_UNIT`` (deprecated, read when it is unset) | |
| ``GIAMNGHEO_REFERENCE_DIR`` | org units, categories and forms           | ``include/reference``           |
| ``GIAMNGHEO_PROJECT_DIR``   | where ``include/`` and ``expectations/`` are | the checkout holding this package |
| ``GIAMNGHEO_MAX_FILE_MB``   | largest file accepted from the inbox      | ``20``                          |
| ``GIAMNGHEO_REPORT_SETTINGS`` | document settings of the report (YAML)  | ``include/report/settings.yaml`` |
| ``GIAMNGHEO_SETTLE_SECONDS`` | a file younger than this is still being written | ``10``                 |
| ``GIAMNGHEO_MAX_TASKS``     | most mapped task instances per DAG run (work is batched beyond) | ``32`` |
| ``GIAMNGHEO_MIN_FILES_PER_TASK`` | once files are batched, the fewest a task takes | ``500`` |
| ``GIAMNGHEO_APPROVERS``     | Airflow users who may approve, send back, reopen (none: nobody may) | empty |
| ``GIAMNGHEO_REVIEWERS``     | Airflow users who may verify a data-quality warning (none: nobody may) | empty |
| ``GIAMNGHEO_FOUR_EYES``     | who verified a period's warnings may not approve it (``false``: may) | ``true`` |
| ``GIAMNGHEO_APPROVAL_REMIND_DAYS`` | days an approval waits before a reminder | ``3`` |
| ``GIAMNGHEO_APPROVAL_REMINDERS`` | reminders before the approval task fails and notifies | ``3`` |
| ``GIAMNGHEO_COMMUNE_REPORTS`` | a province of the new tree also drafts each commune's own report | ``true`` |
| ``GIAMNGHEO_UPLOADS_PER_HOUR`` | most files one user may upload from the desk in an hour | ``30`` |

A reporting unit is any unit whose communes report: a district of the old tree (up to 2025-H1),
a province of the new one, or a commune reporting on itself. Each period is read through the units
valid on its first day, so ``GIAMNGHEO_UNIT=063,19`` runs huyện Bạch Thông's periods up to 2025-H1
and tỉnh Thái Nguyên's (its 92 communes) from 2025-H2.

One unit (the default) keeps the flat inbox ``inbox/<period>/<form>/`` and ``reports/<period>/``. A
deployment that runs several names them in ``GIAMNGHEO_UNIT``; every unit then has its own folders,
keyed by its code: ``inbox/<unit>/<period>/<form>/``, ``reports/<unit>/<period>/``.
:meth:`Settings.for_district` gives one unit's view of the settings (the code still calls a
reporting unit a "district" inside; the warehouse calls it ``unit``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
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
    district_spec: str = ""  # GIAMNGHEO_UNIT as given
    max_tasks: int = 32
    min_files_per_task: int = 500  # once batched: a task's work should outweigh its start (batches.py)
    reference_path: Path | None = None
    mail_units: bool = False  # mail each rejection to the unit that sent the file (org_units.csv emails)
    approvers: tuple[str, ...] = ()  # Airflow user names who may approve, send back, reopen (GIAMNGHEO_APPROVERS)
    reviewers: tuple[str, ...] = ()  # Airflow user names who may verify a data-quality warning (GIAMNGHEO_REVIEWERS)
    four_eyes: bool = True  # whoever verified a period's warnings may not approve it (GIAMNGHEO_FOUR_EYES)
    uploads_per_hour: int = 30  # most desk uploads of one user in an hour (GIAMNGHEO_UPLOADS_PER_HOUR)
    approval_remind_days: float = 3.0  # a waiting approval is reminded after this many days
    approval_reminders: int = 3  # reminders before the approval task fails (and notifies)
    commune_reports: bool = True  # a two-tier province drafts its communes' own reports (GIAMNGHEO_COMMUNE_REPORTS)
    commune_of: str = ""  # a commune's own report: the deployment unit whose inbox holds its files

    @property
    def keyed(self) -> bool:
        """Several districts: folders are keyed by district code."""
        spec = self.district_spec or self.district_code
        return "," in spec or spec.strip().lower() == "all"

    def _district_dir(self, name: str) -> Path:
        """A folder of the unit's; a commune's own report shares its deployment unit's folders."""
        unit = self.commune_of or self.district_code
        return self.data_dir / name / unit if self.keyed else self.data_dir / name

    @property
    def inbox_unit(self) -> str:
        """The unit whose inbox and ledger hold this unit's files: itself, or for a commune's own
        report, the deployment unit (the province) its files are sent to."""
        return self.commune_of or self.district_code

    @property
    def inbox_root(self) -> Path:
        return self.data_dir / "inbox"

    @property
    def inbox_dir(self) -> Path:
        """This district's inbox."""
        return self._district_dir("inbox")

    @property
    def archive_dir(self) -> Path:
        """Content-addressed copies of every received file (all districts share it)."""
        return self.data_dir / "archive"

    @property
    def reports_dir(self) -> Path:
        """``reports/`` (``reports/<unit>/`` when keyed); a commune's own report under ``xa/<code>/`` of it."""
        if self.commune_of:
            return self._district_dir("reports") / "xa" / self.district_code
        return self._district_dir("reports")

    @property
    def validation_dir(self) -> Path:
        """Where GX Data Docs of rejected files are kept."""
        return self._district_dir("validation")

    @property
    def feedback_dir(self) -> Path:
        """Marked-up copies of rejected files, for the units (``<feedback>/<period>/<form>/``)."""
        return self._district_dir("feedback")

    @property
    def templates_dir(self) -> Path:
        """Blank templates of the forms, for the units (``<templates>/<period>/``)."""
        return self._district_dir("templates")

    def for_district(self, code: str, commune_of: str = "") -> Settings:
        """One unit's view; ``commune_of``: a commune's own report, its files in that unit's inbox."""
        return replace(self, district_code=code, commune_of=commune_of if commune_of != code else "")

    def unit_codes(self, tree) -> list[str]:
        """The deployment's reporting units (``all``: every district and province with communes in the
        reference data, of any date)."""
        spec = (self.district_spec or self.district_code).strip()
        if spec.lower() == "all":
            return tree.reporting_codes
        codes = list(dict.fromkeys(c.strip() for c in spec.split(",") if c.strip()))
        unknown = [c for c in codes if not tree.reports_ever(c)]
        if unknown:
            raise ValueError(
                f"GIAMNGHEO_UNIT: không có xã, phường nào thuộc {', '.join(unknown)} trong danh mục đơn vị / "
                f"no communes under {', '.join(unknown)} in the reference data (giamngheo units import --province …)"
            )
        return codes

    @property
    def template_path(self) -> Path:
        return self.project_dir / "include" / "templates" / "bao_cao_giam_ngheo.docx"

    @property
    def sql_dir(self) -> Path:
        return self.project_dir / "include" / "sql"

    @property
    def reference_dir(self) -> Path:
        return self.reference_path or self.project_dir / "include" / "reference"

    @property
    def expectations_dir(self) -> Path:
        return self.project_dir / "expectations"


def get_settings(environ: dict[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    unit_spec = unit_setting(env)
    project_dir = Path(env.get("GIAMNGHEO_PROJECT_DIR") or _PACKAGE_PARENT).resolve()
    data_dir = Path(env.get("GIAMNGHEO_DATA_DIR") or project_dir / ".data" / "demo").resolve()
    warehouse_url = env.get("GIAMNGHEO_WAREHOUSE_URL") or f"sqlite:///{data_dir / 'warehouse.sqlite'}"
    return Settings(
        project_dir=project_dir,
        data_dir=data_dir,
        warehouse_url=warehouse_url,
        district_code=first_district(unit_spec),
        district_spec=unit_spec,
        reference_path=Path(env["GIAMNGHEO_REFERENCE_DIR"]).resolve() if env.get("GIAMNGHEO_REFERENCE_DIR") else None,
        max_file_bytes=int(float(env.get("GIAMNGHEO_MAX_FILE_MB") or 20) * 1024 * 1024),
        report_settings_path=Path(
            env.get("GIAMNGHEO_REPORT_SETTINGS") or project_dir / "include" / "report" / "settings.yaml"
        ).resolve(),
        settle_seconds=float(env.get("GIAMNGHEO_SETTLE_SECONDS") or 10),
        max_tasks=int(env.get("GIAMNGHEO_MAX_TASKS") or 32),
        min_files_per_task=max(1, int(env.get("GIAMNGHEO_MIN_FILES_PER_TASK") or 500)),
        mail_units=(env.get("GIAMNGHEO_MAIL_UNITS") or "").strip().lower() in ("1", "true", "yes", "on"),
        approvers=approvers_from(env.get("GIAMNGHEO_APPROVERS") or ""),
        reviewers=approvers_from(env.get("GIAMNGHEO_REVIEWERS") or ""),
        four_eyes=(env.get("GIAMNGHEO_FOUR_EYES") or "true").strip().lower() not in ("0", "false", "no", "off"),
        approval_remind_days=float(env.get("GIAMNGHEO_APPROVAL_REMIND_DAYS") or 3),
        approval_reminders=int(env.get("GIAMNGHEO_APPROVAL_REMINDERS") or 3),
        commune_reports=(env.get("GIAMNGHEO_COMMUNE_REPORTS") or "true").strip().lower()
        not in ("0", "false", "no", "off"),
        uploads_per_hour=int(env.get("GIAMNGHEO_UPLOADS_PER_HOUR") or 30),
    )


DEFAULT_UNIT = "063"  # huyện Bạch Thông, tỉnh Bắc Kạn (to 30/6/2025): the bundled sample's
LEGACY_CODES = {"061": "063"}  # made-up codes of earlier releases -> official (GIAMNGHEO_DISTRICT only)


def unit_setting(env) -> str:
    """``GIAMNGHEO_UNIT``; the deprecated ``GIAMNGHEO_DISTRICT`` when it is unset (with a warning)."""
    if env.get("GIAMNGHEO_UNIT"):
        return env["GIAMNGHEO_UNIT"]
    if env.get("GIAMNGHEO_DISTRICT"):
        import warnings

        spec = env["GIAMNGHEO_DISTRICT"]
        # earlier releases shipped huyện Bạch Thông as the made-up "061", which is huyện Ba Bể's official
        # code: a deployment still setting it means Bạch Thông (its warehouse is upgraded to 063)
        codes = [LEGACY_CODES.get(c.strip(), c.strip()) for c in spec.split(",")]
        warnings.warn(
            "GIAMNGHEO_DISTRICT is deprecated: use GIAMNGHEO_UNIT with the official codes"
            + (f" (read as {','.join(codes)})" if ",".join(codes) != spec else "")
            + "; it will be removed in 0.3",
            FutureWarning,
            stacklevel=3,
        )
        return ",".join(codes)
    return DEFAULT_UNIT


def approvers_from(spec: str) -> tuple[str, ...]:
    """``"pho_chu_tich, chu_tich"`` -> the user names, in order, without repeats."""
    return tuple(dict.fromkeys(name.strip() for name in spec.split(",") if name.strip()))


def first_district(spec: str) -> str:
    """The district a settings object starts on (``all`` is resolved against the reference data later)."""
    first = spec.split(",")[0].strip()
    return "" if first.lower() == "all" else first


def worker_hostname() -> str:
    """Airflow's ``hostname_callable`` for the local cluster's workers: ``GIAMNGHEO_WORKER_NAME`` (two
    workers on one machine tell their task instances apart), else the machine's name."""
    import socket

    return os.environ.get("GIAMNGHEO_WORKER_NAME") or socket.getfqdn()
