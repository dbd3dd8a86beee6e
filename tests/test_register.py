"""The register across three consecutive months: new, carried, closed by later data, resolved by
hand through the exceptions workbook, and never duplicated by a re-run."""

from __future__ import annotations

import pandas as pd
import pytest
from openpyxl import load_workbook

from recon_lib import register
from recon_lib.db import Database
from recon_lib.demo import build_month
from recon_lib.demo.frames import insert_month
from recon_lib.errors import InputError
from recon_lib.periods import parse_period
from recon_lib.pipeline import headline, reconcile_period
from recon_lib.report.exceptions import write_exceptions
from tests.conftest import insert

OCT, NOV, DEC = (parse_period(p) for p in ("2026-10", "2026-11", "2026-12"))


def month_into(db, period, seed):
    insert_month(db, build_month(period, orders=1200, seed=seed))
    reconcile_period(db, period)


def open_items(db, reason):
    return db.df("SELECT * FROM register WHERE reason_code = $r AND status = 'open' "
                 "ORDER BY item_id", {"r": reason})


@pytest.fixture(scope="module")
def three_months(tmp_path_factory):
    folder = tmp_path_factory.mktemp("register")
    db = Database(folder / "recon.duckdb")
    month_into(db, OCT, 1)
    after_oct = db.df("SELECT * FROM register")

    # an analyst works through October's workbook: resolves two items, takes one
    book = write_exceptions(db, OCT, folder / "2026-10")
    wb = load_workbook(book)
    ws = wb[register.SHEET]
    header = [c.value for c in ws[1]]
    col = {name: header.index(name) + 1 for name in header}
    edited = []
    for row in range(2, 5):
        edited.append(ws.cell(row, col["item_id"]).value)
        ws.cell(row, col["status"]).value = "resolved" if row < 4 else "in_progress"
        ws.cell(row, col["owner"]).value = "李会计"
    ws.cell(2, col["note"]).value = "courier credited this on the next bill"
    wb.save(book)
    report = register.resolve(db, book)

    # November brings October's late legs: two unshipped orders ship, one unbilled parcel bills
    insert_month(db, build_month(NOV, orders=1200, seed=2))
    unshipped = open_items(db, "SHIP_UNSHIPPED")["key"].tolist()[:2]
    unbilled = open_items(db, "FRT_UNBILLED")["key"].tolist()[:1]
    insert(db, "shipments", [
        {"shipment_id": f"LATE{i}", "order_id": o, "tracking_no": f"LATE-W{i}", "carrier": "SF",
         "warehouse": "上海仓", "ship_time": "2026-11-03 10:00:00"}
        for i, o in enumerate(unshipped)], period="2026-11")
    insert(db, "courier_bill_lines", [
        {"carrier": "SF", "waybill_no": w, "bill_date": "2026-11-02", "fee_type": "freight",
         "payable": 12} for w in unbilled], period="2026-11")
    reconcile_period(db, NOV)
    after_nov = db.df("SELECT * FROM register")
    reconcile_period(db, NOV)   # a re-run changes nothing
    rerun_nov = db.df("SELECT * FROM register")
    month_into(db, DEC, 3)
    yield db, {"after_oct": after_oct, "after_nov": after_nov, "rerun_nov": rerun_nov,
               "edited": edited, "report": report, "late": unshipped + unbilled, "book": book}
    db.close()


def test_october_items_are_new_and_open(three_months):
    db, seen = three_months
    oct_ = seen["after_oct"]
    found = db.scalar("SELECT count(*) FROM discrepancies WHERE period = '2026-10'")
    assert len(oct_) == found > 0
    assert set(oct_["status"]) == {"open"} and set(oct_["first_seen"]) == {"2026-10"}


def test_manual_resolution_is_applied_and_audited(three_months):
    db, seen = three_months
    assert seen["report"].changes == 3 + 3 + 1   # status x3, owner x3, note x1
    items = db.df("SELECT * FROM register").set_index("item_id")
    first, second, third = seen["edited"]
    assert items.at[first, "status"] == "resolved" and items.at[first, "closed_period"] == "2026-10"
    assert items.at[first, "note"] == "courier credited this on the next bill"
    assert items.at[third, "status"] == "in_progress" and items.at[third, "owner"] == "李会计"
    audit = db.df("SELECT * FROM register_audit WHERE source = $s", {"s": seen["book"].name})
    assert len(audit) == 7
    assert set(audit.loc[audit["item_id"] == first, "field"]) == {"status", "owner", "note"}
    row = audit[(audit["item_id"] == first) & (audit["field"] == "status")].iloc[0]
    assert (row["old_value"], row["new_value"]) == ("open", "resolved")


def test_later_data_closes_items_with_the_reason(three_months):
    db, seen = three_months
    items = db.df("SELECT * FROM register").set_index("key")
    for key in seen["late"]:
        item = items.loc[key]
        item = item.iloc[0] if isinstance(item, pd.DataFrame) else item
        assert item["status"] == "resolved" and item["closed_period"] == "2026-11"
        assert item["closed_reason"].startswith("auto: ")
    assert db.scalar("SELECT count(*) FROM register_audit WHERE source = 'run 2026-11'") == 3


def test_counts_new_carried_resolved_per_period(three_months):
    db, seen = three_months
    nov = register.period_counts(db, NOV).set_index("recon")
    new_nov = db.scalar("SELECT count(*) FROM discrepancies WHERE period = '2026-11'")
    oct_total = len(seen["after_oct"])
    assert nov["new_items"].sum() == new_nov
    assert nov["resolved"].sum() == 3               # three closed by November's data
    # still open from October: less the two resolved by hand and the three closed by data
    assert nov["carried"].sum() == oct_total - 2 - 3
    dec = register.period_counts(db, DEC)
    assert dec["carried"].sum() == oct_total - 2 - 3 + new_nov
    rows = dict(headline(db, "2026-11"))
    assert rows["登记簿 新增 / 结转 / 已解决 Register: new / carried / resolved"] == (
        f"{new_nov:,} / {oct_total - 5:,} / 3")
    assert rows["  上期 Last period (2026-10)"] == f"{oct_total:,} / 0 / 2"


def test_a_rerun_duplicates_nothing(three_months):
    _, seen = three_months
    pd.testing.assert_frame_equal(
        seen["after_nov"].drop(columns="updated_at").sort_values("item_id", ignore_index=True),
        seen["rerun_nov"].drop(columns="updated_at").sort_values("item_id", ignore_index=True))


def test_bad_edits_are_refused_whole(three_months, tmp_path):
    db, seen = three_months
    before = db.df("SELECT * FROM register ORDER BY item_id")
    wb = load_workbook(seen["book"])
    ws = wb[register.SHEET]
    header = [c.value for c in ws[1]]
    ws.cell(5, header.index("status") + 1).value = "done"          # unknown status
    ws.cell(6, header.index("key") + 1).value = "someone else"     # a key column edited
    ws.cell(7, header.index("owner") + 1).value = "王出纳"          # a valid edit, not applied
    ws.append(["nope|NOPE|1"] + [None] * (len(header) - 1))        # a row that does not exist
    bad = tmp_path / "bad.xlsx"
    wb.save(bad)
    with pytest.raises(InputError) as err:
        register.resolve(db, bad)
    text = str(err.value)
    assert "row 5, column 'status'" in text and "row 6, column 'key'" in text
    assert "is not in the register" in text
    pd.testing.assert_frame_equal(db.df("SELECT * FROM register ORDER BY item_id"), before)


def test_foreign_and_corrupt_workbooks_are_refused(three_months, tmp_path):
    db, _ = three_months
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"not a workbook")
    with pytest.raises(InputError, match="not a readable .xlsx"):
        register.resolve(db, junk)
    from openpyxl import Workbook
    other = tmp_path / "other.xlsx"
    Workbook().save(other)
    with pytest.raises(InputError, match="no sheet"):
        register.resolve(db, other)
