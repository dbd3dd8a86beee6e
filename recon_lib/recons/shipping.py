"""Shipping (發貨): paid orders vs shipments. The rules live in ``sql/shipping_discrepancies.sql``."""

from __future__ import annotations

from recon_lib.recons.base import RunContext, store_findings

RECON = "shipping"


def reconcile(ctx: RunContext) -> int:
    """Find unshipped, partial, over-shipped, wrong-SKU, late, after-cancel and orphan parcels."""
    return store_findings(ctx, RECON, "shipping_discrepancies",
                          sla_hours=ctx.settings.ship_sla_hours, **ctx.period.bounds())
