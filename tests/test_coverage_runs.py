"""A run knows what it was given: the demo month with files removed or emptied.

Each scenario starts from a copy of a database holding the complete month, reconciled, and of
its raw folder; a file is taken out (or emptied) and the month is run again. Absent data is
"not checked": no finding that only means "the other file is absent", no register item closed
by it, and the run says so. A run with nothing to check, or without a required source, fails
(exit 2) without changing what is stored.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from recon_lib import coverage
from recon_lib.cli import main
from recon_lib.config import Settings
from recon_lib.db import Database
from recon_lib.demo import write_demo
from recon_lib.errors import EXIT_BAD_INPUT, EXIT_DISCREPANCIES, InputError
from recon_lib.periods import parse_period
from recon_lib.pipeline import run_period

OCT = parse_period("2026-10")


@pytest.fixture(scope="module")
def complete(tmp_path_factory):
    root = tmp_path_factory.mktemp("coverage")
    write_demo(OCT, root / "raw", orders=600, seed=5)
    outcome = run_period(OCT, data_dir=root / "raw", reports_dir=root / "reports",
                         db_path=root / "recon.duckdb", render=False)
    assert outcome.coverage.complete, outcome.coverage.summary()
    return root


@pytest.fixture
def scenario(complete, tmp_path):
    """A fresh copy of the complete month: raw folder and reconciled database."""
    shutil.copytree(complete / "raw", tmp_path / "raw", ignore=shutil.ignore_patterns("_truth"))
    shutil.copy(complete / "recon.duckdb", tmp_path / "recon.duckdb")
    return tmp_path


def folder(root: Path) -> Path:
    return root / "raw" / "2026-10"


def rerun(root: Path, **kwargs):
    return run_period(OCT, data_dir=root / "raw", reports_dir=root / "reports",
                      db_path=root / "recon.duckdb", render=False, **kwargs)


def snapshot(root: Path) -> dict:
    with Database(root / "recon.duckdb", read_only=True) as db:
        return {
            "register": db.df("select item_id, status, closed_reason from register order by 1"),
            "findings": db.scalar("select count(*) from discrepancies"),
            "orders": db.scalar("select count(*) from orders"),
            "bank": db.scalar("select count(*) from bank_transactions"),
            "shipments": db.scalar("select count(*) from shipments"),
        }


def codes(root: Path) -> dict[str, int]:
    with Database(root / "recon.duckdb", read_only=True) as db:
        return dict(db.execute("select reason_code, count(*) from discrepancies "
                               "where period = '2026-10' group by 1").fetchall())


def closed_as_gone(root: Path) -> int:
    with Database(root / "recon.duckdb", read_only=True) as db:
        return db.scalar("select count(*) from register where closed_reason like "
                         "'auto: no longer found%'")


def status(outcome, recon: str, check: str, scope: str = "") -> coverage.CheckResult:
    [found] = [c for c in outcome.coverage.checks
               if (c.check.recon, c.check.name, c.scope) == (recon, check, scope)]
    return found


def test_without_the_bank_statement_payouts_are_not_checked_against_the_bank(scenario):
    before = codes(scenario)
    assert before.get("PAY_NO_DEPOSIT")
    (folder(scenario) / "bank_statement_2026-10.csv").unlink()
    outcome = rerun(scenario)
    bank = status(outcome, "payments", "bank")
    assert bank.status == coverage.NOT_CHECKED
    assert "no bank_transactions loaded for 2026-10" in bank.reason
    assert bank.withheld > 0
    after = codes(scenario)
    assert not {"PAY_NO_DEPOSIT", "PAY_DEPOSIT_NO_PAYOUT", "PAY_DEPOSIT_MISMATCH"} & set(after)
    assert after.get("PAY_GROSS_MISMATCH") == before.get("PAY_GROSS_MISMATCH")  # the rest ran
    assert closed_as_gone(scenario) == 0
    assert not outcome.coverage.complete
    assert "Incomplete" in outcome.coverage.summary()
    payout_late = [a for a in outcome.alerts if a.kind == "payout_late"]
    assert payout_late and all(a.value is None and not a.breached for a in payout_late)
    assert "not checked" in payout_late[0].message
    document = json.loads(outcome.alerts_json.read_text(encoding="utf-8"))
    assert document["coverage"]["complete"] is False
    assert any(c["check"] == "bank" and c["status"] == "not_checked"
               for c in document["coverage"]["checks"])


def test_without_settlements_no_order_is_reported_unsettled(scenario):
    (folder(scenario) / "platform_settlement_2026-10.csv").unlink()
    outcome = rerun(scenario)
    for check in ("settled", "sales", "fees", "payouts"):
        assert status(outcome, "payments", check).status == coverage.NOT_CHECKED
    assert status(outcome, "payments", "settled").withheld > 0
    assert not {"PAY_NOT_SETTLED", "PAY_PAYOUT_MISMATCH"} & set(codes(scenario))
    assert closed_as_gone(scenario) == 0


def test_without_warehouse_files_nothing_is_unshipped_and_no_bill_line_a_phantom(scenario):
    for path in folder(scenario).glob("wms_*"):
        path.unlink()
    outcome = rerun(scenario)
    after = codes(scenario)
    assert not {"SHIP_UNSHIPPED", "FRT_PHANTOM", "OUT_NO_SHIPMENT", "FRT_UNBILLED"} & set(after)
    assert status(outcome, "freight", "duplicates").status == coverage.CHECKED
    assert after.get("FRT_DUPLICATE")
    assert closed_as_gone(scenario) == 0


def test_without_the_orders_file_no_parcel_or_settlement_is_an_unknown_order(scenario):
    for path in folder(scenario).glob("oms_order*"):
        path.unlink()
    rerun(scenario)
    assert not {"SHIP_UNKNOWN_ORDER", "PAY_UNKNOWN_ORDER"} & set(codes(scenario))
    assert closed_as_gone(scenario) == 0


def test_a_refunds_file_with_a_header_and_no_rows_checks_no_refund(scenario):
    path = folder(scenario) / "refunds_2026-10.csv"
    header = path.read_text(encoding="utf-8-sig").splitlines()[0]
    path.write_text(header + "\n", encoding="utf-8")
    outcome = rerun(scenario)
    refunds = status(outcome, "returns", "refunds")
    assert refunds.status == coverage.NOT_CHECKED
    assert "refunds_2026-10.csv has a header and no rows" in refunds.reason
    state = {s.name: s.state for s in outcome.coverage.sources}
    assert state["refunds"] == coverage.EMPTY
    assert not {"RET_REFUND_NOT_RECEIVED", "RET_RECEIVED_NOT_REFUNDED",
                "RET_REFUND_MISMATCH"} & set(codes(scenario))
    assert closed_as_gone(scenario) == 0


def test_a_courier_without_its_bill_is_not_checked_the_others_are(scenario):
    with Database(scenario / "recon.duckdb", read_only=True) as db:
        unbilled = db.df("select s.carrier, count(distinct d.key) as n from discrepancies d "
                         "join shipments s on s.tracking_no = d.key "
                         "where d.reason_code = 'FRT_UNBILLED' group by 1")
    others = dict(zip(unbilled.carrier, unbilled.n, strict=True))
    (folder(scenario) / "zto_bill_2026-10.xlsx").unlink()
    outcome = rerun(scenario)
    zto = status(outcome, "freight", "unbilled", "ZTO")
    assert zto.status == coverage.NOT_CHECKED and zto.withheld > 0
    assert status(outcome, "freight", "unbilled").status == coverage.CHECKED
    with Database(scenario / "recon.duckdb", read_only=True) as db:
        now = db.df("select s.carrier, count(distinct d.key) as n from discrepancies d "
                    "join shipments s on s.tracking_no = d.key "
                    "where d.reason_code = 'FRT_UNBILLED' group by 1")
    now = dict(zip(now.carrier, now.n, strict=True))
    assert "ZTO" not in now
    assert now == {c: n for c, n in others.items() if c != "ZTO"}
    assert closed_as_gone(scenario) == 0  # no ZTO item closes for want of its bill


def test_a_folder_of_reference_files_only_is_refused_and_changes_nothing(scenario):
    before = snapshot(scenario)
    for path in folder(scenario).iterdir():
        if path.is_file() and not path.name.startswith(("rate_card", "fee_schedule", "fx_rates",
                                                        "商品资料")):
            path.unlink()
    with pytest.raises(InputError, match="only reference data"):
        rerun(scenario)
    after = snapshot(scenario)
    assert after["findings"] == before["findings"] and after["orders"] == before["orders"]
    assert after["register"].equals(before["register"])


def test_a_required_source_that_is_missing_fails_the_run_before_anything_changes(scenario):
    before = snapshot(scenario)
    (folder(scenario) / "bank_statement_2026-10.csv").unlink()
    with pytest.raises(InputError, match="bank_transactions"):
        rerun(scenario, settings=Settings(require=("bank_transactions",)))
    after = snapshot(scenario)
    assert after["bank"] == before["bank"] and after["findings"] == before["findings"]
    assert after["register"].equals(before["register"])


def test_a_run_that_can_check_nothing_fails_and_leaves_findings_and_register(scenario):
    before = snapshot(scenario)
    # service tickets feed no check (orders alone would: the intake checks read nothing else)
    for path in folder(scenario).iterdir():
        if path.is_file() and not path.name.startswith(("service_tickets", "rate_card",
                                                        "fee_schedule", "fx_rates", "商品资料")):
            path.unlink()
    with pytest.raises(InputError, match="nothing to reconcile"):
        rerun(scenario)
    after = snapshot(scenario)
    assert after["findings"] == before["findings"]
    assert after["register"].equals(before["register"])


def test_the_command_says_what_it_could_not_check_and_require_fails_it(scenario, capsys):
    (folder(scenario) / "bank_statement_2026-10.csv").unlink()
    common = ["--period", "2026-10", "--data-dir", str(scenario / "raw"), "--db",
              str(scenario / "recon.duckdb"), "--reports-dir", str(scenario / "reports"),
              "--no-report", "--quiet"]
    assert main(["run", *common]) == EXIT_DISCREPANCIES
    out = capsys.readouterr().out
    assert "COVERAGE 不完整 Incomplete" in out
    assert "NOT CHECKED payments.bank: no bank_transactions loaded for 2026-10" in out
    assert main(["run", *common, "--require", "bank_transactions"]) == EXIT_BAD_INPUT
    assert "required source" in capsys.readouterr().err
    (scenario / "recon.yml").write_text("require: [bank_transactions]\n", encoding="utf-8")
    assert main(["run", *common, "--settings", str(scenario / "recon.yml")]) == EXIT_BAD_INPUT
    (scenario / "recon.yml").write_text("ship_sla_hour: 48\n", encoding="utf-8")
    assert main(["run", *common, "--settings", str(scenario / "recon.yml")]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "line 1" in err and "unknown setting 'ship_sla_hour'" in err


def test_reports_dir_that_is_a_file_is_refused_before_anything_is_written(scenario, capsys):
    before = snapshot(scenario)
    target = scenario / "reports.txt"
    target.write_text("not a folder", encoding="utf-8")
    code = main(["run", "--period", "2026-10", "--data-dir", str(scenario / "raw"),
                 "--db", str(scenario / "recon.duckdb"), "--reports-dir", str(target), "--quiet"])
    assert code == EXIT_BAD_INPUT
    assert "is a file, not a folder" in capsys.readouterr().err
    assert snapshot(scenario)["register"].equals(before["register"])


def test_an_unexpected_error_exits_2_naming_the_step_and_a_log_file(scenario, capsys,
                                                                   monkeypatch):
    from recon_lib import config
    from recon_lib.recons import returns

    def broken(ctx):
        raise ZeroDivisionError("a bug, with 13812345678 in it")

    monkeypatch.setattr(returns, "reconcile", broken)
    monkeypatch.setattr(config, "LOG_DIR", scenario / "logs")
    code = main(["run", "--period", "2026-10", "--data-dir", str(scenario / "raw"),
                 "--db", str(scenario / "recon.duckdb"), "--reports-dir",
                 str(scenario / "reports"), "--no-report", "--quiet"])
    assert code == EXIT_BAD_INPUT  # never 1, which means "discrepancies found"
    err = capsys.readouterr().err
    assert "unexpected error (ZeroDivisionError) during reconcile returns" in err
    [log_file] = (scenario / "logs").iterdir()
    assert str(log_file) in err
    text = log_file.read_text(encoding="utf-8")
    assert "Traceback" in text and "138****5678" in text and "13812345678" not in text
    with Database(scenario / "recon.duckdb", read_only=True) as db:  # marked unfinished
        assert db.scalar("select count(*) from runs where finished_at is null") == 1
    monkeypatch.undo()
    before = codes(scenario)
    assert rerun(scenario).findings["returns"] > 0   # running it again repairs the period
    assert codes(scenario) == before


def test_a_rerun_keeps_only_the_latest_runs_match_results(scenario):
    rerun(scenario)
    with Database(scenario / "recon.duckdb", read_only=True) as db:
        assert db.scalar("select count(distinct run_id) from match_results") == 1
        assert db.scalar("select count(distinct run_id) from match_stats") == 1


OPEN = "import sys, duckdb; duckdb.connect(sys.argv[1], read_only=sys.argv[2] == 'ro').close()"


def test_the_database_stays_locked_while_the_pages_are_rendered(scenario, monkeypatch):
    """A second run (a writer) cannot open the database while the pages are being rendered;
    the notebooks' kernels (readers) can."""
    from recon_lib import pipeline
    from recon_lib.report.notebooks import RenderedNotebook

    seen = []

    def render(notebooks, out_dir, parameters, workers=None):
        return [page(path, out_dir, parameters) for path in notebooks]

    def page(path, out_dir, parameters):
        # another process, as a second `recon run` would be: a writer, then a reader
        writer = subprocess.run([sys.executable, "-c", OPEN, parameters["db_path"], "rw"],
                                capture_output=True, text=True)
        seen.append("writer refused" if writer.returncode and "lock" in writer.stderr.lower()
                    else f"writer: {writer.returncode} {writer.stderr[-200:]}")
        reader = subprocess.run([sys.executable, "-c", OPEN, parameters["db_path"], "ro"],
                                capture_output=True, text=True)
        seen.append("reader in" if reader.returncode == 0 else reader.stderr[-200:])
        out_dir.mkdir(parents=True, exist_ok=True)
        html = out_dir / f"{path.stem}.html"
        html.write_text("<html></html>", encoding="utf-8")
        return RenderedNotebook(path.stem, path.stem, path, html), None

    monkeypatch.setattr(pipeline, "render_sections", render)
    run_period(OCT, data_dir=scenario / "raw", reports_dir=scenario / "reports",
               db_path=scenario / "recon.duckdb", render=True)
    assert seen and set(seen) == {"writer refused", "reader in"}


def refused(root: Path) -> list[str]:
    """The problems of a run that must be refused; the stored month must stay as it was."""
    before = snapshot(root)
    with pytest.raises(InputError) as caught:
        rerun(root)
    after = snapshot(root)
    assert after["findings"] == before["findings"] and after["bank"] == before["bank"]
    assert after["register"].equals(before["register"])
    return [str(p) for p in caught.value.problems]


def test_a_bill_saved_again_with_other_line_ends_is_refused_naming_both(scenario):
    bill = folder(scenario) / "yto_bill_2026-10.csv"
    text = bill.read_text(encoding="utf-8-sig")
    (folder(scenario) / "yto_bill_2026-10 (1).csv").write_bytes(
        ("\ufeff" + text.replace("\n", "\r\n")).encode("utf-8"))
    problems = refused(scenario)
    assert any("yto_bill_2026-10 (1).csv" in p and "yto_bill_2026-10.csv" in p
               for p in problems), problems


def test_last_months_statement_in_this_months_folder_is_refused_with_its_dates(scenario):
    statement = folder(scenario) / "bank_statement_2026-10.csv"
    text = statement.read_text(encoding="utf-8-sig").replace("2026-10-", "2026-09-")
    (folder(scenario) / "bank_statement_2026-09.csv").write_text(text, encoding="utf-8-sig")
    problems = refused(scenario)
    assert any(p.startswith("bank_statement_2026-09.csv") and "2026-09" in p
               and "put it in the folder 2026-09/" in p for p in problems), problems


@pytest.mark.parametrize("name", ["..yto_bill_2026-10.csv", "yto_bill_2026-10.xlsb"])
def test_a_bill_the_loader_cannot_read_is_an_error_not_an_unbilled_courier(scenario, name):
    bill = folder(scenario) / "yto_bill_2026-10.csv"
    bill.rename(folder(scenario) / name)
    problems = refused(scenario)
    assert any(p.startswith(name) for p in problems), problems
