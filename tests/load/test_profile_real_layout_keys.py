"""The profile keys of issue 19: province_from, totals in an unnamed column and totals by
alternative labels, group_by, from_bill and shipment_columns; and the city -> province table."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from recon_lib import geo
from recon_lib.errors import InputError
from recon_lib.load import parse_profile, read_file

BILL = {
    "name": "bill", "table": "courier_bill_lines", "file_types": ["csv"],
    "signature": ["运单号", "日期", "金额"],
    "constants": {"carrier": "SF", "fee_type": "freight"},
    "columns": {"waybill_no": {"from": "运单号"}, "bill_date": {"from": "日期"},
                "payable": {"from": "金额"}, "dest_province": {"from": "城市",
                                                               "province_from": "city"}},
}
SHIPS = {
    "name": "ships", "table": "shipments", "file_types": ["csv"], "signature": ["运单号", "重量"],
    "constants": {"warehouse": "仓"},
    "columns": {"tracking_no": {"from": "运单号"}, "shipment_id": {"same_as": "tracking_no"},
                "order_id": {"same_as": "tracking_no"}, "carrier": {"from_bill": "tracking_no"},
                "ship_time": {"from_bill": "tracking_no"}, "weight_kg": {"from": "重量"}},
    "group_by": {"key": "tracking_no", "sum": ["weight_kg"]},
}


def parse(data: dict):
    profile, problems = parse_profile(data, Path("p.yaml"))
    return profile, [p.message for p in problems]


def test_the_new_keys_parse():
    bill, problems = parse({**BILL, "shipment_columns": {"service": {"from": "产品"}},
                            "totals": {"row": "above", "label": "^已付", "check": {
                                "金额": {"sum": "payable", "at": "unnamed"}}}})
    assert problems == []
    assert bill.columns["dest_province"].province_from == "city"
    assert bill.shipment_columns["service"].from_ == ("产品",)
    assert bill.totals[0].checks[0].at == "unnamed"
    ships, problems = parse(SHIPS)
    assert problems == []
    assert ships.from_bill == {"carrier": "tracking_no", "ship_time": "tracking_no"}
    assert ships.group_by.key == "tracking_no" and ships.group_by.sum == ("weight_kg",)
    assert "carrier" not in ships.columns and "carrier" not in ships.same_as


@pytest.mark.parametrize(("base", "change", "expected"), [
    (BILL, {"columns": {**BILL["columns"], "dest_province": {"from": "城市",
                                                             "province_from": "town"}}},
     "columns.dest_province.province_from: expected one of city, got 'town'"),
    (BILL, {"columns": {**BILL["columns"], "payable": {"from": "金额", "province_from": "city"}}},
     "columns.payable.province_from: only for text columns"),
    (BILL, {"columns": {**BILL["columns"], "dest_province": {
        "from": "城市", "province_from": "city", "map": {"a": "b"}}}},
     "columns.dest_province.province_from: gives the value itself"),
    (BILL, {"columns": {**BILL["columns"], "dest_province": {"from": "城市",
                                                             "unmatched": "empty"}}},
     "columns.dest_province.unmatched: only allowed together with 'extract' or 'province_from'"),
    (BILL, {"totals": {"sheet": "汇总", "check": {"金额": {"sum": "payable", "at": "unnamed"}}},
            "file_types": ["xlsx"]},
     "totals.check.金额.at: only for a totals row"),
    (BILL, {"totals": {"row": "above", "label": "x", "check": {"金额": {"sum": "payable",
                                                                       "at": "left"}}}},
     "totals.check.金额.at: expected one of header, unnamed"),
    (BILL, {"shipment_columns": {"tracking_no": {"from": "运单号"}}},
     "shipment_columns.tracking_no: not a column a bill can give"),
    (SHIPS, {"shipment_columns": {"service": {"from": "产品"}}},
     "shipment_columns: only for courier bills"),
    (SHIPS, {"columns": {**SHIPS["columns"], "carrier": {"from_bill": "tracking_no",
                                                         "map": {"a": "SF"}}}},
     "columns.carrier.from_bill: takes the value from the bills and cannot be combined with map"),
    (SHIPS, {"columns": {**SHIPS["columns"], "carrier": {"from_bill": "order_no"}}},
     "columns.carrier.from_bill: table shipments has no column 'order_no'"),
    (BILL, {"columns": {**BILL["columns"], "amount": {"from_bill": "waybill_no"}}},
     "columns.amount.from_bill: the bills give a carrier to any table, other columns only to "
     "shipments"),
    (SHIPS, {"group_by": {"key": "weight_kg"}}, "group_by.key: weight_kg is DECIMAL(12,3)"),
    (SHIPS, {"group_by": {"key": "tracking_no", "sum": ["warehouse"]}},
     "group_by.sum: only number columns add up"),
    (SHIPS, {"group_by": {"sum": ["weight_kg"]}}, "group_by: missing key 'key'"),
    (SHIPS, {"group_by": {"key": "tracking_no", "colour": 1}}, "group_by.colour: unknown key"),
])
def test_bad_new_keys_are_named(base, change, expected):
    profile, problems = parse({**base, **change})
    assert profile is None
    assert any(m.startswith(expected) for m in problems), problems


def test_unmatched_empty_leaves_unknown_places_without_a_province(tmp_path, period):
    rule = {"from": "城市", "province_from": "city", "unmatched": "empty"}
    profile, problems = parse({**BILL, "columns": {**BILL["columns"], "dest_province": rule}})
    assert problems == []
    path = tmp_path / "b.csv"
    path.write_text("运单号,日期,金额,城市\nA1,2026-10-02,5,义乌市\nA2,2026-10-02,5,宁波\n",
                    encoding="utf-8")
    assert read_file(path, profile, period)["dest_province"].tolist() == [None, "浙江"]


def test_a_total_under_one_of_several_headers(tmp_path, period):
    totals = {"row": "below", "label": "^合计$", "check": {
        "应付": {"sum": "payable", "from": ["应付金额", "金额"]}}}
    profile, problems = parse({**BILL, "totals": totals})
    assert problems == []
    path = tmp_path / "b.csv"
    path.write_text("运单号,日期,金额,城市\nA1,2026-10-02,5,宁波\n合计,,6,\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"total '金额' in the totals row is 6.00 but the lines "
                                         r"give 5.00"):
        read_file(path, profile, period)


# -- the city -> province table -----------------------------------------------------------------
def test_the_table_holds_every_prefecture_level_division():
    rows = geo.cities()
    levels = pd.Series([level for *_, level, _ in rows]).value_counts().to_dict()
    assert levels["prefecture"] == 333  # 293 cities, 7 地区, 30 自治州, 3 盟 (2019 onwards)
    assert levels["municipality"] == 4
    assert {p for p, *_ in rows} == set(geo.PROVINCES)
    names = [name for _, name, *_ in rows]
    assert len(names) == len(set(names))


@pytest.mark.parametrize(("place", "province"), [
    ("成都市", "四川"), ("成都", "四川"), ("苏州市", "江苏"), ("台州", "浙江"), ("东莞市", "广东"),
    ("恩施州", "湖北"), ("恩施土家族苗族自治州", "湖北"), ("延边朝鲜族自治州", "吉林"),
    ("大兴安岭地区", "黑龙江"), ("锡林郭勒盟", "内蒙古"), ("阿拉善盟", "内蒙古"),
    ("海南藏族自治州", "青海"), ("海南州", "青海"), ("海南", "海南"), ("海南省", "海南"),
    ("吉林市", "吉林"), ("巴州", "新疆"), ("石河子市", "新疆"), ("仙桃市", "湖北"),
    ("济源市", "河南"), ("儋州市", "海南"), ("三沙市", "海南"), ("日喀则市", "西藏"),
    ("海东市", "青海"), ("普洱市", "云南"), ("莱芜市", "山东"), ("襄樊", "湖北"),
    ("北京市", "北京"), ("重庆", "重庆"), ("上海市", "上海"),
    ("安徽省安庆市", "安徽"), ("北京北京市", "北京"), ("广西壮族自治区南宁市", "广西"),
    ("新疆维吾尔自治区乌鲁木齐市", "新疆"), ("浙江省义乌市", "浙江"), ("内蒙古自治区", "内蒙古"),
    ("广东 深圳市", "广东"), ("ＳＨ", None), ("广东省成都市", None), ("义乌市", None),
    ("香港", None), ("", None),
])
def test_place_names_give_their_province(place, province):
    assert geo.province_of(place) == province
