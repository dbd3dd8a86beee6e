"""What a demo month leaves open at its end, for the months after it to show.

A month's generator tells the whole story of its orders: parcels that leave after the month's
end, deliveries, return requests and their legs, settlements, payouts and deposits that come
later. Each record goes to the files of the month holding its date, as the merchant's exports
would show it: the month's own files keep what happened before its end and :class:`Carry` takes
the rest to the next month, which adds what falls inside it and hands on anything later still.
Reference data (the catalogue, fee schedules, the FX series) is carried too, so a history's
months agree on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from recon_lib.demo.columns import isin

if TYPE_CHECKING:
    from recon_lib.demo.generator import DemoMonth

DAY_COLUMN = {
    "shipments": "ship_time", "inventory_movements": "posted_at",
    "inventory_snapshots": "snapshot_date", "courier_bill_lines": "bill_date",
    "tracking_events": "event_time", "return_requests": "requested_at",
    "return_receipts": "received_at", "refunds": "refunded_at", "settlement_lines": "settled_at",
    "payouts": "paid_at", "bank_transactions": "booked_at", "service_tickets": "opened_at",
    "purchase_orders": "order_date", "goods_receipts": "received_at",
    "supplier_invoices": "invoice_date", "cod_remittances": "remit_date",
}
"""The column that says on which day a record arrives; orders and lines are handled apart."""


@dataclass
class Carry:
    """What one month hands to the next."""

    records: dict[str, pd.DataFrame] = field(default_factory=dict)
    """Table -> rows dated at or after the month's end (shipment lines with their parcels)."""
    unpaid: pd.DataFrame | None = None
    """Settlement lines already written whose payout is made after the month's end."""
    balance_fen: int | None = None
    """The bank statement's closing balance."""
    next_bill: pd.DataFrame | None = None
    """Bill lines of the month's last evening's parcels, which the couriers bill next month (near
    misses of FRT_UNBILLED), with the parcel's ``service``."""
    rebates: list[dict] = field(default_factory=list)
    """The month's volume rebates its couriers credit on the next month's bill (次月): carrier,
    month, due and credited fen, and how the credit falls short."""
    claims: list[dict] = field(default_factory=list)
    """Answer-key rows of lost and damaged parcels whose claim deadline ends after the month
    (recon_lib/demo/claims.py), each with the first day of the period it is judged in."""
    products: pd.DataFrame | None = None
    fee_schedules: pd.DataFrame | None = None
    fx: pd.DataFrame | None = None
    """The reference-rate series as far as the month's story reaches."""


def _later(df: pd.DataFrame, table: str, end) -> np.ndarray:
    return (pd.to_datetime(df[DAY_COLUMN[table]]) >= pd.Timestamp(end)).to_numpy()


def _hand_on(month: DemoMonth, table: str, rows: pd.DataFrame) -> None:
    if rows.empty:
        return
    held = month.carry.records.get(table)
    month.carry.records[table] = rows if held is None else pd.concat([held, rows],
                                                                      ignore_index=True)


def _append(month: DemoMonth, table: str, rows: pd.DataFrame, by: str | None) -> None:
    if rows.empty:
        return
    df = pd.concat([month.tables[table], rows], ignore_index=True)
    # in time order, as the export of the month lists them
    month.tables[table] = df if by is None else df.sort_values(by, kind="stable").reset_index(
        drop=True)


LINES = {"shipments": ("shipment_lines", "shipment_id"),
         "supplier_invoices": ("supplier_invoice_lines", "invoice_no")}
"""Tables whose lines travel with them (the lines' table and the column that names the row)."""


def cut(month: DemoMonth, table: str) -> None:
    """Move the rows of ``table`` dated at or after the period's end into the month's carry."""
    df = month.tables[table]
    later = _later(df, table, month.period.end_ts)
    _hand_on(month, table, df[later])
    month.tables[table] = df[~later].reset_index(drop=True)
    if table in LINES:
        name, column = LINES[table]
        lines = month.tables[name]
        gone = isin(lines[column], df.loc[later, column])
        _hand_on(month, name, lines[gone])
        month.tables[name] = lines[~gone].reset_index(drop=True)


def take(month: DemoMonth, table: str) -> None:
    """Add the rows earlier months carried for ``table`` that fall in this month; hand on the
    rows dated after it."""
    rows = month.earlier.records.get(table)
    if rows is None:
        return
    later = _later(rows, table, month.period.end_ts)
    _hand_on(month, table, rows[later])
    _append(month, table, rows[~later], DAY_COLUMN[table])
    if table in LINES and LINES[table][0] in month.earlier.records:
        name, column = LINES[table]
        lines = month.earlier.records[name]
        now = isin(lines[column], rows.loc[~later, column])
        _hand_on(month, name, lines[~now])
        _append(month, name, lines[now], None)


def story(month: DemoMonth, table: str) -> pd.DataFrame:
    """The table with its rows carried past the period's end: all the month's story has told."""
    later = month.carry.records.get(table)
    return month.tables[table] if later is None else pd.concat([month.tables[table], later],
                                                                ignore_index=True)
