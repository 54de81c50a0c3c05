"""The staff-written sections of the report, one YAML file per period.

``<inbox>/<period>/narrative.yaml`` holds the qualitative sections (leadership,
activities, assessment, tasks, proposals); figures never appear there. A
section the file leaves out falls back to the most recent earlier period that
has it, and the report flags it for review.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .periods import Period

# section key -> (kind, title in the report used when flagging it)
SECTIONS: dict[str, tuple[str, str]] = {
    "leadership": ("list", "I.1 Công tác lãnh đạo, chỉ đạo"),
    "plan_document": ("text", "I.1 Kế hoạch giảm nghèo năm"),
    "plan_directions": ("text", "I.1 Chỉ đạo các xã, thị trấn"),
    "employment_activities": ("list", "I.2.1 Hỗ trợ sản xuất, dạy nghề, tạo việc làm"),
    "education_intro": ("text", "I.2.1 Chính sách hỗ trợ về giáo dục"),
    "housing_activities": ("text", "I.2.1 Hỗ trợ về nhà ở"),
    "housing_basis": ("text", "I.2.1 Căn cứ hỗ trợ nhà ở"),
    "water_activities": ("list", "I.2.1 Nước sinh hoạt và vệ sinh môi trường"),
    "health_activities": ("list", "I.2.1 Chính sách hỗ trợ về y tế"),
    "information_intro": ("text", "I.2.1 Văn hoá thông tin"),
    "information_activities": ("list", "I.2.1 Văn hoá thông tin (hoạt động)"),
    "legal_aid": ("list", "I.2.1 Hỗ trợ pháp lý"),
    "production_activities": ("list", "I.2.2 Phát triển sản xuất, mô hình sinh kế"),
    "labour_export_activities": ("list", "I.2.2 Lao động đi làm việc ở nước ngoài"),
    "national_programme_intro": ("text", "I.3 Chương trình MTQG giảm nghèo bền vững"),
    "project1_status": ("list", "I.3.1 Dự án 1"),
    "project6_activities": ("list", "I.3.3 Dự án 6"),
    "project7": ("text", "I.3.4 Dự án 7"),
    "inspection": ("text", "I.4 Công tác kiểm tra, giám sát"),
    "strengths": ("text", "II.a Ưu điểm"),
    "weaknesses": ("list", "II.b Tồn tại, hạn chế"),
    "causes_objective": ("list", "II.c Nguyên nhân khách quan"),
    "causes_subjective": ("list", "II.c Nguyên nhân chủ quan"),
    "tasks": ("list", "III Nhiệm vụ, giải pháp"),
    "proposals": ("list", "IV Đề xuất, kiến nghị"),
}
LOOKBACK = 4  # half-years searched for a missing section


class NarrativeError(ValueError):
    pass


@dataclass
class Narrative:
    texts: dict[str, object] = field(default_factory=dict)
    borrowed: dict[str, str] = field(default_factory=dict)  # section -> period it came from
    missing: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)

    def flags(self) -> list[dict]:
        out = [
            {
                "section": SECTIONS[k][1],
                "vi": f"dùng lại nội dung kỳ {p}, cần cập nhật",
                "en": f"text of {p} reused, to be updated",
            }
            for k, p in self.borrowed.items()
        ]
        out += [{"section": SECTIONS[k][1], "vi": "chưa có nội dung", "en": "no text yet"} for k in self.missing]
        return out


def _read(path: Path) -> dict:
    if not path.is_file():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as err:
        raise NarrativeError(f"{path}: tệp nội dung không đúng cú pháp YAML / invalid YAML: {err}") from None
    if not isinstance(data, dict):
        raise NarrativeError(f"{path}: phải là danh sách mục: nội dung / must map section names to text")
    return data


def _clean(key: str, value: object, path: Path) -> object:
    kind = SECTIONS[key][0]
    if kind == "text":
        if isinstance(value, list):
            value = " ".join(str(v) for v in value)
        return " ".join(str(value).split())
    items = value if isinstance(value, list) else [value]
    return [" ".join(str(v).split()) for v in items if v is not None and str(v).strip()]


def load_narrative(inbox_dir: Path, period: Period, name: str = "narrative.yaml") -> Narrative:
    """The period's narrative (``<inbox>/<period>/<name>``), each section borrowed from an earlier
    period's file when the period's lacks it."""
    narrative = Narrative()
    chain = [period]
    for _ in range(LOOKBACK):
        chain.append(chain[-1].previous)
    files = {p: Path(inbox_dir) / str(p) / name for p in chain}
    contents = {p: _read(path) for p, path in files.items()}
    narrative.unknown = sorted(set(contents[period]) - set(SECTIONS))
    for key in SECTIONS:
        for p in chain:
            value = contents[p].get(key)
            if value not in (None, "", []):
                narrative.texts[key] = _clean(key, value, files[p])
                if p != period:
                    narrative.borrowed[key] = str(p)
                break
        else:
            narrative.texts[key] = "" if SECTIONS[key][0] == "text" else []
            narrative.missing.append(key)
    return narrative
