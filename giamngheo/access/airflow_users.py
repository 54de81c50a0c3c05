"""The Airflow user behind a grant, under Airflow's FAB auth manager (real users and roles).

``giamngheo access grant USER … --password-file F`` creates the user when Airflow has none of that name,
through Airflow's own command line (``airflow users``, ``airflow roles``: the package does not import
Airflow), with the FAB role that fits the grant:

- ``bao_cao`` and ``ra_soat``: ``GiamNgheo``, a role with no permission at all: the user logs in and
  works on the giamngheo pages (the desk, the Submissions page), which check the grants themselves; no
  DAG, run, log or connection of Airflow's is theirs to see;
- ``phe_duyet``: ``User`` (an approver answers the approval task in Airflow's Required Actions);
- ``quan_tri``: ``Admin`` (the data team).

The password is read from the file (its first line) and handed to Airflow on its standard input, never
on a command line that ``ps`` shows.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from . import AccessError

NO_PERMISSIONS_ROLE = "GiamNgheo"
FAB_ROLES = {"bao_cao": NO_PERMISSIONS_ROLE, "ra_soat": NO_PERMISSIONS_ROLE, "phe_duyet": "User", "quan_tri": "Admin"}


def _airflow() -> str:
    beside = Path(sys.executable).parent / "airflow"
    return str(beside) if beside.exists() else (shutil.which("airflow") or "airflow")


def _run(args: list[str], stdin: str | None = None) -> str:
    done = subprocess.run([_airflow(), *args], input=stdin, capture_output=True, text=True)
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise AccessError(
            f"airflow {' '.join(args[:2])} thất bại (Airflow có dùng FAB auth manager không?) / failed (is Airflow "
            f"running the FAB auth manager?): {' '.join(tail)}"
        )
    return done.stdout


def _listed(args: list[str]) -> list[dict]:
    out = _run([*args, "--output", "json"])
    for line in reversed(out.splitlines()):  # the listing's line, after whatever Airflow logged
        if line.startswith("["):
            try:
                return json.loads(line)
            except ValueError:
                continue
    return []


def ensure_airflow_user(user: str, role: str, password_file: Path) -> str:
    """Create Airflow user ``user`` with the FAB role of ``role`` unless it exists; what was done."""
    if any(u.get("username") == user for u in _listed(["users", "list"])):
        return "đã có tài khoản Airflow / the Airflow user exists"
    try:
        lines = Path(password_file).read_text(encoding="utf-8").splitlines()
    except OSError as err:
        raise AccessError(f"không đọc được tệp mật khẩu / cannot read the password file: {err}") from None
    password = lines[0].strip() if lines else ""
    if len(password) < 8:
        raise AccessError("mật khẩu cần ít nhất 8 ký tự / the password needs at least 8 characters")
    fab_role = FAB_ROLES[role]
    if fab_role == NO_PERMISSIONS_ROLE and not any(r.get("name") == fab_role for r in _listed(["roles", "list"])):
        _run(["roles", "create", fab_role])
    _run(
        ["users", "create", "--username", user, "--role", fab_role, "--firstname", user, "--lastname", role]
        + ["--email", f"{user}@giamngheo.invalid"],
        stdin=f"{password}\n{password}\n",
    )
    return f"đã tạo tài khoản Airflow, vai trò {fab_role} / Airflow user created, role {fab_role}"
