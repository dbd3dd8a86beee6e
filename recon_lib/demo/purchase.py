"""Purchasing in the demo: the month's purchase orders, the goods received against them (some in
two deliveries, some with units rejected) and the suppliers' invoices (some in two parts), then
each purchase reason code injected with near misses beside it.

Receipts and invoices dated after the month's end go to the next month's files (the carry): a PO
placed late in the month is received, and invoiced, in the next. Every injection is judged in
this month: an invoice dated in it, a receipt received in it, a PO whose grace ends in it, goods
whose invoice window closes in it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from recon_lib.demo import carry
from recon_lib.demo.generator import HOUR, DemoMonth
from recon_lib.demo.payments import ACCOUNT

RECON = "purchase"
SUPPLIERS = ("宁波森木家居用品有限公司", "义乌市优品日用百货厂", "佛山华彩陶瓷有限公司",
             "南通家纺实业有限公司", "深圳光明灯饰有限公司")
TAX_RATE = 0.13
DAY = 24 * HOUR


def _tax(amount_fen) -> np.ndarray:
    """VAT at 13%, to the cent, half up (as the SQL's round)."""
    return (np.asarray(amount_fen, dtype=np.int64) * 13 + 50) // 100


def build_purchases(month: DemoMonth, rate: float = 0.0025) -> None:
    """The month's purchasing with its injected findings, and the suppliers paid from the bank
    account; receipts and invoices dated after the month's end go to the carry, and those the
    months before carried into this one join it (payments go with the bank statement, which is
    finished after this)."""
    billed = _purchases(month)
    billed = _inject(month, billed, max(3, round(len(month.tables["orders"]) * rate)))
    _finish_invoices(month, billed)
    _inject_tax(month)
    _pay(month)
    for table in ("goods_receipts", "supplier_invoices"):
        carry.cut(month, table)
        carry.take(month, table)


def _purchases(month: DemoMonth) -> pd.DataFrame:
    """POs placed in the month and their receipts, all agreeing; returns the invoice lines that
    bill the receipts (fen, before amounts and tax)."""
    rng = np.random.default_rng(month.seed + 505)
    t = month.tables
    start = pd.Timestamp(month.period.start_ts)
    days = (pd.Timestamp(month.period.end_ts) - start).days
    products = t["products"]
    n_po = max(80, len(t["orders"]) // 20)
    ym = month.period.start.strftime("%y%m")
    po_no = [f"PO{ym}{i + 1:05d}" for i in range(n_po)]
    order_day = start + pd.to_timedelta(np.sort(rng.integers(0, days, n_po)), unit="D")
    expected = order_day + pd.to_timedelta(rng.integers(3, 10, n_po), unit="D")
    t["purchase_orders"] = pd.DataFrame({
        "po_no": po_no, "supplier": rng.choice(SUPPLIERS, n_po),
        "order_date": order_day.date, "expected_date": expected.date,
        "warehouse": rng.choice(["上海仓", "广州仓", "北京仓", "成都仓"], n_po),
        "currency": "CNY"})
    n_lines = rng.choice([1, 2, 3], n_po, p=[0.5, 0.3, 0.2])
    po_of = np.repeat(np.arange(n_po), n_lines)
    pick = rng.integers(0, len(products), len(po_of))
    lines = pd.DataFrame({"p": po_of, "i": pick}).drop_duplicates()
    lines["line_no"] = lines.groupby("p").cumcount() + 1
    sku = products["sku"].to_numpy(dtype=object)[lines["i"].to_numpy()]
    cost = products["unit_cost_fen"].to_numpy()[lines["i"].to_numpy()]
    qty = rng.integers(1, 6, len(lines)) * 10
    p = lines["p"].to_numpy()
    t["purchase_order_lines"] = pd.DataFrame({
        "po_no": np.asarray(po_no, dtype=object)[p], "line_no": lines["line_no"].to_numpy(),
        "sku": sku, "qty": qty, "unit_price_fen": cost, "tax_rate": TAX_RATE})

    # receipts: on time give or take two days; one line in six in two deliveries; one in eight
    # with a few units rejected (the supplier invoices only what was accepted)
    n = len(lines)
    arrive = (pd.Series(expected[p]) + pd.to_timedelta(rng.integers(-2, 2, n), unit="D")
              + pd.to_timedelta(rng.integers(9, 17, n), unit="h")).to_numpy()
    split = rng.random(n) < 1 / 6
    first = np.where(split, qty // 2, qty)
    rejected = np.where((rng.random(n) < 1 / 8) & ~split, rng.integers(1, 4, n), 0)
    receipts = pd.DataFrame({"line": np.arange(n), "qty_received": first, "received_at": arrive,
                             "qty_accepted": first - rejected})
    second = pd.DataFrame({"line": np.flatnonzero(split), "qty_received": (qty - first)[split],
                           "received_at": arrive[split] + pd.to_timedelta(
                               rng.integers(1, 3, int(split.sum())), unit="D").to_numpy()})
    second["qty_accepted"] = second["qty_received"]
    grn = pd.concat([receipts, second], ignore_index=True).sort_values("received_at",
                                                                       kind="stable")
    line = grn["line"].to_numpy()
    supplier = t["purchase_orders"]["supplier"].to_numpy()[p]
    t["goods_receipts"] = pd.DataFrame({
        "grn_no": [f"GRN{ym}{i + 1:06d}" for i in range(len(grn))],
        "po_no": np.asarray(po_no, dtype=object)[p[line]], "supplier": supplier[line],
        "sku": sku[line], "qty_received": grn["qty_received"].to_numpy(),
        "qty_accepted": grn["qty_accepted"].to_numpy(),
        "warehouse": t["purchase_orders"]["warehouse"].to_numpy()[p[line]],
        "received_at": grn["received_at"].to_numpy()})

    # invoices: one per receipt, 1 to 15 days after it (inside the invoice window)
    g = t["goods_receipts"]
    billed = pd.DataFrame({
        "supplier": g["supplier"].to_numpy(), "po_no": g["po_no"].to_numpy(),
        "sku": g["sku"].to_numpy(), "qty": g["qty_accepted"].to_numpy(),
        "unit_price_fen": cost[line],
        "invoice_date": (g["received_at"].dt.normalize() + pd.to_timedelta(
            rng.integers(1, 16, len(g)), unit="D")).dt.date.to_numpy()})
    billed = billed.sort_values("invoice_date", kind="stable").reset_index(drop=True)
    billed["invoice_no"] = [f"FP{ym}{i + 1:06d}" for i in range(len(billed))]
    billed["line_no"] = 1
    return billed


def _finish_invoices(month: DemoMonth, lines: pd.DataFrame) -> None:
    """Amounts and tax of invoice lines (fen), and their headers."""
    lines = lines.copy()
    lines["amount_fen"] = lines["qty"].astype(np.int64) * lines["unit_price_fen"].astype(np.int64)
    lines["tax_rate"] = TAX_RATE
    lines["tax_fen"] = _tax(lines["amount_fen"])
    head = (lines.groupby(["supplier", "invoice_no"], sort=False)
            .agg(invoice_date=("invoice_date", "first"), po_no=("po_no", "first"),
                 amount=("amount_fen", "sum"), tax=("tax_fen", "sum")).reset_index())
    head["total_fen"] = head["amount"] + head["tax"]
    head["vat_invoice_no"] = [f"{44031000 + i:08d}" for i in range(len(head))]
    head["currency"] = "CNY"
    month.tables["supplier_invoices"] = head.drop(columns=["amount", "tax"])
    month.tables["supplier_invoice_lines"] = lines[
        ["supplier", "invoice_no", "line_no", "po_no", "sku", "qty", "unit_price_fen",
         "amount_fen", "tax_rate", "tax_fen"]]


def _truth(month: DemoMonth, code: str, key: str, amount_fen: int, note: str) -> None:
    month.truth.append({"recon": RECON, "reason_code": code, "key": key, "order_id": None,
                        "amount": amount_fen / 100, "note": note})


def _inject(month: DemoMonth, billed: pd.DataFrame, n: int) -> pd.DataFrame:
    """Break receipts and invoice lines on purpose, each judged in this month; near misses
    beside them. Returns the invoice lines to finish."""
    rng = np.random.default_rng(month.seed + 506)
    t = month.tables
    settings = month.settings
    end = pd.Timestamp(month.period.end_ts)
    start = pd.Timestamp(month.period.start_ts)
    grn = t["goods_receipts"]
    po = t["purchase_orders"].set_index("po_no")
    price = t["purchase_order_lines"].set_index(["po_no", "sku"])["unit_price_fen"]
    ordered = t["purchase_order_lines"].set_index(["po_no", "sku"])["qty"]
    # PO lines received once, everything accepted, billed on one invoice line
    once = grn.groupby(["po_no", "sku"])["grn_no"].transform("count") == 1
    whole = once & (grn["qty_accepted"] == grn["qty_received"])
    inv_at = {k: i for i, k in enumerate(zip(billed["po_no"], billed["sku"], strict=True))}
    free = [i for i in rng.permutation(np.flatnonzero(whole.to_numpy()))]
    drop_grn: set[int] = set()
    drop_inv: set[int] = set()

    def take(k: int, where) -> list[int]:
        out, kept = [], []
        while free and len(out) < k:
            i = free.pop()
            (out if where(i) else kept).append(i)
        free.extend(reversed(kept))
        return out

    def key_of(i: int) -> tuple[str, str]:
        return grn.at[i, "po_no"], grn.at[i, "sku"]

    def invoice(i: int) -> int:
        return inv_at[key_of(i)]

    def billed_in_month(i: int) -> bool:
        return pd.Timestamp(billed.at[invoice(i), "invoice_date"]) < end

    def due(i: int) -> pd.Timestamp:
        return pd.Timestamp(po.at[grn.at[i, "po_no"], "expected_date"]) + pd.Timedelta(
            days=settings.purchase_overdue_days)

    def line_key(j: int) -> str:
        return f"{billed.at[j, 'invoice_no']}|{billed.at[j, 'supplier']}|1"

    window = pd.Timedelta(days=settings.purchase_invoice_days)
    for i in take(n, lambda i: grn.at[i, "received_at"] + window < end):   # never billed
        drop_inv.add(invoice(i))
        _truth(month, "PUR_RECEIVED_NOT_INVOICED", f"{grn.at[i, 'grn_no']}|{grn.at[i, 'sku']}",
               int(grn.at[i, "qty_accepted"]) * int(price[key_of(i)]), "not invoiced")
    for i in take(n, lambda i: due(i) < end):   # never arrived, never billed
        drop_grn.add(i)
        drop_inv.add(invoice(i))
        _truth(month, "PUR_PO_OVERDUE", "|".join(key_of(i)),
               int(ordered[key_of(i)]) * int(price[key_of(i)]), "never received")
    for i in take(n, lambda i: billed_in_month(i) and due(i) < end):   # short, billed in full
        j = invoice(i)
        short = int(rng.integers(1, int(grn.at[i, "qty_received"]) // 2 + 1))
        grn.at[i, "qty_received"] -= short
        grn.at[i, "qty_accepted"] -= short
        _truth(month, "PUR_INVOICE_QTY_OVER", line_key(j),
               short * int(billed.at[j, "unit_price_fen"]), "short delivery billed in full")
        _truth(month, "PUR_PO_OVERDUE", "|".join(key_of(i)), short * int(price[key_of(i)]),
               "short delivery")
    tolerance = settings.purchase_price_tolerance
    for i in take(n, billed_in_month):     # invoiced above the PO price
        j = invoice(i)
        cost = int(billed.at[j, "unit_price_fen"])
        billed.at[j, "unit_price_fen"] = int(np.ceil(cost * (1 + tolerance + 0.05)))
        _truth(month, "PUR_PRICE_OVER", line_key(j),
               (int(billed.at[j, "unit_price_fen"]) - cost) * int(billed.at[j, "qty"]),
               "price above the PO")
    for i in take(n, billed_in_month):     # near miss: just inside the tolerance
        j = invoice(i)
        billed.at[j, "unit_price_fen"] = int(int(billed.at[j, "unit_price_fen"])
                                             * (1 + tolerance - 0.005))
    for i in take(n, billed_in_month):     # rejected at the warehouse, billed all the same
        j = invoice(i)
        rejected = int(rng.integers(1, 4))
        grn.at[i, "qty_accepted"] -= rejected
        _truth(month, "PUR_REJECTED_INVOICED", line_key(j),
               rejected * int(billed.at[j, "unit_price_fen"]), "rejected units billed")
    for i in take(n, lambda i: start <= grn.at[i, "received_at"] < end):   # over the PO
        j = invoice(i)
        extra = int(rng.integers(1, 3)) * 10
        grn.at[i, "qty_received"] += extra
        grn.at[i, "qty_accepted"] += extra
        billed.at[j, "qty"] += extra
        _truth(month, "PUR_RECEIVED_NOT_ORDERED", f"{grn.at[i, 'grn_no']}|{grn.at[i, 'sku']}",
               extra * int(price[key_of(i)]), "received above the PO")
    for i in take(n, lambda i: True):      # near miss: billed late, inside the window
        billed.at[invoice(i), "invoice_date"] = (grn.at[i, "received_at"].normalize()
                                                 + window - pd.Timedelta(days=2)).date()

    # goods that came without an order (a SKU we buy, so it has a price)
    ym = month.period.start.strftime("%y%m")
    skus = t["purchase_order_lines"]["sku"].unique()
    first_price = t["purchase_order_lines"].drop_duplicates("sku").set_index("sku")[
        "unit_price_fen"]   # each SKU's price on its first PO line
    extra_grn = []
    for k in range(n):
        sku = skus[int(rng.integers(0, len(skus)))]
        row = {"grn_no": f"GRNX{ym}{k + 1:04d}", "po_no": None, "supplier": SUPPLIERS[k % 5],
               "sku": sku, "qty_received": 20, "qty_accepted": 20, "warehouse": "上海仓",
               "received_at": start + pd.Timedelta(days=int(rng.integers(1, 25)), hours=10)}
        extra_grn.append(row)
        cost = int(first_price[sku])
        _truth(month, "PUR_RECEIVED_NOT_ORDERED", f"{row['grn_no']}|{sku}", 20 * cost,
               "no purchase order")
    # invoices quoting no PO, or one we never placed
    extra_inv = []
    for k in range(n):
        sku = skus[int(rng.integers(0, len(skus)))]
        cost = int(first_price[sku])
        row = {"supplier": SUPPLIERS[k % 5], "po_no": None if k % 2 else f"PO{ym}99{k:03d}",
               "sku": sku, "qty": 10, "unit_price_fen": cost, "line_no": 1,
               "invoice_no": f"FPX{ym}{k + 1:04d}",
               "invoice_date": (start + pd.Timedelta(days=int(rng.integers(1, 25)))).date()}
        extra_inv.append(row)
        _truth(month, "PUR_INVOICE_NO_PO", f"{row['invoice_no']}|{row['supplier']}|1",
               10 * cost, "no purchase order")

    keep = ~grn.index.isin(list(drop_grn))
    t["goods_receipts"] = pd.concat([grn[keep], pd.DataFrame(extra_grn)], ignore_index=True)
    billed = billed[~billed.index.isin(list(drop_inv))]
    return pd.concat([billed, pd.DataFrame(extra_inv)], ignore_index=True)


def _inject_tax(month: DemoMonth) -> None:
    """Tax that is not quantity x price x rate (a yuan off), and a cent off beside it."""
    rng = np.random.default_rng(month.seed + 507)
    lines = month.tables["supplier_invoice_lines"]
    heads = month.tables["supplier_invoices"].set_index(["supplier", "invoice_no"])
    end = pd.Timestamp(month.period.end_ts).date()
    n = max(3, round(len(month.tables["orders"]) * 0.0025))
    taken = {r["key"].rsplit("|", 1)[0] for r in month.truth if r["recon"] == RECON}
    dates = heads["invoice_date"].reindex(pd.MultiIndex.from_frame(
        lines[["supplier", "invoice_no"]])).to_numpy()
    ok = [i for i in rng.permutation(len(lines))
          if dates[i] < end and f"{lines['invoice_no'].iat[i]}|{lines['supplier'].iat[i]}"
          not in taken]
    tax = lines["tax_fen"].to_numpy().copy()
    for k, i in enumerate(ok[:2 * n]):
        if k % 2 == 0:
            tax[i] += 100
            _truth(month, "PUR_TAX_MISMATCH",
                   f"{lines['invoice_no'].iat[i]}|{lines['supplier'].iat[i]}|1", 100, "tax off")
        else:
            tax[i] += 1
    lines["tax_fen"] = tax


PAYMENT_DAYS = 30
"""Suppliers are paid 5 to this many days after the invoice date (at most 月结30天)."""


def _pay(month: DemoMonth) -> None:
    """A bank payment per invoice (one invoice in six in two instalments that add up, and a few
    paid by a transfer quoting no invoice number: near misses), then an invoice paid twice and
    payments quoting no invoice (findings), each booked in the month. They join the bank statement before it is finished and carried."""
    rng = np.random.default_rng(month.seed + 508)
    t = month.tables
    heads = t["supplier_invoices"]
    start, end = pd.Timestamp(month.period.start_ts), pd.Timestamp(month.period.end_ts)
    days = pd.to_timedelta(rng.integers(5, PAYMENT_DAYS + 1, len(heads)), unit="D")
    due = pd.to_datetime(heads["invoice_date"]) + days + pd.Timedelta(hours=10)
    total = heads["total_fen"].to_numpy(dtype=np.int64)
    two = rng.random(len(heads)) < 1 / 6
    first = np.where(two, total * 6 // 10, total)
    rows = [pd.DataFrame({"booked_at": due, "amount_fen": -first,
                          "counterparty": heads["supplier"], "invoice_no": heads["invoice_no"]}),
            pd.DataFrame({"booked_at": due[two] + pd.Timedelta(days=7),
                          "amount_fen": -(total - first)[two],
                          "counterparty": heads["supplier"][two],
                          "invoice_no": heads["invoice_no"][two]})]
    pay = pd.concat(rows, ignore_index=True)
    n = max(3, round(len(t["orders"]) * 0.0025))
    # invoices paid in full once, in the month: paid again a few days later
    once = pay[~pay["invoice_no"].isin(heads["invoice_no"][two]) & (pay["booked_at"] >= start)
               & (pay["booked_at"] + pd.Timedelta(days=4) < end)]
    again = once.iloc[rng.permutation(len(once))[:n]].copy()
    again["booked_at"] += pd.to_timedelta(rng.integers(1, 4, len(again)), unit="D")
    # payments quoting no invoice, of an amount no invoice of that supplier has (one that had
    # would pay it, as purchase_payments pairs them: a near miss, not this finding)
    totals = heads.groupby("supplier")["total_fen"].agg(set).to_dict()
    suppliers = [SUPPLIERS[k % len(SUPPLIERS)] for k in range(n)]
    amounts = rng.integers(50, 500, n) * 100
    for k, supplier in enumerate(suppliers):
        while int(amounts[k]) in totals.get(supplier, set()):
            amounts[k] += 100
    unquoted = pd.DataFrame({
        "booked_at": [start + pd.Timedelta(days=int(d), hours=15) for d in rng.integers(1, 25, n)],
        "amount_fen": -amounts,
        "counterparty": suppliers,
        "invoice_no": None})
    # near misses: invoices paid in full by a transfer that quotes no number (货款 only), paid
    # by their amount
    rest = once.drop(index=again.index)
    rest = rest[~rest.duplicated(["counterparty", "amount_fen"], keep=False)]
    plain = rest.index[rng.permutation(len(rest))[:n]]
    pay["plain"] = pay.index.isin(plain)
    pay = pd.concat([pay, again.assign(dup=True), unquoted.assign(unquoted=True)],
                    ignore_index=True).sort_values("booked_at", kind="stable")
    ym = month.period.start.strftime("%y%m")
    pay["txn_id"] = [f"ICBCP{ym}{i + 1:06d}" for i in range(len(pay))]
    for row in pay[pay["dup"].eq(True)].itertuples(index=False):
        _truth(month, "PUR_PAID_TWICE", row.txn_id, -int(row.amount_fen), "invoice paid again")
    for row in pay[pay["unquoted"].eq(True)].itertuples(index=False):
        _truth(month, "PUR_PAID_NOT_INVOICED", row.txn_id, -int(row.amount_fen), "no invoice")
    reference = np.where(pay["invoice_no"].isna(), "预付货款",
                         np.where(pay["plain"].eq(True), "货款",
                                  "货款 " + pay["invoice_no"].fillna("").astype(str)))
    bank = pd.DataFrame({"account": ACCOUNT, "txn_id": pay["txn_id"].to_numpy(),
                         "booked_at": pay["booked_at"].to_numpy(),
                         "amount_fen": pay["amount_fen"].to_numpy(dtype=np.int64),
                         "currency": "CNY", "counterparty": pay["counterparty"].to_numpy(),
                         "reference": reference})
    t["bank_transactions"] = pd.concat([t["bank_transactions"], bank], ignore_index=True)
