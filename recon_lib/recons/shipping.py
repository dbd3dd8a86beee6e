"""Shipping (發貨): paid orders vs shipments, on the match engine.

The engine compares what was ordered with what the parcels carried, per order and SKU; the
order- and parcel-level rules (unshipped, late, after cancellation, unknown order) and the pairing
of substituted SKUs live in ``sql/shipping_discrepancies.sql``.
"""

from __future__ import annotations

from recon_lib.coverage import Check
from recon_lib.match import Compare, MatchSpec, Side, run_match
from recon_lib.recons.base import RunContext, store_findings

RECON = "shipping"

CHECKS = (
    Check(RECON, "shipped", "发货时效 Shipped on time, not after cancellation",
          ("SHIP_UNSHIPPED", "SHIP_LATE", "SHIP_AFTER_CANCEL"), ("shipments",),
          context=("orders",)),
    Check(RECON, "lines", "发货明细 Shipped SKUs and quantities",
          ("SHIP_PARTIAL", "SHIP_OVER", "SHIP_WRONG_SKU"),
          ("shipments", "shipment_lines"), context=("orders", "order_lines")),
    Check(RECON, "orders_known", "发货有订单 Every parcel has an order", ("SHIP_UNKNOWN_ORDER",),
          ("orders", "shipments")),
)
"""What each check needs (see recon_lib/coverage.py): without it, not checked."""

SPEC = MatchSpec(
    name="shipping",
    left=Side("shipping_ordered", keys=("order_id", "sku"),
              columns=("line_id", "order_id", "sku", "qty", "ordered_value"),
              id="line_id", label="ordered SKU"),
    right=Side("shipping_shipped", keys=("order_id", "sku"),
               columns=("packed_id", "order_id", "sku", "qty"),
               id="packed_id", label="packed line"),
    compare=(Compare("qty", reason_under="SHIP_PARTIAL", reason_over="SHIP_OVER"),),
    cardinality="one_to_many",     # an order's SKU may travel in several parcels
    normalize=(),                  # keys come trimmed from the loader
    reason_missing_right="SHIP_PARTIAL",
    reason_missing_left="SHIP_WRONG_SKU",
    amount="ordered_value",
)


def reconcile(ctx: RunContext) -> int:
    """Find unshipped, partial, over-shipped, wrong-SKU, late, after-cancel and orphan parcels."""
    bounds = ctx.period.bounds()
    ctx.db.run("shipping_due", sla_hours=ctx.settings.ship_sla_hours, **bounds)
    for staged in ("shipping_ordered_lines", "shipping_ordered", "shipping_packed",
                   "shipping_shipped"):
        ctx.db.run(staged)
    run_match(ctx.db, SPEC, ctx.run_id)
    return store_findings(ctx, RECON, "shipping_discrepancies", **bounds)
