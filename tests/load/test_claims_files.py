"""The compensation rules file (理赔标准) and compensation lines on the couriers' bills load as
the claims reconciliation reads them; bad rules are refused naming file, row and column."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from recon_lib.checks import check_tables
from recon_lib.db import Database
from recon_lib.errors import InputError
from recon_lib.load import load_period
from recon_lib.periods import parse_period
from tests.conftest import with_an_order

RULES = ("快递公司,异常类型,是否保价,赔付基数,倍数,单票上限,理赔时效(天),生效日期,失效日期\n"
         "SF,丢失,否,运费倍数,7,,10,2026-01-01,\n"
         "SF,破损,是,保价金额,0.5,,10,2026-01-01,\n"
         "ZTO,丢件,否,货值,1,300,15,2026-01-01,2026-12-31\n")
BILL = ("快递公司,运单号,计费日期,费用类型,目的地,计费重量,费用,优惠,应付金额\n"
        "圆通,YT1,2026-10-02,运费,广东,1,5.00,0,5.00\n"
        "圆通,YT1,2026-10-20,理赔,,,-15.00,0,-15.00\n"
        "圆通,YT2,2026-10-21,赔付,,,-8.00,0,-8.00\n")


def _load(tmp_path, files: dict[str, str]) -> Database:
    folder = tmp_path / "2026-10"
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    with_an_order(folder)
    db = Database(":memory:")
    load_period(db, parse_period("2026-10"), tmp_path)
    return db


def test_rules_and_compensation_lines_load(tmp_path):
    with _load(tmp_path, {"理赔标准.csv": RULES, "yto_bill.csv": BILL}) as db:
        rules = db.execute("SELECT carrier, incident, insured, basis, multiple, cap, claim_days "
                           "FROM compensation_rules ORDER BY carrier, incident").fetchall()
        lines = db.df("SELECT waybill_no, fee_type, payable FROM courier_bill_lines "
                      "ORDER BY waybill_no, bill_date")
    assert [(*r[:4], float(r[4]), None if r[5] is None else float(r[5]), r[6])
            for r in rules] == [
        ("SF", "damaged", True, "declared_value", 0.5, None, 10),
        ("SF", "lost", False, "freight_multiple", 7, None, 10),
        ("ZTO", "lost", False, "goods_value", 1, 300, 15),
    ]
    assert list(lines["fee_type"]) == ["freight", "compensation", "compensation"]
    assert list(lines["payable"].astype(float)) == [5.0, -15.0, -8.0]


def test_an_unknown_incident_is_refused_naming_the_cell(tmp_path):
    with pytest.raises(InputError) as caught:
        _load(tmp_path, {"理赔标准.csv": RULES + "SF,延误,否,运费倍数,1,,10,2026-01-01,\n"})
    found = [str(p) for p in caught.value.problems]
    assert len(found) == 1 and found[0].startswith(
        "理赔标准.csv, row 5, column '异常类型': unexpected value '延误'")


def rule(row, **overrides):
    return {"carrier": "SF", "incident": "lost", "insured": False, "basis": "freight_multiple",
            "multiple": 3, "cap": None, "claim_days": 10, "effective_from": date(2026, 1, 1),
            "effective_to": None, "source_file": "理赔标准.csv", "source_row": row} | overrides


def test_negative_multiples_no_deadline_and_two_rules_at_once_are_named():
    found = [str(p) for p in check_tables({"compensation_rules": pd.DataFrame([
        rule(2, multiple=-1), rule(3, claim_days=0, carrier="ZTO"),
        rule(4, carrier="YTO"), rule(5, carrier="YTO", effective_from=date(2026, 6, 1)),
        rule(6, insured=True),                       # insured: another rule, no overlap
    ])})]
    assert found == [
        "理赔标准.csv, row 2, column 'multiple': expected a multiple of 0 or more (3 = three "
        "times the basis), got -1",
        "理赔标准.csv, row 3, column 'claim_days': expected a number of days of 1 or more, got 0",
        "理赔标准.csv, row 5, column 'effective_from': effective from 2026-06-01 overlaps the "
        "range of row 4 for the same courier, incident and insurance",
    ]
