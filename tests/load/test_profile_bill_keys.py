"""The profile keys for bills: unpivot, same_as, totals and private, and how misuse is reported."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from recon_lib.errors import InputError
from recon_lib.load import TotalCheck, Totals, Unpivot, load_profiles, parse_profile

BILL = {
    "name": "bill",
    "table": "courier_bill_lines",
    "file_types": ["xlsx"],
    "signature": ["运单号", "物流费"],
    "constants": {"carrier": "ZTOKY"},
    "private": ["收件人"],
    "columns": {
        "waybill_no": {"from": "运单号"},
        "bill_date": {"from": "日期"},
        "amount": {"same_as": "payable"},
    },
    "unpivot": {"value_column": "payable", "type_column": "fee_type",
                "columns": {"物流费": "freight", "上楼费": "upstairs"}},
    "totals": [
        {"row": "below", "label": "^合计", "optional": True,
         "check": {"物流费": {"sum": "payable", "where": {"fee_type": "freight"}}}},
        {"sheet": "汇总", "check": {"总票数": {"count_distinct": "waybill_no"}}},
    ],
}


def with_change(path: str, value) -> dict:
    """BILL with the value at a dotted path replaced (``None`` removes the key)."""
    data = copy.deepcopy(BILL)
    *parents, last = path.split(".")
    node = data
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    if value is None:
        del node[last]
    else:
        node[last] = value
    return data


def messages(data: dict) -> list[str]:
    profile, problems = parse_profile(data, Path("p.yaml"))
    assert profile is None
    return [p.message for p in problems]


def test_the_bill_keys_parse():
    profile, problems = parse_profile(BILL, Path("p.yaml"))
    assert problems == []
    assert profile.unpivot == Unpivot("payable", "fee_type",
                                      {"物流费": "freight", "上楼费": "upstairs"}, True)
    assert profile.same_as == {"amount": "payable"}
    assert "amount" not in profile.columns  # every rule in columns reads a header
    assert profile.totals == (
        Totals((TotalCheck("物流费", "sum", "payable", {"fee_type": "freight"}),),
               row="below", label="^合计", optional=True),
        Totals((TotalCheck("总票数", "count_distinct", "waybill_no"),), sheet="汇总"),
    )
    assert profile.private == ("收件人",)


def test_one_totals_mapping_is_a_list_of_one():
    data = with_change("totals", BILL["totals"][1])
    profile, problems = parse_profile(data, Path("p.yaml"))
    assert problems == [] and profile.totals[0].sheet == "汇总"


@pytest.mark.parametrize(("path", "value", "expected"), [
    # unpivot
    ("unpivot", "物流费", "unpivot: expected a mapping like {value_column: payable"),
    ("unpivot.columns", None, "unpivot: missing key 'columns'"),
    ("unpivot.colour", "red", "unpivot.colour: unknown key; allowed: columns, skip_zero"),
    ("unpivot.value_column", "dest_province", "unpivot.value_column: must be a number column; "
                                              "dest_province is VARCHAR"),
    ("unpivot.value_column", "nope", "unpivot.value_column: table courier_bill_lines has no "
                                     "column 'nope'"),
    ("unpivot.type_column", "carrier", "unpivot.type_column: carrier is also in columns or "
                                       "constants; keep one"),
    ("unpivot.type_column", "payable", "unpivot.type_column: must differ from value_column"),
    ("unpivot.columns", {}, "unpivot.columns: expected a mapping of header -> type"),
    ("unpivot.columns.物流费", "fright", "unpivot.columns.物流费: 'fright' is not accepted for "
                                      "fee_type; one of: freight, insurance"),
    ("unpivot.skip_zero", "yes", "unpivot.skip_zero: expected true or false, got 'yes'"),
    ("unpivot", None, "columns: required column fee_type of table courier_bill_lines is in "
                      "neither columns, constants nor unpivot"),
    # same_as
    ("columns.amount", {"same_as": "nope"}, "columns.amount.same_as: table courier_bill_lines "
                                            "has no column 'nope'"),
    ("columns.amount", {"same_as": "payable", "from": "费用"},
     "columns.amount.same_as: copies another column and cannot be combined with from"),
    ("columns.amount", {"same_as": "waybill_no"},
     "columns.amount.same_as: waybill_no is VARCHAR but amount is DECIMAL(18,2)"),
    ("columns.amount", {"same_as": "amount"}, "columns.amount.same_as: a column cannot copy itself"),
    ("columns.amount", {"same_as": "discount"},
     "columns.amount.same_as: discount is read from nowhere"),
    ("columns.discount", {"same_as": "amount"},
     "columns.discount.same_as: amount is itself a copy (same_as)"),
    # totals
    ("totals", "yes", "totals: expected a mapping like {row: below"),
    ("totals", [], "totals: expected a mapping like {row: below"),
    ("totals.0.sheet", "汇总", "totals[0]: needs exactly one of 'row'"),
    ("totals.0.row", "middle", "totals[0].row: expected one of above, below, got 'middle'"),
    ("totals.0.label", None, "totals[0]: missing key 'label'"),
    ("totals.0.label", "(合计", "totals[0].label: bad regular expression '(合计'"),
    ("totals.0.optional", "no", "totals[0].optional: expected true or false"),
    ("totals.0.colour", "red", "totals[0].colour: unknown key; allowed: check, label"),
    ("totals.0.check", {}, "totals[0].check: expected a mapping of header (or label)"),
    ("totals.0.check.物流费", "payable", "totals[0].check.物流费: expected a mapping like "
                                       "{sum: payable}"),
    ("totals.0.check.物流费", {"sum": "payable", "count": "waybill_no"},
     "totals[0].check.物流费: needs exactly one of sum, count, count_distinct"),
    ("totals.0.check.物流费", {"sum": "payable", "avg": "payable"},
     "totals[0].check.物流费.avg: unknown key"),
    ("totals.0.check.物流费", {"sum": "waybill_no"},
     "totals[0].check.物流费.sum: only number columns add up; waybill_no is VARCHAR"),
    ("totals.0.check.物流费", {"sum": "discount"},
     "totals[0].check.物流费.sum: discount is read from nowhere"),
    ("totals.0.check.物流费", {"count": "colour"},
     "totals[0].check.物流费.count: table courier_bill_lines has no column 'colour'"),
    ("totals.0.check.物流费", {"sum": "payable", "where": {"fee_type": "fright"}},
     "totals[0].check.物流费.where.fee_type: 'fright' is not accepted for fee_type"),
    ("totals.0.check.物流费", {"sum": "payable", "where": "freight"},
     "totals[0].check.物流费.where: expected a mapping of column -> value"),
    ("totals.1.label", "^合计", "totals[1].label: only for a totals row"),
    ("file_types", ["xlsx", "csv"], "totals[1].sheet: a summary sheet needs workbooks; "
                                    "file_types also has csv"),
    # private
    ("private", ["运单号"], "private: '运单号' is read by columns.waybill_no.from; a private "
                         "column must not be read"),
    ("private", ["上楼费"], "private: '上楼费' is read by unpivot.columns.上楼费"),
    ("private", [], "private: must list at least one value"),
])
def test_misuse_of_the_bill_keys_is_named_by_key(path, value, expected):
    found = messages(with_change(path, value))
    assert any(m.startswith(expected) for m in found), found


def test_load_profiles_names_the_file_and_the_key(tmp_path):
    (tmp_path / "ky.yaml").write_text(
        "name: ky\ntable: courier_bill_lines\nfile_types: [xlsx]\nsignature: [物流单号]\n"
        "constants: {carrier: ZTOKY}\n"
        "columns:\n  waybill_no: {from: 物流单号}\n  bill_date: {from: 发货时间}\n"
        "  amount: {same_as: payable}\n"
        "unpivot:\n  value_column: payable\n  type_column: fee_type\n"
        "  columns: {物流费: fright}\n"
        "totals:\n  row: below\n  check: {物流费: {sum: payable}}\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_profiles(tmp_path)
    text = str(err.value)
    assert f"{tmp_path / 'ky.yaml'}: unpivot.columns.物流费: 'fright' is not accepted" in text
    assert f"{tmp_path / 'ky.yaml'}: totals: missing key 'label'" in text
