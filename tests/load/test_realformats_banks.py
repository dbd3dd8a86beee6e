"""Bank statements through the built-in profiles: ICBC, CMB, BOC, BoCom, ABC, CGB, HSBC HK,
CITIC and SPDB.

Every layout is read from a small hand-made fixture with the statement's quirks (title rows and
preambles, padded cells followed by tabs, separate income/expense columns with ``-``
placeholders, thousand separators, a direction column, currency and amount in one cell, dates
without a year, a 人民币合计 footer), and from the real sample in ``../shared/realdata`` when it
is there. Amounts are signed as the canonical table wants them: money into the account positive.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from realformats_helpers import FIXTURES, REAL, read

from recon_lib.errors import InputError

D = Decimal


def total(frame) -> Decimal:
    return sum(frame["amount"].tolist(), Decimal(0))


# profile, fixture, period, rows, sum of amounts, {row position: {column: value}}
FIXTURE_CASES = [
    ("icbc_debit", "icbc_debit_v2.csv", "2026-10", 3, D("11077.67"), {
        0: {"account": "6222****0001", "amount": D("12345.67"), "balance": D("22345.67"),
            "currency": "CNY", "counterparty": "支付宝（中国）网络技术有限公司",
            "booked_at": datetime(2026, 10, 5), "txn_id": "2026-10-05|他行汇入|12,345.67|"
                                                          "22,345.67|支付宝（中国）网络技术有限公司"},
        1: {"amount": D("-268.00"), "reference": "消费 / 财付通-包装材料店"},
        2: {"amount": D("-1000.00"), "balance": None}}),  # the masked xx,yyyy.zz
    ("icbc_debit", "icbc_debit_v1.csv", "2026-10", 2, D("12077.67"), {
        1: {"amount": D("-268.00"), "account": "6222****0001"}}),
    ("icbc_credit", "icbc_credit.csv", "2026-10", 2, D("2912.00"), {
        0: {"account": "6222****5678", "amount": D("-88.00"), "balance": D("-3088.00"),
            "booked_at": datetime(2026, 10, 4)},  # 记账日期, not 交易日期
        1: {"amount": D("3000.00")}}),
    ("cmb_debit", "cmb_debit.csv", "2026-10", 4, D("10986.86"), {
        0: {"account": "CMB-debit", "amount": D("12000.00"), "balance": D("13271.66"),
            "reference": "转账汇款 / 货款"},
        3: {"counterparty": None, "amount": D("-10.14")}}),
    ("cmb_credit", "cmb_credit.csv", "2027-01", 4, D("-764.10"), {
        0: {"booked_at": datetime(2026, 12, 29), "amount": D("500.00")},  # a repayment, 交易日 empty
        1: {"booked_at": datetime(2026, 12, 31), "amount": D("-268.00")},
        3: {"booked_at": datetime(2027, 1, 7), "amount": D("-1000.00"), "currency": "CNY"}}),
    ("boc_debit", "boc_debit.csv", "2026-10", 3, D("5749.11"), {
        0: {"account": "3167", "booked_at": datetime(2026, 10, 22, 17, 57, 17),
            "amount": D("-71.89"), "balance": D("3240.28"), "reference": "无卡支付"},
        2: {"amount": D("5771.00"), "counterparty": "森屿家居贸易有限公司"}}),
    ("boc_credit", "boc_credit.csv", "2026-10", 5, D("-331.07"), {
        0: {"amount": D("-468.32"), "booked_at": datetime(2026, 10, 14)},
        1: {"amount": D("0.01")},
        3: {"txn_id": "2026-10-25|2026-10-24|2875|网银在线CHN|70.48#2"},  # the same line again
        4: {"currency": "USD", "amount": D("-3.72")}}),
    ("bocom_debit", "bocom_debit.csv", "2026-10", 3, D("-991.98"), {
        0: {"amount": D("1.23"), "booked_at": datetime(2026, 10, 1)},
        1: {"amount": D("-1003.21"), "booked_at": datetime(2026, 10, 2, 13, 15, 12)},  # 借 Dr
        2: {"reference": "其他交易 / 银联入账(顾客甲/其它)转账"}}),
    ("bocom_credit", "bocom_credit.csv", "2026-10", 4, D("83.84"), {
        0: {"amount": D("123.18"), "currency": "CNY"},  # 退货
        1: {"amount": D("13.50")},  # 信用卡还款, CNY13.50 without a space
        3: {"amount": D("-49.85")}}),  # 消费: JPY 1000.00 booked as CNY 49.85
    ("abc_debit", "abc_debit.csv", "2026-10", 5, D("8755.12"), {
        0: {"booked_at": datetime(2026, 10, 1, 12, 34, 56), "amount": D("10000.00")},
        2: {"booked_at": datetime(2026, 10, 3), "reference": "正常还款"},  # a short row
        3: {"counterparty": None, "txn_id": "20261021|0000000000|+0.01"},
        4: {"amount": D("0.00"), "txn_id": "20261021|0000000000|+0.00"}}),
    ("cgb_credit", "cgb_credit.csv", "2026-10", 3, D("1211.98"), {
        0: {"amount": D("-15.90"), "booked_at": datetime(2026, 10, 6), "currency": "CNY"},
        1: {"amount": D("97.20")}}),
    ("hsbchk_debit", "hsbchk_debit.csv", "2026-10", 4, D("12929.95"), {
        0: {"booked_at": datetime(2026, 10, 24), "amount": D("-75.50"), "balance": D("3613.17"),
            "currency": "HKD"},
        1: {"amount": D("12500.00")},
        2: {"currency": "CNY"},
        3: {"balance": D("-8811.33")}}),
]


@pytest.mark.parametrize(("name", "fixture", "period", "rows", "amount", "spots"), FIXTURE_CASES,
                         ids=[c[1] for c in FIXTURE_CASES])
def test_fixture(builtin, name, fixture, period, rows, amount, spots):
    frame = read(FIXTURES / fixture, builtin, period, name)
    assert len(frame) == rows
    assert total(frame) == amount
    for position, values in spots.items():
        for column, value in values.items():
            assert frame[column].iloc[position] == value, (position, column)


def test_icbc_footer_without_a_blank_line_is_not_data(tmp_path, builtin):
    text = (FIXTURES / "icbc_debit_v2.csv").read_text(encoding="utf-8").replace("\n \n", "\n")
    path = tmp_path / "icbc.csv"
    path.write_text(text, encoding="utf-8")
    frame = read(path, builtin, expected="icbc_debit")
    assert len(frame) == 3 and total(frame) == D("11077.67")  # 人民币合计 dropped, not summed


def test_bocom_credit_unknown_direction_is_refused(tmp_path, builtin):
    text = (FIXTURES / "bocom_credit.csv").read_text(encoding="utf-8").replace("消费 美团", "撤销 美团")
    path = tmp_path / "bocom.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        read(path, builtin)
    assert [(p.row, p.column) for p in err.value.problems] == [(4, "交易说明")]
    assert err.value.problems[0].message.startswith("unexpected value '撤销'")


def write_citic(path: Path) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "本期账单明细(人民币)"
    sheet.append(["本期账单明细(人民币)"])
    sheet.append(["交易日期", "入账日期", "交易描述", "卡末四位", "交易币种", "结算币种", "交易金额", "结算金额"])
    sheet.append(["2026-10-09", "2026-10-09", "支付宝－包装材料店", 6688, "人民币", "人民币", "5.90", "5.90"])
    sheet.append(["2026-10-09", "2026-10-09", "0.2元现金奖励", 6688, "人民币", "人民币", "-0.20", "-0.20"])
    sheet.append(["2026-10-20", "2026-10-20", "财付通还款", 6688, "人民币", "人民币", "-1,000.00", "-1,000.00"])
    book.save(path)
    return path


def write_spdb(path: Path) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "sheet"
    sheet.append(["账号", "6200000000001230", "账户类型", "借记卡", "日期范围", "20261001-20261031"])
    sheet.append(["顺序号", "交易日期", "交易类型", "存入金额", "取出金额", "余额", "交易对手名称", "交易对手账号",
                  "附言"])
    sheet.append(["1", "2026/10/03  14:06:51", "网上支付-支付宝", "", "3.88", "1981.33", "基金销售有限公司",
                  "12345678901236500", ""])
    sheet.append(["2", "2026/10/05  07:22:32", "汇入外", "10.00", "", "1991.33", "森屿家居",
                  "12345678901236501", "货款"])
    book.save(path)
    return path


def test_citic_workbook(tmp_path, builtin):
    frame = read(write_citic(tmp_path / "citic.xlsx"), builtin, expected="citic_credit")
    assert frame["amount"].tolist() == [D("-5.90"), D("0.20"), D("1000.00")]
    assert frame["txn_id"].iloc[0] == "2026-10-09|2026-10-09|6688|支付宝－包装材料店|5.90"  # no .0
    assert frame["source_row"].tolist() == [3, 4, 5]  # the title row is not the header


def test_spdb_workbook(tmp_path, builtin):
    frame = read(write_spdb(tmp_path / "spdb.xlsx"), builtin, expected="spdb_debit")
    assert frame["account"].tolist() == ["6200000000001230"] * 2  # 账号 | value, above the header
    assert frame["amount"].tolist() == [D("-3.88"), D("10.00")]
    assert frame["booked_at"].iloc[0] == datetime(2026, 10, 3, 14, 6, 51)
    assert frame["reference"].tolist() == ["网上支付-支付宝", "汇入外 / 货款"]


# -- the real samples ------------------------------------------------------------------------------
# file under double-entry-generator/example, profile, period, rows, sum, spots
REAL_CASES = [
    ("icbc/debit-v2/example-icbc-debit-v2-records.csv", "icbc_debit", "2023-05", 11, D("-1399.34"),
     {0: {"account": "1234****9876", "amount": D("-13.40"), "balance": None},
      4: {"amount": D("1234.56"), "booked_at": datetime(2023, 4, 14)}}),
    ("icbc/debit-v1/example-icbc-debit-v1-records.csv", "icbc_debit", "2023-05", 11, D("-1399.34"),
     {6: {"amount": D("341.58"), "counterparty": "支付宝（中国）网络技术有限公司"}}),
    ("icbc/credit/example-icbc-credit-records.csv", "icbc_credit", "2023-05", 9, D("4257.88"),
     {0: {"account": "1234****5678", "balance": D("-6086.11"), "amount": D("-0.01")},
      5: {"amount": D("4621.01")}}),
    ("cmb/debit/example-cmb-records.csv", "cmb_debit", "2024-01", 5, D("-779.14"),
     {0: {"amount": D("1234.00"), "balance": D("1271.66")}}),
    ("cmb/credit/example-cmb-records.csv", "cmb_credit", "2024-01", 6, D("-7675.98"),
     {0: {"booked_at": datetime(2023, 12, 29), "amount": D("1.23")},
      5: {"booked_at": datetime(2024, 1, 7), "amount": D("-8000.00")}}),
    ("boc/debit/example-boc-records.csv", "boc_debit", "2025-08", 17, D("426.70"),
     {0: {"booked_at": datetime(2025, 8, 22, 17, 57, 17), "amount": D("-71.89"), "account": "3167"},
      11: {"amount": D("5771.00")}}),
    ("boc/credit/example-boc-records.csv", "boc_credit", "2025-01", 14, D("-241.97"),
     {9: {"txn_id": "2024-12-25|2024-12-24|2875|网银在线CHN|70.48#2"},
      13: {"currency": "USD", "amount": D("-3.72")}}),
    ("bocom_debit/example-bocom_debit-records.csv", "bocom_debit", "2025-01", 6, D("-102.75"),
     {1: {"amount": D("-3.21")}, 5: {"amount": D("-100.79")}}),
    ("bocom_credit/example-bocom_credit-records.csv", "bocom_credit", "2025-01", 8, D("731.69"),
     {3: {"amount": D("13.50")}, 7: {"amount": D("-49.85"), "currency": "CNY"}}),
    ("abc_debit/example-abc_debit-records.csv", "abc_debit", "2024-01", 5, D("-2355.88"),
     {0: {"booked_at": datetime(2024, 1, 1, 12, 34, 56), "amount": D("10000.00")}}),
    ("cgb_credit/example-cgb_credit-records.csv", "cgb_credit", "2025-01", 4, D("824.56"),
     {3: {"amount": D("1130.68"), "booked_at": datetime(2024, 12, 26)}}),
    ("hsbchk/debit/example-hsbchk-debit-records.csv", "hsbchk_debit", "2025-03", 10,
     D("21978.95"), {0: {"booked_at": datetime(2025, 3, 24), "amount": D("-1.00")},
                     6: {"currency": "CNY", "balance": D("12500.00")}}),
    ("citic/credit/example-citic-records.xls", "citic_credit", "2024-11", 13, D("-1097.39"),
     {1: {"amount": D("0.20")}, 2: {"amount": D("-807.89")}}),
    ("spdb_debit/example-spdb_debit-records.xls", "spdb_debit", "2025-12", 4, D("-1.64"),
     {0: {"account": "6200000000001230", "booked_at": datetime(2025, 12, 3, 14, 6, 51)},
      1: {"amount": D("10.00"), "balance": D("1991.33")}}),
]


@pytest.mark.realdata
@pytest.mark.parametrize(("file", "name", "period", "rows", "amount", "spots"), REAL_CASES,
                         ids=[c[1] + ":" + Path(c[0]).parent.name for c in REAL_CASES])
def test_real_statement(realdata, builtin, file, name, period, rows, amount, spots):
    frame = read(realdata / REAL / file, builtin, period, name)
    assert len(frame) == rows
    assert total(frame) == amount
    for position, values in spots.items():
        for column, value in values.items():
            assert frame[column].iloc[position] == value, (position, column)
    assert frame["txn_id"].is_unique
