"""Freight audit (快遞費): courier bills vs our shipments and the contracted rate cards."""

from __future__ import annotations

from recon_lib.coverage import Check
from recon_lib.match import Compare, MatchSpec, Side, Tolerance, run_match
from recon_lib.recons.base import RunContext, store_findings

RECON = "freight"

CHECKS = (
    Check(RECON, "duplicates", "重复计费 Lines billed twice", ("FRT_DUPLICATE",),
          ("courier_bill_lines",)),
    Check(RECON, "ours", "运单归属 Billed waybills are ours", ("FRT_PHANTOM",),
          ("courier_bill_lines", "shipments")),
    Check(RECON, "unbilled", "已发货未计费 Parcels missing from the bill", ("FRT_UNBILLED",),
          ("courier_bill_lines", "shipments"), per="carrier"),
    Check(RECON, "weight", "计费重量 Billed weight", ("FRT_WEIGHT_OVER",),
          ("courier_bill_lines.billed_weight_kg", "shipments.weight_kg", "rate_cards")),
    Check(RECON, "rate", "合同单价 Price against the rate card", ("FRT_RATE_OVER",),
          ("courier_bill_lines", "shipments", "rate_cards")),
    Check(RECON, "zone", "目的地 Billed destination", ("FRT_ZONE_MISMATCH",),
          ("courier_bill_lines.dest_province", "shipments.dest_province")),
    Check(RECON, "surcharges", "附加费 Surcharges", ("FRT_INVALID_SURCHARGE",),
          ("courier_bill_lines", "shipments", "rate_cards", "rate_card_surcharges")),
    Check(RECON, "return_freight", "退货运费 Return freight has a return",
          ("FRT_RETURN_NO_REQUEST",), ("courier_bill_lines",), context=("return_requests",)),
    Check(RECON, "rebates", "返利 Volume rebates", ("FRT_REBATE_SHORT",),
          ("courier_bill_lines", "shipments", "rate_card_rebates")),
)
"""What each check needs (see recon_lib/coverage.py): without it, not checked."""


def spec(weight_tolerance_kg: float) -> MatchSpec:
    """Each billed freight line against our parcel of the same waybill, one to one."""
    return MatchSpec(
        name="freight",
        left=Side("freight_bill_freight", keys=("waybill_no",),
                  columns=("line_id", "waybill_no", "billed_weight_kg", "dest_province",
                           "payable"),
                  id="line_id", label="bill line"),
        right=Side("freight_parcels_matchable", keys=("tracking_no",),
                   columns=("tracking_no", "chargeable_kg", "dest_province", "payable"),
                   id="tracking_no", label="our parcel"),
        compare=(
            # difference = ours - billed: negative when the courier billed more weight. A value
            # missing on either side (no weight on the bill, no weight or rate card for our
            # parcel, no destination) leaves that check not made on the pair, never a finding:
            # freight_uncheckable.sql counts those pairs.
            Compare("billed_weight_kg", "chargeable_kg", tolerance=Tolerance(weight_tolerance_kg),
                    reason_under="FRT_WEIGHT_OVER", if_missing="skip"),
            Compare("dest_province", kind="text", reason="FRT_ZONE_MISMATCH", if_missing="skip"),
        ),
        cardinality="one_to_one",
        normalize=("trim", "upper"),
        reason_duplicate_left="FRT_DUPLICATE",
        reason_missing_right="FRT_PHANTOM",
        reason_missing_left="FRT_UNBILLED",
        amount="payable",
    )


def reconcile(ctx: RunContext) -> int:
    """Duplicates, phantom and unbilled waybills, weight/rate/zone overcharges, surcharges, and
    volume rebates short of the contract for the months whose credit falls due in the period
    (on the month's own bill, or the next month's when the contract says so)."""
    bounds = ctx.period.bounds()
    ctx.db.run("freight_parcels", bill_cycle=ctx.settings.bill_cycle,
               grace_days=ctx.settings.bill_grace_days, lag_days=ctx.settings.bill_lag_days,
               **bounds)
    ctx.db.run("freight_parcels_matchable")
    ctx.db.run("freight_bill", **bounds)
    ctx.db.run("freight_bill_freight")
    ctx.db.run("freight_rebates", **bounds)
    run_match(ctx.db, spec(ctx.settings.freight_weight_tolerance_kg), ctx.run_id)
    return store_findings(ctx, RECON, "freight_discrepancies",
                          amount_tolerance=ctx.settings.amount_abs_tolerance)
