"""Payment-wallet bills through the built-in profiles: Alipay, WeChat Pay, JD and Meituan.

Each layout is read from a small hand-made fixture with the export's quirks (GBK, preambles,
padded cells, IDs ending in a tab, trailing commas, ¥ amounts, refunds written into the amount,
fees inside a note, trailers), and from the real sample files in ``../shared/realdata`` when
that folder is there (the expected counts, sums and values were computed from those files).
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from decimal import Decimal

import openpyxl
import pytest
from python_calamine import CalamineWorkbook
from realformats_helpers import FIXTURES, REAL, read

from recon_lib.errors import InputError
from recon_lib.load import read_file
from recon_lib.periods import parse_period

T = "\t"


def amounts(frame) -> list[Decimal]:
    return frame["amount"].tolist()


def total(frame) -> Decimal:
    return sum(amounts(frame), Decimal(0))


# -- Alipay: GBK, padded cells, IDs ending in a tab, a trailing comma ------------------------------
def cell(text: str, width: int = 20) -> str:
    return f"{text:<{width}}"


def alipay_row(*cells: str) -> str:
    return ",".join(cells) + ","


def alipay_current(rows: list[str] | None = None) -> str:
    """The current layout: 24 preamble lines (a record count that does not match), header 25."""
    preamble = [
        "-" * 84, "导出信息：", "姓名：森屿家居", "支付宝账户：shop@example.com",
        "起始时间：[2026-10-01 00:00:00]    终止时间：[2026-10-31 23:59:59]", "导出交易类型：[全部]",
        "导出时间：[2026-11-01 09:12:52]", "共66笔记录", "收入：2笔 1290.30元", "支出：2笔 117.50元",
        "不计收支：3笔 592.00元", "", "特别提示：",
        "1.本回单内容可表明支付宝受理了相应支付交易申请；", "2.请勿将本回单作为收款方发货的凭据使用；",
        "3.支付宝快捷支付等非余额支付方式可能既产生支付宝交易也同步产生银行交易；",
        "4.本回单如经任务涂改、编造，均立即失去效力；", "5.部分账单如：充值提现、账户转存等不计入为收入或者支出；",
        "6.因统计逻辑不同，明细金额直接累加后，可能会和下方统计金额不一致；", "7.禁止将本回单用于非法用途；",
        "8.本明细仅展示当前账单中的交易，不包括已删除的记录；", "9.本明细仅供个人对账使用。", "",
        "-" * 24 + "支付宝（中国）网络技术有限公司  电子客户回单" + "-" * 24,
    ]
    header = alipay_row(*(cell(h) for h in ("交易时间", "交易分类", "交易对方", "对方账号", "商品说明",
                                            "收/支", "金额", "收/付款方式", "交易状态", "交易订单号",
                                            "商家订单号", "备注")))
    if rows is None:
        rows = [
            alipay_row("2026-10-03 10:00:00 ", cell("转账红包"), cell("顾客甲"), cell("cus***@qq.com"),
                       cell("转账"), cell("收入"), cell("268.00"), cell("余额"), cell("交易成功"),
                       f"20261003220014000000000001{T}", f"{cell('')}{T}", cell("")),
            alipay_row("2026-10-04 11:20:00 ", cell("日用百货"), cell("包装材料店"), cell("pack***@163.com"),
                       cell("纸箱 50个"), cell("支出"), cell("35.50"), cell("余额"), cell("交易成功"),
                       f"20261004220014000000000002{T}", f"T2026100400001{T}", cell("")),
            alipay_row("2026-10-05 09:00:00 ", cell("退款"), cell("包装材料店"), cell("pack***@163.com"),
                       cell("退款-纸箱 50个"), cell("不计收支"), cell("10.00"), cell("余额"),
                       cell("退款成功"), f"20261004220014000000000002_1{T}", f"T2026100400001{T}",
                       cell("")),
            alipay_row("2026-10-06 00:05:00 ", cell("投资理财"), cell("蚂蚁财富"), cell("/"),
                       cell("余额宝-单次转入"), cell("不计收支"), cell("500.00"), cell("余额"),
                       cell("交易成功"), f"20261006220014000000000004{T}", f"{cell('')}{T}", cell("")),
            alipay_row("2026-10-07 12:00:00", "交通出行", "一卡通", "fin***@example.com", "一卡通充值",
                       "支出", "82.00", "余额宝", "交易关闭", f"20261007220014000000000005{T}",
                       f"D12*****14{T}", ""),
            alipay_row("2026-10-07 12:01:00", "退款", "一卡通", "fin***@example.com", "退款-一卡通充值",
                       "不计收支", "82.00", "余额宝", "退款成功", f"20261007220014000000000005_1{T}",
                       f"D12*****14{T}", ""),
            alipay_row("2026-10-18 10:17:29", "商业服务", "顾客乙", "/", "森屿家居订单", "收入", "1022.30",
                       "余额", "交易成功", f"20261018220014000000000007{T}", f"SY2026101801{T}", ""),
        ]
    return "\n".join([*preamble, header, *rows]) + "\n"


def alipay_2021() -> str:
    """The 2021 layout: one banner line, 收/支 first, a summary trailer below a dashed line."""
    header = alipay_row(*(cell(h) for h in ("收/支", "交易对方", "对方账号", "商品说明", "收/付款方式",
                                            "金额", "交易状态", "交易分类", "交易订单号", "商家订单号",
                                            "交易时间")))
    rows = [
        alipay_row(cell("收入"), cell("顾客甲"), cell("cus***@qq.com"), cell("转账"), cell("余额"),
                   cell("268.00"), cell("交易成功"), cell("转账红包"), f"2021060122001{T}",
                   f"{cell('')}{T}", "2021-06-01 09:00:00 "),
        alipay_row(cell("其他"), cell("滴露官方旗舰店"), cell("zhi***@example.com"), cell("退款-消毒液"),
                   cell("招商银行(9876)"), cell("109.90"), cell("退款成功"), cell("退款"),
                   f"2021060122002{T}", f"ABC9876{T}", "2021-06-01 00:13:56 "),
        alipay_row(cell("收入"), cell("滴露官方旗舰店"), cell("zhi***@example.com"), cell("退款-消毒液"),
                   cell("招商银行(9876)"), cell("109.90"), cell("退款成功"), cell("退款"),
                   f"2021060122003{T}", f"ABC9876{T}", "2021-06-01 00:13:56 "),
        alipay_row(cell("支出"), cell("滴露官方旗舰店"), cell("zhi***@example.com"), cell("消毒液"),
                   cell("招商银行(9876)"), cell("109.90"), cell("交易关闭"), cell("日用百货"),
                   f"2021060122004{T}", f"ABC9876{T}", "2021-06-01 00:10:22 "),
        alipay_row(cell("其他"), cell("广发基金管理有限公司"), cell(""), cell("余额宝-单次转入"), cell("余额"),
                   cell("2.00"), cell("交易成功"), cell("投资理财"), f"2021053022005{T}",
                   f"{cell('')}{T}", "2021-05-30 23:43:37 "),
        alipay_row(cell("支出"), cell("北京稻香村食品有限责任公司"), cell(""), cell("糕点"), cell("招商银行(9876)"),
                   cell("31.00"), cell("交易成功"), cell("餐饮美食"), f"2021121122006{T}",
                   f"322017092208872157{T}", "2021-12-11 16:53:51 "),
    ]
    trailer = ["-" * 84, "导出信息：", "姓名：森屿家居", "支付宝账户：shop@example.com",
               "起始时间：[2021-05-19 00:00:00]    终止时间：[2021-12-19 23:59:59]",
               "导出时间：[2021-12-19 03:10:16]", "共6笔记录", "收入：2笔,377.90元", "支出：2笔,140.90元",
               "其他：2笔,111.90元", "", "特别提示：",
               "5.部分账单如：充值提现、账户转存或者个人设置收支等不计入为收入或者支出，记为其他类；"]
    banner = "-" * 24 + "支付宝（中国）网络技术有限公司  电子客户回单" + "-" * 24
    return "\n".join([banner, header, *rows, *trailer]) + "\n"


def test_alipay_current_layout(tmp_path, builtin):
    path = tmp_path / "alipay_record_20261101.csv"
    path.write_bytes(alipay_current().encode("gbk"))
    frame = read(path, builtin, expected="alipay_bill")
    # 7 rows; 余额宝-单次转入 (不计收支, 投资理财) is not loaded; the 不计收支 refunds are.
    assert frame["source_row"].tolist() == [26, 27, 28, 30, 31, 32]
    assert amounts(frame) == [Decimal("268.00"), Decimal("-35.50"), Decimal("10.00"),
                              Decimal("-82.00"), Decimal("82.00"), Decimal("1022.30")]
    assert frame["line_type"].tolist() == ["sale", "other", "refund", "other", "refund", "sale"]
    assert total(frame) == Decimal("1264.80")
    first = frame.iloc[0]
    assert first["settlement_id"] == "20261003220014000000000001"  # no tab, no padding
    assert first["order_id"] is None  # a padded empty cell with a tab
    assert first["settled_at"] == datetime(2026, 10, 3, 10, 0)
    assert (first["channel"], first["currency"]) == ("alipay", "CNY")
    assert frame["order_id"].iloc[1] == "T2026100400001"


def test_alipay_2021_layout_ends_at_the_trailer(tmp_path, builtin):
    path = tmp_path / "alipay_2021.csv"
    path.write_bytes(alipay_2021().encode("gbk"))
    frame = read(path, builtin, expected="alipay_bill")
    # 其他 rows (a refund Alipay repeats as 收入, a transfer to 余额宝) are not loaded; the trailer
    # below the dashed line (导出信息, 共6笔记录, 收入：2笔,...) is not data.
    assert frame["source_row"].tolist() == [3, 5, 6, 8]
    assert amounts(frame) == [Decimal("268.00"), Decimal("109.90"), Decimal("-109.90"),
                              Decimal("-31.00")]
    assert frame["line_type"].tolist() == ["sale", "refund", "other", "other"]
    assert frame["settled_at"].iloc[3] == datetime(2021, 12, 11, 16, 53, 51)  # the last column


def test_alipay_unknown_direction_is_refused_with_row_and_column(tmp_path, builtin):
    text = alipay_current().replace(cell("支出") + "," + cell("35.50"), cell("收益") + "," + cell("35.50"))
    path = tmp_path / "alipay.csv"
    path.write_bytes(text.encode("gbk"))
    with pytest.raises(InputError) as err:
        read(path, builtin)
    assert [(p.row, p.column) for p in err.value.problems] == [(27, "收/支")]
    assert "unexpected value '收益 日用百货'" in err.value.problems[0].message  # 收/支 + 交易分类


@pytest.mark.realdata
def test_alipay_real_current_layout(realdata, builtin):
    frame = read(realdata / REAL / "alipay/example-alipay-records.csv", builtin, "2023-02",
                 "alipay_bill")
    # 10 rows (the preamble claims 共66笔); 不计收支 投资理财 and 不计收支 交易关闭 are not loaded.
    assert len(frame) == 8 and frame["source_row"].tolist() == [26, 27, 28, 30, 32, 33, 34, 35]
    assert total(frame) == Decimal("222082.89")
    assert frame["settlement_id"].iloc[0] == "202302xxxxxx0011000103xxxxxx"
    assert amounts(frame)[:3] == [Decimal("-49.74"), Decimal("-20.00"), Decimal("16.03")]
    assert frame["line_type"].iloc[2] == "refund"
    assert frame["settled_at"].iloc[0] == datetime(2023, 2, 12, 21, 32, 14)


@pytest.mark.realdata
def test_alipay_real_2021_layout(realdata, builtin):
    path = realdata / "double-entry-generator/history-d765283/example/alipay/example-alipay-records.csv"
    frame = read(path, builtin, "2021-06", "alipay_bill")
    assert len(frame) == 9 and total(frame) == Decimal("-159.91")
    assert frame["source_row"].max() == 16  # the trailer (rows 18-38) is not data
    assert amounts(frame)[1:3] == [Decimal("109.90"), Decimal("-109.90")]  # refund, closed payment
    assert frame["order_id"].iloc[6] is None


# -- WeChat Pay: CSV and XLSX ----------------------------------------------------------------------
WECHAT_AMOUNTS = [Decimal("268.00"), Decimal("1022.30"), Decimal("-128.60"), Decimal("-30.00"),
                  Decimal("-1000.00"), Decimal("-0.50"), Decimal("30.00")]


def test_wechat_csv(builtin):
    frame = read(FIXTURES / "wechat_bill.csv", builtin, expected="wechat_pay_bill")
    assert amounts(frame) == WECHAT_AMOUNTS
    assert frame["line_type"].tolist() == ["sale", "sale", "refund", "other", "transfer", "fee",
                                           "refund"]
    # 零钱提现 ¥1000.50 with 服务费¥0.50: 1000.00 to the bank, and a fee line of its own.
    assert frame["settlement_id"].tolist()[4:6] == ["207261012100077140000000000005",
                                                    "207261012100077140000000000005-fee"]
    assert frame["source_row"].tolist() == [18, 19, 20, 21, 22, 22, 25]  # neutral rows 23, 24 not
    assert frame["order_id"].tolist()[:3] == [None, "SY2026100501", "SY2026100402"]  # "/" is none
    assert total(frame) == Decimal("161.20")
    assert frame["settled_at"].iloc[0] == datetime(2026, 10, 3, 10, 15, 22)


def wechat_rows_from_csv() -> list[list]:
    """The fixture's rows as cells (the CSV is the source of both workbook layouts)."""
    import csv
    text = (FIXTURES / "wechat_bill.csv").read_text(encoding="utf-8-sig")
    return list(csv.reader(text.splitlines()))


def test_wechat_xlsx_both_layouts(tmp_path, builtin):
    rows = wechat_rows_from_csv()
    header = rows.index(next(r for r in rows if r[:1] == ["交易时间"]))
    book = openpyxl.Workbook()
    query = book.active
    query.title = "微信支付账单"  # a Power-Query copy: Column1..Column11 above the export
    query.append([f"Column{i}" for i in range(1, 12)])
    for row in rows:
        query.append(row)
    official = book.create_sheet("Sheet1")  # the official sheet: amounts are numbers
    for i, row in enumerate(rows):
        if i > header:
            row = [*row[:5], float(row[5].lstrip("¥").replace(",", "")), *row[6:]]
        official.append(row)
    both = tmp_path / "微信支付账单.xlsx"
    book.save(both)
    frame = read(both, builtin, expected="wechat_pay_bill")
    assert amounts(frame) == WECHAT_AMOUNTS and frame["source_row"].iloc[0] == 19

    del book["微信支付账单"]
    only = tmp_path / "official.xlsx"
    book.save(only)
    frame = read(only, builtin, expected="wechat_pay_bill")
    assert amounts(frame) == WECHAT_AMOUNTS and frame["source_row"].iloc[0] == 18


@pytest.mark.realdata
def test_wechat_real_csv(realdata, builtin):
    frame = read(realdata / REAL / "wechat/example-wechat-records.csv", builtin, "2021-07",
                 "wechat_pay_bill")
    # 27 rows: 9 neutral ones are not loaded, 3 withdrawals each add a fee line.
    assert len(frame) == 22 and total(frame) == Decimal("-3987.34")
    withdrawal = frame[frame["source_row"] == 24]
    assert amounts(withdrawal) == [Decimal("-100.00"), Decimal("-0.10")]  # ¥100.10, 服务费¥0.10
    assert withdrawal["line_type"].tolist() == ["transfer", "fee"]
    assert frame["settlement_id"].iloc[0] == "3985734"  # "3985734"<TAB>


@pytest.mark.realdata
def test_wechat_real_xlsx_both_sheets(realdata, builtin):
    path = realdata / REAL / "wechat/example-wechat-records.xlsx"
    first = read(path, builtin, "2021-07", "wechat_pay_bill")  # the Power-Query sheet comes first
    assert len(first) == 22 and total(first) == Decimal("-3987.34")
    assert first["source_row"].iloc[0] == 19  # Column1..Column11 above the export
    official = dataclasses.replace(builtin["wechat_pay_bill"], sheet="Sheet1")
    second = read_file(path, official, parse_period("2021-07"))
    assert amounts(second) == amounts(first) and second["source_row"].iloc[0] == 19
    assert CalamineWorkbook.from_path(str(path)).sheet_names == ["example-wechat-records", "Sheet1"]


@pytest.mark.realdata
def test_wechat_real_file_with_bom_and_refund_status(realdata, builtin):
    path = realdata / "china-beancount-importers/tests/fixtures/wechat/微信支付账单(20200830-20200906).csv"
    frame = read(path, builtin, "2024-08", "wechat_pay_bill")
    assert len(frame) == 7 and total(frame) == Decimal("790.12")
    last = frame.iloc[-1]  # 同程旅行-退款, status 已退款￥742.00
    assert (last["line_type"], last["amount"], last["order_id"]) == ("refund", Decimal("742.00"),
                                                                      None)


# -- JD: refunds inside the amount ------------------------------------------------------------------
def test_jd_refund_in_the_amount_becomes_its_own_line(builtin):
    frame = read(FIXTURES / "jd_bill.csv", builtin, expected="jd_bill")
    assert frame["settlement_id"].tolist() == ["300000000001", "300000000001-refund",
                                               "JDX300000000003", "300000000006"]
    assert amounts(frame) == [Decimal("-520.00"), Decimal("199.60"), Decimal("-12.00"),
                              Decimal("-88.00")]
    assert frame["line_type"].tolist() == ["other", "refund", "other", "other"]
    # The lines add up to what JD states as 支出 (420.40, net of partial refunds); the 不计收支
    # rows (a full refund, its refund row, the partial refund's own row) are not loaded.
    assert total(frame) == Decimal("-420.40")
    assert frame["settled_at"].iloc[0] == datetime(2026, 10, 28, 13, 27, 56)  # time ends in a tab


def test_jd_amount_with_letters_is_refused(tmp_path, builtin):
    text = (FIXTURES / "jd_bill.csv").read_text(encoding="utf-8-sig").replace(
        "520.00(已退款199.60)", "52O.00(已退款199.60)")
    path = tmp_path / "jd.csv"
    path.write_text(text, encoding="utf-8-sig")
    with pytest.raises(InputError) as err:
        read(path, builtin)
    assert [(p.row, p.column) for p in err.value.problems] == [(23, "金额")]


@pytest.mark.realdata
def test_jd_real(realdata, builtin):
    frame = read(realdata / REAL / "jd/example-jd-records.csv", builtin, "2024-12", "jd_bill")
    # 16 支出 rows and 4 refund lines; the sum is the preamble's 支出：16笔(含4笔部分退款)，1648.43元
    assert len(frame) == 20 and total(frame) == Decimal("-1648.43")
    row = frame[frame["source_row"] == 26]
    assert amounts(row) == [Decimal("-131.77"), Decimal("89.84")]  # 131.77(已退款89.84)
    assert (frame["line_type"] == "refund").sum() == 4


# -- Meituan --------------------------------------------------------------------------------------
def test_meituan(builtin):
    frame = read(FIXTURES / "meituan_bill.csv", builtin, expected="meituan_bill")
    assert amounts(frame) == [Decimal("-84.26"), Decimal("20.00"), Decimal("-20.00"),
                              Decimal("-84.00")]  # 实付金额, not 订单金额 ¥88.30
    assert frame["line_type"].tolist() == ["other", "refund", "other", "transfer"]
    assert frame["settlement_id"].iloc[0] == "26102811100400000000000000000001"
    assert frame["settled_at"].iloc[0] == datetime(2026, 10, 28, 20, 35, 25)  # 交易成功时间


@pytest.mark.realdata
def test_meituan_real(realdata, builtin):
    frame = read(realdata / REAL / "mt/example-mt-records.csv", builtin, "2025-02", "meituan_bill")
    assert len(frame) == 29 and total(frame) == Decimal("-1014.07")
    income = [a for a in amounts(frame) if a > 0]
    assert sum(income) == Decimal("209.73")  # the preamble's 收入：6笔 209.73元
    assert frame["amount"].iloc[16] == Decimal("-49.56")  # 订单金额 ¥50.00, 实付金额 ¥49.56
