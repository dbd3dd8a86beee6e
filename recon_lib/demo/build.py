"""Build a demo month and write it as raw files plus the answer key."""

from __future__ import annotations

import logging
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

from recon_lib import config
from recon_lib.config import DEFAULT_SETTINGS, Settings
from recon_lib.demo import carry, cod, payments
from recon_lib.demo.carry import Carry
from recon_lib.demo.claims import add_claims
from recon_lib.demo.downstream import add_bills, add_logistics, add_service
from recon_lib.demo.freight import inject_freight
from recon_lib.demo.generator import DemoMonth, generate_month
from recon_lib.demo.inject import inject_outbound, inject_shipping
from recon_lib.demo.intake import inject_finish, inject_orders
from recon_lib.demo.purchase import build_purchases
from recon_lib.demo.returns import inject_returns
from recon_lib.demo.writer import FileLayout, write_file
from recon_lib.errors import InputError
from recon_lib.load.profile import load_profiles
from recon_lib.periods import Period

log = logging.getLogger(__name__)

TRUTH_COLUMNS = ["recon", "reason_code", "key", "order_id", "amount", "note"]

SF_ORDER = ("序号", "日期", "运单号码", "对方地区", "对方公司名称", "计费重量", "产品类型", "付款方式",
            "费用(元)", "折扣/促销", "应付金额", "经手人", "增值费用", "对账结果")


def build_month(period: Period, orders: int = 20_000, seed: int = 7,
                settings: Settings = DEFAULT_SETTINGS, earlier: Carry | None = None) -> DemoMonth:
    """Generate a month, inject every reason code's discrepancies and near misses.

    ``earlier``: what the previous month left open (its ``carry``). Its records dated in this
    month join this month's files as they are: only this month's own records carry injected
    discrepancies, so each month's answer key holds what its reconciliation finds.
    """
    earlier = earlier or Carry()
    month = generate_month(period, orders=orders, seed=seed, settings=settings,
                           catalogue=earlier.products)
    month.earlier = earlier
    inject_orders(month)
    inject_shipping(month)
    cod.mark(month)
    add_logistics(month)
    for table in ("shipments", "inventory_movements", "tracking_events"):
        carry.take(month, table)
    inject_returns(month, window_days=settings.return_window_days)
    add_bills(month)
    for table in ("courier_bill_lines", "return_requests", "return_receipts", "refunds"):
        carry.take(month, table)
    if earlier.next_bill is not None and len(earlier.next_bill):
        month.tables["courier_bill_lines"] = pd.concat(
            [month.tables["courier_bill_lines"], earlier.next_bill.drop(columns="service")],
            ignore_index=True)
    inject_outbound(month)
    inject_freight(month)
    rng = np.random.default_rng(seed + 209)
    payments.add_settlements(rng, month)
    payments.inject_settlement_lines(month)
    carry.cut(month, "settlement_lines")
    carry.take(month, "settlement_lines")
    payments.add_payouts(rng, month)
    payments.inject_payouts(month)
    cod.add(month)
    build_purchases(month)
    payments.finish_bank(month)
    add_claims(month)
    add_service(month)
    inject_finish(month)
    month.carry.products = month.tables["products"]
    month.carry.fee_schedules = month.tables["fee_schedules"]
    return month


def _layouts(period: Period) -> list[tuple[str, str | None, FileLayout]]:
    """(table, carrier filter, layout) for every file of the month."""
    label = period.label
    ym = period.start.strftime("%Y年%m月")

    def serial(df):
        return range(1, len(df) + 1)

    def blank(df):
        return [""] * len(df)

    settlement_preamble = (
        "#平台结算明细",
        "#商家：森屿家居",
        f"#起始日期：[{period.start} 00:00:00]   终止日期：[{period.end} 00:00:00]",
        "#---------------------------------结算明细列表------------------------------------",
    )
    return [
        ("products", None, FileLayout("商品资料.csv", "erp_products")),
        ("orders", None, FileLayout(f"oms_orders_{label}.csv", "oms_orders")),
        ("order_lines", None, FileLayout(f"oms_order_lines_{label}.csv", "oms_order_lines")),
        ("shipments", None, FileLayout(f"wms_shipments_{label}.xlsx", "wms_shipments")),
        ("shipment_lines", None, FileLayout(f"wms_shipment_lines_{label}.csv",
                                            "wms_shipment_lines", encoding="gbk")),
        ("inventory_movements", None, FileLayout(f"wms_movements_{label}.csv", "wms_movements",
                                                 encoding="gb18030")),
        ("inventory_snapshots", None, FileLayout(f"wms_stock_{period.last_day}.csv",
                                                 "wms_stock_snapshot")),
        ("rate_cards", None, FileLayout("rate_cards.csv", "rate_card")),
        ("rate_card_surcharges", None, FileLayout("rate_card_surcharges.csv",
                                                  "rate_card_surcharges")),
        ("rate_card_rebates", None, FileLayout("rate_card_rebates.csv", "rate_card_rebates")),
        ("compensation_rules", None, FileLayout("理赔标准.csv", "compensation_rules")),
        ("courier_bill_lines", "SF", FileLayout(
            f"顺丰月结账单_{label}.xlsx", "sf_bill", numbers_as_text=True, order=SF_ORDER,
            # The demo's SF parcels all go 顺丰特快 (service express); 增值费用 names the fee.
            extra={"序号": serial, "对方公司名称": blank, "产品类型": lambda d: ["顺丰特快"] * len(d),
                   "付款方式": lambda d: ["寄付月结"] * len(d),
                   "经手人": lambda d: ["陈晓"] * len(d), "增值费用": blank, "对账结果": blank})),
        ("courier_bill_lines", "ZTO", FileLayout(
            f"zto_bill_{label}.xlsx", "zto_bill", title_rows=(f"中通快递 {ym} 月结对账单",))),
        ("courier_bill_lines", "YTO", FileLayout(f"yto_bill_{label}.csv", "generic_courier_bill")),
        ("courier_bill_lines", "JDL", FileLayout(f"jdl_bill_{label}.csv", "generic_courier_bill")),
        ("tracking_events", None, FileLayout(f"tracking_{label}.csv", "courier_tracking")),
        ("return_requests", None, FileLayout(f"returns_{label}.csv", "oms_returns")),
        ("return_receipts", None, FileLayout(f"return_receipts_{label}.csv",
                                             "wms_return_receipts")),
        ("refunds", None, FileLayout(f"refunds_{label}.csv", "oms_refunds")),
        ("settlement_lines", None, FileLayout(
            f"platform_settlement_{label}.csv", "platform_settlement", encoding="gbk",
            preamble=settlement_preamble,
            trailer=("", "#-----------------------------------------结束------------------------",
                     f"#导出时间：[{period.end} 09:00:00]"))),
        ("payouts", None, FileLayout(f"platform_payouts_{label}.csv", "platform_payouts")),
        ("fee_schedules", None, FileLayout("fee_schedule.csv", "fee_schedule")),
        ("fx_rates", None, FileLayout("fx_rates.csv", "fx_rates")),
        *cod.layouts(period),
        ("bank_transactions", None, FileLayout(
            f"bank_statement_{label}.csv", "bank_statement", placeholder="-",
            thousands=("amount", "balance"),
            preamble=("中国工商银行 账户历史明细", "账号：6222****0719  户名：森屿家居有限公司",
                      "币种：人民币", ""),
            order=("交易日期", "流水号", "摘要", "收入金额", "支出金额", "余额", "对方户名", "账号"))),
        ("service_tickets", None, FileLayout(f"service_tickets_{label}.csv", "service_tickets")),
        ("purchase_orders", None, FileLayout(f"erp_purchase_orders_{label}.csv",
                                             "erp_purchase_orders")),
        ("purchase_order_lines", None, FileLayout(f"erp_purchase_order_lines_{label}.csv",
                                                  "erp_purchase_order_lines")),
        ("goods_receipts", None, FileLayout(f"wms_goods_receipts_{label}.csv",
                                            "wms_goods_receipts")),
        ("supplier_invoices", None, FileLayout(f"供应商发票清单_{label}.xlsx", "supplier_invoices")),
        ("supplier_invoice_lines", None, FileLayout(f"supplier_invoice_lines_{label}.csv",
                                                    "supplier_invoice_lines")),
    ]


WRITERS = 2
"""Files written at once: the writer's column work (Arrow, zlib) runs outside Python's lock."""


def _write_files(month: DemoMonth, folder: Path) -> list[Path]:
    profiles = load_profiles()

    def write(table: str, carrier: str | None, layout: FileLayout) -> tuple[Path, int]:
        df = month.tables[table]
        if carrier is not None:
            df = df[df["carrier"] == carrier]
        if table == "bank_transactions":
            df = _with_bank_footer(df)
        if table == "cod_remittances":
            layout = cod.with_totals(df, layout)
        return write_file(df, folder, profiles[layout.profile], layout), len(df)

    written = []
    jobs = _layouts(month.period)
    with ThreadPoolExecutor(WRITERS) as pool:
        # the largest files first, so that the two writers finish together
        largest = sorted(range(len(jobs)), key=lambda i: -len(month.tables[jobs[i][0]]))
        running = {i: pool.submit(write, *jobs[i]) for i in largest}
        for i, (_, _, layout) in enumerate(jobs):
            path, rows = running[i].result()
            written.append(path)
            log.info("wrote %s (%d rows)", layout.filename, rows)
    truth = pd.DataFrame(month.truth, columns=TRUTH_COLUMNS)
    truth_dir = folder / config.TRUTH_DIRNAME
    truth_dir.mkdir()
    truth.to_csv(truth_dir / "anomalies.csv", index=False)
    return written


def _with_bank_footer(df: pd.DataFrame) -> pd.DataFrame:
    total = {c: None for c in df.columns}
    total.update(booked_at=None, amount_fen=df["amount_fen"].sum(), txn_id="人民币合计")
    # the footer's label sits in the first column, as ICBC prints it
    footer = pd.DataFrame([total])
    return pd.concat([df, footer], ignore_index=True)


SEASON = {1: 1.0, 2: 0.65, 3: 0.9, 4: 0.95, 5: 1.0, 6: 1.3, 7: 0.95, 8: 0.95, 9: 1.0,
          10: 1.05, 11: 1.8, 12: 1.2}
"""Order volume by calendar month: the 618 festival in June, Double 11 in November, and the
Chinese New Year trough in February."""
GROWTH = 0.015  # per month


def history_sizes(period: Period, months: int, orders: int, seed: int) -> list[tuple[Period, int]]:
    """The ``months`` periods ending at ``period`` and their order counts: seasonality, growth
    and one shock (a month of courier disruption, 25% down), ``orders`` in the last month."""
    periods = [period]
    for _ in range(months - 1):
        periods.insert(0, periods[0].previous())
    rng = np.random.default_rng(seed + 999)
    shock = int(rng.integers(0, months - 1)) if months > 3 else -1
    last = SEASON[period.start.month]
    sizes = []
    for i, p in enumerate(periods):
        factor = SEASON[p.start.month] / last * (1 + GROWTH) ** (i - months + 1)
        factor *= 0.75 if i == shock else 1.0
        sizes.append((p, max(100, round(orders * factor))))
    return sizes


def write_demo(period: Period, data_dir: Path | None = None, *, orders: int = 20_000,
               seed: int = 7, force: bool = False, months: int = 1,
               daily: bool = False) -> list[Path]:
    """Write ``months`` demo months ending at ``period`` to ``<data_dir>/<month>/``, or with
    ``daily`` to one folder per day (``<data_dir>/<day>/``, see :mod:`recon_lib.demo.daily`).

    Each month is written all or nothing. Existing folders are refused unless ``force``: they
    may hold real files. Returns the folders, oldest first.
    """
    data_dir = Path(data_dir or config.RAW_DIR)
    if months < 1:
        raise InputError(f"--months must be 1 or more (got {months})")
    if orders < 100:
        raise InputError(f"--orders must be at least 100 (got {orders}): the demo needs room "
                         "for every kind of discrepancy")
    sizes = history_sizes(period, months, orders, seed)
    folders_of = ((lambda p: [p, *p.day_list()]) if daily else (lambda p: [p]))
    existing = [data_dir / f.label for p, _ in sizes for f in folders_of(p)
                if (data_dir / f.label).exists()]
    if existing and not force:
        raise InputError(f"{existing[0]} already exists; pass --force to replace it with demo "
                         "data")
    from recon_lib.demo.daily import write_daily

    folders: list[Path] = []
    earlier = None
    for i, (p, n) in enumerate(sizes):
        month = build_month(p, orders=n, seed=seed + i, earlier=earlier)
        if daily:
            folders += write_daily(month, data_dir)
        else:
            folders.append(_write_month(month, data_dir))
        earlier = month.carry
    return folders


def _write_month(month: DemoMonth, data_dir: Path) -> Path:
    period = month.period
    target = data_dir / period.label
    data_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{period.label}.", dir=data_dir))
    tmp.chmod(0o755)
    try:
        _write_files(month, tmp)
        if target.exists():
            old = target.with_name(f".{period.label}.old")
            target.rename(old)
            tmp.rename(target)
            shutil.rmtree(old)
        else:
            tmp.rename(target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    return target
