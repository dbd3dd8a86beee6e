"""A demo month written as daily files: one folder per day, as a merchant on a daily cycle gets
them (each courier's bill of the day, the day's orders, movements, settlements, statement...).

Every record goes to the folder of its own day (orders by payment, or creation when unpaid;
lines with their order or parcel; bills by bill date...); records the month's story dates
outside the month go to its first or last day. Reference data (products, rate cards, fee
schedules, FX rates) is repeated in every folder, so any day can be run alone. The month's
answer key is written to ``<month>/_truth/`` so ``recon score --period <month>`` works after
``recon run --period <month>`` has loaded the days.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from recon_lib import config, schema
from recon_lib.demo import build
from recon_lib.demo.carry import DAY_COLUMN
from recon_lib.demo.generator import DemoMonth
from recon_lib.demo.writer import write_file
from recon_lib.errors import InputError
from recon_lib.load import load_profiles
from recon_lib.periods import Period

log = logging.getLogger(__name__)

FOLLOWS = {"order_lines": ("orders", "order_id"), "shipment_lines": ("shipments", "shipment_id"),
           "purchase_order_lines": ("purchase_orders", "po_no"),
           "supplier_invoice_lines": ("supplier_invoices", "invoice_no")}
"""Tables whose rows travel with their parent's row."""


def write_daily(month: DemoMonth, data_dir: Path) -> list[Path]:
    """Write a built demo month as one folder per day, replacing the month's folder and its
    days' folders (``write_demo`` refuses existing ones unless forced); returns the days."""
    period = month.period
    if period.kind != "month":
        raise InputError(f"--daily writes a whole month as daily folders; {period.label} is a "
                         f"{period.kind}: give a month such as 2026-10")
    data_dir.mkdir(parents=True, exist_ok=True)
    days = period.day_list()
    targets = [data_dir / d.label for d in days]
    existing = [t for t in (data_dir / period.label, *targets) if t.exists()]
    staging = Path(tempfile.mkdtemp(prefix=f".{period.label}.daily.", dir=data_dir))
    profiles = load_profiles()
    try:
        for day, part in zip(days, split_by_day(month), strict=True):
            folder = staging / day.label
            folder.mkdir()
            _write_day(part, day, folder, profiles)
        truth = staging / period.label / config.TRUTH_DIRNAME
        truth.mkdir(parents=True)
        pd.DataFrame(month.truth, columns=build.TRUTH_COLUMNS).to_csv(
            truth / "anomalies.csv", index=False)
        for old in existing:
            shutil.rmtree(old)
        for source in sorted(staging.iterdir()):
            source.chmod(0o755)
            source.rename(data_dir / source.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    log.info("wrote %s as %d daily folders", period.label, len(days))
    return targets


def split_by_day(month: DemoMonth) -> list[dict[str, pd.DataFrame]]:
    """The month's tables cut into one dict of tables per day of the period, in order."""
    days = month.period.day_list()
    first, n = np.datetime64(month.period.start, "D"), len(days)
    index: dict[str, np.ndarray] = {}
    for table, df in month.tables.items():
        if table in FOLLOWS or schema.TABLES[table].master:
            continue
        if table == "orders":
            moment = df["paid_at"].where(df["paid_at"].notna(), df["created_at"])
        else:
            moment = df[DAY_COLUMN[table]]
        offset = (pd.to_datetime(moment).to_numpy().astype("datetime64[D]") - first)
        index[table] = np.clip(offset.astype(np.int64), 0, n - 1)
    for table, (parent, key) in FOLLOWS.items():
        day_of = pd.Series(index[parent], index=month.tables[parent][key].to_numpy())
        day_of = day_of[~day_of.index.duplicated()]
        index[table] = day_of.reindex(month.tables[table][key].to_numpy()).fillna(0).to_numpy(
            dtype=np.int64)
    parts = []
    for i in range(n):
        part = {}
        for table, df in month.tables.items():
            part[table] = df if table not in index else df[index[table] == i]
        parts.append(part)
    return parts


def _write_day(tables: dict[str, pd.DataFrame], day: Period, folder: Path,
               profiles: dict) -> None:
    for table, carrier, layout in build._layouts(day):
        df = tables[table]
        if carrier is not None:
            df = df[df["carrier"] == carrier]
        if df.empty and not schema.TABLES[table].master:
            continue  # nothing of this kind that day: no file, as most exports behave
        if table == "bank_transactions":
            df = build._with_bank_footer(df)
        write_file(df.reset_index(drop=True), folder, profiles[layout.profile], layout)
