"""Lost and damaged parcels (丢件破损理赔): what the couriers owe by their compensation rules, and
what they paid (a credit on their bill, or a bank transfer quoting the waybill)."""

from __future__ import annotations

from recon_lib.coverage import Check
from recon_lib.recons.base import RunContext, store_findings

RECON = "claims"

_NEEDS = ("tracking_events", "shipments", "compensation_rules", "courier_bill_lines")
# what the rule's basis and the payments may come from: earlier periods' rows will do
_CONTEXT = ("shipment_lines", "order_lines", "bank_transactions")

CHECKS = (
    Check(RECON, "compensated", "逾期未赔付 Losses compensated by the claim deadline",
          ("CLM_NOT_COMPENSATED",), _NEEDS, context=_CONTEXT, per="carrier"),
    Check(RECON, "amount", "赔付金额 Compensation against the contract's rule",
          ("CLM_SHORT", "CLM_INSURED_SHORT"), _NEEDS, context=_CONTEXT, per="carrier"),
)
"""What each check needs (see recon_lib/coverage.py): without it, not checked. A courier without
a bill line loaded for the period is not checked (its credits would be missing)."""


def reconcile(ctx: RunContext) -> int:
    """The lost and damaged parcels whose claim deadline ends in the period, against what their
    couriers paid for them by the period's end (docs/claims.md)."""
    ctx.db.run("claims_incidents", **ctx.period.bounds())
    return store_findings(ctx, RECON, "claims_discrepancies",
                          amount_tolerance=ctx.settings.amount_abs_tolerance)
