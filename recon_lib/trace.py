"""Trace one order across every leg: order, parcels, stock, courier bills, tracking, returns,
refunds, settlement, payouts and the bank, with every finding on any of them.

``trace(id)`` takes an order number, a waybill, a shipment, a return id, a payout id or a
settlement line; customers appear masked only.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from recon_lib.db import Database
from recon_lib.errors import InputError
from recon_lib.privacy import mask_frame

LEGS = [  # (title, query)
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
    ("提现与到账 Payouts and deposits", "trace_payouts"),
]


@dataclass
class OrderTrace:
    order_id: str
    found_as: str
    legs: dict[str, pd.DataFrame] = field(default_factory=dict)
    findings: pd.DataFrame = field(default_factory=pd.DataFrame)

    def __str__(self) -> str:
        out = [f"order {self.order_id} (found as {self.found_as})"]
        for title, frame in self.legs.items():
            out.append(f"\n== {title}")
            out.append(frame.to_string(index=False, max_colwidth=50) if len(frame) else "  (none)")
        out.append("\n== 发现 Findings")
        out.append(self.findings.to_string(index=False, max_colwidth=80) if len(self.findings)
                   else "  (none: every leg agrees)")
        return "\n".join(out)

    def _repr_html_(self) -> str:
        parts = [f"<h3>Order {html.escape(self.order_id)} <small>(found as "
                 f"{html.escape(self.found_as)})</small></h3>"]
        for title, frame in [*self.legs.items(), ("发现 Findings", self.findings)]:
            parts.append(f"<h4>{html.escape(title)}</h4>")
            parts.append(frame.to_html(index=False, na_rep="", border=0) if len(frame)
                         else "<p><em>none</em></p>")
        return "\n".join(parts)


@dataclass
class Trace:
    """What an id leads to: one trace per order (a payout carries many orders)."""

    id: str
    orders: list[OrderTrace]

    def __str__(self) -> str:
        return "\n\n".join(str(o) for o in self.orders)

    def _repr_html_(self) -> str:
        return "\n<hr>\n".join(o._repr_html_() for o in self.orders)


def trace(id: str, db: Database | None = None, *, db_path: str | Path | None = None,
          max_orders: int = 20) -> Trace:
    """Every record of the order(s) that ``id`` names, leg by leg, with their findings."""
    own = db is None
    db = db or Database(db_path, read_only=True)
    try:
        hits = db.query("trace_resolve", id=str(id).strip())
        if hits.empty:
            near = db.query("trace_nearest", id=str(id).strip())
            hint = ", ".join(f"{r.id} ({r.kind})" for r in near.itertuples()) or "none"
            raise InputError(f"{id!r} is not an order, waybill, shipment, return, payout or "
                             f"settlement line on record; the nearest ids: {hint}")
        orders = []
        for row in hits.drop_duplicates("order_id").head(max_orders).itertuples():
            legs = {title: mask_frame(db.query(query, order_id=row.order_id))
                    for title, query in LEGS}
            findings = db.query("trace_findings", order_id=row.order_id)
            orders.append(OrderTrace(row.order_id, row.kind, legs, findings))
        return Trace(str(id), orders)
    finally:
        if own:
            db.close()
