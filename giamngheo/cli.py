"""Command line: ``giamngheo init | ingest | totals | ledger | outstanding | templates | finals | suites | units |
access``.

The DAGs are the way to run the ingestor; these commands serve the Makefile,
tests and a data team poking at the warehouse.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .config import get_settings
from .numbers import format_number

UNIT_WORDS = {"count": "", "vnd": "đồng", "million_vnd": "triệu đồng", "percent": "%", "kg": "kg"}


def _ingestor():
    from .ingest import Ingestor

    ingestor = Ingestor.from_settings(get_settings())
    ingestor.initialise()
    return ingestor


def _period(text: str):
    """The period, parsed once at the edge (argparse reports a bad one with its message)."""
    from .periods import Period, PeriodError

    try:
        return Period.parse(text)
    except PeriodError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def cmd_init(_args) -> int:
    ingestor = _ingestor()
    print(f"warehouse ready: {ingestor.warehouse.url}")
    return 0


def cmd_ingest(args) -> int:
    ingestor = _ingestor()
    todo, _known = ingestor.needing_ingestion(ingestor.deployment.discover(args.period))
    outcomes = ingestor.ingest(todo)  # with the data-quality checks of what it loaded
    ingestor.warehouse.analyse()
    for outcome in outcomes:
        print(f"{outcome.status:9} {outcome.file}")
        if outcome.message and outcome.status == "rejected":
            print(outcome.message)
    return 1 if any(o.status == "rejected" for o in outcomes) else 0


def _figure(value, places: int) -> str:
    text = format_number(value, places)
    return text.rstrip("0").rstrip(",") if places else text


def cmd_totals(args) -> int:
    ingestor = _ingestor()
    rows = ingestor.warehouse.district_totals(args.period, args.unit or ingestor.deployment.settings.district_code)
    if args.json:
        numeric = ("total", "min_value", "max_value")
        print(
            json.dumps(
                [{k: float(v) if k in numeric else v for k, v in r.items()} for r in rows], ensure_ascii=False, indent=1
            )
        )
        return 0
    labels = {(c.dimension, c.code): c.label for c in ingestor.deployment.categories}
    code = args.unit or ingestor.deployment.settings.district_code
    unit = ingestor.deployment.reference.unit(code, args.period)
    where = unit.full_name if unit else code
    print(f"Tổng hợp {where} ({code}), kỳ {args.period} / totals of {code} for {args.period}")
    form = None
    for row in rows:
        if row["form"] != form:
            form = row["form"]
            print(f"\n[{form}] {ingestor.deployment.forms[form].label}")
        column = ingestor.deployment.forms[form].column(row["indicator"])
        places = 3 if column.type == "million_vnd" else (2 if column.type == "percent" else 0)
        category = ""
        if row["category"]:
            dim = ingestor.deployment.forms[form].category_column.dimension
            category = f" — {labels.get((dim, row['category']), row['category'])}"
        value = _figure(row["total"], places)
        if column.type == "percent":  # a ratio per commune: its range says more than a sum
            value = f"{_figure(row['min_value'], places)}–{_figure(row['max_value'], places)}"
        print(
            f"  {row['label']}{category}: {value} {UNIT_WORDS.get(row['unit_type'], '')}".rstrip()
            + f"  ({row['units']} xã)"
        )
    if not rows:
        print("  (không có số liệu / no data)")
        return 1
    return 0


def cmd_ledger(args) -> int:
    ingestor = _ingestor()
    for row in ingestor.warehouse.ledger(args.period, args.unit or ingestor.deployment.settings.district_code):
        print(
            f"{row['status']:9} v{row['version']} {row['form']:10} {row['file_name']}  "
            f"rows={row['row_count']} current={row['current_facts']}/{row['facts']}"
        )
    return 0


def cmd_outstanding(args) -> int:
    """List the period's rejections no later accepted file has answered; exit 1 while there are any."""
    from .ingest import outstanding_in

    ingestor = _ingestor()
    found = outstanding_in(ingestor, [args.period], [args.unit] if args.unit else None)
    for entry in found:
        print(f"Tệp bị từ chối chưa được thay / rejection outstanding: {entry['label']} — {entry['communes']}")
    if not found:
        print(f"Không có tệp bị từ chối nào còn tồn đọng / no rejection outstanding for {args.period}")
    return 1 if found else 0


def cmd_templates(args) -> int:
    """Write the blank templates of a period (once; --force writes them again)."""
    ingestor = _ingestor()
    written = ingestor.write_blank_forms(args.period, [args.unit] if args.unit else None, args.force)
    for template in written:
        print(f"wrote {template.path}")
    if not written:
        print(f"the templates of {args.period} are written already (--force writes them again)")
    return 0


def cmd_finals(args) -> int:
    """List a period's approved finals; ``--rerender N`` renders final N again from the warehouse into
    ``--out`` and says whether its text equals the approved one (exit 1 if not)."""
    import tempfile
    from pathlib import Path

    from .approval import Approvals, document_text

    settings = get_settings()
    district = args.unit or settings.district_code
    approvals = Approvals(settings)
    try:
        finals = approvals.finals(district, args.period)
        for final in finals:
            print(
                f"v{final['version']}  {final['so_van_ban']}  ngày ký / signed {final['ngay_ky']}  "
                f"{final['approved_by']} {final['approved_at'][:19]}Z  {final['folder']}"
            )
        state = approvals.lock_state(district, args.period)
        print(f"{args.period}: {'khóa / locked' if state['locked'] else 'mở / open'}, {len(finals)} bản / final(s)")
        if args.rerender is None:
            return 0
        chosen = [f for f in finals if f["version"] == args.rerender]
        if not chosen:
            print(f"không có bản v{args.rerender} / no final v{args.rerender}")
            return 2
        out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="giamngheo-final-"))
        again = approvals.rerender(district, args.period, args.rerender, out)
        approved = next(Path(chosen[0]["folder"]).glob("*.docx"))
        same = document_text(again) == document_text(approved)
        print(f"{again}: {'giống bản đã duyệt / same text as approved' if same else 'KHÁC / DIFFERS from'} {approved}")
        return 0 if same else 1
    finally:
        approvals.warehouse.dispose()


def cmd_suites(_args) -> int:
    from .forms import registry
    from .reference import categories
    from .validation import write_suites

    settings = get_settings()
    ref = settings.reference_dir
    for path in write_suites(registry(ref), list(categories(ref)), settings.expectations_dir):
        print(f"wrote {path}")
    from .quality import load_rules, write_suite

    print(f"wrote {write_suite(load_rules(ref, registry(ref)), settings.expectations_dir)}")
    return 0


class _DeprecatedDistrict(argparse.Action):
    """``--district``: the old name of ``--unit`` (kept for a release, with a notice)."""

    def __call__(self, parser, namespace, values, option_string=None):
        print("--district is deprecated: use --unit (the same codes)", file=sys.stderr)
        namespace.unit = values


def _unit_argument(parser, default: str) -> None:
    parser.add_argument("--unit", help=f"reporting unit's official code (default: {default})")
    parser.add_argument("--district", action=_DeprecatedDistrict, dest="unit", help=argparse.SUPPRESS)


def cmd_units_import(args) -> int:
    from pathlib import Path

    from .units.official import write_reference

    target = Path(args.reference_dir) if args.reference_dir else get_settings().reference_dir
    done = write_reference(target, args.province)
    print(
        f"{target}: {done['units']} đơn vị, {done['transitions']} chuyển đổi / units, transitions "
        f"of province(s) {', '.join(done['provinces'])} (see units_source.txt)"
    )
    return 0


def cmd_units_show(args) -> int:
    from .reference import unit_tree

    settings = get_settings()
    tree = unit_tree(settings.reference_dir)
    code = args.unit or settings.district_code
    top = tree.unit(code, args.period)
    if top is None:
        print(f"{code}: không có trong kỳ {args.period} / not a unit in {args.period}", file=sys.stderr)
        return 1
    communes = tree.communes_of(code, args.period)
    print(f"{top.full_name} ({top.code}), {args.period}: {len(communes)} xã, phường / communes ({top.legal_ref})")
    for unit in communes:
        came = ", ".join(
            f"{p.full_name} ({p.code}{', một phần' if e.share == 'part' else ''})" for p, e in tree.predecessors(unit)
        )
        print(f"  {unit.code}  {unit.full_name}" + (f"  ← {came}" if came else ""))
    return 0


def cmd_access_grant(args) -> int:
    from datetime import date

    from .access import ROLES, AccessError, unit_to_grant
    from .reference import unit_tree

    if args.role not in ROLES:
        print(f"vai trò không có: {args.role} / no such role (one of {', '.join(ROLES)})", file=sys.stderr)
        return 2
    settings = get_settings()
    try:
        unit = unit_to_grant(unit_tree(settings.reference_dir), args.unit, args.on or date.today())
    except AccessError as err:
        print(err, file=sys.stderr)
        return 1
    if args.password_file:  # the FAB auth manager's user, created when missing
        from .access.airflow_users import ensure_airflow_user

        try:
            print(f"{args.user}: {ensure_airflow_user(args.user, args.role, args.password_file)}")
        except AccessError as err:
            print(err, file=sys.stderr)
            return 1
    ingestor = _ingestor()
    added = ingestor.warehouse.add_grant(args.user, unit.code, unit.key[1], args.role, args.by)
    vi, en = ROLES[args.role]
    state = "đã cấp / granted" if added else "đã có từ trước / already granted"
    print(f"{args.user}: {vi} / {en} — {unit.full_name} ({unit.code}): {state}")
    return 0


def cmd_access_user(args) -> int:
    from .access import ROLES, AccessError
    from .access.airflow_users import ensure_airflow_user

    if args.role not in ROLES:
        print(f"vai trò không có: {args.role} / no such role (one of {', '.join(ROLES)})", file=sys.stderr)
        return 2
    try:
        print(f"{args.user}: {ensure_airflow_user(args.user, args.role, args.password_file)}")
    except AccessError as err:
        print(err, file=sys.stderr)
        return 1
    return 0


def cmd_access_revoke(args) -> int:
    ingestor = _ingestor()
    removed = ingestor.warehouse.remove_grant(args.user, args.unit, args.role, args.by)
    print(f"{args.user}: {removed} quyền đã thu hồi / grant(s) revoked on {args.unit}")
    return 0 if removed else 1


def cmd_access_list(args) -> int:
    from .reference import unit_tree

    tree = unit_tree(get_settings().reference_dir)
    rows = _ingestor().warehouse.grants(args.user)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return 0
    for row in rows:
        unit = tree.by_key((row["unit_code"], row["unit_valid_from"]))
        name = unit.full_name if unit else "?"
        ended = f" (không còn từ {unit.ended_label})" if unit and unit.valid_to else ""
        print(f"{row['user_name']:<20} {row['role']:<10} {row['unit_code']:<6} {name}{ended}  ({row['granted_by']})")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="giamngheo", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("init", help="create the warehouse schema and load reference data").set_defaults(func=cmd_init)
    p = sub.add_parser("ingest", help="ingest a period's inbox without Airflow")
    p.add_argument("--period", required=True, type=_period, help="YYYY-H1 or YYYY-H2")
    p.set_defaults(func=cmd_ingest)
    p = sub.add_parser("totals", help="print a reporting unit's totals per indicator")
    p.add_argument("--period", required=True, type=_period, help="YYYY-H1 or YYYY-H2")
    p.add_argument("--json", action="store_true")
    _unit_argument(p, "the deployment's first")
    p.set_defaults(func=cmd_totals)
    p = sub.add_parser("ledger", help="print the submissions ledger of a period")
    p.add_argument("--period", required=True, type=_period, help="YYYY-H1 or YYYY-H2")
    _unit_argument(p, "the deployment's first")
    p.set_defaults(func=cmd_ledger)
    p = sub.add_parser("outstanding", help="list rejections not yet answered by a later accepted file (exit 1 if any)")
    p.add_argument("--period", required=True, type=_period, help="YYYY-H1 or YYYY-H2")
    _unit_argument(p, "every unit of the deployment")
    p.set_defaults(func=cmd_outstanding)
    p = sub.add_parser("templates", help="write the blank templates of the forms for a period")
    p.add_argument("--period", required=True, type=_period, help="YYYY-H1 or YYYY-H2")
    _unit_argument(p, "every unit of the deployment")
    p.add_argument("--force", action="store_true", help="write them again")
    p.set_defaults(func=cmd_templates)
    p = sub.add_parser("finals", help="list a period's approved finals; --rerender N renders one again and compares")
    p.add_argument("--period", required=True, type=_period, help="YYYY-H1 or YYYY-H2")
    _unit_argument(p, "the deployment's first")
    p.add_argument("--rerender", type=int, metavar="N", help="render final vN again from the warehouse")
    p.add_argument("--out", help="where to write it (default: a new temporary folder)")
    p.set_defaults(func=cmd_finals)
    sub.add_parser("suites", help="regenerate expectations/*.json from the form registry").set_defaults(func=cmd_suites)
    units = sub.add_parser("units", help="the dated administrative units of the reference data")
    units_sub = units.add_subparsers(dest="units_command", required=True)
    p = units_sub.add_parser("import", help="write a province's old and new units and transitions (vietnamadminunits)")
    p.add_argument("--province", action="append", required=True, help="today's province code, e.g. 19 (repeatable)")
    p.add_argument("--reference-dir", help="where to write (default: GIAMNGHEO_REFERENCE_DIR or include/reference)")
    p.set_defaults(func=cmd_units_import)
    p = units_sub.add_parser("show", help="a unit's communes in a period, with what each came from")
    p.add_argument("--period", required=True, type=_period, help="YYYY-H1 or YYYY-H2")
    _unit_argument(p, "the deployment's first")
    p.set_defaults(func=cmd_units_show)
    access = sub.add_parser("access", help="who may see and do what: grants of roles on units")
    access_sub = access.add_subparsers(dest="access_command", required=True)
    p = access_sub.add_parser("grant", help="grant USER a role on a unit (a province's covers its communes)")
    p.add_argument("user")
    p.add_argument("--unit", required=True, help="the unit's official code, e.g. 01969")
    p.add_argument("--role", required=True, help="bao_cao | ra_soat | phe_duyet | quan_tri")
    p.add_argument("--on", type=_day, help="the day the unit is valid (default: today), for a past unit's grant")
    p.add_argument("--by", default=_whoami(), help="who grants it (the audit trail; default: this login)")
    p.add_argument(
        "--password-file",
        type=Path,
        help="create the Airflow user when missing (FAB auth manager), with the password on this file's first line",
    )
    p.set_defaults(func=cmd_access_grant)
    p = access_sub.add_parser("user", help="create the Airflow user (FAB auth manager) of a role, without a grant")
    p.add_argument("user")
    p.add_argument("--role", required=True, help="bao_cao | ra_soat | phe_duyet | quan_tri (Airflow's Admin)")
    p.add_argument("--password-file", type=Path, required=True, help="the password on this file's first line")
    p.set_defaults(func=cmd_access_user)
    p = access_sub.add_parser("revoke", help="withdraw USER's grants on a unit (of --role, or all)")
    p.add_argument("user")
    p.add_argument("--unit", required=True)
    p.add_argument("--role")
    p.add_argument("--by", default=_whoami())
    p.set_defaults(func=cmd_access_revoke)
    p = access_sub.add_parser("list", help="the grants, or one user's")
    p.add_argument("--user")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_access_list)
    args = parser.parse_args(argv)
    return args.func(args)


def _day(text: str):
    from datetime import date

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text}: ngày dạng YYYY-MM-DD / a date as YYYY-MM-DD") from None


def _whoami() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "giamngheo"


if __name__ == "__main__":
    sys.exit(main())
