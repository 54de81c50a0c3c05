"""The inbox: which files wait in ``inbox/<period>/<form>/``, and their archived copies.

A file is named by its place (district, period, form, name) and its content (SHA-256). Every
received file is copied, content-addressed, under ``<data dir>/archive/`` before it is read, so
that the warehouse and any past report can be rebuilt after the inbox is cleaned.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .forms import Form
from .periods import Period

SUFFIXES = (".xlsx", ".xls", ".csv")
# spreadsheet formats a clerk may send by mistake: rejected with advice, never silently ignored
REFUSED_SUFFIXES = (".xlsm", ".xlsb", ".ods", ".numbers")


@dataclass(frozen=True)
class InboxFile:
    """One file found in ``inbox/<period>/<form>/`` (``inbox/<district>/<period>/<form>/`` when keyed)."""

    path: Path
    period: str
    form: str
    name: str
    arrival: float  # modification time in the inbox (epoch seconds)
    size: int
    district: str = ""
    keyed: bool = False  # the inbox holds several districts, one folder each
    uploaded_by: str = ""  # the user who sent it from the desk (its receipt); '' for a file dropped in the inbox

    @property
    def label(self) -> str:
        """How the file is named to people: ``2022-H1/health/ttyt.xlsx`` (``063/2022-H1/…`` when keyed)."""
        label = f"{self.period}/{self.form}/{self.name}"
        return f"{self.district}/{label}" if self.keyed else label

    def to_dict(self) -> dict:
        return {
            "path": str(self.path),
            "period": self.period,
            "form": self.form,
            "name": self.name,
            "arrival": self.arrival,
            "size": self.size,
            "unit": self.district,
            "keyed": self.keyed,
            "label": self.label,
            "uploaded_by": self.uploaded_by,
        }

    def refreshed(self) -> InboxFile:
        """The same path as it is now (a re-sent file has a new time and size)."""
        stat = self.path.stat()
        return InboxFile(
            self.path,
            self.period,
            self.form,
            self.name,
            stat.st_mtime,
            stat.st_size,
            self.district,
            self.keyed,
            self.uploaded_by,
        )

    @classmethod
    def from_dict(cls, data: dict) -> InboxFile:
        return cls(
            Path(data["path"]),
            data["period"],
            data["form"],
            data["name"],
            float(data["arrival"]),
            int(data["size"]),
            data.get("unit", ""),
            bool(data.get("keyed")),
            data.get("uploaded_by", ""),
        )


def is_submission_name(name: str) -> bool:
    """Excel lock files (``~$…``) and hidden files are not submissions."""
    return not name.startswith(("~$", ".")) and name.lower().endswith(SUFFIXES + REFUSED_SUFFIXES)


def discover(
    inbox_dir: Path,
    period: Period,
    forms: dict[str, Form],
    settle_seconds: float = 0,
    now: float | None = None,
    waiting: list[str] | None = None,
    district: str = "",
    keyed: bool = False,
) -> list[InboxFile]:
    """The period's submission files, oldest arrival first (then by name).

    A file modified less than ``settle_seconds`` ago may still be being written: it is left
    for a later run (its label goes to ``waiting``). ``inbox_dir`` is one district's inbox."""
    import time

    now = time.time() if now is None else now
    name = str(period)  # the folder's name, and how InboxFile and XCom carry it
    root = Path(inbox_dir) / name
    found: list[InboxFile] = []
    for form in sorted(forms):
        folder = root / form
        if not folder.is_dir():
            continue
        for path in folder.iterdir():
            if not path.is_file() or path.is_symlink() or not is_submission_name(path.name):
                continue
            stat = path.stat()
            receipt = receipt_of(path, stat.st_size)
            # a future time (clock skew) is not "being written"; a delivered file (its receipt) is whole
            if receipt is None and 0 <= now - stat.st_mtime < settle_seconds:
                if waiting is not None:
                    waiting.append(f"{district}/{name}/{form}/{path.name}" if keyed else f"{name}/{form}/{path.name}")
                continue
            uploader = receipt["user"] if receipt else ""
            found.append(InboxFile(path, name, form, path.name, stat.st_mtime, stat.st_size, district, keyed, uploader))
    return sorted(found, key=lambda f: (f.arrival, f.name, f.form))


def stray_entries(inbox_dir: Path, period: Period, forms: dict[str, Form]) -> list[str]:
    """Folders of the period's inbox that name no form, and files lying outside any form folder
    (a misspelt ``helth/`` must not swallow a unit's file without a word)."""
    root = Path(inbox_dir) / str(period)
    if not root.is_dir():
        return []
    stray = []
    for child in sorted(root.iterdir()):
        if child.name.startswith((".", "~$")) or child.name in forms:
            continue
        if child.name == "narrative" and child.is_dir():  # the communes' own narratives (narrative/<code>.yaml)
            continue
        if child.is_dir() or child.name.lower().endswith(SUFFIXES):
            stray.append(f"{root.name}/{child.name}")
    return stray


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def archive_copy(path: Path, archive_dir: Path) -> tuple[str, Path]:
    """Copy ``path`` into the content-addressed archive, hashing it on the way; return its SHA-256
    and the archived copy (``<archive>/<aa>/<sha256><suffix>``). The file is read once; an existing
    copy of the same content is kept as it is. The copy is written to a temporary name and renamed,
    so a crash never leaves a partial file under a content name."""
    archive_dir.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    fd, tmp_name = tempfile.mkstemp(dir=archive_dir, prefix=".incoming-")
    try:
        with open(path, "rb") as src, os.fdopen(fd, "wb") as out:
            for chunk in iter(lambda: src.read(1 << 20), b""):
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        sha = digest.hexdigest()
        target = archive_dir / sha[:2] / f"{sha}{Path(path).suffix.lower()}"
        if target.exists():
            os.unlink(tmp_name)
        else:
            target.parent.mkdir(exist_ok=True)
            os.replace(tmp_name, target)
        return sha, target
    except BaseException:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
        raise


RECEIPTS = ".desk"  # beside a form folder's files: the receipt of each file the desk delivered


def deliver(folder: Path, name: str, content: bytes, receipt: dict) -> Path:
    """Put a file received from the desk into an inbox folder whole: written under a temporary name, its
    receipt (who sent it, when, its SHA-256 and size; a digest the receipt carries is kept) written next
    to it, then renamed into place, so that nobody ever reads half of it. ``name`` is the desk's own
    (never the sender's)."""
    if Path(name).name != name or not is_submission_name(name):
        raise ValueError(f"not a file name the desk makes: {name!r}")
    folder.mkdir(parents=True, exist_ok=True)
    receipts = folder / RECEIPTS
    receipts.mkdir(exist_ok=True)
    target = folder / name
    if target.exists():
        raise FileExistsError(target)
    record = {"sha256": receipt.get("sha256") or hashlib.sha256(content).hexdigest(), **receipt, "size": len(content)}
    _write_atomically(receipts / f"{name}.json", json.dumps(record, ensure_ascii=False).encode("utf-8"))
    _write_atomically(target, content)
    return target


def receipt_of(path: Path, size: int | None = None) -> dict | None:
    """The desk's receipt of an inbox file, if it has one that still matches it (same size and SHA-256:
    a file replaced by hand since is a dropped file, and settles as one)."""
    receipt_path = path.parent / RECEIPTS / f"{path.name}.json"
    try:
        receipt = json.loads(receipt_path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    if size is None:
        size = path.stat().st_size
    if receipt.get("size") != size or receipt.get("sha256") != sha256_of(path):
        return None
    return receipt


def _write_atomically(path: Path, content: bytes) -> None:
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
        raise
