"""Trace one id across every leg: order, parcels, stock, courier bills, tracking, returns,
refunds, settlement, payouts and the bank, with every finding on any of them.

``trace(id)`` takes an id from any leg: an order number (also one only a settlement or a parcel
names), a shipment, a waybill (ours, a return's, or one only a courier bill or the tracking
carries), a return, a return receipt, a refund, a settlement line, a payout or a bank transaction
(or a payout number a bank reference quotes), a COD remittance batch (its lines, the orders of its
waybills, and its deposit), or on the purchasing side a purchase order, a goods
receipt or a supplier invoice (followed through the PO's receipts, invoices and the payments
quoting them). It shows, in this order:

1. the findings keyed by the id itself, with their register status;
2. the id's own records where no order leads to them (a waybill only on a bill, a payout's
   lines and deposits, a bank transaction and the payouts it quotes);
3. each order the id leads to, leg by leg, with the findings on its records.

Long lists are cut (20 lines, 20 orders; orders and lines with findings first) and say so
("showing 20 of 2,877 lines; --all for every line"). Customers appear masked only.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from recon_lib.db import Database
from recon_lib.errors import InputError
from recon_lib.privacy import mask_frame

LEGS = [  # (title, query): an order's records, by $order_id
    ("订单 Order", "trace_order"),
    ("订单明细 Order lines", "trace_order_lines"),
    ("发货 Parcels", "trace_shipments"),
    ("出库 Stock movements", "trace_movements"),
    ("物流 Tracking", "trace_tracking"),
    ("快递账单 Courier bills", "trace_bills"),
    ("退货 Returns", "trace_returns"),
    ("退货入库 Return receipts", "trace_receipts"),
    ("退款 Refunds", "trace_refunds"),
    ("平台结算 Settlement", "trace_settlements"),
    ("代收货款回款 COD remittance", "trace_cod"),
    ("提现与到账 Payouts and deposits", "trace_payouts"),
]

OWN_LEGS = [  # (title, query, what a row is, which rows come first): the id's own records
    ("平台结算 Settlement lines", "trace_id_settlements", "line", "those with findings first"),
    ("提现 Payouts", "trace_id_payouts", "payout", ""),
    ("银行流水 Bank transactions", "trace_id_bank", "transaction", ""),
    ("快递账单 Courier bill lines", "trace_id_bills", "line", ""),
    ("物流 Tracking events", "trace_id_tracking", "event", ""),
    ("退货入库 Return receipts", "trace_id_receipts", "receipt", ""),
    ("退款 Refunds", "trace_id_refunds", "refund", ""),
    ("代收货款回款 COD remittance lines", "trace_cod", "line", ""),
    ("采购订单 Purchase order", "trace_id_purchase_orders", "line", ""),
    ("采购入库 Goods received", "trace_id_goods_receipts", "receipt", ""),
    ("供应商发票 Supplier invoices", "trace_id_supplier_invoices", "line", ""),
    ("供应商付款 Supplier payments", "trace_id_supplier_payments", "payment", ""),
]

KINDS = ("order", "order not in the order export", "shipment", "tracking number",
         "waybill on a courier bill", "tracked parcel", "return", "return waybill",
         "return receipt", "refund", "settlement line", "payout", "bank transaction",
         "quoted by a bank transaction", "COD remittance batch", "waybill on a COD statement",
         "purchase order", "goods receipt", "supplier invoice")
"""What an id can be (``sql/trace_resolve.sql``), in the order they are named."""

RECORD_IDS = ("settlement_id", "payout_id", "txn_id", "waybill_no", "tracking_no", "receipt_id",
              "refund_id", "po_no", "grn_no", "invoice_no")
"""Columns of the id's own records whose values findings may be keyed by."""

CARRY_MANY = {"payout", "bank transaction", "quoted by a bank transaction",
              "COD remittance batch"}
"""Kinds of record that carry many orders: their own records are shown before the orders."""

LIMIT = 20

COD_LEG = "trace_cod"
"""The COD remittance query: an order's lines (``order_id``) or an id's (``id``), with the
deposit window of the batch pairing (the project's ``deposit_window_days``, recon.yml)."""


def _params(query: str, *, order_id: str | None = None, id: str | None = None) -> dict:
    if query != COD_LEG:
        return {"order_id": order_id} if order_id is not None else {"id": id}
    from recon_lib.settings_file import load_settings

    return {"order_id": order_id, "id": id, "window_days": load_settings().deposit_window_days}
"""Lines and orders shown by default; ``None`` shows every one (``recon trace --all``)."""


@dataclass
class Listing:
    """A list as shown: its first rows, and how many there are."""

    frame: pd.DataFrame
    total: int
    noun: str   # what a row is: "line", "order"
    first: str = ""   # which rows come first when it is cut: "those with findings first"

    @property
    def cut(self) -> bool:
        return len(self.frame) < self.total

    def note(self, more: str = "--all") -> str:
        """``showing 20 of 2,877 lines; --all for every line`` when cut, else empty."""
        if not self.cut:
            return ""
        first = f", {self.first}" if self.first else ""
        return (f"showing {len(self.frame):,} of {self.total:,} {self.noun}s{first}; {more} for "
                f"every {self.noun}")


def _listing(frame: pd.DataFrame, limit: int | None, noun: str, first: str = "") -> Listing:
    shown = frame if limit is None else frame.head(limit)
    return Listing(mask_frame(shown.reset_index(drop=True)), len(frame), noun, first)


def _finding_ids(frame: pd.DataFrame) -> set[tuple]:
    cols = ["period", "recon", "reason_code", "key"]
    return set(frame[cols].itertuples(index=False, name=None)) if len(frame) else set()


def _without(frame: pd.DataFrame, shown: set[tuple]) -> pd.DataFrame:
    if not shown or not len(frame):
        return frame
    keep = [t not in shown for t in frame[["period", "recon", "reason_code", "key"]]
            .itertuples(index=False, name=None)]
    return frame[keep].reset_index(drop=True)


def _table(frame: pd.DataFrame, width: int = 50) -> str:
    return frame.to_string(index=False, max_colwidth=width)


@dataclass
class OrderTrace:
    order_id: str
    found_as: str
    legs: dict[str, pd.DataFrame] = field(default_factory=dict)
    findings: pd.DataFrame = field(default_factory=pd.DataFrame)
    """Every finding on the order's records (a trace shows those not already shown above)."""

    def text(self, shown: set[tuple] = frozenset()) -> str:
        out = [f"order {self.order_id} (found as {self.found_as})"]
        for title, frame in self.legs.items():
            out.append(f"\n== {title}")
            out.append(_table(frame) if len(frame) else "  (none)")
        rest = _without(self.findings, shown)
        out.append("\n== 发现 Findings" + (" on its other records" if shown else ""))
        if len(rest):
            out.append(_table(rest, 80))
        elif len(self.findings):
            out.append("  (none beyond those above)")
        else:
            out.append("  (none: every leg agrees)")
        return "\n".join(out)

    def html(self, shown: set[tuple] = frozenset()) -> str:
        parts = [f"<h3>Order {html.escape(self.order_id)} <small>(found as "
                 f"{html.escape(self.found_as)})</small></h3>"]
        rest = _without(self.findings, shown)
        for title, frame in [*self.legs.items(), ("发现 Findings", rest)]:
            parts.append(f"<h4>{html.escape(title)}</h4>")
            parts.append(frame.to_html(index=False, na_rep="", border=0) if len(frame)
                         else "<p><em>none</em></p>")
        return "\n".join(parts)

    def __str__(self) -> str:
        return self.text()

    def _repr_html_(self) -> str:
        return self.html()


@dataclass
class Trace:
    """What an id leads to: its own findings, its own records, and the orders it leads to."""

    id: str
    orders: list[OrderTrace]
    found_as: str = ""
    findings: pd.DataFrame = field(default_factory=pd.DataFrame)
    """Findings keyed by the id itself (and register items), shown first."""
    records: dict[str, Listing] = field(default_factory=dict)
    """The id's own records on legs no order leads to (a payout's lines, a bill-only waybill)."""
    orders_total: int = 0
    record_findings: pd.DataFrame = field(default_factory=pd.DataFrame)
    """Findings keyed by those records (every one of them, also those a cut list leaves out),
    beyond the id's own."""

    @property
    def orders_listing(self) -> Listing:
        return Listing(pd.DataFrame({"order_id": [o.order_id for o in self.orders]}),
                       max(self.orders_total, len(self.orders)), "order",
                       "those with findings first")

    def __str__(self) -> str:
        out = [f"{self.id} (found as {self.found_as})", f"\n== 发现 Findings on {self.id}"]
        out.append(_table(self.findings, 80) if len(self.findings) else "  (none keyed by it)")
        for title, listing in self.records.items():
            note = listing.note()
            out.append(f"\n== {title}" + (f" ({note})" if note else ""))
            out.append(_table(listing.frame))
        if len(self.record_findings):
            out.append("\n== 发现 Findings on these records")
            out.append(_table(self.record_findings, 80))
        if self.orders_listing.cut:
            out.append(f"\n== 订单 Orders: {self.orders_listing.note()}")
        shown = _finding_ids(self.findings) | _finding_ids(self.record_findings)
        for order in self.orders:
            out.append("\n" + order.text(shown))
        return "\n".join(out)

    def _repr_html_(self) -> str:
        more = {"line": "max_rows=None", "order": "max_orders=None"}
        parts = [f"<h3>{html.escape(self.id)} <small>(found as {html.escape(self.found_as)})"
                 "</small></h3>", f"<h4>发现 Findings on {html.escape(self.id)}</h4>",
                 self.findings.to_html(index=False, na_rep="", border=0) if len(self.findings)
                 else "<p><em>none keyed by it</em></p>"]
        for title, listing in self.records.items():
            note = listing.note(more.get(listing.noun, "max_rows=None"))
            parts.append(f"<h4>{html.escape(title)}</h4>")
            if note:
                parts.append(f"<p><em>{html.escape(note)}</em></p>")
            parts.append(listing.frame.to_html(index=False, na_rep="", border=0))
        if len(self.record_findings):
            parts.append("<h4>发现 Findings on these records</h4>")
            parts.append(self.record_findings.to_html(index=False, na_rep="", border=0))
        if self.orders_listing.cut:
            parts.append(f"<p><em>{html.escape(self.orders_listing.note(more['order']))}"
                         "</em></p>")
        shown = _finding_ids(self.findings) | _finding_ids(self.record_findings)
        return "\n<hr>\n".join(["\n".join(parts), *(o.html(shown) for o in self.orders)])


def _kinds(kinds) -> str:
    known = [k for k in KINDS if k in set(kinds)]
    return ", ".join(known + sorted(set(kinds) - set(KINDS)))


def trace(id: str, db: Database | None = None, *, db_path: str | Path | None = None,
          max_orders: int | None = LIMIT, max_rows: int | None = LIMIT) -> Trace:
    """Everything on record about ``id``: its own findings first, its own records, and every
    record of the order(s) it leads to, leg by leg, with their findings. At most ``max_orders``
    orders and ``max_rows`` rows of each list of its own records (None: all); the text says
    when a list is cut."""
    own = db is None
    db = db or Database(db_path, read_only=True)
    key = str(id).strip()
    try:
        hits = db.query("trace_resolve", id=key)
        if hits.empty:
            near = db.query("trace_nearest", id=key)
            hint = ", ".join(f"{r.id} ({r.kind})" for r in near.itertuples()) or "none"
            raise InputError(f"{id!r} is on no leg: not an order, shipment, waybill (ours, a "
                             "return's or on a courier bill or tracking), return, receipt, "
                             "refund, settlement line, payout or bank transaction on record; "
                             f"the nearest ids: {hint}")
        findings = db.query("trace_own_findings", id=key)
        records, ids = {}, set()
        if hits["order_id"].isna().any() or set(hits["kind"]) & CARRY_MANY:
            for title, query, noun, first in OWN_LEGS:
                frame = db.query(query, **_params(query, id=key))
                if len(frame):
                    records[title] = _listing(frame, max_rows, noun, first)
                    for col in set(RECORD_IDS) & set(frame.columns):
                        ids.update(str(v) for v in frame[col].dropna())
        ids.discard(key)
        around = (_without(db.query("trace_record_findings", ids=sorted(ids)),
                           _finding_ids(findings)) if ids else pd.DataFrame())
        led = hits.dropna(subset=["order_id"])
        order_ids = list(dict.fromkeys(led["order_id"]))   # those with findings first
        picked = order_ids if max_orders is None else order_ids[:max_orders]
        orders = []
        for order_id in picked:
            legs = {title: mask_frame(db.query(query, **_params(query, order_id=order_id)))
                    for title, query in LEGS}
            kinds = _kinds(led.loc[led["order_id"] == order_id, "kind"])
            orders.append(OrderTrace(order_id, kinds, legs,
                                     db.query("trace_findings", order_id=order_id)))
        return Trace(key, orders, _kinds(hits["kind"]), findings, records, len(order_ids),
                     around)
    finally:
        if own:
            db.close()
