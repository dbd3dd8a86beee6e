"""Outbound (出庫): shipments vs the inventory system's outbound movements, on the match engine."""

from __future__ import annotations

from datetime import timedelta

from recon_lib.coverage import Check
from recon_lib.match import Compare, DateWindow, MatchSpec, Side, run_match
from recon_lib.recons.base import RunContext, store_findings

RECON = "outbound"

CHECKS = (
    Check(RECON, "movements", "出库记录 Every parcel has its stock movement",
          ("OUT_NO_MOVEMENT", "OUT_NO_SHIPMENT", "OUT_QTY_MISMATCH", "OUT_SKU_MISMATCH",
           "OUT_TIME_GAP"), ("shipments", "shipment_lines", "inventory_movements")),
)
"""What each check needs (see recon_lib/coverage.py): without it, not checked."""


def spec(window_hours: int) -> MatchSpec:
    """Parcel lines against outbound movements by (shipment, SKU); a line may be posted in parts."""
    window = timedelta(hours=window_hours)
    return MatchSpec(
        name="outbound",
        left=Side("outbound_shipped", keys=("shipment_id", "sku"),
                  columns=("line_id", "shipment_id", "sku", "qty", "ship_time"),
                  id="line_id", label="shipped line"),
        right=Side("outbound_posted", keys=("shipment_id", "sku"),
                   columns=("movement_id", "shipment_id", "sku", "qty", "posted_at"),
                   id="movement_id", label="outbound movement"),
        compare=(Compare("qty", reason="OUT_QTY_MISMATCH"),),
        window=DateWindow("ship_time", "posted_at", before=window, after=window,
                          reason="OUT_TIME_GAP"),
        cardinality="one_to_many",
        normalize=(),                  # keys come trimmed from the loader
        reason_missing_right="OUT_NO_MOVEMENT",
        reason_missing_left="OUT_NO_SHIPMENT",
    )


def reconcile(ctx: RunContext) -> int:
    """Shipped without movement, moved without shipment, quantity, SKU and timing differences."""
    hours = ctx.settings.outbound_window_hours
    params = {"window_hours": hours, **ctx.period.bounds()}
    ctx.db.run("outbound_lines", **params)
    ctx.db.run("outbound_shipped")
    ctx.db.run("outbound_posted", **params)
    run_match(ctx.db, spec(hours), ctx.run_id)
    return store_findings(ctx, RECON, "outbound_discrepancies")
