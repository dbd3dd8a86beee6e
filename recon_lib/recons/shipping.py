"""Shipping (發貨): paid orders vs shipments, on the match engine.

The engine compares what was ordered with what the parcels carried, per order and SKU; the
order- and parcel-level rules (unshipped, late, after cancellation, unknown order) and the pairing
of substituted SKUs live in ``sql/shipping_discrepancies.sql``.
"""

from __future__ import annotations

from recon_lib.match import Compare, MatchSpec, Side, run_match
from recon_lib.recons.base import RunContext, store_findings

RECON = "shipping"

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
