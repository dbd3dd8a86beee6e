"""The ``recon`` command.

Exit codes: 0 everything reconciles, 1 discrepancies found, 2 bad input or a failed step,
3 (``recon run --fail-on SEVERITY`` only) an alert of that severity or above was breached; it
takes precedence over 0 and 1, never over 2 (see docs/alerts.md).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

from recon_lib import cli_register, config
from recon_lib.errors import (
    EXIT_ALERTS,
    EXIT_BAD_INPUT,
    EXIT_DISCREPANCIES,
    EXIT_OK,
    SEVERITIES,
    ReconError,
)
from recon_lib.periods import parse_period

log = logging.getLogger("recon_lib.cli")


def _period(text: str):
    try:
        return parse_period(text)
    except ReconError as exc:  # argparse reports these as usage errors, exit 2
        raise argparse.ArgumentTypeError(str(exc)) from None


def _common(parser: argparse.ArgumentParser, *, period: bool = True) -> None:
    if period:
        parser.add_argument("--period", required=True, type=_period,
                            help="the period: a month (2026-10), an ISO week (2026-W43), a day "
                                 "(2026-10-15) or a range of days (2026-10-01..2026-10-15)")
    parser.add_argument("--data-dir", type=Path, default=config.RAW_DIR,
                        help="raw-data root; a period's files live in <data-dir>/<period>/ "
                             "(default: %(default)s)")
    parser.add_argument("--reports-dir", type=Path, default=config.REPORTS_DIR,
                        help="reports root (default: %(default)s)")
    parser.add_argument("--db", type=Path, default=config.DEFAULT_DB,
                        help="the DuckDB database file (default: %(default)s)")
    parser.add_argument("--quiet", action="store_true", help="show only warnings and errors")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="recon", description="Reconcile a merchant's period of orders, shipments and money.")
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="write a realistic demo month with an answer key")
    _common(demo)
    demo.add_argument("--orders", type=int, default=20_000, help="orders in the month")
    demo.add_argument("--seed", type=int, default=7, help="random seed (same seed, same month)")
    demo.add_argument("--force", action="store_true", help="replace an existing period folder")
    demo.add_argument("--months", type=int, default=1,
                      help="write this many consecutive months ending at --period (history for "
                           "the trends; --orders is the last month's size)")
    demo.add_argument("--daily", action="store_true",
                      help="write each month as one folder per day (data/raw/2026-10-01/ ...), "
                           "as a merchant reconciling daily receives its files")

    run = sub.add_parser("run", help="load, reconcile and write the period's reports")
    _common(run)
    run.add_argument("--no-report", action="store_true", help="skip the notebooks and HTML")
    run.add_argument("--pdf", action="store_true",
                     help="also print the executive summary to reports/<period>/summary.pdf "
                          "(needs Chromium)")
    run.add_argument("--alerts", type=Path, default=None, metavar="FILE",
                     help="alert rules (YAML, see docs/alerts.md; default: alerts.yml in the "
                          "project folder if it exists, else the built-in rules)")
    run.add_argument("--fail-on", choices=SEVERITIES, default=None,
                     help=f"exit {EXIT_ALERTS} when an alert of this severity or above is "
                          "breached (for schedulers)")
    run.add_argument("--require", nargs="+", default=[], metavar="SOURCE",
                     help="sources (canonical tables, e.g. bank_transactions settlement_lines) "
                          f"without which the run fails with exit {EXIT_BAD_INPUT} instead of "
                          "reporting their checks as not checked (added to require: in "
                          "recon.yml; see docs/coverage.md)")
    run.add_argument("--settings", type=Path, default=None, metavar="FILE",
                     help="settings file (default: recon.yml in the project folder if it exists)")
    edits = run.add_mutually_exclusive_group()
    edits.add_argument("--apply-edits", dest="edits", action="store_const", const="apply",
                       help="if reports/<period>/exceptions.xlsx holds edits not applied yet "
                            "(without this or --discard-edits the run refuses, exit "
                            f"{EXIT_BAD_INPUT}), apply them first, as `recon resolve` does")
    edits.add_argument("--discard-edits", dest="edits", action="store_const", const="discard",
                       help="if reports/<period>/exceptions.xlsx holds edits not applied yet, "
                            "do not apply them: keep the file as "
                            "exceptions_discarded_<time>.xlsx and write a new one")
    run.add_argument("--timings", action="store_true",
                     help="print the seconds each step took (load, each reconciliation, "
                          "workbooks, each page) before the coverage and alert lines")
    _profiles_dir(run)

    score = sub.add_parser("score", help="compare a run's findings with the demo's answer key")
    _common(score)
    score.add_argument("--json", action="store_true", help="print the scores as JSON")

    cli_register.add_parsers(sub, _common)

    tracer = sub.add_parser("trace", help="an id's own findings, then every record of its "
                                          "order(s) on every leg, with their findings (an id "
                                          "from any leg)")
    _common(tracer, period=False)
    tracer.add_argument("id", help="an order number, shipment, waybill (also one only on a "
                                   "courier bill), return, receipt, refund, settlement line, "
                                   "payout or bank transaction")
    tracer.add_argument("--all", action="store_true",
                        help="every line and every order (default: the first 20 of each list, "
                             "those with findings first, saying when a list is cut)")

    profiles = sub.add_parser("profiles", help="list the file layouts recon reads, or say which "
                                               "profile reads a file and why")
    which = profiles.add_subparsers(dest="profiles_command", required=True)
    listing = which.add_parser("list", help="every profile: name, table, file types, layout")
    found = which.add_parser("detect", help="which profile reads each file, and why (or the "
                                            "closest profiles and their missing headers); "
                                            "exit 0 when every file is recognised, 2 otherwise")
    found.add_argument("files", nargs="+", type=Path, metavar="FILE")
    new = which.add_parser("new", help="write a starting profile from a file's header row: the "
                                       "columns a built-in profile of the table knows, mapped; "
                                       "the rest listed for you to fill in")
    new.add_argument("file", type=Path, metavar="FILE")
    new.add_argument("--table", required=True, choices=sorted(schema_tables()),
                     help="the canonical table the file feeds (see docs/data-model.md)")
    new.add_argument("--name", default=None, help="the profile's name (default: from the file)")
    new.add_argument("--out", type=Path, default=None, metavar="FILE",
                     help="where to write it (default: profiles/<name>.yaml in the project "
                          "folder; '-' prints it)")
    for command in (listing, found, new):
        _profiles_dir(command)
        command.add_argument("--quiet", action="store_true", help=argparse.SUPPRESS)
    return parser


def schema_tables() -> list[str]:
    from recon_lib import schema

    return list(schema.TABLES)


def _profiles_dir(command: argparse.ArgumentParser) -> None:
    command.add_argument("--profiles-dir", type=Path, action="append", default=[],
                         metavar="DIR", help="a folder of your own profiles, read with the "
                                             "built-in ones and the project's profiles/ folder; "
                                             "one of the same name replaces the built-in one "
                                             "(repeatable)")


def _setup_logging(quiet: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("[recon %(asctime)s] %(message)s", "%H:%M:%S"))
    root = logging.getLogger("recon_lib")
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING if quiet else logging.INFO)
    root.propagate = False


def cmd_demo(args) -> int:
    from recon_lib.demo import write_demo

    started = time.perf_counter()
    folders = write_demo(args.period, args.data_dir, orders=args.orders, seed=args.seed,
                         force=args.force, months=args.months, daily=args.daily)
    log.info("demo written in %.1f s", time.perf_counter() - started)
    print("\n".join(str(f) for f in folders))
    return EXIT_OK


def cmd_trace(args) -> int:
    from recon_lib.trace import trace

    if not args.db.exists():
        raise ReconError(f"{args.db}: no database yet; run `recon run --period 2026-10` (or a week, day or range) first")
    limit = None if args.all else 20
    print(trace(args.id, db_path=args.db, max_orders=limit, max_rows=limit))
    return EXIT_OK


def cmd_run(args) -> int:
    from recon_lib import alerts
    from recon_lib.pipeline import run_period
    from recon_lib.settings_file import load_settings

    # a bad rules or settings file stops the run before anything
    rules = alerts.load_rules(args.alerts)
    settings = load_settings(args.settings, require=tuple(args.require))
    outcome = run_period(args.period, data_dir=args.data_dir, reports_dir=args.reports_dir,
                         db_path=args.db, render=not args.no_report, alert_rules=rules,
                         settings=settings, profiles_dirs=args.profiles_dir,
                         edits=args.edits)
    for recon, n in outcome.findings.items():
        log.info("%s: %d discrepancies", recon, n)
    if outcome.index_html is not None:
        print(outcome.index_html)
        if args.pdf:
            from recon_lib.report.pdf import summary_pdf

            print(summary_pdf(outcome.index_html))
    # the output ends with what was checked, then the alerts: what a scheduler's log shows last
    hits = alerts.breached(outcome.alerts)
    print(outcome.alerts_json)
    if args.timings:
        total = sum(outcome.timings.values()) or 1.0
        for step, seconds in outcome.timings.items():
            print(f"TIME {step:<24} {seconds:8.2f} s {seconds / total:6.1%}")
        print(f"TIME {'total':<24} {total:8.2f} s")
    for line in _coverage_lines(outcome.coverage):
        print(line)
    for alert in hits:
        print(alert.line())
    if not hits:
        print(f"no alerts: {len(outcome.alerts)} check(s), none breached")
    if args.fail_on and alerts.breached(hits, args.fail_on):
        return EXIT_ALERTS
    return outcome.exit_code


def _coverage_lines(cov) -> list[str]:
    """The run's coverage in a few lines: the summary, then each check not made and why."""
    if cov is None:
        return []
    lines = [f"COVERAGE {cov.summary()}"]
    for c in cov.not_checked:
        scope = f" ({c.scope})" if c.scope else ""
        withheld = f"; {c.withheld:,} finding(s) withheld" if c.withheld else ""
        lines.append(f"NOT CHECKED {c.check.recon}.{c.check.name}{scope}: {c.reason}{withheld}")
    for r in cov.rows:
        lines.append(f"NOT COMPARABLE {r.recon} {r.reason_code}: {r.rows:,} row(s), {r.reason}")
    return lines


def cmd_score(args) -> int:
    from recon_lib.db import Database
    from recon_lib.score import format_table, read_truth, score, truth_path

    truth = read_truth(truth_path(args.period.label, args.data_dir))
    if not args.db.exists():
        raise ReconError(f"{args.db}: no database yet; run `recon run --period {args.period}` "
                         "first")
    with Database(args.db, read_only=True) as db:
        scores = score(db, args.period.label, truth)
    if args.json:
        print(json.dumps([s.to_dict() for s in scores], indent=2))
    else:
        print(format_table(scores))
    perfect = all(s.precision == 1.0 and s.recall == 1.0 for s in scores)
    return EXIT_OK if perfect else EXIT_DISCREPANCIES


def cmd_profiles(args) -> int:
    from recon_lib.load import load_profiles, profile_dirs

    profiles = load_profiles(profile_dirs(args.profiles_dir))
    if args.profiles_command == "list":
        print(_profiles_table(profiles.values()))
        return EXIT_OK
    if args.profiles_command == "new":
        return _new_profile(args, profiles)
    recognised = True
    for path in args.files:
        lines, ok = _detection(path, profiles)
        recognised &= ok
        print("\n".join(lines))
    return EXIT_OK if recognised else EXIT_BAD_INPUT


def _new_profile(args, profiles) -> int:
    from recon_lib.load.starter import starter_profile

    if not args.file.is_file():
        raise ReconError(f"{args.file}: no such file")
    found = starter_profile(args.file, args.table, profiles, name=args.name)
    if args.out is not None and str(args.out) == "-":
        print(found.text, end="")
        return EXIT_OK
    # an unfinished profile in profiles/ would stop every run: it waits as .yaml.new until then
    draft = ".new" if found.unmapped_required else ""
    out = args.out or config.USER_PROFILES_DIR / f"{found.name}.yaml{draft}"
    if out.exists():
        raise ReconError(f"{out} exists already: pass --out for another file, or --name")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(found.text, encoding="utf-8")
    print(out)
    if found.unmapped_required:
        print(f"recon profiles new: map the required column(s) "
              f"{', '.join(found.unmapped_required)} (marked '?'), then rename it to "
              f"{found.name}.yaml", file=sys.stderr)
    return EXIT_OK


def _profiles_table(profiles) -> str:
    rows = [("profile", "table", "files", "layout")]
    for p in sorted(profiles, key=lambda p: (p.table, p.name)):
        summary = p.description.split(" - ")[0].split(". ")[0]  # the layout's name
        rows.append((p.name, p.table, ",".join(p.file_types), summary))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    return "\n".join(f"{a:<{widths[0]}}  {b:<{widths[1]}}  {c:<{widths[2]}}  {d}".rstrip()
                     for a, b, c, d in rows)


def _detection(path: Path, profiles) -> tuple[list[str], bool]:
    """What ``recon profiles detect`` prints for one file, and whether it is recognised."""
    from recon_lib.load import recognise

    if not path.exists():
        return [f"{path}: not recognised: no such file"], False
    try:
        found = recognise(path, profiles)
    except ReconError as exc:
        problems = getattr(exc, "problems", [])
        reason = problems[0].message if problems else str(exc)
        return [f"{path}: not recognised: {reason}"], False
    if found.profile is not None:
        chosen = found.chosen
        where = f"row {chosen.row}" + (f" of sheet {chosen.sheet!r}" if chosen.sheet else "")
        lines = [f"{path}: {found.profile.name} ({found.profile.table})",
                 f"  header {where} holds its whole signature: "
                 + ", ".join(found.profile.signature)]
        for other in found.matched:
            if other is not chosen:
                lines.append(f"  also matches {other.profile.name} (shorter signature: "
                             f"{len(other.profile.signature)} headers), which loses")
        return lines, True
    if found.matched:
        return [f"{path}: not recognised: {found.problem}"], False
    lines = [f"{path}: not recognised: {found.problem}"]
    closest = [c for c in found.closest if c.found]  # 0 of N headers is no hint
    for c in closest:
        lines.append(f"  closest: {c.describe()}, closest row {c.row}")
    if not closest:
        lines.append("  no profile has any of its signature headers in the first rows")
    return lines, False


COMMANDS = {"demo": cmd_demo, "run": cmd_run, "score": cmd_score, "profiles": cmd_profiles,
            "register": cli_register.cmd_register, "resolve": cli_register.cmd_resolve,
            "trace": cmd_trace}


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on a usage error, 0 on --help
        return int(exc.code or 0)
    _setup_logging(args.quiet)
    try:
        return COMMANDS[args.command](args)
    except ReconError as exc:
        print(f"recon {args.command}: error: {exc}", file=sys.stderr)
        return getattr(exc, "exit_code", EXIT_BAD_INPUT)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_BAD_INPUT
    except Exception as exc:  # a bug or the machine, never "discrepancies found" (exit 1)
        log_file = _write_crash_log(args.command, exc)
        print(f"recon {args.command}: unexpected error ({exc.__class__.__name__}) during "
              f"{_step()}; the details are in {log_file}", file=sys.stderr)
        return EXIT_BAD_INPUT


def _step() -> str:
    from recon_lib import pipeline

    return pipeline.current_step() or "the command"


def _write_crash_log(command: str, exc: BaseException) -> Path:
    """The traceback, with phone-like numbers masked, in ``<processed>/logs/``."""
    import re
    import traceback
    from datetime import datetime

    folder = config.LOG_DIR
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"recon-{command}-{datetime.now():%Y%m%dT%H%M%S%f}.log"
    text = "".join(traceback.format_exception(exc))
    text = re.sub(r"(?<!\d)(1\d{2})\d{4}(\d{4})(?!\d)", r"\1****\2", text)
    path.write_text(f"recon {command}: step {_step()}\n{text}", encoding="utf-8")
    return path


if __name__ == "__main__":
    sys.exit(main())
