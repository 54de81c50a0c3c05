"""A deployment: the reporting unit(s) one installation runs, their reference data, and their inboxes.

Everything that knows where a unit's file lies and which communes it may name, and nothing that
reads, validates or loads it (that is :class:`giamngheo.ingest.Ingestor`).
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

from .config import Settings, get_settings
from .inbox import InboxFile, discover, receipt_of, stray_entries
from .periods import Period
from .reference import ReferenceData, UnitResolver, unit_tree


class Deployment:
    """The settings, reference data and districts of one installation, and its inbox folders."""

    def __init__(self, settings: Settings | None = None):
        self.settings = settings or get_settings()
        tree = unit_tree(self.settings.reference_dir)
        if not self.settings.district_code:  # GIAMNGHEO_UNIT=all: start on the first unit
            self.settings = self.settings.for_district(self.settings.unit_codes(tree)[0])
        self.reference = ReferenceData.load(self.settings.reference_dir)
        self.forms, self.units = self.reference.forms, self.reference.units
        self.categories, self.tree = self.reference.categories, self.reference.tree
        self.districts = self.settings.unit_codes(tree)
        self._resolvers: dict[tuple[str, str], UnitResolver] = {}

    def resolver_for(self, district: str, period: Period | str) -> UnitResolver:
        """Commune names of one reporting unit in one period: a file names only its own unit's communes,
        as they were on the period's first day."""
        period = Period.parse(str(period))
        key = (district, str(period))
        if key not in self._resolvers:
            self._resolvers[key] = UnitResolver.for_unit(self.tree, district, period)
        return self._resolvers[key]

    def communes_of(self, district: str, period: Period | str):
        return self.reference.communes_of(district, Period.parse(str(period)))

    def names_in(self, period: Period | str) -> dict[str, str]:
        """Code -> name of the units valid in ``period`` (codes are reused across the reform)."""
        return self.reference.names_in(Period.parse(str(period)))

    def active(self, district: str, period: Period | str) -> bool:
        """Whether the reporting unit exists (has communes) in the period."""
        return bool(self.communes_of(district, period))

    def district_settings(self, district: str) -> Settings:
        return self.settings.for_district(district)

    def discover(
        self,
        period: Period,
        waiting: list[str] | None = None,
        districts: list[str] | None = None,
        settling: bool = False,
    ) -> list[InboxFile]:
        """The period's files in the inbox of each district (all of the deployment's by default). A file
        still being written is left out (named in ``waiting``), unless ``settling``: then it is listed,
        and its ingestion waits until it has settled (:meth:`wait_until_settled`)."""
        found: list[InboxFile] = []
        for district in districts or self.districts:
            inbox = self.district_settings(district).inbox_dir
            found += discover(
                inbox,
                period,
                self.forms,
                0 if settling else self.settings.settle_seconds,
                waiting=waiting,
                district=district,
                keyed=self.settings.keyed,
            )
        return found

    def stray(self, period: Period) -> list[str]:
        """Inbox entries of the period that are not in a form's folder (they are not ingested)."""
        return [
            f"{d}/{entry}" if self.settings.keyed else entry
            for d in self.districts
            for entry in stray_entries(self.district_settings(d).inbox_dir, period, self.forms)
        ]

    def placed(self, file: InboxFile) -> InboxFile:
        """A file found without a district (by a bare ``discover``) belongs to the deployment's district;
        a file of a district this deployment does not run is refused."""
        if file.district:
            if file.district not in self.districts:
                raise PermissionError(
                    f"{file.label}: đơn vị {file.district} không thuộc triển khai này / "
                    f"unit {file.district} is not one of this deployment's"
                )
            return file
        return replace(file, district=self.settings.district_code, keyed=self.settings.keyed)

    def check_inside_inbox(self, file: InboxFile) -> None:
        """A path that does not lie in its own inbox folder is refused (never read, never recorded)."""
        inbox = self.district_settings(file.district).inbox_dir.resolve()
        expected = inbox / file.period / file.form
        path = Path(file.path)
        if path.is_symlink() or path.resolve().parent != expected or path.name != file.name:
            raise PermissionError(f"{file.label}: đường dẫn ngoài hộp thư đến / path outside the inbox: {file.path}")

    def settles_in(self, file: InboxFile) -> float:
        """Seconds until the file has gone unmodified for the settle time (0: settled; a file modified
        "in the future", by clock skew, is not being written). A file the desk delivered whole, its receipt
        still matching it, has nothing to wait for."""
        if file.uploaded_by and receipt_of(file.path) is not None:
            return 0.0
        age = time.time() - file.path.stat().st_mtime
        return self.settings.settle_seconds - age if 0 <= age < self.settings.settle_seconds else 0.0

    def settling(self, file: InboxFile) -> bool:
        """Whether the file was modified within the settle time (it may still be being written)."""
        try:
            return self.settles_in(file) > 0
        except FileNotFoundError:
            return False

    def wait_until_settled(self, file: InboxFile) -> None:
        """A file being written (modified within the settle time) is waited for, then re-checked."""
        deadline = time.time() + 3 * self.settings.settle_seconds + 1
        while (left := self.settles_in(file)) > 0:
            if time.time() > deadline:
                raise TimeoutError(f"{file.label}: tệp vẫn đang được ghi / the file is still being written")
            time.sleep(min(1.0, left + 0.01))  # until it settles, or a second
