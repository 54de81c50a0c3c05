"""Charts embedded in the report, drawn with matplotlib from warehouse values."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from .figures import ReportValues
from .reference import OrgUnit


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.family": "DejaVu Sans", "font.size": 9, "svg.hashsalt": "giamngheo"})
    return plt


def _short(unit: OrgUnit) -> str:
    return f"TT {unit.printed}" if unit.kind == "thi_tran" else unit.printed


def _save(fig, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=150, metadata={"Software": None})
    return path


def jobs_against_plan(values: ReportValues, communes: list[OrgUnit], path: Path) -> Path | None:
    """New jobs (at home and abroad) against each commune's plan."""
    plan = values.by_unit("commune", "chi_tieu_viec_lam_moi")
    if not plan:
        return None
    home = values.by_unit("commune", "viec_lam_moi_trong_nuoc")
    abroad = values.by_unit("commune", "lao_dong_nuoc_ngoai")
    units = sorted((u for u in communes if u.code in plan), key=lambda u: u.listing_key)
    names = [_short(u) for u in units]
    done = [float(home.get(u.code, Decimal(0)) + abroad.get(u.code, Decimal(0))) for u in units]
    target = [float(plan[u.code]) for u in units]
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7.5, 3.4))
    xs = range(len(units))
    ax.bar([x - 0.2 for x in xs], target, width=0.4, label="Kế hoạch", color="#c8c8c8")
    ax.bar([x + 0.2 for x in xs], done, width=0.4, label="Đã giải quyết", color="#1f5f99")
    ax.set_xticks(list(xs), names, rotation=45, ha="right")
    ax.set_ylabel("Lao động")
    ax.set_title("Giải quyết việc làm mới so với kế hoạch, theo xã")
    ax.legend(frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    path = _save(fig, path)
    plt.close(fig)
    return path


def poor_household_share(values: ReportValues, communes: list[OrgUnit], path: Path) -> Path | None:
    """Share of poor households at the start of the year, by commune (%)."""
    total = values.by_unit("commune", "tong_so_ho")
    poor = values.by_unit("commune", "ho_ngheo_dau_nam")
    units = sorted((u for u in communes if total.get(u.code)), key=lambda u: float(poor.get(u.code, 0) / total[u.code]))
    if not units:
        return None
    shares = [float(poor.get(u.code, Decimal(0)) * 100 / total[u.code]) for u in units]
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7.5, 3.8))
    bars = ax.barh([_short(u) for u in units], shares, color="#b5533c")
    for bar, share in zip(bars, shares, strict=True):
        ax.text(
            bar.get_width() + 0.3,
            bar.get_y() + bar.get_height() / 2,
            f"{share:.1f}".replace(".", ","),
            va="center",
            fontsize=8,
        )
    ax.set_xlabel("% hộ nghèo đầu năm trên tổng số hộ")
    ax.set_title("Tỷ lệ hộ nghèo đầu năm, theo xã")
    ax.spines[["top", "right"]].set_visible(False)
    path = _save(fig, path)
    plt.close(fig)
    return path


TREND_LABELS = {
    "jobs": "Việc làm mới",
    "cards": "Thẻ BHYT",
    "visits": "Lượt khám",
    "cost_poor": "Chi phí khám hộ nghèo",
    "poor_loans": "Lượt hộ nghèo vay",
    "electricity": "Hộ được hỗ trợ tiền điện",
}


def key_figures_over_time(history: dict[str, dict[str, Decimal]], path: Path) -> Path | None:
    """The main figures over the periods the warehouse holds, each as an index (its first period = 100);
    drawn only with at least two periods."""
    periods = sorted(history)
    if len(periods) < 2:
        return None
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7.5, 3.4))
    for key, label in TREND_LABELS.items():
        series = [history[p].get(key) for p in periods]
        base = next((v for v in series if v), None)
        if base is None:
            continue
        ax.plot(
            periods, [float(v * 100 / base) if v is not None else float("nan") for v in series], marker="o", label=label
        )
    ax.axhline(100, color="#999999", linewidth=0.8)
    ax.set_ylabel("Chỉ số (kỳ đầu = 100)")
    ax.set_title("Các chỉ tiêu chính qua các kỳ báo cáo")
    ax.legend(frameon=False, fontsize=7, ncol=2)
    ax.spines[["top", "right"]].set_visible(False)
    path = _save(fig, path)
    plt.close(fig)
    return path
