"""Returns (退貨): requests, courier return parcels, warehouse receipts and refunds, four ways."""

from __future__ import annotations

from recon_lib.coverage import Check
from recon_lib.match import Compare, MatchSpec, Side, run_match
from recon_lib.recons.base import RunContext, store_findings

RECON = "returns"

CHECKS = (
    Check(RECON, "refunds", "退款与收货 Refunds against goods received",
          ("RET_REFUND_NOT_RECEIVED", "RET_RECEIVED_NOT_REFUNDED", "RET_REFUND_MISMATCH"),
          ("return_receipts", "refunds"), context=("return_requests",)),
    Check(RECON, "receipts", "退货收货 Goods received against requests",
          ("RET_QTY_MISMATCH", "RET_BAD_CONDITION", "RET_UNEXPECTED_PARCEL"),
          ("return_receipts",), context=("return_requests",)),
    Check(RECON, "pickup", "退货揽收 Return parcels picked up", ("RET_NO_PICKUP",),
          ("tracking_events", "return_receipts"), context=("return_requests",)),
)
"""What each check needs (see recon_lib/coverage.py): without it, not checked."""

SPEC = MatchSpec(
    name="returns",
    left=Side("returns_due", keys=("return_id", "sku"),
              columns=("line_id", "return_id", "sku", "qty"), id="line_id",
              label="return request"),
    right=Side("returns_received", keys=("return_id", "sku"),
               columns=("receipt_line_id", "return_id", "sku", "qty"), id="receipt_line_id",
               label="warehouse receipt"),
    compare=(Compare("qty", reason="RET_QTY_MISMATCH"),),
    cardinality="one_to_many",   # a return may come back in several parcels
    normalize=(),                # keys come trimmed from the loader
    reason_missing_left="RET_UNEXPECTED_PARCEL",
)


def reconcile(ctx: RunContext) -> int:
    """Refunded-not-received, received-not-refunded, quantities, condition, refund amount, pickup."""
    bounds = ctx.period.bounds()
    ctx.db.run("returns_due", window_days=ctx.settings.return_window_days, **bounds)
    ctx.db.run("returns_received", **bounds)
    ctx.db.run("returns_legs", period_end=bounds["period_end"])
    run_match(ctx.db, SPEC, ctx.run_id)
    found = store_findings(ctx, RECON, "returns_discrepancies",
                           amount_tolerance=ctx.settings.amount_abs_tolerance,
                           period_end=bounds["period_end"])
    with ctx.db.transaction():
        ctx.db.run("returns_status_clear", period=ctx.period.label)
        ctx.db.run("returns_status_insert", period=ctx.period.label)
    return found
