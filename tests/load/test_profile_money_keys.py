"""The profile keys for payment, bank and marketplace exports, one feature at a time.

Each test writes a tiny file and a profile that uses one key (sign, minus/plus, join, extract,
patterns, above, fill_down, empty_if, upper, decimal, timezone, number_repeats, stop_at_row,
extra_lines, unpivot type rules, a totals label under one header), so that a broken feature
fails here by name. Misuse of every key is reported by file and key when profiles load.
"""

from __future__ import annotations

import copy
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from recon_lib.errors import InputError
from recon_lib.load import ColumnRule, ExtraLine, parse_profile, read_file
from recon_lib.periods import parse_period

PERIOD = parse_period("2026-10")

# A settlement file: one row per transaction, the direction in its own column.
LINES = {
    "name": "lines",
    "table": "settlement_lines",
    "file_types": ["csv"],
    "signature": ["流水号", "金额"],
    "constants": {"channel": "alipay", "currency": "CNY"},
    "columns": {
        "settlement_id": {"from": "流水号"},
        "line_type": {"from": "类型", "map": {"收款": "sale", "退款": "refund"}},
        "amount": {"from": "金额"},
        "settled_at": {"from": "时间"},
    },
}


def profile(data: dict | None = None, **changes):
    """LINES (or ``data``) with top-level keys replaced, and ``columns.<name>`` rules set."""
    data = copy.deepcopy(data or LINES)
    for key, value in changes.items():
        if key.startswith("col_"):
            data["columns"][key[4:]] = value
        else:
            data[key] = value
    found, problems = parse_profile(data, Path("p.yaml"))
    assert problems == [], [str(p) for p in problems]
    return found


def read(tmp_path: Path, text: str, prof, name: str = "f.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return read_file(path, prof, PERIOD)


def problems_of(tmp_path: Path, text: str, prof) -> list[str]:
    with pytest.raises(InputError) as err:
        read(tmp_path, text, prof)
    return [str(p) for p in err.value.problems]


HEAD = "流水号,类型,收/支,金额,时间\n"


# -- sign ---------------------------------------------------------------------------------------
SIGNED = {"from": "金额", "sign": {"from": "收/支", "map": {"收入": "+", "支出": "-",
                                                           "不计收支": "skip"}}}


def test_sign_from_another_column_and_skip(tmp_path):
    frame = read(tmp_path, HEAD + "A1,收款,收入,10.00,2026-10-01\n"
                                  "A2,退款,支出,3.50,2026-10-02\n"
                                  "A3,收款,不计收支,99.00,2026-10-03\n"
                                  "A4,收款,收入,0.00,2026-10-04\n",
                 profile(col_amount=SIGNED))
    assert frame["amount"].tolist() == [Decimal("10.00"), Decimal("-3.50"), Decimal("0.00")]
    assert frame["source_row"].tolist() == [2, 3, 5]  # the skipped row is not loaded


def test_skipped_rows_are_not_read_at_all(tmp_path):
    """A row the sign skips may hold anything: its cells are never parsed."""
    frame = read(tmp_path, HEAD + "A1,收款,收入,10.00,2026-10-01\nA3,?,不计收支,n/a,later\n",
                 profile(col_amount=SIGNED))
    assert frame["settlement_id"].tolist() == ["A1"]


def test_unknown_or_empty_sign_is_refused(tmp_path):
    found = problems_of(tmp_path, HEAD + "A1,收款,收益,10.00,2026-10-01\nA2,收款,,5.00,2026-10-01\n",
                        profile(col_amount=SIGNED))
    assert found == [
        "f.csv, row 2, column '收/支': unexpected value '收益'; accepted: '收入', '支出', '不计收支'",
        "f.csv, row 3, column '收/支': empty cell: the sign of amount is read from it",
    ]


def test_sign_patterns_with_join(tmp_path):
    rule = {"from": "金额", "sign": {"from": "收/支", "join": ["类型"],
                                      "patterns": {"^收入": "+", "^支出": "-",
                                                   "^不计收支 退款$": "+", "^不计收支": "skip"}}}
    frame = read(tmp_path, HEAD + "A1,收款,收入,1.00,2026-10-01\nA2,退款,不计收支,2.00,2026-10-01\n"
                                  "A3,收款,不计收支,4.00,2026-10-01\n", profile(col_amount=rule))
    assert frame["amount"].tolist() == [Decimal("1.00"), Decimal("2.00")]


# -- minus / plus / negate ------------------------------------------------------------------------
def test_minus_reads_income_and_expense_columns(tmp_path):
    text = ("流水号,收入金额,支出金额,时间,金额\n"
            'T1,"1,234.56",-,2026-10-01,x\nT2,-,"1,000.00",2026-10-02,x\nT3,,,2026-10-03,x\n')
    frame = read(tmp_path, text, profile(col_amount={"from": "收入金额", "minus": "支出金额"},
                                         col_line_type={"from": "流水号", "patterns": {".": "sale"}}))
    assert frame["amount"].tolist() == [Decimal("1234.56"), Decimal("-1000.00"), None]


def test_plus_and_negate_apply_after_the_terms(tmp_path):
    text = "流水号,金额,退款,时间\nT1,100.00,37.00,2026-10-01\nT2,0.0,0.0,2026-10-01\n"
    rule = {"from": "金额", "plus": {"from": "退款"}, "negate": True}
    frame = read(tmp_path, text, profile(col_amount=rule, col_line_type={
        "from": "流水号", "patterns": {".": "sale"}}))
    assert frame["amount"].tolist() == [Decimal("-137.00"), Decimal("0.00")]
    assert str(frame["amount"].iloc[1]) == "0.00"  # no -0.00


# -- join, extract, patterns, empty_if, upper, decimal -------------------------------------------
def test_join_date_and_time_columns(tmp_path):
    text = "流水号,金额,日期,时刻\nT1,1.00,20261001,123456\nT2,1.00,20261002,\n"
    rule = {"from": "日期", "join": ["时刻"], "formats": ["%Y%m%d %H%M%S", "%Y%m%d"]}
    frame = read(tmp_path, text, profile(col_settled_at=rule, col_line_type={
        "from": "流水号", "patterns": {".": "sale"}}))
    assert frame["settled_at"].tolist() == [datetime(2026, 10, 1, 12, 34, 56),
                                            datetime(2026, 10, 2)]


def test_extract_keeps_the_group_and_refuses_other_text(tmp_path):
    text = ("流水号,类型,金额,时间\nT1,收款,131.77(已退款89.84),2026-10-01\n"
            "T2,收款,12.00,2026-10-01\nT3,收款,13.7x(已退款1.00),2026-10-01\n")
    rule = {"from": "金额", "extract": r"^([0-9.,]+)(?:\(已退款[0-9.,]+\))?$"}
    found = problems_of(tmp_path, text, profile(col_amount=rule))
    assert found == ["f.csv, row 4, column '金额': '13.7x(已退款1.00)' does not have the expected "
                     "form (the profile's pattern '^([0-9.,]+)(?:\\\\(已退款[0-9.,]+\\\\))?$')"]
    frame = read(tmp_path, text.rsplit("T3", 1)[0], profile(col_amount=rule))
    assert frame["amount"].tolist() == [Decimal("131.77"), Decimal("12.00")]


def test_extract_unmatched_empty(tmp_path):
    text = "流水号,类型,金额,备注,时间\nT1,收款,1.00,服务费¥0.10,2026-10-01\nT2,收款,1.00,/,2026-10-01\n"
    rule = {"from": "备注", "extract": "服务费[¥￥]([0-9.]+)", "unmatched": "empty"}
    frame = read(tmp_path, text, profile(col_amount=rule))
    assert frame["amount"].tolist() == [Decimal("0.10"), None]


def test_patterns_first_match_wins_and_unknown_is_refused(tmp_path):
    rule = {"from": "类型", "patterns": {"退款": "refund", "^收": "sale"}}
    text = HEAD + "A1,收款-退款,收入,1,2026-10-01\nA2,收款,收入,1,2026-10-01\nA3,佣金,收入,1,2026-10-01\n"
    found = problems_of(tmp_path, text, profile(col_line_type=rule))
    assert found == ["f.csv, row 4, column '类型': unexpected value '佣金'; accepted: values "
                     "matching '退款', '^收'"]
    frame = read(tmp_path, text, profile(col_line_type={**rule, "map_default": "other"}))
    assert frame["line_type"].tolist() == ["refund", "sale", "other"]


def test_patterns_and_default_derive_a_status_from_a_cell_being_there(tmp_path):
    data = {"name": "o", "table": "orders", "file_types": ["csv"], "signature": ["单号"],
            "constants": {"channel": "tmall", "currency": "CNY"},
            "columns": {"order_id": {"from": "单号"}, "created_at": {"from": "创建"},
                        "status": {"from": "付款", "patterns": {".": "paid"}, "default": "cancelled"},
                        "paid_amount": {"from": "实付", "plus": "退款"}}}
    text = ("单号,创建,付款,实付,退款\n1,2026-10-01 10:00:00,,0.0,0.0\n"
            "2,2026-10-01 11:00:00,2026-10-01 11:00:05,100.0,37.0\n")
    frame = read(tmp_path, text, profile(data))
    assert frame["status"].tolist() == ["cancelled", "paid"]
    assert frame["paid_amount"].tolist() == [Decimal("0.00"), Decimal("137.00")]


def test_empty_if_upper_and_decimal_comma(tmp_path):
    text = "流水号,金额,币种,商户单号,时间\nT1,\"1.234,56\",usd,/,2026-10-01\nT2,\"-0,5\",eur,S1,2026-10-01\n"
    prof = profile(col_amount={"from": "金额", "decimal": ","},
                   col_currency={"from": "币种", "upper": True},
                   col_order_id={"from": "商户单号", "empty_if": "^/$"},
                   col_line_type={"from": "流水号", "patterns": {".": "sale"}},
                   constants={"channel": "paypal"})
    frame = read(tmp_path, text, prof)
    assert frame["amount"].tolist() == [Decimal("1234.56"), Decimal("-0.50")]
    assert frame["currency"].tolist() == ["USD", "EUR"]
    assert frame["order_id"].tolist() == [None, "S1"]


def test_decimal_comma_refuses_letters_with_its_example(tmp_path):
    found = problems_of(tmp_path, "流水号,类型,金额,时间\nT1,收款,\"1,5a\",2026-10-01\n",
                        profile(col_amount={"from": "金额", "decimal": ","}))
    assert found == ["f.csv, row 2, column '金额': expected a number, got '1,5a' (like 1234,56)"]


# -- time zones ----------------------------------------------------------------------------------
def test_timezone_of_naive_times_and_zone_names(tmp_path):
    text = ("流水号,类型,金额,日期,时刻,时区\nT1,收款,1,2026-10-01,08:26:29,\n"
            "T2,收款,1,10/02/2026,02:32:15,PDT\nT3,收款,1,2026-10-28,09:00:00,CET\n")
    rule = {"from": "日期", "join": ["时刻", "时区"], "formats": ["%m/%d/%Y %H:%M:%S"],
            "timezone": "UTC"}
    frame = read(tmp_path, text, profile(col_settled_at=rule))
    assert frame["settled_at"].tolist() == [
        datetime(2026, 10, 1, 16, 26, 29),  # UTC (the rule's zone) -> +8
        datetime(2026, 10, 2, 17, 32, 15),  # PDT is UTC-7
        datetime(2026, 10, 28, 16, 0),  # CET is UTC+1
    ]


def test_an_ambiguous_zone_name_is_refused(tmp_path):
    text = "流水号,类型,金额,时间\nT1,收款,1,2026-10-01 09:00:00 CST\n"
    found = problems_of(tmp_path, text, profile())
    assert found == ["f.csv, row 2, column '时间': unknown time zone 'CST' in "
                     "'2026-10-01 09:00:00 CST': give the profile's column a timezone (an IANA "
                     "name such as America/Chicago)"]
    frame = read(tmp_path, text, profile(col_settled_at={"from": "时间",
                                                         "timezone": "America/Chicago"}))
    assert frame["settled_at"].tolist() == [datetime(2026, 10, 1, 22)]  # CDT in October


# -- above, fill_down, number_repeats, stop_at_row ------------------------------------------------
BANK = {
    "name": "bank", "table": "bank_transactions", "file_types": ["csv"],
    "signature": ["日期", "收入", "支出"], "constants": {"currency": "CNY"},
    "columns": {"account": {"above": "卡号"},
                "txn_id": {"from": "日期", "join": ["收入", "支出"], "join_with": "|",
                           "number_repeats": True},
                "booked_at": {"from": "日期"}, "amount": {"from": "收入", "minus": "支出"}},
}


def test_a_value_above_the_header_and_numbered_repeats(tmp_path):
    text = ("明细查询文件下载\n卡号: 6222****0001,\"卡别名: 店\"\n\n日期,收入,支出\n"
            "2026-10-01,5.00,\n2026-10-01,5.00,\n2026-10-02,,5.00\n")
    frame = read(tmp_path, text, profile(BANK))
    assert frame["account"].tolist() == ["6222****0001"] * 3
    assert frame["txn_id"].tolist() == ["2026-10-01|5.00", "2026-10-01|5.00#2", "2026-10-02|5.00"]
    assert frame["amount"].tolist() == [Decimal("5.00"), Decimal("5.00"), Decimal("-5.00")]


def test_a_label_above_with_its_value_in_the_next_cell(tmp_path):
    text = "账号,6200000000001230,账户类型,借记卡\n日期,收入,支出\n2026-10-01,5.00,\n"
    frame = read(tmp_path, text, profile(BANK, col_account={"above": "账号"}))
    assert frame["account"].tolist() == ["6200000000001230"]


def test_a_missing_label_above_is_a_problem(tmp_path):
    found = problems_of(tmp_path, "日期,收入,支出\n2026-10-01,5.00,\n", profile(BANK))
    assert found == ["f.csv, row 1, column '卡号': no '卡号' above the header (read into account)"]


def test_fill_down_takes_the_value_of_a_row_that_is_not_loaded(tmp_path):
    data = copy.deepcopy(LINES)
    data["totals"] = {"row": "below", "label": {"总额": r"\d"}, "check": {"总额": {"sum": "amount"}}}
    del data["constants"]["currency"]
    text = ("流水号,类型,金额,时间,总额,币种\n,,,,13.00,USD\nA1,收款,10.00,2026-10-01,,\n"
            "A2,收款,3.00,2026-10-01,,JPY\nA3,收款,0,2026-10-01,,\n")
    frame = read(tmp_path, text, profile(data, col_currency={"from": "币种", "fill_down": True}))
    assert frame["currency"].tolist() == ["USD", "JPY", "JPY"]
    assert frame["source_row"].tolist() == [3, 4, 5]  # the totals row is not a line


def test_totals_label_under_one_header_is_checked(tmp_path):
    data = copy.deepcopy(LINES)
    data["totals"] = {"row": "below", "label": {"总额": r"\d"}, "check": {"总额": {"sum": "amount"}}}
    text = "流水号,类型,金额,时间,总额\n,,,,13.01\nA1,收款,10.00,2026-10-01,\nA2,收款,3.00,2026-10-01,\n"
    found = problems_of(tmp_path, text, profile(data))
    assert found == ["f.csv, row 2, column '总额': total '总额' in the totals row is 13.01 but the "
                     "lines give 13.00 (sum of amount): difference 0.01 (total minus lines)"]


def test_stop_at_row_ends_the_data_at_a_trailer(tmp_path):
    text = (HEAD + "A1,收款,收入,1.00,2026-10-01\n------------------\n导出信息：\n"
            "共21笔记录\n收入：0笔,0.00元\n")
    frame = read(tmp_path, text, profile(col_amount=SIGNED, stop_at_row={"流水号": "^-{5,}"}))
    assert frame["settlement_id"].tolist() == ["A1"]
    found = problems_of(tmp_path, text, profile(col_amount=SIGNED))
    assert any("row 4" in p for p in found)  # without it, the trailer is read as data


# -- extra lines ---------------------------------------------------------------------------------
def test_extra_lines_split_a_fee_and_keep_their_own_key(tmp_path):
    data = copy.deepcopy(LINES)
    data["extra_lines"] = [{"columns": {"amount": {"from": "净额", "minus": "金额"}},
                            "constants": {"line_type": "fee"},
                            "suffix": {"settlement_id": "-fee"}}]
    text = ("流水号,类型,金额,净额,时间\nP1,收款,100.00,97.10,2026-10-01\n"
            "P2,退款,-50.00,-50.00,2026-10-02\nP3,收款,10.00,9.41,2026-10-03\n")
    frame = read(tmp_path, text, profile(data))
    assert frame["settlement_id"].tolist() == ["P1", "P1-fee", "P2", "P3", "P3-fee"]
    assert frame["line_type"].tolist() == ["sale", "fee", "refund", "sale", "fee"]
    assert frame["amount"].tolist() == [Decimal("100.00"), Decimal("-2.90"), Decimal("-50.00"),
                                        Decimal("10.00"), Decimal("-0.59")]
    assert frame["source_row"].tolist() == [2, 2, 3, 4, 4]
    assert sum(frame["amount"]) == Decimal("56.51")  # = the nets


# -- unpivot: a type read from the row, optional fee columns -------------------------------------
def test_unpivot_types_from_the_row_and_optional_columns(tmp_path):
    data = copy.deepcopy(LINES)
    data["signature"] = ["流水号", "货款"]
    data["columns"] = {"settlement_id": {"from": "流水号", "number_repeats": True},
                       "settled_at": {"from": "时间"}}
    data["unpivot"] = {"value_column": "amount", "type_column": "line_type", "columns": {
        "货款": {"from": "类型", "map": {"订单": "sale", "退单": "refund"}},
        "佣金": "commission",
        "推广费": {"type": "fee", "optional": True}}}
    text = "流水号,类型,货款,佣金,时间\nA1,订单,100.00,-5.00,2026-10-01\nA2,退单,-100.00,,2026-10-02\n"
    frame = read(tmp_path, text, profile(data))
    assert frame["line_type"].tolist() == ["sale", "commission", "refund"]
    assert frame["settlement_id"].tolist() == ["A1", "A1#2", "A2"]
    assert frame["amount"].tolist() == [Decimal("100.00"), Decimal("-5.00"), Decimal("-100.00")]


def test_rules_parse_into_their_dataclasses():
    prof = profile(col_amount=SIGNED, extra_lines=[
        {"columns": {"amount": {"from": "费"}}, "constants": {"line_type": "fee"},
         "suffix": {"settlement_id": "-fee"}}])
    assert prof.columns["amount"].sign == ColumnRule(
        ("收/支",), map={"收入": "+", "支出": "-", "不计收支": "skip"})
    assert prof.extra_lines == (ExtraLine({"amount": ColumnRule(("费",))}, {"line_type": "fee"},
                                          {"settlement_id": "-fee"}),)


# -- misuse, named by key ------------------------------------------------------------------------
@pytest.mark.parametrize(("change", "expected"), [
    ({"col_amount": {"from": "金额", "sign": {"from": "收/支"}}},
     "columns.amount.sign: needs map or patterns"),
    ({"col_amount": {"from": "金额", "sign": {"from": "收/支", "map": {"收入": "plus"}}}},
     "columns.amount.sign.map.收入: 'plus' is not accepted for sign; one of: +, -, skip"),
    ({"col_line_type": {"from": "类型", "sign": {"from": "x", "map": {"a": "+"}}}},
     "columns.line_type.sign: only for number columns"),
    ({"col_amount": {"from": "金额", "minus": {"from": "x", "map": {"a": "1"}}}},
     "columns.amount.minus.map: unknown key"),
    ({"col_amount": {"from": "金额", "extract": "(a)(b)"}},
     "columns.amount.extract: '(a)(b)' has 2 groups"),
    ({"col_amount": {"from": "金额", "extract": "(unclosed"}},
     "columns.amount.extract: bad regular expression"),
    ({"col_amount": {"from": "金额", "unmatched": "empty"}},
     "columns.amount.unmatched: only allowed together with 'extract'"),
    ({"col_amount": {"from": "金额", "extract": "(x)", "unmatched": "ignore"}},
     "columns.amount.unmatched: expected one of error, empty"),
    ({"col_line_type": {"from": "类型", "map": {"a": "sale"}, "patterns": {"b": "sale"}}},
     "columns.line_type.patterns: use either map"),
    ({"col_line_type": {"from": "类型", "patterns": {"退款": "refunded"}}},
     "columns.line_type.patterns.退款: 'refunded' is not accepted for line_type"),
    ({"col_amount": {"from": "金额", "upper": True}}, "columns.amount.upper: only for text columns"),
    ({"col_amount": {"from": "金额", "decimal": ";"}}, "columns.amount.decimal: expected '.' or ','"),
    ({"col_amount": {"from": "金额", "timezone": "UTC"}},
     "columns.amount.timezone: only for DATE and TIMESTAMP columns"),
    ({"col_settled_at": {"from": "时间", "timezone": "Mars/Olympus"}},
     "columns.settled_at.timezone: unknown time zone 'Mars/Olympus'"),
    ({"col_amount": {"from": "金额", "number_repeats": True}},
     "columns.amount.number_repeats: only for text columns"),
    ({"col_settlement_id": {"above": "卡号", "from": "x"}},
     "columns.settlement_id.above: reads a label above the header; it cannot be combined with from"),
    ({"col_settlement_id": {"from": "x", "join_with": "|"}},
     "columns.settlement_id.join_with: only allowed together with 'join'"),
    ({"col_settlement_id": {"from": "x", "empty_if": "(["}},
     "columns.settlement_id.empty_if: bad regular expression"),
    ({"stop_at_row": {"流水号": "(["}}, "stop_at_row.流水号: bad regular expression"),
    ({"stop_at_row": ["---"]}, "stop_at_row: expected a mapping of header -> regex"),
    ({"extra_lines": {"columns": {}}}, "extra_lines: expected a list"),
    ({"extra_lines": [{"columns": {"line_type": {"from": "x"}}, "suffix": {"settlement_id": "-x"}}]},
     "extra_lines[0].columns: needs a number column"),
    ({"extra_lines": [{"columns": {"amount": {"from": "费"}}}]},
     "extra_lines[0].suffix: the extra line needs a key of its own"),
    ({"extra_lines": [{"columns": {"amount": {"from": "费"}}, "suffix": {"amount": "-x"}}]},
     "extra_lines[0].suffix.amount: only text columns take a suffix"),
    ({"extra_lines": [{"columns": {"amount": {"fro": "费"}}, "suffix": {"settlement_id": "-x"}}]},
     "extra_lines[0].columns.amount.fro: unknown key"),
    ({"extra_lines": [{"columns": {"amount": {"from": "费"}, "order_id": {
        "from": "x", "number_repeats": True}}, "suffix": {"settlement_id": "-x"}}]},
     "extra_lines[0].columns.order_id.number_repeats: not available in extra lines"),
    ({"extra_lines": [{"colour": 1, "columns": {"amount": {"from": "费"}},
                       "suffix": {"settlement_id": "-x"}}]},
     "extra_lines[0].colour: unknown key; allowed: columns, constants, suffix"),
    ({"totals": {"row": "below", "label": {"a": "x", "b": "y"}, "check": {"a": {"sum": "amount"}}}},
     "totals.label: a mapping names one header"),
    ({"totals": {"row": "below", "label": {"总额": "(["}, "check": {"总额": {"sum": "amount"}}}},
     "totals.label.总额: bad regular expression"),
])
def test_misuse_is_named_by_key(change, expected):
    data = copy.deepcopy(LINES)
    for key, value in change.items():
        if key.startswith("col_"):
            data["columns"][key[4:]] = value
        else:
            data[key] = value
    found, problems = parse_profile(data, Path("p.yaml"))
    messages = [p.message for p in problems]
    assert found is None
    assert any(m.startswith(expected) for m in messages), messages


def test_private_headers_cannot_be_read_by_the_new_keys():
    data = copy.deepcopy(LINES)
    data["private"] = ["对方", "备注"]
    data["columns"]["amount"] = {"from": "金额", "sign": {"from": "收/支", "join": ["对方"],
                                                          "map": {"a": "+"}}}
    data["extra_lines"] = [{"columns": {"amount": {"from": "备注"}},
                            "suffix": {"settlement_id": "-x"}}]
    _, problems = parse_profile(data, Path("p.yaml"))
    assert [p.message for p in problems] == [
        "private: '对方' is read by columns.amount.from; a private column must not be read",
        "private: '备注' is read by extra_lines[0].columns.amount.from; a private column must "
        "not be read"]
