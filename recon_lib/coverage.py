"""What a run could check: the sources each check needs, their state for the period, and which
checks ran.

Absent data is never a finding and never an all-clear. Each reconciliation declares its checks
(``CHECKS`` in its module): the reason codes a check gives and the sources it reads, a canonical
table (``"refunds"``) or one of its columns (``"courier_bill_lines.dest_province"``). After
loading, every source has a state for the period: ``loaded`` (rows), ``empty`` (a file with a
header and no rows), ``no_values`` (rows, but the column is empty in all of them) or ``absent``.
A check runs only when every source it needs is ``loaded``; otherwise it is *not checked*, with
the reason, its findings are not stored and the register closes none of its items. A check may
also be split by carrier or channel (``per``): a courier with parcels but no bill line in the
period is not checked for unbilled parcels, the other couriers are.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import pandas as pd

from recon_lib import schema
from recon_lib.db import Database, has_query, sql_text
from recon_lib.errors import InputError, Problem
from recon_lib.periods import Period, parse_period
from recon_lib.reasons import REASONS

log = logging.getLogger(__name__)

LOADED, EMPTY, NO_VALUES, ABSENT = "loaded", "empty", "no_values", "absent"
PERIOD, TO_DATE = "period", "to_date"
CHECKED, NOT_CHECKED = "checked", "not_checked"

SOURCE_STATES_ZH = {LOADED: "已加载", EMPTY: "文件无数据", NO_VALUES: "该列无值", ABSENT: "缺失"}
STATUS_ZH = {CHECKED: "已核对", NOT_CHECKED: "未核对"}

PARTITIONS = {
    # per: (the table whose values must each be covered, the table that covers them, column,
    #       the named query mapping a finding's key to its value)
    "carrier": ("shipments", "courier_bill_lines", "carrier", "coverage_finding_carrier"),
    "channel": ("orders", "settlement_lines", "channel", "coverage_finding_channel"),
}


@dataclass(frozen=True)
class Check:
    """One check of a reconciliation: the codes it gives and the sources it reads."""

    recon: str
    name: str
    title: str
    """Chinese first, English second, e.g. ``超时未发货 Unshipped and late orders``."""
    codes: tuple[str, ...]
    needs: tuple[str, ...]
    """Canonical tables (``orders``) or columns (``shipments.dest_province``) that must have
    rows of the period itself: the check judges the period's records of them."""
    context: tuple[str, ...] = ()
    """Sources read as context: rows of the period or of any earlier one will do (a payout of
    last week whose deposit is due in this period, a return asked for last month)."""
    per: str | None = None
    """Checked per value of this partition (see PARTITIONS): a value without its covering
    source is not checked, the others are."""

    def __post_init__(self) -> None:
        for code in self.codes:
            if code not in REASONS or REASONS[code].recon != self.recon:
                raise ValueError(f"check {self.name}: {code} is not a {self.recon} reason code")
        for need in (*self.needs, *self.context):
            table, _, column = need.partition(".")
            tbl = schema.table(table)
            if column and column not in tbl.column_names:
                raise ValueError(f"check {self.name}: {table} has no column {column!r}")
        if self.per is not None and self.per not in PARTITIONS:
            raise ValueError(f"check {self.name}: per must be one of {', '.join(PARTITIONS)}")


@dataclass(frozen=True)
class Source:
    """One source's state for the period."""

    name: str
    state: str
    rows: int
    files: tuple[str, ...] = ()
    span: str = PERIOD
    """``period``: rows of the period; ``to_date``: rows of the period or any earlier one."""

    @property
    def table(self) -> str:
        return self.name.partition(".")[0]

    @property
    def label(self) -> str:
        return self.name if self.span == PERIOD else f"{self.name} (to date)"

    def why_not(self, period: str) -> str:
        """Why a check needing this source cannot run (English; the catalogue has Chinese)."""
        if self.state == EMPTY:
            return f"{self.name}: {', '.join(self.files)} has a header and no rows"
        within = f"for {period}" if self.span == PERIOD else f"up to the end of {period}"
        if self.state == NO_VALUES:
            table, _, column = self.name.partition(".")
            return f"{table}: no row {within} has a value in {column}"
        if schema.table(self.table).master:
            return f"no {self.table} loaded"
        return f"no {self.table} loaded {within}"


@dataclass(frozen=True)
class CheckResult:
    check: Check
    status: str
    reason: str = ""
    scope: str = ""
    """The partition value this row is about (``ZTO``), empty for the check as a whole."""
    withheld: int = 0
    """Findings computed but not stored because the check could not be made."""


@dataclass(frozen=True)
class RowsNotCheckable:
    """Rows on which one comparison could not be made: the value it needs is missing there.
    Counted, never a mismatch."""

    recon: str
    reason_code: str
    field: str
    rows: int
    reason: str


@dataclass(frozen=True)
class Coverage:
    """What one run of a period could check."""

    period: str
    sources: tuple[Source, ...]
    checks: tuple[CheckResult, ...] = field(default=())
    rows: tuple[RowsNotCheckable, ...] = field(default=())
    """Comparisons a check could not make on some rows (a value missing on one side)."""

    @property
    def not_checked(self) -> list[CheckResult]:
        return [c for c in self.checks if c.status == NOT_CHECKED]

    @property
    def complete(self) -> bool:
        return not self.not_checked

    @property
    def nothing_checked(self) -> bool:
        whole = [c for c in self.checks if not c.scope]
        return bool(whole) and all(c.status == NOT_CHECKED for c in whole)

    def summary(self) -> str:
        """One line for the CLI and the summary page."""
        whole = [c for c in self.checks if not c.scope]
        ran = sum(c.status == CHECKED for c in whole)
        if self.complete:
            return f"完整 Complete: all {ran} checks ran on loaded data"
        text = f"不完整 Incomplete: {len(whole) - ran} of {len(whole)} checks not run"
        parts = [c for c in self.not_checked if c.scope]
        if parts:
            text += "; not run for " + ", ".join(
                f"{c.scope} ({c.check.recon}.{c.check.name})" for c in parts)
        return text

    def to_dict(self) -> dict:
        return {
            "period": self.period, "complete": self.complete, "summary": self.summary(),
            "sources": [{"source": s.name, "span": s.span, "state": s.state, "rows": s.rows,
                         "files": list(s.files)} for s in self.sources],
            "checks": [{"recon": c.check.recon, "check": c.check.name, "title": c.check.title,
                        "codes": list(c.check.codes), "scope": c.scope, "status": c.status,
                        "reason": c.reason, "withheld": c.withheld} for c in self.checks],
            "rows_not_checkable": [vars(r) for r in self.rows],
        }


# -- sources ----------------------------------------------------------------------------------
def _labels(db: Database, tbl: schema.Table, period: Period, span: str = PERIOD) -> list[str]:
    """Stored period labels of the table that ``period`` covers (itself and shorter periods in
    it), or, for ``to_date``, every stored period that starts before its end."""
    out = []
    for (label,) in db.execute(schema.loaded_periods_sql(tbl),
                               name=f"coverage: periods in {tbl.name}").fetchall():
        try:
            inner = parse_period(label)
        except InputError:
            continue
        if period.covers(inner) if span == PERIOD else inner.start < period.end:
            out.append(label)
    return out


def source_states(db: Database, period: Period, needs: Iterable[str],
                  files: dict[str, list[tuple[str, int]]] | None = None,
                  context: Iterable[str] = ()) -> list[Source]:
    """The state of every needed source: ``needs`` over the period's rows, ``context`` over the
    rows of the period and every earlier one.

    ``files`` (table -> [(file, rows)], from the load) tells an empty file from no file; without
    it a table without rows is ``absent``. Master tables count rows of any period.
    """
    files = files or {}
    sources = []
    for span, names in ((PERIOD, needs), (TO_DATE, context)):
        by_table: dict[str, list[str]] = {}
        for need in dict.fromkeys(names):
            table, _, column = need.partition(".")
            by_table.setdefault(table, [])
            if column:
                by_table[table].append(column)
        for table, columns in by_table.items():
            tbl = schema.table(table)
            labels = None if tbl.master else _labels(db, tbl, period, span)
            counts = _count(db, tbl, columns, labels)
            named = tuple(f for f, _ in files.get(table, ())) if span == PERIOD else ()
            state = LOADED if counts[0] else EMPTY if named else ABSENT
            sources.append(Source(table, state, counts[0], named, span))
            for column, n in zip(columns, counts[1:], strict=True):
                col_state = state if state != LOADED else (LOADED if n else NO_VALUES)
                sources.append(Source(f"{table}.{column}", col_state, n, named, span))
    return sources


def _count(db: Database, tbl: schema.Table, columns: list[str],
           labels: list[str] | None) -> list[int]:
    """count(*) and count(column) of the table, over ``labels`` (None: every row)."""
    if labels == []:
        return [0] * (len(columns) + 1)
    sql = schema.count_rows_sql(tbl, columns, by_labels=labels is not None)
    params = {} if labels is None else {"labels": labels}
    return [int(v) for v in db.execute(sql, params, name=f"coverage: count {tbl.name}").fetchone()]


# -- checks -----------------------------------------------------------------------------------
def assess(db: Database, period: Period, checks: Sequence[Check], sources: Sequence[Source],
           ) -> list[CheckResult]:
    """Each check's status (whole) and, for partitioned checks, each partition value's."""
    state = {(s.name, s.span): s for s in sources}
    results = []
    for check in checks:
        wanted = [state[n, PERIOD] for n in check.needs]
        wanted += [state[n, TO_DATE] for n in check.context]
        missing = [s for s in wanted if s.state != LOADED]
        if missing:
            reason = "; ".join(s.why_not(period.label) for s in missing)
            results.append(CheckResult(check, NOT_CHECKED, reason))
            continue
        results.append(CheckResult(check, CHECKED))
        if check.per is not None:
            for value in _uncovered(db, period, check.per):
                covering = PARTITIONS[check.per][1]
                results.append(CheckResult(check, NOT_CHECKED,
                                           f"no {covering} of {value} loaded for {period.label}",
                                           scope=value))
    return results


def _uncovered(db: Database, period: Period, per: str) -> list[str]:
    """Partition values with rows in the covered table but none in the covering table."""
    covered, covering, column, _ = PARTITIONS[per]
    values = []
    for table in (covered, covering):
        tbl = schema.table(table)
        labels = list(_labels(db, tbl, period))
        found = db.execute(schema.distinct_values_sql(tbl, column), {"labels": labels},
                           name=f"coverage: {column} in {table}").fetchall()
        values.append({v for (v,) in found})
    return sorted(values[0] - values[1])


def withhold(db: Database, run_id: str, period: Period, results: list[CheckResult],
             ) -> list[CheckResult]:
    """Move the findings of checks not made out of ``discrepancies`` into ``coverage_withheld``
    (the register then closes none of those items); returns the results with their counts."""
    out = []
    db.run("coverage_withheld_clear", period=period.label)
    for result in results:
        if result.status != NOT_CHECKED:
            out.append(result)
            continue
        which = {"run_id": run_id, "codes": list(result.check.codes)}
        scoped = {**which, "scope": result.scope or None}
        name = f"{PARTITIONS[result.check.per][3]}_" if result.scope else "coverage_"
        with db.transaction():
            db.run(f"{name}withhold", **scoped)
            n = db.value("coverage_withheld_count", **scoped)
            db.run(f"{name}delete", **(scoped if result.scope else which))
        out.append(CheckResult(result.check, result.status, result.reason, result.scope, int(n)))
        if n:
            log.info("not checked: %s %s%s: %d finding(s) withheld (%s)", result.check.recon,
                     result.check.name, f" ({result.scope})" if result.scope else "", n,
                     result.reason)
    return out


def unchecked_rows(db: Database, recon: str, period: Period, run_id: str,
                   ) -> list[RowsNotCheckable]:
    """The rows the reconciliation could not compare (its ``<recon>_uncheckable`` query, run
    while its staged tables exist); none when it has no such query."""
    name = f"{recon}_uncheckable"
    if not has_query(name):
        return []
    offered = {"run_id": run_id, "period": period.label, **period.bounds()}
    text = sql_text(name)  # DuckDB refuses parameters a query does not use
    found = db.query(name, **{k: v for k, v in offered.items() if f"${k}" in text})
    return [RowsNotCheckable(recon, r.reason_code, r.field, int(r.rows), r.reason)
            for r in found.itertuples(index=False) if r.rows]


def store(db: Database, run_id: str, coverage: Coverage) -> None:
    """Replace the period's coverage rows with this run's."""
    sources = pd.DataFrame([{"source": s.name, "span": s.span, "state": s.state, "rows": s.rows,
                             "files": json.dumps(list(s.files), ensure_ascii=False)}
                            for s in coverage.sources],
                           columns=["source", "span", "state", "rows", "files"])
    checks = pd.DataFrame([{"recon": c.check.recon, "check_name": c.check.name,
                            "title": c.check.title, "codes": list(c.check.codes),
                            "scope": c.scope, "status": c.status, "reason": c.reason,
                            "withheld": c.withheld} for c in coverage.checks],
                          columns=["recon", "check_name", "title", "codes", "scope", "status",
                                   "reason", "withheld"])
    rows = pd.DataFrame([vars(r) for r in coverage.rows],
                        columns=["recon", "reason_code", "field", "rows", "reason"])
    frames = {"sources": sources, "checks": checks, "rows": rows}
    for view, frame in frames.items():
        db.con.register(f"_recon_coverage_{view}", frame)
    try:
        with db.transaction():
            db.run("coverage_clear_sources", period=coverage.period)
            db.run("coverage_clear_checks", period=coverage.period)
            db.run("coverage_clear_rows", period=coverage.period)
            db.run("coverage_insert_sources", run_id=run_id, period=coverage.period)
            db.run("coverage_insert_checks", run_id=run_id, period=coverage.period)
            db.run("coverage_insert_rows", run_id=run_id, period=coverage.period)
    finally:  # after the transaction: an aborted one refuses even this
        for view in frames:
            db.con.unregister(f"_recon_coverage_{view}")


def read(db: Database, period: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The period's stored coverage of its latest run: sources, checks, rows not checkable."""
    return (db.query("coverage_sources_list", period=period),
            db.query("coverage_checks_list", period=period),
            db.query("coverage_rows_list", period=period))


def required(coverage: Coverage, names: Iterable[str]) -> None:
    """Raise InputError when a source the scheduler requires is not loaded for the period."""
    names = list(names)
    unknown = [n for n in names if n.partition(".")[0] not in schema.TABLES]
    if unknown:
        raise InputError(f"--require: unknown source(s) {', '.join(unknown)}; expected canonical "
                         f"tables: {', '.join(schema.TABLES)}")
    state = {s.name: s for s in coverage.sources if s.span == PERIOD}
    problems = []
    for name in names:
        source = state.get(name)
        if source is None or source.state != LOADED:
            why = source.why_not(coverage.period) if source else f"no {name} loaded"
            problems.append(Problem(name, f"required source not loaded: {why}"))
    if problems:
        raise InputError(f"period {coverage.period}: {len(problems)} required source(s) missing "
                         "(--require / require: in recon.yml)", problems)
