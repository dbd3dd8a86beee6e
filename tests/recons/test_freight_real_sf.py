"""The freight audit on an SF monthly bill in the layout merchants receive (issue 19).

SF's 产品类型 names the product on every line (特惠专配, 顺丰标快...) and 增值费用 the value-added
service of the lines that are not freight. Read as fee types, the product made every line a
freight line: each value-added line became a duplicate, and parcels billed under a product the
map did not know (特惠专配) became `other`, so their parcels were reported unbilled. Read by the
built-in profile, each waybill has its one freight line and its value-added lines of their own.
"""

from __future__ import annotations

import pytest

from recon_lib.config import Settings
from recon_lib.load import load_profiles, read_file
from recon_lib.periods import parse_period
from recon_lib.recons import freight
from recon_lib.recons.base import RunContext
from tests.conftest import insert
from tests.load.test_realformats_couriers import write_sf

OCT = parse_period("2026-10")


def card(province, first, extra):
    return {"carrier": "SF", "service": "express", "dest_province": province,
            "first_weight_kg": 1, "first_price": first, "additional_unit_kg": 0.5,
            "additional_price": extra, "rounding_unit_kg": 0.5, "volumetric_divisor": 6000,
            "discount_rate": 0.1, "remote": False, "effective_from": "2026-01-01"}


def parcel(no, province, kg, declared=None):
    return {"shipment_id": f"S-{no}", "order_id": f"O-{no}", "tracking_no": no, "carrier": "SF",
            "service": "express", "warehouse": "杭州仓", "ship_time": "2026-10-02 15:00:00",
            "weight_kg": kg, "length_cm": 20, "width_cm": 10, "height_cm": 10,
            "dest_province": province, "declared_value": declared}


@pytest.fixture
def month(db, tmp_path):
    bill = read_file(write_sf(tmp_path / "顺丰月结账单.xlsx"), load_profiles()["sf_bill"], OCT)
    insert(db, "courier_bill_lines", bill.to_dict("records"))
    insert(db, "rate_cards", [card("四川", 10, 3), card("湖北", 12, 3), card("新疆", 20, 4),
                              card("上海", 23, 3)])
    insert(db, "rate_card_surcharges", [
        {"carrier": "SF", "surcharge": "insurance", "basis": "share_of_declared", "rate": 0.005,
         "min_amount": 1, "effective_from": "2026-01-01"}])
    insert(db, "shipments", [
        parcel("SF1311234567890", "四川", 1.5, declared=400),  # freight, 保价, 易碎保
        parcel("SF1311234567891", "湖北", 2.0),                # freight, 转寄退回
        parcel("SF1311234567892", "新疆", 3.2, declared=1600),  # freight, 特安
        parcel("SF1311234567893", "上海", 0.5),                # freight only
        parcel("SF1311234567899", "上海", 0.5),                # on no bill
    ])
    return db


def findings(db):
    freight.reconcile(RunContext(db=db, period=OCT, run_id="sf", settings=Settings()))
    rows = db.execute("SELECT reason_code, key, amount FROM discrepancies "
                      "ORDER BY reason_code, key").fetchall()
    return {(code, key): float(amount) for code, key, amount in rows}


def test_value_added_lines_are_no_duplicates_and_billed_parcels_are_not_unbilled(month):
    got = findings(month)
    assert not [k for k in got if k[0] == "FRT_DUPLICATE"]
    assert [k for k in got if k[0] == "FRT_UNBILLED"] == [("FRT_UNBILLED", "SF1311234567899")]
    assert got == {
        ("FRT_UNBILLED", "SF1311234567899"): 20.70,
        # 转寄退回 (the parcel forwarded or sent back) is return freight: no return names it
        ("FRT_RETURN_NO_REQUEST", "SF1311234567891"): 12.00,
    }


def test_each_waybill_has_one_freight_line_priced_by_the_rate_card(month):
    lines = month.execute(
        "SELECT waybill_no, count(*) FILTER (WHERE fee_type = 'freight'), "
        "list(fee_type ORDER BY source_row) FROM courier_bill_lines GROUP BY 1 ORDER BY 1"
    ).fetchall()
    assert [tuple(r) for r in lines] == [
        ("SF1311234567890", 1, ["freight", "insurance", "other"]),
        ("SF1311234567891", 1, ["freight", "return"]),
        ("SF1311234567892", 1, ["freight", "insurance"]),
        ("SF1311234567893", 1, ["freight"]),
    ]
