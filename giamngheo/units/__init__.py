"""Dated administrative units: the official lists, the 2025 transitions, names resolved by period.

- :mod:`.model`: a unit (code *and* dates), an edge between units, their CSV files;
- :mod:`.tree`: which units a period is read through, and what became of those that ended;
- :mod:`.names`: a commune's name or code in a file, resolved against its period's units;
- :mod:`.senders`: who sends each form, dated;
- :mod:`.official`: the import of a province from the ``vietnamadminunits`` dataset.
"""

from .model import KIND_LABEL, OrgUnit, Transition, read_transitions, read_units
from .names import UnitNameError, UnitResolver, is_total_label, labelled, loose_key, split_kind, strip_diacritics
from .senders import Sender, read_senders, senders_of
from .tree import UnitTree

__all__ = [
    "KIND_LABEL",
    "OrgUnit",
    "Sender",
    "Transition",
    "UnitNameError",
    "UnitResolver",
    "UnitTree",
    "is_total_label",
    "labelled",
    "loose_key",
    "read_senders",
    "read_transitions",
    "read_units",
    "senders_of",
    "split_kind",
    "strip_diacritics",
]
